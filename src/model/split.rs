//! A cohort split over categories (durations or remaining years): by successive
//! binomials, person by person over a guide table, or packed, eight people to a
//! 64-bit number with their bytes counted.

use super::*;
use crate::binomial::UNIT_SCALE;

/// Below this many people, a split over durations goes person by person (one draw and
/// about one comparison each) rather than by one conditional binomial per duration,
/// each with its set-up; `cargo bench` found 150 to 250 fastest (docs/performance.md).
/// It applies to splits too wide to be packed (more than [`PACKED_CATEGORIES`]).
pub(in crate::model) const SMALL_COUNT: f64 = 250.0;
/// The same for splits of at most [`PACKED_CATEGORIES`] categories, placed eight people
/// to a 64-bit number (`Split::place_packed`): a person costs a fraction of a
/// nanosecond (their bytes counted 16 or 64 at a time), so person by person pays longer.
pub(in crate::model) const PACKED_COUNT: f64 = 2000.0;
/// Splits with at most this many categories (so at most seven boundaries and seven
/// boundary slices to count bytes against) are placed eight people to a number.
pub(in crate::model) const PACKED_CATEGORIES: usize = 8;

/// Categories with probabilities `probs` (summing to 1), for multinomial draws by
/// successive binomials (category i's probability given not i' < i) and, if prepared
/// for it, person by person (a guide table over the cumulative probabilities).
pub(in crate::model) struct Split<'a> {
    pub(in crate::model) probs: &'a [f64],
    /// The last category with a positive probability: it takes whoever is left.
    pub(in crate::model) last: usize,
    /// `ceil(cdf[k] * 2^53)` (the last: never reached): a person with 53-bit uniform
    /// `u` is past category k exactly when `u >= thresholds[k]`, i.e. when
    /// `cdf[k] <= u / 2^53`, compared in integers.
    pub(in crate::model) thresholds: [u64; MAX_DURATION_YEARS],
    /// The category of the smallest `u` of each of 256 equal slices of [0, 2^53), where
    /// the search for a `u` in that slice starts (Chen and Asau's guide table): one
    /// comparison per person instead of one per category, and, with the categories'
    /// few boundaries in few slices, a second one (a mispredicted branch) rarely.
    pub(in crate::model) guide: [u8; GUIDE_SLICES],
    /// Whether the fields below are filled (binomial draws, at most
    /// [`PACKED_CATEGORIES`] categories).
    pub(in crate::model) packed: bool,
    /// Per boundary k (of the first `PACKED_CATEGORIES - 1`): the top byte of its
    /// threshold, a person with a smaller top byte being certainly below it; the
    /// boundaries at or past 2^53 (everyone below) are flagged in `all_below`.
    pub(in crate::model) top_bytes: [u8; PACKED_CATEGORIES - 1],
    /// Bit k: everyone is below boundary k.
    pub(in crate::model) all_below: u8,
    /// Per boundary: how many open slices lie below it (all, where everyone is).
    pub(in crate::model) open_below: [u8; PACKED_CATEGORIES - 1],
    /// The slices with a category boundary inside (at most one fewer than categories),
    /// in increasing order: their people are placed by 45 more bits each.
    pub(in crate::model) open: [u8; PACKED_CATEGORIES - 1],
    pub(in crate::model) open_len: usize,
}

pub(in crate::model) const GUIDE_SLICES: usize = 256;
/// A 53-bit uniform's slice of the guide table is its top 8 bits.
pub(in crate::model) const GUIDE_SHIFT: u32 = 53 - GUIDE_SLICES.trailing_zeros();

impl<'a> Split<'a> {
    /// `per_person`: whether people will be placed one by one (`Noise::split_small`),
    /// which needs the tables; successive binomials and expectations need only `probs`.
    pub(in crate::model) fn new(probs: &'a [f64], per_person: bool) -> Split<'a> {
        Split::with_guide(probs, per_person, per_person)
    }

    /// As [`Split::new`] for people placed by their bytes alone, side by side
    /// (`trainee_years_lanes`): without the guide, which only a search one person at a
    /// time reads.
    pub(in crate::model) fn packed_without_guide(probs: &'a [f64]) -> Split<'a> {
        Split::with_guide(probs, true, false)
    }

    pub(in crate::model) fn with_guide(
        probs: &'a [f64],
        per_person: bool,
        guide: bool,
    ) -> Split<'a> {
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
        // (which, with the tables' 4 KB, showed in the baseline's profile, once per
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
    /// several narrower stores, waited for them to retire (the profile's samples piled
    /// up on the instruction after it).
    #[inline(always)]
    pub(in crate::model) fn place_packed(
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
    pub(in crate::model) fn boundaries_passed(&self, u: u64) -> usize {
        self.thresholds[..PACKED_CATEGORIES - 1]
            .iter()
            .map(|&t| usize::from(t <= u))
            .sum()
    }

    /// The category of a person with 53-bit uniform `u`.
    #[inline]
    pub(in crate::model) fn category(&self, u: u64) -> usize {
        let mut k = usize::from(self.guide[(u >> GUIDE_SHIFT) as usize]);
        while self.thresholds[k] <= u {
            k += 1;
        }
        k
    }
}
