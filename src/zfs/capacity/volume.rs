//! What a volume (zvol) costs in its pool before it exists: the block size
//! `zfs create -V` picks when none is given (`default_volblocksize` in
//! `cmd/zfs/zfs_main.c`), the size it rounds up to, and the refreservation
//! of a volume that is not sparse (`zvol_volsize_to_reservation` and
//! `volsize_from_vdevs` in `lib/libzfs/libzfs_dataset.c`). A sparse volume
//! (`-s`) reserves nothing: it costs only what is written to it.
//!
//! OpenZFS 2.2 to 2.4 compute this alike; 2.1 starts the default block at
//! 8K (not 16K) and scales the padded size in another order (the result
//! differs by less than 128 KiB), and 2.4 sizes the default by the pool's
//! largest minimum allocation, the same as here except for raidz at ashift
//! 13 and above. The model follows 2.3, as the rest of `zfs::capacity`.

use serde::Serialize;

use super::pool::VdevSpace;
use super::rules::{SPA_MINBLOCKSHIFT, SPA_OLD_MAXBLOCKSIZE, draid_or_raidz_asize};

/// `ZVOL_DEFAULT_BLOCKSIZE` (2.2 and later).
const DEFAULT_BLOCK: u64 = 16 << 10;
/// `DNODES_PER_LEVEL`: block pointers in one 128 KiB indirect block.
const PER_LEVEL: u64 = 1 << 10;
/// `DN_MAX_INDBLKSHIFT`: indirect blocks are 128 KiB, counted uncompressed.
const INDIRECT: u64 = 1 << 17;
/// `SPA_DVAS_PER_BP`: metadata has at most 3 copies.
const MAX_COPIES: u64 = 3;

/// What one volume costs in its pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VolumeCost {
    /// Its size once `zfs create` rounded it up to whole blocks.
    pub volsize: u64,
    pub volblocksize: u64,
    /// zfs chose the block size for the pool (none was given).
    pub block_chosen: bool,
    /// What `zfs create -V` reserves (`refreservation`) unless the volume
    /// is sparse (`-s`).
    pub reservation: u64,
    /// The part of it that is padding and parity beyond the data, on the
    /// pool's worst vdev: the reservation's cost of the layout.
    pub padding: u64,
}

/// The block size `zfs create -V` picks for a pool of these data vdevs: the
/// smallest power of two from 16K at least half the largest allocation.
pub(crate) fn default_block_size(vdevs: &[VdevSpace]) -> u64 {
    let alloc = vdevs
        .iter()
        .map(|v| v.shape.volume_alloc(v.ashift))
        .max()
        .unwrap_or(1 << SPA_MINBLOCKSHIFT);
    let mut block = DEFAULT_BLOCK;
    while block * 2 <= alloc {
        block *= 2;
    }
    block
}

/// What a volume of `size` bytes costs in a pool of these data vdevs.
pub(crate) fn cost(size: u64, block: Option<u64>, copies: u64, vdevs: &[VdevSpace]) -> VolumeCost {
    let volblocksize = block.unwrap_or_else(|| default_block_size(vdevs));
    let volsize = size.div_ceil(volblocksize) * volblocksize;
    let nblocks = volsize / volblocksize;
    // Data blocks on the vdev that pads them most, scaled as `zfs` counts
    // space (as if every block were 128 KiB).
    let padded = vdevs
        .iter()
        .filter(|v| v.shape.pads())
        .map(|v| {
            let asize = draid_or_raidz_asize(v, volblocksize);
            let tsize = draid_or_raidz_asize(v, SPA_OLD_MAXBLOCKSIZE);
            let scaled = u128::from(nblocks) * u128::from(asize)
                / u128::from((tsize >> SPA_MINBLOCKSHIFT).max(1));
            u64::try_from(scaled * u128::from(SPA_OLD_MAXBLOCKSIZE >> SPA_MINBLOCKSHIFT))
                .unwrap_or(u64::MAX)
        })
        .max()
        .filter(|&p| p > 0)
        .unwrap_or(nblocks * volblocksize);
    // The object's metadnode (L0-L6) and its indirect blocks.
    let mut metadata = 7;
    let mut level = nblocks;
    while level > 1 {
        level = level.div_ceil(PER_LEVEL);
        metadata += level;
    }
    metadata *= (copies + 1).min(MAX_COPIES);
    let reservation = padded
        .saturating_mul(copies)
        .saturating_add(metadata * INDIRECT);
    VolumeCost {
        volsize,
        volblocksize,
        block_chosen: block.is_none(),
        reservation,
        padding: padded.saturating_sub(nblocks * volblocksize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zfs::capacity::pool::{Layout, Shape, TopVdev};
    use crate::zfs::vdev::VdevKind;

    /// The data vdevs of a pool of `children` devices of 1 TiB as `kind`.
    fn vdevs(kind: &str, children: usize, ashift: u8) -> Vec<VdevSpace> {
        let kind: VdevKind = kind.parse().expect("kind");
        let layout = Layout {
            ashift,
            data: vec![TopVdev {
                shape: Shape::of(kind.resolve(children).expect("arity")),
                sizes: vec![1 << 40; children],
            }],
            special: Vec::new(),
        };
        layout.space().expect("space").data
    }

    #[test]
    fn the_default_block_covers_half_the_smallest_allocation() {
        assert_eq!(default_block_size(&vdevs("mirror", 2, 12)), 16 << 10);
        assert_eq!(default_block_size(&vdevs("raidz2", 6, 12)), 16 << 10);
        // draid2:8d at ashift 12: rows of 32K of data.
        assert_eq!(
            default_block_size(&vdevs("draid2:8d:11c:1s", 11, 12)),
            32 << 10
        );
        assert_eq!(
            default_block_size(&vdevs("draid1:2d:58c:1s", 58, 12)),
            16 << 10
        );
    }

    #[test]
    fn sizes_round_up_to_whole_blocks() {
        let c = cost(1_000_000, Some(16 << 10), 1, &vdevs("mirror", 2, 12));
        assert_eq!(c.volsize, 62 * (16 << 10));
    }

    #[test]
    fn a_mirror_reserves_the_data_and_its_indirect_blocks() {
        // 1 GiB of 16K blocks: 65,536 blocks, 64 L1 and 1 L2 indirect blocks.
        let c = cost(1 << 30, Some(16 << 10), 1, &vdevs("mirror", 2, 12));
        assert_eq!(c.reservation, (1 << 30) + (7 + 64 + 1) * 2 * (128 << 10));
        assert_eq!(c.padding, 0);
    }

    #[test]
    fn draid_pads_small_blocks_to_whole_rows() {
        // draid1:2d at ashift 12: a 16K block is 2 rows of 3 sectors (24K
        // raw); a 128K block 16 rows (192K raw): padded as 16K × 24/24, none.
        let c = cost(
            1 << 30,
            Some(16 << 10),
            1,
            &vdevs("draid1:2d:58c:1s", 58, 12),
        );
        assert_eq!(c.padding, 0);
        // A 4K block still takes a whole row (12K raw): twice its share.
        let c = cost(
            1 << 30,
            Some(4 << 10),
            1,
            &vdevs("draid1:2d:58c:1s", 58, 12),
        );
        assert_eq!(c.padding, 1 << 30);
    }
}
