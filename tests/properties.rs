//! Property tests of the model's yearly step (proptest): for any valid inputs, stocks
//! stay non-negative and finite; in expected mode more intake never reaches the target
//! later and more attrition never earlier.

use fastlakare::config::{Guideline, Training};
use fastlakare::model::{
    run_region, DurationDist, IntakePolicy, Noise, RegionInputs, Trajectory, STOCKS,
};
use fastlakare::sample::{region_key, stream_key, Purpose};
use proptest::prelude::*;

const TRAINING: Training = Training {
    min_years: 5,
    max_years: 12,
};
const HORIZON: u32 = 60;

/// Any inputs a valid config and data row can produce.
fn inputs() -> impl Strategy<Value = RegionInputs> {
    (
        (1_000.0..3_000_000.0f64, 0.0..1_000.0f64, 0.0..3_000.0f64),
        (0.05..1.0f64, 0.05..1.0f64),
        (5.2..11.8f64, 0.1..3.0f64),
        (0.0..0.5f64, 0.0..1.0f64, 0.0..0.3f64),
        (-0.1..0.1f64, -0.05..0.05f64),
    )
        .prop_map(
            |(
                (population, trainees, headcount),
                (fte_initial, fte_new),
                (mean, sd),
                (dropout_share, primary_care_uptake, exit_per_year),
                (intake_growth_per_year, pop_growth_per_year),
            )| RegionInputs {
                population,
                trainees,
                headcount,
                fte_initial,
                fte_new,
                duration: DurationDist::new(mean, sd, TRAINING),
                dropout_share,
                primary_care_uptake,
                exit_per_year,
                intake_growth_per_year,
                intake: IntakePolicy::default(),
                pop_growth_per_year,
            },
        )
}

fn run(inp: &RegionInputs, noise: Noise) -> (Vec<f64>, Option<u32>) {
    let years = HORIZON as usize + 1;
    let mut buf = vec![0.0; STOCKS * years];
    let reached = run_region(
        inp,
        &Guideline::default(),
        HORIZON,
        noise,
        &mut Trajectory {
            years,
            values: &mut buf,
        },
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
        boosted.intake = IntakePolicy {
            rules: vec![(1, HORIZON, fastlakare::config::IntakeChange::Multiply(multiply))],
            cap_per_year: None,
        };
        let (_, boost) = run(&boosted, Noise::Expected);
        prop_assert!(when(boost) <= when(base), "intake x{multiply}: {boost:?} after {base:?}");
    }

    #[test]
    fn more_attrition_never_reaches_the_target_earlier(
        inp in inputs(),
        extra in 0.0..0.2f64,
    ) {
        let (_, base) = run(&inp, Noise::Expected);
        let mut worse = inp.clone();
        worse.exit_per_year = (worse.exit_per_year + extra).min(1.0);
        let (_, later) = run(&worse, Noise::Expected);
        prop_assert!(when(later) >= when(base), "exit +{extra}: {later:?} before {base:?}");
    }
}
