#!/usr/bin/env bash
# Throughput and peak memory of leakdiff on generated inputs, with any peer
# tools found on the PATH run side by side on the same files.
#
#   bench/run.sh                       # 10k, 100k, 115k (400 MB) and 300k goroutines
#   SIZES="100000" RUNS=5 bench/run.sh
#
# Builds leakdiff (release), the generators in testdata/go (needs Go; no
# network: GOFLAGS=-mod=mod GOPROXY=off) and a decompression baseline, then
# generates into $WORK (default ${TMPDIR:-/tmp}/leakdiff-bench, several GB
# for the default sizes):
#   - debug=2 dumps of each size in SIZES (gen-bigdump, about 3.7 KB per
#     goroutine), and a gzipped copy of the GZ_SIZE one;
#   - three dumps of ANALYZE_SIZE goroutines growing by 10% (analyze);
#   - MANY gzipped dumps of MANY_SIZE goroutines and up (1% more each), for
#     `analyze` of many snapshots (memory must not grow with the goroutines);
#   - three heap profiles of HEAP_SAMPLES samples (distinct stacks), about
#     14 MB gzipped each (gen-bigheap), with leaking sites.
# The largest dump is also shown with LEAKDIFF_NO_MMAP=1 (read through
# buffers instead of memory-mapped) and from standard input.
# For the gzipped dump, one more run with LEAKDIFF_TIMINGS=1 prints how
# the reading thread spent its time (inflating, or waiting for parsing).
# Each case runs RUNS times after a warm-up read (page cache warm); the
# table shows the fastest run: wall time (to the millisecond), MB/s of
# input, CPU time (user + system) and peak resident memory (GNU time's
# maximum RSS); under each dump size, show's wall time over wc -l's.
# Inputs are kept in $WORK and made again when a generator changes.
#
# Peers, when on the PATH: `go tool pprof -top -diff_base` on two of the
# heap profiles; executables named gostackparse or panicparse are run as
# `NAME FILE` on the 100k dump. None is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"10000 100000 115000 300000"}
GZ_SIZE=${GZ_SIZE:-100000}
ANALYZE_SIZE=${ANALYZE_SIZE:-100000}
HEAP_SAMPLES=${HEAP_SAMPLES:-200000}
MANY=${MANY:-12}
MANY_SIZE=${MANY_SIZE:-100000}
RUNS=${RUNS:-3}
WORK=${WORK:-${TMPDIR:-/tmp}/leakdiff-bench}
LEAKDIFF=${LEAKDIFF:-$PWD/target/release/leakdiff}

TIME=/usr/bin/time
if ! "$TIME" -f %e true 2>/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "installing GNU time ..." >&2
    apt-get install -y -q time > /dev/null || { apt-get update -q > /dev/null && apt-get install -y -q time > /dev/null; }
fi
if ! "$TIME" -f %e true 2>/dev/null; then
    echo "bench/run.sh needs GNU time at /usr/bin/time (apt-get install time)" >&2
    exit 2
fi
mkdir -p "$WORK"

echo "building ..." >&2
cargo build --release --quiet
cargo build --release --quiet --example gunzip
GUNZIP=$PWD/target/release/examples/gunzip
(
    cd testdata/go
    GOFLAGS=-mod=mod GOPROXY=off go build -o "$WORK/gen-bigdump" ./gen-bigdump
    GOFLAGS=-mod=mod GOPROXY=off go build -o "$WORK/gen-bigheap" ./gen-bigheap
)

# gen FILE CMD...: writes CMD's output to FILE unless FILE exists and was
# made by the same command with the same generators (FILE.made records
# their checksums: a changed generator makes the inputs again).
GENERATORS=$(cat "$WORK/gen-bigdump" "$WORK/gen-bigheap" | cksum)
gen() {
    local out=$1
    shift
    local made="$GENERATORS $*"
    if [ ! -s "$out" ] || [ "$(cat "$out.made" 2> /dev/null)" != "$made" ]; then
        echo "generating $(basename "$out") ..." >&2
        "$@" > "$out.tmp"
        mv "$out.tmp" "$out"
        echo "$made" > "$out.made"
    fi
}

for n in $SIZES; do
    gen "$WORK/dump-$n.txt" "$WORK/gen-bigdump" -goroutines "$n"
done
gen "$WORK/dump-$GZ_SIZE.txt" "$WORK/gen-bigdump" -goroutines "$GZ_SIZE"
gen "$WORK/dump-$GZ_SIZE.txt.gz" gzip -c "$WORK/dump-$GZ_SIZE.txt"
a1=$((ANALYZE_SIZE * 9 / 10)) a2=$ANALYZE_SIZE a3=$((ANALYZE_SIZE * 11 / 10))
for n in $a1 $a2 $a3; do
    gen "$WORK/dump-$n.txt" "$WORK/gen-bigdump" -goroutines "$n"
done
many=()
for k in $(seq 0 $((MANY - 1))); do
    n=$((MANY_SIZE + MANY_SIZE * k / 100))
    gen "$WORK/many-$n.txt.gz" sh -c "'$WORK/gen-bigdump' -goroutines $n | gzip -c"
    many+=("$WORK/many-$n.txt.gz")
done
for k in 0 1 2; do
    gen "$WORK/heap-$HEAP_SAMPLES-$k.pb.gz" "$WORK/gen-bigheap" -samples "$HEAP_SAMPLES" -snapshot "$k"
done

size() { stat -c %s "$@" | awk '{s += $1} END {print s}'; }

# run NAME BYTES CMD...: the fastest of RUNS runs of CMD (stdout dropped).
# Wall time is taken to the millisecond around the run (GNU time's own is
# in hundredths); CPU time and peak memory are GNU time's. The fastest
# wall time is left in $BEST_WALL.
BEST_WALL=
run() {
    local name=$1 bytes=$2
    shift 2
    local best="" line t0 t1
    for _ in $(seq "$RUNS"); do
        t0=$(date +%s%N)
        if ! "$TIME" -f "%U %S %M" -o "$WORK/time.out" "$@" > /dev/null 2> "$WORK/stderr.out"; then
            echo "$name: failed: $*" >&2
            tail -3 "$WORK/stderr.out" >&2
            return 0
        fi
        t1=$(date +%s%N)
        line="$(awk -v ns=$((t1 - t0)) 'BEGIN {printf "%.3f", ns / 1e9}') $(tail -1 "$WORK/time.out")"
        if [ -z "$best" ] || awk -v a="$line" -v b="$best" 'BEGIN {split(a, x, " "); split(b, y, " "); exit !(x[1] < y[1])}'; then
            best=$line
        fi
    done
    BEST_WALL=${best%% *}
    echo "$best" | awk -v name="$name" -v bytes="$bytes" '{
        mb = bytes / 1048576; wall = $1; wall = (wall < 0.001 ? 0.001 : wall)
        printf "%-44s %9.1f %8.3f %9.0f %8.2f %9.0f\n", name, mb, $1, mb / wall, $2 + $3, $4 / 1024
    }' | tee -a "$WORK/results.txt"
}

warm() { cat "$@" > /dev/null; }

: > "$WORK/results.txt"
echo
echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $(git rev-parse --short HEAD 2>/dev/null || echo '?')" | tee -a "$WORK/results.txt"
printf "%-44s %9s %8s %9s %8s %9s\n" case "input MB" "wall s" "MB/s" "CPU s" "RSS MB" | tee -a "$WORK/results.txt"

for n in $SIZES; do
    f=$WORK/dump-$n.txt
    warm "$f"
    run "wc -l, $n goroutines (read floor)" "$(size "$f")" wc -l "$f"
    floor=$BEST_WALL
    run "leakdiff show, $n goroutines" "$(size "$f")" "$LEAKDIFF" show "$f"
    awk -v a="$BEST_WALL" -v b="$floor" 'BEGIN {if (a != "" && b > 0) printf "  show / wc -l on the same file: %.2fx\n", a / b}' | tee -a "$WORK/results.txt"
done

# Mapped (the default for files of 1 MiB and more) against read through
# buffers, and a pipe on standard input, on the largest dump.
largest=$(for n in $SIZES; do echo "$n"; done | sort -n | tail -1)
f=$WORK/dump-$largest.txt
warm "$f"
run "leakdiff show, $largest, read (NO_MMAP)" "$(size "$f")" env LEAKDIFF_NO_MMAP=1 "$LEAKDIFF" show "$f"
run "leakdiff show, $largest, stdin" "$(size "$f")" sh -c "exec '$LEAKDIFF' show - < '$f'"

f=$WORK/dump-$GZ_SIZE.txt.gz
warm "$f"
run "gunzip (flate2 zlib-rs), $GZ_SIZE gz" "$(size "$WORK/dump-$GZ_SIZE.txt")" "$GUNZIP" "$f"
run "leakdiff show, $GZ_SIZE goroutines, gz" "$(size "$WORK/dump-$GZ_SIZE.txt")" "$LEAKDIFF" show "$f"
# Where the reading thread's time went: a load bound by decompression
# spends it inflating, hardly waiting for the parsers.
LEAKDIFF_TIMINGS=1 "$LEAKDIFF" show "$f" 2>&1 > /dev/null | grep 'timings: total' | sed 's/^/  gz: /' | tee -a "$WORK/results.txt"

files=("$WORK/dump-$a1.txt" "$WORK/dump-$a2.txt" "$WORK/dump-$a3.txt")
warm "${files[@]}"
run "leakdiff analyze, 3 dumps of ~$ANALYZE_SIZE" "$(size "${files[@]}")" "$LEAKDIFF" analyze "${files[@]}"

warm "${many[@]}"
run "leakdiff analyze, $MANY gz dumps of ~$MANY_SIZE" "$(for f in "${many[@]}"; do gzip -dc "$f" | wc -c; done | awk '{s += $1} END {print s}')" \
    "$LEAKDIFF" analyze "${many[@]}"

heaps=("$WORK/heap-$HEAP_SAMPLES-0.pb.gz" "$WORK/heap-$HEAP_SAMPLES-1.pb.gz" "$WORK/heap-$HEAP_SAMPLES-2.pb.gz")
warm "${heaps[@]}"
run "leakdiff analyze, 3 heap profiles" "$(size "${heaps[@]}")" "$LEAKDIFF" analyze "${heaps[@]}"
if command -v go > /dev/null; then
    run "go tool pprof -top -diff_base, 2 profiles" "$(size "${heaps[0]}" "${heaps[2]}")" \
        go tool pprof -top -diff_base "${heaps[0]}" "${heaps[2]}"
fi

f=$WORK/dump-$GZ_SIZE.txt
for peer in gostackparse panicparse; do
    if command -v "$peer" > /dev/null; then
        run "$peer, $GZ_SIZE goroutines" "$(size "$f")" "$peer" "$f"
    else
        echo "($peer not on PATH: skipped)" | tee -a "$WORK/results.txt"
    fi
done
echo "results in $WORK/results.txt" >&2
