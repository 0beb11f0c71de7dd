//! The real machine: commands through `duct`, files through `std::fs`.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use super::command::CommandLine;
use super::{CommandError, FileKind, FileStat, Output, System};

/// Runs commands with `LC_ALL=C` so their output parses the same everywhere.
#[derive(Debug, Default)]
pub(crate) struct RealSystem;

impl System for RealSystem {
    fn run(&self, command: &CommandLine) -> Result<Output, CommandError> {
        let shown = command.to_string();
        let (program, args) = command.literal().ok_or_else(|| CommandError::Unresolved {
            command: shown.clone(),
        })?;
        let out = duct::cmd(program, args)
            .env("LC_ALL", "C")
            .stdin_null()
            .stdout_capture()
            .stderr_capture()
            .unchecked()
            .run()
            .map_err(|source| CommandError::Spawn {
                command: shown.clone(),
                source,
            })?;
        let output = Output {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        if out.status.success() {
            Ok(output)
        } else {
            let status = out
                .status
                .code()
                .map_or_else(|| "a signal".to_owned(), |c| format!("status {c}"));
            Err(CommandError::Failed {
                command: shown,
                status,
                stderr: output.stderr,
            })
        }
    }

    fn zero(&self, device: &Path, offset: u64, len: u64) -> Result<(), CommandError> {
        let io = |source| CommandError::Io {
            action: "zero",
            path: device.to_path_buf(),
            source,
        };
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(device)
            .map_err(io)?;
        f.seek(SeekFrom::Start(offset)).map_err(io)?;
        let block = vec![0u8; 1 << 20];
        let mut left = len;
        while left > 0 {
            let n = usize::try_from(left.min(block.len() as u64)).unwrap_or(block.len());
            f.write_all(&block[..n]).map_err(io)?;
            left -= n as u64;
        }
        f.sync_all().map_err(io)
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn write_atomic(&self, path: &Path, content: &[u8]) -> Result<(), CommandError> {
        let io = |source| CommandError::Io {
            action: "write",
            path: path.to_path_buf(),
            source,
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        tmp.write_all(content).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(path).map_err(|e| io(e.error))?;
        // The rename is durable only once the directory is synced too.
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io)
    }

    fn read_to_string(&self, path: &Path) -> Result<String, CommandError> {
        std::fs::read_to_string(path).map_err(|source| CommandError::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })
    }

    fn remove_file(&self, path: &Path) -> Result<(), CommandError> {
        std::fs::remove_file(path).map_err(|source| CommandError::Io {
            action: "remove",
            path: path.to_path_buf(),
            source,
        })
    }

    fn stat(&self, path: &Path) -> Result<Option<FileStat>, CommandError> {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(CommandError::Io {
                    action: "inspect",
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let t = meta.file_type();
        let kind = if t.is_file() {
            FileKind::Regular
        } else if t.is_dir() {
            FileKind::Dir
        } else if t.is_symlink() {
            FileKind::Symlink
        } else if t.is_block_device() {
            FileKind::BlockDevice
        } else {
            FileKind::Other
        };
        Ok(Some(FileStat {
            kind,
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
        }))
    }
}
