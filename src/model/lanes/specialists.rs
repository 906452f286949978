//! The second pass (specialists, population, the target) of eight region-runs in the
//! lanes of vectors.

use crate::model::*;

/// `f` of each of eight region-runs, a lane each.
#[target_feature(enable = "avx512f")]
pub(in crate::model) fn each_lane(
    inputs: &[RegionInputs<'_>],
    f: &dyn Fn(&RegionInputs<'_>) -> f64,
) -> std::arch::x86_64::__m512d {
    crate::model::lanes::load(&std::array::from_fn(|j| f(&inputs[j])))
}

/// The second pass of [`run_region`] for eight region-runs of binomial noise with
/// `keys`, their trainee passes done (`values` as in [`run_regions`]): the year's three
/// draws, the stocks and the target test in the lanes of vectors, operation for
/// operation as `run_region` does them; the rows written lane by lane.
#[target_feature(enable = "avx512f,avx512dq,avx512bw")]
pub(in crate::model) fn specialists_lanes(
    _lanes: crate::model::lanes::Lanes,
    inputs: &[RegionInputs<'_>],
    keys: &[u64; crate::model::lanes::LANES],
    guideline: &Guideline,
    values: &mut [f64],
    years: usize,
    reached: &mut [Option<u32>],
) {
    use crate::model::lanes::{self, Probs, LANES};
    use std::arch::x86_64::*;
    let stride = STOCKS * years;
    use lanes::{load, unload};
    let each = |f: &dyn Fn(&RegionInputs) -> f64| each_lane(inputs, f);
    let exit: [Prob; LANES] = std::array::from_fn(|j| Prob::new(inputs[j].exit_per_year));
    let to_primary_care: [Prob; LANES] = std::array::from_fn(|j| {
        Prob::new((1.0 - inputs[j].dropout_share) * inputs[j].primary_care_uptake)
    });
    let (exit_v, to_primary_care_v) = (Probs::new(&exit), Probs::new(&to_primary_care));
    let key_v = lanes::load_words(keys);
    // A year's draw of `event` in every lane, in two halves: its set-up, then its
    // search; the lanes the search leaves (BTRS, a uniform used up by rounding) drawn
    // again one at a time, as `Noise::count` does.
    let prepare = |n: __m512d, p_v: &Probs, t: usize, event: Event| {
        let index = event.substream(t);
        lanes::prepare(n, p_v, lanes::first_uniforms(key_v, index))
    };
    let search = |prepared, n: __m512d, p_v: &Probs, p: &[Prob; LANES], t: usize, event| {
        let (x, redraw) = lanes::search(prepared, p_v);
        if redraw == 0 {
            return x;
        }
        let (mut x, n) = (unload(x), unload(n));
        for j in (0..LANES).filter(|j| redraw & (1 << j) != 0) {
            let mut noise = Noise::binomial(keys[j]);
            noise.reseed(t, event);
            x[j] = noise.count(n[j], &p[j]);
        }
        load(&x)
    };
    // Each year's uptake first, into the completions row: those draws depend on no
    // other, so each is set up while the one before searches.
    let completers =
        |values: &[f64], t: usize| load(&std::array::from_fn(|j| values[j * stride + years + t]));
    let uptake = |values: &[f64], t: usize| {
        let n = completers(values, t);
        (n, prepare(n, &to_primary_care_v, t, Event::Uptake))
    };
    let mut next = (years > 1).then(|| uptake(values, 1));
    for t in 1..years {
        let Some((n, prepared)) = next else {
            break;
        };
        next = (t + 1 < years).then(|| uptake(values, t + 1));
        let joining = unload(search(
            prepared,
            n,
            &to_primary_care_v,
            &to_primary_care,
            t,
            Event::Uptake,
        ));
        for (j, &x) in joining.iter().enumerate() {
            values[j * stride + years + t] = x;
        }
    }
    reached.fill(None);
    let mut reached_lanes: __mmask8 = 0;
    let mut s_init = each(&|inp| inp.headcount.round());
    let mut s_joined = _mm512_setzero_pd();
    let mut population = each(&|inp| inp.population);
    let growth = each(&|inp| 1.0 + inp.pop_growth_per_year);
    let (fte_initial, fte_new) = (each(&|inp| inp.fte_initial), each(&|inp| inp.fte_new));
    for t in 0..years {
        if t > 0 {
            // The two chains of exits: both set up before either searches.
            s_joined = _mm512_add_pd(s_joined, completers(values, t));
            let initial = prepare(s_init, &exit_v, t, Event::ExitsInitial);
            let joined = prepare(s_joined, &exit_v, t, Event::ExitsJoined);
            let leaving = search(initial, s_init, &exit_v, &exit, t, Event::ExitsInitial);
            s_init = _mm512_sub_pd(s_init, leaving);
            let leaving = search(joined, s_joined, &exit_v, &exit, t, Event::ExitsJoined);
            s_joined = _mm512_sub_pd(s_joined, leaving);
            population = _mm512_mul_pd(population, growth);
        }
        let fte_v = _mm512_add_pd(
            _mm512_mul_pd(s_init, fte_initial),
            _mm512_mul_pd(s_joined, fte_new),
        );
        let (fte, specialists) = (unload(fte_v), unload(_mm512_add_pd(s_init, s_joined)));
        let people = unload(population);
        let trainees = load(&std::array::from_fn(|j| values[j * stride + 2 * years + t]));
        for (j, x) in values.chunks_mut(stride).enumerate() {
            x[t] = specialists[j];
            x[years + t] = fte[j];
            x[3 * years + t] = people[j];
        }
        // `covered` in every lane: the first year a lane reaches the target is rare, so
        // only then is a lane looked at on its own.
        let now = covered_lanes(guideline, fte_v, trainees, population) & !reached_lanes;
        if now != 0 {
            for (j, r) in reached.iter_mut().enumerate() {
                if now & (1 << j) != 0 {
                    *r = Some(t as u32);
                }
            }
            reached_lanes |= now;
        }
    }
}

/// [`covered`] in each lane, operation for operation.
#[target_feature(enable = "avx512f")]
#[inline]
pub(in crate::model) fn covered_lanes(
    g: &Guideline,
    fte: std::arch::x86_64::__m512d,
    trainees: std::arch::x86_64::__m512d,
    population: std::arch::x86_64::__m512d,
) -> std::arch::x86_64::__mmask8 {
    use std::arch::x86_64::*;
    let x = _mm512_add_pd(
        _mm512_mul_pd(_mm512_set1_pd(g.inhabitants_per_specialist), fte),
        _mm512_mul_pd(_mm512_set1_pd(g.inhabitants_per_trainee), trainees),
    );
    let positive = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(population, _mm512_setzero_pd());
    let ge = |a, b| _mm512_cmp_pd_mask::<_CMP_GE_OQ>(a, b);
    (positive & ge(x, population))
        | (!positive & ge(_mm512_div_pd(x, population), _mm512_set1_pd(1.0)))
}
