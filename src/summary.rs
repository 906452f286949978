//! The summary of a simulation: years-to-target, probabilities by the checkpoints and
//! against the baseline, per scenario and region (`stats` has the quantiles).
//!
//! Quantiles are R's type 7 / numpy's default (linear interpolation between order
//! statistics), so a user can check any figure with `numpy.quantile` or `quantile()`.
//! A censored run (target not reached within the horizon) counts as +infinity: a
//! quantile that falls among censored runs is infinite and is reported as null.

use serde::Serialize;

pub use crate::stats::{quantiles, BandStats, LEVELS};

/// Years-to-target over the runs of one region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearsSummary {
    pub runs: u32,
    /// The `LEVELS` quantiles of years-to-target; `None` where censored runs decide it.
    pub q: [Option<f64>; 5],
    /// Share of runs that never reach the target within the horizon.
    pub share_never: f64,
}

impl YearsSummary {
    pub fn of(years: &[Option<u32>]) -> Self {
        let mut v: Vec<f64> = years
            .iter()
            .map(|y| y.map_or(f64::INFINITY, f64::from))
            .collect();
        let q = quantiles(&mut v, &LEVELS);
        let finite = |x: f64| x.is_finite().then_some(x);
        let never = years.iter().filter(|y| y.is_none()).count();
        YearsSummary {
            runs: years.len() as u32,
            q: [
                finite(q[0]),
                finite(q[1]),
                finite(q[2]),
                finite(q[3]),
                finite(q[4]),
            ],
            share_never: never as f64 / years.len() as f64,
        }
    }
}

/// Share of runs that have reached the target within `years` years of the base year.
pub fn prob_within(years_to_target: &[Option<u32>], years: i64) -> f64 {
    let hit = years_to_target
        .iter()
        .filter(|y| y.is_some_and(|y| i64::from(y) <= years))
        .count();
    hit as f64 / years_to_target.len() as f64
}

/// One row of `summary.parquet` / `summary.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryRow {
    pub scenario: String,
    pub region_code: String,
    pub region: String,
    pub years: YearsSummary,
    /// `(checkpoint year, probability of having reached the target by then)`.
    pub prob_by: Vec<(i32, f64)>,
    pub policy_target_year: Option<i32>,
    pub prob_by_policy_target: Option<f64>,
    /// Share of runs that reached the target and were below it again at a later year.
    pub share_fell_back: f64,
    /// Share of runs whose derived uptake was clamped to 1 (null for Sverige, whose
    /// regions each have their own).
    pub q_clamped: Option<f64>,
    /// Per checkpoint: the coverage over runs (mean, and the `LEVELS` quantiles from
    /// the band sketches, within a relative 1/1024 of the exact ones).
    pub coverage_at: Vec<BandStats>,
    pub vs_baseline: Comparison,
}

/// A scenario against the baseline in the same region (zeros for the baseline).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Median years to target, scenario minus baseline; null where either is null.
    pub delta_p50_years: Option<f64>,
    /// Per checkpoint: probability of being at target, scenario minus baseline.
    pub delta_prob_by: Vec<f64>,
    /// Per checkpoint: the distribution over runs of the paired extra cost (scenario's
    /// cumulative cost minus the baseline's in the same run), MSEK.
    pub extra_cost: Vec<CostStats>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CostStats {
    pub mean: f64,
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
}

impl CostStats {
    pub fn of(values: &mut [f64]) -> CostStats {
        let b = BandStats::of(values);
        CostStats {
            mean: b.mean,
            p05: b.q[0],
            p50: b.q[2],
            p95: b.q[4],
        }
    }
}

/// The summary of every scenario's regions (and Sverige), baseline first.
pub fn summarize(
    sim: &crate::simulate::SimOutput,
    base_year: i32,
    checkpoints: &[i32],
) -> Vec<SummaryRow> {
    let k = checkpoints.len();
    let baseline = &sim.scenarios[0];
    let mut rows = Vec::new();
    for sc in &sim.scenarios {
        for (r, b) in sc.regions.iter().zip(&baseline.regions) {
            debug_assert_eq!(r.code, b.code);
            let within = |ytt: &[Option<u32>], year: i32| {
                prob_within(ytt, i64::from(year) - i64::from(base_year))
            };
            let years = YearsSummary::of(&r.years_to_target);
            let base_years = YearsSummary::of(&b.years_to_target);
            let prob_by: Vec<(i32, f64)> = checkpoints
                .iter()
                .map(|&y| (y, within(&r.years_to_target, y)))
                .collect();
            let delta_prob_by = checkpoints
                .iter()
                .zip(&prob_by)
                .map(|(&y, (_, p))| p - within(&b.years_to_target, y))
                .collect();
            let extra_cost = (0..k)
                .map(|j| {
                    if r.extra_costs.is_empty() {
                        // The baseline against itself.
                        return CostStats::of(&mut vec![0.0; r.years_to_target.len()]);
                    }
                    let mut d: Vec<f64> = r.extra_costs.chunks(k).map(|x| x[j]).collect();
                    CostStats::of(&mut d)
                })
                .collect();
            let coverage_at = checkpoints
                .iter()
                .map(|&y| {
                    let t = (y - base_year) as usize;
                    let metrics = crate::simulate::Metric::ALL.len();
                    let sketch = &r.bands[t * metrics + crate::simulate::Metric::Coverage as usize];
                    BandStats {
                        mean: sketch.mean(),
                        q: sketch.quantiles(&LEVELS),
                    }
                })
                .collect();
            let share = |f: &dyn Fn(&crate::simulate::RunFlags) -> bool| {
                r.flags.iter().filter(|x| f(x)).count() as f64 / r.flags.len().max(1) as f64
            };
            rows.push(SummaryRow {
                scenario: sc.name.clone(),
                share_fell_back: share(&|f| f.fell_back),
                q_clamped: (r.code != crate::simulate::NATIONAL_CODE)
                    .then(|| share(&|f| f.uptake_clamped)),
                coverage_at,
                region_code: r.code.clone(),
                region: r.name.clone(),
                vs_baseline: Comparison {
                    delta_p50_years: years.q[2].zip(base_years.q[2]).map(|(a, b)| a - b),
                    delta_prob_by,
                    extra_cost,
                },
                years,
                prob_by,
                policy_target_year: r.policy_target_year,
                // Null outside the simulated years: before the base year nothing is
                // known, and after the horizon a run not yet at target may still get
                // there by then (`validate` and `run` say so).
                prob_by_policy_target: r
                    .policy_target_year
                    .filter(|&y| {
                        let t = i64::from(y) - i64::from(base_year);
                        t >= 0 && t < sim.years as i64
                    })
                    .map(|y| within(&r.years_to_target, y)),
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted_type7(v: &[f64], p: f64) -> f64 {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        let h = (s.len() - 1) as f64 * p;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(s.len() - 1);
        s[lo] + (h - lo as f64) * (s[hi] - s[lo])
    }

    #[test]
    fn selection_quantiles_equal_sorted_type7() {
        // numpy.quantile([1, 2, 3, 4, 10], [.05, .25, .5, .75, .95]) = [1.2, 2, 3, 4, 8.8]
        let mut v = vec![10.0, 3.0, 1.0, 4.0, 2.0];
        let q = quantiles(&mut v, &LEVELS);
        let want = [1.2, 2.0, 3.0, 4.0, 8.8];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
        let data: Vec<f64> = (0..1001)
            .map(|i| ((i * 7919) % 1009) as f64 * 0.37)
            .collect();
        let mut w = data.clone();
        let q = quantiles(&mut w, &LEVELS);
        for (i, &p) in LEVELS.iter().enumerate() {
            assert!((q[i] - sorted_type7(&data, p)).abs() < 1e-12);
        }
    }

    #[test]
    fn censored_runs_make_high_quantiles_null() {
        let mut years: Vec<Option<u32>> = (0..90).map(|i| Some(10 + i / 10)).collect();
        years.extend([None; 10]);
        let s = YearsSummary::of(&years);
        assert_eq!(s.runs, 100);
        assert!((s.share_never - 0.1).abs() < 1e-12);
        assert!(s.q[2].is_some());
        assert_eq!(
            s.q[4], None,
            "95th percentile falls among the censored 10 percent"
        );
        assert!((prob_within(&years, 10) - 0.1).abs() < 1e-12);
        assert_eq!(prob_within(&years, 1000), 0.9);
    }
}
