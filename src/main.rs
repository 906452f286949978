//! Thin edge: parse arguments, call the library, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;
use fastlakare::cli::{exit_code, run, Args};

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(e) = fastlakare::interrupt::install() {
        eprintln!("warning: Ctrl-C will not clean up: {e}");
    }
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(exit_code(&e))
        }
    }
}
