//! Command-line behaviour, plan snapshots of every shipped scenario, and diagnostics.

mod capacity;
mod cli;
mod fill;
mod interface;
mod json;
mod readme;
mod report;
#[path = "../support/root.rs"]
mod root;
mod scenarios;
mod shell_plan;
