//! Axis scales with round ticks: 1, 2 or 5 × 10ᵏ steps, and the time unit
//! (seconds, minutes or hours) that suits the length of a fill.

use crate::units::decimal;

/// The smallest 1, 2 or 5 × 10ᵏ step that cuts `span` into at most
/// `max_intervals` intervals.
pub(crate) fn nice_step(span: f64, max_intervals: u32) -> f64 {
    let raw = span / f64::from(max_intervals.max(1));
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

/// An axis from 0: its ticks, and its end (the last tick, or `end` as given).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scale {
    pub end: f64,
    pub step: f64,
    pub ticks: Vec<f64>,
}

impl Scale {
    /// A value axis: from 0 up to the first tick at or above `max`.
    pub(crate) fn rounded_up(max: f64, max_intervals: u32) -> Scale {
        let max = if max.is_finite() && max > 0.0 {
            max
        } else {
            1.0
        };
        let step = nice_step(max, max_intervals);
        let mut ticks = vec![0.0];
        while ticks.last().is_some_and(|t| *t < max * (1.0 - 1e-9)) {
            ticks.push(step * f64::from(u32::try_from(ticks.len()).unwrap_or(u32::MAX)));
        }
        Scale {
            end: ticks.last().copied().unwrap_or(max),
            step,
            ticks,
        }
    }

    /// A time axis: from 0 to exactly `end`, ticks at round values inside.
    pub(crate) fn exact(end: f64, max_intervals: u32) -> Scale {
        let end = if end.is_finite() && end > 0.0 {
            end
        } else {
            1.0
        };
        let step = nice_step(end, max_intervals);
        let mut ticks = Vec::new();
        let mut n = 0u32;
        loop {
            let t = step * f64::from(n);
            if t > end * (1.0 + 1e-9) {
                break;
            }
            ticks.push(t);
            n += 1;
        }
        Scale { end, step, ticks }
    }

    /// A tick's label with as many decimals as the step needs.
    pub(crate) fn label(&self, value: f64) -> String {
        let mut decimals = 0;
        let mut step = self.step;
        while step < 0.999 && decimals < 6 {
            step *= 10.0;
            decimals += 1;
        }
        decimal(value, decimals)
    }
}

/// The unit of the time axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeUnit {
    Seconds,
    Minutes,
    Hours,
}

impl TimeUnit {
    /// Seconds up to two minutes, minutes up to two hours, hours beyond.
    pub(crate) fn for_span(seconds: f64) -> TimeUnit {
        if seconds <= 120.0 {
            TimeUnit::Seconds
        } else if seconds <= 7200.0 {
            TimeUnit::Minutes
        } else {
            TimeUnit::Hours
        }
    }

    pub(crate) fn seconds(self) -> f64 {
        match self {
            TimeUnit::Seconds => 1.0,
            TimeUnit::Minutes => 60.0,
            TimeUnit::Hours => 3600.0,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "seconds",
            TimeUnit::Minutes => "minutes",
            TimeUnit::Hours => "hours",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(57.0, 8), 10.0);
        assert_eq!(nice_step(1630.0, 6), 500.0);
        assert_eq!(nice_step(100.0, 5), 20.0);
        assert_eq!(nice_step(3.0, 6), 0.5);
        assert_eq!(nice_step(0.0, 6), 1.0);
    }

    #[test]
    fn value_axis_rounds_up_to_a_tick() {
        let s = Scale::rounded_up(1630.0, 6);
        assert_eq!(s.ticks, vec![0.0, 500.0, 1000.0, 1500.0, 2000.0]);
        assert_eq!(s.end, 2000.0);
        assert_eq!(s.label(1500.0), "1,500");
        let exact = Scale::rounded_up(2000.0, 6);
        assert_eq!(exact.end, 2000.0);
    }

    #[test]
    fn time_axis_ends_at_the_data_with_ticks_inside() {
        let s = Scale::exact(57.3, 8);
        assert_eq!(s.ticks, vec![0.0, 10.0, 20.0, 30.0, 40.0, 50.0]);
        assert_eq!(s.end, 57.3);
    }

    #[test]
    fn fractional_steps_get_decimals() {
        let s = Scale::exact(2.2, 6);
        assert_eq!(s.step, 0.5);
        assert_eq!(s.label(1.5), "1.5");
        assert_eq!(s.label(2.0), "2.0");
    }

    #[test]
    fn time_unit_fits_the_span() {
        assert_eq!(TimeUnit::for_span(90.0), TimeUnit::Seconds);
        assert_eq!(TimeUnit::for_span(1800.0), TimeUnit::Minutes);
        assert_eq!(TimeUnit::for_span(205_920.0), TimeUnit::Hours);
    }
}
