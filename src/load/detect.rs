//! Format detection from content (never from the file name).

use super::wire::varint;
use memchr::memmem;

/// What the first bytes of an input look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// pprof protobuf (already decompressed).
    Pprof,
    /// `goroutine profile: total N` and the other debug=1 text profiles.
    Debug1,
    /// Legacy text heap profile (`heap profile: …`).
    HeapText,
    /// Anything else that is text: a debug=2 dump, possibly inside a log.
    Debug2,
    /// Binary data that is not a profile this tool reads.
    Binary(&'static str),
}

pub fn is_gzip(head: &[u8]) -> bool {
    head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b
}

/// Headers of the debug=1 text profiles written by runtime/pprof.
const DEBUG1_HEADERS: [&str; 5] = [
    "goroutine profile: total ",
    "goroutineleak profile: total ",
    "threadcreate profile: total ",
    "--- contention:",
    "--- mutex:",
];

pub fn detect(head: &[u8]) -> Detected {
    if !head.is_empty() && head.iter().all(|&b| b == 0) {
        return Detected::Binary("only NUL bytes: a zeroed or preallocated file");
    }
    if starts_with_sample_type(head) {
        return Detected::Pprof;
    }
    if looks_like_text(head) {
        return detect_text(head);
    }
    if looks_like_profile_proto(head) {
        return Detected::Pprof;
    }
    if is_legacy_cpu(head) {
        return Detected::Binary("legacy binary CPU profile; convert it with go tool pprof -proto");
    }
    Detected::Binary("binary data that is neither gzip nor a pprof protobuf")
}

fn detect_text(head: &[u8]) -> Detected {
    // A UTF-8 byte order mark (files saved by some Windows editors) is not
    // part of the first line.
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    // The first debug=2 goroutine header, to tell a debug=1 profile from a
    // log that merely quotes one.
    let first_dump = memmem::find(head, b"goroutine ").unwrap_or(usize::MAX);
    for h in DEBUG1_HEADERS {
        if let Some(i) = memmem::find(head, h.as_bytes()) {
            let at_line_start = i == 0
                || head[i - 1] == b'\n'
                || head[..i].iter().all(|&b| b.is_ascii_whitespace() || b == 0);
            if at_line_start && (i <= first_dump || h.starts_with("goroutine")) {
                return Detected::Debug1;
            }
        }
    }
    let trimmed = trim_start(head);
    if trimmed.starts_with(b"heap profile:") {
        return Detected::HeapText;
    }
    Detected::Debug2
}

fn trim_start(b: &[u8]) -> &[u8] {
    let b = b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b);
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// Text: few control characters in the first 8 KiB, not counting NUL bytes.
///
/// NULs alone do not make an input binary: logs and dumps hold runs of them
/// where a crash left a preallocated region, a disk filled up or a tool
/// wrote C strings, and the text loaders read such lines (a NUL is just a
/// character there). A binary format has other control bytes besides: every
/// pprof protobuf message starts with tags and lengths below 0x20.
fn looks_like_text(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(8192)];
    let mut text = 0usize;
    let mut control = 0usize;
    for &c in sample {
        match c {
            0 => {}
            b'\n' | b'\r' | b'\t' | 0x1b | 0x0c => text += 1,
            c if c < 0x20 => {
                text += 1;
                control += 1;
            }
            _ => text += 1,
        }
    }
    text > 0 && control * 100 <= text
}

/// A `sample_type` ValueType message first, as Go and `go tool pprof`
/// write profiles: `0x0a LEN (0x08 varint | 0x10 varint)*`. Text never starts
/// so (0x08 and 0x10 are control characters), however printable the rest of
/// the first kilobytes (a large string table) is.
fn starts_with_sample_type(head: &[u8]) -> bool {
    let Some((&0x0a, rest)) = head.split_first() else {
        return false;
    };
    let Some((len, n)) = varint(rest) else {
        return false;
    };
    let Some(msg) = usize::try_from(len)
        .ok()
        .and_then(|l| rest.get(n..n.checked_add(l)?))
    else {
        return false;
    };
    let mut i = 0;
    while i < msg.len() {
        if msg[i] != 0x08 && msg[i] != 0x10 {
            return false;
        }
        match varint(&msg[i + 1..]) {
            Some((_, k)) => i += 1 + k,
            None => return false,
        }
    }
    true
}

/// Walks the top-level protobuf fields at the start of `head` and checks that
/// they are fields a pprof Profile has, with the right wire types.
fn looks_like_profile_proto(head: &[u8]) -> bool {
    let mut i = 0;
    let mut fields = 0;
    while i < head.len() && fields < 64 {
        let Some((tag, n)) = varint(&head[i..]) else {
            return fields > 0;
        };
        i += n;
        let field = tag >> 3;
        let wire = tag & 7;
        let ok = match field {
            1..=6 | 11 => wire == 2,
            7..=10 | 12 | 14 | 15 => wire == 0,
            13 => wire == 0 || wire == 2,
            _ => false,
        };
        if !ok {
            return false;
        }
        match wire {
            0 => match varint(&head[i..]) {
                Some((_, n)) => i += n,
                None => return fields > 0,
            },
            2 => match varint(&head[i..]) {
                Some((len, n)) => {
                    i += n;
                    i = i.saturating_add(len as usize);
                }
                None => return fields > 0,
            },
            _ => return false,
        }
        fields += 1;
    }
    fields > 0
}

/// The pre-proto binary CPU profile starts with the words 0, 3, 0.
fn is_legacy_cpu(head: &[u8]) -> bool {
    head.len() >= 24
        && head[..8] == [0; 8]
        && (head[8..16] == 3u64.to_le_bytes() || head[8..16] == 3u64.to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_text_formats() {
        assert_eq!(
            detect(b"goroutine profile: total 3\n2 @ 0x1 0x2\n"),
            Detected::Debug1
        );
        assert_eq!(
            detect(b"goroutineleak profile: total 1\n"),
            Detected::Debug1
        );
        assert_eq!(
            detect(b"heap profile: 1: 2 [3: 4] @ heap/1048576\n"),
            Detected::HeapText
        );
        assert_eq!(
            detect(b"\xef\xbb\xbfgoroutine profile: total 1\n1 @ 0x1\n"),
            Detected::Debug1
        );
        assert_eq!(
            detect(b"goroutine 1 [running]:\nmain.main()\n"),
            Detected::Debug2
        );
        assert_eq!(
            detect(b"some log line\npanic: boom\n\ngoroutine 1 [running]:\n"),
            Detected::Debug2
        );
    }

    #[test]
    fn detects_binary() {
        // sample_type { type: 1 unit: 2 }
        assert_eq!(
            detect(&[0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x32, 0x00]),
            Detected::Pprof
        );
        assert!(matches!(
            detect(&[0xff, 0x00, 0x13, 0x37]),
            Detected::Binary(_)
        ));
        // A profile whose first kilobytes are printable (a large string
        // table first) is still a profile.
        let mut pb = vec![0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x32, 0x80, 0x10];
        pb.extend_from_slice(&[b'x'; 2048]);
        assert_eq!(detect(&pb), Detected::Pprof);
        assert_eq!(
            detect(b"\n\nab\ngoroutine 1 [running]:\n"),
            Detected::Debug2
        );
        assert_eq!(
            detect(&[0; 100]),
            Detected::Binary("only NUL bytes: a zeroed or preallocated file")
        );
    }

    #[test]
    fn nul_bytes_do_not_make_text_binary() {
        // A dump with a NUL-padded region (a crash while the file was
        // preallocated) is still a dump.
        let mut d = b"goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n".to_vec();
        d.extend_from_slice(&[0; 4096]);
        d.extend_from_slice(b"\ngoroutine 2 [select]:\nmain.f()\n\t/a.go:2 +0x1\n");
        assert_eq!(detect(&d), Detected::Debug2);
        let mut d = vec![0; 512];
        d.extend_from_slice(b"goroutine profile: total 1\n1 @ 0x1\n");
        assert_eq!(detect(&d), Detected::Debug1);
        assert_eq!(detect(b"main.\x00f()\n"), Detected::Debug2);
        // Other control bytes still say binary.
        let junk: Vec<u8> = (0..64u8)
            .map(|i| if i % 2 == 0 { 0 } else { i % 31 + 1 })
            .collect();
        assert!(matches!(detect(&junk), Detected::Binary(_)));
        // A protobuf full of NULs is still a protobuf: sample_type {type: 1
        // unit: 2}, then a sample with value 0.
        let pb = [0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x12, 0x02, 0x10, 0x00];
        assert_eq!(detect(&pb), Detected::Pprof);
    }
}
