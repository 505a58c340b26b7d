//! Loads the real-world pprof protos, debug=1 texts and legacy heap/thread
//! profiles in `../shared/real-dumps` (beside the checkout; not part of the
//! repository) and checks what the loaders make of them. Skipped, with a
//! message, when that folder is absent.

use leakdiff::load::{self, LoadOptions};
use leakdiff::model::{Format, ProfileKind, Snapshot};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn dumps_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/real-dumps");
    dir.join("MANIFEST.tsv").is_file().then_some(dir)
}

struct Entry {
    file: String,
    kind: String,
    notes: String,
}

fn manifest(dir: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap()
        .trim_end_matches('\r')
        .split('\t')
        .collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (file, kind, notes) = (col("file"), col("kind"), col("notes"));
    lines
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Entry {
                file: f[file].to_string(),
                kind: f[kind].to_string(),
                notes: f.get(notes).unwrap_or(&"").to_string(),
            }
        })
        .collect()
}

/// `debug=1 totals: N` from the notes column.
fn manifest_total(notes: &str) -> Option<u64> {
    let rest = &notes[notes.find("debug=1 totals:")? + "debug=1 totals:".len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Text profiles among the `other` files: detected as debug=1 or heap text.
fn is_text_profile(path: &Path) -> bool {
    let data = std::fs::read(path).unwrap();
    matches!(
        load::detect::detect(&data[..data.len().min(1 << 20)]),
        load::Detected::Debug1 | load::Detected::HeapText
    )
}

fn sum0(s: &Snapshot) -> i64 {
    s.samples.iter().map(|x| x.values[0]).sum()
}

/// What is known about each file, checked when the file is in the manifest.
struct Expect {
    kind: ProfileKind,
    format: Format,
    samples: usize,
    /// Sum of the first value over all samples.
    sum: Option<i64>,
}

fn expectations() -> BTreeMap<&'static str, Expect> {
    use Format::*;
    use ProfileKind::*;
    let e = |kind, format, samples, sum| Expect {
        kind,
        format,
        samples,
        sum,
    };
    BTreeMap::from([
        (
            "ddnotes_2_lookup_goroutine_debug0.pb.gz",
            e(Goroutine, Pprof, 8, Some(9)),
        ),
        ("ddnotes_cpu_samples.pb.gz", e(Cpu, Pprof, 7, Some(38))),
        (
            "ecs_routines_goroutine.pb.gz",
            e(Goroutine, Pprof, 65, Some(5169)),
        ),
        (
            "flameshow_test_block_empty.pb.gz",
            e(Block, Pprof, 0, Some(0)),
        ),
        (
            "flameshow_test_goroutine.pb.gz",
            e(Goroutine, Pprof, 14, Some(37)),
        ),
        (
            "flameshow_test_threadcreate.pb.gz",
            e(ThreadCreate, Pprof, 1, Some(125)),
        ),
        (
            "hodis_goroutine_delta_seconds10.pb.gz",
            e(Goroutine, Pprof, 11, Some(-1)),
        ),
        ("leaf_goroutine.pb.gz", e(Goroutine, Pprof, 9, Some(9))),
        ("longbow_mem.pb.gz", e(Allocs, Pprof, 9, None)),
        (
            "ddnotes_1_http_goroutine_debug1.txt",
            e(Goroutine, Debug1, 9, Some(10)),
        ),
        (
            "ecs_goroutines_debug1_5171.log",
            e(Goroutine, Debug1, 66, Some(5171)),
        ),
        (
            "happy_goroutine_debug1_named_pprof.txt",
            e(Goroutine, Debug1, 9, Some(22)),
        ),
        // An excerpt: the header says 1779, the two records kept add to 1735.
        (
            "issue_go22773_debug1_markdown_mangled.txt",
            e(Goroutine, Debug1, 2, Some(1735)),
        ),
        ("pprof_gobench.heap", e(Heap, HeapText, 15, None)),
        ("pprof_cppbench.heap", e(Heap, HeapText, 31, None)),
        (
            "issue_go68136_heap_debug1_heap0_memstats_partial.txt",
            e(Heap, HeapText, 0, Some(0)),
        ),
        ("pprof_go_godoc.thread", e(ThreadCreate, Debug1, 7, Some(7))),
    ])
}

fn load_one(path: &Path) -> Result<Vec<Snapshot>, leakdiff::Error> {
    load::load_path(path.to_str().unwrap(), &LoadOptions::default())
}

#[test]
fn real_dumps_load() {
    let Some(dir) = dumps_dir() else {
        println!("skipped: ../shared/real-dumps is not beside the checkout");
        return;
    };
    let expect = expectations();
    let mut checked = 0;
    for entry in manifest(&dir) {
        let path = dir.join(&entry.file);
        let profile_kind = matches!(entry.kind.as_str(), "pprof" | "debug1" | "legacy-heap");
        if entry.file == "pprof_go_crc32_legacy.cpu" {
            let err = load_one(&path).unwrap_err().to_string();
            assert!(
                err.contains("legacy binary CPU profile") && !err.contains('\n'),
                "{err}"
            );
            checked += 1;
            continue;
        }
        if !(profile_kind || (entry.kind == "other" && is_text_profile(&path))) {
            continue;
        }
        let snaps = load_one(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(snaps.len(), 1, "{}", entry.file);
        let s = &snaps[0];
        println!(
            "{}: {} {} samples={} sum={} declared={:?} warnings={:?}",
            entry.file,
            s.format,
            s.kind,
            s.samples.len(),
            sum0(s),
            s.declared_total,
            s.warnings
        );

        // Structure every loader promises.
        for (i, smp) in s.samples.iter().enumerate() {
            assert_eq!(
                smp.values.len(),
                s.sample_types.len(),
                "{} sample {i}",
                entry.file
            );
            for &id in smp.stack.iter() {
                assert!((id as usize) < s.table.len());
                assert_ne!(s.table.function(id), "runtime.goexit", "{}", entry.file);
            }
        }
        if let Some(d) = s.default_sample_type {
            assert!(d < s.sample_types.len());
        }

        // Declared totals (debug=1) agree with the manifest and the records.
        if let Some(total) = manifest_total(&entry.notes) {
            assert_eq!(s.declared_total, Some(total), "{}", entry.file);
            if sum0(s) != total as i64 {
                assert!(
                    s.warnings.iter().any(|w| w.contains("add up to")),
                    "{}: {:?}",
                    entry.file,
                    s.warnings
                );
            }
        } else if let Some(total) = s.declared_total {
            assert_eq!(sum0(s), total as i64, "{}", entry.file);
        }

        if let Some(e) = expect.get(entry.file.as_str()) {
            assert_eq!(s.kind, e.kind, "{}", entry.file);
            assert_eq!(s.format, e.format, "{}", entry.file);
            assert_eq!(s.samples.len(), e.samples, "{}", entry.file);
            if let Some(sum) = e.sum {
                assert_eq!(sum0(s), sum, "{}", entry.file);
            }
        }
        checked += 1;
    }
    assert!(checked >= expect.len(), "only {checked} files checked");
}

fn load_named(name: &str) -> Option<Snapshot> {
    let dir = dumps_dir()?;
    let path = dir.join(name);
    if !path.is_file() {
        println!("skipped: {name} is absent");
        return None;
    }
    Some(load_one(&path).unwrap().remove(0))
}

#[test]
fn goroutine_delta_keeps_negative_counts_and_duration() {
    let Some(s) = load_named("hodis_goroutine_delta_seconds10.pb.gz") else {
        return;
    };
    assert!(s.gzipped);
    assert_eq!(s.duration_nanos, Some(10_021_890_000));
    assert!(s.samples.iter().any(|x| x.values[0] < 0));
    assert!(s.samples.iter().any(|x| x.stack.is_empty()));
}

#[test]
fn proto_details() {
    if let Some(s) = load_named("longbow_mem.pb.gz") {
        let d = s.default_sample_type.unwrap();
        assert_eq!(s.sample_types[d].ty, "alloc_space");
        assert_eq!(s.period_type.as_ref().unwrap().ty, "space");
        assert!(s
            .samples
            .iter()
            .all(|x| x.labels.iter().any(|l| l.0 == "bytes")));
    }
    if let Some(s) = load_named("flameshow_test_threadcreate.pb.gz") {
        assert!(s.samples[0].stack.is_empty());
        assert_eq!(s.samples[0].values, [125]);
    }
    if let Some(s) = load_named("ecs_routines_goroutine.pb.gz") {
        let big = s.samples.iter().find(|x| x.values[0] == 5067).unwrap();
        assert_eq!(big.op, leakdiff::model::BlockingOp::RangeReceive);
    }
    if let Some(s) = load_named("ddnotes_2_lookup_goroutine_debug0.pb.gz") {
        assert!(s.samples.iter().any(|x| x
            .labels
            .contains(&("test_label".to_string(), "test_value".to_string()))));
    }
}

#[test]
fn text_details() {
    if let Some(s) = load_named("ddnotes_1_http_goroutine_debug1.txt") {
        assert!(s.samples[0]
            .labels
            .contains(&("test_label".to_string(), "test_value".to_string())));
    }
    if let Some(s) = load_named("pprof_gobench.heap") {
        assert_eq!(s.period, Some(524_288));
        assert!(s.samples.iter().any(|x| x.stack.is_empty()));
        assert!(s.table.function(s.samples[0].stack[0]).starts_with("0x"));
    }
    if let Some(s) = load_named("pprof_cppbench.heap") {
        assert!(s
            .warnings
            .iter()
            .any(|w| w.contains("not a Go heap profile")));
    }
    if let Some(s) = load_named("issue_go22773_debug1_markdown_mangled.txt") {
        assert_eq!(
            s.table.function(s.samples[0].stack[0]),
            "net/http.(*persistConn).writeLoop"
        );
    }
}
