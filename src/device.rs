//! How a device is named before and after it exists: a known path, a loop
//! device bound to a shell variable at run time, or a partition of either.
//! The lowest layer: plans, commands and the system all speak of devices so.

use std::fmt;
use std::path::PathBuf;

/// A device as the plan knows it: a path, or a name bound at run time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DevicePath {
    /// Known before anything runs: `/dev/ram0`, `/dev/sdb`, a file used as a vdev.
    Known(PathBuf),
    /// A loop device, known once `losetup --find --show` has answered; `var` is
    /// the shell variable it is bound to (`disks_3`).
    Loop { var: String },
    /// A volume (zvol), known once it exists and its `/dev/zdN` is found;
    /// `var` is the shell variable it is bound to (`vol1_zvol`).
    Volume { var: String },
    /// Partition `number` of `parent` (`/dev/loop3p1`, `/dev/ram0p2`, `/dev/sdb1`).
    Part {
        parent: Box<DevicePath>,
        number: u32,
    },
}

impl DevicePath {
    /// The path once run-time names are known; `bind` answers for loop variables.
    pub(crate) fn resolve(&self, bind: &dyn Fn(&str) -> Option<PathBuf>) -> Option<PathBuf> {
        match self {
            DevicePath::Known(p) => Some(p.clone()),
            DevicePath::Loop { var } | DevicePath::Volume { var } => bind(var),
            DevicePath::Part { parent, number } => {
                let parent = parent.resolve(bind)?;
                Some(PathBuf::from(partition_path(
                    &parent.to_string_lossy(),
                    *number,
                )))
            }
        }
    }
}

impl DevicePath {
    /// Whether the path is known only once zlab runs (a loop device or its partition).
    pub(crate) fn is_runtime(&self) -> bool {
        match self {
            DevicePath::Known(_) => false,
            DevicePath::Loop { .. } | DevicePath::Volume { .. } => true,
            DevicePath::Part { parent, .. } => parent.is_runtime(),
        }
    }
}

/// Linux names partitions `sdb1` but `loop3p1`, `nvme0n1p1`, `ram0p1`: a `p` when
/// the disk's name ends in a digit.
pub(crate) fn partition_path(disk: &str, number: u32) -> String {
    if disk.ends_with(|c: char| c.is_ascii_digit()) {
        format!("{disk}p{number}")
    } else {
        format!("{disk}{number}")
    }
}

impl fmt::Display for DevicePath {
    /// Run-time names render as shell variables, the same in every plan format.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DevicePath::Known(p) => write!(f, "{}", p.display()),
            DevicePath::Loop { var } | DevicePath::Volume { var } => write!(f, "${{{var}}}"),
            DevicePath::Part { parent, number } => match parent.as_ref() {
                // Both are named like `loop3` and `zd0`: a digit, then `p`.
                DevicePath::Loop { var } | DevicePath::Volume { var } => {
                    write!(f, "${{{var}}}p{number}")
                }
                other => f.write_str(&partition_path(&other.to_string(), *number)),
            },
        }
    }
}

/// The shell variable the volume `name` (an identifier) is bound to:
/// `{name}_zvol`, never a loop variable, which ends in `_` and a number.
pub(crate) fn volume_var(name: &str) -> String {
    format!("{name}_zvol")
}

/// The shell variable the `index`th loop device of group `group` is bound to:
/// `{group}_{index}` (a group name is an identifier, so this is one too).
pub(crate) fn loop_var(group: &str, index: usize) -> String {
    format!("{group}_{index}")
}
