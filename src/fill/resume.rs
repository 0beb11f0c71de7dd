//! Which files of a fill are complete: those the log records, checked against
//! the files themselves at the end where an interruption leaves its marks. A
//! file being written when the run stopped has no log line and is rewritten.
//!
//! Parallel streams finish files out of order, so "complete" is a prefix
//! (every index below `below`) plus the few finished beyond it: memory stays
//! bounded however many files the fill has.

use std::collections::BTreeSet;
use std::path::Path;

use super::log::{self, Line};
use super::stats::Totals;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Done {
    below: u64,
    above: BTreeSet<u64>,
}

impl Done {
    pub fn insert(&mut self, index: u64) {
        if index == self.below {
            self.below += 1;
            while self.above.remove(&self.below) {
                self.below += 1;
            }
        } else if index > self.below {
            self.above.insert(index);
        }
    }

    pub fn contains(&self, index: u64) -> bool {
        index < self.below || self.above.contains(&index)
    }

    pub fn remove(&mut self, index: u64) {
        if index < self.below {
            self.above.extend(index + 1..self.below);
            self.below = index;
        } else {
            self.above.remove(&index);
        }
    }

    pub fn count(&self) -> u64 {
        self.below + self.above.len() as u64
    }

    /// The complete files a crash could have touched: the last `tail` of the
    /// prefix and every one beyond it.
    fn recent(&self, tail: u64) -> Vec<u64> {
        (self.below.saturating_sub(tail)..self.below)
            .chain(self.above.iter().copied())
            .collect()
    }
}

/// The indices still to write, lowest first.
#[derive(Debug, Clone)]
pub struct Pending {
    next: u64,
    total: u64,
    done: Done,
}

impl Pending {
    pub fn new(done: Done, total: u64) -> Self {
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

/// What the log says about the fill so far.
#[derive(Debug, Default)]
pub struct Scan {
    pub done: Done,
    pub totals: Totals,
    /// Lines that did not parse (cut short by a crash).
    pub bad_lines: usize,
}

/// Reads the log at `path` (none yet: nothing done).
pub fn scan(path: &Path) -> std::io::Result<Scan> {
    let mut s = Scan::default();
    s.bad_lines = log::read(path, |line| {
        if let Line::File(f) = line {
            s.done.insert(f.index);
            s.totals.add(f.start_unix, f.ms, f.rolling_mb_s, f.bytes);
        }
    })?;
    Ok(s)
}

/// Drops from `done` the recent files that are missing or not `file_size`
/// long in `dir`; the indices dropped, to be written again.
pub fn verify(
    done: &mut Done,
    tail: u64,
    file_size: u64,
    name: impl Fn(u64) -> String,
    dir: &Path,
) -> Vec<u64> {
    let mut dropped = Vec::new();
    for index in done.recent(tail) {
        let ok = std::fs::metadata(dir.join(name(index))).is_ok_and(|m| m.len() == file_size);
        if !ok {
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
        let mut d = done(&[0, 1, 2, 3]);
        let dropped = verify(&mut d, 3, 100, name, dir.path());
        assert_eq!(dropped, vec![2, 3]);
        assert_eq!(Pending::new(d, 5).collect::<Vec<_>>(), vec![2, 3, 4]);
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
        let s = scan(&path).expect("scan");
        assert_eq!(s.done.count(), 3);
        assert_eq!(Pending::new(s.done, 4).collect::<Vec<_>>(), vec![3]);
        assert!(
            scan(&dir.path().join("none.jsonl"))
                .expect("empty")
                .done
                .count()
                == 0
        );
    }
}
