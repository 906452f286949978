//! `summary.csv`: the summary for spreadsheets and quick looks, same columns as
//! `summary.parquet` (both follow `table::summary_columns`), nulls as empty cells.

use std::path::Path;

use super::table::summary_columns;
use crate::error::Error;
use crate::summary::SummaryRow;

pub fn write_summary(path: &Path, rows: &[SummaryRow], checkpoints: &[i32]) -> Result<(), Error> {
    let io = |e: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        what: "write",
        source: e,
    };
    let cols = summary_columns(rows, checkpoints);
    let mut w = csv::Writer::from_path(path).map_err(|e| io(e.into()))?;
    w.write_record(cols.iter().map(|c| c.name.as_str()))
        .map_err(|e| io(e.into()))?;
    for i in 0..rows.len() {
        w.write_record(cols.iter().map(|c| c.values.cell(i)))
            .map_err(|e| io(e.into()))?;
    }
    w.flush().map_err(io)
}
