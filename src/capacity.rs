//! `zlab capacity`: the space each pool of a scenario will have and what each
//! fill target means, before anything exists; and the table of candidate dRAID
//! layouts for a set of drives. The arithmetic is [`crate::zfs::capacity`]'s;
//! this module gathers its inputs from a validated [`Lab`] and renders them.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use crate::lab::{Device, DevicePath, FillDir, FillSpec, Lab, PoolSpec, Source, VdevSpec};
use crate::plan::Plan;
use crate::plan::step::Step;
use crate::scenario::model::FillTarget;
use crate::scenario::size::Size;
use crate::units::thousands;
use crate::zfs::capacity::fill::{DEFAULT_RECORDSIZE, FileCost, file_cost};
use crate::zfs::capacity::layouts::{Candidate, Search};
use crate::zfs::capacity::pool::{Layout, PoolSpace, Shape, TopVdev, VdevSpace};
use crate::zfs::properties::recordsize_bytes;
use crate::zfs::vdev::ResolvedVdev;

/// Every pool of a lab, and its fills.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub lab: String,
    pub file: PathBuf,
    pub pools: Vec<PoolReport>,
    /// Fills into a directory rather than a dataset: no pool to measure.
    pub path_fills: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PoolReport {
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
    pub fills: Vec<FillReport>,
}

/// What a fill target means in files and bytes.
#[derive(Debug, Clone, Serialize)]
pub struct FillReport {
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
pub fn report(lab: &Lab) -> Report {
    let sectors = sector_sizes(lab);
    let mut pools: Vec<PoolReport> = lab.pools.iter().map(|p| pool(p, &sectors)).collect();
    let mut path_fills = Vec::new();
    for fill in &lab.fills {
        match &fill.target {
            FillDir::Dataset { pool: name, .. } => {
                let spec = lab.pools.iter().find(|p| &p.name == name);
                let report = pools.iter_mut().find(|p| &p.name == name);
                if let (Some(spec), Some(report)) = (spec, report)
                    && let Some(space) = &report.space
                {
                    report.fills.push(fill_report(fill, spec, space));
                }
            }
            FillDir::Path(p) => path_fills.push(format!(
                "{} until {}: a directory, not a pool zlab builds",
                p.display(),
                fill.until
            )),
        }
    }
    Report {
        lab: lab.name.clone(),
        file: lab.file.clone(),
        pools,
        path_fills,
    }
}

/// One line under the plan's pool and fill steps: the capacity they amount to.
pub(crate) fn plan_notes(report: &Report, plan: &Plan) -> Vec<(usize, String)> {
    let mut notes = Vec::new();
    for (i, step) in plan.steps.iter().enumerate() {
        match step {
            Step::CreatePool { pool } => {
                if let Some(r) = report.pools.iter().find(|r| r.name == pool.name) {
                    notes.push((i, format!("capacity: {}", pool_line(r))));
                }
            }
            Step::Fill { fill } => {
                if let FillDir::Dataset { name, pool } = &fill.target
                    && let Some(r) = report.pools.iter().find(|r| &r.name == pool)
                    && let Some(space) = &r.space
                    && let Some(f) = r
                        .fills
                        .iter()
                        .find(|f| &f.dataset == name && f.until == fill.until)
                {
                    notes.push((i, format!("capacity: {}", fill_line(f, space))));
                }
            }
            _ => {}
        }
    }
    notes
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

fn pool(spec: &PoolSpec, sectors: &HashMap<DevicePath, u32>) -> PoolReport {
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
    let mut report = PoolReport {
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
        Ok(space) => report.space = Some(space),
        Err(e) => report.unknown = Some(e.to_string()),
    }
    report
}

/// A stripe of n devices is n top-level vdevs.
fn top_vdevs(vdevs: &[VdevSpec]) -> Vec<TopVdev> {
    let size = |d: &Device| d.size.map_or(0, Size::bytes);
    let mut out = Vec::new();
    for v in vdevs {
        let shape = match v.kind {
            ResolvedVdev::Stripe => {
                out.extend(v.devices.iter().map(|d| TopVdev {
                    shape: Shape::Disk,
                    sizes: vec![size(d)],
                }));
                continue;
            }
            ResolvedVdev::Mirror => Shape::Mirror,
            ResolvedVdev::Raidz { parity } => Shape::Raidz { parity },
            ResolvedVdev::Draid(l) => Shape::Draid(l),
        };
        out.push(TopVdev {
            shape,
            sizes: v.devices.iter().map(size).collect(),
        });
    }
    out
}

fn vdev_words(v: &VdevSpec) -> String {
    let token = v.kind.token().unwrap_or_else(|| "stripe".into());
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

fn fill_report(fill: &FillSpec, pool: &PoolSpec, space: &PoolSpace) -> FillReport {
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
    let files = match fill.until {
        FillTarget::Percent(h) => {
            let goal = u128::from(space.usable) * u128::from(h) / 10_000;
            cost.files_within(u64::try_from(goal).unwrap_or(u64::MAX))
        }
        FillTarget::Bytes(b) => b.bytes().div_ceil(file_size.max(1)),
        FillTarget::Files(n) => n,
    };
    let charged = cost.charge_of(files);
    FillReport {
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
fn hundredths(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        return 0;
    }
    u64::try_from(u128::from(part) * 10_000 / u128::from(whole)).unwrap_or(u64::MAX)
}

/// `12.34 %`.
fn percent(h: u64) -> String {
    format!("{}.{:02} %", h / 100, h % 100)
}

fn human(n: u64) -> String {
    Size::from_bytes(n).human()
}

fn pool_line(r: &PoolReport) -> String {
    match (&r.space, &r.unknown) {
        (Some(s), _) => format!(
            "zpool SIZE {}, usable {} (zfs USED + AVAIL) of {} raw ({})",
            human(s.zpool_size),
            human(s.usable),
            human(s.raw),
            percent(s.efficiency())
        ),
        (None, Some(why)) => format!("not known before the run: {why}"),
        (None, None) => "not known before the run".into(),
    }
}

fn fill_line(f: &FillReport, space: &PoolSpace) -> String {
    let what = match f.until {
        FillTarget::Percent(_) => format!("{} of {} usable = ", f.until, human(space.usable)),
        FillTarget::Bytes(b) => format!("{b} = "),
        FillTarget::Files(_) => String::new(),
    };
    let mut line = format!(
        "{what}{} file{} of {} = {} written, {} charged ({} of usable; {} records{})",
        thousands(f.files),
        if f.files == 1 { "" } else { "s" },
        Size::from_bytes(f.cost.file_size),
        human(f.bytes),
        human(f.charged),
        percent(f.percent_of_usable),
        Size::from_bytes(f.cost.recordsize),
        if f.cost.copies > 1 {
            format!(", copies={}", f.cost.copies)
        } else {
            String::new()
        }
    );
    if !f.fits {
        line.push_str(" — more than the pool holds");
    }
    line
}

/// The report as tables for people.
pub(crate) fn text(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "capacity of {} ({}), by OpenZFS 2.3's rules",
        report.lab,
        report.file.display()
    );
    for r in &report.pools {
        let ashift = match (r.ashift, r.ashift_inferred) {
            (Some(a), false) => format!(", ashift {a}"),
            (Some(a), true) => {
                format!(", ashift {a} (not set: the one zpool picks for these devices)")
            }
            (None, _) => String::new(),
        };
        let _ = writeln!(out, "\npool {}: {}{ashift}", r.name, r.topology);
        match &r.space {
            Some(space) => pool_table(&mut out, space),
            None => {
                let _ = writeln!(out, "  {}", pool_line(r));
            }
        }
        for nd in &r.not_data {
            let _ = writeln!(out, "  not data capacity: {nd}");
        }
        if let Some(space) = &r.space {
            for f in &r.fills {
                let _ = writeln!(out, "  fill {}: {}", f.dataset, fill_line(f, space));
                let _ = writeln!(
                    out,
                    "    each {} file: {} record{} of {}, charged {} B",
                    Size::from_bytes(f.cost.file_size),
                    thousands(f.cost.blocks),
                    if f.cost.blocks == 1 { "" } else { "s" },
                    Size::from_bytes(f.cost.block_size),
                    thousands(f.cost.charged)
                );
            }
        }
    }
    for p in &report.path_fills {
        let _ = writeln!(out, "\nfill {p}");
    }
    out
}

fn pool_table(out: &mut String, s: &PoolSpace) {
    let row = |out: &mut String, sign: &str, label: &str, bytes: u64| {
        let _ = writeln!(
            out,
            "  {sign} {label:<34} {:>25} {:>12} {:>10}",
            thousands(bytes),
            human(bytes),
            percent(hundredths(bytes, s.raw))
        );
    };
    let _ = writeln!(
        out,
        "    {:<34} {:>25} {:>12} {:>10}",
        "", "bytes", "", "of raw"
    );
    row(out, " ", "raw (data devices)", s.raw);
    for (label, bytes) in s.losses.before_size() {
        if bytes > 0 {
            row(out, "−", label, bytes);
        }
    }
    if s.special_size > 0 {
        row(out, "=", "data vdevs", s.data_size);
        row(out, "+", "special vdevs", s.special_size);
    }
    row(out, "=", "zpool list SIZE", s.zpool_size);
    if s.special_size > 0 {
        row(out, "−", "special vdevs", s.special_size);
    }
    for (label, bytes) in s.losses.after_size() {
        if bytes > 0 || label.starts_with("slop") {
            row(out, "−", label, bytes);
        }
    }
    row(out, "=", "usable: zfs list USED + AVAIL", s.usable);
    for v in group_vdevs(&s.data) {
        let _ = writeln!(out, "  {v}");
    }
}

/// `3 × raidz2 of 6: asize …, 1,535 metaslabs of 16 GiB, 128K deflated 341/512`.
fn group_vdevs(vdevs: &[VdevSpace]) -> Vec<String> {
    let mut lines: Vec<(String, usize)> = Vec::new();
    for v in vdevs {
        let line = format!(
            "{} of {}: asize {}, {} metaslabs of {}, 128K blocks deflated {}/512",
            v.shape,
            v.children,
            human(v.asize),
            thousands(v.ms_count),
            human(1 << v.ms_shift),
            v.deflate_ratio
        );
        match lines.iter_mut().find(|(l, _)| *l == line) {
            Some((_, n)) => *n += 1,
            None => lines.push((line, 1)),
        }
    }
    lines
        .into_iter()
        .map(|(l, n)| if n == 1 { l } else { format!("{n} × {l}") })
        .collect()
}

/// The report for programs.
pub(crate) fn json(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_default();
    s.push('\n');
    s
}

/// The candidate dRAID layouts as a table; `recordsize` is the record size
/// whose files the "holds" column counts.
pub(crate) fn layouts_text(search: &Search, candidates: &[Candidate], recordsize: u64) -> String {
    let mut out = String::new();
    let raw = u64::from(search.drives).saturating_mul(search.size);
    let _ = writeln!(
        out,
        "dRAID layouts of {} drives of {} ({} raw), ashift {}, 0 to {} distributed spares",
        search.drives,
        Size::from_bytes(search.size),
        human(raw),
        search.ashift,
        search.max_spares
    );
    let _ = writeln!(
        out,
        "usable: zfs list USED + AVAIL; holds: data in {} records that fits in it; survives: failures at once / one after another with rebuilds onto spares\n",
        Size::from_bytes(recordsize)
    );
    let _ = writeln!(
        out,
        "{:<20} {:<20} {:>12} {:>9} {:>12} {:>8} {:>17} {:>9}",
        "layout", "vdev", "usable", "of raw", "holds", "parity", "spares", "survives"
    );
    for c in candidates {
        let charge = c.space.block_charge(recordsize);
        let holds = if charge == 0 {
            0
        } else {
            u64::try_from(u128::from(c.space.usable) * u128::from(recordsize) / u128::from(charge))
                .unwrap_or(u64::MAX)
        };
        let (at_once, in_turn) = c.survives();
        let spares = if c.layout.spares == 0 {
            "0".to_owned()
        } else {
            format!(
                "{} ({})",
                c.layout.spares,
                human(c.space.losses.distributed_spares)
            )
        };
        let _ = writeln!(
            out,
            "{:<20} {:<20} {:>12} {:>9} {:>12} {:>8} {:>17} {:>9}",
            c.name.to_string(),
            c.layout.to_string(),
            human(c.space.usable),
            percent(c.space.efficiency()),
            human(holds),
            percent(c.parity_overhead()),
            spares,
            format!("{at_once} / {in_turn}")
        );
    }
    out
}

pub(crate) fn layouts_json(search: &Search, candidates: &[Candidate]) -> String {
    let doc = serde_json::json!({
        "drives": search.drives,
        "size": search.size,
        "ashift": search.ashift,
        "candidates": candidates,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::HostFacts;
    use std::path::Path;

    /// The measured table (`fixtures/capacity/measured.tsv`, written by the rig
    /// test `capacity::predictions_match_real_pools_within_half_a_percent`)
    /// against today's predictions, so a change to the arithmetic shows up on
    /// any machine, without ZFS.
    #[test]
    fn predictions_match_the_measured_table() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/capacity");
        let table = std::fs::read_to_string(root.join("measured.tsv")).expect("measured.tsv");
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
            let pool = &report(&lab).pools[0];
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
                    "{name}: {what} predicted {predicted}, measured {measured}"
                );
            }
            // Metaslab arithmetic is deterministic: SIZE is exact to the byte.
            assert_eq!(space.zpool_size, size, "{name}: zpool SIZE");
            names.push((*name).to_owned());
        }
        assert!(names.len() >= 20, "only {} layouts measured", names.len());
        for entry in std::fs::read_dir(root.join("layouts")).expect("layouts") {
            let path = entry.expect("entry").path();
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            assert!(
                names.iter().any(|n| n == stem),
                "{stem} has no row in measured.tsv: run the rig test with ZLAB_CAPACITY_RECORD=1"
            );
        }
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(812_000_000_000_000), "812,000,000,000,000");
        assert_eq!(percent(8272), "82.72 %");
        assert_eq!(percent(5), "0.05 %");
        assert_eq!(hundredths(3, 4), 7500);
        assert_eq!(hundredths(1, 0), 0);
    }
}
