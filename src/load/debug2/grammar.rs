//! The debug=2 line grammar: pure functions on one line, used by both the
//! sequential parser (`parser.rs`) and the block-parallel path
//! (`blocks.rs`), so each piece of the grammar has one implementation.
//! Line prefixes (log timestamps, quotes, source tags), goroutine headers
//! with their status and labels, function lines, file lines, `created by`,
//! elided frames and the text that ends a goroutine.

use crate::model::CallWords;
use memchr::{memchr, memchr2, memmem, memrchr};
use std::borrow::Cow;

// ---------------------------------------------------------------------------
// Line prefixes
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Shape {
    #[default]
    None,
    /// RFC 3339 / ISO timestamp (+ optional CRI `stdout F`), then a space.
    Timestamp,
    /// syslog / journald `Mon DD HH:MM:SS `.
    Syslog,
}

/// The prefix every line of a dump carries, detected from a header line.
#[derive(Debug, Clone, Default)]
pub(super) struct Prefix {
    /// Fixed text before the timestamp (`kubectl logs --prefix`
    /// `[pod/p/c] `, `docker compose logs -t` `app-1  | `).
    pub(super) lead: String,
    pub(super) shape: Shape,
    /// Fixed text after the timestamp (journald `host unit[pid]:`,
    /// `app_1  |` …), without its trailing whitespace.
    pub(super) literal: String,
    /// Markdown `>` quote levels.
    pub(super) quotes: usize,
    /// Whitespace characters before the header.
    pub(super) indent: usize,
    /// The header's timestamp text (for the snapshot time).
    pub(super) last_time: String,
}

impl Prefix {
    pub(super) fn detect(pre: &str) -> Prefix {
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
    pub(super) fn same_as(&self, pre: &str) -> bool {
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
    pub(super) fn is_plain(&self) -> bool {
        self.shape == Shape::None
            && self.lead.is_empty()
            && self.literal.is_empty()
            && self.quotes == 0
            && self.indent == 0
    }

    /// The prefix names a source (journald unit, container, compose
    /// service), so lines without it come from elsewhere.
    pub(super) fn is_source_tag(&self) -> bool {
        !self.lead.is_empty() || !self.literal.is_empty()
    }

    /// The line without this prefix; `None` when the line does not carry it.
    pub(super) fn strip<'l>(&self, line: &'l str) -> Option<&'l str> {
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

pub(super) fn all_digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

/// Strips `YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH:MM]` and the space after it
/// (CRI `stdout F ` too). Also `/` date separators. An empty remainder is
/// accepted (a blank log line carries only the timestamp).
pub(super) fn strip_timestamp(s: &str) -> Option<&str> {
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
pub(super) fn strip_syslog_time(s: &str) -> Option<&str> {
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
pub(super) fn parse_rfc3339_nanos(s: &str) -> Option<i64> {
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
pub(super) struct Header<'a> {
    pub(super) id: u64,
    /// Inside the brackets: `chan receive, 5 minutes, locked to thread`.
    pub(super) status: &'a str,
    /// Inside the label braces (Go 1.27 tracebacklabels).
    pub(super) labels: Option<&'a str>,
}

/// The first goroutine header anywhere in the line, with its position.
pub(super) fn find_header(line: &str) -> Option<(usize, Header<'_>)> {
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
pub(super) fn parse_goleak_header(s: &str) -> Option<Header<'_>> {
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
pub(super) fn parse_header(s: &str) -> Option<Header<'_>> {
    plain_header(s).or_else(|| any_header(s))
}

/// A header in the shape the runtime prints it, `goroutine N [STATUS]:`,
/// read as [`any_header`] reads it, without its general grammar; `None`
/// for anything else (labels, `gp=` words, an id past `u64`, text after
/// the colon), which `any_header` then reads.
#[inline]
fn plain_header(s: &str) -> Option<Header<'_>> {
    let b = s.as_bytes();
    if !b.starts_with(b"goroutine ") {
        return None;
    }
    let mut i = b"goroutine ".len();
    let mut id = 0u64;
    while i < b.len() && b[i].is_ascii_digit() {
        id = id.checked_mul(10)?.checked_add(u64::from(b[i] - b'0'))?;
        i += 1;
    }
    let digits = i - b"goroutine ".len();
    if digits == 0 || digits > 20 || !b[i..].starts_with(b" [") || !b.ends_with(b"]:") {
        return None;
    }
    // The first `]` must be the last but one byte: the status ends there.
    let status = &s[i + 2..s.len() - 2];
    if status.as_bytes().contains(&b']') {
        return None;
    }
    Some(Header {
        id,
        status,
        labels: None,
    })
}

/// [`parse_header`] in its general grammar.
fn any_header(s: &str) -> Option<Header<'_>> {
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
pub(super) fn label_block_end(s: &str) -> Option<usize> {
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
pub(super) struct Status<'a> {
    pub(super) state: &'a str,
    pub(super) minutes: Option<u32>,
    pub(super) locked: bool,
    pub(super) leaked: bool,
}

/// Splits `chan receive (scan) (leaked), 5 minutes, locked to thread,
/// synctest bubble 3` into the bare wait reason and its flags.
pub(super) fn parse_status(s: &str) -> Status<'_> {
    plain_status(s).unwrap_or_else(|| any_status(s))
}

/// [`parse_status`] of any shape.
fn any_status(s: &str) -> Status<'_> {
    let mut parts = CommaSpace(Some(s));
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

/// [`parse_status`] of the shapes nearly every goroutine has, `STATE` and
/// `STATE, N minutes`, in ASCII with nothing to trim and no parenthesis:
/// read without trimming or stripping (`None`: any other shape).
#[inline]
fn plain_status(s: &str) -> Option<Status<'_>> {
    let b = s.as_bytes();
    let edge = |c: u8| c > b' ' && c < 0x7f;
    if !edge(*b.first()?) || !edge(*b.last()?) || memchr(b'(', b).is_some() {
        return None;
    }
    let (state, minutes) = match memchr(b',', b) {
        None => (s, None),
        Some(i) => {
            let n = s[i..].strip_prefix(", ")?.strip_suffix(" minutes")?;
            if i == 0 || !edge(b[i - 1]) || n.is_empty() || !n.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            (&s[..i], Some(n.parse::<u32>().ok()?))
        }
    };
    (state != "leaked").then_some(Status {
        state,
        minutes,
        locked: false,
        leaked: false,
    })
}

/// A goroutine's state as [`crate::model::GoroutineInfo::state`] keeps it:
/// the wait reasons and statuses the runtime prints (`runtime2.go`,
/// `traceback.go`) are borrowed, anything else is copied.
pub(super) fn state_text(state: &str) -> Cow<'static, str> {
    const KNOWN: [&str; 50] = [
        "chan receive",
        "chan send",
        "select",
        "IO wait",
        "running",
        "runnable",
        "sleep",
        "semacquire",
        "syscall",
        "sync.Mutex.Lock",
        "sync.RWMutex.RLock",
        "sync.RWMutex.Lock",
        "sync.WaitGroup.Wait",
        "sync.Cond.Wait",
        "chan receive (nil chan)",
        "chan send (nil chan)",
        "select (no cases)",
        "preempted",
        "waiting",
        "idle",
        "dead",
        "copystack",
        "leaked",
        "GC assist marking",
        "dumping heap",
        "garbage collection",
        "garbage collection scan",
        "panicwait",
        "GC assist wait",
        "GC sweep wait",
        "GC scavenge wait",
        "finalizer wait",
        "force gc (idle)",
        "GOMAXPROCS updater (idle)",
        "trace reader (blocked)",
        "wait for GC cycle",
        "GC worker (idle)",
        "GC worker (active)",
        "debug call",
        "GC mark termination",
        "stopping the world",
        "flushing proc caches",
        "trace goroutine status",
        "trace proc status",
        "page trace flush",
        "coroutine",
        "GC weak to strong wait",
        "synctest.Run",
        "synctest.Wait",
        "cleanup wait",
    ];
    match KNOWN.iter().find(|&&k| k == state) {
        Some(&k) => Cow::Borrowed(k),
        None => Cow::Owned(state.to_string()),
    }
}

/// `s.split(", ")` without a substring searcher, which costs more to set up
/// than a status takes to split.
struct CommaSpace<'a>(Option<&'a str>);

impl<'a> Iterator for CommaSpace<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.0?;
        let b = s.as_bytes();
        let mut from = 0;
        while let Some(i) = memchr(b',', &b[from..]) {
            let at = from + i;
            if b.get(at + 1) == Some(&b' ') {
                self.0 = Some(&s[at + 2..]);
                return Some(&s[..at]);
            }
            from = at + 1;
        }
        self.0 = None;
        Some(s)
    }
}

/// Parses the inside of a label block: `k: v, "k 2": "v\"x"`.
pub(super) fn parse_labels(s: &str) -> Option<Vec<(String, String)>> {
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
pub(super) fn label_token(s: &str, delim: u8) -> Option<(String, &str)> {
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
pub(super) fn unquote(s: &str) -> Option<String> {
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
pub(super) fn is_elided(t: &str) -> bool {
    t.starts_with("...") && t.ends_with("...") && t.contains("frames elided")
}

/// The function name of a frame's function line `pkg.F(args)`, `pkg.(*T).M(...)`,
/// `F[...](0x0?, {0x1, ...})`, `stopm()`. A line cut at `max_line` needs no
/// closing parenthesis.
pub(super) fn parse_func_line(t: &str, cut: bool) -> Option<&str> {
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
pub(super) fn valid_func_name(name: &str) -> bool {
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
pub(super) fn is_symbol_only(t: &str) -> bool {
    !t.is_empty()
        && t.len() < 512
        && t.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'/' | b'$' | b'@'))
}

/// A frame's file line (without its indentation).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct FileLine<'a> {
    pub(super) path: &'a str,
    pub(super) line: u32,
    /// `file:line pc=0x…` as the cgo symbolizer prints it.
    pub(super) pc_only: bool,
    /// Length of the `path:line` text at the start of the line.
    pub(super) key_len: usize,
    /// The ` +0x1d` offset; 0 without one.
    pub(super) offset: u64,
}

/// The value of the hex digits at the start of `b` (wrapping past 64
/// bits, as no printed word has more).
#[inline]
pub(super) fn hex_prefix(b: &[u8]) -> u64 {
    let mut v = 0u64;
    for &c in b {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => break,
        };
        v = v.wrapping_shl(4) | u64::from(d);
    }
    v
}

/// A frame of the standard library's waiting code (see [`frame_args`]).
fn is_wait_frame(name: &[u8]) -> bool {
    name.starts_with(b"runtime.") || name.starts_with(b"sync.") || name.starts_with(b"internal/")
}

/// The `0x…` words of a function line's argument list `args` (the line
/// from its `(` on: `(0xc000012345, {0x1, 0x2}, 0x0?)`), as many as
/// [`CallWords`] holds.
pub(super) fn arg_words(args: &[u8]) -> CallWords {
    let mut out = CallWords::default();
    let mut i = 0;
    while i + 2 < args.len() && !out.is_full() {
        let Some(j) = memchr(b'x', &args[i + 1..]).map(|j| j + i + 1) else {
            break;
        };
        if args[j - 1] == b'0' && (j < 2 || !args[j - 2].is_ascii_alphanumeric()) {
            out.push(hex_prefix(&args[j + 1..]));
        }
        i = j;
    }
    out
}

/// The argument words a frame of function `name` adds to a goroutine's
/// [`CallWords`] `call` (see [`arg_words`] for `args`), or `None` when the
/// frame adds nothing: `call` is full, or the frame is part of the wait
/// itself (`runtime`, `sync`, `internal/…`: the lock or channel waited on,
/// the same from one call to the next), so that the words hold the calls
/// that lead to it.
///
/// A sleep adds nothing, nor do the arguments of the function that called
/// it (its offset does): a loop may draw the duration anew each time round
/// (jitter, a backoff), or pass it to a helper that sleeps, in one call of
/// the loop; the frames below say which call sleeps (a handler's request).
pub(super) fn frame_args(call: &CallWords, name: &[u8], args: &[u8]) -> Option<CallWords> {
    if call.is_full() {
        return None;
    }
    if name == b"time.Sleep" {
        return Some(CallWords {
            after_sleep: true,
            ..CallWords::default()
        });
    }
    (!is_wait_frame(name)).then(|| arg_words(args))
}

/// `pkg.(*T).M`, a method with a pointer receiver (not a closure in one,
/// `pkg.(*T).M.func1`, whose arguments are what it captured): its type,
/// told apart cheaply by its length and its last four bytes (two objects
/// share an address only where one embeds the other first, a type of
/// another name).
fn method_type(name: &[u8]) -> Option<u32> {
    // The method's name follows the last dot, right after `)`.
    let dot = name.iter().rposition(|&c| c == b'.')?;
    if dot == 0 || name[dot - 1] != b')' {
        return None;
    }
    let close = dot - 1;
    let open = name[..close].iter().position(|&c| c == b'(')?;
    if open == 0 || name[open - 1] != b'.' || name.get(open + 1) != Some(&b'*') {
        return None;
    }
    let ty = &name[..=close];
    let mut hash = ty.len() as u32;
    for &b in &ty[ty.len().saturating_sub(4)..] {
        hash = hash.rotate_left(8) ^ u32::from(b);
    }
    Some(hash)
}

/// The receiver's pointer: the first word of an argument list (`args`,
/// from its `(` on), 0 where it starts with none (`(...)`, an inlined
/// frame's) or is printed with `?` (Go 1.18 and later: a value that may
/// be stale, from a register spill slot no longer live).
fn receiver_word(args: &[u8]) -> u64 {
    match args {
        [b'(', b'0', b'x', rest @ ..] => {
            let end = rest
                .iter()
                .position(|c| !c.is_ascii_hexdigit())
                .unwrap_or(rest.len());
            if rest.get(end) == Some(&b'?') {
                0
            } else {
                hex_prefix(rest)
            }
        }
        _ => 0,
    }
}

/// The objects a goroutine's frames showed so far, top first
/// ([`crate::model::Objects`]): the WaitGroup a wait frame waits on, the
/// receiver of the first frame below the wait's, and (set by the reader
/// once the stack is read) the receiver of its entry frame.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ObjectsSeen {
    entry: Option<(u32, u64)>,
    inner: Option<(u32, u64)>,
    past_wait: bool,
    wait_group_at: u64,
}

impl ObjectsSeen {
    /// Takes the frame of function `name` (`args`: from its argument list
    /// on) as the goroutine's entry frame.
    pub(super) fn entry_frame(&mut self, name: &[u8], args: &[u8]) {
        self.entry = method_type(name).map(|t| (t, receiver_word(args)));
    }

    /// Takes the frame of function `name` (`args`: from its argument list
    /// on), until the first frame below the wait's: little work per frame.
    #[inline]
    pub(super) fn frame(&mut self, name: &[u8], args: &[u8]) {
        if self.past_wait {
            return;
        }
        if is_wait_frame(name) {
            if name == b"sync.(*WaitGroup).Wait" {
                if let [b'(', b'0', b'x', rest @ ..] = args {
                    // Printed exactly: the digits end the list (no `?`).
                    let end = rest
                        .iter()
                        .position(|c| !c.is_ascii_hexdigit())
                        .unwrap_or(rest.len());
                    if rest.get(end) == Some(&b')') {
                        self.wait_group_at = hex_prefix(rest);
                    }
                }
            }
            return;
        }
        self.past_wait = true;
        self.inner = method_type(name).map(|t| (t, receiver_word(args)));
    }

    pub(super) fn finish(&self) -> crate::model::Objects {
        let real = |r: Option<(u32, u64)>| r.filter(|&(_, w)| w != 0);
        crate::model::Objects {
            object: real(self.entry),
            wait_group_owner: real(self.inner)
                .filter(|&(_, at)| self.wait_group_at >= at && self.wait_group_at - at < 4096),
        }
    }
}

/// Adds a frame that [`frame_args`] let in: its offset, then its argument
/// words (see there for a sleep and its caller).
pub(super) fn push_frame_words(call: &mut CallWords, offset: u64, args: &CallWords) {
    if args.after_sleep {
        call.after_sleep = true;
        return;
    }
    call.push(offset);
    if std::mem::take(&mut call.after_sleep) {
        return;
    }
    for &w in &args.words[..usize::from(args.len)] {
        call.push(u64::from(w));
    }
}

/// Parses `/path/file.go:123`, `… +0x1d`, `… +0x1d fp=0x… sp=0x… pc=0x…`,
/// `C:/Program Files/…:1`, `<autogenerated>:1`, `file.c:438`.
pub(super) fn parse_file_line(body: &str) -> Option<FileLine<'_>> {
    let mut s = body;
    let mut pc_only = false;
    let mut offset = 0;
    let b = body.as_bytes();
    // ` +0x1d` is the last `+` of the line (`fp=`/`sp=`/`pc=` have none).
    match memrchr(b'+', b) {
        Some(i) if i > 0 && b[i - 1] == b' ' && b[i + 1..].starts_with(b"0x") => {
            s = &body[..i - 1];
            offset = hex_prefix(&b[i + 3..]);
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
        offset,
    })
}

/// A file line that lost its indentation must look like a source path.
pub(super) fn looks_like_path(p: &str) -> bool {
    p.contains('/')
        || p.contains('\\')
        || p.starts_with('<')
        || [".go", ".s", ".c", ".goc", ".h"]
            .iter()
            .any(|e| p.ends_with(e))
}

/// A line that starts another program state: it ends the open goroutine even
/// without a blank line before it.
pub(super) fn is_break_marker(t: &str) -> bool {
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
pub(super) fn looks_like_cut_frame(t: &str) -> bool {
    let first = t.split([' ', '\t']).next().unwrap_or("");
    !first.is_empty() && first.contains(['(', '.', '/', ':'])
}

/// What Go 1.21+ prints between a `created by` function and its parent's
/// id.
pub(super) const IN_GOROUTINE: &[u8] = b" in goroutine ";

/// `F in goroutine N` → (`F`, Some(N)); `F` alone (before Go 1.21) → (`F`, None).
pub(super) fn split_created_by(rest: &str) -> (&str, Option<u64>) {
    let b = rest.as_bytes();
    // The last ` in goroutine `: it ends at one of the line's last spaces
    // (a two-way search costs more than the line does).
    let at = memchr::memrchr_iter(b' ', b)
        .map(|p| p + 1)
        .find(|&end| end >= IN_GOROUTINE.len() && b[end - IN_GOROUTINE.len()..end] == *IN_GOROUTINE)
        .map(|end| end - IN_GOROUTINE.len());
    match at {
        Some(i) => (
            &rest[..i],
            rest[i + IN_GOROUTINE.len()..].trim().parse::<u64>().ok(),
        ),
        None => (rest, None),
    }
}

/// A gccgo function name as gc prints it: newer libgo prints the package
/// path encoded (`internal_1poll.runtime__pollWait`: `_1` is `/`, `_0` is
/// `.`, `__` is `_`; older gccgo prints plain names), and closures with a
/// double dot (`main.main..func1` for gc's `main.main.func1`). `None` when
/// the name is already gc's.
pub(super) fn gccgo_decode(name: &str) -> Option<String> {
    let dot = name.find('.')?;
    let pkg = &name[..dot];
    // (`__go_go` of the old C runtime is a plain name.)
    let encoded = pkg.contains("_1") || pkg.contains("_0") || name[dot..].contains("__");
    if !encoded && !name.contains("..func") {
        return None;
    }
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '_' && encoded {
            let decoded = match chars.peek() {
                Some('_') => Some('_'),
                Some('0') => Some('.'),
                Some('1') => Some('/'),
                _ => None,
            };
            if let Some(d) = decoded {
                chars.next();
                out.push(d);
                continue;
            }
        }
        out.push(c);
    }
    Some(out.replace("..func", ".func"))
}

#[cfg(test)]
mod tests {
    use super::{
        any_header, any_status, plain_header, plain_status, receiver_word, split_created_by,
    };

    #[test]
    fn a_receiver_printed_with_a_question_mark_is_no_object() {
        assert_eq!(receiver_word(b"(0xc0000dc240, 0xb2d05e00)"), 0xc0000dc240);
        assert_eq!(receiver_word(b"(0x3563fae36510)"), 0x3563fae36510);
        assert_eq!(receiver_word(b"(0xc0000dc240?, 0x0?)"), 0);
        assert_eq!(receiver_word(b"(0x0?)"), 0);
        assert_eq!(receiver_word(b"(...)"), 0);
        assert_eq!(receiver_word(b"({0x5f1e20, 0xc000012000})"), 0);
    }
    #[test]
    fn plain_headers_read_as_the_general_grammar_reads_them() {
        let lines = [
            "goroutine 1 [running]:",
            "goroutine 18 [chan receive, 5 minutes]:",
            "goroutine 007 [select (leaked), locked to thread]:",
            "goroutine 1 []:",
            "goroutine 18446744073709551615 [sleep]:",
            "goroutine 18446744073709551616 [sleep]:",
            "goroutine 123456789012345678901 [sleep]:",
            "goroutine 1 [a]b]:",
            "goroutine 1 [a] b:",
            "goroutine 1 [sleep]: ",
            "goroutine 1 [sleep] :",
            "goroutine 1 [sleep]:x",
            "goroutine  1 [sleep]:",
            "goroutine 1 gp=0xc000002380 m=0 mp=0x5b2e60 [running]:",
            "goroutine 1 [select] {\"k\":\"v\"}:",
            "goroutine [sleep]:",
            "goroutine",
            "goroutin 1 [sleep]:",
            "",
            "goroutine 1[sleep]:",
        ];
        let mut plain = 0;
        for t in lines {
            if let Some(h) = plain_header(t) {
                assert_eq!(Some(h), any_header(t), "{t}");
                plain += 1;
            }
        }
        assert_eq!(plain, 5);
    }

    /// The shortcut reads every status it takes as the full reading does.
    #[test]
    fn plain_statuses_read_as_the_full_grammar_reads_them() {
        let states = [
            "chan receive",
            "select",
            "leaked",
            "running",
            "IO wait",
            "sync.WaitGroup.Wait",
            " select",
            "select ",
            "chan receive (nil chan)",
            "select (leaked)",
            "syscall (scan)",
            "",
            ",",
            "é",
        ];
        let tails = [
            "",
            ", 5 minutes",
            ", 1 minutes",
            ", 1 minute",
            ", 4294967296 minutes",
            ", 12 minutes, locked to thread",
            ", locked to thread",
            ",5 minutes",
            ", 5 minutes ",
            ", minutes",
            ",  5 minutes",
            ", +5 minutes",
            ", 5 minutes, synctest bubble 3",
            ", 0 minutes",
        ];
        let mut taken = 0;
        for st in states {
            for tail in tails {
                let s = format!("{st}{tail}");
                let full = any_status(&s);
                if let Some(p) = plain_status(&s) {
                    taken += 1;
                    assert_eq!(
                        (p.state, p.minutes, p.locked, p.leaked),
                        (full.state, full.minutes, full.locked, full.leaked),
                        "{s:?}"
                    );
                }
            }
        }
        assert!(taken >= 10, "{taken}");
    }

    /// The last ` in goroutine ` splits the line, as a search from the end
    /// finds it, whatever comes before or after it.
    #[test]
    fn created_by_splits_at_the_last_in_goroutine() {
        for rest in [
            "main.main in goroutine 1",
            "net/http.(*Server).Serve in goroutine 1234567",
            "main.main",
            "main.(*T).run.func1 in goroutine  42 ",
            "a in goroutine in goroutine 5",
            "a in goroutine 5 in goroutine x",
            " in goroutine 7",
            "in goroutine 7",
            "main.f in goroutine ",
            "main.f  in goroutine 3",
            "héllo.wörld in goroutine 9",
            "x in goroutine 18446744073709551616",
            "",
            " ",
        ] {
            let want = match rest.rfind(" in goroutine ") {
                Some(i) => (
                    &rest[..i],
                    rest[i + " in goroutine ".len()..]
                        .trim()
                        .parse::<u64>()
                        .ok(),
                ),
                None => (rest, None),
            };
            assert_eq!(split_created_by(rest), want, "{rest:?}");
        }
    }
}
