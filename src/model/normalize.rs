//! Normalization: what makes stacks from different builds, machines and
//! formats comparable.
//!
//! - [`function`] drops argument lists and offsets from a function as printed.
//! - [`file()`] turns a file path into a machine-independent key derived from the
//!   function's package import path, so `-trimpath` and untrimmed builds of the
//!   same program agree.
//! - [`blocking_op`] derives one [`BlockingOp`] from a debug=2 wait reason
//!   and/or the runtime frames at the top of a stack, so that the classifier
//!   never asks which format a sample came from.

use super::{BlockingOp, FrameId, FrameTable};
use std::borrow::Cow;

/// Function name without its argument list: `main.(*T).run(0xc000010000, {0x1, 0x2})`
/// becomes `main.(*T).run`; `F[...](...)` becomes `F[...]`. Old-style closure
/// separators (`·`) become dots.
pub fn function(raw: &str) -> Cow<'_, str> {
    let mut s = raw.trim();
    if s.ends_with(')') {
        // Find the '(' that opens the trailing argument list.
        let bytes = s.as_bytes();
        let mut depth = 0i32;
        let mut open = None;
        for i in (0..bytes.len()).rev() {
            match bytes[i] {
                b')' => depth += 1,
                b'(' => {
                    depth -= 1;
                    if depth == 0 {
                        open = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        if let Some(i) = open {
            // `main.(*T).M` alone ends with `M`, never `)`, so a trailing group
            // is an argument list unless it is the whole receiver (`pkg.(*T)`).
            if i > 0 && bytes[i - 1] != b'.' {
                s = &s[..i];
            }
        }
    }
    if s.contains("[go.shape.") {
        // Go 1.27 protobuf profiles name the shape (`F[go.shape.struct { A
        // int }]`) where tracebacks print `F[...]`; other brackets (in a
        // crafted name) are left alone.
        let mut out = String::with_capacity(s.len());
        let mut depth = 0;
        for c in s.chars() {
            match c {
                '[' => {
                    if depth == 0 {
                        out.push_str("[...");
                    }
                    depth += 1;
                }
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        out.push(']');
                    }
                }
                _ if depth == 0 => out.push(if c == '·' { '.' } else { c }),
                _ => {}
            }
        }
        Cow::Owned(out)
    } else if s.contains('·') {
        Cow::Owned(s.replace('·', "."))
    } else if s.len() == raw.len() {
        Cow::Borrowed(raw)
    } else {
        Cow::Borrowed(s)
    }
}

/// The import path of the package a (normalized) function belongs to:
/// `github.com/a/b.(*T).M` → `github.com/a/b`, `main.main.func1` → `main`.
/// `None` for names without a package (C functions, bare addresses).
pub fn package_path(function: &str) -> Option<&str> {
    let head = &function[..function.find('[').unwrap_or(function.len())];
    let start = head.rfind('/').map(|i| i + 1).unwrap_or(0);
    let dot = head[start..].find('.')? + start;
    if dot == 0 || head.starts_with("0x") {
        return None;
    }
    Some(&function[..dot])
}

/// True for packages of the Go standard library (no dot in the first path
/// element), including the runtime's internal packages.
pub fn is_std_package(pkg: &str) -> bool {
    let first = pkg.split('/').next().unwrap_or(pkg);
    !first.contains('.')
        && pkg != "main"
        && !pkg.starts_with("_/")
        && first != "command-line-arguments"
}

/// True when the function belongs to the Go runtime or low-level standard
/// packages that implement blocking (runtime, sync, internal/…, time, reflect,
/// syscall).
pub fn is_runtime_function(function: &str) -> bool {
    match package_path(function) {
        Some(pkg) => {
            pkg == "runtime"
                || pkg.starts_with("runtime/internal")
                || pkg.starts_with("internal/")
                || pkg == "sync"
                || pkg == "sync/atomic"
                || pkg == "time"
                || pkg == "reflect"
                || pkg == "syscall"
        }
        None => true,
    }
}

/// Machine-independent file key for a frame. For a function of package P the
/// file lives in P's directory, so the key is `P/basename` whatever prefix the
/// build machine, GOROOT or GOPATH gave the path. Functions of package `main`
/// (whose module path the function name does not carry) keep just the base
/// name. Paths whose function has no package fall back to stripping GOROOT
/// and GOPATH prefixes.
pub fn file(function: &str, raw_file: &str) -> String {
    let raw = raw_file.trim();
    let path: Cow<str> = if raw.contains('\\') {
        Cow::Owned(raw.replace('\\', "/"))
    } else {
        Cow::Borrowed(raw)
    };
    if path.is_empty() || path.starts_with('<') || path == "?" {
        return path.into_owned();
    }
    let base = path.rsplit('/').next().unwrap_or(&path);
    if let Some(pkg) = package_path(function) {
        if pkg == "main" {
            return base.to_string();
        }
        // The runtime implements functions of other packages
        // (`internal/poll.runtime_pollWait`, `sync.runtime_Semacquire`,
        // `time.Sleep`) in its own files.
        let parent = path.rsplit('/').nth(1);
        if pkg != "runtime" && parent == Some("runtime") && is_std_package(pkg) {
            return format!("runtime/{base}");
        }
        let mut dir = unescape_pkg(pkg);
        // External test packages live beside the package they test.
        if let Some(stripped) = dir.strip_suffix("_test") {
            dir = stripped.to_string();
        }
        // GOPATH-less `_/abs/dir` package paths carry the machine's directory.
        if dir.starts_with("_/") {
            return base.to_string();
        }
        return format!("{dir}/{base}");
    }
    strip_roots(&path).to_string()
}

fn unescape_pkg(pkg: &str) -> String {
    if pkg.contains('%') {
        pkg.replace("%2e", ".").replace("%2E", ".")
    } else {
        pkg.to_string()
    }
}

/// Strips GOROOT (`…/go/src/`, old `…/src/pkg/`) and GOPATH (`…/src/`)
/// prefixes from an absolute path.
fn strip_roots(path: &str) -> &str {
    for marker in ["/src/pkg/", "/go/src/", "/goroot/src/", "/src/"] {
        if let Some(i) = path.rfind(marker) {
            if marker == "/src/" && !path.starts_with('/') && !path.contains(":/") {
                continue;
            }
            return &path[i + marker.len()..];
        }
    }
    path
}

/// The blocking operation implied by a wait reason as printed in a debug=2
/// header (`chan receive`, `sync.Mutex.Lock`, `select (no cases)` …), with
/// durations and flags already removed. `None` when the reason says nothing
/// specific (`semacquire`) or is unknown.
pub fn wait_reason_op(reason: &str) -> Option<BlockingOp> {
    let r = reason.trim();
    let r = r.strip_suffix(" (durable)").unwrap_or(r);
    Some(match r {
        "chan receive (nil chan)" | "chan send (nil chan)" => BlockingOp::NilChan,
        "select (no cases)" => BlockingOp::SelectNoCases,
        "chan receive" => BlockingOp::ChanReceive,
        "chan send" => BlockingOp::ChanSend,
        "select" => BlockingOp::Select,
        "sleep" => BlockingOp::Sleep,
        "IO wait" => BlockingOp::IoWait,
        "syscall" => BlockingOp::Syscall,
        "running" | "runnable" | "preempted" => BlockingOp::Running,
        "sync.Mutex.Lock" => BlockingOp::Mutex,
        "sync.RWMutex.RLock" | "sync.RWMutex.Lock" => BlockingOp::RwMutex,
        "sync.WaitGroup.Wait" => BlockingOp::WaitGroup,
        "sync.Cond.Wait" => BlockingOp::Cond,
        _ => return None,
    })
}

/// The operation a marker frame stands for. Leaf-first scanning keeps the
/// outermost marker, so `RWMutex.Lock` → `Mutex.Lock` → semacquire is an
/// rwmutex wait and `chanrecv1` → `chanrecv` → `gopark` a receive.
fn marker_op(function: &str) -> Option<BlockingOp> {
    Some(match function {
        "runtime.chanrecv1" | "reflect.chanrecv" => BlockingOp::ChanReceive,
        "runtime.chanrecv2" => BlockingOp::RangeReceive,
        "runtime.chansend1" | "reflect.chansend" | "reflect.chansend0" => BlockingOp::ChanSend,
        "runtime.selectgo" | "reflect.rselect" => BlockingOp::Select,
        "runtime.block" => BlockingOp::SelectNoCases,
        "time.Sleep" | "runtime.timeSleep" => BlockingOp::Sleep,
        "sync.runtime_SemacquireMutex"
        | "sync.(*Mutex).Lock"
        | "sync.(*Mutex).lockSlow"
        | "internal/sync.runtime_SemacquireMutex"
        | "internal/sync.(*Mutex).Lock"
        | "internal/sync.(*Mutex).lockSlow" => BlockingOp::Mutex,
        "sync.runtime_SemacquireRWMutexR"
        | "sync.runtime_SemacquireRWMutex"
        | "sync.(*RWMutex).RLock"
        | "sync.(*RWMutex).Lock" => BlockingOp::RwMutex,
        "sync.runtime_SemacquireWaitGroup" | "sync.(*WaitGroup).Wait" => BlockingOp::WaitGroup,
        "sync.runtime_notifyListWait" | "sync.(*Cond).Wait" => BlockingOp::Cond,
        // gccgo prints methods without the pointer receiver's `(*T)`.
        "sync.Mutex.Lock" => BlockingOp::Mutex,
        "sync.RWMutex.RLock" | "sync.RWMutex.Lock" => BlockingOp::RwMutex,
        "sync.WaitGroup.Wait" => BlockingOp::WaitGroup,
        "sync.Cond.Wait" => BlockingOp::Cond,
        "internal/poll.runtime_pollWait" | "runtime.netpollblock" => BlockingOp::IoWait,
        "syscall.Syscall"
        | "syscall.Syscall6"
        | "syscall.RawSyscall"
        | "syscall.RawSyscall6"
        | "syscall.syscall"
        | "syscall.syscall6"
        | "syscall.rawSyscallNoError"
        | "internal/runtime/syscall.Syscall6"
        | "runtime/internal/syscall.Syscall6"
        | "runtime.cgocall"
        | "runtime.asmcgocall"
        | "runtime.notetsleepg" => BlockingOp::Syscall,
        // A goroutine that yields or was preempted is runnable, not parked:
        // a loop that never blocks (busy-loop).
        "runtime.Gosched"
        | "runtime.gosched_m"
        | "runtime.goschedImpl"
        | "runtime.asyncPreempt"
        | "runtime.asyncPreempt2"
        | "runtime.gopreempt_m" => BlockingOp::Running,
        _ => return None,
    })
}

/// Functions that only run while the goroutine is the one taking the
/// profile or printing the dump.
fn is_profiler_frame(function: &str) -> bool {
    function.starts_with("runtime/pprof.")
        || function == "runtime.goroutineProfileWithLabels"
        || function == "runtime.Stack"
        || function == "runtime/debug.Stack"
}

/// What a frame's function tells [`frames_op`]: computed once per distinct
/// frame ([`FrameTable`] keeps it), so that finding a stack's operation
/// compares no strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameClass {
    /// A frame that names an operation (`marker_op`).
    Marker(BlockingOp),
    /// The profiler's own frames (`is_profiler_frame`).
    Profiler,
    /// Another runtime or standard-library frame ([`is_runtime_function`]).
    Runtime,
    /// The program's own code, or a library's.
    Other,
}

/// The [`FrameClass`] of a frame of `function`.
pub fn frame_class(function: &str) -> FrameClass {
    if let Some(m) = marker_op(function) {
        FrameClass::Marker(m)
    } else if is_profiler_frame(function) {
        FrameClass::Profiler
    } else if is_runtime_function(function) {
        FrameClass::Runtime
    } else {
        FrameClass::Other
    }
}

/// Operation implied by the runtime frames at the top of a stack (leaf first).
pub fn frames_op<'a>(functions: impl IntoIterator<Item = &'a str>) -> BlockingOp {
    frames_op_by_class(functions.into_iter().map(frame_class))
}

/// [`frames_op`] from the frames' classes.
pub fn frames_op_by_class(classes: impl IntoIterator<Item = FrameClass>) -> BlockingOp {
    let mut op = None;
    for c in classes.into_iter().take(24) {
        match c {
            FrameClass::Marker(m) => op = Some(m),
            FrameClass::Profiler => return op.unwrap_or(BlockingOp::Running),
            FrameClass::Runtime => {}
            FrameClass::Other => break,
        }
    }
    op.unwrap_or(BlockingOp::Other)
}

/// Lines of `runtime/chan.go` holding the `gopark` call of the nil-channel
/// branch (`if c == nil { … gopark(nil, nil, waitReason…NilChan, …) }`), for
/// the Go versions whose source was read: Go 1.19 (chansend 160 → 165,
/// chanrecv 457 → 469) and Go 1.27 (chansend 176 → 181, chanrecv 524 → 536).
/// The ordinary parks of those versions are at chansend 259/283 and chanrecv
/// 583/667 (and 664 in Go 1.24), far from these lines. Other versions are not
/// recognised without `Function.start_line`.
const NIL_CHAN_PARK_LINES: [(&str, u32); 4] = [
    ("runtime.chansend", 165),
    ("runtime.chansend", 181),
    ("runtime.chanrecv", 469),
    ("runtime.chanrecv", 536),
];

/// How far below the `func` line the nil-channel branch may park. It is the
/// first statement block of `chansend` (5 lines in) and `chanrecv` (12 lines
/// in, after a debug print); the ordinary parks are 100 or more lines in.
const NIL_CHAN_MAX_OFFSET: u32 = 20;

/// True when a `runtime.chanrecv`/`runtime.chansend` frame at `line` is the
/// park in the nil-channel branch. With the function's `start_line` (pprof
/// protos from Go 1.20 on record it) the decision is by distance from the
/// start of the function; without it, by the table of known lines, and only
/// when the file is `chan.go` (or unknown).
pub fn is_nil_chan_park(function: &str, file: &str, line: u32, start_line: Option<u32>) -> bool {
    if function != "runtime.chanrecv" && function != "runtime.chansend" {
        return false;
    }
    if let Some(start) = start_line.filter(|&s| s > 0) {
        return line > start && line - start <= NIL_CHAN_MAX_OFFSET;
    }
    let file_ok = file.is_empty() || file == "chan.go" || file.ends_with("/chan.go");
    file_ok
        && NIL_CHAN_PARK_LINES
            .iter()
            .any(|&(f, l)| f == function && l == line)
}

/// Turns a channel operation into [`BlockingOp::NilChan`] when the stack shows
/// the goroutine parked in the nil-channel branch of `runtime.chanrecv` or
/// `runtime.chansend`: the information a debug=2 wait reason gives as
/// `chan receive (nil chan)`, recovered from frames for inputs that have no
/// wait reason (pprof protos, debug=1 text). `start_line` gives the start line
/// of a frame's function when the input records it.
pub fn refine_nil_chan(
    op: BlockingOp,
    stack: &[FrameId],
    table: &FrameTable,
    start_line: &dyn Fn(FrameId) -> Option<u32>,
) -> BlockingOp {
    if !matches!(
        op,
        BlockingOp::ChanSend | BlockingOp::ChanReceive | BlockingOp::RangeReceive
    ) {
        return op;
    }
    for &id in stack.iter().take(8) {
        let function = table.function(id);
        if function == "runtime.chanrecv" || function == "runtime.chansend" {
            let line = table.frame(id).line;
            if is_nil_chan_park(function, table.file(id), line, start_line(id)) {
                return BlockingOp::NilChan;
            }
            return op;
        }
    }
    op
}

/// One blocking operation from whatever the input holds: the debug=2 wait
/// reason (already stripped of minutes and flags) and the stack.
///
/// Frames decide what a reason cannot (range vs plain receive, which sync
/// primitive a `semacquire` is); a reason decides what frames cannot (nil
/// channels, running vs runnable, a stack that is unavailable). Without a
/// reason, nil channels are recognised from the frames by
/// [`refine_nil_chan`] with the table of known lines.
pub fn blocking_op(reason: Option<&str>, stack: &[FrameId], table: &FrameTable) -> BlockingOp {
    blocking_op_with_start_lines(reason, stack, table, &|_| None)
}

/// [`blocking_op`] for inputs that know the start line of each frame's
/// function (pprof `Function.start_line`), which decides nil-channel parks
/// for any Go version.
pub fn blocking_op_with_start_lines(
    reason: Option<&str>,
    stack: &[FrameId],
    table: &FrameTable,
    start_line: &dyn Fn(FrameId) -> Option<u32>,
) -> BlockingOp {
    let from_frames = frames_op_by_class(stack.iter().map(|&id| table.class(id)));
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let Some(r) = reason else {
        return refine_nil_chan(from_frames, stack, table, start_line);
    };
    match wait_reason_op(r) {
        Some(BlockingOp::ChanReceive) if from_frames == BlockingOp::RangeReceive => {
            BlockingOp::RangeReceive
        }
        // RWMutex.Lock first takes its inner Mutex: the runtime says
        // sync.Mutex.Lock, the frames say which lock the program called.
        Some(BlockingOp::Mutex) if from_frames == BlockingOp::RwMutex => BlockingOp::RwMutex,
        Some(op) => op,
        None if r == "semacquire" || r == "semacquire (durable)" => match from_frames {
            BlockingOp::Mutex | BlockingOp::RwMutex | BlockingOp::WaitGroup | BlockingOp::Cond => {
                from_frames
            }
            _ => BlockingOp::Mutex,
        },
        // Runtime-internal waits (GC workers, finalizers, …) and unknown reasons.
        None => BlockingOp::Other,
    }
}

/// Goroutines the runtime itself keeps (GC workers, finalizer, scavenger …),
/// recognised by wait reason or by a stack made only of runtime frames.
pub fn is_runtime_goroutine(reason: Option<&str>, functions: &[&str]) -> bool {
    if let Some(r) = reason {
        let r = r.trim();
        if r.starts_with("GC ")
            || r.starts_with("force gc")
            || r == "finalizer wait"
            || r == "cleanup wait"
            || r == "trace reader (blocked)"
            || r == "wait for GC cycle"
            || r.starts_with("GOMAXPROCS updater")
        {
            return true;
        }
    }
    !functions.is_empty()
        && functions.iter().all(|f| {
            package_path(f).is_some_and(|p| p == "runtime" || p.starts_with("runtime/internal"))
        })
}

/// The profiler's own code: `runtime/pprof` and the `net/http/pprof`
/// handlers. What they allocate is the cost of taking a profile.
pub fn is_profiler_function(function: &str) -> bool {
    function.starts_with("runtime/pprof.") || function.starts_with("net/http/pprof.")
}

/// Frames of the runtime and of allocation helpers, skipped when looking for
/// the site that allocated (the first frame of the program's own or library
/// code that asked for memory).
pub fn is_allocator_or_runtime(function: &str) -> bool {
    is_runtime_function(function)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_argument_lists() {
        assert_eq!(function("main.worker(0xc000012345, 0x2)"), "main.worker");
        assert_eq!(function("main.(*T).run(0x0?, {0x1, 0x2})"), "main.(*T).run");
        assert_eq!(function("main.(*T).run(...)"), "main.(*T).run");
        assert_eq!(function("main.(*T).run"), "main.(*T).run");
        assert_eq!(function("main.Map[...](0x1)"), "main.Map[...]");
        assert_eq!(
            function("main.firstOf[go.shape.struct { Hops int }].func1"),
            "main.firstOf[...].func1"
        );
        assert_eq!(
            function("main.(*Stack[go.shape.int]).Push"),
            "main.(*Stack[...]).Push"
        );
        assert_eq!(function("runtime.goexit({})"), "runtime.goexit");
        assert_eq!(function("main.main()"), "main.main");
        assert_eq!(function("main.func·002()"), "main.func.002");
        // gc's own double dots (package-level closures) are kept.
        assert_eq!(function("main.glob..func7()"), "main.glob..func7");
    }

    #[test]
    fn package_paths() {
        assert_eq!(
            package_path("github.com/a/b.(*T).M"),
            Some("github.com/a/b")
        );
        assert_eq!(package_path("main.main.func1"), Some("main"));
        assert_eq!(package_path("net/http.(*conn).serve"), Some("net/http"));
        assert_eq!(package_path("example.com/m.F[...]"), Some("example.com/m"));
        assert_eq!(package_path("stopm"), None);
    }

    #[test]
    fn trimmed_and_untrimmed_paths_agree() {
        let cases = [
            (
                "runtime.gopark",
                "/usr/local/go/src/runtime/proc.go",
                "runtime/proc.go",
            ),
            ("runtime.gopark", "runtime/proc.go", "runtime/proc.go"),
            (
                "runtime.gopark",
                "C:/Program Files/Go/src/runtime/proc.go",
                "runtime/proc.go",
            ),
            (
                "runtime.gopark",
                "C:\\Go\\src\\runtime\\proc.go",
                "runtime/proc.go",
            ),
            (
                "example.com/leak/internal/q.(*Q).Pop",
                "/src/leak/internal/q/q.go",
                "example.com/leak/internal/q/q.go",
            ),
            (
                "example.com/leak/internal/q.(*Q).Pop",
                "example.com/leak/internal/q/q.go",
                "example.com/leak/internal/q/q.go",
            ),
            ("main.worker", "/src/leak/main.go", "main.go"),
            ("main.worker", "example.com/leak/main.go", "main.go"),
            (
                "gopkg.in/yaml%2ev2.Unmarshal",
                "/root/go/pkg/mod/gopkg.in/yaml.v2@v2.4.0/yaml.go",
                "gopkg.in/yaml.v2/yaml.go",
            ),
            (
                "stopm",
                "/home/u/go/src/pkg/runtime/proc.c",
                "runtime/proc.c",
            ),
        ];
        for (f, raw, want) in cases {
            assert_eq!(file(f, raw), want, "{f} {raw}");
        }
    }

    #[test]
    fn ops_from_frames() {
        assert_eq!(
            frames_op([
                "runtime.gopark",
                "runtime.chanrecv",
                "runtime.chanrecv2",
                "main.consume"
            ]),
            BlockingOp::RangeReceive
        );
        assert_eq!(
            frames_op([
                "runtime.gopark",
                "runtime.chanrecv",
                "runtime.chanrecv1",
                "main.x"
            ]),
            BlockingOp::ChanReceive
        );
        assert_eq!(
            frames_op([
                "runtime.gopark",
                "runtime.goparkunlock",
                "runtime.semacquire1",
                "sync.runtime_SemacquireMutex",
                "sync.(*Mutex).lockSlow",
                "sync.(*Mutex).Lock",
                "sync.(*RWMutex).Lock",
                "main.w"
            ]),
            BlockingOp::RwMutex
        );
        assert_eq!(
            frames_op(["runtime.gopark", "runtime.block", "main.x"]),
            BlockingOp::SelectNoCases
        );
        assert_eq!(
            frames_op([
                "runtime.gopark",
                "runtime.netpollblock",
                "internal/poll.runtime_pollWait",
                "internal/poll.(*pollDesc).wait",
                "net.(*netFD).Read"
            ]),
            BlockingOp::IoWait
        );
        assert_eq!(
            frames_op([
                "runtime.goroutineProfileWithLabels",
                "runtime/pprof.runtime_goroutineProfileWithLabels",
                "runtime/pprof.writeRuntimeProfile",
                "main.main"
            ]),
            BlockingOp::Running
        );
    }

    #[test]
    fn reasons_and_frames_agree() {
        let mut t = FrameTable::new();
        let stack: Vec<FrameId> = [
            "runtime.gopark",
            "runtime.chanrecv",
            "runtime.chanrecv2",
            "main.consume",
        ]
        .iter()
        .map(|f| t.intern_frame(f, "x.go", 1))
        .collect();
        assert_eq!(
            blocking_op(Some("chan receive"), &stack, &t),
            BlockingOp::RangeReceive
        );
        assert_eq!(blocking_op(None, &stack, &t), BlockingOp::RangeReceive);
        assert_eq!(
            blocking_op(Some("chan receive (nil chan)"), &stack, &t),
            BlockingOp::NilChan
        );
        assert_eq!(
            blocking_op(Some("GC worker (idle)"), &stack, &t),
            BlockingOp::Other
        );
    }
    fn chan_stack(t: &mut FrameTable, inner: &str, line: u32, outer: &str) -> Vec<FrameId> {
        vec![
            t.intern_frame("runtime.gopark", "/usr/local/go/src/runtime/proc.go", 435),
            t.intern_frame(inner, "/usr/local/go/src/runtime/chan.go", line),
            t.intern_frame(outer, "/usr/local/go/src/runtime/chan.go", 1),
            t.intern_frame("main.worker", "/src/app/main.go", 7),
        ]
    }

    #[test]
    fn nil_chan_park_by_start_line() {
        // Go 1.27: chanrecv starts at 524, parks for nil at 536, else at 667.
        assert!(is_nil_chan_park("runtime.chanrecv", "", 536, Some(524)));
        assert!(!is_nil_chan_park("runtime.chanrecv", "", 667, Some(524)));
        // chansend starts at 176, parks for nil at 181, else at 283.
        assert!(is_nil_chan_park(
            "runtime.chansend",
            "runtime/chan.go",
            181,
            Some(176)
        ));
        assert!(!is_nil_chan_park(
            "runtime.chansend",
            "runtime/chan.go",
            283,
            Some(176)
        ));
        // A start line decides even for lines the table does not know.
        assert!(is_nil_chan_park("runtime.chanrecv", "", 470, Some(460)));
        assert!(!is_nil_chan_park("runtime.chanrecv", "", 536, Some(400)));
        assert!(!is_nil_chan_park("runtime.selectgo", "", 536, Some(524)));
    }

    #[test]
    fn nil_chan_park_by_known_lines() {
        for (f, line) in [
            ("runtime.chansend", 165),
            ("runtime.chansend", 181),
            ("runtime.chanrecv", 469),
            ("runtime.chanrecv", 536),
        ] {
            assert!(
                is_nil_chan_park(f, "runtime/chan.go", line, None),
                "{f}:{line}"
            );
        }
        // Ordinary parks of Go 1.15, 1.19, 1.24, 1.27.
        for (f, line) in [
            ("runtime.chanrecv", 577),
            ("runtime.chanrecv", 583),
            ("runtime.chanrecv", 664),
            ("runtime.chanrecv", 667),
            ("runtime.chansend", 259),
            ("runtime.chansend", 283),
        ] {
            assert!(
                !is_nil_chan_park(f, "runtime/chan.go", line, None),
                "{f}:{line}"
            );
        }
        // Not chan.go: not the runtime's channel code.
        assert!(!is_nil_chan_park("runtime.chanrecv", "other.go", 536, None));
    }

    #[test]
    fn blocking_op_refines_nil_channels_from_frames() {
        let mut t = FrameTable::new();
        let nil_recv = chan_stack(&mut t, "runtime.chanrecv", 536, "runtime.chanrecv1");
        let recv = chan_stack(&mut t, "runtime.chanrecv", 667, "runtime.chanrecv1");
        let nil_range = chan_stack(&mut t, "runtime.chanrecv", 469, "runtime.chanrecv2");
        let nil_send = chan_stack(&mut t, "runtime.chansend", 165, "runtime.chansend1");
        let send = chan_stack(&mut t, "runtime.chansend", 259, "runtime.chansend1");
        assert_eq!(blocking_op(None, &nil_recv, &t), BlockingOp::NilChan);
        assert_eq!(blocking_op(None, &recv, &t), BlockingOp::ChanReceive);
        assert_eq!(blocking_op(None, &nil_range, &t), BlockingOp::NilChan);
        assert_eq!(blocking_op(None, &nil_send, &t), BlockingOp::NilChan);
        assert_eq!(blocking_op(None, &send, &t), BlockingOp::ChanSend);
        // An empty reason is no reason.
        assert_eq!(blocking_op(Some(" "), &nil_send, &t), BlockingOp::NilChan);
        // A wait reason is authoritative.
        assert_eq!(
            blocking_op(Some("chan receive"), &nil_recv, &t),
            BlockingOp::ChanReceive
        );
        // With start lines (pprof Function.start_line), any version works:
        // here a made-up runtime whose chanrecv starts at 600.
        let other = chan_stack(&mut t, "runtime.chanrecv", 612, "runtime.chanrecv1");
        assert_eq!(blocking_op(None, &other, &t), BlockingOp::ChanReceive);
        let chanrecv = other[1];
        let start = |id: FrameId| (id == chanrecv).then_some(600);
        assert_eq!(
            blocking_op_with_start_lines(None, &other, &t, &start),
            BlockingOp::NilChan
        );
        let start_far = |id: FrameId| (id == chanrecv).then_some(480);
        assert_eq!(
            blocking_op_with_start_lines(None, &other, &t, &start_far),
            BlockingOp::ChanReceive
        );
        // Select is never refined.
        let sel = vec![
            t.intern_frame("runtime.gopark", "runtime/proc.go", 1),
            t.intern_frame("runtime.selectgo", "runtime/select.go", 536),
            t.intern_frame("main.x", "main.go", 1),
        ];
        assert_eq!(
            refine_nil_chan(BlockingOp::Select, &sel, &t, &|_| Some(530)),
            BlockingOp::Select
        );
    }
}
