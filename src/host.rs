//! Facts about this machine that some scenario rules depend on.
//!
//! Read once, up front, read-only: free memory (for RAM disks and fill buffers)
//! and which filesystem a directory is on (for the largest sparse file it takes),
//! and the OpenZFS release (for what a scenario may ask of it).

use std::path::{Path, PathBuf};

use crate::scenario::size::Size;
use crate::zfs::version::{Installed, ZfsVersion};

#[derive(Debug, Clone, Default)]
pub struct HostFacts {
    /// `MemAvailable` from `/proc/meminfo`.
    pub mem_available: Option<Size>,
    /// Mount points and their filesystem types, from `/proc/self/mounts`.
    pub mounts: Vec<(PathBuf, String)>,
    /// Whether the scenario's paths may be looked at on this machine (what
    /// exists there, where links lead); not with `--portable`.
    pub look_at_paths: bool,
    /// The OpenZFS release the scenario is checked against: the installed one
    /// (the older of tools and module), or `--zfs-version`; none when unknown.
    pub zfs: Option<ZfsVersion>,
    /// The tools' and the module's versions as found here, read once (what
    /// `status` shows and the journal records); unknown with `--portable`.
    pub(crate) installed: Installed,
}

impl HostFacts {
    /// Facts that make every host-dependent rule pass: for `--portable` and tests.
    pub fn unknown() -> Self {
        HostFacts::default()
    }

    /// Reads this machine's facts; anything unreadable stays unknown.
    pub fn read() -> Self {
        let mem_available = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|t| mem_available(&t));
        let mounts = std::fs::read_to_string("/proc/self/mounts")
            .map(|t| parse_mounts(&t))
            .unwrap_or_default();
        HostFacts {
            mem_available,
            mounts,
            look_at_paths: true,
            zfs: None,
            installed: Installed::default(),
        }
    }

    /// The OpenZFS found on this machine.
    pub(crate) fn with_installed(mut self, installed: Installed) -> Self {
        self.installed = installed;
        self
    }

    /// The OpenZFS release the rules check against.
    pub(crate) fn with_zfs(mut self, release: Option<ZfsVersion>) -> Self {
        self.zfs = release;
        self
    }

    /// The filesystem type holding `dir` (or its nearest existing ancestor).
    pub(crate) fn fstype(&self, dir: &Path) -> Option<&str> {
        let mut probe = dir.to_path_buf();
        let real = loop {
            if let Ok(real) = probe.canonicalize() {
                break real;
            }
            if !probe.pop() {
                return None;
            }
        };
        self.mounts
            .iter()
            .filter(|(point, _)| real.starts_with(point))
            .max_by_key(|(point, _)| point.as_os_str().len())
            .map(|(_, fs)| fs.as_str())
    }

    /// The largest file `dir`'s filesystem accepts, where known.
    pub(crate) fn max_file_size(&self, dir: &Path) -> Option<(String, Size)> {
        let fs = self.fstype(dir)?;
        max_file_size(fs).map(|s| (fs.to_owned(), s))
    }
}

/// Largest file per filesystem type (4 KiB blocks where it matters).
fn max_file_size(fstype: &str) -> Option<Size> {
    const TIB: u64 = 1 << 40;
    const EIB: u64 = 1 << 60;
    let bytes = match fstype {
        // ext4 with 4 KiB blocks: 2^32 blocks per file, less one.
        "ext4" => 16 * TIB - 4096,
        "ext2" | "ext3" => 2 * TIB,
        "vfat" => (4 << 30) - 1,
        "xfs" | "tmpfs" | "zfs" | "btrfs" => 8 * EIB - 1,
        _ => return None,
    };
    Some(Size::from_bytes(bytes))
}

fn mem_available(meminfo: &str) -> Option<Size> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(Size::from_bytes(kib.checked_mul(1024)?))
}

fn parse_mounts(text: &str) -> Vec<(PathBuf, String)> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let _source = f.next()?;
            // Mount points escape spaces as \040.
            let point = f.next()?.replace("\\040", " ");
            Some((PathBuf::from(point), f.next()?.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mem_available() {
        let t = "MemTotal: 100 kB\nMemAvailable:   2048 kB\n";
        assert_eq!(mem_available(t), Some(Size::from_bytes(2 << 20)));
    }

    #[test]
    fn longest_mount_point_wins() {
        let facts = HostFacts {
            mounts: parse_mounts("a / ext4 rw 0 0\nb /dev tmpfs rw 0 0\n"),
            look_at_paths: false,
            ..HostFacts::default()
        };
        assert_eq!(facts.fstype(Path::new("/dev/null")), Some("tmpfs"));
        assert_eq!(facts.fstype(Path::new("/nonexistent/deeper")), Some("ext4"));
    }

    #[test]
    fn ext4_caps_files_below_16_tib() {
        assert_eq!(
            max_file_size("ext4").map(Size::bytes),
            Some((16 << 40) - 4096)
        );
        assert_eq!(max_file_size("nfs"), None);
    }
}
