/*
 * vc_aa.h — Active Authentication, card side (ICAO Doc 9303 Part 11, 6.1):
 * the signature the chip returns to INTERNAL AUTHENTICATE.
 *
 * RSA: ISO/IEC 9796-2 digital signature scheme 1 with partial message
 * recovery. The representative is 6A || M1 || H(M1 || M2) || trailer, M1 a
 * random nonce filling the capacity, M2 the terminal's challenge, trailer
 * BC for SHA-1 and hash-id || CC otherwise (ISO/IEC 10118-3 ids: SHA-1 33,
 * SHA-256 34, SHA-512 35, SHA-384 36, SHA-224 38); the signature is the raw
 * RSA private operation on it. The modulus must be a whole number of bytes.
 * ECDSA: the plain r || s (each the order's length, BSI TR-03111) over
 * H(challenge).
 *
 * M1 comes from the caller's vc_rng_fn. out needs the key's size (RSA) or
 * twice the order's length (ECDSA).
 */
#ifndef VC_AA_H
#define VC_AA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "status.h"
#include "vc_group.h"

ks_status vc_aa_sign(EVP_PKEY *key, bool ecdsa, const char *digest, const uint8_t *challenge,
                     size_t len, vc_rng_fn rng, void *rng_ctx, uint8_t *out, size_t cap,
                     size_t *out_len);

#endif
