//! Flame graph data: the folded stacks of a first and a last snapshot of
//! one profile kind, built here and drawn by `report::flame` (see
//! README, "Flame graphs").
//!
//! Stacks are folded root first, frames joined by `;`, weighted by the
//! snapshot's default value (goroutines, or in-use bytes for heap
//! profiles). A differential graph is drawn at the widths of the last
//! snapshot; frames that grew are red, frames that shrank blue.

use crate::group::{default_value_index, is_wrapper};
use crate::load::order;
use crate::model::normalize::is_runtime_function;
use crate::model::{ProfileKind, Snapshot};
use crate::text::{is_terminal_control, rfc3339};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// One flame graph: the folded stacks of a base and a new snapshot.
#[derive(Debug, Clone, Default)]
pub struct FlameGraph {
    pub kind: Option<ProfileKind>,
    /// Display names of the snapshots compared (equal when only one).
    pub base: String,
    pub new: String,
    /// RFC 3339 times, when recorded.
    pub base_time: Option<String>,
    pub new_time: Option<String>,
    /// The value drawn, e.g. `goroutine`/`count` or `inuse_space`/`bytes`.
    pub sample_type: String,
    pub unit: String,
    /// `false` when the kind had one snapshot: a plain flame graph.
    pub differential: bool,
    /// Folded stack (root first, `;`-joined) → (base value, new value).
    pub stacks: BTreeMap<String, (i64, i64)>,
}

impl FlameGraph {
    /// Compares `base` and `new` (of one kind) on the value at `index` of
    /// `base`'s sample types (matched by name in `new`).
    pub fn compare(base: &Snapshot, new: &Snapshot, index: usize) -> FlameGraph {
        let vt = base.sample_types.get(index);
        let new_index = vt
            .and_then(|v| new.sample_type_index(&v.ty))
            .unwrap_or(index);
        let differential = !std::ptr::eq(base, new);
        let mut stacks: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        if differential {
            for (k, v) in fold(base, index) {
                stacks.entry(k).or_default().0 = v;
            }
        }
        for (k, v) in fold(new, new_index) {
            stacks.entry(k).or_default().1 = v;
        }
        FlameGraph {
            kind: Some(base.kind),
            base: base.name(),
            new: new.name(),
            base_time: base.time_nanos.map(rfc3339),
            new_time: new.time_nanos.map(rfc3339),
            sample_type: vt.map(|v| v.ty.clone()).unwrap_or_default(),
            unit: vt.map(|v| v.unit.clone()).unwrap_or_else(|| "count".into()),
            differential,
            stacks,
        }
    }

    /// Total of the new snapshot (the width drawn).
    pub fn new_total(&self) -> i64 {
        self.stacks
            .values()
            .map(|v| v.1.max(0))
            .fold(0i64, i64::saturating_add)
    }

    /// Total of the base snapshot.
    pub fn base_total(&self) -> i64 {
        self.stacks
            .values()
            .map(|v| v.0.max(0))
            .fold(0i64, i64::saturating_add)
    }

    /// What one unit of width counts: `goroutines`, `bytes`, …
    pub fn count_name(&self) -> String {
        match self.kind {
            Some(k) if k.is_goroutine() => "goroutines".into(),
            _ if self.unit == "count" || self.unit.is_empty() => "samples".into(),
            _ => self.unit.clone(),
        }
    }

    /// `goroutine` or `heap inuse_space`: what the graph shows.
    pub fn subject(&self) -> String {
        let kind = self.kind.map(|k| k.as_str()).unwrap_or("profile");
        if self.kind.is_some_and(|k| k.is_goroutine()) || self.sample_type.is_empty() {
            kind.to_string()
        } else {
            format!("{kind} {}", self.sample_type)
        }
    }
}

/// Folds one snapshot's samples: root-first function names joined by `;`.
///
/// Goroutine stacks are folded the way they are grouped, so that protobuf,
/// debug=1 and debug=2 captures of one program draw the same graph: runtime
/// frames (which the formats show differently) and `go` statement wrappers
/// are left out, so the leaf is the program's own blocking site. Memory
/// profiles keep every frame.
pub fn fold(snap: &Snapshot, index: usize) -> FxHashMap<String, i64> {
    let goroutines = snap.kind.is_goroutine();
    let mut by_stack: FxHashMap<&[u32], i64> = FxHashMap::default();
    for s in &snap.samples {
        let v = s.values.get(index).copied().unwrap_or(0);
        let slot = by_stack.entry(&s.stack).or_default();
        *slot = slot.saturating_add(v);
    }
    let mut out: FxHashMap<String, i64> = FxHashMap::default();
    for (stack, v) in by_stack {
        let mut names: Vec<&str> = stack
            .iter()
            .rev()
            .map(|&f| snap.table.function(f))
            .filter(|f| !goroutines || !(is_runtime_function(f) || is_wrapper(f)))
            .collect();
        if names.is_empty() {
            // A runtime goroutine: keep its entry function.
            names.extend(stack.last().map(|&f| snap.table.function(f)));
        }
        let mut key = names
            .iter()
            .map(|n| frame_name(n))
            .collect::<Vec<_>>()
            .join(";");
        if key.is_empty() {
            key.push_str("(no stack)");
        }
        let slot = out.entry(key).or_default();
        *slot = slot.saturating_add(v);
    }
    out
}

/// A function name fit for a folded line: no `;` (the frame separator), no
/// control characters or line breaks, never empty.
fn frame_name(f: &str) -> String {
    let s: String = f
        .chars()
        .map(|c| match c {
            ';' => ':',
            c if c.is_control() || is_terminal_control(c) => '?',
            c => c,
        })
        .collect();
    if s.trim().is_empty() {
        "?".into()
    } else {
        s
    }
}

/// One flame graph per profile kind among `snaps` (goroutine, goroutineleak,
/// heap, allocs, then the others): the first versus the last snapshot of
/// that kind, ordered like `analyze` orders them.
pub fn flame_graphs(snaps: &[Snapshot]) -> Vec<FlameGraph> {
    let mut kinds: Vec<ProfileKind> = snaps.iter().map(|s| s.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .filter_map(|kind| {
            let mut of: Vec<&Snapshot> = snaps.iter().filter(|s| s.kind == kind).collect();
            order(&mut of);
            let (first, last) = (of.first()?, of.last()?);
            Some(FlameGraph::compare(first, last, default_value_index(first)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(stacks: &[(&[&str], i64)]) -> Snapshot {
        crate::model::test_snapshot(
            ProfileKind::Goroutine,
            ("goroutine", "count"),
            "/src/app/main.go",
            stacks,
        )
    }

    #[test]
    fn folds_root_first_and_merges_equal_stacks() {
        let s = snap(&[
            (&["runtime.gopark", "main.worker", "main.main"], 2),
            (&["runtime.gopark", "main.worker", "main.main"], 3),
            (&["main.a;b"], 1),
        ]);
        let f = fold(&s, 0);
        assert_eq!(f["main.main;main.worker"], 5, "{f:?}");
        assert_eq!(f["main.a:b"], 1, "; inside a name is not a frame break");
        let mut heap = s.clone();
        heap.kind = ProfileKind::Heap;
        let f = fold(&heap, 0);
        assert_eq!(
            f["main.main;main.worker;runtime.gopark"], 5,
            "heap keeps all"
        );
    }

    #[test]
    fn goroutine_stacks_fold_alike_with_or_without_runtime_frames() {
        let a = snap(&[(
            &[
                "runtime.gopark",
                "runtime.chanrecv",
                "main.worker",
                "main.run.gowrap1",
            ],
            2,
        )]);
        let b = snap(&[(&["main.worker"], 2)]);
        assert_eq!(fold(&a, 0), fold(&b, 0));
        assert_eq!(fold(&a, 0)["main.worker"], 2);
        let bg = snap(&[(&["runtime.gopark", "runtime.gcBgMarkWorker"], 1)]);
        assert_eq!(fold(&bg, 0)["runtime.gcBgMarkWorker"], 1);
    }
}
