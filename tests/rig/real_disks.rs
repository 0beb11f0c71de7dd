//! Real block devices (the guest's virtio disks `/dev/vda`, `/dev/vdb`, given
//! by `rig/run.sh --disk`): zlab refuses them while they are mounted, in an
//! imported pool or carry signatures, uses them when blank, and with
//! `force: true` uses them anyway.

use crate::{assert_clean, sh, text, zlab};

const PLAIN: &str = "fixtures/rig/real-disks.yaml";
const FORCED: &str = "fixtures/rig/real-disks-forced.yaml";

/// `up` must fail with `reason` and leave nothing: no pool, no journal.
fn refused(scenario: &str, reason: &str) {
    let up = zlab(&["up", "--yes", scenario]);
    assert_eq!(up.status.code(), Some(1), "{}", text(&up));
    assert!(
        text(&up).contains("is in use or not blank") && text(&up).contains(reason),
        "expected a refusal naming `{reason}`:\n{}",
        text(&up)
    );
    assert!(
        !sh("zpool list -H -o name").contains("realpool"),
        "a refused up created the pool"
    );
    assert!(
        !std::path::Path::new("/var/lib/zlab/real-disks/journal.json").exists(),
        "a refused up left a journal"
    );
}

fn up_and_down(scenario: &str) -> String {
    let up = zlab(&["up", "--yes", scenario]);
    assert!(up.status.success(), "{scenario} up:\n{}", text(&up));
    let status = zlab(&["status", scenario]);
    assert!(
        text(&status).contains("matches the scenario"),
        "{}",
        text(&status)
    );
    let down = zlab(&["down", scenario]);
    assert!(down.status.success(), "{scenario} down:\n{}", text(&down));
    assert_clean();
    text(&up)
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn real_disks_are_used_only_when_idle_and_blank_or_forced() {
    sh("wipefs --all --quiet /dev/vda /dev/vdb");

    sh("mkfs.ext4 -q -F /dev/vdb && mkdir -p /mnt/busy && mount /dev/vdb /mnt/busy");
    refused(PLAIN, "/dev/vdb is mounted on /mnt/busy");
    sh("umount /mnt/busy");
    refused(PLAIN, "/dev/vdb carries a filesystem signature (ext4)");

    // Whole-disk vdevs need udev, which the guest lacks: a partition will do.
    sh("parted --script /dev/vda mklabel gpt mkpart p 0% 100% && zpool create other /dev/vda1");
    refused(PLAIN, "/dev/vda1 belongs to the imported pool other");
    sh("zpool destroy other");
    refused(PLAIN, "/dev/vda1 carries an old ZFS label (pool other)");
    refused(PLAIN, "/dev/vda carries a partition table");

    let forced = up_and_down(FORCED);
    assert!(
        forced.contains("warning: using /dev/vdb") && forced.contains("force: true"),
        "{forced}"
    );

    sh(
        "zpool labelclear -f /dev/vda1 2>/dev/null; zpool labelclear -f /dev/vdb1 2>/dev/null; wipefs --all --quiet /dev/vda /dev/vdb",
    );
    let plain = up_and_down(PLAIN);
    assert!(!plain.contains("warning"), "{plain}");
}
