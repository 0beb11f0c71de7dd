//! The topology readers against whichever OpenZFS the guest runs (2.1, 2.3 or
//! 2.4): `zlab up` verifies a pool of every class, `zlab status` shows it, and
//! after a device is faulted and rebuilt onto dRAID's distributed spare, both
//! readers (text everywhere; JSON from 2.3) give the same tree.

use zlab::zfs::scan::ScanKind;
use zlab::zfs::topology::{self, State, Topology, VdevType};
use zlab::zfs::version::{ZfsVersion, parse_zfs_version};

use crate::{assert_clean, sh, text, zlab};

const FILE: &str = "fixtures/rig/every-class.yaml";
const POOL: &str = "every";

/// `zlab down` on drop, even after a panic.
struct Lab;

impl Drop for Lab {
    fn drop(&mut self) {
        let out = zlab(&["down", FILE]);
        if !out.status.success() && !std::thread::panicking() {
            panic!("down:\n{}", text(&out));
        }
    }
}

fn installed() -> ZfsVersion {
    parse_zfs_version(&sh("zfs version"))
        .0
        .expect("zfs version names the release")
}

/// The pool read with the text reader, and with JSON where the release has it;
/// both must agree on the tree (notes and scans aside, which carry live numbers
/// and wording only the text has).
fn read_both(version: &ZfsVersion) -> Topology {
    let text =
        topology::text::parse(&sh(&format!("zpool status -P {POOL}")), POOL).expect("text reader");
    if version.release() >= (2, 3) {
        let json =
            topology::json::parse(&sh(&format!("zpool status -jP --json-int {POOL}")), POOL, 0)
                .expect("json reader");
        assert_eq!(bare(&json), bare(&text), "JSON and text readers differ");
    }
    text
}

fn bare(t: &Topology) -> Topology {
    fn strip(v: &mut topology::Vdev) {
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

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn every_class_verifies_reads_alike_and_survives_a_rebuild() {
    let version = installed();
    let up = zlab(&["up", FILE]);
    let lab = Lab;
    assert!(up.status.success(), "up on {version}:\n{}", text(&up));
    assert!(
        text(&up).contains("verified: pool every has the topology"),
        "up on {version} did not verify:\n{}",
        text(&up)
    );

    let status = zlab(&["status", FILE]);
    let shown = text(&status);
    assert!(status.status.success(), "status:\n{shown}");
    for line in [
        &format!("OpenZFS userland {version}"),
        "  data: draid2:4d:10c:1s /dev/loop",
        "  special: mirror /dev/loop",
        "  log: mirror /dev/loop",
        "  cache: /dev/loop",
        "  spare: /dev/loop",
        "matches the scenario (topology and properties)",
    ] {
        assert!(shown.contains(line), "status lacks `{line}`:\n{shown}");
    }

    let healthy = read_both(&version);
    assert_eq!(healthy.state, State::Online);
    assert_eq!(healthy.data[0].children.len(), 10);
    assert!(healthy.unhealthy().is_empty());
    assert_eq!(
        healthy.spares.iter().map(|s| &s.kind).collect::<Vec<_>>(),
        [&VdevType::Leaf, &VdevType::DistributedSpare]
    );

    // Fault one dRAID child, then rebuild it onto the distributed spare.
    let victim = healthy.data[0].children[3]
        .path
        .clone()
        .expect("a leaf path");
    sh(&format!("zpool offline -f {POOL} {victim}"));
    let faulted = read_both(&version);
    assert_eq!(faulted.state, State::Degraded);
    assert!(
        faulted
            .unhealthy()
            .iter()
            .any(|v| v.path.as_deref() == Some(&victim) && v.state == State::Faulted),
        "{faulted:#?}"
    );
    let shown = text(&zlab(&["status", FILE]));
    assert!(shown.contains(&format!("FAULTED: {victim}")), "{shown}");

    sh(&format!("zpool replace {POOL} {victim} draid2-0-0"));
    let rebuilding = read_both(&version);
    assert!(
        rebuilding
            .scans
            .iter()
            .any(|s| matches!(&s.kind, ScanKind::Rebuild { vdev } if vdev == "draid2:4d:10c:1s-0")),
        "no rebuild scan read: {:#?}",
        rebuilding.scans
    );
    let spare = &rebuilding.data[0].children[3];
    assert_eq!(spare.kind, VdevType::Spare, "{spare:#?}");
    assert_eq!(spare.children[1].kind, VdevType::DistributedSpare);
    sh(&format!("zpool wait -t resilver {POOL}"));
    let rebuilt = read_both(&version);
    assert_eq!(rebuilt.spares[1].state, State::Inuse);
    // The layout is still the one built: status still matches the scenario.
    let shown = text(&zlab(&["status", FILE]));
    assert!(
        shown.contains("matches the scenario (topology and properties)"),
        "{shown}"
    );
    assert!(shown.contains("rebuild of draid2:4d:10c:1s-0"), "{shown}");

    drop(lab);
    assert_clean();
}
