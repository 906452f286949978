//! `fastlakare run`: simulate an experiment and write its results folder.

use std::path::PathBuf;
use std::time::Instant;

use crate::error::Error;
use crate::output::{self, RunFacts, WriteOptions};
use crate::plan::{Overrides, RunPlan};
use crate::simulate::{simulate, RunRange};
use crate::summary::summarize;

use super::{progress_bar, OverrideArgs};

/// The arguments of `run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The experiment config (TOML), e.g. configs/baseline.toml.
    pub(super) config: PathBuf,
    #[command(flatten)]
    pub(super) overrides: OverrideArgs,
    /// Replace an existing output folder.
    #[arg(long)]
    pub(super) force: bool,
    /// No progress bar, no summary table.
    #[arg(long, short)]
    pub(super) quiet: bool,
    /// The language of the charts (default: the config's `language`, else English).
    #[arg(long, value_enum)]
    pub(super) lang: Option<crate::lang::Lang>,
    /// Skip the charts (results/NAME/charts/).
    #[arg(long)]
    pub(super) no_charts: bool,
    /// Also write every run's yearly stocks to results/NAME/trajectories/
    /// (Hive-partitioned Parquet, one folder per region; large: runs x years rows).
    #[arg(long)]
    pub(super) trajectories: bool,
    /// runs.parquet (file), runs/region_code=XX/ (hive), or file up to a million
    /// rows and hive beyond (auto).
    #[arg(long, value_enum, default_value = "auto")]
    pub(super) runs_layout: output::RunsLayout,
    /// Run only the K-th of N slices of the runs and write a partial result
    /// (default folder results/NAME-shard-K-of-N); combine the N with `merge`.
    #[arg(long, value_name = "K/N")]
    pub(super) shard: Option<crate::shard::ShardSpec>,
}

pub(super) fn run(a: RunArgs) -> Result<(), Error> {
    let RunArgs {
        config,
        overrides,
        force,
        quiet,
        no_charts,
        trajectories,
        runs_layout,
        shard,
        lang,
    } = a;
    let mut o: Overrides = overrides.into();
    o.lang = lang;
    let mut plan = RunPlan::load(&config, &o)?;
    if let (Some(spec), None) = (shard, &o.out) {
        o.out = Some(plan.out_dir.with_file_name(format!(
            "{}-shard-{}-of-{}",
            plan.config.name, spec.index, spec.count
        )));
        plan.out_dir = o.out.clone().expect("just set");
    }
    let opts = WriteOptions {
        force,
        charts: (!no_charts).then_some(crate::chart::draw_results as output::DrawCharts),
        trajectories,
        runs_layout,
    };
    run_plan(&plan, opts, quiet, shard)
}

fn run_plan(
    plan: &RunPlan,
    opts: WriteOptions,
    quiet: bool,
    shard: Option<crate::shard::ShardSpec>,
) -> Result<(), Error> {
    for w in plan.warnings() {
        eprintln!("warning: {w}");
    }
    // Before simulating, so a long run does not end in "output exists".
    let staging = output::Staging::create(&plan.out_dir, opts.force)?;
    let range = match shard {
        Some(spec) => spec.range(plan.config.runs),
        None => RunRange::all(plan.config.runs),
    };
    let total = range.len() as u64 * plan.regions.len() as u64 * plan.scenarios.len() as u64;
    let bar = progress_bar(quiet, total, &plan.config.name, "region-runs");
    let started = Instant::now();
    let threads = plan.thread_count();
    // A shard's runs stay parts: `merge` concatenates them.
    let units = plan.regions.len() + usize::from(plan.has_national());
    let rows = range.len() as u64 * units as u64 * plan.scenarios.len() as u64;
    let held_runs =
        (shard.is_none() && opts.runs_layout.held_in_memory(rows)).then_some(range.len());
    let mut writers = output::RunWriters::new(staging.path(), plan, opts.trajectories, held_runs);
    let mut sink = |view: &crate::simulate::RegionRuns<'_>| writers.write(view);
    let sim = simulate(plan, range, &|n| bar.inc(n), Some(&mut sink))?;
    bar.finish_and_clear();
    if let Some(spec) = shard {
        writers.finish()?;
        crate::shard::write_shard(plan, spec, &sim, staging, opts.force, opts.trajectories)?;
        if !quiet {
            sayln!(
                "wrote shard {}/{} (runs {}..{}) to {} in {:.1} s; combine all {} with `fastlakare merge`",
                spec.index,
                spec.count,
                range.start,
                range.end,
                plan.out_dir.display(),
                started.elapsed().as_secs_f64(),
                spec.count
            );
        }
        return Ok(());
    }
    let facts = RunFacts {
        threads,
        wall_seconds: started.elapsed().as_secs_f64(),
    };
    let manifest = output::write_results(plan, &sim, facts, opts, staging, || writers.finish())?;
    if !quiet {
        say!("{}", render_summary(plan, &sim));
        sayln!(
            "\nwrote {} ({} runs x {} regions x {} scenarios, {:.1} s)",
            plan.out_dir.display(),
            manifest.runs,
            plan.regions.len(),
            plan.scenarios.len(),
            started.elapsed().as_secs_f64()
        );
    }
    drop_in_background(sim);
    Ok(())
}

/// Frees `value` on a thread of its own. The simulation's outcome holds a sketch per
/// region, year and metric, each with its own counters: freeing them one by one held
/// the main thread after the last file was written (the baseline has 11 000
/// sketches), while nothing else ran. The process may end before that
/// thread is done, and then the operating system takes the memory back at once.
fn drop_in_background<T: Send + 'static>(value: T) {
    // Where no thread can be started, the closure, and `value` with it, is dropped
    // here, as without this.
    let _ = std::thread::Builder::new()
        .name("fastlakare-free".into())
        .spawn(move || drop(value));
}

/// The summary as short tables on stdout: the baseline, then each scenario against it.
/// Per region: the probability of being at target by each checkpoint, the median
/// coverage there, and the share of runs that never get there within the horizon;
/// under version 2 most runs never do, so the coverage says what years cannot.
fn render_summary(plan: &RunPlan, sim: &crate::simulate::SimOutput) -> String {
    use std::fmt::Write;
    let cfg = &plan.config;
    let rows = summarize(sim, cfg.base_year, &cfg.checkpoint_years);
    let last = cfg.checkpoint_years.last().copied();
    let mut s = String::new();
    for (i, sc) in plan.scenarios.iter().enumerate() {
        let first = i == 0;
        if !first || plan.scenarios.len() > 1 {
            let _ = writeln!(s, "\n{}: {}", sc.name, sc.description);
        }
        let _ = write!(s, "{:<4} {:<20}", "code", "region");
        for y in &cfg.checkpoint_years {
            let _ = write!(s, " {:>6}", format!("P{y}"));
        }
        for y in &cfg.checkpoint_years {
            let _ = write!(s, " {:>6}", format!("C{y}"));
        }
        let _ = write!(s, " {:>6}", "never");
        if let (false, Some(last)) = (first, last) {
            let _ = write!(
                s,
                " {:>7} {:>14}",
                format!("dP{last}"),
                format!("MSEK to {last}")
            );
        }
        s.push('\n');
        for r in rows.iter().filter(|r| r.scenario == sc.name) {
            let _ = write!(s, "{:<4} {:<20}", r.region_code, r.region);
            for (_, p) in &r.prob_by {
                let _ = write!(s, " {:>5.0}%", 100.0 * p);
            }
            for c in &r.coverage_at {
                let _ = write!(s, " {:>5.0}%", 100.0 * c.q[2]);
            }
            let _ = write!(s, " {:>5.0}%", 100.0 * r.years.share_never);
            if !first {
                let d = r.vs_baseline.delta_prob_by.last().copied().unwrap_or(0.0);
                let _ = write!(s, " {:>+6.0}%", 100.0 * d);
                if let Some(c) = r.vs_baseline.extra_cost.last() {
                    let _ = write!(s, " {:>14.0}", c.p50);
                }
            }
            s.push('\n');
        }
    }
    let _ = writeln!(
        s,
        "(PYEAR = share of runs at target by YEAR; CYEAR = median coverage of the guideline \
         in YEAR; never = share of runs not at target within the {}-year horizon{})",
        cfg.horizon_years,
        if plan.scenarios.len() > 1 {
            "; dP = change in that share against the baseline, same runs; MSEK = median extra cost over the baseline"
        } else {
            ""
        }
    );
    s
}
