//! `zlab report LOG`: a fill log summarised, its throughput plotted.

use std::io::Write;
use std::num::NonZeroU32;
use std::path::Path;

use crate::error::Error;
use crate::report;

pub(crate) fn run(
    log: &Path,
    output: Option<&Path>,
    window: Option<NonZeroU32>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    Ok(report::report(
        log,
        output,
        window,
        out,
        &mut std::io::stderr(),
    )?)
}
