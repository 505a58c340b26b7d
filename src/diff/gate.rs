//! The growth gate of `leakdiff diff --fail-on-growth PERCENT [--min-delta
//! SIZE]`: which of the total and the matched sites grew by more than
//! PERCENT and by at least SIZE between BASE and NEW.

use super::ProfileDiff;
use crate::model::FrameRef;
use serde::Serialize;

/// What the gate was asked and what crossed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gate {
    /// `--fail-on-growth`: growth beyond this percentage crosses.
    pub percent: f64,
    /// `--min-delta`: and only when the growth is at least this much, in the
    /// unit of the compared sample type.
    pub min_delta: i64,
    /// Whether anything crossed (the exit code is then 1).
    pub failed: bool,
    /// The total first (when it crossed), then sites by growth.
    pub crossings: Vec<Crossing>,
}

/// One value that grew past the gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Crossing {
    /// The site; `null` for the profile's total.
    pub site: Option<FrameRef>,
    pub base: i64,
    pub new: i64,
    pub delta: i64,
    /// `delta / base`; `null` when the base is 0.
    pub relative: Option<f64>,
}

impl Gate {
    /// Judges a diff. The total counts with every sample; a site counts
    /// only when it is matched, present in BASE as well as in NEW: a site
    /// that only NEW has (new code, or lines that moved) is left to the
    /// total, so an edit that shifts lines does not fail the gate.
    pub fn judge(d: &ProfileDiff, percent: f64, min_delta: i64) -> Gate {
        let crosses = |base: i64, new: i64| {
            let delta = new.saturating_sub(base);
            if delta <= 0 || delta < min_delta {
                return false;
            }
            base <= 0 || delta as f64 * 100.0 / base as f64 > percent
        };
        let mut crossings = Vec::new();
        if crosses(d.base_total, d.new_total) {
            crossings.push(Crossing {
                site: None,
                base: d.base_total,
                new: d.new_total,
                delta: d.new_total - d.base_total,
                relative: (d.base_total > 0)
                    .then(|| (d.new_total - d.base_total) as f64 / d.base_total as f64),
            });
        }
        for r in d.rows.iter().filter(|r| r.base > 0) {
            if crosses(r.base, r.new) {
                crossings.push(Crossing {
                    site: Some(r.site.clone()),
                    base: r.base,
                    new: r.new,
                    delta: r.delta,
                    relative: r.relative,
                });
            }
        }
        Gate {
            percent,
            min_delta,
            failed: !crossings.is_empty(),
            crossings,
        }
    }

    /// `--fail-on-growth 25% --min-delta 1.0 MiB`, for reports.
    pub fn describe(&self, unit: &str) -> String {
        format!(
            "--fail-on-growth {}% --min-delta {}",
            self.percent,
            crate::text::fmt_value(self.min_delta, unit)
        )
    }
}

impl Crossing {
    /// `main.grow (main.go:24)`, or `total`.
    pub fn name(&self) -> String {
        match &self.site {
            None => "total".to_string(),
            Some(f) if f.file.is_empty() => f.function.clone(),
            Some(f) => format!("{} ({}:{})", f.function, f.file, f.line),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::DiffRow;

    fn diff(base_total: i64, new_total: i64, rows: &[(&str, i64, i64)]) -> ProfileDiff {
        ProfileDiff {
            base: "a".into(),
            new: "b".into(),
            profile: "heap",
            sample_type: "inuse_space".into(),
            unit: "bytes".into(),
            base_total,
            new_total,
            rows: rows
                .iter()
                .map(|&(f, b, n)| DiffRow {
                    site: FrameRef {
                        function: f.into(),
                        ..Default::default()
                    },
                    base: b,
                    new: n,
                    delta: n - b,
                    relative: (b != 0).then(|| (n - b) as f64 / b as f64),
                })
                .collect(),
            flames: Vec::new(),
            gate: None,
        }
    }

    #[test]
    fn crossing_needs_both_percent_and_size() {
        let d = diff(
            1000,
            1100,
            &[
                ("big", 100, 400),
                ("small", 10, 40),
                ("new", 0, 500),
                ("down", 500, 100),
            ],
        );
        // Total +10%: not over 25%. big +300% and +300: crosses; small +300%
        // but +30 < 100; new is unmatched; down shrank.
        let g = Gate::judge(&d, 25.0, 100);
        assert!(g.failed);
        let names: Vec<String> = g.crossings.iter().map(|c| c.name()).collect();
        assert_eq!(names, ["big"]);
        // Exactly PERCENT is not more than PERCENT.
        assert!(!Gate::judge(&diff(1000, 1250, &[]), 25.0, 0).failed);
        assert!(Gate::judge(&diff(1000, 1251, &[]), 25.0, 0).failed);
        // Exactly SIZE is at least SIZE.
        assert!(Gate::judge(&diff(1000, 1300, &[]), 25.0, 300).failed);
        assert!(!Gate::judge(&diff(1000, 1300, &[]), 25.0, 301).failed);
        // A total growing from nothing crosses any percentage.
        let g = Gate::judge(&diff(0, 10, &[]), 1000.0, 0);
        assert_eq!(g.crossings[0].name(), "total");
        assert_eq!(g.crossings[0].relative, None);
        // No change, no crossing, even at 0%.
        assert!(!Gate::judge(&diff(1000, 1000, &[("s", 5, 5)]), 0.0, 0).failed);
    }
}
