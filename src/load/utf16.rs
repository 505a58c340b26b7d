//! UTF-16 text (what Windows PowerShell 5 writes for `go run . > dump.txt`)
//! converted to UTF-8 on the fly, so the text loaders read it like any dump.

use std::io::{self, Read};

/// Byte order of a UTF-16 input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf16 {
    Le,
    Be,
}

impl Utf16 {
    pub fn name(self) -> &'static str {
        match self {
            Utf16::Le => "UTF-16LE",
            Utf16::Be => "UTF-16BE",
        }
    }
}

/// A byte order mark, or ASCII text with every other byte NUL.
pub fn detect(head: &[u8]) -> Option<Utf16> {
    if head.starts_with(b"\xff\xfe") {
        return Some(Utf16::Le);
    }
    if head.starts_with(b"\xfe\xff") {
        return Some(Utf16::Be);
    }
    let n = head.len().min(256) & !1;
    if n < 16 {
        return None;
    }
    let pairs = head[..n].chunks_exact(2);
    let (mut le, mut be) = (0, 0);
    for p in pairs {
        let ascii = |b: u8| b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7f).contains(&b);
        if p[1] == 0 && ascii(p[0]) {
            le += 1;
        } else if p[0] == 0 && ascii(p[1]) {
            be += 1;
        }
    }
    let units = n / 2;
    if le * 10 >= units * 9 {
        Some(Utf16::Le)
    } else if be * 10 >= units * 9 {
        Some(Utf16::Be)
    } else {
        None
    }
}

/// Reads UTF-16 from `inner` and yields UTF-8. Unpaired surrogates and an
/// odd trailing byte become U+FFFD; a leading byte order mark is dropped.
pub struct Decoder<R> {
    inner: R,
    order: Utf16,
    raw: Vec<u8>,
    /// Bytes of `raw` not decoded yet (an odd byte, a high surrogate).
    carry: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    started: bool,
    eof: bool,
}

impl<R: Read> Decoder<R> {
    pub fn new(inner: R, order: Utf16) -> Self {
        Decoder {
            inner,
            order,
            raw: vec![0; 16 << 10],
            carry: Vec::new(),
            out: Vec::new(),
            pos: 0,
            started: false,
            eof: false,
        }
    }

    fn unit(&self, b: &[u8]) -> u16 {
        match self.order {
            Utf16::Le => u16::from_le_bytes([b[0], b[1]]),
            Utf16::Be => u16::from_be_bytes([b[0], b[1]]),
        }
    }

    /// Decodes the next chunk into `out`; false at the end of the input.
    fn refill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.pos = 0;
        while self.out.is_empty() {
            if self.eof {
                if self.carry.is_empty() {
                    return Ok(false);
                }
                // An odd byte or a lone high surrogate at the very end.
                self.carry.clear();
                self.out.extend_from_slice("\u{fffd}".as_bytes());
                return Ok(true);
            }
            let n = loop {
                match self.inner.read(&mut self.raw) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            if n == 0 {
                self.eof = true;
                continue;
            }
            let mut bytes = std::mem::take(&mut self.carry);
            bytes.extend_from_slice(&self.raw[..n]);
            let whole = bytes.len() & !1;
            let mut units: Vec<u16> = bytes[..whole]
                .chunks_exact(2)
                .map(|b| self.unit(b))
                .collect();
            let mut keep = whole;
            // A high surrogate whose pair is in the next chunk waits for it.
            if units.last().is_some_and(|&u| (0xd800..0xdc00).contains(&u)) {
                units.pop();
                keep -= 2;
            }
            self.carry.extend_from_slice(&bytes[keep..]);
            for c in char::decode_utf16(units.iter().copied()) {
                let c = c.unwrap_or('\u{fffd}');
                if !self.started {
                    self.started = true;
                    if c == '\u{feff}' {
                        continue;
                    }
                }
                let mut tmp = [0u8; 4];
                self.out
                    .extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
            }
        }
        Ok(true)
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.out.len() && !self.refill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut v = Vec::new();
        if bom {
            v.extend_from_slice(b"\xff\xfe");
        }
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_le_bytes());
        }
        v
    }

    fn decode(data: &[u8], order: Utf16, chunk: usize) -> String {
        struct Chunks<'a>(&'a [u8], usize);
        impl Read for Chunks<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = String::new();
        Decoder::new(Chunks(data, chunk), order)
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn detects_and_decodes() {
        let text = "goroutine 1 [running]:\nmain.main()\n\t/src/é/😀.go:1\n";
        let le = utf16le(text, true);
        assert_eq!(detect(&le), Some(Utf16::Le));
        assert_eq!(detect(&utf16le(text, false)), Some(Utf16::Le));
        let be: Vec<u8> = le.chunks(2).flat_map(|p| [p[1], p[0]]).collect();
        assert_eq!(detect(&be), Some(Utf16::Be));
        assert_eq!(detect(text.as_bytes()), None);
        for chunk in [1, 3, 7, 4096] {
            assert_eq!(decode(&le, Utf16::Le, chunk), text);
            assert_eq!(decode(&be, Utf16::Be, chunk), text);
        }
    }

    #[test]
    fn broken_utf16_is_replaced() {
        // Lone high surrogate, lone low surrogate, odd trailing byte.
        let data = [b'a', 0, 0x00, 0xd8, b'b', 0, 0x00, 0xdc, b'c'];
        assert_eq!(decode(&data, Utf16::Le, 1), "a\u{fffd}b\u{fffd}\u{fffd}");
        let data = [b'a', 0, 0x3d, 0xd8];
        assert_eq!(decode(&data, Utf16::Le, 2), "a\u{fffd}");
    }
}
