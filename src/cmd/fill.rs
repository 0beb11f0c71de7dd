//! `zlab fill FILE`: run the lab's fills, resuming where a last run stopped.

use std::path::Path;

use super::{Progress, prepare, with_progress};
use crate::error::Error;
use crate::fill;
use crate::system::real::RealSystem;

pub(crate) fn run(file: &Path, progress: Progress<'_>) -> Result<(), Error> {
    let (lab, _) = prepare("fill", file)?;
    with_progress(progress, |emit| {
        lab.fills.iter().try_for_each(|f| {
            fill::run(f, &lab.state_dir, &RealSystem, emit)
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
