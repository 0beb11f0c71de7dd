//! Every scenario rule, checked at once: a [`Scenario`] becomes a [`Lab`] only
//! when nothing is wrong; otherwise all problems come back as located diagnostics.
//!
//! The rules that mirror `zpool create` (vdev arity, dRAID limits) live with the
//! vdev grammar in `zfs/vdev.rs`; this module applies them to resolved devices.

mod devices;
mod experiments;
pub(crate) mod fill_count;
mod fills;
mod names;
mod partitions;
mod paths;
mod pools;
mod version;
mod volumes;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diag::Span;
use crate::diag::{Diagnostic, suggest};
use crate::host::HostFacts;
use crate::lab::{Device, DevicePath, FillSpec, Lab};
use crate::scenario::Scenario;
use crate::scenario::model::{Fill, Property};
use crate::scenario::node::Located;
use crate::scenario::selection::{SelItem, Selection, is_identifier};
use crate::zfs::properties;

/// Checks every rule; returns the resolved lab or all diagnostics.
pub(crate) fn validate(scenario: &Scenario, host: &HostFacts) -> Result<Lab, Vec<Diagnostic>> {
    let mut c = Checker::new(&scenario.file, &scenario.broken, host);
    let lab = c.lab(scenario);
    if let Some(release) = &host.zfs {
        c.diags.extend(version::check(scenario, release));
    }
    let mut diags = scenario.problems.clone();
    diags.append(&mut c.diags);
    // Report in file order, whichever stage found them.
    diags.sort_by_key(|d| (d.line, d.column));
    c.diags = diags;
    if c.diags.is_empty() {
        Ok(lab)
    } else {
        Err(c.diags)
    }
}

/// A fill given on the command line (`zlab fill DATASET --until …`, `zlab
/// fill --path DIR --until …`): a scenario fill's rules, except that its
/// target is one that exists rather than one the scenario declares. Each
/// diagnostic's field is the flag that set the value.
pub(crate) fn command_line_fill(
    fill: &Fill,
    host: &HostFacts,
) -> Result<FillSpec, Vec<Diagnostic>> {
    let mut c = Checker::new(Path::new(crate::diag::COMMAND_LINE), &[], host);
    let spec = c.fill(fill, "", None);
    for d in &mut c.diags {
        d.field = flag_of(&d.field);
    }
    match spec {
        Some(spec) if c.diags.is_empty() => Ok(spec),
        _ => Err(c.diags),
    }
}

/// The flag behind a fill field: `.file_size` → `--file-size`, `.during.sync`
/// → `--set sync`, `.dataset` → `DATASET`.
fn flag_of(field: &str) -> String {
    let field = field.trim_start_matches('.');
    match field.split_once('.') {
        Some(("during", name)) => format!("--set {name}"),
        _ if field == "dataset" => "DATASET".to_owned(),
        _ => format!("--{}", field.replace('_', "-")),
    }
}

struct Checker<'a> {
    file: &'a Path,
    broken: &'a [String],
    host: &'a HostFacts,
    diags: Vec<Diagnostic>,
    /// Every name a selection can use: groups and partitions, with their devices.
    names: Vec<(String, Vec<Device>, Span)>,
    /// Backing file → where it was declared.
    files: HashMap<PathBuf, String>,
    /// Device → the field that put it in a pool, so a second use can say where.
    used: HashMap<DevicePath, String>,
    /// Device → the partition table written on it.
    partitioned: HashMap<DevicePath, String>,
    /// Each volume's device, with the index and name (as written) of its pool.
    volume_pools: Vec<(DevicePath, usize, String)>,
    /// The index of the pool whose devices are being claimed.
    pool_now: Option<usize>,
}

impl<'a> Checker<'a> {
    fn new(file: &'a Path, broken: &'a [String], host: &'a HostFacts) -> Self {
        Checker {
            file,
            broken,
            host,
            diags: Vec::new(),
            names: Vec::new(),
            files: HashMap::new(),
            used: HashMap::new(),
            partitioned: HashMap::new(),
            volume_pools: Vec::new(),
            pool_now: None,
        }
    }
}

impl Checker<'_> {
    fn error(
        &mut self,
        at: Span,
        field: &str,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) {
        let mut d = Diagnostic::new(self.file, at, field, message);
        d.help = help.into();
        self.diags.push(d);
    }

    fn lab(&mut self, s: &Scenario) -> Lab {
        if !s
            .lab
            .value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            || s.lab.value.is_empty()
            // It names a directory under /var/lib/zlab: `..` would be /var/lib.
            || s.lab.value == "."
            || s.lab.value == ".."
            || s.lab.value.len() > 64
        {
            self.error(
                s.lab.at,
                "lab",
                format!("`{}` is not a usable lab name", s.lab.value),
                "use up to 64 letters, digits, `.`, `_` and `-` (not `.` or `..` alone): it names the state directory".to_owned(),
            );
        } else if s.state_dir.is_none() && ["labs", "fills"].contains(&s.lab.value.as_str()) {
            self.error(
                s.lab.at,
                "lab",
                format!("`{}` is reserved", s.lab.value),
                "/var/lib/zlab/labs and /var/lib/zlab/fills hold zlab's list of labs and its fills without a scenario: name the lab otherwise, or give it a `state_dir`".to_owned(),
            );
        }
        let state_dir = match &s.state_dir {
            Some(dir) => {
                self.absolute(dir, "state_dir");
                self.safe_path(dir, "state_dir", paths::Role::StateDir);
                dir.value.clone()
            }
            None => Path::new("/var/lib/zlab").join(&s.lab.value),
        };
        let mut groups = self.groups(s);
        self.volume_names(s);
        let tables = self.tables(s, &mut groups);
        let wipes = self.wipes(s);
        let pools = self.pools(s);
        let fills = s
            .fills
            .iter()
            .enumerate()
            .filter_map(|(i, f)| self.fill(f, &format!("fills[{i}]"), Some(&pools)))
            .collect();
        let experiments = self.experiments(s, &pools);
        Lab {
            name: s.lab.value.clone(),
            file: s.file.clone(),
            state_dir,
            groups,
            wipes,
            tables,
            pools,
            fills,
            experiments,
        }
    }

    fn absolute(&mut self, p: &Located<PathBuf>, field: &str) -> bool {
        let ok = p.value.is_absolute();
        if !ok {
            self.error(
                p.at,
                field,
                format!("`{}` is not an absolute path", p.value.display()),
                "zlab runs as root from anywhere: write the full path, starting with `/`"
                    .to_owned(),
            );
        }
        ok
    }

    fn add_name(&mut self, name: &Located<String>, field: &str, devices: Vec<Device>) {
        if !is_identifier(&name.value) {
            self.error(name.at, field, format!("`{}` is not a valid device name", name.value), "start with a letter; then letters, digits or `_` (it becomes a shell variable in `plan --format sh`)".to_owned());
        }
        if let Some((_, _, first)) = self.names.iter().find(|(n, _, _)| n == &name.value) {
            let first = *first;
            self.error(
                name.at,
                field,
                format!(
                    "the name `{}` is already used (line {})",
                    name.value, first.line
                ),
                "device groups, partitions and volumes share one namespace: rename one".to_owned(),
            );
            return;
        }
        self.names.push((name.value.clone(), devices, name.at));
    }

    /// Resolves a selection to devices, each with the span of the item that chose it.
    fn select(&mut self, sel: &Located<Selection>, field: &str) -> Option<Vec<(Device, Span)>> {
        let mut out = Vec::new();
        let mut ok = true;
        for item in &sel.value.items {
            let Some((_, devices, _)) = self.names.iter().find(|(n, _, _)| n == &item.value.group)
            else {
                if self.broken.contains(&item.value.group) {
                    ok = false; // its own problem is reported already
                    continue;
                }
                self.unknown_group(item, field);
                ok = false;
                continue;
            };
            let devices = devices.clone();
            let (a, b) = item.value.range.unwrap_or((
                0,
                u32::try_from(devices.len())
                    .unwrap_or(u32::MAX)
                    .saturating_sub(1),
            ));
            let last = usize::try_from(b).unwrap_or(usize::MAX);
            if last >= devices.len() {
                self.error(
                    item.at,
                    field,
                    format!(
                        "`{}` is out of range: `{}` has {} device{}",
                        item.value,
                        item.value.group,
                        devices.len(),
                        if devices.len() == 1 { "" } else { "s" }
                    ),
                    format!("valid indexes are 0..{}", devices.len().saturating_sub(1)),
                );
                ok = false;
                continue;
            }
            let first = usize::try_from(a).unwrap_or(usize::MAX);
            out.extend(devices[first..=last].iter().map(|d| (d.clone(), item.at)));
        }
        ok.then_some(out)
    }

    /// A selection names a group or partition nobody declared.
    fn unknown_group(&mut self, item: &Located<SelItem>, field: &str) {
        let help = match suggest(
            &item.value.group,
            self.names.iter().map(|(n, _, _)| n.as_str()),
        ) {
            Some(s) => format!("did you mean `{s}`?"),
            None if self.names.is_empty() => "declare devices under `devices:` first".to_owned(),
            None => format!(
                "declared: {}",
                self.names
                    .iter()
                    .map(|(n, _, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.error(
            item.at,
            field,
            format!(
                "no device group or partition is called `{}`",
                item.value.group
            ),
            help,
        );
    }

    fn properties(&mut self, props: &[Property], field: &str, known: &[&str], what: &str) {
        for p in props {
            let pf = format!("{field}.{}", p.name.value);
            if !properties::is_known(&p.name.value, known) {
                let help = match suggest(&p.name.value, known.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "see `man {}props`; user properties need a `:` (`com.example:owner`)",
                        if what == "pool" { "zpool" } else { "zfs" }
                    ),
                };
                self.error(
                    p.name.at,
                    &pf,
                    format!("unknown {what} property `{}`", p.name.value),
                    help,
                );
            } else if let Err(hint) = properties::check_value(&p.name.value, &p.value.value) {
                self.error(
                    p.value.at,
                    &pf,
                    format!("`{}` is not a valid {}", p.value.value, p.name.value),
                    format!("use {hint}"),
                );
            }
        }
    }
}

fn pairs(props: &[Property]) -> Vec<(String, String)> {
    props
        .iter()
        .map(|p| (p.name.value.clone(), p.value.value.clone()))
        .collect()
}
