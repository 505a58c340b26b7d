#!/usr/bin/env python3
"""Checks the captures written by capture.sh.

For every program directory under captures/ (go1.27, go1.19, untrimmed/...):
  * every capture file exists and is non-empty;
  * quiescence: for each snapshot K the goroutine count agrees between the
    proto profile (sum of sample values), the debug=1 "total" and the number
    of goroutine headers in the debug=2 dump;
  * EXPECTED.tsv: goroutine/heap rows with a pattern id grow strictly from
    snapshot 1 to 3 (goroutines: the total and the growing stacks; heap:
    inuse_space; with 4 or more snapshots: never shrink and end above the
    start, since a sampled heap may step), rows with "none" do not grow
    strictly, unless their optional 6th column says `churn` (a control
    whose counts grow by design: bursts, a cache that fills) or `fills` (a
    set of long-lived goroutines filling up to a bound); a leak row
    whose 6th column says `step` rose in one busy phase and then held, and
    must end at least 1.5 times where it started; one whose 6th column
    says `held` was stuck before the first snapshot, and its debug=2 dumps
    hold the same number (at least one) of goroutines waiting on a nil
    channel in every snapshot; a control whose 6th column says `shifts` is
    a fixed set of goroutines changing state: its total holds while one of
    its stacks grows strictly; a leak row whose 6th column says `open`
    leaks connections whose readers are its only symptom (grows strictly as
    any leak row; the tests expect it found at `low`, as open connections).
Prints a table of counts per snapshot and exits non-zero on any failure.
Standard library only (a tiny protobuf reader is included).
"""
import gzip
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CAPS = os.path.join(HERE, "captures")
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def varint(b, i):
    shift = result = 0
    while True:
        c = b[i]
        i += 1
        result |= (c & 0x7F) << shift
        if c < 0x80:
            return result, i
        shift += 7


def fields(b):
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 2:
            n, i = varint(b, i)
            v = b[i:i + n]
            i += n
        elif wt == 1:
            v = b[i:i + 8]
            i += 8
        elif wt == 5:
            v = b[i:i + 4]
            i += 4
        else:
            raise ValueError("wire type %d" % wt)
        yield num, wt, v


def proto_sample_sums(path):
    """Sum of each value column over all samples of a pprof proto."""
    data = gzip.open(path).read()
    sums = []
    for num, wt, v in fields(data):
        if num != 2:  # Profile.sample
            continue
        vals = []
        for n2, wt2, v2 in fields(v):
            if n2 != 2:  # Sample.value
                continue
            if wt2 == 2:
                j = 0
                while j < len(v2):
                    x, j = varint(v2, j)
                    vals.append(x)
            else:
                vals.append(v2)
        for idx, x in enumerate(vals):
            while len(sums) <= idx:
                sums.append(0)
            sums[idx] += x
    return sums


def debug1_total(path):
    with open(path, errors="replace") as f:
        first = f.readline()
    m = re.match(r"\w+ profile: total (\d+)", first)
    return int(m.group(1)) if m else None


def debug1_groups(path):
    """stack key -> count from a goroutine debug=1 text profile."""
    groups = {}
    text = open(path, errors="replace").read()
    text = text.split("\n", 1)[1] if "\n" in text else ""  # drop "... profile: total N"
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        if not lines:
            continue
        m = re.match(r"(\d+) @", lines[0])
        if not m:
            continue
        funcs = tuple(re.sub(r"\+0x[0-9a-f]+", "", l.split()[2]) for l in lines[1:]
                      if l.startswith("#\t") and len(l.split()) > 2)
        # Drop label lines and addresses: key on function names only.
        groups[funcs] = groups.get(funcs, 0) + int(m.group(1))
    return groups


def debug2_headers(path):
    n = 0
    with open(path, errors="replace") as f:
        for line in f:
            if re.match(r"goroutine \d+ .*\[.*\].*:$", line):
                n += 1
    return n


def load_expected():
    rows = []
    with open(os.path.join(CAPS, "EXPECTED.tsv")) as f:
        for line in f:
            if line.startswith("#") or line.startswith("program\t") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            rows.append(cols)
    return rows


def snapshot_numbers(d):
    """1..N where goroutine-K.* exists for every K (programs take 3 or 4)."""
    ks = []
    k = 1
    while any(f.startswith("goroutine-%d." % k) for f in os.listdir(d)):
        ks.append(k)
        k += 1
    return ks or [1, 2, 3]


def check_dir(d, report):
    files = sorted(os.listdir(d))
    ks = snapshot_numbers(d)
    for fn in files:
        if os.path.getsize(os.path.join(d, fn)) == 0:
            fail("%s/%s is empty" % (d, fn))
    prog_totals = []
    for k in ks:
        pb = os.path.join(d, "goroutine-%d.pb.gz" % k)
        d1 = os.path.join(d, "goroutine-%d.debug1.txt" % k)
        d2 = os.path.join(d, "goroutine-%d.debug2.txt" % k)
        if not all(os.path.exists(p) for p in (pb, d1, d2)):
            if os.path.exists(pb) or k == 1:
                fail("%s: goroutine snapshot %d incomplete" % (d, k))
            continue
        a = proto_sample_sums(pb)
        a = a[0] if a else 0
        b = debug1_total(d1)
        c = debug2_headers(d2)
        if not (a == b == c):
            fail("%s snapshot %d: proto %s, debug1 %s, debug2 %s goroutines" % (d, k, a, b, c))
        prog_totals.append(b)
    groups = [debug1_groups(os.path.join(d, "goroutine-%d.debug1.txt" % k)) for k in ks
              if os.path.exists(os.path.join(d, "goroutine-%d.debug1.txt" % k))]
    leaking = []
    if len(groups) >= 3:
        keys = set()
        for g in groups:
            keys |= set(g)
        grow = [key for key in keys if growing([g.get(key, 0) for g in groups])]
        leaking = [sum(g.get(key, 0) for key in grow) for g in groups]
    heap = []
    for k in ks:
        hp = os.path.join(d, "heap-%d.pb.gz" % k)
        if os.path.exists(hp):
            s = proto_sample_sums(hp)
            heap.append(s[3] if len(s) > 3 else 0)
    leakprof = []
    for k in (1, 2, 3):
        lp = os.path.join(d, "goroutineleak-%d.debug1.txt" % k)
        lpb = os.path.join(d, "goroutineleak-%d.pb.gz" % k)
        if not os.path.exists(lp) and os.path.exists(lpb):
            # Fetched over HTTP as a protobuf only (pprof-service).
            s = proto_sample_sums(lpb)
            leakprof.append(s[0] if s else 0)
        elif os.path.exists(lp):
            n = debug1_total(lp)
            leakprof.append(n)
            # debug=2 of goroutineleak is the full dump after the detection GC.
            d2 = os.path.join(d, "goroutineleak-%d.debug2.txt" % k)
            text = open(d2, errors="replace").read()
            leaked = len(re.findall(r"^goroutine \d+ \[[^]]*\(leaked\)", text, re.M))
            if leaked != n or debug2_headers(d2) != prog_totals[k - 1]:
                fail("%s snapshot %d: goroutineleak total %s, (leaked) in debug2 %d, debug2 headers %d, goroutines %d"
                     % (d, k, n, leaked, debug2_headers(d2), prog_totals[k - 1]))
    nil_chan = []
    for k in ks:
        d2 = os.path.join(d, "goroutine-%d.debug2.txt" % k)
        if os.path.exists(d2):
            text = open(d2, errors="replace").read()
            nil_chan.append(len(re.findall(r"^goroutine \d+ \[[^]]*\(nil chan\)", text, re.M)))
    report[d] = dict(totals=prog_totals, leaking=leaking, heap=heap, leakprof=leakprof, nil_chan=nil_chan)


def strictly_growing(xs):
    return len(xs) >= 3 and all(a < b for a, b in zip(xs, xs[1:]))


def growing(xs):
    """A leak's series: strictly growing over 3 snapshots; over 4 or more,
    never shrinking and ending above the start (sampled heap steps)."""
    if len(xs) == 3:
        return strictly_growing(xs)
    return len(xs) > 3 and all(a <= b for a, b in zip(xs, xs[1:])) and xs[-1] > xs[0]


def main():
    report = {}
    for root, dirs, files in os.walk(CAPS):
        if any(f.startswith("goroutine-1.") for f in files):
            check_dir(root, report)
    expected = load_expected()
    for row in expected:
        prog, kind, pattern = row[0], row[1], row[2]
        gover = row[4] if len(row) > 4 else "all"
        churn = len(row) > 5 and row[5] in ("churn", "fills", "sets")
        step = len(row) > 5 and row[5] == "step"
        held = len(row) > 5 and row[5] == "held"
        shifts = len(row) > 5 and row[5] == "shifts"
        for ver in ("go1.27", "go1.19"):
            if gover not in ("all", ver):
                continue
            d = os.path.join(CAPS, ver, prog)
            if d not in report:
                fail("%s: no captures for %s" % (d, prog))
                continue
            r = report[d]
            if kind == "goroutine":
                series, what = r["leaking"], "growing stacks"
                if pattern == "none":
                    series, what = r["totals"], "total"
            elif kind == "heap":
                series, what = r["heap"], "inuse_space"
            elif kind == "goroutineleak":
                series, what = r["leakprof"], "goroutineleak total"
            else:
                fail("unknown kind %s" % kind)
                continue
            if pattern == "none":
                if churn:
                    continue
                if shifts and (len(set(r["totals"])) != 1 or not strictly_growing(r["leaking"])):
                    fail("%s %s: expected a fixed total with a stack that grows, got totals %s, growing %s" % (ver, prog, r["totals"], r["leaking"]))
                if kind == "heap":
                    if len(series) < 3 or series[-1] > series[0] * 1.25 + 65536:
                        fail("%s %s: control grows: %s %s" % (ver, prog, what, series))
                elif strictly_growing(series):
                    fail("%s %s %s: control grows: %s %s" % (ver, prog, kind, what, series))
            elif held:
                # Stuck before the first snapshot: the same goroutines in
                # every one.
                xs = r["nil_chan"]
                if len(xs) < 3 or xs[0] < 1 or len(set(xs)) != 1:
                    fail("%s %s %s: expected the same goroutines on a nil channel in every snapshot, got %s" % (ver, prog, kind, xs))
            elif step:
                # A leak that rose in one busy phase and then held (a lull):
                # it must end well above where it started.
                if len(series) < 3 or series[-1] < series[0] * 1.5:
                    fail("%s %s %s: expected a rise that holds in %s, got %s" % (ver, prog, kind, what, series))
            elif not growing(series):
                fail("%s %s %s: expected growth of %s, got %s" % (ver, prog, kind, what, series))
    print("%-52s %-14s %-14s %-30s %s" % ("captures", "total", "growing", "heap inuse_space", "goroutineleak"))
    for d in sorted(report):
        r = report[d]
        print("%-52s %-14s %-14s %-30s %s" % (os.path.relpath(d, CAPS),
              "/".join(map(str, r["totals"])), "/".join(map(str, r["leaking"])),
              "/".join(map(str, r["heap"])), "/".join(map(str, r["leakprof"]))))
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("all capture checks passed")


if __name__ == "__main__":
    main()
