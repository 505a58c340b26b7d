//! The inputs of a command: directories expanded into the profiles inside
//! them, loaded in parallel, and snapshots ordered by recorded time.

use super::{load_path, load_path_folded, load_path_with, Fold, LoadOptions};
use crate::error::Error;
use crate::model::Snapshot;
use crate::text::io_message;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io::IsTerminal;
use std::path::Path;

/// The manifest `leakdiff capture` writes beside the profiles it saved;
/// [`expand_inputs`] leaves it out of a directory.
pub const CAPTURE_MANIFEST: &str = "leakdiff-capture.json";

/// Expands directories into the profiles inside them (sorted by name;
/// hidden files and the capture manifest skipped). Files and `-` pass
/// through, except the capture manifest named among other inputs (as a
/// shell glob `DIR/*` names it).
pub fn expand_inputs(inputs: &[String]) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for i in inputs {
        let p = Path::new(i);
        if i != "-" && p.is_dir() {
            let mut files: Vec<String> = std::fs::read_dir(p)
                .map_err(|e| Error::input(i, io_message(&e)))?
                .filter_map(|e| e.ok())
                // Symbolic links are followed (a directory of links to the
                // snapshots of a ticket is common); dangling ones are skipped.
                .filter(|e| std::fs::metadata(e.path()).is_ok_and(|m| m.is_file()))
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .filter(|e| e.file_name() != CAPTURE_MANIFEST)
                .map(|e| e.path().to_string_lossy().into_owned())
                .collect();
            // In the order of the numbers in their names (goroutine-2
            // before goroutine-10), as snapshots are numbered.
            files.sort_by(|a, b| natural_cmp(a, b));
            if files.is_empty() {
                return Err(Error::input(i, "directory holds no files"));
            }
            out.extend(files);
        } else if i != "-" && p.file_name().is_some_and(|n| n == CAPTURE_MANIFEST) {
            // `analyze DIR/*` names the manifest beside the profiles.
            if inputs.len() == 1 {
                return Err(Error::input(
                    i,
                    "the manifest of `leakdiff capture`, not a profile: give its directory",
                ));
            }
        } else {
            out.push(i.clone());
        }
    }
    if out.iter().filter(|i| *i == "-").count() > 1 {
        return Err(Error::Usage(
            "standard input (-) can be given only once".into(),
        ));
    }
    Ok(out)
}

/// Size above which a progress bar is shown (on a terminal only).
const PROGRESS_THRESHOLD: u64 = 32 << 20;

/// Loads every input in parallel, keeping the order given. The first error
/// (in input order) is returned.
pub fn load_all(inputs: &[String], opts: &LoadOptions) -> Result<Vec<Snapshot>, Error> {
    let total: u64 = inputs
        .iter()
        .filter(|i| *i != "-")
        .filter_map(|i| std::fs::metadata(i).ok())
        .map(|m| m.len())
        .sum();
    let bar = if std::io::stderr().is_terminal() && total >= PROGRESS_THRESHOLD {
        let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} loading {bytes}/{total_bytes} {wide_bar} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let results: Vec<Result<Vec<Snapshot>, Error>> = inputs
        .par_iter()
        .map(|i| match &bar {
            Some(b) if i != "-" => load_path_with(i, opts, |r| Box::new(b.wrap_read(r))),
            _ => load_path(i, opts),
        })
        .collect();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut out = Vec::new();
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

/// What became of one input of [`load_all_with`] (`None`: not loaded).
type Slot<T> = std::sync::Mutex<Option<Result<Vec<T>, Error>>>;

/// Loads every input and hands each snapshot to `reduce` as soon as it is
/// loaded (on the loading thread), keeping what `reduce` returns, in the
/// order given; the first error (in input order) is returned. At most as
/// many inputs as there are cores are loaded at once (each load uses all
/// cores itself), so that with a `reduce` that keeps little of a snapshot,
/// memory holds at most that many whole snapshots, however many inputs.
/// Each load is given a [`Fold`] made by `fold`, and each snapshot goes to
/// `reduce` with the fold its samples went to (if the loader folded them;
/// else with a fresh one that saw none).
pub fn load_all_with<T: Send, F: Fold>(
    inputs: &[String],
    opts: &LoadOptions,
    fold: impl Fn() -> F + Sync,
    reduce: impl Fn(Snapshot, F) -> T + Sync,
) -> Result<Vec<T>, Error> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<Slot<T>> = inputs.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let workers = rayon::current_num_threads().clamp(1, inputs.len().max(1));
    let work = || loop {
        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let Some(input) = inputs.get(i) else { break };
        let mut f = fold();
        let r = load_path_folded(input, opts, |file| Box::new(file), Some(&mut f)).map(|snaps| {
            let mut f = Some(f);
            snaps
                .into_iter()
                .map(|s| reduce(s, f.take().unwrap_or_else(&fold)))
                .collect()
        });
        let failed = r.is_err();
        *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
        if failed {
            // Inputs after a failed one are not needed.
            next.fetch_add(inputs.len(), std::sync::atomic::Ordering::Relaxed);
        }
    };
    std::thread::scope(|s| {
        for _ in 1..workers {
            s.spawn(work);
        }
        work();
    });
    let mut out = Vec::new();
    for slot in slots {
        match slot.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(r) => out.extend(r?),
            None => break,
        }
    }
    Ok(out)
}

/// Compares names as a person counts: runs of digits by their value
/// (`dump-2` before `dump-10`), the rest bytewise.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (ta, tb) = (runs(a), runs(b));
    for (x, y) in ta.iter().zip(&tb) {
        let o = match (x, y) {
            (Run::Number(m, _), Run::Number(n, _)) => m.cmp(n),
            _ => x.text().cmp(y.text()),
        };
        if o != std::cmp::Ordering::Equal {
            return o;
        }
    }
    ta.len().cmp(&tb.len()).then_with(|| a.cmp(b))
}

/// A run of a name: digits (with their value), or anything else.
#[derive(Debug, PartialEq)]
enum Run<'a> {
    Number(u128, &'a str),
    Text(&'a str),
}

impl Run<'_> {
    fn text(&self) -> &str {
        match self {
            Run::Number(_, t) | Run::Text(t) => t,
        }
    }
}

fn runs(s: &str) -> Vec<Run<'_>> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let digit = b[i].is_ascii_digit();
        let mut j = i;
        while j < b.len() && b[j].is_ascii_digit() == digit {
            j += 1;
        }
        let t = &s[i..j];
        out.push(match t.parse::<u128>() {
            Ok(n) if digit => Run::Number(n, t),
            _ => Run::Text(t),
        });
        i = j;
    }
    out
}

/// The number that tells the names apart, when the names are one pattern
/// with one number that varies (`goroutine-1.debug2.txt`,
/// `goroutine-10.debug2.txt`: 1 and 10); `None` otherwise.
fn numbers_in_names(names: &[String]) -> Option<Vec<u128>> {
    let all: Vec<Vec<Run>> = names.iter().map(|n| runs(n)).collect();
    let first = all.first()?;
    if all.iter().any(|r| r.len() != first.len()) {
        return None;
    }
    let mut varying = None;
    for i in 0..first.len() {
        let same = all.iter().all(|r| r[i] == first[i]);
        if same {
            continue;
        }
        let numbers: Option<Vec<u128>> = all
            .iter()
            .map(|r| match r[i] {
                Run::Number(n, _) => Some(n),
                Run::Text(_) => None,
            })
            .collect();
        if varying.is_some() || numbers.is_none() {
            return None;
        }
        varying = numbers;
    }
    varying
}

/// Orders snapshots of one kind: by recorded time when every one has it;
/// else, when none has one and their names are one pattern with a number
/// that varies, by that number; else as given. A file given twice is read
/// once. Returns notes about what was dropped or reordered, and about
/// orders that contradict times.
pub fn order(snaps: &mut Vec<&Snapshot>) -> Vec<String> {
    let mut warnings = Vec::new();
    // The same file (and dump within it) given twice would make one moment
    // two snapshots of the trend.
    let mut seen = std::collections::HashSet::new();
    let mut twice = Vec::new();
    snaps.retain(|s| {
        if s.source == "-" {
            return true;
        }
        let path = std::fs::canonicalize(&s.source)
            .unwrap_or_else(|_| std::path::PathBuf::from(&s.source));
        let fresh = seen.insert((path, s.index_in_source));
        if !fresh {
            twice.push(s.name());
        }
        fresh
    });
    if !twice.is_empty() {
        warnings.push(format!(
            "given more than once, read once: {}",
            twice.join(", ")
        ));
    }
    if snaps.len() < 2 {
        return warnings;
    }
    let times: Vec<Option<i64>> = snaps.iter().map(|s| s.time_nanos).collect();
    if times.iter().all(|t| t.is_some()) {
        warnings.extend(reorder(
            snaps,
            times,
            "snapshots were given out of time order; ordered by recorded time",
        ));
    } else if times.iter().all(|t| t.is_none()) {
        let files: Vec<String> = snaps
            .iter()
            .map(|s| {
                Path::new(&s.source)
                    .file_name()
                    .map_or(s.source.clone(), |n| n.to_string_lossy().into_owned())
            })
            .collect();
        let same_dump = snaps.iter().all(|s| s.index_in_source == 0);
        if let Some(numbers) = numbers_in_names(&files).filter(|_| same_dump) {
            warnings.extend(reorder(
                snaps,
                numbers,
                "snapshots were given out of the order of the numbers in their names (none records its time); ordered by them",
            ));
        }
    } else {
        let known: Vec<i64> = times.iter().flatten().copied().collect();
        if known.windows(2).any(|w| w[1] < w[0]) {
            warnings.push(
                "recorded times contradict the order given (not every snapshot records a time, so the given order is kept)"
                    .to_string(),
            );
        }
    }
    warnings
}

/// Sorts `snaps` by `keys` (one each; equal keys keep their order) and,
/// when that changed the order, returns `why` with the new order.
fn reorder<K: Ord>(snaps: &mut Vec<&Snapshot>, keys: Vec<K>, why: &str) -> Option<String> {
    if keys.windows(2).all(|w| w[0] <= w[1]) {
        return None;
    }
    let mut by: Vec<(K, &Snapshot)> = keys.into_iter().zip(snaps.iter().copied()).collect();
    by.sort_by(|a, b| a.0.cmp(&b.0));
    *snaps = by.into_iter().map(|(_, s)| s).collect();
    let now: Vec<String> = snaps.iter().map(|s| s.name()).collect();
    Some(format!("{why}: {}", now.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_their_numbers() {
        let mut v = vec![
            "d/goroutine-10.txt",
            "d/goroutine-2.txt",
            "d/goroutine-1.txt",
            "d/a",
        ];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            [
                "d/a",
                "d/goroutine-1.txt",
                "d/goroutine-2.txt",
                "d/goroutine-10.txt"
            ]
        );
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            numbers_in_names(&names(&[
                "g-1.debug2.txt",
                "g-10.debug2.txt",
                "g-2.debug2.txt"
            ])),
            Some(vec![1, 10, 2])
        );
        // Two numbers that vary, or names of different shapes: no order.
        assert_eq!(numbers_in_names(&names(&["a-1-3.txt", "a-2-1.txt"])), None);
        assert_eq!(numbers_in_names(&names(&["a-1.txt", "b.txt"])), None);
        assert_eq!(numbers_in_names(&names(&["a-1.txt", "b-2.txt"])), None);
    }

    #[test]
    fn the_capture_manifest_is_left_out_of_a_glob() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join(CAPTURE_MANIFEST);
        let profile = dir.path().join("goroutine-1.debug2.txt");
        std::fs::write(&manifest, "{}").unwrap();
        std::fs::write(&profile, "goroutine 1 [running]:\n").unwrap();
        let m = manifest.to_string_lossy().into_owned();
        let p = profile.to_string_lossy().into_owned();
        assert_eq!(expand_inputs(&[m.clone(), p.clone()]).unwrap(), vec![p]);
        let err = expand_inputs(&[m]).unwrap_err().to_string();
        assert!(err.contains("manifest"), "{err}");
    }
}
