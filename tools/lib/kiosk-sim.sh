# kiosk-sim.sh — a kiosk on simulated hardware, for tools/run-demo and the
# kioskd tests (sourced by bash; functions prefixed sim_).
#
# Outside the pcscd namespace:
#   sim_prepare WORK         the card (sample CCCD with a portrait), its QR
#                            text, the kiosk's keys, an API token, a TLS
#                            certificate for the receiver, kiosk.conf.
#                            Needs SIM_BIN (build dir), SIM_MODELS, SIM_SAMPLES,
#                            SIM_FRAMES (a directory of camera frames; see
#                            sim_make_frames). SIM_MODE picks the mode;
#                            SIM_CARD_ARGS adds kiosk-mkcard options;
#                            SIM_QR_VENDOR (a tty path) reads QR codes over
#                            the reader firmware's vendor channel instead of
#                            a scanner module; SIM_READERS names the readers.
#   sim_make_frames OUT      the simulated citizen in front of the camera
#   sim_receiver_start       the reference receiver (HTTPS) → SIM_RECEIVER_URL
# Inside tools/with-pcscd (needs KS_VPCD_PORT):
#   sim_kioskd_start         the QR scanner module emulator and kioskd; waits
#                            for the API; follows its event stream
#   sim_place_card [ARGS]    the card emulator connects (extra kiosk-vcard args)
#   sim_remove_card          it leaves the reader
#   sim_wait_state STATE [SECONDS]   waits for the reader's session to reach
#                            STATE; prints that state object
#   sim_consent true|false   taps "Đồng ý" / "Không đồng ý" via the API
#   sim_api ARGS...          curl with the client token on the API
#   sim_stop                 stops everything started here
# The simulated hardware: kiosk-vcard (the chip), kiosk-qremu (the QR
# scanner module, on a pty), a directory of frames (the camera).

sim_pids=()

sim_make_frames() {
  local out=$1
  "$SIM_BIN/tools/portrait/kiosk-portrait" --in "$SIM_SAMPLES/sample1.jpg" --box 100,259,640,480 \
    --out "$out.photo.jpg" --width 640 --height 480 --quality 90 >/dev/null
  "$SIM_BIN/tools/facesim/kiosk-facesim" --photo "$out.photo.jpg" --out "$out" \
    --models "$SIM_MODELS" --fps 8 --cycles 2
  rm -f "$out.photo.jpg"
}

sim_prepare() {
  SIM_WORK=$1
  mkdir -p "$SIM_WORK"
  chmod 700 "$SIM_WORK"
  export KS_PORTRAIT_BIN="$SIM_BIN/tools/portrait/kiosk-portrait"
  "$SIM_ROOT/tools/make-portrait" 1 0 "$SIM_WORK/portrait.jpg" >/dev/null
  "$SIM_BIN/tools/mkcard/kiosk-mkcard" --profile "$SIM_ROOT/tools/mkcard/profiles/cccd-sample.json" \
    --portrait "$SIM_WORK/portrait.jpg" ${SIM_CARD_ARGS:-} --out "$SIM_WORK/card" >/dev/null
  "$SIM_BIN/tools/mkcard/kiosk-mkcard" --print-qr "$SIM_WORK/card" >"$SIM_WORK/qr.txt"
  openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null |
    openssl pkcs8 -topk8 -nocrypt -out "$SIM_WORK/sign.pem"
  chmod 600 "$SIM_WORK/sign.pem"
  KIOSK_KEY_FILE="$SIM_WORK/queue.key" "$SIM_BIN/tools/kioskctl/kioskctl" queue keygen >/dev/null
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$SIM_WORK/receiver.key" -out "$SIM_WORK/receiver.pem" 2>/dev/null
  SIM_TOKEN=$(openssl rand -hex 24)
  printf 'sim %s\n' "$SIM_TOKEN" >"$SIM_WORK/tokens"
  chmod 600 "$SIM_WORK/tokens"
  SIM_API_PORT=${SIM_API_PORT:-$(( 20000 + RANDOM % 20000 ))}
  SIM_API="http://127.0.0.1:$SIM_API_PORT"
  cat >"$SIM_WORK/kiosk.conf" <<CONF
# A kiosk on simulated hardware (every key: docs/configuration.md).
[kiosk]
id = SIM-KIOSK-01
site_id = SIM-ONE-STOP-SHOP
mode = ${SIM_MODE:-kiosk}
portal_url = https://dichvucong.example.gov.vn/ho-so
[trust]
dir = $SIM_WORK/card/trust
[queue]
db = $SIM_WORK/queue.db
key_file = $SIM_WORK/queue.key
signing_key = $SIM_WORK/sign.pem
[upload]
ca_file = $SIM_WORK/receiver.pem
interval_ms = 300
backoff_base_ms = 200
backoff_cap_ms = 1000
timeout_ms = 5000
[qr]
$(if [ -n "${SIM_QR_VENDOR:-}" ]; then echo "vendor = $SIM_QR_VENDOR"; else echo "scanner = $SIM_WORK/qr-tty"; fi)
[readers]
names = ${SIM_READERS:-}
[camera]
frames = $SIM_FRAMES
fps = 8
[face]
models = $SIM_MODELS
threads = 1
[api]
listen = 127.0.0.1:$SIM_API_PORT
tokens_file = $SIM_WORK/tokens
[session]
result_display_s = ${SIM_RESULT_S:-3}
face_timeout_s = 15
consent_timeout_s = 60
CONF
  export KIOSK_CONFIG="$SIM_WORK/kiosk.conf" SIM_WORK SIM_TOKEN SIM_API SIM_API_PORT
}

sim_receiver_start() {
  rm -f "$SIM_WORK/receiver.port"
  "$SIM_BIN/tools/kiosk-receiver/kiosk-receiver" --db "$SIM_WORK/receiver.db" \
    --listen "127.0.0.1:${SIM_RECEIVER_PORT:-0}" --cert "$SIM_WORK/receiver.pem" \
    --key "$SIM_WORK/receiver.key" --port-file "$SIM_WORK/receiver.port" \
    >/dev/null 2>>"$SIM_WORK/receiver.log" &
  SIM_RECEIVER_PID=$!
  sim_pids+=("$SIM_RECEIVER_PID")
  for _ in $(seq 100); do [ -s "$SIM_WORK/receiver.port" ] && break; sleep 0.05; done
  SIM_RECEIVER_PORT=$(cat "$SIM_WORK/receiver.port")
  export KIOSK_UPLOAD_URL="https://127.0.0.1:$SIM_RECEIVER_PORT" SIM_RECEIVER_PORT
}

sim_api() { curl -sS --max-time 10 -H "Authorization: Bearer $SIM_TOKEN" "$@"; }

sim_kioskd_start() {
  if [ -z "${SIM_QR_VENDOR:-}" ]; then
    "$SIM_BIN/tools/qremu/kiosk-qremu" --pty-link "$SIM_WORK/qr-tty" --text-file "$SIM_WORK/qr.txt" \
      --trigger-mode host >/dev/null 2>>"$SIM_WORK/qremu.log" &
    sim_pids+=($!)
    for _ in $(seq 100); do [ -e "$SIM_WORK/qr-tty" ] && break; sleep 0.05; done
  fi
  "$SIM_BIN/hostd/kioskd" >/dev/null 2>>"$SIM_WORK/kioskd.log" &
  SIM_KIOSKD_PID=$!
  sim_pids+=("$SIM_KIOSKD_PID")
  for _ in $(seq 300); do
    sim_api "$SIM_API/api/v1/health" >/dev/null 2>&1 && break
    kill -0 "$SIM_KIOSKD_PID" 2>/dev/null || { echo "kioskd exited:" >&2; tail -5 "$SIM_WORK/kioskd.log" >&2; return 1; }
    sleep 0.1
  done
  : >"$SIM_WORK/events"
  curl -sS -N -H "Authorization: Bearer $SIM_TOKEN" "$SIM_API/api/v1/events" \
    >>"$SIM_WORK/events" 2>/dev/null &
  sim_pids+=($!)
  SIM_READER=${SIM_READER:-$(sim_api "$SIM_API/api/v1/sessions" | jq -r '.[0].reader')}
  export SIM_READER
}

sim_place_card() {
  "$SIM_BIN/tools/vcard/kiosk-vcard" --card "$SIM_WORK/card" --vpcd "127.0.0.1:$KS_VPCD_PORT" ${SIM_VCARD_VERBOSE:+--verbose} \
    "$@" >/dev/null 2>>"$SIM_WORK/vcard.log" &
  SIM_VCARD_PID=$!
  sim_pids+=("$SIM_VCARD_PID")
}

sim_remove_card() {
  kill "$SIM_VCARD_PID" 2>/dev/null || true
  wait "$SIM_VCARD_PID" 2>/dev/null || true
}

# The reader's state objects from the event stream, oldest first.
sim_states() {
  sed -n 's/^data: //p' "$SIM_WORK/events" | jq -c --arg r "$SIM_READER" 'select(.reader == $r)'
}

sim_wait_state() {
  local want=$1 limit=${2:-120} end
  end=$((SECONDS + limit))
  while [ $SECONDS -lt "$end" ]; do
    local last
    last=$(sim_states | tail -n 1)
    if [ -n "$last" ] && [ "$(jq -r .state <<<"$last")" = "$want" ]; then
      echo "$last"
      return 0
    fi
    sleep 0.2
  done
  echo "no '$want' state within ${limit}s; last: $(sim_states | tail -n 1)" >&2
  return 1
}

sim_consent() {
  local id
  id=$(sim_states | tail -n 1 | jq -r .session)
  sim_api -X POST -H 'Content-Type: application/json' \
    -d "{\"accept\":$1,\"text_version\":\"vi-2026-01\"}" "$SIM_API/api/v1/sessions/$id/consent"
}

sim_stop() {
  local p
  for p in "${sim_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  sim_pids=()
}
