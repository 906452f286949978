//! `trajectories/`: every run's yearly stocks, for users who want their own statistics.
//!
//! A Hive dataset like `runs/` (see `parts`), written a chunk of runs at a time while
//! the simulation runs, so memory never holds more than one chunk of one region.

use std::path::Path;

use polars::prelude::*;

use super::parts::PartWriters;
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

/// Writes each chunk of each region's runs into `DIR/trajectories/`.
pub struct TrajectoryWriter {
    parts: PartWriters,
    base_year: i32,
}

impl TrajectoryWriter {
    pub fn new(
        results_dir: &Path,
        base_year: i32,
        meta: Vec<(String, String)>,
        threaded: bool,
    ) -> Self {
        TrajectoryWriter {
            parts: PartWriters::new(
                results_dir.join(TRAJECTORIES_DIR),
                |_| false,
                meta,
                threaded,
            ),
            base_year,
        }
    }

    pub fn write(&mut self, view: &RegionRuns<'_>) -> Result<(), Error> {
        let n = view.runs * view.years;
        let mut run = Vec::with_capacity(n);
        let mut year = Vec::with_capacity(n);
        let mut values: [Vec<f64>; 4] = std::array::from_fn(|_| Vec::with_capacity(n));
        for r in 0..view.runs {
            for t in 0..view.years {
                run.push((view.first_run as usize + r) as i32);
                year.push(self.base_year + t as i32);
                for (col, m) in values.iter_mut().zip(METRICS) {
                    col.push(view.value(m, r, t));
                }
            }
        }
        let mut columns = vec![
            Column::new("scenario".into(), vec![view.scenario; n]),
            Column::new("run".into(), run),
            Column::new("year".into(), year),
        ];
        for (m, v) in METRICS.iter().zip(values) {
            columns.push(Column::new(m.name().into(), v));
        }
        let df = DataFrame::new(n, columns).map_err(|e| Error::Parquet {
            path: TRAJECTORIES_DIR.into(),
            source: e,
        })?;
        self.parts
            .append(view.scenario_index, view.unit_index, view.code, df)
    }

    /// Closes every part; returns the rows written.
    pub fn finish(self) -> Result<u64, Error> {
        self.parts.finish()
    }
}
