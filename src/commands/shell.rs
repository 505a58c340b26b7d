//! `leakdiff completions SHELL` and `leakdiff man`: shell completions
//! (clap_complete) and man pages (clap_mangen) generated from the same clap
//! definitions that parse the command line. [`crate::cli`] sits above this
//! layer, so it passes its command in.

use super::EXIT_OK;
use crate::error::Error;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write leakdiff.1 and a page per command (leakdiff-analyze.1 …) into
    /// DIR instead of printing leakdiff.1 on standard output.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Prints the completion script for `a.shell`.
pub fn completions(a: CompletionsArgs, mut cmd: clap::Command) -> Result<u8, Error> {
    let name = cmd.get_name().to_string();
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, name, &mut buf);
    print(&buf)
}

/// Prints the man page, or writes every page into `--dir`.
pub fn man(a: ManArgs, cmd: clap::Command) -> Result<u8, Error> {
    match a.dir {
        Some(dir) => {
            let err = |e: std::io::Error| Error::Output {
                path: dir.display().to_string(),
                source: e,
            };
            if !dir.is_dir() {
                return Err(Error::Usage(format!(
                    "--dir {}: not a directory",
                    dir.display()
                )));
            }
            clap_mangen::generate_to(cmd, &dir).map_err(err)?;
            Ok(EXIT_OK)
        }
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut buf)
                .map_err(|e| Error::Output {
                    path: "standard output".into(),
                    source: e,
                })?;
            print(&buf)
        }
    }
}

/// Writes to standard output; a closed pipe (`| head`) is not an error.
fn print(buf: &[u8]) -> Result<u8, Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(buf).and_then(|_| out.flush()) {
        Ok(()) => Ok(EXIT_OK),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(EXIT_OK),
        Err(e) => Err(Error::Output {
            path: "standard output".into(),
            source: e,
        }),
    }
}
