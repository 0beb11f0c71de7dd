//! `zlab fill FILE`: run the lab's fills, resuming where a last run stopped.

use std::path::Path;

use super::{lab_identity, lock_lab, prepare, with_progress};
use crate::error::Error;
use crate::exec::lock::Lock;
use crate::lab::FillDir;
use crate::system::real::RealSystem;
use crate::{exec, fill};

pub(crate) fn run(file: &Path, overwrite: bool) -> Result<(), Error> {
    let (lab, _) = prepare("fill", file)?;
    // The lab's journal, if there is one, must be this scenario's.
    exec::journal::Journal::load(
        &RealSystem,
        &exec::up::journal_path(&lab.state_dir),
        &lab_identity(&lab)?,
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
    with_progress(|emit| {
        lab.fills.iter().try_for_each(|f| {
            fill::run(f, &lab.state_dir, overwrite, &RealSystem, emit)
                .map(drop)
                .map_err(|source| Error::Fill {
                    target: f.target.to_string(),
                    source,
                })
        })
    })
}
