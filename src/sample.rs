//! Random streams and parameter draws.
//!
//! Invariant: a region-run's random numbers depend only on (seed, run, region code,
//! purpose), never on thread count, scheduling or which other regions run. National
//! draws depend only on (seed, run). Each parameter takes exactly one uniform from its
//! stream at the position of its catalogue index, so changing one parameter's
//! distribution leaves every other draw as it was.

use rand::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use std::collections::BTreeMap;

use crate::config::{Config, ParamChange};
use crate::data::{CountScope, Region};
use crate::params::{Param, Scope, PARAM_COUNT};

pub type Rng = Xoshiro256PlusPlus;

/// The generator of the model's demographic noise. It is reseeded four times per
/// region-run-year (one sub-stream per event), so seeding must cost nothing:
/// SplitMix64's state is its 64-bit seed. It passes BigCrush, and each sub-stream is
/// used for at most a few hundred numbers.
pub type NoiseRng = SplitMix64;

/// SplitMix64 (Vigna's `splitmix64.c`), the very stream of `rand_xoshiro::SplitMix64`,
/// defined here so that opening a sub-stream inlines: that crate's `seed_from_u64` is
/// not `#[inline]`, and without cross-crate inlining it was a call of its own in the
/// profile, four a region-run-year. `next_u32` is the crate's too (Stafford's Mix4),
/// so any use draws what it drew; `same_stream_as_rand_xoshiro` checks both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    x: u64,
}

impl RngCore for SplitMix64 {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        self.x = self.x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.x;
        z = (z ^ (z >> 33)).wrapping_mul(0x62A9_D9ED_7997_05F5);
        z = (z ^ (z >> 28)).wrapping_mul(0xCB24_D0A5_C88C_35B3);
        (z >> 32) as u32
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.x = self.x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    #[inline]
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand::rand_core::impls::fill_bytes_via_next(self, dest);
    }
}

impl SeedableRng for SplitMix64 {
    type Seed = [u8; 8];

    #[inline]
    fn from_seed(seed: [u8; 8]) -> SplitMix64 {
        SplitMix64 {
            x: u64::from_le_bytes(seed),
        }
    }

    #[inline]
    fn seed_from_u64(seed: u64) -> SplitMix64 {
        SplitMix64 { x: seed }
    }
}

/// What a stream is used for; part of its key so the streams never overlap.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub enum Purpose {
    Parameters = 1,
    Noise = 2,
    /// The two sample matrices of a sensitivity design, and their noise.
    DesignA = 3,
    DesignB = 4,
    DesignNoiseA = 5,
    DesignNoiseB = 6,
    /// Bootstrap resampling of a sensitivity estimate.
    Bootstrap = 7,
}

/// Key of the national "region" in stream derivation.
pub const NATIONAL_KEY: u64 = u64::MAX;

pub(crate) const fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stable key for a region code (FNV-1a), so streams do not shift when the data
/// table gains or reorders rows.
pub fn region_key(code: &str) -> u64 {
    code.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The generator for one (seed, run, region, purpose).
pub fn stream(seed: u64, run: u32, region_key: u64, purpose: Purpose) -> Rng {
    Rng::seed_from_u64(stream_key(seed, run, region_key, purpose))
}

/// The 64-bit key behind [`stream`]: a hash of (seed, run, region, purpose).
pub fn stream_key(seed: u64, run: u32, region_key: u64, purpose: Purpose) -> u64 {
    let mut h = splitmix64(seed ^ 0x6661_7374_6c61_6b61); // "fastlaka"
    h = splitmix64(h ^ u64::from(run));
    h = splitmix64(h ^ region_key);
    splitmix64(h ^ purpose as u64)
}

/// Sub-stream `index` of the stream with `key`: independent of how many numbers any
/// other sub-stream used. The model takes one per (year, event), so a scenario that
/// changes one event leaves every other event's draws as they were (common random
/// numbers).
pub fn substream(key: u64, index: u64) -> Rng {
    Rng::seed_from_u64(subkey(key, index))
}

/// The noise generator of sub-stream `index` of `key` (see [`substream`]).
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
/// four sub-streams a year, and this halves what opening one costs.
static INDEX_HASHES: [u64; (1 << EVENT_BITS) * 1024] = {
    let mut t = [0u64; (1 << EVENT_BITS) * 1024];
    let mut i = 0;
    while i < t.len() {
        t[i] = splitmix64(i as u64);
        i += 1;
    }
    t
};

/// Key number `index` derived from `key` (e.g. one replicate's noise of a design row).
pub fn subkey(key: u64, index: u64) -> u64 {
    splitmix64(key ^ splitmix64(index))
}

/// A uniform number strictly inside (0, 1), so quantile functions never see 0 or 1.
pub fn open_unit(rng: &mut Rng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// One uniform per catalogue parameter, drawn in catalogue order.
pub fn uniforms(rng: &mut Rng) -> [f64; PARAM_COUNT] {
    let mut u = [0.0; PARAM_COUNT];
    for x in &mut u {
        *x = open_unit(rng);
    }
    u
}

pub fn national_uniforms(seed: u64, run: u32) -> [f64; PARAM_COUNT] {
    uniforms(&mut stream(seed, run, NATIONAL_KEY, Purpose::Parameters))
}

pub fn region_uniforms(seed: u64, run: u32, code: &str) -> [f64; PARAM_COUNT] {
    uniforms(&mut stream(
        seed,
        run,
        region_key(code),
        Purpose::Parameters,
    ))
}

/// The sampled parameter values of one region-run, plus the values derived from them
/// and the data. `None` marks a parameter that does not apply to the region.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Draw {
    pub values: [Option<f64>; PARAM_COUNT],
    /// Yearly population growth actually used (m x recent growth, or g).
    pub pop_growth_per_year: f64,
    /// Today's specialist headcount in all primary care.
    pub initial_headcount: f64,
    /// FTE per head of today's stock.
    pub fte_initial: f64,
}

impl Draw {
    pub fn get(&self, p: Param) -> f64 {
        self.values[p.index()].unwrap_or_else(|| panic!("{} not drawn", p.name()))
    }
}

/// A run's national uniforms, and each national parameter's value under its default
/// distribution: mapped once for all of the run's regions, not once per region (a
/// beta quantile is about a microsecond).
#[derive(Debug, Clone, Copy)]
pub struct NationalDraw {
    pub u: [f64; PARAM_COUNT],
    /// `Some` for national-scope parameters, `None` for the others.
    pub values: [Option<f64>; PARAM_COUNT],
}

impl NationalDraw {
    pub fn new(cfg: &Config, run: u32) -> NationalDraw {
        let u = national_uniforms(cfg.seed, run);
        let mut values = [None; PARAM_COUNT];
        for (&p, spec) in &cfg.parameters {
            if spec.scope == Scope::National {
                values[p.index()] = Some(spec.dist.quantile(u[p.index()]));
            }
        }
        NationalDraw { u, values }
    }
}

/// Maps a run's uniforms through the region's distributions. National-scope
/// parameters use the national uniform, so every region of a run shares the draw's
/// rank even where a region overrides the distribution.
pub fn draw(
    cfg: &Config,
    region: &Region,
    u_national: &[f64; PARAM_COUNT],
    u_region: &[f64; PARAM_COUNT],
    changes: &BTreeMap<Param, ParamChange>,
) -> Draw {
    draw_with(cfg, region, u_national, None, u_region, changes)
}

/// [`draw`] with the run's national values already mapped: the same draw.
pub fn draw_in_run(
    cfg: &Config,
    region: &Region,
    national: &NationalDraw,
    u_region: &[f64; PARAM_COUNT],
    changes: &BTreeMap<Param, ParamChange>,
) -> Draw {
    draw_with(
        cfg,
        region,
        &national.u,
        Some(&national.values),
        u_region,
        changes,
    )
}

fn draw_with(
    cfg: &Config,
    region: &Region,
    u_national: &[f64; PARAM_COUNT],
    national_values: Option<&[Option<f64>; PARAM_COUNT]>,
    u_region: &[f64; PARAM_COUNT],
    changes: &BTreeMap<Param, ParamChange>,
) -> Draw {
    let mut values = [None; PARAM_COUNT];
    for (&param, spec) in &cfg.parameters {
        let applies = match param {
            Param::FteInitial => region.fte_ratio().is_none() || has_override(cfg, region, param),
            Param::PublicShare => region.scope == CountScope::PublicOnly,
            _ => true,
        };
        if !applies {
            continue;
        }
        let u = match spec.scope {
            Scope::National => {
                // The default distribution's value, where the region keeps it.
                let mapped = national_values.and_then(|v| v[param.index()]);
                if let (Some(x), false) = (mapped, has_override(cfg, region, param)) {
                    values[param.index()] = Some(x);
                    continue;
                }
                u_national[param.index()]
            }
            Scope::Region => u_region[param.index()],
        };
        let dist = cfg.dist_for(&region.code, param).expect("spec exists");
        values[param.index()] = Some(dist.quantile(u));
    }
    if let Some(d) = cfg
        .overrides
        .get(&region.code)
        .and_then(|o| o.get(&Param::PublicHeadcount))
    {
        values[Param::PublicHeadcount.index()] =
            Some(d.quantile(u_region[Param::PublicHeadcount.index()]));
    }

    // A scenario's changes: the same uniform through the new distribution, or the
    // baseline's own value scaled (for fte_initial, the data's ratio where it has one).
    for (&param, change) in changes {
        let i = param.index();
        let base = match param {
            Param::FteInitial => values[i].or(region.fte_ratio()),
            _ => values[i],
        };
        let applies = match param {
            Param::PublicShare => region.scope == CountScope::PublicOnly,
            Param::PublicHeadcount | Param::FteInitial => true,
            _ => base.is_some(),
        };
        if !applies {
            continue;
        }
        values[i] = match change {
            ParamChange::Replace(d) => {
                let national = cfg
                    .parameters
                    .get(&param)
                    .is_some_and(|s| s.scope == Scope::National);
                Some(d.quantile(if national { u_national[i] } else { u_region[i] }))
            }
            ParamChange::Scale(k) => base.map(|b| b * k),
        };
    }

    let pop_growth_per_year = values[Param::PopGrowthPerYear.index()].unwrap_or_else(|| {
        values[Param::PopGrowthMultiplier.index()].unwrap_or(1.0) * region.growth_per_year
    });
    let heads_counted = values[Param::PublicHeadcount.index()]
        .or(region.specialists_headcount)
        .expect("plan checks every region has a headcount or a prior");
    let initial_headcount = match region.scope {
        CountScope::Total => heads_counted,
        CountScope::PublicOnly => {
            heads_counted / values[Param::PublicShare.index()].expect("public_share drawn")
        }
    };
    let fte_initial = values[Param::FteInitial.index()]
        .or(region.fte_ratio())
        .expect("fte_initial drawn where the data has no ratio");
    Draw {
        values,
        pop_growth_per_year,
        initial_headcount,
        fte_initial,
    }
}

fn has_override(cfg: &Config, region: &Region, param: Param) -> bool {
    cfg.overrides
        .get(&region.code)
        .is_some_and(|o| o.contains_key(&param))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The noise generator draws the numbers `rand_xoshiro::SplitMix64` draws, 64- and
    /// 32-bit, from any seed.
    #[test]
    fn same_stream_as_rand_xoshiro() {
        for seed in [0, 1, 12345, u64::MAX, 0x9E37_79B9_7F4A_7C15] {
            let (mut ours, mut theirs) = (
                SplitMix64::seed_from_u64(seed),
                rand_xoshiro::SplitMix64::seed_from_u64(seed),
            );
            for _ in 0..100 {
                assert_eq!(ours.next_u64(), theirs.next_u64(), "seed {seed}");
                assert_eq!(ours.next_u32(), theirs.next_u32(), "seed {seed}");
            }
            let (mut a, mut b) = ([0u8; 13], [0u8; 13]);
            ours.fill_bytes(&mut a);
            theirs.fill_bytes(&mut b);
            assert_eq!(a, b);
            let from_bytes = SplitMix64::from_seed(seed.to_le_bytes());
            assert_eq!(from_bytes, SplitMix64::seed_from_u64(seed));
        }
    }

    #[test]
    fn tabled_sub_streams_are_the_computed_ones() {
        for index in [0, 1, 7, 8 * 101 + 4, 8 * 1024 - 1, 8 * 1024, 1 << 40] {
            let mut tabled = noise_substream(12345, index);
            let mut computed = NoiseRng::seed_from_u64(subkey(12345, index));
            assert_eq!(tabled.next_u64(), computed.next_u64(), "index {index}");
        }
    }

    /// Mapping the national values once per run gives every region the draw it gets
    /// alone, a region that overrides a national parameter included (the same uniform
    /// through its own distribution).
    #[test]
    fn national_values_mapped_once_are_each_regions_own() {
        let cfg = Config::parse(
            r#"
            name = "t"
            seed = 7
            runs = 10
            [parameters]
            career_years = { dist = "uniform", min = 22.0, max = 28.0, scope = "national" }
            fte_new = { dist = "beta", mean = 0.8, sd = 0.06, scope = "national" }
            [overrides.06]
            career_years = { dist = "uniform", min = 30.0, max = 31.0 }
            [overrides.25]
            public_headcount = { dist = "triangular", min = 82.0, mode = 92.0, max = 106.0 }
            "#,
            "test",
        )
        .expect("parses");
        let table = crate::data::RegionTable::builtin();
        let none = BTreeMap::new();
        for run in 0..20 {
            let national = NationalDraw::new(&cfg, run);
            for region in &table.regions {
                let u_region = region_uniforms(cfg.seed, run, &region.code);
                let alone = draw(&cfg, region, &national.u, &u_region, &none);
                let in_run = draw_in_run(&cfg, region, &national, &u_region, &none);
                assert_eq!(alone, in_run, "run {run}, region {}", region.code);
                let career = in_run.get(Param::CareerYears);
                let own = if region.code == "06" {
                    30.0..=31.0
                } else {
                    22.0..=28.0
                };
                assert!(own.contains(&career), "{}: {career}", region.code);
            }
        }
    }

    #[test]
    fn streams_differ_by_every_key_part() {
        let first = |s, r, k, p| stream(s, r, k, p).next_u64();
        let base = first(1, 0, region_key("06"), Purpose::Noise);
        assert_ne!(base, first(2, 0, region_key("06"), Purpose::Noise));
        assert_ne!(base, first(1, 1, region_key("06"), Purpose::Noise));
        assert_ne!(base, first(1, 0, region_key("07"), Purpose::Noise));
        assert_ne!(base, first(1, 0, region_key("06"), Purpose::Parameters));
        assert_eq!(base, first(1, 0, region_key("06"), Purpose::Noise));
    }

    #[test]
    fn open_unit_stays_inside() {
        let mut rng = stream(3, 0, 0, Purpose::Noise);
        for _ in 0..10_000 {
            let u = open_unit(&mut rng);
            assert!(u > 0.0 && u < 1.0);
        }
    }
}
