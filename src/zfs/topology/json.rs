//! `zpool status -jP --json-int POOL` (OpenZFS 2.3+).
//!
//! Layout (`status_callback_json`, `vdev_stats_nvlist`, `class_vdevs_nvlist`):
//! `pools.<pool>.vdevs.<pool>` is the root vdev, its `vdevs` the data vdevs;
//! `logs`, `special`, `dedup`, `l2cache` and `spares` sit beside it, each an
//! object of vdevs keyed by name (serde_json keeps their order). Notes are
//! worded as the text output words them, so both readers give the same tree.

use serde_json::Value;

use super::{ParseError, State, Topology, Vdev, VdevType};
use crate::zfs::scan;

pub(crate) fn parse(text: &str, pool: &str, now: u64) -> Result<Topology, ParseError> {
    let json: Value = serde_json::from_str(text).map_err(|e| ParseError::Json(e.to_string()))?;
    let p = &json["pools"][pool];
    if !p.is_object() {
        return Err(ParseError::NoPool(pool.to_owned()));
    }
    let mut t = Topology {
        pool: pool.to_owned(),
        state: State::from_json(p["state"].as_str().unwrap_or("UNKNOWN")),
        scans: scan::from_json(&p["scan_stats"], now),
        ..Topology::default()
    };
    for top in children(&p["vdevs"][pool]["vdevs"]) {
        let vdev = vdev(top)?;
        match top["class"].as_str() {
            Some("special") => t.special.push(vdev),
            Some("dedup") => t.dedup.push(vdev),
            Some("log") => t.log.push(vdev),
            _ => t.data.push(vdev),
        }
    }
    for (key, list) in [
        ("logs", &mut t.log),
        ("special", &mut t.special),
        ("dedup", &mut t.dedup),
        ("l2cache", &mut t.cache),
        ("spares", &mut t.spares),
    ] {
        for v in children(&p[key]) {
            list.push(vdev(v)?);
        }
    }
    Ok(t)
}

fn children(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_object().into_iter().flat_map(|m| m.values())
}

fn vdev(v: &Value) -> Result<Vdev, ParseError> {
    let name = v["name"].as_str().unwrap_or_default().to_owned();
    let children = children(&v["vdevs"])
        .map(vdev)
        .collect::<Result<Vec<_>, _>>()?;
    let Some(state) = v["state"].as_str() else {
        return Err(ParseError::NoState(name));
    };
    let kind = match v["vdev_type"].as_str() {
        Some("disk" | "file") => VdevType::Leaf,
        Some("dspare") => VdevType::DistributedSpare,
        _ => VdevType::from_name(&name, !children.is_empty()),
    };
    let was = v["was"].as_str();
    let path = match kind {
        VdevType::Leaf => was
            .or_else(|| v["path"].as_str())
            .map(str::to_owned)
            .or_else(|| Some(name.clone())),
        _ => None,
    };
    let note = match (was, v["aux"].as_str()) {
        (Some(was), _) => format!("was {was}"),
        (None, Some(aux)) => aux_words(aux),
        (None, None) => String::new(),
    };
    Ok(Vdev {
        state: State::from_json(state),
        name,
        kind,
        path,
        note,
        children,
    })
}

/// `vdev_aux_str` as `print_status_config` words it.
fn aux_words(aux: &str) -> String {
    match aux {
        "OPEN_FAILED" => "cannot open",
        "BAD_GUID_SUM" => "missing device",
        "NO_REPLICAS" => "insufficient replicas",
        "VERSION_NEWER" => "newer version",
        "UNSUP_FEAT" => "unsupported feature(s)",
        "ASHIFT_TOO_BIG" => "unsupported minimum blocksize",
        "SPARED" => "currently in use",
        "ERR_EXCEEDED" => "too many errors",
        "IO_FAILURE" => "experienced I/O failures",
        "BAD_LOG" => "bad intent log",
        "EXTERNAL" => "external device fault",
        "SPLIT_POOL" => "split into new pool",
        "ACTIVE" => "currently in use",
        "CHILDREN_OFFLINE" => "all children offline",
        "BAD_LABEL" => "invalid label",
        _ => "corrupted data",
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zfs::vdev::Kind;

    /// Trimmed from real `zpool status -jP --json-int` output of OpenZFS 2.3.2.
    const STATUS: &str = r#"{"output_version":{"command":"zpool status","vers_major":0,"vers_minor":1},
      "pools":{"tank":{"name":"tank","state":"ONLINE",
        "vdevs":{"tank":{"name":"tank","vdev_type":"root","state":"ONLINE","class":"normal","vdevs":{
          "draid2:4d:8c:1s-0":{"name":"draid2:4d:8c:1s-0","vdev_type":"draid","state":"ONLINE","vdevs":{
            "/dev/loop0":{"name":"/dev/loop0","vdev_type":"disk","state":"ONLINE","path":"/dev/loop0"},
            "/dev/loop1":{"name":"/dev/loop1","vdev_type":"disk","state":"ONLINE","path":"/dev/loop1"}}},
          "/dev/loop12":{"name":"/dev/loop12","vdev_type":"disk","state":"ONLINE","path":"/dev/loop12","class":"special"}}}},
        "logs":{"mirror-1":{"name":"mirror-1","vdev_type":"mirror","state":"ONLINE","class":"log","vdevs":{
            "/dev/loop8":{"name":"/dev/loop8","vdev_type":"disk","state":"ONLINE","path":"/dev/loop8"},
            "/dev/loop9":{"name":"/dev/loop9","vdev_type":"disk","state":"ONLINE","path":"/dev/loop9"}}}},
        "l2cache":{"/dev/loop10":{"name":"/dev/loop10","vdev_type":"disk","state":"ONLINE","path":"/dev/loop10"}},
        "spares":{"/dev/loop11":{"name":"/dev/loop11","vdev_type":"disk","state":"ONLINE","path":"/dev/loop11"},
                  "draid2-0-0":{"name":"draid2-0-0","vdev_type":"dspare","state":"AVAIL","path":"draid2-0-0"}}}}}"#;

    #[test]
    fn classes_sit_beside_the_root_or_carry_a_class() {
        let t = parse(STATUS, "tank", 0).expect("parses");
        let devices = |v: &[Vdev]| v.iter().flat_map(Vdev::devices).collect::<Vec<_>>();
        assert_eq!(devices(&t.data), ["/dev/loop0", "/dev/loop1"]);
        assert_eq!(t.data[0].kind.token(), "draid2:4d:8c:1s");
        assert_eq!(t.log[0].kind, VdevType::Group(Kind::Mirror));
        assert_eq!(devices(&t.special), ["/dev/loop12"]);
        assert_eq!(devices(&t.cache), ["/dev/loop10"]);
        assert_eq!(t.spares[1].kind, VdevType::DistributedSpare);
    }

    #[test]
    fn a_vdev_without_its_state_is_incomplete() {
        let without = STATUS.replacen(r#""vdev_type":"draid","state":"ONLINE","#, "", 1);
        assert_eq!(
            parse(&without, "tank", 0),
            Err(ParseError::NoState("draid2:4d:8c:1s-0".to_owned()))
        );
    }

    #[test]
    fn not_json_and_no_pool_are_errors() {
        assert!(matches!(
            parse("usage: zpool", "t", 0),
            Err(ParseError::Json(_))
        ));
        assert_eq!(
            parse(r#"{"pools":{}}"#, "t", 0),
            Err(ParseError::NoPool("t".to_owned()))
        );
    }
}
