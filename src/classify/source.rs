//! Source-aware classification: read the Go code the stacks point at.
//!
//! A stack says where a goroutine is stuck, not why; the code around that
//! line and around the `go` statement usually does. Paths in a dump come from
//! the build machine, a container or a `-trimpath` build, so files are found
//! by their longest matching path suffix under each `--source` directory.
//! The scan is lexical: the enclosing function is found by braces from the
//! frame's line, and its statements are matched with regular expressions. A
//! file that no longer matches the dump (line out of range, function not
//! there) is ignored with a note rather than used to mislead.

use crate::model::{BlockingOp, FrameRef};
use regex::Regex;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// Most files indexed under the source roots.
const MAX_FILES: usize = 200_000;
/// Largest source file read.
const MAX_FILE_BYTES: u64 = 8 << 20;
/// Lines of context shown around a source line.
const CONTEXT: u32 = 2;

/// A source file, split into lines.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub lines: Vec<String>,
}

impl SourceFile {
    /// 1-based line, if in range.
    pub fn line(&self, n: u32) -> Option<&str> {
        if n == 0 {
            return None;
        }
        self.lines.get(n as usize - 1).map(|s| s.as_str())
    }
}

/// A source line with a little context, for reports.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SourceSnippet {
    pub path: String,
    pub line: u32,
    pub text: String,
    /// `(line, text)` around `line`, `line` included.
    pub context: Vec<(u32, String)>,
}

/// What the source says about one finding.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceInfo {
    /// The blocking line.
    pub site: Option<SourceSnippet>,
    /// The `go` statement named by created-by.
    pub go_statement: Option<SourceSnippet>,
}

/// Finds files by path suffix under the source roots.
#[derive(Debug, Default)]
pub struct SourceIndex {
    by_base: HashMap<String, Vec<PathBuf>>,
    cache: Mutex<HashMap<String, Option<Arc<SourceFile>>>>,
    /// Problems to report once each (missing files, stale files).
    notes: Mutex<BTreeSet<String>>,
}

fn components(p: &str) -> Vec<&str> {
    p.split(['/', '\\']).filter(|c| !c.is_empty()).collect()
}

impl SourceIndex {
    /// Indexes the `.go` files under each root.
    pub fn new(roots: &[PathBuf]) -> SourceIndex {
        let mut idx = SourceIndex::default();
        let mut count = 0usize;
        for root in roots {
            let mut stack = vec![root.clone()];
            while let Some(dir) = stack.pop() {
                let Ok(rd) = std::fs::read_dir(&dir) else {
                    continue;
                };
                for e in rd.flatten() {
                    let Ok(t) = e.file_type() else { continue };
                    let name = e.file_name().to_string_lossy().into_owned();
                    if t.is_dir() {
                        if !name.starts_with('.') && name != "node_modules" {
                            stack.push(e.path());
                        }
                    } else if t.is_file() && name.ends_with(".go") && count < MAX_FILES {
                        count += 1;
                        idx.by_base.entry(name).or_default().push(e.path());
                    }
                }
            }
        }
        if count >= MAX_FILES {
            idx.note(format!("source: more than {MAX_FILES} Go files under the source directories; the rest were not indexed"));
        }
        idx
    }

    fn note(&self, n: String) {
        if let Ok(mut g) = self.notes.lock() {
            g.insert(n);
        }
    }

    /// Notes gathered so far (each once).
    pub fn notes(&self) -> Vec<String> {
        self.notes
            .lock()
            .map(|g| g.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The local file for a path as printed in a dump.
    pub fn open(&self, raw_file: &str) -> Option<Arc<SourceFile>> {
        if raw_file.is_empty() || raw_file.starts_with('<') {
            return None;
        }
        if let Some(hit) = self.cache.lock().ok()?.get(raw_file) {
            return hit.clone();
        }
        let found = self.locate(raw_file).and_then(|p| read_source(&p));
        if found.is_none() {
            self.note(format!("source: no local file for {raw_file}"));
        }
        let found = found.map(Arc::new);
        if let Ok(mut c) = self.cache.lock() {
            c.insert(raw_file.to_string(), found.clone());
        }
        found
    }

    fn locate(&self, raw: &str) -> Option<PathBuf> {
        let p = Path::new(raw);
        if p.is_absolute() && p.is_file() && !self.by_base.is_empty() {
            // Absolute paths that exist are read as they are, but only when the
            // user asked for sources (an index exists).
            return Some(p.to_path_buf());
        }
        let want = components(raw);
        let base = *want.last()?;
        let candidates = self.by_base.get(base)?;
        let mut best: Option<(usize, &PathBuf)> = None;
        let mut tie = false;
        for c in candidates {
            let cs = c.to_string_lossy();
            let have = components(&cs);
            let n = want
                .iter()
                .rev()
                .zip(have.iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            match best {
                Some((b, _)) if n < b => {}
                Some((b, _)) if n == b => tie = true,
                _ => {
                    best = Some((n, c));
                    tie = false;
                }
            }
        }
        let (n, path) = best?;
        // A bare file name is not enough when the dump names directories.
        if (n < 2 && want.len() >= 2 && candidates.len() > 1) || tie {
            return None;
        }
        Some(path.clone())
    }
}

fn read_source(p: &Path) -> Option<SourceFile> {
    let meta = std::fs::metadata(p).ok()?;
    if meta.len() > MAX_FILE_BYTES {
        return None;
    }
    let bytes = std::fs::read(p).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    Some(SourceFile {
        path: p.to_path_buf(),
        lines: text.lines().map(|l| l.to_string()).collect(),
    })
}

fn snippet(f: &SourceFile, line: u32) -> Option<SourceSnippet> {
    let text = f.line(line)?.to_string();
    let lo = line.saturating_sub(CONTEXT).max(1);
    let hi = (line + CONTEXT).min(f.lines.len() as u32);
    Some(SourceSnippet {
        path: f.path.to_string_lossy().into_owned(),
        line,
        text: text.trim().to_string(),
        context: (lo..=hi)
            .filter_map(|n| f.line(n).map(|t| (n, t.to_string())))
            .collect(),
    })
}

/// Strips comments and string contents from one line, so braces and
/// keywords inside them do not count. Good enough for gofmt'ed code.
fn code_part(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if c == '\\' && q != '`' {
                    chars.next();
                } else if c == q {
                    quote = None;
                    out.push(c);
                }
            }
            None => {
                if c == '/' && chars.peek() == Some(&'/') {
                    break;
                }
                if c == '"' || c == '\'' || c == '`' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

/// A function body: 1-based first (the `func` line) and last line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// The top-level function (a line starting with `func`) enclosing `line`.
pub fn enclosing_function(f: &SourceFile, line: u32) -> Option<Span> {
    f.line(line)?;
    let mut start = line;
    loop {
        if f.line(start)?.starts_with("func ") {
            break;
        }
        start = start.checked_sub(1).filter(|&s| s > 0)?;
    }
    let mut depth = 0i32;
    let mut opened = false;
    for n in start..=f.lines.len() as u32 {
        for c in code_part(f.line(n)?).chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        if opened && depth <= 0 {
            return (n >= line).then_some(Span { start, end: n });
        }
    }
    None
}

/// The name a frame's function is declared under: `main.(*Server).handle.func1`
/// → `handle`; `example.com/m.Map[...]` → `Map`.
pub fn declared_name(function: &str) -> String {
    // Type parameters (`[...]`, `[go.shape.int]`) may hold dots and slashes.
    let mut plain = String::with_capacity(function.len());
    let mut depth = 0;
    for c in function.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let function = plain.as_str();
    let tail = &function[function.rfind('/').map(|i| i + 1).unwrap_or(0)..];
    let tail = tail.split_once('.').map(|(_, r)| r).unwrap_or(tail);
    let mut parts: Vec<&str> = tail.split('.').collect();
    while let Some(last) = parts.last() {
        let is_closure = last.starts_with("func")
            && last[4..].bytes().all(|b| b.is_ascii_digit())
            && last.len() > 4;
        let is_wrap = last.starts_with("gowrap") || last.starts_with("deferwrap");
        if (is_closure || is_wrap) && parts.len() > 1 {
            parts.pop();
        } else {
            break;
        }
    }
    parts.last().copied().unwrap_or(tail).to_string()
}

/// Checks that the function enclosing `line` is the one the frame names.
fn matches_frame(f: &SourceFile, span: Span, function: &str) -> bool {
    let name = declared_name(function);
    let decl = f.line(span.start).unwrap_or("");
    if name.is_empty() || name == "init" || name.starts_with("func") {
        return true;
    }
    decl.contains(&format!(" {name}(")) || decl.contains(&format!(" {name}["))
}

fn re(cell: &'static OnceLock<Regex>, pat: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pat).expect("valid source regex"))
}

macro_rules! regex {
    ($pat:expr) => {{
        static CELL: OnceLock<Regex> = OnceLock::new();
        re(&CELL, $pat)
    }};
}

/// Lines `from..=to` with code only (comments and strings removed).
fn code_lines(f: &SourceFile, from: u32, to: u32) -> Vec<(u32, String)> {
    (from..=to)
        .filter_map(|n| f.line(n).map(|l| (n, code_part(l))))
        .collect()
}

/// The verdict of the source scan.
#[derive(Debug, Clone, Default)]
pub struct SourceVerdict {
    /// The catalog id the code decides, if any.
    pub pattern: Option<&'static str>,
    /// The blocking operation read off the statement at the site, when the
    /// input did not record one (debug=1 text).
    pub op: Option<BlockingOp>,
    /// Which lines decided it.
    pub evidence: Vec<String>,
    pub info: SourceInfo,
}

/// Inputs of the scan for one finding.
pub struct Subject<'a> {
    pub op: BlockingOp,
    pub heap: bool,
    pub site: Option<&'a FrameRef>,
    /// The frame that called the site (heap: who keeps what it allocated).
    pub caller: Option<&'a FrameRef>,
    pub created_by: Option<&'a FrameRef>,
}

fn loc(f: &SourceFile, n: u32) -> String {
    let name = f
        .path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{name}:{n}")
}

/// Looks at the code of the leaking site and of the `go` statement.
pub fn examine(index: &SourceIndex, s: &Subject) -> SourceVerdict {
    let mut v = SourceVerdict::default();
    let site_file = s
        .site
        .and_then(|f| index.open(&f.raw_file).map(|src| (f, src)));
    let mut site_span = None;
    if let Some((frame, src)) = &site_file {
        let text = code_part(src.line(frame.line).unwrap_or(""));
        match enclosing_function(src, frame.line) {
            Some(span) if !matches_frame(src, span, &frame.function) => index.note(format!(
                "source: {} does not match the dump at line {} ({} is not there); ignored",
                src.path.display(),
                frame.line,
                frame.function
            )),
            Some(_) if !s.heap && !statement_fits(s.op, &text) => index.note(format!(
                "source: {} does not match the dump at line {} (`{}` cannot block in {}); ignored",
                src.path.display(),
                frame.line,
                text.trim(),
                s.op
            )),
            Some(span) => {
                v.info.site = snippet(src, frame.line);
                site_span = Some(span);
            }
            None => index.note(format!(
                "source: {} does not match the dump at line {} (no function there); ignored",
                src.path.display(),
                frame.line
            )),
        }
    }
    let mut go_loc: Option<GoLoc> = None;
    if let Some(frame) = s.created_by {
        if let Some(src) = index.open(&frame.raw_file) {
            let is_go = src
                .line(frame.line)
                .is_some_and(|l| regex!(r"\bgo\b").is_match(&code_part(l)));
            match enclosing_function(&src, frame.line) {
                Some(span) if is_go && matches_frame(&src, span, &frame.function) => {
                    v.info.go_statement = snippet(&src, frame.line);
                    go_loc = Some(GoLoc {
                        src,
                        line: frame.line,
                        span,
                    });
                }
                _ => index.note(format!(
                    "source: {} does not match the dump: line {} is not a go statement in {}; ignored",
                    src.path.display(),
                    frame.line,
                    frame.function
                )),
            }
        }
    }
    // Protobuf and debug=1 profiles do not record created-by: find the go
    // statement that starts the leaking function in its own source.
    if go_loc.is_none() && !s.heap {
        if let (Some((frame, src)), Some(span)) = (&site_file, site_span) {
            go_loc = find_go_statement(src, span, frame);
            if let Some(g) = &go_loc {
                v.info.go_statement = snippet(&g.src, g.line);
            }
        }
    }
    let (Some((site, src)), Some(span)) = (&site_file, site_span) else {
        return v;
    };
    let line = code_part(src.line(site.line).unwrap_or(""));
    let body = code_lines(src, span.start, span.end);
    let op = if s.op == BlockingOp::Other && !s.heap {
        let inferred = op_of_statement(&line);
        if let Some(op) = inferred {
            v.op = Some(op);
            v.evidence
                .push(format!("{} is a {op} statement", loc(src, site.line)));
        }
        inferred.unwrap_or(BlockingOp::Other)
    } else if s.op == BlockingOp::ChanReceive && regex!(r"^\s*for\b.*\brange\s").is_match(&line) {
        // Text dumps hide runtime.chanrecv2: the statement shows the range.
        v.op = Some(BlockingOp::RangeReceive);
        BlockingOp::RangeReceive
    } else {
        s.op
    };
    if s.op == BlockingOp::Other
        && matches!(
            op,
            BlockingOp::ChanSend | BlockingOp::ChanReceive | BlockingOp::RangeReceive
        )
    {
        if let Some(field) = never_assigned_field(src, &line) {
            v.op = Some(BlockingOp::NilChan);
            v.pattern = Some("nil-channel");
            v.evidence.push(format!(
                "{} uses the channel field {field}, which no file of its package ever assigns: it is nil",
                loc(src, site.line)
            ));
            return v;
        }
    }
    let ticker_unstopped = || {
        let created = body
            .iter()
            .find(|(_, l)| regex!(r"time\.NewTicker\(").is_match(l));
        let stopped = body.iter().any(|(_, l)| regex!(r"\.Stop\(\)").is_match(l));
        created.filter(|_| !stopped).map(|(n, _)| *n)
    };
    if s.heap {
        // An index assignment whose target is declared as a map in the file.
        let map_assign = body.iter().find(|(_, l)| {
            regex!(r"^\s*([\w.]+)\[[^\]]+\]\s*=[^=]")
                .captures(l)
                .is_some_and(|c| {
                    let name = c[1].rsplit('.').next().unwrap_or(&c[1]).to_string();
                    is_map(src, &name)
                })
        });
        if regex!(r"time\.After\(").is_match(&line) && inside_for(&body, site.line) {
            v.pattern = Some("time-after-in-loop");
            v.evidence.push(format!(
                "{} calls time.After inside a for loop: a new timer per iteration",
                loc(src, site.line)
            ));
        } else if regex!(r"time\.NewTicker\(").is_match(&line) && ticker_unstopped().is_some() {
            v.pattern = Some("ticker-not-stopped");
            v.evidence.push(format!(
                "{} creates a time.Ticker that the function never stops",
                loc(src, site.line)
            ));
        } else if let Some((n, l)) = map_assign {
            v.pattern = Some("heap-map-growth");
            v.evidence.push(format!(
                "{} stores into a map (`{}`) in the allocating function: entries are added and never deleted",
                loc(src, *n),
                l.trim()
            ));
        } else if let Some(caller) = s.caller {
            // The caller keeps a subslice of what the site allocated.
            if let Some(csrc) = index.open(&caller.raw_file) {
                if let Some(cspan) = enclosing_function(&csrc, caller.line) {
                    let sub =
                        code_lines(&csrc, cspan.start, cspan.end)
                            .into_iter()
                            .find(|(_, l)| {
                                regex!(r"\w\[[\w+\-*/ ()]*:[\w+\-*/ ()]*\]").is_match(l)
                                    && !regex!(r"\bcopy\(|append\(\[\]byte\(nil\)").is_match(l)
                            });
                    if let Some((n, l)) = sub {
                        v.pattern = Some("slice-retention");
                        v.evidence.push(format!(
                            "{} keeps a subslice (`{}`) of the buffer allocated at {}: the whole backing array stays alive",
                            loc(&csrc, n),
                            l.trim(),
                            loc(src, site.line)
                        ));
                    }
                }
            }
        }
        return v;
    }
    match op {
        BlockingOp::RangeReceive => {
            if let Some(c) = regex!(r"range\s+([\w.]+)").captures(&line) {
                let ch = c[1].to_string();
                if ch.ends_with(".C") {
                    if let Some(n) = ticker_unstopped() {
                        v.pattern = Some("ticker-not-stopped");
                        v.evidence.push(format!(
                            "{} ranges over a ticker channel; the ticker made at line {n} is never stopped and the loop has no exit",
                            loc(src, site.line)
                        ));
                        return v;
                    }
                }
                v.pattern = Some("range-unclosed-channel");
                v.evidence.push(format!(
                    "{} is `for … range {ch}`: the loop ends only when {ch} is closed",
                    loc(src, site.line)
                ));
            } else if regex!(r",\s*ok\s*:?=\s*<-").is_match(&line) {
                v.pattern = Some("chan-receive-blocked");
                v.evidence.push(format!(
                    "{} is a comma-ok receive, not a range loop",
                    loc(src, site.line)
                ));
            }
        }
        BlockingOp::ChanReceive => {
            if regex!(r"<-\s*[\w.()]*Done\(\)").is_match(&line) {
                v.pattern = Some("context-not-cancelled");
                v.evidence.push(format!(
                    "{} waits for ctx.Done(), which fires only when the context is cancelled",
                    loc(src, site.line)
                ));
                if let Some(g) = &go_loc {
                    let gsrc: &SourceFile = &g.src;
                    for (n, l) in code_lines(gsrc, g.span.start, g.span.end) {
                        if regex!(r",\s*_\s*:?=\s*context\.With(Cancel|Timeout|Deadline)")
                            .is_match(&l)
                        {
                            v.evidence
                                .push(format!("{} discards the cancel function", loc(gsrc, n)));
                        }
                    }
                }
            } else if regex!(r"<-\s*[\w.]+\.C\b").is_match(&line) {
                if let Some(n) = ticker_unstopped() {
                    v.pattern = Some("ticker-not-stopped");
                    v.evidence.push(format!(
                        "{} waits on a ticker made at line {n} that is never stopped",
                        loc(src, site.line)
                    ));
                }
            }
        }
        BlockingOp::Select => {
            let cases = select_cases(src, site.line);
            let exit = cases.iter().find(|(_, l)| regex!(r"(?i)done\(\)|<-\s*[\w.]*(done|quit|stop|exit|closing|closed|shutdown|cancel)\w*\b").is_match(l));
            match exit {
                Some((n, l)) if l.contains("Done()") => {
                    v.pattern = Some("context-not-cancelled");
                    v.evidence.push(format!(
                        "the select's exit case at {} waits for ctx.Done(), which never fires",
                        loc(src, *n)
                    ));
                }
                Some(_) => {}
                None if !cases.is_empty() => {
                    v.pattern = Some("select-no-exit");
                    v.evidence.push(format!(
                        "the select at {} has {} case{} and none is a done, quit or ctx.Done() case",
                        loc(src, site.line),
                        cases.len(),
                        if cases.len() == 1 { "" } else { "s" }
                    ));
                    if cases
                        .iter()
                        .any(|(_, l)| regex!(r"<-\s*[\w.]+\.C\b").is_match(l))
                    {
                        if let Some(n) = ticker_unstopped() {
                            v.evidence
                                .push(format!("a ticker made at line {n} is never stopped"));
                        }
                    }
                }
                None => {}
            }
        }
        BlockingOp::ChanSend => examine_send(&mut v, src, span, &line, go_loc.as_ref()),
        _ => {}
    }
    v
}

/// Whether `name` is declared as a map in the file (var, field or :=).
fn is_map(src: &SourceFile, name: &str) -> bool {
    let Ok(decl) = Regex::new(&format!(
        r"\b{n}\s+map\[|\b{n}\s*(:=|=)\s*(make\(\s*)?map\[|\b{n}\s*:\s*(make\(\s*)?map\[",
        n = regex::escape(name)
    )) else {
        return false;
    };
    src.lines.iter().any(|l| decl.is_match(&code_part(l)))
}

/// The struct field a channel statement uses (`n.updates` in `<-n.updates`)
/// when no Go file in the same directory assigns it: a nil channel.
fn never_assigned_field(src: &SourceFile, line: &str) -> Option<String> {
    let expr = regex!(r"(?:<-\s*|range\s+)([\w.]+)(\(?)")
        .captures(line)
        .or_else(|| regex!(r"^\s*([\w.]+)(\s*)<-").captures(line))?;
    if expr.get(2).is_some_and(|m| m.as_str() == "(") {
        // A method call (`<-ctx.Done()`), not a field.
        return None;
    }
    let expr = expr.get(1)?.as_str().to_string();
    let (_, field) = expr.rsplit_once('.')?;
    if field.is_empty() || field == "C" {
        return None;
    }
    let assign = Regex::new(&format!(
        r"\.{f}\s*=[^=]|\b{f}\s*:[^=]|\b{f}\s*:=",
        f = regex::escape(field)
    ))
    .ok()?;
    let dir = src.path.parent()?;
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "go") {
            let text = std::fs::read_to_string(&p).ok()?;
            if text.lines().any(|l| assign.is_match(&code_part(l))) {
                return None;
            }
        }
    }
    Some(expr)
}

/// Whether a statement can block in `op` (a stale file has another line there).
fn statement_fits(op: BlockingOp, line: &str) -> bool {
    match op {
        BlockingOp::ChanSend
        | BlockingOp::ChanReceive
        | BlockingOp::RangeReceive
        | BlockingOp::NilChan => {
            line.contains("<-") || line.contains("range") || line.contains("select")
        }
        BlockingOp::Select | BlockingOp::SelectNoCases => line.contains("select"),
        BlockingOp::Mutex | BlockingOp::RwMutex => line.contains("Lock"),
        BlockingOp::WaitGroup | BlockingOp::Cond => line.contains("Wait"),
        BlockingOp::Sleep => line.contains("Sleep"),
        _ => true,
    }
}

/// The blocking operation a statement performs, from its text.
pub fn op_of_statement(line: &str) -> Option<BlockingOp> {
    let l = line.trim();
    Some(if regex!(r"^for\b.*\brange\s").is_match(l) {
        BlockingOp::RangeReceive
    } else if regex!(r"^select\s*\{\s*\}").is_match(l) {
        BlockingOp::SelectNoCases
    } else if regex!(r"^select\b").is_match(l) {
        BlockingOp::Select
    } else if regex!(r"^[\w.\[\]()*]+\s*<-").is_match(l) {
        BlockingOp::ChanSend
    } else if regex!(r",\s*ok\s*:?=\s*<-").is_match(l) {
        BlockingOp::RangeReceive
    } else if l.contains("<-") {
        BlockingOp::ChanReceive
    } else if regex!(r"\.RLock\(\)|\.RWMutex\b").is_match(l) {
        BlockingOp::RwMutex
    } else if regex!(r"\.Lock\(\)").is_match(l) {
        BlockingOp::Mutex
    } else if regex!(r"\bwg\w*\.Wait\(\)|WaitGroup").is_match(l) {
        BlockingOp::WaitGroup
    } else if regex!(r"\.Wait\(\)").is_match(l) {
        BlockingOp::Cond
    } else if regex!(r"time\.Sleep\(").is_match(l) {
        BlockingOp::Sleep
    } else {
        return None;
    })
}

/// Case lines of the `select` statement at `line`.
fn select_cases(f: &SourceFile, line: u32) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let first = code_part(f.line(line).unwrap_or(""));
    if !first.contains("select") {
        return out;
    }
    let mut depth = 0i32;
    for n in line..=f.lines.len() as u32 {
        let l = code_part(f.line(n).unwrap_or(""));
        if depth == 1 && regex!(r"^\s*case\b").is_match(&l) {
            out.push((n, l.clone()));
        }
        for c in l.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
        }
        if depth <= 0 && n > line {
            break;
        }
    }
    out
}

/// Whether `line` is inside a `for` block of the function body.
fn inside_for(body: &[(u32, String)], line: u32) -> bool {
    let mut stack: Vec<bool> = Vec::new();
    for (n, l) in body {
        if *n == line {
            return stack.iter().any(|&f| f);
        }
        let is_for = regex!(r"^\s*for\b").is_match(l);
        for c in l.chars() {
            match c {
                '{' => stack.push(is_for),
                '}' => {
                    stack.pop();
                }
                _ => {}
            }
        }
    }
    false
}

fn examine_send(
    v: &mut SourceVerdict,
    src: &SourceFile,
    span: Span,
    line: &str,
    go: Option<&GoLoc>,
) {
    let Some(c) = regex!(r"([\w.\[\]]+)\s*<-").captures(line) else {
        return;
    };
    let ch = c[1].to_string();
    let send = Regex::new(&format!(r"(^|[^\w.]){}\s*<-", regex::escape(&ch))).expect("escaped");
    // Two sends on the same channel in the goroutine's function, the first not
    // followed by a return: the second blocks once the receiver took one value.
    let body = code_lines(src, span.start, span.end);
    let sends: Vec<u32> = body
        .iter()
        .filter(|(_, l)| send.is_match(l))
        .map(|(n, _)| *n)
        .collect();
    if sends.len() >= 2 {
        let first = sends[0];
        let returns_between = body
            .iter()
            .any(|(n, l)| *n > first && *n < sends[1] && regex!(r"^\s*return\b").is_match(l));
        if !returns_between {
            v.pattern = Some("double-send");
            v.evidence.push(format!(
                "{} and {} both send on {ch} with no return between them",
                loc(src, first),
                loc(src, sends[1])
            ));
            return;
        }
    }
    let Some(go) = go else {
        return;
    };
    let gsrc: &SourceFile = &go.src;
    let gbody = code_lines(gsrc, go.span.start, go.span.end);
    let after: Vec<&(u32, String)> = gbody.iter().filter(|(n, _)| *n > go.line).collect();
    // The receive that would have drained the channel, in the creator.
    let chan_name = ch.rsplit('.').next().unwrap_or(&ch).to_string();
    let recv =
        Regex::new(&format!(r"<-\s*[\w.]*\b{}\b", regex::escape(&chan_name))).expect("escaped");
    let recv_line = after
        .iter()
        .find(|(_, l)| recv.is_match(l))
        .map(|(n, _)| *n);
    // timeout: a select that receives from the channel or gives up on a timer.
    if let Some(r) = recv_line {
        let in_select = after
            .iter()
            .any(|(n, l)| *n <= r && regex!(r"^\s*select\b").is_match(l));
        let timer = after.iter().find(|(_, l)| {
            regex!(r"time\.After\(|\.Done\(\)|time\.NewTimer\(|<-\s*[\w.]*\.C\b").is_match(l)
        });
        if in_select {
            if let Some((tn, _)) = timer {
                v.pattern = Some("timeout-leak");
                v.evidence.push(format!(
                    "{} selects between {ch} and a timeout or cancellation at {}; when that fires first nobody receives the goroutine's send",
                    loc(gsrc, r),
                    loc(gsrc, *tn)
                ));
                return;
            }
        }
    }
    // NCast: the go statement runs in a loop, the result is received once.
    if inside_for(&gbody, go.line) {
        let recv_in_loop = recv_line.is_some_and(|r| inside_for(&gbody, r));
        if !recv_in_loop {
            v.pattern = Some("ncast");
            v.evidence.push(format!(
                "the go statement at {} runs in a loop, but {} is received {}",
                loc(gsrc, go.line),
                chan_name,
                match recv_line {
                    Some(r) => format!("once, at {}", loc(gsrc, r)),
                    None => "nowhere after it".into(),
                }
            ));
            return;
        }
    }
    // Premature return: a return between the go statement and the receive.
    let ret = after
        .iter()
        .find(|(n, l)| recv_line.is_none_or(|r| *n < r) && regex!(r"^\s*return\b").is_match(l));
    if let Some((rn, _)) = ret {
        v.pattern = Some("premature-return");
        v.evidence.push(format!(
            "{} returns after the go statement at {} and before {} is received{}",
            loc(gsrc, *rn),
            loc(gsrc, go.line),
            chan_name,
            recv_line
                .map(|r| format!(" at {}", loc(gsrc, r)))
                .unwrap_or_default()
        ));
    }
}

/// Where the goroutine was started: the file, the go statement's line and
/// the function around it.
pub struct GoLoc {
    pub src: Arc<SourceFile>,
    pub line: u32,
    pub span: Span,
}

/// Finds the go statement that starts `frame`'s function when the input does
/// not name it: for a closure, the `go func` above it in the same function;
/// for a named function, a `go name(` or `go x.name(` in the same file.
fn find_go_statement(src: &Arc<SourceFile>, span: Span, frame: &FrameRef) -> Option<GoLoc> {
    let is_closure = regex!(r"\.func\d+(\.\d+)*$").is_match(&frame.function);
    if is_closure {
        let line = (span.start..frame.line).rev().find(|&n| {
            src.line(n)
                .is_some_and(|l| regex!(r"\bgo\s+func\b").is_match(&code_part(l)))
        })?;
        return Some(GoLoc {
            src: src.clone(),
            line,
            span,
        });
    }
    let name = declared_name(&frame.function);
    if name.is_empty() {
        return None;
    }
    let call = Regex::new(&format!(r"\bgo\s+([\w.()*]+\.)?{}\(", regex::escape(&name))).ok()?;
    let line = (1..=src.lines.len() as u32)
        .find(|&n| src.line(n).is_some_and(|l| call.is_match(&code_part(l))))?;
    let span = enclosing_function(src, line)?;
    Some(GoLoc {
        src: src.clone(),
        line,
        span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile {
            path: PathBuf::from("main.go"),
            lines: text.lines().map(|l| l.to_string()).collect(),
        }
    }

    #[test]
    fn enclosing_functions_by_braces() {
        let f = file("package main\n\nfunc a() {\n\tx := \"}\"\n\t_ = x\n}\n\nfunc (s *S) b() {\n\tgo func() {\n\t}()\n}\n");
        assert_eq!(enclosing_function(&f, 5), Some(Span { start: 3, end: 6 }));
        assert_eq!(enclosing_function(&f, 9), Some(Span { start: 8, end: 11 }));
        assert_eq!(enclosing_function(&f, 1), None);
        assert!(matches_frame(
            &f,
            Span { start: 8, end: 11 },
            "main.(*S).b.func1"
        ));
        assert!(!matches_frame(&f, Span { start: 8, end: 11 }, "main.c"));
    }

    #[test]
    fn operations_from_statements() {
        assert_eq!(
            op_of_statement("\tfor ev := range s.events {"),
            Some(BlockingOp::RangeReceive)
        );
        assert_eq!(
            op_of_statement("\tselect {}"),
            Some(BlockingOp::SelectNoCases)
        );
        assert_eq!(op_of_statement("\tselect {"), Some(BlockingOp::Select));
        assert_eq!(
            op_of_statement("\tresults <- r"),
            Some(BlockingOp::ChanSend)
        );
        assert_eq!(
            op_of_statement("\tp.out[i] <- v"),
            Some(BlockingOp::ChanSend)
        );
        assert_eq!(
            op_of_statement("\tv := <-ch"),
            Some(BlockingOp::ChanReceive)
        );
        assert_eq!(
            op_of_statement("\t<-ctx.Done()"),
            Some(BlockingOp::ChanReceive)
        );
        assert_eq!(op_of_statement("\ts.mu.Lock()"), Some(BlockingOp::Mutex));
        assert_eq!(op_of_statement("\tx := 1"), None);
    }

    #[test]
    fn declared_names() {
        assert_eq!(declared_name("main.(*Server).handle.func1"), "handle");
        assert_eq!(declared_name("example.com/m/pkg.Map[...]"), "Map");
        assert_eq!(declared_name("main.main.gowrap2"), "main");
        assert_eq!(declared_name("main.worker"), "worker");
        assert_eq!(declared_name("main.(*Stack[...]).Push"), "Push");
    }

    #[test]
    fn loops_and_selects() {
        let f = file("func f() {\n\tfor i := 0; i < 3; i++ {\n\t\tgo g()\n\t}\n\tselect {\n\tcase <-a:\n\tcase <-ctx.Done():\n\t}\n}\n");
        let body = code_lines(&f, 1, 9);
        assert!(inside_for(&body, 3));
        assert!(!inside_for(&body, 5));
        assert_eq!(select_cases(&f, 5).len(), 2);
    }

    #[test]
    fn suffix_matching() {
        let dir = tempfile::tempdir().unwrap();
        for p in ["a/timeout-leak/main.go", "a/ncast/main.go"] {
            let full = dir.path().join(p);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, "package main\n").unwrap();
        }
        let idx = SourceIndex::new(&[dir.path().to_path_buf()]);
        let hit = idx.open("example.com/leaks/ncast/main.go").unwrap();
        assert!(hit.path.ends_with("ncast/main.go"));
        assert!(idx
            .open("/src/leaks/timeout-leak/main.go")
            .unwrap()
            .path
            .ends_with("timeout-leak/main.go"));
        assert!(
            idx.open("/elsewhere/main.go").is_none(),
            "a bare base name with two candidates is ambiguous"
        );
        assert!(idx.notes().iter().any(|n| n.contains("/elsewhere/main.go")));
    }
}
