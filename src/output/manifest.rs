//! `manifest.json`: what ran, with what, how long, and what it wrote.

use std::path::Path;

use serde::Serialize;

use super::RunFacts;
use crate::config::Config;
use crate::error::Error;
use crate::plan::RunPlan;

#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub version: String,
    /// The commit the binary was built from, when it was built inside a git checkout.
    pub git_commit: Option<String>,
    pub config_file: String,
    /// SHA-256 of the config file's text, hex: which config made these results.
    pub config_sha256: String,
    pub data_file: String,
    /// The regional data's text as the run read it.
    pub data_text: String,
    /// The language the charts were drawn in (what `plot` and `report` use by default).
    pub language: crate::lang::Lang,
    pub config: Config,
    pub seed: u64,
    pub runs: u32,
    pub threads: usize,
    pub wall_seconds: f64,
    pub regions: Vec<String>,
    pub skipped_regions: Vec<(String, String)>,
    /// `baseline`, then the config's scenarios.
    pub scenarios: Vec<String>,
    pub rows: std::collections::BTreeMap<String, u64>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Manifest {
    pub fn new(plan: &RunPlan, facts: RunFacts, rows: &[(&str, u64)]) -> Self {
        Manifest {
            version: env!("CARGO_PKG_VERSION").into(),
            git_commit: option_env!("FASTLAKARE_GIT_COMMIT")
                .filter(|s| !s.is_empty())
                .map(String::from),
            config_file: plan.config.source.clone(),
            config_sha256: sha256_hex(plan.config.text.as_bytes()),
            data_file: plan.table.source.clone(),
            data_text: plan.table.text.clone(),
            language: plan.config.language,
            config: plan.config.clone(),
            seed: plan.config.seed,
            runs: plan.config.runs,
            threads: facts.threads,
            wall_seconds: facts.wall_seconds,
            regions: plan.regions.iter().map(|r| r.code.clone()).collect(),
            skipped_regions: plan.skipped.clone(),
            scenarios: plan.scenarios.iter().map(|s| s.name.clone()).collect(),
            rows: rows.iter().map(|(k, v)| ((*k).to_string(), *v)).collect(),
        }
    }

    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let text = serde_json::to_string_pretty(self).expect("manifest serialises");
        std::fs::write(path, text + "\n").map_err(|e| Error::Io {
            path: path.to_path_buf(),
            what: "write",
            source: e,
        })
    }
}
