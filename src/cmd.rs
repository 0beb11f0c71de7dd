//! The command layer: one function per `zlab` command (one file each), and the
//! pipeline they share (load → validate → capacity → plan → preflight). Only
//! this layer knows the command line, builds the real system and chooses a
//! live display for the events the lower layers emit.

pub(crate) mod capacity;
pub(crate) mod docs;
pub(crate) mod down;
pub(crate) mod experiment;
pub(crate) mod fill;
pub(crate) mod list;
pub(crate) mod plan;
pub(crate) mod report;
pub(crate) mod rig;
pub(crate) mod status;
pub(crate) mod up;
pub(crate) mod validate;

use std::io::{IsTerminal, Write};
use std::path::Path;

use crate::cli::OutputFormat;
use crate::error::Error;
use crate::exec::event::Event;
use crate::exec::journal::LabIdentity;
use crate::exec::read;
use crate::host::HostFacts;
use crate::lab::Lab;
use crate::output::Output;
use crate::plan::Plan;
use crate::system::real::RealSystem;
use crate::zfs::version::{Installed, ZfsVersion};
use crate::{progress, scenario, system, validate as rules};

/// The host facts the rules check against, or none with `--portable`; the
/// OpenZFS release is `zfs_version` if given, else the installed one.
pub(crate) fn host_facts(portable: bool, zfs_version: Option<ZfsVersion>) -> HostFacts {
    if portable {
        HostFacts::unknown().with_zfs(zfs_version)
    } else {
        let installed = read::installed(&RealSystem);
        let release = zfs_version.or_else(|| installed.effective().cloned());
        HostFacts::read()
            .with_installed(installed)
            .with_zfs(release)
    }
}

/// Whether a path argument means standard input or output.
pub(crate) fn is_std(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads, decodes and validates a scenario file (`-`: standard input).
pub fn load_lab(file: &Path, host: &HostFacts) -> Result<Lab, Error> {
    let scenario = scenario::load(file)?;
    let lab = rules::validate(&scenario, host).map_err(Error::Invalid)?;
    // A rule that needs the capacity planner: a percentage fill of 0 files.
    let capacity = crate::capacity::of(&lab);
    let files: Vec<_> = lab.fills.iter().map(|f| capacity.files_of(f)).collect();
    let empty = rules::fill_count::empty_fills(&scenario, &lab, &files);
    if !empty.is_empty() {
        return Err(Error::Invalid(empty));
    }
    Ok(lab)
}

/// Every stage a scenario's text goes through without a system: parse,
/// validate, plan, predict capacity and render each view. The fuzz target's
/// body: none of it may panic, whatever the text.
pub fn exercise_scenario(text: &str) {
    let Ok(scenario) = scenario::load_str(Path::new("fuzz.yaml"), text) else {
        return;
    };
    if let Ok(lab) = rules::validate(&scenario, &HostFacts::unknown()) {
        let capacity = crate::capacity::of(&lab);
        let plan = crate::plan::build(&lab, &capacity);
        let _ = crate::capacity::render::text(&capacity);
        let _ = crate::capacity::render::json(&capacity);
        let _ = crate::plan::render::text(&plan, &capacity);
        let _ = crate::plan::render::sh(&plan);
        let _ = crate::plan::render::json(&plan, serde_json::Value::Null);
    }
}

/// A scenario ready to act on: valid, planned, checked against this machine.
struct Prepared {
    lab: Lab,
    plan: Plan,
    identity: LabIdentity,
    zfs: Installed,
}

/// Validates and plans (host rules included, against `zfs_version` if given),
/// then checks the preconditions of acting on this machine; nothing is touched
/// before all of it passes. The plan's pools record the lab as their owner,
/// and the OpenZFS found here comes along, read once.
fn prepare(
    command: &'static str,
    file: &Path,
    zfs_version: Option<ZfsVersion>,
) -> Result<Prepared, Error> {
    let host = host_facts(false, zfs_version);
    let lab = load_lab(file, &host)?;
    let plan = crate::plan::build(&lab, &crate::capacity::of(&lab));
    system::preflight(command, plan.programs())?;
    let identity = lab_identity(&lab)?;
    let plan = plan.owned_by(&identity.owner());
    Ok(Prepared {
        lab,
        plan,
        identity,
        zfs: host.installed,
    })
}

/// Who this lab belongs to: its name and its scenario's absolute path.
fn lab_identity(lab: &Lab) -> Result<LabIdentity, Error> {
    if from_stdin(lab) {
        return Err(Error::Refused(
            "a scenario on standard input has no path to tie a lab's journal to; save it to a file and run the command with that file".to_owned(),
        ));
    }
    let scenario = std::fs::canonicalize(&lab.file).map_err(|e| {
        Error::Refused(format!(
            "cannot tell which scenario this is: {}: {e}; check the path and run again",
            lab.file.display()
        ))
    })?;
    Ok(LabIdentity::new(&lab.name, &scenario))
}

/// Whether the scenario was read from standard input (`-`).
fn from_stdin(lab: &Lab) -> bool {
    lab.file == Path::new(scenario::load::STDIN)
}

/// A state directory without a journal holds nothing of a lab: its lock file
/// and the directory go, so a refused `up` or a `down` with nothing to do
/// leaves no trace (anything else in the directory keeps it).
fn forget_state_without_journal(lab: &Lab) {
    if crate::exec::up::journal_path(&lab.state_dir).exists() {
        return;
    }
    let _ = std::fs::remove_file(crate::system::lock::path(&lab.state_dir));
    let _ = std::fs::remove_dir(&lab.state_dir);
}

/// Holds the lab for this run (`up`, `down`, `fill`); a second run learns
/// who holds it: pid, command and since when.
fn lock_lab(command: &str, lab: &Lab) -> Result<crate::system::lock::Lock, Error> {
    lock_state(&lab.state_dir, &format!("{command} {}", lab.file.display()))
}

/// Holds the state directory `state_dir` for `zlab {args}`.
fn lock_state(state_dir: &Path, args: &str) -> Result<crate::system::lock::Lock, Error> {
    let holder = format!(
        "pid {}, `zlab {args}`, since {} UTC",
        std::process::id(),
        progress::fill::timestamp(std::time::SystemTime::now())
    );
    Ok(crate::system::lock::Lock::lab(state_dir, &holder)?)
}

/// Where a long run's events go: the live display on stderr, or JSON lines on
/// stdout (`--format json`) ending with a `finished` line.
pub(crate) struct Progress<'a> {
    json: bool,
    say: Output,
    out: &'a mut dyn Write,
}

impl<'a> Progress<'a> {
    pub(crate) fn new(format: OutputFormat, say: Output, out: &'a mut dyn Write) -> Self {
        Progress {
            json: format == OutputFormat::Json,
            say,
            out,
        }
    }
}

/// Runs `act` with its events shown as `progress` says.
fn with_progress(
    progress: Progress<'_>,
    act: impl FnOnce(&mut dyn FnMut(&Event)) -> Result<(), Error>,
) -> Result<(), Error> {
    if progress.json {
        let out = progress.out;
        // A reader that went away stops nothing: the run goes on to its end.
        let result = act(&mut |e| {
            if let Some(line) = progress::json::line(e) {
                let _ = writeln!(out, "{line}");
            }
        });
        let error = result.as_ref().err().map(ToString::to_string);
        let _ = writeln!(out, "{}", progress::json::finished(error.as_deref()));
        return result;
    }
    let mut reporter = progress::Reporter::new(std::io::stderr().is_terminal(), progress.say);
    let result = act(&mut |e| reporter.event(e));
    reporter.finish();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::step::Step;

    #[test]
    fn a_percentage_fill_counts_files_by_their_planned_charge() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/N58-C3-D16-P2-S4.yaml");
        let lab = load_lab(&file, &HostFacts::unknown()).expect("valid");
        let capacity = crate::capacity::of(&lab);
        let planned = capacity.pools[0].fills[0].cost.charged;
        let plan = crate::plan::build(&lab, &capacity);
        let charges: Vec<_> = plan
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Fill {
                    charge_per_file, ..
                } => Some(*charge_per_file),
                _ => None,
            })
            .collect();
        assert_eq!(charges, [Some(planned)]);
        // 1G files of 1M records on draid2:16d are charged a little less than 1 GiB.
        assert!(planned < 1 << 30 && planned > (1 << 30) / 100 * 99);
    }
}
