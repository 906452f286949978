//! Property tests of the model's yearly step (proptest): for any valid inputs, stocks
//! stay non-negative and finite; in expected mode more intake never reaches the target
//! later, more attrition never earlier, more returns or recruits never later; a simulation's outcome does not depend on
//! the number of threads or on how its runs are split into shards.

use std::borrow::Cow;

use fastlakare::config::{retirement_of, Guideline, Training, DEFAULT_RETIREMENT_AGE};
use fastlakare::model::{
    run_region, AgeInputs, DurationDist, IntakePolicy, Noise, RegionInputs, Trajectory, STOCKS,
};
use fastlakare::sample::{region_key, stream_key, Purpose};
use proptest::prelude::*;

const TRAINING: Training = Training {
    min_years: 5,
    max_years: 12,
};
const HORIZON: u32 = 60;

/// Any inputs a valid config and data row can produce.
fn inputs() -> impl Strategy<Value = RegionInputs<'static>> {
    (
        (1_000.0..3_000_000.0f64, 0.0..1_000.0f64, 0.0..3_000.0f64),
        (0.05..1.0f64, 0.05..1.0f64),
        (5.2..11.8f64, 0.1..3.0f64),
        (0.0..0.5f64, 0.0..1.0f64, 0.0..0.3f64),
        (-0.1..0.1f64, -0.05..0.05f64),
        (0.0..2_000.0f64, 0.0..0.3f64, 0.0..40.0f64),
        (25.0..45.0f64, 0.0..20.0f64),
    )
        .prop_map(
            |(
                (population, trainees, headcount),
                (fte_initial, fte_new),
                (mean, sd),
                (dropout_share, primary_care_uptake, attrition_per_year),
                (intake_growth_per_year, pop_growth_per_year),
                (outside_headcount, return_per_year, intake_growth_years),
                (age_at_st_start, recruits_per_year),
            )| RegionInputs {
                population,
                trainees,
                headcount,
                fte_initial,
                fte_new,
                duration: Cow::Owned(DurationDist::new(mean, sd, TRAINING)),
                dropout_share,
                primary_care_uptake,
                attrition_per_year,
                intake_growth_per_year,
                intake: Cow::Owned(IntakePolicy::default()),
                pop_growth_per_year,
                outside_headcount,
                return_per_year,
                intake_growth_years,
                ages: Cow::Owned(default_ages()),
                age_at_st_start,
                recruits_per_year,
            },
        )
}

/// The default age model of a region that said nothing of its ages.
fn default_ages() -> AgeInputs {
    let retirement = retirement_of(&DEFAULT_RETIREMENT_AGE);
    AgeInputs {
        initial_profile: retirement.initial_profile(None),
        retirement,
        recruit_age: 45.0,
    }
}

fn run(inp: &RegionInputs, noise: Noise) -> (Vec<f64>, Option<u32>) {
    let years = HORIZON as usize + 1;
    let mut buf = vec![0.0; STOCKS * years];
    let reached = run_region(
        inp,
        &Guideline::default(),
        HORIZON,
        noise,
        &mut Trajectory::new(years, &mut buf),
    );
    (buf, reached)
}

/// Years to target with "never" as infinity, for ordering.
fn when(reached: Option<u32>) -> u64 {
    reached.map_or(u64::MAX, u64::from)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn stocks_stay_non_negative_and_finite(inp in inputs(), run_index in 0u32..1000) {
        let key = stream_key(1, run_index, region_key("06"), Purpose::Noise);
        for noise in [Noise::Expected, Noise::binomial(key)] {
            let (stocks, _) = run(&inp, noise);
            for v in stocks {
                prop_assert!(v.is_finite() && v >= 0.0, "stock {v} from {inp:?}");
            }
        }
    }

    #[test]
    fn more_intake_never_reaches_the_target_later(
        inp in inputs(),
        extra_growth in 0.0..0.05f64,
        multiply in 1.0..3.0f64,
    ) {
        let (_, base) = run(&inp, Noise::Expected);
        let mut more = inp.clone();
        more.intake_growth_per_year += extra_growth;
        let (_, faster) = run(&more, Noise::Expected);
        prop_assert!(when(faster) <= when(base), "growth +{extra_growth}: {faster:?} after {base:?}");
        let mut boosted = inp.clone();
        boosted.intake = Cow::Owned(IntakePolicy {
            rules: vec![(1, HORIZON, fastlakare::config::IntakeChange::Multiply(multiply))],
            cap_per_year: None,
            max_trainees_per_specialist_fte: None,
        });
        let (_, boost) = run(&boosted, Noise::Expected);
        prop_assert!(when(boost) <= when(base), "intake x{multiply}: {boost:?} after {base:?}");
    }

    /// Without returns: a leaver who comes back works `fte_new`, so with returns more
    /// attrition can turn today's part-time into newcomers' hours (docs/model.md).
    #[test]
    fn more_attrition_never_reaches_the_target_earlier(
        inp in inputs(),
        extra in 0.0..0.2f64,
    ) {
        let mut inp = inp;
        inp.return_per_year = 0.0;
        let (_, base) = run(&inp, Noise::Expected);
        let mut worse = inp.clone();
        worse.attrition_per_year = (worse.attrition_per_year + extra).min(1.0);
        let (_, later) = run(&worse, Noise::Expected);
        prop_assert!(when(later) >= when(base), "attrition +{extra}: {later:?} before {base:?}");
    }

    #[test]
    fn more_returns_or_recruits_never_reach_the_target_later(
        inp in inputs(),
        extra_return in 0.0..0.3f64,
        extra_recruits in 0.0..20.0f64,
    ) {
        let (_, base) = run(&inp, Noise::Expected);
        let mut back = inp.clone();
        back.return_per_year = (back.return_per_year + extra_return).min(1.0);
        let (_, sooner) = run(&back, Noise::Expected);
        prop_assert!(when(sooner) <= when(base), "returns +{extra_return}: {sooner:?} after {base:?}");
        let mut recruited = inp.clone();
        recruited.recruits_per_year += extra_recruits;
        let (_, sooner) = run(&recruited, Noise::Expected);
        prop_assert!(when(sooner) <= when(base), "recruits +{extra_recruits}: {sooner:?} after {base:?}");
    }
}

/// The plan of the shipped baseline config, with few runs and a short horizon.
fn small_plan(runs: u32, seed: u64, threads: usize) -> fastlakare::plan::RunPlan {
    use fastlakare::plan::{Overrides, RunPlan};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/baseline.toml");
    let mut cfg = fastlakare::config::Config::load(&path).unwrap();
    cfg.horizon_years = 15;
    cfg.checkpoint_years = vec![2030, 2035];
    let table = fastlakare::data::RegionTable::builtin();
    let o = Overrides {
        runs: Some(runs),
        seed: Some(seed),
        out: None,
        threads: Some(threads),
        ..Default::default()
    };
    RunPlan::new(cfg, table, &o).unwrap()
}

fn outcome_key(sim: &fastlakare::simulate::SimOutput) -> Vec<String> {
    // Everything kept: years to target, extra costs, every sketch (its Debug form holds
    // every count, the fixed-point sum, min and max).
    sim.scenarios
        .iter()
        .flat_map(|s| &s.regions)
        .map(|r| format!("{:?}|{:?}|{:?}", r.years_to_target, r.extra_costs, r.bands))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Same seed, same outcome with 1 or 2 threads, and when the runs are simulated as
    /// any number of shards and appended.
    #[test]
    fn outcome_does_not_depend_on_threads_or_shards(
        seed in any::<u64>(),
        runs in 1u32..40,
        shards in 1u32..6,
    ) {
        use fastlakare::simulate::{simulate, RunRange};
        let whole = simulate(&small_plan(runs, seed, 1), RunRange::all(runs), &|_| {}, None).unwrap();
        let two = small_plan(runs, seed, 2);
        let threaded = simulate(&two, RunRange::all(runs), &|_| {}, None).unwrap();
        prop_assert_eq!(outcome_key(&whole), outcome_key(&threaded));
        let shards = shards.min(runs);
        let mut merged: Option<fastlakare::simulate::SimOutput> = None;
        for k in 1..=shards {
            let part = simulate(&two, RunRange::shard(runs, k, shards), &|_| {}, None).unwrap();
            match &mut merged {
                None => merged = Some(part),
                Some(m) => m.append(part).unwrap(),
            }
        }
        prop_assert_eq!(outcome_key(&whole), outcome_key(&merged.unwrap()));
    }
}
