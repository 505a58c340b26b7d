//! Differential flame graphs of the first versus the last snapshot of one
//! profile kind, drawn by the `inferno` crate (see README, "Flame graphs").
//!
//! Stacks are folded root first, frames joined by `;`, weighted by the
//! snapshot's default value (goroutines, or in-use bytes for heap
//! profiles). A differential graph is drawn at the widths of the last
//! snapshot; frames that grew are red, frames that shrank blue.
//!
//! [`FlameGraph::svg`] is inferno's standalone SVG, with its own script for
//! zoom and search. [`FlameGraph::inline_svg`] is the same picture for the
//! HTML report: inferno's script, style, comments and event attributes
//! removed and its ids made unique, so the page's Content-Security-Policy
//! (hashed script and style only) holds; the report's own script zooms.

use crate::model::{ProfileKind, Snapshot};
use crate::normalize::is_runtime_function;
use crate::report::rfc3339;
use regex::Regex;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::LazyLock;

/// One flame graph: the folded stacks of a base and a new snapshot.
#[derive(Debug, Clone, Default)]
pub struct FlameGraph {
    pub kind: Option<ProfileKind>,
    /// Display names of the snapshots compared (equal when only one).
    pub base: String,
    pub new: String,
    /// RFC 3339 times, when recorded.
    pub base_time: Option<String>,
    pub new_time: Option<String>,
    /// The value drawn, e.g. `goroutine`/`count` or `inuse_space`/`bytes`.
    pub sample_type: String,
    pub unit: String,
    /// `false` when the kind had one snapshot: a plain flame graph.
    pub differential: bool,
    /// Folded stack (root first, `;`-joined) → (base value, new value).
    pub stacks: BTreeMap<String, (i64, i64)>,
}

impl FlameGraph {
    /// Compares `base` and `new` (of one kind) on the value at `index` of
    /// `base`'s sample types (matched by name in `new`).
    pub fn compare(base: &Snapshot, new: &Snapshot, index: usize) -> FlameGraph {
        let vt = base.sample_types.get(index);
        let new_index = vt
            .and_then(|v| new.sample_type_index(&v.ty))
            .unwrap_or(index);
        let differential = !std::ptr::eq(base, new);
        let mut stacks: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        if differential {
            for (k, v) in fold(base, index) {
                stacks.entry(k).or_default().0 = v;
            }
        }
        for (k, v) in fold(new, new_index) {
            stacks.entry(k).or_default().1 = v;
        }
        FlameGraph {
            kind: Some(base.kind),
            base: base.name(),
            new: new.name(),
            base_time: base.time_nanos.map(rfc3339),
            new_time: new.time_nanos.map(rfc3339),
            sample_type: vt.map(|v| v.ty.clone()).unwrap_or_default(),
            unit: vt.map(|v| v.unit.clone()).unwrap_or_else(|| "count".into()),
            differential,
            stacks,
        }
    }

    /// Total of the new snapshot (the width drawn).
    pub fn new_total(&self) -> i64 {
        self.stacks
            .values()
            .map(|v| v.1.max(0))
            .fold(0i64, i64::saturating_add)
    }

    /// Total of the base snapshot.
    pub fn base_total(&self) -> i64 {
        self.stacks
            .values()
            .map(|v| v.0.max(0))
            .fold(0i64, i64::saturating_add)
    }

    /// What one unit of width counts: `goroutines`, `bytes`, …
    pub fn count_name(&self) -> String {
        match self.kind {
            Some(k) if k.is_goroutine() => "goroutines".into(),
            _ if self.unit == "count" || self.unit.is_empty() => "samples".into(),
            _ => self.unit.clone(),
        }
    }

    /// `goroutine` or `heap inuse_space`: what the graph shows.
    pub fn subject(&self) -> String {
        let kind = self.kind.map(|k| k.as_str()).unwrap_or("profile");
        if self.kind.is_some_and(|k| k.is_goroutine()) || self.sample_type.is_empty() {
            kind.to_string()
        } else {
            format!("{kind} {}", self.sample_type)
        }
    }

    pub fn title(&self) -> String {
        if self.differential {
            format!("{}: first vs last snapshot", self.subject())
        } else {
            format!("{}: one snapshot", self.subject())
        }
    }

    pub fn subtitle(&self) -> String {
        if self.differential {
            format!(
                "{} → {}; width: last snapshot; red grew, blue shrank",
                self.base, self.new
            )
        } else {
            self.new.clone()
        }
    }

    /// Folded lines: `stack new` or, differential, `stack base new`.
    fn lines(&self) -> Vec<String> {
        self.stacks
            .iter()
            .filter(|(_, v)| v.0 > 0 || v.1 > 0)
            .map(|(k, (b, n))| {
                if self.differential {
                    format!("{k} {} {}", b.max(&0), n.max(&0))
                } else {
                    format!("{k} {}", n.max(&0))
                }
            })
            .collect()
    }

    /// inferno's standalone, interactive SVG (its own script: zoom, search).
    pub fn svg(&self, w: &mut dyn Write) -> io::Result<()> {
        self.render(w, true)
    }

    /// Draws with inferno. The standalone picture names the snapshots in a
    /// subtitle; the HTML report names them beside the graph instead.
    fn render(&self, w: &mut dyn Write, standalone: bool) -> io::Result<()> {
        if self.new_total() <= 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "nothing to draw: {} has no {} in its samples",
                    self.new,
                    self.count_name()
                ),
            ));
        }
        let mut opt = inferno::flamegraph::Options::default();
        opt.title = self.title();
        opt.subtitle = standalone.then(|| self.subtitle());
        opt.count_name = self.count_name();
        opt.hash = true;
        // Keep the start of a name, as the HTML report's zoom does.
        opt.text_truncate_direction = inferno::flamegraph::TextTruncateDirection::Right;
        opt.deterministic = true;
        let lines = self.lines();
        let mut buf = Vec::new();
        inferno::flamegraph::from_lines(&mut opt, lines.iter().map(|s| s.as_str()), &mut buf)?;
        w.write_all(&buf)
    }

    /// The graph as an `<svg class="flame">` element for the HTML report,
    /// without inferno's script, style, comments or event attributes, its
    /// ids prefixed with `prefix`. `None` when there is nothing to draw or
    /// the result would not be inert.
    pub fn inline_svg(&self, prefix: &str) -> Option<String> {
        let mut buf = Vec::new();
        self.render(&mut buf, false).ok()?;
        make_inline(&String::from_utf8(buf).ok()?, prefix)
    }
}

/// Folds one snapshot's samples: root-first function names joined by `;`.
///
/// Goroutine stacks are folded the way they are grouped, so that protobuf,
/// debug=1 and debug=2 captures of one program draw the same graph: runtime
/// frames (which the formats show differently) and `go` statement wrappers
/// are left out, so the leaf is the program's own blocking site. Memory
/// profiles keep every frame.
pub fn fold(snap: &Snapshot, index: usize) -> FxHashMap<String, i64> {
    let goroutines = snap.kind.is_goroutine();
    let mut by_stack: FxHashMap<&[u32], i64> = FxHashMap::default();
    for s in &snap.samples {
        let v = s.values.get(index).copied().unwrap_or(0);
        let slot = by_stack.entry(&s.stack).or_default();
        *slot = slot.saturating_add(v);
    }
    let mut out: FxHashMap<String, i64> = FxHashMap::default();
    for (stack, v) in by_stack {
        let mut names: Vec<&str> = stack
            .iter()
            .rev()
            .map(|&f| snap.table.function(f))
            .filter(|f| !goroutines || !(is_runtime_function(f) || crate::group::is_wrapper(f)))
            .collect();
        if names.is_empty() {
            // A runtime goroutine: keep its entry function.
            names.extend(stack.last().map(|&f| snap.table.function(f)));
        }
        let mut key = names
            .iter()
            .map(|n| frame_name(n))
            .collect::<Vec<_>>()
            .join(";");
        if key.is_empty() {
            key.push_str("(no stack)");
        }
        let slot = out.entry(key).or_default();
        *slot = slot.saturating_add(v);
    }
    out
}

/// A function name fit for a folded line: no `;` (the frame separator), no
/// control characters or line breaks, never empty.
fn frame_name(f: &str) -> String {
    let s: String = f
        .chars()
        .map(|c| match c {
            ';' => ':',
            c if c.is_control() || crate::report::is_terminal_control(c) => '?',
            c => c,
        })
        .collect();
    if s.trim().is_empty() {
        "?".into()
    } else {
        s
    }
}

/// One flame graph per profile kind among `snaps` (goroutine, goroutineleak,
/// heap, allocs, then the others): the first versus the last snapshot of
/// that kind, ordered like `analyze` orders them.
pub fn flame_graphs(snaps: &[Snapshot]) -> Vec<FlameGraph> {
    let mut kinds: Vec<ProfileKind> = snaps.iter().map(|s| s.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .filter_map(|kind| {
            let mut of: Vec<&Snapshot> = snaps.iter().filter(|s| s.kind == kind).collect();
            crate::analyze::order(&mut of);
            let (first, last) = (of.first()?, of.last()?);
            Some(FlameGraph::compare(
                first,
                last,
                crate::group::default_value_index(first),
            ))
        })
        .collect()
}

static XMLNS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\s+xmlns(:[A-Za-z0-9_-]+)?="[^"]*""#).unwrap());
static ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"\bid="([A-Za-z0-9_-]+)""#).unwrap());
static URL_REF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"url\(#([A-Za-z0-9_-]+)\)"#).unwrap());
static SEARCH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"<text id="(search|matched)"[^>]*>[^<]*</text>"#).unwrap());
/// An event-handler, style or href attribute inside a tag.
static UNSAFE_ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"<[A-Za-z][^>]*\s(on[A-Za-z]+|style|href|xlink:href|src)\s*="#).unwrap()
});

/// Removes every `open … close` span (elements, comments).
fn remove_spans(s: &str, open: &str, close: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(open) {
        out.push_str(&rest[..i]);
        match rest[i..].find(close) {
            Some(j) => rest = &rest[i + j + close.len()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// inferno's SVG → an inert `<svg class="flame">` element (see
/// [`FlameGraph::inline_svg`]).
fn make_inline(svg: &str, prefix: &str) -> Option<String> {
    let start = svg.find("<svg")?;
    let s = &svg[start..];
    let s = remove_spans(s, "<!--", "-->");
    let s = remove_spans(&s, "<script", "</script>");
    let s = remove_spans(&s, "<style", "</style>");
    let s = s.replacen(" onload=\"init(evt)\"", "", 1);
    let s = XMLNS.replace_all(&s, "");
    let s = SEARCH.replace_all(&s, "");
    let s = ID.replace_all(&s, |c: &regex::Captures| {
        format!("id=\"{prefix}-{}\"", &c[1])
    });
    let s = URL_REF.replace_all(&s, |c: &regex::Captures| {
        format!("url(#{prefix}-{})", &c[1])
    });
    let s = s.replacen(
        "<svg ",
        &format!("<svg class=\"flame\" data-flame=\"{prefix}\" role=\"img\" "),
        1,
    );
    let lower = s.to_ascii_lowercase();
    if lower.contains("<script")
        || lower.contains("<style")
        || lower.contains("<foreignobject")
        || lower.contains("<!")
        || UNSAFE_ATTR.is_match(&s)
        || !s.contains("-frames\"")
    {
        return None;
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(stacks: &[(&[&str], i64)]) -> Snapshot {
        crate::model::test_snapshot(
            ProfileKind::Goroutine,
            ("goroutine", "count"),
            "/src/app/main.go",
            stacks,
        )
    }

    #[test]
    fn folds_root_first_and_merges_equal_stacks() {
        let s = snap(&[
            (&["runtime.gopark", "main.worker", "main.main"], 2),
            (&["runtime.gopark", "main.worker", "main.main"], 3),
            (&["main.a;b"], 1),
        ]);
        let f = fold(&s, 0);
        assert_eq!(f["main.main;main.worker"], 5, "{f:?}");
        assert_eq!(f["main.a:b"], 1, "; inside a name is not a frame break");
        let mut heap = s.clone();
        heap.kind = ProfileKind::Heap;
        let f = fold(&heap, 0);
        assert_eq!(
            f["main.main;main.worker;runtime.gopark"], 5,
            "heap keeps all"
        );
    }

    #[test]
    fn goroutine_stacks_fold_alike_with_or_without_runtime_frames() {
        let a = snap(&[(
            &[
                "runtime.gopark",
                "runtime.chanrecv",
                "main.worker",
                "main.run.gowrap1",
            ],
            2,
        )]);
        let b = snap(&[(&["main.worker"], 2)]);
        assert_eq!(fold(&a, 0), fold(&b, 0));
        assert_eq!(fold(&a, 0)["main.worker"], 2);
        let bg = snap(&[(&["runtime.gopark", "runtime.gcBgMarkWorker"], 1)]);
        assert_eq!(fold(&bg, 0)["runtime.gcBgMarkWorker"], 1);
    }

    #[test]
    fn differential_graph_is_inert_inline() {
        let a = snap(&[(&["main.leak", "main.main"], 1), (&["main.gone"], 4)]);
        let b = snap(&[
            (&["main.leak", "main.main"], 9),
            (&["<script>alert(1)</script>"], 2),
        ]);
        let g = FlameGraph::compare(&a, &b, 0);
        assert!(g.differential);
        assert_eq!(g.stacks["main.main;main.leak"], (1, 9));
        assert_eq!(g.stacks["main.gone"], (4, 0));
        let mut full = Vec::new();
        g.svg(&mut full).unwrap();
        let full = String::from_utf8(full).unwrap();
        assert!(full.contains("<script"), "standalone keeps its zoom script");
        let inline = g.inline_svg("fg-goroutine").unwrap();
        assert!(inline.starts_with("<svg class=\"flame\""));
        for bad in [
            "<script",
            "<style",
            "onload",
            "xmlns",
            "<!--",
            "id=\"frames\"",
        ] {
            assert!(!inline.contains(bad), "{bad} left in {inline}");
        }
        assert!(inline.contains("id=\"fg-goroutine-frames\""));
        assert!(inline.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!inline.contains("<script>alert"));
    }

    #[test]
    fn nothing_to_draw_is_an_error_not_a_picture() {
        let a = snap(&[(&["main.a"], 3)]);
        let b = snap(&[(&["main.a"], 0)]);
        let g = FlameGraph::compare(&a, &b, 0);
        assert!(g.svg(&mut Vec::new()).is_err());
        assert!(g.inline_svg("x").is_none());
    }
}
