//! The specialists' year, age by age: the one statement of it, which the year-by-year
//! reference and `run_region`'s second pass both run.

use super::*;

/// GP specialists by age: today's in primary care (who keep their own part-time
/// pattern), those who joined it during the run, and those working outside it.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::model) struct Specialists {
    pub(in crate::model) initial: ByAge,
    pub(in crate::model) joined: ByAge,
    pub(in crate::model) outside: ByAge,
    /// The region-run's yearly probabilities of leaving primary care and of returning.
    pub(in crate::model) attrition: SmallDraws,
    pub(in crate::model) returns: SmallDraws,
}

/// Today's specialists, in primary care and outside it, over the initial age profile
/// (`Event::InitialAges`, base year): a multinomial split of whole heads, or the
/// expectation.
pub(in crate::model) fn initial_stocks<R: NoiseSource>(
    inp: &RegionInputs,
    noise: &mut Noise<R>,
) -> Specialists {
    let mut s = Specialists {
        initial: [0.0; AGES],
        joined: [0.0; AGES],
        outside: [0.0; AGES],
        attrition: SmallDraws::new(inp.attrition_per_year),
        returns: SmallDraws::new(inp.return_per_year),
    };
    let (heads, outside) = (
        noise.whole(inp.headcount),
        noise.whole(inp.outside_headcount),
    );
    noise.reseed(0, Event::InitialAges);
    let profile = Split::new(&inp.ages.initial_profile, false);
    noise.split(heads, &profile, |i, x| s.initial[i] += x);
    noise.split(outside, &profile, |i, x| s.outside[i] += x);
    s
}

impl Specialists {
    /// Steps 2-5 of a year (docs/model.md): everyone a year older; retirements;
    /// leaving and returning; the completers (`completers[age]`) joining. Returns the
    /// heads who retired from primary care.
    pub(in crate::model) fn step<R: NoiseSource>(
        &mut self,
        inp: &RegionInputs,
        noise: &mut Noise<R>,
        t: usize,
        completers: &ByAge,
    ) -> f64 {
        for stock in [&mut self.initial, &mut self.joined, &mut self.outside] {
            // Nobody is left in the oldest cell: its hazard is 1.
            stock.copy_within(..AGES - 1, 1);
            stock[0] = 0.0;
        }
        let retirement = &inp.ages.retirement;
        noise.reseed(t, Event::Retirements);
        let mut retired = 0.0;
        for (k, stock) in [&mut self.initial, &mut self.joined, &mut self.outside]
            .into_iter()
            .enumerate()
        {
            let first = retirement.first_retiring_cell();
            for (a, n) in stock.iter_mut().enumerate().skip(first) {
                if *n > 0.0 {
                    let r = noise.draw(*n, retirement.draws(a));
                    *n -= r;
                    if k < 2 {
                        retired += r;
                    }
                }
            }
        }
        let mut leaving = [[0.0; AGES]; 2];
        noise.reseed(t, Event::Attrition);
        for (stock, out) in [&self.initial, &self.joined].into_iter().zip(&mut leaving) {
            for (n, x) in stock.iter().zip(out.iter_mut()) {
                if *n > 0.0 {
                    *x = noise.draw(*n, &self.attrition);
                }
            }
        }
        let mut back = [0.0; AGES];
        if inp.return_per_year > 0.0 {
            noise.reseed(t, Event::Returns);
            for (n, x) in self.outside.iter().zip(back.iter_mut()) {
                if *n > 0.0 {
                    *x = noise.draw(*n, &self.returns);
                }
            }
        }
        for i in 0..AGES {
            self.initial[i] -= leaving[0][i];
            self.joined[i] -= leaving[1][i];
            self.joined[i] += back[i];
            self.outside[i] += leaving[0][i] + leaving[1][i] - back[i];
        }
        let (joined, outside) = (&mut self.joined, &mut self.outside);
        take_up(
            inp,
            noise,
            t,
            completers,
            |c, in_primary_care, elsewhere| {
                joined[c] += in_primary_care;
                outside[c] += elsewhere;
            },
        );
        retired
    }

    /// The year's heads and FTE (the stocks summed once each).
    pub(in crate::model) fn heads(&self, inp: &RegionInputs) -> Heads {
        Heads::of(
            total(&self.initial),
            total(&self.joined),
            total(&self.outside),
            inp,
        )
    }
}

/// Step 5 of a year: this year's completers (`completers[age]`) become specialists
/// (`1 - dropout_share`), and of those, who takes up primary care (`q`): `put(age, in
/// primary care, outside it)` for each age with completers.
pub(in crate::model) fn take_up<R: NoiseSource>(
    inp: &RegionInputs,
    noise: &mut Noise<R>,
    t: usize,
    completers: &ByAge,
    mut put: impl FnMut(usize, f64, f64),
) {
    noise.reseed(t, Event::Uptake);
    let qualifying = 1.0 - inp.dropout_share;
    for (c, &n) in completers.iter().enumerate() {
        if n > 0.0 {
            let specialists = noise.count_once(n, qualifying);
            let in_primary_care = noise.count_once(specialists, inp.primary_care_uptake);
            put(c, in_primary_care, specialists - in_primary_care);
        }
    }
}

/// A year's specialists in heads and FTE, from the stocks' totals.
pub(in crate::model) struct Heads {
    pub(in crate::model) in_primary_care: f64,
    pub(in crate::model) fte: f64,
    pub(in crate::model) outside: f64,
}

impl Heads {
    /// From the totals of today's specialists, those who joined, and those outside.
    pub(in crate::model) fn of(
        initial: f64,
        joined: f64,
        outside: f64,
        inp: &RegionInputs,
    ) -> Heads {
        Heads {
            in_primary_care: initial + joined,
            fte: initial * inp.fte_initial + joined * inp.fte_new,
            outside,
        }
    }
}

/// The heads of a stock, summed in eight interleaved parts: vector additions, where one
/// running total waits on each of 51 additions in turn (the model sums its stocks
/// several times a year). The order is fixed, so the sum is the same on every thread.
pub(in crate::model) fn total(stock: &ByAge) -> f64 {
    let mut parts = [0.0; 8];
    let chunks = stock.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (p, &x) in parts.iter_mut().zip(chunk) {
            *p += x;
        }
    }
    for (p, &x) in parts.iter_mut().zip(rest) {
        *p += x;
    }
    ((parts[0] + parts[4]) + (parts[2] + parts[6]))
        + ((parts[1] + parts[5]) + (parts[3] + parts[7]))
}

/// Recruits from outside the pipeline, each year: whole people in binomial mode (the
/// running total rounded, as the intake is), else the expected number.
pub(in crate::model) struct Recruits {
    per_year: f64,
    whole: bool,
    target_total: f64,
    admitted_total: f64,
}

impl Recruits {
    pub(in crate::model) fn new(per_year: f64, whole: bool) -> Self {
        Recruits {
            per_year,
            whole,
            target_total: 0.0,
            admitted_total: 0.0,
        }
    }

    pub(in crate::model) fn next(&mut self) -> f64 {
        if !self.whole {
            return self.per_year;
        }
        self.target_total += self.per_year;
        let n = round_non_negative(self.target_total - self.admitted_total);
        self.admitted_total += n;
        n
    }
}

impl RegionInputs<'_> {
    /// The age cell of today's trainees with `k` years left when they complete: they
    /// started at `age_at_st_start`, and their duration is at least `k`.
    pub(in crate::model) fn initial_completion_cell(&self, k: usize) -> usize {
        cell_of(self.completion_age(self.duration.mean_at_least(k)))
    }

    /// The age cell at completion of an intake cohort in duration category `i`
    /// (`D = min_years + i`).
    pub(in crate::model) fn intake_completion_cell(&self, i: usize) -> usize {
        cell_of(self.completion_age(f64::from(self.duration.min_years) + i as f64))
    }
}
