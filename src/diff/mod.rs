//! Diffing: the groups of each snapshot of one kind, matched by key, become a
//! [`Series`] of values over the snapshots, with a [`Trend`] judged over all
//! of them (not first-versus-last alone). [`flame`] folds the first and
//! last snapshot of a kind into flame graph data.

pub mod flame;
pub mod gate;

use crate::group::{Group, GroupKey, Grouper, Stacks};
use crate::model::{BlockingOp, CallWords, FrameRef, Snapshot};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// How a series behaves over the snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Grows at every step, or never shrinks and grows clearly overall.
    Growing,
    /// Rises over the snapshots with dips (four or more snapshots).
    GrowingNoisy,
    /// Grows once and then holds (one-off growth, a pool warming up).
    Stepped,
    /// Does not change.
    Steady,
    /// Goes up and down.
    Bursty,
    /// Only shrinks, or is gone by the last snapshot.
    Shrinking,
    /// One snapshot: no trend can be judged.
    Single,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Growing => "growing",
            Verdict::GrowingNoisy => "growing with dips",
            Verdict::Stepped => "grew once, then held",
            Verdict::Steady => "steady",
            Verdict::Bursty => "bursty",
            Verdict::Shrinking => "shrinking",
            Verdict::Single => "single snapshot",
        }
    }

    pub fn is_growth(self) -> bool {
        matches!(self, Verdict::Growing | Verdict::GrowingNoisy)
    }
}

/// Trend statistics of one series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub first: i64,
    pub last: i64,
    pub min: i64,
    pub max: i64,
    pub increases: usize,
    pub decreases: usize,
    /// Least-squares slope, in value per snapshot.
    pub slope: f64,
    /// Kendall's tau of value against snapshot order, -1..1.
    pub tau: f64,
    pub verdict: Verdict,
    /// Sampled series: the growth goes on after the first step (the
    /// weighted slope of the snapshots after the first is two standard
    /// errors above zero), as a leak's does and a cache's that filled in
    /// one go does not. Always true for exact counts and fewer than three
    /// snapshots.
    pub sustained: bool,
}

/// Relative change below which two memory values count as equal (heap
/// profiles are sampled estimates).
pub const MEMORY_NOISE: f64 = 0.05;

impl Trend {
    /// Judges a series. `noise` is the relative change treated as no change
    /// (0 for goroutine counts, [`MEMORY_NOISE`] for sampled bytes whose
    /// sampling error is not known).
    pub fn judge(values: &[i64], noise: f64) -> Trend {
        let changed = |a: i64, b: i64| -> i32 {
            let tol = (a.abs().max(b.abs()) as f64 * noise).floor() as i64;
            if b > a + tol {
                1
            } else if b < a - tol {
                -1
            } else {
                0
            }
        };
        Self::judge_with(values, |i, j| changed(values[i], values[j]), None)
    }

    /// Judges a sampled series (heap bytes) against its own sampling error:
    /// `sigma[i]` is the standard error of `values[i]` (a value built from
    /// `r` samples is off by about `1/sqrt(r)` of itself). A step up must
    /// exceed one standard error of the difference, a step down two; a step
    /// inside that band is no change (not a plateau). The series grows when
    /// it never drops, its weighted least-squares slope is at least two
    /// standard errors above zero, and its last step is not clearly below
    /// its average step (a cache that filled and stopped).
    pub fn judge_sampled(values: &[i64], sigma: &[f64]) -> Trend {
        let n = values.len();
        let sd = |i: usize, j: usize| (sigma[i].powi(2) + sigma[j].powi(2)).sqrt();
        let changed = |i: usize, j: usize| -> i32 {
            let d = (values[j] - values[i]) as f64;
            let s = sd(i, j);
            if d > s {
                1
            } else if -d > 2.0 * s {
                -1
            } else {
                0
            }
        };
        let trend_z = weighted_slope_z(values, sigma);
        let plateau = n >= 3 && {
            let avg = (values[n - 1] - values[0]) as f64 / (n - 1) as f64;
            let last = (values[n - 1] - values[n - 2]) as f64;
            avg - last > 2.0 * sd(n - 2, n - 1) && last * 2.0 <= avg
        };
        // A leak holds the most at the end. A sampled object stays in the
        // profile until it is freed, so the in-use bytes of a site that only
        // leaks never go down, noise or not: a last value below an earlier
        // one means the site frees what it holds.
        let fell_back = n >= 2 && values[..n - 1].iter().any(|&v| v > values[n - 1]);
        let mut t = Self::judge_with(values, changed, Some((trend_z, plateau || fell_back)));
        t.sustained = n < 3 || linear_fits_better_than_step(values, sigma);
        t
    }

    /// `changed(i, j)`: 1 when `values[j]` is clearly above `values[i]`, -1
    /// when clearly below, 0 otherwise. `sampled`: the z-score of the
    /// weighted slope and whether the last step is a plateau.
    fn judge_with(
        values: &[i64],
        changed: impl Fn(usize, usize) -> i32,
        sampled: Option<(f64, bool)>,
    ) -> Trend {
        let n = values.len();
        let first = values.first().copied().unwrap_or(0);
        let last = values.last().copied().unwrap_or(0);
        let min = values.iter().copied().min().unwrap_or(0);
        let max = values.iter().copied().max().unwrap_or(0);
        let mut increases = 0;
        let mut decreases = 0;
        for i in 1..n {
            match changed(i - 1, i) {
                1 => increases += 1,
                -1 => decreases += 1,
                _ => {}
            }
        }
        let slope = slope(values);
        let tau = kendall_tau(values);
        let overall = if n >= 2 { changed(0, n - 1) } else { 0 };
        let verdict = if n < 2 {
            Verdict::Single
        } else if last <= 0 && first > 0 || (decreases > 0 && increases == 0) {
            Verdict::Shrinking
        } else if let (Some((z, plateau)), 0) = (sampled, decreases) {
            // Sampled: steps inside the sampling error are no change, so the
            // trend over all snapshots decides, not the steps one by one.
            if z >= 2.0 && overall > 0 && !plateau {
                Verdict::Growing
            } else if increases == 0 && overall <= 0 {
                Verdict::Steady
            } else {
                Verdict::Stepped
            }
        } else if increases == 0 && decreases == 0 {
            Verdict::Steady
        } else if decreases == 0 && overall > 0 {
            // Never shrinks. Growth at every step, or clear growth overall,
            // is a leak shape; a single step followed by a plateau is not.
            let grew_at_end = changed(n - 2, n - 1) > 0;
            if increases == n - 1 || (increases * 2 >= n - 1 && grew_at_end) {
                Verdict::Growing
            } else {
                Verdict::Stepped
            }
        } else if n >= 4 && tau >= 0.6 && overall > 0 && last >= max - ((max - min) / 5) {
            Verdict::GrowingNoisy
        } else if overall < 0 && increases == 0 {
            Verdict::Shrinking
        } else {
            Verdict::Bursty
        };
        Trend {
            first,
            last,
            min,
            max,
            increases,
            decreases,
            slope,
            tau,
            verdict,
            sustained: true,
        }
    }

    /// Growth confined to one step: the series only rose once, at its last
    /// snapshot (0 → 0 → 1, 0 → 0 → 1 → 245), over three or more snapshots.
    pub fn jump_at_end(&self, values: &[i64]) -> bool {
        let n = values.len();
        n >= 3 && values[..n - 1].iter().all(|&v| v == values[0]) && values[n - 1] > values[0]
    }

    /// Growth that came almost all at the last step: the rises before it
    /// (2 → 3 → 86, 1 → 2 → 182) are at most a fifth of the growth, and
    /// far fewer than a steady leak would have made. Were the growth steady
    /// (each goroutine added in any of the `n - 1` intervals alike), the
    /// share of it before the last step would follow a binomial law; it falls this low with probability
    /// under 0.1%. A burst caught by the last snapshot, or something that
    /// began just before it: one step either way.
    pub fn late_jump(&self, values: &[i64]) -> bool {
        let n = values.len();
        if n < 3 {
            return false;
        }
        let last = values[n - 1] - values[n - 2];
        let early: i64 = values[..n - 1]
            .windows(2)
            .map(|w| (w[1] - w[0]).max(0))
            .sum();
        last >= 4
            && early * 4 <= last
            && binomial_tail(early, early + last, (n - 2) as f64 / (n - 1) as f64) < 0.001
    }
}

/// P(X <= k) for X ~ Binomial(total, p), summed in log space (counts may
/// be large).
fn binomial_tail(k: i64, total: i64, p: f64) -> f64 {
    if k >= total {
        return 1.0;
    }
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    let mut log_pmf = total as f64 * lq;
    let mut sum = 0.0;
    for i in 0..=k {
        if i > 0 {
            log_pmf += ((total - i + 1) as f64 / i as f64).ln() + lp - lq;
        }
        sum += log_pmf.exp();
    }
    sum.min(1.0)
}

/// Weights `1/sigma²` of a sampled series and the weighted
/// means of snapshot index and value (the start of a weighted fit).
fn weighted_means(values: &[i64], sigma: &[f64]) -> (Vec<f64>, f64, f64) {
    let w: Vec<f64> = sigma
        .iter()
        .map(|&s| if s > 0.0 { 1.0 / (s * s) } else { 1e12 })
        .collect();
    let sw: f64 = w.iter().sum();
    let mx = w.iter().enumerate().map(|(i, w)| w * i as f64).sum::<f64>() / sw;
    let my = w
        .iter()
        .zip(values)
        .map(|(w, &y)| w * y as f64)
        .sum::<f64>()
        / sw;
    (w, mx, my)
}

/// Whether steady growth (a straight line) fits a sampled series better
/// than a single step to a level that then holds (the first value, then the
/// weighted mean of the rest): both have two parameters, so their weighted
/// squared residuals compare directly. A cache that fills in one go and a
/// leak whose later steps are lost in the sampling error both look like
/// growth step by step; this tells which shape the whole series has.
fn linear_fits_better_than_step(values: &[i64], sigma: &[f64]) -> bool {
    let (w, mx, my) = weighted_means(values, sigma);
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for (i, (&wi, &y)) in w.iter().zip(values).enumerate() {
        sxx += wi * (i as f64 - mx).powi(2);
        sxy += wi * (i as f64 - mx) * (y as f64 - my);
    }
    let b = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let linear: f64 = w
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (&wi, &y))| wi * (y as f64 - (my + b * (i as f64 - mx))).powi(2))
        .sum();
    let wr: f64 = w[1..].iter().sum();
    let level = w[1..]
        .iter()
        .zip(&values[1..])
        .map(|(w, &y)| w * y as f64)
        .sum::<f64>()
        / wr;
    let step: f64 = w[1..]
        .iter()
        .zip(&values[1..])
        .map(|(&wi, &y)| wi * (y as f64 - level).powi(2))
        .sum();
    linear < step
}

/// The weighted least-squares slope of `values` against snapshot order,
/// divided by its standard error (weights `1/sigma²`).
fn weighted_slope_z(values: &[i64], sigma: &[f64]) -> f64 {
    let n = values.len();
    if n < 2 {
        return 0.0;
    }
    let (w, mx, my) = weighted_means(values, sigma);
    let mut sxx = 0.0;
    let mut sxy = 0.0;
    for (i, (&wi, &y)) in w.iter().zip(values).enumerate() {
        let dx = i as f64 - mx;
        sxx += wi * dx * dx;
        sxy += wi * dx * (y as f64 - my);
    }
    if sxx <= 0.0 {
        return 0.0;
    }
    let slope = sxy / sxx;
    let se = 1.0 / sxx.sqrt();
    slope / se
}

fn slope(v: &[i64]) -> f64 {
    let n = v.len() as f64;
    if v.len() < 2 {
        return 0.0;
    }
    let mx = (n - 1.0) / 2.0;
    let my = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let mut num = 0.0;
    let mut den = 0.0;
    for (i, &y) in v.iter().enumerate() {
        let dx = i as f64 - mx;
        num += dx * (y as f64 - my);
        den += dx * dx;
    }
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

fn kendall_tau(v: &[i64]) -> f64 {
    let n = v.len();
    if n < 2 {
        return 0.0;
    }
    let mut s = 0i64;
    for i in 0..n {
        for j in i + 1..n {
            s += (v[j] - v[i]).signum();
        }
    }
    s as f64 / (n * (n - 1) / 2) as f64
}

/// What one snapshot of a series says of its goroutine ids.
#[derive(Debug, Clone, Default)]
pub struct IdFacts {
    /// Every goroutine has its id ([`crate::group::ids_known`]).
    pub known: bool,
    /// A crash printed it as its process ended
    /// ([`Snapshot::ends_process`]): no later snapshot is of that process.
    pub ends_process: Option<String>,
    /// Read to its end ([`crate::group::whole`]): an id absent from it was
    /// not alive then.
    pub whole: bool,
}

/// See [`Series::oldest_waits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OldestWaits {
    /// The snapshot (0-based) they are present since.
    pub since: usize,
    /// How many goroutines are present since then.
    pub present: usize,
    /// How many of them had waited longer at the last snapshot.
    pub grew: usize,
}

impl OldestWaits {
    /// Most of them had waited no longer at the last snapshot than then.
    fn mostly_woken(&self) -> bool {
        2 * self.grew <= self.present
    }
}

/// What shows that more than a minute passed over a span of snapshots, in
/// which a goroutine stuck in one wait would have waited longer at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinutesPassed {
    /// The wait clock (`span_clocks`): a goroutine of the process waited
    /// this many minutes longer at the end.
    Clock(u32),
    /// A goroutine started after the span began had waited `minutes` at its
    /// end (`gc_stamps`).
    Stamped { id: u64, minutes: u32 },
}

/// One group followed across the snapshots of one kind.
#[derive(Debug, Clone)]
pub struct Series {
    pub key: GroupKey,
    pub op: BlockingOp,
    /// Representative stack from the latest snapshot the group is in.
    pub frames: Vec<FrameRef>,
    pub created_by: Option<FrameRef>,
    /// The judged value (count, or bytes) per snapshot; 0 where absent.
    pub values: Vec<i64>,
    /// Every sample value per snapshot (for memory: all four types).
    pub all_values: Vec<Vec<i64>>,
    /// Largest wait in minutes per snapshot (debug=2 only).
    pub waits: Vec<Option<u32>>,
    /// Goroutine ids present in every snapshot (debug=2 only); `None` when
    /// ids are not known for every snapshot.
    pub persistent_ids: Option<usize>,
    /// Goroutines per parent goroutine id, in the last snapshot.
    pub parents: BTreeMap<u64, u32>,
    /// The lengths of the runs of consecutive goroutine ids of the group in
    /// the latest snapshot that knows its ids, in id order (empty without
    /// ids): the runtime hands out ids in order, so goroutines started
    /// together by one loop or fan-out are consecutive.
    pub id_runs: Vec<u32>,
    /// Where the group's goroutine ids lie among the ids the process handed
    /// out, in the latest snapshot that knows them ([`IdClock`]); `None`
    /// without ids or with too few goroutines to tell.
    pub id_clock: Option<IdClock>,
    /// A group blocked in WaitGroup.Wait (ids known): the long-lived
    /// goroutines it waits for, as far as the dump shows them ([`Siblings`]).
    pub waits_for: Option<Siblings>,
    /// Goroutine profiles: every goroutine that runs the same function as
    /// the group (its stack's bottom frame), in any state ([`Family`]).
    pub family: Option<Family>,
    /// A client connection's goroutines (net/http's `persistConn`
    /// `readLoop` or `writeLoop` at the bottom of the stack): per snapshot,
    /// the goroutines waiting on a round trip over such a connection
    /// (`net/http.(*persistConn).roundTrip` on their stack), the requests
    /// in flight that hold connections ([`Series::connections_follow_requests`]).
    /// `None` for other groups, and for heap profiles.
    pub requests_in_flight: Option<Vec<i64>>,
    /// Goroutines that come in sets: another group started in the same
    /// function numbers this one's sets in every snapshot ([`SiblingSet`]);
    /// `None` otherwise.
    pub sibling_set: Option<SiblingSet>,
    /// The snapshots are not all of one process ([`process_breaks`]): its
    /// goroutine ids were not followed across the break.
    pub across_processes: bool,
    /// debug=1: the runtime frames the text hid at the top of the stack
    /// (three for a channel operation, two for a select); 0 elsewhere.
    pub hidden_frames: u8,
    /// debug=1: the group's receive is ordered as runtime.chanrecv1 by the
    /// hidden addresses (a plain receive); false elsewhere.
    pub plain_receive: bool,
    /// debug=1: the group's nil-channel wait is a send by the hidden
    /// addresses (see [`Series::nil_send`]); false elsewhere.
    pub hidden_nil_send: bool,
    /// Per consecutive pair of snapshots (k, k+1): how many goroutine ids of
    /// the group in snapshot k are still in it in snapshot k+1, blocked in
    /// the same call (see `moved`); `None` where ids are not known in both
    /// (pprof, debug=1).
    pub survivors: Vec<Option<usize>>,
    /// Per consecutive pair of snapshots (k, k+1): goroutine ids of the
    /// group in both that are in another call of their top frames in k+1
    /// (their words changed in a way a move of the stack cannot explain:
    /// [`crate::model::CallWords::moved_from`]), or whose debug=2 wait is
    /// shorter than the time between the snapshots (woken in between:
    /// `woke`): a connection or worker goroutine that finished its wait
    /// and serves the next request. Not counted among the survivors. Only
    /// for waits that end when another goroutine acts
    /// ([`BlockingOp::ends_when_woken`]), and for sleeps by their words
    /// alone ([`BlockingOp::calls_followed`]: a sleep loop wakes between
    /// any two snapshots, in the same call); by the wait only in waits that
    /// end when served ([`BlockingOp::woken_by_service`]: a ticker wakes a
    /// loop in a receive or a select as often); `None` as `survivors`.
    pub moved: Vec<Option<usize>>,
    /// Per consecutive pair of snapshots (k, k+1): goroutine ids of the
    /// group in snapshot k that are in snapshot k+1 in another group (another
    /// stack or wait): alive, and no longer blocked where they were. A
    /// leaked goroutine never leaves its wait. `None` as `survivors`.
    pub left: Vec<Option<usize>>,
    /// Per consecutive pair of snapshots (k, k+1): goroutines of the group
    /// in snapshot k that had waited a minute or more there (debug=2 wait
    /// minutes) and are not in the group in k+1, gone or elsewhere: long
    /// waits of this call end (timers, long polls), where a leaked
    /// goroutine's never does. `None` as `survivors`.
    pub long_ended: Vec<Option<usize>>,
    /// Per consecutive pair of snapshots (k, k+1): goroutines of the group
    /// at k that had been in it at k−1 too (they outlived a whole interval
    /// in this wait) and are in no group at k+1: they exited. Waits of this
    /// call end, if slowly (timers, retries, sessions); a leaked goroutine
    /// never exits. A goroutine alive elsewhere is not counted (a loop
    /// that never exits moves between waits). 0 for the first pair; `None`
    /// where ids are not known in all three snapshots.
    pub survivors_gone: Vec<Option<usize>>,
    /// Per consecutive pair of snapshots (k, k+1): how many of the
    /// `survivors` had waited a minute or more at k+1 (debug=2 wait
    /// minutes): blocked in the same call since before that minute.
    /// `None` as `survivors`.
    pub survivors_waiting: Vec<Option<usize>>,
    /// Per snapshot k: how many ids of the group are in it in every snapshot
    /// from k to the last (the last entry is the last snapshot's count);
    /// `None` where ids are not known from k on.
    pub present_since: Vec<Option<usize>>,
    /// The goroutines present since the earliest snapshot some of them are
    /// there from to the last, in the same call (see
    /// [`Series::oldest_survivors`]), and how many of them had waited
    /// longer at the last snapshot than at that one (debug=2 wait minutes):
    /// `None` without ids, survivors, or waits followed per goroutine
    /// ([`BlockingOp::calls_followed`]).
    pub oldest_waits: Option<OldestWaits>,
    /// The wait clock from the snapshot of [`Series::oldest_waits`] to the
    /// last (see `span_clocks`).
    pub oldest_clock: Option<u32>,
    /// A goroutine started after the snapshot of [`Series::oldest_waits`]
    /// that had waited a minute or more at the last (see `gc_stamps`): a
    /// garbage collection stamped waits after that snapshot, a minute or
    /// more before the last. Its id and wait minutes.
    pub oldest_stamp: Option<(u64, u32)>,
    /// Parents in the last snapshot (Go 1.21+ `in goroutine N`, ids known):
    /// goroutines of the group whose parent is gone from the snapshot, whose
    /// parent is alive and waiting (WaitGroup, receive, select, cond), and
    /// whose parent is alive doing something else.
    pub parent_state: Option<ParentState>,
    /// Goroutines of the group in the last snapshot that started, from the
    /// function that waits (the first frame below the runtime's and the
    /// sync package's), goroutines still alive there (Go 1.21+ `in
    /// goroutine N`, ids known), and how many of the group's goroutines
    /// that snapshot holds: `None` where it records no parent.
    pub parents_of_live: Option<(u32, u32)>,
    /// The objects the group's goroutines of the last snapshot work for
    /// ([`crate::model::Objects`], ids known): `None` where the dump
    /// showed none for any of them.
    pub same_object: Option<SameObject>,
    /// Where goroutines of the group each worked for an object of their
    /// own (the receiver their stacks print) with one goroutine of another
    /// group that reads the network for it, started by the same function
    /// (a connection's reader, with its heartbeat or writer), and the
    /// reader exited between two snapshots (ids known in both) with no
    /// other reader of that object in the second: how many stayed and how
    /// many exited with it. `None` where no such reader exited.
    pub partners: Option<Partners>,
    /// Where the last snapshot names no parents (ids known, Go 1.20 and
    /// older): how many goroutines alive there were started by the
    /// function that waits (or a closure of it, by their `created by`),
    /// and how many of the group's goroutines that snapshot holds. Which
    /// of them started which is not recorded.
    pub children_by_creator: Option<(u32, u32)>,
    /// Counts only (no ids in any snapshot the group is in): the function
    /// `F` that starts the group's closure (`F.funcN`), when it is on the
    /// stack of a goroutine that waits for them in every snapshot the group
    /// is in: a fan-out its creator is collecting. Waiting is
    /// WaitGroup.Wait, or, when the goroutines work (sleep or run) rather
    /// than block, any channel operation.
    pub waiting_creator: Option<String>,
    pub labels: BTreeMap<String, BTreeSet<String>>,
    /// Largest number of `(leaked)` goroutines in one snapshot.
    pub leaked: u64,
    pub background: bool,
    pub states: BTreeMap<String, u64>,
    /// Memory: the distinct allocation stacks of the site, in any snapshot.
    pub stacks: Stacks,
    /// A memory profile series (bytes), not goroutines.
    pub memory: bool,
    /// Memory: the standard error of each value implied by its raw sample
    /// count and the sampling period; empty when unknown.
    pub sigma: Vec<f64>,
    pub trend: Trend,
}

/// The goroutines started like a group's (the same function at the bottom
/// of the stack), in every state: the workers of one pool whether idle,
/// busy or waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    /// The function they run (the bottom frame of the stack).
    pub entry: String,
    /// How many per snapshot, the group's own included.
    pub counts: Vec<i64>,
}

/// How a group grew against its [`Family`]: the steps at which it grew,
/// and those of them at which the family grew too (where new goroutines
/// may have joined it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyShift {
    pub grew: Vec<usize>,
    pub family_grew: Vec<usize>,
    /// The family ramped over several steps, not only at the group's
    /// first step of growth ([`Family::shift`] with `ramps`): the first
    /// step from which it held to the end.
    pub held_from: Option<usize>,
}

impl Family {
    /// Whether the group (`values`) grew at two or more steps while its
    /// family, from the group's first step of growth on, grew at that step
    /// at most (a pool that ramped up, then held): the rest of the group's
    /// growth is goroutines that were already running the same function,
    /// in another state, moving into the group (a fixed pool's workers
    /// between jobs), not new goroutines, which a leak adds at each step.
    ///
    /// With `ramps`, the family may also have grown at several steps
    /// (a pool that adds workers as its queue backs up, up to its bound),
    /// if it held from some step to the end. Only where ids show that
    /// goroutines leave the group again, as a leak's do not: in counts
    /// alone, a leak among goroutines in flight of the same function
    /// (senders that are stuck beside senders that will be received) holds
    /// its family at a step where those in flight drain, and looks the
    /// same.
    pub fn shift(&self, values: &[i64], ramps: bool) -> Option<FamilyShift> {
        let c = &self.counts;
        if c.len() != values.len() {
            return None;
        }
        let steps = values.len().saturating_sub(1);
        let grew: Vec<usize> = (0..steps).filter(|&k| values[k + 1] > values[k]).collect();
        if grew.len() < 2 {
            return None;
        }
        let first = grew[0];
        let family_grows = |k: usize| c[k + 1] > c[k];
        // In counts alone, a set that lost goroutines at a step where the
        // group grew is not a fixed set: its goroutines exit, and the
        // group's growth may be new ones among them (a leak beside
        // sessions that end).
        if !ramps && grew[1..].iter().any(|&k| c[k + 1] < c[k]) {
            return None;
        }
        if (first + 1..steps).all(|k| !family_grows(k)) {
            let family_grew = family_grows(first).then_some(first).into_iter().collect();
            return Some(FamilyShift {
                grew,
                family_grew,
                held_from: None,
            });
        }
        if !ramps {
            return None;
        }
        // The first step from which the family held to the end.
        let held_from = (0..steps).rev().take_while(|&k| !family_grows(k)).last()?;
        Some(FamilyShift {
            family_grew: (0..steps).filter(|&k| family_grows(k)).collect(),
            grew,
            held_from: Some(held_from),
        })
    }
}

/// Where the parents of a group's goroutines are, in the last snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ParentState {
    /// The parent goroutine is gone: nobody that started them is left.
    pub gone: u32,
    /// The parent is alive and blocked waiting (for them, most likely).
    pub waiting: u32,
    /// The parent is alive, running or blocked on something else, or
    /// waiting but started more of them since the snapshot before while
    /// some of them stayed (it did not wait for those all along).
    pub alive: u32,
    /// Of `alive`: goroutines whose parent started more of them since the
    /// snapshot before while some of them stayed, a long-lived caller (a
    /// worker loop) that every call's leftovers share.
    pub accumulating: u32,
}

impl Series {
    /// The number of the group's goroutines in the last snapshot, where
    /// every one of them started goroutines alive there from the function
    /// that waits ([`Series::parents_of_live`]): parents waiting for their
    /// children.
    pub fn all_with_live_children(&self) -> Option<u32> {
        self.parents_of_live
            .filter(|&(with, total)| total > 0 && with == total)
            .map(|(_, total)| total)
    }

    /// Where the dump names no parents ([`Series::children_by_creator`]):
    /// the goroutines the waiting function started that are alive, and the
    /// group's, when there are at least as many of those as of these (each
    /// waiter may have one to wait for).
    pub fn as_many_live_children(&self) -> Option<(u32, u32)> {
        self.children_by_creator
            .filter(|&(children, total)| total > 0 && children >= total)
    }

    /// Whether goroutine ids follow the group over two or more snapshots
    /// (debug=2, crash dumps): survivors are known at every step.
    pub fn ids_known(&self) -> bool {
        self.values.len() >= 2 && self.survivors.iter().all(Option::is_some)
    }

    pub fn max_wait(&self) -> Option<u32> {
        self.waits.iter().flatten().copied().max()
    }

    /// Goroutines that survived the last step (in the group in the last two
    /// snapshots): the lower bound of the leak. `None` without ids.
    pub fn leaked_at_least(&self) -> Option<usize> {
        self.survivors.last().copied().flatten()
    }

    /// Goroutines that stayed in the group over some step but were in a new
    /// call (see `moved`), over all steps. `None` without ids.
    pub fn moved(&self) -> Option<usize> {
        self.moved.iter().copied().sum()
    }

    /// How many goroutines of the group left its wait for another call or
    /// wait over all steps ([`Series::left`]), when that shows the wait
    /// ends: only for waits that end when another goroutine acts and that
    /// a loop does not return to by itself (a send, a lock, a condition, a
    /// WaitGroup, network I/O). A receive or a select may be a loop's
    /// timer (`for range ticker.C`), which a leaked loop leaves for its
    /// work too. `None` when none left or ids are unknown.
    pub fn left_the_wait(&self) -> Option<usize> {
        use crate::model::BlockingOp as B;
        let ends = matches!(
            self.op,
            B::ChanSend | B::Mutex | B::RwMutex | B::Cond | B::WaitGroup | B::IoWait
        );
        let left = self.left_total();
        (ends && left > 0).then_some(left)
    }

    /// Goroutines that had waited a minute or more and were no longer in
    /// the group at the next snapshot, over all steps
    /// ([`Series::long_ended`]); 0 without ids.
    pub fn long_ended_total(&self) -> usize {
        self.long_ended.iter().flatten().sum()
    }

    /// Goroutines that had outlived an interval in the group and then
    /// exited, over all steps ([`Series::survivors_gone`]); 0 without ids.
    pub fn survivors_gone_total(&self) -> usize {
        self.survivors_gone.iter().flatten().sum()
    }

    /// How many goroutines exited after staying in the group over an
    /// interval ([`Series::survivors_gone_total`]), when that shows its
    /// waits end: at least two (a set that turns over: sessions, retries,
    /// timers). `None` otherwise or without ids.
    pub fn exits_after_staying(&self) -> Option<usize> {
        Some(self.survivors_gone_total()).filter(|&gone| gone >= 2)
    }

    /// Goroutines that outlived their connection's reader
    /// ([`Series::partners`]): two or more stayed in the group after the
    /// reader started with them for their object exited, more than exited
    /// with theirs. A connection's reader exits when the connection ends;
    /// its heartbeat or writer, left working for it, waits for what
    /// nobody will send or cancel.
    pub fn outlived_readers(&self) -> Option<&Partners> {
        self.partners
            .as_ref()
            .filter(|p| p.outlived >= 2 && p.outlived > p.together)
    }

    /// Goroutines blocked in a plain channel send (not a select) most of
    /// whose parents have exited ([`Series::parent_state`], debug=2 of Go
    /// 1.21 and later): `(gone, total)`, with two goroutines of known
    /// parent at least, started by three or more goroutines (in the last
    /// snapshot). A result handed back by a plain send goes to the caller
    /// that started the goroutine; once that has returned, nobody
    /// receives: calls that each left a goroutine behind. One goroutine
    /// that started them all and returned is a manager that launched a
    /// set of workers or producers, whose channels others hold (a pool's
    /// workers, whose manager may return, receive anyway).
    pub fn orphaned_senders(&self) -> Option<(u32, u32)> {
        let p = self.parent_state?;
        let total = p.gone + p.waiting + p.alive;
        (self.op == BlockingOp::ChanSend
            && total >= 2
            && p.gone * 2 > total
            && self.parents.len() >= 3)
            .then_some((p.gone, total))
    }

    /// A client connection's goroutines whose count follows the requests
    /// in flight ([`Series::requests_in_flight`]): at every snapshot, the
    /// connections (the goroutines of the group's function in any state)
    /// beyond those carrying a request (idle in the
    /// Transport's pool, at most `MaxIdleConnsPerHost` per host) were no
    /// more than at the first snapshot, or two. A Transport keeps a
    /// connection per request in flight and a bounded number idle, so the
    /// group's growth is requests in flight; a leak of connections (a
    /// Transport made per request and never closed, a response body left
    /// open: its `readLoop` waits elsewhere) grows the connections without
    /// the requests. Requests that hang forever hold their connections
    /// too: their callers' own group, in the round trip, is judged on its
    /// own. Returns the connections and the requests per snapshot.
    pub fn connections_follow_requests(&self) -> Option<(&[i64], &[i64])> {
        let r = self.requests_in_flight.as_deref()?;
        // Every connection's goroutine, in any state: a connection whose
        // response body was left open waits elsewhere in its loop.
        let v = self.family.as_ref().map_or(&self.values, |f| &f.counts);
        if r.len() != v.len() || v.len() < 2 || r.iter().all(|&x| x == 0) {
            return None;
        }
        let idle: Vec<i64> = v.iter().zip(r).map(|(c, q)| c - q).collect();
        let bound = idle[0].max(2);
        idle.iter()
            .all(|&i| i <= bound)
            .then_some((v.as_slice(), r))
    }

    /// Goroutines that left the group for another call or wait, over all
    /// steps ([`Series::left`]); 0 without ids.
    pub fn left_total(&self) -> usize {
        self.left.iter().flatten().sum()
    }

    /// The earliest snapshot (0-based) from which some goroutines of the
    /// group are present in every snapshot to the last, with their number.
    /// Only before the last snapshot; `None` without ids or survivors.
    pub fn oldest_survivors(&self) -> Option<(usize, usize)> {
        let n = self.present_since.len();
        (0..n.saturating_sub(1))
            .find_map(|k| self.present_since[k].filter(|&c| c > 0).map(|c| (k, c)))
    }

    /// Ids were known in every snapshot and the group grew, yet no goroutine
    /// of it stayed from one snapshot to the next: short-lived goroutines
    /// caught in flight, not a leak.
    pub fn churning(&self) -> bool {
        !self.survivors.is_empty()
            && self.survivors.iter().all(|s| *s == Some(0))
            && self.values.iter().filter(|&&v| v > 0).count() >= 2
    }

    /// Ids that joined the group and stayed. A leaked goroutine never
    /// exits, so (three or more snapshots) more goroutines survived the last
    /// step than were there from the start (the survivors accumulate, rather
    /// than a fixed set of long-lived goroutines with churn around them), and
    /// those that survived the step before are mostly still there at the end
    /// (stragglers of a burst that happen to outlive one snapshot are gone by
    /// the next); where nothing survived the step before, most of the
    /// previous snapshot's goroutines must have survived the last one. Two
    /// snapshots: at least half of the first snapshot's goroutines survived.
    pub fn survivors_accumulate(&self) -> bool {
        let n = self.values.len();
        let Some(l) = self.leaked_at_least() else {
            return false;
        };
        if n == 2 {
            return l >= 2 && l as i64 * 2 >= self.values[0];
        }
        if n < 3 || l < 2 {
            return false;
        }
        let since_first = self.present_since[0].unwrap_or(0);
        let before = self.survivors[n - 3].unwrap_or(0);
        let kept = self.present_since[n - 3].unwrap_or(0);
        let persist = if before > 0 {
            kept * 2 >= before
        } else {
            l as i64 * 2 >= self.values[n - 2]
        };
        l > since_first && !self.grew_by_one_at_most() && persist
    }

    /// Blocked sending on a nil channel: the debug=2 wait reason says
    /// `chan send (nil chan)`, the stack parks in `runtime.chansend`
    /// (pprof), or the addresses of the frames debug=1 hides are a send's.
    /// A send on a nil channel outside a `select` never completes and is
    /// never written to block on purpose, unlike `select {}` or a receive
    /// from a channel left nil, with which a program may park a goroutine
    /// for good.
    pub fn nil_send(&self) -> bool {
        self.op == BlockingOp::NilChan
            && (self.hidden_nil_send
                || self.states.keys().any(|k| k.starts_with("chan send"))
                || self
                    .frames
                    .iter()
                    .take(4)
                    .any(|f| f.function == "runtime.chansend"))
    }

    /// Over three or more snapshots, the group grew by one goroutine at most
    /// from the first to the last: one step of one goroutine, not an
    /// accumulation, whatever turnover its ids show.
    pub fn grew_by_one_at_most(&self) -> bool {
        let n = self.values.len();
        n >= 3 && self.values[n - 1] - self.values[0] < 2
    }

    /// Goroutines that stay in the group, each in a new call at every step
    /// (a loop that goes round: a ticker's receive, a serve loop), and
    /// accumulate: counted as [`Series::survivors_accumulate`] counts, with
    /// the goroutines that moved (`survivors + moved` per step). More were
    /// in the group at both ends of the last step than of the first, and
    /// they are most of the previous snapshot's goroutines. Only where some
    /// moved.
    pub fn loops_accumulate(&self) -> bool {
        let n = self.values.len();
        if n < 2 || self.moved().unwrap_or(0) == 0 {
            return false;
        }
        let both =
            |k: usize| self.survivors[k].unwrap_or(0) as i64 + self.moved[k].unwrap_or(0) as i64;
        let last = both(n - 2);
        if last < 2 || last * 2 < self.values[n - 2] {
            return false;
        }
        n == 2 || last > both(0)
    }

    /// The survivors of the last step that had been blocked a minute or
    /// more at the last snapshot, where they are stuck: the group waits in
    /// an operation a live program completes within seconds
    /// ([`BlockingOp::brief_when_healthy`]), no long wait of the group
    /// ended (a long wait that ends is one the program allows), and they
    /// are at least two and at least a quarter of the step's survivors (one
    /// long wait among many is no sign for the group). `None` otherwise or
    /// without ids.
    pub fn stuck_for_minutes(&self) -> Option<usize> {
        if !self.op.brief_when_healthy() || self.long_ended_total() > 0 {
            return None;
        }
        let waiting = self.survivors_waiting.last().copied().flatten()?;
        let survived = self.survivors.last().copied().flatten()?;
        (waiting >= 2 && 4 * waiting >= survived).then_some(waiting)
    }

    /// The longest debug=2 wait grew across the snapshots (known in at least
    /// two, non-decreasing, and at least a minute more at the end): the
    /// oldest goroutines of the group stay blocked as time passes; no
    /// goroutine of the group that had waited a minute or more left it
    /// ([`Series::long_ended`]), nor did two that had stayed over an
    /// interval exit ([`Series::exits_after_staying`]); and most of the
    /// goroutines there since the earliest snapshot waited longer at the
    /// last ([`Series::woken_oldest`]).
    pub fn waits_grow(&self) -> bool {
        self.longest_wait_grows() && self.woken_oldest().is_none() && self.select_woken().is_none()
    }

    /// The longest wait grew, as in [`Series::waits_grow`], but goroutines
    /// of the group finished this select between snapshots
    /// ([`Series::select_woken`]): how many did.
    pub fn grown_wait_of_woken_select(&self) -> Option<usize> {
        self.select_woken()
            .filter(|_| self.longest_wait_grows() && self.woken_oldest().is_none())
    }

    /// A select that goroutines of the group finished between snapshots,
    /// going back to it ([`Series::moved`]: same id and stack, a new call
    /// of their top frames) or on to other work, alive
    /// ([`Series::left`]): it wakes for its goroutines, as an event loop's,
    /// a match's or a long poll's does, so a longest wait that grows is a
    /// long wait of one that did not wake yet, not proof of a stuck one.
    /// How many did; `None` for other waits, or where none did.
    pub fn select_woken(&self) -> Option<usize> {
        (self.op == crate::model::BlockingOp::Select)
            .then(|| Some(self.moved()? + self.left_total()))
            .flatten()
            .filter(|&m| m > 0)
    }

    /// The longest debug=2 wait grew across the snapshots, as in
    /// [`Series::waits_grow`], whatever the waits of the others.
    fn longest_wait_grows(&self) -> bool {
        let known: Vec<u32> = self.waits.iter().flatten().copied().collect();
        // Where waits of a minute or more ended, or goroutines that had
        // waited a whole interval exited, the longest wait grows with the
        // clock as much for timers and long polls as for stuck goroutines:
        // a stuck goroutine never leaves its wait.
        self.long_ended_total() == 0
            && self.exits_after_staying().is_none()
            && known.len() >= 2
            && known.windows(2).all(|w| w[1] >= w[0])
            && known[known.len() - 1] > known[0]
            && self.waits.last().copied().flatten().is_some()
    }

    /// Most of the goroutines present in the group since the earliest
    /// snapshot (in the same call) had waited no longer at the last
    /// snapshot than at that one, though more than a minute passed between
    /// them (the process's wait clock over that span is two or more), or a
    /// collection stamped waits between them ([`Series::oldest_stamp`]): a
    /// stuck goroutine's wait grows with the clock, so they were woken in
    /// between and came back. Only in waits that end when served
    /// ([`BlockingOp::woken_by_service`]): a ticker, a timer or a broadcast
    /// wakes a loop that never exits as often. `None` otherwise.
    pub fn woken_while_minutes_passed(&self) -> Option<(OldestWaits, MinutesPassed)> {
        let o = self.oldest_waits?;
        if o.present < 2 || !o.mostly_woken() || !self.op.woken_by_service() {
            return None;
        }
        match (self.oldest_clock, self.oldest_stamp) {
            (Some(clock), _) if clock >= 2 => Some((o, MinutesPassed::Clock(clock))),
            (_, Some((id, minutes))) => Some((o, MinutesPassed::Stamped { id, minutes })),
            _ => None,
        }
    }

    /// The longest wait grew, but most of the goroutines present in the
    /// group in every snapshot (in the same call) had waited no longer at
    /// the last snapshot than at the first: a stuck goroutine's wait grows
    /// with the clock, so those were woken in between and came back (the
    /// members of a set woken by work, such as per-key workers; only its
    /// idle ones wait long). Only for those there all along, whose waits
    /// span the whole series as the longest wait's growth does (goroutines
    /// stuck over the last interval only show a minute more only if they
    /// were stuck long enough before it). `None` where the longest wait
    /// did not grow, or where most of them waited longer (or their waits
    /// are not known).
    pub fn woken_oldest(&self) -> Option<OldestWaits> {
        self.oldest_waits
            .filter(|o| o.since == 0 && o.present > 0 && o.mostly_woken())
            .filter(|_| self.longest_wait_grows())
    }

    pub fn last(&self) -> i64 {
        self.values.last().copied().unwrap_or(0)
    }

    /// The leaking site: for goroutines, the first frame of the program's
    /// own code, else (a stack made only of the standard library, such as an
    /// HTTP connection loop) the goroutine's entry function; for memory, the
    /// first frame outside the runtime and allocator. The leaf when nothing
    /// else qualifies.
    pub fn site(&self) -> Option<&FrameRef> {
        use crate::model::normalize::{is_runtime_function, is_std_package, package_path};
        let own = |f: &&FrameRef| {
            !package_path(&f.function).is_some_and(is_std_package)
                && !is_runtime_function(&f.function)
        };
        let outside_runtime = |f: &&FrameRef| !is_runtime_function(&f.function);
        if !self.memory {
            self.frames
                .iter()
                .find(own)
                .or_else(|| self.frames.iter().rev().find(outside_runtime))
                .or_else(|| self.frames.first())
        } else {
            self.frames
                .iter()
                .find(outside_runtime)
                .or_else(|| self.frames.first())
        }
    }
}

/// A run that mixes formats of one process (debug=1 text with a protobuf or
/// debug=2 snapshot): a group of the poorer format takes the operation and
/// created-by of the richer one with the same frames, so they are one
/// series. debug=1 records no operation (or a plainer one) and no created-by;
/// protobuf no created-by; debug=2 hides chanrecv2. Frames that several
/// richer keys share (two creators) are left as they are.
pub fn complete_keys(per: &mut [Vec<Group>]) {
    use std::collections::BTreeMap;
    // The operation two formats' views of one goroutine share: equal, or one
    // hides what the other shows.
    let join = |a: BlockingOp, b: BlockingOp| -> Option<BlockingOp> {
        use BlockingOp::*;
        match (a, b) {
            _ if a == b => Some(a),
            (Other, x) | (x, Other) => Some(x),
            (ChanReceive, x @ (RangeReceive | NilChan))
            | (x @ (RangeReceive | NilChan), ChanReceive) => Some(x),
            (ChanSend, NilChan) | (NilChan, ChanSend) => Some(NilChan),
            (Select, SelectNoCases) | (SelectNoCases, Select) => Some(SelectNoCases),
            _ => None,
        }
    };
    let mut merged: BTreeMap<Box<[u32]>, Option<GroupKey>> = BTreeMap::new();
    for g in per.iter().flatten() {
        let slot = merged
            .entry(g.key.frames.clone())
            .or_insert_with(|| Some(g.key.clone()));
        let Some(m) = slot else { continue };
        let op = join(m.op, g.key.op);
        let created = match (m.created_by, g.key.created_by) {
            (Some(a), Some(b)) if a != b => None,
            (a, b) => Some(a.or(b)),
        };
        *slot = match (op, created) {
            (Some(op), Some(created_by)) => Some(GroupKey {
                op,
                frames: m.frames.clone(),
                created_by,
            }),
            _ => None,
        };
    }
    for g in per.iter_mut().flatten() {
        if let Some(Some(k)) = merged.get(&g.key.frames) {
            if *k != g.key {
                g.key = k.clone();
                g.op = k.op;
            }
        }
    }
}

/// Groups each snapshot (all of one kind, in order) and follows every group
/// across them. `value_index` picks the judged sample value; `noise` is the
/// relative change treated as none.
pub fn diff(
    snapshots: &[&Snapshot],
    grouper: &mut Grouper,
    value_index: usize,
    noise: f64,
) -> (Vec<Series>, Vec<String>) {
    grouper.collect_stacks = true;
    grouper.skip_profiler = true;
    let mut per: Vec<Vec<Group>> = snapshots
        .iter()
        .map(|s| grouper.group(s, value_index).groups)
        .collect();
    if snapshots.iter().any(|s| s.format != snapshots[0].format) {
        complete_keys(&mut per);
    }
    let ids: Vec<IdFacts> = snapshots
        .iter()
        .map(|s| IdFacts {
            known: crate::group::ids_known(s),
            ends_process: s.ends_process.clone(),
            whole: crate::group::whole(s),
        })
        .collect();
    // The operation of every goroutine of the last snapshot, by id: where the
    // parents are.
    let last_ops = match (snapshots.last(), ids.last()) {
        (Some(s), Some(IdFacts { known: true, .. })) => {
            Some(crate::group::goroutine_ops(s).into_iter().collect())
        }
        _ => None,
    };
    let memory = snapshots.first().is_some_and(|s| s.kind.is_memory());
    diff_groups(per, &ids, last_ops, memory, grouper, value_index, noise)
}

/// [`diff`] of snapshots already grouped (with `grouper`'s key and name
/// tables, stacks collected, profiler frames skipped): their groups in
/// order, what each says of its goroutine ids ([`IdFacts`]), the
/// operation of every goroutine of the last one by id (when it knows
/// them), and whether they are memory profiles. Returns the series and
/// notes for the report: snapshots whose goroutine ids cannot be followed
/// ([`process_breaks`]) or that are out of order ([`out_of_order`]).
pub fn diff_groups(
    mut per: Vec<Vec<Group>>,
    ids: &[IdFacts],
    last_ops: Option<FxHashMap<u64, BlockingOp>>,
    memory: bool,
    grouper: &Grouper,
    value_index: usize,
    noise: f64,
) -> (Vec<Series>, Vec<String>) {
    let n = per.len();
    // Ids are followed only within one process: the snapshot before a
    // break is read as counts only.
    let mut ids_known: Vec<bool> = ids.iter().map(|f| f.known).collect();
    let ends: Vec<Option<&str>> = ids.iter().map(|f| f.ends_process.as_deref()).collect();
    let breaks = process_breaks(&per, &ids_known, &ends);
    let across_processes = !breaks.is_empty();
    let mut notes = Vec::with_capacity(breaks.len());
    for (k, note) in breaks {
        ids_known[k] = false;
        for g in &mut per[k] {
            g.ids.clear();
            g.calls.clear();
            g.objects.clear();
        }
        notes.push(note);
    }
    let ids_known = &ids_known[..];
    let whole: Vec<bool> = ids.iter().map(|f| f.whole).collect();
    notes.extend(out_of_order(&per, ids_known));
    unify_unknown_ops(&mut per);
    merge_woken(&mut per);
    // The latest goroutine id each snapshot holds: the ids the process had
    // handed out by then (0 without ids).
    let latest_ids: Vec<u64> = per
        .iter()
        .map(|groups| {
            groups
                .iter()
                .flat_map(|g| g.ids.iter().copied())
                .max()
                .unwrap_or(0)
        })
        .collect();
    // The goroutines of the last snapshot that started one alive there,
    // with the functions whose go statements started those.
    let mut live_parents: FxHashMap<u64, Vec<String>> = FxHashMap::default();
    if let (Some(groups), Some(true)) = (per.last(), ids_known.last()) {
        for g in groups {
            let creator = g.created_by.as_ref().map_or("", |f| f.function.as_str());
            for &p in g.parents.keys() {
                let c = live_parents.entry(p).or_default();
                if !c.iter().any(|x| x == creator) {
                    c.push(creator.to_string());
                }
            }
        }
    }
    // Where no goroutine names its parent (ids known): the goroutines of the
    // last snapshot per function whose go statement started them, counted
    // for that function and for each function it is a closure of (`F.func1`
    // counts for `F`), as `started_by` reads them.
    let mut live_started: FxHashMap<String, usize> = FxHashMap::default();
    if live_parents.is_empty() && ids_known.last() == Some(&true) {
        for g in per.last().into_iter().flatten() {
            let mut c = g.created_by.as_ref().map(|f| f.function.as_str());
            while let Some(f) = c {
                *live_started.entry(f.to_string()).or_default() += g.ids.len();
                c = crate::model::closure_creator(f);
            }
        }
    }
    // Which functions the stacks show calling which: a waiter's go
    // statements may be in a function it calls (`run` calls `serve`, which
    // starts the follow-ups `run` waits for).
    let calls = std::cell::OnceCell::new();
    let last_objects = std::cell::OnceCell::new();
    // The ids handed out over the first step and over the last.
    let paces = (n >= 3 && latest_ids.windows(2).all(|w| 0 < w[0] && w[0] < w[1])).then(|| {
        (
            latest_ids[1] - latest_ids[0],
            latest_ids[n - 1] - latest_ids[n - 2],
        )
    });
    let mut index: FxHashMap<GroupKey, usize> = FxHashMap::default();
    let mut slot_of: Vec<Vec<usize>> = Vec::with_capacity(n);
    let mut n_slots = 0;
    for groups in &per {
        slot_of.push(
            groups
                .iter()
                .map(|g| {
                    *index.entry(g.key.clone()).or_insert_with(|| {
                        n_slots += 1;
                        n_slots - 1
                    })
                })
                .collect(),
        );
    }
    // The stacks of a series are those of its groups, moved (memory
    // profiles have many per site), not copied.
    let mut stacks: Vec<BTreeSet<std::sync::Arc<[crate::model::Sym]>>> =
        vec![BTreeSet::new(); n_slots];
    for (groups, slots) in per.iter_mut().zip(&slot_of) {
        for (g, &i) in groups.iter_mut().zip(slots) {
            let f = std::mem::take(&mut g.stacks);
            if stacks[i].is_empty() {
                stacks[i] = f;
            } else {
                stacks[i].extend(f);
            }
        }
    }
    let Between {
        clocks,
        left: mut left_of,
        ended: mut ended_of,
        gone: mut gone_of,
        partners: partners_of,
    } = between_snapshots(&per, &slot_of, ids_known);
    // Both only for the groups that need them, once.
    let clocks_to_last = std::cell::OnceCell::new();
    let stamps_to_last = std::cell::OnceCell::new();
    let requests = std::cell::OnceCell::new();
    let mut slots: Vec<Vec<Option<&Group>>> = vec![vec![None; n]; n_slots];
    for (si, (groups, of)) in per.iter().zip(&slot_of).enumerate() {
        for (g, &i) in groups.iter().zip(of) {
            slots[i][si] = Some(g);
        }
    }
    // Each group's readers named by the entry function of the readers'
    // group most of them had.
    let mut partners_of: FxHashMap<usize, Partners> = partners_of
        .into_iter()
        .map(|(slot, (mut p, with))| {
            p.function = with
                .into_iter()
                .max_by_key(|&(s, c)| (c, std::cmp::Reverse(s)))
                .and_then(|(s, _)| slots[s].iter().flatten().next())
                .and_then(|g| g.frames.last())
                .map(|f| f.function.clone())
                .unwrap_or_default();
            (slot, p)
        })
        .collect();
    let names = std::sync::Arc::new(grouper.names.clone());
    // Counts only: per snapshot, by each function on their stacks, the
    // goroutines waiting on a WaitGroup, and those blocked on a channel (a
    // receive, a select or a send).
    let waiters: Vec<FxHashMap<&str, Waiters>> = per
        .iter()
        .zip(ids_known)
        .map(|(groups, &known)| {
            let mut m: FxHashMap<&str, Waiters> = FxHashMap::default();
            if known || memory {
                return m;
            }
            for g in groups {
                // debug=1 hides a channel operation's runtime frames (two
                // for a select, three for a send or a receive).
                let channel = matches!(
                    g.op,
                    BlockingOp::ChanSend
                        | BlockingOp::ChanReceive
                        | BlockingOp::RangeReceive
                        | BlockingOp::Select
                ) || g.op == BlockingOp::Other && g.hidden_frames >= 2;
                if g.op != BlockingOp::WaitGroup && !channel {
                    continue;
                }
                let mut seen: Vec<&str> = Vec::new();
                for f in &g.frames {
                    if !seen.contains(&f.function.as_str()) {
                        seen.push(&f.function);
                        let w = m.entry(&f.function).or_default();
                        if channel {
                            w.channel += g.value(value_index);
                        } else {
                            w.wait_group += g.value(value_index);
                        }
                    }
                }
            }
            m
        })
        .collect();
    // Goroutines per family, per snapshot.
    let families: Vec<FxHashMap<FamilyKey<'_>, i64>> = per
        .iter()
        .map(|groups| {
            let mut m: FxHashMap<FamilyKey<'_>, i64> = FxHashMap::default();
            if !memory {
                for g in groups {
                    if let Some(k) = family_key(g) {
                        *m.entry(k).or_default() += g.value(value_index);
                    }
                }
            }
            m
        })
        .collect();
    let mut out = Vec::with_capacity(slots.len());
    for (slot, (present, stacks)) in slots.into_iter().zip(stacks).enumerate() {
        let latest = present
            .iter()
            .rev()
            .flatten()
            .next()
            .copied()
            .expect("a group is in some snapshot");
        let entry = family_key(latest);
        let values: Vec<i64> = present
            .iter()
            .map(|g| g.map_or(0, |g| g.value(value_index)))
            .collect();
        let width = latest.values.len();
        let all_values: Vec<Vec<i64>> = present
            .iter()
            .map(|g| g.map_or_else(|| vec![0; width], |g| g.values.clone()))
            .collect();
        let waits = present.iter().map(|g| g.and_then(|g| g.wait_max)).collect();
        let op = present
            .iter()
            .rev()
            .flatten()
            .map(|g| g.op)
            .max_by_key(|&op| crate::group::op_specificity(op))
            .unwrap_or(latest.op);
        // Each id with the words of its top frames and its wait.
        let id_sets: Vec<Option<FxHashMap<u64, Called>>> = present
            .iter()
            .zip(ids_known)
            .map(|(g, &known)| known.then(|| g.map(|g| called(g).collect()).unwrap_or_default()))
            .collect();
        let judge_moves = op.calls_followed();
        // A sleep loop wakes between any two snapshots: for sleeps, only
        // the words of the calls tell; so does a ticker's loop in a
        // receive or a select, or a broadcast's waiter: a wait cut short
        // says the goroutine was served only where that alone ends it.
        let judge_waits = op.woken_by_service();
        // Whether the goroutine `id` (`now` in snapshot k + 1) is in
        // snapshot k (`before`) blocked in the same call all along.
        let stayed = |k: usize, before: &FxHashMap<u64, Called>, id: &u64, now: &Called| {
            before.get(id).is_some_and(|b| {
                !(judge_moves
                    && (now.0.moved_from(&b.0) || (judge_waits && woke(b.1, now.1, clocks[k]))))
            })
        };
        let mut survivors_waiting = Vec::with_capacity(n.saturating_sub(1));
        let (survivors, moved): (Vec<Option<usize>>, Vec<Option<usize>>) = id_sets
            .windows(2)
            .enumerate()
            .map(|(k, w)| match (&w[0], &w[1]) {
                (Some(a), Some(b)) => {
                    let both = b.keys().filter(|id| a.contains_key(id)).count();
                    let (mut kept, mut waiting) = (0, 0);
                    for (id, c) in b {
                        if stayed(k, a, id, c) {
                            kept += 1;
                            waiting += usize::from(c.1 >= 1);
                        }
                    }
                    survivors_waiting.push(Some(waiting));
                    (Some(kept), Some(both - kept))
                }
                _ => {
                    survivors_waiting.push(None);
                    (None, None)
                }
            })
            .unzip();
        let mut present_since: Vec<Option<usize>> = vec![None; n];
        let mut oldest_waits = None;
        if let Some(Some(last)) = id_sets.last() {
            // The ids of the last snapshot that were there, in the same
            // call, in every snapshot from k on.
            let mut common: FxHashSet<u64> = last.keys().copied().collect();
            present_since[n - 1] = Some(common.len());
            for k in (0..n - 1).rev() {
                match (&id_sets[k], &id_sets[k + 1]) {
                    (Some(ids), Some(next)) => {
                        common.retain(|id| next.get(id).is_some_and(|c| stayed(k, ids, id, c)));
                        present_since[k] = Some(common.len());
                        if judge_moves && !common.is_empty() {
                            // Each one's wait where the waits are followed
                            // (the words of the calls are recorded).
                            let grew = common.iter().filter(|id| last[*id].1 > ids[*id].1).count();
                            oldest_waits = Some(OldestWaits {
                                since: k,
                                present: common.len(),
                                grew,
                            });
                        }
                    }
                    _ => break,
                }
            }
        }
        // Ids present, in the same call, in every snapshot.
        let persistent_ids = if ids_known.iter().all(|&k| k) && present.iter().all(|g| g.is_some())
        {
            Some(present_since[0].unwrap_or(0))
        } else if ids_known.iter().all(|&k| k) {
            Some(0)
        } else {
            None
        };
        let id_runs = present
            .iter()
            .zip(ids_known)
            .rev()
            .find_map(|(g, &known)| g.filter(|_| known))
            .map(|g| id_runs(&g.ids))
            .unwrap_or_default();
        let id_clock = present
            .iter()
            .zip(ids_known)
            .zip(&latest_ids)
            .rev()
            .find_map(|((g, &known), &latest)| g.filter(|_| known).map(|g| (g, latest)))
            .and_then(|(g, latest)| IdClock::of(&g.ids, latest, paces));
        // The same parent in the snapshot before, where goroutines of the
        // group stayed over the last step.
        let before = (n >= 2 && survivors.last().copied().flatten().unwrap_or(0) > 0)
            .then(|| present[n - 2])
            .flatten();
        let parent_state = match (&last_ops, present.last().copied().flatten()) {
            (Some(ops), Some(g)) if !g.parents.is_empty() => {
                let mut p = ParentState::default();
                for (&parent, &count) in &g.parents {
                    // A parent that started more of them since the snapshot
                    // before was not blocked waiting all that time: what it
                    // waits for now is not the goroutines that stayed.
                    let started_more = before
                        .and_then(|b| b.parents.get(&parent))
                        .is_some_and(|&was| was > 0 && count > was);
                    match ops.get(&parent) {
                        None => p.gone += count,
                        Some(op) if op.waits_for_others() && !started_more => p.waiting += count,
                        Some(_) => {
                            p.alive += count;
                            if started_more {
                                p.accumulating += count;
                            }
                        }
                    }
                }
                Some(p)
            }
            _ => None,
        };
        let waiting_creator = waiting_creator(&present, ids_known, &waiters, latest);
        let sigma = if memory {
            sampling_sigma(&values, &present)
        } else {
            Vec::new()
        };
        let mut labels: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut states: BTreeMap<String, u64> = BTreeMap::new();
        for g in present.iter().flatten() {
            for (k, v) in &g.labels {
                labels
                    .entry(k.clone())
                    .or_default()
                    .extend(v.iter().cloned());
            }
        }
        for (k, v) in &latest.states {
            *states.entry(k.clone()).or_default() += v;
        }
        let trend = if sigma.len() == values.len() && !sigma.is_empty() {
            Trend::judge_sampled(&values, &sigma)
        } else {
            Trend::judge(&values, noise)
        };
        out.push(Series {
            key: latest.key.clone(),
            op,
            frames: latest.frames.clone(),
            // A debug=1 or protobuf snapshot has none; a debug=2 one of the
            // same run may.
            created_by: present
                .iter()
                .rev()
                .flatten()
                .find_map(|g| g.created_by.clone())
                .or_else(|| latest.created_by.clone()),
            values,
            all_values,
            waits,
            persistent_ids,
            parents: latest.parents.clone(),
            id_runs,
            id_clock,
            waits_for: None,
            sibling_set: None,
            requests_in_flight: entry
                .filter(|&k| !memory && HTTP_CONN_LOOPS.contains(&k))
                .map(|_| {
                    requests
                        .get_or_init(|| round_trips(&per, value_index))
                        .clone()
                }),
            family: entry.map(|k| Family {
                entry: k.to_string(),
                counts: families
                    .iter()
                    .map(|m| m.get(&k).copied().unwrap_or(0))
                    .collect(),
            }),
            across_processes,
            hidden_frames: present
                .iter()
                .flatten()
                .map(|g| g.hidden_frames)
                .max()
                .unwrap_or(0),
            plain_receive: present.iter().flatten().any(|g| g.plain_receive),
            hidden_nil_send: present.iter().flatten().any(|g| g.hidden_nil_send),
            left: Between::per_step(&mut left_of, slot, ids_known),
            long_ended: Between::per_step(&mut ended_of, slot, ids_known),
            survivors_gone: Between::per_step_of_three(&mut gone_of, slot, ids_known),
            survivors,
            survivors_waiting,
            moved,
            present_since,
            oldest_waits,
            oldest_clock: oldest_waits
                .and_then(|o| clocks_to_last.get_or_init(|| span_clocks(&per, ids_known))[o.since]),
            oldest_stamp: oldest_waits.and_then(|o| {
                stamps_to_last.get_or_init(|| gc_stamps(&per, ids_known, &whole, &latest_ids))
                    [o.since]
            }),
            parent_state,
            parents_of_live: present
                .last()
                .copied()
                .flatten()
                .filter(|g| !live_parents.is_empty() && !g.ids.is_empty())
                .map(|g| {
                    let starters = starters(
                        calls.get_or_init(|| call_graph(&per)),
                        waiting_function(&g.frames),
                    );
                    let with = g
                        .ids
                        .iter()
                        .filter(|id| {
                            live_parents.get(id).is_some_and(|c| {
                                c.iter().any(|x| starters.iter().any(|w| started_by(x, w)))
                            })
                        })
                        .count();
                    (with as u32, g.ids.len() as u32)
                }),
            same_object: present
                .last()
                .copied()
                .flatten()
                .filter(|_| ids_known.last() == Some(&true))
                .and_then(|g| {
                    let objects =
                        last_objects.get_or_init(|| objects(&per[n - 1], &slot_of[n - 1]));
                    same_object(objects, g, slot)
                }),
            partners: partners_of.remove(&slot),
            children_by_creator: present
                .last()
                .copied()
                .flatten()
                .filter(|g| {
                    live_parents.is_empty() && ids_known.last() == Some(&true) && !g.ids.is_empty()
                })
                .map(|g| {
                    // The group's own goroutines are not its children.
                    let starters = starters(
                        calls.get_or_init(|| call_graph(&per)),
                        waiting_function(&g.frames),
                    );
                    let own = g
                        .created_by
                        .as_ref()
                        .filter(|c| starters.iter().any(|w| started_by(&c.function, w)))
                        .map_or(0, |_| g.ids.len());
                    // Each goroutine once: a starter that is a closure of
                    // another counts among that one's.
                    let children = starters
                        .iter()
                        .filter(|w| !starters.iter().any(|v| v != *w && started_by(w, v)))
                        .map(|w| live_started.get(*w).copied().unwrap_or(0))
                        .sum::<usize>()
                        - own;
                    (children as u32, g.ids.len() as u32)
                }),
            waiting_creator,
            labels,
            leaked: present
                .iter()
                .flatten()
                .map(|g| g.leaked)
                .max()
                .unwrap_or(0),
            background: latest.background,
            states,
            stacks: Stacks::new(names.clone(), stacks),
            memory,
            sigma,
            trend,
        });
    }
    waits_for_siblings(&mut out);
    sibling_sets(&mut out);
    (out, notes)
}

/// A goroutine lives from its start to its end, so in snapshots of one
/// process taken in time order, the snapshots that hold its id follow one
/// another. A note when some id is in two snapshots and missing from one
/// between them (runtime-owned goroutines left out: the finalizer goroutine
/// shows only while it runs finalizers): the snapshots are not in the order
/// they were taken, or one of them is incomplete.
pub fn out_of_order(per: &[Vec<Group>], ids_known: &[bool]) -> Option<String> {
    let ids_in = |k: usize| {
        per[k]
            .iter()
            .filter(|g| !g.background)
            .flat_map(|g| g.ids.iter().copied())
    };
    // Three consecutive snapshots that know ids at a time (two sets held):
    // ids of the third that were in the first but not in the second.
    let known: Vec<usize> = (0..per.len()).filter(|&k| ids_known[k]).collect();
    let mut gaps: Vec<(u64, usize, usize, usize)> = Vec::new();
    // The set of the window's first snapshot: the last window's middle.
    let mut before: Option<FxHashSet<u64>> = None;
    for w in known.windows(3) {
        let first = before.take().unwrap_or_else(|| ids_in(w[0]).collect());
        let middle: FxHashSet<u64> = ids_in(w[1]).collect();
        gaps.extend(
            ids_in(w[2])
                .filter(|id| first.contains(id) && !middle.contains(id))
                .map(|id| (id, w[0], w[2], w[1])),
        );
        before = Some(middle);
    }
    let &(id, was, back, missing) = gaps.iter().min_by_key(|g| (g.1, g.0))?;
    Some(format!(
        "goroutine {id} is in snapshots {} and {} but not in snapshot {}{}: a goroutine that ended does not come back, so the snapshots are not in the order they were taken (text records no time: give them in that order), or snapshot {} is incomplete",
        was + 1,
        back + 1,
        missing + 1,
        more_like_it(gaps.len() - 1),
        missing + 1
    ))
}

/// ` (and N more ids like it)` after the one id a note names.
fn more_like_it(more: usize) -> String {
    match more {
        0 => String::new(),
        1 => " (and one more id like it)".to_string(),
        m => format!(" (and {m} more ids like it)"),
    }
}

/// Consecutive snapshots whose goroutine ids cannot be followed from one to
/// the next because they are not of one process: a goroutine keeps its id
/// and the site that started it for life, and no id is used twice, so an
/// id that two snapshots give to goroutines started at different sites
/// means a restart, another replica, or a crash between them; and a dump a
/// crash printed ([`IdFacts::ends_process`]) is the last of its process,
/// whatever the ids of the next say. For each such
/// pair, the index of the earlier snapshot and a note saying so (ids are
/// then not followed across the break: its goroutines are read as counts).
pub fn process_breaks(
    per: &[Vec<Group>],
    ids_known: &[bool],
    ends: &[Option<&str>],
) -> Vec<(usize, String)> {
    let creators = |k: usize| -> FxHashMap<u64, (Option<u32>, Option<&FrameRef>)> {
        per[k]
            .iter()
            .filter(|g| g.key.created_by.is_some())
            .flat_map(|g| {
                let site = (g.key.created_by, g.created_by.as_ref());
                g.ids.iter().map(move |&id| (id, site))
            })
            .collect()
    };
    let site = |f: Option<&FrameRef>| {
        f.map_or("?".to_string(), |f| {
            let file = f.file.rsplit('/').next().unwrap_or(&f.file);
            format!("{} ({file}:{})", f.function, f.line)
        })
    };
    let mut breaks = Vec::new();
    for k in 0..per.len().saturating_sub(1) {
        if !(ids_known[k] && ids_known[k + 1]) {
            continue;
        }
        if let Some(crash) = ends[k] {
            breaks.push((
                k,
                format!(
                    "snapshot {} is what a crash printed as its process ended (`{crash}`), so snapshot {} is of another process; goroutine ids are not followed across them, so findings there rest on counts",
                    k + 1,
                    k + 2
                ),
            ));
            continue;
        }
        let before = creators(k);
        let after = creators(k + 1);
        let mut conflicts: Vec<(u64, Option<&FrameRef>, Option<&FrameRef>)> = after
            .iter()
            .filter_map(|(id, now)| {
                let was = before.get(id)?;
                (was.0 != now.0).then_some((*id, was.1, now.1))
            })
            .collect();
        if conflicts.is_empty() {
            continue;
        }
        conflicts.sort_unstable_by_key(|c| c.0);
        let (id, was, now) = conflicts[0];
        breaks.push((
            k,
            format!(
                "snapshots {} and {} are not of one process: goroutine {id} was started by {} in the first and by {} in the second{}; a restart, another replica or a crash came between them, so goroutine ids are not followed across them and findings there rest on counts",
                k + 1,
                k + 2,
                site(was),
                site(now),
                more_like_it(conflicts.len() - 1),
            ),
        ));
    }
    breaks
}

/// Long-lived goroutines that a WaitGroup waiter most likely waits for: the
/// largest group started by the same function (in the same parent
/// goroutine, where parents are printed), not itself waiting on a
/// WaitGroup, at least as large as the waiters, whose goroutines survived
/// the last step at least as many as there are waiters (`go func() {
/// wg.Wait(); close(out) }()` beside the workers that call `wg.Done`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Siblings {
    /// The workers' leaking site (their first frame of the program's own).
    pub function: String,
    /// Their count in the last snapshot, and how many survived its step.
    pub count: i64,
    pub survived: usize,
}

/// Goroutines started together in sets of `size`: a group whose count is
/// `size` times another's in every snapshot, or short of it by less than
/// one set (a set being started or finishing), and zero where the other's
/// is (two or more distinct counts above zero in both, so the ratio is
/// seen more than once), both started
/// in one function (their entry functions are that function or closures
/// of it: `transform.func1` beside `transform.func2`). The workers a call
/// starts beside the goroutine that closes their output, say: such
/// goroutines in flight come and go a set at a time, so their counts
/// fluctuate `size` times as much as goroutines started one by one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiblingSet {
    pub size: i64,
    /// The other group's entry function, and its counts.
    pub partner: String,
    pub partner_counts: Vec<i64>,
}

/// See [`Series::sibling_set`].
fn sibling_sets(out: &mut [Series]) {
    // The function an entry is, or is a closure of.
    fn outer(entry: &str) -> &str {
        &entry[..crate::model::closure_suffix(entry).unwrap_or(entry.len())]
    }
    // Counts with two or more distinct values above zero.
    fn varied(v: &[i64]) -> bool {
        let mut nz = v.iter().filter(|&&x| x > 0);
        nz.next()
            .is_some_and(|&a| v.iter().any(|&x| x > 0 && x != a))
    }
    let mut by_outer: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (i, o) in out.iter().enumerate() {
        if let Some(f) = o.family.as_ref().filter(|_| !o.memory && varied(&o.values)) {
            by_outer.entry(outer(&f.entry)).or_default().push(i);
        }
    }
    let mut found: Vec<(usize, SiblingSet)> = Vec::new();
    for members in by_outer.values().filter(|m| m.len() >= 2) {
        for &i in members {
            let v = &out[i].values;
            let best = members
                .iter()
                .filter(|&&j| j != i)
                .filter_map(|&j| {
                    let p = &out[j].values;
                    if !varied(p) {
                        return None;
                    }
                    // The size, from the snapshot with the most sets.
                    let (&a, &b) = v.iter().zip(p).max_by_key(|(_, &b)| b)?;
                    let size = (a + b - 1) / b;
                    // A set being started or finishing may be short of
                    // its size: from p sets, more than p - 1 sets' worth.
                    let fits = |x: i64, y: i64| match y {
                        0 => x == 0,
                        _ => x <= size * y && x > size * (y - 1),
                    };
                    (size >= 2 && v.iter().zip(p).all(|(&x, &y)| fits(x, y))).then_some((size, j))
                })
                .max();
            if let Some((size, j)) = best {
                found.push((
                    i,
                    SiblingSet {
                        size,
                        partner: out[j]
                            .family
                            .as_ref()
                            .map(|f| f.entry.clone())
                            .unwrap_or_default(),
                        partner_counts: out[j].values.clone(),
                    },
                ));
            }
        }
    }
    for (i, set) in found {
        out[i].sibling_set = Some(set);
    }
}

/// The frame of a goroutine waiting on a round trip over an HTTP/1 client
/// connection (net/http's Transport).
const HTTP_ROUND_TRIP: &str = "net/http.(*persistConn).roundTrip";

/// Goroutines in an HTTP/1 client round trip ([`HTTP_ROUND_TRIP`]), per
/// snapshot: the requests in flight.
fn round_trips(per: &[Vec<Group>], value_index: usize) -> Vec<i64> {
    per.iter()
        .map(|groups| {
            groups
                .iter()
                .filter(|g| g.frames.iter().any(|f| f.function == HTTP_ROUND_TRIP))
                .map(|g| g.value(value_index))
                .sum()
        })
        .collect()
}

/// The loops a client connection of net/http's Transport runs on its own
/// goroutines: the reader, which holds a response's body, and the writer.
pub(crate) const HTTP_READ_LOOP: &str = "net/http.(*persistConn).readLoop";
pub(crate) const HTTP_WRITE_LOOP: &str = "net/http.(*persistConn).writeLoop";
const HTTP_CONN_LOOPS: [&str; 2] = [HTTP_READ_LOOP, HTTP_WRITE_LOOP];

/// A group's family ([`Family`]): the function at the bottom of its
/// goroutines' stack, the one their `go` statement started (every format
/// shows it; only debug=2 names the statement, and a run may mix
/// formats). None for a stack cut short, whose bottom frame is not where
/// it started.
type FamilyKey<'a> = &'a str;

fn family_key(g: &Group) -> Option<FamilyKey<'_>> {
    if g.elided || g.background {
        return None;
    }
    entry_function(&g.frames)
}

/// The function a goroutine's `go` statement ran: its stack's bottom
/// frame (leaf first), or, where that is a library's wrapper whose only
/// work is to call the function it was given (`sync.WaitGroup.Go`,
/// `errgroup.Group.Go`), the function above it. Every goroutine started
/// through such a wrapper shares its bottom frame, whatever it runs.
fn entry_function(frames: &[FrameRef]) -> Option<&str> {
    const WRAPPERS: [&str; 3] = [
        "sync.(*WaitGroup).Go.func1",
        "golang.org/x/sync/errgroup.(*Group).Go.func1",
        "golang.org/x/sync/errgroup.(*Group).TryGo.func1",
    ];
    let (bottom, above) = frames.split_last()?;
    match above.last() {
        Some(user) if WRAPPERS.contains(&bottom.function.as_str()) => Some(&user.function),
        _ => Some(&bottom.function),
    }
}

fn waits_for_siblings(out: &mut [Series]) {
    // The groups that are not waiting on a WaitGroup, by the function that
    // started them (a dump may hold many groups: look them up, not scan).
    let mut by_creator: FxHashMap<&str, Vec<&Series>> = FxHashMap::default();
    for o in out.iter() {
        if let Some(c) = o
            .created_by
            .as_ref()
            .filter(|_| o.op != BlockingOp::WaitGroup)
        {
            by_creator.entry(c.function.as_str()).or_default().push(o);
        }
    }
    let found: Vec<(usize, Siblings)> = out
        .iter()
        .enumerate()
        .filter(|(_, s)| s.op == BlockingOp::WaitGroup && !s.memory)
        .filter_map(|(i, s)| {
            let creator = s.created_by.as_ref()?;
            let waiters = s.last();
            let waiters_survived = s.leaked_at_least()?;
            by_creator
                .get(creator.function.as_str())?
                .iter()
                .filter(|o| {
                    (s.parents.is_empty() || o.parents.keys().any(|p| s.parents.contains_key(p)))
                        && o.last() >= waiters
                        && o.leaked_at_least()
                            .is_some_and(|l| l >= waiters_survived.max(1))
                })
                .max_by_key(|o| o.last())
                .and_then(|o| {
                    Some((
                        i,
                        Siblings {
                            function: o.site()?.function.clone(),
                            count: o.last(),
                            survived: o.leaked_at_least()?,
                        },
                    ))
                })
        })
        .collect();
    for (i, sib) in found {
        out[i].waits_for = Some(sib);
    }
}

/// The runtime hands out goroutine ids in order (in batches of 16 per P),
/// so ids are a clock of the goroutines a process has started. A leak takes
/// a steady share of the calls that start goroutines: its goroutines' ids
/// spread evenly from its first one to the latest id handed out. A set of
/// long-lived goroutines that fills up (one per tenant, key, peer or
/// connection) takes most of its members early and ever fewer as its keys
/// run out, so their ids crowd at the start of that range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdClock {
    /// Goroutines of the group after its first (lowest id).
    pub members: usize,
    /// The group's lowest id, and the latest id of the snapshot.
    pub first: u64,
    pub latest: u64,
    /// Mean position of the members' ids in `first..=latest` (0 to 1; a
    /// steady share puts it near 0.5).
    pub mean: f64,
    /// `mean` against a uniform spread, in standard errors
    /// (`(mean - 0.5) * sqrt(12 * members)`): below -3 the ids crowd at the
    /// start by far more than chance.
    pub z: f64,
    /// The ids the process handed out over the first step and over the
    /// last (from each snapshot's latest id), when ids are known in every
    /// snapshot of three or more: the process's own pace.
    pub paces: Option<(u64, u64)>,
}

impl IdClock {
    /// At least 6 goroutines, over a range of at least 128 ids (the
    /// batches of 16 per P blur shorter ones).
    fn of(ids: &[u64], latest: u64, paces: Option<(u64, u64)>) -> Option<IdClock> {
        let first = *ids.iter().min()?;
        let members = ids.len().checked_sub(1)?;
        let span = latest.checked_sub(first)?;
        if members < 5 || span < 128 {
            return None;
        }
        let sum: f64 = ids.iter().map(|&x| (x - first) as f64 / span as f64).sum();
        let mean = sum / members as f64;
        Some(IdClock {
            members,
            first,
            latest,
            mean,
            z: (mean - 0.5) * (12.0 * members as f64).sqrt(),
            paces,
        })
    }

    /// The ids crowd at the start of their range (z below -3: by chance
    /// about one time in 700).
    pub fn crowds_early(&self) -> bool {
        self.z < -3.0
    }
}

/// Goroutines waiting for others, in one snapshot.
#[derive(Default, Clone, Copy)]
struct Waiters {
    wait_group: i64,
    /// Blocked on a channel: a receive, a select or a send.
    channel: i64,
}

/// The function that waits in a stack (leaf first): the first frame below
/// the runtime's and the sync package's; its children are started by it or
/// by a closure of its own. Empty where there is none.
pub fn waiting_function(frames: &[FrameRef]) -> &str {
    frames
        .iter()
        .map(|f| f.function.as_str())
        .find(|f| !f.starts_with("runtime.") && !f.starts_with("sync."))
        .unwrap_or("")
}

/// What became of a group's goroutines whose connection's reader exited
/// (see [`Series::partners`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Partners {
    /// Stayed in the group at the next snapshot: they outlived the reader
    /// started with them for their object, and the connection.
    pub outlived: u32,
    /// Exited by the next snapshot, as their reader had.
    pub together: u32,
    /// The entry function of the readers' group most of them had.
    pub function: String,
}

/// What the last snapshot shows of the other goroutines working for the
/// objects a group's goroutines work for ([`crate::model::Objects`]: same
/// receiver type and pointer, in another group): a connection's writer
/// whose reader is alive, a desk waiting for the follow-ups its WaitGroup
/// counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SameObject {
    /// Goroutines of the group in the last snapshot.
    pub total: u32,
    /// Each of them works for an object of its own (no two share one): a
    /// connection's, a session's, not a server's that all share.
    pub own_objects: bool,
    /// Those whose object has a goroutine of another group blocked
    /// reading the network (IO wait): an open connection.
    pub with_reader: u32,
    /// Those waiting on a WaitGroup that is a field of their object
    /// ([`crate::model::Objects::wait_group_owner`]) while a goroutine of
    /// another group works for that object.
    pub waiting_for_live: u32,
    /// Each of them waits on the WaitGroup of an object of its own (a
    /// desk's, a job's): not many waiters of one object's.
    pub own_wait_groups: bool,
}

impl SameObject {
    /// Every goroutine of the group works for a connection of its own
    /// whose reader is alive and blocked on the network.
    pub fn all_with_reader(&self) -> bool {
        self.total > 0 && self.own_objects && self.with_reader == self.total
    }

    /// Every goroutine of the group waits on its object's WaitGroup while
    /// other goroutines work for that object.
    pub fn all_waiting_for_live(&self) -> bool {
        self.total > 0 && self.own_wait_groups && self.waiting_for_live == self.total
    }
}

/// Which groups of the last snapshot have goroutines working for one
/// object: the first such group (by its series' slot), whether another
/// has too, and the same for the groups blocked reading the network (IO
/// wait).
#[derive(Debug, Clone, Copy)]
struct Workers {
    first: usize,
    more: bool,
    reader: Option<usize>,
    more_readers: bool,
}

impl Workers {
    /// A group other than `at` has goroutines working for the object.
    fn besides(&self, at: usize) -> bool {
        self.more || self.first != at
    }

    /// A group other than `at` reads the network for the object.
    fn reader_besides(&self, at: usize) -> bool {
        self.reader.is_some_and(|r| self.more_readers || r != at)
    }
}

/// The objects of the last snapshot's goroutines (`groups`, in the series'
/// slots `slots`), with the groups that work for each ([`Workers`]).
fn objects(groups: &[Group], slots: &[usize]) -> FxHashMap<(u32, u64), Workers> {
    let mut m: FxHashMap<(u32, u64), Workers> = FxHashMap::default();
    for (g, &i) in groups.iter().zip(slots) {
        let io = g.op == BlockingOp::IoWait;
        for o in g.objects.iter().filter_map(|o| o.object) {
            let w = m.entry(o).or_insert(Workers {
                first: i,
                more: false,
                reader: None,
                more_readers: false,
            });
            w.more |= w.first != i;
            if io {
                match w.reader {
                    None => w.reader = Some(i),
                    Some(r) => w.more_readers |= r != i,
                }
            }
        }
    }
    m
}

/// See [`Series::same_object`]: `g` is the group's in the last snapshot,
/// in slot `at`.
fn same_object(
    objects: &FxHashMap<(u32, u64), Workers>,
    g: &Group,
    at: usize,
) -> Option<SameObject> {
    if g.objects.is_empty() {
        return None;
    }
    // Every goroutine of the group has a `key` object, no two the same.
    let one_each = |key: fn(&crate::model::Objects) -> Option<(u32, u64)>| {
        let keys: FxHashSet<(u32, u64)> = g.objects.iter().filter_map(key).collect();
        keys.len() == g.ids.len() && g.objects.iter().filter_map(key).count() == keys.len()
    };
    let mut out = SameObject {
        total: g.ids.len() as u32,
        own_objects: one_each(|o| o.object),
        own_wait_groups: one_each(|o| o.wait_group_owner),
        ..SameObject::default()
    };
    for o in &g.objects {
        if let Some(key) = o.object {
            out.with_reader += u32::from(objects.get(&key).is_some_and(|w| w.reader_besides(at)));
        }
        if let Some(key) = o.wait_group_owner {
            out.waiting_for_live += u32::from(objects.get(&key).is_some_and(|w| w.besides(at)));
        }
    }
    Some(out)
}

/// Caller to callees, as the goroutine stacks of the snapshots show them
/// (each frame called by the one below it).
fn call_graph(per: &[Vec<Group>]) -> FxHashMap<&str, Vec<&str>> {
    let mut calls: FxHashMap<&str, Vec<&str>> = FxHashMap::default();
    for g in per.iter().flatten() {
        for w in g.frames.windows(2) {
            let (callee, caller) = (w[0].function.as_str(), w[1].function.as_str());
            if callee == caller {
                continue;
            }
            let c = calls.entry(caller).or_default();
            if !c.contains(&callee) {
                c.push(callee);
            }
        }
    }
    calls
}

/// The functions whose go statements a goroutine blocked in `waiter` ran:
/// `waiter` itself and what the stacks show it calling, up to two calls
/// deep (a desk's `run` calls `serve`, whose go statements start the
/// follow-ups `run` then waits for). Empty where `waiter` is.
fn starters<'a>(calls: &FxHashMap<&'a str, Vec<&'a str>>, waiter: &'a str) -> Vec<&'a str> {
    if waiter.is_empty() {
        return Vec::new();
    }
    let mut out = vec![waiter];
    let mut from = 0;
    for _ in 0..2 {
        let to = out.len();
        for i in from..to {
            for &c in calls.get(out[i]).into_iter().flatten() {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        from = to;
    }
    out
}

/// Whether a go statement of `creator` is one of `function`'s: in it, or
/// in a closure it defines (`F.func1`, `F.func1.2`).
fn started_by(creator: &str, function: &str) -> bool {
    let mut c = Some(creator);
    while let Some(f) = c {
        if f == function {
            return !function.is_empty();
        }
        c = crate::model::closure_creator(f);
    }
    false
}

/// See [`Series::waiting_creator`].
fn waiting_creator(
    present: &[Option<&Group>],
    ids_known: &[bool],
    waiters: &[FxHashMap<&str, Waiters>],
    latest: &Group,
) -> Option<String> {
    let entry = latest
        .frames
        .iter()
        .rev()
        .find(|f| f.function != "runtime.goexit")?;
    let creator = crate::model::closure_creator(&entry.function)?;
    // Goroutines that work (sleep or run) finish by themselves, so a
    // creator blocked on a channel (receiving their results, or handing
    // them work) is in step with them; goroutines blocked on a channel or a
    // lock finish only when someone else acts, and a creator that gave up
    // on them (a timeout) waits in a select all the same.
    let working = matches!(latest.op, BlockingOp::Sleep | BlockingOp::Running);
    let waiting: Vec<i64> = present
        .iter()
        .zip(ids_known)
        .zip(waiters)
        .filter(|((g, _), _)| g.is_some())
        .map(|((_, &known), m)| match (known, m.get(creator)) {
            (false, Some(w)) => w.wait_group + if working { w.channel } else { 0 },
            _ => 0,
        })
        .collect();
    (waiting.len() >= 2 && waiting.iter().all(|&w| w > 0)).then(|| creator.to_string())
}

/// Lengths of the runs of consecutive ids, in id order.
fn id_runs(ids: &[u64]) -> Vec<u32> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut runs: Vec<u32> = Vec::new();
    let mut prev: Option<u64> = None;
    for id in sorted {
        match (prev, runs.last_mut()) {
            (Some(p), Some(r)) if id == p + 1 => *r += 1,
            _ => runs.push(1),
        }
        prev = Some(id);
    }
    runs
}

/// The standard error of each sampled value: the square root of the
/// variance sampling implies (for small objects about `value / sqrt(r)`
/// with `r` raw samples; objects at or above the sampling period are kept
/// every time and are exact); a snapshot without the site
/// is off by about one sample's worth. Empty when the raw counts are not
/// known (no sampling period) or the profile was not sampled.
fn sampling_sigma(values: &[i64], present: &[Option<&Group>]) -> Vec<f64> {
    let raw: Vec<f64> = present
        .iter()
        .map(|g| g.map_or(0.0, |g| g.raw_samples))
        .collect();
    let total_raw: f64 = raw.iter().sum();
    let total: f64 = values.iter().map(|&v| v.max(0) as f64).sum();
    if total_raw <= 0.0 || total <= 0.0 {
        return Vec::new();
    }
    // Bytes one raw sample stands for, on average over the series.
    let per_sample = total / total_raw;
    values
        .iter()
        .zip(&raw)
        .zip(present)
        .map(|((_, &r), g)| {
            let var = g.map_or(0.0, |g| g.sampling_var);
            if r >= 1.0 {
                // Small objects: about `v / sqrt(r)`; objects at or above the
                // sampling period are kept every time and add almost none.
                var.sqrt()
            } else {
                per_sample
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_jumps_hold_nearly_all_the_growth_at_the_last_step() {
        for v in [&[2, 3, 86][..], &[1, 2, 182], &[0, 1, 2, 60], &[5, 8, 40]] {
            assert!(Trend::judge(v, 0.0).late_jump(v), "{v:?}");
        }
        // Steady or accelerating leaks, and jumps too small to tell.
        for v in [
            &[2, 7, 11][..],
            &[1, 7, 17],
            &[10, 20, 30],
            &[0, 1, 4],
            &[3, 3],
            &[5, 12, 12, 25],
        ] {
            assert!(!Trend::judge(v, 0.0).late_jump(v), "{v:?}");
        }
        assert!((binomial_tail(1, 2, 0.5) - 0.75).abs() < 1e-12);
        assert!((binomial_tail(0, 3, 0.5) - 0.125).abs() < 1e-12);
        assert_eq!(binomial_tail(5, 5, 0.5), 1.0);
        // Large counts stay finite.
        let t = binomial_tail(900, 2000, 0.5);
        assert!(t > 0.0 && t < 1e-5, "{t}");
        assert!((binomial_tail(1000, 2000, 0.5) - 0.509).abs() < 0.01);
    }

    fn v(x: &[i64]) -> Verdict {
        Trend::judge(x, 0.0).verdict
    }

    #[test]
    fn id_clock_tells_a_filling_set_from_a_steady_share() {
        // Evenly spread from 100 to 1000: a steady share.
        let even: Vec<u64> = (0..20).map(|i| 100 + i * 45).collect();
        let c = IdClock::of(&even, 1000, None).unwrap();
        assert!(c.z.abs() < 1.0, "{c:?}");
        assert!(!c.crowds_early());
        // Most taken early, ever fewer later: a set that fills.
        let fill: Vec<u64> = vec![
            10, 12, 15, 20, 22, 30, 35, 41, 50, 66, 80, 95, 130, 200, 310, 420,
        ];
        let c = IdClock::of(&fill, 1000, None).unwrap();
        assert!(c.crowds_early(), "{c:?}");
        // Too few goroutines, or too short a range, say nothing.
        assert_eq!(IdClock::of(&[1, 2, 3, 4, 5], 1000, None), None);
        assert_eq!(IdClock::of(&even, 150, None), None);
    }

    #[test]
    fn id_runs_are_consecutive_ids_in_order() {
        assert_eq!(id_runs(&[7, 3, 4, 5, 9, 10, 12]), vec![3, 1, 2, 1]);
        assert_eq!(id_runs(&[]), Vec::<u32>::new());
        assert_eq!(id_runs(&[2, 2, 3]), vec![2]);
    }

    #[test]
    fn verdicts() {
        assert_eq!(v(&[10, 20, 30]), Verdict::Growing);
        assert_eq!(v(&[0, 10, 20]), Verdict::Growing);
        assert_eq!(v(&[1, 2, 3]), Verdict::Growing);
        assert_eq!(v(&[10, 20]), Verdict::Growing);
        assert_eq!(v(&[8, 8, 8]), Verdict::Steady);
        assert_eq!(v(&[5, 40, 3]), Verdict::Bursty);
        assert_eq!(v(&[5, 12, 8]), Verdict::Bursty);
        assert_eq!(v(&[30, 20, 10]), Verdict::Shrinking);
        assert_eq!(v(&[10, 0]), Verdict::Shrinking);
        assert_eq!(v(&[10, 50, 50, 50]), Verdict::Stepped);
        assert_eq!(v(&[10, 25, 20, 40, 35, 60]), Verdict::GrowingNoisy);
        assert_eq!(v(&[7]), Verdict::Single);
    }

    #[test]
    fn memory_noise_is_not_growth() {
        assert_eq!(
            Trend::judge(&[1000, 1030, 990], MEMORY_NOISE).verdict,
            Verdict::Steady
        );
        assert_eq!(
            Trend::judge(&[1000, 2000, 3000], MEMORY_NOISE).verdict,
            Verdict::Growing
        );
    }

    #[test]
    fn sampled_steps_inside_the_error_are_no_change() {
        // time.After in a loop at Go's default 512 KiB period: about 1, 3,
        // 5 and 5 samples. The last step is inside the sampling error, not
        // a plateau: the series grows.
        let k = 512 * 1024;
        let values = [k, 3 * k, 5 * k + k / 5, 5 * k + k / 5];
        let sigma: Vec<f64> = values
            .iter()
            .map(|&v| v as f64 / (v as f64 / k as f64).sqrt())
            .collect();
        assert_eq!(
            Trend::judge_sampled(&values, &sigma).verdict,
            Verdict::Growing
        );
        // The same shape with thousands of samples per value is a cache
        // that filled and stopped.
        let values = [5_000_000, 10_000_000, 14_000_000, 14_050_000];
        let sigma: Vec<f64> = values.iter().map(|&v| v as f64 / 2000f64.sqrt()).collect();
        assert_ne!(
            Trend::judge_sampled(&values, &sigma).verdict,
            Verdict::Growing
        );
        // Noise around a flat value is steady.
        let values = [1_000_000, 1_100_000, 950_000];
        let sigma: Vec<f64> = values.iter().map(|&v| v as f64 / 4f64.sqrt()).collect();
        assert_eq!(
            Trend::judge_sampled(&values, &sigma).verdict,
            Verdict::Steady
        );
    }

    #[test]
    fn entry_functions() {
        let frames = |names: &[&str]| -> Vec<FrameRef> {
            names
                .iter()
                .map(|n| FrameRef {
                    function: n.to_string(),
                    ..Default::default()
                })
                .collect()
        };
        let f = frames(&["runtime.gopark", "main.(*Pool).worker"]);
        assert_eq!(entry_function(&f), Some("main.(*Pool).worker"));
        // Started through a wrapper: the function it was given.
        let f = frames(&["main.fetch.func1", "sync.(*WaitGroup).Go.func1"]);
        assert_eq!(entry_function(&f), Some("main.fetch.func1"));
        let f = frames(&[
            "main.load.func2",
            "golang.org/x/sync/errgroup.(*Group).Go.func1",
        ]);
        assert_eq!(entry_function(&f), Some("main.load.func2"));
        // A connection's own loop is no wrapper: idle or serving, one family.
        let f = frames(&["internal/poll.runtime_pollWait", "net/http.(*conn).serve"]);
        assert_eq!(entry_function(&f), Some("net/http.(*conn).serve"));
        let f = frames(&["sync.(*WaitGroup).Go.func1"]);
        assert_eq!(entry_function(&f), Some("sync.(*WaitGroup).Go.func1"));
        assert_eq!(entry_function(&[]), None);
    }

    #[test]
    fn family_shift() {
        let fam = |counts: &[i64]| Family {
            entry: "main.worker".into(),
            counts: counts.to_vec(),
        };
        // The pool ramps at the first step, then holds: one step of new
        // goroutines, two of goroutines changing state.
        let s = fam(&[2, 22, 22, 22])
            .shift(&[0, 16, 19, 20], false)
            .unwrap();
        assert_eq!((s.grew, s.family_grew), (vec![0, 1, 2], vec![0]));
        assert!(fam(&[12, 12, 12]).shift(&[3, 6, 9], false).is_some());
        // The family grows with the group: new goroutines at each step.
        assert!(fam(&[20, 23, 26, 33])
            .shift(&[2, 4, 6, 12], false)
            .is_none());
        // A group that grew once is another rule's (one step).
        assert!(fam(&[12, 12, 12]).shift(&[3, 3, 9], false).is_none());
        // The family held at one step but grew after it: not a set that
        // stopped growing.
        assert!(fam(&[19, 18, 59]).shift(&[3, 6, 19], false).is_none());
        // It may ramp before the group grows at all.
        let s = fam(&[0, 12, 12, 12]).shift(&[0, 0, 3, 6], false).unwrap();
        assert_eq!((s.grew, s.family_grew), (vec![1, 2], vec![]));
        // Counts of another length: no family known.
        assert!(fam(&[12, 12]).shift(&[3, 6, 9], false).is_none());
        // A pool that adds workers over two steps, then holds at its bound.
        assert!(fam(&[15, 23, 24, 24])
            .shift(&[13, 14, 14, 22], false)
            .is_none());
        let s = fam(&[15, 23, 24, 24])
            .shift(&[13, 14, 14, 22], true)
            .unwrap();
        assert_eq!((s.family_grew, s.held_from), (vec![0, 1], Some(2)));
        let s = fam(&[10, 18, 20, 20])
            .shift(&[7, 11, 15, 16], true)
            .unwrap();
        assert_eq!((s.family_grew, s.held_from), (vec![0, 1], Some(2)));
        // The family still grew at the last step.
        assert!(fam(&[15, 23, 24, 30])
            .shift(&[13, 14, 14, 22], true)
            .is_none());
    }

    #[test]
    fn trend_statistics() {
        let t = Trend::judge(&[10, 20, 30], 0.0);
        assert!((t.slope - 10.0).abs() < 1e-9);
        assert!((t.tau - 1.0).abs() < 1e-9);
    }
}

/// A debug=1 record's operation is inferred from its hidden addresses and
/// the other records of its snapshot, so the same stack (the same
/// addresses) may be known as a select in one snapshot and left unknown
/// (`Other`) in the next, which would split one group in two series. A
/// group of unknown operation takes the operation the other snapshots
/// (of any format) found for the same stack, when they found exactly one
/// and its own snapshot has no group of that key already.
///
/// A receive not known to be plain (`ChanReceive` without
/// runtime.chanrecv1 among its frames: a debug=1 record whose wrapper its
/// snapshot could not place, or a debug=2 `chan receive`, which says so
/// for a range too) is likewise the `for range` or comma-ok receive
/// (`RangeReceive`) that another snapshot placed for the same stack: the
/// same line is the same statement.
fn unify_unknown_ops(per: &mut [Vec<Group>]) {
    let has_range = stacks_with(per, |op| op == BlockingOp::RangeReceive);
    if !has_range.is_empty() {
        // The stacks some snapshot placed as a range.
        let ranged: FxHashSet<(&[u32], Option<u32>)> =
            has_range.iter().map(|&(_, f, c)| (f, c)).collect();
        let (ranged, has_range) = (&ranged, &has_range);
        let renames: Vec<(usize, usize)> = per
            .iter()
            .enumerate()
            .flat_map(|(si, groups)| {
                groups.iter().enumerate().filter_map(move |(gi, g)| {
                    let stack = (&*g.key.frames, g.key.created_by);
                    (g.key.op == BlockingOp::ChanReceive
                        && !g.plain_receive
                        && !g.frames.iter().any(|f| f.function == "runtime.chanrecv1")
                        && ranged.contains(&stack)
                        && !has_range.contains(&(si, stack.0, stack.1)))
                    .then_some((si, gi))
                })
            })
            .collect();
        for (si, gi) in renames {
            let g = &mut per[si][gi];
            g.key.op = BlockingOp::RangeReceive;
            g.op = BlockingOp::RangeReceive;
        }
    }
    let known_op = |op: BlockingOp| op != BlockingOp::Other;
    let found = one_op_per_stack(per, known_op);
    // The snapshots that have each stack known.
    let known = stacks_with(per, known_op);
    // A snapshot that has the stack known has it under the one operation
    // found, so its unknown group keeps its own key.
    let mut renames: Vec<(usize, usize, BlockingOp)> = Vec::new();
    for (si, groups) in per.iter().enumerate() {
        for (gi, g) in groups.iter().enumerate() {
            if g.key.op != BlockingOp::Other {
                continue;
            }
            let stack = (&*g.key.frames, g.key.created_by);
            if let Some(&Some(op)) = found.get(&stack) {
                if !known.contains(&(si, stack.0, stack.1)) {
                    renames.push((si, gi, op));
                }
            }
        }
    }
    for (si, gi, op) in renames {
        let g = &mut per[si][gi];
        g.key.op = op;
        g.op = op;
    }
}

/// A goroutine woken from a wait and not yet run is `runnable` at the
/// same stack it waited at (debug=2 shows a parked goroutine's frames
/// from the call that blocked): the same code, caught a moment later. So a
/// running group whose stack (frames and creator) is, in some snapshot, a
/// blocked group's, where every snapshot agrees on one blocked operation
/// for it, joins that group: added to it where its snapshot has it, else
/// renamed to it. Its goroutines record no call words, so a goroutine
/// blocked at one snapshot and runnable at the next reads as woken (see
/// [`Series::moved`]), and a ticker's loop, woken at every tick, stays one
/// group rather than two that each look flat.
fn merge_woken(per: &mut [Vec<Group>]) {
    if !per
        .iter()
        .flatten()
        .any(|g| g.key.op == BlockingOp::Running)
    {
        return;
    }
    // Per snapshot, its running groups that join a blocked operation.
    let mut joins: Vec<Vec<(usize, BlockingOp)>> = vec![Vec::new(); per.len()];
    let found = one_op_per_stack(per, BlockingOp::is_blocked);
    for (groups, joins) in per.iter().zip(&mut joins) {
        for (i, g) in groups.iter().enumerate() {
            if g.key.op != BlockingOp::Running {
                continue;
            }
            if let Some(&Some(op)) = found.get(&(&*g.key.frames, g.key.created_by)) {
                joins.push((i, op));
            }
        }
    }
    for (groups, joins) in per.iter_mut().zip(joins) {
        if joins.is_empty() {
            continue;
        }
        let at: FxHashMap<GroupKey, usize> = groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.key.op.is_blocked())
            .map(|(j, g)| (g.key.clone(), j))
            .collect();
        let mut moves: Vec<(usize, usize)> = Vec::new();
        for (i, op) in joins {
            let g = &mut groups[i];
            let key = GroupKey {
                op,
                frames: g.key.frames.clone(),
                created_by: g.key.created_by,
            };
            match at.get(&key) {
                Some(&j) => moves.push((i, j)),
                None => {
                    g.key = key;
                    g.op = op;
                }
            }
        }
        if moves.is_empty() {
            continue;
        }
        // `j` is a blocked group, never one that moves.
        let mut slots: Vec<Option<Group>> = std::mem::take(groups).into_iter().map(Some).collect();
        for (i, j) in moves {
            if let Some(woken) = slots[i].take() {
                if let Some(g) = slots[j].as_mut() {
                    absorb(g, woken);
                }
            }
        }
        *groups = slots.into_iter().flatten().collect();
    }
}

/// Each snapshot's stacks (frames and creator) whose group's operation
/// `take` accepts, with the snapshot's index.
fn stacks_with(
    per: &[Vec<Group>],
    take: impl Fn(BlockingOp) -> bool + Copy,
) -> FxHashSet<(usize, &[u32], Option<u32>)> {
    per.iter()
        .enumerate()
        .flat_map(|(si, groups)| {
            groups
                .iter()
                .filter(move |g| take(g.key.op))
                .map(move |g| (si, &*g.key.frames, g.key.created_by))
        })
        .collect()
}

/// Per stack (key frames and creator) of the groups, in any snapshot,
/// whose operation `take` accepts: the one operation found for it, or
/// `None` where the snapshots show several.
fn one_op_per_stack(
    per: &[Vec<Group>],
    take: impl Fn(BlockingOp) -> bool,
) -> FxHashMap<(&[u32], Option<u32>), Option<BlockingOp>> {
    let mut found: FxHashMap<(&[u32], Option<u32>), Option<BlockingOp>> = FxHashMap::default();
    for g in per.iter().flatten().filter(|g| take(g.key.op)) {
        found
            .entry((&*g.key.frames, g.key.created_by))
            .and_modify(|o| {
                if *o != Some(g.key.op) {
                    *o = None;
                }
            })
            .or_insert(Some(g.key.op));
    }
    found
}

/// Adds the goroutines of `other` (same stack, woken) to `g`.
fn absorb(g: &mut Group, other: Group) {
    for (a, b) in g.values.iter_mut().zip(&other.values) {
        *a += b;
    }
    if !g.calls.is_empty() && g.calls.len() < g.ids.len() {
        g.calls.resize(g.ids.len(), Called::default());
    }
    if !other.objects.is_empty() {
        g.objects.resize(g.ids.len(), Default::default());
        g.objects.extend(other.objects);
    }
    g.ids.extend(other.ids);
    for (p, c) in other.parents {
        *g.parents.entry(p).or_default() += c;
    }
    for (k, v) in other.labels {
        g.labels.entry(k).or_default().extend(v);
    }
    g.leaked += other.leaked;
    for (k, v) in other.states {
        *g.states.entry(k).or_default() += v;
    }
    g.background |= other.background;
    g.elided |= other.elided;
    g.hidden_frames = g.hidden_frames.max(other.hidden_frames);
    g.plain_receive |= other.plain_receive;
    g.hidden_nil_send |= other.hidden_nil_send;
    g.stacks.extend(other.stacks);
    g.raw_samples += other.raw_samples;
    g.sampling_var += other.sampling_var;
}

/// A goroutine's [`CallWords`] and wait minutes (0 under a minute).
type Called = (CallWords, u32);

/// A group's goroutines, each id with its call and wait (none recorded:
/// default words, which compare equal).
fn called(g: &Group) -> impl Iterator<Item = (u64, Called)> + '_ {
    let calls = g
        .calls
        .iter()
        .copied()
        .chain(std::iter::repeat_with(Called::default));
    g.ids.iter().copied().zip(calls)
}

/// What happened between consecutive snapshots (k, k + 1), from every
/// goroutine id in both (where both know their ids):
/// - the wait clock of each pair: the most the debug=2 wait minutes of one
///   goroutine grew between them among the goroutines blocked in the same
///   call in both (0 when none is known). Wait minutes are whole minutes,
///   so the time between the snapshots is more than one minute less than
///   that.
/// - per (slot, k), how many goroutine ids of the group in slot `slot` at
///   snapshot k are in snapshot k + 1 in another group (see
///   [`Series::left`]); non-zero counts only.
/// - per (slot, k), how many goroutines of the group in slot `slot` at
///   snapshot k that had waited a minute or more (debug=2) are not in it at
///   k + 1 (see [`Series::long_ended`]); non-zero counts only.
/// - per (slot, k), how many goroutines of the group in slot `slot` at
///   snapshot k that were in it at k − 1 are in no group at k + 1 (see
///   [`Series::survivors_gone`]); non-zero counts only.
fn between_snapshots(per: &[Vec<Group>], slot_of: &[Vec<usize>], ids_known: &[bool]) -> Between {
    // Each id with its group, and its call and wait where recorded.
    let snapshot = |k: usize| -> FxHashMap<u64, (usize, Option<Called>)> {
        let mut m = FxHashMap::default();
        if !ids_known[k] {
            return m;
        }
        for (g, &slot) in per[k].iter().zip(&slot_of[k]) {
            if g.calls.is_empty() {
                m.extend(g.ids.iter().map(|&id| (id, (slot, None))));
            } else {
                m.extend(called(g).map(|(id, c)| (id, (slot, Some(c)))));
            }
        }
        m
    };
    // Two snapshots' maps at a time: every goroutine of every snapshot at
    // once would be the peak of a long series' analysis.
    let mut clocks = Vec::with_capacity(per.len().saturating_sub(1));
    let mut left: FxHashMap<(usize, usize), u32> = FxHashMap::default();
    let mut ended: FxHashMap<(usize, usize), u32> = FxHashMap::default();
    let mut gone: FxHashMap<(usize, usize), u32> = FxHashMap::default();
    let mut partners: FxHashMap<usize, (Partners, FxHashMap<usize, u32>)> = FxHashMap::default();
    if per.len() < 2 {
        return Between {
            clocks,
            left,
            ended,
            gone,
            partners,
        };
    }
    // Of snapshot k − 1, the ids that were in the same group at k − 2 (empty
    // where ids are unknown in either).
    let mut stayed: FxHashSet<u64> = FxHashSet::default();
    let mut before = snapshot(0);
    for (k, &known) in ids_known.iter().enumerate().take(per.len()).skip(1) {
        let now = snapshot(k);
        if known {
            for (id, (slot, call)) in &before {
                let here = now.get(id);
                let long = call.as_ref().is_some_and(|c| c.1 >= 1);
                if long && here.is_none_or(|(s, _)| s != slot) {
                    *ended.entry((*slot, k - 1)).or_default() += 1;
                }
                if here.is_none() && stayed.contains(id) {
                    *gone.entry((*slot, k - 1)).or_default() += 1;
                }
            }
            if ids_known[k - 1] {
                partner_fates(&per[k - 1], &slot_of[k - 1], &now, &per[k], &mut partners);
            }
        }
        stayed.clear();
        let mut clock = 0;
        for (id, (slot, call)) in &now {
            let Some((s, was)) = before.get(id) else {
                continue;
            };
            if s != slot {
                *left.entry((*s, k - 1)).or_default() += 1;
                continue;
            }
            stayed.insert(*id);
            if let (Some(now), Some(was)) = (call, was) {
                if !now.0.moved_from(&was.0) && now.1 >= was.1 {
                    clock = clock.max(now.1 - was.1);
                }
            }
        }
        clocks.push(clock);
        before = now;
    }
    Between {
        clocks,
        left,
        ended,
        gone,
        partners,
    }
}

/// Of the goroutines of snapshot k (`groups`, in the series' `slots`) that
/// work for an object of their own with one to three goroutines of other
/// groups, all started by the same function, exactly one of which reads
/// the network for it (IO wait: a connection's reader, with its
/// heartbeat, its writer or its flusher, started together for that
/// connection), those whose reader is in no group of snapshot k + 1
/// (`next`: every id there with its slot, and the groups there with their
/// slots), nor any other reader of the object (a redial's): the connection
/// ended. Per slot: how many stayed in their group (they outlived their
/// connection's reader) and how many exited too, and the readers' slots.
fn partner_fates(
    groups: &[Group],
    slots: &[usize],
    next: &FxHashMap<u64, (usize, Option<Called>)>,
    next_groups: &[Group],
    out: &mut FxHashMap<usize, (Partners, FxHashMap<usize, u32>)>,
) {
    // Each object with up to four of its goroutines (slot, id, the function
    // that started it, whether it reads the network), and how many it has.
    const MOST: usize = 4;
    type Worker<'a> = (usize, u64, Option<&'a str>, bool);
    let mut workers: FxHashMap<(u32, u64), ([Worker<'_>; MOST], u8)> = FxHashMap::default();
    for (g, &slot) in groups.iter().zip(slots) {
        let creator = g.created_by.as_ref().map(|f| f.function.as_str());
        let reads = g.op == BlockingOp::IoWait;
        for (o, &id) in g.objects.iter().zip(&g.ids) {
            let Some(key) = o.object else { continue };
            let w = workers
                .entry(key)
                .or_insert(([(0, 0, None, false); MOST], 0));
            if (w.1 as usize) < MOST {
                w.0[w.1 as usize] = (slot, id, creator, reads);
            }
            w.1 = w.1.saturating_add(1);
        }
    }
    // Which of them lost their reader by snapshot k + 1, each with the
    // object, the goroutine left and its slot, and the reader's slot.
    let mut lost: Vec<((u32, u64), u64, usize, usize)> = Vec::new();
    for (key, (all, count)) in workers {
        let count = count as usize;
        if !(2..=MOST).contains(&count) {
            continue;
        }
        let team = &all[..count];
        let one_creator = team[0].2.is_some() && team.iter().all(|w| w.2 == team[0].2);
        let distinct = (1..count).all(|i| team[..i].iter().all(|w| w.0 != team[i].0));
        let mut readers = team.iter().filter(|w| w.3);
        let (Some(&(reader_slot, reader, _, _)), None) = (readers.next(), readers.next()) else {
            continue;
        };
        if !one_creator || !distinct || next.contains_key(&reader) {
            continue;
        }
        lost.extend(
            team.iter()
                .filter(|w| !w.3)
                .map(|&(slot, id, _, _)| (key, id, slot, reader_slot)),
        );
    }
    if lost.is_empty() {
        return;
    }
    let readers_next: FxHashSet<(u32, u64)> = next_groups
        .iter()
        .filter(|g| g.op == BlockingOp::IoWait)
        .flat_map(|g| g.objects.iter().filter_map(|o| o.object))
        .collect();
    for (key, id, slot, reader_slot) in lost {
        if readers_next.contains(&key) {
            continue;
        }
        let (counts, with) = out.entry(slot).or_default();
        match next.get(&id) {
            Some((s, _)) if *s == slot => counts.outlived += 1,
            Some(_) => continue,
            None => counts.together += 1,
        }
        *with.entry(reader_slot).or_default() += 1;
    }
}

/// Per snapshot k, the wait clock from it to the last: the most the
/// debug=2 wait minutes of one goroutine of the process grew from snapshot
/// k to the last (`None` unless ids are known in every snapshot from k on).
/// A wait shows whole minutes, so a clock of `c` says that more than
/// `c − 1` minutes passed (two or more: more than a minute), whether that
/// goroutine waited all along (its wait grew by the time that passed) or
/// was woken and waited again (then its last wait alone is shorter than
/// the time that passed). The runtime stamps a wait late, never early.
fn span_clocks(per: &[Vec<Group>], ids_known: &[bool]) -> Vec<Option<u32>> {
    let n = per.len();
    let mut out = vec![None; n];
    if n < 2 || !ids_known[n - 1] {
        return out;
    }
    // Each goroutine's wait where the group records them one by one (the
    // waits followed by their calls), or the wait of a group of one (such
    // as `main` in `select {}`, a daemon).
    let waits = |groups: &[Group]| -> FxHashMap<u64, u32> {
        let mut m = FxHashMap::default();
        for g in groups {
            if !g.calls.is_empty() {
                m.extend(called(g).map(|(id, c)| (id, c.1)));
            } else if let ([id], Some(w)) = (&g.ids[..], g.wait_max) {
                m.insert(*id, w);
            }
        }
        m
    };
    let last = waits(&per[n - 1]);
    for k in (0..n - 1).rev() {
        if !ids_known[k] {
            break;
        }
        let clock = waits(&per[k])
            .into_iter()
            .filter_map(|(id, w)| last.get(&id).map(|&l| l.saturating_sub(w)))
            .max()
            .unwrap_or(0);
        out[k] = Some(clock);
    }
    out
}

/// Per snapshot k, a goroutine of the last snapshot started after k (its id
/// is above every id of snapshot k, read to its end, so it was not alive
/// then) that had waited a minute or more at the last snapshot, with those
/// minutes (`None` where none did, or ids are not known in k and the
/// last). The runtime
/// stamps a parked goroutine's wait when a garbage collection scans it, so
/// such a goroutine shows that a collection ran after snapshot k and a
/// minute or more before the last: any goroutine that had stayed parked in
/// one wait from k to the last was scanned by it and shows a minute or
/// more too. One that shows none ran in between.
fn gc_stamps(
    per: &[Vec<Group>],
    ids_known: &[bool],
    whole: &[bool],
    latest: &[u64],
) -> Vec<Option<(u64, u32)>> {
    let n = per.len();
    let mut out = vec![None; n];
    if n < 2 || !ids_known[n - 1] {
        return out;
    }
    // Each goroutine of the last snapshot whose wait is known to be a
    // minute or more: per goroutine where its group records them, else all
    // of a group whose shortest wait is.
    let mut waited: Vec<(u64, u32)> = Vec::new();
    for g in &per[n - 1] {
        if !g.calls.is_empty() {
            waited.extend(called(g).filter(|(_, c)| c.1 >= 1).map(|(id, c)| (id, c.1)));
        } else if let Some(w) = g.wait_min.filter(|&w| w >= 1) {
            waited.extend(g.ids.iter().map(|&id| (id, w)));
        }
    }
    for k in 0..n - 1 {
        if ids_known[k] && whole[k] && latest[k] > 0 {
            out[k] = waited
                .iter()
                .filter(|(id, _)| *id > latest[k])
                .max_by_key(|(id, w)| (*w, *id))
                .copied();
        }
    }
    out
}

/// What [`between_snapshots`] found.
struct Between {
    clocks: Vec<u32>,
    left: FxHashMap<(usize, usize), u32>,
    ended: FxHashMap<(usize, usize), u32>,
    gone: FxHashMap<(usize, usize), u32>,
    /// Per slot: what became of its goroutines whose connection's reader
    /// exited (see [`Series::partners`]), with the readers' slots and how
    /// often each.
    partners: FxHashMap<usize, (Partners, FxHashMap<usize, u32>)>,
}

impl Between {
    /// A per-(slot, k) count of `counts` (taken out) as a series' per-step
    /// field: `None` where ids are not known in both snapshots of the step.
    fn per_step(
        counts: &mut FxHashMap<(usize, usize), u32>,
        slot: usize,
        ids_known: &[bool],
    ) -> Vec<Option<usize>> {
        Self::take(counts, slot, ids_known.windows(2).map(|w| w[0] && w[1]))
    }

    /// Like [`Between::per_step`] for counts that look back a snapshot
    /// too: known where ids are known in k − 1, k and k + 1 (0 for the
    /// first pair, where ids are known in both).
    fn per_step_of_three(
        counts: &mut FxHashMap<(usize, usize), u32>,
        slot: usize,
        ids_known: &[bool],
    ) -> Vec<Option<usize>> {
        let known = ids_known
            .windows(2)
            .enumerate()
            .map(|(k, w)| w[0] && w[1] && (k == 0 || ids_known[k - 1]));
        Self::take(counts, slot, known)
    }

    /// The counts of `slot` (taken out) for the steps whose `known` is set.
    fn take(
        counts: &mut FxHashMap<(usize, usize), u32>,
        slot: usize,
        known: impl Iterator<Item = bool>,
    ) -> Vec<Option<usize>> {
        known
            .enumerate()
            .map(|(k, known)| known.then(|| counts.remove(&(slot, k)).map_or(0, |c| c as usize)))
            .collect()
    }
}

/// Whether a goroutine that waited `before` minutes at one snapshot and
/// `after` at the next, with the wait clock at `clock` (see
/// [`between_snapshots`]), was woken between them: a wait that goes on only
/// grows, by the time between the snapshots (more than `clock − 1`
/// minutes). The runtime stamps the start of a wait at the first garbage
/// collection that finds it waiting, at most two minutes late (the forced
/// collection), so a wait not yet stamped at the first snapshot may show
/// up to two minutes less.
fn woke(before: u32, after: u32, clock: u32) -> bool {
    let late = if before == 0 { 2 } else { 0 };
    let least = (before + clock.saturating_sub(1)).saturating_sub(late);
    after < before || after < least
}

/// What `leakdiff diff` matches samples by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiffBy {
    /// The site: the first frame outside the runtime and allocator for
    /// memory and goroutine profiles, the leaf frame otherwise.
    #[default]
    Site,
    /// The function of the site, all lines together.
    Function,
}

/// One row of a profile diff.
#[derive(Debug, Clone, Serialize)]
pub struct DiffRow {
    pub site: FrameRef,
    pub base: i64,
    pub new: i64,
    pub delta: i64,
    /// `delta / base`; `null` when the site is new.
    pub relative: Option<f64>,
}

/// The result of `leakdiff diff BASE NEW`.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileDiff {
    pub base: String,
    pub new: String,
    pub profile: &'static str,
    pub sample_type: String,
    pub unit: String,
    pub base_total: i64,
    pub new_total: i64,
    pub rows: Vec<DiffRow>,
    /// The base-versus-new flame graph, filled in only when an output needs
    /// it (HTML, `--flamegraph`); not part of the JSON.
    #[serde(skip)]
    pub flames: Vec<flame::FlameGraph>,
    /// `--fail-on-growth`: what crossed the gate; absent without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<gate::Gate>,
}

/// The site of a sample for `diff`.
fn sample_site(snap: &Snapshot, stack: &[crate::model::FrameId], by: DiffBy) -> FrameRef {
    let skip_runtime = snap.kind.is_memory() || snap.kind.is_goroutine();
    let id = if skip_runtime {
        stack
            .iter()
            .copied()
            .find(|&f| !crate::model::normalize::is_allocator_or_runtime(snap.table.function(f)))
            .or_else(|| stack.first().copied())
    } else {
        stack.first().copied()
    };
    match id {
        Some(id) => {
            let mut f = snap.table.resolve(id);
            if by == DiffBy::Function {
                f.line = 0;
            }
            f
        }
        None => FrameRef {
            function: "(no stack)".into(),
            ..Default::default()
        },
    }
}

fn totals_by_site(snap: &Snapshot, index: usize, by: DiffBy) -> (FxHashMap<FrameRef, i64>, i64) {
    let mut map: FxHashMap<FrameRef, i64> = FxHashMap::default();
    let mut cache: FxHashMap<std::sync::Arc<[crate::model::FrameId]>, FrameRef> =
        FxHashMap::default();
    let mut total = 0i64;
    for s in &snap.samples {
        let v = s.values.get(index).copied().unwrap_or(0);
        total = total.saturating_add(v);
        let site = match cache.get(&s.stack) {
            Some(f) => f.clone(),
            None => {
                let f = sample_site(snap, &s.stack, by);
                cache.insert(s.stack.clone(), f.clone());
                f
            }
        };
        let slot = map.entry(site).or_default();
        *slot = slot.saturating_add(v);
    }
    (map, total)
}

/// Diffs two profiles of one type by normalized site, so that profiles of
/// different builds of the same code still match.
pub fn diff_profiles(
    base: &Snapshot,
    new: &Snapshot,
    sample_type: Option<&str>,
    by: DiffBy,
) -> Result<ProfileDiff, String> {
    // A goroutineleak profile at debug=2 is a whole goroutine dump: it
    // compares with a goroutine dump goroutine for goroutine.
    let whole_dump =
        |s: &Snapshot| s.format == crate::model::Format::Debug2 && s.kind.is_goroutine();
    let dumps = whole_dump(base) && whole_dump(new);
    if base.kind != new.kind && !dumps {
        return Err(format!(
            "cannot diff a {} profile ({}) against a {} profile ({})",
            base.kind,
            base.name(),
            new.kind,
            new.name()
        ));
    }
    let index = match sample_type {
        Some(t) => base.sample_type_index(t).ok_or_else(|| {
            let names: Vec<String> = base
                .sample_types
                .iter()
                .map(|v| format!("{:?}", v.ty))
                .collect();
            format!(
                "{}: no sample type {t:?} (it has: {})",
                base.name(),
                names.join(", ")
            )
        })?,
        None => crate::group::default_value_index(base),
    };
    let vt = base
        .sample_types
        .get(index)
        .cloned()
        .unwrap_or_else(|| crate::model::ValueType::new("count", "count"));
    let new_index = match new.sample_type_index(&vt.ty) {
        Some(i) => i,
        None if dumps => 0,
        None => return Err(format!("{}: has no sample type {:?}", new.name(), vt.ty)),
    };
    let (b, base_total) = totals_by_site(base, index, by);
    let (n, new_total) = totals_by_site(new, new_index, by);
    let mut keys: Vec<&FrameRef> = b.keys().chain(n.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut rows: Vec<DiffRow> = keys
        .into_iter()
        .map(|k| {
            let bv = b.get(k).copied().unwrap_or(0);
            let nv = n.get(k).copied().unwrap_or(0);
            DiffRow {
                site: k.clone(),
                base: bv,
                new: nv,
                delta: nv - bv,
                relative: (bv != 0).then(|| (nv - bv) as f64 / bv as f64),
            }
        })
        .filter(|r| r.delta != 0)
        .collect();
    rows.sort_by(|a, b| {
        b.delta
            .abs()
            .cmp(&a.delta.abs())
            .then_with(|| a.site.cmp(&b.site))
    });
    Ok(ProfileDiff {
        base: base.name(),
        new: new.name(),
        profile: base.kind.as_str(),
        sample_type: vt.ty,
        unit: vt.unit,
        base_total,
        new_total,
        rows,
        flames: Vec::new(),
        gate: None,
    })
}
