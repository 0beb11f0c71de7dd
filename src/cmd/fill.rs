//! `zlab fill FILE`: run the lab's fills, resuming where a last run stopped.

use std::path::Path;

use super::{prepare, with_progress};
use crate::error::Error;
use crate::fill;
use crate::system::real::RealSystem;

pub(crate) fn run(file: &Path) -> Result<(), Error> {
    let (lab, _) = prepare("fill", file, None)?;
    with_progress(|emit| {
        lab.fills.iter().try_for_each(|f| {
            fill::run(f, &lab.state_dir, &RealSystem, emit)
                .map(drop)
                .map_err(|source| Error::Fill {
                    target: f.target.to_string(),
                    source,
                })
        })
    })
}
