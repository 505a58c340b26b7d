//! Every broken input of `testdata/bad/` (and the ones made here at run time:
//! a 100 MB line, a multi-GB gzip bomb, a directory, a FIFO) gives what
//! `testdata/bad/EXPECTED.tsv` says: one line on stderr naming the file and
//! the offset or line, and exit 2; or a warning and the good part, exit 0.
//! The inputs are copied to a temporary directory, and checked unchanged
//! afterwards.

use assert_cmd::cargo::cargo_bin_cmd;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Row {
    file: String,
    generated: bool,
    args: Vec<String>,
    exit: i32,
    goroutines: Option<u64>,
    stderr: Option<String>,
}

fn bad_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bad")
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(bad_dir().join("EXPECTED.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert_eq!(c.len(), 5, "EXPECTED.tsv row {l:?}");
            let (file, generated) = match c[0].strip_suffix(" (generated)") {
                Some(f) => (f.to_string(), true),
                None => (c[0].to_string(), false),
            };
            let opt = |s: &str| (s != "-").then(|| s.to_string());
            Row {
                file,
                generated,
                args: opt(c[1])
                    .map(|a| a.split(' ').map(String::from).collect())
                    .unwrap_or_default(),
                exit: c[2].parse().unwrap(),
                goroutines: opt(c[3]).map(|g| g.parse().unwrap()),
                stderr: opt(c[4]),
            }
        })
        .collect()
}

/// Writes `n` bytes of `fill` after `head` and before `tail`, in chunks.
fn write_big(path: &Path, head: &[u8], fill: &[u8], n: usize, tail: &[u8]) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    f.write_all(head).unwrap();
    let chunk = fill.repeat((1 << 20) / fill.len());
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len());
        f.write_all(&chunk[..k]).unwrap();
        left -= k;
    }
    f.write_all(tail).unwrap();
    f.flush().unwrap();
}

/// The inputs that are made at run time.
fn generate(dir: &Path, name: &str) {
    let p = dir.join(name);
    match name {
        "huge-line.txt" => write_big(&p, b"", b"A", 100 << 20, b""),
        "huge-frame.debug2.txt" => write_big(
            &p,
            b"goroutine 1 [running]:\nmain.f(",
            b"0x1, ",
            100 << 20,
            b")\n\t/src/main.go:1 +0x1\n",
        ),
        "big-bomb.txt.gz" => {
            // 33 gzip members of 128 MiB each: 4.1 GiB from 19 MB.
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            let x = vec![b'x'; 1 << 20];
            for _ in 0..128 {
                e.write_all(&x).unwrap();
            }
            let member = e.finish().unwrap();
            let mut f = std::fs::File::create(&p).unwrap();
            let mut head = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            head.write_all(b"goroutine 1 [running]:\nmain.main()\n\t/src/main.go:1 +0x1\n")
                .unwrap();
            f.write_all(&head.finish().unwrap()).unwrap();
            for _ in 0..33 {
                f.write_all(&member).unwrap();
            }
        }
        "a-directory" => std::fs::create_dir_all(p.join("only-a-subdirectory")).unwrap(),
        "a-fifo" => {
            let ok = std::process::Command::new("mkfifo")
                .arg(&p)
                .status()
                .unwrap()
                .success();
            assert!(ok, "mkfifo failed");
        }
        "missing.txt" => {}
        other => panic!("no generator for {other}"),
    }
}

#[cfg(unix)]
#[test]
fn every_bad_input_gives_the_expected_line() {
    let rows = rows();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();

    // Every committed file is in the table, and every row's file exists.
    let mut committed = Vec::new();
    for e in std::fs::read_dir(bad_dir()).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name == "EXPECTED.tsv" || name == "make.py" || name.starts_with('.') {
            continue;
        }
        assert!(
            rows.iter().any(|r| r.file == name && !r.generated),
            "testdata/bad/{name} is not in EXPECTED.tsv"
        );
        std::fs::copy(e.path(), dir.join(&name)).unwrap();
        committed.push(name);
    }
    for r in rows.iter().filter(|r| r.generated) {
        if !dir.join(&r.file).exists() {
            generate(dir, &r.file);
        }
    }

    let mut failures = Vec::new();
    for r in &rows {
        let out = cargo_bin_cmd!("leakdiff")
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .arg("show")
            .args(&r.args)
            .arg(&r.file)
            .timeout(Duration::from_secs(300))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = stderr.lines().collect();
        let mut problems = Vec::new();
        if out.status.code() != Some(r.exit) {
            problems.push(format!("exit {:?}, want {}", out.status.code(), r.exit));
        }
        match &r.stderr {
            Some(want) if lines.first() != Some(&want.as_str()) => {
                problems.push(format!("stderr {:?}, want {want:?}", lines.first()))
            }
            None if !lines.is_empty() => problems.push(format!("unexpected stderr {stderr:?}")),
            _ => {}
        }
        for l in &lines {
            let named = ["leakdiff: error: ", "leakdiff: warning: "]
                .iter()
                .any(|p| l.starts_with(&format!("{p}{}: ", r.file)));
            if !named {
                problems.push(format!("stderr line does not name the file: {l:?}"));
            }
        }
        if r.exit == 2 {
            if lines.len() != 1 {
                problems.push(format!("{} stderr lines for an error", lines.len()));
            }
            if !stdout.is_empty() {
                problems.push("output on stdout for an error".into());
            }
        }
        if let Some(g) = r.goroutines {
            let first = stdout.lines().next().unwrap_or("");
            if !first.contains(&format!(", {g} goroutines,")) {
                problems.push(format!("stdout starts {first:?}, want {g} goroutines"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}", r.file, problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));

    // Read, never written.
    for name in committed {
        assert_eq!(
            std::fs::read(dir.join(&name)).unwrap(),
            std::fs::read(bad_dir().join(&name)).unwrap(),
            "{name} was modified"
        );
    }
    let leftovers: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
