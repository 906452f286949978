//! Each year's intake: the default growth, a scenario's rules and cap, rounded so
//! that the whole numbers admitted add up to the targets.

use serde::Serialize;

use super::*;

/// A change to the default intake `I_0 (1 + r)^min(t, L)` over a span of calendar years.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntakeChange {
    Multiply(f64),
    TraineesPerYear(f64),
}

/// The intake of each year after the base year, in order: the default
/// `I_0 (1 + r)^min(t, L)` with `I_0 = T_0 / E[D]`, then the scenario's rules and cap.
pub(in crate::model) struct Admissions<'a> {
    pub(in crate::model) policy: &'a IntakePolicy,
    pub(in crate::model) base_per_year: f64,
    pub(in crate::model) growth_per_year: f64,
    pub(in crate::model) growth_years: f64,
    /// `(1 + r)^min(t, L)` of the last year admitted.
    pub(in crate::model) factor: f64,
    /// Whole posts (binomial noise) or the expected intake.
    pub(in crate::model) whole: bool,
    pub(in crate::model) target_total: f64,
    pub(in crate::model) admitted_total: f64,
}

impl<'a> Admissions<'a> {
    pub(in crate::model) fn new(inp: &'a RegionInputs<'_>, trainees0: f64, whole: bool) -> Self {
        Admissions {
            policy: &inp.intake,
            base_per_year: trainees0 / inp.duration.mean_years,
            growth_per_year: inp.intake_growth_per_year,
            growth_years: inp.intake_growth_years,
            factor: 1.0,
            whole,
            target_total: 0.0,
            admitted_total: 0.0,
        }
    }

    /// The intake of year `t`, the year after the last one asked for.
    #[inline]
    pub(in crate::model) fn next(&mut self, t: usize) -> f64 {
        self.next_within(t, f64::INFINITY)
    }

    /// [`Admissions::next`] with at most `room` posts free (the supervision cap): the
    /// target is cut to the room, and so is what is admitted, so a year the cap holds
    /// back is not made up later.
    #[inline]
    pub(in crate::model) fn next_within(&mut self, t: usize, room: f64) -> f64 {
        self.factor *= growth_step(self.growth_per_year, self.growth_years, t);
        let target = self
            .policy
            .apply(t as u32, self.base_per_year * self.factor)
            .min(room);
        if !self.whole {
            return target;
        }
        // Posts are whole people: admit the rounded running total, so the long-run
        // intake is exact without adding noise of its own.
        self.target_total += target;
        let mut n = round_non_negative(self.target_total - self.admitted_total);
        if n > room {
            n = round_non_negative(room - 0.5);
        }
        self.admitted_total += n;
        n
    }
}

/// The factor by which the default intake grows from year `t - 1` to year `t`:
/// `1 + r` in each of the first `L` years, `(1 + r)^f` in the year where `L` ends a
/// fraction `f` into it, 1 after; so year t's intake is `I_0 (1 + r)^min(t, L)`.
#[inline]
pub(in crate::model) fn growth_step(r: f64, growth_years: f64, t: usize) -> f64 {
    let growing = (growth_years - (t - 1) as f64).clamp(0.0, 1.0);
    if growing >= 1.0 {
        1.0 + r
    } else if growing > 0.0 {
        (1.0 + r).powf(growing)
    } else {
        1.0
    }
}

/// A scenario's intake rules, by years since the base year: each rule that covers a
/// year multiplies the default intake or replaces it (in order), then the cap applies.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IntakePolicy {
    pub rules: Vec<(u32, u32, IntakeChange)>,
    pub cap_per_year: Option<f64>,
    /// Supervision capacity: intake is cut so that the trainees in post stay at or
    /// below this multiple of the specialists' FTE.
    pub max_trainees_per_specialist_fte: Option<f64>,
}

impl IntakePolicy {
    /// The intake target of year `t` given the default target.
    pub fn apply(&self, t: u32, default: f64) -> f64 {
        let mut v = default;
        for &(from, to, change) in &self.rules {
            if (from..=to).contains(&t) {
                v = match change {
                    IntakeChange::Multiply(m) => v * m,
                    IntakeChange::TraineesPerYear(n) => n,
                };
            }
        }
        match self.cap_per_year {
            Some(cap) => v.min(cap),
            None => v,
        }
    }
}

/// `x.round().max(0.0)` (halves away from zero) without a call: x86-64's baseline has
/// no rounding instruction, and `round` showed in the profile at one call a year.
#[inline]
pub(in crate::model) fn round_non_negative(x: f64) -> f64 {
    // 2^52: from here on every f64 is whole.
    const WHOLE: f64 = 4_503_599_627_370_496.0;
    if x.is_nan() || x <= 0.0 {
        0.0 // NaN too, as `NaN.max(0.0)` is 0
    } else if x >= WHOLE {
        x
    } else {
        // Trunc, then the half added without a branch: the fraction is as likely above
        // a half as below, and the branch on it was mispredicted about every other
        // year. `x - t` is exact below 2^52, and `t + 0.0` is `t`.
        let t = x as i64 as f64;
        t + f64::from(u8::from(x - t >= 0.5))
    }
}
