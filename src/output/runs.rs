//! The runs table: one row per (scenario, region, run) with the run's years to target,
//! its sampled parameters and its cumulative costs. Handed over a chunk at a time, and
//! written either straight into `runs.parquet` (a table small enough to hold) or as a
//! Hive dataset (`runs/region_code=XX/part-S.parquet`), folded into `runs.parquet` at
//! the end if one file was asked for (see [`RunsLayout`]).

use std::path::Path;
use std::sync::Arc;

use polars::prelude::*;

use super::parts::PartWriters;
use super::RUNS_FILE;
use crate::error::Error;
use crate::simulate::{param_column_names, ParamRow, RegionRuns, RunFlags};

pub const RUNS_DIR: &str = "runs";

/// Where the runs table goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum RunsLayout {
    /// `runs.parquet` up to [`AUTO_FILE_MAX_ROWS`] rows, `runs/` beyond.
    #[default]
    Auto,
    /// Always one file, `runs.parquet`.
    File,
    /// Always the Hive dataset `runs/region_code=XX/part-S.parquet`.
    Hive,
}

/// Up to this many rows (runs x regions x scenarios) `auto` writes one file: about
/// 45 000 runs of the baseline. Beyond it a reader gains from reading one region's
/// folder instead of filtering a file of millions of rows.
pub const AUTO_FILE_MAX_ROWS: u64 = 1_000_000;

impl RunsLayout {
    /// Whether the runs table of `rows` rows is one file.
    pub fn is_file(self, rows: u64) -> bool {
        match self {
            RunsLayout::Auto => rows <= AUTO_FILE_MAX_ROWS,
            RunsLayout::File => true,
            RunsLayout::Hive => false,
        }
    }

    /// Whether a runs table of at most `rows` rows goes straight into `runs.parquet`,
    /// its chunks held in memory until each (scenario, region) is whole: one file, and
    /// small enough to hold (about 150 MB more peak memory at 45 000 baseline runs, near
    /// [`AUTO_FILE_MAX_ROWS`]). A larger one forced into one file (`File`) is written as
    /// parts and folded, so memory stays bounded whatever the runs.
    pub fn held_in_memory(self, rows: u64) -> bool {
        rows <= AUTO_FILE_MAX_ROWS && self.is_file(rows)
    }
}

/// The runs' flag columns ([`RunFlags`]).
pub const FELL_BACK: &str = "fell_back";
pub const UPTAKE_CLAMPED: &str = "uptake_clamped";

pub fn nullable(c: &str) -> bool {
    c.starts_with("param_") || matches!(c, "years_to_target" | "year_reached")
}

/// Writes each chunk of each region's runs into `DIR/runs/`, or, held in memory,
/// into `DIR/runs.parquet`.
pub struct RunsWriter {
    parts: PartWriters,
    base_year: i32,
    /// Shared with every chunk handed to the writer.
    checkpoints: Arc<[i32]>,
    held: bool,
}

impl RunsWriter {
    /// `held_runs`: `Some(runs per region)` to write `runs.parquet` directly (see
    /// [`RunsLayout::held_in_memory`]), `None` for the parts of `runs/`.
    pub fn new(
        dir: &Path,
        base_year: i32,
        checkpoints: &[i32],
        meta: Vec<(String, String)>,
        threaded: bool,
        held_runs: Option<usize>,
    ) -> Self {
        let parts = match held_runs {
            Some(runs) => {
                PartWriters::into_file(dir.join(RUNS_FILE), runs, nullable, meta, threaded)
            }
            None => PartWriters::new(dir.join(RUNS_DIR), nullable, meta, threaded),
        };
        RunsWriter {
            parts,
            base_year,
            checkpoints: checkpoints.into(),
            held: held_runs.is_some(),
        }
    }

    /// Whether the rows go straight into `runs.parquet`.
    pub fn is_held(&self) -> bool {
        self.held
    }

    /// Copies what the chunk's rows need (a few hundred kilobytes) and has the writer
    /// build the columns, so the simulation does not wait for it.
    pub fn write(&mut self, view: &RegionRuns<'_>) -> Result<(), Error> {
        let rows = ChunkRows {
            scenario: view.scenario.to_owned(),
            region: view.name.to_owned(),
            first_run: view.first_run,
            years_to_target: view.years_to_target.to_vec(),
            flags: view.flags.to_vec(),
            params: view.params.to_vec(),
            costs: view.costs.to_vec(),
            base_year: self.base_year,
            checkpoints: Arc::clone(&self.checkpoints),
        };
        self.parts.append_with(
            view.scenario_index,
            view.unit_index,
            view.code,
            Box::new(move || rows.frame()),
        )
    }

    pub fn finish(self) -> Result<u64, Error> {
        self.parts.finish()
    }
}

/// One chunk of one unit's runs, owned, as [`RunsWriter::write`] hands it over.
struct ChunkRows {
    scenario: String,
    region: String,
    first_run: u32,
    years_to_target: Vec<Option<u32>>,
    flags: Vec<RunFlags>,
    params: Vec<ParamRow>,
    /// Per run and checkpoint.
    costs: Vec<f64>,
    base_year: i32,
    checkpoints: Arc<[i32]>,
}

impl ChunkRows {
    fn frame(self) -> Result<DataFrame, Error> {
        let n = self.years_to_target.len();
        let k = self.checkpoints.len();
        let years: Vec<Option<i32>> = self
            .years_to_target
            .iter()
            .map(|y| y.map(|y| y as i32))
            .collect();
        let reached: Vec<Option<i32>> = years
            .iter()
            .map(|y| y.map(|y| self.base_year + y))
            .collect();
        let runs: Vec<i32> = (0..n)
            .map(|i| (self.first_run as usize + i) as i32)
            .collect();
        let mut columns = vec![
            Column::new("scenario".into(), vec![self.scenario.as_str(); n]),
            Column::new("region".into(), vec![self.region.as_str(); n]),
            Column::new("run".into(), runs),
            Column::new("years_to_target".into(), years),
            Column::new("year_reached".into(), reached),
            Column::new(
                FELL_BACK.into(),
                self.flags
                    .iter()
                    .map(|f| f.fell_back)
                    .collect::<Vec<bool>>(),
            ),
            Column::new(
                UPTAKE_CLAMPED.into(),
                self.flags
                    .iter()
                    .map(|f| f.uptake_clamped)
                    .collect::<Vec<bool>>(),
            ),
        ];
        for (j, name) in param_column_names().iter().enumerate() {
            let values: Vec<Option<f64>> = self.params.iter().map(|row| row[j]).collect();
            columns.push(Column::new(name.as_str().into(), values));
        }
        for (j, y) in self.checkpoints.iter().enumerate() {
            let values: Vec<f64> = (0..n).map(|r| self.costs[r * k + j]).collect();
            columns.push(Column::new(format!("cost_msek_by_{y}").into(), values));
        }
        DataFrame::new(n, columns).map_err(|e| Error::Parquet {
            path: RUNS_DIR.into(),
            source: e,
        })
    }
}
