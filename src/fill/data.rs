//! The bytes a fill writes: a page-aligned buffer of xoshiro256++ output made
//! once per stream, from which every file is written, with a stamp (file index,
//! file offset) every [`STAMP_EVERY`] bytes so that no two records of any files
//! are equal. Random bytes do not compress, unequal records do not dedup, and
//! plain `write`s leave nothing for block cloning: what is written is what the
//! pool stores.

use bytemuck::{Pod, Zeroable};

/// The alignment O_DIRECT wants (and the page size).
pub(crate) const PAGE: usize = 4096;

/// Stamp spacing: the smallest record ZFS makes (ashift 9), so every record
/// of any `recordsize` holds at least one stamp. 16 of 512 bytes stay
/// incompressible: ZFS keeps a block compressed only if it saves 12.5 %.
pub(crate) const STAMP_EVERY: usize = 512;

#[derive(Clone, Copy, Pod, Zeroable)]
#[repr(C, align(4096))]
struct Page([u8; PAGE]);

/// xoshiro256++ (Blackman and Vigna): fast, small and plenty random for data
/// that only has to defeat compression.
#[derive(Debug, Clone)]
pub(crate) struct Xoshiro256pp {
    s: [u64; 4],
}

impl Xoshiro256pp {
    /// Seeds the state through splitmix64, as the authors recommend.
    pub(crate) fn seed(seed: u64) -> Self {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix(x)
        };
        Xoshiro256pp {
            s: [next(), next(), next(), next()],
        }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }
}

/// splitmix64's finalizer: a bijection on u64 that looks random, so stamps
/// stay unique without being runs of zero bytes.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One stream's source: random bytes, page-aligned so O_DIRECT can write
/// straight from it; stamped in place just before each write.
pub(crate) struct Source {
    pages: Vec<Page>,
}

impl Source {
    /// `len` bytes (rounded down to whole pages, at least one) of random data.
    pub(crate) fn new(len: usize, seed: u64) -> Self {
        let mut pages = vec![Page::zeroed(); (len / PAGE).max(1)];
        let mut rng = Xoshiro256pp::seed(seed);
        for word in bytemuck::cast_slice_mut::<Page, u64>(&mut pages) {
            *word = rng.next_u64();
        }
        Source { pages }
    }

    fn bytes(&self) -> usize {
        self.pages.len() * PAGE
    }

    /// The bytes to write at `offset` of file `index`: `len` bytes of the
    /// buffer (wrapping at its end, so `len` must divide the buffer's length
    /// and `offset` must be a multiple of `len`), each 512-byte block stamped
    /// with its file and its offset in it (each through a bijection, so
    /// different stamps stay different).
    pub(crate) fn chunk(&mut self, index: u64, salt: u64, offset: u64, len: usize) -> &[u8] {
        let at = usize::try_from(offset % self.bytes() as u64).unwrap_or(0);
        let words =
            &mut bytemuck::cast_slice_mut::<Page, u64>(&mut self.pages)[at / 8..][..len / 8];
        for (n, block) in words.chunks_exact_mut(STAMP_EVERY / 8).enumerate() {
            // The offset fixes the second word, and then the file the first.
            let at = offset + (n * STAMP_EVERY) as u64;
            block[0] = mix((index ^ salt).wrapping_add(at));
            block[1] = mix(at);
        }
        &bytemuck::cast_slice::<Page, u8>(&self.pages)[at..at + len]
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn xoshiro_matches_the_reference_output() {
        // The reference implementation's first outputs for state [1, 2, 3, 4].
        let mut rng = Xoshiro256pp { s: [1, 2, 3, 4] };
        let first: Vec<u64> = (0..4).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            [
                41_943_041,
                58_720_359,
                3_588_806_011_781_223,
                3_591_011_842_654_386
            ]
        );
    }

    #[test]
    fn every_block_of_every_file_differs() {
        // Two files, each written twice over a 64 KiB buffer: the buffer
        // repeats, yet no 512-byte block (the smallest record) is repeated.
        let mut source = Source::new(64 << 10, 7);
        let mut seen = HashSet::new();
        for index in 0..2 {
            for offset in (0..128u64 << 10).step_by(16 << 10) {
                let chunk = source.chunk(index, 99, offset, 16 << 10).to_vec();
                for block in chunk.chunks(STAMP_EVERY) {
                    assert!(seen.insert(block.to_vec()), "a repeated block");
                }
            }
        }
        assert_eq!(seen.len(), 2 * 128 * 2);
    }

    #[test]
    fn the_data_is_incompressible_byte_noise() {
        // Every byte value about equally often: nothing for a compressor.
        let mut source = Source::new(1 << 20, 1);
        let chunk = source.chunk(3, 0, 0, 1 << 20);
        let mut counts = [0u32; 256];
        for &b in chunk {
            counts[usize::from(b)] += 1;
        }
        let expected = (1u32 << 20) / 256;
        assert!(
            counts.iter().all(|&c| c.abs_diff(expected) < expected / 5),
            "{counts:?}"
        );
    }

    #[test]
    fn chunks_are_page_aligned_for_o_direct() {
        let mut source = Source::new(1 << 20, 1);
        let chunk = source.chunk(0, 0, 256 << 10, 256 << 10);
        assert_eq!(chunk.as_ptr() as usize % PAGE, 0);
    }
}
