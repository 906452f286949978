//! `fastlakare solve`: the trainees each region needs.

use std::path::PathBuf;
use std::time::Instant;

use crate::error::Error;
use crate::output;

use super::OverrideArgs;

/// The arguments of `solve`.
#[derive(Debug, clap::Args)]
pub struct SolveArgs {
    /// The experiment config (its baseline is solved; scenarios are ignored).
    pub(super) config: PathBuf,
    /// The year by which the target must be reached.
    #[arg(long)]
    pub(super) by_year: i32,
    /// The probability required (share of runs at target by then), in (0, 1].
    #[arg(long)]
    pub(super) probability: f64,
    /// Region codes to solve, comma-separated (default: every region).
    #[arg(long, value_delimiter = ',')]
    pub(super) regions: Option<Vec<String>>,
    /// Search up to this many times today's trainees; beyond it, "not reached".
    #[arg(long, default_value_t = crate::solve::DEFAULT_MAX_FACTOR)]
    pub(super) max_factor: f64,
    #[command(flatten)]
    pub(super) overrides: OverrideArgs,
}

pub(super) fn solve(a: SolveArgs) -> Result<(), Error> {
    let SolveArgs {
        config,
        by_year,
        probability,
        regions,
        max_factor,
        overrides,
    } = a;
    let plan = super::plan_with_regions(&config, regions, overrides.into())?;
    let started = Instant::now();
    let req = crate::solve::SolveRequest {
        by_year,
        probability,
        max_factor,
    };
    let rows = crate::solve::solve(&plan, &req)?;
    let path = crate::solve::out_path(&plan);
    output::write_solve(&path, &rows, &plan)?;
    say!("{}", crate::solve::render(&rows));
    sayln!(
        "\nwrote {} ({} runs, mode {}, {:.1} s)",
        path.display(),
        plan.config.runs,
        plan.config.mode.as_str(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
