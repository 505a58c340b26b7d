//! The bodies of the fuzz targets (`fuzz/fuzz_targets/*.rs`), here so that
//! `tests/fuzz_corpus.rs` replays every corpus file through exactly the same
//! code in `cargo test`, without cargo-fuzz.
//!
//! Each function takes arbitrary bytes, runs one loader (or the whole
//! `analyze` pipeline) under [`limits`], and panics when an invariant the
//! tool promises is broken: an error that is not one line naming the input,
//! a snapshot beyond the bounds, a frame id outside its table, a report that
//! is not valid JSON, terminal control in a table, a Markdown table row a
//! crafted name could split. Crashes, hangs and memory are watched by the
//! fuzzer itself (and by the bounded allocator both use, see
//! `fuzz/bounded_alloc.rs`).

use crate::classify::Catalog;
use crate::commands::analyze::{analyze_snapshots, AnalyzeOptions};
use crate::commands::show;
use crate::diff::{self, DiffBy};
use crate::error::Error;
use crate::group::GroupBy;
use crate::load::{self, LoadOptions};
use crate::model::Snapshot;
use crate::report::{self, OutputFormat, Style};
use std::io::BufReader;
use std::sync::OnceLock;

/// The bounds every target runs under: small, so a bound is hit often.
pub fn limits() -> LoadOptions {
    LoadOptions {
        max_decompressed: 1 << 20,
        max_samples: 500,
        max_frames: 64,
        max_line: 4096,
        ..LoadOptions::default()
    }
}

/// Live heap bytes one input may make the process hold (enforced by the
/// bounded allocator of the fuzz targets and of the replay test).
pub const ALLOC_LIMIT: usize = 256 << 20;

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target, by the name of its `fuzz/fuzz_targets/` file and corpus.
pub const TARGETS: [(&str, Target); 6] = [
    ("pprof", pprof),
    ("gzip", gzip),
    ("debug1", debug1),
    ("debug2", debug2),
    ("detect", detect),
    ("analyze", analyze),
];

/// Separates the two inputs of the `analyze` target.
pub const SPLIT: &[u8] = b"\n@@leakdiff-fuzz-next-input@@\n";

/// The decompressed-protobuf loader on raw bytes.
pub fn pprof(data: &[u8]) {
    let opts = limits();
    match load::pprof::load(data, "fuzz.pb", &opts) {
        Ok(s) => check_snapshot(&s, &opts),
        Err(e) => check_error(&e.in_file("fuzz.pb"), "fuzz.pb"),
    }
}

/// The gzip wrapper (and whatever is inside) on inputs that start with the
/// gzip magic.
pub fn gzip(data: &[u8]) {
    if !load::detect::is_gzip(data) {
        return;
    }
    check_loaded("fuzz.gz", load::load_reader("fuzz.gz", data, &limits()));
}

/// The debug=1 loader, through a small odd-sized buffer so lines cross
/// buffer refills.
pub fn debug1(data: &[u8]) {
    let opts = limits();
    let mut r = BufReader::with_capacity(61, data);
    match load::debug1::load(&mut r, "fuzz.txt", &opts) {
        Ok(s) => check_snapshot(&s, &opts),
        Err(e) => check_error(&e.in_file("fuzz.txt"), "fuzz.txt"),
    }
}

/// The debug=2 loader, through a small odd-sized buffer.
pub fn debug2(data: &[u8]) {
    let opts = limits();
    let mut r = BufReader::with_capacity(61, data);
    check_loaded(
        "fuzz.txt",
        load::debug2::load(&mut r, "fuzz.txt", &opts).map_err(|e| e.in_file("fuzz.txt")),
    );
}

/// Format detection, then whichever loader it picks (the path every input
/// takes).
pub fn detect(data: &[u8]) {
    let _ = load::detect::detect(data);
    let _ = load::utf16::detect(data);
    check_loaded("fuzz", load::load_reader("fuzz", data, &limits()));
}

/// The whole `analyze` pipeline on two inputs (split at [`SPLIT`]; without
/// it the input is given twice), rendered in every format; also `show` and
/// `diff` of the same snapshots.
pub fn analyze(data: &[u8]) {
    let opts = limits();
    let (a, b) = match memchr::memmem::find(data, SPLIT) {
        Some(i) => (&data[..i], &data[i + SPLIT.len()..]),
        None => (data, data),
    };
    let mut snaps = Vec::new();
    for (name, part) in [("a", a), ("b", b)] {
        match load::load_reader(name, part, &opts) {
            Ok(v) => {
                for s in &v {
                    check_snapshot(s, &opts);
                }
                snaps.extend(v);
            }
            Err(e) => {
                check_error(&e, name);
                return;
            }
        }
    }
    let by = [GroupBy::Stack, GroupBy::Site, GroupBy::Creator][data.len() % 3];
    let show = show::show_snapshots(&snaps, by, None);
    for f in FORMATS {
        let mut out = Vec::new();
        report::exporter(f, Style::default())
            .show(&show, &mut out)
            .unwrap();
        check_output(f, &out);
    }
    if let [base, new] = &snaps[..] {
        match diff::diff_profiles(base, new, None, DiffBy::Site) {
            Ok(mut d) => {
                // The --fail-on-growth verdict is rendered too.
                d.gate = Some(diff::gate::Gate::judge(&d, 10.0, 0));
                for f in FORMATS {
                    let mut out = Vec::new();
                    report::exporter(f, Style::default())
                        .profile_diff(&d, &mut out)
                        .unwrap();
                    check_output(f, &out);
                }
            }
            Err(e) => assert_one_line(&e),
        }
    }
    let aopts = AnalyzeOptions {
        load: opts,
        ..Default::default()
    };
    match analyze_snapshots(&snaps, catalog(), &aopts) {
        Ok(r) => {
            for f in FORMATS.into_iter().chain([OutputFormat::Sarif]) {
                let mut out = Vec::new();
                report::exporter(f, Style::default())
                    .analysis(&r, &mut out)
                    .unwrap();
                check_output(f, &out);
            }
        }
        Err(e) => assert_one_line(&e.to_string()),
    }
}

const FORMATS: [OutputFormat; 4] = [
    OutputFormat::Table,
    OutputFormat::Json,
    OutputFormat::Markdown,
    OutputFormat::Html,
];

fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(Catalog::builtin)
}

fn check_loaded(source: &str, r: Result<Vec<Snapshot>, Error>) {
    match r {
        Ok(snaps) => {
            assert!(!snaps.is_empty(), "Ok with no snapshot");
            let opts = limits();
            for s in &snaps {
                check_snapshot(s, &opts);
            }
        }
        Err(e) => check_error(&e, source),
    }
}

fn assert_one_line(s: &str) {
    assert!(!s.contains(['\n', '\r']), "message on several lines: {s:?}");
}

/// An input error is one line that starts with the input's name.
fn check_error(e: &Error, source: &str) {
    let s = e.to_string();
    assert_one_line(&s);
    assert!(
        s.starts_with(&format!("{source}: ")),
        "error does not name the input: {s:?}"
    );
    assert!(s.len() < 4096, "error of {} bytes", s.len());
}

/// A loaded snapshot keeps within the bounds and its ids resolve.
fn check_snapshot(s: &Snapshot, opts: &LoadOptions) {
    assert!(
        s.samples.len() <= opts.max_samples,
        "{} samples, bound {}",
        s.samples.len(),
        opts.max_samples
    );
    let n = s.table.len();
    for sample in &s.samples {
        assert!(
            sample.stack.len() <= opts.max_frames.max(1),
            "stack of {} frames, bound {}",
            sample.stack.len(),
            opts.max_frames
        );
        for &id in sample.stack.iter().chain(sample.created_by.iter()) {
            assert!((id as usize) < n, "frame id {id} outside a table of {n}");
        }
        assert_eq!(
            sample.values.len(),
            s.sample_types.len(),
            "values and sample types differ"
        );
    }
    assert!(
        s.default_sample_type
            .is_none_or(|i| i < s.sample_types.len()),
        "default sample type out of range"
    );
    assert!(s.warnings.len() <= 200, "{} warnings", s.warnings.len());
}

/// Rendered reports: JSON parses, tables carry no terminal control, every
/// row of a Markdown table has as many cells as its header.
pub fn check_output(f: OutputFormat, out: &[u8]) {
    let text = std::str::from_utf8(out).expect("report is UTF-8");
    match f {
        OutputFormat::Json | OutputFormat::Sarif => {
            serde_json::from_str::<serde_json::Value>(text).expect("report is valid JSON");
        }
        OutputFormat::Table => {
            if let Some(c) = text
                .chars()
                .find(|&c| c != '\n' && crate::text::is_terminal_control(c))
            {
                panic!("terminal control {c:?} in table output");
            }
        }
        OutputFormat::Markdown => {
            if let Some(c) = text
                .chars()
                .find(|&c| c != '\n' && crate::text::is_terminal_control(c))
            {
                panic!("control {c:?} in Markdown output");
            }
            check_markdown_tables(text);
        }
        OutputFormat::Html => {
            // The page's own script and style only: every input string is
            // escaped, so none can open an element.
            assert!(
                text.matches("<script").count() <= 1,
                "a second <script> in HTML output"
            );
            assert!(
                text.matches("<style").count() <= 1,
                "a second <style> in HTML output"
            );
            assert!(
                !text.contains("<iframe") && !text.contains(" onerror="),
                "markup from input in HTML output"
            );
        }
    }
}

/// Cells of a Markdown table row: `|` not escaped by a backslash.
fn cells(line: &str) -> usize {
    let b = line.as_bytes();
    (0..b.len())
        .filter(|&i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\'))
        .count()
}

fn check_markdown_tables(text: &str) {
    let mut want: Option<usize> = None;
    let mut prev = "";
    let mut in_fence: Option<usize> = None;
    for line in text.lines() {
        let ticks = line.bytes().take_while(|&b| b == b'`').count();
        match in_fence {
            Some(n) if ticks >= n && line[ticks..].trim().is_empty() => {
                in_fence = None;
                prev = line;
                continue;
            }
            Some(_) => continue,
            None if ticks >= 3 => {
                in_fence = Some(ticks);
                want = None;
                continue;
            }
            None => {}
        }
        if line.starts_with("|---") {
            want = Some(cells(prev));
            assert_eq!(cells(line), cells(prev), "separator {line:?}");
        } else if line.starts_with('|') {
            if let Some(n) = want {
                assert_eq!(cells(line), n, "Markdown row split: {line:?}");
            }
        } else {
            want = None;
        }
        prev = line;
    }
    assert!(in_fence.is_none(), "a fenced block is not closed");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_checker_catches_a_split_row() {
        check_markdown_tables("| a | b |\n|---|---|\n| `x\\|y` | z |\n");
        let r = std::panic::catch_unwind(|| {
            check_markdown_tables("| a | b |\n|---|---|\n| `x|y` | z |\n")
        });
        assert!(r.is_err());
    }

    #[test]
    fn every_target_takes_empty_and_junk_input() {
        for (_, f) in TARGETS {
            f(b"");
            f(b"\x1f\x8b");
            f(b"goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n");
        }
    }
}
