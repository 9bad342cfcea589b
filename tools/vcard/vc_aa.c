#include "vc_aa.h"

#include <string.h>

#include <openssl/ecdsa.h>
#include <openssl/rsa.h>

#include "vc_crypto.h"

#define MAX_RSA_BYTES 1024u /* 8192-bit modulus */

/* ISO/IEC 10118-3 hash-function identifier, 0 when the digest has none here. */
static uint8_t iso_hash_id(const char *digest)
{
    EVP_MD *md = EVP_MD_fetch(NULL, digest, NULL);
    if (!md)
        return 0;
    uint8_t id = 0;
    if (EVP_MD_is_a(md, "SHA1"))
        id = 0x33;
    else if (EVP_MD_is_a(md, "SHA256"))
        id = 0x34;
    else if (EVP_MD_is_a(md, "SHA512"))
        id = 0x35;
    else if (EVP_MD_is_a(md, "SHA384"))
        id = 0x36;
    else if (EVP_MD_is_a(md, "SHA224"))
        id = 0x38;
    EVP_MD_free(md);
    return id;
}

static ks_status raw_rsa(EVP_PKEY *key, const uint8_t *f, size_t k, uint8_t *out, size_t *out_len)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    size_t n = k;
    ks_status st = KS_ERR_CRYPTO;
    if (ctx && EVP_PKEY_sign_init(ctx) == 1 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
        EVP_PKEY_sign(ctx, out, &n, f, k) == 1 && n == k) {
        *out_len = n;
        st = KS_OK;
    }
    EVP_PKEY_CTX_free(ctx);
    return st;
}

static ks_status sign_9796(EVP_PKEY *key, const char *digest, const uint8_t *m2, size_t m2_len,
                           vc_rng_fn rng, void *rng_ctx, uint8_t *out, size_t cap,
                           size_t *out_len)
{
    int bits = EVP_PKEY_get_bits(key);
    size_t k = (size_t)EVP_PKEY_get_size(key);
    uint8_t id = iso_hash_id(digest);
    if (bits <= 0 || bits % 8 != 0 || k > MAX_RSA_BYTES || id == 0)
        return KS_ERR_UNSUPPORTED;
    if (cap < k)
        return KS_ERR_TOO_LARGE;
    uint8_t h[VC_MAX_DIGEST];
    size_t hlen = 0;
    ks_status st = vc_digest(digest, NULL, 0, h, &hlen); /* for the length only */
    if (st != KS_OK)
        return st;
    size_t trailer = id == 0x33 ? 1u : 2u;
    if (k < 1 + hlen + trailer + 8)
        return KS_ERR_UNSUPPORTED;
    size_t m1_len = k - 1 - hlen - trailer;

    uint8_t f[MAX_RSA_BYTES];
    uint8_t msg[MAX_RSA_BYTES + 64];
    if (m2_len > 64)
        return KS_ERR_ARG;
    f[0] = 0x6A;
    st = rng(rng_ctx, f + 1, m1_len);
    if (st != KS_OK)
        return st;
    memcpy(msg, f + 1, m1_len);
    memcpy(msg + m1_len, m2, m2_len);
    st = vc_digest(digest, msg, m1_len + m2_len, h, &hlen);
    if (st != KS_OK)
        return st;
    memcpy(f + 1 + m1_len, h, hlen);
    if (trailer == 1) {
        f[k - 1] = 0xBC;
    } else {
        f[k - 2] = id;
        f[k - 1] = 0xCC;
    }
    st = raw_rsa(key, f, k, out, out_len);
    OPENSSL_cleanse(f, sizeof f);
    OPENSSL_cleanse(msg, sizeof msg);
    return st;
}

static ks_status sign_ecdsa_plain(EVP_PKEY *key, const char *digest, const uint8_t *msg,
                                  size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t n = (size_t)(EVP_PKEY_get_bits(key) + 7) / 8; /* order length */
    if (n == 0 || n > 66)
        return KS_ERR_UNSUPPORTED;
    if (cap < 2 * n)
        return KS_ERR_TOO_LARGE;
    uint8_t h[VC_MAX_DIGEST];
    size_t hlen = 0;
    ks_status st = vc_digest(digest, msg, len, h, &hlen);
    if (st != KS_OK)
        return st;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    uint8_t der[160];
    size_t der_len = sizeof der;
    ECDSA_SIG *sig = NULL;
    st = KS_ERR_CRYPTO;
    if (ctx && EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_sign(ctx, der, &der_len, h, hlen) == 1) {
        const uint8_t *p = der;
        sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    }
    if (sig && BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, (int)n) == (int)n &&
        BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + n, (int)n) == (int)n) {
        *out_len = 2 * n;
        st = KS_OK;
    }
    ECDSA_SIG_free(sig);
    EVP_PKEY_CTX_free(ctx);
    return st;
}

ks_status vc_aa_sign(EVP_PKEY *key, bool ecdsa, const char *digest, const uint8_t *challenge,
                     size_t len, vc_rng_fn rng, void *rng_ctx, uint8_t *out, size_t cap,
                     size_t *out_len)
{
    if (!key || !digest || !challenge || !rng || !out || !out_len)
        return KS_ERR_ARG;
    int type = EVP_PKEY_get_base_id(key);
    if (ecdsa) {
        if (type != EVP_PKEY_EC)
            return KS_ERR_ARG;
        return sign_ecdsa_plain(key, digest, challenge, len, out, cap, out_len);
    }
    if (type != EVP_PKEY_RSA)
        return KS_ERR_ARG;
    return sign_9796(key, digest, challenge, len, rng, rng_ctx, out, cap, out_len);
}
