/*
 * aa.h — Active Authentication (ICAO Doc 9303-11 section 6.1): the chip
 * proves it holds the private key whose public half is in DG15 by signing a
 * challenge chosen by the host.
 *
 * RSA keys: ISO/IEC 9796-2 digital signature scheme 1. The signature is
 * opened with the public key (J = s^e mod n, or n - J when that is the one
 * ending in nibble C); the representative is 01 | more-data bit | padding
 * (nibbles B, last one A) | M1 | H | trailer, trailer BC (SHA-1 implied) or
 * <ISO/IEC 10118-3 hash id> CC. Partial recovery: H = hash(M1 || challenge);
 * full recovery also accepted. Only moduli of a whole number of bytes.
 * ECDSA keys: plain r || s (BSI TR-03111) over hash(challenge), the hash
 * named by DG14's ActiveAuthenticationInfo, SHA-256 when DG14 names none.
 *
 * Both functions return KS_OK whenever a verdict was reached (out->valid
 * true or false, out->reason says why in English, no personal data).
 * Errors: KS_ERR_ARG (NULL, challenge not 1..64 bytes), KS_ERR_MALFORMED
 * (DG15 or its key unreadable), KS_ERR_UNSUPPORTED (key type or modulus
 * shape not handled), KS_ERR_CARD (the chip refused INTERNAL AUTHENTICATE),
 * transport and SM errors from chan_transmit(), KS_ERR_CRYPTO. DG15 and the
 * challenge stay the caller's; nothing is kept.
 */
#ifndef KS_AA_H
#define KS_AA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "chan.h"
#include "secinfo.h"
#include "status.h"

#define AA_MAX_SIGNATURE 1024u

typedef struct aa_result {
    bool valid;
    char reason[160];
    uint8_t signature[AA_MAX_SIGNATURE];
    size_t signature_len;
} aa_result;

/* INTERNAL AUTHENTICATE (00 88 00 00, 8-byte challenge, Le maximal) over c
 * (under whatever SM is active), then aa_verify() on the answer. */
ks_status aa_run(chan *c, const uint8_t *dg15, size_t dg15_len, const secinfo_aa *aa_info,
                 const uint8_t challenge[8], aa_result *out);

/* Offline check of a signature over challenge; dg15 is the whole DG15 file
 * (tag 6F). aa_info may be NULL (DG14 absent or without AA info). */
ks_status aa_verify(const uint8_t *dg15, size_t dg15_len, const secinfo_aa *aa_info,
                    const uint8_t *challenge, size_t challenge_len, const uint8_t *sig,
                    size_t sig_len, aa_result *out);

/* ISO/IEC 9796-2 scheme 1 check with an RSA key, for any non-recoverable
 * part m2 (the challenge in AA) and the hash a BC trailer implies (SHA-1 in
 * Doc 9303; standards' examples use others). Same verdict rules as above. */
ks_status aa_iso9796_verify(EVP_PKEY *pk, int implicit_hash_nid, const uint8_t *m2, size_t m2_len,
                            const uint8_t *sig, size_t sig_len, aa_result *out);

/* The hash an ISO/IEC 10118-3 identifier (the byte before CC) names, as an
 * OpenSSL NID; 0 when unknown. */
int aa_hash_nid_from_iso_id(uint8_t id);

#endif
