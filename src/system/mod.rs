//! The seam between zlab and the machine: every command and file action goes
//! through [`System`], so a plan can run against the real machine ([`real`]) or a
//! scripted fake (`fake`) in unit tests.

pub(crate) mod command;
#[cfg(test)]
pub(crate) mod fake;
pub(crate) mod lock;
pub(crate) mod mountinfo;
pub(crate) mod preflight;
pub(crate) mod probe;
pub(crate) mod real;

pub(crate) use preflight::{PreflightError, preflight};

use std::path::Path;

use crate::system::command::CommandLine;

/// What a finished command printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("`{command}` exited with {status}: {}", stderr.trim())]
    Failed {
        command: String,
        status: String,
        stderr: String,
    },
    #[error("could not start `{command}`: {source}")]
    Spawn {
        command: String,
        source: std::io::Error,
    },
    #[error("`{command}` printed what zlab cannot read ({reason}): {}", output.trim())]
    Unparsable {
        command: String,
        reason: String,
        output: String,
    },
    #[error("`{command}` still names a run-time device that is not known")]
    Unresolved { command: String },
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl CommandError {
    /// `command`'s output did not parse as it should.
    pub(crate) fn unparsable(command: &CommandLine, output: &str, reason: impl ToString) -> Self {
        CommandError::Unparsable {
            command: command.to_string(),
            reason: reason.to_string(),
            output: output.to_owned(),
        }
    }
}

/// Everything zlab does to a machine.
pub trait System {
    /// Runs a fully resolved command; a non-zero exit is an error carrying stderr.
    fn run(&self, command: &CommandLine) -> Result<Output, CommandError>;

    /// Writes zeros over `len` bytes at `offset` of a device (wipes).
    fn zero(&self, device: &Path, offset: u64, len: u64) -> Result<(), CommandError>;

    /// Whether a path exists.
    fn exists(&self, path: &Path) -> bool;

    /// Replaces a file's content atomically (temp file, fsync, rename): the journal.
    fn write_atomic(&self, path: &Path, content: &[u8]) -> Result<(), CommandError>;

    fn read_to_string(&self, path: &Path) -> Result<String, CommandError>;

    fn remove_file(&self, path: &Path) -> Result<(), CommandError>;

    /// What a path is, without following a last symlink (`lstat`); `None` if
    /// nothing is there. Ownership is proved by these facts, never by names.
    fn stat(&self, path: &Path) -> Result<Option<FileStat>, CommandError>;
}

/// What `lstat` says about a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    pub kind: FileKind,
    /// `st_dev`: the filesystem's device.
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Regular,
    Dir,
    Symlink,
    BlockDevice,
    Other,
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileKind::Regular => "a regular file",
            FileKind::Dir => "a directory",
            FileKind::Symlink => "a symbolic link",
            FileKind::BlockDevice => "a block device",
            FileKind::Other => "a special file",
        })
    }
}
