//! Signatures decided in code for the patterns whose stacks look like any
//! other: busy loops, goroutines that keep their captured data alive,
//! values boxed in interfaces, package-level slices, `defer` in a loop that
//! never returns, and finalizers on reference cycles.
//!
//! The profile side is small (a running group that grows and survives, a
//! heap site at the function that starts a growing goroutine group); the
//! source side reads the user function of the site, lexically, like
//! [`super::source`] does, and runs in its own functions so that the two
//! scans stay independent.

use super::source::{declared_name, enclosing_function, SourceFile, SourceIndex, Span};
use super::{Catalog, Finding, FindingKind, Linked, Severity};
use crate::diff::{Series, Verdict};
use crate::model::{BlockingOp, FrameRef};
use crate::text::fmt_counts;
use regex::Regex;
use std::sync::OnceLock;

fn re(cell: &'static OnceLock<Regex>, pat: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pat).expect("valid pattern regex"))
}

macro_rules! regex {
    ($pat:expr) => {{
        static CELL: OnceLock<Regex> = OnceLock::new();
        re(&CELL, $pat)
    }};
}

/// Whether a growing group of running or runnable goroutines is a leak
/// candidate: its goroutine ids survive every snapshot (debug=2), or, when
/// the input has no ids, it grew at every one of three or more snapshots.
/// Running goroutines that come and go are work in progress.
pub fn running_group_survives(s: &Series, n: usize) -> bool {
    if s.trend.verdict != Verdict::Growing || n < 2 || s.trend.last - s.trend.first < 2 {
        return false;
    }
    match s.persistent_ids {
        Some(p) => p > 0,
        None => n >= 3 && s.trend.increases == n - 1,
    }
}

/// Runtime frames a goroutine that is executing its own loop can show above
/// it: a yield, a preemption, a non-blocking select or channel poll.
fn is_spin_frame(function: &str) -> bool {
    matches!(
        function,
        "runtime.Gosched"
            | "runtime.gosched_m"
            | "runtime.goschedImpl"
            | "runtime.mcall"
            | "runtime.asyncPreempt"
            | "runtime.asyncPreempt2"
            | "runtime.gopreempt_m"
            | "runtime.morestack"
            | "runtime.newstack"
            | "runtime.selectgo"
            | "runtime.selectnbrecv"
            | "runtime.selectnbsend"
            | "runtime.procyield"
            | "runtime.osyield"
    ) || function.starts_with("sync/atomic.")
        || function.starts_with("internal/runtime/atomic.")
        || function.starts_with("runtime/internal/atomic.")
}

/// Strips comments and string contents from a line (braces in them do not
/// count). The same lexical rule as the source scan.
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

fn code_lines(f: &SourceFile, from: u32, to: u32) -> Vec<(u32, String)> {
    (from..=to)
        .filter_map(|n| f.line(n).map(|l| (n, code_part(l))))
        .collect()
}

fn loc(f: &SourceFile, n: u32) -> String {
    let name = f
        .path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{name}:{n}")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Block {
    For,
    Func,
    Select,
    Other,
}

/// The open blocks (outermost first, with their first line) at `line`.
fn blocks_at(body: &[(u32, String)], line: u32) -> Vec<(Block, u32)> {
    let mut stack: Vec<(Block, u32)> = Vec::new();
    for (n, l) in body {
        if *n == line {
            return stack;
        }
        let kind = if regex!(r"^\s*for\b").is_match(l) {
            Block::For
        } else if regex!(r"^\s*select\s*\{").is_match(l) {
            Block::Select
        } else if regex!(r"\bfunc\s*\(").is_match(l) && !regex!(r"^func\s").is_match(l) {
            Block::Func
        } else {
            Block::Other
        };
        for c in l.chars() {
            match c {
                '{' => stack.push((kind, *n)),
                '}' => {
                    stack.pop();
                }
                _ => {}
            }
        }
    }
    stack
}

/// The innermost `for` around `line` that is not behind a func literal.
fn loop_around(body: &[(u32, String)], line: u32) -> Option<u32> {
    for (kind, start) in blocks_at(body, line).into_iter().rev() {
        match kind {
            Block::For => return Some(start),
            Block::Func => return None,
            _ => {}
        }
    }
    None
}

/// Lines of the block that opens at `start` (to its closing brace).
fn block_lines(body: &[(u32, String)], start: u32) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    for (n, l) in body.iter().filter(|(n, _)| *n >= start) {
        out.push((*n, l.clone()));
        for c in l.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
        }
        if depth <= 0 && *n > start {
            break;
        }
    }
    out
}

fn blocks(line: &str) -> bool {
    line.contains("<-")
        || regex!(r"^\s*select\s*\{").is_match(line)
        || regex!(r"\bSleep\(|\.Wait\(|\.Lock\(\)|\.RLock\(\)|\.Read\(|\.Write\(|\.Accept\(|\.Recv\(|\.Do\(|\bDial\w*\(")
            .is_match(line)
}

/// Source check of a goroutine group: is its loop one that never blocks?
/// `frames` is the stack leaf first; `site` indexes the user frame read.
pub fn busy_loop(index: &SourceIndex, frames: &[FrameRef], site: usize) -> Option<Vec<String>> {
    // The goroutine must be executing the loop itself: nothing above the
    // site but a yield, a preemption or an atomic load, and never a park.
    if frames
        .iter()
        .any(|f| f.function.starts_with("runtime.gopark"))
    {
        return None;
    }
    if !frames[..site].iter().all(|f| is_spin_frame(&f.function)) {
        return None;
    }
    let frame = &frames[site];
    let src = index.open(&frame.raw_file)?;
    let span = enclosing_function(&src, frame.line)?;
    let body = code_lines(&src, span.start, span.end);
    let for_line = loop_around(&body, frame.line)?;
    let lp = block_lines(&body, for_line);
    // A select with a default case never waits.
    let mut in_select = false;
    let mut select_line = 0;
    let mut depth_at_select = 0i32;
    let mut depth = 0i32;
    for (n, l) in &lp {
        if regex!(r"^\s*select\s*\{").is_match(l) && !in_select {
            in_select = true;
            select_line = *n;
            depth_at_select = depth;
        }
        if in_select && depth == depth_at_select + 1 && regex!(r"^\s*default\s*:").is_match(l) {
            return Some(vec![format!(
                "the select at {} inside the for loop at {} has a default case: when no case is ready the loop goes round again without blocking",
                loc(&src, select_line),
                loc(&src, for_line)
            )]);
        }
        for c in l.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
        }
        if in_select && depth <= depth_at_select {
            in_select = false;
        }
    }
    // A loop with no blocking operation at all spins.
    if lp.iter().any(|(_, l)| blocks(l)) {
        return None;
    }
    Some(vec![format!(
        "the for loop at {} has no blocking operation (no channel operation, select, sleep, wait or lock): it spins",
        loc(&src, for_line)
    )])
}

/// Whether a function is the user's (neither the standard library's nor
/// the runtime's).
pub fn is_own(function: &str) -> bool {
    use crate::model::normalize::{is_runtime_function, is_std_package, package_path};
    !package_path(function).is_some_and(is_std_package) && !is_runtime_function(function)
}

/// The first user (non-standard-library, non-runtime) frame of a stack.
pub fn own_frame(frames: &[FrameRef]) -> Option<usize> {
    frames.iter().position(|f| is_own(&f.function))
}

/// Source check of a heap site: reads the first user function of the
/// allocation stack. Returns the pattern and the lines that decided it.
pub fn heap_site(index: &SourceIndex, frames: &[FrameRef]) -> Option<(&'static str, Vec<String>)> {
    let i = own_frame(frames)?;
    let frame = &frames[i];
    let src = index.open(&frame.raw_file)?;
    let span = enclosing_function(&src, frame.line)?;
    if !declared_matches(&src, span, &frame.function) {
        return None;
    }
    let body = code_lines(&src, span.start, span.end);
    let pkg = package_files(&src);
    // A defer in the loop of a caller (the allocation is in a helper the
    // loop calls, like acquire() or os.Open).
    let callers = frames[i..].iter().filter(|f| is_own(&f.function)).take(3);
    for f in callers {
        let Some(csrc) = index.open(&f.raw_file) else {
            continue;
        };
        let Some(cspan) = enclosing_function(&csrc, f.line) else {
            continue;
        };
        if !declared_matches(&csrc, cspan, &f.function) {
            continue;
        }
        let cbody = code_lines(&csrc, cspan.start, cspan.end);
        if let Some(e) = defer_in_loop(&csrc, &cbody, f.line) {
            return Some(("defer-in-loop", e));
        }
    }
    if let Some(e) = retains_data(&src, &body) {
        return Some(("goroutine-retains-data", e));
    }
    if let Some(e) = finalizer_cycle(&src, &body, &pkg) {
        return Some(("finalizer-cycle", e));
    }
    // Where the value goes: this function, or a function of the package
    // that the allocating line passes it to (`register(&Hook{…})`).
    let mut bodies = vec![(src.clone(), body)];
    let line = code_part(src.line(frame.line).unwrap_or(""));
    for c in regex!(r"(?:^|[^\w.])(?:[\w]+\.)?(\w+)\(").captures_iter(&line) {
        let name = &c[1];
        if let Some((cs, cb)) = function_body(&src, name) {
            bodies.push((cs, cb));
        }
        if bodies.len() >= 4 {
            break;
        }
    }
    for (bs, bb) in &bodies {
        if let Some(e) = interface_boxing(bs, bb, &pkg) {
            return Some(("interface-boxing", e));
        }
    }
    for (bs, bb) in &bodies {
        if let Some(e) = global_slice(bs, bb, &pkg) {
            return Some(("global-slice-growth", e));
        }
    }
    None
}

/// Numbered code lines of a function.
type Body = Vec<(u32, String)>;

/// The body of the function (or method) `name` declared in the site's file.
fn function_body(
    src: &std::sync::Arc<SourceFile>,
    name: &str,
) -> Option<(std::sync::Arc<SourceFile>, Body)> {
    let d = src.decl_named(name)?;
    Some((src.clone(), code_lines(src, d.start, d.end)))
}

fn declared_matches(src: &SourceFile, span: Span, function: &str) -> bool {
    let name = declared_name(function);
    let decl = src.line(span.start).unwrap_or("");
    name.is_empty()
        || name.starts_with("func")
        || decl.contains(&format!(" {name}("))
        || decl.contains(&format!(" {name}["))
}

/// Code lines of every Go file of the site's package (its directory).
fn package_files(src: &SourceFile) -> Vec<String> {
    let mut out: Vec<String> = src.lines.iter().map(|l| code_part(l)).collect();
    let Some(dir) = src.path.parent() else {
        return out;
    };
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut others: Vec<_> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "go") && *p != src.path)
        .collect();
    others.sort();
    for p in others.into_iter().take(64) {
        let small = std::fs::metadata(&p).is_ok_and(|m| m.len() <= 1 << 20);
        if let (true, Ok(text)) = (small, std::fs::read_to_string(&p)) {
            out.extend(text.lines().map(code_part));
        }
    }
    out
}

/// `defer` inside a `for` of the function (not behind a func literal).
fn defer_in_loop(src: &SourceFile, body: &[(u32, String)], site: u32) -> Option<Vec<String>> {
    // The loop the allocating line runs in holds a defer.
    let site_loop = loop_around(body, site)?;
    let (n, l) = body.iter().find(|(n, l)| {
        regex!(r"^\s*defer\b").is_match(l) && loop_around(body, *n) == Some(site_loop)
    })?;
    let for_line = site_loop;
    Some(vec![format!(
        "{} is `{}` inside the for loop at {}: deferred calls run only when the function returns, so every iteration's call and what it would release stay",
        loc(src, *n),
        l.trim(),
        loc(src, for_line)
    )])
}

/// Local names declared in the function before `line` (`x :=`, `var x`, params).
fn locals_before(body: &[(u32, String)], line: u32) -> Vec<String> {
    let mut out = Vec::new();
    for (n, l) in body.iter().filter(|(n, _)| *n < line) {
        if let Some(c) = regex!(r"^\s*([\w, ]+?)\s*:=").captures(l) {
            out.extend(c[1].split(',').map(|s| s.trim().to_string()));
        }
        if let Some(c) = regex!(r"^\s*var\s+(\w+)").captures(l) {
            out.push(c[1].to_string());
        }
        if *n == body[0].0 {
            // Parameters of the function.
            if let Some(c) =
                regex!(r"\)\s*\w*\s*\(([^)]*)\)|^func\s+\w+(?:\[[^\]]*\])?\(([^)]*)\)").captures(l)
            {
                let params = c.get(1).or(c.get(2)).map(|m| m.as_str()).unwrap_or("");
                for p in params.split(',') {
                    if let Some(name) = p.split_whitespace().next() {
                        out.push(name.to_string());
                    }
                }
            }
        }
    }
    out.retain(|s| !s.is_empty() && s != "_" && s != "err" && s != "ctx");
    out
}

fn uses(line: &str, name: &str) -> bool {
    Regex::new(&format!(r"(^|[^\w.]){}\b", regex::escape(name))).is_ok_and(|re| re.is_match(line))
}

/// The allocating function starts a goroutine whose closure or arguments
/// use a local value of the function.
fn retains_data(src: &SourceFile, body: &[(u32, String)]) -> Option<Vec<String>> {
    retains_at(src, body, None, &[])
}

/// Locals of the function assigned an allocation (`make([]…)`, `make(map…)`,
/// `&T{…}`, `new(T)`, a slice or map literal) before `line`; not channels.
fn allocated_locals(body: &[(u32, String)], line: u32) -> Vec<String> {
    let mut out = Vec::new();
    for (_, l) in body.iter().filter(|(n, _)| *n < line) {
        if let Some(c) = regex!(
            r"^\s*(\w+)\s*:?=\s*(?:make\(\s*(?:\[|map\[)|&\w+\s*\{|new\(|\[\][\w*.]+\s*\{|map\[)"
        )
        .captures(l)
        {
            out.push(c[1].to_string());
        }
    }
    out
}

/// The go statement (at `only`, or any) passes or captures a local value.
/// With `only`, just locals holding an allocation count.
/// `holders`: for a go statement that calls a named function, the
/// positions of the arguments through which the goroutine reaches the
/// channel it waits on (see [`channel_holder_params`]).
fn retains_at(
    src: &SourceFile,
    body: &[(u32, String)],
    only: Option<u32>,
    holders: &[usize],
) -> Option<Vec<String>> {
    // What main allocates lives as long as the program anyway.
    if body
        .first()
        .is_some_and(|(_, l)| regex!(r"^func\s+main\s*\(").is_match(l))
    {
        return None;
    }
    for (n, l) in body {
        if only.is_some_and(|o| o != *n) {
            continue;
        }
        let Some(c) = regex!(r"^\s*go\s+(.*)$").captures(l) else {
            continue;
        };
        let rest = c[1].to_string();
        let locals = if only.is_some() {
            allocated_locals(body, *n)
        } else {
            locals_before(body, *n)
        };
        let used: Vec<String> = if rest.starts_with("func") {
            // The closure's body: up to the line that closes it.
            let lit = block_lines(body, *n);
            let text: Vec<&str> = lit.iter().skip(1).map(|(_, l)| l.as_str()).collect();
            // A value whose field is a channel the literal sends on,
            // receives from or ranges over is how it reaches the channel
            // it waits on (`<-s.closed`), not data it keeps besides.
            let holders = channel_holders(&lit);
            locals
                .iter()
                .filter(|v| !holders.contains(v))
                .filter(|v| {
                    text.iter().any(|l| uses(l, v))
                        || uses(lit.last().map(|x| x.1.as_str()).unwrap_or(""), v)
                })
                .cloned()
                .collect()
        } else {
            // `go x.run(a, b)`: the arguments, not the receiver (a
            // long-lived server or pool is not what the goroutine leaks).
            // An argument that only holds the channel the goroutine waits
            // on (`go c.await(req)` and `<-req.reply`) is how it reaches
            // that channel, not data it keeps besides.
            let args = rest.split_once('(').map(|(_, a)| a).unwrap_or("");
            let through: Vec<&str> = split_args(args)
                .into_iter()
                .enumerate()
                .filter(|(i, _)| holders.contains(i))
                .map(|(_, a)| a)
                .collect();
            locals
                .iter()
                .filter(|v| uses(args, v))
                .filter(|v| !through.iter().any(|a| a.trim() == v.as_str()))
                .cloned()
                .collect()
        };
        if let Some(v) = used.first() {
            return Some(vec![format!(
                "the go statement at {} keeps `{v}` (allocated in this function) reachable for as long as the goroutine runs",
                loc(src, *n)
            )]);
        }
    }
    None
}

/// Type names a struct type points to (`*T`, `[]*T`, `map[K]*T`, `T` fields).
fn pointer_fields(pkg: &[String], ty: &str) -> Vec<String> {
    let start = Regex::new(&format!(r"^type\s+{}\s+struct\s*\{{", regex::escape(ty))).ok();
    let Some(start) = start else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut inside = false;
    for l in pkg {
        if !inside {
            inside = start.is_match(l);
            continue;
        }
        if l.trim_start().starts_with('}') {
            break;
        }
        for c in regex!(r"\*(\w+)").captures_iter(l) {
            out.push(c[1].to_string());
        }
    }
    out
}

/// `runtime.SetFinalizer(x, …)` on a value whose type points back to itself.
fn finalizer_cycle(
    src: &SourceFile,
    body: &[(u32, String)],
    pkg: &[String],
) -> Option<Vec<String>> {
    let (n, l) = body
        .iter()
        .find(|(_, l)| regex!(r"runtime\.SetFinalizer\(").is_match(l))?;
    let var = regex!(r"SetFinalizer\(\s*&?(\w+)").captures(l)?[1].to_string();
    // The type of the variable, from `x := &T{` or `x := new(T)` or `var x T`.
    let decl = Regex::new(&format!(
        r"\b{v}\s*:?=\s*(?:&(\w+)\s*\{{|new\((\w+)\))|\bvar\s+{v}\s+\*?(\w+)",
        v = regex::escape(&var)
    ))
    .ok()?;
    let ty = body.iter().find_map(|(_, l)| {
        decl.captures(l).and_then(|c| {
            c.get(1)
                .or(c.get(2))
                .or(c.get(3))
                .map(|m| m.as_str().to_string())
        })
    })?;
    let direct = pointer_fields(pkg, &ty);
    let cycle = if direct.contains(&ty) {
        Some(format!("{ty} points to itself"))
    } else {
        direct
            .iter()
            .find(|u| pointer_fields(pkg, u).contains(&ty))
            .map(|u| format!("{ty} points to {u}, which points back to {ty}"))
    }?;
    Some(vec![format!(
        "{} sets a finalizer on `{var}` ({ty}) and {cycle}: a cycle with a finalizer is never collected",
        loc(src, *n)
    )])
}

/// Whether `name` is declared in the package as a slice or map of interfaces.
fn interface_container(pkg: &[String], name: &str) -> bool {
    let Ok(decl) = Regex::new(&format!(
        r"\b{n}\s*(?::=|=)?\s*(?:make\(\s*)?(?:\[\]|map\[[^\]]*\])\s*(?:interface\s*\{{\s*\}}|any\b)",
        n = regex::escape(name)
    )) else {
        return false;
    };
    pkg.iter().any(|l| decl.is_match(l))
}

/// A value (not a pointer) appended to a slice of interfaces, or stored in
/// a map of them.
fn interface_boxing(
    src: &SourceFile,
    body: &[(u32, String)],
    pkg: &[String],
) -> Option<Vec<String>> {
    for (n, l) in body {
        let (target, value) = if let Some(c) =
            regex!(r"([\w.]+)\s*=\s*append\(\s*[\w.]+\s*,\s*(.+)\)\s*$").captures(l)
        {
            (c[1].to_string(), c[2].to_string())
        } else if let Some(c) = regex!(r"^\s*([\w.]+)\[[^\]]+\]\s*=\s*([^=].*)$").captures(l) {
            (c[1].to_string(), c[2].to_string())
        } else {
            continue;
        };
        let name = target.rsplit('.').next().unwrap_or(&target).to_string();
        let value = value.trim();
        let pointer = value.starts_with('&')
            || value.starts_with("new(")
            || value == "nil"
            || regex!(r#"^("|\d|true\b|false\b)"#).is_match(value);
        if !pointer && interface_container(pkg, &name) {
            return Some(vec![format!(
                "{} stores the value `{value}` into {target}, a container of interface values: each store copies it into a new heap object that stays",
                loc(src, *n)
            )]);
        }
    }
    None
}

/// `x = append(x, …)` where x is a package-level slice.
fn global_slice(src: &SourceFile, body: &[(u32, String)], pkg: &[String]) -> Option<Vec<String>> {
    for (n, l) in body {
        let Some(c) = regex!(r"^\s*(\w+)\s*=\s*append\(\s*(\w+)\s*,").captures(l) else {
            continue;
        };
        if c[1] != c[2] {
            continue;
        }
        let name = &c[1];
        if package_level_slice(pkg, name) {
            return Some(vec![format!(
                "{} appends to {name}, a package-level slice: it is a GC root, and everything it holds stays reachable",
                loc(src, *n)
            )]);
        }
    }
    None
}

fn package_level_slice(pkg: &[String], name: &str) -> bool {
    let Ok(single) = Regex::new(&format!(r"^var\s+{}\s+\[\]", regex::escape(name))) else {
        return false;
    };
    let Ok(grouped) = Regex::new(&format!(r"^\s+{}\s+\[\]", regex::escape(name))) else {
        return false;
    };
    let mut in_var = false;
    for l in pkg {
        if single.is_match(l) {
            return true;
        }
        if regex!(r"^var\s*\(").is_match(l) {
            in_var = true;
            continue;
        }
        if in_var {
            if l.starts_with(')') {
                in_var = false;
            } else if grouped.is_match(l) {
                return true;
            }
        }
    }
    false
}

/// Catalog entries a goroutine finding may give up for
/// goroutine-retains-data: the generic per-operation ones.
/// Whether a goroutine finding's pattern gives way to the story of the data
/// its creator allocated: a generic wait, the story itself, or a receive
/// the stack alone guessed to be a range loop (no source read).
fn replaceable(g: &Finding) -> bool {
    generic(&g.pattern)
        || g.pattern == "goroutine-retains-data"
        || (g.source.is_none() && g.pattern == "range-unclosed-channel")
}

fn generic(pattern: &str) -> bool {
    // Patterns that say where a goroutine waits but not what should have
    // ended it: the heap its creator allocated tells the story better. A
    // pattern that names the missing close, return, Done or Unlock
    // (range-unclosed-channel, premature-return, timeout-leak, …) stays.
    matches!(
        pattern,
        "goroutine-blocked"
            | "chan-receive-blocked"
            | "chan-send-blocked"
            | "select-no-exit"
            | "sleep-loop"
    )
}

/// The function a closure belongs to: `main.open.func1.2` → `main.open`.
fn closure_parent(function: &str) -> Option<&str> {
    crate::model::closure_suffix(function).map(|i| &function[..i])
}

/// Whether goroutine finding `g` was started by `func` (its created-by, or
/// a closure of it, or the go statement the source found in it).
fn started_by(g: &Finding, func: &str, index: Option<&SourceIndex>) -> bool {
    if g.created_by.as_ref().is_some_and(|c| c.function == func) {
        return true;
    }
    if g.frames
        .iter()
        .any(|f| closure_parent(&f.function) == Some(func))
    {
        return true;
    }
    // pprof and debug=1 have no created-by: the source's go statement.
    let (Some(index), Some(go)) = (
        index,
        g.source.as_ref().and_then(|s| s.go_statement.as_ref()),
    ) else {
        return false;
    };
    let Some(src) = index.open(&go.path) else {
        return false;
    };
    enclosing_function(&src, go.line).is_some_and(|span| declared_matches(&src, span, func))
}

/// Folds heap growth at the function that starts a growing goroutine group
/// into that group's finding, as goroutine-retains-data: the goroutines keep
/// what their closure or arguments captured. Runs after link_stories, which
/// links stories by shared functions; this adds the creator link and names
/// the pattern.
pub fn retains_data_stories(
    findings: Vec<Finding>,
    catalog: &Catalog,
    index: Option<&SourceIndex>,
) -> Vec<Finding> {
    let findings = merge_busy_fragments(findings);
    let Some(entry) = catalog.get("goroutine-retains-data") else {
        return findings;
    };
    let (mut goroutine, heap): (Vec<Finding>, Vec<Finding>) = findings
        .into_iter()
        .partition(|f| f.kind == FindingKind::Goroutine);
    let mut rest = Vec::new();
    for h in heap {
        let Some(first) = own_frame(&h.frames).or((!h.frames.is_empty()).then_some(0)) else {
            rest.push(h);
            continue;
        };
        let site = h.frames[first].function.clone();
        // The allocating function, or one of the program's own functions
        // that called it (a constructor the starter calls: `d :=
        // parse(…); go d.watch()`), up to three deep.
        let callers: Vec<String> = h.frames[first..]
            .iter()
            .take_while(|f| is_own(&f.function) || f.function == site)
            .take(3)
            .map(|f| f.function.clone())
            .collect();
        let g = callers.iter().find_map(|func| {
            let i = goroutine.iter().position(|g| {
                g.severity >= Severity::Medium
                    && g.trend.is_growth()
                    && replaceable(g)
                    && started_by(g, func, index)
            })?;
            Some((i, func.clone()))
        });
        match g {
            Some((i, func)) => {
                let g = &mut goroutine[i];
                let at = if func == site {
                    func.clone()
                } else {
                    format!("{site}, called by {func}")
                };
                g.evidence.push(format!(
                    "heap: in-use memory allocated at {at}, the function that starts these goroutines, grows with them ({}): the goroutines keep what they captured alive",
                    h.counts
                        .iter()
                        .map(|&c| super::fmt_value(c, h.unit))
                        .collect::<Vec<_>>()
                        .join(" → ")
                ));
                g.linked.push(Linked {
                    id: h.id,
                    kind: h.kind,
                    pattern: h.pattern.clone(),
                    site: h.site,
                    counts: h.counts,
                    unit: h.unit,
                    through: vec![func],
                });
                g.severity = g.severity.max(h.severity);
                adopt(g, entry);
            }
            None => rest.push(h),
        }
    }
    // Heap findings link_stories already folded in through the creator.
    for g in goroutine.iter_mut() {
        // Allocated by the creator, or by a function it called (linked
        // through it).
        let by_creator = g.linked.iter().any(|l| {
            l.kind == FindingKind::Heap
                && g.created_by.as_ref().is_some_and(|c| {
                    l.site.as_ref().is_some_and(|s| c.function == s.function)
                        || l.through.contains(&c.function)
                })
        });
        let decided = g
            .linked
            .iter()
            .any(|l| l.pattern == "goroutine-retains-data");
        if (by_creator || decided) && replaceable(g) {
            adopt(g, entry);
        }
    }
    let mut out = goroutine;
    out.extend(rest);
    out.iter_mut().for_each(|f| {
        if f.pattern == "goroutine-retains-data" && f.kind == FindingKind::Goroutine {
            f.alternatives.retain(|a| a != "goroutine-retains-data");
        }
    });
    out
}

/// HTTP connections whose readLoop waits for the network (IO wait) are
/// idle ones left by a Transport nobody reuses, unless callers wait in
/// `(*persistConn).roundTrip` at the same time: then the connections carry
/// those requests, in flight with no timeout. A readLoop group that grows
/// no more than the waiting callers is their connections: it takes
/// http-client-no-timeout, and the idle reading stays an alternative.
pub fn http_in_flight_stories(mut findings: Vec<Finding>, catalog: &Catalog) -> Vec<Finding> {
    const ROUND_TRIP: &str = "net/http.(*persistConn).roundTrip";
    let Some(entry) = catalog.get("http-client-no-timeout") else {
        return findings;
    };
    let growth = |f: &Finding| match (f.counts.first(), f.counts.last()) {
        (Some(a), Some(b)) => b - a,
        _ => 0,
    };
    let callers: i64 = findings
        .iter()
        .filter(|f| {
            f.kind == FindingKind::Goroutine
                && f.severity >= Severity::Medium
                && f.trend.is_growth()
                && f.frames.iter().any(|fr| fr.function == ROUND_TRIP)
        })
        .map(growth)
        .sum();
    if callers <= 0 {
        return findings;
    }
    for f in findings.iter_mut() {
        if f.kind == FindingKind::Goroutine
            && f.pattern == "http-transport-not-reused"
            && f.frames
                .iter()
                .any(|fr| fr.function == super::HTTP_READ_LOOP)
            && (1..=callers).contains(&growth(f))
        {
            f.evidence.push(format!(
                "callers wait in (*persistConn).roundTrip at the same time (+{callers} over the snapshots): these connections carry their requests, in flight with no timeout, not idle ones"
            ));
            adopt(f, entry);
        }
    }
    findings
}

/// The functions of a goroutine finding's stack (lines and runtime frames
/// left out) and its creator: what a spinning goroutine keeps wherever in
/// its loop a dump catches it.
fn loop_key(f: &Finding) -> (Vec<&str>, Option<&str>) {
    (
        f.frames
            .iter()
            .map(|fr| fr.function.as_str())
            .filter(|name| !crate::model::normalize::is_runtime_function(name))
            .collect(),
        f.created_by.as_ref().map(|c| c.function.as_str()),
    )
}

/// A goroutine that never parks is caught at whatever line of its loop it
/// runs, so one busy loop can show as several groups (and, caught inside a
/// non-blocking select, with the select op). The groups with the same
/// functions as a busy-loop finding are folded into it.
fn merge_busy_fragments(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut fragments: Vec<Finding> = Vec::new();
    for f in findings {
        let spinning_op = matches!(
            f.wait,
            BlockingOp::Running | BlockingOp::Select | BlockingOp::Other
        );
        if f.kind == FindingKind::Goroutine && (f.pattern == "busy-loop" || spinning_op) {
            fragments.push(f);
        } else {
            out.push(f);
        }
    }
    // Largest first: the main group of each loop absorbs the others.
    fragments.sort_by_key(|f| std::cmp::Reverse(f.counts.last().copied().unwrap_or(0)));
    let mut kept: Vec<Finding> = Vec::new();
    for f in fragments {
        let host = kept.iter_mut().find(|k| {
            k.pattern == "busy-loop"
                && loop_key(k) == loop_key(&f)
                && k.counts.len() == f.counts.len()
        });
        match host {
            Some(k) => {
                for (a, b) in k.counts.iter_mut().zip(&f.counts) {
                    *a += b;
                }
                k.evidence.push(format!(
                    "the same loop was also caught at {} ({}): a spinning goroutine is found wherever it runs",
                    f.site
                        .as_ref()
                        .map(|s| format!("{}:{}", s.file, s.line))
                        .unwrap_or_default(),
                    fmt_counts(&f.counts, f.unit)
                ));
                k.related.push(super::Related::of(&f));
                k.severity = k.severity.max(f.severity);
            }
            None => kept.push(f),
        }
    }
    out.extend(kept);
    out
}

fn adopt(g: &mut Finding, entry: &super::catalog::Compiled) {
    if g.pattern == entry.entry.id {
        return;
    }
    let old = std::mem::replace(&mut g.pattern, entry.entry.id.clone());
    if !g.alternatives.contains(&old) {
        g.alternatives.insert(0, old);
    }
    g.title = entry.entry.title.clone();
    g.explanation = entry.entry.why.trim().to_string();
    g.fix = entry.entry.fix.trim().to_string();
    g.snippet = entry.entry.snippet.trim_matches('\n').to_string();
    g.references = entry.entry.references.clone();
    // The severity stays what the goroutines' evidence earned (issue 13):
    // naming the story does not make counts alone proof.
    if !g.decide.starts_with("Decided by the source") {
        g.decide = entry.entry.decide.clone();
    }
}

/// The issue-20 pattern the source decides for a series, if any, with the
/// lines that decided it. `top` is the stack's pattern and `examined` what
/// the general source scan decided; library signatures and the specific
/// decisions of that scan (timers, tickers, contexts, subslices) stand.
pub fn decide(
    index: &SourceIndex,
    s: &Series,
    kind: FindingKind,
    top: &super::catalog::Compiled,
    examined: Option<&'static str>,
) -> Option<(&'static str, Vec<String>)> {
    match kind {
        FindingKind::Goroutine => {
            let site = own_frame(&s.frames)?;
            if let Some(e) = busy_loop(index, &s.frames, site) {
                return Some(("busy-loop", e));
            }
            let waits_forever = matches!(
                s.op,
                BlockingOp::Sleep
                    | BlockingOp::Select
                    | BlockingOp::ChanReceive
                    | BlockingOp::RangeReceive
                    | BlockingOp::Cond
                    | BlockingOp::Other
            );
            // Only a wait that names no cause gives way to the captured data;
            // a pattern the code decided (a range never closed, a missing
            // return) is the story itself.
            let generic_top = generic(&top.entry.id);
            if !waits_forever || !generic_top || examined.is_some_and(|p| !generic(p)) {
                return None;
            }
            captured_by_goroutine(index, s, site).map(|e| ("goroutine-retains-data", e))
        }
        FindingKind::Heap => {
            let generic_top = matches!(
                top.entry.id.as_str(),
                "heap-growth" | "slice-retention" | "heap-map-growth" | "unclosed-file"
            ) || top.entry.signature.priority <= 45
                && matches!(
                    top.entry.id.as_str(),
                    "interface-boxing"
                        | "global-slice-growth"
                        | "defer-in-loop"
                        | "finalizer-cycle"
                );
            let settled = matches!(
                examined,
                Some(
                    "time-after-in-loop"
                        | "ticker-not-stopped"
                        | "slice-retention"
                        | "context-not-cancelled"
                )
            );
            if !generic_top || settled {
                return None;
            }
            let (p, ev) = heap_site(index, &s.frames)?;
            // unclosed-file stands unless the files are deferred in a loop.
            if top.entry.id == "unclosed-file" && p != "defer-in-loop" {
                return None;
            }
            Some((p, ev))
        }
    }
}

/// The go statement that starts a goroutine group captures or passes an
/// allocation made in its function: found by created-by (debug=2), by the
/// closure's parent function, or by a `go name(` call in the site's file.
fn captured_by_goroutine(index: &SourceIndex, s: &Series, site: usize) -> Option<Vec<String>> {
    let (src, line) = if let Some(c) = &s.created_by {
        (index.open(&c.raw_file)?, c.line)
    } else {
        // The goroutine's entry function (the last frame).
        let f = s
            .frames
            .iter()
            .rev()
            .find(|fr| fr.function != "runtime.goexit")
            .filter(|fr| own_frame(std::slice::from_ref(*fr)).is_some())
            .unwrap_or(&s.frames[site]);
        let src = index.open(&f.raw_file)?;
        let span = enclosing_function(&src, f.line)?;
        let line = if closure_parent(&f.function).is_some() {
            (span.start..=f.line).rev().find(|&n| {
                src.line(n)
                    .is_some_and(|l| regex!(r"^\s*go\s+func\b").is_match(&code_part(l)))
            })?
        } else {
            let name = declared_name(&f.function);
            let call = Regex::new(&format!(
                r"^\s*go\s+([\w.()*]+\.)?{}\(",
                regex::escape(&name)
            ))
            .ok()?;
            (1..=src.lines.len() as u32)
                .find(|&n| src.line(n).is_some_and(|l| call.is_match(&code_part(l))))?
        };
        (src, line)
    };
    let span = enclosing_function(&src, line)?;
    let body = code_lines(&src, span.start, span.end);
    let holders = s
        .frames
        .iter()
        .rev()
        .find(|fr| fr.function != "runtime.goexit")
        .filter(|fr| closure_parent(&fr.function).is_none() && is_own(&fr.function))
        .and_then(|entry| channel_holder_params(index, entry))
        .unwrap_or_default();
    retains_at(&src, &body, Some(line), &holders)
}

/// The values whose field is a channel that these lines send on, receive
/// from or range over (`s` in `<-s.closed`, `s.out <- v`).
fn channel_holders(lines: &[(u32, String)]) -> Vec<String> {
    lines
        .iter()
        .flat_map(|(_, l)| {
            regex!(r"(?:<-\s*|range\s+)(\w+)\s*\.\s*\w+|(\w+)\s*\.\s*\w+\s*<-")
                .captures_iter(l)
                .filter_map(|c| c.get(1).or_else(|| c.get(2)))
                .map(|m| m.as_str().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The arguments of a call, split at the commas outside brackets (up to
/// the parenthesis that closes the list).
pub(super) fn split_args(args: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in args.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => {
                out.push(&args[start..i]);
                return out;
            }
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&args[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&args[start..]);
    out
}

/// The positions of the parameters of the named function `entry` (a
/// goroutine's entry function) whose field is a channel the function
/// sends on, receives from or ranges over (`<-req.reply`): the values
/// through which it reaches the channel it waits on.
fn channel_holder_params(index: &SourceIndex, entry: &FrameRef) -> Option<Vec<usize>> {
    let src = index.open(&entry.raw_file)?;
    let span = enclosing_function(&src, entry.line)?;
    if !declared_matches(&src, span, &entry.function) {
        return None;
    }
    let body = code_lines(&src, span.start, span.end);
    let head: String = body
        .iter()
        .take_while(|(_, l)| !l.contains('{'))
        .chain(body.iter().find(|(_, l)| l.contains('{')))
        .map(|(_, l)| l.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    // `func (r *T) name[T any](params)`: the list after the name.
    let c = regex!(r"^\s*func\s*(?:\([^)]*\))?\s*\w+\s*(?:\[[^\]]*\])?\s*\(").find(&head)?;
    let params: Vec<String> = split_args(&head[c.end()..])
        .into_iter()
        .map(|p| p.split_whitespace().next().unwrap_or("").to_string())
        .collect();
    let holders = channel_holders(&body);
    Some(
        params
            .iter()
            .enumerate()
            .filter(|(_, p)| holders.contains(p))
            .map(|(i, _)| i)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file(text: &str) -> SourceFile {
        SourceFile::new(PathBuf::from("/nonexistent/p20/main.go"), text)
    }

    fn body(f: &SourceFile, from: u32) -> Vec<(u32, String)> {
        let span = enclosing_function(f, from).unwrap();
        code_lines(f, span.start, span.end)
    }

    #[test]
    fn arguments_split_at_top_level_commas() {
        assert_eq!(
            split_args("a, f(b, c), []int{1, 2}) + x"),
            vec!["a", " f(b, c)", " []int{1, 2}"]
        );
        assert_eq!(split_args(")"), vec![""]);
    }

    #[test]
    fn an_argument_that_only_holds_the_awaited_channel_is_not_retained_data() {
        let f = file(
            "type req struct {\n\treply chan string\n\tbuf []byte\n}\n\nfunc get(k string) {\n\tr := &req{reply: make(chan string)}\n\tgo await(r)\n}\n",
        );
        let b = body(&f, 6);
        // Parameter 0 holds the channel the goroutine waits on.
        assert!(retains_at(&f, &b, Some(8), &[0]).is_none());
        assert!(retains_at(&f, &b, Some(8), &[]).is_some());
    }

    #[test]
    fn defer_counts_only_in_the_loop_not_behind_a_func_literal() {
        let f = file(
            "func run(ch chan string) {\n\tfor p := range ch {\n\t\tf, _ := os.Open(p)\n\t\tdefer f.Close()\n\t}\n}\n\
             func ok(ch chan string) {\n\tfor p := range ch {\n\t\tfunc() {\n\t\t\tf, _ := os.Open(p)\n\t\t\tdefer f.Close()\n\t\t}()\n\t}\n}\n",
        );
        assert!(defer_in_loop(&f, &body(&f, 1), 3).is_some());
        assert!(defer_in_loop(&f, &body(&f, 7), 10).is_none());
    }

    #[test]
    fn go_statements_that_capture_locals() {
        let f = file(
            "func open() *S {\n\ts := &S{buf: make([]byte, 10)}\n\tgo func() {\n\t\tfor {\n\t\t\ts.ping()\n\t\t}\n\t}()\n\treturn s\n}\n\
             func start(n int) {\n\tch := make(chan int)\n\tgo worker(ch)\n}\n",
        );
        assert!(retains_data(&f, &body(&f, 1)).is_some());
        // A channel is how goroutines talk, not data they keep.
        assert!(retains_at(&f, &body(&f, 10), Some(12), &[]).is_none());
    }

    #[test]
    fn boxing_globals_and_finalizer_cycles() {
        let pkg: Vec<String> = [
            "type Log struct {",
            "\tentries []interface{}",
            "}",
            "var (",
            "\tmu    sync.Mutex",
            "\thooks []*Hook",
            ")",
            "type node struct {",
            "\tnext *node",
            "}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let f = file(
            "func (l *Log) Add(e Event) {\n\tl.entries = append(l.entries, e)\n}\n\
             func (l *Log) AddPtr(e *Event) {\n\tl.entries = append(l.entries, &e)\n}\n\
             func reg(h *Hook) {\n\thooks = append(hooks, h)\n}\n\
             func mk() *node {\n\ta := &node{}\n\ta.next = &node{next: a}\n\truntime.SetFinalizer(a, nil)\n\treturn a\n}\n",
        );
        assert!(interface_boxing(&f, &body(&f, 1), &pkg).is_some());
        assert!(interface_boxing(&f, &body(&f, 4), &pkg).is_none());
        assert!(global_slice(&f, &body(&f, 7), &pkg).is_some());
        assert!(global_slice(&f, &body(&f, 1), &pkg).is_none());
        assert!(finalizer_cycle(&f, &body(&f, 10), &pkg).is_some());
    }

    #[test]
    fn closure_parents() {
        assert_eq!(closure_parent("main.open.func1"), Some("main.open"));
        assert_eq!(
            closure_parent("main.(*S).run.func2.1"),
            Some("main.(*S).run")
        );
        assert_eq!(closure_parent("main.funcky"), None);
    }
}
