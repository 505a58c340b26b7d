//! `leakdiff diff`: two pprof profiles of one type compared site by site.

use super::{
    check_output_is_not_an_input, emit, print_warnings, style, wants_flames, write_flame,
    LimitArgs, OutputArgs, EXIT_OK,
};
use crate::diff::flame::FlameGraph;
use crate::diff::{diff_profiles, DiffBy};
use crate::error::Error;
use crate::load;
use crate::model::Snapshot;
use crate::report;
use clap::{Args, ValueEnum};

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
