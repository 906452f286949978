//! The effective ST duration: its bounds, and its distribution over whole years.

use serde::{Deserialize, Serialize};

/// The longest ST duration a split over durations holds (`training.max_years`).
pub const MAX_DURATION_YEARS: usize = 60;

/// Bounds of a trainee's effective ST duration, in whole years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Training {
    pub min_years: u32,
    pub max_years: u32,
}

impl Default for Training {
    fn default() -> Self {
        Training {
            min_years: 5,
            max_years: 12,
        }
    }
}

/// The distribution of a trainee's effective ST duration over whole years.
///
/// Discretisation: `P(D = k) ∝ exp(-(k - m)^2 / (2 sd^2))` for k in min..=max, with the
/// location `m` solved so that `E[D]` equals the sampled mean exactly. Exactness
/// matters because the base intake `T0 / E[D]` is what keeps today's trainee stock
/// steady; a discretised normal centred on the mean would drift.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationDist {
    pub min_years: u32,
    /// `probs[i]` is `P(D = min_years + i)`.
    pub probs: Vec<f64>,
    pub mean_years: f64,
}

impl DurationDist {
    pub fn new(mean_years: f64, sd_years: f64, training: Training) -> Self {
        let (lo, hi) = (f64::from(training.min_years), f64::from(training.max_years));
        let n = (training.max_years - training.min_years + 1) as usize;
        let mut probs = vec![0.0; n];
        if mean_years <= lo || n == 1 {
            probs[0] = 1.0;
        } else if mean_years >= hi {
            probs[n - 1] = 1.0;
        } else if sd_years <= 0.0 {
            // Two points around the mean, weighted to hit it exactly.
            let k = mean_years.floor();
            let i = (k - lo) as usize;
            let frac = mean_years - k;
            probs[i] = 1.0 - frac;
            if frac > 0.0 {
                probs[i + 1] = frac;
            }
        } else {
            probs = solve_location(mean_years, sd_years, lo, n);
        }
        let mean_years = probs
            .iter()
            .enumerate()
            .map(|(i, p)| (lo + i as f64) * p)
            .sum();
        DurationDist {
            min_years: training.min_years,
            probs,
            mean_years,
        }
    }

    pub fn max_years(&self) -> usize {
        self.min_years as usize + self.probs.len() - 1
    }

    /// `P(D = k)`.
    pub fn prob(&self, k: usize) -> f64 {
        k.checked_sub(self.min_years as usize)
            .and_then(|i| self.probs.get(i))
            .copied()
            .unwrap_or(0.0)
    }

    /// `E[D | D >= k]`: the mean duration of a trainee with `k` years left (this one
    /// included), whose duration is at least that; `E[D]` for `k` at or below the
    /// shortest.
    pub fn mean_at_least(&self, k: usize) -> f64 {
        let lo = self.min_years as usize;
        let (mut mass, mut sum) = (0.0, 0.0);
        for (i, &p) in self.probs.iter().enumerate().skip(k.saturating_sub(lo)) {
            mass += p;
            sum += p * (lo + i) as f64;
        }
        if mass > 0.0 {
            sum / mass
        } else {
            k as f64
        }
    }

    /// Forward recurrence `P(R = k) = P(D >= k) / E[D]` for k = 1..=max, indexed by
    /// k - 1 (0 past `max_years()`): the remaining years (this one included) of today's
    /// trainees. An array, not a `Vec`: it is made once per region-run, and the
    /// allocation and its free showed in the model's profile.
    pub fn forward_recurrence(&self) -> [f64; MAX_DURATION_YEARS] {
        let max = self.max_years();
        assert!(max <= MAX_DURATION_YEARS, "config checks max_years");
        let mut out = [0.0; MAX_DURATION_YEARS];
        let mut tail = 1.0f64; // P(D >= k)
        for k in 1..=max {
            out[k - 1] = tail.max(0.0) / self.mean_years;
            tail -= self.prob(k);
        }
        out
    }
}

/// Weights `exp(-(k - m)^2 / 2 sd^2)` normalised, with `m` found by safeguarded Newton
/// (dE/dm = Var/sd^2 for this exponential family) so that the mean hits `target`.
pub(in crate::model) fn solve_location(target: f64, sd: f64, lo: f64, n: usize) -> Vec<f64> {
    // On the stack: this runs for every region-run, a few Newton steps each.
    let weights = |m: f64| -> ([f64; MAX_DURATION_YEARS], f64, f64) {
        let mut e = [0.0; MAX_DURATION_YEARS];
        for (i, x) in e[..n].iter_mut().enumerate() {
            *x = -((lo + i as f64 - m).powi(2)) / (2.0 * sd * sd);
        }
        let top = e[..n].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut w = [0.0; MAX_DURATION_YEARS];
        for (w, x) in w[..n].iter_mut().zip(&e[..n]) {
            *w = (x - top).exp();
        }
        let total: f64 = w[..n].iter().sum();
        let mut p = [0.0; MAX_DURATION_YEARS];
        for (p, x) in p[..n].iter_mut().zip(&w[..n]) {
            *p = x / total;
        }
        let p_used = &p[..n];
        let mean: f64 = p_used
            .iter()
            .enumerate()
            .map(|(i, q)| (lo + i as f64) * q)
            .sum();
        let var: f64 = p_used
            .iter()
            .enumerate()
            .map(|(i, q)| (lo + i as f64 - mean).powi(2) * q)
            .sum();
        (p, mean, var)
    };
    let span = n as f64 + 40.0 * sd + 40.0;
    let (mut a, mut b) = (lo - span, lo + span);
    let mut m = target;
    for _ in 0..200 {
        let (p, mean, var) = weights(m);
        let f = mean - target;
        if f.abs() < 1e-13 {
            return p[..n].to_vec();
        }
        if f > 0.0 {
            b = m;
        } else {
            a = m;
        }
        let step = if var > 1e-300 {
            f * sd * sd / var
        } else {
            f64::INFINITY
        };
        let next = m - step;
        m = if next > a && next < b {
            next
        } else {
            0.5 * (a + b)
        };
    }
    weights(m).0[..n].to_vec()
}
