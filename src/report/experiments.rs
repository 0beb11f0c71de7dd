//! The table of `zlab report RESULTS…`: the last run of each experiment's
//! results file (its workloads, fills, rebuilds and scrubs), then, with
//! several files, their workloads and times side by side.
//!
//! Workloads line up across files by their fill target (`at`: `25%`), not by
//! the level measured, which differs from pool to pool.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::Error;
use crate::experiment::fio::Io;
use crate::experiment::results::{
    self, FailRecord, FillRecord, ReadError, RebuildRecord, Record, RunEnd, RunStart, ScrubRecord,
    WorkloadRecord,
};
use crate::units::{decimal, duration};

/// The last run of one results file.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub path: PathBuf,
    /// How many runs the file holds (this is the last).
    pub runs: usize,
    pub start: RunStart,
    /// The highest step any record names.
    pub steps: usize,
    pub fills: Vec<FillRecord>,
    pub workloads: Vec<WorkloadRecord>,
    pub fails: Vec<FailRecord>,
    pub rebuilds: Vec<RebuildRecord>,
    pub scrubs: Vec<ScrubRecord>,
    /// `None`: the run is going on, or was killed before it could say.
    pub end: Option<RunEnd>,
}

impl Run {
    /// The last run of the results file `path`.
    pub(crate) fn read(path: &Path) -> Result<Run, Error> {
        Run::of(path, results::read(path)?).ok_or_else(|| {
            Error::Results(ReadError::Malformed {
                path: path.to_path_buf(),
                line: 1,
                reason: "no `start` record".to_owned(),
            })
        })
    }

    /// The run from the last `start` record on; `None` without one.
    pub(crate) fn of(path: &Path, records: Vec<Record>) -> Option<Run> {
        let is_start = |r: &Record| matches!(r, Record::Start(_));
        let runs = records.iter().filter(|r| is_start(r)).count();
        let last = records.iter().rposition(is_start)?;
        let mut records = records.into_iter().skip(last);
        let Some(Record::Start(start)) = records.next() else {
            return None;
        };
        let mut run = Run {
            path: path.to_path_buf(),
            runs,
            start,
            steps: 0,
            fills: Vec::new(),
            workloads: Vec::new(),
            fails: Vec::new(),
            rebuilds: Vec::new(),
            scrubs: Vec::new(),
            end: None,
        };
        for record in records {
            let step = match record {
                // The last start was skipped: none follows.
                Record::Start(_) => 0,
                Record::Pool(p) => p.step,
                Record::Fill(f) => {
                    let step = f.step;
                    run.fills.push(f);
                    step
                }
                Record::Workload(w) => {
                    let step = w.step;
                    run.workloads.push(w);
                    step
                }
                Record::Fail(f) => {
                    let step = f.step;
                    run.fails.push(f);
                    step
                }
                Record::Rebuild(r) => {
                    let step = r.step;
                    run.rebuilds.push(r);
                    step
                }
                Record::Scrub(s) => {
                    let step = s.step;
                    run.scrubs.push(s);
                    step
                }
                Record::End(e) => {
                    run.end = Some(e);
                    0
                }
            };
            run.steps = run.steps.max(step);
        }
        Some(run)
    }

    /// The file's name, or its path if it has none.
    pub(crate) fn file_name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    /// `draid2:4d:11c:1s`, or the kinds of several vdevs joined.
    pub(crate) fn layout(&self) -> String {
        if self.start.layout.is_empty() {
            "layout unknown".to_owned()
        } else {
            self.start.layout.join(" + ")
        }
    }

    /// How the run ended, in a few words.
    fn ending(&self) -> String {
        match &self.end {
            Some(RunEnd { complete: true, .. }) => "complete".to_owned(),
            Some(RunEnd { error, .. }) => format!(
                "stopped: {}",
                error.as_deref().unwrap_or("no reason recorded")
            ),
            None => "no end record (still running, or killed)".to_owned(),
        }
    }

    /// How the drive a rebuild brought back had been failed.
    fn failed_before(&self, rebuild: &RebuildRecord) -> Option<&FailRecord> {
        self.fails
            .iter()
            .rev()
            .find(|f| f.step < rebuild.step && f.device == rebuild.device)
    }
}

/// A workload's throughput, read and write together, in MB/s (10⁶ bytes/s).
pub(crate) fn mb_s(w: &WorkloadRecord) -> f64 {
    [w.read, w.write].iter().flatten().map(Io::mb_s).sum()
}

fn iops(w: &WorkloadRecord) -> f64 {
    [w.read, w.write].iter().flatten().map(|io| io.iops).sum()
}

/// The direction that moved more bytes: its latencies speak for the workload.
fn main_direction(w: &WorkloadRecord) -> Option<&Io> {
    match (&w.read, &w.write) {
        (Some(r), Some(wr)) => Some(if wr.bw > r.bw { wr } else { r }),
        (r, wr) => r.as_ref().or(wr.as_ref()),
    }
}

fn level(percent: f64) -> String {
    format!("{}%", decimal(percent, 1))
}

/// What tells the files apart in the side-by-side table and the plot: the
/// experiment's name, else the lab's, else both, else the path.
pub(crate) fn labels(runs: &[Run]) -> Vec<String> {
    let candidates: [fn(&Run) -> String; 4] = [
        |r| r.start.experiment.clone(),
        |r| r.start.lab.clone(),
        |r| format!("{}/{}", r.start.lab, r.start.experiment),
        |r| r.path.display().to_string(),
    ];
    for candidate in candidates {
        let labels: Vec<String> = runs.iter().map(candidate).collect();
        let mut sorted = labels.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() == labels.len() {
            return labels;
        }
    }
    // The same file twice.
    runs.iter()
        .enumerate()
        .map(|(i, r)| format!("{} #{}", r.path.display(), i + 1))
        .collect()
}

/// The table for `runs`, in the order given.
pub(crate) fn render(runs: &[Run]) -> String {
    let mut s = String::new();
    for (i, run) in runs.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        one(&mut s, run);
    }
    if runs.len() > 1 {
        s.push('\n');
        side_by_side(&mut s, runs);
    }
    s
}

fn header(run: &Run) -> String {
    let start = &run.start;
    let mut line = format!(
        "{}: experiment {} of lab {}, pool {} ({}), OpenZFS {}, {}, {}",
        run.file_name(),
        start.experiment,
        start.lab,
        start.pool,
        run.layout(),
        start.zfs.as_deref().unwrap_or("unknown"),
        crate::output::count(run.steps, "step"),
        run.ending()
    );
    if run.runs > 1 {
        let _ = write!(line, " (the last of {} runs in the file)", run.runs);
    }
    line
}

fn one(s: &mut String, run: &Run) {
    s.push_str(&header(run));
    s.push('\n');

    if run.workloads.is_empty() {
        s.push_str("  workloads: none\n");
    } else {
        s.push_str(
            "  workloads (MB = 10⁶ bytes; IOPS read + write; latency: completion, of the direction that moved more bytes)\n",
        );
        let degraded = run.workloads.iter().any(|w| w.degraded);
        let mut t = Table::new(&[
            ("at", Left),
            ("level", Right),
            ("workload", Left),
            ("pool", Left),
            ("read MB/s", Right),
            ("write MB/s", Right),
            ("IOPS", Right),
            ("p50 µs", Right),
            ("p99 µs", Right),
            ("p99.9 µs", Right),
        ]);
        if !degraded {
            t.drop_column(3);
        }
        for w in &run.workloads {
            let rate = |io: &Option<Io>| {
                io.as_ref()
                    .map_or("-".to_owned(), |io| decimal(io.mb_s(), 1))
            };
            let lat = main_direction(w);
            let us = |f: fn(&Io) -> f64| lat.map_or("-".to_owned(), |io| decimal(f(io), 0));
            let mut row = vec![
                w.at.clone().unwrap_or_else(|| "-".to_owned()),
                level(w.level),
                w.name.clone(),
                if w.degraded { "degraded" } else { "" }.to_owned(),
                rate(&w.read),
                rate(&w.write),
                decimal(iops(w), 0),
                us(|io| io.lat_p50_us),
                us(|io| io.lat_p99_us),
                us(|io| io.lat_p999_us),
            ];
            if !degraded {
                row.remove(3);
            }
            t.row(row);
        }
        t.render(s, "    ");
    }

    if run.fills.is_empty() {
        s.push_str("  fills: none\n");
    } else {
        s.push_str("  fills\n");
        let mut t = Table::new(&[
            ("target", Left),
            ("level", Right),
            ("files", Right),
            ("time", Right),
        ]);
        for f in &run.fills {
            t.row(vec![
                f.until.clone(),
                level(f.level),
                crate::units::thousands(f.files),
                duration(f.seconds),
            ]);
        }
        t.render(s, "    ");
    }

    let unrebuilt: Vec<&FailRecord> = run
        .fails
        .iter()
        .filter(|f| {
            !run.rebuilds
                .iter()
                .any(|r| r.step > f.step && r.device == f.device)
        })
        .collect();
    if run.rebuilds.is_empty() {
        s.push_str("  rebuilds: none\n");
    } else {
        s.push_str("  rebuilds (time: from `zpool replace` to its end; back: the drive back, the spare returned)\n");
        let mut t = Table::new(&[
            ("kind", Left),
            ("device", Left),
            ("failed", Left),
            ("spare", Left),
            ("level", Right),
            ("time", Right),
            ("verify scrub", Right),
            ("back", Right),
        ]);
        for r in &run.rebuilds {
            t.row(vec![
                r.kind.clone(),
                r.device.clone(),
                run.failed_before(r)
                    .map_or("-", |f| fail_how(f.how))
                    .to_owned(),
                r.spare.clone(),
                level(r.level),
                duration(r.seconds),
                r.verify_seconds.map_or("-".to_owned(), duration),
                duration(r.restore_seconds),
            ]);
        }
        t.render(s, "    ");
    }
    for f in unrebuilt {
        let _ = writeln!(
            s,
            "  {} ({}) failed at step {} and not rebuilt",
            f.device,
            fail_how(f.how),
            f.step
        );
    }

    if run.scrubs.is_empty() {
        s.push_str("  scrubs: none\n");
    } else {
        s.push_str("  scrubs\n");
        let mut t = Table::new(&[("level", Right), ("time", Right)]);
        for sc in &run.scrubs {
            t.row(vec![level(sc.level), duration(sc.seconds)]);
        }
        t.render(s, "    ");
    }
}

fn fail_how(how: crate::scenario::experiment::FailHow) -> &'static str {
    match how {
        crate::scenario::experiment::FailHow::Offline => "offline",
        crate::scenario::experiment::FailHow::Fault => "faulted",
    }
}

/// What lines up a workload across files: its name and fill target, whether
/// the pool was degraded, and which time it is that it ran so (0: the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key {
    pub at: Option<String>,
    pub name: String,
    pub degraded: bool,
    pub nth: usize,
}

impl Key {
    /// `seq-read, degraded`, `seq-read #2`.
    fn workload(&self) -> String {
        let mut text = self.name.clone();
        if self.degraded {
            text.push_str(", degraded");
        }
        if self.nth > 0 {
            let _ = write!(text, " #{}", self.nth + 1);
        }
        text
    }
}

/// Each workload record of `run` with its key, in the order they ran.
pub(crate) fn keyed(run: &Run) -> Vec<(Key, &WorkloadRecord)> {
    let mut out: Vec<(Key, &WorkloadRecord)> = Vec::with_capacity(run.workloads.len());
    for w in &run.workloads {
        let nth = out
            .iter()
            .filter(|(k, _)| k.at == w.at && k.name == w.name && k.degraded == w.degraded)
            .count();
        out.push((
            Key {
                at: w.at.clone(),
                name: w.name.clone(),
                degraded: w.degraded,
                nth,
            },
            w,
        ));
    }
    out
}

fn side_by_side(s: &mut String, runs: &[Run]) {
    let labels = labels(runs);
    let keyed: Vec<Vec<(Key, &WorkloadRecord)>> = runs.iter().map(keyed).collect();
    let _ = writeln!(
        s,
        "side by side: {}",
        labels
            .iter()
            .zip(runs)
            .map(|(l, r)| format!("{l} ({})", r.path.display()))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Rows in the order the first file ran them, then what only later files ran.
    let mut keys: Vec<&Key> = Vec::new();
    for (k, _) in keyed.iter().flatten() {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    if keys.is_empty() {
        s.push_str("  workloads: none\n");
    } else {
        let mut columns = vec![("at".to_owned(), Left), ("workload".to_owned(), Left)];
        columns.extend(labels.iter().map(|l| (format!("{l} MB/s"), Right)));
        columns.extend(labels.iter().map(|l| (format!("{l} IOPS"), Right)));
        let mut t = Table::with(columns);
        for key in keys {
            let found: Vec<Option<&WorkloadRecord>> = keyed
                .iter()
                .map(|file| file.iter().find(|(k, _)| k == key).map(|(_, w)| *w))
                .collect();
            let mut row = vec![
                key.at.clone().unwrap_or_else(|| "-".to_owned()),
                key.workload(),
            ];
            row.extend(
                found
                    .iter()
                    .map(|w| w.map_or("-".to_owned(), |w| decimal(mb_s(w), 1))),
            );
            row.extend(
                found
                    .iter()
                    .map(|w| w.map_or("-".to_owned(), |w| decimal(iops(w), 0))),
            );
            t.row(row);
        }
        t.render(s, "  ");
    }

    s.push('\n');
    let mut columns = vec![("time".to_owned(), Left)];
    columns.extend(labels.iter().map(|l| (l.clone(), Right)));
    let mut t = Table::with(columns);
    let most = |n: fn(&Run) -> usize| runs.iter().map(n).max().unwrap_or(0);
    let numbered = |what: &str, i: usize, of: usize| {
        if of > 1 {
            format!("{what} {}", i + 1)
        } else {
            what.to_owned()
        }
    };
    let rebuilds = most(|r| r.rebuilds.len()).max(1);
    for i in 0..rebuilds {
        let cell = |f: fn(&RebuildRecord) -> Option<f64>| -> Vec<String> {
            runs.iter()
                .map(|r| {
                    r.rebuilds
                        .get(i)
                        .and_then(f)
                        .map_or("-".to_owned(), duration)
                })
                .collect()
        };
        let mut row = vec![numbered("rebuild/resilver", i, rebuilds)];
        row.extend(cell(|r| Some(r.seconds)));
        t.row(row);
        if runs.iter().any(|r| {
            r.rebuilds
                .get(i)
                .is_some_and(|r| r.verify_seconds.is_some())
        }) {
            let mut row = vec![numbered("verify scrub", i, rebuilds)];
            row.extend(cell(|r| r.verify_seconds));
            t.row(row);
        }
    }
    let scrubs = most(|r| r.scrubs.len()).max(1);
    for i in 0..scrubs {
        let mut row = vec![numbered("scrub", i, scrubs)];
        row.extend(runs.iter().map(|r| {
            r.scrubs
                .get(i)
                .map_or("-".to_owned(), |s| duration(s.seconds))
        }));
        t.row(row);
    }
    t.render(s, "  ");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}
use Align::{Left, Right};

/// Columns padded to their widest cell, two spaces apart.
struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(columns: &[(&str, Align)]) -> Table {
        Table::with(columns.iter().map(|(h, a)| ((*h).to_owned(), *a)).collect())
    }

    fn with(columns: Vec<(String, Align)>) -> Table {
        Table {
            columns,
            rows: Vec::new(),
        }
    }

    fn drop_column(&mut self, i: usize) {
        self.columns.remove(i);
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn render(&self, s: &mut String, indent: &str) {
        let head: Vec<String> = self.columns.iter().map(|(h, _)| h.clone()).collect();
        let width = |i: usize| {
            std::iter::once(&head)
                .chain(&self.rows)
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..self.columns.len()).map(width).collect();
        for row in std::iter::once(&head).chain(&self.rows) {
            let mut line = indent.to_owned();
            for (i, ((_, align), w)) in self.columns.iter().zip(&widths).enumerate() {
                let cell = row.get(i).map_or("", String::as_str);
                if i > 0 {
                    line.push_str("  ");
                }
                let _ = match align {
                    Left => write!(line, "{cell:<w$}"),
                    Right => write!(line, "{cell:>w$}"),
                };
            }
            s.push_str(line.trim_end());
            s.push('\n');
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A results file of `fixtures/experiment/`, read (the plot's tests too).
    pub(in crate::report) fn fixture(name: &str) -> Run {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/experiment")
            .join(name);
        let mut run = Run::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // Paths as a test names them, whatever the checkout.
        run.path = Path::new("fixtures/experiment").join(name);
        run
    }

    fn draid() -> Run {
        fixture("results-draid.jsonl")
    }

    fn raidz() -> Run {
        fixture("results-raidz.jsonl")
    }

    fn lines(text: &str) -> Vec<&str> {
        text.lines().collect()
    }

    #[test]
    fn the_last_run_of_a_file_is_reported_and_the_runs_counted() {
        let run = raidz();
        assert_eq!(run.runs, 2);
        assert_eq!(run.fills.len(), 2, "the stopped first run is left out");
        assert_eq!(run.workloads.len(), 6);
        assert_eq!(run.steps, 7);
        assert!(run.end.as_ref().is_some_and(|e| e.complete));
        assert_eq!(
            header(&run),
            "results-raidz.jsonl: experiment raidz of lab compare-raidz, pool tank (raidz2), OpenZFS 2.3.4, 7 steps, complete (the last of 2 runs in the file)"
        );
    }

    #[test]
    fn a_stopped_run_says_why_and_an_unfinished_one_says_so() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/experiment/results-raidz.jsonl");
        let records = results::read(&path).expect("read");
        let end = records
            .iter()
            .position(|r| matches!(r, Record::End(_)))
            .expect("an end");
        let first = Run::of(&path, records[..=end].to_vec()).expect("a run");
        assert!(
            header(&first).ends_with(", 1 step, stopped: stopped at step 2 of 7"),
            "{}",
            header(&first)
        );
        let cut = Run::of(&path, records[..end].to_vec()).expect("a run");
        assert!(
            header(&cut).ends_with(", no end record (still running, or killed)"),
            "{}",
            header(&cut)
        );
        assert!(Run::of(&path, Vec::new()).is_none());
    }

    #[test]
    fn workload_rows_give_rates_iops_and_the_latency_of_the_main_direction() {
        let text = render(&[draid()]);
        let l = lines(&text);
        assert_eq!(
            l[0],
            "results-draid.jsonl: experiment draid of lab compare-draid, pool tank (draid2:4d:11c:1s), OpenZFS 2.3.4, 8 steps, complete"
        );
        assert_eq!(
            &l[2..6],
            [
                "    at   level  workload      pool      read MB/s  write MB/s    IOPS  p50 µs  p99 µs  p99.9 µs",
                "    25%  25.0%  seq-write                       -       612.4     584  12,911  38,011    71,827",
                "    25%  25.0%  seq-read                  1,384.2           -   1,320   5,407  17,170    28,443",
                "    25%  25.0%  rand-read-4k                 43.2           -  10,547     635   2,867     6,193",
            ]
        );
        assert!(
            text.contains(
                "\n    50%  50.0%  seq-read      degraded      902.1           -     860"
            ),
            "{text}"
        );
    }

    #[test]
    fn the_pool_column_appears_only_when_a_workload_ran_degraded() {
        let text = render(&[raidz()]);
        assert!(
            text.contains("\n    at   level  workload      read MB/s  write MB/s"),
            "{text}"
        );
        assert!(!text.contains("degraded"), "{text}");
    }

    #[test]
    fn fills_rebuilds_and_scrubs_have_their_rows() {
        let text = render(&[draid()]);
        for line in [
            "    target  level  files    time",
            "    25%     25.0%     96  41.8 s",
            "    50%     50.0%    192  47.3 s",
            "    kind     device  failed   spare       level    time  verify scrub   back",
            "    rebuild  hdd[3]  faulted  draid2-0-0  50.0%  38.6 s        1m 11s  6.4 s",
            "    level    time",
            "    50.0%  1m 05s",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "no line {line:?} in\n{text}"
            );
        }
        let raidz = render(&[raidz()]);
        assert!(
            raidz.lines().any(|l| l
                == "    resilver  hdd[3]  faulted  /var/tmp/zlab/compare-raidz/hdd10.img  50.1%  1m 34s             -  4.1 s"),
            "{raidz}"
        );
    }

    #[test]
    fn a_drive_failed_and_never_rebuilt_is_named() {
        let mut run = draid();
        run.rebuilds.clear();
        let text = render(&[run]);
        assert!(
            text.contains(
                "  rebuilds: none\n  hdd[3] (faulted) failed at step 5 and not rebuilt\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn two_files_line_up_by_fill_target_whatever_the_levels() {
        let (a, b) = (draid(), raidz());
        assert_ne!(a.workloads[0].level, b.workloads[0].level);
        let text = render(&[a, b]);
        let side = &text[text.find("side by side").expect("side by side")..];
        let l = lines(side);
        assert_eq!(
            l,
            [
                "side by side: draid (fixtures/experiment/results-draid.jsonl), raidz (fixtures/experiment/results-raidz.jsonl)",
                "  at   workload            draid MB/s  raidz MB/s  draid IOPS  raidz IOPS",
                "  25%  seq-write                612.4       701.0         584         669",
                "  25%  seq-read               1,384.2     1,512.6       1,320       1,443",
                "  25%  rand-read-4k              43.2        38.6      10,547       9,424",
                "  50%  seq-write                571.9       655.3         545         625",
                "  50%  seq-read               1,297.5     1,433.8       1,237       1,367",
                "  50%  rand-read-4k              39.7        35.9       9,692       8,765",
                "  50%  seq-read, degraded       902.1           -         860           -",
                "",
                "  time               draid   raidz",
                "  rebuild/resilver  38.6 s  1m 34s",
                "  verify scrub      1m 11s       -",
                "  scrub             1m 05s  58.1 s",
            ]
        );
    }

    #[test]
    fn labels_fall_back_to_the_lab_when_experiments_share_a_name() {
        let (a, mut b) = (draid(), raidz());
        b.start.experiment = a.start.experiment.clone();
        assert_eq!(labels(&[a.clone(), b]), ["compare-draid", "compare-raidz"]);
        assert_eq!(
            labels(&[a.clone(), a]),
            [
                "fixtures/experiment/results-draid.jsonl #1",
                "fixtures/experiment/results-draid.jsonl #2"
            ]
        );
    }

    #[test]
    fn repeated_workloads_get_their_own_rows() {
        let mut run = draid();
        let again = run.workloads[0].clone();
        run.workloads.push(again);
        let keys: Vec<String> = keyed(&run).iter().map(|(k, _)| k.workload()).collect();
        assert_eq!(keys.last().map(String::as_str), Some("seq-write #2"));
    }
}
