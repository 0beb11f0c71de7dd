//! Partition tables: labels, bounds, sizes and mounts on the devices they split.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::lab::{Device, DevicePath, Group, PartSpec, Source, Table};
use crate::scenario::Scenario;
use crate::scenario::model::{Bound, LabelKind};
use crate::scenario::size::Size;

use super::Checker;

const TIB: u64 = 1 << 40;
/// GPT allows 128 entries by default; an MBR table four primary partitions.
const MAX_GPT_PARTS: usize = 128;
const MAX_MSDOS_PARTS: usize = 4;

impl Checker<'_> {
    pub(super) fn tables(&mut self, s: &Scenario, groups: &mut [Group]) -> Vec<Table> {
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
}

/// A partition's size from its bounds on a device of known size (before
/// parted's alignment, which takes at most a MiB).
fn part_size(device: Size, start: Bound, end: Bound) -> Option<Size> {
    let at = |b: Bound| match b {
        Bound::Percent(p) => u64::try_from(u128::from(device.bytes()) * u128::from(p) / 100).ok(),
        Bound::Offset(o) => Some(o.bytes()),
    };
    Some(Size::from_bytes(at(end)?.checked_sub(at(start)?)?))
}
