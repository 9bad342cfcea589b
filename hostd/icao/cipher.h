/*
 * cipher.h — block ciphers and MACs for eMRTD protocols (OpenSSL default
 * provider only).
 *
 * Offers two-key 3DES and AES-128/192/256 in CBC and single-block ECB, the
 * ICAO MACs (ISO/IEC 9797-1 MAC algorithm 3 "retail MAC" with DES for 3DES,
 * AES-CMAC for AES, both 8 bytes) and ISO/IEC 9797-1 padding method 2.
 *
 * Keys and buffers belong to the caller; nothing is kept between calls
 * except inside a cipher_mac_ctx, which cipher_mac_final()/cipher_mac_abort()
 * wipe and release. Errors: KS_ERR_ARG for a bad cipher, NULL pointer or a
 * length that is not what the function needs; KS_ERR_CRYPTO when OpenSSL
 * fails; KS_ERR_MALFORMED from cipher_unpad() when the padding is wrong.
 */
#ifndef KS_CIPHER_H
#define KS_CIPHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef enum ks_cipher { KS_CIPHER_3DES = 1, KS_CIPHER_AES128, KS_CIPHER_AES192, KS_CIPHER_AES256 } ks_cipher;

#define CIPHER_MAX_BLOCK 16u
#define CIPHER_MAX_KEY 32u
#define CIPHER_MAC_LEN 8u

/* 8 or 16; 0 for an unknown cipher. */
size_t cipher_block_size(ks_cipher c);
/* 16 (two-key 3DES), 16, 24, 32; 0 for an unknown cipher. */
size_t cipher_key_size(ks_cipher c);

/* CBC without padding; len must be a multiple of the block size. iv NULL
 * means all zeros. in and out may be the same buffer. */
ks_status cipher_cbc(ks_cipher c, bool encrypt, const uint8_t *key, const uint8_t *iv,
                     const uint8_t *in, size_t len, uint8_t *out);

/* Encrypts exactly one block (used for the AES secure-messaging IV). */
ks_status cipher_ecb_block(ks_cipher c, const uint8_t *key, const uint8_t *in, uint8_t *out);

/* Retail MAC (3DES; len a non-zero multiple of 8) or AES-CMAC (any len),
 * truncated to 8 bytes. The input is NOT padded here: callers pad first
 * wherever ICAO pads (secure messaging, BAC, and 3DES PACE tokens; AES PACE
 * tokens are CMAC over the unpadded input). */
ks_status cipher_mac(ks_cipher c, const uint8_t *key, const uint8_t *in, size_t len,
                     uint8_t mac[8]);

/* The same MAC over input given in pieces. The context owns OpenSSL state:
 * after a successful begin, end it with cipher_mac_final() or
 * cipher_mac_abort() (both safe to call once more afterwards). */
typedef struct cipher_mac_ctx {
    ks_cipher cipher;
    void *impl;                          /* EVP_CIPHER_CTX (DES) or EVP_MAC_CTX (CMAC) */
    uint8_t key[16];                     /* retail MAC: K1 || K2 for the last block */
    uint8_t chain[8];                    /* retail MAC: CBC chaining value */
    uint8_t pending[8];                  /* retail MAC: the last block is held back */
    size_t pending_len;
    size_t total;
} cipher_mac_ctx;

ks_status cipher_mac_begin(cipher_mac_ctx *ctx, ks_cipher c, const uint8_t *key);
ks_status cipher_mac_update(cipher_mac_ctx *ctx, const uint8_t *in, size_t len);
ks_status cipher_mac_final(cipher_mac_ctx *ctx, uint8_t mac[8]);
void cipher_mac_abort(cipher_mac_ctx *ctx);

/* ISO/IEC 9797-1 method 2 in place: buf holds len bytes and has room for cap;
 * appends 0x80 then zeros up to a multiple of block. Returns the padded length,
 * or 0 when cap is too small (or block is 0). */
size_t cipher_pad(uint8_t *buf, size_t len, size_t cap, size_t block);

/* Finds method-2 padding: the last non-zero byte must be 0x80. *unpadded gets
 * the length before it. KS_ERR_MALFORMED when there is no such byte. */
ks_status cipher_unpad(const uint8_t *buf, size_t len, size_t *unpadded);

#endif
