//! Loading: bytes in, [`Snapshot`]s out. The format is detected from the
//! content, never from the file name; gzip is unwrapped first with a bound on
//! the decompressed size. One loader per format:
//!
//! - [`pprof`]: pprof protobuf of any profile type;
//! - [`debug1`]: `goroutine?debug=1` text (and the other debug=1 text profiles);
//! - [`debug2`]: `goroutine?debug=2`, panics and SIGQUIT/GOTRACEBACK dumps,
//!   also inside logs.

pub mod debug1;
pub mod debug2;
pub mod detect;
pub mod inputs;
pub mod mapped;
pub mod pprof;
pub mod utf16;
pub mod wire;

use crate::error::{Error, InputError, Position};
use crate::model::{FlatSamples, Snapshot};
use crate::text::io_message;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

pub use detect::Detected;
pub use inputs::{expand_inputs, load_all, load_all_with, order, CAPTURE_MANIFEST};

/// Bounds on what one input may make the tool do. Each has a command-line
/// flag; exceeding one is an error or a warning with partial results.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Maximum bytes a compressed input may inflate to.
    pub max_decompressed: u64,
    /// Maximum samples (goroutines, records) kept per snapshot.
    pub max_samples: usize,
    /// Maximum frames kept per stack; deeper stacks are cut and flagged.
    pub max_frames: usize,
    /// Maximum bytes of one line that are looked at; the rest is skipped.
    pub max_line: usize,
    /// Parse large text dumps on all cores (blocks split at goroutine
    /// boundaries); `false` reads them line by line on one thread. The
    /// results are identical.
    pub parallel: bool,
    /// Record each debug=2 goroutine's [`crate::model::CallWords`] (what
    /// tells a goroutine in a new call from one still blocked, across
    /// snapshots); `show`, which looks at one snapshot at a time, spares
    /// the work.
    pub call_words: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_decompressed: 4 << 30,
            max_samples: 10_000_000,
            max_frames: 1024,
            max_line: 64 << 10,
            parallel: true,
            call_words: true,
        }
    }
}

/// Where the time of the reading threads went, over every load of the
/// process so far (for `LEAKDIFF_TIMINGS`; block-parallel debug=2 loads
/// only). A load whose reading thread hardly waits is bound by reading:
/// for a gzipped input, by decompression.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Reading blocks, inflating them when the input is gzipped.
    pub reading: std::time::Duration,
    /// Waiting for the other cores to parse and apply the blocks read.
    pub waiting: std::time::Duration,
}

pub fn timings() -> Timings {
    debug2::blocks_timings()
}

/// Takes the samples of a snapshot while it is loaded, in order and in
/// chunks, so that they need not all be in memory at once. Loaders that
/// can (memory profiles in protobufs of [`pprof`]'s parallel size) call
/// [`Fold::samples`] for each chunk and give back the snapshot without
/// samples; the others keep them in the snapshot, and never call it.
pub trait Fold: Send {
    /// `snap` is complete but for its samples (it has none); `chunk` holds
    /// the samples `first..`, in order, in parts (one after the other).
    fn samples(&mut self, snap: &Snapshot, first: usize, chunk: &[FlatSamples]);
    /// Forget what was folded: the load is done again whole (after an
    /// error, to report it as the whole decode does).
    fn discard(&mut self);
}

/// Size of the read buffer; also how much is looked at to detect the format.
const BUF_SIZE: usize = 1 << 20;

/// Loads every snapshot in the file at `path` (`-` reads standard input).
pub fn load_path(path: &str, opts: &LoadOptions) -> Result<Vec<Snapshot>, Error> {
    load_path_with(path, opts, |f| Box::new(f))
}

/// Like [`load_path`], with the opened file wrapped by `wrap` (e.g. to report
/// progress). The file is opened read-only and never modified.
pub fn load_path_with<'a>(
    path: &str,
    opts: &LoadOptions,
    wrap: impl FnOnce(File) -> Box<dyn Read + 'a>,
) -> Result<Vec<Snapshot>, Error> {
    load_path_folded(path, opts, wrap, None)
}

/// [`load_path_with`], handing the samples of a snapshot that can be
/// loaded so to `fold` (see [`Fold`]).
pub fn load_path_folded<'a>(
    path: &str,
    opts: &LoadOptions,
    wrap: impl FnOnce(File) -> Box<dyn Read + 'a>,
    fold: Option<&mut dyn Fold>,
) -> Result<Vec<Snapshot>, Error> {
    if path == "-" {
        let stdin = io::stdin();
        let lock = stdin.lock();
        return load_reader_folded(path, lock, opts, fold);
    }
    let p = Path::new(path);
    let meta = std::fs::metadata(p).map_err(|e| {
        let url = ["http://", "https://"]
            .iter()
            .any(|s| path.get(..s.len()).is_some_and(|h| h.eq_ignore_ascii_case(s)));
        if url && e.kind() == io::ErrorKind::NotFound {
            // Profiles are read from files: a live service is captured first.
            Error::input(
                path,
                "a URL, not a file: `leakdiff capture URL -o DIR` saves snapshots of a live service, then give DIR",
            )
        } else {
            Error::input(path, io_message(&e))
        }
    })?;
    if meta.is_dir() {
        return Err(Error::input(path, "is a directory, not a profile"));
    }
    if !meta.is_file() {
        return Err(Error::input(
            path,
            "not a regular file (use - to read a pipe from standard input)",
        ));
    }
    if meta.len() == 0 {
        return Err(Error::input(path, "empty file"));
    }
    let f = File::open(p).map_err(|e| Error::input(path, io_message(&e)))?;
    if meta.len() >= mapped::MIN_MAPPED && mapped::enabled() && !must_decode(&f) {
        if let Some(m) = mapped::Mapped::new(&f, meta.len()) {
            // A parse reads the mapped bytes as they are at that moment: a
            // file truncated under it reads as zeros from the fault on
            // (see `mapped`), so a byte checked once may read otherwise the
            // next time, which the parsers do not expect of their input
            // (a debug build stopped on an overflow there). Whatever it did
            // then, the truncation is what to report.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                load_slice_folded(path, m.bytes(), opts, fold)
            }));
            // A file truncated while it was read: a fault beyond its end
            // (see `mapped`), or a size now smaller than what was mapped.
            let now = f.metadata().map(|m| m.len()).unwrap_or(0);
            if m.faulted() || now < meta.len() {
                return Err(Error::input(
                    path,
                    format!(
                        "file was truncated while it was read (from {} to {now} bytes)",
                        meta.len()
                    ),
                ));
            }
            return result.unwrap_or_else(|payload| std::panic::resume_unwind(payload));
        }
    }
    load_reader_folded(path, wrap(f), opts, fold)
}

/// Whether a file starts like an input that is decoded (gzip, UTF-16)
/// rather than parsed in place: such a file is read, not mapped (mapping
/// would only add its pages to the resident size).
fn must_decode(f: &File) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        let mut head = [0u8; 4096];
        let n = f.read_at(&mut head, 0).unwrap_or(0);
        detect::is_gzip(&head[..n]) || utf16::detect(&head[..n]).is_some()
    }
    #[cfg(not(unix))]
    {
        let _ = f;
        true
    }
}

/// Loads every snapshot from an input held in memory (a mapped file):
/// debug=2 blocks and protobufs are parsed in place; gzip and UTF-16 go
/// through [`load_reader`].
pub fn load_slice(source: &str, data: &[u8], opts: &LoadOptions) -> Result<Vec<Snapshot>, Error> {
    load_slice_folded(source, data, opts, None)
}

fn load_slice_folded(
    source: &str,
    data: &[u8],
    opts: &LoadOptions,
    fold: Option<&mut dyn Fold>,
) -> Result<Vec<Snapshot>, Error> {
    if data.is_empty() {
        return Err(Error::input(source, "empty input"));
    }
    let head = &data[..data.len().min(BUF_SIZE)];
    if detect::is_gzip(head) || utf16::detect(head).is_some() {
        return load_reader_folded(source, data, opts, fold);
    }
    let result = match detect::detect(head) {
        Detected::Debug2 => debug2::load_slice(data, source, opts),
        Detected::Pprof if data.len() as u64 > opts.max_decompressed => {
            Err(InputError::new(format!(
                "protobuf larger than the limit of {} bytes (raise it with --max-decompressed)",
                opts.max_decompressed
            )))
        }
        Detected::Pprof => pprof::load_folded(data, source, opts, fold).map(|s| vec![s]),
        _ => return load_format(source, &mut &data[..], opts, false, fold),
    };
    result.map_err(|e| e.in_file(source))
}

/// Loads every snapshot from a reader, detecting gzip and the format.
pub fn load_reader<R: Read>(
    source: &str,
    reader: R,
    opts: &LoadOptions,
) -> Result<Vec<Snapshot>, Error> {
    load_reader_folded(source, reader, opts, None)
}

fn load_reader_folded<R: Read>(
    source: &str,
    reader: R,
    opts: &LoadOptions,
    fold: Option<&mut dyn Fold>,
) -> Result<Vec<Snapshot>, Error> {
    let mut r = BufReader::with_capacity(BUF_SIZE, reader);
    let head = fill_head(&mut r).map_err(|e| Error::input(source, io_message(&e)))?;
    if head.is_empty() {
        return Err(Error::input(source, "empty input"));
    }
    if detect::is_gzip(head) {
        let consumed = std::rc::Rc::new(std::cell::Cell::new(0u64));
        let counted = Counted {
            inner: r,
            consumed: consumed.clone(),
        };
        let gz = flate2::bufread::MultiGzDecoder::new(counted);
        let limited = LimitReader::new(gz, opts.max_decompressed);
        let mut inner = BufReader::with_capacity(BUF_SIZE, limited);
        // Offsets in what was decompressed are told apart from offsets in
        // the file; a broken gzip stream gets the file offset the decoder
        // had read up to.
        let locate = |mut e: Error| {
            if let Error::Input {
                position, message, ..
            } = &mut e
            {
                match *position {
                    Some(Position::Offset(n)) => *position = Some(Position::DecompressedOffset(n)),
                    None if is_gzip_error(message) => {
                        *position = Some(Position::Offset(consumed.get()))
                    }
                    _ => {}
                }
            }
            e
        };
        let head =
            fill_head(&mut inner).map_err(|e| locate(Error::input(source, gzip_message(&e))))?;
        if head.is_empty() {
            return Err(Error::input(source, "gzip stream holds no data"));
        }
        let mut snaps = load_detected(source, &mut inner, opts, true, fold).map_err(locate)?;
        for s in &mut snaps {
            s.gzipped = true;
        }
        return Ok(snaps);
    }
    load_detected(source, &mut r, opts, false, fold)
}

/// `decoding`: reading `r` costs CPU time (it inflates gzip), so the
/// reading thread should keep a core to itself.
fn load_detected(
    source: &str,
    r: &mut dyn BufRead,
    opts: &LoadOptions,
    decoding: bool,
    fold: Option<&mut dyn Fold>,
) -> Result<Vec<Snapshot>, Error> {
    let head = r
        .fill_buf()
        .map_err(|e| Error::input(source, io_message(&e)))?;
    if let Some(order) = utf16::detect(head) {
        let dec = utf16::Decoder::new(r, order);
        let mut inner = BufReader::with_capacity(BUF_SIZE, dec);
        let mut snaps = load_format(source, &mut inner, opts, true, fold)?;
        for s in &mut snaps {
            s.warnings.insert(
                0,
                format!("read as {} text (converted to UTF-8)", order.name()),
            );
        }
        return Ok(snaps);
    }
    load_format(source, r, opts, decoding, fold)
}

fn load_format(
    source: &str,
    r: &mut dyn BufRead,
    opts: &LoadOptions,
    decoding: bool,
    fold: Option<&mut dyn Fold>,
) -> Result<Vec<Snapshot>, Error> {
    let head = r
        .fill_buf()
        .map_err(|e| Error::input(source, io_message(&e)))?;
    let detected = detect::detect(head);
    let result = match detected {
        Detected::Pprof => {
            // A protobuf is decoded in memory: the same bound as for
            // decompression applies to a plain one.
            let mut data = Vec::new();
            Read::take(&mut *r, opts.max_decompressed.saturating_add(1))
                .read_to_end(&mut data)
                .map_err(|e| Error::input(source, gzip_message(&e)))?;
            // Reading doubled the buffer as it went: up to twice the size.
            data.shrink_to_fit();
            if data.len() as u64 > opts.max_decompressed {
                Err(InputError::new(format!(
                    "protobuf larger than the limit of {} bytes (raise it with --max-decompressed)",
                    opts.max_decompressed
                )))
            } else {
                pprof::load_folded(&data, source, opts, fold).map(|s| vec![s])
            }
        }
        Detected::Debug1 | Detected::HeapText => debug1::load(r, source, opts).map(|s| vec![s]),
        Detected::Debug2 => debug2::load_decoding(r, source, opts, decoding),
        Detected::Binary(what) => Err(InputError::at_offset(
            0,
            format!("not a Go profile ({what})"),
        )),
    };
    result.map_err(|e| e.in_file(source))
}

/// Fills the reader's buffer with up to [`BUF_SIZE`] bytes (or to EOF) so
/// detection sees enough of the content.
fn fill_head<R: BufRead>(r: &mut R) -> io::Result<&[u8]> {
    // BufReader::fill_buf returns whatever one read() gave; that is enough for
    // files, and for pipes the first chunk always holds the format's header.
    r.fill_buf()
}

/// An untrusted string quoted for a message: escaped (one line, no terminal
/// control) and cut to 60 characters.
pub fn quoted(s: &str) -> String {
    let mut it = s.chars();
    let head: String = it.by_ref().take(60).collect();
    let more = if it.next().is_some() { "…" } else { "" };
    format!(
        "{}{more}",
        crate::text::sanitize_terminal(&format!("{head:?}"))
    )
}

/// Message for errors read through a gzip decoder.
pub fn gzip_message(e: &io::Error) -> String {
    if let Some(limit) = e.get_ref().and_then(|i| i.downcast_ref::<LimitExceeded>()) {
        return limit.to_string();
    }
    match e.kind() {
        io::ErrorKind::UnexpectedEof => {
            "truncated gzip stream (unexpected end of file)".to_string()
        }
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
            format!("corrupt gzip stream: {e}")
        }
        _ => io_message(e),
    }
}

/// Whether a snapshot's warning says its input ended before the dump did:
/// cut short (`truncated at line …`, debug=1 and debug=2) or no longer
/// readable (`line N: read error: …`, from [`debug2`]'s reader), so
/// goroutines alive when it was taken may be missing from it.
pub fn cut_short(warning: &str) -> bool {
    warning.starts_with("truncated at line ")
        || warning
            .split_once(": ")
            .is_some_and(|(at, rest)| at.starts_with("line ") && rest.starts_with("read error: "))
}

/// Whether a message is one [`gzip_message`] gives for a broken stream.
fn is_gzip_error(message: &str) -> bool {
    message.starts_with("truncated gzip stream") || message.starts_with("corrupt gzip stream")
}

/// A `BufRead` that counts the bytes its user consumed.
struct Counted<R> {
    inner: R,
    consumed: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.set(self.consumed.get() + n as u64);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        self.consumed.set(self.consumed.get() + n as u64);
        self.inner.consume(n);
    }
}

/// The decompressed-size bound was hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitExceeded(pub u64);

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "decompressed size exceeds the limit of {} bytes (raise it with --max-decompressed)",
            self.0
        )
    }
}

impl std::error::Error for LimitExceeded {}

/// A reader that fails once more than `limit` bytes have been read.
pub struct LimitReader<R> {
    inner: R,
    read: u64,
    limit: u64,
}

impl<R> LimitReader<R> {
    pub fn new(inner: R, limit: u64) -> Self {
        LimitReader {
            inner,
            read: 0,
            limit,
        }
    }
}

impl<R: Read> Read for LimitReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(io::Error::other(LimitExceeded(self.limit)));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn warnings_of_inputs_that_end_early_are_told() {
        // Through the loaders, so a change of their wording fails here
        // (a read error: debug2's `read_errors`).
        let cut = load_slice(
            "x",
            b"goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n\ngoroutine 2 [select]:\n",
            &LoadOptions::default(),
        )
        .unwrap();
        assert!(
            cut[0].warnings.iter().any(|w| cut_short(w)),
            "{:?}",
            cut[0].warnings
        );
        let whole = load_slice(
            "x",
            b"goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n",
            &LoadOptions::default(),
        )
        .unwrap();
        assert!(
            !whole[0].warnings.iter().any(|w| cut_short(w)),
            "{:?}",
            whole[0].warnings
        );
        assert!(!cut_short(
            "line 3: goroutine 5 has no stack (kept with an empty stack)"
        ));
        assert!(!cut_short(
            "line 4: not valid UTF-8; the invalid bytes are shown as U+FFFD"
        ));
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_bomb_is_an_error() {
        let data = gzip(&vec![b'a'; 10 << 20]);
        let opts = LoadOptions {
            max_decompressed: 1 << 20,
            ..Default::default()
        };
        let err = load_reader("bomb.gz", &data[..], &opts)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("bomb.gz: "), "{err}");
        assert!(err.contains("exceeds the limit"), "{err}");
    }

    #[test]
    fn a_plain_protobuf_is_bounded_too() {
        // sample_type {type: 1 unit: 2}, a string table, then padding in an
        // unknown field.
        let mut d = vec![0x0a, 0x04, 0x08, 0x00, 0x10, 0x00, 0x32, 0x00];
        d.extend_from_slice(&[0x82, 0x01, 0x80, 0x08]);
        d.extend_from_slice(&[b'x'; 1024]);
        let opts = LoadOptions {
            max_decompressed: 1000,
            ..Default::default()
        };
        let err = load_reader("p.pb", &d[..], &opts).unwrap_err().to_string();
        assert_eq!(
            err,
            "p.pb: protobuf larger than the limit of 1000 bytes (raise it with --max-decompressed)"
        );
        let opts = LoadOptions {
            max_decompressed: d.len() as u64,
            ..Default::default()
        };
        assert!(load_reader("p.pb", &d[..], &opts).is_ok());
    }

    #[test]
    fn gzip_of_garbage_is_not_a_profile() {
        let data = gzip(&[0xff, 0xfe, 0x00, 0x01, 0x02, 0x80, 0x80]);
        let err = load_reader("g.gz", &data[..], &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("g.gz: "), "{err}");
    }

    #[test]
    fn debug2_with_nul_bytes_is_read() {
        let mut d = b"goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n\n".to_vec();
        d.extend_from_slice(&[0; 2000]);
        d.extend_from_slice(b"\ngoroutine 2 [select]:\nmain.\x00f()\n\t/a.go:2 +0x1\n");
        let snaps = load_reader("n.txt", &d[..], &LoadOptions::default()).unwrap();
        assert_eq!(snaps.len(), 1);
        assert_eq!(snaps[0].samples.len(), 2);
        assert_eq!(
            snaps[0].table.function(snaps[0].samples[1].stack[0]),
            "main.\0f"
        );
        let snaps = load_reader("n.txt.gz", &gzip(&d)[..], &LoadOptions::default()).unwrap();
        assert_eq!(snaps[0].samples.len(), 2);
    }

    #[test]
    fn utf16_dumps_are_converted() {
        let text = "goroutine 1 [running]:\r\nmain.main()\r\n\t/a.go:1 +0x1\r\n";
        let mut d = vec![0xff, 0xfe];
        for u in text.encode_utf16() {
            d.extend_from_slice(&u.to_le_bytes());
        }
        let snaps = load_reader("w.txt", &d[..], &LoadOptions::default()).unwrap();
        assert_eq!(snaps[0].samples.len(), 1);
        assert_eq!(
            snaps[0].warnings,
            ["read as UTF-16LE text (converted to UTF-8)"]
        );
    }

    #[test]
    fn empty_input() {
        let err = load_reader("e", &b""[..], &LoadOptions::default()).unwrap_err();
        assert_eq!(err.to_string(), "e: empty input");
    }
}
