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

pub fn i32s(df: &DataFrame, name: &str) -> Vec<Option<i32>> {
    let ca = df.column(name).unwrap().i32().unwrap().clone();
    (0..ca.len()).map(|i| ca.get(i)).collect()
}
