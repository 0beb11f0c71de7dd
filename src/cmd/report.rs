//! `zlab report LOG` and `zlab report RESULTS…`: a fill log summarised, its
//! throughput plotted; or experiments' results tabulated and plotted side by
//! side. The first file says which: a results file begins with a `start`
//! record.

use std::io::Write;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::experiment::results::{ReadError, is_results};
use crate::report;

pub(crate) fn run(
    logs: &[PathBuf],
    output: Option<&Path>,
    window: Option<NonZeroU32>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let [first, rest @ ..] = logs else {
        // clap requires one file at least.
        return Ok(());
    };
    if rest.is_empty() && !is_results(first) {
        return Ok(report::report(
            first,
            output,
            window,
            out,
            &mut std::io::stderr(),
        )?);
    }
    for path in logs {
        // A file that cannot be opened is named as such, not as a stranger.
        if let Err(source) = std::fs::File::open(path) {
            return Err(report::Error::Results(ReadError::Io {
                path: path.clone(),
                source,
            })
            .into());
        }
        if !is_results(path) {
            return Err(if path == first {
                report::Error::SeveralLogs {
                    path: path.clone(),
                    count: logs.len(),
                }
            } else {
                report::Error::NotResults {
                    path: path.clone(),
                    first: first.clone(),
                }
            }
            .into());
        }
    }
    if window.is_some() {
        return Err(
            Error::from(report::Error::WindowForResults).next("run it again without --window")
        );
    }
    Ok(report::results(logs, output, out, &mut std::io::stderr())?)
}
