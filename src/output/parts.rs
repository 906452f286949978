//! Hive-partitioned datasets written a chunk at a time: `NAME/region_code=XX/part-S.parquet`,
//! one file per region (and Sverige) and scenario (S = 0 for the baseline, then the
//! config's order). `region_code` lives in the folder name only, as Hive partitioning
//! expects: pyarrow refuses a dataset whose files repeat the partition column.
//!
//! `runs/` and `trajectories/` are written this way while the simulation runs, so
//! neither is ever held in memory; a run small enough for one file has its `runs/`
//! folded into `runs.parquet` at the end ([`fold_into_file`]).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::parquet::{read_frame, ParquetStream};
use crate::error::Error;

/// The part file of (scenario index, region code) inside dataset folder `root`.
pub fn part_path(root: &Path, scenario_index: usize, code: &str) -> PathBuf {
    root.join(format!("region_code={code}"))
        .join(format!("part-{scenario_index}.parquet"))
}

/// Open part files of one dataset, keyed by (scenario index, unit index).
pub struct PartWriters {
    root: PathBuf,
    nullable: fn(&str) -> bool,
    meta: Vec<(String, String)>,
    open: BTreeMap<(usize, usize), ParquetStream>,
}

impl PartWriters {
    pub fn new(root: PathBuf, nullable: fn(&str) -> bool, meta: Vec<(String, String)>) -> Self {
        PartWriters {
            root,
            nullable,
            meta,
            open: BTreeMap::new(),
        }
    }

    /// Appends `df` to the part of (scenario, unit), creating it on first use.
    pub fn append(
        &mut self,
        scenario_index: usize,
        unit_index: usize,
        code: &str,
        df: DataFrame,
    ) -> Result<(), Error> {
        let key = (scenario_index, unit_index);
        if !self.open.contains_key(&key) {
            let path = part_path(&self.root, scenario_index, code);
            let dir = path.parent().expect("part has a folder");
            fs::create_dir_all(dir).map_err(|e| Error::Io {
                path: dir.to_path_buf(),
                what: "create",
                source: e,
            })?;
            let stream = ParquetStream::create(&path, &df, &self.nullable, &self.meta)?;
            self.open.insert(key, stream);
        }
        self.open.get_mut(&key).expect("just opened").write(df)
    }

    /// Closes every part; returns the rows written over all of them.
    pub fn finish(self) -> Result<u64, Error> {
        let mut rows = 0;
        for (_, s) in self.open {
            rows += s.finish()?;
        }
        Ok(rows)
    }
}

/// Writes the parts of `root` into one file at `file`, scenario by scenario and region
/// by region in the order given, with `region_code` put back as the second column;
/// then removes `root`. Each part is written as whole row groups from its start, so the
/// file depends only on the rows, not on how they were chunked or sharded.
pub fn fold_into_file(
    root: &Path,
    file: &Path,
    scenarios: usize,
    codes: &[&str],
    nullable: fn(&str) -> bool,
    meta: &[(String, String)],
) -> Result<u64, Error> {
    let mut stream: Option<ParquetStream> = None;
    for s in 0..scenarios {
        for code in codes {
            let part = part_path(root, s, code);
            let mut df = read_frame(&part)?;
            let codes_col = Column::new("region_code".into(), vec![*code; df.height()]);
            df.insert_column(1, codes_col).map_err(|e| Error::Parquet {
                path: part.clone(),
                source: e,
            })?;
            if stream.is_none() {
                stream = Some(ParquetStream::create(file, &df, &nullable, meta)?);
            }
            stream.as_mut().expect("created").write(df)?;
        }
    }
    let rows = match stream {
        Some(s) => s.finish()?,
        None => 0,
    };
    fs::remove_dir_all(root).map_err(|e| Error::Io {
        path: root.to_path_buf(),
        what: "remove",
        source: e,
    })?;
    Ok(rows)
}

/// Appends the parts `inputs` (the same region and scenario from consecutive shards)
/// into one part at `out`. Returns the rows written.
pub fn concat_parts(
    inputs: &[PathBuf],
    out: &Path,
    nullable: fn(&str) -> bool,
    meta: &[(String, String)],
) -> Result<u64, Error> {
    if let Some(dir) = out.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::Io {
            path: dir.to_path_buf(),
            what: "create",
            source: e,
        })?;
    }
    let mut stream: Option<ParquetStream> = None;
    for part in inputs {
        let df = read_frame(part)?;
        if stream.is_none() {
            stream = Some(ParquetStream::create(out, &df, &nullable, meta)?);
        }
        stream.as_mut().expect("created").write(df)?;
    }
    match stream {
        Some(s) => s.finish(),
        None => Ok(0),
    }
}
