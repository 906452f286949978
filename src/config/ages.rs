//! The `[ages]` table: each specialist's retirement age, and the age recruits join at.
//!
//! `retirement_age` is a distribution over people, not a draw per run: each person's
//! retirement age comes from it (docs/model.md), so the model holds it as the hazard of
//! retiring at each whole age, made once per config.

use serde::{Deserialize, Serialize};

use super::{parse_dist, Bad, RawParam};
use crate::dist::Distribution;
use crate::error::Error;
use crate::model::{Retirement, AGES, MAX_AGE, MIN_AGE, PROFILE_FROM_AGE};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAges {
    retirement_age: Option<RawParam>,
    recruit_age: Option<f64>,
}

/// The ages of the model, checked, with the retirement hazards made.
#[derive(Debug, Clone, Serialize)]
pub struct Ages {
    /// Each specialist's retirement age, drawn once per person.
    pub retirement_age: Distribution,
    /// The age at which specialists recruited from outside the pipeline join.
    pub recruit_age: f64,
    #[serde(skip)]
    pub retirement: Retirement,
}

/// MODEL.md: normal, mean 66, sd 2, truncated to 60-72 (DLF's "42 to 67").
pub const DEFAULT_RETIREMENT_AGE: Distribution = Distribution::Normal {
    mean: 66.0,
    sd: 2.0,
    min: Some(60.0),
    max: Some(72.0),
};
/// MODEL.md: recruits from abroad or other specialties join at 45.
pub const DEFAULT_RECRUIT_AGE: f64 = 45.0;

pub(super) fn ages(raw: &RawAges, bad: Bad<'_>) -> Result<Ages, Error> {
    let range = (f64::from(MIN_AGE), f64::from(MAX_AGE));
    let retirement_age = match &raw.retirement_age {
        Some(rp) => {
            let field = "ages.retirement_age";
            if rp.scope.is_some() {
                return Err(bad(
                    field,
                    "takes no scope: it is each person's retirement age, not a draw per run".into(),
                ));
            }
            let dist = parse_dist(rp, field, &bad)?;
            let (lo, hi) = dist.support();
            if lo < range.0 || hi > range.1 {
                return Err(bad(
                    field,
                    format!(
                        "{} can produce retirement ages in [{lo}, {hi}], outside the model's ages {}-{}",
                        dist.describe(),
                        MIN_AGE,
                        MAX_AGE
                    ),
                ));
            }
            // Today's specialists are 40 or older (the initial profile): someone must
            // be able to work past that.
            if hi <= f64::from(PROFILE_FROM_AGE) + 0.5 {
                return Err(bad(
                    field,
                    format!(
                        "{} retires everyone by {hi}: today's specialists are {} or older",
                        dist.describe(),
                        PROFILE_FROM_AGE
                    ),
                ));
            }
            dist
        }
        None => DEFAULT_RETIREMENT_AGE,
    };
    let recruit_age = raw.recruit_age.unwrap_or(DEFAULT_RECRUIT_AGE);
    if !(range.0..range.1).contains(&recruit_age) {
        return Err(bad(
            "ages.recruit_age",
            format!("must lie in {MIN_AGE}..{MAX_AGE} (below the oldest age), got {recruit_age}"),
        ));
    }
    Ok(Ages {
        retirement: retirement_of(&retirement_age),
        retirement_age,
        recruit_age,
    })
}

/// The retirement age rounded to whole ages: `P(R = x) = P(x - 1/2 <= R < x + 1/2)`,
/// everything below the youngest age at it and above the oldest at that.
pub fn retirement_of(dist: &Distribution) -> Retirement {
    let below = |x: f64| dist.prob_below(x);
    let pmf: [f64; AGES] = std::array::from_fn(|i| {
        let x = f64::from(MIN_AGE + i as u32);
        let upper = if i + 1 == AGES { 1.0 } else { below(x + 0.5) };
        let lower = if i == 0 { 0.0 } else { below(x - 0.5) };
        (upper - lower).max(0.0)
    });
    Retirement::from_pmf(&pmf)
}

impl Default for Ages {
    fn default() -> Self {
        Ages {
            retirement: retirement_of(&DEFAULT_RETIREMENT_AGE),
            retirement_age: DEFAULT_RETIREMENT_AGE,
            recruit_age: DEFAULT_RECRUIT_AGE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default made from the distribution (bisection on its quantile function)
    /// is the one computed from the normal's own CDF.
    #[test]
    fn default_retirement_from_the_distribution() {
        let made = retirement_of(&DEFAULT_RETIREMENT_AGE);
        let want = crate::model::default_retirement();
        for (a, b) in made.hazard().iter().zip(want.hazard()) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
        assert!((made.mean_age() - 66.0).abs() < 1e-6);
    }

    /// A retirement age the model cannot hold, a scope, or a recruit age outside the
    /// ages is refused, naming the field.
    #[test]
    fn bad_ages_are_refused() {
        let base =
            "name = \"t\"\nseed = 1\nruns = 1\n[overrides.25]\npublic_headcount = 92\n[ages]\n";
        for (ages, field) in [
            (
                "retirement_age = { dist = \"uniform\", min = 60, max = 80 }",
                "ages.retirement_age",
            ),
            ("retirement_age = 24", "ages.retirement_age"),
            (
                "retirement_age = { dist = \"normal\", mean = 66, sd = 2, scope = \"region\" }",
                "ages.retirement_age",
            ),
            (
                "retirement_age = { dist = \"normal\", mean = 66, sd = 2 }",
                "ages.retirement_age",
            ),
            ("recruit_age = 80", "ages.recruit_age"),
            ("recruit_age = 75", "ages.recruit_age"),
            (
                "retirement_age = { dist = \"uniform\", min = 30, max = 40 }",
                "ages.retirement_age",
            ),
            ("recruit_age = -3", "ages.recruit_age"),
        ] {
            let e = crate::config::Config::parse(&format!("{base}{ages}\n"), "t.toml")
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(&format!("t.toml: {field}")), "{ages}: {e}");
        }
    }
}
