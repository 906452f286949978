//! The command line: clap's arguments, and a module per command that turns them into
//! a checked plan and calls the library.

/// `print!` to stdout, except that a reader who stops early (`validate ... | head`)
/// ends the output quietly, as it does for `ls` or ripgrep, instead of a panic.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::say(format_args!($($arg)*))
    };
}

/// [`say!`] with a newline, as `println!`.
macro_rules! sayln {
    ($($arg:tt)*) => {
        $crate::cli::say(format_args!("{}\n", format_args!($($arg)*)))
    };
}

mod info;
mod merge;
mod plot;
mod report;
mod run;
mod sensitivity;
mod solve;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::Error;
use crate::plan::{Overrides, RunPlan};

/// Writes to stdout for [`say!`]: a closed pipe ends the output without a word; any
/// other failure is reported on stderr (the results on disk are whole either way).
pub(crate) fn say(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(text).and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("warning: cannot write to stdout: {e}");
        }
    }
}

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
            lang: None,
            seed: a.seed,
            out: a.out,
            threads: a.threads,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an experiment and write results/NAME/ (Parquet, CSV, manifest).
    Run(run::RunArgs),
    /// Combine the partial results of `run --shard K/N` (all N of them) into OUT, the
    /// folder an unsharded run with the same seed would have written.
    Merge(merge::MergeArgs),
    /// Redraw the charts of a results folder from its Parquet files alone.
    Plot(plot::PlotArgs),
    /// Write RESULTS_DIR/report.html: the summary table and every chart on one
    /// self-contained page (inline SVG, no scripts) that opens offline and prints; with
    /// `--region CODE`, one region's report, RESULTS_DIR/report_CODE.html.
    Report(report::ReportArgs),
    /// The smallest number of ST trainees in post, held constant from the base year,
    /// that reaches the target by YEAR with probability P; writes solve.parquet.
    Solve(solve::SolveArgs),
    /// Which uncertain parameter drives each region's answer: first- and total-order
    /// Sobol indices (Saltelli design, bootstrap intervals) per region and for Sverige;
    /// writes sensitivity.parquet and a tornado chart per region plus a heat-map.
    Sensitivity(sensitivity::SensitivityArgs),
    /// Check a config and its data, and print what would run.
    Validate(info::ValidateArgs),
    /// DLF's deterministic method per region, beside DLF's published years.
    Dlf(info::DlfArgs),
    /// The regional data as a table.
    Regions(info::RegionsArgs),
}

/// Runs a parsed command line.
pub fn run(args: Args) -> Result<(), Error> {
    // A backend asked for by name that this processor cannot run stops here.
    crate::backend::from_env()?;
    match args.command {
        Command::Run(a) => run::run(a),
        Command::Merge(a) => merge::merge(a),
        Command::Plot(a) => plot::plot(a),
        Command::Report(a) => report::report(a),
        Command::Solve(a) => solve::solve(a),
        Command::Sensitivity(a) => sensitivity::sensitivity(a),
        Command::Validate(a) => info::validate(a),
        Command::Dlf(a) => info::dlf(a),
        Command::Regions(a) => info::regions(a),
    }
}

pub(super) fn progress_bar(quiet: bool, total: u64, message: &str, unit: &str) -> ProgressBar {
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

/// The plan of a config, with `--regions` (where given) in place of its `regions`.
fn plan_with_regions(
    config: &std::path::Path,
    regions: Option<Vec<String>>,
    overrides: Overrides,
) -> Result<RunPlan, Error> {
    let mut cfg = crate::config::Config::load(config)?;
    if regions.is_some() {
        cfg.regions = regions;
    }
    let table = crate::data::RegionTable::load_or_builtin(cfg.data.as_deref())?;
    RunPlan::new(cfg, table, &overrides)
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
