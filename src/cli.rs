//! The command line: clap's raw arguments, and one function per command that turns
//! them into a checked plan and calls the library.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::chart::{draw_all, ChartData, FanMetric, Format};
use crate::data::RegionTable;
use crate::error::Error;
use crate::output::{self, RunFacts, WriteOptions};
use crate::plan::{Overrides, RunPlan};
use crate::simulate::{simulate, RunRange};
use crate::summary::summarize;

#[derive(Debug, Parser)]
#[command(
    name = "fastlakare",
    version,
    about = "Monte Carlo simulation of Sweden's GP workforce against the 1/1100 guideline"
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

/// Flags that replace the config's values, shared by `run` and `solve`.
#[derive(Debug, clap::Args)]
pub struct OverrideArgs {
    /// Number of runs (overrides the config).
    #[arg(long)]
    runs: Option<u32>,
    #[command(flatten)]
    common: CommonArgs,
}

/// The overrides every simulating command takes (`sensitivity` has no runs).
#[derive(Debug, clap::Args)]
pub struct CommonArgs {
    /// Master seed (overrides the config).
    #[arg(long)]
    seed: Option<u64>,
    /// Output folder (default results/NAME).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
}

impl From<OverrideArgs> for Overrides {
    fn from(a: OverrideArgs) -> Self {
        Overrides {
            runs: a.runs,
            ..a.common.into()
        }
    }
}

impl From<CommonArgs> for Overrides {
    fn from(a: CommonArgs) -> Self {
        Overrides {
            runs: None,
            seed: a.seed,
            out: a.out,
            threads: a.threads,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an experiment and write results/NAME/ (Parquet, CSV, manifest).
    Run {
        /// The experiment config (TOML), e.g. configs/baseline.toml.
        config: PathBuf,
        #[command(flatten)]
        overrides: OverrideArgs,
        /// Replace an existing output folder.
        #[arg(long)]
        force: bool,
        /// No progress bar, no summary table.
        #[arg(long, short)]
        quiet: bool,
        /// Skip the charts (results/NAME/charts/).
        #[arg(long)]
        no_charts: bool,
        /// Also write every run's yearly stocks to results/NAME/trajectories/
        /// (Hive-partitioned Parquet, one folder per region; large: runs x years rows).
        #[arg(long)]
        trajectories: bool,
        /// runs.parquet (file), runs/region_code=XX/ (hive), or file up to a million
        /// rows and hive beyond (auto).
        #[arg(long, value_enum, default_value = "auto")]
        runs_layout: output::RunsLayout,
        /// Run only the K-th of N slices of the runs and write a partial result
        /// (default folder results/NAME-shard-K-of-N); combine the N with `merge`.
        #[arg(long, value_name = "K/N")]
        shard: Option<crate::shard::ShardSpec>,
    },
    /// Combine the partial results of `run --shard K/N` (all N of them) into OUT, the
    /// folder an unsharded run with the same seed would have written.
    Merge {
        /// The merged results folder, e.g. results/baseline.
        out: PathBuf,
        /// The shard folders, in any order.
        #[arg(required = true)]
        shard_dirs: Vec<PathBuf>,
        /// Replace an existing output folder.
        #[arg(long)]
        force: bool,
        /// No summary table.
        #[arg(long, short)]
        quiet: bool,
        /// Skip the charts.
        #[arg(long)]
        no_charts: bool,
        /// As for `run`.
        #[arg(long, value_enum, default_value = "auto")]
        runs_layout: output::RunsLayout,
        /// Worker threads (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Redraw the charts of a results folder from its Parquet files alone.
    Plot {
        /// A results folder written by `run`, e.g. results/baseline.
        results_dir: PathBuf,
        /// PNG (documents), SVG (editing) or both.
        #[arg(long, value_enum, default_value = "both")]
        format: Format,
        /// What the fan charts show.
        #[arg(long, value_enum, default_value = "coverage")]
        metric: FanMetric,
        /// Worker threads drawing the charts (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Write RESULTS_DIR/report.html: the summary table and every chart on one
    /// self-contained page (inline SVG, no scripts) that opens offline and prints.
    Report {
        /// A results folder written by `run`.
        results_dir: PathBuf,
        /// Worker threads redrawing the charts (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// The smallest number of ST trainees in post, held constant from the base year,
    /// that reaches the target by YEAR with probability P; writes solve.parquet.
    Solve {
        /// The experiment config (its baseline is solved; scenarios are ignored).
        config: PathBuf,
        /// The year by which the target must be reached.
        #[arg(long)]
        by_year: i32,
        /// The probability required (share of runs at target by then), in (0, 1].
        #[arg(long)]
        probability: f64,
        /// Region codes to solve, comma-separated (default: every region).
        #[arg(long, value_delimiter = ',')]
        regions: Option<Vec<String>>,
        /// Search up to this many times today's trainees; beyond it, "not reached".
        #[arg(long, default_value_t = crate::solve::DEFAULT_MAX_FACTOR)]
        max_factor: f64,
        #[command(flatten)]
        overrides: OverrideArgs,
    },
    /// Which uncertain parameter drives each region's answer: first- and total-order
    /// Sobol indices (Saltelli design, bootstrap intervals) per region and for Sverige;
    /// writes sensitivity.parquet and a tornado chart per region plus a heat-map.
    Sensitivity {
        /// The experiment config; its `[sensitivity]` table gives the defaults.
        config: PathBuf,
        /// N, the rows of each sample matrix (the model runs N x (parameters + 2) times).
        #[arg(long)]
        samples: Option<u32>,
        /// coverage_at:YEAR (default coverage_at:2035) or years_to_target (censored
        /// runs count as horizon + 1 years).
        #[arg(long)]
        output: Option<crate::sensitivity::Output>,
        /// Bootstrap resamples for the intervals.
        #[arg(long)]
        bootstrap: Option<u32>,
        /// Coverage of the bootstrap intervals.
        #[arg(long)]
        confidence: Option<f64>,
        /// 0 (default): expected mode, no model noise. R > 0 (binomial configs): each
        /// design point is the mean of R noisy replicates.
        #[arg(long)]
        replicates: Option<u32>,
        /// Region codes to analyse, comma-separated (default: every region; Sverige
        /// only with all of them).
        #[arg(long, value_delimiter = ',')]
        regions: Option<Vec<String>>,
        #[command(flatten)]
        overrides: CommonArgs,
        /// Skip the charts.
        #[arg(long)]
        no_charts: bool,
        /// No progress bar, no table.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a config and its data, and print what would run.
    Validate { config: PathBuf },
    /// DLF's deterministic method per region, beside DLF's published years.
    Dlf {
        /// Regional data CSV (default: the table shipped with fastlakare).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// The regional data as a table.
    Regions {
        /// Regional data CSV (default: the table shipped with fastlakare).
        #[arg(long)]
        data: Option<PathBuf>,
    },
}

/// Runs a parsed command line.
pub fn run(args: Args) -> Result<(), Error> {
    // A backend asked for by name that this processor cannot run stops here.
    crate::backend::from_env()?;
    match args.command {
        Command::Run {
            config,
            overrides,
            force,
            quiet,
            no_charts,
            trajectories,
            runs_layout,
            shard,
        } => {
            let mut o: Overrides = overrides.into();
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
        Command::Merge {
            out,
            shard_dirs,
            force,
            quiet,
            no_charts,
            runs_layout,
            threads,
        } => {
            let opts = WriteOptions {
                force,
                charts: (!no_charts).then_some(crate::chart::draw_results as output::DrawCharts),
                trajectories: false,
                runs_layout,
            };
            let merged = crate::shard::merge(&out, &shard_dirs, opts, threads)?;
            if !quiet {
                println!(
                    "wrote {} ({} runs merged from {} shards, {:.1} s)",
                    out.display(),
                    merged.manifest.runs,
                    merged.shards,
                    merged.manifest.wall_seconds
                );
            }
            Ok(())
        }
        Command::Plot {
            results_dir,
            format,
            metric,
            threads,
        } => {
            let out = results_dir.join(crate::output::CHARTS_DIR);
            let sensitivity = results_dir.join(crate::output::SENSITIVITY_FILE);
            let has_run = results_dir.join(crate::output::SUMMARY_FILE).exists();
            let draw = || -> Result<Vec<PathBuf>, Error> {
                let mut files = Vec::new();
                // A folder with only `sensitivity` results has no run to chart; without
                // either, loading the run's files gives the error that names them.
                if has_run || !sensitivity.exists() {
                    let data = ChartData::load(&results_dir, metric)?;
                    files.extend(draw_all(&data, &out, format)?);
                }
                if sensitivity.exists() {
                    let rows = crate::output::read_sensitivity(&sensitivity)?;
                    files.extend(crate::chart::draw_sensitivity(&rows, &out, format)?);
                }
                Ok(files)
            };
            let files = crate::pool::install(threads, draw)??;
            println!("wrote {} chart files to {}", files.len(), out.display());
            Ok(())
        }
        Command::Report {
            results_dir,
            threads,
        } => {
            let path =
                crate::pool::install(threads, || crate::report::write_report(&results_dir))??;
            println!("wrote {}", path.display());
            Ok(())
        }
        Command::Solve {
            config,
            by_year,
            probability,
            regions,
            max_factor,
            overrides,
        } => {
            let mut cfg = crate::config::Config::load(&config)?;
            if regions.is_some() {
                cfg.regions = regions;
            }
            let table = RegionTable::load_or_builtin(cfg.data.as_deref())?;
            let plan = RunPlan::new(cfg, table, &overrides.into())?;
            let started = Instant::now();
            let req = crate::solve::SolveRequest {
                by_year,
                probability,
                max_factor,
            };
            let rows = crate::solve::solve(&plan, &req)?;
            let path = crate::solve::out_path(&plan);
            output::write_solve(&path, &rows, &plan)?;
            print!("{}", crate::solve::render(&rows));
            println!(
                "\nwrote {} ({} runs, mode {}, {:.1} s)",
                path.display(),
                plan.config.runs,
                plan.config.mode.as_str(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Sensitivity {
            config,
            samples,
            output,
            bootstrap,
            confidence,
            replicates,
            regions,
            overrides,
            no_charts,
            quiet,
        } => {
            let mut cfg = crate::config::Config::load(&config)?;
            if regions.is_some() {
                cfg.regions = regions;
            }
            let table = RegionTable::load_or_builtin(cfg.data.as_deref())?;
            let plan = RunPlan::new(cfg, table, &overrides.into())?;
            let d = &plan.config.sensitivity;
            let req = crate::sensitivity::Request {
                output: output.unwrap_or(d.output),
                samples: samples.unwrap_or(d.samples),
                bootstrap: bootstrap.unwrap_or(d.bootstrap),
                confidence: confidence.unwrap_or(d.confidence),
                replicates: replicates.unwrap_or(d.replicates),
            };
            run_sensitivity(&plan, &req, !no_charts, quiet)
        }
        Command::Validate { config } => {
            let plan = RunPlan::load(&config, &Overrides::default())?;
            print!("{}", plan.describe());
            for w in plan.warnings() {
                println!("warning: {w}");
            }
            println!("\nok: {} is valid", config.display());
            Ok(())
        }
        Command::Dlf { data } => {
            let table = RegionTable::load_or_builtin(data.as_deref())?;
            let rows = crate::dlf::dlf_table(&table);
            print!("{}", crate::dlf::render(&rows));
            let published = rows.iter().filter(|r| r.matches.is_some()).count();
            let matched = rows.iter().filter(|r| r.matches == Some(true)).count();
            println!("\n{matched} of {published} published figures reproduced (within 1 year, or 10 percent)");
            Ok(())
        }
        Command::Regions { data } => {
            let table = RegionTable::load_or_builtin(data.as_deref())?;
            print!("{}", crate::regions::render(&table));
            Ok(())
        }
    }
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
            println!(
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
        print!("{}", render_summary(plan, &sim));
        println!(
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
/// region, year and metric, each with its own counters: freeing them one by one took
/// the main thread about 30 ms after the last file was written (the baseline's
/// 11 000 sketches), time in which nothing else ran. The process may end before that
/// thread is done, and then the operating system takes the memory back at once.
fn drop_in_background<T: Send + 'static>(value: T) {
    // Where no thread can be started, the closure, and `value` with it, is dropped
    // here, as without this.
    let _ = std::thread::Builder::new()
        .name("fastlakare-free".into())
        .spawn(move || drop(value));
}

fn progress_bar(quiet: bool, total: u64, message: &str, unit: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    // Draws only when stderr is a terminal.
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{msg}} [{{wide_bar}}] {{pos}}/{{len}} {unit}, eta {{eta}}"
        ))
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message(message.to_string());
    bar
}

fn run_sensitivity(
    plan: &RunPlan,
    req: &crate::sensitivity::Request,
    charts: bool,
    quiet: bool,
) -> Result<(), Error> {
    let started = Instant::now();
    // Before sizing the progress bar, which needs a valid request.
    req.check(plan)?;
    let total = crate::sensitivity::design_rows(plan, req);
    let bar = progress_bar(quiet, total, &plan.config.name, "design rows");
    let analysis = crate::sensitivity::analyse(plan, req, &|n| bar.inc(n))?;
    bar.finish_and_clear();
    let draw =
        charts.then_some(crate::chart::draw_sensitivity_file as output::DrawSensitivityCharts);
    let files = output::write_sensitivity(plan, req, &analysis.rows, draw)?;
    if !quiet {
        print!("{}", crate::sensitivity::render(plan, req, &analysis.rows));
        let charts = match files.len() - 1 {
            0 => String::new(),
            n => format!(" and {n} chart files"),
        };
        println!(
            "\nwrote {}{charts} ({} model evaluations, {:.1} s)",
            files[0].display(),
            analysis.evaluations,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// The summary as short tables on stdout: the baseline, then each scenario against it.
fn render_summary(plan: &RunPlan, sim: &crate::simulate::SimOutput) -> String {
    use std::fmt::Write;
    let cfg = &plan.config;
    let rows = summarize(sim, cfg.base_year, &cfg.checkpoint_years);
    let yr = |q: Option<f64>| q.map_or_else(|| ">hor".to_string(), |v| format!("{v:.0}"));
    let mut s = String::new();
    for (i, sc) in plan.scenarios.iter().enumerate() {
        let first = i == 0;
        if !first || plan.scenarios.len() > 1 {
            let _ = writeln!(s, "\n{}: {}", sc.name, sc.description);
        }
        let _ = write!(
            s,
            "{:<4} {:<20} {:>7} {:>7} {:>7} {:>7}",
            "code", "region", "P5", "median", "P95", "never"
        );
        if !first {
            let _ = write!(s, " {:>7}", "change");
        }
        for y in &cfg.checkpoint_years {
            let _ = write!(s, " {:>6}", format!("P{y}"));
        }
        if !first {
            if let Some(last) = cfg.checkpoint_years.last() {
                let _ = write!(s, " {:>14}", format!("MSEK to {last}"));
            }
        }
        s.push('\n');
        for r in rows.iter().filter(|r| r.scenario == sc.name) {
            let _ = write!(
                s,
                "{:<4} {:<20} {:>7} {:>7} {:>7} {:>6.0}%",
                r.region_code,
                r.region,
                yr(r.years.q[0]),
                yr(r.years.q[2]),
                yr(r.years.q[4]),
                100.0 * r.years.share_never
            );
            if !first {
                let d = r
                    .vs_baseline
                    .delta_p50_years
                    .map_or_else(|| "-".to_string(), |d| format!("{d:+.0}"));
                let _ = write!(s, " {d:>7}");
            }
            for (_, p) in &r.prob_by {
                let _ = write!(s, " {:>5.0}%", 100.0 * p);
            }
            if !first {
                if let Some(c) = r.vs_baseline.extra_cost.last() {
                    let _ = write!(s, " {:>14.0}", c.p50);
                }
            }
            s.push('\n');
        }
    }
    let _ = writeln!(
        s,
        "(years from {}; >hor = beyond the {}-year horizon{})",
        cfg.base_year,
        cfg.horizon_years,
        if plan.scenarios.len() > 1 {
            "; change = median years against the baseline; MSEK = median extra cost over the baseline, same runs"
        } else {
            ""
        }
    );
    s
}

/// Exit code for an error: 2 for bad input, 1 for failures while running.
pub fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Config { .. }
        | Error::ConfigSyntax { .. }
        | Error::Data { .. }
        | Error::Usage(_)
        | Error::Input { .. }
        | Error::OutputExists { .. }
        | Error::NotOurs { .. }
        | Error::Shard { .. } => 2,
        Error::Io { .. } | Error::Parquet { .. } | Error::Chart { .. } => 1,
        Error::Interrupted => 130,
    }
}
