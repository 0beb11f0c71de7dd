//! Real-ZFS tests, run inside the qemu rig against real OpenZFS, loop devices,
//! brd and parted.
//!
//! They need root and the ZFS module, so they are `#[ignore]`d on the host and
//! run inside the guest by `scripts/test` (`rig/run.sh -- <this binary> --ignored`).
//! Each lab is torn down in `Drop` or checked empty afterwards, even when an
//! assertion fails.

mod capacity;
mod cli;
mod executor;
mod fill;
mod hostile;
mod real_disks;
mod safety;
mod scripts;
mod topology;

use std::process::Output;

use assert_cmd::Command;

/// Runs a shell command that must succeed; its stdout.
pub fn sh(command: &str) -> String {
    let out = Command::new("bash")
        .args(["-c", command])
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "`{command}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Nothing of any lab is left: no pool, no loop device, no brd.
pub fn assert_clean() {
    assert_eq!(sh("zpool list -H -o name"), "", "pools left behind");
    assert_eq!(
        sh("losetup --list --noheadings"),
        "",
        "loop devices left behind"
    );
    assert!(
        !sh("cat /proc/modules")
            .lines()
            .any(|l| l.starts_with("brd ")),
        "brd left loaded"
    );
}

/// Runs the freshly built `zlab` from the repository root.
pub fn zlab(args: &[&str]) -> Output {
    Command::cargo_bin("zlab")
        .expect("zlab")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("zlab")
}

/// stdout and stderr together, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
