//! `fastlakare solve`: the smallest trainee level that reaches the target in time.
//!
//! The level is the number of ST trainees in post, held constant from the base year:
//! a region-run starts with that many trainees (spread over their remaining years as
//! today's are) and admits `level / E[D]` a year, which keeps it there; intake growth
//! is set to 0, everything else is the config's baseline. This is DLF's framing (its
//! formula takes today's `st` and asks when the stock arrives), so in `dlf` mode the
//! answer is DLF's own: the smallest whole `st` with `S + h (st/8 - need/25) >= need`.
//!
//! Every level is evaluated on the same runs (parameter draws and noise sub-streams
//! of (seed, run, region)), so the probability is a function of the level alone, not
//! of the dice. Bisection over whole trainees keeps `p(answer - 1) < P <= p(answer)`
//! whatever the noise; in `expected` and `dlf` modes `p` is monotone and the answer
//! is the smallest such level.

use std::path::PathBuf;

use rayon::prelude::*;

use crate::config::Mode;
use crate::data::Region;
use crate::error::Error;
use crate::model::{
    self, DlfInputs, IntakePolicy, Noise, RegionInputs, Trajectory, DLF_ST_YEARS, STOCKS,
};
use crate::params::Param;
use crate::plan::RunPlan;
use crate::sample::{self, Purpose};

/// What to solve for.
#[derive(Debug, Clone)]
pub struct SolveRequest {
    pub by_year: i32,
    pub probability: f64,
    /// The search stops at `max_factor` times today's trainees.
    pub max_factor: f64,
}

pub const DEFAULT_MAX_FACTOR: f64 = 5.0;

/// The largest `--max-factor`: a hundred times a region's trainees is far past any
/// plan, and the search's largest level is simulated first.
pub const MAX_FACTOR: f64 = 100.0;

/// One region's answer: a row of `solve.parquet`.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveRow {
    pub region_code: String,
    pub region: String,
    pub by_year: i32,
    pub probability: f64,
    pub current_st_trainees: f64,
    /// None when no level up to `max_st_trainees` reaches `probability`.
    pub required_st_trainees: Option<u32>,
    pub required_intake_per_year: Option<f64>,
    /// The probability at the required level.
    pub achieved_probability: Option<f64>,
    pub max_st_trainees: u32,
    pub probability_at_max: f64,
    /// How many levels were simulated.
    pub evaluations: u32,
}

/// A region's runs, drawn once and re-run at every level.
pub struct RegionSolver<'a> {
    plan: &'a RunPlan,
    region: &'a Region,
    inputs: Vec<RegionInputs<'a>>,
    horizon: u32,
}

impl<'a> RegionSolver<'a> {
    /// Draws the region's runs, a block at a time so that Ctrl-C stops it.
    pub fn new(plan: &'a RunPlan, region: &'a Region, by_year: i32) -> Result<Self, Error> {
        let cfg = &plan.config;
        let horizon = (by_year - cfg.base_year).max(0) as u32;
        let mut inputs = Vec::new();
        if cfg.mode != Mode::Dlf {
            inputs.reserve_exact(cfg.runs as usize);
            let none = Default::default();
            const BLOCK: u32 = 1 << 16;
            for start in (0..cfg.runs).step_by(BLOCK as usize) {
                crate::interrupt::check()?;
                let end = cfg.runs.min(start.saturating_add(BLOCK));
                inputs.par_extend((start..end).into_par_iter().map(|run| {
                    let u_nat = sample::national_uniforms(cfg.seed, run);
                    let u_reg = sample::region_uniforms(cfg.seed, run, &region.code);
                    let draw = sample::draw(cfg, region, &u_nat, &u_reg, &none);
                    let mut inp = RegionInputs::new(region, &draw, cfg.training, &cfg.ages);
                    inp.intake = std::borrow::Cow::Owned(IntakePolicy {
                        max_trainees_per_specialist_fte: cfg.max_trainees_per_specialist_fte,
                        ..IntakePolicy::default()
                    });
                    inp
                }));
            }
        }
        Ok(RegionSolver {
            plan,
            region,
            inputs,
            horizon,
        })
    }

    /// Share of runs at target by the year, with `level` trainees held constant.
    pub fn probability(&self, level: u32) -> f64 {
        let cfg = &self.plan.config;
        let years = self.horizon as usize + 1;
        let level = f64::from(level);
        if cfg.mode == Mode::Dlf {
            let mut inp = DlfInputs::of(self.region).expect("plan checked");
            inp.trainees = level;
            let mut buf = vec![0.0; STOCKS * years];
            let hit =
                model::run_dlf(&inp, self.horizon, &mut Trajectory::new(years, &mut buf)).is_some();
            return if hit { 1.0 } else { 0.0 };
        }
        // A group of runs at a time, as `simulate` runs them (eight side by side where
        // the processor can: the same years to target as one at a time).
        const GROUP: usize = 32;
        let hits: usize = self
            .inputs
            .par_chunks(GROUP)
            .enumerate()
            .map_init(
                || (vec![0.0; GROUP * STOCKS * years], [None; GROUP]),
                |(buf, reached), (g, bases)| {
                    // After Ctrl-C the remaining groups are skipped; `solve` then stops.
                    if crate::interrupt::is_set() {
                        return 0;
                    }
                    let inputs: Vec<RegionInputs<'_>> = bases
                        .iter()
                        .map(|base| RegionInputs {
                            trainees: level,
                            intake_growth_per_year: 0.0,
                            ..base.borrowed()
                        })
                        .collect();
                    let noise = |j: usize| match cfg.mode {
                        Mode::Binomial => Noise::binomial(sample::stream_key(
                            cfg.seed,
                            (g * GROUP + j) as u32,
                            sample::region_key(&self.region.code),
                            Purpose::Noise,
                        )),
                        _ => Noise::Expected,
                    };
                    let n = bases.len();
                    model::run_regions(
                        &inputs,
                        noise,
                        &cfg.guideline,
                        self.horizon,
                        &mut buf[..n * STOCKS * years],
                        &mut reached[..n],
                        None,
                    );
                    // The target as the config defines it (`sustain_years`).
                    let stride = STOCKS * years;
                    buf[..n * stride]
                        .chunks(stride)
                        .filter(|x| {
                            crate::simulate::target_of(x, years, &cfg.guideline, cfg.sustain_years)
                                .0
                                .is_some()
                        })
                        .count()
                },
            )
            .sum();
        hits as f64 / self.inputs.len() as f64
    }

    /// Yearly intake that holds `level` trainees: `level / E[D]`.
    pub fn intake_for(&self, level: u32) -> f64 {
        let mean_duration = if self.plan.config.mode == Mode::Dlf {
            DLF_ST_YEARS
        } else {
            self.plan
                .config
                .dist_for(&self.region.code, Param::StDurationMeanYears)
                .map_or(DLF_ST_YEARS, |d| d.mean())
        };
        f64::from(level) / mean_duration
    }

    /// Bisection over whole trainees in `0..=max`, keeping `p(lo) < P <= p(hi)`.
    pub fn solve(&self, req: &SolveRequest) -> Result<SolveRow, Error> {
        let current = self.region.st_trainees;
        let max = (req.max_factor * current).ceil().max(1.0) as u32;
        let mut evaluations = 0;
        let mut p = |level: u32| {
            evaluations += 1;
            let p = self.probability(level);
            crate::interrupt::check().map(|()| p)
        };
        let p_max = p(max)?;
        let answer = if p_max < req.probability {
            None
        } else {
            let p0 = p(0)?;
            if p0 >= req.probability {
                Some((0, p0))
            } else {
                let (mut lo, mut hi, mut p_hi) = (0u32, max, p_max);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    let pm = p(mid)?;
                    if pm >= req.probability {
                        (hi, p_hi) = (mid, pm);
                    } else {
                        lo = mid;
                    }
                }
                Some((hi, p_hi))
            }
        };
        Ok(SolveRow {
            region_code: self.region.code.clone(),
            region: self.region.name.clone(),
            by_year: req.by_year,
            probability: req.probability,
            current_st_trainees: current,
            required_st_trainees: answer.map(|a| a.0),
            required_intake_per_year: answer.map(|a| self.intake_for(a.0)),
            achieved_probability: answer.map(|a| a.1),
            max_st_trainees: max,
            probability_at_max: p_max,
            evaluations,
        })
    }
}

/// Solves every region of the plan.
pub fn solve(plan: &RunPlan, req: &SolveRequest) -> Result<Vec<SolveRow>, Error> {
    let cfg = &plan.config;
    if req.by_year < cfg.base_year {
        return Err(Error::Usage(format!(
            "--by-year {} is before the base year {}",
            req.by_year, cfg.base_year
        )));
    }
    if !(req.probability > 0.0 && req.probability <= 1.0) {
        return Err(Error::Usage(format!(
            "--probability must lie in (0, 1], got {}",
            req.probability
        )));
    }
    if req.by_year > cfg.last_year() {
        return Err(Error::Usage(format!(
            "--by-year {} is beyond the config's last simulated year {} (base_year + horizon_years)",
            req.by_year,
            cfg.last_year()
        )));
    }
    if !(req.max_factor.is_finite() && req.max_factor > 0.0 && req.max_factor <= MAX_FACTOR) {
        return Err(Error::Usage(format!(
            "--max-factor must be a number in (0, {MAX_FACTOR}], got {}",
            req.max_factor
        )));
    }
    // One region's runs are held at a time: each its inputs, with its duration
    // distribution's probabilities on the heap (up to MAX_DURATION_YEARS of them, and
    // the allocator's own bytes) and an empty intake policy.
    let per_run = std::mem::size_of::<RegionInputs<'_>>()
        + (cfg.training.max_years - cfg.training.min_years + 1) as usize * 8
        + 32;
    let bytes = u64::from(cfg.runs) * per_run as u64;
    if bytes > crate::plan::MAX_RESULT_BYTES {
        return Err(Error::Usage(format!(
            "--runs {}: solve holds a region's runs in memory, about {:.1} GB of them; at most {} GB",
            cfg.runs,
            bytes as f64 / 1e9,
            crate::plan::MAX_RESULT_BYTES / 1_000_000_000
        )));
    }
    let run = || {
        plan.regions
            .iter()
            .map(|r| RegionSolver::new(plan, r, req.by_year)?.solve(req))
            .collect()
    };
    crate::pool::install(plan.threads, run)?
}

/// What `solve` writes into a results folder.
pub const SOLVE_FILE: &str = "solve.parquet";

/// Where `solve` writes: `--out DIR`, else the config's results folder.
pub fn out_path(plan: &RunPlan) -> PathBuf {
    plan.out_dir.join(SOLVE_FILE)
}

/// The table `solve` prints.
pub fn render(rows: &[SolveRow]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    if let Some(r) = rows.first() {
        let _ = writeln!(
            s,
            "ST trainees in post, held constant from the base year, to reach the target by {} with probability >= {}",
            r.by_year, r.probability
        );
    }
    let _ = writeln!(
        s,
        "{:<4} {:<20} {:>8} {:>9} {:>11} {:>9} {:>6}",
        "code", "region", "today", "required", "intake/yr", "achieved", "max"
    );
    for r in rows {
        let _ = match r.required_st_trainees {
            Some(req) => writeln!(
                s,
                "{:<4} {:<20} {:>8.1} {:>9} {:>11.1} {:>8.1}% {:>6}",
                r.region_code,
                r.region,
                r.current_st_trainees,
                req,
                r.required_intake_per_year.unwrap_or_default(),
                100.0 * r.achieved_probability.unwrap_or_default(),
                r.max_st_trainees
            ),
            None => writeln!(
                s,
                "{:<4} {:<20} {:>8.1} {:>9} {:>11} {:>9} {:>6}  not reached at the max ({:.1}% there)",
                r.region_code,
                r.region,
                r.current_st_trainees,
                "-",
                "-",
                "-",
                r.max_st_trainees,
                100.0 * r.probability_at_max
            ),
        };
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::data::RegionTable;
    use crate::plan::Overrides;

    fn plan(mode: &str, runs: u32) -> RunPlan {
        let text = format!(
            "name = \"t\"\nseed = 11\nruns = {runs}\nmode = \"{mode}\"\n[overrides.25]\npublic_headcount = {{ dist = \"triangular\", min = 82, mode = 92, max = 106 }}\n"
        );
        let cfg = Config::parse(&text, "t.toml").unwrap();
        RunPlan::new(cfg, RegionTable::builtin(), &Overrides::default()).unwrap()
    }

    #[test]
    fn dlf_mode_agrees_with_dlfs_closed_form() {
        let plan = plan("dlf", 1);
        let req = SolveRequest {
            by_year: 2035,
            probability: 0.8,
            max_factor: 20.0,
        };
        let h = f64::from(2035 - 2023);
        assert!(!plan.regions.is_empty());
        for r in &plan.regions {
            let inp = DlfInputs::of(r).unwrap();
            // S + h (st/8 - need/25) >= need  <=>  st >= 8 ((need - S)/h + need/25)
            let exact = if inp.specialists >= inp.need {
                0.0
            } else {
                8.0 * ((inp.need - inp.specialists) / h + inp.need / 25.0)
            };
            let row = RegionSolver::new(&plan, r, 2035)
                .unwrap()
                .solve(&req)
                .unwrap();
            assert_eq!(
                row.required_st_trainees,
                Some(exact.ceil() as u32),
                "{}",
                r.code
            );
            assert_eq!(row.achieved_probability, Some(1.0));
            let t = row.required_st_trainees.unwrap();
            assert!((row.required_intake_per_year.unwrap() - f64::from(t) / 8.0).abs() < 1e-12);
        }
    }

    #[test]
    fn expected_mode_is_monotone_and_the_answer_is_bracketed() {
        let plan = plan("expected", 200);
        let region = plan.table.get("06").unwrap();
        let solver = RegionSolver::new(&plan, region, 2040).unwrap();
        let levels: Vec<u32> = (0..=12).map(|k| k * 60).collect();
        let p: Vec<f64> = levels.iter().map(|&l| solver.probability(l)).collect();
        assert!(p.windows(2).all(|w| w[0] <= w[1]), "not monotone: {p:?}");
        assert!(p[0] < 0.5 && p[12] > 0.9, "{p:?}");
        let req = SolveRequest {
            by_year: 2040,
            probability: 0.8,
            max_factor: DEFAULT_MAX_FACTOR,
        };
        let row = solver.solve(&req).unwrap();
        let t = row.required_st_trainees.expect("found");
        assert!(solver.probability(t) >= 0.8);
        assert!(solver.probability(t - 1) < 0.8);
        assert_eq!(row.achieved_probability, Some(solver.probability(t)));
    }

    #[test]
    fn binomial_answer_is_bracketed_and_a_low_cap_says_so() {
        let plan = plan("binomial", 100);
        let region = plan.table.get("23").unwrap();
        let solver = RegionSolver::new(&plan, region, 2035).unwrap();
        let req = SolveRequest {
            by_year: 2035,
            probability: 0.9,
            max_factor: DEFAULT_MAX_FACTOR,
        };
        let row = solver.solve(&req).unwrap();
        let t = row.required_st_trainees.expect("found");
        assert!(t == 0 || solver.probability(t - 1) < 0.9);
        assert!(solver.probability(t) >= 0.9);

        let capped = solver
            .solve(&SolveRequest {
                max_factor: 0.01,
                ..req
            })
            .unwrap();
        assert_eq!(capped.required_st_trainees, None);
        assert_eq!(capped.required_intake_per_year, None);
        assert!(capped.probability_at_max < 0.9);
    }
}
