//! Command-line interface: clap types only.

use std::num::NonZeroU32;
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
    /// Summarise a fill's JSON-lines log and plot its throughput over time as SVG.
    Report {
        /// The log `zlab fill` wrote (JSON lines).
        log: PathBuf,
        /// Where to write the SVG plot [default: the log's path with `.svg`].
        #[arg(short, long, value_name = "OUT.svg")]
        output: Option<PathBuf>,
        /// Files in the rolling average, recomputed from the log.
        #[arg(long, value_name = "N", default_value = "60")]
        window: NonZeroU32,
    },
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
