//! What proves that a resource is the one zlab made: a file's device and
//! inode, a loop device's backing inode, a pool's GUID, a mount's ID and
//! device, the loaded brd module's sysfs inode in this boot. Names and numbers
//! (`/z/disk0.img`, `/dev/loop3`, `tank`) prove nothing: another file can take
//! a path, a loop device can be re-attached under another number, a pool can
//! be made again under the same name.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::system::command::CommandLine;
use crate::system::mountinfo;
use crate::system::{CommandError, FileKind, FileStat, System};
use crate::zfs::output;

/// A file or directory by identity: the filesystem's device and the inode,
/// with the size it had when recorded (for people; sizes change).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileId {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
}

impl FileId {
    pub(crate) fn of(stat: &FileStat) -> FileId {
        FileId {
            dev: stat.dev,
            ino: stat.ino,
            size: stat.size,
        }
    }

    /// Whether `stat` is this file (same device and inode).
    pub(crate) fn is(&self, stat: &FileStat) -> bool {
        self.dev == stat.dev && self.ino == stat.ino
    }
}

impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "inode {} on device {}:{}",
            self.ino,
            major(self.dev),
            minor(self.dev)
        )
    }
}

/// Whether the file at `path` is still `id`; the reason when it is not.
pub(crate) fn check_file(
    sys: &dyn System,
    path: &Path,
    id: &FileId,
) -> Result<Match, CommandError> {
    Ok(match sys.stat(path)? {
        None => Match::Gone,
        Some(s) if s.kind != FileKind::Regular && s.kind != FileKind::Dir => {
            Match::Differs(format!("{} is now {}", path.display(), s.kind))
        }
        Some(s) if id.is(&s) => Match::Same,
        Some(s) => Match::Differs(format!(
            "{} is another file now ({}, {} bytes; zlab made {})",
            path.display(),
            FileId::of(&s),
            s.size,
            id
        )),
    })
}

/// The answer of an identity check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Match {
    Same,
    Gone,
    /// Something else has the name: the reason, for people.
    Differs(String),
}

/// An attached loop device and the file it holds, by inode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoopDevice {
    pub device: PathBuf,
    /// The backing file's filesystem device and inode.
    pub dev: u64,
    pub ino: u64,
    /// The backing file's name as the kernel has it (`… (deleted)` once removed).
    pub file: String,
}

/// Every attached loop device with its backing file's identity (the kernel's
/// `LOOP_GET_STATUS64`, which `losetup` reads: sysfs has only the name).
pub(crate) fn loop_devices(sys: &dyn System) -> Result<Vec<LoopDevice>, CommandError> {
    let cmd = CommandLine::new("losetup").args([
        "--list",
        "--json",
        "--output",
        "NAME,BACK-INO,BACK-MAJ:MIN,BACK-FILE",
    ]);
    let out = sys.run(&cmd)?;
    // No loop device at all: losetup prints nothing.
    if out.stdout.trim().is_empty() {
        return Ok(Vec::new());
    }
    let bad = |why: &str| CommandError::unparsable(&cmd, &out.stdout, why);
    let json: serde_json::Value =
        serde_json::from_str(&out.stdout).map_err(|e| bad(&e.to_string()))?;
    let list = json["loopdevices"]
        .as_array()
        .ok_or_else(|| bad("no `loopdevices` list"))?;
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    };
    list.iter()
        .map(|l| {
            let ino = text(&l["back-ino"])
                .parse()
                .map_err(|_| bad("`back-ino` is not a number"))?;
            let (maj, min) = text(&l["back-maj:min"])
                .split_once(':')
                .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
                .ok_or_else(|| bad("`back-maj:min` is not MAJOR:MINOR"))?;
            Ok(LoopDevice {
                device: PathBuf::from(text(&l["name"])),
                dev: makedev(maj, min),
                ino,
                file: text(&l["back-file"]),
            })
        })
        .collect()
}

impl LoopDevice {
    /// Whether its backing file is the file `id` (same device and inode).
    pub(crate) fn holds(&self, id: &FileId) -> bool {
        self.dev == id.dev && self.ino == id.ino
    }
}

/// The loop devices holding the file `id`, whatever their numbers.
pub(crate) fn loops_holding(sys: &dyn System, id: &FileId) -> Result<Vec<PathBuf>, CommandError> {
    Ok(loop_devices(sys)?
        .into_iter()
        .filter(|l| l.holds(id))
        .map(|l| l.device)
        .collect())
}

/// A pool by identity: its GUID, which a pool made again under the same name
/// does not share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct PoolGuid(pub u64);

impl fmt::Display for PoolGuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "guid {}", self.0)
    }
}

/// The GUID of the imported pool `name`, `None` if no such pool is imported.
/// Any other failure is an error: a probe that fails never reads as "absent".
pub(crate) fn pool_guid(sys: &dyn System, name: &str) -> Result<Option<PoolGuid>, CommandError> {
    let cmd = CommandLine::new("zpool")
        .args(["get", "-Hp", "-o", "value", "guid"])
        .arg(name);
    match sys.run(&cmd) {
        Ok(out) => out
            .stdout
            .trim()
            .parse()
            .map(|g| Some(PoolGuid(g)))
            .map_err(|_| CommandError::unparsable(&cmd, &out.stdout, "expected a number")),
        Err(CommandError::Failed { stderr, .. }) if stderr.contains("no such pool") => Ok(None),
        Err(e) => Err(e),
    }
}

/// A volume (zvol) by identity: its dataset GUID, which a volume made again
/// under the same name does not share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct VolumeGuid(pub u64);

impl fmt::Display for VolumeGuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "guid {}", self.0)
    }
}

/// The GUID of the volume `name` (`pool/vol`), `None` if there is no such
/// dataset. Any other failure is an error.
pub(crate) fn volume_guid(
    sys: &dyn System,
    name: &str,
) -> Result<Option<VolumeGuid>, CommandError> {
    let cmd = CommandLine::new("zfs")
        .args(["get", "-Hp", "-o", "property,value", "guid"])
        .arg(name);
    match sys.run(&cmd) {
        Ok(out) => output::properties(&out.stdout)
            .ok()
            .and_then(|p| p.into_iter().find(|p| p.name == "guid"))
            .and_then(|p| p.value.parse().ok())
            .map(|g| Some(VolumeGuid(g)))
            .ok_or_else(|| {
                CommandError::unparsable(&cmd, &out.stdout, "expected `guid<TAB>number`")
            }),
        Err(CommandError::Failed { stderr, .. }) if stderr.contains("dataset does not exist") => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Whether the volume `name` is still the one with `guid`.
pub(crate) fn check_volume(
    sys: &dyn System,
    name: &str,
    guid: VolumeGuid,
) -> Result<Match, CommandError> {
    Ok(match volume_guid(sys, name)? {
        None => Match::Gone,
        Some(now) if now == guid => Match::Same,
        Some(now) => Match::Differs(format!(
            "volume `{name}` has {now}, not the {guid} this lab created"
        )),
    })
}

/// udev's helper that asks a `/dev/zdN` which volume it is (the kernel's
/// `BLKZNAME`), shipped with OpenZFS wherever zvols exist: in `/usr/lib/udev`
/// on merged-/usr systems (Debian 12 and later, RHEL), else `/lib/udev`.
const ZVOL_ID: [&str; 2] = ["/usr/lib/udev/zvol_id", "/lib/udev/zvol_id"];

/// The `/dev/zdN` of the volume `name`, asked of each zvol device itself, so
/// it needs no udev and no `/dev/zvol` links. `None` while the kernel has not
/// made it yet: OpenZFS creates a volume's device after `zfs create` returns.
pub(crate) fn zvol_device(sys: &dyn System, name: &str) -> Result<Option<PathBuf>, CommandError> {
    let zvol_id = ZVOL_ID
        .into_iter()
        .find(|p| sys.exists(Path::new(p)))
        .unwrap_or(ZVOL_ID[0]);
    let list =
        CommandLine::new("lsblk").args(["--nodeps", "--noheadings", "--list", "--output", "NAME"]);
    let out = sys.run(&list)?;
    // zvol_id writes blanks as `+`, as udev names the links.
    let wanted = name.replace([' ', '\t'], "+");
    for disk in out.stdout.split_whitespace().filter(|d| {
        d.strip_prefix("zd")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    }) {
        let device = PathBuf::from(format!("/dev/{disk}"));
        let id = CommandLine::new(zvol_id).arg(device.to_string_lossy());
        // A volume destroyed meanwhile can no longer answer: not this one.
        if let Ok(o) = sys.run(&id)
            && o.stdout.trim() == wanted
        {
            return Ok(Some(device));
        }
    }
    Ok(None)
}

/// A mount by identity: the kernel's mount ID and the device it mounts. IDs
/// are reused once a mount is gone, so the device must match too: a mount
/// made again of another device is not the lab's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MountId {
    pub id: u64,
    pub major: u64,
    pub minor: u64,
    /// What was mounted (`/dev/loop4p1`), for people.
    pub source: String,
}

impl MountId {
    pub(crate) fn of(m: &mountinfo::Mount) -> MountId {
        MountId {
            id: m.id,
            major: m.major,
            minor: m.minor,
            source: m.source.clone(),
        }
    }
}

impl fmt::Display for MountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "mount {} of {} ({}:{})",
            self.id, self.source, self.major, self.minor
        )
    }
}

/// Whether what is mounted on `path` is still the mount `id`.
pub(crate) fn check_mount(
    sys: &dyn System,
    path: &Path,
    id: &MountId,
) -> Result<Match, CommandError> {
    Ok(match mountinfo::at(sys, path)? {
        None => Match::Gone,
        Some(m) if m.id == id.id && m.major == id.major && m.minor == id.minor => Match::Same,
        Some(m) => Match::Differs(format!(
            "{} has {} mounted on it now; the lab made {id}",
            path.display(),
            MountId::of(&m)
        )),
    })
}

/// The brd module by identity: its `/sys/module/brd` directory's inode in
/// this boot. kernfs gives a module's directory a new inode each time it is
/// loaded, and the boot ID tells one boot's inode numbers from another's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BrdId {
    pub boot: String,
    pub ino: u64,
}

impl fmt::Display for BrdId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "brd loaded as inode {} in boot {}", self.ino, self.boot)
    }
}

const BRD: &str = "/sys/module/brd";
const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";

/// The loaded brd's identity; `None` when brd is not loaded.
pub(crate) fn brd(sys: &dyn System) -> Result<Option<BrdId>, CommandError> {
    let Some(stat) = sys.stat(Path::new(BRD))? else {
        return Ok(None);
    };
    let boot = sys.read_to_string(Path::new(BOOT_ID))?.trim().to_owned();
    Ok(Some(BrdId {
        boot,
        ino: stat.ino,
    }))
}

/// Whether the loaded brd is still `id`.
pub(crate) fn check_brd(sys: &dyn System, id: &BrdId) -> Result<Match, CommandError> {
    Ok(match brd(sys)? {
        None => Match::Gone,
        Some(now) if now == *id => Match::Same,
        Some(now) => Match::Differs(format!(
            "brd was loaded again since the lab loaded it ({now}; the lab loaded {id})"
        )),
    })
}

/// glibc's `makedev`: `st_dev` from a major and minor number.
fn makedev(major: u64, minor: u64) -> u64 {
    ((major & 0xfff) << 8) | ((major & !0xfff) << 32) | (minor & 0xff) | ((minor & !0xff) << 12)
}

fn major(dev: u64) -> u64 {
    ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff)
}

fn minor(dev: u64) -> u64 {
    (dev & 0xff) | ((dev >> 12) & !0xff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::fake::FakeSystem;

    const LOSETUP: &str = "losetup --list --json --output NAME,BACK-INO,BACK-MAJ:MIN,BACK-FILE";

    #[test]
    fn device_numbers_round_trip_as_glibc_encodes_them() {
        // `stat -c %d` of a file on 254:0 (measured on the host).
        assert_eq!(makedev(254, 0), 65024);
        let big = makedev(259, 300_000);
        assert_eq!((major(big), minor(big)), (259, 300_000));
    }

    #[test]
    fn loop_devices_are_matched_by_backing_inode_not_by_name() {
        let sys = FakeSystem::new();
        // util-linux 2.38 pads maj:min; a deleted file keeps its inode.
        sys.expect(
            LOSETUP,
            r#"{"loopdevices":[
              {"name":"/dev/loop0","back-ino":10010642,"back-maj:min":"     254:0  ","back-file":"/z/a.img (deleted)"},
              {"name":"/dev/loop4","back-ino":"77","back-maj:min":"0:33","back-file":"/z/a.img"}]}"#,
        );
        let id = FileId {
            dev: 65024,
            ino: 10_010_642,
            size: 0,
        };
        assert_eq!(
            loops_holding(&sys, &id).expect("listed"),
            [PathBuf::from("/dev/loop0")]
        );
    }

    #[test]
    fn no_loop_device_prints_nothing() {
        let sys = FakeSystem::new();
        sys.expect(LOSETUP, "");
        assert_eq!(loop_devices(&sys).expect("listed"), []);
    }

    #[test]
    fn a_failing_losetup_is_an_error_not_an_empty_list() {
        let sys = FakeSystem::new();
        sys.expect_failure(LOSETUP, "losetup: cannot open /dev/loop-control");
        assert!(loop_devices(&sys).is_err());
    }

    #[test]
    fn a_missing_pool_has_no_guid_but_a_failing_zpool_is_an_error() {
        let sys = FakeSystem::new();
        sys.expect_failure(
            "zpool get -Hp -o value guid tank",
            "cannot open 'tank': no such pool",
        )
        .expect_failure(
            "zpool get -Hp -o value guid tank",
            "The ZFS modules are not loaded.",
        )
        .expect("zpool get -Hp -o value guid tank", "1234\n");
        assert_eq!(pool_guid(&sys, "tank").expect("absent"), None);
        assert!(pool_guid(&sys, "tank").is_err());
        assert_eq!(pool_guid(&sys, "tank").expect("guid"), Some(PoolGuid(1234)));
    }

    #[test]
    fn a_file_replaced_under_its_name_differs() {
        let sys = FakeSystem::new();
        let id = FileId {
            dev: 1,
            ino: 2,
            size: 3,
        };
        let path = Path::new("/z/a.img");
        assert_eq!(check_file(&sys, path, &id).expect("stat"), Match::Gone);
        let mut stat = FileStat {
            kind: FileKind::Regular,
            dev: 1,
            ino: 2,
            size: 9,
        };
        sys.set_stat("/z/a.img", stat);
        assert_eq!(check_file(&sys, path, &id).expect("stat"), Match::Same);
        stat.ino = 5;
        sys.set_stat("/z/a.img", stat);
        assert!(matches!(
            check_file(&sys, path, &id).expect("stat"),
            Match::Differs(_)
        ));
        stat.kind = FileKind::Symlink;
        stat.ino = 2;
        sys.set_stat("/z/a.img", stat);
        assert_eq!(
            check_file(&sys, path, &id).expect("stat"),
            Match::Differs("/z/a.img is now a symbolic link".into())
        );
    }

    #[test]
    fn a_mount_is_the_labs_while_its_id_and_device_match() {
        let sys = FakeSystem::new();
        let path = Path::new("/mnt/lab");
        let ours = MountId {
            id: 312,
            major: 259,
            minor: 1,
            source: "/dev/loop4p1".into(),
        };
        let mounts = |line: &str| {
            sys.write_atomic(Path::new("/proc/self/mountinfo"), line.as_bytes())
                .expect("fake");
        };
        mounts("312 25 259:1 / /mnt/lab rw - ext4 /dev/loop4p1 rw\n");
        assert_eq!(check_mount(&sys, path, &ours).expect("read"), Match::Same);
        // The ID reused for another device's mount.
        mounts("312 25 259:2 / /mnt/lab rw - ext4 /dev/loop5p1 rw\n");
        assert!(matches!(
            check_mount(&sys, path, &ours).expect("read"),
            Match::Differs(why) if why.contains("/dev/loop5p1")
        ));
        mounts("25 1 254:0 / / rw - ext4 /dev/vda1 rw\n");
        assert_eq!(check_mount(&sys, path, &ours).expect("read"), Match::Gone);
    }

    #[test]
    fn brd_is_the_labs_while_its_sysfs_inode_and_boot_match() {
        let sys = FakeSystem::new();
        let ours = BrdId {
            boot: "b1".into(),
            ino: 4242,
        };
        assert_eq!(check_brd(&sys, &ours).expect("read"), Match::Gone);
        sys.write_atomic(Path::new(BOOT_ID), b"b1\n").expect("fake");
        sys.set_stat(BRD, FakeSystem::dir(4242));
        assert_eq!(check_brd(&sys, &ours).expect("read"), Match::Same);
        // Unloaded and loaded again: a new kernfs inode.
        sys.set_stat(BRD, FakeSystem::dir(5000));
        assert!(matches!(
            check_brd(&sys, &ours).expect("read"),
            Match::Differs(_)
        ));
    }
}
