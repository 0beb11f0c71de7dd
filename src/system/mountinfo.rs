//! `/proc/self/mountinfo`, typed: what is mounted where, with the kernel's
//! mount ID and the device it mounts. zlab records these for a mount it makes,
//! so `down` and `status` act on that mount only (`exec/identity.rs`); a path
//! alone proves nothing. Reading it is a probe: failing to read it is an
//! error, never "nothing is mounted".

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use super::{CommandError, System};

const MOUNTINFO: &str = "/proc/self/mountinfo";

/// One line of `/proc/self/mountinfo` (proc(5)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mount {
    /// The kernel's mount ID (reused once the mount is gone).
    pub id: u64,
    /// `st_dev` of the mounted filesystem, as major and minor.
    pub major: u64,
    pub minor: u64,
    pub mount_point: PathBuf,
    pub fs_type: String,
    /// What was mounted, as `mount` was told: `/dev/loop4p1`.
    pub source: String,
}

/// What a line lacked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: expected {expected}")]
pub(crate) struct ParseError {
    pub line: usize,
    pub expected: &'static str,
}

/// Every mount, in the kernel's order (a mount over another comes after it).
pub(crate) fn parse(text: &str) -> Result<Vec<Mount>, ParseError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, line)| {
            let fail = |expected| ParseError {
                line: i + 1,
                expected,
            };
            let fields: Vec<&str> = line.split(' ').collect();
            // Optional fields end at a lone `-`; three fields follow it.
            let dash = fields
                .iter()
                .skip(6)
                .position(|f| *f == "-")
                .map(|p| p + 6)
                .ok_or_else(|| fail("the `-` separator after the sixth field"))?;
            let after = &fields[dash + 1..];
            if fields.len() < 6 || after.len() < 3 {
                return Err(fail("ten fields or more"));
            }
            let (major, minor) = fields[2]
                .split_once(':')
                .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
                .ok_or_else(|| fail("MAJOR:MINOR in the third field"))?;
            Ok(Mount {
                id: fields[0]
                    .parse()
                    .map_err(|_| fail("a mount ID in the first field"))?,
                major,
                minor,
                mount_point: PathBuf::from(unescape(fields[4])),
                fs_type: unescape(after[0]).to_string_lossy().into_owned(),
                source: unescape(after[1]).to_string_lossy().into_owned(),
            })
        })
        .collect()
}

/// The kernel writes space, tab, newline and backslash as `\ooo`.
fn unescape(field: &str) -> OsString {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match octal.and_then(|d| u8::from_str_radix(std::str::from_utf8(d).ok()?, 8).ok()) {
            Some(b) => {
                out.push(b);
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    OsString::from_vec(out)
}

/// Every mount of this process's namespace.
pub(crate) fn read(sys: &dyn System) -> Result<Vec<Mount>, CommandError> {
    let path = Path::new(MOUNTINFO);
    let text = sys.read_to_string(path)?;
    parse(&text).map_err(|e| CommandError::Io {
        action: "read",
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })
}

/// What is mounted on `path` now (the topmost mount), if anything.
pub(crate) fn at(sys: &dyn System, path: &Path) -> Result<Option<Mount>, CommandError> {
    Ok(read(sys)?.into_iter().rev().find(|m| m.mount_point == path))
}

/// The mount that holds `path` (absolute, without symbolic links): the
/// topmost of those mounted on it or on its nearest ancestor.
pub(crate) fn holding(sys: &dyn System, path: &Path) -> Result<Option<Mount>, CommandError> {
    Ok(holder(read(sys)?, path))
}

fn holder(mounts: Vec<Mount>, path: &Path) -> Option<Mount> {
    // Of equal depths `max_by_key` keeps the last: the kernel lists a mount
    // over another after it.
    mounts
        .into_iter()
        .filter(|m| path.starts_with(&m.mount_point))
        .max_by_key(|m| m.mount_point.components().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines as a 6.1 kernel writes them (a Debian 12 guest).
    const TEXT: &str = "\
22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
25 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro
312 25 259:1 / /mnt/zlab\\040every\\134step rw,relatime - ext4 /dev/loop4p1 rw
313 312 0:52 / /mnt/zlab\\040every\\134step rw,relatime shared:200 master:3 - tmpfs tmpfs rw
";

    #[test]
    fn the_deepest_topmost_mount_holds_a_path() {
        let mounts = || parse(TEXT).expect("parse");
        let holds = |p: &str| holder(mounts(), Path::new(p)).map(|m| m.id);
        assert_eq!(holds("/mnt/zlab every\\step/a/b"), Some(313));
        assert_eq!(holds("/mnt/zlab every\\stepper"), Some(25));
        assert_eq!(holds("/proc/1"), Some(22));
    }

    #[test]
    fn reads_ids_devices_and_escaped_mount_points() {
        let mounts = parse(TEXT).expect("parse");
        assert_eq!(mounts.len(), 4);
        assert_eq!(
            mounts[2],
            Mount {
                id: 312,
                major: 259,
                minor: 1,
                mount_point: PathBuf::from("/mnt/zlab every\\step"),
                fs_type: "ext4".into(),
                source: "/dev/loop4p1".into(),
            }
        );
        // Optional fields (`shared:200 master:3`) come before the `-`.
        assert_eq!(mounts[3].fs_type, "tmpfs");
    }

    #[test]
    fn the_topmost_mount_on_a_path_is_what_is_there() {
        let sys = crate::system::fake::FakeSystem::new();
        sys.write_atomic(Path::new(MOUNTINFO), TEXT.as_bytes())
            .expect("fake");
        let top = at(&sys, Path::new("/mnt/zlab every\\step"))
            .expect("read")
            .expect("mounted");
        assert_eq!(top.id, 313);
        assert_eq!(at(&sys, Path::new("/mnt/none")).expect("read"), None);
    }

    #[test]
    fn a_line_without_its_separator_or_device_is_an_error() {
        for text in [
            "25 1 254:0 / / rw,relatime shared:1 ext4 /dev/vda1 rw\n",
            "25 1 254 / / rw - ext4 /dev/vda1 rw\n",
            "x 1 254:0 / / rw - ext4 /dev/vda1 rw\n",
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn an_unreadable_mountinfo_is_an_error_not_nothing_mounted() {
        let sys = crate::system::fake::FakeSystem::new();
        assert!(at(&sys, Path::new("/mnt")).is_err());
    }
}
