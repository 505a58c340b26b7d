//! A request sent with a client the function takes as a parameter (issue
//! 13): `func (f *fleet) watch(ctx context.Context, c *http.Client, …)`
//! sends `c.Do(req)`, and its caller, the frame below it in the dump,
//! passes the client. Where the caller passes a client it made with a
//! `Timeout`, or a field of its receiver that every literal of its type
//! sets to a client with one, the request ends by itself: with `--source`
//! the goroutines waiting in it are `low`, not an HTTP call without a
//! timeout. A client without one, a field another value is assigned to,
//! or a field of a field stay findings.

mod written;

use leakdiff::classify::{Finding, Severity};
use std::fmt::Write;
use written::{analyze_written_source, line_in};

const SOURCE: &str = r#"package main

import (
	"context"
	"net/http"
	"time"
)

type fleet struct {
	client *http.Client
}

type follower struct {
	fleet  *fleet
	client *http.Client
}

type sidecar struct {
	fleet *fleet
}

type tailer struct {
	fleet  *fleet
	client *http.Client
}

func (f *fleet) watch(ctx context.Context, c *http.Client, key string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://127.0.0.1:1/"+key, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req) // watch
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func (fl *follower) poll(ctx context.Context) {
	for ctx.Err() == nil {
		fl.fleet.watch(ctx, fl.client, "rollout") // follower
	}
}

func (sc *sidecar) poll(ctx context.Context) {
	for ctx.Err() == nil {
		sc.fleet.watch(ctx, sc.fleet.client, "config") // sidecar
	}
}

func (t *tailer) poll(ctx context.Context) {
	for ctx.Err() == nil {
		t.fleet.watch(ctx, t.client, "tail") // tailer
	}
}

func (t *tailer) reset() {
	t.client = http.DefaultClient
}

func (f *fleet) once(ctx context.Context) {
	hc := &http.Client{Timeout: 20 * time.Second}
	f.watch(ctx, hc, "once") // once
}

func (f *fleet) bare(ctx context.Context) {
	hc := &http.Client{Transport: http.DefaultTransport}
	f.watch(ctx, hc, "bare") // bare
}

func main() {
	ctx := context.Background()
	f := &fleet{client: &http.Client{Transport: http.DefaultTransport}}
	fl := &follower{
		fleet:  f,
		client: &http.Client{Transport: f.client.Transport, Timeout: 135 * time.Second},
	}
	sc := &sidecar{fleet: f}
	t := &tailer{fleet: f, client: &http.Client{Timeout: time.Minute}}
	go fl.poll(ctx)
	go sc.poll(ctx)
	go t.poll(ctx)
	go f.once(ctx)
	go f.bare(ctx)
}
"#;

/// The frames of a goroutine blocked in an HTTP request, above the
/// program's call (as Go 1.27 writes them).
const HTTP_FRAMES: &str = "net/http.(*persistConn).roundTrip(0xc000200000, 0xc000201000)\n\tnet/http/transport.go:3092 +0x84b\nnet/http.(*Transport).roundTrip(0xc000202000, 0xc000203000)\n\tnet/http/transport.go:725 +0xada\nnet/http.(*Transport).RoundTrip(...)\n\tnet/http/roundtrip.go:33\nnet/http.send(0xc000204000, {0x7a4c60, 0xc000202000}, {0x0?, 0x0?, 0x0?})\n\tnet/http/client.go:266 +0x5c6\nnet/http.(*Client).send(0xc000205000, 0xc000204000, {0x0?, 0x0?, 0x0?})\n\tnet/http/client.go:187 +0x98\nnet/http.(*Client).do(0xc000205000, 0xc000204000)\n\tnet/http/client.go:745 +0x88f\nnet/http.(*Client).Do(...)\n\tnet/http/client.go:604\n";

/// Three debug=2 dumps of goroutines blocked in `watch`'s request, called
/// by `caller` (`main.(*T).poll` or `main.(*fleet).once`): 10 that stay
/// from the first dump, joined by 15 and then 20 more that stay (under a
/// minute apart: no wait outlasts a timeout).
fn dumps(caller: &str, marker: &str) -> Vec<String> {
    let go_line = line_in(SOURCE, &format!("go {}(ctx)", go_of(caller)));
    let mut out = Vec::new();
    for k in 0..3u32 {
        let mut s =
            String::from("goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:90 +0x1d\n\n");
        for &(first, count) in [(100u64, 10u64), (200, 15), (300, 20)]
            .iter()
            .take(k as usize + 1)
        {
            for id in first..first + count {
                let _ = write!(
                    s,
                    "goroutine {id} [select]:\n{HTTP_FRAMES}main.(*fleet).watch(0xc000010000, {{0x5f1e20, 0xc000012000}}, 0xc000014000, {{0x6a0f00, 0x7}})\n\t/src/app/main.go:{} +0x1a5\n{caller}(0xc000016000, {{0x5f1e20, 0xc000012000}})\n\t/src/app/main.go:{} +0x4b\ncreated by main.main in goroutine 1\n\t/src/app/main.go:{go_line} +0x4c\n\n",
                    line_in(SOURCE, "// watch"),
                    line_in(SOURCE, &format!("// {marker}"))
                );
            }
        }
        out.push(s);
    }
    out
}

/// The go statement's receiver for `caller` (`fl.poll` for
/// `main.(*follower).poll`).
fn go_of(caller: &str) -> &'static str {
    match caller {
        "main.(*follower).poll" => "fl.poll",
        "main.(*sidecar).poll" => "sc.poll",
        "main.(*tailer).poll" => "t.poll",
        "main.(*fleet).once" => "f.once",
        "main.(*fleet).bare" => "f.bare",
        _ => unreachable!("{caller}"),
    }
}

fn watch_finding(caller: &str, marker: &str, source: bool) -> Finding {
    analyze_written_source(
        &dumps(caller, marker),
        "debug2.txt",
        source.then_some(SOURCE),
    )
    .findings
    .into_iter()
    .find(|f| {
        f.frames
            .iter()
            .any(|fr| fr.function == "main.(*fleet).watch")
    })
    .unwrap_or_else(|| panic!("no finding in watch for {caller}"))
}

#[test]
fn a_client_its_caller_made_with_a_timeout_bounds_the_request() {
    for (caller, marker, ends) in [
        (
            "main.(*follower).poll",
            "follower",
            "the Timeout of the client fl.client that main.(*follower).poll passes",
        ),
        (
            "main.(*fleet).once",
            "once",
            "the Timeout of the client hc that main.(*fleet).once passes",
        ),
    ] {
        let without = watch_finding(caller, marker, false);
        assert!(
            without.severity >= Severity::Medium,
            "{caller}: {without:#?}"
        );
        let with = watch_finding(caller, marker, true);
        assert!(with.severity <= Severity::Low, "{caller}: {with:#?}");
        assert!(
            with.decided_by.starts_with("source: ") && with.decided_by.contains(ends),
            "{caller}: {}",
            with.decided_by
        );
    }
}

#[test]
fn a_client_without_a_timeout_or_not_known_stays_a_finding() {
    // A client made without one; a field of a field (the fleet's, made
    // without one); a field of a type whose methods assign it another
    // client.
    for (caller, marker) in [
        ("main.(*fleet).bare", "bare"),
        ("main.(*sidecar).poll", "sidecar"),
        ("main.(*tailer).poll", "tailer"),
    ] {
        let with = watch_finding(caller, marker, true);
        assert!(with.severity >= Severity::Medium, "{caller}: {with:#?}");
        assert!(
            !with.decided_by.contains("the Timeout of the client"),
            "{caller}: {}",
            with.decided_by
        );
    }
}

/// A producer keeps its client in a field named `http` (`p.http.Do(req)`),
/// given the client `grow` made (`CLIENT`): the field is not the package
/// `http`, and the request ends with the client's Timeout where every
/// client of the package has one.
const FIELD_HTTP: &str = r#"package main

import (
	"context"
	"net/http"
	"time"
)

type producer struct {
	http *http.Client
	api  string
}

func (p *producer) confirm(ctx context.Context, id string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.api+"/wait?id="+id, nil)
	if err != nil {
		return
	}
	resp, err := p.http.Do(req) // confirm
	if err != nil {
		return
	}
	resp.Body.Close()
}

func grow(ctx context.Context) {
	hc := CLIENT
	p := &producer{http: hc, api: "http://127.0.0.1:1"}
	for i := 0; i < 3; i++ {
		go p.confirm(ctx, "x") // go
	}
}

func main() {
	grow(context.Background())
}
"#;

fn confirm_finding(source: &str, with_source: bool) -> Finding {
    confirm_finding_in(source, with_source, "main.(*producer).confirm")
}

fn confirm_finding_in(source: &str, with_source: bool, function: &str) -> Finding {
    let confirm = line_in(source, "// confirm");
    let go = line_in(source, "// go");
    let texts: Vec<String> = (0..3u32)
        .map(|k| {
            let mut s = String::from(
                "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:38 +0x1d\n\n",
            );
            for &(first, count) in [(100u64, 10u64), (200, 15), (300, 20)]
                .iter()
                .take(k as usize + 1)
            {
                for id in first..first + count {
                    let _ = write!(
                        s,
                        "goroutine {id} [select]:\n{HTTP_FRAMES}{function}(0xc000016000, {{0x5f1e20, 0xc000012000}}, {{0x6a0f00, 0x1}})\n\t/src/app/main.go:{confirm} +0x1a5\ncreated by main.grow in goroutine 1\n\t/src/app/main.go:{go} +0x4c\n\n"
                    );
                }
            }
            s
        })
        .collect();
    analyze_written_source(&texts, "debug2.txt", with_source.then_some(source))
        .findings
        .into_iter()
        .find(|f| f.frames.iter().any(|fr| fr.function == function))
        .unwrap_or_else(|| panic!("no finding in {function}"))
}

#[test]
fn a_client_in_a_field_named_http_is_a_client() {
    let source = FIELD_HTTP.replace("CLIENT", "&http.Client{Timeout: 2 * time.Minute}");
    let without = confirm_finding(&source, false);
    assert!(without.severity >= Severity::Medium, "{without:#?}");
    let with = confirm_finding(&source, true);
    assert!(with.severity <= Severity::Low, "{with:#?}");
    assert!(
        with.decided_by.contains(
            "the Timeout of the client p.http (every producer gets its http from an http.Client with one) (after 2m"
        ),
        "{}",
        with.decided_by
    );
    // The field's clients decide, whatever other clients the package
    // makes: a probe without a Timeout elsewhere changes nothing.
    let probe = format!("{source}\nvar probe = &http.Client{{}}\n");
    let with = confirm_finding(&probe, true);
    assert!(with.severity <= Severity::Low, "{with:#?}");
    // A producer method that gives the field another client: not known.
    let reset = format!(
        "{source}\nvar probe = &http.Client{{}}\n\nfunc (p *producer) reset() {{\n\tp.http = http.DefaultClient\n}}\n"
    );
    let with = confirm_finding(&reset, true);
    assert!(with.severity >= Severity::Medium, "{with:#?}");
    // A local made without one, given to the field.
    let bare = source.replace(
        "Timeout: 2 * time.Minute",
        "Transport: http.DefaultTransport",
    );
    let with = confirm_finding(&format!("{bare}\nvar _ = time.Second\n"), true);
    assert!(with.severity >= Severity::Medium, "{with:#?}");
    // A field of a parameter, not of the receiver: every client the
    // package builds has a Timeout.
    let plain = source
        .replace(
            "func (p *producer) confirm(ctx",
            "func confirm(p *producer, ctx",
        )
        .replace("go p.confirm(ctx, \"x\")", "go confirm(p, ctx, \"x\")");
    let with = confirm_finding_in(&plain, true, "main.confirm");
    assert!(with.severity <= Severity::Low, "{with:#?}");
    assert!(
        with.decided_by
            .contains("the Timeout every http.Client of the package sets (http) (after 2m"),
        "{}",
        with.decided_by
    );
    // Without a Timeout it stays a finding.
    let source = FIELD_HTTP
        .replace("CLIENT", "&http.Client{}")
        .replace("\t\"time\"\n", "");
    let with = confirm_finding(&source, true);
    assert!(with.severity >= Severity::Medium, "{with:#?}");
    assert!(
        !with.decided_by.contains("a wait with a deadline"),
        "{}",
        with.decided_by
    );
}
