//! `zlab down`: undo what the journal records, newest first. It keeps going
//! after a failure and reports what remains, with the commands still to run.

use std::path::Path;
use std::time::Instant;

use super::event::{Event, Outcome};
use super::journal::{Journal, Resource};
use super::up::journal_path;
use crate::error::Error;
use crate::system::System;
use crate::system::command::CommandLine;
use crate::system::probe;

pub(crate) fn down(
    lab: &str,
    state_dir: &Path,
    keep_files: bool,
    sys: &dyn System,
    emit: &mut dyn FnMut(&Event),
) -> Result<(), Error> {
    let path = journal_path(state_dir);
    let mut journal = Journal::load(sys, &path, lab).map_err(Error::Journal)?;
    if journal.records.is_empty() {
        emit(&Event::Note(format!(
            "nothing to tear down: no journal at {}",
            path.display()
        )));
        return Ok(());
    }
    let records: Vec<_> = journal.records.iter().rev().cloned().collect();
    let total = records.len();
    let mut remaining = Vec::new();
    for (i, record) in records.into_iter().enumerate() {
        let index = i + 1;
        let keep = keep_files
            && matches!(
                record.resource,
                Resource::File { .. } | Resource::Dir { .. }
            );
        if keep {
            continue;
        }
        let commands = undo_commands(&record.resource, sys);
        let description = format!("undo: {}", record.step);
        emit(&Event::StepStarted {
            index,
            total,
            description: description.clone(),
        });
        let started = Instant::now();
        let mut failed = None;
        for (n, command) in commands.iter().enumerate() {
            emit(&Event::Command(command.to_string()));
            if let Err(e) = sys.run(command) {
                failed = Some(e.to_string());
                remaining.extend(commands[n..].iter().map(ToString::to_string));
                break;
            }
        }
        match failed {
            None => {
                journal.remove(&record.step);
                journal.save(sys, &path).map_err(Error::Journal)?;
                let outcome = if commands.is_empty() {
                    Outcome::Skipped("nothing left to undo".into())
                } else {
                    Outcome::Done
                };
                emit(&Event::StepFinished {
                    index,
                    total,
                    description,
                    outcome,
                    elapsed: started.elapsed(),
                });
            }
            Some(error) => emit(&Event::StepFailed {
                index,
                total,
                description,
                error,
            }),
        }
    }
    if !remaining.is_empty() {
        return Err(Error::TeardownIncomplete {
            journal: path,
            remaining,
        });
    }
    if journal.records.is_empty() {
        sys.remove_file(&path).map_err(Error::Journal)?;
        // The state directory is zlab's own; it goes once empty.
        let rmdir = CommandLine::new("rmdir")
            .arg("--ignore-fail-on-non-empty")
            .arg(state_dir.to_string_lossy());
        emit(&Event::Command(rmdir.to_string()));
        sys.run(&rmdir).map_err(Error::Journal)?;
    }
    Ok(())
}

/// What undoes a resource, given what still exists (nothing for what is gone).
fn undo_commands(resource: &Resource, sys: &dyn System) -> Vec<CommandLine> {
    match resource {
        Resource::Pool { name } if probe::pool_exists(sys, name) => {
            vec![CommandLine::new("zpool").arg("destroy").arg(name.clone())]
        }
        Resource::Mount { path } if probe::is_mounted(sys, path) => {
            vec![CommandLine::new("umount").arg(path.to_string_lossy())]
        }
        Resource::Brd if probe::module_loaded(sys, "brd") => {
            vec![CommandLine::new("rmmod").arg("brd")]
        }
        Resource::Loop { file, device, .. } => probe::loops_of(sys, file)
            .into_iter()
            .filter(|d| device.as_ref().is_none_or(|ours| ours == d))
            .map(|d| {
                CommandLine::new("losetup")
                    .arg("--detach")
                    .arg(d.to_string_lossy())
            })
            .collect(),
        Resource::File { path } if sys.exists(path) => {
            vec![CommandLine::new("rm").arg("-f").arg(path.to_string_lossy())]
        }
        Resource::Dir { path } if sys.exists(path) => vec![
            CommandLine::new("rmdir")
                .arg("--ignore-fail-on-non-empty")
                .arg(path.to_string_lossy()),
        ],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::system::fake::FakeSystem;

    fn journal(sys: &FakeSystem) {
        let mut j = Journal {
            lab: "t".into(),
            records: Vec::new(),
        };
        j.set("dir", Resource::Dir { path: "/z".into() }, true);
        j.set(
            "file",
            Resource::File {
                path: "/z/a.img".into(),
            },
            true,
        );
        j.set(
            "loop",
            Resource::Loop {
                file: "/z/a.img".into(),
                var: "d_0".into(),
                device: Some("/dev/loop4".into()),
            },
            true,
        );
        j.set(
            "pool",
            Resource::Pool {
                name: "tank".into(),
            },
            false,
        );
        j.save(sys, Path::new("/state/journal.json")).expect("save");
        // The fake's file table stands in for the disk: the dir and file exist.
        sys.write_atomic(Path::new("/z"), b"").expect("dir");
        sys.write_atomic(Path::new("/z/a.img"), b"").expect("file");
    }

    #[test]
    fn down_undoes_newest_first_and_removes_the_journal() {
        let sys = FakeSystem::new();
        journal(&sys);
        sys.expect("zpool list -H -o name tank", "tank\n")
            .expect("zpool destroy tank", "")
            .expect(
                "losetup --list --noheadings --output NAME --associated /z/a.img",
                "/dev/loop4\n",
            )
            .expect("losetup --detach /dev/loop4", "")
            .expect("rm -f /z/a.img", "")
            .expect("rmdir --ignore-fail-on-non-empty /z", "")
            .expect("rmdir --ignore-fail-on-non-empty /state", "");
        down("t", Path::new("/state"), false, &sys, &mut |_| {}).expect("down");
        assert!(!sys.exists(Path::new("/state/journal.json")));
    }

    #[test]
    fn down_goes_on_after_a_failure_and_lists_what_remains() {
        let sys = FakeSystem::new();
        journal(&sys);
        sys.expect("zpool list -H -o name tank", "tank\n")
            .expect_failure("zpool destroy tank", "pool is busy")
            .expect(
                "losetup --list --noheadings --output NAME --associated /z/a.img",
                "/dev/loop4\n",
            )
            .expect("losetup --detach /dev/loop4", "")
            .expect("rm -f /z/a.img", "")
            .expect("rmdir --ignore-fail-on-non-empty /z", "");
        let err = down("t", Path::new("/state"), false, &sys, &mut |_| {}).expect_err("incomplete");
        let Error::TeardownIncomplete { remaining, .. } = err else {
            panic!("{err}")
        };
        assert_eq!(remaining, vec!["zpool destroy tank".to_owned()]);
        let left = Journal::load(&sys, Path::new("/state/journal.json"), "t").expect("kept");
        assert_eq!(left.records.len(), 1);
    }
}
