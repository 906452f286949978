//! Writing a simulation's results to `results/NAME/`.
//!
//! Invariant: an output folder appears whole or not at all. Every file is written
//! into a hidden staging folder beside the target, which is renamed into place only
//! when all files are complete; a failure removes the staging folder.

mod csv;
mod manifest;
mod parquet;
pub mod parts;
mod runs;
mod sensitivity;
mod staging;
mod table;
mod trajectories;

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::lang::Lang;
use crate::plan::RunPlan;
use crate::simulate::SimOutput;
use crate::summary::summarize;

pub use manifest::Manifest;
pub use parquet::{read_columns, read_frame, read_summary, QUANTILE_COLUMNS};
pub use runs::{
    nullable as runs_nullable, RunsLayout, RunsWriter, AUTO_FILE_MAX_ROWS, FELL_BACK, RUNS_DIR,
    UPTAKE_CLAMPED,
};
pub use sensitivity::{read_sensitivity, SENSITIVITY_FILE};
use staging::io_err;
pub use staging::{
    check_target, ensure_output_dir, is_ours, prepare_charts_dir, Staging, WorkDir, MARKER_FILE,
};
pub use trajectories::{TrajectoryWriter, TRAJECTORIES_DIR};

pub use crate::config::BASELINE_SCENARIO;

pub const RUNS_FILE: &str = "runs.parquet";
pub const BANDS_FILE: &str = "bands.parquet";
pub const AGES_FILE: &str = "ages.parquet";
pub const SUMMARY_FILE: &str = "summary.parquet";
pub const SUMMARY_CSV: &str = "summary.csv";
pub const MANIFEST_FILE: &str = "manifest.json";
pub const CHARTS_DIR: &str = "charts";

/// A results folder's language (`language` in its manifest, written whether or not
/// charts were drawn), or English when the manifest does not say: what `plot` and
/// `report` draw in unless told otherwise.
pub fn folder_language(dir: &Path) -> Lang {
    serde_json::from_value(read_manifest(dir)["language"].clone()).unwrap_or_default()
}

/// A results folder's `manifest.json` as JSON, for what charts and reports show of
/// it; `Null` where it is missing or unreadable (a report then says "not recorded").
pub fn read_manifest(dir: &Path) -> serde_json::Value {
    crate::input::read_bytes(&dir.join(MANIFEST_FILE), 64 << 20, "read")
        .ok()
        .and_then(|t| serde_json::from_slice(&t).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// Draws the charts of the results folder it is given (into its `charts/`), in a
/// language.
pub type DrawCharts = fn(&Path, Lang) -> Result<(), Error>;

/// Draws the charts of a staged `sensitivity.parquet` into a folder; returns the files.
pub type DrawSensitivityCharts = fn(&Path, &Path, Lang) -> Result<Vec<PathBuf>, Error>;

/// How to write: replace an existing folder, draw the charts, keep every run's
/// trajectory.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    pub force: bool,
    /// Draws the charts of a results folder from its files (`chart::draw_results`),
    /// before the folder is committed; `None`: no charts. The command chooses, so
    /// writing the files does not depend on drawing them.
    pub charts: Option<DrawCharts>,
    pub trajectories: bool,
    pub runs_layout: RunsLayout,
}

/// The tables written while the simulation runs, a chunk at a time, into the staging
/// folder: `runs/` always, `trajectories/` on request.
pub struct RunWriters {
    runs: RunsWriter,
    trajectories: Option<TrajectoryWriter>,
}

/// Rows the [`RunWriters`] wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct Streamed {
    pub runs_rows: u64,
    /// Whether the runs went straight into `runs.parquet` (else into `runs/`).
    pub runs_file: bool,
    pub trajectory_rows: Option<u64>,
}

impl RunWriters {
    /// Writers on threads of their own, unless the plan has one thread. `held_runs`:
    /// the runs per region, to write `runs.parquet` directly from memory (see
    /// [`RunsLayout::held_in_memory`]); `None` for `runs/`.
    pub fn new(dir: &Path, plan: &RunPlan, trajectories: bool, held_runs: Option<usize>) -> Self {
        let meta = parquet::metadata(plan);
        let cfg = &plan.config;
        let threaded = plan.thread_count() > 1;
        RunWriters {
            runs: RunsWriter::new(
                dir,
                cfg.base_year,
                &cfg.checkpoint_years,
                meta.clone(),
                threaded,
                held_runs,
            ),
            trajectories: trajectories
                .then(|| TrajectoryWriter::new(dir, cfg.base_year, meta, threaded)),
        }
    }

    pub fn write(&mut self, view: &crate::simulate::RegionRuns<'_>) -> Result<(), Error> {
        self.runs.write(view)?;
        if let Some(t) = &mut self.trajectories {
            t.write(view)?;
        }
        Ok(())
    }

    pub fn finish(self) -> Result<Streamed, Error> {
        Ok(Streamed {
            runs_file: self.runs.is_held(),
            runs_rows: self.runs.finish()?,
            trajectory_rows: self
                .trajectories
                .map(TrajectoryWriter::finish)
                .transpose()?,
        })
    }
}

/// Facts about the run that only the caller knows.
#[derive(Debug, Clone, Copy)]
pub struct RunFacts {
    pub threads: usize,
    pub wall_seconds: f64,
}

/// Writes every output file into `staging` and moves the folder into place.
/// `streamed` finishes what was written into it during the simulation (e.g.
/// [`RunWriters::finish`]) and says what that was; it is called on the thread that
/// folds the runs, so the writers' last chunk overlaps the tables and charts.
pub fn write_results(
    plan: &RunPlan,
    sim: &SimOutput,
    facts: RunFacts,
    opts: WriteOptions,
    staging: Staging,
    streamed: impl FnOnce() -> Result<Streamed, Error> + Send,
) -> Result<Manifest, Error> {
    let manifest = write_all(plan, sim, facts, staging.path(), opts, streamed)?;
    crate::interrupt::check()?;
    staging.commit(opts.force)?;
    Ok(manifest)
}

/// Writes `solve.parquet` at `path` whole or not at all: into a hidden file beside it,
/// then renamed into place (replacing an earlier answer).
pub fn write_solve(
    path: &Path,
    rows: &[crate::solve::SolveRow],
    plan: &RunPlan,
) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    ensure_output_dir(&dir)?;
    let work = WorkDir::create(&dir, "solve")?;
    let tmp = work.path().join(crate::solve::SOLVE_FILE);
    let mut meta = parquet::metadata(plan);
    if let Some(r) = rows.first() {
        meta.push(("fastlakare.solve.by_year".into(), r.by_year.to_string()));
        meta.push((
            "fastlakare.solve.probability".into(),
            r.probability.to_string(),
        ));
    }
    parquet::write_solve(&tmp, rows, &meta)?;
    crate::interrupt::check()?;
    fs::rename(&tmp, path).map_err(io_err(path, "move into place"))
}

/// Writes `sensitivity.parquet` and, with `charts`, its charts into the plan's output
/// folder, next to whatever `run` put there. Everything is written into a hidden
/// folder first; the charts are then moved into `charts/` and the Parquet file last,
/// so a failure leaves no partial file and a present `sensitivity.parquet` is whole.
/// Returns the files written.
pub fn write_sensitivity(
    plan: &RunPlan,
    req: &crate::sensitivity::Request,
    rows: &[crate::sensitivity::Row],
    charts: Option<DrawSensitivityCharts>,
) -> Result<Vec<PathBuf>, Error> {
    let dir = &plan.out_dir;
    ensure_output_dir(dir)?;
    let work = WorkDir::create(dir, "sensitivity")?;
    let stage = work.path();

    let mut meta = parquet::metadata(plan);
    for (k, v) in [
        ("output", req.output.name()),
        ("samples", req.samples.to_string()),
        ("bootstrap", req.bootstrap.to_string()),
        ("confidence", req.confidence.to_string()),
        ("replicates", req.replicates.to_string()),
        ("noise", req.noise_treatment()),
    ] {
        meta.push((format!("fastlakare.sensitivity.{k}"), v));
    }
    let staged = stage.join(SENSITIVITY_FILE);
    sensitivity::write_sensitivity(&staged, rows, &meta)?;
    let mut written = Vec::new();
    let files = match charts {
        // Drawn from the file just written, as `fastlakare plot` would.
        Some(draw) => draw(&staged, &stage.join(CHARTS_DIR), plan.config.language)?,
        None => Vec::new(),
    };
    crate::interrupt::check()?;
    // The earlier analysis's charts go, drawn anew or not.
    if charts.is_some() || dir.join(CHARTS_DIR).is_dir() {
        let charts_dir = dir.join(CHARTS_DIR);
        prepare_charts_dir(&charts_dir)?;
        remove_stale_sensitivity_charts(&charts_dir, &files)?;
        for f in files {
            let to = charts_dir.join(f.file_name().expect("a chart file"));
            fs::rename(&f, &to).map_err(io_err(&to, "move the chart into place"))?;
            written.push(to);
        }
    }
    let path = dir.join(SENSITIVITY_FILE);
    fs::rename(&staged, &path).map_err(io_err(&path, "move into place"))?;
    written.insert(0, path);
    Ok(written)
}

/// Removes the sensitivity charts of an earlier analysis that this one does not
/// redraw (a narrower `--regions`, another output), so `charts/` shows one analysis.
/// Only files named as the sensitivity charts are named (`sensitivity_*.png|svg`).
fn remove_stale_sensitivity_charts(charts_dir: &Path, new: &[PathBuf]) -> Result<(), Error> {
    let keep: Vec<&std::ffi::OsStr> = new.iter().filter_map(|f| f.file_name()).collect();
    let entries = fs::read_dir(charts_dir).map_err(io_err(charts_dir, "list the charts"))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let stale = name.to_str().is_some_and(|n| {
            n.starts_with("sensitivity_") && (n.ends_with(".png") || n.ends_with(".svg"))
        }) && !keep.contains(&name.as_os_str());
        if stale
            && entry
                .file_type()
                .is_ok_and(|t| t.is_file() || t.is_symlink())
        {
            let path = entry.path();
            fs::remove_file(&path).map_err(io_err(&path, "remove an old sensitivity chart"))?;
        }
    }
    Ok(())
}

/// Key-value metadata every Parquet file carries (see `parquet::metadata`).
pub fn parquet_metadata(plan: &RunPlan) -> Vec<(String, String)> {
    parquet::metadata(plan)
}

fn write_all(
    plan: &RunPlan,
    sim: &SimOutput,
    facts: RunFacts,
    dir: &Path,
    opts: WriteOptions,
    streamed: impl FnOnce() -> Result<Streamed, Error> + Send,
) -> Result<Manifest, Error> {
    let cfg = &plan.config;
    let meta = parquet::metadata(plan);

    let fold_runs = || -> Result<(&'static str, Streamed), Error> {
        let streamed = streamed()?;
        if streamed.runs_file {
            return Ok((RUNS_FILE, streamed));
        }
        if !opts.runs_layout.is_file(streamed.runs_rows) {
            return Ok(("runs/", streamed));
        }
        let codes: Vec<&str> = sim.scenarios[0]
            .regions
            .iter()
            .map(|r| r.code.as_str())
            .collect();
        parts::fold_into_file(
            &dir.join(RUNS_DIR),
            &dir.join(RUNS_FILE),
            sim.scenarios.len(),
            &codes,
            runs::nullable,
            &meta,
        )?;
        Ok((RUNS_FILE, streamed))
    };
    let tables_and_charts = || -> Result<(u64, u64, Option<u64>), Error> {
        let summary = summarize(sim, cfg.base_year, &cfg.checkpoint_years);
        crate::interrupt::check()?;
        let bands_rows = parquet::write_bands(&dir.join(BANDS_FILE), plan, sim, &meta)?;
        let ages_rows = if sim.age_years.is_empty() {
            None
        } else {
            Some(parquet::write_ages(&dir.join(AGES_FILE), sim, &meta)?)
        };
        let summary_rows = parquet::write_summary(
            &dir.join(SUMMARY_FILE),
            &summary,
            &cfg.checkpoint_years,
            &meta,
        )?;
        csv::write_summary(&dir.join(SUMMARY_CSV), &summary, &cfg.checkpoint_years)?;
        if let Some(draw) = opts.charts {
            crate::interrupt::check()?;
            // Drawn from the files just written, exactly as `fastlakare plot` would.
            draw(dir, cfg.language)?;
        }
        Ok((bands_rows, summary_rows, ages_rows))
    };
    // The band quantiles and the charts run on a pool of the run's own number of
    // threads, as the simulation did.
    let tables_and_charts = || crate::pool::install(Some(facts.threads), tables_and_charts)?;
    // Finishing the streamed parts (for runs held in memory, writing the last regions
    // into `runs.parquet`) and any fold of the runs into one file (which reads and
    // writes every run again) overlap the tables and charts, which read neither, when
    // there is a thread to spare.
    let (folded, tables) = if facts.threads > 1 {
        std::thread::scope(|scope| {
            let folding = scope.spawn(fold_runs);
            let tables = tables_and_charts();
            let folded = folding
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (folded, tables)
        })
    } else {
        (fold_runs(), tables_and_charts())
    };
    let (runs_name, streamed) = folded?;
    let (bands_rows, summary_rows, ages_rows) = tables?;
    crate::interrupt::check()?;

    let mut rows = vec![
        (runs_name, streamed.runs_rows),
        (BANDS_FILE, bands_rows),
        (SUMMARY_FILE, summary_rows),
    ];
    if let Some(n) = ages_rows {
        rows.push((AGES_FILE, n));
    }
    if let Some(n) = streamed.trajectory_rows {
        rows.push((TRAJECTORIES_DIR, n));
    }
    let manifest = Manifest::new(plan, facts, &rows);
    manifest.write(&dir.join(MANIFEST_FILE))?;
    Ok(manifest)
}
