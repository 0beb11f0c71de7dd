//! `zlab up`: carry out a plan step by step, journaling every resource with
//! its identity before and after it is created, refusing to touch what zlab
//! cannot prove it owns.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::event::{Event, Outcome, StepEvents};
use super::identity::{self, FileId, Match, MountId};
use super::journal::{Journal, LabIdentity, Resource};
use super::{confirm, guard, verify};
use crate::error::Error;
use crate::plan::Plan;
use crate::plan::step::Step;
use crate::system::command::CommandLine;
use crate::system::{CommandError, FileKind, System};
use crate::system::{mountinfo, probe};

const MIB: u64 = 1 << 20;

/// The journal of a lab's state directory.
pub(crate) fn journal_path(state_dir: &Path) -> PathBuf {
    state_dir.join("journal.json")
}

/// What the person running `up` allowed.
pub(crate) struct Options<'a> {
    /// Take existing sparse files of exactly the declared size (`--adopt`);
    /// `down` detaches them but never deletes them.
    pub adopt: bool,
    pub confirm: confirm::Confirm<'a>,
    /// The OpenZFS found on this machine, read once by the caller.
    pub zfs: crate::zfs::version::Installed,
}

/// Builds the lab. Re-running continues where an earlier run stopped: steps the
/// journal records as done are verified, not repeated.
pub(crate) fn up(
    plan: &Plan,
    lab: &LabIdentity,
    state_dir: &Path,
    options: &mut Options<'_>,
    sys: &dyn System,
    emit: &mut dyn FnMut(&Event),
) -> Result<(), Error> {
    let path = journal_path(state_dir);
    let mut journal = Journal::load(sys, &path, lab)?;
    journal.zfs = options.zfs.clone();
    refuse_foreign(plan, &journal, options.adopt, sys, emit)?;
    if journal.records.is_empty() {
        confirm::real_disks(plan, &mut options.confirm, sys)?;
    }
    let total = plan.steps.len();
    let mut verified = false;
    for (i, step) in plan.steps.iter().enumerate() {
        let index = i + 1;
        let id = step.id();
        let description = step.describe();
        // Fills start only on a lab that is what the scenario says.
        if matches!(step, Step::Fill { .. }) && !verified {
            verify(plan, &journal, sys, emit)?;
            verified = true;
        }
        if journal.find(&id).is_some_and(|r| r.done) {
            StepEvents::already_done(index, total, description, emit);
            continue;
        }
        let events = StepEvents::start(index, total, description.clone(), emit);
        // A record without `done` is a step an earlier run began: keep its claim.
        let earlier = journal.find(&id).map(|r| r.resource.clone());
        let resumed = earlier.is_some();
        let owned = match earlier {
            Some(r) => r,
            None => owned_resource(step, &journal, options.adopt, sys)?,
        };
        journal.set(&id, &description, owned.clone(), false);
        journal.save(sys, &path).map_err(Error::Journal)?;
        let result = match step {
            Step::Fill {
                fill,
                charge_per_file,
            } => {
                let how = crate::fill::run::How::here(*charge_per_file, false, &options.zfs);
                crate::fill::run(fill, &how, state_dir, sys, &mut |e| {
                    emit(&Event::Fill(e.clone()));
                })
            }
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
                journal.set(&id, &description, resource, true);
                journal.save(sys, &path).map_err(Error::Journal)?;
                events.finished(outcome, emit);
            }
            Err(error) => {
                events.failed(error.to_string(), emit);
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
        if let Step::CreatePool { pool, .. } = step {
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
/// A probe that fails stops the run: it never reads as "free".
fn refuse_foreign(
    plan: &Plan,
    journal: &Journal,
    adopt: bool,
    sys: &dyn System,
    emit: &mut dyn FnMut(&Event),
) -> Result<(), Error> {
    // Once a run has begun, the disks carry what zlab put there.
    if journal.records.is_empty() {
        for disk in &plan.disks {
            let problems = guard::disk_problems(sys, &disk.path).map_err(|e| {
                Error::Refused(format!(
                    "cannot inspect {} ({}): {e}; zlab uses a disk only once it has proved it idle and blank",
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
    let probe_failed = |what: String| {
        move |e: CommandError| Error::Refused(format!("cannot {what}: {e}; nothing was touched"))
    };
    for step in &plan.steps {
        let ours = journal.find(&step.id());
        match step {
            Step::CreateFile { path, size } => match ours {
                // Made (or adopted) by this lab: it must still be that file.
                Some(r) if r.done => {
                    if let Resource::File { id: Some(id), .. } = &r.resource {
                        match identity::check_file(sys, path, id)
                            .map_err(probe_failed(format!("inspect {}", path.display())))?
                        {
                            Match::Same => {}
                            Match::Gone => {
                                return Err(Error::Refused(format!(
                                    "{} is gone since this lab made it; `zlab down` and `zlab up` again",
                                    path.display()
                                )));
                            }
                            Match::Differs(why) => {
                                return Err(Error::Refused(format!(
                                    "{why}; zlab will not use it. Move it away and run `zlab down`, then `zlab up`"
                                )));
                            }
                        }
                    }
                }
                Some(_) => {}
                None => {
                    foreign_file(sys, path, size.bytes(), adopt)?;
                }
            },
            Step::CreatePool { pool, .. } if ours.is_none() => {
                let guid = identity::pool_guid(sys, &pool.name).map_err(probe_failed(format!(
                    "tell whether pool `{}` exists",
                    pool.name
                )))?;
                if let Some(guid) = guid {
                    return Err(Error::Refused(format!(
                        "pool `{}` ({guid}) already exists and zlab did not create it; export or destroy it, or rename the pool in the scenario",
                        pool.name
                    )));
                }
            }
            Step::CreateVolume { volume } if ours.is_none() => {
                let guid = identity::volume_guid(sys, &volume.name).map_err(probe_failed(
                    format!("tell whether volume `{}` exists", volume.name),
                ))?;
                if let Some(guid) = guid {
                    return Err(Error::Refused(format!(
                        "volume `{}` ({guid}) already exists and zlab did not create it; destroy it, or rename the volume in the scenario",
                        volume.name
                    )));
                }
            }
            Step::AttachLoop { file, .. } if ours.is_none() => {
                // A file that does not exist yet is held by no loop device.
                if let Some(stat) = sys
                    .stat(file)
                    .map_err(probe_failed(format!("inspect {}", file.display())))?
                {
                    let held = identity::loops_holding(sys, &FileId::of(&stat))
                        .map_err(probe_failed("list the loop devices".to_owned()))?;
                    if let Some(dev) = held.first() {
                        return Err(Error::Refused(format!(
                            "{} is already attached to {} by someone else; detach it (`losetup --detach {}`) first",
                            file.display(),
                            dev.display(),
                            dev.display()
                        )));
                    }
                }
            }
            Step::LoadBrd { .. }
                if ours.is_none()
                    && identity::brd(sys)
                        .map_err(probe_failed("tell whether brd is loaded".to_owned()))?
                        .is_some() =>
            {
                return Err(Error::Refused("brd is already loaded, possibly with other parameters and in use; `rmmod brd` first if its RAM disks are free".to_owned()));
            }
            Step::Mount { path, .. }
                if ours.is_none()
                    && probe::is_mounted(sys, path).map_err(probe_failed(format!(
                        "tell whether something is mounted on {}",
                        path.display()
                    )))? =>
            {
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

/// Whether a sparse member's path may be taken: absent, or (with `--adopt`)
/// a regular file of exactly the declared size. The file zlab adopts, if any.
fn foreign_file(
    sys: &dyn System,
    path: &Path,
    size: u64,
    adopt: bool,
) -> Result<Option<FileId>, Error> {
    let stat = sys.stat(path).map_err(|e| {
        Error::Refused(format!(
            "cannot inspect {}: {e}; nothing was touched",
            path.display()
        ))
    })?;
    match stat {
        None => Ok(None),
        Some(s) if s.kind != FileKind::Regular => Err(Error::Refused(format!(
            "{} is {}, not a file this lab created; zlab makes sparse files only where nothing is, and never uses another file in their place",
            path.display(),
            s.kind
        ))),
        Some(s) if adopt && s.size == size => Ok(Some(FileId::of(&s))),
        Some(s) => Err(Error::Refused(format!(
            "{} already exists ({} bytes) and this lab did not create it; move it away, or run `zlab up --adopt` to use a file of exactly {size} bytes (`down` then leaves it in place)",
            path.display(),
            s.size
        ))),
    }
}

/// What the step will own once it has run: nothing if its target already
/// exists (a directory zlab did not make is never removed by `down`).
fn owned_resource(
    step: &Step,
    journal: &Journal,
    adopt: bool,
    sys: &dyn System,
) -> Result<Resource, Error> {
    Ok(match step {
        Step::CreateDir { path } => match sys.stat(path).map_err(|e| refused_io(path, &e))? {
            None => Resource::Dir {
                path: path.clone(),
                id: None,
            },
            Some(s) if s.kind == FileKind::Dir => Resource::Action,
            Some(s) => {
                return Err(Error::Refused(format!(
                    "{} is {}, not a directory",
                    path.display(),
                    s.kind
                )));
            }
        },
        // Checked again at run time, whatever was true when the run began.
        Step::CreateFile { path, size } => match foreign_file(sys, path, size.bytes(), adopt)? {
            None => Resource::File {
                path: path.clone(),
                id: None,
                adopted: false,
            },
            Some(id) => Resource::File {
                path: path.clone(),
                id: Some(id),
                adopted: true,
            },
        },
        Step::AttachLoop { file, var, .. } => {
            let backing = journal.file_id(file).ok_or_else(|| {
                Error::Refused(format!(
                    "{} has no identity in the journal: zlab attaches only files this lab created or adopted",
                    file.display()
                ))
            })?;
            match identity::check_file(sys, file, &backing).map_err(|e| refused_io(file, &e))? {
                Match::Same => {}
                Match::Gone => {
                    return Err(Error::Refused(format!(
                        "{} is gone since this lab made it",
                        file.display()
                    )));
                }
                Match::Differs(why) => return Err(Error::Refused(format!("{why}; not attached"))),
            }
            Resource::Loop {
                file: file.clone(),
                backing,
                var: var.clone(),
                device: None,
            }
        }
        Step::LoadBrd { .. } => Resource::Brd { id: None },
        Step::Mount { path, .. } => Resource::Mount {
            path: path.clone(),
            id: None,
        },
        Step::CreatePool { pool, .. } => Resource::Pool {
            name: pool.name.clone(),
            guid: None,
        },
        Step::CreateVolume { volume } => Resource::Volume {
            name: volume.name.clone(),
            guid: None,
            var: step.binds().unwrap_or_default().to_owned(),
            device: None,
        },
        _ => Resource::Action,
    })
}

fn refused_io(path: &Path, e: &CommandError) -> Error {
    Error::Refused(format!("cannot inspect {}: {e}", path.display()))
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
    // A step interrupted by a crash may have done its work: adopt it, by identity.
    if resumed {
        let adopted = match (step, &owned) {
            (Step::AttachLoop { .. }, Resource::Loop { backing, .. }) => {
                identity::loops_holding(sys, backing)?
                    .first()
                    .map(|d| with_device(owned.clone(), d.clone()))
            }
            (Step::CreateFile { size, .. }, Resource::File { path, id: None, .. }) => {
                // The claim was journaled while nothing was there.
                match sys.stat(path)? {
                    Some(s) if s.kind == FileKind::Regular && s.size == size.bytes() => {
                        Some(Resource::File {
                            path: path.clone(),
                            id: Some(FileId::of(&s)),
                            adopted: false,
                        })
                    }
                    _ => None,
                }
            }
            (Step::LoadBrd { .. }, _) => {
                identity::brd(sys)?.map(|id| Resource::Brd { id: Some(id) })
            }
            (Step::CreatePool { pool, .. }, _) => {
                identity::pool_guid(sys, &pool.name)?.map(|g| Resource::Pool {
                    name: pool.name.clone(),
                    guid: Some(g),
                })
            }
            (Step::CreateVolume { volume }, Resource::Volume { var, .. }) => {
                match identity::volume_guid(sys, &volume.name)? {
                    Some(g) => Some(Resource::Volume {
                        name: volume.name.clone(),
                        guid: Some(g),
                        var: var.clone(),
                        device: Some(volume_device(sys, &volume.name)?),
                    }),
                    None => None,
                }
            }
            // Adopted only if what is mounted there is the planned device.
            (Step::Mount { path, device }, _) => {
                let device = resolved(device, &bind)?;
                match mountinfo::at(sys, path)? {
                    None => None,
                    Some(m) if Path::new(&m.source) == device => Some(Resource::Mount {
                        path: path.clone(),
                        id: Some(MountId::of(&m)),
                    }),
                    // Never mount over someone's mount.
                    Some(m) => {
                        return Err(CommandError::Io {
                            action: "mount on",
                            path: path.clone(),
                            source: std::io::Error::other(format!(
                                "{} is mounted there, not {}",
                                m.source,
                                device.display()
                            )),
                        });
                    }
                }
            }
            _ => None,
        };
        if let Some(resource) = adopted {
            return Ok((resource, Outcome::AlreadyPresent));
        }
    }
    match (step, &owned) {
        (Step::CreateDir { .. }, Resource::Action) => {
            return Ok((Resource::Action, Outcome::AlreadyPresent));
        }
        (Step::CreateFile { .. }, Resource::File { adopted: true, .. }) => {
            return Ok((owned, Outcome::AlreadyPresent));
        }
        (Step::CreateDataset { name, .. }, _) if probe::dataset_exists(sys, name) => {
            return Ok((Resource::Action, Outcome::AlreadyPresent));
        }
        (Step::WipeEnds { device, mib }, _) => {
            let dev = resolved(device, &bind)?;
            let len = u64::from(*mib) * MIB;
            // A size zlab cannot read is an error, never "0 bytes to zero".
            let size = probe::device_size(sys, &dev)?;
            emit(&Event::Command(format!(
                "<zero {mib} MiB at both ends of {}>",
                dev.display()
            )));
            sys.zero(&dev, 0, len.min(size))?;
            sys.zero(&dev, size.saturating_sub(len), len.min(size))?;
            return Ok((Resource::Action, Outcome::Done));
        }
        (Step::WipeZero { device }, _) => {
            let dev = resolved(device, &bind)?;
            let size = probe::device_size(sys, &dev)?;
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
    // Record what identifies what was just made.
    let resource = match owned {
        Resource::Loop { .. } => with_device(owned, PathBuf::from(output.trim())),
        Resource::Dir { path, .. } => Resource::Dir {
            id: made(sys, &path, FileKind::Dir)?,
            path,
        },
        Resource::File { path, .. } => Resource::File {
            id: made(sys, &path, FileKind::Regular)?,
            path,
            adopted: false,
        },
        Resource::Pool { name, .. } => {
            let guid = identity::pool_guid(sys, &name)?;
            Resource::Pool { name, guid }
        }
        Resource::Volume { name, var, .. } => Resource::Volume {
            guid: Some(identity::volume_guid(sys, &name)?.ok_or_else(|| gone_after(step, &name))?),
            device: Some(volume_device(sys, &name)?),
            name,
            var,
        },
        Resource::Brd { .. } => Resource::Brd {
            id: Some(identity::brd(sys)?.ok_or_else(|| gone_after(step, "/sys/module/brd"))?),
        },
        Resource::Mount { path, .. } => Resource::Mount {
            id: Some(
                mountinfo::at(sys, &path)?
                    .map(|m| MountId::of(&m))
                    .ok_or_else(|| gone_after(step, &path.to_string_lossy()))?,
            ),
            path,
        },
        other => other,
    };
    Ok((resource, Outcome::Done))
}

/// How long a new volume's device may take to appear: OpenZFS makes it in
/// a task after `zfs create` returns (seconds under emulation).
const VOLUME_DEVICE_WAIT: Duration = Duration::from_secs(120);

/// The `/dev/zdN` of the volume `name`, waiting for the kernel to make it.
fn volume_device(sys: &dyn System, name: &str) -> Result<PathBuf, CommandError> {
    let start = Instant::now();
    loop {
        if let Some(device) = identity::zvol_device(sys, name)? {
            return Ok(device);
        }
        if start.elapsed() > VOLUME_DEVICE_WAIT {
            return Err(CommandError::Io {
                action: "find the device of volume",
                path: PathBuf::from(name),
                source: std::io::Error::other(format!(
                    "no /dev/zd* device answered to it within {} s; is the zfs module's zvol support working (`zfs get volmode {name}`)?",
                    VOLUME_DEVICE_WAIT.as_secs()
                )),
            });
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// What a step that succeeded should have made is not there.
fn gone_after(step: &Step, what: &str) -> CommandError {
    CommandError::Io {
        action: "find what was just made at",
        path: PathBuf::from(what),
        source: std::io::Error::other(format!("nothing is there after `{}`", step.describe())),
    }
}

fn with_device(resource: Resource, device: PathBuf) -> Resource {
    match resource {
        Resource::Loop {
            file, backing, var, ..
        } => Resource::Loop {
            file,
            backing,
            var,
            device: Some(device),
        },
        other => other,
    }
}

/// The identity of what a step just made at `path`, which must be of `kind`.
fn made(sys: &dyn System, path: &Path, kind: FileKind) -> Result<Option<FileId>, CommandError> {
    match sys.stat(path)? {
        Some(s) if s.kind == kind => Ok(Some(FileId::of(&s))),
        found => Err(CommandError::Io {
            action: "find what was just made at",
            path: path.to_path_buf(),
            source: std::io::Error::other(match found {
                None => "nothing is there".to_owned(),
                Some(s) => format!("it is {}", s.kind),
            }),
        }),
    }
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
    use crate::system::FileStat;
    use crate::system::fake::FakeSystem;

    const LAB: &str = "lab: t\ndevices:\n  d:\n    sparse: { dir: /z, count: 2, size: 1G }\npools:\n  - name: tank\n    vdevs: [{ type: mirror, devices: d }]\n";
    const GIB: u64 = 1 << 30;
    const LOSETUP: &str = "losetup --list --json --output NAME,BACK-INO,BACK-MAJ:MIN,BACK-FILE";
    const GUID: &str = "zpool get -Hp -o value guid tank";

    fn plan_of(text: &str) -> Plan {
        let scenario = crate::scenario::load_str(Path::new("t.yaml"), text).expect("decodes");
        let lab = crate::validate::validate(&scenario, &HostFacts::unknown()).expect("valid");
        crate::plan::build(&lab, &crate::capacity::of(&lab))
    }

    fn lab() -> LabIdentity {
        LabIdentity::new("t", Path::new("/s/t.yaml"))
    }

    fn zfs() -> crate::zfs::version::Installed {
        crate::zfs::version::Installed {
            userland: "zfs-2.4.4-1".parse().ok(),
            kernel: "2.4.4-1".parse().ok(),
        }
    }

    fn run(sys: &FakeSystem, adopt: bool) -> Result<(), Error> {
        let mut options = Options {
            adopt,
            confirm: confirm::Confirm::NoTerminal,
            zfs: zfs(),
        };
        up(
            &plan_of(LAB),
            &lab(),
            Path::new("/state"),
            &mut options,
            sys,
            &mut |_| {},
        )
    }

    fn journal(sys: &FakeSystem) -> Journal {
        Journal::load(sys, Path::new("/state/journal.json"), &lab()).expect("journal")
    }

    /// The checks before anything runs: no pool `tank` yet.
    fn no_pool(sys: &FakeSystem) -> &FakeSystem {
        sys.expect_failure(GUID, "cannot open 'tank': no such pool")
    }

    /// Everything up to the attached loop devices, recording identities.
    fn build_files(sys: &FakeSystem) -> &FakeSystem {
        sys.expect("mkdir -p /z", "")
            .then_stat("/z", Some(FakeSystem::dir(10)))
            .expect("truncate -s 1G /z/disk0.img", "")
            .then_stat("/z/disk0.img", Some(FakeSystem::file(11, GIB)))
            .expect("truncate -s 1G /z/disk1.img", "")
            .then_stat("/z/disk1.img", Some(FakeSystem::file(12, GIB)))
            .expect("losetup --find --show /z/disk0.img", "/dev/loop4\n")
            .expect("losetup --find --show /z/disk1.img", "/dev/loop5\n")
    }

    #[test]
    fn up_runs_the_plan_recording_what_identifies_each_resource() {
        let sys = FakeSystem::new();
        build_files(no_pool(&sys))
            .expect("zpool create tank mirror /dev/loop4 /dev/loop5", "")
            .expect(GUID, "1234\n")
            .expect(
                "zpool status -jP --json-int tank",
                r#"{"pools":{"tank":{"vdevs":{"tank":{"vdevs":{"mirror-0":{"name":"mirror-0","state":"ONLINE","vdevs":{
                    "/dev/loop4":{"path":"/dev/loop4","state":"ONLINE"},"/dev/loop5":{"path":"/dev/loop5","state":"ONLINE"}}}}}}}}}"#,
            );
        run(&sys, false).expect("up");
        let journal = journal(&sys);
        assert!(journal.records.iter().all(|r| r.done));
        assert_eq!(journal.zfs, zfs(), "the OpenZFS it was built with");
        assert_eq!(journal.binding("d_1"), Some(PathBuf::from("/dev/loop5")));
        assert_eq!(
            journal.file_id(Path::new("/z/disk1.img")),
            Some(FileId {
                dev: 1,
                ino: 12,
                size: GIB
            })
        );
        assert_eq!(
            journal.find("pool:tank").map(|r| &r.resource),
            Some(&Resource::Pool {
                name: "tank".into(),
                guid: Some(identity::PoolGuid(1234))
            })
        );
    }

    #[test]
    fn a_failed_step_stays_journaled_as_started() {
        let sys = FakeSystem::new();
        no_pool(&sys)
            .expect("mkdir -p /z", "")
            .then_stat("/z", Some(FakeSystem::dir(10)))
            .expect_failure("truncate -s 1G /z/disk0.img", "No space left on device");
        let err = run(&sys, false).expect_err("fails");
        assert!(matches!(err, Error::StepFailed { .. }), "{err}");
        let last = journal(&sys).records.last().cloned().expect("a record");
        assert_eq!(
            last.resource,
            Resource::File {
                path: "/z/disk0.img".into(),
                id: None,
                adopted: false
            }
        );
        assert!(!last.done);
    }

    #[test]
    fn a_foreign_pool_is_refused_before_anything_runs() {
        let sys = FakeSystem::new();
        sys.expect(GUID, "55\n");
        let err = run(&sys, false).expect_err("refused");
        assert!(matches!(err, Error::Refused(_)), "{err}");
    }

    #[test]
    fn a_failing_zpool_probe_stops_the_run_it_is_not_no_pool() {
        let sys = FakeSystem::new();
        sys.expect_failure(GUID, "The ZFS modules are not loaded.");
        let err = run(&sys, false).expect_err("refused");
        assert!(
            err.to_string()
                .contains("cannot tell whether pool `tank` exists"),
            "{err}"
        );
    }

    #[test]
    fn a_foreign_file_in_a_sparse_dir_is_refused_with_its_path_and_size() {
        let sys = FakeSystem::new();
        sys.set_stat("/z/disk1.img", FakeSystem::file(99, 150 << 20));
        let err = run(&sys, false).expect_err("refused");
        let text = err.to_string();
        assert!(
            text.contains("/z/disk1.img already exists (157286400 bytes)"),
            "{text}"
        );
        assert!(text.contains("--adopt"), "{text}");
    }

    #[test]
    fn a_block_device_or_symlink_in_place_of_a_sparse_file_is_refused_even_with_adopt() {
        use crate::system::FileKind;
        for (kind, words) in [
            (FileKind::BlockDevice, "is a block device"),
            (FileKind::Symlink, "is a symbolic link"),
            (FileKind::Dir, "is a directory"),
        ] {
            let sys = FakeSystem::new();
            sys.set_stat(
                "/z/disk0.img",
                FileStat {
                    kind,
                    dev: 5,
                    ino: 7,
                    size: GIB,
                },
            );
            let err = run(&sys, true).expect_err("refused");
            assert!(err.to_string().contains(words), "{err}");
        }
    }

    #[test]
    fn adopt_takes_a_file_of_exactly_the_declared_size_and_records_it_as_adopted() {
        let sys = FakeSystem::new();
        sys.set_stat("/z/disk0.img", FakeSystem::file(50, GIB));
        // Adopted and not attached by anyone: one look at the loop devices.
        no_pool(sys.expect(LOSETUP, ""))
            .expect("mkdir -p /z", "")
            .then_stat("/z", Some(FakeSystem::dir(10)))
            .expect("truncate -s 1G /z/disk1.img", "")
            .then_stat("/z/disk1.img", Some(FakeSystem::file(12, GIB)))
            .expect("losetup --find --show /z/disk0.img", "/dev/loop4\n")
            .expect_failure("losetup --find --show /z/disk1.img", "stop here");
        run(&sys, true).expect_err("stopped");
        let adopted = journal(&sys)
            .find("file:/z/disk0.img")
            .map(|r| r.resource.clone());
        assert_eq!(
            adopted,
            Some(Resource::File {
                path: "/z/disk0.img".into(),
                id: Some(FileId {
                    dev: 1,
                    ino: 50,
                    size: GIB
                }),
                adopted: true
            })
        );
    }

    #[test]
    fn adopt_refuses_a_file_of_another_size() {
        let sys = FakeSystem::new();
        sys.set_stat("/z/disk0.img", FakeSystem::file(50, 9));
        let err = run(&sys, true).expect_err("refused");
        assert!(err.to_string().contains("(9 bytes)"), "{err}");
    }

    #[test]
    fn a_file_replaced_since_this_lab_made_it_is_refused() {
        let sys = FakeSystem::new();
        let mut j = Journal::new(lab());
        j.set(
            "file:/z/disk0.img",
            "create",
            Resource::File {
                path: "/z/disk0.img".into(),
                id: Some(FileId {
                    dev: 1,
                    ino: 11,
                    size: GIB,
                }),
                adopted: false,
            },
            true,
        );
        j.save(&sys, Path::new("/state/journal.json"))
            .expect("save");
        sys.set_stat("/z/disk0.img", FakeSystem::file(77, GIB));
        let err = run(&sys, false).expect_err("refused");
        assert!(err.to_string().contains("is another file now"), "{err}");
    }

    #[test]
    fn a_journal_of_another_scenario_is_refused() {
        let sys = FakeSystem::new();
        Journal::new(LabIdentity::new("t", Path::new("/other/t.yaml")))
            .save(&sys, Path::new("/state/journal.json"))
            .expect("save");
        let err = run(&sys, false).expect_err("refused");
        assert!(err.to_string().contains("/other/t.yaml"), "{err}");
    }

    #[test]
    fn a_wipe_whose_device_size_cannot_be_read_fails_and_zeroes_nothing() {
        let text = "lab: t\ndevices:\n  d:\n    sparse: { dir: /z, count: 1, size: 1G }\nwipe:\n  - { devices: d, mode: ends, mib: 1 }\n";
        let sys = FakeSystem::new();
        sys.expect("mkdir -p /z", "")
            .then_stat("/z", Some(FakeSystem::dir(10)))
            .expect("truncate -s 1G /z/disk0.img", "")
            .then_stat("/z/disk0.img", Some(FakeSystem::file(11, GIB)))
            .expect("losetup --find --show /z/disk0.img", "/dev/loop4\n")
            .expect_failure("blockdev --getsize64 /dev/loop4", "blockdev: cannot open");
        let mut options = Options {
            adopt: false,
            confirm: confirm::Confirm::NoTerminal,
            zfs: crate::zfs::version::Installed::default(),
        };
        let err = up(
            &plan_of(text),
            &lab(),
            Path::new("/state"),
            &mut options,
            &sys,
            &mut |_| {},
        )
        .expect_err("fails");
        assert!(matches!(err, Error::StepFailed { .. }), "{err}");
    }

    #[test]
    fn loading_brd_records_the_loaded_instance() {
        let text = "lab: t\ndevices:\n  r:\n    ram: { size: 128M }\n";
        let plan = plan_of(text);
        let modprobe = plan
            .steps
            .iter()
            .find(|s| matches!(s, Step::LoadBrd { .. }))
            .map(|s| s.commands()[0].to_string())
            .expect("a brd step");
        let sys = FakeSystem::new();
        sys.write_atomic(Path::new("/proc/sys/kernel/random/boot_id"), b"b1\n")
            .expect("fake");
        sys.expect(&modprobe, "")
            .then_stat("/sys/module/brd", Some(FakeSystem::dir(4242)));
        let mut options = Options {
            adopt: false,
            confirm: confirm::Confirm::NoTerminal,
            zfs: zfs(),
        };
        up(
            &plan,
            &lab(),
            Path::new("/state"),
            &mut options,
            &sys,
            &mut |_| {},
        )
        .expect("up");
        assert_eq!(
            journal(&sys).find("brd").map(|r| r.resource.clone()),
            Some(Resource::Brd {
                id: Some(identity::BrdId {
                    boot: "b1".into(),
                    ino: 4242
                })
            })
        );
    }

    #[test]
    fn brd_loaded_by_someone_else_is_refused_before_anything_runs() {
        let sys = FakeSystem::new();
        sys.write_atomic(Path::new("/proc/sys/kernel/random/boot_id"), b"b1\n")
            .expect("fake");
        sys.set_stat("/sys/module/brd", FakeSystem::dir(1));
        let mut options = Options {
            adopt: false,
            confirm: confirm::Confirm::NoTerminal,
            zfs: zfs(),
        };
        let err = up(
            &plan_of("lab: t\ndevices:\n  r:\n    ram: { size: 128M }\n"),
            &lab(),
            Path::new("/state"),
            &mut options,
            &sys,
            &mut |_| {},
        )
        .expect_err("refused");
        assert!(err.to_string().contains("brd is already loaded"), "{err}");
    }

    #[test]
    fn a_volume_is_recorded_by_guid_and_bound_to_the_zd_device_that_names_it() {
        let sys = FakeSystem::new();
        let vol_guid = "zfs get -Hp -o property,value guid tank/v";
        let text = format!("{LAB}    volumes: [{{ name: v, size: 128M, sparse: true }}]\n");
        no_pool(&sys).expect_failure(vol_guid, "cannot open 'tank/v': dataset does not exist");
        build_files(&sys)
            .expect("zpool create tank mirror /dev/loop4 /dev/loop5", "")
            .expect(GUID, "1234\n")
            .expect("zfs create -s -V 128M tank/v", "")
            .expect(vol_guid, "guid\t77\n")
            .expect("lsblk --nodeps --noheadings --list --output NAME", "loop4\nloop5\nzd0\nzd16\n")
            // Another volume's device first: asked, and passed over.
            .expect("/usr/lib/udev/zvol_id /dev/zd0", "tank/other\n")
            .expect("/usr/lib/udev/zvol_id /dev/zd16", "tank/v\n")
            .expect(
                "zpool status -jP --json-int tank",
                r#"{"pools":{"tank":{"vdevs":{"tank":{"vdevs":{"mirror-0":{"name":"mirror-0","state":"ONLINE","vdevs":{
                    "/dev/loop4":{"path":"/dev/loop4","state":"ONLINE"},"/dev/loop5":{"path":"/dev/loop5","state":"ONLINE"}}}}}}}}}"#,
            )
            .expect(
                "zfs get -Hp -o property,value volsize,volblocksize,refreservation tank/v",
                "volsize\t134217728\nvolblocksize\t16384\nrefreservation\t0\n",
            );
        let mut options = Options {
            adopt: false,
            confirm: confirm::Confirm::NoTerminal,
            zfs: zfs(),
        };
        let plan = plan_of(&text);
        up(
            &plan,
            &lab(),
            Path::new("/state"),
            &mut options,
            &sys,
            &mut |_| {},
        )
        .expect("up");
        let journal = journal(&sys);
        assert_eq!(
            journal.find("volume:tank/v").map(|r| &r.resource),
            Some(&Resource::Volume {
                name: "tank/v".into(),
                guid: Some(identity::VolumeGuid(77)),
                var: "v_zvol".into(),
                device: Some("/dev/zd16".into()),
            })
        );
        assert_eq!(journal.binding("v_zvol"), Some("/dev/zd16".into()));
    }
}
