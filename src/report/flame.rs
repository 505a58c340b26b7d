//! Drawing [`FlameGraph`]s (built by [`crate::diff::flame`]) with the
//! `inferno` crate (see README, "Flame graphs").
//!
//! [`FlameGraph::svg`] is inferno's standalone SVG, with its own script for
//! zoom and search. [`FlameGraph::inline_svg`] is the same picture for the
//! HTML report: inferno's script, style, comments and event attributes
//! removed and its ids made unique, so the page's Content-Security-Policy
//! (hashed script and style only) holds; the report's own script zooms.

use crate::diff::flame::FlameGraph;
use regex::Regex;
use std::io::{self, Write};
use std::sync::LazyLock;

/// Drawing: titles and inferno's pictures.
impl FlameGraph {
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
    use crate::model::{ProfileKind, Snapshot};

    fn snap(stacks: &[(&[&str], i64)]) -> Snapshot {
        crate::model::test_snapshot(
            ProfileKind::Goroutine,
            ("goroutine", "count"),
            "/src/app/main.go",
            stacks,
        )
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
