#!/usr/bin/env bash
# Runs the Go steps of the README's CI recipe on the two builds in base/ and
# new/ (a session store whose new build no longer closes a channel on
# Close), and keeps what they write: base.mem.pprof, new.mem.pprof and
# profiles/. tests/ci_recipe.rs then runs the recipe's leakdiff steps on
# these files exactly as the README writes them, and checks that every Go
# line of the recipe is here verbatim.
#
#   flock /tmp/leakdiff-capture.lock bash testdata/ci/capture.sh
#
# Needs Go (1.19 or later) and nothing from the module proxy. The test
# binaries run from /opt/leakdiff-ci (GOTMPDIR), so the profiles' mappings
# name no path of this machine; source paths are trimmed (-trimpath).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off
export GOTMPDIR=/opt/leakdiff-ci
mkdir -p "$GOTMPDIR"
trap 'rm -rf "$GOTMPDIR" base/sessions.test new/sessions.test' EXIT
rm -rf profiles base.mem.pprof new.mem.pprof

# --- the recipe's Go steps (README, "CI recipe") ---
(cd base && go test -run '^$' -bench . -benchtime 2000x -trimpath -memprofile ../base.mem.pprof)
(cd new && go test -run '^$' -bench . -benchtime 2000x -trimpath -memprofile ../new.mem.pprof)
(cd new && LEAKDIFF_PROFILES=../profiles go test -run TestLeakProfiles -count 1 -trimpath)
# --- end of the recipe's Go steps ---

for f in base.mem.pprof new.mem.pprof profiles/*; do
    if gzip -dc "$f" | grep -a -q -e /root -e /work -e pyenv -e /usr/lib/go -e /usr/share/go -e /tmp -e /home; then
        echo "$f: names a path of this machine" >&2
        exit 1
    fi
done
ls -l base.mem.pprof new.mem.pprof profiles/
