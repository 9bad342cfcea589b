/*
 * kdf.h — ICAO Doc 9303-11 key derivation (section 9.7.1).
 *
 * KDF(K, c) = hash(K || c) with c a 32-bit big-endian counter; the hash is
 * SHA-1 for 3DES and AES-128 and SHA-256 for AES-192/256, and the key is the
 * hash's first cipher_key_size() bytes. 3DES keys get their DES parity bits
 * (odd parity, the low bit of each byte) set, as the standard's examples show.
 * The caller owns secret and key; nothing is kept. KS_ERR_ARG on a bad cipher
 * or NULL pointers, KS_ERR_CRYPTO when the hash fails.
 */
#ifndef KS_KDF_H
#define KS_KDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cipher.h"
#include "status.h"

#define KDF_ENC 1u
#define KDF_MAC 2u
#define KDF_PACE 3u

ks_status kdf_derive(ks_cipher c, const uint8_t *secret, size_t secret_len, uint32_t counter,
                     uint8_t *key /* cipher_key_size(c) bytes */);

/* Sets odd parity in the low bit of every byte (DES key convention). */
void kdf_set_des_parity(uint8_t *key, size_t len);

#endif
