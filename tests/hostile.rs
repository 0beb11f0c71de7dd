//! Each `fixtures/hostile/*.yaml` carries one hostile idea (a path under /dev,
//! a newline that would start a command, an alias bomb, UTF-16 …). `zlab
//! validate` must refuse it with exit 1 and the located diagnostic recorded in
//! its snapshot, and never panic. The `legal-*` ones are weird but allowed on
//! purpose: they validate, and their `plan --format sh` parses (`bash -n`) and,
//! run with every program stubbed, runs the planned programs only — the
//! injected `touch …PWNED` never runs.

#[path = "support/root.rs"]
mod root;
#[path = "support/stubs.rs"]
mod stubs;

use std::path::Path;

use assert_cmd::Command;

fn zlab(args: &[&str], path: &Path) -> std::process::Output {
    Command::cargo_bin("zlab")
        .expect("zlab")
        .args(args)
        .arg(path)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run zlab")
}

fn check(path: &Path) -> datatest_stable::Result<()> {
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("fixture")
        .to_owned();
    let out = zlab(&["validate"], path);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    let root = root::pattern();
    insta::with_settings!({
        snapshot_path => "../fixtures/hostile/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
        filters => vec![
            (r"\d+(\.\d+)? [KMGTPE]?i?B of memory available", "[MEM] of memory available"),
            // Pools record their scenario's absolute path (`-O org.zlab:scenario=`).
            (root.as_str(), "[ROOT]"),
        ],
    }, {
        if name.starts_with("legal-") {
            assert_eq!(out.status.code(), Some(0), "{name}: legal on purpose\n{stderr}");
            legal(&name, path)
        } else {
            insta::assert_snapshot!(name.clone(), format!("exit: {:?}\n{stderr}", out.status.code()));
            assert_eq!(out.status.code(), Some(1), "{name}: expected a refusal\n{stderr}");
            Ok(())
        }
    })
}

/// A scenario that is allowed: its shell plan runs the planned programs only.
fn legal(name: &str, path: &Path) -> datatest_stable::Result<()> {
    let plan = zlab(&["plan", "--format", "sh"], path);
    assert_eq!(plan.status.code(), Some(0), "{name}: plan");
    let script = String::from_utf8(plan.stdout)?;
    insta::assert_snapshot!(format!("{name}.sh"), script);
    assert!(stubs::parses(&script), "{name}: bash -n refuses the plan");
    let stubs = stubs::Stubs::new("");
    for action in ["up", "down"] {
        let run = stubs.run(&script, &[action], "");
        assert!(
            run.status.success(),
            "{name} {action}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let calls = stubs.calls();
    assert!(
        !calls.contains("UNPLANNED"),
        "{name}: ran something unplanned:\n{calls}"
    );
    assert_eq!(
        stubs.pwned(),
        Vec::<std::path::PathBuf>::new(),
        "{name}: the injection ran"
    );
    insta::assert_snapshot!(format!("{name}.calls"), calls);
    Ok(())
}

datatest_stable::harness! {
    { test = check, root = "fixtures/hostile", pattern = r"\.yaml$" },
}
