//! Every JSON document zlab prints parses, carries `schema_version` and its
//! `kind`, and has the fields docs/json.md calls required.

use serde_json::Value;

use super::cli::zlab;

/// The required top-level fields of each document, as docs/json.md lists them.
const REQUIRED: &[(&str, &[&str])] = &[
    ("validate", &["valid", "files"]),
    ("plan", &["lab", "file", "steps", "teardown", "machine"]),
    ("capacity", &["lab", "file", "pools"]),
    ("layouts", &["drives", "size", "ashift", "candidates"]),
    (
        "status",
        &[
            "lab",
            "file",
            "journal",
            "steps_done",
            "steps_total",
            "complete",
            "drifted",
            "healthy",
            "steps",
            "zfs",
            "zfs_warning",
            "pools",
        ],
    ),
    ("list", &["registry", "labs"]),
];

fn document(args: &[&str]) -> Value {
    let out = zlab().args(args).output().expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON: {e}\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    check(&v);
    v
}

fn check(v: &Value) {
    assert_eq!(v["schema_version"], 1, "{v}");
    let kind = v["kind"].as_str().expect("a kind");
    let (_, fields) = REQUIRED
        .iter()
        .find(|(k, _)| *k == kind)
        .unwrap_or_else(|| panic!("kind {kind} is not documented"));
    for f in *fields {
        assert!(v.get(f).is_some(), "{kind} lacks {f}: {v}");
    }
}

#[test]
fn every_required_field_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json.md"))
        .expect("docs/json.md");
    for (kind, fields) in REQUIRED {
        assert!(doc.contains(&format!("### `{kind}`")), "{kind}");
        for f in *fields {
            assert!(doc.contains(&format!("`{f}`")), "{kind}.{f}");
        }
    }
}

#[test]
fn validate_json_lists_each_file_with_its_diagnostics() {
    let v = document(&[
        "validate",
        "--format",
        "json",
        "--portable",
        "scenarios/quickstart.yaml",
        "fixtures/invalid/raidz4.yaml",
    ]);
    assert_eq!(v["valid"], false);
    assert_eq!(v["files"][0]["valid"], true);
    assert_eq!(v["files"][0]["contents"]["pools"][0], "quick");
    let d = &v["files"][1]["diagnostics"][0];
    for f in ["file", "line", "column", "message"] {
        assert!(d.get(f).is_some(), "diagnostic lacks {f}: {d}");
    }
}

#[test]
fn plan_capacity_and_layouts_json_carry_the_schema() {
    document(&[
        "plan",
        "--format",
        "json",
        "--portable",
        "scenarios/quickstart.yaml",
    ]);
    document(&[
        "capacity",
        "--format",
        "json",
        "--portable",
        "scenarios/quickstart.yaml",
    ]);
    document(&[
        "capacity",
        "--layouts",
        "--drives",
        "12",
        "--size",
        "1T",
        "--format",
        "json",
    ]);
}

#[test]
fn list_json_reads_the_registry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let scenario =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.yaml");
    let entry = serde_json::json!({"lab": "quickstart", "scenario": scenario, "state_dir": state});
    std::fs::write(dir.path().join("quickstart-0.json"), entry.to_string()).expect("entry");
    let out = zlab()
        .args(["list", "--format", "json"])
        .env("ZLAB_LABS", dir.path())
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    check(&v);
    let lab = &v["labs"][0];
    assert_eq!(lab["lab"], "quickstart");
    assert_eq!(lab["state"], "empty", "{lab}");
    assert_eq!(lab["steps_done"], 0);
}
