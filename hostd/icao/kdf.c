#include "kdf.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

void kdf_set_des_parity(uint8_t *key, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = (uint8_t)(key[i] & 0xFEu);
        unsigned ones = 0;
        for (uint8_t v = b; v; v = (uint8_t)(v >> 1))
            ones += v & 1u;
        key[i] = (uint8_t)(b | ((ones & 1u) ? 0u : 1u));
    }
}

ks_status kdf_derive(ks_cipher c, const uint8_t *secret, size_t secret_len, uint32_t counter,
                     uint8_t *key)
{
    size_t klen = cipher_key_size(c);
    if (klen == 0 || !key || (secret_len && !secret))
        return KS_ERR_ARG;
    const EVP_MD *md = (c == KS_CIPHER_AES192 || c == KS_CIPHER_AES256) ? EVP_sha256() : EVP_sha1();
    uint8_t ctr[4] = {(uint8_t)(counter >> 24), (uint8_t)(counter >> 16), (uint8_t)(counter >> 8),
                      (uint8_t)counter};
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return KS_ERR_NO_MEMORY;
    ks_status st = KS_ERR_CRYPTO;
    if (EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
        (secret_len == 0 || EVP_DigestUpdate(ctx, secret, secret_len) == 1) &&
        EVP_DigestUpdate(ctx, ctr, sizeof ctr) == 1 &&
        EVP_DigestFinal_ex(ctx, digest, &dlen) == 1 && dlen >= klen) {
        memcpy(key, digest, klen);
        if (c == KS_CIPHER_3DES)
            kdf_set_des_parity(key, klen);
        st = KS_OK;
    }
    EVP_MD_CTX_free(ctx);
    OPENSSL_cleanse(digest, sizeof digest);
    return st;
}
