//! Pools: vdevs, the devices they claim, names, properties and datasets.

use std::collections::{HashMap, HashSet};

use crate::diag::Span;
use crate::lab::{DatasetSpec, Device, PoolSpec, VdevSpec};
use crate::scenario::Scenario;
use crate::scenario::model::{Pool, Vdev};
use crate::scenario::node::Located;
use crate::scenario::selection::Selection;
use crate::zfs::layout_name::LayoutName;
use crate::zfs::properties;
use crate::zfs::vdev::{DraidLayout, FAMILIES, VdevKind};

use super::paths::Role;
use super::{Checker, names, pairs};

impl Checker<'_> {
    pub(super) fn pools(&mut self, s: &Scenario) -> Vec<PoolSpec> {
        let mut names: HashMap<String, Span> = HashMap::new();
        let mut out = Vec::new();
        for (i, p) in s.pools.iter().enumerate() {
            let field = format!("pools[{i}]");
            self.pool_now = Some(i);
            if let Some(spec) = self.pool(p, &field) {
                if let Some(first) = names.insert(spec.name.clone(), p.name.at) {
                    self.error(
                        p.name.at,
                        &format!("{field}.name"),
                        format!(
                            "pool `{}` is declared twice (first on line {})",
                            spec.name, first.line
                        ),
                        None,
                    );
                }
                out.push(spec);
            }
        }
        self.pool_now = None;
        out
    }

    pub(super) fn pool(&mut self, p: &Pool, field: &str) -> Option<PoolSpec> {
        let data = self.vdevs(&p.vdevs, &format!("{field}.vdevs"), |_| true);
        let log = self.vdevs(&p.log, &format!("{field}.log"), VdevKind::serves_aux_class);
        let special = self.vdevs(
            &p.special,
            &format!("{field}.special"),
            VdevKind::serves_aux_class,
        );
        let cache = p
            .cache
            .as_ref()
            .map(|c| self.plain(c, &format!("{field}.cache")))
            .unwrap_or_default();
        let spares = p
            .spares
            .as_ref()
            .map(|c| self.plain(c, &format!("{field}.spares")))
            .unwrap_or_default();
        if p.vdevs.is_empty() {
            self.error(
                p.at,
                &format!("{field}.vdevs"),
                "a pool needs at least one data vdev",
                "e.g. `vdevs: [{ type: raidz1, devices: disks }]`".to_owned(),
            );
        }
        if !p.force.value {
            self.replication(&p.vdevs, &data, &format!("{field}.vdevs"));
        }
        self.ashift(p, field);
        self.properties(
            &p.properties,
            &format!("{field}.properties"),
            properties::POOL,
            "pool",
        );
        self.properties(
            &p.root,
            &format!("{field}.root"),
            properties::DATASET,
            "dataset",
        );
        self.pool_paths(p, field);
        let name = self.pool_name(p, &data, field)?;
        let datasets = self.datasets(p, &name, field);
        let volumes = self.volumes(p, &name, field);
        Some(PoolSpec {
            name,
            ashift: p.ashift.as_ref().map(|a| a.value),
            data,
            log,
            special,
            cache,
            spares,
            properties: pairs(&p.properties),
            root: pairs(&p.root),
            mountpoint: p.mountpoint.as_ref().map(|m| m.value.clone()),
            altroot: p.altroot.as_ref().map(|a| a.value.clone()),
            force: p.force.value,
            datasets,
            volumes,
        })
    }

    /// `ashift` within what OpenZFS takes.
    fn ashift(&mut self, p: &Pool, field: &str) {
        if let Some(a) = &p.ashift
            && !(9..=16).contains(&a.value)
        {
            self.error(
                a.at,
                &format!("{field}.ashift"),
                format!("ashift {} is out of range", a.value),
                "OpenZFS takes 9 to 16; 12 (4 KiB sectors) suits most disks".to_owned(),
            );
        }
    }

    /// `mountpoint` and `altroot`: safe paths zfs accepts.
    fn pool_paths(&mut self, p: &Pool, field: &str) {
        if let Some(mp) = &p.mountpoint
            && mp.value.starts_with('/')
        {
            let path = Located::new(std::path::PathBuf::from(&mp.value), mp.at);
            self.safe_path(&path, &format!("{field}.mountpoint"), Role::MountPoint);
        }
        if let Some(mp) = &p.mountpoint
            && let Err(hint) = properties::check_value("mountpoint", &mp.value)
        {
            self.error(
                mp.at,
                &format!("{field}.mountpoint"),
                format!("`{}` is not a mountpoint", mp.value),
                format!("use {hint}"),
            );
        }
        if let Some(alt) = &p.altroot {
            self.absolute(alt, &format!("{field}.altroot"));
            self.safe_path(alt, &format!("{field}.altroot"), Role::Altroot);
        }
    }

    /// Datasets: names below the pool, each declared once, with dataset properties.
    fn datasets(&mut self, p: &Pool, name: &str, field: &str) -> Vec<DatasetSpec> {
        let mut seen = HashSet::new();
        let mut datasets = Vec::new();
        for (i, d) in p.datasets.iter().enumerate() {
            let df = format!("{field}.datasets[{i}]");
            if let Some(why) = names::dataset_name_problem(name, &d.name.value) {
                self.error(d.name.at, &format!("{df}.name"), format!("`{}` is not a dataset name: {why}", d.name.value), "name it below the pool without the pool's name: `Data` or `Data/sub`; letters, digits, spaces and `_-.:`".to_owned());
            } else if !seen.insert(d.name.value.clone()) {
                self.error(
                    d.name.at,
                    &format!("{df}.name"),
                    format!("dataset `{}` is declared twice", d.name.value),
                    None,
                );
            }
            self.properties(
                &d.properties,
                &format!("{df}.properties"),
                properties::DATASET,
                "dataset",
            );
            datasets.push(DatasetSpec {
                name: format!("{name}/{}", d.name.value),
                properties: pairs(&d.properties),
            });
        }
        datasets
    }

    /// Expands `{layout}` and checks an `N…-C…-D…-P…-S…` name against the layout.
    pub(super) fn pool_name(&mut self, p: &Pool, data: &[VdevSpec], field: &str) -> Option<String> {
        let nf = format!("{field}.name");
        let layouts: Vec<_> = data
            .iter()
            .filter_map(|v| v.kind.draid().copied())
            .collect();
        let mut name = p.name.value.clone();
        if name.contains("{layout}") {
            name = self.expand_layout(p, &layouts, &nf)?;
        } else if let Some(claimed) = LayoutName::find_in(&name) {
            self.claimed_layout(p, &name, &claimed, &layouts, &nf);
        }
        if let Err(why) = pool_name_valid(&name) {
            self.error(
                p.name.at,
                &nf,
                format!("`{name}` is not a valid pool name: {why}"),
                "start with a letter; use letters, digits, `_`, `-`, `.`, `:`".to_owned(),
            );
        }
        Some(name)
    }

    /// `{layout}` in a pool name: the one dRAID layout of the pool, named.
    fn expand_layout(&mut self, p: &Pool, layouts: &[DraidLayout], nf: &str) -> Option<String> {
        let generated = match layouts {
            [] => {
                Err("`{layout}` names a dRAID layout, but this pool has no dRAID vdev".to_owned())
            }
            [first, rest @ ..] if rest.iter().all(|l| l == first) => LayoutName::from_layout(first)
                .map(|n| n.to_string())
                .map_err(|e| e.to_string()),
            _ => Err("`{layout}` needs all dRAID vdevs to share one layout".to_owned()),
        };
        match generated {
            Ok(g) => Some(p.name.value.replace("{layout}", &g)),
            Err(e) => {
                self.error(p.name.at, nf, e, "write the name out instead".to_owned());
                None
            }
        }
    }

    /// A layout name written out: consistent in itself and true of the layout.
    fn claimed_layout(
        &mut self,
        p: &Pool,
        name: &str,
        claimed: &LayoutName,
        layouts: &[DraidLayout],
        nf: &str,
    ) {
        if let Err(problems) = claimed.check_consistent() {
            for problem in problems {
                self.error(
                    p.name.at,
                    nf,
                    format!("`{name}`: {problem}"),
                    "N = C × (D + P) + S in this naming convention".to_owned(),
                );
            }
        }
        match layouts.first() {
            None => self.error(
                p.name.at,
                nf,
                format!("`{name}` names a dRAID layout, but this pool has no dRAID vdev"),
                "rename the pool or use a draid vdev".to_owned(),
            ),
            Some(layout) => {
                if let Err(problems) = claimed.check(layout) {
                    for problem in problems {
                        self.error(
                            p.name.at,
                            nf,
                            format!("`{name}` does not match {layout}: {problem}"),
                            "fix the name or the layout; `name: \"{layout}\"` generates it"
                                .to_owned(),
                        );
                    }
                }
            }
        }
    }

    /// The vdevs of one class, whose kinds must be `allowed`.
    pub(super) fn vdevs(
        &mut self,
        vdevs: &[Vdev],
        field: &str,
        allowed: fn(&VdevKind) -> bool,
    ) -> Vec<VdevSpec> {
        let mut out = Vec::new();
        for (i, v) in vdevs.iter().enumerate() {
            let vf = format!("{field}[{i}]");
            let class = field.rsplit('.').next().unwrap_or(field);
            if !allowed(&v.kind.value) {
                let families: Vec<_> = FAMILIES
                    .iter()
                    .filter(|k| allowed(k))
                    .map(VdevKind::family)
                    .collect();
                self.error(
                    v.kind.at,
                    &format!("{vf}.type"),
                    format!("a {class} vdev cannot be {}", v.kind.value),
                    format!("{class} vdevs can be: {}", families.join(", ")),
                );
            }
            let Some(devices) = self.select(&v.devices, &format!("{vf}.devices")) else {
                continue;
            };
            self.claim(&devices, &format!("{vf}.devices"));
            match v.kind.value.resolve(devices.len()) {
                Ok(kind) => out.push(VdevSpec {
                    kind,
                    devices: devices.into_iter().map(|(d, _)| d).collect(),
                }),
                Err(e) => self.error(
                    v.devices.at,
                    &format!("{vf}.devices"),
                    e.to_string(),
                    e.hint(),
                ),
            }
        }
        out
    }

    /// Cache and spare devices: plain devices, no vdev type.
    pub(super) fn plain(&mut self, sel: &Located<Selection>, field: &str) -> Vec<Device> {
        let Some(devices) = self.select(sel, field) else {
            return Vec::new();
        };
        self.claim(&devices, field);
        devices.into_iter().map(|(d, _)| d).collect()
    }

    /// Records that a pool uses these devices; a device can serve one role only,
    /// and a partitioned device is used through its partitions.
    pub(super) fn claim(&mut self, devices: &[(Device, Span)], field: &str) {
        for (d, at) in devices {
            self.volume_user(d, *at, field);
            if let Some(size) = d.size
                && size.bytes() < MIN_VDEV_SIZE
            {
                self.error(
                    *at,
                    field,
                    format!("`{}` is {}, smaller than the 64 MiB ZFS needs for a device", d.label, size.human()),
                    "zpool create fails with \"one or more devices is currently unavailable\": make it at least 64M".to_owned(),
                );
            }
            if let Some(table) = self.partitioned.get(&d.path).cloned() {
                self.error(
                    *at,
                    field,
                    format!("`{}` carries a partition table ({table})", d.label),
                    "use its partitions by name instead of the whole device".to_owned(),
                );
            }
            if let Some(other) = self.used.insert(d.path.clone(), field.to_owned()) {
                self.error(
                    *at,
                    field,
                    format!("`{}` is already used by {other}", d.label),
                    "a device can be in one vdev of one pool".to_owned(),
                );
            }
        }
    }

    /// `zpool create` refuses data vdevs of different redundancy unless forced.
    pub(super) fn replication(&mut self, vdevs: &[Vdev], data: &[VdevSpec], field: &str) {
        let shape = |v: &VdevSpec| {
            (
                std::mem::discriminant(&v.kind),
                v.kind.token(),
                v.devices.len(),
            )
        };
        let Some(first) = data.first() else { return };
        if let Some(i) = data.iter().position(|v| shape(v) != shape(first)) {
            let at = vdevs.get(i).map_or(Span::default(), |v| v.kind.at);
            self.error(at, &format!("{field}[{i}]"), "mismatched replication level: data vdevs differ in type or width", "zpool create refuses this without -f: make the vdevs alike, or set `force: true` on the pool".to_owned());
        }
    }
}

/// OpenZFS's `pool_namecheck()` (module/zcommon/zfs_namecheck.c) and the reserved
/// names of `zpool_name_valid()` (lib/libzfs/libzfs_pool.c).
pub(super) fn pool_name_valid(name: &str) -> Result<(), &'static str> {
    // zpool_name_valid(): these prefixes, and exactly `log`, are reserved at create.
    const RESERVED: &[&str] = &["mirror", "raidz", "draid", "spare"];
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.len() >= 256 {
        return Err("it is 256 characters or longer");
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err("it must begin with a letter");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.: ".contains(c))
    {
        return Err("it contains a character ZFS does not allow");
    }
    if RESERVED.iter().any(|r| name.starts_with(r)) || name == "log" {
        return Err("names beginning with mirror, raidz, draid or spare, and `log`, are reserved");
    }
    if name.len() >= 2
        && name.starts_with('c')
        && name[1..].starts_with(|c: char| c.is_ascii_digit())
    {
        return Err("names like `c0…` are reserved");
    }
    Ok(())
}

/// `SPA_MINDEVSIZE`: OpenZFS refuses smaller vdevs.
const MIN_VDEV_SIZE: u64 = 64 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_names_follow_zfs_rules() {
        assert!(pool_name_valid("N58-C3-D16-P2-S4").is_ok());
        assert!(pool_name_valid("tank").is_ok());
        assert!(pool_name_valid("mirror1").is_err());
        assert!(pool_name_valid("1tank").is_err());
        assert!(pool_name_valid("c0d0").is_err());
        assert!(pool_name_valid("ta/nk").is_err());
    }
}
