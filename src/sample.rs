//! Random streams and parameter draws.
//!
//! Invariant: a region-run's random numbers depend only on (seed, run, region code,
//! purpose), never on thread count, scheduling or which other regions run. National
//! draws depend only on (seed, run). Each parameter takes exactly one uniform from its
//! stream at the position of its catalogue index, so changing one parameter's
//! distribution leaves every other draw as it was.

use rand::{RngCore, SeedableRng};

pub use crate::rng::{stream_key, subkey, Purpose};
use rand_xoshiro::Xoshiro256PlusPlus;

use std::collections::BTreeMap;

use crate::config::{Config, ParamChange};
use crate::data::{CountScope, Region};
use crate::params::{Param, Scope, PARAM_COUNT};

pub type Rng = Xoshiro256PlusPlus;

/// Key of the national "region" in stream derivation.
pub const NATIONAL_KEY: u64 = u64::MAX;

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

/// Sub-stream `index` of the stream with `key`: independent of how many numbers any
/// other sub-stream used. The model takes one per (year, event), so a scenario that
/// changes one event leaves every other event's draws as they were (common random
/// numbers).
pub fn substream(key: u64, index: u64) -> Rng {
    Rng::seed_from_u64(subkey(key, index))
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
    /// Whether the derived uptake `q = s / M(a)` came out above 1 and was clamped.
    pub uptake_clamped: bool,
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

    // The uptake, where the config does not fix it: derived from the status quo's
    // share in primary care and attrition, before a scenario changes either (a
    // scenario changes behaviour, not the calibration).
    let mut uptake_clamped = false;
    if !cfg.parameters.contains_key(&Param::PrimaryCareUptake) {
        let (q, clamped) = derived_uptake(cfg, &values);
        values[Param::PrimaryCareUptake.index()] = Some(q);
        uptake_clamped = clamped;
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
        uptake_clamped,
    }
}

/// `q = s / M(a)` (docs/model.md, "The leak, counted once"), with `M` for a specialist
/// completing at `age_at_st_start + E[D]`, and whether it was clamped to 1.
fn derived_uptake(cfg: &Config, values: &[Option<f64>; PARAM_COUNT]) -> (f64, bool) {
    let get = |p: Param| values[p.index()].unwrap_or_else(|| panic!("{} drawn", p.name()));
    let training = cfg.training;
    // The discretised duration's mean is the draw's, within the training's bounds.
    let mean_years = get(Param::StDurationMeanYears)
        .clamp(f64::from(training.min_years), f64::from(training.max_years));
    let career = cfg.ages.retirement.career_share_in_primary_care(
        get(Param::AgeAtStStart) + mean_years,
        get(Param::AttritionPerYear),
    );
    crate::model::derived_uptake(get(Param::ShareInPrimaryCare), career)
}

fn has_override(cfg: &Config, region: &Region, param: Param) -> bool {
    cfg.overrides
        .get(&region.code)
        .is_some_and(|o| o.contains_key(&param))
}

#[cfg(test)]
mod tests {
    use super::*;

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
            age_at_st_start = { dist = "uniform", min = 29.0, max = 38.0, scope = "national" }
            fte_new = { dist = "beta", mean = 0.8, sd = 0.06, scope = "national" }
            [overrides.06]
            age_at_st_start = { dist = "uniform", min = 30.0, max = 31.0 }
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
                let age = in_run.get(Param::AgeAtStStart);
                let own = if region.code == "06" {
                    30.0..=31.0
                } else {
                    29.0..=38.0
                };
                assert!(own.contains(&age), "{}: {age}", region.code);
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
