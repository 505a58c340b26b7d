//! Small helpers every layer may use (the bottom of the module order, see
//! the crate docs): terminal-safe text, number and byte formatting, times
//! and the messages users see for I/O errors. Nothing here imports another
//! module of the crate.

use std::io;

/// Neutralizes terminal control: C0 controls (but tab), DEL and C1 controls
/// become visible `\xNN` escapes, and Unicode line separators and bidi
/// controls `\u{NNNN}` escapes, so a crafted function name cannot move the
/// cursor, change colors, set the window title, print a hyperlink (OSC 8),
/// start a new line or reorder what is shown (Trojan Source).
pub fn sanitize_terminal(s: &str) -> String {
    if !s.chars().any(is_terminal_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_terminal_control(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        }
    }
    out
}

/// Characters [`sanitize_terminal`] escapes.
pub fn is_terminal_control(c: char) -> bool {
    (c < ' ' && c != '\t')
        || c == '\u{7f}'
        || ('\u{80}'..='\u{9f}').contains(&c)
        // Arabic letter mark, left-to-right and right-to-left marks.
        || c == '\u{61c}'
        || c == '\u{200e}'
        || c == '\u{200f}'
        || c == '\u{2028}'
        || c == '\u{2029}'
        // Bidi embeddings, overrides and isolates.
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Values in snapshot order as text, `10 → 20 → 30` ([`fmt_value`] each).
pub fn fmt_counts(v: &[i64], unit: &str) -> String {
    let parts: Vec<String> = v.iter().map(|&x| fmt_value(x, unit)).collect();
    parts.join(" → ")
}

/// Human form of a value: counts as is, bytes with binary units.
pub fn fmt_value(v: i64, unit: &str) -> String {
    if unit != "bytes" {
        return v.to_string();
    }
    let a = v.unsigned_abs() as f64;
    let sign = if v < 0 { "-" } else { "" };
    if a >= (1u64 << 30) as f64 {
        format!("{sign}{:.1} GiB", a / (1u64 << 30) as f64)
    } else if a >= (1u64 << 20) as f64 {
        format!("{sign}{:.1} MiB", a / (1u64 << 20) as f64)
    } else if a >= 1024.0 {
        format!("{sign}{:.1} KiB", a / 1024.0)
    } else {
        format!("{sign}{a} B")
    }
}

/// Formats nanoseconds since the epoch as RFC 3339 UTC.
pub fn rfc3339(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Turns an I/O error into the message users see.
pub fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_control_is_neutralized() {
        assert_eq!(
            sanitize_terminal("main.f\x1b]0;pwned\x07"),
            "main.f\\x1b]0;pwned\\x07"
        );
        assert_eq!(sanitize_terminal("a\u{9b}31m"), "a\\x9b31m");
        assert_eq!(sanitize_terminal("plain.F[...]"), "plain.F[...]");
        assert_eq!(
            sanitize_terminal("main.\u{202e}lmth.exe\u{2066}x\u{200f}"),
            "main.\\u{202e}lmth.exe\\u{2066}x\\u{200f}"
        );
        assert_eq!(sanitize_terminal("a\rb\nc"), "a\\x0db\\x0ac");
    }

    #[test]
    fn times() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000_123_456_789), "2023-11-14T22:13:20Z");
    }
}

/// A threshold given on the command line, such as `--min-delta 64KiB`:
/// an amount, and whether it was written with a byte unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount {
    pub value: u64,
    /// Written with a byte unit (`B`, `KB`, `KiB`, `MB`, `MiB`, `GB`, `GiB`).
    pub bytes: bool,
}

/// Parses `64KiB`, `1MB`, `1.5 GiB`, `512B` or a plain number (`1000`,
/// `2.5k`); `KB`/`MB`/`GB` and `k`/`M`/`G` are powers of 1000, `KiB`/`MiB`/
/// `GiB` powers of 1024. Units are case-insensitive except `M`/`m` alone.
pub fn parse_amount(s: &str) -> Result<Amount, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: String = num.chars().filter(|&c| c != '_').collect();
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a number with an optional unit (64KiB, 1MB, 1000)"))?;
    let (mult, bytes) = match unit.trim().to_ascii_lowercase().as_str() {
        "" => (1u64, false),
        "k" => (1000, false),
        "m" => (1_000_000, false),
        "g" => (1_000_000_000, false),
        "b" => (1, true),
        "kb" => (1000, true),
        "mb" => (1_000_000, true),
        "gb" => (1_000_000_000, true),
        "kib" => (1 << 10, true),
        "mib" => (1 << 20, true),
        "gib" => (1 << 30, true),
        u => {
            return Err(format!(
                "{s:?}: unknown unit {u:?} (use B, KB, KiB, MB, MiB, GB, GiB, or none)"
            ))
        }
    };
    let v = n * mult as f64;
    if !v.is_finite() || v < 0.0 || v > i64::MAX as f64 {
        return Err(format!("{s:?} is out of range"));
    }
    Ok(Amount {
        value: v.round() as u64,
        bytes,
    })
}

#[cfg(test)]
mod amount_tests {
    use super::*;

    #[test]
    fn amounts() {
        let a = |s| parse_amount(s).unwrap();
        assert_eq!(
            a("64KiB"),
            Amount {
                value: 65536,
                bytes: true
            }
        );
        assert_eq!(
            a("1MB"),
            Amount {
                value: 1_000_000,
                bytes: true
            }
        );
        assert_eq!(a("1.5 MiB").value, 1_572_864);
        assert_eq!(
            a("512b"),
            Amount {
                value: 512,
                bytes: true
            }
        );
        assert_eq!(
            a("1000"),
            Amount {
                value: 1000,
                bytes: false
            }
        );
        assert_eq!(
            a("2.5k"),
            Amount {
                value: 2500,
                bytes: false
            }
        );
        assert_eq!(a("1_000_000").value, 1_000_000);
        assert!(parse_amount("").is_err());
        assert!(parse_amount("10 parsecs").is_err());
        assert!(parse_amount("-5").is_err());
        assert!(parse_amount("1e400").is_err());
    }
}
