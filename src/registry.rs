//! The labs this machine has state for: one small JSON entry per lab under
//! `/var/lib/zlab/labs/` (or `$ZLAB_LABS`), written by `zlab up` before it
//! touches anything and removed by a `zlab down` that finished. `zlab list`
//! reads them; each names the scenario and state directory, so the lab's
//! journal stays the one record of what exists.

use std::hash::Hasher;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::lab::Lab;

/// Where entries live unless `$ZLAB_LABS` says otherwise.
pub(crate) const DEFAULT_DIR: &str = "/var/lib/zlab/labs";

/// One lab: enough to find its scenario and journal again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub lab: String,
    /// The scenario file, absolute.
    pub scenario: PathBuf,
    pub state_dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{action} {}: {source}; `zlab list` will not show this lab", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The registry directory in force.
pub(crate) fn dir() -> PathBuf {
    std::env::var_os("ZLAB_LABS").map_or_else(|| PathBuf::from(DEFAULT_DIR), PathBuf::from)
}

/// The entry's file: the lab's name and a hash of its state directory, so two
/// labs of one name in different state directories both get one.
fn entry_path(dir: &Path, lab: &str, state_dir: &Path) -> PathBuf {
    // FNV-1a: stable across runs and Rust versions, unlike std's hasher.
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    h.write(state_dir.as_os_str().as_encoded_bytes());
    dir.join(format!("{lab}-{:016x}.json", h.finish()))
}

struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

impl Entry {
    pub(crate) fn of(lab: &Lab) -> Entry {
        Entry {
            lab: lab.name.clone(),
            scenario: std::path::absolute(&lab.file).unwrap_or_else(|_| lab.file.clone()),
            state_dir: lab.state_dir.clone(),
        }
    }
}

/// Records `entry` in `dir` (replacing an earlier one for the same lab).
pub(crate) fn register(dir: &Path, entry: &Entry) -> Result<(), RegistryError> {
    let path = entry_path(dir, &entry.lab, &entry.state_dir);
    let io = |action| {
        let path = path.clone();
        move |source| RegistryError::Io {
            action,
            path,
            source,
        }
    };
    std::fs::create_dir_all(dir).map_err(io("create"))?;
    let text = serde_json::to_string_pretty(entry).unwrap_or_default();
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(io("write"))?;
    std::fs::rename(&tmp, &path).map_err(io("write"))
}

/// Forgets `entry`; an entry already gone is not an error. The directory goes
/// with the last entry, so a machine whose labs are all down keeps nothing.
pub(crate) fn unregister(dir: &Path, entry: &Entry) -> Result<(), RegistryError> {
    let path = entry_path(dir, &entry.lab, &entry.state_dir);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(RegistryError::Io {
            action: "remove",
            path,
            source: e,
        }),
        _ => {
            // Fails while other labs are listed: that is the point.
            let _ = std::fs::remove_dir(dir);
            Ok(())
        }
    }
}

/// Every entry in `dir`, by lab name; a missing directory holds none, and an
/// entry that cannot be read is skipped (it names nothing zlab could act on).
pub(crate) fn entries(dir: &Path) -> Result<Vec<Entry>, RegistryError> {
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(RegistryError::Io {
                action: "read",
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut out: Vec<Entry> = read
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter_map(|text| serde_json::from_str(&text).ok())
        .collect();
    out.sort_by(|a, b| (&a.lab, &a.state_dir).cmp(&(&b.lab, &b.state_dir)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(lab: &str, state: &str) -> Entry {
        Entry {
            lab: lab.to_owned(),
            scenario: PathBuf::from(format!("/s/{lab}.yaml")),
            state_dir: PathBuf::from(state),
        }
    }

    #[test]
    fn up_registers_and_down_forgets() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = entry("a", "/var/lib/zlab/a");
        register(dir.path(), &a).expect("register");
        register(dir.path(), &a).expect("again, replacing");
        assert_eq!(entries(dir.path()).expect("read"), vec![a.clone()]);
        unregister(dir.path(), &a).expect("unregister");
        unregister(dir.path(), &a).expect("twice is fine");
        assert!(entries(dir.path()).expect("read").is_empty());
        assert!(!dir.path().exists(), "the last entry takes the directory");
    }

    #[test]
    fn one_name_in_two_state_dirs_is_two_labs() {
        let dir = tempfile::tempdir().expect("tempdir");
        register(dir.path(), &entry("a", "/x")).expect("register");
        register(dir.path(), &entry("a", "/y")).expect("register");
        assert_eq!(entries(dir.path()).expect("read").len(), 2);
    }

    #[test]
    fn no_directory_is_no_labs() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(
            entries(&dir.path().join("absent"))
                .expect("read")
                .is_empty()
        );
    }
}
