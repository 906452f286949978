//! `fastlakare sensitivity`: which uncertain parameter drives each region's answer.

use std::path::PathBuf;
use std::time::Instant;

use crate::error::Error;
use crate::output;
use crate::plan::RunPlan;

use super::{progress_bar, CommonArgs};

/// The arguments of `sensitivity`.
#[derive(Debug, clap::Args)]
pub struct SensitivityArgs {
    /// The experiment config; its `[sensitivity]` table gives the defaults.
    pub(super) config: PathBuf,
    /// N, the rows of each sample matrix (the model runs N x (parameters + 2) times).
    #[arg(long)]
    pub(super) samples: Option<u32>,
    /// coverage_at:YEAR (default coverage_at:2035) or years_to_target (censored
    /// runs count as horizon + 1 years).
    #[arg(long)]
    pub(super) output: Option<crate::sensitivity::Output>,
    /// Bootstrap resamples for the intervals.
    #[arg(long)]
    pub(super) bootstrap: Option<u32>,
    /// Coverage of the bootstrap intervals.
    #[arg(long)]
    pub(super) confidence: Option<f64>,
    /// 0 (default): expected mode, no model noise. R > 0 (binomial configs): each
    /// design point is the mean of R noisy replicates.
    #[arg(long)]
    pub(super) replicates: Option<u32>,
    /// Region codes to analyse, comma-separated (default: every region; Sverige
    /// only with all of them).
    #[arg(long, value_delimiter = ',')]
    pub(super) regions: Option<Vec<String>>,
    #[command(flatten)]
    pub(super) overrides: CommonArgs,
    /// Skip the charts.
    #[arg(long)]
    pub(super) no_charts: bool,
    /// The language of the charts (default: the config's `language`, else English).
    #[arg(long, value_enum)]
    pub(super) lang: Option<crate::lang::Lang>,
    /// No progress bar, no table.
    #[arg(long, short)]
    pub(super) quiet: bool,
}

pub(super) fn sensitivity(a: SensitivityArgs) -> Result<(), Error> {
    let SensitivityArgs {
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
        lang,
    } = a;
    let mut overrides: crate::plan::Overrides = overrides.into();
    overrides.lang = lang;
    let plan = super::plan_with_regions(&config, regions, overrides)?;
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
        say!("{}", crate::sensitivity::render(plan, req, &analysis.rows));
        let charts = match files.len() - 1 {
            0 => String::new(),
            n => format!(" and {n} chart files"),
        };
        sayln!(
            "\nwrote {}{charts} ({} model evaluations, {:.1} s)",
            files[0].display(),
            analysis.evaluations,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
