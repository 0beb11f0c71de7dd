//! Device groups (files, RAM disks, real disks) and wipes: what a lab is built on.

use std::path::PathBuf;

use crate::device::loop_var;
use crate::diag::Span;
use crate::lab::{Device, DevicePath, Group, Source, WipeAction};
use crate::scenario::Scenario;
use crate::scenario::model::DeviceKind;

use super::Checker;

impl Checker<'_> {
    pub(super) fn groups(&mut self, s: &Scenario) -> Vec<Group> {
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
                                    var: loop_var(&g.name.value, i),
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

    pub(super) fn wipes(&mut self, s: &Scenario) -> Vec<WipeAction> {
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
}
