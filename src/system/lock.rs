//! One writer per lab: `up`, `down` and `fill` hold an exclusive `flock` on
//! `<state_dir>/lock` for their whole run (the kernel releases it when the
//! process ends, crash or `kill -9` included). The holder writes who it is
//! into the file, so a second run can say who holds the lab. `status` reads
//! without it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{what} is in use by another zlab ({holder}); wait for it to end, or stop it (lock: {})",
        path.display()
    )]
    Held {
        what: String,
        path: PathBuf,
        holder: String,
    },
    #[error("lock {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The lab's lock file.
pub(crate) fn path(state_dir: &Path) -> PathBuf {
    state_dir.join("lock")
}

/// An exclusive lock, held until dropped.
#[derive(Debug)]
pub(crate) struct Lock {
    _file: File,
}

impl Lock {
    /// Locks the lab whose state lives in `state_dir`, recording `holder`
    /// (pid, command, since when) for whoever tries next.
    pub(crate) fn lab(state_dir: &Path, holder: &str) -> Result<Lock, LockError> {
        let path = path(state_dir);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(state_dir).map_err(io)?;
        loop {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let mut text = String::new();
                    let _ = file.read_to_string(&mut text);
                    return Err(LockError::Held {
                        what: format!("the lab ({})", state_dir.display()),
                        path,
                        holder: text.trim().to_owned(),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
            // A `down` that held it may have removed the file meanwhile:
            // only the file still at the path counts.
            let same = std::fs::metadata(&path)
                .ok()
                .zip(file.metadata().ok())
                .is_some_and(|(a, b)| a.dev() == b.dev() && a.ino() == b.ino());
            if !same {
                continue;
            }
            file.set_len(0).map_err(io)?;
            file.rewind().map_err(io)?;
            file.write_all(holder.as_bytes()).map_err(io)?;
            return Ok(Lock { _file: file });
        }
    }

    /// Locks a directory a fill writes into (a dataset's mountpoint, a
    /// `path:`), which need not be zlab's: the directory itself is locked,
    /// nothing is created in it.
    pub(crate) fn dir(dir: &Path) -> Result<Lock, LockError> {
        let io = |source| LockError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let file = File::open(dir).map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(Lock { _file: file }),
            Err(TryLockError::WouldBlock) => {
                // Nothing of zlab's may be written there: the kernel's lock
                // table says who holds it.
                let holder = file
                    .metadata()
                    .ok()
                    .and_then(|m| {
                        let locks = std::fs::read_to_string("/proc/locks").ok()?;
                        flock_holder(&locks, m.dev(), m.ino())
                    })
                    .map(|pid| {
                        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
                            .map(|b| {
                                String::from_utf8_lossy(&b)
                                    .split('\0')
                                    .filter(|a| !a.is_empty())
                                    .collect::<Vec<_>>()
                                    .join(" ")
                            })
                            .unwrap_or_default();
                        format!("pid {pid}, `{cmdline}`, writes into it")
                    })
                    .unwrap_or_else(|| "another `zlab fill` writes into it".to_owned());
                Err(LockError::Held {
                    what: dir.display().to_string(),
                    path: dir.to_path_buf(),
                    holder,
                })
            }
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

/// The pid holding a `flock` on the file `dev`/`ino`, from `/proc/locks`
/// (`1: FLOCK  ADVISORY  WRITE 2171 fd:00:1311786 0 EOF`: major and minor in
/// hex, the inode in decimal; waiters are marked `->` and skipped).
fn flock_holder(locks: &str, dev: u64, ino: u64) -> Option<u32> {
    // glibc's major and minor of `st_dev`.
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    locks.lines().find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.get(1) != Some(&"FLOCK") {
            return None;
        }
        let mut id = f.get(5)?.split(':');
        let ours = u64::from_str_radix(id.next()?, 16).ok()? == major
            && u64::from_str_radix(id.next()?, 16).ok()? == minor
            && id.next()?.parse::<u64>().ok()? == ino;
        if ours { f.get(4)?.parse().ok() } else { None }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_naming_the_holder() {
        let dir = tempfile::tempdir().expect("tmp");
        let first = Lock::lab(
            dir.path(),
            "pid 42, `zlab up a.yaml`, since 2026-12-01 03:00:00 UTC",
        )
        .expect("first");
        let err = Lock::lab(dir.path(), "pid 43").expect_err("held");
        let text = err.to_string();
        assert!(
            text.contains("pid 42, `zlab up a.yaml`, since 2026-12-01"),
            "{text}"
        );
        drop(first);
        Lock::lab(dir.path(), "pid 43").expect("free once the holder is gone");
    }

    #[test]
    fn a_lock_file_removed_by_its_holder_does_not_let_two_in() {
        let dir = tempfile::tempdir().expect("tmp");
        let first = Lock::lab(dir.path(), "pid 1").expect("first");
        std::fs::remove_file(path(dir.path())).expect("rm");
        // The next one locks the new file; the old lock is on a dead inode.
        let second = Lock::lab(dir.path(), "pid 2").expect("second");
        assert!(Lock::lab(dir.path(), "pid 3").is_err());
        drop((first, second));
    }

    #[test]
    fn a_directory_is_locked_once() {
        let dir = tempfile::tempdir().expect("tmp");
        let first = Lock::dir(dir.path()).expect("first");
        assert!(Lock::dir(dir.path()).is_err());
        drop(first);
        Lock::dir(dir.path()).expect("free");
    }

    #[test]
    fn the_holder_of_a_flock_is_read_from_the_kernels_lock_table() {
        let locks = "1: POSIX  ADVISORY  WRITE 99 fd:00:42 0 EOF\n\
                     2: FLOCK  ADVISORY  WRITE 2171 fd:00:42 0 EOF\n\
                     2: -> FLOCK  ADVISORY  WRITE 2180 fd:00:42 0 EOF\n";
        // st_dev of 253:0 (0xfd:00).
        let dev = 253 << 8;
        assert_eq!(flock_holder(locks, dev, 42), Some(2171));
        assert_eq!(flock_holder(locks, dev, 43), None);
    }

    #[test]
    fn a_locked_directory_names_this_process_as_its_holder() {
        let dir = tempfile::tempdir().expect("tmp");
        let first = Lock::dir(dir.path()).expect("first");
        let text = Lock::dir(dir.path()).expect_err("held").to_string();
        assert!(
            text.contains(&format!("pid {},", std::process::id())),
            "{text}"
        );
        drop(first);
    }
}
