//! A scripted fake for unit tests: it answers scripted commands in order,
//! fails on anything unexpected, and fails the test when dropped with scripted
//! commands never run. It is not a ZFS simulator — the qemu rig is the
//! proof that steps work; this only pins down which commands a plan runs.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use super::command::CommandLine;
use super::{CommandError, FileKind, FileStat, Output, System};

#[derive(Debug, Default)]
pub(crate) struct FakeSystem {
    expected: RefCell<VecDeque<Expected>>,
    files: RefCell<HashMap<PathBuf, Vec<u8>>>,
    stats: RefCell<HashMap<PathBuf, FileStat>>,
}

#[derive(Debug)]
struct Expected {
    command: String,
    answer: Result<Output, String>,
    /// What `stat` answers for a path once the command has run.
    then: Vec<(PathBuf, Option<FileStat>)>,
}

impl FakeSystem {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Expects `command` (as rendered) next, answering with `stdout`.
    pub(crate) fn expect(&self, command: &str, stdout: &str) -> &Self {
        let out = Output {
            stdout: stdout.to_owned(),
            stderr: String::new(),
        };
        self.expected.borrow_mut().push_back(Expected {
            command: command.to_owned(),
            answer: Ok(out),
            then: Vec::new(),
        });
        self
    }

    /// Expects `command` next, failing with `stderr`.
    pub(crate) fn expect_failure(&self, command: &str, stderr: &str) -> &Self {
        self.expected.borrow_mut().push_back(Expected {
            command: command.to_owned(),
            answer: Err(stderr.to_owned()),
            then: Vec::new(),
        });
        self
    }

    /// After the last expected command has run, `stat` of `path` answers `stat`
    /// (`None`: gone): a file the command created or removed.
    pub(crate) fn then_stat(&self, path: &str, stat: Option<FileStat>) -> &Self {
        if let Some(last) = self.expected.borrow_mut().back_mut() {
            last.then.push((PathBuf::from(path), stat));
        }
        self
    }

    /// `stat` of `path` answers `stat` from now on.
    pub(crate) fn set_stat(&self, path: &str, stat: FileStat) -> &Self {
        self.stats.borrow_mut().insert(PathBuf::from(path), stat);
        self
    }

    /// A regular file on device 1 (for `set_stat`/`then_stat`).
    pub(crate) fn file(ino: u64, size: u64) -> FileStat {
        FileStat {
            kind: FileKind::Regular,
            dev: 1,
            ino,
            size,
        }
    }

    /// A directory on device 1.
    pub(crate) fn dir(ino: u64) -> FileStat {
        FileStat {
            kind: FileKind::Dir,
            dev: 1,
            ino,
            size: 4096,
        }
    }
}

impl Drop for FakeSystem {
    /// A test must see every command it scripted run (unless it already failed).
    fn drop(&mut self) {
        let left: Vec<String> = self
            .expected
            .borrow()
            .iter()
            .map(|e| e.command.clone())
            .collect();
        if !std::thread::panicking() {
            assert!(left.is_empty(), "expected commands never ran: {left:#?}");
        }
    }
}

impl System for FakeSystem {
    fn run(&self, command: &CommandLine) -> Result<Output, CommandError> {
        let shown = command.to_string();
        let next = self.expected.borrow_mut().pop_front();
        match next {
            Some(e) if e.command == shown => {
                let mut stats = self.stats.borrow_mut();
                for (path, stat) in e.then {
                    match stat {
                        Some(s) => stats.insert(path, s),
                        None => stats.remove(&path),
                    };
                }
                e.answer.map_err(|stderr| CommandError::Failed {
                    command: shown,
                    status: "status 1".into(),
                    stderr,
                })
            }
            Some(e) => {
                panic!(
                    "unexpected command\n  ran:      {shown}\n  expected: {}",
                    e.command
                )
            }
            None => panic!("unexpected command (none expected): {shown}"),
        }
    }

    fn zero(&self, _device: &Path, _offset: u64, _len: u64) -> Result<(), CommandError> {
        Ok(())
    }

    fn exists(&self, path: &Path) -> bool {
        self.files.borrow().contains_key(path) || self.stats.borrow().contains_key(path)
    }

    fn write_atomic(&self, path: &Path, content: &[u8]) -> Result<(), CommandError> {
        self.files
            .borrow_mut()
            .insert(path.to_path_buf(), content.to_vec());
        Ok(())
    }

    fn read_to_string(&self, path: &Path) -> Result<String, CommandError> {
        self.files
            .borrow()
            .get(path)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .ok_or_else(|| CommandError::Io {
                action: "read",
                path: path.to_path_buf(),
                source: std::io::ErrorKind::NotFound.into(),
            })
    }

    fn remove_file(&self, path: &Path) -> Result<(), CommandError> {
        self.files.borrow_mut().remove(path);
        Ok(())
    }

    fn stat(&self, path: &Path) -> Result<Option<FileStat>, CommandError> {
        Ok(self.stats.borrow().get(path).copied())
    }
}
