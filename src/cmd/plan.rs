//! `zlab plan FILE` (and `zlab up --dry-run`): the plan rendered, nothing run.

use std::io::Write;
use std::path::Path;

use super::load_lab;
use crate::cli::Format;
use crate::error::Error;
use crate::host::HostFacts;
use crate::{capacity, plan};

pub(crate) fn run(
    file: &Path,
    format: Format,
    host: &HostFacts,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let lab = load_lab(file, host)?;
    let capacity = capacity::of(&lab);
    let plan = plan::build(&lab, &capacity);
    let text = match format {
        Format::Text => plan::render::text(&plan, &capacity),
        Format::Sh => plan::render::sh(&plan),
        Format::Json => plan::render::json(&plan),
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}
