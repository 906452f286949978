//! The library's one error type. Every variant says which input was wrong and how,
//! in one line, because the CLI prints it as is.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A config value that parsed but is not acceptable.
    #[error("{file}: {field}: {problem}")]
    Config {
        file: String,
        field: String,
        problem: String,
    },

    /// A config that is not valid TOML or does not fit the expected shape.
    #[error("{file}: line {line}: {problem}")]
    ConfigSyntax {
        file: String,
        line: usize,
        problem: String,
    },

    /// A bad cell or row in the regional data.
    #[error("{file}: line {line}: column {column}: {problem}")]
    Data {
        file: String,
        line: u64,
        column: String,
        problem: String,
    },

    /// An input file (config, data) that cannot be read: bad input, like its content.
    #[error("{path}: cannot {what}: {source}")]
    Input {
        path: PathBuf,
        what: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}: cannot {what}: {source}")]
    Io {
        path: PathBuf,
        what: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}: output folder exists already (pass --force to replace it)")]
    OutputExists { path: PathBuf },

    /// `--force`, `sensitivity` or `solve` pointed at something fastlakare did not write.
    #[error("{path}: not an output folder fastlakare wrote (it has no .fastlakare marker): fastlakare replaces or adds to its own output folders only; choose another --out")]
    NotOurs { path: PathBuf },

    #[error("{path}: Parquet: {source}")]
    Parquet {
        path: PathBuf,
        #[source]
        source: polars::error::PolarsError,
    },

    #[error("{path}: cannot draw the chart: {problem}")]
    Chart { path: PathBuf, problem: String },

    #[error("invalid option: {0}")]
    Usage(String),

    /// Shard folders that cannot be merged, or a damaged one.
    #[error("{path}: {problem}")]
    Shard { path: PathBuf, problem: String },

    #[error("interrupted: nothing was written")]
    Interrupted,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
