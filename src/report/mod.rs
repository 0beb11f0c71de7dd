//! `zlab report`: a fill's JSON-lines log as a text summary and an SVG plot of
//! throughput over time.
//!
//! [`log`] reads the contract with the fill engine, [`scan`] condenses a log
//! in two streaming passes using [`stats`], then [`summary`] and [`svg`] render
//! the result; [`command`] ties them together for the CLI.

pub mod axis;
pub mod command;
pub mod error;
pub mod log;
pub mod scan;
pub mod stats;
pub mod summary;
pub mod svg;

pub use command::report;
pub use error::Error;
