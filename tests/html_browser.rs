//! The HTML reports in a real browser: headless Chromium opens them from
//! disk and this test checks that every finding section, chart and flame
//! graph is in the rendered DOM, that the flame graph script ran under the
//! page's Content-Security-Policy, that nothing was refused by the policy
//! and no script failed (the browser's console log), and that the page made
//! no network request (the browser's NetLog). It saves a screenshot.
//!
//! Skipped, with a message, when no `chromium`, `chromium-browser` or
//! `google-chrome` is on PATH; `.ci/run` installs Debian's `chromium`.
//! Every host name resolves to nothing (`--host-resolver-rules`), so even a
//! request that slipped through would not leave the machine.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BROWSERS: [&str; 4] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

fn find_browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in BROWSERS {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

struct Browser {
    exe: PathBuf,
    dir: PathBuf,
    runs: usize,
}

/// What one browser run left behind.
struct Run {
    stdout: String,
    /// The browser's log (stderr), with console messages.
    log: String,
    /// The NetLog: every URL request the browser started.
    netlog: serde_json::Value,
}

impl Browser {
    /// Opens `page` headless with `extra` arguments; fails after 120 s.
    fn run(&mut self, page: &Path, extra: &[String]) -> Run {
        self.runs += 1;
        let n = self.runs;
        let profile = self.dir.join(format!("profile-{n}"));
        let netlog = self.dir.join(format!("netlog-{n}.json"));
        let out = self.dir.join(format!("stdout-{n}.txt"));
        let err = self.dir.join(format!("stderr-{n}.txt"));
        let url = format!("file://{}", page.canonicalize().unwrap().display());
        let mut child = Command::new(&self.exe)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--enable-logging=stderr",
                "--v=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--log-net-log={}", netlog.display()))
            .args(extra)
            .arg(&url)
            .env("HOME", &self.dir)
            .stdin(Stdio::null())
            .stdout(File::create(&out).unwrap())
            .stderr(File::create(&err).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.exe.display()));
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            match child.try_wait().unwrap() {
                Some(_) => break,
                None if Instant::now() > deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("{} did not finish within 120 s", self.exe.display());
                }
                None => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        let text = std::fs::read_to_string(&netlog).unwrap_or_default();
        // A NetLog cut short lacks its closing brackets.
        let netlog = serde_json::from_str(&text)
            .or_else(|_| {
                serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(',')))
            })
            .unwrap_or(serde_json::Value::Null);
        Run {
            stdout: std::fs::read_to_string(&out).unwrap_or_default(),
            log: std::fs::read_to_string(&err).unwrap_or_default(),
            netlog,
        }
    }
}

impl Run {
    /// URLs the page asked for. The browser's own background requests (its
    /// updater, account checks), which no page starts, have no initiator.
    fn page_requests(&self) -> Vec<String> {
        let Some(start) =
            self.netlog["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].as_u64()
        else {
            return vec!["(no NetLog written)".into()];
        };
        self.netlog["events"]
            .as_array()
            .map(|events| {
                events
                    .iter()
                    .filter(|e| e["type"].as_u64() == Some(start))
                    .filter_map(|e| {
                        let p = &e["params"];
                        let url = p["url"].as_str()?;
                        let initiator = p["initiator"].as_str().unwrap_or("");
                        (initiator != "not an origin").then(|| url.to_string())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Console messages about the policy, failed loads or script errors.
    fn console_problems(&self) -> Vec<String> {
        self.log
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .filter(|l| {
                l.contains("Content Security Policy")
                    || l.contains("Failed to load")
                    || l.contains("Uncaught")
                    || l.contains("Error")
            })
            .map(|l| l.to_string())
            .collect()
    }
}

fn leakdiff(args: &[String]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_leakdiff"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "leakdiff {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn capture(program: &str, file: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/captures/go1.27")
        .join(program)
        .join(file)
        .display()
        .to_string()
}

/// PNG width and height from the IHDR chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    Some((w, h))
}

/// The element starting at `id="…"` up to its section's end.
fn section<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element {id} in the rendered DOM"));
    let end = dom[start..]
        .find("</section>")
        .map(|e| start + e)
        .unwrap_or(dom.len());
    &dom[start..end]
}

#[test]
fn html_report_renders_offline_in_a_real_browser() {
    let Some(exe) = find_browser() else {
        eprintln!(
            "SKIPPED html_browser: no {} on PATH (Debian: apt-get install chromium); \
             the HTML report was not opened in a browser",
            BROWSERS.join("/")
        );
        println!("skipped: no headless browser on PATH");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut browser = Browser {
        exe: exe.clone(),
        dir: tmp.path().to_path_buf(),
        runs: 0,
    };

    // The detectors must see what they look for: a page that breaks its
    // own policy and loads an image from the network.
    let canary = tmp.path().join("canary.html");
    std::fs::write(
        &canary,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" \
         content=\"default-src 'none'; img-src http:\"></head><body>\
         <p style=\"color:red\">x</p><img src=\"http://leakdiff-canary.invalid/x.png\"></body></html>",
    )
    .unwrap();
    let run = browser.run(&canary, &["--dump-dom".into()]);
    assert!(
        run.page_requests()
            .iter()
            .any(|u| u.contains("leakdiff-canary.invalid")),
        "the NetLog check does not see a page's request with {}: {:?}\nlog: {}",
        exe.display(),
        run.page_requests(),
        run.log
    );
    assert!(
        !run.console_problems().is_empty(),
        "the console check does not see a CSP violation with {}\nlog: {}",
        exe.display(),
        run.log
    );

    // analyze: goroutine and heap findings, source lines, two flame graphs.
    let mut inputs = Vec::new();
    for k in ["goroutine", "heap"] {
        for i in 1..=3 {
            inputs.push(capture("http-body-not-closed", &format!("{k}-{i}.pb.gz")));
        }
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/go")
        .display()
        .to_string();
    let mut args: Vec<String> = vec!["analyze".into()];
    args.extend(inputs.iter().cloned());
    args.extend(["--source".into(), source]);
    let json: serde_json::Value = serde_json::from_slice(&leakdiff(
        &[args.clone(), vec!["--format".into(), "json".into()]].concat(),
    ))
    .unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert!(findings.len() >= 2);
    let report = tmp.path().join("report.html");
    leakdiff(
        &[
            args.clone(),
            vec![
                "--format".into(),
                "html".into(),
                "-o".into(),
                report.display().to_string(),
            ],
        ]
        .concat(),
    );
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(common::external_references(&html).is_empty());
    assert!(common::csp_problems(&html).is_empty());

    let run = browser.run(&report, &["--dump-dom".into()]);
    assert_eq!(
        run.page_requests(),
        Vec::<String>::new(),
        "network requests"
    );
    assert_eq!(run.console_problems(), Vec::<String>::new(), "console");
    let dom = &run.stdout;
    assert!(
        dom.contains("leakdiff report"),
        "DOM not dumped: {dom:.200}"
    );
    for f in findings {
        let id = f["id"].as_str().unwrap();
        let n = f["counts"].as_array().unwrap().len();
        let s = section(dom, &format!("finding-{id}"));
        let chart = &s[s
            .find("<svg class=\"chart")
            .unwrap_or_else(|| panic!("finding {id}: no chart"))..];
        let chart = &chart[..chart.find("</svg>").unwrap()];
        assert_eq!(chart.matches("<circle").count(), n, "finding {id}: points");
        assert!(n < 2 || chart.contains("<polyline"), "finding {id}: line");
        assert!(s.contains("class=\"leak\""), "finding {id}: leaking frame");
    }
    // The script ran under the policy: it marks each flame graph zoomable.
    assert_eq!(
        dom.matches("class=\"flame zoomable\"").count(),
        2,
        "flame graphs zoomable (script allowed by its hash)"
    );
    for kind in ["goroutine", "heap"] {
        assert!(dom.contains(&format!("data-flame-kind=\"{kind}\"")));
    }

    // A screenshot of the top of the report, kept in target/tmp.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html_browser");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("report.png");
    let _ = std::fs::remove_file(&png);
    let run = browser.run(
        &report,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2400".into(),
        ],
    );
    assert_eq!(
        run.page_requests(),
        Vec::<String>::new(),
        "network requests"
    );
    let bytes = std::fs::read(&png).unwrap_or_default();
    assert_eq!(
        png_size(&bytes),
        Some((1280, 2400)),
        "screenshot {}",
        png.display()
    );
    assert!(bytes.len() > 50_000, "screenshot looks blank");
    println!("screenshot: {}", png.display());
    eprintln!("html_browser: screenshot saved to {}", png.display());

    // show and diff pages.
    let show = tmp.path().join("show.html");
    leakdiff(&[
        "show".into(),
        capture("labels", "goroutine-1.debug2.txt"),
        capture("labels", "goroutine-3.debug2.txt"),
        "--format".into(),
        "html".into(),
        "-o".into(),
        show.display().to_string(),
    ]);
    let diff = tmp.path().join("diff.html");
    leakdiff(&[
        "diff".into(),
        capture("http-body-not-closed", "heap-1.pb.gz"),
        capture("http-body-not-closed", "heap-3.pb.gz"),
        "--format".into(),
        "html".into(),
        "-o".into(),
        diff.display().to_string(),
    ]);
    for (page, must) in [
        (&show, "<section class=\"snapshot\""),
        (&diff, "<table class=\"diffrows\""),
    ] {
        let run = browser.run(page, &["--dump-dom".into()]);
        assert_eq!(
            run.page_requests(),
            Vec::<String>::new(),
            "{}",
            page.display()
        );
        assert_eq!(
            run.console_problems(),
            Vec::<String>::new(),
            "{}",
            page.display()
        );
        assert!(run.stdout.contains(must), "{}", page.display());
        assert!(
            run.stdout.contains("class=\"flame zoomable\""),
            "{}: flame graph script",
            page.display()
        );
    }
}
