//! Grouping: samples of one snapshot that share a normalized key become one
//! [`Group`]. Keys are built from run-wide interned [`KeyFrame`]s so that the
//! same group matches across snapshots, formats, builds and Go releases:
//!
//! - runtime-internal frames (runtime, internal/…, sync, time, reflect,
//!   syscall) and `go` statement wrappers (`gowrapN`) are left out of the key;
//!   the blocking operation stands for them;
//! - standard-library frames are keyed by function only (their line numbers
//!   move between Go releases); the program's own frames by function, file and
//!   line.

use crate::load::Fold;
use crate::model::normalize;
use crate::model::{
    BlockingOp, CallWords, FlatSamples, FrameId, FrameRef, Interner, Objects, ProfileKind, Sample,
    SampleRef, Snapshot, Sym,
};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// How samples are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupBy {
    /// The whole normalized stack (and created-by site).
    #[default]
    Stack,
    /// The blocking site: the first frame of the program's own code and the
    /// blocking operation.
    Site,
    /// The created-by site (the `go` statement).
    Creator,
}

/// A frame as it takes part in a group key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyFrame {
    pub function: String,
    /// Empty for standard-library frames.
    pub file: String,
    /// 0 for standard-library frames.
    pub line: u32,
}

/// Run-wide interner of key frames: each stored once, as ids of its
/// function and file texts (each text stored once).
#[derive(Debug, Default)]
pub struct KeyInterner {
    texts: Interner,
    /// (function, file, line) -> id.
    map: FxHashMap<(Sym, Sym, u32), u32>,
    frames: Vec<(Sym, Sym, u32)>,
}

impl KeyInterner {
    /// The id of the frame (`function`, `file`, `line`), interned if new.
    pub fn intern_parts(&mut self, function: &str, file: &str, line: u32) -> u32 {
        let k = (self.texts.intern(function), self.texts.intern(file), line);
        let next = self.frames.len() as u32;
        let id = *self.map.entry(k).or_insert(next);
        if id == next {
            self.frames.push(k);
        }
        id
    }

    pub fn intern(&mut self, f: KeyFrame) -> u32 {
        self.intern_parts(&f.function, &f.file, f.line)
    }

    pub fn get(&self, id: u32) -> KeyFrame {
        let (function, file, line) = self.parts(id);
        KeyFrame {
            function: function.to_string(),
            file: file.to_string(),
            line,
        }
    }

    /// The function, file and line of frame `id`.
    pub fn parts(&self, id: u32) -> (&str, &str, u32) {
        let (f, file, line) = self.frames[id as usize];
        (self.texts.get(f), self.texts.get(file), line)
    }

    /// The line of frame `id` (0 for standard-library frames).
    pub fn line(&self, id: u32) -> u32 {
        self.frames[id as usize].2
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }
}

/// The identity of a group, comparable across snapshots of one run.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKey {
    pub op: BlockingOp,
    pub frames: Box<[u32]>,
    pub created_by: Option<u32>,
}

/// Samples of one snapshot sharing a key.
#[derive(Debug, Clone)]
pub struct Group {
    pub key: GroupKey,
    pub op: BlockingOp,
    /// Representative stack, leaf first, with the runtime frames, as
    /// displayed: the first sample's (for memory, the largest sample's).
    pub frames: Vec<FrameRef>,
    /// Index of that representative sample in the snapshot's samples.
    pub rep: usize,
    pub created_by: Option<FrameRef>,
    /// Sum of each sample value (one per snapshot sample type).
    pub values: Vec<i64>,
    /// Goroutine ids (debug=2 only).
    pub ids: Vec<u64>,
    /// The words of each goroutine's top frames and its wait minutes (0
    /// under a minute), in the order of `ids` (recorded ones only, for
    /// waits that end when woken: see `crate::diff::Series::moved`).
    pub calls: Vec<(CallWords, u32)>,
    /// The objects each goroutine works for ([`Objects`]), in the order of
    /// `ids` (empty where none was recorded; shorter where the last ones
    /// had none).
    pub objects: Vec<Objects>,
    pub wait_min: Option<u32>,
    pub wait_max: Option<u32>,
    /// Goroutines (with a known wait) that showed no wait minutes, i.e. blocked
    /// for less than a minute.
    pub parents: BTreeMap<u64, u32>,
    pub labels: BTreeMap<String, BTreeSet<String>>,
    /// Goroutines the runtime marked `(leaked)`.
    pub leaked: u64,
    /// Raw states seen (e.g. `chan receive`), with counts.
    pub states: BTreeMap<String, u64>,
    /// Runtime-owned goroutines (GC workers, finalizer …) or the main goroutine.
    pub background: bool,
    pub elided: bool,
    /// debug=1: the runtime frames the text hides at the top of the stack
    /// (the most any of its records hides); 0 in other formats.
    pub hidden_frames: u8,
    /// debug=1: some record of the group is a receive whose hidden wrapper
    /// the addresses order as runtime.chanrecv1 (a plain receive).
    pub plain_receive: bool,
    /// debug=1: some record of the group waits on a nil channel through a
    /// send's hidden frames ([`crate::model::Sample::hidden_nil_send`]).
    pub hidden_nil_send: bool,
    /// Memory profiles: the distinct stacks (function names, leaf first) a
    /// site groups, so signatures see timers or map growth below it; ids
    /// into [`Grouper::names`]. Collected only when the grouper is asked to
    /// ([`Grouper::collect_stacks`]).
    pub stacks: BTreeSet<Arc<[Sym]>>,
    /// Memory profiles: the number of samples the profiler actually kept
    /// (the profile's values unscaled by its sampling period), the basis of
    /// the sampling error of [`Group::values`]; 0 when unknown.
    pub raw_samples: f64,
    /// Memory profiles: the variance of the judged value that sampling
    /// implies (Horvitz–Thompson: each kept sample of objects of size `s`,
    /// kept with probability `p`, adds `s² (1 − p) / p²`), so objects at or
    /// above the sampling period, kept every time, add almost none; 0 when
    /// unknown.
    pub sampling_var: f64,
}

/// The distinct allocation stacks of a memory series: each a list of
/// function names, leaf first. Names are stored once for the whole run and
/// stacks as ids into them, so a site with many stacks costs a few bytes
/// per frame.
#[derive(Debug, Clone, Default)]
pub struct Stacks {
    names: Arc<Interner>,
    set: BTreeSet<Arc<[Sym]>>,
}

impl Stacks {
    pub fn new(names: Arc<Interner>, set: BTreeSet<Arc<[Sym]>>) -> Self {
        Stacks { names, set }
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// The stacks as name ids (see [`Stacks::name`]), in a stable order.
    pub fn ids(&self) -> impl Iterator<Item = &[Sym]> + '_ {
        self.set.iter().map(|s| &s[..])
    }

    pub fn name(&self, id: Sym) -> &str {
        self.names.get(id)
    }

    /// The distinct names that occur in some stack, as ids.
    pub fn name_ids(&self) -> BTreeSet<Sym> {
        self.set.iter().flat_map(|s| s.iter().copied()).collect()
    }

    /// Every function in some stack, sorted and deduplicated.
    pub fn functions(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .name_ids()
            .into_iter()
            .map(|id| self.names.get(id).to_string())
            .collect();
        v.sort();
        v
    }
}

impl Group {
    /// Goroutine count (or the value at `index` for other profiles).
    pub fn value(&self, index: usize) -> i64 {
        self.values.get(index).copied().unwrap_or(0)
    }

    /// The leaking site: the first frame outside the runtime, else the leaf.
    pub fn site(&self) -> Option<&FrameRef> {
        self.frames
            .iter()
            .find(|f| !normalize::is_runtime_function(&f.function))
            .or_else(|| self.frames.first())
    }
}

/// The groups of one snapshot, most populous first.
#[derive(Debug, Clone)]
pub struct SnapshotGroups {
    pub groups: Vec<Group>,
}

/// Builds keys for the snapshots of one run.
#[derive(Debug, Default)]
pub struct Grouper {
    pub keys: KeyInterner,
    pub by: GroupBy,
    /// Function names of the memory stacks collected (see [`Group::stacks`]).
    pub names: Interner,
    /// Collect the distinct allocation stacks of memory groups (analysis
    /// needs them; `show` does not).
    pub collect_stacks: bool,
    /// Leave out memory samples allocated by the profiler itself
    /// (`runtime/pprof`, `net/http/pprof` and whatever they call): taking a
    /// profile is never a leak of the profiled program (analysis sets it).
    pub skip_profiler: bool,
}

pub(crate) fn is_wrapper(function: &str) -> bool {
    // `go f(x)` statements compile to `caller.gowrapN` closures (Go 1.21+).
    match function.rfind(".gowrap") {
        Some(i) => function[i + 7..].bytes().all(|b| b.is_ascii_digit()),
        None => false,
    }
}

impl Grouper {
    pub fn new(by: GroupBy) -> Self {
        Grouper {
            keys: KeyInterner::default(),
            by,
            names: Interner::new(),
            collect_stacks: false,
            skip_profiler: false,
        }
    }

    fn key_frame(&mut self, snap: &Snapshot, id: FrameId) -> Option<u32> {
        let function = snap.table.function(id);
        if is_wrapper(function) || normalize::is_runtime_function(function) {
            return None;
        }
        let std = normalize::package_path(function).is_some_and(normalize::is_std_package);
        Some(if std {
            self.keys.intern_parts(function, "", 0)
        } else {
            self.keys
                .intern_parts(function, snap.table.file(id), snap.table.frame(id).line)
        })
    }

    /// Groups the samples of one snapshot. `value_index` orders the groups.
    pub fn group(&mut self, snap: &Snapshot, value_index: usize) -> SnapshotGroups {
        self.group_top(snap, value_index, None)
    }

    /// Like [`Grouper::group`], keeping only the `top` largest groups (all
    /// with `None`). Frames are resolved to strings for the kept groups
    /// only: a memory profile can have a group per sample.
    pub fn group_top(
        &mut self,
        snap: &Snapshot,
        value_index: usize,
        top: Option<usize>,
    ) -> SnapshotGroups {
        let mut acc = GroupAcc::new(self, snap, value_index, false);
        for (si, sample) in snap.samples.iter().enumerate() {
            acc.add(self, snap, si, sample);
        }
        acc.finish(self, snap, top)
    }
}

/// The grouping of one snapshot in progress: its samples are added one at
/// a time, in order, so that a loader can hand them over in chunks and drop
/// them ([`GroupAcc::new`] with `owned`); [`Grouper::group_top`] adds a whole
/// snapshot's. Either gives the same groups.
pub struct GroupAcc {
    value_index: usize,
    /// Per frame of the snapshot: its key frame, once known.
    cache: Vec<Option<Option<u32>>>,
    index: FxHashMap<GroupKey, usize>,
    /// By site: (operation, first key frame) -> group.
    sites: FxHashMap<(BlockingOp, Option<u32>), usize>,
    groups: Vec<Group>,
    /// Memory profiles: per group, the functions on its stacks (as
    /// interned symbols) and the sample holding the most memory; turned
    /// into strings and frames once, at the end.
    mem: Vec<MemoryAcc>,
    memory: bool,
    goroutines: bool,
    key_frames: Vec<u32>,
    /// Samples with the same frames, creator and operation get the same
    /// key: it is built once per distinct stack, not once per goroutine.
    memo: Memo,
    raw_of: Option<RawSamples>,
    skip_profiler: bool,
    /// Per frame: 0 unknown, 1 the profiler's own code, 2 not.
    profiler_frame: Vec<u8>,
    /// Per group: the stack of its representative sample.
    rep_stacks: Vec<std::sync::Arc<[FrameId]>>,
    /// A sample's functions, built here before they are looked up in its
    /// group's set (most are there already, or the set is full).
    syms: Vec<Sym>,
}

/// Distinct (stack, creator, operation) triples seen, each with its group.
/// The stacks are those of the snapshot's samples (by index) or, when the
/// samples are not kept (a memory profile folded while it is loaded, whose
/// stacks are mostly distinct), identified by a 128-bit hash (FxHash of
/// the triple and a SplitMix64-style mix of the stack): two distinct
/// triples are taken for one with a probability of about n²/2¹²⁹, and
/// then only the sampling variance of their site would differ (repeats
/// add it twice, see `add`).
struct Memo {
    owned: bool,
    /// Hash -> the last entry with that hash.
    map: FxHashMap<u64, u32>,
    /// Goroutine samples kept in the snapshot: (address of the stack,
    /// creator, operation) -> group (see `GroupAcc::add`).
    by_address: FxHashMap<Shared, u32>,
    entries: Vec<MemoEntry>,
}

/// A sample's stack by its address, its creator and its operation.
type Shared = (usize, Option<FrameId>, BlockingOp);

struct MemoEntry {
    /// The sample's index, or (owned) the second hash of the triple.
    at: usize,
    created_by: Option<FrameId>,
    op: BlockingOp,
    group: u32,
    /// The previous entry with the same hash (`u32::MAX`: none).
    next: u32,
}

impl Memo {
    fn hash(stack: &[FrameId], created_by: Option<FrameId>, op: BlockingOp) -> u64 {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one((stack, created_by, op))
    }

    /// What an entry records of a sample's stack.
    fn at(&self, si: usize, s: &SampleRef) -> usize {
        if self.owned {
            // A hash of another kind than FxHash: a multiply-xorshift mix
            // of each frame (as in SplitMix64).
            let mut h: u64 = 0x243f_6a88_85a3_08d3 ^ s.stack.len() as u64;
            for &f in s.stack.iter() {
                h = (h ^ u64::from(f)).wrapping_add(0x9e37_79b9_7f4a_7c15);
                h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                h ^= h >> 31;
            }
            h as usize
        } else {
            si
        }
    }

    /// The group of a triple seen before; its stack's address (`shared`)
    /// is remembered for it.
    fn get(
        &mut self,
        snap: &Snapshot,
        (h, at, shared): (u64, usize, Option<Shared>),
        s: &SampleRef,
        op: BlockingOp,
    ) -> Option<usize> {
        let mut i = *self.map.get(&h)?;
        while i != u32::MAX {
            let e = &self.entries[i as usize];
            if e.created_by == s.created_by
                && e.op == op
                && if self.owned {
                    e.at == at
                } else {
                    *snap.samples[e.at].stack == *s.stack
                }
            {
                let group = e.group;
                if let Some(k) = shared {
                    self.by_address.insert(k, group);
                }
                return Some(group as usize);
            }
            i = e.next;
        }
        None
    }

    fn insert(
        &mut self,
        (h, at, shared): (u64, usize, Option<Shared>),
        s: &SampleRef,
        op: BlockingOp,
        group: usize,
    ) {
        if let Some(k) = shared {
            self.by_address.insert(k, group as u32);
        }
        let id = self.entries.len() as u32;
        let next = self.map.insert(h, id).unwrap_or(u32::MAX);
        self.entries.push(MemoEntry {
            at,
            created_by: s.created_by,
            op,
            group: group as u32,
            next,
        });
    }
}

impl GroupAcc {
    /// Starts grouping `snap` (whose frame table and metadata are complete;
    /// its samples need not be there yet). With `owned`, the samples added
    /// need not stay in `snap` (what is needed of them is copied).
    pub fn new(grouper: &Grouper, snap: &Snapshot, value_index: usize, owned: bool) -> GroupAcc {
        let n_frames = snap.table.len();
        let memory = snap.kind.is_memory();
        let skip_profiler = memory && grouper.skip_profiler;
        GroupAcc {
            value_index,
            cache: vec![None; n_frames],
            index: FxHashMap::default(),
            sites: FxHashMap::default(),
            groups: Vec::new(),
            mem: Vec::new(),
            memory,
            goroutines: snap.kind.is_goroutine(),
            key_frames: Vec::new(),
            memo: Memo {
                owned,
                map: FxHashMap::default(),
                by_address: FxHashMap::default(),
                entries: Vec::new(),
            },
            raw_of: if memory {
                RawSamples::of(snap, value_index)
            } else {
                None
            },
            skip_profiler,
            profiler_frame: if skip_profiler {
                vec![0; n_frames]
            } else {
                Vec::new()
            },
            rep_stacks: Vec::new(),
            syms: Vec::new(),
        }
    }

    /// Adds sample `si` of the snapshot (samples are added in order).
    pub fn add(&mut self, grouper: &mut Grouper, snap: &Snapshot, si: usize, sample: &Sample) {
        self.add_ref(grouper, snap, si, &sample.view());
    }

    /// [`GroupAcc::add`], of a sample's fields.
    pub fn add_ref(
        &mut self,
        grouper: &mut Grouper,
        snap: &Snapshot,
        si: usize,
        sample: &SampleRef,
    ) {
        if self.skip_profiler {
            let profiler_frame = &mut self.profiler_frame;
            if sample.stack.iter().any(|&f| {
                let slot = &mut profiler_frame[f as usize];
                if *slot == 0 {
                    *slot = if normalize::is_profiler_function(snap.table.function(f)) {
                        1
                    } else {
                        2
                    };
                }
                *slot == 1
            }) {
                return;
            }
        }
        let op = if self.goroutines {
            sample.op
        } else {
            BlockingOp::Other
        };
        // A loader shares one stack between goroutines with the same
        // frames: while the samples are kept (so no stack is freed and its
        // address reused), the address stands for the frames.
        let shared = (!self.memo.owned && self.goroutines && sample.shared_stack.is_some())
            .then_some((sample.stack.as_ptr() as usize, sample.created_by, op));
        if let Some(gi) = shared.and_then(|k| self.memo.by_address.get(&k)) {
            let gi = *gi as usize;
            add_sample(&mut self.groups[gi], snap, sample);
            return;
        }
        let memo_key = (
            Memo::hash(sample.stack, sample.created_by, op),
            self.memo.at(si, sample),
            shared,
        );
        if let Some(gi) = self.memo.get(snap, memo_key, sample, op) {
            add_sample(&mut self.groups[gi], snap, sample);
            if self.memory {
                if self.mem[gi].add(snap, sample, si, self.value_index, &mut self.syms) {
                    self.rep_stacks[gi] = sample.stack_arc();
                }
                if let Some(r) = &self.raw_of {
                    self.groups[gi].raw_samples += r.count(sample);
                    self.groups[gi].sampling_var += r.variance(sample);
                }
            }
            return;
        }
        let key_frames = &mut self.key_frames;
        key_frames.clear();
        // Standard-library internals move between Go releases: of each
        // run of standard-library frames only the outermost (the function
        // the program called, or a goroutine's entry) joins the key.
        let mut pending_std: Option<u32> = None;
        for &fid in sample.stack.iter() {
            let k = match self.cache[fid as usize] {
                Some(k) => k,
                None => {
                    let k = grouper.key_frame(snap, fid);
                    self.cache[fid as usize] = Some(k);
                    k
                }
            };
            if let Some(k) = k {
                if self.goroutines && grouper.keys.line(k) == 0 {
                    pending_std = Some(k);
                } else {
                    if let Some(p) = pending_std.take() {
                        key_frames.push(p);
                    }
                    key_frames.push(k);
                }
            }
        }
        if let Some(p) = pending_std.take() {
            key_frames.push(p);
        }
        let created = sample.created_by.map(|c| {
            let f = snap.table.function(c);
            let std = normalize::package_path(f).is_some_and(normalize::is_std_package);
            if std {
                grouper.keys.intern_parts(f, "", 0)
            } else {
                grouper
                    .keys
                    .intern_parts(f, snap.table.file(c), snap.table.frame(c).line)
            }
        });
        // By site, the key is the operation and the first key frame: looked
        // up without building it.
        let site = (op, key_frames.first().copied());
        if grouper.by == GroupBy::Site {
            if let Some(&gi) = self.sites.get(&site) {
                self.memo.insert(memo_key, sample, op, gi);
                self.add_to(gi, snap, si, sample);
                return;
            }
        }
        let key = match grouper.by {
            GroupBy::Stack => GroupKey {
                op,
                frames: key_frames.as_slice().into(),
                created_by: created,
            },
            GroupBy::Site => GroupKey {
                op,
                frames: key_frames.first().copied().into_iter().collect(),
                created_by: None,
            },
            GroupBy::Creator => GroupKey {
                op: BlockingOp::Other,
                frames: Box::new([]),
                created_by: created,
            },
        };
        let gi = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                let i = self.groups.len();
                self.groups.push(new_group(snap, sample, si, key.clone()));
                self.rep_stacks.push(sample.stack_arc());
                if self.memory {
                    self.mem.push(MemoryAcc::new(grouper.collect_stacks));
                }
                self.index.insert(key, i);
                if grouper.by == GroupBy::Site {
                    self.sites.insert(site, i);
                }
                i
            }
        };
        self.memo.insert(memo_key, sample, op, gi);
        self.add_to(gi, snap, si, sample);
    }

    /// Adds a sample whose stack was not seen before to group `gi`.
    fn add_to(&mut self, gi: usize, snap: &Snapshot, si: usize, sample: &SampleRef) {
        add_sample(&mut self.groups[gi], snap, sample);
        if self.memory {
            if self.mem[gi].add(snap, sample, si, self.value_index, &mut self.syms)
                && self.groups[gi].rep != si
            {
                self.rep_stacks[gi] = sample.stack_arc();
            }
            if let Some(r) = &self.raw_of {
                self.groups[gi].raw_samples += r.count(sample);
                self.groups[gi].sampling_var += r.variance(sample);
            }
        }
    }

    /// The groups, most populous first, the `top` largest only (all with
    /// `None`).
    pub fn finish(
        self,
        grouper: &mut Grouper,
        snap: &Snapshot,
        top: Option<usize>,
    ) -> SnapshotGroups {
        self.finish_into(&mut grouper.names, None, snap, top)
    }

    /// [`GroupAcc::finish`], the stacks' names interned in `names_out` and
    /// their stacks shared with those in `pool`.
    fn finish_into(
        self,
        names_out: &mut Interner,
        mut pool: Option<&mut FxHashSet<Arc<[Sym]>>>,
        snap: &Snapshot,
        top: Option<usize>,
    ) -> SnapshotGroups {
        let GroupAcc {
            value_index,
            mut groups,
            mem,
            memory,
            rep_stacks,
            ..
        } = self;
        if memory {
            // Snapshot symbols to run-wide names, each looked up once.
            let mut names: Vec<Option<Sym>> = vec![None; snap.table.strings.len()];
            for (g, acc) in groups.iter_mut().zip(mem) {
                acc.finish(g, snap, names_out, &mut names, pool.as_deref_mut());
            }
        }
        let mut order: Vec<(std::cmp::Reverse<u64>, u32)> = groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                (
                    std::cmp::Reverse(g.value(value_index).unsigned_abs()),
                    i as u32,
                )
            })
            .collect();
        order.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| groups[a.1 as usize].key.cmp(&groups[b.1 as usize].key))
        });
        order.truncate(top.unwrap_or(usize::MAX));
        let mut slots: Vec<Option<(Group, std::sync::Arc<[FrameId]>)>> =
            groups.into_iter().zip(rep_stacks).map(Some).collect();
        let groups: Vec<Group> = order
            .iter()
            .filter_map(|&(_, i)| slots[i as usize].take())
            .map(|(mut g, stack)| {
                g.frames = stack.iter().map(|&f| snap.table.resolve(f)).collect();
                g
            })
            .collect();
        SnapshotGroups { groups }
    }
}

fn new_group(snap: &Snapshot, sample: &SampleRef, rep: usize, key: GroupKey) -> Group {
    let functions: Vec<&str> = sample
        .stack
        .iter()
        .map(|&f| snap.table.function(f))
        .collect();
    let state = sample.goroutine.map(|g| &*g.state);
    let is_main = sample.goroutine.is_some_and(|g| g.id == 1)
        || (sample.created_by.is_none()
            && functions
                .last()
                .is_some_and(|f| *f == "main.main" || *f == "runtime.main"));
    let background = snap.kind.is_goroutine()
        && (normalize::is_runtime_goroutine(state, &functions)
            || is_main
            || functions.iter().any(|f| {
                f.starts_with("testing.") && f.ends_with("tRunner") && functions.len() < 3
            }));
    Group {
        key,
        op: if snap.kind.is_goroutine() {
            sample.op
        } else {
            BlockingOp::Other
        },
        frames: Vec::new(),
        rep,
        created_by: sample.created_by.map(|c| snap.table.resolve(c)),
        values: vec![0; snap.sample_types.len().max(1)],
        ids: Vec::new(),
        calls: Vec::new(),
        objects: Vec::new(),
        wait_min: None,
        wait_max: None,
        parents: BTreeMap::new(),
        labels: BTreeMap::new(),
        leaked: 0,
        states: BTreeMap::new(),
        background,
        elided: false,
        hidden_frames: sample.hidden_frames,
        plain_receive: sample.plain_receive,
        hidden_nil_send: sample.hidden_nil_send,
        stacks: BTreeSet::new(),
        raw_samples: 0.0,
        sampling_var: 0.0,
    }
}

/// How to take a memory sample's values back to the number of samples the
/// profiler kept. Go writes heap profiles scaled: a sample of objects of
/// average size `s` was kept with probability `1 - exp(-s / period)`, and
/// its counts were divided by that (`scaleHeapSample`).
struct RawSamples {
    objects: usize,
    space: usize,
    period: f64,
}

impl RawSamples {
    /// The objects/space pair behind the judged value (`inuse_space` →
    /// `inuse_objects`), when the profile records a sampling period.
    fn of(snap: &Snapshot, value_index: usize) -> Option<RawSamples> {
        let period = snap.period.filter(|&p| p > 0)? as f64;
        let ty = &snap.sample_types.get(value_index)?.ty;
        let prefix = ty.strip_suffix("_space")?;
        let objects = snap.sample_type_index(&format!("{prefix}_objects"))?;
        Some(RawSamples {
            objects,
            space: value_index,
            period,
        })
    }

    fn count(&self, s: &SampleRef) -> f64 {
        let objects = s.values.get(self.objects).copied().unwrap_or(0) as f64;
        let bytes = s.values.get(self.space).copied().unwrap_or(0) as f64;
        if objects <= 0.0 || bytes <= 0.0 {
            return 0.0;
        }
        let avg = bytes / objects;
        objects * (1.0 - (-avg / self.period).exp())
    }

    /// The variance sampling adds to the sample's bytes: `objects` (scaled)
    /// of average size `s`, each kept with probability `p`, estimate their
    /// total with variance `objects · s² · (1 − p) / p`.
    fn variance(&self, s: &SampleRef) -> f64 {
        let objects = s.values.get(self.objects).copied().unwrap_or(0) as f64;
        let bytes = s.values.get(self.space).copied().unwrap_or(0) as f64;
        if objects <= 0.0 || bytes <= 0.0 {
            return 0.0;
        }
        let avg = bytes / objects;
        let p = 1.0 - (-avg / self.period).exp();
        if p <= 0.0 {
            return 0.0;
        }
        objects * avg * avg * (1.0 - p) / p
    }
}

/// Distinct allocation stacks kept per memory site.
const MAX_STACKS_PER_SITE: usize = 64;

/// What grouping a memory profile gathers per group: its distinct stacks
/// (as the snapshot's function symbols, when collected) and the
/// representative sample.
struct MemoryAcc {
    stacks: Option<FxHashSet<Arc<[Sym]>>>,
    rep: Option<usize>,
    rep_value: i64,
}

impl MemoryAcc {
    fn new(collect_stacks: bool) -> Self {
        MemoryAcc {
            stacks: collect_stacks.then(FxHashSet::default),
            rep: None,
            rep_value: i64::MIN,
        }
    }

    /// Adds a sample; whether it became the representative.
    fn add(
        &mut self,
        snap: &Snapshot,
        s: &SampleRef,
        index: usize,
        value_index: usize,
        syms: &mut Vec<Sym>,
    ) -> bool {
        if let Some(stacks) = &mut self.stacks {
            if stacks.len() < MAX_STACKS_PER_SITE {
                syms.clear();
                syms.extend(s.stack.iter().map(|&f| snap.table.frame(f).function));
                if !stacks.contains(syms.as_slice()) {
                    stacks.insert(Arc::from(syms.as_slice()));
                }
            }
        }
        let v = s.values.get(value_index).copied().unwrap_or(0);
        if v > self.rep_value {
            self.rep_value = v;
            self.rep = Some(index);
            return true;
        }
        false
    }

    /// With `pool`, a stack already there is shared, not stored again.
    fn finish(
        self,
        g: &mut Group,
        snap: &Snapshot,
        names: &mut Interner,
        cache: &mut [Option<Sym>],
        mut pool: Option<&mut FxHashSet<Arc<[Sym]>>>,
    ) {
        if let Some(stacks) = self.stacks {
            g.stacks = stacks
                .into_iter()
                .map(|mut st| {
                    // Mapped in place: the stack is not copied.
                    let syms = Arc::get_mut(&mut st).expect("a stack is held once");
                    for f in syms.iter_mut() {
                        *f = *cache[*f as usize]
                            .get_or_insert_with(|| names.intern(snap.table.strings.get(*f)));
                    }
                    match pool.as_deref_mut() {
                        Some(pool) => match pool.get(&st[..]) {
                            Some(shared) => shared.clone(),
                            None => {
                                pool.insert(st.clone());
                                st
                            }
                        },
                        None => st,
                    }
                })
                .collect();
        }
        if let Some(i) = self.rep {
            g.rep = i;
        }
    }
}

/// How much an operation says: running and other say least.
pub fn op_specificity(op: BlockingOp) -> u8 {
    match op {
        BlockingOp::Other => 0,
        BlockingOp::Running => 1,
        _ => 2,
    }
}

fn add_sample(g: &mut Group, snap: &Snapshot, s: &SampleRef) {
    if snap.kind.is_goroutine() && op_specificity(s.op) > op_specificity(g.op) {
        g.op = s.op;
    }
    g.hidden_frames = g.hidden_frames.max(s.hidden_frames);
    g.plain_receive |= s.plain_receive;
    g.hidden_nil_send |= s.hidden_nil_send;
    for (i, v) in s.values.iter().enumerate() {
        if let Some(slot) = g.values.get_mut(i) {
            *slot = slot.saturating_add(*v);
        }
    }
    if s.values.is_empty() {
        g.values[0] += 1;
    }
    for (k, v) in s.labels {
        match g.labels.get_mut(k.as_str()) {
            Some(set) => {
                if !set.contains(v.as_str()) {
                    set.insert(v.clone());
                }
            }
            None => {
                g.labels.insert(k.clone(), BTreeSet::from([v.clone()]));
            }
        }
    }
    if let Some(info) = s.goroutine {
        g.ids.push(info.id);
        if let Some(c) = info.call.as_ref().filter(|_| g.op.calls_followed()) {
            // In the order of `ids` (a goroutine without them counts as
            // none recorded). Kept only where a new call means something
            // (see `crate::diff::Series::moved`).
            g.calls.resize(g.ids.len() - 1, Default::default());
            g.calls.push((**c, info.wait_minutes.unwrap_or(0)));
        }
        if info.objects != Objects::default() {
            g.objects.resize(g.ids.len() - 1, Objects::default());
            g.objects.push(info.objects);
        }
        let w = info.wait_minutes.unwrap_or(0);
        g.wait_min = Some(g.wait_min.map_or(w, |m| m.min(w)));
        g.wait_max = Some(g.wait_max.map_or(w, |m| m.max(w)));
        if let Some(p) = info.parent_id {
            *g.parents.entry(p).or_default() += 1;
        }
        if info.leaked {
            g.leaked += 1;
        }
        g.elided |= info.frames_elided;
        if let Some(c) = g.states.get_mut(&*info.state) {
            *c += 1;
        } else {
            g.states.insert(info.state.to_string(), 1);
        }
    }
}

/// Convenience: group one snapshot on its own (for `show`).
pub fn group_snapshot(
    snap: &Snapshot,
    by: GroupBy,
    top: Option<usize>,
) -> (Grouper, SnapshotGroups) {
    let mut g = Grouper::new(by);
    let idx = default_value_index(snap);
    let groups = g.group_top(snap, idx, top);
    (g, groups)
}

/// Which sample value a snapshot is judged by: the count for goroutine
/// profiles, `inuse_space` for heap, `alloc_space` for allocs, else the
/// profile's default or last value.
pub fn default_value_index(snap: &Snapshot) -> usize {
    let pick = |ty: &str| snap.sample_type_index(ty);
    match snap.kind {
        ProfileKind::Heap => pick("inuse_space")
            .or(snap.default_sample_type)
            .unwrap_or(0),
        ProfileKind::Allocs => pick("alloc_space")
            .or(snap.default_sample_type)
            .unwrap_or(0),
        ProfileKind::Block | ProfileKind::Mutex => pick("delay").unwrap_or(0),
        ProfileKind::Cpu => pick("cpu").unwrap_or(0),
        _ => snap
            .default_sample_type
            .unwrap_or_else(|| snap.sample_types.len().saturating_sub(1)),
    }
}

/// Whether every sample of a goroutine snapshot knows its goroutine (id,
/// state, wait), so ids can be followed between snapshots.
pub fn ids_known(snap: &Snapshot) -> bool {
    snap.samples.iter().all(|x| x.goroutine.is_some()) && !snap.samples.is_empty()
}

/// The input was read to its end: no goroutine the dump began is missing
/// (no warning that it was cut short or could not be read further:
/// [`crate::load::cut_short`]), so an id absent from it was not alive then.
pub fn whole(snap: &Snapshot) -> bool {
    !snap.warnings.iter().any(|w| crate::load::cut_short(w))
}

/// Every goroutine of a snapshot with its id: the id and the operation it
/// blocks in (see [`crate::diff::diff`]: where parents are).
pub fn goroutine_ops(snap: &Snapshot) -> Vec<(u64, BlockingOp)> {
    snap.samples
        .iter()
        .filter_map(|x| x.goroutine.as_ref().map(|g| (g.id, x.op)))
        .collect()
}

/// A snapshot reduced to its groups right after it was loaded, by a
/// grouper of its own: what an analysis needs of it, in memory that grows
/// with its groups and goroutine ids, not its stacks. [`Grouper::adopt`]
/// takes the groups into the run's grouper.
#[derive(Debug)]
pub struct Grouped {
    pub groups: Vec<Group>,
    keys: KeyInterner,
    names: Interner,
    /// See [`ids_known`].
    pub ids_known: bool,
    /// See [`goroutine_ops`] (empty unless ids are known).
    pub ops: Vec<(u64, BlockingOp)>,
    /// See [`Snapshot::ends_process`].
    pub ends_process: Option<String>,
    /// See [`whole`].
    pub whole: bool,
    value_index: usize,
}

impl Grouped {
    /// Groups `snap` as an analysis does (by site for memory profiles, by
    /// stack otherwise, with the allocation stacks), ranked by the sample
    /// type at `value_index`.
    pub fn new(snap: &Snapshot, value_index: usize) -> Grouped {
        let mut g = grouper_for(snap);
        let groups = g.group(snap, value_index).groups;
        Grouped::of(g, groups, snap, value_index)
    }

    fn of(g: Grouper, mut groups: Vec<Group>, snap: &Snapshot, value_index: usize) -> Grouped {
        let known = ids_known(snap);
        // Kept for the whole analysis: without the slack of their growth
        // (up to half of what they hold, for every snapshot kept).
        for g in &mut groups {
            g.ids.shrink_to_fit();
            g.calls.shrink_to_fit();
            g.objects.shrink_to_fit();
        }
        Grouped {
            groups,
            keys: g.keys,
            names: g.names,
            ids_known: known,
            ops: if known {
                goroutine_ops(snap)
            } else {
                Vec::new()
            },
            ends_process: snap.ends_process.clone(),
            whole: whole(snap),
            value_index,
        }
    }
}

/// The grouper a snapshot is reduced with (see [`Grouped`]).
fn grouper_for(snap: &Snapshot) -> Grouper {
    let by = if snap.kind.is_memory() {
        GroupBy::Site
    } else {
        GroupBy::Stack
    };
    let mut g = Grouper::new(by);
    g.collect_stacks = true;
    g.skip_profiler = true;
    g
}

/// A snapshot's samples grouped while it is loaded (a [`Fold`]), as
/// [`Grouped::new`] groups them, so that they need not be kept.
#[derive(Default)]
pub struct GroupFold {
    folding: Option<(Grouper, GroupAcc, usize)>,
    /// Samples folded.
    pub samples: usize,
    shared: Option<Arc<SharedStacks>>,
}

/// The function names and allocation stacks of the memory snapshots of a
/// run that are folded in parallel ([`GroupFold::shared`]): a stack found
/// in several snapshots (a profile's call paths mostly are in the next) is
/// stored once. Names get their ids in whatever order the loads finish,
/// which nothing depends on: stacks are only ever used as sets of names.
pub struct SharedStacks(std::sync::Mutex<(Interner, FxHashSet<Arc<[Sym]>>)>);

impl Default for SharedStacks {
    fn default() -> Self {
        // The names as a grouper's start: then adopting groups maps none.
        SharedStacks(std::sync::Mutex::new((
            Interner::new(),
            FxHashSet::default(),
        )))
    }
}

impl Fold for GroupFold {
    fn samples(&mut self, snap: &Snapshot, first: usize, chunk: &[FlatSamples]) {
        let (grouper, acc, _) = self.folding.get_or_insert_with(|| {
            let grouper = grouper_for(snap);
            let value_index = default_value_index(snap);
            let acc = GroupAcc::new(&grouper, snap, value_index, true);
            (grouper, acc, value_index)
        });
        let mut si = first;
        for part in chunk {
            for i in 0..part.len() {
                acc.add_ref(grouper, snap, si, &part.get(i));
                si += 1;
            }
        }
        self.samples = si;
    }

    fn discard(&mut self) {
        *self = GroupFold {
            shared: self.shared.take(),
            ..GroupFold::default()
        };
    }
}

impl GroupFold {
    /// The groups of `snap`, the snapshot the loader gave back: those
    /// folded, or, when the loader kept the samples, grouped now.
    pub fn finish(self, snap: &Snapshot) -> Grouped {
        match (self.folding, self.shared) {
            (Some((mut grouper, acc, value_index)), None) => {
                let groups = acc.finish(&mut grouper, snap, None).groups;
                Grouped::of(grouper, groups, snap, value_index)
            }
            (Some((mut grouper, acc, value_index)), Some(shared)) => {
                let mut guard = shared.0.lock().unwrap_or_else(|e| e.into_inner());
                let (names, pool) = &mut *guard;
                let groups = acc.finish_into(names, Some(pool), snap, None).groups;
                grouper.names = names.clone();
                drop(guard);
                Grouped::of(grouper, groups, snap, value_index)
            }
            (None, _) => Grouped::new(snap, default_value_index(snap)),
        }
    }

    /// A fold whose stacks go to `shared` (see [`SharedStacks`]).
    pub fn shared(shared: Arc<SharedStacks>) -> Self {
        GroupFold {
            shared: Some(shared),
            ..GroupFold::default()
        }
    }
}

impl Grouper {
    /// The groups of `g`, with their key frames and stack names moved into
    /// this grouper's tables, in the order [`Grouper::group`] would have
    /// given them. Adopting the snapshots of a run in order gives the same
    /// groups, ids and order as grouping them with this grouper in order:
    /// ids are taken in the order the snapshot's own grouper first met them.
    pub fn adopt(&mut self, g: Grouped) -> Vec<Group> {
        let keys: Vec<u32> = (0..g.keys.len() as u32)
            .map(|i| {
                let (function, file, line) = g.keys.parts(i);
                self.keys.intern_parts(function, file, line)
            })
            .collect();
        let names: Vec<Sym> = (0..g.names.len())
            .map(|i| self.names.intern(g.names.get(i as Sym)))
            .collect();
        // The first snapshot adopted keeps its ids.
        let same_names = names.iter().enumerate().all(|(i, &n)| i == n as usize);
        let mut groups = g.groups;
        for gr in &mut groups {
            for k in gr.key.frames.iter_mut() {
                *k = keys[*k as usize];
            }
            if let Some(c) = &mut gr.key.created_by {
                *c = keys[*c as usize];
            }
            if !gr.stacks.is_empty() && !same_names {
                gr.stacks = std::mem::take(&mut gr.stacks)
                    .into_iter()
                    .map(|st| st.iter().map(|&n| names[n as usize]).collect())
                    .collect();
            }
        }
        let index = g.value_index;
        groups.sort_by(|a, b| {
            b.value(index)
                .unsigned_abs()
                .cmp(&a.value(index).unsigned_abs())
                .then_with(|| a.key.cmp(&b.key))
        });
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Format, GoroutineInfo, ValueType};

    type Frames<'a> = &'a [(&'a str, &'a str, u32)];

    fn snap_with(stacks: &[(Frames, BlockingOp, u64)]) -> Snapshot {
        let mut s = Snapshot::new("t", Format::Debug2, ProfileKind::Goroutine);
        s.sample_types = vec![ValueType::new("goroutine", "count")];
        for (i, (frames, op, n)) in stacks.iter().enumerate() {
            for j in 0..*n {
                let stack: Vec<FrameId> = frames
                    .iter()
                    .map(|(f, file, l)| s.table.intern_frame(f, file, *l))
                    .collect();
                s.samples.push(Sample {
                    stack: stack.into(),
                    values: vec![1],
                    op: *op,
                    goroutine: Some(Box::new(GoroutineInfo {
                        id: (i * 1000) as u64 + j + 2,
                        state: "chan send".into(),
                        ..Default::default()
                    })),
                    ..Default::default()
                });
            }
        }
        s
    }

    #[test]
    fn runtime_frames_and_std_lines_do_not_split_groups() {
        let a: &[(&str, &str, u32)] = &[
            ("runtime.gopark", "/usr/local/go/src/runtime/proc.go", 363),
            (
                "runtime.chansend1",
                "/usr/local/go/src/runtime/chan.go",
                145,
            ),
            ("main.worker", "/src/leaks/main.go", 20),
            ("main.main.gowrap1", "/src/leaks/main.go", 30),
        ];
        let b: &[(&str, &str, u32)] = &[
            ("runtime.gopark", "runtime/proc.go", 425),
            ("runtime.chansend", "runtime/chan.go", 259),
            ("runtime.chansend1", "runtime/chan.go", 161),
            ("main.worker", "example.com/leaks/main.go", 20),
        ];
        let s = snap_with(&[(a, BlockingOp::ChanSend, 3), (b, BlockingOp::ChanSend, 2)]);
        let (_, g) = group_snapshot(&s, GroupBy::Stack, None);
        assert_eq!(g.groups.len(), 1);
        assert_eq!(g.groups[0].value(0), 5);
        assert_eq!(g.groups[0].site().unwrap().function, "main.worker");
    }

    #[test]
    fn different_lines_in_own_code_are_different_groups() {
        let a: &[(&str, &str, u32)] = &[
            ("runtime.gopark", "p.go", 1),
            ("main.worker", "main.go", 20),
        ];
        let b: &[(&str, &str, u32)] = &[
            ("runtime.gopark", "p.go", 1),
            ("main.worker", "main.go", 22),
        ];
        let s = snap_with(&[(a, BlockingOp::ChanSend, 1), (b, BlockingOp::ChanSend, 4)]);
        let (_, g) = group_snapshot(&s, GroupBy::Stack, None);
        assert_eq!(g.groups.len(), 2);
        assert_eq!(g.groups[0].value(0), 4, "most populous first");
        let (_, g) = group_snapshot(&s, GroupBy::Creator, None);
        assert_eq!(g.groups.len(), 1);
    }

    /// A heap profile with three sites; `site_a` has two allocation stacks.
    fn heap() -> Snapshot {
        crate::model::test_snapshot(
            ProfileKind::Heap,
            ("inuse_space", "bytes"),
            "main.go",
            &[
                (&["runtime.mallocgc", "main.siteA", "main.viaX"], 100),
                (&["runtime.mallocgc", "main.siteA", "main.viaY"], 300),
                (&["runtime.mallocgc", "main.siteB", "main.main"], 200),
                (&["runtime.mallocgc", "main.siteC", "main.main"], 50),
            ],
        )
    }

    #[test]
    fn memory_sites_keep_their_stacks_by_name_and_the_largest_as_frames() {
        let s = heap();
        let mut g = Grouper::new(GroupBy::Site);
        g.collect_stacks = true;
        let groups = g.group(&s, 0).groups;
        assert_eq!(groups.len(), 3);
        let a = &groups[0];
        assert_eq!(a.value(0), 400);
        // The representative stack is the largest sample's.
        assert_eq!(a.frames[2].function, "main.viaY");
        let names: Vec<Vec<&str>> = a
            .stacks
            .iter()
            .map(|st| st.iter().map(|&id| g.names.get(id)).collect())
            .collect();
        assert_eq!(names.len(), 2);
        assert!(names.contains(&vec!["runtime.mallocgc", "main.siteA", "main.viaX"]));
        let all = Stacks::new(Arc::new(g.names.clone()), a.stacks.clone());
        assert_eq!(
            all.functions(),
            ["main.siteA", "main.viaX", "main.viaY", "runtime.mallocgc"]
        );
        // Without collection (show), no stacks are kept.
        let groups = Grouper::new(GroupBy::Site).group(&s, 0).groups;
        assert!(groups.iter().all(|g| g.stacks.is_empty()));
    }

    #[test]
    fn top_keeps_the_largest_groups_resolved() {
        let s = heap();
        let (_, all) = group_snapshot(&s, GroupBy::Stack, None);
        let (_, top) = group_snapshot(&s, GroupBy::Stack, Some(2));
        assert_eq!(all.groups.len(), 4);
        assert_eq!(top.groups.len(), 2);
        for (a, t) in all.groups.iter().zip(&top.groups) {
            assert_eq!(a.key, t.key);
            assert_eq!(a.frames, t.frames);
            assert_eq!(t.frames.len(), 3);
        }
        assert_eq!(top.groups[0].value(0), 300);
    }

    /// Samples folded in chunks, the snapshot keeping none of them, are
    /// grouped exactly as the whole snapshot: same groups, representative
    /// frames, stacks, keys and names.
    #[test]
    fn folding_in_chunks_groups_as_the_whole_snapshot() {
        let mut s = heap();
        // Repeats (the same stack again: memo hits), a new largest sample
        // of a site in a later chunk, a profiler sample.
        let extra = s.samples.clone();
        s.samples.extend(extra);
        let mut big = s.samples[0].clone();
        big.values = vec![1000];
        s.samples.push(big);
        let vi = default_value_index(&s);
        let whole = Grouped::new(&s, vi);
        let mut part = s.clone();
        part.samples = Vec::new();
        for chunk in [1, 2, 3, 100] {
            let mut fold = GroupFold::default();
            for (k, c) in s.samples.chunks(chunk).enumerate() {
                // In parts of two samples.
                let parts: Vec<FlatSamples> = c
                    .chunks(2)
                    .map(|p| {
                        let mut flat = FlatSamples::default();
                        for s in p {
                            for (k, v) in &s.labels {
                                flat.push_label(k.clone(), v.clone());
                            }
                            flat.push(&s.stack, &s.values);
                        }
                        flat
                    })
                    .collect();
                fold.samples(&part, k * chunk, &parts);
            }
            assert_eq!(fold.samples, s.samples.len());
            let folded = fold.finish(&part);
            assert_eq!(
                format!("{whole:?}"),
                format!("{folded:?}"),
                "chunks of {chunk}"
            );
        }
    }

    /// The sampling variance of a site is the sum over its samples, each
    /// counted once.
    #[test]
    fn sampling_variance_counts_every_sample_once() {
        let mut s = Snapshot::new("t", crate::model::Format::Pprof, ProfileKind::Heap);
        s.sample_types = vec![
            crate::model::ValueType::new("inuse_objects", "count"),
            crate::model::ValueType::new("inuse_space", "bytes"),
        ];
        s.period = Some(512 * 1024);
        let mut push = |frames: &[&str], objects: i64, bytes: i64| {
            let stack: Vec<FrameId> = frames
                .iter()
                .map(|f| s.table.intern_frame(f, "main.go", 1))
                .collect();
            s.samples.push(Sample {
                stack: stack.into(),
                values: vec![objects, bytes],
                ..Default::default()
            });
        };
        // One map bucket array of 8 MiB: exact.
        push(&["runtime.mallocgc", "main.grow"], 1, 8 << 20);
        // Small objects, one raw sample each, twice on the same stack.
        push(&["runtime.mallocgc", "main.small"], 6554, 6554 * 80);
        push(&["runtime.mallocgc", "main.small"], 6554, 6554 * 80);
        let r = RawSamples::of(&s, 1).unwrap();
        let one = r.variance(&s.samples[1].view());
        let mut g = Grouper::new(GroupBy::Site);
        g.collect_stacks = true;
        let groups = g.group(&s, 1).groups;
        let big = groups.iter().find(|g| g.value(1) == 8 << 20).unwrap();
        let small = groups.iter().find(|g| g.value(1) == 2 * 6554 * 80).unwrap();
        // Kept with probability 1 - exp(-16): off by a few KiB at most.
        assert!(big.sampling_var.sqrt() < 8192.0, "{}", big.sampling_var);
        assert!(one > 0.0);
        assert!(
            (small.sampling_var - 2.0 * one).abs() <= 1e-6 * one,
            "{} vs 2 x {}",
            small.sampling_var,
            one
        );
        // About one sample's worth of bytes per raw sample: sqrt(2) x 512 KiB.
        let sd = small.sampling_var.sqrt();
        assert!((sd / (2f64.sqrt() * 524288.0) - 1.0).abs() < 0.05, "{sd}");
    }
}
