#!/bin/sh
# End-to-end test of the kiosk-mkcard binary. The independent checker is the
# openssl command line: it verifies EF.SOD (after the 77 wrapper is stripped)
# and its asn1parse output must hold the hash of every data-group file.
# Usage: cli_test.sh path/to/kiosk-mkcard path/to/profiles
set -eu
BIN=$1
PROFILES=$2
T=$(mktemp -d /tmp/mkcard-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# A syntactically minimal JPEG: SOI, APP0, SOF0 (64 x 80), SOS, EOI.
printf '\377\330\377\340\000\020JFIF\000\001\001\000\000\001\000\001\000\000' >"$T/face.jpg"
printf '\377\300\000\021\010\000\120\000\100\003\001\042\000\002\021\001\003\021\001' >>"$T/face.jpg"
printf '\377\332\000\014\003\001\000\002\021\003\021\000\077\000\022\064\377\331' >>"$T/face.jpg"

# EF.SOD without its 77 tag and length.
strip77() {
    b=$(od -An -tx1 -j1 -N1 "$1" | tr -d ' \n')
    case $b in
        81) h=3 ;;
        82) h=4 ;;
        83) h=5 ;;
        *) h=2 ;;
    esac
    tail -c +$((h + 1)) "$1" >"$2"
}

# check_sod CARD_DIR CA_FILE HASH
check_sod() {
    strip77 "$1/011D.bin" "$T/sod.der"
    openssl cms -verify -inform DER -in "$T/sod.der" -CAfile "$2" -binary \
        -out "$T/lds.der" 2>"$T/verify.log" || { cat "$T/verify.log" >&2; fail "cms -verify $1"; }
    openssl asn1parse -inform DER -in "$T/lds.der" >"$T/lds.txt"
    grep -q "OBJECT *:$3" "$T/lds.txt" || fail "hash algorithm is not $3"
    files=0
    for n in 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10; do
        f="$1/01$n.bin"
        [ -f "$f" ] || continue
        files=$((files + 1))
        h=$(openssl dgst "-$3" -r "$f" | cut -d' ' -f1 | tr 'a-f' 'A-F')
        grep -q "HEX DUMP\]:$h\$" "$T/lds.txt" || fail "no $3 of $f in the SOD"
    done
    hashes=$(grep -c "OCTET STRING" "$T/lds.txt")
    [ "$hashes" -eq "$files" ] || fail "SOD has $hashes hashes for $files files"
}

# 1. CCCD with defaults: generated CSCA, RSA, SHA-256.
"$BIN" --profile "$PROFILES/cccd-sample.json" --portrait "$T/face.jpg" --out "$T/cccd/sub" ||
    fail "cccd build"
check_sod "$T/cccd/sub" "$T/cccd/sub/trust/csca.pem" sha256
[ -f "$T/cccd/sub/010D.bin" ] || fail "no DG13"
qr=$("$BIN" --print-qr "$T/cccd/sub")
[ "$qr" = "001099012345|123456789|Nguyễn Văn An|15081999|Nam|Số 1 Phố X, Phường Y, Hà Nội|10012023" ] ||
    fail "print-qr gave something else"
[ "$("$BIN" --print-qr "$T/cccd/sub" | wc -l)" -eq 1 ] || fail "print-qr is not one line"
openssl x509 -in "$T/cccd/sub/trust/csca.pem" -noout -text | grep -q "CA:TRUE" || fail "CSCA not a CA"
[ "$(stat -c %a "$T/cccd/sub/aa_key.pem")" = 600 ] || fail "aa_key.pem mode"

# 2. Passport, RSA-PSS, SHA-384, EC AA, DH CA, no extended length.
"$BIN" --profile "$PROFILES/passport-sample.json" --portrait "$T/face.jpg" --out "$T/pp" \
    --sig rsa-pss --hash sha384 --aa ecdsa --ca dh --no-extended || fail "passport build"
check_sod "$T/pp" "$T/pp/trust/csca.pem" sha384
grep -q '"extended_length": false' "$T/pp/card.json" || fail "extended_length not false"
openssl cms -cmsout -print -inform DER -in "$T/sod.der" | grep -q rsassaPss || fail "not PSS"
if "$BIN" --print-qr "$T/pp" >/dev/null 2>&1; then fail "print-qr of a passport succeeded"; fi

# 3. A DSC made with the openssl CLI (RSA), then one with EC P-256.
cd "$T"
printf 'keyUsage=critical,digitalSignature\n' >dsc.ext
openssl req -x509 -newkey rsa:2048 -nodes -keyout csca.key -out csca.pem -days 30 \
    -subj "/C=VN/O=CLI Test/CN=CLI CSCA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout dsc.key -out dsc.csr \
    -subj "/C=VN/O=CLI Test/CN=CLI DSC" 2>/dev/null
openssl x509 -req -in dsc.csr -CA csca.pem -CAkey csca.key -CAcreateserial -days 30 \
    -extfile dsc.ext -out dsc.pem 2>/dev/null
"$BIN" --profile "$PROFILES/cccd-sample.json" --portrait face.jpg --out given \
    --dsc-key dsc.key --dsc-cert dsc.pem || fail "build with a given DSC"
check_sod given csca.pem sha256
[ ! -e given/trust/csca.pem ] || fail "a CSCA was written although a DSC was given"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ecsca.key \
    -out ecsca.pem -days 30 -subj "/C=VN/O=CLI Test/CN=CLI EC CSCA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ecdsc.key \
    -out ecdsc.csr -subj "/C=VN/O=CLI Test/CN=CLI EC DSC" 2>/dev/null
openssl x509 -req -in ecdsc.csr -CA ecsca.pem -CAkey ecsca.key -CAcreateserial -days 30 \
    -extfile dsc.ext -out ecdsc.pem 2>/dev/null
"$BIN" --profile "$PROFILES/passport-sample.json" --portrait face.jpg --out ecgiven \
    --dsc-key ecdsc.key --dsc-cert ecdsc.pem --hash sha512 || fail "build with an EC DSC"
check_sod ecgiven ecsca.pem sha512
if "$BIN" --profile "$PROFILES/passport-sample.json" --portrait face.jpg --out bad \
    --dsc-key ecdsc.key --dsc-cert dsc.pem 2>/dev/null; then fail "mismatched DSC key accepted"; fi

# 4. Rebuilding without AA and CA removes their files.
"$BIN" --profile "$PROFILES/cccd-sample.json" --portrait face.jpg --out "$T/cccd/sub" \
    --aa none --ca none || fail "rebuild"
for f in 010E.bin 010F.bin aa_key.pem ca_key.pem; do
    [ ! -e "$T/cccd/sub/$f" ] || fail "stale $f left"
done
check_sod "$T/cccd/sub" "$T/cccd/sub/trust/csca.pem" sha256

# 5. PACE: EF.CardAccess (011C.bin) is a bare SET; openssl asn1parse shows its infos.
# pace_dump DIR: asn1parse of DIR/011C.bin into $T/ca.txt.
pace_dump() {
    openssl asn1parse -inform DER -in "$1/011C.bin" >"$T/ca.txt" || fail "asn1parse $1/011C.bin"
    head -1 "$T/ca.txt" | grep -q "d=0 .*cons: SET" || fail "$1/011C.bin is not a bare SET"
}
# expect_pace DIR OID PARAM_HEX: PACEInfo { OID, 2, PARAM } is in DIR/011C.bin.
expect_pace() {
    pace_dump "$1"
    grep -A2 "OBJECT *:$2\$" "$T/ca.txt" >"$T/pi.txt" || fail "no $2 in $1/011C.bin"
    sed -n 2p "$T/pi.txt" | grep -q "INTEGER *:02\$" || fail "PACEInfo version is not 2"
    sed -n 3p "$T/pi.txt" | grep -q "INTEGER *:$3\$" || fail "PACE parameter is not $3"
}
cd "$T"
"$BIN" --profile "$PROFILES/cccd-sample.json" --portrait face.jpg --out pace-def || fail "pace default"
expect_pace pace-def 0.4.0.127.0.7.2.2.4.2.2 0D
grep -q "OBJECT *:0.4.0.127.0.7.2.2.3.2.2\$" "$T/ca.txt" || fail "no CA info in EF.CardAccess"
grep -A1 "OBJECT *:0.4.0.127.0.7.2.2.2\$" "$T/ca.txt" | grep -q "INTEGER *:01" || fail "no TA info"
grep -q '"select-mf-6d00"' pace-def/card.json || fail "no quirk for a cccd"
check_sod pace-def pace-def/trust/csca.pem sha256
for combo in "ecdh-gm 3des 12 2.1 0C" "dh-gm aes192 0 1.3 00" "dh-gm aes256 '' 1.4 02" \
    "ecdh-im aes128 16 4.2 10"; do
    eval "set -- $combo"
    if [ -n "$3" ]; then param="--pace-param $3"; else param=""; fi
    # shellcheck disable=SC2086
    "$BIN" --profile "$PROFILES/passport-sample.json" --portrait face.jpg --out "pace-$1-$2" \
        --pace "$1" --pace-cipher "$2" $param --ca none || fail "build --pace $1 $2"
    expect_pace "pace-$1-$2" "0.4.0.127.0.7.2.2.4.$4" "$5"
    [ "$(grep -c OBJECT "$T/ca.txt")" -eq 1 ] || fail "EF.CardAccess without CA has more than PACE"
    grep -q "\"oid\": \"0.4.0.127.0.7.2.2.4.$4\"" "pace-$1-$2/card.json" || fail "card.json pace oid"
    ! grep -q quirks "pace-$1-$2/card.json" || fail "a passport has quirks"
    check_sod "pace-$1-$2" "pace-$1-$2/trust/csca.pem" sha256
done
"$BIN" --profile "$PROFILES/passport-sample.json" --portrait face.jpg --out pace-pp --ca dh \
    --ca-cipher 3des || fail "passport build"
[ ! -e pace-pp/011C.bin ] || fail "a passport has EF.CardAccess by default"
! grep -q '"pace"' pace-pp/card.json || fail "a passport has a pace key by default"
openssl asn1parse -inform DER -in pace-pp/010E.bin | grep -q "OBJECT *:0.4.0.127.0.7.2.2.3.1.1\$" ||
    fail "DG14 CA OID does not follow --ca-cipher"
grep -q '"oid": "0.4.0.127.0.7.2.2.3.1.1"' pace-pp/card.json || fail "card.json ca oid"
"$BIN" --profile "$PROFILES/cccd-sample.json" --portrait face.jpg --out pace-def --pace none ||
    fail "rebuild without PACE"
[ ! -e pace-def/011C.bin ] || fail "stale 011C.bin left"

# 6. Exit codes and one-line errors.
expect_exit() {
    want=$1
    shift
    set +e
    "$@" >/dev/null 2>"$T/err"
    got=$?
    set -e
    [ "$got" -eq "$want" ] || fail "exit $got (want $want): $*"
}
expect_exit 2 "$BIN"
expect_exit 2 "$BIN" --profile x --portrait y --out z --sig dsa
expect_exit 2 "$BIN" --profile x --portrait y
expect_exit 2 "$BIN" --profile x --portrait y --out z --dsc-key k
expect_exit 2 "$BIN" --profile x --portrait y --out z --pace ecdh-cam
expect_exit 2 "$BIN" --profile x --portrait y --out z --pace-cipher aes
expect_exit 2 "$BIN" --profile x --portrait y --out z --ca-cipher des
expect_exit 2 "$BIN" --profile x --portrait y --out z --pace-param 1x
expect_exit 2 "$BIN" --profile "$PROFILES/cccd-sample.json" --portrait face.jpg --out z \
    --pace dh-gm --pace-param 13
expect_exit 2 "$BIN" --profile "$PROFILES/cccd-sample.json" --portrait face.jpg --out z \
    --pace-param 2
[ ! -e z ] || fail "a refused build wrote something"
printf '{"type":"passport","mrz":{"document_number":"C1"}}' >partial.json
expect_exit 2 "$BIN" --profile partial.json --portrait face.jpg --out z
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "more than one error line"
grep -q "mrz.date_of_birth" "$T/err" || fail "error does not name the field"
printf 'GIF89a' >notjpeg.jpg
expect_exit 1 "$BIN" --profile "$PROFILES/cccd-sample.json" --portrait notjpeg.jpg --out z
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "more than one error line"
expect_exit 1 "$BIN" --print-qr "$T/nonexistent"
expect_exit 1 "$BIN" --profile "$T/nonexistent.json" --portrait face.jpg --out z
echo "mkcard_cli: all checks passed"
