//! [`run_region`]'s first pass, one region-run at a time: the trainees in post and the
//! completions of every year.

use super::*;

/// The first pass of [`run_region`]: the trainees in post each year into `trainees`,
/// year t's completers (the trainees whose last year was t - 1) into
/// `completions[t]`, and into `placed` each intake year's people by duration and
/// today's trainees' completions by year.
///
/// Today's trainees split over their remaining years (the forward recurrence); each
/// year's intake over durations D, finishing D years on. Completions past the horizon
/// are not kept: nothing reads them. Each completion year adds its cohorts in the order
/// the year-by-year ring of cohorts added them, so expected mode's sums are the same.
///
/// Compiled twice, once for each way of counting bytes ([`ByteLanes`]), each with its
/// vector features enabled for the whole pass so the counting inlines here with its
/// constants kept across years; AVX-512 where the processor has it.
pub(in crate::model) fn trainee_years<R: NoiseSource>(
    inp: &RegionInputs,
    noise: &mut Noise<R>,
    completions: &mut [f64],
    trainees: &mut [f64],
    placed: &mut Placed,
) {
    #[cfg(target_arch = "x86_64")]
    if let (Some(lookups), Some(noise)) = (
        crate::model::lanes::Lookups::detect(),
        R::as_model_noise(noise),
    ) {
        #[allow(unsafe_code)]
        // SAFETY: `Lookups::detect` found the features.
        if unsafe { trainee_years_lanes(lookups, inp, noise, completions, trainees, placed, false) }
        {
            return;
        }
    }
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    // SAFETY: the one requirement of calling a `#[target_feature]` function is that
    // the processor has the features: AVX-512's where `Avx512::detect` found them (the
    // token is the proof), and SSE2, part of x86-64 itself, everywhere (checked here).
    unsafe {
        const _: () = assert!(cfg!(target_feature = "sse2"));
        match Avx512::detect() {
            Some(lanes) => trainee_years_avx512(lanes, inp, noise, completions, trainees, placed),
            None => trainee_years_sse2(inp, noise, completions, trainees, placed),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    trainee_pass(Bytes16, inp, noise, completions, trainees, placed);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
pub(in crate::model) fn trainee_years_sse2<R: NoiseSource>(
    inp: &RegionInputs,
    noise: &mut Noise<R>,
    completions: &mut [f64],
    trainees: &mut [f64],
    placed: &mut Placed,
) {
    trainee_pass(Bytes16, inp, noise, completions, trainees, placed);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,popcnt")]
pub(in crate::model) fn trainee_years_avx512<R: NoiseSource>(
    lanes: Avx512,
    inp: &RegionInputs,
    noise: &mut Noise<R>,
    completions: &mut [f64],
    trainees: &mut [f64],
    placed: &mut Placed,
) {
    trainee_pass(lanes, inp, noise, completions, trainees, placed);
}

/// Today's trainees into `trainees[0]` (returned) and their completions by year into
/// `completions` (zeroed first): the start of every trainee pass.
#[inline(always)]
pub(in crate::model) fn initial_trainees<R: NoiseSource>(
    inp: &RegionInputs,
    noise: &mut Noise<R>,
    completions: &mut [f64],
    trainees: &mut [f64],
) -> f64 {
    let trainees0 = noise.whole(inp.trainees);
    completions.fill(0.0);
    trainees[0] = trainees0;
    // Today's trainees with k years left (this one included) complete in year k.
    noise.reseed(0, Event::InitialTrainees);
    let remaining = inp.duration.forward_recurrence();
    let remaining = &remaining[..inp.duration.max_years()];
    noise.split(trainees0, &Split::new(remaining, false), |i, x| {
        if let Some(c) = completions.get_mut(i + 1) {
            *c += x;
        }
    });
    trainees0
}

/// The body of [`trainee_years`], inlined into each of its compilations.
#[inline(always)]
pub(in crate::model) fn trainee_pass<R: NoiseSource>(
    lanes: impl ByteLanes,
    inp: &RegionInputs,
    noise: &mut Noise<R>,
    completions: &mut [f64],
    trainees: &mut [f64],
    placed: &mut Placed,
) {
    let years = trainees.len();
    let counts = noise.counts();
    let trainees0 = initial_trainees(inp, noise, completions, trainees);
    placed.initial.copy_from_slice(completions);
    let first = inp.duration.min_years as usize;
    let split = Split::new(&inp.duration.probs, counts);
    let k = placed.categories;
    let mut admissions = Admissions::new(inp, trainees0, counts);
    let mut in_post = trainees0;
    for t in 1..years {
        let intake = admissions.next(t);
        // The intake of year t with duration D = first + i completes in year t + D.
        noise.reseed(t, Event::Intake);
        let cohort = &mut completions[(t + first).min(years)..];
        let by_category = &mut placed.by_category[t * k..(t + 1) * k];
        match noise {
            Noise::Binomial { rng, .. } if split.packed && intake < PACKED_COUNT => {
                // Whole numbers below 2^53: the sums are exact in any order. Categories
                // past the split's last get 0, which adds nothing.
                split.place_packed(lanes, rng, intake as u64, |i, c| {
                    if let Some(x) = cohort.get_mut(i) {
                        *x += f64::from(c);
                    }
                    if let Some(x) = by_category.get_mut(i) {
                        *x += f64::from(c);
                    }
                });
            }
            _ => noise.split_small(intake, &split, |i, x| {
                if let Some(c) = cohort.get_mut(i) {
                    *c += x;
                }
                by_category[i] += x;
            }),
        }
        in_post -= completions[t];
        in_post += intake;
        trainees[t] = in_post;
    }
}
