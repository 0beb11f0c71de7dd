//! The scenario as written: typed, located, not yet checked against each other.
//!
//! Values are parsed into types here (sizes, vdev kinds, device selections), and
//! every one keeps its [`Span`] so later rules can point back at it. Cross-field
//! rules (references exist, arity, capacity) live in `validate.rs`.

use std::path::PathBuf;

use super::node::Located;
use super::selection::Selection;
use super::size::Size;
use crate::diag::Span;
use crate::zfs::vdev::VdevKind;

/// One YAML file: one lab.
#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    pub file: PathBuf,
    /// Names the lab's state (journal) directory; defaults to the file's stem.
    pub lab: Located<String>,
    pub state_dir: Option<Located<PathBuf>>,
    /// Opt-in for real block devices; without it `disk` groups are refused.
    pub allow_real_disks: Located<bool>,
    pub devices: Vec<DeviceGroup>,
    pub wipe: Vec<Wipe>,
    pub partitions: Vec<PartitionTable>,
    pub pools: Vec<Pool>,
    pub fills: Vec<Fill>,
    /// What `zlab experiment` measures once the lab is up.
    pub experiments: Vec<super::experiment::Experiment>,
    /// Problems found while decoding; what they concern is left out above.
    pub problems: Vec<crate::diag::Diagnostic>,
    /// Names declared by parts that could not be decoded: references to them
    /// are not reported again.
    pub broken: Vec<String>,
}

/// A named set of devices that vdevs, wipes and partition tables refer to.
#[derive(Debug, Clone)]
pub(crate) struct DeviceGroup {
    pub name: Located<String>,
    pub kind: DeviceKind,
}

#[derive(Debug, Clone)]
pub(crate) enum DeviceKind {
    Sparse(SparseFiles),
    Ram(RamDisks),
    Disk(RealDisks),
}

/// Sparse backing files (`truncate -s`), attached to loop devices unless `loop: false`.
#[derive(Debug, Clone)]
pub(crate) struct SparseFiles {
    pub dir: Located<PathBuf>,
    /// File names, from `names:` or expanded from `count:` + `pattern:`.
    pub names: Located<Vec<String>>,
    pub size: Located<Size>,
    pub attach: Located<bool>,
    /// Logical sector size of the loop device (`losetup --sector-size`).
    pub sector_size: Option<Located<u32>>,
}

/// RAM disks from the `brd` module.
#[derive(Debug, Clone)]
pub(crate) struct RamDisks {
    pub count: Located<u32>,
    pub size: Located<Size>,
}

/// Block devices zlab did not create.
#[derive(Debug, Clone)]
pub(crate) struct RealDisks {
    pub paths: Vec<Located<PathBuf>>,
    /// Use them even when mounted, held, in an imported pool or carrying signatures.
    pub force: Located<bool>,
}

#[derive(Debug, Clone)]
pub(crate) struct Wipe {
    pub devices: Located<Selection>,
    pub mode: Located<WipeMode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WipeMode {
    /// `zpool labelclear -f` and `wipefs -a`: ZFS labels and every known signature.
    Labels,
    /// Zero the first and last `mib` MiB, where ZFS keeps its four labels.
    Ends { mib: u32 },
    /// Zero the whole device (`dd if=/dev/zero … status=progress`).
    Zero,
}

#[derive(Debug, Clone)]
pub(crate) struct PartitionTable {
    pub device: Located<Selection>,
    pub label: Located<LabelKind>,
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelKind {
    Gpt,
    Msdos,
}

/// One partition; its `name` becomes a device the rest of the scenario can use.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub name: Located<String>,
    pub start: Located<Bound>,
    pub end: Located<Bound>,
    pub fs: Option<Located<FsKind>>,
    pub mount: Option<Located<PathBuf>>,
}

/// A partition boundary as `parted` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    Percent(u8),
    Offset(Size),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FsKind {
    Ext4,
    Xfs,
}

#[derive(Debug, Clone)]
pub(crate) struct Pool {
    /// May contain `{layout}`, replaced by the dRAID layout name (`N58-C3-D16-P2-S4`).
    pub name: Located<String>,
    pub ashift: Option<Located<u8>>,
    pub vdevs: Vec<Vdev>,
    pub log: Vec<Vdev>,
    pub special: Vec<Vdev>,
    pub cache: Option<Located<Selection>>,
    pub spares: Option<Located<Selection>>,
    /// Pool properties (`zpool create -o`).
    pub properties: Vec<Property>,
    /// Root dataset properties (`zpool create -O`).
    pub root: Vec<Property>,
    pub mountpoint: Option<Located<String>>,
    pub altroot: Option<Located<PathBuf>>,
    /// `zpool create -f`: accept mismatched replication levels and in-use labels.
    pub force: Located<bool>,
    pub datasets: Vec<Dataset>,
    pub volumes: Vec<Volume>,
    pub at: Span,
}

#[derive(Debug, Clone)]
pub(crate) struct Vdev {
    pub kind: Located<VdevKind>,
    pub devices: Located<Selection>,
}

#[derive(Debug, Clone)]
pub(crate) struct Property {
    pub name: Located<String>,
    pub value: Located<String>,
}

/// A dataset below the pool's root; `name` is relative to the pool.
#[derive(Debug, Clone)]
pub(crate) struct Dataset {
    pub name: Located<String>,
    pub properties: Vec<Property>,
}

/// A volume (zvol) directly below the pool's root; its `name` is also a
/// device name the rest of the scenario can use, like a partition's.
#[derive(Debug, Clone)]
pub(crate) struct Volume {
    pub name: Located<String>,
    /// `zfs create -V`.
    pub size: Located<Size>,
    /// `zfs create -s`: no refreservation, so it costs nothing up front.
    pub sparse: Located<bool>,
    /// `zfs create -b`; when absent zfs picks one for the pool's layout.
    pub volblocksize: Option<Located<Size>>,
    pub properties: Vec<Property>,
}

#[derive(Debug, Clone)]
pub(crate) struct Fill {
    /// Full dataset name (`pool/Data`) …
    pub dataset: Option<Located<String>>,
    /// … or any mounted directory.
    pub path: Option<Located<PathBuf>>,
    pub until: Located<FillTarget>,
    pub file_size: Located<Size>,
    /// In-memory source buffer; bounded memory whatever the target. Absent:
    /// [`Fill::BUFFER_PER_STREAM`] for each stream.
    pub buffer: Located<Option<Size>>,
    /// File name pattern with `{n}`, the file number.
    pub pattern: Located<String>,
    /// Absent: [`Fill::streams_for`] this machine's CPUs.
    pub streams: Located<Option<u32>>,
    /// Files in the rolling throughput (`fill::stats::Throughput`).
    pub window: Located<u32>,
    pub direct: Located<bool>,
    /// Properties set for the fill's duration.
    pub during: Vec<Property>,
    pub after: Located<After>,
}

/// What a fill is when its scenario entry (or `zlab fill`'s flags) leave a
/// value out, and the bounds of its counts.
impl Fill {
    pub(crate) const FILE_SIZE: Size = Size::from_bytes(1 << 30);
    /// As large as ZFS's largest record (so no record holds a repeat), and
    /// small enough to stay in the CPU's caches: 256M for two streams wrote
    /// 40 % slower in the rig.
    pub(crate) const BUFFER_PER_STREAM: Size = Size::from_bytes(16 << 20);
    pub(crate) const PATTERN: &'static str = "file_{n}";
    /// The fewest and most streams [`Fill::streams_for`] picks.
    pub(crate) const AUTO_STREAMS: std::ops::RangeInclusive<u32> = 2..=8;
    pub(crate) const MAX_STREAMS: u32 = 64;
    pub(crate) const WINDOW: u32 = 60;
    pub(crate) const MAX_WINDOW: u32 = 100_000;

    /// Streams when none are given: one per CPU, since a writer is bound by
    /// the CPU that copies its records into the page cache or the ARC (the
    /// pool's devices are kept busy by the kernel's flush, whatever the
    /// writers' count), and at least two, so that one writer's wait on a
    /// file's open or close leaves another writing. More than eight was never
    /// measured (README, "Speed").
    pub(crate) fn streams_for(cpus: usize) -> u32 {
        let (least, most) = (*Self::AUTO_STREAMS.start(), *Self::AUTO_STREAMS.end());
        u32::try_from(cpus).unwrap_or(most).clamp(least, most)
    }
}

/// When a fill stops.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FillTarget {
    /// Hundredths of a percent of the pool's capacity (`75%` = 7500).
    Percent(u32),
    Bytes(Size),
    Files(u64),
}

/// What happens to the `during` properties when the fill ends.
#[derive(Debug, Clone)]
pub(crate) enum After {
    Restore,
    Set(Vec<Property>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("`{0}` is not a fill target")]
    Malformed(String),
    #[error("{0}% is not between 0 and 100")]
    PercentRange(String),
}

impl std::str::FromStr for FillTarget {
    type Err = TargetError;

    /// `75%`, `75.5%`, `10TB` or `453120 files`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(p) = s.strip_suffix('%') {
            let hundredths =
                parse_hundredths(p.trim()).ok_or_else(|| TargetError::Malformed(s.into()))?;
            return if (1..=10_000).contains(&hundredths) {
                Ok(FillTarget::Percent(hundredths))
            } else {
                Err(TargetError::PercentRange(p.trim().into()))
            };
        }
        if let Some(n) = s.strip_suffix("files").or_else(|| s.strip_suffix("file")) {
            return n
                .trim()
                .replace('_', "")
                .parse()
                .map(FillTarget::Files)
                .map_err(|_| TargetError::Malformed(s.into()));
        }
        s.parse::<Size>()
            .map(FillTarget::Bytes)
            .map_err(|_| TargetError::Malformed(s.into()))
    }
}

/// `75` → 7500, `75.25` → 7525; at most two decimals.
fn parse_hundredths(s: &str) -> Option<u32> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let frac: u32 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

impl std::fmt::Display for FillTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FillTarget::Percent(h) if h % 100 == 0 => write!(f, "{}%", h / 100),
            FillTarget::Percent(h) => write!(f, "{}.{:02}%", h / 100, h % 100),
            FillTarget::Bytes(s) => write!(f, "{s}"),
            FillTarget::Files(n) => write!(f, "{n} files"),
        }
    }
}

impl std::str::FromStr for Bound {
    type Err = TargetError;

    /// `50%` or an offset such as `1GiB`, as `parted mkpart` takes them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        match s.strip_suffix('%') {
            Some(p) => match p.parse::<u8>() {
                Ok(v) if v <= 100 => Ok(Bound::Percent(v)),
                _ => Err(TargetError::PercentRange(p.into())),
            },
            None => s
                .parse::<Size>()
                .map(Bound::Offset)
                .map_err(|_| TargetError::Malformed(s.into())),
        }
    }
}

impl std::fmt::Display for Bound {
    /// The form `parted` reads: explicit byte units so nothing is rounded.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::Percent(p) => write!(f, "{p}%"),
            Bound::Offset(s) => write!(f, "{}B", s.bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_per_cpu_from_two_to_eight() {
        let picked: Vec<u32> = [0, 1, 2, 3, 8, 64].map(Fill::streams_for).to_vec();
        assert_eq!(picked, [2, 2, 2, 3, 8, 8]);
    }

    #[test]
    fn fill_target_forms() {
        assert_eq!("75%".parse(), Ok(FillTarget::Percent(7500)));
        assert_eq!("75.5%".parse(), Ok(FillTarget::Percent(7550)));
        assert_eq!("453120 files".parse(), Ok(FillTarget::Files(453_120)));
        assert_eq!(
            "10TB".parse(),
            Ok(FillTarget::Bytes(Size::from_bytes(10_000_000_000_000)))
        );
    }

    #[test]
    fn fill_target_rejects_out_of_range_percent() {
        assert!(matches!(
            "0%".parse::<FillTarget>(),
            Err(TargetError::PercentRange(_))
        ));
        assert!(matches!(
            "101%".parse::<FillTarget>(),
            Err(TargetError::PercentRange(_))
        ));
        assert!("75.123%".parse::<FillTarget>().is_err());
    }

    #[test]
    fn bound_forms() {
        assert_eq!("50%".parse(), Ok(Bound::Percent(50)));
        assert_eq!(
            "1M".parse::<Bound>().map(|b| b.to_string()),
            Ok("1048576B".to_owned())
        );
        assert!("150%".parse::<Bound>().is_err());
    }
}
