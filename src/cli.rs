//! Command-line interface: clap types only.

use std::num::NonZeroU32;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::scenario::model::{Fill, FillTarget};
use crate::scenario::size::Size;
use crate::zfs::version::ZfsVersion;

/// Build ZFS storage labs from declarative YAML scenarios.
#[derive(Debug, Parser)]
#[command(
    name = "zlab",
    version,
    about,
    propagate_version = true,
    arg_required_else_help = true,
    after_help = "Start with `zlab validate scenarios/*.yaml`, then `zlab plan FILE`."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check scenarios against every rule; report all problems at once.
    Validate {
        /// Scenario files (`-` reads standard input).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Skip the checks against this machine (free memory, filesystem limits,
        /// OpenZFS release).
        #[arg(long)]
        portable: bool,
        /// Check against this OpenZFS release (2.1, 2.3.2) instead of the installed one.
        #[arg(long, value_name = "VERSION")]
        zfs_version: Option<ZfsVersion>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Print the ordered steps and exact commands a scenario would run, and its teardown.
    Plan {
        /// Scenario file (`-` reads standard input).
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Skip the checks against this machine (free memory, filesystem limits,
        /// OpenZFS release).
        #[arg(long)]
        portable: bool,
        /// Check against this OpenZFS release (2.1, 2.3.2) instead of the installed one.
        #[arg(long, value_name = "VERSION")]
        zfs_version: Option<ZfsVersion>,
    },
    /// Build the lab a scenario describes.
    Up {
        /// Scenario file (not `-`: a lab is tied to its scenario's path).
        file: PathBuf,
        /// Print the plan instead of running it (same as `zlab plan`).
        #[arg(long)]
        dry_run: bool,
        /// Build the lab but leave its fills to a later `zlab fill`.
        #[arg(long)]
        no_fill: bool,
        /// `json`: progress as JSON lines on standard output.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Check against this OpenZFS release (2.1, 2.3.2) instead of the installed one.
        #[arg(long, value_name = "VERSION")]
        zfs_version: Option<ZfsVersion>,
        /// Use existing sparse files of exactly the declared size instead of
        /// refusing them; `down` detaches them but leaves them in place.
        #[arg(long)]
        adopt: bool,
        /// Answer yes to erasing the scenario's real disks (for scripts).
        #[arg(long)]
        yes: bool,
    },
    /// Show what exists of a scenario's lab.
    Status {
        /// Scenario file (not `-`: a lab is tied to its scenario's path).
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Tear down what zlab created for a scenario, in reverse order.
    Down {
        /// Scenario file (not `-`: a lab is tied to its scenario's path).
        file: PathBuf,
        /// Leave the sparse backing files in place.
        #[arg(long)]
        keep_files: bool,
        /// For a journal zlab cannot use (missing, corrupt, older, another
        /// lab's): tear down what the machine proves is the lab's (a pool
        /// recording this lab and scenario, its loop devices and their files)
        /// and list the rest with the commands to remove it.
        #[arg(long, conflicts_with = "keep_files")]
        from_system: bool,
        /// Delete the experiments' results too (kept by default, with the
        /// state directory that holds them).
        #[arg(long)]
        results: bool,
        /// `json`: progress as JSON lines on standard output.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Run a scenario's experiments on its lab, which `zlab up` built: fills
    /// to levels, fio workloads, a drive failed and rebuilt onto a spare,
    /// scrubs. Each measurement is appended to
    /// <state_dir>/results-<experiment>.jsonl, which `zlab report` reads.
    Experiment {
        /// Scenario file (not `-`: a lab is tied to its scenario's path).
        file: PathBuf,
        /// Run only this experiment [default: each, in the scenario's order].
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// `json`: progress as JSON lines on standard output.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Run a scenario's fills, or fill a pool, dataset or directory that
    /// exists: `zlab fill tank/data --until 75%`, `zlab fill --path /Data --until 75%`.
    ///
    /// A fill without a scenario keeps its state and log in
    /// /var/lib/zlab/fills/ ($ZLAB_FILLS), resumes after the last complete
    /// file when run again with the same target, and puts back the properties
    /// it set (--set) at the end, on Ctrl-C, and on the next run after a kill.
    #[command(group = clap::ArgGroup::new("without_scenario").args(["until", "abandon"]))]
    Fill {
        /// Scenario file (not `-`: a lab is tied to its scenario's path); with
        /// --until or --abandon, the pool or dataset to fill instead.
        #[arg(value_name = "FILE|DATASET", required_unless_present = "path")]
        target: Option<String>,
        /// Fill this mounted directory instead (a ZFS mountpoint's percentage is
        /// of its pool's USED + AVAIL, any other filesystem's of its size).
        #[arg(
            long,
            value_name = "DIR",
            conflicts_with = "target",
            requires = "without_scenario"
        )]
        path: Option<PathBuf>,
        #[command(flatten)]
        without_scenario: FillArgs,
        /// Write over files of the fill's names that it did not write.
        #[arg(long)]
        overwrite: bool,
        /// `json`: progress as JSON lines on standard output.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Every lab this machine has state for, and how it stands.
    List {
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Summarise a fill's JSON-lines log and plot its throughput over time as
    /// SVG; or tabulate and plot experiments' results, side by side.
    Report {
        /// The log `zlab fill` wrote, or one or more results files of `zlab
        /// experiment` (JSON lines).
        #[arg(required = true, value_name = "LOG|RESULTS")]
        logs: Vec<PathBuf>,
        /// Where to write the SVG plot (`-`: standard output, the summary then
        /// goes to standard error) [default: the log's path with `.svg`].
        #[arg(short, long, value_name = "OUT.svg")]
        output: Option<PathBuf>,
        /// Files in the rolling throughput (all streams together, as the fill
        /// computes it), recomputed from the log [default: the fill's own, as
        /// its log records it].
        #[arg(long, value_name = "N", value_parser = window)]
        window: Option<NonZeroU32>,
    },
    /// Predict each pool's size and usable space, every loss on the way, and what
    /// each fill target means in files and bytes, before anything is built.
    /// With --layouts: compare the dRAID layouts a number of drives allows.
    Capacity {
        /// Scenario file (`-` reads standard input).
        #[arg(required_unless_present = "layouts", conflicts_with = "layouts")]
        file: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Skip the checks against this machine (free memory, filesystem limits).
        #[arg(long)]
        portable: bool,
        /// List every whole-group dRAID layout (N-C-D-P-S) of --drives drives of --size.
        #[arg(long, requires_all = ["drives", "size"])]
        layouts: bool,
        /// Number of drives (dRAID children), with --layouts.
        #[arg(long)]
        drives: Option<u32>,
        /// Size of each drive (14TB, 12T), with --layouts.
        #[arg(long)]
        size: Option<Size>,
        /// Sector size shift, with --layouts.
        #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u8).range(9..=16))]
        ashift: u8,
        /// Only this parity (1, 2 or 3), with --layouts.
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
        parity: Option<u8>,
        /// Consider 0 to this many distributed spares, with --layouts.
        #[arg(long, default_value_t = 4)]
        max_spares: u32,
        /// Record size of the files the "holds" column counts, with --layouts.
        #[arg(long, default_value = "1M", value_parser = recordsize)]
        recordsize: u64,
    },
    /// Print a shell completion script (bash, zsh, fish, …) to standard output.
    Completions { shell: clap_complete::Shell },
    /// Write man pages (zlab.1, zlab-plan.1, …) into DIR, or zlab.1 to standard output.
    Man { dir: Option<PathBuf> },
    /// Labs inside a throw-away qemu VM with virtual disks (no ZFS needed on this host).
    Rig {
        #[command(subcommand)]
        command: RigCommand,
    },
}

/// Output of the commands that report: text, or JSON (`docs/json.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Tables for people.
    Text,
    /// Machine-readable.
    Json,
}

fn recordsize(value: &str) -> Result<u64, String> {
    crate::zfs::properties::recordsize_bytes(value)
        .ok_or_else(|| format!("`{value}` is not a recordsize: a power of two from 512 to 16M"))
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

/// The OpenZFS release lines the rig has a guest recipe for (`rig/guest-<line>.conf`).
/// The default is the newest, as in `rig/lib.sh`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ZfsLine {
    /// OpenZFS 2.1.11, Debian 12's own (bookworm/contrib), kernel 6.1.
    #[value(name = "2.1")]
    V2_1,
    /// OpenZFS 2.3.2 from bookworm-backports, Debian 12 userland, kernel 6.1.
    #[value(name = "2.3")]
    V2_3,
    /// OpenZFS 2.4.4 from trixie-backports, Debian 13 userland, kernel 6.12.
    #[default]
    #[value(name = "2.4")]
    V2_4,
}

impl ZfsLine {
    /// The name the rig scripts take in `ZLAB_RIG_ZFS`.
    pub fn as_str(self) -> &'static str {
        match self {
            ZfsLine::V2_1 => "2.1",
            ZfsLine::V2_3 => "2.3",
            ZfsLine::V2_4 => "2.4",
        }
    }
}

impl std::fmt::Display for ZfsLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The VM `zlab rig up` and `zlab rig run` boot.
#[derive(Debug, Clone, clap::Args)]
pub struct VmArgs {
    /// The OpenZFS line the guest runs (each its own cached guest; see rig/README.md).
    #[arg(long, value_enum, default_value_t)]
    pub zfs: ZfsLine,
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
    /// Build the scenario's lab without its fills (`zlab up --no-fill`).
    #[arg(long)]
    pub no_fill: bool,
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

/// Options every command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// Print only errors and what was asked for (no progress, no "valid" lines).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more: each step's outcome and every fill file, even on a terminal.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Colour diagnostics and progress: `auto` on a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = crate::output::Color::Auto, value_name = "WHEN")]
    pub color: crate::output::Color,
}

/// `--window`: a count of files, read here so that `0` is explained in zlab's
/// words rather than the standard library's ("number would be zero for
/// non-zero type").
/// A fill without a scenario: what a scenario's `fills:` entry says, as flags.
#[derive(Debug, Clone, clap::Args)]
pub struct FillArgs {
    /// When to stop: a percentage of the capacity (`75%`), a size (`10TB`) or
    /// a file count (`1000files`).
    #[arg(long, value_name = "TARGET")]
    pub until: Option<FillTarget>,
    /// Size of each file.
    #[arg(long, value_name = "SIZE", requires = "until", default_value_t = Fill::FILE_SIZE)]
    pub file_size: Size,
    /// Files written at once [default: one per CPU, 2 to 8].
    #[arg(long, value_name = "N", requires = "until",
          value_parser = clap::value_parser!(u32).range(1..=i64::from(Fill::MAX_STREAMS)))]
    pub streams: Option<u32>,
    /// A dataset property set while the fill runs and put back after it
    /// (e.g. `--set sync=disabled --set recordsize=1M`).
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = property, requires = "until")]
    pub during: Vec<(String, String)>,
    /// Write with O_DIRECT.
    #[arg(long, requires = "until")]
    pub direct: bool,
    /// In-memory source buffer, shared by the streams [default: 16M a stream].
    #[arg(long, value_name = "SIZE", requires = "until")]
    pub buffer: Option<Size>,
    /// File names, `{n}` the file's number.
    #[arg(long, value_name = "NAME", requires = "until", default_value = Fill::PATTERN)]
    pub pattern: String,
    /// Files in the rolling throughput.
    #[arg(long, value_name = "N", requires = "until", default_value_t = Fill::WINDOW,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(Fill::MAX_WINDOW)))]
    pub window: u32,
    /// Give up a stopped fill: put back the properties it changed and forget
    /// its state (its files and log stay).
    #[arg(long)]
    pub abandon: bool,
}

/// `NAME=VALUE`.
fn property(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!(
            "`{text}` is not NAME=VALUE: use e.g. `--set sync=disabled`"
        )),
    }
}

fn window(text: &str) -> Result<NonZeroU32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) => NonZeroU32::new(n).ok_or_else(|| {
            "the rolling throughput needs at least 1 file: use e.g. `--window 60`".to_owned()
        }),
        Err(_) => Err(format!(
            "`{text}` is not a number of files: use e.g. `--window 60`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_line_is_the_rig_scripts_default() {
        let default = format!("ZLAB_RIG_DEFAULT_ZFS={}", ZfsLine::default());
        assert!(
            include_str!("../rig/lib.sh").lines().any(|l| l == default),
            "rig/lib.sh must say {default}"
        );
    }
}
