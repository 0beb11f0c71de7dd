//! The state journal: every resource zlab is creating or has created for a lab,
//! with what identifies it for real, written atomically before and after each
//! step, so `down` can undo exactly what zlab made — after a failed step, a
//! crash or `kill -9` — and `up` run again continues where it stopped.
//!
//! A journal belongs to one lab: its name, its scenario's absolute path and a
//! random id. A scenario that did not write it is refused, so two labs never
//! share one state directory silently.

use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::identity::{BrdId, FileId, MountId, PoolGuid, VolumeGuid};
use crate::error::{Error, JournalDefect};
use crate::system::{CommandError, System};
use crate::zfs::owner::Owner;
use crate::zfs::version::Installed;

/// The journal format this zlab writes. Version 3 added the identities of
/// mounts and of the loaded brd, version 4 volumes (zvols); journals without a version (zlab before
/// identities) are refused: they prove nothing about what they name.
pub(crate) const VERSION: u32 = 4;

/// The oldest format this zlab reads. Version 3 has no volumes and is read
/// as it is. Version 2 is read as it is too: its files,
/// loop devices and pools carry the same identities as in version 3, so they
/// are torn down as before; its mount and brd records have none (`id` is
/// `None`), so `down` and `status` report them and leave them alone, as for
/// anything else not proved. Refusing version 2 would instead leave a lab
/// built by the last release to `--from-system`, which proves less. A zlab
/// that reads only version 2 refuses version 3 (and one that reads only 3
/// refuses 4), so it never reads a record it does not understand.
pub(crate) const OLDEST: u32 = 2;

/// Which lab a journal belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LabIdentity {
    pub name: String,
    /// The scenario file, absolute.
    pub scenario: PathBuf,
    /// Random, made when the journal is: tells two incarnations apart.
    pub id: String,
}

impl LabIdentity {
    /// A new identity for the lab `name` of `scenario` (absolute).
    pub(crate) fn new(name: &str, scenario: &Path) -> LabIdentity {
        // std's hasher keys are random per process, seeded by the OS.
        let random = || std::hash::RandomState::new().build_hasher().finish();
        LabIdentity {
            name: name.to_owned(),
            scenario: scenario.to_path_buf(),
            id: format!("{:016x}{:016x}", random(), random()),
        }
    }

    /// What the lab's pools record of it (`zpool create -O`).
    pub(crate) fn owner(&self) -> Owner {
        Owner {
            lab: self.name.clone(),
            scenario: self.scenario.clone(),
        }
    }

    /// The same lab: same name and same scenario file.
    pub(crate) fn same_lab(&self, other: &LabIdentity) -> bool {
        self.name == other.name && self.scenario == other.scenario
    }
}

/// Something that exists because zlab made it, with what proves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Resource {
    Dir {
        path: PathBuf,
        /// Known once made; `None` while the step runs.
        id: Option<FileId>,
    },
    File {
        path: PathBuf,
        id: Option<FileId>,
        /// Taken over with `up --adopt`: `down` detaches it but never deletes it.
        #[serde(default)]
        adopted: bool,
    },
    Loop {
        file: PathBuf,
        /// The backing file's identity: the loop device is found by it.
        backing: FileId,
        var: String,
        device: Option<PathBuf>,
    },
    Brd {
        /// Known once loaded; `None` while the step runs, and in journals of
        /// version 2.
        #[serde(default)]
        id: Option<BrdId>,
    },
    Mount {
        path: PathBuf,
        /// Known once mounted; `None` while the step runs, and in journals of
        /// version 2.
        #[serde(default)]
        id: Option<MountId>,
    },
    Pool {
        name: String,
        guid: Option<PoolGuid>,
    },
    Volume {
        /// Full name: `pool/vol`.
        name: String,
        /// Known once made; `None` while the step runs.
        guid: Option<VolumeGuid>,
        /// The plan variable its device is bound to.
        var: String,
        /// Its `/dev/zdN`, once found.
        device: Option<PathBuf>,
    },
    /// A step that leaves nothing to undo (a wipe, a dataset inside a pool), or
    /// found what it would create already there and so does not own it.
    Action,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    /// The step's stable id (`Step::id`): resumes are keyed by it.
    pub id: String,
    /// The step, as `Step::describe` says it: for people.
    pub step: String,
    pub resource: Resource,
    /// False while the step runs: the resource may or may not exist.
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Journal {
    pub version: u32,
    pub lab: LabIdentity,
    /// The OpenZFS the last `up` found (tools and module): what the lab was
    /// built with. Absent from journals of zlab before it was recorded.
    #[serde(default)]
    pub zfs: Installed,
    pub records: Vec<Record>,
}

impl Journal {
    /// An empty journal for `lab`.
    pub(crate) fn new(lab: LabIdentity) -> Journal {
        Journal {
            version: VERSION,
            lab,
            zfs: Installed::default(),
            records: Vec::new(),
        }
    }

    /// The journal at `path`, or an empty one for `lab` if there is none.
    /// A journal another scenario wrote, of another format or unreadable is
    /// refused (`Error::JournalForeign`, `Error::JournalUnreadable`); one that
    /// cannot be read at all is `Error::Journal`.
    pub(crate) fn load(sys: &dyn System, path: &Path, lab: &LabIdentity) -> Result<Journal, Error> {
        match Self::read(sys, path, lab)? {
            None => Ok(Journal::new(lab.clone())),
            // Read compatibly, written back in this zlab's format.
            Some(j) if j.lab.same_lab(lab) => Ok(Journal {
                version: VERSION,
                ..j
            }),
            Some(j) => Err(Error::JournalForeign {
                journal: path.to_path_buf(),
                scenario: lab.scenario.clone(),
                lab: j.lab.name,
                owner: j.lab.scenario,
            }),
        }
    }

    /// The journal at `path` whoever wrote it; `None` if there is none.
    pub(crate) fn read(
        sys: &dyn System,
        path: &Path,
        lab: &LabIdentity,
    ) -> Result<Option<Journal>, Error> {
        if !sys.exists(path) {
            return Ok(None);
        }
        let text = sys.read_to_string(path).map_err(Error::Journal)?;
        let unreadable = |defect: JournalDefect| Error::JournalUnreadable {
            journal: path.to_path_buf(),
            scenario: lab.scenario.clone(),
            defect,
        };
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| unreadable(JournalDefect::NotJson(e.to_string())))?;
        match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if (u64::from(OLDEST)..=u64::from(VERSION)).contains(&v) => {}
            Some(found) => {
                return Err(unreadable(JournalDefect::Version {
                    found,
                    oldest: OLDEST,
                    newest: VERSION,
                }));
            }
            None => return Err(unreadable(JournalDefect::Unversioned)),
        }
        serde_json::from_value(value)
            .map(Some)
            .map_err(|e| unreadable(JournalDefect::Malformed(e.to_string())))
    }

    pub(crate) fn save(&self, sys: &dyn System, path: &Path) -> Result<(), CommandError> {
        let text = serde_json::to_string_pretty(self).map_err(|e| CommandError::Io {
            action: "encode the journal",
            path: path.to_path_buf(),
            source: std::io::Error::other(e),
        })?;
        sys.write_atomic(path, text.as_bytes())
    }

    pub(crate) fn find(&self, id: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.id == id)
    }

    /// Records `resource` for the step `id`, replacing an earlier record of it.
    pub(crate) fn set(&mut self, id: &str, step: &str, resource: Resource, done: bool) {
        let record = Record {
            id: id.to_owned(),
            step: step.to_owned(),
            resource,
            done,
        };
        match self.records.iter_mut().find(|r| r.id == id) {
            Some(r) => *r = record,
            None => self.records.push(record),
        }
    }

    pub(crate) fn remove(&mut self, id: &str) {
        self.records.retain(|r| r.id != id);
    }

    /// The loop device or volume bound to a plan variable.
    pub(crate) fn binding(&self, var: &str) -> Option<PathBuf> {
        self.records.iter().find_map(|r| match &r.resource {
            Resource::Loop { var: v, device, .. } | Resource::Volume { var: v, device, .. }
                if v == var =>
            {
                device.clone()
            }
            _ => None,
        })
    }

    /// The identity recorded for the file at `path` (made or adopted by this lab).
    pub(crate) fn file_id(&self, path: &Path) -> Option<FileId> {
        self.records.iter().find_map(|r| match &r.resource {
            Resource::File { path: p, id, .. } if p == path => *id,
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::fake::FakeSystem;

    fn lab(scenario: &str) -> LabIdentity {
        LabIdentity::new("mylab", Path::new(scenario))
    }

    #[test]
    fn round_trips_through_the_system() {
        let sys = FakeSystem::new();
        let path = Path::new("/state/journal.json");
        let ours = lab("/s1/mylab.yaml");
        let mut j = Journal::load(&sys, path, &ours).expect("empty");
        j.set(
            "loop:d_0",
            "attach a",
            Resource::Loop {
                file: "/f".into(),
                backing: FileId {
                    dev: 1,
                    ino: 2,
                    size: 3,
                },
                var: "d_0".into(),
                device: Some("/dev/loop3".into()),
            },
            true,
        );
        j.save(&sys, path).expect("save");
        let back = Journal::load(&sys, path, &ours).expect("load");
        assert_eq!(back, j);
        assert_eq!(back.binding("d_0"), Some(PathBuf::from("/dev/loop3")));
    }

    #[test]
    fn set_replaces_the_record_of_a_step() {
        let mut j = Journal::new(lab("/a.yaml"));
        j.set("brd", "s", Resource::Brd { id: None }, false);
        j.set(
            "brd",
            "s, said differently",
            Resource::Brd { id: None },
            true,
        );
        assert_eq!(j.records.len(), 1);
        assert!(j.records[0].done);
    }

    #[test]
    fn two_scenarios_with_one_stem_do_not_share_a_journal() {
        let sys = FakeSystem::new();
        let path = Path::new("/var/lib/zlab/mylab/journal.json");
        Journal::new(lab("/s2/mylab.yaml"))
            .save(&sys, path)
            .expect("save");
        let err = Journal::load(&sys, path, &lab("/s1/mylab.yaml")).expect_err("foreign");
        let text = err.to_string();
        assert!(matches!(err, Error::JournalForeign { .. }));
        assert!(
            text.contains("/s2/mylab.yaml") && text.contains("/s1/mylab.yaml"),
            "{text}"
        );
        assert!(
            text.contains("`lab:`") && text.contains("`state_dir:`"),
            "{text}"
        );
    }

    #[test]
    fn a_journal_of_another_lab_name_is_refused() {
        let sys = FakeSystem::new();
        let path = Path::new("/shared/journal.json");
        let mut theirs = lab("/x/lab.yaml");
        theirs.name = "sa".into();
        Journal::new(theirs).save(&sys, path).expect("save");
        let mut ours = lab("/x/lab.yaml");
        ours.name = "sb".into();
        assert!(matches!(
            Journal::load(&sys, path, &ours),
            Err(Error::JournalForeign { .. })
        ));
    }

    #[test]
    fn an_old_journal_is_refused_with_the_way_out() {
        let sys = FakeSystem::new();
        let path = Path::new("/state/journal.json");
        sys.write_atomic(path, br#"{"lab":"t","records":[]}"#)
            .expect("write");
        let err = Journal::load(&sys, path, &lab("/t.yaml")).expect_err("old");
        let text = err.to_string();
        assert!(
            matches!(
                err,
                Error::JournalUnreadable {
                    defect: JournalDefect::Unversioned,
                    ..
                }
            ),
            "{text}"
        );
        assert!(text.contains("older zlab"), "{text}");
        assert!(text.contains("zlab down --from-system /t.yaml"), "{text}");
    }

    #[test]
    fn a_corrupt_journal_is_refused_with_the_way_out() {
        let sys = FakeSystem::new();
        let path = Path::new("/state/journal.json");
        sys.write_atomic(path, b"{ truncated").expect("write");
        let err = Journal::load(&sys, path, &lab("/t.yaml")).expect_err("corrupt");
        assert!(
            matches!(
                err,
                Error::JournalUnreadable {
                    defect: JournalDefect::NotJson(_),
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("\n  next: `zlab down --from-system /t.yaml` tears down"),
            "{err}"
        );
    }

    #[test]
    fn a_journal_of_a_newer_format_is_refused_naming_both_versions() {
        let sys = FakeSystem::new();
        let path = Path::new("/state/journal.json");
        sys.write_atomic(path, br#"{"version":99,"lab":{},"records":[]}"#)
            .expect("write");
        let err = Journal::load(&sys, path, &lab("/t.yaml")).expect_err("newer");
        assert!(
            matches!(
                err,
                Error::JournalUnreadable {
                    defect: JournalDefect::Version { found: 99, .. },
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn a_version_2_journal_is_read_with_its_mount_and_brd_unidentified() {
        let sys = FakeSystem::new();
        let path = Path::new("/state/journal.json");
        let v2 = r#"{"version":2,"lab":{"name":"mylab","scenario":"/t.yaml","id":"x"},"records":[
            {"id":"brd","step":"load brd","resource":{"kind":"brd"},"done":true},
            {"id":"mount:/mnt/a","step":"mount","resource":{"kind":"mount","path":"/mnt/a"},"done":true},
            {"id":"pool:tank","step":"create pool","resource":{"kind":"pool","name":"tank","guid":7},"done":true}]}"#;
        sys.write_atomic(path, v2.as_bytes()).expect("write");
        let j = Journal::load(&sys, path, &lab("/t.yaml")).expect("v2 is read");
        let kinds: Vec<_> = j.records.iter().map(|r| r.resource.clone()).collect();
        assert_eq!(
            kinds,
            [
                Resource::Brd { id: None },
                Resource::Mount {
                    path: "/mnt/a".into(),
                    id: None
                },
                Resource::Pool {
                    name: "tank".into(),
                    guid: Some(PoolGuid(7))
                },
            ]
        );
        // Saved again, it is this zlab's version.
        j.save(&sys, path).expect("save");
        assert!(
            sys.read_to_string(path)
                .expect("read")
                .contains(&format!("\"version\": {VERSION}"))
        );
    }
}
