//! Real disks: before `up` touches a block device zlab did not create, the
//! device must be idle and blank — not mounted, not held (LVM, md, dm-crypt),
//! not part of an imported pool, without a partition table, filesystem or ZFS
//! label. `force: true` on the scenario's disk group overrides it, loudly.

use std::path::Path;

use serde::Deserialize;

use crate::system::command::CommandLine;
use crate::system::{CommandError, System};
use crate::zfs::output;

/// `lsblk --json` of one device and what sits on it.
#[derive(Debug, Deserialize)]
struct Tree {
    blockdevices: Vec<Node>,
}

#[derive(Debug, Deserialize)]
struct Node {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    mountpoint: Option<String>,
    #[serde(default)]
    children: Vec<Node>,
}

impl Node {
    /// Every node below and including this one, each with its parent's name.
    fn walk<'a>(&'a self, parent: Option<&'a str>, out: &mut Vec<(&'a Node, Option<&'a str>)>) {
        out.push((self, parent));
        for c in &self.children {
            c.walk(Some(&self.name), out);
        }
    }
}

/// Why `disk` is not safe to use, one reason a line; empty when it is.
/// A device that cannot be inspected (absent, not a block device) is an error.
pub(crate) fn disk_problems(sys: &dyn System, disk: &Path) -> Result<Vec<String>, CommandError> {
    let lsblk = CommandLine::new("lsblk")
        .args(["--json", "--paths", "--output", "NAME,TYPE,MOUNTPOINT"])
        .arg(disk.to_string_lossy());
    let out = sys.run(&lsblk)?;
    let tree: Tree = serde_json::from_str(&out.stdout)
        .map_err(|e| CommandError::unparsable(&lsblk, &out.stdout, e))?;
    let mut nodes = Vec::new();
    for n in &tree.blockdevices {
        n.walk(None, &mut nodes);
    }
    let in_pools = pool_devices(sys)?;
    let mut problems = Vec::new();
    for (n, parent) in nodes {
        if let Some(m) = &n.mountpoint {
            problems.push(format!("{} is mounted on {m}", n.name));
        }
        if let Some(parent) = parent
            && n.kind != "part"
        {
            problems.push(format!("{parent} is held by {} ({})", n.name, n.kind));
        }
        if let Some((_, pool)) = in_pools.iter().find(|(dev, _)| *dev == n.name) {
            problems.push(format!("{} belongs to the imported pool {pool}", n.name));
        } else {
            problems.extend(signatures(sys, &n.name)?);
        }
    }
    Ok(problems)
}

/// What libblkid finds on a device (wipefs only lists without `--all`); read
/// by probing, so it works without udev too.
fn signatures(sys: &dyn System, device: &str) -> Result<Vec<String>, CommandError> {
    #[derive(Deserialize)]
    struct Found {
        #[serde(default)]
        signatures: Vec<Signature>,
    }
    #[derive(Deserialize)]
    struct Signature {
        #[serde(rename = "type")]
        kind: String,
        label: Option<String>,
    }
    let wipefs = CommandLine::new("wipefs").arg("--json").arg(device);
    let out = sys.run(&wipefs)?;
    // wipefs prints nothing at all for a blank device.
    if out.stdout.trim().is_empty() {
        return Ok(Vec::new());
    }
    let found: Found = serde_json::from_str(&out.stdout)
        .map_err(|e| CommandError::unparsable(&wipefs, &out.stdout, e))?;
    let mut seen: Vec<String> = Vec::new();
    for s in found.signatures {
        let what = match s.kind.as_str() {
            "zfs_member" => format!(
                "an old ZFS label (pool {})",
                s.label.as_deref().unwrap_or("?")
            ),
            "gpt" | "dos" | "PMBR" => "a partition table".to_owned(),
            fs => format!("a filesystem signature ({fs})"),
        };
        let line = format!("{device} carries {what}");
        if !seen.contains(&line) {
            seen.push(line);
        }
    }
    Ok(seen)
}

/// (device, pool) for every leaf vdev of every imported pool, by real path.
/// A `zpool list` that fails is an error: it never means "in no pool".
fn pool_devices(sys: &dyn System) -> Result<Vec<(String, String)>, CommandError> {
    let list = CommandLine::new("zpool").args(["list", "-v", "-H", "-P"]);
    let out = sys.run(&list)?;
    let mut found = output::pool_leaves(&out.stdout);
    // `/dev/disk/by-id/…` names in a pool are links: compare what they point to.
    let links: Vec<(String, String)> = found
        .iter()
        .filter(|(d, _)| !d.starts_with("/dev/") || d.starts_with("/dev/disk/"))
        .cloned()
        .collect();
    if !links.is_empty() {
        let real =
            sys.run(&CommandLine::new("realpath").args(links.iter().map(|(d, _)| d.clone())))?;
        for ((_, pool), target) in links.into_iter().zip(real.stdout.lines()) {
            found.push((target.to_owned(), pool));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::fake::FakeSystem;

    const LSBLK: &str = "lsblk --json --paths --output NAME,TYPE,MOUNTPOINT /dev/vdb";

    /// A system whose lsblk shows /dev/vdb as a disk without mounts or holders.
    fn unmounted_disk() -> FakeSystem {
        let sys = FakeSystem::new();
        sys.expect(
            LSBLK,
            r#"{"blockdevices":[{"name":"/dev/vdb","type":"disk","mountpoint":null}]}"#,
        );
        sys
    }

    #[test]
    fn a_blank_disk_has_no_problems() {
        let sys = unmounted_disk();
        sys.expect("zpool list -v -H -P", "")
            .expect("wipefs --json /dev/vdb", "");
        let problems = disk_problems(&sys, Path::new("/dev/vdb")).expect("inspected");
        assert_eq!(problems, Vec::<String>::new());
    }

    #[test]
    fn mounts_holders_pools_and_signatures_are_all_reported() {
        let sys = FakeSystem::new();
        sys.expect(
            LSBLK,
            r#"{"blockdevices":[{"name":"/dev/vdb","type":"disk","mountpoint":null,
                "children":[
                  {"name":"/dev/vdb1","type":"part","mountpoint":"/srv"},
                  {"name":"/dev/vdb2","type":"part","mountpoint":null},
                  {"name":"/dev/vdb3","type":"part","mountpoint":null,
                   "children":[{"name":"/dev/mapper/vg-lv","type":"lvm","mountpoint":null}]}
                ]}]}"#,
        )
        .expect(
            "zpool list -v -H -P",
            "tank\t1G\t0\t1G\t-\t-\t0%\t0%\t1.00x\tONLINE\t-\n\tmirror-0\t1G\t0\t1G\n\t\t/dev/disk/by-id/virtio-x-part2\t-\t-\n",
        )
        .expect("realpath /dev/disk/by-id/virtio-x-part2", "/dev/vdb2\n")
        .expect(
            "wipefs --json /dev/vdb",
            r#"{"signatures":[{"device":"vdb","offset":"0x200","type":"gpt","uuid":null,"label":null},
                {"device":"vdb","offset":"0x1fe","type":"PMBR","uuid":null,"label":null}]}"#,
        )
        .expect(
            "wipefs --json /dev/vdb1",
            r#"{"signatures":[{"device":"vdb1","offset":"0x438","type":"ext4","uuid":"u","label":null}]}"#,
        )
        .expect(
            "wipefs --json /dev/vdb3",
            r#"{"signatures":[{"device":"vdb3","offset":"0x218","type":"LVM2_member","uuid":"u","label":null}]}"#,
        )
        .expect("wipefs --json /dev/mapper/vg-lv", "");
        let problems = disk_problems(&sys, Path::new("/dev/vdb")).expect("inspected");
        assert_eq!(
            problems,
            [
                "/dev/vdb carries a partition table",
                "/dev/vdb1 is mounted on /srv",
                "/dev/vdb1 carries a filesystem signature (ext4)",
                "/dev/vdb2 belongs to the imported pool tank",
                "/dev/vdb3 carries a filesystem signature (LVM2_member)",
                "/dev/vdb3 is held by /dev/mapper/vg-lv (lvm)",
            ]
        );
    }

    #[test]
    fn an_old_zfs_label_names_its_pool_once() {
        let sys = FakeSystem::new();
        sys.expect(
            "wipefs --json /dev/vdc",
            r#"{"signatures":[{"device":"vdc","offset":"0x3f000","type":"zfs_member","uuid":"1","label":"old"},
                {"device":"vdc","offset":"0x3e000","type":"zfs_member","uuid":"1","label":"old"}]}"#,
        );
        assert_eq!(
            signatures(&sys, "/dev/vdc").expect("probed"),
            ["/dev/vdc carries an old ZFS label (pool old)"]
        );
    }

    #[test]
    fn a_failing_zpool_list_is_an_error_not_in_no_pool() {
        let sys = unmounted_disk();
        sys.expect_failure("zpool list -v -H -P", "The ZFS modules are not loaded.");
        assert!(disk_problems(&sys, Path::new("/dev/vdb")).is_err());
    }

    #[test]
    fn a_failing_wipefs_is_an_error_not_blank() {
        let sys = unmounted_disk();
        sys.expect("zpool list -v -H -P", "")
            .expect_failure("wipefs --json /dev/vdb", "wipefs: /dev/vdb: probing failed");
        assert!(disk_problems(&sys, Path::new("/dev/vdb")).is_err());
    }

    #[test]
    fn a_missing_device_is_an_error() {
        let sys = FakeSystem::new();
        sys.expect_failure(LSBLK, "lsblk: /dev/vdb: not a block device");
        assert!(disk_problems(&sys, Path::new("/dev/vdb")).is_err());
    }
}
