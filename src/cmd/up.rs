//! `zlab up FILE`: build the lab, fills included unless `--no-fill`.

use std::path::Path;

use super::{prepare, with_progress};
use crate::error::Error;
use crate::exec;
use crate::exec::event::Event;
use crate::plan::step::Step;
use crate::system::real::RealSystem;

pub(crate) fn run(file: &Path, no_fill: bool) -> Result<(), Error> {
    let (lab, mut plan) = prepare("up", file)?;
    with_progress(|emit| {
        if no_fill && !lab.fills.is_empty() {
            plan.steps.retain(|s| !matches!(s, Step::Fill { .. }));
            emit(&Event::Note(format!(
                "--no-fill: leaving the fills to `zlab fill {}`",
                file.display()
            )));
        }
        exec::up(&plan, &lab.state_dir, &RealSystem, emit)
    })
}
