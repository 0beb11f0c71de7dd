//! zlab: build ZFS storage labs from declarative YAML scenarios.
//!
//! The data flows one way: [`scenario`] (parse YAML into located types) →
//! [`validate`] (every rule, all errors at once) → [`plan`] (ordered, typed steps,
//! each with its exact command) → execute (through [`system::System`]) → teardown.
//! ARCHITECTURE.md draws the modules and who may import whom.

pub(crate) mod capacity;
pub(crate) mod cli;
pub(crate) mod cmd;
pub(crate) mod device;
pub(crate) mod diag;
pub(crate) mod error;
pub(crate) mod exec;
pub(crate) mod experiment;
pub(crate) mod fill;
pub(crate) mod host;
pub(crate) mod lab;
pub(crate) mod output;
pub(crate) mod plan;
pub(crate) mod progress;
pub(crate) mod registry;
pub(crate) mod report;
pub(crate) mod rig;
pub(crate) mod scenario;
pub(crate) mod system;
pub(crate) mod units;
pub(crate) mod validate;
pub(crate) mod zfs;

use std::io::Write;

// The public surface: what the binary, the integration tests and the fuzz
// target use. Everything else is crate-private, so the compiler sees dead code.
pub use capacity::{LabCapacity, PoolCapacity, of as lab_capacity};
pub use cli::Cli;
pub use cmd::{exercise_scenario, load_lab};
pub use diag::render_all;
pub use error::{Error, JournalDefect};
pub use fill::log::Line as FillLogLine;
pub use fill::state::State as FillState;
pub use host::HostFacts;
pub use output::{Output, Palette};
pub use zfs::capacity::fill::file_cost;
pub use zfs::properties::recordsize_bytes;
pub use zfs::version::{VersionError, ZfsVersion};

use cli::{Command, Format};

/// Runs one command line; output goes to `out`, problems come back as [`Error`].
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<(), Error> {
    let say = Output::new(cli.global.quiet, cli.global.verbose, cli.global.color);
    match cli.command {
        Command::Validate {
            files,
            portable,
            zfs_version,
            format,
        } => cmd::validate::run(
            &files,
            &cmd::host_facts(portable, zfs_version),
            format,
            say,
            out,
        ),
        Command::Plan {
            file,
            format,
            portable,
            zfs_version,
        } => cmd::plan::run(&file, format, portable, zfs_version, out),
        Command::Up {
            file,
            dry_run: true,
            zfs_version,
            ..
        } => cmd::plan::run(&file, Format::Text, false, zfs_version, out),
        Command::Up {
            file,
            no_fill,
            adopt,
            yes,
            zfs_version,
            format,
            ..
        } => cmd::up::run(
            &file,
            &cmd::up::Flags {
                no_fill,
                adopt,
                yes,
                zfs_version,
            },
            cmd::Progress::new(format, say, out),
        ),
        Command::Down {
            file,
            keep_files,
            from_system,
            results,
            format,
        } => cmd::down::run(
            &file,
            keep_files,
            from_system,
            results,
            cmd::Progress::new(format, say, out),
        ),
        Command::Experiment { file, name, format } => {
            cmd::experiment::run(&file, name.as_deref(), cmd::Progress::new(format, say, out))
        }
        Command::Status { file, format } => cmd::status::run(&file, format, say, out),
        Command::Fill {
            target,
            path,
            without_scenario,
            overwrite,
            format,
        } => {
            let progress = cmd::Progress::new(format, say, out);
            let target =
                cmd::fill::Target::of(target.as_deref(), path.as_deref(), &without_scenario);
            cmd::fill::run(&target, &without_scenario, overwrite, progress)
        }
        Command::List { format } => cmd::list::run(format, out),
        Command::Completions { shell } => cmd::docs::completions(shell, out),
        Command::Man { dir } => cmd::docs::man(dir.as_deref(), out),
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
            logs,
            output,
            window,
        } => cmd::report::run(&logs, output.as_deref(), window, out),
        Command::Rig { command } => cmd::rig::run(command, out),
    }
}
