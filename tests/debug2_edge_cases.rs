//! Hand-written debug=2 inputs in `tests/data/debug2/` for variants no real
//! capture in hand produces: truncation, several dumps per log, CRLF, log
//! prefixes, markdown, Go 1.27 labels, GOTRACEBACK=crash headers, elision,
//! tracebackancestors, never-waking operations and corrupt bytes.

use leakdiff::load::{load_path, LoadOptions};
use leakdiff::model::{BlockingOp, GoroutineInfo, Sample, Snapshot};

fn load(name: &str) -> Vec<Snapshot> {
    let path = format!("{}/tests/data/debug2/{name}", env!("CARGO_MANIFEST_DIR"));
    load_path(&path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn info(s: &Sample) -> &GoroutineInfo {
    s.goroutine.as_deref().unwrap()
}

fn ids(s: &Snapshot) -> Vec<u64> {
    s.samples.iter().map(|x| info(x).id).collect()
}

fn functions(s: &Snapshot, i: usize) -> Vec<&str> {
    s.samples[i]
        .stack
        .iter()
        .map(|&f| s.table.function(f))
        .collect()
}

/// The four-goroutine dump most files wrap.
fn check_worker_dump(name: &str, s: &Snapshot) {
    assert_eq!(ids(s), vec![1, 7, 8, 9], "{name}");
    assert_eq!(functions(s, 0), vec!["main.main"], "{name}");
    let w = &s.samples[1];
    assert_eq!(
        functions(s, 1),
        vec![
            "runtime.gopark",
            "runtime.chanrecv",
            "runtime.chanrecv1",
            "example.com/app/worker.(*Pool).run"
        ],
        "{name}"
    );
    assert_eq!(
        s.table.file(w.stack[3]),
        "example.com/app/worker/pool.go",
        "{name}"
    );
    assert_eq!(s.table.frame(w.stack[3]).line, 88, "{name}");
    assert_eq!(info(w).state, "chan receive", "{name}");
    assert_eq!(info(w).wait_minutes, Some(3), "{name}");
    assert_eq!(info(w).parent_id, Some(1), "{name}");
    assert_eq!(w.op, BlockingOp::ChanReceive, "{name}");
    let cb = w.created_by.unwrap();
    assert_eq!(
        s.table.function(cb),
        "example.com/app/worker.Start",
        "{name}"
    );
    assert_eq!(s.table.frame(cb).line, 40, "{name}");
    assert_eq!(info(&s.samples[3]).wait_minutes, Some(12), "{name}");
}

#[test]
fn prefixed_and_reencoded_copies_of_one_dump() {
    for name in [
        "crlf.txt",
        "journald.log",
        "cri.log",
        "kubectl_timestamps.log",
        "github_actions.log",
    ] {
        let v = load(name);
        assert_eq!(v.len(), 1, "{name}");
        check_worker_dump(name, &v[0]);
        assert!(v[0].warnings.is_empty(), "{name}: {:?}", v[0].warnings);
    }
}

#[test]
fn timestamps_give_the_snapshot_time() {
    // 2024-03-05T14:02:11.123456000Z, the CRI header line.
    assert_eq!(
        load("cri.log")[0].time_nanos,
        Some(1_709_647_331_123_456_000)
    );
    assert!(load("kubectl_timestamps.log")[0].time_nanos.is_some());
    assert_eq!(load("crlf.txt")[0].time_nanos, None);
}

#[test]
fn markdown_indented_and_quoted() {
    let v = load("markdown_indented.md");
    // Prose between the two blocks: two dumps (before and after a restart).
    assert_eq!(v.len(), 2);
    check_worker_dump("markdown_indented.md", &v[0]);
    assert_eq!(ids(&v[1]), vec![1, 77]);
    assert_eq!(v[1].samples[1].stack.len(), 4);
}

#[test]
fn truncated_dump_keeps_the_complete_part() {
    let v = load("truncated.txt");
    assert_eq!(v.len(), 1);
    let s = &v[0];
    assert_eq!(ids(s), vec![1, 7, 8, 9, 10]);
    for x in &s.samples[..4] {
        assert!(!info(x).frames_elided);
    }
    let last = &s.samples[4];
    assert!(info(last).frames_elided);
    assert_eq!(
        functions(s, 4),
        vec![
            "internal/poll.runtime_pollWait",
            "internal/poll.(*pollDesc).wait"
        ]
    );
    assert_eq!(last.op, BlockingOp::IoWait);
    assert_eq!(
        s.warnings,
        vec!["truncated at line 47: last goroutine incomplete".to_string()]
    );
}

#[test]
fn two_dumps_in_one_test_log() {
    let v = load("two_dumps.log");
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].index_in_source, 0);
    assert_eq!(v[1].index_in_source, 1);
    check_worker_dump("two_dumps.log", &v[0]);
    assert_eq!(ids(&v[1]), vec![0, 1, 21]);
    assert!(info(&v[1].samples[1]).locked_to_thread);
    assert!(v[1].name().ends_with("two_dumps.log#2"));
}

#[test]
fn labels() {
    let s = &load("labels.txt")[0];
    assert_eq!(ids(s), vec![1, 11, 12]);
    let kv = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert!(s.samples[0].labels.is_empty());
    assert_eq!(
        s.samples[1].labels,
        kv(&[("handler", "/api/v1/items"), ("tenant", "42")])
    );
    assert_eq!(info(&s.samples[1]).state, "chan receive");
    assert_eq!(
        s.samples[2].labels,
        kv(&[
            ("request id", "a1b2 c3"),
            ("path", "/x?q=\"y\""),
            ("emoji", "\u{263a}"),
            ("bad", "\u{fffd}")
        ])
    );
    assert_eq!(info(&s.samples[2]).state, "select");
    assert_eq!(info(&s.samples[2]).wait_minutes, Some(2));
}

#[test]
fn gotraceback_crash_headers_and_relay_sections() {
    let v = load("gp_m_headers.txt");
    // The section thread m=3 printed after the dump belongs to the dump.
    assert_eq!(v.len(), 1);
    let s = &v[0];
    assert_eq!(ids(s), vec![0, 1, 2, 18, 0, 18]);
    assert_eq!(functions(s, 0), vec!["runtime.futex", "runtime.mcall"]);
    assert_eq!(
        functions(s, 1),
        vec![
            "runtime.gopark",
            "runtime.chanrecv1",
            "main.main",
            "runtime.main"
        ]
    );
    assert_eq!(info(&s.samples[1]).wait_minutes, Some(4));
    let unavailable = info(&s.samples[3]);
    assert!(unavailable.stack_unavailable && unavailable.locked_to_thread);
    assert!(s.samples[3].stack.is_empty());
    assert_eq!(functions(s, 5), vec!["main.spin", "main.main.func2"]);
}

#[test]
fn elided_frames() {
    let s = &load("elided.txt")[0];
    assert_eq!(ids(s), vec![1, 5]);
    assert!(info(&s.samples[0]).frames_elided);
    assert_eq!(s.samples[0].stack.len(), 101);
    assert!(!info(&s.samples[1]).frames_elided);
}

#[test]
fn ancestors_are_not_goroutines() {
    let s = &load("ancestors.txt")[0];
    assert_eq!(ids(s), vec![1, 24, 25]);
    assert_eq!(functions(s, 1), vec!["main.loop"]);
    assert_eq!(info(&s.samples[1]).parent_id, Some(23));
    assert_eq!(functions(s, 2), vec!["main.produce"]);
    assert_eq!(s.samples[2].op, BlockingOp::ChanSend);
    assert!(!info(&s.samples[2]).frames_elided);
}

#[test]
fn never_waking_and_leaked() {
    let s = &load("nil_chan_no_cases.txt")[0];
    assert_eq!(ids(s), vec![1, 3, 4, 5, 6]);
    let st: Vec<(&str, BlockingOp, bool)> = s
        .samples
        .iter()
        .map(|x| (&*info(x).state, x.op, info(x).leaked))
        .collect();
    assert_eq!(
        st,
        vec![
            ("running", BlockingOp::Running, false),
            ("chan receive (nil chan)", BlockingOp::NilChan, false),
            ("select (no cases)", BlockingOp::SelectNoCases, false),
            ("chan send (nil chan)", BlockingOp::NilChan, true),
            ("chan receive", BlockingOp::RangeReceive, true),
        ]
    );
    assert_eq!(info(&s.samples[1]).wait_minutes, Some(7));
}

#[test]
fn invalid_utf8() {
    let s = &load("invalid_utf8.txt")[0];
    assert_eq!(ids(s), vec![1, 7]);
    assert_eq!(
        functions(s, 1)[3],
        "example.com/app/worker.(*Pool).r\u{fffd}n\u{fffd}"
    );
    assert!(s.samples[1].created_by.is_some());
}

/// NUL bytes do not disturb the parser. (Format detection currently treats
/// input with a NUL in its first 8 KiB as binary, so this reads the file
/// through the debug=2 loader directly.)
#[test]
fn nul_bytes() {
    let path = format!(
        "{}/tests/data/debug2/nul_bytes.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let data = std::fs::read(path).unwrap();
    let mut r = std::io::BufReader::new(&data[..]);
    let v = leakdiff::load::debug2::load(&mut r, "nul_bytes.txt", &LoadOptions::default()).unwrap();
    let s = &v[0];
    assert_eq!(ids(s), vec![1, 7]);
    let w = &s.samples[1];
    assert_eq!(s.table.raw_file(w.stack[3]), "/src/app/worker/po\0ol.go");
    assert_eq!(s.table.frame(w.stack[3]).line, 88);
}
