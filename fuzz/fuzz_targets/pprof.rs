#![no_main]
//! `cargo fuzz run pprof --sanitizer none`: see leakdiff::fuzzing::pprof.

#[path = "../bounded_alloc.rs"]
mod bounded_alloc;

#[global_allocator]
static ALLOC: bounded_alloc::BoundedAlloc = bounded_alloc::BoundedAlloc;

libfuzzer_sys::fuzz_target!(|data: &[u8]| leakdiff::fuzzing::pprof(data));
