//! Eight side by side (AVX-512): the vector arithmetic of both passes when
//! [`crate::model::run_regions`] runs a region's runs eight at a time: the trainee pass
//! with eight region-runs in the lanes of a vector ([`trainees`]) or one region-run's
//! eight intake years ([`trainee_years`]), and their intakes ([`admit`]); the
//! specialists' pass of eight region-runs ([`specialists`]).
//!
//! Each lane draws from its own SplitMix64 sub-stream ([`substreams`], [`next`]): one
//! 64-bit number a lane, eight people each, exactly the numbers one region-run at a
//! time draws, so the stocks are the same bits with or without AVX-512, on any number
//! of threads (`model::tests`).

pub(in crate::model) mod admit;
pub(in crate::model) mod specialists;
pub(in crate::model) mod trainee_years;
pub(in crate::model) mod trainees;

use std::arch::x86_64::*;

use crate::model::PACKED_CATEGORIES;

/// Region-runs a vector holds.
pub const LANES: usize = 8;

/// Proof that this processor has AVX-512 F, DQ (64-bit multiplications and
/// conversions) and BW (byte comparisons): made only by [`Lanes::detect`].
#[derive(Debug, Clone, Copy)]
pub struct Lanes(());

impl Lanes {
    /// `Some` where the backend in force runs region-runs side by side
    /// (`crate::backend`: only where the processor has the features; under valgrind,
    /// which has no AVX-512, never).
    #[inline]
    pub fn detect() -> Option<Lanes> {
        (crate::backend::active() >= crate::backend::Backend::Avx512).then_some(Lanes(()))
    }

    /// `Some` where the processor has the features, whatever the backend: for the
    /// tests that compare the lanes with one at a time.
    #[cfg(test)]
    pub fn cpu() -> Option<Lanes> {
        crate::backend::cpu_has_avx512().then_some(Lanes(()))
    }
}

/// Proof that this processor has, beyond what [`Lanes`] needs, the byte table lookups
/// across a vector (AVX-512 VBMI), bit-matrix products (GFNI) and byte population
/// counts (AVX-512 BITALG): what the trainee pass's intake years side by side count
/// their people with (`model::trainee_years_lanes`). Made only by
/// [`Lookups::detect`].
#[derive(Debug, Clone, Copy)]
pub struct Lookups(());

impl Lookups {
    /// `Some` where the backend in force looks bytes up (`crate::backend`).
    #[inline]
    pub fn detect() -> Option<Lookups> {
        (crate::backend::active() >= crate::backend::Backend::Avx512Lookups).then_some(Lookups(()))
    }

    /// `Some` where the processor has the features, whatever the backend (tests).
    #[cfg(test)]
    pub fn cpu() -> Option<Lookups> {
        crate::backend::cpu_has_lookups().then_some(Lookups(()))
    }
}

/// Eight values as a vector, lane i from `a[i]`.
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn load(a: &[f64; LANES]) -> __m512d {
    _mm512_set_pd(a[7], a[6], a[5], a[4], a[3], a[2], a[1], a[0])
}

/// Eight 64-bit words (keys, thresholds) as a vector, lane i from `a[i]`.
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn load_words(a: &[u64; LANES]) -> __m512i {
    let a = a.map(|k| k as i64);
    _mm512_set_epi64(a[7], a[6], a[5], a[4], a[3], a[2], a[1], a[0])
}

/// A vector's eight values, `a[i]` from lane i.
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn unload(v: __m512d) -> [f64; LANES] {
    let mut a = [0.0; LANES];
    #[allow(unsafe_code)]
    // SAFETY: `a` is 64 bytes, what an unaligned 512-bit store writes.
    unsafe {
        _mm512_storeu_pd(a.as_mut_ptr(), v)
    };
    a
}

/// A vector's eight words, `a[i]` from lane i.
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn unload_words(v: __m512i) -> [u64; LANES] {
    let mut a = [0u64; LANES];
    #[allow(unsafe_code)]
    // SAFETY: `a` is 64 bytes, what an unaligned 512-bit store writes.
    unsafe {
        _mm512_storeu_si512(a.as_mut_ptr().cast(), v)
    };
    a
}

/// SplitMix64's increment.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's step (`rng::splitmix64`) in each lane.
#[target_feature(enable = "avx512f,avx512dq")]
#[inline]
fn splitmix(z: __m512i) -> __m512i {
    mix(_mm512_add_epi64(z, _mm512_set1_epi64(GAMMA as i64)))
}

/// Each lane's generator state of sub-stream `index` of its noise key: what
/// `model::noise_substream(key, index)` starts from.
#[target_feature(enable = "avx512f,avx512dq")]
#[inline]
pub(crate) fn substreams(keys: __m512i, index: u64) -> __m512i {
    let hashed = _mm512_set1_epi64(crate::model::noise_index_hash(index) as i64);
    splitmix(_mm512_xor_si512(keys, hashed))
}

/// `v` moved up `k` lanes (below 8) into sixteen: the low eight (lanes below `k`
/// zero) and the high eight (lane i from `v`'s lane i + 8 - k; none where `k` is 0).
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn shift_up(v: __m512i, k: usize) -> (__m512i, __m512i) {
    let zero = _mm512_setzero_si512();
    let (low, high) = match k {
        0 => (v, zero),
        1 => (
            _mm512_alignr_epi64::<7>(v, zero),
            _mm512_alignr_epi64::<7>(zero, v),
        ),
        2 => (
            _mm512_alignr_epi64::<6>(v, zero),
            _mm512_alignr_epi64::<6>(zero, v),
        ),
        3 => (
            _mm512_alignr_epi64::<5>(v, zero),
            _mm512_alignr_epi64::<5>(zero, v),
        ),
        4 => (
            _mm512_alignr_epi64::<4>(v, zero),
            _mm512_alignr_epi64::<4>(zero, v),
        ),
        5 => (
            _mm512_alignr_epi64::<3>(v, zero),
            _mm512_alignr_epi64::<3>(zero, v),
        ),
        6 => (
            _mm512_alignr_epi64::<2>(v, zero),
            _mm512_alignr_epi64::<2>(zero, v),
        ),
        7 => (
            _mm512_alignr_epi64::<1>(v, zero),
            _mm512_alignr_epi64::<1>(zero, v),
        ),
        _ => unreachable!("a shift below 8 lanes"),
    };
    (low, high)
}

/// Adds lane i of `v` to `x[at + i]`, where `x` has it.
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn add_into(x: &mut [f64], at: usize, v: __m512d) {
    match x.get_mut(at..at + LANES) {
        Some(y) => {
            let y: &mut [f64; LANES] = y.try_into().expect("eight");
            *y = unload(_mm512_add_pd(load(y), v));
        }
        None => {
            for (y, a) in x.iter_mut().skip(at).zip(unload(v)) {
                *y += a;
            }
        }
    }
}

/// The generator state of sub-stream `indices[i]` of `key` in lane i: what
/// `model::noise_substream(key, indices[i])` starts from.
#[target_feature(enable = "avx512f,avx512dq")]
#[inline]
pub(crate) fn substreams_of(key: u64, indices: &[u64; LANES]) -> __m512i {
    // `from_fn`, not `map`: `map` was a call of its own in the profile.
    let hashed = load_words(&std::array::from_fn(|i| {
        crate::model::noise_index_hash(indices[i])
    }));
    splitmix(_mm512_xor_si512(_mm512_set1_epi64(key as i64), hashed))
}

/// The next 64-bit number of the generators of the lanes of `live`, whose states
/// advance; the other lanes' states stay and their numbers are not to be used.
#[target_feature(enable = "avx512f,avx512dq")]
#[inline]
pub(crate) fn next(state: &mut __m512i, live: __mmask8) -> __m512i {
    *state = _mm512_mask_add_epi64(*state, live, *state, _mm512_set1_epi64(GAMMA as i64));
    mix(*state)
}

/// SplitMix64's output function: the step without its increment.
#[target_feature(enable = "avx512f,avx512dq")]
#[inline]
fn mix(z: __m512i) -> __m512i {
    let z = _mm512_mullo_epi64(
        _mm512_xor_si512(z, _mm512_srli_epi64::<30>(z)),
        _mm512_set1_epi64(0xBF58_476D_1CE4_E5B9_u64 as i64),
    );
    let z = _mm512_mullo_epi64(
        _mm512_xor_si512(z, _mm512_srli_epi64::<27>(z)),
        _mm512_set1_epi64(0x94D0_49BB_1331_11EB_u64 as i64),
    );
    _mm512_xor_si512(z, _mm512_srli_epi64::<31>(z))
}

/// Adds one person of category `category` (0-7) to each `live` lane's tally: 16-bit
/// fields, categories 0-3 in `tally[0]`, 4-7 in `tally[1]` (at most 2 000 people a year,
/// [`PACKED_COUNT`](crate::model::PACKED_COUNT)).
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn tally(tally: &mut [__m512i; 2], live: __mmask8, category: __m512i) {
    let (one, three) = (_mm512_set1_epi64(1), _mm512_set1_epi64(3));
    let field = _mm512_sllv_epi64(
        one,
        _mm512_slli_epi64::<4>(_mm512_and_si512(category, three)),
    );
    let high = _mm512_cmpgt_epi64_mask(category, three);
    tally[0] = _mm512_mask_add_epi64(tally[0], live & !high, tally[0], field);
    tally[1] = _mm512_mask_add_epi64(tally[1], live & high, tally[1], field);
}

/// Each lane's people per category of a packed split, as `place_packed` counts them:
/// `certain[k]`, the people below boundary k outside the open slices, cut into
/// categories by difference, the open slices' people (`open_total` of the `n`) added
/// from their [`tally`]. Whole numbers: exact in any order.
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn people_by_category(
    n: __m512i,
    certain: &[__m512i; PACKED_CATEGORIES - 1],
    open_total: __m512i,
    tally: &[__m512i; 2],
) -> [__m512i; PACKED_CATEGORIES] {
    let zero = _mm512_setzero_si512();
    let mut people = [zero; PACKED_CATEGORIES];
    let mut placed_below = zero;
    for (k, &c) in certain.iter().enumerate() {
        people[k] = _mm512_add_epi64(_mm512_sub_epi64(c, placed_below), tallied(tally, k));
        placed_below = c;
    }
    people[PACKED_CATEGORIES - 1] = _mm512_add_epi64(
        _mm512_sub_epi64(_mm512_sub_epi64(n, open_total), placed_below),
        tallied(tally, PACKED_CATEGORIES - 1),
    );
    people
}

/// Category `c`'s people in each lane's [`tally`].
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn tallied(tally: &[__m512i; 2], c: usize) -> __m512i {
    _mm512_and_si512(
        _mm512_srlv_epi64(tally[c / 4], _mm512_set1_epi64(16 * (c % 4) as i64)),
        _mm512_set1_epi64(0xffff),
    )
}
