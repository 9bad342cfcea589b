#include "mkc_secinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/x509.h>

#include "tlv.h"

ks_status mkc_secinfo_gen_aa_key(mkc_aa_alg alg, EVP_PKEY **out)
{
    *out = NULL;
    if (alg == MKC_AA_RSA)
        *out = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    else if (alg == MKC_AA_ECDSA)
        *out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
    else
        return KS_ERR_ARG;
    return *out ? KS_OK : mkc_fail_ssl("cannot generate the Active Authentication key");
}

static EVP_PKEY *gen_dh_key(void)
{
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DHX", NULL);
    char group[] = "dh_2048_224";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_end(),
    };
    if (ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_CTX_set_params(ctx, params) == 1)
        EVP_PKEY_generate(ctx, &key);
    EVP_PKEY_CTX_free(ctx);
    return key;
}

ks_status mkc_secinfo_gen_ca_key(mkc_ca_alg alg, EVP_PKEY **out)
{
    *out = NULL;
    if (alg == MKC_CA_ECDH)
        *out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
    else if (alg == MKC_CA_DH)
        *out = gen_dh_key();
    else
        return KS_ERR_ARG;
    return *out ? KS_OK : mkc_fail_ssl("cannot generate the Chip Authentication key");
}

ks_status mkc_secinfo_spki(EVP_PKEY *key, mkc_bytes *out)
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(key, &der);
    if (n <= 0)
        return mkc_fail_ssl("cannot encode a public key");
    ks_status st = mkc_bytes_alloc(out, (size_t)n);
    if (st == KS_OK)
        memcpy(out->data, der, (size_t)n);
    OPENSSL_free(der);
    return st;
}

static int der_compare(const void *a, const void *b)
{
    const mkc_bytes *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->data, y->data, n);
    if (c != 0)
        return c;
    /* X.690 pads the shorter with zero octets: shorter sorts first. */
    return x->len < y->len ? -1 : x->len > y->len ? 1 : 0;
}

void mkc_secinfo_der_sort(mkc_bytes *items, size_t n)
{
    qsort(items, n, sizeof *items, der_compare);
}

ks_status mkc_secinfo_ca_oid(mkc_ca_alg ca, mkc_cipher cipher, char out[MKC_OID_MAX])
{
    if ((ca != MKC_CA_ECDH && ca != MKC_CA_DH) || cipher < MKC_CIPHER_3DES ||
        cipher > MKC_CIPHER_AES256)
        return KS_ERR_ARG;
    /* id-CA-DH is arc 1, id-CA-ECDH arc 2. */
    snprintf(out, MKC_OID_MAX, "%s.%d.%d", MKC_OID_CA_PREFIX, ca == MKC_CA_DH ? 1 : 2,
             (int)cipher);
    return KS_OK;
}

/* SEQUENCE { OID, INTEGER version } — the shape of CA and TA infos. */
static ks_status encode_oid_version(const char *oid, uint32_t version, mkc_bytes *out)
{
    uint8_t buf[64];
    tlv_writer w;
    tlv_writer_init(&w, buf, sizeof buf);
    tlv_open(&w, 0x30);
    mkc_put_oid(&w, oid);
    mkc_put_uint(&w, version);
    tlv_close(&w);
    return mkc_bytes_from_writer(&w, out);
}

ks_status mkc_secinfo_ca_info(mkc_ca_alg ca, mkc_cipher cipher, mkc_bytes *out)
{
    char oid[MKC_OID_MAX];
    ks_status st = mkc_secinfo_ca_oid(ca, cipher, oid);
    return st == KS_OK ? encode_oid_version(oid, 1, out) : st;
}

ks_status mkc_secinfo_ta_info(mkc_bytes *out)
{
    return encode_oid_version(MKC_OID_TA, 1, out);
}

static ks_status encode_ca_pk_info(mkc_ca_alg ca, EVP_PKEY *key, mkc_bytes *out)
{
    mkc_bytes spki;
    ks_status st = mkc_secinfo_spki(key, &spki);
    if (st != KS_OK)
        return st;
    size_t cap = spki.len + 64;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        mkc_bytes_free(&spki);
        return mkc_fail(KS_ERR_NO_MEMORY, "out of memory for DG14");
    }
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_open(&w, 0x30);
    mkc_put_oid(&w, ca == MKC_CA_DH ? MKC_OID_PK_DH : MKC_OID_PK_ECDH);
    tlv_put_raw(&w, spki.data, spki.len);
    tlv_close(&w);
    st = mkc_bytes_from_writer(&w, out);
    free(buf);
    mkc_bytes_free(&spki);
    return st;
}

static ks_status encode_aa_info(mkc_bytes *out)
{
    uint8_t buf[64];
    tlv_writer w;
    tlv_writer_init(&w, buf, sizeof buf);
    tlv_open(&w, 0x30);
    mkc_put_oid(&w, MKC_OID_AA);
    mkc_put_uint(&w, 1);
    mkc_put_oid(&w, MKC_OID_ECDSA_PLAIN_SHA256);
    tlv_close(&w);
    return mkc_bytes_from_writer(&w, out);
}

ks_status mkc_secinfo_set(mkc_bytes *infos, size_t n, mkc_bytes *out)
{
    mkc_secinfo_der_sort(infos, n);
    size_t cap = 16;
    for (size_t i = 0; i < n; i++)
        cap += infos[i].len;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return mkc_fail(KS_ERR_NO_MEMORY, "out of memory for SecurityInfos");
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_open(&w, 0x31);
    for (size_t i = 0; i < n; i++)
        tlv_put_raw(&w, infos[i].data, infos[i].len);
    tlv_close(&w);
    ks_status st = mkc_bytes_from_writer(&w, out);
    free(buf);
    return st;
}

/* tag { content } as a new buffer. */
static ks_status wrap(unsigned tag, const mkc_bytes *content, mkc_bytes *out)
{
    size_t cap = content->len + 16;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return mkc_fail(KS_ERR_NO_MEMORY, "out of memory for a data group");
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_put(&w, tag, content->data, content->len);
    ks_status st = mkc_bytes_from_writer(&w, out);
    free(buf);
    return st;
}

ks_status mkc_secinfo_dg14(mkc_ca_alg ca, mkc_cipher ca_cipher, EVP_PKEY *ca_key,
                           mkc_aa_alg aa, mkc_bytes *out)
{
    mkc_bytes infos[3];
    size_t n = 0;
    ks_status st = KS_OK;
    if (ca == MKC_CA_NONE && aa != MKC_AA_ECDSA)
        return KS_ERR_ARG;
    if (ca != MKC_CA_NONE && !ca_key)
        return KS_ERR_ARG;
    if (ca != MKC_CA_NONE) {
        if ((st = mkc_secinfo_ca_info(ca, ca_cipher, &infos[n])) == KS_OK)
            n++;
        if (st == KS_OK && (st = encode_ca_pk_info(ca, ca_key, &infos[n])) == KS_OK)
            n++;
    }
    if (st == KS_OK && aa == MKC_AA_ECDSA && (st = encode_aa_info(&infos[n])) == KS_OK)
        n++;
    mkc_bytes set = {0};
    if (st == KS_OK)
        st = mkc_secinfo_set(infos, n, &set);
    if (st == KS_OK)
        st = wrap(0x6E, &set, out);
    mkc_bytes_free(&set);
    for (size_t i = 0; i < n; i++)
        mkc_bytes_free(&infos[i]);
    return st;
}

ks_status mkc_secinfo_dg15(EVP_PKEY *aa_key, mkc_bytes *out)
{
    mkc_bytes spki;
    ks_status st = mkc_secinfo_spki(aa_key, &spki);
    if (st != KS_OK)
        return st;
    size_t cap = spki.len + 16;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        mkc_bytes_free(&spki);
        return mkc_fail(KS_ERR_NO_MEMORY, "out of memory for DG15");
    }
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_put(&w, 0x6F, spki.data, spki.len);
    st = mkc_bytes_from_writer(&w, out);
    free(buf);
    mkc_bytes_free(&spki);
    return st;
}
