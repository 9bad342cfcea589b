#!/usr/bin/env bash
# libnfc-read.sh SCENARIO — reads the sample CCCD through libnfc's own
# pn532_uart driver talking to the emulated PN532 (kiosk-pn532emu) on a pty,
# with the host's libnfc transport (hostd/reader/nfc.c) driven by nfc_read.
# Environment (set by CTest): KS_SOURCE_DIR, KS_PN532EMU, KS_MKCARD,
# KS_NFC_READ, KS_PORTRAIT_BIN.
set -euo pipefail
: "${KS_SOURCE_DIR:?}" "${KS_PN532EMU:?}" "${KS_MKCARD:?}" "${KS_NFC_READ:?}"
scenario=${1:?scenario}

T=$(mktemp -d /tmp/ks-nfc-itest.XXXXXX)
EMU_PID=""
cleanup() {
  if [ -n "$EMU_PID" ]; then kill "$EMU_PID" 2>/dev/null || true; wait "$EMU_PID" 2>/dev/null || true; fi
  [ -n "${KS_KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$T/emu.log" ] && tail -5 "$T/emu.log" >&2; exit 1; }
pass() { echo "ok: $*"; }

# The short-APDU path cannot carry an RSA-2048 Active Authentication
# signature in one response, so this card signs with ECDSA.
"$KS_SOURCE_DIR/tools/make-portrait" 1 0 "$T/portrait.jpg" >/dev/null
"$KS_MKCARD" --profile "$KS_SOURCE_DIR/tools/mkcard/profiles/cccd-sample.json" \
  --portrait "$T/portrait.jpg" --out "$T/card" --aa ecdsa >/dev/null
QR=$("$KS_MKCARD" --print-qr "$T/card")
DEV="$T/pn532"

start_emu() {
  "$KS_PN532EMU" --card "$T/card" --pty-link "$DEV" "$@" 2>"$T/emu.log" &
  EMU_PID=$!
  for _ in $(seq 1 50); do [ -L "$DEV" ] && return 0; sleep 0.1; done
  fail "the emulator made no pty link"
}

# nfc_read_card OUT: sets RC.
nfc_read_card() {
  set +e
  LIBNFC_LOG_LEVEL=0 "$KS_NFC_READ" --device "pn532_uart:$DEV" --qr "$QR" --trust "$T/card/trust" \
    --wait 2 >"$1" 2>"$1.err"
  RC=$?
  set -e
}

expect_json() {
  local got
  got=$(jq -r "$2" "$1")
  [ "$got" = "$3" ] || fail "$2 is '$got', expected '$3' ($(cat "$1.err" 2>/dev/null))"
}

case "$scenario" in
genuine)
  start_emu
  nfc_read_card "$T/out.json"
  [ $RC -eq 0 ] || fail "exit $RC: $(cat "$T/out.json.err") $(cat "$T/out.json")"
  expect_json "$T/out.json" .access PACE
  expect_json "$T/out.json" .passive valid
  expect_json "$T/out.json" .active valid
  expect_json "$T/out.json" .chip valid
  expect_json "$T/out.json" .verdict genuine
  expect_json "$T/out.json" .present_after true
  # A second session on the same reader: the card was reset, PACE runs again.
  nfc_read_card "$T/out2.json"
  [ $RC -eq 0 ] || fail "second read: exit $RC: $(cat "$T/out2.json.err")"
  expect_json "$T/out2.json" .access PACE
  pass "the CCCD read through libnfc + PN532 is genuine (PACE, AA, CA), twice"
  ;;
nfc-list)
  command -v nfc-list >/dev/null || fail "nfc-list (libnfc-bin) is not installed"
  start_emu --uid 08A1B2C3
  out=$(LIBNFC_DEVICE="pn532_uart:$DEV" LIBNFC_LOG_LEVEL=0 timeout 20 nfc-list 2>&1) || fail "nfc-list failed: $out"
  grep -q "1 ISO14443A passive target(s) found" <<<"$out" || fail "nfc-list found no target: $out"
  grep -Eq "UID \(NFCID[13]\): 08 +a1 +b2 +c3" <<<"$out" || fail "nfc-list shows another UID: $out"
  grep -Eq "SAK \(SEL_RES\): 20" <<<"$out" || fail "SAK is not 20: $out"
  grep -q "ATS:" <<<"$out" || fail "no ATS: $out"
  pass "nfc-list sees the emulated PN532 and its ISO 14443-4 target"
  ;;
removed)
  start_emu --fault remove-after=20
  nfc_read_card "$T/out.json"
  [ $RC -eq 4 ] || fail "exit $RC, expected 4: $(cat "$T/out.json")"
  expect_json "$T/out.json" .removed true
  expect_json "$T/out.json" .present_after false
  pass "a card leaving the field mid-read is reported as removed"
  ;;
wtx)
  # The chip grants the card's waiting-time extensions itself (InDataExchange).
  start_emu --fault wtx=3
  nfc_read_card "$T/out.json"
  [ $RC -eq 0 ] || fail "exit $RC with WTX: $(cat "$T/out.json.err") $(cat "$T/out.json")"
  expect_json "$T/out.json" .verdict genuine
  pass "a card asking for waiting-time extensions still reads"
  ;;
corrupt-frame)
  # Frame 20 falls in the middle of the read; libnfc refuses the bad DCS.
  start_emu --fault corrupt-frame=20
  nfc_read_card "$T/out.json"
  [ $RC -eq 4 ] || fail "exit $RC, expected 4 after a corrupt frame"
  expect_json "$T/out.json" .removed false
  kill -0 "$EMU_PID" || fail "the emulator died"
  nfc_read_card "$T/out2.json"
  [ $RC -eq 0 ] || fail "the next session failed: exit $RC"
  expect_json "$T/out2.json" .access PACE
  pass "a corrupted PN532 frame ends the read with a clean transport error; the next read works"
  ;;
*)
  fail "unknown scenario $scenario"
  ;;
esac
