#!/usr/bin/env bash
# tools/run-demo as CI runs it: the whole product on simulated hardware must
# print a genuine, face-matched, live, uploaded record on its last line.
set -euo pipefail
out=$(mktemp)
trap 'rm -f "$out"' EXIT
KS_BUILD=$KS_BUILD_DIR "$KS_SOURCE_DIR/tools/run-demo" >"$out" 2>&1 || { cat "$out" >&2; echo "FAIL: run-demo exited non-zero" >&2; exit 1; }
cat "$out"
tail -n 1 "$out" | jq -e '.verdict == "genuine" and .face_match == "match" and .liveness == "live"
                         and .uploaded == true and (.record_id | test("^[0-9A-HJKMNP-TV-Z]{26}$"))' >/dev/null ||
  { echo "FAIL: the last line is not a genuine, matched, live, uploaded record" >&2; exit 1; }
echo "PASS: run-demo"
