//! `zlab status FILE`: what exists of the lab, step by step.

use std::io::Write;
use std::path::Path;

use super::{Prepared, prepare};
use crate::cli::OutputFormat;
use crate::error::Error;
use crate::exec;
use crate::output::{self, Output};
use crate::system::real::RealSystem;

pub(crate) fn run(
    file: &Path,
    format: OutputFormat,
    say: Output,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let Prepared {
        lab,
        plan,
        identity,
        zfs,
    } = prepare("status", file, None)?;
    let status = exec::status::status(&plan, &identity, &lab.state_dir, &zfs, &RealSystem)?;
    let text = match format {
        OutputFormat::Text => exec::status::text(&status, say.palette()),
        OutputFormat::Json => output::document("status", &status),
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}
