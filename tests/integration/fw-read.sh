#!/usr/bin/env bash
# fw-read.sh qemu|native|removal|vendor — the sample CCCD read end to end through
# the reader firmware (tools/fw-sim-read): QR from the scanner over the
# vendor channel, then kioskctl through pcscd's libccidtwin, the firmware's
# CCID slot, its PN532 driver and the emulated PN532 with the virtual card.
#   qemu / native: genuine, PACE, Chip Authentication valid; opensc-tool
#                  lists the firmware reader with a card and its ATR.
#   removal (qemu): the card leaves the field mid-read → kioskctl exit 4 with
#                  one clean line; a fresh card then reads genuine without
#                  restarting the firmware.
#   vendor (native): scanner faults (garbage, overlong, no suffix) give one
#                  QR_ERROR each, never a QR_TEXT; a good scan after them
#                  arrives; LED_SET, BUZZER and STATUS act and are answered.
# Binaries come from the environment CTest sets (see fw-sim-read).
set -euo pipefail
mode=${1:?usage: fw-read.sh qemu|native|removal|vendor}
: "${KS_SOURCE_DIR:?}"
T=$(mktemp -d /tmp/ks-fwread.XXXXXX)
trap '[ -n "${KS_KEEP:-}" ] || rm -rf "$T"' EXIT
fail() { echo "FAIL ($mode): $*" >&2; sed 's/^/  | /' "$T/err" >&2 2>/dev/null || true; exit 1; }
pass() { echo "ok ($mode): $*"; }
expect_json() { # expect_json JQ-EXPR EXPECTED
  local got
  got=$(jq -r "$1" "$T/out.json")
  [ "$got" = "$2" ] || fail "$1 is '$got', expected '$2'"
}
sim=$KS_SOURCE_DIR/tools/fw-sim-read

case "$mode" in
qemu|native)
  rc=0
  "$sim" --board "$mode" --json --list >"$T/out.json" 2>"$T/err" || rc=$?
  [ "$rc" -eq 0 ] || fail "fw-sim-read exit $rc"
  expect_json .authentication.verdict genuine
  expect_json .access.protocol PACE
  expect_json .authentication.chip valid
  expect_json .authentication.passive valid
  expect_json .authentication.active valid
  expect_json .cccd.consistency match
  pass "the CCCD read through the firmware: genuine, PACE, CA valid, QR matches DG13"
  grep -Eq '^[0-9]+ +Yes +Kiosk Reader 0 00 00$' "$T/err" || fail "opensc-tool does not list the firmware reader with a card"
  grep -Eq '^3b(:[0-9a-f]{2})+$' "$T/err" || fail "opensc-tool shows no ATR"
  pass "opensc-tool lists the firmware reader and the card's ATR ($(grep -E '^3b(:[0-9a-f]{2})+$' "$T/err"))"
  grep -E '^fw-sim-read: ([0-9]+ APDUs|total)' "$T/err" || true
  stats=$(grep '^fw-sim-read: firmware stats rx_dropped' "$T/err") || fail "no UART statistics from the firmware"
  echo "$stats"
  [ -z "$(echo "${stats#*rx_dropped}" | tr ' ' '\n' | grep -v '=0$' | grep .)" ] ||
    fail "the firmware lost received bytes: $stats"
  pass "no UART lost a byte"
  ;;
removal)
  rc=0
  "$sim" --board qemu --json --fault remove-after=20 --then-fresh-card >"$T/out.json" 2>"$T/err" || rc=$?
  first=$(grep '^first read: ' "$T/err") || fail "no first read"
  case "$first" in
    "first read: exit 4 (1 line): "*removed*) ;;
    *) fail "the interrupted read did not end with exit 4 and one 'removed' line: $first" ;;
  esac
  pass "the card removed mid-read: kioskctl exit 4, one clean line"
  [ "$rc" -eq 0 ] || fail "the read with a fresh card failed: exit $rc"
  expect_json .authentication.verdict genuine
  expect_json .authentication.chip valid
  pass "a fresh card reads genuine afterwards without restarting the firmware"
  ;;
vendor)
  : "${KS_QREMU:?}" "${KS_VENDORCTL:?}" "${KS_FW_NATIVE:?}"
  printf '079303000123||Tr\xe1\xba\xa7n Th\xe1\xbb\x8b B\xc3\xacnh|01012003|N\xe1\xbb\xaf|Ph\xc6\xb0\xe1\xbb\x9dng A|10072024\n' >"$T/qr.txt"
  PIDS=()
  stop_all() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; PIDS=(); }
  trap 'stop_all; [ -n "${KS_KEEP:-}" ] || rm -rf "$T"' EXIT
  # boot FAULT: a scanner (with FAULT unless "none") and a fresh native board.
  boot() {
    rm -f "$T/qr" "$T/ptys"
    local f=(); [ "$1" = none ] || f=(--fault "$1")
    "$KS_QREMU" --pty-link "$T/qr" --text-file "$T/qr.txt" "${f[@]}" 2>>"$T/err" &
    PIDS+=($!)
    for _ in $(seq 1 100); do [ -e "$T/qr" ] && break; sleep 0.05; done
    "$KS_FW_NATIVE" --uart nfc=none --uart qr="$T/qr" --uart debug=none --trace-gpio \
      --pty-file "$T/ptys" 2>"$T/gpio" &
    PIDS+=($!)
    for _ in $(seq 1 100); do [ -f "$T/ptys" ] && break; sleep 0.05; done
    V=$(awk '$1=="vendor"{print $2}' "$T/ptys")
  }
  for fault in garbage:UTF-8 overlong:overlong no-suffix:suffix; do
    boot "${fault%%:*}"
    rc=0
    "$KS_VENDORCTL" --tty "$V" --timeout 10 wait-qr >"$T/out" 2>"$T/why" || rc=$?
    [ "$rc" -eq 1 ] || fail "scanner fault ${fault%%:*}: exit $rc, expected 1"
    [ ! -s "$T/out" ] || fail "scanner fault ${fault%%:*}: a text was delivered"
    grep -q "${fault#*:}" "$T/why" || fail "scanner fault ${fault%%:*}: unclear error: $(cat "$T/why")"
    stop_all
  done
  pass "garbage, overlong and unterminated scanner output each give one clear QR error"
  boot none
  "$KS_VENDORCTL" --tty "$V" --timeout 10 wait-qr >"$T/out" || fail "no QR"
  cmp -s "$T/out" "$T/qr.txt" || fail "the QR text changed on the way"
  "$KS_VENDORCTL" --tty "$V" --timeout 10 wait-qr >"$T/out2" || fail "no second QR"
  cmp -s "$T/out2" "$T/qr.txt" || fail "the second QR text changed on the way"
  pass "scans arrive byte for byte (UTF-8 intact), twice in a row"
  "$KS_VENDORCTL" --tty "$V" led 2 on || fail "led refused"
  "$KS_VENDORCTL" --tty "$V" buzzer 30 || fail "buzzer refused"
  st=$("$KS_VENDORCTL" --tty "$V" status) || fail "no status"
  [ "$st" = "card_present=0 card_active=0 scanner_ok=1 nfc_ok=0 version=0.1" ] || fail "status: $st"
  rc=0; "$KS_VENDORCTL" --tty "$V" led 7 on 2>/dev/null || rc=$?
  [ "$rc" -eq 2 ] || fail "a bad LED id was not a usage error"
  sleep 0.2
  grep -q '^gpio LED_ERROR 1$' "$T/gpio" || fail "LED_SET did not light the error LED"
  grep -q '^gpio BUZZER 1$' "$T/gpio" && grep -q '^gpio BUZZER 0$' "$T/gpio" || fail "the buzzer did not sound and stop"
  pass "LED_SET, BUZZER and STATUS over the vendor channel"
  ;;
*) fail "unknown mode" ;;
esac
