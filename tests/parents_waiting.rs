//! Parents that wait for their children (issue 13): goroutines blocked in
//! `WaitGroup.Wait` whose own go statements started goroutines that are
//! still alive wait for those, and end when those do; whether that is a
//! leak is the children's group to say. Debug=2 dumps of Go 1.21 and later
//! name each goroutine's parent (`created by F in goroutine N`).

mod written;

use leakdiff::classify::{Finding, Severity};
use written::{analyze_written_source, staying_series as series};

/// How the waiting goroutines' children are.
#[derive(Clone, Copy, Debug)]
enum Children {
    /// Started by a closure of the waiting function, alive.
    Own,
    /// Alive, but started by another function (a renewer its caller
    /// started): not what the WaitGroup waits for.
    Others,
    /// None alive: the Done of each was skipped, and they exited.
    Gone,
    /// Started by the waiting function, alive for every other parent: the
    /// rest have none left.
    Half,
    /// Two each, started by the waiting function, alive.
    Two,
    /// Alive, started by a function the waiting one calls (`Run` calls
    /// `spawn`, as another tenant's stack shows, caught in it).
    Callee,
}

/// Goroutines blocked in `WaitGroup.Wait` in `main.(*tenant).Run`, each
/// with one child as `children` says.
fn dumps(children: Children) -> Vec<String> {
    series(
        |id, wait| {
            let busy = if matches!(children, Children::Callee) && id == 100 {
                "goroutine 99 [runnable]:\nmain.(*tenant).spawn(0xc000010000, 0x3)\n\t/src/app/main.go:50 +0x1f\nmain.(*tenant).Run(0xc000010000, {0x5f1e20, 0xc000012000})\n\t/src/app/main.go:19 +0x36b\nmain.(*tenant).serve(0xc000010000)\n\t/src/app/main.go:40 +0x22\ncreated by main.main in goroutine 1\n\t/src/app/main.go:12 +0x4c\n\n"
            } else {
                ""
            };
            format!("{busy}goroutine {id} [sync.WaitGroup.Wait{wait}]:\nsync.runtime_SemacquireWaitGroup(0x0?, 0x0?)\n\truntime/sema.go:114 +0x2e\nsync.(*WaitGroup).Wait(0xc000010000)\n\tsync/waitgroup.go:206 +0x85\nmain.(*tenant).Run(0xc000010000, {{0x5f1e20, 0xc000012000}})\n\t/src/app/main.go:20 +0x36b\nmain.(*tenant).serve(0xc000010000)\n\t/src/app/main.go:40 +0x22\ncreated by main.main in goroutine 1\n\t/src/app/main.go:12 +0x4c\n\n")
        },
        |id, _| {
            let creator = match children {
                Children::Own | Children::Two => "main.(*tenant).Run.func1",
                Children::Half if id % 2 == 0 => "main.(*tenant).Run.func1",
                Children::Others => "main.(*tenant).serve",
                Children::Callee => "main.(*tenant).spawn",
                Children::Gone | Children::Half => return None,
            };
            Some(format!("goroutine {} [select]:\nmain.(*tenant).poll(0xc000010000)\n\t/src/app/main.go:30 +0x22\nmain.(*tenant).Run.func1()\n\t/src/app/main.go:18 +0x52\ncreated by {creator} in goroutine {id}\n\t/src/app/main.go:17 +0xaf\n\n", id + 10_000))
        },
    )
}

fn analyze(texts: &[String]) -> Vec<Finding> {
    analyze_written_source(texts, "debug2.txt", None).findings
}

/// The finding of the goroutines blocked in `WaitGroup.Wait`.
fn waiting(found: &[Finding]) -> Finding {
    found
        .iter()
        .find(|f| {
            f.frames
                .iter()
                .any(|fr| fr.function == "sync.(*WaitGroup).Wait")
        })
        .unwrap_or_else(|| panic!("no WaitGroup finding: {found:#?}"))
        .clone()
}

#[test]
fn a_wait_for_live_children_of_its_own_is_no_leak_of_its_own() {
    for children in [Children::Own, Children::Callee] {
        let own = waiting(&analyze(&dumps(children)));
        assert_eq!(own.severity, Severity::Low, "{children:?}: {own:#?}");
        assert!(own.confidence <= 0.3);
        assert!(
            own.decided_by.starts_with("all 45 goroutines of the group in the last snapshot wait in WaitGroup.Wait with goroutines they started still alive"),
            "{children:?}: {}",
            own.decided_by
        );
    }
    // The same waits where the live children are another function's, or
    // where none is left: stuck in a wait a live program completes within
    // seconds.
    for children in [Children::Others, Children::Gone, Children::Half] {
        let f = waiting(&analyze(&dumps(children)));
        assert!(f.severity >= Severity::High, "{children:?}: {f:#?}");
        assert!(
            !f.decided_by.contains("still alive"),
            "{children:?}: {}",
            f.decided_by
        );
    }
}

const SOURCE: &str = r#"package main

import "context"

type tenant struct {
	lost  chan struct{}
	stall chan struct{}
}

func (t *tenant) job(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- t.work(ctx) }()
	select { // job
	case err := <-done:
		return err
	case <-t.lost:
		return nil
	}
}

func (t *tenant) work(ctx context.Context) error {
	select { // work
	case <-ctx.Done():
	case <-t.stall:
	}
	return nil
}

func main() {
	t := &tenant{}
	go t.job(context.Background())
}
"#;

fn line_of(marker: &str) -> u32 {
    written::line_in(SOURCE, marker)
}

/// As [`dumps`], for goroutines blocked in the select of `job`, each with
/// the goroutine it started to do the work, as `children` says.
fn job_dumps(children: Children) -> Vec<String> {
    let (job, go, work) = (
        line_of("// job"),
        line_of("go func() { done"),
        line_of("// work"),
    );
    series(
        |id, wait| {
            format!("goroutine {id} [select{wait}]:\nmain.(*tenant).job(0xc000010000, {{0x5f1e20, 0xc000012000}})\n\t/src/app/main.go:{job} +0x36b\ncreated by main.main in goroutine 1\n\t/src/app/main.go:33 +0x4c\n\n")
        },
        |id, wait| {
            let creator = match children {
                Children::Own | Children::Two => "main.(*tenant).job",
                Children::Half if id % 2 == 0 => "main.(*tenant).job",
                Children::Others => "main.main",
                Children::Gone | Children::Half => return None,
                Children::Callee => unreachable!("a job's waits are not read for callees"),
            };
            let each = if matches!(children, Children::Two) {
                2
            } else {
                1
            };
            Some((1..=each).map(|k| format!("goroutine {} [select{wait}]:\nmain.(*tenant).work(0xc000010000, {{0x5f1e20, 0xc000012000}})\n\t/src/app/main.go:{work} +0x22\nmain.(*tenant).job.func1()\n\t/src/app/main.go:{go} +0x52\ncreated by {creator} in goroutine {id}\n\t/src/app/main.go:{go} +0xaf\n\n", id + k * 10_000)).collect())
        },
    )
}

fn analyze_with_source(texts: &[String]) -> Vec<Finding> {
    analyze_written_source(texts, "debug2.txt", Some(SOURCE)).findings
}

/// The finding of the goroutines blocked in `job`'s select.
fn job(found: &[Finding]) -> Finding {
    found
        .iter()
        .find(|f| {
            f.site
                .as_ref()
                .is_some_and(|s| s.function == "main.(*tenant).job")
        })
        .unwrap_or_else(|| panic!("no finding in job: {found:#?}"))
        .clone()
}

/// A parent blocked receiving the result of the goroutine it started
/// (the source shows the go statement that sends on the channel it made):
/// waiting for a live child is no leak of its own.
#[test]
fn a_wait_for_the_result_of_a_live_child_is_no_leak_of_its_own() {
    let own = job(&analyze_with_source(&job_dumps(Children::Own)));
    assert_eq!(own.severity, Severity::Low, "{own:#?}");
    assert!(
        own.decided_by
            .starts_with("source: the receive from done at main.go:")
            && own
                .decided_by
                .contains("every goroutine of the group has a goroutine it started alive"),
        "{}",
        own.decided_by
    );
    // Without the source nothing says what the select waits for; with it,
    // a child of another function, or none, is no such wait.
    let without = job(&analyze(&job_dumps(Children::Own)));
    assert!(without.severity >= Severity::Medium, "{without:#?}");
    for children in [Children::Others, Children::Gone, Children::Half] {
        let f = job(&analyze_with_source(&job_dumps(children)));
        assert!(f.severity >= Severity::Medium, "{children:?}: {f:#?}");
        assert!(!f.decided_by.contains("started alive"), "{children:?}");
    }
}

/// The same dumps as Go 1.20 and older write them: `created by F` names no
/// parent goroutine.
fn without_parents(texts: Vec<String>) -> Vec<String> {
    let re = regex::Regex::new(r"(?m)^(created by \S+) in goroutine \d+$").unwrap();
    texts
        .into_iter()
        .map(|t| {
            let out = re.replace_all(&t, "$1").into_owned();
            assert!(!out.contains(" in goroutine "));
            out
        })
        .collect()
}

/// Where the dump names no parents, a wait whose function has started at
/// least as many goroutines still alive as there are waiters may be a wait
/// for live children, and is not ruled one either: at most `medium`, 0.5,
/// saying so. Fewer live children than waiters, or children of another
/// function, leave the finding as it was.
#[test]
fn without_parent_ids_live_children_of_the_waiting_function_cap_the_wait() {
    for children in [Children::Own, Children::Callee] {
        let own = waiting(&analyze(&without_parents(dumps(children))));
        assert_eq!(own.severity, Severity::Medium, "{children:?}: {own:#?}");
        assert!(own.confidence <= 0.5);
        assert!(
            own.decided_by.starts_with("45 goroutines started by main.(*tenant).Run or a function it calls (by their `created by`, and the calls the stacks show) are alive in the last snapshot, as many as or more than the 45 of the group")
                && own.decided_by.contains("names no parent goroutines"),
            "{children:?}: {}",
            own.decided_by
        );
    }
    for children in [Children::Others, Children::Gone, Children::Half] {
        let f = waiting(&analyze(&without_parents(dumps(children))));
        assert!(f.severity >= Severity::High, "{children:?}: {f:#?}");
        assert!(!f.decided_by.contains("are alive"), "{children:?}");
    }
    // Two children each: a parent and a child counted alike would be told
    // as one story, the child's.
    let texts = without_parents(job_dumps(Children::Two));
    let own = job(&analyze_with_source(&texts));
    assert_eq!(own.severity, Severity::Medium, "{own:#?}");
    assert!(own.confidence <= 0.5);
    assert!(
        own.decided_by
            .starts_with("source: the receive from done at main.go:")
            && own
                .decided_by
                .contains("90 goroutines started by main.(*tenant).job"),
        "{}",
        own.decided_by
    );
    for children in [Children::Others, Children::Gone, Children::Half] {
        let f = job(&analyze_with_source(&without_parents(job_dumps(children))));
        assert!(f.severity >= Severity::High, "{children:?}: {f:#?}");
        assert!(!f.decided_by.contains("are alive"), "{children:?}");
    }
}
