//! Read-only questions about the machine, asked through the `System`.

use std::path::{Path, PathBuf};

use super::System;
use super::command::CommandLine;

/// The loop devices a file is attached to.
pub(crate) fn loops_of(sys: &dyn System, file: &Path) -> Vec<PathBuf> {
    let cmd = CommandLine::new("losetup")
        .args(["--list", "--noheadings", "--output", "NAME", "--associated"])
        .arg(file.to_string_lossy());
    sys.run(&cmd)
        .map(|o| {
            o.stdout
                .lines()
                .map(|l| PathBuf::from(l.trim()))
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn pool_exists(sys: &dyn System, name: &str) -> bool {
    sys.run(
        &CommandLine::new("zpool")
            .args(["list", "-H", "-o", "name"])
            .arg(name),
    )
    .is_ok()
}

pub(crate) fn dataset_exists(sys: &dyn System, name: &str) -> bool {
    sys.run(
        &CommandLine::new("zfs")
            .args(["list", "-H", "-o", "name"])
            .arg(name),
    )
    .is_ok()
}

pub(crate) fn module_loaded(sys: &dyn System, module: &str) -> bool {
    sys.exists(&Path::new("/sys/module").join(module))
}

/// Whether something is mounted on `path` (`/proc/mounts` escapes spaces).
pub(crate) fn is_mounted(sys: &dyn System, path: &Path) -> bool {
    let wanted = path.to_string_lossy().replace(' ', "\\040");
    sys.read_to_string(Path::new("/proc/mounts"))
        .map(|t| {
            t.lines()
                .any(|l| l.split_whitespace().nth(1) == Some(wanted.as_str()))
        })
        .unwrap_or(false)
}

/// A block device's size in bytes.
pub(crate) fn device_size(sys: &dyn System, device: &Path) -> Option<u64> {
    sys.run(
        &CommandLine::new("blockdev")
            .arg("--getsize64")
            .arg(device.to_string_lossy()),
    )
    .ok()
    .and_then(|o| o.stdout.trim().parse().ok())
}
