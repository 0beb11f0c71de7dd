//! Execution: run a plan through a `System`, journal what is created, undo it.

pub mod confirm;
pub mod down;
pub mod event;
pub mod guard;
pub mod identity;
pub mod journal;
pub mod lock;
pub mod probe;
pub mod status;
pub mod up;
pub mod verify;

pub use down::down;
pub use up::up;
