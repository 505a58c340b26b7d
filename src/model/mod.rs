//! The normalized data model every loader produces and every later stage reads.
//!
//! A [`Snapshot`] is one profile or one dump: its samples reference frames in a
//! per-snapshot [`FrameTable`], where function and file names are interned once
//! and already normalized (no argument lists, no offsets, comparable paths).
//! Nothing downstream of the loaders looks at raw text or protobuf.
//! [`normalize`] holds the rules the model is built with.

pub mod normalize;

use rustc_hash::FxHashMap;
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

/// Interned string id inside one [`FrameTable`].
pub type Sym = u32;
/// Index of a frame inside one [`FrameTable`].
pub type FrameId = u32;

/// The input format a snapshot was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// pprof protobuf, gzipped or not.
    Pprof,
    /// `goroutine?debug=1` (also `goroutineleak`, `threadcreate` … debug=1 text).
    Debug1,
    /// `goroutine?debug=2`, panic output, SIGQUIT / GOTRACEBACK dumps.
    Debug2,
    /// Legacy text heap profile (`heap profile: …`, `heap?debug=1`).
    HeapText,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pprof => "pprof",
            Format::Debug1 => "debug1",
            Format::Debug2 => "debug2",
            Format::HeapText => "heaptext",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the profile measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum ProfileKind {
    Goroutine,
    GoroutineLeak,
    Heap,
    Allocs,
    Block,
    Mutex,
    ThreadCreate,
    Cpu,
    Other,
}

impl ProfileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileKind::Goroutine => "goroutine",
            ProfileKind::GoroutineLeak => "goroutineleak",
            ProfileKind::Heap => "heap",
            ProfileKind::Allocs => "allocs",
            ProfileKind::Block => "block",
            ProfileKind::Mutex => "mutex",
            ProfileKind::ThreadCreate => "threadcreate",
            ProfileKind::Cpu => "cpu",
            ProfileKind::Other => "other",
        }
    }

    /// Goroutine-like profiles: one value per sample counting goroutines.
    pub fn is_goroutine(self) -> bool {
        matches!(self, ProfileKind::Goroutine | ProfileKind::GoroutineLeak)
    }

    /// Memory profiles diffed by bytes and objects.
    pub fn is_memory(self) -> bool {
        matches!(self, ProfileKind::Heap | ProfileKind::Allocs)
    }
}

impl fmt::Display for ProfileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The operation a goroutine is blocked in, derived identically from a
/// debug=2 wait reason or from the runtime frames at the top of a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum BlockingOp {
    ChanSend,
    ChanReceive,
    /// `for v := range ch` or `v, ok := <-ch` (runtime.chanrecv2).
    RangeReceive,
    Select,
    /// `select {}`: never wakes.
    SelectNoCases,
    /// Send or receive on a nil channel: never wakes.
    NilChan,
    Sleep,
    Mutex,
    RwMutex,
    WaitGroup,
    Cond,
    IoWait,
    Syscall,
    Running,
    #[default]
    Other,
}

impl BlockingOp {
    pub const ALL: [BlockingOp; 15] = [
        BlockingOp::ChanSend,
        BlockingOp::ChanReceive,
        BlockingOp::RangeReceive,
        BlockingOp::Select,
        BlockingOp::SelectNoCases,
        BlockingOp::NilChan,
        BlockingOp::Sleep,
        BlockingOp::Mutex,
        BlockingOp::RwMutex,
        BlockingOp::WaitGroup,
        BlockingOp::Cond,
        BlockingOp::IoWait,
        BlockingOp::Syscall,
        BlockingOp::Running,
        BlockingOp::Other,
    ];

    /// Stable name used in JSON, the catalog and the reports.
    pub fn as_str(self) -> &'static str {
        match self {
            BlockingOp::ChanSend => "chan send",
            BlockingOp::ChanReceive => "chan receive",
            BlockingOp::RangeReceive => "range receive",
            BlockingOp::Select => "select",
            BlockingOp::SelectNoCases => "select no cases",
            BlockingOp::NilChan => "nil chan",
            BlockingOp::Sleep => "sleep",
            BlockingOp::Mutex => "mutex",
            BlockingOp::RwMutex => "rwmutex",
            BlockingOp::WaitGroup => "waitgroup",
            BlockingOp::Cond => "cond",
            BlockingOp::IoWait => "io wait",
            BlockingOp::Syscall => "syscall",
            BlockingOp::Running => "running",
            BlockingOp::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<BlockingOp> {
        BlockingOp::ALL.into_iter().find(|op| op.as_str() == s)
    }

    /// Operations that can never complete once entered.
    pub fn never_wakes(self) -> bool {
        matches!(self, BlockingOp::SelectNoCases | BlockingOp::NilChan)
    }

    /// An operation a live program completes within seconds: a send that a
    /// receiver takes, a lock held for a critical section, a WaitGroup of
    /// goroutines that do bounded work. Blocked there for minutes, a
    /// goroutine waits on something that is gone or stuck itself. Receives,
    /// selects and condition variables are left out (idle workers, timers
    /// and long polls wait there for minutes by design), as are the network
    /// (idle connections) and sleeps.
    pub fn brief_when_healthy(self) -> bool {
        matches!(
            self,
            BlockingOp::ChanSend | BlockingOp::Mutex | BlockingOp::RwMutex | BlockingOp::WaitGroup
        )
    }

    /// A wait that ends only when what it waits for is served: a send that
    /// a receiver took, a lock released to it, a WaitGroup done, data or a
    /// close on its connection. A goroutine woken there made progress.
    /// Receives, selects, sleeps and condition variables are left out: a
    /// ticker's channel, a timer or a broadcast wakes a goroutine that
    /// loops forever waiting for a stop that never comes.
    pub fn woken_by_service(self) -> bool {
        self.brief_when_healthy() || self == BlockingOp::IoWait
    }

    /// Blocked in a way a parent waits for its children: WaitGroup.Wait, a
    /// receive (their results), a select, a condition variable.
    pub fn waits_for_others(self) -> bool {
        matches!(
            self,
            BlockingOp::WaitGroup
                | BlockingOp::ChanReceive
                | BlockingOp::RangeReceive
                | BlockingOp::Select
                | BlockingOp::Cond
        )
    }

    /// A wait that ends when another goroutine acts (a channel, a lock, a
    /// WaitGroup, a condition variable, the network), as opposed to a
    /// sleep, a loop that runs, or a wait that can never end: a goroutine
    /// seen in a new call of it ([`CallWords::moved_from`]) finished the
    /// wait it was in before.
    pub fn ends_when_woken(self) -> bool {
        matches!(
            self,
            BlockingOp::ChanSend
                | BlockingOp::ChanReceive
                | BlockingOp::RangeReceive
                | BlockingOp::Select
                | BlockingOp::Mutex
                | BlockingOp::RwMutex
                | BlockingOp::WaitGroup
                | BlockingOp::Cond
                | BlockingOp::IoWait
        )
    }

    /// Whether goroutines in this wait are followed by the words of their
    /// calls ([`CallWords`]): the waits that end when another goroutine
    /// acts, and sleeps, whose callers' words tell a loop sleeping again
    /// (the same call) from a handler's goroutine sleeping in the next
    /// request (another).
    pub fn calls_followed(self) -> bool {
        self.ends_when_woken() || self == BlockingOp::Sleep
    }

    /// Blocked (parked) rather than running or in a syscall.
    pub fn is_blocked(self) -> bool {
        !matches!(
            self,
            BlockingOp::Running | BlockingOp::Syscall | BlockingOp::Other
        )
    }
}

impl fmt::Display for BlockingOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for BlockingOp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// String interner: each distinct string stored once (the index holds
/// hashes and ids, not second copies of the strings).
#[derive(Debug, Default, Clone)]
pub struct Interner {
    /// Hash of a string -> the last id interned with that hash.
    map: FxHashMap<u64, Sym>,
    strings: Vec<Box<str>>,
    /// Per id: the previous id with the same hash (`Sym::MAX`: none).
    next: Vec<Sym>,
}

impl Interner {
    pub fn new() -> Self {
        let mut i = Interner::default();
        i.intern("");
        i
    }

    fn hash(s: &str) -> u64 {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(s)
    }

    /// The id of `s`, if it was interned.
    pub fn find(&self, s: &str) -> Option<Sym> {
        let mut id = *self.map.get(&Self::hash(s))?;
        while id != Sym::MAX {
            if &*self.strings[id as usize] == s {
                return Some(id);
            }
            id = self.next[id as usize];
        }
        None
    }

    pub fn intern(&mut self, s: &str) -> Sym {
        let h = Self::hash(s);
        let head = self.map.get(&h).copied();
        let mut id = head.unwrap_or(Sym::MAX);
        while id != Sym::MAX {
            if &*self.strings[id as usize] == s {
                return id;
            }
            id = self.next[id as usize];
        }
        let id = self.strings.len() as Sym;
        self.strings.push(s.into());
        self.next.push(head.unwrap_or(Sym::MAX));
        self.map.insert(h, id);
        id
    }

    pub fn get(&self, id: Sym) -> &str {
        &self.strings[id as usize]
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

/// One normalized frame. `function` has no argument list or offset; `file` is
/// the normalized, machine-independent path (see `normalize::file`);
/// `raw_file` is the path as the input printed it, kept for source lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Frame {
    pub function: Sym,
    pub file: Sym,
    pub raw_file: Sym,
    pub line: u32,
}

/// Per-snapshot table of interned strings and frames. Loaders add frames with
/// [`FrameTable::intern_frame`], which normalizes each distinct raw function
/// and file string once.
#[derive(Debug, Clone)]
pub struct FrameTable {
    pub strings: Interner,
    frames: Vec<Frame>,
    /// Each frame's [`normalize::FrameClass`], by id.
    classes: Vec<normalize::FrameClass>,
    index: FxHashMap<Frame, FrameId>,
    /// raw function string -> normalized function sym
    func_cache: FxHashMap<Box<str>, Sym>,
    /// (normalized function, raw file) -> normalized file
    file_cache: FxHashMap<(Sym, Sym), Sym>,
}

impl Default for FrameTable {
    fn default() -> Self {
        FrameTable {
            strings: Interner::new(),
            frames: Vec::new(),
            classes: Vec::new(),
            index: FxHashMap::default(),
            func_cache: FxHashMap::default(),
            file_cache: FxHashMap::default(),
        }
    }
}

impl FrameTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// Interns a frame from the raw function text (which may still carry an
    /// argument list such as `(0xc000010000, 0x1)` or `(...)`) and the raw file
    /// path. Normalization runs once per distinct raw string.
    pub fn intern_frame(&mut self, raw_function: &str, raw_file: &str, line: u32) -> FrameId {
        let function = match self.func_cache.get(raw_function) {
            Some(&f) => f,
            None => {
                let norm = normalize::function(raw_function);
                let f = self.strings.intern(&norm);
                self.func_cache.insert(raw_function.into(), f);
                f
            }
        };
        let raw_file = self.strings.intern(raw_file);
        let file = match self.file_cache.get(&(function, raw_file)) {
            Some(&v) => v,
            None => {
                let norm = normalize::file(self.strings.get(function), self.strings.get(raw_file));
                let v = self.strings.intern(&norm);
                self.file_cache.insert((function, raw_file), v);
                v
            }
        };
        self.push(Frame {
            function,
            file,
            raw_file,
            line,
        })
    }

    fn push(&mut self, f: Frame) -> FrameId {
        if let Some(&id) = self.index.get(&f) {
            return id;
        }
        let id = self.frames.len() as FrameId;
        self.frames.push(f);
        self.classes
            .push(normalize::frame_class(self.strings.get(f.function)));
        self.index.insert(f, id);
        id
    }

    pub fn frame(&self, id: FrameId) -> &Frame {
        &self.frames[id as usize]
    }

    pub fn function(&self, id: FrameId) -> &str {
        self.strings.get(self.frames[id as usize].function)
    }

    /// What the frame's function tells of a stack's operation.
    pub fn class(&self, id: FrameId) -> normalize::FrameClass {
        self.classes[id as usize]
    }

    pub fn file(&self, id: FrameId) -> &str {
        self.strings.get(self.frames[id as usize].file)
    }

    pub fn raw_file(&self, id: FrameId) -> &str {
        self.strings.get(self.frames[id as usize].raw_file)
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Owned, table-independent copy of a frame.
    pub fn resolve(&self, id: FrameId) -> FrameRef {
        let f = self.frame(id);
        FrameRef {
            function: self.strings.get(f.function).to_string(),
            file: self.strings.get(f.file).to_string(),
            line: f.line,
            raw_file: self.strings.get(f.raw_file).to_string(),
        }
    }
}

/// A frame with its strings, independent of any table. Used as the cross-
/// snapshot key and in reports. Equality, hashing and order ignore
/// `raw_file` (the path as the input printed it, kept for source lookup).
#[derive(Debug, Clone, Serialize, Default)]
pub struct FrameRef {
    pub function: String,
    pub file: String,
    pub line: u32,
    #[serde(skip)]
    pub raw_file: String,
}

impl FrameRef {
    fn key(&self) -> (&str, &str, u32) {
        (&self.function, &self.file, self.line)
    }
}

/// Byte offset of the first `.funcN` or `.gowrapN` segment of a function
/// name (after any package path), if it is a function literal.
pub fn closure_suffix(name: &str) -> Option<usize> {
    let start = name.rfind('/').map_or(0, |i| i + 1);
    let mut at = start;
    while let Some(i) = name[at..].find('.') {
        let i = at + i;
        let rest = &name[i + 1..];
        for prefix in ["func", "gowrap"] {
            if let Some(d) = rest.strip_prefix(prefix) {
                let digits = d.bytes().take_while(u8::is_ascii_digit).count();
                if digits > 0 && d[digits..].chars().next().is_none_or(|c| c == '.') {
                    return Some(i);
                }
            }
        }
        at = i + 1;
    }
    None
}

/// The function whose code starts a goroutine that runs a closure or a go
/// statement's wrapper, from the name alone: `F.func1` and `F.gowrap2` are
/// started in `F`, `F.func1.2` (a closure inside `F.func1`) in `F.func1`.
/// `None` for a named function.
pub fn closure_creator(function: &str) -> Option<&str> {
    closure_suffix(function)?;
    // The name ends in `.funcN`, `.gowrapN` or, nested, `.N`.
    function.rsplit_once('.').map(|(head, _)| head)
}

impl PartialEq for FrameRef {
    fn eq(&self, o: &Self) -> bool {
        self.key() == o.key()
    }
}

impl Eq for FrameRef {}

impl std::hash::Hash for FrameRef {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.key().hash(h)
    }
}

impl PartialOrd for FrameRef {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for FrameRef {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.key().cmp(&o.key())
    }
}

/// The first words a debug=2 dump prints for a goroutine's top frames
/// past the wait itself (frames of `runtime`, `sync` and `internal/…` are
/// left out): for each frame from the top, its `+0x` offset (0 without
/// one), then the words of its argument list, up to [`CallWords::CAP`]
/// words in all, zero-padded. A goroutine that stays blocked keeps them from one
/// snapshot to the next: its stack does not change while it waits, except
/// that the runtime may move the whole stack (to shrink it), which shifts
/// every pointer into it by the same amount. A goroutine of the same id
/// and stack whose words differ otherwise is in another call of its top
/// frames: it finished the wait it was in (see [`CallWords::moved_from`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CallWords {
    /// The low 32 bits of each word: a new call changes them as it changes
    /// the word, and a moved stack shifts them by one amount (modulo 2³²);
    /// half the memory of whole words, for every goroutine an analysis
    /// keeps.
    pub words: [u32; CallWords::CAP],
    pub len: u8,
    /// While the words are taken: the last frame was `time.Sleep`, whose
    /// caller adds its offset only (see the loader's `frame_args`).
    pub after_sleep: bool,
}

impl CallWords {
    pub const CAP: usize = 8;

    pub fn is_full(&self) -> bool {
        usize::from(self.len) >= Self::CAP
    }

    pub fn push(&mut self, w: u64) {
        if let Some(slot) = self.words.get_mut(usize::from(self.len)) {
            *slot = w as u32;
            self.len += 1;
        }
    }

    /// Whether a goroutine with these words is in another call than when
    /// it had `before` (same id, same stack): some word changed, other than
    /// by the signature of a moved stack, where two or more addresses
    /// change by one amount. A small value that changed (an offset, a
    /// length, a count: no address is below 64 KiB; one in 65,536
    /// addresses has low bits that read as small), one address that
    /// changed, or addresses that changed by different amounts are another
    /// call. (A single pointer into a stack that moved would read as a new
    /// call too; among the goroutines of the leaking programs captured for
    /// testing, blocked in the same place in two snapshots, no word ever
    /// changed.)
    pub fn moved_from(&self, before: &CallWords) -> bool {
        if self == before {
            return false;
        }
        if self.len != before.len {
            return true;
        }
        let mut delta: Option<u32> = None;
        let mut changed = 0;
        for (&a, &b) in before.words.iter().zip(&self.words) {
            if a == b {
                continue;
            }
            if a < 1 << 16 || b < 1 << 16 {
                return true;
            }
            changed += 1;
            let d = b.wrapping_sub(a);
            match delta {
                Some(x) if x != d => return true,
                _ => delta = Some(d),
            }
        }
        changed == 1
    }
}

/// What a goroutine dump says about one goroutine beyond its stack.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoroutineInfo {
    pub id: u64,
    /// The wait reason or status as printed, e.g. `chan receive`, `running`
    /// (borrowed for the ones the runtime prints).
    pub state: Cow<'static, str>,
    pub wait_minutes: Option<u32>,
    /// `created by … in goroutine N` (Go 1.21+).
    pub parent_id: Option<u64>,
    pub locked_to_thread: bool,
    /// `(leaked)`: the runtime's leak detector proved it can never wake.
    pub leaked: bool,
    /// Frames were elided from the middle or end of the stack.
    pub frames_elided: bool,
    /// `goroutine running on other thread; stack unavailable`.
    pub stack_unavailable: bool,
    /// The words of its top frames (debug=2 text, crash dumps), when
    /// recorded (`LoadOptions::call_words`).
    pub call: Option<Box<CallWords>>,
    /// The objects it works for, by the receivers its stack prints
    /// (recorded with the words).
    pub objects: Objects,
}

/// The objects a goroutine works for, by the receivers its stack prints
/// (`main.(*desk).run(0xc000a0600, …)`): each a hash of the receiver's
/// type (`main.(*desk)`) and the pointer. Goroutines running methods of
/// one object (a connection's reader and writer, a desk and the follow-ups
/// its WaitGroup counts) share it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Objects {
    /// The receiver of the goroutine's entry frame, when that is a method
    /// with a pointer receiver (`go s.writeLoop()`; not a closure, whose
    /// arguments are what it captured): the object it was started for.
    pub object: Option<(u32, u64)>,
    /// The receiver of the function that waits on a WaitGroup (the first
    /// frame below the runtime's and the sync package's), when the
    /// WaitGroup's address, printed exactly (no `?`), lies within 4 KiB
    /// above it: a field of that object (`d.followUps.Wait()`).
    pub wait_group_owner: Option<(u32, u64)>,
}

/// One sample: a goroutine (debug=2, count 1), a debug=1 record or a proto
/// sample (count N, or bytes/objects for memory profiles).
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// Leaf first; `runtime.goexit` dropped. Goroutines with the same
    /// frames may share one (a dump's goroutines of a kind mostly do).
    pub stack: std::sync::Arc<[FrameId]>,
    /// One value per `Snapshot::sample_types` entry.
    pub values: Vec<i64>,
    pub labels: Vec<(String, String)>,
    pub op: BlockingOp,
    pub created_by: Option<FrameId>,
    pub goroutine: Option<Box<GoroutineInfo>>,
    /// debug=1: how many runtime frames the text hides at the top of the
    /// stack (their addresses are in the record header); 0 elsewhere.
    pub hidden_frames: u8,
    /// debug=1: the hidden wrapper of a receive was ordered below another
    /// record's wrapper under the same park address, so it is
    /// runtime.chanrecv1: a plain receive, not a `for range` or comma-ok one
    /// (which a protobuf profile shows as a frame). False elsewhere.
    pub plain_receive: bool,
    /// debug=1: a nil-channel wait whose hidden frames are a send's
    /// (runtime.chansend1, then the nil check of runtime.chansend), told by
    /// the addresses as [`Sample::plain_receive`] is. False elsewhere: a
    /// debug=2 wait reason says `chan send (nil chan)`, a protobuf shows the
    /// frames.
    pub hidden_nil_send: bool,
}

impl Sample {
    /// The sample's fields, borrowed.
    pub fn view(&self) -> SampleRef<'_> {
        SampleRef {
            stack: &self.stack,
            shared_stack: Some(&self.stack),
            values: &self.values,
            labels: &self.labels,
            op: self.op,
            created_by: self.created_by,
            goroutine: self.goroutine.as_deref(),
            hidden_frames: self.hidden_frames,
            plain_receive: self.plain_receive,
            hidden_nil_send: self.hidden_nil_send,
        }
    }
}

/// A [`Sample`]'s fields, borrowed: from a sample, or from the buffers of
/// [`FlatSamples`] (then the stack is not shared).
#[derive(Debug, Clone, Copy)]
pub struct SampleRef<'a> {
    pub stack: &'a [FrameId],
    /// The sample's own stack, when it has one to share.
    pub shared_stack: Option<&'a std::sync::Arc<[FrameId]>>,
    pub values: &'a [i64],
    pub labels: &'a [(String, String)],
    pub op: BlockingOp,
    pub created_by: Option<FrameId>,
    pub goroutine: Option<&'a GoroutineInfo>,
    pub hidden_frames: u8,
    pub plain_receive: bool,
    pub hidden_nil_send: bool,
}

impl SampleRef<'_> {
    /// The stack, shared when the sample has one, else copied.
    pub fn stack_arc(&self) -> std::sync::Arc<[FrameId]> {
        match self.shared_stack {
            Some(s) => s.clone(),
            None => self.stack.into(),
        }
    }
}

/// Samples of a protobuf profile (stacks, values and labels only) laid out
/// in a few buffers that are reused from one batch to the next, rather
/// than allocated per sample as [`Sample`]s are.
#[derive(Debug, Default)]
pub struct FlatSamples {
    frames: Vec<FrameId>,
    /// Per sample: where its frames, values and labels end.
    ends: Vec<(usize, usize, usize)>,
    values: Vec<i64>,
    labels: Vec<(String, String)>,
}

impl FlatSamples {
    pub fn clear(&mut self) {
        self.frames.clear();
        self.ends.clear();
        self.values.clear();
        self.labels.clear();
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Adds a sample; its labels are those pushed with
    /// [`FlatSamples::push_label`] since the previous one.
    pub fn push(&mut self, stack: &[FrameId], values: &[i64]) {
        self.frames.extend_from_slice(stack);
        self.values.extend_from_slice(values);
        self.ends
            .push((self.frames.len(), self.values.len(), self.labels.len()));
    }

    pub fn push_label(&mut self, key: String, value: String) {
        self.labels.push((key, value));
    }

    /// Sample `i`.
    pub fn get(&self, i: usize) -> SampleRef<'_> {
        let (f0, v0, l0) = match i.checked_sub(1) {
            Some(p) => self.ends[p],
            None => (0, 0, 0),
        };
        let (f1, v1, l1) = self.ends[i];
        SampleRef {
            stack: &self.frames[f0..f1],
            shared_stack: None,
            values: &self.values[v0..v1],
            labels: &self.labels[l0..l1],
            op: BlockingOp::default(),
            created_by: None,
            goroutine: None,
            hidden_frames: 0,
            plain_receive: false,
            hidden_nil_send: false,
        }
    }

    /// Sample `i` as a [`Sample`] of its own.
    pub fn to_sample(&self, i: usize) -> Sample {
        let s = self.get(i);
        Sample {
            stack: s.stack.into(),
            values: s.values.to_vec(),
            labels: s.labels.to_vec(),
            ..Sample::default()
        }
    }
}

/// A pprof value type such as `inuse_space`/`bytes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueType {
    #[serde(rename = "type")]
    pub ty: String,
    pub unit: String,
}

impl ValueType {
    pub fn new(ty: &str, unit: &str) -> Self {
        ValueType {
            ty: ty.to_string(),
            unit: unit.to_string(),
        }
    }
}

/// One profile or dump.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The path as given, or `-` for stdin.
    pub source: String,
    /// Position of this snapshot among those found in the same input (0 for
    /// most files; a log with two SIGQUIT dumps yields 0 and 1).
    pub index_in_source: usize,
    pub format: Format,
    /// The input was gzip-compressed.
    pub gzipped: bool,
    pub kind: ProfileKind,
    /// Collection time, nanoseconds since the Unix epoch, when recorded.
    pub time_nanos: Option<i64>,
    pub duration_nanos: Option<i64>,
    pub period_type: Option<ValueType>,
    pub period: Option<i64>,
    pub sample_types: Vec<ValueType>,
    /// Index into `sample_types` of the preferred value.
    pub default_sample_type: Option<usize>,
    /// The total the input claims (`goroutine profile: total N`), if any.
    pub declared_total: Option<u64>,
    pub table: FrameTable,
    pub samples: Vec<Sample>,
    /// Recoverable problems (truncation, skipped lines), with line numbers.
    pub warnings: Vec<String>,
    /// A gccgo (libgo) traceback: frames without arguments and offsets.
    pub gccgo: bool,
    /// The line of a crash that printed this dump as its process ended (a
    /// `panic:`, a `fatal error:`, a signal such as `SIGQUIT: quit`): no
    /// later snapshot is of the same process.
    pub ends_process: Option<String>,
}

impl Snapshot {
    pub fn new(source: &str, format: Format, kind: ProfileKind) -> Self {
        Snapshot {
            source: source.to_string(),
            index_in_source: 0,
            format,
            gzipped: false,
            kind,
            time_nanos: None,
            duration_nanos: None,
            period_type: None,
            period: None,
            sample_types: Vec::new(),
            default_sample_type: None,
            declared_total: None,
            table: FrameTable::new(),
            samples: Vec::new(),
            warnings: Vec::new(),
            gccgo: false,
            ends_process: None,
        }
    }

    /// Display name: the source, with `#N` when the source held several.
    pub fn name(&self) -> String {
        if self.index_in_source == 0 {
            self.source.clone()
        } else {
            format!("{}#{}", self.source, self.index_in_source + 1)
        }
    }

    /// Number of goroutines in a goroutine snapshot (sum of counts).
    pub fn goroutine_count(&self) -> u64 {
        if !self.kind.is_goroutine() {
            return 0;
        }
        self.samples
            .iter()
            .map(|s| s.values.first().copied().unwrap_or(1).max(0) as u64)
            .fold(0u64, u64::saturating_add)
    }

    /// Index of the sample type named `ty`.
    pub fn sample_type_index(&self, ty: &str) -> Option<usize> {
        self.sample_types.iter().position(|v| v.ty == ty)
    }
}

/// A pprof snapshot of `kind` with one sample type and a sample per
/// `(functions, value)`, every frame in `file` at line 1 (for tests).
#[cfg(test)]
pub(crate) fn test_snapshot(
    kind: ProfileKind,
    sample_type: (&str, &str),
    file: &str,
    stacks: &[(&[&str], i64)],
) -> Snapshot {
    let mut s = Snapshot::new("t", Format::Pprof, kind);
    s.sample_types = vec![ValueType::new(sample_type.0, sample_type.1)];
    for (frames, v) in stacks {
        let stack: Vec<FrameId> = frames
            .iter()
            .map(|f| s.table.intern_frame(f, file, 1))
            .collect();
        s.samples.push(Sample {
            stack: stack.into(),
            values: vec![*v],
            ..Default::default()
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(words: &[u64]) -> CallWords {
        let mut c = CallWords::default();
        for &w in words {
            c.push(w);
        }
        c
    }

    #[test]
    fn a_new_call_is_told_from_a_moved_stack() {
        let before = call(&[
            0xf1,
            0x3ec82f883c0,
            0xacdf20,
            0x3ec830425b0,
            0x3ec82f2060f,
            0x9,
        ]);
        // Blocked all along: the same words.
        assert!(!before.moved_from(&before));
        // The handler's context and query changed by different amounts:
        // another request.
        let next = call(&[
            0xf1,
            0x3ec82f883c0,
            0xacdf20,
            0x3ec830b4850,
            0x3ec82f20d8f,
            0x9,
        ]);
        assert!(next.moved_from(&before));
        // Another offset (a small value): another point of the function.
        let other_pc = call(&[
            0x15b,
            0x3ec82f883c0,
            0xacdf20,
            0x3ec830425b0,
            0x3ec82f2060f,
            0x9,
        ]);
        assert!(other_pc.moved_from(&before));
        // A small word changed (a length, an index).
        let other_len = call(&[
            0xf1,
            0x3ec82f883c0,
            0xacdf20,
            0x3ec830425b0,
            0x3ec82f2060f,
            0xa,
        ]);
        assert!(other_len.moved_from(&before));
        // Two pointers shifted by one amount: the runtime moved the stack
        // they point into (shrinking it); this decides nothing.
        let copied = call(&[
            0xf1,
            0x3ec82f883c0,
            0xacdf20,
            0x3ec830425b0 - 0x1000,
            0x3ec82f2060f - 0x1000,
            0x9,
        ]);
        assert!(!copied.moved_from(&before));
        // One pointer changed (a new job, a new request): another call.
        let one = call(&[
            0xf1,
            0x3ec82f883c0,
            0xacdf20,
            0x3ec830b4850,
            0x3ec82f2060f,
            0x9,
        ]);
        assert!(one.moved_from(&before));
        // A shorter argument list: another call.
        assert!(call(&[0xf1, 0x3ec82f883c0]).moved_from(&call(&[0xf1])));
        // Words past the capacity are not kept.
        let mut full = before;
        while !full.is_full() {
            full.push(0x10000);
        }
        let kept = full;
        full.push(0x77);
        assert_eq!(full, kept);
        assert_eq!(usize::from(full.len), CallWords::CAP);
    }

    #[test]
    fn closures_name_their_creator() {
        fn creator(n: &str) -> Option<&str> {
            closure_suffix(n).map(|i| &n[..i])
        }
        assert_eq!(creator("main.handle.func1"), Some("main.handle"));
        assert_eq!(
            creator("main.(*Shop).handle.func2.1"),
            Some("main.(*Shop).handle")
        );
        assert_eq!(
            creator("example.com/a/b.Run[...].gowrap3"),
            Some("example.com/a/b.Run[...]")
        );
        assert_eq!(creator("example.com/func1.Handle"), None);
        assert_eq!(creator("main.funcName"), None);
        assert_eq!(creator("main.worker"), None);
    }

    #[test]
    fn closures_are_started_in_their_enclosing_function() {
        assert_eq!(closure_creator("main.lookup.func1"), Some("main.lookup"));
        assert_eq!(
            closure_creator("main.(*Prober).probeAll.func3"),
            Some("main.(*Prober).probeAll")
        );
        assert_eq!(
            closure_creator("main.serve.func1.2"),
            Some("main.serve.func1")
        );
        assert_eq!(
            closure_creator("main.run.func1.2.1"),
            Some("main.run.func1.2")
        );
        assert_eq!(closure_creator("main.main.gowrap1"), Some("main.main"));
        assert_eq!(closure_creator("main.worker"), None);
        assert_eq!(closure_creator("main.funcky"), None);
        assert_eq!(closure_creator("example.com/x/v2.Serve"), None);
        assert_eq!(closure_creator("main.T.m-fm"), None);
        assert_eq!(closure_creator("main"), None);
    }

    #[test]
    fn frames_are_interned_and_normalized_once() {
        let mut t = FrameTable::new();
        let a = t.intern_frame("main.worker(0xc000012345, 0x2)", "/src/app/main.go", 10);
        let b = t.intern_frame("main.worker(0x0?, {0x1, 0x2})", "/src/app/main.go", 10);
        assert_eq!(a, b);
        assert_eq!(t.function(a), "main.worker");
        let c = t.intern_frame("main.worker(...)", "/src/app/main.go", 11);
        assert_ne!(a, c);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn blocking_op_names_round_trip() {
        for op in BlockingOp::ALL {
            assert_eq!(BlockingOp::parse(op.as_str()), Some(op));
        }
    }
}
