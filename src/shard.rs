//! Past one machine: `run --shard K/N` runs the K-th of N contiguous slices of the runs
//! and writes a partial result; `merge` combines the N partial results into the folder
//! an unsharded run would have written.
//!
//! A shard folder holds `shard.json` (which slice, of which config, data, seed and
//! runs), `bands.sketch` (the band sketches of its runs) and the Hive parts of `runs/`
//! (and `trajectories/`). Every per-run value depends only on (seed, run, region), the
//! sketches merge exactly and the per-run tables are concatenated in run order, so the
//! merged summary, bands and runs equal the unsharded run's bit for bit.

use std::fs;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::data::{RegionTable, BUILTIN_NAME};
use crate::error::Error;
use crate::output::parts::{concat_parts, part_path};
use crate::output::{self, Staging, Streamed, RUNS_DIR, TRAJECTORIES_DIR};
use crate::plan::{Overrides, RunPlan};
use crate::simulate::{RunRange, SimOutput};
use crate::sketch::Sketch;

pub const SHARD_FILE: &str = "shard.json";
pub const SKETCH_FILE: &str = "bands.sketch";
const SKETCH_MAGIC: &[u8; 16] = b"fastlakare-sk-01";
/// 3: `shard.json` carries the checksums of `bands.sketch` and of every part.
const FORMAT: u32 = 3;

/// The most shards a run may be cut into: far more than any cluster job array needs,
/// and few enough that `merge` can list which are missing.
pub const MAX_SHARDS: u32 = 10_000;

/// `K/N`: the K-th (1-based) of N shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for ShardSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}' is not K/N with 1 <= K <= N <= {MAX_SHARDS} (e.g. 2/8)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count || count > MAX_SHARDS {
            return Err(bad());
        }
        Ok(ShardSpec { index, count })
    }
}

impl ShardSpec {
    pub fn range(self, runs: u32) -> RunRange {
        RunRange::shard(runs, self.index, self.count)
    }
}

/// `shard.json`: enough to check shards belong together and to rebuild the plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardInfo {
    pub format: u32,
    pub version: String,
    pub shard: u32,
    pub shards: u32,
    pub range: RunRange,
    pub runs: u32,
    pub seed: u64,
    /// Hash of the config text, the data text, runs and seed.
    pub fingerprint: String,
    pub config_source: String,
    pub config_text: String,
    pub data_source: String,
    /// The config's `data` path as resolved when the shard ran (it goes into metadata).
    pub data_path: Option<PathBuf>,
    /// The data table's text; None for the table built into fastlakare.
    pub data_text: Option<String>,
    /// The charts' language (`--lang` or the config's), for the merged folder.
    #[serde(default)]
    pub language: crate::lang::Lang,
    pub scenarios: Vec<String>,
    pub units: Vec<String>,
    pub years: usize,
    pub trajectories: bool,
    /// FNV-1a of `bands.sketch`: any flipped byte changes it.
    pub sketch_checksum: String,
    /// FNV-1a of each part of `runs/` and `trajectories/`, by its path in the folder.
    pub part_checksums: std::collections::BTreeMap<String, String>,
}

/// FNV-1a of `parts`, each followed by a 0xff byte, as hex.
fn fnv(parts: &[&[u8]]) -> String {
    use crate::input::{fnv1a, FNV_OFFSET};
    let h = parts
        .iter()
        .fold(FNV_OFFSET, |h, p| fnv1a(fnv1a(h, p), &[0xff]));
    format!("{h:016x}")
}

/// What ties shards of one run together: the config and data texts, runs and seed.
fn fingerprint(config_text: &str, data_text: Option<&str>, runs: u32, seed: u64) -> String {
    fnv(&[
        config_text.as_bytes(),
        data_text.unwrap_or(BUILTIN_NAME).as_bytes(),
        &runs.to_le_bytes(),
        &seed.to_le_bytes(),
    ])
}

/// The checksums of every part file under `dir`'s `runs/` and `trajectories/`.
fn part_checksums(dir: &Path) -> Result<std::collections::BTreeMap<String, String>, Error> {
    let mut sums = std::collections::BTreeMap::new();
    for dataset in [RUNS_DIR, TRAJECTORIES_DIR] {
        let Ok(units) = fs::read_dir(dir.join(dataset)) else {
            continue;
        };
        for unit in units.flatten() {
            let Ok(parts) = fs::read_dir(unit.path()) else {
                continue;
            };
            for part in parts.flatten() {
                let path = part.path();
                let key = path
                    .strip_prefix(dir)
                    .expect("under the shard folder")
                    .to_string_lossy()
                    .into_owned();
                sums.insert(key, part_checksum(&path)?);
            }
        }
    }
    Ok(sums)
}

/// A part's checksum, read in blocks.
fn part_checksum(path: &Path) -> Result<String, Error> {
    crate::input::checksum_file(path)
        .map(|h| format!("{h:016x}"))
        .map_err(|e| Error::Io {
            path: path.to_path_buf(),
            what: "read a shard's part",
            source: e,
        })
}

impl ShardInfo {
    fn of(
        plan: &RunPlan,
        spec: ShardSpec,
        sim: &SimOutput,
        trajectories: bool,
        sketch_checksum: String,
        part_checksums: std::collections::BTreeMap<String, String>,
    ) -> Self {
        let cfg = &plan.config;
        // The data table's text as the run read it; None for the built-in table.
        let data_text = (plan.table.source != BUILTIN_NAME).then(|| plan.table.text.clone());
        ShardInfo {
            format: FORMAT,
            version: env!("CARGO_PKG_VERSION").into(),
            shard: spec.index,
            shards: spec.count,
            range: sim.range,
            runs: cfg.runs,
            seed: cfg.seed,
            fingerprint: fingerprint(&cfg.text, data_text.as_deref(), cfg.runs, cfg.seed),
            config_source: cfg.source.clone(),
            config_text: cfg.text.clone(),
            data_source: plan.table.source.clone(),
            data_path: cfg.data.clone(),
            data_text,
            language: cfg.language,
            scenarios: plan.scenarios.iter().map(|s| s.name.clone()).collect(),
            units: sim.scenarios[0]
                .regions
                .iter()
                .map(|r| r.code.clone())
                .collect(),
            years: sim.years,
            trajectories,
            sketch_checksum,
            part_checksums,
        }
    }

    /// The plan the shard ran, rebuilt from the texts it carries.
    fn plan(&self, out: &Path, threads: Option<usize>) -> Result<RunPlan, Error> {
        let mut config = Config::parse(&self.config_text, &self.config_source)?;
        config.data.clone_from(&self.data_path);
        let table = match &self.data_text {
            None => RegionTable::builtin(),
            Some(text) => RegionTable::parse(text, &self.data_source)?,
        };
        RunPlan::new(
            config,
            table,
            &Overrides {
                runs: Some(self.runs),
                seed: Some(self.seed),
                out: Some(out.to_path_buf()),
                threads,
                lang: Some(self.language),
            },
        )
    }
}

/// Writes a shard's partial result (see the module doc) and moves it into place.
pub fn write_shard(
    plan: &RunPlan,
    spec: ShardSpec,
    sim: &SimOutput,
    staging: Staging,
    force: bool,
    trajectories: bool,
) -> Result<(), Error> {
    let dir = staging.path();
    let mut bytes = Vec::new();
    bytes.extend_from_slice(SKETCH_MAGIC);
    for sc in &sim.scenarios {
        for r in &sc.regions {
            for s in r.bands.iter().chain(&r.ages) {
                s.encode(&mut bytes);
            }
        }
    }
    let parts = part_checksums(dir)?;
    let info = ShardInfo::of(plan, spec, sim, trajectories, fnv(&[&bytes]), parts);
    let path = dir.join(SKETCH_FILE);
    fs::write(&path, bytes).map_err(|e| Error::Io {
        path,
        what: "write",
        source: e,
    })?;
    let path = dir.join(SHARD_FILE);
    let text = serde_json::to_string_pretty(&info).expect("shard info serialises");
    fs::write(&path, text + "\n").map_err(|e| Error::Io {
        path,
        what: "write",
        source: e,
    })?;
    crate::interrupt::check()?;
    staging.commit(force)
}

fn shard_err(path: &Path, problem: impl Into<String>) -> Error {
    Error::Shard {
        path: path.to_path_buf(),
        problem: problem.into(),
    }
}

fn read_info(dir: &Path) -> Result<ShardInfo, Error> {
    let path = dir.join(SHARD_FILE);
    // The config and data texts, each at most 16 MiB, and the part checksums.
    let bytes = crate::input::read_bytes(&path, 64 << 20, "read").map_err(|e| {
        shard_err(
            dir,
            format!("not a shard folder ({e}); make one with `run --shard K/N`"),
        )
    })?;
    let info: ShardInfo =
        serde_json::from_slice(&bytes).map_err(|e| shard_err(&path, format!("damaged: {e}")))?;
    if info.format != FORMAT {
        return Err(shard_err(
            &path,
            format!(
                "shard format {} is not {FORMAT} (made by fastlakare {})",
                info.format, info.version
            ),
        ));
    }
    if !(1..=info.shards).contains(&info.shard) || info.shards > MAX_SHARDS {
        return Err(shard_err(
            &path,
            format!(
                "damaged: shard {}/{} is not K/N with 1 <= K <= N <= {MAX_SHARDS}",
                info.shard, info.shards
            ),
        ));
    }
    if fingerprint(
        &info.config_text,
        info.data_text.as_deref(),
        info.runs,
        info.seed,
    ) != info.fingerprint
    {
        return Err(shard_err(
            &path,
            "damaged: its config, data, runs or seed are not what it was made with (fingerprint)",
        ));
    }
    Ok(info)
}

/// Checks that `shards` are all N shards of one run, each once; returns them in order.
fn check_set(mut shards: Vec<(PathBuf, ShardInfo)>) -> Result<Vec<(PathBuf, ShardInfo)>, Error> {
    let (first_dir, first) = shards
        .first()
        .cloned()
        .ok_or_else(|| Error::Usage("merge needs at least one shard folder".into()))?;
    for (dir, s) in &shards[1..] {
        let differ = |what: &str, a: String, b: String| {
            shard_err(
                dir,
                format!(
                    "made with {what} {b}, but {} with {what} {a}: these shards are not of one run",
                    first_dir.display()
                ),
            )
        };
        if s.seed != first.seed {
            return Err(differ("seed", first.seed.to_string(), s.seed.to_string()));
        }
        if s.runs != first.runs {
            return Err(differ("runs", first.runs.to_string(), s.runs.to_string()));
        }
        if s.shards != first.shards {
            return Err(differ(
                "shard count",
                first.shards.to_string(),
                s.shards.to_string(),
            ));
        }
        if s.version != first.version {
            return Err(differ(
                "fastlakare",
                first.version.clone(),
                s.version.clone(),
            ));
        }
        if s.fingerprint != first.fingerprint {
            return Err(shard_err(
                dir,
                format!(
                    "made from another config or data than {} (config {} vs {}): these shards are not of one run",
                    first_dir.display(),
                    s.config_source,
                    first.config_source
                ),
            ));
        }
        if s.trajectories != first.trajectories {
            return Err(shard_err(
                dir,
                format!(
                    "--trajectories was {} here but {} in {}",
                    if s.trajectories { "on" } else { "off" },
                    if first.trajectories { "on" } else { "off" },
                    first_dir.display()
                ),
            ));
        }
    }
    shards.sort_by_key(|(_, s)| s.shard);
    for pair in shards.windows(2) {
        if pair[0].1.shard == pair[1].1.shard {
            return Err(shard_err(
                &pair[1].0,
                format!(
                    "shard {}/{} is given twice (also {})",
                    pair[1].1.shard,
                    pair[1].1.shards,
                    pair[0].0.display()
                ),
            ));
        }
    }
    let n = first.shards;
    let have: Vec<u32> = shards.iter().map(|(_, s)| s.shard).collect();
    let missing: Vec<u32> = (1..=n).filter(|k| !have.contains(k)).collect();
    if !missing.is_empty() {
        let mut listed: Vec<String> = missing
            .iter()
            .take(10)
            .map(|k| format!("{k}/{n}"))
            .collect();
        if missing.len() > listed.len() {
            listed.push(format!("and {} more", missing.len() - listed.len()));
        }
        return Err(shard_err(
            &first_dir,
            format!(
                "shard {} missing: merge needs all {n} shards",
                listed.join(", ")
            ),
        ));
    }
    for (dir, s) in &shards {
        if s.range != RunRange::shard(s.runs, s.shard, s.shards) {
            return Err(shard_err(
                dir,
                "its run range does not match its shard number",
            ));
        }
    }
    Ok(shards)
}

/// Checks what each shard says it holds against the plan its config and data make:
/// the same units (so no code from a shard file names a path), scenarios and years.
fn check_against_plan(shards: &[(PathBuf, ShardInfo)], plan: &RunPlan) -> Result<(), Error> {
    let empty = SimOutput::empty(plan, RunRange::all(0));
    let units: Vec<&str> = empty.scenarios[0]
        .regions
        .iter()
        .map(|r| r.code.as_str())
        .collect();
    let scenarios: Vec<&str> = plan.scenarios.iter().map(|s| s.name.as_str()).collect();
    for (dir, info) in shards {
        let path = dir.join(SHARD_FILE);
        if info.units != units {
            return Err(shard_err(
                &path,
                format!(
                    "damaged: lists the regions {:?}, but its config and data make {units:?}",
                    info.units
                ),
            ));
        }
        if info.scenarios != scenarios {
            return Err(shard_err(
                &path,
                format!(
                    "damaged: lists the scenarios {:?}, but its config makes {scenarios:?}",
                    info.scenarios
                ),
            ));
        }
        if info.years != empty.years {
            return Err(shard_err(
                &path,
                format!(
                    "damaged: {} years, but its config simulates {}",
                    info.years, empty.years
                ),
            ));
        }
    }
    Ok(())
}

/// What a part of a shard holds besides its runs: the runs table has a region column,
/// trajectories a row a year.
#[derive(Clone, Copy)]
enum PartKind<'a> {
    Runs { region: &'a str },
    Trajectories { base_year: i32, years: usize },
}

/// Concatenates one (dataset, scenario, unit) part of each shard into `target`, after
/// checking each against its shard: the checksum `shard.json` records, then (see
/// [`check_part`]) its runs, scenario and region or years.
#[allow(clippy::too_many_arguments)]
fn concat_shards(
    shards: &[&(PathBuf, ShardInfo)],
    dataset: &str,
    scenario_index: usize,
    code: &str,
    scenario: &str,
    kind: PartKind<'_>,
    target: &Path,
    nullable: fn(&str) -> bool,
    meta: &[(String, String)],
) -> Result<u64, Error> {
    let key = part_path(Path::new(dataset), scenario_index, code)
        .to_string_lossy()
        .into_owned();
    let paths: Vec<PathBuf> = shards.iter().map(|(d, _)| d.join(&key)).collect();
    for ((_, info), path) in shards.iter().zip(&paths) {
        let recorded = info.part_checksums.get(&key).ok_or_else(|| {
            shard_err(path, format!("damaged: {SHARD_FILE} records no such part"))
        })?;
        if part_checksum(path)? != *recorded {
            return Err(shard_err(
                path,
                format!("damaged: its checksum is not the one {SHARD_FILE} records (a part of another shard, scenario or region, or changed)"),
            ));
        }
    }
    // Every part has the first's columns, or the concatenation would fail inside polars.
    let first_schema = std::cell::OnceCell::new();
    let check = |k: usize, df: &DataFrame| {
        let schema = first_schema.get_or_init(|| df.schema().clone());
        if df.schema() != schema {
            return Err(shard_err(
                &paths[k],
                "damaged: its columns are not those of the other shards' parts",
            ));
        }
        check_part(df, shards[k].1.range, kind, scenario).map_err(|p| shard_err(&paths[k], p))
    };
    concat_parts(&paths, target, nullable, meta, &check)
}

/// Checks that a part holds exactly its shard's runs, in order, each once (and for
/// trajectories each run's years in order), of the scenario and region it is filed
/// under.
fn check_part(
    df: &DataFrame,
    range: RunRange,
    kind: PartKind<'_>,
    scenario: &str,
) -> Result<(), String> {
    let per_run = match kind {
        PartKind::Runs { .. } => 1,
        PartKind::Trajectories { years, .. } => years,
    };
    let rows = range.len() * per_run;
    if df.height() != rows {
        return Err(format!(
            "has {} rows, but its shard's runs {}..{} make {rows}: a part of another shard or region?",
            df.height(),
            range.start,
            range.end
        ));
    }
    let col = |name: &str| df.column(name).map_err(|e| format!("column {name}: {e}"));
    let ints = |name: &str| -> Result<Int32Chunked, String> {
        Ok(col(name)?.i32().map_err(|e| e.to_string())?.clone())
    };
    for (i, run) in ints("run")?.iter().enumerate() {
        let want = i64::from(range.start) + (i / per_run) as i64;
        if run.map(i64::from) != Some(want) {
            return Err(format!(
                "row {i} is run {}, where its shard's runs {}..{} put run {want}: a part of another shard, or runs repeated?",
                run.map_or("null".to_string(), |r| r.to_string()),
                range.start,
                range.end
            ));
        }
    }
    let only = |name: &str, want: &str| -> Result<(), String> {
        let c = col(name)?.str().map_err(|e| e.to_string())?.clone();
        let other = c
            .iter()
            .find(|v| *v != Some(want))
            .map(|v| format!("{v:?}"));
        match other {
            Some(other) => Err(format!(
                "its {name} column holds {other} where the folder it is in says {want:?}: a part of another scenario or region?"
            )),
            None => Ok(()),
        }
    };
    only("scenario", scenario)?;
    match kind {
        PartKind::Runs { region } => only("region", region)?,
        PartKind::Trajectories { base_year, years } => {
            for (i, year) in ints("year")?.iter().enumerate() {
                let want = i64::from(base_year) + (i % years) as i64;
                if year.map(i64::from) != Some(want) {
                    return Err(format!("row {i} is of year {year:?}, not {want}"));
                }
            }
        }
    }
    Ok(())
}

fn read_sketches(dir: &Path, info: &ShardInfo, plan: &RunPlan) -> Result<SimOutput, Error> {
    let path = dir.join(SKETCH_FILE);
    // The sketches of a shard's regions, years and metrics: a few megabytes; each is
    // bounded by the range of its values, not by the runs.
    let bytes = crate::input::read_bytes(&path, 1 << 30, "read")?;
    let damaged = || shard_err(&path, "damaged or cut short");
    if fnv(&[&bytes]) != info.sketch_checksum {
        return Err(shard_err(
            &path,
            format!(
                "damaged: its checksum is not the one {SHARD_FILE} records (the file changed after the shard was written)"
            ),
        ));
    }
    let mut rest = bytes
        .strip_prefix(SKETCH_MAGIC.as_slice())
        .ok_or_else(damaged)?;
    let mut sim = SimOutput::empty(plan, info.range);
    for sc in &mut sim.scenarios {
        for r in &mut sc.regions {
            for s in r.bands.iter_mut().chain(r.ages.iter_mut()) {
                *s = Sketch::decode(&mut rest).ok_or_else(damaged)?;
                if s.len() != info.range.len() as u64 {
                    return Err(damaged());
                }
            }
        }
    }
    if !rest.is_empty() {
        return Err(damaged());
    }
    Ok(sim)
}

/// What `merge` did.
pub struct Merged {
    pub plan: RunPlan,
    pub shards: usize,
    pub manifest: output::Manifest,
}

/// Merges shard folders into `out` (whole or not at all).
pub fn merge(
    out: &Path,
    dirs: &[PathBuf],
    opts: output::WriteOptions,
    threads: Option<usize>,
) -> Result<Merged, Error> {
    let started = std::time::Instant::now();
    let infos = dirs
        .iter()
        .map(|d| read_info(d).map(|i| (d.clone(), i)))
        .collect::<Result<Vec<_>, _>>()?;
    let shards = check_set(infos)?;
    let info0 = shards[0].1.clone();
    let plan = info0.plan(out, threads)?;
    check_against_plan(&shards, &plan)?;
    let staging = Staging::create(out, opts.force)?;

    // Bands: the shards' sketches, merged in shard order.
    let mut sim: Option<SimOutput> = None;
    for (dir, info) in &shards {
        crate::interrupt::check()?;
        let part = read_sketches(dir, info, &plan)?;
        match &mut sim {
            None => sim = Some(part),
            Some(s) => s.append(part).map_err(|p| shard_err(dir, p))?,
        }
    }
    let mut sim = sim.expect("at least one shard");
    for sc in &mut sim.scenarios {
        for r in &mut sc.regions {
            r.years_to_target.clear();
            r.flags.clear();
            r.extra_costs.clear();
        }
    }

    // Runs (and trajectories): the shards' parts concatenated in shard order; years to
    // target and extra costs read back from them, region by region.
    let meta = output::parquet_metadata(&plan);
    let mut streamed = Streamed {
        runs_rows: 0,
        runs_file: false,
        trajectory_rows: info0.trajectories.then_some(0),
    };
    let checkpoints = &plan.config.checkpoint_years;
    let cost_cols: Vec<String> = checkpoints
        .iter()
        .map(|y| format!("cost_msek_by_{y}"))
        .collect();
    // Shards with no runs (more shards than runs) have no parts.
    let with_runs: Vec<&(PathBuf, ShardInfo)> =
        shards.iter().filter(|(_, i)| !i.range.is_empty()).collect();
    let names: Vec<String> = sim.scenarios[0]
        .regions
        .iter()
        .map(|r| r.name.clone())
        .collect();
    for (u, code) in info0.units.iter().enumerate() {
        let mut base_costs: Vec<f64> = Vec::new();
        for s in 0..info0.scenarios.len() {
            crate::interrupt::check()?;
            let scenario = &info0.scenarios[s];
            let target = part_path(&staging.path().join(RUNS_DIR), s, code);
            let region = PartKind::Runs { region: &names[u] };
            streamed.runs_rows += concat_shards(
                &with_runs,
                RUNS_DIR,
                s,
                code,
                scenario,
                region,
                &target,
                output::runs_nullable,
                &meta,
            )?;
            let (years_to_target, flags, flat) = read_merged_part(&target, &cost_cols)?;
            let outcome = &mut sim.scenarios[s].regions[u];
            outcome.years_to_target = years_to_target;
            outcome.flags = flags;
            if s == 0 {
                base_costs = flat;
            } else {
                outcome.extra_costs = flat.iter().zip(&base_costs).map(|(a, b)| a - b).collect();
            }
            if let Some(rows) = &mut streamed.trajectory_rows {
                let target = part_path(&staging.path().join(TRAJECTORIES_DIR), s, code);
                let years = PartKind::Trajectories {
                    base_year: plan.config.base_year,
                    years: info0.years,
                };
                *rows += concat_shards(
                    &with_runs,
                    TRAJECTORIES_DIR,
                    s,
                    code,
                    scenario,
                    years,
                    &target,
                    |_| false,
                    &meta,
                )?;
            }
        }
    }
    debug_assert!(sim.scenarios[0]
        .regions
        .iter()
        .all(|r| r.years_to_target.len() == sim.range.len()));
    let facts = output::RunFacts {
        threads: plan.thread_count(),
        wall_seconds: started.elapsed().as_secs_f64(),
    };
    let manifest = output::write_results(&plan, &sim, facts, opts, staging, || Ok(streamed))?;
    Ok(Merged {
        plan,
        shards: shards.len(),
        manifest,
    })
}

/// What the summary needs of a merged runs part: years to target, flags and costs (run
/// by run, checkpoint by checkpoint).
type PartOutcome = (Vec<Option<u32>>, Vec<crate::simulate::RunFlags>, Vec<f64>);

/// The [`PartOutcome`] of a merged runs part.
fn read_merged_part(target: &Path, cost_cols: &[String]) -> Result<PartOutcome, Error> {
    let mut cols = vec![
        "years_to_target".to_string(),
        output::FELL_BACK.to_string(),
        output::UPTAKE_CLAMPED.to_string(),
    ];
    cols.extend(cost_cols.iter().cloned());
    let df = output::read_columns(target, &cols)?;
    let bad = |e| Error::Parquet {
        path: target.to_path_buf(),
        source: e,
    };
    let ytt = df
        .column("years_to_target")
        .and_then(|c| c.i32().cloned())
        .map_err(bad)?;
    let costs: Vec<Float64Chunked> = cost_cols
        .iter()
        .map(|c| df.column(c).and_then(|c| c.f64().cloned()))
        .collect::<Result<_, _>>()
        .map_err(bad)?;
    let flag = |c: &str| df.column(c).and_then(|c| c.bool().cloned()).map_err(bad);
    let (fell_back, clamped) = (flag(output::FELL_BACK)?, flag(output::UPTAKE_CLAMPED)?);
    let flags = fell_back
        .iter()
        .zip(clamped.iter())
        .map(|(f, c)| crate::simulate::RunFlags {
            fell_back: f.unwrap_or(false),
            uptake_clamped: c.unwrap_or(false),
        })
        .collect();
    let mut flat = Vec::with_capacity(df.height() * cost_cols.len());
    for i in 0..df.height() {
        for c in &costs {
            flat.push(c.get(i).unwrap_or(f64::NAN));
        }
    }
    Ok((
        ytt.iter().map(|y| y.map(|y| y as u32)).collect(),
        flags,
        flat,
    ))
}
