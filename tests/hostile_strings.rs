//! Crafted dumps whose function names, file paths, labels, wait reasons and
//! file names carry terminal escapes (CSI, OSC 0 titles, OSC 8 hyperlinks),
//! bare carriage returns, bidi overrides, Markdown table pipes, backticks,
//! links and HTML, through `analyze` and `show` in every output format:
//! tables show them inert, Markdown keeps them in code spans or escaped (no
//! split table row, no link, no HTML), JSON stays valid and keeps them
//! exactly.

use assert_cmd::cargo::cargo_bin_cmd;
use leakdiff::report::OutputFormat;
use std::path::Path;

const FUNC: &str = "main.evil\u{1b}[31mRED\u{1b}]8;;http://evil.example/\u{7}click\u{1b}]8;;\u{7}|pipe`tick<b>bold</b>\r\u{202e}kcah\u{2066}";
const FILE: &str = "/src/[x](http://evil.example)/<script>alert(1)</script>|`\u{1b}[2J.go";
const CREATOR: &str = "main.spawn\u{1b}]0;pwned-title\u{7}|x";
const WAIT: &str = "chan receive\u{1b}[5m\u{202e}";
/// A label as the runtime quotes it in a Go 1.27 header.
const LABELS: &str = r#"{"k|\u001b[2J": "[x](http://evil.example)<script>", "bidi\u202e": "a`b\rc www.evil.example"}"#;

fn dump(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "goroutine {} [chan receive] {LABELS}:\n{FUNC}(0x1)\n\t{FILE}:12 +0x1d\ncreated by {CREATOR} in goroutine 1\n\t{FILE}:3 +0x66\n\n",
            100 + i
        ));
        s.push_str(&format!(
            "goroutine {} [{WAIT}]:\nmain.waiter()\n\t/src/app/w.go:7 +0x1\ncreated by main.start in goroutine 1\n\t/src/app/w.go:3 +0x1\n\n",
            1000 + i
        ));
    }
    s
}

/// What is left outside fenced blocks, code spans and our own `<details>`
/// tags, with backslash escapes removed (an escaped `<` is no tag).
fn prose(md: &str) -> String {
    let mut out = String::new();
    let mut fence: Option<usize> = None;
    for line in md.lines() {
        let ticks = line.bytes().take_while(|&b| b == b'`').count();
        if let Some(n) = fence {
            if ticks >= n && line[ticks..].trim().is_empty() {
                fence = None;
            }
            continue;
        }
        if ticks >= 3 {
            fence = Some(ticks);
            continue;
        }
        if line.starts_with("**References:**") {
            continue;
        }
        // Drop code spans: a run of N backticks to the next run of N.
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'\\' && i + 1 < b.len() && b[i + 1].is_ascii_punctuation() {
                // An escaped character is literal (and cannot open a span).
                out.push_str(&line[i..i + 2]);
                i += 2;
                continue;
            }
            if b[i] == b'`' {
                let n = b[i..].iter().take_while(|&&c| c == b'`').count();
                let mut j = i + n;
                let mut closed = None;
                while j < b.len() {
                    if b[j] == b'`' {
                        let m = b[j..].iter().take_while(|&&c| c == b'`').count();
                        if m == n {
                            closed = Some(j + m);
                            break;
                        }
                        j += m;
                    } else {
                        j += 1;
                    }
                }
                match closed {
                    Some(end) => {
                        out.push_str("CODE");
                        i = end;
                        continue;
                    }
                    None => {
                        out.push_str(&line[i..i + n]);
                        i += n;
                        continue;
                    }
                }
            }
            let c = line[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
        out.push('\n');
    }
    let out = out
        .replace("<details><summary>", "")
        .replace("</summary>", "")
        .replace("</details>", "");
    // Escaped punctuation renders as itself and builds nothing.
    let mut plain = String::new();
    let mut it = out.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\\' && it.peek().is_some_and(|n| n.is_ascii_punctuation()) {
            it.next();
            plain.push('_');
        } else {
            plain.push(c);
        }
    }
    plain
}

fn raw_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| c != '\n' && leakdiff::text::is_terminal_control(c))
        .collect()
}

fn run(dir: &Path, args: &[&str]) -> (String, String) {
    let out = cargo_bin_cmd!("leakdiff")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

#[cfg(unix)]
#[test]
fn crafted_strings_are_inert_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // The second snapshot's file name is hostile too (tickets carry any).
    let second = "after|`x`[l](javascript:alert(1))\u{1b}[31m\u{202e}.txt";
    std::fs::write(dir.join("before.txt"), dump(2)).unwrap();
    std::fs::write(dir.join(second), dump(12)).unwrap();

    for cmd in [
        vec!["analyze", "before.txt", second],
        vec!["show", "before.txt", second],
        vec!["show", "--by", "creator", "before.txt", second],
    ] {
        for (format, f) in [
            ("table", OutputFormat::Table),
            ("markdown", OutputFormat::Markdown),
            ("json", OutputFormat::Json),
            ("html", OutputFormat::Html),
        ] {
            let mut args = cmd.clone();
            args.extend(["--format", format]);
            let (out, err) = run(dir, &args);
            let what = format!("{} --format {format}", cmd.join(" "));
            assert!(raw_controls(&err).is_empty(), "{what}: stderr {err:?}");
            // JSON, table and Markdown checks shared with the fuzz targets.
            leakdiff::fuzzing::check_output(f, out.as_bytes());
            match f {
                OutputFormat::Table => {
                    assert!(raw_controls(&out).is_empty(), "{what}");
                    // The names are there, inert.
                    assert!(out.contains("main.evil\\x1b[31mRED"), "{what}:\n{out}");
                    assert!(out.contains("\\u{202e}"), "{what}");
                }
                OutputFormat::Markdown => {
                    assert!(raw_controls(&out).is_empty(), "{what}");
                    let p = prose(&out);
                    for bad in ["<script", "<b>", "](", "://", "www.evil"] {
                        assert!(!p.contains(bad), "{what}: {bad:?} outside code in:\n{p}");
                    }
                    if cmd[0] == "analyze" {
                        assert!(out.contains("main.evil\\x1b[31mRED"), "{what}:\n{out}");
                    }
                }
                OutputFormat::Html => {
                    // The crafted markup arrives escaped, never as elements.
                    assert!(!out.contains("<script>alert"), "{what}");
                    let c = raw_controls(&out);
                    assert!(c.iter().all(|&c| c == '\t' || c == '\r'), "{what}: {c:?}");
                }
                OutputFormat::Json => {
                    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
                    // Every string is kept exactly, escaped only as JSON.
                    let all = json_strings(&v);
                    assert!(all.iter().any(|s| s == second), "{what}: {all:?}");
                    assert!(all.iter().any(|s| s.starts_with(FUNC)), "{what}: {all:?}");
                    if cmd[0] == "show" {
                        assert!(all.iter().any(|s| s == WAIT), "{what}");
                        assert!(all.iter().any(|s| s == "[x](http://evil.example)<script>"));
                    }
                }
                OutputFormat::Sarif => unreachable!("SARIF is checked below, for analyze"),
            }
        }
    }
    // SARIF (analyze only): valid JSON, the names kept exactly.
    let (out, err) = run(dir, &["analyze", "--format", "sarif", "before.txt", second]);
    assert!(raw_controls(&err).is_empty(), "sarif: stderr {err:?}");
    leakdiff::fuzzing::check_output(OutputFormat::Sarif, out.as_bytes());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let all = json_strings(&v);
    assert!(
        all.iter().any(|s| s.starts_with(FUNC) || s.contains(FUNC)),
        "sarif: {all:?}"
    );
}

fn json_strings(v: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
                out.push(k.clone());
                walk(x, out)
            }),
            _ => {}
        }
    }
    walk(v, &mut out);
    out
}

/// 100 distinct 60 KB function names (6 MB): the table layout took minutes to
/// wrap such cells before they were cut to 512 characters.
#[test]
fn huge_names_do_not_stall_the_table() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = String::new();
    for i in 0..100 {
        let name: String = (0..60_000)
            .map(|j| (b'a' + ((i * 7 + j) % 26) as u8) as char)
            .collect();
        s.push_str(&format!(
            "goroutine {} [select]:\nmain.{name}()\n\t/src/a.go:{i} +0x1\n\n",
            i + 1
        ));
    }
    let p = tmp.path().join("long.txt");
    std::fs::write(&p, s).unwrap();
    for format in ["table", "markdown", "json"] {
        let out = cargo_bin_cmd!("leakdiff")
            .args(["show", "--format", format])
            .arg(&p)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}");
        if format == "table" {
            let t = String::from_utf8(out.stdout).unwrap();
            assert!(t.contains("… ("), "{format}");
        }
    }
}
