//! zlab's error type and its documented exit codes.
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | success (`validate`: the scenario is valid) |
//! | 1 | the scenario is invalid, or an action failed |
//! | 2 | usage error (bad command line), reported by clap |
//! | n | `zlab rig exec`: the guest command's own exit status |

use std::path::PathBuf;

use crate::diag::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Read(crate::scenario::LoadError),

    #[error("the scenario is invalid")]
    Invalid(Vec<Diagnostic>),

    #[error(transparent)]
    Preflight(#[from] crate::system::PreflightError),

    #[error("write the output: {0}")]
    Output(#[from] std::io::Error),

    #[error("the state journal: {0}")]
    Journal(crate::system::CommandError),

    #[error("step failed: {step}: {source}")]
    StepFailed {
        step: String,
        source: crate::system::CommandError,
    },

    #[error("the lab is not what the scenario says:\n  {}", .0.join("\n  "))]
    Mismatch(Vec<String>),

    #[error("refusing to go on: {0}")]
    Refused(String),

    #[error(transparent)]
    Report(#[from] crate::report::Error),
    #[error("list dRAID layouts: {0}")]
    Layouts(#[from] crate::zfs::capacity::layouts::SearchError),
    #[error("{0}")]
    Rig(#[from] crate::rig::RigError),
    #[error("fill {target}: {source}")]
    Fill {
        target: String,
        source: crate::fill::FillError,
    },

    #[error("teardown incomplete; still to do by hand (journal kept at {}):\n  {}", journal.display(), remaining.join("\n  "))]
    TeardownIncomplete {
        journal: PathBuf,
        remaining: Vec<String>,
    },
}

impl From<crate::scenario::LoadError> for Error {
    /// An invalid scenario is reported as diagnostics, however it was found.
    fn from(e: crate::scenario::LoadError) -> Self {
        match e {
            crate::scenario::LoadError::Invalid(diags) => Error::Invalid(diags),
            read => Error::Read(read),
        }
    }
}

impl Error {
    /// The process exit code for this error (usage errors never get here: clap exits 2).
    pub fn exit_code(&self) -> u8 {
        match self {
            // `zlab rig exec` passes the guest command's status on, as ssh does.
            Error::Rig(crate::rig::RigError::GuestExit { status, .. }) => {
                u8::try_from(*status).ok().filter(|s| *s != 0).unwrap_or(1)
            }
            _ => 1,
        }
    }
}
