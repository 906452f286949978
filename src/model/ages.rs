//! Ages: specialists carried by whole age, each retiring at an age drawn once from the
//! retirement-age distribution; the age profile of today's specialists; and the
//! share of a career spent in primary care, from which the uptake at completion is
//! derived (docs/model.md, "Ages and retirement" and "The leak, counted once").

use crate::binomial::SmallDraws;

/// The youngest and oldest age a specialist can have.
pub const MIN_AGE: u32 = 25;
pub const MAX_AGE: u32 = 75;
/// Whole ages from [`MIN_AGE`] to [`MAX_AGE`]: the cells of an age-structured stock.
pub const AGES: usize = (MAX_AGE - MIN_AGE + 1) as usize;
/// Today's specialists are at least this old under the default (stationary) profile:
/// a specialist finishes ST in their late thirties at the earliest, on average
/// about 40 (MODEL.md: "density proportional to P(R > x) from age 40 up").
pub const PROFILE_FROM_AGE: u32 = 40;

/// A stock by whole age: `cells[i]` holds the people aged `MIN_AGE + i`.
pub type ByAge = [f64; AGES];

/// The cell of an age (clamped to the model's range).
pub fn cell_of(age: f64) -> usize {
    (age.round().clamp(f64::from(MIN_AGE), f64::from(MAX_AGE)) as u32 - MIN_AGE) as usize
}

/// When specialists retire: a person's retirement age `R` is a whole age drawn once,
/// and a person aged `x` is working iff `R > x`. Each year everyone grows a year older
/// and those whose `R` is their new age retire: the yearly hazard at age `x` is
/// `P(R = x | R >= x)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Retirement {
    /// `P(R = x)` by cell.
    pmf: ByAge,
    /// `P(R > x)` by cell.
    survival: ByAge,
    /// `P(R = x | R >= x)` by cell; 1 at [`MAX_AGE`], which nobody works past.
    hazard: ByAge,
    /// The first cell with a hazard above 0: nobody younger retires.
    first_retiring: usize,
    /// The hazards of the cells from `first_retiring` on, their small draws tabled
    /// (shared: every region-run's inputs hold a copy of the ages).
    draws: std::sync::Arc<[SmallDraws]>,
}

impl Retirement {
    /// From the probabilities of each whole retirement age, `pmf[i]` for age
    /// `MIN_AGE + i` (normalised here; whatever lies at or past `MAX_AGE` retires there).
    pub fn from_pmf(pmf: &ByAge) -> Retirement {
        let total: f64 = pmf.iter().sum();
        assert!(total > 0.0, "a retirement age distribution has mass");
        let pmf: ByAge = std::array::from_fn(|i| pmf[i] / total);
        let mut survival = [0.0; AGES];
        let mut hazard = [0.0; AGES];
        // P(R > x) summed from the top, so that the tail is exact where it is small.
        let mut above = 0.0;
        for i in (0..AGES).rev() {
            survival[i] = above;
            let at_or_above = above + pmf[i];
            hazard[i] = if at_or_above > 0.0 {
                pmf[i] / at_or_above
            } else {
                0.0
            };
            above = at_or_above;
        }
        hazard[AGES - 1] = 1.0;
        survival[AGES - 1] = 0.0;
        let first_retiring = hazard.iter().position(|&h| h > 0.0).unwrap_or(AGES - 1);
        Retirement {
            pmf,
            survival,
            first_retiring,
            draws: hazard[first_retiring..]
                .iter()
                .map(|&h| SmallDraws::new(h))
                .collect(),
            hazard,
        }
    }

    /// Whether `other` retires people as this does: the hazards decide the draws.
    pub(crate) fn same_as(&self, other: &Retirement) -> bool {
        self.hazard == other.hazard
    }

    /// `P(R = x | R >= x)` for each cell.
    pub fn hazard(&self) -> &ByAge {
        &self.hazard
    }

    /// The youngest age cell anybody retires from.
    pub fn first_retiring_cell(&self) -> usize {
        self.first_retiring
    }

    /// The hazard of `cell` (at least [`Self::first_retiring_cell`]), for drawing.
    pub(crate) fn draws(&self, cell: usize) -> &SmallDraws {
        &self.draws[cell - self.first_retiring]
    }

    /// `P(R > x)` for each cell.
    pub fn survival(&self) -> &ByAge {
        &self.survival
    }

    /// The mean retirement age.
    pub fn mean_age(&self) -> f64 {
        self.pmf
            .iter()
            .enumerate()
            .map(|(i, p)| p * f64::from(MIN_AGE + i as u32))
            .sum()
    }

    /// The ages today's specialists have under the stationary profile: from
    /// [`PROFILE_FROM_AGE`] to the oldest age anybody works at. A survival below
    /// `1e-12` counts as nobody: the distributions' CDFs, found by bisection, leave
    /// specks of about 1e-16 where the mass ends.
    pub fn profile_ages(&self) -> std::ops::RangeInclusive<u32> {
        let from = (PROFILE_FROM_AGE - MIN_AGE) as usize;
        let oldest = (from..AGES)
            .rev()
            .find(|&i| self.survival[i] > 1e-12)
            .unwrap_or(from);
        PROFILE_FROM_AGE..=MIN_AGE + oldest as u32
    }

    /// Whether [`Self::initial_profile`] can be scaled to a share at or over
    /// `threshold_age`: only where the profile has people on both sides of it.
    pub fn tail_can_be_set(&self, threshold_age: u32) -> bool {
        let ages = self.profile_ages();
        threshold_age > *ages.start() && threshold_age <= *ages.end()
    }

    /// The stationary profile of this age model: the share of specialists at each age
    /// when everyone starts at [`PROFILE_FROM_AGE`] and entries are steady, `P(R > x)`
    /// from that age up, normalised. Where a region has stated the share at or above
    /// an age, the parts below and above that age are scaled so that the share matches.
    pub fn initial_profile(&self, tail: Option<(u32, f64)>) -> ByAge {
        let from = (PROFILE_FROM_AGE - MIN_AGE) as usize;
        let mut profile: ByAge =
            std::array::from_fn(|i| if i >= from { self.survival[i] } else { 0.0 });
        let total: f64 = profile.iter().sum();
        for p in &mut profile {
            *p /= total;
        }
        if let Some((threshold_age, share)) = tail {
            let at = cell_of(f64::from(threshold_age));
            let over: f64 = profile[at..].iter().sum();
            let under = 1.0 - over;
            // A stated share the profile cannot reach (everyone below, or above, the
            // threshold) leaves the profile as it is; a run refuses such a threshold.
            // Decided by the ages, not by `under > 0`: below 41, `1 - over` rounds to
            // a speck above 0 and would scale the whole profile to `share`.
            if self.tail_can_be_set(threshold_age) {
                for (i, p) in profile.iter_mut().enumerate() {
                    *p *= if i >= at {
                        share / over
                    } else {
                        (1.0 - share) / under
                    };
                }
            }
        }
        profile
    }

    /// `M(a)`: the mean, over a new specialist's working years from `completion_age`
    /// (weighted by the chance of not having retired), of the share still in primary
    /// care when a share `attrition` leaves it each year, from the year after they
    /// join: `sum_tau P(R > c + tau) (1 - a)^tau / sum_tau P(R > c + tau)`.
    pub fn career_share_in_primary_care(&self, completion_age: f64, attrition: f64) -> f64 {
        let c = cell_of(completion_age);
        let (mut weighted, mut years, mut stay) = (0.0, 0.0, 1.0);
        for &alive in &self.survival[c..] {
            weighted += alive * stay;
            years += alive;
            stay *= 1.0 - attrition;
        }
        if years > 0.0 {
            weighted / years
        } else {
            1.0
        }
    }
}

/// The uptake at completion `q = s / M(a)` that makes the share of a specialist's
/// working years spent in primary care `s` (with no returns), and whether it had to
/// be clamped to 1 (an infeasible draw: `s` above what even full uptake gives).
pub fn derived_uptake(share_in_primary_care: f64, career_share: f64) -> (f64, bool) {
    let q = share_in_primary_care / career_share;
    if q > 1.0 {
        (1.0, true)
    } else {
        (q.max(0.0), false)
    }
}

/// Normal(66, 2) truncated to [60, 72], rounded to whole ages: MODEL.md's default, for
/// the tests (the config's `retirement_of` makes it from the distribution itself).
#[cfg(test)]
pub(crate) fn default_retirement() -> Retirement {
    let phi = |z: f64| 0.5 * (1.0 + erf(z / std::f64::consts::SQRT_2));
    let cdf = |x: f64| {
        let (lo, hi) = (phi((60.0 - 66.0) / 2.0), phi((72.0 - 66.0) / 2.0));
        ((phi((x.clamp(60.0, 72.0) - 66.0) / 2.0) - lo) / (hi - lo)).clamp(0.0, 1.0)
    };
    let pmf: ByAge = std::array::from_fn(|i| {
        let x = f64::from(MIN_AGE + i as u32);
        cdf(x + 0.5) - cdf(x - 0.5)
    });
    Retirement::from_pmf(&pmf)
}

#[cfg(test)]
/// The error function by its Maclaurin series: good to about 1e-12 for |x| <= 3,
/// which covers the truncation points.
fn erf(x: f64) -> f64 {
    let mut sum = x;
    let mut term = x;
    for n in 1..200 {
        term *= -x * x / f64::from(n);
        sum += term / f64::from(2 * n + 1);
    }
    2.0 / std::f64::consts::PI.sqrt() * sum
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share_at_or_over(profile: &ByAge, age: u32) -> f64 {
        profile[cell_of(f64::from(age))..].iter().sum()
    }

    /// MODEL.md's facts about the default profile: about 31 % aged 58 or over, 23 % aged
    /// 60 or over, and about 1/26 retiring a year (DLF's 1/25 within 20 %).
    #[test]
    fn stationary_profile_has_the_stated_shares() {
        let r = default_retirement();
        assert!((r.mean_age() - 66.0).abs() < 0.01, "{}", r.mean_age());
        let profile = r.initial_profile(None);
        assert!((profile.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let over58 = share_at_or_over(&profile, 58);
        let over60 = share_at_or_over(&profile, 60);
        assert!((over58 - 0.31).abs() < 0.01, "58+: {over58}");
        assert!((over60 - 0.23).abs() < 0.01, "60+: {over60}");
        // Next year's retirements: everyone a year older, then the hazard.
        let retiring: f64 = (1..AGES).map(|i| profile[i - 1] * r.hazard()[i]).sum();
        assert!((1.0 / retiring - 26.0).abs() < 0.5, "1/{}", 1.0 / retiring);
        assert!((retiring - 1.0 / 25.0).abs() < 0.2 / 25.0);
        // Nobody under 40, nobody past the oldest retirement age.
        assert_eq!(share_at_or_over(&profile, 73), 0.0);
        assert_eq!(profile[..cell_of(39.0) + 1].iter().sum::<f64>(), 0.0);
    }

    /// A stated tail share is met exactly, and the shape within each part is kept.
    #[test]
    fn profile_scaled_to_a_stated_tail() {
        let r = default_retirement();
        let plain = r.initial_profile(None);
        for (age, share) in [(58, 27.0 / 86.0), (60, 0.2), (61, 0.33)] {
            let p = r.initial_profile(Some((age, share)));
            assert!((share_at_or_over(&p, age) - share).abs() < 1e-12);
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            let at = cell_of(f64::from(age));
            let (lo, hi) = (cell_of(45.0), cell_of(66.0));
            assert!((p[lo] / p[lo + 1] - plain[lo] / plain[lo + 1]).abs() < 1e-12);
            assert!((p[hi] / p[at] - plain[hi] / plain[at]).abs() < 1e-12);
        }
    }

    /// A threshold can be set exactly where the profile meets the stated share: from
    /// 41 (somebody is 40) to 71 (somebody works at 71, nobody past 72) by default.
    #[test]
    fn a_tail_can_be_set_where_the_profile_meets_it() {
        let r = default_retirement();
        assert_eq!(r.profile_ages(), 40..=71);
        for age in MIN_AGE..=MAX_AGE {
            let p = r.initial_profile(Some((age, 0.3)));
            let met = (share_at_or_over(&p, age) - 0.3).abs() < 1e-12;
            assert_eq!(r.tail_can_be_set(age), met, "age {age}");
            assert_eq!(met, (41..=71).contains(&age), "age {age}");
        }
    }

    /// Hazards: nobody retires before 60 or works past 72 under the default, and the
    /// hazards reproduce the distribution (`P(R = x) = h_x prod_{y<x} (1 - h_y)`).
    #[test]
    fn hazards_reproduce_the_distribution() {
        let r = default_retirement();
        let mut alive = 1.0;
        for i in 0..AGES {
            let retiring = alive * r.hazard()[i];
            assert!((retiring - r.pmf[i]).abs() < 1e-12, "cell {i}");
            alive -= retiring;
            assert!((alive - r.survival()[i]).abs() < 1e-12, "cell {i}");
        }
        assert_eq!(r.hazard()[cell_of(59.0)], 0.0);
        assert_eq!(r.hazard()[cell_of(72.0)], 1.0);
    }

    /// M(a) by its definition: 1 without attrition; for a fixed retirement age, the
    /// mean of a geometric series over the working years; derived uptake s / M(a).
    #[test]
    fn career_share_in_primary_care() {
        let r = default_retirement();
        assert!((r.career_share_in_primary_care(40.0, 0.0) - 1.0).abs() < 1e-12);
        let mut fixed = [0.0; AGES];
        fixed[cell_of(65.0)] = 1.0;
        let fixed = Retirement::from_pmf(&fixed);
        // Working at ages 40..=64: 25 years, the share (1 - a)^tau in year tau.
        let a: f64 = 0.02;
        let m = (1.0 - (1.0 - a).powi(25)) / (25.0 * a);
        assert!((fixed.career_share_in_primary_care(40.0, a) - m).abs() < 1e-12);
        let (q, clamped) = derived_uptake(0.63, m);
        assert!((q - 0.63 / m).abs() < 1e-15 && !clamped);
        assert_eq!(derived_uptake(0.95, 0.9), (1.0, true));
        // The default: q about 0.7 at a = 0.01 (the stock share 0.63 over M near 0.88).
        let q = 0.63 / r.career_share_in_primary_care(40.0, 0.01);
        assert!((0.68..0.74).contains(&q), "{q}");
    }
}
