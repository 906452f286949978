//! The model's core in region-run-years per second, and the random-number floor.
//!
//!     cargo bench --bench model            then  python3 scripts/bench-summary.py
//!
//! `core/*` times `model::run_regions` (as `simulate` calls it: a region's runs 32 at
//! a time, eight side by side where the processor has AVX-512) over the baseline
//! config's 21 regions x `RUNS` runs x 100 years with parameters drawn beforehand (as `simulate` draws them),
//! in binomial and expected mode, on one thread and on all cores. `floor/*` replays the
//! very draws the binomial core makes (same sub-streams, same number of 64-bit numbers
//! from each, recorded by a counting generator) and does nothing else: the time the
//! random numbers alone take. `core / floor` is the model's overhead over its dice.
//! `simulate/*` is the whole in-memory simulation (parameter draws, model, the band
//! sketches) without Parquet or charts.
//!
//! Before the criterion groups, the core and the floor are also timed in pairs, one
//! right after the other, on one thread and then on all cores
//! (`FASTLAKARE_PAIRED_ROUNDS` pairs each, 15 unless set): on a shared machine whose
//! speed drifts from minute to minute, the ratio within a pair is steadier than the
//! ratio of two medians taken seconds apart. The pairs go
//! to `target/criterion/paired-core-floor.json`, which `scripts/bench-summary.py` reads.

use std::cell::RefCell;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::RngCore;
use rayon::prelude::*;

use fastlakare::config::{Guideline, Mode};
use fastlakare::model::{
    self, run_region, run_regions, Noise, NoiseRng, NoiseSource, RegionInputs, Trajectory, STOCKS,
};
use fastlakare::plan::{Overrides, RunPlan};
use fastlakare::sample::{self, Purpose};
use fastlakare::simulate::{simulate, RunRange};

/// Runs per region per iteration: 21 x 256 region-runs, 537 600 region-run-years.
const RUNS: u32 = 256;

struct Case {
    inputs: RegionInputs<'static>,
    guideline: Guideline,
    noise_key: u64,
}

fn plan(threads: Option<usize>) -> RunPlan {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/baseline.toml");
    let o = Overrides {
        threads,
        ..Overrides::default()
    };
    RunPlan::load(&path, &o).expect("configs/baseline.toml loads")
}

/// The region-runs of the baseline's first `RUNS` runs, parameters drawn as `simulate`
/// draws them.
fn cases(plan: &RunPlan) -> Vec<Case> {
    let cfg = &plan.config;
    let rs = &plan.scenarios[0].regions;
    // Region by region, as `simulate` runs them (a region's runs in groups, eight of
    // them side by side where the processor can).
    let mut out = Vec::new();
    for (region, rs) in plan.regions.iter().zip(rs) {
        for run in 0..RUNS {
            let u_national = sample::national_uniforms(cfg.seed, run);
            let u_region = sample::region_uniforms(cfg.seed, run, &region.code);
            let draw = sample::draw(cfg, region, &u_national, &u_region, &rs.parameters);
            out.push(Case {
                inputs: RegionInputs::new(region, &draw, cfg.training, &cfg.ages),
                guideline: rs.guideline,
                noise_key: sample::stream_key(
                    cfg.seed,
                    run,
                    sample::region_key(&region.code),
                    Purpose::Noise,
                ),
            });
        }
    }
    out
}

/// Region-runs a `run_regions` call takes, as `simulate` groups them.
const GROUP: usize = 32;

/// Runs every case as `simulate` does (`run_regions`, a group of a region's runs at a
/// time); returns the number of runs that reached the target (kept so nothing is
/// optimised away). `buf` holds `GROUP` trajectories.
fn run_cases(cases: &[Case], horizon: u32, mode: Mode, buf: &mut [f64]) -> u32 {
    let stride = STOCKS * (horizon as usize + 1);
    let mut reached = [None; GROUP];
    let mut total = 0;
    for group in cases.chunks(GROUP) {
        // Borrowed, so nothing is allocated to make the slice.
        let inputs: [RegionInputs<'_>; GROUP] =
            std::array::from_fn(|j| group[j.min(group.len() - 1)].inputs.borrowed());
        let noise = |j: usize| match mode {
            Mode::Binomial => Noise::binomial(group[j].noise_key),
            _ => Noise::Expected,
        };
        let n = group.len();
        run_regions(
            &inputs[..n],
            noise,
            &group[0].guideline,
            horizon,
            &mut buf[..n * stride],
            &mut reached[..n],
            None,
        );
        total += reached[..n].iter().filter(|r| r.is_some()).count() as u32;
    }
    total
}

/// Runs every case one at a time (`run_region`), drawing with `R`.
fn run_cases_alone<R: NoiseSource>(
    cases: &[Case],
    horizon: u32,
    mode: Mode,
    buf: &mut [f64],
) -> u32 {
    let years = horizon as usize + 1;
    let mut reached = 0;
    for c in cases {
        let noise = match mode {
            Mode::Binomial => Noise::<R>::binomial_from(c.noise_key),
            _ => Noise::Expected,
        };
        let mut traj = Trajectory::new(years, &mut buf[..STOCKS * years]);
        reached +=
            u32::from(run_region(&c.inputs, &c.guideline, horizon, noise, &mut traj).is_some());
    }
    reached
}

fn run_parallel(pool: &rayon::ThreadPool, cases: &[Case], horizon: u32, mode: Mode) -> u32 {
    let stride = STOCKS * (horizon as usize + 1);
    pool.install(|| {
        cases
            .par_chunks(64)
            .map_init(
                || vec![0.0; GROUP * stride],
                |buf, chunk| run_cases(chunk, horizon, mode, buf),
            )
            .sum()
    })
}

thread_local! {
    /// (key, index, 64-bit numbers drawn) of each sub-stream the counting generator opened.
    static DRAWS: RefCell<Vec<(u64, u64, u32)>> = const { RefCell::new(Vec::new()) };
}

/// `NoiseRng` that records which sub-streams the model opens and how much it draws.
struct Counting(NoiseRng);

impl NoiseSource for Counting {
    fn substream(key: u64, index: u64) -> Self {
        DRAWS.with(|d| d.borrow_mut().push((key, index, 0)));
        Counting(model::noise_substream(key, index))
    }
}

impl RngCore for Counting {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        DRAWS.with(|d| d.borrow_mut().last_mut().expect("opened").2 += 1);
        self.0.next_u64()
    }
    fn fill_bytes(&mut self, _: &mut [u8]) {
        unimplemented!("the model draws whole numbers only")
    }
}

/// The sub-streams the binomial core opened, in order, and how many 64-bit numbers it
/// drew from each: what the floor replays.
///
/// Compact (4 bytes a sub-stream, the keys once per region-run) because the replay
/// reads it as it goes, and the model itself reads no such list: it computes its
/// sub-streams' indices. Kept as (key, index, count) at 24 bytes a sub-stream, the
/// list was 52 MB, about 100 bytes a region-run-year against the model's few, and on
/// an Intel Xeon the replay took 24 ms when the list was still in cache from the
/// replay before and 39 ms right after a core pass: a floor of memory traffic, and a
/// paired ratio that depended on which went first (2.1x or 3.5x).
struct Draws {
    /// Per region-run: its noise key and its sub-streams' range in `subs`.
    runs: Vec<(u64, std::ops::Range<u32>)>,
    /// Per sub-stream: its index (`Event::substream(year)`) and the numbers drawn from it.
    subs: Vec<(u16, u16)>,
}

impl Draws {
    /// From the counting generator's records, in the order they were opened.
    fn new(records: &[(u64, u64, u32)]) -> Draws {
        let mut runs: Vec<(u64, std::ops::Range<u32>)> = Vec::new();
        let mut subs = Vec::with_capacity(records.len());
        for &(key, index, n) in records {
            let at = u32::try_from(subs.len()).expect("fewer than 2^32 sub-streams");
            match runs.last_mut() {
                Some((k, range)) if *k == key => range.end = at + 1,
                _ => runs.push((key, at..at + 1)),
            }
            subs.push((
                u16::try_from(index).expect("sub-stream index below 2^16"),
                u16::try_from(n).expect("fewer than 2^16 numbers a sub-stream"),
            ));
        }
        Draws { runs, subs }
    }

    /// The numbers drawn for each event (`model::Event::ALL`'s order), over all years.
    fn numbers_by_event(&self) -> [u64; model::Event::ALL.len()] {
        let mut by_event = [0; model::Event::ALL.len()];
        for &(index, n) in &self.subs {
            let (_, event) = model::Event::of_substream(u64::from(index));
            by_event[event.expect("an event's sub-stream") as usize] += u64::from(n);
        }
        by_event
    }

    fn numbers(&self) -> u64 {
        self.subs.iter().map(|&(_, n)| u64::from(n)).sum()
    }

    /// The same sub-streams and draws as the model, for the region-runs `runs`, and
    /// nothing else.
    ///
    /// Each number is folded in by a rotation and an exclusive or, not the exclusive or
    /// alone: that was a reduction the compiler vectorised, two SplitMix64 streams a
    /// vector with the 64-bit multiplications built from 32-bit ones (SSE2 has none),
    /// and the replay ran about 12 % slower than one number at a time (a floor too high
    /// by as much, and the ratio too low).
    fn replay(&self, runs: &[(u64, std::ops::Range<u32>)]) -> u64 {
        let mut acc = 0u64;
        for (key, range) in runs {
            for &(index, n) in &self.subs[range.start as usize..range.end as usize] {
                let mut rng = model::noise_substream(*key, u64::from(index));
                for _ in 0..n {
                    acc = acc.rotate_left(5) ^ rng.next_u64();
                }
            }
        }
        acc
    }

    fn replay_all(&self) -> u64 {
        self.replay(&self.runs)
    }
}

/// `rounds` pairs of one binomial core pass and one floor replay, in turn (which goes
/// first alternates): their times in ms. `core` and `floor` each make one pass, on this
/// thread or on a pool's.
///
/// Each timed pass comes right after an untimed one of its own, as criterion's samples
/// do: on an Intel Xeon the floor right after a core pass took 10-40 % longer than
/// after a floor (its list of draws, and its tables, evicted), and with the order
/// alternating that split the pairs' ratios in two groups.
fn paired(rounds: u32, mut core: impl FnMut(), mut floor: impl FnMut()) -> Vec<(f64, f64)> {
    let timed = |pass: &mut dyn FnMut()| {
        pass();
        let started = std::time::Instant::now();
        pass();
        started.elapsed().as_secs_f64() * 1e3
    };
    (0..rounds)
        .map(|r| {
            if r % 2 == 0 {
                let c = timed(&mut core);
                (c, timed(&mut floor))
            } else {
                let f = timed(&mut floor);
                (timed(&mut core), f)
            }
        })
        .collect()
}

/// Where criterion writes its results (`CARGO_TARGET_DIR` or `target`).
fn criterion_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("criterion")
}

fn replay_parallel(pool: &rayon::ThreadPool, draws: &Draws) -> u64 {
    // 64 region-runs a task, as `run_parallel` takes the cases.
    pool.install(|| {
        draws
            .runs
            .par_chunks(64)
            .map(|runs| draws.replay(runs))
            .reduce(|| 0, |a, b| a ^ b)
    })
}

fn benches(c: &mut Criterion) {
    let plan = plan(None);
    let horizon = plan.config.horizon_years;
    let cases = cases(&plan);
    let region_run_years = cases.len() as u64 * u64::from(horizon);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut buf = vec![0.0; GROUP * STOCKS * (horizon as usize + 1)];

    // FASTLAKARE_CORE_PASSES=N: the binomial core N times over the cases, then stop:
    // for an instruction and branch count under cachegrind, which the machine's load
    // does not move (scripts/core-instructions.sh).
    if let Ok(passes) = std::env::var("FASTLAKARE_CORE_PASSES") {
        let passes: u32 = passes.parse().expect("FASTLAKARE_CORE_PASSES is a number");
        for _ in 0..passes {
            black_box(run_cases(&cases, horizon, Mode::Binomial, &mut buf));
        }
        std::process::exit(0);
    }

    DRAWS.with(|d| d.borrow_mut().clear());
    let counted = run_cases_alone::<Counting>(&cases, horizon, Mode::Binomial, &mut buf);
    let draws = Draws::new(&DRAWS.with(|d| std::mem::take(&mut *d.borrow_mut())));
    assert_eq!(
        counted,
        run_cases(&cases, horizon, Mode::Binomial, &mut buf),
        "the counting generator must not change the model"
    );
    // FASTLAKARE_FLOOR_PASSES=N: the floor's replay N times on this thread, timed by a
    // plain clock (ms a pass on stderr), for timing two bench binaries in turn.
    if let Ok(passes) = std::env::var("FASTLAKARE_FLOOR_PASSES") {
        let passes: u32 = passes.parse().expect("FASTLAKARE_FLOOR_PASSES is a number");
        let started = std::time::Instant::now();
        for _ in 0..passes {
            black_box(black_box(&draws).replay_all());
        }
        let ms = started.elapsed().as_secs_f64() * 1e3 / f64::from(passes);
        eprintln!("floor {ms:.2} ms a pass");
        std::process::exit(0);
    }
    let numbers = draws.numbers();
    eprintln!(
        "{} region-runs x {horizon} years: {} sub-streams, {numbers} 64-bit draws ({:.2} per region-run-year); intake bytes counted {} a vector",
        cases.len(),
        draws.subs.len(),
        numbers as f64 / region_run_years as f64,
        if fastlakare::model::Avx512::detect().is_some() { "64 (AVX-512)" } else { "16 (SSE2)" }
    );
    let by_event: Vec<String> = model::Event::ALL
        .iter()
        .zip(draws.numbers_by_event())
        .map(|(event, n)| format!("{event:?} {:.2}", n as f64 / region_run_years as f64))
        .collect();
    eprintln!(
        "64-bit draws per region-run-year by event: {}",
        by_event.join(", ")
    );

    // One pool per thread count, for the pairs and criterion's groups alike.
    let pools: Vec<(usize, rayon::ThreadPool)> = [1, cores]
        .into_iter()
        .map(|threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool");
            (threads, pool)
        })
        .collect();
    let rounds: u32 = std::env::var("FASTLAKARE_PAIRED_ROUNDS")
        .map(|r| r.parse().expect("FASTLAKARE_PAIRED_ROUNDS is a number"))
        .unwrap_or(15);
    if rounds > 0 {
        // On this thread, then (where there are more) on all cores, in criterion's own
        // pool: criterion's medians of core and floor come seconds apart, and on 2
        // threads their ratio moved from 2.88x to 3.27x from one run to the next.
        let mut sets = vec![(
            1,
            paired(
                rounds,
                || {
                    black_box(run_cases(&cases, horizon, Mode::Binomial, &mut buf));
                },
                || {
                    black_box(black_box(&draws).replay_all());
                },
            ),
        )];
        for (threads, pool) in pools.iter().filter(|(t, _)| *t > 1) {
            sets.push((
                *threads,
                paired(
                    rounds,
                    || {
                        black_box(run_parallel(pool, &cases, horizon, Mode::Binomial));
                    },
                    || {
                        black_box(replay_parallel(pool, &draws));
                    },
                ),
            ));
        }
        let mut json = Vec::new();
        for (threads, pairs) in &sets {
            let mut ratios: Vec<f64> = pairs.iter().map(|(c, f)| c / f).collect();
            ratios.sort_by(f64::total_cmp);
            eprintln!(
                "core / floor in {rounds} pairs on {threads} thread(s): median {:.2}x (from {:.2}x to {:.2}x)",
                ratios[ratios.len() / 2],
                ratios[0],
                ratios[ratios.len() - 1]
            );
            json.push(serde_json::json!({
                "threads": threads,
                "core_ms": pairs.iter().map(|p| p.0).collect::<Vec<_>>(),
                "floor_ms": pairs.iter().map(|p| p.1).collect::<Vec<_>>(),
            }));
        }
        let dir = criterion_dir();
        std::fs::create_dir_all(&dir).expect("criterion's folder");
        let json = serde_json::json!({
            "what": "binomial core pass and floor replay timed in turn, ms, per thread count",
            "region_run_years": region_run_years,
            "sets": json,
        });
        std::fs::write(dir.join("paired-core-floor.json"), json.to_string())
            .expect("paired-core-floor.json written");
    }

    let mut g = c.benchmark_group("model");
    g.throughput(Throughput::Elements(region_run_years));
    g.sample_size(20);
    for &(threads, ref pool) in &pools {
        for (name, mode) in [("binomial", Mode::Binomial), ("expected", Mode::Expected)] {
            g.bench_function(BenchmarkId::new(format!("core-{name}"), threads), |b| {
                b.iter(|| black_box(run_parallel(pool, &cases, horizon, mode)))
            });
        }
        g.bench_function(BenchmarkId::new("floor-binomial", threads), |b| {
            b.iter(|| black_box(replay_parallel(pool, &draws)))
        });
    }
    g.finish();

    // The whole in-memory simulation: 2 048 runs x 21 regions (+ Sverige) x 100 years.
    let mut g = c.benchmark_group("simulate");
    g.sample_size(10);
    let sim_runs = 2048u32;
    g.throughput(Throughput::Elements(
        u64::from(sim_runs) * plan.regions.len() as u64 * u64::from(horizon),
    ));
    for threads in [1, cores] {
        let plan = self::plan(Some(threads));
        g.bench_function(BenchmarkId::new("binomial", threads), |b| {
            b.iter(|| {
                let out = simulate(&plan, RunRange::all(sim_runs), &|_| {}, None).expect("runs");
                black_box(out.scenarios.len())
            })
        });
    }
    g.finish();
}

criterion_group!(model, benches);
criterion_main!(model);
