//! leakdiff: find goroutine and memory leaks in Go services offline, from
//! saved profiles and dumps.
//!
//! The pipeline, one module per stage:
//! [`load`] → [`model`] (via [`normalize`]) → [`group`] → [`diff`] →
//! [`classify`] → [`report`]. [`analyze`] wires the stages together for each
//! command; [`cli`] holds the command line.

pub mod analyze;
pub mod capture;
pub mod classify;
pub mod cli;
pub mod diff;
pub mod error;
pub mod flame;
#[doc(hidden)]
pub mod fuzzing;
pub mod group;
pub mod load;
pub mod model;
pub mod normalize;
pub mod report;

pub use error::{Error, Result};
