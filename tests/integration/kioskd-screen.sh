#!/usr/bin/env bash
# The kiosk screen in headless Chromium (tests/browser/screen-run.mjs, driven
# by Playwright) on the real kioskd and simulated hardware: a citizen's whole
# session through every screen in Vietnamese or English, consent tapped on the
# screen; or a card pulled during the liveness challenge, the failed screen
# saying so and the next citizen served.
#
#   kioskd-screen.sh vi|en|card-removed      (KS_SOURCE_DIR, KS_BUILD_DIR)
# Screenshots land in $KS_SHOTS (default: a temporary directory).
set -euo pipefail
scenario=${1:?scenario}
root=$KS_SOURCE_DIR
"$root/tests/browser/setup"
export SIM_ROOT=$root SIM_BIN=$KS_BUILD_DIR
export SIM_MODELS=$("$root/tools/fetch-models") SIM_SAMPLES=$("$root/tools/fetch-samples")
. "$root/tools/lib/kiosk-sim.sh"
T=$(mktemp -d /tmp/ks-screen.XXXXXX)
export T KS_SHOTS=${KS_SHOTS:-$T/shots}
trap 'sim_stop; [ -n "${KS_KEEP:-}" ] || rm -rf "$T"' EXIT
export SIM_FRAMES="$T/frames" SIM_RESULT_S=4
sim_make_frames "$T/frames" >/dev/null
sim_prepare "$T/kiosk"
export -f $(compgen -A function | grep '^sim_')
export SIM_BIN SIM_ROOT SIM_MODELS SIM_SAMPLES SIM_FRAMES SIM_WORK scenario

inside() {
  set -euo pipefail
  fail() { echo "FAIL [screen $scenario]: $*" >&2; tail -n 15 "$SIM_WORK/kioskd.log" >&2 2>/dev/null || true; exit 1; }
  trap sim_stop EXIT
  sim_receiver_start
  sim_kioskd_start || fail "kioskd did not start"
  driver=(node "$SIM_ROOT/tests/browser/screen-run.mjs" --url "$SIM_API/" --reader "$SIM_READER"
          --shots "$KS_SHOTS" --timeout 150)
  case $scenario in
    vi|en)
      "${driver[@]}" --lang "$scenario" --expect reading,face,liveness,consent,done --consent accept \
        >"$T/driver.log" 2>&1 &
      drv=$!
      sleep 3   # the page is up and showing the waiting screen
      sim_place_card
      wait $drv || { cat "$T/driver.log" >&2; fail "the screen driver failed"; }
      cat "$T/driver.log"
      done=$(sim_wait_state done 5) || fail "kioskd did not finish"
      [ "$(jq -r .outcome.verdict <<<"$done")" = genuine ] || fail "verdict"
      for _ in $(seq 50); do
        [ "$(sim_api "$SIM_API/api/v1/queue" | jq .acknowledged)" = 1 ] && break
        sleep 0.2
      done
      [ "$(sim_api "$SIM_API/api/v1/queue" | jq .acknowledged)" = 1 ] || fail "not uploaded"
      echo "PASS [screen $scenario]: a whole session through every screen, consent tapped on the screen, record uploaded"
      ;;
    card-removed)
      "${driver[@]}" --lang vi --expect reading,face,liveness --expect-error card_removed \
        >"$T/driver.log" 2>&1 &
      drv=$!
      sleep 3
      sim_place_card
      sim_wait_state liveness 90 >/dev/null || fail "no liveness step"
      sim_remove_card
      wait $drv || { cat "$T/driver.log" >&2; fail "the screen driver failed"; }
      cat "$T/driver.log"
      sim_wait_state waiting 20 >/dev/null || fail "not back to waiting"
      # the next citizen
      "${driver[@]}" --lang vi --expect reading,face,liveness,consent,done --consent accept \
        >"$T/driver2.log" 2>&1 &
      drv=$!
      sleep 3
      sim_place_card
      wait $drv || { cat "$T/driver2.log" >&2; fail "the next citizen's session failed on screen"; }
      echo "PASS [screen card-removed]: the failed screen explained the pulled card; the next citizen was served"
      ;;
    *) fail "unknown scenario" ;;
  esac
}
export -f inside
"$root/tools/with-pcscd" -- bash -c inside
