//! The README's CI recipe runs as written: its `leakdiff` lines are taken out
//! of the README and run in a copy of `testdata/ci/` (the two builds and the
//! profiles their Go steps wrote), and each of its Go lines must be in
//! `testdata/ci/capture.sh` verbatim, the script that wrote those profiles.

use assert_cmd::cargo::cargo_bin_cmd;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The lines of the README between `<!-- ci-recipe -->` and
/// `<!-- /ci-recipe -->`.
fn recipe() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let start = readme
        .find("<!-- ci-recipe -->")
        .expect("recipe start marker");
    let end = readme
        .find("<!-- /ci-recipe -->")
        .expect("recipe end marker");
    readme[start..end].lines().map(str::to_string).collect()
}

/// A command of the recipe: the text after `run: `, or a line of a
/// `run: |` block.
fn commands(recipe: &[String]) -> Vec<String> {
    recipe
        .iter()
        .map(|l| l.trim())
        .map(|l| l.strip_prefix("run: ").unwrap_or(l))
        .filter(|l| l.starts_with("leakdiff ") || l.contains("go test "))
        .map(str::to_string)
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn go_steps_are_the_ones_that_wrote_the_profiles() {
    let script = std::fs::read_to_string(Path::new(ROOT).join("testdata/ci/capture.sh")).unwrap();
    let go: Vec<String> = commands(&recipe())
        .into_iter()
        .filter(|c| c.contains("go test "))
        .collect();
    assert_eq!(go.len(), 3, "{go:?}");
    for line in &go {
        assert!(
            script.lines().any(|l| l.trim() == line),
            "README Go step not in testdata/ci/capture.sh: {line}"
        );
    }
    for f in [
        "base.mem.pprof",
        "new.mem.pprof",
        "profiles/goroutine-1.pb.gz",
        "profiles/goroutine-3.pb.gz",
        "profiles/heap-3.pb.gz",
    ] {
        assert!(Path::new(ROOT).join("testdata/ci").join(f).is_file(), "{f}");
    }
}

#[test]
fn leakdiff_steps_run_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path();
    copy_dir(&Path::new(ROOT).join("testdata/ci"), ws);
    let lines: Vec<String> = commands(&recipe())
        .into_iter()
        .filter(|c| c.starts_with("leakdiff "))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    for line in &lines {
        assert!(
            !line.contains(['"', '\'', '$', '|', '>', '<', '&', ';']),
            "not a plain command line: {line}"
        );
        let args: Vec<&str> = line.split_whitespace().skip(1).collect();
        let out = cargo_bin_cmd!("leakdiff")
            .current_dir(ws)
            .env("NO_COLOR", "1")
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        match args[0] {
            "diff" => {
                // The new build keeps the sessions its forwarders hold.
                assert_eq!(out.status.code(), Some(1), "{line}: {stderr}");
                assert!(
                    stderr
                        .contains("leakdiff: gate: total: 2.5 MiB → 19.6 MiB (+17.1 MiB, +685.5%)"),
                    "{stderr}"
                );
                assert!(
                    stderr.contains("leakdiff: gate: failed: the total grew past --fail-on-growth 20% --min-delta 1.0 MiB"),
                    "{stderr}"
                );
                let stdout = String::from_utf8_lossy(&out.stdout);
                assert!(stdout.contains("FAILED"), "{stdout}");
                // The base build against itself passes the same gate.
                let mut same = args.clone();
                let n = same.len();
                same[n - 1] = same[n - 2];
                let out = cargo_bin_cmd!("leakdiff")
                    .current_dir(ws)
                    .args(&same)
                    .output()
                    .unwrap();
                assert_eq!(out.status.code(), Some(0), "{same:?}");
            }
            "analyze" => {
                assert_eq!(out.status.code(), Some(0), "{line}: {stderr}");
                let sarif: serde_json::Value = serde_json::from_str(
                    &std::fs::read_to_string(ws.join("leakdiff.sarif")).unwrap(),
                )
                .unwrap();
                assert_eq!(sarif["version"], "2.1.0");
                let results = sarif["runs"][0]["results"].as_array().unwrap();
                // The goroutine leak is the one result above `note`: protobuf
                // goroutine profiles carry no goroutine ids, so counts alone
                // earn at most medium (`warning`); the heap series, one step
                // to a level that holds, is a `note` at most.
                let serious: Vec<_> = results.iter().filter(|r| r["level"] != "note").collect();
                assert_eq!(serious.len(), 1, "{results:?}");
                let r = serious[0];
                assert_eq!(r["ruleId"], "range-unclosed-channel");
                assert_eq!(r["level"], "warning");
                let at = |l: &serde_json::Value| {
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
                    at(&r["locations"][0]),
                    ("sessions.go".into(), "%SRCROOT%".into(), 41)
                );
                assert_eq!(
                    at(&r["relatedLocations"][0]),
                    ("sessions.go".into(), "%SRCROOT%".into(), 36)
                );
            }
            other => panic!("unexpected leakdiff command {other}"),
        }
    }
}
