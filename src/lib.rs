//! fastlakare: a Monte Carlo simulator of the general-practice workforce in Sweden's
//! 21 regions, measured against Socialstyrelsen's guideline of one full-time GP
//! specialist per 1 100 inhabitants. See docs/ARCHITECTURE.md for the map.

pub mod backend;
pub(crate) mod binomial;
mod bytes;
pub mod chart;
pub mod cli;
pub mod config;
pub mod data;
pub(crate) mod dist;
pub(crate) mod dlf;
pub mod error;
pub(crate) mod input;
mod inputs;
pub mod interrupt;
pub mod lang;
#[cfg(target_arch = "x86_64")]
pub mod model;
pub(crate) mod names;
pub mod output;
pub(crate) mod params;
pub mod plan;
pub(crate) mod pool;
pub(crate) mod regions;
pub mod report;
mod rng;
pub mod sample;
pub(crate) mod scenario;
pub mod sensitivity;
pub mod shard;
pub mod simulate;
pub mod sketch;
pub mod solve;
pub(crate) mod stats;
pub mod summary;

pub use error::{Error, Result};
