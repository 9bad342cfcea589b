#include "pa.h"

#include "fileio.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

/* A trust file larger than this is not a certificate bundle we expect. */
#define PA_MAX_TRUST_FILE (16u * 1024u * 1024u)

struct pa_trust {
    X509_STORE *store;
    STACK_OF(X509) *certs;
    STACK_OF(X509_CRL) *crls;
};

/* ---- trust store ------------------------------------------------------ */

static bool has_trust_extension(const char *name)
{
    static const char *const exts[] = {".pem", ".crt", ".cer", ".der", ".crl"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t e = strlen(exts[i]);
        if (n > e && strcasecmp(name + n - e, exts[i]) == 0)
            return true;
    }
    return false;
}

/* Takes ownership of cert / crl (either may be NULL). */
static ks_status trust_add(pa_trust *t, X509 *cert, X509_CRL *crl)
{
    if (cert && !sk_X509_push(t->certs, cert)) {
        X509_free(cert);
        X509_CRL_free(crl);
        return KS_ERR_NO_MEMORY;
    }
    if (crl && !sk_X509_CRL_push(t->crls, crl)) {
        X509_CRL_free(crl);
        return KS_ERR_NO_MEMORY;
    }
    return KS_OK;
}

static bool is_cert_pem(const char *name)
{
    return strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0;
}

/* Each PEM block of a certificate or CRL is decoded; other blocks (keys...) are ignored. */
static ks_status load_pem(pa_trust *t, const uint8_t *buf, size_t len)
{
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    if (!bio)
        return KS_ERR_NO_MEMORY;
    ks_status st = KS_OK;
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long dlen = 0;
    while (st == KS_OK && PEM_read_bio(bio, &name, &header, &data, &dlen) == 1) {
        const unsigned char *p = data;
        if (is_cert_pem(name)) {
            X509 *x = d2i_X509(NULL, &p, dlen);
            if (x)
                st = trust_add(t, x, NULL);
        } else if (strcmp(name, "TRUSTED CERTIFICATE") == 0) {
            X509 *x = d2i_X509_AUX(NULL, &p, dlen); /* OpenSSL's form with trust settings */
            if (x)
                st = trust_add(t, x, NULL);
        } else if (strcmp(name, "X509 CRL") == 0) {
            X509_CRL *c = d2i_X509_CRL(NULL, &p, dlen);
            if (c)
                st = trust_add(t, NULL, c);
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        name = header = NULL;
        data = NULL;
    }
    BIO_free(bio);
    return st;
}

static ks_status load_der(pa_trust *t, const uint8_t *buf, size_t len)
{
    const unsigned char *p = buf;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (x) {
        if (p == buf + len)
            return trust_add(t, x, NULL);
        X509_free(x);
    }
    p = buf;
    X509_CRL *c = d2i_X509_CRL(NULL, &p, (long)len);
    if (c) {
        if (p == buf + len)
            return trust_add(t, NULL, c);
        X509_CRL_free(c);
    }
    return KS_OK; /* neither: skipped */
}

static bool looks_like_pem(const uint8_t *buf, size_t len)
{
    static const char marker[] = "-----BEGIN ";
    size_t m = sizeof marker - 1;
    for (size_t i = 0; i + m <= len; i++)
        if (memcmp(buf + i, marker, m) == 0)
            return true;
    return false;
}

static ks_status load_file(pa_trust *t, const char *path)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    ks_status st = fileio_read(path, PA_MAX_TRUST_FILE, &buf, &len);
    if (st == KS_ERR_NO_MEMORY)
        return st;
    if (st != KS_OK)
        return KS_OK; /* unreadable or oversized: skipped like any other non-certificate */
    if (len > 0 && len <= 0x7FFFFFFF)
        st = looks_like_pem(buf, len) ? load_pem(t, buf, len) : load_der(t, buf, len);
    free(buf);
    return st;
}

static ks_status build_store(pa_trust *t)
{
    t->store = X509_STORE_new();
    if (!t->store)
        return KS_ERR_NO_MEMORY;
    for (int i = 0; i < sk_X509_num(t->certs); i++)
        if (!X509_STORE_add_cert(t->store, sk_X509_value(t->certs, i)))
            return KS_ERR_CRYPTO;
    for (int i = 0; i < sk_X509_CRL_num(t->crls); i++)
        if (!X509_STORE_add_crl(t->store, sk_X509_CRL_value(t->crls, i)))
            return KS_ERR_CRYPTO;
    return KS_OK;
}

ks_status pa_trust_load(const char *dir, pa_trust **out)
{
    if (!dir || !out)
        return KS_ERR_ARG;
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return KS_ERR_NOT_FOUND;
    pa_trust *t = calloc(1, sizeof *t);
    ks_status st = KS_ERR_NO_MEMORY;
    if (t) {
        t->certs = sk_X509_new_null();
        t->crls = sk_X509_CRL_new_null();
        if (t->certs && t->crls)
            st = KS_OK;
    }
    struct dirent *e;
    while (st == KS_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !has_trust_extension(e->d_name))
            continue;
        char path[4096];
        int n = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (n < 0 || (size_t)n >= sizeof path)
            continue;
        st = load_file(t, path);
    }
    closedir(d);
    if (st == KS_OK)
        st = build_store(t);
    ERR_clear_error();
    if (st != KS_OK) {
        pa_trust_free(t);
        return st;
    }
    *out = t;
    return KS_OK;
}

void pa_trust_free(pa_trust *t)
{
    if (!t)
        return;
    X509_STORE_free(t->store);
    sk_X509_pop_free(t->certs, X509_free);
    sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
    free(t);
}

size_t pa_trust_count(const pa_trust *t)
{
    return t && t->certs ? (size_t)sk_X509_num(t->certs) : 0;
}

size_t pa_trust_crl_count(const pa_trust *t)
{
    return t && t->crls ? (size_t)sk_X509_CRL_num(t->crls) : 0;
}

/* ---- verification ----------------------------------------------------- */

const char *pa_outcome_str(pa_outcome o)
{
    switch (o) {
    case PA_NOT_CHECKED: return "not checked";
    case PA_VALID:       return "valid";
    case PA_INVALID:     return "invalid";
    case PA_UNTRUSTED:   return "untrusted";
    }
    return "unknown";
}

static ks_status conclude(pa_result *out, pa_outcome o, int dg, const char *reason)
{
    out->outcome = o;
    out->failed_dg = dg;
    snprintf(out->reason, sizeof out->reason, "%s", reason);
    return KS_OK;
}

/* Why CMS_verify failed, in words for the operator. */
static const char *signature_failure_reason(void)
{
    unsigned long err = ERR_peek_last_error();
    if (ERR_GET_LIB(err) == ERR_LIB_CMS) {
        switch (ERR_GET_REASON(err)) {
        case CMS_R_SIGNER_CERTIFICATE_NOT_FOUND:
            return "document signer certificate found neither in the SOD nor in the trust store";
        case CMS_R_VERIFICATION_FAILURE:
            return "SOD signature does not verify";
        case CMS_R_CONTENT_VERIFY_ERROR:
            return "SOD message digest does not match the security object";
        default:
            break;
        }
    }
    return "SOD signature does not verify";
}

/* Step 1. True when every SignerInfo's signature verifies. */
static bool signature_valid(CMS_ContentInfo *cms, const pa_trust *trust)
{
    /* Store certificates let a SOD without an embedded DSC name one kept locally. */
    STACK_OF(X509) *extra = trust ? trust->certs : NULL;
    ERR_clear_error(); /* the failure reason is read from this call's errors only */
    int ok = CMS_verify(cms, extra, NULL, NULL, NULL, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY);
    return ok == 1;
}

/* Step 2. KS_OK with *bad_dg = 0 when all match, or the first failing DG. */
static ks_status check_hashes(const sod *s, const pa_dg *dgs, size_t n, int *bad_dg,
                              bool *missing)
{
    const EVP_MD *md = EVP_get_digestbynid(s->hash_nid);
    if (!md)
        return KS_ERR_CRYPTO;
    *bad_dg = 0;
    *missing = false;
    for (size_t i = 0; i < n; i++) {
        const sod_hash *h = sod_find_hash(s, dgs[i].dg);
        if (!h) {
            *bad_dg = dgs[i].dg;
            *missing = true;
            return KS_OK;
        }
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int dlen = 0;
        if (!EVP_Digest(dgs[i].data, dgs[i].len, digest, &dlen, md, NULL))
            return KS_ERR_CRYPTO;
        if (dlen != h->len || CRYPTO_memcmp(digest, h->value, dlen) != 0) {
            *bad_dg = dgs[i].dg;
            return KS_OK;
        }
    }
    return KS_OK;
}

static bool has_crl_from(const pa_trust *t, const X509_NAME *issuer)
{
    for (int i = 0; i < sk_X509_CRL_num(t->crls); i++)
        if (X509_NAME_cmp(X509_CRL_get_issuer(sk_X509_CRL_value(t->crls, i)), issuer) == 0)
            return true;
    return false;
}

static bool is_missing_anchor(int err)
{
    return err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
           err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
           err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
           err == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN;
}

/* Step 3 for one signer: KS_OK and *err = X509_V_OK when it chains to a CSCA. */
static ks_status chain_check(const pa_trust *t, X509 *dsc, STACK_OF(X509) *untrusted, int *err)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (!ctx)
        return KS_ERR_NO_MEMORY;
    if (!X509_STORE_CTX_init(ctx, t->store, dsc, untrusted)) {
        X509_STORE_CTX_free(ctx);
        return KS_ERR_CRYPTO;
    }
    /* CRL checking without a CRL fails every chain, so only ask when one is loaded. */
    if (has_crl_from(t, X509_get_issuer_name(dsc)))
        X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK);
    int ok = X509_verify_cert(ctx);
    *err = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
    if (ok != 1 && *err == X509_V_OK)
        *err = X509_V_ERR_UNSPECIFIED;
    X509_STORE_CTX_free(ctx);
    return KS_OK;
}

static ks_status check_trust(CMS_ContentInfo *cms, const pa_trust *t, pa_result *out)
{
    if (!t || pa_trust_count(t) == 0)
        return conclude(out, PA_UNTRUSTED, 0, "no trusted CSCA for the document signer");
    STACK_OF(X509) *signers = CMS_get0_signers(cms);
    STACK_OF(X509) *untrusted = CMS_get1_certs(cms);
    ks_status st = KS_OK;
    int err = X509_V_OK;
    if (!signers || sk_X509_num(signers) == 0) {
        st = KS_ERR_CRYPTO;
    } else {
        for (int i = 0; i < sk_X509_num(signers) && st == KS_OK && err == X509_V_OK; i++)
            st = chain_check(t, sk_X509_value(signers, i), untrusted, &err);
    }
    sk_X509_free(signers);
    sk_X509_pop_free(untrusted, X509_free);
    if (st != KS_OK)
        return st;
    if (err == X509_V_OK)
        return conclude(out, PA_VALID, 0, "");
    if (is_missing_anchor(err))
        return conclude(out, PA_UNTRUSTED, 0, "no trusted CSCA for the document signer");
    char reason[sizeof out->reason];
    snprintf(reason, sizeof reason, "document signer certificate: %s",
             X509_verify_cert_error_string(err));
    return conclude(out, PA_UNTRUSTED, 0, reason);
}

static ks_status verify_steps(const sod *s, const pa_dg *dgs, size_t n, const pa_trust *trust,
                              pa_result *out)
{
    CMS_ContentInfo *cms = (CMS_ContentInfo *)s->cms;
    if (!signature_valid(cms, trust))
        return conclude(out, PA_INVALID, 0, signature_failure_reason());

    int bad_dg;
    bool missing;
    ks_status st = check_hashes(s, dgs, n, &bad_dg, &missing);
    if (st != KS_OK)
        return st;
    if (bad_dg != 0) {
        char reason[64];
        snprintf(reason, sizeof reason, missing ? "DG%d is not listed in the SOD"
                                                : "DG%d hash mismatch", bad_dg);
        return conclude(out, PA_INVALID, bad_dg, reason);
    }
    return check_trust(cms, trust, out);
}

ks_status pa_verify(const sod *s, const pa_dg *dgs, size_t n, const pa_trust *trust,
                    pa_result *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!s || !s->cms || (n > 0 && !dgs))
        return KS_ERR_ARG;
    for (size_t i = 0; i < n; i++)
        if (dgs[i].dg < 1 || dgs[i].dg > 16 || (!dgs[i].data && dgs[i].len > 0))
            return KS_ERR_ARG;
    ks_status st = verify_steps(s, dgs, n, trust, out);
    ERR_clear_error();
    if (st != KS_OK)
        memset(out, 0, sizeof *out);
    return st;
}
