//! What the rig reports while it builds and boots; `progress::rig` shows it.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RigEvent {
    /// A line from `build-guest.sh` (apt, DKMS, packing the initramfs).
    BuildLine(String),
    /// The guest image is in the cache (just built, or found there).
    GuestReady {
        built: bool,
    },
    /// Booting reached stage `index` of `total`.
    BootStage {
        index: usize,
        total: usize,
        stage: &'static str,
    },
    /// The guest serves commands.
    Booted {
        elapsed: Duration,
    },
    Note(String),
}
