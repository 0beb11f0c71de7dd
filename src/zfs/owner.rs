//! Who made a pool. `zlab up` records the lab and its scenario as user
//! properties of the pool's root dataset (`zpool create -O org.zlab:lab=…
//! -O org.zlab:scenario=…`), so a pool can be proved the lab's even when its
//! journal is lost: `zlab down --from-system` destroys only a pool whose
//! properties name this lab and this scenario. Set at creation, in the same
//! command, so no pool of the lab ever exists without them.

use std::path::PathBuf;

use super::output::{Property, Source};

/// The user property naming the lab.
pub(crate) const LAB: &str = "org.zlab:lab";
/// The user property naming the scenario file, absolute.
pub(crate) const SCENARIO: &str = "org.zlab:scenario";

/// The lab a pool belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Owner {
    pub lab: String,
    /// The scenario file, absolute.
    pub scenario: PathBuf,
}

impl Owner {
    /// The `-O` properties `zpool create` sets.
    pub(crate) fn properties(&self) -> [(String, String); 2] {
        [
            (LAB.to_owned(), self.lab.clone()),
            (
                SCENARIO.to_owned(),
                self.scenario.to_string_lossy().into_owned(),
            ),
        ]
    }

    /// The owner recorded on a pool, from `zfs get -Hp -o property,value,source
    /// org.zlab:lab,org.zlab:scenario POOL` (parsed by `output::properties`).
    /// Both must be set on the root dataset itself (`local`): an unset user
    /// property reads `-` with source `-`, and an inherited or received one
    /// was not set by `zpool create`.
    pub(crate) fn recorded(properties: &[Property]) -> Option<Owner> {
        let local = |name: &str| {
            properties
                .iter()
                .find(|p| p.name == name && p.source == Some(Source::Local))
                .map(|p| p.value.clone())
        };
        Some(Owner {
            lab: local(LAB)?,
            scenario: PathBuf::from(local(SCENARIO)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zfs::output::properties;

    #[test]
    fn every_captured_release_reads_the_owner_zpool_create_recorded() {
        let mut seen = 0;
        for dir in crate::zfs::captured_releases("zfs-get-Hp-owner.txt") {
            let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect(name);
            let (set, unset) = (
                read("zfs-get-Hp-owner.txt"),
                read("zfs-get-Hp-owner.unset.txt"),
            );
            let release = dir.file_name();
            assert_eq!(
                Owner::recorded(&properties(&set).expect("parse")),
                Some(Owner {
                    lab: "capture".into(),
                    scenario: "/tmp/capture/capture s.yaml".into()
                }),
                "{release:?}"
            );
            assert_eq!(Owner::recorded(&properties(&unset).expect("parse")), None);
            seen += 1;
        }
        assert!(seen > 0, "no release captured (scripts/capture-zfs-output)");
    }

    #[test]
    fn both_properties_set_on_the_pool_name_its_owner() {
        let got = properties(
            "org.zlab:lab\tquick\tlocal\norg.zlab:scenario\t/home/me/zlab/quick start.yaml\tlocal\n",
        )
        .expect("parse");
        assert_eq!(
            Owner::recorded(&got),
            Some(Owner {
                lab: "quick".into(),
                scenario: "/home/me/zlab/quick start.yaml".into()
            })
        );
    }

    #[test]
    fn unset_or_half_set_properties_name_no_owner() {
        for text in [
            "org.zlab:lab\t-\t-\norg.zlab:scenario\t-\t-\n",
            "org.zlab:lab\tquick\tlocal\norg.zlab:scenario\t-\t-\n",
            "org.zlab:lab\tquick\tinherited from tank\norg.zlab:scenario\t/s.yaml\tinherited from tank\n",
        ] {
            let got = properties(text).expect("parse");
            assert_eq!(Owner::recorded(&got), None, "{text}");
        }
    }

    #[test]
    fn the_properties_round_trip() {
        let owner = Owner {
            lab: "l".into(),
            scenario: "/s/l.yaml".into(),
        };
        let text: String = owner
            .properties()
            .iter()
            .map(|(k, v)| format!("{k}\t{v}\tlocal\n"))
            .collect();
        assert_eq!(
            Owner::recorded(&properties(&text).expect("parse")),
            Some(owner)
        );
    }
}
