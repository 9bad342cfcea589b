# upload-lib.sh — shared by the upload-*.sh tests (sourced, not a test).
# Runs the real receiver on a free loopback port and the real queue on disk
# in a private temporary directory; everything is stopped on exit.
set -euo pipefail

: "${KS_RECEIVER:?path to kiosk-receiver}"
: "${KS_UPLOAD_DRIVER:?path to kiosk-upload-driver}"

WORK=$(mktemp -d /tmp/ks-upload-XXXXXX)
RECEIVER_PID=""
cleanup() {
    if [ -n "$RECEIVER_PID" ]; then kill "$RECEIVER_PID" 2>/dev/null || true; wait "$RECEIVER_PID" 2>/dev/null || true; fi
    [ -n "${KS_KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "-- $*" >&2; }

export KIOSK_QUEUE_DB="$WORK/queue.db"
export KIOSK_KEY_FILE="$WORK/queue.key"
export KIOSK_ID="test-kiosk"
export KIOSK_UPLOAD_BACKOFF_BASE_MS=200
export KIOSK_UPLOAD_BACKOFF_CAP_MS=1000
export KIOSK_UPLOAD_TIMEOUT_MS=3000
( umask 077; printf '1 %s\n' "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" > "$KIOSK_KEY_FILE" )

# start_receiver ARGS... : runs kiosk-receiver --listen 127.0.0.1:0 ARGS, sets PORT.
start_receiver() {
    rm -f "$WORK/port"
    "$KS_RECEIVER" --listen 127.0.0.1:0 --port-file "$WORK/port" "$@" 2>>"$WORK/receiver.log" &
    RECEIVER_PID=$!
    for _ in $(seq 100); do
        [ -s "$WORK/port" ] && break
        kill -0 "$RECEIVER_PID" 2>/dev/null || fail "receiver did not start: $(cat "$WORK/receiver.log")"
        sleep 0.05
    done
    [ -s "$WORK/port" ] || fail "receiver did not report its port"
    PORT=$(cat "$WORK/port")
}

stop_receiver() {
    if [ -n "$RECEIVER_PID" ]; then kill "$RECEIVER_PID"; wait "$RECEIVER_PID" 2>/dev/null || true; RECEIVER_PID=""; fi
}

# json_field JSON NAME : the integer value of NAME.
json_field() { jq -r ".$2" <<<"$1"; }

queue_status() { "$KS_UPLOAD_DRIVER" status; }
receiver_count() { "$KS_RECEIVER" --db "$1" --count --json; }
