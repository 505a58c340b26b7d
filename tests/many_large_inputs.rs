//! Several large debug=2 dumps loaded at once (`show a b c`, a fleet of
//! services): each load waits while too many of its blocks are in flight,
//! and such loads run on the global thread pool's threads. Their blocks
//! used to be parsed on that same pool, so with as many loads as threads
//! every thread waited for blocks that no thread was left to parse: the
//! command never ended. Each dump here is larger than the blocks a load
//! keeps in flight on two threads (8 blocks of 2 MiB).

mod generated;

use generated::dump;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs leakdiff on two threads, killed (and the test failed) if it has
/// not ended within `limit`.
fn run(args: &[&Path], first: &str, limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leakdiff"))
        .arg(first)
        .args(args)
        .env("RAYON_NUM_THREADS", "2")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read as it is written: a report larger than a pipe's buffer would
    // otherwise stop the child.
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            r.read_to_end(&mut v).unwrap();
            v
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Output {
                status,
                stdout: stdout.join().unwrap(),
                stderr: stderr.join().unwrap(),
            };
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("leakdiff {first} did not end within {limit:?}: the loads wait for each other");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

const LIMIT: Duration = Duration::from_secs(180);

#[test]
fn showing_several_large_dumps_at_once_ends() {
    let dir = tempfile::tempdir().unwrap();
    let data = dump(120_000);
    assert!(data.len() > 20 << 20, "{} bytes", data.len());
    let paths: Vec<_> = ["a.txt", "b.txt", "c.txt"]
        .iter()
        .map(|n| dir.path().join(n))
        .collect();
    for p in &paths {
        std::fs::write(p, &data).unwrap();
    }
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let out = run(&refs, "show", LIMIT);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // Every goroutine of every dump was read.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("120000 goroutines").count(), 3, "{stdout}");
}

#[test]
fn a_fleet_of_services_with_large_dumps_ends() {
    let dir = tempfile::tempdir().unwrap();
    let data = dump(120_000);
    for s in ["svc-a", "svc-b", "svc-c"] {
        let d = dir.path().join(s);
        std::fs::create_dir(&d).unwrap();
        for k in 1..=3 {
            std::fs::write(d.join(format!("goroutine-{k}.txt")), &data).unwrap();
        }
    }
    let out = run(&[dir.path()], "fleet", LIMIT);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().is_some_and(|c| c < 2), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Fleet: 3 services, 3 instances."),
        "{stdout}"
    );
}
