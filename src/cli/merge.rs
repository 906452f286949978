//! `fastlakare merge`: the shards of a run into the folder the whole run would have written.

use std::path::PathBuf;

use crate::error::Error;
use crate::output::{self, WriteOptions};

/// The arguments of `merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The merged results folder, e.g. results/baseline.
    pub(super) out: PathBuf,
    /// The shard folders, in any order.
    #[arg(required = true)]
    pub(super) shard_dirs: Vec<PathBuf>,
    /// Replace an existing output folder.
    #[arg(long)]
    pub(super) force: bool,
    /// No summary table.
    #[arg(long, short)]
    pub(super) quiet: bool,
    /// Skip the charts.
    #[arg(long)]
    pub(super) no_charts: bool,
    /// As for `run`.
    #[arg(long, value_enum, default_value = "auto")]
    pub(super) runs_layout: output::RunsLayout,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub(super) threads: Option<usize>,
}

pub(super) fn merge(a: MergeArgs) -> Result<(), Error> {
    let MergeArgs {
        out,
        shard_dirs,
        force,
        quiet,
        no_charts,
        runs_layout,
        threads,
    } = a;
    let opts = WriteOptions {
        force,
        charts: (!no_charts).then_some(crate::chart::draw_results as output::DrawCharts),
        trajectories: false,
        runs_layout,
    };
    let merged = crate::shard::merge(&out, &shard_dirs, opts, threads)?;
    if !quiet {
        sayln!(
            "wrote {} ({} runs merged from {} shards, {:.1} s)",
            out.display(),
            merged.manifest.runs,
            merged.shards,
            merged.manifest.wall_seconds
        );
    }
    Ok(())
}
