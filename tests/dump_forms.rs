//! The forms real-world dumps take in tickets (`testdata/forms/`): headers
//! glued to the line before them, Windows console captures, gccgo/libgo
//! tracebacks. Every file must load with exactly the goroutines, states and
//! runtime its row of `testdata/forms/EXPECTED.tsv` gives, on both the
//! sequential and the block-parallel path; the tests below check the frames
//! that make each form hard.

use leakdiff::load::{self, LoadOptions};
use leakdiff::model::{BlockingOp, GoroutineInfo, Sample, Snapshot};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/forms")
}

fn load_with(file: &str, opts: &LoadOptions) -> Vec<Snapshot> {
    let path = dir().join(file);
    load::load_path(path.to_str().unwrap(), opts).unwrap_or_else(|e| panic!("{file}: {e:?}"))
}

fn load(file: &str) -> Vec<Snapshot> {
    load_with(file, &LoadOptions::default())
}

struct Row {
    file: String,
    counts: Vec<usize>,
    states: String,
    gccgo: bool,
}

fn expected() -> Vec<Row> {
    let text = std::fs::read_to_string(dir().join("EXPECTED.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert_eq!(c.len(), 4, "EXPECTED.tsv row: {l}");
            Row {
                file: c[0].to_string(),
                counts: c[1].split(',').map(|n| n.parse().unwrap()).collect(),
                states: c[2].to_string(),
                gccgo: match c[3] {
                    "yes" => true,
                    "no" => false,
                    other => panic!("gccgo column: {other}"),
                },
            }
        })
        .collect()
}

fn states(snaps: &[Snapshot]) -> String {
    let mut m: BTreeMap<String, usize> = BTreeMap::new();
    for s in snaps {
        for x in &s.samples {
            *m.entry(x.goroutine.as_ref().unwrap().state.to_string())
                .or_default() += 1;
        }
    }
    m.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(";")
}

#[test]
fn every_form_reads_with_its_expected_totals() {
    let rows = expected();
    let mut listed: Vec<String> = rows.iter().map(|r| r.file.clone()).collect();
    listed.sort();
    let mut present: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".txt") || n.ends_with(".log"))
        .collect();
    present.sort();
    assert_eq!(listed, present, "every example has a row in EXPECTED.tsv");

    let sequential = LoadOptions {
        parallel: false,
        ..LoadOptions::default()
    };
    let mut failures = Vec::new();
    for r in &rows {
        for (path, opts) in [
            ("parallel", LoadOptions::default()),
            ("sequential", sequential.clone()),
        ] {
            let snaps = match load::load_path(dir().join(&r.file).to_str().unwrap(), &opts) {
                Ok(s) => s,
                Err(e) => {
                    failures.push(format!("{} ({path}): {e}", r.file));
                    continue;
                }
            };
            let counts: Vec<usize> = snaps.iter().map(|s| s.samples.len()).collect();
            let st = states(&snaps);
            let gccgo: Vec<bool> = snaps.iter().map(|s| s.gccgo).collect();
            let warnings: Vec<&String> = snaps.iter().flat_map(|s| &s.warnings).collect();
            println!(
                "{} ({path}): {counts:?} {st} gccgo={gccgo:?} warnings {warnings:?}",
                r.file
            );
            if counts != r.counts {
                failures.push(format!(
                    "{} ({path}): goroutines {counts:?}, expected {:?}",
                    r.file, r.counts
                ));
            }
            if st != r.states {
                failures.push(format!(
                    "{} ({path}): states {st}, expected {}",
                    r.file, r.states
                ));
            }
            if gccgo.iter().any(|&g| g != r.gccgo) {
                failures.push(format!(
                    "{} ({path}): gccgo {gccgo:?}, expected {}",
                    r.file, r.gccgo
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn find(snaps: &[Snapshot], id: u64) -> (&Snapshot, &Sample) {
    for s in snaps {
        for x in &s.samples {
            if x.goroutine.as_ref().unwrap().id == id {
                return (s, x);
            }
        }
    }
    panic!("goroutine {id} not found");
}

fn info(x: &Sample) -> &GoroutineInfo {
    x.goroutine.as_deref().unwrap()
}

fn funcs<'a>(s: &'a Snapshot, x: &Sample) -> Vec<&'a str> {
    x.stack.iter().map(|&id| s.table.function(id)).collect()
}

/// (function, raw file, line) of every frame.
fn frames<'a>(s: &'a Snapshot, x: &Sample) -> Vec<(&'a str, &'a str, u32)> {
    x.stack
        .iter()
        .map(|&id| {
            let f = s.table.frame(id);
            (
                s.table.function(id),
                s.table.strings.get(f.raw_file),
                f.line,
            )
        })
        .collect()
}

fn created_by(s: &Snapshot, x: &Sample) -> (String, String, u32) {
    let id = x.created_by.expect("created by");
    let f = s.table.frame(id);
    (
        s.table.function(id).to_string(),
        s.table.strings.get(f.raw_file).to_string(),
        f.line,
    )
}

#[test]
fn glued_headers_keep_their_frames() {
    let v = load("glued-plain-runtime-stack.txt");
    let (s, g) = find(&v, 1);
    assert_eq!(
        funcs(s, g),
        ["main.dumpAll", "main.(*watchdog).fire", "main.main"]
    );
    let (s, g) = find(&v, 9);
    assert_eq!(funcs(s, g).len(), 9);
    assert_eq!(g.op, BlockingOp::IoWait);

    let v = load("glued-testlog-indented.txt");
    let (s, g) = find(&v, 23);
    assert_eq!(
        funcs(s, g),
        ["github.com/acme/queue.TestQueueDrains", "testing.tRunner"]
    );
    assert_eq!(info(g).parent_id, Some(1));
    let (s, g) = find(&v, 25);
    assert_eq!(g.op, BlockingOp::Cond);
    assert_eq!(
        created_by(s, g),
        (
            "github.com/acme/queue.New".into(),
            "/home/ci/work/queue/queue.go".into(),
            29
        )
    );

    let v = load("glued-recovered-panic-debug-stack.log");
    let (s, g) = find(&v, 12);
    let f = funcs(s, g);
    assert_eq!(f.len(), 10, "{f:?}");
    assert_eq!(f[0], "runtime/debug.Stack");
    assert_eq!(f[3], "main.parseBatch");
    assert_eq!(f[9], "net/http.(*conn).serve");
    let (s, g) = find(&v, 57);
    assert_eq!(funcs(s, g)[3], "main.(*refunds).create");

    let v = load("glued-journald-prefix.txt");
    let (s, g) = find(&v, 1);
    assert_eq!(funcs(s, g), ["main.dumpGoroutines", "main.main"]);
    let (s, g) = find(&v, 6);
    assert_eq!(info(g).wait_minutes, Some(41));
    assert_eq!(
        funcs(s, g),
        ["github.com/acme/billing/ledger.(*Flusher).loop"]
    );
    let (s, g) = find(&v, 77);
    let f = funcs(s, g);
    assert_eq!(f.len(), 6, "{f:?}");
    assert_eq!(f[3], "github.com/acme/billing/api.(*Handlers).Tag");
    assert_eq!(info(g).parent_id, Some(14));

    let v = load("glued-timestamped-container-log.txt");
    // 2024-05-14T10:22:31.004118392Z, the glued header's timestamp.
    assert_eq!(v[0].time_nanos, Some(1_715_682_151_004_118_392));
    let (s, g) = find(&v, 41);
    assert_eq!(
        funcs(s, g),
        [
            "github.com/acme/store/compact.(*Pool).wait",
            "github.com/acme/store/compact.(*Pool).Run"
        ]
    );
    let (_, g) = find(&v, 59);
    assert_eq!(g.op, BlockingOp::Mutex);
}

#[test]
fn windows_console_wrapping_is_undone() {
    let v = load("windows-console-padded-80.txt");
    let (s, g) = find(&v, 6);
    assert_eq!(
        frames(s, g),
        [
            (
                "syscall.SyscallN",
                "C:/Go/src/runtime/syscall_windows.go",
                544
            ),
            (
                "syscall.Syscall",
                "C:/Go/src/runtime/syscall_windows.go",
                482
            ),
            (
                "github.com/acme/usbagent/internal/winusb.(*Device).controlTransfer",
                "Z:/src/github.com/acme/usbagent/internal/winusb/device_windows.go",
                212
            ),
            (
                "github.com/acme/usbagent/internal/winusb.TestOpenDevice",
                "Z:/src/github.com/acme/usbagent/internal/winusb/device_windows_test.go",
                48
            ),
            ("testing.tRunner", "C:/Go/src/testing/testing.go", 1595),
        ]
    );
    assert!(info(g).locked_to_thread);
    let (s, g) = find(&v, 8);
    assert_eq!(
        funcs(s, g),
        ["github.com/acme/usbagent/internal/hotplug.(*Watcher).messagePump.func1"]
    );
    assert_eq!(info(g).parent_id, Some(7));
    let (s, g) = find(&v, 7);
    assert_eq!(
        frames(s, g),
        [(
            "github.com/acme/usbagent/internal/hotplug.(*Watcher).loop",
            "Z:/src/github.com/acme/usbagent/internal/hotplug/watcher_windows.go",
            97
        )]
    );
    for id in [10, 11] {
        let (s, g) = find(&v, id);
        assert_eq!(info(g).parent_id, Some(9), "goroutine {id}");
        assert_eq!(
            funcs(s, g),
            ["github.com/acme/usbagent/internal/rpc.(*Client).dispatch"]
        );
    }
    let (s, g) = find(&v, 13);
    assert_eq!(g.op, BlockingOp::Mutex);
    assert_eq!(
        frames(s, g)[3],
        (
            "github.com/acme/usbagent/internal/winusb.(*Device).Close",
            "Z:/src/github.com/acme/usbagent/internal/winusb/device_windows.go",
            301
        )
    );
    assert_eq!(
        created_by(s, g).0,
        "github.com/acme/usbagent/internal/hotplug.(*Watcher).onRemove"
    );
    let (s, g) = find(&v, 14);
    assert!(info(g).stack_unavailable);
    assert!(g.stack.is_empty());
    assert_eq!(
        created_by(s, g),
        (
            "github.com/acme/usbagent/internal/telemetry.Start".into(),
            "Z:/src/github.com/acme/usbagent/internal/telemetry/reporter.go".into(),
            44
        )
    );

    let v = load("windows-console-wrapped-100.txt");
    let (s, g) = find(&v, 18);
    assert_eq!(
        funcs(s, g),
        ["github.com/acme/agent/internal/supervisor.(*Supervisor).watchChildren"]
    );
    let (s, g) = find(&v, 19);
    assert_eq!(funcs(s, g)[3], "internal/poll.(*FD).acceptOne");
    assert_eq!(g.op, BlockingOp::IoWait);
    let module = "C:/Users/builder/go/pkg/mod/github.com/acme/agent-supervisor@";
    for (id, version) in [
        (20, "v0.14.2"),
        (21, "v0.14.2"),
        (22, "v0.14.3-0.20240301120000-abcdef012345"),
    ] {
        let (s, g) = find(&v, id);
        let file = format!("{module}{version}/child_windows.go");
        assert_eq!(
            frames(s, g),
            [(
                "github.com/acme/agent-supervisor.(*childProcess).waitExit.func1",
                file.as_str(),
                133
            )],
            "goroutine {id}"
        );
        assert_eq!(
            created_by(s, g),
            (
                "github.com/acme/agent-supervisor.(*childProcess).waitExit".into(),
                file.clone(),
                128
            )
        );
        assert_eq!(info(g).parent_id, Some(18));
    }
}

#[test]
fn gccgo_frames_are_frames() {
    let v = load("gccgo-sigabrt.txt");
    let (s, g) = find(&v, 19);
    assert_eq!(
        frames(s, g),
        [
            (
                "runtime.gopark",
                "../../../src_gcc/libgo/go/runtime/proc.go",
                367
            ),
            (
                "runtime.selectgo",
                "../../../src_gcc/libgo/go/runtime/select.go",
                327
            ),
            ("main.worker", "/home/dev/ingest/worker.go", 44),
            ("main.main.func1", "/home/dev/ingest/main.go", 41),
        ]
    );
    assert_eq!(g.op, BlockingOp::Select);
    assert_eq!(
        created_by(s, g),
        ("main.main".into(), "/home/dev/ingest/main.go".into(), 39)
    );
    let (s, g) = find(&v, 1);
    assert_eq!(funcs(s, g).last(), Some(&"main.main"));
    assert_eq!(g.op, BlockingOp::ChanReceive);
    // Zero frames: kept, with its state.
    let (_, g) = find(&v, 17);
    assert!(g.stack.is_empty());
    assert_eq!(info(g).state, "running");
    assert!(info(g).stack_unavailable);
    let (s, g) = find(&v, 18);
    assert!(g.stack.is_empty());
    assert!(info(g).stack_unavailable);
    assert_eq!(created_by(s, g).0, "main.startReader");
    let (s, g) = find(&v, 21);
    assert_eq!(funcs(s, g)[4], "main.worker.func2");
    assert_eq!(g.op, BlockingOp::ChanSend);
    assert!(v[0]
        .warnings
        .iter()
        .any(|w| w.contains("goroutine 17") && w.contains("no stack")));

    let v = load("gccgo-fatal-runtime-stack.txt");
    let (s, g) = find(&v, 6);
    assert_eq!(
        funcs(s, g)[4..],
        [
            "example.org/feeds/poller.Poller.loop",
            "example.org/feeds/poller.New.func1"
        ]
    );
    // Frames decide what the state cannot, as for gc: a range receive.
    assert_eq!(g.op, BlockingOp::RangeReceive);
    // Package paths as newer libgo encodes them: `internal_1poll`.
    let (s, g) = find(&v, 9);
    let f = funcs(s, g);
    assert_eq!(f.len(), 11);
    assert_eq!(f[2], "internal/poll.runtime_pollWait");
    assert_eq!(f[9], "net/http.Server.Serve");
    assert_eq!(g.op, BlockingOp::IoWait);
    let (s, g) = find(&v, 11);
    assert_eq!(created_by(s, g).0, "os/signal.Notify.func1");
    let (_, g) = find(&v, 1);
    assert!(g.stack.is_empty());

    let v = load("gccgo-old-c-runtime-deadlock.txt");
    let (s, g) = find(&v, 18);
    assert_eq!(
        funcs(s, g),
        [
            "runtime_gopark",
            "runtime_park",
            "chansend",
            "__go_send_big",
            "main.$nested0",
            "kickoff"
        ]
    );
    assert_eq!(
        created_by(s, g),
        ("main.main".into(), "/home/pi/blink/main.go".into(), 20)
    );
    let (s, g) = find(&v, 17);
    assert_eq!(created_by(s, g).0, "runtime_createfing");

    let v = load("gccgo-test-timeout.txt");
    let (s, g) = find(&v, 21);
    assert_eq!(funcs(s, g)[4], "git.example.com/db/replica.Replica.CatchUp");
    assert_eq!(g.op, BlockingOp::WaitGroup);
    for id in [22, 24] {
        let (_, g) = find(&v, id);
        assert!(g.stack.is_empty(), "goroutine {id}");
    }
}

/// gc dumps are not marked gccgo, and a gccgo file's groups key like gc's
/// where the names agree (`..func1` is `.func1`).
#[test]
fn gc_dumps_are_not_gccgo() {
    for f in [
        "glued-plain-runtime-stack.txt",
        "windows-console-padded-80.txt",
    ] {
        assert!(load(f).iter().all(|s| !s.gccgo), "{f}");
    }
}
