//! Issue 10 against real tools: zlab acts only on what it can prove it owns.
//! Each test puts a victim in zlab's way (someone's file, a device node, a
//! second lab, a second run, a tampered journal, a re-attached loop device),
//! checksums the victim's bytes before and after, and ends with no loop
//! device, pool or lab file left.

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use zlab::FillLogLine as Line;

use crate::{assert_clean, sh, text, zlab};

const VICTIM_LAB: &str = "fixtures/rig/safety/victim.yaml";
const VICTIM_DIR: &str = "/var/tmp/zlab/safety";
const BUSY: &str = "fixtures/rig/safety/busy.yaml";
/// Someone's data, outside every lab.
const VICTIM: &str = "/var/tmp/victim.bin";
const SALVAGE: &str = "fixtures/rig/safety/salvage.yaml";
const SALVAGE_DIR: &str = "/var/tmp/zlab/safety-salvage";

/// Removes whatever a test left, even after a panic.
struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = assert_cmd::Command::new("bash")
            .args([
                "-c",
                "for p in $(zpool list -H -o name 2>/dev/null | grep '^safety'); do zpool destroy -f \"$p\"; done; \
                 losetup --list --noheadings --output NAME | xargs -r -n1 losetup --detach; \
                 rm -rf /var/tmp/zlab/safety* /var/lib/zlab/safety-* /var/lib/zlab/mylab /var/tmp/zlab-shared-state /var/tmp/victim* /var/tmp/dummy.img",
            ])
            .output();
    }
}

/// sha256 of a file's (or device range's) bytes.
fn sha(path: &str) -> String {
    sh(&format!("sha256sum {path}"))
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A victim file of `size` with random bytes at its start; its checksum.
fn victim(path: &str, size: &str) -> String {
    sh(&format!(
        "truncate -s {size} {path} && head -c 65536 /dev/urandom | dd of={path} conv=notrunc status=none"
    ));
    sha(path)
}

/// No pool, loop device or brd, and nothing in the lab directories.
fn assert_nothing_left(what: &str) {
    assert_clean();
    let left = sh(
        "ls -A /var/tmp/zlab/safety* /var/lib/zlab/safety-* /var/lib/zlab/mylab /var/tmp/zlab-shared-state 2>/dev/null; true",
    );
    assert!(
        left.lines().all(|l| l.is_empty() || l.ends_with(':')),
        "{what}: files left behind:\n{left}"
    );
}

fn refused(args: &[&str], reason: &str) -> String {
    let out = zlab(args);
    assert_eq!(out.status.code(), Some(1), "{args:?}:\n{}", text(&out));
    assert!(
        text(&out).contains(reason),
        "{args:?}: expected `{reason}`:\n{}",
        text(&out)
    );
    text(&out)
}

fn ok(args: &[&str]) -> String {
    let out = zlab(args);
    assert!(out.status.success(), "{args:?}:\n{}", text(&out));
    text(&out)
}

fn spawn(args: &[&str]) -> Child {
    crate::zlab_command()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn zlab")
}

fn wait_for(path: &str, child: &mut Child) {
    while !Path::new(path).exists() {
        if let Some(status) = child.try_wait().expect("wait") {
            panic!("the first zlab ended ({status}) before {path} appeared");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
#[ignore = "needs the zlab qemu rig; run .ci/run"]
fn foreign_files_in_a_sparse_dir_are_refused_and_left_intact() {
    let _c = Cleanup;
    let member = format!("{VICTIM_DIR}/disk0.img");
    for size in ["150M", "9"] {
        sh(&format!("mkdir -p {VICTIM_DIR}"));
        let before = victim(&member, size);
        let bytes = sh(&format!("stat -c %s {member}")).trim().to_owned();
        refused(
            &["up", VICTIM_LAB],
            &format!("{member} already exists ({bytes} bytes) and this lab did not create it"),
        );
        // --adopt takes only a file of exactly the declared size.
        refused(&["up", "--adopt", VICTIM_LAB], "already exists");
        assert_eq!(sha(&member), before, "the {size} victim changed");
        sh(&format!("rm -r {VICTIM_DIR}"));
        assert_nothing_left(&format!("refused {size} file"));
    }
    // Exactly the declared size and --adopt: used, and `down` leaves it.
    sh(&format!(
        "mkdir -p {VICTIM_DIR} && truncate -s 128M {member}"
    ));
    ok(&["up", "--adopt", VICTIM_LAB]);
    let down = ok(&["down", VICTIM_LAB]);
    assert!(down.contains("adopted: left in place"), "{down}");
    assert!(Path::new(&member).exists(), "down deleted an adopted file");
    sh(&format!("rm -r {VICTIM_DIR}"));
    assert_nothing_left("adopted");
}

/// The scenario validates and plans; between `plan` and `up` its first file
/// becomes a symlink to someone's file, a device node of a loop device holding
/// someone's file, or a symlink to a real disk: `up` refuses each at run time.
#[test]
#[ignore = "needs the zlab qemu rig; run .ci/run"]
fn a_symlink_or_device_node_in_place_of_a_sparse_file_is_refused() {
    let _c = Cleanup;
    let member = format!("{VICTIM_DIR}/disk0.img");
    let before = victim(VICTIM, "150M");
    let plan = ok(&["plan", VICTIM_LAB]);
    assert!(
        plan.contains(&format!("create sparse file {member}")),
        "{plan}"
    );

    sh(&format!("mkdir -p {VICTIM_DIR} && ln -s {VICTIM} {member}"));
    refused(&["up", VICTIM_LAB], "is a symbolic link");
    refused(&["up", "--adopt", VICTIM_LAB], "is a symbolic link");
    sh(&format!("rm {member}"));

    let dev = sh(&format!("losetup --find --show {VICTIM}"))
        .trim()
        .to_owned();
    let minor = sh(&format!("stat -c %T {dev}")).trim().to_owned();
    sh(&format!("mknod {member} b 7 $((16#{minor}))"));
    refused(&["up", VICTIM_LAB], "is a block device");
    refused(&["up", "--adopt", VICTIM_LAB], "is a block device");
    sh(&format!("rm {member} && losetup --detach {dev}"));
    assert_eq!(
        sha(VICTIM),
        before,
        "the victim behind the loop device changed"
    );

    // A real disk: its first and last MiB are the victim.
    sh("head -c 1M /dev/urandom | dd of=/dev/vdb bs=1M conv=notrunc status=none");
    // The guest has no /dev/fd: pipe instead of a process substitution.
    let disk = || sh("head -c 1M /dev/vdb | sha256sum");
    let disk_before = disk();
    sh(&format!("ln -s /dev/vdb {member}"));
    // Validation follows the link and refuses the device before any step runs.
    refused(&["up", "--adopt", VICTIM_LAB], "is a block device");
    assert_eq!(disk(), disk_before, "/dev/vdb changed");
    sh(&format!("rm -r {VICTIM_DIR}"));
    assert_nothing_left("device nodes");
}

#[test]
#[ignore = "needs the zlab qemu rig; run .ci/run"]
fn two_scenarios_with_one_stem_do_not_share_a_lab() {
    let _c = Cleanup;
    let (s1, s2) = (
        "fixtures/rig/safety/s1/mylab.yaml",
        "fixtures/rig/safety/s2/mylab.yaml",
    );
    ok(&["up", s1]);
    let images = "/var/tmp/zlab/safety-s1/disk0.img /var/tmp/zlab/safety-s1/disk1.img";
    let attached = sh("losetup --list --noheadings --output NAME,BACK-FILE");
    for (args, what) in [(["up", s2], "up"), (["down", s2], "down")] {
        let out = refused(&args, "fixtures/rig/safety/s1/mylab.yaml");
        assert!(
            out.contains("fixtures/rig/safety/s2/mylab.yaml") && out.contains("`lab:`"),
            "{what}: {out}"
        );
    }
    // s1's lab is untouched: same loop devices, files and pool.
    assert_eq!(
        sh("losetup --list --noheadings --output NAME,BACK-FILE"),
        attached
    );
    sh(&format!("ls {images} && zpool list safetys1"));
    assert!(!Path::new("/var/tmp/zlab/safety-s2").exists());
    ok(&["down", s1]);
    assert_nothing_left("one stem");
}

#[test]
#[ignore = "needs the zlab qemu rig; run .ci/run"]
fn two_labs_with_one_state_dir_do_not_share_a_journal() {
    let _c = Cleanup;
    let (sa, sb) = (
        "fixtures/rig/safety/shared-sa.yaml",
        "fixtures/rig/safety/shared-sb.yaml",
    );
    ok(&["up", sa]);
    let attached = sh("losetup --list --noheadings --output NAME,BACK-FILE");
    refused(&["up", sb], "belongs to lab `sa`");
    refused(&["down", sb], "belongs to lab `sa`");
    assert_eq!(
        sh("losetup --list --noheadings --output NAME,BACK-FILE"),
        attached
    );
    sh("zpool list safetysa && ls /var/tmp/zlab/safety-sa/disk0.img");
    ok(&["down", sa]);
    assert_nothing_left("one state_dir");
}

#[test]
#[ignore = "needs the zlab qemu rig; run .ci/run"]
fn two_concurrent_ups_and_two_concurrent_fills_one_wins() {
    let _c = Cleanup;
    let journal = "/var/lib/zlab/safety-busy/journal.json";
    let mut first = spawn(&["up", "--no-fill", BUSY]);
    wait_for(journal, &mut first);
    let second = refused(&["up", "--no-fill", BUSY], "is in use by another zlab");
    assert!(
        second.contains(&format!("pid {}, `zlab up", first.id())),
        "{second}"
    );
    let out = first.wait_with_output().expect("first up");
    assert!(out.status.success(), "first up:\n{}", text(&out));
    let loops = sh("losetup --list --noheadings | wc -l");
    assert_eq!(loops.trim(), "16", "one loop device per file");

    let log = "/var/lib/zlab/safety-busy/fill-safetybusy-data.jsonl";
    let mut first = spawn(&["fill", BUSY]);
    wait_for(log, &mut first);
    let second = refused(&["fill", BUSY], "is in use by another zlab");
    assert!(
        second.contains(&format!("pid {}, `zlab fill", first.id())),
        "{second}"
    );
    let out = first.wait_with_output().expect("first fill");
    assert!(out.status.success(), "first fill:\n{}", text(&out));
    let files = std::fs::read_to_string(log)
        .expect("log")
        .lines()
        .filter_map(|l| serde_json::from_str::<Line>(l).ok())
        .filter(|l| matches!(l, Line::File(_)))
        .count();
    assert_eq!(files, 400, "one log record per file");
    ok(&["down", BUSY]);
    assert_nothing_left("concurrent runs");
}

#[test]
#[ignore = "needs the zlab qemu rig; run .ci/run"]
fn a_tampered_journal_cannot_make_down_remove_a_victim() {
    let _c = Cleanup;
    let before = victim(VICTIM, "150M");
    ok(&["up", VICTIM_LAB]);
    let journal = "/var/lib/zlab/safety-victim/journal.json";
    let text = std::fs::read_to_string(journal).expect("journal");
    let ours = format!("\"path\": \"{VICTIM_DIR}/disk0.img\"");
    assert!(text.contains(&ours), "{text}");
    std::fs::write(
        journal,
        text.replace(&ours, &format!("\"path\": \"{VICTIM}\"")),
    )
    .expect("tamper");
    let down = refused(&["down", VICTIM_LAB], "left alone");
    assert!(
        down.contains(&format!("{VICTIM} is another file now")),
        "{down}"
    );
    assert_eq!(sha(VICTIM), before, "down touched the victim");
    // The lab's own file, which the journal no longer names, is all that is left.
    assert_clean();
    assert_eq!(
        sh(&format!("ls {VICTIM_DIR}")).trim(),
        "disk0.img",
        "only the file the tampered record hid"
    );
    sh(&format!("rm -r {VICTIM_DIR}"));
    assert_nothing_left("tampered journal");
}

#[test]
#[ignore = "needs the zlab qemu rig; run .ci/run"]
fn a_loop_device_reattached_under_another_number_is_found_and_detached_first() {
    let _c = Cleanup;
    let lab = "fixtures/rig/safety/loops.yaml";
    let file = "/var/tmp/zlab/safety-loops/disk0.img";
    ok(&["up", lab]);
    let was = sh(&format!(
        "losetup --noheadings --output NAME --associated {file}"
    ))
    .trim()
    .to_owned();
    // Someone detaches it, another file takes its number, it comes back elsewhere.
    sh(&format!(
        "losetup --detach {was} && truncate -s 64M /var/tmp/dummy.img && losetup {was} /var/tmp/dummy.img"
    ));
    let now = sh(&format!("losetup --find --show {file}"))
        .trim()
        .to_owned();
    assert_ne!(now, was);
    let status = ok(&["status", lab]);
    assert!(
        status.contains(&format!("[{now} (was {was})]")) && !status.contains("MISSING"),
        "{status}"
    );
    ok(&["down", lab]);
    assert!(
        !sh("losetup --list --noheadings --output BACK-FILE").contains("deleted"),
        "a loop device holds a deleted backing file"
    );
    assert!(!Path::new(file).exists());
    sh(&format!("losetup --detach {was} && rm /var/tmp/dummy.img"));
    assert_nothing_left("re-attached loop device");
}

#[test]
#[ignore = "needs the zlab qemu rig; run .ci/run"]
fn a_fill_stops_before_a_file_it_did_not_write() {
    let _c = Cleanup;
    ok(&["up", "--no-fill", BUSY]);
    let mountpoint = sh("zfs get -Hp -o value mountpoint safetybusy/data")
        .trim()
        .to_owned();
    let theirs = format!("{mountpoint}/file_0");
    let before = victim(&theirs, "1M");
    refused(
        &["fill", BUSY],
        &format!("{theirs} is already there and this fill did not write it"),
    );
    assert_eq!(sha(&theirs), before, "the fill overwrote file_0");
    ok(&["down", BUSY]);
    assert_nothing_left("foreign file_0");
}

/// Without a usable journal (corrupt, then deleted), `down --from-system`
/// removes what the pool proves is the lab's: the pool recording this lab and
/// scenario, the loop devices that were its leaves, their image files. A
/// victim file in the sparse dir and someone's file on a loop device of its
/// own (in no pool) keep their bytes, and that loop device stays attached. A
/// pool whose owner property is gone is only listed.
#[test]
#[ignore = "needs the zlab qemu rig; run .ci/run"]
fn down_from_system_removes_what_the_pool_proves_and_nothing_else() {
    let _c = Cleanup;
    let journal = "/var/lib/zlab/safety-salvage/journal.json";
    let images = [
        format!("{SALVAGE_DIR}/disk0.img"),
        format!("{SALVAGE_DIR}/disk1.img"),
    ];
    let in_dir = format!("{SALVAGE_DIR}/victim.bin");
    let foreign = "/var/tmp/victim-loop.img";
    for case in ["corrupt", "deleted"] {
        ok(&["up", SALVAGE]);
        let owner = sh("zfs get -Hp -o value org.zlab:lab,org.zlab:scenario safetysalvage");
        assert!(
            owner.starts_with("safety-salvage\n")
                && owner.contains("/fixtures/rig/safety/salvage.yaml"),
            "{owner}"
        );
        let in_dir_before = victim(&in_dir, "1M");
        let foreign_before = victim(foreign, "64M");
        let foreign_loop = sh(&format!("losetup --find --show {foreign}"))
            .trim()
            .to_owned();
        if case == "corrupt" {
            std::fs::write(journal, "{ \"version\": 3, \"lab\": ").expect("corrupt");
            refused(&["down", SALVAGE], "down --from-system");
            // Without its owner property the pool proves nothing: listed only.
            sh("zfs inherit org.zlab:lab safetysalvage");
            let listed = refused(&["down", "--from-system", SALVAGE], "records no zlab lab");
            assert!(listed.contains("zpool destroy safetysalvage"), "{listed}");
            sh("zpool list safetysalvage");
            for image in &images {
                assert!(Path::new(image).exists(), "{image} removed unproved");
            }
            sh("zfs set org.zlab:lab=safety-salvage safetysalvage");
        } else {
            std::fs::remove_file(journal).expect("delete the journal");
        }
        let out = ok(&["down", "--from-system", SALVAGE]);
        assert!(
            out.contains(&format!("left in place: directory {SALVAGE_DIR}")),
            "{case}: {out}"
        );
        assert!(
            !sh("zpool list -H -o name").contains("safetysalvage"),
            "{case}: pool left"
        );
        assert_eq!(
            sh("losetup --list --noheadings --output NAME").trim(),
            foreign_loop,
            "{case}: the lab's loop devices go, someone's stays"
        );
        for image in &images {
            assert!(!Path::new(image).exists(), "{case}: {image} left");
        }
        assert_eq!(
            sha(&in_dir),
            in_dir_before,
            "{case}: the victim in the sparse dir changed"
        );
        assert_eq!(
            sha(foreign),
            foreign_before,
            "{case}: the foreign file changed"
        );
        assert!(!Path::new(journal).exists(), "{case}: the journal is left");
        sh(&format!(
            "losetup --detach {foreign_loop} && rm {foreign} && rm -r {SALVAGE_DIR}"
        ));
        assert_nothing_left(case);
    }
}

/// Two labs fill one `path:` directory: while the first writes, the second is
/// refused naming the first (pid and command line, from the kernel's lock
/// table), and someone's file in the directory keeps its bytes.
#[test]
#[ignore = "needs the zlab qemu rig; run .ci/run"]
fn a_path_fill_target_is_locked_and_the_second_fill_names_the_first() {
    let _c = Cleanup;
    let (a, b) = (
        "fixtures/rig/safety/fill-path-a.yaml",
        "fixtures/rig/safety/fill-path-b.yaml",
    );
    let dir = "/var/tmp/zlab/safety-fillpath";
    sh(&format!("mkdir -p {dir}"));
    let theirs = format!("{dir}/victim.bin");
    let before = victim(&theirs, "1M");
    let log = "/var/lib/zlab/safety-fillpath-a/fill-var-tmp-zlab-safety-fillpath.jsonl";
    let mut first = spawn(&["fill", a]);
    // The log appears once the fill holds the directory.
    wait_for(log, &mut first);
    let second = refused(&["fill", b], &format!("{dir} is in use by another zlab"));
    assert!(
        second.contains(&format!("pid {},", first.id())) && second.contains(&format!("fill {a}")),
        "{second}"
    );
    let out = first.wait_with_output().expect("first fill");
    assert!(out.status.success(), "first fill:\n{}", text(&out));
    assert_eq!(sha(&theirs), before, "a fill wrote over someone's file");
    assert_eq!(
        sh(&format!("ls {dir} | wc -l")).trim(),
        "401",
        "one fill's 400 files beside the victim"
    );
    ok(&["down", a]);
    ok(&["down", b]);
    sh(&format!(
        "rm -r {dir} /var/lib/zlab/safety-fillpath-a /var/lib/zlab/safety-fillpath-b 2>/dev/null; true"
    ));
    assert_nothing_left("path fill lock");
}

/// Real disks are erased only once confirmed. Without a terminal and without
/// `--yes`, `up` refuses before any step and the disks keep their bytes; with
/// `--yes` it goes on. (Answering on a pseudo-terminal is not tested here:
/// opening one needs `unsafe` libc calls, which the crate forbids, and the
/// guest has no `script`.)
#[test]
#[ignore = "needs the zlab qemu rig; run .ci/run"]
fn real_disks_are_erased_only_once_confirmed() {
    /// The disks are left blank and without a pool, even after a panic.
    struct Disks;
    impl Drop for Disks {
        fn drop(&mut self) {
            let _ = assert_cmd::Command::new("bash")
                .args([
                    "-c",
                    "zpool destroy -f realpool 2>/dev/null; rm -rf /var/lib/zlab/real-disks; \
                     zpool labelclear -f /dev/vda1 2>/dev/null; zpool labelclear -f /dev/vdb1 2>/dev/null; \
                     wipefs --all --quiet /dev/vda /dev/vdb",
                ])
                .output();
        }
    }
    let _c = (Cleanup, Disks);
    let scenario = "fixtures/rig/real-disks.yaml";
    // Random bytes carry no signature: the disks pass the idle-and-blank
    // check, so only the confirmation stands between them and `up`.
    sh("wipefs --all --quiet /dev/vda /dev/vdb");
    sh(
        "for d in /dev/vda /dev/vdb; do head -c 1M /dev/urandom | dd of=$d bs=1M conv=notrunc status=none; done",
    );
    // The guest has no /dev/fd: pipe instead of a process substitution.
    let disks = || sh("head -c 1M /dev/vda | sha256sum; head -c 1M /dev/vdb | sha256sum");
    let before = disks();
    let out = refused(&["up", scenario], "there is no terminal to confirm it");
    assert!(
        out.contains("/dev/vda") && out.contains("/dev/vdb") && out.contains("zlab up --yes"),
        "{out}"
    );
    assert_eq!(disks(), before, "a refused up changed the disks");
    assert!(!sh("zpool list -H -o name").contains("realpool"));
    assert!(!Path::new("/var/lib/zlab/real-disks/journal.json").exists());

    ok(&["up", "--yes", scenario]);
    assert_ne!(disks(), before, "confirmed, the disks are partitioned");
    sh("zpool list realpool");
    ok(&["down", scenario]);
    assert_nothing_left("real-disk confirmation");
}
