//! The command line as users and scripts see it: output pinned by snapshot
//! tests (tests/snapshots/), exit codes, errors, stdin, -o, NO_COLOR.

use assert_cmd::cargo::cargo_bin_cmd;
use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn leakdiff() -> Command {
    let mut c = cargo_bin_cmd!("leakdiff");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("NO_COLOR");
    c
}

fn stdout(args: &[&str]) -> String {
    let out = leakdiff().args(args).output().unwrap();
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const TICKET: &str = "testdata/samples/ticket";
const TIMEOUT: &str = "testdata/samples/timeout-leak";

#[test]
fn analyze_table() {
    insta::assert_snapshot!(stdout(&["analyze", TICKET]));
}

#[test]
fn analyze_markdown_with_source() {
    insta::assert_snapshot!(stdout(&[
        "analyze",
        "--format",
        "markdown",
        "--source",
        "testdata/go",
        TIMEOUT
    ]));
}

#[test]
fn analyze_markdown_ticket() {
    insta::assert_snapshot!(stdout(&["analyze", "--format", "markdown", TICKET]));
}

#[test]
fn analyze_json() {
    let out = stdout(&[
        "analyze",
        "--format",
        "json",
        "--source",
        "testdata/go",
        TIMEOUT,
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    insta::assert_json_snapshot!(v);
}

/// Every field the schema marks required is present, recursively for
/// snapshots, findings and frames.
#[test]
fn json_output_follows_the_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("schema/report.schema.json").unwrap())
            .unwrap();
    let out = stdout(&["analyze", "--format", "json", TICKET]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let required = |def: &serde_json::Value| -> Vec<String> {
        def["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    for key in required(&schema) {
        assert!(report.get(&key).is_some(), "top-level {key} missing");
    }
    assert_eq!(report["schema_version"], 1);
    let defs = &schema["$defs"];
    for s in report["snapshots"].as_array().unwrap() {
        for key in required(&defs["snapshot"]) {
            assert!(s.get(&key).is_some(), "snapshot {key} missing");
        }
    }
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    let severities = ["critical", "high", "medium", "low", "info"];
    for f in findings {
        for key in required(&defs["finding"]) {
            assert!(f.get(&key).is_some(), "finding {key} missing");
        }
        assert!(severities.contains(&f["severity"].as_str().unwrap()));
        let c = f["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&c));
        for fr in f["frames"].as_array().unwrap() {
            for key in required(&defs["frame"]) {
                assert!(fr.get(&key).is_some(), "frame {key} missing");
            }
            assert_ne!(fr["function"], "runtime.goexit");
        }
        let kinds = f["counts"].as_array().unwrap().len();
        assert!(kinds >= 2);
    }
}

#[test]
fn show_table_and_json() {
    let file = "testdata/captures/go1.27/select-no-cases/goroutine-1.debug2.txt";
    insta::assert_snapshot!(stdout(&["show", file]));
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&["show", "--format", "json", file])).unwrap();
    let groups = v["snapshots"][0]["groups"].as_array().unwrap();
    assert_eq!(groups[0]["value"], 10);
    assert_eq!(groups[0]["wait"], "select no cases");
}

#[test]
fn show_markdown_by_creator() {
    let file = "testdata/captures/go1.27/ncast/goroutine-1.debug2.txt";
    insta::assert_snapshot!(stdout(&[
        "show", "--format", "markdown", "--by", "creator", file
    ]));
}

#[test]
fn catalog_lists_and_explains() {
    let list = stdout(&["catalog"]);
    for id in [
        "timeout-leak",
        "ncast",
        "heap-map-growth",
        "http-body-not-closed",
    ] {
        assert!(list.contains(id), "{id} missing from the catalog list");
    }
    insta::assert_snapshot!(stdout(&["catalog", "timeout-leak"]));
    leakdiff()
        .args(["catalog", "no-such-pattern"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no catalog entry \"no-such-pattern\"",
        ));
}

#[test]
fn diff_two_heap_profiles() {
    insta::assert_snapshot!(stdout(&[
        "diff",
        "--top",
        "8",
        "testdata/captures/go1.27/heap-map-growth/heap-1.pb.gz",
        "testdata/captures/go1.27/heap-map-growth/heap-3.pb.gz"
    ]));
    // Different builds of the same code: Go 1.19 against Go 1.27 still match
    // by function and line.
    let out = stdout(&[
        "diff",
        "--format",
        "json",
        "testdata/captures/go1.19/heap-map-growth/heap-3.pb.gz",
        "testdata/captures/go1.27/heap-map-growth/heap-3.pb.gz",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v["diff"]["rows"].as_array().unwrap();
    assert!(rows
        .iter()
        .any(|r| r["site"]["function"] == "main.recordLogin" && r["base"].as_i64().unwrap() > 0));
    leakdiff()
        .args([
            "diff",
            "testdata/captures/go1.27/heap-map-growth/heap-1.pb.gz",
            "testdata/captures/go1.27/timeout-leak/goroutine-1.pb.gz",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot diff a heap profile"));
}

/// A goroutineleak profile at debug=2 is a whole goroutine dump: it diffs
/// against a goroutine dump; its protobuf form (leaked goroutines only)
/// does not.
#[test]
fn diff_a_debug2_leak_profile_against_a_goroutine_dump() {
    let dir = "testdata/captures/go1.27/goroutineleak-profile";
    let out = stdout(&[
        "diff",
        "--format",
        "json",
        &format!("{dir}/goroutine-2.debug2.txt"),
        &format!("{dir}/goroutineleak-3.debug2.txt"),
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v["diff"]["rows"].as_array().unwrap();
    assert!(rows
        .iter()
        .any(|r| r["site"]["function"] == "main.fetchWithTimeout.func1" && r["delta"] == 8));
    leakdiff()
        .args([
            "diff",
            &format!("{dir}/goroutine-2.debug2.txt"),
            &format!("{dir}/goroutineleak-3.pb.gz"),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot diff a goroutine profile"));
}

#[test]
fn fail_on_gates_scripts() {
    leakdiff()
        .args(["analyze", "--fail-on", "medium", TICKET])
        .assert()
        .code(1);
    // Its survivors, three snapshots seconds apart, are not enough for
    // high: a pool that grows with the load looks the same.
    leakdiff()
        .args(["analyze", "--fail-on", "high", TICKET])
        .assert()
        .code(0);
    leakdiff()
        .args(["analyze", "--fail-on", "critical", TIMEOUT])
        .assert()
        .code(0);
    let control = "testdata/captures/go1.27/control-worker-pool";
    leakdiff()
        .args(["analyze", "--fail-on", "low", control])
        .assert()
        .code(0);
    leakdiff().args(["analyze", TICKET]).assert().code(0);
}

#[test]
fn ignore_drops_groups() {
    let out = stdout(&[
        "analyze",
        "--format",
        "json",
        "--ignore",
        "persistConn",
        "--ignore",
        r"\(\*conn\)\.serve",
        TICKET,
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let goroutine = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "goroutine")
        .count();
    assert_eq!(goroutine, 0, "{out}");
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ignore");
    std::fs::write(&f, "# known\nfetchWithTimeout\n").unwrap();
    let out = stdout(&[
        "analyze",
        "--format",
        "json",
        "--ignore-file",
        f.to_str().unwrap(),
        TIMEOUT,
    ]);
    assert!(out.contains("\"findings\": []"), "{out}");
    leakdiff()
        .args(["analyze", "--ignore", "(unclosed", TIMEOUT])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad regex"));
}

#[test]
fn custom_catalog_overrides_an_entry() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("mine.toml");
    let text = std::fs::read_to_string("catalog/http-body-not-closed.toml")
        .unwrap()
        .replace("title = \"", "title = \"OURS: ");
    std::fs::write(&f, text).unwrap();
    leakdiff()
        .args(["analyze", "--catalog", f.to_str().unwrap(), TICKET])
        .assert()
        .code(0);
    let out = stdout(&[
        "analyze",
        "--format",
        "markdown",
        "--catalog",
        f.to_str().unwrap(),
        TICKET,
    ]);
    assert!(out.contains("OURS: "));
    std::fs::write(&f, "id = \"x\"\n").unwrap();
    leakdiff()
        .args(["analyze", "--catalog", f.to_str().unwrap(), TICKET])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("mine.toml"));
}

#[test]
fn stdin_and_output_file() {
    let file = "testdata/samples/timeout-leak/goroutine-3.debug2.txt";
    let data = std::fs::read(file).unwrap();
    let out = leakdiff()
        .args(["show", "--format", "json", "-"])
        .write_stdin(data)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["snapshots"][0]["path"], "-");
    assert_eq!(v["snapshots"][0]["goroutines"], 31);

    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.md");
    leakdiff()
        .args([
            "analyze",
            "--format",
            "markdown",
            "-o",
            report.to_str().unwrap(),
            TIMEOUT,
        ])
        .assert()
        .code(0)
        .stdout("");
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.starts_with("# leakdiff report"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary file is left: {leftovers:?}"
    );
}

#[test]
fn color_only_when_asked_or_on_a_terminal() {
    let out = stdout(&["analyze", TICKET]);
    assert!(!out.contains('\x1b'), "not a terminal: no color");
    let out = stdout(&["analyze", "--color", "always", TICKET]);
    assert!(out.contains("\x1b["), "--color always colors");
    let out = leakdiff()
        .env("NO_COLOR", "1")
        .args(["analyze", TICKET])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\x1b'));
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, [0xffu8, 0x00, 0x13, 0x37, 0x00, 0x99, 0x88]).unwrap();
    let prose = dir.path().join("notes.txt");
    std::fs::write(&prose, "hello\nthis is not a dump\n").unwrap();
    let cases: Vec<(String, &str)> = vec![
        (empty.display().to_string(), "empty file"),
        (junk.display().to_string(), "not a Go profile"),
        (prose.display().to_string(), "no goroutine dump found"),
        (
            dir.path().join("missing.pb.gz").display().to_string(),
            "no such file",
        ),
        (dir.path().display().to_string(), "is a directory"),
        (
            "http://127.0.0.1:9/debug/pprof/goroutine?debug=2".to_string(),
            "leakdiff capture URL -o DIR",
        ),
    ];
    for (path, want) in cases {
        // analyze and show read every file of a directory; diff takes files.
        let args: Vec<&str> = if want == "is a directory" {
            vec!["diff", &path, &path]
        } else {
            vec!["analyze", &path]
        };
        let out = leakdiff().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{path}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.contains(&path) && err.contains(want), "{path}: {err}");
        assert!(!err.contains("panicked"));
    }
    let empty_dir = dir.path().join("nothing");
    std::fs::create_dir(&empty_dir).unwrap();
    leakdiff()
        .args(["analyze", empty_dir.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("directory holds no files"));
    leakdiff().args(["analyze"]).assert().code(2);
    leakdiff()
        .args(["analyze", "--format", "yaml", TICKET])
        .assert()
        .code(2);
}

#[test]
fn incomparable_profiles_are_named() {
    let dir = tempfile::tempdir().unwrap();
    // A threadcreate debug=1 text: analyze cannot judge it for leaks.
    let f = dir.path().join("threads.txt");
    std::fs::write(&f, "threadcreate profile: total 2\n2 @\n").unwrap();
    leakdiff()
        .args(["analyze", TIMEOUT, f.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("threadcreate profile")
                .and(predicate::str::contains("threads.txt")),
        );
}

#[test]
fn inputs_are_never_modified() {
    let file = Path::new("testdata/samples/ticket/heap-1.pb.gz");
    let before = std::fs::read(file).unwrap();
    let meta = std::fs::metadata(file).unwrap().modified().unwrap();
    stdout(&["analyze", TICKET]);
    assert_eq!(std::fs::read(file).unwrap(), before);
    assert_eq!(std::fs::metadata(file).unwrap().modified().unwrap(), meta);
}

/// `analyze --format json` of `files`.
fn json_of<S: AsRef<std::ffi::OsStr>>(files: &[S]) -> serde_json::Value {
    let out = leakdiff()
        .args(["analyze", "--format", "json"])
        .args(files)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The strings of `v[key]`, or of `field` in each of its objects.
fn strings<'a>(v: &'a serde_json::Value, key: &str, field: Option<&str>) -> Vec<&'a str> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| field.map_or(x, |f| &x[f]).as_str().unwrap())
        .collect()
}

#[test]
fn snapshots_are_ordered_by_recorded_time() {
    let d = "testdata/captures/go1.27/timeout-leak";
    let v = json_of(&[
        format!("{d}/goroutine-3.pb.gz"),
        format!("{d}/goroutine-1.pb.gz"),
        format!("{d}/goroutine-2.pb.gz"),
    ]);
    let paths = strings(&v, "snapshots", Some("path"));
    assert!(
        paths[0].ends_with("goroutine-1.pb.gz") && paths[2].ends_with("goroutine-3.pb.gz"),
        "{paths:?}"
    );
    assert_eq!(v["findings"][0]["counts"], serde_json::json!([10, 20, 30]));
    assert!(strings(&v, "notes", None)
        .iter()
        .any(|n| n.contains("out of time order")));
    // Text dumps record no time: names without a number that orders them
    // keep the order given.
    let t = "testdata/samples/timeout-leak";
    let dir = tempfile::tempdir().unwrap();
    let (later, earlier) = (dir.path().join("later.txt"), dir.path().join("earlier.txt"));
    std::fs::copy(format!("{t}/goroutine-3.debug2.txt"), &later).unwrap();
    std::fs::copy(format!("{t}/goroutine-1.debug2.txt"), &earlier).unwrap();
    let v = json_of(&[&later, &earlier]);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] != "high"),
        "shrinking is not a leak"
    );
}

#[test]
fn text_snapshots_follow_the_numbers_in_their_names_and_a_file_given_twice_counts_once() {
    // A shell glob over ten or more dumps puts goroutine-10 before
    // goroutine-2; text records no time. Given backwards, with one file
    // twice, the leak must still read 10 → 20 → 30.
    let d = "testdata/captures/go1.27/chan-send-blocked";
    let f = |k: u32| format!("{d}/goroutine-{k}.debug2.txt");
    let report = json_of(&[f(3), f(2), f(2), f(1)]);
    let notes = strings(&report, "notes", None);
    assert!(
        notes.contains(&format!("given more than once, read once: {}", f(2)).as_str()),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n
            .starts_with("snapshots were given out of the order of the numbers in their names")),
        "{notes:?}"
    );
    assert_eq!(
        strings(&report, "snapshots", Some("path")),
        [f(1), f(2), f(3)]
    );
    let counts = &report["findings"][0]["counts"];
    assert_eq!(counts, &serde_json::json!([10, 20, 30]), "{report:#}");
}

#[test]
fn a_log_with_two_dumps_is_two_snapshots() {
    let out = stdout(&[
        "show",
        "--format",
        "json",
        "tests/data/debug2/two_dumps.log",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let snaps = v["snapshots"].as_array().unwrap();
    assert_eq!(snaps.len(), 2);
    assert_eq!(snaps[1]["index_in_file"], 1);
}

#[test]
fn timings_go_to_stderr_only_when_asked() {
    let file = "testdata/samples/ticket/";
    let plain = leakdiff().args(["analyze", file]).output().unwrap();
    assert!(!String::from_utf8_lossy(&plain.stderr).contains("timings"));
    let timed = leakdiff()
        .env("LEAKDIFF_TIMINGS", "1")
        .args(["analyze", file])
        .output()
        .unwrap();
    assert_eq!(plain.stdout, timed.stdout);
    assert_eq!(plain.status.code(), timed.status.code());
    let err = String::from_utf8_lossy(&timed.stderr);
    for phase in ["load", "analyze", "report", "total"] {
        assert!(
            err.contains(&format!("leakdiff: timings: {phase} ")),
            "{phase} missing from:\n{err}"
        );
    }
}

/// A directory of symbolic links to the snapshots (how a ticket's files
/// are often gathered) reads like the files themselves; a dangling link is
/// skipped.
#[cfg(unix)]
#[test]
fn directory_of_symlinks_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(TICKET);
    for e in std::fs::read_dir(&root).unwrap() {
        let e = e.unwrap();
        std::os::unix::fs::symlink(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("zz-dangling")).unwrap();
    let linked = stdout(&["analyze", "--format", "json", dir.path().to_str().unwrap()]);
    let direct = stdout(&["analyze", "--format", "json", TICKET]);
    let findings = |s: &str| {
        let v: serde_json::Value = serde_json::from_str(s).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["id"].clone(), f["severity"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(findings(&linked), findings(&direct));
    assert!(!findings(&direct).is_empty());
}
