//! `fastlakare plot`: a results folder's charts, redrawn from its files.

use std::path::PathBuf;

use crate::chart::{draw_all, ChartData, FanMetric, Format};
use crate::error::Error;

/// The arguments of `plot`.
#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// A results folder written by `run`, e.g. results/baseline.
    pub(super) results_dir: PathBuf,
    /// PNG (documents), SVG (editing) or both.
    #[arg(long, value_enum, default_value = "both")]
    pub(super) format: Format,
    /// What the fan charts show.
    #[arg(long, value_enum, default_value = "coverage")]
    pub(super) metric: FanMetric,
    /// The language of the charts (default: the run's language, from its manifest, else
    /// English).
    #[arg(long, value_enum)]
    pub(super) lang: Option<crate::lang::Lang>,
    /// Worker threads drawing the charts (default: one per core).
    #[arg(long)]
    pub(super) threads: Option<usize>,
}

pub(super) fn plot(a: PlotArgs) -> Result<(), Error> {
    let PlotArgs {
        results_dir,
        format,
        metric,
        threads,
        lang,
    } = a;
    let lang = lang.unwrap_or_else(|| crate::output::folder_language(&results_dir));
    let out = results_dir.join(crate::output::CHARTS_DIR);
    let sensitivity = results_dir.join(crate::output::SENSITIVITY_FILE);
    let has_run = results_dir.join(crate::output::SUMMARY_FILE).exists();
    let draw = || -> Result<Vec<PathBuf>, Error> {
        let mut files = Vec::new();
        // A folder with only `sensitivity` results has no run to chart; without
        // either, loading the run's files gives the error that names them.
        if has_run || !sensitivity.exists() {
            let data = ChartData::load(&results_dir, metric, lang)?;
            files.extend(draw_all(&data, &out, format)?);
        }
        if sensitivity.exists() {
            let rows = crate::output::read_sensitivity(&sensitivity)?;
            files.extend(crate::chart::draw_sensitivity(&rows, &out, format, lang)?);
        }
        Ok(files)
    };
    let files = crate::pool::install(threads, draw)??;
    sayln!("wrote {} chart files to {}", files.len(), out.display());
    Ok(())
}
