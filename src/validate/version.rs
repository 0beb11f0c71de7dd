//! Rules that depend on the OpenZFS release the lab is for (the host's, or
//! `--zfs-version`): what a scenario asks for that this release does not have
//! is a located error before anything runs, not a `zpool create` failing
//! half-way. The table of what came when is `zfs/features.rs`.

use std::path::Path;

use crate::diag::Diagnostic;
use crate::diag::Span;
use crate::scenario::Scenario;
use crate::scenario::model::Property;
use crate::zfs::features::{self, Needs, Since};
use crate::zfs::version::ZfsVersion;

/// Every use of something `version` lacks.
pub(crate) fn check(scenario: &Scenario, version: &ZfsVersion) -> Vec<Diagnostic> {
    let mut rule = Rule {
        file: &scenario.file,
        version,
        diags: Vec::new(),
    };
    for (i, pool) in scenario.pools.iter().enumerate() {
        let field = format!("pools[{i}]");
        for (j, vdev) in pool.vdevs.iter().enumerate() {
            let kind = &vdev.kind.value;
            if let Some(since) = features::lookup(Needs::Vdev(kind.family())) {
                rule.lacks(
                    since,
                    vdev.kind.at,
                    &format!("{field}.vdevs[{j}]"),
                    kind.plural(),
                );
            }
        }
        rule.properties(&pool.properties, &format!("{field}.properties"), true);
        rule.properties(&pool.root, &format!("{field}.root"), false);
        for (j, d) in pool.datasets.iter().enumerate() {
            rule.properties(
                &d.properties,
                &format!("{field}.datasets[{j}].properties"),
                false,
            );
        }
    }
    for (i, fill) in scenario.fills.iter().enumerate() {
        rule.properties(&fill.during, &format!("fills[{i}].during"), false);
    }
    rule.diags
}

struct Rule<'a> {
    file: &'a Path,
    version: &'a ZfsVersion,
    diags: Vec<Diagnostic>,
}

impl Rule<'_> {
    fn properties(&mut self, props: &[Property], field: &str, pool: bool) {
        for p in props {
            for since in features::property_needs(pool, &p.name.value, &p.value.value) {
                let (what, at) = match since.needs {
                    Needs::Value { .. } => {
                        (format!("`{}={}`", p.name.value, p.value.value), p.value.at)
                    }
                    Needs::RecordsizeAbove1M => (
                        format!(
                            "records above 1M by default (`recordsize={}`)",
                            p.value.value
                        ),
                        p.value.at,
                    ),
                    Needs::PoolFeature(f) => (format!("pool feature `{f}`"), p.name.at),
                    _ => (
                        format!(
                            "{} property `{}`",
                            if pool { "pool" } else { "dataset" },
                            p.name.value
                        ),
                        p.name.at,
                    ),
                };
                self.lacks(since, at, &format!("{field}.{}", p.name.value), &what);
            }
        }
    }

    fn lacks(&mut self, since: &Since, at: Span, field: &str, what: &str) {
        if self.version.release() >= since.release {
            return;
        }
        let (major, minor) = since.release;
        let mut d = Diagnostic::new(
            self.file,
            at,
            field,
            format!(
                "OpenZFS {} has no {what} (new in {major}.{minor})",
                self.version
            ),
        );
        d.help = Some(format!(
            "{}, or run on OpenZFS {major}.{minor} or later",
            since.instead
        ));
        self.diags.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diags(fixture: &str, version: &str) -> Vec<String> {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture);
        let scenario = crate::scenario::load(&file).expect("loads");
        let version: ZfsVersion = version.parse().expect("version");
        check(&scenario, &version)
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn a_release_that_has_it_accepts_it() {
        let direct = "fixtures/invalid/zfs-2.1.11/direct-property.yaml";
        assert_eq!(diags(direct, "2.3.2"), Vec::<String>::new());
        assert_eq!(
            diags(direct, "2.2.7"),
            ["OpenZFS 2.2.7 has no dataset property `direct` (new in 2.3)"]
        );
    }

    #[test]
    fn shipped_scenarios_run_on_2_1() {
        for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
            .expect("scenarios")
            .flatten()
        {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "yaml") {
                let shown = path.display().to_string();
                assert_eq!(diags(&shown, "2.1.11"), Vec::<String>::new(), "{shown}");
            }
        }
    }
}
