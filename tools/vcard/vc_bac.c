#include "vc_bac.h"

#include <string.h>

#include "vc_crypto.h"

#define MRZ_DOC_MIN 9u
#define MRZ_DOC_MAX 22u /* TD1 document number with its overflow in the optional data */

static int mrz_char_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    if (c == '<')
        return 0;
    return -1;
}

int vc_mrz_check_digit(const char *field, size_t len)
{
    static const int weights[3] = {7, 3, 1};
    if (!field)
        return -1;
    int sum = 0;
    for (size_t i = 0; i < len; i++) {
        int v = mrz_char_value(field[i]);
        if (v < 0)
            return -1;
        sum = (sum + v * weights[i % 3]) % 10;
    }
    return sum;
}

static bool is_date(const char *s)
{
    if (strlen(s) != 6)
        return false;
    for (size_t i = 0; i < 6; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Appends field and its check digit to buf at *n. */
static ks_status put_field(char *buf, size_t cap, size_t *n, const char *field, size_t len)
{
    int cd = vc_mrz_check_digit(field, len);
    if (cd < 0 || *n + len + 1 > cap)
        return KS_ERR_MALFORMED;
    memcpy(buf + *n, field, len);
    *n += len;
    buf[(*n)++] = (char)('0' + cd);
    return KS_OK;
}

ks_status vc_mrz_password(const char *doc_number, const char *birth, const char *expiry,
                          uint8_t out[VC_SHA1_LEN])
{
    if (!doc_number || !birth || !expiry || !out)
        return KS_ERR_ARG;
    size_t dlen = strlen(doc_number);
    if (dlen == 0 || dlen > MRZ_DOC_MAX || !is_date(birth) || !is_date(expiry))
        return KS_ERR_MALFORMED;
    char doc[MRZ_DOC_MAX + 1];
    memcpy(doc, doc_number, dlen);
    while (dlen < MRZ_DOC_MIN)
        doc[dlen++] = '<';

    char info[MRZ_DOC_MAX + 1 + 7 + 7];
    size_t n = 0;
    ks_status st = put_field(info, sizeof info, &n, doc, dlen);
    if (st == KS_OK)
        st = put_field(info, sizeof info, &n, birth, 6);
    if (st == KS_OK)
        st = put_field(info, sizeof info, &n, expiry, 6);
    if (st == KS_OK)
        st = vc_sha1((const uint8_t *)info, n, out);
    memset(info, 0, sizeof info);
    return st;
}

ks_status vc_bac_key_seed(const char *doc_number, const char *birth, const char *expiry,
                          uint8_t seed[VC_BAC_KEY_LEN])
{
    if (!seed)
        return KS_ERR_ARG;
    uint8_t digest[VC_SHA1_LEN];
    ks_status st = vc_mrz_password(doc_number, birth, expiry, digest);
    if (st == KS_OK)
        memcpy(seed, digest, VC_BAC_KEY_LEN);
    memset(digest, 0, sizeof digest);
    return st;
}

ks_status vc_kdf_3des(const uint8_t *seed, size_t seed_len, uint32_t counter,
                      uint8_t key[VC_BAC_KEY_LEN])
{
    if (!seed || !key || seed_len == 0 || seed_len > 64)
        return KS_ERR_ARG;
    uint8_t d[64 + 4];
    memcpy(d, seed, seed_len);
    d[seed_len] = (uint8_t)(counter >> 24);
    d[seed_len + 1] = (uint8_t)(counter >> 16);
    d[seed_len + 2] = (uint8_t)(counter >> 8);
    d[seed_len + 3] = (uint8_t)counter;
    uint8_t h[VC_SHA1_LEN];
    ks_status st = vc_sha1(d, seed_len + 4, h);
    if (st == KS_OK) {
        memcpy(key, h, VC_BAC_KEY_LEN);
        vc_des_set_parity(key, VC_BAC_KEY_LEN);
    }
    memset(d, 0, sizeof d);
    memset(h, 0, sizeof h);
    return st;
}

ks_status vc_bac_keys_from_mrz(const char *doc_number, const char *birth, const char *expiry,
                               vc_bac_keys *keys)
{
    if (!keys)
        return KS_ERR_ARG;
    uint8_t seed[VC_BAC_KEY_LEN];
    ks_status st = vc_bac_key_seed(doc_number, birth, expiry, seed);
    if (st == KS_OK)
        st = vc_kdf_3des(seed, sizeof seed, VC_BAC_KDF_ENC, keys->k_enc);
    if (st == KS_OK)
        st = vc_kdf_3des(seed, sizeof seed, VC_BAC_KDF_MAC, keys->k_mac);
    memset(seed, 0, sizeof seed);
    return st;
}

/* E || MAC(E), E = 3DES-CBC(K_enc, plain) over 32 bytes. */
static ks_status encrypt_and_mac(const vc_bac_keys *keys, const uint8_t plain[32],
                                 uint8_t out[VC_BAC_CRYPTOGRAM_LEN])
{
    ks_status st = vc_3des_cbc(keys->k_enc, true, plain, 32, out);
    if (st != KS_OK)
        return st;
    uint8_t padded[40];
    size_t plen;
    memcpy(padded, out, 32);
    st = vc_pad(padded, 32, sizeof padded, VC_DES_BLOCK, &plen);
    if (st == KS_OK)
        st = vc_retail_mac(keys->k_mac, padded, plen, out + 32);
    return st;
}

ks_status vc_bac_authenticate(const vc_bac_keys *keys, const uint8_t rnd_icc[VC_BAC_RND_LEN],
                              const uint8_t k_icc[VC_BAC_KEY_LEN],
                              const uint8_t cmd[VC_BAC_CRYPTOGRAM_LEN],
                              uint8_t resp[VC_BAC_CRYPTOGRAM_LEN], vc_sm *session)
{
    if (!keys || !rnd_icc || !k_icc || !cmd || !resp || !session)
        return KS_ERR_ARG;
    uint8_t padded[40];
    size_t plen;
    memcpy(padded, cmd, 32);
    ks_status st = vc_pad(padded, 32, sizeof padded, VC_DES_BLOCK, &plen);
    uint8_t mac[VC_MAC_LEN];
    if (st == KS_OK)
        st = vc_retail_mac(keys->k_mac, padded, plen, mac);
    if (st != KS_OK)
        return st;
    if (!vc_equal_ct(mac, cmd + 32, VC_MAC_LEN))
        return KS_ERR_AUTH;

    /* S = RND.IFD || RND.ICC || K.IFD */
    uint8_t s[32];
    st = vc_3des_cbc(keys->k_enc, false, cmd, 32, s);
    if (st != KS_OK)
        return st;
    if (!vc_equal_ct(s + 8, rnd_icc, VC_BAC_RND_LEN)) {
        memset(s, 0, sizeof s);
        return KS_ERR_AUTH;
    }

    /* R = RND.ICC || RND.IFD || K.ICC */
    uint8_t r[32];
    memcpy(r, rnd_icc, 8);
    memcpy(r + 8, s, 8);
    memcpy(r + 16, k_icc, 16);
    st = encrypt_and_mac(keys, r, resp);

    uint8_t seed[VC_BAC_KEY_LEN], ks_enc[VC_BAC_KEY_LEN], ks_mac[VC_BAC_KEY_LEN], ssc[8];
    for (size_t i = 0; i < VC_BAC_KEY_LEN; i++)
        seed[i] = (uint8_t)(s[16 + i] ^ k_icc[i]);
    if (st == KS_OK)
        st = vc_kdf_3des(seed, sizeof seed, VC_BAC_KDF_ENC, ks_enc);
    if (st == KS_OK)
        st = vc_kdf_3des(seed, sizeof seed, VC_BAC_KDF_MAC, ks_mac);
    /* SSC = low halves of RND.ICC and RND.IFD. */
    memcpy(ssc, rnd_icc + 4, 4);
    memcpy(ssc + 4, s + 4, 4);
    if (st == KS_OK)
        st = vc_sm_start_3des(session, ks_enc, ks_mac, ssc);
    memset(s, 0, sizeof s);
    memset(r, 0, sizeof r);
    memset(seed, 0, sizeof seed);
    memset(ks_enc, 0, sizeof ks_enc);
    memset(ks_mac, 0, sizeof ks_mac);
    return st;
}
