//! The module layering (see the crate docs and README, "Layout"): the
//! library's top-level modules form the pipeline, bottom to top, and no
//! module imports one above it.
//!
//! The check reads every source file under `src/` (without its
//! `#[cfg(test)]` items, comments and string literals), collects the
//! top-level module each `crate::…` and `super::…` path names, and reports
//! every path that climbs, as `file:line`. A synthetic tree with deliberate
//! upward imports proves it can fail.

use regex::Regex;
use std::collections::BTreeSet;
use std::path::Path;

/// The library's top-level modules, bottom to top. A module may use the
/// ones before it, never the ones after it.
const ORDER: &[&str] = &[
    "text", "error", "model", "load", "group", "diff", "classify", "report", "commands", "cli",
    "fuzzing",
];

/// Blanks comments, string and character literals (keeping line breaks, so
/// positions and line numbers still hold).
fn strip(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                blank(&mut out, b[i]);
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
        } else if (c == 'r' || (c == 'b' && next == Some('r')))
            && !prev_is_ident(&b, i)
            && raw_string_start(&b, i + usize::from(c == 'b')).is_some()
        {
            let start = i + usize::from(c == 'b');
            let (hashes, body) = raw_string_start(&b, start).unwrap();
            for &ch in &b[i..body] {
                blank(&mut out, ch);
            }
            i = body;
            while i < b.len() {
                if b[i] == '"' && (0..hashes).all(|k| b.get(i + 1 + k) == Some(&'#')) {
                    for _ in 0..=hashes {
                        out.push(' ');
                    }
                    i += 1 + hashes;
                    break;
                }
                blank(&mut out, b[i]);
                i += 1;
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    blank(&mut out, b[i]);
                    i += 1;
                }
                if i < b.len() {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}'), else a lifetime.
            let end = if next == Some('\\') {
                (i + 2..b.len().min(i + 12)).find(|&j| b[j] == '\'')
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    for &ch in &b[i..=e] {
                        blank(&mut out, ch);
                    }
                    i = e + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev_is_ident(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

/// At `r` of `r"`, `r#"`…: the number of `#` and where the body starts.
fn raw_string_start(b: &[char], i: usize) -> Option<(usize, usize)> {
    if b.get(i) != Some(&'r') {
        return None;
    }
    let mut j = i + 1;
    while b.get(j) == Some(&'#') {
        j += 1;
    }
    (b.get(j) == Some(&'"')).then_some((j - i - 1, j + 1))
}

/// Index of the `}` closing the `{` at `open` (or the end).
fn matching_brace(s: &[u8], open: usize) -> usize {
    let mut depth = 0usize;
    for (j, &c) in s.iter().enumerate().skip(open) {
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    s.len().saturating_sub(1)
}

/// Blanks every `#[cfg(test)]` item (a `mod tests { … }`, a helper fn, a
/// `use`): test code may reach anywhere.
fn strip_test_items(s: &str) -> String {
    static CFG_TEST: &str = r"#\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]";
    let re = Regex::new(CFG_TEST).unwrap();
    let mut bytes = s.as_bytes().to_vec();
    let mut from = 0;
    while let Some(m) = re.find_at(std::str::from_utf8(&bytes).unwrap(), from) {
        let start = m.start();
        let rest = &bytes[m.end()..];
        let brace = rest.iter().position(|&c| c == b'{');
        let semi = rest.iter().position(|&c| c == b';');
        let end = match (brace, semi) {
            (Some(b), Some(sc)) if sc < b => m.end() + sc,
            (Some(b), _) => matching_brace(&bytes, m.end() + b),
            (None, Some(sc)) => m.end() + sc,
            (None, None) => bytes.len() - 1,
        };
        for c in &mut bytes[start..=end] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
        from = end + 1;
    }
    String::from_utf8(bytes).unwrap()
}

/// The module path of a file under `src/`: `load/debug2/blocks.rs` →
/// `["load", "debug2", "blocks"]`, `load/mod.rs` → `["load"]`.
fn module_path(rel: &str) -> Vec<String> {
    let rel = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// One use of a top-level module: the file (relative to `src/`), its line,
/// the module the file belongs to and the module it names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Edge {
    file: String,
    line: usize,
    from: String,
    to: String,
}

/// The top-level modules each path in a file names. `rel` is the file's
/// path under `src/`.
fn edges(rel: &str, src: &str) -> Vec<Edge> {
    let file_mod = module_path(rel);
    let Some(from) = file_mod.first().cloned() else {
        return Vec::new(); // lib.rs, main.rs
    };
    let code = strip_test_items(&strip(src));
    let bytes = code.as_bytes();
    // Inline modules (`mod pb { … }`): where each starts and ends.
    let inline_re = Regex::new(r"\bmod\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{").unwrap();
    let inline: Vec<(usize, usize)> = inline_re
        .find_iter(&code)
        .map(|m| (m.start(), matching_brace(bytes, m.end() - 1)))
        .collect();
    let line_of = |pos: usize| code[..pos].matches('\n').count() + 1;
    let mut out = Vec::new();
    let mut push = |pos: usize, to: &str| {
        out.push(Edge {
            file: rel.to_string(),
            line: line_of(pos),
            from: from.clone(),
            to: to.to_string(),
        })
    };
    let path_re = Regex::new(
        r"(^|[^A-Za-z0-9_$])(crate|(?:super\s*::\s*)+)\s*(::\s*)?([A-Za-z_][A-Za-z0-9_]*|\{)",
    )
    .unwrap();
    for c in path_re.captures_iter(&code) {
        let head = c.get(2).unwrap();
        let pos = head.start();
        let target = c.get(4).unwrap();
        if head.as_str() == "crate" {
            if c.get(3).is_none() {
                continue; // `extern crate x`
            }
        } else {
            let supers = head.as_str().matches("super").count();
            let depth =
                file_mod.len() + inline.iter().filter(|(s, e)| *s < pos && pos < *e).count();
            if supers < depth {
                // Still inside the file's own top-level module.
                continue;
            }
        }
        if target.as_str() == "{" {
            // `crate::{a::b, c}`: the first name of each path in the group.
            let close = matching_brace(bytes, target.start());
            let group = &code[target.start() + 1..close];
            let mut depth = 0;
            let mut item_start = true;
            for (k, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && depth == 0 && (c.is_alphabetic() || c == '_') => {
                        let name: String = group[k..]
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        if name != "self" {
                            push(target.start() + 1 + k, &name);
                        }
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            push(target.start(), target.as_str());
        }
    }
    out
}

/// Every use that climbs the order (or names a module the order does not
/// list), as `file:line: message`.
fn violations(files: &[(String, String)], order: &[&str]) -> Vec<String> {
    let rank = |m: &str| order.iter().position(|o| *o == m);
    let mut out = Vec::new();
    for (rel, src) in files {
        for e in edges(rel, src) {
            if e.from == e.to {
                continue;
            }
            let msg = match (rank(&e.from), rank(&e.to)) {
                (None, _) => format!("module {} is not in the declared order", e.from),
                (_, None) => format!(
                    "{} uses {}, which is not in the declared order",
                    e.from, e.to
                ),
                (Some(a), Some(b)) if b > a => format!(
                    "{} uses {}, which is above it (order, bottom to top: {})",
                    e.from,
                    e.to,
                    order.join(" → ")
                ),
                _ => continue,
            };
            out.push(format!("src/{}:{}: {msg}", e.file, e.line));
        }
    }
    out
}

/// Every `.rs` file under `dir`, as (path relative to `dir`, text).
fn read_tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn src_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_module_imports_one_above_it() {
    let files = read_tree(&src_dir());
    assert!(files.len() > 20, "read {} files", files.len());
    let v = violations(&files, ORDER);
    assert!(v.is_empty(), "upward imports:\n{}", v.join("\n"));
}

#[test]
fn the_check_sees_the_library_uses() {
    // Not vacuous: the real tree has uses at every level the check reads.
    let files = read_tree(&src_dir());
    let all: Vec<Edge> = files.iter().flat_map(|(r, s)| edges(r, s)).collect();
    for (from, to) in [
        ("load", "model"),
        ("load", "text"),
        ("report", "classify"),
        ("diff", "group"),
        ("commands", "report"),
        ("cli", "commands"),
    ] {
        assert!(
            all.iter().any(|e| e.from == from && e.to == to),
            "no use of {to} seen from {from}"
        );
    }
}

#[test]
fn every_module_is_in_the_order_and_the_order_is_documented() {
    let lib = std::fs::read_to_string(src_dir().join("lib.rs")).unwrap();
    let decl = Regex::new(r"(?m)^\s*(?:pub\s+)?mod\s+([a-z_0-9]+)\s*;").unwrap();
    let declared: BTreeSet<&str> = decl
        .captures_iter(&lib)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    let ordered: BTreeSet<&str> = ORDER.iter().copied().collect();
    assert_eq!(declared, ordered, "src/lib.rs modules vs ORDER");
    let documented = ORDER
        .iter()
        .map(|m| format!("[`{m}`]"))
        .collect::<Vec<_>>()
        .join(" → ");
    let flat: String = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains(&documented),
        "src/lib.rs docs should state the order as:\n{documented}"
    );
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let plain = ORDER
        .iter()
        .map(|m| format!("`{m}`"))
        .collect::<Vec<_>>()
        .join(" → ");
    assert!(
        readme
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains(&plain),
        "README's Layout section should state the order as:\n{plain}"
    );
}

#[test]
fn main_only_calls_the_cli() {
    let main = strip(&std::fs::read_to_string(src_dir().join("main.rs")).unwrap());
    let re = Regex::new(r"\bleakdiff::([a-z_]+)").unwrap();
    for c in re.captures_iter(&main) {
        assert_eq!(&c[1], "cli", "src/main.rs uses leakdiff::{}", &c[1]);
    }
}

/// A small tree with deliberate upward imports, in each form the check
/// reads; and the forms it must ignore.
#[test]
fn the_check_fails_on_an_upward_import() {
    let order = &["text", "model", "load", "report"];
    let files: Vec<(String, String)> = [
        ("lib.rs", "pub mod text;\npub mod model;\npub mod load;\npub mod report;\n"),
        ("text.rs", "pub fn t() {}\n"),
        (
            "model/mod.rs",
            "pub mod normalize;\nuse crate::text::t;\n// use crate::report::x;\nconst S: &str = \"crate::report::x\";\nconst R: &str = r#\"crate::load::y\"#;\n",
        ),
        (
            "model/normalize.rs",
            "use super::Frame;\nfn f<'a>(x: &'a str) -> char { let c = '{'; c }\npub(crate) fn g() { super::super::load::read(); }\n",
        ),
        (
            "load/mod.rs",
            "pub mod debug2;\nuse crate::model::Snapshot;\nuse crate::{text, report::sanitize};\n\n#[cfg(test)]\nmod tests {\n    use crate::report::x;\n}\n",
        ),
        (
            "load/debug2/mod.rs",
            "mod inner {\n    use super::super::Options;\n    fn f() { crate::report::esc(\"\"); }\n}\n",
        ),
        ("report/mod.rs", "use crate::load;\nuse crate::text;\nuse crate::model::Frame;\n"),
    ]
    .iter()
    .map(|(p, s)| (p.to_string(), s.to_string()))
    .collect();
    let mut v = violations(&files, order);
    v.sort();
    assert_eq!(
        v,
        [
            "src/load/debug2/mod.rs:3: load uses report, which is above it (order, bottom to top: text → model → load → report)",
            "src/load/mod.rs:3: load uses report, which is above it (order, bottom to top: text → model → load → report)",
            "src/model/normalize.rs:3: model uses load, which is above it (order, bottom to top: text → model → load → report)",
        ],
        "{v:#?}"
    );
    // An unknown module is reported too.
    let v = violations(
        &[("flame.rs".to_string(), "use crate::text::x;\n".to_string())],
        order,
    );
    assert_eq!(
        v,
        ["src/flame.rs:1: module flame is not in the declared order"]
    );
}
