//! `zlab fill FILE`: run the lab's fills, resuming where a last run stopped.

use std::path::Path;

use super::{Prepared, Progress, lock_lab, prepare, with_progress};
use crate::error::Error;
use crate::exec::event::Event;
use crate::lab::FillDir;
use crate::plan::step::Step;
use crate::system::lock::Lock;
use crate::system::real::RealSystem;
use crate::{exec, fill};

pub(crate) fn run(file: &Path, overwrite: bool, progress: Progress<'_>) -> Result<(), Error> {
    let Prepared {
        lab,
        plan,
        identity,
        zfs,
    } = prepare("fill", file, None)?;
    // The lab's journal, if there is one, must be this scenario's.
    exec::journal::Journal::load(
        &RealSystem,
        &exec::up::journal_path(&lab.state_dir),
        &identity,
    )?;
    let _lock = lock_lab("fill", &lab)?;
    // A `path:` target is not the lab's own: another lab may fill it too.
    let _dirs = lab
        .fills
        .iter()
        .filter_map(|f| match &f.target {
            FillDir::Path(p) => Some(Lock::dir(p)),
            FillDir::Dataset { .. } => None,
        })
        .collect::<Result<Vec<_>, _>>()?;
    with_progress(progress, |emit| {
        let fills = plan.steps.iter().filter_map(|s| match s {
            Step::Fill {
                fill,
                charge_per_file,
            } => Some((fill, *charge_per_file)),
            _ => None,
        });
        fills.into_iter().try_for_each(|(f, charge_per_file)| {
            let how = fill::run::How {
                charge_per_file,
                overwrite,
                zfs: &zfs,
            };
            fill::run(f, &how, &lab.state_dir, &RealSystem, &mut |e| {
                emit(&Event::Fill(e.clone()))
            })
            .map(drop)
            .map_err(|source| Error::Fill {
                target: f.target.to_string(),
                source,
            })
        })
    })
    .map_err(|e| {
        let f = file.display();
        e.next(format!(
            "fix the cause and run `zlab fill {f}` again: it resumes after the last complete file"
        ))
    })
}
