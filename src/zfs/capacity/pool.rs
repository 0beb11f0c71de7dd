//! A pool's space before it exists: from device sizes to what `zpool list`
//! (SIZE) and `zfs list` (USED + AVAIL of the root dataset) will report, with
//! every byte in between accounted for as a named loss.
//!
//! The chain, each step exact:
//! raw − labels − uneven children − mirror copies − dRAID reserve − distributed
//! spares − dRAID group rounding − metaslab rounding = `zpool list` SIZE (data
//! class; special vdevs add theirs); − embedded ZIL metaslab − parity − padding =
//! deflated space; − slop = `zfs list` USED + AVAIL.

use serde::Serialize;

use super::rules;
use crate::zfs::vdev::{Kind, ResolvedVdev};

/// The shape of one top-level vdev: its kind, as far as space goes. A
/// stripe of n devices is n top-level vdevs of one disk each, so a stripe's
/// shape is called `disk`. What a kind costs in space is written here, once,
/// and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape(ResolvedVdev);

impl Shape {
    /// The shape of one top-level vdev of `kind`.
    pub(crate) fn of(kind: ResolvedVdev) -> Shape {
        Shape(kind)
    }

    /// The allocation `zfs create -V` sizes its default block by
    /// (`default_volblocksize` in `zfs_main.c` up to 2.3): a dRAID row's data,
    /// 2 sectors for raidz1, 4 for raidz2/3, else one sector.
    pub(crate) fn volume_alloc(&self, ashift: u8) -> u64 {
        let sector = 1u64 << ashift;
        match self.0 {
            Kind::Draid(l) => u64::from(l.data) * sector,
            Kind::Raidz { parity: 1 } => 2 * sector,
            Kind::Raidz { .. } => 4 * sector,
            Kind::Stripe | Kind::Mirror => sector,
        }
    }

    /// Whether blocks are padded to parity groups or rows (raidz, dRAID):
    /// the vdevs a volume's reservation is sized on (`volsize_from_vdevs`).
    pub(crate) fn pads(&self) -> bool {
        matches!(self.0, Kind::Raidz { .. } | Kind::Draid(_))
    }
}

/// One top-level vdev: its shape and the size of each child in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TopVdev {
    pub shape: Shape,
    pub sizes: Vec<u64>,
}

/// What a pool is built from, as far as space goes. Log, cache and spare
/// devices hold no data and are not part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    pub ashift: u8,
    pub data: Vec<TopVdev>,
    pub special: Vec<TopVdev>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapacityError {
    #[error("a device of {size} bytes is smaller than the 64 MiB `zpool create` accepts")]
    TooSmall { size: u64 },
    #[error("{shape} devices are too small to hold one metaslab")]
    NoMetaslab { shape: String },
    #[error("the sizes add up to more than 16 EiB")]
    TooLarge,
    #[error("the pool has no data vdevs")]
    NoData,
}

/// Where raw bytes go on the way to `zfs list`, each as a figure in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Losses {
    /// 4 MiB of labels and boot area at the start, 512 KiB at the end, and
    /// whatever is not a whole 256 KiB label unit.
    pub labels: u64,
    /// Children larger than the smallest one of their vdev.
    pub uneven: u64,
    /// The extra copies of a mirror.
    pub mirror_copies: u64,
    /// dRAID's 32 MiB reflow reserve per child and rounding to 16 MiB rows.
    pub draid_reserve: u64,
    /// dRAID distributed spares.
    pub distributed_spares: u64,
    /// dRAID space that does not fill a whole redundancy group.
    pub draid_group_rounding: u64,
    /// Space beyond the last whole metaslab (and dRAID metaslab alignment).
    pub metaslab_rounding: u64,
    /// The metaslab each large normal vdev gives the ZIL (embedded slog).
    pub embedded_zil: u64,
    /// Parity: P of every D + P sectors (raidz, dRAID).
    pub parity: u64,
    /// Allocation padding: raidz rounds to parity + 1 sectors and dRAID to whole
    /// rows; `zfs` space assumes 128 KiB blocks (the deflate ratio).
    pub padding: u64,
    /// Slop: 1/32 of the pool (128 MiB to 128 GiB) that only ZFS itself may use.
    pub slop: u64,
}

impl Losses {
    fn add(&mut self, other: &Losses) {
        self.labels += other.labels;
        self.uneven += other.uneven;
        self.mirror_copies += other.mirror_copies;
        self.draid_reserve += other.draid_reserve;
        self.distributed_spares += other.distributed_spares;
        self.draid_group_rounding += other.draid_group_rounding;
        self.metaslab_rounding += other.metaslab_rounding;
        self.embedded_zil += other.embedded_zil;
        self.parity += other.parity;
        self.padding += other.padding;
        self.slop += other.slop;
    }

    /// Losses before `zpool list` SIZE and after it, in the order they apply.
    pub(crate) fn before_size(&self) -> [(&'static str, u64); 7] {
        [
            ("labels and boot area", self.labels),
            ("uneven children", self.uneven),
            ("mirror copies", self.mirror_copies),
            ("dRAID reflow reserve and rows", self.draid_reserve),
            ("distributed spares", self.distributed_spares),
            ("dRAID group rounding", self.draid_group_rounding),
            ("metaslab rounding", self.metaslab_rounding),
        ]
    }

    pub(crate) fn after_size(&self) -> [(&'static str, u64); 4] {
        [
            ("embedded ZIL metaslab", self.embedded_zil),
            ("parity", self.parity),
            ("allocation padding", self.padding),
            ("slop (reserved by ZFS)", self.slop),
        ]
    }
}

/// One top-level vdev's space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VdevSpace {
    pub shape: Shape,
    pub children: usize,
    pub ashift: u8,
    /// Sum of the children's sizes.
    pub raw: u64,
    /// `vdev_asize`: what the vdev offers before metaslabs.
    pub asize: u64,
    pub ms_shift: u32,
    pub ms_count: u64,
    /// Sum of the metaslabs: the vdev's part of `zpool list` SIZE.
    pub size: u64,
    /// Bytes of `zfs` space per 512 raw bytes.
    pub deflate_ratio: u64,
    /// Deflated space of the normal class (the ZIL metaslab excluded).
    pub dspace: u64,
    /// Deflated space of the embedded ZIL metaslab.
    pub zil_dspace: u64,
    pub losses: Losses,
}

/// A whole pool's space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PoolSpace {
    pub ashift: u8,
    pub data: Vec<VdevSpace>,
    pub special: Vec<VdevSpace>,
    /// Sum of the data vdevs' device sizes.
    pub raw: u64,
    /// What `zpool list` reports as SIZE: data and special classes.
    pub zpool_size: u64,
    /// The data vdevs' part of SIZE.
    pub data_size: u64,
    /// The special vdevs' part of SIZE; not in `zfs` space.
    pub special_size: u64,
    /// Deflated normal-class space (`spa_get_dspace`).
    pub dspace: u64,
    /// What `zfs list` reports as USED + AVAIL of the root dataset.
    pub usable: u64,
    pub losses: Losses,
}

impl Shape {
    /// Raw bytes one block of `psize` bytes takes (`vdev_psize_to_asize`).
    pub(crate) fn psize_to_asize(&self, psize: u64, children: usize, ashift: u8) -> u64 {
        match self.0 {
            Kind::Stripe | Kind::Mirror => rules::plain_asize(psize, ashift),
            Kind::Raidz { parity } => {
                rules::raidz_asize(psize, ashift, children as u64, u64::from(parity))
            }
            Kind::Draid(l) => {
                rules::draid_asize(psize, ashift, u64::from(l.data), u64::from(l.parity))
            }
        }
    }

    /// (parity, width) of a stripe row, for the parity share.
    fn parity_of(&self, children: usize) -> (u64, u64) {
        match self.0 {
            Kind::Stripe | Kind::Mirror => (0, 1),
            Kind::Raidz { parity } => (u64::from(parity), children as u64),
            Kind::Draid(l) => (u64::from(l.parity), u64::from(l.data + u32::from(l.parity))),
        }
    }

    /// `vdev_asize` of `n` children whose smallest offers `min` bytes, with
    /// what the kind itself takes on the way recorded in `losses`.
    fn asize(&self, min: u64, n: u64, losses: &mut Losses) -> Result<u64, CapacityError> {
        Ok(match self.0 {
            Kind::Stripe => min,
            Kind::Mirror => {
                losses.mirror_copies = min * (n - 1);
                min
            }
            Kind::Raidz { .. } => to_u64(u128::from(min) * u128::from(n))?,
            Kind::Draid(l) => {
                // vdev_draid_open(): reserve, whole rows, spares, whole groups.
                let child = min
                    .checked_sub(rules::DRAID_REFLOW_RESERVE)
                    .ok_or_else(|| self.no_metaslab())?
                    / rules::DRAID_ROWHEIGHT
                    * rules::DRAID_ROWHEIGHT;
                losses.draid_reserve = (min - child) * n;
                losses.distributed_spares = child * u64::from(l.spares);
                let ndisks = n - u64::from(l.spares);
                let groupsz = u64::from(l.data + u32::from(l.parity)) * rules::DRAID_ROWHEIGHT;
                let total = to_u64(u128::from(child) * u128::from(ndisks))?;
                let asize = total / groupsz * groupsz;
                losses.draid_group_rounding = total - asize;
                asize
            }
        })
    }

    /// The size of metaslab `i`: dRAID aligns each to whole rows of a group.
    fn metaslab(&self, i: u64, ms_shift: u32, ashift: u8) -> u64 {
        match self.0 {
            Kind::Draid(l) => rules::draid_metaslab_size(
                i,
                ms_shift,
                u64::from(l.data + u32::from(l.parity)) << ashift,
            ),
            Kind::Stripe | Kind::Mirror | Kind::Raidz { .. } => 1 << ms_shift,
        }
    }

    /// The sum of `ms_count` metaslabs.
    fn metaslabs(&self, ms_count: u64, ms_shift: u32, ashift: u8) -> u64 {
        match self.0 {
            Kind::Draid(_) => (0..ms_count)
                .map(|i| self.metaslab(i, ms_shift, ashift))
                .sum(),
            Kind::Stripe | Kind::Mirror | Kind::Raidz { .. } => ms_count << ms_shift,
        }
    }

    fn no_metaslab(&self) -> CapacityError {
        CapacityError::NoMetaslab {
            shape: self.to_string(),
        }
    }
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Kind::Stripe => f.write_str("disk"),
            kind => kind.fmt(f),
        }
    }
}

impl Serialize for Shape {
    /// As the kind, but `disk` for a stripe's single-disk top-level vdevs.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Kind::Stripe => serializer.serialize_unit_variant("Shape", 0, "disk"),
            kind => kind.serialize(serializer),
        }
    }
}

fn to_u64(x: u128) -> Result<u64, CapacityError> {
    u64::try_from(x).map_err(|_| CapacityError::TooLarge)
}

/// `vdev_open()` and `vdev_metaslab_init()` for one top-level vdev.
pub(crate) fn vdev_space(
    v: &TopVdev,
    ashift: u8,
    normal: bool,
) -> Result<VdevSpace, CapacityError> {
    let n = v.sizes.len() as u64;
    let raw = to_u64(v.sizes.iter().map(|&s| u128::from(s)).sum())?;
    let leaves = v
        .sizes
        .iter()
        .map(|&size| rules::leaf_asize(size).ok_or(CapacityError::TooSmall { size }))
        .collect::<Result<Vec<u64>, _>>()?;
    let min = leaves.iter().copied().min().ok_or(CapacityError::NoData)?;
    let leaf_sum: u64 = leaves.iter().sum();
    let mut losses = Losses {
        labels: raw - leaf_sum,
        uneven: leaf_sum - min * n,
        ..Losses::default()
    };
    let asize = v.shape.asize(min, n, &mut losses)?;
    let ms_shift = rules::metaslab_shift(asize);
    let ms_count = asize >> ms_shift;
    if ms_count == 0 {
        return Err(v.shape.no_metaslab());
    }
    let size = v.shape.metaslabs(ms_count, ms_shift, ashift);
    losses.metaslab_rounding = asize - size;
    // vdev_metaslab_init(): on a new pool every metaslab is empty, so the first
    // one goes to the embedded log class.
    let zil = if normal && ms_count > rules::EMBEDDED_SLOG_MIN_MS {
        v.shape.metaslab(0, ms_shift, ashift)
    } else {
        0
    };
    losses.embedded_zil = zil;
    let children = v.sizes.len();
    let deflate_ratio = rules::deflate_ratio(v.shape.psize_to_asize(
        rules::SPA_OLD_MAXBLOCKSIZE,
        children,
        ashift,
    ));
    let normal_space = size - zil;
    let dspace = rules::deflated(normal_space, deflate_ratio);
    let (parity, width) = v.shape.parity_of(children);
    let ideal = to_u64(u128::from(normal_space) * u128::from(width - parity) / u128::from(width))?;
    losses.parity = normal_space - ideal;
    losses.padding = ideal - dspace;
    Ok(VdevSpace {
        shape: v.shape,
        children,
        ashift,
        raw,
        asize,
        ms_shift,
        ms_count,
        size,
        deflate_ratio,
        dspace,
        zil_dspace: rules::deflated(zil, deflate_ratio),
        losses,
    })
}

impl Layout {
    /// The space of the whole pool, as `spa_get_dspace()` and `dsl_pool_adjustedsize()` see it.
    pub(crate) fn space(&self) -> Result<PoolSpace, CapacityError> {
        if self.data.is_empty() {
            return Err(CapacityError::NoData);
        }
        let data = self
            .data
            .iter()
            .map(|v| vdev_space(v, self.ashift, true))
            .collect::<Result<Vec<_>, _>>()?;
        let special = self
            .special
            .iter()
            .map(|v| vdev_space(v, self.ashift, false))
            .collect::<Result<Vec<_>, _>>()?;
        let sum = |vs: &[VdevSpace], f: fn(&VdevSpace) -> u64| {
            to_u64(vs.iter().map(|v| u128::from(f(v))).sum())
        };
        let raw = sum(&data, |v| v.raw)?;
        let data_size = sum(&data, |v| v.size)?;
        let special_size = sum(&special, |v| v.size)?;
        let dspace = sum(&data, |v| v.dspace)?;
        let zil_dspace = sum(&data, |v| v.zil_dspace)?;
        let mut losses = Losses::default();
        for v in &data {
            losses.add(&v.losses);
        }
        losses.slop = rules::slop(dspace, zil_dspace);
        Ok(PoolSpace {
            ashift: self.ashift,
            raw,
            zpool_size: data_size
                .checked_add(special_size)
                .ok_or(CapacityError::TooLarge)?,
            data_size,
            special_size,
            dspace,
            usable: dspace - losses.slop,
            losses,
            data,
            special,
        })
    }
}

impl PoolSpace {
    /// The `zfs` space one block of `psize` bytes is charged (`bp_get_dsize`):
    /// its raw cost, deflated; averaged over the data vdevs by their space,
    /// as the allocator spreads blocks.
    pub(crate) fn block_charge(&self, psize: u64) -> u64 {
        let total: u128 = self.data.iter().map(|v| u128::from(v.dspace)).sum();
        if total == 0 {
            return 0;
        }
        let weighted: u128 = self
            .data
            .iter()
            .map(|v| {
                let asize = v.shape.psize_to_asize(psize, v.children, v.ashift);
                u128::from(rules::deflated(asize, v.deflate_ratio)) * u128::from(v.dspace)
            })
            .sum();
        u64::try_from(weighted / total).unwrap_or(u64::MAX)
    }

    /// The share of raw space `zfs` can use, in hundredths of a percent.
    pub(crate) fn efficiency(&self) -> u64 {
        if self.raw == 0 {
            return 0;
        }
        u64::try_from(u128::from(self.usable) * 10_000 / u128::from(self.raw)).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zfs::vdev::DraidLayout;

    const G: u64 = 1 << 30;
    const T: u64 = 1 << 40;
    const TB: u64 = 1_000_000_000_000;

    fn pool(ashift: u8, data: Vec<TopVdev>) -> PoolSpace {
        Layout {
            ashift,
            data,
            special: Vec::new(),
        }
        .space()
        .expect("space")
    }

    fn vdev(kind: ResolvedVdev, n: usize, size: u64) -> TopVdev {
        TopVdev {
            shape: Shape::of(kind),
            sizes: vec![size; n],
        }
    }

    fn draid(parity: u8, data: u32, children: u32, spares: u32) -> ResolvedVdev {
        Kind::Draid(DraidLayout {
            parity,
            data,
            children,
            spares,
        })
    }

    /// Every loss and the reported figures add up to raw.
    fn assert_chain(p: &PoolSpace) {
        let l = &p.losses;
        let before: u64 = l.before_size().iter().map(|(_, b)| b).sum();
        assert_eq!(p.raw - before, p.data_size);
        let after: u64 = l.after_size().iter().map(|(_, b)| b).sum();
        assert_eq!(p.data_size - after, p.usable);
    }

    // Measured on OpenZFS 2.3.2 (fixtures/capacity/measured.tsv); the model
    // reproduces them to the byte.
    #[test]
    fn raidz1_of_three_10g() {
        let p = pool(12, vec![vdev(Kind::Raidz { parity: 1 }, 3, 10 * G)]);
        assert_eq!(p.data[0].asize, 32_198_098_944);
        assert_eq!(p.data[0].ms_shift, 29);
        assert_eq!(p.zpool_size, 31_675_383_808);
        assert_eq!(p.usable, 491_040 + 20_436_550_112);
        assert_chain(&p);
    }

    #[test]
    fn small_stripe_hits_the_minimum_slop() {
        let p = pool(12, vec![vdev(Kind::Stripe, 1, G)]);
        assert_eq!(p.zpool_size, 1_006_632_960);
        assert_eq!(p.losses.slop, 128 << 20);
        assert_eq!(p.usable, 368_640 + 872_046_592);
        assert_chain(&p);
    }

    #[test]
    fn every_large_vdev_gives_one_metaslab_to_the_zil() {
        let p = pool(12, (0..4).map(|_| vdev(Kind::Stripe, 1, 100 * G)).collect());
        assert_eq!(p.zpool_size, 427_349_245_952);
        assert_eq!(p.losses.embedded_zil, 4 << 29);
        assert_eq!(p.usable, 405_504 + 414_061_285_376);
        assert_chain(&p);
    }

    #[test]
    fn mirror_counts_one_copy() {
        let p = pool(12, vec![vdev(Kind::Mirror, 3, T)]);
        assert_eq!(p.zpool_size, 1_090_921_693_184);
        assert_eq!(p.losses.mirror_copies, 2 * p.data[0].asize);
        assert_eq!(p.usable, 344_064 + 1_057_098_481_664);
        assert_chain(&p);
    }

    #[test]
    fn raidz_deflation_pads_at_ashift_9_and_13() {
        let p = pool(9, vec![vdev(Kind::Raidz { parity: 2 }, 6, 2 * T)]);
        assert_eq!(p.zpool_size, 13_176_959_664_128);
        assert_eq!(p.usable, 165_726 + 8_638_621_907_106);
        let p = pool(13, vec![vdev(Kind::Raidz { parity: 2 }, 6, T)]);
        assert_eq!(p.zpool_size, 6_579_889_897_472);
        assert_eq!(p.usable, 1_473_120 + 4_245_718_402_464);
        assert!(p.losses.padding > 0);
        assert_chain(&p);
    }

    #[test]
    fn uneven_children_count_as_the_smallest() {
        let p = pool(
            12,
            vec![TopVdev {
                shape: Shape::of(Kind::Raidz { parity: 1 }),
                sizes: vec![T, T, 2 * T],
            }],
        );
        assert_eq!(p.losses.uneven, T);
        assert_eq!(p.zpool_size, 3_281_355_014_144);
        assert_eq!(p.usable, 491_040 + 2_117_495_980_512);
        assert_chain(&p);
    }

    #[test]
    fn seed_draid_n58_c3_d16_p2_s4_of_14tb() {
        let p = pool(12, vec![vdev(draid(2, 16, 58, 4), 58, 14 * TB)]);
        assert_eq!(p.zpool_size, 755_980_079_726_592);
        assert_eq!(p.usable, 7_076_160 + 671_680_788_883_648);
        assert_eq!(p.data[0].deflate_ratio, 455);
        // Four drives' worth (12.73 TiB each) after the reserve.
        assert!(p.losses.distributed_spares > 4 * 12 * T);
        assert_chain(&p);
    }

    #[test]
    fn seed_draid_n56_c5_d8_p3_s1_of_10tb() {
        let p = pool(12, vec![vdev(draid(3, 8, 56, 1), 56, 10 * TB)]);
        assert_chain(&p);
        assert!(p.losses.parity > p.raw / 4);
    }

    #[test]
    fn draid_with_tiny_children_has_small_metaslabs() {
        let p = pool(12, vec![vdev(draid(1, 2, 5, 1), 5, G)]);
        assert_eq!(p.data[0].ms_shift, 28);
        assert_eq!(p.zpool_size, 4_026_408_960);
        assert_eq!(p.usable, 761_112 + 2_546_672_440);
        assert_chain(&p);
    }

    #[test]
    fn special_vdevs_add_to_size_but_not_to_zfs_space() {
        let with = Layout {
            ashift: 12,
            data: vec![vdev(Kind::Raidz { parity: 2 }, 6, 4 * T)],
            special: vec![vdev(Kind::Mirror, 2, 100 * G)],
        }
        .space()
        .expect("space");
        assert_eq!(with.zpool_size, 26_477_936_508_928);
        assert_eq!(with.special_size, 106_837_311_488);
        assert_eq!(with.usable, 454_656 + 17_426_124_705_792);
        assert_chain(&with);
    }

    #[test]
    fn devices_under_64_mib_are_refused() {
        let err = Layout {
            ashift: 12,
            data: vec![vdev(Kind::Stripe, 1, 32 << 20)],
            special: Vec::new(),
        }
        .space();
        assert_eq!(err, Err(CapacityError::TooSmall { size: 32 << 20 }));
    }

    #[test]
    fn block_charge_follows_the_layout() {
        // raidz2 of 5 at 4K: a 4K block costs 3 sectors, deflated by 303/512.
        let p = pool(12, vec![vdev(Kind::Raidz { parity: 2 }, 5, T)]);
        assert_eq!(p.data[0].deflate_ratio, 303);
        assert_eq!(p.block_charge(4 << 10), 24 * 303);
        // 1M: 429 sectors of 4K.
        assert_eq!(p.block_charge(1 << 20), 429 * 8 * 303);
        let m = pool(12, vec![vdev(Kind::Mirror, 2, 10 * G)]);
        assert_eq!(m.block_charge(1 << 20), 1 << 20);
    }
}
