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

use super::golex::{self, Pos};
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
    /// The code of each line: comments and string contents blanked.
    pub code: Vec<String>,
    /// Top-level function declarations.
    pub decls: Vec<golex::Decl>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: &str) -> SourceFile {
        let lines: Vec<String> = text.lines().map(|l| l.to_string()).collect();
        let code = golex::clean(&lines);
        let decls = golex::declarations(&code);
        SourceFile {
            path,
            lines,
            code,
            decls,
        }
    }

    /// The code of a 1-based line (comments and strings blanked).
    pub fn code(&self, n: u32) -> Option<&str> {
        if n == 0 {
            return None;
        }
        self.code.get(n as usize - 1).map(|s| s.as_str())
    }

    /// The top-level declaration holding line `n`.
    pub fn decl_at(&self, n: u32) -> Option<&golex::Decl> {
        self.decls.iter().find(|d| d.start <= n && n <= d.end)
    }

    /// The first function (or method) declared under `name`.
    pub fn decl_named(&self, name: &str) -> Option<&golex::Decl> {
        self.decls.iter().find(|d| d.name == name)
    }

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
    /// The `--source` directories, canonical.
    roots: Vec<PathBuf>,
    by_base: HashMap<String, Vec<PathBuf>>,
    cache: Mutex<HashMap<String, Option<Arc<SourceFile>>>>,
    /// The `.go` files of each package directory read so far (see
    /// [`SourceIndex::package`]).
    packages: Mutex<HashMap<PathBuf, Option<Vec<Arc<SourceFile>>>>>,
    /// Problems to report once each (missing files, stale files).
    notes: Mutex<BTreeSet<String>>,
}

fn components(p: &str) -> Vec<&str> {
    p.split(['/', '\\']).filter(|c| !c.is_empty()).collect()
}

impl SourceIndex {
    /// Indexes the `.go` files under each root.
    pub fn new(roots: &[PathBuf]) -> SourceIndex {
        let mut idx = SourceIndex {
            roots: roots
                .iter()
                .filter_map(|r| std::fs::canonicalize(r).ok())
                .collect(),
            ..SourceIndex::default()
        };
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

    /// A file found by other means than a dump (a package's other files),
    /// read once and cached like the others.
    pub fn read(&self, path: &Path) -> Option<Arc<SourceFile>> {
        let key = format!("\u{0}{}", path.display());
        if let Some(hit) = self.cache.lock().ok()?.get(&key) {
            return hit.clone();
        }
        let found = self
            .under_roots(path)
            .then(|| read_source(path))
            .flatten()
            .map(Arc::new);
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, found.clone());
        }
        found
    }

    /// The `.go` files of the package of `src` (its directory), at most 64,
    /// in name order: listed once per directory, each read once.
    pub fn package(&self, src: &SourceFile) -> Option<Vec<Arc<SourceFile>>> {
        let dir = src.path.parent()?;
        if let Some(hit) = self.packages.lock().ok()?.get(dir) {
            return hit.clone();
        }
        let files: Option<Vec<Arc<SourceFile>>> = (|| {
            let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
                .ok()?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "go"))
                .collect();
            paths.sort();
            paths.into_iter().take(64).map(|p| self.read(&p)).collect()
        })();
        if let Ok(mut c) = self.packages.lock() {
            c.insert(dir.to_path_buf(), files.clone());
        }
        files
    }

    /// The directory under the source roots holding the package of an
    /// import path: the indexed directory matching most of its trailing path
    /// elements (two at least, or the whole path), unambiguously.
    pub fn package_dir(&self, import: &str) -> Option<PathBuf> {
        let want: Vec<&str> = import.split('/').filter(|c| !c.is_empty()).collect();
        let mut best: Option<(usize, PathBuf)> = None;
        let mut tie = false;
        let mut dirs: BTreeSet<&Path> = BTreeSet::new();
        for paths in self.by_base.values() {
            for p in paths {
                if let Some(d) = p.parent() {
                    dirs.insert(d);
                }
            }
        }
        for d in dirs {
            let n = common_suffix(&want, &components(&d.to_string_lossy()));
            if n < 2.min(want.len()) || n == 0 {
                continue;
            }
            match &best {
                Some((b, _)) if n < *b => {}
                Some((b, _)) if n == *b => tie = true,
                _ => {
                    best = Some((n, d.to_path_buf()));
                    tie = false;
                }
            }
        }
        best.filter(|_| !tie).map(|(_, d)| d)
    }

    /// Whether a path is a Go file under one of the `--source` directories.
    fn under_roots(&self, p: &Path) -> bool {
        p.extension().is_some_and(|x| x == "go")
            && std::fs::canonicalize(p).is_ok_and(|c| self.roots.iter().any(|r| c.starts_with(r)))
    }

    fn locate(&self, raw: &str) -> Option<PathBuf> {
        let p = Path::new(raw);
        if p.is_absolute() && p.is_file() && self.under_roots(p) {
            // An absolute path named by a dump is read as it is only when it
            // is a Go file under a --source directory: a dump cannot make the
            // report quote any other file of this machine.
            return Some(p.to_path_buf());
        }
        let want = components(raw);
        let base = *want.last()?;
        let candidates = self.by_base.get(base)?;
        let mut best: Option<(usize, &PathBuf)> = None;
        let mut tie = false;
        for c in candidates {
            let n = common_suffix(&want, &components(&c.to_string_lossy()));
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
    Some(SourceFile::new(p.to_path_buf(), &text))
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

/// A function body: 1-based first (the `func` line) and last line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// The top-level function declaration enclosing `line`.
pub fn enclosing_function(f: &SourceFile, line: u32) -> Option<Span> {
    f.decl_at(line).map(|d| Span {
        start: d.start,
        end: d.end,
    })
}

/// The name a frame's function is declared under: `main.(*Server).handle.func1`
/// → `handle`; `example.com/m.Map[...]` → `Map`.
pub fn declared_name(function: &str) -> String {
    golex::parse_func_name(function).name
}

/// Where a frame's code is: its top-level declaration, and for a closure the
/// function literal (found by cmd/compile's numbering).
#[derive(Debug, Clone)]
pub struct Place {
    pub decl: golex::Decl,
    pub literals: Vec<golex::Literal>,
    /// Index into `literals` of the frame's own literal.
    pub literal: Option<usize>,
}

impl Place {
    pub fn span(&self) -> Span {
        Span {
            start: self.decl.start,
            end: self.decl.end,
        }
    }

    /// The braces of the innermost function body the frame runs in.
    pub fn body(&self) -> (Pos, Pos) {
        match self.literal {
            Some(i) => (self.literals[i].open, self.literals[i].close),
            None => (self.decl.open, self.decl.close),
        }
    }

    fn inner_span(&self) -> Span {
        let (o, c) = self.body();
        Span {
            start: o.line,
            end: c.line,
        }
    }

    /// The literals directly inside the frame's body.
    fn nested(&self) -> impl Iterator<Item = &golex::Literal> {
        let depth = self
            .literal
            .map(|i| self.literals[i].path.len())
            .unwrap_or(0);
        let prefix: Vec<u32> = self
            .literal
            .map(|i| self.literals[i].path.clone())
            .unwrap_or_default();
        self.literals
            .iter()
            .filter(move |l| l.path.len() == depth + 1 && l.path.starts_with(&prefix))
    }

    /// The code of `line` that belongs to the frame's own body: text outside
    /// the body and inside nested literals is blanked.
    pub fn code(&self, src: &SourceFile, line: u32) -> String {
        let mut b: Vec<u8> = src.code(line).unwrap_or("").as_bytes().to_vec();
        let (open, close) = self.body();
        let mut blank = |from: Pos, to: Pos| {
            for (c, x) in b.iter_mut().enumerate() {
                let p = Pos { line, col: c };
                if p >= from && p <= to {
                    *x = b' ';
                }
            }
        };
        blank(
            Pos { line: 0, col: 0 },
            Pos {
                line: open.line,
                col: open.col,
            },
        );
        blank(
            close,
            Pos {
                line: u32::MAX,
                col: 0,
            },
        );
        for l in self.nested() {
            blank(l.open, l.close);
        }
        String::from_utf8_lossy(&b).into_owned()
    }
}

/// Places a frame in a file, or says why the file does not match the dump.
pub fn place(src: &SourceFile, function: &str, line: u32) -> Result<Place, String> {
    if src.line(line).is_none() {
        return Err(format!("line {line} is past the end of the file"));
    }
    let name = golex::parse_func_name(function);
    let Some(decl) = src.decl_at(line) else {
        return Err("no function there".into());
    };
    if !name.package_level
        && (decl.name != name.name
            || (!name.receiver.is_empty()
                && !decl.receiver.is_empty()
                && decl.receiver != name.receiver))
    {
        return Err(format!("{function} is not there"));
    }
    let literals = golex::literals(&src.code, decl);
    let literal = if name.closures.is_empty() || name.package_level {
        None
    } else {
        let exact = literals
            .iter()
            .position(|l| l.path == name.closures && l.contains(line));
        // Numbering that disagrees (a construct the scan does not count the
        // way the compiler does): the innermost literal of the same depth
        // holding the line.
        let near = || {
            literals
                .iter()
                .enumerate()
                .filter(|(_, l)| l.path.len() == name.closures.len() && l.contains(line))
                .max_by_key(|(_, l)| l.at)
                .map(|(i, _)| i)
        };
        match exact.or_else(near) {
            Some(i) => Some(i),
            None => {
                return Err(format!(
                    "{function} is not there (no function literal {} holds line {line})",
                    name.closures
                        .iter()
                        .map(|n| n.to_string())
                        .collect::<Vec<_>>()
                        .join(".")
                ))
            }
        }
    };
    Ok(Place {
        decl: decl.clone(),
        literals,
        literal,
    })
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

/// Lines `from..=to` with code only (comments and strings blanked).
fn code_lines(f: &SourceFile, from: u32, to: u32) -> Vec<(u32, String)> {
    (from..=to)
        .filter_map(|n| f.code(n).map(|l| (n, l.to_string())))
        .collect()
}

/// The verdict of the source scan.
#[derive(Debug, Clone, Default)]
pub struct SourceVerdict {
    /// The catalog id the code decides, if any.
    pub pattern: Option<&'static str>,
    /// The blocking operation read off the statement at the site, when the
    /// input did not record one (debug=1 text) or recorded a plainer one (a
    /// one-case select is compiled to a plain receive).
    pub op: Option<BlockingOp>,
    /// Which lines decided it.
    pub evidence: Vec<String>,
    pub info: SourceInfo,
    /// A wait the code bounds (see [`Bound`]): the goroutines in it leave it
    /// by themselves.
    pub bound: Option<Bound>,
    /// A loop that wakes by itself (see [`Cycle`]): its goroutines are
    /// alive, whether or not they leaked.
    pub cycle: Option<Cycle>,
    /// A wait for the result of a goroutine the waiting function started:
    /// which channel, and which go statement sends on it. Whether that
    /// goroutine is alive is the dump's to say.
    pub awaits_child: Option<String>,
    /// The go statement that started the group, where the calls that start
    /// its goroutines stop them too (see `scoped_child`).
    pub scoped: Option<Scoped>,
    /// A timer or ticker the wait selects on, stopped by another function
    /// of its type that wakes the wait no other way (see
    /// `stopped_elsewhere`): which, and where.
    pub stopped_elsewhere: Option<String>,
}

/// Goroutines whose life a call holds: the call that starts each stops it
/// before it returns, on the paths that do stop it.
#[derive(Debug, Clone)]
pub struct Scoped {
    /// Which go statement, which stop, where.
    pub evidence: String,
    /// The functions whose calls hold them (receiver type, or empty, and
    /// name): the function with the go statement, or every caller of a
    /// constructor that starts one and returns it.
    pub scopes: Vec<(String, String)>,
}

/// A select that a loop repeats, which a timer ends at each turn (a
/// poller's interval, a heartbeat's ticker, a refresher's back-off) and
/// which has a way out (a done channel, `ctx.Done()`, a case that returns
/// from the loop). Its goroutines wake by themselves: finding them again in
/// the same wait says they live long, not that they are stuck; they leaked
/// only if their way out never comes, which the dumps cannot show.
#[derive(Debug, Clone)]
pub struct Cycle {
    /// What wakes it, what ends it, and where.
    pub evidence: String,
    /// The timer's duration, where the code spells it out.
    pub limit: Option<std::time::Duration>,
    /// Whether its way out is a cancellation (a done-like channel,
    /// `ctx.Done()`, `ctx.Err()`): its owner ends it, as a roster's
    /// members are ended. A loop whose only way out is a condition it
    /// polls (`for !job.finished()`) has no way to be cancelled: the
    /// `sleep-loop` leak when the condition never comes true.
    pub cancellable: bool,
}

/// A wait that ends by itself: one of its ways out is a timer or a deadline
/// (`time.After`, a `time.Timer`'s channel, a context made by
/// `context.WithTimeout`, `time.Sleep`), and no loop repeats it (in its
/// function or around the calls of the program's own frames above it), or
/// the loop of its function that does returns whenever the timer's case
/// runs.
#[derive(Debug, Clone)]
pub struct Bound {
    /// What ends the wait, and where.
    pub evidence: String,
    /// The timer's duration, where the code spells it out (`30 *
    /// time.Second`).
    pub limit: Option<std::time::Duration>,
}

/// Inputs of the scan for one finding.
pub struct Subject<'a> {
    pub op: BlockingOp,
    pub heap: bool,
    pub site: Option<&'a FrameRef>,
    /// The frame that called the site (heap: who keeps what it allocated).
    pub caller: Option<&'a FrameRef>,
    pub created_by: Option<&'a FrameRef>,
    /// The whole stack, leaf first (empty when unknown).
    pub frames: &'a [FrameRef],
    /// The pattern the stack alone names, when it is a library's own
    /// goroutine (database/sql, net/http …): the source never overrides it,
    /// it only shows the user's line that started it.
    pub library: Option<&'a str>,
    /// Files of the program's own frames anywhere in the run (where a
    /// library goroutine's user is looked for).
    pub user_files: &'a [String],
    /// Whether the input recorded the operation itself (runtime frames of a
    /// protobuf profile, a debug=2 wait reason); debug=1 text does not.
    pub exact_op: bool,
}

fn loc(f: &SourceFile, n: u32) -> String {
    let name = f
        .path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{name}:{n}")
}

/// Whether a frame is the standard library's (or the runtime's) code: its
/// source is never read to classify, whatever exists on this machine.
fn is_std_frame(f: &FrameRef) -> bool {
    crate::model::normalize::package_path(&f.function)
        .is_none_or(crate::model::normalize::is_std_package)
}

/// Where the goroutine was started: the file, the go statement's line and
/// the function around it.
pub struct GoLoc {
    pub src: Arc<SourceFile>,
    pub line: u32,
    pub span: Span,
    /// The function (declaration or literal) the go statement runs in.
    pub scope: Place,
    /// The last line of the go statement (a literal's closing line).
    pub end: u32,
}

impl GoLoc {
    /// Code lines of the scope after the go statement, nested literals
    /// blanked unless `nested`.
    fn after(&self, nested: bool) -> Vec<(u32, String)> {
        let (_, close) = self.scope.body();
        (self.end + 1..=close.line)
            .filter_map(|n| {
                let code = if nested {
                    self.src.code(n)?.to_string()
                } else {
                    self.scope.code(&self.src, n)
                };
                Some((n, code))
            })
            .collect()
    }
}

/// Looks at the code of the leaking site and of the `go` statement.
pub fn examine(index: &SourceIndex, s: &Subject) -> SourceVerdict {
    let mut v = SourceVerdict::default();
    // Library goroutines (and stacks blocked inside a library call): the
    // library's signature stands; show the user's line instead.
    if !s.heap {
        if let Some(pattern) = s.library {
            library_user_line(index, s, pattern, &mut v);
            return v;
        }
    }
    let site_file = s
        .site
        .filter(|f| !is_std_frame(f))
        .and_then(|f| index.open(&f.raw_file).map(|src| (f, src)));
    let mut site_place: Option<Place> = None;
    if let Some((frame, src)) = &site_file {
        match place(src, &frame.function, frame.line) {
            Err(why) => index.note(format!(
                "source: {} does not match the dump at line {} ({why}); ignored",
                src.path.display(),
                frame.line,
            )),
            Ok(p) => {
                let text = p.code(src, frame.line);
                if !s.heap && !statement_fits(s.op, &text) {
                    index.note(format!(
                        "source: {} does not match the dump at line {} (`{}` cannot block in {}); ignored",
                        src.path.display(),
                        frame.line,
                        text.trim(),
                        s.op
                    ));
                } else {
                    v.info.site = snippet(src, frame.line);
                    site_place = Some(p);
                }
            }
        }
    }
    let mut go_loc: Option<GoLoc> = None;
    if let Some(frame) = s.created_by.filter(|f| !is_std_frame(f)) {
        if let Some(src) = index.open(&frame.raw_file) {
            let is_go = src
                .code(frame.line)
                .is_some_and(|l| regex!(r"\bgo\b").is_match(l));
            match place(&src, &frame.function, frame.line) {
                Ok(scope) if is_go => {
                    v.info.go_statement = snippet(&src, frame.line);
                    // A go literal that starts here ends where its body does.
                    let end = scope
                        .nested()
                        .filter(|l| l.go && l.at.line == frame.line)
                        .map(|l| l.close.line)
                        .max()
                        .unwrap_or(frame.line);
                    go_loc = Some(GoLoc {
                        span: scope.span(),
                        src,
                        line: frame.line,
                        scope,
                        end,
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
    // Protobuf and debug=1 profiles do not record created-by: a closure's
    // name gives its creator (the literal's go statement); a named function
    // is looked for in its package and the program's other files.
    if go_loc.is_none() && !s.heap {
        if let (Some((frame, src)), Some(p)) = (&site_file, &site_place) {
            go_loc = find_go_statement(index, src, p, frame, s.user_files);
            if let Some(g) = &go_loc {
                v.info.go_statement = snippet(&g.src, g.line);
            }
        }
    }
    if let Some(g) = go_loc.as_ref().filter(|_| !s.heap) {
        v.scoped = scoped_child(index, g);
    }
    let (Some((site, src)), Some(place)) = (&site_file, &site_place) else {
        return v;
    };
    let span = place.span();
    let line = place.code(src, site.line);
    let body = code_lines(src, span.start, span.end);
    let stated = op_of_statement(&line);
    // A `case` clause: the select it belongs to (a one-case select is
    // compiled to a plain send or receive).
    let (body_open, body_close) = place.body();
    let select = if regex!(r"^\s*case\b").is_match(&line) {
        golex::select_of_case(&src.code, site.line, body_open, body_close)
    } else if stated == Some(BlockingOp::Select) {
        golex::select_on_line(&src.code, site.line, body_open, body_close)
    } else {
        None
    }
    .and_then(|at| golex::select_at(&src.code, at, body_close.line));
    // debug=1 text records no operation, or one inferred from the hidden
    // runtime frames: the statement says more, except where those frames
    // said what a statement cannot (a channel statement blocked on a nil
    // channel, a select with no cases).
    let guessed = (s.op == BlockingOp::Other || !s.exact_op) && !s.heap;
    let refines = |stated: BlockingOp| match s.op {
        BlockingOp::NilChan => !matches!(
            stated,
            BlockingOp::ChanSend | BlockingOp::ChanReceive | BlockingOp::RangeReceive
        ),
        BlockingOp::SelectNoCases => stated != BlockingOp::Select,
        op => stated != op,
    };
    let mut op = if guessed && (s.op == BlockingOp::Other || stated.is_some_and(refines)) {
        let inferred = if select.is_some() {
            Some(BlockingOp::Select)
        } else {
            stated
        };
        if let Some(op) = inferred {
            v.op = Some(op);
            v.evidence
                .push(format!("{} is a {op} statement", loc(src, site.line)));
        }
        inferred.unwrap_or(BlockingOp::Other)
    } else if s.op == BlockingOp::ChanReceive && regex!(r"\bfor\b.*\brange\s").is_match(&line) {
        // Text dumps hide runtime.chanrecv2: the statement shows the range.
        v.op = Some(BlockingOp::RangeReceive);
        BlockingOp::RangeReceive
    } else {
        s.op
    };
    // The loop that repeats the select, in its function or around the
    // call in a caller of the program's own: a select that runs once is a
    // single wait, not a loop without an exit.
    let repeats = select.as_ref().map_or(Repeats::Unknown, |sel| {
        loop_around_call(index, s, src, place, sel.at)
    });
    let once = matches!(repeats, Repeats::Once);
    if let Some(sel) = &select {
        let plain = matches!(
            op,
            BlockingOp::ChanSend | BlockingOp::ChanReceive | BlockingOp::RangeReceive
        );
        if plain && sel.cases.len() == 1 && !once {
            v.op = Some(BlockingOp::Select);
            let by = match &repeats {
                Repeats::Loop(l) => format!(", repeated by the loop at {l}"),
                _ => String::new(),
            };
            v.evidence.push(format!(
                "the select at {} has one case{by}: the compiler turns it into a plain {op}",
                loc(src, sel.at.line)
            ));
            op = BlockingOp::Select;
        } else if plain && sel.cases.len() == 1 {
            v.evidence.push(format!(
                "the select at {} has one case and runs once (no loop repeats it): one plain {op}",
                loc(src, sel.at.line)
            ));
        }
    }
    if guessed
        && matches!(
            op,
            BlockingOp::ChanSend | BlockingOp::ChanReceive | BlockingOp::RangeReceive
        )
    {
        if let Some(field) =
            never_assigned_field(index, src, &line, site.line, op == BlockingOp::ChanSend)
        {
            v.op = Some(BlockingOp::NilChan);
            v.pattern = Some("nil-channel");
            v.evidence.push(format!(
                "{} uses the channel field {field}: it is nil",
                loc(src, site.line)
            ));
            return v;
        }
    }
    let ticker_unstopped = || {
        let (made, stopped) = ticker_lines(&body, u32::MAX);
        if made.is_some() || stopped {
            return made.filter(|_| !stopped);
        }
        // A ticker handed in by the function whose go statement started
        // this one (`t := time.NewTicker(d); go refresh(s, t)`), which
        // stops it nowhere either.
        let g = go_loc.as_ref()?;
        let (open, close) = g.scope.body();
        let scope: Vec<(u32, String)> = (open.line..=close.line)
            .filter_map(|n| Some((n, g.src.code(n)?.to_string())))
            .collect();
        let (made, stopped) = ticker_lines(&scope, g.line);
        made.filter(|_| !stopped)
    };
    if s.heap {
        // An index assignment whose target is declared as a map in the file.
        let assigns_map = |l: &str| {
            regex!(r"^\s*([\w.]+)\[[^\]]+\]\s*=[^=]")
                .captures(l)
                .is_some_and(|c| {
                    let name = c[1].rsplit('.').next().unwrap_or(&c[1]).to_string();
                    is_map(src, &name)
                })
        };
        let map_assign = body.iter().find(|(_, l)| assigns_map(l));
        // Or a function of the file that the allocating function calls
        // stores into one (`c.Put(key, p)`, with `c.items[k] = v` in Put).
        let map_through = map_assign.is_none().then(|| {
            body.iter().find_map(|(n, l)| {
                regex!(r"(?:^|[^\w])(?:\w+\.)?(\w+)\s*(?:\[[^\]]*\])?\(")
                    .captures_iter(l)
                    .find_map(|c| {
                        let callee = &c[1];
                        let d = src
                            .decl_named(callee)
                            .filter(|d| !(d.start <= *n && *n <= d.end))?;
                        let (m, stmt) = code_lines(src, d.start, d.end)
                            .into_iter()
                            .find(|(_, x)| assigns_map(x))?;
                        Some((*n, callee.to_string(), m, stmt))
                    })
            })
        });
        let in_loop = golex::loop_around(
            &src.code,
            Pos {
                line: site.line,
                col: 0,
            },
            place.decl.open,
            place.decl.close,
        )
        .is_some();
        if regex!(r"time\.After\(").is_match(&line) && in_loop {
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
        } else if let Some((n, callee, m, stmt)) = map_through.flatten() {
            v.pattern = Some("heap-map-growth");
            v.evidence.push(format!(
                "{} hands what the function allocates to {callee}, which stores it into a map at {} (`{}`): entries are added and never deleted",
                loc(src, n),
                loc(src, m),
                stmt.trim()
            ));
        } else if let Some(caller) = s.caller.filter(|c| !is_std_frame(c)) {
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
    // A wait the code bounds ends by itself, whatever its other ways out:
    // none of them is what keeps the goroutine.
    let select_repeats = select.as_ref().map(|sel| (sel, &repeats));
    if let Some(b) = bound_of_wait(index, s, src, place, op, select_repeats, site.line, &line) {
        v.evidence.push(b.evidence.clone());
        v.bound = Some(b);
        return v;
    }
    if let (BlockingOp::Select, Some(sel)) = (op, &select) {
        v.cycle = cycle_of_select(index, s, src, place, sel, &repeats);
    } else if matches!(op, BlockingOp::ChanReceive | BlockingOp::Sleep) {
        v.cycle = cycle_of_wait(index, s, src, place, op, site.line, &line);
    }
    if let Some(c) = &v.cycle {
        v.evidence.push(c.evidence.clone());
    }
    if matches!(op, BlockingOp::Select | BlockingOp::ChanReceive) {
        let single = [(site.line, line.clone())];
        let waits: &[(u32, String)] = match &select {
            Some(sel) => &sel.cases,
            None => &single,
        };
        v.awaits_child = child_result(src, place, waits);
    }
    match op {
        BlockingOp::RangeReceive => {
            if regex!(r"\brange\s+time\.Tick\(").is_match(&line) {
                v.pattern = Some("ticker-not-stopped");
                v.evidence.push(format!(
                    "{} ranges over time.Tick: its ticker can never be stopped and the loop has no exit",
                    loc(src, site.line)
                ));
            } else if let Some(c) = regex!(r"\brange\s+([\w.]+)").captures(&line) {
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
            } else if regex!(r",\s*\w+\s*:?=\s*<-").is_match(&line) {
                receive_in_loop(&mut v, src, place, site.line, &line, true);
            } else {
                examine_receive(
                    &mut v,
                    src,
                    place,
                    site.line,
                    &line,
                    go_loc.as_ref(),
                    &ticker_unstopped,
                );
            }
        }
        BlockingOp::ChanReceive => {
            examine_receive(
                &mut v,
                src,
                place,
                site.line,
                &line,
                go_loc.as_ref(),
                &ticker_unstopped,
            );
        }
        BlockingOp::Select => {
            let Some(sel) = select else {
                return v;
            };
            let cases = &sel.cases;
            let exit = cases.iter().find(|(_, l)| reads_like_exit(l));
            // A select that no loop repeats waits once for one of its cases
            // (all receives, or all sends), and none comes, not even its
            // done-like case `exit` where it has one.
            let waits_once = |v: &mut SourceVerdict, exit: Option<&(u32, String)>| {
                let sends = cases.iter().filter(|(_, l)| is_send_case(l)).count();
                let decided = match sends {
                    0 => Some(("chan-receive-blocked", "receives")),
                    n if n == cases.len() => Some(("chan-send-blocked", "sends")),
                    _ => None,
                };
                let Some((pattern, what)) = decided else {
                    return;
                };
                v.pattern = Some(pattern);
                let none = match exit {
                    Some((n, l)) => format!(
                        "and none comes, not even its case at {} (`{}`): whoever should send on or close them never does",
                        loc(src, *n),
                        l.trim()
                    ),
                    None => "and none can proceed".to_string(),
                };
                v.evidence.push(format!(
                    "the select at {} runs once (no loop repeats it): it waits for one of its {} {what}, {none}",
                    loc(src, sel.at.line),
                    cases.len()
                ));
            };
            v.stopped_elsewhere = cases
                .iter()
                .find_map(|(n, l)| stopped_elsewhere(index, src, place, *n, l, cases));
            match exit {
                Some((n, l)) if l.contains("Done()") => {
                    v.pattern = Some("context-not-cancelled");
                    v.evidence.push(format!(
                        "the select's exit case at {} waits for ctx.Done(): its goroutines end only once that context is cancelled",
                        loc(src, *n)
                    ));
                    discarded_cancel(&mut v, go_loc.as_ref());
                }
                // A select that runs once with a done-like case waits once
                // for a result or that signal; neither comes.
                Some(exit) if once => waits_once(&mut v, Some(exit)),
                Some(_) => {}
                None => {
                    let on_ticker = |l: &str| regex!(r"<-\s*[\w.]+\.C\b").is_match(l);
                    let only_ticker = cases.iter().all(|(_, l)| on_ticker(l));
                    // Read once: it scans the function, and maybe its creator.
                    let ticker = (only_ticker || cases.iter().any(|(_, l)| on_ticker(l)))
                        .then(&ticker_unstopped)
                        .flatten();
                    if let (true, Some(n)) = (only_ticker, ticker) {
                        // Every case waits on a ticker nobody stops: a ticker
                        // loop (the select adds nothing but its syntax).
                        v.pattern = Some("ticker-not-stopped");
                        v.evidence.push(format!(
                            "the select at {} waits only on a ticker's channel, and the ticker made at line {n} is never stopped",
                            loc(src, sel.at.line)
                        ));
                    } else if !cases.is_empty() && once {
                        waits_once(&mut v, None);
                    } else if !cases.is_empty() {
                        v.pattern = Some("select-no-exit");
                        v.evidence.push(format!(
                            "the select at {} has {} case{} and none is a done, quit or ctx.Done() case",
                            loc(src, sel.at.line),
                            cases.len(),
                            if cases.len() == 1 { "" } else { "s" }
                        ));
                        if let Some(n) = ticker {
                            v.evidence
                                .push(format!("a ticker made at line {n} is never stopped"));
                        }
                    }
                }
            }
        }
        BlockingOp::ChanSend => examine_send(&mut v, src, place, &line, site.line, go_loc.as_ref()),
        BlockingOp::NilChan if receives_done(&line) => {
            // The Done channel of a context nothing can cancel is nil.
            v.pattern = Some("context-not-cancelled");
            v.evidence.push(format!(
                "{} waits for ctx.Done(), and that wait is on a nil channel: the context can never be cancelled (context.Background(), context.TODO() and contexts derived from them by WithValue alone have no Done channel)",
                loc(src, site.line)
            ));
            if let Some(g) = &go_loc {
                let gsrc: &SourceFile = &g.src;
                let (open, _) = g.scope.body();
                let root = (open.line..=g.line).rev().find_map(|n| {
                    let c = regex!(r"\bcontext\.(Background|TODO)\(\)").captures(gsrc.code(n)?)?;
                    Some((n, c.get(0)?.as_str().to_string()))
                });
                if let Some((n, root)) = root {
                    v.evidence.push(format!(
                        "{} builds the context handed to the goroutine from {root}",
                        loc(gsrc, n)
                    ));
                }
            }
        }
        _ => {}
    }
    v
}

/// Whether a select's case clause reads like its way out: `ctx.Done()`, or
/// a receive from a done, quit, stop, closing… channel.
fn reads_like_exit(clause: &str) -> bool {
    regex!(r"(?i)done\(\)|<-\s*[\w.]*(done|quit|stop|exit|closing|closed|shutdown|cancel)\w*\b")
        .is_match(clause)
}

/// Whether a select's case clause (`case …` to the end of its line) sends:
/// `case ch <- v:` (a receive puts `<-` before the channel).
fn is_send_case(clause: &str) -> bool {
    regex!(r"^\s*case\s+[\w.\[\]()]+\s*<-").is_match(clause)
}

/// Whether a statement runs again: see [`loop_around_call`].
enum Repeats {
    /// A loop repeats it: the loop's place.
    Loop(String),
    /// Nothing repeats it: in no loop of its function nor around the calls
    /// of the program's own frames above it.
    Once,
    /// A caller of the program's own could not be read.
    Unknown,
}

/// How a bounded wait runs: see [`bound_of_wait`].
enum Repeated {
    Once,
    /// The loop (its line) of the wait's function, which the timer's case
    /// leaves.
    Returns(u32),
    /// Loops that end once a deadline has passed: how each does.
    UnderDeadline(Vec<String>),
}

/// Whether the statement at `at` of the site's function (`place` in `src`)
/// runs again: a loop around it in that function or around the call in a
/// caller of the program's own (the stack's next frames, up to the first
/// standard-library frame or the goroutine's entry).
fn loop_around_call(
    index: &SourceIndex,
    s: &Subject,
    src: &SourceFile,
    site_place: &Place,
    at: Pos,
) -> Repeats {
    let (open, close) = site_place.body();
    if let Some(l) = golex::loop_around(&src.code, at, open, close) {
        return Repeats::Loop(loc(src, l));
    }
    let Some(k) = site_frame(s) else {
        return Repeats::Unknown;
    };
    for f in &s.frames[k + 1..] {
        if is_std_frame(f) {
            break;
        }
        let Some(csrc) = index.open(&f.raw_file) else {
            return Repeats::Unknown;
        };
        let Ok(cplace) = place(&csrc, &f.function, f.line) else {
            return Repeats::Unknown;
        };
        let (o, c) = cplace.body();
        let call = Pos {
            line: f.line,
            col: 0,
        };
        if let Some(l) = golex::loop_around(&csrc.code, call, o, c) {
            return Repeats::Loop(loc(&csrc, l));
        }
    }
    Repeats::Once
}

/// The wait at `line` of the site (`op`; `select` where it is one, with
/// what repeats it), when a timer or a deadline ends it: see [`Bound`]. Either nothing repeats the
/// wait, or the loop of its function that does returns in the timer's case
/// (a session's lifetime, an idle timeout) and nothing repeats that loop.
#[allow(clippy::too_many_arguments)]
fn bound_of_wait(
    index: &SourceIndex,
    s: &Subject,
    src: &SourceFile,
    place: &Place,
    op: BlockingOp,
    select_repeats: Option<(&golex::Select, &Repeats)>,
    line_no: u32,
    line: &str,
) -> Option<Bound> {
    let select = select_repeats.map(|(sel, _)| sel);
    let (single, own);
    let (at, clauses, repeats): (Pos, &[(u32, String)], &Repeats) = match (op, select_repeats) {
        (BlockingOp::Select, Some((sel, repeats))) if !sel.cases.is_empty() => {
            (sel.at, &sel.cases, repeats)
        }
        (BlockingOp::ChanReceive | BlockingOp::Sleep, _) => {
            let at = Pos {
                line: line_no,
                col: 0,
            };
            single = [(line_no, line.to_string())];
            own = loop_around_call(index, s, src, place, at);
            (at, &single, &own)
        }
        _ => return None,
    };
    let (open, close) = place.body();
    // What repeats the wait first: it may rule the wait out before any
    // file of the package is read for its timers.
    let ender = |(n, l): &(u32, String)| Some((*n, timer_end(index, s, src, place, *n, l, None)?));
    let (n, end, repeated) = match repeats {
        Repeats::Once => {
            // A select that runs once: a Stop in one of its own cases
            // runs after the wait (`case <-done: t.Stop()`).
            let own = select.map(|sel| (sel.at.line, sel.close));
            let (n, end) = clauses
                .iter()
                .find_map(|(n, l)| Some((*n, timer_end(index, s, src, place, *n, l, own)?)))?;
            (n, end, Repeated::Once)
        }
        Repeats::Loop(_) => {
            // The loop of the wait's function, which the timer's case
            // leaves whenever it runs: a stuck goroutine leaves when the
            // timer fires (an idle timeout, a lifetime), where one the
            // timer only wakes, or leaves on a condition (a heartbeat that
            // stops on an error), may go round for ever.
            let returning = || {
                let sel = select?;
                let l = golex::loop_around(&src.code, at, open, close)?;
                let (n, end) = clauses
                    .iter()
                    .filter(|(n, _)| returns_unconditionally(src, *n, sel.clause_end(*n)))
                    .find_map(ender)?;
                let loop_at = Pos { line: l, col: 0 };
                matches!(
                    loop_around_call(index, s, src, place, loop_at),
                    Repeats::Once
                )
                .then_some((n, end, Repeated::Returns(l)))
            };
            // Or every loop that repeats it lives under a deadline: a
            // session, a job with a lifetime (`for ctx.Err() == nil`
            // where ctx has one), each of whose waits ends too.
            let lifetime = || {
                let (n, end) = clauses.iter().find_map(ender)?;
                let loops = repeating_loops(index, s, site_frame(s)?, at)?;
                let lives = loops_under_deadlines(index, s, &loops)?;
                (!lives.is_empty()).then_some((n, end, Repeated::UnderDeadline(lives)))
            };
            returning().or_else(lifetime)?
        }
        Repeats::Unknown => return None,
    };
    // A timer of an hour or more outlasts any series of snapshots: what
    // waits on it piles up as a leak does (a dropped cancel with an hour's
    // timeout is the leak `go vet` calls lostcancel).
    if end.outlasts() {
        return None;
    }
    let wait = match op {
        BlockingOp::Select => format!("the select at {}", loc(src, at.line)),
        _ => format!("the {op} at {}", loc(src, line_no)),
    };
    let how = match repeated {
        Repeated::Once => {
            "runs once (no loop repeats it, in its function or around the calls above it) and ends"
                .to_string()
        }
        Repeated::Returns(l) => format!(
            "is repeated by the loop at {}, which returns (and nothing repeats it)",
            loc(src, l)
        ),
        Repeated::UnderDeadline(lives) => format!(
            "is repeated, but {} (each goroutine's whole life has a deadline), and each time ends",
            lives.join(", and ")
        ),
    };
    Some(Bound {
        evidence: format!(
            "{wait} {how} when {} at {} fires{}: a wait with a deadline, which its goroutines leave by themselves",
            end.what,
            loc(src, n),
            end.limit
                .map_or(String::new(), |d| format!(" (after {})", fmt_duration(d)))
        ),
        limit: end.limit,
    })
}

/// The select `sel` at the site (`place` in `src`; `repeats` is what
/// repeats it), when it is a
/// [`Cycle`]: a loop repeats it, one of its cases is a timer's (not an
/// hour or more) and another is its way out: a done-like channel or
/// `ctx.Done()`, or, in a loop of its own function, a case that returns
/// whatever happens.
fn cycle_of_select(
    index: &SourceIndex,
    s: &Subject,
    src: &SourceFile,
    place: &Place,
    sel: &golex::Select,
    repeats: &Repeats,
) -> Option<Cycle> {
    let Repeats::Loop(by) = repeats else {
        return None;
    };
    let (n, end) = sel
        .cases
        .iter()
        .find_map(|(n, l)| Some((*n, timer_end(index, s, src, place, *n, l, None)?)))?;
    if end.outlasts() {
        return None;
    }
    let (open, close) = place.body();
    let own_loop = golex::loop_around(&src.code, sel.at, open, close).is_some();
    // Another case, or the timer's own where it is a context's deadline
    // (`ctx.Done()` of a context with one is a way out too).
    let (m, clause) = sel
        .cases
        .iter()
        .find_map(|(m, l)| {
            (*m != n
                && (reads_like_exit(l)
                    || (own_loop && returns_unconditionally(src, *m, sel.clause_end(*m)))))
            .then_some((*m, l))
        })
        .or_else(|| {
            sel.cases
                .iter()
                .find(|(m, l)| *m == n && reads_like_exit(l))
                .map(|(m, l)| (*m, l))
        })?;
    let clause = clause.trim().trim_end_matches(':');
    // A helper whose way out is a cancellation and returns (`case
    // <-ctx.Done(): return false`) reports it to its callers, whose loops
    // end on its result.
    let reports = returns_unconditionally(src, m, sel.clause_end(m));
    let cancellable = reads_like_exit(clause)
        && site_frame(s)
            .and_then(|k| repeating_loops(index, s, k, sel.at))
            .is_some_and(|loops| cancelled_loops_via(&loops, reports));
    Some(Cycle {
        cancellable,
        evidence: format!(
            "the select at {} is repeated by the loop at {by} and wakes by itself when {} at {} fires{}; its way out is `{clause}` at {}: goroutines that live long and wake on their own, not stuck in this wait (they leaked only if that way out never comes)",
            loc(src, sel.at.line),
            end.what,
            loc(src, n),
            end.limit
                .map_or(String::new(), |d| format!(" (every {})", fmt_duration(d))),
            loc(src, m)
        ),
        limit: end.limit,
    })
}

/// A single wait on a timer (`<-t.C`, `<-time.After(d)`, `time.Sleep(d)`,
/// a helper's timer) at line `n` (`code`) of the site's function, that the
/// innermost loop repeating it (in its function or around a caller's
/// call) goes back to, where that loop has a way out ([`has_way_out`]): a
/// loop that sleeps between rounds, as a [`Cycle`].
fn cycle_of_wait(
    index: &SourceIndex,
    s: &Subject,
    src: &SourceFile,
    place: &Place,
    op: BlockingOp,
    n: u32,
    code: &str,
) -> Option<Cycle> {
    let end = timer_end(index, s, src, place, n, code, None)?;
    if end.outlasts() {
        return None;
    }
    let loops = repeating_loops(index, s, site_frame(s)?, Pos { line: n, col: 0 })?;
    let r = innermost_with_way_out(&loops)?;
    Some(Cycle {
        cancellable: cancelled_loops(&loops),
        evidence: format!(
            "the {op} at {} is repeated by the loop at {}, which has a way out, and wakes by itself when {} fires{}: goroutines that live long and sleep between rounds, not stuck in this wait (they leaked only if that loop never ends)",
            loc(src, n),
            loc(&r.src, r.lp.line),
            end.what,
            end.limit
                .map_or(String::new(), |d| format!(" (every {})", fmt_duration(d))),
        ),
        limit: end.limit,
    })
}

/// The innermost of the loops that repeat a statement
/// ([`repeating_loops`]), where it has a way out ([`has_way_out`]).
fn innermost_with_way_out(loops: &[Repeat]) -> Option<&Repeat> {
    loops.first().filter(|r| has_way_out(r))
}

/// Whether a loop can end: a condition in its header (`for ctx.Err() ==
/// nil`, `for i := 0; …`, `for … range`), or a `return` or a plain `break`
/// in its body.
fn has_way_out(r: &Repeat) -> bool {
    !r.lp.header.trim().is_empty()
        || (r.lp.open.line..=r.lp.close.line).any(|j| {
            r.src
                .code(j)
                .is_some_and(|l| regex!(r"\breturn\b|\bbreak\s*$|\bbreak\s*[;}]").is_match(l))
        })
}

/// Whether every one of the loops that repeat a statement
/// ([`repeating_loops`], at least one) reads a cancellation
/// ([`reads_cancel`]): a loop around it that nothing cancels (`for {
/// s.waitOnce(ctx) }`) goes on whatever its inner waits do.
fn cancelled_loops(loops: &[Repeat]) -> bool {
    cancelled_loops_via(loops, false)
}

/// [`cancelled_loops`], where `via_result` also counts a loop that ends
/// on the result of the call that repeats the wait (`if !sleepCtx(ctx,
/// d) { return }`, `if err := j.attempt(ctx); err != nil { return err }`):
/// for a wait whose own way out reads a cancellation and returns, a
/// helper that reports it, which the loops above hand on.
fn cancelled_loops_via(loops: &[Repeat], via_result: bool) -> bool {
    !loops.is_empty()
        && loops.iter().enumerate().all(|(i, r)| {
            // Lines of a loop inside it that repeats the wait too end that
            // loop, not this one.
            let inner: Vec<(u32, u32)> = loops[..i]
                .iter()
                .filter(|x| x.frame == r.frame)
                .map(|x| (x.lp.line, x.lp.close.line))
                .collect();
            reads_cancel(r, &inner) || (via_result && ends_on_result(r))
        })
}

/// The name a frame's function is called by in Go source: `sleepCtx` for
/// `main.sleepCtx`, `attempt` for `main.(*job).attempt`; `None` for a
/// function literal (`main.run.func1`) or a wrapper, which have no name to
/// call, and for a generic function, whose calls may spell out its type
/// arguments (`wait[int](ctx, d)`).
fn callee_name(function: &str) -> Option<String> {
    let f = golex::parse_func_name(function);
    let named = f.closures.is_empty() && !f.wrapper && !f.package_level;
    (named && !function.contains('[') && !f.name.is_empty()).then_some(f.name)
}

/// Whether the loop `r`, around a call ([`Repeat::call`]), tests that
/// call's result in an `if` on the call's line and leaves the loop in
/// that `if`'s body (`return` or `break`): `if !sleepCtx(ctx, d) {
/// return }`, `if err := wait(ctx, d); err != nil { return err }`.
fn ends_on_result(r: &Repeat) -> bool {
    let Some((line, name)) = &r.call else {
        return false;
    };
    let Some(code) = r.src.code(*line) else {
        return false;
    };
    let name = regex::escape(name);
    let tests = Regex::new(&format!(
        r"^\s*if\s+(?:!\s*[\w.]*\b{name}\(|.*\b{name}\(.*(?:!=\s*nil|==\s*false|;\s*!\s*\w+)\s*\{{)"
    ))
    .is_ok_and(|re| re.is_match(code));
    if !tests || !code.trim_end().ends_with('{') {
        return false;
    }
    // The if's body leaves the loop, as for `if ctx.Err() != nil`.
    let at = Pos {
        line: *line,
        col: code.len() - code.trim_start().len(),
    };
    golex::block_at(&r.src.code, at, r.lp.close.line)
        .is_some_and(|(open, close)| leaves_block(&r.src, open, close, true))
}

/// Whether a loop reads a cancellation, in its header or its body (but
/// the lines `inner` of loops inside it): a
/// done-like channel or `ctx.Done()` ([`reads_like_exit`]), or a
/// context's `Err()` (`for ctx.Err() == nil`).
fn reads_cancel(r: &Repeat, inner: &[(u32, u32)]) -> bool {
    (r.lp.open.line..=r.lp.close.line)
        .filter(|j| !inner.iter().any(|(a, b)| (a..=b).contains(&j)))
        .filter_map(|j| r.src.code(j))
        .chain(std::iter::once(r.lp.header.as_str()))
        .any(|l| reads_like_exit(l) || regex!(r"\b\w*(?i:ctx|context)\w*\.Err\(\)").is_match(l))
}

/// The stops of what a go statement hands over through `names`: a method
/// that ends it (`hb.stop()`, `keeper.Stop()`, `w.Close()`), `close(stop)`.
fn stops_of<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<Regex> {
    names
        .into_iter()
        .filter_map(|n| {
            let n = regex::escape(n);
            Regex::new(&format!(
                r"\b{n}\.(?:Stop|stop|Close|close|Cancel|cancel|Shutdown|shutdown|Release|release|Halt|halt)\(|\bclose\(\s*{n}\s*\)"
            ))
            .ok()
        })
        .collect()
}

/// The go statement `g`, where the calls that start its goroutines stop
/// them before they return, on the paths that do: after the statement, the
/// function it runs in stops the goroutine itself, through a name the
/// statement hands it (`defer hb.stop()`, `keeper.Stop()`, `close(stop)`,
/// or the cancel of a context made there and handed over); or that
/// function is a constructor that returns what it started (`go k.loop();
/// return k`), and every call of it in the package is followed, in its
/// function, by a stop of what it returned. No loop of the function may
/// repeat the statement (each call then has at most one such goroutine
/// alive while it runs), nor may it be in a function literal.
fn scoped_child(index: &SourceIndex, g: &GoLoc) -> Option<Scoped> {
    // A go statement in a function literal: its calls in flight are not
    // the declaration's.
    if g.scope.literal.is_some() {
        return None;
    }
    let src = &g.src;
    let (open, close) = g.scope.body();
    let first = src.code(g.line)?;
    let at = regex!(r"\bgo\b").find(first)?;
    if golex::loop_around(
        &src.code,
        Pos {
            line: g.line,
            col: at.start(),
        },
        open,
        close,
    )
    .is_some()
    {
        return None;
    }
    // The names the statement hands over: its receiver and arguments, or
    // what its literal uses.
    let text = std::iter::once(&first[at.end()..])
        .chain((g.line + 1..=g.end).filter_map(|k| src.code(k)))
        .collect::<Vec<_>>()
        .join(" ");
    let names: BTreeSet<&str> = regex!(r"\b[A-Za-z_]\w*\b")
        .find_iter(&text)
        .map(|m| m.as_str())
        .filter(|n| {
            !matches!(
                *n,
                "func"
                    | "go"
                    | "return"
                    | "for"
                    | "select"
                    | "case"
                    | "if"
                    | "else"
                    | "range"
                    | "defer"
                    | "nil"
                    | "true"
                    | "false"
                    | "make"
                    | "chan"
                    | "struct"
            )
        })
        .collect();
    let mut stops = stops_of(names.iter().copied());
    // Contexts made in the function and handed over: their cancel.
    for k in open.line..g.line {
        let Some(c) = src.code(k).and_then(|l| {
            regex!(
                r"\b(\w+)\s*,\s*(\w+)\s*:?=\s*context\.With(?:Cancel|Timeout|Deadline)(?:Cause)?\("
            )
            .captures(l)
        }) else {
            continue;
        };
        if names.contains(&c[1]) && &c[2] != "_" {
            stops.extend(Regex::new(&format!(r"\b{}\(", regex::escape(&c[2]))).ok());
        }
    }
    let decl = &g.scope.decl;
    if let Some((k, code)) = g
        .after(true)
        .into_iter()
        .find(|(_, l)| stops.iter().any(|r| r.is_match(l)))
    {
        return Some(Scoped {
            evidence: format!(
                "the function that starts them at {} stops them itself (`{}` at {})",
                loc(src, g.line),
                code.trim(),
                loc(src, k)
            ),
            scopes: vec![(decl.receiver.clone(), decl.name.clone())],
        });
    }
    // A constructor that returns what it started: its callers hold it.
    if !g.after(false).iter().any(|(_, l)| {
        regex!(r"\breturn\s+&?(\w+)\b")
            .captures(l)
            .is_some_and(|c| names.contains(&c[1]))
    }) {
        return None;
    }
    let call = Regex::new(&format!(
        r"\b(\w+)\s*(?:,\s*\w+\s*)?:?=\s*(?:[\w.]+\.)?{}\(",
        regex::escape(&decl.name)
    ))
    .ok()?;
    let any_call = Regex::new(&format!(r"\b{}\(", regex::escape(&decl.name))).ok()?;
    let mut scopes = Vec::new();
    let mut first_stop = None;
    for f in &index.package(src)? {
        for (i, l) in f.code.iter().enumerate() {
            let n = i as u32 + 1;
            if !any_call.is_match(l) || regex!(r"^\s*func\b").is_match(l) {
                continue;
            }
            // Every call keeps what it returned and stops it later in its
            // function.
            let c = call.captures(l)?;
            let d = f.decl_at(n)?;
            let stop = stops_of([&c[1]]);
            let (k, code) = (n + 1..=d.end).find_map(|k| {
                let code = f.code(k)?;
                stop.iter()
                    .any(|r| r.is_match(code))
                    .then(|| (k, code.trim().to_string()))
            })?;
            first_stop.get_or_insert_with(|| format!("`{code}` at {}", loc(f, k)));
            let scope = (d.receiver.clone(), d.name.clone());
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
    }
    let stop = first_stop?;
    Some(Scoped {
        evidence: format!(
            "{} starts them at {} and returns what it started, and each call of it is followed by a stop of that ({stop})",
            decl.name,
            loc(src, g.line)
        ),
        scopes,
    })
}

/// A receive among `waits` (a select's cases, or one receive) on a channel
/// that a go statement of the waiting function (`place` in `src`), before
/// the wait, hands its result to: a literal that sends on it (`go func() {
/// done <- work() }()`), or a call given it (`go fetch(ctx, done)`).
fn child_result(src: &SourceFile, place: &Place, waits: &[(u32, String)]) -> Option<String> {
    let (open, _) = place.body();
    let first = waits.iter().map(|(n, _)| *n).min()?;
    waits.iter().find_map(|(n, l)| {
        let c = regex!(r"<-\s*(\w+)\s*(?::|$|\)|;)").captures(l)?;
        let ch = regex::escape(&c[1]);
        let sends = Regex::new(&format!(r"\b{ch}\s*<-")).ok()?;
        let passes = Regex::new(&format!(r"\bgo\s+[\w.]+\(.*\b{ch}\b")).ok()?;
        let made = Regex::new(&format!(r"\b{ch}\s*:?=\s*make\(\s*(chan|\w)")).ok()?;
        // Made in the function: the goroutines it starts are the only ones
        // that hold it.
        last_made(src, open.line, first, &made)?;
        let go = place.nested().filter(|lit| lit.go && lit.at.line < first).find_map(|lit| {
            (lit.at.line..=lit.close.line)
                .any(|k| src.code(k).is_some_and(|x| sends.is_match(x)))
                .then_some(lit.at.line)
        });
        let go = go.or_else(|| {
            (open.line..first).find(|&k| src.code(k).is_some_and(|x| passes.is_match(x)))
        })?;
        Some(format!(
            "the receive from {} at {} waits for the result of the goroutine started at {}, which the waiting function made the channel for",
            &c[1],
            loc(src, *n),
            loc(src, go)
        ))
    })
}

/// A loop that repeats a wait: in the wait's function or around the call
/// of a caller of the program's own (the stack's frame `frame`).
struct Repeat {
    src: Arc<SourceFile>,
    place: Place,
    frame: usize,
    lp: golex::Loop,
    /// Where the loop is around a call (a frame above the site's): the
    /// call's line and the name the callee is called by (`sleepCtx`,
    /// `attempt`); `None` for a loop around the statement itself, or a
    /// callee with no name (a closure).
    call: Option<(u32, String)>,
}

/// Every loop that repeats the statement at `at` of the function of the
/// stack's frame `k` (the site's), innermost first: loops around it there, and around the calls of the
/// program's own frames above it (up to the first standard-library frame
/// or the goroutine's entry). `None` where a frame's code cannot be read.
fn repeating_loops(index: &SourceIndex, s: &Subject, k: usize, at: Pos) -> Option<Vec<Repeat>> {
    let mut out = Vec::new();
    for (i, f) in s.frames.iter().enumerate().skip(k) {
        if i > k && is_std_frame(f) {
            break;
        }
        let src = index.open(&f.raw_file)?;
        let place = self::place(&src, &f.function, f.line).ok()?;
        let (open, close) = place.body();
        let mut pos = if i == k {
            at
        } else {
            Pos {
                line: f.line,
                col: 0,
            }
        };
        let call = (i > k)
            .then(|| callee_name(&s.frames[i - 1].function))
            .flatten()
            .map(|name| (f.line, name));
        while let Some(l) = golex::loop_around(&src.code, pos, open, close) {
            // A label's `goto` is a loop too, with no header to read.
            let lp = golex::loop_at(&src.code, l, close.line)?;
            pos = Pos { line: l, col: 0 };
            out.push(Repeat {
                src: src.clone(),
                place: place.clone(),
                frame: i,
                lp,
                call: call.clone(),
            });
        }
    }
    Some(out)
}

/// How each of `loops` (those that repeat a statement:
/// [`repeating_loops`]) ends once a deadline has passed (see
/// [`loop_deadline`]), none of an hour or more: `None` where one does not;
/// empty where no loop repeats it.
fn loops_under_deadlines(
    index: &SourceIndex,
    s: &Subject,
    loops: &[Repeat],
) -> Option<Vec<String>> {
    loops
        .iter()
        .map(|r| {
            let d = loop_deadline(index, s, r)?;
            if d.outlasts() {
                return None;
            }
            Some(format!(
                "the loop at {} ends once {} has passed",
                loc(&r.src, r.lp.line),
                d.what
            ))
        })
        .collect()
}

/// The deadline that ends the loop `r`, when it has one: the loop goes on
/// only while a context made with a deadline is live (`for ctx.Err() ==
/// nil`), or leaves whatever happens once it is done (`if ctx.Err() != nil
/// { return }`, a select's `case <-ctx.Done(): return`, directly in its
/// body), and that context is made before the loop in its function or by a
/// caller of the program's own that passes it down.
fn loop_deadline(index: &SourceIndex, s: &Subject, r: &Repeat) -> Option<Ender> {
    let src: &SourceFile = &r.src;
    let mut names: Vec<String> = Vec::new();
    if !r.lp.header.contains("||") {
        names.extend(
            regex!(r"\b(\w+)\.Err\(\)\s*==\s*nil")
                .captures_iter(&r.lp.header)
                .map(|c| c[1].to_string()),
        );
    }
    for n in golex::block_statements(&src.code, r.lp.open, r.lp.close) {
        let Some(code) = src.code(n) else {
            continue;
        };
        let Some(kw) = regex!(r"^\s*(if|select)\b")
            .captures(code)
            .and_then(|c| c.get(1))
        else {
            continue;
        };
        let at = Pos {
            line: n,
            col: kw.start(),
        };
        if kw.as_str() == "if" {
            // `if ctx.Err() != nil {`, `if err := ctx.Err(); err != nil {`
            let name = regex!(r"^\s*if\s+(\w+)\.Err\(\)\s*!=\s*nil\s*\{")
                .captures(code)
                .map(|c| c[1].to_string())
                .or_else(|| {
                    let c =
                        regex!(r"^\s*if\s+(\w+)\s*:=\s*(\w+)\.Err\(\)\s*;\s*(\w+)\s*!=\s*nil\s*\{")
                            .captures(code)?;
                    (c[1] == c[3]).then(|| c[2].to_string())
                });
            if let Some(name) = name {
                let (open, close) = golex::block_at(&src.code, at, r.lp.close.line)?;
                if leaves_block(src, open, close, true) {
                    names.push(name);
                }
            }
        } else {
            let Some(sel) = golex::select_at(&src.code, at, r.lp.close.line) else {
                continue;
            };
            for (m, clause) in &sel.cases {
                let Some(c) = regex!(r"^\s*case\s*<-\s*(\w+)\.Done\(\)\s*:").captures(clause)
                else {
                    continue;
                };
                if returns_unconditionally(src, *m, sel.clause_end(*m)) {
                    names.push(c[1].to_string());
                }
            }
        }
    }
    names
        .iter()
        .find_map(|name| context_deadline(index, s, Some(r.frame), src, &r.place, name, r.lp.line))
}

/// Whether the block `[open, close]` leaves the loop it is in whatever
/// happens: a `return` (or, with `brk`, a `break`) not inside a nested
/// block.
fn leaves_block(src: &SourceFile, open: Pos, close: Pos, brk: bool) -> bool {
    let mut depth = 0i32;
    for n in open.line..=close.line {
        let Some(code) = src.code(n) else {
            continue;
        };
        for m in regex!(r"\breturn\b|\bbreak\b|[{}]").find_iter(code) {
            let p = Pos {
                line: n,
                col: m.start(),
            };
            if p <= open || p >= close {
                continue;
            }
            match m.as_str() {
                "{" => depth += 1,
                "}" => depth -= 1,
                "return" if depth == 0 => return true,
                "break" if depth == 0 && brk => {
                    // A labelled break may leave another statement.
                    let rest = &code[m.end()..];
                    return !regex!(r"^\s*[A-Za-z_]").is_match(rest);
                }
                _ => {}
            }
        }
    }
    false
}

/// Whether the clause of a `case` at line `from`, up to line `to` (the next
/// clause or the select's closing brace), returns whatever happens: a
/// `return` in the clause itself, not inside a block of it (an `if`, a
/// `switch`, a loop).
fn returns_unconditionally(src: &SourceFile, from: u32, to: u32) -> bool {
    // The clause starts after the case's colon.
    let colon = src.code(from).map_or(0, |l| l.find(':').unwrap_or(l.len()));
    leaves_block(
        src,
        Pos {
            line: from,
            col: colon,
        },
        Pos { line: to, col: 0 },
        false,
    )
}

/// The longest timer taken as a bound of a wait (see [`Bound`]).
const LONGEST_BOUND: std::time::Duration = std::time::Duration::from_secs(3600);

/// A timer or a deadline that ends a wait.
struct Ender {
    what: String,
    /// Its duration, where the code spells it out.
    limit: Option<std::time::Duration>,
}

impl Ender {
    /// Whether its stated duration is [`LONGEST_BOUND`] or more: it
    /// outlasts any series of snapshots, and is taken as no bound.
    fn outlasts(&self) -> bool {
        self.limit.is_some_and(|d| d >= LONGEST_BOUND)
    }
}

/// What ends a wait at line `n` (`code`) of the site's function (`place`
/// in `src`), when it is a timer or a deadline. `after` is the lines of a
/// select that runs once, whose cases run after the wait.
fn timer_end(
    index: &SourceIndex,
    s: &Subject,
    src: &SourceFile,
    place: &Place,
    n: u32,
    code: &str,
    after: Option<(u32, u32)>,
) -> Option<Ender> {
    let open = place.body().0.line;
    let at_wait = |what: &str, args: &str| Ender {
        what: what.to_string(),
        limit: literal_duration(args),
    };
    if let Some(m) = regex!(r"\btime\.Sleep\(").find(code) {
        return Some(at_wait("the timer of time.Sleep", call_args(code, m.end())));
    }
    if let Some(m) = regex!(r"<-\s*time\.After\(").find(code) {
        return Some(at_wait("the time.After", call_args(code, m.end())));
    }
    // The last assignment before the wait, in its function, that matches.
    let before = |re: &Regex| last_made(src, open, n, re);
    // A timer's or a ticker's channel, made somewhere in the package and
    // stopped nowhere but on the way out (`defer t.Stop()`) or to be reset.
    if let Some(c) = regex!(r"<-\s*([\w.]*\.)?(\w+)\.C(?:$|[^\w(])").captures(code) {
        let name = regex::escape(&c[2]);
        let made = Regex::new(&format!(
            r"\b{name}\s*(?::=|=|:)\s*time\.(NewTimer|NewTicker)\("
        ))
        .ok()?;
        // A field (`s.life.C`) is stopped as a field (`x.life.Stop()`), a
        // variable by its bare name: a local `life` is another timer.
        let whose = if c.get(1).is_some() {
            r"\."
        } else {
            r"(?:^|[^.\w])"
        };
        let stop = Regex::new(&format!(r"{whose}{name}\.Stop\(\)")).ok()?;
        let reset = Regex::new(&format!(r"{whose}{name}\.Reset\(")).ok()?;
        let mut found = before(&made);
        // Made by a helper of the package that returns a new timer or
        // ticker (`t := p.schedule()` where `schedule` returns
        // `time.NewTimer(d)`): a local timer, made for this wait.
        let by_helper = if found.is_none() && c.get(1).is_none() {
            Regex::new(&format!(r"\b{name}\s*:=\s*(?:\w+\.)?(\w+)\("))
                .ok()
                .and_then(|re| {
                    let (k, callee, _) = before(&re)?;
                    let kind = timer_maker(index, src, &callee)?;
                    Some((k, kind))
                })
        } else {
            None
        };
        if let Some((k, kind)) = &by_helper {
            found = Some((*k, kind.clone(), String::new()));
        }
        // Stopped other than on the way out (`defer t.Stop()`) or to be
        // reset at once (`if !t.Stop() { <-t.C }; t.Reset(d)`): a stopped
        // timer never fires, and what waits on it stays.
        let stops = |f: &SourceFile, i: usize, l: &str| {
            stop.is_match(l)
                && (f.path != src.path
                    || !after.is_some_and(|(a, b)| (a..=b).contains(&(i as u32 + 1))))
                && stops_for_good(index, f, i, l, &reset)
        };
        // A local timer (`t := time.NewTimer(d)` in the waiting function)
        // that the function hands to no call: only its function can stop
        // it, whatever other timers of the package share its name.
        let local = by_helper.is_some()
            || found.as_ref().is_some_and(|(k, _, _)| {
                let decl = Regex::new(&format!(r"\b{name}\s*:=\s*time\.")).ok();
                let passed = Regex::new(&format!(r"[(,]\s*&?{name}\s*[,)]")).ok();
                let (open, close) = place.body();
                src.code(*k)
                    .is_some_and(|l| decl.is_some_and(|d| d.is_match(l)))
                    && passed.is_some_and(|p| {
                        !(open.line..=close.line)
                            .any(|j| src.code(j).is_some_and(|l| p.is_match(l)))
                    })
            });
        // A field reached through the receiver of the waiting method
        // (`q.t.C` in a method of `quarantine`) is that type's: another
        // type's methods that stop a field of the same name through their
        // own receiver (`r.t.Stop()` in a method of `retryTimer`) stop
        // another timer.
        let owner = c.get(1).and_then(|p| {
            let base = p.as_str().split('.').next()?;
            (receiver_var(src, &place.decl)? == base && !place.decl.receiver.is_empty())
                .then(|| place.decl.receiver.clone())
        });
        let foreign = |f: &SourceFile, i: usize, l: &str| {
            owner.as_ref().is_some_and(|t| {
                f.decl_at(i as u32 + 1).is_some_and(|d| {
                    !d.receiver.is_empty()
                        && d.receiver != *t
                        && receiver_var(f, d).is_some_and(|r| {
                            Regex::new(&format!(r"\b{}\.{name}\.Stop\(\)", regex::escape(&r)))
                                .is_ok_and(|x| x.is_match(l))
                                && stop.find_iter(l).count() == 1
                        })
                })
            })
        };
        let mut stopped = false;
        if local {
            let (open, close) = place.body();
            for j in open.line..=close.line {
                if let Some(l) = src.code(j) {
                    // A local timer stopped on the way out of its function
                    // (`t.Stop(); return`) strands no wait of its own.
                    let leaves = || {
                        (j + 1..=close.line.min(j + 2))
                            .filter_map(|x| src.code(x))
                            .any(|x| regex!(r"^\s*return\b").is_match(x))
                    };
                    stopped |= stops(src, j as usize - 1, l) && !(by_helper.is_some() && leaves());
                }
            }
        } else {
            for f in &index.package(src)? {
                for (i, l) in f.code.iter().enumerate() {
                    if found.is_none() {
                        if let Some(m) = made.captures(l) {
                            let args = call_args(l, m.get(0).map_or(0, |x| x.end()));
                            found = Some((0, m[1].to_string(), args.to_string()));
                        }
                    }
                    stopped |= stops(f, i, l) && !foreign(f, i, l);
                }
            }
        }
        let found = found.map(|(_, kind, args)| (kind, args));
        let (kind, args) = found?;
        if stopped {
            return None;
        }
        let kind = if kind == "NewTicker" {
            "ticker"
        } else {
            "timer"
        };
        return Some(Ender {
            what: format!("the {kind} {}", &c[2]),
            limit: literal_duration(&args),
        });
    }
    // A channel of time.After kept in a variable (`deadline := time.After(d)`).
    if let Some(c) = regex!(r"<-\s*(\w+)\s*(?::|$|\))").captures(code) {
        let made = Regex::new(&format!(
            r"\b{}\s*:?=\s*time\.After\(()",
            regex::escape(&c[1])
        ))
        .ok()?;
        if let Some((_, _, args)) = before(&made) {
            return Some(Ender {
                what: format!("the time.After {}", &c[1]),
                limit: literal_duration(&args),
            });
        }
    }
    // A context with a deadline made in the wait's function, or in a caller
    // of the program's own that hands it down.
    if let Some(c) = regex!(r"<-\s*(\w+)\.Done\(\)").captures(code) {
        if let Some(e) = context_deadline(index, s, site_frame(s), src, place, &c[1], n) {
            return Some(e);
        }
    }
    helper_end(index, s, src, code)
}

/// Whether `name` is a function or method of the package of `src` whose
/// every return (one to three) is a new timer or ticker
/// (`return time.NewTimer(d)`): `NewTimer` or `NewTicker`.
fn timer_maker(index: &SourceIndex, src: &SourceFile, name: &str) -> Option<String> {
    let mut kind = None;
    for f in &index.package(src)? {
        for d in f.decls.iter().filter(|d| d.name == name) {
            let returns: Vec<&str> = (d.open.line..=d.close.line)
                .filter_map(|k| f.code(k))
                .filter(|l| regex!(r"\breturn\b").is_match(l))
                .collect();
            if returns.is_empty() || returns.len() > 3 {
                return None;
            }
            for l in returns {
                let c = regex!(r"\breturn\s+time\.(NewTimer|NewTicker)\(").captures(l)?;
                if kind.as_ref().is_some_and(|k: &String| k != &c[1]) {
                    return None;
                }
                kind = Some(c[1].to_string());
            }
        }
    }
    kind
}

/// A select case at line `n` (`code`) of the site's method that waits on
/// a field timer or ticker of the method's own receiver (`<-b.ticker.C`),
/// where another method of the same type stops it (`b.ticker.Stop()`: not
/// deferred, not reset right after, not a wrapper called only deferred)
/// and, in its body, closes, cancels and sends nothing, nor uses a channel
/// of another case: `Stop` does not close the channel, so a goroutine
/// waiting on it when that method runs is never woken by it, and nothing
/// else that method does wakes it. Returns what decided.
fn stopped_elsewhere(
    index: &SourceIndex,
    src: &SourceFile,
    place: &Place,
    n: u32,
    code: &str,
    cases: &[(u32, String)],
) -> Option<String> {
    if let Some(c) = regex!(r"<-\s*(\w+)\.(\w+)\.C(?:$|[^\w(])").captures(code) {
        let (base, name) = (&c[1], &c[2]);
        let owner = &place.decl.receiver;
        if owner.is_empty() || place.literal.is_some() || receiver_var(src, &place.decl)? != base {
            return None;
        }
        let (d, f, line) = timer_stopper(index, src, place, owner, name, cases, n, None)?;
        return Some(format!(
            "the select at {} waits on {base}.{name}.C, which {d} stops at {} without waking it otherwise (it closes, cancels and sends nothing): Stop does not close a timer's channel, so a goroutine waiting on it when {d} runs is never woken by it",
            loc(src, n),
            loc(&f, line),
        ));
    }
    // The channel an accessor returns (`case <-rt.C():`, with `func (r
    // *retryTimer) C() <-chan time.Time { return r.t.C }`), evaluated once
    // when the select starts: a method of that type that stops the timer
    // (and swaps in a new one) leaves the waiter on the old channel.
    let c = regex!(r"<-\s*(\w+)\.(\w+)\(\)").captures(code)?;
    let (var, method) = (&c[1], &c[2]);
    // The package's methods of that name, each with the timer field its
    // one return hands out (`None`: it returns something else). Most
    // selects (`<-ctx.Done()`) have none, and end here.
    let mut accessors: Vec<(String, Option<String>, String)> = Vec::new();
    for f in &index.package(src)? {
        for d in f
            .decls
            .iter()
            .filter(|d| d.name == method && !d.receiver.is_empty())
        {
            let r = receiver_var(f, d)?;
            let returns: Vec<String> = return_values(f, d)
                .into_iter()
                .map(|(_, e)| e)
                .filter(|e| regex!(r"^[\w.]+$").is_match(e))
                .collect();
            let field = match returns.as_slice() {
                [e] => e
                    .strip_prefix(&format!("{r}."))
                    .and_then(|x| x.strip_suffix(".C"))
                    .filter(|x| regex!(r"^\w+$").is_match(x))
                    .map(str::to_string),
                _ => None,
            };
            accessors.push((d.receiver.clone(), field, loc(f, d.start)));
        }
    }
    if accessors.is_empty() {
        return None;
    }
    let want = var_type(src, place, var);
    let mut found = None;
    for (ty, field, at) in accessors {
        if want.as_ref().is_some_and(|t| *t != ty) {
            continue;
        }
        // One that hands out something else, or two types' accessors of
        // that name: which one is not known.
        if found.replace((ty, field?, at)).is_some() {
            return None;
        }
    }
    let (owner, field, at) = found?;
    let (d, f, line) = timer_stopper(index, src, place, &owner, &field, cases, n, Some(method))?;
    Some(format!(
        "the select at {} waits on {var}.{method}(), the channel of {owner}'s {field} timer (returned by {method} at {at}), which {d} stops at {} without waking it otherwise (it closes, cancels and sends nothing): Stop does not close a timer's channel, and the select took the channel when it started, so a goroutine waiting on it when {d} runs is never woken by it",
        loc(src, n),
        loc(&f, line),
    ))
}

/// The type of `var` in the waiting function: its receiver's, a
/// parameter's (`rt *retryTimer`), or a local's made there as `&T{…}` or
/// by another package's function (`ctx, cancel := context.WithCancel(…)`:
/// the function's qualified name, no type of this package); `None` where
/// none of these says (a local from a function of the package).
fn var_type(src: &SourceFile, place: &Place, var: &str) -> Option<String> {
    if place.literal.is_none() && receiver_var(src, &place.decl).as_deref() == Some(var) {
        return Some(place.decl.receiver.clone());
    }
    let made = Regex::new(&format!(
        r"\b{}\s*(?:,\s*\w+\s*)*:?=\s*(?:&(\w+)\{{|(\w+\.\w+)\()",
        regex::escape(var)
    ))
    .ok()?;
    let (open, close) = place.body();
    if let Some(c) = (open.line..=close.line)
        .filter_map(|k| src.code(k))
        .find_map(|l| made.captures(l))
    {
        return c.get(1).or(c.get(2)).map(|m| m.as_str().to_string());
    }
    let sig = signature(src, &place.decl);
    // A type of another package (`ctx context.Context`) is kept whole: no
    // type of this one.
    let r = Regex::new(&format!(
        r"[(,]\s*{}\s+\*?([\w.]+)\s*[,)]",
        regex::escape(var)
    ))
    .ok()?;
    r.captures(&sig).map(|c| c[1].to_string())
}

/// A method of `owner` (other than the waiting function) that stops its
/// timer field `name` for good and wakes the select at line `n` no other
/// way: which method, in which file, at which line. With `accessor` (the
/// select took the channel from that method), the stopping method must
/// swap in a new timer after the stop, and be called (not deferred) by
/// some function other than the waiting one: a waiter that
/// stops its own timer after its wait (`rt.Stop()` in its done case) wakes
/// nobody else.
#[allow(clippy::too_many_arguments)]
fn timer_stopper(
    index: &SourceIndex,
    src: &SourceFile,
    place: &Place,
    owner: &str,
    name: &str,
    cases: &[(u32, String)],
    n: u32,
    accessor: Option<&str>,
) -> Option<(String, Arc<SourceFile>, u32)> {
    let stop = Regex::new(&format!(r"\b(\w+)\.{}\.Stop\(\)", regex::escape(name))).ok()?;
    let reset = Regex::new(&format!(r"\.{}\.Reset\(", regex::escape(name))).ok()?;
    // The channels of the other cases (`b.kick`, `done`), by their last
    // name.
    let others: Vec<Regex> = cases
        .iter()
        .filter(|(m, _)| *m != n)
        .filter_map(|(_, l)| {
            let c = regex!(r"<-\s*([\w.]+)").captures(l)?;
            let last = c[1].rsplit('.').next().filter(|x| !x.is_empty())?;
            Regex::new(&format!(r"\b{}\b", regex::escape(last))).ok()
        })
        .collect();
    let files = index.package(src)?;
    for f in &files {
        for (i, l) in f.code.iter().enumerate() {
            let line = i as u32 + 1;
            let Some(m) = stop.captures(l) else { continue };
            let Some(d) = f.decl_at(line) else { continue };
            if d.receiver != owner
                || (f.path == src.path && d.start == place.decl.start)
                || receiver_var(f, d).as_deref() != Some(&m[1])
                || !stops_for_good(index, f, i, l, &reset)
            {
                continue;
            }
            let wakes = (d.open.line..=d.close.line)
                .filter_map(|j| f.code(j))
                .any(|x| {
                    regex!(r"\bclose\(|\bcancel\w*\(|\.Cancel\(|\w\s*<-\s*[^-\s]").is_match(x)
                        || others.iter().any(|o| o.is_match(x))
                });
            if wakes {
                continue;
            }
            // Through an accessor, a stop that swaps in a new timer
            // (`r.t = time.NewTimer(d)` after it): a wrapper that only
            // releases the timer is its owner's to call once it stopped
            // waiting, and another type's method of that name cannot be
            // told from it by name.
            if accessor.is_some() {
                let Ok(swap) = Regex::new(&format!(
                    r"\b{}\.{}\s*=[^=]",
                    regex::escape(&m[1]),
                    regex::escape(name)
                )) else {
                    continue;
                };
                let swapped = (line..=d.close.line)
                    .filter_map(|j| f.code(j))
                    .any(|x| swap.is_match(x));
                if !swapped || !called_apart(&files, d, src, place) {
                    continue;
                }
            }
            return Some((d.name.clone(), f.clone(), line));
        }
    }
    None
}

/// Whether the method `d` is called somewhere other than in the waiting
/// function (`place` in `src`) and its own body, and not deferred (a
/// deferred call runs on the way out of a wait).
fn called_apart(
    files: &[Arc<SourceFile>],
    d: &golex::Decl,
    src: &SourceFile,
    place: &Place,
) -> bool {
    let Ok(call) = Regex::new(&format!(r"\.{}\(", regex::escape(&d.name))) else {
        return false;
    };
    files.iter().any(|g| {
        g.code.iter().enumerate().any(|(i, l)| {
            let k = i as u32 + 1;
            call.is_match(l)
                && !regex!(r"^\s*defer\b").is_match(l)
                && !(g.path == src.path && (place.decl.start..=place.decl.end).contains(&k))
                && g.decl_at(k)
                    .is_none_or(|e| e.start != d.start || e.name != d.name)
        })
    })
}

/// Whether the stop of a timer at line `i + 1` (`l`, 0-based index `i`) of
/// `f` stops it for good: not deferred (`defer t.Stop()` stops it on the
/// way out), not followed within three lines by its `Reset` (`reset`:
/// `if !t.Stop() { <-t.C }; t.Reset(d)` re-arms it), and not the one
/// statement of a wrapper the package calls only deferred
/// ([`deferred_wrapper`]).
fn stops_for_good(index: &SourceIndex, f: &SourceFile, i: usize, l: &str, reset: &Regex) -> bool {
    !regex!(r"^\s*defer\b").is_match(l)
        && !f.code[i..f.code.len().min(i + 4)]
            .iter()
            .any(|x| reset.is_match(x))
        && !deferred_wrapper(index, f, i as u32 + 1)
}

/// Whether line `n` of `f` is the one statement of a method that wraps a
/// stop (`func (d *deadline) release() { d.t.Stop() }`) which the package
/// calls only on the way out (`defer dl.release()`, at least once, never
/// otherwise): the timer is stopped once its waits are over.
fn deferred_wrapper(index: &SourceIndex, f: &SourceFile, n: u32) -> bool {
    let Some(d) = f.decl_at(n).filter(|d| !d.receiver.is_empty()) else {
        return false;
    };
    // The body holds this statement only.
    let body: Vec<&str> = (d.open.line..=d.close.line)
        .filter_map(|k| f.code(k))
        .collect();
    let joined = body.join(" ");
    let inner = joined
        .split_once('{')
        .map(|(_, r)| r)
        .and_then(|r| r.rsplit_once('}'))
        .map(|(l, _)| l.trim())
        .unwrap_or("");
    if !regex!(r"^(?:return\s+)?[\w.]+\.Stop\(\)$").is_match(inner) {
        return false;
    }
    let Ok(call) = Regex::new(&format!(r"\.{}\(\)", regex::escape(&d.name))) else {
        return false;
    };
    let Some(files) = index.package(f) else {
        return false;
    };
    let mut deferred = 0;
    for g in &files {
        for (i, l) in g.code.iter().enumerate() {
            let k = i as u32 + 1;
            if !call.is_match(l) || (g.path == f.path && (d.start..=d.end).contains(&k)) {
                continue;
            }
            if !regex!(r"^\s*defer\b").is_match(l) {
                return false;
            }
            deferred += 1;
        }
    }
    deferred > 0
}

/// The name of a method's receiver (`q` in `func (q *quarantine) Wait(`).
fn receiver_var(f: &SourceFile, d: &golex::Decl) -> Option<String> {
    let c = regex!(r"^\s*func\s*\(\s*(\w+)\s+\*?\s*\w").captures(f.code(d.start)?)?;
    Some(c[1].to_string())
}

/// A wait on the channel that a function or method of the package returns
/// (`<-after(d)`, `case <-dl.C():`, `<-b.Expired()`), where every
/// declaration of that name (each receiver's, for a method) returns a
/// timer's: `time.After(…)`, or the channel of a timer or ticker that
/// nothing stops ([`timer_end`] read in the helper's body). The helper's
/// timer ends the wait.
fn helper_end(index: &SourceIndex, s: &Subject, src: &SourceFile, code: &str) -> Option<Ender> {
    // Its arguments may hold calls of their own (`after(p.gap())`).
    let c = regex!(r"<-\s*(?:([\w.]*\w)\.)?(\w+)\(((?:[^()]|\([^()]*\))*)\)").captures(code)?;
    let (method, name) = (c.get(1).is_some(), &c[2]);
    if c.get(1).is_some_and(|r| r.as_str() == "time") {
        return None;
    }
    let files = index.package(src)?;
    let mut limits = Vec::new();
    let mut first = None;
    for f in &files {
        for d in f
            .decls
            .iter()
            .filter(|d| d.name == name && d.receiver.is_empty() != method)
        {
            let returns = return_values(f, d);
            if returns.is_empty() || returns.len() > 3 {
                return None;
            }
            let place = Place {
                decl: d.clone(),
                literals: golex::literals(&f.code, d),
                literal: None,
            };
            for (k, e) in returns {
                // A timer's channel made by hand (`time.AfterFunc` closing
                // it), or a new timer's own (`time.NewTimer(d).C`).
                let made = after_func_channel(f, d, &e).or_else(|| {
                    regex!(r"^time\.New(?:Timer|Ticker)\((.*)\)\.C$")
                        .captures(&e)
                        .map(|c| literal_duration(&c[1]))
                });
                if let Some(limit) = made {
                    limits.push(limit);
                    first.get_or_insert_with(|| loc(f, k));
                    continue;
                }
                if !regex!(r"^(?:time\.After\(|[\w.]*\w\.C$)").is_match(&e) {
                    return None;
                }
                let end = timer_end(index, s, f, &place, k, &format!("<-{e}"), None)?;
                limits.push(end.limit);
                first.get_or_insert_with(|| loc(f, k));
            }
        }
    }
    let at = first?;
    Some(Ender {
        what: format!("the timer that {name}() returns (at {at})"),
        limit: limits
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .and_then(|v| v.into_iter().max()),
    })
}

/// The values the function `d` of `f` returns, with their lines: the
/// expression after each `return` to the end of its line, or of a one-line
/// body (`func (r *T) C() <-chan time.Time { return r.t.C }`).
fn return_values(f: &SourceFile, d: &golex::Decl) -> Vec<(u32, String)> {
    (d.open.line..=d.close.line)
        .filter_map(|k| {
            let e = regex!(r"\breturn\s+([^;}]+?)\s*[;}]?\s*$").captures(f.code(k)?)?;
            Some((k, e[1].to_string()))
        })
        .collect()
}

/// A channel the function `d` of `f` returns (`e`, a name) that a timer's
/// callback closes (`time.AfterFunc(d, func() { close(ch) })`): a timer's
/// channel made by hand. Its duration, where spelled out.
fn after_func_channel(
    f: &SourceFile,
    d: &golex::Decl,
    e: &str,
) -> Option<Option<std::time::Duration>> {
    if !regex!(r"^\w+$").is_match(e) {
        return None;
    }
    let closes = Regex::new(&format!(r"\bclose\(\s*{}\s*\)", regex::escape(e))).ok()?;
    (d.open.line..=d.close.line).find_map(|k| {
        let l = f.code(k)?;
        let m = regex!(r"\btime\.AfterFunc\(").find(l)?;
        // The callback on the same line, or on the few after it.
        let body = (k..=d.close.line.min(k + 3)).filter_map(|j| f.code(j));
        body.into_iter()
            .any(|x| closes.is_match(x))
            .then(|| literal_duration(call_args(l, m.end())))
    })
}

/// `NAME, cancel := context.WithTimeout(` (or `WithDeadline`, `…Cause`),
/// with the cancel function kept: one dropped (`ctx, _ :=`) is the leak
/// `go vet` calls lostcancel.
fn deadline_made(name: &str) -> Option<Regex> {
    Regex::new(&format!(
        r"\b{}\s*,\s*[A-Za-z]\w*\s*:?=\s*context\.With(Timeout|Deadline)(?:Cause)?\(",
        regex::escape(name)
    ))
    .ok()
}

fn deadline_ender(name: &str, how: &str, args: &str, src: &SourceFile, k: u32) -> Ender {
    let limit = (how == "Timeout")
        .then(|| args.rsplit_once(',').map(|(_, d)| d))
        .flatten()
        .and_then(literal_duration);
    Ender {
        what: format!(
            "the deadline of {name} (context.With{how} at {})",
            loc(src, k)
        ),
        limit,
    }
}

/// The deadline of the context `name` in the function of the stack's frame
/// `k` (`place` in `src`) before line `to`: made there with a deadline
/// (the last such call before `to`), or, for a parameter, by a caller that
/// passes it down ([`caller_deadline`]; not where `k` is unknown).
fn context_deadline(
    index: &SourceIndex,
    s: &Subject,
    k: Option<usize>,
    src: &SourceFile,
    place: &Place,
    name: &str,
    to: u32,
) -> Option<Ender> {
    let made = deadline_made(name)?;
    if let Some((j, how, args)) = last_made(src, place.body().0.line, to, &made) {
        return Some(deadline_ender(name, &how, &args, src, j));
    }
    caller_deadline(index, s, k?, src, place, name)
}

/// The index in the stack of the site's frame.
fn site_frame(s: &Subject) -> Option<usize> {
    let site = s.site?;
    s.frames
        .iter()
        .position(|f| f.function == site.function && f.line == site.line)
}

/// The deadline of the context `name`, a parameter of the function of the
/// stack's frame `k` (`place` in `src`), made by a caller of the program's
/// own up the stack that passes it down (each caller hands on a context of
/// its own made with a deadline, or its own parameter, named on the line of
/// the call).
fn caller_deadline(
    index: &SourceIndex,
    s: &Subject,
    k: usize,
    src: &SourceFile,
    place: &Place,
    name: &str,
) -> Option<Ender> {
    let is_param = |f: &SourceFile, decl: &golex::Decl, name: &str| {
        let sig = signature(f, decl);
        Regex::new(&format!(
            r"[(,]\s*{}\s+context\.Context\b",
            regex::escape(name)
        ))
        .is_ok_and(|r| r.is_match(&sig))
    };
    // Literals capture their creator's context rather than take it.
    if place.literal.is_some() || !is_param(src, &place.decl, name) {
        return None;
    }
    for f in s.frames[k + 1..].iter().take(4) {
        if is_std_frame(f) {
            return None;
        }
        let csrc = index.open(&f.raw_file)?;
        let cplace = self::place(&csrc, &f.function, f.line).ok()?;
        let call = csrc.code(f.line)?;
        let (open, _) = cplace.body();
        // The contexts named on the line of the call: one made here with a
        // deadline decides; one that is this caller's parameter goes on up.
        let mut passed_param = false;
        for a in regex!(r"\b([A-Za-z_]\w*)\b").captures_iter(call) {
            let a = &a[1];
            let Some(made) = deadline_made(a) else {
                continue;
            };
            if let Some((j, how, args)) = last_made(&csrc, open.line, f.line, &made) {
                return Some(deadline_ender(a, &how, &args, &csrc, j));
            }
            passed_param |= cplace.literal.is_none() && is_param(&csrc, &cplace.decl, a);
        }
        if !passed_param {
            return None;
        }
    }
    None
}

/// The last line in `from..to` of `src` that `made` matches (a call that
/// makes a timer or a context): the line, `made`'s first group (empty
/// without one) and the call's arguments.
fn last_made(src: &SourceFile, from: u32, to: u32, made: &Regex) -> Option<(u32, String, String)> {
    (from..to).rev().find_map(|k| {
        let l = src.code(k)?;
        let c = made.captures(l)?;
        Some((
            k,
            c.get(1).map_or(String::new(), |m| m.as_str().to_string()),
            call_args(l, c.get(0)?.end()).to_string(),
        ))
    })
}

/// The text between the parenthesis that opens at `from` (just after it)
/// and the one that closes it.
fn call_args(line: &str, from: usize) -> &str {
    let rest = line.get(from..).unwrap_or("");
    let mut depth = 0usize;
    for (i, ch) in rest.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' if depth == 0 => return &rest[..i],
            ')' => depth -= 1,
            _ => {}
        }
    }
    rest
}

/// A duration spelled as a constant: `30 * time.Second`, `time.Minute`,
/// `2*time.Minute`, `time.Second * 90`.
fn literal_duration(expr: &str) -> Option<std::time::Duration> {
    let unit = |u: &str| -> f64 {
        match u {
            "Nanosecond" => 1e-9,
            "Microsecond" => 1e-6,
            "Millisecond" => 1e-3,
            "Second" => 1.0,
            "Minute" => 60.0,
            _ => 3600.0,
        }
    };
    let e = expr.trim();
    let c = regex!(
        r"^(?:(\d+(?:\.\d+)?)\s*\*\s*)?time\.(Nanosecond|Microsecond|Millisecond|Second|Minute|Hour)(?:\s*\*\s*(\d+(?:\.\d+)?))?$"
    )
    .captures(e)?;
    if c.get(1).is_some() && c.get(3).is_some() {
        return None;
    }
    let k: f64 = c
        .get(1)
        .or(c.get(3))
        .map_or(Some(1.0), |m| m.as_str().parse().ok())?;
    std::time::Duration::try_from_secs_f64(k * unit(&c[2])).ok()
}

/// A timer's duration as the evidence gives it: `90s`, `3m`, `1h`, `250ms`.
pub(crate) fn fmt_duration(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 3600.0 && s % 3600.0 == 0.0 {
        format!("{}h", s / 3600.0)
    } else if s >= 60.0 && s % 60.0 == 0.0 {
        format!("{}m", s / 60.0)
    } else if s >= 1.0 {
        format!("{s}s")
    } else {
        format!("{}ms", s * 1000.0)
    }
}

/// Among code lines: the first that makes a time.Ticker (at or before line
/// `upto`), and whether any stops one.
fn ticker_lines(lines: &[(u32, String)], upto: u32) -> (Option<u32>, bool) {
    let made = lines
        .iter()
        .find(|(n, l)| *n <= upto && regex!(r"time\.NewTicker\(").is_match(l))
        .map(|(n, _)| *n);
    let stopped = lines.iter().any(|(_, l)| regex!(r"\.Stop\(\)").is_match(l));
    (made, stopped)
}

/// Whether a line receives from a `Done()` channel (`<-ctx.Done()`).
fn receives_done(line: &str) -> bool {
    regex!(r"<-\s*[\w.()\[\]]*Done\(\)").is_match(line)
}

/// A receive: from ctx.Done(), from a ticker, or in a loop.
fn examine_receive(
    v: &mut SourceVerdict,
    src: &SourceFile,
    place: &Place,
    line_no: u32,
    line: &str,
    go: Option<&GoLoc>,
    ticker_unstopped: &dyn Fn() -> Option<u32>,
) {
    if receives_done(line) {
        v.pattern = Some("context-not-cancelled");
        v.evidence.push(format!(
            "{} waits for ctx.Done(), which fires only when the context is cancelled",
            loc(src, line_no)
        ));
        discarded_cancel(v, go);
    } else if regex!(r"<-\s*time\.Tick\(").is_match(line) {
        v.pattern = Some("ticker-not-stopped");
        v.evidence.push(format!(
            "{} waits on time.Tick, whose ticker can never be stopped",
            loc(src, line_no)
        ));
    } else if regex!(r"<-\s*[\w.]+\.C\b").is_match(line) {
        if let Some(n) = ticker_unstopped() {
            v.pattern = Some("ticker-not-stopped");
            v.evidence.push(format!(
                "{} waits on a ticker made at line {n} that is never stopped",
                loc(src, line_no)
            ));
        }
    } else {
        receive_in_loop(v, src, place, line_no, line, false);
    }
}

/// A receive statement repeated by a loop (`for { v, ok := <-ch … }`) is a
/// hand-written range: it ends only when the channel is closed. A plain
/// receive in a loop (`for { v := <-ch }`) is not: closing would not end it.
fn receive_in_loop(
    v: &mut SourceVerdict,
    src: &SourceFile,
    place: &Place,
    line_no: u32,
    line: &str,
    comma_ok: bool,
) {
    let (open, close) = place.body();
    let at = Pos {
        line: line_no,
        col: line.find("<-").unwrap_or(0),
    };
    let in_loop = golex::loop_around(&src.code, at, open, close);
    let comma_ok = comma_ok || regex!(r",\s*\w+\s*:?=\s*<-").is_match(line);
    if let (Some(l), false) = (in_loop, comma_ok) {
        // `for { v := <-ch }`: closing ch would not end this loop (it would
        // spin on zero values); nothing is left to send, and nothing stops it.
        v.pattern = Some("chan-receive-blocked");
        v.evidence.push(format!(
            "{} receives in the loop at {} with no way out but a value: nothing sends any more and nothing tells it to stop",
            loc(src, line_no),
            loc(src, l)
        ));
    } else if let Some(l) = in_loop {
        v.pattern = Some("range-unclosed-channel");
        v.evidence.push(format!(
            "{} receives in the loop at {}{}: the loop waits for a value or the channel's close forever",
            loc(src, line_no),
            loc(src, l),
            if comma_ok { " (comma-ok receive)" } else { "" }
        ));
    } else if comma_ok {
        v.pattern = Some("chan-receive-blocked");
        v.evidence.push(format!(
            "{} is a comma-ok receive, not a range loop",
            loc(src, line_no)
        ));
    } else if line.contains("<-") {
        // The stack's `chan receive` may be a range in a text dump, which
        // hides chanrecv2; the code says which.
        v.pattern = Some("chan-receive-blocked");
        v.evidence.push(format!(
            "{} is one receive, in no loop: it waits for one value that nothing sends",
            loc(src, line_no)
        ));
    }
}

fn discarded_cancel(v: &mut SourceVerdict, go: Option<&GoLoc>) {
    if let Some(g) = go {
        let gsrc: &SourceFile = &g.src;
        for (n, l) in code_lines(gsrc, g.span.start, g.span.end) {
            if regex!(r",\s*_\s*:?=\s*context\.With(Cancel|Timeout|Deadline)").is_match(&l) {
                v.evidence
                    .push(format!("{} discards the cancel function", loc(gsrc, n)));
            }
        }
    }
}

/// Calls in the user's code that start a library's own goroutines, per
/// library pattern, and what releases them.
fn library_calls(pattern: &str) -> Option<(&'static Regex, &'static str, &'static str)> {
    Some(match pattern {
        "sql-not-closed" => (
            regex!(r"\bsql\.Open(DB)?\("),
            "opens a *sql.DB",
            r"\.Close\(\)",
        ),
        "sql-rows-not-closed" => (
            regex!(r"\.Query(Context|Row|RowContext)?\("),
            "runs a query",
            r"\.Close\(\)|\.Scan\(",
        ),
        "sql-tx-not-finished" => (
            regex!(r"\.Begin(Tx)?\("),
            "begins a transaction",
            r"\.(Commit|Rollback)\(\)",
        ),
        "http-body-not-closed" | "http-transport-not-reused" | "http-client-no-timeout" => (
            regex!(
                r"\bhttp\.(Get|Post|Head|PostForm)\(|\b\w*(?i:client|http|transport)\w*\.(Do|Get|Post|Head|PostForm|RoundTrip)\("
            ),
            "sends an HTTP request",
            r"\.Body\.Close\(\)",
        ),
        "grpc-conn-not-closed" => (
            regex!(r"\bgrpc\.(Dial|DialContext|NewClient)\("),
            "opens a gRPC connection",
            r"\.Close\(\)",
        ),
        "io-pipe-not-closed" => (regex!(r"\bio\.Pipe\(\)"), "makes an io.Pipe", r"\.Close\("),
        "net-conn-not-closed" => (
            regex!(r"\bnet\.Dial(Timeout)?\(|\.Dial(Context)?\(|\.Accept\(\)"),
            "opens a connection",
            r"\.Close\(\)",
        ),
        _ => return None,
    })
}

/// A library goroutine: the user's frame in the stack, else the line of the
/// program that made the library start it (found in the run's own files).
fn library_user_line(index: &SourceIndex, s: &Subject, pattern: &str, v: &mut SourceVerdict) {
    if let Some(k) = s.frames.iter().position(|f| !is_std_frame(f)) {
        let f = &s.frames[k];
        if let Some(src) = index.open(&f.raw_file) {
            if place(&src, &f.function, f.line).is_ok() {
                v.info.site = snippet(&src, f.line);
                if pattern == "http-client-no-timeout" {
                    match request_bound(index, s, k) {
                        Some(RequestEnd::Bound(b)) => {
                            v.evidence.push(b.evidence.clone());
                            v.bound = Some(b);
                            return;
                        }
                        Some(RequestEnd::Cycle(c)) => {
                            v.evidence.push(c.evidence.clone());
                            v.cycle = Some(c);
                            return;
                        }
                        None => {}
                    }
                }
                v.evidence.push(format!(
                    "{} is the program's own call into the library; the library's goroutine signature ({pattern}) stands",
                    loc(&src, f.line)
                ));
            }
        }
        return;
    }
    let Some((call, what, release)) = library_calls(pattern) else {
        return;
    };
    let release = Regex::new(release).expect("valid release regex");
    let mut best: Option<(bool, Arc<SourceFile>, u32)> = None;
    for file in candidate_files(index, s.user_files, None) {
        for (i, code) in file.code.iter().enumerate() {
            let n = i as u32 + 1;
            if !call.is_match(code) {
                continue;
            }
            let released = file.decl_at(n).is_some_and(|d| {
                (n..=d.end).any(|k| file.code(k).is_some_and(|l| release.is_match(l)))
            });
            if best.as_ref().is_none_or(|b| b.0 && !released) {
                best = Some((released, file.clone(), n));
            }
        }
        if best.as_ref().is_some_and(|b| !b.0) {
            break;
        }
    }
    if let Some((released, file, n)) = best {
        v.info.site = snippet(&file, n);
        v.evidence.push(format!(
            "{} {what}{}; the library's goroutine signature ({pattern}) stands",
            loc(&file, n),
            if released {
                ""
            } else {
                " and its function never releases it"
            }
        ));
    }
}

/// How an HTTP request that ends by itself runs: see [`request_bound`].
enum RequestEnd {
    /// Nothing repeats it, or every loop that does ends once a deadline
    /// has passed.
    Bound(Bound),
    /// A loop with a way out that no deadline ends repeats it: goroutines
    /// that send one request after another (pollers, long polls).
    Cycle(Cycle),
}

/// A goroutine of the program blocked in an HTTP request that the
/// program's frame `k` sends, when the request ends by itself: its context
/// has a deadline (made in that function or by a caller that passes it
/// down) or its client a `Timeout`. Bounded where nothing repeats the call
/// or every loop that does ends once a deadline has passed; a cycle where
/// the innermost loop that repeats it has a way out (a condition, a
/// `return` or a `break`) but no deadline.
fn request_bound(index: &SourceIndex, s: &Subject, k: usize) -> Option<RequestEnd> {
    let f = &s.frames[k];
    let src = index.open(&f.raw_file)?;
    let place = self::place(&src, &f.function, f.line).ok()?;
    let call = src.code(f.line)?;
    // The stack shows the request: any client's method.
    let m = regex!(r"\bhttp\.(?:Get|Post|Head|PostForm)\(|\b(?:\w+\.)*\w+(?:\[[^\]]*\])?\.(?:Do|Get|Post|Head|PostForm|RoundTrip)\(")
        .find(call)?;
    let (open, _) = place.body();
    let by_context = || {
        let (_, name, _) = last_made(
            &src,
            open.line,
            f.line,
            regex!(r"\bhttp\.NewRequestWithContext\(\s*(\w+)\s*,"),
        )?;
        context_deadline(index, s, Some(k), &src, &place, &name, f.line)
    };
    let end =
        by_context().or_else(|| client_timeout(index, s, k, &src, &place, f.line, m.as_str()))?;
    if end.outlasts() {
        return None;
    }
    let at = Pos {
        line: f.line,
        col: 0,
    };
    let loops = repeating_loops(index, s, k, at)?;
    let Some(lives) = loops_under_deadlines(index, s, &loops) else {
        let r = innermost_with_way_out(&loops)?;
        let lp = &r.lp;
        return Some(RequestEnd::Cycle(Cycle {
            cancellable: cancelled_loops(&loops),
            evidence: format!(
                "the HTTP request sent at {} ends when {}{} does, and is repeated by the loop at {}, which has a way out but no deadline: goroutines that send one request after another (pollers, long polls), not stuck in this one (they leaked only if that loop never ends)",
                loc(&src, f.line),
                end.what,
                end.limit
                    .map_or(String::new(), |d| format!(" (after {})", fmt_duration(d))),
                loc(&r.src, lp.line)
            ),
            limit: end.limit,
        }));
    };
    let how = if lives.is_empty() {
        "runs once (no loop repeats it, in its function or around the calls above it)".to_string()
    } else {
        format!(
            "is repeated, but {} (each goroutine's whole life has a deadline)",
            lives.join(", and ")
        )
    };
    Some(RequestEnd::Bound(Bound {
        evidence: format!(
            "the HTTP request sent at {} {how}, and ends when {}{} does: a wait with a deadline, which its goroutines leave by themselves (the library's signature, a client without a timeout, does not hold)",
            loc(&src, f.line),
            end.what,
            end.limit
                .map_or(String::new(), |d| format!(" (after {})", fmt_duration(d)))
        ),
        limit: end.limit,
    }))
}

/// The `Timeout` of the client whose method the call `sent` (`hc.Do(`,
/// `c.client.Get(`) on line `n` of the function `place` uses: a client
/// built with one in that function before the call, or, for a client kept
/// elsewhere (a field, a parameter), every `http.Client` the package builds
/// has one.
fn client_timeout(
    index: &SourceIndex,
    s: &Subject,
    k: usize,
    src: &SourceFile,
    place: &Place,
    n: u32,
    sent: &str,
) -> Option<Ender> {
    // `http.Get(…)` and `http.DefaultClient` have none; a field named
    // `http` (`p.http.Do(`) is a client like any other.
    let c = regex!(r"((?:\w+\.)*)(\w+)(?:\[[^\]]*\])?\.\w+\($").captures(sent)?;
    let name = c[2].to_string();
    if (c[1].is_empty() && name == "http") || name == "DefaultClient" {
        return None;
    }
    let (open, _) = place.body();
    if let Some((k, _, _)) = last_made(src, open.line, n, &client_made(&name)?) {
        let limit = client_literal_timeout(src, k)?;
        return Some(Ender {
            what: format!("the Timeout of the client {name} (made at {})", loc(src, k)),
            limit,
        });
    }
    if let Some(end) = caller_client(index, s, k, src, place, &name) {
        return Some(end);
    }
    // A field of the receiver (`p.http.Do(`): the clients the type's
    // field is given.
    let recv = c[1].strip_suffix('.').unwrap_or_default();
    if !recv.is_empty()
        && !place.decl.receiver.is_empty()
        && receiver_var(src, &place.decl).as_deref() == Some(recv)
    {
        if let Some(limit) = field_client_timeouts(index, src, &place.decl.receiver, &name) {
            return Some(Ender {
                what: format!(
                    "the Timeout of the client {recv}.{name} (every {} gets its {name} from an http.Client with one)",
                    place.decl.receiver
                ),
                limit,
            });
        }
    }
    let files = index.package(src)?;
    let mut limits = BTreeSet::new();
    for f in &files {
        for (i, l) in f.code.iter().enumerate() {
            if regex!(r"\bnew\(http\.Client\)|\bvar\s+\w+\s+http\.Client\b").is_match(l) {
                return None;
            }
            if l.contains("http.Client{") {
                limits.insert(client_literal_timeout(f, i as u32 + 1)?);
            }
        }
    }
    Some(Ender {
        what: format!("the Timeout every http.Client of the package sets ({name})"),
        limit: longest(&limits)?,
    })
}

/// The longest of the `Timeout`s of clients a value may hold (`None` in
/// the set: one not spelled as a constant), where each is spelled out:
/// `None` where the set is empty (no client found), `Some(None)` where
/// one is not spelled out.
fn longest(limits: &BTreeSet<Option<std::time::Duration>>) -> Option<Option<std::time::Duration>> {
    if limits.is_empty() {
        return None;
    }
    Some(
        limits
            .iter()
            .copied()
            .collect::<Option<Vec<_>>>()
            .and_then(|v| v.into_iter().max()),
    )
}

/// An assignment of a new `http.Client` literal to `name` (`hc :=
/// &http.Client{`, `name = http.Client{`).
fn client_made(name: &str) -> Option<Regex> {
    Regex::new(&format!(
        r"\b{}\s*:?=\s*&?http\.Client\{{",
        regex::escape(name)
    ))
    .ok()
}

/// `name` followed by its argument list (type arguments allowed): a call
/// of it, or its declaration's parameter list.
fn call_of(name: &str) -> Option<Regex> {
    Regex::new(&format!(r"\b{}\s*(?:\[[^\]]*\])?\(", regex::escape(name))).ok()
}

/// The `Timeout:` of the literal `http.Client{` that starts on line `k` of
/// `f`, up to its closing brace: `None` where it sets none, `Some(None)`
/// where its value is not a constant.
fn client_literal_timeout(f: &SourceFile, k: u32) -> Option<Option<std::time::Duration>> {
    let at = f.code(k)?.find("http.Client{")? + "http.Client".len();
    let mut depth = 0i32;
    for j in k..k + 40 {
        let l = f.code(j)?;
        let from = if j == k { at } else { 0 };
        for (i, ch) in l.get(from..)?.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return None;
                    }
                }
                _ => {}
            }
            let word_start =
                i == 0 || !l[..from + i].ends_with(|c: char| c.is_alphanumeric() || c == '_');
            if depth == 1 && word_start {
                if let Some(c) = regex!(r"^Timeout\s*:\s*([^,}]+)").captures(&l[from + i..]) {
                    return Some(literal_duration(c[1].trim()));
                }
            }
        }
    }
    None
}

/// The `Timeout` of a client that the function of the stack's frame `k`
/// (`place` in `src`) takes as its parameter `name` (`c *http.Client`),
/// where its caller (frame `k + 1`, the program's own) passes a client
/// whose every making sets one: a client it made itself before the call
/// (`hc := &http.Client{…}`), or a field of its receiver (`rf.client`)
/// that every literal of the receiver's type in the package sets to an
/// `http.Client` with a `Timeout` and that nothing assigns otherwise.
fn caller_client(
    index: &SourceIndex,
    s: &Subject,
    k: usize,
    src: &SourceFile,
    place: &Place,
    name: &str,
) -> Option<Ender> {
    if place.literal.is_some() {
        return None;
    }
    let at = param_index(src, &place.decl, name, "http.Client")?;
    let f = s.frames.get(k + 1)?;
    if is_std_frame(f) {
        return None;
    }
    let csrc = index.open(&f.raw_file)?;
    let cplace = self::place(&csrc, &f.function, f.line).ok()?;
    if cplace.literal.is_some() {
        return None;
    }
    let line = csrc.code(f.line)?;
    let m = call_of(&place.decl.name)?.find(line)?;
    let arg = super::patterns::split_args(&line[m.end()..])
        .get(at)?
        .trim()
        .to_string();
    let (open, _) = cplace.body();
    if regex!(r"^[A-Za-z_]\w*$").is_match(&arg) {
        // A client the caller made before the call.
        let (j, _, _) = last_made(&csrc, open.line, f.line, &client_made(&arg)?)?;
        let limit = client_literal_timeout(&csrc, j)?;
        return Some(Ender {
            what: format!(
                "the Timeout of the client {arg} that {} passes (made at {})",
                f.function,
                loc(&csrc, j)
            ),
            limit,
        });
    }
    // A field of the caller's receiver: `rf.client`.
    let c = regex!(r"^([A-Za-z_]\w*)\.([A-Za-z_]\w*)$").captures(&arg)?;
    let (recv, field) = (c[1].to_string(), c[2].to_string());
    let ty = &cplace.decl.receiver;
    if ty.is_empty() || receiver_var(&csrc, &cplace.decl)? != recv {
        return None;
    }
    let limit = field_client_timeouts(index, &csrc, ty, &field)?;
    Some(Ender {
        what: format!(
            "the Timeout of the client {arg} that {} passes (every {ty} literal sets its {field} to an http.Client with one)",
            f.function
        ),
        limit,
    })
}

/// The longest `Timeout` of the clients the field `field` of the type `ty`
/// is given anywhere in the package of `src`: each key of a literal of the
/// type, and each assignment (`x.client = …`) in one of its methods or
/// where the variable's type is not known, must be an `http.Client`
/// literal with a Timeout, or a variable made as one with a Timeout
/// earlier in the same function (`hc := &http.Client{Timeout: …}` then
/// `&producer{http: hc}`). `None` where one is not (or none is found).
fn field_client_timeouts(
    index: &SourceIndex,
    src: &SourceFile,
    ty: &str,
    field: &str,
) -> Option<Option<std::time::Duration>> {
    let keyed = Regex::new(&format!(r"\b{}\s*:\s*", regex::escape(field))).ok()?;
    let assigned = Regex::new(&format!(
        r"\b([A-Za-z_]\w*)\.{}\s*=\s*",
        regex::escape(field)
    ))
    .ok()?;
    let mut limits = BTreeSet::new();
    for file in &index.package(src)? {
        for (i, l) in file.code.iter().enumerate() {
            let j = i as u32 + 1;
            // Each value the field gets: a key of a literal of the type,
            // or an assignment (`x.client = …`) in one of its methods, or
            // where the variable's type is not known. Each must be a client
            // made with a Timeout.
            let keys = keyed
                .find_iter(l)
                .filter(|m| literal_type(file, j, m.start()).as_deref() == Some(ty))
                .map(|m| m.end());
            let sets = assigned
                .captures_iter(l)
                .filter(|c| {
                    let other_type = file.decl_at(j).is_some_and(|d| {
                        !d.receiver.is_empty()
                            && d.receiver != ty
                            && receiver_var(file, d).as_deref() == Some(&c[1])
                    });
                    !other_type && !l[c.get(0).map_or(0, |m| m.end())..].starts_with('=')
                })
                .filter_map(|c| c.get(0).map(|m| m.end()));
            for at in keys.chain(sets).collect::<Vec<_>>() {
                if regex!(r"^&?http\.Client\{").is_match(&l[at..]) {
                    limits.insert(client_literal_timeout(file, j)?);
                    continue;
                }
                // A variable of the function made as a client before.
                let var = regex!(r"^([A-Za-z_]\w*)\s*[,}]").captures(&l[at..])?;
                let d = file.decl_at(j)?;
                let (k, _, _) = last_made(file, d.open.line, j + 1, &client_made(&var[1])?)?;
                limits.insert(client_literal_timeout(file, k)?);
            }
        }
    }
    longest(&limits)
}

/// The lines of `decl`'s signature in `src`, from `func` to the body's
/// brace, joined by spaces.
fn signature(src: &SourceFile, decl: &golex::Decl) -> String {
    (decl.start..=decl.open.line)
        .filter_map(|k| src.code(k))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The position of the parameter `name` in the list of `decl` (`src`),
/// when its type names `ty` (`http.Client`; a name in a group, `a, c
/// *http.Client`, takes the group's type).
fn param_index(src: &SourceFile, decl: &golex::Decl, name: &str, ty: &str) -> Option<usize> {
    let sig = signature(src, decl);
    let m = call_of(&decl.name)?.find(&sig)?;
    let params = super::patterns::split_args(&sig[m.end()..]);
    let at = params
        .iter()
        .position(|p| p.split_whitespace().next() == Some(name))?;
    let typed = params[at..]
        .iter()
        .find(|p| p.split_whitespace().count() >= 2)?;
    typed.contains(ty).then_some(at)
}

/// The type of the composite literal whose braces enclose column `col` of
/// line `line` of `f` (`rolloutFollower` for a key inside `&rolloutFollower{`,
/// `Config` for `pkg.Config{`), looking back up to 80 lines.
fn literal_type(f: &SourceFile, line: u32, col: usize) -> Option<String> {
    let mut depth = 0usize;
    for j in (line.saturating_sub(80).max(1)..=line).rev() {
        let l = f.code(j)?;
        let upto = if j == line { col.min(l.len()) } else { l.len() };
        let text = l.get(..upto)?;
        for (i, ch) in text.char_indices().rev() {
            match ch {
                '}' | ')' => depth += 1,
                '{' | '(' if depth > 0 => depth -= 1,
                '{' => {
                    return regex!(r"([A-Za-z_]\w*)\s*$")
                        .captures(&text[..i])
                        .map(|c| c[1].to_string());
                }
                '(' => return None,
                _ => {}
            }
        }
    }
    None
}

/// The program's files worth a look, bounded: `first`'s directory, then the
/// files of the run's own frames and their directories.
fn candidate_files(
    index: &SourceIndex,
    user_files: &[String],
    first: Option<&SourceFile>,
) -> Vec<Arc<SourceFile>> {
    const MAX: usize = 64;
    let mut out: Vec<Arc<SourceFile>> = Vec::new();
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(f) = first {
        seen.insert(f.path.clone());
        if let Some(d) = f.path.parent() {
            dirs.push(d.to_path_buf());
        }
    }
    for raw in user_files {
        if out.len() >= MAX {
            break;
        }
        if let Some(f) = index.open(raw) {
            if let Some(d) = f.path.parent() {
                if !dirs.iter().any(|x| x == d) {
                    dirs.push(d.to_path_buf());
                }
            }
            if seen.insert(f.path.clone()) {
                out.push(f);
            }
        }
    }
    // Then the module's own packages those files import (a helper package
    // that opened the database), found by import path suffix.
    let mut imported: Vec<PathBuf> = Vec::new();
    for f in &out {
        for path in imports(f) {
            if let Some(d) = index.package_dir(&path) {
                if !dirs.contains(&d) && !imported.contains(&d) {
                    imported.push(d);
                }
            }
        }
    }
    dirs.extend(imported);
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "go"))
            .collect();
        paths.sort();
        for p in paths {
            if out.len() >= MAX {
                return out;
            }
            if seen.insert(p.clone()) {
                if let Some(f) = index.read(&p) {
                    out.push(f);
                }
            }
        }
    }
    out
}

/// The non-standard import paths of a file (`"example.com/m/internal/store"`).
fn imports(f: &SourceFile) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for (line, code) in f.lines.iter().zip(&f.code) {
        let c = code.trim();
        if c.starts_with("func ") || c.starts_with("type ") {
            break;
        }
        let one = c.starts_with("import ") && !c.contains('(');
        if c.starts_with("import") && c.contains('(') {
            in_block = true;
        }
        if in_block || one {
            if let Some(q) = regex!(r#""([^"]+)""#).captures(line) {
                let p = q[1].to_string();
                if p.split('/').next().is_some_and(|h| h.contains('.')) {
                    out.push(p);
                }
            }
        }
        if in_block && c.contains(')') {
            in_block = false;
        }
    }
    out
}

/// Whether `name` is declared as a map in the file (var, field or :=).
fn is_map(src: &SourceFile, name: &str) -> bool {
    let Ok(decl) = Regex::new(&format!(
        r"\b{n}\s+map\[|\b{n}\s*(:=|=)\s*(make\(\s*)?map\[|\b{n}\s*:\s*(make\(\s*)?map\[",
        n = regex::escape(name)
    )) else {
        return false;
    };
    src.code.iter().any(|l| decl.is_match(l))
}

/// The struct field a channel statement uses (`n.updates` in `<-n.updates`,
/// `n.updates <- v`) when no file of its package assigns it, or only
/// functions nothing calls do: a nil channel.
fn never_assigned_field(
    index: &SourceIndex,
    src: &SourceFile,
    line: &str,
    line_no: u32,
    send: bool,
) -> Option<String> {
    let expr = if send {
        regex!(r"([\w.]+)(\s*)<-").captures(line)?
    } else {
        regex!(r"(?:<-\s*|range\s+)([\w.]+)(\(?)").captures(line)?
    };
    if expr.get(2).is_some_and(|m| m.as_str() == "(") {
        // A method call (`<-ctx.Done()`), not a field.
        return None;
    }
    let mut expr = expr.get(1)?.as_str().to_string();
    if !expr.contains('.') {
        // A local copy of a field (`ch := s.events` … `ch <- ev`), the
        // last assignment before the line in its function.
        let copy = Regex::new(&format!(
            r"\b{}\s*:?=\s*(\w+(?:\.\w+)+)\s*$",
            regex::escape(&expr)
        ))
        .ok()?;
        let d = src.decl_at(line_no)?;
        expr = (d.start..line_no)
            .rev()
            .find_map(|k| copy.captures(src.code(k)?).map(|c| c[1].to_string()))?;
    }
    let (_, field) = expr.rsplit_once('.')?;
    if field.is_empty() || field == "C" {
        return None;
    }
    let assign = Regex::new(&format!(
        r"\.{f}\s*=[^=]|\b{f}\s*:[^=]|\b{f}\s*:=",
        f = regex::escape(field)
    ))
    .ok()?;
    let files = index.package(src)?;
    // A package other than main exports its capitalized functions to the
    // rest of the program, whose calls this scan does not see.
    let library = !src
        .code
        .iter()
        .any(|l| regex!(r"^\s*package\s+main\b").is_match(l));
    // A function is called when its name is used outside its own body.
    let called = |name: &str| -> bool {
        if name == "main" || name == "init" {
            return true;
        }
        if library && name.starts_with(|c: char| c.is_ascii_uppercase()) {
            return true;
        }
        let Ok(use_) = Regex::new(&format!(r"\b{}\b", regex::escape(name))) else {
            return true;
        };
        files.iter().any(|f| {
            f.code.iter().enumerate().any(|(i, l)| {
                let n = i as u32 + 1;
                use_.is_match(l)
                    && !f
                        .decls
                        .iter()
                        .any(|d| d.name == name && d.start <= n && n <= d.end)
            })
        })
    };
    // The struct type declaring the field, and its composite literals that
    // leave the field out (`&Future[T]{}` on one path): those values carry a
    // nil channel even where another literal sets it.
    let field_decl = Regex::new(&format!(r"^\s*{}\s+(<-\s*)?chan\b", regex::escape(field))).ok()?;
    let mut owner: Option<String> = None;
    for f in &files {
        for (i, l) in f.code.iter().enumerate() {
            if field_decl.is_match(l) {
                owner = (0..i).rev().find_map(|k| {
                    regex!(r"^\s*type\s+(\w+)(\[[^\]]*\])?\s+struct\b")
                        .captures(&f.code[k])
                        .map(|c| c[1].to_string())
                });
            }
        }
    }
    let mut set_by_literal_only = true;
    let mut omitted: Option<(Arc<SourceFile>, u32)> = None;
    let empty_literal = match &owner {
        Some(t) => {
            // The struct's own literal (`T{}`, `&T{}`, `pkg.T{}`), not a
            // map or slice of it (`map[K]*T{}`, `[]T{}`: no T is made).
            Some(
                Regex::new(&format!(
                    r"(?:^|[^\]\w.*])&?(?:\w+\.)?{}(\[[^\]]*\])?\{{\s*\}}",
                    regex::escape(t)
                ))
                .ok()?,
            )
        }
        None => None,
    };
    // A one-line literal of the struct that names other fields, not this
    // one (`&Job{name: n}`).
    let partial = match &owner {
        Some(t) => Some(
            Regex::new(&format!(
                r"(?:^|[^\]\w.*])&?(?:\w+\.)?{}(\[[^\]]*\])?\{{([^{{}}]*\w[^{{}}]*)\}}",
                regex::escape(t)
            ))
            .ok()?,
        ),
        None => None,
    };
    let named = Regex::new(&format!(r"\b{}\s*:", regex::escape(field))).ok()?;
    let mut partial_literal: Option<(Arc<SourceFile>, u32)> = None;
    // Set to nil on purpose (`s.events = nil` to drop a backlog) by a
    // function something calls: every operation on it after that blocks.
    let to_nil = Regex::new(&format!(r"\.{}\s*=\s*nil\b", regex::escape(field))).ok()?;
    let mut set_nil: Option<(Arc<SourceFile>, u32)> = None;
    // Every assignment outside a literal is under an if, switch or select.
    let mut set_conditionally = true;
    let mut set_outside_literal = false;
    for f in &files {
        for (i, l) in f.code.iter().enumerate() {
            if let Some(lit) = &empty_literal {
                if lit.is_match(l) && f.decl_at(i as u32 + 1).is_some() {
                    omitted.get_or_insert((f.clone(), i as u32 + 1));
                }
            }
            if let Some(c) = partial.as_ref().and_then(|p| p.captures(l)) {
                if !named.is_match(&c[2]) && c[2].contains(':') && f.decl_at(i as u32 + 1).is_some()
                {
                    partial_literal.get_or_insert((f.clone(), i as u32 + 1));
                }
            }
            if !assign.is_match(l) {
                continue;
            }
            match f.decl_at(i as u32 + 1) {
                Some(d) if !called(&d.name) => {}
                decl => {
                    if set_nil.is_none() && decl.is_some() && to_nil.is_match(l) {
                        set_nil = Some((f.clone(), i as u32 + 1));
                    }
                    if !regex!(r":\s*make\(").is_match(l) {
                        set_by_literal_only = false;
                    }
                    if regex!(r"\.\w+\s*=[^=]").is_match(l) {
                        set_outside_literal = true;
                        if !under_condition(f, i as u32 + 1) {
                            set_conditionally = false;
                        }
                    }
                }
            }
        }
    }
    let set_conditionally = set_conditionally && set_outside_literal;
    let assigned_somewhere = files.iter().any(|f| {
        f.code.iter().enumerate().any(|(i, l)| {
            assign.is_match(l) && f.decl_at(i as u32 + 1).is_none_or(|d| called(&d.name))
        })
    });
    if !assigned_somewhere {
        return Some(format!(
            "{expr}, which no file of its package assigns (or only functions nothing calls)"
        ));
    }
    if let Some((f, n)) = set_nil {
        return Some(format!("{expr}, which {} sets to nil", loc(&f, n)));
    }
    // Made only on some paths (`if wait { j.done = make(…) }`) of a value
    // whose literal leaves it out (`&Job{name: n}`).
    if omitted.is_none() && set_conditionally {
        if let Some((f, n)) = partial_literal {
            return Some(format!(
                "{expr}: the {} literal at {} leaves it out, and only a conditional path makes it",
                owner.unwrap_or_default(),
                loc(&f, n)
            ));
        }
    }
    match omitted {
        Some((f, n)) if set_by_literal_only => Some(format!(
            "{expr}: the {} literal at {} leaves it out",
            owner.unwrap_or_default(),
            loc(&f, n)
        )),
        _ => None,
    }
}

/// Whether line `n` of `f` is inside the body of an `if`, `else`,
/// `switch`, `select` or `case` of its function (the brace that opens its
/// block belongs to one).
fn under_condition(f: &SourceFile, n: u32) -> bool {
    let Some(d) = f.decl_at(n) else { return false };
    let mut depth = 0i32;
    for k in (d.start..n).rev() {
        let l = f.code(k).unwrap_or("");
        for c in l.chars().rev() {
            match c {
                '}' => depth += 1,
                '{' if depth == 0 => {
                    return regex!(r"^\s*(?:\}\s*else\b|if\b|else\b|switch\b|select\b|case\b)")
                        .is_match(l);
                }
                '{' => depth -= 1,
                _ => {}
            }
        }
    }
    false
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

/// Words after which `<-` starts a receive, not a send.
const BEFORE_RECEIVE: [&str; 9] = [
    "case", "return", "go", "defer", "range", "else", "if", "switch", "for",
];

/// The first channel operation of a line of code: `Some(true)` a send,
/// `Some(false)` a receive (`chan<-` and `<-chan` types are skipped).
fn channel_op(l: &str) -> Option<bool> {
    let b = l.as_bytes();
    let mut i = 0;
    while let Some(k) = l[i..].find("<-") {
        let at = i + k;
        i = at + 2;
        let after = l[at + 2..].trim_start();
        let before = l[..at].trim_end();
        let word_start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map(|x| x + 1)
            .unwrap_or(0);
        let word = &before[word_start..];
        if word == "chan"
            || after.starts_with("chan")
                && !after[4..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        let last = before.bytes().last();
        let operand_end = matches!(last, Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b')' || c == b']' || c >= 0x80);
        let _ = b;
        if operand_end && !BEFORE_RECEIVE.contains(&word) {
            return Some(true);
        }
        return Some(false);
    }
    None
}

/// The blocking operation a statement performs, from its code.
pub fn op_of_statement(line: &str) -> Option<BlockingOp> {
    let l = line.trim();
    Some(if regex!(r"\bfor\b.*\brange\s").is_match(l) {
        BlockingOp::RangeReceive
    } else if regex!(r"\bselect\s*\{\s*\}").is_match(l) {
        BlockingOp::SelectNoCases
    } else if regex!(r"(^|[;{]\s*)select\b").is_match(l) {
        BlockingOp::Select
    } else if let Some(send) = channel_op(l) {
        if send {
            BlockingOp::ChanSend
        } else if regex!(r",\s*\w+\s*:?=\s*<-").is_match(l) {
            BlockingOp::RangeReceive
        } else {
            BlockingOp::ChanReceive
        }
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

fn examine_send(
    v: &mut SourceVerdict,
    src: &SourceFile,
    place: &Place,
    line: &str,
    line_no: u32,
    go: Option<&GoLoc>,
) {
    // The channel: the operand before the first send arrow.
    let Some(c) = regex!(r"([\w.\[\]()]+?)\s*<-").captures(line) else {
        return;
    };
    let ch = c[1].trim_start_matches('(').to_string();
    let send = Regex::new(&format!(r"(^|[^\w.]){}\s*<-", regex::escape(&ch))).expect("escaped");
    // A send in a deferred literal (`defer func() { ch <- v }()`) runs when
    // the function around it returns: after any other send of that
    // function on the same channel, return or not.
    if let Some(lit) = place.literal.map(|i| &place.literals[i]) {
        let deferred = src
            .code(lit.at.line)
            .is_some_and(|l| regex!(r"\bdefer\s+func\b").is_match(l));
        if deferred {
            let parent = place
                .literals
                .iter()
                .find(|p| p.path.len() + 1 == lit.path.len() && lit.path.starts_with(&p.path));
            let (open, close) =
                parent.map_or((place.decl.open, place.decl.close), |p| (p.open, p.close));
            let other = (open.line..=close.line)
                .filter(|n| !lit.contains(*n))
                .find(|&n| src.code(n).is_some_and(|l| send.is_match(l)));
            if let Some(first) = other {
                v.pattern = Some("double-send");
                v.evidence.push(format!(
                    "{} sends on {ch} in a deferred function, which runs when the function returns, after the send at {}: a path that takes that send sends twice",
                    loc(src, line_no),
                    loc(src, first)
                ));
                return;
            }
        }
    }
    // Two sends on the same channel in the goroutine's own function, the
    // first not followed by a return: the second blocks once the receiver
    // took one value.
    let inner = place.inner_span();
    let body: Vec<(u32, String)> = (inner.start..=inner.end)
        .map(|n| (n, place.code(src, n)))
        .collect();
    let sends: Vec<u32> = body
        .iter()
        .filter(|(_, l)| send.is_match(l))
        .map(|(n, _)| *n)
        .collect();
    if sends.len() >= 2 && sends.contains(&line_no) {
        let first = sends[0];
        let returns_between = body
            .iter()
            .any(|(n, l)| *n >= first && *n < sends[1] && regex!(r"\breturn\b").is_match(l));
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
    let after = go.after(false);
    let after_all = go.after(true);
    // The receive that would have drained the channel, in the creator (a
    // receiving goroutine started after it counts too).
    let chan_name = ch.rsplit('.').next().unwrap_or(&ch).to_string();
    // The channel may reach the goroutine as an argument under another name
    // (`go s.query(r, ch)` into `out chan<- T`): the go statement's
    // arguments are candidates too.
    let mut names = vec![regex::escape(&chan_name)];
    let go_code = gsrc.code(go.line).unwrap_or("");
    // A literal's arguments follow its body (`go func() { … }(a, b)`): the
    // names in its body are not arguments.
    let call = if regex!(r"\bgo\s+func\s*\(").is_match(go_code) {
        go_code.rsplit_once('}').map_or("", |(_, rest)| rest)
    } else {
        go_code
    };
    if let Some((_, args)) = call.split_once('(') {
        let args = args.rsplit_once(')').map(|(a, _)| a).unwrap_or(args);
        for a in regex!(r"\b([A-Za-z_]\w*)\s*(?:,|$)").captures_iter(args) {
            let a = regex::escape(&a[1]);
            if !names.contains(&a) {
                names.push(a);
            }
        }
    }
    let alt = names.join("|");
    let recv = Regex::new(&format!(
        r"<-\s*[\w.()]*\b(?:{alt})\b|\brange\s+[\w.]*\b(?:{alt})\b"
    ))
    .expect("escaped");
    let recv_line = after_all
        .iter()
        .find(|(_, l)| recv.is_match(l))
        .map(|(n, _)| *n);
    // timeout: a select that receives from the channel or gives up on a timer.
    if let Some(r) = recv_line {
        let sel = after
            .iter()
            .rev()
            .find(|(n, l)| *n <= r && regex!(r"\bselect\b").is_match(l));
        let timer = after.iter().find(|(n, l)| {
            sel.is_some_and(|(s, _)| *n >= *s)
                && regex!(r"time\.After\(|\.Done\(\)|time\.NewTimer\(|<-\s*[\w.]*\.C\b|<-\s*[\w.]*(timeout|deadline|timer|expired)\w*\b").is_match(l)
        });
        if sel.is_some() {
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
    let (gopen, gclose) = go.scope.body();
    let go_pos = Pos {
        line: go.line,
        col: 0,
    };
    let looped =
        golex::loop_around(&gsrc.code, go_pos, gopen, gclose).filter(|_| recv_line.is_some());
    if let Some(loop_line) = looped {
        let recv_in_loop = recv_line.is_some_and(|r| {
            golex::loop_around(&gsrc.code, Pos { line: r, col: 0 }, gopen, gclose).is_some_and(
                |l| {
                    // The same loop as the go statement's: one receive per start.
                    l == loop_line
                        || after_all
                            .iter()
                            .any(|(n, x)| *n == r && regex!(r"\bfor\b").is_match(x))
                },
            ) || after_all
                .iter()
                .any(|(n, x)| *n == r && regex!(r"\brange\b").is_match(x))
        });
        if !recv_in_loop {
            v.pattern = Some("ncast");
            v.evidence.push(format!(
                "the go statement at {} runs in a loop (at {}), but {} is received {}",
                loc(gsrc, go.line),
                loc(gsrc, loop_line),
                chan_name,
                match recv_line {
                    Some(r) => format!("once, at {}", loc(gsrc, r)),
                    None => "nowhere after it".into(),
                }
            ));
            return;
        }
    }
    // Premature return: a return between the go statement and the receive,
    // or a `goto` to a label past the receive (which skips it as a return
    // does).
    let skips_receive = |l: &str| {
        regex!(r"\bgoto\s+([A-Za-z_]\w*)")
            .captures(l)
            .is_some_and(|c| {
                let label =
                    Regex::new(&format!(r"^\s*{}\s*:", regex::escape(&c[1]))).expect("escaped");
                after_all
                    .iter()
                    .any(|(n, x)| recv_line.is_none_or(|r| *n > r) && label.is_match(x))
            })
    };
    let ret = after.iter().find_map(|(n, l)| {
        let how = if regex!(r"\breturn\b").is_match(l) {
            "returns"
        } else if skips_receive(l) {
            "jumps past the receive (goto)"
        } else {
            return None;
        };
        recv_line.is_none_or(|r| *n < r).then_some((n, l, how))
    });
    // A return that hands the channel to the caller (`return out`) is how
    // a producer is made, not an early exit: the receiver is the caller,
    // which stopped reading (the generic chan-send-blocked stands).
    // The channels the creator made before the go statement, by name.
    let (open, _) = go.scope.body();
    let made: Vec<String> = (open.line..=go.line)
        .filter_map(|n| gsrc.code(n))
        .filter_map(|l| {
            regex!(r"\b([A-Za-z_]\w*)\s*:?=\s*make\(\s*(?:<-\s*)?chan\b")
                .captures(l)
                .map(|c| regex::escape(&c[1]))
        })
        .collect();
    let hands_over = (!made.is_empty()).then(|| {
        Regex::new(&format!(
            r"\breturn\b.*(?:^|[^<\w.-])(?:{})\b",
            made.join("|")
        ))
        .expect("escaped")
    });
    // A producer's send in a loop: the caller that took the channel
    // stopped reading. A single send (a future) was never received at all:
    // the caller went away first, which is the premature return below.
    let send_in_loop = golex::loop_around(
        &src.code,
        Pos {
            line: line_no,
            col: 0,
        },
        place.decl.open,
        place.decl.close,
    )
    .is_some();
    // Or a return that hands what holds the channel to a receiver: a call
    // on the go statement's receiver or with one of its arguments
    // (`go t.publish(…)` then `return t.wait()`, which ranges over
    // t.updates and stopped early).
    let mut holders: Vec<String> = names[1..].to_vec();
    if let Some(c) =
        regex!(r"\bgo\s+([A-Za-z_]\w*)\s*\.\s*\w+").captures(gsrc.code(go.line).unwrap_or(""))
    {
        holders.push(regex::escape(&c[1]));
    }
    let passes_holder = (!holders.is_empty()).then(|| {
        let h = holders.join("|");
        Regex::new(&format!(
            r"\breturn\b.*(?:\b(?:{h})\s*\.\s*\w+\s*\(|\(\s*(?:[^()]*,\s*)?&?(?:{h})\s*[,)])"
        ))
        .expect("escaped")
    });
    if let Some((rn, l, _)) = ret.filter(|_| send_in_loop) {
        if hands_over.as_ref().is_some_and(|h| h.is_match(l)) {
            v.evidence.push(format!(
                "{} returns {} to its caller, and the goroutine sends on it in a loop: the caller receives from it, and stopped before the sends ended",
                loc(gsrc, *rn),
                chan_name
            ));
            return;
        }
        if passes_holder.as_ref().is_some_and(|h| h.is_match(l)) {
            v.evidence.push(format!(
                "{} (`{}`) hands what holds {} to the receiver, and the goroutine sends on it in a loop: that receiver stopped before the sends ended",
                loc(gsrc, *rn),
                l.trim(),
                chan_name
            ));
            return;
        }
    }
    if let Some((rn, _, how)) = ret {
        v.pattern = Some("premature-return");
        v.evidence.push(format!(
            "{} {how} after the go statement at {} and before {} is received{}",
            loc(gsrc, *rn),
            loc(gsrc, go.line),
            chan_name,
            recv_line
                .map(|r| format!(" at {}", loc(gsrc, r)))
                .unwrap_or_default()
        ));
        return;
    }
    // No return on the way, but the creator recovers panics (a deferred
    // `recover()`): a call between the go statement and the receive that
    // panics returns from it there, without receiving.
    let Some(r) = recv_line else { return };
    let (open, close) = go.scope.body();
    let recovers = (open.line..=close.line)
        .find(|&n| {
            gsrc.code(n)
                .is_some_and(|l| regex!(r"\brecover\s*\(\s*\)").is_match(l))
        })
        .filter(|&n| {
            // In a deferred literal of the creator (`defer func() { … }()`).
            (open.line..=n)
                .rev()
                .find_map(|k| gsrc.code(k).filter(|l| regex!(r"\bdefer\b").is_match(l)))
                .is_some()
        });
    let call = after
        .iter()
        .find(|(n, l)| {
            *n < r && regex!(r"[\w)\]]\s*\(").is_match(l) && !regex!(r"^\s*(?://|$)").is_match(l)
        })
        .map(|(n, _)| *n);
    if let (Some(rec), Some(c)) = (recovers, call) {
        v.pattern = Some("premature-return");
        v.evidence.push(format!(
            "the creator recovers panics ({} calls recover() in a deferred function): a panic in the call at {}, between the go statement at {} and the receive at {}, returns without receiving {}",
            loc(gsrc, rec),
            loc(gsrc, c),
            loc(gsrc, go.line),
            loc(gsrc, r),
            chan_name
        ));
    }
}

/// Finds the go statement that starts `frame`'s function when the input does
/// not name it: a closure's own literal (`go func…`, or the variable it is
/// stored in, started later); for a named function, `go name(…)`, `go
/// x.name(…)` or a method value started by `go`, in its file, its package
/// and the program's other files.
fn find_go_statement(
    index: &SourceIndex,
    src: &Arc<SourceFile>,
    place: &Place,
    frame: &FrameRef,
    user_files: &[String],
) -> Option<GoLoc> {
    let scope_of = |file: &Arc<SourceFile>, line: u32| -> Option<Place> {
        let decl = file.decl_at(line)?;
        let literals = golex::literals(&file.code, decl);
        // A literal that starts after the `go` keyword on its line is part
        // of the statement (the goroutine's own, or an argument of its
        // call), not the scope it runs in.
        let go_col = file
            .code(line)
            .and_then(|l| regex!(r"\bgo\b").find(l))
            .map_or(usize::MAX, |m| m.start());
        let literal = literals
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                l.open
                    <= Pos {
                        line,
                        col: usize::MAX,
                    }
                    && l.close.line >= line
                    && !(l.at.line == line && (l.go || l.at.col > go_col))
            })
            .max_by_key(|(_, l)| l.at)
            .map(|(i, _)| i);
        Some(Place {
            decl: decl.clone(),
            literals,
            literal,
        })
    };
    if let Some(i) = place.literal {
        let lit = &place.literals[i];
        let parent = Place {
            decl: place.decl.clone(),
            literals: place.literals.clone(),
            literal: place
                .literals
                .iter()
                .position(|l| l.path == lit.path[..lit.path.len() - 1]),
        };
        if lit.go {
            return Some(GoLoc {
                src: src.clone(),
                line: lit.at.line,
                span: place.span(),
                scope: parent,
                end: lit.close.line,
            });
        }
        // `f := func() {…}` … `go f()`, or `g.Go(func() error {…})`.
        let before = src.code(lit.at.line).unwrap_or("");
        let before = &before[..lit.at.col.min(before.len())];
        if regex!(r"\.Go\(\s*$").is_match(before) {
            return Some(GoLoc {
                src: src.clone(),
                line: lit.at.line,
                span: place.span(),
                scope: parent,
                end: lit.close.line,
            });
        }
        let var = regex!(r"(\w+)\s*:?=\s*$").captures(before)?[1].to_string();
        let call = Regex::new(&format!(r"\bgo\s+{}\(", regex::escape(&var))).ok()?;
        let (_, close) = parent.body();
        let line = (lit.close.line..=close.line)
            .find(|&n| src.code(n).is_some_and(|l| call.is_match(l)))?;
        return Some(GoLoc {
            src: src.clone(),
            line,
            span: place.span(),
            scope: parent,
            end: line,
        });
    }
    let name = golex::parse_func_name(&frame.function);
    if name.name.is_empty() {
        return None;
    }
    let n = regex::escape(&name.name);
    let call = Regex::new(&format!(r"\bgo\s+([\w.()*\[\]]+\.)?{n}(\[[^\]]*\])?\(")).ok()?;
    // A method value: `f := s.worker` … `go f(…)`.
    let value = Regex::new(&format!(r"(\w+)\s*:?=\s*[\w.()*]+\.{n}\s*($|[;)])")).ok()?;
    let mut files = vec![src.clone()];
    files.extend(candidate_files(index, user_files, Some(src)));
    for file in files {
        for (i, code) in file.code.iter().enumerate() {
            let line = i as u32 + 1;
            let hit = call.is_match(code)
                || value.captures(code).is_some_and(|c| {
                    let go = Regex::new(&format!(r"\bgo\s+{}\(", regex::escape(&c[1])))
                        .expect("escaped");
                    file.code[i..].iter().take(200).any(|l| go.is_match(l))
                });
            if !hit {
                continue;
            }
            // For a method value, the go statement itself.
            let line = if call.is_match(code) {
                line
            } else {
                let c = value.captures(code)?;
                let go = Regex::new(&format!(r"\bgo\s+{}\(", regex::escape(&c[1]))).ok()?;
                (line..line + 200).find(|&k| file.code(k).is_some_and(|l| go.is_match(l)))?
            };
            let Some(scope) = scope_of(&file, line) else {
                continue;
            };
            return Some(GoLoc {
                span: scope.span(),
                src: file.clone(),
                line,
                scope,
                end: line,
            });
        }
    }
    None
}

/// How many trailing path components two paths share.
fn common_suffix(want: &[&str], have: &[&str]) -> usize {
    want.iter()
        .rev()
        .zip(have.iter().rev())
        .take_while(|(a, b)| a == b)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new(PathBuf::from("main.go"), text)
    }

    #[test]
    fn enclosing_functions_by_braces() {
        let f = file("package main\n\nfunc a() {\n\tx := \"}\"\n\t_ = x\n}\n\nfunc (s *S) b() {\n\tgo func() {\n\t}()\n}\n");
        assert_eq!(enclosing_function(&f, 5), Some(Span { start: 3, end: 6 }));
        assert_eq!(enclosing_function(&f, 9), Some(Span { start: 8, end: 11 }));
        assert_eq!(enclosing_function(&f, 1), None);
        let p = place(&f, "main.(*S).b.func1", 10).unwrap();
        assert_eq!(p.span(), Span { start: 8, end: 11 });
        assert!(p.literal.is_some());
        assert!(place(&f, "main.c", 9).is_err());
        assert!(place(&f, "main.(*T).b", 9).is_err(), "another receiver");
        // A numbering the scan disagrees with falls back to the literal of
        // the same depth holding the line; a depth that is not there fails.
        assert!(place(&f, "main.(*S).b.func2", 10).is_ok());
        assert!(place(&f, "main.(*S).b.func1.1", 10).is_err());
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
        let d = &f.decls[0];
        let at = |line| Pos { line, col: 0 };
        assert_eq!(golex::loop_around(&f.code, at(3), d.open, d.close), Some(2));
        assert_eq!(golex::loop_around(&f.code, at(5), d.open, d.close), None);
        let sel = golex::select_at(&f.code, Pos { line: 5, col: 1 }, 9).unwrap();
        assert_eq!(sel.cases.len(), 2);
        assert_eq!(
            golex::select_of_case(&f.code, 6, d.open, d.close),
            Some(Pos { line: 5, col: 1 })
        );
    }

    #[test]
    fn loop_headers_bodies_and_statements() {
        let f = file("func f(ctx context.Context) {\n\tfor _, v := range []int{1, 2} {\n\t\tif err := ctx.Err(); err != nil {\n\t\t\treturn\n\t\t}\n\t\tselect {\n\t\tcase <-ctx.Done():\n\t\t\treturn\n\t\t}\n\t}\n\tfor ctx.Err() == nil &&\n\t\tok() {\n\t\tg()\n\t}\n}\n");
        let lp = golex::loop_at(&f.code, 2, 16).unwrap();
        assert_eq!(lp.header, "_, v := range []int{1, 2}");
        assert_eq!((lp.open.line, lp.close.line), (2, 10));
        assert_eq!(
            golex::block_statements(&f.code, lp.open, lp.close),
            vec![3, 6]
        );
        let (open, close) = golex::block_at(&f.code, Pos { line: 3, col: 2 }, 10).unwrap();
        assert_eq!((open.line, close.line), (3, 5));
        assert!(leaves_block(&f, open, close, false));
        let two = golex::loop_at(&f.code, 11, 16).unwrap();
        assert_eq!(two.header, "ctx.Err() == nil && \t\tok()");
        assert_eq!((two.open.line, two.close.line), (12, 14));
        assert!(golex::loop_at(&f.code, 3, 16).is_none());
    }

    #[test]
    fn one_line_closures_and_labels() {
        let f = file("func f() {\nretry:\n\tgo func() { ch <- f() }()\n\tif x { goto retry }\n\tfor _, v := range []int{1} { go func(i int) { c <- i * g() }(v) }\n}\n");
        let d = &f.decls[0];
        let p = place(&f, "main.f.func1", 3).unwrap();
        assert_eq!(op_of_statement(&p.code(&f, 3)), Some(BlockingOp::ChanSend));
        assert_eq!(
            golex::loop_around(&f.code, Pos { line: 3, col: 1 }, d.open, d.close),
            Some(2),
            "a label and a later goto make a loop"
        );
        let p = place(&f, "main.f.func2", 5).unwrap();
        assert_eq!(op_of_statement(&p.code(&f, 5)), Some(BlockingOp::ChanSend));
        let lit = &p.literals[p.literal.unwrap()];
        assert!(lit.go);
        assert_eq!(
            golex::loop_around(&f.code, lit.at, d.open, d.close),
            Some(5),
            "a one-line loop"
        );
        assert_eq!(op_of_statement("x := <-ch"), Some(BlockingOp::ChanReceive));
        assert_eq!(
            op_of_statement("case out <- v:"),
            Some(BlockingOp::ChanSend)
        );
        assert_eq!(
            op_of_statement("case v := <-in:"),
            Some(BlockingOp::ChanReceive)
        );
        assert_eq!(op_of_statement("var c chan<- int"), None);
        assert_eq!(
            op_of_statement("return <-ch"),
            Some(BlockingOp::ChanReceive)
        );
    }

    #[test]
    fn a_field_set_to_nil_or_made_only_on_a_path_is_nil_and_an_exported_constructor_is_called() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, code: &str| {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, code).unwrap();
        };
        // A local copy of a field that Close sets to nil.
        write(
            "a/main.go",
            "package main\n\ntype S struct {\n\tev chan int\n}\n\nfunc (s *S) Close() {\n\ts.ev = nil\n}\n\nfunc (s *S) emit() {\n\tout := s.ev\n\tout <- 1\n}\n\nfunc main() {\n\ts := &S{ev: make(chan int)}\n\ts.Close()\n\tgo s.emit()\n}\n",
        );
        // Made only under a condition, and a keyed literal leaves it out.
        write(
            "b/main.go",
            "package main\n\ntype J struct {\n\tname string\n\tdone chan error\n}\n\nfunc (j *J) Start(wait bool) {\n\tif wait {\n\t\tj.done = make(chan error, 1)\n\t}\n\tgo func() { j.done <- nil }()\n}\n\nfunc main() {\n\tj := &J{name: \"x\"}\n\tj.Start(false)\n}\n",
        );
        // A library's exported constructor, called from another package.
        write(
            "c/latch/latch.go",
            "package latch\n\ntype L struct {\n\tch chan struct{}\n}\n\nfunc New() *L { return &L{ch: make(chan struct{})} }\n\nfunc (l *L) On(f func()) {\n\tgo func() {\n\t\t<-l.ch\n\t\tf()\n\t}()\n}\n",
        );
        let idx = SourceIndex::new(&[dir.path().to_path_buf()]);
        let a = idx.open("a/main.go").unwrap();
        assert!(never_assigned_field(&idx, &a, "\tout <- 1", 13, true)
            .is_some_and(|e| e.contains("s.ev") && e.contains("main.go:8 sets to nil")));
        let b = idx.open("b/main.go").unwrap();
        assert!(
            never_assigned_field(&idx, &b, "\tgo func() { j.done <- nil }()", 12, true)
                .is_some_and(|e| e.contains("leaves it out") && e.contains("conditional"))
        );
        let c = idx.open("c/latch/latch.go").unwrap();
        assert_eq!(
            never_assigned_field(&idx, &c, "\t\t<-l.ch", 11, false),
            None
        );
    }

    #[test]
    fn a_map_of_the_struct_is_not_a_literal_that_leaves_the_field_out() {
        let dir = tempfile::tempdir().unwrap();
        let code = "package main\n\ntype Sub struct {\n\tevents chan int\n}\n\nfunc (s *Sub) run() {\n\tfor range s.events {\n\t}\n}\n\nfunc newSub() *Sub {\n\treturn &Sub{events: make(chan int, 4)}\n}\n\nfunc main() {\n\tsubs := map[int]*Sub{}\n\tall := []Sub{}\n\ts := newSub()\n\tsubs[1] = s\n\t_ = all\n\tgo s.run()\n}\n";
        let path = dir.path().join("app/main.go");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, code).unwrap();
        let idx = SourceIndex::new(&[dir.path().to_path_buf()]);
        let src = idx.open("app/main.go").unwrap();
        assert_eq!(
            never_assigned_field(&idx, &src, "\tfor range s.events {", 8, false),
            None,
            "map[int]*Sub{{}} and []Sub{{}} make no Sub"
        );
        // A literal of the struct itself that leaves the field out does.
        let code = code.replace("subs := map[int]*Sub{}", "subs := map[int]*Sub{2: &Sub{}}");
        std::fs::write(&path, code).unwrap();
        let idx = SourceIndex::new(&[dir.path().to_path_buf()]);
        let src = idx.open("app/main.go").unwrap();
        assert!(
            never_assigned_field(&idx, &src, "\tfor range s.events {", 8, false)
                .is_some_and(|e| e.contains("leaves it out"))
        );
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
