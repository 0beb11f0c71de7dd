//! `zlab status`: the plan's steps against the journal and the machine, then
//! each pool as ZFS reports it (machine-readable `-Hp` output, parsed).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::journal::{Journal, Resource};
use super::up::journal_path;
use super::verify;
use crate::error::Error;
use crate::output::{Palette, count};
use crate::plan::Plan;
use crate::plan::step::Step;
use crate::scenario::size::Size;
use crate::system::System;
use crate::system::command::CommandLine;
use crate::system::probe;
use crate::zfs::output;

/// What exists of a lab, step by step and pool by pool: `zlab status` renders
/// it as text or JSON (docs/json.md), `zlab list` summarises it. Fields are
/// only ever added (see `output::SCHEMA_VERSION`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Status {
    pub lab: String,
    pub file: PathBuf,
    pub journal: PathBuf,
    pub steps_done: usize,
    pub steps_total: usize,
    /// Every step done, every fill complete.
    pub complete: bool,
    /// Something zlab made is missing, or a pool differs from the scenario.
    pub drifted: bool,
    /// Every pool that exists reports ONLINE.
    pub healthy: bool,
    pub steps: Vec<StepStatus>,
    pub pools: Vec<PoolStatus>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct StepStatus {
    pub step: String,
    pub state: StepState,
    /// For a done step: whether what it made is still there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub present: Option<Presence>,
    /// For a fill: its own progress (`zlab fill` runs outside the journal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fill: Option<FillStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum StepState {
    Done,
    /// Begun and not finished: what it makes may or may not exist.
    Started,
    Pending,
}

/// Whether what a done step made is there now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum Presence {
    /// There; a loop device says which.
    Present {
        #[serde(skip_serializing_if = "Option::is_none")]
        device: Option<PathBuf>,
    },
    Missing {
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct FillStatus {
    pub complete: bool,
    pub files_total: u64,
}

/// A pool as ZFS reports it, compared with the scenario.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct PoolStatus {
    pub name: String,
    pub health: Option<String>,
    pub size: Option<u64>,
    pub allocated: Option<u64>,
    pub free: Option<u64>,
    pub vdevs: Vec<VdevStatus>,
    pub datasets: Vec<DatasetStatus>,
    /// Differences from the scenario (topology and properties), one sentence
    /// each; empty when it matches.
    pub differences: Vec<String>,
    /// Why it could not be compared, if it could not.
    pub compare_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct VdevStatus {
    /// data, log, special, cache or spare.
    pub class: &'static str,
    /// `raidz2`, `draid2:4d:8c:1s`, `stripe`; none for cache and spares.
    pub kind: Option<String>,
    pub devices: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct DatasetStatus {
    pub name: String,
    pub used: u64,
    pub available: u64,
    pub mountpoint: String,
}

pub(crate) fn status(plan: &Plan, state_dir: &Path, sys: &dyn System) -> Result<Status, Error> {
    let path = journal_path(state_dir);
    let journal = Journal::load(sys, &path, &plan.lab).map_err(Error::Journal)?;
    let mut steps = Vec::new();
    for step in &plan.steps {
        let description = step.describe();
        let (mut state, present) = match journal.find(&description) {
            Some(r) if r.done => (StepState::Done, present(&r.resource, sys)),
            Some(_) => (StepState::Started, None),
            None => (StepState::Pending, None),
        };
        let mut fill = None;
        if let Step::Fill { fill: spec, .. } = step {
            fill = fill_status(spec, state_dir, sys);
            if fill.as_ref().is_some_and(|f| f.complete) {
                state = StepState::Done;
            }
        }
        steps.push(StepStatus {
            step: description,
            state,
            present,
            fill,
        });
    }
    let bind = |var: &str| journal.binding(var);
    let resolve = |d: &crate::lab::Device| {
        d.path
            .resolve(&bind)
            .map_or_else(|| d.path.to_string(), |p| p.display().to_string())
    };
    let mut pools = Vec::new();
    for step in &plan.steps {
        if let Step::CreatePool { pool } = step
            && probe::pool_exists(sys, &pool.name)
        {
            let mut report = pool_report(&pool.name, sys);
            let checked = verify::actual(sys, &pool.name).and_then(|topology| {
                report.vdevs = vdevs(&topology);
                verify::verify_pool(sys, pool, &topology, &resolve)
            });
            match checked {
                Ok(diffs) => report.differences = diffs,
                Err(e) => report.compare_error = Some(e.to_string()),
            }
            pools.push(report);
        }
    }
    let steps_done = steps.iter().filter(|s| s.state == StepState::Done).count();
    Ok(Status {
        lab: plan.lab.clone(),
        file: plan.file.clone(),
        journal: path,
        steps_done,
        steps_total: plan.steps.len(),
        complete: steps_done == plan.steps.len(),
        drifted: steps
            .iter()
            .any(|s| matches!(s.present, Some(Presence::Missing { .. })))
            || pools.iter().any(|p| !p.differences.is_empty()),
        healthy: pools
            .iter()
            .all(|p| p.health.as_deref().is_none_or(|h| h == "ONLINE")),
        steps,
        pools,
    })
}

/// `zlab status` for people.
pub(crate) fn text(status: &Status, style: Palette) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "lab {} ({}): {} of {} done; journal {}",
        status.lab,
        status.file.display(),
        status.steps_done,
        count(status.steps_total, "step"),
        status.journal.display()
    );
    for step in &status.steps {
        let state = match step.state {
            StepState::Done => "done",
            StepState::Started => "started",
            StepState::Pending => "pending",
        };
        let mut detail = match &step.present {
            Some(Presence::Present { device: Some(d) }) => format!(" [{}]", d.display()),
            Some(Presence::Present { device: None }) | None => String::new(),
            Some(Presence::Missing { reason: None }) => format!(" [{}]", style.warn("MISSING")),
            Some(Presence::Missing { reason: Some(r) }) => {
                format!(" [{}: {r}]", style.warn("MISSING"))
            }
        };
        match &step.fill {
            Some(f) if f.complete => {
                let _ = write!(detail, " [{}]", count(f.files_total, "file"));
            }
            Some(f) => {
                let _ = write!(
                    detail,
                    " [begun: {} planned; `zlab fill` resumes it]",
                    count(f.files_total, "file")
                );
            }
            None => {}
        }
        let _ = writeln!(out, "  {state:<8} {}{detail}", step.step);
    }
    for pool in &status.pools {
        if let (Some(health), Some(size), Some(alloc), Some(free)) =
            (&pool.health, pool.size, pool.allocated, pool.free)
        {
            let _ = writeln!(
                out,
                "pool {}: {health}, size {}, allocated {}, free {}",
                pool.name,
                Size::from_bytes(size).human(),
                Size::from_bytes(alloc).human(),
                Size::from_bytes(free).human()
            );
        }
        for d in &pool.datasets {
            let _ = writeln!(
                out,
                "  {}: used {}, available {}, mounted at {}",
                d.name,
                Size::from_bytes(d.used).human(),
                Size::from_bytes(d.available).human(),
                d.mountpoint
            );
        }
        for v in &pool.vdevs {
            let kind = v
                .kind
                .as_deref()
                .map(|k| format!("{k} "))
                .unwrap_or_default();
            let _ = writeln!(out, "  {}: {kind}{}", v.class, v.devices.join(" "));
        }
        if let Some(e) = &pool.compare_error {
            let _ = writeln!(out, "  could not compare with the scenario: {e}");
        } else if pool.differences.is_empty() {
            out.push_str("  matches the scenario (topology and properties)\n");
        } else {
            for d in &pool.differences {
                let _ = writeln!(out, "  {}: {d}", style.warn("DIFFERS"));
            }
        }
    }
    out
}

/// What of the lab exists on this machine, before a plan runs: what is there,
/// what was made and is gone, which pools differ from the scenario, and what is
/// left to do. None when nothing of the lab exists (a fresh machine).
pub(crate) fn against_machine(status: &Status, style: Palette) -> Option<String> {
    let there: Vec<&StepStatus> = status
        .steps
        .iter()
        .filter(|s| {
            s.state == StepState::Done && !matches!(s.present, Some(Presence::Missing { .. }))
        })
        .collect();
    let gone: Vec<&StepStatus> = status
        .steps
        .iter()
        .filter(|s| matches!(s.present, Some(Presence::Missing { .. })))
        .collect();
    let started = status
        .steps
        .iter()
        .filter(|s| s.state == StepState::Started);
    if there.is_empty() && gone.is_empty() && status.pools.is_empty() {
        return None;
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Against this machine (journal {}):",
        status.journal.display()
    );
    for s in &there {
        let _ = writeln!(out, "  exists   {}", s.step);
    }
    for s in &gone {
        let _ = writeln!(
            out,
            "  {}  {} (made by zlab, gone now)",
            style.warn("MISSING"),
            s.step
        );
    }
    for s in started {
        let _ = writeln!(out, "  started  {} (interrupted; it runs again)", s.step);
    }
    for pool in &status.pools {
        match &pool.compare_error {
            Some(e) => {
                let _ = writeln!(
                    out,
                    "  pool {}: could not compare with the scenario: {e}",
                    pool.name
                );
            }
            None if pool.differences.is_empty() => {
                let _ = writeln!(out, "  pool {} matches the scenario", pool.name);
            }
            None => {
                for d in &pool.differences {
                    let _ = writeln!(out, "  {}  {d}", style.warn("DIFFERS"));
                }
            }
        }
    }
    let left = status.steps_total - there.len();
    let _ = writeln!(
        out,
        "  {} of {} to run.",
        left,
        count(status.steps_total, "step")
    );
    Some(out)
}

/// The topology, one entry per vdev (cache and spares as one each).
fn vdevs(t: &verify::Topology) -> Vec<VdevStatus> {
    let mut out = Vec::new();
    for (class, vdevs) in [("data", &t.data), ("log", &t.log), ("special", &t.special)] {
        for v in vdevs {
            out.push(VdevStatus {
                class,
                kind: Some(v.kind.clone()),
                devices: v.devices.clone(),
            });
        }
    }
    for (class, devices) in [("cache", &t.cache), ("spare", &t.spares)] {
        if !devices.is_empty() {
            out.push(VdevStatus {
                class,
                kind: None,
                devices: devices.clone(),
            });
        }
    }
    out
}

/// A fill's own state, if it has begun.
fn fill_status(
    fill: &crate::lab::FillSpec,
    state_dir: &Path,
    sys: &dyn System,
) -> Option<FillStatus> {
    let paths = crate::fill::state::Paths::new(state_dir, &fill.target);
    match crate::fill::state::State::load(sys, &paths.state) {
        Ok(Some(s)) => Some(FillStatus {
            complete: s.complete,
            files_total: s.files_total,
        }),
        _ => None,
    }
}

/// Whether a journaled resource still exists; none for a step that left
/// nothing to look for.
fn present(resource: &Resource, sys: &dyn System) -> Option<Presence> {
    let exists = match resource {
        Resource::Dir { path } | Resource::File { path } => sys.exists(path),
        Resource::Loop { file, device, .. } => {
            let now = probe::loops_of(sys, file);
            return Some(match device {
                Some(d) if now.contains(d) => Presence::Present {
                    device: Some(d.clone()),
                },
                _ => Presence::Missing {
                    reason: Some("not attached".to_owned()),
                },
            });
        }
        Resource::Brd => probe::module_loaded(sys, "brd"),
        Resource::Mount { path } => probe::is_mounted(sys, path),
        Resource::Pool { name } => probe::pool_exists(sys, name),
        Resource::Action => return None,
    };
    Some(if exists {
        Presence::Present { device: None }
    } else {
        Presence::Missing { reason: None }
    })
}

fn pool_report(name: &str, sys: &dyn System) -> PoolStatus {
    let mut pool = PoolStatus {
        name: name.to_owned(),
        ..PoolStatus::default()
    };
    let list = sys.run(
        &CommandLine::new("zpool")
            .args(["list", "-Hp", "-o", "name,size,alloc,free,health"])
            .arg(name),
    );
    if let Some(p) = list
        .ok()
        .and_then(|o| output::pools(&o.stdout).ok())
        .and_then(|rows| rows.into_iter().next())
    {
        pool.health = Some(p.health);
        pool.size = Some(p.size);
        pool.allocated = Some(p.alloc);
        pool.free = Some(p.free);
    }
    let datasets = sys.run(
        &CommandLine::new("zfs")
            .args(["list", "-Hp", "-r", "-o", "name,used,avail,mountpoint"])
            .arg(name),
    );
    pool.datasets = datasets
        .ok()
        .and_then(|o| output::datasets(&o.stdout).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|d| DatasetStatus {
            name: d.name,
            used: d.used,
            available: d.avail,
            mountpoint: d.mountpoint,
        })
        .collect();
    pool
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::host::HostFacts;
    use crate::system::fake::FakeSystem;

    const LAB: &str = "lab: t\ndevices:\n  d:\n    sparse: { dir: /z, count: 2, size: 1G }\npools:\n  - name: tank\n    vdevs: [{ type: mirror, devices: d }]\n";

    #[test]
    fn a_half_built_lab_whose_directory_went_is_drifted() {
        let scenario = crate::scenario::load_str(Path::new("t.yaml"), LAB).expect("decodes");
        let lab = crate::validate::validate(&scenario, &HostFacts::unknown()).expect("valid");
        let plan = crate::plan::build(&lab, &crate::capacity::of(&lab));
        let sys = FakeSystem::new();
        let path = Path::new("/state/journal.json");
        let mut journal = Journal::load(&sys, path, "t").expect("journal");
        let first = plan.steps[0].describe();
        journal.set(&first, Resource::Dir { path: "/z".into() }, true);
        journal.save(&sys, path).expect("save");
        sys.expect_failure("zpool list -H -o name tank", "no such pool");

        let s = status(&plan, Path::new("/state"), &sys).expect("status");
        insta::assert_snapshot!("status_half_built", text(&s, Palette::new(false)));
        let v: serde_json::Value =
            serde_json::from_str(&crate::output::document("status", &s)).expect("json");
        assert_eq!(v["schema_version"], crate::output::SCHEMA_VERSION);
        assert_eq!(
            (v["drifted"].as_bool(), v["complete"].as_bool()),
            (Some(true), Some(false))
        );
        assert_eq!(v["steps"][0]["present"]["state"], "missing");
        assert_eq!(v["steps"][1]["state"], "pending");
        insta::assert_snapshot!(
            "against_half_built",
            against_machine(&s, Palette::new(false)).expect("something exists")
        );
    }
}
