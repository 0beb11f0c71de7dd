//! `zlab validate FILE…`: every rule of every file, all problems at once.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use super::load_lab;
use crate::cli::OutputFormat;
use crate::diag::Diagnostic;
use crate::error::Error;
use crate::host::HostFacts;
use crate::lab::Lab;
use crate::output::{self, Output};

/// `zlab validate --format json` (docs/json.md).
#[derive(Debug, Serialize)]
struct Report {
    valid: bool,
    files: Vec<FileReport>,
}

#[derive(Debug, Serialize)]
struct FileReport {
    file: PathBuf,
    valid: bool,
    /// For a valid file: what its lab contains.
    #[serde(skip_serializing_if = "Option::is_none")]
    contents: Option<Contents>,
    diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Serialize)]
struct Contents {
    lab: String,
    devices: usize,
    pools: Vec<String>,
    fills: usize,
    experiments: usize,
}

pub(crate) fn run(
    files: &[PathBuf],
    host: &HostFacts,
    format: OutputFormat,
    say: Output,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let mut reports = Vec::new();
    for file in files {
        // Every file is checked, whatever happens to the ones before it or to
        // the reader of the output (`| head -1`).
        let report = match load_lab(file, host) {
            Ok(lab) => FileReport {
                file: file.clone(),
                valid: true,
                contents: Some(contents(&lab)),
                diagnostics: Vec::new(),
            },
            Err(Error::Invalid(diagnostics)) => FileReport {
                file: file.clone(),
                valid: false,
                contents: None,
                diagnostics,
            },
            Err(e) => return Err(e),
        };
        if format == OutputFormat::Text
            && !say.quiet()
            && let Some(c) = &report.contents
        {
            ignore_broken_pipe(writeln!(out, "{}: valid ({})", file.display(), c.summary()))?;
        }
        reports.push(report);
    }
    let valid = reports.iter().all(|r| r.valid);
    if format == OutputFormat::Json {
        let report = Report {
            valid,
            files: reports,
        };
        out.write_all(output::document("validate", &report).as_bytes())?;
        if valid {
            return Ok(());
        }
        return Err(Error::Invalid(
            report
                .files
                .into_iter()
                .flat_map(|f| f.diagnostics)
                .collect(),
        ));
    }
    if valid {
        Ok(())
    } else {
        Err(Error::Invalid(
            reports.into_iter().flat_map(|f| f.diagnostics).collect(),
        ))
    }
}

fn contents(lab: &Lab) -> Contents {
    Contents {
        lab: lab.name.clone(),
        devices: lab.groups.iter().map(|g| g.members.len()).sum(),
        pools: lab.pools.iter().map(|p| p.name.clone()).collect(),
        fills: lab.fills.len(),
        experiments: lab.experiments.len(),
    }
}

impl Contents {
    /// One line about what a valid lab contains.
    fn summary(&self) -> String {
        format!(
            "{}, {}{}{}, {}{}",
            output::count(self.devices, "device"),
            output::count(self.pools.len(), "pool"),
            if self.pools.is_empty() { "" } else { ": " },
            self.pools.join(", "),
            output::count(self.fills, "fill"),
            if self.experiments == 0 {
                String::new()
            } else {
                format!(", {}", output::count(self.experiments, "experiment"))
            },
        )
    }
}

/// A reader that went away (`zlab validate … | head -1`) is not a failure.
fn ignore_broken_pipe(written: std::io::Result<()>) -> std::io::Result<()> {
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
