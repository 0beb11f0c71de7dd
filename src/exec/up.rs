//! `zlab up`: carry out a plan step by step, journaling every resource before
//! and after it is created, refusing to touch what zlab does not own.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::event::{Event, Outcome};
use super::journal::{Journal, Resource};
use super::{guard, verify};
use crate::error::Error;
use crate::plan::Plan;
use crate::plan::step::Step;
use crate::system::command::CommandLine;
use crate::system::probe;
use crate::system::{CommandError, System};

const MIB: u64 = 1 << 20;

/// The journal of a lab's state directory.
pub(crate) fn journal_path(state_dir: &Path) -> PathBuf {
    state_dir.join("journal.json")
}

/// Builds the lab. Re-running continues where an earlier run stopped: steps the
/// journal records as done are verified, not repeated.
pub(crate) fn up(
    plan: &Plan,
    state_dir: &Path,
    sys: &dyn System,
    emit: &mut dyn FnMut(&Event),
) -> Result<(), Error> {
    let path = journal_path(state_dir);
    let mut journal = Journal::load(sys, &path, &plan.lab).map_err(Error::Journal)?;
    refuse_foreign(plan, &journal, sys, emit)?;
    let total = plan.steps.len();
    let mut verified = false;
    for (i, step) in plan.steps.iter().enumerate() {
        let index = i + 1;
        let description = step.describe();
        // Fills start only on a lab that is what the scenario says.
        if matches!(step, Step::Fill { .. }) && !verified {
            verify(plan, &journal, sys, emit)?;
            verified = true;
        }
        if journal.find(&description).is_some_and(|r| r.done) {
            emit(&Event::StepFinished {
                index,
                total,
                description,
                outcome: Outcome::AlreadyPresent,
                elapsed: std::time::Duration::ZERO,
            });
            continue;
        }
        emit(&Event::StepStarted {
            index,
            total,
            description: description.clone(),
        });
        let started = Instant::now();
        // A record without `done` is a step an earlier run began: keep its claim.
        let earlier = journal.find(&description).map(|r| r.resource.clone());
        let resumed = earlier.is_some();
        let owned = earlier.unwrap_or_else(|| owned_resource(step, sys));
        journal.set(&description, owned.clone(), false);
        journal.save(sys, &path).map_err(Error::Journal)?;
        let result = match step {
            Step::Fill {
                fill,
                charge_per_file,
            } => crate::fill::run(fill, *charge_per_file, state_dir, sys, &mut |e| {
                emit(&Event::Fill(e.clone()));
            })
            .map(|_| (Resource::Action, Outcome::Done))
            .map_err(|source| Error::Fill {
                target: fill.target.to_string(),
                source,
            }),
            _ => run_step(step, &journal, owned, resumed, sys, emit).map_err(|source| {
                Error::StepFailed {
                    step: description.clone(),
                    source,
                }
            }),
        };
        match result {
            Ok((resource, outcome)) => {
                journal.set(&description, resource, true);
                journal.save(sys, &path).map_err(Error::Journal)?;
                emit(&Event::StepFinished {
                    index,
                    total,
                    description,
                    outcome,
                    elapsed: started.elapsed(),
                });
            }
            Err(error) => {
                emit(&Event::StepFailed {
                    index,
                    total,
                    description,
                    error: error.to_string(),
                });
                return Err(error);
            }
        }
    }
    if !verified {
        verify(plan, &journal, sys, emit)?;
    }
    Ok(())
}

/// Reads back every pool's topology and properties and compares them with
/// the scenario.
fn verify(
    plan: &Plan,
    journal: &Journal,
    sys: &dyn System,
    emit: &mut dyn FnMut(&Event),
) -> Result<(), Error> {
    let bind = |var: &str| journal.binding(var);
    let resolve = |d: &crate::lab::Device| {
        d.path
            .resolve(&bind)
            .map_or_else(|| d.path.to_string(), |p| p.display().to_string())
    };
    let mut diffs = Vec::new();
    for step in &plan.steps {
        if let Step::CreatePool { pool } = step {
            let found = verify::actual(sys, &pool.name)
                .and_then(|got| verify::verify_pool(sys, pool, &got, &resolve))
                .map_err(|source| Error::StepFailed {
                    step: format!("verify pool {}", pool.name),
                    source,
                })?;
            if found.is_empty() {
                emit(&Event::Note(format!(
                    "verified: pool {} has the topology and properties the scenario asks for",
                    pool.name
                )));
            }
            diffs.extend(found);
        }
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(Error::Mismatch(diffs))
    }
}

/// Refuses, before anything runs, to take over what exists and is not ours.
fn refuse_foreign(
    plan: &Plan,
    journal: &Journal,
    sys: &dyn System,
    emit: &mut dyn FnMut(&Event),
) -> Result<(), Error> {
    // Once a run has begun, the disks carry what zlab put there.
    if journal.records.is_empty() {
        for disk in &plan.disks {
            let problems = guard::disk_problems(sys, &disk.path).map_err(|e| {
                Error::Refused(format!(
                    "cannot inspect {} ({}): {e}",
                    disk.path.display(),
                    disk.label
                ))
            })?;
            if problems.is_empty() {
                continue;
            }
            if disk.force {
                emit(&Event::Note(format!(
                    "warning: using {} ({}) although {}, because its group says `force: true`",
                    disk.path.display(),
                    disk.label,
                    problems.join("; ")
                )));
            } else {
                return Err(Error::Refused(format!(
                    "{} ({}) is in use or not blank: {}; if it may be erased, set `force: true` on its disk group",
                    disk.path.display(),
                    disk.label,
                    problems.join("; ")
                )));
            }
        }
    }
    let ours = |step: &Step| journal.find(&step.describe()).is_some();
    for step in &plan.steps {
        match step {
            Step::CreatePool { pool } if !ours(step) && probe::pool_exists(sys, &pool.name) => {
                return Err(Error::Refused(format!(
                    "pool `{}` already exists and zlab did not create it; export or destroy it, or rename the pool in the scenario",
                    pool.name
                )));
            }
            Step::AttachLoop { file, .. } if !ours(step) => {
                if let Some(dev) = probe::loops_of(sys, file).first() {
                    return Err(Error::Refused(format!(
                        "{} is already attached to {} by someone else; detach it (`losetup --detach {}`) first",
                        file.display(),
                        dev.display(),
                        dev.display()
                    )));
                }
            }
            Step::LoadBrd { .. } if !ours(step) && probe::module_loaded(sys, "brd") => {
                return Err(Error::Refused("brd is already loaded, possibly with other parameters and in use; `rmmod brd` first if its RAM disks are free".to_owned()));
            }
            Step::Mount { path, .. } if !ours(step) && probe::is_mounted(sys, path) => {
                return Err(Error::Refused(format!(
                    "something is already mounted on {}",
                    path.display()
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// What the step will own once it has run: nothing if its target already
/// exists (a directory or file zlab did not make is never removed by `down`).
fn owned_resource(step: &Step, sys: &dyn System) -> Resource {
    match step {
        Step::CreateDir { path } if !sys.exists(path) => Resource::Dir { path: path.clone() },
        Step::CreateFile { path, .. } if !sys.exists(path) => Resource::File { path: path.clone() },
        Step::AttachLoop { file, var, .. } => Resource::Loop {
            file: file.clone(),
            var: var.clone(),
            device: None,
        },
        Step::LoadBrd { .. } => Resource::Brd,
        Step::Mount { path, .. } => Resource::Mount { path: path.clone() },
        Step::CreatePool { pool } => Resource::Pool {
            name: pool.name.clone(),
        },
        _ => Resource::Action,
    }
}

fn run_step(
    step: &Step,
    journal: &Journal,
    owned: Resource,
    resumed: bool,
    sys: &dyn System,
    emit: &mut dyn FnMut(&Event),
) -> Result<(Resource, Outcome), CommandError> {
    let bind = |var: &str| journal.binding(var);
    // A step interrupted by a crash may have done its work: adopt it.
    if resumed {
        let adopted = match (step, &owned) {
            (Step::AttachLoop { file, .. }, Resource::Loop { file: f, var, .. }) => {
                probe::loops_of(sys, file).first().map(|d| Resource::Loop {
                    file: f.clone(),
                    var: var.clone(),
                    device: Some(d.clone()),
                })
            }
            (Step::LoadBrd { .. }, _) if probe::module_loaded(sys, "brd") => Some(owned.clone()),
            (Step::CreatePool { pool }, _) if probe::pool_exists(sys, &pool.name) => {
                Some(owned.clone())
            }
            (Step::Mount { path, .. }, _) if probe::is_mounted(sys, path) => Some(owned.clone()),
            _ => None,
        };
        if let Some(resource) = adopted {
            return Ok((resource, Outcome::AlreadyPresent));
        }
    }
    match step {
        Step::CreateDir { path } | Step::CreateFile { path, .. }
            if sys.exists(path) && owned == Resource::Action =>
        {
            return Ok((Resource::Action, Outcome::AlreadyPresent));
        }
        Step::CreateDataset { name, .. } if probe::dataset_exists(sys, name) => {
            return Ok((Resource::Action, Outcome::AlreadyPresent));
        }
        Step::WipeEnds { device, mib } => {
            let dev = resolved(device, &bind)?;
            let len = u64::from(*mib) * MIB;
            let size = probe::device_size(sys, &dev).unwrap_or(0);
            emit(&Event::Command(format!(
                "<zero {mib} MiB at both ends of {}>",
                dev.display()
            )));
            sys.zero(&dev, 0, len.min(size))?;
            sys.zero(&dev, size.saturating_sub(len), len.min(size))?;
            return Ok((Resource::Action, Outcome::Done));
        }
        Step::WipeZero { device } => {
            let dev = resolved(device, &bind)?;
            let size = probe::device_size(sys, &dev).unwrap_or(0);
            emit(&Event::Command(format!(
                "<zero all {size} bytes of {}>",
                dev.display()
            )));
            sys.zero(&dev, 0, size)?;
            return Ok((Resource::Action, Outcome::Done));
        }
        _ => {}
    }
    let mut output = String::new();
    for command in step.commands() {
        let command = command
            .resolve(&bind)
            .ok_or_else(|| CommandError::Unresolved {
                command: command.to_string(),
            })?;
        if let Some(probe_cmd) = &command.only_if
            && sys.run(probe_cmd).is_err()
        {
            continue;
        }
        let plain = CommandLine {
            only_if: None,
            ..command
        };
        emit(&Event::Command(plain.to_string()));
        output = sys.run(&plain)?.stdout;
    }
    let resource = match owned {
        Resource::Loop { file, var, .. } => Resource::Loop {
            file,
            var,
            device: Some(PathBuf::from(output.trim())),
        },
        other => other,
    };
    Ok((resource, Outcome::Done))
}

fn resolved(
    device: &crate::lab::DevicePath,
    bind: &dyn Fn(&str) -> Option<PathBuf>,
) -> Result<PathBuf, CommandError> {
    device
        .resolve(bind)
        .ok_or_else(|| CommandError::Unresolved {
            command: device.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::host::HostFacts;
    use crate::system::fake::FakeSystem;

    const LAB: &str = "lab: t\ndevices:\n  d:\n    sparse: { dir: /z, count: 2, size: 1G }\npools:\n  - name: tank\n    vdevs: [{ type: mirror, devices: d }]\n";

    fn plan() -> Plan {
        let scenario = crate::scenario::load_str(Path::new("t.yaml"), LAB).expect("decodes");
        let lab = crate::validate::validate(&scenario, &HostFacts::unknown()).expect("valid");
        crate::plan::build(&lab, &crate::capacity::of(&lab))
    }

    /// The refusal checks' answers: neither backing file is attached yet.
    fn no_foreign_files(sys: &FakeSystem) -> &FakeSystem {
        sys.expect(
            "losetup --list --noheadings --output NAME --associated /z/disk0.img",
            "",
        )
        .expect(
            "losetup --list --noheadings --output NAME --associated /z/disk1.img",
            "",
        )
    }

    #[test]
    fn up_runs_the_plan_binding_loop_devices_and_journals_them() {
        let sys = FakeSystem::new();
        no_foreign_files(&sys)
            .expect_failure("zpool list -H -o name tank", "no such pool")
            .expect("mkdir -p /z", "")
            .expect("truncate -s 1G /z/disk0.img", "")
            .expect("truncate -s 1G /z/disk1.img", "")
            .expect("losetup --find --show /z/disk0.img", "/dev/loop4\n")
            .expect("losetup --find --show /z/disk1.img", "/dev/loop5\n")
            .expect("zpool create tank mirror /dev/loop4 /dev/loop5", "")
            .expect(
                "zpool status -jP --json-int tank",
                r#"{"pools":{"tank":{"vdevs":{"tank":{"vdevs":{"mirror-0":{"name":"mirror-0","vdevs":{
                    "/dev/loop4":{"path":"/dev/loop4"},"/dev/loop5":{"path":"/dev/loop5"}}}}}}}}}"#,
            );
        up(&plan(), Path::new("/state"), &sys, &mut |_| {}).expect("up");
        let journal = Journal::load(&sys, Path::new("/state/journal.json"), "t").expect("journal");
        assert!(journal.records.iter().all(|r| r.done));
        assert_eq!(journal.binding("d_1"), Some(PathBuf::from("/dev/loop5")));
    }

    #[test]
    fn a_failed_step_stays_journaled_as_started() {
        let sys = FakeSystem::new();
        no_foreign_files(&sys)
            .expect_failure("zpool list -H -o name tank", "no such pool")
            .expect("mkdir -p /z", "")
            .expect_failure("truncate -s 1G /z/disk0.img", "No space left on device");
        let err = up(&plan(), Path::new("/state"), &sys, &mut |_| {}).expect_err("fails");
        assert!(matches!(err, Error::StepFailed { .. }), "{err}");
        let journal = Journal::load(&sys, Path::new("/state/journal.json"), "t").expect("journal");
        let last = journal.records.last().expect("a record");
        assert_eq!(
            last.resource,
            Resource::File {
                path: "/z/disk0.img".into()
            }
        );
        assert!(!last.done);
    }

    #[test]
    fn a_foreign_pool_is_refused_before_anything_runs() {
        let sys = FakeSystem::new();
        no_foreign_files(&sys).expect("zpool list -H -o name tank", "tank\n");
        let err = up(&plan(), Path::new("/state"), &sys, &mut |_| {}).expect_err("refused");
        assert!(matches!(err, Error::Refused(_)), "{err}");
    }
}
