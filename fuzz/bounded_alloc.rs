//! A global allocator that refuses to let the process hold more than
//! `leakdiff::fuzzing::ALLOC_LIMIT` live heap bytes. A refused allocation
//! aborts (`memory allocation of N bytes failed`), which libFuzzer reports as
//! a crash with the input saved, so an input that makes the tool allocate
//! beyond its bounds is found even when the memory is never touched (and so
//! never shows in the RSS libFuzzer watches with `-rss_limit_mb`).
//!
//! Shared by the fuzz targets and `tests/fuzz_corpus.rs` (`#[path]`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

pub struct BoundedAlloc;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn reserve(n: usize) -> bool {
    let now = LIVE.fetch_add(n, Relaxed).saturating_add(n);
    if now > leakdiff::fuzzing::ALLOC_LIMIT {
        LIVE.fetch_sub(n, Relaxed);
        return false;
    }
    PEAK.fetch_max(now, Relaxed);
    true
}

fn release(n: usize) {
    LIVE.fetch_sub(n, Relaxed);
}

/// The most live bytes held at once since the last call (then reset).
#[allow(dead_code)]
pub fn take_peak() -> usize {
    PEAK.swap(LIVE.load(Relaxed), Relaxed)
}

unsafe impl GlobalAlloc for BoundedAlloc {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if !reserve(l.size()) {
            return std::ptr::null_mut();
        }
        let p = System.alloc(l);
        if p.is_null() {
            release(l.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        if !reserve(l.size()) {
            return std::ptr::null_mut();
        }
        let p = System.alloc_zeroed(l);
        if p.is_null() {
            release(l.size());
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l);
        release(l.size());
    }

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let old = l.size();
        if new > old && !reserve(new - old) {
            return std::ptr::null_mut();
        }
        let q = System.realloc(p, l, new);
        if q.is_null() {
            if new > old {
                release(new - old);
            }
        } else if new < old {
            release(old - new);
        }
        q
    }
}
