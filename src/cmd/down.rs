//! `zlab down FILE`: undo what the journal says zlab created, in reverse order.

use std::path::Path;

use super::{prepare, with_progress};
use crate::error::Error;
use crate::exec::event::Event;
use crate::system::real::RealSystem;
use crate::{exec, fill};

pub(crate) fn run(file: &Path, keep_files: bool) -> Result<(), Error> {
    let (lab, _) = prepare("down", file)?;
    with_progress(|emit| {
        // Properties a killed fill left changed go back before the rest.
        let released = lab.fills.iter().try_for_each(|f| {
            fill::release(f, &lab.state_dir, &RealSystem, &mut |e| {
                emit(&Event::Fill(e.clone()));
            })
            .map_err(|source| Error::Fill {
                target: f.target.to_string(),
                source,
            })
        });
        exec::down(&lab.name, &lab.state_dir, keep_files, &RealSystem, emit)?;
        released
    })
}
