//! `zlab experiment FILE`: run the scenario's experiments on its lab.

use std::path::Path;

use super::{Prepared, Progress, lock_lab, prepare, with_progress};
use crate::error::Error;
use crate::exec::journal::{Journal, Resource};
use crate::lab::{ExperimentSpec, FillDir};
use crate::plan::step::Step;
use crate::system::real::RealSystem;
use crate::{exec, experiment, system};

pub(crate) fn run(file: &Path, name: Option<&str>, progress: Progress<'_>) -> Result<(), Error> {
    let Prepared {
        lab,
        plan,
        identity,
        zfs,
    } = prepare("experiment", file, None)?;
    let chosen: Vec<&ExperimentSpec> = lab
        .experiments
        .iter()
        .filter(|e| name.is_none_or(|n| e.name == n))
        .collect();
    let f = file.display();
    if chosen.is_empty() {
        let declared: Vec<&str> = lab.experiments.iter().map(|e| e.name.as_str()).collect();
        return Err(Error::Refused(match (name, declared.is_empty()) {
            (_, true) => format!("{f} declares no experiment; add one under `experiments:`"),
            (Some(n), false) => format!(
                "{f} has no experiment `{n}`; it declares: {}",
                declared.join(", ")
            ),
            (None, false) => unreachable!("every experiment is chosen without --name"),
        }));
    }
    system::preflight(
        "experiment",
        vec!["fio".into(), "zpool".into(), "zfs".into()],
    )?;
    let journal_at = exec::up::journal_path(&lab.state_dir);
    if !journal_at.exists() {
        return Err(Error::Refused(format!(
            "the lab {} is not up (no journal at {}); run `zlab up {f}` first",
            lab.name,
            journal_at.display()
        )));
    }
    let journal = Journal::load(&RealSystem, &journal_at, &identity)?;
    let _lock = lock_lab("experiment", &lab)?;
    with_progress(progress, |emit| {
        for spec in chosen {
            // The planner's charge of the scenario's fill of this dataset, if any.
            let charge_per_file = plan.steps.iter().find_map(|s| match s {
                Step::Fill {
                    fill,
                    charge_per_file,
                } if matches!(&fill.target, FillDir::Dataset { name, .. } if *name == spec.dataset) => {
                    *charge_per_file
                }
                _ => None,
            });
            let layout = lab
                .pools
                .iter()
                .filter(|p| p.name == spec.pool)
                .flat_map(|p| &p.data)
                .map(|v| v.kind.to_string())
                .collect();
            let bind = |var: &str| journal.binding(var);
            let pool_guid = journal.records.iter().find_map(|r| match &r.resource {
                Resource::Pool { name, guid } if *name == spec.pool && r.done => *guid,
                _ => None,
            });
            let setup = experiment::Setup {
                lab: &lab.name,
                state_dir: &lab.state_dir,
                layout,
                bind: &bind,
                pool_guid,
                zfs: &zfs,
                charge_per_file,
                poll: std::time::Duration::from_millis(500),
            };
            experiment::run(spec, &setup, &RealSystem, emit).map_err(|source| {
                Error::Experiment {
                    name: spec.name.clone(),
                    source,
                }
                .next(format!(
                    "fix the cause and run `zlab experiment {f} --name {}` again: its fills resume; `zpool status {}` shows the pool",
                    spec.name, spec.pool
                ))
            })?;
        }
        Ok(())
    })
}
