//! `zlab down --from-system`: a way out when the journal cannot be used
//! (missing, corrupt, of another format, or another lab's). A journal that is
//! this lab's is torn down as usual. Without one, zlab proves what it can from
//! the machine alone and tears down only that:
//!
//! - a pool the scenario names whose root dataset records this lab and this
//!   scenario (`org.zlab:lab`, `org.zlab:scenario`, set by `zpool create`:
//!   `zfs/owner.rs`);
//! - the loop devices that were that pool's leaf vdevs (read from its topology
//!   before it is destroyed) and hold, by inode, a file the scenario declares;
//! - those files, once no loop device holds them and while they are still the
//!   inode the loop device reported.
//!
//! Everything else the scenario names and the machine has (a pool without the
//! properties, files not proved, mounts, brd) is listed with the reason and the
//! commands a person could run, and the run fails (`Error::Unproven`) while
//! anything is left. A probe that fails stops the run before anything is
//! touched: it never reads as "free".

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::down::{down, whole_device};
use super::event::{Event, Outcome};
use super::identity::{self, FileId, LoopDevice, Match, PoolGuid};
use super::journal::{Journal, LabIdentity};
use super::up::journal_path;
use super::{read, verify};
use crate::error::Error;
use crate::lab::DevicePath;
use crate::plan::Plan;
use crate::plan::step::Step;
use crate::plan::undo::Undo;
use crate::system::command::CommandLine;
use crate::system::probe;
use crate::system::{CommandError, System};
use crate::zfs::output;
use crate::zfs::owner::{self, Owner};
use crate::zfs::topology::{Topology, VdevType};

/// A pool proved the lab's, with the loop devices and files proved with it.
#[derive(Debug)]
struct ProvedPool {
    name: String,
    guid: PoolGuid,
    /// Leaf loop devices holding a declared file, and that file.
    members: Vec<Member>,
}

#[derive(Debug, Clone)]
struct Member {
    device: PathBuf,
    file: PathBuf,
    /// The file as the loop device reported it (device and inode).
    id: FileId,
}

/// What the machine holds of the scenario: proved, or only listed.
#[derive(Debug, Default)]
struct Found {
    pools: Vec<ProvedPool>,
    /// Not proved: a comment saying why, then the commands, for people.
    left: Vec<String>,
    /// Said, not counted as left: directories, another lab's journal.
    notes: Vec<String>,
}

pub(crate) fn from_system(
    plan: &Plan,
    lab: &LabIdentity,
    state_dir: &Path,
    sys: &dyn System,
    emit: &mut dyn FnMut(&Event),
) -> Result<(), Error> {
    let path = journal_path(state_dir);
    let journal = match Journal::load(sys, &path, lab) {
        Ok(j) if !j.records.is_empty() => return down(lab, state_dir, false, sys, emit),
        Ok(_) => Unusable::None,
        Err(e @ Error::JournalUnreadable { .. }) => Unusable::Unreadable(e.to_string()),
        Err(e @ Error::JournalForeign { .. }) => Unusable::Foreign(e.to_string()),
        Err(e) => return Err(e),
    };
    emit(&Event::Note(format!(
        "{}: proving from the machine what is the lab's (pools recording lab `{}` of {}, their loop devices and files); the rest is listed",
        journal.why(&path),
        lab.name,
        lab.scenario.display()
    )));
    let mut found = inspect(plan, &lab.owner(), sys).map_err(|e| {
        Error::Refused(format!(
            "cannot inspect the machine: {e}; nothing was touched"
        ))
    })?;
    tear_down(&mut found, sys, emit);
    match journal {
        Unusable::Foreign(why) => found.notes.push(format!("left alone: {why}")),
        Unusable::Unreadable(_) if !found.left.is_empty() => {
            found.left.push("# the journal zlab cannot use".to_owned());
            found
                .left
                .push(Undo::RemoveFile(path.clone()).command().to_string());
        }
        Unusable::Unreadable(_) => forget_journal(&path, sys, emit).map_err(Error::Journal)?,
        Unusable::None => {}
    }
    for note in &found.notes {
        emit(&Event::Note(note.clone()));
    }
    if found.left.is_empty() {
        Ok(())
    } else {
        Err(Error::Unproven {
            remaining: found.left,
        })
    }
}

/// Why there is no journal to go by.
enum Unusable {
    None,
    Unreadable(String),
    Foreign(String),
}

impl Unusable {
    fn why(&self, path: &Path) -> String {
        match self {
            Unusable::None => format!("no journal at {}", path.display()),
            Unusable::Unreadable(why) | Unusable::Foreign(why) => {
                // The refusal's own next step is this command: drop it.
                why.split("\n  next:").next().unwrap_or(why).to_owned()
            }
        }
    }
}

/// Reads what exists of the scenario and what of it is proved; touches nothing.
fn inspect(plan: &Plan, ours: &Owner, sys: &dyn System) -> Result<Found, CommandError> {
    let mut found = Found::default();
    let declared: Vec<&Path> = plan
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::CreateFile { path, .. } => Some(path.as_path()),
            _ => None,
        })
        .collect();
    // Each declared file as it is now: what proves a loop device holds it.
    let mut files = Vec::new();
    for path in &declared {
        if let Some(stat) = sys.stat(path)? {
            files.push((path.to_path_buf(), stat));
        }
    }
    let mut loops: Option<Vec<LoopDevice>> = None;
    let mut userland = None;
    for step in &plan.steps {
        let Step::CreatePool { pool, .. } = step else {
            continue;
        };
        let Some(guid) = identity::pool_guid(sys, &pool.name)? else {
            continue;
        };
        let recorded = recorded_owner(sys, &pool.name)?;
        if recorded.as_ref() != Some(ours) {
            let why = match recorded {
                None => "records no zlab lab".to_owned(),
                Some(o) => format!("records lab `{}` of {}", o.lab, o.scenario.display()),
            };
            found.left.push(format!(
                "# left alone, not proved to be the lab's: pool `{}` ({guid}) {why}",
                pool.name
            ));
            found
                .left
                .push(Undo::DestroyPool(pool.name.clone()).command().to_string());
            continue;
        }
        let userland = userland.get_or_insert_with(|| read::installed(sys).userland);
        let topology = read::topology(sys, &pool.name, userland.as_ref(), verify::now())?;
        let attached = match &loops {
            Some(l) => l,
            None => loops.insert(identity::loop_devices(sys)?),
        };
        let members = leaves(&topology)
            .into_iter()
            .filter_map(|leaf| {
                let device = attached
                    .iter()
                    .find(|l| l.device.as_os_str() == whole_device(&leaf))?;
                let (file, stat) = files
                    .iter()
                    .find(|(_, s)| s.dev == device.dev && s.ino == device.ino)?;
                Some(Member {
                    device: device.device.clone(),
                    file: file.clone(),
                    id: FileId::of(stat),
                })
            })
            .fold(Vec::<Member>::new(), |mut all, m| {
                // Partitions of one loop device are one member.
                if !all.iter().any(|a| a.device == m.device) {
                    all.push(m);
                }
                all
            });
        found.pools.push(ProvedPool {
            name: pool.name.clone(),
            guid,
            members,
        });
    }
    // Declared files no proved pool accounts for: listed with what holds them.
    let proved = |p: &Path| {
        found
            .pools
            .iter()
            .flat_map(|pool| &pool.members)
            .any(|m| m.file == p)
    };
    let unproved: Vec<_> = files.iter().filter(|(p, _)| !proved(p)).collect();
    if !unproved.is_empty() && loops.is_none() {
        loops = Some(identity::loop_devices(sys)?);
    }
    for (path, stat) in unproved.into_iter().rev() {
        found.left.push(format!(
            "# left alone, not proved to be the lab's: {} exists ({}, {} bytes, {}) and is no member of a pool that records this lab",
            path.display(),
            stat.kind,
            stat.size,
            FileId::of(stat)
        ));
        for l in loops.iter().flatten() {
            if l.dev == stat.dev && l.ino == stat.ino {
                found.left.push(
                    Undo::Detach(DevicePath::Known(l.device.clone()))
                        .command()
                        .to_string(),
                );
            }
        }
        found
            .left
            .push(Undo::RemoveFile(path.clone()).command().to_string());
    }
    for step in plan.steps.iter().rev() {
        match step {
            Step::Mount { path, .. } if probe::is_mounted(sys, path)? => {
                found.left.push(format!(
                    "# left alone, not proved to be the lab's: something is mounted on {}",
                    path.display()
                ));
                found
                    .left
                    .push(Undo::Unmount(path.clone()).command().to_string());
            }
            Step::LoadBrd { .. } if identity::brd(sys)?.is_some() => {
                found
                    .left
                    .push("# left alone, not proved to be the lab's: brd is loaded".to_owned());
                found.left.push(Undo::UnloadBrd.command().to_string());
            }
            Step::CreateDir { path } if sys.stat(path)?.is_some() => {
                found.notes.push(format!(
                    "left in place: directory {} (nothing proves zlab made it; `{}` removes it once empty)",
                    path.display(),
                    Undo::RemoveDir(path.clone()).command()
                ));
            }
            _ => {}
        }
    }
    Ok(found)
}

/// The owner a pool's root dataset records, if any.
fn recorded_owner(sys: &dyn System, pool: &str) -> Result<Option<Owner>, CommandError> {
    let cmd = CommandLine::new("zfs")
        .args(["get", "-Hp", "-o", "property,value,source"])
        .arg(format!("{},{}", owner::LAB, owner::SCENARIO))
        .arg(pool);
    let out = sys.run(&cmd)?;
    let properties = output::properties(&out.stdout)
        .map_err(|e| CommandError::unparsable(&cmd, &out.stdout, e))?;
    Ok(Owner::recorded(&properties))
}

/// Every leaf device path of a pool, in every class.
fn leaves(t: &Topology) -> Vec<String> {
    t.classes()
        .into_iter()
        .flat_map(|(_, vdevs)| vdevs.iter())
        .flat_map(|v| v.walk())
        .filter(|v| v.kind == VdevType::Leaf)
        .filter_map(|v| v.path.clone())
        .collect()
}

/// Destroys each proved pool, then detaches its loop devices, then removes
/// their files; what fails or no longer matches is added to what is left.
fn tear_down(found: &mut Found, sys: &dyn System, emit: &mut dyn FnMut(&Event)) {
    let pools = std::mem::take(&mut found.pools);
    let total: usize = pools.iter().map(|p| 1 + 2 * p.members.len()).sum();
    let mut index = 0;
    let mut step = |description: String,
                    check: &dyn Fn() -> Result<Check, CommandError>,
                    left: &mut Vec<String>|
     -> bool {
        index += 1;
        emit(&Event::StepStarted {
            index,
            total,
            description: description.clone(),
        });
        let started = Instant::now();
        let command = match check() {
            Ok(Check::Run(command)) => command,
            Ok(Check::Nothing(why)) => {
                emit(&Event::StepFinished {
                    index,
                    total,
                    description,
                    outcome: Outcome::Skipped(why),
                    elapsed: started.elapsed(),
                });
                return true;
            }
            Ok(Check::Left(why, commands)) => {
                left.push(format!("# left alone: {why}"));
                left.extend(commands);
                emit(&Event::StepFailed {
                    index,
                    total,
                    description,
                    error: format!("left alone: {why}"),
                });
                return false;
            }
            Err(e) => {
                left.push(format!("# could not check: {e}"));
                emit(&Event::StepFailed {
                    index,
                    total,
                    description,
                    error: format!("could not check it: {e}"),
                });
                return false;
            }
        };
        emit(&Event::Command(command.to_string()));
        match sys.run(&command) {
            Ok(_) => {
                emit(&Event::StepFinished {
                    index,
                    total,
                    description,
                    outcome: Outcome::Done,
                    elapsed: started.elapsed(),
                });
                true
            }
            Err(e) => {
                left.push(command.to_string());
                emit(&Event::StepFailed {
                    index,
                    total,
                    description,
                    error: e.to_string(),
                });
                false
            }
        }
    };
    let left = &mut found.left;
    for pool in pools {
        let destroyed = step(
            format!(
                "destroy pool {} ({}; it records this lab)",
                pool.name, pool.guid
            ),
            &|| Ok(Check::Run(Undo::DestroyPool(pool.name.clone()).command())),
            left,
        );
        if !destroyed {
            // Its devices are still in use: say what would follow.
            for m in &pool.members {
                left.push(
                    Undo::Detach(DevicePath::Known(m.device.clone()))
                        .command()
                        .to_string(),
                );
                left.push(Undo::RemoveFile(m.file.clone()).command().to_string());
            }
            continue;
        }
        for m in &pool.members {
            step(
                format!(
                    "detach {} (a leaf of pool {}, holding {})",
                    m.device.display(),
                    pool.name,
                    m.file.display()
                ),
                &|| detach(sys, m),
                left,
            );
        }
        for m in &pool.members {
            step(
                format!("remove {}", m.file.display()),
                &|| remove(sys, m),
                left,
            );
        }
    }
}

/// What a teardown step finds just before it acts.
enum Check {
    Run(CommandLine),
    /// Already undone.
    Nothing(String),
    /// Not proved any more: why, and the commands a person could run.
    Left(String, Vec<String>),
}

/// Detaches the loop device while it still holds the file it held.
fn detach(sys: &dyn System, m: &Member) -> Result<Check, CommandError> {
    let holds = identity::loop_devices(sys)?
        .into_iter()
        .any(|l| l.device == m.device && l.holds(&m.id));
    Ok(if holds {
        Check::Run(Undo::Detach(DevicePath::Known(m.device.clone())).command())
    } else {
        Check::Nothing(format!(
            "{} no longer holds {}",
            m.device.display(),
            m.file.display()
        ))
    })
}

/// Removes the file while it is the inode the loop device reported and no
/// loop device holds it.
fn remove(sys: &dyn System, m: &Member) -> Result<Check, CommandError> {
    let held = identity::loops_holding(sys, &m.id)?;
    if let Some(dev) = held.first() {
        return Ok(Check::Left(
            format!("{} is still held by {}", m.file.display(), dev.display()),
            vec![
                Undo::Detach(DevicePath::Known(dev.clone()))
                    .command()
                    .to_string(),
                Undo::RemoveFile(m.file.clone()).command().to_string(),
            ],
        ));
    }
    Ok(match identity::check_file(sys, &m.file, &m.id)? {
        Match::Same => Check::Run(Undo::RemoveFile(m.file.clone()).command()),
        Match::Gone => Check::Nothing(format!("{} is gone", m.file.display())),
        Match::Differs(why) => Check::Left(why, Vec::new()),
    })
}

/// With nothing of the lab left, the journal zlab cannot read describes
/// nothing: it goes, so the next `up` starts afresh (the command layer then
/// removes the lock and the state directory once empty).
fn forget_journal(
    journal: &Path,
    sys: &dyn System,
    emit: &mut dyn FnMut(&Event),
) -> Result<(), CommandError> {
    sys.remove_file(journal)?;
    emit(&Event::Note(format!(
        "removed {}: nothing it could name is left",
        journal.display()
    )));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::journal::Resource;
    use crate::host::HostFacts;
    use crate::system::fake::FakeSystem;

    const LAB: &str = "lab: t\ndevices:\n  d:\n    sparse: { dir: /z, count: 2, size: 1G }\npools:\n  - name: tank\n    vdevs: [{ type: mirror, devices: d }]\n";
    const LOSETUP: &str = "losetup --list --json --output NAME,BACK-INO,BACK-MAJ:MIN,BACK-FILE";
    const GUID: &str = "zpool get -Hp -o value guid tank";
    const OWNER: &str = "zfs get -Hp -o property,value,source org.zlab:lab,org.zlab:scenario tank";
    const STATUS: &str = "zpool status -jP --json-int tank";
    const TOPOLOGY: &str = r#"{"pools":{"tank":{"vdevs":{"tank":{"vdevs":{"mirror-0":{"name":"mirror-0","state":"ONLINE","vdevs":{
        "/dev/loop4":{"path":"/dev/loop4","state":"ONLINE"},"/dev/loop5":{"path":"/dev/loop5","state":"ONLINE"}}}}}}}}}"#;
    const GIB: u64 = 1 << 30;
    const JOURNAL: &str = "/state/journal.json";

    fn lab() -> LabIdentity {
        LabIdentity::new("t", Path::new("/s/t.yaml"))
    }

    fn plan() -> Plan {
        let scenario = crate::scenario::load_str(Path::new("t.yaml"), LAB).expect("decodes");
        let valid = crate::validate::validate(&scenario, &HostFacts::unknown()).expect("valid");
        crate::plan::build(&valid, &crate::capacity::of(&valid)).owned_by(&lab().owner())
    }

    /// `losetup --list --json`: each loop device holding inode `ino` of device 0:1.
    fn losetup(loops: &[(&str, u64)]) -> String {
        let list: Vec<String> = loops
            .iter()
            .map(|(name, ino)| {
                format!(
                    r#"{{"name":"{name}","back-ino":{ino},"back-maj:min":"0:1","back-file":"/z/x.img"}}"#
                )
            })
            .collect();
        format!(r#"{{"loopdevices":[{}]}}"#, list.join(","))
    }

    fn owner(lab: &str, scenario: &str) -> String {
        format!("org.zlab:lab\t{lab}\tlocal\norg.zlab:scenario\t{scenario}\tlocal\n")
    }

    /// The lab as `up` left it, with its journal corrupt and someone's file
    /// beside its images.
    fn machine(sys: &FakeSystem) {
        sys.write_atomic(Path::new(JOURNAL), b"{ corrupt")
            .expect("write");
        sys.set_stat("/z", FakeSystem::dir(10))
            .set_stat("/z/disk0.img", FakeSystem::file(11, GIB))
            .set_stat("/z/disk1.img", FakeSystem::file(12, GIB))
            .set_stat("/z/victim.bin", FakeSystem::file(50, 99));
    }

    /// Reads the pool's owner and topology (the OpenZFS release unknown).
    fn proved_pool(sys: &FakeSystem) -> &FakeSystem {
        sys.expect(GUID, "99\n")
            .expect(OWNER, &owner("t", "/s/t.yaml"))
            .expect_failure("zfs version", "The ZFS modules are not loaded.")
            .expect(STATUS, TOPOLOGY)
    }

    fn run(sys: &FakeSystem) -> (Result<(), Error>, Vec<String>) {
        let mut notes = Vec::new();
        let result = from_system(&plan(), &lab(), Path::new("/state"), sys, &mut |e| {
            if let Event::Note(n) = e {
                notes.push(n.clone());
            }
        });
        (result, notes)
    }

    #[test]
    fn a_pool_recording_this_lab_goes_with_its_loop_devices_and_files() {
        let sys = FakeSystem::new();
        machine(&sys);
        proved_pool(&sys)
            .expect(LOSETUP, &losetup(&[("/dev/loop4", 11), ("/dev/loop5", 12)]))
            .expect("zpool destroy tank", "")
            .expect(LOSETUP, &losetup(&[("/dev/loop4", 11), ("/dev/loop5", 12)]))
            .expect("losetup --detach /dev/loop4", "")
            .expect(LOSETUP, &losetup(&[("/dev/loop5", 12)]))
            .expect("losetup --detach /dev/loop5", "")
            .expect(LOSETUP, "")
            .expect("rm -f /z/disk0.img", "")
            .expect(LOSETUP, "")
            .expect("rm -f /z/disk1.img", "");
        let (result, notes) = run(&sys);
        result.expect("all proved");
        assert!(!sys.exists(Path::new(JOURNAL)), "the corrupt journal goes");
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with("left in place: directory /z")),
            "{notes:?}"
        );
        assert!(
            notes[0].contains("cannot be used") && !notes[0].contains("next:"),
            "{notes:?}"
        );
    }

    #[test]
    fn a_pool_without_the_properties_is_listed_and_nothing_is_touched() {
        let sys = FakeSystem::new();
        machine(&sys);
        sys.expect(GUID, "99\n")
            .expect(OWNER, "org.zlab:lab\t-\t-\norg.zlab:scenario\t-\t-\n")
            .expect(LOSETUP, &losetup(&[("/dev/loop4", 11), ("/dev/loop5", 12)]));
        let (result, _) = run(&sys);
        let Err(Error::Unproven { remaining }) = result else {
            panic!("{result:?}")
        };
        assert_eq!(
            remaining,
            [
                "# left alone, not proved to be the lab's: pool `tank` (guid 99) records no zlab lab",
                "zpool destroy tank",
                "# left alone, not proved to be the lab's: /z/disk1.img exists (a regular file, 1073741824 bytes, inode 12 on device 0:1) and is no member of a pool that records this lab",
                "losetup --detach /dev/loop5",
                "rm -f /z/disk1.img",
                "# left alone, not proved to be the lab's: /z/disk0.img exists (a regular file, 1073741824 bytes, inode 11 on device 0:1) and is no member of a pool that records this lab",
                "losetup --detach /dev/loop4",
                "rm -f /z/disk0.img",
                "# the journal zlab cannot use",
                "rm -f /state/journal.json",
            ]
        );
        assert!(sys.exists(Path::new(JOURNAL)));
    }

    #[test]
    fn a_pool_recording_another_scenario_of_the_same_name_is_left_alone() {
        let sys = FakeSystem::new();
        sys.expect(GUID, "99\n")
            .expect(OWNER, &owner("t", "/elsewhere/t.yaml"));
        let (result, _) = run(&sys);
        let Err(Error::Unproven { remaining }) = result else {
            panic!("{result:?}")
        };
        assert!(
            remaining[0].ends_with("records lab `t` of /elsewhere/t.yaml"),
            "{remaining:?}"
        );
    }

    #[test]
    fn a_leaf_holding_a_file_the_scenario_does_not_declare_is_not_detached() {
        let sys = FakeSystem::new();
        machine(&sys);
        // loop5 holds someone's file; the lab's disk1.img is in no pool.
        proved_pool(&sys)
            .expect(LOSETUP, &losetup(&[("/dev/loop4", 11), ("/dev/loop5", 50)]))
            .expect("zpool destroy tank", "")
            .expect(LOSETUP, &losetup(&[("/dev/loop4", 11), ("/dev/loop5", 50)]))
            .expect("losetup --detach /dev/loop4", "")
            .expect(LOSETUP, &losetup(&[("/dev/loop5", 50)]))
            .expect("rm -f /z/disk0.img", "");
        let (result, _) = run(&sys);
        let Err(Error::Unproven { remaining }) = result else {
            panic!("{result:?}")
        };
        assert!(
            remaining[0].contains("/z/disk1.img exists"),
            "{remaining:?}"
        );
        assert!(
            !remaining
                .iter()
                .any(|l| l.contains("victim") || l.contains("loop5")),
            "{remaining:?}"
        );
    }

    #[test]
    fn a_file_replaced_after_the_loop_device_reported_it_is_not_removed() {
        let sys = FakeSystem::new();
        machine(&sys);
        proved_pool(&sys)
            .expect(LOSETUP, &losetup(&[("/dev/loop4", 11), ("/dev/loop5", 12)]))
            .expect("zpool destroy tank", "")
            .expect(LOSETUP, &losetup(&[("/dev/loop4", 11), ("/dev/loop5", 12)]))
            .expect("losetup --detach /dev/loop4", "")
            .expect(LOSETUP, &losetup(&[("/dev/loop5", 12)]))
            .expect("losetup --detach /dev/loop5", "")
            .expect(LOSETUP, "")
            .then_stat("/z/disk0.img", Some(FakeSystem::file(77, 5)))
            .expect(LOSETUP, "")
            .expect("rm -f /z/disk1.img", "");
        let (result, _) = run(&sys);
        let Err(Error::Unproven { remaining }) = result else {
            panic!("{result:?}")
        };
        assert!(
            remaining[0].contains("/z/disk0.img is another file now"),
            "{remaining:?}"
        );
    }

    #[test]
    fn a_failing_probe_stops_the_run_before_anything_is_touched() {
        let sys = FakeSystem::new();
        machine(&sys);
        sys.expect_failure(GUID, "The ZFS modules are not loaded.");
        let (result, _) = run(&sys);
        let err = result.expect_err("refused");
        assert!(
            err.to_string().contains("cannot inspect the machine"),
            "{err}"
        );
        assert!(sys.exists(Path::new(JOURNAL)));
    }

    #[test]
    fn another_labs_journal_is_left_in_place() {
        let sys = FakeSystem::new();
        Journal::new(LabIdentity::new("other", Path::new("/o/other.yaml")))
            .save(&sys, Path::new(JOURNAL))
            .expect("save");
        sys.expect_failure(GUID, "cannot open 'tank': no such pool");
        let (result, notes) = run(&sys);
        result.expect("nothing of this lab");
        assert!(sys.exists(Path::new(JOURNAL)));
        assert!(
            notes.iter().any(|n| n.contains("belongs to lab `other`")),
            "{notes:?}"
        );
    }

    #[test]
    fn a_usable_journal_goes_through_the_normal_down() {
        let sys = FakeSystem::new();
        let mut j = Journal::new(lab());
        j.set(
            "pool:tank",
            "create pool tank",
            Resource::Pool {
                name: "tank".into(),
                guid: Some(PoolGuid(99)),
            },
            true,
        );
        j.save(&sys, Path::new(JOURNAL)).expect("save");
        sys.expect(GUID, "99\n")
            .expect("zfs list -H -o name -t volume -r tank", "")
            .expect("zpool destroy tank", "")
            .expect("rmdir --ignore-fail-on-non-empty /state", "");
        let (result, _) = run(&sys);
        result.expect("down");
    }
}
