//! The plan: an ordered list of typed steps, each with its exact command line.

pub(crate) mod build;
pub(crate) mod render;
pub(crate) mod step;
pub(crate) mod undo;

pub(crate) use build::{Plan, build};
