//! The validated lab: every reference resolved, every device known, ready to plan.
//!
//! `validate` turns a [`Scenario`](crate::scenario::Scenario) into a [`Lab`] only
//! when no rule is broken, so the planner never has to re-check anything.

use std::fmt;
use std::path::PathBuf;

pub(crate) use crate::device::{DevicePath, partition_path};
use crate::scenario::experiment::{FailHow, Onto, Seconds, Workload};
use crate::scenario::model::{Bound, Fill, FillTarget, FsKind, LabelKind, WipeMode};
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
    pub experiments: Vec<ExperimentSpec>,
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
    pub volumes: Vec<VolumeSpec>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct VdevSpec {
    pub kind: ResolvedVdev,
    pub devices: Vec<Device>,
}

impl VdevSpec {
    /// The top-level vdevs `zpool create` makes of this spec, by their
    /// devices: a stripe of n devices is n top-level vdevs, any other kind one.
    pub(crate) fn top_level(&self) -> Vec<&[Device]> {
        if self.kind.is_stripe() {
            self.devices.iter().map(std::slice::from_ref).collect()
        } else {
            vec![self.devices.as_slice()]
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DatasetSpec {
    /// Full name: `pool/Data`.
    pub name: String,
    pub properties: Vec<(String, String)>,
}

/// A volume (zvol): a dataset of its pool and a block device of the lab.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VolumeSpec {
    /// Full name: `pool/vol`.
    pub name: String,
    /// The device it is once created (`zd0`, bound at run time).
    pub device: Device,
    pub size: Size,
    pub sparse: bool,
    /// `None`: the one zfs picks for the pool (`zfs::volume::default_block_size`).
    pub volblocksize: Option<Size>,
    pub properties: Vec<(String, String)>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct FillSpec {
    pub target: FillDir,
    pub until: FillTarget,
    pub file_size: Size,
    /// `None`: [`Fill::BUFFER_PER_STREAM`] a stream.
    pub buffer: Option<Size>,
    pub pattern: String,
    /// `None`: as many as [`Fill::streams_for`] picks for the CPUs.
    pub streams: Option<u32>,
    pub window: u32,
    pub direct: bool,
    pub during: Vec<(String, String)>,
    /// `None`: restore the values found before the fill.
    pub after: Option<Vec<(String, String)>>,
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

/// An experiment with every reference resolved.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExperimentSpec {
    pub name: String,
    pub pool: String,
    /// Where fills and workloads write.
    pub dataset: String,
    /// How its fills write: the scenario's fill of the same dataset, or a
    /// fill's defaults; each `fill:` step gives the target.
    pub fill: FillSpec,
    pub workload_size: Size,
    pub runtime: Seconds,
    pub jobs: u32,
    pub during: Vec<(String, String)>,
    pub steps: Vec<ExperimentStep>,
}

#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExperimentStep {
    Fill(FillTarget),
    Workloads(Vec<Workload>),
    /// The job file, as the scenario names it, and its path from here.
    Fio {
        job: PathBuf,
        path: PathBuf,
    },
    Fail {
        device: Device,
        how: FailHow,
    },
    /// Rebuilds the device the last `Fail` took out, then brings it back.
    Rebuild {
        device: Device,
        onto: Onto,
    },
    Scrub,
}

impl fmt::Display for ExperimentStep {
    /// The step as the plan, the live display and the results name it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExperimentStep::Fill(until) => write!(f, "fill until {until}"),
            ExperimentStep::Workloads(list) => {
                let names: Vec<&str> = list.iter().map(|w| w.name()).collect();
                write!(f, "workloads {}", names.join(", "))
            }
            ExperimentStep::Fio { job, .. } => write!(f, "fio job file {}", job.display()),
            ExperimentStep::Fail { device, how } => write!(
                f,
                "fail {} ({})",
                device.label,
                match how {
                    FailHow::Offline => "zpool offline",
                    FailHow::Fault => "zpool offline -f: faulted",
                }
            ),
            ExperimentStep::Rebuild { device, onto } => write!(
                f,
                "rebuild {} onto a {onto}, time it, bring {} back",
                device.label, device.label
            ),
            ExperimentStep::Scrub => f.write_str("scrub, timed"),
        }
    }
}

impl FillSpec {
    /// The streams on a machine with `cpus` CPUs, and the buffer they share.
    pub(crate) fn writers(&self, cpus: usize) -> (u32, Size) {
        let streams = self.streams.unwrap_or_else(|| Fill::streams_for(cpus));
        let buffer = self.buffer.unwrap_or(Size::from_bytes(
            Fill::BUFFER_PER_STREAM.bytes() * u64::from(streams),
        ));
        (streams, buffer)
    }
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
