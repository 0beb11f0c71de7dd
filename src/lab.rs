//! The validated lab: every reference resolved, every device known, ready to plan.
//!
//! `validate` turns a [`Scenario`](crate::scenario::Scenario) into a [`Lab`] only
//! when no rule is broken, so the planner never has to re-check anything.

use std::fmt;
use std::path::PathBuf;

use crate::scenario::model::{Bound, FillTarget, FsKind, LabelKind, WipeMode};
use crate::scenario::size::Size;
use crate::zfs::vdev::ResolvedVdev;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Lab {
    pub name: String,
    pub file: PathBuf,
    /// Where the state journal lives (`/var/lib/zlab/<lab>` unless set).
    pub state_dir: PathBuf,
    pub groups: Vec<Group>,
    pub wipes: Vec<WipeAction>,
    pub tables: Vec<Table>,
    pub pools: Vec<PoolSpec>,
    pub fills: Vec<FillSpec>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Group {
    pub name: String,
    pub source: Source,
    pub members: Vec<Device>,
}

/// How a group's devices come to exist.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// `truncate` each file; with `attach`, `losetup` each onto a loop device.
    Sparse {
        files: Vec<PathBuf>,
        size: Size,
        attach: bool,
        sector_size: Option<u32>,
        /// Scan partitions (`losetup --partscan`): a partition table is declared on one.
        partscan: bool,
    },
    /// `modprobe brd rd_nr=count rd_size=KiB max_part=max_part`.
    Ram {
        count: u32,
        size: Size,
        max_part: u32,
    },
    /// Existing block devices, used only with the scenario's opt-in.
    Disk { force: bool },
}

/// A device as the plan knows it: a path, or a name bound at run time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DevicePath {
    /// Known before anything runs: `/dev/ram0`, `/dev/sdb`, a file used as a vdev.
    Known(PathBuf),
    /// A loop device, known once `losetup --find --show` has answered; `var` is
    /// the shell variable it is bound to (`disks_3`).
    Loop { var: String },
    /// Partition `number` of `parent` (`/dev/loop3p1`, `/dev/ram0p2`, `/dev/sdb1`).
    Part {
        parent: Box<DevicePath>,
        number: u32,
    },
}

impl DevicePath {
    /// The path once run-time names are known; `bind` answers for loop variables.
    pub fn resolve(&self, bind: &dyn Fn(&str) -> Option<PathBuf>) -> Option<PathBuf> {
        match self {
            DevicePath::Known(p) => Some(p.clone()),
            DevicePath::Loop { var } => bind(var),
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
    pub fn is_runtime(&self) -> bool {
        match self {
            DevicePath::Known(_) => false,
            DevicePath::Loop { .. } => true,
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
            DevicePath::Loop { var } => write!(f, "${{{var}}}"),
            DevicePath::Part { parent, number } => match parent.as_ref() {
                DevicePath::Loop { var } => write!(f, "${{{var}}}p{number}"),
                other => f.write_str(&partition_path(&other.to_string(), *number)),
            },
        }
    }
}

/// One device with what is known about it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Device {
    /// How the scenario names it: `disks[3]`, `slog_a`.
    pub label: String,
    pub path: DevicePath,
    /// Known for sparse files and RAM disks; real disks are measured at run time.
    pub size: Option<Size>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct WipeAction {
    pub device: Device,
    pub mode: WipeMode,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Table {
    pub device: Device,
    pub label: LabelKind,
    pub parts: Vec<PartSpec>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PartSpec {
    pub device: Device,
    pub number: u32,
    pub start: Bound,
    pub end: Bound,
    pub fs: Option<FsKind>,
    pub mount: Option<PathBuf>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PoolSpec {
    pub name: String,
    pub ashift: Option<u8>,
    pub data: Vec<VdevSpec>,
    pub log: Vec<VdevSpec>,
    pub special: Vec<VdevSpec>,
    pub cache: Vec<Device>,
    pub spares: Vec<Device>,
    pub properties: Vec<(String, String)>,
    pub root: Vec<(String, String)>,
    pub mountpoint: Option<String>,
    pub altroot: Option<PathBuf>,
    pub force: bool,
    pub datasets: Vec<DatasetSpec>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct VdevSpec {
    pub kind: ResolvedVdev,
    pub devices: Vec<Device>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DatasetSpec {
    /// Full name: `pool/Data`.
    pub name: String,
    pub properties: Vec<(String, String)>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct FillSpec {
    pub target: FillDir,
    pub until: FillTarget,
    pub file_size: Size,
    pub buffer: Size,
    pub pattern: String,
    pub streams: u32,
    pub window: u32,
    pub direct: bool,
    pub during: Vec<(String, String)>,
    /// `None`: restore the values found before the fill.
    pub after: Option<Vec<(String, String)>>,
    /// Pool space one file is charged (parity, padding, deflation), when the
    /// capacity planner knows the pool: a percentage target counts in it, so
    /// the run stops where `zlab capacity` and the plan say it will.
    #[serde(skip)]
    pub charge_per_file: Option<u64>,
}

#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FillDir {
    /// A dataset (its pool's capacity makes `75%` meaningful).
    Dataset {
        name: String,
        pool: String,
    },
    Path(PathBuf),
}

impl fmt::Display for FillDir {
    /// The dataset's name or the directory's path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FillDir::Dataset { name, .. } => f.write_str(name),
            FillDir::Path(p) => write!(f, "{}", p.display()),
        }
    }
}
