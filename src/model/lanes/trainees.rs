//! The first pass of eight region-runs side by side, a region-run a lane (AVX-512).

use std::arch::x86_64::*;

use super::{load, unload, Lanes, LANES};
use crate::model::lanes;
use crate::model::*;

/// A packed split's boundaries (at most seven).
const B: usize = PACKED_CATEGORIES - 1;

/// The first pass of [`run_region`] ([`trainee_years`]) for eight region-runs of binomial
/// noise with `keys`, side by side (`values` as in [`run_regions`]); false, with
/// nothing the one-at-a-time pass would not overwrite, where a lane's split is not
/// packed, the lanes' shortest durations differ, or some year's intake is
/// [`PACKED_COUNT`] or more.
///
/// Lane by lane it draws and counts what [`Split::place_packed`] draws and counts for
/// its region-run: each lane's people eight to a number from its own sub-stream, a
/// vector of eight numbers (64 people, 8 a lane) at a time, counted per boundary and
/// open slice in byte counters; then the people of open slices, one number each. The
/// cohorts due in the next eight years are eight vectors (a lane each) that each year's
/// counts are added to; the year they are due, the first is written out.
#[target_feature(enable = "avx512f,avx512dq,avx512bw")]
pub(in crate::model) fn trainee_lanes(
    _lanes: Lanes,
    inputs: &[RegionInputs<'_>],
    keys: &[u64; LANES],
    noises: &mut [Noise; LANES],
    values: &mut [f64],
    years: usize,
    placed: &mut [Placed; LANES],
) -> bool {
    let stride = STOCKS * years;
    let (completions_at, trainees_at) = (years, 2 * years);
    let first = inputs[0].duration.min_years as usize;
    if inputs
        .iter()
        .any(|inp| inp.duration.min_years as usize != first)
    {
        return false;
    }
    let splits: [Split<'_>; LANES] =
        std::array::from_fn(|j| Split::new(&inputs[j].duration.probs, true));
    if !splits.iter().all(|s| s.packed) {
        return false;
    }
    // Every year's intake first (it depends on no draw), kept in the trainees row
    // until the year's stock replaces it.
    if !admit_lanes(inputs, noises, values, years) {
        return false;
    }
    let in_post: [f64; LANES] = std::array::from_fn(|j| {
        let x = &mut values[j * stride..(j + 1) * stride];
        let (_, rest) = x.split_at_mut(years);
        let (completions, rest) = rest.split_at_mut(years);
        let trainees0 =
            initial_trainees(&inputs[j], &mut noises[j], completions, &mut rest[..years]);
        placed[j].initial.copy_from_slice(completions);
        trainees0
    });
    let table = LaneSplits::new(&splits);
    let key_v = lanes::load_words(keys);
    let at = |values: &[f64], row: usize, t: usize| {
        if t < years {
            load(&std::array::from_fn(|j| values[j * stride + row + t]))
        } else {
            _mm512_setzero_pd()
        }
    };
    // window[k]: the completions due in year t + first + k so far.
    let mut window: [__m512d; PACKED_CATEGORIES] =
        std::array::from_fn(|k| at(values, completions_at, 1 + first + k));
    let mut in_post = load(&in_post);
    for t in 1..years {
        let intake = at(values, trainees_at, t);
        let n = _mm512_cvttpd_epi64(intake);
        let mut state = lanes::substreams(key_v, Event::Intake.substream(t));
        let (below, in_open) = table.count(n, &mut state);
        let people = table.place(n, &below, &in_open, &mut state);
        for (i, &c) in people.iter().enumerate() {
            for (p, &x) in placed.iter_mut().zip(&unload(_mm512_cvtepi64_pd(c))) {
                if i < p.categories {
                    p.by_category[t * p.categories + i] = x;
                }
            }
        }
        // Every category's people added once, whole numbers below 2^53, so the sum is
        // what adding them one by one gives.
        for (w, &c) in window.iter_mut().zip(&people) {
            *w = _mm512_add_pd(*w, _mm512_cvtepi64_pd(c));
        }
        // Year t + first's completions are all in: written out, and the window moves on.
        let due = t + first;
        if due < years {
            let done = unload(window[0]);
            for (j, &d) in done.iter().enumerate() {
                values[j * stride + completions_at + due] = d;
            }
        }
        window.rotate_left(1);
        window[B] = at(values, completions_at, due + PACKED_CATEGORIES);
        in_post = _mm512_add_pd(
            _mm512_sub_pd(in_post, at(values, completions_at, t)),
            intake,
        );
        for (j, &x) in unload(in_post).iter().enumerate() {
            values[j * stride + trainees_at + t] = x;
        }
    }
    true
}

/// Eight region-runs' packed splits, a lane each: each lane's bytes repeated over the
/// lane's eight.
struct LaneSplits {
    top_bytes: [__m512i; B],
    open_slices: [__m512i; B],
    thresholds: [__m512i; B],
    /// Each lane's open slices' bytes, packed into its word.
    open_packed: __m512i,
    /// The lanes whose boundary k everyone is below.
    all_below: [__mmask8; B],
    /// The lanes with an open slice g.
    open_live: [__mmask8; B],
    /// `open_below_is[k][g]`: the lanes whose boundary k has g open slices below it.
    open_below_is: [[__mmask8; PACKED_CATEGORIES]; B],
}

impl LaneSplits {
    #[target_feature(enable = "avx512f,avx512dq,avx512bw")]
    #[inline]
    fn new(splits: &[Split<'_>; LANES]) -> Self {
        let words = |f: &dyn Fn(&Split<'_>) -> u64| {
            lanes::load_words(&std::array::from_fn(|j| f(&splits[j])))
        };
        let bytes =
            |f: &dyn Fn(&Split<'_>) -> u8| words(&|s| u64::from(f(s)) * 0x0101_0101_0101_0101);
        let lanes_where = |f: &dyn Fn(&Split<'_>) -> bool| {
            (0..LANES).fold(0u8, |m, j| m | (u8::from(f(&splits[j])) << j))
        };
        LaneSplits {
            top_bytes: std::array::from_fn(|k| bytes(&|s| s.top_bytes[k])),
            open_slices: std::array::from_fn(|g| bytes(&|s| s.open[g])),
            thresholds: std::array::from_fn(|k| words(&|s| s.thresholds[k])),
            open_packed: words(&|s| {
                s.open
                    .iter()
                    .enumerate()
                    .fold(0, |w, (g, &b)| w | u64::from(b) << (8 * g))
            }),
            all_below: std::array::from_fn(|k| lanes_where(&|s| s.all_below & (1 << k) != 0)),
            open_live: std::array::from_fn(|g| lanes_where(&|s| g < s.open_len)),
            open_below_is: std::array::from_fn(|k| {
                std::array::from_fn(|g| lanes_where(&|s| usize::from(s.open_below[k]) == g))
            }),
        }
    }

    /// Each lane's `n` people drawn eight to a number from `state` (a vector of eight
    /// numbers, 64 people, at a time) and counted in byte counters: per boundary those
    /// below its top byte, per open slice those in it.
    #[target_feature(enable = "avx512f,avx512dq,avx512bw")]
    #[inline]
    fn count(&self, n: __m512i, state: &mut __m512i) -> ([__m512i; B], [__m512i; B]) {
        let zero = _mm512_setzero_si512();
        let byte_in_lane = _mm512_set1_epi64(0x0706_0504_0302_0100);
        let (mut below, mut in_open) = ([zero; B], [zero; B]);
        let mut left = n;
        // A comparison into a mask and an addition of 1 under it. Told it adds 1, LLVM
        // makes the mask a vector (`movm`) and subtracts that: a second instruction on
        // the one port that compares. Hidden, the addition stays one instruction.
        let ones = std::hint::black_box(_mm512_set1_epi8(1));
        loop {
            let live = _mm512_cmpgt_epi64_mask(left, zero);
            if live == 0 {
                break;
            }
            let drawn = lanes::next(state, live);
            let used = _mm512_min_epi64(left, _mm512_set1_epi64(8));
            let people = _mm512_cmplt_epu8_mask(
                byte_in_lane,
                _mm512_mullo_epi64(used, _mm512_set1_epi64(0x0101_0101_0101_0101)),
            );
            for (c, &limit) in below.iter_mut().zip(&self.top_bytes) {
                let m = _mm512_mask_cmplt_epu8_mask(people, drawn, limit);
                *c = _mm512_mask_add_epi8(*c, m, *c, ones);
            }
            for (c, &slice) in in_open.iter_mut().zip(&self.open_slices) {
                let m = _mm512_mask_cmpeq_epi8_mask(people, drawn, slice);
                *c = _mm512_mask_add_epi8(*c, m, *c, ones);
            }
            left = _mm512_sub_epi64(left, used);
        }
        (below, in_open)
    }

    /// Each lane's people per category, as `place_packed` puts them: the open slices'
    /// people one number each from `state`, the rest by the counts.
    #[target_feature(enable = "avx512f,avx512dq,avx512bw")]
    #[inline]
    fn place(
        &self,
        n: __m512i,
        below: &[__m512i; B],
        in_open: &[__m512i; B],
        state: &mut __m512i,
    ) -> [__m512i; PACKED_CATEGORIES] {
        let zero = _mm512_setzero_si512();
        let lane_sum = |v: __m512i| _mm512_sad_epu8(v, zero);
        let mut open_people = [zero; PACKED_CATEGORIES];
        for g in 0..B {
            let c = _mm512_maskz_mov_epi64(self.open_live[g], lane_sum(in_open[g]));
            open_people[g + 1] = _mm512_add_epi64(open_people[g], c);
        }
        // The open slices' people, slice by slice. The first `STRAIGHT` people of every
        // lane without a branch (a lane with fewer draws nothing for the rest): how many
        // there are is known only once the bytes are counted, and a loop on it ended in
        // a branch that was mispredicted about once a year and resolved late, so nothing
        // of the next year could start early. A lane has about one such person a year
        // (7 slices in 256 of the intake).
        let mut tally = [zero; 2];
        const STRAIGHT: i64 = 4;
        for i in 0..STRAIGHT {
            self.person(_mm512_set1_epi64(i), &open_people, state, &mut tally);
        }
        let one = _mm512_set1_epi64(1);
        let mut i = _mm512_set1_epi64(STRAIGHT);
        while _mm512_cmplt_epi64_mask(i, open_people[B]) != 0 {
            self.person(i, &open_people, state, &mut tally);
            i = _mm512_add_epi64(i, one);
        }
        let certain: [__m512i; B] = std::array::from_fn(|k| {
            let below_k = _mm512_mask_mov_epi64(lane_sum(below[k]), self.all_below[k], n);
            let open_below = self.open_below_is[k][1..]
                .iter()
                .zip(&open_people[1..])
                .fold(zero, |acc, (&m, &o)| _mm512_mask_mov_epi64(acc, m, o));
            _mm512_sub_epi64(below_k, open_below)
        });
        lanes::people_by_category(n, &certain, open_people[B], &tally)
    }

    /// The `i`-th person of the open slices in each lane still holding one
    /// (`open_people`: the people before each slice), placed by one number of its own
    /// into its category's tally.
    #[target_feature(enable = "avx512f,avx512dq,avx512bw")]
    #[inline]
    fn person(
        &self,
        i: __m512i,
        open_people: &[__m512i; PACKED_CATEGORIES],
        state: &mut __m512i,
        tally: &mut [__m512i; 2],
    ) {
        let (zero, one) = (_mm512_setzero_si512(), _mm512_set1_epi64(1));
        let live = _mm512_cmplt_epi64_mask(i, open_people[B]);
        let drawn = lanes::next(state, live);
        let slice = open_people[1..].iter().fold(zero, |acc, &o| {
            _mm512_mask_add_epi64(acc, _mm512_cmple_epi64_mask(o, i), acc, one)
        });
        let g = _mm512_and_si512(
            _mm512_srlv_epi64(self.open_packed, _mm512_slli_epi64::<3>(slice)),
            _mm512_set1_epi64(0xff),
        );
        let u = _mm512_or_si512(
            _mm512_slli_epi64::<{ GUIDE_SHIFT }>(g),
            _mm512_srli_epi64::<{ 64 - GUIDE_SHIFT }>(drawn),
        );
        let category = self.thresholds.iter().fold(zero, |acc, &th| {
            _mm512_mask_add_epi64(acc, _mm512_cmple_epu64_mask(th, u), acc, one)
        });
        lanes::tally(tally, live, category);
    }
}
