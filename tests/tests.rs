//! One integration-test binary (each file under tests/ would otherwise link polars
//! on its own): the CLI end to end, DLF's published table, reproducibility.

mod common;

mod browser;
mod charts;
mod cli;
mod dlf;
mod facts;
mod fuzz;
mod golden;
mod hostile;
mod properties;
mod report;
mod reproducibility;
mod scenarios;
mod sensitivity;
mod shards;
mod trajectories;
