//! zlab: build ZFS storage labs from declarative YAML scenarios.
//!
//! The data flows one way: [`scenario`] (parse YAML into located types) →
//! [`validate`] (every rule, all errors at once) → [`plan`] (ordered, typed steps,
//! each with its exact command) → execute (through [`system::System`]) → teardown.

pub mod capacity;
pub mod cli;
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

use std::io::{IsTerminal, Write};
use std::path::Path;

pub use error::Error;

use cli::{Cli, Command, Format, ReportFormat};
use host::HostFacts;
use lab::{FillDir, Lab};
use system::real::RealSystem;

/// Runs one command line; output goes to `out`, problems come back as [`Error`].
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<(), Error> {
    match cli.command {
        Command::Validate { files, portable } => {
            let host = host_facts(portable);
            let mut diags = Vec::new();
            for file in &files {
                match load_lab(file, &host) {
                    Ok(lab) => writeln!(out, "{}: valid ({})", file.display(), summary(&lab))?,
                    Err(Error::Invalid(d)) => diags.extend(d),
                    Err(e) => return Err(e),
                }
            }
            if diags.is_empty() {
                Ok(())
            } else {
                Err(Error::Invalid(diags))
            }
        }
        Command::Plan {
            file,
            format,
            portable,
        } => print_plan(&file, format, &host_facts(portable), out),
        Command::Up {
            file,
            dry_run: true,
            ..
        } => print_plan(&file, Format::Text, &HostFacts::read(), out),
        Command::Up { file, no_fill, .. } => {
            let (lab, mut plan) = prepare("up", &file)?;
            with_reporter(|emit| {
                if no_fill && !lab.fills.is_empty() {
                    plan.steps
                        .retain(|s| !matches!(s, plan::step::Step::Fill { .. }));
                    emit(&exec::event::Event::Note(format!(
                        "--no-fill: leaving the fills to `zlab fill {}`",
                        file.display()
                    )));
                }
                exec::up(&plan, &lab.state_dir, &RealSystem, emit)
            })
        }
        Command::Down { file, keep_files } => {
            let (lab, _) = prepare("down", &file)?;
            with_reporter(|emit| {
                // Properties a killed fill left changed go back before the rest.
                let released = lab.fills.iter().try_for_each(|f| {
                    fill::release(f, &lab.state_dir, &RealSystem, emit).map_err(|source| {
                        Error::Fill {
                            target: f.target.to_string(),
                            source,
                        }
                    })
                });
                exec::down(&lab.name, &lab.state_dir, keep_files, &RealSystem, emit)?;
                released
            })
        }
        Command::Status { file } => {
            let (lab, plan) = prepare("status", &file)?;
            let text = exec::status::status(&plan, &lab.state_dir, &RealSystem)?;
            out.write_all(text.as_bytes())?;
            Ok(())
        }
        Command::Capacity {
            file: Some(file),
            format,
            portable,
            ..
        } => {
            let report = capacity::report(&load_lab(&file, &host_facts(portable))?);
            out.write_all(
                match format {
                    ReportFormat::Text => capacity::text(&report),
                    ReportFormat::Json => capacity::json(&report),
                }
                .as_bytes(),
            )?;
            Ok(())
        }
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
            let candidates = zfs::capacity::layouts::candidates(&search)?;
            out.write_all(
                match format {
                    ReportFormat::Text => capacity::layouts_text(&search, &candidates, recordsize),
                    ReportFormat::Json => capacity::layouts_json(&search, &candidates),
                }
                .as_bytes(),
            )?;
            Ok(())
        }
        Command::Rig { command } => rig::run(command, out),
        Command::Fill { file } => {
            let (lab, _) = prepare("fill", &file)?;
            with_reporter(|emit| {
                lab.fills.iter().try_for_each(|f| {
                    fill::run(f, &lab.state_dir, &RealSystem, emit)
                        .map(drop)
                        .map_err(|source| Error::Fill {
                            target: f.target.to_string(),
                            source,
                        })
                })
            })
        }
        Command::Report {
            log,
            output,
            window,
        } => Ok(report::report(&log, output.as_deref(), window, out)?),
    }
}

fn host_facts(portable: bool) -> HostFacts {
    if portable {
        HostFacts::unknown()
    } else {
        HostFacts::read()
    }
}

/// Reads, decodes and validates a scenario file.
pub fn load_lab(file: &Path, host: &HostFacts) -> Result<Lab, Error> {
    let scenario = scenario::load(file)?;
    let mut lab = validate::validate(&scenario, host).map_err(Error::Invalid)?;
    // A fill to a percentage counts files by what the planner says each costs.
    let report = capacity::report(&lab);
    for fill in &mut lab.fills {
        if let FillDir::Dataset { name, pool } = &fill.target {
            fill.charge_per_file = report
                .pools
                .iter()
                .filter(|p| &p.name == pool)
                .flat_map(|p| &p.fills)
                .find(|f| &f.dataset == name)
                .map(|f| f.cost.charged);
        }
    }
    Ok(lab)
}

fn print_plan(
    file: &Path,
    format: Format,
    host: &HostFacts,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let lab = load_lab(file, host)?;
    let plan = plan::build(&lab);
    let text = match format {
        Format::Text => {
            plan::render::text(&plan, &capacity::plan_notes(&capacity::report(&lab), &plan))
        }
        Format::Sh => plan::render::sh(&plan),
        Format::Json => plan::render::json(&plan),
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// One line about what a valid lab contains.
fn summary(lab: &Lab) -> String {
    let devices: usize = lab.groups.iter().map(|g| g.members.len()).sum();
    let pools: Vec<&str> = lab.pools.iter().map(|p| p.name.as_str()).collect();
    format!(
        "{devices} device{}, {} pool{}{}{}, {} fill{}",
        if devices == 1 { "" } else { "s" },
        pools.len(),
        if pools.len() == 1 { "" } else { "s" },
        if pools.is_empty() { "" } else { ": " },
        pools.join(", "),
        lab.fills.len(),
        if lab.fills.len() == 1 { "" } else { "s" },
    )
}

/// Validates and plans (host rules included), then checks the preconditions of
/// acting on this machine; nothing is touched before all of it passes.
fn prepare(command: &'static str, file: &Path) -> Result<(Lab, plan::Plan), Error> {
    let lab = load_lab(file, &HostFacts::read())?;
    let plan = plan::build(&lab);
    system::preflight(command, &plan)?;
    Ok((lab, plan))
}

fn with_reporter(
    act: impl FnOnce(&mut dyn FnMut(&exec::event::Event)) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut reporter = progress::Reporter::new(std::io::stderr().is_terminal());
    let result = act(&mut |e| reporter.event(e));
    reporter.finish();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_percentage_fill_counts_files_by_their_planned_charge() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/N58-C3-D16-P2-S4.yaml");
        let lab = load_lab(&file, &HostFacts::unknown()).expect("valid");
        let planned = capacity::report(&lab).pools[0].fills[0].cost.charged;
        assert_eq!(lab.fills[0].charge_per_file, Some(planned));
        // 1G files of 1M records on draid2:16d are charged a little less than 1 GiB.
        assert!(planned < 1 << 30 && planned > (1 << 30) / 100 * 99);
    }
}
