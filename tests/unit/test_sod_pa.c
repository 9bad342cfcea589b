/*
 * test_sod_pa.c — EF.SOD parsing and Passive Authentication against
 * fixtures generated here: CSCA -> DSC chains (RSA, ECDSA on brainpoolP256r1),
 * LDSSecurityObjects built with the TLV writer, SODs signed with OpenSSL CMS
 * (RSA PKCS#1 v1.5, RSA-PSS, ECDSA), trust directories and CRLs in /tmp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lds.h"
#include "pa.h"
#include "sod.h"
#include "tlv.h"

/* ---- fixture material ---- */

typedef struct fixture {
    EVP_PKEY *csca_key, *dsc_key, *csca_ec_key, *dsc_ec_key, *other_key;
    X509 *csca, *dsc, *csca_ec, *dsc_ec, *other_csca, *expired_dsc;
    uint8_t dg1[128], dg2[256], dg15[64];
    size_t dg1_len, dg2_len, dg15_len;
} fixture;

static fixture fx;

static const uint8_t oid_sha1[] = {0x2B, 0x0E, 0x03, 0x02, 0x1A};
static const uint8_t oid_sha256[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
static const uint8_t oid_sha512[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03};
static const uint8_t oid_md5[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x02, 0x05};

static X509_NAME *make_name(const char *cn)
{
    X509_NAME *n = X509_NAME_new();
    assert_non_null(n);
    assert_true(X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"VN",
                                           -1, -1, 0));
    assert_true(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn,
                                           -1, -1, 0));
    return n;
}

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    assert_non_null(e);
    assert_true(X509_add_ext(x, e, -1));
    X509_EXTENSION_free(e);
}

/* A certificate for key, signed by issuer (NULL: self-signed) valid from..to days from now. */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                       long serial, long from_days, long to_days)
{
    X509 *x = X509_new();
    assert_non_null(x);
    assert_true(X509_set_version(x, X509_VERSION_3));
    assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), serial));
    X509_NAME *name = make_name(cn);
    assert_true(X509_set_subject_name(x, name));
    assert_true(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name));
    X509_NAME_free(name);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), from_days * 86400L));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), to_days * 86400L));
    assert_true(X509_set_pubkey(x, key));
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    add_ext(x, &ctx, NID_subject_key_identifier, "hash");
    add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
    if (issuer) {
        add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature");
    } else {
        add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
        add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    }
    assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
    return x;
}

static EVP_PKEY *rsa_key(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    assert_non_null(k);
    return k;
}

static EVP_PKEY *ec_key(const char *curve)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
    assert_non_null(k);
    return k;
}

static size_t build_dg(uint8_t *buf, size_t cap, uint32_t outer, uint32_t inner,
                       const void *value, size_t len)
{
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_open(&w, outer);
    tlv_put(&w, inner, value, len);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    return w.len;
}

static int group_setup(void **state)
{
    (void)state;
    fx.csca_key = rsa_key();
    fx.dsc_key = rsa_key();
    fx.csca_ec_key = ec_key("brainpoolP256r1");
    fx.dsc_ec_key = ec_key("brainpoolP256r1");
    fx.other_key = ec_key("prime256v1");
    fx.csca = make_cert("CSCA TEST", fx.csca_key, NULL, NULL, 1, -1, 3650);
    fx.dsc = make_cert("DS TEST", fx.dsc_key, fx.csca, fx.csca_key, 100, -1, 365);
    fx.csca_ec = make_cert("CSCA EC TEST", fx.csca_ec_key, NULL, NULL, 2, -1, 3650);
    fx.dsc_ec = make_cert("DS EC TEST", fx.dsc_ec_key, fx.csca_ec, fx.csca_ec_key, 200, -1, 365);
    /* Same name as the real CSCA, different key: a look-alike must not be trusted. */
    fx.other_csca = make_cert("CSCA TEST", fx.other_key, NULL, NULL, 3, -1, 3650);
    fx.expired_dsc = make_cert("DS OLD", fx.dsc_key, fx.csca, fx.csca_key, 101, -30, -2);

    static const char mrz[] = "IDVNM0990123451001099012345<<<"
                              "9908152M3908155VNM<<<<<<<<<<<6"
                              "TESTER<<ALPHA<<<<<<<<<<<<<<<<<";
    fx.dg1_len = build_dg(fx.dg1, sizeof fx.dg1, 0x61, 0x5F1F, mrz, 90);
    uint8_t portrait[100];
    for (size_t i = 0; i < sizeof portrait; i++)
        portrait[i] = (uint8_t)(i * 7);
    fx.dg2_len = build_dg(fx.dg2, sizeof fx.dg2, 0x75, 0x7F61, portrait, sizeof portrait);
    const uint8_t spki[] = {0x30, 0x03, 0x02, 0x01, 0x05};
    fx.dg15_len = build_dg(fx.dg15, sizeof fx.dg15, 0x6F, 0x30, spki + 2, 3);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    EVP_PKEY *keys[] = {fx.csca_key, fx.dsc_key, fx.csca_ec_key, fx.dsc_ec_key, fx.other_key};
    X509 *certs[] = {fx.csca, fx.dsc, fx.csca_ec, fx.dsc_ec, fx.other_csca, fx.expired_dsc};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        EVP_PKEY_free(keys[i]);
    for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++)
        X509_free(certs[i]);
    return 0;
}

static size_t the_dgs(pa_dg *dgs)
{
    dgs[0] = (pa_dg){1, fx.dg1, fx.dg1_len};
    dgs[1] = (pa_dg){2, fx.dg2, fx.dg2_len};
    dgs[2] = (pa_dg){15, fx.dg15, fx.dg15_len};
    return 3;
}

/* ---- LDSSecurityObject and SOD builders ---- */

typedef struct so_opts {
    int version;
    const EVP_MD *md;
    const uint8_t *oid;
    size_t oid_len;
    bool duplicate_dg; /* list the first DG twice */
    size_t hash_len_delta;
} so_opts;

static so_opts so_default(void)
{
    so_opts o = {0, EVP_sha256(), oid_sha256, sizeof oid_sha256, false, 0};
    return o;
}

static size_t build_so(uint8_t *buf, size_t cap, const so_opts *o, const pa_dg *dgs, size_t n)
{
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    uint8_t v = (uint8_t)o->version;
    tlv_open(&w, 0x30);
    tlv_put(&w, 0x02, &v, 1);
    tlv_open(&w, 0x30);
    tlv_put(&w, 0x06, o->oid, o->oid_len);
    tlv_put(&w, 0x05, NULL, 0);
    tlv_close(&w);
    tlv_open(&w, 0x30);
    for (size_t i = 0; i < n + (o->duplicate_dg ? 1 : 0); i++) {
        const pa_dg *d = &dgs[i % n];
        unsigned char h[EVP_MAX_MD_SIZE];
        unsigned int hl = 0;
        assert_true(EVP_Digest(d->data, d->len, h, &hl, o->md, NULL));
        uint8_t num = (uint8_t)d->dg;
        tlv_open(&w, 0x30);
        tlv_put(&w, 0x02, &num, 1);
        tlv_put(&w, 0x04, h, hl + o->hash_len_delta);
        tlv_close(&w);
    }
    tlv_close(&w);
    if (o->version == 1) {
        tlv_open(&w, 0x30);
        tlv_put(&w, 0x13, (const uint8_t *)"0108", 4);
        tlv_put(&w, 0x13, (const uint8_t *)"040000", 6);
        tlv_close(&w);
    }
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    return w.len;
}

typedef struct sign_opts {
    EVP_PKEY *key;
    X509 *cert;
    const EVP_MD *md;
    bool pss;
    bool no_certs;
    const char *content_type; /* NULL: ldsSecurityObject */
} sign_opts;

static size_t build_sod(uint8_t *buf, size_t cap, const uint8_t *so, size_t so_len,
                        const sign_opts *o)
{
    CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_BINARY);
    assert_non_null(cms);
    ASN1_OBJECT *ct = OBJ_txt2obj(o->content_type ? o->content_type : "2.23.136.1.1.1", 1);
    assert_non_null(ct);
    assert_true(CMS_set1_eContentType(cms, ct));
    ASN1_OBJECT_free(ct);
    unsigned int flags = CMS_BINARY | CMS_NOSMIMECAP;
    if (o->pss)
        flags |= CMS_KEY_PARAM;
    if (o->no_certs)
        flags |= CMS_NOCERTS;
    CMS_SignerInfo *si = CMS_add1_signer(cms, o->cert, o->key, o->md, flags);
    assert_non_null(si);
    if (o->pss) {
        EVP_PKEY_CTX *pctx = CMS_SignerInfo_get0_pkey_ctx(si);
        assert_non_null(pctx);
        assert_true(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0);
        assert_true(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0);
    }
    BIO *in = BIO_new_mem_buf(so, (int)so_len);
    assert_non_null(in);
    assert_true(CMS_final(cms, in, NULL, CMS_BINARY));
    BIO_free(in);
    unsigned char *der = NULL;
    int der_len = i2d_CMS_ContentInfo(cms, &der);
    assert_true(der_len > 0);
    CMS_ContentInfo_free(cms);
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_put(&w, 0x77, der, (size_t)der_len);
    OPENSSL_free(der);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    return w.len;
}

static sign_opts rsa_signer(void)
{
    sign_opts o = {fx.dsc_key, fx.dsc, EVP_sha256(), false, false, NULL};
    return o;
}

/* An SOD over the fixture DGs with default options unless given. */
static size_t make_sod(uint8_t *buf, size_t cap, const so_opts *so, const sign_opts *sig)
{
    pa_dg dgs[3];
    size_t n = the_dgs(dgs);
    uint8_t lso[1024];
    so_opts sod_default = so_default();
    size_t lso_len = build_so(lso, sizeof lso, so ? so : &sod_default, dgs, n);
    sign_opts sig_default = rsa_signer();
    return build_sod(buf, cap, lso, lso_len, sig ? sig : &sig_default);
}

/* ---- trust directories ---- */

typedef struct trust_dir {
    char path[64];
} trust_dir;

static void trust_dir_make(trust_dir *d)
{
    snprintf(d->path, sizeof d->path, "/tmp/ks_pa_test_XXXXXX");
    assert_non_null(mkdtemp(d->path));
}

static void trust_dir_remove(trust_dir *d)
{
    DIR *dir = opendir(d->path);
    assert_non_null(dir);
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", d->path, e->d_name);
        unlink(p);
    }
    closedir(dir);
    rmdir(d->path);
}

static BIO *trust_file(const trust_dir *d, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", d->path, name);
    BIO *b = BIO_new_file(p, "wb");
    assert_non_null(b);
    return b;
}

static void write_pem_certs(const trust_dir *d, const char *name, X509 *const *certs, size_t n)
{
    BIO *b = trust_file(d, name);
    for (size_t i = 0; i < n; i++)
        assert_true(PEM_write_bio_X509(b, certs[i]));
    BIO_free(b);
}

static void write_der_cert(const trust_dir *d, const char *name, X509 *cert)
{
    BIO *b = trust_file(d, name);
    assert_true(i2d_X509_bio(b, cert));
    BIO_free(b);
}

static void write_bytes(const trust_dir *d, const char *name, const char *text)
{
    BIO *b = trust_file(d, name);
    assert_true(BIO_write(b, text, (int)strlen(text)) > 0);
    BIO_free(b);
}

static X509_CRL *make_crl(X509 *issuer, EVP_PKEY *issuer_key, X509 *revoked)
{
    X509_CRL *crl = X509_CRL_new();
    assert_non_null(crl);
    assert_true(X509_CRL_set_version(crl, 1));
    assert_true(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)));
    ASN1_TIME *last = ASN1_TIME_adj(NULL, time(NULL), 0, -3600);
    ASN1_TIME *next = ASN1_TIME_adj(NULL, time(NULL), 30, 0);
    assert_true(X509_CRL_set1_lastUpdate(crl, last));
    assert_true(X509_CRL_set1_nextUpdate(crl, next));
    if (revoked) {
        X509_REVOKED *r = X509_REVOKED_new();
        assert_non_null(r);
        assert_true(X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked)));
        assert_true(X509_REVOKED_set_revocationDate(r, last));
        assert_true(X509_CRL_add0_revoked(crl, r));
    }
    ASN1_TIME_free(last);
    ASN1_TIME_free(next);
    assert_true(X509_CRL_sort(crl));
    assert_true(X509_CRL_sign(crl, issuer_key, EVP_sha256()) > 0);
    return crl;
}

static pa_trust *load_trust(const trust_dir *d)
{
    pa_trust *t = NULL;
    assert_int_equal(pa_trust_load(d->path, &t), KS_OK);
    assert_non_null(t);
    return t;
}

/* A trust store holding only the given certificates, as one PEM file. */
static pa_trust *trust_of(X509 *const *certs, size_t n)
{
    trust_dir d;
    trust_dir_make(&d);
    write_pem_certs(&d, "csca.pem", certs, n);
    pa_trust *t = load_trust(&d);
    trust_dir_remove(&d);
    return t;
}

/* ---- helpers for verification ---- */

static pa_result verify_bytes(const uint8_t *sod_buf, size_t sod_len, const pa_dg *dgs,
                              size_t n, const pa_trust *t)
{
    sod s;
    assert_int_equal(sod_parse(sod_buf, sod_len, &s), KS_OK);
    pa_result r;
    assert_int_equal(pa_verify(&s, dgs, n, t, &r), KS_OK);
    sod_free(&s);
    return r;
}

static pa_result verify_default_dgs(const uint8_t *sod_buf, size_t sod_len, const pa_trust *t)
{
    pa_dg dgs[3];
    size_t n = the_dgs(dgs);
    return verify_bytes(sod_buf, sod_len, dgs, n, t);
}

static size_t find_bytes(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return i;
    fail_msg("bytes not found");
    return 0;
}

/* ---- SOD parsing ---- */

static void test_sod_parse_reads_the_hashes(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t len = make_sod(buf, sizeof buf, NULL, NULL);
    sod s;
    assert_int_equal(sod_parse(buf, len, &s), KS_OK);
    assert_non_null(s.cms);
    assert_int_equal(s.hash_nid, NID_sha256);
    assert_int_equal(s.n_hashes, 3);
    assert_int_equal(s.lds_version_present, 0);
    const sod_hash *h = sod_find_hash(&s, 2);
    assert_non_null(h);
    assert_int_equal(h->len, 32);
    unsigned char want[32];
    assert_true(EVP_Digest(fx.dg2, fx.dg2_len, want, NULL, EVP_sha256(), NULL));
    assert_memory_equal(h->value, want, 32);
    assert_null(sod_find_hash(&s, 3));
    sod_free(&s);
    assert_null(s.cms);
    sod_free(&s); /* twice is harmless */
}

static void test_sod_v1_carries_lds_version_info(void **state)
{
    (void)state;
    uint8_t buf[4096];
    so_opts so = so_default();
    so.version = 1;
    size_t len = make_sod(buf, sizeof buf, &so, NULL);
    sod s;
    assert_int_equal(sod_parse(buf, len, &s), KS_OK);
    assert_int_equal(s.lds_version_present, 1);
    assert_string_equal(s.lds_version, "0108");
    assert_string_equal(s.unicode_version, "040000");
    sod_free(&s);
}

static void test_sod_with_foreign_content_type_is_unsupported(void **state)
{
    (void)state;
    uint8_t buf[4096];
    sign_opts sig = rsa_signer();
    sig.content_type = "1.2.840.113549.1.7.1"; /* id-data */
    size_t len = make_sod(buf, sizeof buf, NULL, &sig);
    sod s;
    assert_int_equal(sod_parse(buf, len, &s), KS_ERR_UNSUPPORTED);
    assert_null(s.cms);
}

static void test_sod_security_object_variants_that_are_refused(void **state)
{
    (void)state;
    uint8_t buf[4096];
    sod s;
    so_opts so = so_default();
    so.duplicate_dg = true;
    size_t len = make_sod(buf, sizeof buf, &so, NULL);
    assert_int_equal(sod_parse(buf, len, &s), KS_ERR_MALFORMED);

    so = so_default();
    so.hash_len_delta = (size_t)-1; /* 31-byte SHA-256 */
    len = make_sod(buf, sizeof buf, &so, NULL);
    assert_int_equal(sod_parse(buf, len, &s), KS_ERR_MALFORMED);

    so = so_default();
    so.md = EVP_sha256();
    so.oid = oid_md5;
    so.oid_len = sizeof oid_md5;
    len = make_sod(buf, sizeof buf, &so, NULL);
    assert_int_equal(sod_parse(buf, len, &s), KS_ERR_UNSUPPORTED);

    so = so_default();
    so.version = 2;
    len = make_sod(buf, sizeof buf, &so, NULL);
    assert_int_equal(sod_parse(buf, len, &s), KS_ERR_MALFORMED);
}

static void test_sod_with_trailing_byte_or_wrong_tag_is_malformed(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t len = make_sod(buf, sizeof buf, NULL, NULL);
    sod s;
    buf[len] = 0;
    assert_int_equal(sod_parse(buf, len + 1, &s), KS_ERR_MALFORMED);
    buf[0] = 0x76;
    assert_int_equal(sod_parse(buf, len, &s), KS_ERR_MALFORMED);
}

static void test_sod_every_truncation_is_refused(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t len = make_sod(buf, sizeof buf, NULL, NULL);
    sod s;
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, buf, n);
        assert_int_not_equal(sod_parse(copy, n, &s), KS_OK);
        assert_null(s.cms);
        free(copy);
    }
}

/* ---- Passive Authentication outcomes ---- */

static void test_rsa_pkcs1_sod_chained_to_csca_is_valid(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t len = make_sod(buf, sizeof buf, NULL, NULL);
    pa_trust *t = trust_of(&fx.csca, 1);
    pa_result r = verify_default_dgs(buf, len, t);
    assert_int_equal(r.outcome, PA_VALID);
    assert_int_equal(r.failed_dg, 0);
    assert_string_equal(r.reason, "");
    pa_trust_free(t);
}

static void test_rsa_pss_sod_is_valid(void **state)
{
    (void)state;
    uint8_t buf[4096];
    sign_opts sig = rsa_signer();
    sig.pss = true;
    size_t len = make_sod(buf, sizeof buf, NULL, &sig);
    sod s;
    assert_int_equal(sod_parse(buf, len, &s), KS_OK);
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(s.cms), 0);
    X509_ALGOR *sig_alg = NULL;
    CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &sig_alg);
    const ASN1_OBJECT *alg_oid = NULL;
    X509_ALGOR_get0(&alg_oid, NULL, NULL, sig_alg);
    assert_int_equal(OBJ_obj2nid(alg_oid), NID_rsassaPss); /* really PSS */
    sod_free(&s);
    pa_trust *t = trust_of(&fx.csca, 1);
    pa_result r = verify_default_dgs(buf, len, t);
    assert_int_equal(r.outcome, PA_VALID);
    pa_trust_free(t);
}

static void test_ecdsa_brainpool_sod_is_valid(void **state)
{
    (void)state;
    uint8_t buf[4096];
    sign_opts sig = {fx.dsc_ec_key, fx.dsc_ec, EVP_sha256(), false, false, NULL};
    size_t len = make_sod(buf, sizeof buf, NULL, &sig);
    pa_trust *t = trust_of(&fx.csca_ec, 1);
    pa_result r = verify_default_dgs(buf, len, t);
    assert_int_equal(r.outcome, PA_VALID);
    pa_trust_free(t);
}

static void test_sha1_data_group_hashes_are_valid(void **state)
{
    (void)state;
    uint8_t buf[4096];
    so_opts so = {0, EVP_sha1(), oid_sha1, sizeof oid_sha1, false, 0};
    sign_opts sig = rsa_signer();
    sig.md = EVP_sha1();
    size_t len = make_sod(buf, sizeof buf, &so, &sig);
    sod s;
    assert_int_equal(sod_parse(buf, len, &s), KS_OK);
    assert_int_equal(s.hash_nid, NID_sha1);
    assert_int_equal(sod_find_hash(&s, 1)->len, 20);
    sod_free(&s);
    pa_trust *t = trust_of(&fx.csca, 1);
    pa_result r = verify_default_dgs(buf, len, t);
    assert_int_equal(r.outcome, PA_VALID);
    pa_trust_free(t);
}

static void test_sha512_data_group_hashes_with_ecdsa_are_valid(void **state)
{
    (void)state;
    uint8_t buf[4096];
    so_opts so = {1, EVP_sha512(), oid_sha512, sizeof oid_sha512, false, 0};
    sign_opts sig = {fx.dsc_ec_key, fx.dsc_ec, EVP_sha512(), false, false, NULL};
    size_t len = make_sod(buf, sizeof buf, &so, &sig);
    sod s;
    assert_int_equal(sod_parse(buf, len, &s), KS_OK);
    assert_int_equal(s.hash_nid, NID_sha512);
    assert_int_equal(sod_find_hash(&s, 15)->len, 64);
    sod_free(&s);
    pa_trust *t = trust_of(&fx.csca_ec, 1);
    pa_result r = verify_default_dgs(buf, len, t);
    assert_int_equal(r.outcome, PA_VALID);
    pa_trust_free(t);
}

static void test_changed_dg2_byte_is_invalid_naming_dg2(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t len = make_sod(buf, sizeof buf, NULL, NULL);
    pa_trust *t = trust_of(&fx.csca, 1);
    uint8_t dg2[256];
    memcpy(dg2, fx.dg2, fx.dg2_len);
    dg2[fx.dg2_len / 2] ^= 0x01;
    pa_dg dgs[3];
    size_t n = the_dgs(dgs);
    dgs[1].data = dg2;
    pa_result r = verify_bytes(buf, len, dgs, n, t);
    assert_int_equal(r.outcome, PA_INVALID);
    assert_int_equal(r.failed_dg, 2);
    assert_string_equal(r.reason, "DG2 hash mismatch");
    pa_trust_free(t);
}

static void test_dg_not_listed_in_sod_is_invalid(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t len = make_sod(buf, sizeof buf, NULL, NULL);
    pa_dg extra[4];
    size_t n = the_dgs(extra);
    extra[n++] = (pa_dg){11, fx.dg1, fx.dg1_len};
    pa_trust *t = trust_of(&fx.csca, 1);
    pa_result r = verify_bytes(buf, len, extra, n, t);
    assert_int_equal(r.outcome, PA_INVALID);
    assert_int_equal(r.failed_dg, 11);
    assert_non_null(strstr(r.reason, "DG11"));
    pa_trust_free(t);
}

static void test_changed_signature_bytes_are_invalid(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t len = make_sod(buf, sizeof buf, NULL, NULL);
    sod s;
    assert_int_equal(sod_parse(buf, len, &s), KS_OK);
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(s.cms), 0);
    ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
    size_t at = find_bytes(buf, len, ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig));
    sod_free(&s);
    buf[at + 17] ^= 0x40;
    pa_trust *t = trust_of(&fx.csca, 1);
    pa_result r = verify_default_dgs(buf, len, t);
    assert_int_equal(r.outcome, PA_INVALID);
    assert_int_equal(r.failed_dg, 0);
    assert_non_null(strstr(r.reason, "signature"));
    pa_trust_free(t);
}

static void test_changed_security_object_breaks_its_message_digest(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t len = make_sod(buf, sizeof buf, NULL, NULL);
    unsigned char h[32];
    assert_true(EVP_Digest(fx.dg1, fx.dg1_len, h, NULL, EVP_sha256(), NULL));
    buf[find_bytes(buf, len, h, sizeof h) + 3] ^= 0x01;
    pa_trust *t = trust_of(&fx.csca, 1);
    pa_result r = verify_default_dgs(buf, len, t);
    assert_int_equal(r.outcome, PA_INVALID);
    assert_int_equal(r.failed_dg, 0); /* caught by the signature, before any DG */
    assert_non_null(strstr(r.reason, "digest"));
    pa_trust_free(t);
}

static void test_look_alike_csca_in_trust_is_untrusted(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t len = make_sod(buf, sizeof buf, NULL, NULL);
    X509 *others[] = {fx.other_csca, fx.csca_ec};
    pa_trust *t = trust_of(others, 2);
    assert_int_equal(pa_trust_count(t), 2);
    pa_result r = verify_default_dgs(buf, len, t);
    assert_int_equal(r.outcome, PA_UNTRUSTED);
    assert_int_equal(r.failed_dg, 0);
    assert_true(strlen(r.reason) > 0);
    pa_trust_free(t);
}

static void test_unrelated_csca_in_trust_is_untrusted(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t len = make_sod(buf, sizeof buf, NULL, NULL);
    pa_trust *t = trust_of(&fx.csca_ec, 1);
    pa_result r = verify_default_dgs(buf, len, t);
    assert_int_equal(r.outcome, PA_UNTRUSTED);
    assert_string_equal(r.reason, "no trusted CSCA for the document signer");
    pa_trust_free(t);
}

static void test_no_or_empty_trust_is_untrusted(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t len = make_sod(buf, sizeof buf, NULL, NULL);
    pa_result r = verify_default_dgs(buf, len, NULL);
    assert_int_equal(r.outcome, PA_UNTRUSTED);
    assert_string_equal(r.reason, "no trusted CSCA for the document signer");

    trust_dir d;
    trust_dir_make(&d);
    pa_trust *t = load_trust(&d);
    assert_int_equal(pa_trust_count(t), 0);
    r = verify_default_dgs(buf, len, t);
    assert_int_equal(r.outcome, PA_UNTRUSTED);
    pa_trust_free(t);
    trust_dir_remove(&d);
}

static void test_untrusted_sod_with_bad_hash_is_invalid_first(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t len = make_sod(buf, sizeof buf, NULL, NULL);
    pa_dg dgs[3];
    size_t n = the_dgs(dgs);
    dgs[0].len--; /* DG1 cut short */
    pa_result r = verify_bytes(buf, len, dgs, n, NULL);
    assert_int_equal(r.outcome, PA_INVALID);
    assert_int_equal(r.failed_dg, 1);
}

static void test_crl_revoking_the_dsc_is_not_valid(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t len = make_sod(buf, sizeof buf, NULL, NULL);
    trust_dir d;
    trust_dir_make(&d);
    write_pem_certs(&d, "csca.pem", &fx.csca, 1);
    X509_CRL *crl = make_crl(fx.csca, fx.csca_key, fx.dsc);
    BIO *b = trust_file(&d, "csca.crl");
    assert_true(i2d_X509_CRL_bio(b, crl));
    BIO_free(b);
    X509_CRL_free(crl);
    pa_trust *t = load_trust(&d);
    assert_int_equal(pa_trust_crl_count(t), 1);
    pa_result r = verify_default_dgs(buf, len, t);
    assert_int_not_equal(r.outcome, PA_VALID);
    assert_int_equal(r.outcome, PA_UNTRUSTED);
    assert_non_null(strstr(r.reason, "revoked"));
    pa_trust_free(t);
    trust_dir_remove(&d);
}

static void test_crl_of_the_issuer_without_the_dsc_stays_valid(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t len = make_sod(buf, sizeof buf, NULL, NULL);
    trust_dir d;
    trust_dir_make(&d);
    write_pem_certs(&d, "csca.pem", &fx.csca, 1);
    X509_CRL *crl = make_crl(fx.csca, fx.csca_key, fx.expired_dsc);
    BIO *b = trust_file(&d, "list.pem");
    assert_true(PEM_write_bio_X509_CRL(b, crl));
    BIO_free(b);
    X509_CRL_free(crl);
    pa_trust *t = load_trust(&d);
    assert_int_equal(pa_trust_crl_count(t), 1);
    pa_result r = verify_default_dgs(buf, len, t);
    assert_int_equal(r.outcome, PA_VALID);
    pa_trust_free(t);
    trust_dir_remove(&d);
}

static void test_expired_dsc_is_untrusted(void **state)
{
    (void)state;
    uint8_t buf[4096];
    sign_opts sig = rsa_signer();
    sig.cert = fx.expired_dsc;
    size_t len = make_sod(buf, sizeof buf, NULL, &sig);
    pa_trust *t = trust_of(&fx.csca, 1);
    pa_result r = verify_default_dgs(buf, len, t);
    assert_int_equal(r.outcome, PA_UNTRUSTED);
    assert_non_null(strstr(r.reason, "expired"));
    pa_trust_free(t);
}

static void test_sod_without_dsc_needs_it_in_the_store(void **state)
{
    (void)state;
    uint8_t buf[4096];
    sign_opts sig = rsa_signer();
    sig.no_certs = true;
    size_t len = make_sod(buf, sizeof buf, NULL, &sig);

    pa_trust *t = trust_of(&fx.csca, 1);
    pa_result r = verify_default_dgs(buf, len, t);
    assert_int_equal(r.outcome, PA_INVALID);
    assert_non_null(strstr(r.reason, "found neither"));
    pa_trust_free(t);

    X509 *both[] = {fx.csca, fx.dsc};
    t = trust_of(both, 2);
    r = verify_default_dgs(buf, len, t);
    assert_int_equal(r.outcome, PA_VALID);
    pa_trust_free(t);
}

static void test_pa_verify_rejects_bad_arguments(void **state)
{
    (void)state;
    uint8_t buf[4096];
    size_t len = make_sod(buf, sizeof buf, NULL, NULL);
    sod s;
    assert_int_equal(sod_parse(buf, len, &s), KS_OK);
    pa_result r;
    pa_dg bad = {17, fx.dg1, fx.dg1_len};
    assert_int_equal(pa_verify(&s, &bad, 1, NULL, &r), KS_ERR_ARG);
    assert_int_equal(r.outcome, PA_NOT_CHECKED);
    assert_int_equal(pa_verify(&s, NULL, 1, NULL, &r), KS_ERR_ARG);
    assert_int_equal(pa_verify(NULL, NULL, 0, NULL, &r), KS_ERR_ARG);
    sod_free(&s);
    assert_int_equal(pa_verify(&s, NULL, 0, NULL, &r), KS_ERR_ARG);
}

/* ---- trust loading ---- */

static void test_trust_load_reads_bundles_der_and_crls_and_skips_junk(void **state)
{
    (void)state;
    trust_dir d;
    trust_dir_make(&d);
    X509 *two[] = {fx.csca, fx.csca_ec};
    write_pem_certs(&d, "bundle.PEM", two, 2);
    write_der_cert(&d, "other.cer", fx.other_csca);
    BIO *aux = trust_file(&d, "aux.crt");
    assert_true(PEM_write_bio_X509_AUX(aux, fx.dsc_ec)); /* "TRUSTED CERTIFICATE" */
    BIO_free(aux);
    write_der_cert(&d, "ignored.bin", fx.dsc);           /* extension not ours */
    write_bytes(&d, "notes.crt", "this is not a certificate\n");
    write_bytes(&d, "key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    X509_CRL *crl = make_crl(fx.csca, fx.csca_key, NULL);
    BIO *b = trust_file(&d, "empty.crl");
    assert_true(PEM_write_bio_X509_CRL(b, crl));
    BIO_free(b);
    X509_CRL_free(crl);
    pa_trust *t = load_trust(&d);
    assert_int_equal(pa_trust_count(t), 4);
    assert_int_equal(pa_trust_crl_count(t), 1);
    pa_trust_free(t);
    trust_dir_remove(&d);
}

static void test_trust_load_of_missing_dir_is_not_found(void **state)
{
    (void)state;
    pa_trust *t = (pa_trust *)&t;
    assert_int_equal(pa_trust_load("/nonexistent/ks-trust", &t), KS_ERR_NOT_FOUND);
    assert_null(t);
    assert_int_equal(pa_trust_count(NULL), 0);
    pa_trust_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sod_parse_reads_the_hashes),
        cmocka_unit_test(test_sod_v1_carries_lds_version_info),
        cmocka_unit_test(test_sod_with_foreign_content_type_is_unsupported),
        cmocka_unit_test(test_sod_security_object_variants_that_are_refused),
        cmocka_unit_test(test_sod_with_trailing_byte_or_wrong_tag_is_malformed),
        cmocka_unit_test(test_sod_every_truncation_is_refused),
        cmocka_unit_test(test_rsa_pkcs1_sod_chained_to_csca_is_valid),
        cmocka_unit_test(test_rsa_pss_sod_is_valid),
        cmocka_unit_test(test_ecdsa_brainpool_sod_is_valid),
        cmocka_unit_test(test_sha1_data_group_hashes_are_valid),
        cmocka_unit_test(test_sha512_data_group_hashes_with_ecdsa_are_valid),
        cmocka_unit_test(test_changed_dg2_byte_is_invalid_naming_dg2),
        cmocka_unit_test(test_dg_not_listed_in_sod_is_invalid),
        cmocka_unit_test(test_changed_signature_bytes_are_invalid),
        cmocka_unit_test(test_changed_security_object_breaks_its_message_digest),
        cmocka_unit_test(test_look_alike_csca_in_trust_is_untrusted),
        cmocka_unit_test(test_unrelated_csca_in_trust_is_untrusted),
        cmocka_unit_test(test_no_or_empty_trust_is_untrusted),
        cmocka_unit_test(test_untrusted_sod_with_bad_hash_is_invalid_first),
        cmocka_unit_test(test_crl_revoking_the_dsc_is_not_valid),
        cmocka_unit_test(test_crl_of_the_issuer_without_the_dsc_stays_valid),
        cmocka_unit_test(test_expired_dsc_is_untrusted),
        cmocka_unit_test(test_sod_without_dsc_needs_it_in_the_store),
        cmocka_unit_test(test_pa_verify_rejects_bad_arguments),
        cmocka_unit_test(test_trust_load_reads_bundles_der_and_crls_and_skips_junk),
        cmocka_unit_test(test_trust_load_of_missing_dir_is_not_found),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
