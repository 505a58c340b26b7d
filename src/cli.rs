//! Command-line definitions (clap) and the dispatch from a parsed command
//! line to [`crate::commands`], one file per command. Exit codes: 0 clean,
//! 1 findings at or above `--fail-on` (or growth past `diff
//! --fail-on-growth`), 2 usage or input error.

use crate::commands::{analyze, capture, catalog, diff, shell, show};
use crate::error::Error;
use clap::{CommandFactory, Parser, Subcommand};

pub use crate::commands::{stderr_line, write_atomically, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};

#[derive(Debug, Parser)]
#[command(
    name = "leakdiff",
    version,
    about = "Find goroutine and memory leaks in Go services offline, from saved profiles and dumps",
    long_about = "Find goroutine and memory leaks in Go services offline, from saved profiles and dumps.\n\n\
Reads pprof protobuf (gzipped or not), goroutine?debug=1 text and debug=2 / panic / SIGQUIT dumps \
(also inside logs); the format is detected from the content.\n\n\
Exit codes: 0 clean, 1 a finding at or above analyze --fail-on or growth past diff \
--fail-on-growth, 2 usage or input error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Group the goroutines (or samples) of each snapshot by normalized stack.
    Show(show::ShowArgs),
    /// Diff two or more snapshots, classify what grows and rank the leaks.
    Analyze(analyze::AnalyzeArgs),
    /// Print the catalog of leak signatures, or one entry.
    Catalog(catalog::CatalogArgs),
    /// Compare two pprof profiles of one type site by site (matched by
    /// function and file:line, so different builds of the same code match).
    Diff(diff::DiffArgs),
    /// Take snapshots from a live Go service's net/http/pprof endpoints into
    /// DIR: goroutine?debug=2, heap and goroutineleak, COUNT rounds.
    Capture(capture::CaptureArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(shell::CompletionsArgs),
    /// Print the man page (roff), or write one per command with --dir.
    Man(shell::ManArgs),
}

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Show(a) => show::run(a),
        Command::Analyze(a) => analyze::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Catalog(a) => catalog::run(a),
        Command::Capture(a) => capture::run(a),
        Command::Completions(a) => shell::completions(a, Cli::command()),
        Command::Man(a) => shell::man(a, Cli::command()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }
}
