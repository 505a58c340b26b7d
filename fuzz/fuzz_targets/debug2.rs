#![no_main]
//! `cargo fuzz run debug2 --sanitizer none`: see leakdiff::fuzzing::debug2.

#[path = "../bounded_alloc.rs"]
mod bounded_alloc;

#[global_allocator]
static ALLOC: bounded_alloc::BoundedAlloc = bounded_alloc::BoundedAlloc;

libfuzzer_sys::fuzz_target!(|data: &[u8]| leakdiff::fuzzing::debug2(data));
