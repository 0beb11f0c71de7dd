//! `zlab capacity FILE` (a scenario's pools and fills) and `zlab capacity
//! --layouts` (the dRAID layouts a number of drives allows).

use std::io::Write;
use std::path::Path;

use super::{host_facts, load_lab};
use crate::capacity;
use crate::cli::ReportFormat;
use crate::error::Error;
use crate::zfs::capacity::layouts::{Search, candidates};

pub(crate) fn scenario(
    file: &Path,
    format: ReportFormat,
    portable: bool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let report = capacity::report(&load_lab(file, &host_facts(portable))?);
    out.write_all(
        match format {
            ReportFormat::Text => capacity::text(&report),
            ReportFormat::Json => capacity::json(&report),
        }
        .as_bytes(),
    )?;
    Ok(())
}

pub(crate) fn layouts(
    search: &Search,
    recordsize: u64,
    format: ReportFormat,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let candidates = candidates(search)?;
    out.write_all(
        match format {
            ReportFormat::Text => capacity::layouts_text(search, &candidates, recordsize),
            ReportFormat::Json => capacity::layouts_json(search, &candidates),
        }
        .as_bytes(),
    )?;
    Ok(())
}
