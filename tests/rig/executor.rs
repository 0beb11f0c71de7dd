//! `zlab up / status / down`: the executor against real tools, with failure
//! injection, `kill -9` and refusals.

use std::path::Path;

use crate::{assert_clean, sh, text, zlab};

/// Nothing of the lab is left: no pool, loop device, brd, backing file or journal.
fn assert_lab_gone(scenario: &str) {
    assert_clean();
    let leftovers = sh("find /var/tmp/zlab /var/lib/zlab -mindepth 1 2>/dev/null; true");
    assert_eq!(
        leftovers.trim(),
        "",
        "{scenario}: files or directories left behind"
    );
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn up_status_down_for_every_scenario_leaves_nothing() {
    for scenario in [
        "quickstart",
        "laptop-draid",
        "N58-C3-D16-P2-S4",
        "N58-C19-D2-P1-S1-zvol",
        "N56-C5-D8-P3-S1",
        "ram-slog-mirror",
        "gpt-large-volume",
        "wipe-and-reuse",
        // Not built here: N58-rebuild-at-75's pool is N58-C3-D16-P2-S4's,
        // N58-raidz2-rebuild-at-75's is raidz2 with hot spares (capacity.rs
        // and experiment.rs build those), rig-*-rebuild are experiment.rs's.
    ] {
        let file = format!("scenarios/{scenario}.yaml");
        // Fills have their own suite (fill.rs); N58's 75 % cannot fit the guest.
        let up = zlab(&["up", "--no-fill", &file]);
        let status = zlab(&["status", &file]);
        let again = zlab(&["up", "--no-fill", &file]);
        let down = zlab(&["down", &file]);
        assert!(up.status.success(), "{scenario} up:\n{}", text(&up));
        assert!(
            status.status.success() && text(&status).contains("steps done"),
            "{scenario} status:\n{}",
            text(&status)
        );
        let unfinished: Vec<String> = text(&status)
            .lines()
            .map(str::trim_start)
            .filter(|l| l.starts_with("started ") || l.starts_with("pending "))
            .filter(|l| !l.starts_with("pending  fill "))
            .map(str::to_owned)
            .collect();
        assert!(
            unfinished.is_empty(),
            "{scenario}: not every step done: {unfinished:#?}"
        );
        assert!(
            again.status.success() && text(&again).contains("already present"),
            "{scenario} second up:\n{}",
            text(&again)
        );
        assert!(down.status.success(), "{scenario} down:\n{}", text(&down));
        assert_lab_gone(scenario);
    }
}

/// The seed's recipe whole, its fill included: 58 × 14 TB dRAID, the 54,854
/// GiB volume, GPT, ext4 over 58.9 TB on /Data, 16 files written into it.
/// On the default line only (not in `release_tests`): the guest keeps the
/// sparse files in RAM, and on 2.1 this fill ran it out of RAM (loop write
/// errors, txg_sync hung); why 2.1 writes so much more is not known yet.
#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn the_seeds_zvol_recipe_builds_fills_and_tears_down() {
    /// `down` even when a probe below panics.
    struct Down(&'static str);
    impl Drop for Down {
        fn drop(&mut self) {
            let _ = zlab(&["down", self.0]);
        }
    }
    let file = "scenarios/N58-C19-D2-P1-S1-zvol.yaml";
    let _down = Down(file);
    let up = zlab(&["up", file]);
    let filled = sh("ls /Data | grep -c '^file_'; df -B1 --output=size /Data | tail -1");
    let parted = sh("parted --script /dev/zd0 unit B print");
    let down = zlab(&["down", file]);
    assert!(up.status.success(), "up:\n{}", text(&up));
    assert!(down.status.success(), "down:\n{}", text(&down));
    let mut lines = filled.lines();
    assert_eq!(lines.next(), Some("16"), "files in /Data: {filled}");
    let size: u64 = lines.next().expect("df").trim().parse().expect("bytes");
    // ext4 over the 54,854 GiB volume (53.57 TiB, `df -h` rounds it to 54T
    // as the seed shows), less its partition's offset and ext4's own.
    assert!(
        size > 53 << 40 && size < 54_854 << 30,
        "/Data is {size} bytes"
    );
    assert!(parted.contains("Partition Table: gpt"), "{parted}");
    assert!(parted.contains("58899034013696B"), "{parted}");
    assert_lab_gone("N58-C19-D2-P1-S1-zvol");
    assert_eq!(
        sh("ls /dev | grep -c '^zd'; true").trim(),
        "0",
        "zvol devices left"
    );
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn kill_9_mid_up_then_down_leaves_nothing_and_up_resumes() {
    let file = "scenarios/N58-C3-D16-P2-S4.yaml";
    let journal = Path::new("/var/lib/zlab/N58-C3-D16-P2-S4/journal.json");
    for resume in [false, true] {
        let mut child = crate::zlab_command()
            .args(["up", file])
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        // Wait until it is well into the loop devices, then kill it hard.
        while std::fs::read_to_string(journal)
            .map(|j| j.matches("\"loop\"").count())
            .unwrap_or(0)
            < 20
        {
            if let Some(status) = child.try_wait().expect("wait") {
                panic!("zlab up ended ({status}) before it could be killed");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        child.kill().expect("kill -9");
        let _ = child.wait();
        if resume {
            let up = zlab(&["up", "--no-fill", file]);
            assert!(up.status.success(), "resumed up:\n{}", text(&up));
            assert!(sh("zpool status -P N58-C3-D16-P2-S4").contains("draid2:16d:58c:4s-0"));
        }
        let down = zlab(&["down", file]);
        assert!(
            down.status.success(),
            "down after kill -9:\n{}",
            text(&down)
        );
        assert_lab_gone("N58 after kill -9");
    }
}

/// Every command zlab runs for `up` fails in turn (through a PATH shim that
/// fails the Nth command it sees): `down` must always leave nothing. A failed
/// probe (`zpool list` of a pool that does not exist yet) is not an error, so
/// not every injected failure fails `up` — but `down` must clean up either way.
#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn a_failure_at_every_command_is_always_torn_down() {
    let shim = tempfile::tempdir().expect("shim dir");
    let count = shim.path().join("count");
    for program in [
        "mkdir",
        "truncate",
        "losetup",
        "modprobe",
        "parted",
        "mkfs.ext4",
        "mount",
        "zpool",
        "zfs",
        "zdb",
        "wipefs",
        "blockdev",
    ] {
        let real = sh(&format!("command -v {program}")).trim().to_owned();
        let wrapper = format!(
            "#!/bin/bash\nn=$(( $(cat {c} 2>/dev/null || echo 0) + 1 ))\necho $n > {c}\n\
             if [ \"$n\" = \"$ZLAB_FAIL_AT\" ]; then echo \"injected failure of {program} (command $n)\" >&2; exit 1; fi\n\
             exec {real} \"$@\"\n",
            c = count.display()
        );
        let path = shim.path().join(program);
        std::fs::write(&path, wrapper).expect("wrapper");
        sh(&format!("chmod +x {}", path.display()));
    }
    let path = format!(
        "{}:{}",
        shim.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let up = |scenario: &str, fail_at: usize| {
        let _ = std::fs::remove_file(&count);
        let out = crate::zlab_command()
            .args(["up", "--no-fill", scenario])
            .env("PATH", &path)
            .env("ZLAB_FAIL_AT", fail_at.to_string())
            .output()
            .expect("up");
        let commands: usize = std::fs::read_to_string(&count)
            .ok()
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or(0);
        (out, commands)
    };
    // One small lab with every kind of step (files, loops, brd, wipe, GPT on a
    // RAM disk and a loop device, mkfs, mount, pool with a log, dataset).
    {
        let scenario = "fixtures/rig/every-step.yaml";
        let (clean, total) = up(scenario, 0);
        assert!(clean.status.success(), "{scenario}:\n{}", text(&clean));
        assert!(zlab(&["down", scenario]).status.success());
        assert_lab_gone(scenario);
        let mut failed_runs = 0;
        for n in 1..=total {
            let (out, _) = up(scenario, n);
            if !out.status.success() {
                assert!(
                    text(&out).contains("injected failure"),
                    "{scenario} command {n}:\n{}",
                    text(&out)
                );
                failed_runs += 1;
            }
            let down = zlab(&["down", scenario]);
            assert!(
                down.status.success(),
                "{scenario}: down after failing command {n}:\n{}",
                text(&down)
            );
            assert_lab_gone(&format!("{scenario} failing at command {n}"));
        }
        assert!(
            failed_runs >= 16,
            "{scenario}: only {failed_runs} of {total} injected failures failed `up`"
        );
    }
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn up_refuses_a_pool_it_did_not_create() {
    sh("truncate -s 1G /tmp/foreign.img && zpool create quick /tmp/foreign.img");
    let up = zlab(&["up", "scenarios/quickstart.yaml"]);
    sh("zpool destroy quick && rm /tmp/foreign.img");
    assert_eq!(up.status.code(), Some(1));
    // The refusal names the pool and the GUID it found.
    assert!(
        text(&up).contains("pool `quick` (guid ")
            && text(&up).contains("already exists and zlab did not create it"),
        "{}",
        text(&up)
    );
    assert_lab_gone("refused pool");
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn up_refuses_a_backing_file_attached_by_someone_else() {
    sh("mkdir -p /var/tmp/zlab/quickstart && truncate -s 1G /var/tmp/zlab/quickstart/disk2.img");
    let dev = sh("losetup --find --show /var/tmp/zlab/quickstart/disk2.img");
    let up = zlab(&["up", "scenarios/quickstart.yaml"]);
    sh(&format!(
        "losetup --detach {} && rm -r /var/tmp/zlab/quickstart",
        dev.trim()
    ));
    assert_eq!(up.status.code(), Some(1));
    assert!(
        text(&up)
            .contains("disk2.img already exists (1073741824 bytes) and this lab did not create it"),
        "{}",
        text(&up)
    );
    assert_lab_gone("refused file");
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn up_refuses_brd_loaded_by_someone_else() {
    sh("modprobe brd rd_nr=1 rd_size=1024");
    let up = zlab(&["up", "scenarios/ram-slog-mirror.yaml"]);
    sh("rmmod brd");
    assert_eq!(up.status.code(), Some(1));
    assert!(text(&up).contains("brd is already loaded"), "{}", text(&up));
    assert_lab_gone("refused brd");
}
