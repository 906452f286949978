//! Helpers shared by the integration tests: a scratch folder with the shipped data,
//! configs written on the fly, and Parquet read back with polars.

use std::fs::File;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use polars::prelude::*;

pub const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/regions_2023.csv");

pub fn configs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("configs")
}

/// A scratch folder holding a copy of the regional data, as a user's project would.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(DATA, dir.path().join("regions.csv")).unwrap();
        Scratch { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a config named `file` and returns its path.
    pub fn config(&self, file: &str, text: &str) -> PathBuf {
        let p = self.path(file);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// A small, fast config: every region, `runs` runs, 40 years.
    pub fn small(&self, runs: u32, extra: &str) -> PathBuf {
        self.config(
            "small.toml",
            &format!(
                "name = \"small\"\nseed = 7\nruns = {runs}\nhorizon_years = 40\ndata = \"regions.csv\"\n{extra}\n{NORRBOTTEN}"
            ),
        )
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("fastlakare").unwrap();
        c.current_dir(self.dir.path());
        c
    }
}

/// Norrbotten has no specialist count: every stochastic config must state a prior.
pub const NORRBOTTEN: &str = "[overrides.25]\npublic_headcount = { dist = \"triangular\", min = 82, mode = 92, max = 106 }\n";

pub fn read_parquet(path: &Path) -> DataFrame {
    ParquetReader::new(File::open(path).unwrap())
        .finish()
        .unwrap()
}

pub fn parquet_metadata(path: &Path) -> Vec<(String, String)> {
    let mut reader = ParquetReader::new(File::open(path).unwrap());
    let meta = reader.get_metadata().unwrap();
    meta.key_value_metadata
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|kv| (kv.key, kv.value.unwrap_or_default()))
        .collect()
}

/// A column as plain vectors, for assertions.
pub fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    let ca = df.column(name).unwrap().str().unwrap().clone();
    (0..ca.len()).map(|i| ca.get(i).map(String::from)).collect()
}

pub fn f64s(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    let ca = df.column(name).unwrap().f64().unwrap().clone();
    (0..ca.len()).map(|i| ca.get(i)).collect()
}

pub fn bools(df: &DataFrame, name: &str) -> Vec<Option<bool>> {
    let ca = df.column(name).unwrap().bool().unwrap().clone();
    (0..ca.len()).map(|i| ca.get(i)).collect()
}

pub fn i32s(df: &DataFrame, name: &str) -> Vec<Option<i32>> {
    let ca = df.column(name).unwrap().i32().unwrap().clone();
    (0..ca.len()).map(|i| ca.get(i)).collect()
}

/// The staging folder of a run into `out` (`.OUT.partial-PID` beside it), if any.
pub fn staging_of(s: &Scratch, out: &str) -> Option<PathBuf> {
    let prefix = format!(".{out}.partial-");
    std::fs::read_dir(s.dir.path())
        .unwrap()
        .flatten()
        .find(|e| {
            e.file_name()
                .to_string_lossy()
                .strip_prefix(&prefix)
                .is_some_and(|pid| pid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
        })
        .map(|e| e.path())
}

/// Starts a `run` of 400 000 runs into `out` and returns once it has written part of its
/// runs table into its staging folder, for tests that stop it there.
pub fn start_long_run(s: &Scratch, out: &str) -> std::process::Child {
    let cfg = s.small(400_000, "");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("fastlakare"))
        .current_dir(s.dir.path())
        .args(["run", cfg.to_str().unwrap(), "--quiet", "--out", out])
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !staging_of(s, out).is_some_and(|p| p.join("runs/region_code=01/part-0.parquet").exists())
    {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the run never started writing"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be stopped"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child
}
