#include "mkc_cert.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#define CSCA_DAYS (15 * 365)
#define DSC_DAYS (10 * 365)

void mkc_cert_country(const char *issuing_state, char out[3])
{
    /* Three-letter codes whose two-letter form is not their prefix. */
    static const char *const exceptions[][2] = {{"D", "DE"}, {"VNM", "VN"}};
    for (size_t i = 0; i < sizeof exceptions / sizeof exceptions[0]; i++) {
        if (strcmp(issuing_state, exceptions[i][0]) == 0) {
            memcpy(out, exceptions[i][1], 3);
            return;
        }
    }
    if (strlen(issuing_state) >= 2) {
        memcpy(out, issuing_state, 2);
        out[2] = '\0';
    } else {
        memcpy(out, "VN", 3);
    }
}

bool mkc_cert_key_fits(EVP_PKEY *key, mkc_sig_alg alg)
{
    if (alg == MKC_SIG_ECDSA)
        return EVP_PKEY_is_a(key, "EC");
    return EVP_PKEY_is_a(key, "RSA") || (alg == MKC_SIG_RSA_PSS && EVP_PKEY_is_a(key, "RSA-PSS"));
}

ks_status mkc_cert_set_padding(EVP_PKEY_CTX *pctx, mkc_sig_alg alg, const EVP_MD *md)
{
    if (alg != MKC_SIG_RSA_PSS)
        return KS_OK;
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) <= 0)
        return mkc_fail_ssl("cannot set up RSA-PSS");
    return KS_OK;
}

static EVP_PKEY *gen_key(mkc_sig_alg alg, bool ca)
{
    if (alg == MKC_SIG_ECDSA)
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)(ca ? 3072 : 2048));
}

static bool set_random_serial(X509 *x)
{
    BIGNUM *bn = BN_new();
    bool ok = false;
    /* 63 random bits with the top bit forced: positive, 8 bytes, non-zero. */
    if (bn && BN_rand(bn, 63, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1)
        ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    return ok;
}

static bool set_name(X509_NAME *name, const char *country, const char *cn)
{
    return X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)country, -1, -1, 0) == 1 &&
           X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Kiosk Test PKI", -1, -1, 0) == 1 &&
           X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) == 1;
}

static bool add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    bool ok = ext && X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

static ks_status sign_cert(X509 *x, EVP_PKEY *issuer_key, mkc_sig_alg alg, const EVP_MD *md)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    ks_status st = KS_ERR_CRYPTO;
    if (mctx && EVP_DigestSignInit(mctx, &pctx, md, NULL, issuer_key) == 1) {
        st = mkc_cert_set_padding(pctx, alg, md);
        if (st == KS_OK && X509_sign_ctx(x, mctx) <= 0)
            st = KS_ERR_CRYPTO;
    }
    EVP_MD_CTX_free(mctx);
    return st == KS_OK ? KS_OK : mkc_fail_ssl("cannot sign a certificate");
}

/*
 * A v3 certificate for key. issuer == NULL makes it self-signed (issuer_key
 * is then key itself).
 */
static X509 *make_cert(EVP_PKEY *key, const char *country, const char *cn, bool ca,
                       X509 *issuer, EVP_PKEY *issuer_key, mkc_sig_alg alg, const EVP_MD *md)
{
    X509 *x = X509_new();
    if (!x)
        return NULL;
    X509 *signer_cert = issuer ? issuer : x;
    bool ok = X509_set_version(x, X509_VERSION_3) == 1 && set_random_serial(x) &&
              set_name(X509_get_subject_name(x), country, cn) &&
              X509_set_issuer_name(x, X509_get_subject_name(signer_cert)) == 1 &&
              X509_time_adj_ex(X509_getm_notBefore(x), -1, 0, NULL) != NULL &&
              X509_time_adj_ex(X509_getm_notAfter(x), ca ? CSCA_DAYS : DSC_DAYS, 0, NULL) != NULL &&
              X509_set_pubkey(x, key) == 1;
    if (ok && ca)
        ok = add_ext(x, signer_cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
             add_ext(x, signer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    if (ok && !ca)
        ok = add_ext(x, signer_cert, NID_key_usage, "critical,digitalSignature");
    /* The subject key id must exist before a self-signed AKI can copy it. */
    ok = ok && add_ext(x, signer_cert, NID_subject_key_identifier, "hash") &&
         add_ext(x, signer_cert, NID_authority_key_identifier, "keyid:always");
    if (!ok || sign_cert(x, issuer_key, alg, md) != KS_OK) {
        X509_free(x);
        return NULL;
    }
    return x;
}

ks_status mkc_cert_generate(mkc_sig_alg alg, const EVP_MD *md, const char *country,
                            mkc_signer *out)
{
    memset(out, 0, sizeof *out);
    EVP_PKEY *csca_key = gen_key(alg, true);
    out->dsc_key = gen_key(alg, false);
    if (!csca_key || !out->dsc_key) {
        EVP_PKEY_free(csca_key);
        mkc_signer_free(out);
        return mkc_fail_ssl("cannot generate the test PKI keys");
    }
    out->csca = make_cert(csca_key, country, "Test CSCA", true, NULL, csca_key, alg, md);
    if (out->csca)
        out->dsc = make_cert(out->dsc_key, country, "Test DSC", false, out->csca, csca_key,
                             alg, md);
    EVP_PKEY_free(csca_key); /* the CSCA signs nothing else: its key goes now */
    if (!out->csca || !out->dsc) {
        mkc_signer_free(out);
        return mkc_fail_ssl("cannot make the test PKI certificates");
    }
    return KS_OK;
}

static ks_status read_pem(const char *path, bool is_key, void **out)
{
    BIO *bio = BIO_new_file(path, "r");
    if (!bio)
        return mkc_fail(KS_ERR_IO, "cannot open %s", path);
    if (is_key)
        *out = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    else
        *out = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!*out)
        return mkc_fail_ssl("%s is not a PEM %s", path, is_key ? "private key" : "certificate");
    return KS_OK;
}

ks_status mkc_cert_load(const char *key_path, const char *cert_path, mkc_signer *out)
{
    memset(out, 0, sizeof *out);
    void *key = NULL, *cert = NULL;
    ks_status st = read_pem(key_path, true, &key);
    if (st == KS_OK)
        st = read_pem(cert_path, false, &cert);
    out->dsc_key = key;
    out->dsc = cert;
    if (st == KS_OK && X509_check_private_key(out->dsc, out->dsc_key) != 1)
        st = mkc_fail(KS_ERR_ARG, "the DSC key does not match the DSC certificate");
    if (st != KS_OK)
        mkc_signer_free(out);
    return st;
}

void mkc_signer_free(mkc_signer *s)
{
    EVP_PKEY_free(s->dsc_key);
    X509_free(s->dsc);
    X509_free(s->csca);
    memset(s, 0, sizeof *s);
}

static ks_status bio_to_bytes(BIO *bio, mkc_bytes *out)
{
    char *p;
    long n = BIO_get_mem_data(bio, &p);
    if (n <= 0)
        return mkc_fail_ssl("cannot encode PEM");
    ks_status st = mkc_bytes_alloc(out, (size_t)n);
    if (st == KS_OK)
        memcpy(out->data, p, (size_t)n);
    return st;
}

ks_status mkc_pem_private_key(EVP_PKEY *key, mkc_bytes *out)
{
    BIO *bio = BIO_new(BIO_s_mem());
    ks_status st = KS_ERR_CRYPTO;
    if (bio && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1)
        st = bio_to_bytes(bio, out);
    else
        mkc_fail_ssl("cannot encode a private key");
    BIO_free(bio);
    return st;
}

ks_status mkc_pem_certificate(X509 *cert, mkc_bytes *out)
{
    BIO *bio = BIO_new(BIO_s_mem());
    ks_status st = KS_ERR_CRYPTO;
    if (bio && PEM_write_bio_X509(bio, cert) == 1)
        st = bio_to_bytes(bio, out);
    else
        mkc_fail_ssl("cannot encode a certificate");
    BIO_free(bio);
    return st;
}
