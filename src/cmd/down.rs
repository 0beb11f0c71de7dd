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
    results: bool,
    progress: Progress<'_>,
) -> Result<(), Error> {
    let Prepared {
        lab,
        plan,
        identity,
        ..
    } = prepare("down", file, None)?;
    let _lock = lock_lab("down", &lab)?;
    let result = down_locked(&lab, &plan, &identity, keep_files, from_system, progress)
        .and_then(|()| forget_experiments(&lab, results));
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
        let experiment_fills = lab.experiments.iter().map(|e| &e.fill);
        let released = lab.fills.iter().chain(experiment_fills).try_for_each(|f| {
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

/// An experiment's working state goes with its lab (the dataset it
/// concerned is gone); its results stay unless `results`.
fn forget_experiments(lab: &Lab, results: bool) -> Result<(), Error> {
    for e in &lab.experiments {
        let mut paths = crate::experiment::run::state_files(&lab.state_dir, &e.name);
        if results {
            paths.push(crate::experiment::results::path(&lab.state_dir, &e.name));
        }
        for p in paths.iter().filter(|p| p.exists()) {
            std::fs::remove_file(p).map_err(|source| Error::Write {
                path: p.clone(),
                source,
            })?;
        }
    }
    // Empty now, the state directory goes as `down` would have taken it.
    let _ = std::fs::remove_dir(&lab.state_dir);
    Ok(())
}

/// Only a lab that is gone leaves the list.
fn unregister(lab: &Lab, emit: &mut dyn FnMut(&Event)) {
    if let Err(e) = registry::unregister(&registry::dir(), &Entry::of(lab)) {
        emit(&Event::Note(format!("warning: {e}")));
    }
}
