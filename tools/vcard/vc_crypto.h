/*
 * vc_crypto.h — the card emulator's own symmetric primitives (OpenSSL 3,
 * default provider only).
 *
 * Offers: ISO/IEC 9797-1 padding method 2, two-key 3DES-CBC with a zero IV,
 * the ISO/IEC 9797-1 MAC algorithm 3 ("retail MAC") with DES, AES-CBC and
 * AES-CMAC, SHA-1 and the other SHA-2 digests by name, the ICAO key
 * derivation function for AES keys, and random bytes. Single DES is done as DES-EDE3 with three equal keys, since
 * the default provider has no plain DES. Written for kiosk-vcard only: the
 * host has its own implementation so that one bug cannot hide in both.
 *
 * All buffers are caller-owned. Lengths that must be whole blocks are
 * checked (KS_ERR_ARG); OpenSSL failures return KS_ERR_CRYPTO.
 */
#ifndef VC_CRYPTO_H
#define VC_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define VC_DES_BLOCK 8u
#define VC_3DES_KEY 16u
#define VC_MAC_LEN 8u
#define VC_SHA1_LEN 20u
#define VC_AES_BLOCK 16u
#define VC_MAX_DIGEST 64u

/* Appends 80 00.. to reach a multiple of `block`; needs len + block bytes of room. */
ks_status vc_pad(uint8_t *buf, size_t len, size_t cap, size_t block, size_t *out_len);

/* Finds the 80 00.. padding at the end of buf; *out_len is the length without it. */
ks_status vc_unpad(const uint8_t *buf, size_t len, size_t *out_len);

/* Two-key 3DES-CBC (K1 K2 K1), zero IV, len a multiple of 8; in and out may alias. */
ks_status vc_3des_cbc(const uint8_t key[VC_3DES_KEY], bool encrypt, const uint8_t *in,
                      size_t len, uint8_t *out);

/* Retail MAC over already padded input (len a non-zero multiple of 8). */
ks_status vc_retail_mac(const uint8_t key[VC_3DES_KEY], const uint8_t *in, size_t len,
                        uint8_t mac[VC_MAC_LEN]);

/* Sets every byte of a DES key to odd parity (DES ignores the bit; the worked examples keep it). */
void vc_des_set_parity(uint8_t *key, size_t len);

ks_status vc_sha1(const uint8_t *in, size_t len, uint8_t out[VC_SHA1_LEN]);

/* AES-CBC (key_len 16, 24 or 32) with the given IV (NULL: zero), len a multiple of 16. */
ks_status vc_aes_cbc(const uint8_t *key, size_t key_len, const uint8_t *iv, bool encrypt,
                     const uint8_t *in, size_t len, uint8_t *out);

/* Full 16-byte AES-CMAC (NIST SP 800-38B) of in; callers truncate. */
ks_status vc_aes_cmac(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len,
                      uint8_t mac[VC_AES_BLOCK]);

/* Digest by OpenSSL name ("sha1", "sha256", ...); *out_len gets its size (<= VC_MAX_DIGEST). */
ks_status vc_digest(const char *name, const uint8_t *in, size_t len, uint8_t out[VC_MAX_DIGEST],
                    size_t *out_len);

/*
 * ICAO KDF for AES keys (Doc 9303 Part 11, 9.7.1): SHA-1(seed || counter)
 * truncated to 16 bytes for AES-128, SHA-256(seed || counter) truncated to
 * 24 or 32 bytes otherwise. seed_len at most 512.
 */
ks_status vc_kdf_aes(const uint8_t *seed, size_t seed_len, uint32_t counter, size_t key_len,
                     uint8_t *key);

ks_status vc_random(uint8_t *out, size_t len);

/* Constant-time comparison; true when equal. */
bool vc_equal_ct(const uint8_t *a, const uint8_t *b, size_t len);

#endif
