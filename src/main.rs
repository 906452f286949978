//! Thin edge: parse arguments, call the library, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;
use fastlakare::cli::{exit_code, run, Args};

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(exit_code(&e))
        }
    }
}
