//! `fastlakare report`: a results folder's page.

use std::path::PathBuf;

use crate::error::Error;

/// The arguments of `report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A results folder written by `run`.
    pub(super) results_dir: PathBuf,
    /// Worker threads redrawing the charts (default: one per core).
    #[arg(long)]
    pub(super) threads: Option<usize>,
}

pub(super) fn report(a: ReportArgs) -> Result<(), Error> {
    let ReportArgs {
        results_dir,
        threads,
    } = a;
    let path = crate::pool::install(threads, || crate::report::write_report(&results_dir))??;
    println!("wrote {}", path.display());
    Ok(())
}
