//! Every finding of a report has an id of its own: two groups with one
//! stack that one function starts at two `go` statements (a crash and a
//! leave path that both restart a node later) are two findings, and `show`,
//! SARIF and the JSON report tell them apart by id.

mod written;

use leakdiff::classify::Finding;
use std::collections::HashSet;
use std::fmt::Write as _;
use written::analyze_written;

fn dumps(second_line: u32) -> Vec<String> {
    (0..3u64)
        .map(|k| {
            let mut s = String::from(
                "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n",
            );
            // Growing at different paces: not one population.
            for (line, base, pace) in [(190u32, 100u64, 4u64), (second_line, 500, 9)] {
                for id in base..base + pace * (k + 1) {
                    let _ = write!(
                        s,
                        "goroutine {id} [select]:\nmain.sleepCtx({{0x5f1e20, 0xc000012000}}, 0x37e11d600)\n\t/src/app/main.go:93 +0x85\nmain.(*cluster).restartLater(0xc000010000, {{0x5f1e20, 0xc000012000}}, {{0x6a0f00, 0x5}}, 0x37e11d600)\n\t/src/app/cluster.go:220 +0x4b\ncreated by main.(*cluster).chaos in goroutine 1\n\t/src/app/cluster.go:{line} +0x1c5\n\n"
                    );
                }
            }
            s
        })
        .collect()
}

/// The findings of the restart group(s).
fn restarts_in(found: &[Finding]) -> Vec<&Finding> {
    found
        .iter()
        .filter(|f| {
            f.frames
                .iter()
                .any(|fr| fr.function == "main.(*cluster).restartLater")
        })
        .collect()
}

#[test]
fn groups_started_at_two_go_statements_of_one_function_have_two_ids() {
    let found = analyze_written(&dumps(195), "debug2.txt");
    let restarts = restarts_in(&found);
    assert_eq!(restarts.len(), 2, "{found:#?}");
    let ids: HashSet<&str> = found.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids.len(), found.len(), "{found:#?}");
    // Ids stay stable from run to run.
    let again = analyze_written(&dumps(195), "debug2.txt");
    let mut a: Vec<&str> = found.iter().map(|f| f.id.as_str()).collect();
    let mut b: Vec<&str> = again.iter().map(|f| f.id.as_str()).collect();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b);
    // A group alone keeps the id of its stack and creator.
    let alone = analyze_written(&dumps(190), "debug2.txt");
    let one = restarts_in(&alone);
    assert_eq!(one.len(), 1, "{alone:#?}");
    assert!(
        !a.contains(&one[0].id.as_str()),
        "the colliding ids are replaced"
    );
}
