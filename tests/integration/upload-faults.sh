#!/usr/bin/env bash
# upload-faults: receiver down, Retry-After, a refused (4xx) batch and a
# partial acknowledgement each leave the queue in the documented state.
. "$(dirname "$0")/upload-lib.sh"

# next_attempt_at of every pending record, one per line
pending_next() { "$KS_UPLOAD_DRIVER" list | awk '$2 == "pending" { print $4 }'; }
# wait_due: until every pending record's next attempt has come (bounded), so
# the next drain sends them whatever the machine's load did to the clock.
wait_due() {
    local deadline=$((SECONDS + 30)) t latest
    while :; do
        latest=0
        for t in $(pending_next); do [ "$t" -gt "$latest" ] && latest=$t; done
        [ "$latest" -lt "$(date +%s)" ] && return 0
        [ $SECONDS -lt $deadline ] || fail "records still not due after 30 s"
        sleep 0.2
    done
}

note "receiver down: records stay pending, due in the future"
"$KS_UPLOAD_DRIVER" enqueue 5
start_receiver --insecure-http --db "$WORK/probe.db"
dead_port=$PORT
stop_receiver                      # nobody listens on that port any more
export KIOSK_UPLOAD_URL="http://127.0.0.1:$dead_port"
before=$(date +%s)
"$KS_UPLOAD_DRIVER" drain 2>"$WORK/down.log" || fail "drain failed: $(cat "$WORK/down.log")"
grep -q "unreachable" "$WORK/down.log" || fail "no clear error: $(cat "$WORK/down.log")"
st=$(queue_status)
[ "$(json_field "$st" pending)" = 5 ] || fail "after outage: $st"
for t in $(pending_next); do
    [ "$t" -gt "$before" ] || fail "next_attempt $t not in the future of $before"
done

note "Retry-After: 120 on a 503 pushes every record at least 120 s out"
wait_due                           # let the backoff above expire
start_receiver --insecure-http --db "$WORK/busy.db" --respond 503 --retry-after 120
export KIOSK_UPLOAD_URL="http://127.0.0.1:$PORT"
before=$(date +%s)
"$KS_UPLOAD_DRIVER" drain 2>"$WORK/busy.log"
grep -q "HTTP 503" "$WORK/busy.log" || fail "no 503 reported: $(cat "$WORK/busy.log")"
after=$(date +%s)
n=0
for t in $(pending_next); do
    n=$((n + 1))
    [ "$t" -ge $((before + 120)) ] && [ "$t" -le $((after + 121)) ] ||
        fail "next_attempt $t does not honour Retry-After 120 (sent at $before)"
done
[ "$n" = 5 ] || fail "expected 5 pending, saw $n"
stop_receiver

note "Retry-After as an HTTP date"
rm -f "$KIOSK_QUEUE_DB"*
"$KS_UPLOAD_DRIVER" enqueue 2
when=$(date -u -d "@$(( $(date +%s) + 300 ))" '+%a, %d %b %Y %H:%M:%S GMT')
start_receiver --insecure-http --db "$WORK/date.db" --respond 429 --retry-after "$when"
export KIOSK_UPLOAD_URL="http://127.0.0.1:$PORT"
before=$(date +%s)
"$KS_UPLOAD_DRIVER" drain 2>/dev/null
for t in $(pending_next); do
    [ "$t" -ge $((before + 295)) ] && [ "$t" -le $((before + 302)) ] ||
        fail "next_attempt $t does not honour Retry-After '$when'"
done
stop_receiver

note "4xx: the batch goes to dead letter with the reason"
rm -f "$KIOSK_QUEUE_DB"*
"$KS_UPLOAD_DRIVER" enqueue 3
start_receiver --insecure-http --db "$WORK/refuse.db" --respond 422
export KIOSK_UPLOAD_URL="http://127.0.0.1:$PORT"
"$KS_UPLOAD_DRIVER" drain 2>/dev/null
st=$(queue_status)
[ "$(json_field "$st" dead_letter)" = 3 ] || fail "after 422: $st"
[ "$(json_field "$st" pending)" = 0 ] || fail "after 422: $st"
"$KS_UPLOAD_DRIVER" list | grep -q "dead_letter 1 .*HTTP 422: status forced by --respond" ||
    fail "reason not stored: $("$KS_UPLOAD_DRIVER" list)"
stop_receiver

note "partial acknowledgement: only acknowledged records leave the queue"
rm -f "$KIOSK_QUEUE_DB"*
"$KS_UPLOAD_DRIVER" enqueue 10
start_receiver --insecure-http --db "$WORK/partial.db" --fault-rate 1 --faults partial
export KIOSK_UPLOAD_URL="http://127.0.0.1:$PORT"
"$KS_UPLOAD_DRIVER" drain 2>/dev/null
st=$(queue_status)
rc=$(receiver_count "$WORK/partial.db")
[ "$(json_field "$rc" unique)" = 5 ] || fail "receiver: $rc"
[ "$(json_field "$st" acknowledged)" = 5 ] || fail "queue: $st"
[ "$(json_field "$st" pending)" = 5 ] || fail "queue: $st"
"$KS_UPLOAD_DRIVER" list | awk '$2 == "pending"' | grep -c "partial acknowledgement" | grep -qx 5 ||
    fail "retry reason missing: $("$KS_UPLOAD_DRIVER" list)"
stop_receiver

note "partial answers, then a healthy receiver: every record arrives once"
rm -f "$KIOSK_QUEUE_DB"*
"$KS_UPLOAD_DRIVER" enqueue 4
start_receiver --insecure-http --db "$WORK/mixed.db" --fault-rate 1 --faults partial
export KIOSK_UPLOAD_URL="http://127.0.0.1:$PORT"
# The partial receiver answers retry for the odd half; a healthy one takes the rest.
"$KS_UPLOAD_DRIVER" drain 2>/dev/null
stop_receiver
wait_due
start_receiver --insecure-http --db "$WORK/mixed.db"
export KIOSK_UPLOAD_URL="http://127.0.0.1:$PORT"
"$KS_UPLOAD_DRIVER" drain --until-empty --max-seconds 20 2>/dev/null || fail "did not finish"
rc=$(receiver_count "$WORK/mixed.db")
[ "$(json_field "$rc" unique)" = 4 ] || fail "receiver: $rc"
[ "$(json_field "$(queue_status)" acknowledged)" = 4 ] || fail "queue: $(queue_status)"
echo "upload-faults: ok"
