//! Goroutines that outlive their connection's reader (issue 13). A debug=2
//! dump prints each method's receiver: a heartbeat or writer and a reader
//! blocked on the network that a function started together for one object
//! (`go c.readLoop(); go c.heartbeat()`) work for one connection. The
//! reader exits when the connection ends; where it has exited between two
//! snapshots, no reader of that object is left, and the other stays in
//! its wait, nothing it serves is left: it leaked.
//!
//! Checked on captured programs (three leaks written the ways such pairs
//! are written, two leak-free controls) and on written dumps for each
//! condition that must hold.

mod written;

use leakdiff::classify::{Finding, Severity};
use written::{analyze_written_source, capture_texts};

const DECIDED: &str = "outlived the reader of their connection";

fn analyze(texts: &[String]) -> Vec<Finding> {
    analyze_written_source(texts, "debug2.txt", None).findings
}

fn of<'a>(found: &'a [Finding], function: &str) -> &'a Finding {
    found
        .iter()
        .find(|f| f.site.as_ref().is_some_and(|s| s.function == function))
        .unwrap_or_else(|| panic!("no finding for {function}: {found:#?}"))
}

#[test]
fn captured_heartbeats_writers_and_keepalives_left_by_their_reader_are_high() {
    for (program, function, releases) in [
        (
            "select-no-exit--heartbeat-after-reader",
            "main.(*sinkConn).heartbeat",
            &["go1.27", "go1.19"][..],
        ),
        (
            "context-not-cancelled--keepalive-after-reader",
            "main.(*Stream).keepAlive",
            &["go1.27", "go1.19"][..],
        ),
        // Go 1.27 inlines the write pump into its goroutine's wrapper and
        // prints its frame as `writePump(...)`, with no receiver: nothing
        // pairs it there (checked below).
        (
            "range-unclosed-channel--writer-after-reader",
            "main.(*client).writePump",
            &["go1.19"][..],
        ),
        // Connections of three goroutines: the reader, one that exits
        // with it, and one left behind.
        (
            "select-no-exit--flusher-after-reader-trio",
            "main.(*shardConn).flushAcks",
            &["go1.27", "go1.19"][..],
        ),
        (
            "context-not-cancelled--writer-after-reader-trio",
            "main.(*Session).send",
            &["go1.27", "go1.19"][..],
        ),
    ] {
        for release in releases {
            let found = analyze(&capture_texts(release, program, "debug2.txt"));
            let f = of(&found, function);
            assert!(f.severity >= Severity::High, "{release}/{program}: {f:#?}");
            assert!(f.confidence >= 0.8, "{release}/{program}: {f:#?}");
            assert!(
                f.decided_by.contains(DECIDED),
                "{release}/{program}: {}",
                f.decided_by
            );
        }
    }
    let found = analyze(&capture_texts(
        "go1.27",
        "range-unclosed-channel--writer-after-reader",
        "debug2.txt",
    ));
    let f = of(&found, "main.(*client).writePump");
    assert_eq!(f.severity, Severity::Medium, "{f:#?}");
    assert!(!f.decided_by.contains(DECIDED), "{}", f.decided_by);
}

/// A loop the source shows cancellable is a roster's member, `low`, unless
/// its connection ended and it stayed.
#[test]
fn a_cancellable_loop_that_outlived_its_reader_is_not_capped_by_its_source() {
    for release in ["go1.27", "go1.19"] {
        let program = "select-no-exit--heartbeat-after-reader";
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/captures")
            .join(release)
            .join(program);
        let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/go")
            .join(program);
        let out = assert_cmd::Command::cargo_bin("leakdiff")
            .unwrap()
            .args(["analyze", "--format", "json", "--source"])
            .arg(&source)
            .args((1..=3).map(|k| dir.join(format!("goroutine-{k}.debug2.txt"))))
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let f = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["site"]["function"] == "main.(*sinkConn).heartbeat")
            .expect("the heartbeats are a finding");
        assert_eq!(f["severity"], "high", "{release}: {f:#}");
        assert!(
            f["decided_by"].as_str().unwrap().contains(DECIDED),
            "{release}: {f:#}"
        );
        assert!(
            f["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e.as_str().unwrap().contains("that way out did not come")),
            "{release}: {f:#}"
        );
    }
}

/// Leak-free: links whose reader and heartbeat end together when a peer
/// drops them, connections whose reader, writer and keep-alive end
/// together, and sessions whose greeter (not a reader) ends while their
/// serve loop goes on.
#[test]
fn captured_controls_are_not_decided_by_a_reader_gone() {
    for program in [
        "control-conn-pair-redial",
        "control-conn-trio-redial",
        "control-session-greeter",
    ] {
        for release in ["go1.27", "go1.19"] {
            for f in analyze(&capture_texts(release, program, "debug2.txt")) {
                assert!(
                    !f.decided_by.contains(DECIDED)
                        && !f
                            .evidence
                            .iter()
                            .any(|e| e.contains("outlived their connection")),
                    "{release}/{program}: {f:#?}"
                );
            }
        }
    }
}

/// How the written connections are.
#[derive(Clone, Copy, Debug)]
enum Conns {
    /// Each phase's heartbeats have their readers; the readers of earlier
    /// phases are gone, the heartbeats stay.
    ReaderGone,
    /// The same, but each connection was redialled: a new reader works
    /// for the same object at the next snapshot.
    Redialled,
    /// The readers were started by another function than the heartbeats.
    OtherStarter,
    /// The partner is not a reader: it sleeps (a greeter, a helper).
    NotAReader,
    /// The receivers are printed with `?`: nothing ties them to one object.
    Inexact,
    /// As `ReaderGone`, with a writer per connection too, which exits
    /// with its reader.
    Trio,
    /// Two goroutines of each connection read the network: which one's
    /// end is the connection's is not known.
    TwoReaders,
}

fn object(id: u64) -> u64 {
    0xc000100000 + id * 0x400
}

/// Three dumps: 10 heartbeats per phase that all stay (10, 20, 30), each
/// phase's with their partners, whose earlier partners are gone.
fn conns(how: Conns) -> Vec<String> {
    let reader = |id: u64, obj: &str, creator: &str| {
        format!("goroutine {} [IO wait]:\ninternal/poll.runtime_pollWait(0x7f623cfce400, 0x72)\n\truntime/netpoll.go:351 +0x85\ninternal/poll.(*pollDesc).wait(0xc000332100?, 0xc000343000?, 0x0)\n\tinternal/poll/fd_poll_runtime.go:84 +0x27\ninternal/poll.(*pollDesc).waitRead(...)\n\tinternal/poll/fd_poll_runtime.go:89\ninternal/poll.(*FD).Read(0xc000332100, {{0xc000343000, 0x1000, 0x1000}})\n\tinternal/poll/fd_unix.go:165 +0x279\nnet.(*netFD).Read(0xc000332100, {{0xc000343000?, 0x0?, 0x0?}})\n\tnet/fd_posix.go:68 +0x25\nnet.(*conn).Read(0xc000314010, {{0xc000343000?, 0x0?, 0x0?}})\n\tnet/net.go:196 +0x45\nbufio.(*Reader).fill(0xc00030af18)\n\tbufio/bufio.go:113 +0x103\nbufio.(*Reader).ReadSlice(0xc00030af18, 0xa)\n\tbufio/bufio.go:377 +0x29\nmain.(*link).readLoop({obj})\n\t/src/app/link.go:52 +0x1f6\ncreated by {creator} in goroutine 1\n\t/src/app/link.go:31 +0x19c\n\n", id)
    };
    let helper = |id: u64, obj: &str| {
        format!("goroutine {id} [sleep]:\ntime.Sleep(0x77359400)\n\truntime/time.go:363 +0x165\nmain.(*link).greet({obj})\n\t/src/app/link.go:70 +0x25\ncreated by main.dial in goroutine 1\n\t/src/app/link.go:32 +0x19c\n\n")
    };
    let writer = |id: u64, obj: &str| {
        format!("goroutine {id} [chan receive]:\nmain.(*link).writeLoop({obj})\n\t/src/app/link.go:80 +0x25\ncreated by main.dial in goroutine 1\n\t/src/app/link.go:33 +0x19c\n\n")
    };
    let mut out = Vec::new();
    for k in 0..3u64 {
        let mut s =
            String::from("goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n");
        for phase in 0..=k {
            for i in 0..10 {
                let id = 100 + phase * 10 + i;
                let obj = match how {
                    Conns::Inexact => format!("{:#x}?", object(id)),
                    _ => format!("{:#x}", object(id)),
                };
                s.push_str(&format!("goroutine {id} [select]:\nmain.(*link).heartbeat({obj}, 0x4a817c800)\n\t/src/app/link.go:61 +0xa5\ncreated by main.dial in goroutine 1\n\t/src/app/link.go:32 +0x13c\n\n"));
                let current = phase == k;
                match how {
                    Conns::ReaderGone | Conns::Inexact if current => {
                        s.push_str(&reader(10_000 + id, &obj, "main.dial"))
                    }
                    Conns::Trio if current => {
                        s.push_str(&reader(10_000 + id, &obj, "main.dial"));
                        s.push_str(&writer(20_000 + id, &obj));
                    }
                    Conns::TwoReaders if current => {
                        s.push_str(&reader(10_000 + id, &obj, "main.dial"));
                        s.push_str(&reader(20_000 + id, &obj, "main.dial"));
                    }
                    // A new reader per snapshot for every connection.
                    Conns::Redialled => {
                        s.push_str(&reader(10_000 + id + 1000 * k, &obj, "main.dial"))
                    }
                    Conns::OtherStarter if current => {
                        s.push_str(&reader(10_000 + id, &obj, "main.(*pool).watch"))
                    }
                    Conns::NotAReader if current => s.push_str(&helper(10_000 + id, &obj)),
                    _ => {}
                }
            }
        }
        out.push(s);
    }
    out
}

#[test]
fn a_reader_gone_decides_only_for_its_own_connection_pair() {
    for how in [Conns::ReaderGone, Conns::Trio] {
        let found = analyze(&conns(how));
        let f = of(&found, "main.(*link).heartbeat");
        assert!(f.severity >= Severity::High, "{how:?}: {f:#?}");
        assert!(f.decided_by.contains(DECIDED), "{how:?}: {}", f.decided_by);
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("outlived their connection: 20 goroutines")
                    && e.contains("main.(*link).readLoop")),
            "{how:?}: {:#?}",
            f.evidence
        );
    }
    for how in [
        Conns::TwoReaders,
        Conns::Redialled,
        Conns::OtherStarter,
        Conns::NotAReader,
        Conns::Inexact,
    ] {
        let found = analyze(&conns(how));
        let f = of(&found, "main.(*link).heartbeat");
        assert!(!f.decided_by.contains(DECIDED), "{how:?}: {}", f.decided_by);
        assert!(
            !f.evidence
                .iter()
                .any(|e| e.contains("outlived their connection")),
            "{how:?}: {:#?}",
            f.evidence
        );
        assert!(f.severity <= Severity::Medium, "{how:?}: {f:#?}");
    }
}
