//! Runs x regions over rayon, and the statistics of what they produce.
//!
//! Regions are simulated one after another, the runs of each in parallel; a region's
//! trajectories live only until its bands are computed, so memory is
//! runs x years x 4 stocks for one region plus the same for the Sweden sums.
//! Results are collected in run order and every sum runs in a fixed order, so the
//! output is the same bit for bit whatever the number of threads.

use rayon::prelude::*;

use crate::config::{Guideline, Mode};
use crate::data::Region;
use crate::error::Error;
use crate::model::{
    self, coverage, stock_at, DlfInputs, Noise, RegionInputs, Stock, Trajectory, STOCKS,
};
use crate::params::{Param, PARAM_COUNT};
use crate::plan::RunPlan;
use crate::sample::{self, Purpose};
use crate::scenario::RegionScenario;
use crate::summary::BandStats;

/// Region code and name of the Sweden total.
pub const NATIONAL_CODE: &str = "SE";
pub const NATIONAL_NAME: &str = "Sverige";

/// The metrics of `bands.parquet`, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Coverage,
    Specialists,
    SpecialistsFte,
    Trainees,
    InhabitantsPerFte,
}

impl Metric {
    pub const ALL: [Metric; 5] = [
        Metric::Coverage,
        Metric::Specialists,
        Metric::SpecialistsFte,
        Metric::Trainees,
        Metric::InhabitantsPerFte,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Metric::Coverage => "coverage",
            Metric::Specialists => "specialists",
            Metric::SpecialistsFte => "specialists_fte",
            Metric::Trainees => "trainees",
            Metric::InhabitantsPerFte => "inhabitants_per_fte",
        }
    }
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

/// What one region (or Sverige) produced over all runs.
#[derive(Debug, Clone)]
pub struct RegionOutcome {
    /// Per run and checkpoint (`costs[run * checkpoints + k]`): the cumulative cost in
    /// MSEK of the trainees and specialist FTE from the year after the base year to
    /// the checkpoint year, at the config's rates.
    pub costs: Vec<f64>,
    pub code: String,
    pub name: String,
    pub policy_target_year: Option<i32>,
    /// Per run: years from the base year to the first year at target, None if censored.
    pub years_to_target: Vec<Option<u32>>,
    /// Per run: the sampled values (`param_column_names` order).
    pub params: Vec<ParamRow>,
    /// `bands[metric * years + t]`, metric in `Metric::ALL` order.
    pub bands: Vec<BandStats>,
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
}

/// One region's (or Sverige's) yearly stocks over all runs, lent to a [`RegionSink`]
/// after the region is simulated and before its memory is reused.
pub struct RegionRuns<'a> {
    pub scenario: &'a str,
    /// The scenario's index in the plan (0 = baseline).
    pub scenario_index: usize,
    pub code: &'a str,
    pub name: &'a str,
    pub runs: usize,
    pub years: usize,
    stocks: &'a [f64],
    guideline: &'a Guideline,
    dlf_need: Option<f64>,
}

impl RegionRuns<'_> {
    /// The value of `metric` in run `run`, year index `t` (0 = base year).
    /// In `dlf` mode coverage is DLF's own measure, specialists / need.
    pub fn value(&self, metric: Metric, run: usize, t: usize) -> f64 {
        let stride = STOCKS * self.years;
        let x = &self.stocks[run * stride..(run + 1) * stride];
        let at = |s| stock_at(x, self.years, s, t);
        match metric {
            Metric::Coverage => match self.dlf_need {
                Some(need) => at(Stock::Specialists) / need,
                None => stock_coverage(x, self.years, t, self.guideline),
            },
            Metric::Specialists => at(Stock::Specialists),
            Metric::SpecialistsFte => at(Stock::SpecialistsFte),
            Metric::Trainees => at(Stock::Trainees),
            Metric::InhabitantsPerFte => at(Stock::Population) / at(Stock::SpecialistsFte),
        }
    }
}

/// Sees every region's runs as they finish (e.g. to write per-run trajectories), so
/// nothing has to keep all regions' trajectories at once. Called from one thread, in
/// region order, with Sverige last.
pub type RegionSink<'s> = &'s (dyn Fn(&RegionRuns<'_>) -> Result<(), Error> + Sync);

/// Runs the plan. `progress` is called with the number of region-runs just finished;
/// `sink`, if given, sees each region's trajectories.
pub fn simulate(
    plan: &RunPlan,
    progress: &(dyn Fn(u64) + Sync),
    sink: Option<RegionSink<'_>>,
) -> Result<SimOutput, Error> {
    match plan.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| Error::Usage(format!("cannot start {n} threads: {e}")))?
            .install(|| simulate_in_pool(plan, progress, sink)),
        None => simulate_in_pool(plan, progress, sink),
    }
}

fn simulate_in_pool(
    plan: &RunPlan,
    progress: &(dyn Fn(u64) + Sync),
    sink: Option<RegionSink<'_>>,
) -> Result<SimOutput, Error> {
    let national_u: Vec<[f64; PARAM_COUNT]> = (0..plan.config.runs)
        .into_par_iter()
        .map(|run| sample::national_uniforms(plan.config.seed, run))
        .collect();
    let mut scenarios = Vec::with_capacity(plan.scenarios.len());
    for (index, sc) in plan.scenarios.iter().enumerate() {
        scenarios.push(ScenarioOutcome {
            name: sc.name.clone(),
            regions: simulate_scenario(plan, index, &national_u, progress, sink)?,
        });
    }
    Ok(SimOutput {
        scenarios,
        years: plan.config.horizon_years as usize + 1,
    })
}

fn simulate_scenario(
    plan: &RunPlan,
    scenario_index: usize,
    national_u: &[[f64; PARAM_COUNT]],
    progress: &(dyn Fn(u64) + Sync),
    sink: Option<RegionSink<'_>>,
) -> Result<Vec<RegionOutcome>, Error> {
    let cfg = &plan.config;
    let scenario = &plan.scenarios[scenario_index];
    let runs = cfg.runs as usize;
    let years = cfg.horizon_years as usize + 1;
    let stride = STOCKS * years;

    let with_national = plan.has_national() && cfg.mode != Mode::Dlf;
    let mut national = if with_national {
        vec![0.0; runs * stride]
    } else {
        Vec::new()
    };
    let mut outcomes = Vec::with_capacity(plan.regions.len() + 1);
    let mut buf = vec![0.0f64; runs * stride];

    for (region, rs) in plan.regions.iter().zip(&scenario.regions) {
        let per_run: Vec<(Option<u32>, ParamRow)> = buf
            .par_chunks_mut(stride)
            .enumerate()
            .map(|(run, chunk)| {
                let out = run_one(plan, region, rs, run as u32, &national_u[run], chunk, years);
                progress(1);
                out
            })
            .collect();
        if with_national {
            national
                .par_chunks_mut(stride)
                .zip(buf.par_chunks(stride))
                .for_each(|(acc, x)| {
                    for (a, v) in acc.iter_mut().zip(x) {
                        *a += v;
                    }
                });
        }
        let dlf_need =
            (cfg.mode == Mode::Dlf).then(|| DlfInputs::of(region).expect("plan checked").need);
        let (years_to_target, params) = per_run.into_iter().unzip();
        let view = RegionRuns {
            scenario: &scenario.name,
            scenario_index,
            code: &region.code,
            name: &region.name,
            runs,
            years,
            stocks: &buf,
            guideline: &rs.guideline,
            dlf_need,
        };
        if let Some(sink) = sink {
            sink(&view)?;
        }
        outcomes.push(RegionOutcome {
            code: region.code.clone(),
            name: region.name.clone(),
            policy_target_year: region.policy_target_year,
            years_to_target,
            params,
            costs: costs(&view, cfg),
            bands: bands(&view),
        });
    }

    if with_national {
        let years_to_target = national
            .par_chunks(stride)
            .map(|x| {
                (0..years)
                    .find(|&t| stock_coverage(x, years, t, &scenario.national_guideline) >= 1.0)
                    .map(|t| t as u32)
            })
            .collect();
        let params = (0..runs)
            .map(|run| {
                let mut row: ParamRow = [None; PARAM_COLUMNS];
                for (&p, spec) in &cfg.parameters {
                    if spec.scope == crate::params::Scope::National {
                        row[p.index()] = Some(spec.dist.quantile(national_u[run][p.index()]));
                    }
                }
                row
            })
            .collect();
        let view = RegionRuns {
            scenario: &scenario.name,
            scenario_index,
            code: NATIONAL_CODE,
            name: NATIONAL_NAME,
            runs,
            years,
            stocks: &national,
            guideline: &scenario.national_guideline,
            dlf_need: None,
        };
        if let Some(sink) = sink {
            sink(&view)?;
        }
        outcomes.push(RegionOutcome {
            code: NATIONAL_CODE.into(),
            name: NATIONAL_NAME.into(),
            policy_target_year: None,
            years_to_target,
            params,
            costs: costs(&view, cfg),
            bands: bands(&view),
        });
    }
    Ok(outcomes)
}

/// Cumulative cost of each run by each checkpoint (see `RegionOutcome::costs`).
fn costs(view: &RegionRuns<'_>, cfg: &crate::config::Config) -> Vec<f64> {
    let k = cfg.checkpoint_years.len();
    // Per year after the base year: the trainee and FTE rates at that year's prices.
    let rates: Vec<(f64, f64)> = (1..view.years)
        .map(|t| {
            let year = cfg.base_year + t as i32;
            (
                cfg.costs.of_year(year, 1.0, 0.0),
                cfg.costs.of_year(year, 0.0, 1.0),
            )
        })
        .collect();
    let mut out = vec![0.0; view.runs * k];
    out.par_chunks_mut(k.max(1))
        .enumerate()
        .for_each(|(run, row)| {
            let mut total = 0.0;
            let mut by_t = vec![0.0; view.years];
            for (t, (a, b)) in (1..view.years).zip(&rates) {
                total += a * view.value(Metric::Trainees, run, t)
                    + b * view.value(Metric::SpecialistsFte, run, t);
                by_t[t] = total;
            }
            for (slot, &y) in row.iter_mut().zip(&cfg.checkpoint_years) {
                *slot = by_t[(y - cfg.base_year) as usize];
            }
        });
    out
}

/// One region-run: draw its parameters, run the model into `chunk`.
fn run_one(
    plan: &RunPlan,
    region: &Region,
    rs: &RegionScenario,
    run: u32,
    u_national: &[f64; PARAM_COUNT],
    chunk: &mut [f64],
    years: usize,
) -> (Option<u32>, ParamRow) {
    let cfg = &plan.config;
    let mut traj = Trajectory {
        years,
        values: chunk,
    };
    if cfg.mode == Mode::Dlf {
        let inp = DlfInputs::of(region).expect("plan checked");
        return (
            model::run_dlf(&inp, cfg.horizon_years, &mut traj),
            [None; PARAM_COLUMNS],
        );
    }
    let u_region = sample::region_uniforms(cfg.seed, run, &region.code);
    let draw = sample::draw(cfg, region, u_national, &u_region, &rs.parameters);
    let mut inputs = RegionInputs::new(region, &draw, cfg.training);
    inputs.intake = rs.intake.clone();
    let noise = match cfg.mode {
        Mode::Binomial => Noise::binomial(sample::stream_key(
            cfg.seed,
            run,
            sample::region_key(&region.code),
            Purpose::Noise,
        )),
        _ => Noise::Expected,
    };
    let reached = model::run_region(&inputs, &rs.guideline, cfg.horizon_years, noise, &mut traj);
    let mut row: ParamRow = [None; PARAM_COLUMNS];
    row[..PARAM_COUNT].copy_from_slice(&draw.values);
    // Columns of values the model used, whether drawn or taken from the data.
    row[Param::PopGrowthPerYear.index()] = Some(draw.pop_growth_per_year);
    row[Param::FteInitial.index()] = Some(draw.fte_initial);
    row[PARAM_COUNT] = Some(draw.initial_headcount);
    (reached, row)
}

fn stock_coverage(x: &[f64], years: usize, t: usize, g: &Guideline) -> f64 {
    coverage(
        g,
        stock_at(x, years, Stock::SpecialistsFte, t),
        stock_at(x, years, Stock::Trainees, t),
        stock_at(x, years, Stock::Population, t),
    )
}

/// Mean and quantiles of every metric in every year over the runs.
fn bands(view: &RegionRuns<'_>) -> Vec<BandStats> {
    let years = view.years;
    let per_year: Vec<[BandStats; 5]> = (0..years)
        .into_par_iter()
        .map_init(
            || vec![0.0; view.runs],
            |scratch, t| {
                Metric::ALL.map(|m| {
                    for (run, v) in scratch.iter_mut().enumerate() {
                        *v = view.value(m, run, t);
                    }
                    BandStats::of(scratch)
                })
            },
        )
        .collect();
    let mut out = Vec::with_capacity(5 * years);
    for m in 0..Metric::ALL.len() {
        out.extend(per_year.iter().map(|y| y[m]));
    }
    out
}
