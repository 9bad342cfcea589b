/*
 * ca.h — Chip Authentication (ICAO Doc 9303-11 section 6.2, BSI TR-03110):
 * an ephemeral Diffie-Hellman with the static key in DG14 gives new secure
 * messaging keys that only a chip holding the private key can know.
 *
 * ca_run() picks a ChipAuthenticationInfo and the public key with the same
 * key id and the same DH/ECDH kind (AES preferred; a DG14 with a key but no
 * ChipAuthenticationInfo means CA-3DES), makes an ephemeral key pair on the
 * chip key's domain parameters and sends its public half under the channel's
 * current secure messaging:
 *   3DES: MSE:Set KAT (22 41 A6: 91 public key, 84 key id when present);
 *   AES:  MSE:Set AT (22 41 A4: 80 CA OID, 84 key id) then GENERAL
 *         AUTHENTICATE (86 00 00: 7C { 80 public key }).
 * Data longer than a short APDU goes with command chaining when the channel
 * has no extended length. The shared secret (ECDH: x-coordinate; DH: g^xy
 * mod p left-padded to the prime size) gives KSenc/KSmac through kdf_derive()
 * for the chosen cipher; *new_sm gets them with SSC zero. ca_run() does not
 * switch the channel: the caller calls chan_start_sm(c, new_sm) and reads a
 * file, which a chip without the private key cannot answer.
 *
 * Chip public keys are accepted as X.509 SubjectPublicKeyInfo
 * (id-ecPublicKey, dhpublicnumber, dhKeyAgreement) or with the BSI
 * id-PK-ECDH / id-PK-DH algorithm, its parameters explicit or a
 * standardised domain-parameter id.
 *
 * Errors: KS_ERR_ARG (NULL), KS_ERR_NOT_FOUND (no usable CA info/key pair),
 * KS_ERR_MALFORMED (chip key unreadable), KS_ERR_UNSUPPORTED (algorithm not
 * implemented), KS_ERR_CARD (the chip refused a command; reason has the SW),
 * KS_ERR_CRYPTO, and transport/SM errors from chan_transmit(). out->reason
 * always says what happened, without personal data. *new_sm holds secrets:
 * the caller wipes it (sm_clear) when done; on failure it is wiped here.
 */
#ifndef KS_CA_H
#define KS_CA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "chan.h"
#include "secinfo.h"
#include "sm.h"
#include "status.h"

typedef struct ca_result {
    bool done;
    char reason[160];
} ca_result;

ks_status ca_run(chan *c, const secinfo_set *dg14, sm_ctx *new_sm, ca_result *out);

/* The CA choice ca_run() makes: *info is NULL for CA-3DES without any
 * ChipAuthenticationInfo. KS_ERR_NOT_FOUND when nothing usable. */
ks_status ca_choose(const secinfo_set *dg14, const secinfo_ca **info, const secinfo_ca_pk **pk,
                    ks_cipher *cipher);

/* Decodes a chip CA public key (see above for the forms); caller frees. */
ks_status ca_load_public_key(const uint8_t *spki, size_t spki_len, EVP_PKEY **out);

#endif
