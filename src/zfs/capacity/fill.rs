//! What files cost in pool space: a file is cut into records, and each record
//! is charged its raw allocation (parity and padding included) deflated the
//! way `zfs list` counts it. Small records on raidz and any record on a wide
//! dRAID cost more than their size; large records on raidz can cost less.

use serde::Serialize;

use super::pool::PoolSpace;

/// The `recordsize` of a dataset that does not set one.
pub(crate) const DEFAULT_RECORDSIZE: u64 = 128 << 10;

/// The cost of one file, assuming incompressible data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FileCost {
    pub file_size: u64,
    pub recordsize: u64,
    pub copies: u64,
    /// Records (data blocks) in one file.
    pub blocks: u64,
    /// Size of each record: the recordsize, or the file rounded up to 512
    /// bytes when it fits one record.
    pub block_size: u64,
    /// `zfs` space charged for the file's data blocks (indirect blocks and the
    /// dnode add a little more, depending on how well they compress).
    pub charged: u64,
}

/// What a file of `file_size` bytes written with `recordsize` records and
/// `copies` copies is charged in `space`.
pub fn file_cost(space: &PoolSpace, file_size: u64, recordsize: u64, copies: u64) -> FileCost {
    let (blocks, block_size) = if file_size <= recordsize {
        (u64::from(file_size > 0), file_size.div_ceil(512) * 512)
    } else {
        (file_size.div_ceil(recordsize), recordsize)
    };
    FileCost {
        file_size,
        recordsize,
        copies,
        blocks,
        block_size,
        charged: blocks
            .saturating_mul(space.block_charge(block_size))
            .saturating_mul(copies),
    }
}

impl FileCost {
    /// The charge of `files` files.
    pub fn charge_of(&self, files: u64) -> u64 {
        files.saturating_mul(self.charged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zfs::capacity::pool::{Layout, Shape, TopVdev};
    use crate::zfs::vdev::{DraidLayout, Kind, ResolvedVdev};

    fn space(kind: ResolvedVdev, n: usize, size: u64) -> PoolSpace {
        Layout {
            ashift: 12,
            data: vec![TopVdev {
                shape: Shape::of(kind),
                sizes: vec![size; n],
            }],
            special: Vec::new(),
        }
        .space()
        .expect("space")
    }

    #[test]
    fn small_records_on_raidz2_cost_almost_double() {
        let p = space(Kind::Raidz { parity: 2 }, 5, 1 << 40);
        let four_k = file_cost(&p, 16 << 20, 4 << 10, 1);
        assert_eq!(four_k.blocks, 4096);
        // Measured: 4 × 16M files at recordsize 4K were charged 119,857,104 B,
        // of which 4 × 4096 × 7272 are data blocks.
        assert_eq!(four_k.charged * 4, 119_144_448);
        let one_m = file_cost(&p, 16 << 20, 1 << 20, 1);
        // 1M records pad to 429 sectors but deflate by 303/512: less than 16 MiB.
        assert_eq!(one_m.charged * 4, 66_553_344);
    }

    #[test]
    fn draid_charges_whole_rows() {
        let p = space(
            Kind::Draid(DraidLayout {
                parity: 2,
                data: 16,
                children: 58,
                spares: 4,
            }),
            58,
            14_000_000_000_000,
        );
        let gib = file_cost(&p, 1 << 30, 1 << 20, 1);
        assert_eq!(gib.blocks, 1024);
        // 1M = 16 rows of 18 × 4K = 2304 sectors, × 455 / 512.
        assert_eq!(gib.charged, 1024 * 2304 * 455);
    }

    #[test]
    fn a_file_smaller_than_a_record_is_one_block() {
        let p = space(Kind::Mirror, 2, 10 << 30);
        let c = file_cost(&p, 1000, 128 << 10, 2);
        assert_eq!((c.blocks, c.block_size), (1, 1024));
        assert_eq!(c.charged, 2 * 4096);
    }
}
