//! debug=2 / panic / SIGQUIT dump loader.
//!
//! Reads every goroutine dump the runtime's traceback printer produces
//! (Go 1.1 to 1.27): `goroutine?debug=2`, `runtime.Stack(buf, true)`, panics,
//! fatal errors, SIGQUIT and GOTRACEBACK=system/crash dumps, also embedded in
//! logs, test output or markdown notes, with a log prefix, indentation or
//! `> ` quotes on every line, and possibly truncated.
//!
//! The input is streamed line by line through one reusable buffer holding at
//! most `max_line` bytes; lines are parsed as slices and frames interned
//! through the snapshot's [`crate::model::FrameTable`], so nothing is
//! allocated per line (only per goroutine, and for a line that is not UTF-8).
//!
//! That is the sequential path ([`load_sequential`]). By default
//! ([`LoadOptions::parallel`]) the input is read in blocks cut at goroutine
//! boundaries, which all cores parse into compact per-block records while
//! the blocks are applied to the same parser in order, with the same effect
//! as its line-by-line reading (see `debug2/blocks.rs`). Memory stays
//! bounded either way.
//!
//! The files, by concern:
//! - `grammar.rs`: the line grammar, pure functions on one line (prefixes,
//!   headers and their status and labels, function and file lines,
//!   `created by`, elision and notes);
//! - `parser.rs`: the sequential parser, a state machine fed one line at a
//!   time, which builds the snapshots;
//! - `blocks.rs`: the block-parallel path, which reads lines with the same
//!   grammar functions and changes the parser's state through the same
//!   methods.
//!
//! # Line prefixes
//!
//! The prefix in front of each `goroutine N [` header is detected from the
//! header and the same shape is stripped from the lines that follow: an
//! RFC 3339 timestamp (CRI `stdout F`, kubectl `--timestamps`, GitHub
//! Actions), a syslog/journald time, fixed text before or after it
//! (`host unit[pid]:`, `[pod/p/c]`, `app-1  |`), `>` quotes and indentation.
//! When the prefix names a source, lines without it come from another unit
//! or container and are ignored.
//!
//! A header glued to the end of other text (a message printed without a
//! newline before `runtime.Stack`, a recovered panic logged with
//! `debug.Stack()`: `…: goroutine 12 [running]:`, either behind a log
//! prefix) counts wherever it starts; the prefix of the lines after it is
//! then taken from its first function line, when the header's line starts
//! with that same prefix.
//!
//! # Goroutine blocks
//!
//! A goroutine runs from its header to the next header, or to text that is
//! not dump grammar when that text follows a blank line, follows the
//! goroutine's `created by` file line, or starts a new program state
//! (`panic:`, `fatal error:`, `SIGQUIT:` …). Other text inside a goroutine
//! (annotations, runtime notes such as `traceback: unexpected SPWRITE`) is
//! skipped, and so are blank lines between a function and its file line.
//! `[originating from goroutine N]:` ancestor blocks are skipped. A header
//! without any readable frame (gccgo prints none for a goroutine it cannot
//! unwind) is still a goroutine: it is kept with its state, an empty stack,
//! `stack_unavailable` and a warning; only a header that the end of the
//! input cuts off is dropped.
//!
//! # Console captures
//!
//! A Windows console copied as text has its lines hard-wrapped at the
//! console's width, which splits frames mid-token. Wrapping is undone where
//! it can be proved: once three rows padded with spaces to one width show
//! the console's width, a row of that width is joined with the next when
//! together they make one well-formed dump line that the two are not on
//! their own (a frame line wrapped over three rows or more is held while
//! each full row only extends its head); without padding, a line skipped
//! inside a goroutine that is
//! the head of a function line (no closing parenthesis) or of the expected
//! file line is joined with the next line when that completes it. A
//! function line that nothing completes is dropped with a warning, and the
//! goroutine keeps its other frames.
//!
//! # gccgo
//!
//! libgo prints a frame as the bare function name and `\tfile:line`,
//! without arguments or offsets, and `goroutine in C code; stack
//! unavailable` for a goroutine in a system call. Both are read (the
//! snapshot is marked `gccgo`), and names are normalized like gc's where
//! they agree (`main.main..func1` is `main.main.func1`).
//!
//! # Several dumps in one input
//!
//! A header starts a new snapshot when the current one already holds
//! goroutines and either
//! - non-dump text ended the previous goroutine or came after it, or
//! - its goroutine id was already seen in the current dump (ids are unique
//!   within a process), or
//! - its first frame is `runtime/pprof.writeGoroutineStacks` (the goroutine
//!   that writes a debug=2 profile always comes first).
//!
//! The per-thread sections GOTRACEBACK=crash prints after a dump (a signal
//! line, `goroutine 0` of another M, the running goroutine it was executing,
//! registers) are merged back into the dump they belong to.
//!
//! # Truncation and limits
//!
//! A goroutine cut by the end of the input is kept if it has a complete frame
//! (`frames_elided` when a frame was lost) with a `truncated at line N`
//! warning. Stacks deeper than `max_frames` are cut and flagged; after
//! `max_samples` goroutines reading stops with a warning. A read error keeps
//! what was read (with a warning) unless nothing was; exceeding the
//! decompression limit is always an error.

use super::LoadOptions;
use crate::error::InputError;
use crate::model::Snapshot;
use parser::{read_lines, LineReader, Parser};
use std::io::BufRead;

mod blocks;
mod grammar;
mod parser;

pub(crate) use blocks::timings as blocks_timings;
pub(crate) use parser::utf8_warning;

/// Every dump found in the input, in order.
///
/// With [`LoadOptions::parallel`] (the default) the input is read in blocks
/// split at goroutine boundaries and the blocks are parsed on all cores;
/// otherwise line by line on this thread. Both give identical snapshots.
pub fn load(
    r: &mut dyn BufRead,
    source: &str,
    opts: &LoadOptions,
) -> Result<Vec<Snapshot>, InputError> {
    load_decoding(r, source, opts, false)
}

/// [`load`], told whether reading `r` costs CPU time (`decoding`: it
/// inflates gzip or converts UTF-16). Then the blocks are parsed on one
/// core fewer, so the reading thread, which bounds the load, is not
/// time-sliced with the parsers.
pub(crate) fn load_decoding(
    r: &mut dyn BufRead,
    source: &str,
    opts: &LoadOptions,
    decoding: bool,
) -> Result<Vec<Snapshot>, InputError> {
    if opts.parallel {
        blocks::load(r, source, opts, blocks::BLOCK_SIZE, decoding)
    } else {
        load_sequential(r, source, opts)
    }
}

/// [`load`] of an input held in memory (a mapped file): the parallel path
/// parses blocks that are slices of `data`, without copying them.
pub(crate) fn load_slice(
    data: &[u8],
    source: &str,
    opts: &LoadOptions,
) -> Result<Vec<Snapshot>, InputError> {
    if opts.parallel {
        let threads = rayon::current_num_threads();
        blocks::load_slice(
            data,
            source,
            opts,
            blocks::mapped_block_size(data.len(), threads),
        )
    } else {
        load_sequential(&mut &data[..], source, opts)
    }
}

/// [`load_slice`] with blocks of about `block_size` bytes (for tests).
#[doc(hidden)]
pub fn load_slice_with_block_size(
    data: &[u8],
    source: &str,
    opts: &LoadOptions,
    block_size: usize,
) -> Result<Vec<Snapshot>, InputError> {
    blocks::load_slice(data, source, opts, block_size.clamp(1, 1 << 30))
}

/// [`load`] line by line on the calling thread.
pub fn load_sequential(
    r: &mut dyn BufRead,
    source: &str,
    opts: &LoadOptions,
) -> Result<Vec<Snapshot>, InputError> {
    let mut lines = LineReader::new(r, opts.max_line.max(1));
    let mut p = Parser::new(source, opts);
    read_lines(&mut p, &mut lines)?;
    p.finish()
}

/// [`load`] through the block-parallel path with blocks of about
/// `block_size` bytes (for tests: small blocks split the input everywhere).
#[doc(hidden)]
pub fn load_with_block_size(
    r: &mut dyn BufRead,
    source: &str,
    opts: &LoadOptions,
    block_size: usize,
) -> Result<Vec<Snapshot>, InputError> {
    blocks::load(r, source, opts, block_size.clamp(1, 1 << 30), false)
}

#[cfg(test)]
mod tests {
    use super::grammar::*;
    use super::*;
    use crate::load::LimitExceeded;
    use crate::model::BlockingOp;
    use crate::model::{Format, GoroutineInfo, ProfileKind, Sample, ValueType};
    use std::io;

    fn load_str(s: &str) -> Result<Vec<Snapshot>, InputError> {
        load_opts(s, &LoadOptions::default())
    }

    fn load_opts(s: &str, opts: &LoadOptions) -> Result<Vec<Snapshot>, InputError> {
        let mut r = io::BufReader::new(s.as_bytes());
        load(&mut r, "t.txt", opts)
    }

    fn one(s: &str) -> Snapshot {
        let mut v = load_str(s).unwrap();
        assert_eq!(v.len(), 1, "snapshots: {v:?}");
        v.remove(0)
    }

    fn info(s: &Sample) -> &GoroutineInfo {
        s.goroutine.as_deref().unwrap()
    }

    fn funcs(snap: &Snapshot, i: usize) -> Vec<&str> {
        snap.samples[i]
            .stack
            .iter()
            .map(|&id| snap.table.function(id))
            .collect()
    }

    const BASIC: &str = "goroutine 1 [running]:
main.main()
\t/src/app/main.go:10 +0x1d

goroutine 7 [chan receive, 5 minutes]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
\t/usr/local/go/src/runtime/proc.go:398 +0xce
runtime.chanrecv(0xc000012345, 0x0, 0x1)
\t/usr/local/go/src/runtime/chan.go:583 +0x3cd
runtime.chanrecv1(0x0?, 0x0?)
\t/usr/local/go/src/runtime/chan.go:442 +0x12
main.worker(...)
\t/src/app/main.go:22
main.start.func1({0x1, 0x2}, _, ...)
\t/src/app/main.go:30 +0x25
runtime.goexit({})
\t/usr/local/go/src/runtime/asm_amd64.s:1650 +0x1
created by main.start in goroutine 1
\t/src/app/main.go:28 +0x66
";

    #[test]
    fn call_words_are_the_top_frames_offsets_and_arguments() {
        // The words as printed (only their low 32 bits are kept).
        fn words(w: &crate::model::CallWords) -> Vec<u64> {
            w.words[..usize::from(w.len)]
                .iter()
                .map(|&x| u64::from(x))
                .collect()
        }
        let s = one(BASIC);
        // The runtime's frames (the wait itself) are left out;
        // `main.worker(...)` is inlined: no word and no offset (0).
        let w = info(&s.samples[1]).call.as_deref().unwrap();
        assert_eq!(words(w), [0, 0x25, 0x1, 0x2]);
        let s = one("goroutine 25 [select]:
main.(*Backend).Stock(0x3ec82f883c0, {0xacdf20, 0x3ec830b4850}, {0x3ec82f20d8f, 0x9})
\texample.com/app/main.go:44 +0xf1
main.(*API).handleStock(0x3ec82f8c510, {0xacdb10, 0x3ec830b22d0}, 0x3ec82fe9cc0)
\texample.com/app/main.go:65 +0xe5
");
        let w = info(&s.samples[0]).call.as_deref().unwrap();
        assert_eq!(
            words(w),
            [
                0xf1,
                0x3ec82f883c0,
                0xacdf20,
                0x3ec830b4850,
                0x3ec82f20d8f,
                0x9,
                0xe5,
                0x3ec82f8c510
            ]
            .map(|x: u64| x & 0xffff_ffff)
        );
        let s = one("goroutine 3 [chan send]:
main.send(...)
\t/src/app/main.go:5
main.loop(0x0?, {0x1, 0x2}, _, ...)
\t/src/app/main.go:9 +0x1d fp=0xc000046fd0 sp=0xc000046fb0 pc=0x4555d
");
        let w = info(&s.samples[0]).call.as_deref().unwrap();
        assert_eq!(words(w), [0, 0x1d, 0x0, 0x1, 0x2]);
        assert_eq!(arg_words(b"(0x10, _, ..., abc0x5, {0xFF})").len, 2);
        assert_eq!(hex_prefix(b"1d fp"), 0x1d);
    }

    #[test]
    fn basic_dump() {
        let s = one(BASIC);
        assert_eq!(s.format, Format::Debug2);
        assert_eq!(s.kind, ProfileKind::Goroutine);
        assert_eq!(s.sample_types, vec![ValueType::new("goroutine", "count")]);
        assert_eq!(s.samples.len(), 2);
        assert_eq!(s.goroutine_count(), 2);
        let g = info(&s.samples[1]);
        assert_eq!(g.id, 7);
        assert_eq!(g.state, "chan receive");
        assert_eq!(g.wait_minutes, Some(5));
        assert_eq!(g.parent_id, Some(1));
        assert!(!g.frames_elided);
        assert_eq!(
            funcs(&s, 1),
            vec![
                "runtime.gopark",
                "runtime.chanrecv",
                "runtime.chanrecv1",
                "main.worker",
                "main.start.func1"
            ]
        );
        assert_eq!(s.samples[1].op, BlockingOp::ChanReceive);
        assert_eq!(s.samples[1].values, vec![1]);
        let cb = s.samples[1].created_by.unwrap();
        assert_eq!(s.table.function(cb), "main.start");
        assert_eq!(s.table.frame(cb).line, 28);
        assert_eq!(s.table.frame(s.samples[1].stack[3]).line, 22);
        assert_eq!(s.samples[0].op, BlockingOp::Running);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn goleak_reports() {
        let text = "found unexpected goroutines:\n[Goroutine 708 in state select, with net/http.(*persistConn).writeLoop on top of the stack:\nnet/http.(*persistConn).writeLoop(0xc0020ff8c0)\n\t/usr/local/go/src/net/http/transport.go:2421 +0xe5\ncreated by net/http.(*Transport).dialConn in goroutine 703\n\t/usr/local/go/src/net/http/transport.go:1777 +0x16f1\n Goroutine 9 in state chan receive, 3 minutes, with main.f on top of the stack:\nmain.f()\n\t/src/a/main.go:9 +0x1\n]\n";
        let snap = one(text);
        assert_eq!(snap.samples.len(), 2);
        assert_eq!(info(&snap.samples[0]).id, 708);
        assert_eq!(info(&snap.samples[0]).state, "select");
        assert_eq!(info(&snap.samples[0]).parent_id, Some(703));
        assert_eq!(info(&snap.samples[1]).state, "chan receive");
        assert_eq!(info(&snap.samples[1]).wait_minutes, Some(3));
    }

    #[test]
    fn header_variants() {
        /// line, id, state, minutes, locked, leaked
        type Case<'a> = (&'a str, u64, &'a str, Option<u32>, bool, bool);
        let cases: &[Case] = &[
            ("goroutine 5 [select]:", 5, "select", None, false, false),
            (
                "goroutine 5 [select, locked to thread]:",
                5,
                "select",
                None,
                true,
                false,
            ),
            (
                "goroutine 5 [chan receive, 5 minutes, locked to thread]:",
                5,
                "chan receive",
                Some(5),
                true,
                false,
            ),
            (
                "goroutine 5 [chan send (leaked)]:",
                5,
                "chan send",
                None,
                false,
                true,
            ),
            (
                "goroutine 5 [chan receive (scan)]:",
                5,
                "chan receive",
                None,
                false,
                false,
            ),
            (
                "goroutine 5 [chan receive (durable), 3 minutes, synctest bubble 4]:",
                5,
                "chan receive",
                Some(3),
                false,
                false,
            ),
            (
                "goroutine 5 [sleep, synctest group 6]:",
                5,
                "sleep",
                None,
                false,
                false,
            ),
            (
                "goroutine 5 [chan receive (nil chan)]:",
                5,
                "chan receive (nil chan)",
                None,
                false,
                false,
            ),
            (
                "goroutine 5 [select (no cases)]:",
                5,
                "select (no cases)",
                None,
                false,
                false,
            ),
            (
                "goroutine 5 [sync.WaitGroup.Wait, 2 minutes]:",
                5,
                "sync.WaitGroup.Wait",
                Some(2),
                false,
                false,
            ),
            (
                "goroutine 5 gp=0xc000002380 m=nil [chan receive]:",
                5,
                "chan receive",
                None,
                false,
                false,
            ),
            (
                "goroutine 0 gp=0x60b99a0 m=3 mp=0x60ba880 [idle]:",
                0,
                "idle",
                None,
                false,
                false,
            ),
            ("goroutine 0 [idle]:", 0, "idle", None, false, false),
            (
                "goroutine 9 [force gc (idle), 3 minutes]:",
                9,
                "force gc (idle)",
                Some(3),
                false,
                false,
            ),
        ];
        for &(line, id, state, minutes, locked, leaked) in cases {
            let h = parse_header(line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(h.id, id, "{line}");
            let st = parse_status(h.status);
            assert_eq!(st.state, state, "{line}");
            assert_eq!(st.minutes, minutes, "{line}");
            assert_eq!(st.locked, locked, "{line}");
            assert_eq!(st.leaked, leaked, "{line}");
        }
        for bad in [
            "goroutine 5 [running]: extra",
            "goroutine x [running]:",
            "goroutine 5",
            "created by main.f in goroutine 5",
            "goroutine 5 in state select:",
        ] {
            assert_eq!(parse_header(bad), None, "{bad}");
        }
    }

    #[test]
    fn leaked_goroutines() {
        let s = one("goroutine 12 [chan send (leaked)]:
main.leak()
\t/src/a.go:3 +0x1
created by main.main in goroutine 1
\t/src/a.go:9 +0x2
");
        let g = info(&s.samples[0]);
        assert!(g.leaked);
        assert_eq!(g.state, "chan send");
        assert_eq!(s.samples[0].op, BlockingOp::ChanSend);
    }

    #[test]
    fn labels() {
        let s = one("goroutine 11 [chan receive]{handler: \"/api\", tenant: 1}:
main.h()
\t/src/a.go:3 +0x1

goroutine 12 [select] {\"key with space\": \"v,\\\"q\\\"}\\n\\x80\\u00e9\", path: /x/y}:
main.h()
\t/src/a.go:3 +0x1
");
        assert_eq!(
            s.samples[0].labels,
            vec![
                ("handler".to_string(), "/api".to_string()),
                ("tenant".to_string(), "1".to_string())
            ]
        );
        assert_eq!(
            s.samples[1].labels,
            vec![
                (
                    "key with space".to_string(),
                    "v,\"q\"}\n\u{fffd}é".to_string()
                ),
                ("path".to_string(), "/x/y".to_string())
            ]
        );
        assert_eq!(info(&s.samples[1]).state, "select");
    }

    #[test]
    fn function_lines() {
        let ok: &[(&str, &str)] = &[
            ("main.main()", "main.main"),
            ("main.(*T).run(0xc000010000, {0x1, 0x2})", "main.(*T).run"),
            ("main.(*T).run(...)", "main.(*T).run"),
            ("main.Map[...](0x0?, {0x1, ...}, _)", "main.Map[...]"),
            ("main.(*List[...]).Push(0x1)", "main.(*List[...]).Push"),
            ("main.main.func1.gowrap2()", "main.main.func1.gowrap2"),
            ("main.func·002()", "main.func·002"),
            ("stopm()", "stopm"),
            ("panic(0x792640, 0xc8200fc000)", "panic"),
            ("type..eq.[2]interface {}(0x1)", "type..eq.[2]interface {}"),
            ("runtime.goexit({})", "runtime.goexit"),
        ];
        for &(line, name) in ok {
            assert_eq!(parse_func_line(line, false), Some(name), "{line}");
        }
        for bad in [
            "## mainSrv.wait()",
            "Start crawl (now)",
            "fatal error: x(y)",
            "exit status 2",
            "main.main",
        ] {
            assert_eq!(parse_func_line(bad, false), None, "{bad}");
        }
        assert_eq!(parse_func_line("main.f(0x1, 0x2, 0x", true), Some("main.f"));
    }

    #[test]
    fn file_lines() {
        let ok: &[(&str, &str, u32)] = &[
            ("/src/a.go:12 +0x1d", "/src/a.go", 12),
            ("/src/a.go:12", "/src/a.go", 12),
            (
                "/usr/local/go/src/runtime/proc.go:435 +0xce fp=0xc000111998 sp=0xc000111978 pc=0x5dea76e",
                "/usr/local/go/src/runtime/proc.go",
                435,
            ),
            (
                "C:/Program Files/Go/src/runtime/pprof/pprof.go:756 +0x6b",
                "C:/Program Files/Go/src/runtime/pprof/pprof.go",
                756,
            ),
            ("<autogenerated>:1", "<autogenerated>", 1),
            ("/go/src/pkg/runtime/proc.c:1313", "/go/src/pkg/runtime/proc.c", 1313),
            ("_testmain.go:82 +0x2fd", "_testmain.go", 82),
        ];
        for &(line, path, n) in ok {
            let fl = parse_file_line(line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!((fl.path, fl.line), (path, n), "{line}");
        }
        assert!(parse_file_line("/x/cgo.c:10 pc=0x4f0a1").unwrap().pc_only);
        for bad in [
            "panic: boom",
            "TestServerPublish (3m0s)",
            "/opt/hostedtoolcache/go/1.20.6/x64/src/inter",
            "z_last_test.go:97: Test appears to have leaked",
            "at 12:30",
        ] {
            assert_eq!(parse_file_line(bad), None, "{bad}");
        }
    }

    #[test]
    fn old_created_by_and_c_frames() {
        let s = one("goroutine 2 [runnable]:
runtime.MHeap_Scavenger()
\t/Users/rsc/g/go/src/pkg/runtime/mheap.c:438
runtime.goexit()
\t/Users/rsc/g/go/src/pkg/runtime/proc.c:1313
created by runtime.main
\t/Users/rsc/g/go/src/pkg/runtime/proc.c:165

goroutine 3 [runnable]:
main.func·002()
\t/Users/rsc/g/go/test/fixedbugs/issue5963.go:22
created by main.init·1
\t/Users/rsc/g/go/test/fixedbugs/issue5963.go:24 +0xb9
exit status 2
");
        assert_eq!(s.samples.len(), 2);
        assert_eq!(funcs(&s, 0), vec!["runtime.MHeap_Scavenger"]);
        assert_eq!(info(&s.samples[0]).parent_id, None);
        assert_eq!(funcs(&s, 1), vec!["main.func.002"]);
        let cb = s.samples[1].created_by.unwrap();
        assert_eq!(s.table.function(cb), "main.init.1");
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn goexit_only_stack_is_kept() {
        let s = one("goroutine 17 [syscall, locked to thread]:
runtime.goexit()
\t/usr/local/go/src/runtime/asm_amd64.s:1998 +0x1
");
        assert_eq!(funcs(&s, 0), vec!["runtime.goexit"]);
        assert_eq!(s.samples[0].op, BlockingOp::Syscall);
        assert!(info(&s.samples[0]).locked_to_thread);
    }

    #[test]
    fn elided_frames() {
        let s = one("goroutine 1 [running]:
main.f(0x1)
\t/src/a.go:3 +0x1
...10 frames elided...
main.main()
\t/src/a.go:9 +0x2

goroutine 2 [chan receive]:
main.g()
\t/src/a.go:3 +0x1
...additional frames elided...
created by main.main
\t/src/a.go:9 +0x2
");
        assert!(info(&s.samples[0]).frames_elided);
        assert_eq!(funcs(&s, 0), vec!["main.f", "main.main"]);
        assert!(info(&s.samples[1]).frames_elided);
        assert!(s.samples[1].created_by.is_some());
    }

    #[test]
    fn stack_unavailable() {
        let s = one("goroutine 1 [running]:
main.main()
\t/src/a.go:9 +0x2

goroutine 5 [running]:
\tgoroutine running on other thread; stack unavailable
created by main.main in goroutine 1
\t/src/a.go:7 +0x2
");
        assert_eq!(s.samples.len(), 2);
        let g = info(&s.samples[1]);
        assert!(g.stack_unavailable);
        assert!(s.samples[1].stack.is_empty());
        assert_eq!(g.parent_id, Some(1));
        assert_eq!(s.samples[1].op, BlockingOp::Running);
    }

    #[test]
    fn ancestors_are_skipped() {
        let s = one("goroutine 25 [chan receive]:
main.bar(0x140000a4060, 0x0)
\t/src/a.go:57 +0x11c
created by main.d1
\t/src/a.go:69 +0x34
[originating from goroutine 24]:
main.d1(...)
\t/src/a.go:70 +0x34
...additional frames elided...
created by main.d1
\t/src/a.go:69 +0x34
[originating from goroutine 1]:
main.main(...)
\t/src/a.go:14 +0x13

goroutine 1 [running]:
main.main()
\t/src/a.go:24 +0xb8
");
        assert_eq!(s.samples.len(), 2);
        assert_eq!(funcs(&s, 0), vec!["main.bar"]);
        let g = info(&s.samples[0]);
        assert_eq!(g.parent_id, Some(24));
        assert!(!g.frames_elided);
    }

    #[test]
    fn nil_chan_and_no_cases() {
        let s = one("goroutine 3 [chan receive (nil chan)]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
\t/go/src/runtime/proc.go:398 +0xce
runtime.chanrecv(0x0, 0x0, 0x1)
\t/go/src/runtime/chan.go:501 +0x1
main.a()
\t/src/a.go:3 +0x1

goroutine 4 [select (no cases)]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
\t/go/src/runtime/proc.go:398 +0xce
runtime.block()
\t/go/src/runtime/select.go:103 +0x1
main.b()
\t/src/a.go:5 +0x1
");
        assert_eq!(info(&s.samples[0]).state, "chan receive (nil chan)");
        assert_eq!(s.samples[0].op, BlockingOp::NilChan);
        assert_eq!(info(&s.samples[1]).state, "select (no cases)");
        assert_eq!(s.samples[1].op, BlockingOp::SelectNoCases);
    }

    #[test]
    fn embedded_in_log_with_two_dumps() {
        let v = load_str(
            "=== RUN   TestX
some log line
panic: boom

goroutine 1 [running]:
main.main()
\t/src/a.go:9 +0x2
exit status 2
$ ./app again
SIGQUIT: quit
PC=0x46fd81 m=0 sigcode=0

goroutine 0 [idle]:
runtime.futex()
\t/go/src/runtime/sys_linux_amd64.s:557 +0x21

goroutine 1 [select]:
main.main()
\t/src/a.go:12 +0x2

rax    0x0
rbx    0x1
exit status 2
",
        )
        .unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].index_in_source, 0);
        assert_eq!(v[1].index_in_source, 1);
        assert_eq!(v[0].samples.len(), 1);
        assert_eq!(v[1].samples.len(), 2);
        assert_eq!(v[1].name(), "t.txt#2");
    }

    #[test]
    fn text_after_a_complete_goroutine_ends_the_dump() {
        let v = load_str(
            "goroutine 5 [select]:
main.f()
\t/a.go:2 +0x1
created by main.main in goroutine 1
\t/a.go:9 +0x1
exit status 2
$ ./app
goroutine 7 [select]:
main.f()
\t/a.go:2 +0x1
PASS",
        )
        .unwrap();
        assert_eq!(v.len(), 2);
        assert!(v[1].warnings.is_empty(), "{:?}", v[1].warnings);
    }

    #[test]
    fn duplicate_ids_start_a_new_dump() {
        let d = "goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n\ngoroutine 2 [select]:\nmain.f()\n\t/a.go:2 +0x1\n\n";
        let v = load_str(&format!("{d}{d}")).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].samples.len(), 2);
    }

    #[test]
    fn pprof_writer_starts_a_new_dump() {
        let d = "goroutine 35 [running]:
runtime/pprof.writeGoroutineStacks({0x1, 0x2})
\t/go/src/runtime/pprof/pprof.go:703 +0x6a
main.main()
\t/a.go:1 +0x1

goroutine 2 [select]:
main.f()
\t/a.go:2 +0x1

";
        let second = d.replace("goroutine 35", "goroutine 36");
        let v = load_str(&format!("{d}{second}")).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].samples.len(), 2);
        assert_eq!(info(&v[1].samples[0]).id, 36);
    }

    #[test]
    fn crash_relay_sections_are_merged() {
        let v = load_str(
            "SIGQUIT: quit
PC=0x1 m=0 sigcode=0

goroutine 0 gp=0x1 m=0 mp=0x2 [idle]:
runtime.futex()
\t/go/src/runtime/sys_linux_amd64.s:557 +0x21 fp=0x1 sp=0x2 pc=0x3

goroutine 1 gp=0xc1 m=nil [chan receive]:
main.main()
\t/a.go:1 +0x1 fp=0x1 sp=0x2 pc=0x3

goroutine 5 gp=0xc2 m=2 mp=0xc3 [running]:
\tgoroutine running on other thread; stack unavailable

rax    0x0
SIGQUIT: quit
PC=0x2 m=2 sigcode=0

goroutine 0 gp=0x5 m=2 mp=0x6 [idle]:
runtime.futex()
\t/go/src/runtime/sys_linux_amd64.s:557 +0x21 fp=0x1 sp=0x2 pc=0x3
goroutine 5 gp=0xc2 m=2 mp=0xc3 [running]:
main.spin()
\t/a.go:7 +0x1 fp=0x1 sp=0x2 pc=0x3
rax    0x0
",
        )
        .unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].samples.len(), 5);
        assert_eq!(funcs(&v[0], 4), vec!["main.spin"]);
    }

    #[test]
    fn prefixes() {
        let cases = [
            (
                "cri",
                "2024-05-01T10:00:00.123456789Z goroutine 1 [running]:
2024-05-01T10:00:00.123456789Z main.main()
2024-05-01T10:00:00.123456789Z \t/src/a.go:9 +0x2
2024-05-01T10:00:00.12345678Z
2024-05-01T10:00:00.12345678Z goroutine 2 [select]:
2024-05-01T10:00:00.12345678Z main.f()
2024-05-01T10:00:00.12345678Z \t/src/a.go:3 +0x2
",
            ),
            (
                "cri-file",
                "2024-05-01T10:00:00.1+02:00 stderr F goroutine 1 [running]:
2024-05-01T10:00:00.1+02:00 stderr F main.main()
2024-05-01T10:00:00.1+02:00 stderr F \t/src/a.go:9 +0x2
2024-05-01T10:00:00.1+02:00 stderr F
2024-05-01T10:00:00.1+02:00 stderr F goroutine 2 [select]:
2024-05-01T10:00:00.1+02:00 stderr F main.f()
2024-05-01T10:00:00.1+02:00 stderr F \t/src/a.go:3 +0x2
",
            ),
            (
                "journald",
                "May 01 10:00:00 host app[123]: goroutine 1 [running]:
May 01 10:00:00 host app[123]: main.main()
May 01 10:00:00 host app[123]: \t/src/a.go:9 +0x2
May 01 10:00:00 host app[123]:
May 01 10:00:01 host app[123]: goroutine 2 [select]:
May 01 10:00:01 host app[123]: main.f()
May 01 10:00:01 host other[9]: unrelated line
May 01 10:00:01 host app[123]: \t/src/a.go:3 +0x2
",
            ),
            (
                "actions",
                "2024-01-01T00:00:00.0000000Z goroutine 1 [running]:
2024-01-01T00:00:00.0000000Z main.main()
2024-01-01T00:00:00.0000000Z \t/src/a.go:9 +0x2
2024-01-01T00:00:00.0000000Z 
2024-01-01T00:00:00.0000000Z goroutine 2 [select]:
2024-01-01T00:00:00.0000000Z main.f()
2024-01-01T00:00:00.0000000Z \t/src/a.go:3 +0x2
",
            ),
            (
                "markdown-indent",
                "Here is the dump:

    goroutine 1 [running]:
    main.main()
        /src/a.go:9 +0x2

    goroutine 2 [select]:
    main.f()
    \t/src/a.go:3 +0x2

Thanks.
",
            ),
            (
                "quote",
                "> goroutine 1 [running]:
> main.main()
> \t/src/a.go:9 +0x2
>
> goroutine 2 [select]:
> main.f()
> \t/src/a.go:3 +0x2
",
            ),
            (
                "compose",
                "app_1  | goroutine 1 [running]:
app_1  | main.main()
app_1  | \t/src/a.go:9 +0x2
app_1  |
app_1  | goroutine 2 [select]:
app_1  | main.f()
app_1  | \t/src/a.go:3 +0x2
",
            ),
            (
                "kubectl-prefix",
                "[pod/app-7d9/app] 2024-05-01T10:00:00.1Z goroutine 1 [running]:
[pod/app-7d9/app] 2024-05-01T10:00:00.1Z main.main()
[pod/app-7d9/app] 2024-05-01T10:00:00.2Z \t/src/a.go:9 +0x2
[pod/app-7d9/sidecar] 2024-05-01T10:00:00.2Z main.g()
[pod/app-7d9/app] 2024-05-01T10:00:00.3Z
[pod/app-7d9/app] 2024-05-01T10:00:00.3Z goroutine 2 [select]:
[pod/app-7d9/app] 2024-05-01T10:00:00.4Z main.f()
[pod/app-7d9/sidecar] 2024-05-01T10:00:00.4Z \t/src/b.go:7 +0x2
[pod/app-7d9/app] 2024-05-01T10:00:00.5Z \t/src/a.go:3 +0x2
",
            ),
            (
                "compose-timestamps",
                "app-1  | 2024-05-01T10:00:00.100000000Z goroutine 1 [running]:
app-1  | 2024-05-01T10:00:00.100000000Z main.main()
app-1  | 2024-05-01T10:00:00.100000000Z \t/src/a.go:9 +0x2
app-1  | 2024-05-01T10:00:00.100000000Z
app-1  | 2024-05-01T10:00:00.100000000Z goroutine 2 [select]:
app-1  | 2024-05-01T10:00:00.100000000Z main.f()
app-1  | 2024-05-01T10:00:00.100000000Z \t/src/a.go:3 +0x2
",
            ),
            (
                "crlf",
                "goroutine 1 [running]:\r\nmain.main()\r\n\t/src/a.go:9 +0x2\r\n\r\ngoroutine 2 [select]:\r\nmain.f()\r\n\t/src/a.go:3 +0x2\r\n",
            ),
            (
                "spaces-instead-of-tab",
                "goroutine 1 [running]:
main.main()
        /src/a.go:9 +0x2

goroutine 2 [select]:
main.f()
    /src/a.go:3 +0x2
",
            ),
        ];
        for (name, text) in cases {
            let v = load_str(text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(v.len(), 1, "{name}");
            let s = &v[0];
            assert_eq!(s.samples.len(), 2, "{name}: {:?}", s.samples);
            assert_eq!(funcs(s, 0), vec!["main.main"], "{name}");
            assert_eq!(funcs(s, 1), vec!["main.f"], "{name}");
            assert_eq!(s.table.file(s.samples[1].stack[0]), "a.go", "{name}");
            assert_eq!(s.table.frame(s.samples[1].stack[0]).line, 3, "{name}");
            assert!(s.warnings.is_empty(), "{name}: {:?}", s.warnings);
        }
    }

    #[test]
    fn interleaved_sources_do_not_split_a_dump() {
        let s = one("app-1  | goroutine 1 [running]:
app-1  | main.main()
app-1  | \t/src/a.go:9 +0x2
app-1  |
db-1   | LOG:  checkpoint starting: time
app-1  | goroutine 2 [select]:
app-1  | main.f()
db-1   | LOG:  checkpoint complete
app-1  | \t/src/a.go:3 +0x2
");
        assert_eq!(s.samples.len(), 2);
        assert_eq!(funcs(&s, 1), vec!["main.f"]);
        let v = load_str(
            "Mar 05 14:02:11 h app[1]: goroutine 1 [running]:
Mar 05 14:02:11 h app[1]: main.main()
Mar 05 14:02:11 h app[1]: \t/src/a.go:9 +0x2
Mar 05 14:02:11 h app[1]:
Mar 05 14:02:11 h kernel: oom-kill: constraint=CONSTRAINT_NONE
Mar 05 14:02:11 h app[1]: goroutine 2 [select]:
Mar 05 14:02:11 h app[1]: main.f()
Mar 05 14:02:11 h app[1]: \t/src/a.go:3 +0x2
",
        )
        .unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].samples.len(), 2);
    }

    #[test]
    fn timestamp_sets_snapshot_time() {
        let s = one("2021-07-19T13:56:01.5Z goroutine 1 [running]:
2021-07-19T13:56:01.5Z main.main()
2021-07-19T13:56:01.5Z \t/src/a.go:9 +0x2
");
        assert_eq!(s.time_nanos, Some(1_626_702_961_500_000_000));
        assert_eq!(parse_rfc3339_nanos("1970-01-01T01:00:00+01:00"), Some(0));
    }

    #[test]
    fn truncated_mid_frame() {
        let s = one("goroutine 1 [running]:
main.main()
\t/src/a.go:9 +0x2

goroutine 2 [IO wait]:
internal/poll.runtime_pollWait(0x7f, 0x72)
\t/go/src/runtime/netpoll.go:306 +0x89
internal/poll.(*pollDesc).waitRead(...)
\t/go/src/inter");
        assert_eq!(s.samples.len(), 2);
        let g = info(&s.samples[1]);
        assert!(g.frames_elided);
        assert_eq!(funcs(&s, 1), vec!["internal/poll.runtime_pollWait"]);
        assert!(
            s.warnings
                .iter()
                .any(|w| w.starts_with("truncated at line 9: last goroutine incomplete")),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn truncated_in_function_line() {
        let s = one("goroutine 1 [running]:
main.main()
\t/src/a.go:9 +0x2
net/http.(*conn).se");
        assert_eq!(funcs(&s, 0), vec!["main.main"]);
        assert!(info(&s.samples[0]).frames_elided);
        assert!(
            s.warnings[0].starts_with("truncated at line 4"),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn truncated_in_created_by() {
        let s = one("    goroutine 1324 [IO wait, 24 minutes]:
    net.runtime_pollWait(0x7f90b25ee738, 0x72, 0xc823f60000)
        /usr/local/go/src/runtime/netpoll.go:160 +0x60
    created by net/http.(*Transport).dial");
        let g = info(&s.samples[0]);
        assert_eq!(g.id, 1324);
        assert!(!g.frames_elided);
        let cb = s.samples[0].created_by.unwrap();
        assert_eq!(s.table.function(cb), "net/http.(*Transport).dial");
        assert!(s.warnings[0].starts_with("truncated at line 4"));
    }

    #[test]
    fn truncated_without_complete_frame_is_dropped() {
        let s = one("goroutine 1 [running]:
main.main()
\t/src/a.go:9 +0x2

goroutine 2 [select]:
main.f(0x1,");
        assert_eq!(s.samples.len(), 1);
        assert!(
            s.warnings[0].starts_with("truncated at line 6"),
            "{:?}",
            s.warnings
        );
        let s =
            one("goroutine 1 [running]:\nmain.main()\n\t/a.go:9 +0x2\n\ngoroutine 2 [select]:\n");
        assert_eq!(s.samples.len(), 1);
        assert!(
            s.warnings[0].starts_with("truncated at line 5"),
            "{:?}",
            s.warnings
        );
        let err = load_str("goroutine 2 [select]:\nmain.f()\n").unwrap_err();
        assert_eq!(err.position, Some(crate::error::Position::Line(1)));
    }

    #[test]
    fn no_dump() {
        let err = load_str("hello\nworld\n").unwrap_err();
        assert_eq!(
            err.message,
            "no goroutine dump found in 2 lines (not a Go profile or dump)"
        );
    }

    #[test]
    fn invalid_utf8_and_nul() {
        let mut data =
            b"goroutine 1 [running]:\nmain.\xff\xfeweird(0x0)\n\t/src/\x00a.go:9 +0x2\n".to_vec();
        data.extend_from_slice(b"\xc3\n\x00\x00\x00\n");
        let mut r = io::BufReader::new(&data[..]);
        let v = load(&mut r, "u", &LoadOptions::default()).unwrap();
        assert_eq!(v[0].samples.len(), 1);
        assert_eq!(funcs(&v[0], 0), vec!["main.\u{fffd}\u{fffd}weird"]);
        assert_eq!(
            v[0].warnings,
            ["line 2 and 1 more line: not valid UTF-8; the invalid bytes are shown as U+FFFD"]
        );
    }

    #[test]
    fn floods_of_warnings_do_not_hide_the_truncation() {
        let mut text = String::new();
        for i in 1..=80 {
            // A function line without its file line, then a line too long.
            text.push_str(&format!(
                "goroutine {i} [select]:\nmain.lost()\nmain.f()\n\t/src/a.go:1 +0x1\n{}\n\n",
                "x".repeat(300)
            ));
        }
        text.push_str("goroutine 999 [select]:\nmain.cut(");
        let opts = LoadOptions {
            max_line: 200,
            ..Default::default()
        };
        let v = load_opts(&text, &opts).unwrap();
        let w = &v[0].warnings;
        assert_eq!(v[0].samples.len(), 80);
        assert_eq!(
            w.iter().filter(|w| w.contains("line was skipped")).count(),
            3,
            "{w:?}"
        );
        assert!(
            w.iter().any(|w| w.contains("more warnings not shown")),
            "{w:?}"
        );
        assert!(
            w.contains(&"77 more lines longer than 200 bytes cut".to_string()),
            "{w:?}"
        );
        assert!(
            w.iter()
                .any(|w| w.starts_with("truncated at line 482: last goroutine incomplete")),
            "{w:?}"
        );
    }

    #[test]
    fn nul_runs_are_blank() {
        // copytruncate: NULs up to the old offset, then the new text.
        let mut data = vec![0u8; 300];
        data.extend_from_slice(b"goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n");
        data.extend_from_slice(&[0; 50]);
        data.extend_from_slice(b"\ngoroutine 2 [select]:\nmain.f()\n\t/a.go:2 +0x1\n\0\0\0");
        let mut r = io::BufReader::new(&data[..]);
        let v = load(&mut r, "n", &LoadOptions::default()).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].samples.len(), 2);
        assert!(v[0].warnings.is_empty(), "{:?}", v[0].warnings);
    }

    #[test]
    fn limits() {
        let mut text = String::new();
        for i in 1..=10 {
            text.push_str(&format!("goroutine {i} [select]:\n"));
            for d in 0..5 {
                text.push_str(&format!("main.f{d}()\n\t/src/a.go:{d} +0x1\n"));
            }
            text.push('\n');
        }
        let opts = LoadOptions {
            max_samples: 4,
            max_frames: 3,
            ..Default::default()
        };
        let v = load_opts(&text, &opts).unwrap();
        assert_eq!(v[0].samples.len(), 4);
        assert_eq!(v[0].samples[0].stack.len(), 3);
        assert!(info(&v[0].samples[0]).frames_elided);
        assert!(v[0].warnings.iter().any(|w| w.contains("stopped after 4")));
        // Exactly at the limit: no warning.
        let opts = LoadOptions {
            max_samples: 10,
            ..Default::default()
        };
        let v = load_opts(&text, &opts).unwrap();
        assert_eq!(v[0].samples.len(), 10);
        assert!(v[0].warnings.is_empty(), "{:?}", v[0].warnings);
    }

    #[test]
    fn long_lines_are_cut() {
        let args = "0x1, ".repeat(1000);
        let long_path = "/very".repeat(1000);
        let text = format!(
            "goroutine 1 [running]:\nmain.long({args}0x2)\n\t/src/a.go:9 +0x2\nmain.g()\n\t{long_path}/b.go:3 +0x1\nmain.h()\n\t/src/a.go:12 +0x2\n"
        );
        let opts = LoadOptions {
            max_line: 256,
            ..Default::default()
        };
        let s = &load_opts(&text, &opts).unwrap()[0];
        assert_eq!(funcs(s, 0), vec!["main.long", "main.h"]);
        assert!(info(&s.samples[0]).frames_elided);
        assert_eq!(
            s.warnings,
            [
                "line 2: longer than 256 bytes; the rest of the line was skipped (raise --max-line)",
                "line 5: longer than 256 bytes; the rest of the line was skipped (raise --max-line)",
                "line 4: frame without a file line (dropped)",
            ]
        );
        // Long log lines outside the dump are not worth a warning.
        let text = format!(
            "{}\ngoroutine 1 [running]:\nmain.f()\n\t/a.go:1\n",
            "x".repeat(1000)
        );
        let s = &load_opts(&text, &opts).unwrap()[0];
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn annotations_and_runtime_notes_inside_goroutines() {
        let s = one("goroutine 0 [idle]:
runtime.park_m(0xc000083380?)
        /usr/lib/go/src/runtime/proc.go:3745 +0x11f fp=0x7fff8e724320 sp=0x7fff8e7242d8 pc=0x44527f
traceback: unexpected SPWRITE function runtime.mcall
runtime.mcall()
        /usr/lib/go/src/runtime/asm_amd64.s:458 +0x4e fp=0x7fff8e724338 sp=0x7fff8e724320 pc=0x46bfce

goroutine 1 [semacquire, 3 minutes]:
## mainSrv.wait()
runtime.gopark(0x46c032?, 0xc0005b2e60?, 0xa0?, 0x42?, 0xc0005b2e40?)
        /usr/lib/go/src/runtime/proc.go:398 +0xce fp=0xc0005b2e20 sp=0xc0005b2e00 pc=0x43e8ae
sync.(*WaitGroup).Wait(0xc0000b4180?)
        /usr/lib/go/src/sync/waitgroup.go:116 +0x48 fp=0xc0005b2ee8 sp=0xc0005b2ec0 pc=0x4893a8
main.main()
        /home/ide/server.go:449 +0x24c fp=0xc0005b2f40 sp=0xc0005b2ee8 pc=0x68836c
");
        assert_eq!(funcs(&s, 0), vec!["runtime.park_m", "runtime.mcall"]);
        assert_eq!(
            funcs(&s, 1),
            vec!["runtime.gopark", "sync.(*WaitGroup).Wait", "main.main"]
        );
        assert_eq!(s.samples[1].op, BlockingOp::WaitGroup);
    }

    #[test]
    fn blank_lines_inside_frames_and_prose_after() {
        let s = one("fatal error: concurrent map writes

goroutine 508 [running]:
main.a({0xc000f52000?, 0xc001367050?})

\t/home/ben/a.go:694 +0x20a
main.b()
\t/home/ben/b.go:9 +0x1

This was only triggered after opening 100s of records.
main.zap
\t/home/ben/zap.go:1
other.Func(0x1)
\t/home/ben/zap.go:2
");
        assert_eq!(s.samples.len(), 1);
        assert_eq!(funcs(&s, 0), vec!["main.a", "main.b"]);
    }

    #[test]
    fn cgo_symbolizer_frames() {
        let s = one("goroutine 1 [syscall]:
cfunc_sleep
\t/src/c.c:10 pc=0x4f0a1
main._Cfunc_sleep(0x1)
\t_cgo_gotypes.go:56 +0x45
");
        assert_eq!(funcs(&s, 0), vec!["cfunc_sleep", "main._Cfunc_sleep"]);
    }

    /// A reader that fails after its data, like a truncated gzip stream.
    struct Failing<'a>(&'a [u8], io::ErrorKind);

    impl io::Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::new(self.1, "boom"));
            }
            let n = self.0.len().min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn read_errors() {
        let data = b"goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n\ngoroutine 2 [sel";
        let mut r = io::BufReader::new(Failing(data, io::ErrorKind::UnexpectedEof));
        let v = load(&mut r, "x.gz", &LoadOptions::default()).unwrap();
        assert_eq!(v[0].samples.len(), 1);
        assert!(
            v[0].warnings
                .iter()
                .any(|w| w.contains("truncated gzip stream") && crate::load::cut_short(w)),
            "{:?}",
            v[0].warnings
        );

        let mut r = io::BufReader::new(Failing(b"hello\n", io::ErrorKind::UnexpectedEof));
        let e = load(&mut r, "x.gz", &LoadOptions::default()).unwrap_err();
        assert_eq!(e.position, Some(crate::error::Position::Line(2)));
        assert!(e.message.contains("truncated gzip"), "{e:?}");

        struct Limit<'a>(&'a [u8]);
        impl io::Read for Limit<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Err(io::Error::other(LimitExceeded(10)));
                }
                let n = self.0.len().min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut r = io::BufReader::new(Limit(data));
        let e = load(&mut r, "x.gz", &LoadOptions::default()).unwrap_err();
        assert!(e.message.contains("exceeds the limit"), "{e:?}");
    }

    #[test]
    fn headers_glued_to_text() {
        let s = one("starting
waited 30s, dumping stacksgoroutine 1 [running]:
main.main()
\t/a/main.go:10 +0x1d

goroutine 2 [select]:
main.loop()
\t/a/main.go:20 +0x1
created by main.main in goroutine 1
\t/a/main.go:9 +0x2
");
        assert_eq!(s.samples.len(), 2);
        assert_eq!(funcs(&s, 0), vec!["main.main"]);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);

        // A recovered panic logged with debug.Stack(), behind a journald
        // prefix, with a line of another unit in between.
        let p = "Mar  3 04:05:06 host svc[812]: ";
        let text = format!(
            "{p}recovered: runtime error: index out of range [3] with length 3: goroutine 12 [running]:
Mar  3 04:05:06 host sshd[9]: session opened
{p}runtime/debug.Stack()
{p}\t/go/src/runtime/debug/stack.go:24 +0x5e
{p}main.parse()
{p}\t/app/parse.go:7 +0x11
{p}created by net/http.(*Server).Serve in goroutine 1
{p}\t/go/src/net/http/server.go:3290 +0x4b4
"
        );
        let s = one(&text);
        assert_eq!(funcs(&s, 0), vec!["runtime/debug.Stack", "main.parse"]);
        assert_eq!(info(&s.samples[0]).parent_id, Some(1));
    }

    #[test]
    fn goroutines_without_frames_are_kept() {
        let s = one("goroutine 1 [running]:

goroutine 2 [chan receive]:
main.f()
\t/a.go:1 +0x1
");
        assert_eq!(s.samples.len(), 2);
        assert!(s.samples[0].stack.is_empty());
        assert!(info(&s.samples[0]).stack_unavailable);
        assert_eq!(s.samples[0].op, BlockingOp::Running);
        assert_eq!(
            s.warnings,
            vec!["line 1: goroutine 1 has no stack (kept with an empty stack)"]
        );
        // Closed by a blank line at the end: kept; the last line: cut.
        let s =
            one("goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n\ngoroutine 2 [select]:\n\n");
        assert_eq!(s.samples.len(), 2);
        let s =
            one("goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n\ngoroutine 2 [select]:\n");
        assert_eq!(s.samples.len(), 1);
    }

    #[test]
    fn gccgo_tracebacks() {
        let s = one("goroutine 1 [chan receive]:
runtime.gopark
\t../../../src_gcc/libgo/go/runtime/proc.go:367
runtime.chanrecv1
\t../../../src_gcc/libgo/go/runtime/chan.go:440
main.main..func1
\t/home/u/main.go:12

goroutine 5 [syscall]:
\tgoroutine in C code; stack unavailable
created by main.start
\t/home/u/main.go:30 +0x9c

goroutine 6 [running]:
");
        assert!(s.gccgo);
        assert_eq!(s.samples.len(), 3);
        assert_eq!(
            funcs(&s, 0),
            vec!["runtime.gopark", "runtime.chanrecv1", "main.main.func1"]
        );
        assert_eq!(s.samples[0].op, BlockingOp::ChanReceive);
        assert!(info(&s.samples[1]).stack_unavailable);
        assert!(s.samples[2].stack.is_empty());
        assert!(!one(BASIC).gccgo);

        // Newer libgo prints package paths encoded.
        let s = one("goroutine 9 [IO wait]:
internal_1poll.runtime__pollWait
\t../../../src/libgo/go/runtime/netpoll.go:234
github_0com_1acme_1x__y.Server.Serve
\t/src/x/server.go:10
created by net_1http.Server.Serve
\t../../../src/libgo/go/net/http/server.go:3070 +0x1d
");
        assert_eq!(
            funcs(&s, 0),
            vec![
                "internal/poll.runtime_pollWait",
                "github.com/acme/x_y.Server.Serve"
            ]
        );
        let cb = s.samples[0].created_by.unwrap();
        assert_eq!(s.table.function(cb), "net/http.Server.Serve");
        assert_eq!(s.samples[0].op, BlockingOp::IoWait);
        assert_eq!(gccgo_decode("main.my_1st"), None);

        // A gccgo debug.Stack() glued to a log line.
        let s = one("2026/11/30 17:18:00 recovered: boom: goroutine 1 [running]:
runtime_1debug.Stack
\t../../../src/libgo/go/runtime/debug/stack.go:24
main.main
\t/src/main.go:9
2026/11/30 17:18:01 next
");
        assert_eq!(funcs(&s, 0), vec!["runtime/debug.Stack", "main.main"]);
        assert_eq!(
            gccgo_decode("example.org/p.New..func1..func2").as_deref(),
            Some("example.org/p.New.func1.func2")
        );
        assert_eq!(gccgo_decode("main.(*T).run"), None);
    }

    #[test]
    fn wrapped_frame_lines_are_joined() {
        let s = one("goroutine 1 [running]:
main.(*server).handle(0xc000123
456, 0x1)
        /src/app/ser
ver.go:12 +0x1d
main.main()
        /src/app/main.go:3 +0x1
");
        let f = &s.table.frame(s.samples[0].stack[0]);
        assert_eq!(funcs(&s, 0), vec!["main.(*server).handle", "main.main"]);
        assert_eq!(s.table.strings.get(f.raw_file), "/src/app/server.go");
        assert_eq!(f.line, 12);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);

        // A cut function line that nothing completes is dropped, with a
        // warning; the rest of the stack is kept.
        let s = one("goroutine 1 [running]:
main.(*server).handle(0xc000123
\t/src/app/server.go:12 +0x1d
main.main()
\t/src/app/main.go:3 +0x1
");
        assert_eq!(funcs(&s, 0), vec!["main.main"]);
        assert!(info(&s.samples[0]).frames_elided);
        assert_eq!(
            s.warnings,
            vec!["line 2: frame line cut or mangled (dropped)"]
        );
    }

    #[test]
    fn padded_console_rows_are_joined() {
        // Lines hard-wrapped at 60 columns, each row padded to 60.
        let lines = [
            "C:\\> app.exe",
            "goroutine 1 [running]:",
            "main.main()",
            "        C:/src/app/main.go:3 +0x1",
            "",
            "goroutine 7 [chan send]:",
            "main.(*server).handle.func1(0xc000123456, 0x1, 0x2, 0x3, 0x4, 0x5)",
            "        Z:/src/app/internal/transport/something/long/server.go:12 +0x1d",
            "created by main.(*server).handle.loooooooooooooong in goroutine 1",
            "        Z:/src/app/internal/transport/something/long/server.go:10 +0x3f",
            "",
            "goroutine 8 [select]:",
            "example.com/app/internal/transport.(*Conn).readLoop[...](0xc000123456, {0x1, 0x2, 0x3}, 0xc0000a0000, 0xc0000a1000, {0xc0000b2000, 0x10, 0x10}, 0x0)",
            "        Z:/src/app/internal/transport/something/long/server.go:10 +0x3f",
        ];
        let mut text = String::new();
        for l in lines {
            let chars: Vec<char> = l.chars().collect();
            for row in chars.chunks(60) {
                let row: String = row.iter().collect();
                text += &format!("{row:<60}\r\n");
            }
            if l.is_empty() {
                text += &format!("{:<60}\r\n", "");
            }
        }
        let s = one(&text);
        assert_eq!(s.samples.len(), 3, "{:?}", s.warnings);
        // Over three rows.
        assert_eq!(
            funcs(&s, 2),
            vec!["example.com/app/internal/transport.(*Conn).readLoop[...]"]
        );
        let g = &s.samples[1];
        assert_eq!(funcs(&s, 1), vec!["main.(*server).handle.func1"]);
        let f = s.table.frame(g.stack[0]);
        assert_eq!(
            s.table.strings.get(f.raw_file),
            "Z:/src/app/internal/transport/something/long/server.go"
        );
        assert_eq!(f.line, 12);
        assert_eq!(info(g).parent_id, Some(1));
        assert!(g.created_by.is_some());
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }
}
