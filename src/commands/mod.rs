//! The commands: one file each, holding its command-line arguments (clap)
//! and the pipeline it runs, from inputs to a written report. What several
//! commands share (output and limit options, writing a report atomically,
//! flame graph files, warnings on standard error) is here. [`crate::cli`]
//! sits above and only dispatches.

pub mod analyze;
pub mod capture;
pub mod catalog;
pub mod diff;
pub mod fleet;
pub mod shell;
pub mod show;

use crate::classify::Catalog;
use crate::diff::flame::FlameGraph;
use crate::error::Error;
use crate::load::LoadOptions;
use crate::model::{ProfileKind, Snapshot};
use crate::report::{self, OutputFormat, Style};
use clap::{Args, ValueEnum};
use std::io::{IsTerminal, Write};

/// Exit code: success, nothing at or above `--fail-on`.
pub const EXIT_OK: u8 = 0;

/// Exit code: a finding at or above `analyze --fail-on` exists, or
/// something grew past `diff --fail-on-growth`.
pub const EXIT_FINDINGS: u8 = 1;

/// Exit code: bad usage or an input that cannot be read.
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Json,
    /// JSON Lines: one finding per line (analyze, fleet), for data tools.
    Jsonl,
    Markdown,
    /// One self-contained HTML page (use with -o FILE.html).
    Html,
    /// SARIF 2.1.0, for code scanning (analyze only).
    Sarif,
}

/// The formats of every command but analyze (which adds sarif): applied to
/// their `--format` with `mut_arg`, so their help and completions do not
/// offer what they cannot write.
pub(crate) fn formats_without_sarif() -> impl clap::builder::TypedValueParser<Value = FormatArg> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(
        FormatArg::value_variants()
            .iter()
            .filter(|f| **f != FormatArg::Sarif)
            .filter_map(|f| f.to_possible_value()),
    )
    .map(|s| FormatArg::from_str(&s, false).unwrap_or(FormatArg::Table))
}

impl From<FormatArg> for OutputFormat {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Table => OutputFormat::Table,
            FormatArg::Json => OutputFormat::Json,
            FormatArg::Jsonl => OutputFormat::Jsonl,
            FormatArg::Markdown => OutputFormat::Markdown,
            FormatArg::Html => OutputFormat::Html,
            FormatArg::Sarif => OutputFormat::Sarif,
        }
    }
}

/// Profile kinds a flame graph can be drawn of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FlameKindArg {
    Goroutine,
    Goroutineleak,
    Heap,
    Allocs,
    Block,
    Mutex,
    Threadcreate,
    Cpu,
}

impl From<FlameKindArg> for ProfileKind {
    fn from(k: FlameKindArg) -> Self {
        match k {
            FlameKindArg::Goroutine => ProfileKind::Goroutine,
            FlameKindArg::Goroutineleak => ProfileKind::GoroutineLeak,
            FlameKindArg::Heap => ProfileKind::Heap,
            FlameKindArg::Allocs => ProfileKind::Allocs,
            FlameKindArg::Block => ProfileKind::Block,
            FlameKindArg::Mutex => ProfileKind::Mutex,
            FlameKindArg::Threadcreate => ProfileKind::ThreadCreate,
            FlameKindArg::Cpu => ProfileKind::Cpu,
        }
    }
}

/// `--flamegraph` options of show and analyze.
#[derive(Debug, Args)]
pub struct FlameArgs {
    /// Also write a differential flame graph (first vs last snapshot; red
    /// grew, blue shrank; click to zoom) to FILE.svg.
    #[arg(long, value_name = "FILE.svg")]
    pub flamegraph: Option<String>,
    /// Profile kind of the --flamegraph file (default: goroutine when given,
    /// else the first kind among the snapshots).
    #[arg(long, value_enum, value_name = "KIND", requires = "flamegraph")]
    pub flamegraph_profile: Option<FlameKindArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Output options shared by every command.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Write the report to FILE (atomically: a temporary file, then renamed).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<String>,
    /// Color: auto (terminal only, never with NO_COLOR), always or never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// Groups to leave out, as goleak's IgnoreTopFunction / IgnoreCreatedBy.
#[derive(Debug, Args)]
pub struct IgnoreArgs {
    /// Drop groups whose stack or created-by function matches REGEX (repeatable),
    /// like goleak's IgnoreTopFunction / IgnoreCreatedBy.
    #[arg(long, value_name = "REGEX")]
    pub ignore: Vec<String>,
    /// File of ignore regexes, one per line (# starts a comment).
    #[arg(long, value_name = "FILE")]
    pub ignore_file: Option<String>,
}

impl IgnoreArgs {
    /// The regexes of `--ignore` and of `--ignore-file`, each error naming
    /// where the pattern came from.
    pub fn regexes(&self) -> Result<Vec<regex::Regex>, Error> {
        let mut pats: Vec<(String, String)> = self
            .ignore
            .iter()
            .map(|p| ("--ignore".to_string(), p.clone()))
            .collect();
        if let Some(f) = &self.ignore_file {
            let text = std::fs::read_to_string(f)
                .map_err(|e| Error::input(f, crate::text::io_message(&e)))?;
            for (i, line) in text.lines().enumerate() {
                let l = line.trim();
                if !l.is_empty() && !l.starts_with('#') {
                    pats.push((format!("{f}: line {}", i + 1), l.to_string()));
                }
            }
        }
        pats.into_iter()
            .map(|(origin, p)| {
                regex::Regex::new(&p)
                    .map_err(|e| Error::Usage(format!("{origin}: bad regex {p:?}: {e}")))
            })
            .collect()
    }
}

/// Bounds on what one input may cost.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Largest size of a gzipped input once decompressed, and of a protobuf
    /// (which is held in memory), in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = LoadOptions::default().max_decompressed, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_decompressed: u64,
    /// Most goroutines or samples kept per snapshot.
    #[arg(long, value_name = "N", default_value_t = LoadOptions::default().max_samples, value_parser = at_least_one)]
    pub max_samples: usize,
    /// Most frames kept per stack.
    #[arg(long, value_name = "N", default_value_t = LoadOptions::default().max_frames, value_parser = at_least_one)]
    pub max_frames: usize,
    /// Longest line looked at, in bytes (the rest of a longer line is skipped).
    #[arg(long, value_name = "BYTES", default_value_t = LoadOptions::default().max_line, value_parser = at_least_one)]
    pub max_line: usize,
}

fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

impl LimitArgs {
    pub(crate) fn options(&self) -> LoadOptions {
        LoadOptions {
            max_decompressed: self.max_decompressed,
            max_samples: self.max_samples,
            max_frames: self.max_frames,
            max_line: self.max_line,
            ..LoadOptions::default()
        }
    }
}

pub(crate) fn style(out: &OutputArgs) -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match out.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => out.output.is_none() && !no_color && std::io::stdout().is_terminal(),
    };
    Style { color, width: None }
}

/// Writes the output to stdout or, atomically, to the `-o` file.
pub(crate) fn emit(
    out: &OutputArgs,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    match &out.output {
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            match f(&mut lock).and_then(|_| lock.flush()) {
                Ok(()) => Ok(()),
                // A closed pipe (`| head`) is not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(Error::Output {
                    path: "standard output".into(),
                    source: e,
                }),
            }
        }
        Some(path) => write_atomically(path, f),
    }
}

/// Writes to a temporary file beside `path`, then renames it over `path`, so
/// an interrupted run never leaves a half-written report.
pub fn write_atomically(
    path: &str,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    let target = std::path::Path::new(path);
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let err = |e: std::io::Error| Error::Output {
        path: path.to_string(),
        source: e,
    };
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::new(file);
        f(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}

pub(crate) fn catalog_with(extra: &Option<String>) -> Result<Catalog, Error> {
    let mut c = Catalog::builtin();
    if let Some(p) = extra {
        c.extend_from_file(p)?;
    }
    Ok(c)
}

/// Picks the flame graph `--flamegraph` writes: the kind asked for, else
/// goroutine when present, else the first.
pub(crate) fn pick_flame(
    flames: &[FlameGraph],
    kind: Option<FlameKindArg>,
) -> Result<&FlameGraph, Error> {
    let found = match kind {
        Some(k) => {
            let k = ProfileKind::from(k);
            flames.iter().find(|f| f.kind == Some(k)).ok_or_else(|| {
                Error::Usage(format!(
                    "--flamegraph-profile {k}: no {k} snapshot among the inputs"
                ))
            })?
        }
        None => flames
            .iter()
            .find(|f| f.kind == Some(ProfileKind::Goroutine))
            .or(flames.first())
            .ok_or_else(|| Error::Usage("--flamegraph: no snapshot to draw".into()))?,
    };
    Ok(found)
}

/// Writes a flame graph to `path` (atomically); a graph with nothing to
/// draw is an error naming the file.
pub(crate) fn write_flame(path: &str, fg: &FlameGraph) -> Result<(), Error> {
    if fg.new_total() <= 0 {
        return Err(Error::Usage(format!(
            "--flamegraph {path}: nothing to draw, {} has no {} in its samples",
            fg.new,
            fg.count_name()
        )));
    }
    write_atomically(path, |w| fg.svg(w))
}

/// Flame graphs are computed only when an output needs them.
pub(crate) fn wants_flames(out: &OutputArgs, flamegraph: &Option<String>) -> bool {
    out.format == FormatArg::Html || flamegraph.is_some()
}

/// The flame graphs of `show` and `analyze`, when the output or
/// `--flamegraph` needs them (none otherwise); writes the `--flamegraph`
/// file.
pub(crate) fn flames(
    snaps: &[Snapshot],
    out: &OutputArgs,
    flame: &FlameArgs,
) -> Result<Vec<FlameGraph>, Error> {
    if !wants_flames(out, &flame.flamegraph) {
        return Ok(Vec::new());
    }
    let flames = crate::diff::flame::flame_graphs(snaps);
    if let Some(path) = &flame.flamegraph {
        write_flame(path, pick_flame(&flames, flame.flamegraph_profile)?)?;
    }
    Ok(flames)
}

/// Writes the report with the exporter `out` asks for, then lets the
/// snapshots go without freeing them one sample at a time: the process is
/// about to exit.
pub(crate) fn write_report(
    out: &OutputArgs,
    clock: &Clock,
    snaps: Vec<Snapshot>,
    write: impl FnOnce(&dyn report::Exporter, &mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    let ex = report::exporter(out.format.into(), style(out));
    emit(out, |w| write(ex.as_ref(), w))?;
    clock.lap("report");
    clock.finish();
    std::mem::forget(snaps);
    Ok(())
}

/// One line for standard error: terminal control and line breaks in the
/// (untrusted) text are escaped.
pub fn stderr_line(kind: &str, text: &str) -> String {
    format!("leakdiff: {kind}: {}", crate::text::sanitize_terminal(text))
}

/// Tells standard error what could not be read in full (the report has it
/// too, but a report written to a file or piped away is not read at once).
pub(crate) fn print_warnings(snaps: &[Snapshot]) {
    let stderr = std::io::stderr();
    let mut lock = stderr.lock();
    for s in snaps {
        for w in &s.warnings {
            let _ = writeln!(
                lock,
                "{}",
                stderr_line("warning", &format!("{}: {w}", s.name()))
            );
        }
    }
}

/// Refuses `-o FILE` when FILE is one of the inputs: inputs are never
/// modified, and the report would replace it.
pub(crate) fn check_output_is_not_an_input(
    out: &OutputArgs,
    inputs: &[String],
) -> Result<(), Error> {
    let Some(o) = &out.output else { return Ok(()) };
    let Ok(om) = std::fs::metadata(o) else {
        return Ok(());
    };
    for i in inputs.iter().filter(|i| *i != "-") {
        let Ok(im) = std::fs::metadata(i) else {
            continue;
        };
        if same_file(&om, &im, o, i) {
            return Err(Error::Usage(format!(
                "{o}: is also an input; refusing to overwrite it with the report"
            )));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata, _: &str, _: &str) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata, a: &str, b: &str) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// With `LEAKDIFF_TIMINGS` set, where the time of `show` and `analyze`
/// went, on standard error: each phase, and how the threads that read the
/// inputs spent theirs (see [`crate::load::Timings`]). For benchmarks.
pub(crate) struct Clock {
    on: bool,
    start: std::time::Instant,
    last: std::cell::Cell<std::time::Instant>,
}

impl Clock {
    pub(crate) fn start() -> Self {
        let now = std::time::Instant::now();
        Clock {
            on: std::env::var_os("LEAKDIFF_TIMINGS").is_some_and(|v| !v.is_empty()),
            start: now,
            last: std::cell::Cell::new(now),
        }
    }

    pub(crate) fn lap(&self, phase: &str) {
        if self.on {
            let now = std::time::Instant::now();
            eprintln!(
                "leakdiff: timings: {phase} {:.3} s",
                (now - self.last.get()).as_secs_f64()
            );
            self.last.set(now);
        }
    }

    pub(crate) fn finish(&self) {
        if self.on {
            let t = crate::load::timings();
            eprintln!(
                "leakdiff: timings: total {:.3} s; reading threads: {:.3} s reading (and inflating), {:.3} s waiting for parsing",
                self.start.elapsed().as_secs_f64(),
                t.reading.as_secs_f64(),
                t.waiting.as_secs_f64()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomically_replaces_whole_or_not_at_all() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("report.md");
        let path = target.to_str().unwrap();
        std::fs::write(&target, "old report\n").unwrap();
        // A writer that fails half way: the old report stays, no temporary
        // file is left behind.
        let err = write_atomically(path, |w| {
            w.write_all(b"half of a new rep")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), format!("{path}: disk full"));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old report\n");
        let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // A writer that succeeds replaces it whole.
        write_atomically(path, |w| w.write_all(b"new report\n")).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new report\n");
        let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn stderr_lines_are_one_inert_line() {
        assert_eq!(
            stderr_line("error", "a\nb\x1b]0;t\x07 \u{202e}"),
            "leakdiff: error: a\\x0ab\\x1b]0;t\\x07 \\u{202e}"
        );
    }
}
