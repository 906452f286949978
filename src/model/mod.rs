//! One region-run: the yearly step of the model, nothing about threads or files.
//!
//! The state is the *year's* state: the trainees in post during year t (including
//! that year's intake) and the specialists working in it. The step from t to t+1 runs
//!
//! 1. completion: trainees whose last year was t finish; a share
//!    `(1 - dropout_share) * primary_care_uptake` become primary-care specialists;
//! 2. exits: every specialist (new ones included) leaves with probability
//!    `1/career_years + attrition_per_year`;
//! 3. population grows by `g`;
//! 4. intake of year t+1 enters and is split over effective durations D.
//!
//! This is MODEL.md's order (intake, training, completion, exits, growth) read with
//! the intake at the start of the year it belongs to: the base year's trainee count
//! already contains the base year's intake, which is what the forward-recurrence
//! start `P(R = k) = P(D >= k) / E[D]` describes. With that reading, constant intake
//! `T0 / E[D]` keeps the trainee stock exactly at `T0` (tested below).

use std::borrow::Cow;

use rand::RngCore;

use crate::binomial::Prob;
use crate::config::{Guideline, IntakeChange, Training};
use crate::sample::NoiseRng;

pub use crate::config::MAX_DURATION_YEARS;

pub mod reference;
pub use reference::run_year_by_year;

/// The per-year quantities a run records, in the layout of `Trajectory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stock {
    Specialists = 0,
    SpecialistsFte = 1,
    Trainees = 2,
    Population = 3,
}

pub const STOCKS: usize = 4;

/// A run's yearly stocks, laid out stock-major: `values[stock * years + t]`.
#[derive(Debug)]
pub struct Trajectory<'a> {
    pub years: usize,
    pub values: &'a mut [f64],
}

impl Trajectory<'_> {
    fn set(&mut self, stock: Stock, t: usize, v: f64) {
        self.values[stock as usize * self.years + t] = v;
    }
}

/// Reads a stock out of a stock-major buffer written by `run_region`.
pub fn stock_at(values: &[f64], years: usize, stock: Stock, t: usize) -> f64 {
    values[stock as usize * years + t]
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

    /// Forward recurrence `P(R = k) = P(D >= k) / E[D]` for k = 1..=max, indexed by
    /// k - 1 (0 past `max_years()`): the remaining years (this one included) of today's
    /// trainees. An array, not a `Vec`: it is made once per region-run, and the
    /// allocation and its free were about 1 % of the model's time.
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
fn solve_location(target: f64, sd: f64, lo: f64, n: usize) -> Vec<f64> {
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

/// Below this many people, a split over durations goes person by person (one draw and
/// about one comparison each) rather than by one conditional binomial per duration,
/// each with its set-up; `cargo bench` found 150 to 250 fastest (docs/performance.md).
/// It applies to splits too wide to be packed (more than [`PACKED_CATEGORIES`]).
const SMALL_COUNT: f64 = 250.0;
/// The same for splits of at most [`PACKED_CATEGORIES`] categories, placed eight people
/// to a 64-bit number (`Split::place_packed`): a person costs a fraction of a
/// nanosecond (their bytes counted 16 or 64 at a time), so person by person pays longer.
const PACKED_COUNT: f64 = 2000.0;
/// Splits with at most this many categories (so at most seven boundaries and seven
/// boundary slices to count bytes against) are placed eight people to a number.
const PACKED_CATEGORIES: usize = 8;
/// 2^53: uniforms are the top 53 bits of a 64-bit draw.
const UNIT_SCALE: f64 = 9_007_199_254_740_992.0;

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
    /// in lanes, [`crate::lanes`]) instead of asking this generator: only where this
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
        crate::sample::noise_substream(key, index)
    }

    #[inline]
    fn as_model_noise(noise: &mut Noise) -> Option<&mut Noise> {
        Some(noise)
    }
}

/// The random events of a year, each with its own sub-stream.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub enum Event {
    /// Today's trainees over their remaining years (base year only).
    InitialTrainees = 0,
    Uptake = 1,
    ExitsInitial = 2,
    ExitsJoined = 3,
    Intake = 4,
}

impl Event {
    pub const ALL: [Event; 5] = [
        Event::InitialTrainees,
        Event::Uptake,
        Event::ExitsInitial,
        Event::ExitsJoined,
        Event::Intake,
    ];

    /// The sub-stream index of this event in year `t`: the one place it is made, so
    /// every (year, event) has its own numbers and a new event changes no other's.
    #[inline(always)]
    pub fn substream(self, t: usize) -> u64 {
        (t as u64) << crate::sample::EVENT_BITS | self as u64
    }
}

// Every event fits in the event bits: one more than they hold fails the build, instead
// of drawing the next year's numbers.
const _: () = {
    let mut i = 0;
    while i < Event::ALL.len() {
        assert!((Event::ALL[i] as u64) < 1 << crate::sample::EVENT_BITS);
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
    fn reseed(&mut self, t: usize, event: Event) {
        if let Noise::Binomial { key, rng } = self {
            *rng = R::substream(*key, event.substream(t));
        }
    }

    /// A binomial count at a prepared probability, or its expectation.
    fn count(&mut self, n: f64, p: &Prob) -> f64 {
        match self {
            Noise::Expected if n <= 0.0 => 0.0,
            Noise::Expected => n * p.value(),
            Noise::Binomial { rng, .. } => {
                // Through i64: one instruction each way (counts are far below 2^63).
                crate::binomial::binomial_at(rng, n.max(0.0) as i64 as u64, p) as i64 as f64
            }
        }
    }

    /// A binomial count at a probability used once (in [0, 1]), or its expectation:
    /// the count [`Noise::count`] makes at `Prob::new(p)`, without preparing what the
    /// draw does not need.
    fn count_once(&mut self, n: f64, p: f64) -> f64 {
        match self {
            Noise::Binomial { rng, .. } => {
                crate::binomial::binomial(rng, n.max(0.0) as i64 as u64, p) as i64 as f64
            }
            Noise::Expected => self.count(n, &Prob::new(p)),
        }
    }

    /// Splits `n` over the categories of `split`: person by person for small `n`, one
    /// uniform each, by conditional binomials otherwise. (Packed splits, eight people
    /// to a number, are placed by `trainee_years` itself, compiled with its vector features.)
    fn split_small(&mut self, n: f64, split: &Split<'_>, mut put: impl FnMut(usize, f64)) {
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
    fn split(&mut self, n: f64, split: &Split<'_>, mut put: impl FnMut(usize, f64)) {
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

    fn counts(&self) -> bool {
        matches!(self, Noise::Binomial { .. })
    }

    /// A starting stock as the model holds it: whole people where noise counts them.
    fn whole(&self, x: f64) -> f64 {
        if self.counts() {
            x.round()
        } else {
            x
        }
    }
}

/// The intake of each year after the base year, in order: the default
/// `I_0 (1 + r)^t` with `I_0 = T_0 / E[D]`, then the scenario's rules and cap.
struct Admissions<'a> {
    policy: &'a IntakePolicy,
    base_per_year: f64,
    growth_per_year: f64,
    /// `(1 + r)^t` of the last year admitted.
    factor: f64,
    /// Whole posts (binomial noise) or the expected intake.
    whole: bool,
    target_total: f64,
    admitted_total: f64,
}

impl<'a> Admissions<'a> {
    fn new(inp: &'a RegionInputs<'_>, trainees0: f64, whole: bool) -> Self {
        Admissions {
            policy: &inp.intake,
            base_per_year: trainees0 / inp.duration.mean_years,
            growth_per_year: inp.intake_growth_per_year,
            factor: 1.0,
            whole,
            target_total: 0.0,
            admitted_total: 0.0,
        }
    }

    /// The intake of year `t`, the year after the last one asked for.
    #[inline]
    fn next(&mut self, t: usize) -> f64 {
        self.factor *= 1.0 + self.growth_per_year;
        let target = self
            .policy
            .apply(t as u32, self.base_per_year * self.factor);
        if !self.whole {
            return target;
        }
        // Posts are whole people: admit the rounded running total, so the long-run
        // intake is exact without adding noise of its own.
        self.target_total += target;
        let n = round_non_negative(self.target_total - self.admitted_total);
        self.admitted_total += n;
        n
    }
}

/// Categories with probabilities `probs` (summing to 1), for multinomial draws by
/// successive binomials (category i's probability given not i' < i) and, if prepared
/// for it, person by person (a guide table over the cumulative probabilities).
struct Split<'a> {
    probs: &'a [f64],
    /// The last category with a positive probability: it takes whoever is left.
    last: usize,
    /// `ceil(cdf[k] * 2^53)` (the last: never reached): a person with 53-bit uniform
    /// `u` is past category k exactly when `u >= thresholds[k]`, i.e. when
    /// `cdf[k] <= u / 2^53`, compared in integers.
    thresholds: [u64; MAX_DURATION_YEARS],
    /// The category of the smallest `u` of each of 256 equal slices of [0, 2^53), where
    /// the search for a `u` in that slice starts (Chen and Asau's guide table): one
    /// comparison per person instead of one per category, and, with the categories'
    /// few boundaries in few slices, a second one (a mispredicted branch) rarely.
    guide: [u8; GUIDE_SLICES],
    /// Whether the fields below are filled (binomial draws, at most
    /// [`PACKED_CATEGORIES`] categories).
    packed: bool,
    /// Per boundary k (of the first `PACKED_CATEGORIES - 1`): the top byte of its
    /// threshold, a person with a smaller top byte being certainly below it; the
    /// boundaries at or past 2^53 (everyone below) are flagged in `all_below`.
    top_bytes: [u8; PACKED_CATEGORIES - 1],
    /// Bit k: everyone is below boundary k.
    all_below: u8,
    /// Per boundary: how many open slices lie below it (all, where everyone is).
    open_below: [u8; PACKED_CATEGORIES - 1],
    /// The slices with a category boundary inside (at most one fewer than categories),
    /// in increasing order: their people are placed by 45 more bits each.
    open: [u8; PACKED_CATEGORIES - 1],
    open_len: usize,
}

const GUIDE_SLICES: usize = 256;
/// A 53-bit uniform's slice of the guide table is its top 8 bits.
const GUIDE_SHIFT: u32 = 53 - GUIDE_SLICES.trailing_zeros();

impl<'a> Split<'a> {
    /// `per_person`: whether people will be placed one by one (`Noise::split_small`),
    /// which needs the tables; successive binomials and expectations need only `probs`.
    fn new(probs: &'a [f64], per_person: bool) -> Split<'a> {
        Split::with_guide(probs, per_person, per_person)
    }

    /// As [`Split::new`] for people placed by their bytes alone, side by side
    /// (`trainee_years_lanes`): without the guide, which only a search one person at a
    /// time reads.
    fn packed_without_guide(probs: &'a [f64]) -> Split<'a> {
        Split::with_guide(probs, true, false)
    }

    fn with_guide(probs: &'a [f64], per_person: bool, guide: bool) -> Split<'a> {
        assert!(
            !probs.is_empty() && probs.len() <= MAX_DURATION_YEARS,
            "config checks max_years"
        );
        let last_index = probs.len() - 1;
        let mut split = Split {
            probs,
            last: probs.iter().rposition(|&p| p > 0.0).unwrap_or(0),
            thresholds: [u64::MAX; MAX_DURATION_YEARS],
            guide: [0; GUIDE_SLICES],
            packed: false,
            top_bytes: [0; PACKED_CATEGORIES - 1],
            all_below: 0,
            open_below: [0; PACKED_CATEGORIES - 1],
            open: [0; PACKED_CATEGORIES - 1],
            open_len: 0,
        };
        if !per_person {
            return split;
        }
        let mut cdf = 0.0;
        for (k, &p) in probs.iter().enumerate() {
            cdf += p;
            // The last category takes everyone left, whatever rounding did to the sum.
            if k < last_index {
                split.thresholds[k] = (cdf.min(1.0) * UNIT_SCALE).ceil() as u64;
            }
        }
        // Thresholds do not decrease, and the last is never reached. The slices whose
        // first uniform lies below category k's threshold (and not below k - 1's) are
        // a run of the guide: filled a run per category, not searched slice by slice
        // (which, with the tables' 4 KB, was about 2 % of the baseline's CPU, once per
        // region-run).
        let slice = 1u64 << GUIDE_SHIFT;
        let mut g = if guide { 0 } else { GUIDE_SLICES };
        for k in 0..probs.len() {
            // Slices with a first uniform below the threshold: `ceil(t / slice)`.
            let end = (split.thresholds[k].div_ceil(slice)).min(GUIDE_SLICES as u64) as usize;
            if end > g {
                split.guide[g..end].fill(k as u8);
                g = end;
            }
        }
        split.packed = probs.len() <= PACKED_CATEGORIES;
        if split.packed {
            // A slice holds one category unless a threshold lies inside it (above its
            // first uniform and at most its last): then its people are placed by more
            // bits. Thresholds come in order, so the open slices do too.
            for (k, &t) in split.thresholds[..PACKED_CATEGORIES - 1].iter().enumerate() {
                let g = t >> GUIDE_SHIFT;
                if g >= GUIDE_SLICES as u64 {
                    split.all_below |= 1 << k;
                    continue;
                }
                split.top_bytes[k] = g as u8;
                let inside = t & (slice - 1) != 0;
                if inside && split.open[..split.open_len].last() != Some(&(g as u8)) {
                    split.open[split.open_len] = g as u8;
                    split.open_len += 1;
                }
            }
            let open = &split.open[..split.open_len];
            for (k, r) in split.open_below.iter_mut().enumerate() {
                let below = |&g: &u8| split.all_below & (1 << k) != 0 || g < split.top_bytes[k];
                *r = open.iter().filter(|g| below(g)).count() as u8;
            }
        }
        split
    }

    /// Places `n` people by category, each by a 53-bit uniform as in
    /// [`Split::category`], but eight to a 64-bit number: a person's uniform is
    /// `b * 2^45 + f`, its top byte `b` one byte of a shared number and `f` drawn only
    /// where `b`'s slice holds a category boundary (the open slices, in order, after
    /// every byte). The bytes are not placed one by one but counted (`count_bytes`):
    /// per boundary, the people whose byte is below its threshold's, and per open
    /// slice, the people in it; the categories of the rest are differences of the
    /// first, less the people of the open slices below.
    ///
    /// `put(k, c)` adds `c` people to category k: every category once (0 included),
    /// then once more per person of an open slice. The model adds them to its cohorts
    /// as they come: counts gathered in an array first were stored one by one and then
    /// loaded as one vector to convert, and that load, which cannot be forwarded from
    /// several narrower stores, waited for them to retire (15 % of the trainee pass's
    /// samples on the instruction after it).
    #[inline(always)]
    fn place_packed(
        &self,
        lanes: impl ByteLanes,
        rng: &mut impl RngCore,
        n: u64,
        mut put: impl FnMut(usize, u32),
    ) {
        debug_assert!(self.packed);
        let (below, mut in_open) = lanes.count(rng, n, &self.top_bytes, &self.open);
        // Slices past the split's open ones hold nobody. Masked, not `fill(0)` on the
        // tail: that was a call of libc's `memset` a year, whose stores the loads
        // below then waited for.
        for (j, c) in in_open.iter_mut().enumerate() {
            *c &= u32::from(j < self.open_len).wrapping_neg();
        }
        let n = n as u32;
        // People in the open slices, cumulated: `open_people[j]` in the first j.
        let mut open_people = [0u32; PACKED_CATEGORIES];
        for j in 0..PACKED_CATEGORIES - 1 {
            open_people[j + 1] = open_people[j] + in_open[j];
        }
        // People certainly below boundary k: those whose byte is below its top byte,
        // less the people of the open slices there (placed by more bits below).
        let mut placed_below = 0;
        for k in 0..PACKED_CATEGORIES - 1 {
            let below_k = if self.all_below & (1 << k) != 0 {
                n
            } else {
                below[k]
            };
            let certain = below_k - open_people[usize::from(self.open_below[k])];
            put(k, certain - placed_below);
            placed_below = certain;
        }
        put(
            PACKED_CATEGORIES - 1,
            n - open_people[PACKED_CATEGORIES - 1] - placed_below,
        );
        // The open slices' people, slice by slice in order, in one loop: person i is in
        // the slice whose cumulated count first exceeds i, found without a branch. (A
        // loop per slice, with its usual count of 0 or 1, mispredicted its exit about
        // once a year per slice with people.)
        for i in 0..open_people[PACKED_CATEGORIES - 1] {
            let slice: usize = open_people[1..].iter().map(|&c| usize::from(c <= i)).sum();
            let g = self.open[slice];
            let u = u64::from(g) << GUIDE_SHIFT | rng.next_u64() >> (64 - GUIDE_SHIFT);
            put(self.boundaries_passed(u), 1);
        }
    }

    /// The category of a person with 53-bit uniform `u` in a packed split, as
    /// [`Split::category`], by counting the boundaries it has passed (thresholds do not
    /// decrease) without a branch: in an open slice, the search's branch would be
    /// mispredicted about as often as not.
    #[inline]
    fn boundaries_passed(&self, u: u64) -> usize {
        self.thresholds[..PACKED_CATEGORIES - 1]
            .iter()
            .map(|&t| usize::from(t <= u))
            .sum()
    }

    /// The category of a person with 53-bit uniform `u`.
    #[inline]
    fn category(&self, u: u64) -> usize {
        let mut k = usize::from(self.guide[(u >> GUIDE_SHIFT) as usize]);
        while self.thresholds[k] <= u {
            k += 1;
        }
        k
    }
}

/// The most people [`count_bytes`] counts in one call: 16 a vector, and a byte lane
/// counts at most one person per vector.
const MAX_COUNTED: u64 = 16 * 255;

/// One value per category boundary of a packed split (and per open slice, at most as
/// many).
type PerBoundary<T> = [T; PACKED_CATEGORIES - 1];
/// What a byte count returns: per boundary the bytes below its top byte, per open
/// slice the bytes in it.
type ByteCounts = (PerBoundary<u32>, PerBoundary<u32>);
const _: () = assert!(PACKED_COUNT <= MAX_COUNTED as f64);

/// Draws `n` bytes, eight to a 64-bit number (`ceil(n / 8)` numbers, the bytes of
/// each from the lowest), and counts per boundary k the bytes below `top_bytes[k]`
/// and per open slice j the bytes equal to `open[j]`.
///
/// 16 bytes at a time, into 16 byte-wide counters per boundary and
/// slice that are added up at the end: a signed byte comparison (after flipping the
/// top bits, an unsigned one) gives all-ones bytes, and subtracting them from a
/// counter adds one per lane. About two instructions a person against five for a
/// table read and addition per person, and no branch but the loop's. Intrinsics
/// because the compiler, given the same in arrays of bytes, assembled each vector
/// byte by byte.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn count_bytes(
    rng: &mut impl RngCore,
    n: u64,
    top_bytes: &PerBoundary<u8>,
    open: &PerBoundary<u8>,
) -> ByteCounts {
    use crate::bytes::{lane_sum, next16};
    use std::arch::x86_64::*;
    const B: usize = PACKED_CATEGORIES - 1;
    debug_assert!(n <= MAX_COUNTED);
    let flip = _mm_set1_epi8(i8::MIN);
    let limits: [__m128i; B] = top_bytes.map(|t| _mm_set1_epi8((t ^ 0x80) as i8));
    let slices: [__m128i; B] = open.map(|g| _mm_set1_epi8(g as i8));
    let mut below = [_mm_setzero_si128(); B];
    let mut equal = [_mm_setzero_si128(); B];
    let mut left = n;
    let mut padding = 0u32;
    while left > 0 {
        // Lanes past the last person read 0xff: below no boundary (a top byte is at
        // most 0xff); counted in an open slice 0xff, and taken off again below.
        let (bytes, used) = next16(rng, left);
        let flipped = _mm_xor_si128(bytes, flip);
        for (acc, &limit) in below.iter_mut().zip(&limits) {
            *acc = _mm_sub_epi8(*acc, _mm_cmpgt_epi8(limit, flipped));
        }
        for (acc, &slice) in equal.iter_mut().zip(&slices) {
            *acc = _mm_sub_epi8(*acc, _mm_cmpeq_epi8(bytes, slice));
        }
        padding += 16 - used as u32;
        left -= used;
    }
    let total = |v: __m128i| lane_sum(v) as u32;
    let mut in_open = equal.map(total);
    for (c, &g) in in_open.iter_mut().zip(open) {
        if g == u8::MAX {
            *c -= padding;
        }
    }
    (below.map(total), in_open)
}

/// How a packed split's bytes are counted: [`count_bytes`] (16 a vector, SSE2, which
/// every x86-64 processor has) or, where the processor has AVX-512BW,
/// [`count_bytes_avx512`] (64 a vector, each comparison a mask counted by `popcnt`).
/// Both count exactly, so the model draws and places the same whichever runs; the
/// wide one is chosen at run time ([`Avx512::detect`]) for its speed alone.
trait ByteLanes: Copy {
    /// Per boundary k the bytes below `top_bytes[k]`, per open slice j the bytes equal
    /// to `open[j]`, of `n` bytes drawn eight to a 64-bit number (see [`count_bytes`]).
    fn count(
        self,
        rng: &mut impl RngCore,
        n: u64,
        top_bytes: &PerBoundary<u8>,
        open: &PerBoundary<u8>,
    ) -> ByteCounts;
}

/// [`count_bytes`]: SSE2 on x86-64 (its baseline), a byte at a time elsewhere.
#[derive(Debug, Clone, Copy)]
struct Bytes16;

impl ByteLanes for Bytes16 {
    #[inline(always)]
    fn count(
        self,
        rng: &mut impl RngCore,
        n: u64,
        top_bytes: &PerBoundary<u8>,
        open: &PerBoundary<u8>,
    ) -> ByteCounts {
        #[cfg(target_arch = "x86_64")]
        #[allow(unsafe_code)]
        // SAFETY: SSE2, the one feature `count_bytes` needs, is part of x86-64 itself:
        // every x86-64 processor has it and rustc enables it for every x86-64 target.
        unsafe {
            const _: () = assert!(cfg!(target_feature = "sse2"));
            count_bytes(rng, n, top_bytes, open)
        }
        #[cfg(not(target_arch = "x86_64"))]
        count_bytes(rng, n, top_bytes, open)
    }
}

/// Proof that this processor has AVX-512F and BW and `popcnt`: made only by
/// [`Avx512::detect`], so code holding one may call [`count_bytes_avx512`].
#[derive(Debug, Clone, Copy)]
pub struct Avx512(());

impl Avx512 {
    /// `Some` where the backend in force counts bytes 64 at a time
    /// (`crate::backend`: only where the processor has AVX-512; under valgrind, which
    /// has none, never).
    #[inline]
    pub fn detect() -> Option<Avx512> {
        (crate::backend::active() >= crate::backend::Backend::Avx512).then_some(Avx512(()))
    }

    /// `Some` where the processor has the features, whatever the backend (tests).
    #[cfg(test)]
    pub fn cpu() -> Option<Avx512> {
        crate::backend::cpu_has_avx512().then_some(Avx512(()))
    }
}

impl ByteLanes for Avx512 {
    #[inline(always)]
    fn count(
        self,
        rng: &mut impl RngCore,
        n: u64,
        top_bytes: &PerBoundary<u8>,
        open: &PerBoundary<u8>,
    ) -> ByteCounts {
        #[cfg(target_arch = "x86_64")]
        #[allow(unsafe_code)]
        // SAFETY: an `Avx512` exists only where the processor has the features (`detect`
        // and `cpu` check them).
        unsafe {
            count_bytes_avx512(rng, n, top_bytes, open)
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("Avx512::detect is None off x86-64")
    }
}

/// [`count_bytes`] 64 bytes at a time with AVX-512BW: each comparison of a vector of
/// bytes gives a 64-bit mask, the bytes past the last person masked off, and `popcnt`
/// counts it. No byte counters to add up at the end and no padding to take off, and
/// the fourteen constant vectors stay in registers (AVX-512 has 32): about 45
/// instructions per 64 people against about 95 per 16.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,popcnt")]
#[inline]
fn count_bytes_avx512(
    rng: &mut impl RngCore,
    n: u64,
    top_bytes: &PerBoundary<u8>,
    open: &PerBoundary<u8>,
) -> ByteCounts {
    use std::arch::x86_64::*;
    const B: usize = PACKED_CATEGORIES - 1;
    debug_assert!(n <= MAX_COUNTED);
    let limits: [__m512i; B] = top_bytes.map(|t| _mm512_set1_epi8(t as i8));
    let slices: [__m512i; B] = open.map(|g| _mm512_set1_epi8(g as i8));
    let (mut below, mut equal) = ([0u32; B], [0u32; B]);
    let mut left = n;
    while left > 0 {
        let used = left.min(64);
        // The numbers shifted in from the top, one 64-bit lane each (a vector built in
        // memory from eight stores stalled its load): after `k` of them, number i is
        // lane 8 - k + i, its bytes from the lowest, so the people are the `used`
        // bytes from byte 8 (8 - k) on, in the order `count_bytes` takes them.
        let k = used.div_ceil(8);
        let mut bytes = _mm512_setzero_si512();
        for _ in 0..k {
            bytes = _mm512_alignr_epi64::<1>(_mm512_set1_epi64(rng.next_u64() as i64), bytes);
        }
        let people = (u64::MAX >> (64 - used)) << (8 * (8 - k));
        for k in 0..B {
            below[k] += _mm512_mask_cmplt_epu8_mask(people, bytes, limits[k]).count_ones();
            equal[k] += _mm512_mask_cmpeq_epi8_mask(people, bytes, slices[k]).count_ones();
        }
        left -= used;
    }
    (below, equal)
}

/// [`count_bytes`] a byte at a time: the definition the vector count is tested
/// against, and the count where there is no SSE2.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn count_bytes_scalar(
    rng: &mut impl RngCore,
    n: u64,
    top_bytes: &PerBoundary<u8>,
    open: &PerBoundary<u8>,
) -> ByteCounts {
    let (mut below, mut in_open) = ([0u32; PACKED_CATEGORIES - 1], [0u32; PACKED_CATEGORIES - 1]);
    let mut left = n;
    while left > 0 {
        let x = rng.next_u64();
        for j in 0..left.min(8) {
            let b = (x >> (8 * j)) as u8;
            for (c, &t) in below.iter_mut().zip(top_bytes) {
                *c += u32::from(b < t);
            }
            for (c, &g) in in_open.iter_mut().zip(open) {
                *c += u32::from(b == g);
            }
        }
        left = left.saturating_sub(8);
    }
    (below, in_open)
}

#[cfg(not(target_arch = "x86_64"))]
use count_bytes_scalar as count_bytes;

/// Everything one region-run needs, resolved from the data and a parameter draw.
///
/// The duration distribution and the intake policy are borrowed where they are shared
/// (a run's regions share its durations, a scenario's region-runs its policy), so a
/// region-run allocates nothing to be set up.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionInputs<'a> {
    pub population: f64,
    pub trainees: f64,
    pub headcount: f64,
    pub fte_initial: f64,
    pub fte_new: f64,
    pub duration: Cow<'a, DurationDist>,
    pub dropout_share: f64,
    pub primary_care_uptake: f64,
    pub exit_per_year: f64,
    pub intake_growth_per_year: f64,
    /// A scenario's departures from the default intake `I_0 (1 + r)^t`.
    pub intake: Cow<'a, IntakePolicy>,
    pub pop_growth_per_year: f64,
}

/// A scenario's intake rules, by years since the base year: each rule that covers a
/// year multiplies the default intake or replaces it (in order), then the cap applies.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IntakePolicy {
    pub rules: Vec<(u32, u32, IntakeChange)>,
    pub cap_per_year: Option<f64>,
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

impl<'a> RegionInputs<'a> {
    /// The same inputs with the duration distribution and policy borrowed from these:
    /// a copy for a batch of region-runs that allocates nothing.
    pub fn borrowed(&self) -> RegionInputs<'_> {
        RegionInputs {
            duration: Cow::Borrowed(&*self.duration),
            intake: Cow::Borrowed(&*self.intake),
            ..*self
        }
    }
}

/// Runs one region for `horizon` years, writing the stocks of years 0..=horizon into
/// `out`, and returns the first year with coverage >= 1 (None if never).
///
/// In two passes over the years, each its own loop (docs/model.md): the trainees
/// (every year's intake and completions), then the specialists (today's, and those who
/// join) and the coverage. Each random event has its own sub-stream per year, so the
/// passes draw exactly what the year-by-year step draws, and the trainees do not
/// depend on the specialists, so this is the same model. The trainee pass keeps its
/// vector constants in registers for every year; the second pass holds the model's two
/// chains of draws (today's specialists, each year's exits drawn from the year
/// before's stock, and those who joined), which the processor overlaps.
pub fn run_region<R: NoiseSource>(
    inp: &RegionInputs,
    guideline: &Guideline,
    horizon: u32,
    mut noise: Noise<R>,
    out: &mut Trajectory<'_>,
) -> Option<u32> {
    debug_assert_eq!(out.years, horizon as usize + 1);
    assert!(
        inp.duration.max_years() <= MAX_DURATION_YEARS,
        "config checks max_years"
    );
    // One row per stock, in the order of `Stock`, each `years` long. The FTE row holds
    // the first pass's completions until the second reads them and writes the FTE in
    // their place.
    let years = out.years;
    let (specialists_row, rest) = out.values.split_at_mut(years);
    let (fte_row, rest) = rest.split_at_mut(years);
    let (trainees_row, population_row) = rest.split_at_mut(years);

    // 1. Trainees, and completions by year (in the FTE row).
    trainee_years(inp, &mut noise, fte_row, trainees_row);

    // 2. The specialists: today's, each leaving with the exit probability every year
    // whatever else happens, and the completers who join, with their exits; the
    // population, the stocks and the target. The two stocks' exits are two chains of
    // draws (each year's from the stock the year before left), independent of each
    // other: in one loop the processor works on both at once (a pass each was about
    // 4 % slower). The target test compares the coverage's numerator with the
    // population instead of their quotient with 1 (a division's latency, once a year):
    // for a population above 0 the two are the same test, rounding included
    // (`coverage_test_without_division`).
    let exit = Prob::new(inp.exit_per_year);
    let mut s_init = noise.whole(inp.headcount);
    let to_primary_care = Prob::new((1.0 - inp.dropout_share) * inp.primary_care_uptake);
    let mut s_joined = 0.0f64;
    let mut population = inp.population;
    let mut reached = None;
    for t in 0..years {
        if t > 0 {
            noise.reseed(t, Event::ExitsInitial);
            s_init -= noise.count(s_init, &exit);
            let completers = fte_row[t];
            noise.reseed(t, Event::Uptake);
            s_joined += noise.count(completers, &to_primary_care);
            noise.reseed(t, Event::ExitsJoined);
            s_joined -= noise.count(s_joined, &exit);
            population *= 1.0 + inp.pop_growth_per_year;
        }
        let fte = s_init * inp.fte_initial + s_joined * inp.fte_new;
        specialists_row[t] = s_init + s_joined;
        fte_row[t] = fte;
        population_row[t] = population;
        if reached.is_none() && covered(guideline, fte, trainees_row[t], population) {
            reached = Some(t as u32);
        }
    }
    reached
}

/// [`run_region`] for region-runs of one region-scenario, into `values` (their
/// trajectories back to back, `STOCKS * (horizon + 1)` each) and `reached`, with
/// `noise(i)` the noise of the i-th.
///
/// Eight at a time side by side where the processor has AVX-512 and the noise is
/// binomial: each region-run's trainee pass as `run_region` runs it, then the eight
/// specialists' passes in the lanes of one vector ([`crate::lanes`]); else one at a
/// time. The stocks and years to target are the same bits either way
/// (`region_runs_side_by_side_are_each_run_alone`).
pub fn run_regions(
    inputs: &[RegionInputs<'_>],
    mut noise: impl FnMut(usize) -> Noise,
    guideline: &Guideline,
    horizon: u32,
    values: &mut [f64],
    reached: &mut [Option<u32>],
) {
    let years = horizon as usize + 1;
    let stride = STOCKS * years;
    assert_eq!(
        values.len(),
        inputs.len() * stride,
        "a trajectory per region-run"
    );
    assert_eq!(
        reached.len(),
        inputs.len(),
        "a year to target per region-run"
    );
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    if let Some(lanes) = crate::lanes::Lanes::detect() {
        use crate::lanes::LANES;
        while done + LANES <= inputs.len() {
            let mut noises: [Noise; LANES] = std::array::from_fn(|j| noise(done + j));
            let keys: [Option<u64>; LANES] = std::array::from_fn(|j| match noises[j] {
                Noise::Binomial { key, .. } => Some(key),
                Noise::Expected => None,
            });
            let inp = &inputs[done..done + LANES];
            let chunk = &mut values[done * stride..(done + LANES) * stride];
            let out = &mut reached[done..done + LANES];
            if keys.iter().all(Option::is_some) {
                let keys: [u64; LANES] = std::array::from_fn(|j| keys[j].unwrap_or(0));
                // Each region-run's years side by side where the processor can look
                // bytes up; else the eight region-runs side by side.
                #[allow(unsafe_code)]
                // SAFETY: `Lookups::detect` and `Lanes::detect` found the features.
                let side_by_side = match crate::lanes::Lookups::detect() {
                    Some(lookups) => unsafe {
                        trainee_years_each(lookups, inp, &keys, &mut noises, chunk, years)
                    },
                    None => unsafe { trainee_lanes(lanes, inp, &keys, &mut noises, chunk, years) },
                };
                if !side_by_side {
                    for ((x, inp), noise) in chunk.chunks_mut(stride).zip(inp).zip(&mut noises) {
                        let (_, rest) = x.split_at_mut(years);
                        let (fte_row, rest) = rest.split_at_mut(years);
                        trainee_years(inp, noise, fte_row, &mut rest[..years]);
                    }
                }
                #[allow(unsafe_code)]
                // SAFETY: `Lanes::detect` found the features.
                unsafe {
                    specialists_lanes(lanes, inp, &keys, guideline, chunk, years, out)
                };
            } else {
                for (((x, inp), noise), r) in chunk.chunks_mut(stride).zip(inp).zip(noises).zip(out)
                {
                    let mut traj = Trajectory { years, values: x };
                    *r = run_region(inp, guideline, horizon, noise, &mut traj);
                }
            }
            done += LANES;
        }
    }
    for (i, (x, r)) in values[done * stride..]
        .chunks_mut(stride)
        .zip(&mut reached[done..])
        .enumerate()
    {
        let mut traj = Trajectory { years, values: x };
        *r = run_region(
            &inputs[done + i],
            guideline,
            horizon,
            noise(done + i),
            &mut traj,
        );
    }
}

/// The first pass of [`run_region`] ([`trainee_years`]) for eight region-runs of binomial
/// noise with `keys`, side by side (`values` as in [`run_regions`]); false, with
/// nothing the one-at-a-time pass would not overwrite, where a lane's split is not
/// packed, the lanes' shortest durations differ, or some year's intake is
/// [`PACKED_COUNT`] or more.
///
/// Lane by lane it draws and counts what [`Split::place_packed`] draws and counts for
/// its region-run: each lane's people eight to a number from its own sub-stream, a
/// vector of eight numbers (64 people, 8 a lane) at a time, counted per boundary and
/// open slice in byte counters; then the people of open slices, one number each. The
/// cohorts due in the next eight years are eight vectors (a lane each) that each year's
/// counts are added to; the year they are due, the first is written out.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512bw")]
fn trainee_lanes(
    _lanes: crate::lanes::Lanes,
    inputs: &[RegionInputs<'_>],
    keys: &[u64; crate::lanes::LANES],
    noises: &mut [Noise; crate::lanes::LANES],
    values: &mut [f64],
    years: usize,
) -> bool {
    use crate::lanes::{self, load, unload, LANES};
    use std::arch::x86_64::*;
    const B: usize = PACKED_CATEGORIES - 1;
    let stride = STOCKS * years;
    let (completions_at, trainees_at) = (years, 2 * years);
    let first = inputs[0].duration.min_years as usize;
    if inputs
        .iter()
        .any(|inp| inp.duration.min_years as usize != first)
    {
        return false;
    }
    let splits: [Split<'_>; LANES] =
        std::array::from_fn(|j| Split::new(&inputs[j].duration.probs, true));
    if !splits.iter().all(|s| s.packed) {
        return false;
    }
    // Every year's intake first (it depends on no draw), kept in the trainees row
    // until the year's stock replaces it.
    if !admit_lanes(inputs, noises, values, years) {
        return false;
    }
    let in_post: [f64; LANES] = std::array::from_fn(|j| {
        let x = &mut values[j * stride..(j + 1) * stride];
        let (_, rest) = x.split_at_mut(years);
        let (completions, rest) = rest.split_at_mut(years);
        initial_trainees(&inputs[j], &mut noises[j], completions, &mut rest[..years])
    });

    // Each lane's split, a lane of a vector: bytes repeated over the lane's eight.
    let words =
        |f: &dyn Fn(&Split<'_>) -> u64| lanes::load_words(&std::array::from_fn(|j| f(&splits[j])));
    let bytes = |f: &dyn Fn(&Split<'_>) -> u8| words(&|s| u64::from(f(s)) * 0x0101_0101_0101_0101);
    let lanes_where = |f: &dyn Fn(&Split<'_>) -> bool| {
        (0..LANES).fold(0u8, |m, j| m | (u8::from(f(&splits[j])) << j))
    };
    let top_bytes: [__m512i; B] = std::array::from_fn(|k| bytes(&|s| s.top_bytes[k]));
    let open_slices: [__m512i; B] = std::array::from_fn(|g| bytes(&|s| s.open[g]));
    let thresholds: [__m512i; B] = std::array::from_fn(|k| words(&|s| s.thresholds[k]));
    let open_packed = words(&|s| {
        s.open
            .iter()
            .enumerate()
            .fold(0, |w, (g, &b)| w | u64::from(b) << (8 * g))
    });
    let all_below: [__mmask8; B] =
        std::array::from_fn(|k| lanes_where(&|s| s.all_below & (1 << k) != 0));
    let open_live: [__mmask8; B] = std::array::from_fn(|g| lanes_where(&|s| g < s.open_len));
    // open_below_is[k][g]: the lanes whose boundary k has g open slices below it.
    let open_below_is: [[__mmask8; PACKED_CATEGORIES]; B] = std::array::from_fn(|k| {
        std::array::from_fn(|g| lanes_where(&|s| usize::from(s.open_below[k]) == g))
    });

    let zero = _mm512_setzero_si512();
    let one = _mm512_set1_epi64(1);
    let key_v = lanes::load_words(keys);
    let byte_in_lane = _mm512_set1_epi64(0x0706_0504_0302_0100);
    let at = |values: &[f64], row: usize, t: usize| {
        if t < years {
            load(&std::array::from_fn(|j| values[j * stride + row + t]))
        } else {
            _mm512_setzero_pd()
        }
    };
    // window[k]: the completions due in year t + first + k so far.
    let mut window: [__m512d; PACKED_CATEGORIES] =
        std::array::from_fn(|k| at(values, completions_at, 1 + first + k));
    let mut in_post = load(&in_post);
    for t in 1..years {
        let intake = at(values, trainees_at, t);
        let n = _mm512_cvttpd_epi64(intake);
        let mut state = lanes::substreams(key_v, Event::Intake.substream(t));
        let (mut below, mut in_open) = ([zero; B], [zero; B]);
        let mut left = n;
        // A comparison into a mask and an addition of 1 under it. Told it adds 1, LLVM
        // makes the mask a vector (`movm`) and subtracts that: a second instruction on
        // the one port that compares. Hidden, the addition stays one instruction.
        let ones = std::hint::black_box(_mm512_set1_epi8(1));
        loop {
            let live = _mm512_cmpgt_epi64_mask(left, zero);
            if live == 0 {
                break;
            }
            let drawn = lanes::next(&mut state, live);
            let used = _mm512_min_epi64(left, _mm512_set1_epi64(8));
            let people = _mm512_cmplt_epu8_mask(
                byte_in_lane,
                _mm512_mullo_epi64(used, _mm512_set1_epi64(0x0101_0101_0101_0101)),
            );
            for (c, &limit) in below.iter_mut().zip(&top_bytes) {
                let m = _mm512_mask_cmplt_epu8_mask(people, drawn, limit);
                *c = _mm512_mask_add_epi8(*c, m, *c, ones);
            }
            for (c, &slice) in in_open.iter_mut().zip(&open_slices) {
                let m = _mm512_mask_cmpeq_epi8_mask(people, drawn, slice);
                *c = _mm512_mask_add_epi8(*c, m, *c, ones);
            }
            left = _mm512_sub_epi64(left, used);
        }
        // Per lane, as `place_packed` puts them.
        let lane_sum = |v: __m512i| _mm512_sad_epu8(v, zero);
        let mut open_people = [zero; PACKED_CATEGORIES];
        for g in 0..B {
            let c = _mm512_maskz_mov_epi64(open_live[g], lane_sum(in_open[g]));
            open_people[g + 1] = _mm512_add_epi64(open_people[g], c);
        }
        // The open slices' people, one number each, slice by slice, their categories
        // tallied per lane in 16-bit fields (categories 0-3 in one word, 4-7 in the
        // other: at most 2 000 people) and added with the rest below.
        let mut tally = [zero; 2];
        let three = _mm512_set1_epi64(3);
        let person = |i: __m512i, state: &mut __m512i, tally: &mut [__m512i; 2]| {
            let live = _mm512_cmplt_epi64_mask(i, open_people[B]);
            let drawn = lanes::next(state, live);
            let slice = open_people[1..].iter().fold(zero, |acc, &o| {
                _mm512_mask_add_epi64(acc, _mm512_cmple_epi64_mask(o, i), acc, one)
            });
            let g = _mm512_and_si512(
                _mm512_srlv_epi64(open_packed, _mm512_slli_epi64::<3>(slice)),
                _mm512_set1_epi64(0xff),
            );
            let u = _mm512_or_si512(
                _mm512_slli_epi64::<{ GUIDE_SHIFT }>(g),
                _mm512_srli_epi64::<{ 64 - GUIDE_SHIFT }>(drawn),
            );
            let category = thresholds.iter().fold(zero, |acc, &th| {
                _mm512_mask_add_epi64(acc, _mm512_cmple_epu64_mask(th, u), acc, one)
            });
            let field = _mm512_sllv_epi64(
                one,
                _mm512_slli_epi64::<4>(_mm512_and_si512(category, three)),
            );
            let high = _mm512_cmpgt_epi64_mask(category, three);
            tally[0] = _mm512_mask_add_epi64(tally[0], live & !high, tally[0], field);
            tally[1] = _mm512_mask_add_epi64(tally[1], live & high, tally[1], field);
        };
        // The first `STRAIGHT` people of every lane without a branch (a lane with fewer
        // draws nothing for the rest): how many there are is known only once the bytes
        // are counted, and a loop on it ended in a branch that was mispredicted about
        // once a year and resolved late, so nothing of the next year could start early.
        // A lane has about one such person a year (7 slices in 256 of the intake).
        const STRAIGHT: i64 = 4;
        for i in 0..STRAIGHT {
            person(_mm512_set1_epi64(i), &mut state, &mut tally);
        }
        let mut i = _mm512_set1_epi64(STRAIGHT);
        while _mm512_cmplt_epi64_mask(i, open_people[B]) != 0 {
            person(i, &mut state, &mut tally);
            i = _mm512_add_epi64(i, one);
        }
        let tallied = |c: usize| {
            _mm512_and_si512(
                _mm512_srlv_epi64(tally[c / 4], _mm512_set1_epi64(16 * (c % 4) as i64)),
                _mm512_set1_epi64(0xffff),
            )
        };
        // Every category's people added once, whole numbers below 2^53, so the sum is
        // what adding them one by one gives.
        let mut placed_below = zero;
        for k in 0..B {
            let below_k = _mm512_mask_mov_epi64(lane_sum(below[k]), all_below[k], n);
            let open_below = open_below_is[k][1..]
                .iter()
                .zip(&open_people[1..])
                .fold(zero, |acc, (&m, &o)| _mm512_mask_mov_epi64(acc, m, o));
            let certain = _mm512_sub_epi64(below_k, open_below);
            let people = _mm512_add_epi64(_mm512_sub_epi64(certain, placed_below), tallied(k));
            window[k] = _mm512_add_pd(window[k], _mm512_cvtepi64_pd(people));
            placed_below = certain;
        }
        let people = _mm512_add_epi64(
            _mm512_sub_epi64(_mm512_sub_epi64(n, open_people[B]), placed_below),
            tallied(B),
        );
        window[B] = _mm512_add_pd(window[B], _mm512_cvtepi64_pd(people));
        // Year t + first's completions are all in: written out, and the window moves on.
        let due = t + first;
        if due < years {
            let done = unload(window[0]);
            for (j, &d) in done.iter().enumerate() {
                values[j * stride + completions_at + due] = d;
            }
        }
        window.rotate_left(1);
        window[B] = at(values, completions_at, due + PACKED_CATEGORIES);
        in_post = _mm512_add_pd(
            _mm512_sub_pd(in_post, at(values, completions_at, t)),
            intake,
        );
        for (j, &x) in unload(in_post).iter().enumerate() {
            values[j * stride + trainees_at + t] = x;
        }
    }
    true
}

/// Every year's intake of eight region-runs of binomial noise ([`Admissions`] in each,
/// operation for operation), each into its trainees row (`values` as in
/// [`run_regions`]); false where some year's intake is [`PACKED_COUNT`] or more, or
/// not a number. In the lanes of vectors where the region-runs share their policy:
/// one at a time, the chain of each year's rounding was about a seventh of the core.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
fn admit_lanes(
    inputs: &[RegionInputs<'_>],
    noises: &[Noise; crate::lanes::LANES],
    values: &mut [f64],
    years: usize,
) -> bool {
    use crate::lanes::{unload, LANES};
    use std::arch::x86_64::*;
    let stride = STOCKS * years;
    let trainees_at = 2 * years;
    let policy = &*inputs[0].intake;
    if inputs.iter().all(|inp| *inp.intake == *policy)
        && !policy.cap_per_year.is_some_and(f64::is_nan)
    {
        // `Admissions::next` in every lane, operation for operation.
        let each = |f: &dyn Fn(&RegionInputs<'_>) -> f64| each_lane(inputs, f);
        let base = each(&|inp| noises[0].whole(inp.trainees) / inp.duration.mean_years);
        let growth = each(&|inp| 1.0 + inp.intake_growth_per_year);
        let (mut factor, mut target_total, mut admitted_total) = (
            _mm512_set1_pd(1.0),
            _mm512_setzero_pd(),
            _mm512_setzero_pd(),
        );
        for t in 1..years {
            factor = _mm512_mul_pd(factor, growth);
            let mut target = _mm512_mul_pd(base, factor);
            for &(from, to, change) in &policy.rules {
                if (from..=to).contains(&(t as u32)) {
                    target = match change {
                        IntakeChange::Multiply(m) => _mm512_mul_pd(target, _mm512_set1_pd(m)),
                        IntakeChange::TraineesPerYear(n) => _mm512_set1_pd(n),
                    };
                }
            }
            if let Some(cap) = policy.cap_per_year {
                // `f64::min` of a NaN target is the cap, as `minpd` gives its second
                // operand where either is NaN.
                target = _mm512_min_pd(target, _mm512_set1_pd(cap));
            }
            target_total = _mm512_add_pd(target_total, target);
            let intake = round_non_negative_lanes(_mm512_sub_pd(target_total, admitted_total));
            admitted_total = _mm512_add_pd(admitted_total, intake);
            if _mm512_cmp_pd_mask::<_CMP_LT_OQ>(intake, _mm512_set1_pd(PACKED_COUNT)) != 0xff {
                return false;
            }
            for (j, &x) in unload(intake).iter().enumerate() {
                values[j * stride + trainees_at + t] = x;
            }
        }
    } else {
        let mut admissions: [Admissions<'_>; LANES] = std::array::from_fn(|j| {
            Admissions::new(&inputs[j], noises[j].whole(inputs[j].trainees), true)
        });
        for t in 1..years {
            for (j, a) in admissions.iter_mut().enumerate() {
                let intake = a.next(t);
                if intake.is_nan() || intake >= PACKED_COUNT {
                    return false;
                }
                values[j * stride + trainees_at + t] = intake;
            }
        }
    }
    true
}

/// The first pass of eight region-runs of binomial noise with `keys`, each with its
/// years side by side ([`trainee_years_lanes`]), their intakes admitted in lanes
/// ([`admit_lanes`]); false, with nothing the one-at-a-time pass would not
/// overwrite, where some region-run cannot be.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vbmi,gfni,avx512bitalg")]
fn trainee_years_each(
    lookups: crate::lanes::Lookups,
    inputs: &[RegionInputs<'_>],
    keys: &[u64; crate::lanes::LANES],
    noises: &mut [Noise; crate::lanes::LANES],
    values: &mut [f64],
    years: usize,
) -> bool {
    if !admit_lanes(inputs, noises, values, years) {
        return false;
    }
    let stride = STOCKS * years;
    for (j, x) in values.chunks_mut(stride).enumerate() {
        let (_, rest) = x.split_at_mut(years);
        let (completions, rest) = rest.split_at_mut(years);
        let trainees = &mut rest[..years];
        let (inp, key, noise) = (&inputs[j], keys[j], &mut noises[j]);
        if !trainee_years_lanes(lookups, inp, key, noise, completions, trainees, true) {
            return false;
        }
    }
    true
}

/// [`trainee_pass`] for one region-run of binomial noise with `key`, eight intake years
/// side by side: the same draws, counts and stocks, bit for bit; false, with nothing
/// the one-at-a-time pass would not overwrite, where the split is not packed or a
/// year's intake is [`PACKED_COUNT`] or more (or not a number). `admitted`: whether
/// `trainees[1..]` holds each year's intake already ([`admit_lanes`]).
///
/// A year's placement depends on no other year's (the intakes depend on no draw), so
/// eight years share the region-run's one split, and with it one 256-byte table: a
/// person's byte is looked up for all 64 bytes of a vector at once (two `vpermt2b`),
/// giving the boundaries it is below (bits 0-6) and whether it is in an open slice
/// (bit 7); which open slice follows from the boundaries by an affine map
/// (`gf2p8affineqb`) and a 16-byte table (`vpshufb`). A bit-matrix product
/// (`gf2p8affineqb` again) turns each lane's eight bytes of bits into eight bytes of
/// people, and a byte population count counts them: about a dozen instructions per 64
/// people, where fourteen comparisons a person took 28 (comparisons and masked
/// additions).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vbmi,gfni,avx512bitalg")]
fn trainee_years_lanes(
    _lookups: crate::lanes::Lookups,
    inp: &RegionInputs,
    key: u64,
    noise: &mut Noise,
    completions: &mut [f64],
    trainees: &mut [f64],
    admitted: bool,
) -> bool {
    use crate::lanes::{self, LANES};
    use std::arch::x86_64::*;
    const B: usize = PACKED_CATEGORIES - 1;
    /// Vectors of people a byte counter takes (at most 8 a vector) before it is
    /// emptied into 16-bit ones.
    const ROUNDS: usize = 255 / 8;
    let years = trainees.len();
    let split = Split::packed_without_guide(&inp.duration.probs);
    if !split.packed {
        return false;
    }
    let trainees0 = initial_trainees(inp, noise, completions, trainees);
    // Every year's intake first, kept in the trainees row until the year's stock
    // replaces it.
    if !admitted {
        let mut admissions = Admissions::new(inp, trainees0, true);
        for (t, x) in trainees.iter_mut().enumerate().skip(1) {
            let intake = admissions.next(t);
            if intake.is_nan() || intake >= PACKED_COUNT {
                return false;
            }
            *x = intake;
        }
    }
    let first = inp.duration.min_years as usize;

    // The table, four vectors (bytes 0-63, 64-127, ...): bit k (below 7) of byte v
    // is whether v is below boundary k's top byte (everyone is below a boundary past
    // 2^53), bit 7 whether v is an open slice. The first seven bits are a thermometer
    // (boundaries in order): set from the v's rank on, the boundaries at or below v.
    let zero = _mm512_setzero_si512();
    let iota = lanes::load_words(&std::array::from_fn(|i| {
        u64::from_le_bytes(std::array::from_fn(|b| (8 * i + b) as u8))
    }));
    let mut below_table = [zero; 4];
    for (c, table) in below_table.iter_mut().enumerate() {
        let v = _mm512_add_epi8(iota, _mm512_set1_epi8((64 * c) as u8 as i8));
        for k in 0..B {
            let below = if split.all_below & (1 << k) != 0 {
                u64::MAX
            } else {
                _mm512_cmplt_epu8_mask(v, _mm512_set1_epi8(split.top_bytes[k] as i8))
            };
            let bit = _mm512_maskz_mov_epi8(below, _mm512_set1_epi8(1 << k));
            *table = _mm512_or_si512(*table, bit);
        }
        for &g in &split.open[..split.open_len] {
            let open = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(g as i8));
            *table = _mm512_or_si512(*table, _mm512_maskz_mov_epi8(open, _mm512_set1_epi8(-128)));
        }
    }
    // Which open slice a byte is in, from its table byte instead of a second table
    // (two more `vpermt2b`, each two cycles): a rank is the number of boundaries at or
    // below the byte, distinct for distinct open slices (each holds one), and, a
    // thermometer's zeros counted, an affine function of its bits over GF(2): bit 0
    // the parity of the seven, bit 1 of the zeros at 1, 3 and 5, bit 2 the zero at 3.
    // Bit 7 of the result is set where the byte is not open (or not drawn: all zero),
    // and `vpshufb` gives 0 there, else the open slice's bit from a table by rank.
    const RANK: i64 = 0x7F2A_0800_0000_0080;
    let rank_matrix = _mm512_set1_epi64(RANK);
    let mut slice_of_rank = [0u8; 16];
    for (j, &g) in split.open[..split.open_len].iter().enumerate() {
        let rank = (0..B)
            .filter(|&k| split.all_below & (1 << k) == 0 && split.top_bytes[k] <= g)
            .count();
        slice_of_rank[rank] = 1 << j;
    }
    let half = |h: usize| u64::from_le_bytes(std::array::from_fn(|b| slice_of_rank[8 * h + b]));
    let slice_of_rank = lanes::load_words(&std::array::from_fn(|i| half(i % 2)));
    let open_bits = |below_bits: __m512i| {
        _mm512_shuffle_epi8(
            slice_of_rank,
            _mm512_gf2p8affine_epi64_epi8::<0x87>(below_bits, rank_matrix),
        )
    };
    let look = |table: &[__m512i; 4], bytes: __m512i, low: __mmask64, high: __mmask64| {
        _mm512_or_si512(
            _mm512_maskz_permutex2var_epi8(low, table[0], bytes, table[1]),
            _mm512_maskz_permutex2var_epi8(high, table[2], bytes, table[3]),
        )
    };
    // Bit k of each of a lane's eight bytes into byte k: with these bits as the
    // matrix, `gf2p8affine` of the identity's rows (LSB first) gives the transpose.
    let transpose = _mm512_set1_epi64(0x8040_2010_0804_0201_u64 as i64);
    let count =
        |bits: __m512i| _mm512_popcnt_epi8(_mm512_gf2p8affine_epi64_epi8::<0>(transpose, bits));
    // The open slices' people: slice s's byte, its first boundary inside and, over all
    // slices, the most boundaries one holds.
    let open_bytes = lanes::load_words(&std::array::from_fn(|s| {
        split.open.get(s).map_or(0, |&g| u64::from(g))
    }));
    let mut first_inside = [0u64; LANES];
    let mut most_inside = 0;
    for (s, &g) in split.open[..split.open_len].iter().enumerate() {
        let start = u64::from(g) << GUIDE_SHIFT;
        let passed = |&t: &u64| t <= start;
        let inside = |&t: &u64| start < t && t >> GUIDE_SHIFT == u64::from(g);
        let thresholds = &split.thresholds[..B];
        first_inside[s] = thresholds.iter().filter(|t| passed(t)).count() as u64;
        most_inside = most_inside.max(thresholds.iter().filter(|t| inside(t)).count());
    }
    let first_inside = lanes::load_words(&first_inside);
    let mut thresholds = [u64::MAX; LANES];
    thresholds[..B].copy_from_slice(&split.thresholds[..B]);
    let thresholds = lanes::load_words(&thresholds);
    let (one, three, seven) = (
        _mm512_set1_epi64(1),
        _mm512_set1_epi64(3),
        _mm512_set1_epi64(7),
    );
    let byte_in_lane = _mm512_set1_epi64(0x0706_0504_0302_0100);
    // `vpshufb` indices repeating each lane's lowest byte over its eight.
    let lowest_byte = _mm512_set4_epi64(0x0808_0808_0808_0808, 0, 0x0808_0808_0808_0808, 0);
    let low_bytes = _mm512_set1_epi16(0xff);
    let field = |w: &[__m512i; 2], k: usize| {
        let shift = _mm512_set1_epi64(8 * (k & !1) as i64);
        _mm512_and_si512(
            _mm512_srlv_epi64(w[k & 1], shift),
            _mm512_set1_epi64(0xffff),
        )
    };

    // A block's count, then the previous block's placement: the open slices' people
    // loop until the block's most, known only once its bytes are counted (a chain of
    // some hundred cycles), and that loop's exit, mispredicted about once a block,
    // resolved so late that nothing of the next block could start before it. A block
    // behind, its counts are in when the loop starts.
    let count_block = |t0: usize| {
        let year = |l: usize| t0 + l;
        let n = _mm512_cvttpd_epi64(match trainees.get(t0..t0 + LANES) {
            Some(x) => lanes::load(x.try_into().expect("eight")),
            None => lanes::load(&std::array::from_fn(|l| {
                trainees.get(year(l)).map_or(0.0, |&x| x)
            })),
        });
        let mut state = lanes::substreams_of(
            key,
            &std::array::from_fn(|l| Event::Intake.substream(year(l))),
        );
        // Per lane, the people below each boundary and in each open slice, in 16-bit
        // fields: bytes 0, 2, 4, 6 of the byte counters in [0], 1, 3, 5, 7 in [1].
        let (mut below, mut in_open) = ([zero; 2], [zero; 2]);
        let (mut below_bytes, mut open_bytes_count, mut rounds) = (zero, zero, 0);
        let mut step = |drawn: __m512i, low: __mmask64, high: __mmask64| {
            let bits = look(&below_table, drawn, low, high);
            below_bytes = _mm512_add_epi8(below_bytes, count(bits));
            open_bytes_count = _mm512_add_epi8(open_bytes_count, count(open_bits(bits)));
            rounds += 1;
            if rounds == ROUNDS {
                for (w, c) in [(&mut below, below_bytes), (&mut in_open, open_bytes_count)] {
                    w[0] = _mm512_add_epi16(w[0], _mm512_and_si512(c, low_bytes));
                    w[1] = _mm512_add_epi16(w[1], _mm512_srli_epi16::<8>(c));
                }
                (below_bytes, open_bytes_count, rounds) = (zero, zero, 0);
            }
        };
        // First the numbers every lane draws whole (eight people each): no masks.
        let whole = _mm512_reduce_min_epu64(n) / 8;
        for _ in 0..whole {
            let drawn = lanes::next(&mut state, 0xff);
            let high = _mm512_movepi8_mask(drawn);
            step(drawn, !high, high);
        }
        let mut left = _mm512_sub_epi64(n, _mm512_set1_epi64(8 * whole as i64));
        loop {
            let live = _mm512_cmpgt_epi64_mask(left, zero);
            if live == 0 {
                break;
            }
            let drawn = lanes::next(&mut state, live);
            let used = _mm512_min_epu64(left, _mm512_set1_epi64(8));
            let people =
                _mm512_cmplt_epu8_mask(byte_in_lane, _mm512_shuffle_epi8(used, lowest_byte));
            let high = _mm512_movepi8_mask(drawn);
            step(drawn, people & !high, people & high);
            left = _mm512_sub_epi64(left, used);
        }
        for (w, c) in [(&mut below, below_bytes), (&mut in_open, open_bytes_count)] {
            w[0] = _mm512_add_epi16(w[0], _mm512_and_si512(c, low_bytes));
            w[1] = _mm512_add_epi16(w[1], _mm512_srli_epi16::<8>(c));
        }
        (t0, n, state, below, in_open)
    };
    // Completions of the block's years due in the next block's eight years' span.
    let mut carry = _mm512_setzero_pd();
    let mut counted = None;
    for t0 in (1..years).step_by(LANES).map(Some).chain([None]) {
        let next = t0.map(count_block);
        let Some((t0, n, mut state, below, in_open)) = std::mem::replace(&mut counted, next) else {
            continue;
        };
        // As `place_packed` puts them, lane by lane.
        let mut open_people = [zero; PACKED_CATEGORIES];
        for j in 0..B {
            let c = if j < split.open_len {
                field(&in_open, j)
            } else {
                zero
            };
            open_people[j + 1] = _mm512_add_epi64(open_people[j], c);
        }
        // The open slices' people, one number each, slice by slice, their categories
        // tallied in 16-bit fields (categories 0-3 in one word, 4-7 in the other).
        let mut tally = [zero; 2];
        let person = |i: __m512i, state: &mut __m512i, tally: &mut [__m512i; 2]| {
            let live = _mm512_cmplt_epi64_mask(i, open_people[B]);
            let drawn = lanes::next(state, live);
            let slice = open_people[1..split.open_len.max(1)]
                .iter()
                .fold(zero, |acc, &o| {
                    _mm512_mask_add_epi64(acc, _mm512_cmple_epi64_mask(o, i), acc, one)
                });
            let g = _mm512_permutexvar_epi64(slice, open_bytes);
            let u = _mm512_or_si512(
                _mm512_slli_epi64::<{ GUIDE_SHIFT }>(g),
                _mm512_srli_epi64::<{ 64 - GUIDE_SHIFT }>(drawn),
            );
            let base = _mm512_permutexvar_epi64(slice, first_inside);
            let mut category = base;
            for m in 0..most_inside {
                let at =
                    _mm512_min_epu64(_mm512_add_epi64(base, _mm512_set1_epi64(m as i64)), seven);
                let th = _mm512_permutexvar_epi64(at, thresholds);
                category =
                    _mm512_mask_add_epi64(category, _mm512_cmple_epu64_mask(th, u), category, one);
            }
            let field = _mm512_sllv_epi64(
                one,
                _mm512_slli_epi64::<4>(_mm512_and_si512(category, three)),
            );
            let high = _mm512_cmpgt_epi64_mask(category, three);
            tally[0] = _mm512_mask_add_epi64(tally[0], live & !high, tally[0], field);
            tally[1] = _mm512_mask_add_epi64(tally[1], live & high, tally[1], field);
        };
        const STRAIGHT: i64 = 2;
        for i in 0..STRAIGHT {
            person(_mm512_set1_epi64(i), &mut state, &mut tally);
        }
        let mut i = _mm512_set1_epi64(STRAIGHT);
        while _mm512_cmplt_epi64_mask(i, open_people[B]) != 0 {
            person(i, &mut state, &mut tally);
            i = _mm512_add_epi64(i, one);
        }
        let tallied = |c: usize| {
            _mm512_and_si512(
                _mm512_srlv_epi64(tally[c / 4], _mm512_set1_epi64(16 * (c % 4) as i64)),
                _mm512_set1_epi64(0xffff),
            )
        };
        // Category k of lane l completes in year t0 + first + l + k: the block's
        // completions are in the sixteen years from t0 + first on, the first eight
        // (`due`) now complete, the last eight carried into the next block's. Whole
        // numbers below 2^53: the sums are exact in any order.
        let mut due = carry;
        carry = _mm512_setzero_pd();
        let mut placed_below = zero;
        let (mut due_people, mut later_people) = (zero, zero);
        let mut add = |k: usize, c: __m512i| {
            let (now, later) = lanes::shift_up(c, k);
            due_people = _mm512_add_epi64(due_people, now);
            later_people = _mm512_add_epi64(later_people, later);
        };
        for k in 0..B {
            let below_k = if split.all_below & (1 << k) != 0 {
                n
            } else {
                field(&below, k)
            };
            let certain = _mm512_sub_epi64(below_k, open_people[usize::from(split.open_below[k])]);
            add(
                k,
                _mm512_add_epi64(_mm512_sub_epi64(certain, placed_below), tallied(k)),
            );
            placed_below = certain;
        }
        add(
            B,
            _mm512_add_epi64(
                _mm512_sub_epi64(_mm512_sub_epi64(n, open_people[B]), placed_below),
                tallied(B),
            ),
        );
        due = _mm512_add_pd(due, _mm512_cvtepi64_pd(due_people));
        carry = _mm512_add_pd(carry, _mm512_cvtepi64_pd(later_people));
        lanes::add_into(completions, t0 + first, due);
    }
    let blocks = (years - 1).div_ceil(LANES);
    lanes::add_into(completions, 1 + blocks * LANES + first, carry);
    let mut in_post = trainees0;
    for t in 1..years {
        let intake = trainees[t];
        in_post -= completions[t];
        in_post += intake;
        trainees[t] = in_post;
    }
    true
}

/// `f` of each of eight region-runs, a lane each.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn each_lane(
    inputs: &[RegionInputs<'_>],
    f: &dyn Fn(&RegionInputs<'_>) -> f64,
) -> std::arch::x86_64::__m512d {
    crate::lanes::load(&std::array::from_fn(|j| f(&inputs[j])))
}

/// The second pass of [`run_region`] for eight region-runs of binomial noise with
/// `keys`, their trainee passes done (`values` as in [`run_regions`]): the year's three
/// draws, the stocks and the target test in the lanes of vectors, operation for
/// operation as `run_region` does them; the rows written lane by lane.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512bw")]
fn specialists_lanes(
    _lanes: crate::lanes::Lanes,
    inputs: &[RegionInputs<'_>],
    keys: &[u64; crate::lanes::LANES],
    guideline: &Guideline,
    values: &mut [f64],
    years: usize,
    reached: &mut [Option<u32>],
) {
    use crate::lanes::{self, Probs, LANES};
    use std::arch::x86_64::*;
    let stride = STOCKS * years;
    use lanes::{load, unload};
    let each = |f: &dyn Fn(&RegionInputs) -> f64| each_lane(inputs, f);
    let exit: [Prob; LANES] = std::array::from_fn(|j| Prob::new(inputs[j].exit_per_year));
    let to_primary_care: [Prob; LANES] = std::array::from_fn(|j| {
        Prob::new((1.0 - inputs[j].dropout_share) * inputs[j].primary_care_uptake)
    });
    let (exit_v, to_primary_care_v) = (Probs::new(&exit), Probs::new(&to_primary_care));
    let key_v = lanes::load_words(keys);
    // A year's draw of `event` in every lane, in two halves: its set-up, then its
    // search; the lanes the search leaves (BTRS, a uniform used up by rounding) drawn
    // again one at a time, as `Noise::count` does.
    let prepare = |n: __m512d, p_v: &Probs, t: usize, event: Event| {
        let index = event.substream(t);
        lanes::prepare(n, p_v, lanes::first_uniforms(key_v, index))
    };
    let search = |prepared, n: __m512d, p_v: &Probs, p: &[Prob; LANES], t: usize, event| {
        let (x, redraw) = lanes::search(prepared, p_v);
        if redraw == 0 {
            return x;
        }
        let (mut x, n) = (unload(x), unload(n));
        for j in (0..LANES).filter(|j| redraw & (1 << j) != 0) {
            let mut noise = Noise::binomial(keys[j]);
            noise.reseed(t, event);
            x[j] = noise.count(n[j], &p[j]);
        }
        load(&x)
    };
    // Each year's uptake first, into the completions row: those draws depend on no
    // other, so each is set up while the one before searches.
    let completers =
        |values: &[f64], t: usize| load(&std::array::from_fn(|j| values[j * stride + years + t]));
    let uptake = |values: &[f64], t: usize| {
        let n = completers(values, t);
        (n, prepare(n, &to_primary_care_v, t, Event::Uptake))
    };
    let mut next = (years > 1).then(|| uptake(values, 1));
    for t in 1..years {
        let Some((n, prepared)) = next else {
            break;
        };
        next = (t + 1 < years).then(|| uptake(values, t + 1));
        let joining = unload(search(
            prepared,
            n,
            &to_primary_care_v,
            &to_primary_care,
            t,
            Event::Uptake,
        ));
        for (j, &x) in joining.iter().enumerate() {
            values[j * stride + years + t] = x;
        }
    }
    reached.fill(None);
    let mut reached_lanes: __mmask8 = 0;
    let mut s_init = each(&|inp| inp.headcount.round());
    let mut s_joined = _mm512_setzero_pd();
    let mut population = each(&|inp| inp.population);
    let growth = each(&|inp| 1.0 + inp.pop_growth_per_year);
    let (fte_initial, fte_new) = (each(&|inp| inp.fte_initial), each(&|inp| inp.fte_new));
    for t in 0..years {
        if t > 0 {
            // The two chains of exits: both set up before either searches.
            s_joined = _mm512_add_pd(s_joined, completers(values, t));
            let initial = prepare(s_init, &exit_v, t, Event::ExitsInitial);
            let joined = prepare(s_joined, &exit_v, t, Event::ExitsJoined);
            let leaving = search(initial, s_init, &exit_v, &exit, t, Event::ExitsInitial);
            s_init = _mm512_sub_pd(s_init, leaving);
            let leaving = search(joined, s_joined, &exit_v, &exit, t, Event::ExitsJoined);
            s_joined = _mm512_sub_pd(s_joined, leaving);
            population = _mm512_mul_pd(population, growth);
        }
        let fte_v = _mm512_add_pd(
            _mm512_mul_pd(s_init, fte_initial),
            _mm512_mul_pd(s_joined, fte_new),
        );
        let (fte, specialists) = (unload(fte_v), unload(_mm512_add_pd(s_init, s_joined)));
        let people = unload(population);
        let trainees = load(&std::array::from_fn(|j| values[j * stride + 2 * years + t]));
        for (j, x) in values.chunks_mut(stride).enumerate() {
            x[t] = specialists[j];
            x[years + t] = fte[j];
            x[3 * years + t] = people[j];
        }
        // `covered` in every lane: the first year a lane reaches the target is rare, so
        // only then is a lane looked at on its own.
        let now = covered_lanes(guideline, fte_v, trainees, population) & !reached_lanes;
        if now != 0 {
            for (j, r) in reached.iter_mut().enumerate() {
                if now & (1 << j) != 0 {
                    *r = Some(t as u32);
                }
            }
            reached_lanes |= now;
        }
    }
}

/// [`covered`] in each lane, operation for operation.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
fn covered_lanes(
    g: &Guideline,
    fte: std::arch::x86_64::__m512d,
    trainees: std::arch::x86_64::__m512d,
    population: std::arch::x86_64::__m512d,
) -> std::arch::x86_64::__mmask8 {
    use std::arch::x86_64::*;
    let x = _mm512_add_pd(
        _mm512_mul_pd(_mm512_set1_pd(g.inhabitants_per_specialist), fte),
        _mm512_mul_pd(_mm512_set1_pd(g.inhabitants_per_trainee), trainees),
    );
    let positive = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(population, _mm512_setzero_pd());
    let ge = |a, b| _mm512_cmp_pd_mask::<_CMP_GE_OQ>(a, b);
    (positive & ge(x, population))
        | (!positive & ge(_mm512_div_pd(x, population), _mm512_set1_pd(1.0)))
}

/// The first pass of [`run_region`]: the trainees in post each year into `trainees`,
/// and year t's completers (the trainees whose last year was t - 1) into
/// `completions[t]`.
///
/// Today's trainees split over their remaining years (the forward recurrence); each
/// year's intake over durations D, finishing D years on. Completions past the horizon
/// are not kept: nothing reads them. Each completion year adds its cohorts in the order
/// the year-by-year ring of cohorts added them, so expected mode's sums are the same.
///
/// Compiled twice, once for each way of counting bytes ([`ByteLanes`]), each with its
/// vector features enabled for the whole pass so the counting inlines here with its
/// constants kept across years; AVX-512 where the processor has it.
fn trainee_years<R: NoiseSource>(
    inp: &RegionInputs,
    noise: &mut Noise<R>,
    completions: &mut [f64],
    trainees: &mut [f64],
) {
    #[cfg(target_arch = "x86_64")]
    if let (Some(lookups), Some(noise)) =
        (crate::lanes::Lookups::detect(), R::as_model_noise(noise))
    {
        if let Noise::Binomial { key, .. } = *noise {
            #[allow(unsafe_code)]
            // SAFETY: `Lookups::detect` found the features.
            if unsafe {
                trainee_years_lanes(lookups, inp, key, noise, completions, trainees, false)
            } {
                return;
            }
        }
    }
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    // SAFETY: the one requirement of calling a `#[target_feature]` function is that
    // the processor has the features: AVX-512's where `Avx512::detect` found them (the
    // token is the proof), and SSE2, part of x86-64 itself, everywhere (checked here).
    unsafe {
        const _: () = assert!(cfg!(target_feature = "sse2"));
        match Avx512::detect() {
            Some(lanes) => trainee_years_avx512(lanes, inp, noise, completions, trainees),
            None => trainee_years_sse2(inp, noise, completions, trainees),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    trainee_pass(Bytes16, inp, noise, completions, trainees);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn trainee_years_sse2<R: NoiseSource>(
    inp: &RegionInputs,
    noise: &mut Noise<R>,
    completions: &mut [f64],
    trainees: &mut [f64],
) {
    trainee_pass(Bytes16, inp, noise, completions, trainees);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,popcnt")]
fn trainee_years_avx512<R: NoiseSource>(
    lanes: Avx512,
    inp: &RegionInputs,
    noise: &mut Noise<R>,
    completions: &mut [f64],
    trainees: &mut [f64],
) {
    trainee_pass(lanes, inp, noise, completions, trainees);
}

/// Today's trainees into `trainees[0]` (returned) and their completions by year into
/// `completions` (zeroed first): the start of every trainee pass.
#[inline(always)]
fn initial_trainees<R: NoiseSource>(
    inp: &RegionInputs,
    noise: &mut Noise<R>,
    completions: &mut [f64],
    trainees: &mut [f64],
) -> f64 {
    let trainees0 = noise.whole(inp.trainees);
    completions.fill(0.0);
    trainees[0] = trainees0;
    // Today's trainees with k years left (this one included) complete in year k.
    noise.reseed(0, Event::InitialTrainees);
    let remaining = inp.duration.forward_recurrence();
    let remaining = &remaining[..inp.duration.max_years()];
    noise.split(trainees0, &Split::new(remaining, false), |i, x| {
        if let Some(c) = completions.get_mut(i + 1) {
            *c += x;
        }
    });
    trainees0
}

/// The body of [`trainee_years`], inlined into each of its compilations.
#[inline(always)]
fn trainee_pass<R: NoiseSource>(
    lanes: impl ByteLanes,
    inp: &RegionInputs,
    noise: &mut Noise<R>,
    completions: &mut [f64],
    trainees: &mut [f64],
) {
    let years = trainees.len();
    let counts = noise.counts();
    let trainees0 = initial_trainees(inp, noise, completions, trainees);
    let first = inp.duration.min_years as usize;
    let split = Split::new(&inp.duration.probs, counts);
    let mut admissions = Admissions::new(inp, trainees0, counts);
    let mut in_post = trainees0;
    for t in 1..years {
        let intake = admissions.next(t);
        // The intake of year t with duration D = first + i completes in year t + D.
        noise.reseed(t, Event::Intake);
        let cohort = &mut completions[(t + first).min(years)..];
        match noise {
            Noise::Binomial { rng, .. } if split.packed && intake < PACKED_COUNT => {
                // Whole numbers below 2^53: the sums are exact in any order. Categories
                // past the split's last get 0, which adds nothing.
                split.place_packed(lanes, rng, intake as u64, |k, c| {
                    if let Some(x) = cohort.get_mut(k) {
                        *x += f64::from(c);
                    }
                });
            }
            _ => noise.split_small(intake, &split, |i, x| {
                if let Some(c) = cohort.get_mut(i) {
                    *c += x;
                }
            }),
        }
        in_post -= completions[t];
        in_post += intake;
        trainees[t] = in_post;
    }
}

/// [`round_non_negative`] in each lane, operation for operation.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
#[inline]
fn round_non_negative_lanes(x: std::arch::x86_64::__m512d) -> std::arch::x86_64::__m512d {
    use std::arch::x86_64::*;
    const WHOLE: f64 = 4_503_599_627_370_496.0;
    let t = _mm512_cvtepi64_pd(_mm512_cvttpd_epi64(x));
    let half_up = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(_mm512_sub_pd(x, t), _mm512_set1_pd(0.5));
    let rounded = _mm512_add_pd(t, _mm512_maskz_mov_pd(half_up, _mm512_set1_pd(1.0)));
    let whole = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(x, _mm512_set1_pd(WHOLE));
    let positive = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(x, _mm512_setzero_pd());
    _mm512_maskz_mov_pd(positive, _mm512_mask_mov_pd(rounded, whole, x))
}

/// `x.round().max(0.0)` (halves away from zero) without a call: x86-64's baseline has
/// no rounding instruction, and `round` showed in the profile at one call a year.
#[inline]
fn round_non_negative(x: f64) -> f64 {
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

/// The guideline's coverage: `(per_specialist * FTE + per_trainee * T) / P`.
pub fn coverage(g: &Guideline, fte: f64, trainees: f64, population: f64) -> f64 {
    covered_numerator(g, fte, trainees) / population
}

fn covered_numerator(g: &Guideline, fte: f64, trainees: f64) -> f64 {
    g.inhabitants_per_specialist * fte + g.inhabitants_per_trainee * trainees
}

/// `coverage(..) >= 1.0`, without the division where the population is above 0 (it
/// always is: the data's is, and growth keeps it so). There the two agree exactly: if
/// `x >= P` then `x / P >= 1` and so is its rounding; if `x < P` then `x <= P - ulp(P)`,
/// so `x / P <= 1 - 2^-53`, a double below 1, and rounding keeps it there. NaN fails both.
#[inline]
fn covered(g: &Guideline, fte: f64, trainees: f64, population: f64) -> bool {
    let x = covered_numerator(g, fte, trainees);
    if population > 0.0 {
        x >= population
    } else {
        x / population >= 1.0
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (year, event) of the longest horizon has a sub-stream of its own.
    #[test]
    fn each_year_and_event_has_its_own_substream() {
        let mut seen = std::collections::HashSet::new();
        for t in 0..=1000 {
            for e in Event::ALL {
                assert!(seen.insert(e.substream(t)), "year {t}, {e:?}");
            }
        }
        assert_eq!(
            Event::Intake.substream(2),
            2 << crate::sample::EVENT_BITS | 4
        );
    }
    use crate::sample::{stream_key, Purpose};

    const TRAINING: Training = Training {
        min_years: 5,
        max_years: 12,
    };

    fn inputs() -> RegionInputs<'static> {
        RegionInputs {
            population: 100_000.0,
            trainees: 40.0,
            headcount: 50.0,
            fte_initial: 0.8,
            fte_new: 0.9,
            duration: Cow::Owned(DurationDist::new(8.0, 1.5, TRAINING)),
            dropout_share: 0.05,
            primary_care_uptake: 0.6,
            exit_per_year: 0.05,
            intake_growth_per_year: 0.0,
            intake: Cow::Owned(IntakePolicy::default()),
            pop_growth_per_year: 0.01,
        }
    }

    fn run(inp: &RegionInputs, horizon: u32, noise: Noise) -> (Vec<f64>, Option<u32>) {
        let years = horizon as usize + 1;
        let mut buf = vec![0.0; STOCKS * years];
        let y = run_region(
            inp,
            &Guideline::default(),
            horizon,
            noise,
            &mut Trajectory {
                years,
                values: &mut buf,
            },
        );
        (buf, y)
    }

    /// `run_regions` (eight side by side where the processor has AVX-512) gives every
    /// region-run the stocks and year to target `run_region` gives it alone: region-runs
    /// of all sizes (Stockholm's stock and more, so BTRS's lanes too), uptake above and
    /// below 1/2, a batch not a multiple of eight, expected noise in a batch, an intake
    /// too large to be placed eight to a number (in the first batch of eight), and
    /// durations over too many years for that (the second `Training`).
    #[test]
    fn region_runs_side_by_side_are_each_run_alone() {
        let horizon = 100;
        let years = horizon as usize + 1;
        let wide = Training {
            min_years: 3,
            max_years: 14,
        };
        // A scenario's rules and cap for every region-run, and one region-run with a
        // policy of its own (the lanes' intakes one at a time).
        let rules = IntakePolicy {
            rules: vec![
                (10, 30, IntakeChange::Multiply(1.5)),
                (20, 25, IntakeChange::TraineesPerYear(7.5)),
            ],
            cap_per_year: Some(60.0),
        };
        let default = IntakePolicy::default();
        for (training, expected_at, policy, odd_one) in [
            (TRAINING, None, &default, None),
            (TRAINING, Some(9), &default, None),
            (wide, None, &default, None),
            (TRAINING, None, &rules, None),
            (TRAINING, None, &rules, Some(10)),
        ] {
            let batch: Vec<RegionInputs> = (0..21)
                .map(|i| {
                    let f = i as f64;
                    RegionInputs {
                        // Region-run 6 has nobody: coverage by the division.
                        population: if i == 6 {
                            0.0
                        } else {
                            60_000.0 + 120_000.0 * f
                        },
                        trainees: if i == 3 { 20_000.0 } else { 10.0 + 40.0 * f },
                        duration: Cow::Owned(DurationDist::new(7.0 + 0.1 * f, 1.5, training)),
                        headcount: [0.0, 3.0, 26.0, 230.0, 1060.0, 30_000.0][i % 6],
                        exit_per_year: [0.04, 0.055, 0.07, 0.0, 1.0][i % 5],
                        primary_care_uptake: [0.6, 0.3, 0.95][i % 3],
                        intake_growth_per_year: 0.03 * (i % 4) as f64 / 3.0,
                        intake: if odd_one == Some(i) {
                            Cow::Owned(IntakePolicy::default())
                        } else {
                            Cow::Borrowed(policy)
                        },
                        ..inputs()
                    }
                })
                .collect();
            {
                let noise = |i: usize| match expected_at {
                    Some(e) if i == e => Noise::Expected,
                    _ => Noise::binomial(stream_key(11, i as u32, 7, Purpose::Noise)),
                };
                let mut values = vec![0.0; batch.len() * STOCKS * years];
                // Whatever the slices held before is overwritten.
                let mut reached = vec![Some(999); batch.len()];
                run_regions(
                    &batch,
                    noise,
                    &Guideline::default(),
                    horizon,
                    &mut values,
                    &mut reached,
                );
                for (i, inp) in batch.iter().enumerate() {
                    let (alone, y) = run(inp, horizon, noise(i));
                    let x = &values[i * STOCKS * years..(i + 1) * STOCKS * years];
                    assert!(
                        x.iter()
                            .zip(&alone)
                            .all(|(a, b)| a.to_bits() == b.to_bits()),
                        "region-run {i}"
                    );
                    assert_eq!(reached[i], y, "region-run {i}");
                }
            }
        }
    }

    /// Whatever `run_regions` runs (the backend in force: the lanes where this processor
    /// has them), every region-run is the reference's, stock by stock, year by year,
    /// and so is its year to target: many seeds, batches of odd sizes (lanes and
    /// leftovers), both noise modes mixed in a batch, stocks from none to tens of
    /// thousands, rules and caps, wide splits.
    #[test]
    fn every_fast_path_is_the_reference() {
        use rand::{Rng, SeedableRng};
        let mut gen = NoiseRng::seed_from_u64(77);
        let horizon = 70;
        let years = horizon as usize + 1;
        let wide = Training {
            min_years: 3,
            max_years: 16,
        };
        let rules = IntakePolicy {
            rules: vec![(5, 20, IntakeChange::Multiply(1.8))],
            cap_per_year: Some(400.0),
        };
        let mut checked = 0;
        for (case, size) in [1usize, 3, 7, 8, 9, 13, 16, 17, 19, 24]
            .into_iter()
            .enumerate()
        {
            let batch: Vec<RegionInputs> = (0..size)
                .map(|i| {
                    let big = gen.random_bool(0.2);
                    let scale = if big { 40.0 } else { 1.0 };
                    RegionInputs {
                        population: gen.random_range(0.0..2_500_000.0),
                        trainees: gen.random_range(0.0..500.0) * scale,
                        headcount: gen.random_range(0.0..1_200.0) * scale,
                        exit_per_year: gen.random_range(0.0..0.15),
                        primary_care_uptake: gen.random_range(0.0..1.0),
                        intake_growth_per_year: gen.random_range(0.0..0.04),
                        duration: Cow::Owned(DurationDist::new(
                            gen.random_range(5.5..10.5),
                            gen.random_range(0.0..2.5),
                            if (case + i) % 4 == 3 { wide } else { TRAINING },
                        )),
                        intake: if (case + i) % 3 == 2 {
                            Cow::Owned(rules.clone())
                        } else {
                            Cow::Owned(IntakePolicy::default())
                        },
                        ..inputs()
                    }
                })
                .collect();
            let noise = |i: usize| {
                if (case * 7 + i) % 11 == 5 {
                    Noise::Expected
                } else {
                    Noise::binomial(stream_key(case as u64, i as u32, 9, Purpose::Noise))
                }
            };
            let mut values = vec![0.0; size * STOCKS * years];
            let mut reached = vec![None; size];
            run_regions(
                &batch,
                noise,
                &Guideline::default(),
                horizon,
                &mut values,
                &mut reached,
            );
            for (i, inp) in batch.iter().enumerate() {
                let (want, want_year) = year_by_year(inp, horizon, noise(i));
                let got = &values[i * STOCKS * years..(i + 1) * STOCKS * years];
                let same = got
                    .iter()
                    .zip(&want)
                    .all(|(a, b)| a.to_bits() == b.to_bits());
                assert!(same, "batch of {size}, region-run {i}: {inp:?}");
                assert_eq!(reached[i], want_year, "batch of {size}, region-run {i}");
                checked += 1;
            }
        }
        assert_eq!(checked, 117);
    }

    /// The trainee pass with eight intake years side by side (where the processor has
    /// the lookups) gives, bit for bit, what the pass year by year gives: splits with
    /// one to eight categories, empty ones, several boundaries in one slice and one
    /// at a slice's edge; intakes of none to 1 999 a year (byte counters emptied many
    /// times), a horizon not a multiple of eight, and durations past the horizon.
    /// Splits too wide, and intakes too large, are left to the pass year by year.
    #[test]
    #[cfg_attr(
        not(fastlakare_lookups),
        ignore = "this processor has no AVX-512 VBMI, GFNI and BITALG"
    )]
    fn intake_years_side_by_side_are_the_pass_year_by_year() {
        #[cfg(target_arch = "x86_64")]
        {
            let lookups =
                crate::lanes::Lookups::cpu().expect("built where the processor has the lookups");
            let mut splits = random_splits(41, 60, 8);
            splits.extend([
                vec![0.5, 0.001, 0.001, 0.498],
                vec![0.25, 0.0005, 0.0, 0.0005, 0.749],
                vec![1.0],
                vec![0.0, 0.0, 1.0],
                vec![0.1; 8],
                vec![1.0 / 12.0; 12],
            ]);
            let mut compared = 0;
            for (i, probs) in splits.into_iter().enumerate() {
                let mean_years = 5.0
                    + probs
                        .iter()
                        .enumerate()
                        .map(|(k, p)| k as f64 * p)
                        .sum::<f64>();
                let trainees = [0.0, 3.0, 40.0, 700.0, 5_000.0, 13_900.0][i % 6];
                let inp = RegionInputs {
                    trainees,
                    duration: Cow::Owned(DurationDist {
                        min_years: 5,
                        probs,
                        mean_years,
                    }),
                    intake_growth_per_year: [0.0, 0.02, -0.03][i % 3],
                    ..inputs()
                };
                for horizon in [0u32, 6, 37, 100] {
                    let years = horizon as usize + 1;
                    let key = stream_key(5, i as u32, horizon.into(), Purpose::Noise);
                    let (mut completions, mut in_post) = (vec![7.0; years], vec![7.0; years]);
                    let mut noise = Noise::binomial(key);
                    #[allow(unsafe_code)]
                    // SAFETY: `Lookups::detect` found the features.
                    let side_by_side = unsafe {
                        trainee_years_lanes(
                            lookups,
                            &inp,
                            key,
                            &mut noise,
                            &mut completions,
                            &mut in_post,
                            false,
                        )
                    };
                    let packed = inp.duration.probs.len() <= PACKED_CATEGORIES;
                    let mut admissions = Admissions::new(&inp, noise.whole(trainees), true);
                    let most = (1..years).map(|t| admissions.next(t)).fold(0.0, f64::max);
                    assert_eq!(side_by_side, packed && most < PACKED_COUNT, "split {i}");
                    if !side_by_side {
                        continue;
                    }
                    let (mut c, mut s) = (vec![0.0; years], vec![0.0; years]);
                    trainee_pass(Bytes16, &inp, &mut Noise::binomial(key), &mut c, &mut s);
                    let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&completions), bits(&c), "split {i}, horizon {horizon}");
                    assert_eq!(bits(&in_post), bits(&s), "split {i}, horizon {horizon}");
                    compared += 1;
                }
            }
            assert!(compared > 200, "{compared} passes compared");
        }
    }

    /// Where the processor has AVX-512 but not the byte lookups, eight region-runs'
    /// trainee passes run side by side (`trainee_lanes`): the same bits as each pass
    /// year by year, whatever this processor picks for the model.
    #[test]
    #[cfg_attr(not(fastlakare_avx512), ignore = "this processor has no AVX-512")]
    fn trainee_passes_side_by_side_are_each_pass_alone() {
        #[cfg(target_arch = "x86_64")]
        {
            let lanes = crate::lanes::Lanes::cpu().expect("built where the processor has AVX-512");
            let years = 101;
            let stride = STOCKS * years;
            let policies = [
                IntakePolicy::default(),
                IntakePolicy {
                    rules: vec![(10, 30, IntakeChange::Multiply(1.5))],
                    cap_per_year: Some(60.0),
                },
            ];
            let mut compared = 0;
            for (g, policy) in policies.iter().enumerate() {
                let batch: Vec<RegionInputs> = (0..8)
                    .map(|i| RegionInputs {
                        trainees: 10.0 + 90.0 * i as f64,
                        duration: Cow::Owned(DurationDist::new(
                            7.0 + 0.2 * i as f64,
                            1.5,
                            TRAINING,
                        )),
                        intake_growth_per_year: 0.01 * (i % 3) as f64,
                        intake: Cow::Borrowed(policy),
                        ..inputs()
                    })
                    .collect();
                let keys: [u64; 8] =
                    std::array::from_fn(|i| stream_key(3, i as u32, g as u64, Purpose::Noise));
                let mut noises = keys.map(Noise::binomial);
                let mut values = vec![0.0; 8 * stride];
                #[allow(unsafe_code)]
                // SAFETY: `Lanes::detect` found the features.
                let side_by_side =
                    unsafe { trainee_lanes(lanes, &batch, &keys, &mut noises, &mut values, years) };
                assert!(side_by_side, "policy {g}");
                for (i, inp) in batch.iter().enumerate() {
                    let (mut c, mut s) = (vec![0.0; years], vec![0.0; years]);
                    trainee_pass(Bytes16, inp, &mut Noise::binomial(keys[i]), &mut c, &mut s);
                    let x = &values[i * stride..(i + 1) * stride];
                    let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&x[years..2 * years]), bits(&c), "policy {g}, run {i}");
                    assert_eq!(
                        bits(&x[2 * years..3 * years]),
                        bits(&s),
                        "policy {g}, run {i}"
                    );
                    compared += 1;
                }
            }
            assert_eq!(compared, 16);
        }
    }

    #[test]
    fn round_non_negative_is_round_then_max_zero() {
        let mut cases = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -0.5,
            -2.7,
            0.49999999999999994,
            4_503_599_627_370_495.5,
            4_503_599_627_370_497.0,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        cases.extend((0..20_000).map(|i| (i as f64 - 1000.0) * 0.0137));
        for x in cases {
            let want = x.round().max(0.0);
            assert_eq!(round_non_negative(x), want, "{x}");
            assert!(!round_non_negative(x).is_sign_negative(), "{x}");
        }
    }

    /// The year-to-target test without a division is `coverage >= 1` exactly: at and
    /// a few doubles either side of equality, for random stocks, NaN and zero
    /// populations included.
    #[test]
    fn coverage_test_without_division() {
        use rand::{Rng, SeedableRng};
        let g = Guideline::default();
        let mut gen = NoiseRng::seed_from_u64(3);
        let step = |x: f64, k: i64| f64::from_bits((x.to_bits() as i64 + k) as u64);
        let mut checked = 0;
        for _ in 0..20_000 {
            let (fte, trainees) = (gen.random_range(0.0..3000.0), gen.random_range(0.0..3000.0));
            let x = covered_numerator(&g, fte, trainees);
            let mut populations = vec![gen.random_range(1.0..1e7), 0.0, f64::NAN];
            if x > 0.0 {
                populations.extend((-3..=3).map(|k| step(x, k)));
            }
            for p in populations {
                assert_eq!(
                    covered(&g, fte, trainees, p),
                    coverage(&g, fte, trainees, p) >= 1.0,
                    "fte {fte} trainees {trainees} population {p}"
                );
                checked += 1;
            }
        }
        assert!(checked > 100_000);
    }

    /// The reference (`reference::run_year_by_year`), its stocks and year to target.
    fn year_by_year(inp: &RegionInputs, horizon: u32, noise: Noise) -> (Vec<f64>, Option<u32>) {
        let years = horizon as usize + 1;
        let mut buf = vec![0.0; STOCKS * years];
        let y = run_year_by_year(
            inp,
            &Guideline::default(),
            horizon,
            noise,
            &mut Trajectory {
                years,
                values: &mut buf,
            },
        );
        (buf, y)
    }

    /// `run_region`'s two passes give every stock of every year, bit for bit, that
    /// the year-by-year step gives, from the same streams: in both modes, for regions
    /// small and large, with growing intake, a scenario's rules, a cap, splits too
    /// wide to pack and cohorts past the packed placement's 2 000 people. The reference
    /// counts bytes 16 at a time; `run_region` 64 at a time where there is AVX-512, so
    /// this also checks that the two give the same model.
    #[test]
    fn passes_are_the_year_by_year_step() {
        use rand::{Rng, SeedableRng};
        let mut gen = NoiseRng::seed_from_u64(21);
        let wide = Training {
            min_years: 3,
            max_years: 16,
        };
        let mut checked = 0;
        for case in 0..60u64 {
            let mut inp = inputs();
            inp.trainees = gen.random_range(0.0..900.0);
            inp.headcount = gen.random_range(0.0..1500.0);
            inp.intake_growth_per_year = gen.random_range(0.0..0.06);
            inp.exit_per_year = gen.random_range(0.0..0.2);
            inp.primary_care_uptake = gen.random_range(0.0..1.0);
            let (mean, sd) = (gen.random_range(5.0..11.0), gen.random_range(0.0..3.0));
            inp.duration = Cow::Owned(DurationDist::new(
                mean,
                sd,
                if case % 5 == 4 { wide } else { TRAINING },
            ));
            if case % 3 == 1 {
                inp.intake.to_mut().rules = vec![(3, 9, IntakeChange::Multiply(2.5))];
                inp.intake.to_mut().cap_per_year = Some(gen.random_range(10.0..3000.0));
            }
            if case % 7 == 6 {
                inp.intake.to_mut().rules = vec![(1, 60, IntakeChange::TraineesPerYear(2500.0))];
            }
            let key = stream_key(case, 3, 5, Purpose::Noise);
            for noise in [|k| Noise::binomial(k), |_| Noise::Expected] {
                let (got, got_year) = run(&inp, 60, noise(key));
                let (want, want_year) = year_by_year(&inp, 60, noise(key));
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "case {case}: {inp:?}");
                assert_eq!(got_year, want_year, "case {case}");
                checked += 1;
            }
        }
        assert_eq!(checked, 120);
    }

    #[test]
    fn duration_mean_is_exact_and_floor_respected() {
        for &(mean, sd) in &[
            (8.0, 1.5),
            (7.0, 1.5),
            (9.5, 3.0),
            (5.2, 0.5),
            (11.9, 2.0),
            (8.3, 0.0),
        ] {
            let d = DurationDist::new(mean, sd, TRAINING);
            assert!(
                (d.mean_years - mean).abs() < 1e-10,
                "{mean} {sd}: {}",
                d.mean_years
            );
            assert!((d.probs.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert_eq!(d.prob(4), 0.0);
            assert!(d.probs.iter().all(|&p| p >= 0.0));
        }
        let d = DurationDist::new(8.0, 1.5, TRAINING);
        let fr = d.forward_recurrence();
        assert!((fr.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(fr[d.max_years() - 1] > 0.0 && fr[d.max_years()..].iter().all(|&p| p == 0.0));
        assert!((fr[0] - 1.0 / 8.0).abs() < 1e-12);
    }

    #[test]
    fn constant_intake_keeps_trainees_steady() {
        let (buf, _) = run(&inputs(), 30, Noise::Expected);
        for t in 0..=30 {
            assert!(
                (stock_at(&buf, 31, Stock::Trainees, t) - 40.0).abs() < 1e-9,
                "year {t}"
            );
        }
    }

    /// MODEL.md's year step by hand, for a region where every trainee takes exactly
    /// 5 years (min = max = 5): P(R = k) = 1/5, so 8 of 40 complete each year.
    #[test]
    fn expected_mode_equals_hand_computation() {
        let mut inp = inputs();
        inp.duration = Cow::Owned(DurationDist::new(
            5.0,
            0.0,
            Training {
                min_years: 5,
                max_years: 5,
            },
        ));
        inp.intake_growth_per_year = 0.02;
        let (buf, _) = run(&inp, 3, Noise::Expected);
        let at = |s, t| stock_at(&buf, 4, s, t);
        // By hand: completers 8 each year for t=1..3 (today's trainees, 1/5 each year;
        // new cohorts need 5 years); intake I_t = 8 * 1.02^t.
        let (mut s_init, mut s_joined, mut t_stock, mut pop) = (50.0, 0.0, 40.0, 100_000.0);
        for t in 1..=3 {
            s_joined += 8.0 * 0.95 * 0.6;
            s_init *= 0.95;
            s_joined *= 0.95;
            pop *= 1.01;
            t_stock += 8.0 * 1.02f64.powi(t) - 8.0;
            let tt = t as usize;
            assert!((at(Stock::Specialists, tt) - (s_init + s_joined)).abs() < 1e-9);
            assert!((at(Stock::SpecialistsFte, tt) - (0.8 * s_init + 0.9 * s_joined)).abs() < 1e-9);
            assert!((at(Stock::Trainees, tt) - t_stock).abs() < 1e-9);
            assert!((at(Stock::Population, tt) - pop).abs() < 1e-6);
        }
        // And the numbers themselves, so the loop above cannot agree with a wrong model.
        assert!((at(Stock::Specialists, 1) - (47.5 + 4.332)).abs() < 1e-9);
    }

    #[test]
    fn already_at_target_is_year_zero_and_unreachable_is_none() {
        let mut inp = inputs();
        inp.population = 10_000.0;
        assert_eq!(run(&inp, 10, Noise::Expected).1, Some(0));
        inp.population = 1e9;
        assert_eq!(run(&inp, 10, Noise::Expected).1, None);
    }

    #[test]
    fn binomial_counts_are_whole_and_never_negative() {
        let mut inp = inputs();
        inp.exit_per_year = 0.6;
        inp.intake_growth_per_year = -0.2;
        for run_idx in 0..200 {
            let key = stream_key(9, run_idx, 1, Purpose::Noise);
            let (buf, _) = run(&inp, 60, Noise::binomial(key));
            for t in 0..=60 {
                for s in [Stock::Specialists, Stock::Trainees] {
                    let v = stock_at(&buf, 61, s, t);
                    assert!(v >= 0.0 && v.fract() == 0.0, "run {run_idx} year {t}: {v}");
                }
            }
        }
    }

    #[test]
    fn binomial_mean_tracks_expected_mode() {
        let inp = inputs();
        let (expected, _) = run(&inp, 20, Noise::Expected);
        let n = 4000;
        let mut sum = 0.0;
        let mut sumsq = 0.0;
        for r in 0..n {
            let key = stream_key(1, r, 2, Purpose::Noise);
            let (buf, _) = run(&inp, 20, Noise::binomial(key));
            let v = stock_at(&buf, 21, Stock::Specialists, 20);
            sum += v;
            sumsq += v * v;
        }
        let mean = sum / f64::from(n);
        let se = ((sumsq / f64::from(n) - mean * mean) / f64::from(n)).sqrt();
        let e = stock_at(&expected, 21, Stock::Specialists, 20);
        // Rounding of the initial stocks and intake moves the mean by well under 1.
        assert!(
            (mean - e).abs() < 5.0 * se + 1.0,
            "binomial mean {mean} vs expected {e} (se {se})"
        );
    }

    #[test]
    fn dlf_recursion_matches_the_closed_form() {
        // Jönköping in DLF's table: need 289, S 209, st 138.
        let inp = DlfInputs {
            need: 289.0,
            specialists: 209.0,
            trainees: 138.0,
            population: 368_856.0,
        };
        let years = inp.formula_years().unwrap();
        assert!((years - 14.06).abs() < 0.01, "{years}");
        let mut buf = vec![0.0; STOCKS * 401];
        let y = run_dlf(
            &inp,
            400,
            &mut Trajectory {
                years: 401,
                values: &mut buf,
            },
        )
        .unwrap();
        assert_eq!(f64::from(y), years.ceil());
    }

    #[test]
    fn intake_rules_multiply_replace_and_cap_in_order() {
        let p = IntakePolicy {
            rules: vec![
                (3, 12, IntakeChange::Multiply(2.0)),
                (10, 11, IntakeChange::TraineesPerYear(7.0)),
            ],
            cap_per_year: Some(30.0),
        };
        assert_eq!(p.apply(2, 10.0), 10.0, "before the span: the default");
        assert_eq!(p.apply(3, 10.0), 20.0);
        assert_eq!(p.apply(12, 10.0), 20.0, "the span includes its last year");
        assert_eq!(p.apply(13, 10.0), 10.0, "then back");
        assert_eq!(p.apply(10, 10.0), 7.0, "a later rule replaces");
        assert_eq!(p.apply(5, 20.0), 30.0, "the cap applies last");
        assert_eq!(IntakePolicy::default().apply(4, 12.5), 12.5);
    }

    #[test]
    fn doubled_intake_in_expected_mode_adds_exactly_the_extra_trainees() {
        // Expected mode, no growth: the baseline keeps T0 steady; doubling intake in
        // years 1..=3 adds 3 x I0 trainees by year 3 (none can finish before 5 years).
        let base = inputs();
        let mut doubled = inputs();
        doubled.intake = Cow::Owned(IntakePolicy {
            rules: vec![(1, 3, IntakeChange::Multiply(2.0))],
            cap_per_year: None,
        });
        let (a, _) = run(&base, 10, Noise::Expected);
        let (b, _) = run(&doubled, 10, Noise::Expected);
        let i0 = base.trainees / base.duration.mean_years;
        let t3 = |buf: &[f64]| stock_at(buf, 11, Stock::Trainees, 3);
        assert!((t3(&a) - base.trainees).abs() < 1e-9);
        assert!((t3(&b) - t3(&a) - 3.0 * i0).abs() < 1e-9);
        for t in 0..=4 {
            assert_eq!(
                stock_at(&a, 11, Stock::Specialists, t),
                stock_at(&b, 11, Stock::Specialists, t),
                "year {t}: no extra trainee has finished yet"
            );
        }
    }

    /// Chi-square of category totals against `probs` (cells with expected count >= 5).
    fn chi_square_of(counts: &[u64], probs: &[f64]) -> (f64, usize) {
        let total: u64 = counts.iter().sum();
        let (mut chi, mut cells) = (0.0, 0);
        for (&c, &p) in counts.iter().zip(probs) {
            let e = p * total as f64;
            if e >= 5.0 {
                chi += (c as f64 - e).powi(2) / e;
                cells += 1;
            } else {
                assert!(c < 40, "a category of expected count {e} got {c}");
            }
        }
        (chi, cells - 1)
    }

    /// The chi-square 99.99th percentile on `df` degrees of freedom (Wilson-Hilferty).
    fn chi_limit(df: usize) -> f64 {
        let d = df as f64;
        d * (1.0 - 2.0 / (9.0 * d) + 3.719 * (2.0 / (9.0 * d)).sqrt()).powi(3)
    }

    /// Eight people to a number places people with the categories' probabilities, a
    /// category narrower than a guide slice included (reached only through the 45
    /// extra bits of its slice's people), for counts from 0 to 499, partial vectors
    /// included.
    #[test]
    fn packed_placement_draws_the_categories_probabilities() {
        use rand::SeedableRng;
        let baseline = DurationDist::new(8.0, 1.5, TRAINING).probs;
        let cases: [&[f64]; 4] = [
            &baseline,
            &[0.3, 0.001, 0.0, 0.699],
            &[1.0],
            &[0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125],
        ];
        for (i, probs) in cases.into_iter().enumerate() {
            let split = Split::new(probs, true);
            assert!(split.packed);
            assert!(
                split.open_len < probs.len().max(2),
                "{i}: {} open",
                split.open_len
            );
            let mut rng = NoiseRng::seed_from_u64(70 + i as u64);
            let mut totals = vec![0u64; probs.len()];
            for &n in [0u64, 1, 7, 8, 9, 248, 249, 499].iter().cycle().take(8_000) {
                let mut counts = [0u32; PACKED_CATEGORIES];
                place_packed(Lanes::Narrow, &split, &mut rng, n, &mut counts);
                assert_eq!(counts.iter().map(|&c| u64::from(c)).sum::<u64>(), n, "{i}");
                for (t, &c) in totals.iter_mut().zip(&counts) {
                    *t += u64::from(c);
                }
                assert!(counts[probs.len()..].iter().all(|&c| c == 0));
            }
            if probs.len() > 1 {
                let (chi, df) = chi_square_of(&totals, probs);
                assert!(
                    chi < chi_limit(df),
                    "case {i}: chi-square {chi:.1} on {df} df"
                );
            }
            if i == 1 {
                assert_eq!(totals[2], 0, "a category of probability 0 stays empty");
                assert!(totals[1] > 0);
            }
        }
    }

    /// The ways of counting bytes this processor has: 16 a vector always, 64 where it
    /// has AVX-512 (said on stderr where it has not, so a run shows what was tested).
    fn lanes_here() -> [Option<Lanes>; 2] {
        let wide = Avx512::cpu().map(Lanes::Wide);
        if wide.is_none() {
            eprintln!("no AVX-512 here: the 64-byte count is not tested");
        }
        [Some(Lanes::Narrow), wide]
    }

    #[derive(Debug, Clone, Copy)]
    enum Lanes {
        Narrow,
        Wide(Avx512),
    }

    /// [`Split::place_packed`] by either way of counting.
    fn place_packed(
        lanes: Lanes,
        split: &Split<'_>,
        rng: &mut impl RngCore,
        n: u64,
        counts: &mut [u32; PACKED_CATEGORIES],
    ) {
        let put = |k: usize, c: u32| counts[k] += c;
        match lanes {
            Lanes::Narrow => split.place_packed(Bytes16, rng, n, put),
            Lanes::Wide(l) => split.place_packed(l, rng, n, put),
        }
    }

    /// [`ByteLanes::count`] by either way of counting.
    fn counted_bytes(
        lanes: Lanes,
        rng: &mut impl RngCore,
        n: u64,
        top_bytes: &PerBoundary<u8>,
        open: &PerBoundary<u8>,
    ) -> ByteCounts {
        match lanes {
            Lanes::Narrow => Bytes16.count(rng, n, top_bytes, open),
            Lanes::Wide(l) => l.count(rng, n, top_bytes, open),
        }
    }

    /// `tries` random splits of 1 to `max_categories` categories from `seed`, a fifth of
    /// the categories empty (a draw whose categories are all empty is skipped).
    fn random_splits(seed: u64, tries: usize, max_categories: usize) -> Vec<Vec<f64>> {
        use rand::{Rng, SeedableRng};
        let mut gen = NoiseRng::seed_from_u64(seed);
        let mut splits = Vec::new();
        for _ in 0..tries {
            let n = gen.random_range(1..=max_categories);
            let w: Vec<f64> = (0..n)
                .map(|_| {
                    if gen.random_bool(0.2) {
                        0.0
                    } else {
                        gen.random::<f64>()
                    }
                })
                .collect();
            let total: f64 = w.iter().sum();
            if total > 0.0 {
                splits.push(w.iter().map(|x| x / total).collect());
            }
        }
        splits
    }

    /// The guide and packed tables, filled a run per category, are what a walk over
    /// every slice (the definition: each slice's first and last uniform's category)
    /// gives: thresholds on, just off and inside slice edges, empty categories, a
    /// total of 1 reached early, and random splits.
    #[test]
    fn split_tables_are_each_slices_categories() {
        let edge = 1.0 / GUIDE_SLICES as f64;
        let mut cases: Vec<Vec<f64>> = vec![
            DurationDist::new(8.0, 1.5, TRAINING).probs,
            vec![0.3, 0.001, 0.0, 0.699],
            vec![1.0],
            vec![0.5, 0.5, 0.0, 0.0],
            vec![edge, edge, 1.0 - 2.0 * edge],
            vec![edge * 0.5, edge * 0.25, 0.0, 1.0 - edge * 0.75],
            vec![0.0, 0.0, 1.0],
            vec![0.1; 10],
        ];
        cases.extend(random_splits(5, 300, MAX_DURATION_YEARS.min(12)));
        for probs in &cases {
            let split = Split::new(probs, true);
            let mut open = Vec::new();
            for g in 0..GUIDE_SLICES {
                let first = (g as u64) << GUIDE_SHIFT;
                let last = first + (1 << GUIDE_SHIFT) - 1;
                let (k_first, k_last) = (split.category(first), split.category(last));
                let k_walk = (0..).find(|&k| split.thresholds[k] > first).unwrap();
                assert_eq!(usize::from(split.guide[g]), k_walk, "{probs:?} slice {g}");
                if k_first != k_last {
                    open.push(g as u8);
                }
            }
            assert_eq!(split.packed, probs.len() <= PACKED_CATEGORIES);
            if split.packed {
                assert_eq!(&split.open[..split.open_len], &open[..], "{probs:?}");
                for (k, &t) in split.thresholds[..PACKED_CATEGORIES - 1].iter().enumerate() {
                    if split.all_below & (1 << k) != 0 {
                        assert!(t >= 1 << 53, "{probs:?} boundary {k}");
                    } else {
                        assert_eq!(u64::from(split.top_bytes[k]), t >> GUIDE_SHIFT);
                    }
                }
            }
        }
    }

    /// The definition `place_packed` counts instead of following: person j's top byte
    /// is byte `j % 8` (from the lowest) of number `j / 8`; a person outside the open
    /// slices takes their slice's only category, and those in open slices are placed
    /// after every byte, slice by slice in order, by 45 more bits each.
    fn place_one_by_one(
        split: &Split<'_>,
        rng: &mut impl RngCore,
        n: u64,
    ) -> [u32; PACKED_CATEGORIES] {
        let mut counts = [0u32; PACKED_CATEGORIES];
        let mut in_open = [0u32; PACKED_CATEGORIES - 1];
        let open = &split.open[..split.open_len];
        let mut left = n;
        while left > 0 {
            let x = rng.next_u64();
            for j in 0..left.min(8) {
                let b = (x >> (8 * j)) as u8;
                match open.iter().position(|&g| g == b) {
                    Some(i) => in_open[i] += 1,
                    None => counts[split.category(u64::from(b) << GUIDE_SHIFT)] += 1,
                }
            }
            left = left.saturating_sub(8);
        }
        for (&g, &c) in open.iter().zip(&in_open) {
            for _ in 0..c {
                let u = u64::from(g) << GUIDE_SHIFT | rng.next_u64() >> (64 - GUIDE_SHIFT);
                counts[split.category(u)] += 1;
            }
        }
        counts
    }

    /// Counting the bytes places everyone where the person-by-person definition does,
    /// from the same numbers (the generator is left where the definition leaves it):
    /// for splits with empty, narrow and boundary-sharing categories, open slices at
    /// 0 and 0xff, and counts from 0 to the most a call counts.
    #[test]
    fn counted_placement_is_the_person_by_person_one() {
        use rand::SeedableRng;
        let edge = 1.0 / GUIDE_SLICES as f64;
        let mut cases: Vec<Vec<f64>> = vec![
            DurationDist::new(8.0, 1.5, TRAINING).probs,
            vec![0.3, 0.001, 0.0, 0.699],
            vec![1.0],
            vec![edge * 0.3, 1.0 - edge * 0.6, edge * 0.3],
            vec![0.0005, 0.0005, 0.999],
            vec![0.5, 0.5, 0.0, 0.0],
            vec![0.125; 8],
        ];
        cases.extend(random_splits(9, 200, PACKED_CATEGORIES));
        let opens_at_edges = cases.iter().filter(|p| {
            let s = Split::new(p, true);
            s.open[..s.open_len].iter().any(|&g| g == 0 || g == u8::MAX)
        });
        assert!(
            opens_at_edges.count() >= 2,
            "cases with open slices 0 and 0xff"
        );
        for lanes in lanes_here().into_iter().flatten() {
            for (i, probs) in cases.iter().enumerate() {
                let split = Split::new(probs, true);
                for n in [
                    0,
                    1,
                    7,
                    8,
                    9,
                    15,
                    16,
                    17,
                    52,
                    63,
                    64,
                    65,
                    248,
                    249,
                    1999,
                    MAX_COUNTED,
                ] {
                    let mut a = NoiseRng::seed_from_u64(i as u64 * 7919 + n);
                    let mut b = a.clone();
                    let mut counts = [0u32; PACKED_CATEGORIES];
                    place_packed(lanes, &split, &mut a, n, &mut counts);
                    assert_eq!(
                        counts,
                        place_one_by_one(&split, &mut b, n),
                        "{lanes:?}: {probs:?}, n {n}"
                    );
                    assert_eq!(a.next_u64(), b.next_u64(), "{lanes:?}: {probs:?}, n {n}");
                }
            }
        }
    }

    /// The 16- and 64-bytes-at-a-time counts are the byte-at-a-time one, for any top
    /// bytes and open slices (0 and 0xff among them) and every count up to the most per
    /// call.
    #[test]
    fn vector_byte_count_is_the_scalar_one() {
        use rand::{Rng, SeedableRng};
        let mut gen = NoiseRng::seed_from_u64(4);
        for case in 0..400u64 {
            let mut top_bytes = [0u8; PACKED_CATEGORIES - 1];
            let mut open = [0u8; PACKED_CATEGORIES - 1];
            for b in top_bytes.iter_mut().chain(open.iter_mut()) {
                *b = match gen.random_range(0..4) {
                    0 => 0,
                    1 => u8::MAX,
                    _ => gen.random(),
                };
            }
            let n = if case < 40 {
                case
            } else {
                gen.random_range(0..=MAX_COUNTED)
            };
            for lanes in lanes_here().into_iter().flatten() {
                let mut a = NoiseRng::seed_from_u64(case);
                let mut b = a.clone();
                assert_eq!(
                    counted_bytes(lanes, &mut a, n, &top_bytes, &open),
                    count_bytes_scalar(&mut b, n, &top_bytes, &open),
                    "{lanes:?}: n {n}, top bytes {top_bytes:?}, open {open:?}"
                );
                assert_eq!(a.next_u64(), b.next_u64(), "{lanes:?}: n {n}");
            }
        }
    }

    /// The packed placement's refinement counts the boundaries a uniform has passed
    /// (`Split::boundaries_passed`) instead of searching from the guide: the same
    /// category for every uniform, at and either side of each threshold, for splits
    /// with empty and narrow categories.
    #[test]
    fn boundaries_passed_is_the_category() {
        use rand::{Rng, SeedableRng};
        let baseline = DurationDist::new(8.0, 1.5, TRAINING).probs;
        let cases: [&[f64]; 4] = [
            &baseline,
            &[0.3, 0.001, 0.0, 0.699],
            &[1.0],
            &[0.0, 0.0, 0.5, 0.5, 0.0],
        ];
        let mut gen = NoiseRng::seed_from_u64(12);
        for probs in cases {
            let split = Split::new(probs, true);
            let mut us: Vec<u64> = (0..20_000).map(|_| gen.random::<u64>() >> 11).collect();
            for &t in &split.thresholds[..probs.len() - 1] {
                us.extend([t.saturating_sub(1), t, t + 1].map(|u| u.min((1 << 53) - 1)));
            }
            for u in us {
                assert_eq!(
                    split.boundaries_passed(u),
                    split.category(u),
                    "{probs:?} at {u}"
                );
            }
        }
    }

    /// Splits of more categories than a tally has lanes go person by person, one
    /// number each, and draw the categories' probabilities too.
    #[test]
    fn wide_splits_are_placed_one_number_a_person() {
        let wide = DurationDist::new(
            9.0,
            3.0,
            Training {
                min_years: 3,
                max_years: 16,
            },
        );
        let split = Split::new(&wide.probs, true);
        assert!(!split.packed);
        let mut noise = Noise::binomial(stream_key(3, 0, 1, Purpose::Noise));
        let mut totals = vec![0u64; wide.probs.len()];
        for _ in 0..4000 {
            noise.split_small(120.0, &split, |k, x| totals[k] += x as u64);
        }
        let (chi, df) = chi_square_of(&totals, &wide.probs);
        assert!(chi < chi_limit(df), "chi-square {chi:.1} on {df} df");
    }

    #[test]
    fn noise_of_one_event_does_not_shift_another() {
        // Common random numbers: a change to the intake leaves the exits of today's
        // specialists exactly as they were, because each (year, event) has its own
        // sub-stream.
        let base = inputs();
        let mut more = inputs();
        more.intake = Cow::Owned(IntakePolicy {
            rules: vec![(1, 30, IntakeChange::Multiply(3.0))],
            cap_per_year: None,
        });
        let mut changed_runs = 0;
        for r in 0..50 {
            let key = stream_key(5, r, 3, Purpose::Noise);
            let (a, _) = run(&base, 30, Noise::binomial(key));
            let (b, _) = run(&more, 30, Noise::binomial(key));
            // Before the first extra trainee can finish (5 years), the specialist
            // stock is identical draw for draw.
            for t in 0..=5 {
                assert_eq!(
                    stock_at(&a, 31, Stock::Specialists, t),
                    stock_at(&b, 31, Stock::Specialists, t),
                    "run {r} year {t}"
                );
            }
            changed_runs += usize::from(a[..] != b[..]);
        }
        assert_eq!(changed_runs, 50, "the scenario did change every run");
    }
}
