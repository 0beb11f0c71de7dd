//! `zlab status`: the plan's steps against the journal and the machine, then
//! each pool as ZFS reports it (machine-readable `-Hp` output, parsed).

use std::fmt::Write as _;
use std::path::Path;

use super::journal::{Journal, Resource};
use super::up::journal_path;
use super::verify;
use crate::error::Error;
use crate::plan::Plan;
use crate::plan::step::Step;
use crate::scenario::size::Size;
use crate::system::System;
use crate::system::command::CommandLine;
use crate::system::probe;
use crate::zfs::output;

pub(crate) fn status(plan: &Plan, state_dir: &Path, sys: &dyn System) -> Result<String, Error> {
    let path = journal_path(state_dir);
    let journal = Journal::load(sys, &path, &plan.lab).map_err(Error::Journal)?;
    let mut out = String::new();
    let done = plan
        .steps
        .iter()
        .filter(|s| journal.find(&s.describe()).is_some_and(|r| r.done))
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
        let (mut state, mut detail) = match journal.find(&description) {
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
    for step in &plan.steps {
        if let Step::CreatePool { pool } = step
            && probe::pool_exists(sys, &pool.name)
        {
            out.push_str(&pool_report(&pool.name, sys));
            let checked = verify::actual(sys, &pool.name).and_then(|topology| {
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

/// `  data: raidz1 /dev/loop0 /dev/loop1 …`, one line per vdev.
fn topology_lines(t: &verify::Topology) -> String {
    let mut out = String::new();
    for (class, vdevs) in [("data", &t.data), ("log", &t.log), ("special", &t.special)] {
        for v in vdevs {
            let _ = writeln!(out, "  {class}: {} {}", v.kind, v.devices.join(" "));
        }
    }
    for (class, devices) in [("cache", &t.cache), ("spare", &t.spares)] {
        if !devices.is_empty() {
            let _ = writeln!(out, "  {class}: {}", devices.join(" "));
        }
    }
    out
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

/// Whether a journaled resource still exists, as a suffix for its line.
fn present(resource: &Resource, sys: &dyn System) -> String {
    let exists = match resource {
        Resource::Dir { path } | Resource::File { path } => sys.exists(path),
        Resource::Loop { file, device, .. } => {
            let now = probe::loops_of(sys, file);
            return match device {
                Some(d) if now.contains(d) => format!(" [{}]", d.display()),
                _ => " [MISSING: not attached]".to_owned(),
            };
        }
        Resource::Brd => probe::module_loaded(sys, "brd"),
        Resource::Mount { path } => probe::is_mounted(sys, path),
        Resource::Pool { name } => probe::pool_exists(sys, name),
        Resource::Action => return String::new(),
    };
    if exists {
        String::new()
    } else {
        " [MISSING]".to_owned()
    }
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
