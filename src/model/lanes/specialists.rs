//! The specialists' pass of eight region-runs side by side: [`Specialists::step`]'s
//! draws for an age cell of eight region-runs at once, each lane from its own
//! sub-stream, the same numbers in the same order as the step one region-run at a
//! time, so the stocks are the same bits (`model::tests`).
//!
//! Most of a year's age cells hold a handful of people or none, and most draws among
//! them find nobody moving (`SmallDraws`: one uniform against `(1 - p)^n`). Eight
//! region-runs side by side make that one vector of uniforms for eight cells, and a
//! cell that is empty in all eight costs a comparison.

use std::arch::x86_64::*;

use rand::SeedableRng;

use super::{load, next, substreams, unload, Lanes, LANES};
use crate::binomial::{
    binomial, trial_threshold, SmallDraws, BERNOULLI_MAX, FINE_MASK, RECIPROCALS, SMALL_DRAWS_N,
};
use crate::model::*;
use crate::rng::SplitMix64;

/// A stock by age for eight region-runs: `cells[i][j]` holds lane j's people aged
/// `MIN_AGE + i`.
type AgeLanes = [[f64; LANES]; AGES];

/// Eight region-runs' [`Specialists`], cell by cell.
struct SpecialistLanes {
    initial: AgeLanes,
    joined: AgeLanes,
    outside: AgeLanes,
}

/// A probability per lane, as each lane's [`SmallDraws`] holds it, for vector draws.
struct LaneDraws<'a> {
    draws: [&'a SmallDraws; LANES],
    /// Lane j's `(1 - low)^n` is `none[n << n_shift | lane[j]]`: one table for all
    /// lanes (`n_shift` 0, `lane` 0), or eight interleaved (`n_shift` 3, `lane[j]` j).
    none: &'a [f64],
    n_shift: u32,
    lane: __m512i,
    /// The lanes whose probability is strictly between 0 and 1 (a draw), is 1
    /// (everyone), and is above a half (drawn at `1 - p`, mirrored).
    drawn: __mmask8,
    certain: __mmask8,
    high: __mmask8,
    /// `low / (1 - low)` in each lane.
    r: __m512d,
}

impl<'a> LaneDraws<'a> {
    /// The same probability in every lane (the retirement hazard of an age).
    #[target_feature(enable = "avx512f")]
    fn shared(draws: &'a SmallDraws) -> Self {
        Self::new([draws; LANES], draws.none(), 0, _mm512_setzero_si512())
    }

    /// Each lane's own (attrition, returns), their tables interleaved into `table`.
    #[target_feature(enable = "avx512f")]
    fn each(draws: [&'a SmallDraws; LANES], table: &'a mut [f64; SMALL_DRAWS_N * LANES]) -> Self {
        for (n, row) in table.chunks_exact_mut(LANES).enumerate() {
            for (x, d) in row.iter_mut().zip(&draws) {
                *x = d.none()[n];
            }
        }
        let lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
        Self::new(draws, &table[..], 3, lane)
    }

    #[target_feature(enable = "avx512f")]
    fn new(draws: [&'a SmallDraws; LANES], none: &'a [f64], n_shift: u32, lane: __m512i) -> Self {
        let mask = |f: &dyn Fn(&SmallDraws) -> bool| {
            (0..LANES).fold(0u8, |m, j| m | (u8::from(f(draws[j])) << j))
        };
        LaneDraws {
            draws,
            none,
            n_shift,
            lane,
            drawn: mask(&|d| d.prob().p > 0.0 && d.prob().p < 1.0),
            certain: mask(&|d| d.prob().p >= 1.0),
            high: mask(&|d| d.prob().p > 0.5),
            r: load(&std::array::from_fn(|j| draws[j].prob().r)),
        }
    }

    /// Each lane's `SmallDraws::draw` of its count in `n` (whole, at least 0), drawing
    /// from its generator state in `state`: the same numbers, the same count.
    #[target_feature(enable = "avx512f,avx512dq")]
    #[inline]
    fn draw(&self, n: __m512d, state: &mut __m512i) -> __m512d {
        let counts = _mm512_cvttpd_epi64(n);
        let whole = _mm512_cvtepi64_pd(counts);
        let someone = _mm512_cmpgt_epi64_mask(counts, _mm512_setzero_si512());
        let mut x = _mm512_maskz_mov_pd(someone & self.certain, whole);
        let drawn = someone & self.drawn;
        let large =
            drawn & _mm512_cmpge_epi64_mask(counts, _mm512_set1_epi64(SMALL_DRAWS_N as i64));
        let small = drawn & !large;
        let mut alone = large;
        if small != 0 {
            let index = _mm512_or_si512(
                _mm512_sll_epi64(counts, _mm_cvtsi32_si128(self.n_shift as i32)),
                self.lane,
            );
            #[allow(unsafe_code)]
            // SAFETY: a lane of `small` has 0 < n < SMALL_DRAWS_N, so its index is
            // within the table (`SMALL_DRAWS_N << n_shift` entries).
            let f0 = unsafe {
                _mm512_mask_i64gather_pd::<8>(_mm512_set1_pd(1.0), small, index, self.none.as_ptr())
            };
            let (k, again) = inversion_from(small, whole, self.r, f0, state);
            x = _mm512_mask_mov_pd(x, small, _mm512_mask_sub_pd(k, self.high, whole, k));
            alone |= again;
        }
        if alone != 0 {
            x = self.draw_alone(alone, whole, x, state);
        }
        x
    }

    /// [`Self::draw`] for the lanes of `alone` (a cell of 64 or more, or a draw to
    /// start again), each as one region-run at a time draws it, from where its
    /// generator is; the other lanes' counts as in `x`.
    #[cold]
    #[inline(never)]
    #[target_feature(enable = "avx512f,avx512dq")]
    fn draw_alone(&self, alone: __mmask8, n: __m512d, x: __m512d, state: &mut __m512i) -> __m512d {
        let (mut states, mut xs, ns) = (unload_words(*state), unload(x), unload(n));
        for j in (0..LANES).filter(|&j| alone >> j & 1 == 1) {
            let mut rng = SplitMix64::seed_from_u64(states[j]);
            xs[j] = self.draws[j].draw(&mut rng, ns[j] as i64 as u64) as i64 as f64;
            states[j] = rng.state();
        }
        *state = super::load_words(&states);
        load(&xs)
    }
}

/// A probability in each lane at which counts are drawn as `binomial::binomial`
/// draws them (`Noise::count_once`): the completers' qualifying and uptake.
struct LaneTrials {
    /// Each lane's probability, in [0, 1].
    p: [f64; LANES],
    /// As [`LaneDraws`]'s.
    drawn: __mmask8,
    certain: __mmask8,
    high: __mmask8,
    /// Each lane's trial threshold (`binomial::trial_threshold` at the low
    /// probability): its top byte in each of the lane's eight bytes, and its 45 bits
    /// below that.
    top: __m512i,
    fine: __m512i,
}

impl LaneTrials {
    #[target_feature(enable = "avx512f")]
    fn new(p: [f64; LANES]) -> Self {
        let p = p.map(|p| if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) });
        let mask =
            |f: &dyn Fn(f64) -> bool| (0..LANES).fold(0u8, |m, j| m | (u8::from(f(p[j])) << j));
        let threshold = p.map(|p| trial_threshold(p.min(1.0 - p)));
        LaneTrials {
            p,
            drawn: mask(&|p| p > 0.0 && p < 1.0),
            certain: mask(&|p| p >= 1.0),
            high: mask(&|p| p > 0.5),
            top: super::load_words(&threshold.map(|t| (t >> 45) * 0x0101_0101_0101_0101)),
            fine: super::load_words(&threshold.map(|t| t & FINE_MASK)),
        }
    }

    /// Each lane's `Noise::count_once` of its count in `n` (whole, at least 0) from
    /// its generator state in `state`: the same numbers, the same count.
    #[target_feature(enable = "avx512f,avx512dq,avx512bw")]
    #[inline]
    fn count(&self, n: __m512d, state: &mut __m512i) -> __m512d {
        let counts = _mm512_cvttpd_epi64(_mm512_max_pd(n, _mm512_setzero_pd()));
        let whole = _mm512_cvtepi64_pd(counts);
        let someone = _mm512_cmpgt_epi64_mask(counts, _mm512_setzero_si512());
        let mut x = _mm512_maskz_mov_pd(someone & self.certain, whole);
        let drawn = someone & self.drawn;
        let large =
            drawn & _mm512_cmpge_epi64_mask(counts, _mm512_set1_epi64(BERNOULLI_MAX as i64));
        let small = drawn & !large;
        if small != 0 {
            let k = _mm512_cvtepi64_pd(bernoulli_trials(small, counts, self.top, self.fine, state));
            x = _mm512_mask_mov_pd(x, small, _mm512_mask_sub_pd(k, self.high, whole, k));
        }
        if large != 0 {
            // 64 or more people: each such lane as one region-run at a time draws it.
            let (mut states, mut xs, ns) = (unload_words(*state), unload(x), unload(whole));
            for j in (0..LANES).filter(|&j| large >> j & 1 == 1) {
                let mut rng = SplitMix64::seed_from_u64(states[j]);
                xs[j] = binomial(&mut rng, ns[j] as i64 as u64, self.p[j]) as i64 as f64;
                states[j] = rng.state();
            }
            *state = super::load_words(&states);
            x = load(&xs);
        }
        x
    }
}

/// `binomial::bernoulli_trials` in the lanes of `live`, `n[j]` trials each (below
/// 256): eight trials a 64-bit number, a trial's byte below the lane's `top` byte a
/// success, equal to it a tie decided by one more number against `fine`. The same
/// numbers in the same order, so the same count.
#[target_feature(enable = "avx512f,avx512dq,avx512bw")]
#[inline]
fn bernoulli_trials(
    live: __mmask8,
    n: __m512i,
    top: __m512i,
    fine: __m512i,
    state: &mut __m512i,
) -> __m512i {
    let (zero, one, eight) = (
        _mm512_setzero_si512(),
        _mm512_set1_epi64(1),
        _mm512_set1_epi64(8),
    );
    // Byte b of each lane's number is its trial b; a lane's count of trials this
    // number (its byte 0) is spread over its eight bytes by a shuffle.
    let byte_index = _mm512_set1_epi64(0x0706_0504_0302_0100);
    let spread = _mm512_set_epi64(
        0x0808_0808_0808_0808,
        0,
        0x0808_0808_0808_0808,
        0,
        0x0808_0808_0808_0808,
        0,
        0x0808_0808_0808_0808,
        0,
    );
    let (mut left, mut below, mut tied) = (n, zero, zero);
    loop {
        let now = live & _mm512_cmpgt_epi64_mask(left, zero);
        if now == 0 {
            break;
        }
        let z = next(state, now);
        let used = _mm512_maskz_min_epi64(now, left, eight);
        let valid = _mm512_cmplt_epu8_mask(byte_index, _mm512_shuffle_epi8(used, spread));
        let b = _mm512_mask_cmplt_epu8_mask(valid, z, top);
        let e = _mm512_mask_cmpeq_epi8_mask(valid, z, top);
        below = _mm512_add_epi64(below, _mm512_sad_epu8(_mm512_maskz_set1_epi8(b, 1), zero));
        tied = _mm512_add_epi64(tied, _mm512_sad_epu8(_mm512_maskz_set1_epi8(e, 1), zero));
        left = _mm512_sub_epi64(left, eight);
    }
    let mut successes = below;
    loop {
        let now = live & _mm512_cmpgt_epi64_mask(tied, zero);
        if now == 0 {
            return successes;
        }
        let z = next(state, now);
        let hit = _mm512_mask_cmplt_epu64_mask(now, _mm512_srli_epi64::<19>(z), fine);
        successes = _mm512_mask_add_epi64(successes, hit, successes, one);
        tied = _mm512_mask_sub_epi64(tied, now, tied, one);
    }
}

/// `binomial::inversion_from` in the lanes of `live`: a uniform, then the pmf from 0
/// (`f0`) on until the uniform is spent; the same operations in the same order, so
/// the same counts. All lanes still walking have walked as far, so the step's `1 / k`
/// is one number. Returns the counts and the lanes where rounding left some of the
/// uniform over past `n`, whose draw starts again (at most once in many billions).
#[target_feature(enable = "avx512f,avx512dq")]
#[inline]
fn inversion_from(
    live: __mmask8,
    n: __m512d,
    r: __m512d,
    f0: __m512d,
    state: &mut __m512i,
) -> (__m512d, __mmask8) {
    let a = _mm512_mul_pd(_mm512_add_pd(n, _mm512_set1_pd(1.0)), r);
    let z = next(state, live);
    let mut u = _mm512_mul_pd(
        _mm512_cvtepu64_pd(_mm512_srli_epi64::<11>(z)),
        _mm512_set1_pd(1.0 / 9_007_199_254_740_992.0),
    );
    let mut f = f0;
    let mut x = _mm512_setzero_pd();
    let (mut pending, mut again) = (live, 0);
    let mut k = 0;
    loop {
        let hit = _mm512_mask_cmplt_pd_mask(pending, u, f);
        x = _mm512_mask_mov_pd(x, hit, _mm512_set1_pd(k as f64));
        pending &= !hit;
        if pending == 0 {
            return (x, again);
        }
        u = _mm512_mask_sub_pd(u, pending, u, f);
        k += 1;
        let over = _mm512_mask_cmp_pd_mask::<_CMP_GT_OQ>(pending, _mm512_set1_pd(k as f64), n);
        if over != 0 {
            again |= over;
            pending &= !over;
            if pending == 0 {
                return (x, again);
            }
        }
        let step = _mm512_sub_pd(_mm512_mul_pd(a, _mm512_set1_pd(RECIPROCALS[k])), r);
        f = _mm512_mask_mul_pd(f, pending, f, step);
    }
}

/// Whether any lane holds somebody.
#[target_feature(enable = "avx512f")]
#[inline]
fn anyone(n: __m512d) -> bool {
    _mm512_cmplt_pd_mask(_mm512_setzero_pd(), n) != 0
}

/// A vector's eight words, `a[i]` from lane i.
#[target_feature(enable = "avx512f")]
#[inline]
fn unload_words(v: __m512i) -> [u64; LANES] {
    let mut a = [0u64; LANES];
    #[allow(unsafe_code)]
    // SAFETY: `a` is 64 bytes, what an unaligned 512-bit store writes.
    unsafe {
        _mm512_storeu_si512(a.as_mut_ptr().cast(), v)
    };
    a
}

/// The stock summed as [`total`] sums it, in each lane.
#[target_feature(enable = "avx512f")]
#[inline]
fn totals(stock: &AgeLanes) -> __m512d {
    let mut parts = [_mm512_setzero_pd(); 8];
    for (i, cell) in stock.iter().enumerate() {
        parts[i % 8] = _mm512_add_pd(parts[i % 8], load(cell));
    }
    let low = _mm512_add_pd(
        _mm512_add_pd(parts[0], parts[4]),
        _mm512_add_pd(parts[2], parts[6]),
    );
    let high = _mm512_add_pd(
        _mm512_add_pd(parts[1], parts[5]),
        _mm512_add_pd(parts[3], parts[7]),
    );
    _mm512_add_pd(low, high)
}

/// Whether each lane of these eight region-runs can run side by side here: binomial
/// noise in every lane (`keys`) and one retirement-age distribution for all.
pub(in crate::model) fn side_by_side(
    inputs: &[RegionInputs<'_>],
    keys: &[Option<u64>; LANES],
) -> Option<[u64; LANES]> {
    let retirement = &inputs[0].ages.retirement;
    let same = inputs
        .iter()
        .all(|inp| inp.ages.retirement.same_as(retirement));
    (same && keys.iter().all(Option::is_some))
        .then(|| std::array::from_fn(|j| keys[j].unwrap_or(0)))
}

/// [`specialists_pass`] for eight region-runs of one region-scenario whose noise keys
/// are `keys` and which share a retirement-age distribution ([`side_by_side`]): the
/// age cells' draws and the completers' uptake side by side, recruits and population
/// lane by lane.
#[target_feature(enable = "avx512f,avx512dq,avx512bw")]
pub(in crate::model) fn specialists_lanes(
    _lanes: Lanes,
    inputs: &[RegionInputs<'_>],
    keys: &[u64; LANES],
    noises: &mut [Noise; LANES],
    guideline: &Guideline,
    placed: &[Placed; LANES],
    out: &mut [Trajectory<'_>; LANES],
) -> [Option<u32>; LANES] {
    let years = out[0].years;
    let keys = super::load_words(keys);
    let mut s = SpecialistLanes {
        initial: [[0.0; LANES]; AGES],
        joined: [[0.0; LANES]; AGES],
        outside: [[0.0; LANES]; AGES],
    };
    let starts: [Specialists; LANES] =
        std::array::from_fn(|j| initial_stocks(&inputs[j], &mut noises[j]));
    for (j, start) in starts.iter().enumerate() {
        for i in 0..AGES {
            s.initial[i][j] = start.initial[i];
            s.joined[i][j] = start.joined[i];
            s.outside[i][j] = start.outside[i];
        }
    }
    let (mut attrition_table, mut returns_table) =
        ([0.0; SMALL_DRAWS_N * LANES], [0.0; SMALL_DRAWS_N * LANES]);
    let attrition = LaneDraws::each(
        std::array::from_fn(|j| &starts[j].attrition),
        &mut attrition_table,
    );
    let returns = LaneDraws::each(
        std::array::from_fn(|j| &starts[j].returns),
        &mut returns_table,
    );
    let retirement = &inputs[0].ages.retirement;
    let first_retiring = retirement.first_retiring_cell();
    let hazards: [LaneDraws<'_>; AGES] = std::array::from_fn(|a| {
        // Cells below the first retiring one are never drawn from.
        LaneDraws::shared(retirement.draws(a.max(first_retiring)))
    });
    let qualifying = LaneTrials::new(std::array::from_fn(|j| 1.0 - inputs[j].dropout_share));
    let uptake = LaneTrials::new(std::array::from_fn(|j| inputs[j].primary_care_uptake));
    let completion: [CompletionCells; LANES] =
        std::array::from_fn(|j| CompletionCells::new(&inputs[j]));
    let mut recruits: [Recruits; LANES] =
        std::array::from_fn(|j| Recruits::new(inputs[j].recruits_per_year, true));
    let mut population: [f64; LANES] = std::array::from_fn(|j| inputs[j].population);
    let mut reached = [None; LANES];
    for t in 0..years {
        let mut retired = [0.0; LANES];
        if t > 0 {
            // Everyone a year older; nobody is left in the oldest cell.
            for stock in [&mut s.initial, &mut s.joined, &mut s.outside] {
                stock.copy_within(..AGES - 1, 1);
                stock[0] = [0.0; LANES];
            }
            let mut state = substreams(keys, Event::Retirements.substream(t));
            let mut retiring = _mm512_setzero_pd();
            for (k, stock) in [&mut s.initial, &mut s.joined, &mut s.outside]
                .into_iter()
                .enumerate()
            {
                for (cell, hazard) in stock.iter_mut().zip(&hazards).skip(first_retiring) {
                    let n = load(cell);
                    if anyone(n) {
                        let r = hazard.draw(n, &mut state);
                        *cell = unload(_mm512_sub_pd(n, r));
                        if k < 2 {
                            retiring = _mm512_add_pd(retiring, r);
                        }
                    }
                }
            }
            retired = unload(retiring);
            let mut leaving = [[[0.0; LANES]; AGES]; 2];
            let mut state = substreams(keys, Event::Attrition.substream(t));
            for (stock, out) in [&s.initial, &s.joined].into_iter().zip(&mut leaving) {
                for (cell, x) in stock.iter().zip(out.iter_mut()) {
                    let n = load(cell);
                    if anyone(n) {
                        *x = unload(attrition.draw(n, &mut state));
                    }
                }
            }
            let mut back = [[0.0; LANES]; AGES];
            if returns.drawn | returns.certain != 0 {
                let mut state = substreams(keys, Event::Returns.substream(t));
                for (cell, x) in s.outside.iter().zip(back.iter_mut()) {
                    let n = load(cell);
                    if anyone(n) {
                        *x = unload(returns.draw(n, &mut state));
                    }
                }
            }
            for i in 0..AGES {
                let (l0, l1, b) = (load(&leaving[0][i]), load(&leaving[1][i]), load(&back[i]));
                s.initial[i] = unload(_mm512_sub_pd(load(&s.initial[i]), l0));
                let joined = _mm512_sub_pd(load(&s.joined[i]), l1);
                s.joined[i] = unload(_mm512_add_pd(joined, b));
                let moved = _mm512_sub_pd(_mm512_add_pd(l0, l1), b);
                s.outside[i] = unload(_mm512_add_pd(load(&s.outside[i]), moved));
            }
            let mut completers = [[0.0; LANES]; AGES];
            for (j, (cells, inp)) in completion.iter().zip(inputs).enumerate() {
                cells.add_completers(inp, &placed[j], t, |c, x| completers[c][j] += x);
            }
            let mut state = substreams(keys, Event::Uptake.substream(t));
            for (c, n) in completers.iter().enumerate() {
                let n = load(n);
                if anyone(n) {
                    let specialists = qualifying.count(n, &mut state);
                    let in_primary_care = uptake.count(specialists, &mut state);
                    let elsewhere = _mm512_sub_pd(specialists, in_primary_care);
                    s.joined[c] = unload(_mm512_add_pd(load(&s.joined[c]), in_primary_care));
                    s.outside[c] = unload(_mm512_add_pd(load(&s.outside[c]), elsewhere));
                }
            }
            for (j, inp) in inputs.iter().enumerate() {
                s.joined[cell_of(inp.ages.recruit_age)][j] += recruits[j].next();
                population[j] *= 1.0 + inp.pop_growth_per_year;
            }
        }
        let (initial, joined, outside) = (
            unload(totals(&s.initial)),
            unload(totals(&s.joined)),
            unload(totals(&s.outside)),
        );
        for (j, out) in out.iter_mut().enumerate() {
            let heads = Heads::of(initial[j], joined[j], outside[j], &inputs[j]);
            let trainees = out.values[Stock::Trainees as usize * years + t];
            out.record_year(t, &heads, population[j], retired[j]);
            out.record_ages(t, |i| s.initial[i][j] + s.joined[i][j]);
            if reached[j].is_none() && covered(guideline, heads.fte, trainees, population[j]) {
                reached[j] = Some(t as u32);
            }
        }
    }
    reached
}
