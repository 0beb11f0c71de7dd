//! OpenZFS 2.3's space rules, one function per rule, each named after the C
//! function it follows. Nothing here is a rule of thumb: every constant and
//! rounding step is the kernel module's own, and `fixtures/capacity/measured.tsv`
//! holds what real pools reported.

/// `SPA_MINBLOCKSHIFT`: space is accounted in 512-byte units.
pub(crate) const SPA_MINBLOCKSHIFT: u32 = 9;
/// `SPA_OLD_MAXBLOCKSIZE`: the block size the deflate ratio assumes (128 KiB).
pub(crate) const SPA_OLD_MAXBLOCKSIZE: u64 = 128 << 10;
/// `SPA_MAXBLOCKSHIFT`: 16 MiB, the largest block; also the smallest metaslab.
pub(crate) const SPA_MAXBLOCKSHIFT: u32 = 24;
/// `SPA_MINDEVSIZE`: `zpool create` refuses smaller devices.
pub(crate) const SPA_MINDEVSIZE: u64 = 64 << 20;
/// `sizeof (vdev_label_t)`: a device is used in whole 256 KiB units.
pub(crate) const VDEV_LABEL_SIZE: u64 = 256 << 10;
/// `VDEV_LABEL_START_SIZE`: labels L0, L1 and the 3.5 MiB boot block.
pub(crate) const VDEV_LABEL_START_SIZE: u64 = 2 * VDEV_LABEL_SIZE + (7 << 19);
/// `VDEV_LABEL_END_SIZE`: labels L2 and L3.
pub(crate) const VDEV_LABEL_END_SIZE: u64 = 2 * VDEV_LABEL_SIZE;

/// `zfs_vdev_min_ms_count`, `zfs_vdev_default_ms_count`, `zfs_vdev_ms_count_limit`.
pub(crate) const MIN_MS_COUNT: u64 = 16;
pub(crate) const DEFAULT_MS_COUNT: u64 = 200;
pub(crate) const MS_COUNT_LIMIT: u64 = 1 << 17;
/// `zfs_vdev_default_ms_shift` (512 MiB) and `zfs_vdev_max_ms_shift` (16 GiB).
pub(crate) const DEFAULT_MS_SHIFT: u32 = 29;
pub(crate) const MAX_MS_SHIFT: u32 = 34;
/// `zfs_embedded_slog_min_ms`: a normal vdev with more metaslabs gives one to the ZIL.
pub(crate) const EMBEDDED_SLOG_MIN_MS: u64 = 64;

/// `spa_slop_shift`, `spa_min_slop`, `spa_max_slop`.
pub(crate) const SLOP_SHIFT: u32 = 5;
pub(crate) const MIN_SLOP: u64 = 128 << 20;
pub(crate) const MAX_SLOP: u64 = 128 << 30;

/// `VDEV_DRAID_ROWHEIGHT`: each child gives 16 MiB to a row.
pub(crate) const DRAID_ROWHEIGHT: u64 = 1 << SPA_MAXBLOCKSHIFT;
/// `VDEV_DRAID_REFLOW_RESERVE`: 32 MiB kept at the end of each child for expansion.
pub(crate) const DRAID_REFLOW_RESERVE: u64 = 2 * DRAID_ROWHEIGHT;

/// `vdev_open()` for a leaf: the size in whole labels, less the labels and boot
/// area. `None` below `SPA_MINDEVSIZE`, which `zpool create` refuses.
pub(crate) fn leaf_asize(psize: u64) -> Option<u64> {
    let osize = psize / VDEV_LABEL_SIZE * VDEV_LABEL_SIZE;
    (osize >= SPA_MINDEVSIZE).then(|| osize - VDEV_LABEL_START_SIZE - VDEV_LABEL_END_SIZE)
}

/// `highbit64()`: the 1-based position of the highest set bit, 0 for 0.
fn highbit(x: u64) -> u32 {
    u64::BITS - x.leading_zeros()
}

/// `vdev_metaslab_set_size()`: about 200 metaslabs of 512 MiB to 16 GiB, at
/// least 16, at most 2^17 (then larger metaslabs).
pub(crate) fn metaslab_shift(asize: u64) -> u32 {
    let count = asize >> DEFAULT_MS_SHIFT;
    let shift = if count < MIN_MS_COUNT {
        highbit(asize / MIN_MS_COUNT)
    } else if count > DEFAULT_MS_COUNT {
        highbit(asize / DEFAULT_MS_COUNT)
    } else {
        DEFAULT_MS_SHIFT
    };
    if shift < SPA_MAXBLOCKSHIFT {
        SPA_MAXBLOCKSHIFT
    } else if shift > MAX_MS_SHIFT {
        if (asize >> MAX_MS_SHIFT) > MS_COUNT_LIMIT {
            highbit(asize / MS_COUNT_LIMIT)
        } else {
            MAX_MS_SHIFT
        }
    } else {
        shift
    }
}

/// `vdev_raidz_asize()`: data sectors, parity sectors per row, then padding to
/// a multiple of parity + 1 so that no unusable gap is ever left behind.
pub(crate) fn raidz_asize(psize: u64, ashift: u8, children: u64, parity: u64) -> u64 {
    let data = children - parity;
    let sectors = ((psize.max(1) - 1) >> ashift) + 1;
    let with_parity = sectors + parity * sectors.div_ceil(data);
    (with_parity.div_ceil(parity + 1) * (parity + 1)) << ashift
}

/// `vdev_draid_asize()`: dRAID always writes whole rows of data + parity.
pub(crate) fn draid_asize(psize: u64, ashift: u8, data: u64, parity: u64) -> u64 {
    let rows = (psize.max(1) - 1) / (data << ashift) + 1;
    (rows * (data + parity)) << ashift
}

/// The raw cost of one block of `psize` bytes on a raidz or dRAID vdev as
/// libzfs counts it for a volume's reservation (the kernel's rules).
pub(crate) fn draid_or_raidz_asize(v: &super::pool::VdevSpace, psize: u64) -> u64 {
    v.shape.psize_to_asize(psize, v.children, v.ashift)
}

/// `vdev_default_asize()`: stripes and mirrors round up to a sector.
pub(crate) fn plain_asize(psize: u64, ashift: u8) -> u64 {
    psize.div_ceil(1 << ashift) << ashift
}

/// `vdev_set_deflate_ratio()`: how many bytes of `zfs` space each 512 bytes of
/// raw space are worth, from the raw cost of one 128 KiB block (integer division,
/// as in the kernel).
pub(crate) fn deflate_ratio(asize_of_128k: u64) -> u64 {
    (1 << 17) / (asize_of_128k >> SPA_MINBLOCKSHIFT)
}

/// `vdev_deflated_space()`.
pub(crate) fn deflated(space: u64, ratio: u64) -> u64 {
    (space >> SPA_MINBLOCKSHIFT) * ratio
}

/// `spa_get_slop_space()`: 1/32 of the pool, at most 128 GiB, less the embedded
/// ZIL metaslabs (at most half of it), at least 128 MiB (at most half the pool).
pub(crate) fn slop(dspace: u64, embedded_log_dspace: u64) -> u64 {
    let mut slop = (dspace >> SLOP_SHIFT).min(MAX_SLOP);
    slop -= embedded_log_dspace.min(slop >> 1);
    slop.max((dspace >> 1).min(MIN_SLOP))
}

/// `vdev_draid_metaslab_init()`: a dRAID metaslab starts on a whole row of the
/// group and holds whole rows; returns the usable size of metaslab `index`.
pub(crate) fn draid_metaslab_size(index: u64, shift: u32, row: u64) -> u64 {
    let start = index << shift;
    let astart = start.div_ceil(row) * row;
    ((1u64 << shift) - (astart - start)) / row * row
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: u64 = 1 << 30;
    const T: u64 = 1 << 40;

    #[test]
    fn labels_take_four_and_a_half_mib() {
        assert_eq!(leaf_asize(10 * G), Some(10 * G - (9 << 19)));
        // A size not on a 256 KiB boundary loses the remainder first.
        assert_eq!(leaf_asize(10 * G + 1000), leaf_asize(10 * G));
        assert_eq!(leaf_asize(SPA_MINDEVSIZE - 1), None);
    }

    #[test]
    fn metaslabs_follow_vdev_metaslab_set_size() {
        // < 8 GiB: 16 metaslabs or so.
        assert_eq!(metaslab_shift(1_069_023_232), 26);
        // 8 GiB to 100 GiB: 512 MiB each.
        assert_eq!(metaslab_shift(32_198_098_944), 29);
        // 100 GiB to 3 TiB: about 200.
        assert_eq!(metaslab_shift(T), 33);
        // 3 TiB to 2 PiB: 16 GiB each.
        assert_eq!(metaslab_shift(14_000_000_000_000), 34);
        // Beyond 2 PiB the count is capped at 2^17 and metaslabs grow.
        assert_eq!(metaslab_shift(4 << 50), 36);
        // Tiny vdevs never go below 16 MiB metaslabs.
        assert_eq!(metaslab_shift(100 << 20), 24);
    }

    #[test]
    fn raidz_pads_to_a_multiple_of_parity_plus_one() {
        // raidz1 of 3, 128K at 4K sectors: 32 data + 16 parity = 48, already even.
        assert_eq!(raidz_asize(128 << 10, 12, 3, 1), 192 << 10);
        // raidz2 of 5: 32 + 2 × 11 = 54 sectors, a multiple of 3.
        assert_eq!(raidz_asize(128 << 10, 12, 5, 2), 54 << 12);
        // raidz2 of 5, 1M: 256 + 2 × 86 = 428, padded to 429.
        assert_eq!(raidz_asize(1 << 20, 12, 5, 2), 429 << 12);
        // A 4K block on raidz2 costs three sectors.
        assert_eq!(raidz_asize(4 << 10, 12, 6, 2), 3 << 12);
    }

    #[test]
    fn draid_writes_whole_rows() {
        // 16 data + 2 parity, 128K = 2 rows of 16 × 4K.
        assert_eq!(draid_asize(128 << 10, 12, 16, 2), (2 * 18) << 12);
        // A 4K block still takes a whole row.
        assert_eq!(draid_asize(4 << 10, 12, 16, 2), 18 << 12);
    }

    #[test]
    fn deflate_ratio_is_the_integer_division_of_the_kernel() {
        assert_eq!(deflate_ratio(128 << 10), 512);
        assert_eq!(deflate_ratio(192 << 10), 341);
        assert_eq!(deflate_ratio((2 * 18) << 12), 455);
        assert_eq!(deflated(1 << 20, 341), 2048 * 341);
    }

    #[test]
    fn slop_is_a_thirty_second_clamped() {
        assert_eq!(slop(32 * G, 0), G);
        assert_eq!(slop(T * 100, 0), MAX_SLOP);
        assert_eq!(slop(G, 0), MIN_SLOP);
        assert_eq!(slop(200 << 20, 0), 100 << 20);
        // The embedded ZIL metaslab is taken from the slop, at most half of it.
        assert_eq!(slop(32 * G, 256 << 20), G - (256 << 20));
        assert_eq!(slop(32 * G, 4 * G), G / 2);
    }

    #[test]
    fn draid_metaslabs_hold_whole_rows() {
        let row = 18 << 12;
        assert_eq!(draid_metaslab_size(0, 34, row), (1 << 34) / row * row);
        let start = 1u64 << 34;
        let skip = start.div_ceil(row) * row - start;
        assert_eq!(
            draid_metaslab_size(1, 34, row),
            ((1 << 34) - skip) / row * row
        );
    }
}
