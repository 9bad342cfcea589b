#include "mkc_sod.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "tlv.h"

static ks_status hash_algorithm_der(const EVP_MD *md, mkc_bytes *out)
{
    X509_ALGOR *alg = X509_ALGOR_new();
    unsigned char *der = NULL;
    int n = -1;
    if (alg) {
        X509_ALGOR_set_md(alg, md);
        n = i2d_X509_ALGOR(alg, &der);
    }
    X509_ALGOR_free(alg);
    if (n <= 0)
        return mkc_fail_ssl("cannot encode the hash algorithm");
    ks_status st = mkc_bytes_alloc(out, (size_t)n);
    if (st == KS_OK)
        memcpy(out->data, der, (size_t)n);
    OPENSSL_free(der);
    return st;
}

ks_status mkc_sod_lds_object(const mkc_dg_file *dgs, size_t n, const EVP_MD *md,
                             mkc_bytes *out)
{
    if (!dgs || n == 0 || n > 16 || !md)
        return KS_ERR_ARG;
    mkc_bytes alg;
    ks_status st = hash_algorithm_der(md, &alg);
    if (st != KS_OK)
        return st;
    size_t cap = alg.len + 64 + n * (EVP_MAX_MD_SIZE + 16);
    uint8_t *buf = malloc(cap);
    if (!buf) {
        mkc_bytes_free(&alg);
        return mkc_fail(KS_ERR_NO_MEMORY, "out of memory for the SOD");
    }
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_open(&w, 0x30);
    mkc_put_uint(&w, 0);
    tlv_put_raw(&w, alg.data, alg.len);
    tlv_open(&w, 0x30);
    for (size_t i = 0; i < n && st == KS_OK; i++) {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int dlen = 0;
        if (dgs[i].number < 1 || dgs[i].number > 16) {
            st = KS_ERR_ARG;
        } else if (EVP_Digest(dgs[i].data, dgs[i].len, digest, &dlen, md, NULL) != 1) {
            st = mkc_fail_ssl("cannot hash a data group");
        } else {
            tlv_open(&w, 0x30);
            mkc_put_uint(&w, dgs[i].number);
            tlv_put(&w, 0x04, digest, dlen);
            tlv_close(&w);
        }
    }
    tlv_close(&w);
    tlv_close(&w);
    if (st == KS_OK)
        st = mkc_bytes_from_writer(&w, out);
    free(buf);
    mkc_bytes_free(&alg);
    return st;
}

/* The signed CMS ContentInfo over an encoded LDSSecurityObject. */
static ks_status sign_cms(const mkc_bytes *lds, const EVP_MD *md, mkc_sig_alg alg,
                          const mkc_signer *signer, mkc_bytes *out)
{
    const unsigned flags = CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP;
    ks_status st = KS_ERR_CRYPTO;
    ASN1_OBJECT *ctype = OBJ_txt2obj(MKC_OID_LDS_SECURITY_OBJECT, 1);
    BIO *content = BIO_new_mem_buf(lds->data, (int)lds->len);
    CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
    unsigned char *der = NULL;
    int der_len = -1;
    if (!ctype || !content || !cms || CMS_set1_eContentType(cms, ctype) != 1)
        goto done;
    /* CMS_KEY_PARAM keeps the key context open so PSS can be set on it. */
    CMS_SignerInfo *si = CMS_add1_signer(cms, signer->dsc, signer->dsc_key, md,
                                         flags | CMS_KEY_PARAM);
    if (!si)
        goto done;
    EVP_PKEY_CTX *pctx = CMS_SignerInfo_get0_pkey_ctx(si);
    if (!pctx || mkc_cert_set_padding(pctx, alg, md) != KS_OK)
        goto done;
    if (CMS_final(cms, content, NULL, CMS_BINARY) != 1)
        goto done;
    der_len = i2d_CMS_ContentInfo(cms, &der);
    if (der_len > 0) {
        st = mkc_bytes_alloc(out, (size_t)der_len);
        if (st == KS_OK)
            memcpy(out->data, der, (size_t)der_len);
    }
done:
    if (st == KS_ERR_CRYPTO)
        mkc_fail_ssl("cannot sign the SOD");
    OPENSSL_free(der);
    CMS_ContentInfo_free(cms);
    BIO_free(content);
    ASN1_OBJECT_free(ctype);
    return st;
}

ks_status mkc_sod_build(const mkc_dg_file *dgs, size_t n, const EVP_MD *md,
                        mkc_sig_alg alg, const mkc_signer *signer, mkc_bytes *out)
{
    if (!signer || !signer->dsc || !signer->dsc_key)
        return KS_ERR_ARG;
    if (!mkc_cert_key_fits(signer->dsc_key, alg))
        return mkc_fail(KS_ERR_ARG, "the DSC key does not fit the signature algorithm");
    mkc_bytes lds, cms;
    ks_status st = mkc_sod_lds_object(dgs, n, md, &lds);
    if (st != KS_OK)
        return st;
    st = sign_cms(&lds, md, alg, signer, &cms);
    mkc_bytes_free(&lds);
    if (st != KS_OK)
        return st;
    size_t cap = cms.len + 8;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        mkc_bytes_free(&cms);
        return mkc_fail(KS_ERR_NO_MEMORY, "out of memory for the SOD");
    }
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_put(&w, 0x77, cms.data, cms.len);
    st = mkc_bytes_from_writer(&w, out);
    free(buf);
    mkc_bytes_free(&cms);
    return st;
}
