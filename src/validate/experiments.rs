//! Experiments: their dataset, the order of their steps, the drive they fail
//! and what rebuilds it, and the job files they run.

use std::path::{Path, PathBuf};

use crate::diag::Span;
use crate::lab::{Device, ExperimentSpec, ExperimentStep, FillSpec, PoolSpec};
use crate::scenario::Scenario;
use crate::scenario::experiment::{Experiment, Onto, Step, forbidden_fio_options};
use crate::scenario::model::{After, Fill, FillTarget};
use crate::scenario::node::Located;
use crate::zfs::properties;

use super::{Checker, pairs};

impl Checker<'_> {
    pub(super) fn experiments(&mut self, s: &Scenario, pools: &[PoolSpec]) -> Vec<ExperimentSpec> {
        let mut names: Vec<(String, Span)> = Vec::new();
        let mut out = Vec::new();
        for (i, e) in s.experiments.iter().enumerate() {
            let field = format!("experiments[{i}]");
            if let Some((_, first)) = names.iter().find(|(n, _)| *n == e.name.value) {
                let line = first.line;
                self.error(
                    e.name.at,
                    &format!("{field}.name"),
                    format!(
                        "the experiment `{}` is already declared (line {line})",
                        e.name.value
                    ),
                    "each experiment has its own name: it names its results file".to_owned(),
                );
            }
            names.push((e.name.value.clone(), e.name.at));
            if let Some(spec) = self.experiment(s, e, &field, pools) {
                out.push(spec);
            }
        }
        out
    }

    fn experiment(
        &mut self,
        s: &Scenario,
        e: &Experiment,
        field: &str,
        pools: &[PoolSpec],
    ) -> Option<ExperimentSpec> {
        let name_ok = !e.name.value.is_empty()
            && e.name.value.len() <= 64
            && e.name
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c));
        if !name_ok {
            self.error(
                e.name.at,
                &format!("{field}.name"),
                format!("`{}` is not a usable experiment name", e.name.value),
                "use up to 64 letters, digits, `_` and `-`: it names the results file".to_owned(),
            );
        }
        let pool_name = e.dataset.value.split('/').next().unwrap_or_default();
        let pool = pools.iter().find(|p| p.name == pool_name);
        let known = pool.is_some_and(|p| {
            p.name == e.dataset.value || p.datasets.iter().any(|d| d.name == e.dataset.value)
        });
        if !known && !self.broken.iter().any(|b| b == pool_name) {
            let all: Vec<String> = pools
                .iter()
                .flat_map(|p| {
                    std::iter::once(p.name.clone()).chain(p.datasets.iter().map(|d| d.name.clone()))
                })
                .collect();
            self.error(
                e.dataset.at,
                &format!("{field}.dataset"),
                format!("no pool or dataset `{}` is declared", e.dataset.value),
                match crate::diag::suggest(&e.dataset.value, all.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "an experiment writes in one of the lab's datasets: declare it under the pool's `datasets:`".to_owned(),
                },
            );
        }
        self.properties(
            &e.during,
            &format!("{field}.during"),
            properties::DATASET,
            "dataset",
        );
        let fill = self.experiment_fill(s, e, field, pools);
        let steps = self.steps(e, field, pool);
        if !known || !name_ok {
            return None;
        }
        Some(ExperimentSpec {
            name: e.name.value.clone(),
            pool: pool_name.to_owned(),
            dataset: e.dataset.value.clone(),
            fill: fill?,
            workload_size: e.workload_size.value,
            runtime: e.runtime.value,
            jobs: e.jobs.value,
            during: pairs(&e.during),
            steps: steps?,
        })
    }

    /// How the experiment's fills write: its `fill_with`, or a fill's
    /// defaults. A `fills:` entry of the same dataset is refused: `zlab up`
    /// would fill the pool before the experiment's first level.
    fn experiment_fill(
        &mut self,
        s: &Scenario,
        e: &Experiment,
        field: &str,
        pools: &[PoolSpec],
    ) -> Option<FillSpec> {
        if let Some((i, f)) = s.fills.iter().enumerate().find(|(_, f)| {
            f.dataset
                .as_ref()
                .is_some_and(|d| d.value == e.dataset.value)
        }) {
            let line = f.until.at.line;
            self.error(e.dataset.at, &format!("{field}.dataset"), format!("`{}` is also filled by fills[{i}] (line {line}), which `zlab up` runs: the pool would be full before the experiment's first level", e.dataset.value), "drop that `fills:` entry and say how the experiment's fills write under `fill_with:` (file_size, streams, during, …)".to_owned());
        }
        let at = e.dataset.at;
        let template = e.fill_with.clone().unwrap_or_else(|| Fill {
            dataset: Some(e.dataset.clone()),
            path: None,
            until: Located::new(FillTarget::Files(1), at),
            file_size: Located::new(Fill::FILE_SIZE, at),
            buffer: Located::new(None, at),
            pattern: Located::new(Fill::PATTERN.to_owned(), at),
            streams: Located::new(None, at),
            window: Located::new(Fill::WINDOW, at),
            direct: Located::new(false, at),
            during: Vec::new(),
            after: Located::new(After::Restore, at),
        });
        // The dataset's own problem is reported above; the rest is the fill's.
        let spec = self.fill(&template, &format!("{field}.fill_with"), Some(pools));
        self.diags.retain(|d| {
            !d.field.ends_with("fill_with.dataset") && !d.field.ends_with("fill_with.until")
        });
        spec
    }

    fn steps(
        &mut self,
        e: &Experiment,
        field: &str,
        pool: Option<&PoolSpec>,
    ) -> Option<Vec<ExperimentStep>> {
        let mut out = Vec::new();
        let mut ok = true;
        let mut last_fill: Option<(FillTarget, Span)> = None;
        let mut failed: Option<(Device, Span)> = None;
        if e.steps.is_empty() {
            self.error(
                e.name.at,
                &format!("{field}.steps"),
                "an experiment needs at least one step",
                "e.g. `steps: [ { fill: 50% }, { workloads: all }, scrub ]`".to_owned(),
            );
            return None;
        }
        for (i, step) in e.steps.iter().enumerate() {
            let sf = format!("{field}.steps[{i}].{}", step.value.key());
            let resolved = match &step.value {
                Step::Fill(until) => {
                    if let Some((before, at)) = last_fill
                        && !grows(before, *until)
                    {
                        self.error(step.at, &sf, format!("`fill: {until}` does not go past `fill: {before}` (line {})", at.line), "a fill adds files; it never removes them: give each fill a larger target of the same kind".to_owned());
                        ok = false;
                    }
                    last_fill = Some((*until, step.at));
                    Some(ExperimentStep::Fill(*until))
                }
                Step::Workloads(list) => Some(ExperimentStep::Workloads(
                    list.iter().map(|w| w.value).collect(),
                )),
                Step::Fio(job) => {
                    self.job_file(job, step.at, &sf)
                        .map(|path| ExperimentStep::Fio {
                            job: job.clone(),
                            path,
                        })
                }
                Step::Fail { device: sel, how } => {
                    let chosen = self.select(sel, &sf);
                    let device = match chosen.as_deref() {
                        Some([(d, _)]) => Some(d.clone()),
                        Some(_) => {
                            self.error(
                                sel.at,
                                &sf,
                                "this is more than one device",
                                "fail one drive at a time: `fail: disks[3]`".to_owned(),
                            );
                            None
                        }
                        None => None,
                    };
                    if let Some((_, at)) = &failed {
                        self.error(
                            step.at,
                            &sf,
                            format!(
                                "a drive is already failed (line {}) and not yet rebuilt",
                                at.line
                            ),
                            "put a `rebuild` step between two fails".to_owned(),
                        );
                        ok = false;
                    }
                    let device = device
                        .and_then(|d| self.redundant_member(&d, pool, sel.at, &sf).then_some(d));
                    match device {
                        Some(d) => {
                            failed = Some((d.clone(), step.at));
                            Some(ExperimentStep::Fail {
                                device: d,
                                how: *how,
                            })
                        }
                        None => None,
                    }
                }
                Step::Rebuild(onto) => match failed.take() {
                    None => {
                        self.error(
                            step.at,
                            &sf,
                            "no drive is failed here",
                            "fail one first: `- fail: disks[3]`, then `- rebuild: …`".to_owned(),
                        );
                        None
                    }
                    Some((device, _)) => self
                        .spare_for(&device, *onto, pool, step.at, &sf)
                        .then_some(ExperimentStep::Rebuild {
                            device,
                            onto: *onto,
                        }),
                },
                Step::Scrub => Some(ExperimentStep::Scrub),
            };
            match resolved {
                Some(r) => out.push(r),
                None => ok = false,
            }
        }
        if let Some((device, at)) = failed {
            self.error(at, &format!("{field}.steps"), format!("{} is failed and nothing rebuilds it", device.label), "add a `- rebuild: distributed-spare` or `- rebuild: hot-spare` step after it: an experiment leaves its pool ONLINE".to_owned());
            ok = false;
        }
        ok.then_some(out)
    }

    /// A job file: relative to the scenario, readable, and without the
    /// options that would take it outside the directory zlab gives it.
    fn job_file(&mut self, job: &Path, at: Span, field: &str) -> Option<PathBuf> {
        let base = self.file.parent().unwrap_or(Path::new("."));
        let path = base.join(job);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                self.error(
                    at,
                    field,
                    format!("cannot read the job file {}: {e}", path.display()),
                    "write its path relative to the scenario file".to_owned(),
                );
                return None;
            }
        };
        let forbidden = forbidden_fio_options(&text);
        if !forbidden.is_empty() {
            self.error(at, field, format!("{} sets {}", path.display(), forbidden.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")), "zlab runs a job in a directory of the experiment's dataset and nothing else: remove these options (zlab gives the directory and the file names)".to_owned());
            return None;
        }
        Some(path)
    }

    /// Whether `device` is in a data vdev of `pool` that survives losing it.
    fn redundant_member(
        &mut self,
        device: &Device,
        pool: Option<&PoolSpec>,
        at: Span,
        field: &str,
    ) -> bool {
        let Some(pool) = pool else {
            return false; // the dataset's own problem is reported
        };
        match pool.data.iter().find(|v| v.devices.contains(device)) {
            None => {
                self.error(
                    at,
                    field,
                    format!(
                        "{} is not a data device of pool `{}`",
                        device.label, pool.name
                    ),
                    "fail one of the devices of the pool's `vdevs:`".to_owned(),
                );
                false
            }
            Some(v) if v.kind.is_stripe() => {
                self.error(
                    at,
                    field,
                    format!(
                        "{} is in a stripe of `{}`: the pool would not survive losing it",
                        device.label, pool.name
                    ),
                    "fail a device of a mirror, raidz or dRAID vdev".to_owned(),
                );
                false
            }
            Some(_) => true,
        }
    }

    /// Whether `pool` has what rebuilds `device` onto `onto`.
    fn spare_for(
        &mut self,
        device: &Device,
        onto: Onto,
        pool: Option<&PoolSpec>,
        at: Span,
        field: &str,
    ) -> bool {
        let Some(pool) = pool else {
            return false;
        };
        let vdev = pool.data.iter().find(|v| v.devices.contains(device));
        match onto {
            Onto::DistributedSpare => {
                let spares = vdev.and_then(|v| v.kind.draid()).map_or(0, |d| d.spares);
                if spares == 0 {
                    self.error(at, field, format!("{}'s vdev has no distributed spare", device.label), "only a dRAID vdev with spares (`draid2:4d:10c:1s`, the `s`) has them; or rebuild onto a hot spare (`rebuild: hot-spare` and the pool's `spares:`)".to_owned());
                }
                spares > 0
            }
            Onto::HotSpare => {
                if pool.spares.is_empty() {
                    self.error(
                        at,
                        field,
                        format!("pool `{}` has no hot spare", pool.name),
                        "declare one under the pool's `spares:`".to_owned(),
                    );
                }
                !pool.spares.is_empty()
            }
        }
    }
}

/// Whether a fill to `next` adds to one to `before`.
fn grows(before: FillTarget, next: FillTarget) -> bool {
    match (before, next) {
        (FillTarget::Percent(a), FillTarget::Percent(b)) => b > a,
        (FillTarget::Bytes(a), FillTarget::Bytes(b)) => b.bytes() > a.bytes(),
        (FillTarget::Files(a), FillTarget::Files(b)) => b > a,
        _ => false,
    }
}
