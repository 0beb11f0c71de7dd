//! What each OpenZFS release added that a scenario can ask for: one table of
//! "feature → first release", read from the sources at each tag
//! (`module/zcommon/zfs_prop.c`, `zpool_prop.c`, `zfeature_common.c`,
//! `module/zfs/dsl_dataset.c`) from 2.1 to 2.4. `validate/version.rs` checks a
//! scenario against it; zlab supports 2.1 and later, so older additions are not
//! listed.

/// Something a scenario may use that not every release has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needs {
    /// A vdev type by its `zpool create` word (`draid`).
    Vdev(&'static str),
    /// A pool property (`zpool create -o`).
    PoolProperty(&'static str),
    /// A dataset property (`zfs create -o`, `zpool create -O`).
    DatasetProperty(&'static str),
    /// A property value, matched as a prefix (`blake3`, `zstd-fast`).
    Value {
        property: &'static str,
        value: &'static str,
    },
    /// A pool feature flag (`feature@…`).
    PoolFeature(&'static str),
    /// `recordsize` above 1 MiB without raising the `zfs_max_recordsize`
    /// module parameter (its default became 16M in 2.2).
    RecordsizeAbove1M,
}

/// When a feature arrived, and what to use instead before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Since {
    pub(crate) needs: Needs,
    /// major, minor.
    pub(crate) release: (u32, u32),
    /// The hint for older releases.
    pub(crate) instead: &'static str,
}

const fn since(needs: Needs, release: (u32, u32), instead: &'static str) -> Since {
    Since {
        needs,
        release,
        instead,
    }
}

const DROP_FEATURE: &str = "leave the feature out";

/// Every entry; the first release of each.
pub(crate) const TABLE: &[Since] = &[
    since(Needs::Vdev("draid"), (2, 1), "use raidz"),
    since(Needs::PoolFeature("draid"), (2, 1), DROP_FEATURE),
    since(
        Needs::PoolProperty("compatibility"),
        (2, 1),
        "leave `compatibility` out",
    ),
    since(
        Needs::PoolProperty("dedup_table_quota"),
        (2, 3),
        "leave `dedup_table_quota` out",
    ),
    since(
        Needs::DatasetProperty("direct"),
        (2, 3),
        "leave `direct` out (O_DIRECT is buffered before 2.3)",
    ),
    since(
        Needs::DatasetProperty("prefetch"),
        (2, 3),
        "leave `prefetch` out, or set the module parameter `zfs_prefetch_disable`",
    ),
    since(
        Needs::Value {
            property: "checksum",
            value: "blake3",
        },
        (2, 2),
        "use `checksum: sha256` or `skein`",
    ),
    since(
        Needs::RecordsizeAbove1M,
        (2, 2),
        "use `recordsize: 1M`, or raise the module parameter `zfs_max_recordsize` first",
    ),
    since(Needs::PoolFeature("blake3"), (2, 2), DROP_FEATURE),
    since(Needs::PoolFeature("block_cloning"), (2, 2), DROP_FEATURE),
    since(Needs::PoolFeature("head_errlog"), (2, 2), DROP_FEATURE),
    since(Needs::PoolFeature("vdev_zaps_v2"), (2, 2), DROP_FEATURE),
    since(Needs::PoolFeature("zilsaxattr"), (2, 2), DROP_FEATURE),
    since(Needs::PoolFeature("fast_dedup"), (2, 3), DROP_FEATURE),
    since(Needs::PoolFeature("large_microzap"), (2, 3), DROP_FEATURE),
    since(Needs::PoolFeature("longname"), (2, 3), DROP_FEATURE),
    since(Needs::PoolFeature("raidz_expansion"), (2, 3), DROP_FEATURE),
    since(
        Needs::PoolFeature("redaction_list_spill"),
        (2, 3),
        DROP_FEATURE,
    ),
    since(
        Needs::PoolFeature("block_cloning_endian"),
        (2, 4),
        DROP_FEATURE,
    ),
    since(
        Needs::PoolFeature("dynamic_gang_header"),
        (2, 4),
        DROP_FEATURE,
    ),
    since(Needs::PoolFeature("physical_rewrite"), (2, 4), DROP_FEATURE),
];

/// The entry for `needs`, if a release from 2.1 on lacks it.
pub(crate) fn lookup(needs: Needs) -> Option<&'static Since> {
    TABLE.iter().find(|s| s.needs == needs)
}

/// What a property setting needs: the property itself, then its value.
pub(crate) fn property_needs(pool: bool, name: &str, value: &str) -> Vec<&'static Since> {
    let mut out = Vec::new();
    if let Some(feature) = name.strip_prefix("feature@") {
        out.extend(
            TABLE
                .iter()
                .find(|s| matches!(s.needs, Needs::PoolFeature(f) if f == feature)),
        );
        return out;
    }
    let property = if pool {
        TABLE
            .iter()
            .find(|s| matches!(s.needs, Needs::PoolProperty(p) if p == name))
    } else {
        TABLE
            .iter()
            .find(|s| matches!(s.needs, Needs::DatasetProperty(p) if p == name))
    };
    out.extend(property);
    out.extend(TABLE.iter().filter(|s| match s.needs {
        Needs::Value {
            property,
            value: prefix,
        } => property == name && value.starts_with(prefix),
        _ => false,
    }));
    if name == "recordsize"
        && crate::zfs::properties::recordsize_bytes(value).is_some_and(|b| b > 1 << 20)
    {
        out.extend(lookup(Needs::RecordsizeAbove1M));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draid_needs_2_1_and_blake3_2_2() {
        assert_eq!(
            lookup(Needs::Vdev("draid")).map(|s| s.release),
            Some((2, 1))
        );
        assert_eq!(
            property_needs(false, "checksum", "blake3")
                .iter()
                .map(|s| s.release)
                .collect::<Vec<_>>(),
            [(2, 2)]
        );
        assert!(property_needs(false, "checksum", "sha256").is_empty());
    }

    #[test]
    fn big_records_need_2_2() {
        assert_eq!(
            property_needs(false, "recordsize", "4M")
                .iter()
                .map(|s| s.release)
                .collect::<Vec<_>>(),
            [(2, 2)]
        );
        assert!(property_needs(false, "recordsize", "1M").is_empty());
    }

    #[test]
    fn features_and_properties_by_class() {
        assert_eq!(
            property_needs(true, "feature@raidz_expansion", "enabled")[0].release,
            (2, 3)
        );
        assert!(property_needs(true, "feature@async_destroy", "enabled").is_empty());
        assert!(property_needs(true, "direct", "always").is_empty());
        assert_eq!(property_needs(false, "direct", "always")[0].release, (2, 3));
    }

    /// Each table entry against the lists the versions' sources give (read at
    /// tags zfs-2.1.11, zfs-2.3.2 and zfs-2.4.4).
    #[test]
    fn the_table_agrees_with_the_release_lists() {
        let in_2_1 = ["compatibility", "draid"];
        for s in TABLE {
            let name = match s.needs {
                Needs::PoolProperty(n) | Needs::DatasetProperty(n) | Needs::PoolFeature(n) => n,
                Needs::Vdev(n) => n,
                _ => continue,
            };
            assert_eq!(in_2_1.contains(&name), s.release == (2, 1), "{name}");
        }
    }
}
