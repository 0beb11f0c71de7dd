//! Throughput arithmetic in bounded memory, whatever the file count: the one
//! definition of a fill's throughput (the rolling figure over the last N files
//! and the mean over the whole fill), file-time percentiles from a log-bucket
//! histogram, and the time spent writing across resumed runs.
//!
//! The fill's live line, its log (`rolling_mb_s`, the summary's `mean_mb_s`)
//! and `zlab report` all compute throughput here, from the file records as the
//! log holds them, so the same log gives the same figures everywhere.

use std::collections::VecDeque;

/// Bytes per MB in MB/s: 10^6, as `dd` and `fio` count.
pub(crate) const MB: f64 = 1e6;

/// The files in the rolling throughput by default — the scenario's
/// `window` and `zlab report --window` default to the same 60 (those layers
/// may not import this one) — as the recipe kept "the speed of the latest 1
/// minute" of 60 one-second files.
pub(crate) const WINDOW: u32 = 60;

/// A fill's throughput: **bytes written over the time during which at least
/// one file was being written** — the pool's throughput, every stream
/// together.
///
/// - The *rolling* figure applies it to the last `window` files (default
///   [`WINDOW`], 60): their bytes over the writing time they added, that is
///   the time, since the file before them finished, during which some file was
///   being written. It is what the pool is taking now.
/// - The *mean* applies it to every file of the fill, across resumed runs:
///   every byte written (a file written again counts again) over the whole
///   writing time (pauses between runs do not count; overlapping streams count
///   once).
///
/// Why not the recipe's mean of the per-file MB/s: it wrote one file at a
/// time, where the mean of the files' speeds is the pool's throughput; with N
/// parallel streams each file gets about 1/N of the pool, so that mean is one
/// stream's speed and undercounts the pool about N×. Why not bytes over the
/// span from the window's first start to its last end: in steady state the
/// span also holds time in which the other streams wrote files finished before
/// the window, so it undercounts by about N/(window + N − 1) (20 % for 16
/// streams and 60 files); the writing time added by the window's files has no
/// such bias, and a pause inside the window (a fill killed and resumed) does
/// not count.
///
/// The window starts empty at the start of the log and after each summary line
/// (a run that ended): a run's first figures are over fewer files, and only
/// figures of a full window count as its lowest or highest. A run killed
/// before its summary carries its last files into the next run's window, which
/// the writing time keeps meaningful.
///
/// Files must come in the order the log holds them (the order they finished);
/// the fill and the report feed the same values (`start_unix`, `ms`, `bytes`
/// as logged), so they compute the same figures to the last bit.
#[derive(Debug, Clone)]
pub(crate) struct Throughput {
    window: usize,
    writing: Writing,
    /// The window: each file's bytes and the writing time it added.
    recent: VecDeque<(u64, f64)>,
    recent_bytes: u64,
    recent_seconds: f64,
    /// Every file so far, across runs.
    bytes: u64,
    seconds: f64,
}

/// One rolling figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rolling {
    /// MB/s over the files in the window.
    pub mb_s: f64,
    /// Whether the window holds `window` files (not a run's first few).
    pub full: bool,
}

impl Throughput {
    pub(crate) fn new(window: u32) -> Self {
        Throughput {
            window: usize::try_from(window).unwrap_or(usize::MAX).max(1),
            writing: Writing::default(),
            recent: VecDeque::new(),
            recent_bytes: 0,
            recent_seconds: 0.0,
            bytes: 0,
            seconds: 0.0,
        }
    }

    /// A file written from `start` (Unix seconds) for `ms` milliseconds: the
    /// rolling figure with it.
    pub(crate) fn file(&mut self, start: f64, ms: f64, bytes: u64) -> Rolling {
        let added = self.writing.add(start, start + ms / 1000.0);
        self.bytes = self.bytes.saturating_add(bytes);
        self.seconds += added;
        if self.recent.len() == self.window
            && let Some((old_bytes, old_seconds)) = self.recent.pop_front()
        {
            self.recent_bytes = self.recent_bytes.saturating_sub(old_bytes);
            self.recent_seconds -= old_seconds;
        }
        self.recent.push_back((bytes, added));
        self.recent_bytes = self.recent_bytes.saturating_add(bytes);
        self.recent_seconds += added;
        Rolling {
            mb_s: mb_s(self.recent_bytes, self.recent_seconds),
            full: self.recent.len() == self.window,
        }
    }

    /// A run ended (a summary line): the next file starts a new window.
    pub(crate) fn end_of_run(&mut self) {
        self.recent.clear();
        self.recent_bytes = 0;
        self.recent_seconds = 0.0;
    }

    /// Every byte written so far, a file written again counted again.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Seconds during which some file was being written, across runs.
    pub(crate) fn seconds(&self) -> f64 {
        self.seconds
    }

    /// The mean throughput of the whole fill; `None` before any writing time.
    pub(crate) fn mean_mb_s(&self) -> Option<f64> {
        (self.seconds > 0.0).then(|| mb_s(self.bytes, self.seconds))
    }
}

/// The times during which some file was being written: the union of the
/// files' intervals, as disjoint pieces in order. Files arrive about in the
/// order they finished, so a new one merges with the last pieces; the oldest
/// pieces (one per pause) are forgotten beyond [`PIECES`], which only a file
/// written across thousands of pauses would notice.
#[derive(Debug, Clone, Default)]
struct Writing {
    pieces: VecDeque<(f64, f64)>,
}

const PIECES: usize = 4096;

impl Writing {
    /// Adds a file written from `start` to `end`: the seconds of it during
    /// which no file added before was being written.
    fn add(&mut self, start: f64, end: f64) -> f64 {
        if end.is_nan() || start.is_nan() || end <= start {
            return 0.0;
        }
        let first = self.pieces.partition_point(|p| p.1 < start);
        let (mut lo, mut hi, mut covered) = (start, end, 0.0);
        let mut last = first;
        while let Some(&(s, e)) = self.pieces.get(last)
            && s <= end
        {
            covered += e.min(end) - s.max(start);
            lo = lo.min(s);
            hi = hi.max(e);
            last += 1;
        }
        self.pieces.drain(first..last);
        self.pieces.insert(first, (lo, hi));
        if self.pieces.len() > PIECES {
            self.pieces.pop_front();
        }
        (end - start - covered).max(0.0)
    }
}

/// The lowest and highest rolling figures of full windows, each with what the
/// caller keeps of the file that ended its window (the first one wins a tie).
#[derive(Debug, Clone)]
pub(crate) struct Extremes<T> {
    pub min: Option<(f64, T)>,
    pub max: Option<(f64, T)>,
}

impl<T> Default for Extremes<T> {
    fn default() -> Self {
        Extremes {
            min: None,
            max: None,
        }
    }
}

impl<T> Extremes<T> {
    pub(crate) fn see(&mut self, rolling: Rolling, file: impl Fn() -> T) {
        if !rolling.full {
            return;
        }
        if self.min.as_ref().is_none_or(|m| rolling.mb_s < m.0) {
            self.min = Some((rolling.mb_s, file()));
        }
        if self.max.as_ref().is_none_or(|m| rolling.mb_s > m.0) {
            self.max = Some((rolling.mb_s, file()));
        }
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
/// from every file written, exactly as `zlab report` feeds its own.
#[derive(Debug, Clone)]
pub(crate) struct Totals {
    pub times: Histogram,
    pub throughput: Throughput,
    /// The lowest and highest rolling figures of full windows.
    pub rolling: Extremes<()>,
}

impl Default for Totals {
    fn default() -> Self {
        Totals::new(WINDOW)
    }
}

impl Totals {
    pub(crate) fn new(window: u32) -> Self {
        Totals {
            times: Histogram::default(),
            throughput: Throughput::new(window),
            rolling: Extremes::default(),
        }
    }

    /// A file record, in the order of the log: its rolling figure.
    pub(crate) fn file(&mut self, start: f64, ms: f64, bytes: u64) -> Rolling {
        self.times.add(ms);
        let rolling = self.throughput.file(start, ms, bytes);
        self.rolling.see(rolling, || ());
        rolling
    }

    /// A summary line: the run ended.
    pub(crate) fn end_of_run(&mut self) {
        self.throughput.end_of_run();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HUNDRED_MB: u64 = 100_000_000;

    fn near(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn rolling_throughput_of_one_stream_is_bytes_over_time() {
        let mut t = Throughput::new(3);
        let mut push = |start: f64, end: f64| t.file(start, (end - start) * 1000.0, HUNDRED_MB);
        assert!(near(push(0.0, 1.0).mb_s, 100.0));
        assert!(near(push(1.0, 3.0).mb_s, 200.0 / 3.0));
        let third = push(3.0, 4.0);
        assert!(near(third.mb_s, 75.0) && third.full);
        // The window is full: the first file leaves it.
        assert!(near(push(4.0, 5.0).mb_s, 75.0));
    }

    #[test]
    fn parallel_streams_count_together_not_as_the_mean_of_their_files() {
        // Four streams, each at 100 MB/s, a quarter of a file apart: the pool
        // takes 400 MB/s while each file's own MB/s is 100.
        let mut t = Throughput::new(60);
        let mut last = None;
        for i in 0..400u32 {
            let start = f64::from(i) * 0.25;
            last = Some(t.file(start, 1000.0, HUNDRED_MB));
        }
        let last = last.expect("files");
        assert!(last.full);
        assert!(near(last.mb_s, 400.0), "{}", last.mb_s);
    }

    #[test]
    fn a_pause_inside_the_window_does_not_count() {
        let mut t = Throughput::new(4);
        t.file(0.0, 1000.0, HUNDRED_MB);
        t.file(1.0, 1000.0, HUNDRED_MB);
        // Killed, resumed an hour later without a summary line.
        t.file(3600.0, 1000.0, HUNDRED_MB);
        let r = t.file(3601.0, 1000.0, HUNDRED_MB);
        assert!(r.full && near(r.mb_s, 100.0), "{r:?}");
        assert!(near(t.seconds(), 4.0));
        assert_eq!(t.mean_mb_s(), Some(100.0));
    }

    #[test]
    fn a_summary_line_starts_a_new_window() {
        let mut t = Throughput::new(2);
        t.file(0.0, 1000.0, HUNDRED_MB);
        assert!(t.file(1.0, 1000.0, HUNDRED_MB).full);
        t.end_of_run();
        let r = t.file(10.0, 500.0, HUNDRED_MB);
        assert!(!r.full && near(r.mb_s, 200.0), "{r:?}");
        // The mean keeps every run.
        assert!(near(t.mean_mb_s().expect("mean"), 300.0 / 2.5));
    }

    #[test]
    fn writing_time_skips_gaps_and_counts_overlaps_once() {
        let mut w = Writing::default();
        assert!(near(w.add(0.0, 1.0), 1.0));
        assert!(near(w.add(0.5, 1.5), 0.5), "overlaps");
        assert!(near(w.add(100.0, 102.0), 2.0), "after a gap between runs");
        assert!(near(w.add(101.0, 101.5), 0.0), "inside");
        // A long file finishing last covers the pause the others left.
        assert!(near(w.add(1.0, 103.0), 98.5 + 1.0));
        assert_eq!(w.pieces, VecDeque::from([(0.0, 103.0)]));
        assert_eq!(w.add(5.0, 5.0), 0.0);
    }

    #[test]
    fn only_full_windows_are_extremes() {
        let mut e = Extremes::default();
        e.see(
            Rolling {
                mb_s: 1.0,
                full: false,
            },
            || "warm-up",
        );
        e.see(
            Rolling {
                mb_s: 5.0,
                full: true,
            },
            || "a",
        );
        e.see(
            Rolling {
                mb_s: 3.0,
                full: true,
            },
            || "b",
        );
        e.see(
            Rolling {
                mb_s: 5.0,
                full: true,
            },
            || "c",
        );
        assert_eq!((e.min, e.max), (Some((3.0, "b")), Some((5.0, "a"))));
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
}
