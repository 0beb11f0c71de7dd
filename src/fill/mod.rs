//! Fill runs: fill a dataset or directory to a target with incompressible,
//! undedupable data as fast as it takes it, log every file, resume after any
//! interruption, and always put the dataset's properties back.
//!
//! [`target`] decides the file count, [`data`] makes the bytes, [`engine`]
//! writes them from parallel streams, [`resume`] and [`log`] know what is
//! done, [`props`] and [`state`] keep the properties recoverable, [`run`]
//! ties them together and reports [`event::FillEvent`]s.

pub(crate) mod data;
pub(crate) mod engine;
pub(crate) mod event;
pub(crate) mod log;
pub(crate) mod props;
pub(crate) mod resume;
pub(crate) mod run;
pub(crate) mod state;
pub(crate) mod stats;
pub(crate) mod target;

pub(crate) use run::{FillError, Release, release, run};
