//! Hive-partitioned datasets written a chunk at a time: `NAME/region_code=XX/part-S.parquet`,
//! one file per region (and Sverige) and scenario (S = 0 for the baseline, then the
//! config's order). `region_code` lives in the folder name only, as Hive partitioning
//! expects: pyarrow refuses a dataset whose files repeat the partition column.
//!
//! `runs/` and `trajectories/` are written this way while the simulation runs, so
//! neither is ever held in memory. A runs table small enough to hold goes into one file
//! instead, each part written as it completes ([`PartWriters::into_file`]); a larger
//! one forced into one file is written as parts and folded at the end
//! ([`fold_into_file`]).

use std::collections::btree_map::Entry;
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

/// Where the parts of one dataset go, and what is open there.
struct Parts {
    nullable: fn(&str) -> bool,
    meta: Vec<(String, String)>,
    target: Target,
}

enum Target {
    /// One file per (scenario, unit): `part_path(root, ...)`, open while rows come.
    Folder {
        root: PathBuf,
        open: BTreeMap<(usize, usize), ParquetStream>,
    },
    /// Every part in one file, as [`fold_into_file`] would write it from the folder.
    File(Box<OneFile>),
}

/// The parts of a dataset small enough to hold, written into one file without a
/// folder of parts in between: encoding every chunk into a part and reading it all back
/// to fold it (encoding on the writer thread, and the fold's decoding) bought nothing a file this size needs. A part's chunks are
/// held until its last arrives, then written whole; parts complete in the order the
/// file wants them (the last chunk brings scenario by scenario, unit by unit), so all
/// but the last few are written while the simulation still runs.
struct OneFile {
    path: PathBuf,
    /// Rows of a whole part (the runs of the run range).
    rows_per_part: usize,
    /// Parts not yet written: their code, chunks and rows so far.
    held: BTreeMap<(usize, usize), HeldPart>,
    /// The last part written: a chunk for it or one before it is out of order.
    written: Option<(usize, usize)>,
    stream: Option<ParquetStream>,
}

struct HeldPart {
    code: String,
    chunks: Vec<DataFrame>,
    rows: usize,
}

impl Parts {
    fn append(&mut self, part: Part) -> Result<(), Error> {
        let Part { key, code, frame } = part;
        let df = frame()?;
        match &mut self.target {
            Target::Folder { root, open } => {
                let stream = match open.entry(key) {
                    Entry::Occupied(o) => o.into_mut(),
                    Entry::Vacant(v) => {
                        let path = part_path(root, key.0, &code);
                        let dir = path.parent().expect("part has a folder");
                        fs::create_dir_all(dir).map_err(|e| Error::Io {
                            path: dir.to_path_buf(),
                            what: "create",
                            source: e,
                        })?;
                        v.insert(ParquetStream::create(
                            &path,
                            &df,
                            &self.nullable,
                            &self.meta,
                        )?)
                    }
                };
                stream.write(df)
            }
            Target::File(file) => {
                if file.written.is_some_and(|w| key <= w) {
                    return Err(Error::Io {
                        path: file.path.clone(),
                        what: "write",
                        source: std::io::Error::other(format!(
                            "rows of region {code}, scenario {}, came after its part was written",
                            key.0
                        )),
                    });
                }
                let held = file.held.entry(key).or_insert_with(|| HeldPart {
                    code,
                    chunks: Vec::new(),
                    rows: 0,
                });
                held.rows += df.height();
                held.chunks.push(df);
                // Written from the front only: a part is never split by another.
                while let Some(first) = file.held.first_entry() {
                    if first.get().rows < file.rows_per_part {
                        break;
                    }
                    let (key, part) = first.remove_entry();
                    file.write(key, part, self.nullable, &self.meta)?;
                }
                Ok(())
            }
        }
    }

    fn finish(self) -> Result<u64, Error> {
        match self.target {
            Target::Folder { open, .. } => {
                let mut rows = 0;
                for (_, s) in open {
                    rows += s.finish()?;
                }
                Ok(rows)
            }
            Target::File(mut file) => {
                // Parts short of rows (none, when every run arrived) as they are.
                while let Some((key, part)) = file.held.pop_first() {
                    file.write(key, part, self.nullable, &self.meta)?;
                }
                match file.stream {
                    Some(s) => s.finish(),
                    None => Ok(0),
                }
            }
        }
    }
}

impl OneFile {
    /// Writes a whole part as [`fold_into_file`] writes one read back from its file.
    fn write(
        &mut self,
        key: (usize, usize),
        part: HeldPart,
        nullable: fn(&str) -> bool,
        meta: &[(String, String)],
    ) -> Result<(), Error> {
        let err = |e| Error::Parquet {
            path: self.path.clone(),
            source: e,
        };
        let mut chunks = part.chunks.into_iter();
        let mut df = chunks.next().expect("a held part has a chunk");
        for more in chunks {
            df.vstack_mut_owned(more).map_err(err)?;
        }
        append_part(
            &mut self.stream,
            &self.path,
            &self.path,
            df,
            &part.code,
            nullable,
            meta,
        )?;
        self.written = Some(key);
        Ok(())
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
        let target = Target::Folder {
            root,
            open: BTreeMap::new(),
        };
        PartWriters::start(target, nullable, meta, threaded)
    }

    /// Writers of every part into the one file `path`, in (scenario, unit) order, each
    /// part written once its `rows_per_part` rows have come: the file
    /// [`fold_into_file`] would make from the folder `new` writes, without the folder.
    /// The parts are held in memory until then, so this is for datasets that fit.
    pub fn into_file(
        path: PathBuf,
        rows_per_part: usize,
        nullable: fn(&str) -> bool,
        meta: Vec<(String, String)>,
        threaded: bool,
    ) -> Self {
        let target = Target::File(Box::new(OneFile {
            path,
            rows_per_part,
            held: BTreeMap::new(),
            written: None,
            stream: None,
        }));
        PartWriters::start(target, nullable, meta, threaded)
    }

    fn start(
        target: Target,
        nullable: fn(&str) -> bool,
        meta: Vec<(String, String)>,
        threaded: bool,
    ) -> Self {
        let parts = Parts {
            nullable,
            meta,
            target,
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
            let df = read_frame(&part)?;
            append_part(&mut stream, file, &part, df, code, nullable, meta)?;
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

/// Appends one whole part's rows `df` to the one file `file` (opened with the first
/// part), with `region_code` put back as the second column: what both the fold and the
/// parts held in memory write, so the two make the same file. `part` names the rows in
/// an error.
fn append_part(
    stream: &mut Option<ParquetStream>,
    file: &Path,
    part: &Path,
    mut df: DataFrame,
    code: &str,
    nullable: fn(&str) -> bool,
    meta: &[(String, String)],
) -> Result<(), Error> {
    let codes_col = Column::new("region_code".into(), vec![code; df.height()]);
    df.insert_column(1, codes_col).map_err(|e| Error::Parquet {
        path: part.to_path_buf(),
        source: e,
    })?;
    if stream.is_none() {
        *stream = Some(ParquetStream::create(file, &df, &nullable, meta)?);
    }
    stream.as_mut().expect("created").write(df)
}

/// Appends the parts `inputs` (the same region and scenario from consecutive shards)
/// into one part at `out`; `check` sees each part (with its index in `inputs`) before
/// it is written. Returns the rows written.
pub fn concat_parts(
    inputs: &[PathBuf],
    out: &Path,
    nullable: fn(&str) -> bool,
    meta: &[(String, String)],
    check: &dyn Fn(usize, &DataFrame) -> Result<(), Error>,
) -> Result<u64, Error> {
    if let Some(dir) = out.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::Io {
            path: dir.to_path_buf(),
            what: "create",
            source: e,
        })?;
    }
    let mut stream: Option<ParquetStream> = None;
    for (k, part) in inputs.iter().enumerate() {
        let df = read_frame(part)?;
        check(k, &df)?;
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

    /// Held in memory and written as parts complete, the one file is the very file the
    /// folder of parts folds into; chunks of several sizes, two scenarios, the last
    /// chunk short, both writers.
    #[test]
    fn parts_held_in_memory_make_the_file_the_fold_makes() {
        let dir = scratch("held");
        let codes = ["01", "03", "SE"];
        let runs = 10;
        let chunks = [(0, 4), (4, 8), (8, 10)];
        let feed = |w: &mut PartWriters| {
            for &(first, last) in &chunks {
                for s in 0..2 {
                    for (u, code) in codes.iter().enumerate() {
                        let run: Vec<i32> = (first..last).collect();
                        let value: Vec<f64> = run
                            .iter()
                            .map(|&r| f64::from(r) * 0.5 + (s * 10 + u) as f64)
                            .collect();
                        let df = DataFrame::new(
                            run.len(),
                            vec![
                                Column::new("scenario".into(), vec![format!("s{s}"); run.len()]),
                                Column::new("run".into(), run),
                                Column::new("value".into(), value),
                            ],
                        )
                        .expect("a frame");
                        w.append(s, u, code, df).expect("append");
                    }
                }
            }
        };
        let meta = vec![("k".to_string(), "v".to_string())];
        let mut folder = PartWriters::new(dir.join("runs"), |_| false, meta.clone(), true);
        feed(&mut folder);
        assert_eq!(folder.finish().expect("finish"), 60);
        let folded = dir.join("folded.parquet");
        fold_into_file(&dir.join("runs"), &folded, 2, &codes, |_| false, &meta).expect("fold");
        for threaded in [true, false] {
            let file = dir.join(format!("held-{threaded}.parquet"));
            let mut held =
                PartWriters::into_file(file.clone(), runs, |_| false, meta.clone(), threaded);
            feed(&mut held);
            assert_eq!(held.finish().expect("finish"), 60);
            assert_eq!(
                fs::read(&file).expect("read"),
                fs::read(&folded).expect("read"),
                "threaded: {threaded}"
            );
        }
        assert!(!dir.join("held-true").exists(), "no folder of parts");
        fs::remove_dir_all(&dir).expect("clean up");
    }

    /// A chunk for a part already written (more rows than a part holds) is refused,
    /// not appended after other parts' rows.
    #[test]
    fn rows_after_their_part_was_written_are_refused() {
        let dir = scratch("late");
        let file = dir.join("runs.parquet");
        let mut w = PartWriters::into_file(file, 2, |_| false, Vec::new(), false);
        w.append(0, 0, "01", frame(0)).expect("a whole part");
        w.append(0, 1, "03", frame(0)).expect("a whole part");
        let err = w
            .append(0, 0, "01", frame(2))
            .expect_err("part 01 is written");
        assert!(err.to_string().contains("region 01"), "{err}");
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
