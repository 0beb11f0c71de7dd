//! Command-line interface: clap types only.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::scenario::size::Size;

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
    /// Labs inside a throw-away qemu VM with virtual disks (no ZFS needed on this host).
    Rig {
        #[command(subcommand)]
        command: RigCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum RigCommand {
    /// Boot the rig VM with virtual disks, build SCENARIO in it (if given) and leave it running.
    Up {
        scenario: Option<PathBuf>,
        #[command(flatten)]
        vm: VmArgs,
    },
    /// Boot a VM, run `zlab up`, `status` and `down` for SCENARIO in it, power it off.
    Run {
        scenario: PathBuf,
        #[command(flatten)]
        vm: VmArgs,
    },
    /// Run a command in the running rig VM (in the current directory if it is shared).
    Exec {
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
    /// An interactive root shell in the running rig VM.
    Shell,
    /// Power the rig VM off and delete its virtual disks.
    Down,
}

/// The VM `zlab rig up` and `zlab rig run` boot.
#[derive(Debug, Clone, clap::Args)]
pub struct VmArgs {
    /// Extra virtual disks (/dev/vda, /dev/vdb, …), sparse files on this host.
    #[arg(long, default_value_t = 4)]
    pub disks: u32,
    /// Size of each virtual disk, as `truncate -s` reads it (10G, 500GB).
    #[arg(long, default_value = "10G")]
    pub disk_size: Size,
    /// Guest memory in MiB.
    #[arg(long, default_value_t = 4096)]
    pub mem: u32,
    /// Guest CPUs.
    #[arg(long, default_value_t = 2)]
    pub cpus: u32,
    /// Host directory shared with the guest at the same path [default: the current directory].
    #[arg(long)]
    pub share: Option<PathBuf>,
    /// Use KVM instead of qemu's TCG emulation (faster where /dev/kvm works).
    #[arg(long)]
    pub kvm: bool,
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
