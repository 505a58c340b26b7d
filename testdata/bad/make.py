#!/usr/bin/env python3
"""Writes the broken inputs of testdata/bad/ (run from anywhere; standard
library only). Each is small; the big ones (a 100 MB line, a multi-GB gzip
bomb) and the ones git cannot hold (a directory, a FIFO) are made at test
time by tests/bad_inputs.rs. EXPECTED.tsv says what leakdiff answers for
each."""
import gzip
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CAP = os.path.join(HERE, "..", "captures", "go1.27", "timeout-leak")


def cap(name):
    with open(os.path.join(CAP, name), "rb") as f:
        return f.read()


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def gz(data):
    # mtime=0: the same bytes on every run.
    return gzip.compress(data, compresslevel=9, mtime=0)


# --- protobuf encoding (proto/profile.proto) -------------------------------
def varint(v):
    v &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def vint(field, v):
    return key(field, 0) + varint(v)


def ld(field, payload):
    return key(field, 2) + varint(len(payload)) + payload


def packed(field, values):
    return ld(field, b"".join(varint(v) for v in values))


class Profile:
    """A goroutine profile laid out the way runtime/pprof writes one."""

    def __init__(self):
        self.strings = [""]
        self.parts = []

    def s(self, text):
        if text not in self.strings:
            self.strings.append(text)
        return self.strings.index(text)

    def sample_type(self, t, u):
        self.parts.append(ld(1, vint(1, self.s(t)) + vint(2, self.s(u))))

    def sample(self, locs, values):
        self.parts.append(ld(2, packed(1, locs) + packed(2, values)))

    def location(self, id, lines):
        body = vint(1, id) + vint(3, 0x1000 + id)
        for fn, line in lines:
            body += ld(4, vint(1, fn) + vint(2, line))
        self.parts.append(ld(4, body))

    def function(self, id, name, file):
        self.parts.append(
            ld(5, vint(1, id) + vint(2, self.s(name)) + vint(3, self.s(name)) + vint(4, self.s(file)))
        )

    def raw(self, data):
        self.parts.append(data)

    def bytes(self):
        out = b"".join(self.parts)
        for st in self.strings:
            out += ld(6, st.encode())
        return out


def goroutine_profile(extra=None):
    p = Profile()
    p.sample_type("goroutine", "count")
    p.sample([1, 2], [10])
    p.location(1, [(1, 41)])
    p.location(2, [(2, 302)])
    p.function(1, "main.fetchWithTimeout.func1", "example.com/leaks/timeout-leak/main.go")
    p.function(2, "runtime.goexit", "runtime/asm_amd64.s")
    if extra:
        extra(p)
    p.raw(ld(3 + 8, vint(1, p.s("goroutine")) + vint(2, p.s("count"))) + vint(12, 1))
    return p.bytes()


# --- gzip ---------------------------------------------------------------------
real = cap("goroutine-1.pb.gz")
write("truncated.pb.gz", real[: len(real) // 2])
z = gz(cap("goroutine-3.debug2.txt"))
write("truncated-debug2.txt.gz", z[: len(z) * 2 // 3])
write("garbage.gz", gz(bytes((i * 97 + 13) % 251 for i in range(600))))
# Valid gzip header, then a deflate stream that is not one.
write("corrupt-deflate.gz", real[:10] + bytes([0xFF] * 40) + real[50:])
# 8 MiB of zeros after a debug=2 header line: 8 KB on disk; rejected under
# --max-decompressed 1048576 (the EXPECTED args) before it is all inflated.
write(
    "bomb.txt.gz",
    gz(b"goroutine 1 [running]:\nmain.main()\n\tmain.go:1\n" + b"\n" * (8 << 20)),
)

# --- protobuf -----------------------------------------------------------------
good = goroutine_profile()
# A profile with 8 MiB of padding in an unknown field (16): 8 KB gzipped.
write("bomb.pb.gz", gz(good + key(16, 2) + varint(8 << 20) + bytes(8 << 20)))
write("truncated.pb", good[:-9])
# A second sample whose packed location list says it is 100 bytes long.
write(
    "length-past-end.pb",
    goroutine_profile(lambda p: p.raw(ld(2, key(1, 2) + varint(100) + b"\x01\x02\x12\x01"))),
)
# Function 3's name is string 99 of a table of 8.
write(
    "string-index-out-of-range.pb",
    goroutine_profile(lambda p: p.raw(ld(5, vint(1, 3) + vint(2, 99)))),
)
write("missing-location.pb", goroutine_profile(lambda p: p.sample([1, 7, 2], [1])))
write("duplicate-location-id.pb", goroutine_profile(lambda p: p.location(1, [(2, 1)])))
# The pprof format has no location-to-location references, so a cycle can
# only show as a stack that repeats: one sample walks locations 1 and 3
# (which inlines 3 calls) 3000 times.
write(
    "cyclic-stack.pb",
    goroutine_profile(lambda p: (p.location(3, [(1, 1), (1, 2), (1, 3)]), p.sample([1, 3] * 3000, [1]))),
)
write("not-a-profile.bin", bytes([0xFF, 0x00, 0x13, 0x37]) * 64)
write("zeros.bin", bytes(4096))

# --- debug=1 ------------------------------------------------------------------
d1 = cap("goroutine-1.debug1.txt")
write("bad-address.debug1.txt", d1.replace(b"0x4142dc", b"0x41zz42dc", 1))
write("truncated.debug1.txt", d1[: d1.index(b"#\t0x4d62c4") + 20])
write("crlf.debug1.txt", d1.replace(b"\n", b"\r\n"))

# --- debug=2 ------------------------------------------------------------------
d2 = cap("goroutine-3.debug2.txt")
write("crlf.debug2.txt", d2.replace(b"\n", b"\r\n"))
cut = d2.index(b"main.fetchWithTimeout.func1()", 2000) + 12
write("cut-mid-frame.debug2.txt", d2[:cut])
write("header-only.debug2.txt", b"goroutine 1 [running]:\n")
write(
    "header-without-frames.debug2.txt",
    d2.replace(b"\n\ngoroutine 6 [chan send]:\n", b"\n\ngoroutine 99 [select]:\n\ngoroutine 6 [chan send]:\n", 1),
)
nul = d2.replace(b"\n\ngoroutine 7 ", b"\n" + bytes(3000) + b"\n\ngoroutine 7 ", 1)
nul = nul.replace(b"main.fetchWithTimeout.func1()", b"main.fetch\x00WithTimeout.func1()", 1)
write("nul-bytes.debug2.txt", nul)
write(
    "invalid-utf8.debug2.txt",
    d2.replace(b"main.fetchWithTimeout.func1()", b"main.fetch\xff\xfeWithTimeout.func1()", 1),
)
write("utf16.debug2.txt", b"\xff\xfe" + d2.decode().encode("utf-16-le"))
write("empty.txt", b"")
write("prose.txt", b"Hello,\nthe service leaked again, see the attachment.\n")
