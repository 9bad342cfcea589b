#!/usr/bin/env bash
# store-full-disk.sh — the queue on a really full filesystem: a 1 MiB tmpfs
# in a private mount namespace. Enqueueing stops with a clear "disk is full"
# error, every record reported stored is still there, the database passes
# integrity_check, and enqueueing again fails the same clean way.
#
# Environment: KS_QUEUE_BIN. Needs root (mount namespace + tmpfs).
set -euo pipefail
: "${KS_QUEUE_BIN:?}"

if [ -z "${KS_INSIDE_NS:-}" ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "store-full-disk: needs root" >&2; exit 77; fi
  export KS_INSIDE_NS=1
  exec unshare --mount --propagation private "$0" "$@"
fi

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
q() { "$KS_QUEUE_BIN" queue "$@"; }

T=$(mktemp -d /tmp/ks-store-full.XXXXXX)
trap 'umount "$T/disk" 2>/dev/null || true; rm -rf "$T"' EXIT
mkdir "$T/disk" "$T/keys"
mount -t tmpfs -o size=1M,mode=0700 tmpfs "$T/disk"
export KIOSK_QUEUE_DB="$T/disk/queue.db" KIOSK_KEY_FILE="$T/keys/store.key"
unset KS_QUEUE_DB KIOSK_SIGNING_KEY
q keygen >/dev/null

# Far more than fits in 1 MiB (each record is ~1 KiB sealed).
if q enqueue-sample 100000 >"$T/out" 2>"$T/err"; then fail "a 1 MiB disk took 100000 records"; fi
accepted=$(sed -n 's/^\([0-9]*\) record(s) enqueued.*/\1/p' "$T/out")
[ -n "$accepted" ] && [ "$accepted" -gt 10 ] || fail "too few accepted: $(cat "$T/out")"
grep -q "disk is full" "$T/err" || fail "unclear error: $(cat "$T/err")"
pass "refused with a clear error after $accepted records"

pending=$(q status --json | jq .pending)
[ "$pending" = "$accepted" ] || fail "accepted $accepted but $pending pending"
[ "$(sqlite3 "file:$KIOSK_QUEUE_DB?mode=ro" 'PRAGMA integrity_check')" = ok ] || fail "integrity"
pass "nothing accepted was lost; integrity ok"

if q enqueue-sample 5 >"$T/out" 2>"$T/err"; then
  n=$(sed -n 's/^\([0-9]*\) record.*/\1/p' "$T/out")
  [ "$n" -lt 5 ] || fail "a full disk took 5 more records"
fi
[ "$(q status --json | jq .pending)" -ge "$accepted" ] || fail "records lost on retry"
pass "a second attempt fails the same clean way"
echo "store-full-disk: all passed"
