//! A fill's state file (`<state_dir>/fill-<target>.json`), written atomically
//! before anything is changed: the file count decided on the first run (so a
//! resumed fill ends at exactly the same count) and the property values found
//! before `during` was applied, kept until they are back. After `kill -9` the
//! next `zlab fill` or `zlab down` reads them from here.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::props::Saved;
use crate::capacity::model::{Room, files_for};
use crate::lab::FillDir;
use crate::scenario::model::FillTarget;
use crate::system::{CommandError, System};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The dataset whose properties the fill changes, if any.
    pub dataset: Option<String>,
    /// The target dataset's `guid`: a pool made again is a new fill.
    pub guid: Option<String>,
    pub files_total: u64,
    pub file_size: u64,
    /// What a percentage was taken of.
    pub capacity: Option<Room>,
    /// Set while the `during` values are in force.
    pub saved: Option<Vec<Saved>>,
    pub complete: bool,
    /// What the fill was asked for (`75%`), so a run asking for another
    /// target is not taken for its resumption (absent in older states).
    #[serde(default)]
    pub until: Option<String>,
    /// Set while `files_total` is an estimate (each file counted as its
    /// size) awaiting what the first file is charged in the pool, measured:
    /// a percentage fill of a pool zlab did not plan.
    #[serde(default)]
    pub measure_charge: bool,
    /// What a file was measured to cost the pool, once it was.
    #[serde(default)]
    pub charge: Option<u64>,
}

impl State {
    /// A complete fill asked for more (`until` of the same kind, larger):
    /// counts its files again from the same baseline and reopens it, so the
    /// next run writes on after its last file. An experiment fills to 25 %,
    /// measures, then to 50 %. Anything else is not a raise.
    pub(crate) fn raise(
        &mut self,
        until: FillTarget,
        asked: &str,
        planned_charge: Option<u64>,
    ) -> bool {
        let charge = self.charge.or(planned_charge);
        match files_for(until, self.file_size, charge, self.capacity) {
            Some(total) if self.complete && total > self.files_total => {
                self.files_total = total;
                self.until = Some(asked.to_owned());
                self.complete = false;
                true
            }
            _ => false,
        }
    }
}

/// Where a fill keeps its state and its log.
#[derive(Debug, Clone)]
pub(crate) struct Paths {
    pub state: PathBuf,
    pub log: PathBuf,
}

impl Paths {
    /// `fill-quick-data.json` / `.jsonl` for dataset `quick/data`,
    /// `fill-mnt-x.*` for path `/mnt/x`.
    pub(crate) fn new(state_dir: &Path, target: &FillDir) -> Paths {
        let raw = match target {
            FillDir::Dataset { name, .. } => name.clone(),
            FillDir::Path(p) => p.to_string_lossy().into_owned(),
        };
        let slug: String = raw
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let base = format!("fill-{}", slug.trim_matches('-'));
        Paths {
            state: state_dir.join(format!("{base}.json")),
            log: state_dir.join(format!("{base}.jsonl")),
        }
    }
}

/// Where fills without a scenario (`zlab fill DATASET`, `zlab fill --path
/// DIR`) keep their state: `$ZLAB_FILLS`, by default `/var/lib/zlab/fills`,
/// then one directory per target. Its name escapes every byte but letters,
/// digits, `-`, `_` and `.` as `%XX`, so no two targets share one
/// (`tank/data` is `tank%2Fdata`, `tank-data` stays itself).
pub(crate) fn without_scenario_dir(target: &FillDir) -> PathBuf {
    let root = std::env::var_os("ZLAB_FILLS")
        .map_or_else(|| PathBuf::from("/var/lib/zlab/fills"), PathBuf::from);
    let raw = match target {
        FillDir::Dataset { name, .. } => name.clone(),
        FillDir::Path(p) => p.to_string_lossy().into_owned(),
    };
    let mut name = String::new();
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
            name.push(char::from(b));
        } else {
            name.push_str(&format!("%{b:02X}"));
        }
    }
    root.join(name)
}

impl State {
    pub fn load(sys: &dyn System, path: &Path) -> Result<Option<State>, CommandError> {
        if !sys.exists(path) {
            return Ok(None);
        }
        let text = sys.read_to_string(path)?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| CommandError::Io {
                action: "parse the fill state",
                path: path.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            })
    }

    pub fn save(&self, sys: &dyn System, path: &Path) -> Result<(), CommandError> {
        let text = serde_json::to_string_pretty(self).map_err(|e| CommandError::Io {
            action: "encode the fill state",
            path: path.to_path_buf(),
            source: std::io::Error::other(e),
        })?;
        sys.write_atomic(path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::fake::FakeSystem;

    #[test]
    fn names_follow_the_target() {
        let p = Paths::new(
            Path::new("/var/lib/zlab/q"),
            &FillDir::Dataset {
                name: "quick/data".into(),
                pool: "quick".into(),
            },
        );
        assert_eq!(p.log, Path::new("/var/lib/zlab/q/fill-quick-data.jsonl"));
        let p = Paths::new(Path::new("/s"), &FillDir::Path("/mnt/x y".into()));
        assert_eq!(p.state, Path::new("/s/fill-mnt-x-y.json"));
    }

    #[test]
    fn targets_without_a_scenario_never_share_a_directory() {
        let dir = |t| without_scenario_dir(&t);
        let data = dir(FillDir::Dataset {
            name: "tank/data".into(),
            pool: "tank".into(),
        });
        let dash = dir(FillDir::Dataset {
            name: "tank-data".into(),
            pool: "tank-data".into(),
        });
        assert_eq!(data.file_name(), Some("tank%2Fdata".as_ref()));
        assert_eq!(dash.file_name(), Some("tank-data".as_ref()));
        let path = dir(FillDir::Path("/mnt/x y".into()));
        assert_eq!(path.file_name(), Some("%2Fmnt%2Fx%20y".as_ref()));
    }

    #[test]
    fn round_trips_through_the_system() {
        let sys = FakeSystem::new();
        let path = Path::new("/s/fill-a.json");
        assert_eq!(State::load(&sys, path).expect("none"), None);
        let state = State {
            dataset: Some("a".into()),
            guid: Some("123".into()),
            files_total: 453_120,
            file_size: 1 << 30,
            capacity: None,
            saved: Some(Vec::new()),
            complete: false,
            until: Some("75%".into()),
            measure_charge: false,
            charge: None,
        };
        state.save(&sys, path).expect("save");
        assert_eq!(State::load(&sys, path).expect("load"), Some(state));
    }
}
