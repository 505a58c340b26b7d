//! `leakdiff capture` against an in-process HTTP server on 127.0.0.1 (std
//! TcpListener, a thread per connection, every wait bounded): it replays
//! the committed captures of testdata/go/pprof-service, served over HTTP by
//! that program, and plays the failures a live endpoint can have.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
struct Request {
    /// Path and query, e.g. `/debug/pprof/goroutine?debug=2`.
    target: String,
    headers: HashMap<String, String>,
    /// How many requests for this target came before (0 for the first).
    nth: usize,
}

impl Request {
    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// What the server does with a request.
enum Reply {
    Ok(&'static str, Vec<u8>),
    Status(u16, &'static str),
    /// Reads the request and never answers (for at most 20 s).
    Hang,
    /// Declares `declared` bytes, sends `body` and closes.
    Truncated(usize, Vec<u8>),
    /// Sends the body a byte every `Duration`.
    Trickle(Vec<u8>, Duration),
    Redirect(String),
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// Starts a server on 127.0.0.1:0; returns its base URL. Its threads end
/// with the test process (every wait in them is bounded).
fn serve(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handler: Arc<Handler> = Arc::new(handler);
    let counts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let handler = handler.clone();
            let counts = counts.clone();
            std::thread::spawn(move || connection(conn, &*handler, &counts));
        }
    });
    format!("http://{addr}")
}

fn connection(conn: TcpStream, handler: &Handler, counts: &Mutex<HashMap<String, usize>>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(20)));
    let _ = conn.set_write_timeout(Some(Duration::from_secs(20)));
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut w = conn;
    // Keep-alive: up to 100 requests on one connection.
    for _ in 0..100 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let nth = {
            let mut c = counts.lock().unwrap();
            let n = c.entry(target.clone()).or_insert(0);
            *n += 1;
            *n - 1
        };
        let req = Request {
            target,
            headers,
            nth,
        };
        let head = |status: u16, reason: &str, ctype: &str, len: usize| {
            format!(
                "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {len}\r\n\r\n"
            )
        };
        match handler(&req) {
            Reply::Ok(ctype, body) => {
                let _ = w.write_all(head(200, "OK", ctype, body.len()).as_bytes());
                let _ = w.write_all(&body);
            }
            Reply::Status(code, text) => {
                let reason = match code {
                    401 => "Unauthorized",
                    404 => "Not Found",
                    _ => "Internal Server Error",
                };
                let body = format!("{text}\n");
                let _ = w.write_all(head(code, reason, "text/plain", body.len()).as_bytes());
                let _ = w.write_all(body.as_bytes());
            }
            Reply::Hang => {
                std::thread::sleep(Duration::from_secs(20));
                return;
            }
            Reply::Truncated(declared, body) => {
                let _ = w.write_all(head(200, "OK", "text/plain", declared).as_bytes());
                let _ = w.write_all(&body);
                return;
            }
            Reply::Trickle(body, every) => {
                let _ = w.write_all(head(200, "OK", "text/plain", body.len()).as_bytes());
                let deadline = Instant::now() + Duration::from_secs(20);
                for b in body {
                    if w.write_all(&[b]).is_err() || Instant::now() > deadline {
                        return;
                    }
                    std::thread::sleep(every);
                }
            }
            Reply::Redirect(to) => {
                let _ = w.write_all(
                    format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n")
                        .as_bytes(),
                );
            }
        }
        let _ = w.flush();
    }
}

/// The index page net/http/pprof writes, listing `names`.
fn index_page(names: &[&str]) -> Vec<u8> {
    let mut s = String::from(
        "<html>\n<head>\n<title>/debug/pprof/</title>\n</head>\n<body>\n/debug/pprof/\n<table>\n",
    );
    for n in names {
        s.push_str(&format!(
            "<tr><td>0</td><td><a href='{n}?debug=1'>{n}</a></td></tr>\n"
        ));
    }
    s.push_str(
        "</table>\n<a href=\"goroutine?debug=2\">full goroutine stack dump</a>\n</body>\n</html>",
    );
    s.into_bytes()
}

const GO127_INDEX: [&str; 11] = [
    "allocs",
    "block",
    "cmdline",
    "goroutine",
    "goroutineleak",
    "heap",
    "mutex",
    "profile",
    "symbol",
    "threadcreate",
    "trace",
];

/// Replays testdata/captures/<version>/pprof-service: the K-th request for
/// a profile gets snapshot K (the last one after that).
fn replay(
    version: &'static str,
    index: Option<&'static [&'static str]>,
) -> impl Fn(&Request) -> Reply {
    let dir = root().join("captures").join(version).join("pprof-service");
    move |req| {
        let k = (req.nth + 1).min(3);
        let file = match req.target.as_str() {
            "/debug/pprof/" => {
                return match index {
                    Some(names) => Reply::Ok("text/html; charset=utf-8", index_page(names)),
                    None => Reply::Status(404, "404 page not found"),
                }
            }
            "/debug/pprof/goroutine?debug=2" => format!("goroutine-{k}.debug2.txt"),
            "/debug/pprof/goroutine?debug=1" => format!("goroutine-{k}.debug1.txt"),
            "/debug/pprof/goroutine" => format!("goroutine-{k}.pb.gz"),
            "/debug/pprof/heap?gc=1" => format!("heap-{k}.pb.gz"),
            "/debug/pprof/goroutineleak" => format!("goroutineleak-{k}.pb.gz"),
            _ => return Reply::Status(404, "Unknown profile"),
        };
        match std::fs::read(dir.join(&file)) {
            Ok(b) => Reply::Ok("application/octet-stream", b),
            Err(_) => Reply::Status(404, "Unknown profile"),
        }
    }
}

fn leakdiff(args: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_leakdiff"))
        .args(args)
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (out, start.elapsed())
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("leakdiff-capture.json")).unwrap())
        .unwrap()
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

#[test]
fn replayed_go127_service_is_captured_and_analyzed() {
    let base = serve(replay("go1.27", Some(&GO127_INDEX)));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snaps");
    let d = dir.to_str().unwrap();
    let (out, _) = leakdiff(&[
        "capture",
        "--count",
        "3",
        "--interval",
        "0s",
        "-o",
        d,
        &base,
    ]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("saved 3 rounds (3 goroutine debug=2, 3 heap, 3 goroutineleak)")
            && err.contains(&format!("analyze with: leakdiff analyze {d}")),
        "{err}"
    );
    let files = names(&dir);
    assert_eq!(files.len(), 10, "{files:?}");
    for (i, f) in files.iter().take(3).enumerate() {
        assert!(
            f.starts_with(&format!("goroutine-0{}-", i + 1)) && f.ends_with("Z.debug2.txt"),
            "{f}"
        );
    }
    assert!(files[3].starts_with("goroutineleak-01-") && files[3].ends_with(".pb.gz"));
    assert!(files[6].starts_with("heap-01-") && files[6].ends_with(".pb.gz"));
    assert_eq!(files[9], "leakdiff-capture.json");
    // The manifest: URL, each file's request time, size and SHA-256.
    let m = manifest(&dir);
    assert_eq!(m["url"], format!("{base}/debug/pprof/"));
    assert_eq!(m["rounds_completed"], 3);
    let entries = m["files"].as_array().unwrap();
    assert_eq!(entries.len(), 9);
    for e in entries {
        let body = std::fs::read(dir.join(e["file"].as_str().unwrap())).unwrap();
        assert_eq!(e["bytes"], body.len() as u64);
        assert_eq!(e["sha256"], sha256_hex(&body));
        assert!(e["requested_at"].as_str().unwrap().ends_with('Z'));
        assert!(e["url"].as_str().unwrap().starts_with(&base));
    }
    // Byte for byte what the service served.
    let src = root().join("captures/go1.27/pprof-service");
    assert_eq!(
        std::fs::read(dir.join(&files[2])).unwrap(),
        std::fs::read(src.join("goroutine-3.debug2.txt")).unwrap()
    );
    // analyze DIR reads the profiles (not the manifest), in round order.
    let go = root().join("go");
    let (out, _) = leakdiff(&[
        "analyze",
        "--source",
        go.to_str().unwrap(),
        "--format",
        "json",
        d,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let snaps = r["snapshots"].as_array().unwrap();
    assert_eq!(snaps.len(), 9);
    let counts: Vec<u64> = snaps
        .iter()
        .filter(|s| s["format"] == "debug2")
        .map(|s| s["goroutines"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [27, 43, 59]);
    let top = &r["findings"][0];
    assert_eq!(top["pattern"], "ncast", "{top}");
}

#[test]
fn analyze_flag_prints_the_report_analyze_would() {
    let base = serve(replay("go1.27", Some(&GO127_INDEX)));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snaps");
    let d = dir.to_str().unwrap();
    let go = root().join("go");
    let g = go.to_str().unwrap();
    let (out, _) = leakdiff(&[
        "capture",
        "--count",
        "3",
        "--interval",
        "0s",
        "-o",
        d,
        "--analyze",
        "--source",
        g,
        &base,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (again, _) = leakdiff(&["analyze", "--source", g, d]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&again.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ncast"));
}

#[test]
fn go119_service_without_goroutineleak() {
    // Go 1.19's index has no goroutineleak: it is not asked for.
    let asked = Arc::new(Mutex::new(Vec::new()));
    let a = asked.clone();
    let inner = replay(
        "go1.19",
        Some(&["allocs", "goroutine", "heap", "threadcreate"]),
    );
    let base = serve(move |r| {
        a.lock().unwrap().push(r.target.clone());
        inner(r)
    });
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snaps");
    let (out, _) = leakdiff(&[
        "capture",
        "--count",
        "2",
        "--interval",
        "0s",
        "-o",
        dir.to_str().unwrap(),
        &base,
    ]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("does not offer the goroutineleak profile"),
        "{err}"
    );
    assert_eq!(names(&dir).len(), 5, "{:?}", names(&dir));
    assert!(!asked
        .lock()
        .unwrap()
        .iter()
        .any(|t| t.contains("goroutineleak")));

    // No readable index: goroutineleak is tried and its 404 is no error.
    let base = serve(replay("go1.19", None));
    let dir = tmp.path().join("snaps2");
    let (out, _) = leakdiff(&[
        "capture",
        "--count",
        "2",
        "--interval",
        "0s",
        "-o",
        dir.to_str().unwrap(),
        &base,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(names(&dir).len(), 5, "{:?}", names(&dir));
    assert_eq!(manifest(&dir)["not_offered"][0], "goroutineleak");
}

#[test]
fn profiles_option_changes_the_set() {
    let base = serve(replay("go1.27", Some(&GO127_INDEX)));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snaps");
    let (out, _) = leakdiff(&[
        "capture",
        "--count",
        "1",
        "--profiles",
        "goroutine-proto,goroutine-debug1",
        "-o",
        dir.to_str().unwrap(),
        &base,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let files = names(&dir);
    assert_eq!(files.len(), 3, "{files:?}");
    // Each file is named by the second its fetch started, so the two may
    // sort either way.
    for ext in [".debug1.txt", ".pb.gz"] {
        assert_eq!(
            files.iter().filter(|f| f.ends_with(ext)).count(),
            1,
            "{files:?}"
        );
    }
}

#[test]
fn headers_are_sent_and_never_written() {
    const TOKEN: &str = "Bearer s3cret-t0ken";
    let inner = replay("go1.27", Some(&GO127_INDEX));
    let base = serve(move |r| {
        if r.headers.get("authorization").map(String::as_str) != Some(TOKEN) {
            return Reply::Status(401, "Unauthorized");
        }
        inner(r)
    });
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snaps");
    let d = dir.to_str().unwrap();
    let header = format!("Authorization: {TOKEN}");
    let (out, _) = leakdiff(&[
        "capture",
        "--count",
        "2",
        "--interval",
        "0s",
        "--header",
        &header,
        "-o",
        d,
        &base,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut everything = String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out);
    for f in names(&dir) {
        everything.push_str(&String::from_utf8_lossy(
            &std::fs::read(dir.join(f)).unwrap(),
        ));
    }
    assert!(!everything.contains("s3cret"), "the token was written");

    // Without it: the 401, one line, nothing written.
    let dir = tmp.path().join("denied");
    let (out, _) = leakdiff(&["capture", "-o", dir.to_str().unwrap(), &base]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("HTTP 401"), "{err}");
    assert!(!dir.exists());
}

/// Runs a capture that must fail: exit 2 within `within`, one stderr line
/// naming the URL and the problem, and no output directory.
fn fails(base: &str, extra: &[&str], url_part: &str, problem: &str, within: Duration) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snaps");
    let mut args = vec!["capture", "-o", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(base);
    let (out, took) = leakdiff(&args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{extra:?}: {err}");
    assert!(err.starts_with("leakdiff: error: "), "{err}");
    assert!(err.contains(url_part), "expected {url_part:?} in {err}");
    assert!(err.contains(problem), "expected {problem:?} in {err}");
    assert!(!dir.exists(), "{problem}: {:?} left behind", names(&dir));
    assert!(took < within, "{problem}: took {took:?}");
}

#[test]
fn refused_connection() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}");
    fails(
        &base,
        &[],
        &format!("{base}/debug/pprof/"),
        "connection refused",
        Duration::from_secs(5),
    );
}

#[test]
fn html_for_every_url() {
    let base = serve(|_| {
        Reply::Ok(
            "text/html",
            b"<!DOCTYPE html>\n<html><body><form action=/login>Sign in</form></body></html>"
                .to_vec(),
        )
    });
    fails(
        &base,
        &[],
        "/debug/pprof/goroutine?debug=2",
        "HTML page, not a profile",
        Duration::from_secs(5),
    );
}

#[test]
fn server_that_never_answers() {
    let base = serve(|_| Reply::Hang);
    fails(
        &base,
        &["--timeout", "1s"],
        "/debug/pprof/",
        "no complete answer within 1 s",
        Duration::from_secs(5),
    );
}

#[test]
fn status_404_and_500() {
    let base = serve(|r| match r.path() {
        "/debug/pprof/" => Reply::Status(404, "404 page not found"),
        _ => Reply::Status(404, "Unknown profile"),
    });
    fails(
        &base,
        &[],
        "/debug/pprof/goroutine?debug=2",
        "HTTP 404 Not Found: Unknown profile",
        Duration::from_secs(5),
    );
    let base = serve(|r| match r.path() {
        "/debug/pprof/heap" => Reply::Status(500, "failed to collect profile"),
        _ => replay("go1.27", Some(&GO127_INDEX))(r),
    });
    fails(
        &base,
        &[],
        "/debug/pprof/heap?gc=1",
        "HTTP 500",
        Duration::from_secs(5),
    );
}

#[test]
fn truncated_oversized_and_trickling_bodies() {
    let dump =
        std::fs::read(root().join("captures/go1.27/pprof-service/goroutine-1.debug2.txt")).unwrap();
    let d = dump.clone();
    let base = serve(move |r| match r.path() {
        "/debug/pprof/" => Reply::Ok("text/html", index_page(&GO127_INDEX)),
        _ => Reply::Truncated(d.len(), d[..d.len() / 2].to_vec()),
    });
    fails(
        &base,
        &[],
        "/debug/pprof/goroutine?debug=2",
        "closed before the whole body arrived",
        Duration::from_secs(5),
    );
    let base = serve(replay("go1.27", Some(&GO127_INDEX)));
    fails(
        &base,
        &["--max-body", "4096"],
        "/debug/pprof/goroutine?debug=2",
        "larger than --max-body 4096 bytes",
        Duration::from_secs(5),
    );
    let d = dump.clone();
    let base = serve(move |r| match r.path() {
        "/debug/pprof/" => Reply::Ok("text/html", index_page(&GO127_INDEX)),
        _ => Reply::Trickle(d.clone(), Duration::from_millis(50)),
    });
    fails(
        &base,
        &["--timeout", "1s"],
        "/debug/pprof/goroutine?debug=2",
        "no complete answer within 1 s",
        Duration::from_secs(5),
    );
}

#[test]
fn redirect_loop_tls_and_not_a_profile() {
    let base = serve(|r| Reply::Redirect(r.target.clone()));
    fails(
        &base,
        &[],
        "/debug/pprof/",
        "redirect loop",
        Duration::from_secs(5),
    );
    // https:// to a plain HTTP server: the TLS handshake fails.
    let base = serve(replay("go1.27", Some(&GO127_INDEX)));
    let https = base.replace("http://", "https://");
    fails(&https, &[], &https, "TLS", Duration::from_secs(5));
    let base = serve(|r| match r.path() {
        "/debug/pprof/" => Reply::Ok("text/html", index_page(&GO127_INDEX)),
        _ => Reply::Ok("text/plain", b"hello, world\n".to_vec()),
    });
    fails(
        &base,
        &[],
        "/debug/pprof/goroutine?debug=2",
        "not a goroutine profile",
        Duration::from_secs(5),
    );
}

#[test]
fn a_failed_round_keeps_the_complete_ones() {
    // The heap fails in round 2: round 1 stays, round 2's goroutine dump
    // (already fetched) does not.
    let inner = replay("go1.27", Some(&GO127_INDEX));
    let base = serve(move |r| {
        if r.path() == "/debug/pprof/heap" && r.nth == 1 {
            return Reply::Status(500, "boom");
        }
        inner(r)
    });
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snaps");
    let d = dir.to_str().unwrap();
    let (out, _) = leakdiff(&[
        "capture",
        "--count",
        "3",
        "--interval",
        "0s",
        "-o",
        d,
        &base,
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("/debug/pprof/heap?gc=1: HTTP 500") && err.contains("1 of 3 rounds saved in"),
        "{err}"
    );
    let files = names(&dir);
    assert_eq!(files.len(), 4, "{files:?}");
    assert!(files
        .iter()
        .all(|f| !f.starts_with('.') && !f.contains("-02-")));
    assert_eq!(manifest(&dir)["rounds_completed"], 1);
}

#[test]
fn a_directory_with_files_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("old.txt"), "x").unwrap();
    let (out, _) = leakdiff(&[
        "capture",
        "-o",
        tmp.path().to_str().unwrap(),
        "http://127.0.0.1:9",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not empty"), "{err}");
    // A directory that cannot be made: one line naming it, before any file.
    let base = serve(replay("go1.27", Some(&GO127_INDEX)));
    let (out, _) = leakdiff(&["capture", "-o", "/dev/null/snaps", &base]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/dev/null/snaps: "), "{err}");
    for bad in [
        "http://u:pw@127.0.0.1:9/",
        "http://127.0.0.1:9/?token=x",
        "127.0.0.1:9",
    ] {
        let (out, _) = leakdiff(&["capture", "-o", tmp.path().join("n").to_str().unwrap(), bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(!stderr(&out).contains("pw@"), "{}", stderr(&out));
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_keeps_the_complete_rounds() {
    let base = serve(replay("go1.27", Some(&GO127_INDEX)));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snaps");
    let child = Command::new(env!("CARGO_BIN_EXE_leakdiff"))
        .args([
            "capture",
            "--count",
            "3",
            "--interval",
            "30s",
            "-o",
            dir.to_str().unwrap(),
            &base,
        ])
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !dir.join("leakdiff-capture.json").exists() {
        assert!(Instant::now() < deadline, "round 1 never saved");
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let start = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(start.elapsed() < Duration::from_secs(5));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted: 1 of 3 rounds saved in"), "{err}");
    let files = names(&dir);
    assert_eq!(files.len(), 4, "{files:?}");
    let mut body = String::new();
    std::fs::File::open(dir.join(&files[0]))
        .unwrap()
        .read_to_string(&mut body)
        .unwrap();
    assert!(body.starts_with("goroutine "));
}
