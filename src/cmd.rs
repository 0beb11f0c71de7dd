//! The command layer: one function per `zlab` command (one file each), and the
//! pipeline they share (load → validate → capacity → plan → preflight). Only
//! this layer knows the command line, builds the real system and chooses a
//! live display for the events the lower layers emit.

pub(crate) mod capacity;
pub(crate) mod down;
pub(crate) mod fill;
pub(crate) mod plan;
pub(crate) mod report;
pub(crate) mod rig;
pub(crate) mod status;
pub(crate) mod up;
pub(crate) mod validate;

use std::io::IsTerminal;
use std::path::Path;

use crate::error::Error;
use crate::exec::event::Event;
use crate::host::HostFacts;
use crate::lab::Lab;
use crate::plan::Plan;
use crate::{progress, scenario, system, validate as rules};

/// The host facts the rules check against, or none with `--portable`.
pub(crate) fn host_facts(portable: bool) -> HostFacts {
    if portable {
        HostFacts::unknown()
    } else {
        HostFacts::read()
    }
}

/// Reads, decodes and validates a scenario file.
pub fn load_lab(file: &Path, host: &HostFacts) -> Result<Lab, Error> {
    let scenario = scenario::load(file)?;
    rules::validate(&scenario, host).map_err(Error::Invalid)
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
        let _ = crate::plan::render::json(&plan);
    }
}

/// Validates and plans (host rules included), then checks the preconditions of
/// acting on this machine; nothing is touched before all of it passes.
fn prepare(command: &'static str, file: &Path) -> Result<(Lab, Plan), Error> {
    let lab = load_lab(file, &HostFacts::read())?;
    let plan = crate::plan::build(&lab, &crate::capacity::of(&lab));
    system::preflight(command, plan.programs())?;
    Ok((lab, plan))
}

/// Runs `act` with the live display on stderr receiving its events.
fn with_progress(
    act: impl FnOnce(&mut dyn FnMut(&Event)) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut reporter = progress::Reporter::new(std::io::stderr().is_terminal());
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
