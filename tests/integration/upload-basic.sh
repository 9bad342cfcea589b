#!/usr/bin/env bash
# upload-basic: records reach the receiver once each and leave the queue;
# sending them again (after the queue is rebuilt) only adds duplicates.
. "$(dirname "$0")/upload-lib.sh"

"$KS_UPLOAD_DRIVER" enqueue 250
start_receiver --insecure-http --db "$WORK/recv.db"
export KIOSK_UPLOAD_URL="http://127.0.0.1:$PORT"
export KIOSK_UPLOAD_BATCH_RECORDS=50

"$KS_UPLOAD_DRIVER" drain --until-empty --max-seconds 60 || fail "drain did not empty the queue"
st=$(queue_status)
[ "$(json_field "$st" acknowledged)" = 250 ] || fail "queue: $st"
[ "$(json_field "$st" pending)" = 0 ] || fail "queue: $st"
rc=$(receiver_count "$WORK/recv.db")
[ "$(json_field "$rc" unique)" = 250 ] || fail "receiver: $rc"
[ "$(json_field "$rc" duplicates_stored)" = 0 ] || fail "receiver: $rc"
[ "$(json_field "$rc" received_requests)" = 5 ] || fail "expected 5 batches of 50: $rc"

# Nothing due: a second drain sends nothing.
"$KS_UPLOAD_DRIVER" drain 2>"$WORK/drain2.log"
grep -q "sent 0," "$WORK/drain2.log" || fail "second drain sent something: $(cat "$WORK/drain2.log")"

# Plain http to a non-loopback address is refused before any record moves.
"$KS_UPLOAD_DRIVER" enqueue 1
if KIOSK_UPLOAD_URL="http://192.0.2.1:80" "$KS_UPLOAD_DRIVER" drain 2>"$WORK/drain3.log"; then
    fail "plain http to a non-loopback address was accepted"
fi
grep -q "loopback" "$WORK/drain3.log" || fail "unclear refusal: $(cat "$WORK/drain3.log")"
[ "$(json_field "$(queue_status)" pending)" = 1 ] || fail "record moved despite the refusal"
echo "upload-basic: ok"
