//! `trajectories/`: every run's yearly stocks, for users who want their own statistics.
//!
//! A Hive-partitioned dataset, `trajectories/region_code=XX/part-S.parquet`, one file per
//! region and scenario (S = 0 for the baseline, then the config's order) written as
//! soon as the region is simulated, so memory holds one region at a
//! time. `region_code` lives in the folder name only, as Hive partitioning expects:
//! pyarrow refuses a dataset whose files repeat the partition column.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use polars::prelude::*;

use crate::error::Error;
use crate::simulate::{Metric, RegionRuns};

pub const TRAJECTORIES_DIR: &str = "trajectories";

/// The trajectory metrics, in column order after `scenario`, `run`, `year`.
const METRICS: [Metric; 4] = [
    Metric::Specialists,
    Metric::SpecialistsFte,
    Metric::Trainees,
    Metric::Coverage,
];

/// Writes one partition per region into `dir/trajectories/`.
pub struct TrajectoryWriter {
    dir: PathBuf,
    base_year: i32,
    meta: Vec<(String, String)>,
    rows: AtomicU64,
}

impl TrajectoryWriter {
    pub fn new(results_dir: &Path, base_year: i32, meta: Vec<(String, String)>) -> Self {
        TrajectoryWriter {
            dir: results_dir.join(TRAJECTORIES_DIR),
            base_year,
            meta,
            rows: AtomicU64::new(0),
        }
    }

    /// Rows written so far, over all partitions.
    pub fn rows(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }

    pub fn write_region(&self, view: &RegionRuns<'_>) -> Result<(), Error> {
        let part = self.dir.join(format!("region_code={}", view.code));
        fs::create_dir_all(&part).map_err(|e| Error::Io {
            path: part.clone(),
            what: "create",
            source: e,
        })?;
        let n = view.runs * view.years;
        let mut run = Vec::with_capacity(n);
        let mut year = Vec::with_capacity(n);
        let mut values: [Vec<f64>; 4] = std::array::from_fn(|_| Vec::with_capacity(n));
        for r in 0..view.runs {
            for t in 0..view.years {
                run.push(r as i32);
                year.push(self.base_year + t as i32);
                for (col, m) in values.iter_mut().zip(METRICS) {
                    col.push(view.value(m, r, t));
                }
            }
        }
        let mut columns = vec![
            Series::new("scenario".into(), vec![view.scenario; n]).into_column(),
            Series::new("run".into(), run).into_column(),
            Series::new("year".into(), year).into_column(),
        ];
        for (m, v) in METRICS.iter().zip(values) {
            columns.push(Series::new(m.name().into(), v).into_column());
        }
        let rows = super::parquet::write(
            &part.join(format!("part-{}.parquet", view.scenario_index)),
            columns,
            &|_| false,
            &self.meta,
        )?;
        self.rows.fetch_add(rows, Ordering::Relaxed);
        Ok(())
    }
}
