//! `zlab report`: a fill's JSON-lines log as a text summary and an SVG plot of
//! throughput over time; or experiments' results files as a table and a plot,
//! side by side.
//!
//! [`log`] reads the contract with the fill engine, [`scan`] condenses a log
//! in two streaming passes using [`stats`], then [`summary`] and [`svg`] render
//! the result; [`experiments`] reads the last run of each results file and
//! tabulates it, [`experiments_svg`] plots it; [`command`] ties them together
//! for the CLI.

pub(crate) mod axis;
pub(crate) mod command;
pub(crate) mod error;
pub(crate) mod experiments;
pub(crate) mod experiments_svg;
pub(crate) mod scan;
pub(crate) mod stats;
pub(crate) mod summary;
pub(crate) mod svg;

pub(crate) use command::{report, results};
pub(crate) use error::Error;
