#include "bac.h"

#include <string.h>

#include <openssl/crypto.h>

#include "cipher.h"
#include "kdf.h"

void bac_clear(bac_state *st)
{
    if (st)
        OPENSSL_cleanse(st, sizeof *st);
}

/* MAC over the cryptogram padded with method 2 (32 bytes -> 40). */
static ks_status mac_cryptogram(const uint8_t k_mac[16], const uint8_t e[32], uint8_t mac[8])
{
    uint8_t padded[40];
    memcpy(padded, e, 32);
    if (cipher_pad(padded, 32, sizeof padded, 8) != sizeof padded)
        return KS_ERR_ARG;
    return cipher_mac(KS_CIPHER_3DES, k_mac, padded, sizeof padded, mac);
}

ks_status bac_begin(bac_state *st, const uint8_t seed[16], const uint8_t rnd_icc[8],
                    const uint8_t rnd_ifd[8], const uint8_t k_ifd[16], uint8_t cmd_data[40])
{
    if (!st || !seed || !rnd_icc || !rnd_ifd || !k_ifd || !cmd_data)
        return KS_ERR_ARG;
    memset(st, 0, sizeof *st);
    ks_status rc = kdf_derive(KS_CIPHER_3DES, seed, 16, KDF_ENC, st->k_enc);
    if (rc == KS_OK)
        rc = kdf_derive(KS_CIPHER_3DES, seed, 16, KDF_MAC, st->k_mac);
    if (rc != KS_OK) {
        bac_clear(st);
        return rc;
    }
    memcpy(st->rnd_icc, rnd_icc, 8);
    memcpy(st->rnd_ifd, rnd_ifd, 8);
    memcpy(st->k_ifd, k_ifd, 16);

    uint8_t s[32]; /* S = RND.IFD || RND.IC || K.IFD */
    memcpy(s, rnd_ifd, 8);
    memcpy(s + 8, rnd_icc, 8);
    memcpy(s + 16, k_ifd, 16);
    rc = cipher_cbc(KS_CIPHER_3DES, true, st->k_enc, NULL, s, sizeof s, cmd_data);
    if (rc == KS_OK)
        rc = mac_cryptogram(st->k_mac, cmd_data, cmd_data + 32);
    OPENSSL_cleanse(s, sizeof s);
    if (rc != KS_OK) {
        bac_clear(st);
        OPENSSL_cleanse(cmd_data, BAC_CMD_DATA_LEN);
    }
    return rc;
}

static ks_status open_session(const bac_state *st, const uint8_t r[32], sm_ctx *sm)
{
    /* K.seed = K.IFD xor K.IC; SSC = low 4 bytes of RND.IC || low 4 of RND.IFD. */
    uint8_t kseed[16], ks_enc[16], ks_mac[16], ssc[8];
    for (size_t i = 0; i < 16; i++)
        kseed[i] = (uint8_t)(st->k_ifd[i] ^ r[16 + i]);
    memcpy(ssc, st->rnd_icc + 4, 4);
    memcpy(ssc + 4, st->rnd_ifd + 4, 4);
    ks_status rc = kdf_derive(KS_CIPHER_3DES, kseed, sizeof kseed, KDF_ENC, ks_enc);
    if (rc == KS_OK)
        rc = kdf_derive(KS_CIPHER_3DES, kseed, sizeof kseed, KDF_MAC, ks_mac);
    if (rc == KS_OK)
        rc = sm_init(sm, KS_CIPHER_3DES, ks_enc, ks_mac, ssc);
    OPENSSL_cleanse(kseed, sizeof kseed);
    OPENSSL_cleanse(ks_enc, sizeof ks_enc);
    OPENSSL_cleanse(ks_mac, sizeof ks_mac);
    return rc;
}

ks_status bac_complete(bac_state *st, const uint8_t *resp, size_t resp_len, sm_ctx *sm)
{
    if (!st || !sm || (resp_len && !resp))
        return KS_ERR_ARG;
    ks_status rc = KS_OK;
    uint8_t mac[8], r[32];
    if (resp_len != BAC_CMD_DATA_LEN)
        rc = KS_ERR_MALFORMED;
    if (rc == KS_OK)
        rc = mac_cryptogram(st->k_mac, resp, mac);
    if (rc == KS_OK && CRYPTO_memcmp(mac, resp + 32, 8) != 0)
        rc = KS_ERR_AUTH;
    /* R = RND.IC || RND.IFD || K.IC; only a MAC-verified cryptogram is decrypted. */
    if (rc == KS_OK)
        rc = cipher_cbc(KS_CIPHER_3DES, false, st->k_enc, NULL, resp, 32, r);
    if (rc == KS_OK && (CRYPTO_memcmp(r + 8, st->rnd_ifd, 8) != 0 ||
                        CRYPTO_memcmp(r, st->rnd_icc, 8) != 0))
        rc = KS_ERR_AUTH;
    if (rc == KS_OK)
        rc = open_session(st, r, sm);
    OPENSSL_cleanse(r, sizeof r);
    OPENSSL_cleanse(mac, sizeof mac);
    bac_clear(st);
    return rc;
}
