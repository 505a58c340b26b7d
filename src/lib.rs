//! leakdiff: find goroutine and memory leaks in Go services offline, from
//! saved profiles and dumps.
//!
//! The modules are layered in the order of the pipeline. Bottom to top:
//!
//! [`text`] → [`error`] → [`model`] → [`load`] → [`group`] → [`diff`] → [`classify`] → [`report`] → [`commands`] → [`cli`] → [`fuzzing`]
//!
//! A module uses only the ones before it (checked by `tests/architecture.rs`):
//! [`text`] holds small helpers every layer may use; [`model`] is the data
//! every stage reads, normalized as it is built ([`model::normalize`]);
//! [`load`] turns bytes into snapshots; [`group`], [`diff`] and
//! [`classify`] are the stages of the analysis; [`report`] writes the
//! results; [`commands`] holds one file per command, wiring the stages
//! together; [`cli`] parses the command line and dispatches. `fuzzing`
//! holds the fuzz targets' bodies.

pub mod classify;
pub mod cli;
pub mod commands;
pub mod diff;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod group;
pub mod load;
pub mod model;
pub mod report;
pub mod text;

pub use error::{Error, Result};
