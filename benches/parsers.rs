//! Micro-benchmarks of the loaders and of grouping, on inputs generated
//! here (a few MB each, nothing read from disk):
//!
//! - `debug2/sequential` and `debug2/parallel`: a debug=2 dump through the
//!   line-by-line and the block-parallel loader;
//! - `debug2/gzip`: the same dump gzipped (decompression included);
//! - `debug1`: the same goroutines as `goroutine profile: total N` text;
//! - `pprof/heap`: a heap profile protobuf with 20,000 samples;
//! - `group/debug2` and `group/heap`: grouping the loaded snapshots by
//!   stack and by site.
//!
//! `cargo bench --bench parsers` (add `-- debug2` to run some). Whole-file
//! figures on big dumps come from `bench/run.sh`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use leakdiff::group::{group_snapshot, GroupBy};
use leakdiff::load::pprof::pb;
use leakdiff::load::{load_reader, LoadOptions};
use prost::Message;
use std::hint::black_box;
use std::io::Write;

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

/// A runtime or standard-library frame: function, file in GOROOT, line.
type StdFrame = (&'static str, &'static str, u64);

/// Goroutine kinds: wait reason, blocking frames, user frames (function,
/// file, line), creator.
struct Kind {
    state: &'static str,
    top: Vec<StdFrame>,
    user: Vec<(String, String, u64)>,
    creator: (String, String, u64),
}

fn kinds(r: &mut Rng) -> Vec<Kind> {
    let blocking: [(&str, Vec<StdFrame>); 7] = [
        ("chan receive", vec![]),
        ("chan send", vec![]),
        ("select", vec![]),
        (
            "IO wait",
            vec![
                ("internal/poll.runtime_pollWait", "runtime/netpoll.go", 351),
                (
                    "internal/poll.(*pollDesc).wait",
                    "internal/poll/fd_poll_runtime.go",
                    84,
                ),
                ("net.(*conn).Read", "net/net.go", 196),
            ],
        ),
        (
            "sync.Mutex.Lock",
            vec![
                (
                    "internal/sync.runtime_SemacquireMutex",
                    "runtime/sema.go",
                    95,
                ),
                ("sync.(*Mutex).Lock", "sync/mutex.go", 46),
            ],
        ),
        (
            "sync.WaitGroup.Wait",
            vec![
                ("sync.runtime_SemacquireWaitGroup", "runtime/sema.go", 114),
                ("sync.(*WaitGroup).Wait", "sync/waitgroup.go", 206),
            ],
        ),
        ("sleep", vec![("time.Sleep", "runtime/time.go", 368)]),
    ];
    (0..48)
        .map(|t| {
            let (state, top) = blocking[t % blocking.len()].clone();
            let depth = 5 + r.below(36) as usize;
            let user = (top.len()..depth)
                .map(|i| {
                    let pkg =
                        ["orders", "payments", "cache", "rpc", "db", "queue"][r.below(6) as usize];
                    let f = match r.below(4) {
                        0 => format!("example.com/shop/internal/{pkg}.(*Service).Handle{t}x{i}"),
                        1 => format!(
                            "example.com/shop/internal/{pkg}.(*Pool).run{t}x{i}.func{}",
                            1 + r.below(3)
                        ),
                        2 => format!("example.com/shop/internal/{pkg}.(*Map[...]).Get{t}x{i}"),
                        _ => format!("example.com/shop/internal/{pkg}.serve{t}x{i}"),
                    };
                    (
                        f,
                        format!(
                            "/home/runner/work/shop/shop/internal/{pkg}/f{}.go",
                            r.below(9)
                        ),
                        10 + r.below(500),
                    )
                })
                .collect();
            let creator = (
                format!("example.com/shop/cmd/shopd.start{t}"),
                "/home/runner/work/shop/shop/cmd/shopd/main.go".to_string(),
                20 + t as u64,
            );
            Kind {
                state,
                top,
                user,
                creator,
            }
        })
        .collect()
}

/// A debug=2 dump of `n` goroutines (about 3.5 KB each) and the same
/// goroutines as debug=1 text.
fn dumps(n: usize) -> (String, String) {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let kinds = kinds(&mut r);
    let mut d2 = String::new();
    let mut counts = vec![0u64; kinds.len()];
    for id in 0..n as u64 {
        let k = (r.below(12) * r.below(4)) as usize % kinds.len();
        counts[k] += 1;
        let kind = &kinds[k];
        d2 += &format!("goroutine {} [{}", id + 2, kind.state);
        if r.below(3) == 0 {
            d2 += &format!(", {} minutes", 1 + r.below(200));
        }
        d2 += "]:\n";
        for (f, file, line) in &kind.top {
            d2 += &format!(
                "{f}(0x{:x}, 0x{:x})\n\t/usr/local/go/src/{file}:{line} +0x{:x}\n",
                r.next() & 0xffffff,
                r.below(99),
                r.below(0x400)
            );
        }
        for (f, file, line) in &kind.user {
            d2 += &format!(
                "{f}(0x{:x}, {{0x{:x}, 0x2}})\n\t{file}:{line} +0x{:x}\n",
                r.next() & 0xffffff,
                r.next() & 0xfff,
                r.below(0x400)
            );
        }
        d2 += &format!(
            "created by {} in goroutine 1\n\t{}:{} +0x{:x}\n\n",
            kind.creator.0,
            kind.creator.1,
            kind.creator.2,
            r.below(0x400)
        );
    }
    let mut d1 = format!("goroutine profile: total {n}\n");
    for (k, kind) in kinds.iter().enumerate() {
        if counts[k] == 0 {
            continue;
        }
        let frames: Vec<(String, String, u64)> = kind
            .top
            .iter()
            .map(|(f, file, l)| (f.to_string(), format!("/usr/local/go/src/{file}"), *l))
            .chain(kind.user.iter().cloned())
            .collect();
        d1 += &format!("{} @", counts[k]);
        for i in 0..frames.len() {
            d1 += &format!(" 0x{:x}", 0x400000 + k * 0x1000 + i * 0x10);
        }
        d1 += "\n";
        for (i, (f, file, l)) in frames.iter().enumerate() {
            d1 += &format!(
                "#\t0x{:x}\t{f}+0x{:x}\t{file}:{l}\n",
                0x400000 + k * 0x1000 + i * 0x10,
                i
            );
        }
        d1 += "\n";
    }
    (d2, d1)
}

/// A heap profile of `n` samples, stacks of 7 to 40 frames sharing
/// allocation sites and call paths, as gen-bigheap makes them.
fn heap_profile(n: usize) -> Vec<u8> {
    let mut r = Rng(0x2545_f491_4f6c_dd1d);
    let mut p = pb::Profile::default();
    let mut strings: Vec<String> = vec![String::new()];
    let mut s = |x: &str| -> i64 {
        strings.push(x.to_string());
        (strings.len() - 1) as i64
    };
    for (t, u) in [
        ("alloc_objects", "count"),
        ("alloc_space", "bytes"),
        ("inuse_objects", "count"),
        ("inuse_space", "bytes"),
    ] {
        p.sample_type.push(pb::ValueType {
            r#type: s(t),
            unit: s(u),
        });
    }
    p.period_type = Some(pb::ValueType {
        r#type: s("space"),
        unit: s("bytes"),
    });
    p.period = 512 * 1024;
    let nfuncs = 4000u64;
    for id in 1..=nfuncs {
        let name = match id {
            1 => "runtime.mallocgc".to_string(),
            2 => "runtime.newobject".to_string(),
            3 => "runtime.makeslice".to_string(),
            _ => format!(
                "example.com/shop/internal/p{}.(*T{}).F{}",
                id % 13,
                id % 97,
                id
            ),
        };
        let file = format!(
            "/home/runner/work/shop/shop/internal/p{}/f{}.go",
            id % 13,
            id % 7
        );
        let (name, filename) = (s(&name), s(&file));
        p.function.push(pb::Function {
            id,
            name,
            system_name: name,
            filename,
            start_line: 10,
        });
        p.location.push(pb::Location {
            id,
            address: 0x400000 + id * 0x40,
            line: vec![pb::Line {
                function_id: id,
                line: 20 + (id % 300) as i64,
                column: 0,
            }],
            ..Default::default()
        });
    }
    let inner: Vec<Vec<u64>> = (0..n / 60 + 10)
        .map(|_| {
            let mut v = vec![1, 2 + r.below(2)];
            v.extend((0..3 + r.below(18)).map(|_| 4 + r.below(nfuncs - 4)));
            v
        })
        .collect();
    let outer: Vec<Vec<u64>> = (0..n / 240 + 10)
        .map(|_| {
            (0..2 + r.below(18))
                .map(|_| 4 + r.below(nfuncs - 4))
                .collect()
        })
        .collect();
    for i in 0..n {
        let mut loc = inner[i % inner.len()].clone();
        loc.extend(&outer[(i / inner.len() + i * 7) % outer.len()]);
        let objs = 1 + r.below(200) as i64;
        let size = 8i64 << r.below(12);
        p.sample.push(pb::Sample {
            location_id: loc,
            value: vec![objs, objs * size, objs / 2, objs / 2 * size],
            label: vec![],
        });
    }
    p.string_table = strings.into_iter().map(String::into_bytes).collect();
    p.encode_to_vec()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn loaders(c: &mut Criterion) {
    let (d2, d1) = dumps(2000);
    let d2gz = gzip(d2.as_bytes());
    let heap = heap_profile(20_000);
    let seq = LoadOptions {
        parallel: false,
        ..LoadOptions::default()
    };
    let par = LoadOptions::default();

    let mut g = c.benchmark_group("debug2");
    g.throughput(Throughput::Bytes(d2.len() as u64));
    for (name, opts) in [("sequential", &seq), ("parallel", &par)] {
        g.bench_with_input(BenchmarkId::new(name, d2.len()), &d2, |b, d| {
            b.iter(|| load_reader("bench", black_box(d.as_bytes()), opts).unwrap())
        });
    }
    g.bench_with_input(BenchmarkId::new("gzip", d2.len()), &d2gz, |b, d| {
        b.iter(|| load_reader("bench", black_box(&d[..]), &par).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("debug1");
    g.throughput(Throughput::Bytes(d1.len() as u64));
    g.bench_function("load", |b| {
        b.iter(|| load_reader("bench", black_box(d1.as_bytes()), &par).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("pprof");
    g.throughput(Throughput::Bytes(heap.len() as u64));
    g.bench_function("heap", |b| {
        b.iter(|| load_reader("bench", black_box(&heap[..]), &par).unwrap())
    });
    g.finish();
}

fn grouping(c: &mut Criterion) {
    let (d2, _) = dumps(2000);
    let snaps = load_reader("bench", d2.as_bytes(), &LoadOptions::default()).unwrap();
    let heap = load_reader("bench", &heap_profile(20_000)[..], &LoadOptions::default()).unwrap();
    let mut g = c.benchmark_group("group");
    g.throughput(Throughput::Elements(snaps[0].samples.len() as u64));
    g.bench_function("debug2", |b| {
        b.iter(|| group_snapshot(black_box(&snaps[0]), GroupBy::Stack, None))
    });
    g.throughput(Throughput::Elements(heap[0].samples.len() as u64));
    g.bench_function("heap", |b| {
        b.iter(|| group_snapshot(black_box(&heap[0]), GroupBy::Site, None))
    });
    g.finish();
}

criterion_group!(benches, loaders, grouping);
criterion_main!(benches);
