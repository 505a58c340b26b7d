#![no_main]
//! `cargo fuzz run gzip --sanitizer none`: see leakdiff::fuzzing::gzip.

#[path = "../bounded_alloc.rs"]
mod bounded_alloc;

#[global_allocator]
static ALLOC: bounded_alloc::BoundedAlloc = bounded_alloc::BoundedAlloc;

libfuzzer_sys::fuzz_target!(|data: &[u8]| leakdiff::fuzzing::gzip(data));
