#!/usr/bin/env bash
# fw-boot.sh qemu|native — boots the reader firmware and checks, over live
# pty links, that the CCID slot answers on the host UART, the debug console
# answers, and the firmware exits with the code it is told to.
#   qemu:   the real STM32F405 image ($KS_FW_ELF) on qemu-system-arm
#           -M netduinoplus2, USART1 and UART4 as ptys, semihosting exit.
#   native: the native board ($KS_FW_NATIVE), its UARTs as ptys.
set -euo pipefail
mode=${1:?usage: fw-boot.sh qemu|native}
T=$(mktemp -d /tmp/ks-fwboot.XXXXXX)
PID=""
cleanup() {
  exec 3>&- 4>&- 5>&- 2>/dev/null || true
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  [ -n "${KS_KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL ($mode): $*" >&2; for f in "$T"/*.err; do [ -f "$f" ] && sed 's/^/  | /' "$f" >&2; done; exit 1; }
pass() { echo "ok ($mode): $*"; }

# wait_for SECONDS COMMAND...: retries COMMAND every 50 ms.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.05
  done
}

# expect_line FD TEXT SECONDS: reads lines from FD until one equals TEXT.
expect_line() {
  local fd=$1 want=$2 deadline=$((SECONDS + $3)) line
  while [ $SECONDS -lt $deadline ]; do
    IFS= read -r -t 1 -u "$fd" line || continue
    line=${line%$'\r'}
    [ "$line" = "$want" ] && return 0
    echo "  (read: $line)" >&2
  done
  return 1
}

open_pty() { # open_pty FD PATH: raw, no echo, read/write
  stty -F "$2" raw -echo
  eval "exec $1<>\"$2\""
}

case "$mode" in
qemu)
  : "${KS_FW_ELF:?}"
  qemu=${KS_QEMU:-qemu-system-arm}
  mkfifo "$T/monitor"
  # -S: the CPU waits until the links are open; the 4th -serial is UART4.
  "$qemu" -M netduinoplus2 -display none -S -monitor stdio \
    -semihosting-config enable=on,target=native -kernel "$KS_FW_ELF" \
    -serial pty -serial null -serial null -serial pty -serial null -serial null \
    <"$T/monitor" >"$T/monitor.out" 2>"$T/qemu.err" &
  PID=$!
  exec 5>"$T/monitor"
  pty_of() { sed -n "s/.*redirected to \(\/dev\/pts\/[0-9]*\) (label serial$1).*/\1/p" "$T/qemu.err" "$T/monitor.out" 2>/dev/null; }
  have_ptys() { [ -n "$(pty_of 3)" ]; }
  wait_for 10 have_ptys || fail "QEMU did not report its ptys"
  host_pty=$(pty_of 0); debug_pty=$(pty_of 3)
  open_pty 3 "$host_pty"; open_pty 4 "$debug_pty"
  echo cont >&5
  board=stm32f405-qemu
  ;;
native)
  : "${KS_FW_NATIVE:?}"
  "$KS_FW_NATIVE" --pty-file "$T/ptys" 2>"$T/native.err" &
  PID=$!
  wait_for 10 test -f "$T/ptys" || fail "no pty file"
  host_pty=$(awk '$1=="host"{print $2}' "$T/ptys"); debug_pty=$(awk '$1=="debug"{print $2}' "$T/ptys")
  open_pty 3 "$host_pty"; open_pty 4 "$debug_pty"
  board=native
  ;;
*) fail "unknown mode $mode" ;;
esac

banner="kiosk-reader 0.1.0 board=$board"
expect_line 4 "$banner" 10 || fail "no banner on the debug UART"
# The host UART belongs to the CCID slot: a GetSlotStatus frame in the
# libccidtwin framing (SYNC ACK, 10-byte header, LRC) must come back echoed,
# followed by a SlotStatus reply for slot 0 with the same sequence number.
get_slot_status='\x03\x06\x65\x00\x00\x00\x00\x00\x01\x00\x00\x00\x61'
printf "$get_slot_status" >&3
reply=$(timeout 10 dd bs=1 count=26 status=none <&3 | od -An -tx1 | tr -d ' \n')
[ "${reply:0:26}" = "03066500000000000100000061" ] ||
  fail "GetSlotStatus not echoed on the host UART (got '$reply')"
[ "${reply:26:6}" = "030681" ] || fail "no SlotStatus reply on the host UART (got '$reply')"
[ "${reply:40:4}" = "0001" ] || fail "SlotStatus for the wrong slot or sequence (got '$reply')"
pass "the CCID slot answers on the host UART"
printf 'ping\n' >&4
expect_line 4 pong 5 || fail "no pong"
printf 'frobnicate\n' >&4
expect_line 4 "error: unknown command" 5 || fail "unknown command not refused"
pass "debug console answers"
printf 'exit 42\n' >&4
expect_line 4 bye 5 || fail "exit not acknowledged"
rc=0
stopped() { ! kill -0 "$PID" 2>/dev/null; }
wait_for 10 stopped || fail "firmware did not stop"
wait "$PID" || rc=$?
PID=""
[ "$rc" -eq 42 ] || fail "exit code $rc, wanted 42"
pass "firmware exited with the requested code"
