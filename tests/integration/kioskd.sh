#!/usr/bin/env bash
# kioskd end to end on simulated hardware (tools/lib/kiosk-sim.sh): a real
# pcscd with the card emulator in vpcd, the QR scanner module emulator on a
# pty, frames of a simulated citizen as the camera, the reference receiver
# over HTTPS, and kioskd's local API.
#
#   kioskd.sh session|clinic|driving-test|lodging|faults|restart|two-readers|
#             systemd|firmware
# firmware: the reader is our firmware (the native board, a Linux process on
# ptys) with the emulated PN532 holding the card and the emulated scanner
# module; pcscd drives it with libccidtwin and kioskd gets the QR code over
# the firmware's vendor channel.
#
# Environment (from CTest): KS_SOURCE_DIR, KS_BUILD_DIR.
set -euo pipefail
scenario=${1:?scenario}
root=$KS_SOURCE_DIR
export SIM_ROOT=$root SIM_BIN=$KS_BUILD_DIR
export SIM_MODELS=$("$root/tools/fetch-models") SIM_SAMPLES=$("$root/tools/fetch-samples")
. "$root/tools/lib/kiosk-sim.sh"

T=$(mktemp -d /tmp/ks-kioskd.XXXXXX)
export T
trap 'sim_stop; [ -n "${KS_KEEP:-}" ] || rm -rf "$T"' EXIT
fail() { echo "FAIL [$scenario]: $*" >&2; tail -n 15 "$SIM_WORK/kioskd.log" >&2 2>/dev/null || true; exit 1; }
pass() { echo "PASS [$scenario]: $*"; }

export SIM_FRAMES="$T/frames"
sim_make_frames "$T/frames" >/dev/null
case $scenario in
  clinic) export SIM_MODE=clinic ;;
  driving-test) export SIM_MODE=driving-test ;;
  lodging) export SIM_MODE=lodging ;;
esac
fw_pids=()
if [ "$scenario" = firmware ]; then
  # Short APDUs only through a serial CCID reader: an ECDSA AA key.
  export SIM_CARD_ARGS="--aa ecdsa" SIM_QR_VENDOR="$T/vendor-tty" SIM_READERS="Kiosk Reader 0 00 00"
fi
sim_prepare "$T/kiosk"
pcscd_args=()
if [ "$scenario" = firmware ]; then
  "$SIM_BIN/tools/pn532emu/kiosk-pn532emu" --card "$SIM_WORK/card" --pty-link "$T/nfc" 2>"$T/pn532emu.log" &
  fw_pids+=($!)
  "$SIM_BIN/tools/qremu/kiosk-qremu" --pty-link "$T/qr" --text-file "$SIM_WORK/qr.txt" 2>"$T/qremu.log" &
  fw_pids+=($!)
  for _ in $(seq 100); do [ -e "$T/nfc" ] && [ -e "$T/qr" ] && break; sleep 0.05; done
  "$SIM_BIN/firmware/kiosk-reader-native" --uart nfc="$T/nfc" --uart qr="$T/qr" --pty-file "$T/ptys" \
    2>"$T/native.err" &
  fw_pids+=($!)
  for _ in $(seq 100); do [ -s "$T/ptys" ] && break; sleep 0.05; done
  [ -s "$T/ptys" ] || fail "the native firmware did not start: $(cat "$T/native.err")"
  ln -s "$(awk '$1=="vendor"{print $2}' "$T/ptys")" "$T/vendor-tty"
  debug_tty=$(awk '$1=="debug"{print $2}' "$T/ptys")
  stty -F "$debug_tty" raw -echo
  cat "$debug_tty" >"$T/debug.log" 2>/dev/null &   # drained, so the firmware never waits
  fw_pids+=($!)
  pcscd_args=(--serial "$(awk '$1=="host"{print $2}' "$T/ptys")")
fi
# The firmware's processes go first: sim_stop waits for every child.
trap 'for p in "${fw_pids[@]}"; do kill "$p" 2>/dev/null || true; done; sim_stop; [ -n "${KS_KEEP:-}" ] || rm -rf "$T"' EXIT
export -f $(compgen -A function | grep '^sim_')
export SIM_BIN SIM_ROOT SIM_MODELS SIM_SAMPLES SIM_FRAMES SIM_WORK scenario

# The rest runs beside its own pcscd.
inside() {
  set -euo pipefail
  fail() { echo "FAIL [$scenario]: $*" >&2; tail -n 15 "$SIM_WORK/kioskd.log" >&2 2>/dev/null || true; exit 1; }
  pass() { echo "PASS [$scenario]: $*"; }
  trap sim_stop EXIT
  status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }

  # One full session, consenting; the done state goes to $T/done.json.
  # (Not called in $(...): the card emulator it starts must stay ours.)
  full_session() {
    sim_place_card "$@"
    sim_wait_state consent 120 >/dev/null || fail "no consent step"
    sim_consent true >/dev/null
    sim_wait_state done 30 >"$T/done.json" || fail "no done state"
  }
  # A session must end failed with CODE; the next citizen is then served.
  expect_failure() {
    local code=$1 got
    got=$(sim_wait_state failed 90) || fail "no failed state (expected $code)"
    [ "$(jq -r .error.code <<<"$got")" = "$code" ] || fail "failed with $(jq -c .error <<<"$got"), expected $code"
    sim_wait_state waiting 30 >/dev/null || fail "did not return to waiting after $code"
  }
  uploaded_count() { sim_api "$SIM_API/api/v1/queue" | jq -r .acknowledged; }

  case $scenario in
  session)
    sim_receiver_start
    sim_kioskd_start || fail "kioskd did not start"
    full_session
    done=$(cat "$T/done.json")
    # The order of states a citizen goes through, as the event stream told it.
    order=$(sim_states | jq -r .state | uniq | tr '\n' ' ')
    [[ "$order" == "waiting reading face liveness consent storing done "* ]] ||
      fail "state order: $order"
    [ "$(jq -r .outcome.verdict <<<"$done")" = genuine ] || fail "verdict: $done"
    [ "$(jq -r .outcome.face_match <<<"$done")" = match ] || fail "face: $done"
    [ "$(jq -r .outcome.liveness <<<"$done")" = live ] || fail "liveness: $done"
    rid=$(jq -r .outcome.record_id <<<"$done")
    jq -e '.outcome.handoff.portal_url | endswith("record='"$rid"'")' <<<"$done" >/dev/null ||
      fail "kiosk hand-off: $(jq -c .outcome.handoff <<<"$done")"
    # After the snapshot (one event per reader), seq rises by one per event.
    n=$(sim_api "$SIM_API/api/v1/sessions" | jq length)
    sed -n 's/^data: //p' "$SIM_WORK/events" |
      jq -s -e --argjson n "$n" '[.[$n:][].seq] | . as $s | [range(1; length)] | all($s[.] == $s[. - 1] + 1)' >/dev/null ||
      fail "event seq does not rise by one"
    for _ in $(seq 50); do [ "$(uploaded_count)" = 1 ] && break; sleep 0.2; done
    [ "$(uploaded_count)" = 1 ] || fail "record not acknowledged by the receiver"
    [ "$("$SIM_BIN/tools/kiosk-receiver/kiosk-receiver" --db "$SIM_WORK/receiver.db" --count --json | jq .unique)" = 1 ] ||
      fail "receiver does not hold the record"
    # The latest record: signed, minimised for the kiosk purpose.
    sim_api "$SIM_API/api/v1/records/latest" >"$T/rec.json"
    jq -e --arg id "$rid" '.record_id == $id and .purpose == "kiosk" and .schema == "kiosk-record/1"
        and (.holder | keys == ["date_of_birth","full_name","id_number"])
        and .face.match == "match" and .face.liveness == "live" and .signature.alg == "ES256"' \
        "$T/rec.json" >/dev/null || fail "latest record: $(jq -c 'del(.holder)' "$T/rec.json")"
    # Authentication: no token, a wrong token, the screen's token.
    [ "$(status_of "$SIM_API/api/v1/sessions")" = 401 ] || fail "no token accepted"
    [ "$(status_of -H "Authorization: Bearer nope" "$SIM_API/api/v1/sessions")" = 401 ] || fail "wrong token accepted"
    screen=$(curl -s "$SIM_API/" | grep -o 'name="kiosk-token"[^>]*' | grep -o '[0-9a-f]\{32,\}' | head -n 1)
    [ -n "$screen" ] || fail "no screen token in the page"
    [ "$(status_of -H "Authorization: Bearer $screen" "$SIM_API/api/v1/sessions")" = 200 ] || fail "screen cannot read sessions"
    for p in records/latest records/latest/fhir queue roster; do
      [ "$(status_of -H "Authorization: Bearer $screen" "$SIM_API/api/v1/$p")" = 403 ] || fail "screen may read $p"
    done
    [ "$(status_of -H "Authorization: Bearer $screen" "$SIM_API/metrics")" = 403 ] || fail "screen may read metrics"
    # Health and metrics.
    sim_api "$SIM_API/api/v1/health" | jq -e '.status == "ok" and .receiver == "ok" and .camera == "frames"' >/dev/null ||
      fail "health: $(sim_api "$SIM_API/api/v1/health")"
    sim_api "$SIM_API/metrics" >"$T/metrics"
    grep -q '^kiosk_sessions_total{outcome="done"} 1$' "$T/metrics" || fail "metrics: sessions"
    grep -q '^kiosk_verdicts_total{verdict="genuine"} 1$' "$T/metrics" || fail "metrics: verdicts"
    grep -q '^kiosk_stage_seconds_count{stage="liveness"} 1$' "$T/metrics" || fail "metrics: stages"
    grep -q '^kiosk_queue_records{state="acknowledged"} 1$' "$T/metrics" || fail "metrics: queue"
    # Nothing personal in the log or the events.
    qr=$(cat "$SIM_WORK/qr.txt")
    IFS='|' read -r idno _ name dob _ <<<"$qr"
    for v in "$idno" "$name" "$dob"; do
      ! grep -qF "$v" "$SIM_WORK/kioskd.log" || fail "the log holds personal data"
      ! grep -qF "$v" "$SIM_WORK/events" || fail "the events hold personal data"
    done
    pass "a citizen end to end: $order; uploaded; latest record minimised; 401/403; metrics; no personal data in log or events"
    ;;
  clinic|lodging)
    sim_receiver_start
    sim_kioskd_start || fail "kioskd did not start"
    full_session
    if [ "$scenario" = clinic ]; then
      ctype=$(curl -s -o "$T/patient.json" -w '%{content_type}' -H "Authorization: Bearer $SIM_TOKEN" \
        "$SIM_API/api/v1/records/latest/fhir")
      [[ "$ctype" == application/fhir+json* ]] || fail "FHIR content type: $ctype"
      # The R4 rules for the fields used (hostd/modes/fhir.h).
      jq -e '
        .resourceType == "Patient"
        and (.identifier | length == 1)
        and (.identifier[0].system | test("^[a-z][a-z0-9+.-]*:[^ ]+$"))
        and (.identifier[0].value | test("^[0-9]{12}$"))
        and (.identifier[0].type.coding[0].code == "NI")
        and (.name[0].family | length > 0) and (.name[0].given | length > 0)
        and (.name[0].text == ((.name[0].family) + " " + (.name[0].given | join(" "))))
        and (.birthDate | test("^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$"))
        and (.gender | IN("male","female","other","unknown"))
        and (.address[0].text | length > 0)
        and ([.. | select(. == null)] | length == 0)' "$T/patient.json" >/dev/null ||
        fail "FHIR Patient: $(jq -c '{resourceType, gender, birthDate}' "$T/patient.json")"
      pass "clinic: the verified identity as an R4 Patient (application/fhir+json)"
    else
      sim_api "$SIM_API/api/v1/records/latest/guest" >"$T/guest.json"
      jq -e '.document_type == "cccd" and (.id_number | test("^[0-9]{12}$")) and (.full_name | length > 0)
             and .verification.verdict == "genuine" and .verification.face_match == "match"
             and (.record_id | length == 26)' "$T/guest.json" >/dev/null ||
        fail "guest declaration: $(jq -c 'keys' "$T/guest.json")"
      pass "lodging: the guest declaration for the front desk"
    fi
    ;;
  driving-test)
    sim_receiver_start
    sim_kioskd_start || fail "kioskd did not start"
    idno=$(cut -d'|' -f1 "$SIM_WORK/qr.txt")
    printf 'candidate_id,id_number,full_name,exam_session\r\nC-001,%s,Thí sinh một,B2-sáng\r\nC-002,079204012345,Thí sinh hai,B2-sáng\r\n' \
      "$idno" >"$T/roster.csv"
    sim_api -X PUT -H 'Content-Type: text/csv' --data-binary @"$T/roster.csv" "$SIM_API/api/v1/roster" |
      jq -e '.candidates == 2' >/dev/null || fail "roster import"
    sim_api -X POST -H 'Content-Type: application/json' -d "{\"reader\":\"$SIM_READER\",\"candidate_id\":\"C-001\"}" \
      "$SIM_API/api/v1/sessions" >/dev/null || fail "arming the reader"
    full_session
    done=$(cat "$T/done.json")
    [ "$(jq -r .outcome.handoff.status <<<"$done")" = checked_in ] || fail "hand-off: $(jq -c .outcome.handoff <<<"$done")"
    sim_api "$SIM_API/api/v1/roster/results.csv" >"$T/results.csv"
    grep -q '^C-001,.*checked_in' "$T/results.csv" || fail "results: C-001 not checked in"
    sim_api "$SIM_API/api/v1/roster" | jq -e '[.. | objects | select(.candidate_id? == "C-001")] | length == 1' \
      >/dev/null || fail "roster JSON: $(sim_api "$SIM_API/api/v1/roster" | jq -c 'del(.. | .full_name?, .id_number?, .date_of_birth?)')"
    grep -q '^C-002,' "$T/results.csv" && ! grep -q '^C-002,.*checked_in' "$T/results.csv" ||
      fail "results: C-002 should not be checked in"
    pass "driving test: roster imported, candidate checked in by card and face, results exported"
    ;;
  faults)
    # The receiver is down at first: the kiosk still serves citizens and
    # keeps their records until it is back.
    SIM_RECEIVER_PORT=$(( 45000 + RANDOM % 5000 ))
    export KIOSK_UPLOAD_URL="https://127.0.0.1:$SIM_RECEIVER_PORT"
    sim_kioskd_start || fail "kioskd did not start"

    # 1. card pulled during the chip read
    sim_place_card --fault remove-after=6
    expect_failure card_removed
    # 2. during the face step or the liveness challenge
    sim_place_card
    sim_wait_state liveness 90 >/dev/null || fail "no liveness step"
    sim_remove_card
    expect_failure card_removed
    # 3. while consent is asked
    sim_place_card
    sim_wait_state consent 120 >/dev/null || fail "no consent step"
    sim_remove_card
    expect_failure card_removed
    # 4. the citizen declines: nothing is stored
    sim_place_card
    sim_wait_state consent 120 >/dev/null || fail "no consent step"
    sim_consent false >/dev/null
    expect_failure consent_refused
    sim_remove_card
    [ "$(sim_api "$SIM_API/api/v1/queue" | jq .pending)" = 0 ] || fail "a declined session stored a record"
    # 5. cancelled from the screen
    sim_place_card
    sim_wait_state liveness 90 >/dev/null || fail "no liveness step"
    id=$(sim_states | tail -n 1 | jq -r .session)
    sim_api "$SIM_API/api/v1/sessions/$id" | jq -e --arg id "$id" '.session == $id and .state == "liveness"' \
      >/dev/null || fail "GET sessions/{id}"
    sim_api -X POST "$SIM_API/api/v1/sessions/$id/cancel" >/dev/null
    expect_failure cancelled
    [ "$(status_of -H "Authorization: Bearer $SIM_TOKEN" "$SIM_API/api/v1/sessions/$id")" = 404 ] ||
      fail "a finished session is still found"
    [ "$(status_of -X POST -H "Authorization: Bearer $SIM_TOKEN" "$SIM_API/api/v1/sessions/$id/cancel")" = 404 ] ||
      fail "cancelling a finished session"
    sim_remove_card
    # 6. with the receiver down, a full session still ends done; the record waits
    full_session
    sim_remove_card
    sleep 1
    [ "$(sim_api "$SIM_API/api/v1/queue" | jq '.pending + .in_flight')" = 1 ] || fail "the record is not queued"
    sim_api "$SIM_API/api/v1/health" | jq -e '.receiver == "unreachable"' >/dev/null || fail "health does not say the receiver is down"
    sim_receiver_start
    for _ in $(seq 100); do [ "$(uploaded_count)" = 1 ] && break; sleep 0.2; done
    [ "$(uploaded_count)" = 1 ] || fail "the queued record was not uploaded once the receiver came back"
    # 7. the camera goes away during the liveness challenge
    sim_place_card
    sim_wait_state liveness 90 >/dev/null || fail "no liveness step"
    mv "$SIM_FRAMES" "$SIM_FRAMES.gone"
    expect_failure camera_unavailable
    mv "$SIM_FRAMES.gone" "$SIM_FRAMES"
    sim_remove_card
    pass "card pulled in reading, liveness and consent; declined; cancelled; receiver down then back; camera gone — each said what happened and the next citizen was served"
    ;;
  restart)
    # pcscd restarts under kioskd; the next citizen is served.
    sim_receiver_start
    sim_kioskd_start || fail "kioskd did not start"
    kill "$KS_PCSCD_PID"
    wait "$KS_PCSCD_PID" 2>/dev/null || true
    sleep 2
    pcscd -f -c "$KS_PCSCD_CONF" >>"$T/pcscd2.log" 2>&1 &
    sim_pids+=($!)
    for _ in $(seq 100); do [ -S /run/pcscd/pcscd.comm ] && break; sleep 0.05; done
    full_session --reconnect
    grep -q "retrying" "$SIM_WORK/kioskd.log" || fail "kioskd did not notice pcscd going away"
    pass "pcscd restarted under kioskd; the next citizen's session completed"
    ;;
  two-readers)
    # One session per reader, two at once: two cards on vpcd's two slots
    # (ports N and N+1). One camera: the face steps take turns.
    sim_receiver_start
    sim_kioskd_start || fail "kioskd did not start"
    readers=$(sim_api "$SIM_API/api/v1/sessions" | jq -r '.[].reader' | wc -l)
    [ "$readers" -ge 2 ] || fail "kioskd serves $readers reader(s)"
    sim_place_card
    "$SIM_BIN/tools/vcard/kiosk-vcard" --card "$SIM_WORK/card" --vpcd "127.0.0.1:$((KS_VPCD_PORT + 1))" \
      >/dev/null 2>>"$SIM_WORK/vcard2.log" &
    sim_pids+=($!)
    all() { sed -n 's/^data: //p' "$SIM_WORK/events" | jq -c 'select(.session != null)'; }
    consented=""
    end=$((SECONDS + 240))
    while [ $SECONDS -lt $end ]; do
      for id in $(all | jq -r 'select(.state == "consent") | .session' | sort -u); do
        case " $consented " in *" $id "*) continue ;; esac
        sim_api -X POST -H 'Content-Type: application/json' -d '{"accept":true,"text_version":"vi-2026-01"}' \
          "$SIM_API/api/v1/sessions/$id/consent" >/dev/null
        consented="$consented $id"
      done
      [ "$(all | jq -r 'select(.state == "done") | .reader' | sort -u | wc -l)" -ge 2 ] && break
      [ "$(all | jq -r 'select(.state == "failed")' | wc -l)" -eq 0 ] || fail "a session failed: $(all | jq -c 'select(.state == "failed") | .error')"
      sleep 0.3
    done
    [ "$(all | jq -r 'select(.state == "done") | .reader' | sort -u | wc -l)" -ge 2 ] || fail "not both readers finished"
    for _ in $(seq 50); do [ "$(uploaded_count)" = 2 ] && break; sleep 0.2; done
    [ "$(uploaded_count)" = 2 ] || fail "not both records uploaded"
    pass "two readers, two citizens at once: both verified, both records uploaded"
    ;;
  systemd)
    # sd_notify: READY=1 once serving, WATCHDOG=1 while the workers live,
    # STOPPING=1 and exit 0 on SIGTERM. A datagram socket stands in for systemd.
    python3 - "$T/notify.sock" >"$T/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    msg = s.recv(4096).decode()
    print(msg.replace("\n", " "), flush=True)
    if "STOPPING=1" in msg:
        break
PY
    listener=$!
    for _ in $(seq 50); do [ -S "$T/notify.sock" ] && break; sleep 0.1; done
    NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=1000000 sim_kioskd_start || fail "kioskd did not start"
    sleep 3
    kill -TERM "$SIM_KIOSKD_PID"
    rc=0
    wait "$SIM_KIOSKD_PID" || rc=$?
    wait "$listener" 2>/dev/null || true
    [ "$rc" = 0 ] || fail "kioskd exited $rc on SIGTERM"
    grep -q '^READY=1' "$T/notify.log" || fail "no READY=1: $(cat "$T/notify.log")"
    [ "$(grep -c '^WATCHDOG=1' "$T/notify.log")" -ge 3 ] || fail "too few WATCHDOG=1: $(cat "$T/notify.log")"
    grep -q '^STOPPING=1' "$T/notify.log" || fail "no STOPPING=1"
    pass "READY=1, $(grep -c '^WATCHDOG=1' "$T/notify.log") watchdog pings in 3 s at WatchdogSec=1s, STOPPING=1 and exit 0 on SIGTERM"
    ;;
  firmware)
    # The card lies in the emulated PN532's field from the start.
    sim_receiver_start
    sim_kioskd_start || fail "kioskd did not start"
    [ "$SIM_READER" = "Kiosk Reader 0 00 00" ] || fail "kioskd serves $SIM_READER"
    sim_wait_state consent 180 >/dev/null || fail "no consent step through the firmware"
    sim_consent true >/dev/null
    done=$(sim_wait_state done 30) || fail "no done state"
    [ "$(jq -r .outcome.verdict <<<"$done")" = genuine ] || fail "verdict: $done"
    for _ in $(seq 50); do [ "$(uploaded_count)" = 1 ] && break; sleep 0.2; done
    [ "$(uploaded_count)" = 1 ] || fail "record not uploaded"
    read_s=$(sim_api "$SIM_API/metrics" | sed -n 's/^kiosk_stage_seconds_sum{stage="read"} //p')
    pass "a citizen through the reader firmware: QR over the vendor channel, chip through libccidtwin and the emulated PN532 (chip read ${read_s} s), face, consent, uploaded"
    ;;
  *)
    fail "unknown scenario"
    ;;
  esac
}
export -f inside
"$root/tools/with-pcscd" "${pcscd_args[@]}" -- bash -c inside
