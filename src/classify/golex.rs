//! A lexical view of Go source, enough to place a stack frame in its code
//! without a Go toolchain: comments and the contents of string and rune
//! literals are blanked (so a `<-`, a brace or a `func` inside them does not
//! count), top-level declarations are found by brace depth, and function
//! literals are numbered the way cmd/compile names them.
//!
//! cmd/compile (Go 1.19 and 1.22+ alike) names the function literals of a
//! declared function `F` `F.func1`, `F.func2`, … in source order, counting
//! only the literals directly inside `F`; a literal inside `F.funcN` is
//! `F.funcN.1`, `F.funcN.2`, …, and so on down. A `go` or `defer` statement
//! whose call needs a wrapper gets `F.gowrapN` / `F.deferwrapN` (Go 1.22+);
//! those wrappers are hidden from tracebacks, so they rarely show.
//!
//! Everything is bounded by the file: one pass per file for the cleaning and
//! the top-level declarations, one pass per declaration for its literals.

/// The code of each line: comments replaced by spaces, the contents of
/// string and rune literals replaced by spaces (the quotes kept), so columns
/// and line numbers stay those of the file. Block comments and raw strings
/// may span lines.
pub fn clean(lines: &[String]) -> Vec<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum St {
        Code,
        Block,
        Raw,
    }
    let mut st = St::Code;
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let mut o = String::with_capacity(line.len());
        let mut it = line.chars().peekable();
        let mut quote: Option<char> = None;
        while let Some(c) = it.next() {
            match st {
                St::Block => {
                    if c == '*' && it.peek() == Some(&'/') {
                        it.next();
                        o.push_str("  ");
                        st = St::Code;
                    } else {
                        o.push(' ');
                    }
                    continue;
                }
                St::Raw => {
                    if c == '`' {
                        o.push('`');
                        st = St::Code;
                    } else {
                        o.push(' ');
                    }
                    continue;
                }
                St::Code => {}
            }
            if let Some(q) = quote {
                if c == '\\' {
                    o.push(' ');
                    if it.next().is_some() {
                        o.push(' ');
                    }
                } else if c == q {
                    o.push(c);
                    quote = None;
                } else {
                    o.push(' ');
                }
                continue;
            }
            match c {
                '/' if it.peek() == Some(&'/') => break,
                '/' if it.peek() == Some(&'*') => {
                    it.next();
                    o.push_str("  ");
                    st = St::Block;
                }
                '`' => {
                    o.push('`');
                    st = St::Raw;
                }
                '"' | '\'' => {
                    o.push(c);
                    quote = Some(c);
                }
                _ => o.push(c),
            }
        }
        out.push(o);
    }
    out
}

/// A position in a file: 1-based line, byte column in the cleaned line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: u32,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
}

/// Tokens of lines `from..=to` (1-based) of cleaned code, with positions.
/// Newlines are kept as `Punct('\n')` (they end statements and signatures).
fn tokens(clean: &[String], from: u32, to: u32) -> Vec<(Pos, Tok)> {
    let mut out = Vec::new();
    for n in from..=to {
        let Some(l) = clean.get(n as usize - 1) else {
            break;
        };
        let b = l.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_whitespace() {
                i += 1;
            } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
                let s = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80)
                {
                    i += 1;
                }
                out.push((
                    Pos { line: n, col: s },
                    Tok::Ident(String::from_utf8_lossy(&b[s..i]).into_owned()),
                ));
            } else {
                out.push((Pos { line: n, col: i }, Tok::Punct(c as char)));
                i += 1;
            }
        }
        out.push((
            Pos {
                line: n,
                col: b.len(),
            },
            Tok::Punct('\n'),
        ));
    }
    out
}

fn is_punct(t: Option<&(Pos, Tok)>, c: char) -> bool {
    matches!(t, Some((_, Tok::Punct(p))) if *p == c)
}

fn is_ident(t: Option<&(Pos, Tok)>, s: &str) -> bool {
    matches!(t, Some((_, Tok::Ident(i))) if i == s)
}

/// Index just past the bracket that closes the one at `i` (`(`, `[` or `{`),
/// or `toks.len()` when it is never closed.
fn skip_balanced(toks: &[(Pos, Tok)], i: usize) -> usize {
    let (open, close) = match &toks[i].1 {
        Tok::Punct('(') => ('(', ')'),
        Tok::Punct('[') => ('[', ']'),
        _ => ('{', '}'),
    };
    let mut depth = 0i32;
    for (j, (_, t)) in toks.iter().enumerate().skip(i) {
        if let Tok::Punct(c) = t {
            if *c == open {
                depth += 1;
            } else if *c == close {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
        }
    }
    toks.len()
}

/// For a `func` token at `i` followed by a signature: the index of the
/// body's `{` when this is a function literal (or declaration), `None` when
/// it is a function type (`cb func(int) error`, `[]func()`).
fn literal_body(toks: &[(Pos, Tok)], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if !is_punct(toks.get(j), '(') {
        return None;
    }
    j = skip_balanced(toks, j);
    // The result: nothing, a parenthesized list, or one type; the body's
    // brace must follow on the same line (semicolon insertion).
    if is_punct(toks.get(j), '{') {
        return Some(j);
    }
    if is_punct(toks.get(j), '(') {
        j = skip_balanced(toks, j);
        return is_punct(toks.get(j), '{').then_some(j);
    }
    let mut last_was_type_word = false;
    while let Some((_, t)) = toks.get(j) {
        match t {
            Tok::Ident(w) if w == "interface" || w == "struct" => {
                if is_punct(toks.get(j + 1), '{') {
                    j = skip_balanced(toks, j + 1);
                } else {
                    j += 1;
                }
                last_was_type_word = true;
            }
            Tok::Ident(w) if w == "func" => {
                // A function-typed result: `func() func() int { … }`.
                if !is_punct(toks.get(j + 1), '(') {
                    return None;
                }
                j = skip_balanced(toks, j + 1);
                last_was_type_word = true;
                if is_punct(toks.get(j), '(') {
                    j = skip_balanced(toks, j);
                }
            }
            Tok::Ident(_) => {
                j += 1;
                last_was_type_word = true;
            }
            Tok::Punct('[') => {
                // `[]T` and `[N]T` go on to their element type; after
                // `Type[Args]` (a generic instance) the body may follow.
                last_was_type_word = j > 0 && matches!(toks[j - 1].1, Tok::Ident(_));
                j = skip_balanced(toks, j);
            }
            Tok::Punct('.' | '*' | '<' | '-') => {
                j += 1;
                last_was_type_word = false;
            }
            Tok::Punct('{') if last_was_type_word => return Some(j),
            _ => return None,
        }
    }
    None
}

/// A `select` statement: where it is and its cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Select {
    pub at: Pos,
    /// Each `case` clause: its line and the code from `case` to the end of
    /// that line.
    pub cases: Vec<(u32, String)>,
    pub default: bool,
    /// The line of its closing brace.
    pub close: u32,
}

impl Select {
    /// The line that ends the clause of the case on line `case`: the next
    /// case's, or the select's closing brace.
    pub fn clause_end(&self, case: u32) -> u32 {
        self.cases
            .iter()
            .map(|(c, _)| *c)
            .find(|&c| c > case)
            .unwrap_or(self.close)
    }
}

fn clause_text(clean: &[String], p: Pos) -> String {
    clean
        .get(p.line as usize - 1)
        .and_then(|l| l.get(p.col..))
        .unwrap_or("")
        .to_string()
}

/// The `select` whose keyword is at `at`, with its cases (the clause
/// headers at depth one of its braces).
pub fn select_at(clean: &[String], at: Pos, last_line: u32) -> Option<Select> {
    let toks = tokens(clean, at.line, last_line);
    let i = toks.iter().position(|(p, _)| *p == at)?;
    if !is_ident(toks.get(i), "select") {
        return None;
    }
    let open = i
        + 1
        + toks[i + 1..]
            .iter()
            .position(|(_, t)| *t != Tok::Punct('\n'))?;
    if !is_punct(toks.get(open), '{') {
        return None;
    }
    let mut sel = Select {
        at,
        cases: Vec::new(),
        default: false,
        close: last_line,
    };
    let mut depth = 0i32;
    for (p, t) in &toks[open..] {
        match t {
            Tok::Punct('{' | '(' | '[') => depth += 1,
            Tok::Punct('}' | ')' | ']') => {
                depth -= 1;
                if depth == 0 {
                    sel.close = p.line;
                    return Some(sel);
                }
            }
            Tok::Ident(w) if depth == 1 && w == "case" => {
                sel.cases.push((p.line, clause_text(clean, *p)));
            }
            Tok::Ident(w) if depth == 1 && w == "default" => sel.default = true,
            _ => {}
        }
    }
    Some(sel)
}

/// The first `select` keyword on `line` within `[from, to]`.
pub fn select_on_line(clean: &[String], line: u32, from: Pos, to: Pos) -> Option<Pos> {
    tokens(clean, line, line)
        .into_iter()
        .find(|(p, t)| *p > from && *p < to && *t == Tok::Ident("select".into()))
        .map(|(p, _)| p)
}

/// The `select` statement a `case` clause on `line` belongs to, looking at
/// the body `[open, close]` only.
pub fn select_of_case(clean: &[String], line: u32, open: Pos, close: Pos) -> Option<Pos> {
    let toks = tokens(clean, open.line, close.line.min(line));
    // Braces opened, each Some(select keyword) when it is a select's.
    let mut stack: Vec<Option<Pos>> = Vec::new();
    let mut last_select: Option<Pos> = None;
    for (p, t) in toks.iter().filter(|(p, _)| *p > open && *p < close) {
        if p.line == line && *t == Tok::Ident("case".into()) {
            return stack.last().copied().flatten();
        }
        match t {
            Tok::Ident(w) if w == "select" => last_select = Some(*p),
            Tok::Punct('{') => stack.push(last_select.take()),
            Tok::Punct('}') => {
                stack.pop();
            }
            Tok::Punct('\n') => {}
            _ => {}
        }
    }
    None
}

/// Whether the position `at` runs repeatedly inside the body `[open,
/// close]`: inside a `for` block (labels and one-line loops included) or
/// between a label and a later `goto` to it. Returns the loop's line.
pub fn loop_around(clean: &[String], at: Pos, open: Pos, close: Pos) -> Option<u32> {
    let toks = tokens(clean, open.line, close.line);
    let inner: Vec<&(Pos, Tok)> = toks
        .iter()
        .filter(|(p, _)| *p > open && *p < close)
        .collect();
    // Braces: Some(line of the for) for a loop body.
    let mut stack: Vec<Option<u32>> = Vec::new();
    let mut pending_for: Option<u32> = None;
    let mut labels: Vec<(String, u32)> = Vec::new();
    let mut found: Option<u32> = None;
    for (k, (p, t)) in inner.iter().enumerate() {
        if *p >= at && found.is_none() {
            if let Some(l) = stack.iter().rev().find_map(|s| *s) {
                return Some(l);
            }
            found = Some(p.line);
        }
        match t {
            Tok::Ident(w) if w == "for" => pending_for = Some(p.line),
            Tok::Ident(w) if w == "goto" => {
                if let (Some(_), Some((_, Tok::Ident(l)))) = (found, inner.get(k + 1)) {
                    if let Some((_, line)) = labels.iter().find(|(n, _)| n == l) {
                        return Some(*line);
                    }
                }
            }
            Tok::Ident(w)
                if found.is_none()
                    && is_punct(inner.get(k + 1).copied(), ':')
                    && !is_punct(inner.get(k + 2).copied(), '=')
                    && (k == 0
                        || is_punct(inner.get(k - 1).copied(), '\n')
                        || is_punct(inner.get(k - 1).copied(), '{')
                        || is_punct(inner.get(k - 1).copied(), ';')) =>
            {
                labels.push((w.clone(), p.line));
            }
            Tok::Punct('{') => {
                // `range []T{…} {`: a composite literal in the loop header.
                let composite = k >= 2
                    && matches!(inner[k - 1].1, Tok::Ident(_))
                    && is_punct(inner.get(k - 2).copied(), ']');
                if pending_for.is_some() && !composite {
                    stack.push(pending_for.take());
                } else {
                    stack.push(None);
                }
            }
            Tok::Punct('}') => {
                stack.pop();
            }
            _ => {}
        }
    }
    None
}

/// A `for` statement: its header and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loop {
    /// The line of the `for` keyword.
    pub line: u32,
    /// The code between `for` and the body's brace (`ctx.Err() == nil`,
    /// `i := 0; i < n; i++`, `_, v := range xs`; empty for `for {`).
    pub header: String,
    pub open: Pos,
    pub close: Pos,
}

/// The first `for` statement on `line` (whose body ends by `last_line`).
pub fn loop_at(clean: &[String], line: u32, last_line: u32) -> Option<Loop> {
    let toks = tokens(clean, line, last_line);
    let i = toks
        .iter()
        .position(|(p, t)| p.line == line && *t == Tok::Ident("for".into()))?;
    let (open, close) = body_braces(&toks, i + 1)?;
    let (from, to) = (toks[i].0, toks[open].0);
    let header = (from.line..=to.line)
        .filter_map(|n| {
            let l = clean.get(n as usize - 1)?;
            let a = if n == from.line { from.col + 3 } else { 0 };
            let b = if n == to.line { to.col } else { l.len() };
            l.get(a..b)
        })
        .collect::<Vec<_>>()
        .join(" ");
    Some(Loop {
        line,
        header: header.trim().to_string(),
        open: toks[open].0,
        close: toks[close].0,
    })
}

/// The braces of the block of the statement whose keyword (`if`, `for`,
/// `select`, `switch`) is at `at`: the block's `{` and `}`.
pub fn block_at(clean: &[String], at: Pos, last_line: u32) -> Option<(Pos, Pos)> {
    let toks = tokens(clean, at.line, last_line);
    let i = toks.iter().position(|(p, _)| *p == at)?;
    let (open, close) = body_braces(&toks, i + 1)?;
    Some((toks[open].0, toks[close].0))
}

/// From token `j` on (a statement's header): the indices of the first brace
/// at the header's depth that does not open a composite literal (`range
/// []int{1, 2} {`), and of the brace that closes it.
fn body_braces(toks: &[(Pos, Tok)], mut j: usize) -> Option<(usize, usize)> {
    let mut depth = 0i32;
    let open = loop {
        let (_, t) = toks.get(j)?;
        match t {
            Tok::Punct('(' | '[') => depth += 1,
            Tok::Punct(')' | ']') => depth -= 1,
            Tok::Punct('{') if depth == 0 => {
                let composite = j >= 2
                    && matches!(toks[j - 1].1, Tok::Ident(_))
                    && is_punct(toks.get(j - 2), ']');
                if !composite {
                    break j;
                }
                j = skip_balanced(toks, j);
                continue;
            }
            _ => {}
        }
        j += 1;
    };
    // Never closed, it ends at the last line's newline.
    let close = skip_balanced(toks, open) - 1;
    is_punct(toks.get(close), '}').then_some((open, close))
}

/// The lines that start a statement directly in the block `[open, close]`
/// (at depth one of its braces: not inside a nested block).
pub fn block_statements(clean: &[String], open: Pos, close: Pos) -> Vec<u32> {
    let mut depth = 0i32;
    let mut out = Vec::new();
    for n in open.line..=close.line {
        let Some(l) = clean.get(n as usize - 1) else {
            break;
        };
        let b = l.as_bytes();
        let mut started = false;
        for (c, &ch) in b.iter().enumerate() {
            let p = Pos { line: n, col: c };
            if p < open || p > close {
                continue;
            }
            if !ch.is_ascii_whitespace() && !started && ch != b'}' && depth == 1 {
                out.push(n);
                started = true;
            }
            match ch {
                b'{' | b'(' | b'[' => depth += 1,
                b'}' | b')' | b']' => depth -= 1,
                _ => {}
            }
            started |= !ch.is_ascii_whitespace();
        }
    }
    out
}

/// A top-level function or method declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decl {
    /// The declared name (`handle` for `func (s *Server) handle(…)`).
    pub name: String,
    /// The receiver's type name without pointer or type parameters
    /// (`Server`, `Stack`), empty for plain functions.
    pub receiver: String,
    /// The `func` keyword's line and the line of the closing brace.
    pub start: u32,
    pub end: u32,
    /// The body's braces.
    pub open: Pos,
    pub close: Pos,
}

/// The top-level function declarations of a cleaned file, in order: every
/// `func` at brace depth 0 that has a body.
pub fn declarations(clean: &[String]) -> Vec<Decl> {
    let n = clean.len() as u32;
    if n == 0 {
        return Vec::new();
    }
    let toks = tokens(clean, 1, n);
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i].1 {
            Tok::Punct('{' | '(' | '[') => depth += 1,
            Tok::Punct('}' | ')' | ']') => depth -= 1,
            Tok::Ident(w) if w == "func" && depth == 0 => {
                let start = toks[i].0.line;
                let mut j = i + 1;
                let mut receiver = String::new();
                if is_punct(toks.get(j), '(') {
                    let end = skip_balanced(&toks, j);
                    // `(s *Server)`, `(*Server)`, `(s Stack[T])`: the last
                    // identifier before any `[`.
                    let mut k = j + 1;
                    while k < end {
                        match &toks[k].1 {
                            Tok::Ident(w) => receiver = w.clone(),
                            Tok::Punct('[') => break,
                            _ => {}
                        }
                        k += 1;
                    }
                    j = end;
                }
                let Some((_, Tok::Ident(name))) = toks.get(j) else {
                    i += 1;
                    continue;
                };
                let name = name.clone();
                j += 1;
                if is_punct(toks.get(j), '[') {
                    j = skip_balanced(&toks, j);
                }
                // Reuse the literal parser from the parameter list on.
                // `func f()` without a body (assembly) has none.
                let body = literal_body(&toks, j - 1);
                match body {
                    Some(b) => {
                        let close = skip_balanced(&toks, b);
                        let close_pos = toks
                            .get(close.saturating_sub(1))
                            .map(|t| t.0)
                            .unwrap_or(toks[b].0);
                        out.push(Decl {
                            name,
                            receiver,
                            start,
                            end: close_pos.line,
                            open: toks[b].0,
                            close: close_pos,
                        });
                        i = close;
                        continue;
                    }
                    None => {
                        i = j;
                        continue;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// A function literal inside a declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    /// cmd/compile's numbering: `[4]` is `F.func4`, `[4, 1]` is `F.func4.1`.
    pub path: Vec<u32>,
    /// The `func` keyword.
    pub at: Pos,
    /// The body's braces.
    pub open: Pos,
    pub close: Pos,
    /// Started by a `go` statement (`go func(…) { … }(…)`).
    pub go: bool,
}

impl Literal {
    pub fn contains(&self, line: u32) -> bool {
        self.at.line <= line && line <= self.close.line
    }

    /// The name suffix: `func4.1`.
    pub fn suffix(&self) -> String {
        let mut s = format!("func{}", self.path[0]);
        for p in &self.path[1..] {
            s.push_str(&format!(".{p}"));
        }
        s
    }
}

/// The function literals of a declaration, in source order, numbered as
/// cmd/compile numbers them.
pub fn literals(clean: &[String], d: &Decl) -> Vec<Literal> {
    let toks = tokens(clean, d.start, d.end);
    // Start inside the declaration's body.
    let Some(first) = toks.iter().position(|(p, _)| *p == d.open) else {
        return Vec::new();
    };
    let mut out: Vec<Literal> = Vec::new();
    // Open braces: Some(index into out) for a literal's body.
    let mut stack: Vec<Option<usize>> = Vec::new();
    let mut top_count = 0u32;
    let mut child_count: Vec<u32> = Vec::new();
    let mut i = first;
    while i < toks.len() {
        match &toks[i].1 {
            Tok::Punct('{') => stack.push(None),
            Tok::Punct('}') => {
                if let Some(Some(l)) = stack.pop() {
                    out[l].close = toks[i].0;
                }
                if stack.is_empty() {
                    break;
                }
            }
            Tok::Ident(w) if w == "func" => {
                // `[]func(){…}`, `map[K]func(){…}`, `chan func()`: types.
                let typed =
                    i > 0 && (is_punct(toks.get(i - 1), ']') || is_ident(toks.get(i - 1), "chan"));
                if let Some(b) = literal_body(&toks, i).filter(|_| !typed) {
                    let parent = stack.iter().rev().find_map(|s| *s);
                    let path = match parent {
                        Some(p) => {
                            child_count[p] += 1;
                            let mut v = out[p].path.clone();
                            v.push(child_count[p]);
                            v
                        }
                        None => {
                            top_count += 1;
                            vec![top_count]
                        }
                    };
                    let go = i > 0 && is_ident(toks.get(i - 1), "go");
                    out.push(Literal {
                        path,
                        at: toks[i].0,
                        open: toks[b].0,
                        close: toks[b].0,
                        go,
                    });
                    child_count.push(0);
                    stack.push(Some(out.len() - 1));
                    i = b + 1;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The parts of a frame's function name that say where it is declared:
/// `example.com/m/pkg.(*Server[...]).handle.func2.1` → receiver `Server`,
/// name `handle`, closures `[2, 1]`, wrapper `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FuncName {
    pub receiver: String,
    pub name: String,
    /// Literal numbering (`func2.1` → `[2, 1]`).
    pub closures: Vec<u32>,
    /// A `gowrapN` / `deferwrapN` wrapper (its line is the go statement).
    pub wrapper: bool,
    /// A package-level literal (`glob..func1`, `init.func1`): not numbered
    /// per declaration.
    pub package_level: bool,
}

/// Splits a frame's function name (see [`FuncName`]).
pub fn parse_func_name(function: &str) -> FuncName {
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
    let tail = &plain[plain.rfind('/').map(|i| i + 1).unwrap_or(0)..];
    let tail = tail.split_once('.').map(|(_, r)| r).unwrap_or(tail);
    let mut out = FuncName::default();
    let mut rest = tail;
    if let Some(r) = rest.strip_prefix('(') {
        if let Some((recv, after)) = r.split_once(')') {
            out.receiver = recv.trim_start_matches('*').to_string();
            rest = after.strip_prefix('.').unwrap_or(after);
        }
    }
    let mut parts = rest.split('.');
    let name = parts.next().unwrap_or("");
    // Method values (`-fm`) and range-over-func bodies (`-range1`).
    out.name = name.split('-').next().unwrap_or(name).to_string();
    for p in parts {
        let p = p.split('-').next().unwrap_or(p);
        if let Some(n) = p.strip_prefix("func").and_then(|d| d.parse::<u32>().ok()) {
            out.closures.push(n);
        } else if let Ok(n) = p.parse::<u32>() {
            out.closures.push(n);
        } else if p.starts_with("gowrap") || p.starts_with("deferwrap") {
            out.wrapper = true;
        } else if p.is_empty() {
            // `glob..func1`
        } else {
            // An inlined function's name inside a closure name.
            out.name = p.to_string();
            out.closures.clear();
        }
    }
    if out.name == "glob" || (out.name == "init" && !out.closures.is_empty()) {
        out.package_level = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(|l| l.to_string()).collect()
    }

    #[test]
    fn comments_and_strings_are_blanked() {
        let c = clean(&lines(
            "x := \"<-ch {\" // <-done\n/* a\n<-b */ y := `raw\n<-c` + '{'\nz <- 1",
        ));
        assert_eq!(c[0].trim_end(), "x := \"      \"");
        assert!(!c[1].contains('a'));
        assert!(!c[2].contains("<-") && c[2].contains("y :="));
        assert!(!c[3].contains("<-") && c[3].contains("'"));
        assert_eq!(c[4], "z <- 1");
    }

    const SRC: &str = r#"package main

func (s *Server[T]) run(in <-chan int, cb func(int) error) (err error) {
	defer func() { recover() }()
	a := func() int { return 1 }
	go func() { s.out <- a() }()
	for i := 0; i < 3; i++ {
		go func(i int) {
			inner := func() {}
			go func() {
				select {
				case <-in:
				}
			}()
			inner()
		}(i)
	}
	var f func() = nil
	_ = []func(){}
	g := func() interface{} { return nil }
	h := func() func() int { return func() int { return 2 } }
	return nil
}

func lookup(c bool) *Future[Result] {
	return &Future[Result]{}
}

func  plain( x int ) {
x:=func(){ }
go func(){ ch<-x }()
}
"#;

    #[test]
    fn declarations_and_literals_are_numbered_like_cmd_compile() {
        let c = clean(&lines(SRC));
        let d = declarations(&c);
        assert_eq!(d.len(), 3);
        assert_eq!(d[1].name, "lookup", "a generic instance as the result type");
        assert_eq!(
            (d[0].name.as_str(), d[0].receiver.as_str()),
            ("run", "Server")
        );
        assert_eq!((d[0].start, d[0].end), (3, 23));
        assert_eq!(
            (d[2].name.as_str(), d[2].start, d[2].end),
            ("plain", 29, 32)
        );
        let l = literals(&c, &d[0]);
        let names: Vec<(String, u32, bool)> =
            l.iter().map(|l| (l.suffix(), l.at.line, l.go)).collect();
        assert_eq!(
            names,
            vec![
                ("func1".to_string(), 4, false),
                ("func2".to_string(), 5, false),
                ("func3".to_string(), 6, true),
                ("func4".to_string(), 8, true),
                ("func4.1".to_string(), 9, false),
                ("func4.2".to_string(), 10, true),
                ("func5".to_string(), 20, false),
                ("func6".to_string(), 21, false),
                ("func6.1".to_string(), 21, false),
            ]
        );
        assert_eq!(l[3].close.line, 16);
        let l = literals(&c, &d[2]);
        assert_eq!(l.len(), 2);
        assert!(l[1].go && l[1].path == vec![2]);
    }

    #[test]
    fn function_names_are_split() {
        let f = parse_func_name("example.com/m/pkg.(*Server[...]).handle.func2.1");
        assert_eq!(
            (f.receiver.as_str(), f.name.as_str(), f.closures.clone()),
            ("Server", "handle", vec![2, 1])
        );
        let f = parse_func_name("main.main.gowrap2");
        assert!(f.wrapper && f.name == "main");
        assert_eq!(parse_func_name("main.Map[...].func1").closures, vec![1]);
        assert_eq!(parse_func_name("main.(*S).m-fm").name, "m");
        assert!(parse_func_name("main.glob..func1").package_level);
        assert_eq!(parse_func_name("main.worker").name, "worker");
    }
}
