//! A scripted fake for unit tests: it answers scripted commands in order,
//! fails on anything unexpected, and fails the test when dropped with scripted
//! commands never run. It is not a ZFS simulator — the qemu rig is the
//! proof that steps work; this only pins down which commands a plan runs.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use super::{CommandError, Output, System};
use crate::system::command::CommandLine;

#[derive(Debug, Default)]
pub(crate) struct FakeSystem {
    expected: RefCell<VecDeque<(String, Result<Output, String>)>>,
    files: RefCell<HashMap<PathBuf, Vec<u8>>>,
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
        self.expected
            .borrow_mut()
            .push_back((command.to_owned(), Ok(out)));
        self
    }

    /// Expects `command` next, failing with `stderr`.
    pub(crate) fn expect_failure(&self, command: &str, stderr: &str) -> &Self {
        self.expected
            .borrow_mut()
            .push_back((command.to_owned(), Err(stderr.to_owned())));
        self
    }
}

impl Drop for FakeSystem {
    /// A test must see every command it scripted run (unless it already failed).
    fn drop(&mut self) {
        let left: Vec<String> = self
            .expected
            .borrow()
            .iter()
            .map(|(c, _)| c.clone())
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
            Some((want, answer)) if want == shown => {
                answer.map_err(|stderr| CommandError::Failed {
                    command: shown,
                    status: "status 1".into(),
                    stderr,
                })
            }
            Some((want, _)) => {
                panic!("unexpected command\n  ran:      {shown}\n  expected: {want}")
            }
            None => panic!("unexpected command (none expected): {shown}"),
        }
    }

    fn zero(&self, _device: &Path, _offset: u64, _len: u64) -> Result<(), CommandError> {
        Ok(())
    }

    fn exists(&self, path: &Path) -> bool {
        self.files.borrow().contains_key(path)
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
}
