//! How many files a fill writes. `75%` is of the pool's usable capacity as ZFS
//! reports it at run time — USED + AVAIL of the pool's root dataset
//! (`zfs list -Hp`), what `df` and the recipe call the pool's size, after
//! parity, dRAID spares and slop space — never a guess from drive sizes.
//! For a directory that is not a dataset it is the filesystem's size (`df`).

use std::path::Path;

use crate::plan::command::CommandLine;
use crate::scenario::model::FillTarget;
use crate::system::{CommandError, System};

/// Space on the filesystem or pool being filled, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Capacity {
    /// Usable size: USED + AVAIL.
    pub size: u64,
    /// In use before the fill starts.
    pub used: u64,
}

/// The number of files that reach `until`:
/// - a percentage: the files that fit between what is used and that share of
///   the capacity, rounded down — a capacity target is a ceiling; `file_size`
///   is then what a file is charged in pool space, where the planner knows it;
/// - a size: enough files to write at least that much, rounded up;
/// - a count: itself.
pub(crate) fn files_for(
    until: FillTarget,
    file_size: u64,
    capacity: Option<Capacity>,
) -> Option<u64> {
    let file_size = file_size.max(1);
    match until {
        FillTarget::Files(n) => Some(n),
        FillTarget::Bytes(size) => Some(size.bytes().div_ceil(file_size)),
        FillTarget::Percent(hundredths) => {
            let c = capacity?;
            let target = u128::from(c.size) * u128::from(hundredths) / 10_000;
            let room = target.saturating_sub(u128::from(c.used));
            u64::try_from(room / u128::from(file_size)).ok()
        }
    }
}

/// The pool's capacity from its root dataset: `zfs list -Hp -o used,avail POOL`.
pub(crate) fn pool_capacity(sys: &dyn System, pool: &str) -> Result<Capacity, CommandError> {
    let cmd = CommandLine::new("zfs")
        .args(["list", "-Hp", "-o", "used,avail"])
        .arg(pool);
    let out = sys.run(&cmd)?;
    parse_pair(&out.stdout, '\t')
        .ok_or_else(|| CommandError::unparsable(&cmd, &out.stdout, "expected two byte counts"))
}

/// A directory's filesystem: `df -B1 --output=used,avail DIR`.
pub(crate) fn fs_capacity(sys: &dyn System, dir: &Path) -> Result<Capacity, CommandError> {
    let cmd = CommandLine::new("df")
        .args(["-B1", "--output=used,avail"])
        .arg(dir.to_string_lossy());
    let out = sys.run(&cmd)?;
    out.stdout
        .lines()
        .nth(1)
        .and_then(|l| parse_pair(l, ' '))
        .ok_or_else(|| CommandError::unparsable(&cmd, &out.stdout, "expected two byte counts"))
}

fn parse_pair(text: &str, sep: char) -> Option<Capacity> {
    let mut fields = text
        .trim()
        .split(sep)
        .filter(|f| !f.is_empty())
        .map(str::parse::<u64>);
    let used = fields.next()?.ok()?;
    let avail = fields.next()?.ok()?;
    Some(Capacity {
        size: used.checked_add(avail)?,
        used,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::size::Size;
    use crate::system::fake::FakeSystem;

    const GIB: u64 = 1 << 30;
    const TIB: u64 = 1 << 40;

    #[test]
    fn the_recipes_453120_files_are_75_percent_of_590_tib() {
        // The recipe: "75% of 14TB, 3x(16+3)+1 [ZFS sees 590 TiB], use 453120".
        let c = Capacity {
            size: 590 * TIB,
            used: 0,
        };
        assert_eq!(
            files_for(FillTarget::Percent(7500), GIB, Some(c)),
            Some(453_120)
        );
    }

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
        let files = files_for(FillTarget::Percent(7500), GIB, Some(c)).expect("files");
        assert_eq!(files, 469_163);
        // 75 % reached, and one more file would pass it.
        let target = c.size / 4 * 3;
        assert!(c.used + files * GIB <= target && c.used + (files + 1) * GIB > target);
    }

    #[test]
    fn a_percentage_counts_what_is_already_used() {
        let c = Capacity {
            size: 100 * GIB,
            used: 10 * GIB,
        };
        assert_eq!(files_for(FillTarget::Percent(5000), GIB, Some(c)), Some(40));
        let full = Capacity {
            size: 100 * GIB,
            used: 90 * GIB,
        };
        assert_eq!(
            files_for(FillTarget::Percent(5000), GIB, Some(full)),
            Some(0)
        );
        assert_eq!(files_for(FillTarget::Percent(5000), GIB, None), None);
    }

    #[test]
    fn a_size_is_reached_and_a_count_is_exact() {
        let ten_tb = FillTarget::Bytes(Size::from_bytes(10_000_000_000_000));
        assert_eq!(files_for(ten_tb, GIB, None), Some(9314));
        assert_eq!(
            files_for(FillTarget::Files(453_120), GIB, None),
            Some(453_120)
        );
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
            Capacity {
                size: 10_000,
                used: 1000
            }
        );
    }
}
