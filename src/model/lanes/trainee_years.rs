//! The first pass of one region-run with eight intake years side by side (AVX-512
//! with byte lookups: VBMI, GFNI, BITALG).

use std::arch::x86_64::*;

use super::{Lookups, LANES};
use crate::model::lanes;
use crate::model::*;

/// A packed split's boundaries (at most seven).
const B: usize = PACKED_CATEGORIES - 1;
/// Vectors of people a byte counter takes (at most 8 a vector) before it is emptied
/// into 16-bit ones.
const ROUNDS: usize = 255 / 8;

/// The first pass of eight region-runs of binomial noise, each with its
/// years side by side ([`trainee_years_lanes`]), their intakes admitted in lanes
/// ([`admit_lanes`]); false, with nothing the one-at-a-time pass would not
/// overwrite, where some region-run cannot be.
#[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vbmi,gfni,avx512bitalg")]
pub(in crate::model) fn trainee_years_each(
    lookups: Lookups,
    inputs: &[RegionInputs<'_>],
    noises: &mut [Noise; LANES],
    values: &mut [f64],
    years: usize,
    placed: &mut [Placed; LANES],
) -> bool {
    if !admit_lanes(inputs, noises, values, years) {
        return false;
    }
    let stride = STOCKS * years;
    for (j, x) in values.chunks_mut(stride).enumerate() {
        let (_, rest) = x.split_at_mut(years);
        let (completions, rest) = rest.split_at_mut(years);
        let trainees = &mut rest[..years];
        let (inp, noise) = (&inputs[j], &mut noises[j]);
        let placed = &mut placed[j];
        if !trainee_years_lanes(lookups, inp, noise, completions, trainees, placed, true) {
            return false;
        }
    }
    true
}

/// [`trainee_pass`] for one region-run of binomial noise, eight intake years
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
#[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vbmi,gfni,avx512bitalg")]
pub(in crate::model) fn trainee_years_lanes(
    _lookups: Lookups,
    inp: &RegionInputs,
    noise: &mut Noise,
    completions: &mut [f64],
    trainees: &mut [f64],
    placed: &mut Placed,
    admitted: bool,
) -> bool {
    let Noise::Binomial { key, .. } = *noise else {
        return false;
    };
    let years = trainees.len();
    let split = Split::packed_without_guide(&inp.duration.probs);
    if !split.packed {
        return false;
    }
    let trainees0 = initial_trainees(inp, noise, completions, trainees);
    placed.initial.copy_from_slice(completions);
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
    let table = YearTable::new(&split);
    // A block's count, then the previous block's placement: the open slices' people
    // loop until the block's most, known only once its bytes are counted (a chain of
    // some hundred cycles), and that loop's exit, mispredicted about once a block,
    // resolved so late that nothing of the next block could start before it. A block
    // behind, its counts are in when the loop starts.
    // `carry`: completions of the block's years due in the next block's eight years.
    let mut carry = _mm512_setzero_pd();
    let mut counted = None;
    for t0 in (1..years).step_by(LANES).map(Some).chain([None]) {
        let next = t0.map(|t0| table.count_block(key, trainees, t0));
        let Some(block) = std::mem::replace(&mut counted, next) else {
            continue;
        };
        let t0 = block.t0;
        let people = table.place(block);
        let k = placed.categories;
        for (i, &c) in people.iter().enumerate().take(k) {
            for (l, &x) in lanes::unload(_mm512_cvtepi64_pd(c)).iter().enumerate() {
                if let Some(p) = placed.by_category.get_mut((t0 + l) * k + i) {
                    *p = x;
                }
            }
        }
        // Category k of lane l completes in year t0 + first + l + k: the block's
        // completions are in the sixteen years from t0 + first on, the first eight
        // (`due`) now complete, the last eight carried into the next block's. Whole
        // numbers below 2^53: the sums are exact in any order.
        let (mut due_people, mut later_people) = (_mm512_setzero_si512(), _mm512_setzero_si512());
        for (k, &c) in people.iter().enumerate() {
            let (now, later) = lanes::shift_up(c, k);
            due_people = _mm512_add_epi64(due_people, now);
            later_people = _mm512_add_epi64(later_people, later);
        }
        let due = _mm512_add_pd(carry, _mm512_cvtepi64_pd(due_people));
        carry = _mm512_add_pd(_mm512_setzero_pd(), _mm512_cvtepi64_pd(later_people));
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

/// A block of eight intake years counted ([`YearTable::count_block`]): per lane (a
/// year), its intake `n`, its sub-stream where the counting left it, and the people
/// below each boundary and in each open slice, in 16-bit fields (bytes 0, 2, 4, 6 of
/// the byte counters in `[0]`, 1, 3, 5, 7 in `[1]`).
struct Block {
    t0: usize,
    n: __m512i,
    state: __m512i,
    below: [__m512i; 2],
    in_open: [__m512i; 2],
}

/// One region-run's split as vectors, for counting and placing a block of its intake
/// years.
struct YearTable<'a> {
    split: &'a Split<'a>,
    /// Four vectors (bytes 0-63, 64-127, ...): bit k (below 7) of byte v is whether v
    /// is below boundary k's top byte (everyone is below a boundary past 2^53), bit 7
    /// whether v is an open slice. The first seven bits are a thermometer (boundaries
    /// in order): set from the v's rank on, the boundaries at or below v.
    below_table: [__m512i; 4],
    /// Which open slice a byte is in, by its rank ([`YearTable::open_bits`]).
    slice_of_rank: __m512i,
    /// The open slices' bytes, their first boundary inside, and over all slices the
    /// most boundaries one holds.
    open_bytes: __m512i,
    first_inside: __m512i,
    most_inside: usize,
    /// The boundaries' thresholds, `u64::MAX` past the last.
    thresholds: __m512i,
}

/// The affine map from a table byte's thermometer to its rank's bits
/// ([`YearTable::open_bits`]).
const RANK: i64 = 0x7F2A_0800_0000_0080;
/// With a lane's eight bytes as the matrix, `gf2p8affine` of the identity's rows (LSB
/// first) gives the transpose: bit k of each byte into byte k.
const TRANSPOSE: i64 = 0x8040_2010_0804_0201_u64 as i64;

impl<'a> YearTable<'a> {
    #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vbmi,gfni,avx512bitalg")]
    #[inline]
    fn new(split: &'a Split<'a>) -> Self {
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
                *table =
                    _mm512_or_si512(*table, _mm512_maskz_mov_epi8(open, _mm512_set1_epi8(-128)));
            }
        }
        let mut slice_of_rank = [0u8; 16];
        for (j, &g) in split.open[..split.open_len].iter().enumerate() {
            let rank = (0..B)
                .filter(|&k| split.all_below & (1 << k) == 0 && split.top_bytes[k] <= g)
                .count();
            slice_of_rank[rank] = 1 << j;
        }
        let half = |h: usize| u64::from_le_bytes(std::array::from_fn(|b| slice_of_rank[8 * h + b]));
        let slice_of_rank = lanes::load_words(&std::array::from_fn(|i| half(i % 2)));
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
        let mut thresholds = [u64::MAX; LANES];
        thresholds[..B].copy_from_slice(&split.thresholds[..B]);
        YearTable {
            split,
            below_table,
            slice_of_rank,
            open_bytes,
            first_inside: lanes::load_words(&first_inside),
            most_inside,
            thresholds: lanes::load_words(&thresholds),
        }
    }

    /// The table bytes of a vector of drawn bytes (`low`: the drawn ones below 128,
    /// `high`: those at or above; the rest read 0).
    #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vbmi,gfni,avx512bitalg")]
    #[inline]
    fn look(&self, bytes: __m512i, low: __mmask64, high: __mmask64) -> __m512i {
        let table = &self.below_table;
        _mm512_or_si512(
            _mm512_maskz_permutex2var_epi8(low, table[0], bytes, table[1]),
            _mm512_maskz_permutex2var_epi8(high, table[2], bytes, table[3]),
        )
    }

    /// Which open slice each table byte is in (its bit), or 0, without a second table
    /// (two more `vpermt2b`, each two cycles): a rank is the number of boundaries at or
    /// below the byte, distinct for distinct open slices (each holds one), and, a
    /// thermometer's zeros counted, an affine function of its bits over GF(2): bit 0
    /// the parity of the seven, bit 1 of the zeros at 1, 3 and 5, bit 2 the zero at 3.
    /// Bit 7 of the result is set where the byte is not open (or not drawn: all zero),
    /// and `vpshufb` gives 0 there, else the open slice's bit from a table by rank.
    #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vbmi,gfni,avx512bitalg")]
    #[inline]
    fn open_bits(&self, below_bits: __m512i) -> __m512i {
        _mm512_shuffle_epi8(
            self.slice_of_rank,
            _mm512_gf2p8affine_epi64_epi8::<0x87>(below_bits, _mm512_set1_epi64(RANK)),
        )
    }

    /// Eight intake years from `t0` (a lane each; past the last, none) drawn and
    /// counted: each lane's people eight to a number from the year's intake
    /// sub-stream, looked up, and the lookups' bits counted per boundary and open slice.
    #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vbmi,gfni,avx512bitalg")]
    #[inline]
    fn count_block(&self, key: u64, trainees: &[f64], t0: usize) -> Block {
        let zero = _mm512_setzero_si512();
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
        let transpose = _mm512_set1_epi64(TRANSPOSE);
        let count =
            |bits: __m512i| _mm512_popcnt_epi8(_mm512_gf2p8affine_epi64_epi8::<0>(transpose, bits));
        let low_bytes = _mm512_set1_epi16(0xff);
        let widen = |w: &mut [__m512i; 2], c: __m512i| {
            w[0] = _mm512_add_epi16(w[0], _mm512_and_si512(c, low_bytes));
            w[1] = _mm512_add_epi16(w[1], _mm512_srli_epi16::<8>(c));
        };
        let (mut below, mut in_open) = ([zero; 2], [zero; 2]);
        let (mut below_bytes, mut open_bytes_count, mut rounds) = (zero, zero, 0);
        let mut step = |drawn: __m512i, low: __mmask64, high: __mmask64| {
            let bits = self.look(drawn, low, high);
            below_bytes = _mm512_add_epi8(below_bytes, count(bits));
            open_bytes_count = _mm512_add_epi8(open_bytes_count, count(self.open_bits(bits)));
            rounds += 1;
            if rounds == ROUNDS {
                widen(&mut below, below_bytes);
                widen(&mut in_open, open_bytes_count);
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
        let byte_in_lane = _mm512_set1_epi64(0x0706_0504_0302_0100);
        // `vpshufb` indices repeating each lane's lowest byte over its eight.
        let lowest_byte = _mm512_set4_epi64(0x0808_0808_0808_0808, 0, 0x0808_0808_0808_0808, 0);
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
        widen(&mut below, below_bytes);
        widen(&mut in_open, open_bytes_count);
        Block {
            t0,
            n,
            state,
            below,
            in_open,
        }
    }

    /// A counted block's people per category (lane l: year t0 + l), as `place_packed`
    /// puts them: the open slices' people one number each, the rest by their counts.
    #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vbmi,gfni,avx512bitalg")]
    #[inline]
    fn place(&self, block: Block) -> [__m512i; PACKED_CATEGORIES] {
        let split = self.split;
        let zero = _mm512_setzero_si512();
        let Block {
            n,
            mut state,
            below,
            in_open,
            ..
        } = block;
        let mut open_people = [zero; PACKED_CATEGORIES];
        for j in 0..B {
            let c = if j < split.open_len {
                field(&in_open, j)
            } else {
                zero
            };
            open_people[j + 1] = _mm512_add_epi64(open_people[j], c);
        }
        let mut tally = [zero; 2];
        const STRAIGHT: i64 = 2;
        for i in 0..STRAIGHT {
            self.person(_mm512_set1_epi64(i), &open_people, &mut state, &mut tally);
        }
        let one = _mm512_set1_epi64(1);
        let mut i = _mm512_set1_epi64(STRAIGHT);
        while _mm512_cmplt_epi64_mask(i, open_people[B]) != 0 {
            self.person(i, &open_people, &mut state, &mut tally);
            i = _mm512_add_epi64(i, one);
        }
        let certain: [__m512i; B] = std::array::from_fn(|k| {
            let below_k = if split.all_below & (1 << k) != 0 {
                n
            } else {
                field(&below, k)
            };
            _mm512_sub_epi64(below_k, open_people[usize::from(split.open_below[k])])
        });
        lanes::people_by_category(n, &certain, open_people[B], &tally)
    }

    /// The `i`-th person of the open slices in each lane still holding one
    /// (`open_people`: the people before each slice), placed by one number of its own
    /// into its category's tally.
    #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vbmi,gfni,avx512bitalg")]
    #[inline]
    fn person(
        &self,
        i: __m512i,
        open_people: &[__m512i; PACKED_CATEGORIES],
        state: &mut __m512i,
        tally: &mut [__m512i; 2],
    ) {
        let (zero, one) = (_mm512_setzero_si512(), _mm512_set1_epi64(1));
        let live = _mm512_cmplt_epi64_mask(i, open_people[B]);
        let drawn = lanes::next(state, live);
        let slice = open_people[1..self.split.open_len.max(1)]
            .iter()
            .fold(zero, |acc, &o| {
                _mm512_mask_add_epi64(acc, _mm512_cmple_epi64_mask(o, i), acc, one)
            });
        let g = _mm512_permutexvar_epi64(slice, self.open_bytes);
        let u = _mm512_or_si512(
            _mm512_slli_epi64::<{ GUIDE_SHIFT }>(g),
            _mm512_srli_epi64::<{ 64 - GUIDE_SHIFT }>(drawn),
        );
        let base = _mm512_permutexvar_epi64(slice, self.first_inside);
        let mut category = base;
        for m in 0..self.most_inside {
            let at = _mm512_min_epu64(
                _mm512_add_epi64(base, _mm512_set1_epi64(m as i64)),
                _mm512_set1_epi64(7),
            );
            let th = _mm512_permutexvar_epi64(at, self.thresholds);
            category =
                _mm512_mask_add_epi64(category, _mm512_cmple_epu64_mask(th, u), category, one);
        }
        lanes::tally(tally, live, category);
    }
}

/// Boundary or slice `k`'s count in each lane, from the 16-bit fields of [`Block`].
#[target_feature(enable = "avx512f")]
#[inline]
fn field(w: &[__m512i; 2], k: usize) -> __m512i {
    let shift = _mm512_set1_epi64(8 * (k & !1) as i64);
    _mm512_and_si512(
        _mm512_srlv_epi64(w[k & 1], shift),
        _mm512_set1_epi64(0xffff),
    )
}
