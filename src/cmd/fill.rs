//! `zlab fill FILE`: run the lab's fills, resuming where a last run stopped.
//! `zlab fill DATASET --until …` and `zlab fill --path DIR --until …`: one
//! fill of something that exists, with a scenario fill's rules, state, log,
//! resume and property restore; `--abandon` forgets a stopped one.

use std::path::Path;

use super::{Prepared, Progress, host_facts, lock_lab, lock_state, prepare, with_progress};
use crate::cli::FillArgs;
use crate::diag::Span;
use crate::error::Error;
use crate::exec::event::Event;
use crate::lab::{FillDir, FillSpec};
use crate::plan::step::Step;
use crate::scenario::model::{After, Fill, FillTarget, Property};
use crate::scenario::node::Located;
use crate::system::real::RealSystem;
use crate::zfs::version::Installed;
use crate::{exec, fill, system, validate};

/// What `zlab fill` was asked to fill.
pub(crate) enum Target<'a> {
    /// A scenario's fills.
    Scenario(&'a Path),
    /// A pool or dataset that exists.
    Dataset(&'a str),
    /// A mounted directory.
    Path(&'a Path),
}

impl<'a> Target<'a> {
    /// What the arguments name: with --path a directory; with --until or
    /// --abandon a dataset; else a scenario file (clap requires one of them).
    pub(crate) fn of(name: Option<&'a str>, path: Option<&'a Path>, args: &FillArgs) -> Self {
        match (name, path) {
            (_, Some(dir)) => Target::Path(dir),
            (Some(name), None) if args.until.is_some() || args.abandon => Target::Dataset(name),
            (name, None) => Target::Scenario(Path::new(name.unwrap_or_default())),
        }
    }
}

pub(crate) fn run(
    target: &Target<'_>,
    args: &FillArgs,
    overwrite: bool,
    progress: Progress<'_>,
) -> Result<(), Error> {
    match *target {
        Target::Scenario(file) => scenario(file, overwrite, progress),
        Target::Dataset(name) => {
            if Path::new(name).is_file() {
                return Err(Error::Refused(format!(
                    "`{name}` is a scenario file, not a dataset; its fills say what they fill: run `zlab fill {name}` without --until"
                )));
            }
            without_scenario(Some(name), None, args, overwrite, progress)
        }
        Target::Path(dir) => without_scenario(None, Some(dir), args, overwrite, progress),
    }
}

fn scenario(file: &Path, overwrite: bool, progress: Progress<'_>) -> Result<(), Error> {
    let Prepared {
        lab,
        plan,
        identity,
        zfs,
    } = prepare("fill", file, None)?;
    // The lab's journal, if there is one, must be this scenario's.
    exec::journal::Journal::load(
        &RealSystem,
        &exec::up::journal_path(&lab.state_dir),
        &identity,
    )?;
    let _lock = lock_lab("fill", &lab)?;
    with_progress(progress, |emit| {
        let fills = plan.steps.iter().filter_map(|s| match s {
            Step::Fill {
                fill,
                charge_per_file,
            } => Some((fill, *charge_per_file)),
            _ => None,
        });
        fills.into_iter().try_for_each(|(f, charge_per_file)| {
            fill_one(f, charge_per_file, overwrite, &zfs, &lab.state_dir, emit)
        })
    })
    .map_err(|e| {
        let f = file.display();
        e.next(format!(
            "fix the cause and run `zlab fill {f}` again: it resumes after the last complete file"
        ))
    })
}

/// Runs one fill, its events shown as a lab's.
fn fill_one(
    f: &FillSpec,
    charge_per_file: Option<u64>,
    overwrite: bool,
    zfs: &Installed,
    state_dir: &Path,
    emit: &mut dyn FnMut(&Event),
) -> Result<(), Error> {
    let how = fill::run::How::here(charge_per_file, overwrite, zfs);
    fill::run(f, &how, state_dir, &RealSystem, &mut |e| {
        emit(&Event::Fill(e.clone()));
    })
    .map(drop)
    .map_err(|source| Error::Fill {
        target: f.target.to_string(),
        source,
    })
}

/// A fill of a dataset or directory that exists: the flags make a fill as a
/// scenario's `fills:` entry would, checked by the same rules.
fn without_scenario(
    dataset: Option<&str>,
    path: Option<&Path>,
    args: &FillArgs,
    overwrite: bool,
    progress: Progress<'_>,
) -> Result<(), Error> {
    let host = host_facts(false, None);
    let spec = validate::command_line_fill(&fill_of(dataset, path, args), &host)
        .map_err(Error::Invalid)?;
    let shown = spec.target.to_string();
    let again = match &spec.target {
        FillDir::Dataset { name, .. } => format!("zlab fill {name}"),
        FillDir::Path(p) => format!("zlab fill --path {}", p.display()),
    };
    let programs = match &spec.target {
        FillDir::Dataset { .. } => vec!["zfs".to_owned()],
        FillDir::Path(_) => vec!["df".to_owned()],
    };
    system::preflight("fill", programs)?;
    let state_dir = fill::state::without_scenario_dir(&spec.target);
    let _lock = lock_state(&state_dir, &format!("fill {shown}"))?;
    let result = with_progress(progress, |emit| {
        if args.abandon {
            let keep = fill::Release::KeepLog;
            return fill::release(&spec.target, &state_dir, keep, &RealSystem, &mut |e| {
                emit(&Event::Fill(e.clone()));
            })
            .map_err(|source| Error::Fill {
                target: shown.clone(),
                source,
            });
        }
        // What each file costs a pool zlab did not plan is not known: its size.
        fill_one(&spec, None, overwrite, &host.installed, &state_dir, emit)
    });
    // A fill that kept nothing (refused, or its target missing) leaves no
    // directory behind; the lock goes with it, as `Lock::lab` allows.
    if std::fs::read_dir(&state_dir).is_ok_and(|d| {
        d.filter_map(Result::ok)
            .all(|e| e.path() == crate::system::lock::path(&state_dir))
    }) {
        let _ = std::fs::remove_file(crate::system::lock::path(&state_dir));
        let _ = std::fs::remove_dir(&state_dir);
    }
    result.map_err(|e| match e {
        Error::Fill {
            source: fill::FillError::Changed { .. },
            ..
        } => e.next(format!(
            "`{again} --abandon` forgets the fill on record (its files stay), then run this again"
        )),
        e if args.abandon => e.next(format!("fix the cause and run `{again} --abandon` again")),
        e => e.next(format!(
            "fix the cause and run the same `{again} …` again (a stopped fill resumes after its last complete file)"
        )),
    })
}

/// The scenario fill the flags describe. Nothing the flags give has a place
/// in a file: every value is located nowhere, and a diagnostic names its flag.
fn fill_of(dataset: Option<&str>, path: Option<&Path>, args: &FillArgs) -> Fill {
    Fill {
        dataset: dataset.map(|d| nowhere(d.to_owned())),
        path: path.map(|p| nowhere(p.to_path_buf())),
        // --abandon needs only the target.
        until: nowhere(args.until.unwrap_or(FillTarget::Files(1))),
        file_size: nowhere(args.file_size),
        buffer: nowhere(args.buffer),
        pattern: nowhere(args.pattern.clone()),
        streams: nowhere(args.streams),
        window: nowhere(args.window),
        direct: nowhere(args.direct),
        during: args
            .during
            .iter()
            .map(|(name, value)| Property {
                name: nowhere(name.clone()),
                value: nowhere(value.clone()),
            })
            .collect(),
        after: nowhere(After::Restore),
    }
}

fn nowhere<T>(value: T) -> Located<T> {
    Located::new(value, Span::default())
}
