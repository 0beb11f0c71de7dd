//! Each `fixtures/invalid/*.yaml` breaks one rule: `zlab validate` must exit 1
//! and print the located diagnostic recorded in its snapshot. They run without
//! `--portable`: the host rules (free memory, largest file) are part of the set.
//! Those under `zfs-<version>/` are checked with `--zfs-version <version>`.

use std::path::Path;

use assert_cmd::Command;

fn check(path: &Path) -> datatest_stable::Result<()> {
    let release = path
        .parent()
        .and_then(|d| d.file_name())
        .and_then(|d| d.to_str())
        .and_then(|d| d.strip_prefix("zfs-"));
    let out = Command::cargo_bin("zlab")?
        .arg("validate")
        .args(release.map(|r| ["--zfs-version", r]).into_iter().flatten())
        .arg(path)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()?;
    let stderr = String::from_utf8(out.stderr)?;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}: expected exit 1\n{stderr}",
        path.display()
    );
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("fixture");
    insta::with_settings!({
        snapshot_path => "../fixtures/invalid/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
        // The host rules read this machine's free memory.
        filters => vec![(r"\d+(\.\d+)? [KMGTPE]?i?B of memory available", "[MEM] of memory available")],
    }, {
        insta::assert_snapshot!(name, stderr);
    });
    Ok(())
}

datatest_stable::harness! {
    { test = check, root = "fixtures/invalid", pattern = r"\.yaml$" },
}
