//! The topology readers against whichever OpenZFS the guest runs (2.1, 2.3 or
//! 2.4): `zlab up` verifies a pool of every class, `zlab status` shows it, and
//! after a device is faulted and rebuilt onto dRAID's distributed spare, both
//! readers (text everywhere; JSON from 2.3) give the same tree.

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

/// `zlab status`, which must succeed; its output.
fn status() -> String {
    let out = zlab(&["status", FILE]);
    assert!(out.status.success(), "status:\n{}", text(&out));
    text(&out)
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn every_class_verifies_shows_and_survives_a_rebuild() {
    let version = sh("zfs version");
    let version = version.lines().next().unwrap_or_default();
    let up = zlab(&["up", FILE]);
    let lab = Lab;
    assert!(up.status.success(), "up on {version}:\n{}", text(&up));
    assert!(
        text(&up).contains("verified: pool every has the topology"),
        "up on {version} did not verify:\n{}",
        text(&up)
    );

    let shown = status();
    for line in [
        "OpenZFS userland ",
        "  data: draid2:4d:10c:1s /dev/loop",
        "  special: mirror /dev/loop",
        "  log: mirror /dev/loop",
        "  cache: /dev/loop",
        "  spare: /dev/loop",
        " draid2-0-0\n", // the distributed spare, AVAIL
        "matches the scenario (topology and properties)",
    ] {
        assert!(
            shown.contains(line),
            "{version}: status lacks `{line}`:\n{shown}"
        );
    }
    assert!(!shown.contains("WARNING"), "{shown}");

    // Fault one dRAID child, then rebuild it onto the distributed spare.
    let data = shown
        .lines()
        .find(|l| l.starts_with("  data: "))
        .unwrap_or_default();
    let victim = data.split(' ').nth(7).unwrap_or_default().to_owned();
    assert!(victim.starts_with("/dev/loop"), "{data}");
    sh(&format!("zpool offline -f {POOL} {victim}"));
    let shown = status();
    assert!(
        shown.contains(&format!("  FAULTED: {victim} (external device fault)")),
        "{version}: {shown}"
    );
    assert!(shown.contains("pool every: DEGRADED"), "{shown}");

    sh(&format!("zpool replace -s {POOL} {victim} draid2-0-0"));
    sh(&format!("zpool wait -t resilver {POOL}"));
    let shown = status();
    // The layout is still the one built (the spare stands in for the faulted
    // device), and the rebuild is read from whichever output this release has.
    assert!(
        shown.contains("matches the scenario (topology and properties)"),
        "{version}: {shown}"
    );
    assert!(
        shown.contains("  scan: rebuild of draid2:4d:10c:1s-0 finished"),
        "{version}: {shown}"
    );
    assert!(
        shown.contains("  INUSE: draid2-0-0") || shown.contains("draid2-0-0"),
        "{shown}"
    );

    drop(lab);
    assert_clean();
}
