//! Counting a packed split's people: random bytes, eight to a 64-bit number, counted
//! against a split's boundaries 16 (SSE2) or 64 (AVX-512BW) at a time, or one at a time
//! where neither exists. Every way counts exactly, so each places the same people.

use super::*;

/// The most people [`count_bytes`] counts in one call: 16 a vector, and a byte lane
/// counts at most one person per vector.
pub(in crate::model) const MAX_COUNTED: u64 = 16 * 255;

/// One value per category boundary of a packed split (and per open slice, at most as
/// many).
pub(in crate::model) type PerBoundary<T> = [T; PACKED_CATEGORIES - 1];
/// What a byte count returns: per boundary the bytes below its top byte, per open
/// slice the bytes in it.
pub(in crate::model) type ByteCounts = (PerBoundary<u32>, PerBoundary<u32>);
const _: () = assert!(PACKED_COUNT <= MAX_COUNTED as f64);

/// Draws `n` bytes, eight to a 64-bit number (`ceil(n / 8)` numbers, the bytes of
/// each from the lowest), and counts per boundary k the bytes below `top_bytes[k]`
/// and per open slice j the bytes equal to `open[j]`.
///
/// 16 bytes at a time, into 16 byte-wide counters per boundary and
/// slice that are added up at the end: a signed byte comparison (after flipping the
/// top bits, an unsigned one) gives all-ones bytes, and subtracting them from a
/// counter adds one per lane. About two instructions a person against five for a
/// table read and addition per person, and no branch but the loop's. Intrinsics
/// because the compiler, given the same in arrays of bytes, assembled each vector
/// byte by byte.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
pub(in crate::model) fn count_bytes(
    rng: &mut impl RngCore,
    n: u64,
    top_bytes: &PerBoundary<u8>,
    open: &PerBoundary<u8>,
) -> ByteCounts {
    use crate::bytes::{lane_sum, next16};
    use std::arch::x86_64::*;
    const B: usize = PACKED_CATEGORIES - 1;
    debug_assert!(n <= MAX_COUNTED);
    let flip = _mm_set1_epi8(i8::MIN);
    let limits: [__m128i; B] = top_bytes.map(|t| _mm_set1_epi8((t ^ 0x80) as i8));
    let slices: [__m128i; B] = open.map(|g| _mm_set1_epi8(g as i8));
    let mut below = [_mm_setzero_si128(); B];
    let mut equal = [_mm_setzero_si128(); B];
    let mut left = n;
    let mut padding = 0u32;
    while left > 0 {
        // Lanes past the last person read 0xff: below no boundary (a top byte is at
        // most 0xff); counted in an open slice 0xff, and taken off again below.
        let (bytes, used) = next16(rng, left);
        let flipped = _mm_xor_si128(bytes, flip);
        for (acc, &limit) in below.iter_mut().zip(&limits) {
            *acc = _mm_sub_epi8(*acc, _mm_cmpgt_epi8(limit, flipped));
        }
        for (acc, &slice) in equal.iter_mut().zip(&slices) {
            *acc = _mm_sub_epi8(*acc, _mm_cmpeq_epi8(bytes, slice));
        }
        padding += 16 - used as u32;
        left -= used;
    }
    let total = |v: __m128i| lane_sum(v) as u32;
    let mut in_open = equal.map(total);
    for (c, &g) in in_open.iter_mut().zip(open) {
        if g == u8::MAX {
            *c -= padding;
        }
    }
    (below.map(total), in_open)
}

/// How a packed split's bytes are counted: [`count_bytes`] (16 a vector, SSE2, which
/// every x86-64 processor has) or, where the processor has AVX-512BW,
/// [`count_bytes_avx512`] (64 a vector, each comparison a mask counted by `popcnt`).
/// Both count exactly, so the model draws and places the same whichever runs; the
/// wide one is chosen at run time ([`Avx512::detect`]) for its speed alone.
pub(in crate::model) trait ByteLanes: Copy {
    /// Per boundary k the bytes below `top_bytes[k]`, per open slice j the bytes equal
    /// to `open[j]`, of `n` bytes drawn eight to a 64-bit number (see [`count_bytes`]).
    fn count(
        self,
        rng: &mut impl RngCore,
        n: u64,
        top_bytes: &PerBoundary<u8>,
        open: &PerBoundary<u8>,
    ) -> ByteCounts;
}

/// [`count_bytes`]: SSE2 on x86-64 (its baseline), a byte at a time elsewhere.
#[derive(Debug, Clone, Copy)]
pub(in crate::model) struct Bytes16;

impl ByteLanes for Bytes16 {
    #[inline(always)]
    fn count(
        self,
        rng: &mut impl RngCore,
        n: u64,
        top_bytes: &PerBoundary<u8>,
        open: &PerBoundary<u8>,
    ) -> ByteCounts {
        #[cfg(target_arch = "x86_64")]
        #[allow(unsafe_code)]
        // SAFETY: SSE2, the one feature `count_bytes` needs, is part of x86-64 itself:
        // every x86-64 processor has it and rustc enables it for every x86-64 target.
        unsafe {
            const _: () = assert!(cfg!(target_feature = "sse2"));
            count_bytes(rng, n, top_bytes, open)
        }
        #[cfg(not(target_arch = "x86_64"))]
        count_bytes(rng, n, top_bytes, open)
    }
}

/// Proof that this processor has AVX-512F and BW and `popcnt`: made only by
/// [`Avx512::detect`], so code holding one may call [`count_bytes_avx512`].
#[derive(Debug, Clone, Copy)]
pub struct Avx512(());

impl Avx512 {
    /// `Some` where the backend in force counts bytes 64 at a time
    /// (`crate::backend`: only where the processor has AVX-512; under valgrind, which
    /// has none, never).
    #[inline]
    pub fn detect() -> Option<Avx512> {
        (crate::backend::active() >= crate::backend::Backend::Avx512).then_some(Avx512(()))
    }

    /// `Some` where the processor has the features, whatever the backend (tests).
    #[cfg(test)]
    pub fn cpu() -> Option<Avx512> {
        crate::backend::cpu_has_avx512().then_some(Avx512(()))
    }
}

impl ByteLanes for Avx512 {
    #[inline(always)]
    fn count(
        self,
        rng: &mut impl RngCore,
        n: u64,
        top_bytes: &PerBoundary<u8>,
        open: &PerBoundary<u8>,
    ) -> ByteCounts {
        #[cfg(target_arch = "x86_64")]
        #[allow(unsafe_code)]
        // SAFETY: an `Avx512` exists only where the processor has the features (`detect`
        // and `cpu` check them).
        unsafe {
            count_bytes_avx512(rng, n, top_bytes, open)
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("Avx512::detect is None off x86-64")
    }
}

/// [`count_bytes`] 64 bytes at a time with AVX-512BW: each comparison of a vector of
/// bytes gives a 64-bit mask, the bytes past the last person masked off, and `popcnt`
/// counts it. No byte counters to add up at the end and no padding to take off, and
/// the fourteen constant vectors stay in registers (AVX-512 has 32): about 45
/// instructions per 64 people against about 95 per 16.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,popcnt")]
#[inline]
pub(in crate::model) fn count_bytes_avx512(
    rng: &mut impl RngCore,
    n: u64,
    top_bytes: &PerBoundary<u8>,
    open: &PerBoundary<u8>,
) -> ByteCounts {
    use std::arch::x86_64::*;
    const B: usize = PACKED_CATEGORIES - 1;
    debug_assert!(n <= MAX_COUNTED);
    let limits: [__m512i; B] = top_bytes.map(|t| _mm512_set1_epi8(t as i8));
    let slices: [__m512i; B] = open.map(|g| _mm512_set1_epi8(g as i8));
    let (mut below, mut equal) = ([0u32; B], [0u32; B]);
    let mut left = n;
    while left > 0 {
        let used = left.min(64);
        // The numbers shifted in from the top, one 64-bit lane each (a vector built in
        // memory from eight stores stalled its load): after `k` of them, number i is
        // lane 8 - k + i, its bytes from the lowest, so the people are the `used`
        // bytes from byte 8 (8 - k) on, in the order `count_bytes` takes them.
        let k = used.div_ceil(8);
        let mut bytes = _mm512_setzero_si512();
        for _ in 0..k {
            bytes = _mm512_alignr_epi64::<1>(_mm512_set1_epi64(rng.next_u64() as i64), bytes);
        }
        let people = (u64::MAX >> (64 - used)) << (8 * (8 - k));
        for k in 0..B {
            below[k] += _mm512_mask_cmplt_epu8_mask(people, bytes, limits[k]).count_ones();
            equal[k] += _mm512_mask_cmpeq_epi8_mask(people, bytes, slices[k]).count_ones();
        }
        left -= used;
    }
    (below, equal)
}

/// [`count_bytes`] a byte at a time: the definition the vector count is tested
/// against, and the count where there is no SSE2.
#[cfg(any(test, not(target_arch = "x86_64")))]
pub(in crate::model) fn count_bytes_scalar(
    rng: &mut impl RngCore,
    n: u64,
    top_bytes: &PerBoundary<u8>,
    open: &PerBoundary<u8>,
) -> ByteCounts {
    let (mut below, mut in_open) = ([0u32; PACKED_CATEGORIES - 1], [0u32; PACKED_CATEGORIES - 1]);
    let mut left = n;
    while left > 0 {
        let x = rng.next_u64();
        for j in 0..left.min(8) {
            let b = (x >> (8 * j)) as u8;
            for (c, &t) in below.iter_mut().zip(top_bytes) {
                *c += u32::from(b < t);
            }
            for (c, &g) in in_open.iter_mut().zip(open) {
                *c += u32::from(b == g);
            }
        }
        left = left.saturating_sub(8);
    }
    (below, in_open)
}

#[cfg(not(target_arch = "x86_64"))]
use count_bytes_scalar as count_bytes;
