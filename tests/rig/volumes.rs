//! Volumes (zvols) on real OpenZFS: made, used as a disk (GPT, ext4, mount,
//! fill) and as another pool's vdev, verified, torn down; and a volume made
//! again by hand under the lab's name left alone by `down`.

use serde_json::Value;

use crate::{assert_clean, sh, text, zlab};

const VOLUME: &str = "fixtures/rig/zvol/volume.yaml";
const STACKED: &str = "fixtures/rig/zvol/stacked.yaml";
const OWN: &str = "fixtures/rig/zvol/own.yaml";

/// Tears a lab down even when an assertion failed; by hand what `down`
/// rightly leaves (a pool holding a volume that is not the lab's).
struct Lab(&'static str, &'static str);

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = zlab(&["down", self.0]);
        let pool = self.1;
        let _ = sh(&format!(
            "zpool destroy {pool} 2>/dev/null; losetup -D; rm -rf /var/tmp/zlab /var/lib/zlab; true"
        ));
    }
}

/// The whole zvol devices the kernel has (`zd0`, `zd16`).
fn zvol_devices() -> Vec<String> {
    sh("lsblk --nodeps --noheadings --list --output NAME")
        .lines()
        .filter(|l| l.starts_with("zd"))
        .map(str::to_owned)
        .collect()
}

fn zfs_get(property: &str, dataset: &str) -> String {
    sh(&format!("zfs get -Hp -o value {property} {dataset}"))
        .trim()
        .to_owned()
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn a_volume_is_partitioned_formatted_mounted_filled_and_torn_down() {
    let _lab = Lab(VOLUME, "zvtank");
    let capacity = zlab(&["capacity", "--format", "json", VOLUME]);
    let capacity: Value = serde_json::from_slice(&capacity.stdout).expect("capacity JSON");
    let predicted = &capacity["pools"][0]["volumes"][0]["cost"];

    let up = zlab(&["up", VOLUME]);
    assert!(up.status.success(), "up:\n{}", text(&up));
    assert!(
        text(&up).contains("verified: pool zvtank"),
        "up verified nothing:\n{}",
        text(&up)
    );

    // What ZFS made is what `zlab capacity` said it would.
    assert_eq!(zfs_get("volsize", "zvtank/vol1"), "201326592");
    assert_eq!(zfs_get("volblocksize", "zvtank/vol1"), "16384");
    assert_eq!(
        zfs_get("refreservation", "zvtank/vol1"),
        predicted["reservation"].to_string(),
        "refreservation against the prediction {predicted}"
    );
    // The device, its GPT partition, ext4 on it, mounted and filled.
    let device = sh("findmnt --noheadings --output SOURCE /mnt/zlab-zvol")
        .trim()
        .to_owned();
    assert!(
        device.starts_with("/dev/zd") && device.ends_with("p1"),
        "mounted from {device}"
    );
    let whole = device.trim_end_matches("p1");
    assert_eq!(
        sh(&format!("/usr/lib/udev/zvol_id {whole}")).trim(),
        "zvtank/vol1"
    );
    let print = sh(&format!("parted --script {whole} unit B print"));
    assert!(print.contains("Partition Table: gpt"), "{print}");
    assert_eq!(
        sh("findmnt --noheadings --output FSTYPE /mnt/zlab-zvol").trim(),
        "ext4"
    );
    assert_eq!(
        sh("ls /mnt/zlab-zvol | grep -c '^file_'").trim(),
        "4",
        "{}",
        sh("ls -la /mnt/zlab-zvol")
    );

    let status = zlab(&["status", VOLUME]);
    assert!(status.status.success(), "status:\n{}", text(&status));
    assert!(
        text(&status).contains("create volume zvtank/vol1"),
        "status:\n{}",
        text(&status)
    );
    assert!(text(&status).contains(whole), "status:\n{}", text(&status));

    let down = zlab(&["down", VOLUME]);
    assert!(down.status.success(), "down:\n{}", text(&down));
    assert_clean();
    assert_eq!(zvol_devices(), Vec::<String>::new(), "zvols left behind");
    assert_eq!(
        sh("findmnt --noheadings /mnt/zlab-zvol; true").trim(),
        "",
        "mount left behind"
    );
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn a_pool_on_another_pools_volume_is_built_and_torn_down_in_order() {
    let _lab = Lab(STACKED, "zvtop");
    let up = zlab(&["up", STACKED]);
    assert!(up.status.success(), "up:\n{}", text(&up));
    let leaves = sh("zpool list -v -H -P zvtop");
    assert!(
        leaves.contains("/dev/zd"),
        "zvtop is not on a zvol:\n{leaves}"
    );
    let down = zlab(&["down", STACKED]);
    assert!(down.status.success(), "down:\n{}", text(&down));
    assert_clean();
    assert_eq!(zvol_devices(), Vec::<String>::new(), "zvols left behind");
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn a_volume_made_again_by_hand_is_not_destroyed_by_down() {
    let _lab = Lab(OWN, "zvown");
    let up = zlab(&["up", OWN]);
    assert!(up.status.success(), "up:\n{}", text(&up));
    let ours = zfs_get("guid", "zvown/mine");
    // Someone destroys the lab's volume and makes their own under its name.
    sh("zfs destroy zvown/mine && zfs create -V 64M zvown/mine");
    let theirs = zfs_get("guid", "zvown/mine");
    assert_ne!(ours, theirs);
    // Its device appears a moment after `zfs create` (no udev here).
    let device = sh("for i in $(seq 300); do for d in /dev/zd*; do \
           [ -b \"$d\" ] && [ \"$(/usr/lib/udev/zvol_id \"$d\" 2>/dev/null)\" = zvown/mine ] && echo \"$d\" && exit 0; \
         done; sleep 0.2; done; true")
        .trim()
        .to_owned();
    assert!(device.starts_with("/dev/zd"), "no device for zvown/mine");
    sh(&format!(
        "head -c 1048576 /dev/urandom | dd of={device} bs=1M oflag=direct status=none"
    ));
    let sum = |d: &str| sh(&format!("head -c 1048576 {d} | sha256sum"));
    let before = sum(&device);

    let down = zlab(&["down", OWN]);
    assert!(
        !down.status.success(),
        "down should leave theirs:\n{}",
        text(&down)
    );
    assert!(
        text(&down).contains(&format!("volume `zvown/mine` has guid {theirs}")),
        "down:\n{}",
        text(&down)
    );
    assert!(
        text(&down).contains("pool `zvown` holds volume `zvown/mine`"),
        "down:\n{}",
        text(&down)
    );
    assert_eq!(
        zfs_get("guid", "zvown/mine"),
        theirs,
        "their volume is gone"
    );
    assert_eq!(sum(&device), before, "their data changed");
}
