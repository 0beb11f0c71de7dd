//! Every shipped scenario's plan, run as the `--format sh` script it renders:
//! the script an SRE would review and run by hand must work for real.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

use crate::{assert_clean, sh};

/// A lab brought up from a scenario's generated script; `down` runs on drop.
///
/// Fills are not this suite's subject (they have their own): a stub `zlab` on
/// the script's PATH records that `up` hands the fill over to `zlab fill`.
struct Lab {
    script: PathBuf,
    dir: tempfile::TempDir,
}

impl Lab {
    fn up(scenario: &str) -> Lab {
        let dir = tempfile::tempdir().expect("tempdir");
        let script = dir.path().join("lab.sh");
        let plan = crate::zlab_command()
            .args(["plan", "--portable", "--format", "sh"])
            .arg(Path::new("scenarios").join(scenario))
            .output()
            .expect("zlab plan");
        assert!(
            plan.status.success(),
            "{}",
            String::from_utf8_lossy(&plan.stderr)
        );
        std::fs::write(&script, &plan.stdout).expect("write script");
        let stub = dir.path().join("zlab");
        std::fs::write(
            &stub,
            format!("#!/bin/sh\necho \"$*\" >> {}/fills\n", dir.path().display()),
        )
        .expect("stub");
        Command::new("chmod")
            .arg("+x")
            .arg(&stub)
            .assert()
            .success();
        let lab = Lab { script, dir };
        let out = lab.run("up");
        assert!(
            out.status.success(),
            "{scenario} up failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        lab
    }

    fn run(&self, action: &str) -> Output {
        let path = format!(
            "{}:{}",
            self.dir.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Command::new("bash")
            .arg(&self.script)
            .arg(action)
            .env("PATH", path)
            .output()
            .expect("bash")
    }

    /// The `zlab fill` calls `up` made.
    fn fills(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("fills")).unwrap_or_default()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let out = self.run("down");
        if !out.status.success() && !std::thread::panicking() {
            panic!("down failed:\n{}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn quickstart_builds_a_raidz1_pool_with_its_dataset() {
    {
        let lab = Lab::up("quickstart.yaml");
        assert_eq!(lab.fills(), "fill scenarios/quickstart.yaml\n");
        let status = sh("zpool status -P quick");
        assert!(status.contains("raidz1-0"), "{status}");
        assert_eq!(sh("zpool get -Hp -o value ashift quick").trim(), "12");
        assert_eq!(
            sh("zfs get -Hp -o value compression quick/data").trim(),
            "off"
        );
    }
    assert_clean();
    assert!(
        !Path::new("/var/tmp/zlab/quickstart/disk0.img").exists(),
        "backing files left behind"
    );
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn half_petabyte_draid_with_ram_slog_builds_for_real() {
    {
        let lab = Lab::up("N58-C3-D16-P2-S4.yaml");
        assert_eq!(lab.fills(), "fill scenarios/N58-C3-D16-P2-S4.yaml\n");
        let status = sh("zpool status -P N58-C3-D16-P2-S4");
        assert!(status.contains("draid2:16d:58c:4s-0"), "{status}");
        assert!(status.contains("/dev/ram0"), "{status}");
        let size: u64 = sh("zpool list -Hp -o size N58-C3-D16-P2-S4")
            .trim()
            .parse()
            .expect("size");
        // dRAID's SIZE counts the 54 non-spare children: 54 × 14 TB, less labels.
        let expected = 54 * 14_000_000_000_000u64;
        assert!(
            size <= expected && size > expected / 100 * 99,
            "pool is {size} bytes, expected about {expected}"
        );
        assert_eq!(
            sh("zfs get -Hp -o value mountpoint N58-C3-D16-P2-S4/Data").trim(),
            "/Data"
        );
    }
    assert_clean();
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn n56_draid3_builds_for_real() {
    {
        let _lab = Lab::up("N56-C5-D8-P3-S1.yaml");
        let status = sh("zpool status -P N56-C5-D8-P3-S1");
        assert!(status.contains("draid3:8d:56c:1s-0"), "{status}");
    }
    assert_clean();
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn laptop_draid_builds_for_real() {
    {
        let _lab = Lab::up("laptop-draid.yaml");
        assert!(sh("zpool status -P laptop").contains("draid2:4d:8c:1s-0"));
    }
    assert_clean();
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn mirrored_slog_on_two_partitions_of_one_ram_disk() {
    {
        let _lab = Lab::up("ram-slog-mirror.yaml");
        let status = sh("zpool status -P tank");
        assert!(
            status.contains("/dev/ram0p1") && status.contains("/dev/ram0p2"),
            "{status}"
        );
        assert!(status.contains("mirror-1"), "{status}");
    }
    assert_clean();
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn gpt_partition_beyond_2_tib_with_ext4_mounted() {
    {
        let _lab = Lab::up("gpt-large-volume.yaml");
        let mounts = sh("cat /proc/mounts");
        assert!(
            mounts.lines().any(|l| l.contains(" /mnt/zlab-data ext4 ")),
            "{mounts}"
        );
        let df = sh("df -B1 --output=size /mnt/zlab-data");
        let bytes: u64 = df
            .lines()
            .nth(1)
            .expect("df line")
            .trim()
            .parse()
            .expect("size");
        assert!(
            bytes > 50 * (1u64 << 40),
            "filesystem is only {bytes} bytes"
        );
    }
    assert_clean();
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn wipe_clears_an_old_pool_so_the_devices_can_be_reused() {
    // Leave an exported pool's labels on the files the scenario will reuse.
    sh(
        "mkdir -p /var/tmp/zlab/wipe && cd /var/tmp/zlab/wipe && truncate -s 4G disk0.img disk1.img disk2.img \
        && a=$(losetup --find --show disk0.img) && b=$(losetup --find --show disk1.img) \
        && zpool create old mirror $a $b && zpool export old && losetup --detach $a && losetup --detach $b",
    );
    {
        let _lab = Lab::up("wipe-and-reuse.yaml");
        let status = sh("zpool status -P reused");
        assert!(
            status.contains("mirror-0") && status.contains("spares"),
            "{status}"
        );
    }
    assert_clean();
}
