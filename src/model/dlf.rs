//! DLF's method as a yearly recursion: the `dlf` mode, kept apart from the stochastic
//! model because it is DLF's arithmetic as published, not ours.

use super::*;

/// DLF's assumptions, as published (Sept 2024): 8 years of ST, 25-year careers.
pub const DLF_ST_YEARS: f64 = 8.0;
pub const DLF_CAREER_YEARS: f64 = 25.0;

/// A region's inputs to DLF's method, where its table has them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DlfInputs {
    pub need: f64,
    pub specialists: f64,
    pub trainees: f64,
    pub population: f64,
}

impl DlfInputs {
    /// Trainees needed to replace retirements of a fully staffed region.
    pub fn st_balance(&self) -> f64 {
        self.need * DLF_ST_YEARS / DLF_CAREER_YEARS
    }

    /// Net specialists gained per year: completions `st / 8` less retirements `need / 25`.
    pub fn gain_per_year(&self) -> f64 {
        self.trainees / DLF_ST_YEARS - self.need / DLF_CAREER_YEARS
    }

    /// DLF's closed form, `(need - S) / gain`; `None` ("never") when `st <= st_balance`.
    pub fn formula_years(&self) -> Option<f64> {
        if self.specialists >= self.need {
            return Some(0.0);
        }
        (self.trainees > self.st_balance())
            .then(|| (self.need - self.specialists) / self.gain_per_year())
    }
}

/// DLF's method as a yearly recursion: `S(t+1) = S(t) + st/8 - need/25`, heads as FTE,
/// trainees constant, population fixed; target `S >= need`. (A D = 8 pipeline started
/// from its forward recurrence completes exactly `st / 8` a year, so this is the same
/// model as `run_region` with DLF's fixed parameters, but with retirements a fixed
/// `need / 25` rather than `S / 25`, as DLF wrote it.) Specialists never go below 0.
pub fn run_dlf(inp: &DlfInputs, horizon: u32, out: &mut Trajectory<'_>) -> Option<u32> {
    let mut reached = None;
    let mut s = inp.specialists;
    for t in 0..=horizon as usize {
        if t > 0 {
            s = (s + inp.gain_per_year()).max(0.0);
        }
        out.set(Stock::Specialists, t, s);
        out.set(Stock::SpecialistsFte, t, s);
        out.set(Stock::Trainees, t, inp.trainees);
        out.set(Stock::Population, t, inp.population);
        if reached.is_none() && s >= inp.need {
            reached = Some(t as u32);
        }
    }
    reached
}
