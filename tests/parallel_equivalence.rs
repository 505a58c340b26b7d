//! The block-parallel debug=2 loader gives exactly what the sequential,
//! line-by-line one gives: the same snapshots (frame ids included), and so
//! the same groups (keys, counts, waits, ids), on every capture of the
//! corpus, the edge-case files, the dump forms of `testdata/forms`, the
//! shared real dumps when present, and on
//! generated dumps, with blocks of every size from one byte up.

use leakdiff::group::{group_snapshot, GroupBy};
use leakdiff::load::detect::{self, Detected};
use leakdiff::load::{debug2, load_reader, LoadOptions};
use leakdiff::model::Snapshot;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// Block sizes tried besides the default: every cut point a small input
/// has, lines longer than a block, and a few goroutines per block.
const BLOCK_SIZES: [usize; 5] = [1, 17, 200, 4096, 64 << 10];

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    files_under(&root.join("testdata/captures"), &mut files);
    files_under(&root.join("testdata/samples"), &mut files);
    files_under(&root.join("tests/data"), &mut files);
    files_under(&root.join("testdata/forms"), &mut files);
    files_under(&root.join("../shared/real-dumps"), &mut files);
    files
}

/// Everything a snapshot holds, resolved to text, plus its raw frame ids.
fn describe(snaps: &[Snapshot]) -> String {
    let mut out = String::new();
    for s in snaps {
        out += &format!(
            "snapshot {} #{} {:?} {:?} gz={} time={:?} total={:?} types={:?} frames={} strings={}\n",
            s.source,
            s.index_in_source,
            s.format,
            s.kind,
            s.gzipped,
            s.time_nanos,
            s.declared_total,
            s.sample_types,
            s.table.len(),
            s.table.strings.len(),
        );
        for w in &s.warnings {
            out += &format!("  warning {w}\n");
        }
        for id in 0..s.table.len() as u32 {
            let f = s.table.resolve(id);
            out += &format!(
                "  frame {id} {} {} {} {}\n",
                f.function, f.file, f.raw_file, f.line
            );
        }
        for x in &s.samples {
            out += &format!(
                "  sample {:?} {:?} {:?} {:?} {:?} {:?}\n",
                x.stack, x.values, x.labels, x.op, x.created_by, x.goroutine
            );
        }
    }
    out
}

/// The groups of every snapshot: keys, counts, waits, ids, states.
fn describe_groups(snaps: &[Snapshot]) -> String {
    let mut out = String::new();
    for s in snaps {
        for by in [GroupBy::Stack, GroupBy::Site, GroupBy::Creator] {
            let (grouper, groups) = group_snapshot(s, by, None);
            out += &format!("{} {:?}: {} groups\n", s.name(), by, groups.groups.len());
            for g in &groups.groups {
                let key: Vec<_> = g.key.frames.iter().map(|&k| grouper.keys.get(k)).collect();
                out += &format!(
                    "  {:?} {:?} {:?} values={:?} wait={:?}..{:?} ids={:?} states={:?} parents={:?} labels={:?} leaked={} elided={} background={}\n",
                    g.key.op,
                    key,
                    g.key.created_by.map(|c| grouper.keys.get(c)),
                    g.values,
                    g.wait_min,
                    g.wait_max,
                    g.ids,
                    g.states,
                    g.parents,
                    g.labels,
                    g.leaked,
                    g.elided,
                    g.background,
                );
            }
        }
    }
    out
}

fn outcome(r: Result<Vec<Snapshot>, impl std::fmt::Debug>) -> (String, String) {
    match r {
        Ok(snaps) => (describe(&snaps), describe_groups(&snaps)),
        Err(e) => (format!("error: {e:?}"), String::new()),
    }
}

fn sequential() -> LoadOptions {
    LoadOptions {
        parallel: false,
        ..LoadOptions::default()
    }
}

/// Checks one input (as a file would give it, gzipped or not) both ways,
/// and, for debug=2 text, with every block size.
fn check(name: &str, data: &[u8], opts: &LoadOptions) {
    let seq_opts = LoadOptions {
        parallel: false,
        ..opts.clone()
    };
    let par_opts = LoadOptions {
        parallel: true,
        ..opts.clone()
    };
    let seq = outcome(load_reader(name, data, &seq_opts));
    let par = outcome(load_reader(name, data, &par_opts));
    assert_same(name, &seq, &par);
    // As a mapped file is loaded: parsed in place.
    let mapped = outcome(leakdiff::load::load_slice(name, data, &par_opts));
    assert_same(&format!("{name} (in place)"), &seq, &mapped);

    let text = if detect::is_gzip(data) {
        let mut out = Vec::new();
        if flate2::read::MultiGzDecoder::new(data)
            .read_to_end(&mut out)
            .is_err()
        {
            return;
        }
        out
    } else {
        data.to_vec()
    };
    if text.is_empty() || detect::detect(&text[..text.len().min(1 << 20)]) != Detected::Debug2 {
        return;
    }
    let seq = outcome(debug2::load_sequential(
        &mut BufReader::new(&text[..]),
        name,
        &seq_opts,
    ));
    for bs in BLOCK_SIZES {
        // A small reader buffer too, so reads return short.
        let mut r = BufReader::with_capacity(7, &text[..]);
        let par = outcome(debug2::load_with_block_size(&mut r, name, &par_opts, bs));
        assert_same(&format!("{name} (blocks of {bs})"), &seq, &par);
        let par = outcome(debug2::load_slice_with_block_size(
            &text, name, &par_opts, bs,
        ));
        assert_same(&format!("{name} (blocks of {bs}, in place)"), &seq, &par);
    }
}

/// Fails with the first difference unless the sequential and parallel
/// outcomes (snapshots, groups) are the same.
fn assert_same(what: &str, seq: &(String, String), par: &(String, String)) {
    assert!(
        seq.0 == par.0,
        "{what}: snapshots differ\n{}",
        diff(&seq.0, &par.0)
    );
    assert!(
        seq.1 == par.1,
        "{what}: groups differ\n{}",
        diff(&seq.1, &par.1)
    );
}

/// The first differing lines, for the failure message.
fn diff(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}:\n  sequential: {x}\n  parallel:   {y}", i + 1);
        }
    }
    format!(
        "one is a prefix of the other ({} vs {} lines)",
        a.lines().count(),
        b.lines().count()
    )
}

#[test]
fn captures_and_real_dumps() {
    let files = corpus();
    assert!(files.len() > 100, "corpus not found");
    for p in files {
        let data = std::fs::read(&p).unwrap();
        if data.is_empty() {
            continue;
        }
        check(&p.display().to_string(), &data, &LoadOptions::default());
    }
}

/// Goroutines that repeat a stack seen earlier in their block, which the
/// block path takes whole, and file lines it takes by comparing them with
/// one read before, next to what must not be taken so: a repeat continued
/// by a line the fast parser leaves (over `max_line`), a repeat cut by
/// `max_frames`, elided frames, a file line with another offset or with
/// `fp=`/`sp=` words, a goroutine left unfinished past `max_samples`.
#[test]
fn repeated_stacks_and_file_lines() {
    let mut dump = String::new();
    let long = "x".repeat(90);
    for g in 1..=40u32 {
        dump.push_str(&format!("goroutine {g} [chan receive]:\n"));
        dump.push_str(&format!(
            "runtime.gopark(0x{:x}, 0x0)\n\truntime/proc.go:435 +0xce\n",
            g
        ));
        match g % 8 {
            // A repeat, then the same frames with another offset.
            0 | 1 => dump.push_str("main.worker(0xc000010000)\n\t/src/app/main.go:22 +0x1d\n"),
            2 => dump.push_str("main.worker(0xc000010000)\n\t/src/app/main.go:22 +0x2e\n"),
            // The frame's function line over max_line: raw lines go on
            // with the goroutine the fast parser began.
            3 => dump.push_str(&format!(
                "main.worker(0xc000010000)\n\t/src/app/main.go:22 +0x1d\nmain.{long}(0x1)\n\t/src/app/main.go:9 +0x5\n"
            )),
            // Words after the offset (a crash dump's fp=/sp=).
            4 => dump.push_str(
                "main.worker(0xc000010000)\n\t/src/app/main.go:22 +0x1d fp=0xc000050fe0 sp=0xc000050fc0 pc=0x4a1b2d\n",
            ),
            5 => dump.push_str("main.worker(0xc000010000)\n\t/src/app/main.go:22 +0x1d\n...2 frames elided...\n"),
            // Deeper than max_frames.
            6 => dump.push_str(
                "main.worker(0xc000010000)\n\t/src/app/main.go:22 +0x1d\nmain.run(0x1)\n\t/src/app/main.go:30 +0x11\nmain.main()\n\t/src/app/main.go:40 +0x22\n",
            ),
            _ => dump.push_str("main.worker(0xc000010001)\n\t/src/app/main.go:22\n"),
        }
        dump.push_str(&format!(
            "created by main.start in goroutine 1\n\t/src/app/main.go:12 +0x{:x}\n\n",
            0x40 + g % 3
        ));
    }
    for opts in [
        LoadOptions::default(),
        LoadOptions {
            max_line: 80,
            max_frames: 3,
            ..LoadOptions::default()
        },
        LoadOptions {
            max_samples: 13,
            ..LoadOptions::default()
        },
    ] {
        check("repeated stacks", dump.as_bytes(), &opts);
    }
}

#[test]
fn captures_with_tight_limits() {
    // Limits that cut lines, stacks and dumps short take the same effect.
    let opts = LoadOptions {
        max_line: 40,
        max_frames: 3,
        max_samples: 5,
        ..LoadOptions::default()
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    files_under(&root.join("testdata/captures/go1.27"), &mut files);
    files_under(&root.join("tests/data/debug2"), &mut files);
    for p in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt" || e == "log"))
    {
        let data = std::fs::read(p).unwrap();
        check(&p.display().to_string(), &data, &opts);
    }
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Function, file and line of a generated frame.
type FrameText = (String, String, u64);

/// A debug=2 dump in the shape of gen-bigdump's (which needs Go), with
/// the rarer shapes mixed in: elided frames, goexit-only stacks, labels,
/// locked goroutines, the profile writer starting a second dump, and a
/// stretch of prefixed log lines.
fn generated_dump(goroutines: usize, seed: u64) -> String {
    let mut r = Rng(seed | 1);
    let kinds = [
        ("chan receive", "runtime.chanrecv1", "runtime/chan.go", 442),
        ("chan send", "runtime.chansend1", "runtime/chan.go", 161),
        ("select", "runtime.selectgo", "runtime/select.go", 335),
        (
            "IO wait",
            "internal/poll.runtime_pollWait",
            "runtime/netpoll.go",
            351,
        ),
        ("sync.Mutex.Lock", "sync.(*Mutex).Lock", "sync/mutex.go", 46),
        (
            "sync.WaitGroup.Wait",
            "sync.(*WaitGroup).Wait",
            "sync/waitgroup.go",
            206,
        ),
        ("sleep", "time.Sleep", "runtime/time.go", 368),
    ];
    let templates: Vec<(usize, Vec<FrameText>, FrameText)> = (0..24)
        .map(|t| {
            let depth = 3 + r.below(30) as usize;
            let frames = (0..depth)
                .map(|i| {
                    let pkg = ["orders", "payments", "cache", "rpc"][r.below(4) as usize];
                    let f = match r.below(4) {
                        0 => format!("example.com/shop/{pkg}.(*Service).Handle{t}x{i}"),
                        1 => format!("example.com/shop/{pkg}.run{t}x{i}.func{}", 1 + r.below(3)),
                        2 => format!("example.com/shop/{pkg}.Map[...]{t}x{i}"),
                        _ => format!("example.com/shop/{pkg}.serve{t}x{i}"),
                    };
                    (
                        f,
                        format!("/src/shop/{pkg}/f{}.go", r.below(9)),
                        10 + r.below(500),
                    )
                })
                .collect();
            let creator = (
                format!("example.com/shop/cmd.start{t}"),
                "/src/shop/cmd/main.go".to_string(),
                20 + t as u64,
            );
            (r.below(kinds.len() as u64) as usize, frames, creator)
        })
        .collect();
    let mut s = String::new();
    let mut id = 100u64;
    for n in 0..goroutines {
        if n == goroutines / 2 {
            // A second profile in the same file: its writer comes first.
            s += "goroutine 9999 [running]:\nruntime/pprof.writeGoroutineStacks({0x1, 0x2})\n\t/usr/local/go/src/runtime/pprof/pprof.go:816 +0x1bc\n\n";
        }
        if n == goroutines / 3 {
            // Log lines around a prefixed stretch of the dump.
            s += "2026-01-02T03:04:05.000Z goroutine 77 [select, 3 minutes]:\n2026-01-02T03:04:05.000Z main.loop()\n2026-01-02T03:04:05.000Z \t/src/main.go:9 +0x1\n\n";
        }
        let (k, frames, creator) = &templates[(r.below(8) * r.below(3)) as usize % templates.len()];
        let (state, f, file, line) = kinds[*k];
        id += 1 + r.below(3);
        let mut header = format!("goroutine {id} [{state}");
        if r.below(3) == 0 {
            header += &format!(", {} minutes", 1 + r.below(300));
        }
        if r.below(40) == 0 {
            header += ", locked to thread";
        }
        header += "]";
        if r.below(25) == 0 {
            header += " {tenant: \"a b\", job: 7}";
        }
        s += &header;
        s += ":\n";
        if r.below(200) == 0 {
            s += "runtime.goexit({})\n\t/usr/local/go/src/runtime/asm_amd64.s:1700 +0x1\n\n";
            continue;
        }
        s += &format!(
            "{f}(0x{:x}, 0x{:x}?)\n\t/usr/local/go/src/{file}:{line} +0x{:x}\n",
            r.next() & 0xfffff,
            r.next() & 0xff,
            r.below(0x400)
        );
        for (i, (func, path, l)) in frames.iter().enumerate() {
            if i == 12 && r.below(10) == 0 {
                s += "...12 frames elided...\n";
                continue;
            }
            let args = if r.below(5) == 0 {
                "(...)".to_string()
            } else {
                format!(
                    "(0x{:x}, {{0x{:x}, 0x2}})",
                    r.next() & 0xffffff,
                    r.next() & 0xfff
                )
            };
            s += &format!("{func}{args}\n\t{path}:{l}");
            if !args.starts_with("(.") {
                s += &format!(" +0x{:x}", r.below(0x400));
            }
            s += "\n";
        }
        s += &format!(
            "created by {} in goroutine {}\n\t{}:{} +0x{:x}\n\n",
            creator.0,
            1 + r.below(id),
            creator.1,
            creator.2,
            r.below(0x400)
        );
    }
    s
}

#[test]
fn generated_dumps() {
    for (n, seed) in [(50, 1), (400, 2), (3000, 3)] {
        let text = generated_dump(n, seed);
        check(
            &format!("generated-{n}.txt"),
            text.as_bytes(),
            &LoadOptions::default(),
        );
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        check(
            &format!("generated-{n}.txt.gz"),
            &gz,
            &LoadOptions::default(),
        );
    }
    // Cut anywhere: truncated dumps too.
    let text = generated_dump(60, 4);
    for cut in (0..text.len()).step_by(997) {
        check(
            &format!("generated-cut-{cut}"),
            &text.as_bytes()[..cut],
            &LoadOptions::default(),
        );
    }
}

#[test]
fn repeated_frames_with_odd_lines() {
    // The block path takes a frame whose lines repeat a known frame's
    // texts by comparing bytes; every way a repeated line can differ from
    // the canonical shape must be read as the sequential path reads it.
    let head = "goroutine 1 [chan receive]:\nmain.work(0x1)\n\t/src/app/main.go:12 +0x1d\nmain.run(...)\n\t/src/app/main.go:1\ncreated by main.main in goroutine 1\n\t/src/app/main.go:30 +0x25\n\n";
    let variants: [&[u8]; 31] = [
        b"main.work(0x2)\n\t/src/app/main.go:12 +1x1d\n",
        b"main.work(0x2)\n\t/src/app/main.go:12 -0x1d\n",
        b"main.work(0x2)\n /src/app/main.go:12 +0x1d\n",
        b"main.work(0x2)\nx/src/app/main.go:12 +0x1d\n",
        b"main.work[0x2)\n\t/src/app/main.go:12 +0x1d\n",
        b"main.work(0x2)\n\t/src/app/main.go:12 +0x1d\n",
        b"main.work(0x2)\n\t/src/app/main.go:12 +0x\n",
        b"main.work(0x2)\n\t/src/app/main.go:12 +0x1g\n",
        b"main.work(0x2)\n\t/src/app/main.go:12 +0x1d \n",
        b"main.work(0x2)\n\t/src/app/main.go:12 +0x1d\r\n",
        b"main.work(0x2)\n\t/src/app/main.go:12+0x1d\n",
        b"main.work(0x2)\n\t/src/app/main.go:12 +0x1-d\n",
        b"main.work(0x2)\n\t/src/app/main.go:12\n",
        b"main.work(0x2)\n\t/src/app/main.go:123 +0x1d\n",
        b"main.work(0x2)\n\t/src/app/main.go:1 +0x1d\n",
        b"main.work(0x2)\n \t/src/app/main.go:12 +0x1d\n",
        b"main.work(0x2)\n\t\t/src/app/main.go:12 +0x1d\n",
        b"main.work(0x2\n\t/src/app/main.go:12 +0x1d\n",
        b"main.work(0x2) \n\t/src/app/main.go:12 +0x1d\n",
        b"main.work(\xff\xfe)\n\t/src/app/main.go:12 +0x1d\n",
        // Arguments that are not ASCII, within and beyond the first 16
        // bytes (which the block path scans a vector at a time).
        b"main.work(\xc3\xa9)\n\t/src/app/main.go:12 +0x1d\n",
        b"main.work(0x1, 0x2, 0x3, 0x4, 0x5, \xc3\xa9)\n\t/src/app/main.go:12 +0x1d\n",
        b"main.work(0x1, 0x2, 0x3, 0x4, 0x5, 0x6, \xff)\n\t/src/app/main.go:12 +0x1d\n",
        b"main.work(0x1, 0x2, 0x3, 0x4,\x80)\n\t/src/app/main.go:12 +0x1d\n",
        b"main.work(0x2)\n\t/src/app/main.go:12 +0x1d\xff\n",
        b"main.workx(0x2)\n\t/src/app/main.go:12 +0x1d\n",
        b"main.wor(0x2)\n\t/src/app/main.go:12 +0x1d\n",
        b"main.work()\n\t/src/app/main.go:12 +0x1d\n",
        b"main.work(...)\n\t/src/app/main.go:12 +0x1d\n",
        b"main.run(...)\n\t/src/app/main.go:1 +0x4\n",
        b"main.run(...)\n\t/src/app/main.go:1\n",
    ];
    let tail = b"main.run(...)\n\t/src/app/main.go:1\ncreated by main.main in goroutine 1\n\t/src/app/main.go:30 +0x25\n\n";
    for (i, v) in variants.iter().enumerate() {
        let mut d = head.as_bytes().to_vec();
        for id in 2..6 {
            d.extend_from_slice(format!("goroutine {id} [chan receive]:\n").as_bytes());
            d.extend_from_slice(v);
            d.extend_from_slice(tail);
        }
        check(&format!("odd-{i}.txt"), &d, &LoadOptions::default());
        // The variant's lines at the very end, without their newline.
        d.extend_from_slice(b"goroutine 9 [chan receive]:\n");
        d.extend_from_slice(&v[..v.len() - 1]);
        check(&format!("odd-{i}-end.txt"), &d, &LoadOptions::default());
    }
}

#[test]
fn repeated_creators_with_odd_lines() {
    // The block path also takes a `created by` line and its file line by
    // comparing bytes with a known creator's; every way they can differ
    // from the canonical shape must be read as the sequential path reads
    // it, also for a creator whose name holds ` in goroutine `.
    let frames = "main.work(0x1)\n\t/src/app/main.go:12 +0x1d\n";
    for creator in ["main.main", "main.a in goroutine b", "main.é"] {
        let head = format!(
            "goroutine 1 [chan receive]:\n{frames}created by {creator} in goroutine 1\n\t/src/app/main.go:30 +0x25\n\n"
        );
        let variants: Vec<Vec<u8>> = [
            " in goroutine 1\n\t/src/app/main.go:30 +0x25\n",
            " in goroutine 27\n\t/src/app/main.go:30 +0x25\n",
            "\n\t/src/app/main.go:30 +0x25\n",
            " \n\t/src/app/main.go:30 +0x25\n",
            " in goroutine 18446744073709551615\n\t/src/app/main.go:30 +0x25\n",
            " in goroutine 18446744073709551616\n\t/src/app/main.go:30 +0x25\n",
            " in goroutine 123456789012345678901\n\t/src/app/main.go:30 +0x25\n",
            " in goroutine \n\t/src/app/main.go:30 +0x25\n",
            " in goroutine 1 \n\t/src/app/main.go:30 +0x25\n",
            "  in goroutine 1\n\t/src/app/main.go:30 +0x25\n",
            " in goroutine 1x\n\t/src/app/main.go:30 +0x25\n",
            " in goroutine -1\n\t/src/app/main.go:30 +0x25\n",
            " in goroutine +1\n\t/src/app/main.go:30 +0x25\n",
            " in goroutine 1\r\n\t/src/app/main.go:30 +0x25\n",
            " in goroutine in goroutine 1\n\t/src/app/main.go:30 +0x25\n",
            "x in goroutine 1\n\t/src/app/main.go:30 +0x25\n",
            " in goroutine 1\n\t/src/app/main.go:31 +0x25\n",
            " in goroutine 1\n\t/src/app/main.go:30\n",
            " in goroutine 1\n\t/src/app/main.go:30 +0x\n",
            " in goroutine 1\n /src/app/main.go:30 +0x25\n",
            " in goroutine 1\n",
            " in goroutine 1\nmain.more()\n\t/src/app/main.go:30 +0x25\n",
        ]
        .iter()
        .map(|tail| {
            let mut v = format!("created by {creator}").into_bytes();
            v.extend_from_slice(tail.as_bytes());
            v
        })
        .chain([
            format!("created by  {creator} in goroutine 1\n\t/src/app/main.go:30 +0x25\n")
                .into_bytes(),
            b"created by main.mai in goroutine 1\n\t/src/app/main.go:30 +0x25\n".to_vec(),
            b"created by main.a\n\t/src/app/main.go:30 +0x25\n".to_vec(),
            b"created by main.main in goroutine 1\xff\n\t/src/app/main.go:30 +0x25\n".to_vec(),
            b"created by main.a in goroutine b\xc3\xa9\n\t/src/app/main.go:30 +0x25\n".to_vec(),
        ])
        .collect();
        for (i, v) in variants.iter().enumerate() {
            let mut d = head.as_bytes().to_vec();
            for id in 2..6 {
                d.extend_from_slice(format!("goroutine {id} [chan receive]:\n{frames}").as_bytes());
                d.extend_from_slice(v);
                d.extend_from_slice(b"\n");
            }
            let name = format!("creator-{}-{i}.txt", creator.len());
            check(&name, &d, &LoadOptions::default());
            // The variant's lines at the very end, without their newline.
            d.extend_from_slice(format!("goroutine 9 [chan receive]:\n{frames}").as_bytes());
            d.extend_from_slice(&v[..v.len() - 1]);
            check(&format!("{name}-end"), &d, &LoadOptions::default());
        }
    }
}

#[test]
fn large_dump_turning_to_prefixed_lines() {
    // Large enough for mapped blocks above the default size: once the
    // applied blocks are mostly raw lines (a log prefix on every line),
    // the next blocks are smaller. The result must not change.
    let mut text = generated_dump(30_000, 7);
    for line in generated_dump(50_000, 8).lines() {
        text.push_str("2026-12-01T10:00:00.123456789Z ");
        text.push_str(line);
        text.push('\n');
    }
    assert!(text.len() > 40 << 20, "{} bytes", text.len());
    let seq = outcome(load_reader("pre.txt", text.as_bytes(), &sequential()));
    let mapped = outcome(leakdiff::load::load_slice(
        "pre.txt",
        text.as_bytes(),
        &LoadOptions::default(),
    ));
    assert_same("pre.txt (in place)", &seq, &mapped);
}

#[test]
fn large_generated_dump_with_default_blocks() {
    // Several default-sized blocks and waves.
    let text = generated_dump(20_000, 5);
    assert!(text.len() > 8 << 20, "{} bytes", text.len());
    let seq = outcome(load_reader("big.txt", text.as_bytes(), &sequential()));
    let par = outcome(load_reader(
        "big.txt",
        text.as_bytes(),
        &LoadOptions::default(),
    ));
    assert_same("big.txt", &seq, &par);

    // Gzipped, the blocks are parsed on the pool that leaves the inflating
    // thread a core: the same result.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let seq = outcome(load_reader("big.txt.gz", &gz[..], &sequential()));
    let par = outcome(load_reader("big.txt.gz", &gz[..], &LoadOptions::default()));
    assert_same("big.txt.gz", &seq, &par);
}

#[test]
fn mutated_dumps() {
    // Random edits of real captures (lines broken, joined, indented, cut,
    // headers and junk inserted, bytes that are not UTF-8): the block path
    // must still read them exactly as the sequential one does.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    files_under(
        &root.join("testdata/captures/go1.27/timeout-leak"),
        &mut files,
    );
    files_under(&root.join("testdata/captures/go1.27/crash"), &mut files);
    files_under(&root.join("tests/data/debug2"), &mut files);
    let texts: Vec<Vec<u8>> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt" || e == "log"))
        .filter(|p| !p.to_string_lossy().contains("debug1"))
        .map(|p| std::fs::read(p).unwrap())
        .filter(|d| d.len() > 100)
        .collect();
    assert!(!texts.is_empty());
    let inserts: [&[u8]; 9] = [
        b"\n",
        b"\n\n",
        b"\t",
        b" ",
        b"goroutine 5 [select]:\n",
        b"\ngoroutine 77 [chan receive, 3 minutes]:\nmain.f(...)\n\t/x/y.go:3 +0x1\n",
        b"...2 frames elided...\n",
        b"\xff\xfe",
        b"created by main.g in goroutine 9\n",
    ];
    let mut r = Rng(42);
    for round in 0..600 {
        let mut d = texts[round % texts.len()].clone();
        for _ in 0..1 + r.below(4) {
            let at = r.below(d.len() as u64 + 1) as usize;
            match r.below(4) {
                0 => {
                    let ins = inserts[r.below(inserts.len() as u64) as usize];
                    d.splice(at..at, ins.iter().copied());
                }
                1 if at < d.len() => {
                    let n = (1 + r.below(40) as usize).min(d.len() - at);
                    d.drain(at..at + n);
                }
                2 if at < d.len() => d[at] = r.below(256) as u8,
                _ => d.truncate(at.max(1)),
            }
        }
        let opts = LoadOptions::default();
        let seq = outcome(debug2::load_sequential(
            &mut BufReader::new(&d[..]),
            "m",
            &opts,
        ));
        for bs in [1, 64, 4096] {
            let par = outcome(debug2::load_with_block_size(
                &mut BufReader::with_capacity(5, &d[..]),
                "m",
                &opts,
                bs,
            ));
            assert!(
                seq.0 == par.0 && seq.1 == par.1,
                "round {round}, blocks of {bs}:\n{}\n{}",
                diff(&seq.0, &par.0),
                diff(&seq.1, &par.1)
            );
        }
    }
}
