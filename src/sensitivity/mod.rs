//! `fastlakare sensitivity`: which uncertain parameter drives a region's answer.
//!
//! Variance-based global sensitivity: first- and total-order Sobol indices of one
//! output (coverage in a year, or years to target) with respect to every uncertain
//! parameter, from a Saltelli design evaluated with the model (`sobol` has the
//! estimators).
//!
//! Factors are catalogue parameters. A region-scope parameter is one factor with a
//! column per region: `AB_i` swaps parameter `i` for every region at once, which for a
//! region's own output is the same as swapping its own column (a region's model reads
//! only its own and the national uniforms), and for Sverige gives the index of the
//! parameter as a group. A parameter is a factor of a region only when moving its
//! uniform changes the model's inputs there (so a fixed value, `fte_initial` where the
//! data has a ratio, or `public_share` in a region that counts all care are not).
//!
//! Model noise is not a factor. By default the design runs in `expected` mode, so the
//! indices describe the parameters alone. With `replicates = R` (binomial configs) each
//! design point is the mean of R binomial replicates; the noise is an extra input held
//! with the `A` rows (the `AB_i` rows reuse `A`'s noise), so it adds to `V` and to
//! `1 - sum S1` but not to any parameter's index.
//!
//! Censoring (years to target): a run that never reaches the target within the
//! horizon counts as `horizon + 1` years, so the indices describe `min(T, H + 1)`;
//! `censored_share` says how much of the variance that floor may hide.

pub mod sobol;

use rayon::prelude::*;

use crate::config::{Guideline, Mode};
use crate::error::Error;
use crate::model::{self, coverage, stock_at, Noise, RegionInputs, Stock, Trajectory, STOCKS};
use crate::params::{Param, PARAM_COUNT};
use crate::plan::RunPlan;
use crate::sample::{self, Purpose};
use crate::scenario::ScenarioPlan;
use crate::simulate::{NATIONAL_CODE, NATIONAL_NAME};

pub use crate::config::sensitivity::{
    Output, Request, DEFAULT_BOOTSTRAP, DEFAULT_CONFIDENCE, DEFAULT_OUTPUT, DEFAULT_SAMPLES,
    MAX_BOOTSTRAP, MAX_REPLICATES, MAX_SAMPLES,
};

impl Request {
    /// Checks the request against the plan, naming the flag (or config field) at fault.
    pub fn check(&self, plan: &RunPlan) -> Result<(), Error> {
        let cfg = &plan.config;
        if cfg.mode == Mode::Dlf {
            return Err(Error::Usage(format!(
                "{}: mode \"dlf\" has no uncertain parameters to analyse; use binomial or expected",
                cfg.source
            )));
        }
        match self.problem(cfg.base_year, cfg.last_year(), cfg.mode) {
            Some((field, problem)) => Err(Error::Usage(format!(
                "--{field} (or sensitivity.{field} in {}): {problem}",
                cfg.source
            ))),
            None => Ok(()),
        }
    }

    fn horizon_years(&self, plan: &RunPlan) -> u32 {
        match self.output {
            Output::CoverageAt { year } => (year - plan.config.base_year) as u32,
            Output::YearsToTarget => plan.config.horizon_years,
        }
    }

    /// How the model's noise was treated, for the metadata and the printout.
    pub fn noise_treatment(&self) -> String {
        match self.replicates {
            0 => "expected mode (no model noise)".into(),
            r => format!("mean of {r} binomial replicates per design point"),
        }
    }
}

/// One row of `sensitivity.parquet`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub scenario: String,
    pub region_code: String,
    pub region: String,
    pub output: String,
    pub parameter: Param,
    /// `None` when the output does not vary (every index is then undefined).
    pub indices: Option<sobol::FactorIndices>,
    pub samples: u32,
    pub output_mean: f64,
    pub output_variance: f64,
    /// Years to target only: the share of evaluations that never reached the target.
    pub censored_share: Option<f64>,
}

/// Everything `sensitivity` produced.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub rows: Vec<Row>,
    /// Model evaluations (region-runs) made.
    pub evaluations: u64,
}

/// The design's three kinds of rows.
#[derive(Debug, Clone, Copy)]
enum Matrix {
    A,
    B,
    /// `A` with the uniform of this parameter from `B`.
    Ab(Param),
}

/// Which regions each parameter is a factor of, under one scenario.
struct Factors {
    /// Every parameter that is a factor somewhere, in catalogue order.
    params: Vec<Param>,
    /// `applies[region][k]` for `params[k]`.
    applies: Vec<Vec<bool>>,
}

fn factors(plan: &RunPlan, scenario: &ScenarioPlan) -> Factors {
    let cfg = &plan.config;
    let applies_one = |region, rs: &crate::scenario::RegionScenario, p: Param| {
        let inputs = |u: f64| {
            let mut x = [0.5; PARAM_COUNT];
            x[p.index()] = u;
            let draw = sample::draw(cfg, region, &x, &x, &rs.parameters);
            RegionInputs::new(region, &draw, cfg.training, &cfg.ages)
        };
        inputs(0.05) != inputs(0.95)
    };
    let per_region: Vec<Vec<bool>> = plan
        .regions
        .iter()
        .zip(&scenario.regions)
        .map(|(r, rs)| Param::ALL.iter().map(|&p| applies_one(r, rs, p)).collect())
        .collect();
    let params: Vec<Param> = Param::ALL
        .into_iter()
        .filter(|p| per_region.iter().any(|a| a[p.index()]))
        .collect();
    let applies = per_region
        .iter()
        .map(|a| params.iter().map(|p| a[p.index()]).collect())
        .collect();
    Factors { params, applies }
}

/// Runs the analysis for every scenario of the plan. `progress` sees design rows done.
pub fn analyse(
    plan: &RunPlan,
    req: &Request,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Analysis, Error> {
    req.check(plan)?;
    crate::pool::install(plan.threads, || analyse_in_pool(plan, req, progress))?
}

/// Design rows of one scenario (for a progress bar's length).
pub fn design_rows(plan: &RunPlan, req: &Request) -> u64 {
    plan.scenarios
        .iter()
        .map(|s| u64::from(req.samples) * (factors(plan, s).params.len() as u64 + 2))
        .sum()
}

fn analyse_in_pool(
    plan: &RunPlan,
    req: &Request,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Analysis, Error> {
    let mut rows = Vec::new();
    let mut evaluations = 0u64;
    for (index, scenario) in plan.scenarios.iter().enumerate() {
        let f = factors(plan, scenario);
        let n = req.samples as usize;
        let matrices: Vec<Matrix> = [Matrix::A, Matrix::B]
            .into_iter()
            .chain(f.params.iter().map(|&p| Matrix::Ab(p)))
            .collect();
        // outputs[m * n + j] = (value per unit, censored share per unit).
        let outputs: Vec<Vec<(f64, f64)>> = (0..matrices.len() * n)
            .into_par_iter()
            .map_init(
                || Evaluator::new(plan, req),
                |ev, row| {
                    // After Ctrl-C the remaining rows are skipped, each in a moment.
                    if crate::interrupt::check().is_err() {
                        return Vec::new();
                    }
                    let out = ev.row(scenario, matrices[row / n], (row % n) as u32);
                    progress(1);
                    out
                },
            )
            .collect();
        crate::interrupt::check()?;
        let reps = u64::from(req.replicates.max(1));
        evaluations += (matrices.len() * n) as u64 * plan.regions.len() as u64 * reps;

        let mut units: Vec<(&str, &str, Vec<bool>)> = plan
            .regions
            .iter()
            .zip(&f.applies)
            .map(|(r, a)| (r.code.as_str(), r.name.as_str(), a.clone()))
            .collect();
        if plan.has_national() {
            units.push((NATIONAL_CODE, NATIONAL_NAME, vec![true; f.params.len()]));
        }
        let per_unit: Vec<Vec<Row>> = units
            .par_iter()
            .enumerate()
            .map(|(u, (code, name, applies))| {
                let column = |m: usize| -> Vec<f64> {
                    outputs[m * n..(m + 1) * n].iter().map(|o| o[u].0).collect()
                };
                let (a, b) = (column(0), column(1));
                let used: Vec<usize> = (0..f.params.len()).filter(|&k| applies[k]).collect();
                let ab_cols: Vec<Vec<f64>> = used.iter().map(|&k| column(k + 2)).collect();
                let ab: Vec<&[f64]> = ab_cols.iter().map(Vec::as_slice).collect();
                let est = sobol::estimate(
                    &sobol::DesignOutputs {
                        a: &a,
                        b: &b,
                        ab: &ab,
                    },
                    &sobol::Bootstrap {
                        resamples: req.bootstrap,
                        confidence: req.confidence,
                        seed: sample::stream_key(
                            plan.config.seed,
                            index as u32,
                            sample::region_key(code),
                            Purpose::Bootstrap,
                        ),
                        stop: crate::interrupt::is_set,
                    },
                );
                let censored_share = (req.output == Output::YearsToTarget)
                    .then(|| outputs[..2 * n].iter().map(|o| o[u].1).sum::<f64>() / (2 * n) as f64);
                used.iter()
                    .zip(&est.factors)
                    .map(|(&k, ind)| Row {
                        scenario: scenario.name.clone(),
                        region_code: (*code).to_string(),
                        region: (*name).to_string(),
                        output: req.output.name(),
                        parameter: f.params[k],
                        indices: *ind,
                        samples: req.samples,
                        output_mean: est.mean,
                        output_variance: est.variance,
                        censored_share,
                    })
                    .collect()
            })
            .collect();
        rows.extend(per_unit.into_iter().flatten());
        crate::interrupt::check()?;
    }
    Ok(Analysis { rows, evaluations })
}

/// One worker's buffers for evaluating design rows.
struct Evaluator<'p> {
    plan: &'p RunPlan,
    req: &'p Request,
    horizon: u32,
    years: usize,
    region: Vec<f64>,
    national: Vec<f64>,
}

impl<'p> Evaluator<'p> {
    fn new(plan: &'p RunPlan, req: &'p Request) -> Self {
        let horizon = req.horizon_years(plan);
        let years = horizon as usize + 1;
        Evaluator {
            plan,
            req,
            horizon,
            years,
            region: vec![0.0; STOCKS * years],
            national: vec![0.0; STOCKS * years],
        }
    }

    /// The uniforms of design row `j` of `matrix` for a stream key (region or national).
    fn uniforms(&self, matrix: Matrix, j: u32, key: u64) -> [f64; PARAM_COUNT] {
        let seed = self.plan.config.seed;
        let of = |purpose| sample::uniforms(&mut sample::stream(seed, j, key, purpose));
        match matrix {
            Matrix::A => of(Purpose::DesignA),
            Matrix::B => of(Purpose::DesignB),
            Matrix::Ab(p) => {
                let mut u = of(Purpose::DesignA);
                u[p.index()] = of(Purpose::DesignB)[p.index()];
                u
            }
        }
    }

    /// The output of every region (then Sverige, if the plan has it) at one design
    /// row, with the share of replicates that were censored.
    fn row(&mut self, scenario: &ScenarioPlan, matrix: Matrix, j: u32) -> Vec<(f64, f64)> {
        let plan = self.plan;
        let cfg = &plan.config;
        let units = plan.regions.len() + usize::from(plan.has_national());
        let mut out = vec![(0.0, 0.0); units];
        let u_nat = self.uniforms(matrix, j, sample::NATIONAL_KEY);
        let inputs: Vec<RegionInputs> = plan
            .regions
            .iter()
            .zip(&scenario.regions)
            .map(|(region, rs)| {
                let u_reg = self.uniforms(matrix, j, sample::region_key(&region.code));
                let draw = sample::draw(cfg, region, &u_nat, &u_reg, &rs.parameters);
                let mut inp = RegionInputs::new(region, &draw, cfg.training, &cfg.ages);
                inp.intake = std::borrow::Cow::Borrowed(&rs.intake);
                inp
            })
            .collect();
        let noise_purpose = match matrix {
            Matrix::B => Purpose::DesignNoiseB,
            _ => Purpose::DesignNoiseA,
        };
        let reps = self.req.replicates.max(1);
        for rep in 0..reps {
            self.national.fill(0.0);
            for (k, ((region, rs), inp)) in plan
                .regions
                .iter()
                .zip(&scenario.regions)
                .zip(&inputs)
                .enumerate()
            {
                let noise = if self.req.replicates == 0 {
                    Noise::Expected
                } else {
                    let key = sample::stream_key(
                        cfg.seed,
                        j,
                        sample::region_key(&region.code),
                        noise_purpose,
                    );
                    Noise::binomial(sample::subkey(key, u64::from(rep)))
                };
                model::run_region(
                    inp,
                    &rs.guideline,
                    self.horizon,
                    noise,
                    &mut Trajectory::new(self.years, &mut self.region),
                );
                let sustain = cfg.sustain_years;
                let (reached, _) =
                    crate::simulate::target_of(&self.region, self.years, &rs.guideline, sustain);
                let (v, censored) = self.value(&self.region, &rs.guideline, reached);
                out[k].0 += v;
                out[k].1 += censored;
                for (acc, x) in self.national.iter_mut().zip(&self.region) {
                    *acc += x;
                }
            }
            if plan.has_national() {
                let g = &scenario.national_guideline;
                let sustain = cfg.sustain_years;
                let (reached, _) =
                    crate::simulate::target_of(&self.national, self.years, g, sustain);
                let (v, censored) = self.value(&self.national, g, reached);
                out[units - 1].0 += v;
                out[units - 1].1 += censored;
            }
        }
        let r = f64::from(reps);
        for o in &mut out {
            o.0 /= r;
            o.1 /= r;
        }
        out
    }

    fn value(&self, stocks: &[f64], g: &Guideline, reached: Option<u32>) -> (f64, f64) {
        match self.req.output {
            Output::CoverageAt { .. } => (at_coverage(stocks, self.years, self.years - 1, g), 0.0),
            Output::YearsToTarget => match reached {
                Some(t) => (f64::from(t), 0.0),
                None => (f64::from(self.horizon + 1), 1.0),
            },
        }
    }
}

fn at_coverage(stocks: &[f64], years: usize, t: usize, g: &Guideline) -> f64 {
    coverage(
        g,
        stock_at(stocks, years, Stock::SpecialistsFte, t),
        stock_at(stocks, years, Stock::Trainees, t),
        stock_at(stocks, years, Stock::Population, t),
    )
}

/// The three largest total-order indices of a region, for the printout.
pub fn top_factors(rows: &[Row], scenario: &str, code: &str, k: usize) -> Vec<(Param, f64)> {
    let mut v: Vec<(Param, f64)> = rows
        .iter()
        .filter(|r| r.scenario == scenario && r.region_code == code)
        .filter_map(|r| r.indices.map(|i| (r.parameter, i.total_order.estimate)))
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(k);
    v
}

/// The table `sensitivity` prints: per region, the parameters by total-order index.
pub fn render(plan: &RunPlan, req: &Request, rows: &[Row]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    for sc in &plan.scenarios {
        let _ = writeln!(
            s,
            "{}: Sobol indices of {} ({} samples; {}); top three by total order ST [first order S1]",
            sc.name,
            req.output.name(),
            req.samples,
            req.noise_treatment()
        );
        let mut codes: Vec<(&str, &str)> = plan
            .regions
            .iter()
            .map(|r| (r.code.as_str(), r.name.as_str()))
            .collect();
        if plan.has_national() {
            codes.push((NATIONAL_CODE, NATIONAL_NAME));
        }
        for (code, name) in codes {
            let top = top_factors(rows, &sc.name, code, 3);
            let _ = write!(s, "{code:<4} {name:<20}");
            if top.is_empty() {
                let _ = write!(s, " (output does not vary)");
            }
            for (p, st) in top {
                let s1 = rows
                    .iter()
                    .find(|r| r.scenario == sc.name && r.region_code == code && r.parameter == p)
                    .and_then(|r| r.indices)
                    .map_or(f64::NAN, |i| i.first_order.estimate);
                let _ = write!(s, "  {} {:.2} [{:.2}]", p.name(), st, s1);
            }
            s.push('\n');
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::data::RegionTable;
    use crate::plan::Overrides;

    fn plan(extra: &str, threads: Option<usize>) -> RunPlan {
        let text = format!(
            "name = \"t\"\nseed = 3\nruns = 10\nmode = \"binomial\"\n{extra}\n[overrides.25]\npublic_headcount = {{ dist = \"triangular\", min = 82, mode = 92, max = 106 }}\n"
        );
        let cfg = Config::parse(&text, "t.toml").unwrap();
        let o = Overrides {
            threads,
            ..Default::default()
        };
        RunPlan::new(cfg, RegionTable::builtin(), &o).unwrap()
    }

    fn request(samples: u32) -> Request {
        Request {
            samples,
            bootstrap: 50,
            ..Request::default()
        }
    }

    #[test]
    fn outputs_parse_and_print_back() {
        for s in ["coverage_at:2035", "years_to_target"] {
            assert_eq!(s.parse::<Output>().unwrap().name(), s);
        }
        assert!("coverage_at:soon".parse::<Output>().is_err());
        assert!("coverage".parse::<Output>().is_err());
    }

    #[test]
    fn factors_are_the_parameters_that_move_a_regions_inputs() {
        let p = plan("", None);
        let f = factors(&p, &p.scenarios[0]);
        // Fixed in the defaults: not factors anywhere.
        assert!(!f.params.contains(&Param::StDurationSdYears));
        assert!(!f.params.contains(&Param::DropoutShare));
        assert!(f.params.contains(&Param::AttritionPerYear));
        let k = |param| f.params.iter().position(|&x| x == param).unwrap();
        let idx = |code| p.regions.iter().position(|r| r.code == code).unwrap();
        // Norrbotten counts region-run care only and has a headcount prior.
        assert!(f.applies[idx("25")][k(Param::PublicShare)]);
        assert!(f.applies[idx("25")][k(Param::PublicHeadcount)]);
        // Jönköping counts all care and reports its FTE ratio.
        assert!(!f.applies[idx("06")][k(Param::PublicShare)]);
        assert!(!f.applies[idx("06")][k(Param::PublicHeadcount)]);
        assert!(f.applies[idx("06")][k(Param::StDurationMeanYears)]);
    }

    #[test]
    fn same_seed_same_indices_whatever_the_threads() {
        let req = request(64);
        let one = analyse(&plan("", Some(1)), &req, &|_| ()).unwrap();
        let two = analyse(&plan("", Some(2)), &req, &|_| ()).unwrap();
        assert!(!one.rows.is_empty());
        assert_eq!(one.rows, two.rows);
    }

    #[test]
    fn indices_are_sane_for_the_model() {
        let a = analyse(&plan("", None), &request(256), &|_| ()).unwrap();
        let mut units: Vec<&str> = a.rows.iter().map(|r| r.region_code.as_str()).collect();
        units.dedup();
        assert_eq!(units.len(), 22, "21 regions and Sverige");
        assert_eq!(units.last(), Some(&NATIONAL_CODE));
        for code in units {
            let rows: Vec<&Row> = a.rows.iter().filter(|r| r.region_code == code).collect();
            let ind: Vec<sobol::FactorIndices> = rows
                .iter()
                .map(|r| r.indices.expect("coverage varies in every region"))
                .collect();
            for i in &ind {
                for iv in [i.first_order, i.total_order] {
                    assert!(
                        iv.lo <= iv.estimate && iv.estimate <= iv.hi,
                        "{code}: {iv:?}"
                    );
                }
            }
            // Theory: S1 <= ST for each factor, sum S1 <= 1 <= sum ST; here within the
            // sampling error of 256 rows.
            let s1: f64 = ind.iter().map(|i| i.first_order.estimate).sum();
            let st: f64 = ind.iter().map(|i| i.total_order.estimate).sum();
            assert!(
                s1 < 1.15 && st > 0.85 && st + 0.15 > s1,
                "{code}: {s1} {st}"
            );
            assert!(rows.iter().all(|r| r.output_variance > 0.0));
        }
    }

    #[test]
    fn years_to_target_reports_censoring() {
        let req = Request {
            output: Output::YearsToTarget,
            ..request(32)
        };
        let a = analyse(&plan("regions = [\"01\", \"06\"]", None), &req, &|_| ()).unwrap();
        for r in &a.rows {
            let c = r
                .censored_share
                .expect("years_to_target has a censored share");
            assert!((0.0..=1.0).contains(&c));
            assert!(r.output_mean <= f64::from(100 + 1));
        }
        assert!(a.rows.iter().all(|r| r.region_code != NATIONAL_CODE));
    }

    #[test]
    fn bad_requests_are_refused() {
        let p = plan("", None);
        let bad = |r: Request| r.check(&p).unwrap_err().to_string();
        assert!(bad(Request {
            output: Output::CoverageAt { year: 1990 },
            ..Request::default()
        })
        .contains("coverage_at:1990"));
        assert!(bad(Request {
            samples: 1,
            ..Request::default()
        })
        .contains("samples"));
        assert!(bad(Request {
            confidence: 1.0,
            ..Request::default()
        })
        .contains("confidence"));
        let exp = plan("", None);
        let mut cfg = exp.config.clone();
        cfg.mode = Mode::Expected;
        let exp = RunPlan::new(cfg, RegionTable::builtin(), &Overrides::default()).unwrap();
        assert!(Request {
            replicates: 2,
            ..Request::default()
        }
        .check(&exp)
        .unwrap_err()
        .to_string()
        .contains("replicates"));
    }
}
