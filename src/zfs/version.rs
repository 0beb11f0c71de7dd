//! Which OpenZFS zlab talks to: the userland tools (`zfs version`) and the
//! kernel module (`/sys/module/zfs/version`), read once, typed.
//!
//! The two can differ after an upgrade without a reboot; the tools decide which
//! options and output formats exist (`zpool status -j` is 2.3+), the module
//! decides which pool features and properties do.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// An OpenZFS release: `2.1.11` of `zfs-2.1.11-1`, with what was read.
#[derive(Debug, Clone, Eq, serde::Serialize, serde::Deserialize)]
pub struct ZfsVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    /// As read (`zfs-kmod-2.3.2-2~bpo12+2`, `2.1.11-1`), or as typed.
    pub raw: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an OpenZFS version: expected e.g. 2.1, 2.3.2 or zfs-2.1.11-1")]
pub struct VersionError(String);

impl ZfsVersion {
    /// `2.3`: what features and formats depend on.
    pub(crate) fn release(&self) -> (u32, u32) {
        (self.major, self.minor)
    }

    fn key(&self) -> (u32, u32, u32) {
        (self.major, self.minor, self.patch)
    }
}

// Compared by number only: `zfs-2.1.11-1` is `2.1.11`.
impl PartialEq for ZfsVersion {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl PartialOrd for ZfsVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ZfsVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl fmt::Display for ZfsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Reads `2.3`, `2.3.2`, `2.1.11-1`, `zfs-2.1.11-1`, `zfs-kmod-2.3.2-2~bpo12+2`,
/// `2.2.0-rc4` (a missing patch is 0).
impl FromStr for ZfsVersion {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let raw = s.trim();
        let bad = || VersionError(raw.to_owned());
        let bare = raw
            .strip_prefix("zfs-kmod-")
            .or_else(|| raw.strip_prefix("zfs-"))
            .unwrap_or(raw);
        // The release ends at the package revision or a pre-release tag.
        let release = bare.split(['-', '_', '~', '+']).next().unwrap_or_default();
        let mut parts = release.split('.');
        let mut number = |required: bool| -> Result<u32, VersionError> {
            match parts.next() {
                Some(p) => p.parse().map_err(|_| bad()),
                None if required => Err(bad()),
                None => Ok(0),
            }
        };
        let (major, minor, patch) = (number(true)?, number(true)?, number(false)?);
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(ZfsVersion {
            major,
            minor,
            patch,
            raw: raw.to_owned(),
        })
    }
}

/// The installed OpenZFS, as far as it could be read.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Installed {
    /// The `zfs`/`zpool` commands.
    pub(crate) userland: Option<ZfsVersion>,
    /// The loaded kernel module; none when it is not loaded.
    pub(crate) kernel: Option<ZfsVersion>,
}

impl Installed {
    /// The version rules are checked against: the older of the two, since a
    /// feature needs both the command that asks for it and the module that
    /// implements it.
    pub(crate) fn effective(&self) -> Option<&ZfsVersion> {
        match (&self.userland, &self.kernel) {
            (Some(u), Some(k)) => Some(u.min(k)),
            (u, k) => u.as_ref().or(k.as_ref()),
        }
    }

    /// A warning when tools and module are different releases (major.minor).
    pub(crate) fn mismatch(&self) -> Option<String> {
        let (u, k) = (self.userland.as_ref()?, self.kernel.as_ref()?);
        (u.release() != k.release()).then(|| {
            format!(
                "the OpenZFS tools are {u} but the loaded kernel module is {k}: \
                 reboot or reload the module (`modprobe -r zfs && modprobe zfs`) so they match"
            )
        })
    }
}

impl fmt::Display for Installed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<ZfsVersion>| {
            v.as_ref()
                .map_or_else(|| "unknown".to_owned(), |v| format!("{v} ({})", v.raw))
        };
        write!(
            f,
            "OpenZFS userland {}, kernel module {}",
            show(&self.userland),
            show(&self.kernel)
        )
    }
}

/// `zfs version`'s lines (the same on every release): `zfs-2.1.11-1` then
/// `zfs-kmod-2.1.11-1`. Returns (userland, kernel).
pub(crate) fn parse_zfs_version(text: &str) -> (Option<ZfsVersion>, Option<ZfsVersion>) {
    let mut userland = None;
    let mut kernel = None;
    for line in text.lines().map(str::trim) {
        if line.starts_with("zfs-kmod-") {
            kernel = kernel.or_else(|| line.parse().ok());
        } else if line.starts_with("zfs-") {
            userland = userland.or_else(|| line.parse().ok());
        }
    }
    (userland, kernel)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> ZfsVersion {
        s.parse().expect(s)
    }

    fn n(s: &str) -> (u32, u32, u32) {
        let v = v(s);
        (v.major, v.minor, v.patch)
    }

    #[test]
    fn reads_every_spelling() {
        assert_eq!(n("2.1.11"), (2, 1, 11));
        assert_eq!(n("2.3"), (2, 3, 0));
        assert_eq!(n("zfs-2.1.11-1"), (2, 1, 11));
        assert_eq!(n("zfs-kmod-2.3.2-2~bpo12+2"), (2, 3, 2));
        assert_eq!(n("2.2.0-rc4"), (2, 2, 0));
        assert_eq!(v("2.1.5-1ubuntu6~22.04.4").raw, "2.1.5-1ubuntu6~22.04.4");
    }

    #[test]
    fn rejects_what_is_not_a_version() {
        for s in ["", "2", "two.one", "2.1.1.1", "zfs-kmod-", "v2.1"] {
            assert!(s.parse::<ZfsVersion>().is_err(), "{s}");
        }
    }

    #[test]
    fn orders_by_number() {
        assert!(v("2.1.11") < v("2.3"));
        assert!(v("2.10.0") > v("2.9.9"));
        assert_eq!(v("zfs-2.3.2-2"), v("2.3.2"));
    }

    #[test]
    fn zfs_version_output_of_each_release() {
        for (version, text) in [
            ("2.1.11", "zfs-2.1.11-1\nzfs-kmod-2.1.11-1\n"),
            (
                "2.3.2",
                include_str!("../../fixtures/zfs/2.3.2/zfs-version.txt"),
            ),
        ] {
            let (u, k) = parse_zfs_version(text);
            assert_eq!(u, Some(v(version)), "{text}");
            // Captured without the module loaded, the kmod line is missing.
            assert!(k.is_none_or(|k| k == v(version)), "{text}");
        }
    }
}
