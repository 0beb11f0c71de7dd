//! An experiment's results: one JSON object per line, appended as each
//! measurement ends (`<state_dir>/results-<experiment>.jsonl`), read back by
//! `zlab report`. A run appends a `start` line, so one file can hold several
//! runs; `zlab down` keeps it unless asked (`--results`).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::fio::Io;
use crate::zfs::output::{PoolUsage, VdevIo};

/// The results file of experiment `name`.
pub(crate) fn path(state_dir: &Path, name: &str) -> PathBuf {
    state_dir.join(format!("results-{name}.jsonl"))
}

/// One line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Record {
    Start(RunStart),
    /// The pool after each step.
    Pool(PoolRecord),
    Fill(FillRecord),
    Workload(WorkloadRecord),
    Fail(FailRecord),
    Rebuild(RebuildRecord),
    Scrub(ScrubRecord),
    End(RunEnd),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RunStart {
    pub experiment: String,
    pub lab: String,
    pub pool: String,
    pub dataset: String,
    /// The pool's data vdevs as zpool names their kind (`draid2:4d:10c:1s`).
    pub layout: Vec<String>,
    /// `zfs version`'s userland and kernel module lines.
    pub zfs: Option<String>,
    pub start_unix: f64,
}

/// Where the pool stood after a step: the fill level (its dataset's USED
/// over USED + AVAIL, as fills count it), zpool's own view, each vdev.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PoolRecord {
    /// The step just done, 1-based (0: before the first).
    pub step: usize,
    pub level: f64,
    pub usage: PoolUsage,
    pub vdevs: Vec<VdevIo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FillRecord {
    pub step: usize,
    pub until: String,
    pub level: f64,
    /// Files the fill holds now, and this step's share.
    pub files: u64,
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct WorkloadRecord {
    pub step: usize,
    /// The built-in workload, or `FILE:job` for a job of a job file.
    pub name: String,
    /// The fill level it ran at (percent, measured).
    pub level: f64,
    /// The target of the last fill step before it (`25%`), if any: what
    /// lines up the workloads of two experiments side by side.
    pub at: Option<String>,
    /// With a drive failed and not yet rebuilt.
    pub degraded: bool,
    pub seconds: f64,
    pub read: Option<Io>,
    pub write: Option<Io>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FailRecord {
    pub step: usize,
    /// The device as the scenario names it, and as the pool does.
    pub device: String,
    pub path: String,
    pub how: crate::scenario::experiment::FailHow,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RebuildRecord {
    pub step: usize,
    pub device: String,
    pub spare: String,
    /// `rebuild` (sequential, onto a distributed spare) or `resilver`.
    pub kind: String,
    pub level: f64,
    /// From `zpool replace` to the rebuild's end.
    pub seconds: f64,
    /// The scrub a sequential rebuild starts to verify what it wrote.
    pub verify_seconds: Option<f64>,
    /// Bringing the original device back and returning the spare.
    pub restore_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ScrubRecord {
    pub step: usize,
    pub level: f64,
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RunEnd {
    pub end_unix: f64,
    pub complete: bool,
    /// Why it stopped, if it did not complete.
    pub error: Option<String>,
}

/// Appends records, each flushed as a whole line.
pub(crate) struct Writer {
    file: std::fs::File,
    path: PathBuf,
}

impl Writer {
    pub(crate) fn open(path: &Path) -> std::io::Result<Writer> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Writer {
            file,
            path: path.to_path_buf(),
        })
    }

    pub(crate) fn append(&mut self, record: &Record) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.sync_data()
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// A line that is not a record.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: not an experiment result: {reason}", path.display())]
    Malformed {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

/// Every record of a results file. Blank lines are skipped; a line cut short
/// by a crash at the very end is skipped too (it was never complete).
pub(crate) fn read(path: &Path) -> Result<Vec<Record>, ReadError> {
    let file = std::fs::File::open(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let lines: Vec<String> = BufReader::new(file)
        .lines()
        .collect::<Result<_, _>>()
        .map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let last = lines.len();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(r) => out.push(r),
            Err(_) if i + 1 == last && !line.ends_with('}') => {}
            Err(e) => {
                return Err(ReadError::Malformed {
                    path: path.to_path_buf(),
                    line: i + 1,
                    reason: e.to_string(),
                });
            }
        }
    }
    Ok(out)
}

/// Whether `path`'s first record is an experiment's (else it may be a fill
/// log): `zlab report` reads either.
pub(crate) fn is_results(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut first = String::new();
    if BufReader::new(file).read_line(&mut first).is_err() {
        return false;
    }
    serde_json::from_str::<Record>(&first).is_ok_and(|r| matches!(r, Record::Start(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_as_written_and_a_torn_last_line_is_skipped() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = path(dir.path(), "x");
        let mut w = Writer::open(&p).expect("open");
        let start = Record::Start(RunStart {
            experiment: "x".into(),
            lab: "lab".into(),
            pool: "tank".into(),
            dataset: "tank/data".into(),
            layout: vec!["draid2:4d:10c:1s".into()],
            zfs: Some("zfs-2.4.4".into()),
            start_unix: 1.5,
        });
        let wl = Record::Workload(WorkloadRecord {
            step: 2,
            name: "seq-read".into(),
            level: 25.1,
            at: Some("25%".into()),
            degraded: false,
            seconds: 30.0,
            read: Some(Io {
                bw: 1,
                iops: 2.0,
                lat_mean_us: 3.0,
                lat_p50_us: 4.0,
                lat_p99_us: 5.0,
                lat_p999_us: 6.0,
            }),
            write: None,
        });
        w.append(&start).expect("append");
        w.append(&wl).expect("append");
        drop(w);
        assert!(is_results(&p));
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .expect("open");
        f.write_all(b"{\"type\":\"scr").expect("write");
        assert_eq!(read(&p).expect("read"), [start, wl]);
        std::fs::write(&p, "{\"type\":\"file\"}\n{}\n").expect("write");
        assert!(!is_results(&p));
        assert!(matches!(
            read(&p),
            Err(ReadError::Malformed { line: 1, .. })
        ));
    }
}
