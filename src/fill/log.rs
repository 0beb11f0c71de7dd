//! The fill log's format, in one place: JSON lines in the lab's state
//! directory, one per file written and one summary per run, appended across
//! resumed runs. The types here write it; a resumed fill reads it back with
//! [`read`] (which files are complete: a line is written only once its file
//! is) and `zlab report` with [`read::parse_line`], which is lenient.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub(crate) mod read;

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Line {
    /// A run begins: what it was asked for.
    Start(RunStart),
    File(FileRecord),
    Summary(Summary),
}

/// The beginning of a run, so that a reader of the log alone (`zlab report`)
/// knows what the fill computed its figures over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStart {
    /// The fill's target: a dataset or a directory.
    pub target: String,
    pub until: String,
    pub file_size: u64,
    pub streams: u32,
    /// Files in the rolling throughput.
    pub window: u32,
    pub start_unix: f64,
}

/// A complete file. MB/s are 10^6 bytes per second.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    pub index: u64,
    pub name: String,
    pub bytes: u64,
    /// When writing began, in seconds since the Unix epoch.
    pub start_unix: f64,
    /// From open to close.
    pub ms: f64,
    /// This file's own MB/s: with parallel streams, a share of the pool's.
    pub mb_s: f64,
    /// The rolling throughput: every stream together, over the last `window`
    /// files of the run (see `stats::Throughput`, the one definition, which
    /// `zlab report` recomputes from `start_unix`, `ms` and `bytes`).
    pub rolling_mb_s: f64,
}

/// The whole fill so far (all runs), written at the end of each run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Complete files, of `files_total`.
    pub files: u64,
    pub files_total: u64,
    pub bytes: u64,
    /// Time during which some file was being written, across runs.
    pub seconds: f64,
    /// Every byte written (rewrites too) over `seconds`: the mean throughput
    /// `zlab report` gives for the same log (see `stats::Throughput`).
    pub mean_mb_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The lowest and highest rolling throughput of full windows; absent when
    /// no run has had `window` files. Logs of earlier versions hold numbers
    /// of the warm-up too; nothing reads them back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_rolling_mb_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rolling_mb_s: Option<f64>,
    pub complete: bool,
    /// The OpenZFS of the run that wrote this summary, as read (`zfs version`,
    /// `/sys/module/zfs/version`): throughput is only comparable between equals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zfs_tools: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zfs_module: Option<String>,
}

/// Rounds for the log: thousandths are finer than any clock here.
pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Reads every line, calling `each` with the ones that parse; the number of
/// lines that did not (a line cut short by `kill -9` is skipped, not fatal).
pub(crate) fn read(path: &Path, mut each: impl FnMut(Line)) -> std::io::Result<usize> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut bad = 0;
    for line in BufReader::new(file).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Line>(&line) {
            Ok(l) => each(l),
            Err(_) => bad += 1,
        }
    }
    Ok(bad)
}

/// Appends lines, each written whole with one `write`.
pub(crate) struct Writer {
    file: File,
    path: PathBuf,
}

impl Writer {
    /// Opens for appending; a last line cut short is ended first, so that the
    /// next line starts on its own.
    pub(crate) fn open(path: &Path) -> std::io::Result<Writer> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        let len = file.metadata()?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1))?;
            file.read_exact(&mut last)?;
            if last[0] != b'\n' {
                file.write_all(b"\n")?;
            }
        }
        Ok(Writer {
            file,
            path: path.to_path_buf(),
        })
    }

    pub(crate) fn append(&mut self, line: &Line) -> std::io::Result<()> {
        let mut text = serde_json::to_vec(line).map_err(std::io::Error::other)?;
        text.push(b'\n');
        self.file.write_all(&text)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(index: u64) -> Line {
        Line::File(FileRecord {
            index,
            name: format!("file_{index}"),
            bytes: 1_073_741_824,
            start_unix: 1_764_000_000.123,
            ms: 812.4,
            mb_s: 1321.6,
            rolling_mb_s: 1300.2,
        })
    }

    #[test]
    fn file_lines_have_the_agreed_shape() {
        let text = serde_json::to_string(&record(0)).expect("json");
        assert_eq!(
            text,
            r#"{"type":"file","index":0,"name":"file_0","bytes":1073741824,"start_unix":1764000000.123,"ms":812.4,"mb_s":1321.6,"rolling_mb_s":1300.2}"#
        );
    }

    #[test]
    fn what_the_fill_writes_the_report_reads() {
        let text = serde_json::to_vec(&record(4)).expect("json");
        match read::parse_line(&text) {
            Ok(read::Record::File(f)) => {
                assert_eq!((f.index, f.bytes, f.ms), (4, 1_073_741_824, 812.4));
                assert_eq!(f.name.as_deref(), Some("file_4"));
            }
            other => panic!("{other:?}"),
        }
        let summary = Line::Summary(Summary {
            files: 1,
            files_total: 1,
            bytes: 1,
            seconds: 1.0,
            mean_mb_s: 1.0,
            p50_ms: 1.0,
            p99_ms: 1.0,
            min_rolling_mb_s: Some(1.0),
            max_rolling_mb_s: None,
            complete: true,
            zfs_tools: Some("zfs-2.4.4-1~bpo13+1".to_owned()),
            zfs_module: None,
        });
        let text = serde_json::to_vec(&summary).expect("json");
        assert_eq!(
            read::parse_line(&text),
            Ok(read::Record::Summary { complete: true })
        );
    }

    #[test]
    fn summaries_of_earlier_versions_are_still_read() {
        // Written by zlab 0.x inside the rig (the README's quickstart fill).
        let old = br#"{"type":"summary","files":8,"files_total":8,"bytes":536870912,"seconds":4.435,"mean_mb_s":121.043,"p50_ms":990.618,"p99_ms":1362.041,"min_rolling_mb_s":53.871,"max_rolling_mb_s":157.445,"complete":true}"#;
        match serde_json::from_slice::<Line>(old) {
            Ok(Line::Summary(s)) => {
                assert_eq!((s.files, s.complete), (8, true));
                assert_eq!(s.max_rolling_mb_s, Some(157.445));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            read::parse_line(old),
            Ok(read::Record::Summary { complete: true })
        );
    }

    #[test]
    fn a_line_cut_short_is_skipped_and_the_next_starts_fresh() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("fill.jsonl");
        let mut w = Writer::open(&path).expect("open");
        w.append(&record(0)).expect("append");
        drop(w);
        // kill -9 in the middle of a line:
        let mut f = OpenOptions::new().append(true).open(&path).expect("open");
        f.write_all(br#"{"type":"file","ind"#).expect("cut");
        let mut w = Writer::open(&path).expect("reopen");
        w.append(&record(1)).expect("append");
        let mut seen = Vec::new();
        let bad = read(&path, |l| seen.push(l)).expect("read");
        assert_eq!(bad, 1);
        assert_eq!(seen, vec![record(0), record(1)]);
    }
}
