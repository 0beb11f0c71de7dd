//! `zlab up FILE`: build the lab, fills included unless `--no-fill`.

use std::path::Path;

use super::{Progress, is_std, prepare, with_progress};
use crate::error::Error;
use crate::exec;
use crate::exec::event::Event;
use crate::output::Palette;
use crate::plan::step::Step;
use crate::registry::{self, Entry};
use crate::system::real::RealSystem;

pub(crate) fn run(file: &Path, no_fill: bool, progress: Progress<'_>) -> Result<(), Error> {
    let (lab, mut plan) = prepare("up", file)?;
    with_progress(progress, |emit| {
        // Listed before anything is made, so a half-built lab is listed too.
        if !is_std(file)
            && let Err(e) = registry::register(&registry::dir(), &Entry::of(&lab))
        {
            emit(&Event::Note(format!("warning: {e}")));
        }
        // A lab that partly exists: the difference first, then the steps.
        let against = super::plan::against_machine(&lab, &plan, Palette::new(false));
        for line in against.lines().filter(|l| !l.is_empty()) {
            emit(&Event::Note(line.to_owned()));
        }
        if no_fill && !lab.fills.is_empty() {
            plan.steps.retain(|s| !matches!(s, Step::Fill { .. }));
            emit(&Event::Note(format!(
                "--no-fill: leaving the fills to `zlab fill {}`",
                file.display()
            )));
        }
        exec::up(&plan, &lab.state_dir, &RealSystem, emit)
    })
    .map_err(|e| {
        let f = file.display();
        e.next(format!(
            "`zlab status {f}` shows what exists; fix the cause and run `zlab up {f}` again to go on, or `zlab down {f}` to undo what was done"
        ))
    })
}
