#![no_main]
//! `cargo fuzz run debug1 --sanitizer none`: see leakdiff::fuzzing::debug1.

#[path = "../bounded_alloc.rs"]
mod bounded_alloc;

#[global_allocator]
static ALLOC: bounded_alloc::BoundedAlloc = bounded_alloc::BoundedAlloc;

libfuzzer_sys::fuzz_target!(|data: &[u8]| leakdiff::fuzzing::debug1(data));
