//! The text summary of a fill report: one labelled line per figure.

use std::fmt::Write as _;
use std::path::Path;

use super::scan::{Analysis, Extreme, FileAt};
use crate::scenario::size::Size;
use crate::units::{decimal, duration, file_time, mb_s, thousands};

/// How many gaps and resumes are listed by time (all are counted).
const TIMES_LISTED: usize = 3;

/// The summary; `plot` is where the SVG was written.
pub(crate) fn render(a: &Analysis, plot: &Path) -> String {
    let mut out = String::new();
    let mut line = |label: &str, text: &str| {
        // Writing to a String cannot fail.
        let _ = writeln!(out, "{label:<10} {text}");
    };
    let at = |t: f64| duration(t - a.start);

    line(
        "fill log",
        &format!(
            "{} (rolling throughput over the last {} files)",
            a.path.display(),
            a.window
        ),
    );
    line("lines", &lines(a));
    for m in &a.malformed {
        line("", &format!("  line {}: {}", m.line, m.reason));
    }
    let unlisted = a
        .counts
        .malformed
        .saturating_sub(u64::try_from(a.malformed.len()).unwrap_or(0));
    if unlisted > 0 {
        line("", &format!("  … and {} more", thousands(unlisted)));
    }
    line("files", &files(a));
    line(
        "bytes",
        &format!(
            "{} ({} bytes)",
            Size::from_bytes(a.bytes).human(),
            thousands(a.bytes)
        ),
    );
    line("time", &time(a));
    line("gaps", &gaps(a, &at));
    line("runs", &runs(a, &at));
    line(
        "mean",
        &match (a.mean_mb_s, a.concurrency()) {
            (Some(rate), Some(c)) => format!(
                "{} all streams: {} written over the writing time, all runs (~{} files at once)",
                mb_s(rate),
                Size::from_bytes(a.written).human(),
                decimal(c, 1)
            ),
            _ => "n/a: no writing time".to_owned(),
        },
    );
    line(
        "file time",
        &format!("p50 {}, p99 {}", file_time(a.p50_ms), file_time(a.p99_ms)),
    );
    let window_at = |word: &str, e: &Extreme| {
        format!(
            "{word} {}, window ending with {} at {}",
            mb_s(e.mb_s),
            e.file.label(),
            at(e.file.end)
        )
    };
    let mut label = "rolling";
    match (&a.rolling_min, &a.rolling_max) {
        (Some(min), Some(max)) => {
            line(label, &window_at("min", min));
            line("", &window_at("max", max));
        }
        _ => line(
            label,
            &format!(
                "n/a: no run has {} files (a smaller --window gives one)",
                a.window
            ),
        ),
    }
    label = "";
    if let Some(last) = &a.rolling_last {
        let mut text = window_at("last", last);
        if !last.full {
            let _ = write!(text, " (fewer than {} files in its window)", a.window);
        }
        line(label, &text);
    }
    let width = a
        .slowest
        .iter()
        .map(|f| f.label().chars().count())
        .max()
        .unwrap_or(0);
    for (i, f) in a.slowest.iter().enumerate() {
        line(if i == 0 { "slowest" } else { "" }, &slow(f, width, &at));
    }
    line("plot", &plot.display().to_string());
    out
}

fn lines(a: &Analysis) -> String {
    let c = &a.counts;
    let mut parts = vec![format!(
        "{} file record{}",
        thousands(c.file_records),
        plural(c.file_records)
    )];
    for (n, one, many) in [
        (c.starts, "run start", "run starts"),
        (c.summaries, "run summary", "run summaries"),
        (
            c.other,
            "of an unknown type (skipped)",
            "of unknown types (skipped)",
        ),
        (c.blank, "blank", "blank"),
        (c.malformed, "malformed (skipped)", "malformed (skipped)"),
    ] {
        if n > 0 {
            parts.push(format!(
                "{} {}",
                thousands(n),
                if n == 1 { one } else { many }
            ));
        }
    }
    format!("{}: {}", thousands(c.lines), parts.join(", "))
}

fn files(a: &Analysis) -> String {
    let missing = a.missing_indexes();
    let mut text = format!(
        "{}, indexes {}–{} ({})",
        thousands(a.files),
        thousands(a.first_index),
        thousands(a.last_index),
        if missing == 0 {
            "none missing".to_owned()
        } else {
            format!("{} missing", thousands(missing))
        }
    );
    if a.superseded > 0 {
        let _ = write!(
            text,
            "; {} record{} superseded by a later one of the same index",
            thousands(a.superseded),
            plural(a.superseded)
        );
    }
    text
}

fn time(a: &Analysis) -> String {
    format!(
        "{} from the first start to the last end, {} of it writing",
        duration(a.wall_seconds()),
        duration(a.writing_seconds)
    )
}

fn gaps(a: &Analysis, at: &dyn Fn(f64) -> String) -> String {
    let count = a.gaps().count();
    if count == 0 {
        return "none: files were written all along".to_owned();
    }
    let listed: Vec<String> = a
        .gaps()
        .take(TIMES_LISTED)
        .map(|g| format!("{} at {}", duration(g.seconds()), at(g.start)))
        .collect();
    format!(
        "{count} without writing: {}{}",
        listed.join(", "),
        more(count)
    )
}

fn runs(a: &Analysis, at: &dyn Fn(f64) -> String) -> String {
    let count = a.resumes.len() + 1;
    let mut text = count.to_string();
    if !a.resumes.is_empty() {
        let listed: Vec<String> = a
            .resumes
            .iter()
            .take(TIMES_LISTED)
            .map(|r| at(r.at))
            .collect();
        let _ = write!(
            text,
            ", resumed at {}{}",
            listed.join(", "),
            more(a.resumes.len())
        );
    }
    text.push_str(match a.last_complete {
        Some(true) => "; the last ended complete",
        Some(false) => "; the last ended before its target",
        None => "; the last has no summary line (stopped, or still running)",
    });
    text
}

fn slow(f: &FileAt, width: usize, at: &dyn Fn(f64) -> String) -> String {
    format!(
        "{:<width$}  {:>10}  {:>12}  at {}",
        f.label(),
        file_time(f.ms),
        mb_s(f.mb_s),
        at(f.end)
    )
}

fn more(total: usize) -> String {
    if total > TIMES_LISTED {
        format!(" and {} more", total - TIMES_LISTED)
    } else {
        String::new()
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
