//! Statistics over runs: type-7 quantiles and a band's mean and quantiles.
//!
//! Quantiles are R's type 7 / numpy's default (linear interpolation between order
//! statistics), so a user can check any figure with `numpy.quantile` or `quantile()`.
//! A censored run (target not reached within the horizon) counts as +infinity: a
//! quantile that falls among censored runs is infinite and is reported as null.

use serde::Serialize;

/// The quantile levels of every band and summary, in column order.
pub const LEVELS: [f64; 5] = [0.05, 0.25, 0.50, 0.75, 0.95];

/// Type-7 quantiles of `values` at the ascending `levels`. Reorders `values`.
/// Uses selection, not a full sort: O(n) per level.
pub fn quantiles(values: &mut [f64], levels: &[f64]) -> Vec<f64> {
    assert!(!values.is_empty(), "quantiles of nothing");
    assert!(levels.windows(2).all(|w| w[0] <= w[1]), "levels ascending");
    let n = values.len();
    let mut out = Vec::with_capacity(levels.len());
    let mut done = 0usize; // values[..done] hold order statistics < the next index
    for &p in levels {
        let h = (n - 1) as f64 * p;
        let lo = h.floor() as usize;
        let frac = h - lo as f64;
        let x_lo = order_stat(values, lo, &mut done);
        let x = if frac == 0.0 || lo + 1 >= n {
            x_lo
        } else {
            let x_hi = values[lo + 1..]
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min);
            if x_hi == x_lo || x_lo.is_infinite() {
                x_lo
            } else {
                x_lo + frac * (x_hi - x_lo)
            }
        };
        out.push(x);
    }
    out
}

/// The k-th smallest value, selecting only within the part not yet partitioned.
fn order_stat(values: &mut [f64], k: usize, done: &mut usize) -> f64 {
    if k >= *done {
        let start = *done;
        values[start..].select_nth_unstable_by(k - start, f64::total_cmp);
        *done = k + 1;
    }
    values[k]
}

/// Mean and the `LEVELS` quantiles of one metric in one year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BandStats {
    pub mean: f64,
    pub q: [f64; 5],
}

impl BandStats {
    /// Reorders `values`. The mean is summed in run order, so it does not depend on
    /// how the runs were scheduled.
    pub fn of(values: &mut [f64]) -> Self {
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let q = quantiles(values, &LEVELS);
        BandStats {
            mean,
            q: [q[0], q[1], q[2], q[3], q[4]],
        }
    }
}
