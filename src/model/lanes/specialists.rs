//! The specialists' pass of eight region-runs side by side: [`Specialists::step`]'s
//! draws for an age cell of eight region-runs at once, each lane from its own
//! sub-stream, the same numbers in the same order within each event as the step one
//! region-run at a time, so the stocks are the same bits (`model::tests`). Each event
//! has a sub-stream of its own, so the year here may take an event before one the step
//! takes first (returns before leaving) as long as it reads the same stocks; it
//! follows the step's events, and must change with them.
//!
//! Most of a year's age cells hold a handful of people or none, and most draws among
//! them find nobody moving (`SmallDraws`: one uniform against `(1 - p)^n`). Eight
//! region-runs side by side make that one vector of uniforms for eight cells, and a
//! cell that is empty in all eight costs a comparison.

use std::arch::x86_64::*;

use rand::SeedableRng;

use super::{load, load_words, next, substreams, unload, unload_words, Lanes, LANES};
use crate::binomial::{
    binomial, Prob, SmallDraws, BERNOULLI_MAX, FINE_MASK, RECIPROCALS, SMALL_DRAWS_N, UNIT_SCALE,
};
use crate::model::*;
use crate::rng::SplitMix64;

/// A stock by age for eight region-runs: `cells[i][j]` holds lane j's people aged
/// `MIN_AGE + i`.
type AgeLanes = [[f64; LANES]; AGES];

/// Eight region-runs' [`Specialists`], cell by cell.
struct SpecialistLanes {
    initial: AgeWindow,
    joined: AgeWindow,
    outside: AgeWindow,
}

/// Cells an [`AgeWindow`] has below its window when it starts or has just been copied
/// back up: it ages `SLACK` years by moving, and is copied back at the next.
const SLACK: usize = 64;

/// An [`AgeLanes`] that a year's ageing moves down by one cell, instead of moving every
/// cell up (a copy of the whole stock each year, which showed in the profile). Once
/// every `SLACK + 1` years the window is copied back to the top.
struct AgeWindow {
    cells: [[f64; LANES]; AGES + SLACK],
    start: usize,
}

impl AgeWindow {
    fn new() -> Self {
        AgeWindow {
            cells: [[0.0; LANES]; AGES + SLACK],
            start: SLACK,
        }
    }

    fn cells(&self) -> &AgeLanes {
        self.cells[self.start..self.start + AGES]
            .try_into()
            .unwrap()
    }

    fn cells_mut(&mut self) -> &mut AgeLanes {
        (&mut self.cells[self.start..self.start + AGES])
            .try_into()
            .unwrap()
    }

    /// Everyone a year older; nobody is left in the oldest cell.
    fn age(&mut self) {
        if self.start == 0 {
            self.cells.copy_within(..AGES - 1, SLACK + 1);
            self.start = SLACK + 1;
        }
        self.start -= 1;
        self.cells[self.start] = [0.0; LANES];
    }
}

/// Which lanes draw at their probability `p` (clamped to [0, 1]): strictly between 0
/// and 1 (a draw), 1 (everyone, no number drawn), above a half (drawn at `1 - p`,
/// mirrored), as the scalar samplers decide.
struct Regimes {
    drawn: __mmask8,
    certain: __mmask8,
    high: __mmask8,
}

/// A draw's lanes sorted as the scalar samplers sort them.
struct Sorted {
    /// Each lane's count (`n.max(0.0) as i64`), as an integer and as a double.
    counts: __m512i,
    whole: __m512d,
    /// The count where everyone is drawn (probability 1), else 0: the draw so far.
    x: __m512d,
    /// The lanes with somebody to draw at a probability strictly between 0 and 1,
    /// below `small_below` (the vector sampler's) and from it on (one lane at a time).
    small: __mmask8,
    large: __mmask8,
}

impl Regimes {
    /// The lanes of the counts `n`, for a sampler that takes counts below
    /// `small_below`.
    #[target_feature(enable = "avx512f,avx512dq")]
    #[inline]
    fn sort(&self, n: __m512d, small_below: usize) -> Sorted {
        let counts = _mm512_cvttpd_epi64(_mm512_max_pd(n, _mm512_setzero_pd()));
        let whole = _mm512_cvtepi64_pd(counts);
        let someone = _mm512_cmpgt_epi64_mask(counts, _mm512_setzero_si512());
        let drawn = someone & self.drawn;
        let large = drawn & _mm512_cmpge_epi64_mask(counts, _mm512_set1_epi64(small_below as i64));
        Sorted {
            counts,
            whole,
            x: _mm512_maskz_mov_pd(someone & self.certain, whole),
            small: drawn & !large,
            large,
        }
    }

    fn of(probs: [&Prob; LANES]) -> Regimes {
        let lanes = |f: &dyn Fn(f64) -> bool| {
            (0..LANES).fold(0u8, |m, j| m | (u8::from(f(probs[j].p)) << j))
        };
        Regimes {
            drawn: lanes(&|p| p > 0.0 && p < 1.0),
            certain: lanes(&|p| p >= 1.0),
            high: lanes(&|p| p > 0.5),
        }
    }
}

/// A probability per lane, as each lane's [`SmallDraws`] holds it, for vector draws.
struct LaneDraws<'a> {
    draws: [&'a SmallDraws; LANES],
    /// Lane j's `(1 - low)^n` is `none[n << n_shift | lane[j]]`: one table for all
    /// lanes (`n_shift` 0, `lane` 0), or eight interleaved (`n_shift` 3, `lane[j]` j).
    none: &'a [f64],
    n_shift: u32,
    lane: __m512i,
    regimes: Regimes,
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
        // What the gather's safety rests on: every lane's index of a count below
        // SMALL_DRAWS_N is within `none`.
        assert!(none.len() == SMALL_DRAWS_N << n_shift);
        assert!(unload_words(lane).iter().all(|&j| j < 1 << n_shift));
        LaneDraws {
            draws,
            none,
            n_shift,
            lane,
            regimes: Regimes::of(std::array::from_fn(|j| draws[j].prob())),
            r: load(&std::array::from_fn(|j| draws[j].prob().r)),
        }
    }

    /// Each lane's `SmallDraws::draw` of its count in `n` (whole, at least 0), drawing
    /// from its generator state in `state`: the same numbers, the same count.
    #[target_feature(enable = "avx512f,avx512dq")]
    #[inline]
    fn draw(&self, n: __m512d, state: &mut __m512i) -> __m512d {
        let Sorted {
            counts,
            whole,
            mut x,
            small,
            large,
        } = self.regimes.sort(n, SMALL_DRAWS_N);
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
            x = _mm512_mask_mov_pd(x, small, mirrored(k, self.regimes.high, whole));
            alone |= again;
        }
        if alone != 0 {
            // A cell of 64 or more, or a draw to start again.
            let n = unload(whole);
            x = each_alone(alone, x, state, |j, rng| {
                self.draws[j].draw(rng, n[j] as i64 as u64) as i64 as f64
            });
        }
        x
    }
}

/// A probability in each lane at which counts are drawn as `binomial::binomial`
/// draws them (`Noise::count_once`): the completers' qualifying and uptake.
struct LaneTrials {
    /// Each lane's probability, in [0, 1].
    p: [f64; LANES],
    regimes: Regimes,
    /// Each lane's trial threshold (`Prob::threshold`): its top byte in each of the
    /// lane's eight bytes, and its 45 bits below that.
    top: __m512i,
    fine: __m512i,
}

impl LaneTrials {
    #[target_feature(enable = "avx512f")]
    fn new(p: [f64; LANES]) -> Self {
        // `Prob` clamps and takes the low side as `binomial` does.
        let probs = p.map(Prob::new);
        let threshold = probs.map(|p| p.threshold);
        LaneTrials {
            p: probs.map(|p| p.p),
            regimes: Regimes::of(std::array::from_fn(|j| &probs[j])),
            top: load_words(&threshold.map(|t| (t >> 45) * 0x0101_0101_0101_0101)),
            fine: load_words(&threshold.map(|t| t & FINE_MASK)),
        }
    }

    /// Each lane's `Noise::count_once` of its count in `n` (whole, at least 0) from
    /// its generator state in `state`: the same numbers, the same count.
    #[target_feature(enable = "avx512f,avx512dq,avx512bw")]
    #[inline]
    fn count(&self, n: __m512d, state: &mut __m512i) -> __m512d {
        let Sorted {
            counts,
            whole,
            mut x,
            small,
            large,
        } = self.regimes.sort(n, BERNOULLI_MAX as usize);
        if small != 0 {
            let k = _mm512_cvtepi64_pd(bernoulli_trials(small, counts, self.top, self.fine, state));
            x = _mm512_mask_mov_pd(x, small, mirrored(k, self.regimes.high, whole));
        }
        if large != 0 {
            // 64 or more people: each such lane as one region-run at a time draws it.
            let n = unload(whole);
            x = each_alone(large, x, state, |j, rng| {
                binomial(rng, n[j] as i64 as u64, self.p[j]) as i64 as f64
            });
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
        _mm512_set1_pd(1.0 / UNIT_SCALE),
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

/// `n - k` in the lanes of `high`, `k` in the others: `binomial::mirror`.
#[target_feature(enable = "avx512f")]
#[inline]
fn mirrored(k: __m512d, high: __mmask8, n: __m512d) -> __m512d {
    _mm512_mask_sub_pd(k, high, n, k)
}

/// `x` with lane j, for each lane of `alone`, replaced by `draw(j, generator)` from
/// that lane's generator where it is (the state goes on from where the draw left
/// it): the rare draws one region-run at a time makes its own way.
#[cold]
#[inline(never)]
#[target_feature(enable = "avx512f")]
fn each_alone(
    alone: __mmask8,
    x: __m512d,
    state: &mut __m512i,
    mut draw: impl FnMut(usize, &mut SplitMix64) -> f64,
) -> __m512d {
    let (mut states, mut xs) = (unload_words(*state), unload(x));
    for j in (0..LANES).filter(|&j| alone >> j & 1 == 1) {
        let mut rng = SplitMix64::seed_from_u64(states[j]);
        xs[j] = draw(j, &mut rng);
        states[j] = rng.state();
    }
    *state = load_words(&states);
    load(&xs)
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
    inputs: &[RegionInputs<'_>; LANES],
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
    inputs: &[RegionInputs<'_>; LANES],
    keys: &[u64; LANES],
    noises: &mut [Noise; LANES],
    guideline: &Guideline,
    placed: &[Placed; LANES],
    out: &mut [Trajectory<'_>; LANES],
) -> [Option<u32>; LANES] {
    let years = out[0].years;
    let keys = load_words(keys);
    let mut s = SpecialistLanes {
        initial: AgeWindow::new(),
        joined: AgeWindow::new(),
        outside: AgeWindow::new(),
    };
    let starts: [Specialists; LANES] =
        std::array::from_fn(|j| initial_stocks(&inputs[j], &mut noises[j]));
    for (j, start) in starts.iter().enumerate() {
        for (lanes, stock) in [
            (&mut s.initial, &start.initial),
            (&mut s.joined, &start.joined),
            (&mut s.outside, &start.outside),
        ] {
            for (cell, &x) in lanes.cells_mut().iter_mut().zip(stock) {
                cell[j] = x;
            }
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
    // Binomial noise in every lane: recruits are whole people.
    let mut recruits: [Recruits; LANES] =
        std::array::from_fn(|j| Recruits::new(inputs[j].recruits_per_year, true));
    let mut population: [f64; LANES] = std::array::from_fn(|j| inputs[j].population);
    let mut reached = [None; LANES];
    for t in 0..years {
        let mut retired = [0.0; LANES];
        if t > 0 {
            for stock in [&mut s.initial, &mut s.joined, &mut s.outside] {
                stock.age();
            }
            let (initial, joined, outside) = (
                s.initial.cells_mut(),
                s.joined.cells_mut(),
                s.outside.cells_mut(),
            );
            let mut state = substreams(keys, Event::Retirements.substream(t));
            let mut retiring = _mm512_setzero_pd();
            for (k, stock) in [&mut *initial, &mut *joined, &mut *outside]
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
            // Returns are drawn from the stock outside as it stands after retirement,
            // before this year's leavers join it, as in the step. Each event has its
            // own sub-stream, so drawing returns before leaving changes no number.
            let back = ((returns.regimes.drawn | returns.regimes.certain) != 0).then(|| {
                let mut back = [[0.0; LANES]; AGES];
                let mut state = substreams(keys, Event::Returns.substream(t));
                for (cell, x) in outside.iter().zip(back.iter_mut()) {
                    let n = load(cell);
                    if anyone(n) {
                        *x = unload(returns.draw(n, &mut state));
                    }
                }
                back
            });
            // Leaving, drawn cell by cell in the step's order (today's specialists,
            // then those who joined), each cell's leavers moved outside at once where
            // the step keeps them for one later sum, `o + ((l0 + l1) - b)`. The lanes
            // run binomial noise only (`side_by_side`), so every stock and draw is a
            // whole number far below 2^53, and `((o + l0) + l1) - b` is the same bits.
            let mut state = substreams(keys, Event::Attrition.substream(t));
            for stock in [&mut *initial, &mut *joined] {
                for (cell, out) in stock.iter_mut().zip(outside.iter_mut()) {
                    let n = load(cell);
                    if anyone(n) {
                        let x = attrition.draw(n, &mut state);
                        *cell = unload(_mm512_sub_pd(n, x));
                        *out = unload(_mm512_add_pd(load(out), x));
                    }
                }
            }
            if let Some(back) = back {
                for ((b, j), o) in back.iter().zip(joined.iter_mut()).zip(outside.iter_mut()) {
                    let b = load(b);
                    *j = unload(_mm512_add_pd(load(j), b));
                    *o = unload(_mm512_sub_pd(load(o), b));
                }
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
                    joined[c] = unload(_mm512_add_pd(load(&joined[c]), in_primary_care));
                    outside[c] = unload(_mm512_add_pd(load(&outside[c]), elsewhere));
                }
            }
            for (j, inp) in inputs.iter().enumerate() {
                joined[cell_of(inp.ages.recruit_age)][j] += recruits[j].next();
                population[j] *= 1.0 + inp.pop_growth_per_year;
            }
        }
        let (initial_cells, joined_cells) = (s.initial.cells(), s.joined.cells());
        let (initial, joined, outside) = (
            unload(totals(initial_cells)),
            unload(totals(joined_cells)),
            unload(totals(s.outside.cells())),
        );
        for (j, out) in out.iter_mut().enumerate() {
            let heads = Heads::of(initial[j], joined[j], outside[j], &inputs[j]);
            let trainees = out.values[Stock::Trainees as usize * years + t];
            out.record_year(t, &heads, population[j], retired[j]);
            out.record_ages(t, |i| initial_cells[i][j] + joined_cells[i][j]);
            if reached[j].is_none() && covered(guideline, heads.fte, trainees, population[j]) {
                reached[j] = Some(t as u32);
            }
        }
    }
    reached
}

#[cfg(test)]
mod tests {
    use rand::{Rng, RngCore};

    use super::*;

    /// Ageing the window is ageing the stock as the step does (`copy_within`, a new
    /// empty cell 0), every cell of every lane, across three copies back up.
    #[test]
    fn an_age_window_ages_as_the_stock_does() {
        let mut window = AgeWindow::new();
        let mut stock: AgeLanes =
            std::array::from_fn(|i| std::array::from_fn(|j| (i * 8 + j + 1) as f64));
        *window.cells_mut() = stock;
        for year in 1..=3 * (SLACK + 1) + 5 {
            window.age();
            stock.copy_within(..AGES - 1, 1);
            stock[0] = [0.0; LANES];
            // What the year puts in: every cell of the window written.
            for (i, cell) in window.cells_mut().iter_mut().enumerate() {
                for (j, x) in cell.iter_mut().enumerate() {
                    *x += (year * 1000 + i * 8 + j) as f64;
                }
            }
            for (i, cell) in stock.iter_mut().enumerate() {
                for (j, x) in cell.iter_mut().enumerate() {
                    *x += (year * 1000 + i * 8 + j) as f64;
                }
            }
            assert_eq!(window.cells(), &stock, "year {year}");
        }
    }

    /// SplitMix64's state whose next number is `z`: its output function undone (each
    /// xor-shift by repeating it, each product by the inverse of its odd factor).
    fn state_before(z: u64) -> u64 {
        let inverse = |c: u64| {
            let mut x = c;
            for _ in 0..6 {
                x = x.wrapping_mul(2u64.wrapping_sub(c.wrapping_mul(x)));
            }
            x
        };
        let unshift = |mut y: u64, s: u32| {
            let mut k = s;
            let x = y;
            while k < 64 {
                y ^= x >> k;
                k += s;
            }
            y
        };
        let mut y = unshift(z, 31);
        y = y.wrapping_mul(inverse(0x94D0_49BB_1331_11EB));
        y = unshift(y, 27);
        y = y.wrapping_mul(inverse(0xBF58_476D_1CE4_E5B9));
        y = unshift(y, 30);
        y.wrapping_sub(0x9E37_79B9_7F4A_7C15)
    }

    /// Whether inversion from 0 at (n, p) leaves the largest uniform, 1 - 2^-53, over
    /// past n (the draw starts again): the scalar walk's arithmetic.
    fn largest_uniform_starts_again(n: u64, p: f64) -> bool {
        let d = SmallDraws::new(p);
        let r = d.prob().r;
        let a = (n + 1) as f64 * r;
        let (mut u, mut f) = (1.0 - 1.0 / UNIT_SCALE, d.none()[n as usize]);
        for k in 1..=n + 1 {
            if u < f {
                return false;
            }
            u -= f;
            if k > n {
                return true;
            }
            f *= a * RECIPROCALS[k as usize] - r;
        }
        unreachable!()
    }

    /// Eight lanes' draws from `states` against each lane alone: `SmallDraws::draw`
    /// for [`LaneDraws`] (each lane's table, and one shared), `binomial` for
    /// [`LaneTrials`]; the same counts and the same generator states after.
    #[target_feature(enable = "avx512f,avx512dq,avx512bw")]
    fn check(ps: [f64; LANES], ns: [f64; LANES], states: [u64; LANES], what: &str) {
        let draws = ps.map(SmallDraws::new);
        let mut table = [0.0; SMALL_DRAWS_N * LANES];
        let each = LaneDraws::each(std::array::from_fn(|j| &draws[j]), &mut table);
        let shared = LaneDraws::shared(&draws[0]);
        let trials = LaneTrials::new(ps);
        for (kind, lanes) in [("each", &each), ("shared", &shared)] {
            let mut state = load_words(&states);
            let got = unload(lanes.draw(load(&ns), &mut state));
            let after = unload_words(state);
            for j in 0..LANES {
                let d = if kind == "each" { &draws[j] } else { &draws[0] };
                let mut rng = SplitMix64::seed_from_u64(states[j]);
                let want = d.draw(&mut rng, ns[j] as u64) as f64;
                let case = format!("{what}, {kind}, lane {j}: n {}, p {}", ns[j], d.prob().p);
                assert_eq!(got[j].to_bits(), want.to_bits(), "{case}");
                assert_eq!(after[j], rng.state(), "{case}");
            }
        }
        let mut state = load_words(&states);
        let got = unload(trials.count(load(&ns), &mut state));
        let after = unload_words(state);
        for j in 0..LANES {
            let mut rng = SplitMix64::seed_from_u64(states[j]);
            let want = binomial(&mut rng, ns[j] as u64, ps[j]) as f64;
            let case = format!("{what}, trials, lane {j}: n {}, p {}", ns[j], ps[j]);
            assert_eq!(got[j].to_bits(), want.to_bits(), "{case}");
            assert_eq!(after[j], rng.state(), "{case}");
        }
    }

    /// Random lanes: every count from 0 to 70 (each partial last word of the
    /// Bernoulli trials, cells past `SMALL_DRAWS_N` and `BERNOULLI_MAX`), probabilities
    /// 0, tiny, near and at a half, above it (mirrored), 1 and NaN (0); and a draw
    /// that starts again, its lane's state made so that its first uniform is the
    /// largest there is.
    #[test]
    #[cfg_attr(not(fastlakare_avx512), ignore = "this processor has no AVX-512")]
    fn lane_draws_are_each_lane_alone() {
        Lanes::cpu().expect("built where the processor has AVX-512");
        let probs = [
            0.0,
            1e-4,
            0.012,
            0.3,
            0.5,
            0.500_000_1,
            0.7,
            0.97,
            1.0,
            f64::NAN,
        ];
        let mut gen = SplitMix64::seed_from_u64(21);
        for trial in 0..3_000 {
            let ps = std::array::from_fn(|_| probs[gen.random_range(0..probs.len())]);
            let ns = std::array::from_fn(|_| f64::from(gen.random_range(0..=70u32)));
            let states = std::array::from_fn(|_| gen.next_u64());
            #[allow(unsafe_code)]
            // SAFETY: `Lanes::cpu` found AVX-512 F, DQ and BW.
            unsafe {
                check(ps, ns, states, &format!("trial {trial}"))
            };
        }
        let mut again = Vec::new();
        for n in 1..SMALL_DRAWS_N as u64 {
            for i in 1..200 {
                let p = f64::from(i) * 0.0049;
                if largest_uniform_starts_again(n, p) {
                    again.push((n, p));
                }
            }
        }
        assert!(again.len() > 10, "{} cases start again", again.len());
        let largest = state_before(u64::MAX);
        let mut rng = SplitMix64::seed_from_u64(largest);
        assert_eq!(rng.next_u64(), u64::MAX);
        for (k, &(n, p)) in again.iter().enumerate().step_by(again.len() / 10) {
            let mut ps: [f64; LANES] = std::array::from_fn(|_| probs[gen.random_range(0..4)]);
            let mut ns: [f64; LANES] =
                std::array::from_fn(|_| f64::from(gen.random_range(0..=9u32)));
            let mut states: [u64; LANES] = std::array::from_fn(|_| gen.next_u64());
            let j = k % LANES;
            (ps[j], ns[j], states[j]) = (p, n as f64, largest);
            if j == 0 {
                // The shared table is lane 0's: every lane at (n, p) starts again.
                ps = [p; LANES];
                ns = [n as f64; LANES];
                states = [largest; LANES];
            }
            #[allow(unsafe_code)]
            // SAFETY: as above.
            unsafe {
                check(ps, ns, states, &format!("starting again at n {n}, p {p}"))
            };
        }
    }
}
