//! Where the rig keeps its guest images, scripts and VM state, and the rig
//! scripts themselves: they are compiled into zlab and written out on use, so
//! an installed `zlab` needs no source tree, and each guest's cache key (a hash
//! of its recipe, the build scripts and init) is the same as the repository's.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::error::RigError;

/// The scripts `rig/build-guest.sh` needs beside it, with their modes.
const SCRIPTS: [(&str, &str, u32); 8] = [
    (
        "guest-2.1.conf",
        include_str!("../../rig/guest-2.1.conf"),
        0o644,
    ),
    (
        "guest-2.3.conf",
        include_str!("../../rig/guest-2.3.conf"),
        0o644,
    ),
    (
        "guest-2.4.conf",
        include_str!("../../rig/guest-2.4.conf"),
        0o644,
    ),
    ("lib.sh", include_str!("../../rig/lib.sh"), 0o644),
    (
        "build-zfs.sh",
        include_str!("../../rig/build-zfs.sh"),
        0o755,
    ),
    (
        "build-guest.sh",
        include_str!("../../rig/build-guest.sh"),
        0o755,
    ),
    (
        "host-setup.sh",
        include_str!("../../rig/host-setup.sh"),
        0o755,
    ),
    ("init", include_str!("../../rig/init"), 0o755),
];

/// The rig's cache directory, chosen as `rig/build-guest.sh` chooses it.
#[derive(Debug, Clone)]
pub(crate) struct Cache {
    pub root: PathBuf,
}

impl Cache {
    /// `$ZLAB_RIG_CACHE`, else `$XDG_CACHE_HOME/zlab/rig`, else `$HOME/.cache/zlab/rig`.
    pub(crate) fn locate() -> Result<Cache, RigError> {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        root_from(var("ZLAB_RIG_CACHE"), var("XDG_CACHE_HOME"), var("HOME"))
            .map(|root| Cache { root })
            .ok_or(RigError::NoCacheDir)
    }

    /// The state directory of the VM `rig up` starts: `$ZLAB_RIG_VM`, else `<cache>/vm`.
    pub(crate) fn vm_dir(&self) -> PathBuf {
        std::env::var_os("ZLAB_RIG_VM")
            .filter(|v| !v.is_empty())
            .map_or_else(|| self.root.join("vm"), PathBuf::from)
    }

    /// Writes the embedded rig scripts to `<cache>/scripts/` (only what
    /// changed, atomically) and returns the directory.
    pub(crate) fn install_scripts(&self) -> Result<PathBuf, RigError> {
        let dir = self.root.join("scripts");
        std::fs::create_dir_all(&dir).map_err(RigError::io("create", &dir))?;
        for (name, text, mode) in SCRIPTS {
            let path = dir.join(name);
            if std::fs::read_to_string(&path).is_ok_and(|old| old == text) {
                continue;
            }
            write_file(&path, text.as_bytes(), mode)?;
        }
        Ok(dir)
    }
}

/// Replaces a file atomically (temp file, mode, rename): two zlab processes may
/// install the scripts at once.
pub(crate) fn write_file(path: &Path, content: &[u8], mode: u32) -> Result<(), RigError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let written = tempfile::NamedTempFile::new_in(dir).and_then(|mut tmp| {
        tmp.write_all(content)?;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    });
    written.map_err(RigError::io("write", path))
}

fn root_from(
    rig_cache: Option<std::ffi::OsString>,
    xdg_cache: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> Option<PathBuf> {
    rig_cache
        .map(PathBuf::from)
        .or_else(|| xdg_cache.map(|x| Path::new(&x).join("zlab/rig")))
        .or_else(|| home.map(|h| Path::new(&h).join(".cache/zlab/rig")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_follows_build_guest_sh_precedence() {
        let s = |t: &str| Some(t.into());
        assert_eq!(
            root_from(s("/c"), s("/x"), s("/h")),
            Some(PathBuf::from("/c"))
        );
        assert_eq!(
            root_from(None, s("/x"), s("/h")),
            Some(PathBuf::from("/x/zlab/rig"))
        );
        assert_eq!(
            root_from(None, None, s("/h")),
            Some(PathBuf::from("/h/.cache/zlab/rig"))
        );
        assert_eq!(root_from(None, None, None), None);
    }

    #[test]
    fn scripts_are_written_once_with_their_modes() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = Cache {
            root: tmp.path().to_path_buf(),
        };
        let dir = cache.install_scripts().expect("install");
        let build = std::fs::metadata(dir.join("build-guest.sh")).expect("written");
        assert_eq!(build.permissions().mode() & 0o777, 0o755);
        let init = std::fs::read_to_string(dir.join("init")).expect("init");
        assert_eq!(init, include_str!("../../rig/init"));
        let before = std::fs::metadata(dir.join("init"))
            .and_then(|m| m.modified())
            .expect("mtime");
        cache.install_scripts().expect("again");
        let after = std::fs::metadata(dir.join("init"))
            .and_then(|m| m.modified())
            .expect("mtime");
        assert_eq!(before, after, "an unchanged script is not rewritten");
    }
}
