//! `zlab down FILE`: undo what the journal proves zlab created, in reverse
//! order; `--from-system` when the journal cannot be used.

use std::path::Path;

use super::{Prepared, Progress, lock_lab, prepare, with_progress};
use crate::error::Error;
use crate::exec::event::Event;
use crate::exec::journal::LabIdentity;
use crate::lab::Lab;
use crate::plan::Plan;
use crate::registry::{self, Entry};
use crate::system::real::RealSystem;
use crate::{exec, fill};

pub(crate) fn run(
    file: &Path,
    keep_files: bool,
    from_system: bool,
    progress: Progress<'_>,
) -> Result<(), Error> {
    let Prepared {
        lab,
        plan,
        identity,
        ..
    } = prepare("down", file, None)?;
    let _lock = lock_lab("down", &lab)?;
    let result = down_locked(&lab, &plan, &identity, keep_files, from_system, progress);
    super::forget_state_without_journal(&lab);
    result
}

fn down_locked(
    lab: &Lab,
    plan: &Plan,
    identity: &LabIdentity,
    keep_files: bool,
    from_system: bool,
    progress: Progress<'_>,
) -> Result<(), Error> {
    if from_system {
        return with_progress(progress, |emit| {
            exec::from_system::from_system(plan, identity, &lab.state_dir, &RealSystem, emit)?;
            unregister(lab, emit);
            Ok(())
        });
    }
    // A journal that is not this scenario's stops `down` before anything,
    // fills included.
    exec::journal::Journal::load(
        &RealSystem,
        &exec::up::journal_path(&lab.state_dir),
        identity,
    )?;
    with_progress(progress, |emit| {
        // Properties a killed fill left changed go back before the rest.
        let released = lab.fills.iter().try_for_each(|f| {
            let everything = fill::Release::Everything;
            fill::release(
                &f.target,
                &lab.state_dir,
                everything,
                &RealSystem,
                &mut |e| {
                    emit(&Event::Fill(e.clone()));
                },
            )
            .map_err(|source| Error::Fill {
                target: f.target.to_string(),
                source,
            })
        });
        exec::down(identity, &lab.state_dir, keep_files, &RealSystem, emit)?;
        released?;
        unregister(lab, emit);
        Ok(())
    })
}

/// Only a lab that is gone leaves the list.
fn unregister(lab: &Lab, emit: &mut dyn FnMut(&Event)) {
    if let Err(e) = registry::unregister(&registry::dir(), &Entry::of(lab)) {
        emit(&Event::Note(format!("warning: {e}")));
    }
}
