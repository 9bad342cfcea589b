/* seal.c — see seal.h. */
#include "seal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define SEAL_VERSION 0x01
#define NONCE_LEN 12
#define TAG_LEN 16

/* "ks-store-v1" | key id (4 bytes, big endian) | record id */
static size_t build_aad(uint32_t key_id, const char *record_id, uint8_t *aad,
                        size_t cap)
{
    static const char label[] = "ks-store-v1";
    size_t id_len = strnlen(record_id, 64);
    size_t n = sizeof label - 1;
    if (n + 4 + id_len > cap)
        return 0;
    memcpy(aad, label, n);
    aad[n++] = (uint8_t)(key_id >> 24);
    aad[n++] = (uint8_t)(key_id >> 16);
    aad[n++] = (uint8_t)(key_id >> 8);
    aad[n++] = (uint8_t)key_id;
    memcpy(aad + n, record_id, id_len);
    return n + id_len;
}

static ks_status gcm_run(int enc, const uint8_t *key, const uint8_t *nonce,
                         const uint8_t *aad, size_t aad_len, const uint8_t *in,
                         size_t in_len, uint8_t *out, uint8_t *tag)
{
    if (in_len > INT_MAX || aad_len > INT_MAX)
        return KS_ERR_TOO_LARGE;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return KS_ERR_NO_MEMORY;
    ks_status rc = KS_ERR_CRYPTO;
    int len = 0;
    if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1 ||
        EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1 ||
        EVP_CipherUpdate(ctx, NULL, &len, aad, (int)aad_len) != 1 ||
        (in_len && EVP_CipherUpdate(ctx, out, &len, in, (int)in_len) != 1))
        goto done;
    if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1)
        goto done;
    if (EVP_CipherFinal_ex(ctx, out + (in_len ? len : 0), &len) != 1) {
        rc = enc ? KS_ERR_CRYPTO : KS_ERR_AUTH;
        goto done;
    }
    if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1)
        goto done;
    rc = KS_OK;
done:
    EVP_CIPHER_CTX_free(ctx);
    return rc;
}

ks_status seal_record(const uint8_t key[SEAL_KEY_LEN], uint32_t key_id,
                      const char *record_id, const uint8_t *pt, size_t pt_len,
                      uint8_t **out, size_t *out_len)
{
    if (!key || !record_id || (!pt && pt_len) || !out || !out_len ||
        pt_len > SIZE_MAX - SEAL_OVERHEAD)
        return KS_ERR_ARG;
    uint8_t aad[128];
    size_t aad_len = build_aad(key_id, record_id, aad, sizeof aad);
    if (aad_len == 0)
        return KS_ERR_ARG;
    size_t n = SEAL_OVERHEAD + pt_len;
    uint8_t *blob = malloc(n);
    if (!blob)
        return KS_ERR_NO_MEMORY;
    blob[0] = SEAL_VERSION;
    if (RAND_bytes(blob + 1, NONCE_LEN) != 1) {
        free(blob);
        return KS_ERR_CRYPTO;
    }
    ks_status rc = gcm_run(1, key, blob + 1, aad, aad_len, pt, pt_len,
                           blob + 1 + NONCE_LEN, blob + 1 + NONCE_LEN + pt_len);
    if (rc != KS_OK) {
        free(blob);
        return rc;
    }
    *out = blob;
    *out_len = n;
    return KS_OK;
}

ks_status seal_open(const uint8_t key[SEAL_KEY_LEN], uint32_t key_id,
                    const char *record_id, const uint8_t *blob, size_t blob_len,
                    char **pt, size_t *pt_len)
{
    if (!key || !record_id || !blob || !pt || !pt_len)
        return KS_ERR_ARG;
    if (blob_len < SEAL_OVERHEAD)
        return KS_ERR_TRUNCATED;
    if (blob[0] != SEAL_VERSION)
        return KS_ERR_UNSUPPORTED;
    uint8_t aad[128];
    size_t aad_len = build_aad(key_id, record_id, aad, sizeof aad);
    if (aad_len == 0)
        return KS_ERR_ARG;
    size_t n = blob_len - SEAL_OVERHEAD;
    uint8_t tag[TAG_LEN];
    memcpy(tag, blob + blob_len - TAG_LEN, TAG_LEN);
    char *plain = malloc(n + 1);
    if (!plain)
        return KS_ERR_NO_MEMORY;
    ks_status rc = gcm_run(0, key, blob + 1, aad, aad_len, blob + 1 + NONCE_LEN, n,
                           (uint8_t *)plain, tag);
    if (rc != KS_OK) {
        OPENSSL_clear_free(plain, n + 1);
        return rc;
    }
    plain[n] = '\0';
    *pt = plain;
    *pt_len = n;
    return KS_OK;
}
