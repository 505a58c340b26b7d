//! Checks shared by the HTML report tests.
#![allow(dead_code)]

use base64::Engine as _;
use regex::Regex;
use sha2::{Digest, Sha256};

/// References in `html` that would make a browser load something from
/// outside the page: resource attributes (`src`, `href` outside `<a>`,
/// `srcset`, `data`, `action`, `poster`, `xlink:href`) that are not
/// fragments or `data:`; CSS `url()` and `@import`; `<link>`, `<base>`,
/// `<iframe>`, `<object>`, `<embed>`, `<frame>`, meta refresh; and any
/// `http://`, `https://` or protocol-relative `//host` left outside links.
pub fn external_references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    // Links are navigation a reader may choose, not loads: set them aside.
    let links = Regex::new(r"(?i)<a\s[^>]*>").unwrap();
    let rest = links.replace_all(html, "<a>");
    // Only markup and stylesheets can load anything: the tags themselves
    // and the contents of <style>. Escaped text (&lt;img src=…) cannot.
    let tag = Regex::new(r"<[A-Za-z][^>]*>").unwrap();
    let style = Regex::new(r"(?is)<style\b[^>]*>(.*?)</style>").unwrap();
    let mut code: Vec<String> = tag
        .find_iter(&rest)
        .map(|m| m.as_str().to_string())
        .collect();
    code.extend(style.captures_iter(&rest).map(|c| c[1].to_string()));
    let attr = Regex::new(
        r#"(?i)\s(src|href|srcset|data|action|formaction|poster|background|xlink:href|ping|manifest)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)"#,
    )
    .unwrap();
    let css = Regex::new(r#"(?i)url\(\s*['"]?([^)'"]*)"#).unwrap();
    let tags = Regex::new(
        r#"(?i)^<(link|base|iframe|object|embed|frame|frameset|portal)\b|@import|http-equiv\s*=\s*"?refresh"#,
    )
    .unwrap();
    let url = Regex::new(r#"(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}"#).unwrap();
    for c in &code {
        for a in attr.captures_iter(c) {
            let v = a[2].trim_matches(|ch| ch == '"' || ch == '\'');
            if !(v.starts_with('#') || v.starts_with("data:")) {
                found.push(a[0].trim().to_string());
            }
        }
        for u in css.captures_iter(c) {
            if !(u[1].starts_with('#') || u[1].starts_with("data:")) {
                found.push(u[0].to_string());
            }
        }
        found.extend(tags.find_iter(c).map(|m| m.as_str().to_string()));
        found.extend(url.find_iter(c).map(|m| m.as_str().to_string()));
    }
    found
}

#[test]
fn external_references_are_found_in_markup_not_in_text() {
    let page = r##"<p>&lt;img src=x&gt; see https://go.dev</p><a href="https://go.dev/x">x</a>
        <svg><rect fill="url(#bg)"/></svg><a href="#finding-1">1</a><style>p{color:red}</style>"##;
    assert!(
        external_references(page).is_empty(),
        "{:?}",
        external_references(page)
    );
    for bad in [
        r#"<img src="http://x.example/a.png">"#,
        r#"<img src="//x.example/a.png">"#,
        r#"<link rel="stylesheet" href="a.css">"#,
        r#"<style>@import "a.css";</style>"#,
        r#"<style>p{background:url(http://x.example/a.png)}</style>"#,
        r#"<svg><image xlink:href="a.png"/></svg>"#,
        r#"<meta http-equiv="refresh" content="0;url=http://x.example/">"#,
    ] {
        assert!(!external_references(bad).is_empty(), "missed {bad}");
    }
}

/// `'sha256-…'` of a string, as a CSP source expression.
pub fn csp_hash(s: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
    )
}

/// Problems with the page's Content-Security-Policy: missing or weak
/// policy, inline style or script not allowed by hash, style or event
/// attributes (which a hash cannot allow).
pub fn csp_problems(html: &str) -> Vec<String> {
    let mut p = Vec::new();
    let meta =
        Regex::new(r#"<meta http-equiv="Content-Security-Policy" content="([^"]*)">"#).unwrap();
    let Some(policy) = meta.captures(html).map(|c| c[1].to_string()) else {
        return vec!["no Content-Security-Policy meta element".into()];
    };
    if !policy.starts_with("default-src 'none';") {
        p.push(format!(
            "policy does not start with default-src 'none': {policy}"
        ));
    }
    if policy.contains("unsafe") || policy.contains('*') || policy.contains("http") {
        p.push(format!("policy is not strict: {policy}"));
    }
    let style = Regex::new(r"(?s)<style>(.*?)</style>").unwrap();
    let styles: Vec<String> = style
        .captures_iter(html)
        .map(|c| c[1].to_string())
        .collect();
    if styles.len() != 1 {
        p.push(format!("{} <style> elements, expected 1", styles.len()));
    }
    for s in &styles {
        if !policy.contains(&format!("style-src {}", csp_hash(s))) {
            p.push("style not allowed by its hash".into());
        }
    }
    let script = Regex::new(r"(?is)<script\b([^>]*)>(.*?)</script>").unwrap();
    let scripts: Vec<(String, String)> = script
        .captures_iter(html)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect();
    if scripts.len() > 1 {
        p.push(format!(
            "{} <script> elements, expected at most 1",
            scripts.len()
        ));
    }
    for (attrs, body) in &scripts {
        if !attrs.trim().is_empty() {
            p.push(format!("script with attributes {attrs:?}"));
        }
        if !policy.contains(&format!("script-src {}", csp_hash(body))) {
            p.push("script not allowed by its hash".into());
        }
    }
    if scripts.is_empty() && policy.contains("script-src") {
        p.push("script-src without a script".into());
    }
    let bad_attr = Regex::new(r#"(?i)<[a-z][^>]*\s(style|on[a-z]+)\s*="#).unwrap();
    for m in bad_attr.find_iter(html) {
        p.push(format!("inline attribute: {}", m.as_str()));
    }
    p
}

#[test]
fn csp_problems_are_found() {
    let css = "p{color:red}";
    let good = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src {}\"><style>{css}</style><p>x</p>",
        csp_hash(css)
    );
    assert!(csp_problems(&good).is_empty(), "{:?}", csp_problems(&good));
    for bad in [
        good.replace("color:red", "color:blue"),
        good.replace("<p>", "<p style=\"color:blue\">"),
        good.replace("<p>", "<p onclick=\"x()\">"),
        good.replace("<p>x</p>", "<script>x()</script>"),
        good.replace("default-src 'none'", "default-src *"),
        good.replace("<meta", "<meta name=\"x\""),
    ] {
        assert!(!csp_problems(&bad).is_empty(), "missed {bad}");
    }
}
