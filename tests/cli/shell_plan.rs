//! `plan --format sh` as a script that runs: it needs `up` or `down`, and like
//! `zlab up` it refuses a real disk that is busy, or that it cannot check,
//! before it runs anything else. Every program is a logging stub.

use std::path::Path;

use assert_cmd::Command;

#[path = "../support/stubs.rs"]
mod stubs;

/// Two real disks that exist nowhere, so nothing of this machine's is read.
const DISKS: &str = "allow_real_disks: true
devices:
  d:
    disk: { paths: [/dev/zlabtest0, /dev/zlabtest1] }
wipe:
  - { devices: d, mode: labels }
pools:
  - name: t
    vdevs: [{ type: mirror, devices: d }]
";

/// The test pretends the disks are block devices; the stubs answer the rest.
const BLOCK_DEVICES: &str = r#"[() { if [[ $1 == -b ]]; then return 0; fi; builtin [ "$@"; }"#;

fn script(scenario: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("disks.yaml");
    std::fs::write(&file, scenario).expect("scenario");
    let out = Command::cargo_bin("zlab")
        .expect("zlab")
        .args(["plan", "--portable", "--format", "sh"])
        .arg(&file)
        .output()
        .expect("plan");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Runs `up` with `answers` for the probes; returns (exit code, stderr, calls).
fn up(answers: &str) -> (Option<i32>, String, String) {
    let stubs = stubs::Stubs::new(answers);
    let out = stubs.run(&script(DISKS), &["up"], BLOCK_DEVICES);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        stubs.calls(),
    )
}

/// Nothing but the read-only probes ran.
fn only_probes(calls: &str) {
    for line in calls.lines() {
        let program = line.split(' ').next().unwrap_or_default();
        assert!(
            ["readlink", "lsblk", "wipefs", "zpool"].contains(&program)
                && !line.contains("--all")
                && !line.contains("create")
                && !line.contains("labelclear"),
            "ran more than probes:\n{calls}"
        );
    }
}

#[test]
fn without_an_argument_the_script_prints_usage_and_exits_2() {
    let stubs = stubs::Stubs::new("");
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.yaml");
    let out = Command::cargo_bin("zlab")
        .expect("zlab")
        .args(["plan", "--portable", "--format", "sh"])
        .arg(quickstart)
        .output()
        .expect("plan");
    let script = String::from_utf8(out.stdout).expect("utf-8");
    for args in [&[][..], &["frobnicate"][..]] {
        let run = stubs.run(&script, args, "");
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&run.stderr).contains("usage:"));
    }
    assert_eq!(stubs.calls(), "", "nothing may run without `up` or `down`");
}

#[test]
fn a_mounted_disk_is_refused_before_anything_runs() {
    let (code, stderr, calls) =
        up(r#"  lsblk) for a; do last=$a; done; echo "$last disk /boot"; exit 0 ;;"#);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("refusing to touch /dev/zlabtest0: /dev/zlabtest0 is mounted on /boot"),
        "{stderr}"
    );
    only_probes(&calls);
}

#[test]
fn a_held_disk_is_refused() {
    let (code, stderr, calls) = up(
        r#"  lsblk) for a; do last=$a; done; echo "$last disk"; echo "/dev/mapper/vg-root lvm"; exit 0 ;;"#,
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("it is held by /dev/mapper/vg-root (lvm)"),
        "{stderr}"
    );
    only_probes(&calls);
}

#[test]
fn a_disk_with_a_signature_is_refused() {
    let (code, stderr, calls) = up(
        r#"  lsblk) for a; do last=$a; done; echo "$last disk"; exit 0 ;;
  wipefs) echo '{"signatures": [{"type": "ext4"}]}'; exit 0 ;;"#,
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("carries a signature"), "{stderr}");
    only_probes(&calls);
}

#[test]
fn a_disk_in_an_imported_pool_is_refused() {
    let (code, stderr, calls) = up(
        r#"  lsblk) for a; do last=$a; done; echo "$last disk"; exit 0 ;;
  zpool) printf 'rpool\t1G\n\t/dev/zlabtest1\t1G\n'; exit 0 ;;"#,
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("/dev/zlabtest1 is in an imported pool"),
        "{stderr}"
    );
    only_probes(&calls);
}

#[test]
fn a_probe_that_fails_is_a_refusal_never_free() {
    for (failing, why) in [
        ("lsblk", "lsblk failed"),
        ("wipefs", "wipefs failed"),
        ("zpool", "zpool list failed"),
    ] {
        let answers = format!(
            r#"  {failing}) exit 1 ;;
  lsblk) for a; do last=$a; done; echo "$last disk"; exit 0 ;;"#
        );
        let (code, stderr, calls) = up(&answers);
        assert_eq!(code, Some(1), "{failing}: {stderr}");
        assert!(stderr.contains(why), "{failing}: {stderr}");
        only_probes(&calls);
    }
}

#[test]
fn idle_blank_disks_pass_the_checks_and_the_plan_runs() {
    assert!(stubs::parses(&script(DISKS)), "bash -n");
    let stubs =
        stubs::Stubs::new(r#"  lsblk) for a; do last=$a; done; echo "$last disk"; exit 0 ;;"#);
    let out = stubs.run(&script(DISKS), &["up"], BLOCK_DEVICES);
    let (code, stderr, calls) = (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr),
        stubs.calls(),
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stubs.pwned().is_empty());
    assert!(calls.contains("zpool [create]"), "{calls}");
    // The checks come first: every probe before the first change.
    let first_change = calls.find("wipefs [--all]").expect("wipe ran");
    assert!(calls[..first_change].contains("zpool [list] [-v] [-H] [-P]"));
}

#[test]
fn force_skips_the_checks_loudly() {
    let stubs = stubs::Stubs::new("");
    let forced = DISKS.replace(
        "disk: { paths: [/dev/zlabtest0, /dev/zlabtest1] }",
        "disk: { paths: [/dev/zlabtest0, /dev/zlabtest1], force: true }",
    );
    let out = stubs.run(&script(&forced), &["up"], BLOCK_DEVICES);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: using /dev/zlabtest0 without checks"),
        "{stderr}"
    );
}
