//! `goroutine?debug=1` text loader (and the other debug=1 text profiles).

use super::LoadOptions;
use crate::error::InputError;
use crate::model::Snapshot;
use std::io::BufRead;

pub fn load(
    _r: &mut dyn BufRead,
    _source: &str,
    _opts: &LoadOptions,
) -> Result<Snapshot, InputError> {
    Err(InputError::new("debug=1 loader not implemented yet"))
}
