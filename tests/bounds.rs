//! Each bound flag (--max-decompressed, --max-samples, --max-frames,
//! --max-line) is honoured by every loader, gzipped or not: exceeding it is
//! an error naming the flag (exit 2) or a warning naming it with the part
//! within the bound (exit 0). The inputs are real captures (30 goroutines,
//! stacks of up to 9 frames).

use assert_cmd::cargo::cargo_bin_cmd;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const CAPTURE: &str = "testdata/captures/go1.27/timeout-leak/goroutine-3";

struct Inputs {
    _dir: tempfile::TempDir,
    /// (name, path)
    files: Vec<(&'static str, PathBuf)>,
}

fn inputs() -> Inputs {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let read = |ext: &str| std::fs::read(root.join(format!("{CAPTURE}.{ext}"))).unwrap();
    let gzip = |data: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    };
    let pb_gz = read("pb.gz");
    let mut pb = Vec::new();
    flate2::read::GzDecoder::new(&pb_gz[..])
        .read_to_end(&mut pb)
        .unwrap();
    let contents: Vec<(&'static str, Vec<u8>)> = vec![
        ("pprof.pb.gz", pb_gz),
        ("pprof.pb", pb),
        ("debug1.txt", read("debug1.txt")),
        ("debug1.txt.gz", gzip(&read("debug1.txt"))),
        ("debug2.txt", read("debug2.txt")),
        ("debug2.txt.gz", gzip(&read("debug2.txt"))),
    ];
    let files = contents
        .into_iter()
        .map(|(n, d)| {
            let p = dir.path().join(n);
            std::fs::write(&p, d).unwrap();
            (n, p)
        })
        .collect();
    Inputs { _dir: dir, files }
}

struct Run {
    code: i32,
    stderr: String,
    json: Option<serde_json::Value>,
}

fn show(file: &Path, args: &[&str]) -> Run {
    let out = cargo_bin_cmd!("leakdiff")
        .arg("show")
        .args(["--format", "json"])
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        json: serde_json::from_slice(&out.stdout).ok(),
    }
}

fn goroutines(r: &Run) -> u64 {
    r.json.as_ref().unwrap()["snapshots"][0]["goroutines"]
        .as_u64()
        .unwrap()
}

fn deepest(r: &Run) -> usize {
    r.json.as_ref().unwrap()["snapshots"][0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["frames"].as_array().unwrap().len())
        .max()
        .unwrap()
}

#[test]
fn defaults_read_everything() {
    let ins = inputs();
    for (name, p) in &ins.files {
        let r = show(p, &[]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        assert_eq!(r.stderr, "", "{name}");
        assert_eq!(goroutines(&r), 31, "{name}");
        assert!(deepest(&r) > 3, "{name}");
    }
}

#[test]
fn max_samples() {
    let ins = inputs();
    for (name, p) in &ins.files {
        let r = show(p, &["--max-samples", "1"]);
        let first = r.stderr.lines().next().unwrap_or("");
        assert!(first.contains("--max-samples"), "{name}: {:?}", r.stderr);
        if name.starts_with("debug2") {
            // One goroutine per sample: the first one is kept, with a warning.
            assert_eq!(r.code, 0, "{name}");
            assert!(first.starts_with("leakdiff: warning: "), "{first}");
            assert!(first.contains("stopped after 1 goroutines"), "{first}");
            assert_eq!(goroutines(&r), 1);
        } else {
            // Grouped records: cutting them would misstate every count.
            assert_eq!(r.code, 2, "{name}");
            assert!(first.starts_with("leakdiff: error: "), "{first}");
            assert_eq!(r.stderr.lines().count(), 1);
        }
    }
}

#[test]
fn max_frames() {
    let ins = inputs();
    for (name, p) in &ins.files {
        let r = show(p, &["--max-frames", "2"]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        assert!(
            r.stderr.starts_with("leakdiff: warning: ")
                && r.stderr.contains("deeper than 2 frames"),
            "{name}: {:?}",
            r.stderr
        );
        assert!(deepest(&r) <= 2, "{name}: {}", deepest(&r));
        assert_eq!(goroutines(&r), 31, "{name}: every goroutine is kept");
    }
}

#[test]
fn max_line() {
    let ins = inputs();
    for (name, p) in &ins.files {
        let r = show(p, &["--max-line", "40"]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        if name.starts_with("pprof") {
            // A protobuf has no lines.
            assert_eq!(r.stderr, "", "{name}");
        } else {
            assert!(
                r.stderr.contains("longer than 40 bytes"),
                "{name}: {:?}",
                r.stderr
            );
        }
        for l in r.stderr.lines() {
            assert!(
                l.starts_with(&format!("leakdiff: warning: {}: ", p.display())),
                "{l}"
            );
        }
    }
}

#[test]
fn max_decompressed() {
    let ins = inputs();
    for (name, p) in &ins.files {
        let r = show(p, &["--max-decompressed", "300"]);
        let first = r.stderr.lines().next().unwrap_or("");
        if name.ends_with(".gz") || name.ends_with(".pb") {
            assert_eq!(r.code, 2, "{name}: {}", r.stderr);
            assert!(
                first.ends_with("the limit of 300 bytes (raise it with --max-decompressed)"),
                "{name}: {first}"
            );
            assert_eq!(r.stderr.lines().count(), 1);
        } else {
            // Text that is not compressed is streamed, never held.
            assert_eq!(r.code, 0, "{name}: {}", r.stderr);
            assert_eq!(goroutines(&r), 31);
        }
    }
}

#[test]
fn bounds_must_be_positive() {
    for flag in [
        "--max-decompressed",
        "--max-samples",
        "--max-frames",
        "--max-line",
    ] {
        let out = cargo_bin_cmd!("leakdiff")
            .args(["show", flag, "0", "x"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}");
    }
}
