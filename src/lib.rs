//! fastlakare: a Monte Carlo simulator of the general-practice workforce in Sweden's
//! 21 regions, measured against Socialstyrelsen's guideline of one full-time GP
//! specialist per 1 100 inhabitants. See docs/ARCHITECTURE.md for the map.

pub mod backend;
pub mod binomial;
mod bytes;
pub mod chart;
pub mod cli;
pub mod config;
pub mod data;
pub mod dist;
pub mod dlf;
pub mod error;
pub mod input;
pub mod interrupt;
#[cfg(target_arch = "x86_64")]
pub mod lanes;
pub mod model;
pub mod names;
pub mod output;
pub mod params;
pub mod plan;
pub mod pool;
pub mod regions;
pub mod report;
pub mod sample;
pub mod scenario;
pub mod sensitivity;
pub mod shard;
pub mod simulate;
pub mod sketch;
pub mod solve;
pub mod stats;
pub mod summary;

pub use error::{Error, Result};
