//! The one undo table: what undoes each kind of resource a step makes, in
//! the order to run it. `zlab plan` shows it as the teardown; `zlab down`
//! runs it for what the journal proves is still the lab's.

use std::path::PathBuf;

use crate::device::DevicePath;
use crate::system::command::CommandLine;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Undo {
    DestroyPool(String),
    /// A volume by its full name (`pool/vol`); its partitions go with it.
    DestroyVolume(String),
    Unmount(PathBuf),
    UnloadBrd,
    /// A loop device: `${d_0}` in a plan, `/dev/loop4` once found by identity.
    Detach(DevicePath),
    RemoveFile(PathBuf),
    /// Only the leaf, and only once empty: the directory may hold more.
    RemoveDir(PathBuf),
}

impl Undo {
    pub(crate) fn command(&self) -> CommandLine {
        let path = |p: &PathBuf| p.to_string_lossy().into_owned();
        match self {
            Undo::DestroyPool(name) => CommandLine::new("zpool").arg("destroy").arg(name.clone()),
            Undo::DestroyVolume(name) => CommandLine::new("zfs").arg("destroy").arg(name.clone()),
            Undo::Unmount(p) => CommandLine::new("umount").arg(path(p)),
            Undo::UnloadBrd => CommandLine::new("rmmod").arg("brd"),
            Undo::Detach(device) => CommandLine::new("losetup").arg("--detach").dev(device),
            Undo::RemoveFile(p) => CommandLine::new("rm").arg("-f").arg(path(p)),
            Undo::RemoveDir(p) => CommandLine::new("rmdir")
                .arg("--ignore-fail-on-non-empty")
                .arg(path(p)),
        }
    }
}
