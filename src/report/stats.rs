//! The statistics of a fill report, each computable in one streaming pass:
//! nearest-rank percentiles, runs and the gaps between them, and the slowest
//! files. Throughput (rolling and mean) is the fill's own,
//! `fill::stats::Throughput`.

/// The 0-based position of the `per_cent` percentile in `len` sorted values,
/// by the nearest-rank method: the smallest value with at least `per_cent` %
/// of all values at or below it. It is always one of the values, never an
/// interpolation, so "p99 1.2 s" means some file really took 1.2 s.
pub(crate) fn nearest_rank(len: usize, per_cent: usize) -> Option<usize> {
    if len == 0 {
        return None;
    }
    let rank = (per_cent.min(100) * len).div_ceil(100);
    Some(rank.clamp(1, len) - 1)
}

/// A time without any file being written, in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Gap {
    pub start: f64,
    pub end: f64,
}

impl Gap {
    pub(crate) fn seconds(&self) -> f64 {
        self.end - self.start
    }
}

/// How a file record relates to the runs of the log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum RunStep {
    /// The first file of the log.
    First,
    /// In the same run as the file before.
    Continues,
    /// The first file of a resumed run, after a summary line or a gap (or both).
    Resumed { gap: Option<Gap> },
}

/// Shortest pause that counts as an interruption: ten median file times, and
/// at least a minute, so that a slow file or a transaction-group stall (a file
/// is still being written) never counts, while an operator restarting a fill
/// always does.
pub(crate) fn gap_threshold(median_ms: f64) -> f64 {
    (median_ms / 100.0).max(60.0)
}

/// Cuts a log into runs. A run ends at a summary line or where nothing was
/// written for longer than the threshold.
///
/// Files must come in the order they finished (the order the engine logs
/// them); with parallel streams their starts are not in order, so the idle
/// time before a file is measured from the latest end of any file before it.
/// A true pause is then never missed: the first file to finish after it also
/// started after it.
pub(crate) struct Runs {
    threshold: f64,
    latest_end: Option<f64>,
    after_summary: bool,
    last_complete: Option<bool>,
}

impl Runs {
    pub(crate) fn new(threshold_seconds: f64) -> Self {
        Runs {
            threshold: threshold_seconds,
            latest_end: None,
            after_summary: false,
            last_complete: None,
        }
    }

    pub(crate) fn summary(&mut self, complete: bool) {
        if self.latest_end.is_some() {
            self.after_summary = true;
            self.last_complete = Some(complete);
        }
    }

    /// A file record: rewritten ones count too (writing them was activity).
    pub(crate) fn file(&mut self, start: f64, end: f64) -> RunStep {
        let step = match self.latest_end {
            None => RunStep::First,
            Some(latest) => {
                let gap = (start - latest > self.threshold).then_some(Gap {
                    start: latest,
                    end: start,
                });
                if gap.is_some() || self.after_summary {
                    RunStep::Resumed { gap }
                } else {
                    RunStep::Continues
                }
            }
        };
        if step != RunStep::Continues {
            self.last_complete = None;
        }
        self.after_summary = false;
        self.latest_end = Some(self.latest_end.map_or(end, |l| l.max(end)));
        step
    }

    /// How the last run ended: `Some(complete)` from its summary line, `None`
    /// if it has none (stopped, or still running).
    pub(crate) fn last_complete(&self) -> Option<bool> {
        self.last_complete
    }
}

/// The `k` items with the largest keys; among equal keys the first pushed stays.
pub(crate) struct Largest<T> {
    k: usize,
    items: Vec<(f64, T)>,
}

impl<T> Largest<T> {
    pub(crate) fn new(k: usize) -> Self {
        Largest {
            k,
            items: Vec::with_capacity(k + 1),
        }
    }

    /// Whether an item with this key would be kept: lets callers skip building it.
    pub(crate) fn admits(&self, key: f64) -> bool {
        self.items.len() < self.k || self.items.last().is_some_and(|(last, _)| key > *last)
    }

    pub(crate) fn push(&mut self, key: f64, item: T) {
        if self.admits(key) {
            let at = self.items.partition_point(|(k, _)| *k >= key);
            self.items.insert(at, (key, item));
            self.items.truncate(self.k);
        }
    }

    /// Largest first.
    pub(crate) fn into_vec(self) -> Vec<T> {
        self.items.into_iter().map(|(_, item)| item).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_picks_a_real_value() {
        let sorted: Vec<u32> = (1..=10).collect();
        let at = |p| nearest_rank(sorted.len(), p).map(|i| sorted[i]);
        assert_eq!(at(50), Some(5));
        assert_eq!(at(99), Some(10));
        assert_eq!(at(90), Some(9));
        assert_eq!(at(91), Some(10));
        assert_eq!(at(0), Some(1));
        assert_eq!(at(100), Some(10));
    }

    #[test]
    fn nearest_rank_of_one_and_of_none() {
        assert_eq!(nearest_rank(1, 50), Some(0));
        assert_eq!(nearest_rank(1, 99), Some(0));
        assert_eq!(nearest_rank(0, 50), None);
    }

    #[test]
    fn p99_of_453120_files_is_the_4532nd_slowest() {
        let len = 453_120;
        assert_eq!(nearest_rank(len, 99), Some(len - 4532));
        assert_eq!(nearest_rank(len, 50), Some(len / 2 - 1));
    }

    #[test]
    fn gap_threshold_is_ten_median_files_and_at_least_a_minute() {
        assert_eq!(gap_threshold(800.0), 60.0);
        assert_eq!(gap_threshold(30_000.0), 300.0);
    }

    #[test]
    fn overlapping_streams_make_no_gap() {
        let mut runs = Runs::new(60.0);
        // Two streams: files finish in this order, starts out of order.
        assert_eq!(runs.file(0.0, 10.0), RunStep::First);
        assert_eq!(runs.file(1.0, 11.0), RunStep::Continues);
        assert_eq!(runs.file(10.0, 20.0), RunStep::Continues);
        // A slow file (a stall) while the other stream waits: no gap either.
        assert_eq!(runs.file(11.0, 200.0), RunStep::Continues);
        assert_eq!(runs.file(20.0, 201.0), RunStep::Continues);
        assert_eq!(runs.last_complete(), None);
    }

    #[test]
    fn a_pause_longer_than_the_threshold_is_a_gap_and_a_new_run() {
        let mut runs = Runs::new(60.0);
        runs.file(0.0, 10.0);
        runs.file(2.0, 12.0);
        assert_eq!(runs.file(70.0, 80.0), RunStep::Continues, "58 s idle");
        assert_eq!(
            runs.file(200.0, 210.0),
            RunStep::Resumed {
                gap: Some(Gap {
                    start: 80.0,
                    end: 200.0
                })
            }
        );
    }

    #[test]
    fn a_summary_line_ends_a_run_even_without_a_pause() {
        let mut runs = Runs::new(60.0);
        runs.file(0.0, 10.0);
        runs.summary(false);
        assert_eq!(runs.last_complete(), Some(false));
        assert_eq!(runs.file(12.0, 20.0), RunStep::Resumed { gap: None });
        assert_eq!(runs.last_complete(), None, "the new run has no summary yet");
        runs.summary(true);
        assert_eq!(runs.last_complete(), Some(true));
    }

    #[test]
    fn a_summary_and_a_pause_are_one_resume() {
        let mut runs = Runs::new(60.0);
        runs.file(0.0, 10.0);
        runs.summary(false);
        assert_eq!(
            runs.file(100.0, 110.0),
            RunStep::Resumed {
                gap: Some(Gap {
                    start: 10.0,
                    end: 100.0
                })
            }
        );
        assert_eq!(runs.file(110.0, 120.0), RunStep::Continues);
    }

    #[test]
    fn a_summary_before_any_file_is_no_run() {
        let mut runs = Runs::new(60.0);
        runs.summary(true);
        assert_eq!(runs.last_complete(), None);
        assert_eq!(runs.file(0.0, 1.0), RunStep::First);
    }

    #[test]
    fn largest_keeps_the_top_k_first_pushed_on_ties() {
        let mut top = Largest::new(3);
        for (key, name) in [
            (5.0, "a"),
            (9.0, "b"),
            (1.0, "c"),
            (9.0, "d"),
            (7.0, "e"),
            (5.0, "f"),
        ] {
            top.push(key, name);
        }
        assert!(!top.admits(7.0));
        assert!(top.admits(7.5));
        assert_eq!(top.into_vec(), vec!["b", "d", "e"]);
    }
}
