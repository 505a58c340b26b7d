//! debug=2 / panic / SIGQUIT dump loader.

use super::LoadOptions;
use crate::error::InputError;
use crate::model::Snapshot;
use std::io::BufRead;

/// Every dump found in the input, in order.
pub fn load(
    _r: &mut dyn BufRead,
    _source: &str,
    _opts: &LoadOptions,
) -> Result<Vec<Snapshot>, InputError> {
    Err(InputError::new("debug=2 loader not implemented yet"))
}
