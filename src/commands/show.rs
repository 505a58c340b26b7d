//! `leakdiff show`: the goroutines (or samples) of each snapshot grouped by
//! normalized stack.

use super::{
    check_output_is_not_an_input, flames, print_warnings, write_report, Clock, FlameArgs,
    LimitArgs, OutputArgs, EXIT_OK,
};
use crate::error::Error;
use crate::group::{self, GroupBy};
use crate::load::{self, LoadOptions};
use crate::model::Snapshot;
use crate::report::{GroupView, ShowReport, SnapshotInfo, SnapshotView};
use clap::{Args, ValueEnum};
use rayon::prelude::*;

#[derive(Debug, Args)]
#[command(mut_arg("format", |a| a.value_parser(super::formats_without_sarif())))]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupByArg {
    /// The whole normalized stack and created-by site.
    Stack,
    /// The blocking site: first frame of the program's code and the operation.
    Site,
    /// The created-by site (the go statement).
    Creator,
}

impl From<GroupByArg> for GroupBy {
    fn from(b: GroupByArg) -> Self {
        match b {
            GroupByArg::Stack => GroupBy::Stack,
            GroupByArg::Site => GroupBy::Site,
            GroupByArg::Creator => GroupBy::Creator,
        }
    }
}

/// Runs `show`; returns the exit code.
pub fn run(a: ShowArgs) -> Result<u8, Error> {
    let inputs = load::expand_inputs(&a.inputs)?;
    check_output_is_not_an_input(&a.output, &inputs)?;
    let clock = Clock::start();
    let opts = LoadOptions {
        call_words: false,
        ..a.limits.options()
    };
    let snaps = load::load_all(&inputs, &opts)?;
    clock.lap("load");
    print_warnings(&snaps);
    let by = GroupBy::from(a.by);
    let mut r = show_snapshots(&snaps, by, a.top);
    clock.lap("group");
    r.flames = flames(&snaps, &a.output, &a.flame)?;
    write_report(&a.output, &clock, snaps, |ex, w| ex.show(&r, w))?;
    Ok(EXIT_OK)
}

/// Groups each snapshot for `show`.
pub fn show_snapshots(snaps: &[Snapshot], by: GroupBy, top: Option<usize>) -> ShowReport {
    let views = snaps
        .par_iter()
        .map(|s| {
            // The summary counts the goroutines, another pass over the
            // samples: on another core while they are grouped.
            let ((_, groups), info) =
                rayon::join(|| group::group_snapshot(s, by, top), || SnapshotInfo::of(s));
            let index = group::default_value_index(s);
            let unit = s
                .sample_types
                .get(index)
                .map(|v| v.unit.clone())
                .unwrap_or_else(|| "count".into());
            let gv: Vec<GroupView> = groups
                .groups
                .into_iter()
                .map(|g| GroupView::of(g, index))
                .collect();
            SnapshotView {
                info,
                value_type: s
                    .sample_types
                    .get(index)
                    .map(|v| v.ty.clone())
                    .unwrap_or_default(),
                unit,
                groups: gv,
                warnings: s.warnings.clone(),
            }
        })
        .collect();
    ShowReport {
        snapshots: views,
        flames: Vec::new(),
    }
}
