#!/usr/bin/env bash
# store-cli.sh — `kioskctl queue` against a real SQLite queue on disk:
# key generation, synthetic records, status/list without personal data,
# dead-letter retry, purge, key rotation with rekey, key-file refusals.
#
# Environment: KS_QUEUE_BIN (kioskctl).
set -euo pipefail
: "${KS_QUEUE_BIN:?}"

T=$(mktemp -d /tmp/ks-store-cli.XXXXXX)
trap '[ -n "${KS_KEEP:-}" ] || rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
q() { "$KS_QUEUE_BIN" queue "$@"; }
export KIOSK_QUEUE_DB="$T/queue.db" KIOSK_KEY_FILE="$T/store.key"
unset KS_QUEUE_DB KIOSK_SIGNING_KEY

# Inspecting a queue that does not exist creates nothing.
if q status 2>"$T/err"; then fail "status on a missing queue succeeded"; fi
grep -q "no queue database" "$T/err" || fail "unclear error: $(cat "$T/err")"
[ ! -e "$KIOSK_QUEUE_DB" ] || fail "status created a database"
pass "missing queue reported"

# No key file: a clear refusal, and nothing written.
if q enqueue-sample 1 2>"$T/err"; then fail "enqueue without key file succeeded"; fi
grep -q "does not exist" "$T/err" || fail "unclear error: $(cat "$T/err")"
pass "missing key file reported"

q keygen >/dev/null
[ "$(stat -c %a "$KIOSK_KEY_FILE")" = 600 ] || fail "key file not 0600"
chmod 0640 "$KIOSK_KEY_FILE"
if q enqueue-sample 1 2>"$T/err"; then fail "group-readable key file accepted"; fi
grep -q "must be 0600" "$T/err" || fail "unclear error: $(cat "$T/err")"
chmod 0600 "$KIOSK_KEY_FILE"
pass "key file mode enforced"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/sign.pem" 2>/dev/null
chmod 0600 "$T/sign.pem"
q enqueue-sample 25 --purpose lodging --sign-key "$T/sign.pem" >"$T/out"
grep -q "^25 record(s) enqueued" "$T/out" || fail "enqueue-sample: $(cat "$T/out")"
q status --json >"$T/status.json"
[ "$(jq .pending "$T/status.json")" = 25 ] || fail "status: $(cat "$T/status.json")"
for k in pending in_flight acknowledged dead_letter oldest_pending_age_s; do
  jq -e "has(\"$k\")" "$T/status.json" >/dev/null || fail "status lacks $k"
done
pass "status --json"

# Listings carry ids, states and counters only: plain ASCII, no names.
q list >"$T/list.txt"
q list --json >"$T/list.json"
[ "$(jq length "$T/list.json")" = 25 ] || fail "list --json count"
[ "$(jq -r '.[0].state' "$T/list.json")" = pending ] || fail "list state"
if LC_ALL=C grep -q -P '[^\x00-\x7F]' "$T/list.txt" "$T/list.json"; then
  fail "listing holds non-ASCII text (personal data?)"
fi
if grep -qiE 'Nguyễn|Đường|full_name|id_number' "$T/list.txt" "$T/list.json"; then
  fail "listing holds personal data"
fi
pass "list without personal data"

# Dead letters (made by hand here; the uploader makes them) go back on retry.
id=$(jq -r '.[0].id' "$T/list.json")
sqlite3 "$KIOSK_QUEUE_DB" "UPDATE records SET state = 3, last_error = 'HTTP 422' WHERE id IN (SELECT id FROM records LIMIT 3);"
[ "$(q status --json | jq .dead_letter)" = 3 ] || fail "dead letters not counted"
q list --state dead_letter | grep -q "HTTP 422" || fail "dead-letter reason not listed"
q retry "$id" | grep -q "^1 record" || fail "retry ID"
q retry | grep -q "^2 record" || fail "retry all"
[ "$(q status --json | jq .dead_letter)" = 0 ] || fail "dead letters remain"
if q retry NOT-AN-ID 2>/dev/null; then fail "bad id accepted"; fi
pass "retry"

# Purge removes acknowledged rows past the retention only.
sqlite3 "$KIOSK_QUEUE_DB" "UPDATE records SET state = 2, payload = NULL, key_id = 0, csize = 0, updated_at = 1000 WHERE id IN (SELECT id FROM records LIMIT 5);"
q purge | grep -q "^5 acknowledged" || fail "purge"
[ "$(q status --json | jq .acknowledged)" = 0 ] || fail "purge left rows"
pass "purge"

# Rotation: a second key encrypts, rekey moves every record to it, and the
# old key can then leave the file.
q keygen | grep -q "key id 2" || fail "second key"
q enqueue-sample 5 --sign-key "$T/sign.pem" >/dev/null
[ "$(q list --json | jq '[.[] | select(.key_id == 1)] | length')" = 20 ] || fail "key 1 census"
q rekey | grep -q "^20 record" || fail "rekey"
[ "$(q list --json | jq '[.[] | select(.key_id == 1)] | length')" = 0 ] || fail "records left under key 1"
sed -i '/^1 /d' "$KIOSK_KEY_FILE"
q enqueue-sample 1 --sign-key "$T/sign.pem" >/dev/null || fail "store unusable without key 1"
[ "$(q status --json | jq .pending)" = 26 ] || fail "pending after rotation"
pass "key rotation and rekey"

# A wrong key is refused at once, naming the AES-GCM tag.
cp "$KIOSK_KEY_FILE" "$T/good.key"
printf '2 %064d\n' 0 >"$KIOSK_KEY_FILE"
if q enqueue-sample 1 2>"$T/err"; then fail "wrong key accepted"; fi
grep -q "AES-GCM tag" "$T/err" || fail "unclear error: $(cat "$T/err")"
cp "$T/good.key" "$KIOSK_KEY_FILE"
pass "wrong key refused"

[ "$(sqlite3 "$KIOSK_QUEUE_DB" 'PRAGMA integrity_check')" = ok ] || fail "integrity"
echo "store-cli: all passed"
