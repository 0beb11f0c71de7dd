//! `zlab rig`: labs inside a throw-away qemu VM with virtual disks, so that no
//! ZFS (and no risk) is needed on the host. `cache` finds the cache and writes
//! the embedded rig scripts, `guest` builds the guest image, `vm` boots and
//! stops the VM, `control` and `shell` talk to it; `cmd::rig` ties them to
//! the command line.

pub(crate) mod cache;
pub(crate) mod control;
pub(crate) mod error;
pub(crate) mod event;
pub(crate) mod guest;
pub(crate) mod shell;
pub(crate) mod vm;

pub(crate) use error::RigError;
