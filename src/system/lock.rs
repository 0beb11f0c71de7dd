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

    /// Locks a directory zlab writes into that is not its own (a fill's
    /// `path:` target): the directory itself is locked, nothing is created in it.
    pub(crate) fn dir(dir: &Path) -> Result<Lock, LockError> {
        let io = |source| LockError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let file = File::open(dir).map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(Lock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LockError::Held {
                what: dir.display().to_string(),
                path: dir.to_path_buf(),
                holder: "another `zlab fill` writes into it".to_owned(),
            }),
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }
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
}
