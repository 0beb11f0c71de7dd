//! What can stop a report: of a fill log, or of experiments' results.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "{}: no file records in {}{}; is it a `zlab fill` log?",
        path.display(),
        crate::output::count(lines, "line"),
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

    /// A results file that cannot be read, or a line of it that is no record.
    #[error(transparent)]
    Results(#[from] crate::experiment::results::ReadError),

    /// A file given after a results file that is not one.
    #[error(
        "{}: not the results of `zlab experiment` (JSON lines that begin with a `start` record, as in `<state_dir>/results-<experiment>.jsonl`); files reported together must all be, as {} is",
        path.display(),
        first.display()
    )]
    NotResults { path: PathBuf, first: PathBuf },

    /// Several files, the first of them not a results file.
    #[error(
        "{}: not the results of `zlab experiment`, and only experiments' results are reported several at once ({count} files given); report a fill log on its own: `zlab report {}`",
        path.display(),
        path.display()
    )]
    SeveralLogs { path: PathBuf, count: usize },

    #[error("--window is for a fill log's rolling throughput; experiments' results have none")]
    WindowForResults,
}
