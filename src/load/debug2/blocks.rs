//! The block-parallel path of the debug=2 loader.
//!
//! The input is read in blocks of about [`BLOCK_SIZE`] bytes (a mapped
//! file: slices of [`mapped_block_size`]), each cut
//! after the last `\n\ngoroutine ` (else after its last line), so that
//! blocks hold whole lines and usually whole goroutines. This thread reads
//! the blocks and hands each to a thread of the load's own, which spawns
//! its parse on a pool of parsers (see [`ALL_PARSERS`]) and waits for the
//! parses at the end; another thread of the load's own applies them to
//! the [`Parser`] in input order as each one's turn comes
//! (parsed blocks arrive in any order), and gives the block back for its
//! buffer to be reused (a mapped block's pages are released once it is
//! parsed). At most a few blocks per core are read and not
//! yet applied, whatever the input's size; no block waits for a slower one
//! beside it, as a wave of blocks parsed together would.
//!
//! Parsing a block ([`parse_block`]) depends on the block alone: it finds
//! the goroutines written in the canonical shape (a header at the start of
//! a line, function and tab-indented file lines, `...N frames elided...`,
//! `created by`, blank lines) and records them compactly: their frames as
//! ids into a per-block table of distinct (function, file, line) texts. A
//! frame whose two lines repeat the texts of the previous goroutine's frame
//! at the same depth (only the arguments and the `+0x` offset differ) is
//! taken by comparing bytes, without classifying or hashing its lines.
//! Everything else (prefixed or quoted lines, ancestors, notes, truncated
//! or mangled goroutines, lines longer than `max_line`, invalid UTF-8) is
//! kept as a raw range of lines.
//!
//! Applying a block ([`apply_block`]) runs in input order: raw lines go
//! through [`Parser::line`] like in the sequential path, and each parsed
//! goroutine changes the parser's state exactly as its lines would have
//! (the same header handling, snapshot splits, frame limits, `goexit`
//! rule, interning order and warnings with the same line numbers). A
//! parsed goroutine is replayed line by line instead when the parser's
//! state calls for it (a line prefix is in force). So both paths give
//! identical snapshots; `tests/parallel_equivalence.rs` checks it.
//!
//! A line longer than a whole block hands the rest of the input over to
//! the sequential line reader.

use super::grammar::{
    frame_args, hex_prefix, is_elided, parse_file_line, parse_func_line, parse_header,
    parse_status, push_frame_words, split_created_by, Header, ObjectsSeen, Status, IN_GOROUTINE,
};
use super::parser::{read_lines, LineReader, Parser, GOEXIT, WRITER};
use crate::error::InputError;
use crate::load::{gzip_message, LimitExceeded, LoadOptions};
use crate::model::{CallWords, FrameId, Snapshot};
use memchr::{memchr2, memmem, memrchr};
use rustc_hash::FxHashMap;
use std::any::Any;
use std::collections::BTreeMap;
use std::io::{self, BufRead, Cursor, Read};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::sync::LazyLock;
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

/// Bytes read per block: more than the 1 MiB buffer of the reader the
/// loader hands over, so reads bypass it.
pub(super) const BLOCK_SIZE: usize = 2 << 20;

/// Bytes of blocks read and not yet applied, at most, when blocks are
/// large: a block whose lines are replayed (a log prefix on every line)
/// keeps its pages until it is applied.
const IN_FLIGHT_BYTES: usize = 64 << 20;

/// The same for a mapped input, whose blocks give their pages back as soon
/// as they are parsed unless they hold such lines: there, blocks parsed
/// and waiting for the applier cost only their parse, and a bound of 4
/// blocks (on 2 cores) made the parsers wait whenever the applier, which
/// shares their cores, fell behind by a block or two (the 404 MB dump:
/// 6 ms of a parser idle at a time, wall time about 4% longer).
const MAPPED_IN_FLIGHT_BYTES: usize = 128 << 20;

/// The block size for a mapped input of `len` bytes parsed on `threads`
/// cores: eight blocks per core, from [`BLOCK_SIZE`] to 16 MiB. Each block
/// learns its frames' texts anew (the first goroutine of a block to show a
/// frame takes the slow path) and costs a hand-over between threads and a
/// `madvise` call, so fewer, larger blocks cost less; a mapped block needs
/// no buffer, and its pages are released as soon as it is parsed. On 2
/// cores the 404 MB dump takes about a tenth less CPU time in 16 MiB
/// blocks than in 2 MiB ones.
pub(super) fn mapped_block_size(len: usize, threads: usize) -> usize {
    (len / (8 * threads.max(1))).clamp(BLOCK_SIZE, 16 << 20)
}

/// The first `\n` in `hay`. Lines are short (tens of bytes), and the
/// newline is mostly in the first vector or two, so on x86-64 this calls
/// SSE2 code (part of x86-64, so it needs no check of the CPU), which
/// memchr's `memchr` reaches only through a pointer chosen at run time,
/// then an AVX2 entry that hands short lines back to SSE2 anyway.
#[inline(always)]
fn find_newline(hay: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        // SAFETY: SSE2 is enabled at compile time (the cfg above).
        let one = unsafe { memchr::arch::x86_64::sse2::memchr::One::new_unchecked(b'\n') };
        one.find(hay)
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        memchr::memchr(b'\n', hay)
    }
}

/// The first `\n` in `hay` when every byte before it is ASCII (`None`
/// when a byte before it is not, or there is none): the end of a line
/// the fast path skips (a function line's arguments) and that must read
/// as text. One pass finds the newline and checks the bytes before it,
/// so no block is validated as UTF-8 beforehand; a line that is not ASCII
/// goes the slow way, which validates it.
#[inline(always)]
fn find_ascii_newline(hay: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
        };
        let mut i = 0;
        while i + 16 <= hay.len() {
            // SAFETY: SSE2 is enabled at compile time (the cfg above), and
            // the 16 bytes at `i` are in `hay` (the loop's condition).
            let (nl, high) = unsafe {
                let v = _mm_loadu_si128(hay.as_ptr().add(i).cast::<__m128i>());
                let nl = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\n' as i8)));
                (nl as u32, _mm_movemask_epi8(v) as u32)
            };
            if nl != 0 {
                let at = nl.trailing_zeros();
                return (high & ((1 << at) - 1) == 0).then_some(i + at as usize);
            }
            if high != 0 {
                return None;
            }
            i += 16;
        }
        for (k, &c) in hay[i..].iter().enumerate() {
            if c == b'\n' {
                return Some(i + k);
            }
            if !c.is_ascii() {
                return None;
            }
        }
        None
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        let at = memchr::memchr(b'\n', hay)?;
        hay[..at].is_ascii().then_some(at)
    }
}

/// Searchers built once.
static BOUNDARY: LazyLock<memmem::FinderRev<'static>> =
    LazyLock::new(|| memmem::FinderRev::new(b"\n\ngoroutine "));

/// Marks an `...N frames elided...` line among a goroutine's items.
const ELIDED: u32 = u32::MAX;

/// A frame text as a block holds it: byte ranges of the function name and
/// of the `path:line` text (compared with the next goroutines' lines), the
/// name and the path as text, and the line number.
struct LocalFrame {
    name: (u32, u32),
    key: (u32, u32),
    /// The function name and the path as text, in [`Parsed::strings`].
    name_text: (u32, u32),
    path_text: (u32, u32),
    line: u32,
    special: Special,
    /// A whole file line of this frame (tab to newline) that
    /// [`same_file_line`] took, and where its offset's digits start in it
    /// (0: none); `(0, 0)` until one is seen. A call site's file line
    /// shows the same `+0x` offset (its return address) on every stack,
    /// so the next ones are mostly the same bytes.
    file_line: (u32, u32),
    digits: u32,
}

/// Functions the parser treats specially.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Special {
    None,
    /// `runtime/pprof.writeGoroutineStacks`: starts a new profile.
    Writer,
    /// `runtime.goexit`: kept only as a stack's only frame.
    Goexit,
}

/// A goroutine in the canonical shape.
struct Fast {
    /// Byte range of its lines (header to the last line taken).
    start: u32,
    end: u32,
    /// Index of the header line in the block, and lines taken.
    line: u32,
    n_lines: u32,
    id: u64,
    /// The state (the status without its flags) and the labels as text,
    /// in [`Parsed::strings`], and the status's flags.
    state: (u32, u32),
    minutes: Option<u32>,
    locked: bool,
    leaked: bool,
    labels: Option<(u32, u32)>,
    /// Range in `Parsed::items`: local frame ids or [`ELIDED`].
    items: (u32, u32),
    /// `created by` frame and the parent goroutine it names.
    created: Option<(u32, Option<u64>)>,
    /// The last line taken was blank.
    trailing_blank: bool,
    /// The words of its top frames.
    call: CallWords,
    /// The objects its frames showed.
    objects: ObjectsSeen,
}

enum Unit {
    /// Lines for [`Parser::line`]: byte range and index of the first line.
    Raw {
        start: u32,
        end: u32,
        line: u32,
    },
    Fast(Fast),
}

/// What parsing one block found.
#[derive(Default)]
struct Parsed {
    units: Vec<Unit>,
    items: Vec<u32>,
    frames: Vec<LocalFrame>,
    /// The texts applying needs (frame names and paths, statuses, labels),
    /// copied here as text while the block is parsed on all cores, so that
    /// applying, which runs on one, neither validates nor copies bytes.
    strings: String,
    /// Lines in the block (the last one may lack its newline at the end of
    /// the input).
    lines: u64,
    /// Bytes of the block in [`Unit::Raw`] units, which applying reads
    /// again (the rest is in parsed goroutines).
    raw_bytes: u64,
}

fn range(data: &[u8], part: &[u8]) -> (u32, u32) {
    let start = part.as_ptr() as usize - data.as_ptr() as usize;
    (start as u32, (start + part.len()) as u32)
}

/// Appends `s` to a block's strings; its range there.
fn keep(strings: &mut String, s: &str) -> (u32, u32) {
    let start = strings.len();
    strings.push_str(s);
    (start as u32, strings.len() as u32)
}

fn text(strings: &str, r: (u32, u32)) -> &str {
    &strings[r.0 as usize..r.1 as usize]
}

/// One line as the fast parser sees it.
enum Line<'b> {
    Blank,
    Header(Header<'b>),
    Func(&'b str),
    /// `created by NAME [in goroutine N]`: the trimmed name and the parent.
    Created(&'b str, Option<u64>),
    Elided,
    /// A file line: `path:line` text (the frame's key), path, line and
    /// `+0x` offset.
    File(&'b str, &'b str, u32, u64),
    /// Anything else: handled by the sequential parser.
    Other,
}

struct Classifier {
    max_line: usize,
    /// See `LoadOptions::call_words`.
    call_words: bool,
}

impl Classifier {
    /// Classifies a line (without its newline) exactly as
    /// [`Parser::dump_line`] would read it with no prefix in force, or
    /// [`Line::Other`] when that takes more than the canonical shape.
    fn classify<'b>(&self, l: &'b [u8]) -> Line<'b> {
        if l.is_empty() {
            return Line::Blank;
        }
        if l.len() > self.max_line {
            return Line::Other;
        }
        // No trailing whitespace, `\r`, NUL or non-ASCII character at the
        // end, nor a control character at the start: the sequential parser
        // may trim those.
        if !l[l.len() - 1].is_ascii_graphic() || (l[0] < b' ' && l[0] != b'\t') {
            return Line::Other;
        }
        let Ok(t) = simdutf8::basic::from_utf8(l) else {
            return Line::Other;
        };
        let b = t.as_bytes();
        if b[0] == b'\t' || b[0] == b' ' {
            let mut n = 1;
            while matches!(b[n], b'\t'..=b'\r' | b' ') {
                n += 1;
            }
            let body = &t[n..];
            if body.as_bytes()[0] >= 0x80 || body.starts_with("goroutine ") {
                return Line::Other;
            }
            return match parse_file_line(body) {
                Some(fl) => Line::File(&body[..fl.key_len], fl.path, fl.line, fl.offset),
                None => Line::Other,
            };
        }
        if t.starts_with("goroutine ") {
            return match parse_header(t) {
                Some(h) => Line::Header(h),
                None => Line::Other,
            };
        }
        if let Some(rest) = t.strip_prefix("created by ") {
            let (name, parent) = split_created_by(rest);
            return Line::Created(name.trim(), parent);
        }
        if is_elided(t) {
            return Line::Elided;
        }
        if t.starts_with("[originating from goroutine ") {
            return Line::Other;
        }
        match parse_func_line(t, false) {
            Some(name) => Line::Func(name),
            None => Line::Other,
        }
    }
}

/// How many frames that followed a frame are tried, most recent first,
/// before a frame's lines are read the slow way: goroutines of several
/// kinds interleave (a dump lists them in the order they were started), and
/// their stacks part at frames such as `runtime.selectgo` or a shared
/// helper. A guess that is not the frame costs a byte comparison or two;
/// a frame read the slow way costs classifying and hashing both lines.
const GUESSES: usize = 4;

type Guesses = [u32; GUESSES];

/// Interns frame texts within one block.
struct LocalTable<'b> {
    data: &'b [u8],
    map: FxHashMap<(&'b str, &'b str), u32>,
    /// For each frame, the last [`GUESSES`] distinct frames that followed
    /// it on a stack, the latest first ([`ELIDED`] for none): the guesses
    /// for the next frame.
    succ: Vec<Guesses>,
    /// The same for the first frame of a goroutine: the last first frames.
    first: Guesses,
    /// For each frame, the `created by` frame of the last goroutine whose
    /// last frame it was ([`ELIDED`] for none).
    creator: Vec<u32>,
    /// The last `created by` frame.
    last_creator: u32,
    /// Statuses read in the block (`chan receive, 5 minutes`): the state's
    /// text in [`Parsed::strings`] and the flags. A block's goroutines
    /// show a few dozen.
    statuses: FxHashMap<&'b str, KnownStatus>,
}

/// A status as [`LocalTable::statuses`] keeps it.
#[derive(Clone, Copy)]
struct KnownStatus {
    state: (u32, u32),
    minutes: Option<u32>,
    locked: bool,
    leaked: bool,
}

impl<'b> LocalTable<'b> {
    /// The local id of a frame text. `guess` (the frames that followed the
    /// previous frame last: goroutines of a kind share their stacks) is
    /// checked first, which spares hashing the texts.
    fn intern(
        &mut self,
        out: &mut Parsed,
        guess: &[u32],
        name: &'b str,
        key: &'b str,
        path: &'b str,
        line: u32,
    ) -> u32 {
        let data = self.data;
        for &g in guess.iter().filter(|&&g| g != ELIDED) {
            let f = &out.frames[g as usize];
            if bytes(data, f.key) == key.as_bytes() && bytes(data, f.name) == name.as_bytes() {
                return g;
            }
        }
        *self.map.entry((name, key)).or_insert_with(|| {
            out.frames.push(LocalFrame {
                name: range(data, name.as_bytes()),
                key: range(data, key.as_bytes()),
                name_text: keep(&mut out.strings, name),
                path_text: keep(&mut out.strings, path),
                line,
                special: match name {
                    WRITER => Special::Writer,
                    GOEXIT => Special::Goexit,
                    _ => Special::None,
                },
                file_line: (0, 0),
                digits: 0,
            });
            (out.frames.len() - 1) as u32
        })
    }
}

fn bytes(data: &[u8], r: (u32, u32)) -> &[u8] {
    &data[r.0 as usize..r.1 as usize]
}

/// The end of the line starting at `pos`: (end without the newline, start
/// of the next line, whether a newline ended it).
#[inline]
fn line_end(data: &[u8], pos: usize) -> (usize, usize, bool) {
    match find_newline(&data[pos..]) {
        Some(i) => (pos + i, pos + i + 1, true),
        None => (data.len(), data.len(), false),
    }
}

impl Parsed {
    /// Adds the raw lines `start..end` of the block, the first being its
    /// line `line`.
    fn push_raw(&mut self, start: usize, end: usize, line: u32) {
        self.units.push(Unit::Raw {
            start: start as u32,
            end: end as u32,
            line,
        });
        self.raw_bytes += (end - start) as u64;
    }

    /// Empties it, keeping its allocations for the next block.
    fn clear(&mut self) {
        self.units.clear();
        self.items.clear();
        self.frames.clear();
        self.strings.clear();
        self.lines = 0;
        self.raw_bytes = 0;
    }
}

/// Parses one block (see the module docs) into `out`, a [`Parsed`] of an
/// applied block whose allocations are reused (cleared here).
fn parse_block(data: &[u8], max_line: usize, call_words: bool, out: &mut Parsed) {
    let cls = Classifier {
        max_line,
        call_words,
    };
    out.clear();
    let mut table = LocalTable {
        data,
        map: FxHashMap::default(),
        succ: Vec::new(),
        first: [ELIDED; GUESSES],
        creator: Vec::new(),
        last_creator: ELIDED,
        statuses: FxHashMap::default(),
    };
    // About 150 bytes per frame and 4 KB per goroutine in large dumps.
    out.items.reserve(data.len() / 128);
    out.units.reserve(data.len() / 2048);
    let mut pos = 0usize;
    let mut line = 0u32;
    let mut raw: Option<(usize, u32)> = None;
    while pos < data.len() {
        let (end, next, nl) = line_end(data, pos);
        if nl && data[pos..end].starts_with(b"goroutine ") {
            if let Line::Header(h) = cls.classify(&data[pos..end]) {
                if let Some((start, l)) = raw.take() {
                    out.push_raw(start, pos, l);
                }
                let (unit, upos, uline) =
                    parse_goroutine(data, &cls, &mut table, out, (pos, next, line), h);
                out.units.push(Unit::Fast(unit));
                pos = upos;
                line = uline;
                continue;
            }
        }
        if raw.is_none() {
            raw = Some((pos, line));
        }
        pos = next;
        line += 1;
    }
    if let Some((start, l)) = raw.take() {
        out.push_raw(start, data.len(), l);
    }
    out.lines = u64::from(line);
}

/// Where a canonical goroutine is in its grammar.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Frames,
    /// After a function line: its file line must follow.
    FuncFile,
    /// After `created by`: its file line must follow.
    CreatedFile,
    /// After the created-by file line: only blank lines may follow.
    Done,
}

/// Parses the goroutine whose header line is at `start`, as far as it
/// keeps the canonical shape and ends at a point where no line is pending.
/// Returns it with the position and index of the line after it.
fn parse_goroutine<'b>(
    data: &'b [u8],
    cls: &Classifier,
    table: &mut LocalTable<'b>,
    out: &mut Parsed,
    (start, after_header, line): (usize, usize, u32),
    h: Header<'b>,
) -> (Fast, usize, u32) {
    let items_start = out.items.len() as u32;
    // The last frame taken; the first frame is guessed from the first
    // frames of the goroutines before, the others from the frame before
    // them, the `created by` frame from the last frame.
    let mut last: Option<u32> = None;
    let guess = |table: &LocalTable<'_>, last: Option<u32>| match last {
        Some(l) => table
            .succ
            .get(l as usize)
            .copied()
            .unwrap_or([ELIDED; GUESSES]),
        None => table.first,
    };
    let follow = |table: &mut LocalTable<'_>, last: &mut Option<u32>, id: u32| {
        let slot = match *last {
            Some(l) => per_frame(&mut table.succ, l, [ELIDED; GUESSES]),
            None => &mut table.first,
        };
        if slot[0] != id {
            // Most recent first: `id` moves to the front, the others after
            // it keep their order (the oldest drops out).
            let at = slot.iter().position(|&g| g == id).unwrap_or(GUESSES - 1);
            slot.copy_within(0..at, 1);
            slot[0] = id;
        }
        *last = Some(id);
    };
    let creator_guess = |table: &LocalTable<'_>, last: Option<u32>| {
        let after = last.and_then(|l| table.creator.get(l as usize).copied());
        [after.unwrap_or(ELIDED), table.last_creator]
    };
    let created_by = |table: &mut LocalTable<'_>, last: Option<u32>, id: u32| {
        if let Some(l) = last {
            *per_frame(&mut table.creator, l, ELIDED) = id;
        }
        table.last_creator = id;
    };
    let mut created = None;
    let mut trailing_blank = false;
    let mut state = State::Frames;
    let mut pending: (&str, Option<u64>) = ("", None);
    // The argument list of the pending function line.
    let mut pending_args: &[u8] = b"";
    let mut call = CallWords::default();
    let mut objects = ObjectsSeen::default();
    // The last frame's function name and argument list, as ranges of
    // `data`: its entry frame once the stack is read.
    let mut entry: Option<EntryFrame> = None;
    // The last point where no line is pending.
    let mut clean = (after_header, line + 1);
    let mut pos = after_header;
    let mut ln = line + 1;
    'lines: while pos < data.len() {
        if state == State::Frames {
            // Most goroutines repeat the stack of one before: when this
            // frame's two lines are a guessed frame's texts with other
            // arguments and offset, they read the same.
            for g in guess(table, last).into_iter().filter(|&g| g != ELIDED) {
                let f = &out.frames[g as usize];
                if let Some(m) = same_frame(data, cls.max_line, f, pos) {
                    let name = bytes(data, f.name);
                    add_frame(
                        &mut call,
                        (&mut objects, &mut entry),
                        data,
                        cls.call_words,
                        name,
                        &data[pos + name.len()..m.func_end],
                        || m.offset.map_or(0, |o| hex_prefix(&data[o..])),
                    );
                    learn_file_line(out, g, m.func_end + 1, m.after, m.offset);
                    follow(table, &mut last, g);
                    out.items.push(g);
                    trailing_blank = false;
                    pos = m.after;
                    ln += 2;
                    clean = (pos, ln);
                    continue 'lines;
                }
            }
            if data[pos..].starts_with(CREATED_BY) {
                let found = creator_guess(table, last)
                    .into_iter()
                    .filter(|&g| g != ELIDED)
                    .find_map(|g| {
                        Some((
                            g,
                            same_creator(data, cls.max_line, &out.frames[g as usize], pos)?,
                        ))
                    });
                if let Some((g, m)) = found {
                    created_by(table, last, g);
                    created = Some((g, m.parent));
                    trailing_blank = false;
                    state = State::Done;
                    pos = m.after;
                    ln += 2;
                    clean = (pos, ln);
                    continue;
                }
            }
        }
        let (end, next, nl) = line_end(data, pos);
        if !nl || data[pos..end].starts_with(b"goroutine ") {
            // (A line starting so reads as a header or as nothing the
            // grammar has: either ends the goroutine, and the block's loop
            // classifies it.)
            break;
        }
        let l = &data[pos..end];
        match (state, cls.classify(l)) {
            (State::Frames, Line::Func(name)) => {
                pending = (name, None);
                pending_args = &l[name.len()..];
                state = State::FuncFile;
            }
            (State::Frames, Line::Created(name, parent)) => {
                pending = (name, parent);
                state = State::CreatedFile;
            }
            (State::Frames, Line::Elided) => {
                out.items.push(ELIDED);
                trailing_blank = false;
            }
            (State::Frames | State::Done, Line::Blank) => trailing_blank = true,
            (State::FuncFile, Line::File(key, path, n, offset)) => {
                add_frame(
                    &mut call,
                    (&mut objects, &mut entry),
                    data,
                    cls.call_words,
                    pending.0.as_bytes(),
                    pending_args,
                    || offset,
                );
                let g = guess(table, last);
                let id = table.intern(out, &g, pending.0, key, path, n);
                learn_read_file_line(data, out, cls.max_line, id, pos, next);
                follow(table, &mut last, id);
                out.items.push(id);
                trailing_blank = false;
                state = State::Frames;
            }
            (State::CreatedFile, Line::File(key, path, n, _)) => {
                let g = creator_guess(table, last);
                let id = table.intern(out, &g, pending.0, key, path, n);
                learn_read_file_line(data, out, cls.max_line, id, pos, next);
                created_by(table, last, id);
                created = Some((id, pending.1));
                trailing_blank = false;
                state = State::Done;
            }
            _ => break,
        }
        pos = next;
        ln += 1;
        if matches!(state, State::Frames | State::Done) {
            clean = (pos, ln);
        }
    }
    let KnownStatus {
        state,
        minutes,
        locked,
        leaked,
    } = *table.statuses.entry(h.status).or_insert_with(|| {
        let st = parse_status(h.status);
        KnownStatus {
            state: keep(&mut out.strings, st.state),
            minutes: st.minutes,
            locked: st.locked,
            leaked: st.leaked,
        }
    });
    let labels = h.labels.map(|l| keep(&mut out.strings, l));
    let g = Fast {
        start: start as u32,
        end: clean.0 as u32,
        line,
        n_lines: clean.1 - line,
        id: h.id,
        state,
        minutes,
        locked,
        leaked,
        labels,
        items: (items_start, out.items.len() as u32),
        created,
        trailing_blank,
        call,
        objects: {
            if let Some(((from, to), args)) = entry {
                objects.entry_frame(&data[from..to], &data[args..]);
            }
            objects
        },
    };
    (g, clean.0, clean.1)
}

/// Frame `id`'s entry in a table indexed by local frame id, grown with
/// `fill` to hold it.
fn per_frame<T: Copy>(table: &mut Vec<T>, id: u32, fill: T) -> &mut T {
    let i = id as usize;
    if table.len() <= i {
        table.resize(i + 1, fill);
    }
    &mut table[i]
}

/// A frame's function name and the start of its argument list, as ranges
/// of the block's text: the goroutine's entry frame once its stack is read.
type EntryFrame = ((usize, usize), usize);

/// Adds a frame of function `name` (`args`: its function line from the
/// argument list on; `offset`: its file line's) to a goroutine's words,
/// when they are recorded (`LoadOptions::call_words`) and the frame adds
/// to them ([`frame_args`]), as the sequential path does; and to the
/// objects it works for ([`ObjectsSeen`], with its last frame in `entry`).
#[inline]
fn add_frame(
    call: &mut CallWords,
    (objects, entry): (&mut ObjectsSeen, &mut Option<EntryFrame>),
    data: &[u8],
    record: bool,
    name: &[u8],
    args: &[u8],
    offset: impl FnOnce() -> u64,
) {
    if !record {
        return;
    }
    let base = data.as_ptr() as usize;
    let from = name.as_ptr() as usize - base;
    *entry = Some(((from, from + name.len()), args.as_ptr() as usize - base));
    objects.frame(name, args);
    if let Some(args) = frame_args(call, name, args) {
        push_frame_words(call, offset(), &args);
    }
}

/// Frame `f`'s two lines found by [`same_frame`].
struct SameFrame {
    /// End of the function line (at its newline).
    func_end: usize,
    /// Position after the file line.
    after: usize,
    /// Where the file line's offset hex digits start, if it has one.
    offset: Option<usize>,
}

/// Whether the function line at `pos` and the file line after it are
/// frame `f`'s texts, with any arguments and `+0x` offset: then
/// [`Classifier::classify`] would read them as `f` (the function line as
/// `Func(name)`: nothing in `name` can end it early, as its own line
/// showed; the file line as `File(key…)`: the last `+` is the offset's).
/// The name and the `path:line` key are compared, not searched for a line
/// end (neither holds a newline): only the arguments (which must be ASCII:
/// the bytes compared are text already) and the offset's digits are
/// scanned. `f` must come from a function line.
#[inline]
fn same_frame(data: &[u8], max_line: usize, f: &LocalFrame, pos: usize) -> Option<SameFrame> {
    let name = bytes(data, f.name);
    let args = pos + name.len();
    if data.len() <= args || data[args] != b'(' || data[pos..args] != *name {
        return None;
    }
    let func_end = args + find_ascii_newline(&data[args..])?;
    if func_end - pos > max_line || data[func_end - 1] != b')' {
        return None;
    }
    let (after, offset) = same_file_line(data, max_line, f, func_end + 1)?;
    Some(SameFrame {
        func_end,
        after,
        offset,
    })
}

/// Whether the line at `next` is frame `f`'s file line (its `path:line`
/// key, with or without a `+0x` offset), as [`Classifier::classify`] would
/// read it: the position after it and where the offset's digits start.
#[inline(always)]
fn same_file_line(
    data: &[u8],
    max_line: usize,
    f: &LocalFrame,
    next: usize,
) -> Option<(usize, Option<usize>)> {
    // A file line read before, byte for byte, reads the same again.
    let seen = bytes(data, f.file_line);
    if !seen.is_empty() && data.get(next..next + seen.len()) == Some(seen) {
        let digits = (f.digits != 0).then(|| next + f.digits as usize);
        return Some((next + seen.len(), digits));
    }
    let key = bytes(data, f.key);
    let q = next + 1 + key.len();
    if data.len() <= q || data[next] != b'\t' || data[next + 1..q] != *key {
        return None;
    }
    let (file_end, offset) = if data[q] == b'\n' {
        if memchr2(b'+', b'=', key).is_some() {
            return None;
        }
        (q, None)
    } else {
        let digits = q + 4;
        if !data[q..].starts_with(b" +0x") {
            return None;
        }
        let mut end = digits;
        while end < data.len() && data[end].is_ascii_alphanumeric() {
            end += 1;
        }
        if end == digits || end == data.len() || data[end] != b'\n' {
            return None;
        }
        (end, Some(digits))
    };
    if file_end - next > max_line {
        return None;
    }
    Some((file_end + 1, offset))
}

/// Keeps the file line `start..after` (its offset's digits at `digits`)
/// as frame `id`'s, for [`same_file_line`] to compare the next ones with,
/// unless it has one. The line must be one `same_file_line` took.
#[inline]
fn learn_file_line(out: &mut Parsed, id: u32, start: usize, after: usize, digits: Option<usize>) {
    let f = &mut out.frames[id as usize];
    if f.file_line.1 == 0 {
        f.file_line = (start as u32, after as u32);
        f.digits = digits.map_or(0, |d| (d - start) as u32);
    }
}

/// [`learn_file_line`] for a file line `start..after` read the slow way:
/// kept if [`same_file_line`] takes it whole (the canonical shape), so
/// that the same bytes again read as it would read them.
fn learn_read_file_line(
    data: &[u8],
    out: &mut Parsed,
    max_line: usize,
    id: u32,
    start: usize,
    after: usize,
) {
    let f = &out.frames[id as usize];
    if f.file_line.1 != 0 {
        return;
    }
    if let Some((end, digits)) = same_file_line(data, max_line, f, start) {
        if end == after {
            learn_file_line(out, id, start, after, digits);
        }
    }
}

const CREATED_BY: &[u8] = b"created by ";

/// A `created by` line and its file line found by [`same_creator`].
struct SameCreator {
    /// `in goroutine N`.
    parent: Option<u64>,
    /// Position after the file line.
    after: usize,
}

/// Whether the line at `pos` is `created by NAME` or `created by NAME in
/// goroutine N` with frame `f`'s name, and the line after it `f`'s file
/// line: then [`Classifier::classify`] would read them as
/// `Created(NAME, parent)` and `File(key…)` (`NAME` is already trimmed and
/// split, as its own line showed; without a parent, it must not hold
/// ` in goroutine `, which would split it). `f` must come from a
/// `created by` line.
#[inline]
fn same_creator(data: &[u8], max_line: usize, f: &LocalFrame, pos: usize) -> Option<SameCreator> {
    let name = bytes(data, f.name);
    let at = pos + CREATED_BY.len();
    let end = at + name.len();
    if data.len() <= end || data[at..end] != *name {
        return None;
    }
    let (line_end, parent) = match data[end] {
        b'\n' => {
            if !name.last().is_some_and(u8::is_ascii_graphic)
                || memmem::find(name, IN_GOROUTINE).is_some()
            {
                return None;
            }
            (end, None)
        }
        b' ' if data[end..].starts_with(IN_GOROUTINE) => {
            let d = end + IN_GOROUTINE.len();
            let n = data[d..]
                .iter()
                .take(20)
                .position(|c| !c.is_ascii_digit())?;
            if n == 0 || data[d + n] != b'\n' {
                return None;
            }
            let id = std::str::from_utf8(&data[d..d + n])
                .ok()?
                .parse::<u64>()
                .ok()?;
            (d + n, Some(id))
        }
        _ => return None,
    };
    if line_end - pos > max_line {
        return None;
    }
    let (after, _) = same_file_line(data, max_line, f, line_end + 1)?;
    Some(SameCreator { parent, after })
}

/// Global frame ids of a block's local frames in the current snapshot,
/// interned on first use (so in the order the sequential path interns),
/// and the stacks of the block's goroutines as interned there, by their
/// frames' local ids: a goroutine whose frames repeat those of one before
/// it in the block, in the same snapshot, takes its stack as it is. Only
/// plain frame lists are kept: no `...N frames elided...`, no frame the
/// parser treats specially, fewer frames than the limit, so that each of
/// their frames would have gone on the stack as the one before, already
/// interned, with no other effect.
#[derive(Default)]
struct Remap<'p> {
    ids: Vec<FrameId>,
    stacks: FxHashMap<&'p [u32], Arc<[FrameId]>>,
    /// The frames of the goroutine applied last, when they are plain and
    /// not yet in `stacks`: its stack is taken once it is finished, unless
    /// raw lines were applied after it.
    open: Option<&'p [u32]>,
    /// The snapshot (`Parser::dump_gen`) all of it is of.
    dump_gen: u64,
}

impl Remap<'_> {
    fn reset(&mut self, n: usize, dump_gen: u64) {
        self.ids.clear();
        self.ids.resize(n, FrameId::MAX);
        self.stacks.clear();
        self.open = None;
        self.dump_gen = dump_gen;
    }
}

fn global_frame(
    p: &mut Parser<'_>,
    remap: &mut Remap,
    parsed: &Parsed,
    local: u32,
) -> Option<FrameId> {
    if remap.dump_gen != p.dump_gen {
        remap.reset(parsed.frames.len(), p.dump_gen);
    }
    let slot = &mut remap.ids[local as usize];
    if *slot != FrameId::MAX {
        return Some(*slot);
    }
    let f = &parsed.frames[local as usize];
    let d = p.dump.as_mut()?;
    let id = d.snap.table.intern_frame(
        text(&parsed.strings, f.name_text),
        text(&parsed.strings, f.path_text),
        f.line,
    );
    *slot = id;
    Some(id)
}

/// Feeds lines to the parser as the sequential path does. `first` is the
/// number of the first line. Returns false when the parser stopped.
fn replay(p: &mut Parser<'_>, data: &[u8], first: u64) -> bool {
    let max = p.opts.max_line.max(1);
    let mut pos = 0;
    let mut no = first;
    while pos < data.len() {
        let (end, next, nl) = line_end(data, pos);
        let l = &data[pos..end];
        let (l, cut) = if l.len() > max {
            (&l[..max], true)
        } else {
            (l, false)
        };
        if !p.line(no, l, cut, nl) {
            return false;
        }
        pos = next;
        no += 1;
    }
    true
}

/// Applies a parsed block to the parser. `base` is the number of lines
/// before the block. Returns false when the parser stopped.
fn apply_block(p: &mut Parser<'_>, data: &[u8], parsed: &Parsed, base: u64) -> bool {
    let mut remap = Remap::default();
    remap.reset(parsed.frames.len(), p.dump_gen);
    for unit in &parsed.units {
        match unit {
            Unit::Raw { start, end, line } => {
                // Raw lines may go on with the goroutine applied last
                // (a line the fast parser left, such as one over
                // `max_line`): its stack is not its frames' alone.
                remap.open = None;
                if !replay(
                    p,
                    &data[*start as usize..*end as usize],
                    base + u64::from(*line) + 1,
                ) {
                    return false;
                }
            }
            Unit::Fast(g) => {
                let first = base + u64::from(g.line) + 1;
                // A prefix, or console rows that may continue each other,
                // take the line-by-line reading.
                if !p.prefix.is_plain() || p.console.width > 0 || p.held.is_some() {
                    remap.open = None;
                    if !replay(p, &data[g.start as usize..g.end as usize], first) {
                        return false;
                    }
                    continue;
                }
                if !apply_goroutine(p, &mut remap, parsed, g, first) {
                    return false;
                }
            }
        }
    }
    true
}

/// What the sequential parser does with the lines of a canonical
/// goroutine, with no prefix in force.
fn apply_goroutine<'p>(
    p: &mut Parser<'_>,
    remap: &mut Remap<'p>,
    parsed: &'p Parsed,
    g: &Fast,
    first: u64,
) -> bool {
    // The header line (`Parser::line` → `dump_line` → `header`).
    let (total, dump_gen) = (p.total, p.dump_gen);
    p.begin_line(first, true);
    let st = Status {
        state: text(&parsed.strings, g.state),
        minutes: g.minutes,
        locked: g.locked,
        leaked: g.leaked,
    };
    p.header_with(first, g.id, st, g.labels.map(|l| text(&parsed.strings, l)));
    if p.stopped {
        return false;
    }
    if let Some(gor) = &mut p.g {
        gor.info.call = p.opts.call_words.then(|| Box::new(g.call));
        gor.objects = g.objects;
    }
    // The header finished the goroutine before: its sample is the last
    // (unless the header started another snapshot).
    let open = remap.open.take();
    if let Some(items) = open.filter(|_| p.total == total + 1 && p.dump_gen == dump_gen) {
        if let Some(s) = p.dump.as_ref().and_then(|d| d.snap.samples.last()) {
            remap.stacks.insert(items, s.stack.clone());
        }
    }
    if remap.dump_gen != p.dump_gen {
        remap.reset(parsed.frames.len(), p.dump_gen);
    }
    let items = &parsed.items[g.items.0 as usize..g.items.1 as usize];
    // (Onto an empty stack only, as a header leaves it: a kept stack
    // stands for pushing each frame in turn onto nothing.)
    let fresh = p.g.is_some() && p.stack.is_empty();
    if let Some(stack) = remap.stacks.get(items).filter(|_| fresh) {
        p.stack.extend_from_slice(stack);
        p.stack_hint = Some(stack.clone());
    } else {
        let mut plain = !items.is_empty() && items.len() < p.opts.max_frames.max(1);
        for &item in items {
            plain &= item != ELIDED && parsed.frames[item as usize].special == Special::None;
            apply_frame(p, remap, parsed, item);
        }
        if plain && p.stack.len() == items.len() {
            remap.open = Some(items);
        }
    }
    if let Some((frame, parent)) = g.created {
        // `created by` then its file line (`Parser::plain_line`,
        // `Parser::complete_created`).
        p.set_parent(parent);
        let id = global_frame(p, remap, parsed, frame);
        p.created(id);
    }
    p.after_blank = g.trailing_blank;
    p.last_line = first + u64::from(g.n_lines) - 1;
    true
}

/// What the sequential parser does with a frame's lines: an
/// `...N frames elided...` line (`ELIDED`), or the function line
/// (`Parser::function`), then the file line (`Parser::complete_frame`).
#[inline]
fn apply_frame(p: &mut Parser<'_>, remap: &mut Remap, parsed: &Parsed, item: u32) {
    if item == ELIDED {
        p.elided();
        return;
    }
    let f = &parsed.frames[item as usize];
    p.frame_start(f.special == Special::Writer);
    let goexit = f.special == Special::Goexit;
    if p.frame_fits(goexit, || {
        (text(&parsed.strings, f.path_text).to_string(), f.line)
    }) {
        if let Some(id) = global_frame(p, remap, parsed, item) {
            p.stack.push(id);
        }
    }
}

/// How reading the input ended.
enum End {
    Eof,
    /// A read error, after the blocks before it and `tail` (the start of a
    /// line).
    Error(io::Error, Vec<u8>),
    /// A line longer than a block starts with these bytes: the rest of the
    /// input goes to the sequential line reader.
    LongLine(Vec<u8>),
}

/// A block's bytes: the first `len` of `data` (the rest of `data` stays
/// allocated and initialized for reuse), or a slice of a mapped input,
/// parsed in place.
enum Buf<'m> {
    Owned { data: Vec<u8>, len: usize },
    Mapped(&'m [u8]),
}

impl Buf<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Buf::Owned { data, len } => &data[..*len],
            Buf::Mapped(b) => b,
        }
    }
}

/// Where blocks come from: a reader (copied into buffers) or the whole
/// input in memory (a mapped file: blocks are slices of it).
enum Input<'r> {
    Read(&'r mut dyn BufRead),
    /// The input, and the end of the last window looked at.
    Mapped {
        data: &'r [u8],
        pos: usize,
        window_end: usize,
    },
}

/// Reads blocks cut at goroutine boundaries.
struct BlockReader<'r> {
    input: Input<'r>,
    block_size: usize,
    /// Bytes after the last cut, for the next block.
    carry: Vec<u8>,
    /// How the input ended, found while reading the last block.
    pending: Option<End>,
    /// Buffers of applied blocks, for reuse.
    pool: Vec<Vec<u8>>,
}

/// Where to cut a block of whole lines: before the last goroutine header
/// that follows a blank line, else after the last line; `None` if the
/// block holds no line end.
fn cut_point(b: &[u8]) -> Option<usize> {
    match BOUNDARY.rfind(b) {
        Some(i) => Some(i + 2),
        None => memrchr(b'\n', b).map(|i| i + 1),
    }
}

impl<'r> BlockReader<'r> {
    /// The next block (whole lines, except the last one of the input), or
    /// how the input ended.
    fn next_block(&mut self) -> Result<Buf<'r>, End> {
        if let Some(end) = self.pending.take() {
            return Err(end);
        }
        let r = match &mut self.input {
            Input::Read(r) => &mut **r,
            Input::Mapped {
                data,
                pos,
                window_end,
            } => {
                // The same windows as reading would give: the bytes after
                // the last cut and as many more as make a block.
                let data: &'r [u8] = data;
                let rest = &data[*pos..];
                if rest.is_empty() {
                    return Err(End::Eof);
                }
                let carry = *window_end - *pos;
                let target = carry + self.block_size.saturating_sub(carry).max(1);
                if rest.len() <= target {
                    *pos = data.len();
                    *window_end = data.len();
                    return Ok(Buf::Mapped(rest));
                }
                let b = &rest[..target];
                let Some(cut) = cut_point(b) else {
                    *pos += target;
                    *window_end = *pos;
                    return Err(End::LongLine(b.to_vec()));
                };
                *window_end = *pos + target;
                *pos += cut;
                return Ok(Buf::Mapped(&b[..cut]));
            }
        };
        let mut data = self.pool.pop().unwrap_or_default();
        let want = self.block_size.saturating_sub(self.carry.len()).max(1);
        let target = self.carry.len() + want;
        if data.len() < target {
            data.resize(target, 0);
        }
        data[..self.carry.len()].copy_from_slice(&self.carry);
        let mut len = self.carry.len();
        self.carry.clear();
        // Reads of a block at a time go around the reader's own buffer
        // (the block is larger), so the bytes are copied once.
        let mut end = None;
        while len < target {
            match r.read(&mut data[len..target]) {
                Ok(0) => {
                    end = Some(End::Eof);
                    break;
                }
                Ok(n) => len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // Whole lines go on as a block; the rest is the tail.
                    let cut = memrchr(b'\n', &data[..len]).map_or(0, |i| i + 1);
                    let tail = data[cut..len].to_vec();
                    len = cut;
                    end = Some(End::Error(e, tail));
                    break;
                }
            }
        }
        let Some(end) = end else {
            let b = &data[..len];
            let Some(cut) = cut_point(b) else {
                return Err(End::LongLine(b.to_vec()));
            };
            self.carry.extend_from_slice(&b[cut..]);
            return Ok(Buf::Owned { data, len: cut });
        };
        if len == 0 {
            self.pool.push(data);
            return Err(end);
        }
        self.pending = Some(end);
        Ok(Buf::Owned { data, len })
    }

    /// The input after what was read, for the sequential reader.
    fn rest(&mut self) -> Box<dyn BufRead + '_> {
        match &mut self.input {
            Input::Read(r) => Box::new(&mut **r),
            Input::Mapped { data, pos, .. } => Box::new(&data[*pos..]),
        }
    }

    /// Takes back an applied block: its buffer for reuse, or its pages
    /// of a mapped input released. And learns from its parse: when most of
    /// it was raw lines (a log prefix on every line), which one thread
    /// replays and whose pages stay until then, large blocks only cost
    /// memory, and the next blocks are [`BLOCK_SIZE`] ones.
    fn recycle_one(&mut self, b: Buf<'_>, parsed: &Parsed) {
        if 2 * parsed.raw_bytes > b.bytes().len() as u64 {
            self.block_size = self.block_size.min(BLOCK_SIZE);
        }
        match b {
            Buf::Owned { data, .. } => self.pool.push(data),
            Buf::Mapped(b) => crate::load::mapped::release(b),
        }
    }
}

/// The pools that parse blocks: their own threads, never the global
/// pool's. A load waits (blocks) while too many blocks are in flight, and
/// loads run on the global pool's threads (`show` of several inputs, each
/// service of `fleet`): parse jobs queued behind such waiting threads
/// would never run, and the loads would wait for each other forever.
/// Parsing and applying a block never wait for anything, so these threads
/// always make progress.
///
/// For decoded (inflated) inputs, one thread fewer than there are cores,
/// so that the reading thread keeps a core (on a single core, one thread:
/// the reading thread parses nothing).
static PARSERS: LazyLock<Option<rayon::ThreadPool>> = LazyLock::new(|| parsers(1));

/// For inputs read without decoding, or mapped: one per core.
static ALL_PARSERS: LazyLock<Option<rayon::ThreadPool>> = LazyLock::new(|| parsers(0));

fn parsers(spare: usize) -> Option<rayon::ThreadPool> {
    let n = rayon::current_num_threads().saturating_sub(spare).max(1);
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("leakdiff-parse-{i}"))
        .build()
        .ok()
}

/// `rayon::in_place_scope` in `pool`, else in the current pool (when no
/// thread could be started).
fn in_place_scope<'scope, R>(
    pool: Option<&rayon::ThreadPool>,
    op: impl FnOnce(&rayon::Scope<'scope>) -> R,
) -> R {
    match pool {
        Some(pool) => pool.in_place_scope(op),
        None => rayon::in_place_scope(op),
    }
}

/// Nanoseconds the reading threads of block-parallel loads spent reading
/// (and inflating) blocks, and waiting for the other cores to parse and
/// apply the blocks read, summed over the process.
static READING: AtomicU64 = AtomicU64::new(0);
static WAITING: AtomicU64 = AtomicU64::new(0);

fn add(counter: &AtomicU64, d: Duration) {
    counter.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
}

/// The time of the reading threads so far.
pub(crate) fn timings() -> crate::load::Timings {
    crate::load::Timings {
        reading: Duration::from_nanos(READING.load(Ordering::Relaxed)),
        waiting: Duration::from_nanos(WAITING.load(Ordering::Relaxed)),
    }
}

/// Every dump in the input, through the block-parallel path.
pub(super) fn load(
    r: &mut dyn BufRead,
    source: &str,
    opts: &LoadOptions,
    block_size: usize,
    decoding: bool,
) -> Result<Vec<Snapshot>, InputError> {
    load_input(Input::Read(r), source, opts, block_size, decoding)
}

/// Every dump in `data` (a mapped file), through the block-parallel path
/// with blocks that are slices of `data`.
pub(super) fn load_slice(
    data: &[u8],
    source: &str,
    opts: &LoadOptions,
    block_size: usize,
) -> Result<Vec<Snapshot>, InputError> {
    let input = Input::Mapped {
        data,
        pos: 0,
        window_end: 0,
    };
    load_input(input, source, opts, block_size, false)
}

/// Whether a parse has panicked.
fn has_panicked(panicked: &Mutex<Option<Box<dyn Any + Send>>>) -> bool {
    panicked.lock().map_or(true, |p| p.is_some())
}

fn load_input(
    input: Input<'_>,
    source: &str,
    opts: &LoadOptions,
    block_size: usize,
    decoding: bool,
) -> Result<Vec<Snapshot>, InputError> {
    // A reader that decodes (inflates) is the bound of the load: it keeps
    // a core, and the blocks are parsed on the others.
    let pool = if decoding { &PARSERS } else { &ALL_PARSERS }.as_ref();
    let threads = pool.map_or_else(rayon::current_num_threads, |p| p.current_num_threads());
    let max_line = opts.max_line.max(1);
    let call_words = opts.call_words;
    // Blocks read and not yet applied, at most: 4 per core, within
    // IN_FLIGHT_BYTES (MAPPED_IN_FLIGHT_BYTES) when that leaves one per
    // core and two more.
    let budget = match input {
        Input::Mapped { .. } => MAPPED_IN_FLIGHT_BYTES,
        Input::Read(_) => IN_FLIGHT_BYTES,
    };
    let in_flight = (4 * threads)
        .min((budget / block_size.max(1)).max(threads + 2))
        .max(4);
    let mut reader = BlockReader {
        input,
        block_size,
        carry: Vec::new(),
        pending: None,
        pool: Vec::new(),
    };
    let (parsed_tx, parsed_rx) = mpsc::channel::<(usize, Buf<'_>, Parsed)>();
    // An applied block's buffer, and its parse for reuse.
    let (applied_tx, applied_rx) = mpsc::channel::<(Buf<'_>, Parsed)>();
    // Parses of applied blocks, their allocations reused for the next ones
    // (fresh ones per block cost page faults and arena growth).
    let mut spare: Vec<Parsed> = Vec::new();
    let stopped = AtomicBool::new(false);
    // A parse that panicked (a bug): its payload, raised again on the
    // calling thread once every thread has stopped. Without it the applier
    // would wait for that block forever and the reader for the applier.
    let panicked: Mutex<Option<Box<dyn Any + Send>>> = Mutex::new(None);
    let (p, base, going, end) = std::thread::scope(|threads| {
        // Blocks are parsed on the pool in any order and applied on this
        // thread in input order as soon as each one's turn comes, while the
        // calling thread goes on reading: no wave waits for its slowest
        // block.
        let applier = threads.spawn(|| {
            let mut p = Parser::new(source, opts);
            let mut base = 0u64;
            let mut going = true;
            let mut next = 0usize;
            let mut ready: BTreeMap<usize, (Buf<'_>, Parsed)> = BTreeMap::new();
            for (i, buf, parsed) in parsed_rx {
                ready.insert(i, (buf, parsed));
                while let Some((buf, parsed)) = ready.remove(&next) {
                    if going && stopped.load(Ordering::Relaxed) && has_panicked(&panicked) {
                        going = false;
                    }
                    if going {
                        going = apply_block(&mut p, buf.bytes(), &parsed, base);
                        base += parsed.lines;
                        if !going {
                            stopped.store(true, Ordering::Relaxed);
                        }
                    }
                    next += 1;
                    // The reading thread reuses or releases them.
                    let _ = applied_tx.send((buf, parsed));
                }
            }
            (p, base, going)
        });
        // Blocks to parse, handed to a thread of this load's own that
        // spawns their parse jobs on the pool and waits for them at the
        // end. The waiting is not done here: a thread of the global pool
        // (a load run there) would run other jobs of that pool while it
        // waits, whole loads of other inputs nested on its stack (a fleet
        // of 25 services overflowed it).
        let (todo_tx, todo_rx) = mpsc::channel::<(usize, Buf<'_>, Parsed)>();
        let (stopped, panicked) = (&stopped, &panicked);
        let spawner = threads.spawn(move || {
            in_place_scope(pool, |s| {
                for (i, buf, mut parsed) in todo_rx {
                    let tx = parsed_tx.clone();
                    s.spawn(move |_| {
                        let parse = AssertUnwindSafe(|| {
                            #[cfg(test)]
                            tests::fail_block(buf.bytes());
                            parse_block(buf.bytes(), max_line, call_words, &mut parsed);
                        });
                        if let Err(payload) = panic::catch_unwind(parse) {
                            let mut first = panicked.lock().unwrap_or_else(|e| e.into_inner());
                            first.get_or_insert(payload);
                            stopped.store(true, Ordering::Relaxed);
                        }
                        // Applying needs the parse, not the pages, when
                        // it has no raw lines (which are read again).
                        if let Buf::Mapped(b) = &buf {
                            if parsed.raw_bytes == 0 {
                                crate::load::mapped::release(b);
                            }
                        }
                        let _ = tx.send((i, buf, parsed));
                    });
                }
            });
            // The applier ends when the last parsed block is sent (and
            // `parsed_tx`, moved here, is dropped).
        });
        let mut reading = Duration::ZERO;
        let mut waiting = Duration::ZERO;
        let mut read = 0usize;
        let mut back = 0usize;
        let end = loop {
            // Reuse what was applied; wait when too much is in flight.
            while let Ok((b, parsed)) = applied_rx.try_recv() {
                reader.recycle_one(b, &parsed);
                spare.push(parsed);
                back += 1;
            }
            while read - back >= in_flight {
                let t = Instant::now();
                let Ok((b, parsed)) = applied_rx.recv() else {
                    break;
                };
                waiting += t.elapsed();
                reader.recycle_one(b, &parsed);
                spare.push(parsed);
                back += 1;
            }
            if stopped.load(Ordering::Relaxed) {
                break None;
            }
            let t = Instant::now();
            let block = reader.next_block();
            reading += t.elapsed();
            match block {
                Ok(buf) => {
                    let parsed = spare.pop().unwrap_or_default();
                    if todo_tx.send((read, buf, parsed)).is_err() {
                        // The spawning thread is gone (it panicked).
                        break None;
                    }
                    read += 1;
                }
                Err(end) => break Some(end),
            }
        };
        drop(todo_tx);
        let t = Instant::now();
        spawner
            .join()
            .expect("the thread that spawns parse jobs panicked");
        let (p, base, going) = applier.join().expect("the applying thread panicked");
        waiting += t.elapsed();
        while let Ok((b, parsed)) = applied_rx.try_recv() {
            reader.recycle_one(b, &parsed);
        }
        add(&READING, reading);
        add(&WAITING, waiting);
        (p, base, going, end)
    });
    if let Some(payload) = panicked.into_inner().unwrap_or_else(|e| e.into_inner()) {
        panic::resume_unwind(payload);
    }
    match end {
        Some(end) if going => finish_end(p, end, base, &mut reader.rest()),
        _ => p.finish(),
    }
}

/// The input ended after `base` lines, as `end` says.
fn finish_end(
    mut p: Parser<'_>,
    end: End,
    base: u64,
    r: &mut dyn BufRead,
) -> Result<Vec<Snapshot>, InputError> {
    match end {
        End::Eof => {}
        End::Error(e, tail) => {
            if e.get_ref()
                .and_then(|i| i.downcast_ref::<LimitExceeded>())
                .is_some()
            {
                return Err(InputError::new(gzip_message(&e)));
            }
            // The partial line read before the error is a truncated tail.
            if !tail.is_empty() {
                let max = p.opts.max_line.max(1);
                let cut = tail.len() > max;
                p.line(base + 1, &tail[..tail.len().min(max)], cut, false);
            }
            p.read_failed(base + 1, &e)?;
        }
        End::LongLine(start) => {
            let mut rest = Cursor::new(start).chain(r);
            let mut lines = LineReader::new(&mut rest, p.opts.max_line.max(1));
            lines.line_no = base;
            read_lines(&mut p, &mut lines)?;
        }
    }
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::RecvTimeoutError;

    /// A line that makes a parse worker panic, standing for a bug.
    const PANIC_LINE: &[u8] = b"leakdiff-test: panic in this block";

    pub(super) fn fail_block(data: &[u8]) {
        if memmem::find(data, PANIC_LINE).is_some() {
            panic!("a parse that panicked");
        }
        if memmem::find(data, TRUNCATE_LINE).is_some() {
            // The input's file is cut to nothing under the parse, which
            // then reads its bytes again (zeros now: the SIGBUS guard maps
            // them) and, standing for a parser that trips over bytes that
            // changed between two reads, panics.
            if let Some(truncate) = TRUNCATE.lock().unwrap().as_ref() {
                truncate();
            }
            // SAFETY: `data` is a block of the live mapping; reading past
            // the file's end is what the guard turns into zeros.
            let again = unsafe { std::ptr::read_volatile(data.as_ptr()) };
            panic!("a parse that read {again} where it had read a digit");
        }
    }

    /// A line that makes a parse worker truncate the input's file (by
    /// [`TRUNCATE`]), read its block again and panic.
    const TRUNCATE_LINE: &[u8] = b"leakdiff-test: truncate, then panic";

    static TRUNCATE: std::sync::Mutex<Option<Box<dyn Fn() + Send>>> = std::sync::Mutex::new(None);

    #[test]
    #[cfg(target_os = "linux")]
    fn a_parse_that_panics_on_a_file_truncated_under_it_reports_the_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.txt");
        let mut data = dump(40_000, 0);
        data.extend_from_slice(TRUNCATE_LINE);
        data.extend_from_slice(b"\n");
        assert!(data.len() as u64 >= crate::load::mapped::MIN_MAPPED);
        std::fs::write(&path, &data).unwrap();
        let cut = path.clone();
        *TRUNCATE.lock().unwrap() = Some(Box::new(move || {
            let f = std::fs::OpenOptions::new().write(true).open(&cut).unwrap();
            f.set_len(0).unwrap();
        }));
        let err = crate::load::load_path(path.to_str().unwrap(), &LoadOptions::default())
            .expect_err("the file was truncated");
        *TRUNCATE.lock().unwrap() = None;
        let msg = err.to_string();
        assert!(msg.contains("cut.txt"), "{msg}");
        assert!(
            msg.contains("file was truncated while it was read"),
            "{msg}"
        );
    }

    /// A dump of `n` goroutines with the panicking line after goroutine `at`.
    fn dump(n: usize, at: usize) -> Vec<u8> {
        let mut s = Vec::new();
        for g in 1..=n {
            s.extend_from_slice(
                format!(
                    "goroutine {g} [chan receive]:\nmain.worker()\n\t/src/app/main.go:22 +0x1d\n\n"
                )
                .as_bytes(),
            );
            if g == at {
                s.extend_from_slice(PANIC_LINE);
                s.extend_from_slice(b"\n\n");
            }
        }
        s
    }

    /// Loads `data` in small blocks on another thread: the panic it raised,
    /// or `Ok(goroutines)`; Err(None) if it did not end within a minute.
    fn load_bounded(data: Vec<u8>, mapped: bool) -> Result<usize, Option<String>> {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let run = panic::catch_unwind(|| {
                let opts = LoadOptions::default();
                let snaps = if mapped {
                    load_slice(&data, "t.txt", &opts, 256)
                } else {
                    load(&mut Cursor::new(&data[..]), "t.txt", &opts, 256, false)
                };
                snaps
                    .unwrap()
                    .iter()
                    .map(|s| s.samples.len())
                    .sum::<usize>()
            });
            let _ = tx.send(run.map_err(|p| {
                p.downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_default()
            }));
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(r) => r.map_err(Some),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => Err(None),
        }
    }

    #[test]
    fn a_parse_that_panics_is_raised_on_the_caller_not_a_hang() {
        // Without the panic line the same dump loads whole.
        assert_eq!(load_bounded(dump(2000, 0), false), Ok(2000));
        assert_eq!(load_bounded(dump(2000, 0), true), Ok(2000));
        // A panic early, in the middle and in the last block, read and
        // mapped: many blocks are in flight behind the one that panicked.
        for at in [1, 1000, 2000] {
            for mapped in [false, true] {
                assert_eq!(
                    load_bounded(dump(2000, at), mapped),
                    Err(Some("a parse that panicked".to_string())),
                    "panic after goroutine {at}, mapped: {mapped}"
                );
            }
        }
    }
}
