use super::*;

/// Every (year, event) of the longest horizon has a sub-stream of its own.
#[test]
fn each_year_and_event_has_its_own_substream() {
    let mut seen = std::collections::HashSet::new();
    for t in 0..=1000 {
        for e in Event::ALL {
            assert!(seen.insert(e.substream(t)), "year {t}, {e:?}");
        }
    }
    assert_eq!(
        Event::Intake.substream(2),
        2 << crate::model::EVENT_BITS | 4
    );
}
use crate::rng::{stream_key, Purpose};

const TRAINING: Training = Training {
    min_years: 5,
    max_years: 12,
};

fn inputs() -> RegionInputs<'static> {
    RegionInputs {
        population: 100_000.0,
        trainees: 40.0,
        headcount: 50.0,
        fte_initial: 0.8,
        fte_new: 0.9,
        duration: Cow::Owned(DurationDist::new(8.0, 1.5, TRAINING)),
        dropout_share: 0.05,
        primary_care_uptake: 0.6,
        attrition_per_year: 0.05,
        intake_growth_per_year: 0.0,
        intake: Cow::Owned(IntakePolicy::default()),
        pop_growth_per_year: 0.01,
        outside_headcount: 30.0,
        return_per_year: 0.0,
        intake_growth_years: 1000.0,
        ages: Cow::Owned(test_ages()),
        age_at_st_start: 32.0,
        recruits_per_year: 0.0,
    }
}

/// MODEL.md's default age model: normal(66, 2) in 60-72, the stationary profile.
fn test_ages() -> AgeInputs {
    let retirement = default_retirement();
    AgeInputs {
        initial_profile: retirement.initial_profile(None),
        retirement,
        recruit_age: 45.0,
    }
}

/// A placement buffer sized for `inp` and `years`.
fn placed_for(inp: &RegionInputs, years: usize) -> Placed {
    let mut p = Placed::new();
    p.placed(inp, years);
    p
}

fn run(inp: &RegionInputs, horizon: u32, noise: Noise) -> (Vec<f64>, Option<u32>) {
    let years = horizon as usize + 1;
    let mut buf = vec![0.0; STOCKS * years];
    let y = run_region(
        inp,
        &Guideline::default(),
        horizon,
        noise,
        &mut Trajectory::new(years, &mut buf),
    );
    (buf, y)
}

/// `run_regions` (eight side by side where the processor has AVX-512) gives every
/// region-run the stocks and year to target `run_region` gives it alone: region-runs
/// of all sizes (Stockholm's stock and more, so BTRS's lanes too), uptake above and
/// below 1/2, a batch not a multiple of eight, expected noise in a batch, an intake
/// too large to be placed eight to a number (in the first batch of eight), and
/// durations over too many years for that (the second `Training`).
#[test]
fn region_runs_side_by_side_are_each_run_alone() {
    let horizon = 100;
    let years = horizon as usize + 1;
    let wide = Training {
        min_years: 3,
        max_years: 14,
    };
    // A scenario's rules and cap for every region-run, and one region-run with a
    // policy of its own (the lanes' intakes one at a time).
    let rules = IntakePolicy {
        rules: vec![
            (10, 30, IntakeChange::Multiply(1.5)),
            (20, 25, IntakeChange::TraineesPerYear(7.5)),
        ],
        cap_per_year: Some(60.0),
        max_trainees_per_specialist_fte: None,
    };
    let default = IntakePolicy::default();
    for (training, expected_at, policy, odd_one) in [
        (TRAINING, None, &default, None),
        (TRAINING, Some(9), &default, None),
        (wide, None, &default, None),
        (TRAINING, None, &rules, None),
        (TRAINING, None, &rules, Some(10)),
    ] {
        let batch: Vec<RegionInputs> = (0..21)
            .map(|i| {
                let f = i as f64;
                RegionInputs {
                    // Region-run 6 has nobody: coverage by the division.
                    population: if i == 6 {
                        0.0
                    } else {
                        60_000.0 + 120_000.0 * f
                    },
                    trainees: if i == 3 { 20_000.0 } else { 10.0 + 40.0 * f },
                    duration: Cow::Owned(DurationDist::new(7.0 + 0.1 * f, 1.5, training)),
                    headcount: [0.0, 3.0, 26.0, 230.0, 1060.0, 30_000.0][i % 6],
                    attrition_per_year: [0.04, 0.055, 0.07, 0.0, 1.0][i % 5],
                    primary_care_uptake: [0.6, 0.3, 0.95][i % 3],
                    intake_growth_per_year: 0.03 * (i % 4) as f64 / 3.0,
                    intake: if odd_one == Some(i) {
                        Cow::Owned(IntakePolicy::default())
                    } else {
                        Cow::Borrowed(policy)
                    },
                    ..inputs()
                }
            })
            .collect();
        {
            let noise = |i: usize| match expected_at {
                Some(e) if i == e => Noise::Expected,
                _ => Noise::binomial(stream_key(11, i as u32, 7, Purpose::Noise)),
            };
            let mut values = vec![0.0; batch.len() * STOCKS * years];
            // Whatever the slices held before is overwritten.
            let mut reached = vec![Some(999); batch.len()];
            run_regions(
                &batch,
                noise,
                &Guideline::default(),
                horizon,
                &mut values,
                &mut reached,
                None,
            );
            for (i, inp) in batch.iter().enumerate() {
                let (alone, y) = run(inp, horizon, noise(i));
                let x = &values[i * STOCKS * years..(i + 1) * STOCKS * years];
                assert!(
                    x.iter()
                        .zip(&alone)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "region-run {i}"
                );
                assert_eq!(reached[i], y, "region-run {i}");
            }
        }
    }
}

/// Whatever `run_regions` runs (the backend in force: the lanes where this processor
/// has them), every region-run is the reference's, stock by stock, year by year,
/// and so is its year to target: many seeds, batches of odd sizes (lanes and
/// leftovers), both noise modes mixed in a batch, stocks from none to tens of
/// thousands, rules and caps, wide splits.
#[test]
fn every_fast_path_is_the_reference() {
    use rand::{Rng, SeedableRng};
    let mut gen = NoiseRng::seed_from_u64(77);
    let horizon = 70;
    let years = horizon as usize + 1;
    let wide = Training {
        min_years: 3,
        max_years: 16,
    };
    let rules = IntakePolicy {
        rules: vec![(5, 20, IntakeChange::Multiply(1.8))],
        cap_per_year: Some(400.0),
        max_trainees_per_specialist_fte: None,
    };
    let mut checked = 0;
    for (case, size) in [1usize, 3, 7, 8, 9, 13, 16, 17, 19, 24]
        .into_iter()
        .enumerate()
    {
        let batch: Vec<RegionInputs> = (0..size)
            .map(|i| {
                let big = gen.random_bool(0.2);
                let scale = if big { 40.0 } else { 1.0 };
                RegionInputs {
                    population: gen.random_range(0.0..2_500_000.0),
                    trainees: gen.random_range(0.0..500.0) * scale,
                    headcount: gen.random_range(0.0..1_200.0) * scale,
                    attrition_per_year: gen.random_range(0.0..0.15),
                    primary_care_uptake: gen.random_range(0.0..1.0),
                    intake_growth_per_year: gen.random_range(0.0..0.04),
                    // Version 2's inputs too: growth for a fractional number of years,
                    // returns, recruits, another start age, a stated tail of old ages.
                    intake_growth_years: gen.random_range(0.0..20.0),
                    return_per_year: if i % 2 == 1 {
                        gen.random_range(0.0..0.1)
                    } else {
                        0.0
                    },
                    recruits_per_year: if i % 3 == 1 {
                        gen.random_range(0.0..7.0)
                    } else {
                        0.0
                    },
                    outside_headcount: gen.random_range(0.0..700.0) * scale,
                    age_at_st_start: gen.random_range(28.0..40.0),
                    ages: if i % 4 == 2 {
                        Cow::Owned(AgeInputs {
                            initial_profile: default_retirement()
                                .initial_profile(Some((58, gen.random_range(0.1..0.5)))),
                            ..test_ages()
                        })
                    } else {
                        Cow::Owned(test_ages())
                    },
                    duration: Cow::Owned(DurationDist::new(
                        gen.random_range(5.5..10.5),
                        gen.random_range(0.0..2.5),
                        if (case + i) % 4 == 3 { wide } else { TRAINING },
                    )),
                    intake: if (case + i) % 3 == 2 {
                        Cow::Owned(rules.clone())
                    } else {
                        Cow::Owned(IntakePolicy::default())
                    },
                    ..inputs()
                }
            })
            .collect();
        let noise = |i: usize| {
            if (case * 7 + i) % 11 == 5 {
                Noise::Expected
            } else {
                Noise::binomial(stream_key(case as u64, i as u32, 9, Purpose::Noise))
            }
        };
        let mut values = vec![0.0; size * STOCKS * years];
        let mut reached = vec![None; size];
        run_regions(
            &batch,
            noise,
            &Guideline::default(),
            horizon,
            &mut values,
            &mut reached,
            None,
        );
        for (i, inp) in batch.iter().enumerate() {
            let (want, want_year) = year_by_year(inp, horizon, noise(i));
            let got = &values[i * STOCKS * years..(i + 1) * STOCKS * years];
            let same = got
                .iter()
                .zip(&want)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "batch of {size}, region-run {i}: {inp:?}");
            assert_eq!(reached[i], want_year, "batch of {size}, region-run {i}");
            checked += 1;
        }
    }
    assert_eq!(checked, 117);
}

/// The specialists' pass side by side (`lanes::specialists`) gives every region-run,
/// bit for bit, the stocks, retirements and heads by age the reference gives it:
/// cells of 64 people and more (drawn lane by lane), exits of probability 0, above a
/// half (mirrored) and 1, returns in some lanes and not others, completers' uptake
/// at 0, below and above a half, and 1 (cohorts of 64 and more drawn lane by lane),
/// recruits; and a batch whose retirement ages differ runs one at a time.
#[test]
#[cfg_attr(not(fastlakare_avx512), ignore = "this processor has no AVX-512")]
fn specialists_side_by_side_are_the_reference() {
    #[cfg(target_arch = "x86_64")]
    {
        use rand::{Rng, SeedableRng};
        let lanes =
            crate::model::lanes::Lanes::cpu().expect("built where the processor has AVX-512");
        let mut gen = NoiseRng::seed_from_u64(5);
        // Past 130 years, so the lanes' age windows are copied back up twice (in
        // years 65 and 130); heads by age are compared in the year after the first.
        let horizon = 140;
        let years = horizon as usize + 1;
        let stride = STOCKS * years;
        let age_years = [0, 7, 66, 140];
        let per_run = age_years.len() * AGES;
        let mut early = [0.0; AGES];
        early[cell_of(61.0)] = 1.0;
        early[cell_of(63.0)] = 2.0;
        let mut side_by_side = 0;
        for case in 0..6 {
            let batch: Vec<RegionInputs> = (0..8)
                .map(|i| RegionInputs {
                    headcount: [0.0, 4.0, 60.0, 400.0, 3_000.0][(case + i) % 5],
                    outside_headcount: gen.random_range(0.0..900.0),
                    trainees: if i % 5 == 3 {
                        1_500.0
                    } else {
                        gen.random_range(0.0..300.0)
                    },
                    dropout_share: if case == 2 { 0.0 } else { 0.05 },
                    primary_care_uptake: [0.3, 0.7, 1.0, 0.0, 0.6][(case + i) % 5],
                    attrition_per_year: [0.0, 0.012, 0.3, 0.7, 1.0, 0.05][(case + 2 * i) % 6],
                    return_per_year: if (case + i) % 3 == 0 {
                        [0.05, 0.6, 1.0][i % 3]
                    } else {
                        0.0
                    },
                    recruits_per_year: if i % 4 == 1 { 3.5 } else { 0.0 },
                    ages: if case == 5 && i == 3 {
                        Cow::Owned(AgeInputs {
                            retirement: Retirement::from_pmf(&early),
                            ..test_ages()
                        })
                    } else {
                        Cow::Owned(test_ages())
                    },
                    ..inputs()
                })
                .collect();
            let key = |i: usize| stream_key(case as u64, i as u32, 13, Purpose::Noise);
            let keys: [Option<u64>; 8] = std::array::from_fn(|i| Some(key(i)));
            let eight: &[RegionInputs; 8] = batch[..].try_into().expect("eight");
            let lanes_run = crate::model::lanes::specialists::side_by_side(eight, &keys).is_some();
            assert_eq!(lanes_run, case != 5, "case {case}");
            side_by_side += usize::from(lanes_run);
            let mut noises: [Noise; 8] = std::array::from_fn(|i| Noise::binomial(key(i)));
            let mut values = vec![0.0; 8 * stride];
            let mut heads = vec![f64::NAN; 8 * per_run];
            let mut reached = vec![Some(999); 8];
            trainee_lanes_then_specialists(
                lanes,
                eight,
                &mut noises,
                &Guideline::default(),
                (&mut values, &mut reached),
                years,
                (&age_years, &mut heads),
            );
            for (i, inp) in batch.iter().enumerate() {
                let mut want = vec![0.0; stride];
                let mut want_heads = vec![f64::NAN; per_run];
                let want_year = run_year_by_year(
                    inp,
                    &Guideline::default(),
                    horizon,
                    Noise::binomial(key(i)),
                    &mut Trajectory {
                        years,
                        values: &mut want,
                        ages: Some(AgeRows {
                            years: &age_years,
                            heads: &mut want_heads,
                        }),
                    },
                );
                let got = &values[i * stride..(i + 1) * stride];
                let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(got), bits(&want), "case {case}, region-run {i}");
                let got_heads = &heads[i * per_run..(i + 1) * per_run];
                assert_eq!(
                    bits(got_heads),
                    bits(&want_heads),
                    "case {case}, region-run {i}"
                );
                assert_eq!(reached[i], want_year, "case {case}, region-run {i}");
            }
            // The draws did something: people retired and left in every case.
            let total = |stock: Stock| -> f64 {
                values
                    .chunks(stride)
                    .map(|x| {
                        (1..years)
                            .map(|t| stock_at(x, years, stock, t))
                            .sum::<f64>()
                    })
                    .sum()
            };
            assert!(total(Stock::Retirements) > 100.0, "case {case}");
            assert!(total(Stock::Outside) > 100.0, "case {case}");
        }
        assert_eq!(side_by_side, 5);
    }
}

/// The trainee pass with eight intake years side by side (where the processor has
/// the lookups) gives, bit for bit, what the pass year by year gives: splits with
/// one to eight categories, empty ones, several boundaries in one slice and one
/// at a slice's edge; intakes of none to 1 999 a year (byte counters emptied many
/// times), a horizon not a multiple of eight, and durations past the horizon.
/// Splits too wide, and intakes too large, are left to the pass year by year.
#[test]
#[cfg_attr(
    not(fastlakare_lookups),
    ignore = "this processor has no AVX-512 VBMI, GFNI and BITALG"
)]
fn intake_years_side_by_side_are_the_pass_year_by_year() {
    #[cfg(target_arch = "x86_64")]
    {
        let lookups =
            crate::model::lanes::Lookups::cpu().expect("built where the processor has the lookups");
        let mut splits = random_splits(41, 60, 8);
        splits.extend([
            vec![0.5, 0.001, 0.001, 0.498],
            vec![0.25, 0.0005, 0.0, 0.0005, 0.749],
            vec![1.0],
            vec![0.0, 0.0, 1.0],
            vec![0.1; 8],
            vec![1.0 / 12.0; 12],
        ]);
        let mut compared = 0;
        for (i, probs) in splits.into_iter().enumerate() {
            let mean_years = 5.0
                + probs
                    .iter()
                    .enumerate()
                    .map(|(k, p)| k as f64 * p)
                    .sum::<f64>();
            let trainees = [0.0, 3.0, 40.0, 700.0, 5_000.0, 13_900.0][i % 6];
            let inp = RegionInputs {
                trainees,
                duration: Cow::Owned(DurationDist {
                    min_years: 5,
                    probs,
                    mean_years,
                }),
                intake_growth_per_year: [0.0, 0.02, -0.03][i % 3],
                ..inputs()
            };
            for horizon in [0u32, 6, 37, 100] {
                let years = horizon as usize + 1;
                let key = stream_key(5, i as u32, horizon.into(), Purpose::Noise);
                let (mut completions, mut in_post) = (vec![7.0; years], vec![7.0; years]);
                let mut placed = placed_for(&inp, years);
                let mut noise = Noise::binomial(key);
                #[allow(unsafe_code)]
                // SAFETY: `Lookups::detect` found the features.
                let side_by_side = unsafe {
                    trainee_years_lanes(
                        lookups,
                        &inp,
                        &mut noise,
                        &mut completions,
                        &mut in_post,
                        &mut placed,
                        false,
                    )
                };
                let packed = inp.duration.probs.len() <= PACKED_CATEGORIES;
                let mut admissions = Admissions::new(&inp, noise.whole(trainees), true);
                let most = (1..years).map(|t| admissions.next(t)).fold(0.0, f64::max);
                assert_eq!(side_by_side, packed && most < PACKED_COUNT, "split {i}");
                if !side_by_side {
                    continue;
                }
                let (mut c, mut s) = (vec![0.0; years], vec![0.0; years]);
                let mut p = placed_for(&inp, years);
                trainee_pass(
                    Bytes16,
                    &inp,
                    &mut Noise::binomial(key),
                    &mut c,
                    &mut s,
                    &mut p,
                );
                let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&completions), bits(&c), "split {i}, horizon {horizon}");
                assert_eq!(bits(&in_post), bits(&s), "split {i}, horizon {horizon}");
                assert_eq!(bits(&placed.initial), bits(&p.initial), "split {i}");
                assert_eq!(bits(&placed.by_category), bits(&p.by_category), "split {i}");
                compared += 1;
            }
        }
        assert!(compared > 200, "{compared} passes compared");
    }
}

/// Where the processor has AVX-512 but not the byte lookups, eight region-runs'
/// trainee passes run side by side (`trainee_lanes`): the same bits as each pass
/// year by year, whatever this processor picks for the model.
#[test]
#[cfg_attr(not(fastlakare_avx512), ignore = "this processor has no AVX-512")]
fn trainee_passes_side_by_side_are_each_pass_alone() {
    #[cfg(target_arch = "x86_64")]
    {
        let lanes =
            crate::model::lanes::Lanes::cpu().expect("built where the processor has AVX-512");
        let years = 101;
        let stride = STOCKS * years;
        let policies = [
            IntakePolicy::default(),
            IntakePolicy {
                rules: vec![(10, 30, IntakeChange::Multiply(1.5))],
                cap_per_year: Some(60.0),
                max_trainees_per_specialist_fte: None,
            },
        ];
        let mut compared = 0;
        for (g, policy) in policies.iter().enumerate() {
            let batch: Vec<RegionInputs> = (0..8)
                .map(|i| RegionInputs {
                    trainees: 10.0 + 90.0 * i as f64,
                    duration: Cow::Owned(DurationDist::new(7.0 + 0.2 * i as f64, 1.5, TRAINING)),
                    intake_growth_per_year: 0.01 * (i % 3) as f64,
                    intake: Cow::Borrowed(policy),
                    ..inputs()
                })
                .collect();
            let keys: [u64; 8] =
                std::array::from_fn(|i| stream_key(3, i as u32, g as u64, Purpose::Noise));
            let mut noises = keys.map(Noise::binomial);
            let mut values = vec![0.0; 8 * stride];
            let mut placed: [Placed; 8] = std::array::from_fn(|i| placed_for(&batch[i], years));
            #[allow(unsafe_code)]
            // SAFETY: `Lanes::detect` found the features.
            let side_by_side = unsafe {
                trainee_lanes(
                    lanes,
                    &batch,
                    &keys,
                    &mut noises,
                    &mut values,
                    years,
                    &mut placed,
                )
            };
            assert!(side_by_side, "policy {g}");
            for (i, inp) in batch.iter().enumerate() {
                let (mut c, mut s) = (vec![0.0; years], vec![0.0; years]);
                let mut p = placed_for(inp, years);
                trainee_pass(
                    Bytes16,
                    inp,
                    &mut Noise::binomial(keys[i]),
                    &mut c,
                    &mut s,
                    &mut p,
                );
                let x = &values[i * stride..(i + 1) * stride];
                let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&placed[i].initial), bits(&p.initial), "run {i}");
                assert_eq!(
                    bits(&placed[i].by_category),
                    bits(&p.by_category),
                    "run {i}"
                );
                assert_eq!(bits(&x[years..2 * years]), bits(&c), "policy {g}, run {i}");
                assert_eq!(
                    bits(&x[2 * years..3 * years]),
                    bits(&s),
                    "policy {g}, run {i}"
                );
                compared += 1;
            }
        }
        assert_eq!(compared, 16);
    }
}

#[test]
fn round_non_negative_is_round_then_max_zero() {
    let mut cases = vec![
        0.0,
        -0.0,
        0.5,
        1.5,
        2.5,
        -0.5,
        -2.7,
        0.49999999999999994,
        4_503_599_627_370_495.5,
        4_503_599_627_370_497.0,
        1e300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    cases.extend((0..20_000).map(|i| (i as f64 - 1000.0) * 0.0137));
    for x in cases {
        let want = x.round().max(0.0);
        assert_eq!(round_non_negative(x), want, "{x}");
        assert!(!round_non_negative(x).is_sign_negative(), "{x}");
    }
}

/// The year-to-target test without a division is `coverage >= 1` exactly: at and
/// a few doubles either side of equality, for random stocks, NaN and zero
/// populations included.
#[test]
fn coverage_test_without_division() {
    use rand::{Rng, SeedableRng};
    let g = Guideline::default();
    let mut gen = NoiseRng::seed_from_u64(3);
    let step = |x: f64, k: i64| f64::from_bits((x.to_bits() as i64 + k) as u64);
    let mut checked = 0;
    for _ in 0..20_000 {
        let (fte, trainees) = (gen.random_range(0.0..3000.0), gen.random_range(0.0..3000.0));
        let x = covered_numerator(&g, fte, trainees);
        let mut populations = vec![gen.random_range(1.0..1e7), 0.0, f64::NAN];
        if x > 0.0 {
            populations.extend((-3..=3).map(|k| step(x, k)));
        }
        for p in populations {
            assert_eq!(
                covered(&g, fte, trainees, p),
                coverage(&g, fte, trainees, p) >= 1.0,
                "fte {fte} trainees {trainees} population {p}"
            );
            checked += 1;
        }
    }
    assert!(checked > 100_000);
}

/// The reference (`reference::run_year_by_year`), its stocks and year to target.
fn year_by_year(inp: &RegionInputs, horizon: u32, noise: Noise) -> (Vec<f64>, Option<u32>) {
    let years = horizon as usize + 1;
    let mut buf = vec![0.0; STOCKS * years];
    let y = run_year_by_year(
        inp,
        &Guideline::default(),
        horizon,
        noise,
        &mut Trajectory::new(years, &mut buf),
    );
    (buf, y)
}

/// `run_region`'s two passes give every stock of every year, bit for bit, that
/// the year-by-year step gives, from the same streams: in both modes, for regions
/// small and large, with growing intake, a scenario's rules, a cap, splits too
/// wide to pack and cohorts past the packed placement's 2 000 people. The reference
/// counts bytes 16 at a time; `run_region` 64 at a time where there is AVX-512, so
/// this also checks that the two give the same model.
#[test]
fn passes_are_the_year_by_year_step() {
    use rand::{Rng, SeedableRng};
    let mut gen = NoiseRng::seed_from_u64(21);
    let wide = Training {
        min_years: 3,
        max_years: 16,
    };
    let mut checked = 0;
    for case in 0..60u64 {
        let mut inp = inputs();
        inp.trainees = gen.random_range(0.0..900.0);
        inp.headcount = gen.random_range(0.0..1500.0);
        inp.intake_growth_per_year = gen.random_range(0.0..0.06);
        inp.attrition_per_year = gen.random_range(0.0..0.2);
        inp.primary_care_uptake = gen.random_range(0.0..1.0);
        let (mean, sd) = (gen.random_range(5.0..11.0), gen.random_range(0.0..3.0));
        inp.duration = Cow::Owned(DurationDist::new(
            mean,
            sd,
            if case % 5 == 4 { wide } else { TRAINING },
        ));
        if case % 3 == 1 {
            inp.intake.to_mut().rules = vec![(3, 9, IntakeChange::Multiply(2.5))];
            inp.intake.to_mut().cap_per_year = Some(gen.random_range(10.0..3000.0));
        }
        if case % 7 == 6 {
            inp.intake.to_mut().rules = vec![(1, 60, IntakeChange::TraineesPerYear(2500.0))];
        }
        let key = stream_key(case, 3, 5, Purpose::Noise);
        for noise in [|k| Noise::binomial(k), |_| Noise::Expected] {
            let (got, got_year) = run(&inp, 60, noise(key));
            let (want, want_year) = year_by_year(&inp, 60, noise(key));
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want), "case {case}: {inp:?}");
            assert_eq!(got_year, want_year, "case {case}");
            checked += 1;
        }
    }
    assert_eq!(checked, 120);
}

#[test]
fn duration_mean_is_exact_and_floor_respected() {
    for &(mean, sd) in &[
        (8.0, 1.5),
        (7.0, 1.5),
        (9.5, 3.0),
        (5.2, 0.5),
        (11.9, 2.0),
        (8.3, 0.0),
    ] {
        let d = DurationDist::new(mean, sd, TRAINING);
        assert!(
            (d.mean_years - mean).abs() < 1e-10,
            "{mean} {sd}: {}",
            d.mean_years
        );
        assert!((d.probs.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(d.prob(4), 0.0);
        assert!(d.probs.iter().all(|&p| p >= 0.0));
    }
    let d = DurationDist::new(8.0, 1.5, TRAINING);
    let fr = d.forward_recurrence();
    assert!((fr.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!(fr[d.max_years() - 1] > 0.0 && fr[d.max_years()..].iter().all(|&p| p == 0.0));
    assert!((fr[0] - 1.0 / 8.0).abs() < 1e-12);
}

#[test]
fn constant_intake_keeps_trainees_steady() {
    let (buf, _) = run(&inputs(), 30, Noise::Expected);
    for t in 0..=30 {
        assert!(
            (stock_at(&buf, 31, Stock::Trainees, t) - 40.0).abs() < 1e-9,
            "year {t}"
        );
    }
}

/// MODEL.md's year step by hand, for a region where every trainee takes exactly
/// 5 years (min = max = 5): P(R = k) = 1/5, so 8 of 40 complete each year.
/// A small region with ages, its years computed by hand: five-year training, today's
/// specialists at 64 and 65, everyone retiring at exactly 66.
fn hand_inputs(profile: &[(u32, f64)], retire_at: u32) -> RegionInputs<'static> {
    let mut pmf = [0.0; AGES];
    pmf[cell_of(f64::from(retire_at))] = 1.0;
    let mut initial_profile = [0.0; AGES];
    for &(age, share) in profile {
        initial_profile[cell_of(f64::from(age))] = share;
    }
    RegionInputs {
        trainees: 40.0,
        headcount: 40.0,
        outside_headcount: 10.0,
        duration: Cow::Owned(DurationDist::new(
            5.0,
            0.0,
            Training {
                min_years: 5,
                max_years: 5,
            },
        )),
        ages: Cow::Owned(AgeInputs {
            retirement: Retirement::from_pmf(&pmf),
            initial_profile,
            recruit_age: 45.0,
        }),
        age_at_st_start: 32.0,
        ..inputs()
    }
}

/// Expected mode, two years by hand (docs/model.md's order): ageing, retirement at 66,
/// attrition 0.1 and returns 0.2 from the stocks after retirement, then the completers
/// (8 a year, today's trainees, at 32 + 5 = 37) with dropout 0.05 and uptake 0.6.
#[test]
fn expected_mode_equals_hand_computation() {
    let mut inp = hand_inputs(&[(64, 0.5), (65, 0.5)], 66);
    inp.attrition_per_year = 0.1;
    inp.return_per_year = 0.2;
    // Year 1: 20 at 64 -> 65, 20 at 65 -> 66 retire (and 5 of the outside's 10).
    // At 65: 2 of 20 leave, 1 of the outside's 5 returns. Completers: 7.6 qualify,
    // 4.56 take up primary care, 3.04 work outside.
    // Year 2: the 18 + 1 at 66 retire, the outside's 6 too; the year-1 completers
    // (now 38): 0.456 leave, 0.608 of 3.04 return; 8 more complete at 37.
    let want = [
        // specialists, FTE, outside, retirements from primary care
        (23.56, 18.0 * 0.8 + 5.56 * 0.9, 9.04, 20.0),
        (9.272, 9.272 * 0.9, 2.888 + 3.04, 19.0),
    ];
    let years = 3;
    let mut reference = vec![0.0; STOCKS * years];
    run_year_by_year(
        &inp,
        &Guideline::default(),
        2,
        Noise::<NoiseRng>::Expected,
        &mut Trajectory::new(years, &mut reference),
    );
    let (fast, _) = run(&inp, 2, Noise::Expected);
    for buf in [&reference, &fast] {
        let at = |s, t| stock_at(buf, years, s, t);
        for (t, &(s, fte, outside, retired)) in want.iter().enumerate() {
            let t = t + 1;
            assert!((at(Stock::Specialists, t) - s).abs() < 1e-9, "year {t}");
            assert!(
                (at(Stock::SpecialistsFte, t) - fte).abs() < 1e-9,
                "year {t}"
            );
            assert!((at(Stock::Outside, t) - outside).abs() < 1e-9, "year {t}");
            assert!(
                (at(Stock::Retirements, t) - retired).abs() < 1e-9,
                "year {t}"
            );
            // Five-year training at a steady intake of 40 / 5.
            assert!((at(Stock::Trainees, t) - 40.0).abs() < 1e-9, "year {t}");
        }
        assert_eq!(at(Stock::Specialists, 0), 40.0);
        assert_eq!(at(Stock::Outside, 0), 10.0);
    }
}

/// The same by hand with binomial noise whose draws are certain (probabilities 0 and
/// 1, one age), through the reference, `run_region` and eight side by side in
/// `run_regions` (the lanes, where the processor has them).
#[test]
fn binomial_with_certain_draws_equals_hand_computation() {
    let mut inp = hand_inputs(&[(65, 1.0)], 66);
    (
        inp.attrition_per_year,
        inp.dropout_share,
        inp.primary_care_uptake,
    ) = (0.0, 0.0, 1.0);
    // One-year training, so today's 40 trainees all complete in year 1 (at 33) and
    // each year's intake of 40 the year after.
    let one_year = Training {
        min_years: 1,
        max_years: 1,
    };
    inp.duration = Cow::Owned(DurationDist::new(1.0, 0.0, one_year));
    // Year 1: all 40 (and the outside's 10) reach 66 and retire; 40 complete at 33.
    // Year 2: those 40 at 34, 40 more at 33.
    let want = [(40.0, 36.0, 0.0, 40.0), (80.0, 72.0, 0.0, 0.0)];
    let years = 3;
    let key = |i: usize| stream_key(4, i as u32, 2, Purpose::Noise);
    let mut reference = vec![0.0; STOCKS * years];
    run_year_by_year(
        &inp,
        &Guideline::default(),
        2,
        Noise::binomial(key(0)),
        &mut Trajectory::new(years, &mut reference),
    );
    let batch = vec![inp.clone(); 9];
    let mut side_by_side = vec![0.0; batch.len() * STOCKS * years];
    let mut reached = vec![None; batch.len()];
    run_regions(
        &batch,
        |i| Noise::binomial(key(i)),
        &Guideline::default(),
        2,
        &mut side_by_side,
        &mut reached,
        None,
    );
    let (alone, _) = run(&inp, 2, Noise::binomial(key(0)));
    let mut bufs = vec![&reference[..], &alone[..]];
    bufs.extend(side_by_side.chunks(STOCKS * years));
    for buf in bufs {
        let at = |s, t| stock_at(buf, years, s, t);
        for (t, &(s, fte, outside, retired)) in want.iter().enumerate() {
            let t = t + 1;
            assert_eq!(at(Stock::Specialists, t), s, "year {t}");
            assert!(
                (at(Stock::SpecialistsFte, t) - fte).abs() < 1e-12,
                "year {t}"
            );
            assert_eq!(at(Stock::Outside, t), outside, "year {t}");
            assert_eq!(at(Stock::Retirements, t), retired, "year {t}");
            assert_eq!(at(Stock::Trainees, t), 40.0, "year {t}");
        }
    }
}

#[test]
fn already_at_target_is_year_zero_and_unreachable_is_none() {
    let mut inp = inputs();
    inp.population = 10_000.0;
    assert_eq!(run(&inp, 10, Noise::Expected).1, Some(0));
    inp.population = 1e9;
    assert_eq!(run(&inp, 10, Noise::Expected).1, None);
}

#[test]
fn binomial_counts_are_whole_and_never_negative() {
    let mut inp = inputs();
    inp.attrition_per_year = 0.6;
    inp.intake_growth_per_year = -0.2;
    for run_idx in 0..200 {
        let key = stream_key(9, run_idx, 1, Purpose::Noise);
        let (buf, _) = run(&inp, 60, Noise::binomial(key));
        for t in 0..=60 {
            for s in [Stock::Specialists, Stock::Trainees] {
                let v = stock_at(&buf, 61, s, t);
                assert!(v >= 0.0 && v.fract() == 0.0, "run {run_idx} year {t}: {v}");
            }
        }
    }
}

#[test]
fn binomial_mean_tracks_expected_mode() {
    let inp = inputs();
    let (expected, _) = run(&inp, 20, Noise::Expected);
    let n = 4000;
    let mut sum = 0.0;
    let mut sumsq = 0.0;
    for r in 0..n {
        let key = stream_key(1, r, 2, Purpose::Noise);
        let (buf, _) = run(&inp, 20, Noise::binomial(key));
        let v = stock_at(&buf, 21, Stock::Specialists, 20);
        sum += v;
        sumsq += v * v;
    }
    let mean = sum / f64::from(n);
    let se = ((sumsq / f64::from(n) - mean * mean) / f64::from(n)).sqrt();
    let e = stock_at(&expected, 21, Stock::Specialists, 20);
    // Rounding of the initial stocks and intake moves the mean by well under 1.
    assert!(
        (mean - e).abs() < 5.0 * se + 1.0,
        "binomial mean {mean} vs expected {e} (se {se})"
    );
}

#[test]
fn dlf_recursion_matches_the_closed_form() {
    // Jönköping in DLF's table: need 289, S 209, st 138.
    let inp = DlfInputs {
        need: 289.0,
        specialists: 209.0,
        trainees: 138.0,
        population: 368_856.0,
    };
    let years = inp.formula_years().unwrap();
    assert!((years - 14.06).abs() < 0.01, "{years}");
    let mut buf = vec![0.0; STOCKS * 401];
    let y = run_dlf(&inp, 400, &mut Trajectory::new(401, &mut buf)).unwrap();
    assert_eq!(f64::from(y), years.ceil());
}

#[test]
fn intake_rules_multiply_replace_and_cap_in_order() {
    let p = IntakePolicy {
        rules: vec![
            (3, 12, IntakeChange::Multiply(2.0)),
            (10, 11, IntakeChange::TraineesPerYear(7.0)),
        ],
        cap_per_year: Some(30.0),
        max_trainees_per_specialist_fte: None,
    };
    assert_eq!(p.apply(2, 10.0), 10.0, "before the span: the default");
    assert_eq!(p.apply(3, 10.0), 20.0);
    assert_eq!(p.apply(12, 10.0), 20.0, "the span includes its last year");
    assert_eq!(p.apply(13, 10.0), 10.0, "then back");
    assert_eq!(p.apply(10, 10.0), 7.0, "a later rule replaces");
    assert_eq!(p.apply(5, 20.0), 30.0, "the cap applies last");
    assert_eq!(IntakePolicy::default().apply(4, 12.5), 12.5);
}

#[test]
fn doubled_intake_in_expected_mode_adds_exactly_the_extra_trainees() {
    // Expected mode, no growth: the baseline keeps T0 steady; doubling intake in
    // years 1..=3 adds 3 x I0 trainees by year 3 (none can finish before 5 years).
    let base = inputs();
    let mut doubled = inputs();
    doubled.intake = Cow::Owned(IntakePolicy {
        rules: vec![(1, 3, IntakeChange::Multiply(2.0))],
        cap_per_year: None,
        max_trainees_per_specialist_fte: None,
    });
    let (a, _) = run(&base, 10, Noise::Expected);
    let (b, _) = run(&doubled, 10, Noise::Expected);
    let i0 = base.trainees / base.duration.mean_years;
    let t3 = |buf: &[f64]| stock_at(buf, 11, Stock::Trainees, 3);
    assert!((t3(&a) - base.trainees).abs() < 1e-9);
    assert!((t3(&b) - t3(&a) - 3.0 * i0).abs() < 1e-9);
    for t in 0..=4 {
        assert_eq!(
            stock_at(&a, 11, Stock::Specialists, t),
            stock_at(&b, 11, Stock::Specialists, t),
            "year {t}: no extra trainee has finished yet"
        );
    }
}

/// Chi-square of category totals against `probs` (cells with expected count >= 5).
fn chi_square_of(counts: &[u64], probs: &[f64]) -> (f64, usize) {
    let total: u64 = counts.iter().sum();
    let (mut chi, mut cells) = (0.0, 0);
    for (&c, &p) in counts.iter().zip(probs) {
        let e = p * total as f64;
        if e >= 5.0 {
            chi += (c as f64 - e).powi(2) / e;
            cells += 1;
        } else {
            assert!(c < 40, "a category of expected count {e} got {c}");
        }
    }
    (chi, cells - 1)
}

/// The chi-square 99.99th percentile on `df` degrees of freedom (Wilson-Hilferty).
fn chi_limit(df: usize) -> f64 {
    let d = df as f64;
    d * (1.0 - 2.0 / (9.0 * d) + 3.719 * (2.0 / (9.0 * d)).sqrt()).powi(3)
}

/// Eight people to a number places people with the categories' probabilities, a
/// category narrower than a guide slice included (reached only through the 45
/// extra bits of its slice's people), for counts from 0 to 499, partial vectors
/// included.
#[test]
fn packed_placement_draws_the_categories_probabilities() {
    use rand::SeedableRng;
    let baseline = DurationDist::new(8.0, 1.5, TRAINING).probs;
    let cases: [&[f64]; 4] = [
        &baseline,
        &[0.3, 0.001, 0.0, 0.699],
        &[1.0],
        &[0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125],
    ];
    for (i, probs) in cases.into_iter().enumerate() {
        let split = Split::new(probs, true);
        assert!(split.packed);
        assert!(
            split.open_len < probs.len().max(2),
            "{i}: {} open",
            split.open_len
        );
        let mut rng = NoiseRng::seed_from_u64(70 + i as u64);
        let mut totals = vec![0u64; probs.len()];
        for &n in [0u64, 1, 7, 8, 9, 248, 249, 499].iter().cycle().take(8_000) {
            let mut counts = [0u32; PACKED_CATEGORIES];
            place_packed(Lanes::Narrow, &split, &mut rng, n, &mut counts);
            assert_eq!(counts.iter().map(|&c| u64::from(c)).sum::<u64>(), n, "{i}");
            for (t, &c) in totals.iter_mut().zip(&counts) {
                *t += u64::from(c);
            }
            assert!(counts[probs.len()..].iter().all(|&c| c == 0));
        }
        if probs.len() > 1 {
            let (chi, df) = chi_square_of(&totals, probs);
            assert!(
                chi < chi_limit(df),
                "case {i}: chi-square {chi:.1} on {df} df"
            );
        }
        if i == 1 {
            assert_eq!(totals[2], 0, "a category of probability 0 stays empty");
            assert!(totals[1] > 0);
        }
    }
}

/// The ways of counting bytes this processor has: 16 a vector always, 64 where it
/// has AVX-512 (said on stderr where it has not, so a run shows what was tested).
fn lanes_here() -> [Option<Lanes>; 2] {
    let wide = Avx512::cpu().map(Lanes::Wide);
    if wide.is_none() {
        eprintln!("no AVX-512 here: the 64-byte count is not tested");
    }
    [Some(Lanes::Narrow), wide]
}

#[derive(Debug, Clone, Copy)]
enum Lanes {
    Narrow,
    Wide(Avx512),
}

/// [`Split::place_packed`] by either way of counting.
fn place_packed(
    lanes: Lanes,
    split: &Split<'_>,
    rng: &mut impl RngCore,
    n: u64,
    counts: &mut [u32; PACKED_CATEGORIES],
) {
    let put = |k: usize, c: u32| counts[k] += c;
    match lanes {
        Lanes::Narrow => split.place_packed(Bytes16, rng, n, put),
        Lanes::Wide(l) => split.place_packed(l, rng, n, put),
    }
}

/// [`ByteLanes::count`] by either way of counting.
fn counted_bytes(
    lanes: Lanes,
    rng: &mut impl RngCore,
    n: u64,
    top_bytes: &PerBoundary<u8>,
    open: &PerBoundary<u8>,
) -> ByteCounts {
    match lanes {
        Lanes::Narrow => Bytes16.count(rng, n, top_bytes, open),
        Lanes::Wide(l) => l.count(rng, n, top_bytes, open),
    }
}

/// `tries` random splits of 1 to `max_categories` categories from `seed`, a fifth of
/// the categories empty (a draw whose categories are all empty is skipped).
fn random_splits(seed: u64, tries: usize, max_categories: usize) -> Vec<Vec<f64>> {
    use rand::{Rng, SeedableRng};
    let mut gen = NoiseRng::seed_from_u64(seed);
    let mut splits = Vec::new();
    for _ in 0..tries {
        let n = gen.random_range(1..=max_categories);
        let w: Vec<f64> = (0..n)
            .map(|_| {
                if gen.random_bool(0.2) {
                    0.0
                } else {
                    gen.random::<f64>()
                }
            })
            .collect();
        let total: f64 = w.iter().sum();
        if total > 0.0 {
            splits.push(w.iter().map(|x| x / total).collect());
        }
    }
    splits
}

/// The guide and packed tables, filled a run per category, are what a walk over
/// every slice (the definition: each slice's first and last uniform's category)
/// gives: thresholds on, just off and inside slice edges, empty categories, a
/// total of 1 reached early, and random splits.
#[test]
fn split_tables_are_each_slices_categories() {
    let edge = 1.0 / GUIDE_SLICES as f64;
    let mut cases: Vec<Vec<f64>> = vec![
        DurationDist::new(8.0, 1.5, TRAINING).probs,
        vec![0.3, 0.001, 0.0, 0.699],
        vec![1.0],
        vec![0.5, 0.5, 0.0, 0.0],
        vec![edge, edge, 1.0 - 2.0 * edge],
        vec![edge * 0.5, edge * 0.25, 0.0, 1.0 - edge * 0.75],
        vec![0.0, 0.0, 1.0],
        vec![0.1; 10],
    ];
    cases.extend(random_splits(5, 300, MAX_DURATION_YEARS.min(12)));
    for probs in &cases {
        let split = Split::new(probs, true);
        let mut open = Vec::new();
        for g in 0..GUIDE_SLICES {
            let first = (g as u64) << GUIDE_SHIFT;
            let last = first + (1 << GUIDE_SHIFT) - 1;
            let (k_first, k_last) = (split.category(first), split.category(last));
            let k_walk = (0..).find(|&k| split.thresholds[k] > first).unwrap();
            assert_eq!(usize::from(split.guide[g]), k_walk, "{probs:?} slice {g}");
            if k_first != k_last {
                open.push(g as u8);
            }
        }
        assert_eq!(split.packed, probs.len() <= PACKED_CATEGORIES);
        if split.packed {
            assert_eq!(&split.open[..split.open_len], &open[..], "{probs:?}");
            for (k, &t) in split.thresholds[..PACKED_CATEGORIES - 1].iter().enumerate() {
                if split.all_below & (1 << k) != 0 {
                    assert!(t >= 1 << 53, "{probs:?} boundary {k}");
                } else {
                    assert_eq!(u64::from(split.top_bytes[k]), t >> GUIDE_SHIFT);
                }
            }
        }
    }
}

/// The definition `place_packed` counts instead of following: person j's top byte
/// is byte `j % 8` (from the lowest) of number `j / 8`; a person outside the open
/// slices takes their slice's only category, and those in open slices are placed
/// after every byte, slice by slice in order, by 45 more bits each.
fn place_one_by_one(split: &Split<'_>, rng: &mut impl RngCore, n: u64) -> [u32; PACKED_CATEGORIES] {
    let mut counts = [0u32; PACKED_CATEGORIES];
    let mut in_open = [0u32; PACKED_CATEGORIES - 1];
    let open = &split.open[..split.open_len];
    let mut left = n;
    while left > 0 {
        let x = rng.next_u64();
        for j in 0..left.min(8) {
            let b = (x >> (8 * j)) as u8;
            match open.iter().position(|&g| g == b) {
                Some(i) => in_open[i] += 1,
                None => counts[split.category(u64::from(b) << GUIDE_SHIFT)] += 1,
            }
        }
        left = left.saturating_sub(8);
    }
    for (&g, &c) in open.iter().zip(&in_open) {
        for _ in 0..c {
            let u = u64::from(g) << GUIDE_SHIFT | rng.next_u64() >> (64 - GUIDE_SHIFT);
            counts[split.category(u)] += 1;
        }
    }
    counts
}

/// Counting the bytes places everyone where the person-by-person definition does,
/// from the same numbers (the generator is left where the definition leaves it):
/// for splits with empty, narrow and boundary-sharing categories, open slices at
/// 0 and 0xff, and counts from 0 to the most a call counts.
#[test]
fn counted_placement_is_the_person_by_person_one() {
    use rand::SeedableRng;
    let edge = 1.0 / GUIDE_SLICES as f64;
    let mut cases: Vec<Vec<f64>> = vec![
        DurationDist::new(8.0, 1.5, TRAINING).probs,
        vec![0.3, 0.001, 0.0, 0.699],
        vec![1.0],
        vec![edge * 0.3, 1.0 - edge * 0.6, edge * 0.3],
        vec![0.0005, 0.0005, 0.999],
        vec![0.5, 0.5, 0.0, 0.0],
        vec![0.125; 8],
    ];
    cases.extend(random_splits(9, 200, PACKED_CATEGORIES));
    let opens_at_edges = cases.iter().filter(|p| {
        let s = Split::new(p, true);
        s.open[..s.open_len].iter().any(|&g| g == 0 || g == u8::MAX)
    });
    assert!(
        opens_at_edges.count() >= 2,
        "cases with open slices 0 and 0xff"
    );
    for lanes in lanes_here().into_iter().flatten() {
        for (i, probs) in cases.iter().enumerate() {
            let split = Split::new(probs, true);
            for n in [
                0,
                1,
                7,
                8,
                9,
                15,
                16,
                17,
                52,
                63,
                64,
                65,
                248,
                249,
                1999,
                MAX_COUNTED,
            ] {
                let mut a = NoiseRng::seed_from_u64(i as u64 * 7919 + n);
                let mut b = a.clone();
                let mut counts = [0u32; PACKED_CATEGORIES];
                place_packed(lanes, &split, &mut a, n, &mut counts);
                assert_eq!(
                    counts,
                    place_one_by_one(&split, &mut b, n),
                    "{lanes:?}: {probs:?}, n {n}"
                );
                assert_eq!(a.next_u64(), b.next_u64(), "{lanes:?}: {probs:?}, n {n}");
            }
        }
    }
}

/// The 16- and 64-bytes-at-a-time counts are the byte-at-a-time one, for any top
/// bytes and open slices (0 and 0xff among them) and every count up to the most per
/// call.
#[test]
fn vector_byte_count_is_the_scalar_one() {
    use rand::{Rng, SeedableRng};
    let mut gen = NoiseRng::seed_from_u64(4);
    for case in 0..400u64 {
        let mut top_bytes = [0u8; PACKED_CATEGORIES - 1];
        let mut open = [0u8; PACKED_CATEGORIES - 1];
        for b in top_bytes.iter_mut().chain(open.iter_mut()) {
            *b = match gen.random_range(0..4) {
                0 => 0,
                1 => u8::MAX,
                _ => gen.random(),
            };
        }
        let n = if case < 40 {
            case
        } else {
            gen.random_range(0..=MAX_COUNTED)
        };
        for lanes in lanes_here().into_iter().flatten() {
            let mut a = NoiseRng::seed_from_u64(case);
            let mut b = a.clone();
            assert_eq!(
                counted_bytes(lanes, &mut a, n, &top_bytes, &open),
                count_bytes_scalar(&mut b, n, &top_bytes, &open),
                "{lanes:?}: n {n}, top bytes {top_bytes:?}, open {open:?}"
            );
            assert_eq!(a.next_u64(), b.next_u64(), "{lanes:?}: n {n}");
        }
    }
}

/// The packed placement's refinement counts the boundaries a uniform has passed
/// (`Split::boundaries_passed`) instead of searching from the guide: the same
/// category for every uniform, at and either side of each threshold, for splits
/// with empty and narrow categories.
#[test]
fn boundaries_passed_is_the_category() {
    use rand::{Rng, SeedableRng};
    let baseline = DurationDist::new(8.0, 1.5, TRAINING).probs;
    let cases: [&[f64]; 4] = [
        &baseline,
        &[0.3, 0.001, 0.0, 0.699],
        &[1.0],
        &[0.0, 0.0, 0.5, 0.5, 0.0],
    ];
    let mut gen = NoiseRng::seed_from_u64(12);
    for probs in cases {
        let split = Split::new(probs, true);
        let mut us: Vec<u64> = (0..20_000).map(|_| gen.random::<u64>() >> 11).collect();
        for &t in &split.thresholds[..probs.len() - 1] {
            us.extend([t.saturating_sub(1), t, t + 1].map(|u| u.min((1 << 53) - 1)));
        }
        for u in us {
            assert_eq!(
                split.boundaries_passed(u),
                split.category(u),
                "{probs:?} at {u}"
            );
        }
    }
}

/// Splits of more categories than a tally has lanes go person by person, one
/// number each, and draw the categories' probabilities too.
#[test]
fn wide_splits_are_placed_one_number_a_person() {
    let wide = DurationDist::new(
        9.0,
        3.0,
        Training {
            min_years: 3,
            max_years: 16,
        },
    );
    let split = Split::new(&wide.probs, true);
    assert!(!split.packed);
    let mut noise = Noise::binomial(stream_key(3, 0, 1, Purpose::Noise));
    let mut totals = vec![0u64; wide.probs.len()];
    for _ in 0..4000 {
        noise.split_small(120.0, &split, |k, x| totals[k] += x as u64);
    }
    let (chi, df) = chi_square_of(&totals, &wide.probs);
    assert!(chi < chi_limit(df), "chi-square {chi:.1} on {df} df");
}

#[test]
fn noise_of_one_event_does_not_shift_another() {
    // Common random numbers: a change to the intake leaves the exits of today's
    // specialists exactly as they were, because each (year, event) has its own
    // sub-stream.
    let base = inputs();
    let mut more = inputs();
    more.intake = Cow::Owned(IntakePolicy {
        rules: vec![(1, 30, IntakeChange::Multiply(3.0))],
        cap_per_year: None,
        max_trainees_per_specialist_fte: None,
    });
    let mut changed_runs = 0;
    for r in 0..50 {
        let key = stream_key(5, r, 3, Purpose::Noise);
        let (a, _) = run(&base, 30, Noise::binomial(key));
        let (b, _) = run(&more, 30, Noise::binomial(key));
        // Before the first extra trainee can finish (5 years), the specialist
        // stock is identical draw for draw.
        for t in 0..=5 {
            assert_eq!(
                stock_at(&a, 31, Stock::Specialists, t),
                stock_at(&b, 31, Stock::Specialists, t),
                "run {r} year {t}"
            );
        }
        changed_runs += usize::from(a[..] != b[..]);
    }
    assert_eq!(changed_runs, 50, "the scenario did change every run");
}
