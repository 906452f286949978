//! Exact binomial draws, fast for the model's many small ones.
//!
//! The model draws a few binomials per region-run-year with n from 1 to a few
//! thousand and a new (n, p) almost every time, so a sampler's set-up cost matters as
//! much as its per-draw cost. Four regimes (after the symmetry `p > 1/2 -> n - X` for
//! `1 - p`):
//! - `n < BERNOULLI_MAX`: n Bernoulli trials, eight to a 64-bit number (a byte
//!   each, compared eight at a time; the rare byte on the threshold's own byte is
//!   settled by 45 more bits, so each trial is still decided at 53 bits);
//! - mean `n p < INVERSION_MAX_MEAN`: inversion by sequential search from 0
//!   (Kachitvichyanukul and Schmeiser's BINV), about `n p + 1` steps of arithmetic
//!   after one `exp`;
//! - mean below `MODE_SEARCH_MAX_MEAN` and `n < TABLE_SIZE`: inversion from the mode,
//!   about `1 + 1.6 sd` steps after one `exp` and three table reads;
//! - otherwise: Hörmann's BTRS (transformed rejection with squeeze, 1993), a handful of
//!   arithmetic operations and on average about 1.2 pairs of uniforms, with no table.
//!
//! All four are exact samplers of Binomial(n, p) up to floating-point rounding, the
//! same standard as `rand_distr`'s BTPE; the tests below check them against the exact
//! probabilities.

use rand::RngCore;

/// Up to this mean a draw is by inversion (about `n p` multiply-adds after one `exp`);
/// above it BTRS's fixed cost (a square root, a few divisions, logarithms when its
/// squeeze fails) is less. Of 10, 16 and 24, 10 was slowest in `cargo bench` and 16 and
/// 24 within the machine's noise of each other.
pub const INVERSION_MAX_MEAN: f64 = 16.0;
/// Below this many trials a draw is a sum of Bernoulli trials, eight per 64-bit number.
pub const BERNOULLI_MAX: u64 = 64;
/// Draws with `n` below this (the size of the tables of `ln k!` and `1 / k`) and a mean
/// below [`MODE_SEARCH_MAX_MEAN`] are by inversion from the mode; larger ones by BTRS.
pub const TABLE_SIZE: u64 = 1 << 14;
/// Up to this mean inversion from the mode (about `1.6 sd` steps of arithmetic after
/// one `exp`) is cheaper than BTRS (a square root, divisions, logarithms when its
/// squeeze fails).
pub const MODE_SEARCH_MAX_MEAN: f64 = 1000.0;
/// 2^53: uniforms are the top 53 bits of a 64-bit draw.
pub(crate) const UNIT_SCALE: f64 = 9_007_199_254_740_992.0;

/// `n as f64` in one instruction where it can be: x86-64 without AVX-512 has no
/// `u64` to `f64` conversion, and the sequence that stands in for it showed in the
/// profile. The model's counts are far below 2^63.
#[inline]
fn float(n: u64) -> f64 {
    if n <= i64::MAX as u64 {
        n as i64 as f64
    } else {
        n as f64
    }
}

#[inline]
fn uniform(rng: &mut impl RngCore) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / UNIT_SCALE)
}

/// A success probability with what every draw at it would otherwise recompute (the
/// symmetry, the Bernoulli threshold, logarithms and odds for the inversions). The model's exit,
/// uptake and intake-split probabilities are fixed for a region-run while n changes
/// every year, so it builds one `Prob` per run and saves a logarithm per draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prob {
    /// `p` in [0, 1] as given.
    pub(crate) p: f64,
    /// `min(p, 1 - p)`, the probability the samplers work with.
    pub(crate) low: f64,
    /// A Bernoulli trial at `low` succeeds when its 53-bit uniform is below this.
    pub(crate) threshold: u64,
    /// `low / (1 - low)`.
    pub(crate) r: f64,
    /// `ln(1 - low)`.
    pub(crate) ln_q: f64,
    /// `ln(low)`.
    pub(crate) ln_p: f64,
    /// `(1 - low) / low`.
    pub(crate) inv_r: f64,
}

impl Prob {
    /// `p` is clamped to [0, 1].
    pub fn new(p: f64) -> Prob {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        let low = p.min(1.0 - p);
        Prob {
            p,
            low,
            threshold: trial_threshold(low),
            r: low / (1.0 - low),
            ln_q: (-low).ln_1p(),
            ln_p: low.ln(),
            inv_r: (1.0 - low) / low,
        }
    }

    pub fn value(&self) -> f64 {
        self.p
    }
}

/// A draw from Binomial(n, p), `p` in [0, 1] (clamped; NaN counts as 0), for a
/// probability used once (a split's conditional ones, an age's retirement hazard, a
/// new one each draw): the distribution `binomial_at` draws at `Prob::new(p)`, by its
/// own roads for small draws (Bernoulli trials, inversion from 0), so not the same
/// numbers. It computes only what the regime needs: no logarithm under
/// [`BERNOULLI_MAX`] trials and one for inversion from 0, where preparing a `Prob` takes
/// two logarithms and two divisions.
#[inline]
pub fn binomial(rng: &mut impl RngCore, n: u64, p: f64) -> u64 {
    let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let low = p.min(1.0 - p);
    let x = if n < BERNOULLI_MAX {
        bernoulli_trials(rng, n, trial_threshold(low))
    } else if float(n) * low < INVERSION_MAX_MEAN {
        inversion(rng, n, low / (1.0 - low), (-low).ln_1p())
    } else {
        // n >= BERNOULLI_MAX and mean >= INVERSION_MAX_MEAN: what binomial_at draws.
        return binomial_at(rng, n, &Prob::new(p));
    };
    mirror(x, n, p > 0.5)
}

/// A draw from Binomial(n, p) at a prepared `p`: the large age cells' draws
/// ([`SmallDraws`] takes the small ones).
///
/// One sampler for every n up to the tables' end (inversion from the mode, its pmf at
/// the mode by [`exp`], additions and multiplications only), BTRS beyond.
#[inline]
pub fn binomial_at(rng: &mut impl RngCore, n: u64, p: &Prob) -> u64 {
    if n == 0 || p.p <= 0.0 {
        return 0;
    }
    if p.p >= 1.0 {
        return n;
    }
    let x = if n < TABLE_SIZE && float(n) * p.low < MODE_SEARCH_MAX_MEAN {
        mode_search(rng, n, p)
    } else {
        btrs(rng, n, p.low)
    };
    mirror(x, n, p.p > 0.5)
}

/// Trials up to which [`SmallDraws`] tables the probability of no success.
pub const SMALL_DRAWS_N: usize = 64;

/// Binomial draws at one probability for many small `n`: version 2's age cells, most
/// of which hold a handful of people, every year of a region-run.
///
/// `(1 - p)^n` is tabled for `n` below [`SMALL_DRAWS_N`], so such a draw is inversion
/// from 0 (BINV) with no `exp`: one uniform and one comparison when nobody is drawn,
/// the common case. Larger `n` go to [`binomial_at`]. Exact up to floating-point
/// rounding, as the other samplers.
#[derive(Debug, Clone, PartialEq)]
pub struct SmallDraws {
    prob: Prob,
    /// `(1 - low)^n` for `n` below [`SMALL_DRAWS_N`].
    none: [f64; SMALL_DRAWS_N],
}

impl SmallDraws {
    pub fn new(p: f64) -> SmallDraws {
        let prob = Prob::new(p);
        let mut none = [1.0; SMALL_DRAWS_N];
        for n in 1..SMALL_DRAWS_N {
            none[n] = none[n - 1] * (1.0 - prob.low);
        }
        SmallDraws { prob, none }
    }

    pub fn prob(&self) -> &Prob {
        &self.prob
    }

    /// `(1 - low)^n` for `n` below [`SMALL_DRAWS_N`]: what vector lanes look up
    /// (`model::lanes::specialists`).
    pub(crate) fn none(&self) -> &[f64; SMALL_DRAWS_N] {
        &self.none
    }

    /// A draw from Binomial(n, p).
    #[inline]
    pub fn draw(&self, rng: &mut impl RngCore, n: u64) -> u64 {
        let p = &self.prob;
        if n == 0 || p.p <= 0.0 {
            return 0;
        }
        if p.p >= 1.0 {
            return n;
        }
        match self.none.get(n as usize) {
            Some(&f0) => mirror(inversion_from(rng, n, p.r, f0), n, p.p > 0.5),
            None => binomial_at(rng, n, p),
        }
    }
}

/// `n - x` if `high`, else `x`, without a branch: the model's uptake probability is
/// above a half and its exits' below, and one shared branch for both was mispredicted.
#[inline]
fn mirror(x: u64, n: u64, high: bool) -> u64 {
    let mask = u64::from(high).wrapping_neg();
    x ^ ((x ^ n.wrapping_sub(x)) & mask)
}

/// A Bernoulli trial at `low` succeeds when its 53-bit uniform is below this.
#[inline]
fn trial_threshold(low: f64) -> u64 {
    (low * UNIT_SCALE) as u64
}

/// The 45 bits of a 53-bit uniform below its top byte.
pub(crate) const FINE_MASK: u64 = (1 << 45) - 1;

/// Per trial, how its top byte compares with `t`: `(below, tied)`, the trials whose byte
/// is below `t` and those whose byte equals it, of `n` trials drawn eight to a 64-bit
/// number (`ceil(n / 8)` numbers, each number's bytes from the lowest).
///
/// 16 bytes at a time with SSE2: a signed byte comparison after flipping the top bits
/// (an unsigned one) gives all-ones bytes, subtracting them from a counter adds one per
/// lane, and `psadbw` adds the lanes up once at the end. Against the eight-in-a-word
/// arithmetic it replaced (a carry trick per comparison and a multiplication per sum)
/// that is about 80 fewer instructions a region-run-year and half the loop's trips
/// (`docs/performance.md`).
#[cfg(target_arch = "x86_64")]
#[inline]
fn below_and_tied(rng: &mut impl RngCore, n: u64, t: u8) -> (u64, u64) {
    #[allow(unsafe_code)]
    // SAFETY: SSE2, the one feature `below_and_tied_sse2` needs, is part of x86-64
    // itself: every x86-64 processor has it and rustc enables it for every x86-64 target.
    unsafe {
        const _: () = assert!(cfg!(target_feature = "sse2"));
        below_and_tied_sse2(rng, n, t)
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn below_and_tied_sse2(rng: &mut impl RngCore, n: u64, t: u8) -> (u64, u64) {
    use crate::bytes::{lane_sum, next16};
    use std::arch::x86_64::*;
    // A lane counts at most one trial a vector: n < 256 keeps it below 256.
    debug_assert!(n < 256);
    let flip = _mm_set1_epi8(i8::MIN);
    let limit = _mm_set1_epi8((t ^ 0x80) as i8);
    let tie = _mm_set1_epi8(t as i8);
    let mut below = _mm_setzero_si128();
    let mut tied = _mm_setzero_si128();
    let mut left = n;
    while left > 0 {
        // Lanes past the last trial read 0xff: below no `t` (at most 128), tied with
        // none (the same).
        let (bytes, used) = next16(rng, left);
        below = _mm_sub_epi8(below, _mm_cmpgt_epi8(limit, _mm_xor_si128(bytes, flip)));
        tied = _mm_sub_epi8(tied, _mm_cmpeq_epi8(bytes, tie));
        left -= used;
    }
    (lane_sum(below), lane_sum(tied))
}

/// [`below_and_tied`] a byte at a time: the definition the vector count is tested
/// against, and the count off x86-64.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn below_and_tied_scalar(rng: &mut impl RngCore, n: u64, t: u8) -> (u64, u64) {
    let (mut below, mut tied) = (0, 0);
    let mut left = n;
    while left > 0 {
        let x = rng.next_u64();
        for j in 0..left.min(8) {
            let b = (x >> (8 * j)) as u8;
            below += u64::from(b < t);
            tied += u64::from(b == t);
        }
        left = left.saturating_sub(8);
    }
    (below, tied)
}

#[cfg(not(target_arch = "x86_64"))]
use below_and_tied_scalar as below_and_tied;

/// Successes of `n` Bernoulli trials that succeed when their 53-bit uniform is below
/// `threshold` (at most 2^52: a probability of at most 1/2).
///
/// A trial's uniform is `b * 2^45 + f`: its top byte `b` comes from a shared 64-bit
/// number (eight trials to a number), and decides the trial unless it equals the
/// threshold's own top byte `t`; only then (one trial in 256) are the 45 bits `f`
/// drawn. That is the same distribution as drawing all 53 bits, at an eighth of the
/// numbers.
#[inline]
fn bernoulli_trials(rng: &mut impl RngCore, n: u64, threshold: u64) -> u64 {
    debug_assert!(threshold <= 1 << 52 && n < 256);
    let t = (threshold >> 45) as u8; // <= 128
    let (mut successes, ties) = below_and_tied(rng, n, t);
    let fine = threshold & FINE_MASK;
    for _ in 0..ties {
        successes += u64::from((rng.next_u64() >> 19) < fine);
    }
    successes
}

/// `1 / k` (0 at k = 0) for k below [`TABLE_SIZE`], computed at compile time: the
/// steps of both inversions multiply by it instead of dividing (a division's latency
/// was most of their loops' time).
pub(crate) static RECIPROCALS: [f64; TABLE_SIZE as usize] = {
    let mut t = [0.0; TABLE_SIZE as usize];
    let mut k = 1;
    while k < t.len() {
        t[k] = 1.0 / k as f64;
        k += 1;
    }
    t
};

/// BINV at the low probability with odds `r` and `ln_q = ln(1 - p)`: walk the
/// probabilities up from 0 until the uniform is used up.
fn inversion(rng: &mut impl RngCore, n: u64, r: f64, ln_q: f64) -> u64 {
    inversion_from(rng, n, r, (float(n) * ln_q).exp())
}

/// [`inversion`] from `f0 = (1 - p)^n`, the probability of 0.
#[inline]
fn inversion_from(rng: &mut impl RngCore, n: u64, r: f64, f0: f64) -> u64 {
    let a = float(n + 1) * r;
    loop {
        let mut u = uniform(rng);
        let mut f = f0;
        let mut k = 0u64;
        loop {
            if u < f {
                return k;
            }
            u -= f;
            k += 1;
            if k > n {
                break; // rounding left some u over: draw again
            }
            let inv_k = match RECIPROCALS.get(k as usize) {
                Some(&inv) => inv,
                None => 1.0 / k as f64,
            };
            f *= a * inv_k - r;
        }
    }
}

/// `e^x`, from IEEE additions and multiplications alone, in an order a vector lane
/// repeats exactly ([`crate::model::lanes`]), so the pmf at the mode is the same bits in a
/// lane as here; libm's `exp` is not (it differs between libraries and machines, and a
/// vector of it is another function). Cody and Waite's reduction `x = k ln 2 + r`,
/// `|r| <= ln 2 / 2` (ln 2 in two parts, fdlibm's), then Taylor's series to `r^12 / 12!`
/// (its remainder is below 2^-53 relative) by Estrin's scheme. Within a few ulp of
/// `e^x` (`exp_is_within_a_few_ulp`); 0 below -708, where 2^k would not be normal.
pub(crate) fn exp(x: f64) -> f64 {
    if x < EXP_MIN {
        return 0.0;
    }
    let t = x * std::f64::consts::LOG2_E + EXP_SHIFT;
    let k = t - EXP_SHIFT;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let c = &EXP_TAYLOR;
    let a0 = c[0] + c[1] * r;
    let a1 = c[2] + c[3] * r;
    let a2 = c[4] + c[5] * r;
    let a3 = c[6] + c[7] * r;
    let a4 = c[8] + c[9] * r;
    let a5 = c[10] + c[11] * r;
    let b0 = a0 + a1 * r2;
    let b1 = a2 + a3 * r2;
    let b2 = a4 + a5 * r2;
    let d0 = b0 + b1 * r4;
    let d1 = b2 + c[12] * r4;
    let poly = d0 + d1 * r8;
    poly * f64::from_bits(((k as i64 + 1023) as u64) << 52)
}

/// Below this [`exp`] is 0 (so 2^k stays a normal number).
pub(crate) const EXP_MIN: f64 = -708.0;
/// 1.5 * 2^52: adding it rounds to a whole number.
pub(crate) const EXP_SHIFT: f64 = 6_755_399_441_055_744.0;
/// ln 2 in two parts (fdlibm's `ln2_hi`, whose low bits are 0 so `k * LN2_HI` is exact,
/// and `ln2_lo`).
pub(crate) const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
pub(crate) const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
/// `1 / i!` for i = 0..=12.
pub(crate) const EXP_TAYLOR: [f64; 13] = {
    let mut c = [1.0; 13];
    let mut i = 1;
    while i < 13 {
        c[i] = c[i - 1] / i as f64;
        i += 1;
    }
    c
};

/// `ln k!` for k below [`TABLE_SIZE`]: 128 KiB, built once (`ln_factorial` is not
/// `const`).
pub(crate) fn ln_factorials() -> &'static [f64] {
    static TABLE: std::sync::OnceLock<Box<[f64]>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0..TABLE_SIZE)
            .map(statrs::function::factorial::ln_factorial)
            .collect()
    })
}

/// Inversion in order of (roughly) decreasing probability: the mode, then one step
/// down and one up in turn. Inversion is exact over any fixed order of the outcomes,
/// and this one reaches the draw in about `1 + 1.6 sd` steps instead of BINV's `n p`.
/// The pmf at the mode comes from the `ln k!` table and one `exp`; its neighbours from
/// the ratios `f(k - 1) / f(k) = k / ((n - k + 1) r)` and
/// `f(k + 1) / f(k) = (n - k) r / (k + 1)`, `r = p / (1 - p)`, all multiplications.
/// Needs `0 < p.low`, `n < TABLE_SIZE`.
fn mode_search(rng: &mut impl RngCore, n: u64, p: &Prob) -> u64 {
    let ln_fact = ln_factorials();
    // Signed, so every conversion to f64 is one instruction (n < TABLE_SIZE).
    let n = n as i64;
    let m = (((n + 1) as f64 * p.low) as i64).min(n);
    let ln_f = ln_fact[n as usize] - ln_fact[m as usize] - ln_fact[(n - m) as usize]
        + m as f64 * p.ln_p
        + (n - m) as f64 * p.ln_q;
    let f_m = exp(ln_f);
    loop {
        let mut u = uniform(rng);
        if u < f_m {
            return m as u64;
        }
        u -= f_m;
        let (mut lo, mut f_lo, mut hi, mut f_hi) = (m, f_m, m, f_m);
        while lo > 0 || hi < n {
            if lo > 0 {
                f_lo *= lo as f64 * RECIPROCALS[(n - lo + 1) as usize] * p.inv_r;
                lo -= 1;
                if u < f_lo {
                    return lo as u64;
                }
                u -= f_lo;
            }
            if hi < n {
                f_hi *= (n - hi) as f64 * RECIPROCALS[(hi + 1) as usize] * p.r;
                hi += 1;
                if u < f_hi {
                    return hi as u64;
                }
                u -= f_hi;
            }
        }
        // Rounding left some u over: draw again.
    }
}

/// `ln k! - (k + 1/2) ln(k + 1) + (k + 1) - ln sqrt(2 pi)`: the Stirling tail
/// `fc(k)` of Hörmann's paper, from a table for small k.
fn stirling_tail(k: f64) -> f64 {
    // Tabled as in TensorFlow's BTRS; `stirling_tail_matches_its_definition` checks them.
    const TAIL: [f64; 10] = [
        0.081_061_466_795_327_2,
        0.041_340_695_955_409_2,
        0.027_677_925_684_998_3,
        0.020_790_672_103_765_09,
        0.016_644_691_189_821_1,
        0.013_876_128_823_070_7,
        0.011_896_709_945_891_7,
        0.010_411_265_261_972_0,
        0.009_255_462_182_712_73,
        0.008_330_563_433_362_87,
    ];
    if k <= 9.0 {
        return TAIL[k as usize];
    }
    let kp1sq = (k + 1.0) * (k + 1.0);
    (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / kp1sq) / kp1sq) / (k + 1.0)
}

/// BTRS, for `n p >= 10` (here the draws too large for `mode_search`), `p <= 1/2`.
fn btrs(rng: &mut impl RngCore, n: u64, p: f64) -> u64 {
    let nf = float(n);
    let q = 1.0 - p;
    let spq = (nf * p * q).sqrt();
    let b = 1.15 + 2.53 * spq;
    let a = -0.0873 + 0.0248 * b + 0.01 * p;
    let c = nf * p + 0.5;
    let v_r = 0.92 - 4.2 / b;
    let r = p / q;
    let alpha = (2.83 + 5.1 / b) * spq;
    let m = (((nf + 1.0) * p) as u64) as f64;
    // The log-density at the mode, needed only when the squeeze fails (about one draw
    // in seven at the model's means), so computed then: it costs a logarithm.
    let mut lpq_m = f64::NAN;
    loop {
        let u = uniform(rng) - 0.5;
        let v = uniform(rng);
        let us = 0.5 - u.abs();
        let x = (2.0 * a / us + b) * u + c;
        if x.is_nan() || x < 0.0 {
            continue; // NaN comes from us = 0
        }
        // floor of a non-negative number, without a libm call where SSE4.1 is not assumed
        let k = (x as u64) as f64;
        if k > nf {
            continue;
        }
        if us >= 0.07 && v <= v_r {
            return k as u64;
        }
        let v = (v * alpha / (a / (us * us) + b)).ln();
        if lpq_m.is_nan() {
            lpq_m = (m + 0.5) * ((m + 1.0) / (r * (nf - m + 1.0))).ln()
                + stirling_tail(m)
                + stirling_tail(nf - m);
        }
        let bound = lpq_m
            + (nf + 1.0) * ((nf - m + 1.0) / (nf - k + 1.0)).ln()
            + (k + 0.5) * (r * (nf - k + 1.0) / (k + 1.0)).ln()
            - stirling_tail(k)
            - stirling_tail(nf - k);
        if v <= bound {
            return k as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use statrs::distribution::{Binomial as Exact, Discrete};

    /// Chi-square of `draws` samples against the exact pmf, over cells with an
    /// expected count of at least 5 (the rest pooled into one cell).
    fn chi_square(n: u64, p: f64, draws: usize, seed: u64) -> (f64, usize) {
        chi_square_of(|rng| binomial(rng, n, p), n, p, draws, seed)
    }

    /// The chi-square 99.99th percentile on `d` degrees of freedom (Wilson-Hilferty):
    /// a correct sampler exceeds it about once in 10 000.
    fn chi_square_limit(d: f64) -> f64 {
        let z = 3.719; // 99.99 %
        d * (1.0 - 2.0 / (9.0 * d) + z * (2.0 / (9.0 * d)).sqrt()).powi(3)
    }

    /// [`chi_square`] of the draws `draw` makes.
    fn chi_square_of(
        mut draw: impl FnMut(&mut rand_xoshiro::Xoshiro256PlusPlus) -> u64,
        n: u64,
        p: f64,
        draws: usize,
        seed: u64,
    ) -> (f64, usize) {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut counts = vec![0u64; n as usize + 1];
        for _ in 0..draws {
            let x = draw(&mut rng);
            assert!(x <= n);
            counts[x as usize] += 1;
        }
        let exact = Exact::new(p, n).unwrap();
        let (mut chi, mut cells) = (0.0, 0usize);
        let (mut pool_obs, mut pool_exp) = (0.0, 0.0);
        for (k, &c) in counts.iter().enumerate() {
            let e = exact.pmf(k as u64) * draws as f64;
            if e >= 5.0 {
                chi += (c as f64 - e).powi(2) / e;
                cells += 1;
            } else {
                pool_obs += c as f64;
                pool_exp += e;
            }
        }
        if pool_exp > 0.0 {
            chi += (pool_obs - pool_exp).powi(2) / pool_exp.max(1e-9);
            cells += 1;
        }
        (chi, cells - 1)
    }

    /// Where `binomial` hands its draw to `binomial_at` (n from 64 and means from 16),
    /// the two draw alike from the same numbers; edges alike everywhere.
    #[test]
    fn a_prepared_probability_draws_what_a_bare_one_does() {
        let cases = [
            (300, 0.06),
            (80, 0.7),
            (5000, 0.5),
            (TABLE_SIZE + 5, 0.01),
            (0, 0.5),
            (70, 0.0),
            (70, 1.0),
            (70, f64::NAN),
            (70, 1.5),
        ];
        for &(n, p) in &cases {
            let prob = Prob::new(p);
            let mut a = rand_xoshiro::SplitMix64::seed_from_u64(n);
            let mut b = rand_xoshiro::SplitMix64::seed_from_u64(n);
            for _ in 0..1000 {
                assert_eq!(
                    binomial(&mut a, n, p),
                    binomial_at(&mut b, n, &prob),
                    "n {n}, p {p}"
                );
            }
            assert_eq!(a.next_u64(), b.next_u64(), "n {n}, p {p}: as many numbers");
        }
        assert_eq!(Prob::new(f64::NAN).value(), 0.0);
        assert_eq!(Prob::new(1.5).value(), 1.0);
    }

    /// `binomial_at` (inversion from the mode wherever the tables reach, BTRS beyond)
    /// against the exact distribution, over the model's small stocks and means too,
    /// where `binomial` takes other roads: the chi-square 99.99th percentile, as below.
    #[test]
    fn a_prepared_draw_matches_the_exact_distribution() {
        let cases: [(u64, f64); 12] = [
            (1, 0.3),
            (2, 0.5),
            (5, 0.055),
            (23, 0.9),
            (46, 0.055),
            (63, 0.43),
            (200, 0.02),
            (315, 0.055),
            (60, 0.8),
            (1060, 0.07),
            (TABLE_SIZE - 1, 0.0011),
            (20_000, 0.9),
        ];
        for (i, &(n, p)) in cases.iter().enumerate() {
            let prob = Prob::new(p);
            let (chi, df) = chi_square_of(
                |rng| binomial_at(rng, n, &prob),
                n,
                p,
                200_000,
                700 + i as u64,
            );
            let limit = chi_square_limit(df.max(1) as f64);
            assert!(
                chi < limit,
                "n {n}, p {p}: chi-square {chi:.1} on {df} df > {limit:.1}"
            );
        }
    }

    /// `SmallDraws` (tabled inversion below `SMALL_DRAWS_N`, `binomial_at` above, each
    /// mirrored above a half) against the exact distribution, as above.
    #[test]
    fn small_draws_match_the_exact_distribution() {
        let cases: [(u64, f64); 9] = [
            (1, 0.01),
            (3, 0.2),
            (5, 0.75),
            (12, 0.0004),
            (40, 0.5),
            (63, 0.02),
            (63, 0.97),
            (64, 0.3),
            (900, 0.01),
        ];
        for (i, &(n, p)) in cases.iter().enumerate() {
            let small = SmallDraws::new(p);
            let (chi, df) = chi_square_of(|rng| small.draw(rng, n), n, p, 200_000, 900 + i as u64);
            let limit = chi_square_limit(df.max(1) as f64);
            assert!(
                chi < limit,
                "n {n}, p {p}: chi-square {chi:.1} on {df} df > {limit:.1}"
            );
        }
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        assert_eq!(SmallDraws::new(0.0).draw(&mut rng, 10), 0);
        assert_eq!(SmallDraws::new(1.0).draw(&mut rng, 10), 10);
        assert_eq!(SmallDraws::new(0.3).draw(&mut rng, 0), 0);
    }

    /// The deterministic `exp` against libm's over the range the mode's pmf needs and
    /// beyond: within 4 ulp (relative 2^-50).
    #[test]
    fn exp_is_within_a_few_ulp() {
        let mut x = -708.0;
        while x < 20.0 {
            let (ours, libm) = (exp(x), x.exp());
            assert!(
                ((ours - libm) / libm).abs() <= 4.0 * f64::EPSILON,
                "x {x}: {ours:e} against {libm:e}"
            );
            x += 0.000_731 * (1.0 + x.abs());
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-709.0), 0.0);
    }

    /// Every regime (Bernoulli, inversion from 0 and from the mode, BTRS, and each
    /// mirrored) against the exact distribution. The threshold is the chi-square 99.99th
    /// percentile (Wilson-Hilferty), so a correct sampler fails a case about once in
    /// 10 000.
    #[test]
    fn every_regime_matches_the_exact_distribution() {
        // Bernoulli (n below 64): the first ten, among them a threshold whose top byte
        // is 128 (p = 1/2) and two whose top byte is 0 (every success settled by the
        // 45 further bits of a tie); inversion: means below 16; inversion from the mode:
        // means 16 to 1000 with n below the tables' end; BTRS: the last three.
        let cases: [(u64, f64); 20] = [
            (5, 0.3),
            (23, 0.9),
            (63, 0.5),
            (63, 0.002),
            (9, 0.0039),
            (30, 0.05),
            (200, 0.02),
            (60, 0.8),
            (100, 0.1),
            (50, 0.75),
            (40, 0.25),
            (150, 0.07),
            (40, 0.45),
            (100, 0.5),
            (1000, 0.06),
            (2000, 0.93),
            (TABLE_SIZE - 1, 0.0011),
            (TABLE_SIZE, 0.0011),
            (3000, 0.4),
            (20_000, 0.9),
        ];
        for (i, &(n, p)) in cases.iter().enumerate() {
            let (chi, df) = chi_square(n, p, 200_000, 100 + i as u64);
            let limit = chi_square_limit(df as f64);
            assert!(
                chi < limit,
                "n {n}, p {p}: chi-square {chi:.1} on {df} df > {limit:.1}"
            );
        }
    }

    /// The vector count of the Bernoulli trials' bytes against the byte-at-a-time
    /// definition, for every trial count the sampler takes (and more) and thresholds'
    /// top bytes from 0 to 128 (p = 1/2): the same counts from the same numbers, and
    /// as many numbers drawn.
    #[test]
    fn vector_trial_count_is_the_scalar_one() {
        for n in 0..256u64 {
            for t in [0u8, 1, 2, 7, 31, 64, 100, 127, 128] {
                let mut a = rand_xoshiro::SplitMix64::seed_from_u64(n * 1000 + u64::from(t));
                let mut b = a.clone();
                assert_eq!(
                    below_and_tied(&mut a, n, t),
                    below_and_tied_scalar(&mut b, n, t),
                    "n {n}, t {t}"
                );
                assert_eq!(a.next_u64(), b.next_u64(), "n {n}, t {t}: as many numbers");
            }
        }
    }

    #[test]
    fn stirling_tail_matches_its_definition() {
        let ln_fact = |k: u64| (1..=k).map(|i| (i as f64).ln()).sum::<f64>();
        for k in 0..30u64 {
            let kf = k as f64;
            let want = ln_fact(k) - (kf + 0.5) * (kf + 1.0).ln() + (kf + 1.0)
                - 0.5 * (2.0 * std::f64::consts::PI).ln();
            assert!((stirling_tail(kf) - want).abs() < 1e-9, "k {k}");
        }
    }

    #[test]
    fn edges() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        assert_eq!(binomial(&mut rng, 0, 0.5), 0);
        assert_eq!(binomial(&mut rng, 10, 0.0), 0);
        assert_eq!(binomial(&mut rng, 10, 1.0), 10);
        let big = binomial(&mut rng, 1_000_000_000, 0.5);
        assert!((big as f64 - 5e8).abs() < 6.0 * 15_811.4, "{big}");
    }
}
