//! After `up`: read back what ZFS really built — each pool's vdev tree (with
//! the reader its OpenZFS release needs, `zfs/topology.rs`), its properties
//! from `zpool get -Hp`, every dataset's and volume's from `zfs get -Hp` — and compare it
//! with the scenario. Any difference is reported, all at once.

use crate::lab::{Device, PoolSpec, VdevSpec, VolumeSpec, partition_path};
use crate::scenario::size::Size;
use crate::system::command::CommandLine;
use crate::system::{CommandError, System};
use crate::zfs::output::{self, Property};
use crate::zfs::topology::{self, Topology, VdevType};

/// A top-level vdev as the scenario and `zpool status` both name it:
/// `mirror`, `raidz2`, `draid2:4d:8c:1s`, or `stripe` for a lone device; with
/// its leaf paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shape {
    pub(crate) kind: String,
    pub(crate) devices: Vec<String>,
}

/// One pool's vdevs by class, as compared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Expected {
    pub(crate) data: Vec<Shape>,
    pub(crate) log: Vec<Shape>,
    pub(crate) special: Vec<Shape>,
    pub(crate) dedup: Vec<Shape>,
    pub(crate) cache: Vec<String>,
    /// Hot spares; dRAID's distributed spares are part of the dRAID vdev.
    pub(crate) spares: Vec<String>,
}

/// What the scenario says the pool is, with run-time device names resolved.
pub(crate) fn expected(pool: &PoolSpec, resolve: &dyn Fn(&Device) -> String) -> Expected {
    let class = |vdevs: &[VdevSpec]| {
        let mut out = Vec::new();
        for v in vdevs {
            let kind = v.kind.token().unwrap_or_else(|| "stripe".to_owned());
            out.extend(v.top_level().into_iter().map(|devices| Shape {
                kind: kind.clone(),
                devices: devices.iter().map(resolve).collect(),
            }));
        }
        out
    };
    Expected {
        data: class(&pool.data),
        log: class(&pool.log),
        special: class(&pool.special),
        dedup: Vec::new(),
        cache: pool.cache.iter().map(resolve).collect(),
        spares: pool.spares.iter().map(resolve).collect(),
    }
}

/// The pool as ZFS reports it, in the same terms.
pub(crate) fn shapes(t: &Topology) -> Expected {
    let class = |vdevs: &[topology::Vdev]| {
        vdevs
            .iter()
            .map(|v| Shape {
                kind: v.kind.token(),
                devices: v.devices(),
            })
            .collect()
    };
    let leaves = |vdevs: &[topology::Vdev]| {
        vdevs
            .iter()
            .filter(|v| v.kind != VdevType::DistributedSpare)
            .flat_map(topology::Vdev::devices)
            .collect()
    };
    Expected {
        data: class(&t.data),
        log: class(&t.log),
        special: class(&t.special),
        dedup: class(&t.dedup),
        cache: leaves(&t.cache),
        spares: leaves(&t.spares),
    }
}

/// The pool as ZFS reports it. The release is not asked first: `zpool status
/// -j` is tried, and text read when zpool does not know the option (before 2.3).
pub(crate) fn actual(sys: &dyn System, pool: &str) -> Result<Topology, CommandError> {
    super::read::topology(sys, pool, None, now())
}

/// Seconds since the epoch, for a running scan's rate (as zpool computes it).
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Differences between what was asked and what exists, one sentence each.
pub(crate) fn compare(pool: &str, want: &Expected, got: &Topology) -> Vec<String> {
    let got = shapes(got);
    let mut diffs = Vec::new();
    for (class, w, g) in [
        ("data", &want.data, &got.data),
        ("log", &want.log, &got.log),
        ("special", &want.special, &got.special),
        ("dedup", &want.dedup, &got.dedup),
    ] {
        if w.len() != g.len() {
            diffs.push(format!(
                "pool {pool}: {} {class} vdev{} expected, {} found",
                w.len(),
                if w.len() == 1 { "" } else { "s" },
                g.len()
            ));
            continue;
        }
        for (i, (w, g)) in w.iter().zip(g).enumerate() {
            if w.kind != g.kind {
                diffs.push(format!(
                    "pool {pool}: {class} vdev {i} is {}, expected {}",
                    g.kind, w.kind
                ));
            } else if !same_devices(&w.devices, &g.devices) {
                diffs.push(format!(
                    "pool {pool}: {class} vdev {i} ({}) has {}, expected {}",
                    w.kind,
                    g.devices.join(" "),
                    w.devices.join(" ")
                ));
            }
        }
    }
    for (class, w, g) in [
        ("cache", &want.cache, &got.cache),
        ("spare", &want.spares, &got.spares),
    ] {
        if !same_devices(w, g) {
            diffs.push(format!(
                "pool {pool}: {class} devices are [{}], expected [{}]",
                g.join(" "),
                w.join(" ")
            ));
        }
    }
    diffs
}

/// ZFS puts a partition on a whole disk it is given: `/dev/vdb` shows as `/dev/vdb1`.
fn same_devices(want: &[String], got: &[String]) -> bool {
    want.len() == got.len()
        && want
            .iter()
            .zip(got)
            .all(|(w, g)| w == g || *g == partition_path(w, 1))
}

/// Compares properties as `zpool get -Hp` / `zfs get -Hp` print them
/// (`property\tvalue` lines) with the scenario's.
pub(crate) fn compare_properties(
    what: &str,
    want: &[(String, String)],
    got: &[Property],
) -> Vec<String> {
    want.iter()
        .filter_map(|(k, w)| {
            let g = got.iter().find(|p| &p.name == k).map(|p| p.value.as_str());
            match g {
                Some(g) if equivalent(k, w, g) => None,
                Some(g) => Some(format!("{what}: {k} is {g}, expected {w}")),
                None => Some(format!("{what}: {k} is not reported")),
            }
        })
        .collect()
}

/// Whether ZFS's parsable value means what the scenario wrote.
fn equivalent(property: &str, want: &str, got: &str) -> bool {
    let size = |s: &str| match s {
        "none" => Some(0),
        _ => s.parse::<Size>().ok().map(Size::bytes),
    };
    want == got
        || (property == "encryption" && want == "on" && got != "off")
        || (property == "acltype"
            && matches!((want, got), ("posixacl", "posix") | ("noacl", "off")))
        || size(want).is_some_and(|w| size(got) == Some(w))
}

/// Checks one pool, whose topology `got` was read with [`actual`]: all
/// differences, or none.
pub(crate) fn verify_pool(
    sys: &dyn System,
    pool: &PoolSpec,
    got: &Topology,
    resolve: &dyn Fn(&Device) -> String,
) -> Result<Vec<String>, CommandError> {
    let mut diffs = compare(&pool.name, &expected(pool, resolve), got);
    let mut pool_props = pool.properties.clone();
    if let Some(a) = pool.ashift {
        pool_props.push(("ashift".to_owned(), a.to_string()));
    }
    if !pool_props.is_empty() {
        let names: Vec<&str> = pool_props.iter().map(|(k, _)| k.as_str()).collect();
        let get = CommandLine::new("zpool")
            .args(["get", "-Hp", "-o", "property,value"])
            .arg(names.join(","))
            .arg(pool.name.clone());
        let got = read_properties(sys, &get)?;
        diffs.extend(compare_properties(
            &format!("pool {}", pool.name),
            &pool_props,
            &got,
        ));
    }
    let mut datasets = vec![(pool.name.clone(), root_properties(pool))];
    datasets.extend(
        pool.datasets
            .iter()
            .map(|d| (d.name.clone(), d.properties.clone())),
    );
    for (name, props) in datasets.into_iter().filter(|(_, p)| !p.is_empty()) {
        let names: Vec<&str> = props.iter().map(|(k, _)| k.as_str()).collect();
        let get = CommandLine::new("zfs")
            .args(["get", "-Hp", "-o", "property,value"])
            .arg(names.join(","))
            .arg(name.clone());
        let got = read_properties(sys, &get)?;
        diffs.extend(compare_properties(&format!("dataset {name}"), &props, &got));
    }
    for v in &pool.volumes {
        diffs.extend(verify_volume(sys, v)?);
    }
    Ok(diffs)
}

/// A volume's size, block size, reservation and properties. zfs rounds the
/// size up to whole blocks of the block size it chose, so that is expected.
fn verify_volume(sys: &dyn System, v: &VolumeSpec) -> Result<Vec<String>, CommandError> {
    let mut want = v.properties.clone();
    if let Some(b) = v.volblocksize {
        want.push(("volblocksize".to_owned(), b.to_string()));
    }
    if v.sparse {
        want.push(("refreservation".to_owned(), "none".to_owned()));
    }
    let mut names: Vec<&str> = vec!["volsize", "volblocksize"];
    names.extend(want.iter().map(|(k, _)| k.as_str()));
    names.dedup();
    let get = CommandLine::new("zfs")
        .args(["get", "-Hp", "-o", "property,value"])
        .arg(names.join(","))
        .arg(v.name.clone());
    let got = read_properties(sys, &get)?;
    let what = format!("volume {}", v.name);
    let number = |k: &str| {
        got.iter()
            .find(|p| p.name == k)
            .and_then(|p| p.value.parse::<u64>().ok())
    };
    let mut diffs = compare_properties(&what, &want, &got);
    match (number("volsize"), number("volblocksize")) {
        (Some(size), Some(block)) if block > 0 => {
            let expected = v.size.bytes().div_ceil(block) * block;
            if size != expected {
                diffs.push(format!(
                    "{what}: volsize is {size}, expected {expected} ({} in blocks of {block})",
                    v.size
                ));
            }
        }
        _ => diffs.push(format!("{what}: volsize and volblocksize are not reported")),
    }
    Ok(diffs)
}

/// Runs a `zpool get`/`zfs get -Hp -o property,value` and reads its answer.
fn read_properties(sys: &dyn System, get: &CommandLine) -> Result<Vec<Property>, CommandError> {
    let out = sys.run(get)?;
    output::properties(&out.stdout).map_err(|e| CommandError::unparsable(get, &out.stdout, e))
}

/// The root dataset's `-O` properties, and `-m` as its mountpoint.
fn root_properties(pool: &PoolSpec) -> Vec<(String, String)> {
    let mut props = pool.root.clone();
    if let Some(m) = &pool.mountpoint {
        props.retain(|(k, _)| k != "mountpoint");
        props.push(("mountpoint".to_owned(), m.clone()));
    }
    if let Some(altroot) = &pool.altroot {
        // With an altroot, ZFS reports mountpoints below it.
        for (k, v) in &mut props {
            if k == "mountpoint" && v.starts_with('/') {
                *v = format!("{}{v}", altroot.display());
            }
        }
    }
    props
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(kind: &str, devices: &[&str]) -> Shape {
        Shape {
            kind: kind.to_owned(),
            devices: devices.iter().map(|d| (*d).to_owned()).collect(),
        }
    }

    fn leaf(path: &str) -> topology::Vdev {
        topology::Vdev {
            name: path.to_owned(),
            kind: VdevType::Leaf,
            state: topology::State::Online,
            path: Some(path.to_owned()),
            note: String::new(),
            children: Vec::new(),
        }
    }

    /// A top-level vdev named as zpool names it (`raidz1-0`).
    fn top(name: &str, devices: &[&str]) -> topology::Vdev {
        topology::Vdev {
            name: name.to_owned(),
            kind: VdevType::from_name(name, true),
            children: devices.iter().map(|d| leaf(d)).collect(),
            ..leaf(name)
        }
    }

    #[test]
    fn differences_are_each_named() {
        let want = Expected {
            data: vec![shape("raidz2", &["/dev/loop0", "/dev/loop1", "/dev/loop2"])],
            log: vec![shape("mirror", &["/dev/ram0p1", "/dev/ram0p2"])],
            ..Expected::default()
        };
        let got = Topology {
            data: vec![top("raidz1-0", &["/dev/loop0", "/dev/loop1", "/dev/loop2"])],
            spares: vec![leaf("/dev/loop3")],
            ..Topology::default()
        };
        assert_eq!(
            compare("tank", &want, &got),
            [
                "pool tank: data vdev 0 is raidz1, expected raidz2",
                "pool tank: 1 log vdev expected, 0 found",
                "pool tank: spare devices are [/dev/loop3], expected []",
            ]
        );
    }

    #[test]
    fn a_spare_in_use_still_reads_as_the_built_layout() {
        let mut spare = top("spare-1", &["/dev/loop1", "/dev/loop9"]);
        spare.state = topology::State::Degraded;
        let mut mirror = top("mirror-0", &["/dev/loop0"]);
        mirror.children.push(spare);
        let got = Topology {
            data: vec![mirror],
            spares: vec![leaf("/dev/loop9")],
            ..Topology::default()
        };
        let want = Expected {
            data: vec![shape("mirror", &["/dev/loop0", "/dev/loop1"])],
            spares: vec!["/dev/loop9".to_owned()],
            ..Expected::default()
        };
        assert_eq!(compare("tank", &want, &got), Vec::<String>::new());
    }

    #[test]
    fn a_whole_disk_may_show_as_its_first_partition() {
        let want = Expected {
            data: vec![shape("mirror", &["/dev/vdb", "/dev/nvme0n1"])],
            ..Expected::default()
        };
        let got = Topology {
            data: vec![top("mirror-0", &["/dev/vdb1", "/dev/nvme0n1p1"])],
            ..Topology::default()
        };
        assert_eq!(compare("tank", &want, &got), Vec::<String>::new());
    }

    #[test]
    fn properties_compare_by_meaning_not_spelling() {
        let want = [
            ("recordsize", "1M"),
            ("compression", "off"),
            ("quota", "none"),
            ("sync", "disabled"),
            ("atime", "off"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        let got =
            output::properties("recordsize\t1048576\ncompression\toff\nquota\t0\nsync\tstandard\n")
                .expect("property lines");
        assert_eq!(
            compare_properties("dataset t/d", &want, &got),
            [
                "dataset t/d: sync is standard, expected disabled",
                "dataset t/d: atime is not reported",
            ]
        );
    }
}
