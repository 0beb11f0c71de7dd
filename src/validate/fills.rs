//! Fills: targets, sizes and the properties set while and after writing.

use crate::diag::suggest;
use crate::lab::{FillDir, FillSpec, PoolSpec};
use crate::scenario::model::{After, Fill, FillTarget};
use crate::scenario::node::Located;
use crate::scenario::size::Size;
use crate::zfs::properties;

use super::names::dataset_name_problem;
use super::paths::Role;
use super::pools::pool_name_valid;
use super::{Checker, pairs};

impl Checker<'_> {
    /// A fill into one of `pools` (the scenario's), or with no pools into a
    /// pool or dataset that exists on this machine (`zlab fill DATASET`).
    pub(super) fn fill(
        &mut self,
        f: &Fill,
        field: &str,
        pools: Option<&[PoolSpec]>,
    ) -> Option<FillSpec> {
        let target = if let Some(ds) = &f.dataset {
            match pools {
                Some(pools) => self.fill_dataset(ds, field, pools),
                None => self.existing_dataset(ds, field),
            }
        } else if let Some(path) = &f.path {
            self.absolute(path, &format!("{field}.path"));
            self.safe_path(path, &format!("{field}.path"), Role::FillDir);
            FillDir::Path(path.value.clone())
        } else {
            return None; // already reported by the decoder
        };
        self.fill_files(f, field);
        self.fill_amount(f, &target, field, pools);
        self.properties(
            &f.during,
            &format!("{field}.during"),
            properties::DATASET,
            "dataset",
        );
        let after = match &f.after.value {
            After::Restore => None,
            After::Set(props) => {
                self.properties(
                    props,
                    &format!("{field}.after"),
                    properties::DATASET,
                    "dataset",
                );
                Some(pairs(props))
            }
        };
        Some(FillSpec {
            target,
            until: f.until.value,
            file_size: f.file_size.value,
            buffer: f.buffer.value,
            pattern: f.pattern.value.clone(),
            streams: f.streams.value,
            window: f.window.value,
            direct: f.direct.value,
            during: pairs(&f.during),
            after,
        })
    }

    /// A fill's dataset: a pool or dataset the scenario declares.
    fn fill_dataset(&mut self, ds: &Located<String>, field: &str, pools: &[PoolSpec]) -> FillDir {
        let pool = ds.value.split('/').next().unwrap_or_default();
        let known = self.broken.iter().any(|b| b == pool)
            || pools
                .iter()
                .any(|p| p.name == ds.value || p.datasets.iter().any(|d| d.name == ds.value));
        if !known {
            let all: Vec<&str> = pools
                .iter()
                .flat_map(|p| {
                    std::iter::once(p.name.as_str())
                        .chain(p.datasets.iter().map(|d| d.name.as_str()))
                })
                .collect();
            let help = match suggest(&ds.value, all.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "declared: {}",
                    if all.is_empty() {
                        "none".to_owned()
                    } else {
                        all.join(", ")
                    }
                ),
            };
            self.error(
                ds.at,
                &format!("{field}.dataset"),
                format!("no pool or dataset `{}` is declared", ds.value),
                help,
            );
        }
        FillDir::Dataset {
            name: ds.value.clone(),
            pool: pool.to_owned(),
        }
    }

    /// A dataset named on the command line: a name `zfs` accepts; whether it
    /// exists is the fill's to find out.
    fn existing_dataset(&mut self, ds: &Located<String>, field: &str) -> FillDir {
        let (pool, below) = match ds.value.split_once('/') {
            Some((pool, below)) => (pool, Some(below)),
            None => (ds.value.as_str(), None),
        };
        let problem = pool_name_valid(pool)
            .err()
            .map(|why| format!("`{pool}` is not a pool name: {why}"))
            .or_else(|| below.and_then(|b| dataset_name_problem(pool, b)));
        if let Some(why) = problem {
            self.error(
                ds.at,
                &format!("{field}.dataset"),
                format!("`{}` is not a dataset name: {why}", ds.value),
                "name a pool (`tank`) or a dataset (`tank/data`) as `zfs list` shows it".to_owned(),
            );
        }
        FillDir::Dataset {
            name: ds.value.clone(),
            pool: pool.to_owned(),
        }
    }

    /// The files a fill writes: numbered names, sizes worth measuring, a
    /// buffer that fits in memory.
    fn fill_files(&mut self, f: &Fill, field: &str) {
        const MIB: u64 = 1 << 20;
        if !f.pattern.value.contains("{n}") || f.pattern.value.contains('/') {
            self.error(
                f.pattern.at,
                &format!("{field}.pattern"),
                format!("`{}` does not name numbered files", f.pattern.value),
                "use a file name with `{n}`, e.g. `file_{n}`".to_owned(),
            );
        }
        if f.file_size.value.bytes() < MIB {
            self.error(
                f.file_size.at,
                &format!("{field}.file_size"),
                format!(
                    "{} files are too small to measure throughput",
                    f.file_size.value
                ),
                "use 1M or more; the recipe uses 1G".to_owned(),
            );
        }
        let Some(buffer) = f.buffer.value else {
            return; // 16M a stream
        };
        if buffer.bytes() < MIB {
            self.error(
                f.buffer.at,
                &format!("{field}.buffer"),
                format!("a {buffer} buffer is too small"),
                "use 1M or more".to_owned(),
            );
        }
        if let Some(avail) = self.host.mem_available
            && buffer.bytes() > avail.bytes() / 2
        {
            self.error(
                f.buffer.at,
                &format!("{field}.buffer"),
                format!(
                    "a {buffer} buffer needs more than half of the {} available memory",
                    avail.human()
                ),
                "the buffer is reused for every file: 16M a stream is plenty".to_owned(),
            );
        }
    }

    /// `until`: something to write, and no more than the pool's raw space.
    fn fill_amount(&mut self, f: &Fill, target: &FillDir, field: &str, pools: Option<&[PoolSpec]>) {
        match f.until.value {
            FillTarget::Files(0) => self.error(
                f.until.at,
                &format!("{field}.until"),
                "a fill of 0 files does nothing",
                None,
            ),
            FillTarget::Bytes(b) if b.bytes() == 0 => self.error(
                f.until.at,
                &format!("{field}.until"),
                "a fill of 0 bytes does nothing",
                None,
            ),
            FillTarget::Bytes(b) => {
                if let (FillDir::Dataset { pool, .. }, Some(pools)) = (target, pools) {
                    let raw = pools.iter().find(|p| &p.name == pool).map(raw_size);
                    if let Some(Some(raw)) = raw
                        && b > raw
                    {
                        self.error(
                            f.until.at,
                            &format!("{field}.until"),
                            format!("{b} is more than the pool's {} of raw space", raw.human()),
                            "use a percentage (`75%`) to fill relative to the real capacity"
                                .to_owned(),
                        );
                    }
                }
            }
            FillTarget::Percent(_) | FillTarget::Files(_) => {}
        }
    }
}

/// The data vdevs' summed device sizes, when all are known: an upper bound no
/// fill can exceed.
fn raw_size(pool: &PoolSpec) -> Option<Size> {
    pool.data
        .iter()
        .flat_map(|v| v.devices.iter())
        .try_fold(0u64, |acc, d| d.size.map(|s| acc.saturating_add(s.bytes())))
        .map(Size::from_bytes)
}
