//! debug=2 / panic / SIGQUIT dump loader.
//!
//! Reads every goroutine dump the runtime's traceback printer produces
//! (Go 1.1 to 1.27): `goroutine?debug=2`, `runtime.Stack(buf, true)`, panics,
//! fatal errors, SIGQUIT and GOTRACEBACK=system/crash dumps, also embedded in
//! logs, test output or markdown notes, with a log prefix, indentation or
//! `> ` quotes on every line, and possibly truncated.
//!
//! The input is streamed line by line through one reusable buffer holding at
//! most `max_line` bytes; lines are parsed as slices and frames interned
//! through the snapshot's [`crate::model::FrameTable`], so nothing is
//! allocated per line (only per goroutine, and for a line that is not UTF-8).
//!
//! That is the sequential path ([`load_sequential`]). By default
//! ([`LoadOptions::parallel`]) the input is read in blocks cut at goroutine
//! boundaries, which all cores parse into compact per-block records while
//! the blocks are applied to the same parser in order, with the same effect
//! as its line-by-line reading (see `debug2/blocks.rs`). Memory stays
//! bounded either way.
//!
//! # Line prefixes
//!
//! The prefix in front of each `goroutine N [` header is detected from the
//! header and the same shape is stripped from the lines that follow: an
//! RFC 3339 timestamp (CRI `stdout F`, kubectl `--timestamps`, GitHub
//! Actions), a syslog/journald time, fixed text before or after it
//! (`host unit[pid]:`, `[pod/p/c]`, `app-1  |`), `>` quotes and indentation.
//! When the prefix names a source, lines without it come from another unit
//! or container and are ignored.
//!
//! # Goroutine blocks
//!
//! A goroutine runs from its header to the next header, or to text that is
//! not dump grammar when that text follows a blank line, follows the
//! goroutine's `created by` file line, or starts a new program state
//! (`panic:`, `fatal error:`, `SIGQUIT:` …). Other text inside a goroutine
//! (annotations, runtime notes such as `traceback: unexpected SPWRITE`) is
//! skipped, and so are blank lines between a function and its file line.
//! `[originating from goroutine N]:` ancestor blocks are skipped. A header
//! without any frame is dropped with a warning.
//!
//! # Several dumps in one input
//!
//! A header starts a new snapshot when the current one already holds
//! goroutines and either
//! - non-dump text ended the previous goroutine or came after it, or
//! - its goroutine id was already seen in the current dump (ids are unique
//!   within a process), or
//! - its first frame is `runtime/pprof.writeGoroutineStacks` (the goroutine
//!   that writes a debug=2 profile always comes first).
//!
//! The per-thread sections GOTRACEBACK=crash prints after a dump (a signal
//! line, `goroutine 0` of another M, the running goroutine it was executing,
//! registers) are merged back into the dump they belong to.
//!
//! # Truncation and limits
//!
//! A goroutine cut by the end of the input is kept if it has a complete frame
//! (`frames_elided` when a frame was lost) with a `truncated at line N`
//! warning. Stacks deeper than `max_frames` are cut and flagged; after
//! `max_samples` goroutines reading stops with a warning. A read error keeps
//! what was read (with a warning) unless nothing was; exceeding the
//! decompression limit is always an error.

use super::{gzip_message, LimitExceeded, LoadOptions};
use crate::error::InputError;
use crate::model::normalize;
use crate::model::{Format, FrameId, GoroutineInfo, ProfileKind, Sample, Snapshot, ValueType};
use memchr::{memchr, memchr2, memmem, memrchr};
use rustc_hash::FxHashSet;
use std::borrow::Cow;
use std::io::{self, BufRead};

/// Warnings kept per snapshot; the rest are counted.
const MAX_WARNINGS: usize = 50;
/// Cut lines named one by one; the rest are counted.
const MAX_CUT_LINE_WARNINGS: u64 = 3;

mod blocks;

pub(crate) use blocks::timings as blocks_timings;

/// Every dump found in the input, in order.
///
/// With [`LoadOptions::parallel`] (the default) the input is read in blocks
/// split at goroutine boundaries and the blocks are parsed on all cores;
/// otherwise line by line on this thread. Both give identical snapshots.
pub fn load(
    r: &mut dyn BufRead,
    source: &str,
    opts: &LoadOptions,
) -> Result<Vec<Snapshot>, InputError> {
    load_decoding(r, source, opts, false)
}

/// [`load`], told whether reading `r` costs CPU time (`decoding`: it
/// inflates gzip or converts UTF-16). Then the blocks are parsed on one
/// core fewer, so the reading thread, which bounds the load, is not
/// time-sliced with the parsers.
pub(crate) fn load_decoding(
    r: &mut dyn BufRead,
    source: &str,
    opts: &LoadOptions,
    decoding: bool,
) -> Result<Vec<Snapshot>, InputError> {
    if opts.parallel {
        blocks::load(r, source, opts, blocks::BLOCK_SIZE, decoding)
    } else {
        load_sequential(r, source, opts)
    }
}

/// [`load`] line by line on the calling thread.
pub fn load_sequential(
    r: &mut dyn BufRead,
    source: &str,
    opts: &LoadOptions,
) -> Result<Vec<Snapshot>, InputError> {
    let mut lines = LineReader::new(r, opts.max_line.max(1));
    let mut p = Parser::new(source, opts);
    read_lines(&mut p, &mut lines)?;
    p.finish()
}

/// [`load`] through the block-parallel path with blocks of about
/// `block_size` bytes (for tests: small blocks split the input everywhere).
#[doc(hidden)]
pub fn load_with_block_size(
    r: &mut dyn BufRead,
    source: &str,
    opts: &LoadOptions,
    block_size: usize,
) -> Result<Vec<Snapshot>, InputError> {
    blocks::load(r, source, opts, block_size.clamp(1, 1 << 30), false)
}

/// Feeds every line of `lines` to the parser, to the end of the input, a
/// stop, or a read error (kept as a warning when goroutines were read).
fn read_lines(p: &mut Parser<'_>, lines: &mut LineReader<'_>) -> Result<(), InputError> {
    loop {
        match lines.next_line() {
            Ok(true) => {
                if !p.line(lines.line_no, &lines.buf, lines.cut, lines.newline) {
                    return Ok(());
                }
            }
            Ok(false) => return Ok(()),
            Err(e) => {
                if e.get_ref()
                    .and_then(|i| i.downcast_ref::<LimitExceeded>())
                    .is_some()
                {
                    return Err(InputError::new(gzip_message(&e)));
                }
                // The partial line read before the error is a truncated tail.
                if !lines.buf.is_empty() {
                    p.line(lines.line_no, &lines.buf, lines.cut, false);
                }
                let line = lines.line_no + u64::from(lines.buf.is_empty());
                return p.read_failed(line, &e);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Line reader
// ---------------------------------------------------------------------------

/// Reads lines into one reusable buffer, keeping at most `max` bytes of each
/// line (the rest is consumed and dropped), so the buffer never grows beyond
/// `max` whatever the input.
struct LineReader<'r> {
    r: &'r mut dyn BufRead,
    buf: Vec<u8>,
    max: usize,
    /// 1-based number of the line in `buf`.
    line_no: u64,
    /// The line was longer than `max` and was cut.
    cut: bool,
    /// The line ended with `\n` (only the last line of an input may not).
    newline: bool,
}

impl<'r> LineReader<'r> {
    fn new(r: &'r mut dyn BufRead, max: usize) -> Self {
        LineReader {
            r,
            buf: Vec::with_capacity(max.min(64 << 10)),
            max,
            line_no: 0,
            cut: false,
            newline: false,
        }
    }

    /// Reads the next line; `Ok(false)` at the end of the input. On an error
    /// `buf` holds whatever part of the line was read before it.
    fn next_line(&mut self) -> io::Result<bool> {
        self.buf.clear();
        self.cut = false;
        self.newline = false;
        let mut any = false;
        loop {
            let (used, found) = {
                let avail = match self.r.fill_buf() {
                    Ok(b) => b,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        if any {
                            self.line_no += 1;
                        }
                        return Err(e);
                    }
                };
                if avail.is_empty() {
                    break;
                }
                any = true;
                let (end, used, found) = match memchr(b'\n', avail) {
                    Some(i) => (i, i + 1, true),
                    None => (avail.len(), avail.len(), false),
                };
                let room = self.max - self.buf.len();
                let take = end.min(room);
                if take < end {
                    self.cut = true;
                }
                self.buf.extend_from_slice(&avail[..take]);
                (used, found)
            };
            self.r.consume(used);
            if found {
                self.newline = true;
                break;
            }
        }
        if any {
            self.line_no += 1;
        }
        Ok(any)
    }
}

// ---------------------------------------------------------------------------
// Parser state
// ---------------------------------------------------------------------------

/// Where in a goroutine block the parser is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading frames.
    Frames,
    /// Read `created by F`, expecting its file line.
    CreatedFile,
    /// Read the created-by file line; the goroutine is complete.
    Done,
    /// In GODEBUG=tracebackancestors blocks: skipped up to the next header.
    Ancestors,
}

/// A goroutine being read.
struct Gor {
    info: GoroutineInfo,
    labels: Vec<(String, String)>,
    phase: Phase,
    created_by: Option<FrameId>,
    header_line: u64,
    time_nanos: Option<i64>,
    /// `runtime.goexit` was seen; kept only when it is the only frame.
    goexit: Option<(String, u32)>,
    /// A frame was dropped because the stack hit `max_frames`.
    cut_deep: bool,
}

/// The function line of a frame whose file line has not been read yet.
#[derive(Default)]
struct Pending {
    active: bool,
    /// A line without an argument list (cgo symbolizer output): becomes a
    /// frame only if a `file:line pc=0x…` line follows.
    weak: bool,
    name: String,
    line: u64,
}

/// A snapshot being filled.
struct Dump {
    snap: Snapshot,
    ids: FxHashSet<u64>,
    /// Started after non-dump text (a candidate crash-relay section).
    after_break: bool,
    suppressed: usize,
}

struct Parser<'a> {
    source: &'a str,
    opts: &'a LoadOptions,
    done: Vec<Snapshot>,
    /// Goroutine ids of the last finished snapshot.
    last_ids: FxHashSet<u64>,
    dump: Option<Dump>,
    g: Option<Gor>,
    stack: Vec<FrameId>,
    pend: Pending,
    created_name: String,
    prefix: Prefix,
    first_header: Option<u64>,
    /// Non-dump text since the last goroutine of the current dump.
    broken: bool,
    /// A blank line since the last dump line of the open goroutine.
    after_blank: bool,
    /// The last line (without newline) looked like a cut frame line.
    cut_tail: bool,
    total: usize,
    stopped: bool,
    last_line: u64,
    last_newline: bool,
    loose_warnings: Vec<String>,
    read_error: Option<String>,
    /// Counts the snapshots started, so that frame ids cached for the
    /// current one are known to be stale.
    dump_gen: u64,
    /// Lines that were not valid UTF-8: the first one and how many.
    bad_utf8: Option<(u64, u64)>,
    /// Lines cut at `max_line` that were warned about or counted.
    cut_lines: u64,
}

impl<'a> Parser<'a> {
    fn new(source: &'a str, opts: &'a LoadOptions) -> Self {
        Parser {
            source,
            opts,
            done: Vec::new(),
            last_ids: FxHashSet::default(),
            dump: None,
            g: None,
            stack: Vec::with_capacity(64),
            pend: Pending::default(),
            created_name: String::new(),
            prefix: Prefix::default(),
            first_header: None,
            broken: false,
            after_blank: false,
            cut_tail: false,
            total: 0,
            stopped: false,
            last_line: 0,
            last_newline: true,
            loose_warnings: Vec::new(),
            read_error: None,
            dump_gen: 0,
            bad_utf8: None,
            cut_lines: 0,
        }
    }

    /// A read error after line `line - 1`: an error when nothing was read,
    /// else a warning, and reading stops.
    fn read_failed(&mut self, line: u64, e: &io::Error) -> Result<(), InputError> {
        if self.goroutines_read() == 0 {
            return Err(InputError::at_line(line, gzip_message(e)));
        }
        self.read_error = Some(format!(
            "line {line}: read error: {}; keeping the goroutines read before it",
            gzip_message(e)
        ));
        Ok(())
    }

    /// Goroutines kept so far, plus one being read that has a frame.
    fn goroutines_read(&self) -> usize {
        self.total + usize::from(self.g.is_some() && (!self.stack.is_empty() || self.pend.active))
    }

    /// A warning that is shown even past [`MAX_WARNINGS`]: where the input
    /// ends early, stops being read, or is not what it seemed.
    fn warn_always(&mut self, msg: String) {
        match &mut self.dump {
            Some(d) => d.snap.warnings.push(msg),
            None => self.loose_warnings.push(msg),
        }
    }

    fn warn(&mut self, msg: String) {
        match &mut self.dump {
            Some(d) => {
                if d.snap.warnings.len() < MAX_WARNINGS {
                    d.snap.warnings.push(msg);
                } else {
                    d.suppressed += 1;
                }
            }
            None => {
                if self.loose_warnings.len() < MAX_WARNINGS {
                    self.loose_warnings.push(msg);
                }
            }
        }
    }

    /// One input line. Returns false to stop reading.
    fn line(&mut self, no: u64, raw: &[u8], cut: bool, newline: bool) -> bool {
        let go_on = self.line_inner(no, raw, cut, newline);
        // A cut line matters only inside a goroutine or when it may have
        // been a header; long log lines around a dump are not worth a word.
        if cut && (self.g.is_some() || memmem::find(raw, b"goroutine ").is_some()) {
            self.cut_lines += 1;
            if self.cut_lines <= MAX_CUT_LINE_WARNINGS {
                self.warn(format!(
                    "line {no}: longer than {} bytes; the rest of the line was skipped (raise --max-line)",
                    self.opts.max_line.max(1)
                ));
            }
        }
        go_on
    }

    fn line_inner(&mut self, no: u64, raw: &[u8], cut: bool, newline: bool) -> bool {
        self.last_line = no;
        self.last_newline = newline;
        self.cut_tail = false;
        let mut raw = raw;
        if no == 1 {
            raw = raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw);
        }
        if let Some(r) = raw.strip_suffix(b"\r") {
            raw = r;
        }
        // NUL runs (a preallocated region a crash left, a file truncated by
        // `logrotate copytruncate` while the writer kept its offset) carry no
        // text: a line of NULs is blank, and NULs before a header are no
        // prefix.
        while let [0, rest @ ..] = raw {
            raw = rest;
        }
        while let [rest @ .., 0] = raw {
            raw = rest;
        }
        // Lossy (allocating) only for a line that is not valid UTF-8.
        let text = match std::str::from_utf8(raw) {
            Ok(t) => Cow::Borrowed(t),
            // A line cut at max_line may end inside a character: not worth
            // a word.
            Err(e) if cut && e.error_len().is_none() => String::from_utf8_lossy(raw),
            Err(_) => {
                let b = self.bad_utf8.get_or_insert((no, 0));
                b.1 += 1;
                String::from_utf8_lossy(raw)
            }
        };
        let full: &str = &text;

        let stripped = self.prefix.strip(full);
        if let Some(s) = stripped {
            if self.dump_line(no, full, s, cut) {
                return !self.stopped;
            }
        }
        if let Some((pos, h)) = find_header(full) {
            let mut pre = &full[..pos];
            if full[pos..].starts_with('G') {
                // goleak prints its list as `[Goroutine 1 … Goroutine 2 …]`:
                // the bracket and the separating space are not a log prefix.
                pre = pre.trim_end_matches(['[', ' ']);
            }
            self.set_prefix(pre);
            self.header(no, &h);
            return !self.stopped;
        }
        if stripped.is_none() && self.prefix.is_source_tag() {
            // A line of another unit, container or service interleaved with
            // the dump: neither part of it nor the end of it.
            return true;
        }
        self.foreign(no, stripped.unwrap_or(full), newline);
        !self.stopped
    }

    fn set_prefix(&mut self, pre: &str) {
        if !self.prefix.same_as(pre) {
            self.prefix = Prefix::detect(pre);
        }
    }

    /// A line after the prefix was stripped. Returns true when it is part of
    /// the dump grammar (and was handled).
    fn dump_line(&mut self, no: u64, full: &str, s: &str, cut: bool) -> bool {
        let t = s.trim_end();
        if t.is_empty() {
            if self.g.is_some() {
                self.after_blank = true;
            }
            return true;
        }
        let indented = matches!(t.as_bytes()[0], b' ' | b'\t');
        let body = if indented { t.trim_start() } else { t };
        if body.starts_with("goroutine ") {
            if let Some(h) = parse_header(body) {
                let pos = full.len() - s.len() + (t.len() - body.len());
                self.set_prefix(&full[..pos]);
                self.header(no, &h);
                return true;
            }
        }
        if self.g.is_none() {
            return false;
        }
        let handled = if indented {
            self.indented_line(body)
        } else {
            self.plain_line(no, body, cut)
        };
        if handled {
            self.after_blank = false;
        }
        handled
    }

    /// An indented line inside a goroutine: a file line, or the stack
    /// unavailable note.
    fn indented_line(&mut self, body: &str) -> bool {
        let phase = self.g.as_ref().map(|g| g.phase).unwrap_or(Phase::Done);
        if let Some(fl) = parse_file_line(body) {
            match phase {
                Phase::Frames => {
                    if self.pend.active {
                        if self.pend.weak && !fl.pc_only {
                            self.pend.active = false;
                        } else {
                            self.complete_frame(fl.path, fl.line);
                        }
                    }
                }
                Phase::CreatedFile => self.complete_created(fl.path, fl.line),
                Phase::Done | Phase::Ancestors => {}
            }
            return true;
        }
        if phase == Phase::Ancestors {
            return true;
        }
        if body.starts_with("goroutine running on other thread") {
            if let Some(g) = &mut self.g {
                g.info.stack_unavailable = true;
            }
            return true;
        }
        false
    }

    /// An unindented line inside a goroutine.
    fn plain_line(&mut self, no: u64, t: &str, cut: bool) -> bool {
        let phase = self.g.as_ref().map(|g| g.phase).unwrap_or(Phase::Done);
        if let Some(rest) = t.strip_prefix("[originating from goroutine ") {
            let id = rest
                .strip_suffix("]:")
                .and_then(|n| n.trim().parse::<u64>().ok());
            if let Some(id) = id {
                self.drop_pending();
                if let Some(g) = &mut self.g {
                    if g.phase == Phase::CreatedFile {
                        if let Some(d) = &mut self.dump {
                            let f = d.snap.table.intern_frame(&self.created_name, "", 0);
                            g.created_by = Some(f);
                        }
                    }
                    g.phase = Phase::Ancestors;
                    if g.info.parent_id.is_none() {
                        g.info.parent_id = Some(id);
                    }
                }
                return true;
            }
        }
        if phase == Phase::Ancestors {
            // Ancestor frames, their `created by` and elision lines.
            return t.starts_with("created by ")
                || is_elided(t)
                || parse_func_line(t, cut).is_some()
                || parse_file_line(t).is_some();
        }
        if let Some(rest) = t.strip_prefix("created by ") {
            if phase != Phase::Frames {
                return true;
            }
            self.drop_pending();
            let (name, parent) = blocks::split_created_by(rest);
            self.created_name.clear();
            self.created_name.push_str(name.trim());
            if let Some(g) = &mut self.g {
                g.phase = Phase::CreatedFile;
                if parent.is_some() {
                    g.info.parent_id = parent;
                }
            }
            return true;
        }
        if is_elided(t) {
            if let Some(g) = &mut self.g {
                g.info.frames_elided = true;
            }
            return true;
        }
        if t.starts_with("goroutine running on other thread") {
            if let Some(g) = &mut self.g {
                g.info.stack_unavailable = true;
            }
            return true;
        }
        if let Some(name) = parse_func_line(t, cut) {
            if phase == Phase::Frames {
                self.function(no, name, false);
            }
            return true;
        }
        if phase == Phase::Frames && self.pend.active {
            // A file line that lost its indentation.
            if let Some(fl) = parse_file_line(t) {
                if looks_like_path(fl.path) {
                    if self.pend.weak && !fl.pc_only {
                        self.pend.active = false;
                    } else {
                        self.complete_frame(fl.path, fl.line);
                    }
                    return true;
                }
            }
        }
        if phase == Phase::Frames && !self.after_blank && !self.pend.active && is_symbol_only(t) {
            // Possibly a cgo symbolizer frame: `name` then `\tfile:line pc=0x…`.
            self.function(no, t, true);
            return true;
        }
        false
    }

    /// A function line: the frame waits for its file line.
    fn function(&mut self, no: u64, name: &str, weak: bool) {
        self.drop_pending();
        if !weak
            && self.stack.is_empty()
            && name == "runtime/pprof.writeGoroutineStacks"
            && self
                .dump
                .as_ref()
                .is_some_and(|d| !d.snap.samples.is_empty())
        {
            // The debug=2 writer always comes first: a new profile starts.
            self.finish_dump();
            self.start_dump(false);
        }
        self.pend.active = true;
        self.pend.weak = weak;
        self.pend.line = no;
        self.pend.name.clear();
        self.pend.name.push_str(name);
    }

    /// A function line never got its file line.
    fn drop_pending(&mut self) {
        if !self.pend.active {
            return;
        }
        self.pend.active = false;
        if self.pend.weak {
            return;
        }
        let line = self.pend.line;
        if let Some(g) = &mut self.g {
            g.info.frames_elided = true;
        }
        self.warn(format!("line {line}: frame without a file line (dropped)"));
    }

    fn complete_frame(&mut self, path: &str, line: u32) {
        self.pend.active = false;
        let Some(g) = &mut self.g else { return };
        if self.pend.name == "runtime.goexit" {
            if self.stack.is_empty() && g.goexit.is_none() {
                g.goexit = Some((path.to_string(), line));
            }
            return;
        }
        if self.stack.len() >= self.opts.max_frames.max(1) {
            g.info.frames_elided = true;
            g.cut_deep = true;
            return;
        }
        let Some(d) = &mut self.dump else { return };
        let id = d.snap.table.intern_frame(&self.pend.name, path, line);
        self.stack.push(id);
    }

    fn complete_created(&mut self, path: &str, line: u32) {
        let Some(g) = &mut self.g else { return };
        let Some(d) = &mut self.dump else { return };
        g.created_by = Some(d.snap.table.intern_frame(&self.created_name, path, line));
        g.phase = Phase::Done;
    }

    /// Text that is not part of a dump (or not with the current prefix).
    fn foreign(&mut self, no: u64, t: &str, newline: bool) {
        let t = t.trim();
        if let Some(g) = &self.g {
            // Text after a blank line, after a complete goroutine (its
            // `created by` file line) or that starts a new program state
            // ends the goroutine; other text inside it (annotations, runtime
            // notes) is skipped.
            if self.after_blank || g.phase == Phase::Done || is_break_marker(t) {
                self.finish_goroutine(false);
                self.broken = true;
            } else if !newline && looks_like_cut_frame(t) {
                // Junk inside a goroutine: skipped, unless it is the cut tail.
                self.cut_tail = true;
            }
        } else if !t.is_empty() {
            self.broken = true;
        }
        if !newline && t.starts_with("goroutine ") && t.len() > "goroutine ".len() {
            self.warn_always(format!(
                "truncated at line {no}: incomplete goroutine header"
            ));
        }
    }

    fn start_dump(&mut self, after_break: bool) {
        self.dump_gen += 1;
        let mut snap = Snapshot::new(self.source, Format::Debug2, ProfileKind::Goroutine);
        snap.sample_types = vec![ValueType::new("goroutine", "count")];
        snap.default_sample_type = Some(0);
        snap.warnings.append(&mut self.loose_warnings);
        self.dump = Some(Dump {
            snap,
            ids: FxHashSet::default(),
            after_break,
            suppressed: 0,
        });
    }

    fn header(&mut self, no: u64, h: &Header<'_>) {
        self.first_header.get_or_insert(no);
        self.finish_goroutine(false);
        if self.total >= self.opts.max_samples {
            self.warn_always(format!(
                "line {no}: stopped after {} goroutines (the --max-samples limit); the rest of the input was not read",
                self.opts.max_samples
            ));
            self.stopped = true;
            return;
        }
        let split = match &self.dump {
            None => true,
            Some(d) => {
                !d.snap.samples.is_empty() && (self.broken || (h.id != 0 && d.ids.contains(&h.id)))
            }
        };
        if split {
            let after_break = self.broken && self.dump.is_some();
            self.finish_dump();
            self.start_dump(after_break);
        }
        self.broken = false;
        self.after_blank = false;

        let st = parse_status(h.status);
        let labels = match h.labels {
            None => Vec::new(),
            Some(l) => match parse_labels(l) {
                Some(v) => v,
                None => {
                    self.warn(format!("line {no}: unreadable goroutine labels ignored"));
                    Vec::new()
                }
            },
        };
        let time_nanos = if self.prefix.shape == Shape::Timestamp {
            parse_rfc3339_nanos(&self.prefix.last_time)
        } else {
            None
        };
        self.stack.clear();
        self.pend.active = false;
        self.g = Some(Gor {
            info: GoroutineInfo {
                id: h.id,
                state: st.state.to_string(),
                wait_minutes: st.minutes,
                parent_id: None,
                locked_to_thread: st.locked,
                leaked: st.leaked,
                frames_elided: false,
                stack_unavailable: false,
            },
            labels,
            phase: Phase::Frames,
            created_by: None,
            header_line: no,
            time_nanos,
            goexit: None,
            cut_deep: false,
        });
    }

    /// Ends the open goroutine, keeping it when it has a stack.
    fn finish_goroutine(&mut self, at_eof: bool) {
        let Some(mut g) = self.g.take() else { return };
        let last = self.last_line;
        let mut incomplete = false;
        if at_eof
            && self.pend.active
            && self.pend.weak
            && !self.last_newline
            && self.pend.name.contains(['.', '/'])
        {
            // A function line cut in the middle of its name.
            self.pend.weak = false;
        }
        if self.pend.active && !self.pend.weak {
            self.pend.active = false;
            incomplete = true;
            g.info.frames_elided = true;
            if !at_eof {
                let l = self.pend.line;
                self.warn(format!("line {l}: frame without a file line (dropped)"));
            }
        }
        self.pend.active = false;
        if g.phase == Phase::CreatedFile {
            incomplete = true;
            if let Some(d) = &mut self.dump {
                g.created_by = Some(d.snap.table.intern_frame(&self.created_name, "", 0));
            }
        }
        if at_eof && self.cut_tail && g.phase == Phase::Frames {
            incomplete = true;
            g.info.frames_elided = true;
        }
        let Some(d) = &mut self.dump else { return };
        if self.stack.is_empty() {
            if let Some((file, line)) = &g.goexit {
                let id = d.snap.table.intern_frame("runtime.goexit", file, *line);
                self.stack.push(id);
            }
        }
        if self.stack.is_empty() && !g.info.stack_unavailable {
            // A header with nothing after it at the end: the input was cut.
            let msg = if at_eof && (incomplete || g.phase == Phase::Frames) {
                format!("truncated at line {last}: last goroutine incomplete (goroutine {} dropped: no complete frame)", g.info.id)
            } else {
                format!(
                    "line {}: goroutine {} has no stack; skipped",
                    g.header_line, g.info.id
                )
            };
            if at_eof {
                self.warn_always(msg);
            } else {
                self.warn(msg);
            }
            return;
        }
        if incomplete {
            let msg = if at_eof {
                format!("truncated at line {last}: last goroutine incomplete")
            } else {
                format!(
                    "line {}: goroutine {} incomplete (created by without a file line)",
                    g.header_line, g.info.id
                )
            };
            if at_eof {
                self.warn_always(msg);
            } else {
                self.warn(msg);
            }
        }
        if g.cut_deep {
            self.warn(format!(
                "line {}: goroutine {} deeper than {} frames; cut",
                g.header_line, g.info.id, self.opts.max_frames
            ));
        }
        let Some(d) = &mut self.dump else { return };
        let op = normalize::blocking_op(Some(&g.info.state), &self.stack, &d.snap.table);
        if d.snap.time_nanos.is_none() {
            d.snap.time_nanos = g.time_nanos;
        }
        if g.info.id != 0 {
            d.ids.insert(g.info.id);
        }
        d.snap.samples.push(Sample {
            stack: self.stack.as_slice().into(),
            values: vec![1],
            labels: g.labels,
            op,
            created_by: g.created_by,
            goroutine: Some(Box::new(g.info)),
        });
        self.stack.clear();
        self.total += 1;
    }

    /// Ends the current snapshot.
    fn finish_dump(&mut self) {
        let Some(mut d) = self.dump.take() else {
            return;
        };
        if d.suppressed > 0 {
            d.snap
                .warnings
                .push(format!("{} more warnings not shown", d.suppressed));
        }
        if d.snap.samples.is_empty() {
            self.loose_warnings.append(&mut d.snap.warnings);
            return;
        }
        if d.after_break {
            if let Some(prev) = self.done.last_mut() {
                if is_crash_relay(&d.snap, &self.last_ids) {
                    merge_into(prev, d.snap);
                    return;
                }
            }
        }
        d.snap.index_in_source = self.done.len();
        self.last_ids = d.ids;
        self.done.push(d.snap);
    }

    fn finish(mut self) -> Result<Vec<Snapshot>, InputError> {
        self.finish_goroutine(true);
        if self.cut_lines > MAX_CUT_LINE_WARNINGS {
            let n = self.cut_lines - MAX_CUT_LINE_WARNINGS;
            self.warn_always(format!(
                "{n} more line{} longer than {} bytes cut",
                if n == 1 { "" } else { "s" },
                self.opts.max_line.max(1)
            ));
        }
        if let Some((first, n)) = self.bad_utf8 {
            self.warn_always(utf8_warning(first, n));
        }
        if let Some(msg) = self.read_error.take() {
            self.warn_always(msg);
        }
        self.finish_dump();
        if self.done.is_empty() {
            let lines = self.last_line;
            return Err(match self.first_header {
                None => InputError::new(format!(
                    "no goroutine dump found in {lines} line{} (not a Go profile or dump)",
                    if lines == 1 { "" } else { "s" }
                )),
                Some(l) => InputError::at_line(
                    l,
                    "goroutine headers found but no goroutine with a complete stack (truncated or mangled dump)",
                ),
            });
        }
        if !self.loose_warnings.is_empty() {
            if let Some(last) = self.done.last_mut() {
                last.warnings.append(&mut self.loose_warnings);
            }
        }
        Ok(self.done)
    }
}

/// The warning for lines that were not valid UTF-8.
pub(crate) fn utf8_warning(first: u64, lines: u64) -> String {
    let more = match lines {
        0 | 1 => String::new(),
        2 => " and 1 more line".to_string(),
        n => format!(" and {} more lines", n - 1),
    };
    format!("line {first}{more}: not valid UTF-8; the invalid bytes are shown as U+FFFD")
}

/// A GOTRACEBACK=crash section another thread printed after the dump: only
/// `goroutine 0` (an M's system stack) and running goroutines the dump
/// already listed.
fn is_crash_relay(snap: &Snapshot, prev_ids: &FxHashSet<u64>) -> bool {
    let mut g0 = false;
    for s in &snap.samples {
        let Some(g) = &s.goroutine else { return false };
        if g.id == 0 {
            g0 = true;
        } else if !(g.state == "running" && prev_ids.contains(&g.id)) {
            return false;
        }
    }
    g0
}

/// Moves the samples of `from` into `into`, re-interning their frames
/// (normalized names normalize to themselves).
fn merge_into(into: &mut Snapshot, from: Snapshot) {
    let Snapshot {
        table,
        samples,
        warnings,
        ..
    } = from;
    let remap = |into: &mut Snapshot, id: FrameId| {
        let f = table.frame(id);
        into.table.intern_frame(
            table.strings.get(f.function),
            table.strings.get(f.raw_file),
            f.line,
        )
    };
    for mut s in samples {
        let stack: Vec<FrameId> = s.stack.iter().map(|&id| remap(into, id)).collect();
        s.stack = stack.into_boxed_slice();
        s.created_by = s.created_by.map(|id| remap(into, id));
        into.samples.push(s);
    }
    into.warnings.extend(warnings);
}

// ---------------------------------------------------------------------------
// Line prefixes
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Shape {
    #[default]
    None,
    /// RFC 3339 / ISO timestamp (+ optional CRI `stdout F`), then a space.
    Timestamp,
    /// syslog / journald `Mon DD HH:MM:SS `.
    Syslog,
}

/// The prefix every line of a dump carries, detected from a header line.
#[derive(Debug, Clone, Default)]
struct Prefix {
    /// Fixed text before the timestamp (`kubectl logs --prefix`
    /// `[pod/p/c] `, `docker compose logs -t` `app-1  | `).
    lead: String,
    shape: Shape,
    /// Fixed text after the timestamp (journald `host unit[pid]:`,
    /// `app_1  |` …), without its trailing whitespace.
    literal: String,
    /// Markdown `>` quote levels.
    quotes: usize,
    /// Whitespace characters before the header.
    indent: usize,
    /// The header's timestamp text (for the snapshot time).
    last_time: String,
}

impl Prefix {
    fn detect(pre: &str) -> Prefix {
        // A timestamp at the start or after a space.
        let mut found = None;
        for k in std::iter::once(0).chain(pre.match_indices(' ').map(|(i, _)| i + 1)) {
            let at = &pre[k..];
            if let Some(r) = strip_timestamp(at) {
                found = Some((k, Shape::Timestamp, r, &at[..at.len() - r.len()]));
                break;
            }
            if let Some(r) = strip_syslog_time(at) {
                found = Some((k, Shape::Syslog, r, ""));
                break;
            }
        }
        let (lead, shape, rest, time) = match found {
            Some((k, shape, rest, time)) => (&pre[..k], shape, rest, time),
            None => ("", Shape::None, pre, ""),
        };
        let tail_len = rest.len() - rest.trim_end_matches([' ', '\t', '>']).len();
        let literal = &rest[..rest.len() - tail_len];
        let tail = &rest[rest.len() - tail_len..];
        let quotes = tail.matches('>').count();
        let after_quotes = match tail.rfind('>') {
            Some(i) => {
                let a = &tail[i + 1..];
                a.strip_prefix(' ').unwrap_or(a)
            }
            None => tail,
        };
        Prefix {
            lead: lead.to_string(),
            shape,
            literal: literal.to_string(),
            quotes,
            indent: after_quotes.len(),
            last_time: time.trim_end().to_string(),
        }
    }

    /// True when `pre` is the prefix this one was detected from (same
    /// shape; the timestamp is refreshed).
    fn same_as(&self, pre: &str) -> bool {
        if self.shape == Shape::None
            && self.lead.is_empty()
            && self.literal.is_empty()
            && self.quotes == 0
        {
            return pre.len() == self.indent && pre.bytes().all(|b| b == b' ' || b == b'\t');
        }
        false
    }

    /// No prefix at all: lines are read as they are.
    fn is_plain(&self) -> bool {
        self.shape == Shape::None
            && self.lead.is_empty()
            && self.literal.is_empty()
            && self.quotes == 0
            && self.indent == 0
    }

    /// The prefix names a source (journald unit, container, compose
    /// service), so lines without it come from elsewhere.
    fn is_source_tag(&self) -> bool {
        !self.lead.is_empty() || !self.literal.is_empty()
    }

    /// The line without this prefix; `None` when the line does not carry it.
    fn strip<'l>(&self, line: &'l str) -> Option<&'l str> {
        let mut s = line;
        if !self.lead.is_empty() {
            s = s.strip_prefix(self.lead.as_str())?;
        }
        match self.shape {
            Shape::None => {}
            Shape::Timestamp => s = strip_timestamp(s)?,
            Shape::Syslog => s = strip_syslog_time(s)?,
        }
        if !self.literal.is_empty() {
            match s.strip_prefix(self.literal.as_str()) {
                Some(r) => s = r,
                None => return None,
            }
        }
        for _ in 0..self.quotes {
            let r = s.trim_start_matches(' ');
            match r.strip_prefix('>') {
                Some(r) => s = r.strip_prefix(' ').unwrap_or(r),
                None if r.trim().is_empty() => return Some(""),
                None => return None,
            }
        }
        if self.indent > 0 {
            let n = s
                .bytes()
                .take(self.indent)
                .take_while(|&b| b == b' ' || b == b'\t')
                .count();
            s = &s[n..];
        }
        Some(s)
    }
}

fn all_digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

/// Strips `YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH:MM]` and the space after it
/// (CRI `stdout F ` too). Also `/` date separators. An empty remainder is
/// accepted (a blank log line carries only the timestamp).
fn strip_timestamp(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let sep = b[4];
    if !(all_digits(&b[0..4])
        && (sep == b'-' || sep == b'/')
        && all_digits(&b[5..7])
        && b[7] == sep
        && all_digits(&b[8..10])
        && (b[10] == b'T' || b[10] == b' ')
        && all_digits(&b[11..13])
        && b[13] == b':'
        && all_digits(&b[14..16])
        && b[16] == b':'
        && all_digits(&b[17..19]))
    {
        return None;
    }
    let mut i = 19;
    if i < b.len() && (b[i] == b'.' || b[i] == b',') {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        i += 1 + n;
    }
    if i < b.len() && b[i] == b'Z' {
        i += 1;
    } else if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        let z = &b[i + 1..];
        if z.len() >= 5 && all_digits(&z[0..2]) && z[2] == b':' && all_digits(&z[3..5]) {
            i += 6;
        } else if z.len() >= 4 && all_digits(&z[0..4]) {
            i += 5;
        } else {
            return None;
        }
    }
    if i == b.len() {
        return Some("");
    }
    if b[i] != b' ' {
        return None;
    }
    let rest = &s[i + 1..];
    // CRI log files: `<ts> stdout F <msg>`.
    for stream in ["stdout ", "stderr "] {
        if let Some(r) = rest.strip_prefix(stream) {
            let rb = r.as_bytes();
            if !rb.is_empty() && (rb[0] == b'F' || rb[0] == b'P') {
                if rb.len() == 1 {
                    return Some("");
                }
                if rb[1] == b' ' {
                    return Some(&r[2..]);
                }
            }
        }
    }
    Some(rest)
}

/// Strips a syslog/journald time `Mon DD HH:MM:SS[.frac] ` (`Jan  2` too).
fn strip_syslog_time(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    if b.len() < 15 || !b[0].is_ascii_uppercase() || !b[1].is_ascii_lowercase() {
        return None;
    }
    if !b[2].is_ascii_lowercase() || b[3] != b' ' {
        return None;
    }
    let mut i = 4;
    if b[i] == b' ' {
        i += 1;
    }
    let nd = b[i..]
        .iter()
        .take(2)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if nd == 0 {
        return None;
    }
    i += nd;
    if b.get(i) != Some(&b' ') {
        return None;
    }
    i += 1;
    let t = b.get(i..i + 8)?;
    if !(all_digits(&t[0..2])
        && t[2] == b':'
        && all_digits(&t[3..5])
        && t[5] == b':'
        && all_digits(&t[6..8]))
    {
        return None;
    }
    i += 8;
    if b.get(i) == Some(&b'.') {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += 1 + n;
    }
    if i == b.len() {
        return Some("");
    }
    if b[i] != b' ' {
        return None;
    }
    Some(&s[i + 1..])
}

/// Nanoseconds since the Unix epoch of an RFC 3339 timestamp with a zone.
fn parse_rfc3339_nanos(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || (b[10] != b'T' && b[10] != b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse::<i64>().ok() };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let mut nanos = 0i64;
    if b[i] == b'.' || b[i] == b',' {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        let frac = &s[i + 1..i + 1 + n];
        for (k, c) in frac.bytes().take(9).enumerate() {
            nanos += i64::from(c - b'0') * 10i64.pow(8 - k as u32);
        }
        i += 1 + n;
    }
    let offset = match b.get(i) {
        Some(b'Z') => 0,
        Some(&c) if c == b'+' || c == b'-' => {
            let z = s.get(i + 1..)?;
            let (zh, zm) = if z.len() >= 5 && z.as_bytes()[2] == b':' {
                (
                    z.get(0..2)?.parse::<i64>().ok()?,
                    z.get(3..5)?.parse::<i64>().ok()?,
                )
            } else {
                (
                    z.get(0..2)?.parse::<i64>().ok()?,
                    z.get(2..4)?.parse::<i64>().ok()?,
                )
            };
            let o = zh * 3600 + zm * 60;
            if c == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset;
    secs.checked_mul(1_000_000_000)?.checked_add(nanos)
}

// ---------------------------------------------------------------------------
// Line grammar
// ---------------------------------------------------------------------------

/// A `goroutine N [...]:` header.
#[derive(Debug, PartialEq, Eq)]
struct Header<'a> {
    id: u64,
    /// Inside the brackets: `chan receive, 5 minutes, locked to thread`.
    status: &'a str,
    /// Inside the label braces (Go 1.27 tracebacklabels).
    labels: Option<&'a str>,
}

/// The first goroutine header anywhere in the line, with its position.
fn find_header(line: &str) -> Option<(usize, Header<'_>)> {
    for pos in memmem::find_iter(line.as_bytes(), b"goroutine ") {
        if let Some(h) = parse_header(&line[pos..]) {
            return Some((pos, h));
        }
    }
    // uber-go/goleak reports (`found unexpected goroutines: [Goroutine 7 in
    // state select, with F on top of the stack: …]`), pasted from CI logs.
    for pos in memmem::find_iter(line.as_bytes(), b"Goroutine ") {
        if let Some(h) = parse_goleak_header(&line[pos..]) {
            return Some((pos, h));
        }
    }
    None
}

/// Parses goleak's `Goroutine N in state S, with F on top of the stack:`.
fn parse_goleak_header(s: &str) -> Option<Header<'_>> {
    let rest = s.strip_prefix("Goroutine ")?;
    let nd = rest.bytes().take_while(u8::is_ascii_digit).count();
    if nd == 0 || nd > 20 {
        return None;
    }
    let id = rest[..nd].parse::<u64>().ok()?;
    let rest = rest[nd..].strip_prefix(" in state ")?;
    let end = rest
        .strip_suffix(':')
        .or_else(|| rest.trim_end().strip_suffix(':'))?;
    let end = end.strip_suffix(" on top of the stack")?;
    let with = end.rfind(", with ")?;
    Some(Header {
        id,
        status: &end[..with],
        labels: None,
    })
}

/// Parses `goroutine N [status]:`, `goroutine N gp=0x… m=3 mp=0x… [status]:`
/// and `goroutine N [status] {k: v, …}:`; nothing but whitespace may follow.
fn parse_header(s: &str) -> Option<Header<'_>> {
    let rest = s.strip_prefix("goroutine ")?;
    let nd = rest.bytes().take_while(u8::is_ascii_digit).count();
    if nd == 0 || nd > 20 {
        return None;
    }
    let id = rest[..nd].parse::<u64>().ok()?;
    let mut rest = rest[nd..].strip_prefix(' ')?;
    // gp=0x… m=N|nil mp=0x… (GOTRACEBACK=system/crash, fatal errors).
    while !rest.starts_with('[') {
        let sp = memchr(b' ', rest.as_bytes())?;
        // Only `key=value` words before the status.
        memchr(b'=', &rest.as_bytes()[..sp])?;
        rest = &rest[sp + 1..];
    }
    let close = memchr(b']', rest.as_bytes())?;
    let status = &rest[1..close];
    let mut rest = rest[close + 1..].trim_start();
    let mut labels = None;
    if rest.starts_with('{') {
        let end = label_block_end(rest)?;
        labels = Some(&rest[1..end]);
        rest = rest[end + 1..].trim_start();
    }
    let rest = rest.strip_prefix(':')?;
    if !rest.trim().is_empty() {
        return None;
    }
    Some(Header { id, status, labels })
}

/// Index of the `}` closing the label block that starts `s`, skipping quoted
/// strings.
fn label_block_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 1;
    let mut in_quote = false;
    while i < b.len() {
        match b[i] {
            b'\\' if in_quote => i += 1,
            b'"' => in_quote = !in_quote,
            b'}' if !in_quote => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// What a header's status says.
#[derive(Debug, PartialEq, Eq)]
struct Status<'a> {
    state: &'a str,
    minutes: Option<u32>,
    locked: bool,
    leaked: bool,
}

/// Splits `chan receive (scan) (leaked), 5 minutes, locked to thread,
/// synctest bubble 3` into the bare wait reason and its flags.
fn parse_status(s: &str) -> Status<'_> {
    let mut parts = s.split(", ");
    let mut state = parts.next().unwrap_or("").trim();
    let mut leaked = false;
    loop {
        if let Some(r) = state.strip_suffix(" (leaked)") {
            leaked = true;
            state = r;
        } else if let Some(r) = state.strip_suffix(" (scan)") {
            state = r;
        } else if let Some(r) = state.strip_suffix(" (durable)") {
            state = r;
        } else {
            break;
        }
    }
    if state == "leaked" {
        leaked = true;
    }
    let mut minutes = None;
    let mut locked = false;
    for p in parts {
        let p = p.trim();
        if let Some(n) = p
            .strip_suffix(" minutes")
            .or_else(|| p.strip_suffix(" minute"))
        {
            if let Ok(n) = n.parse::<u32>() {
                minutes = Some(n);
            }
        } else if p == "locked to thread" {
            locked = true;
        }
        // `synctest bubble N`, `synctest group N` and anything newer: ignored.
    }
    Status {
        state,
        minutes,
        locked,
        leaked,
    }
}

/// Parses the inside of a label block: `k: v, "k 2": "v\"x"`.
fn parse_labels(s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        let (k, r) = label_token(rest, b':')?;
        let r = r.trim_start().strip_prefix(':')?.trim_start();
        let (v, r) = label_token(r, b',')?;
        out.push((k, v));
        rest = r.trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r.trim_start();
        } else if !rest.is_empty() {
            return None;
        }
    }
    Some(out)
}

/// A quoted (runtime `quoted`) or bare key/value, and the rest.
fn label_token(s: &str, delim: u8) -> Option<(String, &str)> {
    if let Some(q) = s.strip_prefix('"') {
        let b = q.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => return Some((unquote(&q[..i])?, &q[i + 1..])),
                _ => i += 1,
            }
        }
        return None;
    }
    let end = memchr(delim, s.as_bytes()).unwrap_or(s.len());
    Some((s[..end].trim().to_string(), &s[end..]))
}

/// Undoes the runtime's `printquoted` escapes: `\n \r \t \\ \" \xNN \uNNNN
/// \UNNNNNNNN`. `\xNN` stands for a byte that was not valid UTF-8.
fn unquote(s: &str) -> Option<String> {
    if !s.contains('\\') {
        return Some(s.to_string());
    }
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let c = *b.get(i + 1)?;
        i += 2;
        match c {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'\\' => out.push(b'\\'),
            b'"' => out.push(b'"'),
            b'x' | b'u' | b'U' => {
                let n = match c {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let hex = s.get(i..i + n)?;
                let v = u32::from_str_radix(hex, 16).ok()?;
                i += n;
                if c == b'x' {
                    out.push(v as u8);
                } else {
                    let ch = char::from_u32(v).unwrap_or('\u{fffd}');
                    let mut tmp = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                }
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// `...N frames elided...` (Go 1.21+) or `...additional frames elided...`.
fn is_elided(t: &str) -> bool {
    t.starts_with("...") && t.ends_with("...") && t.contains("frames elided")
}

/// The function name of a frame's function line `pkg.F(args)`, `pkg.(*T).M(...)`,
/// `F[...](0x0?, {0x1, ...})`, `stopm()`. A line cut at `max_line` needs no
/// closing parenthesis.
fn parse_func_line(t: &str, cut: bool) -> Option<&str> {
    let b = t.as_bytes();
    if !cut && b.last() != Some(&b')') {
        return None;
    }
    // The argument list opens at the first `(` not preceded by `.` (which
    // opens a receiver such as `.(*T)`).
    let mut from = 0;
    let open = loop {
        let j = memchr(b'(', &b[from..])? + from;
        if j > 0 && b[j - 1] != b'.' {
            break j;
        }
        from = j + 1;
    };
    let name = &t[..open];
    if !valid_func_name(name) {
        return None;
    }
    Some(name)
}

/// A function name: no whitespace except inside `{…}` (`interface {}`,
/// `struct { … }` in generated names).
fn valid_func_name(name: &str) -> bool {
    let b = name.as_bytes();
    if b.is_empty() || matches!(b[0], b'(' | b'[' | b'{' | b'#' | b'*' | b'-' | b'>') {
        return false;
    }
    if memchr2(b' ', b'\t', b).is_none() {
        // Nothing below can reject a name without blanks.
        return true;
    }
    let mut depth = 0i32;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'{' => depth += 1,
            b'}' => depth -= 1,
            b' ' | b'\t' if depth <= 0 && b.get(i + 1) != Some(&b'{') => return false,
            b':' if b.get(i + 1) == Some(&b' ') => return false,
            _ => {}
        }
    }
    true
}

/// A bare symbol (cgo symbolizer frame), e.g. `_cgo_topofstack` or
/// `main.cfunc`.
fn is_symbol_only(t: &str) -> bool {
    !t.is_empty()
        && t.len() < 512
        && t.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'/' | b'$' | b'@'))
}

/// A frame's file line (without its indentation).
#[derive(Debug, PartialEq, Eq)]
struct FileLine<'a> {
    path: &'a str,
    line: u32,
    /// `file:line pc=0x…` as the cgo symbolizer prints it.
    pc_only: bool,
    /// Length of the `path:line` text at the start of the line.
    key_len: usize,
}

/// Parses `/path/file.go:123`, `… +0x1d`, `… +0x1d fp=0x… sp=0x… pc=0x…`,
/// `C:/Program Files/…:1`, `<autogenerated>:1`, `file.c:438`.
fn parse_file_line(body: &str) -> Option<FileLine<'_>> {
    let mut s = body;
    let mut pc_only = false;
    let b = body.as_bytes();
    // ` +0x1d` is the last `+` of the line (`fp=`/`sp=`/`pc=` have none).
    match memrchr(b'+', b) {
        Some(i) if i > 0 && b[i - 1] == b' ' && b[i + 1..].starts_with(b"0x") => {
            s = &body[..i - 1];
        }
        _ => {
            if memchr(b'=', b).is_some() {
                if let Some(i) = memmem::find(b, b" fp=0x") {
                    s = &body[..i];
                } else if let Some(i) = memmem::find(b, b" pc=0x") {
                    s = &body[..i];
                    pc_only = true;
                }
            }
        }
    }
    let s = match s.as_bytes().last() {
        Some(c) if c.is_ascii_graphic() => s,
        _ => s.trim_end(),
    };
    let colon = memrchr(b':', s.as_bytes())?;
    let num = &s.as_bytes()[colon + 1..];
    if num.is_empty() || num.len() > 10 {
        return None;
    }
    let mut line = 0u64;
    for &c in num {
        if !c.is_ascii_digit() {
            return None;
        }
        line = line * 10 + u64::from(c - b'0');
    }
    let line = u32::try_from(line).ok()?;
    let path = &s[..colon];
    if path.is_empty() {
        return None;
    }
    // A space in a path only together with a directory separator
    // (`C:/Program Files/…`); otherwise this is prose like `at 12:30`.
    let pb = path.as_bytes();
    if memchr(b' ', pb).is_some() && memchr2(b'/', b'\\', pb).is_none() {
        return None;
    }
    Some(FileLine {
        path,
        line,
        pc_only,
        key_len: s.len(),
    })
}

/// A file line that lost its indentation must look like a source path.
fn looks_like_path(p: &str) -> bool {
    p.contains('/')
        || p.contains('\\')
        || p.starts_with('<')
        || [".go", ".s", ".c", ".goc", ".h"]
            .iter()
            .any(|e| p.ends_with(e))
}

/// A line that starts another program state: it ends the open goroutine even
/// without a blank line before it.
fn is_break_marker(t: &str) -> bool {
    if t.starts_with("panic: ")
        || t.starts_with("fatal error: ")
        || t.starts_with("unexpected fault address")
        || t.starts_with("[signal ")
        || t.starts_with("goroutine profile: total")
        || t.starts_with("-----")
    {
        return true;
    }
    // SIGQUIT: quit, SIGSEGV: segmentation violation, SIGABRT: abort …
    let b = t.as_bytes();
    if b.len() > 4 && t.starts_with("SIG") {
        let n = b[3..].iter().take_while(|c| c.is_ascii_uppercase()).count();
        return n > 0 && b.get(3 + n) == Some(&b':');
    }
    false
}

/// The last line of a truncated input, cut in the middle of a frame line.
fn looks_like_cut_frame(t: &str) -> bool {
    let first = t.split([' ', '\t']).next().unwrap_or("");
    !first.is_empty() && first.contains(['(', '.', '/', ':'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BlockingOp;

    fn load_str(s: &str) -> Result<Vec<Snapshot>, InputError> {
        load_opts(s, &LoadOptions::default())
    }

    fn load_opts(s: &str, opts: &LoadOptions) -> Result<Vec<Snapshot>, InputError> {
        let mut r = io::BufReader::new(s.as_bytes());
        load(&mut r, "t.txt", opts)
    }

    fn one(s: &str) -> Snapshot {
        let mut v = load_str(s).unwrap();
        assert_eq!(v.len(), 1, "snapshots: {v:?}");
        v.remove(0)
    }

    fn info(s: &Sample) -> &GoroutineInfo {
        s.goroutine.as_deref().unwrap()
    }

    fn funcs(snap: &Snapshot, i: usize) -> Vec<&str> {
        snap.samples[i]
            .stack
            .iter()
            .map(|&id| snap.table.function(id))
            .collect()
    }

    const BASIC: &str = "goroutine 1 [running]:
main.main()
\t/src/app/main.go:10 +0x1d

goroutine 7 [chan receive, 5 minutes]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
\t/usr/local/go/src/runtime/proc.go:398 +0xce
runtime.chanrecv(0xc000012345, 0x0, 0x1)
\t/usr/local/go/src/runtime/chan.go:583 +0x3cd
runtime.chanrecv1(0x0?, 0x0?)
\t/usr/local/go/src/runtime/chan.go:442 +0x12
main.worker(...)
\t/src/app/main.go:22
main.start.func1({0x1, 0x2}, _, ...)
\t/src/app/main.go:30 +0x25
runtime.goexit({})
\t/usr/local/go/src/runtime/asm_amd64.s:1650 +0x1
created by main.start in goroutine 1
\t/src/app/main.go:28 +0x66
";

    #[test]
    fn basic_dump() {
        let s = one(BASIC);
        assert_eq!(s.format, Format::Debug2);
        assert_eq!(s.kind, ProfileKind::Goroutine);
        assert_eq!(s.sample_types, vec![ValueType::new("goroutine", "count")]);
        assert_eq!(s.samples.len(), 2);
        assert_eq!(s.goroutine_count(), 2);
        let g = info(&s.samples[1]);
        assert_eq!(g.id, 7);
        assert_eq!(g.state, "chan receive");
        assert_eq!(g.wait_minutes, Some(5));
        assert_eq!(g.parent_id, Some(1));
        assert!(!g.frames_elided);
        assert_eq!(
            funcs(&s, 1),
            vec![
                "runtime.gopark",
                "runtime.chanrecv",
                "runtime.chanrecv1",
                "main.worker",
                "main.start.func1"
            ]
        );
        assert_eq!(s.samples[1].op, BlockingOp::ChanReceive);
        assert_eq!(s.samples[1].values, vec![1]);
        let cb = s.samples[1].created_by.unwrap();
        assert_eq!(s.table.function(cb), "main.start");
        assert_eq!(s.table.frame(cb).line, 28);
        assert_eq!(s.table.frame(s.samples[1].stack[3]).line, 22);
        assert_eq!(s.samples[0].op, BlockingOp::Running);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn goleak_reports() {
        let text = "found unexpected goroutines:\n[Goroutine 708 in state select, with net/http.(*persistConn).writeLoop on top of the stack:\nnet/http.(*persistConn).writeLoop(0xc0020ff8c0)\n\t/usr/local/go/src/net/http/transport.go:2421 +0xe5\ncreated by net/http.(*Transport).dialConn in goroutine 703\n\t/usr/local/go/src/net/http/transport.go:1777 +0x16f1\n Goroutine 9 in state chan receive, 3 minutes, with main.f on top of the stack:\nmain.f()\n\t/src/a/main.go:9 +0x1\n]\n";
        let snap = one(text);
        assert_eq!(snap.samples.len(), 2);
        assert_eq!(info(&snap.samples[0]).id, 708);
        assert_eq!(info(&snap.samples[0]).state, "select");
        assert_eq!(info(&snap.samples[0]).parent_id, Some(703));
        assert_eq!(info(&snap.samples[1]).state, "chan receive");
        assert_eq!(info(&snap.samples[1]).wait_minutes, Some(3));
    }

    #[test]
    fn header_variants() {
        /// line, id, state, minutes, locked, leaked
        type Case<'a> = (&'a str, u64, &'a str, Option<u32>, bool, bool);
        let cases: &[Case] = &[
            ("goroutine 5 [select]:", 5, "select", None, false, false),
            (
                "goroutine 5 [select, locked to thread]:",
                5,
                "select",
                None,
                true,
                false,
            ),
            (
                "goroutine 5 [chan receive, 5 minutes, locked to thread]:",
                5,
                "chan receive",
                Some(5),
                true,
                false,
            ),
            (
                "goroutine 5 [chan send (leaked)]:",
                5,
                "chan send",
                None,
                false,
                true,
            ),
            (
                "goroutine 5 [chan receive (scan)]:",
                5,
                "chan receive",
                None,
                false,
                false,
            ),
            (
                "goroutine 5 [chan receive (durable), 3 minutes, synctest bubble 4]:",
                5,
                "chan receive",
                Some(3),
                false,
                false,
            ),
            (
                "goroutine 5 [sleep, synctest group 6]:",
                5,
                "sleep",
                None,
                false,
                false,
            ),
            (
                "goroutine 5 [chan receive (nil chan)]:",
                5,
                "chan receive (nil chan)",
                None,
                false,
                false,
            ),
            (
                "goroutine 5 [select (no cases)]:",
                5,
                "select (no cases)",
                None,
                false,
                false,
            ),
            (
                "goroutine 5 [sync.WaitGroup.Wait, 2 minutes]:",
                5,
                "sync.WaitGroup.Wait",
                Some(2),
                false,
                false,
            ),
            (
                "goroutine 5 gp=0xc000002380 m=nil [chan receive]:",
                5,
                "chan receive",
                None,
                false,
                false,
            ),
            (
                "goroutine 0 gp=0x60b99a0 m=3 mp=0x60ba880 [idle]:",
                0,
                "idle",
                None,
                false,
                false,
            ),
            ("goroutine 0 [idle]:", 0, "idle", None, false, false),
            (
                "goroutine 9 [force gc (idle), 3 minutes]:",
                9,
                "force gc (idle)",
                Some(3),
                false,
                false,
            ),
        ];
        for &(line, id, state, minutes, locked, leaked) in cases {
            let h = parse_header(line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(h.id, id, "{line}");
            let st = parse_status(h.status);
            assert_eq!(st.state, state, "{line}");
            assert_eq!(st.minutes, minutes, "{line}");
            assert_eq!(st.locked, locked, "{line}");
            assert_eq!(st.leaked, leaked, "{line}");
        }
        for bad in [
            "goroutine 5 [running]: extra",
            "goroutine x [running]:",
            "goroutine 5",
            "created by main.f in goroutine 5",
            "goroutine 5 in state select:",
        ] {
            assert_eq!(parse_header(bad), None, "{bad}");
        }
    }

    #[test]
    fn leaked_goroutines() {
        let s = one("goroutine 12 [chan send (leaked)]:
main.leak()
\t/src/a.go:3 +0x1
created by main.main in goroutine 1
\t/src/a.go:9 +0x2
");
        let g = info(&s.samples[0]);
        assert!(g.leaked);
        assert_eq!(g.state, "chan send");
        assert_eq!(s.samples[0].op, BlockingOp::ChanSend);
    }

    #[test]
    fn labels() {
        let s = one("goroutine 11 [chan receive]{handler: \"/api\", tenant: 1}:
main.h()
\t/src/a.go:3 +0x1

goroutine 12 [select] {\"key with space\": \"v,\\\"q\\\"}\\n\\x80\\u00e9\", path: /x/y}:
main.h()
\t/src/a.go:3 +0x1
");
        assert_eq!(
            s.samples[0].labels,
            vec![
                ("handler".to_string(), "/api".to_string()),
                ("tenant".to_string(), "1".to_string())
            ]
        );
        assert_eq!(
            s.samples[1].labels,
            vec![
                (
                    "key with space".to_string(),
                    "v,\"q\"}\n\u{fffd}é".to_string()
                ),
                ("path".to_string(), "/x/y".to_string())
            ]
        );
        assert_eq!(info(&s.samples[1]).state, "select");
    }

    #[test]
    fn function_lines() {
        let ok: &[(&str, &str)] = &[
            ("main.main()", "main.main"),
            ("main.(*T).run(0xc000010000, {0x1, 0x2})", "main.(*T).run"),
            ("main.(*T).run(...)", "main.(*T).run"),
            ("main.Map[...](0x0?, {0x1, ...}, _)", "main.Map[...]"),
            ("main.(*List[...]).Push(0x1)", "main.(*List[...]).Push"),
            ("main.main.func1.gowrap2()", "main.main.func1.gowrap2"),
            ("main.func·002()", "main.func·002"),
            ("stopm()", "stopm"),
            ("panic(0x792640, 0xc8200fc000)", "panic"),
            ("type..eq.[2]interface {}(0x1)", "type..eq.[2]interface {}"),
            ("runtime.goexit({})", "runtime.goexit"),
        ];
        for &(line, name) in ok {
            assert_eq!(parse_func_line(line, false), Some(name), "{line}");
        }
        for bad in [
            "## mainSrv.wait()",
            "Start crawl (now)",
            "fatal error: x(y)",
            "exit status 2",
            "main.main",
        ] {
            assert_eq!(parse_func_line(bad, false), None, "{bad}");
        }
        assert_eq!(parse_func_line("main.f(0x1, 0x2, 0x", true), Some("main.f"));
    }

    #[test]
    fn file_lines() {
        let ok: &[(&str, &str, u32)] = &[
            ("/src/a.go:12 +0x1d", "/src/a.go", 12),
            ("/src/a.go:12", "/src/a.go", 12),
            (
                "/usr/local/go/src/runtime/proc.go:435 +0xce fp=0xc000111998 sp=0xc000111978 pc=0x5dea76e",
                "/usr/local/go/src/runtime/proc.go",
                435,
            ),
            (
                "C:/Program Files/Go/src/runtime/pprof/pprof.go:756 +0x6b",
                "C:/Program Files/Go/src/runtime/pprof/pprof.go",
                756,
            ),
            ("<autogenerated>:1", "<autogenerated>", 1),
            ("/go/src/pkg/runtime/proc.c:1313", "/go/src/pkg/runtime/proc.c", 1313),
            ("_testmain.go:82 +0x2fd", "_testmain.go", 82),
        ];
        for &(line, path, n) in ok {
            let fl = parse_file_line(line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!((fl.path, fl.line), (path, n), "{line}");
        }
        assert!(parse_file_line("/x/cgo.c:10 pc=0x4f0a1").unwrap().pc_only);
        for bad in [
            "panic: boom",
            "TestServerPublish (3m0s)",
            "/opt/hostedtoolcache/go/1.20.6/x64/src/inter",
            "z_last_test.go:97: Test appears to have leaked",
            "at 12:30",
        ] {
            assert_eq!(parse_file_line(bad), None, "{bad}");
        }
    }

    #[test]
    fn old_created_by_and_c_frames() {
        let s = one("goroutine 2 [runnable]:
runtime.MHeap_Scavenger()
\t/Users/rsc/g/go/src/pkg/runtime/mheap.c:438
runtime.goexit()
\t/Users/rsc/g/go/src/pkg/runtime/proc.c:1313
created by runtime.main
\t/Users/rsc/g/go/src/pkg/runtime/proc.c:165

goroutine 3 [runnable]:
main.func·002()
\t/Users/rsc/g/go/test/fixedbugs/issue5963.go:22
created by main.init·1
\t/Users/rsc/g/go/test/fixedbugs/issue5963.go:24 +0xb9
exit status 2
");
        assert_eq!(s.samples.len(), 2);
        assert_eq!(funcs(&s, 0), vec!["runtime.MHeap_Scavenger"]);
        assert_eq!(info(&s.samples[0]).parent_id, None);
        assert_eq!(funcs(&s, 1), vec!["main.func.002"]);
        let cb = s.samples[1].created_by.unwrap();
        assert_eq!(s.table.function(cb), "main.init.1");
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn goexit_only_stack_is_kept() {
        let s = one("goroutine 17 [syscall, locked to thread]:
runtime.goexit()
\t/usr/local/go/src/runtime/asm_amd64.s:1998 +0x1
");
        assert_eq!(funcs(&s, 0), vec!["runtime.goexit"]);
        assert_eq!(s.samples[0].op, BlockingOp::Syscall);
        assert!(info(&s.samples[0]).locked_to_thread);
    }

    #[test]
    fn elided_frames() {
        let s = one("goroutine 1 [running]:
main.f(0x1)
\t/src/a.go:3 +0x1
...10 frames elided...
main.main()
\t/src/a.go:9 +0x2

goroutine 2 [chan receive]:
main.g()
\t/src/a.go:3 +0x1
...additional frames elided...
created by main.main
\t/src/a.go:9 +0x2
");
        assert!(info(&s.samples[0]).frames_elided);
        assert_eq!(funcs(&s, 0), vec!["main.f", "main.main"]);
        assert!(info(&s.samples[1]).frames_elided);
        assert!(s.samples[1].created_by.is_some());
    }

    #[test]
    fn stack_unavailable() {
        let s = one("goroutine 1 [running]:
main.main()
\t/src/a.go:9 +0x2

goroutine 5 [running]:
\tgoroutine running on other thread; stack unavailable
created by main.main in goroutine 1
\t/src/a.go:7 +0x2
");
        assert_eq!(s.samples.len(), 2);
        let g = info(&s.samples[1]);
        assert!(g.stack_unavailable);
        assert!(s.samples[1].stack.is_empty());
        assert_eq!(g.parent_id, Some(1));
        assert_eq!(s.samples[1].op, BlockingOp::Running);
    }

    #[test]
    fn ancestors_are_skipped() {
        let s = one("goroutine 25 [chan receive]:
main.bar(0x140000a4060, 0x0)
\t/src/a.go:57 +0x11c
created by main.d1
\t/src/a.go:69 +0x34
[originating from goroutine 24]:
main.d1(...)
\t/src/a.go:70 +0x34
...additional frames elided...
created by main.d1
\t/src/a.go:69 +0x34
[originating from goroutine 1]:
main.main(...)
\t/src/a.go:14 +0x13

goroutine 1 [running]:
main.main()
\t/src/a.go:24 +0xb8
");
        assert_eq!(s.samples.len(), 2);
        assert_eq!(funcs(&s, 0), vec!["main.bar"]);
        let g = info(&s.samples[0]);
        assert_eq!(g.parent_id, Some(24));
        assert!(!g.frames_elided);
    }

    #[test]
    fn nil_chan_and_no_cases() {
        let s = one("goroutine 3 [chan receive (nil chan)]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
\t/go/src/runtime/proc.go:398 +0xce
runtime.chanrecv(0x0, 0x0, 0x1)
\t/go/src/runtime/chan.go:501 +0x1
main.a()
\t/src/a.go:3 +0x1

goroutine 4 [select (no cases)]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
\t/go/src/runtime/proc.go:398 +0xce
runtime.block()
\t/go/src/runtime/select.go:103 +0x1
main.b()
\t/src/a.go:5 +0x1
");
        assert_eq!(info(&s.samples[0]).state, "chan receive (nil chan)");
        assert_eq!(s.samples[0].op, BlockingOp::NilChan);
        assert_eq!(info(&s.samples[1]).state, "select (no cases)");
        assert_eq!(s.samples[1].op, BlockingOp::SelectNoCases);
    }

    #[test]
    fn embedded_in_log_with_two_dumps() {
        let v = load_str(
            "=== RUN   TestX
some log line
panic: boom

goroutine 1 [running]:
main.main()
\t/src/a.go:9 +0x2
exit status 2
$ ./app again
SIGQUIT: quit
PC=0x46fd81 m=0 sigcode=0

goroutine 0 [idle]:
runtime.futex()
\t/go/src/runtime/sys_linux_amd64.s:557 +0x21

goroutine 1 [select]:
main.main()
\t/src/a.go:12 +0x2

rax    0x0
rbx    0x1
exit status 2
",
        )
        .unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].index_in_source, 0);
        assert_eq!(v[1].index_in_source, 1);
        assert_eq!(v[0].samples.len(), 1);
        assert_eq!(v[1].samples.len(), 2);
        assert_eq!(v[1].name(), "t.txt#2");
    }

    #[test]
    fn text_after_a_complete_goroutine_ends_the_dump() {
        let v = load_str(
            "goroutine 5 [select]:
main.f()
\t/a.go:2 +0x1
created by main.main in goroutine 1
\t/a.go:9 +0x1
exit status 2
$ ./app
goroutine 7 [select]:
main.f()
\t/a.go:2 +0x1
PASS",
        )
        .unwrap();
        assert_eq!(v.len(), 2);
        assert!(v[1].warnings.is_empty(), "{:?}", v[1].warnings);
    }

    #[test]
    fn duplicate_ids_start_a_new_dump() {
        let d = "goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n\ngoroutine 2 [select]:\nmain.f()\n\t/a.go:2 +0x1\n\n";
        let v = load_str(&format!("{d}{d}")).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].samples.len(), 2);
    }

    #[test]
    fn pprof_writer_starts_a_new_dump() {
        let d = "goroutine 35 [running]:
runtime/pprof.writeGoroutineStacks({0x1, 0x2})
\t/go/src/runtime/pprof/pprof.go:703 +0x6a
main.main()
\t/a.go:1 +0x1

goroutine 2 [select]:
main.f()
\t/a.go:2 +0x1

";
        let second = d.replace("goroutine 35", "goroutine 36");
        let v = load_str(&format!("{d}{second}")).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].samples.len(), 2);
        assert_eq!(info(&v[1].samples[0]).id, 36);
    }

    #[test]
    fn crash_relay_sections_are_merged() {
        let v = load_str(
            "SIGQUIT: quit
PC=0x1 m=0 sigcode=0

goroutine 0 gp=0x1 m=0 mp=0x2 [idle]:
runtime.futex()
\t/go/src/runtime/sys_linux_amd64.s:557 +0x21 fp=0x1 sp=0x2 pc=0x3

goroutine 1 gp=0xc1 m=nil [chan receive]:
main.main()
\t/a.go:1 +0x1 fp=0x1 sp=0x2 pc=0x3

goroutine 5 gp=0xc2 m=2 mp=0xc3 [running]:
\tgoroutine running on other thread; stack unavailable

rax    0x0
SIGQUIT: quit
PC=0x2 m=2 sigcode=0

goroutine 0 gp=0x5 m=2 mp=0x6 [idle]:
runtime.futex()
\t/go/src/runtime/sys_linux_amd64.s:557 +0x21 fp=0x1 sp=0x2 pc=0x3
goroutine 5 gp=0xc2 m=2 mp=0xc3 [running]:
main.spin()
\t/a.go:7 +0x1 fp=0x1 sp=0x2 pc=0x3
rax    0x0
",
        )
        .unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].samples.len(), 5);
        assert_eq!(funcs(&v[0], 4), vec!["main.spin"]);
    }

    #[test]
    fn prefixes() {
        let cases = [
            (
                "cri",
                "2024-05-01T10:00:00.123456789Z goroutine 1 [running]:
2024-05-01T10:00:00.123456789Z main.main()
2024-05-01T10:00:00.123456789Z \t/src/a.go:9 +0x2
2024-05-01T10:00:00.12345678Z
2024-05-01T10:00:00.12345678Z goroutine 2 [select]:
2024-05-01T10:00:00.12345678Z main.f()
2024-05-01T10:00:00.12345678Z \t/src/a.go:3 +0x2
",
            ),
            (
                "cri-file",
                "2024-05-01T10:00:00.1+02:00 stderr F goroutine 1 [running]:
2024-05-01T10:00:00.1+02:00 stderr F main.main()
2024-05-01T10:00:00.1+02:00 stderr F \t/src/a.go:9 +0x2
2024-05-01T10:00:00.1+02:00 stderr F
2024-05-01T10:00:00.1+02:00 stderr F goroutine 2 [select]:
2024-05-01T10:00:00.1+02:00 stderr F main.f()
2024-05-01T10:00:00.1+02:00 stderr F \t/src/a.go:3 +0x2
",
            ),
            (
                "journald",
                "May 01 10:00:00 host app[123]: goroutine 1 [running]:
May 01 10:00:00 host app[123]: main.main()
May 01 10:00:00 host app[123]: \t/src/a.go:9 +0x2
May 01 10:00:00 host app[123]:
May 01 10:00:01 host app[123]: goroutine 2 [select]:
May 01 10:00:01 host app[123]: main.f()
May 01 10:00:01 host other[9]: unrelated line
May 01 10:00:01 host app[123]: \t/src/a.go:3 +0x2
",
            ),
            (
                "actions",
                "2024-01-01T00:00:00.0000000Z goroutine 1 [running]:
2024-01-01T00:00:00.0000000Z main.main()
2024-01-01T00:00:00.0000000Z \t/src/a.go:9 +0x2
2024-01-01T00:00:00.0000000Z 
2024-01-01T00:00:00.0000000Z goroutine 2 [select]:
2024-01-01T00:00:00.0000000Z main.f()
2024-01-01T00:00:00.0000000Z \t/src/a.go:3 +0x2
",
            ),
            (
                "markdown-indent",
                "Here is the dump:

    goroutine 1 [running]:
    main.main()
        /src/a.go:9 +0x2

    goroutine 2 [select]:
    main.f()
    \t/src/a.go:3 +0x2

Thanks.
",
            ),
            (
                "quote",
                "> goroutine 1 [running]:
> main.main()
> \t/src/a.go:9 +0x2
>
> goroutine 2 [select]:
> main.f()
> \t/src/a.go:3 +0x2
",
            ),
            (
                "compose",
                "app_1  | goroutine 1 [running]:
app_1  | main.main()
app_1  | \t/src/a.go:9 +0x2
app_1  |
app_1  | goroutine 2 [select]:
app_1  | main.f()
app_1  | \t/src/a.go:3 +0x2
",
            ),
            (
                "kubectl-prefix",
                "[pod/app-7d9/app] 2024-05-01T10:00:00.1Z goroutine 1 [running]:
[pod/app-7d9/app] 2024-05-01T10:00:00.1Z main.main()
[pod/app-7d9/app] 2024-05-01T10:00:00.2Z \t/src/a.go:9 +0x2
[pod/app-7d9/sidecar] 2024-05-01T10:00:00.2Z main.g()
[pod/app-7d9/app] 2024-05-01T10:00:00.3Z
[pod/app-7d9/app] 2024-05-01T10:00:00.3Z goroutine 2 [select]:
[pod/app-7d9/app] 2024-05-01T10:00:00.4Z main.f()
[pod/app-7d9/sidecar] 2024-05-01T10:00:00.4Z \t/src/b.go:7 +0x2
[pod/app-7d9/app] 2024-05-01T10:00:00.5Z \t/src/a.go:3 +0x2
",
            ),
            (
                "compose-timestamps",
                "app-1  | 2024-05-01T10:00:00.100000000Z goroutine 1 [running]:
app-1  | 2024-05-01T10:00:00.100000000Z main.main()
app-1  | 2024-05-01T10:00:00.100000000Z \t/src/a.go:9 +0x2
app-1  | 2024-05-01T10:00:00.100000000Z
app-1  | 2024-05-01T10:00:00.100000000Z goroutine 2 [select]:
app-1  | 2024-05-01T10:00:00.100000000Z main.f()
app-1  | 2024-05-01T10:00:00.100000000Z \t/src/a.go:3 +0x2
",
            ),
            (
                "crlf",
                "goroutine 1 [running]:\r\nmain.main()\r\n\t/src/a.go:9 +0x2\r\n\r\ngoroutine 2 [select]:\r\nmain.f()\r\n\t/src/a.go:3 +0x2\r\n",
            ),
            (
                "spaces-instead-of-tab",
                "goroutine 1 [running]:
main.main()
        /src/a.go:9 +0x2

goroutine 2 [select]:
main.f()
    /src/a.go:3 +0x2
",
            ),
        ];
        for (name, text) in cases {
            let v = load_str(text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(v.len(), 1, "{name}");
            let s = &v[0];
            assert_eq!(s.samples.len(), 2, "{name}: {:?}", s.samples);
            assert_eq!(funcs(s, 0), vec!["main.main"], "{name}");
            assert_eq!(funcs(s, 1), vec!["main.f"], "{name}");
            assert_eq!(s.table.file(s.samples[1].stack[0]), "a.go", "{name}");
            assert_eq!(s.table.frame(s.samples[1].stack[0]).line, 3, "{name}");
            assert!(s.warnings.is_empty(), "{name}: {:?}", s.warnings);
        }
    }

    #[test]
    fn interleaved_sources_do_not_split_a_dump() {
        let s = one("app-1  | goroutine 1 [running]:
app-1  | main.main()
app-1  | \t/src/a.go:9 +0x2
app-1  |
db-1   | LOG:  checkpoint starting: time
app-1  | goroutine 2 [select]:
app-1  | main.f()
db-1   | LOG:  checkpoint complete
app-1  | \t/src/a.go:3 +0x2
");
        assert_eq!(s.samples.len(), 2);
        assert_eq!(funcs(&s, 1), vec!["main.f"]);
        let v = load_str(
            "Mar 05 14:02:11 h app[1]: goroutine 1 [running]:
Mar 05 14:02:11 h app[1]: main.main()
Mar 05 14:02:11 h app[1]: \t/src/a.go:9 +0x2
Mar 05 14:02:11 h app[1]:
Mar 05 14:02:11 h kernel: oom-kill: constraint=CONSTRAINT_NONE
Mar 05 14:02:11 h app[1]: goroutine 2 [select]:
Mar 05 14:02:11 h app[1]: main.f()
Mar 05 14:02:11 h app[1]: \t/src/a.go:3 +0x2
",
        )
        .unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].samples.len(), 2);
    }

    #[test]
    fn timestamp_sets_snapshot_time() {
        let s = one("2021-07-19T13:56:01.5Z goroutine 1 [running]:
2021-07-19T13:56:01.5Z main.main()
2021-07-19T13:56:01.5Z \t/src/a.go:9 +0x2
");
        assert_eq!(s.time_nanos, Some(1_626_702_961_500_000_000));
        assert_eq!(parse_rfc3339_nanos("1970-01-01T01:00:00+01:00"), Some(0));
    }

    #[test]
    fn truncated_mid_frame() {
        let s = one("goroutine 1 [running]:
main.main()
\t/src/a.go:9 +0x2

goroutine 2 [IO wait]:
internal/poll.runtime_pollWait(0x7f, 0x72)
\t/go/src/runtime/netpoll.go:306 +0x89
internal/poll.(*pollDesc).waitRead(...)
\t/go/src/inter");
        assert_eq!(s.samples.len(), 2);
        let g = info(&s.samples[1]);
        assert!(g.frames_elided);
        assert_eq!(funcs(&s, 1), vec!["internal/poll.runtime_pollWait"]);
        assert!(
            s.warnings
                .iter()
                .any(|w| w.starts_with("truncated at line 9: last goroutine incomplete")),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn truncated_in_function_line() {
        let s = one("goroutine 1 [running]:
main.main()
\t/src/a.go:9 +0x2
net/http.(*conn).se");
        assert_eq!(funcs(&s, 0), vec!["main.main"]);
        assert!(info(&s.samples[0]).frames_elided);
        assert!(
            s.warnings[0].starts_with("truncated at line 4"),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn truncated_in_created_by() {
        let s = one("    goroutine 1324 [IO wait, 24 minutes]:
    net.runtime_pollWait(0x7f90b25ee738, 0x72, 0xc823f60000)
        /usr/local/go/src/runtime/netpoll.go:160 +0x60
    created by net/http.(*Transport).dial");
        let g = info(&s.samples[0]);
        assert_eq!(g.id, 1324);
        assert!(!g.frames_elided);
        let cb = s.samples[0].created_by.unwrap();
        assert_eq!(s.table.function(cb), "net/http.(*Transport).dial");
        assert!(s.warnings[0].starts_with("truncated at line 4"));
    }

    #[test]
    fn truncated_without_complete_frame_is_dropped() {
        let s = one("goroutine 1 [running]:
main.main()
\t/src/a.go:9 +0x2

goroutine 2 [select]:
main.f(0x1,");
        assert_eq!(s.samples.len(), 1);
        assert!(
            s.warnings[0].starts_with("truncated at line 6"),
            "{:?}",
            s.warnings
        );
        let s =
            one("goroutine 1 [running]:\nmain.main()\n\t/a.go:9 +0x2\n\ngoroutine 2 [select]:\n");
        assert_eq!(s.samples.len(), 1);
        assert!(
            s.warnings[0].starts_with("truncated at line 5"),
            "{:?}",
            s.warnings
        );
        let err = load_str("goroutine 2 [select]:\nmain.f()\n").unwrap_err();
        assert_eq!(err.position, Some(crate::error::Position::Line(1)));
    }

    #[test]
    fn no_dump() {
        let err = load_str("hello\nworld\n").unwrap_err();
        assert_eq!(
            err.message,
            "no goroutine dump found in 2 lines (not a Go profile or dump)"
        );
    }

    #[test]
    fn invalid_utf8_and_nul() {
        let mut data =
            b"goroutine 1 [running]:\nmain.\xff\xfeweird(0x0)\n\t/src/\x00a.go:9 +0x2\n".to_vec();
        data.extend_from_slice(b"\xc3\n\x00\x00\x00\n");
        let mut r = io::BufReader::new(&data[..]);
        let v = load(&mut r, "u", &LoadOptions::default()).unwrap();
        assert_eq!(v[0].samples.len(), 1);
        assert_eq!(funcs(&v[0], 0), vec!["main.\u{fffd}\u{fffd}weird"]);
        assert_eq!(
            v[0].warnings,
            ["line 2 and 1 more line: not valid UTF-8; the invalid bytes are shown as U+FFFD"]
        );
    }

    #[test]
    fn floods_of_warnings_do_not_hide_the_truncation() {
        let mut text = String::new();
        for i in 1..=80 {
            // A function line without its file line, then a line too long.
            text.push_str(&format!(
                "goroutine {i} [select]:\nmain.lost()\nmain.f()\n\t/src/a.go:1 +0x1\n{}\n\n",
                "x".repeat(300)
            ));
        }
        text.push_str("goroutine 999 [select]:\nmain.cut(");
        let opts = LoadOptions {
            max_line: 200,
            ..Default::default()
        };
        let v = load_opts(&text, &opts).unwrap();
        let w = &v[0].warnings;
        assert_eq!(v[0].samples.len(), 80);
        assert_eq!(
            w.iter().filter(|w| w.contains("line was skipped")).count(),
            3,
            "{w:?}"
        );
        assert!(
            w.iter().any(|w| w.contains("more warnings not shown")),
            "{w:?}"
        );
        assert!(
            w.contains(&"77 more lines longer than 200 bytes cut".to_string()),
            "{w:?}"
        );
        assert!(
            w.iter()
                .any(|w| w.starts_with("truncated at line 482: last goroutine incomplete")),
            "{w:?}"
        );
    }

    #[test]
    fn nul_runs_are_blank() {
        // copytruncate: NULs up to the old offset, then the new text.
        let mut data = vec![0u8; 300];
        data.extend_from_slice(b"goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n");
        data.extend_from_slice(&[0; 50]);
        data.extend_from_slice(b"\ngoroutine 2 [select]:\nmain.f()\n\t/a.go:2 +0x1\n\0\0\0");
        let mut r = io::BufReader::new(&data[..]);
        let v = load(&mut r, "n", &LoadOptions::default()).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].samples.len(), 2);
        assert!(v[0].warnings.is_empty(), "{:?}", v[0].warnings);
    }

    #[test]
    fn limits() {
        let mut text = String::new();
        for i in 1..=10 {
            text.push_str(&format!("goroutine {i} [select]:\n"));
            for d in 0..5 {
                text.push_str(&format!("main.f{d}()\n\t/src/a.go:{d} +0x1\n"));
            }
            text.push('\n');
        }
        let opts = LoadOptions {
            max_samples: 4,
            max_frames: 3,
            ..Default::default()
        };
        let v = load_opts(&text, &opts).unwrap();
        assert_eq!(v[0].samples.len(), 4);
        assert_eq!(v[0].samples[0].stack.len(), 3);
        assert!(info(&v[0].samples[0]).frames_elided);
        assert!(v[0].warnings.iter().any(|w| w.contains("stopped after 4")));
        // Exactly at the limit: no warning.
        let opts = LoadOptions {
            max_samples: 10,
            ..Default::default()
        };
        let v = load_opts(&text, &opts).unwrap();
        assert_eq!(v[0].samples.len(), 10);
        assert!(v[0].warnings.is_empty(), "{:?}", v[0].warnings);
    }

    #[test]
    fn long_lines_are_cut() {
        let args = "0x1, ".repeat(1000);
        let long_path = "/very".repeat(1000);
        let text = format!(
            "goroutine 1 [running]:\nmain.long({args}0x2)\n\t/src/a.go:9 +0x2\nmain.g()\n\t{long_path}/b.go:3 +0x1\nmain.h()\n\t/src/a.go:12 +0x2\n"
        );
        let opts = LoadOptions {
            max_line: 256,
            ..Default::default()
        };
        let s = &load_opts(&text, &opts).unwrap()[0];
        assert_eq!(funcs(s, 0), vec!["main.long", "main.h"]);
        assert!(info(&s.samples[0]).frames_elided);
        assert_eq!(
            s.warnings,
            [
                "line 2: longer than 256 bytes; the rest of the line was skipped (raise --max-line)",
                "line 5: longer than 256 bytes; the rest of the line was skipped (raise --max-line)",
                "line 4: frame without a file line (dropped)",
            ]
        );
        // Long log lines outside the dump are not worth a warning.
        let text = format!(
            "{}\ngoroutine 1 [running]:\nmain.f()\n\t/a.go:1\n",
            "x".repeat(1000)
        );
        let s = &load_opts(&text, &opts).unwrap()[0];
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn annotations_and_runtime_notes_inside_goroutines() {
        let s = one("goroutine 0 [idle]:
runtime.park_m(0xc000083380?)
        /usr/lib/go/src/runtime/proc.go:3745 +0x11f fp=0x7fff8e724320 sp=0x7fff8e7242d8 pc=0x44527f
traceback: unexpected SPWRITE function runtime.mcall
runtime.mcall()
        /usr/lib/go/src/runtime/asm_amd64.s:458 +0x4e fp=0x7fff8e724338 sp=0x7fff8e724320 pc=0x46bfce

goroutine 1 [semacquire, 3 minutes]:
## mainSrv.wait()
runtime.gopark(0x46c032?, 0xc0005b2e60?, 0xa0?, 0x42?, 0xc0005b2e40?)
        /usr/lib/go/src/runtime/proc.go:398 +0xce fp=0xc0005b2e20 sp=0xc0005b2e00 pc=0x43e8ae
sync.(*WaitGroup).Wait(0xc0000b4180?)
        /usr/lib/go/src/sync/waitgroup.go:116 +0x48 fp=0xc0005b2ee8 sp=0xc0005b2ec0 pc=0x4893a8
main.main()
        /home/ide/server.go:449 +0x24c fp=0xc0005b2f40 sp=0xc0005b2ee8 pc=0x68836c
");
        assert_eq!(funcs(&s, 0), vec!["runtime.park_m", "runtime.mcall"]);
        assert_eq!(
            funcs(&s, 1),
            vec!["runtime.gopark", "sync.(*WaitGroup).Wait", "main.main"]
        );
        assert_eq!(s.samples[1].op, BlockingOp::WaitGroup);
    }

    #[test]
    fn blank_lines_inside_frames_and_prose_after() {
        let s = one("fatal error: concurrent map writes

goroutine 508 [running]:
main.a({0xc000f52000?, 0xc001367050?})

\t/home/ben/a.go:694 +0x20a
main.b()
\t/home/ben/b.go:9 +0x1

This was only triggered after opening 100s of records.
main.zap
\t/home/ben/zap.go:1
other.Func(0x1)
\t/home/ben/zap.go:2
");
        assert_eq!(s.samples.len(), 1);
        assert_eq!(funcs(&s, 0), vec!["main.a", "main.b"]);
    }

    #[test]
    fn cgo_symbolizer_frames() {
        let s = one("goroutine 1 [syscall]:
cfunc_sleep
\t/src/c.c:10 pc=0x4f0a1
main._Cfunc_sleep(0x1)
\t_cgo_gotypes.go:56 +0x45
");
        assert_eq!(funcs(&s, 0), vec!["cfunc_sleep", "main._Cfunc_sleep"]);
    }

    /// A reader that fails after its data, like a truncated gzip stream.
    struct Failing<'a>(&'a [u8], io::ErrorKind);

    impl io::Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::new(self.1, "boom"));
            }
            let n = self.0.len().min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn read_errors() {
        let data = b"goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n\ngoroutine 2 [sel";
        let mut r = io::BufReader::new(Failing(data, io::ErrorKind::UnexpectedEof));
        let v = load(&mut r, "x.gz", &LoadOptions::default()).unwrap();
        assert_eq!(v[0].samples.len(), 1);
        assert!(
            v[0].warnings
                .iter()
                .any(|w| w.contains("truncated gzip stream")),
            "{:?}",
            v[0].warnings
        );

        let mut r = io::BufReader::new(Failing(b"hello\n", io::ErrorKind::UnexpectedEof));
        let e = load(&mut r, "x.gz", &LoadOptions::default()).unwrap_err();
        assert_eq!(e.position, Some(crate::error::Position::Line(2)));
        assert!(e.message.contains("truncated gzip"), "{e:?}");

        struct Limit<'a>(&'a [u8]);
        impl io::Read for Limit<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Err(io::Error::other(LimitExceeded(10)));
                }
                let n = self.0.len().min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut r = io::BufReader::new(Limit(data));
        let e = load(&mut r, "x.gz", &LoadOptions::default()).unwrap_err();
        assert!(e.message.contains("exceeds the limit"), "{e:?}");
    }
}
