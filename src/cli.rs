//! Command-line interface: clap types only.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Build ZFS storage labs from declarative YAML scenarios.
#[derive(Debug, Parser)]
#[command(name = "zlab", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check scenarios against every rule; report all problems at once.
    Validate {
        /// Scenario files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Skip the checks against this machine (free memory, filesystem limits).
        #[arg(long)]
        portable: bool,
    },
    /// Print the ordered steps and exact commands a scenario would run, and its teardown.
    Plan {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Skip the checks against this machine (free memory, filesystem limits).
        #[arg(long)]
        portable: bool,
    },
    /// Build the lab a scenario describes.
    Up {
        file: PathBuf,
        /// Print the plan instead of running it (same as `zlab plan`).
        #[arg(long)]
        dry_run: bool,
        /// Build the lab but leave its fills to a later `zlab fill`.
        #[arg(long)]
        no_fill: bool,
    },
    /// Show what exists of a scenario's lab.
    Status { file: PathBuf },
    /// Tear down what zlab created for a scenario, in reverse order.
    Down {
        file: PathBuf,
        /// Leave the sparse backing files in place.
        #[arg(long)]
        keep_files: bool,
    },
    /// Run a scenario's fills.
    Fill { file: PathBuf },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Numbered steps with their exact commands.
    Text,
    /// A commented bash script with `up` and `down`.
    Sh,
    /// Machine-readable.
    Json,
}
