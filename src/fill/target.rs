//! How many files a fill writes. `75%` is of the pool's usable capacity as ZFS
//! reports it at run time — USED + AVAIL of the pool's root dataset
//! (`zfs list -Hp`), what `df` and the recipe call the pool's size, after
//! parity, dRAID spares and slop space — never a guess from drive sizes.
//! For a directory that is not a dataset it is the filesystem's size (`df`).

use std::path::Path;

use crate::capacity::model::Room;
use crate::system::command::CommandLine;
use crate::system::{CommandError, System};
use crate::zfs::output::{self, ParseError};

/// The pool's capacity from its root dataset: `zfs list -Hp -o used,avail POOL`.
pub(crate) fn pool_capacity(sys: &dyn System, pool: &str) -> Result<Room, CommandError> {
    let cmd = CommandLine::new("zfs")
        .args(["list", "-Hp", "-o", "used,avail"])
        .arg(pool);
    let out = sys.run(&cmd)?;
    let unparsable = |e| CommandError::unparsable(&cmd, &out.stdout, e);
    let space = output::space(&out.stdout).map_err(unparsable)?;
    Ok(Room {
        size: space.used.checked_add(space.avail).ok_or_else(|| {
            unparsable(ParseError {
                expected: "byte counts that add up",
            })
        })?,
        used: space.used,
    })
}

/// A directory's filesystem: `df -B1 --output=used,avail DIR`.
pub(crate) fn fs_capacity(sys: &dyn System, dir: &Path) -> Result<Room, CommandError> {
    let cmd = CommandLine::new("df")
        .args(["-B1", "--output=used,avail"])
        .arg(dir.to_string_lossy());
    let out = sys.run(&cmd)?;
    out.stdout
        .lines()
        .nth(1)
        .and_then(parse_df)
        .ok_or_else(|| CommandError::unparsable(&cmd, &out.stdout, "expected two byte counts"))
}

/// `df`'s used and available bytes, separated by spaces.
fn parse_df(text: &str) -> Option<Room> {
    let mut fields = text.split_whitespace().map(str::parse::<u64>);
    let used = fields.next()?.ok()?;
    let avail = fields.next()?.ok()?;
    Some(Room {
        size: used.checked_add(avail)?,
        used,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capacity::model::files_for;
    use crate::scenario::model::FillTarget;
    use crate::system::fake::FakeSystem;

    const GIB: u64 = 1 << 30;

    #[test]
    fn n58_c3_d16_p2_s4_with_14tb_drives_as_openzfs_2_3_reports_it() {
        // `zfs list -Hp -o used,avail` of a fresh draid2:16d:58c:4s pool of
        // 58 × 14TB (ashift 12, dataset Data created), measured in the rig.
        let sys = FakeSystem::new();
        sys.expect(
            "zfs list -Hp -o used,avail N58-C3-D16-P2-S4",
            "8058960\t671680787900848\n",
        );
        let c = pool_capacity(&sys, "N58-C3-D16-P2-S4").expect("capacity");
        assert_eq!(c.size, 671_680_795_959_808); // 610.9 TiB
        let files = files_for(FillTarget::Percent(7500), GIB, None, Some(c)).expect("files");
        assert_eq!(files, 469_163);
        // 75 % reached, and one more file would pass it.
        let target = c.size / 4 * 3;
        assert!(c.used + files * GIB <= target && c.used + (files + 1) * GIB > target);
    }

    #[test]
    fn df_output_is_read() {
        let sys = FakeSystem::new();
        sys.expect(
            "df -B1 --output=used,avail /mnt/x",
            "        Used        Avail\n  1000 9000\n",
        );
        let c = fs_capacity(&sys, Path::new("/mnt/x")).expect("df");
        assert_eq!(
            c,
            Room {
                size: 10_000,
                used: 1000
            }
        );
    }
}
