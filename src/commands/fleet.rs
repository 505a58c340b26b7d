//! `leakdiff fleet ROOT`: every service under `ROOT/SERVICE/INSTANCE/…`
//! analyzed (services in parallel, each one loaded, analyzed and dropped
//! before the next, so memory is bounded by the largest services, not by
//! the fleet), and the leaks ranked across the fleet: by leaked goroutines,
//! then bytes. A service that cannot be read is reported and skipped.

use super::analyze::{analyze_instance, merge_instances, AnalyzeOptions, FailOn};
use super::{catalog_with, emit, stderr_line, FormatArg, IgnoreArgs, LimitArgs, OutputArgs};
use super::{EXIT_FINDINGS, EXIT_OK};
use crate::classify::instances::{leaked_bytes, leaked_goroutines};
use crate::classify::{Catalog, ClassifyOptions, Finding, Severity};
use crate::error::Error;
use crate::report::{self, FleetFinding, FleetReport, FleetService};
use crate::text::io_message;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io::IsTerminal;
use std::path::Path;

#[derive(Debug, Args)]
#[command(mut_arg("format", |a| a.value_parser(super::formats_without_sarif())))]
pub struct FleetArgs {
    /// The fleet: ROOT/SERVICE/INSTANCE/SNAPSHOT files. A service directory
    /// holding snapshots and no instance directories is one instance.
    #[arg(value_name = "ROOT")]
    pub root: String,
    /// Only services whose name starts with PREFIX (repeatable): one shard
    /// of a larger fleet.
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Vec<String>,
    /// Only the services named in FILE, one per line (# starts a comment):
    /// one shard of a larger fleet.
    #[arg(long, value_name = "FILE")]
    pub services_from: Option<String>,
    /// Services analyzed at once (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Report only the N highest-ranked findings of the fleet.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    #[command(flatten)]
    pub ignore: IgnoreArgs,
    /// Add or override catalog entries from a TOML file.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

fn visible_dirs(dir: &Path, what: &str) -> Result<Vec<String>, Error> {
    let shown = dir.to_string_lossy();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::input(&shown, io_message(&e)))?
        .filter_map(|e| e.ok())
        .filter(|e| std::fs::metadata(e.path()).is_ok_and(|m| m.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    if names.is_empty() && what == "services" {
        return Err(Error::input(&shown, "holds no service directories"));
    }
    Ok(names)
}

/// The services of the shard asked for, in name order.
fn services(a: &FleetArgs) -> Result<Vec<String>, Error> {
    let root = Path::new(&a.root);
    if !root.is_dir() {
        return Err(Error::input(
            &a.root,
            "not a directory (fleet reads ROOT/SERVICE/INSTANCE/…)",
        ));
    }
    let mut names = visible_dirs(root, "services")?;
    if !a.prefix.is_empty() {
        names.retain(|n| a.prefix.iter().any(|p| n.starts_with(p.as_str())));
    }
    if let Some(f) = &a.services_from {
        let text = std::fs::read_to_string(f).map_err(|e| Error::input(f, io_message(&e)))?;
        let wanted: std::collections::BTreeSet<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        names.retain(|n| wanted.contains(n.as_str()));
    }
    Ok(names)
}

/// One service: its instances loaded and analyzed one after the other,
/// their snapshots dropped as soon as each is analyzed.
fn analyze_service(
    root: &Path,
    name: &str,
    catalog: &Catalog,
    opts: &AnalyzeOptions,
) -> Result<(FleetService, Vec<Finding>), Error> {
    let dir = root.join(name);
    let mut instances = visible_dirs(&dir, "instances")?;
    let single = instances.is_empty();
    if single {
        // Snapshots right in the service directory: one instance.
        instances.push(String::new());
    }
    let mut reports = Vec::new();
    let mut snapshots = 0;
    for i in &instances {
        let path = if single { dir.clone() } else { dir.join(i) };
        let (r, snaps) = analyze_instance(&path.to_string_lossy(), catalog, opts)?;
        snapshots += snaps.len();
        drop(snaps);
        let label = if single { name.to_string() } else { i.clone() };
        reports.push((label, r));
    }
    let r = merge_instances(reports, None);
    let service = FleetService {
        name: name.to_string(),
        instances: if single {
            vec![name.to_string()]
        } else {
            instances
        },
        snapshots,
        findings: r.findings.len(),
        error: None,
        notes: r.notes,
    };
    Ok((service, r.findings))
}

/// Orders the fleet's findings: leaks (medium and above) first, then by
/// leaked goroutines, leaked bytes, severity and score.
pub fn rank_fleet(findings: &mut [FleetFinding]) {
    findings.sort_by(|a, b| {
        let (fa, fb) = (&a.finding, &b.finding);
        (fb.severity >= Severity::Medium)
            .cmp(&(fa.severity >= Severity::Medium))
            .then(leaked_goroutines(fb).cmp(&leaked_goroutines(fa)))
            .then(leaked_bytes(fb).cmp(&leaked_bytes(fa)))
            .then(fb.severity.cmp(&fa.severity))
            .then(
                fb.score
                    .partial_cmp(&fa.score)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
            .then(a.service.cmp(&b.service))
            .then(fa.id.cmp(&fb.id))
    });
    for (i, f) in findings.iter_mut().enumerate() {
        f.finding.rank = i + 1;
    }
}

/// Runs `fleet`; returns the exit code.
pub fn run(a: FleetArgs) -> Result<u8, Error> {
    if matches!(
        a.output.format,
        FormatArg::Html | FormatArg::Markdown | FormatArg::Sarif
    ) {
        return Err(Error::Usage(
            "fleet writes --format table, json or jsonl".into(),
        ));
    }
    let catalog = catalog_with(&a.catalog)?;
    let ignore = a.ignore.regexes()?;
    let opts = AnalyzeOptions {
        load: a.limits.options(),
        classify: ClassifyOptions {
            ignore,
            source: None,
        },
        top: None,
    };
    let names = services(&a)?;
    let root = Path::new(&a.root);
    let bar = std::io::stderr().is_terminal().then(|| {
        let b =
            ProgressBar::with_draw_target(Some(names.len() as u64), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} services {pos}/{len} {wide_bar} {per_sec} {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    let work = || -> Vec<(FleetService, Vec<Finding>)> {
        names
            .par_iter()
            .map(|name| {
                let out = match analyze_service(root, name, &catalog, &opts) {
                    Ok(x) => x,
                    Err(e) => {
                        let line = stderr_line("error", &format!("service {name} skipped: {e}"));
                        match &bar {
                            Some(b) => b.suspend(|| eprintln!("{line}")),
                            None => eprintln!("{line}"),
                        }
                        (
                            FleetService {
                                name: name.clone(),
                                instances: Vec::new(),
                                snapshots: 0,
                                findings: 0,
                                error: Some(e.to_string()),
                                notes: Vec::new(),
                            },
                            Vec::new(),
                        )
                    }
                };
                if let Some(b) = &bar {
                    b.inc(1);
                }
                out
            })
            .collect()
    };
    let results = match a.jobs {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(n))
            .build()
            .map_err(|e| Error::Usage(format!("--jobs {n}: {e}")))?
            .install(work),
        None => work(),
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut r = FleetReport::default();
    for (service, findings) in results {
        r.findings
            .extend(findings.into_iter().map(|finding| FleetFinding {
                service: service.name.clone(),
                finding,
            }));
        r.services.push(service);
    }
    rank_fleet(&mut r.findings);
    if r.services.is_empty() {
        r.notes.push(format!(
            "no service of {} matches --prefix / --services-from",
            a.root
        ));
    }
    let skipped = r.services.iter().filter(|s| s.error.is_some()).count();
    if skipped > 0 {
        r.notes.push(format!(
            "{skipped} of {} services could not be read and were skipped",
            r.services.len()
        ));
    }
    if let Some(top) = a.top {
        r.findings.truncate(top);
    }
    let ex = report::exporter(a.output.format.into(), super::style(&a.output));
    emit(&a.output, |w| ex.fleet(&r, w))?;
    let failed = a.fail_on.is_some_and(|t| {
        r.findings
            .iter()
            .any(|f| f.finding.severity >= Severity::from(t))
    });
    Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
}
