//! `fastlakare validate`, `dlf` and `regions`: what would run, DLF's method, the data.

use std::path::PathBuf;

use crate::data::RegionTable;
use crate::error::Error;
use crate::plan::{Overrides, RunPlan};

/// The arguments of `validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    pub(super) config: PathBuf,
}

pub(super) fn validate(a: ValidateArgs) -> Result<(), Error> {
    let ValidateArgs { config } = a;
    let plan = RunPlan::load(&config, &Overrides::default())?;
    say!("{}", plan.describe());
    for w in plan.warnings() {
        sayln!("warning: {w}");
    }
    sayln!("\nok: {} is valid", config.display());
    Ok(())
}

/// The arguments of `dlf`.
#[derive(Debug, clap::Args)]
pub struct DlfArgs {
    /// Regional data CSV (default: the table shipped with fastlakare).
    #[arg(long)]
    pub(super) data: Option<PathBuf>,
}

pub(super) fn dlf(a: DlfArgs) -> Result<(), Error> {
    let DlfArgs { data } = a;
    let table = RegionTable::load_or_builtin(data.as_deref())?;
    let rows = crate::dlf::dlf_table(&table);
    say!("{}", crate::dlf::render(&rows));
    let published = rows.iter().filter(|r| r.matches.is_some()).count();
    let matched = rows.iter().filter(|r| r.matches == Some(true)).count();
    sayln!(
        "\n{matched} of {published} published figures reproduced (within 1 year, or 10 percent)"
    );
    Ok(())
}

/// The arguments of `regions`.
#[derive(Debug, clap::Args)]
pub struct RegionsArgs {
    /// Regional data CSV (default: the table shipped with fastlakare).
    #[arg(long)]
    pub(super) data: Option<PathBuf>,
}

pub(super) fn regions(a: RegionsArgs) -> Result<(), Error> {
    let RegionsArgs { data } = a;
    let table = RegionTable::load_or_builtin(data.as_deref())?;
    say!("{}", crate::regions::render(&table));
    Ok(())
}
