//! Runs x regions over rayon, a chunk of runs at a time, and what is kept of them.
//!
//! For each chunk of [`CHUNK_RUNS`] runs: every scenario, every region in turn (the
//! runs of a region in parallel, a group at a time whose band metrics and costs are
//! computed while its stocks are in cache; a region's sketches and sink fed while the
//! next region is simulated), then Sverige as their sum. A chunk's trajectories live
//! only until they are added to the band sketches and lent to the sink (which writes
//! runs and trajectories), so memory holds the chunks of two regions (their stocks and
//! band metrics) plus one of the Sweden sums, however many runs there are. Kept per
//! run, exactly: years to target and, for scenarios, the extra cost over the baseline
//! (a few bytes a run).
//!
//! Invariant: the output does not depend on the number of threads, the chunk size or
//! how the runs are split into shards. Per-run values come from per-(run, region)
//! streams; sketches merge exactly (`crate::sketch`); per-run vectors are appended in
//! run order.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::config::{Config, Guideline, Mode, Training};
use crate::data::Region;
use crate::error::Error;
use crate::model::{
    self, coverage, stock_at, AgeRows, DlfInputs, DurationDist, Noise, RegionInputs, Stock,
    Trajectory, AGES, STOCKS,
};
use crate::params::{Param, PARAM_COUNT};
use crate::plan::RunPlan;
use crate::sample::{self, NationalDraw, Purpose};
use crate::scenario::RegionScenario;
use crate::sketch::Sketch;
use crate::stats::{BandStats, LEVELS};

/// Region code and name of the Sweden total.
pub use crate::names::NATIONAL_CODE;
pub const NATIONAL_NAME: &str = "Sverige";

/// The metrics of `bands.parquet`, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Coverage,
    Specialists,
    SpecialistsFte,
    Trainees,
    InhabitantsPerFte,
    /// GP specialists working outside primary care (heads).
    OutsidePrimaryCare,
    /// Heads leaving primary care by retirement during the year.
    Retirements,
    /// 1 if the run has reached the target by the year, else 0: its mean is the
    /// probability of being at target by then.
    Reached,
}

impl Metric {
    pub const ALL: [Metric; 8] = [
        Metric::Coverage,
        Metric::Specialists,
        Metric::SpecialistsFte,
        Metric::Trainees,
        Metric::InhabitantsPerFte,
        Metric::OutsidePrimaryCare,
        Metric::Retirements,
        Metric::Reached,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Metric::Coverage => "coverage",
            Metric::Specialists => "specialists",
            Metric::SpecialistsFte => "specialists_fte",
            Metric::Trainees => "trainees",
            Metric::InhabitantsPerFte => "inhabitants_per_fte",
            Metric::OutsidePrimaryCare => "outside_primary_care",
            Metric::Retirements => "retirements",
            Metric::Reached => "reached",
        }
    }
}

/// What is kept of a run beside its year at target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunFlags {
    /// The run reached the target and was below it again at some later year.
    pub fell_back: bool,
    /// The run's derived uptake `q = s / M(a)` came out above 1 and was clamped.
    pub uptake_clamped: bool,
}

/// The first year from which `covered` holds `sustain` years in a row, all within the
/// `years` simulated (`sustain_years`), and whether coverage is below the target again
/// at some year after that first one.
pub fn sustained_target(
    covered: impl Fn(usize) -> bool,
    years: usize,
    sustain: usize,
) -> (Option<u32>, bool) {
    let mut run = 0;
    let mut reached = None;
    for t in 0..years {
        if covered(t) {
            run += 1;
            if run >= sustain {
                reached = Some(t + 1 - sustain);
                break;
            }
        } else {
            run = 0;
        }
    }
    let fell_back = reached.is_some_and(|r| (r + 1..years).any(|t| !covered(t)));
    (reached.map(|r| r as u32), fell_back)
}

/// [`sustained_target`] of one run's stocks (`STOCKS * years`) against a guideline:
/// the first year at target as the config defines it, and whether the run fell back.
pub fn target_of(
    stocks: &[f64],
    years: usize,
    guideline: &Guideline,
    sustain: u32,
) -> (Option<u32>, bool) {
    let m = Measure {
        guideline,
        dlf_need: None,
    };
    let covered = |t: usize| coverage_of(stocks, years, m, t) >= 1.0;
    sustained_target(covered, years, sustain as usize)
}

/// Names of the `param_*` columns: the catalogue, then values derived per region-run.
pub fn param_column_names() -> Vec<String> {
    let mut names: Vec<String> = Param::ALL
        .iter()
        .map(|p| format!("param_{}", p.name()))
        .collect();
    names.push("param_initial_headcount".into());
    names
}

pub const PARAM_COLUMNS: usize = PARAM_COUNT + 1;
pub type ParamRow = [Option<f64>; PARAM_COLUMNS];

/// Runs are simulated this many at a time: the memory a run takes (its trajectory,
/// for one region plus the Sweden sums) is held for one chunk only.
pub const CHUNK_RUNS: u32 = 4096;

/// A contiguous slice of the runs, `start..end` (0-based run indices): all of them, or
/// one shard's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunRange {
    pub start: u32,
    pub end: u32,
}

impl RunRange {
    pub fn all(runs: u32) -> RunRange {
        RunRange {
            start: 0,
            end: runs,
        }
    }

    /// The `k`-th (1-based) of `n` near-equal slices of `runs`.
    pub fn shard(runs: u32, k: u32, n: u32) -> RunRange {
        let cut = |i: u32| (u64::from(runs) * u64::from(i) / u64::from(n)) as u32;
        RunRange {
            start: cut(k - 1),
            end: cut(k),
        }
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// What one region (or Sverige) produced over the runs of a [`RunRange`].
#[derive(Debug, Clone)]
pub struct RegionOutcome {
    pub code: String,
    pub name: String,
    pub policy_target_year: Option<i32>,
    /// Per run: years from the base year to the first year at target, None if censored.
    pub years_to_target: Vec<Option<u32>>,
    /// Per run.
    pub flags: Vec<RunFlags>,
    /// Per run and checkpoint (`extra_costs[run * checkpoints + k]`): the scenario's
    /// cumulative cost in MSEK by the checkpoint minus the baseline's in the same run.
    /// Empty for the baseline itself, whose extra cost is zero.
    pub extra_costs: Vec<f64>,
    /// `bands[t * Metric::ALL.len() + metric]`: one sketch per year and metric.
    pub bands: Vec<Sketch>,
    /// `ages[k * AGES + i]`: the heads in primary care aged `MIN_AGE + i` in the k-th of
    /// `SimOutput::age_years`, one sketch each (none in dlf mode).
    pub ages: Vec<Sketch>,
}

impl RegionOutcome {
    fn new(
        code: &str,
        name: &str,
        policy_target_year: Option<i32>,
        years: usize,
        age_years: usize,
    ) -> Self {
        RegionOutcome {
            ages: vec![Sketch::default(); age_years * AGES],
            code: code.into(),
            name: name.into(),
            policy_target_year,
            years_to_target: Vec::new(),
            flags: Vec::new(),
            extra_costs: Vec::new(),
            bands: vec![Sketch::default(); years * Metric::ALL.len()],
        }
    }

    /// Mean and quantiles of `metric` in year index `t`.
    pub fn band(&self, metric: Metric, t: usize) -> BandStats {
        let s = &self.bands[t * Metric::ALL.len() + metric as usize];
        BandStats {
            mean: s.mean(),
            q: s.quantiles(&LEVELS),
        }
    }

    /// Adds `other`'s runs (which come after this one's) to this outcome.
    pub fn append(&mut self, other: RegionOutcome) {
        self.years_to_target.extend(other.years_to_target);
        self.flags.extend(other.flags);
        self.extra_costs.extend(other.extra_costs);
        for (a, b) in self.bands.iter_mut().zip(&other.bands) {
            a.merge(b);
        }
        for (a, b) in self.ages.iter_mut().zip(&other.ages) {
            a.merge(b);
        }
    }
}

/// One scenario's regions.
#[derive(Debug, Clone)]
pub struct ScenarioOutcome {
    pub name: String,
    pub regions: Vec<RegionOutcome>,
}

/// Every scenario, the baseline first, with the same regions in the same order.
#[derive(Debug, Clone)]
pub struct SimOutput {
    pub scenarios: Vec<ScenarioOutcome>,
    pub years: usize,
    pub range: RunRange,
    /// The years whose ages are kept (`RegionOutcome::ages`): the base year and the
    /// checkpoints; none in dlf mode.
    pub age_years: Vec<i32>,
}

/// The calendar years whose ages a plan keeps: the base year and the checkpoints, none
/// in dlf mode (which has no ages).
pub fn age_years(plan: &RunPlan) -> Vec<i32> {
    let cfg = &plan.config;
    if cfg.mode == Mode::Dlf {
        return Vec::new();
    }
    std::iter::once(cfg.base_year)
        .chain(
            cfg.checkpoint_years
                .iter()
                .copied()
                .filter(|&y| y != cfg.base_year),
        )
        .collect()
}

impl SimOutput {
    /// The empty outcome of `plan`'s units, to be filled chunk by chunk or shard by shard.
    pub fn empty(plan: &RunPlan, range: RunRange) -> SimOutput {
        let years = plan.config.horizon_years as usize + 1;
        let with_national = plan.has_national() && plan.config.mode != Mode::Dlf;
        let age_years = age_years(plan);
        let k = age_years.len();
        let scenarios = plan
            .scenarios
            .iter()
            .map(|sc| {
                let mut regions: Vec<RegionOutcome> = plan
                    .regions
                    .iter()
                    .map(|r| RegionOutcome::new(&r.code, &r.name, r.policy_target_year, years, k))
                    .collect();
                if with_national {
                    regions.push(RegionOutcome::new(
                        NATIONAL_CODE,
                        NATIONAL_NAME,
                        None,
                        years,
                        k,
                    ));
                }
                ScenarioOutcome {
                    name: sc.name.clone(),
                    regions,
                }
            })
            .collect();
        SimOutput {
            scenarios,
            years,
            range,
            age_years,
        }
    }

    /// Adds the runs of `other`, the next slice after this one's.
    pub fn append(&mut self, other: SimOutput) -> Result<(), String> {
        if other.range.start != self.range.end || other.years != self.years {
            return Err(format!(
                "runs {}..{} do not follow runs {}..{}",
                other.range.start, other.range.end, self.range.start, self.range.end
            ));
        }
        for (a, b) in self.scenarios.iter_mut().zip(other.scenarios) {
            for (x, y) in a.regions.iter_mut().zip(b.regions) {
                x.append(y);
            }
        }
        self.range.end = other.range.end;
        Ok(())
    }
}

/// One chunk of one region's (or Sverige's) runs, lent to a [`RegionSink`] after it is
/// simulated and before its memory is reused.
pub struct RegionRuns<'a> {
    pub scenario: &'a str,
    /// The scenario's index in the plan (0 = baseline).
    pub scenario_index: usize,
    /// The unit's index: the plan's regions in order, then Sverige.
    pub unit_index: usize,
    pub code: &'a str,
    pub name: &'a str,
    /// Run index of the chunk's first run.
    pub first_run: u32,
    /// Runs in the chunk.
    pub runs: usize,
    pub years: usize,
    stocks: &'a [f64],
    /// The band metrics of every run and year but `reached`, laid out for the band
    /// sketches ([`BandValues`]).
    band_values: &'a [f64],
    guideline: &'a Guideline,
    dlf_need: Option<f64>,
    /// Per run of the chunk.
    pub years_to_target: &'a [Option<u32>],
    pub flags: &'a [RunFlags],
    /// Per run, its heads by age in the kept years (`age_years * AGES` a run).
    pub ages: &'a [f64],
    pub params: &'a [ParamRow],
    /// Per run and checkpoint, as `RegionOutcome::extra_costs` but the run's own cost.
    pub costs: &'a [f64],
}

/// A run's four stocks and whether it had reached the target, in one year.
struct RunYear {
    specialists: f64,
    fte: f64,
    trainees: f64,
    population: f64,
    outside: f64,
    retirements: f64,
    reached: bool,
}

impl RegionRuns<'_> {
    fn run_year(&self, run: usize, t: usize) -> RunYear {
        let stride = STOCKS * self.years;
        let x = &self.stocks[run * stride..(run + 1) * stride];
        let at = |s| stock_at(x, self.years, s, t);
        RunYear {
            specialists: at(Stock::Specialists),
            fte: at(Stock::SpecialistsFte),
            trainees: at(Stock::Trainees),
            population: at(Stock::Population),
            outside: at(Stock::Outside),
            retirements: at(Stock::Retirements),
            reached: self.years_to_target[run].is_some_and(|y| y as usize <= t),
        }
    }

    /// The value of `metric` in the chunk's run `run`, year index `t` (0 = base year).
    pub fn value(&self, metric: Metric, run: usize, t: usize) -> f64 {
        self.measure().metric(metric, &self.run_year(run, t))
    }

    fn measure(&self) -> Measure<'_> {
        Measure {
            guideline: self.guideline,
            dlf_need: self.dlf_need,
        }
    }
}

/// What a unit's metrics are measured against.
#[derive(Clone, Copy)]
struct Measure<'a> {
    guideline: &'a Guideline,
    /// In `dlf` mode coverage is DLF's own measure, specialists / need.
    dlf_need: Option<f64>,
}

impl Measure<'_> {
    #[inline]
    fn metric(&self, metric: Metric, y: &RunYear) -> f64 {
        match metric {
            Metric::Coverage => match self.dlf_need {
                Some(need) => y.specialists / need,
                None => coverage(self.guideline, y.fte, y.trainees, y.population),
            },
            Metric::Specialists => y.specialists,
            Metric::SpecialistsFte => y.fte,
            Metric::Trainees => y.trainees,
            Metric::InhabitantsPerFte => y.population / y.fte,
            Metric::OutsidePrimaryCare => y.outside,
            Metric::Retirements => y.retirements,
            Metric::Reached => f64::from(u8::from(y.reached)),
        }
    }
}

/// The metrics the band sketches take value by value: all but `reached` (counted
/// from the years to target), in the order of [`Metric::ALL`].
const BAND_METRICS: usize = Metric::ALL.len() - 1;

/// Runs per group of [`BandValues`]: a task simulates a group's runs, then writes
/// their band metrics while their stocks (32 x 3.2 KB) are still in cache.
const BAND_GROUP_RUNS: usize = 32;

/// The band metrics of a chunk's runs, laid out for the sketches: per group of
/// [`BAND_GROUP_RUNS`] runs (the last may have fewer), year by year, metric by
/// metric, the group's runs side by side, so a sketch takes a slice of a group's runs
/// at a time and a task's block of years is one stretch of memory per group.
///
/// Why: the band feeding read each run's block of years from its stock rows, 3.2 KB
/// apart in a chunk of megabytes long gone from the cache; most of its time was
/// those loads (docs/performance.md, "Choices in the code").
struct BandValues;

impl BandValues {
    /// Values of a group of `runs` runs.
    fn group_len(runs: usize, years: usize) -> usize {
        runs * years * BAND_METRICS
    }

    /// Writes the band metrics of the runs whose stocks are `stocks` (runs of
    /// `STOCKS * years`) into `out`, one group's block.
    fn fill_group(stocks: &[f64], years: usize, m: Measure<'_>, out: &mut [f64]) {
        let stride = STOCKS * years;
        let runs = stocks.len() / stride;
        debug_assert_eq!(out.len(), BandValues::group_len(runs, years));
        // Year by year, the group's runs side by side: each store next to the last
        // (a run at a time put its 505 values in 505 lines).
        let at = |j: usize, s: Stock, t: usize| stocks[j * stride + s as usize * years + t];
        for (t, out) in out.chunks_exact_mut(BAND_METRICS * runs).enumerate() {
            for j in 0..runs {
                let y = RunYear {
                    specialists: at(j, Stock::Specialists, t),
                    fte: at(j, Stock::SpecialistsFte, t),
                    trainees: at(j, Stock::Trainees, t),
                    population: at(j, Stock::Population, t),
                    outside: at(j, Stock::Outside, t),
                    retirements: at(j, Stock::Retirements, t),
                    reached: false, // not a band value
                };
                for (k, &metric) in Metric::ALL[..BAND_METRICS].iter().enumerate() {
                    out[k * runs + j] = m.metric(metric, &y);
                }
            }
        }
    }
}

/// Sees every chunk of every region's runs as it finishes (to write runs and
/// trajectories), so nothing has to keep them. Called once at a time (from whichever
/// of the pool's threads finishes the region: hence `Send`), in the order chunk,
/// scenario, region, with Sverige last.
pub type RegionSink<'s> = &'s mut (dyn FnMut(&RegionRuns<'_>) -> Result<(), Error> + Send);

/// Runs the runs of `range`. `progress` is called with the number of region-runs just
/// finished; `sink`, if given, sees each chunk of each region's runs.
pub fn simulate(
    plan: &RunPlan,
    range: RunRange,
    progress: &(dyn Fn(u64) + Sync),
    sink: Option<RegionSink<'_>>,
) -> Result<SimOutput, Error> {
    crate::pool::install(plan.threads, || {
        simulate_in_pool(plan, range, progress, sink)
    })?
}

fn simulate_in_pool(
    plan: &RunPlan,
    range: RunRange,
    progress: &(dyn Fn(u64) + Sync),
    mut sink: Option<RegionSink<'_>>,
) -> Result<SimOutput, Error> {
    let cfg = &plan.config;
    let mut out = SimOutput::empty(plan, range);
    let years = out.years;
    let stride = STOCKS * years;
    let with_national = plan.has_national() && cfg.mode != Mode::Dlf;
    let chunk_max = CHUNK_RUNS.min(range.end - range.start) as usize;
    // Two of each: one region's chunk is simulated into one while the region before's
    // is fed to the sketches and the sink from the other.
    let mut stocks_bufs = [0, 1].map(|_| vec![0.0f64; chunk_max * stride]);
    let mut band_bufs = [0, 1].map(|_| vec![0.0f64; BandValues::group_len(chunk_max, years)]);
    let mut national = vec![0.0f64; if with_national { chunk_max * stride } else { 0 }];
    let cost_rates = CostRates::new(cfg, years);
    let units = plan.regions.len() + usize::from(with_national);
    // The baseline's costs of the chunk's runs, per unit, for the scenarios' extra cost.
    let mut base_costs: Vec<Vec<f64>> = vec![Vec::new(); units];
    let age_years: Vec<usize> = out
        .age_years
        .iter()
        .map(|&y| (y - cfg.base_year) as usize)
        .collect();
    let per_run_ages = age_years.len() * AGES;
    // Sverige's heads by age: the regions' summed run by run, region by region in order.
    let mut national_ages = vec![
        0.0f64;
        if with_national {
            chunk_max * per_run_ages
        } else {
            0
        }
    ];

    let mut first = range.start;
    while first < range.end {
        crate::interrupt::check()?;
        let last = (first + CHUNK_RUNS).min(range.end);
        let n = (last - first) as usize;
        let run_draws: Vec<RunDraw> = (first..last)
            .into_par_iter()
            .map(|run| RunDraw::new(cfg, run))
            .collect();
        let chunk = Chunk {
            plan,
            first,
            runs: n,
            years,
            run_draws: &run_draws,
            cost_rates: &cost_rates,
            age_years: &age_years,
        };
        for (s_idx, scenario) in plan.scenarios.iter().enumerate() {
            let outcomes = &mut out.scenarios[s_idx].regions;
            // Not zeroed first: the first region's runs are copied in, not added (a
            // fill of the whole buffer was page faults on one thread before the first
            // chunk's runs could start).
            let national = &mut national[..if with_national { n * stride } else { 0 }];
            let [stocks_a, stocks_b] = &mut stocks_bufs;
            let [bands_a, bands_b] = &mut band_bufs;
            let band_len = BandValues::group_len(n, years);
            let mut now = (&mut stocks_a[..n * stride], &mut bands_a[..band_len]);
            let mut before = (&mut stocks_b[..n * stride], &mut bands_b[..band_len]);
            // Region u is simulated while region u - 1 is finished (its sketches, then
            // the sink): the band feeding's last tasks no longer leave a core idle
            // before the next region starts. Regions are still finished one at a time
            // and in order, so the outcomes and the sink's calls are as before.
            let mut pending: Option<Simulated> = None;
            // A simulated region's sketches and sink, from the buffers it was
            // simulated into.
            let national_ages =
                &mut national_ages[..if with_national { n * per_run_ages } else { 0 }];
            let mut finish = |p: Simulated, from: &(&mut [f64], &mut [f64])| {
                let u = p.unit;
                if !national_ages.is_empty() {
                    for (acc, &x) in national_ages.iter_mut().zip(&p.ages) {
                        *acc = if u == 0 { 0.0 } else { *acc } + x;
                    }
                }
                let view = p.view(&chunk, scenario, s_idx, from);
                finish_chunk(view, &mut outcomes[u], &mut base_costs[u], &mut sink)
            };
            for (u, (region, rs)) in plan.regions.iter().zip(&scenario.regions).enumerate() {
                let (simulated, finished) = rayon::join(
                    || {
                        let sim = chunk.simulate_region(u, region, rs, &mut now, national);
                        // Once per region and chunk, not per run: the bar's counter is
                        // shared by the threads, and the run loop takes no lock and no
                        // shared write.
                        progress(n as u64);
                        sim
                    },
                    || pending.take().map_or(Ok(()), |p| finish(p, &before)),
                );
                finished?;
                pending = Some(simulated);
                std::mem::swap(&mut now, &mut before);
            }
            if let Some(p) = pending.take() {
                finish(p, &before)?;
            }
            if with_national {
                let u = plan.regions.len();
                let stocks = &*national;
                let params: Vec<ParamRow> = run_draws
                    .iter()
                    .map(|d| national_row(&d.national))
                    .collect();
                let measure = Measure {
                    guideline: &scenario.national_guideline,
                    dlf_need: None,
                };
                let band_values = &mut *now.1;
                let sustain = plan.config.sustain_years as usize;
                let (ytt, flags, costs) =
                    national_runs(stocks, band_values, years, measure, sustain, &cost_rates);
                let view = RegionRuns {
                    scenario: &scenario.name,
                    scenario_index: s_idx,
                    unit_index: u,
                    code: NATIONAL_CODE,
                    name: NATIONAL_NAME,
                    first_run: first,
                    runs: n,
                    years,
                    stocks,
                    band_values,
                    guideline: &scenario.national_guideline,
                    dlf_need: None,
                    years_to_target: &ytt,
                    flags: &flags,
                    ages: national_ages,
                    params: &params,
                    costs: &costs,
                };
                finish_chunk(view, &mut outcomes[u], &mut base_costs[u], &mut sink)?;
            }
        }
        first = last;
    }
    Ok(out)
}

/// Sverige's runs of a chunk, from the regions' summed stocks: years to target (and
/// flags), costs and band values, a group of runs at a time, as the regions', in one pass
/// over the sums while they are in cache.
fn national_runs(
    stocks: &[f64],
    band_values: &mut [f64],
    years: usize,
    measure: Measure<'_>,
    sustain: usize,
    cost_rates: &CostRates,
) -> (Vec<Option<u32>>, Vec<RunFlags>, Vec<f64>) {
    let stride = STOCKS * years;
    type NationalGroup = (Vec<(Option<u32>, RunFlags)>, Vec<f64>);
    let per_group: Vec<NationalGroup> = stocks
        .par_chunks(BAND_GROUP_RUNS * stride)
        .zip(band_values.par_chunks_mut(BandValues::group_len(BAND_GROUP_RUNS, years)))
        .map(|(xs, bands)| {
            let ytt = xs
                .chunks_exact(stride)
                .map(|x| {
                    let covered = |t| coverage_of(x, years, measure, t) >= 1.0;
                    let (reached, fell_back) = sustained_target(covered, years, sustain);
                    let flags = RunFlags {
                        fell_back,
                        uptake_clamped: false,
                    };
                    (reached, flags)
                })
                .collect();
            BandValues::fill_group(xs, years, measure, bands);
            (ytt, cost_rates.of_group(xs, years))
        })
        .collect();
    let n = stocks.len() / stride;
    let (mut ytt, mut flags, mut costs) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::new());
    for (y, c) in per_group {
        for (r, f) in y {
            ytt.push(r);
            flags.push(f);
        }
        costs.extend(c);
    }
    (ytt, flags, costs)
}

/// What every region of a chunk of runs shares.
struct Chunk<'a> {
    plan: &'a RunPlan,
    /// Run index of the chunk's first run.
    first: u32,
    runs: usize,
    years: usize,
    run_draws: &'a [RunDraw],
    cost_rates: &'a CostRates,
    /// Year indices whose ages are kept.
    age_years: &'a [usize],
}

/// A region's chunk of runs, simulated: what is kept per run, beside its stocks and
/// band values (in the buffers it was simulated into).
struct Simulated {
    unit: usize,
    dlf_need: Option<f64>,
    years_to_target: Vec<Option<u32>>,
    flags: Vec<RunFlags>,
    ages: Vec<f64>,
    params: Vec<ParamRow>,
    costs: Vec<f64>,
}

impl Chunk<'_> {
    /// Simulates region `u`'s runs of the chunk into `into` (stocks, band values),
    /// adding each run to Sverige's sums in `national` (empty: none; the first region's
    /// runs are copied in, so the sums need no zeroing first).
    fn simulate_region(
        &self,
        u: usize,
        region: &Region,
        rs: &RegionScenario,
        into: &mut (&mut [f64], &mut [f64]),
        national: &mut [f64],
    ) -> Simulated {
        let (plan, years) = (self.plan, self.years);
        let stride = STOCKS * years;
        let dlf_need = (plan.config.mode == Mode::Dlf)
            .then(|| DlfInputs::of(region).expect("plan checked").need);
        let measure = Measure {
            guideline: &rs.guideline,
            dlf_need,
        };
        // A group's runs, each added to Sverige's sums as soon as it is done, then the
        // group's costs by the checkpoints and band values: all while the stocks are
        // in cache (passes of their own over the chunk afterwards read every region's
        // stocks, megabytes, from memory again). Same sums, added in the same order
        // (region by region).
        let group = |g: usize, xs: &mut [f64], bands: &mut [f64], acc: &mut [f64]| {
            let first = g * BAND_GROUP_RUNS;
            let runs = xs.len() / stride;
            let run_index = |j: usize| self.first + (first + j) as u32;
            let mut group_ages = vec![0.0; runs * self.age_years.len() * AGES];
            let reached: Vec<(Option<u32>, bool, ParamRow)> = if plan.config.mode == Mode::Dlf {
                let inp = DlfInputs::of(region).expect("plan checked");
                xs.chunks_mut(stride)
                    .map(|x| {
                        let mut traj = Trajectory::new(years, x);
                        let reached = model::run_dlf(&inp, plan.config.horizon_years, &mut traj);
                        (reached, false, [None; PARAM_COLUMNS])
                    })
                    .collect()
            } else {
                let mut inputs = Vec::with_capacity(runs);
                let mut rows = Vec::with_capacity(runs);
                for j in 0..runs {
                    let (inp, row, clamped) =
                        region_run(plan, region, rs, run_index(j), &self.run_draws[first + j]);
                    inputs.push(inp);
                    rows.push((row, clamped));
                }
                let mut reached = [None; BAND_GROUP_RUNS];
                let noise = |j: usize| match plan.config.mode {
                    Mode::Binomial => Noise::binomial(sample::stream_key(
                        plan.config.seed,
                        run_index(j),
                        sample::region_key(&region.code),
                        Purpose::Noise,
                    )),
                    _ => Noise::Expected,
                };
                model::run_regions(
                    &inputs,
                    noise,
                    &rs.guideline,
                    plan.config.horizon_years,
                    xs,
                    &mut reached[..runs],
                    (!self.age_years.is_empty()).then_some(AgeRows {
                        years: self.age_years,
                        heads: &mut group_ages,
                    }),
                );
                reached
                    .into_iter()
                    .zip(rows)
                    .map(|(r, (row, clamped))| (r, clamped, row))
                    .collect()
            };
            // The target as the config defines it (`sustain_years`), from the stocks;
            // for one year it is the model's own first year at target.
            let sustain = plan.config.sustain_years as usize;
            let kept: Vec<(Option<u32>, RunFlags, ParamRow)> = xs
                .chunks(stride)
                .zip(reached)
                .map(|(x, (model_reached, uptake_clamped, row))| {
                    let covered = |t: usize| coverage_of(x, years, measure, t) >= 1.0;
                    let (reached, fell_back) = sustained_target(covered, years, sustain);
                    debug_assert!(sustain > 1 || reached == model_reached);
                    let flags = RunFlags {
                        fell_back,
                        uptake_clamped,
                    };
                    (reached, flags, row)
                })
                .collect();
            if !acc.is_empty() {
                // The first region's runs start the sums (`0.0 + v`, what adding to a
                // zeroed sum gives, -0.0 included).
                for (a, v) in acc.iter_mut().zip(xs.iter()) {
                    *a = if u == 0 { 0.0 } else { *a } + v;
                }
            }
            let costs = self.cost_rates.of_group(xs, years);
            BandValues::fill_group(xs, years, measure, bands);
            (kept, costs, group_ages)
        };
        let groups = into
            .0
            .par_chunks_mut(BAND_GROUP_RUNS * stride)
            .zip(
                into.1
                    .par_chunks_mut(BandValues::group_len(BAND_GROUP_RUNS, years)),
            )
            .enumerate();
        type Group = (Vec<(Option<u32>, RunFlags, ParamRow)>, Vec<f64>, Vec<f64>);
        let per_group: Vec<Group> = if national.is_empty() {
            groups
                .map(|(g, (xs, bands))| group(g, xs, bands, &mut []))
                .collect()
        } else {
            groups
                .zip(national.par_chunks_mut(BAND_GROUP_RUNS * stride))
                .map(|((g, (xs, bands)), acc)| group(g, xs, bands, acc))
                .collect()
        };
        let mut costs = Vec::with_capacity(self.runs * self.cost_rates.checkpoints());
        let mut per_run = Vec::with_capacity(self.runs);
        let mut ages = Vec::with_capacity(self.runs * self.age_years.len() * AGES);
        for (kept, c, a) in per_group {
            per_run.extend(kept);
            costs.extend(c);
            ages.extend(a);
        }
        let mut years_to_target = Vec::with_capacity(per_run.len());
        let mut flags = Vec::with_capacity(per_run.len());
        let mut params = Vec::with_capacity(per_run.len());
        for (y, f, p) in per_run {
            years_to_target.push(y);
            flags.push(f);
            params.push(p);
        }
        Simulated {
            unit: u,
            dlf_need,
            years_to_target,
            flags,
            ages,
            params,
            costs,
        }
    }
}

impl Simulated {
    /// The view of this region's runs in the buffers `from` (stocks, band values) it
    /// was simulated into.
    fn view<'a>(
        &'a self,
        chunk: &Chunk<'a>,
        scenario: &'a crate::scenario::ScenarioPlan,
        scenario_index: usize,
        from: &'a (&mut [f64], &mut [f64]),
    ) -> RegionRuns<'a> {
        let region = &chunk.plan.regions[self.unit];
        RegionRuns {
            scenario: &scenario.name,
            scenario_index,
            unit_index: self.unit,
            code: &region.code,
            name: &region.name,
            first_run: chunk.first,
            runs: chunk.runs,
            years: chunk.years,
            stocks: from.0,
            band_values: from.1,
            guideline: &scenario.regions[self.unit].guideline,
            dlf_need: self.dlf_need,
            years_to_target: &self.years_to_target,
            flags: &self.flags,
            ages: &self.ages,
            params: &self.params,
            costs: &self.costs,
        }
    }
}

/// The national parameters of a run, as the `param_*` columns of Sverige's rows.
fn national_row(national: &NationalDraw) -> ParamRow {
    let mut row: ParamRow = [None; PARAM_COLUMNS];
    row[..PARAM_COUNT].copy_from_slice(&national.values);
    row
}

/// Years per task when the band sketches take a chunk's runs. The feeding's cost is
/// the sketches' bucket counters (one load and store per value), and a task's 16
/// sketches about fit L1: with the stocks read from their rows, 8 years took 35-40 %
/// more CPU; with [`BandValues`], 1 and 2 years were within the noise of 4
/// (docs/performance.md).
const YEARS_PER_BAND_TASK: usize = 4;

/// What is kept of a chunk of one unit's runs: years to target, the extra cost over
/// the baseline, the band sketches; and what the sink sees.
fn finish_chunk(
    view: RegionRuns<'_>,
    outcome: &mut RegionOutcome,
    base_costs: &mut Vec<f64>,
    sink: &mut Option<RegionSink<'_>>,
) -> Result<(), Error> {
    if view.scenario_index == 0 {
        base_costs.clear();
        base_costs.extend_from_slice(view.costs);
    } else {
        outcome
            .extra_costs
            .extend(view.costs.iter().zip(base_costs.iter()).map(|(a, b)| a - b));
    }
    outcome
        .years_to_target
        .extend_from_slice(view.years_to_target);
    outcome.flags.extend_from_slice(view.flags);
    // Each (kept year, age)'s sketch takes the chunk's runs' heads.
    if !outcome.ages.is_empty() {
        let per_run = outcome.ages.len();
        outcome
            .ages
            .par_iter_mut()
            .enumerate()
            .for_each(|(cell, sketch)| {
                let heads: Vec<f64> = view.ages.chunks_exact(per_run).map(|a| a[cell]).collect();
                sketch.add_all(&heads);
            });
    }
    let metrics = Metric::ALL.len();
    let v = &view;
    // `reached` is a 0/1 flag: its sketch is two counts a year, from the runs' years to
    // target, not a value per run and year.
    let mut reached_by = vec![0u32; v.years];
    for &y in v.years_to_target.iter().flatten() {
        if let Some(c) = reached_by.get_mut(y as usize) {
            *c += 1;
        }
    }
    for t in 1..v.years {
        reached_by[t] += reached_by[t - 1];
    }
    // A task per block of years, each reading its stretch of every group's band
    // values. The sketches are the same whatever order their values come in.
    outcome
        .bands
        .par_chunks_mut(metrics * YEARS_PER_BAND_TASK)
        .enumerate()
        .for_each(|(block, cells)| feed_bands(v, block * YEARS_PER_BAND_TASK, cells, &reached_by));
    if let Some(sink) = sink {
        sink(&view)?;
    }
    Ok(())
}

/// Adds the chunk's runs to the sketches of a block of years from `t0` (`cells`: the
/// block's years' metrics), a group's slice of runs at a time (`Sketch::add_all`),
/// read from the chunk's [`BandValues`]: per group, the block is one stretch of
/// memory. A function of its own, so a profile shows it apart from the model.
#[inline(never)]
fn feed_bands(v: &RegionRuns<'_>, t0: usize, cells: &mut [Sketch], reached_by: &[u32]) {
    let metrics = Metric::ALL.len();
    let reached = Metric::Reached as usize;
    debug_assert_eq!(reached, BAND_METRICS, "reached is the last metric");
    for block in v
        .band_values
        .chunks(BandValues::group_len(BAND_GROUP_RUNS, v.years))
    {
        let runs = block.len() / BandValues::group_len(1, v.years);
        for (dt, row) in cells.chunks_mut(metrics).enumerate() {
            let at = (t0 + dt) * BAND_METRICS * runs;
            let values = &block[at..at + BAND_METRICS * runs];
            for (cell, xs) in row[..reached].iter_mut().zip(values.chunks_exact(runs)) {
                cell.add_all(xs);
            }
        }
    }
    for (dt, row) in cells.chunks_mut(metrics).enumerate() {
        let at_target = reached_by[t0 + dt];
        row[reached].add_repeated(1.0, at_target);
        row[reached].add_repeated(0.0, v.runs as u32 - at_target);
    }
}

/// What the cumulative cost of a run by each checkpoint takes (see
/// `RegionOutcome::extra_costs`): the checkpoints' year indices and, per year after
/// the base year to the last checkpoint, the trainee and FTE rates at that year's
/// prices. Made once per simulation, used per run while its stocks are in cache.
struct CostRates {
    at: Vec<usize>,
    rates: Vec<(f64, f64)>,
}

impl CostRates {
    fn new(cfg: &Config, years: usize) -> CostRates {
        let at: Vec<usize> = cfg
            .checkpoint_years
            .iter()
            .map(|&y| (y - cfg.base_year) as usize)
            .collect();
        // The sums stop at the last checkpoint: the baseline's is 27 of 100 years.
        let last = at
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .min(years.saturating_sub(1));
        let rates = (1..=last)
            .map(|t| {
                let year = cfg.base_year + t as i32;
                (
                    cfg.costs.of_year(year, 1.0, 0.0),
                    cfg.costs.of_year(year, 0.0, 1.0),
                )
            })
            .collect();
        CostRates { at, rates }
    }

    fn checkpoints(&self) -> usize {
        self.at.len()
    }

    /// The cost by each checkpoint of the run whose stocks are `x`, into `row`.
    fn of_run(&self, x: &[f64], years: usize, row: &mut [f64]) {
        let trainees = &x[Stock::Trainees as usize * years..][..years];
        let fte = &x[Stock::SpecialistsFte as usize * years..][..years];
        let mut total = 0.0;
        for (t, (a, b)) in (1..).zip(&self.rates) {
            total += a * trainees[t] + b * fte[t];
            for (slot, &ty) in row.iter_mut().zip(&self.at) {
                if ty == t {
                    *slot = total;
                }
            }
        }
    }

    /// [`CostRates::of_run`] of each run of a group's `stocks`: `checkpoints()` per run.
    fn of_group(&self, stocks: &[f64], years: usize) -> Vec<f64> {
        let k = self.checkpoints();
        let mut out = vec![0.0; stocks.len() / (STOCKS * years) * k];
        for (j, x) in stocks.chunks_exact(STOCKS * years).enumerate() {
            self.of_run(x, years, &mut out[j * k..(j + 1) * k]);
        }
        out
    }
}

/// What a run's regions share: its national draw, and the training durations of the
/// national duration parameters.
struct RunDraw {
    national: NationalDraw,
    /// The national (mean, sd) of the duration as bits, with their `DurationDist`,
    /// where both are national: every region that keeps them (all, unless overridden)
    /// has this distribution, which costs a few Newton steps of eight `exp`s each
    /// (a visible share of the baseline's profile when solved per region-run). None in DLF mode,
    /// which does not use it.
    duration: Option<((u64, u64), DurationDist)>,
}

impl RunDraw {
    fn new(cfg: &Config, run: u32) -> RunDraw {
        let national = NationalDraw::new(cfg, run);
        let value = |p: Param| national.values[p.index()];
        let duration = match (
            value(Param::StDurationMeanYears),
            value(Param::StDurationSdYears),
        ) {
            (Some(mean), Some(sd)) if cfg.mode != Mode::Dlf => Some((
                (mean.to_bits(), sd.to_bits()),
                DurationDist::new(mean, sd, cfg.training),
            )),
            _ => None,
        };
        RunDraw { national, duration }
    }

    /// The duration distribution of `draw`: the run's own where `draw` has the
    /// national mean and sd (compared bit for bit, so it is the very distribution
    /// `DurationDist::new` would solve), else solved for the region.
    fn duration(&self, draw: &sample::Draw, training: Training) -> Cow<'_, DurationDist> {
        let mean = draw.get(Param::StDurationMeanYears);
        let sd = draw.get(Param::StDurationSdYears);
        match &self.duration {
            Some((key, d)) if *key == (mean.to_bits(), sd.to_bits()) => Cow::Borrowed(d),
            _ => Cow::Owned(DurationDist::new(mean, sd, training)),
        }
    }
}

/// One region-run's inputs to the model, its parameters drawn, and the row of them
/// `runs.parquet` keeps.
fn region_run<'a>(
    plan: &RunPlan,
    region: &Region,
    rs: &'a RegionScenario,
    run: u32,
    run_draw: &'a RunDraw,
) -> (RegionInputs<'a>, ParamRow, bool) {
    let cfg = &plan.config;
    let u_region = sample::region_uniforms(cfg.seed, run, &region.code);
    let draw = sample::draw_in_run(cfg, region, &run_draw.national, &u_region, &rs.parameters);
    let duration = run_draw.duration(&draw, cfg.training);
    let mut inputs = RegionInputs::with_shared(region, &draw, duration, Cow::Borrowed(&rs.ages));
    inputs.intake = Cow::Borrowed(&rs.intake);
    let mut row: ParamRow = [None; PARAM_COLUMNS];
    row[..PARAM_COUNT].copy_from_slice(&draw.values);
    // Columns of values the model used, whether drawn or taken from the data.
    row[Param::PopGrowthPerYear.index()] = Some(draw.pop_growth_per_year);
    row[Param::FteInitial.index()] = Some(draw.fte_initial);
    row[PARAM_COUNT] = Some(draw.initial_headcount);
    (inputs, row, draw.uptake_clamped)
}

/// The coverage of a run's stocks `x` in year index `t`, as `m` measures it: the
/// guideline's (the model's own test, `coverage >= 1`, is the same test), or DLF's.
fn coverage_of(x: &[f64], years: usize, m: Measure<'_>, t: usize) -> f64 {
    let at = |s| stock_at(x, years, s, t);
    match m.dlf_need {
        Some(need) => at(Stock::Specialists) / need,
        None => coverage(
            m.guideline,
            at(Stock::SpecialistsFte),
            at(Stock::Trainees),
            at(Stock::Population),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The target held for k years: the first year of the first stretch of k covered
    /// years (within the horizon), and whether a later year is below it again.
    #[test]
    fn sustained_target_finds_the_first_stretch() {
        let of = |pattern: &str, k: usize| {
            let c: Vec<bool> = pattern.chars().map(|ch| ch == '1').collect();
            sustained_target(|t| c[t], c.len(), k)
        };
        assert_eq!(of("0011011100", 1), (Some(2), true));
        assert_eq!(of("0011011100", 2), (Some(2), true));
        assert_eq!(of("0011011100", 3), (Some(5), true));
        assert_eq!(of("0011011111", 3), (Some(5), false));
        assert_eq!(of("0011011100", 4), (None, false));
        // A stretch cut off by the horizon does not count.
        assert_eq!(of("0000000111", 4), (None, false));
        assert_eq!(of("1111111111", 1), (Some(0), false));
        assert_eq!(of("0000000000", 1), (None, false));
    }

    /// The band feeding (blocks of years, batches of runs, `reached` from counts)
    /// builds the very sketches that adding each run's `value` one by one builds.
    #[test]
    fn fed_bands_are_the_sketches_of_every_value() {
        // Several blocks of years, groups of runs and a last group cut short; made-up
        // stocks, stock-major per run: specialists, FTE, trainees, population.
        let (years, runs) = (21, 300);
        assert!(runs % BAND_GROUP_RUNS != 0);
        let stocks: Vec<f64> = (0..runs * STOCKS * years)
            .map(|i| 1.0 + (i as f64 * 0.37).sin().abs() * 900.0)
            .collect();
        let ytt: Vec<Option<u32>> = (0..runs)
            .map(|r| (r % 3 != 0).then_some((r % 25) as u32))
            .collect();
        let guideline = Guideline::default();
        for dlf_need in [None, Some(123.4)] {
            let measure = Measure {
                guideline: &guideline,
                dlf_need,
            };
            let mut band_values = vec![0.0; BandValues::group_len(runs, years)];
            for (xs, bands) in stocks
                .chunks(BAND_GROUP_RUNS * STOCKS * years)
                .zip(band_values.chunks_mut(BandValues::group_len(BAND_GROUP_RUNS, years)))
            {
                BandValues::fill_group(xs, years, measure, bands);
            }
            let view = RegionRuns {
                scenario: "baseline",
                scenario_index: 0,
                unit_index: 0,
                code: "01",
                name: "Stockholm",
                first_run: 0,
                runs,
                years,
                stocks: &stocks,
                band_values: &band_values,
                guideline: &guideline,
                dlf_need,
                years_to_target: &ytt,
                flags: &[],
                ages: &[],
                params: &[],
                costs: &[],
            };
            let metrics = Metric::ALL.len();
            let mut want = vec![Sketch::default(); years * metrics];
            for run in 0..runs {
                for t in 0..years {
                    for (k, &m) in Metric::ALL.iter().enumerate() {
                        want[t * metrics + k].add(view.value(m, run, t));
                    }
                }
            }
            let mut outcome = RegionOutcome::new("01", "Stockholm", None, years, 0);
            let (mut base_costs, mut sink) = (Vec::new(), None);
            finish_chunk(view, &mut outcome, &mut base_costs, &mut sink).unwrap();
            assert!(outcome.bands == want, "dlf need {dlf_need:?}");
            let reached = &outcome.bands[4 * metrics + Metric::Reached as usize];
            let by_4 = ytt.iter().filter(|y| y.is_some_and(|y| y <= 4)).count();
            assert_eq!(reached.mean(), by_4 as f64 / runs as f64);
        }
    }

    /// A run's regions get the distribution their own mean and sd would solve: the
    /// run's where they keep the national draw, their own where a region's differs
    /// (here a mean made up for it, and one a bit off the national).
    #[test]
    fn a_runs_duration_is_each_regions_own() {
        let cfg_path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/baseline.toml");
        let plan = RunPlan::load(&cfg_path, &crate::plan::Overrides::default()).unwrap();
        let cfg = &plan.config;
        let solved = |d: &sample::Draw| {
            DurationDist::new(
                d.get(Param::StDurationMeanYears),
                d.get(Param::StDurationSdYears),
                cfg.training,
            )
        };
        let mean = Param::StDurationMeanYears.index();
        for run in 0..20 {
            let run_draw = RunDraw::new(cfg, run);
            assert!(
                run_draw.duration.is_some(),
                "the baseline's duration is national"
            );
            for region in &plan.regions {
                let u = sample::region_uniforms(cfg.seed, run, &region.code);
                let params = &plan.scenarios[0].regions[0].parameters;
                let mut draw = sample::draw_in_run(cfg, region, &run_draw.national, &u, params);
                let shared = run_draw.duration(&draw, cfg.training);
                assert_eq!(*shared, solved(&draw));
                assert!(
                    matches!(shared, Cow::Borrowed(_)),
                    "the run's own, not a copy"
                );
                for other in [
                    7.3,
                    f64::from_bits(draw.values[mean].unwrap().to_bits() + 1),
                ] {
                    draw.values[mean] = Some(other);
                    let own = run_draw.duration(&draw, cfg.training);
                    assert_eq!(*own, solved(&draw));
                    assert!(matches!(own, Cow::Owned(_)), "solved for the region");
                    if other == 7.3 {
                        assert_ne!(Some(&*own), run_draw.duration.as_ref().map(|(_, d)| d));
                    }
                }
            }
        }
    }
}
