//! The Parquet files. Column names and types are the project's interface to Python
//! and R (docs/output-schema.md); change them only with the schema doc.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use std::sync::Arc;

use base64::Engine as _;
use polars::io::parquet::write::get_encodings;
use polars::prelude::*;
use polars_arrow::io::ipc::write::{default_ipc_fields, schema_to_bytes};
use polars_arrow::record_batch::RecordBatchT;
use polars_parquet::write::{
    CompressionOptions, FileWriter, KeyValue, RowGroupIterator, StatisticsOptions, Version,
    WriteOptions,
};

use super::table::{
    coverage_column, delta_prob_column, extra_cost_column, summary_columns, Values, COST_STATS,
    COVERAGE_QUANTILES,
};
use crate::error::Error;
use crate::plan::RunPlan;
use crate::simulate::{Metric, SimOutput};
use crate::summary::{BandStats, Comparison, CostStats, SummaryRow, YearsSummary};
use rayon::prelude::*;

/// Key-value metadata every Parquet file carries, so a file found on its own still
/// says what made it.
pub fn metadata(plan: &RunPlan) -> Vec<(String, String)> {
    let c = &plan.config;
    vec![
        (
            "fastlakare.version".into(),
            env!("CARGO_PKG_VERSION").into(),
        ),
        ("fastlakare.seed".into(), c.seed.to_string()),
        ("fastlakare.runs".into(), c.runs.to_string()),
        ("fastlakare.mode".into(), c.mode.as_str().into()),
        ("fastlakare.config".into(), c.text.clone()),
        (
            "fastlakare.config_resolved".into(),
            serde_json::to_string(c).expect("config serialises"),
        ),
    ]
}

/// Rows per Parquet row group: large enough to compress well, small enough that a
/// reader filtering on statistics can skip most of a big file.
const ROW_GROUP_ROWS: usize = 256 * 1024;

/// Writes `columns` as one Parquet file.
///
/// This goes below polars' `ParquetWriter` for two things readers notice: strings are
/// written as Arrow `large_string` (CompatLevel::oldest), which every pyarrow, polars and
/// R arrow reads, rather than `string_view`; and the key-value metadata is also placed
/// in the embedded Arrow schema, where `pyarrow.parquet.read_schema(p).metadata` and R's
/// `tbl$metadata` look for it (pyarrow ignores the footer's own pairs once an Arrow
/// schema is present). A column is marked `required` (not null) unless `nullable` says
/// it may hold nulls, so the file's schema states the documented nullability.
pub(super) fn write(
    path: &Path,
    columns: Vec<Column>,
    nullable: &dyn Fn(&str) -> bool,
    meta: &[(String, String)],
) -> Result<u64, Error> {
    let height = columns.first().map_or(0, Column::len);
    let df = DataFrame::new(height, columns).map_err(|e| Error::Parquet {
        path: path.to_path_buf(),
        source: e,
    })?;
    let with_nulls: Vec<String> = df
        .columns()
        .iter()
        .filter(|c| c.null_count() > 0)
        .map(|c| c.name().to_string())
        .collect();
    let nullable = |c: &str| nullable(c) || with_nulls.iter().any(|n| n == c);
    let mut stream = ParquetStream::create(path, &df, &nullable, meta)?;
    stream.write(df)?;
    stream.finish()
}

/// A Parquet file written a batch at a time (each batch one or more row groups), for
/// tables too large to hold: see [`write`] for the format choices. The schema is taken
/// from the first batch; `nullable` alone decides which columns may hold nulls.
pub(crate) struct ParquetStream {
    path: std::path::PathBuf,
    /// Buffered: the writer emits many small pieces (page headers, thrift), one
    /// system call each on a bare `File` (156 781 for a one-run baseline). Its `end`
    /// flushes, so a failed write is reported there, not lost on drop.
    writer: FileWriter<BufWriter<File>>,
    schema: Arc<ArrowSchema>,
    options: WriteOptions,
    meta: Vec<(String, String)>,
    rows: u64,
}

impl ParquetStream {
    pub(crate) fn create(
        path: &Path,
        first: &DataFrame,
        nullable: &dyn Fn(&str) -> bool,
        meta: &[(String, String)],
    ) -> Result<ParquetStream, Error> {
        let compat = CompatLevel::oldest();
        let mut schema = ArrowSchema::default();
        for c in first.columns() {
            let mut field = c.field().to_arrow(compat);
            field.is_nullable = nullable(c.name());
            schema.insert(field.name.clone(), field);
        }
        let file = File::create(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            what: "create",
            source: e,
        })?;
        let options = WriteOptions {
            statistics: StatisticsOptions::default(),
            compression: CompressionOptions::Zstd(None),
            version: Version::V2,
            data_page_size: None,
        };
        let file = BufWriter::with_capacity(1 << 20, file);
        let writer =
            FileWriter::try_new(file, schema.clone(), options).map_err(|e| Error::Parquet {
                path: path.to_path_buf(),
                source: e,
            })?;
        Ok(ParquetStream {
            path: path.to_path_buf(),
            writer,
            schema: Arc::new(schema),
            options,
            meta: meta.to_vec(),
            rows: 0,
        })
    }

    fn wrap(&self) -> impl Fn(PolarsError) -> Error + '_ {
        |e| Error::Parquet {
            path: self.path.clone(),
            source: e,
        }
    }

    /// Appends `df` (same columns as the first batch) in row groups of at most
    /// `ROW_GROUP_ROWS`, cut at fixed offsets from the batch's start, so the same
    /// rows make the same file however they arrived.
    pub(crate) fn write(&mut self, mut df: DataFrame) -> Result<(), Error> {
        df.rechunk_mut();
        let height = df.height();
        let compat = CompatLevel::oldest();
        for g in 0..height.div_ceil(ROW_GROUP_ROWS) {
            let slice = df.slice((g * ROW_GROUP_ROWS) as i64, ROW_GROUP_ROWS);
            let batches: Vec<_> = slice
                .iter_chunks(compat, false)
                .map(|batch| {
                    let arrays = batch.into_arrays();
                    Ok(RecordBatchT::new(
                        height_of(&arrays),
                        self.schema.clone(),
                        arrays,
                    ))
                })
                .collect();
            let encodings = get_encodings(&self.schema);
            let row_groups = RowGroupIterator::try_new(
                batches.into_iter(),
                &self.schema,
                self.options,
                encodings,
            )
            .map_err(self.wrap())?;
            for group in row_groups {
                let group = group.map_err(self.wrap())?;
                let wrap = |e| Error::Parquet {
                    path: self.path.clone(),
                    source: e,
                };
                self.writer.write(u64::MAX, group).map_err(wrap)?;
            }
        }
        self.rows += height as u64;
        Ok(())
    }

    /// Writes the footer (with the metadata) and returns the rows written.
    pub(crate) fn finish(mut self) -> Result<u64, Error> {
        let mut kv: Vec<KeyValue> = self
            .meta
            .iter()
            .map(|(k, v)| KeyValue {
                key: k.clone(),
                value: Some(v.clone()),
            })
            .collect();
        kv.insert(0, arrow_schema_key(&self.schema, &self.meta));
        let path = self.path.clone();
        self.writer
            .end(Some(kv))
            .map_err(|e| Error::Parquet { path, source: e })?;
        Ok(self.rows)
    }
}

fn height_of(arrays: &[ArrayRef]) -> usize {
    arrays.first().map_or(0, |a| a.len())
}

/// The `ARROW:schema` footer entry, as Arrow's own writers make it (a length-prefixed IPC
/// schema message, base64), but carrying `meta` as the schema's metadata.
fn arrow_schema_key(schema: &ArrowSchema, meta: &[(String, String)]) -> KeyValue {
    let metadata: polars_arrow::datatypes::Metadata = meta
        .iter()
        .map(|(k, v)| (k.as_str().into(), v.as_str().into()))
        .collect();
    let bytes = schema_to_bytes(
        schema,
        &default_ipc_fields(schema.iter_values()),
        Some(&metadata),
    );
    let mut prefixed = Vec::with_capacity(bytes.len() + 8);
    prefixed.extend_from_slice(&[255u8, 255, 255, 255]);
    prefixed.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    prefixed.extend_from_slice(&bytes);
    KeyValue {
        key: "ARROW:schema".into(),
        value: Some(base64::engine::general_purpose::STANDARD.encode(prefixed)),
    }
}

/// One row per (scenario, region, kept year, age): the heads in primary care at that
/// age over runs. Not written in dlf mode, which has no ages.
pub fn write_ages(path: &Path, sim: &SimOutput, meta: &[(String, String)]) -> Result<u64, Error> {
    use crate::model::{AGES, MIN_AGE};
    let (mut scenario, mut codes, mut names) = (Vec::new(), Vec::new(), Vec::new());
    let (mut year, mut age) = (Vec::new(), Vec::new());
    let mut stats: [Vec<f64>; 4] = std::array::from_fn(|_| Vec::new());
    for sc in &sim.scenarios {
        for r in &sc.regions {
            for (k, &y) in sim.age_years.iter().enumerate() {
                for i in 0..AGES {
                    let sketch = &r.ages[k * AGES + i];
                    let q = sketch.quantiles(&[0.05, 0.5, 0.95]);
                    scenario.push(sc.name.as_str());
                    codes.push(r.code.as_str());
                    names.push(r.name.as_str());
                    year.push(y);
                    age.push((MIN_AGE as usize + i) as i32);
                    stats[0].push(sketch.mean());
                    for (s, v) in stats[1..].iter_mut().zip(q) {
                        s.push(v);
                    }
                }
            }
        }
    }
    let mut columns = vec![
        Series::new("scenario".into(), scenario).into_column(),
        Series::new("region_code".into(), codes).into_column(),
        Series::new("region".into(), names).into_column(),
        Series::new("year".into(), year).into_column(),
        Series::new("age".into(), age).into_column(),
    ];
    for (name, values) in ["mean", "p05", "p50", "p95"].iter().zip(stats) {
        columns.push(Series::new((*name).into(), values).into_column());
    }
    write(path, columns, &|_| false, meta)
}

/// One row per (scenario, region, year, metric).
pub fn write_bands(
    path: &Path,
    plan: &RunPlan,
    sim: &SimOutput,
    meta: &[(String, String)],
) -> Result<u64, Error> {
    let base = plan.config.base_year;
    let years = sim.years;
    let n =
        sim.scenarios.iter().map(|s| s.regions.len()).sum::<usize>() * years * Metric::ALL.len();
    let mut scenario = Vec::with_capacity(n);
    let (mut codes, mut names, mut year, mut metric) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let mut stats: [Vec<f64>; 6] = std::array::from_fn(|_| Vec::with_capacity(n));
    let units: Vec<_> = sim
        .scenarios
        .iter()
        .flat_map(|s| s.regions.iter().map(move |r| (s, r)))
        .collect();
    // The quantiles of every sketch, a unit per task on the caller's rayon pool: after
    // the simulation they are the run's last computation before the charts.
    let bands: Vec<Vec<BandStats>> = units
        .par_iter()
        .map(|(_, r)| {
            (0..years)
                .flat_map(|t| Metric::ALL.map(|m| r.band(m, t)))
                .collect()
        })
        .collect();
    for ((sc, r), unit_bands) in units.iter().zip(&bands) {
        let mut unit_bands = unit_bands.iter();
        for t in 0..years {
            for &m in &Metric::ALL {
                let b = unit_bands.next().expect("a band per year and metric");
                scenario.push(sc.name.as_str());
                codes.push(r.code.as_str());
                names.push(r.name.as_str());
                year.push(base + t as i32);
                metric.push(m.name());
                stats[0].push(b.mean);
                for (s, q) in stats[1..].iter_mut().zip(b.q) {
                    s.push(q);
                }
            }
        }
    }
    let mut columns = vec![
        Series::new("scenario".into(), scenario).into_column(),
        Series::new("region_code".into(), codes).into_column(),
        Series::new("region".into(), names).into_column(),
        Series::new("year".into(), year).into_column(),
        Series::new("metric".into(), metric).into_column(),
    ];
    for (name, values) in ["mean", "p05", "p25", "p50", "p75", "p95"]
        .iter()
        .zip(stats)
    {
        columns.push(Series::new((*name).into(), values).into_column());
    }
    write(path, columns, &|_| false, meta)
}

/// One row per (scenario, region): the columns of `table::summary_columns`.
pub fn write_summary(
    path: &Path,
    rows: &[SummaryRow],
    checkpoints: &[i32],
    meta: &[(String, String)],
) -> Result<u64, Error> {
    let cols = summary_columns(rows, checkpoints);
    let nullable: Vec<String> = cols
        .iter()
        .filter(|c| c.nullable)
        .map(|c| c.name.clone())
        .collect();
    let columns = cols
        .into_iter()
        .map(|c| {
            let name = c.name.as_str().into();
            match c.values {
                Values::Str(v) => Series::new(name, v),
                Values::Int(v) => Series::new(name, v),
                Values::Float(v) => Series::new(name, v),
            }
            .into_column()
        })
        .collect();
    write(path, columns, &|c| nullable.iter().any(|n| n == c), meta)
}

/// Years-to-target quantile columns of the summary, in `summary::LEVELS` order.
pub const QUANTILE_COLUMNS: [&str; 5] = [
    "p05_years",
    "p25_years",
    "p50_years",
    "p75_years",
    "p95_years",
];

/// Reads only `columns` of a Parquet file.
pub fn read_columns(path: &Path, columns: &[String]) -> Result<DataFrame, Error> {
    let file = File::open(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        what: "open",
        source: e,
    })?;
    ParquetReader::new(file)
        .with_columns(Some(columns.to_vec()))
        .finish()
        .map_err(|e| Error::Parquet {
            path: path.to_path_buf(),
            source: e,
        })
}

/// Reads a whole Parquet file.
pub fn read_frame(path: &Path) -> Result<DataFrame, Error> {
    let file = File::open(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        what: "read",
        source: e,
    })?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| Error::Parquet {
            path: path.to_path_buf(),
            source: e,
        })
}

/// Reads `summary.parquet` back into the rows `write_summary` wrote (its inverse), so
/// charts and report read the summary one way.
pub fn read_summary(path: &Path) -> Result<Vec<SummaryRow>, Error> {
    let df = read_frame(path)?;
    let pe = |e| Error::Parquet {
        path: path.to_path_buf(),
        source: e,
    };
    let strs = |c: &str| df.column(c).and_then(|c| c.str().cloned()).map_err(pe);
    let f64s = |c: &str| df.column(c).and_then(|c| c.f64().cloned()).map_err(pe);
    let i32s = |c: &str| df.column(c).and_then(|c| c.i32().cloned()).map_err(pe);
    let checkpoints: Vec<i32> = df
        .get_column_names()
        .iter()
        .filter_map(|c| c.strip_prefix("prob_by_").and_then(|y| y.parse().ok()))
        .collect();
    let per_year = |name: &dyn Fn(i32) -> String| -> Result<Vec<Float64Chunked>, Error> {
        checkpoints.iter().map(|&y| f64s(&name(y))).collect()
    };
    let (scenario, codes, names) = (strs("scenario")?, strs("region_code")?, strs("region")?);
    let runs = i32s("runs")?;
    let years: Vec<Float64Chunked> = QUANTILE_COLUMNS
        .iter()
        .map(|c| f64s(c))
        .collect::<Result<_, _>>()?;
    let never = f64s("share_never")?;
    let fell_back = f64s("share_fell_back")?;
    let q_clamped = f64s("q_clamped")?;
    let probs = per_year(&|y| format!("prob_by_{y}"))?;
    let policy = i32s("policy_target_year")?;
    let prob_policy = f64s("prob_by_policy_target")?;
    let delta_p50 = f64s("delta_p50_years")?;
    let delta_prob = per_year(&delta_prob_column)?;
    let cost: Vec<Vec<Float64Chunked>> = COST_STATS
        .iter()
        .map(|stat| per_year(&|y| extra_cost_column(stat, y)))
        .collect::<Result<_, _>>()?;
    let coverage_mean = per_year(&|y| coverage_column("mean", y))?;
    let coverage_q: Vec<Vec<Float64Chunked>> = COVERAGE_QUANTILES
        .iter()
        .map(|stat| per_year(&|y| coverage_column(stat, y)))
        .collect::<Result<_, _>>()?;
    let get = |c: &Float64Chunked, i: usize| c.get(i).unwrap_or_default();
    Ok((0..df.height())
        .map(|i| SummaryRow {
            scenario: scenario.get(i).unwrap_or_default().to_string(),
            region_code: codes.get(i).unwrap_or_default().to_string(),
            region: names.get(i).unwrap_or_default().to_string(),
            years: YearsSummary {
                runs: runs.get(i).unwrap_or_default() as u32,
                q: std::array::from_fn(|k| years[k].get(i)),
                share_never: get(&never, i),
            },
            prob_by: checkpoints
                .iter()
                .zip(&probs)
                .map(|(&y, p)| (y, get(p, i)))
                .collect(),
            policy_target_year: policy.get(i),
            prob_by_policy_target: prob_policy.get(i),
            share_fell_back: get(&fell_back, i),
            q_clamped: q_clamped.get(i),
            coverage_at: (0..checkpoints.len())
                .map(|j| crate::stats::BandStats {
                    mean: get(&coverage_mean[j], i),
                    q: std::array::from_fn(|k| get(&coverage_q[k][j], i)),
                })
                .collect(),
            vs_baseline: Comparison {
                delta_p50_years: delta_p50.get(i),
                delta_prob_by: delta_prob.iter().map(|c| get(c, i)).collect(),
                extra_cost: (0..checkpoints.len())
                    .map(|j| CostStats {
                        mean: get(&cost[0][j], i),
                        p05: get(&cost[1][j], i),
                        p50: get(&cost[2][j], i),
                        p95: get(&cost[3][j], i),
                    })
                    .collect(),
            },
        })
        .collect())
}

/// `solve.parquet`: one row per region.
pub fn write_solve(
    path: &Path,
    rows: &[crate::solve::SolveRow],
    meta: &[(String, String)],
) -> Result<u64, Error> {
    let s = |name: &str, v: Vec<&str>| Series::new(name.into(), v).into_column();
    let columns = vec![
        s(
            "region_code",
            rows.iter().map(|r| r.region_code.as_str()).collect(),
        ),
        s("region", rows.iter().map(|r| r.region.as_str()).collect()),
        Series::new(
            "by_year".into(),
            rows.iter().map(|r| r.by_year).collect::<Vec<_>>(),
        )
        .into_column(),
        Series::new(
            "probability".into(),
            rows.iter().map(|r| r.probability).collect::<Vec<_>>(),
        )
        .into_column(),
        Series::new(
            "current_st_trainees".into(),
            rows.iter()
                .map(|r| r.current_st_trainees)
                .collect::<Vec<_>>(),
        )
        .into_column(),
        Series::new(
            "required_st_trainees".into(),
            rows.iter()
                .map(|r| r.required_st_trainees.map(|t| t as i32))
                .collect::<Vec<_>>(),
        )
        .into_column(),
        Series::new(
            "required_intake_per_year".into(),
            rows.iter()
                .map(|r| r.required_intake_per_year)
                .collect::<Vec<_>>(),
        )
        .into_column(),
        Series::new(
            "achieved_probability".into(),
            rows.iter()
                .map(|r| r.achieved_probability)
                .collect::<Vec<_>>(),
        )
        .into_column(),
        Series::new(
            "max_st_trainees".into(),
            rows.iter()
                .map(|r| r.max_st_trainees as i32)
                .collect::<Vec<_>>(),
        )
        .into_column(),
        Series::new(
            "probability_at_max".into(),
            rows.iter()
                .map(|r| r.probability_at_max)
                .collect::<Vec<_>>(),
        )
        .into_column(),
    ];
    write(
        path,
        columns,
        &|c| {
            matches!(
                c,
                "required_st_trainees" | "required_intake_per_year" | "achieved_probability"
            )
        },
        meta,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The buffer is flushed where its error can be reported (the writer's `end`): a
    /// file on a full disk (`/dev/full` takes the open but fails every write) is an
    /// error, not a silent truncation when the buffer is dropped.
    #[test]
    fn a_failed_flush_is_reported() {
        let full = Path::new("/dev/full");
        if !full.exists() {
            return; // not Linux
        }
        let columns = vec![Column::new("run".into(), vec![1i32, 2, 3])];
        let err = write(full, columns, &|_| false, &[]).expect_err("a full disk");
        assert!(
            matches!(err, Error::Io { what: "write", .. } | Error::Parquet { .. }),
            "{err:?}"
        );
        let columns = vec![Column::new("run".into(), vec![1i32, 2, 3])];
        let ok =
            std::env::temp_dir().join(format!("fastlakare-flush-{}.parquet", std::process::id()));
        assert_eq!(write(&ok, columns, &|_| false, &[]).expect("written"), 3);
        assert!(std::fs::metadata(&ok).expect("exists").len() > 0);
        let _ = std::fs::remove_file(&ok);
    }
}
