//! The first pass of eight region-runs side by side, a region-run a lane (AVX-512).

use crate::model::*;

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
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512bw")]
pub(in crate::model) fn trainee_lanes(
    _lanes: crate::model::lanes::Lanes,
    inputs: &[RegionInputs<'_>],
    keys: &[u64; crate::model::lanes::LANES],
    noises: &mut [Noise; crate::model::lanes::LANES],
    values: &mut [f64],
    years: usize,
) -> bool {
    use crate::model::lanes::{self, load, unload, LANES};
    use std::arch::x86_64::*;
    const B: usize = PACKED_CATEGORIES - 1;
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
        initial_trainees(&inputs[j], &mut noises[j], completions, &mut rest[..years])
    });

    // Each lane's split, a lane of a vector: bytes repeated over the lane's eight.
    let words =
        |f: &dyn Fn(&Split<'_>) -> u64| lanes::load_words(&std::array::from_fn(|j| f(&splits[j])));
    let bytes = |f: &dyn Fn(&Split<'_>) -> u8| words(&|s| u64::from(f(s)) * 0x0101_0101_0101_0101);
    let lanes_where = |f: &dyn Fn(&Split<'_>) -> bool| {
        (0..LANES).fold(0u8, |m, j| m | (u8::from(f(&splits[j])) << j))
    };
    let top_bytes: [__m512i; B] = std::array::from_fn(|k| bytes(&|s| s.top_bytes[k]));
    let open_slices: [__m512i; B] = std::array::from_fn(|g| bytes(&|s| s.open[g]));
    let thresholds: [__m512i; B] = std::array::from_fn(|k| words(&|s| s.thresholds[k]));
    let open_packed = words(&|s| {
        s.open
            .iter()
            .enumerate()
            .fold(0, |w, (g, &b)| w | u64::from(b) << (8 * g))
    });
    let all_below: [__mmask8; B] =
        std::array::from_fn(|k| lanes_where(&|s| s.all_below & (1 << k) != 0));
    let open_live: [__mmask8; B] = std::array::from_fn(|g| lanes_where(&|s| g < s.open_len));
    // open_below_is[k][g]: the lanes whose boundary k has g open slices below it.
    let open_below_is: [[__mmask8; PACKED_CATEGORIES]; B] = std::array::from_fn(|k| {
        std::array::from_fn(|g| lanes_where(&|s| usize::from(s.open_below[k]) == g))
    });

    let zero = _mm512_setzero_si512();
    let one = _mm512_set1_epi64(1);
    let key_v = lanes::load_words(keys);
    let byte_in_lane = _mm512_set1_epi64(0x0706_0504_0302_0100);
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
            let drawn = lanes::next(&mut state, live);
            let used = _mm512_min_epi64(left, _mm512_set1_epi64(8));
            let people = _mm512_cmplt_epu8_mask(
                byte_in_lane,
                _mm512_mullo_epi64(used, _mm512_set1_epi64(0x0101_0101_0101_0101)),
            );
            for (c, &limit) in below.iter_mut().zip(&top_bytes) {
                let m = _mm512_mask_cmplt_epu8_mask(people, drawn, limit);
                *c = _mm512_mask_add_epi8(*c, m, *c, ones);
            }
            for (c, &slice) in in_open.iter_mut().zip(&open_slices) {
                let m = _mm512_mask_cmpeq_epi8_mask(people, drawn, slice);
                *c = _mm512_mask_add_epi8(*c, m, *c, ones);
            }
            left = _mm512_sub_epi64(left, used);
        }
        // Per lane, as `place_packed` puts them.
        let lane_sum = |v: __m512i| _mm512_sad_epu8(v, zero);
        let mut open_people = [zero; PACKED_CATEGORIES];
        for g in 0..B {
            let c = _mm512_maskz_mov_epi64(open_live[g], lane_sum(in_open[g]));
            open_people[g + 1] = _mm512_add_epi64(open_people[g], c);
        }
        // The open slices' people, one number each, slice by slice, their categories
        // tallied per lane in 16-bit fields (categories 0-3 in one word, 4-7 in the
        // other: at most 2 000 people) and added with the rest below.
        let mut tally = [zero; 2];
        let three = _mm512_set1_epi64(3);
        let person = |i: __m512i, state: &mut __m512i, tally: &mut [__m512i; 2]| {
            let live = _mm512_cmplt_epi64_mask(i, open_people[B]);
            let drawn = lanes::next(state, live);
            let slice = open_people[1..].iter().fold(zero, |acc, &o| {
                _mm512_mask_add_epi64(acc, _mm512_cmple_epi64_mask(o, i), acc, one)
            });
            let g = _mm512_and_si512(
                _mm512_srlv_epi64(open_packed, _mm512_slli_epi64::<3>(slice)),
                _mm512_set1_epi64(0xff),
            );
            let u = _mm512_or_si512(
                _mm512_slli_epi64::<{ GUIDE_SHIFT }>(g),
                _mm512_srli_epi64::<{ 64 - GUIDE_SHIFT }>(drawn),
            );
            let category = thresholds.iter().fold(zero, |acc, &th| {
                _mm512_mask_add_epi64(acc, _mm512_cmple_epu64_mask(th, u), acc, one)
            });
            let field = _mm512_sllv_epi64(
                one,
                _mm512_slli_epi64::<4>(_mm512_and_si512(category, three)),
            );
            let high = _mm512_cmpgt_epi64_mask(category, three);
            tally[0] = _mm512_mask_add_epi64(tally[0], live & !high, tally[0], field);
            tally[1] = _mm512_mask_add_epi64(tally[1], live & high, tally[1], field);
        };
        // The first `STRAIGHT` people of every lane without a branch (a lane with fewer
        // draws nothing for the rest): how many there are is known only once the bytes
        // are counted, and a loop on it ended in a branch that was mispredicted about
        // once a year and resolved late, so nothing of the next year could start early.
        // A lane has about one such person a year (7 slices in 256 of the intake).
        const STRAIGHT: i64 = 4;
        for i in 0..STRAIGHT {
            person(_mm512_set1_epi64(i), &mut state, &mut tally);
        }
        let mut i = _mm512_set1_epi64(STRAIGHT);
        while _mm512_cmplt_epi64_mask(i, open_people[B]) != 0 {
            person(i, &mut state, &mut tally);
            i = _mm512_add_epi64(i, one);
        }
        let tallied = |c: usize| {
            _mm512_and_si512(
                _mm512_srlv_epi64(tally[c / 4], _mm512_set1_epi64(16 * (c % 4) as i64)),
                _mm512_set1_epi64(0xffff),
            )
        };
        // Every category's people added once, whole numbers below 2^53, so the sum is
        // what adding them one by one gives.
        let mut placed_below = zero;
        for k in 0..B {
            let below_k = _mm512_mask_mov_epi64(lane_sum(below[k]), all_below[k], n);
            let open_below = open_below_is[k][1..]
                .iter()
                .zip(&open_people[1..])
                .fold(zero, |acc, (&m, &o)| _mm512_mask_mov_epi64(acc, m, o));
            let certain = _mm512_sub_epi64(below_k, open_below);
            let people = _mm512_add_epi64(_mm512_sub_epi64(certain, placed_below), tallied(k));
            window[k] = _mm512_add_pd(window[k], _mm512_cvtepi64_pd(people));
            placed_below = certain;
        }
        let people = _mm512_add_epi64(
            _mm512_sub_epi64(_mm512_sub_epi64(n, open_people[B]), placed_below),
            tallied(B),
        );
        window[B] = _mm512_add_pd(window[B], _mm512_cvtepi64_pd(people));
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
