//! `leakdiff catalog`: the catalog of leak signatures, or one entry.

use super::{catalog_with, emit, style, OutputArgs, EXIT_OK};
use crate::error::Error;
use crate::report;
use clap::Args;

#[derive(Debug, Args)]
#[command(mut_arg("format", |a| a.value_parser(super::formats_without_sarif())))]
pub struct CatalogArgs {
    /// Print only this entry.
    pub id: Option<String>,
    /// Add or override entries from a TOML file.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `catalog`; returns the exit code.
pub fn run(a: CatalogArgs) -> Result<u8, Error> {
    let catalog = catalog_with(&a.catalog)?;
    let entries: Vec<_> = match &a.id {
        Some(id) => vec![catalog.get(id).ok_or_else(|| {
            Error::Usage(format!(
                "no catalog entry {id:?}; leakdiff catalog lists them"
            ))
        })?],
        None => catalog.entries.iter().collect(),
    };
    let ex = report::exporter(a.output.format.into(), style(&a.output));
    emit(&a.output, |w| ex.catalog(&entries, w))?;
    Ok(EXIT_OK)
}
