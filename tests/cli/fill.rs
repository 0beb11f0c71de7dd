//! `zlab fill` without a scenario, as far as it goes without root: the flags
//! are checked by the scenario's fill rules and named in each diagnostic, and
//! nothing is written before all of them pass. The fills themselves run in
//! the rig (`tests/rig/fill.rs`).

use super::cli::zlab;

fn run(args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = zlab()
        .env("ZLAB_FILLS", dir.path().join("fills"))
        .args(args)
        .output()
        .expect("run");
    // Nothing was kept for a fill that was refused.
    assert!(!dir.path().join("fills").exists(), "{args:?} left state");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[test]
fn every_bad_flag_is_reported_at_once_by_its_name() {
    let (code, text) = run(&[
        "fill",
        "tank/data",
        "--until",
        "40%",
        "--file-size",
        "512K",
        "--set",
        "sync=disabled",
        "--set",
        "recsize=1M",
        "--pattern",
        "data",
    ]);
    assert_eq!(code, Some(1), "{text}");
    insta::assert_snapshot!(text, @r"
    error: --pattern: `data` does not name numbered files
      --> the command line
      = help: use a file name with `{n}`, e.g. `file_{n}`

    error: --file-size: 512K files are too small to measure throughput
      --> the command line
      = help: use 1M or more; the recipe uses 1G

    error: --set recsize: unknown dataset property `recsize`
      --> the command line
      = help: did you mean `recordsize`?

    3 errors found; nothing was changed.
    ");
}

#[test]
fn a_dataset_name_zfs_would_refuse_is_refused() {
    let (code, text) = run(&["fill", "tank/../etc", "--until", "10files"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("DATASET: `tank/../etc` is not a dataset name: a component `..` means the parent dataset"),
        "{text}"
    );
}

#[test]
fn a_relative_or_dotted_path_is_refused() {
    let (code, text) = run(&["fill", "--path", "data", "--until", "10files"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("--path: `data` is not an absolute path"),
        "{text}"
    );
    let (code, text) = run(&["fill", "--path", "/tmp/../etc", "--until", "10files"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("--path: `/tmp/../etc` contains `..`"),
        "{text}"
    );
}

#[test]
fn a_scenario_file_with_until_is_not_taken_for_a_dataset() {
    let (code, text) = run(&["fill", "scenarios/quickstart.yaml", "--until", "40%"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("`scenarios/quickstart.yaml` is a scenario file, not a dataset"),
        "{text}"
    );
}

#[test]
fn flags_of_a_fill_without_scenario_need_a_target_to_stop_at() {
    let (code, text) = run(&["fill", "tank/data", "--streams", "4"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("--until <TARGET>"), "{text}");
    let (code, text) = run(&["fill", "tank/data", "--until", "40%", "--streams", "65"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("65 is not in 1..=64"), "{text}");
}
