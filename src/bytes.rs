//! Random bytes sixteen at a time (SSE2): what the intake's placement
//! (`model::count_bytes`) and a small binomial's Bernoulli trials
//! (`binomial::below_and_tied`) share. Both draw their people's or trials' bytes eight
//! to a 64-bit number, each number's bytes from the lowest, compare them a vector at a
//! time into byte-wide counters (a comparison's all-ones bytes subtracted add one per
//! lane), and add the lanes up once at the end.
//!
//! x86-64 only; elsewhere both callers count a byte at a time.

#![cfg(target_arch = "x86_64")]

use rand::RngCore;
use std::arch::x86_64::*;

/// The next up to 16 of `left` bytes: one number, and a second where more than eight
/// are left. Returns the vector and how many of its bytes are drawn (`min(left, 16)`);
/// the lanes past those read 0xff, which callers either compare below nothing or take
/// off again.
#[target_feature(enable = "sse2")]
#[inline]
pub(crate) fn next16(rng: &mut impl RngCore, left: u64) -> (__m128i, u64) {
    let lane = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    let low = rng.next_u64();
    let high = if left > 8 { rng.next_u64() } else { 0 };
    let used = left.min(16);
    let past = _mm_cmpgt_epi8(lane, _mm_set1_epi8(used as i8 - 1));
    (
        _mm_or_si128(_mm_set_epi64x(high as i64, low as i64), past),
        used,
    )
}

/// The sum of a vector's 16 byte counters, by `psadbw` (sums of absolute differences
/// from 0) into its two halves.
#[target_feature(enable = "sse2")]
#[inline]
pub(crate) fn lane_sum(v: __m128i) -> u64 {
    let s = _mm_sad_epu8(v, _mm_setzero_si128());
    (_mm_cvtsi128_si64(s) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(s, s))) as u64
}
