//! Execution: run a plan through a `System`, journal what is created, undo it.

pub(crate) mod confirm;
pub(crate) mod down;
pub(crate) mod event;
pub(crate) mod from_system;
pub(crate) mod guard;
pub(crate) mod identity;
pub(crate) mod journal;
pub(crate) mod read;
pub(crate) mod status;
pub(crate) mod up;
pub(crate) mod verify;

pub(crate) use down::down;
pub(crate) use up::up;
