//! Device groups (files, RAM disks, real disks) and wipes: what a lab is built on.

use std::path::PathBuf;

use crate::device::loop_var;
use crate::diag::Span;
use crate::lab::{Device, DevicePath, Group, Source, WipeAction};
use crate::scenario::Scenario;
use crate::scenario::model::{DeviceKind, RamDisks, RealDisks, SparseFiles};

use super::Checker;
use super::paths::Role;

impl Checker<'_> {
    pub(super) fn groups(&mut self, s: &Scenario) -> Vec<Group> {
        let mut groups = Vec::new();
        let mut ram_seen: Option<Span> = None;
        for g in &s.devices {
            let field = format!("devices.{}", g.name.value);
            let name = &g.name.value;
            let (source, members) = match &g.kind {
                DeviceKind::Sparse(sp) => self.sparse_group(name, sp, &field),
                DeviceKind::Ram(ram) => {
                    if let Some(first) = ram_seen {
                        self.error(g.name.at, &field, format!("only one RAM disk group is possible (the first is on line {})", first.line), "brd is loaded once: use `count:` in the first group for more RAM disks".to_owned());
                    }
                    ram_seen = Some(g.name.at);
                    self.ram_group(name, ram, &field)
                }
                DeviceKind::Disk(disk) => {
                    if !s.allow_real_disks.value {
                        self.error(g.name.at, &field, "real disks need an explicit opt-in", "add `allow_real_disks: true` at the top of the scenario once you are sure these devices may be erased".to_owned());
                    }
                    self.disk_group(name, disk, &field)
                }
            };
            self.add_name(&g.name, &field, members.clone());
            groups.push(Group {
                name: name.clone(),
                source,
                members,
            });
        }
        groups
    }

    /// Sparse files: a safe directory, a size loop devices take whole, and
    /// file names of their own.
    fn sparse_group(&mut self, name: &str, sp: &SparseFiles, field: &str) -> (Source, Vec<Device>) {
        let kf = format!("{field}.sparse");
        self.absolute(&sp.dir, &format!("{kf}.dir"));
        self.safe_path(&sp.dir, &format!("{kf}.dir"), Role::SparseDir);
        self.sector_size(sp, &kf);
        self.sparse_size(sp, &kf);
        let files = self.sparse_files(sp, field, &kf);
        let members = files
            .iter()
            .enumerate()
            .map(|(i, f)| Device {
                label: format!("{name}[{i}]"),
                path: if sp.attach.value {
                    DevicePath::Loop {
                        var: loop_var(name, i),
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

    /// `sector_size` is a power of two and needs a loop device.
    fn sector_size(&mut self, sp: &SparseFiles, kf: &str) {
        let Some(ss) = &sp.sector_size else { return };
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

    /// Whole sectors, and no larger than the directory's filesystem allows.
    fn sparse_size(&mut self, sp: &SparseFiles, kf: &str) {
        let sector = sp.sector_size.as_ref().map_or(512, |s| s.value);
        let size = sp.size.value.bytes();
        if size == 0 || !size.is_multiple_of(u64::from(sector)) {
            self.error(sp.size.at, &format!("{kf}.size"), format!("{} is not a whole number of {sector}-byte sectors", sp.size.value), "loop devices drop a partial last sector: use a multiple of the sector size, e.g. 14T".to_owned());
        }
        if let Some((fs, max)) = self.host.max_file_size(&sp.dir.value)
            && sp.size.value > max
        {
            self.error(sp.size.at, &format!("{kf}.size"), format!("{} files do not fit on {fs} under {} (largest file: {})", sp.size.value, sp.dir.value.display(), max.human()), "put `dir` on xfs, tmpfs or zfs, which take files up to 8 EiB, or use smaller files".to_owned());
        }
    }

    /// The backing files: plain names inside `dir`, each declared once.
    fn sparse_files(&mut self, sp: &SparseFiles, field: &str, kf: &str) -> Vec<PathBuf> {
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
            self.sparse_member(&path, sp.names.at, &format!("{kf}.names"));
            if let Some(other) = self.files.insert(path.clone(), field.to_owned()) {
                self.error(
                    sp.names.at,
                    kf,
                    format!("{} is declared twice (also by {other})", path.display()),
                    "every backing file belongs to one group: change `dir` or the names".to_owned(),
                );
            }
            files.push(path);
        }
        files
    }

    /// RAM disks: whole KiB, and no more than the memory available.
    fn ram_group(&mut self, name: &str, ram: &RamDisks, field: &str) -> (Source, Vec<Device>) {
        let size = ram.size.value.bytes();
        if size == 0 || !size.is_multiple_of(1024) {
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
                label: format!("{name}[{i}]"),
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

    /// Real disks: safe absolute paths under /dev, each declared once.
    fn disk_group(&mut self, name: &str, disk: &RealDisks, field: &str) -> (Source, Vec<Device>) {
        let mut members = Vec::new();
        for (i, p) in disk.paths.iter().enumerate() {
            let pf = format!("{field}.disk.paths[{i}]");
            if self.absolute(p, &pf)
                && self.safe_path(p, &pf, Role::Disk)
                && !p.value.starts_with("/dev/")
            {
                self.error(p.at, &pf, format!("{} is not a block device path", p.value.display()), "real disks live under /dev, e.g. /dev/disk/by-id/…; for files use a `sparse` group".to_owned());
            }
            if self
                .files
                .insert(p.value.clone(), field.to_owned())
                .is_some()
            {
                self.error(
                    p.at,
                    &pf,
                    format!("{} is declared twice", p.value.display()),
                    None,
                );
            }
            members.push(Device {
                label: format!("{name}[{i}]"),
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

    pub(super) fn wipes(&mut self, s: &Scenario) -> Vec<WipeAction> {
        let mut out = Vec::new();
        for (i, w) in s.wipe.iter().enumerate() {
            let field = format!("wipe[{i}].devices");
            let Some(devices) = self.select(&w.devices, &field) else {
                continue;
            };
            for (device, at) in devices {
                // Wipes run before any pool exists, and a new volume is blank.
                if matches!(device.path, DevicePath::Volume { .. }) {
                    self.error(
                        at,
                        &field,
                        format!(
                            "`{}` is a volume zlab creates: there is nothing on it to wipe",
                            device.label
                        ),
                        "remove it from `wipe:`".to_owned(),
                    );
                    continue;
                }
                out.push(WipeAction {
                    device,
                    mode: w.mode.value,
                });
            }
        }
        out
    }
}
