//! Execution: run a plan through a `System`, journal what is created, undo it.

pub mod down;
pub mod event;
pub mod guard;
pub mod journal;
pub mod probe;
pub mod status;
pub mod up;
pub mod verify;

pub use down::down;
pub use up::up;
