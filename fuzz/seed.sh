#!/usr/bin/env bash
# Seeds fuzz/seeds/<target>/ from the project's own captures (testdata/) and
# hand-made inputs (tests/data/, testdata/bad/). The committed corpora in
# fuzz/corpus/ are these seeds plus what the fuzzer found, minimized with
#   cargo fuzz cmin <target> --sanitizer none fuzz/corpus/<target> fuzz/seeds/<target>
# (see the Robustness section of README.md). Seeds are not committed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/seeds
rm -rf "$out"
mkdir -p "$out"/{pprof,gzip,debug1,debug2,detect,analyze}
max=65536
small() { [ "$(stat -c %s "$1")" -le "$max" ]; }
name() { echo "$1" | tr '/' '_'; }
split=$'\n@@leakdiff-fuzz-next-input@@\n'

while IFS= read -r f; do
  n=$(name "$f")
  case "$f" in
    *.pb.gz)
      small "$f" && cp "$f" "$out/gzip/$n"
      gzip -dc "$f" > "$out/pprof/${n%.gz}"
      small "$out/pprof/${n%.gz}" || rm "$out/pprof/${n%.gz}"
      ;;
    *debug1.txt)
      small "$f" || continue
      cp "$f" "$out/debug1/$n"
      ;;
    *)
      small "$f" || continue
      cp "$f" "$out/debug2/$n"
      ;;
  esac
  small "$f" && cp "$f" "$out/detect/$n"
done < <(find testdata/captures testdata/samples tests/data testdata/bad -type f ! -name '*.tsv' ! -name EXPECTED 2>/dev/null | sort)

# Gzipped text, as people attach it.
for f in testdata/captures/go1.27/timeout-leak/goroutine-1.debug{1,2}.txt; do
  gzip -c "$f" > "$out/gzip/$(name "$f").gz"
done

# analyze: two snapshots of one program, first and last.
for d in testdata/captures/go1.27/* testdata/captures/go1.19/*; do
  [ -f "$d/goroutine-1.debug2.txt" ] || continue
  p=$(basename "$d")
  for ext in debug1.txt debug2.txt pb.gz; do
    a="$d/goroutine-1.$ext" b="$d/goroutine-3.$ext"
    [ -f "$a" ] && [ -f "$b" ] || continue
    o="$out/analyze/$(name "$d")_$ext"
    { cat "$a"; printf '%s' "$split"; cat "$b"; } > "$o"
    small "$o" || rm "$o"
  done
  if [ -f "$d/heap-1.pb.gz" ]; then
    o="$out/analyze/$(name "$d")_heap"
    { cat "$d/heap-1.pb.gz"; printf '%s' "$split"; cat "$d/heap-3.pb.gz"; } > "$o"
    small "$o" || rm "$o"
  fi
done
for t in "$out"/*; do echo "$(basename "$t"): $(ls "$t" | wc -l) files"; done
