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
mod experiment;
mod fill;
mod hostile;
mod real_disks;
mod safety;
mod scripts;
mod topology;
mod volumes;

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

/// The freshly built `zlab`, copied once into the guest's RAM: run from the
/// 9p share (`cache=none`) every start pages the binary in over 9p, 1-4 s
/// under TCG, for each of the hundreds of runs.
fn zlab_binary() -> &'static std::path::Path {
    static BINARY: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    BINARY.get_or_init(|| {
        let built = assert_cmd::cargo::cargo_bin("zlab");
        let dir = std::path::Path::new("/run/zlab-rig-bin");
        std::fs::create_dir_all(dir).expect("/run/zlab-rig-bin");
        let copy = dir.join("zlab");
        let partial = dir.join("zlab.partial");
        std::fs::copy(&built, &partial).expect("copy zlab into the guest");
        std::fs::rename(&partial, &copy).expect("rename zlab");
        copy
    })
}

/// `zlab` to spawn, from the repository root.
// A test spawns the binary under test itself: nothing here is zlab's `System`.
#[allow(clippy::disallowed_methods)]
pub fn zlab_command() -> std::process::Command {
    let mut command = std::process::Command::new(zlab_binary());
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// Runs the freshly built `zlab` from the repository root.
pub fn zlab(args: &[&str]) -> Output {
    zlab_command().args(args).output().expect("zlab")
}

/// stdout and stderr together, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
