//! `zlab capacity FILE` (a scenario's pools and fills) and `zlab capacity
//! --layouts` (the dRAID layouts a number of drives allows).

use std::io::Write;
use std::path::Path;

use super::{host_facts, load_lab};
use crate::capacity;
use crate::capacity::render;
use crate::cli::OutputFormat;
use crate::error::Error;
use crate::zfs::capacity::layouts::{Search, candidates};

pub(crate) fn scenario(
    file: &Path,
    format: OutputFormat,
    portable: bool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let report = capacity::of(&load_lab(file, &host_facts(portable, None))?);
    out.write_all(
        match format {
            OutputFormat::Text => render::text(&report),
            OutputFormat::Json => render::json(&report),
        }
        .as_bytes(),
    )?;
    Ok(())
}

pub(crate) fn layouts(
    search: &Search,
    recordsize: u64,
    format: OutputFormat,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let candidates = candidates(search)?;
    out.write_all(
        match format {
            OutputFormat::Text => render::layouts_text(search, &candidates, recordsize),
            OutputFormat::Json => render::layouts_json(search, &candidates),
        }
        .as_bytes(),
    )?;
    Ok(())
}
