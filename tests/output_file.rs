//! Inputs are opened read-only and never modified; `-o FILE` is written to a
//! temporary file beside FILE and renamed, so a failing run leaves no
//! temporary file and never clobbers an existing report.

use assert_cmd::cargo::cargo_bin_cmd;
use std::path::Path;

const CAPTURES: &str = "testdata/captures/go1.27/timeout-leak";

fn capture(dir: &Path, name: &str) -> String {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(CAPTURES)
        .join(name);
    let dst = dir.join(name);
    std::fs::copy(src, &dst).unwrap();
    name.to_string()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn leakdiff(dir: &Path, args: &[&str]) -> std::process::Output {
    cargo_bin_cmd!("leakdiff")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn report_is_written_whole_and_nothing_else_is_left() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let a = capture(d, "goroutine-1.debug2.txt");
    let b = capture(d, "goroutine-3.pb.gz");
    let out = leakdiff(d, &["analyze", &a, &b, "--format", "json", "-o", "r.json"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "the report goes to the file only");
    let stdout = leakdiff(d, &["analyze", &a, &b, "--format", "json"]).stdout;
    assert_eq!(std::fs::read(d.join("r.json")).unwrap(), stdout);
    assert_eq!(names(d), [a.as_str(), b.as_str(), "r.json"]);
}

#[test]
fn a_failing_run_keeps_the_old_report_and_leaves_no_temporary_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let a = capture(d, "goroutine-1.debug2.txt");
    std::fs::write(d.join("broken.pb.gz"), b"\x1f\x8b\x08\x00garbage").unwrap();
    std::fs::write(d.join("r.md"), "the previous report\n").unwrap();
    let before = names(d);

    // An input error: nothing is written at all.
    let out = leakdiff(d, &["analyze", &a, "broken.pb.gz", "-o", "r.md"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(d.join("r.md")).unwrap(),
        "the previous report\n"
    );
    assert_eq!(names(d), before);

    // The report cannot be put in place (the target is a directory): the
    // temporary file is removed again.
    std::fs::create_dir(d.join("adir")).unwrap();
    std::fs::write(d.join("adir/keep"), "x").unwrap();
    let out = leakdiff(d, &["show", &a, "-o", "adir"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("leakdiff: error: adir: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(d.join("adir/keep").is_file());
    let mut want = before.clone();
    want.push("adir".into());
    want.sort();
    assert_eq!(names(d), want);

    // A directory that does not exist.
    let out = leakdiff(d, &["show", &a, "-o", "no/such/dir/r.md"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(names(d), want);
}

#[test]
fn an_input_is_never_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let a = capture(d, "goroutine-1.debug2.txt");
    let b = capture(d, "goroutine-3.debug2.txt");
    let original = std::fs::read(d.join(&b)).unwrap();
    for args in [
        vec!["analyze", a.as_str(), b.as_str(), "-o", b.as_str()],
        vec!["show", b.as_str(), "-o", "./goroutine-3.debug2.txt"],
        vec!["analyze", ".", "-o", b.as_str()],
    ] {
        let out = leakdiff(d, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("is also an input; refusing to overwrite it"),
            "{err}"
        );
        assert_eq!(std::fs::read(d.join(&b)).unwrap(), original);
    }
    // A hard link to an input is the input too.
    std::fs::hard_link(d.join(&b), d.join("link.txt")).unwrap();
    let out = leakdiff(d, &["show", &b, "-o", "link.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(d.join(&b)).unwrap(), original);
}

#[cfg(unix)]
#[test]
fn inputs_are_read_only() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let a = capture(d, "goroutine-1.pb.gz");
    let b = capture(d, "goroutine-3.debug1.txt");
    let mut stat = Vec::new();
    for f in [&a, &b] {
        let p = d.join(f);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o444)).unwrap();
        let m = std::fs::metadata(&p).unwrap();
        stat.push((std::fs::read(&p).unwrap(), m.modified().unwrap(), m.len()));
    }
    let out = leakdiff(
        d,
        &["analyze", &a, &b, "--format", "markdown", "-o", "r.md"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (f, (data, mtime, len)) in [&a, &b].into_iter().zip(stat) {
        let p = d.join(f);
        let m = std::fs::metadata(&p).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), data);
        assert_eq!(m.modified().unwrap(), mtime);
        assert_eq!(m.len(), len);
        assert_eq!(m.permissions().mode() & 0o777, 0o444);
    }
}
