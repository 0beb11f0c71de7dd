//! `zlab status`: the plan's steps against the journal and the machine, then
//! each pool as ZFS reports it (machine-readable `-Hp` output, parsed).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::identity::{self, Match};
use super::journal::{Journal, LabIdentity, Resource};
use super::up::journal_path;
use super::{read, verify};
use crate::error::Error;
use crate::output::{Palette, count};
use crate::plan::Plan;
use crate::plan::step::Step;
use crate::scenario::size::Size;
use crate::system::System;
use crate::system::command::CommandLine;
use crate::system::probe;
use crate::zfs::output;
use crate::zfs::scan::{Scan, ScanKind, ScanState};
use crate::zfs::topology::{State, Topology};
use crate::zfs::version::Installed;

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
    /// The OpenZFS tools' and kernel module's releases, as far as known.
    pub zfs: Installed,
    /// Set when tools and module are different releases.
    pub zfs_warning: Option<String>,
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
    /// There with the identity zlab recorded; a loop device says which (found
    /// by its backing file's inode, whatever its number now) and, if its
    /// number changed, which it was.
    Present {
        #[serde(skip_serializing_if = "Option::is_none")]
        device: Option<PathBuf>,
        #[serde(skip_serializing_if = "Option::is_none")]
        was: Option<PathBuf>,
    },
    Missing {
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Something is there under the name, but not what zlab made.
    NotTheLabs { reason: String },
    /// Its identity could not be read.
    Unknown { reason: String },
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
    /// Every vdev that is not healthy (spares: neither AVAIL nor INUSE).
    pub unhealthy: Vec<UnhealthyVdev>,
    /// Scrubs, resilvers and rebuilds, running or last finished.
    pub scans: Vec<ScanStatus>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct UnhealthyVdev {
    /// The device path, or the vdev's name.
    pub vdev: String,
    /// As `zpool status` spells it: `DEGRADED`, `FAULTED`, `UNAVAIL`, …
    pub state: String,
    /// zpool's note beside the state (`cannot open`, `was /dev/…`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ScanStatus {
    /// `scrub`, `resilver` or `{"rebuild": {"vdev": …}}`.
    pub kind: ScanKind,
    pub state: ScanState,
    /// Done, 0 to 100, while it runs.
    pub percent: Option<f64>,
    /// Bytes per second.
    pub rate: Option<u64>,
    /// Seconds left, as zpool estimates.
    pub eta_seconds: Option<u64>,
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

/// What exists of the lab `lab`; a journal another scenario wrote is refused.
pub(crate) fn status(
    plan: &Plan,
    lab: &LabIdentity,
    state_dir: &Path,
    zfs: &Installed,
    sys: &dyn System,
) -> Result<Status, Error> {
    let path = journal_path(state_dir);
    let journal = Journal::load(sys, &path, lab)?;
    let mut steps = Vec::new();
    for step in &plan.steps {
        let description = step.describe();
        let (mut state, present) = match journal.find(&step.id()) {
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
        if let Step::CreatePool { pool, .. } = step
            && probe::pool_exists(sys, &pool.name)
        {
            let mut report = pool_report(&pool.name, sys);
            let read = read::topology(sys, &pool.name, zfs.userland.as_ref(), verify::now());
            let checked = read.and_then(|topology| {
                report.vdevs = vdevs(&topology);
                report.unhealthy = unhealthy(&topology);
                report.scans = topology.scans.iter().map(scan_status).collect();
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
        drifted: steps.iter().any(|s| {
            matches!(
                s.present,
                Some(Presence::Missing { .. } | Presence::NotTheLabs { .. })
            )
        }) || pools.iter().any(|p| !p.differences.is_empty()),
        healthy: pools
            .iter()
            .all(|p| p.health.as_deref().is_none_or(|h| h == "ONLINE")),
        steps,
        zfs_warning: zfs.mismatch(),
        zfs: zfs.clone(),
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
            Some(Presence::Present {
                device: Some(d),
                was: Some(w),
            }) => format!(" [{} (was {})]", d.display(), w.display()),
            Some(Presence::Present {
                device: Some(d), ..
            }) => format!(" [{}]", d.display()),
            Some(Presence::Present { device: None, .. }) | None => String::new(),
            Some(Presence::Missing { reason: None }) => format!(" [{}]", style.warn("MISSING")),
            Some(Presence::Missing { reason: Some(r) }) => {
                format!(" [{}: {r}]", style.warn("MISSING"))
            }
            Some(Presence::NotTheLabs { reason }) => {
                format!(" [{}: {reason}]", style.warn("NOT THE LAB'S"))
            }
            Some(Presence::Unknown { reason }) => format!(" [could not check: {reason}]"),
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
    if status.zfs.userland.is_some() || status.zfs.kernel.is_some() {
        let _ = writeln!(out, "{}", status.zfs);
    }
    if let Some(warning) = &status.zfs_warning {
        let _ = writeln!(out, "{}: {warning}", style.warn("WARNING"));
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
        for v in &pool.unhealthy {
            let note = v
                .note
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            let _ = writeln!(out, "  {}: {}{note}", v.state, v.vdev);
        }
        for scan in &pool.scans {
            let _ = writeln!(out, "  {}", scan_line(scan));
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
            s.state == StepState::Done && matches!(s.present, None | Some(Presence::Present { .. }))
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
    for s in &status.steps {
        match &s.present {
            Some(Presence::NotTheLabs { reason }) => {
                let _ = writeln!(
                    out,
                    "  {}  {} ({reason})",
                    style.warn("NOT THE LAB'S"),
                    s.step
                );
            }
            Some(Presence::Unknown { reason }) => {
                let _ = writeln!(out, "  unknown  {} (could not check: {reason})", s.step);
            }
            _ => {}
        }
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

/// The topology, one entry per top-level vdev (cache and spares: one entry
/// each, a device not ready for use with its state).
fn vdevs(t: &Topology) -> Vec<VdevStatus> {
    let mut out = Vec::new();
    for (class, vdevs) in t.classes() {
        if matches!(class, "cache" | "spare") {
            if !vdevs.is_empty() {
                // A spare in use says so: its entry is the only place it shows.
                let devices = vdevs
                    .iter()
                    .map(|v| {
                        let name = v.path.as_deref().unwrap_or(&v.name);
                        match v.state {
                            State::Online | State::Avail => name.to_owned(),
                            _ => format!("{name} ({})", v.state),
                        }
                    })
                    .collect();
                out.push(VdevStatus {
                    class,
                    kind: None,
                    devices,
                });
            }
            continue;
        }
        for v in vdevs {
            out.push(VdevStatus {
                class,
                kind: Some(v.kind.token()),
                devices: v.devices(),
            });
        }
    }
    out
}

/// Every vdev that is not healthy, with zpool's note.
fn unhealthy(t: &Topology) -> Vec<UnhealthyVdev> {
    t.unhealthy()
        .into_iter()
        .map(|v| UnhealthyVdev {
            vdev: v.path.clone().unwrap_or_else(|| v.name.clone()),
            state: v.state.to_string(),
            note: (!v.note.is_empty()).then(|| v.note.clone()),
        })
        .collect()
}

fn scan_status(scan: &Scan) -> ScanStatus {
    ScanStatus {
        kind: scan.kind.clone(),
        state: scan.state,
        percent: scan.percent,
        rate: scan.rate,
        eta_seconds: scan.eta.map(|d| d.as_secs()),
    }
}

/// `scan: resilver running, 25.00% done at 171 MiB/s, 0:00:08 to go`.
fn scan_line(scan: &ScanStatus) -> String {
    let kind = match &scan.kind {
        ScanKind::Scrub => "scrub".to_owned(),
        ScanKind::Resilver => "resilver".to_owned(),
        ScanKind::Rebuild { vdev } => format!("rebuild of {vdev}"),
    };
    let state = match scan.state {
        ScanState::Running => "running",
        ScanState::Paused => "paused",
        ScanState::Finished => "finished",
        ScanState::Canceled => "canceled",
    };
    let mut line = format!("scan: {kind} {state}");
    if let Some(p) = scan.percent {
        let _ = write!(line, ", {p:.2}% done");
    }
    if let Some(rate) = scan.rate {
        let _ = write!(line, " at {}/s", Size::from_bytes(rate).human());
    }
    if let Some(secs) = scan.eta_seconds {
        let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
        let _ = write!(line, ", {h}:{m:02}:{s:02} to go");
    }
    line
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

/// Whether a journaled resource still exists with the identity zlab
/// recorded; none for a step that left nothing to look for.
fn present(resource: &Resource, sys: &dyn System) -> Option<Presence> {
    let there = Presence::Present {
        device: None,
        was: None,
    };
    let missing = Presence::Missing { reason: None };
    let checked = match resource {
        Resource::Dir { path, id: Some(id) }
        | Resource::File {
            path, id: Some(id), ..
        } => identity::check_file(sys, path, id).map(|m| checked(m, there, missing)),
        // Found by its backing file's inode, whatever its number now.
        Resource::Loop {
            backing, device, ..
        } => identity::loops_holding(sys, backing).map(|now| match now.first() {
            None => Presence::Missing {
                reason: Some("not attached".to_owned()),
            },
            Some(d) => Presence::Present {
                device: Some(d.clone()),
                was: device.clone().filter(|was| was != d),
            },
        }),
        Resource::Pool { name, guid } => {
            identity::pool_guid(sys, name).map(|now| match (now, guid) {
                (None, _) => missing,
                (Some(n), Some(g)) if n != *g => Presence::NotTheLabs {
                    reason: format!("pool {name} has {n}, the lab made {g}"),
                },
                _ => there,
            })
        }
        Resource::Volume {
            name,
            guid: Some(guid),
            device,
            ..
        } => identity::check_volume(sys, name, *guid).map(|m| {
            checked(
                m,
                Presence::Present {
                    device: device.clone(),
                    was: None,
                },
                missing,
            )
        }),
        // Interrupted before its GUID was read: there or not, unproved.
        Resource::Volume {
            name, guid: None, ..
        } => identity::volume_guid(sys, name).map(|now| match now {
            Some(_) => there,
            None => missing,
        }),
        Resource::Mount { path, id: Some(id) } => {
            identity::check_mount(sys, path, id).map(|m| checked(m, there, missing))
        }
        Resource::Brd { id: Some(id) } => {
            identity::check_brd(sys, id).map(|m| checked(m, there, missing))
        }
        Resource::Mount { path, id: None } => probe::is_mounted(sys, path).map(|m| {
            if m {
                Presence::NotTheLabs {
                    reason: format!(
                        "something is mounted on {}, and the journal has no identity for the lab's mount",
                        path.display()
                    ),
                }
            } else {
                missing
            }
        }),
        Resource::Brd { id: None } => identity::brd(sys).map(|now| match now {
            Some(_) => Presence::NotTheLabs {
                reason: "brd is loaded, and the journal has no identity for the lab's".to_owned(),
            },
            None => missing,
        }),
        Resource::Action => return None,
        _ => Ok(there),
    };
    Some(checked.unwrap_or_else(|e| Presence::Unknown {
        reason: e.to_string(),
    }))
}

/// An identity check's answer as a presence.
fn checked(m: Match, there: Presence, missing: Presence) -> Presence {
    match m {
        Match::Same => there,
        Match::Gone => missing,
        Match::Differs(reason) => Presence::NotTheLabs { reason },
    }
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
        let identity = LabIdentity::new("t", Path::new("/s/t.yaml"));
        let mut journal = Journal::load(&sys, path, &identity).expect("journal");
        let id = crate::exec::identity::FileId {
            dev: 1,
            ino: 2,
            size: 0,
        };
        let first = &plan.steps[0];
        journal.set(
            &first.id(),
            &first.describe(),
            Resource::Dir {
                path: "/z".into(),
                id: Some(id),
            },
            true,
        );
        journal.save(&sys, path).expect("save");
        sys.expect_failure("zpool list -H -o name tank", "no such pool");

        let unknown = Installed::default();
        let s = status(&plan, &identity, Path::new("/state"), &unknown, &sys).expect("status");
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
        assert_eq!(v["zfs"]["userland"], serde_json::Value::Null);
        assert_eq!(v["zfs_warning"], serde_json::Value::Null);
        assert_eq!(v["pools"], serde_json::json!([]));
        insta::assert_snapshot!(
            "against_half_built",
            against_machine(&s, Palette::new(false)).expect("something exists")
        );
    }

    #[test]
    fn identities_versions_unhealthy_vdevs_and_scans_show_in_text_and_json() {
        let step = |step: &str, present| StepStatus {
            step: step.to_owned(),
            state: StepState::Done,
            present: Some(present),
            fill: None,
        };
        let v = |s: &str| s.parse::<crate::zfs::version::ZfsVersion>().expect(s);
        let s = Status {
            lab: "t".into(),
            file: "t.yaml".into(),
            journal: "/state/journal.json".into(),
            steps_done: 2,
            steps_total: 2,
            complete: true,
            drifted: true,
            healthy: false,
            steps: vec![
                step(
                    "attach /z/d0.img",
                    Presence::Present {
                        device: Some("/dev/loop7".into()),
                        was: Some("/dev/loop3".into()),
                    },
                ),
                step(
                    "create pool tank",
                    Presence::NotTheLabs {
                        reason: "pool tank has guid 2, the lab made guid 1".into(),
                    },
                ),
            ],
            zfs: Installed {
                userland: Some(v("zfs-2.3.2-1")),
                kernel: Some(v("zfs-kmod-2.1.11-1")),
            },
            zfs_warning: Some("tools and module differ".into()),
            pools: vec![PoolStatus {
                name: "tank".into(),
                unhealthy: vec![UnhealthyVdev {
                    vdev: "/dev/loop7".into(),
                    state: "FAULTED".into(),
                    note: Some("too many errors".into()),
                }],
                scans: vec![ScanStatus {
                    kind: ScanKind::Resilver,
                    state: ScanState::Running,
                    percent: Some(25.0),
                    rate: Some(1 << 20),
                    eta_seconds: Some(8),
                }],
                ..PoolStatus::default()
            }],
        };
        let text = text(&s, Palette::new(false));
        for line in [
            "  done     attach /z/d0.img [/dev/loop7 (was /dev/loop3)]",
            "  done     create pool tank [NOT THE LAB'S: pool tank has guid 2, the lab made guid 1]",
            "WARNING: tools and module differ",
            "  FAULTED: /dev/loop7 (too many errors)",
            "  scan: resilver running, 25.00% done at 1 MiB/s, 0:00:08 to go",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} in\n{text}");
        }
        assert!(text.contains("OpenZFS userland 2.3.2"), "{text}");
        let j: serde_json::Value =
            serde_json::from_str(&crate::output::document("status", &s)).expect("json");
        assert_eq!(j["steps"][0]["present"]["was"], "/dev/loop3");
        assert_eq!(j["steps"][1]["present"]["state"], "not_the_labs");
        assert_eq!(j["zfs"]["kernel"]["minor"], 1);
        assert_eq!(j["pools"][0]["unhealthy"][0]["state"], "FAULTED");
        assert_eq!(j["pools"][0]["scans"][0]["kind"], "resilver");
        assert_eq!(j["pools"][0]["scans"][0]["eta_seconds"], 8);
        let against = against_machine(&s, Palette::new(false)).expect("something exists");
        assert!(
            against.contains("  NOT THE LAB'S  create pool tank (pool tank has guid 2"),
            "{against}"
        );
    }
}
