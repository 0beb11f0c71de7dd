//! `zlab rig`: labs inside a throw-away qemu VM with virtual disks, so that no
//! ZFS (and no risk) is needed on the host. `cache` finds the cache and writes
//! the embedded rig scripts, `guest` builds the guest image, `vm` boots and
//! stops the VM, `control` and `shell` talk to it; `cmd::rig` ties them to
//! the command line.

pub mod cache;
pub mod control;
pub mod error;
pub mod event;
pub mod guest;
pub mod shell;
pub mod vm;

pub use error::RigError;
