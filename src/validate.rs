//! Every scenario rule, checked at once: a [`Scenario`] becomes a [`Lab`] only
//! when nothing is wrong; otherwise all problems come back as located diagnostics.
//!
//! The rules that mirror `zpool create` (vdev arity, dRAID limits) live with the
//! vdev grammar in `zfs/vdev.rs`; this module applies them to resolved devices.

mod version;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, suggest};
use crate::host::HostFacts;
use crate::lab::{
    DatasetSpec, Device, DevicePath, FillDir, FillSpec, Group, Lab, PartSpec, PoolSpec, Source,
    Table, VdevSpec, WipeAction,
};
use crate::scenario::Scenario;
use crate::scenario::model::{
    After, Bound, DeviceKind, Fill, FillTarget, LabelKind, Pool, Property, Vdev,
};
use crate::scenario::node::{Located, Span};
use crate::scenario::selection::{Selection, is_identifier};
use crate::scenario::size::Size;
use crate::zfs::layout_name::LayoutName;
use crate::zfs::properties;
use crate::zfs::vdev::{ResolvedVdev, VdevKind};

const TIB: u64 = 1 << 40;
/// GPT allows 128 entries by default; an MBR table four primary partitions.
const MAX_GPT_PARTS: usize = 128;
const MAX_MSDOS_PARTS: usize = 4;

/// Checks every rule; returns the resolved lab or all diagnostics.
pub fn validate(scenario: &Scenario, host: &HostFacts) -> Result<Lab, Vec<Diagnostic>> {
    let mut c = Checker {
        file: &scenario.file,
        broken: &scenario.broken,
        host,
        diags: Vec::new(),
        names: Vec::new(),
        files: HashMap::new(),
        used: HashMap::new(),
        partitioned: HashMap::new(),
    };
    let lab = c.lab(scenario);
    if let Some(release) = &host.zfs {
        c.diags.extend(version::check(scenario, release));
    }
    let mut diags = scenario.problems.clone();
    diags.append(&mut c.diags);
    // Report in file order, whichever stage found them.
    diags.sort_by_key(|d| (d.line, d.column));
    c.diags = diags;
    if c.diags.is_empty() {
        Ok(lab)
    } else {
        Err(c.diags)
    }
}

struct Checker<'a> {
    file: &'a Path,
    broken: &'a [String],
    host: &'a HostFacts,
    diags: Vec<Diagnostic>,
    /// Every name a selection can use: groups and partitions, with their devices.
    names: Vec<(String, Vec<Device>, Span)>,
    /// Backing file → where it was declared.
    files: HashMap<PathBuf, String>,
    /// Device → the field that put it in a pool, so a second use can say where.
    used: HashMap<DevicePath, String>,
    /// Device → the partition table written on it.
    partitioned: HashMap<DevicePath, String>,
}

impl Checker<'_> {
    fn error(
        &mut self,
        at: Span,
        field: &str,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) {
        let mut d = Diagnostic::new(self.file, at, field, message);
        d.help = help.into();
        self.diags.push(d);
    }

    fn lab(&mut self, s: &Scenario) -> Lab {
        if !s
            .lab
            .value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            || s.lab.value.is_empty()
        {
            self.error(
                s.lab.at,
                "lab",
                format!("`{}` is not a usable lab name", s.lab.value),
                "use letters, digits, `.`, `_` and `-`: it names the state directory".to_owned(),
            );
        }
        let state_dir = match &s.state_dir {
            Some(dir) => {
                self.absolute(dir, "state_dir");
                dir.value.clone()
            }
            None => Path::new("/var/lib/zlab").join(&s.lab.value),
        };
        let mut groups = self.groups(s);
        let tables = self.tables(s, &mut groups);
        let wipes = self.wipes(s);
        let pools = self.pools(s);
        let fills = s
            .fills
            .iter()
            .enumerate()
            .filter_map(|(i, f)| self.fill(f, &format!("fills[{i}]"), &pools))
            .collect();
        Lab {
            name: s.lab.value.clone(),
            file: s.file.clone(),
            state_dir,
            groups,
            wipes,
            tables,
            pools,
            fills,
        }
    }

    fn absolute(&mut self, p: &Located<PathBuf>, field: &str) -> bool {
        let ok = p.value.is_absolute();
        if !ok {
            self.error(
                p.at,
                field,
                format!("`{}` is not an absolute path", p.value.display()),
                "zlab runs as root from anywhere: write the full path, starting with `/`"
                    .to_owned(),
            );
        }
        ok
    }

    fn add_name(&mut self, name: &Located<String>, field: &str, devices: Vec<Device>) {
        if !is_identifier(&name.value) {
            self.error(name.at, field, format!("`{}` is not a valid device name", name.value), "start with a letter; then letters, digits or `_` (it becomes a shell variable in `plan --format sh`)".to_owned());
        }
        if let Some((_, _, first)) = self.names.iter().find(|(n, _, _)| n == &name.value) {
            let first = *first;
            self.error(
                name.at,
                field,
                format!(
                    "the name `{}` is already used (line {})",
                    name.value, first.line
                ),
                "device groups and partitions share one namespace: rename one".to_owned(),
            );
            return;
        }
        self.names.push((name.value.clone(), devices, name.at));
    }

    fn groups(&mut self, s: &Scenario) -> Vec<Group> {
        let mut groups = Vec::new();
        let mut ram_seen: Option<Span> = None;
        for g in &s.devices {
            let field = format!("devices.{}", g.name.value);
            let (source, members) = match &g.kind {
                DeviceKind::Sparse(sp) => {
                    let kf = format!("{field}.sparse");
                    self.absolute(&sp.dir, &format!("{kf}.dir"));
                    let sector = sp.sector_size.as_ref().map_or(512, |s| s.value);
                    if let Some(ss) = &sp.sector_size {
                        if !ss.value.is_power_of_two() {
                            self.error(
                                ss.at,
                                &format!("{kf}.sector_size"),
                                format!("{} is not a sector size", ss.value),
                                "use 512, 1024, 2048 or 4096".to_owned(),
                            );
                        }
                        if !sp.attach.value {
                            self.error(
                                ss.at,
                                &format!("{kf}.sector_size"),
                                "`sector_size` needs a loop device",
                                "remove `loop: false` or `sector_size`".to_owned(),
                            );
                        }
                    }
                    let size = sp.size.value.bytes();
                    if size == 0 || size % u64::from(sector) != 0 {
                        self.error(sp.size.at, &format!("{kf}.size"), format!("{} is not a whole number of {sector}-byte sectors", sp.size.value), "loop devices drop a partial last sector: use a multiple of the sector size, e.g. 14T".to_owned());
                    }
                    if let Some((fs, max)) = self.host.max_file_size(&sp.dir.value)
                        && sp.size.value > max
                    {
                        self.error(sp.size.at, &format!("{kf}.size"), format!("{} files do not fit on {fs} under {} (largest file: {})", sp.size.value, sp.dir.value.display(), max.human()), "put `dir` on xfs, tmpfs or zfs, which take files up to 8 EiB, or use smaller files".to_owned());
                    }
                    let mut files = Vec::new();
                    for name in &sp.names.value {
                        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
                            self.error(
                                sp.names.at,
                                &format!("{kf}.names"),
                                format!("`{name}` is not a file name"),
                                "names are plain file names inside `dir`".to_owned(),
                            );
                            continue;
                        }
                        let path = sp.dir.value.join(name);
                        if let Some(other) = self.files.insert(path.clone(), field.clone()) {
                            self.error(sp.names.at, &kf, format!("{} is declared twice (also by {other})", path.display()), "every backing file belongs to one group: change `dir` or the names".to_owned());
                        }
                        files.push(path);
                    }
                    let members = files
                        .iter()
                        .enumerate()
                        .map(|(i, f)| Device {
                            label: format!("{}[{i}]", g.name.value),
                            path: if sp.attach.value {
                                DevicePath::Loop {
                                    var: format!("{}_{i}", g.name.value),
                                }
                            } else {
                                DevicePath::Known(f.clone())
                            },
                            size: Some(sp.size.value),
                        })
                        .collect();
                    let source = Source::Sparse {
                        files,
                        size: sp.size.value,
                        attach: sp.attach.value,
                        sector_size: sp.sector_size.as_ref().map(|s| s.value),
                        partscan: false,
                    };
                    (source, members)
                }
                DeviceKind::Ram(ram) => {
                    if let Some(first) = ram_seen {
                        self.error(g.name.at, &field, format!("only one RAM disk group is possible (the first is on line {})", first.line), "brd is loaded once: use `count:` in the first group for more RAM disks".to_owned());
                    }
                    ram_seen = Some(g.name.at);
                    let size = ram.size.value.bytes();
                    if size == 0 || size % 1024 != 0 {
                        self.error(
                            ram.size.at,
                            &format!("{field}.ram.size"),
                            format!("{} is not a whole number of KiB", ram.size.value),
                            "brd sizes RAM disks in KiB (rd_size): use e.g. 10G".to_owned(),
                        );
                    }
                    let total = size.saturating_mul(u64::from(ram.count.value));
                    if let Some(avail) = self.host.mem_available
                        && total > avail.bytes()
                    {
                        self.error(ram.size.at, &format!("{field}.ram.size"), format!("{} × {} of RAM disks is more than the {} of memory available", ram.count.value, ram.size.value, avail.human()), "use smaller or fewer RAM disks; a RAM disk that fills memory takes the machine down".to_owned());
                    }
                    let members = (0..ram.count.value)
                        .map(|i| Device {
                            label: format!("{}[{i}]", g.name.value),
                            path: DevicePath::Known(PathBuf::from(format!("/dev/ram{i}"))),
                            size: Some(ram.size.value),
                        })
                        .collect();
                    (
                        Source::Ram {
                            count: ram.count.value,
                            size: ram.size.value,
                            max_part: 0,
                        },
                        members,
                    )
                }
                DeviceKind::Disk(disk) => {
                    if !s.allow_real_disks.value {
                        self.error(g.name.at, &field, "real disks need an explicit opt-in", "add `allow_real_disks: true` at the top of the scenario once you are sure these devices may be erased".to_owned());
                    }
                    let mut members = Vec::new();
                    for (i, p) in disk.paths.iter().enumerate() {
                        let pf = format!("{field}.disk.paths[{i}]");
                        if self.absolute(p, &pf) && !p.value.starts_with("/dev/") {
                            self.error(p.at, &pf, format!("{} is not a block device path", p.value.display()), "real disks live under /dev, e.g. /dev/disk/by-id/…; for files use a `sparse` group".to_owned());
                        }
                        if self.files.insert(p.value.clone(), field.clone()).is_some() {
                            self.error(
                                p.at,
                                &pf,
                                format!("{} is declared twice", p.value.display()),
                                None,
                            );
                        }
                        members.push(Device {
                            label: format!("{}[{i}]", g.name.value),
                            path: DevicePath::Known(p.value.clone()),
                            size: None,
                        });
                    }
                    (
                        Source::Disk {
                            force: disk.force.value,
                        },
                        members,
                    )
                }
            };
            self.add_name(&g.name, &field, members.clone());
            groups.push(Group {
                name: g.name.value.clone(),
                source,
                members,
            });
        }
        groups
    }

    /// Resolves a selection to devices, each with the span of the item that chose it.
    fn select(&mut self, sel: &Located<Selection>, field: &str) -> Option<Vec<(Device, Span)>> {
        let mut out = Vec::new();
        let mut ok = true;
        for item in &sel.value.items {
            let Some((_, devices, _)) = self.names.iter().find(|(n, _, _)| n == &item.value.group)
            else {
                if self.broken.contains(&item.value.group) {
                    ok = false; // its own problem is reported already
                    continue;
                }
                let help = match suggest(
                    &item.value.group,
                    self.names.iter().map(|(n, _, _)| n.as_str()),
                ) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if self.names.is_empty() => {
                        "declare devices under `devices:` first".to_owned()
                    }
                    None => format!(
                        "declared: {}",
                        self.names
                            .iter()
                            .map(|(n, _, _)| n.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                self.error(
                    item.at,
                    field,
                    format!(
                        "no device group or partition is called `{}`",
                        item.value.group
                    ),
                    help,
                );
                ok = false;
                continue;
            };
            let devices = devices.clone();
            let (a, b) = item.value.range.unwrap_or((
                0,
                u32::try_from(devices.len())
                    .unwrap_or(u32::MAX)
                    .saturating_sub(1),
            ));
            let last = usize::try_from(b).unwrap_or(usize::MAX);
            if last >= devices.len() {
                self.error(
                    item.at,
                    field,
                    format!(
                        "`{}` is out of range: `{}` has {} device{}",
                        item.value,
                        item.value.group,
                        devices.len(),
                        if devices.len() == 1 { "" } else { "s" }
                    ),
                    format!("valid indexes are 0..{}", devices.len().saturating_sub(1)),
                );
                ok = false;
                continue;
            }
            let first = usize::try_from(a).unwrap_or(usize::MAX);
            out.extend(devices[first..=last].iter().map(|d| (d.clone(), item.at)));
        }
        ok.then_some(out)
    }

    fn tables(&mut self, s: &Scenario, groups: &mut [Group]) -> Vec<Table> {
        let mut tables = Vec::new();
        let mut mounts: HashSet<PathBuf> = HashSet::new();
        for (ti, t) in s.partitions.iter().enumerate() {
            let field = format!("partitions[{ti}]");
            let Some(selected) = self.select(&t.device, &format!("{field}.device")) else {
                continue;
            };
            let [(device, at)] = selected.as_slice() else {
                self.error(
                    t.device.at,
                    &format!("{field}.device"),
                    format!(
                        "a partition table goes on one device; this selects {}",
                        selected.len()
                    ),
                    "pick one member, e.g. `disks[0]`, and add one table per device".to_owned(),
                );
                continue;
            };
            let (device, at) = (device.clone(), *at);
            if matches!(device.path, DevicePath::Part { .. }) {
                self.error(
                    at,
                    &format!("{field}.device"),
                    format!("`{}` is already a partition", device.label),
                    "partition the whole device instead".to_owned(),
                );
                continue;
            }
            if let Some(other) = self.partitioned.insert(device.path.clone(), field.clone()) {
                self.error(
                    at,
                    &format!("{field}.device"),
                    format!("`{}` already has a partition table ({other})", device.label),
                    None,
                );
                continue;
            }
            let max = if t.label.value == LabelKind::Gpt {
                MAX_GPT_PARTS
            } else {
                MAX_MSDOS_PARTS
            };
            if t.parts.is_empty() || t.parts.len() > max {
                self.error(
                    t.label.at,
                    &format!("{field}.parts"),
                    format!(
                        "{} partitions on a {:?} label",
                        t.parts.len(),
                        t.label.value
                    )
                    .to_lowercase(),
                    format!("give 1 to {max} partitions"),
                );
            }
            if t.label.value == LabelKind::Msdos && device.size.is_some_and(|s| s.bytes() > 2 * TIB)
            {
                self.error(
                    t.label.at,
                    &format!("{field}.label"),
                    format!(
                        "an msdos label cannot address {} (MBR stops at 2 TiB)",
                        device.size.map(Size::human).unwrap_or_default()
                    ),
                    "use `label: gpt`".to_owned(),
                );
            }
            // Make the kernel see the partitions: loop devices need --partscan,
            // brd needs minors reserved with max_part.
            if let Some(g) = groups
                .iter_mut()
                .find(|g| g.members.iter().any(|m| m.path == device.path))
            {
                match &mut g.source {
                    Source::Sparse { attach: false, .. } => {
                        self.error(
                            at,
                            &format!("{field}.device"),
                            format!("`{}` is a plain file, not a device", device.label),
                            "partition tables need a loop device: remove `loop: false`".to_owned(),
                        );
                    }
                    Source::Sparse { partscan, .. } => *partscan = true,
                    Source::Ram { max_part, .. } => {
                        *max_part =
                            (*max_part).max(u32::try_from(t.parts.len()).unwrap_or(u32::MAX))
                    }
                    Source::Disk { .. } => {}
                }
            }
            let mut parts = Vec::new();
            for (pi, p) in t.parts.iter().enumerate() {
                let pf = format!("{field}.parts[{pi}]");
                let number = u32::try_from(pi + 1).unwrap_or(u32::MAX);
                let comparable = match (p.start.value, p.end.value) {
                    (Bound::Percent(a), Bound::Percent(b)) => Some(a < b),
                    (Bound::Offset(a), Bound::Offset(b)) => Some(a < b),
                    _ => None,
                };
                if comparable == Some(false) {
                    self.error(
                        p.end.at,
                        &format!("{pf}.end"),
                        format!(
                            "the partition ends ({}) before it starts ({})",
                            p.end.value, p.start.value
                        ),
                        "`end` must be after `start`".to_owned(),
                    );
                }
                if let Some(m) = &p.mount {
                    if self.absolute(m, &format!("{pf}.mount")) && !mounts.insert(m.value.clone()) {
                        self.error(
                            m.at,
                            &format!("{pf}.mount"),
                            format!("{} is mounted twice", m.value.display()),
                            None,
                        );
                    }
                    if p.fs.is_none() {
                        self.error(
                            m.at,
                            &format!("{pf}.mount"),
                            "a mount point needs a filesystem",
                            "add `fs: ext4` or `fs: xfs`".to_owned(),
                        );
                    }
                }
                let part = Device {
                    label: p.name.value.clone(),
                    path: DevicePath::Part {
                        parent: Box::new(device.path.clone()),
                        number,
                    },
                    size: device
                        .size
                        .and_then(|d| part_size(d, p.start.value, p.end.value)),
                };
                self.add_name(&p.name, &format!("{pf}.name"), vec![part.clone()]);
                parts.push(PartSpec {
                    device: part,
                    number,
                    start: p.start.value,
                    end: p.end.value,
                    fs: p.fs.as_ref().map(|f| f.value),
                    mount: p.mount.as_ref().map(|m| m.value.clone()),
                });
            }
            tables.push(Table {
                device,
                label: t.label.value,
                parts,
            });
        }
        tables
    }

    fn wipes(&mut self, s: &Scenario) -> Vec<WipeAction> {
        let mut out = Vec::new();
        for (i, w) in s.wipe.iter().enumerate() {
            if let Some(devices) = self.select(&w.devices, &format!("wipe[{i}].devices")) {
                out.extend(devices.into_iter().map(|(device, _)| WipeAction {
                    device,
                    mode: w.mode.value,
                }));
            }
        }
        out
    }

    fn pools(&mut self, s: &Scenario) -> Vec<PoolSpec> {
        let mut names: HashMap<String, Span> = HashMap::new();
        let mut out = Vec::new();
        for (i, p) in s.pools.iter().enumerate() {
            let field = format!("pools[{i}]");
            if let Some(spec) = self.pool(p, &field) {
                if let Some(first) = names.insert(spec.name.clone(), p.name.at) {
                    self.error(
                        p.name.at,
                        &format!("{field}.name"),
                        format!(
                            "pool `{}` is declared twice (first on line {})",
                            spec.name, first.line
                        ),
                        None,
                    );
                }
                out.push(spec);
            }
        }
        out
    }

    fn pool(&mut self, p: &Pool, field: &str) -> Option<PoolSpec> {
        let data = self.vdevs(
            &p.vdevs,
            &format!("{field}.vdevs"),
            &["stripe", "mirror", "raidz", "draid"],
        );
        let log = self.vdevs(&p.log, &format!("{field}.log"), &["stripe", "mirror"]);
        let special = self.vdevs(
            &p.special,
            &format!("{field}.special"),
            &["stripe", "mirror"],
        );
        let cache = p
            .cache
            .as_ref()
            .map(|c| self.plain(c, &format!("{field}.cache")))
            .unwrap_or_default();
        let spares = p
            .spares
            .as_ref()
            .map(|c| self.plain(c, &format!("{field}.spares")))
            .unwrap_or_default();
        if p.vdevs.is_empty() {
            self.error(
                p.at,
                &format!("{field}.vdevs"),
                "a pool needs at least one data vdev",
                "e.g. `vdevs: [{ type: raidz1, devices: disks }]`".to_owned(),
            );
        }
        if !p.force.value {
            self.replication(&p.vdevs, &data, &format!("{field}.vdevs"));
        }
        if let Some(a) = &p.ashift
            && !(9..=16).contains(&a.value)
        {
            self.error(
                a.at,
                &format!("{field}.ashift"),
                format!("ashift {} is out of range", a.value),
                "OpenZFS takes 9 to 16; 12 (4 KiB sectors) suits most disks".to_owned(),
            );
        }
        self.properties(
            &p.properties,
            &format!("{field}.properties"),
            properties::POOL,
            "pool",
        );
        self.properties(
            &p.root,
            &format!("{field}.root"),
            properties::DATASET,
            "dataset",
        );
        if let Some(mp) = &p.mountpoint
            && let Err(hint) = properties::check_value("mountpoint", &mp.value)
        {
            self.error(
                mp.at,
                &format!("{field}.mountpoint"),
                format!("`{}` is not a mountpoint", mp.value),
                format!("use {hint}"),
            );
        }
        if let Some(alt) = &p.altroot {
            self.absolute(alt, &format!("{field}.altroot"));
        }
        let name = self.pool_name(p, &data, field)?;
        let mut seen = HashSet::new();
        let mut datasets = Vec::new();
        for (i, d) in p.datasets.iter().enumerate() {
            let df = format!("{field}.datasets[{i}]");
            let valid = !d.name.value.is_empty()
                && d.name.value.split('/').all(|c| {
                    !c.is_empty()
                        && c.chars()
                            .all(|ch| ch.is_ascii_alphanumeric() || "_-.:".contains(ch))
                });
            if !valid {
                self.error(d.name.at, &format!("{df}.name"), format!("`{}` is not a dataset name", d.name.value), "name it below the pool without the pool's name: `Data` or `Data/sub`; letters, digits, `_-.:`".to_owned());
            } else if !seen.insert(d.name.value.clone()) {
                self.error(
                    d.name.at,
                    &format!("{df}.name"),
                    format!("dataset `{}` is declared twice", d.name.value),
                    None,
                );
            }
            self.properties(
                &d.properties,
                &format!("{df}.properties"),
                properties::DATASET,
                "dataset",
            );
            datasets.push(DatasetSpec {
                name: format!("{name}/{}", d.name.value),
                properties: pairs(&d.properties),
            });
        }
        Some(PoolSpec {
            name,
            ashift: p.ashift.as_ref().map(|a| a.value),
            data,
            log,
            special,
            cache,
            spares,
            properties: pairs(&p.properties),
            root: pairs(&p.root),
            mountpoint: p.mountpoint.as_ref().map(|m| m.value.clone()),
            altroot: p.altroot.as_ref().map(|a| a.value.clone()),
            force: p.force.value,
            datasets,
        })
    }

    /// Expands `{layout}` and checks an `N…-C…-D…-P…-S…` name against the layout.
    fn pool_name(&mut self, p: &Pool, data: &[VdevSpec], field: &str) -> Option<String> {
        let nf = format!("{field}.name");
        let layouts: Vec<_> = data
            .iter()
            .filter_map(|v| match &v.kind {
                ResolvedVdev::Draid(l) => Some(*l),
                _ => None,
            })
            .collect();
        let mut name = p.name.value.clone();
        if name.contains("{layout}") {
            let generated = match layouts.as_slice() {
                [] => Err(
                    "`{layout}` names a dRAID layout, but this pool has no dRAID vdev".to_owned(),
                ),
                [first, rest @ ..] if rest.iter().all(|l| l == first) => {
                    LayoutName::from_layout(first)
                        .map(|n| n.to_string())
                        .map_err(|e| e.to_string())
                }
                _ => Err("`{layout}` needs all dRAID vdevs to share one layout".to_owned()),
            };
            match generated {
                Ok(g) => name = name.replace("{layout}", &g),
                Err(e) => {
                    self.error(p.name.at, &nf, e, "write the name out instead".to_owned());
                    return None;
                }
            }
        } else if let Some(claimed) = LayoutName::find_in(&name) {
            if let Err(problems) = claimed.check_consistent() {
                for problem in problems {
                    self.error(
                        p.name.at,
                        &nf,
                        format!("`{name}`: {problem}"),
                        "N = C × (D + P) + S in this naming convention".to_owned(),
                    );
                }
            }
            match layouts.first() {
                None => self.error(
                    p.name.at,
                    &nf,
                    format!("`{name}` names a dRAID layout, but this pool has no dRAID vdev"),
                    "rename the pool or use a draid vdev".to_owned(),
                ),
                Some(layout) => {
                    if let Err(problems) = claimed.check(layout) {
                        for problem in problems {
                            self.error(
                                p.name.at,
                                &nf,
                                format!("`{name}` does not match {layout}: {problem}"),
                                "fix the name or the layout; `name: \"{layout}\"` generates it"
                                    .to_owned(),
                            );
                        }
                    }
                }
            }
        }
        if let Err(why) = pool_name_valid(&name) {
            self.error(
                p.name.at,
                &nf,
                format!("`{name}` is not a valid pool name: {why}"),
                "start with a letter; use letters, digits, `_`, `-`, `.`, `:`".to_owned(),
            );
        }
        Some(name)
    }

    fn vdevs(&mut self, vdevs: &[Vdev], field: &str, allowed: &[&str]) -> Vec<VdevSpec> {
        let mut out = Vec::new();
        for (i, v) in vdevs.iter().enumerate() {
            let vf = format!("{field}[{i}]");
            let word = match &v.kind.value {
                VdevKind::Stripe => "stripe",
                VdevKind::Mirror => "mirror",
                VdevKind::Raidz { .. } => "raidz",
                VdevKind::Draid(_) => "draid",
            };
            let class = field.rsplit('.').next().unwrap_or(field);
            if !allowed.contains(&word) {
                self.error(
                    v.kind.at,
                    &format!("{vf}.type"),
                    format!("a {class} vdev cannot be {}", v.kind.value),
                    format!("{class} vdevs can be: {}", allowed.join(", ")),
                );
            }
            let Some(devices) = self.select(&v.devices, &format!("{vf}.devices")) else {
                continue;
            };
            self.claim(&devices, &format!("{vf}.devices"));
            match v.kind.value.resolve(devices.len()) {
                Ok(kind) => out.push(VdevSpec {
                    kind,
                    devices: devices.into_iter().map(|(d, _)| d).collect(),
                }),
                Err(e) => self.error(
                    v.devices.at,
                    &format!("{vf}.devices"),
                    e.to_string(),
                    e.hint(),
                ),
            }
        }
        out
    }

    /// Cache and spare devices: plain devices, no vdev type.
    fn plain(&mut self, sel: &Located<Selection>, field: &str) -> Vec<Device> {
        let Some(devices) = self.select(sel, field) else {
            return Vec::new();
        };
        self.claim(&devices, field);
        devices.into_iter().map(|(d, _)| d).collect()
    }

    /// Records that a pool uses these devices; a device can serve one role only,
    /// and a partitioned device is used through its partitions.
    fn claim(&mut self, devices: &[(Device, Span)], field: &str) {
        for (d, at) in devices {
            if let Some(size) = d.size
                && size.bytes() < MIN_VDEV_SIZE
            {
                self.error(
                    *at,
                    field,
                    format!("`{}` is {}, smaller than the 64 MiB ZFS needs for a device", d.label, size.human()),
                    "zpool create fails with \"one or more devices is currently unavailable\": make it at least 64M".to_owned(),
                );
            }
            if let Some(table) = self.partitioned.get(&d.path).cloned() {
                self.error(
                    *at,
                    field,
                    format!("`{}` carries a partition table ({table})", d.label),
                    "use its partitions by name instead of the whole device".to_owned(),
                );
            }
            if let Some(other) = self.used.insert(d.path.clone(), field.to_owned()) {
                self.error(
                    *at,
                    field,
                    format!("`{}` is already used by {other}", d.label),
                    "a device can be in one vdev of one pool".to_owned(),
                );
            }
        }
    }

    /// `zpool create` refuses data vdevs of different redundancy unless forced.
    fn replication(&mut self, vdevs: &[Vdev], data: &[VdevSpec], field: &str) {
        let shape = |v: &VdevSpec| {
            (
                std::mem::discriminant(&v.kind),
                v.kind.token(),
                v.devices.len(),
            )
        };
        let Some(first) = data.first() else { return };
        if let Some(i) = data.iter().position(|v| shape(v) != shape(first)) {
            let at = vdevs.get(i).map_or(Span::default(), |v| v.kind.at);
            self.error(at, &format!("{field}[{i}]"), "mismatched replication level: data vdevs differ in type or width", "zpool create refuses this without -f: make the vdevs alike, or set `force: true` on the pool".to_owned());
        }
    }

    fn properties(&mut self, props: &[Property], field: &str, known: &[&str], what: &str) {
        for p in props {
            let pf = format!("{field}.{}", p.name.value);
            if !properties::is_known(&p.name.value, known) {
                let help = match suggest(&p.name.value, known.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "see `man {}props`; user properties need a `:` (`com.example:owner`)",
                        if what == "pool" { "zpool" } else { "zfs" }
                    ),
                };
                self.error(
                    p.name.at,
                    &pf,
                    format!("unknown {what} property `{}`", p.name.value),
                    help,
                );
            } else if let Err(hint) = properties::check_value(&p.name.value, &p.value.value) {
                self.error(
                    p.value.at,
                    &pf,
                    format!("`{}` is not a valid {}", p.value.value, p.name.value),
                    format!("use {hint}"),
                );
            }
        }
    }

    fn fill(&mut self, f: &Fill, field: &str, pools: &[PoolSpec]) -> Option<FillSpec> {
        let target = if let Some(ds) = &f.dataset {
            let pool = ds.value.split('/').next().unwrap_or_default();
            let known = self.broken.iter().any(|b| b == pool)
                || pools
                    .iter()
                    .any(|p| p.name == ds.value || p.datasets.iter().any(|d| d.name == ds.value));
            if !known {
                let all: Vec<&str> = pools
                    .iter()
                    .flat_map(|p| {
                        std::iter::once(p.name.as_str())
                            .chain(p.datasets.iter().map(|d| d.name.as_str()))
                    })
                    .collect();
                let help = match suggest(&ds.value, all.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "declared: {}",
                        if all.is_empty() {
                            "none".to_owned()
                        } else {
                            all.join(", ")
                        }
                    ),
                };
                self.error(
                    ds.at,
                    &format!("{field}.dataset"),
                    format!("no pool or dataset `{}` is declared", ds.value),
                    help,
                );
            }
            FillDir::Dataset {
                name: ds.value.clone(),
                pool: pool.to_owned(),
            }
        } else if let Some(path) = &f.path {
            self.absolute(path, &format!("{field}.path"));
            FillDir::Path(path.value.clone())
        } else {
            return None; // already reported by the decoder
        };
        if !f.pattern.value.contains("{n}") || f.pattern.value.contains('/') {
            self.error(
                f.pattern.at,
                &format!("{field}.pattern"),
                format!("`{}` does not name numbered files", f.pattern.value),
                "use a file name with `{n}`, e.g. `file_{n}`".to_owned(),
            );
        }
        const MIB: u64 = 1 << 20;
        if f.file_size.value.bytes() < MIB {
            self.error(
                f.file_size.at,
                &format!("{field}.file_size"),
                format!(
                    "{} files are too small to measure throughput",
                    f.file_size.value
                ),
                "use 1M or more; the recipe uses 1G".to_owned(),
            );
        }
        if f.buffer.value.bytes() < MIB {
            self.error(
                f.buffer.at,
                &format!("{field}.buffer"),
                format!("a {} buffer is too small", f.buffer.value),
                "use 1M or more".to_owned(),
            );
        }
        if let Some(avail) = self.host.mem_available
            && f.buffer.value.bytes() > avail.bytes() / 2
        {
            self.error(
                f.buffer.at,
                &format!("{field}.buffer"),
                format!(
                    "a {} buffer needs more than half of the {} available memory",
                    f.buffer.value,
                    avail.human()
                ),
                "the buffer is reused for every file: 32M is plenty".to_owned(),
            );
        }
        match f.until.value {
            FillTarget::Files(0) => self.error(
                f.until.at,
                &format!("{field}.until"),
                "a fill of 0 files does nothing",
                None,
            ),
            FillTarget::Bytes(b) if b.bytes() == 0 => self.error(
                f.until.at,
                &format!("{field}.until"),
                "a fill of 0 bytes does nothing",
                None,
            ),
            FillTarget::Bytes(b) => {
                if let FillDir::Dataset { pool, .. } = &target {
                    let raw = pools.iter().find(|p| &p.name == pool).map(raw_size);
                    if let Some(Some(raw)) = raw
                        && b > raw
                    {
                        self.error(
                            f.until.at,
                            &format!("{field}.until"),
                            format!("{b} is more than the pool's {} of raw space", raw.human()),
                            "use a percentage (`75%`) to fill relative to the real capacity"
                                .to_owned(),
                        );
                    }
                }
            }
            FillTarget::Percent(_) | FillTarget::Files(_) => {}
        }
        self.properties(
            &f.during,
            &format!("{field}.during"),
            properties::DATASET,
            "dataset",
        );
        let after = match &f.after.value {
            After::Restore => None,
            After::Set(props) => {
                self.properties(
                    props,
                    &format!("{field}.after"),
                    properties::DATASET,
                    "dataset",
                );
                Some(pairs(props))
            }
        };
        Some(FillSpec {
            target,
            until: f.until.value,
            file_size: f.file_size.value,
            buffer: f.buffer.value,
            pattern: f.pattern.value.clone(),
            streams: f.streams.value,
            window: f.window.value,
            direct: f.direct.value,
            during: pairs(&f.during),
            after,
            charge_per_file: None,
        })
    }
}

fn pairs(props: &[Property]) -> Vec<(String, String)> {
    props
        .iter()
        .map(|p| (p.name.value.clone(), p.value.value.clone()))
        .collect()
}

/// The data vdevs' summed device sizes, when all are known: an upper bound no
/// fill can exceed.
fn raw_size(pool: &PoolSpec) -> Option<Size> {
    pool.data
        .iter()
        .flat_map(|v| v.devices.iter())
        .try_fold(0u64, |acc, d| d.size.map(|s| acc.saturating_add(s.bytes())))
        .map(Size::from_bytes)
}

/// OpenZFS's `pool_namecheck()` (module/zcommon/zfs_namecheck.c) and the reserved
/// names of `zpool_name_valid()` (lib/libzfs/libzfs_pool.c).
fn pool_name_valid(name: &str) -> Result<(), &'static str> {
    // zpool_name_valid(): these prefixes, and exactly `log`, are reserved at create.
    const RESERVED: &[&str] = &["mirror", "raidz", "draid", "spare"];
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.len() >= 256 {
        return Err("it is 256 characters or longer");
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err("it must begin with a letter");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.: ".contains(c))
    {
        return Err("it contains a character ZFS does not allow");
    }
    if RESERVED.iter().any(|r| name.starts_with(r)) || name == "log" {
        return Err("names beginning with mirror, raidz, draid or spare, and `log`, are reserved");
    }
    if name.len() >= 2
        && name.starts_with('c')
        && name[1..].starts_with(|c: char| c.is_ascii_digit())
    {
        return Err("names like `c0…` are reserved");
    }
    Ok(())
}

/// `SPA_MINDEVSIZE`: OpenZFS refuses smaller vdevs.
const MIN_VDEV_SIZE: u64 = 64 << 20;

/// A partition's size from its bounds on a device of known size (before
/// parted's alignment, which takes at most a MiB).
fn part_size(device: Size, start: Bound, end: Bound) -> Option<Size> {
    let at = |b: Bound| match b {
        Bound::Percent(p) => u64::try_from(u128::from(device.bytes()) * u128::from(p) / 100).ok(),
        Bound::Offset(o) => Some(o.bytes()),
    };
    Some(Size::from_bytes(at(end)?.checked_sub(at(start)?)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_names_follow_zfs_rules() {
        assert!(pool_name_valid("N58-C3-D16-P2-S4").is_ok());
        assert!(pool_name_valid("tank").is_ok());
        assert!(pool_name_valid("mirror1").is_err());
        assert!(pool_name_valid("1tank").is_err());
        assert!(pool_name_valid("c0d0").is_err());
        assert!(pool_name_valid("ta/nk").is_err());
    }
}
