//! leakdiff in CI and the shell: SARIF for code scanning, the `diff` growth
//! gate's exit codes on committed profiles, shell completions and man pages.

use assert_cmd::cargo::cargo_bin_cmd;
use assert_cmd::Command;
use serde_json::Value;

fn leakdiff() -> Command {
    let mut c = cargo_bin_cmd!("leakdiff");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env("NO_COLOR", "1");
    c
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = leakdiff().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const CAPS: &str = "testdata/captures/go1.27";

fn json(args: &[&str]) -> Value {
    let (code, out, err) = run(args);
    assert_eq!(code, Some(0), "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

/// The fields GitHub code scanning requires of an upload, on every result.
fn check_code_scanning_fields(log: &Value) {
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif"));
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "leakdiff");
    let rules: Vec<&str> = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for r in driver["rules"].as_array().unwrap() {
        assert!(!r["shortDescription"]["text"].as_str().unwrap().is_empty());
        assert!(!r["fullDescription"]["text"].as_str().unwrap().is_empty());
        assert!(r["help"]["text"].as_str().unwrap().contains("Fix: "));
    }
    for res in runs[0]["results"].as_array().unwrap() {
        let rule = res["ruleId"].as_str().unwrap();
        assert!(rules.contains(&rule), "{rule} not among {rules:?}");
        assert_eq!(rules[res["ruleIndex"].as_u64().unwrap() as usize], rule);
        assert!(["error", "warning", "note"].contains(&res["level"].as_str().unwrap()));
        assert!(!res["message"]["text"].as_str().unwrap().is_empty());
        let locs = res["locations"].as_array().unwrap();
        assert!(!locs.is_empty(), "{res}");
        let p = &locs[0]["physicalLocation"];
        assert!(!p["artifactLocation"]["uri"].as_str().unwrap().is_empty());
        assert!(p["region"]["startLine"].as_i64().unwrap() >= 1);
        assert!(!res["partialFingerprints"]["leakdiffFindingId/v1"]
            .as_str()
            .unwrap()
            .is_empty());
    }
}

/// Findings of the same analysis as JSON: id → (pattern, severity).
fn findings(args: &[&str]) -> Vec<(String, String, String)> {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    json(&a)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["pattern"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn level_of(severity: &str) -> &'static str {
    match severity {
        "critical" | "high" => "error",
        "medium" => "warning",
        _ => "note",
    }
}

#[test]
fn sarif_has_a_result_per_finding_with_rule_level_and_both_locations() {
    let args = [
        "analyze",
        "--source",
        "testdata/go",
        "testdata/samples/timeout-leak",
    ];
    let mut a = args.to_vec();
    a.extend(["--format", "sarif"]);
    let log = json(&a);
    check_code_scanning_fields(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let want = findings(&args);
    assert_eq!(results.len(), want.len());
    for (r, (id, pattern, severity)) in results.iter().zip(&want) {
        assert_eq!(r["ruleId"], pattern.as_str());
        assert_eq!(r["level"], level_of(severity));
        assert_eq!(
            r["partialFingerprints"]["leakdiffFindingId/v1"],
            id.as_str()
        );
    }
    let r = &results[0];
    assert_eq!(r["ruleId"], "timeout-leak");
    // The blocking line and the go statement, relative to --source.
    let loc = |l: &Value| {
        let p = &l["physicalLocation"];
        (
            p["artifactLocation"]["uri"].as_str().unwrap().to_string(),
            p["artifactLocation"]["uriBaseId"]
                .as_str()
                .unwrap()
                .to_string(),
            p["region"]["startLine"].as_i64().unwrap(),
        )
    };
    assert_eq!(
        loc(&r["locations"][0]),
        ("timeout-leak/main.go".into(), "%SRCROOT%".into(), 41)
    );
    assert_eq!(r["relatedLocations"][0]["id"], 1);
    assert_eq!(
        loc(&r["relatedLocations"][0]),
        ("timeout-leak/main.go".into(), "%SRCROOT%".into(), 40)
    );
    assert!(r["message"]["text"]
        .as_str()
        .unwrap()
        .contains("[go statement](1)"));
    let base = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with("/testdata/go/"),
        "{base}"
    );
    // The rule carries the catalog's words.
    let rule = &log["runs"][0]["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "timeout-leak");
    let (_, cat, _) = run(&["catalog", "timeout-leak", "--format", "json"]);
    let entry = &serde_json::from_str::<Value>(&cat).unwrap()["entries"][0];
    assert_eq!(rule["shortDescription"]["text"], entry["title"]);
    assert_eq!(
        rule["fullDescription"]["text"].as_str().unwrap(),
        entry["why"].as_str().unwrap().trim()
    );
    assert!(rule["help"]["text"]
        .as_str()
        .unwrap()
        .ends_with(entry["fix"].as_str().unwrap().trim()));
}

#[test]
fn sarif_without_source_and_with_heap_findings() {
    // Goroutine and heap findings of several patterns and levels, no --source:
    // locations are the profile's own paths.
    for dir in [
        "testdata/samples/ticket",
        "testdata/captures/go1.27/heap-map-growth",
        "testdata/captures/go1.27/context-not-cancelled",
    ] {
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path().to_string_lossy().into_owned())
            .filter(|p| !p.contains("/captures/") || p.ends_with(".pb.gz"))
            .collect();
        files.sort();
        let mut args = vec!["analyze"];
        args.extend(files.iter().map(String::as_str));
        let mut a = args.clone();
        a.extend(["--format", "sarif"]);
        let log = json(&a);
        check_code_scanning_fields(&log);
        let results = log["runs"][0]["results"].as_array().unwrap();
        let want = findings(&args);
        assert_eq!(results.len(), want.len(), "{dir}");
        assert!(!want.is_empty(), "{dir}");
        for (r, (_, pattern, severity)) in results.iter().zip(&want) {
            assert_eq!(r["ruleId"], pattern.as_str(), "{dir}");
            assert_eq!(r["level"], level_of(severity), "{dir}");
            assert!(r["locations"][0]["physicalLocation"]["artifactLocation"]
                .get("uriBaseId")
                .is_none());
        }
    }
}

#[test]
fn sarif_is_for_analyze_only() {
    for args in [
        vec![
            "show",
            "--format",
            "sarif",
            "testdata/samples/timeout-leak/goroutine-1.debug2.txt",
        ],
        vec!["catalog", "--format", "sarif"],
        vec![
            "diff",
            "--format",
            "sarif",
            "testdata/captures/go1.27/heap-map-growth/heap-1.pb.gz",
            "testdata/captures/go1.27/heap-map-growth/heap-3.pb.gz",
        ],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, Some(2), "{args:?}");
        assert!(out.is_empty());
        assert!(err.contains("invalid value 'sarif'"), "{err}");
    }
}

fn gate(program: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let base = format!("{CAPS}/{program}/heap-1.pb.gz");
    let new = format!("{CAPS}/{program}/heap-3.pb.gz");
    let mut args = vec!["diff", "--fail-on-growth", "25", "--min-delta", "1MiB"];
    args.extend(extra);
    args.extend([base.as_str(), new.as_str()]);
    run(&args)
}

#[test]
fn diff_gate_fails_on_heap_growth_and_passes_the_control() {
    let (code, out, err) = gate("heap-map-growth", &[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        out.contains("Gate --fail-on-growth 25% --min-delta 1.0 MiB: FAILED, 5 grew past it"),
        "{out}"
    );
    assert!(
        out.contains("  total: 4.9 MiB → 15.0 MiB (+10.1 MiB, +208.4%)"),
        "{out}"
    );
    assert!(
        out.contains("  main.recordLogin (main.go:24): 2.1 MiB → 6.3 MiB (+4.1 MiB, +193.0%)"),
        "{out}"
    );
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 6, "{err}");
    assert!(lines.iter().all(|l| l.starts_with("leakdiff: gate: ")));
    assert_eq!(
        lines[5],
        "leakdiff: gate: failed: the total and 4 sites grew past --fail-on-growth 25% --min-delta 1.0 MiB"
    );
    // --top shortens the table, never the gate.
    let (code, out, _) = gate("heap-map-growth", &["--top", "1"]);
    assert_eq!(code, Some(1));
    assert!(out.contains("FAILED, 5 grew past it"), "{out}");

    // The leak-free control: +16.6% at its largest site, +24 KiB elsewhere.
    let (code, out, err) = gate("control-heap-stable", &[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
    assert!(out.contains("passed, nothing grew past it"), "{out}");
    // Without --min-delta the control's small site (+120%, 24 KiB) crosses.
    let (code, _, err) = run(&[
        "diff",
        "--fail-on-growth",
        "25",
        &format!("{CAPS}/control-heap-stable/heap-1.pb.gz"),
        &format!("{CAPS}/control-heap-stable/heap-3.pb.gz"),
    ]);
    assert_eq!(code, Some(1));
    assert!(err.contains("fmt.Sprintf"), "{err}");
}

#[test]
fn diff_gate_in_json_and_markdown() {
    let (code, out, _) = gate("heap-map-growth", &["--format", "json"]);
    assert_eq!(code, Some(1));
    let v: Value = serde_json::from_str(&out).unwrap();
    let g = &v["diff"]["gate"];
    assert_eq!(g["percent"], 25.0);
    assert_eq!(g["min_delta"], 1 << 20);
    assert_eq!(g["failed"], true);
    let c = g["crossings"].as_array().unwrap();
    assert_eq!(c.len(), 5);
    assert!(c[0]["site"].is_null());
    assert_eq!(c[1]["site"]["function"], "main.recordLogin");
    // Every field the schema's diff_gate requires.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let def = &schema["$defs"]["diff_gate"];
    for k in def["required"].as_array().unwrap() {
        assert!(g.get(k.as_str().unwrap()).is_some(), "{k}");
    }
    for k in def["properties"]["crossings"]["items"]["required"]
        .as_array()
        .unwrap()
    {
        assert!(c[1].get(k.as_str().unwrap()).is_some(), "{k}");
    }
    // No gate asked, no gate field.
    let v = json(&[
        "diff",
        "--format",
        "json",
        &format!("{CAPS}/heap-map-growth/heap-1.pb.gz"),
        &format!("{CAPS}/heap-map-growth/heap-3.pb.gz"),
    ]);
    assert!(v["diff"].get("gate").is_none());

    let (code, out, _) = gate("heap-map-growth", &["--format", "markdown"]);
    assert_eq!(code, Some(1));
    assert!(
        out.contains(
            "**Gate** `--fail-on-growth 25% --min-delta 1.0 MiB`: **FAILED**, 5 grew past it"
        ),
        "{out}"
    );
    assert!(
        out.contains("- `main.recordLogin (main.go:24)`: 2.1 MiB → 6.3 MiB (+4.1 MiB, +193.0%)"),
        "{out}"
    );
    let (code, out, _) = gate("heap-map-growth", &["--format", "html"]);
    assert_eq!(code, Some(1));
    assert!(out.contains("FAILED, 5 grew past it</h2>"), "{out}");
}

#[test]
fn diff_gate_usage_errors_exit_2() {
    let b = format!("{CAPS}/heap-map-growth/heap-1.pb.gz");
    let n = format!("{CAPS}/heap-map-growth/heap-3.pb.gz");
    let g1 = format!("{CAPS}/heap-map-growth/goroutine-1.pb.gz");
    let g3 = format!("{CAPS}/heap-map-growth/goroutine-3.pb.gz");
    for (args, msg) in [
        (vec!["diff", "--fail-on-growth", "lots", &b, &n], "not a percentage"),
        (vec!["diff", "--fail-on-growth", "-5", &b, &n], "error"),
        (vec!["diff", "--min-delta", "1MiB", &b, &n], "--fail-on-growth"),
        (
            vec!["diff", "--fail-on-growth", "10", "--min-delta", "1 parsec", &b, &n],
            "unknown unit",
        ),
        (
            vec!["diff", "--fail-on-growth", "10", "--min-delta", "1MiB", &g1, &g3],
            "--min-delta: the compared sample type goroutine is in count, not bytes; give a plain number",
        ),
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
        assert!(err.contains(msg), "{args:?}: {err}");
    }
    // Goroutine counts take plain numbers; objects too.
    let (code, _, err) = run(&[
        "diff",
        "--fail-on-growth",
        "10",
        "--min-delta",
        "5",
        &g1,
        &g3,
    ]);
    assert!(code == Some(0) || code == Some(1), "{err}");
    let (code, _, err) = run(&[
        "diff",
        "--sample-index",
        "inuse_objects",
        "--fail-on-growth",
        "50",
        "--min-delta",
        "10k",
        &b,
        &n,
    ]);
    assert!(code == Some(0) || code == Some(1), "{err}");
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef leakdiff"),
        ("fish", "complete -c leakdiff"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[leakdiff]"),
    ] {
        let (code, out, err) = run(&["completions", shell]);
        assert_eq!(code, Some(0), "{shell}: {err}");
        assert!(out.contains(marker), "{shell}: no {marker:?}");
        // Generated from the clap definitions: the commands and options are
        // there (and, where the shell completes values, the formats).
        for word in [
            "analyze",
            "diff",
            "fail-on-growth",
            "min-delta",
            "completions",
        ] {
            assert!(out.contains(word), "{shell}: no {word}");
        }
        if ["bash", "zsh", "fish"].contains(&shell) {
            assert!(out.contains("sarif"), "{shell}: no sarif");
        }
    }
    let (code, _, err) = run(&["completions", "tcsh"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("invalid value 'tcsh'"), "{err}");
}

#[test]
fn man_page_from_the_clap_definitions() {
    let (code, out, err) = run(&["man"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.starts_with(".ie \\n(.g .ds Aq \\(aq") || out.contains(".TH leakdiff 1"),
        "{out}"
    );
    assert!(out.contains(".TH leakdiff 1"), "{out}");
    for word in ["analyze", "completions", "Exit codes"] {
        assert!(out.contains(word), "no {word}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let (code, _, err) = run(&["man", "--dir", dir]);
    assert_eq!(code, Some(0), "{err}");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "leakdiff-analyze.1",
            "leakdiff-capture.1",
            "leakdiff-catalog.1",
            "leakdiff-completions.1",
            "leakdiff-diff.1",
            "leakdiff-man.1",
            "leakdiff-show.1",
            "leakdiff.1"
        ]
    );
    let diff = std::fs::read_to_string(tmp.path().join("leakdiff-diff.1")).unwrap();
    assert!(diff.contains("fail\\-on\\-growth"), "{diff}");
    let (code, _, err) = run(&["man", "--dir", "/nonexistent/leakdiff-man"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not a directory"), "{err}");
}
