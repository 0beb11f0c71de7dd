//! Typed parsers of the machine output zlab reads from `zpool` and `zfs`
//! (`-H`: tab-separated, no header; `-p`: exact numbers). Every caller reads
//! through these, never by splitting lines itself; each parser is tested
//! against output captured from real pools in `fixtures/zfs/<version>/`.

use std::path::PathBuf;

/// What the output was expected to hold and did not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}")]
pub(crate) struct ParseError {
    pub expected: &'static str,
}

fn fail<T>(expected: &'static str) -> Result<T, ParseError> {
    Err(ParseError { expected })
}

fn number(field: &str, expected: &'static str) -> Result<u64, ParseError> {
    field.parse().map_err(|_| ParseError { expected })
}

/// The tab-separated fields of each line, `n` per line.
fn rows<'a>(
    text: &'a str,
    n: usize,
    expected: &'static str,
) -> Result<Vec<Vec<&'a str>>, ParseError> {
    text.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() == n {
                Ok(fields)
            } else {
                fail(expected)
            }
        })
        .collect()
}

/// Where a property's value comes from (`zfs get -o source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// Set on this dataset (`local`), or for the mount's life (`temporary`).
    Local,
    Received,
    /// `inherited from …`, `default` or `-`.
    Inherited,
}

/// One line of `zfs get -Hp -o property,value[,source]` or `zpool get -Hp -o
/// property,value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Property {
    pub name: String,
    pub value: String,
    /// `None` when the source column was not asked for.
    pub source: Option<Source>,
}

/// `zfs get -Hp -o property,value[,source] NAMES DATASET` (or `zpool get … POOL`).
pub(crate) fn properties(text: &str) -> Result<Vec<Property>, ParseError> {
    const EXPECTED: &str = "`property<TAB>value[<TAB>source]` lines";
    text.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let (name, value, source) = match fields.as_slice() {
                [name, value] => (name, value, None),
                [name, value, source] => (name, value, Some(source_of(source))),
                _ => return fail(EXPECTED),
            };
            Ok(Property {
                name: (*name).to_owned(),
                value: (*value).to_owned(),
                source,
            })
        })
        .collect()
}

fn source_of(field: &str) -> Source {
    match field {
        "local" | "temporary" => Source::Local,
        "received" => Source::Received,
        _ => Source::Inherited,
    }
}

/// `zfs get -Hp -o value mounted,mountpoint,guid DATASET`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mount {
    pub mounted: bool,
    pub mountpoint: PathBuf,
    pub guid: String,
}

pub(crate) fn mount(text: &str) -> Result<Mount, ParseError> {
    match text.lines().collect::<Vec<_>>().as_slice() {
        [mounted, mountpoint, guid] => Ok(Mount {
            mounted: *mounted == "yes",
            mountpoint: PathBuf::from(mountpoint),
            guid: (*guid).to_owned(),
        }),
        _ => fail("three lines: mounted, mountpoint, guid"),
    }
}

/// `zfs list -Hp -o used,avail DATASET`: a dataset's space in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Space {
    pub used: u64,
    pub avail: u64,
}

pub(crate) fn space(text: &str) -> Result<Space, ParseError> {
    const EXPECTED: &str = "two byte counts";
    match rows(text, 2, EXPECTED)?.as_slice() {
        [row] => Ok(Space {
            used: number(row[0], EXPECTED)?,
            avail: number(row[1], EXPECTED)?,
        }),
        _ => fail(EXPECTED),
    }
}

/// `zpool list -Hp -o name,size,alloc,free,health POOL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PoolRow {
    pub name: String,
    pub size: u64,
    pub alloc: u64,
    pub free: u64,
    pub health: String,
}

pub(crate) fn pools(text: &str) -> Result<Vec<PoolRow>, ParseError> {
    const EXPECTED: &str = "`name size alloc free health` rows";
    rows(text, 5, EXPECTED)?
        .into_iter()
        .map(|r| {
            Ok(PoolRow {
                name: r[0].to_owned(),
                size: number(r[1], EXPECTED)?,
                alloc: number(r[2], EXPECTED)?,
                free: number(r[3], EXPECTED)?,
                health: r[4].to_owned(),
            })
        })
        .collect()
}

/// `zpool list -Hp -o name,size,alloc,free,cap,frag,health,guid POOL`: how
/// full a pool is, by the pool's own (raw, parity included) count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct PoolUsage {
    pub size: u64,
    pub alloc: u64,
    pub free: u64,
    /// Percent allocated, as zpool rounds it.
    pub capacity: u64,
    /// Percent of free space in small pieces; `-` (none) when the pool
    /// cannot tell.
    pub fragmentation: Option<u64>,
    pub health: String,
}

pub(crate) fn pool_usage(text: &str) -> Result<PoolUsage, ParseError> {
    const EXPECTED: &str = "a `name size alloc free cap frag health guid` row";
    match rows(text, 8, EXPECTED)?.as_slice() {
        [r] => Ok(PoolUsage {
            size: number(r[1], EXPECTED)?,
            alloc: number(r[2], EXPECTED)?,
            free: number(r[3], EXPECTED)?,
            capacity: number(r[4], EXPECTED)?,
            fragmentation: match r[5] {
                "-" => None,
                f => Some(number(f, EXPECTED)?),
            },
            health: r[6].to_owned(),
        }),
        _ => fail(EXPECTED),
    }
}

/// One row of `zpool iostat -vHp POOL`: the pool, then each vdev and device
/// (interior vdevs of a replacement or spare too), counted since import.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct VdevIo {
    pub name: String,
    pub alloc: u64,
    pub free: u64,
    pub read_ops: u64,
    pub write_ops: u64,
    pub read_bytes: u64,
    pub write_bytes: u64,
}

pub(crate) fn vdev_io(text: &str) -> Result<Vec<VdevIo>, ParseError> {
    const EXPECTED: &str = "`name alloc free rops wops rbytes wbytes` rows";
    // A class heading (`logs`, `spares`) has no numbers: `-` (or nothing).
    let num = |f: &str| {
        if f == "-" || f.is_empty() {
            Ok(0)
        } else {
            number(f, EXPECTED)
        }
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 7 {
                return fail(EXPECTED);
            }
            Ok(VdevIo {
                name: f[0].trim().to_owned(),
                alloc: num(f[1])?,
                free: num(f[2])?,
                read_ops: num(f[3])?,
                write_ops: num(f[4])?,
                read_bytes: num(f[5])?,
                write_bytes: num(f[6])?,
            })
        })
        .collect()
}

/// `zfs list -Hp -r -o name,used,avail,mountpoint POOL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DatasetRow {
    pub name: String,
    pub used: u64,
    pub avail: u64,
    pub mountpoint: String,
}

pub(crate) fn datasets(text: &str) -> Result<Vec<DatasetRow>, ParseError> {
    const EXPECTED: &str = "`name used avail mountpoint` rows";
    rows(text, 4, EXPECTED)?
        .into_iter()
        .map(|r| {
            Ok(DatasetRow {
                name: r[0].to_owned(),
                used: number(r[1], EXPECTED)?,
                avail: number(r[2], EXPECTED)?,
                mountpoint: r[3].to_owned(),
            })
        })
        .collect()
}

/// `zpool list -v -H -P`: every leaf device named by path, with its pool.
/// Pools start at column 0 and their vdevs are indented by a tab; the class
/// headers (`logs`, `cache`, `spare`, `special`, `dedup`) also start at
/// column 0 but are padded with spaces, not tabs, and belong to the pool above.
pub(crate) fn pool_leaves(text: &str) -> Vec<(String, String)> {
    let mut pool = String::new();
    let mut found = Vec::new();
    for line in text.lines() {
        let first = line.split('\t').find(|f| !f.is_empty()).unwrap_or_default();
        if line.starts_with('\t') {
            if first.starts_with('/') {
                found.push((first.to_owned(), pool.clone()));
            }
        } else if line.contains('\t') {
            first.clone_into(&mut pool);
        }
    }
    found
}

/// `zpool list -H -o name` or `zfs list -H -o name …`: one name a line.
pub(crate) fn names(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Output captured by `scripts/capture-zfs-output` from real pools.
    fn captured(version: &str, file: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/zfs")
            .join(version)
            .join(file);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Every release `scripts/capture-zfs-output` ran on (its `zfs-version.txt`).
    fn releases() -> Vec<String> {
        crate::zfs::captured_releases("zfs-version.txt")
            .iter()
            .filter_map(|d| d.file_name()?.to_str().map(str::to_owned))
            .collect()
    }

    /// The release whose exact numbers the tests below pin; the others must
    /// read the same way (names, sources, paths) with their own numbers.
    const V: &str = "2.3.2";

    #[test]
    fn a_rebuilt_draid_pool_reads_its_usage_and_every_vdev() {
        let dir = "2.3.2/rebuild-scrubbed";
        let u = pool_usage(&captured(dir, "zpool-list-Hp-o.txt")).expect("usage");
        assert_eq!(
            (
                u.size,
                u.alloc,
                u.capacity,
                u.fragmentation,
                u.health.as_str()
            ),
            (8_053_048_320, 402_960_384, 5, Some(0), "DEGRADED")
        );
        let io = vdev_io(&captured(dir, "zpool-iostat-vHp.txt")).expect("iostat");
        let names: Vec<&str> = io.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "tank_rebuild",
                "draid1:2d:5c:1s-0",
                "spare-0",
                "loop0",
                "draid1-0-0",
                "loop1",
                "loop2",
                "loop3",
                "loop4"
            ]
        );
        assert_eq!(io[4].write_bytes, 260_851);
        assert!(vdev_io("pool\t1\t2\n").is_err());
        assert_eq!(
            pool_usage("p\t1\t0\t1\t0\t-\tONLINE\t9\n")
                .expect("usage")
                .fragmentation,
            None
        );
    }

    #[test]
    fn every_release_reads_a_pools_usage_and_each_vdevs_io() {
        for v in releases() {
            let u = pool_usage(&captured(&v, "zpool-list-Hp-usage.txt")).expect("usage");
            assert_eq!(u.health, "ONLINE", "{v}");
            assert!(u.alloc > 0 && u.alloc + u.free <= u.size, "{v}: {u:?}");
            assert!(u.fragmentation.is_some_and(|f| f <= 100), "{v}: {u:?}");
            let io = vdev_io(&captured(&v, "zpool-iostat-vHp.txt")).expect("iostat");
            assert_eq!(io[0].name, "capdraid", "{v}");
            assert!(io[1].name.starts_with("draid1:4d:6c:1s"), "{v}: {io:?}");
            assert_eq!(io[0].alloc, u.alloc, "{v}: the pool's row is the pool's");
            assert!(
                io.len() >= 8,
                "{v}: the pool, its dRAID vdev, six leaves: {io:?}"
            );
        }
    }

    #[test]
    fn each_release_says_which_it_is() {
        let found = releases();
        assert!(found.iter().any(|v| v == V), "{found:?}");
        for v in found {
            let line = captured(&v, "zfs-version.txt");
            assert!(line.starts_with(&format!("zfs-{v}")), "{v}: {line}");
        }
    }

    #[test]
    fn zfs_get_with_sources_reads_local_and_inherited() {
        for v in releases() {
            let got =
                properties(&captured(&v, "zfs-get-Hp-property-value-source.txt")).expect("parse");
            let pairs: Vec<_> = got
                .iter()
                .map(|p| (p.name.as_str(), p.value.as_str(), p.source))
                .collect();
            assert_eq!(
                pairs,
                [
                    ("sync", "disabled", Some(Source::Local)),
                    ("recordsize", "1048576", Some(Source::Local)),
                    ("compression", "off", Some(Source::Inherited)),
                ],
                "{v}"
            );
        }
    }

    #[test]
    fn zfs_and_zpool_get_without_sources_read_name_and_value() {
        for v in releases() {
            let zfs = properties(&captured(&v, "zfs-get-Hp-property-value.txt")).expect("zfs");
            assert_eq!(zfs.len(), 3, "{v}");
            assert_eq!(
                (zfs[0].name.as_str(), zfs[0].value.as_str()),
                ("recordsize", "1048576"),
                "{v}"
            );
            assert!(zfs.iter().all(|p| p.source.is_none()));
            let zpool =
                properties(&captured(&v, "zpool-get-Hp-property-value.txt")).expect("zpool");
            assert_eq!(
                (zpool[0].name.as_str(), zpool[0].value.as_str()),
                ("ashift", "12"),
                "{v}"
            );
        }
    }

    #[test]
    fn zpool_get_all_has_four_columns_and_is_refused_as_property_value() {
        // `zpool get -Hp all` prints name, property, value, source: not what
        // `properties` reads, so it must fail rather than misread.
        for v in releases() {
            assert!(
                properties(&captured(&v, "zpool-get-Hp-all.draid.txt")).is_err(),
                "{v}"
            );
        }
    }

    #[test]
    fn a_mounted_and_an_unmounted_dataset() {
        for v in releases() {
            let m = mount(&captured(
                &v,
                "zfs-get-Hp-value-mounted-mountpoint-guid.txt",
            ))
            .expect("parse");
            assert!(m.mounted, "{v}");
            assert_eq!(m.mountpoint, PathBuf::from("/tmp/capture/mnt-draid/data"));
            assert!(
                m.guid.bytes().all(|b| b.is_ascii_digit()),
                "{v}: {}",
                m.guid
            );
            let u = mount(&captured(
                &v,
                "zfs-get-Hp-value-mounted-mountpoint-guid.unmounted.txt",
            ))
            .expect("parse");
            assert!(!u.mounted, "{v}");
            assert_eq!(u.mountpoint, PathBuf::from("none"));
        }
        let m = mount(&captured(V, "zfs-get-Hp-value-mounted-mountpoint-guid.txt")).expect("2.3.2");
        assert_eq!(m.guid, "2528156685566157146");
    }

    #[test]
    fn a_datasets_used_and_available_bytes() {
        for v in releases() {
            let got = space(&captured(&v, "zfs-list-Hp-used-avail.txt")).expect("parse");
            assert!(got.used > 8 << 20 && got.avail > 0, "{v}: {got:?}");
        }
        assert_eq!(
            space(&captured(V, "zfs-list-Hp-used-avail.txt")).expect("parse"),
            Space {
                used: 11_010_280,
                avail: 712_395_912
            }
        );
        assert!(space("12\tlots\n").is_err());
        assert!(space("").is_err());
    }

    #[test]
    fn zpool_list_rows() {
        for v in releases() {
            let rows = pools(&captured(
                &v,
                "zpool-list-Hp-name-size-alloc-free-health.txt",
            ))
            .expect("parse");
            assert_eq!(rows.len(), 1, "{v}");
            assert_eq!(
                (rows[0].name.as_str(), rows[0].health.as_str()),
                ("capdraid", "ONLINE")
            );
            assert!(
                rows[0].alloc > 0 && rows[0].size > rows[0].free,
                "{v}: {rows:?}"
            );
        }
        let rows = pools(&captured(
            V,
            "zpool-list-Hp-name-size-alloc-free-health.txt",
        ))
        .expect("parse");
        assert_eq!(
            rows,
            [PoolRow {
                name: "capdraid".into(),
                size: 1_073_602_560,
                alloc: 13_783_040,
                free: 1_059_819_520,
                health: "ONLINE".into()
            }]
        );
    }

    #[test]
    fn zfs_list_recursive_rows() {
        for v in releases() {
            let rows = datasets(&captured(
                &v,
                "zfs-list-Hp-r-name-used-avail-mountpoint.txt",
            ))
            .expect("parse");
            let names: Vec<_> = rows
                .iter()
                .map(|r| (r.name.as_str(), r.mountpoint.as_str()))
                .collect();
            assert_eq!(
                names,
                [
                    ("capdraid", "/tmp/capture/mnt-draid"),
                    ("capdraid/data", "/tmp/capture/mnt-draid/data"),
                    ("capdraid/unmounted", "none"),
                ],
                "{v}"
            );
        }
        let rows =
            datasets(&captured(V, "zfs-list-Hp-r-name-used-avail-mountpoint.txt")).expect("parse");
        assert_eq!(rows[1].used, 8_801_680);
    }

    #[test]
    fn leaf_devices_with_their_pools_past_class_headers() {
        for v in releases() {
            let leaves = pool_leaves(&captured(&v, "zpool-list-v-H-P.txt"));
            let pools: Vec<(&str, &str)> = leaves
                .iter()
                .map(|(d, p)| (d.as_str(), p.as_str()))
                .collect();
            assert_eq!(
                pools,
                [
                    ("/dev/loop0", "capdraid"),
                    ("/dev/loop1", "capdraid"),
                    ("/dev/loop2", "capdraid"),
                    ("/dev/loop3", "capdraid"),
                    ("/dev/loop4", "capdraid"),
                    ("/dev/loop5", "capdraid"),
                    ("/dev/loop6", "capmirror"),
                    ("/dev/loop7", "capmirror"),
                ],
                "{v}"
            );
        }
        // A hot spare after the space-padded `spare` header stays in its pool.
        let text = "tank\t1G\t-\nspare   -   -\n\t/dev/sdc\t1G\t-\n";
        assert_eq!(
            pool_leaves(text),
            [("/dev/sdc".to_owned(), "tank".to_owned())]
        );
    }

    #[test]
    fn pool_names_one_a_line() {
        for v in releases() {
            assert_eq!(
                names(&captured(&v, "zpool-list-H-o-name.txt")),
                ["capdraid", "capmirror"],
                "{v}"
            );
        }
    }
}
