# lib.sh — shared steps of the integration tests (sourced, not run).
#
# Tools come from the environment CTest sets: KS_KIOSKCTL, KS_VCARD,
# KS_MKCARD, KS_PORTRAIT_BIN; KS_SOURCE_DIR is the repository root.
set -euo pipefail

: "${KS_SOURCE_DIR:?}" "${KS_KIOSKCTL:?}" "${KS_VCARD:?}" "${KS_MKCARD:?}"

T=$(mktemp -d /tmp/ks-itest.XXXXXX)
VCARD_PID=""
cleanup_lib() {
  if [ -n "$VCARD_PID" ]; then kill "$VCARD_PID" 2>/dev/null || true; wait "$VCARD_PID" 2>/dev/null || true; fi
  [ -n "${KS_KEEP:-}" ] || rm -rf "$T"
}
trap cleanup_lib EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# sample_portrait OUT: the demo's chip-like portrait (360x480 JPEG, >= 15 KB).
sample_portrait() {
  "$KS_SOURCE_DIR/tools/make-portrait" 1 0 "$1" >/dev/null
}

# make_card PROFILE DIR [mkcard options...]
make_card() {
  local profile=$1 dir=$2
  shift 2
  [ -f "$T/portrait.jpg" ] || sample_portrait "$T/portrait.jpg"
  "$KS_MKCARD" --profile "$KS_SOURCE_DIR/tools/mkcard/profiles/$profile.json" \
    --portrait "$T/portrait.jpg" --out "$dir" "$@" >/dev/null
}

# start_card DIR [vcard options...]: the emulator connects to this pcscd's vpcd.
start_card() {
  local dir=$1
  shift
  "$KS_VCARD" --card "$dir" --vpcd "127.0.0.1:${KS_VPCD_PORT:?run inside tools/with-pcscd}" "$@" \
    2>"$T/vcard.log" &
  VCARD_PID=$!
}

# stop_card: the card leaves the reader; waits until pcscd has seen it go, so
# the next start_card is a fresh insertion.
stop_card() {
  if [ -n "$VCARD_PID" ]; then kill "$VCARD_PID" 2>/dev/null || true; wait "$VCARD_PID" 2>/dev/null || true; fi
  VCARD_PID=""
  for _ in $(seq 1 50); do
    "$KS_KIOSKCTL" readers 2>/dev/null | grep -q "^card" || return 0
    sleep 0.1
  done
  fail "pcscd still sees the card 5 s after it left"
}

# mrz_key DIR: DOCNO:YYMMDD:YYMMDD from the image's card.json.
mrz_key() {
  jq -r '.mrz | "\(.document_number):\(.date_of_birth):\(.date_of_expiry)"' "$1/card.json"
}

# read_card OUTFILE ARGS...: runs kioskctl read --json; sets RC.
read_card() {
  local out=$1
  shift
  set +e
  "$KS_KIOSKCTL" read --wait 10 --json "$@" >"$out" 2>"$out.err"
  RC=$?
  set -e
}

# expect_json FILE JQ-EXPR EXPECTED
expect_json() {
  local got
  got=$(jq -r "$2" "$1")
  [ "$got" = "$3" ] || fail "$2 is '$got', expected '$3'"
}

# flip_byte FILE OFFSET: inverts the lowest bit of one byte in place.
flip_byte() {
  local b
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
