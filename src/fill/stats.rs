//! Throughput arithmetic in bounded memory, whatever the file count: the
//! rolling average over the last N files, file-time percentiles from a
//! log-bucket histogram, and the time spent writing across resumed runs.

use std::collections::VecDeque;

/// Bytes per MB in MB/s: 10^6, as `dd` and `fio` count.
pub(crate) const MB: f64 = 1e6;

/// The throughput of the last `window` files: their bytes over the wall-clock
/// time from the earliest start to the latest end among them. With parallel
/// streams this is the pool's throughput, not one stream's.
#[derive(Debug, Clone)]
pub(crate) struct Rolling {
    window: usize,
    files: VecDeque<(f64, f64, u64)>,
}

impl Rolling {
    pub(crate) fn new(window: u32) -> Self {
        let window = usize::try_from(window).unwrap_or(usize::MAX).max(1);
        Rolling {
            window,
            files: VecDeque::new(),
        }
    }

    /// Adds a file written from `start` to `end` (seconds); the new average in MB/s.
    pub(crate) fn push(&mut self, start: f64, end: f64, bytes: u64) -> f64 {
        if self.files.len() == self.window {
            self.files.pop_front();
        }
        self.files.push_back((start, end, bytes));
        let first = self.files.iter().map(|f| f.0).fold(f64::INFINITY, f64::min);
        let last = self.files.iter().map(|f| f.1).fold(0.0, f64::max);
        let bytes: u64 = self.files.iter().map(|f| f.2).sum();
        mb_s(bytes, last - first)
    }
}

/// MB/s for `bytes` in `seconds`; a file written "in no time" counts as 1 ns.
#[expect(clippy::cast_precision_loss, reason = "MB/s is shown, not counted")]
pub(crate) fn mb_s(bytes: u64, seconds: f64) -> f64 {
    bytes as f64 / seconds.max(1e-9) / MB
}

/// File times in buckets 1 % wide (from 1 µs to hours): percentiles within
/// 1 % in a fixed 24 KiB, however many files.
#[derive(Debug, Clone)]
pub(crate) struct Histogram {
    counts: Vec<u64>,
    total: u64,
}

const LOWEST_MS: f64 = 0.001;
const GROWTH: f64 = 1.01;
const BUCKETS: usize = 3000;

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; BUCKETS],
            total: 0,
        }
    }
}

impl Histogram {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "clamped to the bucket range first"
    )]
    pub(crate) fn add(&mut self, ms: f64) {
        let bucket = ((ms.max(LOWEST_MS) / LOWEST_MS).ln() / GROWTH.ln()).floor();
        let bucket = bucket.clamp(0.0, (BUCKETS - 1) as f64) as usize;
        self.counts[bucket] += 1;
        self.total += 1;
    }

    /// The `q`-quantile (0..=1) in ms: the middle of its bucket; 0 when empty.
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "ranks of at most billions of files"
    )]
    pub(crate) fn quantile(&self, q: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (bucket, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return LOWEST_MS * GROWTH.powf(bucket as f64 + 0.5);
            }
        }
        0.0
    }
}

/// What a whole fill has done, across runs: fed from the log on resume, then
/// from every file written.
#[derive(Debug, Clone, Default)]
pub(crate) struct Totals {
    pub times: Histogram,
    /// Bytes written, a file written twice counted twice.
    pub bytes: u64,
    /// Seconds during which some file was being written: gaps between runs
    /// are not counted, overlapping streams are counted once.
    pub seconds: f64,
    covered_until: f64,
    pub min_rolling: Option<f64>,
    pub max_rolling: Option<f64>,
}

impl Totals {
    /// Files arrive in the order they finished, so ends never go backwards.
    pub(crate) fn add(&mut self, start: f64, ms: f64, rolling: f64, bytes: u64) {
        self.bytes += bytes;
        let end = start + ms / 1000.0;
        self.seconds += (end - start.max(self.covered_until)).max(0.0);
        self.covered_until = self.covered_until.max(end);
        self.times.add(ms);
        self.min_rolling = Some(self.min_rolling.map_or(rolling, |m| m.min(rolling)));
        self.max_rolling = Some(self.max_rolling.map_or(rolling, |m| m.max(rolling)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolling_average_of_one_stream_is_bytes_over_time() {
        let mut r = Rolling::new(3);
        let mut push = |start, end| r.push(start, end, 100_000_000);
        let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(near(push(0.0, 1.0), 100.0));
        assert!(near(push(1.0, 3.0), 200.0 / 3.0));
        assert!(near(push(3.0, 4.0), 75.0));
        // The window is full: the first file leaves it.
        assert!(near(push(4.0, 5.0), 75.0));
    }

    #[test]
    fn rolling_average_of_parallel_streams_is_the_pools_throughput() {
        // Two streams, each at 100 MB/s, side by side: the pool takes 200 MB/s.
        let mut r = Rolling::new(60);
        let mut last = 0.0;
        for i in 0..10 {
            let start = f64::from(i / 2);
            last = r.push(start, start + 1.0, 100_000_000);
        }
        assert!((last - 200.0).abs() < 1e-9, "{last}");
    }

    #[test]
    fn percentiles_are_within_one_percent() {
        let mut h = Histogram::default();
        for ms in 1..=1000 {
            h.add(f64::from(ms));
        }
        let p50 = h.quantile(0.5);
        let p99 = h.quantile(0.99);
        assert!((p50 / 500.0 - 1.0).abs() < 0.01, "p50 {p50}");
        assert!((p99 / 990.0 - 1.0).abs() < 0.01, "p99 {p99}");
        assert_eq!(Histogram::default().quantile(0.5), 0.0);
    }

    #[test]
    fn writing_time_skips_gaps_and_counts_overlaps_once() {
        let mut t = Totals::default();
        t.add(0.0, 1000.0, 1.0, 10);
        t.add(0.5, 1000.0, 3.0, 10); // overlaps: adds 0.5 s
        t.add(100.0, 2000.0, 2.0, 10); // after a gap between runs: adds 2 s
        assert!((t.seconds - 3.5).abs() < 1e-9, "{}", t.seconds);
        assert_eq!((t.min_rolling, t.max_rolling), (Some(1.0), Some(3.0)));
        assert_eq!(t.bytes, 30);
    }
}
