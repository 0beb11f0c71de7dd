//! The state journal: every resource zlab is creating or has created for a lab,
//! written atomically before and after each step, so `down` can undo exactly
//! what zlab made — after a failed step, a crash or `kill -9` — and `up` run
//! again continues where it stopped.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::system::{CommandError, System};

/// Something that exists because zlab made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Resource {
    Dir {
        path: PathBuf,
    },
    File {
        path: PathBuf,
    },
    Loop {
        file: PathBuf,
        var: String,
        device: Option<PathBuf>,
    },
    Brd,
    Mount {
        path: PathBuf,
    },
    Pool {
        name: String,
    },
    /// A step that leaves nothing to undo (a wipe, a dataset inside a pool), or
    /// found what it would create already there and so does not own it.
    Action,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    /// The step, as `Step::describe` says it: stable across runs of one scenario.
    pub step: String,
    pub resource: Resource,
    /// False while the step runs: the resource may or may not exist.
    pub done: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Journal {
    pub lab: String,
    pub records: Vec<Record>,
}

impl Journal {
    /// The journal at `path`, or an empty one if there is none.
    pub(crate) fn load(sys: &dyn System, path: &Path, lab: &str) -> Result<Journal, CommandError> {
        if !sys.exists(path) {
            return Ok(Journal {
                lab: lab.to_owned(),
                records: Vec::new(),
            });
        }
        let text = sys.read_to_string(path)?;
        serde_json::from_str(&text).map_err(|e| CommandError::Io {
            action: "parse the journal",
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        })
    }

    pub(crate) fn save(&self, sys: &dyn System, path: &Path) -> Result<(), CommandError> {
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        sys.write_atomic(path, text.as_bytes())
    }

    pub(crate) fn find(&self, step: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.step == step)
    }

    /// Records `resource` for `step`, replacing an earlier record of it.
    pub(crate) fn set(&mut self, step: &str, resource: Resource, done: bool) {
        let record = Record {
            step: step.to_owned(),
            resource,
            done,
        };
        match self.records.iter_mut().find(|r| r.step == step) {
            Some(r) => *r = record,
            None => self.records.push(record),
        }
    }

    pub(crate) fn remove(&mut self, step: &str) {
        self.records.retain(|r| r.step != step);
    }

    /// The loop device bound to a plan variable.
    pub(crate) fn binding(&self, var: &str) -> Option<PathBuf> {
        self.records.iter().find_map(|r| match &r.resource {
            Resource::Loop { var: v, device, .. } if v == var => device.clone(),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::fake::FakeSystem;

    #[test]
    fn round_trips_through_the_system() {
        let sys = FakeSystem::new();
        let path = Path::new("/state/journal.json");
        let mut j = Journal::load(&sys, path, "lab").expect("empty");
        j.set(
            "attach a",
            Resource::Loop {
                file: "/f".into(),
                var: "d_0".into(),
                device: Some("/dev/loop3".into()),
            },
            true,
        );
        j.save(&sys, path).expect("save");
        let back = Journal::load(&sys, path, "lab").expect("load");
        assert_eq!(back, j);
        assert_eq!(back.binding("d_0"), Some(PathBuf::from("/dev/loop3")));
    }

    #[test]
    fn set_replaces_the_record_of_a_step() {
        let mut j = Journal::default();
        j.set("s", Resource::Brd, false);
        j.set("s", Resource::Brd, true);
        assert_eq!(j.records.len(), 1);
        assert!(j.records[0].done);
    }
}
