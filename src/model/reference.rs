//! The model stated once: a region-run's years, one year at a time, every event of a
//! year in the order docs/model.md gives, in both noise modes. This is the definition;
//! `run_region`'s two passes and the lanes are faster ways of computing the same bits,
//! and tests compare each of them with this, stock by stock and year by year. Where a
//! fast path does not support an input (the supervision cap, which makes the trainees
//! depend on the specialists), `run_region` runs this.
//!
//! A new state or event goes here first, and then into each fast path, whose tests
//! compare it with this.

use super::*;

/// One region-run from the base year to `horizon`, year by year, into `out` (its
/// stocks in the layout of [`Trajectory`]); returns the first year at the target.
///
/// The base year: today's trainees are placed over their remaining years
/// (`Event::InitialTrainees`), today's specialists in primary care and outside it over
/// the initial age profile (`Event::InitialAges`). A year `t > 0`:
/// 1. the cohort that completes training this year leaves the trainees;
/// 2. everyone grows a year older;
/// 3. retirements, age by age, in primary care and outside it (`Event::Retirements`);
/// 4. of those still working, some leave primary care for other work
///    (`Event::Attrition`) and some outside come back (`Event::Returns`), both drawn
///    from the stocks after retirement;
/// 5. the completers become specialists (or drop out), and each takes up primary
///    care or works outside it (`Event::Uptake`);
/// 6. recruits join primary care;
/// 7. the population grows;
/// 8. the year's intake is admitted (within the supervision cap, if any) and placed
///    over its durations (`Event::Intake`).
///
/// Then every year the stocks are recorded and the target tested. Each event draws
/// from its own sub-stream ([`Event::substream`]).
pub fn run_year_by_year<R: NoiseSource>(
    inp: &RegionInputs,
    guideline: &Guideline,
    horizon: u32,
    mut noise: Noise<R>,
    out: &mut Trajectory<'_>,
) -> Option<u32> {
    let years = horizon as usize + 1;
    assert_eq!(out.years, years);
    let max_d = inp.duration.max_years();
    let first = inp.duration.min_years as usize;
    // The training cohorts in a ring: `ring[head]` completes this year, with its
    // completers by age in `ring_ages[head]`.
    let mut ring = [0.0f64; MAX_DURATION_YEARS];
    let mut ring_ages = [[0.0f64; AGES]; MAX_DURATION_YEARS];
    let mut head = 0;
    let counts = noise.counts();
    let mut trainees = noise.whole(inp.trainees);
    noise.reseed(0, Event::InitialTrainees);
    let remaining = inp.duration.forward_recurrence();
    let remaining = &remaining[..max_d];
    noise.split(trainees, &Split::new(remaining, false), |i, x| {
        // With k = i + 1 years left, they complete in year k.
        ring[i] += x;
        ring_ages[i][inp.initial_completion_cell(i + 1)] += x;
    });
    let mut stocks = initial_stocks(inp, &mut noise);
    let mut population = inp.population;
    let mut admissions = Admissions::new(inp, trainees, counts);
    let mut recruits = Recruits::new(inp.recruits_per_year, counts);
    let split = Split::new(&inp.duration.probs, counts);
    let mut reached = None;
    for t in 0..years {
        let mut retired = 0.0;
        if t > 0 {
            let completers = std::mem::take(&mut ring[head]);
            let completers_by_age = std::mem::replace(&mut ring_ages[head], [0.0; AGES]);
            head = (head + 1) % max_d;
            trainees -= completers;
            retired = stocks.step(inp, &mut noise, t, &completers_by_age);
            stocks.joined[cell_of(inp.ages.recruit_age)] += recruits.next();
            population *= 1.0 + inp.pop_growth_per_year;
            let intake = match inp.intake.max_trainees_per_specialist_fte {
                Some(ratio) => {
                    let room = (ratio * stocks.heads(inp).fte - trainees).max(0.0);
                    admissions.next_within(t, room)
                }
                None => admissions.next(t),
            };
            noise.reseed(t, Event::Intake);
            // The intake of year t with duration D = first + i completes in year
            // t + D, at its age then.
            let mut place = |i: usize, x: f64| {
                let slot = (head + first - 1 + i) % max_d;
                ring[slot] += x;
                ring_ages[slot][inp.intake_completion_cell(i)] += x;
            };
            match &mut noise {
                Noise::Binomial { rng, .. } if split.packed && intake < PACKED_COUNT => {
                    let mut placed = [0u32; PACKED_CATEGORIES];
                    split.place_packed(Bytes16, rng, intake as u64, |k, c| placed[k] += c);
                    for (i, &k) in placed[..split.probs.len()].iter().enumerate() {
                        place(i, f64::from(k));
                    }
                }
                _ => noise.split_small(intake, &split, place),
            }
            trainees += intake;
        }
        out.record_ages(t, |i| stocks.initial[i] + stocks.joined[i]);
        let heads = stocks.heads(inp);
        out.set(Stock::Trainees, t, trainees);
        out.record_year(t, &heads, population, retired);
        if reached.is_none() && covered(guideline, heads.fte, trainees, population) {
            reached = Some(t as u32);
        }
    }
    reached
}
