//! `leakdiff diff`: two pprof profiles of one type compared site by site,
//! with an optional growth gate for CI (`--fail-on-growth`).

use super::{
    check_output_is_not_an_input, emit, print_warnings, stderr_line, style, wants_flames,
    write_flame, LimitArgs, OutputArgs, EXIT_FINDINGS, EXIT_OK,
};
use crate::diff::flame::FlameGraph;
use crate::diff::gate::Gate;
use crate::diff::{diff_profiles, DiffBy};
use crate::error::Error;
use crate::load;
use crate::model::Snapshot;
use crate::report;
use crate::text::{fmt_value, parse_amount, Amount};
use clap::{Args, ValueEnum};

#[derive(Debug, Args)]
#[command(mut_arg("format", |a| a.value_parser(super::formats_without_sarif())))]
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
    /// Exit 1 when the total, or a site found in both profiles, grew by more
    /// than PERCENT (e.g. 25 or 25%) and by at least --min-delta; what
    /// crossed is listed in the report and on standard error. Sites only NEW
    /// has count toward the total alone.
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent)]
    pub fail_on_growth: Option<f64>,
    /// With --fail-on-growth: smaller growth never fails. In the unit of the
    /// compared sample type: bytes (64KiB, 1MB, 1.5GiB, 1000) or objects,
    /// goroutines, nanoseconds … (a plain number, 10k). Default 0.
    #[arg(long, value_name = "SIZE", requires = "fail_on_growth", value_parser = parse_amount)]
    pub min_delta: Option<Amount>,
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

/// Runs `diff`; returns the exit code.
pub fn run(a: DiffArgs) -> Result<u8, Error> {
    let opts = a.limits.options();
    let one = |p: &str| -> Result<Snapshot, Error> {
        let mut v = load::load_path(p, &opts)?;
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
        DiffByArg::Site => DiffBy::Site,
        DiffByArg::Function => DiffBy::Function,
    };
    let mut d = diff_profiles(&base, &new, a.sample_index.as_deref(), by).map_err(Error::Usage)?;
    if let Some(percent) = a.fail_on_growth {
        let min_delta = match a.min_delta {
            Some(m) if m.bytes && d.unit != "bytes" => {
                return Err(Error::Usage(format!(
                "--min-delta: the compared sample type {} is in {}, not bytes; give a plain number",
                d.sample_type, d.unit
            )))
            }
            Some(m) => i64::try_from(m.value).unwrap_or(i64::MAX),
            None => 0,
        };
        // Judged on every site, before --top shortens the list.
        d.gate = Some(Gate::judge(&d, percent, min_delta));
    }
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
    match &d.gate {
        Some(g) if g.failed => {
            print_crossings(g, &d.unit);
            Ok(EXIT_FINDINGS)
        }
        _ => Ok(EXIT_OK),
    }
}

/// Most crossings listed on standard error (all of them are in the report).
const MAX_CROSSING_LINES: usize = 20;

/// One line per crossing on standard error, then a summary line: a CI log
/// shows what failed the gate even when the report went to a file.
fn print_crossings(g: &Gate, unit: &str) {
    for c in g.crossings.iter().take(MAX_CROSSING_LINES) {
        eprintln!(
            "{}",
            stderr_line(
                "gate",
                &format!(
                    "{}: {} → {} (+{}, {})",
                    c.name(),
                    fmt_value(c.base, unit),
                    fmt_value(c.new, unit),
                    fmt_value(c.delta, unit),
                    report::fmt_relative(c.relative)
                )
            )
        );
    }
    let more = g.crossings.len().saturating_sub(MAX_CROSSING_LINES);
    let sites = g.crossings.iter().filter(|c| c.site.is_some()).count();
    let total = g.crossings.iter().any(|c| c.site.is_none());
    let what = match (total, sites) {
        (true, 0) => "the total".to_string(),
        (true, n) => format!("the total and {n} site{}", if n == 1 { "" } else { "s" }),
        (false, n) => format!("{n} site{}", if n == 1 { "" } else { "s" }),
    };
    eprintln!(
        "{}",
        stderr_line(
            "gate",
            &format!(
                "failed: {what} grew past {}{}",
                g.describe(unit),
                if more > 0 {
                    format!(" ({more} more in the report)")
                } else {
                    String::new()
                }
            )
        )
    );
}

/// `25`, `25%` or `2.5`: a percentage, 0 or more.
fn parse_percent(s: &str) -> Result<f64, String> {
    let t = s.trim().trim_end_matches('%').trim();
    match t.parse::<f64>() {
        Ok(p) if p.is_finite() && p >= 0.0 => Ok(p),
        _ => Err(format!("{s:?} is not a percentage (25 or 25%)")),
    }
}
