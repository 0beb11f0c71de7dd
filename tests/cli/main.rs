//! Command-line behaviour, plan snapshots of every shipped scenario, and diagnostics.

mod cli;
mod report;
mod scenarios;
