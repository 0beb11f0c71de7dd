//! Exit codes and the behaviour of each subcommand as a user sees it.

use std::path::Path;

use assert_cmd::Command;

pub(crate) fn zlab() -> Command {
    let mut cmd = Command::cargo_bin("zlab").expect("zlab binary");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

#[test]
fn valid_scenario_exits_0_and_says_so() {
    let out = zlab()
        .args(["validate", "scenarios/quickstart.yaml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("scenarios/quickstart.yaml: valid (4 devices, 1 pool: quick, 1 fill)"),
        "{stdout}"
    );
}

#[test]
fn invalid_scenario_exits_1() {
    let out = zlab()
        .args(["validate", "fixtures/invalid/raidz4.yaml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn usage_error_exits_2() {
    let out = zlab().args(["validate"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let out = zlab().args(["frobnicate"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn missing_file_exits_1_naming_it() {
    let out = zlab()
        .args(["validate", "no/such.yaml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read the scenario: No such file or directory")
            && stderr.contains("--> no/such.yaml:1:1"),
        "{stderr}"
    );
}

#[test]
fn validate_reports_every_file() {
    let out = zlab()
        .args([
            "validate",
            "scenarios/quickstart.yaml",
            "fixtures/invalid/raidz4.yaml",
            "fixtures/invalid/mirror-one-device.yaml",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("raidz4.yaml:"), "{stderr}");
    assert!(stderr.contains("mirror-one-device.yaml:"), "{stderr}");
    assert!(
        stderr.contains("2 errors found; nothing was changed."),
        "{stderr}"
    );
}

#[test]
fn up_dry_run_prints_the_plan() {
    let plan = zlab()
        .args(["plan", "scenarios/quickstart.yaml"])
        .output()
        .expect("run");
    let dry = zlab()
        .args(["up", "--dry-run", "scenarios/quickstart.yaml"])
        .output()
        .expect("run");
    assert_eq!(dry.status.code(), Some(0));
    assert_eq!(plan.stdout, dry.stdout);
}

/// Until the executor lands, `up` checks its preconditions and stops cleanly.
#[test]
fn up_refuses_without_acting() {
    let out = zlab()
        .args(["up", "scenarios/wipe-and-reuse.yaml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("zlab: error: "), "{stderr}");
    assert!(
        !Path::new("/var/tmp/zlab/wipe").exists(),
        "up must not create anything"
    );
}

#[test]
fn plan_sh_is_valid_bash() {
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
        .expect("scenarios dir")
    {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue; // a job file an experiment runs
        }
        let out = zlab()
            .args(["plan", "--portable", "--format", "sh"])
            .arg(&path)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{}", path.display());
        let check = Command::new("bash")
            .arg("-n")
            .write_stdin(out.stdout)
            .output()
            .expect("bash");
        assert!(
            check.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&check.stderr)
        );
    }
}

#[test]
fn plan_json_is_json() {
    let out = zlab()
        .args([
            "plan",
            "--portable",
            "--format",
            "json",
            "scenarios/N58-C3-D16-P2-S4.yaml",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v["steps"].as_array().is_some_and(|s| !s.is_empty()));
}

/// The reader is gone before zlab writes a byte: every write meets EPIPE.
#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    #[expect(
        clippy::disallowed_methods,
        reason = "assert_cmd cannot hand the child a closed pipe as stdout"
    )]
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("zlab"))
        .args(["validate", "--portable", "scenarios/quickstart.yaml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(writer)
        .output()
        .expect("zlab");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
