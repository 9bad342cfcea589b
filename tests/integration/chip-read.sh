#!/usr/bin/env bash
# chip-read.sh SCENARIO — reads a virtual card through a real pcscd + vpcd
# with kioskctl and checks the outcome. Run under tools/with-pcscd.
source "$(dirname "$0")/lib.sh"
scenario=${1:?scenario}

case "$scenario" in
passport-genuine)
  make_card passport-sample "$T/card"
  start_card "$T/card"
  read_card "$T/out.json" --mrz "$(mrz_key "$T/card")" --trust "$T/card/trust"
  [ $RC -eq 0 ] || fail "exit $RC: $(cat "$T/out.json.err")"
  expect_json "$T/out.json" .access.protocol BAC
  expect_json "$T/out.json" .authentication.passive valid
  expect_json "$T/out.json" .authentication.verdict genuine
  expect_json "$T/out.json" .holder.nationality "$(jq -r .mrz.nationality "$KS_SOURCE_DIR/tools/mkcard/profiles/passport-sample.json")"
  pass "passport read by BAC is genuine"
  ;;
cccd-genuine)
  make_card cccd-sample "$T/card"
  start_card "$T/card"
  read_card "$T/out.json" --mrz "$(mrz_key "$T/card")" --trust "$T/card/trust" --portrait-out "$T/face.jpg"
  [ $RC -eq 0 ] || fail "exit $RC: $(cat "$T/out.json.err")"
  expect_json "$T/out.json" .authentication.verdict genuine
  expect_json "$T/out.json" .holder.id_number "$(jq -r .cccd.id_number "$KS_SOURCE_DIR/tools/mkcard/profiles/cccd-sample.json")"
  expect_json "$T/out.json" .holder.date_of_birth 1999-08-15
  expect_json "$T/out.json" .portrait.format jpeg
  expect_json "$T/out.json" .portrait.sha256 "$(sha256sum "$T/portrait.jpg" | cut -d' ' -f1)"
  expect_json "$T/out.json" .portrait.width 360
  expect_json "$T/out.json" .portrait.height 480
  cmp -s "$T/face.jpg" "$T/portrait.jpg" || fail "--portrait-out differs from the personalised portrait"
  [ "$(jq .portrait.bytes "$T/out.json")" -ge 15000 ] || fail "portrait under 15 KB"
  pass "CCCD read is genuine, portrait intact"
  ;;
tampered-dg2)
  make_card cccd-sample "$T/card"
  # Flip one byte inside the JPEG data, far from any header.
  flip_byte "$T/card/0102.bin" $(( $(stat -c %s "$T/card/0102.bin") - 100 ))
  start_card "$T/card"
  read_card "$T/out.json" --mrz "$(mrz_key "$T/card")" --trust "$T/card/trust"
  [ $RC -eq 1 ] || fail "exit $RC, expected 1"
  expect_json "$T/out.json" .authentication.passive invalid
  expect_json "$T/out.json" .authentication.verdict not_genuine
  jq -r .authentication.passive_reason "$T/out.json" | grep -q "DG2" || fail "reason does not name DG2"
  pass "one changed byte of DG2 makes passive authentication invalid, naming DG2"
  ;;
unknown-csca)
  make_card cccd-sample "$T/card"
  make_card cccd-sample "$T/other"
  start_card "$T/card"
  read_card "$T/out.json" --mrz "$(mrz_key "$T/card")" --trust "$T/other/trust"
  [ $RC -eq 1 ] || fail "exit $RC, expected 1"
  expect_json "$T/out.json" .authentication.passive untrusted
  expect_json "$T/out.json" .authentication.verdict unverified
  pass "a DSC from an unknown CSCA is untrusted"
  ;;
wrong-mrz)
  make_card cccd-sample "$T/card"
  start_card "$T/card"
  read_card "$T/out.json" --mrz "123456789:990101:300101" --trust "$T/card/trust"
  [ $RC -eq 3 ] || fail "exit $RC, expected 3"
  grep -q "access denied" "$T/out.json.err" || fail "no clear access-denied message: $(cat "$T/out.json.err")"
  [ "$(wc -l <"$T/out.json.err")" -eq 1 ] || fail "more than one line on stderr"
  [ ! -s "$T/out.json" ] || fail "output printed for a denied read"
  pass "a wrong MRZ is access denied, one clear line"
  ;;
removed-mid-read)
  make_card cccd-sample "$T/card"
  start_card "$T/card" --fault remove-after=6
  read_card "$T/out.json" --mrz "$(mrz_key "$T/card")" --trust "$T/card/trust"
  [ $RC -eq 4 ] || fail "exit $RC, expected 4"
  grep -q "removed" "$T/out.json.err" || fail "error does not say the card was removed: $(cat "$T/out.json.err")"
  [ "$(wc -l <"$T/out.json.err")" -eq 1 ] || fail "more than one line on stderr"
  pass "a card pulled out mid-read gives one clean error"
  ;;
corrupt-sm)
  make_card cccd-sample "$T/card"
  start_card "$T/card" --fault corrupt-sm
  read_card "$T/out.json" --mrz "$(mrz_key "$T/card")" --trust "$T/card/trust"
  [ $RC -eq 4 ] || fail "exit $RC, expected 4"
  grep -qi "authentication" "$T/out.json.err" || fail "no MAC error reported: $(cat "$T/out.json.err")"
  pass "a response with a bad MAC is refused"
  ;;
short-apdus)
  # An RSA-2048 Active Authentication signature cannot fit a short protected
  # response, so the short-APDU card signs with ECDSA.
  make_card cccd-sample "$T/card" --aa ecdsa
  start_card "$T/card" --no-extended
  read_card "$T/out.json" --mrz "$(mrz_key "$T/card")" --trust "$T/card/trust"
  [ $RC -eq 0 ] || fail "exit $RC: $(cat "$T/out.json.err")"
  expect_json "$T/out.json" .authentication.verdict genuine
  apdus=$(jq .stats.apdus "$T/out.json")
  [ "$apdus" -gt 60 ] || fail "only $apdus APDUs without extended length: were extended APDUs sent?"
  pass "a card without extended length reads with short APDUs ($apdus APDUs)"
  ;;
external-dsc)
  # A CSCA and DSC made with the openssl CLI, outside the project's code.
  mkdir -p "$T/pki/trust"
  cd "$T/pki"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout csca.key -out trust/csca.pem -days 3650 \
    -subj "/C=VN/O=Test/CN=External Test CSCA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -new -newkey rsa:2048 -nodes -keyout dsc.key -out dsc.csr -subj "/C=VN/O=Test/CN=External Test DSC" 2>/dev/null
  printf 'keyUsage=critical,digitalSignature\n' >dsc.ext
  openssl x509 -req -in dsc.csr -CA trust/csca.pem -CAkey csca.key -CAcreateserial -out dsc.pem -days 365 -extfile dsc.ext 2>/dev/null
  cd - >/dev/null
  make_card cccd-sample "$T/card" --dsc-key "$T/pki/dsc.key" --dsc-cert "$T/pki/dsc.pem"
  [ ! -e "$T/card/trust/csca.pem" ] || fail "mkcard wrote a CSCA although a DSC was given"
  start_card "$T/card"
  read_card "$T/out.json" --mrz "$(mrz_key "$T/card")" --trust "$T/pki/trust"
  [ $RC -eq 0 ] || fail "exit $RC with the external CSCA: $(cat "$T/out.json.err")"
  expect_json "$T/out.json" .authentication.passive valid
  read_card "$T/out2.json" --mrz "$(mrz_key "$T/card")"
  [ $RC -eq 1 ] || fail "exit $RC without trust, expected 1"
  expect_json "$T/out2.json" .authentication.passive untrusted
  stop_card
  flip_byte "$T/card/0102.bin" $(( $(stat -c %s "$T/card/0102.bin") / 2 ))
  start_card "$T/card"
  read_card "$T/out3.json" --mrz "$(mrz_key "$T/card")" --trust "$T/pki/trust"
  [ $RC -eq 1 ] || fail "exit $RC after changing DG2, expected 1"
  expect_json "$T/out3.json" .authentication.passive invalid
  pass "openssl-made CSCA/DSC: genuine with trust, untrusted without, invalid after one DG2 byte"
  ;;
third-party-client)
  make_card cccd-sample "$T/card"
  start_card "$T/card"
  for _ in $(seq 1 50); do
    opensc-tool -l 2>/dev/null | grep -q "Yes" && break
    sleep 0.1
  done
  atr=$(opensc-tool -r 0 -a 2>/dev/null | tail -n 1)
  echo "$atr" | grep -Eq '^3[bB]:8' || fail "opensc-tool did not see the card's ATR (got '$atr')"
  # A third-party client selecting the eMRTD application gets 90 00.
  opensc-tool -r 0 -s 00:A4:04:0C:07:A0:00:00:02:47:10:01 2>/dev/null | grep -q "SW1=0x90, SW2=0x00" ||
    fail "opensc-tool could not select the eMRTD application"
  pass "opensc-tool sees the virtual card (ATR $atr) and selects the eMRTD application"
  ;;
trust-import)
  # The CSCA goes into a fresh trust directory through kioskctl trust import.
  make_card cccd-sample "$T/card"
  "$KS_KIOSKCTL" trust import "$T/card/trust/csca.pem" --trust "$T/imported" >/dev/null ||
    fail "kioskctl trust import failed"
  "$KS_KIOSKCTL" trust list --trust "$T/imported" | grep -q "Test CSCA" || fail "trust list does not show the CSCA"
  start_card "$T/card"
  read_card "$T/out.json" --mrz "$(mrz_key "$T/card")" --trust "$T/imported"
  [ $RC -eq 0 ] || fail "exit $RC: $(cat "$T/out.json.err")"
  expect_json "$T/out.json" .authentication.passive valid
  pass "a CSCA imported with kioskctl trust makes the card genuine"
  ;;
qr-only)
  # Everything from the printed QR: keys, then DG13 checked against it.
  make_card cccd-sample "$T/card"
  profile="$KS_SOURCE_DIR/tools/mkcard/profiles/cccd-sample.json"
  start_card "$T/card"
  read_card "$T/out.json" --qr "$("$KS_MKCARD" --print-qr "$T/card")" --trust "$T/card/trust"
  [ $RC -eq 0 ] || fail "exit $RC: $(cat "$T/out.json.err")"
  expect_json "$T/out.json" .access.protocol PACE
  expect_json "$T/out.json" .authentication.passive valid
  expect_json "$T/out.json" .authentication.active valid
  expect_json "$T/out.json" .authentication.chip valid
  expect_json "$T/out.json" .authentication.verdict genuine
  expect_json "$T/out.json" .cccd.consistency match
  for f in id_number full_name nationality ethnicity religion place_of_origin place_of_residence \
           identification_features father_name mother_name old_id_number; do
    expect_json "$T/out.json" ".cccd.dg13.$f" "$(jq -r ".cccd.$f" "$profile")"
  done
  expect_json "$T/out.json" .cccd.dg13.date_of_birth 1999-08-15
  expect_json "$T/out.json" .holder.full_name "$(jq -r .cccd.full_name "$profile")"
  pass "a CCCD read from its QR alone with PACE, AA and CA valid, DG13 exactly as personalised"
  ;;
qr-mismatch)
  make_card cccd-sample "$T/card"
  start_card "$T/card"
  qr=$("$KS_MKCARD" --print-qr "$T/card" | sed 's/|Nguyễn Văn An|/|Nguyễn Văn Anh|/')
  read_card "$T/out.json" --qr "$qr" --trust "$T/card/trust"
  expect_json "$T/out.json" .cccd.consistency mismatch
  expect_json "$T/out.json" '.cccd.mismatches | join(",")' full_name
  pass "a QR whose name differs from the chip is reported as a full_name mismatch"
  ;;
clone)
  # A clone: Active Authentication signed by a key that is not DG15's.
  make_card cccd-sample "$T/card"
  start_card "$T/card" --fault clone
  read_card "$T/out.json" --qr "$("$KS_MKCARD" --print-qr "$T/card")" --trust "$T/card/trust"
  [ $RC -eq 1 ] || fail "exit $RC, expected 1"
  expect_json "$T/out.json" .authentication.active invalid
  expect_json "$T/out.json" .authentication.verdict not_genuine
  pass "a cloned chip fails Active Authentication: not genuine, exit 1"
  ;;
ca-fail)
  make_card cccd-sample "$T/card"
  start_card "$T/card" --fault ca-fail
  read_card "$T/out.json" --qr "$("$KS_MKCARD" --print-qr "$T/card")" --trust "$T/card/trust"
  [ $RC -eq 1 ] || fail "exit $RC, expected 1"
  expect_json "$T/out.json" .authentication.chip invalid
  expect_json "$T/out.json" .authentication.verdict not_genuine
  pass "a chip that cannot complete Chip Authentication is invalid"
  ;;
can-aa-challenge)
  # PACE with the CAN alone; a caller-chosen challenge comes back signed.
  make_card cccd-sample "$T/card" --aa ecdsa
  start_card "$T/card"
  read_card "$T/out.json" --can "$(jq -r .can "$T/card/card.json")" --trust "$T/card/trust" \
    --aa-challenge 0102030405060708
  [ $RC -eq 0 ] || fail "exit $RC: $(cat "$T/out.json.err")"
  expect_json "$T/out.json" .access.protocol PACE
  expect_json "$T/out.json" .authentication.active valid
  expect_json "$T/out.json" .authentication.active_challenge 0102030405060708
  [ "$(jq -r .authentication.active_signature "$T/out.json" | wc -c)" -eq 129 ] ||
    fail "no 64-byte ECDSA signature in the JSON"
  pass "PACE with the CAN; the AA signature over a given challenge is in the JSON"
  ;;
unseen-profile)
  # A profile nobody wrote: random Vietnamese names, places and dates (the
  # seed is printed so a failure can be replayed with KS_PROFILE_SEED).
  seed=${KS_PROFILE_SEED:-$(( $(date +%s) % 32768 ))}
  echo "profile seed $seed"
  "$(dirname "$0")/random-profile.sh" "$seed" >"$T/profile.json"
  [ -f "$T/portrait.jpg" ] || sample_portrait "$T/portrait.jpg"
  "$KS_MKCARD" --profile "$T/profile.json" --portrait "$T/portrait.jpg" --out "$T/card" >/dev/null
  start_card "$T/card"
  read_card "$T/out.json" --qr "$("$KS_MKCARD" --print-qr "$T/card")" --trust "$T/card/trust"
  [ $RC -eq 0 ] || fail "exit $RC: $(cat "$T/out.json.err")"
  expect_json "$T/out.json" .authentication.verdict genuine
  expect_json "$T/out.json" .cccd.consistency match
  for f in id_number full_name sex nationality ethnicity religion place_of_origin place_of_residence \
           identification_features father_name mother_name; do
    expect_json "$T/out.json" ".cccd.dg13.$f" "$(jq -r ".cccd.$f" "$T/profile.json")"
  done
  for f in date_of_birth date_of_issue date_of_expiry; do
    want=$(jq -r ".cccd.$f" "$T/profile.json" | awk -F/ '{print $3"-"$2"-"$1}')
    expect_json "$T/out.json" ".cccd.dg13.$f" "$want"
  done
  pass "an unseen CCCD profile is read from its QR with DG13 exactly as personalised"
  ;;
large-portrait)
  # A 144 KB DG2: offsets past 32767 need READ BINARY with odd INS (B1).
  photo="$("$KS_SOURCE_DIR/tools/fetch-samples")/sample1.jpg"
  "$KS_MKCARD" --profile "$KS_SOURCE_DIR/tools/mkcard/profiles/cccd-sample.json" \
    --portrait "$photo" --out "$T/card" >/dev/null
  start_card "$T/card"
  read_card "$T/out.json" --qr "$("$KS_MKCARD" --print-qr "$T/card")" --trust "$T/card/trust"
  [ $RC -eq 0 ] || fail "exit $RC: $(cat "$T/out.json.err")"
  expect_json "$T/out.json" .portrait.sha256 "$(sha256sum "$photo" | cut -d' ' -f1)"
  expect_json "$T/out.json" .portrait.width 1920
  pass "a $(stat -c %s "$T/card/0102.bin")-byte DG2 reads intact ($(jq .stats.apdus "$T/out.json") APDUs)"
  ;;
*)
  fail "unknown scenario $scenario"
  ;;
esac
