//! Read-only questions about the machine, asked through the `System`.

use std::path::Path;

use super::command::CommandLine;
use super::{CommandError, System};

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

/// Whether something is mounted on `path`; failing to tell is an error.
pub(crate) fn is_mounted(sys: &dyn System, path: &Path) -> Result<bool, CommandError> {
    Ok(super::mountinfo::at(sys, path)?.is_some())
}

/// A block device's size in bytes; failing to read it is an error.
pub(crate) fn device_size(sys: &dyn System, device: &Path) -> Result<u64, CommandError> {
    let cmd = CommandLine::new("blockdev")
        .arg("--getsize64")
        .arg(device.to_string_lossy());
    let out = sys.run(&cmd)?;
    out.stdout
        .trim()
        .parse()
        .map_err(|_| CommandError::unparsable(&cmd, &out.stdout, "expected a byte count"))
}
