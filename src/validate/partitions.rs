//! Partition tables: labels, bounds, sizes and mounts on the devices they split.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::diag::Span;
use crate::lab::{Device, DevicePath, Group, PartSpec, Source, Table};
use crate::scenario::Scenario;
use crate::scenario::model::{Bound, LabelKind, Part, PartitionTable};
use crate::scenario::size::Size;

use super::Checker;
use super::paths::Role;

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
            let Some((device, at)) = self.table_device(t, &field) else {
                continue;
            };
            self.table_label(t, &device, &field);
            self.partscan(groups, t, &device, at, &field);
            let parts = t
                .parts
                .iter()
                .enumerate()
                .map(|(pi, p)| self.partition(p, pi, &device, &field, &mut mounts))
                .collect();
            tables.push(Table {
                device,
                label: t.label.value,
                parts,
            });
        }
        tables
    }

    /// The one whole device a table goes on, not partitioned yet.
    fn table_device(&mut self, t: &PartitionTable, field: &str) -> Option<(Device, Span)> {
        let selected = self.select(&t.device, &format!("{field}.device"))?;
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
            return None;
        };
        let (device, at) = (device.clone(), *at);
        if matches!(device.path, DevicePath::Part { .. }) {
            self.error(
                at,
                &format!("{field}.device"),
                format!("`{}` is already a partition", device.label),
                "partition the whole device instead".to_owned(),
            );
            return None;
        }
        if let Some(other) = self
            .partitioned
            .insert(device.path.clone(), field.to_owned())
        {
            self.error(
                at,
                &format!("{field}.device"),
                format!("`{}` already has a partition table ({other})", device.label),
                None,
            );
            return None;
        }
        Some((device, at))
    }

    /// As many partitions as the label holds, on a device it can address.
    fn table_label(&mut self, t: &PartitionTable, device: &Device, field: &str) {
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
        if t.label.value == LabelKind::Msdos && device.size.is_some_and(|s| s.bytes() > 2 * TIB) {
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
    }

    /// Makes the kernel see the partitions: loop devices need --partscan,
    /// brd needs minors reserved with max_part; a plain file has none.
    fn partscan(
        &mut self,
        groups: &mut [Group],
        t: &PartitionTable,
        device: &Device,
        at: Span,
        field: &str,
    ) {
        let Some(g) = groups
            .iter_mut()
            .find(|g| g.members.iter().any(|m| m.path == device.path))
        else {
            return;
        };
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
                *max_part = (*max_part).max(u32::try_from(t.parts.len()).unwrap_or(u32::MAX));
            }
            Source::Disk { .. } => {}
        }
    }

    /// One partition: its bounds in order, its mount, its name as a device.
    fn partition(
        &mut self,
        p: &Part,
        pi: usize,
        device: &Device,
        field: &str,
        mounts: &mut HashSet<PathBuf>,
    ) -> PartSpec {
        let pf = format!("{field}.parts[{pi}]");
        let number = u32::try_from(pi + 1).unwrap_or(u32::MAX);
        self.part_bounds(p, &pf);
        self.part_mount(p, &pf, mounts);
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
        PartSpec {
            device: part,
            number,
            start: p.start.value,
            end: p.end.value,
            fs: p.fs.as_ref().map(|f| f.value),
            mount: p.mount.as_ref().map(|m| m.value.clone()),
        }
    }

    /// `end` after `start`, where the two can be compared.
    fn part_bounds(&mut self, p: &Part, pf: &str) {
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
    }

    /// A mount point: safe, used once, with a filesystem to mount.
    fn part_mount(&mut self, p: &Part, pf: &str, mounts: &mut HashSet<PathBuf>) {
        let Some(m) = &p.mount else { return };
        if self.absolute(m, &format!("{pf}.mount"))
            && self.safe_path(m, &format!("{pf}.mount"), Role::MountPoint)
            && !mounts.insert(m.value.clone())
        {
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
