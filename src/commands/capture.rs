//! `leakdiff capture`: take the snapshots an analysis needs from a live Go
//! service that serves `net/http/pprof`.
//!
//! Each round fetches `goroutine?debug=2` (ids, wait minutes, parents), the
//! heap profile (protobuf, after a GC) and, when the pprof index lists it,
//! `goroutineleak` (Go 1.26+, the runtime's own leak verdict). Every body is
//! streamed to a hidden temporary file in the output directory (hashed and
//! bounded on the way), checked to be the profile asked for by the same
//! loaders `analyze` uses, and a round's files are renamed into place only
//! once the whole round arrived; the manifest (`leakdiff-capture.json`) is
//! rewritten atomically after each round. A failure or an interrupt removes
//! the round in progress, so the directory only ever holds complete rounds.
//!
//! The HTTP client is `ureq` with rustls. Request headers (`--header`, often
//! tokens) are sent and never written anywhere.

use crate::error::Error;
use crate::load::{self, LoadOptions};
use crate::model::{Format, ProfileKind};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest, Sha256};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Name of the manifest written into the output directory; `analyze DIR`
/// skips it.
pub const MANIFEST: &str = load::CAPTURE_MANIFEST;

/// Bound on the pprof index page, which is only looked at for its links.
const MAX_INDEX: u64 = 1 << 20;

/// The profiles `--profiles` can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
pub enum ProfileArg {
    /// `goroutine?debug=2`: every goroutine with its id, wait and parent.
    Goroutine,
    /// `goroutine` as protobuf (counts per stack, runtime frames kept).
    GoroutineProto,
    /// `goroutine?debug=1` text.
    GoroutineDebug1,
    /// `heap?gc=1` (protobuf, in-use memory after a GC).
    Heap,
    /// `goroutineleak` (protobuf; Go 1.26+; skipped when the server lacks it).
    Goroutineleak,
    /// `allocs` (protobuf).
    Allocs,
    /// `mutex` (protobuf).
    Mutex,
    /// `block` (protobuf).
    Block,
    /// `threadcreate` (protobuf).
    Threadcreate,
}

/// What is fetched for one profile and what must come back.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// Path under the pprof index.
    path: &'static str,
    /// Query string (without `?`), may be empty.
    query: &'static str,
    /// Name in the output files (`goroutine-01-….debug2.txt`).
    file: &'static str,
    kind: ProfileKind,
    format: Option<Format>,
    /// A 404 (or an index that does not list it) is not an error.
    optional: bool,
}

impl ProfileArg {
    fn plan(self) -> Plan {
        let proto = |path: &'static str, kind| Plan {
            path,
            query: "",
            file: path,
            kind,
            format: Some(Format::Pprof),
            optional: false,
        };
        match self {
            ProfileArg::Goroutine => Plan {
                query: "debug=2",
                format: Some(Format::Debug2),
                ..proto("goroutine", ProfileKind::Goroutine)
            },
            ProfileArg::GoroutineProto => proto("goroutine", ProfileKind::Goroutine),
            ProfileArg::GoroutineDebug1 => Plan {
                query: "debug=1",
                format: Some(Format::Debug1),
                ..proto("goroutine", ProfileKind::Goroutine)
            },
            ProfileArg::Heap => Plan {
                query: "gc=1",
                ..proto("heap", ProfileKind::Heap)
            },
            ProfileArg::Goroutineleak => Plan {
                optional: true,
                ..proto("goroutineleak", ProfileKind::GoroutineLeak)
            },
            ProfileArg::Allocs => proto("allocs", ProfileKind::Allocs),
            ProfileArg::Mutex => proto("mutex", ProfileKind::Mutex),
            ProfileArg::Block => proto("block", ProfileKind::Block),
            ProfileArg::Threadcreate => proto("threadcreate", ProfileKind::ThreadCreate),
        }
    }
}

/// The profiles fetched when `--profiles` is not given.
pub const DEFAULT_PROFILES: [ProfileArg; 3] = [
    ProfileArg::Goroutine,
    ProfileArg::Heap,
    ProfileArg::Goroutineleak,
];

/// A request header given as `Name: value`. Its value is never printed.
#[derive(Clone)]
pub struct Header {
    name: ureq::http::HeaderName,
    value: ureq::http::HeaderValue,
}

impl std::fmt::Debug for Header {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: <hidden>", self.name)
    }
}

fn parse_header(s: &str) -> Result<Header, String> {
    let Some((name, value)) = s.split_once(':') else {
        return Err("expected 'Name: value'".into());
    };
    let name = ureq::http::HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| "not a valid header name (expected 'Name: value')".to_string())?;
    let mut value = ureq::http::HeaderValue::from_str(value.trim())
        .map_err(|_| format!("header {name}: the value holds characters a header cannot carry"))?;
    value.set_sensitive(true);
    Ok(Header { name, value })
}

/// Parses `30s`, `1.5s`, `500ms`, `2m`, `1h` or a plain number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (num, unit) = match t.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&t[..i], t[i..].trim()),
        None => (t, "s"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected a duration such as 30s, 500ms, 2m"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" | "sec" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (ms, s, m or h)")),
    };
    if !secs.is_finite() || secs > 366.0 * 86_400.0 {
        return Err(format!("{s:?}: too long"));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn positive_duration(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d.is_zero() {
        return Err("must be more than 0".into());
    }
    Ok(d)
}

fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// The service (http://host:6060; /debug/pprof/ is assumed when the path
    /// is empty) or its pprof index URL (http://host:6060/admin/pprof/).
    #[arg(value_name = "URL")]
    pub url: String,
    /// Directory the snapshots and the manifest are written to (created;
    /// must be new or empty).
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub dir: PathBuf,
    /// Number of rounds.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = at_least_one)]
    pub count: usize,
    /// Time from the start of one round to the start of the next (30s, 500ms, 2m).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub interval: Duration,
    /// Longest a request may take, body included.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = positive_duration)]
    pub timeout: Duration,
    /// Request header, e.g. 'Authorization: Bearer TOKEN' (repeatable); sent
    /// with every request, never written to the manifest or the output.
    #[arg(long = "header", short = 'H', value_name = "'Name: value'", value_parser = parse_header)]
    pub headers: Vec<Header>,
    /// Profiles fetched each round (comma-separated) [default: goroutine,heap,goroutineleak].
    #[arg(long, value_enum, value_delimiter = ',', value_name = "PROFILE,...")]
    pub profiles: Vec<ProfileArg>,
    /// Largest body accepted for one profile, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = LoadOptions::default().max_decompressed, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_body: u64,
    /// Analyze DIR at the end and print the report as `leakdiff analyze DIR` would.
    #[arg(long)]
    pub analyze: bool,
    /// With --analyze: Go source tree the stacks point at (repeatable).
    #[arg(long, value_name = "SRC", requires = "analyze")]
    pub source: Vec<PathBuf>,
}

/// One file of the manifest.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ManifestFile {
    pub file: String,
    pub profile: String,
    pub round: usize,
    pub url: String,
    /// When the request was sent (RFC 3339, UTC, milliseconds).
    pub requested_at: String,
    pub duration_ms: u64,
    pub bytes: u64,
    pub sha256: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goroutines: Option<u64>,
}

#[derive(Debug, Clone, serde::Serialize)]
struct Manifest<'a> {
    tool: serde_json::Value,
    url: &'a str,
    count: usize,
    interval_seconds: f64,
    rounds_completed: usize,
    /// Optional profiles the server did not offer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_offered: Vec<&'static str>,
    files: &'a [ManifestFile],
}

/// What a finished capture saved.
#[derive(Debug)]
pub struct CaptureSummary {
    pub dir: PathBuf,
    pub rounds: usize,
    pub files: Vec<ManifestFile>,
}

/// Turns the URL given into the pprof index URL (ending in `/`). Query
/// strings and credentials are refused: they would end up in the manifest.
pub fn index_url(url: &str) -> Result<String, Error> {
    let bad = |m: &str| Error::Usage(format!("{url}: {m}"));
    let uri: ureq::http::Uri = url.parse().map_err(|e| bad(&format!("not a URL ({e})")))?;
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        Some(s) => return Err(bad(&format!("unsupported scheme {s:?} (http or https)"))),
        None => return Err(bad("not a URL: expected http://host:port or https://…")),
    }
    let Some(auth) = uri.authority() else {
        return Err(bad("no host"));
    };
    if auth.as_str().contains('@') {
        return Err(Error::Usage(
            "the URL holds credentials (user:password@); pass them with --header 'Authorization: …' instead"
                .into(),
        ));
    }
    if uri.query().is_some() || url.contains('#') {
        return Err(bad(
            "the URL has a query or fragment; give the service's base or its pprof index URL (tokens go in --header)",
        ));
    }
    let path = uri.path();
    let path = if path.is_empty() || path == "/" {
        "/debug/pprof/".to_string()
    } else if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    };
    Ok(format!(
        "{}://{}{}",
        uri.scheme_str().unwrap_or("http"),
        auth.as_str(),
        path
    ))
}

/// Names the profiles an index page links to, or `None` when the page is
/// not a pprof index (it lists no `goroutine`).
pub fn index_profiles(html: &str) -> Option<Vec<String>> {
    let mut names = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("href=") {
        rest = &rest[i + 5..];
        let quote = rest.chars().next();
        let body = match quote {
            Some('\'' | '"') => &rest[1..],
            _ => rest,
        };
        let end = body.find(['\'', '"', '?', '>', ' ']).unwrap_or(body.len());
        let name = body[..end].trim_start_matches("./");
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names.iter().any(|n| n == "goroutine").then_some(names)
}

/// State the Ctrl-C handler needs: the temporary files of the round in
/// progress and what has been saved.
struct Shared {
    temps: Vec<PathBuf>,
    rounds: usize,
    count: usize,
    dir: PathBuf,
    created_dir: bool,
    bar: Option<ProgressBar>,
}

static SHARED: Mutex<Option<Shared>> = Mutex::new(None);

fn with_shared<T>(f: impl FnOnce(&mut Shared) -> T) -> Option<T> {
    let mut g = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    g.as_mut().map(f)
}

/// Removes the round in progress (and the directory, when this run created
/// it and nothing was saved); returns the line that says what is left.
fn abandon(s: &mut Shared) -> String {
    for t in s.temps.drain(..) {
        let _ = std::fs::remove_file(t);
    }
    if let Some(b) = &s.bar {
        b.finish_and_clear();
    }
    let dir = s.dir.display().to_string();
    if s.rounds == 0 {
        if s.created_dir {
            let _ = std::fs::remove_dir(&s.dir);
        }
        "no round saved".to_string()
    } else {
        format!("{} of {} rounds saved in {dir}", s.rounds, s.count)
    }
}

fn install_interrupt_handler() {
    // Only one handler per process; a second install (a library caller
    // capturing twice) keeps the first, which reads the same state.
    let _ = ctrlc::set_handler(|| {
        let line = with_shared(|s| {
            let line = abandon(s);
            if s.rounds == 0 {
                line
            } else {
                format!(
                    "{line}; analyze with: leakdiff analyze {}",
                    shell_quote(&s.dir.display().to_string())
                )
            }
        })
        .unwrap_or_else(|| "nothing saved".into());
        eprintln!("{}", super::stderr_line("interrupted", &line));
        std::process::exit(130);
    });
}

/// Quotes a path for a shell command line when it needs it.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-+:=,@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// `2026-11-30T16:34:27.123Z`.
fn rfc3339_millis(nanos: i64) -> String {
    let s = crate::text::rfc3339(nanos);
    let ms = nanos.rem_euclid(1_000_000_000) / 1_000_000;
    match s.strip_suffix('Z') {
        Some(base) => format!("{base}.{ms:03}Z"),
        None => s,
    }
}

/// `20261130T163427Z`, for file names.
fn compact_time(nanos: i64) -> String {
    crate::text::rfc3339(nanos).replace(['-', ':'], "")
}

/// A failed request: the message names the problem, the caller the URL.
#[derive(Debug)]
enum FetchError {
    NotFound(String),
    Failed(String),
}

impl FetchError {
    fn message(self) -> String {
        match self {
            FetchError::NotFound(m) | FetchError::Failed(m) => m,
        }
    }
}

fn ureq_message(e: &ureq::Error, timeout: Duration) -> String {
    match e {
        ureq::Error::Timeout(_) => format!("no complete answer within {}", fmt_duration(timeout)),
        ureq::Error::Io(io) => io_error_message(io, timeout),
        ureq::Error::HostNotFound => "host not found (DNS lookup failed)".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        ureq::Error::TooManyRedirects => "redirect loop (more than 10 redirects)".into(),
        ureq::Error::Tls(m) => format!("TLS failure: {m}"),
        ureq::Error::Rustls(r) => format!("TLS failure: {r}"),
        ureq::Error::Protocol(p) => {
            format!("not an HTTP answer ({p}; an https:// service given as http://?)")
        }
        ureq::Error::LargeResponseHeader(..) => "response headers too large".into(),
        other => other.to_string(),
    }
}

fn io_error_message(e: &std::io::Error, timeout: Duration) -> String {
    if let Some(u) = e.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>()) {
        return ureq_message(u, timeout);
    }
    use std::io::ErrorKind as K;
    let text = e.to_string();
    if text.contains("lookup address") || text.contains("Name or service not known") {
        return format!("host not found (DNS lookup failed: {text})");
    }
    match e.kind() {
        K::ConnectionRefused => "connection refused".into(),
        K::TimedOut | K::WouldBlock => {
            format!("no complete answer within {}", fmt_duration(timeout))
        }
        K::UnexpectedEof => "the connection closed early".into(),
        K::ConnectionReset => "connection reset by the server".into(),
        _ => e.to_string(),
    }
}

fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{} ms", d.as_millis())
    } else if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

/// The first line of a short text body, for an error message.
fn body_hint(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    match line {
        Some(l) if !looks_like_html(l.as_bytes()) => {
            let l: String = l.chars().take(100).collect();
            format!(": {l}")
        }
        _ => String::new(),
    }
}

fn looks_like_html(head: &[u8]) -> bool {
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let h = &head[start..head.len().min(start + 64)];
    let lower: Vec<u8> = h.iter().map(|b| b.to_ascii_lowercase()).collect();
    lower.starts_with(b"<!doctype")
        || lower.starts_with(b"<html")
        || lower.starts_with(b"<head")
        || lower.starts_with(b"<body")
        || lower.starts_with(b"<?xml")
        || lower.starts_with(b"<!--")
}

struct Client {
    agent: ureq::Agent,
    headers: Vec<Header>,
    timeout: Duration,
}

impl Client {
    fn new(args: &CaptureArgs) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(args.timeout))
            .http_status_as_error(false)
            .max_redirects(10)
            .user_agent(format!("leakdiff/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            agent,
            headers: args.headers.clone(),
            timeout: args.timeout,
        }
    }

    /// GETs `url` and streams a 200 body into `sink`, at most `max` bytes.
    fn get(&self, url: &str, max: u64, sink: &mut dyn Write) -> Result<u64, FetchError> {
        let mut req = self.agent.get(url);
        for h in &self.headers {
            req = req.header(h.name.clone(), h.value.clone());
        }
        let resp = req.call().map_err(|e| {
            let msg = ureq_message(&e, self.timeout);
            // Before any answer, a closed or garbled connection to an
            // https:// URL is a handshake that failed.
            let handshake = match &e {
                ureq::Error::Io(io) => matches!(
                    io.kind(),
                    std::io::ErrorKind::UnexpectedEof
                        | std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::InvalidData
                ),
                ureq::Error::Protocol(_) => true,
                _ => false,
            };
            FetchError::Failed(if url.starts_with("https://") && handshake {
                format!("TLS failure: no TLS handshake completed ({msg}); is the service plain http://?")
            } else if handshake {
                format!("the server closed the connection or did not answer in HTTP ({msg})")
            } else {
                msg
            })
        })?;
        let status = resp.status();
        let mut reader = resp.into_body().into_reader();
        if status.as_u16() != 200 {
            let mut head = Vec::new();
            let _ = (&mut reader).take(4096).read_to_end(&mut head);
            let reason = status.canonical_reason().unwrap_or("");
            let msg = format!("HTTP {} {reason}{}", status.as_u16(), body_hint(&head))
                .trim_end()
                .to_string();
            return Err(if status.as_u16() == 404 {
                FetchError::NotFound(msg)
            } else {
                FetchError::Failed(msg)
            });
        }
        let mut buf = vec![0u8; 256 << 10];
        let mut total = 0u64;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let msg = match e.kind() {
                        std::io::ErrorKind::UnexpectedEof => {
                            "the connection closed before the whole body arrived".to_string()
                        }
                        _ => io_error_message(&e, self.timeout),
                    };
                    return Err(FetchError::Failed(format!("{msg} (after {total} bytes)")));
                }
            };
            total += n as u64;
            if total > max {
                return Err(FetchError::Failed(format!(
                    "the body is larger than --max-body {max} bytes"
                )));
            }
            sink.write_all(&buf[..n])
                .map_err(|e| FetchError::Failed(format!("writing: {e}")))?;
        }
        Ok(total)
    }
}

/// A profile of the round in progress, in its temporary file.
struct Fetched {
    tmp: PathBuf,
    entry: ManifestFile,
}

struct Capture<'a> {
    args: &'a CaptureArgs,
    client: Client,
    index: String,
    plans: Vec<Plan>,
    not_offered: Vec<&'static str>,
    files: Vec<ManifestFile>,
    rounds: usize,
    created_dir: bool,
}

impl Capture<'_> {
    fn ensure_dir(&mut self) -> Result<(), Error> {
        if self.args.dir.is_dir() {
            return Ok(());
        }
        std::fs::create_dir_all(&self.args.dir).map_err(|e| Error::Output {
            path: self.args.dir.display().to_string(),
            source: e,
        })?;
        self.created_dir = true;
        with_shared(|s| s.created_dir = true);
        Ok(())
    }

    /// Fetches one profile into a temporary file and checks it is the
    /// profile asked for.
    fn fetch(
        &mut self,
        plan: Plan,
        round: usize,
        slot: usize,
    ) -> Result<Fetched, (String, FetchError)> {
        let url = if plan.query.is_empty() {
            format!("{}{}", self.index, plan.path)
        } else {
            format!("{}{}?{}", self.index, plan.path, plan.query)
        };
        let fail = |e: FetchError| (url.clone(), e);
        let tmp = self.args.dir.join(format!(
            ".{}-{round}-{slot}.{}.tmp",
            plan.file,
            std::process::id()
        ));
        with_shared(|s| s.temps.push(tmp.clone()));
        let started = now_nanos();
        let clock = Instant::now();
        let result = (|| {
            let file = std::fs::File::create(&tmp).map_err(|e| {
                FetchError::Failed(format!(
                    "{}: {}",
                    tmp.display(),
                    crate::text::io_message(&e)
                ))
            })?;
            let mut w = HashingWriter {
                inner: std::io::BufWriter::with_capacity(1 << 20, file),
                hash: Sha256::new(),
                head: Vec::new(),
            };
            let bytes = self.client.get(&url, self.args.max_body, &mut w)?;
            let file = w
                .inner
                .into_inner()
                .map_err(|e| FetchError::Failed(format!("writing: {}", e.error())))?;
            file.sync_all()
                .map_err(|e| FetchError::Failed(format!("writing: {e}")))?;
            let sha256 = hex(&w.hash.finalize());
            let goroutines = check_profile(&tmp, &w.head, bytes, plan, self.args.max_body)
                .map_err(FetchError::Failed)?;
            Ok((bytes, sha256, w.head, goroutines))
        })();
        let (bytes, sha256, head, goroutines) = match result {
            Ok(r) => r,
            Err(e) => {
                // This profile's temporary file goes now; the round's others
                // are the caller's to keep or drop.
                let _ = std::fs::remove_file(&tmp);
                with_shared(|s| s.temps.retain(|t| *t != tmp));
                return Err(fail(e));
            }
        };
        let ext = match plan.format {
            Some(Format::Debug2) => ".debug2.txt",
            Some(Format::Debug1) => ".debug1.txt",
            _ if load::detect::is_gzip(&head) => ".pb.gz",
            _ => ".pb",
        };
        let width = self.args.count.to_string().len().max(2);
        let file = format!(
            "{}-{round:0width$}-{}{ext}",
            plan.file,
            compact_time(started)
        );
        Ok(Fetched {
            tmp,
            entry: ManifestFile {
                file,
                profile: format!(
                    "{}{}",
                    plan.path,
                    if plan.query.is_empty() {
                        String::new()
                    } else {
                        format!("?{}", plan.query)
                    }
                ),
                round,
                url,
                requested_at: rfc3339_millis(started),
                duration_ms: clock.elapsed().as_millis() as u64,
                bytes,
                sha256,
                goroutines,
            },
        })
    }

    fn write_manifest(&self) -> Result<(), Error> {
        let m = Manifest {
            tool: serde_json::json!({"name": "leakdiff", "version": env!("CARGO_PKG_VERSION")}),
            url: &self.index,
            count: self.args.count,
            interval_seconds: self.args.interval.as_secs_f64(),
            rounds_completed: self.rounds,
            not_offered: self.not_offered.clone(),
            files: &self.files,
        };
        let path = self.args.dir.join(MANIFEST);
        super::write_atomically(&path.to_string_lossy(), |w| {
            serde_json::to_writer_pretty(&mut *w, &m)?;
            writeln!(w)
        })
    }

    /// One round: every profile into its temporary file, then all renamed.
    fn round(&mut self, round: usize, bar: &Option<ProgressBar>) -> Result<(), Error> {
        let mut fetched = Vec::new();
        let plans = self.plans.clone();
        self.ensure_dir()?;
        for (slot, plan) in plans.into_iter().enumerate() {
            if let Some(b) = bar {
                b.set_message(format!(
                    "round {round} of {}: fetching {}",
                    self.args.count, plan.path
                ));
            }
            match self.fetch(plan, round, slot) {
                Ok(f) => fetched.push(f),
                Err((_, FetchError::NotFound(_))) if plan.optional => {
                    self.plans.retain(|p| p.path != plan.path);
                    self.not_offered.push(plan.path);
                }
                Err((url, e)) => {
                    let left = with_shared(abandon).unwrap_or_default();
                    let msg = e.message();
                    let msg = if round == 1 {
                        msg
                    } else {
                        format!("{msg} (in round {round}; {left})")
                    };
                    return Err(Error::input(&url, msg));
                }
            }
        }
        // Commit: rename under the lock so an interrupt sees either the
        // whole round or none of it.
        let mut g = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        for (i, f) in fetched.iter().enumerate() {
            let target = self.args.dir.join(&f.entry.file);
            if let Err(e) = std::fs::rename(&f.tmp, &target) {
                // Not a partial round either: take back what was renamed.
                for done in &fetched[..i] {
                    let _ = std::fs::remove_file(self.args.dir.join(&done.entry.file));
                }
                let left = g.as_mut().map(abandon).unwrap_or_default();
                return Err(Error::Output {
                    path: target.display().to_string(),
                    source: std::io::Error::new(e.kind(), format!("{e} ({left})")),
                });
            }
        }
        self.files.extend(fetched.into_iter().map(|f| f.entry));
        self.rounds = round;
        self.write_manifest()?;
        if let Some(s) = g.as_mut() {
            s.temps.clear();
            s.rounds = round;
        }
        Ok(())
    }
}

struct HashingWriter<W: Write> {
    inner: W,
    hash: Sha256,
    head: Vec<u8>,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        if self.head.len() < 512 {
            let take = (512 - self.head.len()).min(n);
            self.head.extend_from_slice(&buf[..take]);
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Checks that the body saved at `path` is the profile `plan` asked for,
/// with the loaders `analyze` uses. Returns the goroutine count of a
/// goroutine profile.
fn check_profile(
    path: &Path,
    head: &[u8],
    bytes: u64,
    plan: Plan,
    max: u64,
) -> Result<Option<u64>, String> {
    if bytes == 0 {
        return Err("the answer is empty, not a profile".into());
    }
    if looks_like_html(head) {
        return Err("the answer is an HTML page, not a profile (a login or error page?)".into());
    }
    let opts = LoadOptions {
        max_decompressed: max,
        ..LoadOptions::default()
    };
    let snaps = load::load_path(&path.to_string_lossy(), &opts).map_err(|e| match e {
        Error::Input {
            position, message, ..
        } => format!(
            "the answer is not a {} profile: {}{message}",
            plan.path,
            position.map(|p| format!("{p}: ")).unwrap_or_default()
        ),
        other => other.to_string(),
    })?;
    let Some(s) = snaps.first() else {
        return Err(format!("the answer holds no {} profile", plan.path));
    };
    if let Some(w) = s.warnings.iter().find(|w| w.contains("truncated")) {
        return Err(format!("the answer is cut short: {w}"));
    }
    let kind_ok = s.kind == plan.kind
        // A goroutine debug=2 dump reads as goroutine whatever was asked.
        || (plan.kind.is_goroutine() && s.kind.is_goroutine());
    let format_ok = plan.format.is_none_or(|f| f == s.format);
    if !kind_ok || !format_ok {
        return Err(format!(
            "the answer is a {} {} profile, not the {} asked for",
            s.kind,
            s.format.as_str(),
            plan.path
        ));
    }
    Ok(s.kind.is_goroutine().then(|| s.goroutine_count()))
}

/// Refuses an output directory that already holds files: `analyze DIR`
/// reads every file in it, so another capture would be mixed in.
fn check_dir(dir: &Path) -> Result<(), Error> {
    let shown = dir.display().to_string();
    match std::fs::metadata(dir) {
        Err(_) => Ok(()),
        Ok(m) if !m.is_dir() => Err(Error::Usage(format!(
            "{shown}: exists and is not a directory"
        ))),
        Ok(_) => {
            let busy = std::fs::read_dir(dir)
                .map_err(|e| Error::input(&shown, crate::text::io_message(&e)))?
                .flatten()
                .any(|e| !e.file_name().to_string_lossy().starts_with('.'));
            if busy {
                Err(Error::Usage(format!(
                    "{shown}: not empty; capture into a new or empty directory (analyze DIR reads every file in it)"
                )))
            } else {
                Ok(())
            }
        }
    }
}

fn progress_bar() -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    b.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    b.enable_steady_tick(Duration::from_millis(120));
    Some(b)
}

/// `leakdiff capture`: the rounds, the line that says what was saved, and
/// with `--analyze` the report `leakdiff analyze DIR` prints.
pub fn run(a: CaptureArgs) -> Result<u8, Error> {
    let saved = capture(&a)?;
    eprintln!("{}", super::stderr_line("capture", &saved.final_line()));
    if !a.analyze {
        return Ok(super::EXIT_OK);
    }
    #[derive(clap::Parser)]
    struct Analyze {
        #[command(flatten)]
        args: super::analyze::AnalyzeArgs,
    }
    let mut argv: Vec<std::ffi::OsString> = vec!["leakdiff analyze".into()];
    for s in &a.source {
        argv.push("--source".into());
        argv.push(s.clone().into_os_string());
    }
    argv.push("--".into());
    argv.push(a.dir.clone().into_os_string());
    let parsed =
        <Analyze as clap::Parser>::try_parse_from(argv).map_err(|e| Error::Usage(e.to_string()))?;
    super::analyze::run(parsed.args)
}

/// Runs a capture: `count` rounds, `interval` apart.
pub fn capture(args: &CaptureArgs) -> Result<CaptureSummary, Error> {
    let index = index_url(&args.url)?;
    check_dir(&args.dir)?;
    let client = Client::new(args);
    let wanted: Vec<ProfileArg> = if args.profiles.is_empty() {
        DEFAULT_PROFILES.to_vec()
    } else {
        let mut v = Vec::new();
        for p in &args.profiles {
            if !v.contains(p) {
                v.push(*p);
            }
        }
        v
    };
    let bar = progress_bar();
    if let Some(b) = &bar {
        b.set_message(format!("reading the pprof index {index}"));
    }
    // The index says which optional profiles the server has (goroutineleak
    // exists from Go 1.26 on, behind GOEXPERIMENT=goroutineleakprofile in
    // 1.26). An index that cannot be read as one (404, a custom mux) leaves
    // the question to the 404 of each optional profile; a connection that
    // fails fails here, before anything is written.
    let mut listing = Vec::new();
    let listed = match client.get(&index, MAX_INDEX, &mut listing) {
        Ok(_) => index_profiles(&String::from_utf8_lossy(&listing)),
        Err(FetchError::NotFound(_)) => None,
        Err(FetchError::Failed(m)) if m.starts_with("HTTP ") || m.contains("--max-body") => None,
        Err(e) => {
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            return Err(Error::input(&index, e.message()));
        }
    };
    let mut not_offered = Vec::new();
    let plans: Vec<Plan> = wanted
        .iter()
        .map(|p| p.plan())
        .filter(|p| {
            let offered = !p.optional
                || listed
                    .as_ref()
                    .is_none_or(|names| names.iter().any(|n| n == p.path));
            if !offered {
                not_offered.push(p.path);
            }
            offered
        })
        .collect();
    *SHARED.lock().unwrap_or_else(|e| e.into_inner()) = Some(Shared {
        temps: Vec::new(),
        rounds: 0,
        count: args.count,
        dir: args.dir.clone(),
        created_dir: false,
        bar: bar.clone(),
    });
    install_interrupt_handler();
    let mut cap = Capture {
        args,
        client,
        index,
        plans,
        not_offered,
        files: Vec::new(),
        rounds: 0,
        created_dir: false,
    };
    let start = Instant::now();
    let result = (|| {
        for round in 1..=args.count {
            let due = start + args.interval * (round as u32 - 1);
            while let Some(left) = due.checked_duration_since(Instant::now()) {
                if left.is_zero() {
                    break;
                }
                if let Some(b) = &bar {
                    b.set_message(format!(
                        "{} of {} rounds saved in {}; round {round} in {} s",
                        round - 1,
                        args.count,
                        args.dir.display(),
                        left.as_secs() + u64::from(left.subsec_nanos() > 0)
                    ));
                }
                std::thread::sleep(left.min(Duration::from_millis(200)));
            }
            cap.round(round, &bar)?;
        }
        Ok(())
    })();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let created = cap.created_dir;
    *SHARED.lock().unwrap_or_else(|e| e.into_inner()) = None;
    if let Err(e) = result {
        if cap.rounds == 0 && created {
            let _ = std::fs::remove_dir(&args.dir);
        }
        return Err(e);
    }
    for p in &cap.not_offered {
        eprintln!(
            "{}",
            super::stderr_line(
                "note",
                &format!(
                    "{}: the server does not offer the {p} profile (Go 1.26+; in Go 1.26 only with GOEXPERIMENT=goroutineleakprofile); captured without it",
                    cap.index
                )
            )
        );
    }
    Ok(CaptureSummary {
        dir: args.dir.clone(),
        rounds: cap.rounds,
        files: cap.files,
    })
}

impl CaptureSummary {
    /// The line that ends a capture: what was saved and how to analyze it.
    pub fn final_line(&self) -> String {
        let mut kinds: Vec<(String, usize)> = Vec::new();
        for f in &self.files {
            let name = f.file.split('-').next().unwrap_or("").to_string();
            let name = if f.profile.contains("debug=2") {
                format!("{name} debug=2")
            } else {
                name
            };
            match kinds.iter_mut().find(|(k, _)| *k == name) {
                Some((_, n)) => *n += 1,
                None => kinds.push((name, 1)),
            }
        }
        let what: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let dir = self.dir.display().to_string();
        format!(
            "saved {} round{} ({}) and {MANIFEST} in {dir}; analyze with: leakdiff analyze {}",
            self.rounds,
            if self.rounds == 1 { "" } else { "s" },
            what.join(", "),
            shell_quote(&dir)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_become_index_urls() {
        assert_eq!(
            index_url("http://127.0.0.1:6060").unwrap(),
            "http://127.0.0.1:6060/debug/pprof/"
        );
        assert_eq!(index_url("http://h:1/").unwrap(), "http://h:1/debug/pprof/");
        assert_eq!(
            index_url("https://h/admin/pprof").unwrap(),
            "https://h/admin/pprof/"
        );
        assert_eq!(
            index_url("http://h/debug/pprof/").unwrap(),
            "http://h/debug/pprof/"
        );
        for bad in [
            "h:6060",
            "ftp://h/",
            "http://u:p@h/",
            "http://h/?token=x",
            "http://h/#x",
        ] {
            assert!(index_url(bad).is_err(), "{bad}");
        }
        let e = index_url("http://u:secret@h/").unwrap_err().to_string();
        assert!(!e.contains("secret"), "{e}");
    }

    #[test]
    fn index_pages_list_profiles() {
        let go127 = "<tr><td>3</td><td><a href='allocs?debug=1'>allocs</a></td></tr>\n\
<tr><td>12</td><td><a href='goroutine?debug=1'>goroutine</a></td></tr>\n\
<tr><td>0</td><td><a href='goroutineleak?debug=1'>goroutineleak</a></td></tr>\n\
<a href=\"goroutine?debug=2\">full goroutine stack dump</a>";
        let names = index_profiles(go127).unwrap();
        assert!(names.contains(&"goroutineleak".to_string()), "{names:?}");
        let go119 = "<a href='goroutine?debug=1'>goroutine</a><a href='heap?debug=1'>heap</a>";
        let names = index_profiles(go119).unwrap();
        assert!(!names.contains(&"goroutineleak".to_string()));
        assert_eq!(
            index_profiles("<html><a href='/login'>log in</a></html>"),
            None
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("7").unwrap(), Duration::from_secs(7));
        assert_eq!(parse_duration("0s").unwrap(), Duration::ZERO);
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("").is_err());
        assert!(positive_duration("0").is_err());
    }

    #[test]
    fn headers_hide_their_values() {
        let h = parse_header("Authorization: Bearer s3cret").unwrap();
        assert_eq!(format!("{h:?}"), "authorization: <hidden>");
        assert!(parse_header("no colon").is_err());
        let e = parse_header("X-Token: a\nb").unwrap_err();
        assert!(!e.contains('a') || !e.contains("a\nb"), "{e}");
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("snaps/run-1"), "snaps/run-1");
        assert_eq!(shell_quote("my dir"), "'my dir'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }

    #[test]
    fn html_is_recognised() {
        assert!(looks_like_html(b"\n  <!DOCTYPE html><html>"));
        assert!(looks_like_html(b"<HTML><body>"));
        assert!(!looks_like_html(b"goroutine 1 [running]:"));
        assert!(!looks_like_html(&[0x1f, 0x8b, 8]));
    }
}
