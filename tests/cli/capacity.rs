//! `zlab capacity` as a user runs it: tables, JSON, the layouts mode, errors.

use assert_cmd::Command;

fn zlab(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("zlab")
        .expect("zlab binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("run")
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_seed_scenario_gets_a_table_with_every_loss() {
    let out = zlab(&["capacity", "--portable", "scenarios/N58-C3-D16-P2-S4.yaml"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for line in [
        "raw (data devices)                       812,000,000,000,000",
        "distributed spares",
        "= zpool list SIZE                          755,980,079,726,592",
        "− slop (reserved by ZFS)",
        "= usable: zfs list USED + AVAIL            671,680,795,959,808",
        "not data capacity: log stripe × 1 of 10G",
        "75% of 610.89 TiB usable = 469,278 files of 1G",
    ] {
        assert!(text.contains(line), "missing `{line}`:\n{text}");
    }
}

#[test]
fn json_carries_the_same_figures() {
    let out = zlab(&[
        "capacity",
        "--portable",
        "--format",
        "json",
        "scenarios/N58-C3-D16-P2-S4.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let pool = &doc["pools"][0];
    assert_eq!(pool["space"]["zpool_size"], 755_980_079_726_592_u64);
    assert_eq!(pool["space"]["usable"], 671_680_795_959_808_u64);
    assert_eq!(pool["fills"][0]["files"], 469_278);
    assert_eq!(pool["fills"][0]["cost"]["recordsize"], 1 << 20);
}

#[test]
fn layouts_mode_lists_named_draid_layouts() {
    let out = zlab(&["capacity", "--layouts", "--drives", "58", "--size", "14TB"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for name in [
        "N58-C3-D16-P2-S4     draid2:16d:58c:4s      610.89 TiB",
        "N58-C3-D16-P3-S1",
        "N58-C19-D2-P1-S1",
    ] {
        assert!(text.contains(name), "missing `{name}`:\n{text}");
    }
}

#[test]
fn layouts_mode_needs_drives_and_size() {
    let out = zlab(&["capacity", "--layouts", "--drives", "58"]);
    assert_eq!(out.status.code(), Some(2));
    let out = zlab(&["capacity"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn impossible_layouts_are_errors() {
    let out = zlab(&["capacity", "--layouts", "--drives", "300", "--size", "1T"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("dRAID takes 2 to 255 drives, not 300"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
