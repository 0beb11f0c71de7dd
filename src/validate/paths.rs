//! Paths a scenario may use: nothing under the kernel's own trees, never `/`
//! itself, no `..`, and (when this machine can be looked at) nothing that is
//! already a device, a directory where a file goes, or a pseudo filesystem.
//!
//! zlab creates, truncates, wipes and removes what these paths name. A path
//! like `/dev/loop0`, `/proc`, or `/tmp/link-to-dev/sda` must never reach that
//! code, whatever `force:` says. The run-time checks (identity in the journal,
//! refusing foreign files) are the executor's; these are the ones that can be
//! made before anything runs, each located at the value at fault.

use std::path::{Component, Path, PathBuf};

use super::Checker;
use crate::diag::Span;
use crate::scenario::node::Located;

/// The kernel's trees: writing there talks to devices and the kernel, not files.
const SYSTEM_TREES: &[&str] = &["/dev", "/proc", "/sys"];

/// Filesystems that hold no files of their own.
const PSEUDO_FS: &[&str] = &[
    "devtmpfs",
    "proc",
    "sysfs",
    "cgroup",
    "cgroup2",
    "debugfs",
    "tracefs",
    "securityfs",
    "configfs",
    "efivarfs",
    "bpf",
    "pstore",
    "devpts",
    "mqueue",
    "hugetlbfs",
    "fusectl",
    "binfmt_misc",
];

/// What a path is for, which decides the rules that apply.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// `sparse.dir`: zlab creates files in it.
    SparseDir,
    /// `fills[].path`: zlab writes numbered files in it.
    FillDir,
    /// A partition's `mount`, a pool's `mountpoint`: something is mounted over it.
    MountPoint,
    /// `state_dir`: the journal lives there, and `down` removes it.
    StateDir,
    /// `altroot`: a prefix for the pool's mount points.
    Altroot,
    /// `disk.paths[]`: a real block device, under `/dev` by design.
    Disk,
}

impl Role {
    fn words(self) -> &'static str {
        match self {
            Role::SparseDir => "backing files",
            Role::FillDir => "fill files",
            Role::MountPoint => "mount points",
            Role::StateDir => "the state directory",
            Role::Altroot => "the pool's altroot",
            Role::Disk => "disks",
        }
    }
}

impl Checker<'_> {
    /// Every rule on one path of the scenario; false when one failed.
    pub(super) fn safe_path(&mut self, p: &Located<PathBuf>, field: &str, role: Role) -> bool {
        let path = &p.value;
        if path.components().any(|c| c == Component::ParentDir) {
            self.error(
                p.at,
                field,
                format!("`{}` contains `..`", path.display()),
                "write the path without `..`: zlab compares paths by their text, and `..` would let two spellings name one file".to_owned(),
            );
            return false;
        }
        if !path.is_absolute() || role == Role::Disk {
            return true; // relative: reported once by `absolute`; disks are safety's
        }
        if path.parent().is_none() {
            self.error(
                p.at,
                field,
                format!("{} cannot be in `/` itself", role.words()),
                "use a directory of its own, e.g. /var/tmp/zlab/lab".to_owned(),
            );
            return false;
        }
        if let Some(tree) = system_tree(path) {
            self.error(p.at, field, kernel_tree_message(path, tree), format!("put {} in an ordinary directory, e.g. /var/tmp/zlab/lab; real disks are declared in a `disk:` group", role.words()));
            return false;
        }
        !self.host.look_at_paths || self.safe_on_host(p, field, role)
    }

    /// The rules on where a path really is on this machine: a symbolic link
    /// or mount can still lead into a kernel tree; false when one failed.
    fn safe_on_host(&mut self, p: &Located<PathBuf>, field: &str, role: Role) -> bool {
        let path = &p.value;
        let real = real_path(path);
        if let Some(tree) = real.as_deref().and_then(system_tree) {
            self.error(
                p.at,
                field,
                format!(
                    "{} leads into {tree} through a symbolic link",
                    path.display()
                ),
                format!("put {} in an ordinary directory", role.words()),
            );
            return false;
        }
        if let Some(fs) = self.host.fstype(path)
            && PSEUDO_FS.contains(&fs)
        {
            self.error(
                p.at,
                field,
                format!("{} is on {fs}, which holds no files", path.display()),
                format!("put {} in an ordinary directory", role.words()),
            );
            return false;
        }
        if matches!(role, Role::SparseDir | Role::FillDir | Role::StateDir)
            && let Some(kind) = existing_kind(path)
            && kind != Kind::Dir
        {
            self.error(
                p.at,
                field,
                format!(
                    "{} exists and is {}, not a directory",
                    path.display(),
                    kind.words()
                ),
                "give a directory, or a path that does not exist yet".to_owned(),
            );
            return false;
        }
        true
    }

    /// A sparse backing file about to be created by `truncate`: on this machine
    /// it must not already be a device, a directory or a FIFO.
    pub(super) fn sparse_member(&mut self, path: &Path, at: Span, field: &str) {
        // Under a kernel tree `dir` is refused already, whatever is there.
        if !self.host.look_at_paths || system_tree(path).is_some() {
            return;
        }
        if let Some(kind) = existing_kind(path)
            && kind != Kind::File
        {
            self.error(
                at,
                field,
                format!("{} exists and is {}", path.display(), kind.words()),
                "backing files are created by zlab: choose names that are free in `dir`".to_owned(),
            );
        }
    }
}

/// `/dev`, `/proc` or `/sys` if `path` is one of them or below. `/dev/shm` is
/// the exception: a tmpfs for files by design (its filesystem is still checked
/// on this machine, like any other directory's).
fn system_tree(path: &Path) -> Option<&'static str> {
    if path.starts_with("/dev/shm") {
        return None;
    }
    SYSTEM_TREES
        .iter()
        .find(|tree| path.starts_with(tree))
        .copied()
}

/// "/dev is …" or "/dev/x is inside /dev, …".
fn kernel_tree_message(path: &Path, tree: &str) -> String {
    if path == Path::new(tree) {
        format!("{tree} is the kernel's own tree of devices and state")
    } else {
        format!(
            "{} is inside {tree}, the kernel's own tree of devices and state",
            path.display()
        )
    }
}

/// `path` with every symbolic link resolved: its nearest existing ancestor
/// made canonical, the rest appended.
fn real_path(path: &Path) -> Option<PathBuf> {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return Some(
                rest.iter()
                    .rev()
                    .fold(real, |p, c: &std::ffi::OsString| p.join(c)),
            );
        }
        rest.push(existing.file_name()?.to_owned());
        if !existing.pop() {
            return None;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Block,
    Char,
    Other,
}

impl Kind {
    fn words(self) -> &'static str {
        match self {
            Kind::File => "a file",
            Kind::Dir => "a directory",
            Kind::Block => "a block device",
            Kind::Char => "a character device",
            Kind::Other => "a FIFO or socket",
        }
    }
}

/// What already exists at `path` (links followed), if anything.
fn existing_kind(path: &Path) -> Option<Kind> {
    use std::os::unix::fs::FileTypeExt as _;
    let t = std::fs::metadata(path).ok()?.file_type();
    Some(if t.is_file() {
        Kind::File
    } else if t.is_dir() {
        Kind::Dir
    } else if t.is_block_device() {
        Kind::Block
    } else if t.is_char_device() {
        Kind::Char
    } else {
        Kind::Other
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_trees_are_recognised_by_component() {
        assert_eq!(system_tree(Path::new("/dev/loop0")), Some("/dev"));
        assert_eq!(system_tree(Path::new("/proc")), Some("/proc"));
        assert_eq!(system_tree(Path::new("/sys/block")), Some("/sys"));
        assert_eq!(system_tree(Path::new("/devices/x")), None);
        assert_eq!(system_tree(Path::new("/var/tmp/dev")), None);
        assert_eq!(system_tree(Path::new("/dev/shm/zlab")), None);
    }

    #[test]
    fn real_path_follows_links_of_existing_ancestors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let link = dir.path().join("l");
        std::os::unix::fs::symlink("/dev", &link).expect("symlink");
        assert_eq!(
            real_path(&link.join("not-yet/x")),
            Some(PathBuf::from("/dev/not-yet/x"))
        );
    }

    #[test]
    fn existing_kinds() {
        assert_eq!(existing_kind(Path::new("/dev/null")), Some(Kind::Char));
        assert_eq!(existing_kind(Path::new("/")), Some(Kind::Dir));
        assert_eq!(existing_kind(Path::new("/nonexistent/zlab")), None);
    }
}
