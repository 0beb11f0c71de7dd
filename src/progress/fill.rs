//! Shows a fill: on a terminal, a byte bar with the last file's MB/s, the
//! rolling throughput of all streams, files and ETA; otherwise one line per
//! file in the spirit of the recipe (timestamp, file, ms, MB/s, throughput,
//! files and time left). Every figure is the log's (`fill::stats::Throughput`),
//! so `zlab report` on the log shows the same.

use std::fmt::Write as _;
use std::time::SystemTime;

use crate::fill::event::{FillEvent, Start};
use crate::fill::log::{FileRecord, Summary};
use crate::fill::stats::MB;
use crate::scenario::size::Size;

/// What a fill has reported so far; turns events into text.
#[derive(Debug, Default)]
pub(crate) struct FillView {
    plan: Option<Start>,
}

/// What to do with the display after an event.
pub(crate) enum Show {
    /// Start a bar over this many bytes, this many already done.
    Bar {
        total: u64,
        done: u64,
    },
    Advance(u64),
    /// The bar's message (terminal) and the line a log gets (otherwise).
    File {
        message: String,
        line: String,
    },
    /// Lines to print; the bar, if any, is over.
    Lines(Vec<String>),
}

impl FillView {
    pub(crate) fn event(&mut self, event: &FillEvent) -> Vec<Show> {
        match event {
            FillEvent::Start(plan) => {
                let shows = vec![
                    Show::Lines(plan_lines(plan)),
                    Show::Bar {
                        total: plan.bytes_total(),
                        done: plan.files_done.saturating_mul(plan.file_size),
                    },
                ];
                self.plan = Some(plan.clone());
                shows
            }
            FillEvent::Progress { bytes } => vec![Show::Advance(*bytes)],
            FillEvent::File { record, files_done } => match &self.plan {
                Some(plan) => vec![Show::File {
                    message: message(plan, record, *files_done),
                    line: line(plan, record, *files_done, SystemTime::now()),
                }],
                None => Vec::new(),
            },
            FillEvent::Summary(s) => vec![Show::Lines(summary_lines(
                s,
                self.plan.as_ref().map(|p| p.window),
            ))],
            // Shown as the executor's commands and notes are (`progress::Reporter`).
            FillEvent::Command(_) | FillEvent::Note(_) => Vec::new(),
        }
    }
}

fn plan_lines(plan: &Start) -> Vec<String> {
    let size = Size::from_bytes(plan.file_size).human();
    let mut first = format!("fill {}: ", plan.target);
    if let Some(c) = plan.capacity {
        let _ = write!(
            first,
            "{} of {} (USED+AVAIL; {} used before) = ",
            plan.until,
            Size::from_bytes(c.size).human(),
            Size::from_bytes(c.used).human()
        );
    }
    let _ = write!(
        first,
        "{} files of {size} ({}) into {}, {} stream{}",
        plan.files_total,
        Size::from_bytes(plan.bytes_total()).human(),
        plan.dir.display(),
        plan.streams,
        if plan.streams == 1 { "" } else { "s" }
    );
    let mut lines = vec![first];
    if plan.files_done >= plan.files_total {
        lines.push("already complete: nothing to write".to_owned());
    } else if plan.files_done > 0 {
        lines.push(format!(
            "resuming: {} of {} files already complete",
            plan.files_done, plan.files_total
        ));
    }
    lines.push(format!("log: {}", plan.log.display()));
    lines
}

/// The terminal bar's message.
fn message(plan: &Start, r: &FileRecord, files_done: u64) -> String {
    format!(
        "{} {:.0} MB/s, all streams {:.0} MB/s (last {} files), {files_done}/{} files, ETA {}",
        r.name,
        r.mb_s,
        r.rolling_mb_s,
        plan.window,
        plan.files_total,
        eta(left_bytes(plan, files_done), r.rolling_mb_s)
    )
}

/// One line per file when not on a terminal.
fn line(plan: &Start, r: &FileRecord, files_done: u64, now: SystemTime) -> String {
    format!(
        "{} {} written in {:.0} ms at {:.1} MB/s; all streams {:.1} MB/s (last {} files); {} file{} left, {} left",
        timestamp(now),
        r.name,
        r.ms,
        r.mb_s,
        r.rolling_mb_s,
        plan.window,
        plan.files_total.saturating_sub(files_done),
        if plan.files_total.saturating_sub(files_done) == 1 {
            ""
        } else {
            "s"
        },
        eta(left_bytes(plan, files_done), r.rolling_mb_s)
    )
}

fn left_bytes(plan: &Start, files_done: u64) -> u64 {
    plan.files_total
        .saturating_sub(files_done)
        .saturating_mul(plan.file_size)
}

/// The closing line: the mean is every byte written over the time some file
/// was being written, across runs — what `zlab report` says of the same log.
fn summary_lines(s: &Summary, window: Option<u32>) -> Vec<String> {
    let mut line = format!(
        "fill {}: {} of {}, {}; mean {:.1} MB/s all streams over {} of writing (all runs), file time p50 {} p99 {}",
        if s.complete { "complete" } else { "stopped" },
        s.files,
        crate::output::count(s.files_total, "file"),
        Size::from_bytes(s.bytes).human(),
        s.mean_mb_s,
        crate::units::duration(s.seconds),
        crate::units::file_time(s.p50_ms),
        crate::units::file_time(s.p99_ms),
    );
    if let (Some(min), Some(max)) = (s.min_rolling_mb_s, s.max_rolling_mb_s) {
        let over = window.map_or_else(String::new, |w| format!(" (last {w} files)"));
        let _ = write!(line, ", all streams {min:.1}–{max:.1} MB/s{over}");
    }
    vec![line]
}

/// Time to write `bytes` at `mb_s`: `4d 07h 57m`, `2h 05m`, `3m 20s`, `45s` —
/// whole seconds, shorter than [`crate::units::duration`], for a line per file.
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    reason = "a duration to show, clamped to what fits"
)]
pub(crate) fn eta(bytes: u64, mb_s: f64) -> String {
    if bytes == 0 {
        return "0s".to_owned();
    }
    if mb_s.is_nan() || mb_s <= 0.0 {
        return "unknown".to_owned();
    }
    let secs = (bytes as f64 / (mb_s * MB)).round().min(u64::MAX as f64) as u64;
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s:02}s"),
        (0, _, _) => format!("{h}h {m:02}m"),
        _ => format!("{d}d {h:02}h {m:02}m"),
    }
}

/// `2026-11-25 10:15:02` (UTC), from the civil-from-days algorithm
/// (Howard Hinnant), to need no date crate.
pub(crate) fn timestamp(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;
    use std::path::Path;
    use std::time::Duration;

    use super::*;
    use crate::fill::log::{self as fill_log, Line, round3};
    use crate::fill::{resume, run};
    use crate::report::{scan, summary};
    use crate::scenario::model::FillTarget;
    use crate::units;

    const GIB: u64 = 1 << 30;

    fn plan(files_total: u64) -> Start {
        Start {
            target: "N58-C3-D16-P2-S4/Data".into(),
            dir: "/Data".into(),
            until: FillTarget::Percent(7500),
            capacity: None,
            files_total,
            files_done: 0,
            file_size: GIB,
            streams: 2,
            window: 60,
            log: "/var/lib/zlab/N58/fill-N58-C3-D16-P2-S4-Data.jsonl".into(),
        }
    }

    #[test]
    fn eta_of_the_half_petabyte_fill() {
        // 453,120 files of 1 GiB (442.5 TiB) at 1300 MB/s: 374,257 s.
        let p = plan(453_120);
        assert_eq!(p.bytes_total(), 486_533_895_290_880);
        assert_eq!(eta(left_bytes(&p, 0), 1300.0), "4d 07h 57m");
        assert_eq!(eta(left_bytes(&p, 453_119), 1300.0), "1s");
        assert_eq!(eta(0, 0.0), "0s");
        assert_eq!(eta(GIB, 0.0), "unknown");
        assert_eq!(eta(200_000_000, 1.0), "3m 20s");
        assert_eq!(eta(7_500_000_000_000, 1000.0), "2h 05m");
    }

    #[test]
    fn plain_lines_carry_what_the_recipe_printed() {
        let r = FileRecord {
            index: 12,
            name: "file_12".into(),
            bytes: GIB,
            start_unix: 0.0,
            ms: 812.4,
            mb_s: 1321.6,
            rolling_mb_s: 1300.2,
        };
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_065_702);
        assert_eq!(
            line(&plan(453_120), &r, 13, at),
            "2025-11-25 10:15:02 file_12 written in 812 ms at 1321.6 MB/s; all streams 1300.2 MB/s (last 60 files); 453107 files left, 4d 07h 56m left"
        );
    }

    /// Each file's record, bar message and plain line; the summary and its
    /// line, unless killed.
    type Ran = (Vec<(FileRecord, String, String)>, Option<(Summary, String)>);

    /// What one run of the fill does, as `fill::run` does it: the log read
    /// back (`resume::scan`), each file's record made by `run::finished`,
    /// logged and shown; a summary at the end unless killed.
    fn run_of(
        log: &Path,
        files: &[(u64, f64, f64)],
        ends_with_summary: bool,
        view: &mut FillView,
    ) -> Ran {
        let mut scan = resume::scan(log, WINDOW).expect("scan");
        let mut w = fill_log::Writer::open(log).expect("open");
        let mut shown = Vec::new();
        for &(index, start, seconds) in files {
            let record = run::finished(
                &mut scan.totals,
                index,
                format!("file_{index}"),
                BYTES,
                start,
                seconds,
            );
            w.append(&Line::File(record.clone())).expect("append");
            scan.done.insert(index);
            let shows = view.event(&FillEvent::File {
                record: record.clone(),
                files_done: scan.done.count(),
            });
            let Some(Show::File { message, line }) = shows.into_iter().next() else {
                panic!("no line for {index}")
            };
            shown.push((record, message, line));
        }
        let summary = ends_with_summary.then(|| {
            let summary = run::summary(&scan.totals, scan.done.count(), TOTAL, BYTES);
            w.append(&Line::Summary(summary.clone())).expect("append");
            let Some(Show::Lines(lines)) = view
                .event(&FillEvent::Summary(summary.clone()))
                .into_iter()
                .next()
            else {
                panic!("no summary line")
            };
            (summary, lines.join("\n"))
        });
        (shown, summary)
    }

    const WINDOW: u32 = 4;
    const TOTAL: u64 = 26;
    const BYTES: u64 = 64 << 20;

    /// Three streams from `at`, files of varying times, in the order they
    /// finish: (index, start, seconds).
    fn streams(at: f64, indexes: std::ops::Range<u64>, first: Option<u64>) -> Vec<(u64, f64, f64)> {
        let mut clock = [at, at + 0.013, at + 0.029];
        let mut files = Vec::new();
        let count = indexes.end - indexes.start + u64::from(first.is_some());
        for n in 0..count {
            let stream = usize::try_from(n % 3).expect("small");
            let seconds = 0.5 + f64::from(u32::try_from((n * 7919) % 13).expect("small")) * 0.05;
            files.push((clock[stream], seconds));
            clock[stream] += seconds + 0.002;
        }
        files.sort_by(|a, b| (a.0 + a.1).total_cmp(&(b.0 + b.1)));
        first
            .into_iter()
            .chain(indexes)
            .zip(files)
            .map(|(index, (start, seconds))| (index, start, seconds))
            .collect()
    }

    /// The rolling throughput of every file: the live line shows what the log
    /// records, and `zlab report` on the log as it stood then computes the
    /// same; the fill's closing mean and extremes are the report's.
    #[test]
    fn the_live_line_the_log_and_the_report_give_the_same_figures() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("fill.jsonl");
        let mut view = FillView::default();
        view.event(&FillEvent::Start(Start {
            files_total: TOTAL,
            file_size: BYTES,
            streams: 3,
            window: WINDOW,
            ..plan(TOTAL)
        }));
        let t0 = 1_764_000_000.0;
        let mut shown = Vec::new();
        // Stopped (a summary), resumed ten minutes later rewriting file 9,
        // killed (no summary), resumed 20 s later and completed.
        for (files, summary) in [
            (streams(t0, 0..10, None), true),
            (streams(t0 + 600.0, 10..18, Some(9)), false),
            (streams(t0 + 620.0, 18..26, None), true),
        ] {
            shown.push(run_of(&log, &files, summary, &mut view));
        }
        let text = std::fs::read_to_string(&log).expect("log");
        let lines: Vec<&str> = text.lines().collect();
        let window = NonZeroU32::new(WINDOW).expect("non-zero");

        let records = shown.iter().flat_map(|(files, _)| files);
        let mut checked = 0;
        for (n, (record, message, line)) in records.enumerate() {
            // The log as it stood once this file was written.
            let at = lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.starts_with(r#"{"type":"file""#))
                .nth(n)
                .map(|(i, _)| i)
                .expect("logged");
            let prefix = dir.path().join("prefix.jsonl");
            std::fs::write(&prefix, lines[..=at].join("\n") + "\n").expect("prefix");
            let report = scan::analyze(&prefix, Some(window), 10).expect("report");
            let last = report.rolling_last.expect("a last figure");
            assert_eq!(last.file.index, record.index);
            assert_eq!(round3(last.mb_s), record.rolling_mb_s, "{}", record.name);
            let shown = format!("all streams {:.1} MB/s (last {WINDOW} files)", last.mb_s);
            assert!(line.contains(&shown), "{line} / {shown}");
            let bar = format!("all streams {:.0} MB/s", last.mb_s);
            assert!(message.contains(&bar), "{message} / {bar}");
            checked += 1;
        }
        assert_eq!(checked, 27);

        let report = scan::analyze(&log, Some(window), 10).expect("report");
        let rendered = summary::render(&report, Path::new("plot.svg"));
        let (closing, closing_line) = shown[2].1.clone().expect("a closing summary");
        assert!(closing.complete);
        let mean = report.mean_mb_s.expect("a mean");
        assert_eq!(closing.mean_mb_s, round3(mean));
        assert_eq!(closing.seconds, round3(report.writing_seconds));
        assert_eq!(
            closing.min_rolling_mb_s,
            report.rolling_min.map(|e| round3(e.mb_s))
        );
        assert_eq!(
            closing.max_rolling_mb_s,
            report.rolling_max.map(|e| round3(e.mb_s))
        );
        assert!(
            closing_line.contains(&format!("mean {mean:.1} MB/s all streams")),
            "{closing_line}"
        );
        assert!(
            rendered.contains(&format!("mean       {} all streams", units::mb_s(mean))),
            "{rendered}"
        );
        // Three streams: the pool takes about three times a file's MB/s.
        let per_file = 67.108_864 / (closing.p50_ms / 1000.0);
        assert!(mean > 2.0 * per_file, "{mean} vs {per_file}");
    }

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        let t = |s| timestamp(SystemTime::UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(t(0), "1970-01-01 00:00:00");
        assert_eq!(t(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(t(1_764_065_702), "2025-11-25 10:15:02");
    }
}
