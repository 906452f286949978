//! One region-run: the yearly step of the model, nothing about threads or files.
//!
//! The state is the *year's* state: the trainees in post during year t (including
//! that year's intake) and the specialists working in it. The step from t to t+1 runs
//!
//! 1. completion: trainees whose last year was t finish; a share
//!    `(1 - dropout_share) * primary_care_uptake` become primary-care specialists;
//! 2. exits: every specialist (new ones included) leaves with probability
//!    `1/career_years + attrition_per_year`;
//! 3. population grows by `g`;
//! 4. intake of year t+1 enters and is split over effective durations D.
//!
//! This is MODEL.md's order (intake, training, completion, exits, growth) read with
//! the intake at the start of the year it belongs to: the base year's trainee count
//! already contains the base year's intake, which is what the forward-recurrence
//! start `P(R = k) = P(D >= k) / E[D]` describes. With that reading, constant intake
//! `T0 / E[D]` keeps the trainee stock exactly at `T0` (tested below).

use std::borrow::Cow;

use rand::RngCore;

use serde::{Deserialize, Serialize};

use crate::binomial::Prob;

mod ages;
mod count;
mod dlf;
mod durations;
mod intake;
#[cfg(target_arch = "x86_64")]
pub(crate) mod lanes;
mod noise;
mod passes;
pub mod reference;
mod split;
#[cfg(test)]
mod tests;

pub use ages::*;
pub use count::*;
pub use dlf::*;
pub use durations::*;
pub use intake::*;
#[cfg(target_arch = "x86_64")]
use lanes::{admit::*, specialists::*, trainee_years::*, trainees::*};
pub use noise::*;
use passes::*;
pub use reference::run_year_by_year;
use split::*;

/// Socialstyrelsen's guideline: inhabitants per full-time specialist and per trainee.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guideline {
    pub inhabitants_per_specialist: f64,
    pub inhabitants_per_trainee: f64,
}

impl Default for Guideline {
    fn default() -> Self {
        Guideline {
            inhabitants_per_specialist: 1100.0,
            inhabitants_per_trainee: 550.0,
        }
    }
}

/// The per-year quantities a run records, in the layout of `Trajectory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stock {
    Specialists = 0,
    SpecialistsFte = 1,
    Trainees = 2,
    Population = 3,
}

pub const STOCKS: usize = 4;

/// A run's yearly stocks, laid out stock-major: `values[stock * years + t]`.
#[derive(Debug)]
pub struct Trajectory<'a> {
    pub years: usize,
    pub values: &'a mut [f64],
}

impl Trajectory<'_> {
    fn set(&mut self, stock: Stock, t: usize, v: f64) {
        self.values[stock as usize * self.years + t] = v;
    }
}

/// Reads a stock out of a stock-major buffer written by `run_region`.
pub fn stock_at(values: &[f64], years: usize, stock: Stock, t: usize) -> f64 {
    values[stock as usize * years + t]
}

/// Everything one region-run needs, resolved from the data and a parameter draw.
///
/// The duration distribution and the intake policy are borrowed where they are shared
/// (a run's regions share its durations, a scenario's region-runs its policy), so a
/// region-run allocates nothing to be set up.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionInputs<'a> {
    pub population: f64,
    pub trainees: f64,
    pub headcount: f64,
    pub fte_initial: f64,
    pub fte_new: f64,
    pub duration: Cow<'a, DurationDist>,
    pub dropout_share: f64,
    pub primary_care_uptake: f64,
    pub exit_per_year: f64,
    pub intake_growth_per_year: f64,
    /// A scenario's departures from the default intake `I_0 (1 + r)^t`.
    pub intake: Cow<'a, IntakePolicy>,
    pub pop_growth_per_year: f64,
}

impl<'a> RegionInputs<'a> {
    /// The same inputs with the duration distribution and policy borrowed from these:
    /// a copy for a batch of region-runs that allocates nothing.
    pub fn borrowed(&self) -> RegionInputs<'_> {
        RegionInputs {
            duration: Cow::Borrowed(&*self.duration),
            intake: Cow::Borrowed(&*self.intake),
            ..*self
        }
    }
}

/// Runs one region for `horizon` years, writing the stocks of years 0..=horizon into
/// `out`, and returns the first year with coverage >= 1 (None if never).
///
/// In two passes over the years, each its own loop (docs/model.md): the trainees
/// (every year's intake and completions), then the specialists (today's, and those who
/// join) and the coverage. Each random event has its own sub-stream per year, so the
/// passes draw exactly what the year-by-year step draws, and the trainees do not
/// depend on the specialists, so this is the same model. The trainee pass keeps its
/// vector constants in registers for every year; the second pass holds the model's two
/// chains of draws (today's specialists, each year's exits drawn from the year
/// before's stock, and those who joined), which the processor overlaps.
pub fn run_region<R: NoiseSource>(
    inp: &RegionInputs,
    guideline: &Guideline,
    horizon: u32,
    mut noise: Noise<R>,
    out: &mut Trajectory<'_>,
) -> Option<u32> {
    debug_assert_eq!(out.years, horizon as usize + 1);
    assert!(
        inp.duration.max_years() <= MAX_DURATION_YEARS,
        "config checks max_years"
    );
    // One row per stock, in the order of `Stock`, each `years` long. The FTE row holds
    // the first pass's completions until the second reads them and writes the FTE in
    // their place.
    let years = out.years;
    let (specialists_row, rest) = out.values.split_at_mut(years);
    let (fte_row, rest) = rest.split_at_mut(years);
    let (trainees_row, population_row) = rest.split_at_mut(years);

    // 1. Trainees, and completions by year (in the FTE row).
    trainee_years(inp, &mut noise, fte_row, trainees_row);

    // 2. The specialists: today's, each leaving with the exit probability every year
    // whatever else happens, and the completers who join, with their exits; the
    // population, the stocks and the target. The two stocks' exits are two chains of
    // draws (each year's from the stock the year before left), independent of each
    // other: in one loop the processor works on both at once (a pass each was
    // slower). The target test compares the coverage's numerator with the
    // population instead of their quotient with 1 (a division's latency, once a year):
    // for a population above 0 the two are the same test, rounding included
    // (`coverage_test_without_division`).
    let exit = Prob::new(inp.exit_per_year);
    let mut s_init = noise.whole(inp.headcount);
    let to_primary_care = Prob::new((1.0 - inp.dropout_share) * inp.primary_care_uptake);
    let mut s_joined = 0.0f64;
    let mut population = inp.population;
    let mut reached = None;
    for t in 0..years {
        if t > 0 {
            noise.reseed(t, Event::ExitsInitial);
            s_init -= noise.count(s_init, &exit);
            let completers = fte_row[t];
            noise.reseed(t, Event::Uptake);
            s_joined += noise.count(completers, &to_primary_care);
            noise.reseed(t, Event::ExitsJoined);
            s_joined -= noise.count(s_joined, &exit);
            population *= 1.0 + inp.pop_growth_per_year;
        }
        let fte = s_init * inp.fte_initial + s_joined * inp.fte_new;
        specialists_row[t] = s_init + s_joined;
        fte_row[t] = fte;
        population_row[t] = population;
        if reached.is_none() && covered(guideline, fte, trainees_row[t], population) {
            reached = Some(t as u32);
        }
    }
    reached
}

/// [`run_region`] for region-runs of one region-scenario, into `values` (their
/// trajectories back to back, `STOCKS * (horizon + 1)` each) and `reached`, with
/// `noise(i)` the noise of the i-th.
///
/// Eight at a time side by side where the processor has AVX-512 and the noise is
/// binomial: each region-run's trainee pass as `run_region` runs it, then the eight
/// specialists' passes in the lanes of one vector ([`crate::model::lanes`]); else one at a
/// time. The stocks and years to target are the same bits either way
/// (`region_runs_side_by_side_are_each_run_alone`).
pub fn run_regions(
    inputs: &[RegionInputs<'_>],
    mut noise: impl FnMut(usize) -> Noise,
    guideline: &Guideline,
    horizon: u32,
    values: &mut [f64],
    reached: &mut [Option<u32>],
) {
    let years = horizon as usize + 1;
    let stride = STOCKS * years;
    assert_eq!(
        values.len(),
        inputs.len() * stride,
        "a trajectory per region-run"
    );
    assert_eq!(
        reached.len(),
        inputs.len(),
        "a year to target per region-run"
    );
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    if let Some(lanes) = crate::model::lanes::Lanes::detect() {
        use crate::model::lanes::LANES;
        while done + LANES <= inputs.len() {
            let mut noises: [Noise; LANES] = std::array::from_fn(|j| noise(done + j));
            let keys: [Option<u64>; LANES] = std::array::from_fn(|j| match noises[j] {
                Noise::Binomial { key, .. } => Some(key),
                Noise::Expected => None,
            });
            let inp = &inputs[done..done + LANES];
            let chunk = &mut values[done * stride..(done + LANES) * stride];
            let out = &mut reached[done..done + LANES];
            if keys.iter().all(Option::is_some) {
                let keys: [u64; LANES] = std::array::from_fn(|j| keys[j].unwrap_or(0));
                // Each region-run's years side by side where the processor can look
                // bytes up; else the eight region-runs side by side.
                #[allow(unsafe_code)]
                // SAFETY: `Lookups::detect` and `Lanes::detect` found the features.
                let side_by_side = match crate::model::lanes::Lookups::detect() {
                    Some(lookups) => unsafe {
                        trainee_years_each(lookups, inp, &keys, &mut noises, chunk, years)
                    },
                    None => unsafe { trainee_lanes(lanes, inp, &keys, &mut noises, chunk, years) },
                };
                if !side_by_side {
                    for ((x, inp), noise) in chunk.chunks_mut(stride).zip(inp).zip(&mut noises) {
                        let (_, rest) = x.split_at_mut(years);
                        let (fte_row, rest) = rest.split_at_mut(years);
                        trainee_years(inp, noise, fte_row, &mut rest[..years]);
                    }
                }
                #[allow(unsafe_code)]
                // SAFETY: `Lanes::detect` found the features.
                unsafe {
                    specialists_lanes(lanes, inp, &keys, guideline, chunk, years, out)
                };
            } else {
                for (((x, inp), noise), r) in chunk.chunks_mut(stride).zip(inp).zip(noises).zip(out)
                {
                    let mut traj = Trajectory { years, values: x };
                    *r = run_region(inp, guideline, horizon, noise, &mut traj);
                }
            }
            done += LANES;
        }
    }
    for (i, (x, r)) in values[done * stride..]
        .chunks_mut(stride)
        .zip(&mut reached[done..])
        .enumerate()
    {
        let mut traj = Trajectory { years, values: x };
        *r = run_region(
            &inputs[done + i],
            guideline,
            horizon,
            noise(done + i),
            &mut traj,
        );
    }
}

/// The guideline's coverage: `(per_specialist * FTE + per_trainee * T) / P`.
pub fn coverage(g: &Guideline, fte: f64, trainees: f64, population: f64) -> f64 {
    covered_numerator(g, fte, trainees) / population
}

fn covered_numerator(g: &Guideline, fte: f64, trainees: f64) -> f64 {
    g.inhabitants_per_specialist * fte + g.inhabitants_per_trainee * trainees
}

/// `coverage(..) >= 1.0`, without the division where the population is above 0 (it
/// always is: the data's is, and growth keeps it so). There the two agree exactly: if
/// `x >= P` then `x / P >= 1` and so is its rounding; if `x < P` then `x <= P - ulp(P)`,
/// so `x / P <= 1 - 2^-53`, a double below 1, and rounding keeps it there. NaN fails both.
#[inline]
fn covered(g: &Guideline, fte: f64, trainees: f64, population: f64) -> bool {
    let x = covered_numerator(g, fte, trainees);
    if population > 0.0 {
        x >= population
    } else {
        x / population >= 1.0
    }
}
