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
    signal_when(child, files, signal, files_logged);
}

/// Waits until `logged()` says `files` file lines are in a log, then sends `signal`.
fn signal_when(child: &mut Child, files: usize, signal: &str, logged: impl Fn() -> usize) {
    while logged() < files {
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

    // The log: the run's start, a line per file, then a complete summary.
    let lines = log_lines();
    assert_eq!(lines.len() as u64, s.files_total + 2);
    match lines.first() {
        Some(Line::Start(start)) => assert_eq!((start.window, start.streams), (8, 2)),
        other => panic!("first line is not the run's start: {other:?}"),
    }
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
            _ => None,
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

/// A pool made by hand with `zpool create`, as on a server zlab did not
/// build: filled through `zlab fill DATASET` and `zlab fill --path DIR`.
/// Destroyed on drop, with its loop device, file and fill state.
struct Foreign {
    dir: tempfile::TempDir,
}

const FOREIGN: &str = "rigown";
const FOREIGN_DATA: &str = "rigown/data";

impl Foreign {
    fn new() -> Foreign {
        let dir = tempfile::tempdir_in("/var/tmp").expect("tempdir");
        let img = dir.path().join("d0.img");
        sh(&format!("truncate -s 1G {}", img.display()));
        let dev = sh(&format!("losetup --find --show {}", img.display()));
        sh(&format!(
            "zpool create -o ashift=12 -O compression=lz4 {FOREIGN} {} && zfs create {FOREIGN_DATA}",
            dev.trim()
        ));
        Foreign { dir }
    }

    fn state_dir(&self) -> PathBuf {
        Path::new("/var/lib/zlab/fills").join(FOREIGN_DATA.replace('/', "%2F"))
    }

    fn log_lines(&self) -> Vec<Line> {
        std::fs::read_to_string(self.state_dir().join("fill-rigown-data.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    fn files_logged(&self) -> usize {
        self.log_lines()
            .iter()
            .filter(|l| matches!(l, Line::File(_)))
            .count()
    }

    fn state(&self) -> Option<State> {
        let text = std::fs::read_to_string(self.state_dir().join("fill-rigown-data.json")).ok()?;
        Some(serde_json::from_str(&text).expect("state parses"))
    }

    fn property(&self, name: &str) -> String {
        sh(&format!("zfs get -H -o value,source {name} {FOREIGN_DATA}"))
            .trim()
            .replace('\t', " ")
    }

    fn used_and_avail(&self, dataset: &str) -> u64 {
        sh(&format!("zfs list -Hp -o used,avail {dataset}"))
            .split_whitespace()
            .map(|n| n.parse::<u64>().expect("bytes"))
            .sum()
    }
}

impl Drop for Foreign {
    fn drop(&mut self) {
        let _ = sh(&format!(
            "zpool destroy {FOREIGN}; losetup -j {0} -O NAME -n | xargs -r -n1 losetup -d; rm -rf {1}",
            self.dir.path().join("d0.img").display(),
            self.state_dir().display()
        ));
    }
}

/// `zlab fill rigown/data …` with the recipe's properties set while it writes.
const FILL_ARGS: &[&str] = &[
    "fill",
    FOREIGN_DATA,
    "--until",
    "40%",
    "--file-size",
    "16M",
    "--window",
    "8",
    "--set",
    "sync=disabled",
    "--set",
    "recordsize=1M",
];

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn a_pool_zlab_did_not_build_fills_to_within_one_file_and_gets_its_properties_back() {
    let pool = Foreign::new();
    // SIGINT: a clean stop, the properties back at once.
    let mut first = crate::zlab_command()
        .args(FILL_ARGS)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn zlab");
    signal_when(&mut first, 2, "INT", || pool.files_logged());
    let out = first.wait_with_output().expect("fill");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(pool.property("sync"), "standard default");
    assert_eq!(pool.property("recordsize"), "128K default");

    // kill -9: the properties stay changed, saved in the state.
    let mut second = crate::zlab_command()
        .args(FILL_ARGS)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn zlab");
    let logged = pool.files_logged();
    signal_when(&mut second, logged + 2, "KILL", || pool.files_logged());
    let _ = second.wait();
    assert_eq!(pool.property("sync"), "disabled local");
    assert!(
        pool.state().and_then(|s| s.saved).is_some(),
        "the originals are not saved"
    );

    // The next run puts them back and writes exactly what is missing.
    let third = zlab(FILL_ARGS);
    assert!(third.status.success(), "resumed fill:\n{}", text(&third));
    assert!(text(&third).contains("resuming:"), "{}", text(&third));
    assert_eq!(pool.property("sync"), "standard default");
    assert_eq!(pool.property("recordsize"), "128K default");

    // 40 % of the pool's USED + AVAIL, within one file.
    sh(&format!("zpool sync {FOREIGN}"));
    let state = pool.state().expect("state");
    let capacity = state.capacity.expect("a percentage records the capacity");
    let used: u64 = sh(&format!("zfs list -Hp -o used {FOREIGN}"))
        .trim()
        .parse()
        .expect("used");
    let target = capacity.size / 100 * 40;
    assert!(
        used.abs_diff(target) <= FILE_SIZE,
        "used {used} is more than one file from the target {target} ({state:?})"
    );
    let indices: BTreeSet<u64> = pool
        .log_lines()
        .iter()
        .filter_map(|l| match l {
            Line::File(f) => Some(f.index),
            _ => None,
        })
        .collect();
    assert_eq!(indices, (0..state.files_total).collect(), "logged files");
    let sizes = sh(&format!("stat -c %s /{FOREIGN_DATA}/*"));
    assert_eq!(
        sizes.lines().count() as u64,
        state.files_total,
        "files on disk"
    );

    // Run again: complete, nothing written.
    let again = zlab(FILL_ARGS);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(pool.files_logged(), indices.len());
    // Asked for more, it writes on after its last file, to 50 % within one
    // file (the measured charge kept); asked for less, it is refused.
    let mut more = FILL_ARGS.to_vec();
    more[3] = "50%";
    let raised = zlab(&more);
    assert!(raised.status.success(), "{}", text(&raised));
    assert!(
        text(&raised).contains("it goes on until 50%"),
        "{}",
        text(&raised)
    );
    sh(&format!("zpool sync {FOREIGN}"));
    let used: u64 = sh(&format!("zfs list -Hp -o used {FOREIGN}"))
        .trim()
        .parse()
        .expect("used");
    let target = capacity.size / 100 * 50;
    assert!(
        used.abs_diff(target) <= FILE_SIZE,
        "used {used} is more than one file from the raised target {target}"
    );
    assert_eq!(pool.property("sync"), "standard default");
    let mut less = FILL_ARGS.to_vec();
    less[3] = "30%";
    let refused = zlab(&less);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("--abandon"), "{}", text(&refused));
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn a_directory_on_zfs_counts_its_percentage_of_the_pool_and_abandon_puts_properties_back() {
    let pool = Foreign::new();
    // Another dataset's 96 MiB: `df` of the directory would leave it out.
    sh(&format!(
        "zfs create {FOREIGN}/other && head -c 100663296 /dev/urandom > /{FOREIGN}/other/blob && zpool sync {FOREIGN}"
    ));
    let pool_size = pool.used_and_avail(FOREIGN);
    let mountpoint = format!("/{FOREIGN_DATA}");
    let df_size: u64 = sh(&format!("df -B1 --output=size {mountpoint} | tail -n 1"))
        .trim()
        .parse()
        .expect("df");
    assert!(
        pool_size > df_size + (64 << 20),
        "pool {pool_size}, df {df_size}"
    );

    let mut args = vec!["fill", "--path", &mountpoint, "--until", "30%"];
    args.extend(["--file-size", "16M", "--set", "sync=disabled"]);
    let mut fill = crate::zlab_command()
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn zlab");
    let dir_log = || {
        let dir = Path::new("/var/lib/zlab/fills").join(mountpoint.replace('/', "%2F"));
        std::fs::read_to_string(dir.join("fill-rigown-data.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("\"index\""))
            .count()
    };
    signal_when(&mut fill, 1, "KILL", dir_log);
    let _ = fill.wait();
    assert_eq!(pool.property("sync"), "disabled local");
    let state_dir = Path::new("/var/lib/zlab/fills").join(mountpoint.replace('/', "%2F"));
    let state: State = serde_json::from_str(
        &std::fs::read_to_string(state_dir.join("fill-rigown-data.json")).expect("state"),
    )
    .expect("state parses");
    let capacity = state.capacity.expect("capacity");
    assert!(
        capacity.size.abs_diff(pool_size) < FILE_SIZE,
        "the percentage is of {}, not of the pool's {pool_size}",
        capacity.size
    );
    assert_eq!(state.dataset.as_deref(), Some(FOREIGN_DATA));

    // --abandon: the properties back, the state gone, the log and files kept.
    let abandon = zlab(&["fill", "--path", &mountpoint, "--abandon"]);
    assert!(abandon.status.success(), "{}", text(&abandon));
    assert_eq!(pool.property("sync"), "standard default");
    assert!(!state_dir.join("fill-rigown-data.json").exists());
    assert!(state_dir.join("fill-rigown-data.jsonl").exists());
    let _ = std::fs::remove_dir_all(&state_dir);
}
