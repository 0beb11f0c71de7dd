//! `zlab fill FILE`: run the lab's fills, resuming where a last run stopped.

use std::path::Path;

use super::{prepare, with_progress};
use crate::error::Error;
use crate::exec::event::Event;
use crate::fill;
use crate::plan::step::Step;
use crate::system::real::RealSystem;

pub(crate) fn run(file: &Path) -> Result<(), Error> {
    let (lab, plan) = prepare("fill", file)?;
    with_progress(|emit| {
        let fills = plan.steps.iter().filter_map(|s| match s {
            Step::Fill {
                fill,
                charge_per_file,
            } => Some((fill, *charge_per_file)),
            _ => None,
        });
        fills.into_iter().try_for_each(|(f, charge_per_file)| {
            fill::run(f, charge_per_file, &lab.state_dir, &RealSystem, &mut |e| {
                emit(&Event::Fill(e.clone()));
            })
            .map(drop)
            .map_err(|source| Error::Fill {
                target: f.target.to_string(),
                source,
            })
        })
    })
}
