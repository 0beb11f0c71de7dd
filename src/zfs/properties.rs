//! Which ZFS properties exist, and the values the common ones take.
//!
//! Names come from `zpoolprops(7)` and `zfsprops(7)` (OpenZFS 2.3). User
//! properties (`module:name`) and pool features (`feature@…`) are always allowed.

/// Pool properties settable at `zpool create -o`.
pub(crate) const POOL: &[&str] = &[
    "ashift",
    "autoexpand",
    "autoreplace",
    "autotrim",
    "bootfs",
    "cachefile",
    "comment",
    "compatibility",
    "dedup_table_quota",
    "delegation",
    "failmode",
    "listsnapshots",
    "multihost",
    "version",
];

/// Dataset (filesystem) properties settable at create time or with `zfs set`.
pub(crate) const DATASET: &[&str] = &[
    "aclinherit",
    "aclmode",
    "acltype",
    "atime",
    "canmount",
    "casesensitivity",
    "checksum",
    "compression",
    "context",
    "copies",
    "dedup",
    "defcontext",
    "devices",
    "direct",
    "dnodesize",
    "encryption",
    "exec",
    "filesystem_limit",
    "fscontext",
    "keyformat",
    "keylocation",
    "logbias",
    "mountpoint",
    "nbmand",
    "normalization",
    "overlay",
    "pbkdf2iters",
    "prefetch",
    "primarycache",
    "quota",
    "readonly",
    "recordsize",
    "redundant_metadata",
    "refquota",
    "refreservation",
    "relatime",
    "reservation",
    "rootcontext",
    "secondarycache",
    "setuid",
    "sharenfs",
    "sharesmb",
    "snapdev",
    "snapdir",
    "snapshot_limit",
    "special_small_blocks",
    "sync",
    "utf8only",
    "volmode",
    "vscan",
    "xattr",
    "zoned",
];

/// Volume (zvol) properties settable at `zfs create -V`; its size and block
/// size have fields of their own.
pub(crate) const VOLUME: &[&str] = &[
    "checksum",
    "compression",
    "copies",
    "dedup",
    "encryption",
    "keyformat",
    "keylocation",
    "logbias",
    "pbkdf2iters",
    "primarycache",
    "readonly",
    "redundant_metadata",
    "refreservation",
    "reservation",
    "secondarycache",
    "snapdev",
    "sync",
    "volmode",
];

/// Whether `name` is a property of the given list, a user property or a feature.
pub(crate) fn is_known(name: &str, list: &[&str]) -> bool {
    list.contains(&name) || name.starts_with("feature@") || is_user_property(name)
}

fn is_user_property(name: &str) -> bool {
    name.contains(':') && !name.starts_with(':')
}

/// Checks a value for the properties whose values are easy to get wrong.
/// `Err` carries the accepted forms.
pub(crate) fn check_value(name: &str, value: &str) -> Result<(), String> {
    let one_of = |allowed: &[&str]| {
        if allowed.contains(&value) {
            Ok(())
        } else {
            Err(format!("one of {}", allowed.join(", ")))
        }
    };
    match name {
        "sync" => one_of(&["standard", "always", "disabled"]),
        "atime" | "relatime" | "readonly" | "exec" | "setuid" | "devices" | "utf8only"
        | "vscan" | "overlay" | "autoexpand" | "autoreplace" | "autotrim" | "listsnapshots"
        | "multihost" | "delegation" | "zoned" | "nbmand" => one_of(&["on", "off"]),
        "canmount" => one_of(&["on", "off", "noauto"]),
        "logbias" => one_of(&["latency", "throughput"]),
        "primarycache" | "secondarycache" => one_of(&["all", "none", "metadata"]),
        "failmode" => one_of(&["wait", "continue", "panic"]),
        "direct" => one_of(&["standard", "always", "disabled"]),
        "compression" => check_compression(value),
        "recordsize" => check_recordsize(value),
        "mountpoint" => {
            if value.starts_with('/') || value == "none" || value == "legacy" {
                Ok(())
            } else {
                Err("an absolute path, `none` or `legacy`".into())
            }
        }
        _ => Ok(()),
    }
}

fn check_compression(value: &str) -> Result<(), String> {
    let ok = match value {
        "on" | "off" | "lzjb" | "lz4" | "zle" | "gzip" | "zstd" | "zstd-fast" => true,
        v => {
            let level = |prefix: &str, range: std::ops::RangeInclusive<u32>| {
                v.strip_prefix(prefix)
                    .and_then(|n| n.parse::<u32>().ok())
                    .is_some_and(|n| range.contains(&n))
            };
            level("gzip-", 1..=9)
                || level("zstd-", 1..=19)
                || v.strip_prefix("zstd-fast-")
                    .and_then(|n| n.parse::<u32>().ok())
                    .is_some_and(|n| {
                        matches!(
                            n,
                            1..=10 | 20 | 30 | 40 | 50 | 60 | 70 | 80 | 90 | 100 | 500 | 1000
                        )
                    })
        }
    };
    if ok {
        Ok(())
    } else {
        Err("off, on, lz4, zle, lzjb, gzip[-1..9], zstd[-1..19] or zstd-fast[-N]".into())
    }
}

/// A power of two from 512 bytes to 16 MiB, written the way `zfs set` reads it.
fn check_recordsize(value: &str) -> Result<(), String> {
    match recordsize_bytes(value) {
        Some(_) => Ok(()),
        None => Err("a power of two from 512 to 16M, e.g. 128K or 1M".to_owned()),
    }
}

/// A `recordsize` value in bytes (`1M` → 1048576), if it is one ZFS accepts.
pub fn recordsize_bytes(value: &str) -> Option<u64> {
    let upper = value.to_ascii_uppercase();
    let (digits, shift) = match upper.strip_suffix('K').or_else(|| upper.strip_suffix("KB")) {
        Some(d) => (d, 10),
        None => match upper.strip_suffix('M').or_else(|| upper.strip_suffix("MB")) {
            Some(d) => (d, 20),
            None => (upper.as_str(), 0),
        },
    };
    let bytes = digits.parse::<u64>().ok()?.checked_mul(1 << shift)?;
    (bytes.is_power_of_two() && (512..=16 << 20).contains(&bytes)).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_properties_and_features_are_known() {
        assert!(is_known("com.example:owner", DATASET));
        assert!(is_known("feature@draid", POOL));
        assert!(!is_known("recsize", DATASET));
    }

    #[test]
    fn recordsize_values_in_bytes() {
        assert_eq!(recordsize_bytes("1M"), Some(1 << 20));
        assert_eq!(recordsize_bytes("128k"), Some(128 << 10));
        assert_eq!(recordsize_bytes("512"), Some(512));
        assert_eq!(recordsize_bytes("3K"), None);
    }

    #[test]
    fn recordsize_must_be_a_power_of_two_in_range() {
        assert!(check_value("recordsize", "1M").is_ok());
        assert!(check_value("recordsize", "128K").is_ok());
        assert!(check_value("recordsize", "16M").is_ok());
        assert!(check_value("recordsize", "3M").is_err());
        assert!(check_value("recordsize", "32M").is_err());
        assert!(check_value("recordsize", "256").is_err());
    }

    #[test]
    fn sync_values() {
        assert!(check_value("sync", "disabled").is_ok());
        assert!(check_value("sync", "off").is_err());
    }

    #[test]
    fn compression_levels() {
        assert!(check_value("compression", "zstd-3").is_ok());
        assert!(check_value("compression", "gzip-10").is_err());
    }
}
