//! What can stop a fill report.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "{}: no file records in {lines} lines{}; is it a `zlab fill` log?",
        path.display(),
        first_problem.as_ref().map(|p| format!(" (line {p})")).unwrap_or_default()
    )]
    NoFiles {
        path: PathBuf,
        lines: u64,
        /// The first malformed line, as `N: reason`.
        first_problem: Option<String>,
    },

    #[error("write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("refusing to write the plot over the log {}: give another path with -o", path.display())]
    PlotIsLog { path: PathBuf },

    #[error("write the report: {0}")]
    Output(#[source] std::io::Error),
}
