//! A pool's vdev tree as `zpool status` reports it — classes, vdev types,
//! paths, states, interior `replacing`/`spare` vdevs, scans — in one type,
//! read on every OpenZFS release: from `zpool status -jP --json-int` where it
//! exists (2.3+, [`json`]) and from `zpool status -P` text where it does not
//! ([`text`]). `exec/verify.rs` and `exec/status.rs` use it.

pub(crate) mod json;
pub(crate) mod text;

use std::fmt;

use crate::zfs::scan::Scan;
use crate::zfs::vdev::{ResolvedVdev, VdevKind};
use crate::zfs::version::ZfsVersion;

/// One pool.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub(crate) struct Topology {
    pub(crate) pool: String,
    pub(crate) state: State,
    pub(crate) data: Vec<Vdev>,
    pub(crate) log: Vec<Vdev>,
    pub(crate) special: Vec<Vdev>,
    pub(crate) dedup: Vec<Vdev>,
    pub(crate) cache: Vec<Vdev>,
    /// Hot spares and dRAID's distributed spares (`draid2-0-0`).
    pub(crate) spares: Vec<Vdev>,
    pub(crate) scans: Vec<Scan>,
}

/// A vdev: top-level, interior or leaf.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Vdev {
    /// As zpool names it: `draid2:8d:60c:2s-0`, `mirror-1`, `/dev/loop3`, or a
    /// GUID for a device that is not present.
    pub(crate) name: String,
    pub(crate) kind: VdevType,
    pub(crate) state: State,
    /// A leaf's device path (for a missing device: the path it `was`).
    pub(crate) path: Option<String>,
    /// zpool's note beside the state: `cannot open`, `was /dev/…`,
    /// `(resilvering)`; empty when there is none.
    pub(crate) note: String,
    pub(crate) children: Vec<Vdev>,
}

/// What a vdev is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum VdevType {
    /// A disk, partition or file.
    Leaf,
    /// `zpool replace` in progress: the old and the new device.
    Replacing,
    /// A hot spare in use: the failed device and the spare.
    Spare,
    /// One of dRAID's distributed spares (`draid2-0-0`).
    DistributedSpare,
    /// Anything else zpool prints (`indirect`, a future type): kept by name.
    Other(String),
    /// A vdev of a kind a scenario can ask for (mirror, raidz, dRAID), with
    /// its parameters as zpool names it (`draid2:8d:60c:2s`).
    #[serde(untagged)]
    Group(ResolvedVdev),
}

/// A vdev's or pool's state, as `zpool status` spells it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum State {
    #[default]
    Online,
    Degraded,
    Faulted,
    Offline,
    Unavail,
    Removed,
    /// A hot spare ready for use.
    Avail,
    /// A hot spare replacing a device.
    Inuse,
    Other(String),
}

impl State {
    /// The state word, if `word` is one (`zpool_state_to_name` and the spares' two).
    pub(crate) fn from_word(word: &str) -> Option<State> {
        Some(match word {
            "ONLINE" => State::Online,
            "DEGRADED" => State::Degraded,
            "FAULTED" => State::Faulted,
            "OFFLINE" => State::Offline,
            "UNAVAIL" => State::Unavail,
            "REMOVED" => State::Removed,
            "AVAIL" => State::Avail,
            "INUSE" => State::Inuse,
            "UNKNOWN" | "SPLIT" => State::Other(word.to_owned()),
            _ => return None,
        })
    }

    fn from_json(word: &str) -> State {
        State::from_word(word).unwrap_or_else(|| State::Other(word.to_owned()))
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Online => "ONLINE",
            State::Degraded => "DEGRADED",
            State::Faulted => "FAULTED",
            State::Offline => "OFFLINE",
            State::Unavail => "UNAVAIL",
            State::Removed => "REMOVED",
            State::Avail => "AVAIL",
            State::Inuse => "INUSE",
            State::Other(s) => s,
        })
    }
}

impl VdevType {
    /// From the name zpool prints (`zpool_vdev_name` with `VDEV_NAME_TYPE_ID`):
    /// interior vdevs are `<type>-<id>`, leaves are paths.
    pub(crate) fn from_name(name: &str, has_children: bool) -> VdevType {
        if !has_children {
            return if is_distributed_spare(name) {
                VdevType::DistributedSpare
            } else {
                VdevType::Leaf
            };
        }
        let kind = name
            .rsplit_once('-')
            .filter(|(_, id)| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
            .map_or(name, |(k, _)| k);
        match kind {
            "replacing" => VdevType::Replacing,
            "spare" => VdevType::Spare,
            // A stripe has no interior vdev: `disk-0` is not one.
            _ => kind
                .parse::<VdevKind>()
                .ok()
                .and_then(|k| k.complete())
                .filter(|k| !k.is_stripe())
                .map_or_else(|| VdevType::Other(kind.to_owned()), VdevType::Group),
        }
    }

    /// The word `zpool create` takes for this type, as the scenario compares it:
    /// `stripe` for a lone leaf.
    pub(crate) fn token(&self) -> String {
        match self {
            VdevType::Leaf => "stripe".to_owned(),
            VdevType::Group(kind) => kind.to_string(),
            VdevType::Replacing => "replacing".to_owned(),
            VdevType::Spare => "spare".to_owned(),
            VdevType::DistributedSpare => "dspare".to_owned(),
            VdevType::Other(s) => s.clone(),
        }
    }
}

/// `draid<parity>-<top-level id>-<spare id>`.
fn is_distributed_spare(name: &str) -> bool {
    let mut parts = name.split('-');
    parts.next().is_some_and(|p| {
        p.strip_prefix("draid")
            .is_some_and(|n| n.len() == 1 && n.chars().all(|c| c.is_ascii_digit()))
    }) && parts.clone().count() == 2
        && parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

impl Vdev {
    /// The device paths below this vdev, in order. Under a `replacing` or
    /// `spare` vdev only the first child (the original device) counts, so a
    /// pool mid-replacement still reads as the layout it was built as.
    pub(crate) fn devices(&self) -> Vec<String> {
        match self.kind {
            VdevType::Leaf | VdevType::DistributedSpare => {
                vec![self.path.clone().unwrap_or_else(|| self.name.clone())]
            }
            VdevType::Replacing | VdevType::Spare => {
                self.children.first().map(Vdev::devices).unwrap_or_default()
            }
            _ => self.children.iter().flat_map(Vdev::devices).collect(),
        }
    }

    /// This vdev and every vdev below it.
    pub(crate) fn walk(&self) -> Box<dyn Iterator<Item = &Vdev> + '_> {
        Box::new(std::iter::once(self).chain(self.children.iter().flat_map(Vdev::walk)))
    }
}

impl Topology {
    /// Every vdev with the class it sits in.
    pub(crate) fn classes(&self) -> [(&'static str, &[Vdev]); 6] {
        [
            ("data", &self.data),
            ("log", &self.log),
            ("special", &self.special),
            ("dedup", &self.dedup),
            ("cache", &self.cache),
            ("spare", &self.spares),
        ]
    }

    /// Vdevs that are not ONLINE (spares: neither AVAIL nor INUSE), with their
    /// state and note: what `zlab status` points out.
    pub(crate) fn unhealthy(&self) -> Vec<&Vdev> {
        self.classes()
            .into_iter()
            .flat_map(|(_, vdevs)| vdevs.iter())
            .flat_map(Vdev::walk)
            .filter(|v| !matches!(v.state, State::Online | State::Avail | State::Inuse))
            .collect()
    }
}

/// Which reader a release needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reader {
    /// `zpool status -jP --json-int` (2.3+).
    Json,
    /// `zpool status -P` (every release).
    Text,
}

impl Reader {
    /// JSON from 2.3 on; text before; unknown: try JSON, then text.
    pub(crate) fn for_version(userland: Option<&ZfsVersion>) -> Option<Reader> {
        userland.map(|v| {
            if v.release() >= (2, 3) {
                Reader::Json
            } else {
                Reader::Text
            }
        })
    }
}

/// How zpool before 2.3 refuses `-j` / `--json-int`.
pub(crate) fn is_unknown_option(stderr: &str) -> bool {
    stderr.contains("invalid option") || stderr.contains("unrecognized option")
}

/// Why output did not read as a topology.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ParseError {
    #[error("no pool `{0}` in the output")]
    NoPool(String),
    #[error("not JSON: {0}")]
    Json(String),
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: String },
    /// OpenZFS 2.3/2.4's JSON looks vdevs up by the name it prints, which fails
    /// for dRAID (`draid2:4d:10c:1s-0`): that vdev comes without its state.
    #[error("vdev `{0}` has no state in the JSON output")]
    NoState(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zfs::vdev::{DraidLayout, Kind};

    #[test]
    fn types_come_from_names() {
        assert_eq!(
            VdevType::from_name("mirror-1", true),
            VdevType::Group(Kind::Mirror)
        );
        assert_eq!(
            VdevType::from_name("raidz2-0", true),
            VdevType::Group(Kind::Raidz { parity: 2 })
        );
        assert_eq!(
            VdevType::from_name("draid2:8d:60c:2s-0", true),
            VdevType::Group(Kind::Draid(DraidLayout {
                parity: 2,
                data: 8,
                children: 60,
                spares: 2
            }))
        );
        assert_eq!(
            VdevType::from_name("replacing-0", true),
            VdevType::Replacing
        );
        assert_eq!(VdevType::from_name("spare-3", true), VdevType::Spare);
        assert_eq!(
            VdevType::from_name("draid2-0-1", false),
            VdevType::DistributedSpare
        );
        assert_eq!(VdevType::from_name("/dev/loop0", false), VdevType::Leaf);
        assert_eq!(
            VdevType::from_name("/tmp/draid2-0-1", false),
            VdevType::Leaf
        );
        assert_eq!(
            VdevType::from_name("indirect-2", true),
            VdevType::Other("indirect".to_owned())
        );
    }

    #[test]
    fn vdev_types_serialize_by_their_kind() {
        let json = |t: VdevType| serde_json::to_string(&t).expect("json");
        assert_eq!(json(VdevType::Group(Kind::Mirror)), r#""mirror""#);
        assert_eq!(
            json(VdevType::Group(Kind::Raidz { parity: 2 })),
            r#"{"raidz":{"parity":2}}"#
        );
        assert_eq!(json(VdevType::Leaf), r#""leaf""#);
        assert_eq!(json(VdevType::DistributedSpare), r#""distributed_spare""#);
    }

    #[test]
    fn version_picks_the_reader() {
        let v = |s: &str| s.parse::<ZfsVersion>().expect(s);
        assert_eq!(Reader::for_version(Some(&v("2.1.11"))), Some(Reader::Text));
        assert_eq!(Reader::for_version(Some(&v("2.2.7"))), Some(Reader::Text));
        assert_eq!(Reader::for_version(Some(&v("2.3.2"))), Some(Reader::Json));
        assert_eq!(Reader::for_version(None), None);
    }
}

/// The readers against real output of every release the rig captured
/// (`fixtures/zfs/<version>/topology/`, by `rig/capture-topology.sh`).
#[cfg(test)]
mod captured {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::zfs::scan::{ScanKind, ScanState};

    fn releases() -> Vec<PathBuf> {
        crate::zfs::captured_releases("topology")
            .into_iter()
            .map(|d| d.join("topology"))
            .collect()
    }

    /// `name` of one release, read with the text reader and, where captured,
    /// the JSON reader; both must give the same tree (live numbers and notes
    /// aside), unless the JSON is incomplete (dRAID's state).
    fn read(dir: &Path, name: &str, pool: &str) -> Topology {
        let text_file = dir.join(format!("{name}.status.txt"));
        let shown = std::fs::read_to_string(&text_file).expect("captured text");
        let from_text = text::parse(&shown, pool).unwrap_or_else(|e| panic!("{text_file:?}: {e}"));
        let json_file = dir.join(format!("{name}.status.json"));
        if let Ok(captured) = std::fs::read_to_string(&json_file) {
            match json::parse(&captured, pool, 0) {
                Ok(from_json) => assert_eq!(
                    bare(&from_json),
                    bare(&from_text),
                    "{json_file:?}: the readers differ"
                ),
                Err(ParseError::NoState(v)) => assert!(v.starts_with("draid"), "{v}"),
                Err(e) => panic!("{json_file:?}: {e}"),
            }
        } else {
            // Before 2.3 zpool refuses -j: that refusal is what read() falls back on.
            let refused = std::fs::read_to_string(dir.join(format!("{name}.status.json.stderr")))
                .expect("the JSON's refusal is captured");
            assert!(is_unknown_option(&refused), "{refused}");
        }
        from_text
    }

    fn bare(t: &Topology) -> Topology {
        fn strip(v: &mut Vdev) {
            v.note.clear();
            v.children.iter_mut().for_each(strip);
        }
        let mut t = t.clone();
        t.scans.clear();
        for list in [
            &mut t.data,
            &mut t.log,
            &mut t.special,
            &mut t.dedup,
            &mut t.cache,
            &mut t.spares,
        ] {
            list.iter_mut().for_each(strip);
        }
        t
    }

    fn kinds(vdevs: &[Vdev]) -> Vec<String> {
        vdevs.iter().map(|v| v.kind.token()).collect()
    }

    #[test]
    fn every_release_was_captured() {
        let found: Vec<String> = releases()
            .iter()
            .filter_map(|d| d.parent()?.file_name()?.to_str().map(str::to_owned))
            .collect();
        assert!(found.iter().any(|v| v == "2.3.2"), "{found:?}");
    }

    #[test]
    fn every_class_of_a_draid_pool() {
        for dir in releases() {
            let t = read(&dir, "every-class", "every");
            assert_eq!(t.state, State::Online, "{dir:?}");
            assert_eq!(kinds(&t.data), ["draid2:4d:10c:1s"], "{dir:?}");
            assert_eq!(t.data[0].children.len(), 10);
            assert_eq!(kinds(&t.special), ["mirror"]);
            assert_eq!(kinds(&t.log), ["mirror"]);
            assert_eq!(kinds(&t.cache), ["stripe"]);
            assert_eq!(kinds(&t.spares), ["stripe", "dspare"]);
            assert_eq!(t.spares[0].state, State::Avail);
            assert!(t.unhealthy().is_empty(), "{dir:?}: {:?}", t.unhealthy());
        }
    }

    #[test]
    fn a_faulted_draid_child_then_its_rebuild() {
        for dir in releases() {
            let faulted = read(&dir, "draid-faulted", "every");
            assert_eq!(faulted.state, State::Degraded, "{dir:?}");
            let bad = faulted.unhealthy();
            assert!(
                bad.iter()
                    .any(|v| v.kind == VdevType::Leaf && v.state == State::Faulted),
                "{dir:?}: {bad:?}"
            );
            for name in ["draid-rebuilding", "draid-rebuilt"] {
                let t = read(&dir, name, "every");
                let spare = &t.data[0].children[3];
                assert_eq!(spare.kind, VdevType::Spare, "{dir:?} {name}");
                assert_eq!(
                    kinds(&spare.children),
                    ["stripe", "dspare"],
                    "{dir:?} {name}"
                );
                assert_eq!(t.spares[1].state, State::Inuse, "{dir:?} {name}");
                assert!(
                    t.scans.iter().any(|s| s.kind
                        == ScanKind::Rebuild {
                            vdev: "draid2:4d:10c:1s-0".to_owned()
                        }),
                    "{dir:?} {name}: {:?}",
                    t.scans
                );
            }
        }
    }

    #[test]
    fn a_hot_spare_resilver() {
        for dir in releases() {
            for name in ["draid-resilvering-hot-spare", "draid-hot-spare-in-use"] {
                let t = read(&dir, name, "every");
                assert_eq!(t.spares[0].state, State::Inuse, "{dir:?} {name}");
                assert!(
                    t.scans.iter().any(|s| s.kind == ScanKind::Resilver),
                    "{dir:?} {name}: {:?}",
                    t.scans
                );
            }
        }
    }

    #[test]
    fn raidz_and_mirrors() {
        for dir in releases() {
            let t = read(&dir, "raidz", "tankz");
            assert_eq!(kinds(&t.data), ["raidz2", "raidz1"], "{dir:?}");
            let t = read(&dir, "mirror-offline", "tankm");
            assert_eq!(kinds(&t.data), ["mirror", "mirror"], "{dir:?}");
            assert_eq!(t.state, State::Degraded);
            assert_eq!(t.data[0].children[1].state, State::Offline);
            let t = read(&dir, "mirror-replacing", "tankm");
            assert_eq!(t.data[0].children[1].kind, VdevType::Replacing, "{dir:?}");
            let t = read(&dir, "mirror-scrubbed", "tankm");
            assert!(
                t.scans
                    .iter()
                    .any(|s| s.kind == ScanKind::Scrub && s.state == ScanState::Finished),
                "{dir:?}: {:?}",
                t.scans
            );
            read(&dir, "mirror-scrubbing", "tankm");
        }
    }
}
