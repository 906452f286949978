//! The generator behind every random number of the model's demographic noise, and the
//! keys of every stream: a hash of (seed, run, region, purpose), and sub-keys of those. A leaf: it knows nothing of what the
//! numbers are for.

use rand::{RngCore, SeedableRng};

/// SplitMix64 (Vigna's `splitmix64.c`), the very stream of `rand_xoshiro::SplitMix64`,
/// defined here so that opening a sub-stream inlines: that crate's `seed_from_u64` is
/// not `#[inline]`, and without cross-crate inlining it was a call of its own in the
/// profile, four a region-run-year. `next_u32` is the crate's too (Stafford's Mix4),
/// so any use draws what it drew; `same_stream_as_rand_xoshiro` checks both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    x: u64,
}

impl SplitMix64 {
    /// The state, from which `seed_from_u64` goes on: vector lanes that draw this
    /// stream hand it to and from one generator (`model::lanes`).
    #[inline]
    pub(crate) fn state(&self) -> u64 {
        self.x
    }
}

impl RngCore for SplitMix64 {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        self.x = self.x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.x;
        z = (z ^ (z >> 33)).wrapping_mul(0x62A9_D9ED_7997_05F5);
        z = (z ^ (z >> 28)).wrapping_mul(0xCB24_D0A5_C88C_35B3);
        (z >> 32) as u32
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.x = self.x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    #[inline]
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand::rand_core::impls::fill_bytes_via_next(self, dest);
    }
}

impl SeedableRng for SplitMix64 {
    type Seed = [u8; 8];

    #[inline]
    fn from_seed(seed: [u8; 8]) -> SplitMix64 {
        SplitMix64 {
            x: u64::from_le_bytes(seed),
        }
    }

    #[inline]
    fn seed_from_u64(seed: u64) -> SplitMix64 {
        SplitMix64 { x: seed }
    }
}

/// SplitMix64's output function: the mixing behind every stream and sub-stream key.
pub(crate) const fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What a stream is used for; part of its key so the streams never overlap.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub enum Purpose {
    Parameters = 1,
    Noise = 2,
    /// The two sample matrices of a sensitivity design, and their noise.
    DesignA = 3,
    DesignB = 4,
    DesignNoiseA = 5,
    DesignNoiseB = 6,
    /// Bootstrap resampling of a sensitivity estimate.
    Bootstrap = 7,
}

/// The 64-bit key behind `sample::stream`: a hash of (seed, run, region, purpose).
pub fn stream_key(seed: u64, run: u32, region_key: u64, purpose: Purpose) -> u64 {
    let mut h = splitmix64(seed ^ 0x6661_7374_6c61_6b61); // "fastlaka"
    h = splitmix64(h ^ u64::from(run));
    h = splitmix64(h ^ region_key);
    splitmix64(h ^ purpose as u64)
}

/// Key number `index` derived from `key` (e.g. one replicate's noise of a design row).
pub fn subkey(key: u64, index: u64) -> u64 {
    splitmix64(key ^ splitmix64(index))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The noise generator draws the numbers `rand_xoshiro::SplitMix64` draws, 64- and
    /// 32-bit, from any seed.
    #[test]
    fn same_stream_as_rand_xoshiro() {
        for seed in [0, 1, 12345, u64::MAX, 0x9E37_79B9_7F4A_7C15] {
            let (mut ours, mut theirs) = (
                SplitMix64::seed_from_u64(seed),
                rand_xoshiro::SplitMix64::seed_from_u64(seed),
            );
            for _ in 0..100 {
                assert_eq!(ours.next_u64(), theirs.next_u64(), "seed {seed}");
                assert_eq!(ours.next_u32(), theirs.next_u32(), "seed {seed}");
            }
            let (mut a, mut b) = ([0u8; 13], [0u8; 13]);
            ours.fill_bytes(&mut a);
            theirs.fill_bytes(&mut b);
            assert_eq!(a, b);
            let from_bytes = SplitMix64::from_seed(seed.to_le_bytes());
            assert_eq!(from_bytes, SplitMix64::seed_from_u64(seed));
        }
    }
}
