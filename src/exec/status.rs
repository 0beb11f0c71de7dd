//! `zlab status`: the plan's steps against the journal and the machine, then
//! each pool as ZFS reports it (machine-readable `-Hp` output, parsed).

use std::fmt::Write as _;
use std::path::Path;

use super::identity::{self, Match};
use super::journal::{Journal, LabIdentity, Resource};
use super::up::journal_path;
use super::{read, verify};
use crate::error::Error;
use crate::plan::Plan;
use crate::plan::step::Step;
use crate::scenario::size::Size;
use crate::system::System;
use crate::system::command::CommandLine;
use crate::system::probe;
use crate::zfs::output;
use crate::zfs::scan::{Scan, ScanKind, ScanState};
use crate::zfs::topology::{State, Topology};

pub(crate) fn status(
    plan: &Plan,
    lab: &LabIdentity,
    state_dir: &Path,
    sys: &dyn System,
) -> Result<String, Error> {
    let path = journal_path(state_dir);
    let journal = Journal::load(sys, &path, lab)?;
    let mut out = String::new();
    let done = plan
        .steps
        .iter()
        .filter(|s| journal.find(&s.id()).is_some_and(|r| r.done))
        .count();
    let _ = writeln!(
        out,
        "lab {} ({}): {done} of {} steps done; journal {}",
        plan.lab,
        plan.file.display(),
        plan.steps.len(),
        path.display()
    );
    for step in &plan.steps {
        let description = step.describe();
        let (mut state, mut detail) = match journal.find(&step.id()) {
            Some(r) if r.done => ("done", present(&r.resource, sys)),
            Some(_) => ("started", String::new()),
            None => ("pending", String::new()),
        };
        if let Step::Fill { fill, .. } = step {
            let (complete, more) = fill_detail(fill, state_dir, sys);
            if complete {
                state = "done";
            }
            detail.push_str(&more);
        }
        let _ = writeln!(out, "  {state:<8} {description}{detail}");
    }
    let bind = |var: &str| journal.binding(var);
    let resolve = |d: &crate::lab::Device| {
        d.path
            .resolve(&bind)
            .map_or_else(|| d.path.to_string(), |p| p.display().to_string())
    };
    let zfs = read::installed(sys);
    if zfs.userland.is_some() || zfs.kernel.is_some() {
        let _ = writeln!(out, "{zfs}");
    }
    if let Some(warning) = zfs.mismatch() {
        let _ = writeln!(out, "WARNING: {warning}");
    }
    for step in &plan.steps {
        if let Step::CreatePool { pool } = step
            && probe::pool_exists(sys, &pool.name)
        {
            out.push_str(&pool_report(&pool.name, sys));
            let read = read::topology(sys, &pool.name, zfs.userland.as_ref(), verify::now());
            let checked = read.and_then(|topology| {
                out.push_str(&topology_lines(&topology));
                verify::verify_pool(sys, pool, &topology, &resolve)
            });
            match checked {
                Ok(diffs) if diffs.is_empty() => {
                    out.push_str("  matches the scenario (topology and properties)\n");
                }
                Ok(diffs) => {
                    for d in diffs {
                        let _ = writeln!(out, "  DIFFERS: {d}");
                    }
                }
                Err(e) => {
                    let _ = writeln!(out, "  could not compare with the scenario: {e}");
                }
            }
        }
    }
    Ok(out)
}

/// `  data: raidz1 /dev/loop0 /dev/loop1 …`, one line per top-level vdev (cache
/// and spares: one line each); then every vdev that is not healthy, and each
/// scan with its progress.
fn topology_lines(t: &Topology) -> String {
    let mut out = String::new();
    for (class, vdevs) in t.classes() {
        if matches!(class, "cache" | "spare") {
            if !vdevs.is_empty() {
                // A spare in use says so: its line is the only place it shows.
                let names: Vec<String> = vdevs
                    .iter()
                    .map(|v| {
                        let name = v.path.as_deref().unwrap_or(&v.name);
                        match v.state {
                            State::Online | State::Avail => name.to_owned(),
                            _ => format!("{name} ({})", v.state),
                        }
                    })
                    .collect();
                let _ = writeln!(out, "  {class}: {}", names.join(" "));
            }
            continue;
        }
        for v in vdevs {
            let _ = writeln!(
                out,
                "  {class}: {} {}",
                v.kind.token(),
                v.devices().join(" ")
            );
        }
    }
    for v in t.unhealthy() {
        let shown = v.path.as_deref().unwrap_or(&v.name);
        let note = if v.note.is_empty() {
            String::new()
        } else {
            format!(" ({})", v.note)
        };
        let _ = writeln!(out, "  {}: {shown}{note}", v.state);
    }
    for scan in &t.scans {
        let _ = writeln!(out, "  {}", scan_line(scan));
    }
    out
}

/// `scan: resilver running, 25.00% done at 171 MiB/s, 8s to go`.
fn scan_line(scan: &Scan) -> String {
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
    if let Some(eta) = scan.eta {
        let secs = eta.as_secs();
        let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
        let _ = write!(line, ", {h}:{m:02}:{s:02} to go");
    }
    line
}

/// A fill's own state (`zlab fill` runs outside the journal): whether it is
/// complete, and a suffix for its line.
fn fill_detail(fill: &crate::lab::FillSpec, state_dir: &Path, sys: &dyn System) -> (bool, String) {
    let paths = crate::fill::state::Paths::new(state_dir, &fill.target);
    match crate::fill::state::State::load(sys, &paths.state) {
        Ok(Some(s)) if s.complete => (true, format!(" [{} files]", s.files_total)),
        Ok(Some(s)) => (
            false,
            format!(
                " [begun: {} files planned; `zlab fill` resumes it]",
                s.files_total
            ),
        ),
        _ => (false, String::new()),
    }
}

/// Whether a journaled resource still exists with the identity zlab
/// recorded, as a suffix for its line.
fn present(resource: &Resource, sys: &dyn System) -> String {
    let checked = match resource {
        Resource::Dir { path, id: Some(id) }
        | Resource::File {
            path, id: Some(id), ..
        } => identity::check_file(sys, path, id).map(|m| match m {
            Match::Same => String::new(),
            Match::Gone => " [MISSING]".to_owned(),
            Match::Differs(why) => format!(" [NOT THE LAB'S: {why}]"),
        }),
        // Found by its backing file's inode, whatever its number now.
        Resource::Loop {
            backing, device, ..
        } => identity::loops_holding(sys, backing).map(|now| match (now.first(), device) {
            (None, _) => " [MISSING: not attached]".to_owned(),
            (Some(d), Some(was)) if d != was => {
                format!(" [{} (was {})]", d.display(), was.display())
            }
            (Some(d), _) => format!(" [{}]", d.display()),
        }),
        Resource::Pool { name, guid } => {
            identity::pool_guid(sys, name).map(|now| match (now, guid) {
                (None, _) => " [MISSING]".to_owned(),
                (Some(n), Some(g)) if n != *g => {
                    format!(" [NOT THE LAB'S: pool {name} has {n}, the lab made {g}]")
                }
                _ => String::new(),
            })
        }
        Resource::Brd if !probe::module_loaded(sys, "brd") => Ok(" [MISSING]".to_owned()),
        Resource::Mount { path } if !probe::is_mounted(sys, path) => Ok(" [MISSING]".to_owned()),
        _ => Ok(String::new()),
    };
    checked.unwrap_or_else(|e| format!(" [could not check: {e}]"))
}

fn pool_report(name: &str, sys: &dyn System) -> String {
    let mut out = String::new();
    let list = sys.run(
        &CommandLine::new("zpool")
            .args(["list", "-Hp", "-o", "name,size,alloc,free,health"])
            .arg(name),
    );
    for p in list
        .ok()
        .and_then(|o| output::pools(&o.stdout).ok())
        .unwrap_or_default()
    {
        let _ = writeln!(
            out,
            "pool {}: {}, size {}, allocated {}, free {}",
            p.name,
            p.health,
            human(p.size),
            human(p.alloc),
            human(p.free)
        );
    }
    let datasets = sys.run(
        &CommandLine::new("zfs")
            .args(["list", "-Hp", "-r", "-o", "name,used,avail,mountpoint"])
            .arg(name),
    );
    for d in datasets
        .ok()
        .and_then(|o| output::datasets(&o.stdout).ok())
        .unwrap_or_default()
    {
        let _ = writeln!(
            out,
            "  {}: used {}, available {}, mounted at {}",
            d.name,
            human(d.used),
            human(d.avail),
            d.mountpoint
        );
    }
    out
}

fn human(bytes: u64) -> String {
    Size::from_bytes(bytes).human()
}
