//! Eight region-runs side by side (AVX-512): the vector arithmetic of the model's two
//! passes when [`crate::model::run_regions`] runs a region's runs eight at a time.
//!
//! Each year the specialists' pass makes three binomial draws per region-run (today's
//! specialists' exits, the uptake of completers, the exits of those who joined), each a
//! chain of dependent steps ending in a branch no predictor can guess: one at a time,
//! the processor waits on the chain and then on the mispredicted exit. Eight
//! region-runs of one region in the eight lanes of a vector make those eight draws in
//! one loop whose trips are the longest lane's; a lane's own end is a mask, not a
//! branch. The trainee pass takes its lanes' random numbers from here too
//! ([`substreams`], [`next`]): one 64-bit number a lane, eight people each.
//!
//! A lane computes exactly what [`binomial::binomial_at`] computes for its region-run,
//! operation for operation (IEEE additions, multiplications and comparisons, the same
//! tables, [`binomial::exp`] instead of libm's), so the results are the same bits with
//! or without AVX-512, on any number of threads (`lanes_draw_what_one_at_a_time_draws`).
//! A lane that needs what the vector loop does not do (BTRS above the tables, a
//! uniform used up by rounding) is flagged and drawn again one at a time.

pub(in crate::model) mod admit;
pub(in crate::model) mod specialists;
pub(in crate::model) mod trainee_years;
pub(in crate::model) mod trainees;

use std::arch::x86_64::*;

use crate::binomial::{self, Prob, EXP_MIN, EXP_SHIFT, EXP_TAYLOR, LN2_HI, LN2_LO};

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

/// The first uniform of sub-stream `index` of each lane's noise key: what
/// `model::noise_substream(key, index)` gives first, as `binomial`'s 53-bit uniform.
#[target_feature(enable = "avx512f,avx512dq")]
#[inline]
pub(crate) fn first_uniforms(keys: __m512i, index: u64) -> __m512d {
    let x = splitmix(substreams(keys, index));
    _mm512_mul_pd(
        _mm512_cvtepu64_pd(_mm512_srli_epi64::<11>(x)),
        _mm512_set1_pd(1.0 / 9_007_199_254_740_992.0),
    )
}

/// [`binomial::exp`] in each lane, operation for operation.
#[target_feature(enable = "avx512f,avx512dq")]
#[inline]
fn exp(x: __m512d) -> __m512d {
    let set = _mm512_set1_pd;
    let (add, mul, sub) = (_mm512_add_pd, _mm512_mul_pd, _mm512_sub_pd);
    let t = add(mul(x, set(std::f64::consts::LOG2_E)), set(EXP_SHIFT));
    let k = sub(t, set(EXP_SHIFT));
    let r = sub(sub(x, mul(k, set(LN2_HI))), mul(k, set(LN2_LO)));
    let r2 = mul(r, r);
    let r4 = mul(r2, r2);
    let r8 = mul(r4, r4);
    let c = |i: usize| set(EXP_TAYLOR[i]);
    let a0 = add(c(0), mul(c(1), r));
    let a1 = add(c(2), mul(c(3), r));
    let a2 = add(c(4), mul(c(5), r));
    let a3 = add(c(6), mul(c(7), r));
    let a4 = add(c(8), mul(c(9), r));
    let a5 = add(c(10), mul(c(11), r));
    let b0 = add(a0, mul(a1, r2));
    let b1 = add(a2, mul(a3, r2));
    let b2 = add(a4, mul(a5, r2));
    let d0 = add(b0, mul(b1, r4));
    let d1 = add(b2, mul(c(12), r4));
    let poly = add(d0, mul(d1, r8));
    let scale = _mm512_castsi512_pd(_mm512_slli_epi64::<52>(_mm512_add_epi64(
        _mm512_cvttpd_epi64(k),
        _mm512_set1_epi64(1023),
    )));
    let small = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(x, set(EXP_MIN));
    _mm512_mask_blend_pd(small, mul(poly, scale), _mm512_setzero_pd())
}

/// Eight prepared probabilities ([`Prob`]), a lane each.
#[derive(Clone, Copy)]
pub(crate) struct Probs {
    low: __m512d,
    ln_p: __m512d,
    ln_q: __m512d,
    r: __m512d,
    inv_r: __m512d,
    /// Lanes with `p <= 0` (every draw 0), `p >= 1` (every draw n), `p > 1/2` (drawn
    /// at `1 - p` and mirrored).
    zero: __mmask8,
    one: __mmask8,
    high: __mmask8,
}

impl Probs {
    #[target_feature(enable = "avx512f")]
    pub(crate) fn new(p: &[Prob; LANES]) -> Probs {
        let v = |f: fn(&Prob) -> f64| load(&std::array::from_fn(|i| f(&p[i])));
        let mask =
            |f: fn(&Prob) -> bool| (0..LANES).fold(0u8, |m, i| m | (u8::from(f(&p[i])) << i));
        Probs {
            low: v(|p| p.low),
            ln_p: v(|p| p.ln_p),
            ln_q: v(|p| p.ln_q),
            r: v(|p| p.r),
            inv_r: v(|p| p.inv_r),
            zero: mask(|p| p.p <= 0.0),
            one: mask(|p| p.p >= 1.0),
            high: mask(|p| p.p > 0.5),
        }
    }
}

/// A table's values at each lane's index, for the lanes of `mask` (0 elsewhere, and
/// nothing read there).
///
/// # Safety
///
/// Every lane of `mask` must hold an index in `0..table.len()`: the gather reads
/// `table`'s memory at those indices without a bounds check (checked in debug
/// builds). The processor must have AVX-512 F.
#[target_feature(enable = "avx512f")]
#[inline]
#[allow(unsafe_code)]
unsafe fn gather(table: &[f64], mask: __mmask8, index: __m512i) -> __m512d {
    debug_assert!({
        let mut a = [0i64; LANES];
        #[allow(unsafe_code)]
        // SAFETY: `a` is 64 bytes, what an unaligned 512-bit store writes.
        unsafe {
            _mm512_storeu_si512(a.as_mut_ptr().cast(), index)
        };
        (0..LANES).all(|i| mask & (1 << i) == 0 || (0..table.len() as i64).contains(&a[i]))
    });
    #[allow(unsafe_code)]
    // SAFETY: the lanes of `mask`, the only ones read, index within `table` (this
    // function's contract).
    unsafe {
        _mm512_mask_i64gather_pd::<8>(_mm512_setzero_pd(), mask, index, table.as_ptr())
    }
}

/// Binomial(n, p) in each lane, as [`binomial::binomial_at`] draws it from a sub-stream
/// whose first uniform is `u`: the counts, and the lanes to draw again one at a time
/// (their counts are not set). `n` holds whole counts as the model's stocks do; a lane
/// takes `n.max(0) as i64` as `model::Noise::count` does.
#[cfg(test)]
#[target_feature(enable = "avx512f,avx512dq")]
#[inline]
pub(crate) fn binomial(n: __m512d, p: &Probs, u: __m512d) -> (__m512d, __mmask8) {
    search(prepare(n, p, u), p)
}

/// A draw's set-up ([`prepare`]), to be searched ([`search`]): a chain of a hundred
/// cycles or so (the mode, three gathers of `ln k!`, the `exp`) that depends on no
/// earlier draw's search when prepared first. A search ends in a branch mispredicted
/// about once a draw, and what follows it cannot start before it: two draws prepared
/// before either is searched overlap their set-ups.
#[derive(Clone, Copy)]
pub(crate) struct Prepared {
    n: __m512i,
    nf: __m512d,
    nonzero: __mmask8,
    inrange: __mmask8,
    redraw: __mmask8,
    active: __mmask8,
    m: __m512i,
    f_m: __m512d,
    x: __m512d,
    u: __m512d,
}

/// The first half of [`binomial`]: the mode and the pmf there, and whether the
/// uniform stops there, as `binomial::mode_search` computes them.
#[target_feature(enable = "avx512f,avx512dq")]
#[inline]
pub(crate) fn prepare(n: __m512d, p: &Probs, u: __m512d) -> Prepared {
    let zero_i = _mm512_setzero_si512();
    let one_i = _mm512_set1_epi64(1);
    let n = _mm512_cvttpd_epi64(_mm512_max_pd(n, _mm512_setzero_pd()));
    let nf = _mm512_cvtepi64_pd(n);
    let nonzero = _mm512_cmpgt_epi64_mask(n, zero_i);
    let normal = nonzero & !p.zero & !p.one;
    let mean = _mm512_mul_pd(nf, p.low);
    let inrange = normal
        & _mm512_cmplt_epi64_mask(n, _mm512_set1_epi64(binomial::TABLE_SIZE as i64))
        & _mm512_cmp_pd_mask::<_CMP_LT_OQ>(mean, _mm512_set1_pd(binomial::MODE_SEARCH_MAX_MEAN));
    let redraw = normal & !inrange;
    let active = inrange;
    let m = _mm512_min_epi64(
        _mm512_cvttpd_epi64(_mm512_mul_pd(
            _mm512_cvtepi64_pd(_mm512_add_epi64(n, one_i)),
            p.low,
        )),
        n,
    );
    let ln_fact = binomial::ln_factorials();
    let n_less_m = _mm512_sub_epi64(n, m);
    // SAFETY (the gathers): in the lanes of `active` (`inrange`), 1 <= n < TABLE_SIZE =
    // ln_fact.len(), and 0 <= m <= n (m is the truncated (n + 1) p.low, and a `Prob`,
    // made only by `Prob::new`, has 0 <= low <= 1/2), so n, m and n - m all index
    // within the table.
    #[allow(unsafe_code)]
    let (ln_n, ln_m, ln_n_less_m) = unsafe {
        (
            gather(ln_fact, active, n),
            gather(ln_fact, active, m),
            gather(ln_fact, active, n_less_m),
        )
    };
    let ln_f = _mm512_add_pd(
        _mm512_add_pd(
            _mm512_sub_pd(_mm512_sub_pd(ln_n, ln_m), ln_n_less_m),
            _mm512_mul_pd(_mm512_cvtepi64_pd(m), p.ln_p),
        ),
        _mm512_mul_pd(_mm512_cvtepi64_pd(n_less_m), p.ln_q),
    );
    let f_m = exp(ln_f);
    let hit = active & _mm512_cmp_pd_mask::<_CMP_LT_OQ>(u, f_m);
    Prepared {
        n,
        nf,
        nonzero,
        inrange,
        redraw,
        active: active & !hit,
        m,
        f_m,
        x: _mm512_mask_mov_pd(_mm512_setzero_pd(), hit, _mm512_cvtepi64_pd(m)),
        u: _mm512_sub_pd(u, f_m),
    }
}

/// The second half of [`binomial`]: from the mode, one step down and one up in turn,
/// each lane until its uniform is used up.
#[target_feature(enable = "avx512f,avx512dq")]
#[inline]
pub(crate) fn search(d: Prepared, p: &Probs) -> (__m512d, __mmask8) {
    let Prepared {
        n,
        nf,
        nonzero,
        inrange,
        mut redraw,
        mut active,
        m,
        f_m,
        mut x,
        mut u,
    } = d;
    let zero_i = _mm512_setzero_si512();
    // Hidden from LLVM, a masked subtraction of 1 stays one instruction (told the
    // constant, LLVM makes the mask a vector and adds that: two).
    let one_i = std::hint::black_box(_mm512_set1_epi64(1));
    // The steps' probabilities do not depend on the uniform: every lane in range takes
    // every step (a lane whose draw is done goes on, its result kept), so they are
    // masked by the steps' bounds alone and run ahead of the chain of subtractions
    // from the uniforms, which alone decides when the loop ends.
    let recip = &binomial::RECIPROCALS[..];
    let (mut lo, mut hi, mut f_lo, mut f_hi) = (m, m, f_m, f_m);
    while active != 0 {
        let down = inrange & _mm512_cmpgt_epi64_mask(lo, zero_i);
        let up = inrange & _mm512_cmplt_epi64_mask(hi, n);
        let used_up = active & !(down | up);
        redraw |= used_up;
        active &= !used_up;

        // SAFETY: in the lanes of `down` (in range, lo > 0), 1 <= n - lo + 1 <= n <
        // TABLE_SIZE = recip.len().
        #[allow(unsafe_code)]
        let recip_down = unsafe {
            gather(
                recip,
                down,
                _mm512_add_epi64(_mm512_sub_epi64(n, lo), one_i),
            )
        };
        let step = _mm512_mul_pd(_mm512_mul_pd(_mm512_cvtepi64_pd(lo), recip_down), p.inv_r);
        f_lo = _mm512_mask_mul_pd(f_lo, down, f_lo, step);
        lo = _mm512_mask_sub_epi64(lo, down, lo, one_i);
        let hit = active & down & _mm512_cmp_pd_mask::<_CMP_LT_OQ>(u, f_lo);
        x = _mm512_mask_mov_pd(x, hit, _mm512_cvtepi64_pd(lo));
        active &= !hit;
        u = _mm512_mask_sub_pd(u, down, u, f_lo);

        // SAFETY: in the lanes of `up` (in range, hi < n), 1 <= hi + 1 <= n <
        // TABLE_SIZE = recip.len().
        #[allow(unsafe_code)]
        let recip_up = unsafe { gather(recip, up, _mm512_add_epi64(hi, one_i)) };
        let step = _mm512_mul_pd(
            _mm512_mul_pd(_mm512_cvtepi64_pd(_mm512_sub_epi64(n, hi)), recip_up),
            p.r,
        );
        f_hi = _mm512_mask_mul_pd(f_hi, up, f_hi, step);
        hi = _mm512_mask_add_epi64(hi, up, hi, one_i);
        let hit = active & up & _mm512_cmp_pd_mask::<_CMP_LT_OQ>(u, f_hi);
        x = _mm512_mask_mov_pd(x, hit, _mm512_cvtepi64_pd(hi));
        active &= !hit;
        u = _mm512_mask_sub_pd(u, up, u, f_hi);
    }
    // Drawn at min(p, 1 - p): mirrored where p > 1/2; n where p >= 1.
    x = _mm512_mask_sub_pd(x, p.high & inrange, nf, x);
    x = _mm512_mask_mov_pd(x, nonzero & !p.zero & p.one, nf);
    (x, redraw)
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

/// Category `c`'s people in each lane's [`tally`].
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn tallied(tally: &[__m512i; 2], c: usize) -> __m512i {
    _mm512_and_si512(
        _mm512_srlv_epi64(tally[c / 4], _mm512_set1_epi64(16 * (c % 4) as i64)),
        _mm512_set1_epi64(0xffff),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NoiseRng;
    use crate::model::NoiseSource;

    #[test]
    #[cfg_attr(not(fastlakare_avx512), ignore = "this processor has no AVX-512")]
    fn exp_is_the_scalar_exp_in_every_lane() {
        Lanes::cpu().expect("built where the processor has AVX-512");
        #[target_feature(enable = "avx512f,avx512dq")]
        fn check() {
            let mut x = -720.0;
            while x < 5.0 {
                let xs: [f64; LANES] = std::array::from_fn(|i| x + i as f64 * 0.0137);
                let v = exp(load(&xs));
                for (i, y) in unload(v).into_iter().enumerate() {
                    assert_eq!(y.to_bits(), binomial::exp(xs[i]).to_bits(), "x {}", xs[i]);
                }
                x += 0.1097;
            }
        }
        #[allow(unsafe_code)]
        // SAFETY: `Lanes::detect` found the features.
        unsafe {
            check()
        }
    }

    /// Every lane draws what `binomial_at` draws from the same sub-stream, over the
    /// model's ranges and the edges (n 0, p 0 and 1, p above 1/2, BTRS's n and means).
    #[test]
    #[cfg_attr(not(fastlakare_avx512), ignore = "this processor has no AVX-512")]
    fn lanes_draw_what_one_at_a_time_draws() {
        Lanes::cpu().expect("built where the processor has AVX-512");
        #[target_feature(enable = "avx512f,avx512dq")]
        fn check() {
            let ns = [
                0.0, 1.0, 2.0, 5.0, 17.0, 46.0, 63.0, 64.0, 150.0, 315.0, 1060.0, 4000.0, 16_383.0,
                16_384.0, 30_000.0,
            ];
            let ps = [0.0, 1.0, 0.5, 0.055, 0.04, 0.07, 0.57, 0.43, 0.9, 1e-4, 0.3];
            let mut case = 0u64;
            for round in 0..400u64 {
                let n: [f64; LANES] =
                    std::array::from_fn(|i| ns[(round as usize * 7 + i * 3) % ns.len()]);
                let p: [Prob; LANES] = std::array::from_fn(|i| {
                    Prob::new(ps[(round as usize * 5 + i * 2 + round as usize / 11) % ps.len()])
                });
                let keys: [u64; LANES] =
                    std::array::from_fn(|i| crate::rng::splitmix64(round * 8 + i as u64));
                let index = round % 800;
                let key_v = load_words(&keys);
                let u = first_uniforms(key_v, index);
                let (x, redraw) = binomial(load(&n), &Probs::new(&p), u);
                for (i, &xi) in unload(x).iter().enumerate() {
                    let mut rng = NoiseRng::substream(keys[i], index);
                    let want = binomial::binomial_at(&mut rng, n[i] as u64, &p[i]) as f64;
                    if redraw & (1 << i) == 0 {
                        assert_eq!(xi, want, "n {}, p {:?}", n[i], p[i]);
                        case += 1;
                    }
                }
            }
            assert!(case > 2500, "{case} lanes compared");
        }
        #[allow(unsafe_code)]
        // SAFETY: `Lanes::detect` found the features.
        unsafe {
            check()
        }
    }
}
