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

    const V: &str = "2.3.2";

    #[test]
    fn zfs_get_with_sources_reads_local_and_inherited() {
        let got = properties(&captured(V, "zfs-get-Hp-property-value-source.txt")).expect("parse");
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
            ]
        );
    }

    #[test]
    fn zfs_and_zpool_get_without_sources_read_name_and_value() {
        let zfs = properties(&captured(V, "zfs-get-Hp-property-value.txt")).expect("zfs");
        assert_eq!(zfs.len(), 3);
        assert_eq!(
            (zfs[0].name.as_str(), zfs[0].value.as_str()),
            ("recordsize", "1048576")
        );
        assert!(zfs.iter().all(|p| p.source.is_none()));
        let zpool = properties(&captured(V, "zpool-get-Hp-property-value.txt")).expect("zpool");
        assert_eq!(
            (zpool[0].name.as_str(), zpool[0].value.as_str()),
            ("ashift", "12")
        );
    }

    #[test]
    fn zpool_get_all_has_four_columns_and_is_refused_as_property_value() {
        // `zpool get -Hp all` prints name, property, value, source: not what
        // `properties` reads, so it must fail rather than misread.
        assert!(properties(&captured(V, "zpool-get-Hp-all.draid.txt")).is_err());
    }

    #[test]
    fn a_mounted_and_an_unmounted_dataset() {
        let m = mount(&captured(V, "zfs-get-Hp-value-mounted-mountpoint-guid.txt")).expect("parse");
        assert!(m.mounted);
        assert_eq!(m.mountpoint, PathBuf::from("/tmp/capture/mnt-draid/data"));
        assert_eq!(m.guid, "1199876867693061078");
        let u = mount(&captured(
            V,
            "zfs-get-Hp-value-mounted-mountpoint-guid.unmounted.txt",
        ))
        .expect("parse");
        assert!(!u.mounted);
        assert_eq!(u.mountpoint, PathBuf::from("none"));
    }

    #[test]
    fn a_datasets_used_and_available_bytes() {
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
                alloc: 15_441_920,
                free: 1_058_160_640,
                health: "ONLINE".into()
            }]
        );
    }

    #[test]
    fn zfs_list_recursive_rows() {
        let rows =
            datasets(&captured(V, "zfs-list-Hp-r-name-used-avail-mountpoint.txt")).expect("parse");
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
            ]
        );
        assert_eq!(rows[1].used, 8_801_680);
    }

    #[test]
    fn pool_names_one_a_line() {
        assert_eq!(
            names(&captured(V, "zpool-list-H-o-name.txt")),
            ["capdraid", "capmirror"]
        );
    }
}
