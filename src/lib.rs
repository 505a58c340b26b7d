//! leakdiff: find goroutine and memory leaks in Go services offline, from
//! saved profiles and dumps.
//!
//! The pipeline, one module per stage:
//! [`load`] → [`model`] (via [`normalize`]) → [`group`] → [`diff`] →
//! [`classify`] → [`report`].

pub mod error;
pub mod load;
pub mod model;
pub mod normalize;

pub use error::{Error, Result};
