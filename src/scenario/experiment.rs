//! Experiments as a scenario writes them: an ordered list of measured steps
//! `zlab experiment` runs on a lab that is up — fill to a level, run
//! workloads, fail a drive and rebuild it, scrub.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use super::model::{Fill, FillTarget, Property};
use super::node::Located;
use super::selection::Selection;
use super::size::Size;

#[derive(Debug, Clone)]
pub(crate) struct Experiment {
    /// Names its results file (`results-<name>.jsonl`).
    pub name: Located<String>,
    /// Where its fills and workloads write: a dataset of the lab.
    pub dataset: Located<String>,
    /// The size of each workload job's file.
    pub workload_size: Located<Size>,
    /// How long each workload runs.
    pub runtime: Located<Seconds>,
    /// fio's `numjobs` for each workload.
    pub jobs: Located<u32>,
    /// Properties set on the dataset while the experiment runs.
    pub during: Vec<Property>,
    /// How its fills write (`fill_with:`): a fill's settings, its target the
    /// experiment's dataset; absent, a fill's defaults.
    pub fill_with: Option<Fill>,
    pub steps: Vec<Located<Step>>,
}

impl Experiment {
    pub(crate) const WORKLOAD_SIZE: Size = Size::from_bytes(1 << 30);
    pub(crate) const RUNTIME: Seconds = Seconds(30);
    pub(crate) const JOBS: u32 = 4;
    pub(crate) const MAX_JOBS: u32 = 64;
}

/// One step of an experiment.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// `fill: 50%`: fill the experiment's dataset until the pool is this full.
    Fill(FillTarget),
    /// `workloads: all` or a list of built-in fio workloads.
    Workloads(Vec<Located<Workload>>),
    /// `fio: jobs/mine.fio`: the user's job file, relative to the scenario.
    Fio(PathBuf),
    /// `fail: disks[3]` or `fail: { device: disks[3], how: fault }`.
    Fail {
        device: Located<Selection>,
        how: FailHow,
    },
    /// `rebuild: distributed-spare` or `rebuild: hot-spare`.
    Rebuild(Onto),
    /// `scrub`.
    Scrub,
}

impl Step {
    /// The key a scenario writes the step with.
    pub(crate) fn key(&self) -> &'static str {
        match self {
            Step::Fill(_) => "fill",
            Step::Workloads(_) => "workloads",
            Step::Fio(_) => "fio",
            Step::Fail { .. } => "fail",
            Step::Rebuild(_) => "rebuild",
            Step::Scrub => "scrub",
        }
    }
}

/// The step keys, in the order messages list them.
pub(crate) const STEP_KEYS: &[&str] = &["fill", "workloads", "fio", "fail", "rebuild", "scrub"];

/// fio options that would make a job read or write outside the directory
/// zlab gives it, or run a command: a job file is a measurement, nothing more.
const FORBIDDEN_FIO_OPTIONS: &[&str] = &[
    "filename",
    "directory",
    "opendir",
    "filename_format",
    "include",
    "exec_prerun",
    "exec_postrun",
    "read_iolog",
    "write_iolog",
    "write_bw_log",
    "write_lat_log",
    "write_iops_log",
    "write_hist_log",
    "ioscheduler",
    "cgroup",
];

/// The I/O engines a job file may use: those of files in a directory. Others
/// reach devices (`sg`), load code (`external:`) or run programs (`exec`).
const FILE_ENGINES: &[&str] = &[
    "sync",
    "psync",
    "vsync",
    "pvsync",
    "pvsync2",
    "libaio",
    "io_uring",
    "posixaio",
    "mmap",
    "splice",
    "falloc",
    "ftruncate",
];

/// The forbidden options a fio job file sets (checked when the scenario is
/// validated and again just before fio runs it: the file may have changed).
pub(crate) fn forbidden_fio_options(job: &str) -> Vec<String> {
    job.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with(['#', ';', '[']))
        .filter_map(|l| {
            let (key, value) = l.split_once('=').unwrap_or((l, ""));
            let key = key.split([' ', '\t']).next().unwrap_or_default();
            let value = value.trim();
            if key == "ioengine" && !FILE_ENGINES.contains(&value) {
                return Some(format!("ioengine={value}"));
            }
            FORBIDDEN_FIO_OPTIONS
                .iter()
                .find(|f| **f == key)
                .map(|f| (*f).to_owned())
        })
        .collect()
}

/// How a drive is failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailHow {
    /// `zpool offline`: taken out by the administrator.
    Offline,
    /// `zpool offline -f`: faulted, as a dead drive is.
    Fault,
}

impl FromStr for FailHow {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "offline" => Ok(FailHow::Offline),
            "fault" => Ok(FailHow::Fault),
            other => Err(format!("unknown way to fail a drive `{other}`")),
        }
    }
}

/// What a failed drive is rebuilt onto.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Onto {
    /// One of its dRAID vdev's distributed spares: a sequential rebuild.
    DistributedSpare,
    /// One of the pool's `spares:`: a healing resilver.
    HotSpare,
}

impl Onto {
    pub(crate) const ALL: &'static [&'static str] = &["distributed-spare", "hot-spare"];
}

impl FromStr for Onto {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "distributed-spare" => Ok(Onto::DistributedSpare),
            "hot-spare" => Ok(Onto::HotSpare),
            other => Err(format!("unknown rebuild target `{other}`")),
        }
    }
}

impl fmt::Display for Onto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Onto::DistributedSpare => "distributed-spare",
            Onto::HotSpare => "hot-spare",
        })
    }
}

/// A built-in fio workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Workload {
    /// Sequential write, 1M blocks.
    SeqWrite,
    /// Sequential read, 1M blocks.
    SeqRead,
    /// Random read, 4K blocks.
    RandRead4k,
    /// Random read, 128K blocks (the default recordsize).
    RandRead128k,
    /// Random 4K, 70 % reads and 30 % writes.
    RandRw,
}

impl Workload {
    /// Every built-in workload, in the order `workloads: all` runs them:
    /// the write first, so the reads find its files laid out.
    pub(crate) const ALL: [Workload; 5] = [
        Workload::SeqWrite,
        Workload::SeqRead,
        Workload::RandRead4k,
        Workload::RandRead128k,
        Workload::RandRw,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Workload::SeqWrite => "seq-write",
            Workload::SeqRead => "seq-read",
            Workload::RandRead4k => "rand-read-4k",
            Workload::RandRead128k => "rand-read-128k",
            Workload::RandRw => "rand-rw",
        }
    }
}

impl FromStr for Workload {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Workload::ALL
            .into_iter()
            .find(|w| w.name() == s)
            .ok_or_else(|| format!("unknown workload `{s}`"))
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A duration in whole seconds: `30`, `30s`, `5m`, `2h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Seconds(pub u64);

impl FromStr for Seconds {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (digits, unit) = if let Some(d) = s.strip_suffix('h') {
            (d, 3600)
        } else if let Some(d) = s.strip_suffix('m') {
            (d, 60)
        } else {
            (s.strip_suffix('s').unwrap_or(s), 1)
        };
        match digits.trim().parse::<u64>() {
            Ok(n) if n > 0 && n <= 86_400 / unit => Ok(Seconds(n * unit)),
            _ => Err(format!(
                "`{s}` is not a duration from 1s to 24h (`30`, `30s`, `5m`, `2h`)"
            )),
        }
    }
}

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}s", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_seconds() {
        assert_eq!("30".parse(), Ok(Seconds(30)));
        assert_eq!("30s".parse(), Ok(Seconds(30)));
        assert_eq!("5m".parse(), Ok(Seconds(300)));
        assert!("0s".parse::<Seconds>().is_err());
        assert_eq!("2h".parse(), Ok(Seconds(7200)));
        assert!("25h".parse::<Seconds>().is_err());
        assert!("1d".parse::<Seconds>().is_err());
    }

    #[test]
    fn job_files_that_leave_their_directory_or_run_commands_are_caught() {
        let job = "[global]\n; filename=/dev/sda is a comment\ndirectory = /\n[j]\nrw=read\n  exec_postrun=rm -rf /\nwrite_bw_log\nioengine=exec\n";
        assert_eq!(
            forbidden_fio_options(job),
            ["directory", "exec_postrun", "write_bw_log", "ioengine=exec"]
        );
        let fine = "[j]\nioengine=libaio\nrw=randread\nbs=4k\n";
        assert!(forbidden_fio_options(fine).is_empty());
    }

    #[test]
    fn every_workload_reads_back_from_its_name() {
        for w in Workload::ALL {
            assert_eq!(w.name().parse(), Ok(w));
        }
        assert!("seq_write".parse::<Workload>().is_err());
    }
}
