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
    #[error("the scenario is invalid")]
    Invalid(Vec<Diagnostic>),

    #[error(transparent)]
    Preflight(#[from] crate::system::PreflightError),

    #[error("write the output: {0}")]
    Output(#[from] std::io::Error),

    #[error("the state journal: {0}")]
    Journal(crate::system::CommandError),

    #[error("{step}: {source}")]
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

    #[error("experiment {name}: {source}")]
    Experiment {
        name: String,
        source: crate::experiment::ExperimentError,
    },

    #[error(transparent)]
    Registry(#[from] crate::registry::RegistryError),

    #[error("write {}: {source}; check that the directory exists and is writable", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    /// A failure with the command to run next, as `zlab` knows it.
    #[error("{source}\n  next: {next}")]
    Next { source: Box<Error>, next: String },

    #[error(transparent)]
    Locked(#[from] crate::system::lock::LockError),

    /// `down --from-system` left what it could not prove to be the lab's.
    #[error("left alone what nothing proves to be the lab's (or could not be undone); check each and run what applies by hand:\n  {}", remaining.join("\n  "))]
    Unproven { remaining: Vec<String> },

    /// The lab's journal cannot be read: corrupt, or of another format.
    #[error(
        "refusing to go on: the journal {} cannot be used: {defect}; nothing was touched\n  next: `zlab down --from-system {}` tears down what can be proved to be the lab's and lists the rest",
        journal.display(), scenario.display()
    )]
    JournalUnreadable {
        journal: PathBuf,
        /// This lab's scenario, absolute.
        scenario: PathBuf,
        defect: JournalDefect,
    },

    /// The journal was written for another lab: two labs would share one
    /// state directory.
    #[error(
        "refusing to go on: {} belongs to lab `{lab}` of {}, not to {}; two labs would share one state directory\n  next: give this scenario its own `lab:` name or `state_dir:`, or tear the other lab down with `zlab down {}`",
        journal.display(), owner.display(), scenario.display(), owner.display()
    )]
    JournalForeign {
        journal: PathBuf,
        /// This lab's scenario, absolute.
        scenario: PathBuf,
        /// The lab that wrote the journal: its name and scenario.
        lab: String,
        owner: PathBuf,
    },

    #[error("teardown incomplete (journal: {}); still to do by hand:\n  {}", journal.display(), remaining.join("\n  "))]
    TeardownIncomplete {
        journal: PathBuf,
        remaining: Vec<String>,
    },
}

/// What is wrong with a journal zlab cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JournalDefect {
    #[error("it is not JSON ({0})")]
    NotJson(String),
    #[error("it was written by an older zlab, without the identities that prove what is the lab's")]
    Unversioned,
    #[error("it is format version {found}; this zlab reads versions {oldest} to {newest}")]
    Version {
        found: u64,
        oldest: u32,
        newest: u32,
    },
    #[error("it does not hold what a journal holds ({0})")]
    Malformed(String),
}

impl From<crate::scenario::LoadError> for Error {
    /// An invalid scenario is reported as diagnostics, however it was found.
    fn from(e: crate::scenario::LoadError) -> Self {
        let crate::scenario::LoadError::Invalid(diags) = e;
        Error::Invalid(diags)
    }
}

impl Error {
    /// This error with `next` said after it.
    pub(crate) fn next(self, next: impl Into<String>) -> Error {
        Error::Next {
            source: Box::new(self),
            next: next.into(),
        }
    }

    /// What to do next, for the failures whose message does not say it
    /// already (a refusal names its fix, `Next` carries its own): the one
    /// table of generic next steps, shown by the renderer after the message.
    pub fn next_step(&self) -> Option<String> {
        use crate::rig::RigError;
        use crate::system::PreflightError;
        let step = match self {
            Error::Preflight(PreflightError::NotRoot { command }) => {
                format!("run it as root: `sudo zlab {command} …`")
            }
            Error::Preflight(PreflightError::MissingTool { package, .. }) => {
                format!("install it: `apt install {package}`, then run the command again")
            }
            Error::Output(_) | Error::Report(crate::report::Error::Output(_)) => {
                "check where standard output goes (a full disk, a file that cannot be written) and run the command again".to_owned()
            }
            Error::Journal(_) => {
                "check that the lab's state directory (`state_dir:`, by default /var/lib/zlab/<lab>) is writable and has free space, then run the command again; `zlab status FILE` shows what exists".to_owned()
            }
            Error::Mismatch(_) => {
                "`zlab status FILE` lists each difference; `zlab down FILE`, then `zlab up FILE`, builds the lab again".to_owned()
            }
            Error::Report(crate::report::Error::Read { .. }) => {
                "give the fill log: `<state_dir>/fill-<target>.jsonl`, as `zlab fill` prints it".to_owned()
            }
            Error::Report(crate::report::Error::Write { .. }) => {
                "check that the directory exists and is writable, or give another path with -o".to_owned()
            }
            Error::Layouts(_) => "see `zlab capacity --help` for `--drives` and `--size`".to_owned(),
            Error::Registry(_) => {
                "check that the registry directory (`$ZLAB_LABS`, by default /var/lib/zlab/labs) is writable".to_owned()
            }
            Error::Rig(e) => match e {
                RigError::Io { .. } => {
                    "check that the rig's cache (`$ZLAB_RIG_CACHE`, by default ~/.cache/zlab/rig) is writable and has free space".to_owned()
                }
                RigError::Build { .. } => {
                    "run `rig/host-setup.sh` as root (packages and headers the build needs; rig/README.md), then try again".to_owned()
                }
                RigError::Qemu(_) => {
                    "install qemu (`rig/host-setup.sh` does), then try again".to_owned()
                }
                RigError::Boot { .. } | RigError::GuestGone { .. } => {
                    "`zlab rig down`, then try again; the console log says why".to_owned()
                }
                RigError::Stop { pid, .. } => format!("stop it by hand: `kill {pid}`"),
                _ => return None,
            },
            _ => return None,
        };
        Some(step)
    }

    /// The reader of the output went away (`zlab … | head -1`): not worth a
    /// word, and not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        let io = match self {
            Error::Output(e) => Some(e),
            Error::Report(crate::report::Error::Output(e)) => Some(e),
            Error::Next { source, .. } => return source.is_broken_pipe(),
            _ => None,
        };
        io.is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// The process exit code for this error (usage errors never get here: clap exits 2).
    pub fn exit_code(&self) -> u8 {
        match self {
            // `zlab rig exec` passes the guest command's status on, as ssh does.
            Error::Rig(crate::rig::RigError::GuestExit { status, .. }) => {
                u8::try_from(*status).ok().filter(|s| *s != 0).unwrap_or(1)
            }
            Error::Next { source, .. } => source.exit_code(),
            _ => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_that_do_not_say_what_next_get_a_step_and_the_rest_keep_theirs() {
        let io = || std::io::Error::other("disk full");
        for e in [
            Error::Output(io()),
            Error::Journal(crate::system::CommandError::Io {
                action: "write",
                path: "/var/lib/zlab/t/journal.json".into(),
                source: io(),
            }),
            Error::Mismatch(vec!["pool tank: no log vdev".into()]),
            Error::Preflight(crate::system::PreflightError::NotRoot { command: "up" }),
        ] {
            assert!(e.next_step().is_some(), "{e}");
        }
        // These say it themselves.
        let refused = Error::Refused("brd is already loaded; `rmmod brd` first".into());
        assert_eq!(refused.next_step(), None);
        assert_eq!(refused.next("x").next_step(), None);
    }
}
