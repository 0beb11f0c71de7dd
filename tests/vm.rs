//! `zlab rig` for real: these boot qemu guests on the host (the guest image is
//! built and cached on first use), so they are `#[ignore]`d in a plain `cargo
//! test` and run by `scripts/test`. Each VM lives in a state directory of its
//! own (`ZLAB_RIG_VM`) and is powered off in `Drop`, even after a failed assertion.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// A `zlab rig up` VM in a temporary state directory.
struct Rig {
    state: tempfile::TempDir,
}

impl Rig {
    fn new() -> Rig {
        Rig {
            state: tempfile::tempdir().expect("state dir"),
        }
    }

    fn dir(&self) -> PathBuf {
        self.state.path().join("vm")
    }

    fn zlab(&self, args: &[&str], stdin: &str) -> Output {
        Command::cargo_bin("zlab")
            .expect("zlab")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("ZLAB_RIG_VM", self.dir())
            .args(args)
            .write_stdin(stdin)
            .output()
            .expect("zlab")
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = self.zlab(&["rig", "down"], "");
    }
}

/// The OpenZFS line the VMs boot: `ZLAB_RIG_ZFS` (scripts/test sets it per
/// line it proves), else zlab's default (`ZfsLine` in src/rig/guest.rs).
fn zfs_line() -> String {
    std::env::var("ZLAB_RIG_ZFS")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "2.3".to_owned())
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn both(out: &Output) -> String {
    format!("{}{}", stdout(out), stderr(out))
}

#[test]
#[ignore = "boots a qemu guest: run by scripts/test"]
fn rig_run_builds_the_vm_disks_pool_and_tears_it_down() {
    let out = Command::cargo_bin("zlab")
        .expect("zlab")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "rig",
            "run",
            "--zfs",
            &zfs_line(),
            "scenarios/vm-disks.yaml",
        ])
        .output()
        .expect("zlab");
    let text = stdout(&out);
    assert!(out.status.success(), "{}", both(&out));
    assert!(text.contains("14 of 14 steps done"), "{text}");
    assert!(text.contains("pool vmtank: ONLINE"), "{text}");
    // The pool is on GPT partitions of the guest's virtual disks.
    for part in [
        "/dev/vda1",
        "/dev/vdd1",
        "/dev/vda2",
        "/dev/vdb2",
        "/dev/vdc2",
    ] {
        assert!(text.contains(part), "{part} not in the pool:\n{text}");
    }
    assert!(
        stderr(&out).contains("$ zpool destroy vmtank"),
        "{}",
        both(&out)
    );
    assert!(
        text.contains("== left behind in the guest: no pool"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "built, shown and torn down with OpenZFS {} on 4 virtual disks",
            zfs_line()
        )),
        "{text}"
    );
}

#[test]
#[ignore = "boots a qemu guest: run by scripts/test"]
fn rig_up_exec_shell_down_round_trip() {
    let rig = Rig::new();
    let line = zfs_line();
    let up = rig.zlab(
        &[
            "rig",
            "up",
            "--zfs",
            &line,
            "--disks",
            "4",
            "--disk-size",
            "2G",
            "scenarios/vm-disks.yaml",
        ],
        "",
    );
    assert!(up.status.success(), "{}", both(&up));
    assert!(
        stdout(&up).contains(&format!(
            "OpenZFS {line}, 4 virtual disks of 2G (/dev/vda…/dev/vdd)"
        )),
        "{}",
        both(&up)
    );
    assert!(stdout(&up).contains("14 of 14 steps done"), "{}", both(&up));

    let again = rig.zlab(&["rig", "up"], "");
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("a rig is already up"),
        "{}",
        both(&again)
    );

    let pools = rig.zlab(&["rig", "exec", "zpool list -H -o name"], "");
    assert!(pools.status.success(), "{}", both(&pools));
    assert_eq!(stdout(&pools), "vmtank\n");

    // Several words are one command, quoted; its streams and status come back apart.
    let split = rig.zlab(
        &[
            "rig",
            "exec",
            "bash",
            "-c",
            "echo out; echo err >&2; exit 3",
        ],
        "",
    );
    assert_eq!(split.status.code(), Some(3), "{}", both(&split));
    assert_eq!(stdout(&split), "out\n");
    assert!(stderr(&split).starts_with("err\n"), "{}", stderr(&split));

    // The job runs where the caller is, with the repository shared at the same path.
    let here = rig.zlab(&["rig", "exec", "pwd"], "");
    assert_eq!(stdout(&here).trim(), env!("CARGO_MANIFEST_DIR"));

    // A real tty on the second serial port; piped input ends it like Ctrl-D.
    let shell = rig.zlab(&["rig", "shell"], "echo shell-ok-$((6*7)); tty\n");
    assert!(shell.status.success(), "{}", both(&shell));
    assert!(stdout(&shell).contains("shell-ok-42"), "{}", both(&shell));
    assert!(stdout(&shell).contains("/dev/ttyS1"), "{}", both(&shell));

    let down_lab = rig.zlab(
        &["rig", "exec", "zlab", "down", "scenarios/vm-disks.yaml"],
        "",
    );
    assert!(down_lab.status.success(), "{}", both(&down_lab));
    let none = rig.zlab(&["rig", "exec", "zpool list -H | wc -l"], "");
    assert_eq!(stdout(&none).trim(), "0");

    let down = rig.zlab(&["rig", "down"], "");
    assert!(down.status.success(), "{}", both(&down));
    assert!(
        !Path::new(&rig.dir()).exists(),
        "state directory left behind"
    );
    let after = rig.zlab(&["rig", "exec", "true"], "");
    assert!(stderr(&after).contains("no rig is up"), "{}", both(&after));
}
