//! pprof protobuf loader (any profile type).

use super::LoadOptions;
use crate::error::InputError;
use crate::model::Snapshot;

/// Generated from `proto/profile.proto` by build.rs.
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/perftools.profiles.rs"));
}

/// Decodes one decompressed pprof protobuf.
pub fn load(_data: &[u8], _source: &str, _opts: &LoadOptions) -> Result<Snapshot, InputError> {
    Err(InputError::new("pprof loader not implemented yet"))
}
