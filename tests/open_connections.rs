//! Goroutines blocked on the network whose only evidence is that they stay
//! or that their count grows (issue 13): each is an open connection's
//! reader, and a connection that leaked and one that a growing set of
//! clients, streams or pooled connections keeps open look the same. They
//! are `low`, saying so and what would decide; a second kind of evidence
//! (waits that grow with the clock, a reader that outlived its connection's
//! other goroutines) still decides on its own.

mod written;

use leakdiff::classify::{Finding, Severity};
use written::{analyze_written, capture_texts};

/// A reader blocked in `net.(*conn).Read` under `reader` (its file and
/// line), as Go 1.27 writes it.
fn reader(id: u64, wait: &str, reader: &str, at: &str) -> String {
    format!(
        "goroutine {id} [IO wait{wait}]:\ninternal/poll.runtime_pollWait(0x7f623cfce400, 0x72)\n\truntime/netpoll.go:351 +0x85\ninternal/poll.(*pollDesc).wait(0xc000332100?, 0xc000343000?, 0x0)\n\tinternal/poll/fd_poll_runtime.go:84 +0x27\ninternal/poll.(*pollDesc).waitRead(...)\n\tinternal/poll/fd_poll_runtime.go:89\ninternal/poll.(*FD).Read(0xc000332100, {{0xc000343000, 0x1000, 0x1000}})\n\tinternal/poll/fd_unix.go:165 +0x279\nnet.(*netFD).Read(0xc000332100, {{0xc000343000?, 0x0?, 0x0?}})\n\tnet/fd_posix.go:68 +0x25\nnet.(*conn).Read(0xc000314010, {{0xc000343000?, 0x0?, 0x0?}})\n\tnet/net.go:196 +0x45\nbufio.(*Reader).fill(0xc00030af18)\n\tbufio/bufio.go:113 +0x103\nbufio.(*Reader).ReadSlice(0xc00030af18, 0xa)\n\tbufio/bufio.go:377 +0x29\n{reader}(0xc000{id:06x})\n\t{at} +0x1f6\ncreated by main.(*Server).serve in goroutine 1\n\t/src/app/server.go:31 +0x19c\n\n"
    )
}

/// Three debug=2 dumps of readers under `function` that all stay: 10, 25,
/// then 45; `waits[k]` is the wait of the first ten at snapshot k.
fn dumps(function: &str, at: &str, waits: [u32; 3]) -> Vec<String> {
    (0..3usize)
        .map(|k| {
            let mut s = String::from(
                "goroutine 1 [IO wait]:\ninternal/poll.runtime_pollWait(0x7f623cfce400, 0x72)\n\truntime/netpoll.go:351 +0x85\nnet.(*TCPListener).Accept(0xc000100000)\n\tnet/tcpsock.go:380 +0x30\nmain.(*Server).serve(0xc000100000)\n\t/src/app/server.go:28 +0x45\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n",
            );
            for (g, &(first, count)) in [(100u64, 10u64), (200, 15), (300, 20)]
                .iter()
                .enumerate()
                .take(k + 1)
            {
                let wait = match waits[k] {
                    m if g == 0 && m > 0 => format!(", {m} minutes"),
                    _ => String::new(),
                };
                for id in first..first + count {
                    s.push_str(&reader(id, &wait, function, at));
                }
            }
            s
        })
        .collect()
}

fn finding_in<'a>(found: &'a [Finding], function: &str) -> &'a Finding {
    found
        .iter()
        .find(|f| f.frames.iter().any(|fr| fr.function == function))
        .unwrap_or_else(|| panic!("no finding in {function}: {found:#?}"))
}

const OPEN: &str = "goroutines wait on the network: each reads for an open connection";

/// Readers written the ways services write them: a session's read loop, a
/// server's per-connection handler, a closure started per connection.
const READERS: [(&str, &str); 3] = [
    ("main.(*session).readLoop", "/src/app/session.go:52"),
    ("main.(*Server).handle", "/src/app/server.go:77"),
    ("main.(*Hub).Attach.func1", "/src/app/hub.go:140"),
];

#[test]
fn readers_that_only_stay_are_open_connections_low() {
    for (function, at) in READERS {
        let found = analyze_written(&dumps(function, at, [0, 0, 0]), "debug2.txt");
        let f = finding_in(&found, function);
        assert_eq!(f.severity, Severity::Low, "{function}: {f:#?}");
        assert!(f.confidence <= 0.3, "{function}");
        assert!(
            f.decided_by.contains(OPEN)
                && f.decided_by
                    .contains("keep their readers from one snapshot to the next"),
            "{function}: {}",
            f.decided_by
        );
        let decide = &f.decide;
        assert!(
            decide.contains("level off") && decide.contains("--source"),
            "{function}: {decide}"
        );
    }
}

#[test]
fn readers_whose_waits_grow_with_the_clock_stay_findings() {
    // The first ten have waited 0, then 2, then 4 minutes: nobody reads
    // from or closes their connections.
    for (function, at) in READERS {
        let found = analyze_written(&dumps(function, at, [0, 2, 4]), "debug2.txt");
        let f = finding_in(&found, function);
        assert!(f.severity >= Severity::Medium, "{function}: {f:#?}");
        assert!(!f.decided_by.contains(OPEN), "{function}: {}", f.decided_by);
    }
}

#[test]
fn captured_connection_leaks_with_counts_only_say_what_would_decide() {
    // Back-to-back snapshots of programs that leak connections (a server
    // that never closes idle agents' connections, a Transport per call):
    // the readers' growth is the only evidence, in every format.
    for release in ["go1.27", "go1.19"] {
        for (program, function) in [
            (
                "net-conn-not-closed--server-read-loop",
                "main.(*Server).handle",
            ),
            (
                "http-transport-not-reused--client-per-call",
                "net/http.(*persistConn).readLoop",
            ),
        ] {
            for format in ["pb.gz", "debug1.txt", "debug2.txt"] {
                let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("testdata/captures")
                    .join(release)
                    .join(program);
                let texts: Vec<String> = if format == "pb.gz" {
                    Vec::new()
                } else {
                    capture_texts(release, program, format)
                };
                let found = if format == "pb.gz" {
                    let snaps: Vec<_> = (1..=3)
                        .flat_map(|k| {
                            leakdiff::load::load_path(
                                dir.join(format!("goroutine-{k}.pb.gz")).to_str().unwrap(),
                                &leakdiff::load::LoadOptions::default(),
                            )
                            .unwrap()
                        })
                        .collect();
                    leakdiff::commands::analyze::analyze_snapshots(
                        &snaps,
                        &leakdiff::classify::Catalog::builtin(),
                        &Default::default(),
                    )
                    .unwrap()
                    .findings
                } else {
                    analyze_written(&texts, format)
                };
                let f = finding_in(&found, function);
                let case = (release, program, format);
                assert_eq!(f.severity, Severity::Low, "{case:?}: {f:#?}");
                assert!(f.decided_by.contains(OPEN), "{case:?}: {}", f.decided_by);
                assert_eq!(f.pattern, program.split("--").next().unwrap(), "{case:?}");
            }
        }
    }
}
