#include "ca.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "kdf.h"
#include "tlv.h"

/* OID contents (no tag/length). */
static const uint8_t OID_PK_DH[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x01};
static const uint8_t OID_PK_ECDH[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x02};
static const uint8_t OID_STD_DOMAIN[] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x01, 0x02};
static const uint8_t OID_EC_PUBLIC_KEY[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01};
static const uint8_t OID_DH_PUBLIC_NUMBER[] = {0x2A, 0x86, 0x48, 0xCE, 0x3E, 0x02, 0x01};
static const uint8_t OID_DH_KEY_AGREEMENT[] = {0x2A, 0x86, 0x48, 0x86, 0xF7,
                                               0x0D, 0x01, 0x03, 0x01};

/* Largest ephemeral public key: a 4096-bit DH value or a P-521 point. */
#define CA_MAX_PUBLIC 520u
/* A piece of a chained command that still fits a short APDU once SM adds
 * DO'87' (01 + one padding block) and DO'8E'. */
#define CA_CHAIN_PIECE_SM 223u

static void say(ca_result *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof out->reason, fmt, ap);
    va_end(ap);
}

static bool oid_is(const tlv *t, const uint8_t *oid, size_t len)
{
    return t->tag == 0x06 && t->len == len && memcmp(t->value, oid, len) == 0;
}

/* ---- chip public key ------------------------------------------------------- */

static EVP_PKEY *decode_spki(const uint8_t *der, size_t len)
{
    if (len > 0x7FFFFFFFu)
        return NULL;
    const unsigned char *p = der;
    EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)len);
    if (pk && p != der + len) {
        EVP_PKEY_free(pk);
        pk = NULL;
    }
    ERR_clear_error();
    return pk;
}

/* The same SubjectPublicKeyInfo with its algorithm OID replaced, so OpenSSL
 * reads a BSI id-PK-* key with explicit parameters. */
static EVP_PKEY *decode_with_oid(const tlv *params, bool has_params, const tlv *bits,
                                 const uint8_t *oid, size_t oid_len)
{
    size_t cap = bits->total_len + (has_params ? params->total_len : 0) + oid_len + 32;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return NULL;
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_open(&w, 0x30);
    tlv_open(&w, 0x30);
    tlv_put(&w, 0x06, oid, oid_len);
    if (has_params)
        tlv_put_raw(&w, params->value - (params->total_len - params->len), params->total_len);
    tlv_close(&w);
    tlv_put_raw(&w, bits->value - (bits->total_len - bits->len), bits->total_len);
    tlv_close(&w);
    EVP_PKEY *pk = tlv_writer_status(&w) == KS_OK ? decode_spki(buf, w.len) : NULL;
    free(buf);
    return pk;
}

static bool int_value(const tlv *t, int *out)
{
    if (t->tag != 0x02 || t->len == 0 || t->len > 2 || (t->value[0] & 0x80u))
        return false;
    int v = 0;
    for (size_t i = 0; i < t->len; i++)
        v = v << 8 | t->value[i];
    *out = v;
    return true;
}

/* A standardised domain-parameter id, as a bare INTEGER or as
 * SEQUENCE { standardizedDomainParameters, INTEGER }. */
static bool std_domain_id(const tlv *params, int *id)
{
    if (int_value(params, id))
        return true;
    if (params->tag != 0x30)
        return false;
    tlv_iter it;
    tlv oid, val;
    tlv_iter_init(&it, params->value, params->len);
    return tlv_iter_next(&it, &oid) == KS_OK && oid_is(&oid, OID_STD_DOMAIN, sizeof OID_STD_DOMAIN) &&
           tlv_iter_next(&it, &val) == KS_OK && int_value(&val, id);
}

static EVP_PKEY *key_on_std_domain(int id, bool ecdh, const uint8_t *pub, size_t pub_len)
{
    EVP_PKEY *params = secinfo_std_domain(id);
    if (!params)
        return NULL;
    bool is_ec = EVP_PKEY_get_base_id(params) == EVP_PKEY_EC;
    EVP_PKEY *pk = is_ec == ecdh ? EVP_PKEY_dup(params) : NULL;
    EVP_PKEY_free(params);
    if (!pk)
        return NULL;
    uint8_t padded[CA_MAX_PUBLIC];
    if (!ecdh) {
        /* DH: the bit string holds a DER INTEGER; OpenSSL wants the value
         * as wide as the prime. */
        tlv y;
        size_t plen = (size_t)EVP_PKEY_get_size(pk);
        if (tlv_expect(pub, pub_len, 0x02, &y) != KS_OK || plen > sizeof padded) {
            EVP_PKEY_free(pk);
            return NULL;
        }
        const uint8_t *v = y.value;
        size_t vlen = y.len;
        while (vlen > 0 && v[0] == 0) {
            v++;
            vlen--;
        }
        if (vlen == 0 || vlen > plen) {
            EVP_PKEY_free(pk);
            return NULL;
        }
        memset(padded, 0, plen - vlen);
        memcpy(padded + plen - vlen, v, vlen);
        pub = padded;
        pub_len = plen;
    }
    if (EVP_PKEY_set1_encoded_public_key(pk, pub, pub_len) != 1) {
        EVP_PKEY_free(pk);
        pk = NULL;
    }
    ERR_clear_error();
    return pk;
}

ks_status ca_load_public_key(const uint8_t *spki, size_t spki_len, EVP_PKEY **out)
{
    if (!spki || !out)
        return KS_ERR_ARG;
    *out = decode_spki(spki, spki_len);
    if (*out)
        return KS_OK;

    tlv outer, alg, bits, oid, params;
    tlv_iter it;
    if (tlv_expect(spki, spki_len, 0x30, &outer) != KS_OK)
        return KS_ERR_MALFORMED;
    tlv_iter_init(&it, outer.value, outer.len);
    if (tlv_iter_next(&it, &alg) != KS_OK || alg.tag != 0x30 ||
        tlv_iter_next(&it, &bits) != KS_OK || bits.tag != 0x03 || bits.len < 2 ||
        bits.value[0] != 0 || tlv_iter_next(&it, &params) != KS_ERR_NOT_FOUND)
        return KS_ERR_MALFORMED;
    tlv_iter_init(&it, alg.value, alg.len);
    if (tlv_iter_next(&it, &oid) != KS_OK || oid.tag != 0x06)
        return KS_ERR_MALFORMED;
    bool has_params = tlv_iter_next(&it, &params) == KS_OK;

    bool ecdh = oid_is(&oid, OID_PK_ECDH, sizeof OID_PK_ECDH);
    bool dh = oid_is(&oid, OID_PK_DH, sizeof OID_PK_DH);
    if (!ecdh && !dh)
        return KS_ERR_UNSUPPORTED;
    int id;
    if (has_params && std_domain_id(&params, &id))
        *out = key_on_std_domain(id, ecdh, bits.value + 1, bits.len - 1);
    else if (ecdh)
        *out = decode_with_oid(&params, has_params, &bits, OID_EC_PUBLIC_KEY,
                               sizeof OID_EC_PUBLIC_KEY);
    else if (!(*out = decode_with_oid(&params, has_params, &bits, OID_DH_PUBLIC_NUMBER,
                                      sizeof OID_DH_PUBLIC_NUMBER)))
        *out = decode_with_oid(&params, has_params, &bits, OID_DH_KEY_AGREEMENT,
                               sizeof OID_DH_KEY_AGREEMENT);
    return *out ? KS_OK : KS_ERR_MALFORMED;
}

/* ---- choosing ------------------------------------------------------------- */

static int cipher_rank(ks_cipher c)
{
    switch (c) {
    case KS_CIPHER_3DES: return 1;
    case KS_CIPHER_AES128: return 2;
    case KS_CIPHER_AES192: return 3;
    case KS_CIPHER_AES256: return 4;
    default: return 0;
    }
}

static const secinfo_ca_pk *key_for(const secinfo_set *s, const secinfo_ca *info)
{
    for (size_t i = 0; i < s->n_ca_pk; i++) {
        const secinfo_ca_pk *pk = &s->ca_pk[i];
        if (pk->ka != info->ka)
            continue;
        /* Without a key id on either side there must be just one key. */
        if (info->key_id == pk->key_id || (info->key_id < 0 && s->n_ca_pk == 1))
            return pk;
    }
    return NULL;
}

ks_status ca_choose(const secinfo_set *dg14, const secinfo_ca **info, const secinfo_ca_pk **pk,
                    ks_cipher *cipher)
{
    if (!dg14 || !info || !pk || !cipher)
        return KS_ERR_ARG;
    *info = NULL;
    *pk = NULL;
    int best = 0;
    for (size_t i = 0; i < dg14->n_ca; i++) {
        const secinfo_ca *ca = &dg14->ca[i];
        const secinfo_ca_pk *key = key_for(dg14, ca);
        int rank = cipher_rank(ca->cipher);
        if (key && rank > best) {
            best = rank;
            *info = ca;
            *pk = key;
            *cipher = ca->cipher;
        }
    }
    if (*pk)
        return KS_OK;
    if (dg14->n_ca == 0 && dg14->n_ca_pk > 0) {
        /* Doc 9303-11: no ChipAuthenticationInfo means CA with 3DES. */
        *pk = &dg14->ca_pk[0];
        *cipher = KS_CIPHER_3DES;
        return KS_OK;
    }
    return KS_ERR_NOT_FOUND;
}

/* ---- the exchange ------------------------------------------------------------ */

/* Sends one command, chaining the data when a short APDU cannot carry it. */
static ks_status send_chained(chan *c, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data,
                              size_t len, size_t ne, uint8_t *resp, size_t cap, size_t *resp_len,
                              uint16_t *sw)
{
    size_t piece = c->extended ? len : (c->sm_active ? CA_CHAIN_PIECE_SM : APDU_SHORT_MAX_NC);
    size_t off = 0;
    for (;;) {
        size_t n = len - off < piece ? len - off : piece;
        bool last = off + n == len;
        apdu_cmd cmd = {.cla = last ? 0x00 : 0x10, .ins = ins, .p1 = p1, .p2 = p2,
                        .data = n ? data + off : NULL, .nc = n, .ne = last ? ne : 0};
        ks_status st = chan_transmit(c, &cmd, resp, cap, resp_len, sw);
        if (st != KS_OK || last || *sw != APDU_SW_OK)
            return st;
        off += n;
    }
}

static size_t put_key_id(uint8_t *p, int key_id)
{
    uint8_t tmp[4];
    size_t n = 0;
    unsigned v = (unsigned)key_id;
    do {
        tmp[n++] = (uint8_t)v;
        v >>= 8;
    } while (v);
    for (size_t i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return n;
}

static ks_status make_ephemeral(EVP_PKEY *chip, EVP_PKEY **eph, uint8_t *pub, size_t *pub_len)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, chip, NULL);
    ks_status st = KS_ERR_CRYPTO;
    *eph = NULL;
    if (ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, eph) == 1) {
        unsigned char *enc = NULL;
        size_t n = EVP_PKEY_get1_encoded_public_key(*eph, &enc);
        if (n > 0 && n <= CA_MAX_PUBLIC) {
            memcpy(pub, enc, n);
            *pub_len = n;
            st = KS_OK;
        } else if (n > CA_MAX_PUBLIC) {
            st = KS_ERR_UNSUPPORTED;
        }
        OPENSSL_free(enc);
    }
    EVP_PKEY_CTX_free(ctx);
    return st;
}

static ks_status shared_secret(EVP_PKEY *eph, EVP_PKEY *chip, bool dh, uint8_t *secret,
                               size_t cap, size_t *len)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, eph, NULL);
    ks_status st = KS_ERR_CRYPTO;
    size_t n = cap;
    /* Doc 9303-11: the DH secret is as wide as the prime. */
    if (ctx && EVP_PKEY_derive_init(ctx) == 1 && (!dh || EVP_PKEY_CTX_set_dh_pad(ctx, 1) == 1) &&
        EVP_PKEY_derive_set_peer_ex(ctx, chip, 1) == 1 &&
        EVP_PKEY_derive(ctx, secret, &n) == 1) {
        *len = n;
        st = KS_OK;
    }
    EVP_PKEY_CTX_free(ctx);
    return st;
}

static ks_status send_public_key(chan *c, const secinfo_ca *info, const secinfo_ca_pk *pk,
                                 ks_cipher cipher, const uint8_t *pub, size_t pub_len,
                                 ca_result *out)
{
    uint8_t data[CA_MAX_PUBLIC + 64];
    uint8_t resp[64];
    size_t n = 0, resp_len = 0;
    uint16_t sw = 0;
    ks_status st;
    int key_id = info ? info->key_id : pk->key_id;

    if (cipher == KS_CIPHER_3DES) {
        n = tlv_put_header(data, sizeof data, 0x91, pub_len);
        memcpy(data + n, pub, pub_len);
        n += pub_len;
        if (key_id >= 0) {
            data[n++] = 0x84;
            size_t k = put_key_id(data + n + 1, key_id);
            data[n++] = (uint8_t)k;
            n += k;
        }
        st = send_chained(c, 0x22, 0x41, 0xA6, data, n, 0, resp, sizeof resp, &resp_len, &sw);
        if (st == KS_OK && sw != APDU_SW_OK) {
            say(out, "chip refused MSE:Set KAT (SW %04X)", sw);
            return KS_ERR_CARD;
        }
        if (st != KS_OK)
            say(out, "MSE:Set KAT failed: %s", ks_status_str(st));
        return st;
    }

    ASN1_OBJECT *obj = OBJ_txt2obj(info->oid, 1);
    size_t oid_len = obj ? OBJ_length(obj) : 0;
    if (!obj || oid_len == 0 || oid_len > 32) {
        ASN1_OBJECT_free(obj);
        say(out, "CA protocol OID cannot be encoded");
        return KS_ERR_MALFORMED;
    }
    data[n++] = 0x80;
    data[n++] = (uint8_t)oid_len;
    memcpy(data + n, OBJ_get0_data(obj), oid_len);
    n += oid_len;
    ASN1_OBJECT_free(obj);
    if (key_id >= 0) {
        data[n++] = 0x84;
        size_t k = put_key_id(data + n + 1, key_id);
        data[n++] = (uint8_t)k;
        n += k;
    }
    st = chan_transmit(c, &(apdu_cmd){.cla = 0x00, .ins = 0x22, .p1 = 0x41, .p2 = 0xA4,
                                      .data = data, .nc = n},
                       resp, sizeof resp, &resp_len, &sw);
    if (st == KS_OK && sw != APDU_SW_OK) {
        say(out, "chip refused MSE:Set AT for CA (SW %04X)", sw);
        return KS_ERR_CARD;
    }
    if (st != KS_OK) {
        say(out, "MSE:Set AT failed: %s", ks_status_str(st));
        return st;
    }

    /* 7C { 80 public key } */
    size_t inner = tlv_header_size(0x80, pub_len) + pub_len;
    n = tlv_put_header(data, sizeof data, 0x7C, inner);
    n += tlv_put_header(data + n, sizeof data - n, 0x80, pub_len);
    memcpy(data + n, pub, pub_len);
    n += pub_len;
    st = send_chained(c, 0x86, 0x00, 0x00, data, n, APDU_SHORT_MAX_NE, resp, sizeof resp,
                      &resp_len, &sw);
    if (st == KS_OK && sw != APDU_SW_OK) {
        say(out, "chip refused GENERAL AUTHENTICATE for CA (SW %04X)", sw);
        return KS_ERR_CARD;
    }
    if (st != KS_OK) {
        say(out, "GENERAL AUTHENTICATE failed: %s", ks_status_str(st));
        return st;
    }
    tlv dyn;
    if (resp_len > 0 && tlv_expect(resp, resp_len, 0x7C, &dyn) != KS_OK) {
        say(out, "GENERAL AUTHENTICATE answer is not a 7C template");
        return KS_ERR_MALFORMED;
    }
    return KS_OK;
}

ks_status ca_run(chan *c, const secinfo_set *dg14, sm_ctx *new_sm, ca_result *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!c || !dg14 || !new_sm)
        return KS_ERR_ARG;
    memset(new_sm, 0, sizeof *new_sm);

    const secinfo_ca *info;
    const secinfo_ca_pk *pk;
    ks_cipher cipher = 0;
    ks_status st = ca_choose(dg14, &info, &pk, &cipher);
    if (st != KS_OK) {
        say(out, "DG14 has no usable Chip Authentication info and key");
        return st;
    }
    EVP_PKEY *chip = NULL, *eph = NULL;
    st = ca_load_public_key(pk->spki, pk->spki_len, &chip);
    if (st != KS_OK) {
        say(out, "DG14 chip key cannot be decoded");
        return st;
    }
    int type = EVP_PKEY_get_base_id(chip);
    bool is_dh = type == EVP_PKEY_DH || type == EVP_PKEY_DHX;
    if (!(is_dh && pk->ka == SECINFO_KA_DH) && !(type == EVP_PKEY_EC && pk->ka == SECINFO_KA_ECDH)) {
        EVP_PKEY_free(chip);
        say(out, "DG14 chip key type does not match its CA protocol");
        return KS_ERR_UNSUPPORTED;
    }

    uint8_t pub[CA_MAX_PUBLIC], secret[CA_MAX_PUBLIC];
    size_t pub_len = 0, secret_len = 0;
    uint8_t k_enc[CIPHER_MAX_KEY], k_mac[CIPHER_MAX_KEY];
    st = make_ephemeral(chip, &eph, pub, &pub_len);
    if (st != KS_OK)
        say(out, "ephemeral key generation failed");
    if (st == KS_OK)
        st = send_public_key(c, info, pk, cipher, pub, pub_len, out);
    if (st == KS_OK) {
        st = shared_secret(eph, chip, is_dh, secret, sizeof secret, &secret_len);
        if (st != KS_OK)
            say(out, "key agreement with the chip key failed");
    }
    if (st == KS_OK)
        st = kdf_derive(cipher, secret, secret_len, KDF_ENC, k_enc);
    if (st == KS_OK)
        st = kdf_derive(cipher, secret, secret_len, KDF_MAC, k_mac);
    if (st == KS_OK)
        st = sm_init(new_sm, cipher, k_enc, k_mac, NULL);
    if (st == KS_OK) {
        out->done = true;
        say(out, "chip authentication keys agreed (%s, %s)", is_dh ? "DH" : "ECDH",
            cipher == KS_CIPHER_3DES ? "3DES" : "AES");
    } else {
        sm_clear(new_sm);
        if (out->reason[0] == '\0')
            say(out, "chip authentication failed: %s", ks_status_str(st));
    }
    OPENSSL_cleanse(secret, sizeof secret);
    OPENSSL_cleanse(k_enc, sizeof k_enc);
    OPENSSL_cleanse(k_mac, sizeof k_mac);
    EVP_PKEY_free(eph);
    EVP_PKEY_free(chip);
    ERR_clear_error();
    return st;
}
