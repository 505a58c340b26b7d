//! Goroutines that work for one object (issue 13). A debug=2 dump prints
//! each method's receiver (`main.(*desk).run(0xc000100400, …)`): a
//! goroutine whose entry frame is a method with a pointer receiver was
//! started for that object. Two readings follow from it, each
//! checked here on both sides:
//!
//! - a goroutine waiting on a WaitGroup that is a field of its own object
//!   (the WaitGroup's address, printed exactly, lies just above the
//!   receiver), while goroutines of another group work for that object,
//!   waits for those: `low`, as a wait for live children is;
//! - a connection's writer whose reader (the same object) is alive and
//!   blocked on the network lives as long as its connection: waits that
//!   grow are an idle connection's, not a stuck goroutine's.

mod written;

use leakdiff::classify::{Finding, Severity};
use written::{analyze_written_source, staying_series as series};

/// The object of goroutine `id`'s group member: one per goroutine.
fn object(id: u64) -> u64 {
    0xc000100000 + id * 0x400
}

fn analyze(texts: &[String]) -> Vec<Finding> {
    analyze_written_source(texts, "debug2.txt", None).findings
}

/// The finding that reports `function` (its site, or a related group).
fn of(found: &[Finding], function: &str) -> Finding {
    found
        .iter()
        .find(|f| {
            f.site.as_ref().is_some_and(|s| s.function == function)
                || f.related
                    .iter()
                    .any(|r| r.site.as_ref().is_some_and(|s| s.function == function))
        })
        .unwrap_or_else(|| panic!("no finding for {function}: {found:#?}"))
        .clone()
}

/// How the desks' WaitGroups and follow-ups are.
#[derive(Clone, Copy, Debug)]
enum Desks {
    /// The WaitGroup is a field of each desk (printed exactly), and a
    /// follow-up works for each desk, started by another follow-up that
    /// has exited (its parent id names no live goroutine).
    Followed,
    /// The same, but the follow-ups have all exited: the Dones were
    /// skipped.
    Gone,
    /// The WaitGroup's address is printed with `?` (Go 1.18 and later,
    /// for a value that may be stale): nothing ties it to the desk.
    Inexact,
    /// The WaitGroup is far from the desk: not one of its fields.
    Elsewhere,
    /// Every waiter is one desk's, and the follow-ups too: one object,
    /// not one per waiter.
    Shared,
    /// The follow-ups work for other desks than the waiters'.
    Neighbours,
}

fn desks(how: Desks) -> Vec<String> {
    series(
        |id, wait| {
            let desk = match how {
                Desks::Shared => object(1),
                _ => object(id),
            };
            let wg = match how {
                Desks::Inexact => format!("{:#x}?", desk + 0x28),
                Desks::Elsewhere => format!("{:#x}", desk + 0x100000),
                _ => format!("{:#x}", desk + 0x28),
            };
            format!("goroutine {id} [sync.WaitGroup.Wait{wait}]:\nsync.runtime_SemacquireWaitGroup(0x0?, 0x0?)\n\truntime/sema.go:114 +0x2e\nsync.(*WaitGroup).Wait({wg})\n\tsync/waitgroup.go:206 +0x85\nmain.(*desk).run({desk:#x}, {{0x5f1e20, 0xc000012000}})\n\t/src/app/desks.go:73 +0x33c\ncreated by main.(*floor).staff in goroutine 1\n\t/src/app/desks.go:204 +0xfb\n\n")
        },
        |id, wait| {
            let desk = match how {
                Desks::Gone => return None,
                Desks::Shared => object(1),
                Desks::Neighbours => object(id) + 0x200,
                _ => object(id),
            };
            Some(format!("goroutine {} [select{wait}]:\nmain.(*desk).watchHold({desk:#x}, 0xc000900000)\n\t/src/app/desks.go:147 +0xa5\ncreated by main.(*desk).followReferral in goroutine {}\n\t/src/app/desks.go:128 +0x3df\n\n", id + 10_000, id + 50_000))
        },
    )
}

#[test]
fn a_wait_on_its_own_objects_waitgroup_while_that_object_works_is_low() {
    let f = of(&analyze(&desks(Desks::Followed)), "main.(*desk).run");
    assert_eq!(f.severity, Severity::Low, "{f:#?}");
    assert!(f.confidence <= 0.3);
    assert!(
        f.decided_by.contains("a WaitGroup of their own object")
            && f.decided_by.contains("work for that object"),
        "{}",
        f.decided_by
    );
    // Stuck where nothing works for the desk, and where nothing ties the
    // WaitGroup to one desk each.
    for how in [
        Desks::Gone,
        Desks::Inexact,
        Desks::Elsewhere,
        Desks::Shared,
        Desks::Neighbours,
    ] {
        let f = of(&analyze(&desks(how)), "main.(*desk).run");
        assert!(f.severity >= Severity::High, "{how:?}: {f:#?}");
        assert!(
            !f.decided_by.contains("own object"),
            "{how:?}: {}",
            f.decided_by
        );
    }
}

/// How the sessions' readers are.
#[derive(Clone, Copy, Debug)]
enum Readers {
    /// Each session's reader is alive, blocked reading its socket.
    Alive,
    /// The readers have exited (the peer hung up): nothing ends the
    /// writers.
    Gone,
    /// Alive, but every writer and reader is one server's method, not a
    /// session's: nothing pairs them.
    Shared,
    /// Alive, for other sessions than the writers'.
    OtherSessions,
}

fn sessions(how: Readers) -> Vec<String> {
    let reader = |id: u64, wait: &str, s: u64| {
        format!("goroutine {} [IO wait{wait}]:\ninternal/poll.runtime_pollWait(0x7f623cfce400, 0x72)\n\truntime/netpoll.go:351 +0x85\ninternal/poll.(*pollDesc).wait(0xc000332100?, 0xc000343000?, 0x0)\n\tinternal/poll/fd_poll_runtime.go:84 +0x27\ninternal/poll.(*pollDesc).waitRead(...)\n\tinternal/poll/fd_poll_runtime.go:89\ninternal/poll.(*FD).Read(0xc000332100, {{0xc000343000, 0x1000, 0x1000}})\n\tinternal/poll/fd_unix.go:165 +0x279\nnet.(*netFD).Read(0xc000332100, {{0xc000343000?, 0x0?, 0x0?}})\n\tnet/fd_posix.go:68 +0x25\nnet.(*conn).Read(0xc000314010, {{0xc000343000?, 0x0?, 0x0?}})\n\tnet/net.go:196 +0x45\nbufio.(*Reader).fill(0xc00030af18)\n\tbufio/bufio.go:113 +0x103\nbufio.(*Reader).ReadSlice(0xc00030af18, 0xa)\n\tbufio/bufio.go:377 +0x29\nmain.(*session).readLoop({s:#x})\n\t/src/app/server.go:129 +0x1f6\ncreated by main.(*Server).Serve in goroutine 12\n\t/src/app/server.go:55 +0x19c\n\n", id + 10_000)
    };
    series(
        |id, wait| {
            let s = match how {
                Readers::Shared => object(1),
                _ => object(id),
            };
            format!("goroutine {id} [select{wait}]:\nmain.(*session).writeLoop({s:#x})\n\t/src/app/server.go:196 +0x185\ncreated by main.(*Server).Serve in goroutine 12\n\t/src/app/server.go:54 +0x156\n\n")
        },
        |id, wait| match how {
            Readers::Alive => Some(reader(id, wait, object(id))),
            Readers::Gone => None,
            Readers::Shared => Some(reader(id, wait, object(1))),
            Readers::OtherSessions => Some(reader(id, wait, object(id) + 0x200)),
        },
    )
}

#[test]
fn a_writer_whose_reader_waits_on_the_network_is_its_connections() {
    let f = of(
        &analyze(&sessions(Readers::Alive)),
        "main.(*session).writeLoop",
    );
    // The readers' group says whether the connections leak; the writers
    // of open connections are low, whatever their waits (an idle
    // connection's writer waits as long as it is idle).
    assert_eq!(f.severity, Severity::Low, "{f:#?}");
    assert!(f.confidence <= 0.3, "{f:#?}");
    assert!(
        f.decided_by
            .contains("works for a connection whose reader is alive"),
        "{}",
        f.decided_by
    );
    for how in [Readers::Gone, Readers::Shared, Readers::OtherSessions] {
        let f = of(&analyze(&sessions(how)), "main.(*session).writeLoop");
        assert!(f.severity >= Severity::High, "{how:?}: {f:#?}");
        assert!(
            !f.evidence
                .iter()
                .any(|e| e.contains("works for a connection whose reader")),
            "{how:?}"
        );
    }
}
