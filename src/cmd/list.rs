//! `zlab list`: every lab the registry knows, each read back through its
//! scenario and journal the way `zlab status` reads it.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use super::load_lab;
use crate::cli::OutputFormat;
use crate::error::Error;
use crate::exec::status::{self, Status};
use crate::host::HostFacts;
use crate::output;
use crate::registry::{self, Entry};
use crate::system::real::RealSystem;
use crate::zfs::version::Installed;

/// `zlab list --format json` (docs/json.md).
#[derive(Debug, Serialize)]
struct List {
    registry: PathBuf,
    labs: Vec<Row>,
}

#[derive(Debug, Serialize)]
struct Row {
    lab: String,
    scenario: PathBuf,
    state_dir: PathBuf,
    /// `complete`, `partial`, `drifted`, `empty` (nothing done), or `unknown`
    /// (the scenario or journal cannot be read: see `error`).
    state: &'static str,
    healthy: Option<bool>,
    steps_done: Option<usize>,
    steps_total: Option<usize>,
    /// Pools of the lab that exist.
    pools: Vec<String>,
    fills_complete: Option<usize>,
    fills_total: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub(crate) fn run(format: OutputFormat, out: &mut dyn Write) -> Result<(), Error> {
    let dir = registry::dir();
    let zfs = crate::exec::read::installed(&RealSystem);
    let labs: Vec<Row> = registry::entries(&dir)?
        .into_iter()
        .map(|entry| row(entry, &zfs))
        .collect();
    let text = match format {
        OutputFormat::Json => output::document(
            "list",
            &List {
                registry: dir,
                labs,
            },
        ),
        OutputFormat::Text => text(&dir, &labs),
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}

fn row(entry: Entry, zfs: &Installed) -> Row {
    let read = load_lab(&entry.scenario, &HostFacts::unknown()).and_then(|lab| {
        let identity = super::lab_identity(&lab)?;
        let plan = crate::plan::build(&lab, &crate::capacity::of(&lab)).owned_by(&identity.owner());
        status::status(&plan, &identity, &entry.state_dir, zfs, &RealSystem)
    });
    let mut row = Row {
        lab: entry.lab,
        scenario: entry.scenario,
        state_dir: entry.state_dir,
        state: "unknown",
        healthy: None,
        steps_done: None,
        steps_total: None,
        pools: Vec::new(),
        fills_complete: None,
        fills_total: None,
        error: None,
    };
    match read {
        Ok(s) => fill_in(&mut row, &s),
        Err(Error::Invalid(d)) => {
            row.error = Some(format!(
                "the scenario is invalid now ({}); `zlab validate {}` says why",
                output::count(d.len(), "error"),
                row.scenario.display()
            ));
        }
        Err(e) => row.error = Some(e.to_string()),
    }
    row
}

fn fill_in(row: &mut Row, s: &Status) {
    row.state = if s.drifted {
        "drifted"
    } else if s.complete {
        "complete"
    } else if s.steps_done == 0 {
        "empty"
    } else {
        "partial"
    };
    row.healthy = (!s.pools.is_empty()).then_some(s.healthy);
    row.steps_done = Some(s.steps_done);
    row.steps_total = Some(s.steps_total);
    row.pools = s.pools.iter().map(|p| p.name.clone()).collect();
    let fills: Vec<_> = s
        .steps
        .iter()
        .filter(|st| st.step.starts_with("fill "))
        .collect();
    row.fills_total = Some(fills.len());
    row.fills_complete = Some(
        fills
            .iter()
            .filter(|f| f.fill.as_ref().is_some_and(|f| f.complete))
            .count(),
    );
}

fn text(dir: &std::path::Path, labs: &[Row]) -> String {
    if labs.is_empty() {
        return format!(
            "no labs: {} lists none (`zlab up FILE` adds one)\n",
            dir.display()
        );
    }
    let mut rows = vec![[
        "LAB".to_owned(),
        "STATE".to_owned(),
        "HEALTH".to_owned(),
        "STEPS".to_owned(),
        "FILLS".to_owned(),
        "POOLS".to_owned(),
        "SCENARIO".to_owned(),
    ]];
    let opt = |n: Option<usize>| n.map_or_else(|| "-".to_owned(), |n| n.to_string());
    for r in labs {
        rows.push([
            r.lab.clone(),
            r.state.to_owned(),
            match r.healthy {
                Some(true) => "ok".to_owned(),
                Some(false) => "DEGRADED".to_owned(),
                None => "-".to_owned(),
            },
            format!("{}/{}", opt(r.steps_done), opt(r.steps_total)),
            format!("{}/{}", opt(r.fills_complete), opt(r.fills_total)),
            if r.pools.is_empty() {
                "-".to_owned()
            } else {
                r.pools.join(",")
            },
            r.scenario.display().to_string(),
        ]);
    }
    let widths: Vec<usize> = (0..7)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    for r in labs {
        if let Some(e) = &r.error {
            out.push_str(&format!("{}: {e}\n", r.lab));
        }
    }
    out
}
