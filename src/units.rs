//! Numbers and durations for people: thousands separated, rates, file
//! times, durations in the largest units that fit (reports, capacity).

/// `453120` → `453,120`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A non-negative quantity with `decimals` decimals and separated thousands:
/// `1321.64` → `1,321.6`.
pub(crate) fn decimal(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.max(0.0));
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let whole = whole
        .parse::<u64>()
        .map_or_else(|_| whole.to_owned(), thousands);
    if frac.is_empty() {
        whole
    } else {
        format!("{whole}.{frac}")
    }
}

/// A rate in MB/s (10⁶ bytes per second), one decimal.
pub(crate) fn mb_s(rate: f64) -> String {
    format!("{} MB/s", decimal(rate, 1))
}

/// A file time: milliseconds below ten seconds, seconds above.
pub(crate) fn file_time(ms: f64) -> String {
    if ms < 10_000.0 {
        format!("{} ms", decimal(ms, 1))
    } else {
        format!("{} s", decimal(ms / 1000.0, 1))
    }
}

/// A duration: `42.3 s`, `12m 03s`, `3h 04m 05s`, `2d 09h 12m`.
pub(crate) fn duration(seconds: f64) -> String {
    if seconds < 59.95 {
        return format!("{:.1} s", seconds.max(0.0));
    }
    let total = whole_seconds(seconds);
    let (d, h, m, s) = (
        total / 86_400,
        total / 3600 % 24,
        total / 60 % 60,
        total % 60,
    );
    if total < 3600 {
        format!("{m}m {s:02}s")
    } else if total < 86_400 {
        format!("{h}h {m:02}m {s:02}s")
    } else {
        format!("{d}d {h:02}h {m:02}m")
    }
}

#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "rounded, clamped to be non-negative; durations are far below 2^64 s"
)]
fn whole_seconds(seconds: f64) -> u64 {
    seconds.max(0.0).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(453_120), "453,120");
        assert_eq!(thousands(486_535_140_556_800), "486,535,140,556,800");
    }

    #[test]
    fn decimals_keep_separators() {
        assert_eq!(decimal(1321.64, 1), "1,321.6");
        assert_eq!(decimal(0.04, 1), "0.0");
        assert_eq!(decimal(2500.0, 0), "2,500");
        assert_eq!(mb_s(999.96), "1,000.0 MB/s");
    }

    #[test]
    fn file_times_switch_to_seconds_at_ten() {
        assert_eq!(file_time(812.4), "812.4 ms");
        assert_eq!(file_time(9_999.9), "9,999.9 ms");
        assert_eq!(file_time(12_345.0), "12.3 s");
    }

    #[test]
    fn durations_use_the_largest_units() {
        assert_eq!(duration(42.34), "42.3 s");
        assert_eq!(duration(59.94), "59.9 s");
        assert_eq!(duration(59.96), "1m 00s");
        assert_eq!(duration(723.0), "12m 03s");
        assert_eq!(duration(11_045.0), "3h 04m 05s");
        assert_eq!(duration(205_920.0), "2d 09h 12m");
    }
}
