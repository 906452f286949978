//! Writing a simulation's results to `results/NAME/`.
//!
//! Invariant: an output folder appears whole or not at all. Every file is written
//! into a hidden staging folder beside the target, which is renamed into place only
//! when all files are complete; a failure removes the staging folder.

mod csv;
mod manifest;
mod parquet;

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::plan::RunPlan;
use crate::simulate::SimOutput;
use crate::summary::summarize;

pub use manifest::Manifest;
pub use parquet::{read_frame, read_summary, QUANTILE_COLUMNS};

/// The scenario name of a config's main run (later issues add named scenarios).
pub const BASELINE_SCENARIO: &str = "baseline";

pub const RUNS_FILE: &str = "runs.parquet";
pub const BANDS_FILE: &str = "bands.parquet";
pub const SUMMARY_FILE: &str = "summary.parquet";
pub const SUMMARY_CSV: &str = "summary.csv";
pub const MANIFEST_FILE: &str = "manifest.json";
pub const CHARTS_DIR: &str = "charts";

/// How to write: replace an existing folder, draw the charts.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    pub force: bool,
    pub charts: bool,
}

/// Facts about the run that only the caller knows.
#[derive(Debug, Clone, Copy)]
pub struct RunFacts {
    pub threads: usize,
    pub wall_seconds: f64,
}

/// Refuses an existing output folder unless `force`; called before simulating so a
/// long run does not end in this error.
pub fn check_target(out_dir: &Path, force: bool) -> Result<(), Error> {
    if out_dir.exists() && !force {
        return Err(Error::OutputExists {
            path: out_dir.to_path_buf(),
        });
    }
    Ok(())
}

/// Writes every output file and moves the folder into place.
pub fn write_results(
    plan: &RunPlan,
    sim: &SimOutput,
    facts: RunFacts,
    opts: WriteOptions,
) -> Result<Manifest, Error> {
    let out_dir = &plan.out_dir;
    check_target(out_dir, opts.force)?;
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let io = |path: &Path, what: &'static str| {
        let path = path.to_path_buf();
        move |e| Error::Io {
            path,
            what,
            source: e,
        }
    };
    fs::create_dir_all(&parent).map_err(io(&parent, "create the results folder"))?;
    let leaf = out_dir
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let staging = parent.join(format!(".{leaf}.partial-{}", std::process::id()));
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(io(&staging, "remove an old staging folder"))?;
    }
    fs::create_dir(&staging).map_err(io(&staging, "create the staging folder"))?;

    let written = write_all(plan, sim, facts, &staging, opts.charts);
    let manifest = match written {
        Ok(m) => m,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    // Move into place: the old folder (with --force) goes aside first and is removed
    // only after the new one is in place.
    let old = parent.join(format!(".{leaf}.old-{}", std::process::id()));
    let had_old = out_dir.exists();
    if had_old {
        fs::rename(out_dir, &old).map_err(io(out_dir, "move the old output folder aside"))?;
    }
    if let Err(e) = fs::rename(&staging, out_dir) {
        if had_old {
            let _ = fs::rename(&old, out_dir);
        }
        let _ = fs::remove_dir_all(&staging);
        return Err(Error::Io {
            path: out_dir.clone(),
            what: "move the results into place",
            source: e,
        });
    }
    if had_old {
        fs::remove_dir_all(&old).map_err(io(&old, "remove the replaced output folder"))?;
    }
    Ok(manifest)
}

fn write_all(
    plan: &RunPlan,
    sim: &SimOutput,
    facts: RunFacts,
    dir: &Path,
    charts: bool,
) -> Result<Manifest, Error> {
    let cfg = &plan.config;
    let summary = summarize(sim, cfg.base_year, &cfg.checkpoint_years);
    let meta = parquet::metadata(plan);

    let runs_rows = parquet::write_runs(&dir.join(RUNS_FILE), plan, sim, &meta)?;
    let bands_rows = parquet::write_bands(&dir.join(BANDS_FILE), plan, sim, &meta)?;
    let summary_rows = parquet::write_summary(
        &dir.join(SUMMARY_FILE),
        &summary,
        &cfg.checkpoint_years,
        &meta,
    )?;
    csv::write_summary(&dir.join(SUMMARY_CSV), &summary, &cfg.checkpoint_years)?;
    if charts {
        // Drawn from the files just written, exactly as `fastlakare plot` would.
        let data = crate::chart::ChartData::load(dir, crate::chart::FanMetric::Coverage)?;
        crate::chart::draw_all(&data, &dir.join(CHARTS_DIR), crate::chart::Format::Both)?;
    }

    let manifest = Manifest::new(
        plan,
        facts,
        [
            (RUNS_FILE, runs_rows),
            (BANDS_FILE, bands_rows),
            (SUMMARY_FILE, summary_rows),
        ],
    );
    manifest.write(&dir.join(MANIFEST_FILE))?;
    Ok(manifest)
}
