//! Every shipped scenario validates, and its plan is pinned by a snapshot.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("scenarios dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_validates_on_this_machine() {
    for file in scenarios() {
        let out = Command::cargo_bin("zlab")
            .expect("bin")
            .arg("validate")
            .arg(&file)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}:\n{}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn plan_snapshots() {
    for file in scenarios() {
        let out = Command::cargo_bin("zlab")
            .expect("bin")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["plan", "--portable"])
            .arg(Path::new("scenarios").join(file.file_name().expect("name")))
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("stem")
            .to_owned();
        // Pools record their scenario's absolute path (`-O org.zlab:scenario=`).
        insta::with_settings!({ filters => vec![(super::root::pattern().as_str(), "[ROOT]")] }, {
            insta::assert_snapshot!(name, String::from_utf8_lossy(&out.stdout));
        });
    }
}
