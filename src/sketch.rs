//! A mergeable quantile sketch: what the bands keep instead of every run's value, so
//! memory does not grow with the number of runs.
//!
//! Values are counted in buckets given by the top bits of their IEEE 754 pattern (the
//! exponent and the first [`MANTISSA_BITS`] bits of the mantissa): 512 buckets per
//! octave, each at most 1/512 of its lower edge wide. No logarithm is taken, so a
//! value is filed in a few instructions, and a bucket's index is a pure function of
//! the value. Counts are integers and the sum behind the mean is fixed-point, so
//! adding values or merging sketches in any order, on any number of threads or
//! shards, gives the same sketch bit for bit.
//!
//! Error bound: a bucket's midpoint is within [`RELATIVE_ERROR`] (1/1024, about 0.1 %)
//! of every value in it. The reported type-7 quantile interpolates between the
//! midpoints of the order statistics it needs, so it lies within that relative error
//! of the exact type-7 quantile of the same values (values are non-negative). Midpoints
//! are clamped to the exact minimum and maximum, so a cell where every run has the same
//! value (the base year) is reported exactly. The mean is exact to 2^-32 per value.

/// Mantissa bits that pick the bucket inside an octave.
pub const MANTISSA_BITS: u32 = 9;
const SHIFT: u32 = 52 - MANTISSA_BITS;
/// Half a bucket's width relative to its lower edge: the largest relative distance
/// between a value and its bucket's midpoint.
pub const RELATIVE_ERROR: f64 = 1.0 / (2u64 << MANTISSA_BITS) as f64;
/// Fixed-point scale of the sum (2^32).
const SCALE: f64 = 4_294_967_296.0;
/// Below this, `x * SCALE` fits an i64 and converts in hardware.
const FAST_LIMIT: f64 = 2_147_483_648.0;

/// The bucket of a non-negative value. Monotone: `a <= b` implies `bucket(a) <= bucket(b)`.
fn bucket(x: f64) -> i32 {
    (x.to_bits() >> SHIFT) as i32
}

/// The representative value of a bucket of positive normal numbers: its midpoint.
fn midpoint(b: i32) -> f64 {
    let lower = f64::from_bits((b as u64) << SHIFT);
    let upper = f64::from_bits(((b + 1) as u64) << SHIFT);
    0.5 * (lower + upper)
}

/// Counts of the values of one metric in one year over the runs, with their exact
/// minimum, maximum and fixed-point sum.
#[derive(Debug, Clone, PartialEq)]
pub struct Sketch {
    /// Bucket of `counts[0]`.
    offset: i32,
    counts: Vec<u32>,
    n: u64,
    /// Values counted outside `counts`: zeros (and subnormals), and infinities, so a
    /// cell of 0s and 1s needs two counters, not a million buckets between them.
    zeros: u64,
    infinite: u64,
    /// Sum of `trunc(x * 2^32)` over finite values.
    sum: i128,
    min: f64,
    max: f64,
}

impl Default for Sketch {
    fn default() -> Self {
        Sketch {
            offset: 0,
            counts: Vec::new(),
            n: 0,
            zeros: 0,
            infinite: 0,
            sum: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Sketch {
    pub fn len(&self) -> u64 {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Adds one value. Values must be non-negative (stocks and ratios of stocks are).
    #[inline]
    pub fn add(&mut self, x: f64) {
        debug_assert!(x >= 0.0, "sketch values are non-negative, got {x}");
        let x = x.max(0.0); // NaN and -0.0 count as zero
        self.n += 1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        if x < f64::MIN_POSITIVE {
            self.zeros += 1;
        } else if x < FAST_LIMIT {
            self.add_to_bucket(bucket(x), 1);
            self.sum += i128::from((x * SCALE) as i64);
        } else if x.is_finite() {
            self.add_to_bucket(bucket(x), 1);
            self.sum += (x * SCALE) as i128;
        } else {
            self.infinite += 1;
        }
    }

    /// Adds every value of `xs`: the same sketch as adding them one by one, with the
    /// counters in registers for the whole slice rather than read and written back
    /// per value (the band feeding's main cost when a value at a time).
    pub fn add_all(&mut self, xs: &[f64]) {
        // No count can pass the number of values: checked once here, not per value.
        assert!(
            self.n + xs.len() as u64 <= u64::from(u32::MAX),
            "fewer than 2^32 runs"
        );
        let (mut zeros, mut infinite, mut sum) = (0u64, 0u64, 0i128);
        // The slice's minimum and maximum as bits: non-negative doubles order as their
        // bits do (`+ 0.0` makes a -0.0 the +0.0 it equals), and an integer minimum is a
        // compare and a move where `f64::min` is longer, each value waiting for the last.
        let (mut lo, mut hi) = (u64::MAX, 0u64);
        for &x in xs {
            debug_assert!(x >= 0.0, "sketch values are non-negative, got {x}");
            let x = x.max(0.0); // NaN and -0.0 count as zero
            let bits = (x + 0.0).to_bits();
            lo = lo.min(bits);
            hi = hi.max(bits);
            if x < f64::MIN_POSITIVE {
                zeros += 1;
                continue;
            }
            if x < FAST_LIMIT {
                sum += i128::from((x * SCALE) as i64);
            } else if x.is_finite() {
                sum += (x * SCALE) as i128;
            } else {
                infinite += 1;
                continue;
            }
            let b = bucket(x);
            match self
                .counts
                .get_mut(b.wrapping_sub(self.offset) as u32 as usize)
            {
                Some(c) => *c += 1,
                // Outside the buckets so far (or the first value): grow them.
                None => self.add_to_bucket(b, 1),
            }
        }
        self.n += xs.len() as u64;
        self.zeros += zeros;
        self.infinite += infinite;
        self.sum += sum;
        if !xs.is_empty() {
            self.min = self.min.min(f64::from_bits(lo));
            self.max = self.max.max(f64::from_bits(hi));
        }
    }

    /// Adds `x` `count` times: the same sketch as `count` calls of [`Sketch::add`], for
    /// a metric whose values are few (a 0/1 flag) and counted before they are added.
    pub fn add_repeated(&mut self, x: f64, count: u32) {
        if count == 0 {
            return;
        }
        debug_assert!(x >= 0.0, "sketch values are non-negative, got {x}");
        let x = x.max(0.0);
        self.n += u64::from(count);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        if x < f64::MIN_POSITIVE {
            self.zeros += u64::from(count);
        } else if x.is_finite() {
            self.add_to_bucket(bucket(x), count);
            // `add` truncates each product the same way, below FAST_LIMIT through i64.
            self.sum += ((x * SCALE) as i128) * i128::from(count);
        } else {
            self.infinite += u64::from(count);
        }
    }

    #[inline]
    fn add_to_bucket(&mut self, b: i32, count: u32) {
        if self.counts.is_empty() {
            self.offset = b;
            self.counts.push(0);
        } else if b < self.offset {
            let grow = (self.offset - b) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = b;
        } else if b - self.offset >= self.counts.len() as i32 {
            self.counts.resize((b - self.offset) as usize + 1, 0);
        }
        let slot = &mut self.counts[(b - self.offset) as usize];
        *slot = slot.checked_add(count).expect("fewer than 2^32 runs");
    }

    /// Adds every value of `other`: the same as adding its values one by one.
    pub fn merge(&mut self, other: &Sketch) {
        for (i, &c) in other.counts.iter().enumerate() {
            if c > 0 {
                self.add_to_bucket(other.offset + i as i32, c);
            }
        }
        self.n += other.n;
        self.zeros += other.zeros;
        self.infinite += other.infinite;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// The mean: infinite if any value is; NaN if empty.
    pub fn mean(&self) -> f64 {
        if self.infinite > 0 {
            return f64::INFINITY;
        }
        self.sum as f64 / SCALE / self.n as f64
    }

    /// Type-7 quantiles (R's default, numpy's linear) at ascending `levels`, within
    /// [`RELATIVE_ERROR`] of the exact ones. Panics on an empty sketch.
    pub fn quantiles<const K: usize>(&self, levels: &[f64; K]) -> [f64; K] {
        assert!(self.n > 0, "quantiles of nothing");
        let mut out = [0.0; K];
        let mut cum = self.zeros; // values below bucket `i`
        let mut i = 0usize;
        let finite = self.n - self.infinite;
        let mut value_at = |rank: u64| -> f64 {
            if rank < self.zeros {
                return 0.0;
            }
            if rank >= finite {
                return f64::INFINITY;
            }
            if rank < cum {
                // Levels close together can ask for a rank again; start over.
                (cum, i) = (self.zeros, 0);
            }
            while cum + u64::from(self.counts[i]) <= rank {
                cum += u64::from(self.counts[i]);
                i += 1;
            }
            midpoint(self.offset + i as i32).clamp(self.min, self.max)
        };
        for (slot, &p) in out.iter_mut().zip(levels) {
            let h = (self.n - 1) as f64 * p;
            let lo = h.floor() as u64;
            let frac = h - lo as f64;
            let x_lo = value_at(lo);
            *slot = if frac == 0.0 || lo + 1 >= self.n {
                x_lo
            } else {
                let x_hi = value_at(lo + 1);
                if x_hi == x_lo || x_lo.is_infinite() {
                    x_lo
                } else {
                    x_lo + frac * (x_hi - x_lo)
                }
            };
        }
        out
    }

    /// Appends the sketch to `out` (little-endian; see [`Sketch::decode`]).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.n.to_le_bytes());
        out.extend_from_slice(&self.zeros.to_le_bytes());
        out.extend_from_slice(&self.infinite.to_le_bytes());
        out.extend_from_slice(&self.sum.to_le_bytes());
        out.extend_from_slice(&self.min.to_le_bytes());
        out.extend_from_slice(&self.max.to_le_bytes());
        out.extend_from_slice(&self.offset.to_le_bytes());
        out.extend_from_slice(&(self.counts.len() as u32).to_le_bytes());
        for c in &self.counts {
            out.extend_from_slice(&c.to_le_bytes());
        }
    }

    /// Reads a sketch written by [`Sketch::encode`] from the front of `bytes`, and
    /// moves `bytes` past it. `None` if the bytes are cut short or inconsistent.
    pub fn decode(bytes: &mut &[u8]) -> Option<Sketch> {
        fn take<const N: usize>(b: &mut &[u8]) -> Option<[u8; N]> {
            let (head, tail) = b.split_at_checked(N)?;
            *b = tail;
            head.try_into().ok()
        }
        let n = u64::from_le_bytes(take(bytes)?);
        let zeros = u64::from_le_bytes(take(bytes)?);
        let infinite = u64::from_le_bytes(take(bytes)?);
        let sum = i128::from_le_bytes(take(bytes)?);
        let min = f64::from_le_bytes(take(bytes)?);
        let max = f64::from_le_bytes(take(bytes)?);
        let offset = i32::from_le_bytes(take(bytes)?);
        let len = u32::from_le_bytes(take(bytes)?) as usize;
        if len > bytes.len() / 4 {
            return None;
        }
        // The buckets of positive finite values, and no other: a damaged offset would
        // otherwise make a merge's bucket arithmetic overflow.
        let (first, last) = (bucket(f64::MIN_POSITIVE), bucket(f64::MAX));
        if len > 0 && (offset < first || offset > last || (last - offset) as usize + 1 < len) {
            return None;
        }
        let counts: Vec<u32> = (0..len)
            .map(|_| take(bytes).map(u32::from_le_bytes))
            .collect::<Option<_>>()?;
        let total: u64 = counts.iter().map(|&c| u64::from(c)).sum::<u64>() + zeros + infinite;
        (total == n).then_some(Sketch {
            offset,
            counts,
            n,
            zeros,
            infinite,
            sum,
            min,
            max,
        })
    }

    /// Heap bytes held (for the memory notes in docs/performance.md).
    pub fn heap_bytes(&self) -> usize {
        self.counts.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{quantiles, LEVELS};
    use rand::{Rng as _, SeedableRng};

    fn sketch_of(values: &[f64]) -> Sketch {
        let mut s = Sketch::default();
        for &v in values {
            s.add(v);
        }
        s
    }

    /// The stated bound, on samples of very different shapes and sizes.
    #[test]
    fn quantiles_within_the_stated_relative_error() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let shapes: [&dyn Fn(f64) -> f64; 4] = [
            &|u| u,                        // uniform on (0, 1)
            &|u| 1500.0 + 300.0 * u,       // a narrow band of counts
            &|u| (-u.ln()).powi(3) * 1e4,  // heavy right tail
            &|u| (u * 40.0).floor() / 7.0, // ties
        ];
        for (k, shape) in shapes.iter().enumerate() {
            for n in [1usize, 2, 3, 10, 101, 1000, 20_000] {
                let values: Vec<f64> = (0..n).map(|_| shape(rng.random::<f64>())).collect();
                let s = sketch_of(&values);
                let exact = quantiles(&mut values.clone(), &LEVELS);
                let est = s.quantiles(&LEVELS);
                for (e, x) in est.iter().zip(&exact) {
                    let err = (e - x).abs();
                    assert!(
                        err <= RELATIVE_ERROR * x.abs() + 1e-12,
                        "shape {k}, n {n}: {e} vs exact {x} (relative {})",
                        err / x
                    );
                }
                let mean = values.iter().sum::<f64>() / n as f64;
                assert!((s.mean() - mean).abs() <= 1e-9 * mean.max(1.0));
            }
        }
    }

    /// Without the clamp the base year's identical values would come back as the
    /// midpoint of their bucket, up to 0.1 % off.
    #[test]
    fn identical_values_come_back_exactly() {
        let s = sketch_of(&[2_415_139.0; 500]);
        assert_eq!(s.quantiles(&LEVELS), [2_415_139.0; 5]);
        let zeros = sketch_of(&[0.0; 10]);
        assert_eq!(zeros.quantiles(&LEVELS), [0.0; 5]);
        assert_eq!(zeros.mean(), 0.0);
    }

    /// Merging in any grouping and order gives the same sketch bit for bit: what makes
    /// bands independent of threads and shards.
    #[test]
    fn merge_is_exact_in_any_order() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        let values: Vec<f64> = (0..5000)
            .map(|_| rng.random::<f64>() * 3.0 + 1e-3)
            .collect();
        let whole = sketch_of(&values);
        for parts in [2, 3, 7, 64] {
            let size = values.len().div_ceil(parts);
            let mut pieces: Vec<Sketch> = values.chunks(size).map(sketch_of).collect();
            pieces.reverse();
            let mut merged = Sketch::default();
            for p in &pieces {
                merged.merge(p);
            }
            assert_eq!(merged, whole, "{parts} parts");
        }
    }

    #[test]
    fn adding_a_slice_is_adding_one_by_one() {
        let mut values: Vec<f64> = (0..5000)
            .map(|i| ((i as f64) * 0.618).fract().powi(3) * 1e4)
            .collect();
        values.extend([0.0, -0.0, 1e-310, f64::INFINITY, 3e9, 1e300, 7.0]);
        for cut in [0, 1, 2500, values.len()] {
            let mut one_by_one = sketch_of(&[40.0]);
            let mut sliced = one_by_one.clone();
            for &x in &values {
                one_by_one.add(x);
            }
            sliced.add_all(&values[..cut]);
            sliced.add_all(&values[cut..]);
            assert_eq!(sliced, one_by_one, "cut at {cut}");
        }
        let mut empty = Sketch::default();
        empty.add_all(&[]);
        assert_eq!(empty, Sketch::default());
    }

    #[test]
    fn adding_repeatedly_is_adding_one_by_one() {
        for x in [0.0, 1.0, 0.37, 3e9, 1e300, f64::INFINITY] {
            for count in [0u32, 1, 2, 4096] {
                let mut one_by_one = sketch_of(&[2.5, 0.0]);
                let mut at_once = one_by_one.clone();
                for _ in 0..count {
                    one_by_one.add(x);
                }
                at_once.add_repeated(x, count);
                assert_eq!(at_once, one_by_one, "{x} x {count}");
            }
        }
    }

    #[test]
    fn infinity_and_zero_are_kept_apart() {
        let s = sketch_of(&[0.0, 1.0, 2.0, f64::INFINITY]);
        let q = s.quantiles(&[0.0, 1.0]);
        assert_eq!(q, [0.0, f64::INFINITY]);
        assert_eq!(s.mean(), f64::INFINITY);
    }

    #[test]
    fn encode_decode_round_trip_and_refuse_damage() {
        let s = sketch_of(&[0.5, 0.7, 0.7, 12.0]);
        let mut bytes = Vec::new();
        s.encode(&mut bytes);
        Sketch::default().encode(&mut bytes);
        let mut rest = bytes.as_slice();
        assert_eq!(Sketch::decode(&mut rest), Some(s));
        assert_eq!(Sketch::decode(&mut rest), Some(Sketch::default()));
        assert!(rest.is_empty());
        let cut = &bytes[..bytes.len() / 2];
        assert_eq!(Sketch::decode(&mut &cut[..cut.len() - 1]), None);
        // An offset no finite positive value has (a flipped high bit), and one whose
        // buckets run past the largest: refused, where a merge would overflow.
        let at = 8 * 3 + 16 + 8 + 8;
        for offset in [i32::MIN, -5, bucket(f64::MAX)] {
            let mut bad = bytes.clone();
            bad[at..at + 4].copy_from_slice(&offset.to_le_bytes());
            assert_eq!(Sketch::decode(&mut bad.as_slice()), None, "offset {offset}");
        }
    }
}
