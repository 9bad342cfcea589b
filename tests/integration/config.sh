#!/usr/bin/env bash
# config.sh — kioskctl takes its settings from the configuration file
# ($KIOSK_CONFIG), the environment overrides the file one value at a time,
# and a file with an unknown setting or a malformed line is refused.
set -euo pipefail
: "${KS_KIOSKCTL:?}"
T=$(mktemp -d /tmp/ks-config.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
unset KIOSK_QUEUE_DB KS_QUEUE_DB KIOSK_KEY_FILE KIOSK_SIGNING_KEY

cat >"$T/kiosk.conf" <<CONF
# a kiosk at a commune office
[kiosk]
id = KIOSK-TEST-01

[queue]
db = $T/from-file.db
key_file = $T/queue.key
CONF
export KIOSK_CONFIG="$T/kiosk.conf"
"$KS_KIOSKCTL" queue keygen >/dev/null
"$KS_KIOSKCTL" queue enqueue-sample 3 >/dev/null 2>&1
[ -f "$T/from-file.db" ] || fail "the queue database is not where the file says"
[ "$("$KS_KIOSKCTL" queue status --json | jq .pending)" = 3 ] || fail "status through the file"
echo "ok: settings come from the configuration file"

KIOSK_QUEUE_DB="$T/from-env.db" "$KS_KIOSKCTL" queue enqueue-sample 1 >/dev/null 2>&1
[ "$(KIOSK_QUEUE_DB="$T/from-env.db" "$KS_KIOSKCTL" queue status --json | jq .pending)" = 1 ] ||
  fail "the environment did not override the file"
[ "$("$KS_KIOSKCTL" queue status --json | jq .pending)" = 3 ] || fail "the file's queue changed"
echo "ok: the environment overrides the file"

printf '[queue]\ndatabase = x\n' >"$T/unknown.conf"
set +e
KIOSK_CONFIG="$T/unknown.conf" "$KS_KIOSKCTL" queue status 2>"$T/err"
rc=$?
set -e
[ $rc -eq 2 ] && grep -q "unknown setting \[queue\] database" "$T/err" || fail "unknown setting accepted (rc $rc)"
printf '[queue]\nthis line has no equals sign\n' >"$T/bad.conf"
set +e
KIOSK_CONFIG="$T/bad.conf" "$KS_KIOSKCTL" queue status 2>"$T/err"
rc=$?
set -e
[ $rc -eq 2 ] && grep -q "line 2" "$T/err" || fail "malformed line accepted (rc $rc)"
echo "ok: an unknown setting or a malformed line is refused, naming it"
