//! The plan: an ordered list of typed steps, each with its exact command line.

pub mod build;
pub mod command;
pub mod render;
pub mod step;
pub mod undo;

pub use build::{Plan, RealDisk, build};
