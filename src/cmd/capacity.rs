//! `zlab capacity FILE` (a scenario's pools and fills) and `zlab capacity
//! --layouts` (the dRAID layouts a number of drives allows).

use std::io::Write;
use std::path::Path;

use super::{host_facts, load_lab};
use crate::capacity;
use crate::capacity::render;
use crate::cli::CapacityFormat;
use crate::error::Error;
use crate::zfs::capacity::layouts::{Search, candidates};

pub(crate) fn scenario(
    file: &Path,
    format: CapacityFormat,
    portable: bool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let report = capacity::of(&load_lab(file, &host_facts(portable))?);
    out.write_all(
        match format {
            CapacityFormat::Text => render::text(&report),
            CapacityFormat::Json => render::json(&report),
        }
        .as_bytes(),
    )?;
    Ok(())
}

pub(crate) fn layouts(
    search: &Search,
    recordsize: u64,
    format: CapacityFormat,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let candidates = candidates(search)?;
    out.write_all(
        match format {
            CapacityFormat::Text => render::layouts_text(search, &candidates, recordsize),
            CapacityFormat::Json => render::layouts_json(search, &candidates),
        }
        .as_bytes(),
    )?;
    Ok(())
}
