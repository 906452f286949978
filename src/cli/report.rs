//! `fastlakare report`: a results folder's page.

use std::path::PathBuf;

use crate::error::Error;

/// The arguments of `report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A results folder written by `run`.
    pub(super) results_dir: PathBuf,
    /// One region's own report, report_CODE.html (e.g. 07; SE for Sverige), instead
    /// of the whole country's report.html.
    #[arg(long, value_name = "CODE")]
    pub(super) region: Option<String>,
    /// The language (default: the run's language, from its manifest, else English).
    #[arg(long, value_enum)]
    pub(super) lang: Option<crate::lang::Lang>,
    /// Worker threads redrawing the charts (default: one per core).
    #[arg(long)]
    pub(super) threads: Option<usize>,
}

pub(super) fn report(a: ReportArgs) -> Result<(), Error> {
    let ReportArgs {
        results_dir,
        region,
        lang,
        threads,
    } = a;
    let lang = lang.unwrap_or_else(|| crate::output::folder_language(&results_dir));
    let path = crate::pool::install(threads, || match &region {
        Some(code) => crate::report::write_region_report(&results_dir, code, lang),
        None => crate::report::write_report(&results_dir, lang),
    })??;
    sayln!("wrote {}", path.display());
    Ok(())
}
