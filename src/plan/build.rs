//! Lab → ordered plan: files, loop devices, RAM disks, wipes, partitions and
//! filesystems, pools (each followed by its volumes and the partitions and
//! filesystems on them), datasets, fills. Teardown is the reverse of the undos.

use std::path::PathBuf;

use super::step::Step;
use crate::capacity::LabCapacity;
use crate::device::loop_var;
use crate::lab::{DevicePath, Lab, Source, Table};
use crate::scenario::model::WipeMode;
use crate::system::command::CommandLine;
use crate::zfs::owner::Owner;

#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub lab: String,
    pub file: PathBuf,
    pub steps: Vec<Step>,
    /// Block devices zlab did not create: checked before `up` touches anything.
    pub disks: Vec<RealDisk>,
    /// What `zlab experiment` runs once the lab is up (not part of `up`).
    pub experiments: Vec<crate::lab::ExperimentSpec>,
}

/// A real disk the scenario uses, and whether it may be used although it looks busy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RealDisk {
    pub label: String,
    pub path: PathBuf,
    pub force: bool,
}

pub(crate) fn build(lab: &Lab, capacity: &LabCapacity) -> Plan {
    let mut steps = Vec::new();
    let mut dirs: Vec<&std::path::Path> = Vec::new();
    for g in &lab.groups {
        if let Source::Sparse { files, .. } = &g.source {
            for dir in files.iter().filter_map(|f| f.parent()) {
                if !dirs.contains(&dir) {
                    dirs.push(dir);
                    steps.push(Step::CreateDir {
                        path: dir.to_path_buf(),
                    });
                }
            }
        }
    }
    for g in &lab.groups {
        if let Source::Sparse { files, size, .. } = &g.source {
            steps.extend(files.iter().map(|f| Step::CreateFile {
                path: f.clone(),
                size: *size,
            }));
        }
    }
    for g in &lab.groups {
        if let Source::Sparse {
            files,
            attach: true,
            sector_size,
            partscan,
            ..
        } = &g.source
        {
            steps.extend(files.iter().enumerate().map(|(i, f)| Step::AttachLoop {
                file: f.clone(),
                var: loop_var(&g.name, i),
                sector_size: *sector_size,
                partscan: *partscan,
            }));
        }
    }
    for g in &lab.groups {
        if let Source::Ram {
            count,
            size,
            max_part,
        } = &g.source
        {
            steps.push(Step::LoadBrd {
                count: *count,
                size: *size,
                max_part: *max_part,
            });
        }
    }
    for w in &lab.wipes {
        let device = w.device.path.clone();
        steps.push(match w.mode {
            WipeMode::Labels => Step::WipeLabels { device },
            WipeMode::Ends { mib } => Step::WipeEnds { device, mib },
            WipeMode::Zero => Step::WipeZero { device },
        });
    }
    // A volume exists only once its pool does: its table comes after it.
    let (on_volumes, on_devices): (Vec<_>, Vec<_>) = lab
        .tables
        .iter()
        .partition(|t| matches!(t.device.path, DevicePath::Volume { .. }));
    for t in on_devices {
        table(&mut steps, t);
    }
    // Pools in order, each with its volumes and what is on them, so a later
    // pool can be built on an earlier one's volume.
    for pool in &lab.pools {
        steps.push(Step::CreatePool {
            pool: pool.clone(),
            owner: None,
        });
        for v in &pool.volumes {
            steps.push(Step::CreateVolume { volume: v.clone() });
            for t in on_volumes.iter().filter(|t| t.device.path == v.device.path) {
                table(&mut steps, t);
            }
        }
    }
    for pool in &lab.pools {
        steps.extend(pool.datasets.iter().map(|d| Step::CreateDataset {
            name: d.name.clone(),
            properties: d.properties.clone(),
        }));
    }
    steps.extend(lab.fills.iter().map(|f| Step::Fill {
        fill: f.clone(),
        charge_per_file: capacity.charge_per_file(f),
    }));
    let disks = lab
        .groups
        .iter()
        .filter_map(|g| match g.source {
            Source::Disk { force } => Some(g.members.iter().filter_map(move |m| match &m.path {
                DevicePath::Known(path) => Some(RealDisk {
                    label: m.label.clone(),
                    path: path.clone(),
                    force,
                }),
                _ => None,
            })),
            _ => None,
        })
        .flatten()
        .collect();
    Plan {
        lab: lab.name.clone(),
        file: lab.file.clone(),
        steps,
        disks,
        experiments: lab.experiments.clone(),
    }
}

/// A partition table, then each partition's filesystem and mount.
fn table(steps: &mut Vec<Step>, t: &Table) {
    steps.push(Step::Partition {
        device: t.device.path.clone(),
        label: t.label,
        parts: t.parts.clone(),
    });
    for p in &t.parts {
        if let Some(fs) = p.fs {
            steps.push(Step::Mkfs {
                device: p.device.path.clone(),
                fs,
            });
        }
        if let Some(path) = &p.mount {
            steps.push(Step::Mount {
                device: p.device.path.clone(),
                path: path.clone(),
            });
        }
    }
}

impl Plan {
    /// The plan of the lab `owner` names: every pool it creates records it
    /// (`zfs/owner.rs`), so the pool can be proved the lab's without a journal.
    pub(crate) fn owned_by(mut self, owner: &Owner) -> Plan {
        for step in &mut self.steps {
            if let Step::CreatePool { owner: o, .. } = step {
                *o = Some(owner.clone());
            }
        }
        self
    }

    /// Undo commands in reverse step order, each with the index of its step.
    pub(crate) fn teardown(&self) -> Vec<(usize, CommandLine)> {
        self.steps
            .iter()
            .enumerate()
            .rev()
            .flat_map(|(i, s)| s.undo().into_iter().map(move |c| (i, c)))
            .collect()
    }

    /// Every program the plan and its teardown run, once each, for preflight.
    pub(crate) fn programs(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if !self.disks.is_empty() {
            // Real disks are inspected before use (exec::guard).
            out.extend(["lsblk".to_owned(), "wipefs".to_owned()]);
        }
        for s in &self.steps {
            for c in s.commands().into_iter().chain(s.undo()) {
                let probe = c.only_if.map(|p| p.program);
                for program in std::iter::once(c.program).chain(probe) {
                    if !out.contains(&program) {
                        out.push(program);
                    }
                }
            }
        }
        out
    }
}
