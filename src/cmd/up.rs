//! `zlab up FILE`: build the lab, fills included unless `--no-fill`.

use std::io::{IsTerminal, Write};
use std::path::Path;

use super::{lab_identity, lock_lab, prepare, with_progress};
use crate::error::Error;
use crate::exec;
use crate::exec::confirm::Confirm;
use crate::exec::event::Event;
use crate::plan::step::Step;
use crate::system::real::RealSystem;
use crate::zfs::version::ZfsVersion;

/// What `zlab up` was told on its command line.
pub(crate) struct Flags {
    pub(crate) no_fill: bool,
    pub(crate) adopt: bool,
    pub(crate) yes: bool,
    pub(crate) zfs_version: Option<ZfsVersion>,
}

pub(crate) fn run(file: &Path, flags: &Flags) -> Result<(), Error> {
    let (lab, mut plan) = prepare("up", file, flags.zfs_version.clone())?;
    let identity = lab_identity(&lab)?;
    let _lock = lock_lab("up", &lab)?;
    let mut ask = ask_on_terminal;
    let confirm = if flags.yes {
        Confirm::Yes
    } else if std::io::stdin().is_terminal() {
        Confirm::Ask(&mut ask)
    } else {
        Confirm::NoTerminal
    };
    let mut options = exec::up::Options {
        adopt: flags.adopt,
        confirm,
    };
    let result = with_progress(|emit| {
        if flags.no_fill && !lab.fills.is_empty() {
            plan.steps.retain(|s| !matches!(s, Step::Fill { .. }));
            emit(&Event::Note(format!(
                "--no-fill: leaving the fills to `zlab fill {}`",
                file.display()
            )));
        }
        exec::up(
            &plan,
            &identity,
            &lab.state_dir,
            &mut options,
            &RealSystem,
            emit,
        )
    });
    // Refused before anything was made: leave no state directory behind.
    if result.is_err() && !exec::up::journal_path(&lab.state_dir).exists() {
        let _ = std::fs::remove_file(crate::system::lock::path(&lab.state_dir));
        let _ = std::fs::remove_dir(&lab.state_dir);
    }
    result
}

/// Asks on the terminal; only `yes` is yes.
fn ask_on_terminal(question: &str) -> bool {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}
