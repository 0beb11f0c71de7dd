//! Runs a `plan --format sh` script with every program replaced by a stub that
//! only logs its argv, so a test can see exactly what the script would run.
//!
//! `PATH` holds the stubs alone; a command that is not a stub (an injected
//! `touch`, `rm`, …) is logged as `UNPLANNED` by bash's
//! `command_not_found_handle`, set through `BASH_ENV`.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// Every program a zlab plan or its disk checks may run.
pub(crate) const PROGRAMS: &[&str] = &[
    "mkdir",
    "truncate",
    "losetup",
    "modprobe",
    "rmmod",
    "dd",
    "blockdev",
    "wipefs",
    "zpool",
    "zfs",
    "zdb",
    "parted",
    "partx",
    "udevadm",
    "mkfs.ext4",
    "mkfs.xfs",
    "mount",
    "umount",
    "mountpoint",
    "grep",
    "zlab",
    "lsblk",
    "readlink",
    "rm",
    "rmdir",
    "sleep",
];

pub(crate) struct Stubs {
    pub(crate) dir: tempfile::TempDir,
}

impl Stubs {
    /// Stubs in a fresh directory; `answers` are extra `case` arms for the
    /// stub's output (`"zpool) exit 1 ;;"`).
    pub(crate) fn new(answers: &str) -> Stubs {
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).expect("bin");
        let stub = format!(
            r#"#!/bin/sh
printf '%s' "${{0##*/}}" >> "$ZLAB_STUB_LOG"
for a in "$@"; do printf ' [%s]' "$a" >> "$ZLAB_STUB_LOG"; done
printf '\n' >> "$ZLAB_STUB_LOG"
case "${{0##*/}}" in
{answers}
  losetup) case "$*" in *--show*) echo /dev/loop9 ;; esac ;;
  blockdev) echo 1073741824 ;;
  readlink) for a in "$@"; do last=$a; done; echo "$last" ;;
esac
exit 0
"#
        );
        for p in PROGRAMS {
            let path = bin.join(p);
            std::fs::write(&path, &stub).expect("stub");
            let mut perm = std::fs::metadata(&path).expect("meta").permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
            std::fs::set_permissions(&path, perm).expect("chmod");
        }
        Stubs { dir }
    }

    pub(crate) fn log(&self) -> PathBuf {
        self.dir.path().join("log")
    }

    /// `bash SCRIPT ARGS…` with the stubs; `bash_env` is sourced first (after
    /// the not-found handler), e.g. to pretend a path is a block device.
    pub(crate) fn run(&self, script: &str, args: &[&str], bash_env: &str) -> Output {
        let script_path = self.dir.path().join("lab.sh");
        std::fs::write(&script_path, script).expect("script");
        let env_file = self.dir.path().join("env.sh");
        std::fs::write(
            &env_file,
            format!(
                "command_not_found_handle() {{ printf 'UNPLANNED %s\\n' \"$*\" >> \"$ZLAB_STUB_LOG\"; return 127; }}\n{bash_env}\n"
            ),
        )
        .expect("env");
        let work = self.dir.path().join("cwd");
        std::fs::create_dir_all(&work).expect("cwd");
        Command::new("/bin/bash")
            .arg(&script_path)
            .args(args)
            .current_dir(&work)
            .env_clear()
            .env("PATH", self.dir.path().join("bin"))
            .env("BASH_ENV", &env_file)
            .env("ZLAB_STUB_LOG", self.log())
            .env("HOME", &work)
            .output()
            .expect("bash")
    }

    /// What the stubs were asked to run, one line per call.
    pub(crate) fn calls(&self) -> String {
        std::fs::read_to_string(self.log()).unwrap_or_default()
    }

    /// Files a successful injection would have made.
    pub(crate) fn pwned(&self) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = ["/tmp/PWNED", "/tmp/zlab-PWNED"]
            .iter()
            .map(PathBuf::from)
            .filter(|p| p.exists())
            .collect();
        if let Ok(entries) = std::fs::read_dir(self.dir.path().join("cwd")) {
            found.extend(entries.flatten().map(|e| e.path()));
        }
        found
    }
}

/// `bash -n`: the script parses.
pub(crate) fn parses(script: &str) -> bool {
    let dir = tempfile::tempdir().expect("tempdir");
    let path: &Path = &dir.path().join("lab.sh");
    std::fs::write(path, script).expect("script");
    Command::new("/bin/bash")
        .arg("-n")
        .arg(path)
        .output()
        .expect("bash")
        .status
        .success()
}
