//! The facts the sources state, checked against the model (MODEL.md, "Version 2"):
//! expected mode, every uncertain parameter at a central value, the shipped data.

use std::collections::BTreeMap;

use fastlakare::config::Config;
use fastlakare::data::{Region, RegionTable};
use fastlakare::model::{
    noise_substream, run_region, run_year_by_year, AgeInputs, Event, Noise, NoiseRng, NoiseSource,
    RegionInputs, Retirement, Stock, Trajectory, AGES, MIN_AGE, STOCKS,
};
use fastlakare::sample::{self, stream_key, Purpose};
use rand::RngCore;

/// The baseline's parameters at central values (modes, midpoints, means).
const CENTRAL: &str = r#"
name = "central"
seed = 1
runs = 1
mode = "expected"
[parameters]
st_duration_mean_years = 8.0
st_duration_sd_years = 1.5
dropout_share = 0.05
age_at_st_start = 32.0
share_in_primary_care = 0.63
attrition_per_year = 0.01
return_rate = 0.0
recruits_per_year = 0.0
fte_new = 0.8
fte_initial = 0.8
intake_growth_per_year = 0.025
intake_growth_years = 7.5
pop_growth_multiplier = 0.6
public_share = 0.65
[overrides.25]
public_headcount = 92.0
"#;

/// Each region's stocks for `horizon` years under `cfg`, expected mode.
fn stocks(cfg: &Config, regions: &[Region], horizon: u32) -> Vec<(Region, Vec<f64>)> {
    // Every parameter is fixed: which uniforms they take does not matter.
    let u = sample::national_uniforms(1, 0);
    regions
        .iter()
        .map(|r| {
            let draw = sample::draw(cfg, r, &u, &u, &BTreeMap::new());
            let inp = RegionInputs::new(r, &draw, cfg.training, &cfg.ages);
            let years = horizon as usize + 1;
            let mut buf = vec![0.0; STOCKS * years];
            let mut traj = Trajectory::new(years, &mut buf);
            let expected: Noise = Noise::Expected;
            run_region(&inp, &cfg.guideline, horizon, expected, &mut traj);
            (r.clone(), buf)
        })
        .collect()
}

fn at(buf: &[f64], years: usize, s: Stock, t: usize) -> f64 {
    buf[s as usize * years + t]
}

/// Nationally, the share of GP specialists working in primary care, S / (S + O),
/// stays within 0.63 +/- 0.03 over the first ten years (4 400 of 7 000 in 2019).
#[test]
fn the_share_in_primary_care_stays_near_the_stock_share() {
    let cfg = Config::parse(CENTRAL, "central.toml").unwrap();
    let table = RegionTable::builtin();
    let runs = stocks(&cfg, &table.regions, 10);
    for t in 0..=10 {
        let (s, o) = runs.iter().fold((0.0, 0.0), |(s, o), (_, b)| {
            (
                s + at(b, 11, Stock::Specialists, t),
                o + at(b, 11, Stock::Outside, t),
            )
        });
        let share = s / (s + o);
        assert!((share - 0.63).abs() <= 0.03, "year {t}: {share}");
    }
}

/// Kronoberg's 27 specialists aged 58 or over (31 %) "will retire within 8-10 years":
/// its retirements in 2024-2033 are at least those 27 of its 86 (the issue asks for
/// 28 %; MODEL.md for 27 plus some of the under-58s).
#[test]
fn kronoberg_retires_its_oldest_within_ten_years() {
    let cfg = Config::parse(CENTRAL, "central.toml").unwrap();
    let table = RegionTable::builtin();
    let kronoberg = table.get("07").unwrap().clone();
    assert_eq!(kronoberg.age_tail.unwrap().threshold_age, 58);
    let (_, b) = &stocks(&cfg, &[kronoberg], 10)[0];
    let retired: f64 = (1..=10).map(|t| at(b, 11, Stock::Retirements, t)).sum();
    let stock = at(b, 11, Stock::Specialists, 0);
    assert!(retired >= 27.0 / 86.0 * stock, "{retired} of {stock}");
    // And not everyone: the under-58s mostly stay.
    assert!(retired <= 0.5 * stock, "{retired} of {stock}");
}

/// With the default (stationary) profile, Sverige's first-year retirements are within
/// 20 % of S_0 / 25 (DLF: 1/25 of specialists retire each year).
#[test]
fn first_year_retirements_are_about_one_in_twenty_five() {
    let cfg = Config::parse(CENTRAL, "central.toml").unwrap();
    let mut regions = RegionTable::builtin().regions;
    for r in &mut regions {
        r.age_tail = None;
    }
    let runs = stocks(&cfg, &regions, 1);
    let (s0, retired) = runs.iter().fold((0.0, 0.0), |(s, r), (_, b)| {
        (
            s + at(b, 2, Stock::Specialists, 0),
            r + at(b, 2, Stock::Retirements, 1),
        )
    });
    let dlf = s0 / 25.0;
    assert!(
        (retired - dlf).abs() <= 0.2 * dlf,
        "{retired} against {dlf}"
    );
}

/// The reduction docs/model.md derives: everyone in primary care (q = 1, no dropout,
/// no attrition), a fixed retirement age R, today's stock uniform over ages A..R-1,
/// steady intake and no growth. Then today's stock loses S_0 / n a year (n = R - A
/// cells, the oldest retiring each year), and the completers, T_0 / E[D] a year, all
/// join: S(t) = S_0 (1 - t / n) + t T_0 / E[D] while nobody who joined is old enough
/// to retire.
#[test]
fn a_fixed_retirement_age_gives_the_closed_form() {
    let cfg = Config::parse(CENTRAL, "central.toml").unwrap();
    let table = RegionTable::builtin();
    let region = table.get("06").unwrap();
    let u = sample::national_uniforms(1, 0);
    let draw = sample::draw(&cfg, region, &u, &u, &BTreeMap::new());
    let (a, r) = (50u32, 66u32);
    let n = f64::from(r - a);
    let mut pmf = [0.0; AGES];
    pmf[(r - MIN_AGE) as usize] = 1.0;
    let mut profile = [0.0; AGES];
    for age in a..r {
        profile[(age - MIN_AGE) as usize] = 1.0 / n;
    }
    let mut inp = RegionInputs::new(region, &draw, cfg.training, &cfg.ages);
    inp.ages = std::borrow::Cow::Owned(AgeInputs {
        retirement: Retirement::from_pmf(&pmf),
        initial_profile: profile,
        recruit_age: 45.0,
    });
    (
        inp.primary_care_uptake,
        inp.dropout_share,
        inp.attrition_per_year,
    ) = (1.0, 0.0, 0.0);
    (inp.intake_growth_per_year, inp.pop_growth_per_year) = (0.0, 0.0);
    inp.outside_headcount = 0.0;
    let horizon = 12;
    let years = horizon as usize + 1;
    let (s0, t0, mean_d) = (inp.headcount, inp.trainees, inp.duration.mean_years);
    for reference in [false, true] {
        let mut buf = vec![0.0; STOCKS * years];
        let mut traj = Trajectory::new(years, &mut buf);
        let g = &cfg.guideline;
        let expected: Noise = Noise::Expected;
        if reference {
            run_year_by_year(&inp, g, horizon, expected, &mut traj);
        } else {
            run_region(&inp, g, horizon, expected, &mut traj);
        }
        for t in 0..years {
            let tf = t as f64;
            let want = s0 * (1.0 - tf / n) + tf * t0 / mean_d;
            let got = at(&buf, years, Stock::Specialists, t);
            assert!(
                (got - want).abs() < 1e-9 * s0.max(1.0),
                "year {t}: {got} against {want}"
            );
            let retired = at(&buf, years, Stock::Retirements, t);
            let want = if t == 0 { 0.0 } else { s0 / n };
            assert!(
                (retired - want).abs() < 1e-9 * s0,
                "year {t}: retired {retired}"
            );
            assert!((at(&buf, years, Stock::Trainees, t) - t0).abs() < 1e-9 * t0);
            assert_eq!(at(&buf, years, Stock::Outside, t), 0.0);
        }
    }
}

thread_local! {
    /// Every number `Recording` drew, with its sub-stream's index.
    static DRAWN: std::cell::RefCell<Vec<(u64, u64)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The model's generator, recording each number it gives.
struct Recording {
    rng: NoiseRng,
    index: u64,
}

impl NoiseSource for Recording {
    fn substream(key: u64, index: u64) -> Self {
        Recording {
            rng: noise_substream(key, index),
            index,
        }
    }
}

impl RngCore for Recording {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        let x = self.rng.next_u64();
        DRAWN.with(|d| d.borrow_mut().push((self.index, x)));
        x
    }
    fn fill_bytes(&mut self, _: &mut [u8]) {
        unimplemented!("the model draws whole numbers only")
    }
}

/// Common random numbers: a scenario that only adds returns draws no other event's
/// numbers differently. Trainees are the same bits in every run and year; with a
/// return rate so small that most runs see no return in ten years, those runs'
/// stocks are the same bits throughout; and at a rate where nearly every run sees
/// one, every event but returns draws the same numbers up to the first year that
/// differs, so that year differs by the returners alone.
#[test]
fn returns_leave_every_other_draw_as_it_was() {
    let cfg = Config::parse(&CENTRAL.replace("\"expected\"", "\"binomial\""), "c.toml").unwrap();
    let table = RegionTable::builtin();
    let region = table.get("09").unwrap();
    let u = sample::national_uniforms(1, 0);
    let draw = sample::draw(&cfg, region, &u, &u, &BTreeMap::new());
    let base = RegionInputs::new(region, &draw, cfg.training, &cfg.ages);
    let mut back = base.clone();
    back.return_per_year = 2e-4;
    let (horizon, years) = (10u32, 11usize);
    let mut unchanged = 0;
    for run in 0..200 {
        let key = stream_key(3, run, 9, Purpose::Noise);
        let go = |inp: &RegionInputs| {
            let mut buf = vec![0.0; STOCKS * years];
            let mut traj = Trajectory::new(years, &mut buf);
            run_region(
                inp,
                &cfg.guideline,
                horizon,
                Noise::binomial(key),
                &mut traj,
            );
            buf
        };
        let (a, b) = (go(&base), go(&back));
        let row = |x: &[f64], s: Stock| x[s as usize * years..][..years].to_vec();
        assert_eq!(
            row(&a, Stock::Trainees),
            row(&b, Stock::Trainees),
            "run {run}"
        );
        unchanged += usize::from(a == b);
    }
    // Gotland's outside stock is about 20: P(no return in 10 years) is about 0.96.
    assert!(unchanged >= 180, "{unchanged} of 200 runs unchanged");

    back.return_per_year = 0.05;
    let (horizon, years) = (30u32, 31usize);
    let mut returned = 0;
    for run in 0..100 {
        let key = stream_key(3, run, 9, Purpose::Noise);
        // The reference, its every number recorded with its sub-stream.
        let go = |inp: &RegionInputs| {
            let mut buf = vec![0.0; STOCKS * years];
            let mut traj = Trajectory::new(years, &mut buf);
            DRAWN.with(|d| d.borrow_mut().clear());
            run_year_by_year(
                inp,
                &cfg.guideline,
                horizon,
                Noise::<Recording>::binomial_from(key),
                &mut traj,
            );
            (buf, DRAWN.with(|d| d.take()))
        };
        let ((a, drawn_a), (b, drawn_b)) = (go(&base), go(&back));
        let year =
            |x: &[f64], t: usize| -> Vec<f64> { (0..STOCKS).map(|s| x[s * years + t]).collect() };
        let trainees = |x: &[f64]| x[Stock::Trainees as usize * years..][..years].to_vec();
        assert_eq!(trainees(&a), trainees(&b), "run {run}");
        let Some(t) = (0..years).find(|&t| year(&a, t) != year(&b, t)) else {
            continue;
        };
        returned += 1;
        // Up to and including the first year that differs, every event but returns
        // drew the same numbers: the difference is the returners'.
        let others_until = |drawn: &[(u64, u64)]| -> Vec<(u64, u64)> {
            drawn
                .iter()
                .filter(|&&(index, _)| {
                    let (year, event) = Event::of_substream(index);
                    year <= t && event != Some(Event::Returns)
                })
                .copied()
                .collect()
        };
        assert_eq!(
            others_until(&drawn_a),
            others_until(&drawn_b),
            "run {run}, year {t}"
        );
        assert!(drawn_b
            .iter()
            .any(|&(index, _)| index == Event::Returns.substream(t)));
        let came_back = at(&b, years, Stock::Specialists, t) - at(&a, years, Stock::Specialists, t);
        let left_outside = at(&a, years, Stock::Outside, t) - at(&b, years, Stock::Outside, t);
        assert!(
            came_back >= 1.0 && came_back.fract() == 0.0,
            "run {run}, year {t}: {came_back}"
        );
        assert_eq!(came_back, left_outside, "run {run}, year {t}");
    }
    // About 20 outside at 5 % a year: P(no return in 30 years) is below 1e-12.
    assert!(returned >= 95, "{returned} of 100 runs saw a return");
}
