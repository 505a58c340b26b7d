//! Instances of one service (`analyze DIR_A DIR_B`) and fleets
//! (`fleet ROOT`), on fleets built at test time from the committed
//! captures: each program is a service, its Go 1.27 and Go 1.19 captures
//! its two instances. The README's DuckDB queries run over the fleet's
//! JSON Lines when DuckDB is importable from python3 (`.ci/run` installs it
//! with pip); otherwise that test says it skipped.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn captures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/captures")
}

/// Copies the goroutine snapshots of one format (`debug2.txt` or `pb.gz`)
/// and the heap profiles of `program` under `dst/SERVICE/go1.27|go1.19`.
/// Returns false when the program has none.
fn add_service(dst: &Path, service: &str, program: &str, format: &str) -> bool {
    let mut any = false;
    for ver in ["go1.27", "go1.19"] {
        let src = captures().join(ver).join(program);
        let Ok(rd) = std::fs::read_dir(&src) else {
            continue;
        };
        let mut files: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .filter(|p| {
                let n = p.file_name().unwrap().to_string_lossy();
                (n.starts_with("goroutine-") && n.ends_with(&format!(".{format}")))
                    || (n.starts_with("heap-") && n.ends_with(".pb.gz"))
            })
            .collect();
        files.sort();
        if files.is_empty() {
            continue;
        }
        let d = dst.join(service).join(ver);
        std::fs::create_dir_all(&d).unwrap();
        for f in files {
            std::fs::copy(&f, d.join(f.file_name().unwrap())).unwrap();
        }
        any = true;
    }
    any
}

/// Every program with goroutine snapshots as a service, debug=2 and
/// protobuf alternating.
fn build_fleet(root: &Path) -> usize {
    let mut programs: Vec<String> = std::fs::read_dir(captures().join("go1.27"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    programs.sort();
    let mut n = 0;
    for (i, p) in programs.iter().enumerate() {
        let format = if i % 2 == 0 { "debug2.txt" } else { "pb.gz" };
        if add_service(root, p, p, format) {
            n += 1;
        }
    }
    n
}

fn leakdiff() -> Command {
    Command::cargo_bin("leakdiff").unwrap()
}

fn jsonl(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn two_instance_directories_give_one_finding_naming_both() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(add_service(
        tmp.path(),
        "svc",
        "chan-send-blocked",
        "debug2.txt"
    ));
    let a = tmp.path().join("svc/go1.27");
    let b = tmp.path().join("svc/go1.19");
    let out = leakdiff()
        .args(["analyze", "--format", "json"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    let leaks: Vec<_> = findings
        .iter()
        .filter(|f| f["pattern"] == "chan-send-blocked")
        .collect();
    assert_eq!(leaks.len(), 1, "{findings:#?}");
    let f = leaks[0];
    assert_eq!(f["instances_total"], 2);
    let names: Vec<&str> = f["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [a.to_str().unwrap(), b.to_str().unwrap()]);
    for i in f["instances"].as_array().unwrap() {
        assert_eq!(i["trend"], "growing");
        assert_eq!(i["counts"].as_array().unwrap().len(), 3);
        assert!(i["survivors"].as_u64().unwrap() > 0, "{i}");
    }
    // Each directory is its own series: three snapshots each, not six.
    assert_eq!(f["counts"].as_array().unwrap().len(), 3);
    // The table says how many instances show it.
    leakdiff()
        .args(["analyze", "--color", "never"])
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .stdout(predicates::str::contains("2/2"));
    // One directory, or files, behave as before: no instances.
    let out = leakdiff()
        .args(["analyze", "--format", "json"])
        .arg(&a)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["findings"][0].get("instances").is_none());
}

#[test]
fn fleet_ranks_leaks_across_services_and_skips_an_unreadable_one() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("fleet");
    let services = build_fleet(&root);
    assert!(services >= 25, "{services}");
    // A service whose instance holds a file that is no profile.
    std::fs::create_dir_all(root.join("zz-broken/pod-1")).unwrap();
    std::fs::write(
        root.join("zz-broken/pod-1/goroutine.txt"),
        "not a profile\n",
    )
    .unwrap();
    let out_file = tmp.path().join("fleet.jsonl");
    let out = leakdiff()
        .args(["fleet", "--format", "jsonl", "-o"])
        .arg(&out_file)
        .arg(&root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("leakdiff: error: service zz-broken skipped:"),
        "{stderr}"
    );
    let lines = jsonl(&std::fs::read_to_string(&out_file).unwrap());
    assert!(!lines.is_empty());
    // Every field the schemas require: the JSON report's finding, and the
    // JSON Lines additions.
    let schema = |name: &str| -> serde_json::Value {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("schema")
            .join(name);
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let report = schema("report.schema.json");
    let line = schema("finding.jsonl.schema.json");
    let mut required: Vec<&str> = report["$defs"]["finding"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .chain(line["required"].as_array().unwrap())
        .map(|v| v.as_str().unwrap())
        .collect();
    required.extend(["instances", "instances_total"]);
    for f in &lines {
        for key in &required {
            assert!(f.get(*key).is_some(), "{key} missing in {f}");
        }
        for i in f["instances"].as_array().unwrap() {
            for key in report["$defs"]["finding"]["properties"]["instances"]["items"]["required"]
                .as_array()
                .unwrap()
            {
                assert!(
                    i.get(key.as_str().unwrap()).is_some(),
                    "{key} missing in {i}"
                );
            }
        }
    }
    for (i, f) in lines.iter().enumerate() {
        assert_eq!(f["rank"], i + 1);
        assert!(f["service"].is_string());
        assert!(f["instances"].is_array());
        assert!(f["leaked_goroutines"].is_i64());
    }
    // Leaks first, by leaked goroutines.
    let leaks: Vec<_> = lines
        .iter()
        .filter(|f| ["critical", "high", "medium"].contains(&f["severity"].as_str().unwrap()))
        .collect();
    assert!(leaks.len() >= 15, "{}", leaks.len());
    for w in leaks.windows(2) {
        assert!(w[0]["leaked_goroutines"].as_i64() >= w[1]["leaked_goroutines"].as_i64());
    }
    // Each leaking program's leak is found in both instances; the
    // controls show nothing at medium or above.
    for (service, pattern) in [
        ("chan-send-blocked", "chan-send-blocked"),
        ("waitgroup-never-done", "waitgroup-never-done"),
        ("sleep-loop", "sleep-loop"),
    ] {
        let f = leaks
            .iter()
            .find(|f| f["service"] == service && f["pattern"] == pattern)
            .unwrap_or_else(|| panic!("{service}: no {pattern}"));
        assert_eq!(f["instances"].as_array().unwrap().len(), 2, "{f}");
    }
    assert!(
        !leaks
            .iter()
            .any(|f| f["service"] == "control-worker-pool"
                || f["service"] == "control-stopped-ticker"),
        "a control at medium+"
    );
    // The JSON report names the skipped service.
    let out = leakdiff()
        .args(["fleet", "--format", "json"])
        .arg(&root)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["command"], "fleet");
    assert_eq!(v["summary"]["skipped"], 1);
    let broken = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "zz-broken")
        .unwrap();
    assert!(broken["error"].as_str().unwrap().contains("goroutine.txt"));
    // A shard: only the services with a prefix.
    let out = leakdiff()
        .args([
            "fleet", "--format", "jsonl", "--prefix", "control-", "--prefix", "sleep",
        ])
        .arg(&root)
        .output()
        .unwrap();
    let lines = jsonl(&String::from_utf8(out.stdout).unwrap());
    assert!(lines.iter().all(|f| {
        let s = f["service"].as_str().unwrap();
        s.starts_with("control-") || s.starts_with("sleep")
    }));
    assert!(lines.iter().any(|f| f["service"] == "sleep-loop"));
}

/// The SQL blocks of the README's fleet section, with the file they read.
fn readme_queries() -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("<!-- fleet-duckdb-queries -->")
        .expect("README marks its DuckDB queries");
    let end = readme[start..]
        .find("<!-- /fleet-duckdb-queries -->")
        .expect("end marker")
        + start;
    readme[start..end]
        .split("```sql")
        .skip(1)
        .map(|b| b.split("```").next().unwrap().to_string())
        .collect()
}

#[test]
fn readme_duckdb_queries_run_on_a_fleets_json_lines() {
    let queries = readme_queries();
    assert!(queries.len() >= 2, "{queries:?}");
    let has_duckdb = std::process::Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !has_duckdb {
        eprintln!(
            "SKIPPED readme_duckdb_queries: python3 cannot import duckdb (pip install duckdb)"
        );
        println!("skipped: duckdb not importable");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("fleet");
    build_fleet(&root);
    let file = tmp.path().join("fleet.jsonl");
    leakdiff()
        .args(["fleet", "--format", "jsonl", "-o"])
        .arg(&file)
        .arg(&root)
        .assert()
        .success();
    for q in queries {
        assert!(q.contains("'fleet.jsonl'"), "{q}");
        let script = "import duckdb, sys\n\
            rows = duckdb.connect().sql(sys.argv[1]).fetchall()\n\
            print(len(rows))\n\
            for r in rows: print(r)\n";
        let out = std::process::Command::new("python3")
            .args(["-c", script, &q])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{q}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let n: usize = stdout.lines().next().unwrap().trim().parse().unwrap();
        assert!(n >= 3, "{q}: {stdout}");
        // The rows name the corpus's leaks (which controls reach medium
        // is the verdicts' business, not the fleet's).
        assert!(stdout.contains("chan-send-blocked"), "{q}: {stdout}");
    }
}
