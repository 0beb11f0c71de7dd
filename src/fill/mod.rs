//! Fill runs: fill a dataset or directory to a target with incompressible,
//! undedupable data as fast as it takes it, log every file, resume after any
//! interruption, and always put the dataset's properties back.
//!
//! [`target`] decides the file count, [`data`] makes the bytes, [`engine`]
//! writes them from parallel streams, [`resume`] and [`log`] know what is
//! done, [`props`] and [`state`] keep the properties recoverable, [`run`]
//! ties them together and reports [`event::FillEvent`]s.

pub mod data;
pub mod engine;
pub mod event;
pub mod log;
pub mod props;
pub mod resume;
pub mod run;
pub mod state;
pub mod stats;
pub mod target;

pub use run::{FillError, release, run, run_until};
