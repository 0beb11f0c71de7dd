//! zlab: build ZFS storage labs from declarative YAML scenarios.
//!
//! The data flows one way: [`scenario`] (parse YAML into located types) →
//! [`validate`] (every rule, all errors at once) → [`plan`] (ordered, typed steps,
//! each with its exact command) → execute (through [`system::System`]) → teardown.

pub mod capacity;
pub mod cli;
mod cmd;
pub mod diag;
pub mod error;
pub mod exec;
pub mod fill;
pub mod host;
pub mod lab;
pub mod plan;
pub mod progress;
pub mod report;
pub mod rig;
pub mod scenario;
pub mod system;
pub mod units;
pub mod validate;
pub mod zfs;

use std::io::Write;

pub use cmd::load_lab;
pub use error::Error;

use cli::{Cli, Command, Format};

/// Runs one command line; output goes to `out`, problems come back as [`Error`].
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<(), Error> {
    match cli.command {
        Command::Validate {
            files,
            portable,
            zfs_version,
        } => cmd::validate::run(&files, &cmd::host_facts(portable, zfs_version), out),
        Command::Plan {
            file,
            format,
            portable,
            zfs_version,
        } => cmd::plan::run(&file, format, &cmd::host_facts(portable, zfs_version), out),
        Command::Up {
            file,
            dry_run: true,
            zfs_version,
            ..
        } => cmd::plan::run(
            &file,
            Format::Text,
            &cmd::host_facts(false, zfs_version),
            out,
        ),
        Command::Up {
            file,
            no_fill,
            zfs_version,
            ..
        } => cmd::up::run(&file, no_fill, zfs_version),
        Command::Down { file, keep_files } => cmd::down::run(&file, keep_files),
        Command::Status { file } => cmd::status::run(&file, out),
        Command::Fill { file } => cmd::fill::run(&file),
        Command::Capacity {
            file: Some(file),
            format,
            portable,
            ..
        } => cmd::capacity::scenario(&file, format, portable, out),
        Command::Capacity {
            file: None,
            format,
            drives,
            size,
            ashift,
            parity,
            max_spares,
            recordsize,
            ..
        } => {
            let search = zfs::capacity::layouts::Search {
                drives: drives.unwrap_or_default(),
                size: size.map_or(0, |s| s.bytes()),
                ashift,
                parity,
                max_spares,
            };
            cmd::capacity::layouts(&search, recordsize, format, out)
        }
        Command::Report {
            log,
            output,
            window,
        } => cmd::report::run(&log, output.as_deref(), window, out),
        Command::Rig { command } => cmd::rig::run(command, out),
    }
}
