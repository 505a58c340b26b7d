//! The sequential debug=2 parser: a state machine fed one line at a time
//! ([`Parser::line`]), reading each line with the grammar of `grammar.rs`,
//! that builds the snapshots. The block-parallel path (`blocks.rs`) drives
//! the same parser and changes its state through the same methods.

use super::grammar::*;
use crate::error::InputError;
use crate::load::{gzip_message, LimitExceeded, LoadOptions};
use crate::model::normalize;
use crate::model::{
    CallWords, Format, FrameId, GoroutineInfo, ProfileKind, Sample, Snapshot, ValueType,
};
use memchr::{memchr, memchr2, memmem};
use rustc_hash::FxHashSet;
use std::borrow::Cow;
use std::io::{self, BufRead};
use std::sync::Arc;

/// The function of the goroutine that writes a debug=2 profile: always
/// first, so it starts a new profile.
pub(super) const WRITER: &str = "runtime/pprof.writeGoroutineStacks";
/// The function that writes a goroutineleak profile; at debug=2 it calls
/// [`WRITER`] (Go 1.26 and later, `runtime/pprof/pprof.go`).
const LEAK_WRITER: &str = "runtime/pprof.writeGoroutineLeak";
/// Every goroutine's bottom frame, kept only as a stack's only frame.
pub(super) const GOEXIT: &str = "runtime.goexit";

/// Warnings kept per snapshot; the rest are counted.
pub(super) const MAX_WARNINGS: usize = 50;
/// Cut lines named one by one; the rest are counted.
pub(super) const MAX_CUT_LINE_WARNINGS: u64 = 3;

/// Feeds every line of `lines` to the parser, to the end of the input, a
/// stop, or a read error (kept as a warning when goroutines were read).
pub(super) fn read_lines(p: &mut Parser<'_>, lines: &mut LineReader<'_>) -> Result<(), InputError> {
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
pub(super) struct LineReader<'r> {
    pub(super) r: &'r mut dyn BufRead,
    pub(super) buf: Vec<u8>,
    pub(super) max: usize,
    /// 1-based number of the line in `buf`.
    pub(super) line_no: u64,
    /// The line was longer than `max` and was cut.
    pub(super) cut: bool,
    /// The line ended with `\n` (only the last line of an input may not).
    pub(super) newline: bool,
}

impl<'r> LineReader<'r> {
    pub(super) fn new(r: &'r mut dyn BufRead, max: usize) -> Self {
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
    pub(super) fn next_line(&mut self) -> io::Result<bool> {
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
pub(super) enum Phase {
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
pub(super) struct Gor {
    pub(super) info: GoroutineInfo,
    pub(super) labels: Vec<(String, String)>,
    pub(super) phase: Phase,
    pub(super) created_by: Option<FrameId>,
    pub(super) header_line: u64,
    pub(super) time_nanos: Option<i64>,
    /// `runtime.goexit` was seen; kept only when it is the only frame.
    pub(super) goexit: Option<(String, u32)>,
    /// A frame was dropped because the stack hit `max_frames`.
    pub(super) cut_deep: bool,
    /// The objects its frames showed so far (with the words only).
    pub(super) objects: ObjectsSeen,
}

/// The function line of a frame whose file line has not been read yet.
#[derive(Default)]
pub(super) struct Pending {
    pub(super) active: bool,
    /// A line without an argument list (cgo symbolizer output): becomes a
    /// frame only if a `file:line pc=0x…` line follows.
    pub(super) weak: bool,
    pub(super) name: String,
    pub(super) line: u64,
    /// The words of its argument list, when it adds to the goroutine's
    /// [`CallWords`] (see [`frame_args`]).
    pub(super) args: Option<CallWords>,
    /// The goroutine's [`ObjectsSeen`] with this frame taken (as its
    /// entry frame, until another follows), when its words are recorded.
    pub(super) objects: Option<ObjectsSeen>,
}

/// A snapshot being filled.
pub(super) struct Dump {
    pub(super) snap: Snapshot,
    pub(super) ids: FxHashSet<u64>,
    /// The distinct stacks of its goroutines, shared by the samples.
    pub(super) stacks: FxHashSet<Arc<[FrameId]>>,
    /// Started after non-dump text (a candidate crash-relay section).
    pub(super) after_break: bool,
    pub(super) suppressed: usize,
}

pub(super) struct Parser<'a> {
    pub(super) source: &'a str,
    pub(super) opts: &'a LoadOptions,
    pub(super) done: Vec<Snapshot>,
    /// Goroutine ids of the last finished snapshot.
    pub(super) last_ids: FxHashSet<u64>,
    pub(super) dump: Option<Dump>,
    pub(super) g: Option<Gor>,
    pub(super) stack: Vec<FrameId>,
    pub(super) pend: Pending,
    pub(super) created_name: String,
    pub(super) prefix: Prefix,
    pub(super) first_header: Option<u64>,
    /// Non-dump text since the last goroutine of the current dump.
    pub(super) broken: bool,
    /// The last crash line (see [`crash_line`]) since a dump began: the
    /// next dump is what the crash printed.
    pub(super) crash: Option<String>,
    /// A blank line since the last dump line of the open goroutine.
    pub(super) after_blank: bool,
    /// The last line (without newline) looked like a cut frame line.
    pub(super) cut_tail: bool,
    pub(super) total: usize,
    pub(super) stopped: bool,
    pub(super) last_line: u64,
    pub(super) last_newline: bool,
    pub(super) loose_warnings: Vec<String>,
    pub(super) read_error: Option<String>,
    /// Counts the snapshots started, so that frame ids cached for the
    /// current one are known to be stale.
    pub(super) dump_gen: u64,
    /// The stack of the open goroutine as already interned, when the block
    /// path knows it (a repeat of a stack earlier in the block): the
    /// goroutine then takes it without looking its frames up again.
    pub(super) stack_hint: Option<Arc<[FrameId]>>,
    /// Lines that were not valid UTF-8: the first one and how many.
    pub(super) bad_utf8: Option<(u64, u64)>,
    /// Lines cut at `max_line` that were warned about or counted.
    pub(super) cut_lines: u64,
    /// The line of the last header glued to other text, while its
    /// goroutine has no frame yet: the prefix of the lines that follow is
    /// found from them (see [`Parser::redetect_prefix`]).
    pub(super) glued: Option<String>,
    /// The width of a console capture padded with spaces, once proved.
    pub(super) console: Console,
    /// A row as wide as the console, waiting for the row that continues it
    /// (line number, text without the `\r`).
    pub(super) held: Option<(u64, String)>,
    /// A skipped line inside a goroutine that may be the head of a frame
    /// line the console wrapped.
    pub(super) junk: Option<Junk>,
}

/// Detects the fixed width of a console capture from its padding: rows
/// that end in spaces, all of one width (at least 40 columns).
#[derive(Default)]
pub(super) struct Console {
    candidate: usize,
    seen: u8,
    /// 0 while unknown.
    pub(super) width: usize,
}

impl Console {
    fn observe(&mut self, cols: usize) {
        if cols < 40 {
            return;
        }
        if cols == self.candidate {
            self.seen = self.seen.saturating_add(1);
            if self.seen >= 3 {
                self.width = cols;
            }
        } else {
            self.candidate = cols;
            self.seen = 1;
        }
    }
}

/// A skipped line that may be the first part of a wrapped frame line.
pub(super) struct Junk {
    no: u64,
    text: String,
    /// Indented: the head of a file line; else of a function line.
    indented: bool,
}

impl<'a> Parser<'a> {
    pub(super) fn new(source: &'a str, opts: &'a LoadOptions) -> Self {
        Parser {
            source,
            opts,
            done: Vec::new(),
            last_ids: FxHashSet::default(),
            dump: None,
            g: None,
            stack: Vec::with_capacity(64),
            stack_hint: None,
            pend: Pending::default(),
            created_name: String::new(),
            prefix: Prefix::default(),
            first_header: None,
            broken: false,
            crash: None,
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
            glued: None,
            console: Console::default(),
            held: None,
            junk: None,
        }
    }

    /// A read error after line `line - 1`: an error when nothing was read,
    /// else a warning, and reading stops.
    pub(super) fn read_failed(&mut self, line: u64, e: &io::Error) -> Result<(), InputError> {
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
    pub(super) fn goroutines_read(&self) -> usize {
        self.total + usize::from(self.g.is_some() && (!self.stack.is_empty() || self.pend.active))
    }

    /// A warning that is shown even past [`MAX_WARNINGS`]: where the input
    /// ends early, stops being read, or is not what it seemed.
    pub(super) fn warn_always(&mut self, msg: String) {
        match &mut self.dump {
            Some(d) => d.snap.warnings.push(msg),
            None => self.loose_warnings.push(msg),
        }
    }

    pub(super) fn warn(&mut self, msg: String) {
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
    pub(super) fn line(&mut self, no: u64, raw: &[u8], cut: bool, newline: bool) -> bool {
        let padded = matches!(raw, [.., b' '] | [.., b' ', b'\r']);
        if padded || self.held.is_some() || self.console.width > 0 {
            return self.console_line(no, raw, cut, newline);
        }
        self.one_line(no, raw, cut, newline)
    }

    /// A row of a console capture: once the console's width is known from
    /// its padding, a row as wide as the console is held until the next row
    /// shows whether it continues it (the two read as one frame line).
    fn console_line(&mut self, no: u64, raw: &[u8], cut: bool, newline: bool) -> bool {
        let row = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = std::str::from_utf8(row).ok();
        let cols = text.map(|t| t.chars().count());
        if let (Some(t), Some(n)) = (text, cols) {
            if t.ends_with(' ') {
                self.console.observe(n);
            }
        }
        // Every row of a padded capture is as wide as the console; one
        // whose text reaches the last column (or the one before, when the
        // row was cut at a blank) may continue on the next one.
        let full_row = |p: &Parser<'_>| {
            let w = p.console.width;
            w > 0
                && newline
                && !cut
                && cols == Some(w)
                && text.is_some_and(|t| t.trim_end().chars().count() + 1 >= w)
        };
        if let Some((hno, mut held)) = self.held.take() {
            match text {
                Some(t) if self.continues(&held, t.trim_end()) => {
                    held.push_str(t.trim_end());
                    if full_row(self) {
                        self.held = Some((hno, held));
                        return true;
                    }
                    let go_on = self.one_line(hno, held.as_bytes(), false, newline);
                    self.last_line = no;
                    return go_on;
                }
                // A line wrapped over three rows or more: the middle rows
                // only extend the head of a frame line.
                Some(t) if full_row(self) && self.extends(&held, t) => {
                    held.push_str(t);
                    self.held = Some((hno, held));
                    return true;
                }
                _ => {
                    if !self.one_line(hno, held.as_bytes(), false, true) {
                        return false;
                    }
                }
            }
        }
        if full_row(self) {
            if let Some(t) = text {
                self.held = Some((no, t.to_string()));
                return true;
            }
        }
        self.one_line(no, raw, cut, newline)
    }

    /// Whether `cont` continues the wrapped row `held`: together they are
    /// one well-formed dump line, and `held` and `cont` are not both dump
    /// lines on their own.
    fn continues(&self, held: &str, cont: &str) -> bool {
        if cont.is_empty() {
            return false;
        }
        let joined = format!("{held}{cont}");
        if !self.well_formed(&joined) {
            return false;
        }
        !(self.is_dump_line(held) && self.is_dump_line(cont))
    }

    /// Whether the full row `cont` extends `held`, the head of a function
    /// or file line that neither completes: neither is a dump line alone,
    /// and together they still start like one.
    fn extends(&self, held: &str, cont: &str) -> bool {
        if held.len() + cont.len() > self.opts.max_line.max(1)
            || self.is_dump_line(held)
            || self.is_dump_line(cont)
        {
            return false;
        }
        let joined = format!("{held}{cont}");
        let (body, indented) = self.body_of(&joined);
        if indented {
            return body.contains(['/', '\\']) && parse_file_line(body).is_none();
        }
        let name_end = body.find('(').unwrap_or(0);
        name_end > 0
            && body.as_bytes()[0].is_ascii_alphanumeric()
            && body[..name_end].contains('.')
            && !body[..name_end].contains([' ', '\t'])
    }

    /// `line` without the current prefix and trailing blanks, and whether
    /// it is indented.
    fn body_of<'s>(&self, line: &'s str) -> (&'s str, bool) {
        let s = self.prefix.strip(line).unwrap_or(line).trim_end();
        let indented = s.starts_with([' ', '\t']);
        (s.trim_start(), indented)
    }

    /// A header, function, file or `created by` line, however it ends.
    fn is_dump_line(&self, line: &str) -> bool {
        let (body, indented) = self.body_of(line);
        if body.is_empty() {
            return false;
        }
        if indented {
            return parse_file_line(body).is_some() || parse_header(body).is_some();
        }
        parse_header(body).is_some()
            || body.starts_with("created by ")
            || parse_func_line(body, false).is_some()
    }

    /// A dump line whole to its last character: a header, a function line,
    /// a file line ending in its offset or frame registers, a `created by`
    /// naming one function.
    fn well_formed(&self, line: &str) -> bool {
        let (body, indented) = self.body_of(line);
        if body.is_empty() {
            return false;
        }
        if parse_header(body).is_some() {
            return true;
        }
        if indented {
            return parse_file_line(body).is_some_and(|fl| {
                body[fl.key_len..]
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .all(|w| {
                        let hex = w
                            .strip_prefix("+0x")
                            .or_else(|| w.strip_prefix("fp=0x"))
                            .or_else(|| w.strip_prefix("sp=0x"))
                            .or_else(|| w.strip_prefix("pc=0x"));
                        hex.is_some_and(|h| {
                            !h.is_empty() && h.bytes().all(|c| c.is_ascii_hexdigit())
                        })
                    })
            });
        }
        if let Some(rest) = body.strip_prefix("created by ") {
            let (name, parent) = split_created_by(rest);
            return valid_func_name(name.trim())
                && !name.trim().contains(' ')
                && (parent.is_some() || !rest.contains(" in goroutine"));
        }
        parse_func_line(body, false).is_some()
    }

    /// One logical line.
    fn one_line(&mut self, no: u64, raw: &[u8], cut: bool, newline: bool) -> bool {
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

    /// Line `no` starts (ending with a newline or not).
    #[inline]
    pub(super) fn begin_line(&mut self, no: u64, newline: bool) {
        self.last_line = no;
        self.last_newline = newline;
        self.cut_tail = false;
    }

    pub(super) fn line_inner(&mut self, no: u64, raw: &[u8], cut: bool, newline: bool) -> bool {
        self.begin_line(no, newline);
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

        if let Some(j) = self.junk.take() {
            if self.join_junk(&j, full) {
                return !self.stopped;
            }
            self.junk_dropped(&j);
        }

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
            if !pre.is_empty() {
                self.glued = Some(full.to_string());
            }
            return !self.stopped;
        }
        if self.glued.is_some() && self.fresh_goroutine() {
            if let Some(k) = self.redetect_prefix(full) {
                self.prefix = Prefix::detect(&full[..k]);
                self.glued = None;
                if self.dump_line(no, full, &full[k..], cut) {
                    return !self.stopped;
                }
            }
        }
        if stripped.is_none() && self.prefix.is_source_tag() {
            // A line of another unit, container or service interleaved with
            // the dump: neither part of it nor the end of it.
            return true;
        }
        self.foreign(no, stripped.unwrap_or(full), newline);
        !self.stopped
    }

    /// The open goroutine has read no frame yet.
    fn fresh_goroutine(&self) -> bool {
        self.g.as_ref().is_some_and(|g| g.phase == Phase::Frames)
            && self.stack.is_empty()
            && !self.pend.active
    }

    /// A header glued to other text (`…dumping stacksgoroutine 1 [running]:`,
    /// `… index out of range [3] with length 3: goroutine 12 [running]:`)
    /// leaves the prefix of the lines that follow unknown: it is what comes
    /// before a function or `created by` line in `line`, when the header's
    /// line starts with the same prefix. Returns its length.
    fn redetect_prefix(&self, line: &str) -> Option<usize> {
        let header = self.glued.as_deref()?;
        let b = line.as_bytes();
        let mut k = 0;
        while k < b.len() && k <= 512 {
            let rest = line[k..].trim_end();
            // A function line, gc's or gccgo's (a bare name with a dot).
            let func = parse_func_line(rest, false).is_some()
                || (is_symbol_only(rest) && rest.contains('.'));
            if func || rest.starts_with("created by ") {
                let p = Prefix::detect(&line[..k]);
                if p.strip(header).is_some() {
                    return Some(k);
                }
            }
            // The start of the next word.
            k += memchr2(b' ', b'\t', &b[k..])?;
            while k < b.len() && (b[k] == b' ' || b[k] == b'\t') {
                k += 1;
            }
        }
        None
    }

    /// Joins a skipped line (the head of a frame line a console wrapped)
    /// with `line`, its continuation, when together they read as the frame
    /// line the goroutine expects. Returns true when they did.
    fn join_junk(&mut self, j: &Junk, line: &str) -> bool {
        let cont = line.trim_end();
        let phase = match &self.g {
            Some(g) => g.phase,
            None => return false,
        };
        if cont.is_empty() {
            return false;
        }
        let joined = format!("{}{cont}", j.text);
        if j.indented {
            let Some(fl) = parse_file_line(joined.trim()) else {
                return false;
            };
            if !looks_like_path(fl.path) {
                return false;
            }
            match phase {
                Phase::Frames if self.pend.active && !self.pend.weak => {
                    self.complete_frame(fl.path, fl.line, fl.offset);
                }
                Phase::CreatedFile => self.complete_created(fl.path, fl.line),
                _ => return false,
            }
            self.after_blank = false;
            return true;
        }
        match parse_func_line(&joined, false) {
            Some(name) if phase == Phase::Frames => {
                self.function(j.no, name, &joined.as_bytes()[name.len()..], false);
                self.after_blank = false;
                true
            }
            _ => false,
        }
    }

    /// A skipped function line head that nothing continued: its frame is
    /// lost.
    fn junk_dropped(&mut self, j: &Junk) {
        if !j.indented {
            if let Some(g) = &mut self.g {
                g.info.frames_elided = true;
            }
            self.warn(format!(
                "line {}: frame line cut or mangled (dropped)",
                j.no
            ));
        }
    }

    /// Keeps a line skipped inside a goroutine when it may be the head of a
    /// wrapped frame line: a function line without its closing parenthesis,
    /// or an indented line where a file line is expected that is not one.
    fn keep_junk(&mut self, no: u64, t: &str) {
        let Some(g) = &self.g else { return };
        let indented = t.starts_with([' ', '\t']);
        let body = t.trim();
        let head = if indented {
            ((g.phase == Phase::Frames && self.pend.active && !self.pend.weak)
                || g.phase == Phase::CreatedFile)
                && body.contains(['/', '\\', ':'])
        } else {
            let name_end = body.find('(').unwrap_or(0);
            g.phase == Phase::Frames
                && name_end > 0
                && !body.ends_with(')')
                && body.as_bytes()[0].is_ascii_alphanumeric()
                && body[..name_end].contains('.')
                && !body[..name_end].contains([' ', '\t'])
        };
        if head && body.len() <= 4096 {
            self.junk = Some(Junk {
                no,
                text: t.trim_end().to_string(),
                indented,
            });
        }
    }

    pub(super) fn set_prefix(&mut self, pre: &str) {
        if !self.prefix.same_as(pre) {
            self.prefix = Prefix::detect(pre);
        }
    }

    /// A line after the prefix was stripped. Returns true when it is part of
    /// the dump grammar (and was handled).
    pub(super) fn dump_line(&mut self, no: u64, full: &str, s: &str, cut: bool) -> bool {
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
    pub(super) fn indented_line(&mut self, body: &str) -> bool {
        let phase = self.g.as_ref().map(|g| g.phase).unwrap_or(Phase::Done);
        if let Some(fl) = parse_file_line(body) {
            match phase {
                Phase::Frames => {
                    if self.pend.active {
                        if self.pend.weak && !fl.pc_only {
                            // gccgo prints `name` then `\tfile:line`.
                            if looks_like_path(fl.path) {
                                self.mark_gccgo();
                                if let Some(name) = gccgo_decode(&self.pend.name) {
                                    self.pend.name = name;
                                }
                                self.complete_frame(fl.path, fl.line, fl.offset);
                            } else {
                                self.pend.active = false;
                            }
                        } else {
                            self.complete_frame(fl.path, fl.line, fl.offset);
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
        if self.stack_unavailable_note(body) {
            return true;
        }
        false
    }

    /// `goroutine running on other thread; stack unavailable`, or libgo's
    /// `goroutine in C code; stack unavailable`.
    fn stack_unavailable_note(&mut self, t: &str) -> bool {
        let c_code = t.starts_with("goroutine in C code");
        if !c_code && !t.starts_with("goroutine running on other thread") {
            return false;
        }
        if let Some(g) = &mut self.g {
            g.info.stack_unavailable = true;
        }
        if c_code {
            self.mark_gccgo();
        }
        true
    }

    /// The dump is a gccgo (libgo) traceback.
    fn mark_gccgo(&mut self) {
        if let Some(d) = &mut self.dump {
            d.snap.gccgo = true;
        }
    }

    /// An unindented line inside a goroutine.
    pub(super) fn plain_line(&mut self, no: u64, t: &str, cut: bool) -> bool {
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
            let (name, parent) = split_created_by(rest);
            self.created_name.clear();
            self.created_name.push_str(name.trim());
            if let Some(g) = &mut self.g {
                g.phase = Phase::CreatedFile;
            }
            self.set_parent(parent);
            return true;
        }
        if is_elided(t) {
            self.elided();
            return true;
        }
        if self.stack_unavailable_note(t) {
            return true;
        }
        if let Some(name) = parse_func_line(t, cut) {
            if phase == Phase::Frames {
                self.function(no, name, &t.as_bytes()[name.len()..], false);
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
                        self.complete_frame(fl.path, fl.line, fl.offset);
                    }
                    return true;
                }
            }
        }
        if phase == Phase::Frames && !self.after_blank && !self.pend.active && is_symbol_only(t) {
            // Possibly a cgo symbolizer frame: `name` then `\tfile:line pc=0x…`.
            self.function(no, t, b"", true);
            return true;
        }
        false
    }

    /// A function line (`args`: from its argument list on): the frame
    /// waits for its file line.
    pub(super) fn function(&mut self, no: u64, name: &str, args: &[u8], weak: bool) {
        self.drop_pending();
        self.frame_start(!weak && name == WRITER);
        self.pend.active = true;
        self.pend.weak = weak;
        self.pend.line = no;
        self.pend.name.clear();
        self.pend.name.push_str(name);
        let call = self.g.as_ref().and_then(|g| g.info.call.as_deref());
        self.pend.objects = self.g.as_ref().filter(|_| call.is_some()).map(|g| {
            let mut o = g.objects;
            o.frame(name.as_bytes(), args);
            o.entry_frame(name.as_bytes(), args);
            o
        });
        self.pend.args = call.and_then(|call| frame_args(call, name.as_bytes(), args));
    }

    /// A function line never got its file line.
    pub(super) fn drop_pending(&mut self) {
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

    /// A frame's function line: the debug=2 writer (`writer`) at the top
    /// of a stack starts a new profile, as it always comes first. Shared
    /// with the block-parallel path, as are [`Parser::frame_fits`],
    /// [`Parser::created`], [`Parser::set_parent`] and [`Parser::elided`].
    ///
    /// The writer also shows that the program wrote the dump (pprof), so
    /// it is not what a crash printed: a `panic:` line before it was
    /// logged, not the crash's.
    #[inline]
    pub(super) fn frame_start(&mut self, writer: bool) {
        if writer && self.stack.is_empty() {
            if self
                .dump
                .as_ref()
                .is_some_and(|d| !d.snap.samples.is_empty())
            {
                // The open goroutine is the new dump's first: its id
                // moves there.
                let id = self.g.as_ref().map_or(0, |g| g.info.id);
                if let Some(d) = self.dump.as_mut().filter(|_| id != 0) {
                    d.ids.remove(&id);
                }
                self.finish_dump();
                self.start_dump(false, id);
            }
            if let Some(d) = &mut self.dump {
                d.snap.ends_process = None;
            }
        }
    }

    /// A frame's file line was read: whether the frame goes on the stack.
    /// `runtime.goexit` (`goexit`) is set aside, kept only when it is the
    /// only frame (`site` gives its file and line); a stack at
    /// `max_frames` is cut.
    #[inline]
    pub(super) fn frame_fits(
        &mut self,
        goexit: bool,
        site: impl FnOnce() -> (String, u32),
    ) -> bool {
        let Some(g) = &mut self.g else { return false };
        if goexit {
            if self.stack.is_empty() && g.goexit.is_none() {
                g.goexit = Some(site());
            }
            return false;
        }
        if self.stack.len() >= self.opts.max_frames.max(1) {
            g.info.frames_elided = true;
            g.cut_deep = true;
            return false;
        }
        true
    }

    pub(super) fn complete_frame(&mut self, path: &str, line: u32, offset: u64) {
        self.pend.active = false;
        if let Some(g) = self.g.as_mut() {
            if let Some(o) = self.pend.objects {
                g.objects = o;
            }
            if let (Some(call), Some(args)) = (g.info.call.as_deref_mut(), &self.pend.args) {
                push_frame_words(call, offset, args);
            }
        }
        let goexit = self.pend.name == GOEXIT;
        if !self.frame_fits(goexit, || (path.to_string(), line)) {
            return;
        }
        let Some(d) = &mut self.dump else { return };
        let id = d.snap.table.intern_frame(&self.pend.name, path, line);
        self.stack.push(id);
    }

    pub(super) fn complete_created(&mut self, path: &str, line: u32) {
        if self.g.is_none() {
            return;
        }
        let Some(d) = &mut self.dump else { return };
        if d.snap.gccgo {
            if let Some(name) = gccgo_decode(&self.created_name) {
                self.created_name = name;
            }
        }
        let id = d.snap.table.intern_frame(&self.created_name, path, line);
        self.created(Some(id));
    }

    /// The `created by` frame's file line was read (`id`: its frame): the
    /// goroutine is complete.
    #[inline]
    pub(super) fn created(&mut self, id: Option<FrameId>) {
        if let Some(g) = &mut self.g {
            g.created_by = id;
            g.phase = Phase::Done;
        }
    }

    /// `created by … in goroutine N` names the parent (Go 1.21 and later).
    #[inline]
    pub(super) fn set_parent(&mut self, parent: Option<u64>) {
        if let (Some(g), Some(_)) = (&mut self.g, parent) {
            g.info.parent_id = parent;
        }
    }

    /// An `...N frames elided...` line.
    #[inline]
    pub(super) fn elided(&mut self) {
        if let Some(g) = &mut self.g {
            g.info.frames_elided = true;
        }
    }

    /// Text that is not part of a dump (or not with the current prefix).
    pub(super) fn foreign(&mut self, no: u64, t: &str, newline: bool) {
        let untrimmed = t;
        let t = t.trim();
        if crash_line(t) {
            self.crash = Some(t.chars().take(120).collect());
        }
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
            } else if newline {
                // Or the head of a frame line that the next line continues.
                self.keep_junk(no, untrimmed);
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

    /// Starts a dump whose first goroutine (its header read) has id
    /// `first` (0: none).
    pub(super) fn start_dump(&mut self, after_break: bool, first: u64) {
        self.dump_gen += 1;
        self.stack_hint = None;
        let mut snap = Snapshot::new(self.source, Format::Debug2, ProfileKind::Goroutine);
        snap.sample_types = vec![ValueType::new("goroutine", "count")];
        snap.default_sample_type = Some(0);
        snap.warnings.append(&mut self.loose_warnings);
        snap.ends_process = self.crash.take();
        self.dump = Some(Dump {
            snap,
            ids: (first != 0).then_some(first).into_iter().collect(),
            stacks: FxHashSet::default(),
            after_break,
            suppressed: 0,
        });
    }

    pub(super) fn header(&mut self, no: u64, h: &Header<'_>) {
        self.header_with(no, h.id, parse_status(h.status), h.labels);
    }

    /// [`Parser::header`] with the status already split.
    pub(super) fn header_with(&mut self, no: u64, id: u64, st: Status<'_>, labels: Option<&str>) {
        if let Some(j) = self.junk.take() {
            self.junk_dropped(&j);
        }
        self.glued = None;
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
        // A dump's ids are taken as their headers come (one look-up for
        // both the test and the insertion); an id seen before in the dump
        // starts the next one.
        let split = match &mut self.dump {
            None => true,
            Some(d) if self.broken && !d.snap.samples.is_empty() => true,
            Some(d) => id != 0 && !d.ids.insert(id) && !d.snap.samples.is_empty(),
        };
        if split {
            let after_break = self.broken && self.dump.is_some();
            self.finish_dump();
            self.start_dump(after_break, id);
        }
        self.broken = false;
        self.after_blank = false;

        let labels = match labels {
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
                id,
                state: state_text(st.state),
                wait_minutes: st.minutes,
                parent_id: None,
                locked_to_thread: st.locked,
                leaked: st.leaked,
                frames_elided: false,
                stack_unavailable: false,
                call: self.opts.call_words.then(Box::default),
                objects: Default::default(),
            },
            labels,
            phase: Phase::Frames,
            created_by: None,
            header_line: no,
            time_nanos,
            goexit: None,
            cut_deep: false,
            objects: ObjectsSeen::default(),
        });
    }

    /// Ends the open goroutine, keeping it when it has a stack.
    pub(super) fn finish_goroutine(&mut self, at_eof: bool) {
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
            // A header with nothing after it at the end, or with a frame cut
            // by the end: the input was cut.
            let gccgo = self.dump.as_ref().is_some_and(|d| d.snap.gccgo);
            if at_eof && (incomplete || (last == g.header_line && !gccgo)) {
                self.warn_always(format!("truncated at line {last}: last goroutine incomplete (goroutine {} dropped: no complete frame)", g.info.id));
                return;
            }
            // No frame printed (gccgo cannot unwind a running goroutine) or
            // none readable: still a goroutine, with its state.
            g.info.stack_unavailable = true;
            self.warn(format!(
                "line {}: goroutine {} has no stack (kept with an empty stack)",
                g.header_line, g.info.id
            ));
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
        // Goroutines with the same frames share one stack, and one in the
        // same stack and state as the goroutine before (goroutines of a
        // kind mostly follow each other) takes its operation.
        let hint = self.stack_hint.take().filter(|s| **s == *self.stack);
        let stack = match hint.or_else(|| d.stacks.get(self.stack.as_slice()).cloned()) {
            Some(s) => s,
            None => {
                let s: Arc<[FrameId]> = self.stack.as_slice().into();
                d.stacks.insert(s.clone());
                s
            }
        };
        let op = match d.snap.samples.last() {
            Some(prev)
                if Arc::ptr_eq(&prev.stack, &stack)
                    && prev.goroutine.as_ref().map(|i| &*i.state) == Some(&*g.info.state) =>
            {
                prev.op
            }
            _ => normalize::blocking_op(Some(&*g.info.state), &stack, &d.snap.table),
        };
        if d.snap.time_nanos.is_none() {
            d.snap.time_nanos = g.time_nanos;
        }
        d.snap.samples.push(Sample {
            stack,
            values: vec![1],
            labels: g.labels,
            op,
            created_by: g.created_by,
            goroutine: Some(Box::new(GoroutineInfo {
                objects: g.objects.finish(),
                ..g.info
            })),
            hidden_frames: 0,
            plain_receive: false,
            hidden_nil_send: false,
        });
        self.stack.clear();
        self.total += 1;
    }

    /// Ends the current snapshot.
    pub(super) fn finish_dump(&mut self) {
        let Some(mut d) = self.dump.take() else {
            return;
        };
        if d.suppressed > 0 {
            d.snap
                .warnings
                .push(format!("{} more warnings not shown", d.suppressed));
        }
        // `goroutineleak?debug=2` writes every goroutine, as a goroutine
        // dump does, right after a garbage collection that marks the leaked
        // ones `(leaked)`; only the writer's stack tells the two apart. It
        // is the runtime's verdict at one moment, not another point of the
        // goroutine series.
        if d.snap.table.strings.find(LEAK_WRITER).is_some() {
            d.snap.kind = ProfileKind::GoroutineLeak;
            d.snap.sample_types = vec![ValueType::new("goroutineleak", "count")];
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

    pub(super) fn finish(mut self) -> Result<Vec<Snapshot>, InputError> {
        if let Some((no, held)) = self.held.take() {
            let last = self.last_line;
            self.one_line(no, held.as_bytes(), false, true);
            self.last_line = last;
        }
        if let Some(j) = self.junk.take() {
            self.junk_dropped(&j);
        }
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
pub(super) fn is_crash_relay(snap: &Snapshot, prev_ids: &FxHashSet<u64>) -> bool {
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

/// A line the runtime prints as a crash ends its process, before the
/// goroutines: `panic: …`, `fatal error: …`, or a signal (`SIGQUIT: quit`,
/// `SIGSEGV: segmentation violation`).
fn crash_line(t: &str) -> bool {
    t.starts_with("panic: ")
        || t.starts_with("fatal error: ")
        || (t.starts_with("SIG") && is_break_marker(t))
}

/// Moves the samples of `from` into `into`, re-interning their frames
/// (normalized names normalize to themselves).
pub(super) fn merge_into(into: &mut Snapshot, from: Snapshot) {
    let Snapshot {
        table,
        samples,
        warnings,
        gccgo,
        ends_process,
        ..
    } = from;
    into.gccgo |= gccgo;
    if into.ends_process.is_none() {
        into.ends_process = ends_process;
    }
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
        s.stack = stack.into();
        s.created_by = s.created_by.map(|id| remap(into, id));
        into.samples.push(s);
    }
    into.warnings.extend(warnings);
}
