//! `sensitivity.parquet`: one row per (scenario, region, parameter), and its inverse
//! for the charts.

use std::path::Path;

use polars::prelude::*;

use super::parquet::{read_frame, write};
use crate::error::Error;
use crate::params::Param;
use crate::sensitivity::sobol::{FactorIndices, Interval};
use crate::sensitivity::Row;

pub const SENSITIVITY_FILE: &str = "sensitivity.parquet";

/// Columns that may hold nulls: the indices where the output does not vary, and the
/// censored share of outputs other than years to target.
const NULLABLE: [&str; 7] = [
    "s1",
    "s1_lo",
    "s1_hi",
    "st",
    "st_lo",
    "st_hi",
    "censored_share",
];

pub(super) fn write_sensitivity(
    path: &Path,
    rows: &[Row],
    meta: &[(String, String)],
) -> Result<u64, Error> {
    let s = |name: &str, f: &dyn Fn(&Row) -> &str| {
        Series::new(name.into(), rows.iter().map(f).collect::<Vec<_>>()).into_column()
    };
    let f = |name: &str, f: &dyn Fn(&Row) -> f64| {
        Series::new(name.into(), rows.iter().map(f).collect::<Vec<_>>()).into_column()
    };
    let ind = |name: &str, f: &dyn Fn(&FactorIndices) -> f64| {
        Series::new(
            name.into(),
            rows.iter()
                .map(|r| r.indices.as_ref().map(f))
                .collect::<Vec<_>>(),
        )
        .into_column()
    };
    let columns = vec![
        s("scenario", &|r| &r.scenario),
        s("region_code", &|r| &r.region_code),
        s("region", &|r| &r.region),
        s("output", &|r| &r.output),
        s("parameter", &|r| r.parameter.name()),
        ind("s1", &|i| i.first_order.estimate),
        ind("s1_lo", &|i| i.first_order.lo),
        ind("s1_hi", &|i| i.first_order.hi),
        ind("st", &|i| i.total_order.estimate),
        ind("st_lo", &|i| i.total_order.lo),
        ind("st_hi", &|i| i.total_order.hi),
        Series::new(
            "samples".into(),
            rows.iter().map(|r| r.samples as i32).collect::<Vec<_>>(),
        )
        .into_column(),
        f("output_mean", &|r| r.output_mean),
        f("output_variance", &|r| r.output_variance),
        Series::new(
            "censored_share".into(),
            rows.iter().map(|r| r.censored_share).collect::<Vec<_>>(),
        )
        .into_column(),
    ];
    write(path, columns, &|c| NULLABLE.contains(&c), meta)
}

/// Reads `sensitivity.parquet` back into the rows that were written.
pub fn read_sensitivity(path: &Path) -> Result<Vec<Row>, Error> {
    let df = read_frame(path)?;
    let pe = |e| Error::Parquet {
        path: path.to_path_buf(),
        source: e,
    };
    let strs = |c: &str| df.column(c).and_then(|c| c.str().cloned()).map_err(pe);
    let f64s = |c: &str| df.column(c).and_then(|c| c.f64().cloned()).map_err(pe);
    let (scenario, codes, names) = (strs("scenario")?, strs("region_code")?, strs("region")?);
    let (output, parameter) = (strs("output")?, strs("parameter")?);
    let ind: Vec<Float64Chunked> = ["s1", "s1_lo", "s1_hi", "st", "st_lo", "st_hi"]
        .iter()
        .map(|c| f64s(c))
        .collect::<Result<_, _>>()?;
    let samples = df
        .column("samples")
        .and_then(|c| c.i32().cloned())
        .map_err(pe)?;
    let (mean, variance, censored) = (
        f64s("output_mean")?,
        f64s("output_variance")?,
        f64s("censored_share")?,
    );
    (0..df.height())
        .map(|i| {
            let name = parameter.get(i).unwrap_or_default();
            let parameter = Param::from_name(name).ok_or_else(|| {
                pe(PolarsError::ComputeError(
                    format!("column parameter: {name:?} is not a parameter").into(),
                ))
            })?;
            let v: Vec<Option<f64>> = ind.iter().map(|c| c.get(i)).collect();
            let indices = match v[..] {
                [Some(a), Some(b), Some(c), Some(d), Some(e), Some(f)] => Some(FactorIndices {
                    first_order: Interval {
                        estimate: a,
                        lo: b,
                        hi: c,
                    },
                    total_order: Interval {
                        estimate: d,
                        lo: e,
                        hi: f,
                    },
                }),
                _ => None,
            };
            Ok(Row {
                scenario: scenario.get(i).unwrap_or_default().to_string(),
                region_code: codes.get(i).unwrap_or_default().to_string(),
                region: names.get(i).unwrap_or_default().to_string(),
                output: output.get(i).unwrap_or_default().to_string(),
                parameter,
                indices,
                samples: samples.get(i).unwrap_or_default() as u32,
                output_mean: mean.get(i).unwrap_or_default(),
                output_variance: variance.get(i).unwrap_or_default(),
                censored_share: censored.get(i),
            })
        })
        .collect()
}
