#include "vc_crypto.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>

ks_status vc_pad(uint8_t *buf, size_t len, size_t cap, size_t block, size_t *out_len)
{
    if (!buf || !out_len || block == 0)
        return KS_ERR_ARG;
    size_t padded = (len / block + 1) * block;
    if (padded > cap || padded < len)
        return KS_ERR_TOO_LARGE;
    buf[len] = 0x80;
    memset(buf + len + 1, 0, padded - len - 1);
    *out_len = padded;
    return KS_OK;
}

ks_status vc_unpad(const uint8_t *buf, size_t len, size_t *out_len)
{
    if (!buf || !out_len)
        return KS_ERR_ARG;
    size_t i = len;
    while (i > 0 && buf[i - 1] == 0x00)
        i--;
    if (i == 0 || buf[i - 1] != 0x80)
        return KS_ERR_MALFORMED;
    *out_len = i - 1;
    return KS_OK;
}

/* One EVP pass with padding off; the caller chose cipher, key and IV. */
static ks_status evp_run(const EVP_CIPHER *cipher, const uint8_t *key, const uint8_t *iv,
                         bool encrypt, const uint8_t *in, size_t len, uint8_t *out)
{
    if (len > (size_t)0x7FFFFFFF)
        return KS_ERR_TOO_LARGE;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return KS_ERR_NO_MEMORY;
    ks_status st = KS_ERR_CRYPTO;
    int n1 = 0, n2 = 0;
    if (EVP_CipherInit_ex(ctx, cipher, NULL, key, iv, encrypt ? 1 : 0) == 1 &&
        EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
        EVP_CipherUpdate(ctx, out, &n1, in, (int)len) == 1 &&
        EVP_CipherFinal_ex(ctx, out + n1, &n2) == 1 && (size_t)n1 + (size_t)n2 == len)
        st = KS_OK;
    EVP_CIPHER_CTX_free(ctx);
    return st;
}

ks_status vc_3des_cbc(const uint8_t key[VC_3DES_KEY], bool encrypt, const uint8_t *in,
                      size_t len, uint8_t *out)
{
    if (!key || !in || !out || len % VC_DES_BLOCK != 0)
        return KS_ERR_ARG;
    if (len == 0)
        return KS_OK;
    static const uint8_t zero_iv[VC_DES_BLOCK] = {0};
    return evp_run(EVP_des_ede_cbc(), key, zero_iv, encrypt, in, len, out);
}

/* Single DES as DES-EDE3 with K|K|K, which the default provider offers. */
static ks_status single_des_cbc(const uint8_t k[8], bool encrypt, const uint8_t *in, size_t len,
                                uint8_t *out)
{
    uint8_t k3[24];
    memcpy(k3, k, 8);
    memcpy(k3 + 8, k, 8);
    memcpy(k3 + 16, k, 8);
    static const uint8_t zero_iv[VC_DES_BLOCK] = {0};
    ks_status st = evp_run(EVP_des_ede3_cbc(), k3, zero_iv, encrypt, in, len, out);
    memset(k3, 0, sizeof k3);
    return st;
}

ks_status vc_retail_mac(const uint8_t key[VC_3DES_KEY], const uint8_t *in, size_t len,
                        uint8_t mac[VC_MAC_LEN])
{
    if (!key || !in || !mac || len == 0 || len % VC_DES_BLOCK != 0)
        return KS_ERR_ARG;
    /* Single-DES CBC with Ka over every block; the chaining value is the last block. */
    uint8_t h[VC_DES_BLOCK] = {0};
    uint8_t blk[VC_DES_BLOCK];
    for (size_t off = 0; off < len; off += VC_DES_BLOCK) {
        for (size_t i = 0; i < VC_DES_BLOCK; i++)
            blk[i] = (uint8_t)(h[i] ^ in[off + i]);
        ks_status st = single_des_cbc(key, true, blk, VC_DES_BLOCK, h);
        if (st != KS_OK)
            return st;
    }
    /* Output transformation 3: decrypt with Kb, encrypt with Ka. */
    uint8_t t[VC_DES_BLOCK];
    ks_status st = single_des_cbc(key + 8, false, h, VC_DES_BLOCK, t);
    if (st == KS_OK)
        st = single_des_cbc(key, true, t, VC_DES_BLOCK, mac);
    return st;
}

void vc_des_set_parity(uint8_t *key, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = (uint8_t)(key[i] & 0xFEu);
        unsigned ones = 0;
        for (uint8_t v = b; v; v = (uint8_t)(v & (v - 1)))
            ones++;
        key[i] = (uint8_t)(b | ((ones & 1u) ? 0u : 1u));
    }
}

ks_status vc_sha1(const uint8_t *in, size_t len, uint8_t out[VC_SHA1_LEN])
{
    if ((!in && len) || !out)
        return KS_ERR_ARG;
    unsigned int n = 0;
    if (EVP_Digest(in, len, out, &n, EVP_sha1(), NULL) != 1 || n != VC_SHA1_LEN)
        return KS_ERR_CRYPTO;
    return KS_OK;
}

ks_status vc_random(uint8_t *out, size_t len)
{
    if (!out || len > (size_t)0x7FFFFFFF)
        return KS_ERR_ARG;
    return RAND_bytes(out, (int)len) == 1 ? KS_OK : KS_ERR_CRYPTO;
}

bool vc_equal_ct(const uint8_t *a, const uint8_t *b, size_t len)
{
    uint8_t diff = 0;
    for (size_t i = 0; i < len; i++)
        diff = (uint8_t)(diff | (a[i] ^ b[i]));
    return diff == 0;
}

static const EVP_CIPHER *aes_cbc_for(size_t key_len)
{
    switch (key_len) {
    case 16: return EVP_aes_128_cbc();
    case 24: return EVP_aes_192_cbc();
    case 32: return EVP_aes_256_cbc();
    default: return NULL;
    }
}

ks_status vc_aes_cbc(const uint8_t *key, size_t key_len, const uint8_t *iv, bool encrypt,
                     const uint8_t *in, size_t len, uint8_t *out)
{
    const EVP_CIPHER *cipher = aes_cbc_for(key_len);
    if (!cipher || !key || !in || !out || len % VC_AES_BLOCK != 0)
        return KS_ERR_ARG;
    if (len == 0)
        return KS_OK;
    static const uint8_t zero_iv[VC_AES_BLOCK] = {0};
    return evp_run(cipher, key, iv ? iv : zero_iv, encrypt, in, len, out);
}

ks_status vc_aes_cmac(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len,
                      uint8_t mac[VC_AES_BLOCK])
{
    const char *cipher = key_len == 16 ? "AES-128-CBC"
                         : key_len == 24 ? "AES-192-CBC"
                         : key_len == 32 ? "AES-256-CBC"
                                         : NULL;
    if (!cipher || !key || (!in && len) || !mac)
        return KS_ERR_ARG;
    EVP_MAC *alg = EVP_MAC_fetch(NULL, "CMAC", NULL);
    EVP_MAC_CTX *ctx = alg ? EVP_MAC_CTX_new(alg) : NULL;
    ks_status st = KS_ERR_CRYPTO;
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string("cipher", (char *)cipher, 0);
    params[1] = OSSL_PARAM_construct_end();
    size_t n = 0;
    if (ctx && EVP_MAC_init(ctx, key, key_len, params) == 1 &&
        EVP_MAC_update(ctx, in ? in : (const uint8_t *)"", len) == 1 &&
        EVP_MAC_final(ctx, mac, &n, VC_AES_BLOCK) == 1 && n == VC_AES_BLOCK)
        st = KS_OK;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(alg);
    return st;
}

ks_status vc_digest(const char *name, const uint8_t *in, size_t len, uint8_t out[VC_MAX_DIGEST],
                    size_t *out_len)
{
    if (!name || (!in && len) || !out || !out_len)
        return KS_ERR_ARG;
    EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
    if (!md)
        return KS_ERR_UNSUPPORTED;
    unsigned int n = 0;
    ks_status st = KS_ERR_CRYPTO;
    if (EVP_MD_get_size(md) > 0 && (size_t)EVP_MD_get_size(md) <= VC_MAX_DIGEST &&
        EVP_Digest(in ? in : (const uint8_t *)"", len, out, &n, md, NULL) == 1) {
        *out_len = n;
        st = KS_OK;
    }
    EVP_MD_free(md);
    return st;
}

ks_status vc_kdf_aes(const uint8_t *seed, size_t seed_len, uint32_t counter, size_t key_len,
                     uint8_t *key)
{
    if (!seed || !key || seed_len == 0 || seed_len > 512 ||
        (key_len != 16 && key_len != 24 && key_len != 32))
        return KS_ERR_ARG;
    uint8_t d[512 + 4];
    memcpy(d, seed, seed_len);
    d[seed_len] = (uint8_t)(counter >> 24);
    d[seed_len + 1] = (uint8_t)(counter >> 16);
    d[seed_len + 2] = (uint8_t)(counter >> 8);
    d[seed_len + 3] = (uint8_t)counter;
    uint8_t h[VC_MAX_DIGEST];
    size_t hlen = 0;
    ks_status st = vc_digest(key_len == 16 ? "SHA1" : "SHA256", d, seed_len + 4, h, &hlen);
    if (st == KS_OK && hlen >= key_len)
        memcpy(key, h, key_len);
    else if (st == KS_OK)
        st = KS_ERR_CRYPTO;
    memset(d, 0, sizeof d);
    memset(h, 0, sizeof h);
    return st;
}
