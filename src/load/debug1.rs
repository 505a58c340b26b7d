//! Loader for the debug=1 text profiles `runtime/pprof` writes:
//!
//! - count profiles (`printCountProfile`): `goroutine profile: total N`,
//!   `goroutineleak profile: total N`, `threadcreate profile: total N` and any
//!   other `<name> profile: total N`; records `N @ 0x… 0x…`, an optional
//!   `# labels: {"k":"v", …}` line, then `#\t0x…\tfunc+0x…\tfile:line` frame
//!   lines. Frame lines are also read when the tabs became spaces, and when a
//!   Markdown renderer ate the leading `#` (an indented `0x…` line);
//! - the legacy text heap profile (`heap profile: A: B [C: D] @ heap/R`,
//!   records `inuse_objects: inuse_bytes [alloc_objects: alloc_bytes] @ …`,
//!   ending at `# runtime.MemStats`), as [`ProfileKind::Heap`] with the
//!   proto's four sample types. Values are unsampled the way `go tool pprof`
//!   does (`heap/R` means a sampling rate of R/2, see `writeHeapInternal`), so
//!   that they compare with a proto of the same program. C++ tcmalloc
//!   `heapz_v2` profiles load the same way (address-only stacks, with a
//!   warning that they are not Go);
//! - `--- contention:` (block) and `--- mutex:` text: records
//!   `cycles count @ 0x…`, as `contentions/count, delay/nanoseconds`.
//!
//! Records whose frames have no symbols get one frame per address, named by
//! the address. Malformed record headers are errors with their line number;
//! lines that are not part of the format are skipped with a warning.

use super::LoadOptions;
use crate::error::InputError;
use crate::model::normalize;
use crate::model::{Format, FrameId, FrameTable, ProfileKind, Sample, Snapshot, ValueType};
use regex::Regex;
use std::io::BufRead;
use std::sync::LazyLock;

/// At most this many per-line warnings are kept; the rest are counted.
const MAX_LINE_WARNINGS: usize = 20;

pub fn load(r: &mut dyn BufRead, source: &str, opts: &LoadOptions) -> Result<Snapshot, InputError> {
    let mut p = Parser {
        lines: Lines::new(r, opts.max_line),
        opts,
        warnings: Warnings::default(),
        hidden: Vec::new(),
    };
    let (header_line, header) = p.find_header()?;
    let mut snap = match header {
        Header::Count { kind, name, total } => p.count_profile(kind, &name, total, source)?,
        Header::Heap(h) => p.heap_profile(h, header_line, source)?,
        Header::Contention { mutex } => p.contention_profile(mutex, source)?,
    };
    snap.warnings.extend(p.warnings.finish());
    // Not subject to the cap on per-line warnings.
    if p.lines.unterminated && looks_cut(&p.lines.text) {
        let n = p.lines.number;
        snap.warnings.push(format!(
            "truncated at line {n}: the input ends in the middle of a line"
        ));
    }
    if let Some((first, n)) = p.lines.bad_utf8 {
        snap.warnings.push(super::debug2::utf8_warning(first, n));
    }
    Ok(snap)
}

// ---------------------------------------------------------------------------
// Lines

/// Reads lines, keeping at most `max` bytes of each (the rest is skipped),
/// converting invalid UTF-8 lossily and dropping `\r`.
struct Lines<'a> {
    r: &'a mut dyn BufRead,
    max: usize,
    buf: Vec<u8>,
    text: String,
    number: u64,
    truncated: bool,
    /// The last line read had no newline (the input may be cut short).
    unterminated: bool,
    /// Lines that were not valid UTF-8: the first one and how many.
    bad_utf8: Option<(u64, u64)>,
}

impl<'a> Lines<'a> {
    fn new(r: &'a mut dyn BufRead, max: usize) -> Self {
        Lines {
            r,
            max: max.max(1),
            buf: Vec::new(),
            text: String::new(),
            number: 0,
            truncated: false,
            unterminated: false,
            bad_utf8: None,
        }
    }

    /// Reads the next line into `text`; false at the end of the input.
    fn advance(&mut self) -> Result<bool, InputError> {
        self.buf.clear();
        self.truncated = false;
        let mut any = false;
        let mut newline = false;
        loop {
            let avail = match self.r.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(InputError::at_line(
                        self.number + 1,
                        super::gzip_message(&e),
                    ))
                }
            };
            if avail.is_empty() {
                break;
            }
            any = true;
            let (chunk, used, done) = match memchr::memchr(b'\n', avail) {
                Some(i) => (&avail[..i], i + 1, true),
                None => (avail, avail.len(), false),
            };
            let room = self.max.saturating_sub(self.buf.len());
            if chunk.len() > room {
                self.truncated = true;
            }
            self.buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            self.r.consume(used);
            if done {
                newline = true;
                break;
            }
        }
        if !any {
            return Ok(false);
        }
        self.unterminated = !newline;
        self.number += 1;
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        // NUL runs (a preallocated or copytruncated file) carry no text.
        let mut line = &self.buf[..];
        while let [0, rest @ ..] = line {
            line = rest;
        }
        while let [rest @ .., 0] = line {
            line = rest;
        }
        self.text.clear();
        match std::str::from_utf8(line) {
            Ok(t) => self.text.push_str(t),
            Err(e) => {
                if !(self.truncated && e.error_len().is_none()) {
                    let b = self.bad_utf8.get_or_insert((self.number, 0));
                    b.1 += 1;
                }
                self.text.push_str(&String::from_utf8_lossy(line));
            }
        }
        Ok(true)
    }

    /// The next line, owned (give it back with [`Lines::recycle`]), or `None`
    /// at the end of the input.
    fn next_line(&mut self) -> Result<Option<String>, InputError> {
        Ok(self.advance()?.then(|| std::mem::take(&mut self.text)))
    }

    /// Hands a line's buffer back for reuse.
    fn recycle(&mut self, line: String) {
        self.text = line;
    }
}

#[derive(Default)]
struct Warnings {
    list: Vec<String>,
    dropped: usize,
}

impl Warnings {
    fn push(&mut self, w: String) {
        if self.list.len() < MAX_LINE_WARNINGS {
            self.list.push(w);
        } else {
            self.dropped += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.list
                .push(format!("… and {} more warnings like these", self.dropped));
        }
        self.list
    }
}

// ---------------------------------------------------------------------------
// Headers

struct HeapHeader {
    /// `heap`, `heap_v2`, `heapz_v2`, `heapprofile`, …
    ty: String,
    rate: Option<i64>,
}

enum Header {
    Count {
        kind: ProfileKind,
        name: String,
        total: u64,
    },
    Heap(HeapHeader),
    Contention {
        mutex: bool,
    },
}

static COUNT_HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z_][A-Za-z0-9_.\-/]*) profile: total (\d+)$").unwrap());
static HEAP_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] *@ *([a-z_0-9]*)/?(\d*)")
        .unwrap()
});
static HEAP_RECORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(-?\d+): *(-?\d+) *\[ *(-?\d+): *(-?\d+) *\] *@(.*)$").unwrap());

fn parse_header(t: &str) -> Option<Header> {
    if t.starts_with("--- contention") {
        return Some(Header::Contention { mutex: false });
    }
    if t.starts_with("--- mutex") {
        return Some(Header::Contention { mutex: true });
    }
    if let Some(c) = HEAP_HEADER.captures(t) {
        return Some(Header::Heap(HeapHeader {
            ty: c[5].to_string(),
            rate: c[6].parse().ok(),
        }));
    }
    if let Some(c) = COUNT_HEADER.captures(t) {
        let name = c[1].to_string();
        let kind = match name.as_str() {
            "goroutine" => ProfileKind::Goroutine,
            "goroutineleak" => ProfileKind::GoroutineLeak,
            "threadcreate" => ProfileKind::ThreadCreate,
            _ => ProfileKind::Other,
        };
        let total = c[2].parse().ok()?;
        return Some(Header::Count { kind, name, total });
    }
    None
}

// ---------------------------------------------------------------------------
// Records

/// One record as read: header values and addresses, then its frame lines.
struct Record {
    line: u64,
    values: Vec<i64>,
    addrs: Vec<u64>,
    frames: Vec<FrameId>,
    /// The address printed on the first frame line.
    first_addr: Option<u64>,
    labels: Vec<(String, String)>,
}

/// What a line inside the body of a profile is.
enum BodyLine<'a> {
    Blank,
    Labels(&'a str),
    Frame(&'a str),
    Comment,
    /// Anything with an `@`: a record header, parsed by the caller.
    RecordHeader(&'a str),
    Other(&'a str),
}

fn classify(line: &str) -> BodyLine<'_> {
    let t = line.trim();
    if t.is_empty() {
        return BodyLine::Blank;
    }
    if let Some(rest) = t.strip_prefix("# labels:") {
        return BodyLine::Labels(rest.trim());
    }
    let after_hash = t.strip_prefix('#').map(str::trim_start);
    let candidate = after_hash.unwrap_or(t);
    if starts_with_hex_address(candidate) {
        return BodyLine::Frame(candidate);
    }
    if after_hash.is_some() {
        return BodyLine::Comment;
    }
    if let Some((before, after)) = t.split_once('@') {
        // `N @ 0x…`, `a: b [c: d] @ 0x…`, `cycles count @ 0x…`: numbers
        // before the `@` or addresses after it. Other text with an `@` (a
        // log line, an e-mail address) is not a record.
        let numeric_before = !before.trim().is_empty()
            && before
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '\t' | ':' | '[' | ']' | '-'));
        let addresses_after = after
            .split_ascii_whitespace()
            .all(|tok| parse_hex(tok).is_some());
        if numeric_before || addresses_after {
            return BodyLine::RecordHeader(t);
        }
    }
    BodyLine::Other(t)
}

/// The last line of an input without a final newline looks cut short: a
/// frame line with a function but no `file:line`, or unclosed labels. (A
/// missing final newline alone is common in pasted text.)
fn looks_cut(last: &str) -> bool {
    match classify(last) {
        BodyLine::Frame(f) => {
            let rest = f.split_once(['\t', ' ']).map_or("", |(_, r)| r.trim());
            !rest.is_empty()
                && !rest
                    .rsplit_once(':')
                    .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        }
        BodyLine::Labels(l) => !l.ends_with('}'),
        _ => false,
    }
}

fn starts_with_hex_address(s: &str) -> bool {
    let tok = s.split([' ', '\t']).next().unwrap_or("");
    parse_hex(tok).is_some()
}

fn parse_hex(tok: &str) -> Option<u64> {
    let h = tok.strip_prefix("0x").or_else(|| tok.strip_prefix("0X"))?;
    if h.is_empty() {
        return None;
    }
    u64::from_str_radix(h, 16).ok()
}

/// The addresses after `@` in a record header.
fn parse_addrs(s: &str, line: u64) -> Result<Vec<u64>, InputError> {
    s.split_ascii_whitespace()
        .map(|tok| {
            parse_hex(tok).ok_or_else(|| {
                InputError::at_line(
                    line,
                    format!("bad address {} in record header", super::quoted(tok)),
                )
            })
        })
        .collect()
}

/// A frame line without its leading `#`: `0x… func+0x… file:line`, or just
/// `0x…` when the address has no symbol.
fn parse_frame(s: &str, table: &mut FrameTable) -> FrameId {
    let (addr, rest) = match s.find([' ', '\t']) {
        Some(i) => (&s[..i], s[i..].trim()),
        None => (s, ""),
    };
    if rest.is_empty() {
        return table.intern_frame(addr, "", 0);
    }
    let (function, location) = if rest.contains('\t') {
        // `rest` is trimmed, so it starts with the function.
        let end = rest.find('\t').unwrap_or(rest.len());
        (rest[..end].trim_end(), rest[end..].trim())
    } else {
        // Tabs turned into spaces: the function is the token with the
        // `+0x` offset; everything after it is the file.
        let mut split = None;
        let mut pos = 0;
        for tok in rest.split(' ') {
            if !tok.is_empty() && offset_start(tok).is_some() {
                split = Some(pos + tok.len());
            }
            pos += tok.len() + 1;
        }
        match split {
            Some(end) => (&rest[..end], rest[end..].trim()),
            None => match rest.find(' ') {
                Some(i) => (&rest[..i], rest[i..].trim()),
                None => (rest, ""),
            },
        }
    };
    let function = match offset_start(function) {
        Some(i) => &function[..i],
        None => function,
    };
    let (file, line) = split_file_line(location);
    table.intern_frame(function, file, line)
}

/// Index of a trailing `+0x…` offset.
fn offset_start(f: &str) -> Option<usize> {
    let i = f.rfind("+0x")?;
    let hex = &f[i + 3..];
    (!hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(i)
}

fn split_file_line(s: &str) -> (&str, u32) {
    if let Some((file, line)) = s.rsplit_once(':') {
        if let Ok(n) = line.trim().parse::<u32>() {
            return (file, n);
        }
    }
    (s, 0)
}

/// Parses `{"k":"v", "k2":"v2"}` as written by `labelMap.String` (Go `%q`).
fn parse_labels(s: &str) -> Option<Vec<(String, String)>> {
    let mut c = s.trim().strip_prefix('{')?.trim_start();
    let mut out = Vec::new();
    loop {
        if let Some(rest) = c.strip_prefix('}') {
            return rest.trim().is_empty().then_some(out);
        }
        let (key, rest) = go_unquote(c)?;
        let rest = rest.trim_start().strip_prefix(':')?.trim_start();
        let (value, rest) = go_unquote(rest)?;
        out.push((key, value));
        let rest = rest.trim_start();
        c = match rest.strip_prefix(',') {
            Some(r) => r.trim_start(),
            None if rest.starts_with('}') => rest,
            None => return None,
        };
    }
}

/// Reads one Go double-quoted string literal from the start of `s`; returns
/// it and the rest.
fn go_unquote(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut bytes: Vec<u8> = Vec::new();
    let mut it = body.char_indices();
    while let Some((i, ch)) = it.next() {
        match ch {
            '"' => return Some((String::from_utf8_lossy(&bytes).into_owned(), &body[i + 1..])),
            '\\' => {
                let (_, e) = it.next()?;
                match e {
                    'a' => bytes.push(7),
                    'b' => bytes.push(8),
                    'f' => bytes.push(12),
                    'n' => bytes.push(b'\n'),
                    'r' => bytes.push(b'\r'),
                    't' => bytes.push(b'\t'),
                    'v' => bytes.push(11),
                    '\\' => bytes.push(b'\\'),
                    '"' => bytes.push(b'"'),
                    '\'' => bytes.push(b'\''),
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut v = 0u32;
                        for _ in 0..n {
                            v = v * 16 + it.next()?.1.to_digit(16)?;
                        }
                        if e == 'x' {
                            bytes.push(v as u8);
                        } else {
                            let c = char::from_u32(v).unwrap_or('\u{fffd}');
                            bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                    }
                    '0'..='7' => {
                        let mut v = e.to_digit(8)?;
                        for _ in 0..2 {
                            v = v * 8 + it.next()?.1.to_digit(8)?;
                        }
                        bytes.push(u8::try_from(v).ok()?);
                    }
                    _ => return None,
                }
            }
            c => bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    None
}

// ---------------------------------------------------------------------------
// The parser

struct Parser<'a, 'r> {
    lines: Lines<'r>,
    opts: &'a LoadOptions,
    warnings: Warnings,
    /// Per sample, the addresses of the runtime frames debug=1 hides at the
    /// top of its stack (see [`infer_hidden_ops`]).
    hidden: Vec<Vec<u64>>,
}

/// How a record header line is read, per format.
type HeaderFn<'f> = dyn FnMut(&str, u64) -> Result<(Vec<i64>, Vec<u64>), InputError> + 'f;

impl Parser<'_, '_> {
    /// Skips to the first header line.
    fn find_header(&mut self) -> Result<(u64, Header), InputError> {
        let mut skipped = 0u64;
        loop {
            let Some(line) = self.lines.next_line()? else {
                let n = self.lines.number;
                return Err(InputError::new(format!(
                    "no debug=1 profile header (`goroutine profile: total N`, `heap profile: …`, `--- contention:`) in {n} line{}",
                    if n == 1 { "" } else { "s" }
                )));
            };
            let t = line.trim_start_matches('\u{feff}').trim();
            if t.is_empty() {
                continue;
            }
            let header = parse_header(t);
            self.lines.recycle(line);
            if let Some(h) = header {
                let n = self.lines.number;
                if skipped > 0 {
                    self.warnings.push(format!(
                        "lines 1-{}: skipped {skipped} line(s) before the profile header",
                        n - 1
                    ));
                }
                return Ok((n, h));
            }
            skipped += 1;
        }
    }

    /// Reads records until the end (or a line `stop` accepts), turning each
    /// into a sample. Frames come from the `#` lines when there are any, else
    /// from the header addresses.
    fn records(
        &mut self,
        table: &mut FrameTable,
        header: &mut HeaderFn<'_>,
        stop: &dyn Fn(&str) -> bool,
        attribute: &mut dyn FnMut(&str) -> bool,
    ) -> Result<(Vec<Sample>, usize), InputError> {
        let mut samples = Vec::new();
        let mut cur: Option<Record> = None;
        let mut cut = 0usize;
        while let Some(line) = self.lines.next_line()? {
            let n = self.lines.number;
            if self.lines.truncated {
                self.warnings.push(format!(
                    "line {n}: longer than {} bytes; the rest was skipped",
                    self.opts.max_line
                ));
            }
            if stop(line.trim()) {
                break;
            }
            match classify(&line) {
                BodyLine::Blank => {
                    if let Some(r) = cur.take() {
                        self.finish(r, table, &mut samples, &mut cut)?;
                    }
                }
                BodyLine::Labels(l) => match (&mut cur, parse_labels(l)) {
                    (Some(r), Some(labels)) => r.labels.extend(labels),
                    (Some(_), None) => self
                        .warnings
                        .push(format!("line {n}: could not read the labels; ignored")),
                    (None, _) => self
                        .warnings
                        .push(format!("line {n}: labels outside a record; skipped")),
                },
                BodyLine::Frame(f) => match &mut cur {
                    // Frames past the bound are not kept (one more marks the
                    // stack as cut).
                    Some(r) if r.frames.len() > self.opts.max_frames => {}
                    Some(r) => {
                        if r.first_addr.is_none() {
                            r.first_addr = f.split_ascii_whitespace().next().and_then(parse_hex);
                        }
                        let id = parse_frame(f, table);
                        if table.function(id) != "runtime.goexit" {
                            r.frames.push(id);
                        }
                    }
                    None => self
                        .warnings
                        .push(format!("line {n}: frame line outside a record; skipped")),
                },
                BodyLine::Comment => {}
                BodyLine::RecordHeader(h) => {
                    if let Some(r) = cur.take() {
                        self.finish(r, table, &mut samples, &mut cut)?;
                    }
                    let (values, addrs) = header(h, n)?;
                    cur = Some(Record {
                        line: n,
                        values,
                        addrs,
                        frames: Vec::new(),
                        first_addr: None,
                        labels: Vec::new(),
                    });
                }
                BodyLine::Other(t) => {
                    if !(cur.is_none() && samples.is_empty() && attribute(t)) {
                        self.warnings
                            .push(format!("line {n}: not part of the profile; skipped"));
                    }
                }
            }
            self.lines.recycle(line);
        }
        if let Some(r) = cur.take() {
            self.finish(r, table, &mut samples, &mut cut)?;
        }
        Ok((samples, cut))
    }

    fn finish(
        &mut self,
        r: Record,
        table: &mut FrameTable,
        samples: &mut Vec<Sample>,
        cut: &mut usize,
    ) -> Result<(), InputError> {
        if samples.len() >= self.opts.max_samples {
            return Err(InputError::at_line(
                r.line,
                format!(
                    "more than {} records (raise the limit with --max-samples)",
                    self.opts.max_samples
                ),
            ));
        }
        let mut stack = if r.frames.is_empty() {
            r.addrs
                .iter()
                .take(self.opts.max_frames.saturating_add(1))
                .map(|&a| table.intern_frame(&format!("{a:#x}"), "", 0))
                .collect()
        } else {
            r.frames
        };
        if stack.len() > self.opts.max_frames {
            stack.truncate(self.opts.max_frames);
            *cut += 1;
        }
        // The header lists return addresses; frame lines print each minus one.
        let hidden = r
            .first_addr
            .and_then(|a| {
                r.addrs
                    .iter()
                    .position(|&x| x == a || x == a.wrapping_add(1))
            })
            .map(|k| r.addrs[..k].to_vec())
            .unwrap_or_default();
        let hidden_frames = hidden.len().min(u8::MAX as usize) as u8;
        self.hidden.push(hidden);
        samples.push(Sample {
            stack: stack.into(),
            values: r.values,
            labels: r.labels,
            hidden_frames,
            ..Sample::default()
        });
        Ok(())
    }

    fn cut_warning(&mut self, cut: usize) -> Option<String> {
        (cut > 0).then(|| {
            format!(
                "{cut} record(s) had stacks deeper than {} frames; cut (raise --max-frames)",
                self.opts.max_frames
            )
        })
    }

    fn count_profile(
        &mut self,
        kind: ProfileKind,
        name: &str,
        total: u64,
        source: &str,
    ) -> Result<Snapshot, InputError> {
        let mut table = FrameTable::new();
        let mut header = |h: &str, n: u64| -> Result<(Vec<i64>, Vec<u64>), InputError> {
            let (count, addrs) = h.split_once('@').unwrap_or((h, ""));
            let count: i64 = count
                .trim()
                .parse()
                .map_err(|_| InputError::at_line(n, "bad count in record header"))?;
            Ok((vec![count], parse_addrs(addrs, n)?))
        };
        let (mut samples, cut) =
            self.records(&mut table, &mut header, &|_| false, &mut |_| false)?;
        if kind.is_goroutine() {
            for s in &mut samples {
                s.op = normalize::blocking_op(None, &s.stack, &table);
            }
            if self.hidden.len() == samples.len() {
                infer_hidden_ops(&mut samples, &self.hidden);
            }
        }
        let mut snap = Snapshot::new(source, Format::Debug1, kind);
        snap.sample_types = vec![ValueType::new(name, "count")];
        snap.period_type = Some(ValueType::new(name, "count"));
        snap.period = Some(1);
        snap.declared_total = Some(total);
        let sum = samples
            .iter()
            .fold(0i64, |acc, s| acc.saturating_add(s.values[0]));
        if u64::try_from(sum).ok() != Some(total) {
            snap.warnings.push(format!(
                "the header says total {total}, but the records add up to {sum} (is the text cut short?)"
            ));
        }
        snap.warnings.extend(self.cut_warning(cut));
        snap.table = table;
        snap.samples = samples;
        Ok(snap)
    }

    fn heap_profile(
        &mut self,
        h: HeapHeader,
        header_line: u64,
        source: &str,
    ) -> Result<Snapshot, InputError> {
        // Rate used to unsample the values, as `go tool pprof` reads these.
        let (rate, scaled) = match h.ty.as_str() {
            "heap" => (h.rate.map(|r| r / 2), true),
            "heap_v2" | "heapz_v2" => (h.rate, true),
            "heapprofile" => (Some(1), false),
            other => {
                self.warnings.push(format!(
                    "line {header_line}: unknown heap profile type \"{other}\"; values kept as recorded"
                ));
                (h.rate, false)
            }
        };
        if h.ty != "heap" {
            self.warnings.push(format!(
                "line {header_line}: \"{}\" is not a Go heap profile (C++ tcmalloc heapz); read as one, stacks are addresses only",
                h.ty
            ));
        }
        let r = if scaled { rate.unwrap_or(0) } else { 0 };
        let mut table = FrameTable::new();
        let mut header = |t: &str, n: u64| -> Result<(Vec<i64>, Vec<u64>), InputError> {
            let c = HEAP_RECORD.captures(t).ok_or_else(|| {
                InputError::at_line(
                    n,
                    "bad heap record header (expected `inuse_objects: inuse_bytes [alloc_objects: alloc_bytes] @ addresses`)",
                )
            })?;
            let num = |i: usize| -> Result<i64, InputError> {
                c[i].parse()
                    .map_err(|_| InputError::at_line(n, "bad count in record header"))
            };
            let (inuse_n, inuse_b, alloc_n, alloc_b) = (num(1)?, num(2)?, num(3)?, num(4)?);
            let (an, ab) = scale_heap(alloc_n, alloc_b, r);
            let (in_, ib) = scale_heap(inuse_n, inuse_b, r);
            // The object size rides along as a fifth value and becomes the
            // `bytes` label below, as in Go's heap protos.
            let size = block_size(alloc_n, alloc_b, inuse_n, inuse_b);
            Ok((vec![an, ab, in_, ib, size], parse_addrs(&c[5], n)?))
        };
        let stop = |t: &str| {
            t.starts_with("# runtime.MemStats")
                || t.contains("--- Memory map:")
                || t.contains("MAPPED_LIBRARIES:")
        };
        let (mut samples, cut) = self.records(&mut table, &mut header, &stop, &mut |_| false)?;
        for s in &mut samples {
            let size = s.values.pop().unwrap_or(0);
            if size > 0 {
                s.labels.push(("bytes".to_string(), size.to_string()));
            }
        }
        let mut snap = Snapshot::new(source, Format::HeapText, ProfileKind::Heap);
        snap.sample_types = vec![
            ValueType::new("alloc_objects", "count"),
            ValueType::new("alloc_space", "bytes"),
            ValueType::new("inuse_objects", "count"),
            ValueType::new("inuse_space", "bytes"),
        ];
        snap.period_type = Some(ValueType::new("space", "bytes"));
        snap.period = rate;
        snap.warnings.extend(self.cut_warning(cut));
        snap.table = table;
        snap.samples = samples;
        Ok(snap)
    }

    fn contention_profile(&mut self, mutex: bool, source: &str) -> Result<Snapshot, InputError> {
        let mut cycles_per_second: Option<f64> = None;
        let mut period: Option<i64> = None;
        let mut attribute = |t: &str| -> bool {
            let Some((k, v)) = t.split_once('=') else {
                return false;
            };
            let v = v.trim();
            match k.trim() {
                "cycles/second" => cycles_per_second = v.parse().ok().filter(|&c: &f64| c > 0.0),
                "sampling period" => period = v.parse().ok(),
                _ => {}
            }
            true
        };
        let mut table = FrameTable::new();
        let mut header = |h: &str, n: u64| -> Result<(Vec<i64>, Vec<u64>), InputError> {
            let (nums, addrs) = h.split_once('@').unwrap_or((h, ""));
            let mut it = nums.split_ascii_whitespace();
            let bad = || {
                InputError::at_line(
                    n,
                    "bad count in record header (expected `cycles count @ addresses`)",
                )
            };
            let cycles: i64 = it.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
            let count: i64 = it.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
            if it.next().is_some() {
                return Err(bad());
            }
            Ok((vec![count, cycles], parse_addrs(addrs, n)?))
        };
        let stop = |t: &str| t.starts_with("---");
        let (mut samples, cut) = self.records(&mut table, &mut header, &stop, &mut attribute)?;
        match cycles_per_second {
            Some(cps) => {
                let per_ns = cps / 1e9;
                for s in &mut samples {
                    s.values[1] = (s.values[1] as f64 / per_ns) as i64;
                }
            }
            None => self
                .warnings
                .push("no cycles/second line: delays are CPU cycles, not nanoseconds".to_string()),
        }
        let kind = if mutex {
            ProfileKind::Mutex
        } else {
            ProfileKind::Block
        };
        let mut snap = Snapshot::new(source, Format::Debug1, kind);
        snap.sample_types = vec![
            ValueType::new("contentions", "count"),
            ValueType::new("delay", "nanoseconds"),
        ];
        snap.period_type = Some(ValueType::new("contentions", "count"));
        snap.period = Some(period.unwrap_or(1));
        snap.warnings.extend(self.cut_warning(cut));
        snap.table = table;
        snap.samples = samples;
        Ok(snap)
    }
}

/// Size of one object of a heap record, as the proto's `bytes` label.
/// debug=1 hides the runtime frames at the top of every stack, but the
/// record header still lists their addresses. Without symbols an address
/// names no function, yet their number and order do, in every Go release
/// since 1.0 (runtime/chan.go and runtime/select.go keep this layout and the
/// linker keeps a package's functions in source order):
///
/// - three hidden frames (gopark, chansend or chanrecv, chansend1 or
///   chanrecv1/chanrecv2) are a channel operation; two (gopark, selectgo or
///   block) a select, when another record shows that three-deep channel
///   shape (releases that inlined chanrecv into chanrecv1 park receives two
///   deep);
/// - chansend1 < chansend < chanrecv1 < chanrecv2 < chanrecv in memory, so a
///   park address (X) below another record's wrapper address (Y) is a send
///   and that other record a receive; two wrappers under one park address
///   are chanrecv1 (lower: a plain receive) and chanrecv2 (a range or
///   comma-ok receive, the first marked [`Sample::plain_receive`]); under
///   one wrapper, a lower park address is the nil-channel check at the top
///   of the function, whether or not the records tell send from receive;
/// - `block` (select {}) precedes selectgo: of two select park addresses the
///   lower never wakes.
///
/// What the records of one profile cannot order is told by the distance
/// between the two addresses where it is a known release's
/// (`chan_op_by_offset`); else it stays a plain receive (it may be a
/// range, as in debug=2 text) or unknown, never a guess.
pub fn infer_hidden_ops(samples: &mut [Sample], hidden: &[Vec<u64>]) {
    use crate::model::BlockingOp;
    use std::collections::BTreeSet;
    // Every parked goroutine's hidden frames start at one address, the
    // return into gopark, which parks channel operations, selects, sleeps
    // and network waits alike: the most common first address of the
    // records two or three deep. A goroutine caught running (allocating,
    // say) hides other runtime frames, which are no wait.
    let mut firsts: std::collections::BTreeMap<u64, usize> = Default::default();
    for h in hidden.iter().filter(|h| matches!(h.len(), 2 | 3)) {
        *firsts.entry(h[0]).or_default() += 1;
    }
    let gopark = firsts
        .iter()
        .max_by_key(|&(&a, &n)| (n, std::cmp::Reverse(a)))
        .map(|(&a, _)| a);
    let parked = |h: &Vec<u64>| h.first().copied() == gopark;
    let park =
        |h: &Vec<u64>| -> Option<(u64, u64)> { (h.len() == 3 && parked(h)).then(|| (h[1], h[2])) };
    // Only records whose visible frames say nothing (a running goroutine's
    // hidden frames are the profiler's own).
    let unknown = || {
        samples
            .iter()
            .zip(hidden)
            .filter(|(s, _)| s.op == BlockingOp::Other)
            .map(|(_, h)| h)
    };
    let chans: BTreeSet<(u64, u64)> = unknown().filter_map(park).collect();
    // The distances of [`chan_op_by_offset`] are those of x86-64 code,
    // whose return addresses fall anywhere; fixed-width instruction sets
    // (arm64 and the others) put them at multiples of 4.
    let runtime_layout = hidden.iter().flatten().any(|&a| a % 4 != 0);
    let selects: BTreeSet<u64> = unknown()
        .filter(|h| h.len() == 2 && parked(h))
        .map(|h| h[1])
        .collect();
    for (s, h) in samples.iter_mut().zip(hidden) {
        if s.op != BlockingOp::Other {
            continue;
        }
        // Two hidden frames are a select only where this release parks
        // channel operations three deep (older ones inlined chanrecv into
        // chanrecv1): another record of the profile must show that.
        if h.len() == 2 && parked(h) && !chans.is_empty() {
            s.op = if selects.len() >= 2 && Some(&h[1]) == selects.iter().next() {
                BlockingOp::SelectNoCases
            } else {
                BlockingOp::Select
            };
            continue;
        }
        let Some((x, y)) = park(h) else {
            continue;
        };
        // What a known release's distance between the two says.
        let known = runtime_layout
            .then(|| chan_op_by_offset(x.wrapping_sub(y)))
            .flatten();
        // A send parks below some receive's wrapper; a receive's wrapper sits
        // above some send's park address.
        let send = chans.iter().any(|&(_, y2)| x < y2);
        let recv = chans.iter().any(|&(x2, _)| x2 < y);
        let nil = chans.iter().any(|&(x2, y2)| y2 == y && x < x2);
        let wrappers: BTreeSet<u64> = chans
            .iter()
            .filter(|&&(x2, _)| x2 == x || (recv && x2 > y))
            .map(|&(_, y2)| y2)
            .collect();
        // Under one wrapper, the lower of two park addresses is the
        // nil-channel check at the top of chansend and chanrecv alike: a nil
        // channel whether or not the records tell a send from a receive.
        s.op = if nil {
            BlockingOp::NilChan
        } else if send && !recv {
            BlockingOp::ChanSend
        } else if !send && (recv || wrappers.len() >= 2) {
            if wrappers.len() >= 2 && Some(&y) == wrappers.iter().next() {
                s.plain_receive = true;
                BlockingOp::ChanReceive
            } else if wrappers.len() >= 2 {
                BlockingOp::RangeReceive
            } else {
                BlockingOp::ChanReceive
            }
        } else {
            match known {
                Some(ChanOp::Send) => BlockingOp::ChanSend,
                Some(ChanOp::PlainReceive) => {
                    s.plain_receive = true;
                    BlockingOp::ChanReceive
                }
                Some(ChanOp::Receive) => BlockingOp::ChanReceive,
                Some(ChanOp::NilSend | ChanOp::NilReceive) => BlockingOp::NilChan,
                None => BlockingOp::Other,
            }
        };
        // Ordering finds a nil channel only beside a live operation under
        // the same wrapper, and a plain receive only beside a range one; a
        // known release's distance says so alone.
        match (s.op, known) {
            (
                BlockingOp::ChanSend | BlockingOp::ChanReceive | BlockingOp::RangeReceive,
                Some(ChanOp::NilSend | ChanOp::NilReceive),
            ) => s.op = BlockingOp::NilChan,
            (BlockingOp::ChanReceive, Some(ChanOp::PlainReceive)) => s.plain_receive = true,
            _ => {}
        }
        // Which side of the nil channel: a known release's distance, or the
        // order, where a send's nil check lies below some receive's wrapper
        // and a receive's never does (chansend1, chansend, then chanrecv1,
        // chanrecv2, chanrecv in runtime/chan.go).
        if s.op == BlockingOp::NilChan {
            s.hidden_nil_send = match known {
                Some(ChanOp::NilSend) => true,
                Some(ChanOp::NilReceive) => false,
                _ => send && !recv,
            };
        }
    }
}

/// A channel operation told by where it parks (see [`chan_op_by_offset`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChanOp {
    Send,
    /// Through chanrecv1: one plain receive.
    PlainReceive,
    /// Through chanrecv2 (a `for range` or comma-ok receive), or through
    /// chanrecv1 in a program that links no chanrecv2.
    Receive,
    /// The nil-channel check at the top of chansend.
    NilSend,
    /// The nil-channel check at the top of chanrecv.
    NilReceive,
}

/// The operation whose park address in chansend or chanrecv lies `offset`
/// bytes past the return address in its wrapper (chansend1, chanrecv1 or
/// chanrecv2), in the linux/amd64 runtimes of Go 1.19 and 1.21 to 1.27
/// (measured with each release: `testdata/go/chan-offsets`). The wrapper
/// and the function are neighbours in runtime/chan.go and compiled alike
/// in every program of a release, so the distance is the release's own;
/// the releases' distances for a send, a receive and a nil channel never
/// coincide. chanrecv1's distance includes chanrecv2, which lies between
/// it and chanrecv; a program that links no chanrecv2 gives chanrecv1
/// chanrecv2's distance, so that one says a receive, not which.
fn chan_op_by_offset(offset: u64) -> Option<ChanOp> {
    // (release, send, chanrecv1, chanrecv2, nil send, nil chanrecv1, nil chanrecv2)
    const OFFSETS: [(&str, [u64; 6]); 8] = [
        ("1.19", [0x44f, 0x503, 0x4c3, 0x119, 0x218, 0x1d8]),
        ("1.21", [0x3ae, 0x3fb, 0x3db, 0xe3, 0x187, 0x167]),
        ("1.22", [0x396, 0x3ed, 0x3cd, 0xe3, 0x187, 0x167]),
        ("1.23", [0x396, 0x44a, 0x42a, 0xe3, 0x1c7, 0x1a7]),
        ("1.24", [0x3ae, 0x473, 0x453, 0xf5, 0x1d5, 0x1b5]),
        ("1.25", [0x3d4, 0x4a1, 0x481, 0x115, 0x207, 0x1e7]),
        ("1.26", [0x405, 0x4dc, 0x4bc, 0x115, 0x207, 0x1e7]),
        ("1.27", [0x405, 0x4dc, 0x4bc, 0x115, 0x207, 0x1e7]),
    ];
    let mut found = None;
    for (_, o) in OFFSETS {
        let op = match o.iter().position(|&d| d == offset) {
            Some(0) => ChanOp::Send,
            Some(1) => ChanOp::PlainReceive,
            Some(2) => ChanOp::Receive,
            Some(3) => ChanOp::NilSend,
            Some(_) => ChanOp::NilReceive,
            None => continue,
        };
        match found {
            None => found = Some(op),
            Some(f) if f == op => {}
            // Never so in the table (a unit test checks it).
            Some(_) => return None,
        }
    }
    found
}

fn block_size(alloc_n: i64, alloc_b: i64, inuse_n: i64, inuse_b: i64) -> i64 {
    if alloc_n > 0 {
        alloc_b / alloc_n
    } else if inuse_n > 0 {
        inuse_b / inuse_n
    } else {
        0
    }
}

/// Unsamples one (count, bytes) pair of a heap profile sampled with average
/// rate `rate`, as `runtime/pprof` does for protos (`scaleHeapSample`).
fn scale_heap(count: i64, size: i64, rate: i64) -> (i64, i64) {
    if count == 0 || size == 0 {
        return (0, 0);
    }
    if rate <= 1 {
        return (count, size);
    }
    let avg = size as f64 / count as f64;
    let scale = 1.0 / (1.0 - (-avg / rate as f64).exp());
    ((count as f64 * scale) as i64, (size as f64 * scale) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BlockingOp;

    fn load_str(text: &str) -> Result<Snapshot, InputError> {
        load_opts(text, &LoadOptions::default())
    }

    fn load_opts(text: &str, opts: &LoadOptions) -> Result<Snapshot, InputError> {
        let mut r = text.as_bytes();
        load(&mut r, "t.txt", opts)
    }

    fn err(text: &str) -> String {
        load_str(text).unwrap_err().in_file("t.txt").to_string()
    }

    fn frames(s: &Snapshot, i: usize) -> Vec<String> {
        s.samples[i]
            .stack
            .iter()
            .map(|&id| {
                let f = s.table.resolve(id);
                format!("{} {}:{}", f.function, f.file, f.line)
            })
            .collect()
    }

    const GOROUTINE: &str = "goroutine profile: total 4
2 @ 0x103b125 0x106cd1f 0x13ac44a 0x106fd81
# labels: {\"test_label\":\"test_value\", \"k\\\"2\":\"a\\tb\\u00e9\"}
#\t0x106cd1e\ttime.Sleep+0xbe\t\t\t/usr/local/go/src/runtime/time.go:188
#\t0x13ac449\tmain.shortSleepLoop+0x29\t/home/u/go/src/example.com/app/main.go:165

1 @ 0x103b125 0x10083ef 0x13ac4ed 0x106fd81
#\t0x13ac4ec\tmain.chanReceiveForever+0x4c\t/home/u/go/src/example.com/app/main.go:177
#\t0x13ac4ff

1 @ 0x44b1 0x44b2 0x44b3
#\t0x44b0\truntime.gopark+0xce\t\t/usr/local/go/src/runtime/proc.go:435
#\t0x44b1\truntime.chanrecv+0x445\t\t/usr/local/go/src/runtime/chan.go:536
#\t0x44b2\truntime.chanrecv1+0x12\t\t/usr/local/go/src/runtime/chan.go:506
";

    #[test]
    fn goroutine_text_loads() {
        let s = load_str(GOROUTINE).unwrap();
        assert_eq!(s.kind, ProfileKind::Goroutine);
        assert_eq!(s.format, Format::Debug1);
        assert_eq!(s.declared_total, Some(4));
        assert_eq!(s.goroutine_count(), 4);
        assert_eq!(s.sample_types, [ValueType::new("goroutine", "count")]);
        assert_eq!(s.samples.len(), 3);
        assert_eq!(s.samples[0].values, [2]);
        assert_eq!(
            frames(&s, 0),
            [
                "time.Sleep runtime/time.go:188",
                "main.shortSleepLoop main.go:165"
            ]
        );
        assert_eq!(s.samples[0].op, BlockingOp::Sleep);
        assert_eq!(
            s.samples[0].labels,
            [
                ("test_label".to_string(), "test_value".to_string()),
                ("k\"2".to_string(), "a\tbé".to_string())
            ]
        );
        // An address-only frame line becomes an address frame.
        assert_eq!(
            frames(&s, 1),
            ["main.chanReceiveForever main.go:177", "0x13ac4ff :0"]
        );
        assert_eq!(s.samples[1].op, BlockingOp::Other);
        // All-runtime stacks are printed in full: the nil-channel park shows.
        assert_eq!(s.samples[2].op, BlockingOp::NilChan);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    /// Hidden addresses alone: under one wrapper the lower park address is
    /// the nil-channel check even where nothing tells a send from a
    /// receive; two wrappers under one park address are chanrecv1 (marked
    /// plain) and chanrecv2.
    #[test]
    fn hidden_addresses_order_nil_plain_and_range_receives() {
        let text = "goroutine profile: total 3
1 @ 0x100 0x520 0x410 0x900 0x990
#\t0x8ff\tmain.nilFeed+0x10\t/src/main.go:10

1 @ 0x100 0x6a0 0x410 0x910 0x990
#\t0x90f\tmain.rangeJobs+0x10\t/src/main.go:20

1 @ 0x100 0x6a0 0x3f0 0x920 0x990
#\t0x91f\tmain.waitDone+0x10\t/src/main.go:30
";
        let s = load_str(text).unwrap();
        let ops: Vec<_> = s.samples.iter().map(|x| (x.op, x.plain_receive)).collect();
        assert_eq!(
            ops,
            [
                (BlockingOp::NilChan, false),
                (BlockingOp::RangeReceive, false),
                (BlockingOp::ChanReceive, true)
            ]
        );
    }

    /// Two hidden frames are a select only under the address every parked
    /// goroutine starts at (gopark): a goroutine caught running (here in
    /// two allocation frames at lower addresses) is no wait, and its lower
    /// second address does not make the real selects' `select {}`.
    #[test]
    fn hidden_frames_of_a_running_goroutine_are_no_select() {
        let text = "goroutine profile: total 5
2 @ 0x100 0x6a0 0x410 0x900 0x990
#\t0x8ff\tmain.rangeJobs+0x10\t/src/main.go:10

1 @ 0x100 0x700 0x910 0x990
#\t0x90f\tmain.serve+0x10\t/src/main.go:20

1 @ 0x100 0x700 0x920 0x990
#\t0x91f\tmain.poll+0x10\t/src/main.go:30

1 @ 0x40 0x50 0x930 0x990
#\t0x92f\tmain.fetch+0x10\t/src/main.go:40
";
        let s = load_str(text).unwrap();
        // (The channel record, three deep, shows this release parks channel
        // operations so; alone, nothing orders its addresses.)
        let ops: Vec<_> = s.samples[1..].iter().map(|x| x.op).collect();
        assert_eq!(
            ops,
            [BlockingOp::Select, BlockingOp::Select, BlockingOp::Other]
        );
        // Parked at a lower select address than another select: `select {}`.
        let text = text.replace("1 @ 0x40 0x50 0x930", "1 @ 0x100 0x50 0x930");
        let s = load_str(&text).unwrap();
        assert_eq!(s.samples[3].op, BlockingOp::SelectNoCases);
    }

    /// The side of a nil channel by the order of the addresses alone
    /// (runtime/chan.go: chansend1, chansend, then chanrecv1, chanrecv2,
    /// chanrecv): a send's nil check lies below a receive's wrapper, a
    /// receive's above every wrapper.
    #[test]
    fn hidden_addresses_order_the_side_of_a_nil_channel() {
        let text = "goroutine profile: total 4
1 @ 0x100 0x300 0x200 0x900 0x990
#\t0x8ff\tmain.nilSend+0x10\t/src/main.go:10

1 @ 0x100 0x380 0x200 0x910 0x990
#\t0x90f\tmain.send+0x10\t/src/main.go:20

1 @ 0x100 0x6a0 0x410 0x920 0x990
#\t0x91f\tmain.recv+0x10\t/src/main.go:30

1 @ 0x100 0x520 0x410 0x930 0x990
#\t0x92f\tmain.nilRecv+0x10\t/src/main.go:40
";
        let s = load_str(text).unwrap();
        let got: Vec<_> = s
            .samples
            .iter()
            .map(|x| (x.op, x.hidden_nil_send))
            .collect();
        assert_eq!(
            got,
            [
                (BlockingOp::NilChan, true),
                (BlockingOp::ChanSend, false),
                (BlockingOp::ChanReceive, false),
                (BlockingOp::NilChan, false)
            ]
        );
    }

    /// Profiles of `testdata/go/chan-offsets` written by each Go release
    /// measured: every channel operation is told, whole and record by
    /// record alone (where no other record orders the addresses).
    #[test]
    fn park_offsets_of_each_release_tell_the_operation() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/chan-offsets");
        let mut releases = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let what = path.display().to_string();
            let records: Vec<&str> = text
                .split("\n\n")
                .filter(|r| r.contains("\tmain.") && !r.contains("main.main"))
                .map(|r| r.trim_start_matches("goroutine profile: total 8\n"))
                .collect();
            assert_eq!(records.len(), 7, "{what}");
            let expected = |function: &str| match function {
                "send" => (BlockingOp::ChanSend, false),
                "recv1" => (BlockingOp::ChanReceive, true),
                "recv2" | "recvOK" => (BlockingOp::ChanReceive, false),
                _ => (BlockingOp::NilChan, false),
            };
            for r in &records {
                let function = r
                    .split("\tmain.")
                    .nth(1)
                    .unwrap()
                    .split('+')
                    .next()
                    .unwrap();
                let alone = load_str(&format!("goroutine profile: total 1\n{r}\n")).unwrap();
                let got = (alone.samples[0].op, alone.samples[0].plain_receive);
                assert_eq!(got, expected(function), "{what}: {function} alone");
                assert_eq!(
                    alone.samples[0].hidden_nil_send,
                    function == "nilSend",
                    "{what}: {function} alone: the side of the nil channel"
                );
            }
            // With the other records, ordering decides first; it must agree
            // on sends, receives and nil channels.
            let whole = load_str(&text).unwrap();
            for sample in &whole.samples {
                let leaf = whole.table.resolve(sample.stack[0]).function;
                let Some(function) = leaf.strip_prefix("main.") else {
                    continue;
                };
                let (op, _) = expected(function);
                let got = match sample.op {
                    BlockingOp::RangeReceive => BlockingOp::ChanReceive,
                    o => o,
                };
                assert_eq!(got, op, "{what}: {function} among the others");
                assert_eq!(
                    sample.hidden_nil_send,
                    function == "nilSend",
                    "{what}: {function} among the others: the side of the nil channel"
                );
            }
            releases += 1;
        }
        assert!(releases >= 8, "{releases} releases");
        // A distance no release has, or one of fixed-width code (all
        // addresses multiples of 4), decides nothing.
        let unknown = "goroutine profile: total 1\n1 @ 0x47e84a 0x4148ec 0x4146d7 0x50287c 0x484841\n#\t0x50287b\tmain.f+0x1b\tmain.go:47\n";
        assert_eq!(load_str(unknown).unwrap().samples[0].op, BlockingOp::Other);
        let arm = "goroutine profile: total 1\n1 @ 0x47e848 0x414adc 0x4146d8 0x50287c 0x484840\n#\t0x50287b\tmain.f+0x1b\tmain.go:47\n";
        assert_eq!(load_str(arm).unwrap().samples[0].op, BlockingOp::Other);
    }

    /// Ordering alone calls a nil-channel send beside a receive a send
    /// (no live send shares its wrapper); the release's distance says nil.
    #[test]
    fn a_known_distance_finds_the_nil_channel_ordering_misses() {
        let text = "goroutine profile: total 2
1 @ 0x47e84a 0x4147ec 0x4146d7 0x50287c 0x484841
#\t0x50287b\tmain.nilSend+0x1b\tmain.go:47

1 @ 0x47e84a 0x415a0e 0x415532 0x502765 0x484841
#\t0x502764\tmain.recv1+0x24\tmain.go:30
";
        let s = load_str(text).unwrap();
        let ops: Vec<_> = s.samples.iter().map(|x| (x.op, x.plain_receive)).collect();
        assert_eq!(
            ops,
            [
                (BlockingOp::NilChan, false),
                (BlockingOp::ChanReceive, true)
            ]
        );
    }

    #[test]
    fn no_park_offset_means_two_operations() {
        let all: Vec<u64> = [
            0x44f, 0x503, 0x4c3, 0x119, 0x218, 0x1d8, 0x3ae, 0x3fb, 0x3db, 0xe3, 0x187, 0x167,
            0x396, 0x3ed, 0x3cd, 0x44a, 0x42a, 0x1c7, 0x1a7, 0x473, 0x453, 0xf5, 0x1d5, 0x1b5,
            0x3d4, 0x4a1, 0x481, 0x115, 0x207, 0x1e7, 0x405, 0x4dc, 0x4bc,
        ]
        .into();
        for o in all {
            assert!(chan_op_by_offset(o).is_some(), "{o:#x}");
        }
    }

    #[test]
    fn spaces_crlf_and_markdown_mangled_frames() {
        let spaces = "goroutine profile: total 3\r\n3 @ 0x1 0x2\r\n# 0x1 main.(*T).run+0x10 C:/Program Files/app/main.go:12\r\n#   0x2   main.main+0x2   C:/Program Files/app/main.go:20\r\n";
        let s = load_str(spaces).unwrap();
        assert_eq!(
            frames(&s, 0),
            ["main.(*T).run main.go:12", "main.main main.go:20"]
        );
        assert_eq!(
            s.table.raw_file(s.samples[0].stack[0]),
            "C:/Program Files/app/main.go"
        );

        let mangled = "goroutine profile: total 1779\n869 @ 0x4c974c 0x4d9228 0x822125 0x4f65c1\n        0x822124\tnet/http.(*persistConn).writeLoop+0x164\t/usr/local/go/src/net/http/transport.go:1759\n\n866 @ 0x4c974c 0x4d9228 0x820f97 0x4f65c1\n       0x820f96\tnet/http.(*persistConn).readLoop+0x7a6\t/usr/local/go/src/net/http/transport.go:1654";
        let s = load_str(mangled).unwrap();
        assert_eq!(s.samples.len(), 2);
        assert_eq!(
            frames(&s, 1),
            ["net/http.(*persistConn).readLoop net/http/transport.go:1654"]
        );
        assert_eq!(s.declared_total, Some(1779));
        assert_eq!(
            s.warnings,
            ["the header says total 1779, but the records add up to 1735 (is the text cut short?)"]
        );
    }

    #[test]
    fn byte_order_mark_and_detection() {
        let text = "\u{feff}goroutine profile: total 1\r\n1 @ 0x1\r\n";
        let snaps =
            crate::load::load_reader("b.txt", text.as_bytes(), &LoadOptions::default()).unwrap();
        assert_eq!(snaps[0].kind, ProfileKind::Goroutine);
        assert_eq!(snaps[0].format, Format::Debug1);
        assert_eq!(snaps[0].goroutine_count(), 1);
    }

    #[test]
    fn cut_lines_and_invalid_utf8_are_told() {
        let s = load_str("goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.f+0x1\t/a.g").unwrap();
        assert_eq!(
            s.warnings,
            ["truncated at line 3: the input ends in the middle of a line"]
        );
        let mut r = &b"goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.\xfff+0x1\t/a.go:1\n"[..];
        let s = load(&mut r, "t", &LoadOptions::default()).unwrap();
        assert_eq!(
            s.warnings,
            ["line 3: not valid UTF-8; the invalid bytes are shown as U+FFFD"]
        );
    }

    #[test]
    fn nul_padding_is_blank() {
        let mut d = vec![0u8; 100];
        d.extend_from_slice(b"goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.f+0x1\t/a.go:1\n");
        d.extend_from_slice(&[0; 100]);
        let snaps = crate::load::load_reader("n.txt", &d[..], &LoadOptions::default()).unwrap();
        assert_eq!(snaps[0].format, Format::Debug1);
        assert_eq!(snaps[0].goroutine_count(), 1);
        assert!(snaps[0].warnings.is_empty(), "{:?}", snaps[0].warnings);
    }

    #[test]
    fn huge_counts_do_not_overflow() {
        let s = load_str(
            "goroutine profile: total 5\n9223372036854775807 @ 0x1\n\n9223372036854775807 @ 0x2\n\n7 @ 0x3\n",
        )
        .unwrap();
        assert_eq!(s.goroutine_count(), u64::MAX);
        assert!(s.warnings[0].contains("add up to 9223372036854775807"));
        assert_eq!(
            err("goroutine profile: total 1\n99999999999999999999 @ 0x1\n"),
            "t.txt: line 2: bad count in record header"
        );
    }

    #[test]
    fn goroutineleak_and_threadcreate_headers() {
        let s = load_str(
            "goroutineleak profile: total 1\n1 @ 0x1\n#\t0x1\tmain.leak+0x1\t/src/main.go:3\n",
        )
        .unwrap();
        assert_eq!(s.kind, ProfileKind::GoroutineLeak);
        assert_eq!(s.sample_types, [ValueType::new("goroutineleak", "count")]);

        let s =
            load_str("threadcreate profile: total 2\n1 @ 0x44cb3 0x45045\n1 @ 0x440e2\n").unwrap();
        assert_eq!(s.kind, ProfileKind::ThreadCreate);
        assert_eq!(frames(&s, 0), ["0x44cb3 :0", "0x45045 :0"]);
        assert_eq!(s.samples[1].op, BlockingOp::Other);

        let s = load_str("my.custom profile: total 0\n").unwrap();
        assert_eq!(s.kind, ProfileKind::Other);
        assert!(s.samples.is_empty());
    }

    #[test]
    fn text_before_the_header_and_stray_lines_are_warnings() {
        let s = load_str("$ curl localhost:6060/debug/pprof/goroutine?debug=1\n\ngoroutine profile: total 1\n#\t0x8\tmain.y+0x1\t/a/main.go:9\n1 @ 0x1\nsomething else\n#\t0x9\tmain.x+0x1\t/a/main.go:1\n").unwrap();
        assert_eq!(s.samples.len(), 1);
        // A stray line does not end the record.
        assert_eq!(frames(&s, 0), ["main.x main.go:1"]);
        assert_eq!(
            s.warnings,
            [
                "lines 1-2: skipped 1 line(s) before the profile header",
                "line 4: frame line outside a record; skipped",
                "line 6: not part of the profile; skipped",
            ]
        );
    }

    #[test]
    fn malformed_records_are_line_numbered_errors() {
        assert_eq!(
            err("goroutine profile: total 2\n1 @ 0x1\n\nx @ 0x2 0x3\n"),
            "t.txt: line 4: bad count in record header"
        );
        assert_eq!(
            err("goroutine profile: total 2\n1 @ 0x1 zz\n"),
            "t.txt: line 2: bad address \"zz\" in record header"
        );
        assert_eq!(
            err("heap profile: 1: 2 [3: 4] @ heap/2\n1: x [1: 2] @ 0x1\n"),
            "t.txt: line 2: bad heap record header (expected `inuse_objects: inuse_bytes [alloc_objects: alloc_bytes] @ addresses`)"
        );
        assert_eq!(
            err("--- contention:\ncycles/second=1000000000\n12 @ 0x1\n"),
            "t.txt: line 3: bad count in record header (expected `cycles count @ addresses`)"
        );
        assert!(err("hello\nworld\n").starts_with("t.txt: no debug=1 profile header"));
        // A log line with an `@` is not a record.
        let s = load_str("goroutine profile: total 1\n1 @ 0x1\n\nmail bob@example.com\n").unwrap();
        assert_eq!(s.warnings, ["line 4: not part of the profile; skipped"]);
    }

    #[test]
    fn bounds() {
        let opts = LoadOptions {
            max_samples: 2,
            ..Default::default()
        };
        let e = load_opts(GOROUTINE, &opts).unwrap_err();
        assert_eq!(
            e.in_file("t").to_string(),
            "t: line 11: more than 2 records (raise the limit with --max-samples)"
        );
        let opts = LoadOptions {
            max_frames: 1,
            ..Default::default()
        };
        let s = load_opts(GOROUTINE, &opts).unwrap();
        assert_eq!(frames(&s, 0), ["time.Sleep runtime/time.go:188"]);
        assert_eq!(
            s.warnings,
            ["3 record(s) had stacks deeper than 1 frames; cut (raise --max-frames)"]
        );
        let opts = LoadOptions {
            max_line: 40,
            ..Default::default()
        };
        let s = load_opts(GOROUTINE, &opts).unwrap();
        assert_eq!(s.samples.len(), 3);
        assert_eq!(frames(&s, 0)[0], "time.Sleep time/local:0");
        assert_eq!(
            s.warnings[..2],
            [
                "line 2: longer than 40 bytes; the rest was skipped",
                "line 3: longer than 40 bytes; the rest was skipped"
            ]
        );
    }

    #[test]
    fn deep_records_keep_only_the_bound() {
        let mut text = String::from("goroutine profile: total 1\n1 @ 0x1\n");
        for i in 0..5000 {
            text.push_str(&format!("#\t0x{i:x}\tmain.f{i}+0x1\t/src/main.go:{i}\n"));
        }
        let opts = LoadOptions {
            max_frames: 10,
            ..Default::default()
        };
        let s = load_opts(&text, &opts).unwrap();
        assert_eq!(s.samples[0].stack.len(), 10);
        // Frames past the bound are not even interned.
        assert!(s.table.len() <= 11, "{}", s.table.len());
        assert_eq!(
            s.warnings,
            ["1 record(s) had stacks deeper than 10 frames; cut (raise --max-frames)"]
        );
        // Address-only records too.
        let addrs: Vec<String> = (1..=50).map(|i| format!("0x{i:x}")).collect();
        let text = format!("goroutine profile: total 1\n1 @ {}\n", addrs.join(" "));
        let s = load_opts(&text, &opts).unwrap();
        assert_eq!(s.samples[0].stack.len(), 10);
        assert!(s.table.len() <= 11, "{}", s.table.len());
    }

    const HEAP: &str = "heap profile: 3: 3072 [5: 5120] @ heap/1048576
2: 2048 [3: 3072] @ 0x420cef 0x401000 0x402000
#\t0x400fff\tmain.alloc+0x1f\t/src/app/main.go:10
#\t0x401fff\tmain.main+0x2f\t/src/app/main.go:20

1: 1024 [2: 2048] @ 0x420cef 0x403000
0: 0 [0: 0] @

# runtime.MemStats
# Alloc = 336152640
1: 1 [1: 1] @ 0xdead
";

    #[test]
    fn legacy_heap_text() {
        let s = load_str(HEAP).unwrap();
        assert_eq!(s.kind, ProfileKind::Heap);
        assert_eq!(s.format, Format::HeapText);
        let types: Vec<&str> = s.sample_types.iter().map(|v| v.ty.as_str()).collect();
        assert_eq!(
            types,
            [
                "alloc_objects",
                "alloc_space",
                "inuse_objects",
                "inuse_space"
            ]
        );
        assert_eq!(s.period_type, Some(ValueType::new("space", "bytes")));
        // heap/1048576 is twice the sampling rate.
        assert_eq!(s.period, Some(524288));
        assert_eq!(s.samples.len(), 3, "stops at # runtime.MemStats");
        // 1 KiB objects sampled at 512 KiB: each stands for ~512.5 objects.
        let scale = 1.0 / (1.0 - (-1024.0f64 / 524288.0).exp());
        let v = &s.samples[0].values;
        assert_eq!(v[0], (3.0 * scale) as i64);
        assert_eq!(v[1], (3072.0 * scale) as i64);
        assert_eq!(v[2], (2.0 * scale) as i64);
        assert_eq!(v[3], (2048.0 * scale) as i64);
        assert_eq!(
            s.samples[0].labels,
            [("bytes".to_string(), "1024".to_string())]
        );
        assert_eq!(
            frames(&s, 0),
            ["main.alloc main.go:10", "main.main main.go:20"]
        );
        // No symbols: the addresses.
        assert_eq!(frames(&s, 1), ["0x420cef :0", "0x403000 :0"]);
        assert!(s.samples[2].stack.is_empty());
        assert_eq!(s.samples[2].values, [0, 0, 0, 0]);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn heap_text_without_sampling_keeps_values() {
        let s = load_str("heap profile: 0: 0 [0: 1] @ heap/0\n1: 10 [2: 20] @ 0x1\n").unwrap();
        assert_eq!(s.samples[0].values, [2, 20, 1, 10]);
        let s =
            load_str("heap profile: 1: 10 [2: 20] @ heapprofile\n1: 10 [2: 20] @ 0x1\n").unwrap();
        assert_eq!(s.samples[0].values, [2, 20, 1, 10]);
        assert_eq!(s.period, Some(1));
        let s = load_str("heap profile:    1:     10 [     1:     10] @ heapz_v2/1\n     1:     10 [     1:     10] @ 0x1 0x2\n--- Memory map: ---\n  00400000-00fcb000: /bin/x\n").unwrap();
        assert_eq!(s.samples.len(), 1);
        assert_eq!(s.samples[0].values, [1, 10, 1, 10]);
        assert!(
            s.warnings[0].contains("not a Go heap profile"),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn contention_and_mutex_text() {
        let block = "--- contention:\ncycles/second=2000000000\n4000 2 @ 0x1 0x2\n#\t0x0\tsync.(*Mutex).Lock+0x1\t/go/src/sync/mutex.go:90\n#\t0x1\tmain.f+0x1\t/src/main.go:5\n\n";
        let s = load_str(block).unwrap();
        assert_eq!(s.kind, ProfileKind::Block);
        assert_eq!(
            s.sample_types,
            [
                ValueType::new("contentions", "count"),
                ValueType::new("delay", "nanoseconds")
            ]
        );
        assert_eq!(s.samples[0].values, [2, 2000]);
        assert_eq!(s.period, Some(1));
        assert_eq!(frames(&s, 0)[0], "sync.(*Mutex).Lock sync/mutex.go:90");

        let mutex = "--- mutex:\ncycles/second=1000000000\nsampling period=5\n300 3 @ 0x1\n#\t0x0\tsync.(*Mutex).Unlock+0x1\t/go/src/sync/mutex.go:200\n";
        let s = load_str(mutex).unwrap();
        assert_eq!(s.kind, ProfileKind::Mutex);
        assert_eq!(s.samples[0].values, [3, 300]);
        assert_eq!(s.period, Some(5));

        let s = load_str("--- contention:\n10 1 @ 0x1\n").unwrap();
        assert_eq!(s.samples[0].values, [1, 10]);
        assert_eq!(
            s.warnings,
            ["no cycles/second line: delays are CPU cycles, not nanoseconds"]
        );
    }

    #[test]
    fn damaged_text_never_panics() {
        let contention = "--- mutex:\ncycles/second=1000000000\nsampling period=5\n300 3 @ 0x1\n#\t0x0\tsync.(*Mutex).Unlock+0x1\t/go/src/sync/mutex.go:200\n";
        for text in [GOROUTINE, HEAP, contention] {
            let bytes = text.as_bytes();
            for cut in 0..bytes.len() {
                let mut r = &bytes[..cut];
                let _ = load(&mut r, "t", &LoadOptions::default());
            }
            for i in 0..bytes.len() {
                for v in [b'\n', b'#', b'@', b' ', b'x', b'9', b'"', b'\\', 0xff] {
                    let mut d = bytes.to_vec();
                    d[i] = v;
                    let mut r = &d[..];
                    let _ = load(&mut r, "t", &LoadOptions::default());
                }
            }
        }
    }

    #[test]
    fn labels_parser() {
        assert_eq!(parse_labels("{}"), Some(vec![]));
        assert_eq!(
            parse_labels(r#"{"a":"1", "b":"x\x41\101\"\\"}"#),
            Some(vec![
                ("a".to_string(), "1".to_string()),
                ("b".to_string(), "xAA\"\\".to_string())
            ])
        );
        assert_eq!(parse_labels(r#"{"a":"1""#), None);
        assert_eq!(parse_labels(r#"{"a" "1"}"#), None);
        let s = load_str("goroutine profile: total 1\n1 @ 0x1\n# labels: {broken\n").unwrap();
        assert_eq!(s.warnings, ["line 3: could not read the labels; ignored"]);
    }
}
