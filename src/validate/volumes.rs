//! Volumes (zvols): sizes and block sizes `zfs create -V` takes, names that
//! are devices of the lab too, and pools that use them built after theirs.

use crate::device::{DevicePath, volume_var};
use crate::diag::Span;
use crate::lab::{Device, VolumeSpec};
use crate::scenario::Scenario;
use crate::scenario::model::{Pool, Volume};
use crate::scenario::size::Size;
use crate::zfs::properties;

use super::{Checker, pairs};

/// `volblocksize` every OpenZFS release takes (2.1 allows more only with
/// the large_blocks feature, and zvols gain nothing from it).
const MIN_BLOCK: u64 = 512;
const MAX_BLOCK: u64 = 128 << 10;

/// The device a volume is once made, bound at run time.
fn device(v: &Volume) -> Device {
    Device {
        label: v.name.value.clone(),
        path: DevicePath::Volume {
            var: volume_var(&v.name.value),
        },
        size: Some(v.size.value),
    }
}

impl Checker<'_> {
    /// Makes every volume's name a device name before partition tables and
    /// pools refer to it; remembers which pool makes it.
    pub(super) fn volume_names(&mut self, s: &Scenario) {
        for (pi, p) in s.pools.iter().enumerate() {
            for (vi, v) in p.volumes.iter().enumerate() {
                let device = device(v);
                self.volume_pools
                    .push((device.path.clone(), pi, p.name.value.clone()));
                self.add_name(
                    &v.name,
                    &format!("pools[{pi}].volumes[{vi}].name"),
                    vec![device],
                );
            }
        }
    }

    /// The volumes of pool `name`: block size, size, properties, and no
    /// dataset of the same name.
    pub(super) fn volumes(&mut self, p: &Pool, name: &str, field: &str) -> Vec<VolumeSpec> {
        let mut out = Vec::new();
        for (i, v) in p.volumes.iter().enumerate() {
            let vf = format!("{field}.volumes[{i}]");
            if let Some(d) = p.datasets.iter().find(|d| {
                d.name.value == v.name.value
                    || d.name.value.starts_with(&format!("{}/", v.name.value))
            }) {
                self.error(
                    v.name.at,
                    &format!("{vf}.name"),
                    format!(
                        "`{name}/{}` is also a dataset of this pool (line {})",
                        v.name.value, d.name.at.line
                    ),
                    "a volume and a filesystem cannot share a name: rename one".to_owned(),
                );
            }
            let block = v.volblocksize.as_ref().map(|b| b.value);
            let valid = |b: u64| b.is_power_of_two() && (MIN_BLOCK..=MAX_BLOCK).contains(&b);
            if let Some(b) = &v.volblocksize
                && !valid(b.value.bytes())
            {
                self.error(
                    b.at,
                    &format!("{vf}.volblocksize"),
                    format!("{} is not a volume block size", b.value),
                    "use a power of two from 512 to 128K (`zfs create -b`), e.g. 16K; leave it out for the one zfs picks for the pool".to_owned(),
                );
            }
            let size = v.size.value.bytes();
            // zfs rounds up to whole blocks; a size the scenario means exactly
            // is written so. Without a valid block size, whole sectors.
            let unit = block
                .map(Size::bytes)
                .filter(|&b| valid(b))
                .unwrap_or(MIN_BLOCK);
            if size == 0 || !size.is_multiple_of(unit) {
                let up = size.div_ceil(unit).max(1) * unit;
                self.error(
                    v.size.at,
                    &format!("{vf}.size"),
                    format!(
                        "{} is not a whole number of {}-byte blocks",
                        v.size.value, unit
                    ),
                    format!("zfs would make it {up} bytes; write a multiple of the block size, e.g. {up}"),
                );
            }
            self.properties(
                &v.properties,
                &format!("{vf}.properties"),
                properties::VOLUME,
                "volume",
            );
            out.push(VolumeSpec {
                name: format!("{name}/{}", v.name.value),
                device: device(v),
                size: v.size.value,
                sparse: v.sparse.value,
                volblocksize: block,
                properties: pairs(&v.properties),
            });
        }
        out
    }

    /// A pool may use a volume (or its partitions) only of a pool made
    /// before it: never its own, which does not exist while it is created.
    pub(super) fn volume_user(&mut self, device: &Device, at: Span, field: &str) {
        let Some(pool) = self.pool_now else { return };
        let mut path = &device.path;
        while let DevicePath::Part { parent, .. } = path {
            path = parent;
        }
        let Some((_, owner, owner_name)) = self.volume_pools.iter().find(|(p, _, _)| p == path)
        else {
            return;
        };
        let (owner, owner_name) = (*owner, owner_name.clone());
        if owner == pool {
            self.error(
                at,
                field,
                format!("`{}` is a volume of this pool", device.label),
                "a pool cannot be built on its own volume: put the volume in another pool, listed before this one".to_owned(),
            );
        } else if owner > pool {
            self.error(
                at,
                field,
                format!(
                    "`{}` is a volume of pool `{owner_name}`, which is listed after this pool",
                    device.label
                ),
                format!("pools are created in order: list `{owner_name}` before this pool"),
            );
        }
    }
}
