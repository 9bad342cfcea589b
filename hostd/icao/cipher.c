#include "cipher.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

size_t cipher_block_size(ks_cipher c)
{
    switch (c) {
    case KS_CIPHER_3DES: return 8;
    case KS_CIPHER_AES128:
    case KS_CIPHER_AES192:
    case KS_CIPHER_AES256: return 16;
    }
    return 0;
}

size_t cipher_key_size(ks_cipher c)
{
    switch (c) {
    case KS_CIPHER_3DES: return 16;
    case KS_CIPHER_AES128: return 16;
    case KS_CIPHER_AES192: return 24;
    case KS_CIPHER_AES256: return 32;
    }
    return 0;
}

static const EVP_CIPHER *evp_cbc(ks_cipher c)
{
    switch (c) {
    case KS_CIPHER_3DES: return EVP_des_ede_cbc();
    case KS_CIPHER_AES128: return EVP_aes_128_cbc();
    case KS_CIPHER_AES192: return EVP_aes_192_cbc();
    case KS_CIPHER_AES256: return EVP_aes_256_cbc();
    }
    return NULL;
}

static const EVP_CIPHER *evp_ecb(ks_cipher c)
{
    switch (c) {
    case KS_CIPHER_3DES: return EVP_des_ede_ecb();
    case KS_CIPHER_AES128: return EVP_aes_128_ecb();
    case KS_CIPHER_AES192: return EVP_aes_192_ecb();
    case KS_CIPHER_AES256: return EVP_aes_256_ecb();
    }
    return NULL;
}

/* One unpadded EVP pass; EVP counts in int, so long inputs go in slices. */
static ks_status evp_run(const EVP_CIPHER *type, bool encrypt, const uint8_t *key,
                         const uint8_t *iv, const uint8_t *in, size_t len, uint8_t *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return KS_ERR_NO_MEMORY;
    ks_status st = KS_ERR_CRYPTO;
    if (EVP_CipherInit_ex(ctx, type, NULL, key, iv, encrypt ? 1 : 0) != 1)
        goto done;
    if (EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
        goto done;
    size_t off = 0;
    while (off < len) {
        size_t chunk = len - off > 65536u ? 65536u : len - off;
        int outl = 0;
        if (EVP_CipherUpdate(ctx, out + off, &outl, in + off, (int)chunk) != 1 ||
            (size_t)outl != chunk)
            goto done;
        off += chunk;
    }
    int fin = 0;
    uint8_t tail[CIPHER_MAX_BLOCK];
    if (EVP_CipherFinal_ex(ctx, tail, &fin) != 1 || fin != 0)
        goto done;
    st = KS_OK;
done:
    EVP_CIPHER_CTX_free(ctx);
    return st;
}

ks_status cipher_cbc(ks_cipher c, bool encrypt, const uint8_t *key, const uint8_t *iv,
                     const uint8_t *in, size_t len, uint8_t *out)
{
    size_t bs = cipher_block_size(c);
    if (bs == 0 || !key || (len && (!in || !out)) || len % bs != 0)
        return KS_ERR_ARG;
    if (len == 0)
        return KS_OK;
    static const uint8_t zero_iv[CIPHER_MAX_BLOCK];
    return evp_run(evp_cbc(c), encrypt, key, iv ? iv : zero_iv, in, len, out);
}

ks_status cipher_ecb_block(ks_cipher c, const uint8_t *key, const uint8_t *in, uint8_t *out)
{
    size_t bs = cipher_block_size(c);
    if (bs == 0 || !key || !in || !out)
        return KS_ERR_ARG;
    return evp_run(evp_ecb(c), true, key, NULL, in, bs, out);
}

/* --- MAC ---------------------------------------------------------------- */

static const char *cmac_cipher_name(ks_cipher c)
{
    switch (c) {
    case KS_CIPHER_AES128: return "AES-128-CBC";
    case KS_CIPHER_AES192: return "AES-192-CBC";
    case KS_CIPHER_AES256: return "AES-256-CBC";
    case KS_CIPHER_3DES: break;
    }
    return NULL;
}

static ks_status cmac_begin(cipher_mac_ctx *ctx, ks_cipher c, const uint8_t *key)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
    if (!mac)
        return KS_ERR_CRYPTO;
    EVP_MAC_CTX *mctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); /* the context keeps its own reference */
    if (!mctx)
        return KS_ERR_NO_MEMORY;
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
                                                 (char *)cmac_cipher_name(c), 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_init(mctx, key, cipher_key_size(c), params) != 1) {
        EVP_MAC_CTX_free(mctx);
        return KS_ERR_CRYPTO;
    }
    ctx->impl = mctx;
    return KS_OK;
}

/* Single DES is DES-EDE3 with three equal keys: the default provider has no DES. */
static ks_status retail_begin(cipher_mac_ctx *ctx, const uint8_t *key)
{
    uint8_t k1x3[24];
    memcpy(k1x3, key, 8);
    memcpy(k1x3 + 8, key, 8);
    memcpy(k1x3 + 16, key, 8);
    EVP_CIPHER_CTX *ectx = EVP_CIPHER_CTX_new();
    ks_status st = KS_ERR_NO_MEMORY;
    if (ectx) {
        st = KS_ERR_CRYPTO;
        if (EVP_EncryptInit_ex(ectx, EVP_des_ede3_ecb(), NULL, k1x3, NULL) == 1 &&
            EVP_CIPHER_CTX_set_padding(ectx, 0) == 1) {
            ctx->impl = ectx;
            memcpy(ctx->key, key, 16);
            st = KS_OK;
        } else {
            EVP_CIPHER_CTX_free(ectx);
        }
    }
    OPENSSL_cleanse(k1x3, sizeof k1x3);
    return st;
}

ks_status cipher_mac_begin(cipher_mac_ctx *ctx, ks_cipher c, const uint8_t *key)
{
    if (!ctx)
        return KS_ERR_ARG;
    memset(ctx, 0, sizeof *ctx);
    if (!key || cipher_block_size(c) == 0)
        return KS_ERR_ARG;
    ctx->cipher = c;
    return c == KS_CIPHER_3DES ? retail_begin(ctx, key) : cmac_begin(ctx, c, key);
}

/* chain = E_K1(chain XOR block): the CBC step of MAC algorithm 3. */
static ks_status retail_step(cipher_mac_ctx *ctx, const uint8_t block[8])
{
    uint8_t x[8];
    for (size_t i = 0; i < 8; i++)
        x[i] = (uint8_t)(ctx->chain[i] ^ block[i]);
    int outl = 0;
    int ok = EVP_EncryptUpdate((EVP_CIPHER_CTX *)ctx->impl, ctx->chain, &outl, x, 8);
    OPENSSL_cleanse(x, sizeof x);
    return ok == 1 && outl == 8 ? KS_OK : KS_ERR_CRYPTO;
}

ks_status cipher_mac_update(cipher_mac_ctx *ctx, const uint8_t *in, size_t len)
{
    if (!ctx || !ctx->impl || (len && !in))
        return KS_ERR_ARG;
    ctx->total += len;
    if (ctx->cipher != KS_CIPHER_3DES)
        return EVP_MAC_update((EVP_MAC_CTX *)ctx->impl, in, len) == 1 ? KS_OK : KS_ERR_CRYPTO;
    while (len > 0) {
        /* A full pending block is only processed once more input proves it is not the last. */
        if (ctx->pending_len == 8) {
            ks_status st = retail_step(ctx, ctx->pending);
            if (st != KS_OK)
                return st;
            ctx->pending_len = 0;
        }
        size_t take = 8 - ctx->pending_len;
        if (take > len)
            take = len;
        memcpy(ctx->pending + ctx->pending_len, in, take);
        ctx->pending_len += take;
        in += take;
        len -= take;
    }
    return KS_OK;
}

void cipher_mac_abort(cipher_mac_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->impl) {
        if (ctx->cipher == KS_CIPHER_3DES)
            EVP_CIPHER_CTX_free((EVP_CIPHER_CTX *)ctx->impl);
        else
            EVP_MAC_CTX_free((EVP_MAC_CTX *)ctx->impl);
    }
    OPENSSL_cleanse(ctx, sizeof *ctx);
}

static ks_status retail_final(cipher_mac_ctx *ctx, uint8_t mac[8])
{
    if (ctx->total == 0 || ctx->total % 8 != 0 || ctx->pending_len != 8)
        return KS_ERR_ARG;
    /* E_K1(D_K2(E_K1(x))) of the last chained block is two-key 3DES-EDE. */
    uint8_t x[8];
    for (size_t i = 0; i < 8; i++)
        x[i] = (uint8_t)(ctx->chain[i] ^ ctx->pending[i]);
    ks_status st = cipher_ecb_block(KS_CIPHER_3DES, ctx->key, x, mac);
    OPENSSL_cleanse(x, sizeof x);
    return st;
}

static ks_status cmac_final(cipher_mac_ctx *ctx, uint8_t mac[8])
{
    uint8_t full[16];
    size_t outl = 0;
    if (EVP_MAC_final((EVP_MAC_CTX *)ctx->impl, full, &outl, sizeof full) != 1 || outl != 16)
        return KS_ERR_CRYPTO;
    memcpy(mac, full, 8);
    OPENSSL_cleanse(full, sizeof full);
    return KS_OK;
}

ks_status cipher_mac_final(cipher_mac_ctx *ctx, uint8_t mac[8])
{
    if (!ctx || !mac)
        return KS_ERR_ARG;
    if (!ctx->impl) {
        cipher_mac_abort(ctx);
        return KS_ERR_ARG;
    }
    ks_status st = ctx->cipher == KS_CIPHER_3DES ? retail_final(ctx, mac) : cmac_final(ctx, mac);
    cipher_mac_abort(ctx);
    return st;
}

ks_status cipher_mac(ks_cipher c, const uint8_t *key, const uint8_t *in, size_t len,
                     uint8_t mac[8])
{
    if (!mac || (len && !in))
        return KS_ERR_ARG;
    if (c == KS_CIPHER_3DES && (len == 0 || len % 8 != 0))
        return KS_ERR_ARG;
    cipher_mac_ctx ctx;
    ks_status st = cipher_mac_begin(&ctx, c, key);
    if (st != KS_OK)
        return st;
    st = cipher_mac_update(&ctx, in, len);
    if (st != KS_OK) {
        cipher_mac_abort(&ctx);
        return st;
    }
    return cipher_mac_final(&ctx, mac);
}

/* --- padding ------------------------------------------------------------ */

size_t cipher_pad(uint8_t *buf, size_t len, size_t cap, size_t block)
{
    if (!buf || block == 0 || len > cap)
        return 0;
    size_t padded = (len / block + 1) * block;
    if (padded > cap || padded < len)
        return 0;
    buf[len] = 0x80;
    memset(buf + len + 1, 0, padded - len - 1);
    return padded;
}

ks_status cipher_unpad(const uint8_t *buf, size_t len, size_t *unpadded)
{
    if (!unpadded || (len && !buf))
        return KS_ERR_ARG;
    size_t i = len;
    while (i > 0 && buf[i - 1] == 0x00)
        i--;
    if (i == 0 || buf[i - 1] != 0x80)
        return KS_ERR_MALFORMED;
    *unpadded = i - 1;
    return KS_OK;
}
