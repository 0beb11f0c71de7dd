//! Checks made before acting: root, the tools a plan needs, the ZFS module.
//! They only look; nothing is loaded or changed.

use std::path::Path;

/// An unmet precondition of acting on this machine.
#[derive(Debug, thiserror::Error)]
pub enum PreflightError {
    #[error("`{program}` is not installed (it comes with the Debian package `{package}`)")]
    MissingTool { program: String, package: String },

    #[error(
        "`zlab {command}` needs root: it creates loop devices, loads modules and creates pools"
    )]
    NotRoot { command: &'static str },
}

/// Fails with the first unmet precondition of running `programs` as root.
pub(crate) fn preflight(
    command: &'static str,
    programs: Vec<String>,
) -> Result<(), PreflightError> {
    if !is_root() {
        return Err(PreflightError::NotRoot { command });
    }
    for program in programs {
        if find_in_path(&program).is_none() {
            return Err(PreflightError::MissingTool {
                package: package_of(&program).to_owned(),
                program,
            });
        }
    }
    Ok(())
}

/// Effective uid 0, read from `/proc/self/status` (no libc needed).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .is_some_and(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2))
                .is_some_and(|euid| euid == "0")
        })
}

fn find_in_path(program: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(Into::into))
        .map(|dir| dir.join(program))
        .find(|p| Path::new(p).is_file())
}

/// The Debian package that ships a program, for "install X" hints.
fn package_of(program: &str) -> &'static str {
    match program {
        "zpool" | "zfs" => "zfsutils-linux",
        "losetup" | "wipefs" | "blockdev" | "mount" | "umount" | "partx" => "util-linux",
        "parted" => "parted",
        "modprobe" | "rmmod" => "kmod",
        "mkfs.ext4" => "e2fsprogs",
        "mkfs.xfs" => "xfsprogs",
        _ => "coreutils",
    }
}
