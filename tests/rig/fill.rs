//! Fill runs against real OpenZFS: a percentage target that lands within one
//! file, data that neither compresses nor dedups, properties put back after
//! SIGINT, and after `kill -9` by the next run or by `zlab down`, and a resumed
//! fill that ends with exactly the planned file count.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::Duration;

use zlab::FillLogLine as Line;
use zlab::FillState as State;

use crate::{assert_clean, sh, text, zlab};

const LAB: &str = "rigfill";
const DATASET: &str = "rigfill/data";
const FILE_SIZE: u64 = 16 << 20;

/// One 1 GiB vdev; lz4 and dedup on, so that any compressible or repeated
/// record would show in the ratios; 40 % of it in 16 MiB files.
const SCENARIO: &str = r#"lab: rigfill
devices:
  d:
    sparse: { dir: /var/tmp/zlab/rigfill, count: 1, size: 1G }
pools:
  - name: rigfill
    vdevs: [{ type: stripe, devices: d }]
    datasets:
      - name: data
        properties: { compression: lz4, dedup: "on" }
fills:
  - dataset: rigfill/data
    until: 40%
    file_size: 16M
    buffer: 32M
    streams: 2
    window: 8
    during: { sync: disabled, recordsize: 1M }
"#;

/// The scenario on disk, and the lab torn down on drop, even after a panic.
struct Lab {
    _dir: tempfile::TempDir,
    file: PathBuf,
}

impl Lab {
    fn new() -> Lab {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("rigfill.yaml");
        std::fs::write(&file, SCENARIO).expect("scenario");
        Lab { _dir: dir, file }
    }

    fn path(&self) -> &str {
        self.file.to_str().expect("utf-8 path")
    }

    fn zlab(&self, command: &str) -> Output {
        zlab(&[command, self.path()])
    }

    fn spawn(&self, command: &str) -> Child {
        crate::zlab_command()
            .args([command, self.path()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn zlab")
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = zlab(&["down", self.path()]);
    }
}

fn state_dir() -> PathBuf {
    Path::new("/var/lib/zlab").join(LAB)
}

fn log_lines() -> Vec<Line> {
    let text =
        std::fs::read_to_string(state_dir().join("fill-rigfill-data.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn files_logged() -> usize {
    log_lines()
        .iter()
        .filter(|l| matches!(l, Line::File(_)))
        .count()
}

fn state() -> State {
    let text =
        std::fs::read_to_string(state_dir().join("fill-rigfill-data.json")).expect("fill state");
    serde_json::from_str(&text).expect("state parses")
}

/// `value source` of a property of the dataset.
fn property(name: &str) -> String {
    sh(&format!("zfs get -H -o value,source {name} {DATASET}"))
        .trim()
        .replace('\t', " ")
}

/// Waits until the log holds `files` file lines, then sends `signal`.
fn signal_after(child: &mut Child, files: usize, signal: &str) {
    while files_logged() < files {
        if let Some(status) = child.try_wait().expect("wait") {
            panic!("zlab ended ({status}) before {files} files were written");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    sh(&format!("kill -{signal} {}", child.id()));
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn a_percentage_fill_lands_within_one_file_and_nothing_shrinks_it() {
    let lab = Lab::new();
    let up = lab.zlab("up");
    assert!(up.status.success(), "up:\n{}", text(&up));
    assert!(text(&up).contains("fill complete"), "{}", text(&up));

    sh("zpool sync rigfill");
    let s = state();
    let capacity = s.capacity.expect("a percentage records the capacity");
    let target = capacity.size / 100 * 40;
    let used: u64 = sh("zfs list -Hp -o used rigfill")
        .trim()
        .parse()
        .expect("used");
    assert!(
        used.abs_diff(target) <= FILE_SIZE,
        "used {used} is more than one file from the target {target} ({s:?})"
    );
    // The capacity is the pool's, as ZFS reports it: USED + AVAIL of the root.
    assert!(
        capacity.size > 512 << 20 && capacity.size < 1 << 30,
        "{s:?}"
    );

    // Every file whole and distinct: lz4 and dedup found nothing to save.
    let files = sh(&format!("ls /{DATASET} | wc -l"))
        .trim()
        .parse::<u64>()
        .expect("count");
    assert_eq!(files, s.files_total);
    assert_eq!(
        sh(&format!("zfs get -H -o value compressratio {DATASET}")).trim(),
        "1.00x"
    );
    assert_eq!(
        sh("zpool get -H -o value dedupratio rigfill").trim(),
        "1.00x"
    );

    // The properties are back as they were: inherited defaults.
    assert_eq!(property("sync"), "standard default");
    assert_eq!(property("recordsize"), "128K default");

    // The log: a line per file, then a complete summary.
    let lines = log_lines();
    assert_eq!(lines.len() as u64, s.files_total + 1);
    match lines.last() {
        Some(Line::Summary(sum)) => {
            assert!(sum.complete && sum.files == s.files_total, "{sum:?}");
            assert!(sum.mean_mb_s > 0.0 && sum.p50_ms > 0.0 && sum.p99_ms >= sum.p50_ms);
        }
        other => panic!("last line is not a summary: {other:?}"),
    }

    let down = lab.zlab("down");
    assert!(down.status.success(), "down:\n{}", text(&down));
    assert_clean();
    assert!(!state_dir().exists(), "the state directory is left");
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn sigint_and_kill_9_then_resume_ends_with_exactly_the_planned_files() {
    let lab = Lab::new();

    // SIGINT in the middle of `zlab up`'s fill: a clean stop, properties back.
    let mut up = lab.spawn("up");
    signal_after(&mut up, 2, "INT");
    let out = up.wait_with_output().expect("up");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("run `zlab fill` again to resume"),
        "{}",
        text(&out)
    );
    assert_eq!(property("sync"), "standard default");
    assert_eq!(property("recordsize"), "128K default");
    let after_sigint = files_logged();

    // kill -9 of `zlab fill`: the properties stay changed, saved in the state.
    let mut fill = lab.spawn("fill");
    signal_after(&mut fill, after_sigint + 2, "KILL");
    let _ = fill.wait();
    assert_eq!(property("sync"), "disabled local");
    assert!(state().saved.is_some(), "the originals are not saved");

    // The next run puts them back, resumes and writes exactly what is missing.
    let fill = lab.zlab("fill");
    assert!(fill.status.success(), "resumed fill:\n{}", text(&fill));
    assert!(text(&fill).contains("resuming:"), "{}", text(&fill));
    assert_eq!(property("sync"), "standard default");
    assert_eq!(property("recordsize"), "128K default");
    let total = state().files_total;
    let indices: BTreeSet<u64> = log_lines()
        .iter()
        .filter_map(|l| match l {
            Line::File(f) => Some(f.index),
            Line::Summary(_) => None,
        })
        .collect();
    assert_eq!(indices, (0..total).collect(), "logged files");
    let sizes = sh(&format!("stat -c %s /{DATASET}/*"));
    assert_eq!(sizes.lines().count() as u64, total, "files on disk");
    assert!(sizes.lines().all(|s| s == FILE_SIZE.to_string()), "{sizes}");
    assert_eq!(
        sh("zpool get -H -o value dedupratio rigfill").trim(),
        "1.00x"
    );

    // Run again: nothing to do.
    let again = lab.zlab("fill");
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(files_logged() as u64, indices.len() as u64);
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn kill_9_mid_fill_then_down_puts_the_properties_back_and_leaves_nothing() {
    let lab = Lab::new();
    let mut up = lab.spawn("up");
    signal_after(&mut up, 1, "KILL");
    let _ = up.wait();
    assert_eq!(property("sync"), "disabled local");
    let down = lab.zlab("down");
    assert!(down.status.success(), "down:\n{}", text(&down));
    assert!(
        text(&down).contains("zfs inherit sync rigfill/data"),
        "{}",
        text(&down)
    );
    assert_clean();
    assert!(!state_dir().exists(), "the state directory is left");
}
