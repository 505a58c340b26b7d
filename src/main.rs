//! The `leakdiff` binary: parses the command line and calls the library.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = leakdiff::cli::Cli::parse();
    match leakdiff::cli::run(cli).map_err(anyhow::Error::from) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{}", leakdiff::cli::stderr_line("error", &e.to_string()));
            ExitCode::from(leakdiff::cli::EXIT_ERROR)
        }
    }
}
