//! `zlab down`: undo what the journal records, newest first, acting only on
//! what still has the identity zlab recorded (a loop device is found by its
//! backing file's inode, whatever its number; a file is removed only while it
//! is the same inode and no loop device holds it; a pool only with its GUID).
//! Anything else is reported with the reason and left alone. It keeps going
//! after a failure and reports what remains, with the commands still to run.

use std::path::Path;

use super::event::{Event, Outcome, StepEvents};
use super::identity::{self, Match};
use super::journal::{Journal, LabIdentity, Resource};
use super::up::journal_path;
use crate::error::Error;
use crate::lab::DevicePath;
use crate::plan::undo::Undo;
use crate::system::command::CommandLine;
use crate::system::probe;
use crate::system::{CommandError, System};
use crate::zfs::output;

pub(crate) fn down(
    lab: &LabIdentity,
    state_dir: &Path,
    keep_files: bool,
    sys: &dyn System,
    emit: &mut dyn FnMut(&Event),
) -> Result<(), Error> {
    let path = journal_path(state_dir);
    if !sys.exists(&path) {
        emit(&Event::Note(format!(
            "nothing to tear down: no journal at {}",
            path.display()
        )));
        return Ok(());
    }
    let mut journal = Journal::load(sys, &path, lab)?;
    let records: Vec<_> = journal.records.iter().rev().cloned().collect();
    let total = records.len();
    let mut remaining = Vec::new();
    for (i, record) in records.into_iter().enumerate() {
        let index = i + 1;
        let keep = keep_files
            && matches!(
                record.resource,
                Resource::File { .. } | Resource::Dir { .. }
            );
        if keep {
            continue;
        }
        let events = StepEvents::start(index, total, format!("undo: {}", record.step), emit);
        let undos = match undo_for(&record.resource, &journal, sys) {
            Ok(Verdict::Undo(u)) => u,
            Ok(Verdict::Keep(why)) => {
                journal.remove(&record.id);
                journal.save(sys, &path).map_err(Error::Journal)?;
                events.finished(Outcome::Skipped(why), emit);
                continue;
            }
            Ok(Verdict::NotOurs(why)) => {
                // Not the lab's (any more): reported, never touched, forgotten.
                journal.remove(&record.id);
                journal.save(sys, &path).map_err(Error::Journal)?;
                remaining.push(format!("# left alone, not proved to be the lab's: {why}"));
                events.failed(format!("left alone: {why}"), emit);
                continue;
            }
            Err(e) => {
                remaining.push(format!("# could not check: {e}"));
                events.failed(format!("could not check it: {e}"), emit);
                continue;
            }
        };
        let commands: Vec<CommandLine> = undos.iter().map(Undo::command).collect();
        let mut failed = None;
        for (n, command) in commands.iter().enumerate() {
            emit(&Event::Command(command.to_string()));
            if let Err(e) = sys.run(command) {
                failed = Some(e.to_string());
                remaining.extend(commands[n..].iter().map(ToString::to_string));
                break;
            }
        }
        match failed {
            None => {
                journal.remove(&record.id);
                journal.save(sys, &path).map_err(Error::Journal)?;
                let outcome = if commands.is_empty() {
                    Outcome::Skipped("nothing left to undo".into())
                } else {
                    Outcome::Done
                };
                events.finished(outcome, emit);
            }
            Some(error) => events.failed(error, emit),
        }
    }
    if journal.records.is_empty() {
        sys.remove_file(&path).map_err(Error::Journal)?;
        // The state directory is zlab's own; it goes once empty. The lock file
        // goes too: the lock this run holds stays held until it ends.
        let lock = crate::system::lock::path(state_dir);
        if sys.exists(&lock) {
            sys.remove_file(&lock).map_err(Error::Journal)?;
        }
        let rmdir = Undo::RemoveDir(state_dir.to_path_buf()).command();
        emit(&Event::Command(rmdir.to_string()));
        sys.run(&rmdir).map_err(Error::Journal)?;
    }
    if remaining.is_empty() {
        Ok(())
    } else {
        Err(Error::TeardownIncomplete {
            journal: path,
            remaining,
        })
    }
}

/// What to do with a journaled resource.
enum Verdict {
    /// Proved the lab's: these undo it (nothing if it is already gone).
    Undo(Vec<Undo>),
    /// The lab's, and kept on purpose (an adopted file): the reason.
    Keep(String),
    /// Not proved the lab's: the reason.
    NotOurs(String),
}

/// The undo of a resource, given what still exists and still has its identity.
fn undo_for(
    resource: &Resource,
    journal: &Journal,
    sys: &dyn System,
) -> Result<Verdict, CommandError> {
    Ok(match resource {
        Resource::Pool { name, guid } => match (identity::pool_guid(sys, name)?, guid) {
            (None, _) => Verdict::Undo(Vec::new()),
            (Some(now), Some(ours)) if now == *ours => match foreign_volume(sys, name, journal)? {
                // Destroying the pool would destroy it too.
                Some(why) => Verdict::NotOurs(format!("pool `{name}` holds {why}")),
                None => Verdict::Undo(vec![Undo::DestroyPool(name.clone())]),
            },
            (Some(now), Some(ours)) => Verdict::NotOurs(format!(
                "pool `{name}` has {now}, not the {ours} this lab created"
            )),
            // Interrupted before its GUID was read: the lab's if every device
            // in it is one of the lab's loop devices or RAM disks.
            (Some(now), None) => {
                if pool_on_lab_devices(sys, name, journal)? {
                    Verdict::Undo(vec![Undo::DestroyPool(name.clone())])
                } else {
                    Verdict::NotOurs(format!(
                        "pool `{name}` ({now}) was not recorded by GUID and holds devices that are not the lab's"
                    ))
                }
            }
        },
        Resource::Volume { name, guid, .. } => match guid {
            Some(guid) => match identity::check_volume(sys, name, *guid)? {
                Match::Same => Verdict::Undo(vec![Undo::DestroyVolume(name.clone())]),
                Match::Gone => Verdict::Undo(Vec::new()),
                Match::Differs(why) => Verdict::NotOurs(why),
            },
            // Interrupted before its GUID was read: the lab's if it is in
            // the lab's pool, which `down` destroys with all it holds anyway.
            None => match identity::volume_guid(sys, name)? {
                None => Verdict::Undo(Vec::new()),
                Some(_) if in_lab_pool(sys, name, journal)? => {
                    Verdict::Undo(vec![Undo::DestroyVolume(name.clone())])
                }
                Some(now) => Verdict::NotOurs(format!(
                    "volume `{name}` ({now}) was not recorded by GUID (its step was interrupted) and its pool is not the lab's; `zfs destroy {name}` if it is the lab's"
                )),
            },
        },
        Resource::Mount { path, id } => match id {
            Some(id) => match identity::check_mount(sys, path, id)? {
                Match::Same => Verdict::Undo(vec![Undo::Unmount(path.clone())]),
                Match::Gone => Verdict::Undo(Vec::new()),
                Match::Differs(why) => Verdict::NotOurs(why),
            },
            None if probe::is_mounted(sys, path)? => Verdict::NotOurs(format!(
                "something is mounted on {} and the journal has no identity for the lab's mount (its step was interrupted, or an older zlab wrote it); `umount {}` if it is the lab's",
                path.display(),
                path.display()
            )),
            None => Verdict::Undo(Vec::new()),
        },
        Resource::Brd { id } => match id {
            Some(id) => match identity::check_brd(sys, id)? {
                Match::Same => Verdict::Undo(vec![Undo::UnloadBrd]),
                Match::Gone => Verdict::Undo(Vec::new()),
                Match::Differs(why) => Verdict::NotOurs(why),
            },
            None if identity::brd(sys)?.is_some() => Verdict::NotOurs(
                "brd is loaded and the journal has no identity for the lab's (its step was interrupted, or an older zlab wrote it); `rmmod brd` if its RAM disks are the lab's".to_owned(),
            ),
            None => Verdict::Undo(Vec::new()),
        },
        Resource::Loop { backing, .. } => Verdict::Undo(
            identity::loops_holding(sys, backing)?
                .into_iter()
                .map(|d| Undo::Detach(DevicePath::Known(d)))
                .collect(),
        ),
        Resource::File { path, id, adopted } => {
            let Some(id) = id else {
                return Ok(if sys.stat(path)?.is_some() {
                    Verdict::NotOurs(format!(
                        "{} was not recorded by identity (its step was interrupted)",
                        path.display()
                    ))
                } else {
                    Verdict::Undo(Vec::new())
                });
            };
            match identity::check_file(sys, path, id)? {
                Match::Gone => Verdict::Undo(Vec::new()),
                Match::Differs(why) => Verdict::NotOurs(why),
                Match::Same => {
                    let held = identity::loops_holding(sys, id)?;
                    if let Some(dev) = held.first() {
                        Verdict::NotOurs(format!(
                            "{} is still held by {}; detach it first (`losetup --detach {}`)",
                            path.display(),
                            dev.display(),
                            dev.display()
                        ))
                    } else if *adopted {
                        Verdict::Keep(format!("{} was adopted: left in place", path.display()))
                    } else {
                        Verdict::Undo(vec![Undo::RemoveFile(path.clone())])
                    }
                }
            }
        }
        Resource::Dir { path, id } => match id {
            Some(id) => match identity::check_file(sys, path, id)? {
                Match::Same => Verdict::Undo(vec![Undo::RemoveDir(path.clone())]),
                Match::Gone => Verdict::Undo(Vec::new()),
                Match::Differs(why) => Verdict::NotOurs(why),
            },
            None if sys.stat(path)?.is_some() => Verdict::NotOurs(format!(
                "{} was not recorded by identity (its step was interrupted)",
                path.display()
            )),
            None => Verdict::Undo(Vec::new()),
        },
        _ => Verdict::Undo(Vec::new()),
    })
}

/// Whether the dataset `name` is in a pool the journal records by a GUID
/// the pool still has.
fn in_lab_pool(sys: &dyn System, name: &str, journal: &Journal) -> Result<bool, CommandError> {
    let pool = name.split('/').next().unwrap_or(name);
    let recorded = journal.records.iter().find_map(|r| match &r.resource {
        Resource::Pool {
            name: n,
            guid: Some(g),
        } if n == pool => Some(*g),
        _ => None,
    });
    Ok(match recorded {
        Some(g) => identity::pool_guid(sys, pool)? == Some(g),
        None => false,
    })
}

/// A volume in pool `name` that the journal does not record by its GUID
/// (someone else's, or the lab's made again by hand), said for people.
fn foreign_volume(
    sys: &dyn System,
    name: &str,
    journal: &Journal,
) -> Result<Option<String>, CommandError> {
    let list = CommandLine::new("zfs")
        .args(["list", "-H", "-o", "name", "-t", "volume", "-r"])
        .arg(name);
    let out = sys.run(&list)?;
    for volume in output::names(&out.stdout) {
        let Some(now) = identity::volume_guid(sys, &volume)? else {
            continue;
        };
        let ours = journal.records.iter().any(|r| {
            matches!(&r.resource, Resource::Volume { name: n, guid: Some(g), .. } if *n == volume && *g == now)
        });
        if !ours {
            return Ok(Some(format!(
                "volume `{volume}` ({now}), which this lab did not create"
            )));
        }
    }
    Ok(None)
}

/// Whether every leaf device of pool `name` is a loop device holding one of the
/// lab's files (by inode) or, if the lab loaded brd, a RAM disk — partitions
/// of them included.
fn pool_on_lab_devices(
    sys: &dyn System,
    name: &str,
    journal: &Journal,
) -> Result<bool, CommandError> {
    // One listing for every record: nothing changes while this only looks.
    let loops = identity::loop_devices(sys)?;
    let mut ours = Vec::new();
    let mut brd = false;
    for r in &journal.records {
        match &r.resource {
            Resource::Loop { backing, .. } => ours.extend(
                loops
                    .iter()
                    .filter(|l| l.holds(backing))
                    .map(|l| l.device.clone()),
            ),
            // RAM disks count only while brd is the instance the lab loaded.
            Resource::Brd { id: Some(id) } => {
                brd = brd || identity::check_brd(sys, id)? == Match::Same;
            }
            _ => {}
        }
    }
    let list = CommandLine::new("zpool")
        .args(["list", "-v", "-H", "-P"])
        .arg(name);
    let out = sys.run(&list)?;
    let leaves: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.split('\t').find(|f| !f.is_empty()))
        .filter(|f| f.starts_with('/'))
        .collect();
    Ok(!leaves.is_empty()
        && leaves.iter().all(|leaf| {
            let whole = whole_device(leaf);
            ours.iter().any(|d| d.to_str() == Some(whole)) || (brd && whole.starts_with("/dev/ram"))
        }))
}

/// `/dev/loop3` for `/dev/loop3p1`, `/dev/ram0` for `/dev/ram0p2`.
pub(super) fn whole_device(leaf: &str) -> &str {
    match leaf.rfind('p') {
        Some(i)
            if i + 1 < leaf.len()
                && leaf[i + 1..].bytes().all(|b| b.is_ascii_digit())
                && leaf[..i].ends_with(|c: char| c.is_ascii_digit()) =>
        {
            &leaf[..i]
        }
        _ => leaf,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::exec::identity::{FileId, PoolGuid, VolumeGuid};
    use crate::system::fake::FakeSystem;

    const LOSETUP: &str = "losetup --list --json --output NAME,BACK-INO,BACK-MAJ:MIN,BACK-FILE";
    const GUID: &str = "zpool get -Hp -o value guid tank";
    const VOLUMES: &str = "zfs list -H -o name -t volume -r tank";
    const GIB: u64 = 1 << 30;

    fn lab() -> LabIdentity {
        LabIdentity::new("t", Path::new("/s/t.yaml"))
    }

    fn id(ino: u64) -> FileId {
        FileId {
            dev: 1,
            ino,
            size: GIB,
        }
    }

    /// `losetup --list --json` with one loop device holding inode `ino` of device 0:1.
    fn holding(device: &str, ino: u64) -> String {
        format!(
            r#"{{"loopdevices":[{{"name":"{device}","back-ino":{ino},"back-maj:min":"0:1","back-file":"/z/a.img"}}]}}"#
        )
    }

    /// A lab of one directory, one file on a loop device and a pool; the
    /// machine as the lab left it: /z is inode 10, /z/a.img inode 11.
    fn journal(sys: &FakeSystem, file: &str, adopted: bool) {
        let mut j = Journal::new(lab());
        j.set(
            "dir:/z",
            "create directory /z",
            Resource::Dir {
                path: "/z".into(),
                id: Some(FileId {
                    dev: 1,
                    ino: 10,
                    size: 4096,
                }),
            },
            true,
        );
        j.set(
            "file:/z/a.img",
            "create sparse file /z/a.img",
            Resource::File {
                path: file.into(),
                id: Some(id(11)),
                adopted,
            },
            true,
        );
        j.set(
            "loop:d_0",
            "attach",
            Resource::Loop {
                file: "/z/a.img".into(),
                backing: id(11),
                var: "d_0".into(),
                device: Some("/dev/loop4".into()),
            },
            true,
        );
        j.set(
            "pool:tank",
            "create pool tank",
            Resource::Pool {
                name: "tank".into(),
                guid: Some(PoolGuid(99)),
            },
            true,
        );
        j.save(sys, Path::new("/state/journal.json")).expect("save");
        sys.set_stat("/z", FakeSystem::dir(10));
        sys.set_stat("/z/a.img", FakeSystem::file(11, GIB));
    }

    fn run(sys: &FakeSystem) -> Result<(), Error> {
        down(&lab(), Path::new("/state"), false, sys, &mut |_| {})
    }

    #[test]
    fn down_undoes_newest_first_finding_a_reattached_loop_device_by_inode() {
        let sys = FakeSystem::new();
        journal(&sys, "/z/a.img", false);
        sys.expect(GUID, "99\n")
            .expect(VOLUMES, "")
            .expect("zpool destroy tank", "")
            // Re-attached as loop7 since: found by its backing inode.
            .expect(LOSETUP, &holding("/dev/loop7", 11))
            .expect("losetup --detach /dev/loop7", "")
            // The file goes only once no loop device holds it.
            .expect(LOSETUP, "")
            .expect("rm -f /z/a.img", "")
            .expect("rmdir --ignore-fail-on-non-empty /z", "")
            .expect("rmdir --ignore-fail-on-non-empty /state", "");
        run(&sys).expect("down");
        assert!(!sys.exists(Path::new("/state/journal.json")));
    }

    #[test]
    fn a_tampered_journal_naming_another_file_removes_nothing_of_it() {
        let sys = FakeSystem::new();
        journal(&sys, "/home/me/thesis.pdf", false);
        sys.set_stat("/home/me/thesis.pdf", FakeSystem::file(500, 12_345));
        sys.expect(GUID, "99\n")
            .expect(VOLUMES, "")
            .expect("zpool destroy tank", "")
            .expect(LOSETUP, &holding("/dev/loop4", 11))
            .expect("losetup --detach /dev/loop4", "")
            .expect("rmdir --ignore-fail-on-non-empty /z", "")
            .expect("rmdir --ignore-fail-on-non-empty /state", "");
        let err = run(&sys).expect_err("incomplete");
        let Error::TeardownIncomplete { remaining, .. } = err else {
            panic!("{err}")
        };
        assert!(
            remaining[0].contains("/home/me/thesis.pdf is another file now"),
            "{remaining:?}"
        );
    }

    #[test]
    fn a_file_still_held_by_a_loop_device_is_not_removed() {
        let sys = FakeSystem::new();
        journal(&sys, "/z/a.img", false);
        sys.expect(GUID, "99\n")
            .expect(VOLUMES, "")
            .expect("zpool destroy tank", "")
            .expect(LOSETUP, &holding("/dev/loop4", 11))
            .expect_failure("losetup --detach /dev/loop4", "device busy")
            .expect(LOSETUP, &holding("/dev/loop4", 11))
            .expect("rmdir --ignore-fail-on-non-empty /z", "");
        let err = run(&sys).expect_err("incomplete");
        assert!(
            err.to_string().contains("still held by /dev/loop4"),
            "{err}"
        );
    }

    #[test]
    fn a_pool_made_again_under_the_name_is_not_destroyed() {
        let sys = FakeSystem::new();
        journal(&sys, "/z/a.img", false);
        sys.expect(GUID, "1000\n")
            .expect(LOSETUP, "")
            .expect(LOSETUP, "")
            .expect("rm -f /z/a.img", "")
            .expect("rmdir --ignore-fail-on-non-empty /z", "")
            .expect("rmdir --ignore-fail-on-non-empty /state", "");
        let err = run(&sys).expect_err("incomplete");
        assert!(
            err.to_string().contains("has guid 1000, not the guid 99"),
            "{err}"
        );
    }

    /// The lab's journal with a volume of the pool, made after it.
    fn with_volume(sys: &FakeSystem) {
        journal(sys, "/z/a.img", false);
        let path = Path::new("/state/journal.json");
        let mut j = Journal::load(sys, path, &lab()).expect("journal");
        j.set(
            "volume:tank/v",
            "create volume tank/v",
            Resource::Volume {
                name: "tank/v".into(),
                guid: Some(VolumeGuid(77)),
                var: "v_zvol".into(),
                device: Some("/dev/zd0".into()),
            },
            true,
        );
        j.save(sys, path).expect("save");
    }

    const VOLUME_GUID: &str = "zfs get -Hp -o property,value guid tank/v";

    #[test]
    fn the_labs_volume_is_destroyed_before_its_pool() {
        let sys = FakeSystem::new();
        with_volume(&sys);
        sys.expect(VOLUME_GUID, "guid\t77\n")
            .expect("zfs destroy tank/v", "")
            .expect(GUID, "99\n")
            .expect(VOLUMES, "")
            .expect("zpool destroy tank", "")
            .expect(LOSETUP, "")
            .expect(LOSETUP, "")
            .expect("rm -f /z/a.img", "")
            .expect("rmdir --ignore-fail-on-non-empty /z", "")
            .expect("rmdir --ignore-fail-on-non-empty /state", "");
        run(&sys).expect("down");
    }

    #[test]
    fn a_volume_whose_step_was_interrupted_goes_if_it_is_in_the_labs_pool() {
        let sys = FakeSystem::new();
        with_volume(&sys);
        let path = Path::new("/state/journal.json");
        let mut j = Journal::load(&sys, path, &lab()).expect("journal");
        j.set(
            "volume:tank/v",
            "create volume tank/v",
            Resource::Volume {
                name: "tank/v".into(),
                guid: None,
                var: "v_zvol".into(),
                device: None,
            },
            false,
        );
        j.save(&sys, path).expect("save");
        sys.expect(VOLUME_GUID, "guid\t77\n")
            .expect(GUID, "99\n")
            .expect("zfs destroy tank/v", "")
            .expect(GUID, "99\n")
            .expect(VOLUMES, "")
            .expect("zpool destroy tank", "")
            .expect(LOSETUP, "")
            .expect(LOSETUP, "")
            .expect("rm -f /z/a.img", "")
            .expect("rmdir --ignore-fail-on-non-empty /z", "")
            .expect("rmdir --ignore-fail-on-non-empty /state", "");
        run(&sys).expect("down");
    }

    #[test]
    fn a_volume_made_again_by_hand_is_left_alone_and_so_is_its_pool() {
        let sys = FakeSystem::new();
        with_volume(&sys);
        sys.expect(VOLUME_GUID, "guid\t88\n")
            .expect(GUID, "99\n")
            .expect(VOLUMES, "tank/v\n")
            .expect(VOLUME_GUID, "guid\t88\n")
            .expect(LOSETUP, &holding("/dev/loop4", 11))
            .expect("losetup --detach /dev/loop4", "")
            .expect(LOSETUP, &holding("/dev/loop4", 11))
            .expect("rmdir --ignore-fail-on-non-empty /z", "")
            .expect("rmdir --ignore-fail-on-non-empty /state", "");
        let err = run(&sys).expect_err("incomplete");
        let Error::TeardownIncomplete { remaining, .. } = err else {
            panic!("{err}")
        };
        assert!(
            remaining[0].contains("volume `tank/v` has guid 88, not the guid 77"),
            "{remaining:?}"
        );
        assert!(
            remaining[1].contains("pool `tank` holds volume `tank/v` (guid 88)"),
            "{remaining:?}"
        );
    }

    #[test]
    fn an_adopted_file_is_detached_but_kept() {
        let sys = FakeSystem::new();
        journal(&sys, "/z/a.img", true);
        sys.expect(GUID, "99\n")
            .expect(VOLUMES, "")
            .expect("zpool destroy tank", "")
            .expect(LOSETUP, &holding("/dev/loop4", 11))
            .expect("losetup --detach /dev/loop4", "")
            .expect(LOSETUP, "")
            .expect("rmdir --ignore-fail-on-non-empty /z", "")
            .expect("rmdir --ignore-fail-on-non-empty /state", "");
        run(&sys).expect("down");
    }

    #[test]
    fn down_goes_on_after_a_failure_and_lists_what_remains() {
        let sys = FakeSystem::new();
        journal(&sys, "/z/a.img", false);
        sys.expect(GUID, "99\n")
            .expect(VOLUMES, "")
            .expect_failure("zpool destroy tank", "pool is busy")
            .expect(LOSETUP, &holding("/dev/loop4", 11))
            .expect("losetup --detach /dev/loop4", "")
            .expect(LOSETUP, "")
            .expect("rm -f /z/a.img", "")
            .expect("rmdir --ignore-fail-on-non-empty /z", "");
        let err = run(&sys).expect_err("incomplete");
        let Error::TeardownIncomplete { remaining, .. } = err else {
            panic!("{err}")
        };
        assert_eq!(remaining, vec!["zpool destroy tank".to_owned()]);
        let left = Journal::load(&sys, Path::new("/state/journal.json"), &lab()).expect("kept");
        assert_eq!(left.records.len(), 1);
    }

    #[test]
    fn brd_and_mounts_are_undone_only_while_their_identity_matches() {
        use crate::exec::identity::{BrdId, MountId};
        let sys = FakeSystem::new();
        let mut j = Journal::new(lab());
        let brd = BrdId {
            boot: "b1".into(),
            ino: 4242,
        };
        j.set("brd", "load brd", Resource::Brd { id: Some(brd) }, true);
        for (path, id, minor) in [("/mnt/a", 312, 1), ("/mnt/b", 313, 2)] {
            let source = format!("/dev/loop4p{minor}");
            j.set(
                &format!("mount:{path}"),
                &format!("mount {source} on {path}"),
                Resource::Mount {
                    path: path.into(),
                    id: Some(MountId {
                        id,
                        major: 259,
                        minor,
                        source,
                    }),
                },
                true,
            );
        }
        j.save(&sys, Path::new("/state/journal.json"))
            .expect("save");
        // /mnt/a is the lab's mount; /mnt/b has someone's disk with the
        // lab's mount ID; brd was unloaded and loaded again.
        sys.write_atomic(
            Path::new("/proc/self/mountinfo"),
            b"312 25 259:1 / /mnt/a rw - ext4 /dev/loop4p1 rw\n313 25 8:1 / /mnt/b rw - ext4 /dev/sda1 rw\n",
        )
        .expect("fake");
        sys.write_atomic(Path::new("/proc/sys/kernel/random/boot_id"), b"b1\n")
            .expect("fake");
        sys.set_stat("/sys/module/brd", FakeSystem::dir(5000));
        sys.expect("umount /mnt/a", "")
            .expect("rmdir --ignore-fail-on-non-empty /state", "");
        let err = run(&sys).expect_err("incomplete");
        let Error::TeardownIncomplete { remaining, .. } = err else {
            panic!("{err}")
        };
        assert_eq!(remaining.len(), 2, "{remaining:?}");
        assert!(remaining[0].contains("/dev/sda1"), "{remaining:?}");
        assert!(
            remaining[1].contains("brd was loaded again"),
            "{remaining:?}"
        );
    }

    #[test]
    fn brd_and_mounts_of_a_version_2_journal_are_reported_and_left_alone() {
        let sys = FakeSystem::new();
        let mut j = Journal::new(lab());
        j.set("brd", "load brd", Resource::Brd { id: None }, true);
        j.set(
            "mount:/mnt/a",
            "mount",
            Resource::Mount {
                path: "/mnt/a".into(),
                id: None,
            },
            true,
        );
        j.save(&sys, Path::new("/state/journal.json"))
            .expect("save");
        sys.write_atomic(
            Path::new("/proc/self/mountinfo"),
            b"312 25 259:1 / /mnt/a rw - ext4 /dev/loop4p1 rw\n",
        )
        .expect("fake");
        sys.write_atomic(Path::new("/proc/sys/kernel/random/boot_id"), b"b1\n")
            .expect("fake");
        sys.set_stat("/sys/module/brd", FakeSystem::dir(5000));
        sys.expect("rmdir --ignore-fail-on-non-empty /state", "");
        let err = run(&sys).expect_err("incomplete");
        let text = err.to_string();
        assert!(
            text.contains("`umount /mnt/a` if it is the lab's"),
            "{text}"
        );
        assert!(text.contains("`rmmod brd` if its RAM disks"), "{text}");
    }
}
