#!/usr/bin/env bash
# upload-tls: HTTPS with certificates made here by the openssl CLI. A server
# certificate from an unknown CA, a missing or foreign client certificate and
# a pin mismatch are each refused with a clear error and acknowledge nothing;
# the right CA, client certificate and pin deliver every record.
. "$(dirname "$0")/upload-lib.sh"

P="$WORK/pki"
mkdir -p "$P"
# mkca NAME: a self-signed EC P-256 CA
mkca() {
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$P/$1.key" -out "$P/$1.pem" -days 2 -subj "/CN=$1" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
}
# mkleaf NAME CA EXT: a leaf key and certificate issued by CA
mkleaf() {
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$P/$1.key" -out "$P/$1.csr" -subj "/CN=$1" 2>/dev/null
    printf '%s\n' "$3" > "$P/$1.ext"
    openssl x509 -req -in "$P/$1.csr" -CA "$P/$2.pem" -CAkey "$P/$2.key" -CAcreateserial \
        -out "$P/$1.pem" -days 2 -extfile "$P/$1.ext" 2>/dev/null
}
spki_pin() { echo "sha256//$(openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
                               openssl dgst -sha256 -binary | base64)"; }
mkca server-ca; mkca client-ca; mkca rogue-ca
SERVER_EXT=$'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth'
CLIENT_EXT=$'extendedKeyUsage=clientAuth'
mkleaf server server-ca "$SERVER_EXT"
mkleaf rogue-server rogue-ca "$SERVER_EXT"
mkleaf kiosk client-ca "$CLIENT_EXT"
mkleaf stranger rogue-ca "$CLIENT_EXT"

N=4
"$KS_UPLOAD_DRIVER" enqueue "$N"
export KIOSK_CA_FILE="$P/server-ca.pem"
export KIOSK_CLIENT_CERT="$P/kiosk.pem" KIOSK_CLIENT_KEY="$P/kiosk.key"

# expect_refused LOG PATTERN RECEIVER_DB: nothing moved, clear error
expect_refused() {
    grep -q "$2" "$1" || fail "expected '$2' in: $(cat "$1")"
    st=$(queue_status)
    [ "$(json_field "$st" acknowledged)" = 0 ] || fail "acknowledged despite refusal: $st"
    [ "$(json_field "$st" pending)" = "$N" ] || fail "records not pending: $st"
    [ "$(json_field "$(receiver_count "$3")" unique)" = 0 ] || fail "receiver stored records"
    sleep 1.2   # the records' one-second backoff
}

note "server certificate from a CA the kiosk does not trust"
start_receiver --db "$WORK/rogue.db" --cert "$P/rogue-server.pem" --key "$P/rogue-server.key" \
    --client-ca "$P/client-ca.pem"
export KIOSK_UPLOAD_URL="https://127.0.0.1:$PORT"
"$KS_UPLOAD_DRIVER" drain 2>"$WORK/rogue.log"
expect_refused "$WORK/rogue.log" "server certificate not trusted" "$WORK/rogue.db"
stop_receiver

start_receiver --db "$WORK/recv.db" --cert "$P/server.pem" --key "$P/server.key" \
    --client-ca "$P/client-ca.pem"
export KIOSK_UPLOAD_URL="https://127.0.0.1:$PORT"

note "mutual TLS: no client certificate"
KIOSK_CLIENT_CERT= KIOSK_CLIENT_KEY= "$KS_UPLOAD_DRIVER" drain 2>"$WORK/nocert.log"
expect_refused "$WORK/nocert.log" "HTTP 403: client certificate required" "$WORK/recv.db"

note "mutual TLS: a client certificate from another CA"
KIOSK_CLIENT_CERT="$P/stranger.pem" KIOSK_CLIENT_KEY="$P/stranger.key" \
    "$KS_UPLOAD_DRIVER" drain 2>"$WORK/stranger.log"
expect_refused "$WORK/stranger.log" "HTTP 403: client certificate not trusted" "$WORK/recv.db"

note "pinning: the server key does not match the pin"
KIOSK_PIN=$(spki_pin "$P/rogue-server.pem") "$KS_UPLOAD_DRIVER" drain 2>"$WORK/pin.log"
expect_refused "$WORK/pin.log" "does not match the pin" "$WORK/recv.db"

note "right CA, client certificate and pin: everything arrives"
KIOSK_PIN=$(spki_pin "$P/server.pem") "$KS_UPLOAD_DRIVER" drain --until-empty --max-seconds 20 2>"$WORK/ok.log" ||
    fail "drain failed: $(cat "$WORK/ok.log")"
[ "$(json_field "$(queue_status)" acknowledged)" = "$N" ] || fail "queue: $(queue_status)"
[ "$(json_field "$(receiver_count "$WORK/recv.db")" unique)" = "$N" ] || fail "receiver: $(receiver_count "$WORK/recv.db")"
echo "upload-tls: ok"
