#!/usr/bin/env bash
# upload-crash: 1000 records (more if they drain before the kills are
# done), a receiver that fails 30% of requests (500s,
# 503s, delays, dropped connections before and after storing, partial
# answers) and an uploader SIGKILLed at random moments at least 20 times,
# restarted each time. In the end the receiver holds every record exactly
# once and the queue is empty.
. "$(dirname "$0")/upload-lib.sh"

N=${KS_CRASH_RECORDS:-1000}
MIN_KILLS=${KS_CRASH_KILLS:-20}
export KIOSK_UPLOAD_BATCH_RECORDS=10
export KIOSK_UPLOAD_BACKOFF_BASE_MS=100
export KIOSK_UPLOAD_BACKOFF_CAP_MS=1000
export KIOSK_UPLOAD_TIMEOUT_MS=1000   # some injected delays become timeouts

"$KS_UPLOAD_DRIVER" enqueue "$N"
start_receiver --insecure-http --db "$WORK/recv.db" --fault-rate 0.3 --seed "${KS_CRASH_SEED:-$RANDOM}"
export KIOSK_UPLOAD_URL="http://127.0.0.1:$PORT"

kills=0 runs=0
deadline=$(( $(date +%s) + 240 ))
while :; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "not drained in time after $kills kills"
    runs=$((runs + 1))
    "$KS_UPLOAD_DRIVER" drain --until-empty --max-seconds 60 2>>"$WORK/drain.log" &
    pid=$!
    if [ "$kills" -lt "$MIN_KILLS" ]; then
        # 20..400 ms: early kills land in start-up and recovery, later ones
        # between the POST and the acknowledgement.
        sleep "0.$(printf '%03d' $(( 20 + RANDOM % 380 )))"
        kill -9 "$pid" 2>/dev/null || true
        status=0
        wait "$pid" 2>/dev/null || status=$?
        if [ "$status" = 137 ]; then   # it was still running: a real kill
            kills=$((kills + 1))
            continue
        fi
    else
        status=0
        wait "$pid" || status=$?
    fi
    if [ "$status" = 0 ]; then
        st=$(queue_status)
        if [ "$(json_field "$st" pending)" = 0 ] && [ "$(json_field "$st" in_flight)" = 0 ]; then
            [ "$kills" -ge "$MIN_KILLS" ] && break
            # A fast machine drains before enough kills landed: more records
            # (all must still arrive exactly once) and keep killing.
            "$KS_UPLOAD_DRIVER" enqueue 500
            N=$((N + 500))
        fi
    fi
done

st=$(queue_status)
rc=$(receiver_count "$WORK/recv.db")
echo "upload-crash: $runs runs, $kills SIGKILLs; queue $st; receiver $rc"
[ "$(json_field "$rc" unique)" = "$N" ] || fail "receiver holds $(json_field "$rc" unique) of $N"
[ "$(json_field "$rc" duplicates_stored)" = 0 ] || fail "a record was stored twice: $rc"
[ "$(json_field "$st" acknowledged)" = "$N" ] || fail "queue: $st"
[ "$(json_field "$st" dead_letter)" = 0 ] || fail "queue: $st"
echo "upload-crash: ok"
