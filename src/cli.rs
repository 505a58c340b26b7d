//! Command-line definitions (clap) and the dispatch from a parsed command
//! line to the library. Exit codes: 0 clean, 1 findings at or above
//! `--fail-on`, 2 usage or input error.

use crate::analyze::{self, AnalyzeOptions};
use crate::classify::{Catalog, ClassifyOptions, Severity};
use crate::error::Error;
use crate::flame::FlameGraph;
use crate::group::GroupBy;
use crate::load::LoadOptions;
use crate::model::{ProfileKind, Snapshot};
use crate::report::{self, OutputFormat, Style};
use clap::{Args, Parser, Subcommand, ValueEnum};
use regex::Regex;
use std::io::{IsTerminal, Write};

/// Exit code: success, nothing at or above `--fail-on`.
pub const EXIT_OK: u8 = 0;
/// Exit code: a finding at or above `--fail-on` exists.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: bad usage or an input that cannot be read.
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "leakdiff",
    version,
    about = "Find goroutine and memory leaks in Go services offline, from saved profiles and dumps",
    long_about = "Find goroutine and memory leaks in Go services offline, from saved profiles and dumps.\n\n\
Reads pprof protobuf (gzipped or not), goroutine?debug=1 text and debug=2 / panic / SIGQUIT dumps \
(also inside logs); the format is detected from the content.\n\n\
Exit codes: 0 clean, 1 a finding at or above --fail-on, 2 usage or input error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Group the goroutines (or samples) of each snapshot by normalized stack.
    Show(ShowArgs),
    /// Diff two or more snapshots, classify what grows and rank the leaks.
    Analyze(AnalyzeArgs),
    /// Print the catalog of leak signatures, or one entry.
    Catalog(CatalogArgs),
    /// Compare two pprof profiles of one type site by site (matched by
    /// function and file:line, so different builds of the same code match).
    Diff(DiffArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Json,
    Markdown,
    /// One self-contained HTML page (use with -o FILE.html).
    Html,
}

impl From<FormatArg> for OutputFormat {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Table => OutputFormat::Table,
            FormatArg::Json => OutputFormat::Json,
            FormatArg::Markdown => OutputFormat::Markdown,
            FormatArg::Html => OutputFormat::Html,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupByArg {
    /// The whole normalized stack and created-by site.
    Stack,
    /// The blocking site: first frame of the program's code and the operation.
    Site,
    /// The created-by site (the go statement).
    Creator,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::Critical => Severity::Critical,
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
        }
    }
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
    fn options(&self) -> LoadOptions {
        LoadOptions {
            max_decompressed: self.max_decompressed,
            max_samples: self.max_samples,
            max_frames: self.max_frames,
            max_line: self.max_line,
            ..LoadOptions::default()
        }
    }
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Snapshot files (- reads standard input).
    #[arg(required = true, value_name = "SNAPSHOT")]
    pub inputs: Vec<String>,
    /// How goroutines are grouped.
    #[arg(long, value_enum, default_value_t = GroupByArg::Stack)]
    pub by: GroupByArg,
    /// Show only the N largest groups of each snapshot.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub flame: FlameArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Snapshot files or directories (every profile inside); - reads standard input.
    #[arg(required = true, value_name = "SNAPSHOT")]
    pub inputs: Vec<String>,
    /// Report only the N highest-ranked findings.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Drop groups whose stack or created-by function matches REGEX (repeatable),
    /// like goleak's IgnoreTopFunction / IgnoreCreatedBy.
    #[arg(long, value_name = "REGEX")]
    pub ignore: Vec<String>,
    /// File of ignore regexes, one per line (# starts a comment).
    #[arg(long, value_name = "FILE")]
    pub ignore_file: Option<String>,
    /// Add or override catalog entries from a TOML file.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<String>,
    /// Go source tree the stacks point at (repeatable): decides what the stack
    /// alone cannot (range vs receive, timeout vs premature return, NCast …).
    /// Only `.go` files under DIR are read: paths in the dumps are matched by
    /// their longest suffix under DIR, and an absolute path in a dump is read
    /// as it is only when it is a `.go` file under DIR. Standard-library
    /// frames are never read to classify.
    #[arg(long, value_name = "DIR")]
    pub source: Vec<std::path::PathBuf>,
    /// Read no source code (the default without --source): no file named by
    /// a dump, absolute or not, is opened.
    #[arg(long, conflicts_with = "source")]
    pub no_source: bool,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub flame: FlameArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier profile.
    #[arg(value_name = "BASE")]
    pub base: String,
    /// The later profile.
    #[arg(value_name = "NEW")]
    pub new: String,
    /// Sample type to compare (e.g. inuse_space, alloc_objects, delay); default:
    /// inuse_space for heap, alloc_space for allocs, else the profile's default.
    #[arg(long, value_name = "TYPE")]
    pub sample_index: Option<String>,
    /// Show only the N sites that changed most.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Match by site (function, file and line) or by function only.
    #[arg(long, value_enum, default_value_t = DiffByArg::Site)]
    pub by: DiffByArg,
    /// Also write the differential flame graph of BASE vs NEW (red grew,
    /// blue shrank; click to zoom) to FILE.svg.
    #[arg(long, value_name = "FILE.svg")]
    pub flamegraph: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffByArg {
    /// Function, file and line of the site.
    Site,
    /// Function of the site.
    Function,
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    /// Print only this entry.
    pub id: Option<String>,
    /// Add or override entries from a TOML file.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn style(out: &OutputArgs) -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match out.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => out.output.is_none() && !no_color && std::io::stdout().is_terminal(),
    };
    Style { color, width: None }
}

/// Writes the output to stdout or, atomically, to the `-o` file.
fn emit(
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

fn catalog_with(extra: &Option<String>) -> Result<Catalog, Error> {
    let mut c = Catalog::builtin();
    if let Some(p) = extra {
        c.extend_from_file(p)?;
    }
    Ok(c)
}

fn ignore_regexes(a: &AnalyzeArgs) -> Result<Vec<Regex>, Error> {
    let mut pats: Vec<(String, String)> = a
        .ignore
        .iter()
        .map(|p| ("--ignore".to_string(), p.clone()))
        .collect();
    if let Some(f) = &a.ignore_file {
        let text =
            std::fs::read_to_string(f).map_err(|e| Error::input(f, crate::load::io_message(&e)))?;
        for (i, line) in text.lines().enumerate() {
            let l = line.trim();
            if !l.is_empty() && !l.starts_with('#') {
                pats.push((format!("{f}: line {}", i + 1), l.to_string()));
            }
        }
    }
    pats.into_iter()
        .map(|(origin, p)| {
            Regex::new(&p).map_err(|e| Error::Usage(format!("{origin}: bad regex {p:?}: {e}")))
        })
        .collect()
}

fn source_index(a: &AnalyzeArgs) -> Option<std::sync::Arc<crate::classify::source::SourceIndex>> {
    if a.no_source || a.source.is_empty() {
        return None;
    }
    Some(std::sync::Arc::new(
        crate::classify::source::SourceIndex::new(&a.source),
    ))
}

/// Picks the flame graph `--flamegraph` writes: the kind asked for, else
/// goroutine when present, else the first.
fn pick_flame(flames: &[FlameGraph], kind: Option<FlameKindArg>) -> Result<&FlameGraph, Error> {
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
fn write_flame(path: &str, fg: &FlameGraph) -> Result<(), Error> {
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
fn wants_flames(out: &OutputArgs, flamegraph: &Option<String>) -> bool {
    out.format == FormatArg::Html || flamegraph.is_some()
}

/// The flame graphs of `show` and `analyze`, when the output or
/// `--flamegraph` needs them (none otherwise); writes the `--flamegraph`
/// file.
fn flames(
    snaps: &[Snapshot],
    out: &OutputArgs,
    flame: &FlameArgs,
) -> Result<Vec<FlameGraph>, Error> {
    if !wants_flames(out, &flame.flamegraph) {
        return Ok(Vec::new());
    }
    let flames = crate::flame::flame_graphs(snaps);
    if let Some(path) = &flame.flamegraph {
        write_flame(path, pick_flame(&flames, flame.flamegraph_profile)?)?;
    }
    Ok(flames)
}

/// Writes the report with the exporter `out` asks for, then lets the
/// snapshots go without freeing them one sample at a time: the process is
/// about to exit.
fn write_report(
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
    format!("leakdiff: {kind}: {}", report::sanitize_terminal(text))
}

/// Tells standard error what could not be read in full (the report has it
/// too, but a report written to a file or piped away is not read at once).
fn print_warnings(snaps: &[crate::model::Snapshot]) {
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
fn check_output_is_not_an_input(out: &OutputArgs, inputs: &[String]) -> Result<(), Error> {
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
struct Clock {
    on: bool,
    start: std::time::Instant,
    last: std::cell::Cell<std::time::Instant>,
}

impl Clock {
    fn start() -> Self {
        let now = std::time::Instant::now();
        Clock {
            on: std::env::var_os("LEAKDIFF_TIMINGS").is_some_and(|v| !v.is_empty()),
            start: now,
            last: std::cell::Cell::new(now),
        }
    }

    fn lap(&self, phase: &str) {
        if self.on {
            let now = std::time::Instant::now();
            eprintln!(
                "leakdiff: timings: {phase} {:.3} s",
                (now - self.last.get()).as_secs_f64()
            );
            self.last.set(now);
        }
    }

    fn finish(&self) {
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

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Show(a) => {
            let inputs = analyze::expand_inputs(&a.inputs)?;
            check_output_is_not_an_input(&a.output, &inputs)?;
            let clock = Clock::start();
            let snaps = analyze::load_all(&inputs, &a.limits.options())?;
            clock.lap("load");
            print_warnings(&snaps);
            let by = match a.by {
                GroupByArg::Stack => GroupBy::Stack,
                GroupByArg::Site => GroupBy::Site,
                GroupByArg::Creator => GroupBy::Creator,
            };
            let mut r = analyze::show_snapshots(&snaps, by, a.top);
            clock.lap("group");
            r.flames = flames(&snaps, &a.output, &a.flame)?;
            write_report(&a.output, &clock, snaps, |ex, w| ex.show(&r, w))?;
            Ok(EXIT_OK)
        }
        Command::Analyze(a) => {
            let catalog = catalog_with(&a.catalog)?;
            let ignore = ignore_regexes(&a)?;
            let inputs = analyze::expand_inputs(&a.inputs)?;
            check_output_is_not_an_input(&a.output, &inputs)?;
            let opts = AnalyzeOptions {
                load: a.limits.options(),
                classify: ClassifyOptions {
                    ignore,
                    source: source_index(&a),
                },
                top: a.top,
            };
            let clock = Clock::start();
            let snaps = analyze::load_all(&inputs, &opts.load)?;
            clock.lap("load");
            print_warnings(&snaps);
            let mut r = analyze::analyze_snapshots(&snaps, &catalog, &opts)?;
            clock.lap("analyze");
            r.flames = flames(&snaps, &a.output, &a.flame)?;
            write_report(&a.output, &clock, snaps, |ex, w| ex.analysis(&r, w))?;
            let failed = a
                .fail_on
                .is_some_and(|t| r.findings.iter().any(|f| f.severity >= Severity::from(t)));
            Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
        }
        Command::Diff(a) => {
            let opts = a.limits.options();
            let one = |p: &str| -> Result<crate::model::Snapshot, Error> {
                let mut v = crate::load::load_path(p, &opts)?;
                if v.len() != 1 {
                    return Err(Error::input(
                        p,
                        format!(
                            "holds {} snapshots; diff takes one profile per file",
                            v.len()
                        ),
                    ));
                }
                Ok(v.remove(0))
            };
            check_output_is_not_an_input(&a.output, &[a.base.clone(), a.new.clone()])?;
            let (base, new) = rayon::join(|| one(&a.base), || one(&a.new));
            let (base, new) = (base?, new?);
            print_warnings(std::slice::from_ref(&base));
            print_warnings(std::slice::from_ref(&new));
            let by = match a.by {
                DiffByArg::Site => crate::diff::DiffBy::Site,
                DiffByArg::Function => crate::diff::DiffBy::Function,
            };
            let mut d = crate::diff::diff_profiles(&base, &new, a.sample_index.as_deref(), by)
                .map_err(Error::Usage)?;
            if let Some(t) = a.top {
                d.rows.truncate(t);
            }
            if wants_flames(&a.output, &a.flamegraph) {
                let index = base.sample_type_index(&d.sample_type).unwrap_or(0);
                d.flames = vec![FlameGraph::compare(&base, &new, index)];
            }
            if let Some(path) = &a.flamegraph {
                write_flame(path, &d.flames[0])?;
            }
            let ex = report::exporter(a.output.format.into(), style(&a.output));
            emit(&a.output, |w| ex.profile_diff(&d, w))?;
            Ok(EXIT_OK)
        }
        Command::Catalog(a) => {
            let catalog = catalog_with(&a.catalog)?;
            let entries: Vec<_> = match &a.id {
                Some(id) => vec![catalog.get(id).ok_or_else(|| {
                    Error::Usage(format!(
                        "no catalog entry {id:?}; leakdiff catalog lists them"
                    ))
                })?],
                None => catalog.entries.iter().collect(),
            };
            let ex = report::exporter(a.output.format.into(), style(&a.output));
            emit(&a.output, |w| ex.catalog(&entries, w))?;
            Ok(EXIT_OK)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

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
