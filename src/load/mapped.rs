//! Memory-mapped inputs, guarded against truncation.
//!
//! A regular file is mapped read-only and parsed in place. Reading a page
//! of a mapping beyond the end of its file (another process truncated the
//! file while it was mapped) raises SIGBUS, which would kill the process.
//! So a mapping is registered while it is in use, and a SIGBUS handler,
//! installed once, looks the faulting address up: inside a registered
//! mapping it maps a page of zeros over the faulting page
//! (`MAP_FIXED | MAP_ANONYMOUS`), marks the mapping as truncated and
//! returns, so the read is retried and sees zeros; the parse goes on
//! (NUL bytes are data like any other) and the load then fails with a
//! clear error. A byte read twice may read otherwise the second time, which
//! can make a parser panic: the load catches that panic and reports the
//! truncation, and a panic hook stays silent while a mapping in use has
//! faulted. A fault anywhere else is handed to the handler that was there
//! before (the standard library's, or the default action).
//!
//! The handler only reads atomics and calls `mmap`, a plain system call on
//! Linux. A file that shrinks without a fault (within its last page) is
//! caught by comparing its size before and after the load. A file that
//! grows while it is read is read up to the size it had when mapped, like
//! a snapshot of it.
//!
//! Only on Linux; elsewhere inputs are read.

use std::fs::File;

/// Files smaller than this are read: mapping costs system calls and page
/// faults that a small read does not.
pub const MIN_MAPPED: u64 = 1 << 20;

/// Whether inputs are mapped at all (`LEAKDIFF_NO_MMAP=1` turns it off,
/// to compare both ways).
pub fn enabled() -> bool {
    cfg!(target_os = "linux") && std::env::var_os("LEAKDIFF_NO_MMAP").is_none_or(|v| v.is_empty())
}

/// Lets the pages wholly inside `bytes` (a part of a mapped input that
/// was parsed and is no longer needed) go from this process's memory:
/// they stay in the page cache, and reading them again would fault them
/// back in from the file. Without this, the resident size of a load would
/// grow to the size of the input. Only for bytes of a live [`Mapped`]
/// file: any other memory (a buffer handed to `load::load_slice`) is left
/// alone, as dropping its pages would zero them.
pub fn release(bytes: &[u8]) {
    #[cfg(target_os = "linux")]
    {
        let page = *imp::PAGE.get_or_init(imp::page_size);
        let start = (bytes.as_ptr() as usize).next_multiple_of(page);
        let end = (bytes.as_ptr() as usize + bytes.len()) & !(page - 1);
        if end > start && imp::registered(start, end) {
            // SAFETY: the range is whole pages of a read-only file mapping
            // that is still mapped (registered while it lives); MADV_DONTNEED
            // only drops them from the page tables, and any later read gets
            // the file's bytes again.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = bytes;
}

/// A mapped file, registered with the SIGBUS guard while it lives.
pub struct Mapped {
    #[cfg(target_os = "linux")]
    inner: imp::Guarded,
}

impl Mapped {
    /// Maps `file` (of `len` bytes), or `None` when it cannot be mapped
    /// or guarded (then the caller reads it).
    pub fn new(file: &File, len: u64) -> Option<Mapped> {
        #[cfg(target_os = "linux")]
        {
            imp::Guarded::new(file, len).map(|inner| Mapped { inner })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (file, len);
            None
        }
    }

    pub fn bytes(&self) -> &[u8] {
        #[cfg(target_os = "linux")]
        {
            self.inner.bytes()
        }
        #[cfg(not(target_os = "linux"))]
        {
            &[]
        }
    }

    /// Whether a page was read beyond the end of the file (it was
    /// truncated while mapped).
    pub fn faulted(&self) -> bool {
        #[cfg(target_os = "linux")]
        {
            self.inner.faulted()
        }
        #[cfg(not(target_os = "linux"))]
        {
            false
        }
    }
}

#[cfg(target_os = "linux")]
mod imp {
    use std::fs::File;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::OnceLock;

    /// Registered mappings: start and end address (0 when the slot is
    /// free) and whether a fault was caught in it.
    const SLOTS: usize = 64;
    #[allow(clippy::declare_interior_mutable_const)]
    const FREE: AtomicUsize = AtomicUsize::new(0);
    #[allow(clippy::declare_interior_mutable_const)]
    const NO: AtomicBool = AtomicBool::new(false);
    static START: [AtomicUsize; SLOTS] = [FREE; SLOTS];
    static END: [AtomicUsize; SLOTS] = [FREE; SLOTS];
    static FAULTED: [AtomicBool; SLOTS] = [NO; SLOTS];

    /// The SIGBUS action before ours, restored for faults not ours.
    static PREVIOUS: OnceLock<Option<libc::sigaction>> = OnceLock::new();

    pub(super) fn page_size() -> usize {
        // SAFETY: sysconf has no preconditions.
        let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if n > 0 {
            n as usize
        } else {
            4096
        }
    }

    pub(super) static PAGE: OnceLock<usize> = OnceLock::new();

    /// The slot of the registered mapping that holds address `addr`.
    /// Only reads atomics: the SIGBUS handler calls it.
    fn slot_of(addr: usize) -> Option<usize> {
        (0..SLOTS).find(|&i| {
            let start = START[i].load(Ordering::Acquire);
            start != 0 && addr >= start && addr < END[i].load(Ordering::Acquire)
        })
    }

    /// Whether `start..end` (not empty) lies inside one registered mapping.
    pub(super) fn registered(start: usize, end: usize) -> bool {
        slot_of(start).is_some_and(|i| end <= END[i].load(Ordering::Acquire))
    }

    extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
        // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
        let addr = unsafe { (*info).si_addr() } as usize;
        let page = PAGE.get().copied().unwrap_or(4096);
        if let Some(i) = slot_of(addr) {
            FAULTED[i].store(true, Ordering::Release);
            let at = addr & !(page - 1);
            // SAFETY: replaces one page of a registered read-only file
            // mapping (which the fault shows lies beyond the file's
            // end) by a private page of zeros; nothing else is touched.
            let p = unsafe {
                libc::mmap(
                    at as *mut libc::c_void,
                    page,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if p != libc::MAP_FAILED {
                return;
            }
        }
        // Not ours (or the page could not be replaced): restore the action
        // that was there before and return; the faulting access runs again
        // and gets it.
        // SAFETY: sigaction with a valid struct (or the default action).
        unsafe {
            match PREVIOUS.get() {
                Some(Some(prev)) => {
                    libc::sigaction(sig, prev, std::ptr::null_mut());
                }
                _ => {
                    libc::signal(sig, libc::SIG_DFL);
                }
            }
        }
    }

    /// Whether some mapping in use was read beyond the end of its file.
    fn any_faulted() -> bool {
        (0..SLOTS).any(|slot| {
            START[slot].load(Ordering::Acquire) != 0 && FAULTED[slot].load(Ordering::Acquire)
        })
    }

    /// Installs the handler once; false if it could not be. Also a panic
    /// hook that stays silent while some mapping in use has faulted: bytes
    /// that turn to zeros between two reads of them can make a parser
    /// panic, and the load that catches it reports the truncation in one
    /// line instead (see `load::load_path`); any other panic is printed by
    /// the hook that was there before.
    fn install() -> bool {
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if !any_faulted() {
                    previous(info);
                }
            }));
        });
        PAGE.get_or_init(page_size);
        PREVIOUS
            .get_or_init(|| {
                // SAFETY: zeroed sigaction structs are valid; the handler
                // has the SA_SIGINFO signature.
                unsafe {
                    let mut act: libc::sigaction = std::mem::zeroed();
                    act.sa_sigaction = on_sigbus as *const () as usize;
                    act.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                    libc::sigemptyset(&mut act.sa_mask);
                    let mut prev: libc::sigaction = std::mem::zeroed();
                    if libc::sigaction(libc::SIGBUS, &act, &mut prev) == 0 {
                        Some(prev)
                    } else {
                        None
                    }
                }
            })
            .is_some()
    }

    pub struct Guarded {
        map: memmap2::Mmap,
        slot: usize,
    }

    impl Guarded {
        pub fn new(file: &File, len: u64) -> Option<Guarded> {
            let len = usize::try_from(len).ok()?;
            if len == 0 || !install() {
                return None;
            }
            // SAFETY: the mapping is read-only and private to this
            // process; a concurrent truncation is caught by the SIGBUS
            // guard (registered below, before any byte is read), and
            // concurrent writes only change which bytes are read, which
            // the parsers accept whatever they are.
            let map = unsafe { memmap2::MmapOptions::new().len(len).map(file) }.ok()?;
            let _ = map.advise(memmap2::Advice::Sequential);
            let start = map.as_ptr() as usize;
            for slot in 0..SLOTS {
                if START[slot]
                    .compare_exchange(0, usize::MAX, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    FAULTED[slot].store(false, Ordering::Release);
                    END[slot].store(start + len, Ordering::Release);
                    START[slot].store(start, Ordering::Release);
                    return Some(Guarded { map, slot });
                }
            }
            None
        }

        pub fn bytes(&self) -> &[u8] {
            &self.map
        }

        pub fn faulted(&self) -> bool {
            FAULTED[self.slot].load(Ordering::Acquire)
        }
    }

    impl Drop for Guarded {
        fn drop(&mut self) {
            // Unregistered before the map is unmapped (the field is dropped
            // after this), so a later fault at these addresses is not taken
            // for ours.
            END[self.slot].store(0, Ordering::Release);
            START[self.slot].store(0, Ordering::Release);
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::io::Write;

    fn dump(goroutines: usize) -> Vec<u8> {
        let mut d = Vec::new();
        for i in 0..goroutines {
            write!(
                d,
                "goroutine {} [chan receive, 3 minutes]:\nmain.worker({i:#x})\n\t/src/app/main.go:{} +0x1d\ncreated by main.start in goroutine 1\n\t/src/app/main.go:9 +0x66\n\n",
                i + 1,
                10 + i % 7
            )
            .unwrap();
        }
        d
    }

    #[test]
    fn a_mapped_file_is_parsed_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.txt");
        std::fs::write(&path, dump(20_000)).unwrap();
        let f = File::open(&path).unwrap();
        let len = f.metadata().unwrap().len();
        let m = Mapped::new(&f, len).unwrap();
        let snaps = crate::load::load_slice("d.txt", m.bytes(), &Default::default()).unwrap();
        assert_eq!(snaps[0].samples.len(), 20_000);
        assert!(!m.faulted());
    }

    /// A buffer that is not a mapped file, loaded in place (as
    /// `load::load_slice` allows), is left as it was: only a mapped file's
    /// pages are dropped once parsed, which for a buffer would zero them.
    #[test]
    fn a_buffer_loaded_in_place_is_left_as_it_was() {
        let d = dump(60_000);
        assert!(d.len() > 6 << 20, "several blocks");
        let copy = d.clone();
        let snaps = crate::load::load_slice("d.txt", &d, &Default::default()).unwrap();
        assert_eq!(snaps[0].samples.len(), 60_000);
        assert!(d == copy, "the buffer was changed");
        release(&d);
        assert!(d == copy, "the buffer was changed");
    }

    /// Truncated by another thread after mapping: reading the lost pages
    /// is caught (zeros are read, and the mapping is marked), not SIGBUS.
    #[test]
    fn truncation_while_mapped_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.txt");
        std::fs::write(&path, dump(40_000)).unwrap();
        let f = File::open(&path).unwrap();
        let len = f.metadata().unwrap().len();
        let m = Mapped::new(&f, len).unwrap();
        let p2 = path.clone();
        std::thread::spawn(move || {
            let w = std::fs::OpenOptions::new().write(true).open(p2).unwrap();
            w.set_len(len / 3).unwrap();
        })
        .join()
        .unwrap();
        let _ = crate::load::load_slice("d.txt", m.bytes(), &Default::default());
        assert!(m.faulted());
        let page = *imp::PAGE.get().unwrap();
        let lost = (len as usize / 3).next_multiple_of(page);
        assert!(m.bytes()[lost..].iter().all(|&b| b == 0));
        assert!(m.bytes()[..len as usize / 3].starts_with(b"goroutine 1 ["));
    }
}
