//! The model stated once: a region-run's years, one year at a time, every event of a
//! year in the order docs/model.md gives, in both noise modes. This is the definition;
//! `run_region`'s two passes and the lanes (eight region-runs, or one region-run's
//! years, side by side) are faster ways of computing the same bits, and tests compare
//! each of them with this, stock by stock and year by year.
//!
//! A new state or event goes here first, and then into each fast path, whose tests
//! compare it with this.

use super::*;

/// One region-run from the base year to `horizon`, year by year, into `out` (its
/// stocks in the layout of [`Trajectory`]); returns the first year at the target.
///
/// A year `t > 0`:
/// 1. the cohort that completes training this year leaves the trainees;
/// 2. of the completers, those who take up primary care join (`Event::Uptake`);
/// 3. today's specialists leave with the exit probability (`Event::ExitsInitial`),
///    and so do those who joined (`Event::ExitsJoined`);
/// 4. the population grows;
/// 5. the year's intake is admitted and placed over its durations (`Event::Intake`).
///
/// In the base year, today's trainees are placed over their remaining years
/// (`Event::InitialTrainees`). Then every year the stocks are recorded and the target
/// tested. Each event draws from its own sub-stream ([`Event::substream`]).
pub fn run_year_by_year(
    inp: &RegionInputs,
    guideline: &Guideline,
    horizon: u32,
    mut noise: Noise,
    out: &mut Trajectory<'_>,
) -> Option<u32> {
    let years = horizon as usize + 1;
    assert_eq!(out.years, years);
    let max_d = inp.duration.max_years();
    // The training cohorts in a ring: `ring[head]` completes this year.
    let mut ring = [0.0f64; MAX_DURATION_YEARS];
    let mut head = 0;
    let counts = noise.counts();
    let (mut trainees, mut s_init) = (noise.whole(inp.trainees), noise.whole(inp.headcount));
    let (mut s_joined, mut population) = (0.0f64, inp.population);
    noise.reseed(0, Event::InitialTrainees);
    let remaining = inp.duration.forward_recurrence();
    let remaining = &remaining[..inp.duration.max_years()];
    noise.split(trainees, &Split::new(remaining, false), |i, x| ring[i] += x);
    let mut admissions = Admissions::new(inp, trainees, counts);
    let to_primary_care = Prob::new((1.0 - inp.dropout_share) * inp.primary_care_uptake);
    let exit = Prob::new(inp.exit_per_year);
    let split = Split::new(&inp.duration.probs, counts);
    let mut reached = None;
    for t in 0..years {
        if t > 0 {
            let completers = std::mem::take(&mut ring[head]);
            head = (head + 1) % max_d;
            trainees -= completers;
            noise.reseed(t, Event::Uptake);
            s_joined += noise.count(completers, &to_primary_care);
            noise.reseed(t, Event::ExitsInitial);
            s_init -= noise.count(s_init, &exit);
            noise.reseed(t, Event::ExitsJoined);
            s_joined -= noise.count(s_joined, &exit);
            population *= 1.0 + inp.pop_growth_per_year;
            let intake = admissions.next(t);
            noise.reseed(t, Event::Intake);
            let slot = |i: usize| (head + inp.duration.min_years as usize - 1 + i) % max_d;
            match &mut noise {
                Noise::Binomial { rng, .. } if split.packed && intake < PACKED_COUNT => {
                    let mut placed = [0u32; PACKED_CATEGORIES];
                    split.place_packed(Bytes16, rng, intake as u64, |k, c| placed[k] += c);
                    for (i, &k) in placed[..split.probs.len()].iter().enumerate() {
                        ring[slot(i)] += f64::from(k);
                    }
                }
                _ => noise.split_small(intake, &split, |i, x| ring[slot(i)] += x),
            }
            trainees += intake;
        }
        let fte = s_init * inp.fte_initial + s_joined * inp.fte_new;
        for (stock, v) in [s_init + s_joined, fte, trainees, population]
            .into_iter()
            .enumerate()
        {
            out.values[stock * years + t] = v;
        }
        if reached.is_none() && covered(guideline, fte, trainees, population) {
            reached = Some(t as u32);
        }
    }
    reached
}
