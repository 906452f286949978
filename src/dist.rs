//! Probability distributions for the uncertain parameters.
//!
//! Every draw goes through the quantile function (inverse CDF) of a single uniform
//! number. That costs a little speed against specialised samplers, but buys two things
//! the project depends on: a parameter's draw in run *i* is a fixed transform of one
//! uniform, so scenarios that change one distribution keep every other draw (common
//! random numbers), and variance-based sensitivity analysis can work on the unit
//! hypercube directly.

use serde::Serialize;
use statrs::distribution::{Beta, ContinuousCDF, Gamma, Normal};

/// A parameter distribution as written in a config, already checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "dist", rename_all = "lowercase")]
pub enum Distribution {
    Fixed {
        value: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    /// Normal, optionally truncated to `[min, max]` (by conditioning, not clamping).
    Normal {
        mean: f64,
        sd: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// Lognormal given by the mean and sd of the variable itself (not of its log),
    /// because that is how the sources state their figures.
    Lognormal {
        mean: f64,
        sd: f64,
    },
    /// Beta given by mean and sd, the natural way to state a share such as 0.6 +- 0.08.
    Beta {
        mean: f64,
        sd: f64,
    },
    /// Gamma given by mean and sd.
    Gamma {
        mean: f64,
        sd: f64,
    },
}

/// The raw fields a config may give for a distribution; `Distribution::from_fields`
/// turns them into a checked `Distribution` or says which field is wrong.
#[derive(Debug, Clone, Default)]
pub struct DistFields {
    pub dist: String,
    pub value: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mode: Option<f64>,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
}

/// A problem with one field of a distribution: (field name, what is wrong).
pub type FieldProblem = (String, String);

impl Distribution {
    /// Checks the fields a config gave for a distribution. The error names the
    /// offending field (relative to the distribution table) and the problem.
    pub fn from_fields(f: &DistFields) -> Result<Self, FieldProblem> {
        let allowed: &[&str] = match f.dist.as_str() {
            "fixed" => &["value"],
            "uniform" => &["min", "max"],
            "triangular" => &["min", "mode", "max"],
            "normal" => &["mean", "sd", "min", "max"],
            "lognormal" | "beta" | "gamma" => &["mean", "sd"],
            other => {
                return Err((
                    "dist".into(),
                    format!(
                        "unknown distribution `{other}` (expected fixed, uniform, triangular, normal, lognormal, beta or gamma)"
                    ),
                ))
            }
        };
        let given = [
            ("value", f.value),
            ("min", f.min),
            ("max", f.max),
            ("mode", f.mode),
            ("mean", f.mean),
            ("sd", f.sd),
        ];
        for (name, v) in given {
            if let Some(x) = v {
                if !allowed.contains(&name) {
                    return Err((
                        name.into(),
                        format!(
                            "is not a parameter of the {} distribution (it takes {})",
                            f.dist,
                            allowed.join(", ")
                        ),
                    ));
                }
                if !x.is_finite() {
                    return Err((name.into(), format!("must be a finite number, got {x}")));
                }
            }
        }
        let need = |name: &str, v: Option<f64>| {
            v.ok_or_else(|| {
                (
                    name.to_string(),
                    format!("is required by the {} distribution", f.dist),
                )
            })
        };
        let positive_sd = |sd: f64| {
            if sd > 0.0 {
                Ok(sd)
            } else {
                Err(("sd".to_string(), format!("must be > 0, got {sd}")))
            }
        };
        let d = match f.dist.as_str() {
            "fixed" => Distribution::Fixed {
                value: need("value", f.value)?,
            },
            "uniform" => {
                let (min, max) = (need("min", f.min)?, need("max", f.max)?);
                if min >= max {
                    return Err((
                        "min".into(),
                        format!("must be below max, got min {min} >= max {max}"),
                    ));
                }
                Distribution::Uniform { min, max }
            }
            "triangular" => {
                let (min, mode, max) = (
                    need("min", f.min)?,
                    need("mode", f.mode)?,
                    need("max", f.max)?,
                );
                if min >= max {
                    return Err((
                        "min".into(),
                        format!("must be below max, got min {min} >= max {max}"),
                    ));
                }
                if !(min..=max).contains(&mode) {
                    return Err((
                        "mode".into(),
                        format!("must lie in [min, max] = [{min}, {max}], got {mode}"),
                    ));
                }
                Distribution::Triangular { min, mode, max }
            }
            "normal" => {
                let mean = need("mean", f.mean)?;
                let sd = positive_sd(need("sd", f.sd)?)?;
                if let (Some(lo), Some(hi)) = (f.min, f.max) {
                    if lo >= hi {
                        return Err((
                            "min".into(),
                            format!("must be below max, got min {lo} >= max {hi}"),
                        ));
                    }
                }
                let d = Distribution::Normal {
                    mean,
                    sd,
                    min: f.min,
                    max: f.max,
                };
                let mass = d.normal_mass();
                if mass < 1e-6 {
                    return Err((
                        "min".into(),
                        format!(
                            "the truncation [min, max] keeps only {mass:.1e} of the normal's mass"
                        ),
                    ));
                }
                d
            }
            "lognormal" | "gamma" => {
                let mean = need("mean", f.mean)?;
                if mean <= 0.0 {
                    return Err((
                        "mean".into(),
                        format!("must be > 0 for a {} distribution, got {mean}", f.dist),
                    ));
                }
                let sd = positive_sd(need("sd", f.sd)?)?;
                if f.dist == "lognormal" {
                    Distribution::Lognormal { mean, sd }
                } else {
                    Distribution::Gamma { mean, sd }
                }
            }
            "beta" => {
                let mean = need("mean", f.mean)?;
                if !(mean > 0.0 && mean < 1.0) {
                    return Err((
                        "mean".into(),
                        format!(
                            "must lie strictly between 0 and 1 for a beta distribution, got {mean}"
                        ),
                    ));
                }
                let sd = positive_sd(need("sd", f.sd)?)?;
                let max_sd = (mean * (1.0 - mean)).sqrt();
                if sd >= max_sd {
                    return Err((
                        "sd".into(),
                        format!("must be below sqrt(mean*(1-mean)) = {max_sd:.4} for a beta with mean {mean}, got {sd}"),
                    ));
                }
                Distribution::Beta { mean, sd }
            }
            _ => unreachable!("checked above"),
        };
        Ok(d)
    }

    /// The value at cumulative probability `u` in (0, 1).
    pub fn quantile(&self, u: f64) -> f64 {
        match *self {
            Distribution::Fixed { value } => value,
            Distribution::Uniform { min, max } => min + u * (max - min),
            Distribution::Triangular { min, mode, max } => {
                let split = (mode - min) / (max - min);
                if u < split {
                    min + (u * (max - min) * (mode - min)).sqrt()
                } else {
                    max - ((1.0 - u) * (max - min) * (max - mode)).sqrt()
                }
            }
            Distribution::Normal { mean, sd, min, max } => {
                let std = std_normal();
                let lo = min.map_or(0.0, |m| std.cdf((m - mean) / sd));
                let hi = max.map_or(1.0, |m| std.cdf((m - mean) / sd));
                let x = mean + sd * std.inverse_cdf(lo + u * (hi - lo));
                // Guard the bounds against rounding in the far tails.
                x.clamp(
                    min.unwrap_or(f64::NEG_INFINITY),
                    max.unwrap_or(f64::INFINITY),
                )
            }
            Distribution::Lognormal { mean, sd } => {
                let (mu, sigma) = lognormal_log_params(mean, sd);
                (mu + sigma * std_normal().inverse_cdf(u)).exp()
            }
            Distribution::Beta { mean, sd } => {
                let (a, b) = beta_shapes(mean, sd);
                Beta::new(a, b).expect("checked shapes").inverse_cdf(u)
            }
            Distribution::Gamma { mean, sd } => {
                let shape = (mean / sd).powi(2);
                let rate = mean / (sd * sd);
                Gamma::new(shape, rate)
                    .expect("checked shapes")
                    .inverse_cdf(u)
            }
        }
    }

    /// The distribution's mean, from its definition (used by `validate` and the tests).
    pub fn mean(&self) -> f64 {
        match *self {
            Distribution::Fixed { value } => value,
            Distribution::Uniform { min, max } => 0.5 * (min + max),
            Distribution::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Distribution::Normal { mean, sd, .. } => {
                let (a, b, z) = self.normal_std_bounds();
                mean + sd * (pdf_or_zero(a) - pdf_or_zero(b)) / z
            }
            Distribution::Lognormal { mean, .. }
            | Distribution::Beta { mean, .. }
            | Distribution::Gamma { mean, .. } => mean,
        }
    }

    /// The distribution's standard deviation, from its definition.
    pub fn sd(&self) -> f64 {
        match *self {
            Distribution::Fixed { .. } => 0.0,
            Distribution::Uniform { min, max } => (max - min) / 12f64.sqrt(),
            Distribution::Triangular { min, mode, max } => {
                ((min * min + mode * mode + max * max - min * mode - min * max - mode * max) / 18.0)
                    .sqrt()
            }
            Distribution::Normal { sd, .. } => {
                let (a, b, z) = self.normal_std_bounds();
                let (pa, pb) = (pdf_or_zero(a), pdf_or_zero(b));
                let ta = if a.is_finite() { a * pa } else { 0.0 };
                let tb = if b.is_finite() { b * pb } else { 0.0 };
                let shift = (pa - pb) / z;
                sd * (1.0 + (ta - tb) / z - shift * shift).sqrt()
            }
            Distribution::Lognormal { sd, .. }
            | Distribution::Beta { sd, .. }
            | Distribution::Gamma { sd, .. } => sd,
        }
    }

    /// Short human-readable form for tables (`validate`).
    pub fn describe(&self) -> String {
        match *self {
            Distribution::Fixed { value } => format!("fixed {value}"),
            Distribution::Uniform { min, max } => format!("uniform {min}..{max}"),
            Distribution::Triangular { min, mode, max } => format!("triangular {min}/{mode}/{max}"),
            Distribution::Normal { mean, sd, min, max } => {
                let mut s = format!("normal mean {mean} sd {sd}");
                if let Some(m) = min {
                    s.push_str(&format!(" min {m}"));
                }
                if let Some(m) = max {
                    s.push_str(&format!(" max {m}"));
                }
                s
            }
            Distribution::Lognormal { mean, sd } => format!("lognormal mean {mean} sd {sd}"),
            Distribution::Beta { mean, sd } => format!("beta mean {mean} sd {sd}"),
            Distribution::Gamma { mean, sd } => format!("gamma mean {mean} sd {sd}"),
        }
    }

    /// Smallest and largest value the distribution can produce.
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Distribution::Fixed { value } => (value, value),
            Distribution::Uniform { min, max } | Distribution::Triangular { min, max, .. } => {
                (min, max)
            }
            Distribution::Normal { min, max, .. } => (
                min.unwrap_or(f64::NEG_INFINITY),
                max.unwrap_or(f64::INFINITY),
            ),
            Distribution::Lognormal { .. } | Distribution::Gamma { .. } => (0.0, f64::INFINITY),
            Distribution::Beta { .. } => (0.0, 1.0),
        }
    }

    fn normal_std_bounds(&self) -> (f64, f64, f64) {
        let Distribution::Normal { mean, sd, min, max } = *self else {
            unreachable!("only for normal")
        };
        let a = min.map_or(f64::NEG_INFINITY, |m| (m - mean) / sd);
        let b = max.map_or(f64::INFINITY, |m| (m - mean) / sd);
        let std = std_normal();
        (a, b, std.cdf(b) - std.cdf(a))
    }

    fn normal_mass(&self) -> f64 {
        self.normal_std_bounds().2
    }
}

fn std_normal() -> Normal {
    Normal::standard()
}

fn pdf_or_zero(x: f64) -> f64 {
    if x.is_finite() {
        (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
    } else {
        0.0
    }
}

/// (mu, sigma) of log X for a lognormal X with the given mean and sd.
fn lognormal_log_params(mean: f64, sd: f64) -> (f64, f64) {
    let s2 = (1.0 + (sd / mean).powi(2)).ln();
    (mean.ln() - 0.5 * s2, s2.sqrt())
}

/// Beta shape parameters (alpha, beta) for the given mean and sd.
fn beta_shapes(mean: f64, sd: f64) -> (f64, f64) {
    let nu = mean * (1.0 - mean) / (sd * sd) - 1.0;
    (mean * nu, (1.0 - mean) * nu)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn fields(dist: &str, kv: &[(&str, f64)]) -> DistFields {
        let mut f = DistFields {
            dist: dist.into(),
            ..Default::default()
        };
        for &(k, v) in kv {
            match k {
                "value" => f.value = Some(v),
                "min" => f.min = Some(v),
                "max" => f.max = Some(v),
                "mode" => f.mode = Some(v),
                "mean" => f.mean = Some(v),
                "sd" => f.sd = Some(v),
                _ => panic!("{k}"),
            }
        }
        f
    }

    /// Sample mean and sd against the definition. Tolerances come from the sample
    /// size: 5 standard errors of the mean (sd/sqrt n) and of the variance (estimated
    /// from the sample's fourth central moment), so a correct sampler fails with
    /// probability well under one in a million.
    fn check_moments(d: &Distribution) {
        let n = 200_000usize;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let xs: Vec<f64> = (0..n)
            .map(|_| d.quantile(rng.random::<f64>().max(1e-300)))
            .collect();
        let nf = n as f64;
        let m = xs.iter().sum::<f64>() / nf;
        let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (nf - 1.0);
        let m4 = xs.iter().map(|x| (x - m).powi(4)).sum::<f64>() / nf;
        let se_mean = (d.sd().powi(2) / nf).sqrt();
        let se_var = ((m4 - var * var).max(0.0) / nf).sqrt();
        assert!(
            (m - d.mean()).abs() <= 5.0 * se_mean + 1e-12,
            "{d:?}: sample mean {m} vs {} (se {se_mean})",
            d.mean()
        );
        assert!(
            (var - d.sd().powi(2)).abs() <= 5.0 * se_var + 1e-12,
            "{d:?}: sample var {var} vs {} (se {se_var})",
            d.sd().powi(2)
        );
        let (lo, hi) = d.support();
        assert!(
            xs.iter().all(|x| *x >= lo && *x <= hi),
            "{d:?}: draw outside support"
        );
    }

    #[test]
    fn every_distribution_matches_its_moments() {
        let cases = [
            fields("fixed", &[("value", 0.05)]),
            fields("uniform", &[("min", 0.2), ("max", 1.0)]),
            fields("triangular", &[("min", 7.0), ("mode", 8.0), ("max", 9.5)]),
            fields("triangular", &[("min", 0.0), ("mode", 0.0), ("max", 1.0)]),
            fields("normal", &[("mean", 8.0), ("sd", 1.5)]),
            fields("normal", &[("mean", 8.0), ("sd", 1.5), ("min", 5.0)]),
            fields(
                "normal",
                &[("mean", 0.0), ("sd", 1.0), ("min", -0.5), ("max", 2.0)],
            ),
            fields("lognormal", &[("mean", 25.0), ("sd", 3.0)]),
            fields("beta", &[("mean", 0.6), ("sd", 0.08)]),
            fields("beta", &[("mean", 0.65), ("sd", 0.1)]),
            fields("gamma", &[("mean", 2.0), ("sd", 1.5)]),
        ];
        for f in &cases {
            check_moments(&Distribution::from_fields(f).unwrap());
        }
    }

    #[test]
    fn bad_fields_name_the_field() {
        let err = |f: DistFields| Distribution::from_fields(&f).unwrap_err();
        assert_eq!(err(fields("normal", &[("mean", 1.0), ("sd", 0.0)])).0, "sd");
        assert_eq!(err(fields("beta", &[("mean", 1.2), ("sd", 0.1)])).0, "mean");
        assert_eq!(err(fields("beta", &[("mean", 0.5), ("sd", 0.6)])).0, "sd");
        assert_eq!(
            err(fields("uniform", &[("min", 2.0), ("max", 1.0)])).0,
            "min"
        );
        assert_eq!(
            err(fields("uniform", &[("min", f64::NAN), ("max", 1.0)])).0,
            "min"
        );
        assert_eq!(err(fields("uniform", &[("min", 0.0)])).0, "max");
        assert_eq!(
            err(fields(
                "gamma",
                &[("mean", 1.0), ("sd", 1.0), ("mode", 1.0)]
            ))
            .0,
            "mode"
        );
        assert_eq!(err(fields("cauchy", &[])).0, "dist");
        assert_eq!(
            err(fields(
                "triangular",
                &[("min", 0.0), ("mode", 3.0), ("max", 2.0)]
            ))
            .0,
            "mode"
        );
    }

    #[test]
    fn quantile_is_monotone_and_hits_the_median() {
        let d = Distribution::from_fields(&fields("beta", &[("mean", 0.5), ("sd", 0.1)])).unwrap();
        assert!((d.quantile(0.5) - 0.5).abs() < 1e-9);
        let us = [0.001, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999];
        let qs: Vec<f64> = us.iter().map(|&u| d.quantile(u)).collect();
        assert!(qs.windows(2).all(|w| w[0] < w[1]));
    }
}
