//! Demographic noise: a binomial count of each year's events, each event from a
//! sub-stream of its own, or the expected values.

use rand::{RngCore, SeedableRng};

use super::*;
use crate::rng::{splitmix64, SplitMix64};

/// The generator of the model's demographic noise. It is reseeded for every event of
/// every region-run-year (one sub-stream per event), so seeding must cost nothing:
/// SplitMix64's state is its 64-bit seed. It passes BigCrush, and each sub-stream is
/// used for at most a few hundred numbers.
pub type NoiseRng = SplitMix64;

/// The noise generator of sub-stream `index` of `key` (see `sample::substream`).
#[inline]
pub fn noise_substream(key: u64, index: u64) -> NoiseRng {
    NoiseRng::seed_from_u64(splitmix64(key ^ noise_index_hash(index)))
}

/// What sub-stream `index` mixes into its key: `splitmix64(index)`, tabled for the
/// model's indices.
#[inline(always)]
pub(crate) fn noise_index_hash(index: u64) -> u64 {
    match INDEX_HASHES.get(index as usize) {
        Some(&h) => h,
        None => splitmix64(index),
    }
}

/// Bits of a model sub-stream index that name the event of the year; the rest name
/// the year (`model::Event::substream`). Eight events fit; the model checks its own
/// at compile time, so a new event cannot reuse the next year's numbers.
pub const EVENT_BITS: u32 = 3;

/// `splitmix64(index)` for the model's sub-stream indices (years up to the longest
/// horizon, 1 000, each with its events), computed at compile time: the model opens
/// a sub-stream for each event of each year, and this halves what opening one costs.
static INDEX_HASHES: [u64; (1 << EVENT_BITS) * 1024] = {
    let mut t = [0u64; (1 << EVENT_BITS) * 1024];
    let mut i = 0;
    while i < t.len() {
        t[i] = splitmix64(i as u64);
        i += 1;
    }
    t
};

/// Demographic noise: binomial draws, or expected values.
///
/// Binomial draws come from one sub-stream per (year, event) of the region-run's noise
/// key (`reseed`), not from one long stream: a scenario that changes, say, the intake
/// of 2026 then shifts no other event's draws, so scenarios differ by their policy and
/// not by the dice.
///
/// Generic over the generator only so a benchmark can count the draws the model makes
/// (and replay them alone: the random-number floor); the model always uses `NoiseRng`.
pub enum Noise<R = NoiseRng> {
    Binomial { key: u64, rng: R },
    Expected,
}

/// A generator with independent sub-streams per (key, index), as `NoiseRng` has.
pub trait NoiseSource: RngCore {
    fn substream(key: u64, index: u64) -> Self;

    /// The model's own noise, whose numbers vector code may compute itself (SplitMix64
    /// in lanes, [`crate::model::lanes`]) instead of asking this generator: only where this
    /// is the model's generator. A generator that counts draws must see every one.
    fn as_model_noise(_noise: &mut Noise<Self>) -> Option<&mut Noise>
    where
        Self: Sized,
    {
        None
    }
}

impl NoiseSource for NoiseRng {
    #[inline]
    fn substream(key: u64, index: u64) -> Self {
        crate::model::noise_substream(key, index)
    }

    #[inline]
    fn as_model_noise(noise: &mut Noise) -> Option<&mut Noise> {
        Some(noise)
    }
}

/// The random events of a year, each with its own sub-stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Event {
    /// Today's trainees over their remaining years (base year only).
    InitialTrainees = 0,
    /// Completers: who becomes a specialist, and who of those takes up primary care.
    Uptake = 1,
    /// Retirements, age by age: in primary care (today's, then those who joined),
    /// then outside it.
    Retirements = 2,
    /// Leaving primary care for other work, age by age (today's, then those who joined).
    Attrition = 3,
    Intake = 4,
    /// Today's specialists over ages, in primary care then outside (base year only).
    InitialAges = 5,
    /// Returns to primary care from outside, age by age.
    Returns = 6,
}

impl Event {
    pub const ALL: [Event; 7] = [
        Event::InitialTrainees,
        Event::Uptake,
        Event::Retirements,
        Event::Attrition,
        Event::Intake,
        Event::InitialAges,
        Event::Returns,
    ];

    /// The sub-stream index of this event in year `t`: the one place it is made, so
    /// every (year, event) has its own numbers and a new event changes no other's.
    #[inline(always)]
    pub fn substream(self, t: usize) -> u64 {
        (t as u64) << crate::model::EVENT_BITS | self as u64
    }

    /// The year and the event of sub-stream `index`: [`Self::substream`] undone (the
    /// event `None` for bits no event has).
    pub fn of_substream(index: u64) -> (usize, Option<Event>) {
        let bits = index & ((1 << crate::model::EVENT_BITS) - 1);
        let event = Event::ALL.iter().copied().find(|&e| e as u64 == bits);
        ((index >> crate::model::EVENT_BITS) as usize, event)
    }
}

// Every event fits in the event bits: one more than they hold fails the build, instead
// of drawing the next year's numbers.
const _: () = {
    let mut i = 0;
    while i < Event::ALL.len() {
        assert!((Event::ALL[i] as u64) < 1 << crate::model::EVENT_BITS);
        // `ALL` is in the events' numbering: an event's number is its place there.
        assert!(Event::ALL[i] as usize == i);
        i += 1;
    }
};

impl Noise {
    /// Binomial noise from the stream with `key` (`sample::stream_key`).
    pub fn binomial(key: u64) -> Noise {
        Noise::binomial_from(key)
    }
}

impl<R: NoiseSource> Noise<R> {
    /// Binomial noise from the stream with `key`, drawn by `R`.
    pub fn binomial_from(key: u64) -> Noise<R> {
        Noise::Binomial {
            key,
            rng: R::substream(key, Event::InitialTrainees.substream(0)),
        }
    }

    /// Switches to the sub-stream of (year `t`, `event`).
    pub(in crate::model) fn reseed(&mut self, t: usize, event: Event) {
        if let Noise::Binomial { key, rng } = self {
            *rng = R::substream(*key, event.substream(t));
        }
    }

    /// A binomial count at a probability tabled for small counts, or its expectation.
    #[inline]
    pub(in crate::model) fn draw(&mut self, n: f64, draws: &SmallDraws) -> f64 {
        match self {
            Noise::Expected => expected(n, draws.prob()),
            // Through i64: one instruction each way (counts are far below 2^63).
            Noise::Binomial { rng, .. } => draws.draw(rng, n.max(0.0) as i64 as u64) as i64 as f64,
        }
    }

    /// A binomial count at a probability used once (in [0, 1]), or its expectation:
    /// the distribution `binomial_at` draws at `Prob::new(p)` (`binomial::binomial`),
    /// without preparing what the draw does not need.
    pub(in crate::model) fn count_once(&mut self, n: f64, p: f64) -> f64 {
        match self {
            Noise::Binomial { rng, .. } => {
                crate::binomial::binomial(rng, n.max(0.0) as i64 as u64, p) as i64 as f64
            }
            Noise::Expected => expected(n, &Prob::new(p)),
        }
    }

    /// Splits `n` over the categories of `split`: person by person for small `n`, one
    /// uniform each, by conditional binomials otherwise. (Packed splits, eight people
    /// to a number, are placed by `trainee_years` itself, compiled with its vector features.)
    pub(in crate::model) fn split_small(
        &mut self,
        n: f64,
        split: &Split<'_>,
        mut put: impl FnMut(usize, f64),
    ) {
        match self {
            Noise::Binomial { rng, .. } if n < SMALL_COUNT => {
                // Person by person, counted per category before they are put.
                let mut counts = [0u32; MAX_DURATION_YEARS];
                for _ in 0..n as u64 {
                    counts[split.category(rng.next_u64() >> 11)] += 1;
                }
                for (k, &c) in counts[..split.probs.len()].iter().enumerate() {
                    if c > 0 {
                        put(k, f64::from(c));
                    }
                }
            }
            _ => self.split(n, split, put),
        }
    }

    /// Splits `n` over the categories of `split`: a multinomial draw by successive
    /// conditional binomials, or the expectation.
    pub(in crate::model) fn split(
        &mut self,
        n: f64,
        split: &Split<'_>,
        mut put: impl FnMut(usize, f64),
    ) {
        if let Noise::Expected = self {
            for (i, p) in split.probs.iter().enumerate() {
                put(i, n * p);
            }
            return;
        }
        let (mut left_n, mut left_p) = (n, 1.0);
        for (i, &p) in split.probs.iter().enumerate() {
            if left_n <= 0.0 {
                break;
            }
            let x = if i == split.last {
                left_n
            } else {
                // A new probability each draw: nothing to prepare it for.
                self.count_once(left_n, (p / left_p).min(1.0))
            };
            left_p -= p;
            put(i, x);
            left_n -= x;
        }
    }

    pub(in crate::model) fn counts(&self) -> bool {
        matches!(self, Noise::Binomial { .. })
    }

    /// A starting stock as the model holds it: whole people where noise counts them.
    pub(in crate::model) fn whole(&self, x: f64) -> f64 {
        if self.counts() {
            x.round()
        } else {
            x
        }
    }
}

/// The expected count of `n` trials at `p`: expected mode's stand-in for a draw.
#[inline]
fn expected(n: f64, p: &Prob) -> f64 {
    if n <= 0.0 {
        0.0
    } else {
        n * p.value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::subkey;

    #[test]
    fn tabled_sub_streams_are_the_computed_ones() {
        for index in [0, 1, 7, 8 * 101 + 4, 8 * 1024 - 1, 8 * 1024, 1 << 40] {
            let mut tabled = noise_substream(12345, index);
            let mut computed = NoiseRng::seed_from_u64(subkey(12345, index));
            assert_eq!(tabled.next_u64(), computed.next_u64(), "index {index}");
        }
    }

    /// `of_substream` undoes `substream` for every event and year; spare bits are no
    /// event.
    #[test]
    fn a_substream_names_its_year_and_event() {
        for t in [0, 1, 99, 1000] {
            for e in Event::ALL {
                assert_eq!(Event::of_substream(e.substream(t)), (t, Some(e)));
            }
        }
        assert_eq!(Event::of_substream(7), (0, None));
    }
}
