//! `experiments:` entries and their steps.

use std::path::PathBuf;

use super::{Decoder, Fields};
use crate::scenario::experiment::{Experiment, FailHow, Onto, STEP_KEYS, Seconds, Step, Workload};
use crate::scenario::model::FillTarget;
use crate::scenario::node::{Located, Node};

const EXPERIMENT_KEYS: &[&str] = &[
    "name",
    "dataset",
    "workload_size",
    "runtime",
    "jobs",
    "during",
    "fill_with",
    "steps",
];
/// How an experiment's fills write: a `fills:` entry without its target.
const FILL_WITH_KEYS: &[&str] = &[
    "file_size",
    "buffer",
    "pattern",
    "streams",
    "window",
    "direct",
    "during",
];
const FAIL_KEYS: &[&str] = &["device", "how"];

impl Decoder<'_> {
    pub(super) fn experiment(&mut self, node: &Located<Node>, path: &str) -> Option<Experiment> {
        let f = self.map(node, path, EXPERIMENT_KEYS)?;
        let name = self
            .required(
                &f,
                "name",
                "e.g. `name: rebuild-at-75`; it names the results file",
            )
            .and_then(|n| self.text(n, &f.path("name")));
        let dataset = self
            .required(
                &f,
                "dataset",
                "the lab's dataset the fills and workloads write in, e.g. `dataset: tank/data`",
            )
            .and_then(|n| self.text(n, &f.path("dataset")));
        let workload_size = match f.get("workload_size") {
            Some(n) => self.size(n, &f.path("workload_size")),
            None => Some(Located::new(Experiment::WORKLOAD_SIZE, f.at)),
        };
        let runtime = match f.get("runtime") {
            Some(n) => self.parse::<Seconds>(
                n,
                &f.path("runtime"),
                "e.g. `runtime: 30s`, `runtime: 2m` or `runtime: 1h`",
            ),
            None => Some(Located::new(Experiment::RUNTIME, f.at)),
        };
        let jobs = match f.get("jobs") {
            Some(n) => self.number::<u32>(n, &f.path("jobs"), 1, Experiment::MAX_JOBS),
            None => Some(Located::new(Experiment::JOBS, f.at)),
        };
        let during = self.opt_properties(&f, "during");
        let fill_with = match (f.get("fill_with"), &dataset) {
            (Some(n), Some(ds)) => {
                let path = f.path("fill_with");
                let settings = self.map(n, &path, FILL_WITH_KEYS)?;
                let until = Located::new(FillTarget::Files(1), n.at);
                self.fill_rest(&settings, Some(ds.clone()), None, Some(until))
            }
            _ => None,
        };
        let steps = match self.required(
            &f,
            "steps",
            "e.g. `steps: [ { fill: 50% }, { workloads: all }, scrub ]`",
        ) {
            Some(n) => self.list(n, &f.path("steps"), Self::step),
            None => Vec::new(),
        };
        // A bad value is reported and its default stands in, so that the
        // steps are still checked against the lab.
        Some(Experiment {
            name: name?,
            dataset: dataset?,
            workload_size: workload_size.unwrap_or(Located::new(Experiment::WORKLOAD_SIZE, f.at)),
            runtime: runtime.unwrap_or(Located::new(Experiment::RUNTIME, f.at)),
            jobs: jobs.unwrap_or(Located::new(Experiment::JOBS, f.at)),
            during,
            fill_with,
            steps,
        })
    }

    /// `scrub`, or a map of one step key to its value.
    fn step(&mut self, node: &Located<Node>, path: &str) -> Option<Located<Step>> {
        let help = || {
            format!(
                "a step is one of {}; e.g. `- fill: 50%`, `- workloads: all`, `- scrub`",
                STEP_KEYS.join(", ")
            )
        };
        if let Node::Str(s) = &node.value
            && s == "scrub"
        {
            return Some(Located::new(Step::Scrub, node.at));
        }
        let f = self.map(node, path, STEP_KEYS)?;
        if f.entries.len() != 1 {
            self.error(f.at, path, "a step has exactly one key", Some(help()));
            return None;
        }
        let (key, value) = &f.entries[0];
        let at = f.path(&key.value);
        let step = match key.value.as_str() {
            "fill" => self
                .parse::<FillTarget>(value, &at, "a percentage of the pool's capacity (`75%`), a size (`10TB`) or a file count (`1000 files`)")
                .map(|t| Step::Fill(t.value)),
            "workloads" => self.workloads(value, &at).map(Step::Workloads),
            "fio" => self
                .text(value, &at)
                .map(|t| Step::Fio(PathBuf::from(t.value))),
            "fail" => self.fail(value, &at),
            "rebuild" => self
                .parse::<Onto>(value, &at, &format!("one of {}", Onto::ALL.join(", ")))
                .map(|o| Step::Rebuild(o.value)),
            "scrub" => match &value.value {
                Node::Null => Some(Step::Scrub),
                _ => {
                    self.error(value.at, &at, "a scrub takes no value", Some("write `- scrub`".into()));
                    None
                }
            },
            _ => None, // reported as an unknown key
        };
        step.map(|s| Located::new(s, node.at))
    }

    fn workloads(&mut self, node: &Located<Node>, path: &str) -> Option<Vec<Located<Workload>>> {
        let names = Workload::ALL.map(Workload::name).join(", ");
        if let Node::Str(s) = &node.value
            && s == "all"
        {
            return Some(
                Workload::ALL
                    .into_iter()
                    .map(|w| Located::new(w, node.at))
                    .collect(),
            );
        }
        let help = format!("`all`, or a list of: {names}");
        if !matches!(node.value, Node::Seq(_)) {
            self.error(
                node.at,
                path,
                format!("expected `all` or a list, found {}", node.value.kind()),
                Some(help),
            );
            return None;
        }
        let list = self.list(node, path, |d, n, p| d.parse::<Workload>(n, p, &help));
        (!list.is_empty()).then_some(list)
    }

    fn fail(&mut self, node: &Located<Node>, path: &str) -> Option<Step> {
        if !matches!(node.value, Node::Map(_)) {
            let device = self.selection(node, path)?;
            return Some(Step::Fail {
                device,
                how: FailHow::Offline,
            });
        }
        let f: Fields<'_> = self.map(node, path, FAIL_KEYS)?;
        let device = self
            .required(&f, "device", "the drive to fail, e.g. `device: disks[3]`")
            .and_then(|n| self.selection(n, &f.path("device")));
        let how = match f.get("how") {
            Some(n) => self
                .parse::<FailHow>(
                    n,
                    &f.path("how"),
                    "`offline` (zpool offline) or `fault` (zpool offline -f, as a dead drive)",
                )
                .map(|h| h.value),
            None => Some(FailHow::Offline),
        };
        Some(Step::Fail {
            device: device?,
            how: how?,
        })
    }
}
