//! `--format html` and `--flamegraph` from the command line: the page is
//! produced, loads nothing from outside, passes its own CSP, escapes crafted
//! names, and the flame graph file is a well-formed SVG.

mod common;

use assert_cmd::cargo::cargo_bin_cmd;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn capture(program: &str, file: &str) -> String {
    root()
        .join("testdata/captures/go1.27")
        .join(program)
        .join(file)
        .to_string_lossy()
        .into_owned()
}

fn http_body_inputs() -> Vec<String> {
    let mut v = Vec::new();
    for k in ["goroutine", "heap"] {
        for i in 1..=3 {
            v.push(capture("http-body-not-closed", &format!("{k}-{i}.pb.gz")));
        }
    }
    v
}

fn finding_ids(args: &[String]) -> Vec<String> {
    let out = cargo_bin_cmd!("leakdiff")
        .arg("analyze")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

fn assert_self_contained(html: &str) {
    let ext = common::external_references(html);
    assert!(ext.is_empty(), "external references: {ext:?}");
    let csp = common::csp_problems(html);
    assert!(csp.is_empty(), "CSP problems: {csp:?}");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
}

fn svg_doc_check(path: &Path, title_part: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let opt = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(&text, opt)
        .unwrap_or_else(|e| panic!("{} is not well-formed XML: {e}", path.display()));
    let svg = doc.root_element();
    assert_eq!(svg.tag_name().name(), "svg");
    assert_eq!(
        svg.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let frames = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attributes().any(|a| a.name() == "w"))
        .count();
    assert!(frames >= 3, "only {frames} frames in {}", path.display());
    let title = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("title"))
        .and_then(|n| n.text())
        .unwrap_or_default();
    assert!(
        title.contains(title_part),
        "title {title:?} lacks {title_part:?}"
    );
}

#[test]
fn analyze_html_has_every_finding_chart_and_flame_graph() {
    let dir = tempfile::tempdir().unwrap();
    let html_path = dir.path().join("report.html");
    let svg_path = dir.path().join("flame.svg");
    let mut args = http_body_inputs();
    args.extend([
        "--source".into(),
        root().join("testdata/go").display().to_string(),
    ]);
    let ids = finding_ids(&args);
    assert!(ids.len() >= 2, "{ids:?}");
    cargo_bin_cmd!("leakdiff")
        .arg("analyze")
        .args(&args)
        .args(["--format", "html", "-o"])
        .arg(&html_path)
        .arg("--flamegraph")
        .arg(&svg_path)
        .assert()
        .success();
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert_self_contained(&html);
    for id in &ids {
        let start = html
            .find(&format!("id=\"finding-{id}\""))
            .unwrap_or_else(|| panic!("no section for finding {id}"));
        let section = &html[start..start + html[start..].find("</section>").unwrap()];
        assert!(section.contains("<svg class=\"chart"), "{id}: no chart");
        assert_eq!(
            section[section.find("<svg class=\"chart").unwrap()..]
                .split("</svg>")
                .next()
                .unwrap()
                .matches("<circle")
                .count(),
            3,
            "{id}: one point per snapshot"
        );
        assert!(section.contains("class=\"leak\""), "{id}: leaking frame");
        assert!(section.contains("Why it leaks") && section.contains("Fix"));
    }
    // Snapshot times on the chart axis.
    assert!(html.contains("snapshot time (UTC)"));
    // Both flame graphs, inline and inert.
    for kind in ["goroutine", "heap"] {
        assert!(
            html.contains(&format!("data-flame-kind=\"{kind}\"")),
            "no {kind} flame graph"
        );
    }
    assert_eq!(html.matches("<svg class=\"flame\"").count(), 2);
    // --flamegraph defaults to the goroutine graph.
    svg_doc_check(&svg_path, "goroutine: first vs last snapshot");
}

#[test]
fn json_contract_is_unchanged_by_the_html_fields() {
    let out = cargo_bin_cmd!("leakdiff")
        .arg("analyze")
        .args(http_body_inputs())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert!(!keys.contains(&"flames"), "{keys:?}");
    let snap = v["snapshots"][0].as_object().unwrap();
    assert!(!snap.contains_key("time_nanos"));
    assert!(snap.contains_key("time"));
}

/// A debug=2 dump whose function names, file paths and labels are crafted
/// to break out of HTML.
fn crafted_dumps(dir: &Path) -> Vec<String> {
    (1..=3)
        .map(|i| {
            let mut s = String::from("goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1\n\n");
            for g in 0..(2 * i) {
                s.push_str(&format!(
                    "goroutine {} [chan send, {i} minutes] {{handler: \"<img src=x onerror=alert(3)>\"}}:\n\
                     main.evil<script>alert(1)</script>.func1()\n\
                     \t/src/\"><img src=x onerror=alert(2)>/main.go:41 +0x71\n\
                     created by main.spawn<iframe srcdoc=x> in goroutine 1\n\
                     \t/src/app/main.go:40 +0xd4\n\n",
                    g + 10
                ));
            }
            let p = dir.join(format!("dump-{i}.txt"));
            std::fs::write(&p, s).unwrap();
            p.to_string_lossy().into_owned()
        })
        .collect()
}

fn assert_inert(html: &str) {
    // Escaped forms (&lt;…) are fine; the raw markup must not appear.
    let lower = html.to_ascii_lowercase();
    for raw in ["<script>alert", "<img src=x", "<iframe srcdoc"] {
        assert!(!lower.contains(raw), "raw {raw:?} in the page");
    }
    let event_attr = regex::Regex::new(r"<[a-z][^>]*\sonerror\s*=").unwrap();
    assert!(!event_attr.is_match(&lower), "event attribute in a tag");
}

#[test]
fn html_escapes_crafted_names_paths_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let dumps = crafted_dumps(dir.path());
    let out = cargo_bin_cmd!("leakdiff")
        .arg("analyze")
        .args(&dumps)
        .args(["--format", "html"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).unwrap();
    assert_self_contained(&html);
    assert_inert(&html);
    assert!(
        html.contains("main.evil&lt;script&gt;alert"),
        "the crafted name is shown, escaped"
    );
    assert!(html.contains("&lt;img src=x onerror=alert(3)&gt;"), "label");
    assert!(
        html.contains("main.spawn&lt;iframe srcdoc=x&gt;"),
        "created by"
    );
    assert!(
        html.contains("<section class=\"finding"),
        "the crafted group is a finding"
    );

    let out = cargo_bin_cmd!("leakdiff")
        .arg("show")
        .args(&dumps)
        .args(["--format", "html"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).unwrap();
    assert_self_contained(&html);
    assert_inert(&html);
    assert!(html.contains("main.evil&lt;script&gt;alert"));
}

#[test]
fn show_and_diff_pages_and_their_flame_graphs() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("show.svg");
    let out = cargo_bin_cmd!("leakdiff")
        .arg("show")
        .arg(capture("labels", "goroutine-1.debug2.txt"))
        .arg(capture("labels", "goroutine-3.debug2.txt"))
        .args(["--format", "html", "--flamegraph"])
        .arg(&svg)
        .output()
        .unwrap();
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).unwrap();
    assert_self_contained(&html);
    assert_eq!(html.matches("<section class=\"snapshot\"").count(), 2);
    assert!(html.contains("<span class=\"tag\"><b>handler</b>=/api</span>"));
    svg_doc_check(&svg, "goroutine");

    let svg = dir.path().join("diff.svg");
    let page = dir.path().join("diff.html");
    cargo_bin_cmd!("leakdiff")
        .arg("diff")
        .arg(capture("http-body-not-closed", "heap-1.pb.gz"))
        .arg(capture("http-body-not-closed", "heap-3.pb.gz"))
        .args(["--format", "html", "-o"])
        .arg(&page)
        .arg("--flamegraph")
        .arg(&svg)
        .assert()
        .success();
    let html = std::fs::read_to_string(&page).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("<table class=\"diffrows\">"));
    assert!(html.contains("<svg class=\"flame\""));
    svg_doc_check(&svg, "heap inuse_space: first vs last snapshot");
}

#[test]
fn flamegraph_profile_picks_the_kind_or_says_it_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("heap.svg");
    cargo_bin_cmd!("leakdiff")
        .arg("analyze")
        .args(http_body_inputs())
        .arg("--flamegraph")
        .arg(&svg)
        .args(["--flamegraph-profile", "heap"])
        .assert()
        .success();
    svg_doc_check(&svg, "heap inuse_space");
    // Table output is unchanged by --flamegraph (sparklines stay).
    let out = cargo_bin_cmd!("leakdiff")
        .arg("analyze")
        .args(http_body_inputs())
        .args(["--color", "never"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("▃▆█ 10 → 20 → 30"));

    let missing = dir.path().join("none.svg");
    cargo_bin_cmd!("leakdiff")
        .arg("analyze")
        .arg(capture("timeout-leak", "goroutine-1.pb.gz"))
        .arg(capture("timeout-leak", "goroutine-2.pb.gz"))
        .arg("--flamegraph")
        .arg(&missing)
        .args(["--flamegraph-profile", "heap"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no heap snapshot"));
    assert!(!missing.exists());
}

#[test]
fn catalog_html_is_self_contained() {
    let out = cargo_bin_cmd!("leakdiff")
        .args(["catalog", "--format", "html"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("id=\"entry-timeout-leak\""));
}
