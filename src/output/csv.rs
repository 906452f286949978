//! `summary.csv`: the summary for spreadsheets and quick looks, same columns as
//! `summary.parquet`, nulls as empty cells.

use std::path::Path;

use super::parquet::QUANTILE_COLUMNS;
use super::BASELINE_SCENARIO;
use crate::error::Error;
use crate::summary::SummaryRow;

pub fn write_summary(path: &Path, rows: &[SummaryRow], checkpoints: &[i32]) -> Result<(), Error> {
    let io = |e: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        what: "write",
        source: e,
    };
    let mut w = csv::Writer::from_path(path).map_err(|e| io(e.into()))?;
    let mut header: Vec<String> = ["scenario", "region_code", "region", "runs"]
        .map(String::from)
        .to_vec();
    header.extend(QUANTILE_COLUMNS.map(String::from));
    header.push("share_never".into());
    header.extend(checkpoints.iter().map(|y| format!("prob_by_{y}")));
    header.push("policy_target_year".into());
    header.push("prob_by_policy_target".into());
    w.write_record(&header).map_err(|e| io(e.into()))?;
    let opt = |x: Option<f64>| x.map_or_else(String::new, |v| v.to_string());
    for r in rows {
        let mut rec = vec![
            BASELINE_SCENARIO.to_string(),
            r.region_code.clone(),
            r.region.clone(),
            r.years.runs.to_string(),
        ];
        rec.extend(r.years.q.iter().map(|q| opt(*q)));
        rec.push(r.years.share_never.to_string());
        rec.extend(r.prob_by.iter().map(|(_, p)| p.to_string()));
        rec.push(
            r.policy_target_year
                .map_or_else(String::new, |y| y.to_string()),
        );
        rec.push(opt(r.prob_by_policy_target));
        w.write_record(&rec).map_err(|e| io(e.into()))?;
    }
    w.flush().map_err(io)
}
