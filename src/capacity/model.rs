//! The capacity model: the space each pool of a lab will have and what each
//! fill target means, computed once from a validated [`Lab`] before anything
//! exists. The arithmetic is [`crate::zfs::capacity`]'s; this module gathers
//! its inputs. `render` shows it.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::lab::{
    Device, DevicePath, FillDir, FillSpec, Lab, PoolSpec, Source, VdevSpec, VolumeSpec,
};
use crate::scenario::model::FillTarget;
use crate::scenario::size::Size;
use crate::zfs::capacity::fill::{DEFAULT_RECORDSIZE, FileCost, file_cost};
use crate::zfs::capacity::pool::{Layout, PoolSpace, Shape, TopVdev};
use crate::zfs::capacity::volume::{self, VolumeCost};
use crate::zfs::properties::recordsize_bytes;

/// Every pool of a lab, and its fills.
#[derive(Debug, Clone, Serialize)]
pub struct LabCapacity {
    pub lab: String,
    pub file: PathBuf,
    pub pools: Vec<PoolCapacity>,
    /// Fills into a directory rather than a dataset: no pool to measure.
    pub path_fills: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PoolCapacity {
    pub name: String,
    /// `draid2:16d:58c:4s × 58 of 14TB`.
    pub topology: String,
    pub ashift: Option<u8>,
    /// The scenario sets no ashift; this is the one `zpool create` picks.
    pub ashift_inferred: bool,
    pub space: Option<PoolSpace>,
    /// Why `space` is not known.
    pub unknown: Option<String>,
    /// Log, cache and spare devices: no data capacity.
    pub not_data: Vec<String>,
    pub volumes: Vec<VolumeCapacity>,
    pub fills: Vec<FillCapacity>,
}

/// What a volume costs in its pool.
#[derive(Debug, Clone, Serialize)]
pub struct VolumeCapacity {
    pub name: String,
    pub sparse: bool,
    pub cost: VolumeCost,
    /// What is reserved up front: the reservation, or nothing if sparse.
    pub refreservation: u64,
    /// The reservation in hundredths of a percent of the pool's usable space.
    pub percent_of_usable: u64,
}

/// What a fill target means in files and bytes.
#[derive(Debug, Clone, Serialize)]
pub struct FillCapacity {
    pub dataset: String,
    pub until: FillTarget,
    pub cost: FileCost,
    pub files: u64,
    /// Bytes the files hold.
    pub bytes: u64,
    /// `zfs` space they are charged (USED).
    pub charged: u64,
    /// `charged` in hundredths of a percent of the pool's usable space.
    pub percent_of_usable: u64,
    pub fits: bool,
}

/// The capacity of every pool of `lab` and the meaning of every fill.
pub fn of(lab: &Lab) -> LabCapacity {
    let sectors = sector_sizes(lab);
    let mut pools: Vec<PoolCapacity> = lab.pools.iter().map(|p| pool(p, &sectors)).collect();
    let mut path_fills = Vec::new();
    for fill in &lab.fills {
        match &fill.target {
            FillDir::Dataset { pool: name, .. } => {
                let spec = lab.pools.iter().find(|p| &p.name == name);
                let report = pools.iter_mut().find(|p| &p.name == name);
                if let (Some(spec), Some(report)) = (spec, report)
                    && let Some(space) = &report.space
                {
                    report.fills.push(fill_capacity(fill, spec, space));
                }
            }
            FillDir::Path(p) => path_fills.push(format!(
                "{} until {}: a directory, not a pool zlab builds",
                p.display(),
                fill.until
            )),
        }
    }
    LabCapacity {
        lab: lab.name.clone(),
        file: lab.file.clone(),
        pools,
        path_fills,
    }
}

impl LabCapacity {
    /// What each file of a fill into a dataset is charged, where the pool's
    /// space is known.
    pub(crate) fn charge_per_file(&self, fill: &FillSpec) -> Option<u64> {
        self.fill(fill).map(|f| f.cost.charged)
    }

    /// How many files a fill into a dataset writes, where the pool's space is
    /// known (a percentage of a small pool can come to none).
    pub(crate) fn files_of(&self, fill: &FillSpec) -> Option<u64> {
        self.fill(fill).map(|f| f.files)
    }

    fn fill(&self, fill: &FillSpec) -> Option<&FillCapacity> {
        let FillDir::Dataset { name, pool } = &fill.target else {
            return None;
        };
        self.pools
            .iter()
            .filter(|p| &p.name == pool)
            .flat_map(|p| &p.fills)
            .find(|f| &f.dataset == name && f.until == fill.until)
    }
}

/// Physical sector size of each device whose size source is known: sparse
/// files on loop devices (their `sector_size`, else 512), files used directly
/// (512), RAM disks (4096, `brd`'s physical block). Real disks are unknown.
fn sector_sizes(lab: &Lab) -> HashMap<DevicePath, u32> {
    let mut map = HashMap::new();
    for g in &lab.groups {
        let sector = match &g.source {
            Source::Sparse {
                attach: true,
                sector_size,
                ..
            } => sector_size.unwrap_or(512),
            Source::Sparse { .. } => 512,
            Source::Ram { .. } => 4096,
            Source::Disk { .. } => continue,
        };
        for d in &g.members {
            map.insert(d.path.clone(), sector);
        }
    }
    map
}

fn sector_of(map: &HashMap<DevicePath, u32>, path: &DevicePath) -> Option<u32> {
    match path {
        DevicePath::Part { parent, .. } => sector_of(map, parent),
        other => map.get(other).copied(),
    }
}

fn pool(spec: &PoolSpec, sectors: &HashMap<DevicePath, u32>) -> PoolCapacity {
    let mut not_data: Vec<String> = spec
        .log
        .iter()
        .map(|v| format!("log {}", vdev_words(v)))
        .collect();
    for (word, devices) in [("cache", &spec.cache), ("spare", &spec.spares)] {
        for d in devices {
            not_data.push(format!("{word} {}", device_words(d)));
        }
    }
    let devices: Vec<&Device> = spec
        .data
        .iter()
        .chain(&spec.special)
        .flat_map(|v| &v.devices)
        .collect();
    // vdev_ashift_optimize(): the largest physical sector, at least 512.
    let inferred = devices
        .iter()
        .map(|d| sector_of(sectors, &d.path))
        .collect::<Option<Vec<u32>>>()
        .map(|s| {
            let largest = s.into_iter().max().unwrap_or(512).max(512);
            u8::try_from(largest.ilog2()).unwrap_or(u8::MAX)
        });
    let ashift = spec.ashift.or(inferred);
    let mut report = PoolCapacity {
        name: spec.name.clone(),
        topology: spec
            .data
            .iter()
            .map(vdev_words)
            .collect::<Vec<_>>()
            .join(" + "),
        ashift,
        ashift_inferred: spec.ashift.is_none() && ashift.is_some(),
        space: None,
        unknown: None,
        not_data,
        volumes: Vec::new(),
        fills: Vec::new(),
    };
    if !spec.special.is_empty() {
        let special: Vec<String> = spec.special.iter().map(vdev_words).collect();
        report.topology = format!("{}, special {}", report.topology, special.join(" + "));
    }
    let Some(ashift) = ashift else {
        report.unknown =
            Some("ashift is not set and the devices' sector sizes are known only at run time: set `ashift:`".into());
        return report;
    };
    if let Some(d) = devices.iter().find(|d| d.size.is_none()) {
        report.unknown = Some(format!("the size of {} is known only at run time", d.label));
        return report;
    }
    let layout = Layout {
        ashift,
        data: top_vdevs(&spec.data),
        special: top_vdevs(&spec.special),
    };
    match layout.space() {
        Ok(space) => {
            report.volumes = spec.volumes.iter().map(|v| volume(v, &space)).collect();
            report.space = Some(space);
        }
        Err(e) => report.unknown = Some(e.to_string()),
    }
    report
}

fn volume(v: &VolumeSpec, space: &PoolSpace) -> VolumeCapacity {
    let copies = v
        .properties
        .iter()
        .find(|(k, _)| k == "copies")
        .and_then(|(_, c)| c.parse().ok())
        .unwrap_or(1);
    let cost = volume::cost(
        v.size.bytes(),
        v.volblocksize.map(Size::bytes),
        copies,
        &space.data,
    );
    VolumeCapacity {
        name: v.name.clone(),
        sparse: v.sparse,
        refreservation: if v.sparse { 0 } else { cost.reservation },
        percent_of_usable: hundredths(cost.reservation, space.usable),
        cost,
    }
}

fn top_vdevs(vdevs: &[VdevSpec]) -> Vec<TopVdev> {
    let size = |d: &Device| d.size.map_or(0, Size::bytes);
    let mut out = Vec::new();
    for v in vdevs {
        let shape = Shape::of(v.kind);
        out.extend(v.top_level().into_iter().map(|devices| TopVdev {
            shape,
            sizes: devices.iter().map(size).collect(),
        }));
    }
    out
}

fn vdev_words(v: &VdevSpec) -> String {
    let token = v.kind;
    let mut sizes: Vec<Size> = v.devices.iter().filter_map(|d| d.size).collect();
    sizes.sort();
    sizes.dedup();
    let of = match sizes.as_slice() {
        [] => String::new(),
        [one] => format!(" of {one}"),
        [first, .., last] => format!(" of {first} to {last}"),
    };
    format!("{token} × {}{of}", v.devices.len())
}

fn device_words(d: &Device) -> String {
    match d.size {
        Some(s) => format!("{} ({s})", d.label),
        None => d.label.clone(),
    }
}

/// A property of `dataset` as ZFS would see it: set on it, on a parent
/// dataset, or on the pool's root dataset.
fn property<'a>(pool: &'a PoolSpec, dataset: &str, key: &str) -> Option<&'a str> {
    let mut name = dataset;
    loop {
        if let Some(d) = pool.datasets.iter().find(|d| d.name == name)
            && let Some((_, v)) = d.properties.iter().find(|(k, _)| k == key)
        {
            return Some(v);
        }
        match name.rsplit_once('/') {
            Some((parent, _)) => name = parent,
            None => break,
        }
    }
    pool.root
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn fill_capacity(fill: &FillSpec, pool: &PoolSpec, space: &PoolSpace) -> FillCapacity {
    let dataset = match &fill.target {
        FillDir::Dataset { name, .. } => name.clone(),
        FillDir::Path(p) => p.display().to_string(),
    };
    let setting = |key: &str| {
        fill.during
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .or_else(|| property(pool, &dataset, key))
    };
    let recordsize = setting("recordsize")
        .and_then(recordsize_bytes)
        .unwrap_or(DEFAULT_RECORDSIZE);
    let copies = setting("copies").and_then(|c| c.parse().ok()).unwrap_or(1);
    let file_size = fill.file_size.bytes();
    let cost = file_cost(space, file_size, recordsize, copies);
    // Before the run nothing is used yet: the pool's usable space is the room.
    let room = Room {
        size: space.usable,
        used: 0,
    };
    let files = files_for(fill.until, file_size, Some(cost.charged), Some(room)).unwrap_or(0);
    let charged = cost.charge_of(files);
    FillCapacity {
        dataset,
        until: fill.until,
        cost,
        files,
        bytes: files.saturating_mul(file_size),
        charged,
        percent_of_usable: hundredths(charged, space.usable),
        fits: charged <= space.usable,
    }
}

/// `part / whole` in hundredths of a percent.
pub(super) fn hundredths(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        return 0;
    }
    u64::try_from(u128::from(part) * 10_000 / u128::from(whole)).unwrap_or(u64::MAX)
}

/// Space on the filesystem or pool being filled, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Room {
    /// Usable size: USED + AVAIL.
    pub size: u64,
    /// In use before the fill starts.
    pub used: u64,
}

/// The number of files that reach `until`:
/// - a percentage: the files that fit between what is used and that share of
///   `room`, rounded down — a capacity target is a ceiling — counted by what
///   each file is charged in pool space where that is known, else its size;
/// - a size: enough files to write at least that much, rounded up;
/// - a count: itself.
///
/// The one rule: `zlab capacity`, the plan and the fill itself all count so.
pub(crate) fn files_for(
    until: FillTarget,
    file_size: u64,
    charge_per_file: Option<u64>,
    room: Option<Room>,
) -> Option<u64> {
    let file_size = file_size.max(1);
    match until {
        FillTarget::Files(n) => Some(n),
        FillTarget::Bytes(size) => Some(size.bytes().div_ceil(file_size)),
        FillTarget::Percent(hundredths) => {
            let c = room?;
            let target = u128::from(c.size) * u128::from(hundredths) / 10_000;
            let left = target.saturating_sub(u128::from(c.used));
            let per_file = charge_per_file.unwrap_or(file_size).max(1);
            u64::try_from(left / u128::from(per_file)).ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;
    const TIB: u64 = 1 << 40;

    #[test]
    fn the_recipes_453120_files_are_75_percent_of_590_tib() {
        // The recipe: "75% of 14TB, 3x(16+3)+1 [ZFS sees 590 TiB], use 453120".
        let c = Room {
            size: 590 * TIB,
            used: 0,
        };
        assert_eq!(
            files_for(FillTarget::Percent(7500), GIB, None, Some(c)),
            Some(453_120)
        );
    }

    #[test]
    fn a_percentage_counts_what_is_already_used() {
        let c = Room {
            size: 100 * GIB,
            used: 10 * GIB,
        };
        assert_eq!(
            files_for(FillTarget::Percent(5000), GIB, None, Some(c)),
            Some(40)
        );
        let full = Room {
            size: 100 * GIB,
            used: 90 * GIB,
        };
        assert_eq!(
            files_for(FillTarget::Percent(5000), GIB, None, Some(full)),
            Some(0)
        );
        assert_eq!(files_for(FillTarget::Percent(5000), GIB, None, None), None);
    }

    #[test]
    fn a_size_is_reached_and_a_count_is_exact() {
        let ten_tb = FillTarget::Bytes(Size::from_bytes(10_000_000_000_000));
        assert_eq!(files_for(ten_tb, GIB, None, None), Some(9314));
        assert_eq!(
            files_for(FillTarget::Files(453_120), GIB, None, None),
            Some(453_120)
        );
    }

    use crate::host::HostFacts;
    use std::path::Path;

    /// The measured tables (`fixtures/capacity/measured.tsv` on OpenZFS 2.3.2,
    /// `measured-<version>.tsv` on others, written by the rig test
    /// `capacity::predictions_match_real_pools_within_half_a_percent` with
    /// `ZLAB_CAPACITY_RECORD=1`) against today's predictions, so a change to
    /// the arithmetic shows up on any machine, without ZFS.
    #[test]
    fn predictions_match_the_measured_tables() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/capacity");
        let mut tables: Vec<_> = std::fs::read_dir(&root)
            .expect("fixtures/capacity")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
            .collect();
        tables.sort();
        assert!(tables.len() >= 2, "{tables:?}");
        for table in tables {
            check_measured(&root, &table);
        }
    }

    fn check_measured(root: &Path, file: &Path) {
        let table = std::fs::read_to_string(file).expect("a measured table");
        let from = file.display();
        let mut names = Vec::new();
        for line in table.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            let [name, ashift, _layout, raw, size, used, avail] = cols.as_slice() else {
                panic!("malformed row: {line}");
            };
            let number = |s: &str| s.parse::<u64>().expect("a number");
            let lab = crate::load_lab(
                &root.join("layouts").join(format!("{name}.yaml")),
                &HostFacts::unknown(),
            )
            .expect("fixture is valid");
            let pool = &of(&lab).pools[0];
            assert_eq!(pool.ashift.map(u64::from), Some(number(ashift)), "{name}");
            let space = pool.space.as_ref().expect("a prediction");
            assert_eq!(space.raw, number(raw), "{name}");
            let (size, usable) = (number(size), number(used) + number(avail));
            for (what, predicted, measured) in [
                ("zpool SIZE", space.zpool_size, size),
                ("zfs USED + AVAIL", space.usable, usable),
            ] {
                assert!(
                    u128::from(predicted.abs_diff(measured)) * 200 <= u128::from(measured),
                    "{from}: {name}: {what} predicted {predicted}, measured {measured}"
                );
            }
            // Metaslab arithmetic is deterministic: SIZE is exact to the byte.
            assert_eq!(space.zpool_size, size, "{from}: {name}: zpool SIZE");
            names.push((*name).to_owned());
        }
        assert!(names.len() >= 20, "{from}: only {} layouts", names.len());
        for entry in std::fs::read_dir(root.join("layouts")).expect("layouts") {
            let path = entry.expect("entry").path();
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            assert!(
                names.iter().any(|n| n == stem),
                "{stem} has no row in {from}: run the rig test with ZLAB_CAPACITY_RECORD=1"
            );
        }
    }
}
