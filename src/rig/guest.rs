//! The guest image: `build-guest.sh` builds it once per OpenZFS line into the
//! cache (keyed by a hash of that line's recipe, `rig/guest-<line>.conf`) and
//! prints its directory; its progress lines become events as they come.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::error::RigError;
use super::event::RigEvent;

/// A built guest: kernel and RAM-only initramfs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Guest {
    pub kernel: PathBuf,
    pub initrd: PathBuf,
}

impl Guest {
    fn in_dir(dir: &Path) -> Option<Guest> {
        let guest = Guest {
            kernel: dir.join("vmlinuz"),
            initrd: dir.join("initramfs.cpio.lz4"),
        };
        (guest.kernel.is_file() && guest.initrd.is_file()).then_some(guest)
    }
}

/// How many of the script's last lines an error shows.
const TAIL: usize = 15;

/// Runs `build-guest.sh` from `scripts` for the OpenZFS line `zfs` ("2.4",
/// as `ZLAB_RIG_ZFS` takes it; instant when cached); every line but the last
/// (the guest directory) is a progress line.
pub(crate) fn ensure(
    scripts: &Path,
    cache: &Path,
    zfs: &str,
    emit: &mut dyn FnMut(&RigEvent),
) -> Result<Guest, RigError> {
    let script = scripts.join("build-guest.sh");
    let reader = duct::cmd(&script, Vec::<String>::new())
        .env("ZLAB_RIG_CACHE", cache)
        .env("ZLAB_RIG_ZFS", zfs)
        .stdin_null()
        .stderr_to_stdout()
        .reader()
        .map_err(RigError::io("run", &script))?;
    let mut tail: VecDeque<String> = VecDeque::new();
    let mut lines = 0usize;
    let mut result = Ok(());
    for line in BufReader::new(&reader).lines() {
        match line {
            Ok(line) => {
                if let Some(previous) = tail.back() {
                    emit(&RigEvent::BuildLine(previous.clone()));
                }
                lines += 1;
                tail.push_back(line);
                if tail.len() > TAIL {
                    tail.pop_front();
                }
            }
            // The reader reports a failed exit status as an error at the end.
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    let last_lines = || Vec::from(tail.clone()).join("\n");
    if let Err(e) = result {
        return Err(RigError::Build {
            why: e.to_string(),
            last_lines: last_lines(),
        });
    }
    let dir = tail.back().map(PathBuf::from).unwrap_or_default();
    let guest = Guest::in_dir(&dir).ok_or_else(|| RigError::Build {
        why: format!("{} holds no vmlinuz and initramfs.cpio.lz4", dir.display()),
        last_lines: last_lines(),
    })?;
    emit(&RigEvent::GuestReady { built: lines > 1 });
    Ok(guest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_script(dir: &Path, body: &str) {
        crate::rig::cache::write_file(
            &dir.join("build-guest.sh"),
            format!("#!/bin/sh\n{body}").as_bytes(),
            0o755,
        )
        .expect("script");
    }

    #[test]
    fn progress_lines_are_events_and_the_last_line_is_the_guest() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let guest = tmp.path().join("g");
        std::fs::create_dir(&guest).expect("dir");
        std::fs::write(guest.join("vmlinuz"), "k").expect("kernel");
        std::fs::write(guest.join("initramfs.cpio.lz4"), "i").expect("initrd");
        fake_script(
            tmp.path(),
            &format!(
                "echo building >&2\necho \"cache=$ZLAB_RIG_CACHE zfs=$ZLAB_RIG_ZFS\"\necho {}\n",
                guest.display()
            ),
        );
        let mut events = Vec::new();
        let got = ensure(tmp.path(), Path::new("/the/cache"), "2.1", &mut |e| {
            events.push(e.clone())
        })
        .expect("guest");
        assert_eq!(got.kernel, guest.join("vmlinuz"));
        assert_eq!(
            events,
            [
                RigEvent::BuildLine("building".into()),
                RigEvent::BuildLine("cache=/the/cache zfs=2.1".into()),
                RigEvent::GuestReady { built: true },
            ]
        );
    }

    #[test]
    fn a_failed_build_shows_its_last_lines() {
        let tmp = tempfile::tempdir().expect("tempdir");
        fake_script(tmp.path(), "echo 'E: no space left' >&2\nexit 3\n");
        let err = ensure(tmp.path(), tmp.path(), "2.3", &mut |_| {}).expect_err("fails");
        assert!(
            matches!(&err, RigError::Build { last_lines, .. } if last_lines == "E: no space left"),
            "{err}"
        );
    }
}
