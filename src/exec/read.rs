//! Reading OpenZFS through the `System`: which release is installed, and a
//! pool's topology with the reader that release needs. The parsers are in
//! `zfs/` (`version.rs`, `topology/`); this is where commands are run.

use std::path::Path;

use crate::system::command::CommandLine;
use crate::system::{CommandError, System};
use crate::zfs::topology::{self, ParseError, Reader, Topology, is_unknown_option};
use crate::zfs::version::{Installed, ZfsVersion, parse_zfs_version};

const MODULE_VERSION: &str = "/sys/module/zfs/version";

/// The installed OpenZFS, asked once. Nothing here fails: what cannot be read
/// stays unknown, and rules that need a version then do not apply.
pub(crate) fn installed(sys: &dyn System) -> Installed {
    let kernel = sys
        .read_to_string(Path::new(MODULE_VERSION))
        .ok()
        .and_then(|t| t.trim().parse().ok());
    // `zfs version` prints the userland line first and fails without the
    // module, so only its stdout on success is read.
    let userland = sys
        .run(&CommandLine::new("zfs").arg("version"))
        .ok()
        .and_then(|o| parse_zfs_version(&o.stdout).0);
    Installed { userland, kernel }
}

/// Reads one pool's topology with the reader its release needs (`userland`:
/// the tools' version, if known). Without a known version it tries JSON and
/// falls back to text only when zpool says it does not know the option; any
/// other failure is an error, never an empty pool. JSON that lacks a vdev's
/// state (2.3 and 2.4 print dRAID vdevs without one) is completed by reading
/// the text instead.
pub(crate) fn topology(
    sys: &dyn System,
    pool: &str,
    userland: Option<&ZfsVersion>,
    now: u64,
) -> Result<Topology, CommandError> {
    let text = || {
        let cmd = CommandLine::new("zpool").args(["status", "-P"]).arg(pool);
        let out = sys.run(&cmd)?;
        topology::text::parse(&out.stdout, pool)
            .map_err(|e| CommandError::unparsable(&cmd, &out.stdout, e))
    };
    let json = || {
        let cmd = CommandLine::new("zpool")
            .args(["status", "-jP", "--json-int"])
            .arg(pool);
        let out = sys.run(&cmd)?;
        match topology::json::parse(&out.stdout, pool, now) {
            // Incomplete JSON (a dRAID vdev's state): the text has it all.
            Err(ParseError::NoState(_)) => text(),
            read => read.map_err(|e| CommandError::unparsable(&cmd, &out.stdout, e)),
        }
    };
    match Reader::for_version(userland) {
        Some(Reader::Json) => json(),
        Some(Reader::Text) => text(),
        None => match json() {
            Err(CommandError::Failed { stderr, .. }) if is_unknown_option(&stderr) => text(),
            other => other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::fake::FakeSystem;

    const TEXT: &str = "  pool: t\n state: ONLINE\nconfig:\n\n\tNAME          STATE     READ WRITE CKSUM\n\tt             ONLINE       0     0     0\n\t  /dev/loop0  ONLINE       0     0     0\n\nerrors: No known data errors\n";

    #[test]
    fn unknown_version_falls_back_to_text_when_json_is_refused() {
        let sys = FakeSystem::new();
        sys.expect_failure(
            "zpool status -jP --json-int t",
            "invalid option 'j'\nusage:\n",
        );
        sys.expect("zpool status -P t", TEXT);
        let t = topology(&sys, "t", None, 0).expect("read");
        assert_eq!(t.data[0].devices(), ["/dev/loop0"]);
    }

    #[test]
    fn a_failing_probe_is_an_error_not_an_empty_pool() {
        let sys = FakeSystem::new();
        sys.expect_failure(
            "zpool status -jP --json-int t",
            "cannot open 't': no such pool",
        );
        assert!(topology(&sys, "t", None, 0).is_err());
        let sys = FakeSystem::new();
        sys.expect("zpool status -P t", "no pools available\n");
        let old = "2.1.11".parse::<ZfsVersion>().expect("version");
        assert!(matches!(
            topology(&sys, "t", Some(&old), 0),
            Err(CommandError::Unparsable { .. })
        ));
    }

    #[test]
    fn reads_module_and_tools_and_takes_the_older() {
        let sys = FakeSystem::new();
        sys.write_atomic(Path::new(MODULE_VERSION), b"2.1.11-1\n")
            .expect("fake");
        sys.expect("zfs version", "zfs-2.3.2-2~bpo12+2\nzfs-kmod-2.1.11-1\n");
        let found = installed(&sys);
        assert_eq!(found.effective(), Some(&"2.1.11".parse().expect("version")));
        assert!(
            found.mismatch().is_some_and(
                |m| m.contains("tools are 2.3.2 but the loaded kernel module is 2.1.11")
            )
        );
    }

    #[test]
    fn without_the_module_only_the_tools_are_known() {
        let sys = FakeSystem::new();
        sys.expect_failure("zfs version", "zfs_version_kernel() failed: No such file");
        let found = installed(&sys);
        assert_eq!(found, Installed::default());
        assert_eq!(found.effective(), None);
        assert_eq!(found.mismatch(), None);
    }
}
