//! `zlab up FILE`: build the lab, fills included unless `--no-fill`.

use std::io::{IsTerminal, Write};
use std::path::Path;

use super::{Prepared, Progress, is_std, lock_lab, prepare, with_progress};
use crate::error::Error;
use crate::exec;
use crate::exec::confirm::Confirm;
use crate::exec::event::Event;
use crate::output::Palette;
use crate::plan::step::Step;
use crate::registry::{self, Entry};
use crate::system::real::RealSystem;
use crate::zfs::version::ZfsVersion;

/// What `zlab up` was told on its command line.
pub(crate) struct Flags {
    pub(crate) no_fill: bool,
    pub(crate) adopt: bool,
    pub(crate) yes: bool,
    pub(crate) zfs_version: Option<ZfsVersion>,
}

pub(crate) fn run(file: &Path, flags: &Flags, progress: Progress<'_>) -> Result<(), Error> {
    let Prepared {
        lab,
        mut plan,
        identity,
        zfs,
    } = prepare("up", file, flags.zfs_version.clone())?;
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
        zfs,
    };
    let result = with_progress(progress, |emit| {
        // Listed before anything is made, so a half-built lab is listed too.
        if !is_std(file)
            && let Err(e) = registry::register(&registry::dir(), &Entry::of(&lab))
        {
            emit(&Event::Note(format!("warning: {e}")));
        }
        // A lab that partly exists: the difference first, then the steps.
        if let Some(mismatch) = options.zfs.mismatch() {
            emit(&Event::Note(format!("warning: {mismatch}")));
        }
        let against = super::plan::against_machine(&lab, &plan, &options.zfs, Palette::new(false));
        for line in against.lines().filter(|l| !l.is_empty()) {
            emit(&Event::Note(line.to_owned()));
        }
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
    // Refused before anything was made: leave no state directory and no
    // registry entry behind.
    if result.is_err() && !exec::up::journal_path(&lab.state_dir).exists() {
        super::forget_state_without_journal(&lab);
        if !is_std(file) {
            let _ = registry::unregister(&registry::dir(), &Entry::of(&lab));
        }
    }
    result.map_err(|e| {
        // A refusal says itself what to do; a step that failed leaves a lab
        // half-built.
        if matches!(
            e,
            Error::Refused(_)
                | Error::Locked(_)
                | Error::JournalUnreadable { .. }
                | Error::JournalForeign { .. }
        ) {
            return e;
        }
        let f = file.display();
        e.next(format!(
            "`zlab status {f}` shows what exists; fix the cause and run `zlab up {f}` again to go on, or `zlab down {f}` to undo what was done"
        ))
    })
}

/// Asks on the terminal; only `yes` is yes.
fn ask_on_terminal(question: &str) -> bool {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}
