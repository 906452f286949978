//! One region-run: the yearly step of the model, nothing about threads or files.
//!
//! The state is the *year's* state: the trainees in post during year t (including
//! that year's intake), and the GP specialists by age, in primary care and outside it.
//! The year's events and their order are stated once, in [`reference`]
//! (`run_year_by_year`) and docs/model.md: completion, ageing, retirement, leaving and
//! returning, the completers joining, recruits, population growth, intake. The intake
//! sits at the start of the year it belongs to, so the base year's trainee count
//! already holds the base year's intake, as the forward-recurrence start
//! `P(R = k) = P(D >= k) / E[D]` describes, and constant intake `T0 / E[D]` keeps the
//! trainee stock exactly at `T0` (`tests::constant_intake_keeps_trainees_steady`).

use std::borrow::Cow;

use rand::RngCore;

use serde::{Deserialize, Serialize};

use crate::binomial::{Prob, SmallDraws};

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
mod specialists;
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
use specialists::*;
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
    /// GP specialists working in primary care (heads).
    Specialists = 0,
    SpecialistsFte = 1,
    Trainees = 2,
    Population = 3,
    /// GP specialists working outside primary care (heads).
    Outside = 4,
    /// Heads leaving primary care by retirement during the year.
    Retirements = 5,
}

pub const STOCKS: usize = 6;

/// A run's yearly stocks, laid out stock-major: `values[stock * years + t]`; and, if
/// asked for, the heads in primary care by age in some years.
#[derive(Debug)]
pub struct Trajectory<'a> {
    pub years: usize,
    pub values: &'a mut [f64],
    pub ages: Option<AgeRows<'a>>,
}

/// The specialists in primary care by age (today's and those who joined) in the year
/// indices `years`: `heads[k * AGES + i]` for `years[k]` and age `MIN_AGE + i`.
#[derive(Debug)]
pub struct AgeRows<'a> {
    pub years: &'a [usize],
    pub heads: &'a mut [f64],
}

impl<'a> Trajectory<'a> {
    /// The stocks alone.
    pub fn new(years: usize, values: &'a mut [f64]) -> Self {
        Trajectory {
            years,
            values,
            ages: None,
        }
    }

    /// A region-run's stocks, with its heads by age in `heads` where any years are asked
    /// for (`age_years`; `heads` then holds `age_years.len() * AGES` values).
    fn of_run(
        years: usize,
        values: &'a mut [f64],
        age_years: &'a [usize],
        heads: &'a mut [f64],
    ) -> Self {
        Trajectory {
            years,
            values,
            ages: (!age_years.is_empty()).then_some(AgeRows {
                years: age_years,
                heads,
            }),
        }
    }
}

impl Trajectory<'_> {
    /// Records the heads in primary care by age (`heads(cell)`) if year `t` is one
    /// asked for.
    pub(in crate::model) fn record_ages(&mut self, t: usize, heads: impl Fn(usize) -> f64) {
        if let Some(rows) = &mut self.ages {
            for (k, _) in rows.years.iter().enumerate().filter(|(_, &y)| y == t) {
                let cells = &mut rows.heads[k * AGES..(k + 1) * AGES];
                for (i, h) in cells.iter_mut().enumerate() {
                    *h = heads(i);
                }
            }
        }
    }

    /// Records year `t`'s specialists, population and retirements.
    pub(in crate::model) fn record_year(
        &mut self,
        t: usize,
        heads: &Heads,
        population: f64,
        retired: f64,
    ) {
        self.set(Stock::Specialists, t, heads.in_primary_care);
        self.set(Stock::SpecialistsFte, t, heads.fte);
        self.set(Stock::Population, t, population);
        self.set(Stock::Outside, t, heads.outside);
        self.set(Stock::Retirements, t, retired);
    }

    pub(in crate::model) fn set(&mut self, stock: Stock, t: usize, v: f64) {
        self.values[stock as usize * self.years + t] = v;
    }
}

/// Reads a stock out of a stock-major buffer written by `run_region`.
pub fn stock_at(values: &[f64], years: usize, stock: Stock, t: usize) -> f64 {
    values[stock as usize * years + t]
}

/// Everything one region-run needs, resolved from the data and a parameter draw.
///
/// The duration distribution, the intake policy and the ages are borrowed where they
/// are shared (a run's regions share its durations, a scenario's region-runs its
/// policy, a region's runs its ages), so a region-run allocates nothing to be set up.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionInputs<'a> {
    pub population: f64,
    pub trainees: f64,
    /// Today's GP specialists in primary care, and outside it (heads).
    pub headcount: f64,
    pub outside_headcount: f64,
    pub fte_initial: f64,
    pub fte_new: f64,
    pub duration: Cow<'a, DurationDist>,
    pub dropout_share: f64,
    /// `q`: the share of new specialists who take up primary-care work.
    pub primary_care_uptake: f64,
    /// Yearly probability of leaving primary care for other work.
    pub attrition_per_year: f64,
    /// Yearly probability that a specialist outside primary care comes back.
    pub return_per_year: f64,
    pub intake_growth_per_year: f64,
    /// `L`: intake grows for this many years, then stays flat.
    pub intake_growth_years: f64,
    /// A scenario's departures from the default intake.
    pub intake: Cow<'a, IntakePolicy>,
    pub pop_growth_per_year: f64,
    pub ages: Cow<'a, AgeInputs>,
    pub age_at_st_start: f64,
    /// Specialists recruited into primary care from outside the pipeline, a year.
    pub recruits_per_year: f64,
}

/// A region's age model: when people retire, how old today's specialists are, and
/// how old recruits are.
#[derive(Debug, Clone, PartialEq)]
pub struct AgeInputs {
    pub retirement: Retirement,
    /// Today's specialists' (and those outside's) shares by age, summing to 1.
    pub initial_profile: ByAge,
    pub recruit_age: f64,
}

impl<'a> RegionInputs<'a> {
    /// The same inputs with the shared parts borrowed from these: a copy for a batch of
    /// region-runs that allocates nothing.
    pub fn borrowed(&self) -> RegionInputs<'_> {
        RegionInputs {
            duration: Cow::Borrowed(&*self.duration),
            intake: Cow::Borrowed(&*self.intake),
            ages: Cow::Borrowed(&*self.ages),
            ..*self
        }
    }

    /// The age at which a trainee of duration `d` years completes.
    pub fn completion_age(&self, d: f64) -> f64 {
        self.age_at_st_start + d
    }
}

/// Runs one region for `horizon` years, writing the stocks of years 0..=horizon into
/// `out`, and returns the first year with coverage >= 1 (None if never).
///
/// In two passes over the years, each its own loop (docs/model.md): the trainees
/// (every year's intake, its placement over durations, and the completions), then the
/// specialists ([`Specialists::step`], the reference's own step), the population and
/// the coverage. Each random event has its own sub-stream per year, so the passes draw
/// exactly what the year-by-year step draws, and the trainees do not depend on the
/// specialists, so this is the same model. Where they do (a supervision cap on the
/// intake), this runs the reference, [`run_year_by_year`].
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
    if inp.intake.max_trainees_per_specialist_fte.is_some() {
        return run_year_by_year(inp, guideline, horizon, noise, out);
    }
    let years = out.years;
    SCRATCH.with_borrow_mut(|scratch| {
        let placed = scratch.placed(inp, years);
        let (_, rest) = out.values.split_at_mut(years);
        let (fte_row, rest) = rest.split_at_mut(years);
        // The FTE row holds the first pass's completions until the second pass writes
        // the FTE.
        trainee_years(inp, &mut noise, fte_row, &mut rest[..years], placed);
        specialists_pass(inp, guideline, &mut noise, placed, out)
    })
}

thread_local! {
    /// Each thread's placements of the trainee pass, reused run after run.
    static SCRATCH: std::cell::RefCell<Placed> = const { std::cell::RefCell::new(Placed::new()) };
}

/// What the trainee pass leaves for the specialists' pass beyond the stocks: each
/// intake year's people by duration category, and the completions of today's
/// trainees by year.
pub(in crate::model) struct Placed {
    /// `by_category[s * categories + i]`: intake year s's people of duration
    /// `min_years + i`.
    pub(in crate::model) by_category: Vec<f64>,
    pub(in crate::model) categories: usize,
    /// Completions of today's trainees by year.
    pub(in crate::model) initial: Vec<f64>,
}

impl Placed {
    pub(in crate::model) const fn new() -> Self {
        Placed {
            by_category: Vec::new(),
            categories: 0,
            initial: Vec::new(),
        }
    }

    /// Cleared and sized for a region-run of `years` years.
    pub(in crate::model) fn placed(&mut self, inp: &RegionInputs, years: usize) -> &mut Placed {
        self.categories = inp.duration.probs.len();
        self.by_category.clear();
        self.by_category.resize(years * self.categories, 0.0);
        self.initial.clear();
        self.initial.resize(years, 0.0);
        self
    }
}

/// The second pass of [`run_region`]: the specialists year by year from the trainee
/// pass's completions (in the FTE row) and placements, the population, the stocks and
/// the target test.
fn specialists_pass<R: NoiseSource>(
    inp: &RegionInputs,
    guideline: &Guideline,
    noise: &mut Noise<R>,
    placed: &Placed,
    out: &mut Trajectory<'_>,
) -> Option<u32> {
    let years = out.years;
    let mut stocks = initial_stocks(inp, noise);
    let mut recruits = Recruits::new(inp.recruits_per_year, noise.counts());
    let mut population = inp.population;
    let mut reached = None;
    let completion = CompletionCells::new(inp);
    for t in 0..years {
        let mut retired = 0.0;
        if t > 0 {
            let mut completers = [0.0; AGES];
            completion.add_completers(inp, placed, t, |cell, x| completers[cell] += x);
            retired = stocks.step(inp, noise, t, &completers);
            stocks.joined[cell_of(inp.ages.recruit_age)] += recruits.next();
            population *= 1.0 + inp.pop_growth_per_year;
        }
        let heads = stocks.heads(inp);
        let trainees = out.values[Stock::Trainees as usize * years + t];
        out.record_year(t, &heads, population, retired);
        out.record_ages(t, |i| stocks.initial[i] + stocks.joined[i]);
        if reached.is_none() && covered(guideline, heads.fte, trainees, population) {
            reached = Some(t as u32);
        }
    }
    reached
}

/// The age cells at which a region-run's trainees complete: today's by the years they
/// have left, each intake cohort by its duration category.
pub(in crate::model) struct CompletionCells {
    intake: [usize; MAX_DURATION_YEARS],
}

impl CompletionCells {
    pub(in crate::model) fn new(inp: &RegionInputs) -> Self {
        CompletionCells {
            intake: std::array::from_fn(|i| inp.intake_completion_cell(i)),
        }
    }

    /// `add(cell, completers)` for year `t`'s completers (`t >= 1`), in the order the
    /// reference's ring of cohorts adds them: today's trainees, then the intake years
    /// in turn.
    pub(in crate::model) fn add_completers(
        &self,
        inp: &RegionInputs,
        placed: &Placed,
        t: usize,
        mut add: impl FnMut(usize, f64),
    ) {
        let first = inp.duration.min_years as usize;
        let k = placed.categories;
        if t <= inp.duration.max_years() {
            add(inp.initial_completion_cell(t), placed.initial[t]);
        }
        for (i, &cell) in self.intake[..k].iter().enumerate().rev() {
            if let Some(s) = t.checked_sub(first + i).filter(|&s| s >= 1) {
                add(cell, placed.by_category[s * k + i]);
            }
        }
    }
}

/// [`run_region`] for region-runs of one region-scenario, into `values` (their
/// trajectories back to back, `STOCKS * (horizon + 1)` each) and `reached`, with
/// `noise(i)` the noise of the i-th; and, if asked, their heads by age in `ages`
/// (`ages.heads` the region-runs' [`AgeRows`] back to back).
pub fn run_regions(
    inputs: &[RegionInputs<'_>],
    mut noise: impl FnMut(usize) -> Noise,
    guideline: &Guideline,
    horizon: u32,
    values: &mut [f64],
    reached: &mut [Option<u32>],
    ages: Option<AgeRows<'_>>,
) {
    let years = horizon as usize + 1;
    let stride = STOCKS * years;
    let (age_years, age_heads): (&[usize], &mut [f64]) = match ages {
        Some(a) => (a.years, a.heads),
        None => (&[], &mut []),
    };
    let per_run = age_years.len() * AGES;
    assert_eq!(
        age_heads.len(),
        inputs.len() * per_run,
        "ages per region-run"
    );
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
    if let Some(lanes) = lanes::Lanes::detect() {
        use lanes::LANES;
        let capped = inputs
            .iter()
            .any(|inp| inp.intake.max_trainees_per_specialist_fte.is_some());
        while !capped && done + LANES <= inputs.len() {
            let mut noises: [Noise; LANES] = std::array::from_fn(|j| noise(done + j));
            let inp: &[RegionInputs<'_>; LANES] = inputs[done..done + LANES]
                .try_into()
                .expect("eight region-runs");
            let chunk = &mut values[done * stride..(done + LANES) * stride];
            let out = &mut reached[done..done + LANES];
            let heads = &mut age_heads[done * per_run..(done + LANES) * per_run];
            let ages = (age_years, heads);
            trainee_lanes_then_specialists(
                lanes,
                inp,
                &mut noises,
                guideline,
                (chunk, out),
                years,
                ages,
            );
            done += LANES;
        }
    }
    for (i, (x, r)) in values[done * stride..]
        .chunks_mut(stride)
        .zip(&mut reached[done..])
        .enumerate()
    {
        let j = done + i;
        let heads = &mut age_heads[j * per_run..(j + 1) * per_run];
        let mut traj = Trajectory::of_run(years, x, age_years, heads);
        *r = run_region(&inputs[j], guideline, horizon, noise(j), &mut traj);
    }
}

/// Eight region-runs of one region-scenario: their trainee passes side by side where
/// the noise is binomial (a region-run's years side by side where the processor can
/// look bytes up, else the eight region-runs), each alone where a kernel cannot run
/// them; then their specialists' passes side by side where the noise is binomial and
/// they retire alike, else each one's alone.
#[cfg(target_arch = "x86_64")]
fn trainee_lanes_then_specialists(
    lanes: lanes::Lanes,
    inputs: &[RegionInputs<'_>; lanes::LANES],
    noises: &mut [Noise; lanes::LANES],
    guideline: &Guideline,
    (chunk, reached): (&mut [f64], &mut [Option<u32>]),
    years: usize,
    (age_years, age_heads): (&[usize], &mut [f64]),
) {
    use lanes::LANES;
    let stride = STOCKS * years;
    LANE_SCRATCH.with_borrow_mut(|placed| {
        for (p, inp) in placed.iter_mut().zip(inputs) {
            p.placed(inp, years);
        }
        let keys: [Option<u64>; LANES] = std::array::from_fn(|j| match noises[j] {
            Noise::Binomial { key, .. } => Some(key),
            Noise::Expected => None,
        });
        let side_by_side = keys.iter().all(Option::is_some) && {
            let keys: [u64; LANES] = std::array::from_fn(|j| keys[j].unwrap_or(0));
            #[allow(unsafe_code)]
            // SAFETY: `Lookups::detect` and `Lanes::detect` found the features.
            match lanes::Lookups::detect() {
                Some(lookups) => unsafe {
                    trainee_years_each(lookups, inputs, noises, chunk, years, placed)
                },
                None => unsafe {
                    trainee_lanes(lanes, inputs, &keys, noises, chunk, years, placed)
                },
            }
        };
        if !side_by_side {
            for (j, x) in chunk.chunks_mut(stride).enumerate() {
                let (_, rest) = x.split_at_mut(years);
                let (fte_row, rest) = rest.split_at_mut(years);
                trainee_years(
                    &inputs[j],
                    &mut noises[j],
                    fte_row,
                    &mut rest[..years],
                    &mut placed[j],
                );
            }
        }
        let per_run = age_years.len() * AGES;
        // No ages asked for: no heads, and no chunks of them.
        let mut heads = age_heads.chunks_mut(per_run.max(1));
        let mut runs = chunk.chunks_mut(stride);
        let mut out: [Trajectory<'_>; LANES] = std::array::from_fn(|_| {
            let values = runs.next().expect("eight region-runs");
            Trajectory::of_run(years, values, age_years, heads.next().unwrap_or(&mut []))
        });
        match lanes::specialists::side_by_side(inputs, &keys) {
            Some(keys) => {
                let placed = &*placed;
                #[allow(unsafe_code)]
                // SAFETY: `Lanes::detect` found the features.
                let years_to_target = unsafe {
                    specialists_lanes(lanes, inputs, &keys, noises, guideline, placed, &mut out)
                };
                reached.copy_from_slice(&years_to_target);
            }
            None => {
                for (j, traj) in out.iter_mut().enumerate() {
                    reached[j] =
                        specialists_pass(&inputs[j], guideline, &mut noises[j], &placed[j], traj);
                }
            }
        }
    });
}

#[cfg(target_arch = "x86_64")]
thread_local! {
    /// Each thread's placements for eight region-runs side by side.
    static LANE_SCRATCH: std::cell::RefCell<[Placed; lanes::LANES]> =
        const { std::cell::RefCell::new([const { Placed::new() }; lanes::LANES]) };
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
