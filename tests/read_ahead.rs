//! net/http's server reads ahead on a connection while a handler runs
//! (`(*connReader).startBackgroundRead`), and stops when the handler
//! returns: such goroutines live as long as their requests. Where
//! requests pile up (long polls, or handlers that are stuck), the
//! handlers' group says which; the read-aheads are `low` beside it,
//! whatever their waits (issue 13).

mod written;

use leakdiff::classify::Severity;
use written::analyze_written;

const READ_AHEAD: &str = "net/http.(*connReader).backgroundRead";

/// Three debug=2 dumps: 10, 25, then 45 handlers blocked in `chan
/// receive` in `main.(*api).wait` that all stay, each on its connection's
/// goroutine with its read-ahead beside it; the first ten of both have
/// waited 0, 1, then 2 minutes.
fn requests() -> Vec<String> {
    (0..3u64)
        .map(|k| {
            let mut s = String::from("goroutine 1 [IO wait]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n");
            for (g, (first, count)) in [(100u64, 10u64), (200, 15), (300, 20)]
                .into_iter()
                .enumerate()
                .take(k as usize + 1)
            {
                let wait = if g == 0 && k > 0 { format!(", {k} minutes") } else { String::new() };
                for id in first..first + count {
                    let conn = 0xc000200000u64 + id * 0x100;
                    s.push_str(&format!(
                        "goroutine {id} [chan receive{wait}]:\nmain.(*api).wait(0xc000010000, {{0xa1b2c0, 0xc000300000}}, 0xc000400000)\n\t/src/app/main.go:40 +0x85\nnet/http.HandlerFunc.ServeHTTP(0xc000500000?, {{0xa1b2c0?, 0xc000300000?}}, 0x0?)\n\tnet/http/server.go:2322 +0x29\nnet/http.serverHandler.ServeHTTP({{0xc000600000?}}, {{0xa1b2c0?, 0xc000300000?}}, 0xc000400000)\n\tnet/http/server.go:3340 +0x8e\nnet/http.(*conn).serve({conn:#x}, {{0xa1c3d0, 0xc000700000}})\n\tnet/http/server.go:2109 +0x665\ncreated by net/http.(*Server).Serve in goroutine 12\n\tnet/http/server.go:3493 +0x485\n\n"
                    ));
                    s.push_str(&format!(
                        "goroutine {} [IO wait{wait}]:\ninternal/poll.runtime_pollWait(0x7f623cfce400, 0x72)\n\truntime/netpoll.go:351 +0x85\ninternal/poll.(*pollDesc).wait(0xc000332100?, 0xc000343000?, 0x0)\n\tinternal/poll/fd_poll_runtime.go:84 +0x27\ninternal/poll.(*pollDesc).waitRead(...)\n\tinternal/poll/fd_poll_runtime.go:89\ninternal/poll.(*FD).Read(0xc000332100, {{0xc000343000, 0x1, 0x1}})\n\tinternal/poll/fd_unix.go:165 +0x279\nnet.(*netFD).Read(0xc000332100, {{0xc000343000?, 0x0?, 0x0?}})\n\tnet/fd_posix.go:68 +0x25\nnet.(*conn).Read(0xc000314010, {{0xc000343000?, 0x0?, 0x0?}})\n\tnet/net.go:196 +0x45\n{READ_AHEAD}({:#x})\n\tnet/http/server.go:746 +0x32\ncreated by net/http.(*connReader).startBackgroundRead in goroutine {id}\n\tnet/http/server.go:742 +0xba\n\n",
                        id + 10_000,
                        conn + 0x10
                    ));
                }
            }
            s
        })
        .collect()
}

#[test]
fn read_aheads_of_requests_in_progress_are_their_handlers() {
    let found = analyze_written(&requests(), "debug2.txt");
    let ahead = found
        .iter()
        .find(|f| f.frames.iter().any(|fr| fr.function == READ_AHEAD))
        .unwrap_or_else(|| panic!("no finding for the read-aheads: {found:#?}"));
    assert_eq!(ahead.severity, Severity::Low, "{ahead:#?}");
    assert!(ahead.confidence <= 0.3, "{ahead:#?}");
    assert!(
        ahead
            .decided_by
            .contains("reads ahead on a server connection"),
        "{}",
        ahead.decided_by
    );
    // The handlers, stuck in a receive whose waits grow, stay a finding.
    let handlers = found
        .iter()
        .find(|f| {
            f.site
                .as_ref()
                .is_some_and(|s| s.function == "main.(*api).wait")
        })
        .unwrap_or_else(|| panic!("no finding for the handlers: {found:#?}"));
    assert!(handlers.severity >= Severity::Medium, "{handlers:#?}");
}
