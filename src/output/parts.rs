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
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

use polars::prelude::*;

use super::parquet::{read_frame, ParquetStream};
use crate::error::Error;

/// The part file of (scenario index, region code) inside dataset folder `root`.
pub fn part_path(root: &Path, scenario_index: usize, code: &str) -> PathBuf {
    root.join(format!("region_code={code}"))
        .join(format!("part-{scenario_index}.parquet"))
}

/// Open part files of one dataset, keyed by (scenario index, unit index).
struct Parts {
    root: PathBuf,
    nullable: fn(&str) -> bool,
    meta: Vec<(String, String)>,
    open: BTreeMap<(usize, usize), ParquetStream>,
}

impl Parts {
    fn append(&mut self, part: Part) -> Result<(), Error> {
        let Part { key, code, frame } = part;
        let df = frame()?;
        if !self.open.contains_key(&key) {
            let path = part_path(&self.root, key.0, &code);
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

    fn finish(self) -> Result<u64, Error> {
        let mut rows = 0;
        for (_, s) in self.open {
            rows += s.finish()?;
        }
        Ok(rows)
    }
}

/// Builds a part's rows where they are written: on the writer's thread when there is
/// one, so the simulation's threads do not wait while a chunk's columns are built.
pub type Frame = Box<dyn FnOnce() -> Result<DataFrame, Error> + Send>;

/// Rows for the part of (scenario index, unit index).
struct Part {
    key: (usize, usize),
    code: String,
    frame: Frame,
}

/// Chunks handed over but not yet written: the simulation runs ahead of the writer
/// by at most this many.
const PENDING_PARTS: usize = 4;

/// The part files of one dataset, written on a thread of their own: encoding and
/// compressing Parquet then overlaps the next chunk's simulation instead of holding
/// up every thread between chunks. One writer, fed in order, so the files are the
/// same bytes as if written in place. On one thread (`--threads 1`) they are written
/// in place: one thread means one busy thread, as a cluster job asking for one CPU
/// expects.
pub struct PartWriters {
    inner: Writer,
}

enum Writer {
    Thread {
        to_writer: Option<SyncSender<Part>>,
        writer: Option<JoinHandle<Result<u64, Error>>>,
    },
    /// `None` once finished.
    InPlace(Option<Parts>),
}

impl PartWriters {
    /// `threaded`: write on a thread of its own (else in the caller's).
    pub fn new(
        root: PathBuf,
        nullable: fn(&str) -> bool,
        meta: Vec<(String, String)>,
        threaded: bool,
    ) -> Self {
        let parts = Parts {
            root,
            nullable,
            meta,
            open: BTreeMap::new(),
        };
        if !threaded {
            return PartWriters {
                inner: Writer::InPlace(Some(parts)),
            };
        }
        let (to_writer, received) = sync_channel::<Part>(PENDING_PARTS);
        let writer = std::thread::Builder::new()
            .name("fastlakare-parquet".into())
            .spawn(move || {
                let mut open = parts;
                // On an error this returns, dropping the receiver: the next `append`
                // then fails and fetches the error.
                for part in received {
                    open.append(part)?;
                }
                open.finish()
            })
            .expect("the system can start a thread");
        PartWriters {
            inner: Writer::Thread {
                to_writer: Some(to_writer),
                writer: Some(writer),
            },
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
        self.append_with(scenario_index, unit_index, code, Box::new(move || Ok(df)))
    }

    /// As [`PartWriters::append`], with the rows built by `frame` on the writer's side.
    pub fn append_with(
        &mut self,
        scenario_index: usize,
        unit_index: usize,
        code: &str,
        frame: Frame,
    ) -> Result<(), Error> {
        let part = Part {
            key: (scenario_index, unit_index),
            code: code.to_owned(),
            frame,
        };
        let sent = match &mut self.inner {
            Writer::InPlace(Some(parts)) => return parts.append(part),
            Writer::InPlace(None) => false,
            Writer::Thread {
                to_writer: Some(tx),
                ..
            } => tx.send(part).is_ok(),
            Writer::Thread { .. } => false,
        };
        if sent {
            return Ok(());
        }
        // The writer stopped: its error is the one to report.
        match self.join() {
            Err(e) => Err(e),
            Ok(_) => Err(Error::Io {
                path: PathBuf::from(code),
                what: "write",
                source: std::io::Error::other("the Parquet writer had already stopped"),
            }),
        }
    }

    /// Closes every part; returns the rows written over all of them.
    pub fn finish(mut self) -> Result<u64, Error> {
        if let Writer::InPlace(parts) = &mut self.inner {
            return parts.take().map_or(Ok(0), Parts::finish);
        }
        self.join()
    }

    fn join(&mut self) -> Result<u64, Error> {
        match &mut self.inner {
            Writer::Thread { to_writer, writer } => {
                *to_writer = None;
                match writer.take() {
                    Some(w) => w
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                    None => Ok(0),
                }
            }
            Writer::InPlace(_) => Ok(0),
        }
    }
}

impl Drop for PartWriters {
    /// Waits for the writer, so no file is written after the caller moves on (e.g.
    /// after an interrupted run's staging folder is removed).
    fn drop(&mut self) {
        if let Writer::Thread { to_writer, writer } = &mut self.inner {
            *to_writer = None;
            if let Some(w) = writer.take() {
                let _ = w.join();
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(first: i32) -> DataFrame {
        DataFrame::new(2, vec![Column::new("run".into(), vec![first, first + 1])]).expect("a frame")
    }

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("fastlakare-parts-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch folder");
        dir
    }

    #[test]
    fn both_writers_write_every_row_in_order_and_the_same_bytes() {
        let dir = scratch("ok");
        for (threaded, name) in [(true, "threaded"), (false, "in-place")] {
            let root = dir.join(name);
            let mut w = PartWriters::new(root.clone(), |_| false, Vec::new(), threaded);
            for chunk in 0..10 {
                w.append(0, 0, "01", frame(chunk * 2)).expect("append");
                w.append(0, 1, "03", frame(100 + chunk * 2))
                    .expect("append");
            }
            assert_eq!(w.finish().expect("finish"), 40, "{name}");
            let back = read_frame(&part_path(&root, 0, "01")).expect("read");
            let runs: Vec<i32> = back
                .column("run")
                .expect("run")
                .i32()
                .expect("i32")
                .into_no_null_iter()
                .collect();
            assert_eq!(runs, (0..20).collect::<Vec<_>>(), "{name}");
        }
        for code in ["01", "03"] {
            let bytes = |name: &str| fs::read(part_path(&dir.join(name), 0, code)).expect("read");
            assert_eq!(bytes("threaded"), bytes("in-place"), "part {code}");
        }
        fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn a_failing_writer_reports_its_error_and_names_the_path() {
        let dir = scratch("err");
        let blocker = dir.join("runs");
        fs::write(&blocker, "a file where the dataset folder should go").expect("file");
        for threaded in [true, false] {
            let mut w = PartWriters::new(blocker.clone(), |_| false, Vec::new(), threaded);
            // The first append may be accepted before the writer fails; a later one, or
            // finish, must report the failure.
            let mut error = None;
            for chunk in 0..20 {
                if let Err(e) = w.append(0, 0, "01", frame(chunk)) {
                    error = Some(e);
                    break;
                }
            }
            let error = match error {
                Some(e) => e,
                None => w.finish().expect_err("the folder cannot be created"),
            };
            assert!(
                error.to_string().contains("runs"),
                "the error names the path (threaded: {threaded}): {error}"
            );
        }
        fs::remove_dir_all(&dir).expect("clean up");
    }
}
