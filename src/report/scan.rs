//! Reads a fill log in two streaming passes and condenses it into an
//! [`Analysis`]: the figures of the summary and the per-pixel columns of the
//! plot. Nothing in it grows with the log except one small entry per file
//! record during the first pass.
//!
//! Pass 1 parses every line and keeps, per file record, its index, line number
//! and time (24 bytes: 11 MB for the 453,120 files of a 75 % fill of half a
//! petabyte, freed before pass 2). From them come which records a resumed run
//! superseded (the last record of an index wins), exact nearest-rank
//! percentiles of file times, and the time span of the log.
//!
//! Pass 2 re-reads the same bytes (a log still being appended to is read up to
//! where pass 1 stopped) and feeds each record to constant-size accumulators:
//! runs and gaps, the throughput (rolling and mean: the fill's own
//! [`Throughput`], fed every record in the log's order as the fill fed it),
//! totals, the slowest files, and one [`Column`] per pixel of the plot's width.

use std::cmp::Reverse;
use std::fs::File;
use std::io::{BufReader, Read};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use super::Error;
use super::stats::{Gap, Largest, RunStep, Runs, gap_threshold, nearest_rank};
use crate::fill::log::read::{FileEntry, LineReader, Malformed, Record, parse_raw};
use crate::fill::stats::{Extremes, Throughput};
use crate::scenario::model::Fill;

/// How many malformed lines the report lists (all are counted).
const MALFORMED_LISTED: usize = 5;
/// How many of the slowest files the report lists.
const SLOWEST_LISTED: usize = 5;

/// What a log holds, line by line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LineCounts {
    pub lines: u64,
    pub file_records: u64,
    pub starts: u64,
    pub summaries: u64,
    pub other: u64,
    pub blank: u64,
    pub malformed: u64,
}

/// One file as the report names it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FileAt {
    pub index: u64,
    pub name: Option<String>,
    pub ms: f64,
    pub mb_s: f64,
    /// Unix time the file was finished.
    pub end: f64,
}

impl FileAt {
    fn of(f: &FileEntry<'_>) -> FileAt {
        FileAt {
            index: f.index,
            name: f.name.as_deref().map(str::to_owned),
            ms: f.ms,
            mb_s: f.mb_s(),
            end: f.end(),
        }
    }

    /// Its name, or its index when the record had none.
    pub(crate) fn label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("index {}", self.index))
    }
}

/// A rolling throughput, and the file ending its window.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Extreme {
    pub mb_s: f64,
    pub file: FileAt,
    /// Whether its window held `window` files (always, for the lowest and
    /// highest).
    pub full: bool,
}

/// The files that finished within one pixel column of the plot.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Column {
    pub files: u32,
    pub rate_min: f64,
    pub rate_max: f64,
    pub rate_sum: f64,
    pub rate_sum_sq: f64,
    pub rolling_sum: f64,
    /// The run of the last file in it (0 for the first run).
    pub run: u32,
}

impl Column {
    fn add(&mut self, rate: f64, rolling: f64, run: u32) {
        if self.files == 0 {
            self.rate_min = rate;
            self.rate_max = rate;
        } else {
            self.rate_min = self.rate_min.min(rate);
            self.rate_max = self.rate_max.max(rate);
        }
        self.files = self.files.saturating_add(1);
        self.rate_sum += rate;
        self.rate_sum_sq += rate * rate;
        self.rolling_sum += rolling;
        self.run = run;
    }

    /// The mean rate of its files and their standard deviation.
    pub(crate) fn rate_mean_sd(&self) -> (f64, f64) {
        let n = f64::from(self.files.max(1));
        let mean = self.rate_sum / n;
        (mean, (self.rate_sum_sq / n - mean * mean).max(0.0).sqrt())
    }

    /// The mean of the rolling throughputs of its files.
    pub(crate) fn rolling(&self) -> f64 {
        self.rolling_sum / f64::from(self.files.max(1))
    }
}

/// Where a run after the first began.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Resume {
    /// Unix time its first file started.
    pub at: f64,
    /// The time without writing before it, if there was one.
    pub after: Option<Gap>,
}

/// Everything the summary and the plot show.
#[derive(Debug, Clone)]
pub(crate) struct Analysis {
    pub path: PathBuf,
    pub window: NonZeroU32,
    pub counts: LineCounts,
    /// The first malformed lines (all are counted in `counts`).
    pub malformed: Vec<Malformed>,
    /// Distinct files: the last record of each index.
    pub files: u64,
    /// Records replaced by a later record of the same index.
    pub superseded: u64,
    pub first_index: u64,
    pub last_index: u64,
    pub bytes: u64,
    /// Unix times of the first start and the last end of any file record.
    pub start: f64,
    pub end: f64,
    /// The runs after the first, in order.
    pub resumes: Vec<Resume>,
    /// How the last run ended, from its summary line (`None`: it has none).
    pub last_complete: Option<bool>,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The sum of the times of all file records: more than the writing time
    /// when streams overlap.
    pub busy_ms: f64,
    /// Bytes of all file records, superseded ones too: what was written.
    pub written: u64,
    /// Seconds during which some file was being written (`Throughput`).
    pub writing_seconds: f64,
    /// `written` over `writing_seconds`, as the fill's summary computes it.
    pub mean_mb_s: Option<f64>,
    pub rolling_min: Option<Extreme>,
    pub rolling_max: Option<Extreme>,
    /// The rolling throughput after the last record: the fill's last figure.
    pub rolling_last: Option<Extreme>,
    /// Slowest first.
    pub slowest: Vec<FileAt>,
    pub columns: Vec<Column>,
    pub rate_max: f64,
}

impl Analysis {
    pub(crate) fn wall_seconds(&self) -> f64 {
        self.end - self.start
    }

    /// The times without writing longer than a run's pauses, in order.
    pub(crate) fn gaps(&self) -> impl Iterator<Item = &Gap> {
        self.resumes.iter().filter_map(|r| r.after.as_ref())
    }

    /// How many files were being written at once, on average.
    pub(crate) fn concurrency(&self) -> Option<f64> {
        let seconds = self.writing_seconds;
        (seconds > 0.0).then(|| self.busy_ms / 1000.0 / seconds)
    }

    /// Indexes between the first and the last that no record has.
    pub(crate) fn missing_indexes(&self) -> u64 {
        (self.last_index - self.first_index + 1).saturating_sub(self.files)
    }
}

/// What pass 1 keeps of a file record.
struct Entry {
    index: u64,
    line: u64,
    ms: f64,
}

/// Reads the log at `path` into an analysis with `columns` pixel columns.
/// The rolling window is `window`, else the one the fill's last run logged,
/// else a fill's default.
pub(crate) fn analyze(
    path: &Path,
    window: Option<NonZeroU32>,
    columns: usize,
) -> Result<Analysis, Error> {
    let read_err = |source| Error::Read {
        path: path.to_owned(),
        source,
    };
    let open = || File::open(path).map_err(read_err);

    // Pass 1.
    let mut counts = LineCounts::default();
    let mut malformed = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let (mut start, mut end) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut logged_window = None;
    let mut reader = LineReader::new(BufReader::with_capacity(1 << 16, open()?));
    while let Some(raw) = reader.next_line().map_err(read_err)? {
        counts.lines += 1;
        match parse_raw(&raw) {
            Ok(Record::File(f)) => {
                counts.file_records += 1;
                start = start.min(f.start);
                end = end.max(f.end());
                entries.push(Entry {
                    index: f.index,
                    line: raw.number,
                    ms: f.ms,
                });
            }
            Ok(Record::Start { window: w }) => {
                counts.starts += 1;
                logged_window = w.and_then(NonZeroU32::new).or(logged_window);
            }
            Ok(Record::Summary { .. }) => counts.summaries += 1,
            Ok(Record::Other) => counts.other += 1,
            Ok(Record::Blank) => counts.blank += 1,
            Err(m) => {
                counts.malformed += 1;
                if malformed.len() < MALFORMED_LISTED {
                    malformed.push(m);
                }
            }
        }
    }
    let length = reader.bytes_read();
    if entries.is_empty() {
        return Err(Error::NoFiles {
            path: path.to_owned(),
            lines: counts.lines,
            first_problem: malformed
                .first()
                .map(|m| format!("{}: {}", m.line, m.reason)),
        });
    }

    // The last record of an index wins: sorted by index, latest line first,
    // the first of each index stays and the others are superseded.
    entries.sort_unstable_by_key(|e| (e.index, Reverse(e.line)));
    let mut superseded: Vec<u64> = Vec::new();
    entries.dedup_by(|later, kept| {
        let same = later.index == kept.index;
        if same {
            superseded.push(later.line);
        }
        same
    });
    superseded.sort_unstable();
    let (first_index, last_index) = match (entries.first(), entries.last()) {
        (Some(first), Some(last)) => (first.index, last.index),
        _ => (0, 0),
    };
    entries.sort_unstable_by(|a, b| a.ms.total_cmp(&b.ms));
    let percentile = |p| nearest_rank(entries.len(), p).map_or(0.0, |i| entries[i].ms);
    let (p50_ms, p99_ms) = (percentile(50), percentile(99));
    drop(entries);

    let window = window
        .or(logged_window)
        .or(NonZeroU32::new(Fill::WINDOW))
        .unwrap_or(NonZeroU32::MIN);

    // Pass 2.
    let mut plot = Columns::new(start, end, columns);
    let mut runs = Runs::new(gap_threshold(p50_ms));
    let mut throughput = Throughput::new(window.get());
    let mut extremes: Extremes<FileAt> = Extremes::default();
    let mut rolling_last = None;
    let mut run = 0u32;
    let mut resumes = Vec::new();
    let (mut files, mut bytes, mut rate_max, mut busy_ms) = (0u64, 0u64, 0f64, 0f64);
    let mut slowest = Largest::new(SLOWEST_LISTED);
    let mut next_superseded = superseded.iter().peekable();
    let mut reader = LineReader::new(BufReader::with_capacity(1 << 16, open()?.take(length)));
    while let Some(raw) = reader.next_line().map_err(read_err)? {
        let f = match parse_raw(&raw) {
            Ok(Record::File(f)) => f,
            Ok(Record::Summary { complete }) => {
                runs.summary(complete);
                throughput.end_of_run();
                continue;
            }
            _ => continue,
        };
        if let RunStep::Resumed { gap } = runs.file(f.start, f.end()) {
            resumes.push(Resume {
                at: f.start,
                after: gap,
            });
            run = run.saturating_add(1);
        }
        // Every record, as the fill counted it when it wrote the file.
        let rolling = throughput.file(f.start, f.ms, f.bytes);
        extremes.see(rolling, || FileAt::of(&f));
        rolling_last = Some(Extreme {
            mb_s: rolling.mb_s,
            file: FileAt::of(&f),
            full: rolling.full,
        });
        busy_ms += f.ms;
        if next_superseded.next_if_eq(&&raw.number).is_some() {
            continue;
        }
        files += 1;
        bytes = bytes.saturating_add(f.bytes);
        let rate = f.mb_s();
        rate_max = rate_max.max(rate);
        plot.add(f.end(), rate, rolling.mb_s, run);
        if slowest.admits(f.ms) {
            slowest.push(f.ms, FileAt::of(&f));
        }
    }

    Ok(Analysis {
        path: path.to_owned(),
        window,
        counts,
        malformed,
        files,
        superseded: u64::try_from(superseded.len()).unwrap_or(u64::MAX),
        first_index,
        last_index,
        bytes,
        start,
        end,
        resumes,
        last_complete: runs.last_complete(),
        p50_ms,
        p99_ms,
        busy_ms,
        written: throughput.bytes(),
        writing_seconds: throughput.seconds(),
        mean_mb_s: throughput.mean_mb_s(),
        rolling_min: extremes.min.map(|(mb_s, file)| Extreme {
            mb_s,
            file,
            full: true,
        }),
        rolling_max: extremes.max.map(|(mb_s, file)| Extreme {
            mb_s,
            file,
            full: true,
        }),
        rolling_last,
        slowest: slowest.into_vec(),
        columns: plot.columns,
        rate_max,
    })
}

/// Pixel columns over the time span of the log, each gathering the files
/// that finished within it.
struct Columns {
    start: f64,
    span: f64,
    columns: Vec<Column>,
}

impl Columns {
    fn new(start: f64, end: f64, count: usize) -> Self {
        Columns {
            start,
            span: end - start,
            columns: vec![Column::default(); count.max(1)],
        }
    }

    fn add(&mut self, at: f64, rate: f64, rolling: f64, run: u32) {
        let i = column_of(at - self.start, self.span, self.columns.len());
        if let Some(c) = self.columns.get_mut(i) {
            c.add(rate, rolling, run);
        }
    }
}

/// The column of `offset` seconds into `span`, clamped to the last.
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    reason = "the fraction is clamped to [0, 1], so the product fits any column count"
)]
fn column_of(offset: f64, span: f64, columns: usize) -> usize {
    let fraction = if span > 0.0 {
        (offset / span).clamp(0.0, 1.0)
    } else {
        1.0
    };
    ((fraction * columns as f64) as usize).min(columns.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_cover_the_span_and_clamp_the_ends() {
        assert_eq!(column_of(0.0, 100.0, 10), 0);
        assert_eq!(column_of(9.99, 100.0, 10), 0);
        assert_eq!(column_of(10.0, 100.0, 10), 1);
        assert_eq!(column_of(100.0, 100.0, 10), 9);
        assert_eq!(column_of(-1.0, 100.0, 10), 0);
        assert_eq!(column_of(5.0, 0.0, 10), 9);
    }

    #[test]
    fn a_column_keeps_min_max_and_mean_rolling() {
        let mut c = Column::default();
        c.add(10.0, 12.0, 0);
        c.add(30.0, 14.0, 1);
        c.add(20.0, 16.0, 1);
        assert_eq!((c.files, c.rate_min, c.rate_max, c.run), (3, 10.0, 30.0, 1));
        assert_eq!(c.rolling(), 14.0);
        let (mean, sd) = c.rate_mean_sd();
        assert_eq!(mean, 20.0);
        assert!((sd - (200.0f64 / 3.0).sqrt()).abs() < 1e-9, "{sd}");
    }

    #[test]
    fn the_window_is_the_one_the_fill_logged_unless_one_is_given() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("fill.jsonl");
        let file = |i: u32| {
            format!(
                r#"{{"type":"file","index":{i},"bytes":1000000,"start_unix":{},"ms":10}}"#,
                1000 + i
            )
        };
        let files: Vec<String> = (0..4).map(file).collect();
        let window = |text: &str, given| {
            std::fs::write(&log, text).expect("log");
            analyze(&log, given, 4).expect("analyze").window.get()
        };
        let start = r#"{"type":"start","target":"t/d","until":"4 files","file_size":1000000,"streams":1,"window":3,"start_unix":999}"#;
        assert_eq!(window(&format!("{start}\n{}\n", files.join("\n")), None), 3);
        assert_eq!(
            window(
                &format!("{start}\n{}\n", files.join("\n")),
                NonZeroU32::new(2)
            ),
            2
        );
        assert_eq!(
            window(&format!("{}\n", files.join("\n")), None),
            Fill::WINDOW
        );
    }
}
