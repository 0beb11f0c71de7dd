//! `zlab plan FILE` (and `zlab up --dry-run`): the plan rendered, nothing run.
//! Unless `--portable` or the scenario comes from standard input, a lab that
//! partly exists on this machine gets a section first: what exists, what is
//! gone, what differs (read like `zlab status`).

use std::io::Write;
use std::path::Path;

use super::{host_facts, load_lab};
use crate::cli::Format;
use crate::error::Error;
use crate::exec::status::Status;
use crate::lab::Lab;
use crate::output::Palette;
use crate::plan::Plan;
use crate::system::real::RealSystem;
use crate::zfs::version::{Installed, ZfsVersion};
use crate::{capacity, exec, plan};

pub(crate) fn run(
    file: &Path,
    format: Format,
    portable: bool,
    zfs_version: Option<ZfsVersion>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let host = host_facts(portable, zfs_version);
    let lab = load_lab(file, &host)?;
    let capacity = capacity::of(&lab);
    let mut plan = plan::build(&lab, &capacity);
    // The pools record their lab as `up` will create them: a plan shows the
    // commands exactly. A scenario on standard input has no lab to record.
    if !super::from_stdin(&lab) {
        plan = plan.owned_by(&super::lab_identity(&lab)?.owner());
    }
    let text = match format {
        Format::Text => {
            let mut text = if portable {
                String::new()
            } else {
                // Plain: a plan is read in files and pasted into terminals.
                against_machine(&lab, &plan, &host.installed, Palette::new(false))
            };
            text.push_str(&plan::render::text(&plan, &capacity));
            text
        }
        Format::Sh => plan::render::sh(&plan),
        Format::Json => {
            let machine = if portable {
                serde_json::Value::Null
            } else {
                match machine_status(&lab, &plan, &host.installed) {
                    None => serde_json::Value::Null,
                    Some(Ok(status)) => serde_json::to_value(&status).unwrap_or_default(),
                    Some(Err(e)) => serde_json::json!({ "error": e.to_string() }),
                }
            };
            plan::render::json(&plan, machine)
        }
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// The lab as it stands here, as `zlab status` reads it; none for a scenario
/// on standard input (no lab on this machine can be its).
fn machine_status(lab: &Lab, plan: &Plan, zfs: &Installed) -> Option<Result<Status, Error>> {
    if super::from_stdin(lab) {
        return None;
    }
    Some(super::lab_identity(lab).and_then(|identity| {
        exec::status::status(plan, &identity, &lab.state_dir, zfs, &RealSystem)
    }))
}

/// The lab as it stands here, or nothing when none of it exists or it cannot
/// be read (the plan itself never depends on the machine).
pub(crate) fn against_machine(lab: &Lab, plan: &Plan, zfs: &Installed, style: Palette) -> String {
    match machine_status(lab, plan, zfs) {
        None => String::new(),
        Some(Ok(status)) => exec::status::against_machine(&status, style)
            .map(|s| s + "\n")
            .unwrap_or_default(),
        Some(Err(e)) => format!("(what exists on this machine is unknown: {e})\n\n"),
    }
}
