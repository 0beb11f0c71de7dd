//! Which files of a fill are complete: those the log records, checked against
//! the files themselves at the end where an interruption leaves its marks. A
//! file being written when the run stopped has no log line and is rewritten;
//! a logged file that a power cut kept from the disk (files are not synced one
//! by one) is found short or missing among the last minutes' files.
//!
//! Parallel streams finish files out of order, so "complete" is a prefix
//! (every index below `below`) plus the few finished beyond it: memory stays
//! bounded however many files the fill has.

use std::collections::{BTreeSet, VecDeque};
use std::path::Path;

use super::log::{self, Line};
use super::stats::Totals;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Done {
    below: u64,
    above: BTreeSet<u64>,
}

impl Done {
    pub(crate) fn insert(&mut self, index: u64) {
        if index == self.below {
            self.below += 1;
            while self.above.remove(&self.below) {
                self.below += 1;
            }
        } else if index > self.below {
            self.above.insert(index);
        }
    }

    pub(crate) fn contains(&self, index: u64) -> bool {
        index < self.below || self.above.contains(&index)
    }

    pub(crate) fn remove(&mut self, index: u64) {
        if index < self.below {
            self.above.extend(index + 1..self.below);
            self.below = index;
        } else {
            self.above.remove(&index);
        }
    }

    pub(crate) fn count(&self) -> u64 {
        self.below + self.above.len() as u64
    }

    /// The last `tail` files of the prefix and every one beyond it.
    fn recent(&self, tail: u64) -> impl Iterator<Item = u64> + '_ {
        (self.below.saturating_sub(tail)..self.below).chain(self.above.iter().copied())
    }
}

/// The indices still to write, lowest first.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    next: u64,
    total: u64,
    done: Done,
}

impl Pending {
    pub(crate) fn new(done: Done, total: u64) -> Self {
        Pending {
            next: 0,
            total,
            done,
        }
    }
}

impl Iterator for Pending {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        self.next = self.next.max(self.done.below);
        while self.next < self.total && self.done.contains(self.next) {
            self.next += 1;
        }
        (self.next < self.total).then(|| {
            self.next += 1;
            self.next - 1
        })
    }
}

/// How far back before the last logged file a power cut can reach: well past
/// Linux's 30 s dirty expiry and ZFS's 5 s transaction groups.
pub(crate) const UNSYNCED_SECS: f64 = 300.0;

/// At most this many of those files are checked, so that memory stays bounded
/// even for tiny files written fast (1 MiB files at 200 MB/s fill it).
const UNSYNCED_FILES: usize = 1 << 16;

/// What the log says about the fill so far.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub done: Done,
    pub totals: Totals,
    /// Files logged within [`UNSYNCED_SECS`] of the last one, with their end.
    recent: VecDeque<(u64, f64)>,
}

/// Reads the log at `path` (none yet: nothing done); a line cut short by a
/// crash is skipped. Its records feed the totals in order, as `zlab report`
/// feeds its own, with a rolling window of `window` files.
pub(crate) fn scan(path: &Path, window: u32) -> std::io::Result<Scan> {
    let mut s = Scan {
        totals: Totals::new(window),
        ..Scan::default()
    };
    log::read(path, |line| {
        if let Line::Summary(_) = line {
            s.totals.end_of_run();
        }
        if let Line::File(f) = line {
            s.done.insert(f.index);
            s.totals.file(f.start_unix, f.ms, f.bytes);
            let end = f.start_unix + f.ms / 1000.0;
            s.recent.push_back((f.index, end));
            while s.recent.len() > UNSYNCED_FILES
                || s.recent.front().is_some_and(|r| r.1 < end - UNSYNCED_SECS)
            {
                s.recent.pop_front();
            }
        }
    })?;
    Ok(s)
}

/// Drops from `scan.done` the recent files (the last minutes', and at least
/// the last `tail`) that are missing or not `file_size` long in `dir`; the
/// indices dropped, to be written again.
pub(crate) fn verify(
    scan: &mut Scan,
    tail: u64,
    file_size: u64,
    name: impl Fn(u64) -> String,
    dir: &Path,
) -> Vec<u64> {
    let candidates: BTreeSet<u64> = scan
        .done
        .recent(tail)
        .chain(scan.recent.iter().map(|r| r.0))
        .collect();
    let done = &mut scan.done;
    let mut dropped = Vec::new();
    for index in candidates {
        let ok = std::fs::metadata(dir.join(name(index))).is_ok_and(|m| m.len() == file_size);
        if done.contains(index) && !ok {
            done.remove(index);
            dropped.push(index);
        }
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(indices: &[u64]) -> Done {
        let mut d = Done::default();
        for &i in indices {
            d.insert(i);
        }
        d
    }

    #[test]
    fn out_of_order_completions_fold_into_the_prefix() {
        let d = done(&[1, 0, 3, 2, 5]);
        assert_eq!(d.count(), 5);
        assert_eq!(
            d,
            Done {
                below: 4,
                above: [5].into()
            }
        );
    }

    #[test]
    fn pending_skips_complete_files_and_fills_the_holes() {
        // 0–2 and 4 done, 3 was being written when the run stopped.
        let pending: Vec<u64> = Pending::new(done(&[0, 1, 2, 4]), 7).collect();
        assert_eq!(pending, vec![3, 5, 6]);
        assert_eq!(Pending::new(done(&[0, 1]), 2).count(), 0);
    }

    #[test]
    fn a_partial_or_missing_last_file_is_written_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let name = |i: u64| format!("file_{i}");
        for i in 0..4u64 {
            std::fs::write(dir.path().join(name(i)), vec![0u8; 100]).expect("write");
        }
        std::fs::write(dir.path().join(name(2)), vec![0u8; 40]).expect("cut short");
        std::fs::remove_file(dir.path().join(name(3))).expect("rm");
        let mut s = Scan {
            done: done(&[0, 1, 2, 3]),
            ..Scan::default()
        };
        let dropped = verify(&mut s, 3, 100, name, dir.path());
        assert_eq!(dropped, vec![2, 3]);
        assert_eq!(Pending::new(s.done, 5).collect::<Vec<_>>(), vec![2, 3, 4]);
    }

    #[test]
    fn files_of_the_last_minutes_are_checked_however_many() {
        // 100 files logged in the last minute, the first of them lost.
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("fill.jsonl");
        let mut w = log::Writer::open(&path).expect("open");
        for index in 0..100u32 {
            if index > 0 {
                std::fs::write(dir.path().join(format!("f{index}")), [0u8; 10]).expect("file");
            }
            w.append(&Line::File(log::FileRecord {
                index: u64::from(index),
                name: format!("f{index}"),
                bytes: 10,
                start_unix: 1000.0 + f64::from(index) * 0.5,
                ms: 400.0,
                mb_s: 1.0,
                rolling_mb_s: 1.0,
            }))
            .expect("append");
        }
        let mut s = scan(&path, 60).expect("scan");
        let dropped = verify(&mut s, 4, 10, |i| format!("f{i}"), dir.path());
        assert_eq!(dropped, vec![0]);
    }

    #[test]
    fn the_log_tells_which_files_are_complete() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("fill.jsonl");
        let mut w = log::Writer::open(&path).expect("open");
        for index in [0u32, 2, 1] {
            w.append(&Line::File(log::FileRecord {
                index: u64::from(index),
                name: format!("file_{index}"),
                bytes: 10,
                start_unix: 1.0 + f64::from(index),
                ms: 1000.0,
                mb_s: 1.0,
                rolling_mb_s: 1.0,
            }))
            .expect("append");
        }
        let s = scan(&path, 60).expect("scan");
        assert_eq!(s.done.count(), 3);
        assert_eq!(Pending::new(s.done, 4).collect::<Vec<_>>(), vec![3]);
        assert!(
            scan(&dir.path().join("none.jsonl"), 60)
                .expect("empty")
                .done
                .count()
                == 0
        );
    }
}
