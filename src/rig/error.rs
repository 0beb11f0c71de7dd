//! What can go wrong around the rig VM, with what a person needs to act on it.

use std::path::PathBuf;

use crate::system::CommandError;

#[derive(Debug, thiserror::Error)]
pub enum RigError {
    #[error("find the rig's cache directory: set ZLAB_RIG_CACHE, XDG_CACHE_HOME or HOME")]
    NoCacheDir,

    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("build the guest image: {why}{}", if last_lines.is_empty() { String::new() } else { format!("; its last lines:\n{last_lines}") })]
    Build { why: String, last_lines: String },

    #[error("start qemu: {0}")]
    Qemu(CommandError),

    #[error("boot the guest: {why}; the console's last lines ({}):\n{console}", log.display())]
    Boot {
        why: String,
        log: PathBuf,
        console: String,
    },

    #[error("a rig is already up (qemu pid {pid}, state in {}); use it, or `zlab rig down` first", dir.display())]
    AlreadyUp { pid: u32, dir: PathBuf },

    #[error("no rig is up ({} holds none); start one with `zlab rig up`", dir.display())]
    NotUp { dir: PathBuf },

    #[error("the guest stopped while running `{command}`")]
    GuestGone { command: String },

    #[error("`{command}` exited with status {status} in the guest")]
    GuestExit { command: String, status: i32 },

    #[error("share {} with the guest: {why}", path.display())]
    BadShare { path: PathBuf, why: &'static str },

    #[error("stop qemu (pid {pid}): {source}")]
    Stop { pid: u32, source: CommandError },
}

impl RigError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> RigError {
        let path = path.into();
        move |source| RigError::Io {
            action,
            path,
            source,
        }
    }
}
