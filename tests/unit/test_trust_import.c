/*
 * test_trust_import.c — the trust-store importer against fixtures made here
 * with OpenSSL: a test CA issuing a master-list signer, CSCAs (RSA, EC, and
 * an EC link certificate), a document signer, a CRL; master lists built with
 * the TLV writer and signed with CMS; LDIF files folded the way the ICAO PKD
 * writes them; trust directories in /tmp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pa.h"
#include "tlv.h"
#include "trust_import.h"

/* ---- fixture PKI ---- */

typedef struct pki {
    EVP_PKEY *ca_key, *other_ca_key, *signer_key, *csca_rsa_key, *csca_ec_key, *link_key,
        *dsc_key;
    X509 *ca, *other_ca, *signer, *signer_no_eku, *csca_rsa, *csca_ec, *link, *dsc;
    X509_CRL *crl;
} pki;

static pki px;

static EVP_PKEY *rsa_key(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    assert_non_null(k);
    return k;
}

static EVP_PKEY *ec_key(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(k);
    return k;
}

static X509_NAME *make_name(const char *country, const char *cn)
{
    X509_NAME *n = X509_NAME_new();
    assert_non_null(n);
    assert_true(X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)country,
                                           -1, -1, 0));
    assert_true(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
                                           -1, 0));
    return n;
}

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    assert_non_null(e);
    assert_true(X509_add_ext(x, e, -1));
    X509_EXTENSION_free(e);
}

typedef enum role { ROLE_CA, ROLE_ML_SIGNER, ROLE_SIGNER_NO_EKU, ROLE_DSC } role;

/* A certificate for key; issuer NULL makes it self-signed. */
static X509 *make_cert(const char *country, const char *cn, EVP_PKEY *key, X509 *issuer,
                       EVP_PKEY *issuer_key, long serial, role r)
{
    X509 *x = X509_new();
    assert_non_null(x);
    assert_true(X509_set_version(x, X509_VERSION_3));
    assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), serial));
    X509_NAME *name = make_name(country, cn);
    assert_true(X509_set_subject_name(x, name));
    assert_true(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name));
    X509_NAME_free(name);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -86400L));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3650L * 86400L));
    assert_true(X509_set_pubkey(x, key));
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    add_ext(x, &ctx, NID_subject_key_identifier, "hash");
    add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
    switch (r) {
    case ROLE_CA:
        add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
        add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
        break;
    case ROLE_ML_SIGNER:
        add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature");
        add_ext(x, &ctx, NID_ext_key_usage, "critical,2.23.136.1.1.3");
        break;
    case ROLE_SIGNER_NO_EKU:
    case ROLE_DSC:
        add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature");
        break;
    }
    assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
    return x;
}

static X509_CRL *make_crl(X509 *issuer, EVP_PKEY *key)
{
    X509_CRL *c = X509_CRL_new();
    assert_non_null(c);
    assert_true(X509_CRL_set_version(c, 1));
    assert_true(X509_CRL_set_issuer_name(c, X509_get_subject_name(issuer)));
    ASN1_TIME *t = X509_gmtime_adj(NULL, 0);
    assert_true(X509_CRL_set1_lastUpdate(c, t));
    assert_non_null(X509_gmtime_adj(t, 30L * 86400L));
    assert_true(X509_CRL_set1_nextUpdate(c, t));
    ASN1_TIME_free(t);
    assert_true(X509_CRL_sign(c, key, EVP_sha256()) > 0);
    return c;
}

static int pki_setup(void **state)
{
    (void)state;
    px.ca_key = ec_key();
    px.other_ca_key = ec_key();
    px.signer_key = ec_key();
    px.csca_rsa_key = rsa_key();
    px.csca_ec_key = ec_key();
    px.link_key = ec_key();
    px.dsc_key = ec_key();
    px.ca = make_cert("UT", "Test ML CA", px.ca_key, NULL, NULL, 1, ROLE_CA);
    px.other_ca = make_cert("UT", "Other CA", px.other_ca_key, NULL, NULL, 2, ROLE_CA);
    px.signer = make_cert("UT", "Test ML Signer", px.signer_key, px.ca, px.ca_key, 3,
                          ROLE_ML_SIGNER);
    px.signer_no_eku = make_cert("UT", "Signer without EKU", px.signer_key, px.ca, px.ca_key, 4,
                                 ROLE_SIGNER_NO_EKU);
    px.csca_rsa = make_cert("AA", "CSCA Alpha RSA", px.csca_rsa_key, NULL, NULL, 10, ROLE_CA);
    px.csca_ec = make_cert("BB", "CSCA Beta EC", px.csca_ec_key, NULL, NULL, 11, ROLE_CA);
    /* A link certificate: the new Beta key certified by the old one. */
    px.link = make_cert("BB", "CSCA Beta EC 2", px.link_key, px.csca_ec, px.csca_ec_key, 12,
                        ROLE_CA);
    px.dsc = make_cert("AA", "DS Alpha", px.dsc_key, px.csca_rsa, px.csca_rsa_key, 13, ROLE_DSC);
    px.crl = make_crl(px.csca_rsa, px.csca_rsa_key);
    return 0;
}

static int pki_teardown(void **state)
{
    (void)state;
    EVP_PKEY *keys[] = {px.ca_key,      px.other_ca_key, px.signer_key, px.csca_rsa_key,
                        px.csca_ec_key, px.link_key,     px.dsc_key};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        EVP_PKEY_free(keys[i]);
    X509 *certs[] = {px.ca,      px.other_ca, px.signer, px.signer_no_eku,
                     px.csca_rsa, px.csca_ec, px.link,   px.dsc};
    for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++)
        X509_free(certs[i]);
    X509_CRL_free(px.crl);
    return 0;
}

/* ---- byte buffers and files ---- */

typedef struct buf {
    uint8_t *p;
    size_t n;
} buf;

static buf der_of_cert(X509 *x)
{
    buf b = {NULL, 0};
    int n = i2d_X509(x, &b.p);
    assert_true(n > 0);
    b.n = (size_t)n;
    return b;
}

static buf der_of_crl(X509_CRL *c)
{
    buf b = {NULL, 0};
    int n = i2d_X509_CRL(c, &b.p);
    assert_true(n > 0);
    b.n = (size_t)n;
    return b;
}

static void buf_free(buf *b)
{
    OPENSSL_free(b->p);
    b->p = NULL;
    b->n = 0;
}

/* CscaMasterList ::= SEQUENCE { version INTEGER, certList SET OF Certificate } */
static size_t ml_content(X509 *const *certs, size_t n, uint8_t version, uint8_t *out,
                         size_t cap)
{
    tlv_writer w;
    tlv_writer_init(&w, out, cap);
    tlv_open(&w, 0x30);
    tlv_put(&w, 0x02, &version, 1);
    tlv_open(&w, 0x31);
    for (size_t i = 0; i < n; i++) {
        buf d = der_of_cert(certs[i]);
        tlv_put_raw(&w, d.p, d.n);
        buf_free(&d);
    }
    tlv_close(&w);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    return w.len;
}

/* A DER CMS SignedData over content with the ICAO master list content type. */
static buf sign_ml(const uint8_t *content, size_t len, X509 *signer, EVP_PKEY *key, X509 *extra)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    assert_non_null(certs);
    assert_true(sk_X509_push(certs, extra));
    CMS_ContentInfo *cms = CMS_sign(signer, key, certs, NULL, CMS_PARTIAL | CMS_BINARY);
    assert_non_null(cms);
    ASN1_OBJECT *type = OBJ_txt2obj("2.23.136.1.1.2", 1);
    assert_non_null(type);
    assert_true(CMS_set1_eContentType(cms, type));
    ASN1_OBJECT_free(type);
    BIO *in = BIO_new_mem_buf(content, (int)len);
    assert_true(CMS_final(cms, in, NULL, CMS_BINARY));
    BIO_free(in);
    buf b = {NULL, 0};
    int n = i2d_CMS_ContentInfo(cms, &b.p);
    assert_true(n > 0);
    b.n = (size_t)n;
    CMS_ContentInfo_free(cms);
    sk_X509_free(certs);
    return b;
}

static buf three_csca_ml(X509 *signer)
{
    X509 *certs[] = {px.csca_rsa, px.csca_ec, px.link};
    static uint8_t content[16384];
    size_t n = ml_content(certs, 3, 0, content, sizeof content);
    return sign_ml(content, n, signer, px.signer_key, px.ca);
}

typedef struct dirs {
    char root[64];
    char trust[128];  /* not created: the importer makes it */
    char ca[128];     /* holds the test CA */
    char other[128];  /* holds an unrelated CA */
    char input[128];  /* a file path for inputs */
} dirs;

static dirs d;

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void write_pem_cert(const char *path, X509 *x)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(PEM_write_X509(f, x));
    assert_int_equal(fclose(f), 0);
}

static void remove_tree(const char *path)
{
    DIR *dir = opendir(path);
    if (!dir) {
        unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        remove_tree(p);
    }
    closedir(dir);
    rmdir(path);
}

static int dirs_setup(void **state)
{
    (void)state;
    snprintf(d.root, sizeof d.root, "/tmp/ks-trust-test-XXXXXX");
    assert_non_null(mkdtemp(d.root));
    snprintf(d.trust, sizeof d.trust, "%s/var/trust", d.root);
    snprintf(d.ca, sizeof d.ca, "%s/ca", d.root);
    snprintf(d.other, sizeof d.other, "%s/other", d.root);
    snprintf(d.input, sizeof d.input, "%s/input", d.root);
    assert_int_equal(mkdir(d.ca, 0700), 0);
    assert_int_equal(mkdir(d.other, 0700), 0);
    char p[256];
    snprintf(p, sizeof p, "%s/ca.pem", d.ca);
    write_pem_cert(p, px.ca);
    snprintf(p, sizeof p, "%s/other.pem", d.other);
    write_pem_cert(p, px.other_ca);
    return 0;
}

static int dirs_teardown(void **state)
{
    (void)state;
    remove_tree(d.root);
    return 0;
}

/* Files in dir ending in ext (hidden ones count too: none may be left over). */
static size_t count_files(const char *dir, const char *ext)
{
    DIR *dd = opendir(dir);
    if (!dd)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dd)) != NULL) {
        size_t l = strlen(e->d_name), x = strlen(ext);
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 && l >= x &&
            strcmp(e->d_name + l - x, ext) == 0)
            n++;
    }
    closedir(dd);
    return n;
}

static ks_status import_bytes(const buf *b, const trust_import_options *o, trust_import_result *r,
                              char *err, size_t cap)
{
    write_file(d.input, b->p, b->n);
    return trust_import_file(d.input, d.trust, o, r, err, cap);
}

/* ---- master lists ---- */

static void anchored_master_list_imports_three_cscas_then_none(void **state)
{
    (void)state;
    buf ml = three_csca_ml(px.signer);
    trust_import_options o = {.masterlist_signer_ca_dir = d.ca};
    trust_import_result r;
    char err[512];
    assert_int_equal(import_bytes(&ml, &o, &r, err, sizeof err), KS_OK);
    assert_int_equal(r.certs_added, 3);
    assert_int_equal(r.certs_skipped, 0);
    assert_int_equal(r.masterlists, 1);
    assert_true(r.signer_anchored);
    assert_non_null(strstr(r.signer, "CN=Test ML Signer"));
    assert_int_equal(count_files(d.trust, ".pem"), 3);
    assert_int_equal(count_files(d.trust, ""), 3); /* no temporary file left */

    assert_int_equal(import_bytes(&ml, &o, &r, err, sizeof err), KS_OK);
    assert_int_equal(r.certs_added, 0);
    assert_int_equal(r.certs_skipped, 3);
    assert_int_equal(count_files(d.trust, ".pem"), 3);

    /* What was written is what Passive Authentication loads. */
    pa_trust *t = NULL;
    assert_int_equal(pa_trust_load(d.trust, &t), KS_OK);
    assert_int_equal(pa_trust_count(t), 3);
    pa_trust_free(t);
    buf_free(&ml);
}

static void master_list_signer_from_another_ca_is_refused(void **state)
{
    (void)state;
    buf ml = three_csca_ml(px.signer);
    trust_import_result r;
    char err[512];
    trust_import_options o = {.masterlist_signer_ca_dir = d.other};
    assert_int_equal(import_bytes(&ml, &o, &r, err, sizeof err), KS_ERR_AUTH);
    assert_non_null(strstr(err, "does not chain"));
    /* Naming an anchor that fails is not waived by allow_unverified. */
    o.allow_unverified = true;
    assert_int_equal(import_bytes(&ml, &o, &r, err, sizeof err), KS_ERR_AUTH);
    assert_int_equal(r.certs_added, 0);
    assert_int_equal(count_files(d.trust, ".pem"), 0);
    buf_free(&ml);
}

static uint8_t *find_bytes(uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

static void master_list_with_broken_signature_is_refused(void **state)
{
    (void)state;
    buf ml = three_csca_ml(px.signer);
    CMS_ContentInfo *cms = NULL;
    const unsigned char *p = ml.p;
    cms = d2i_CMS_ContentInfo(NULL, &p, (long)ml.n);
    assert_non_null(cms);
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
    ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
    uint8_t *at = find_bytes(ml.p, ml.n, ASN1_STRING_get0_data(sig),
                             (size_t)ASN1_STRING_length(sig));
    assert_non_null(at);
    at[ASN1_STRING_length(sig) / 2] ^= 0x01;
    CMS_ContentInfo_free(cms);

    trust_import_result r;
    char err[512];
    trust_import_options o = {.masterlist_signer_ca_dir = d.ca};
    assert_int_equal(import_bytes(&ml, &o, &r, err, sizeof err), KS_ERR_AUTH);
    assert_non_null(strstr(err, "signature does not verify"));
    trust_import_options lax = {.allow_unverified = true};
    assert_int_equal(import_bytes(&ml, &lax, &r, err, sizeof err), KS_ERR_AUTH);
    assert_int_equal(count_files(d.trust, ".pem"), 0);
    buf_free(&ml);
}

static void master_list_with_altered_content_is_refused(void **state)
{
    (void)state;
    buf ml = three_csca_ml(px.signer);
    buf csca = der_of_cert(px.csca_ec);
    uint8_t *at = find_bytes(ml.p, ml.n, csca.p, csca.n);
    assert_non_null(at);
    at[csca.n - 5] ^= 0x80; /* inside the certificate's signature value */
    trust_import_result r;
    char err[512];
    trust_import_options lax = {.allow_unverified = true};
    assert_int_equal(import_bytes(&ml, &lax, &r, err, sizeof err), KS_ERR_AUTH);
    assert_int_equal(count_files(d.trust, ".pem"), 0);
    buf_free(&csca);
    buf_free(&ml);
}

static void unanchored_master_list_needs_allow_unverified(void **state)
{
    (void)state;
    buf ml = three_csca_ml(px.signer);
    trust_import_result r;
    char err[512];
    assert_int_equal(import_bytes(&ml, NULL, &r, err, sizeof err), KS_ERR_AUTH);
    assert_non_null(strstr(err, "not anchored"));
    assert_int_equal(count_files(d.trust, ".pem"), 0);

    trust_import_options lax = {.allow_unverified = true};
    assert_int_equal(import_bytes(&ml, &lax, &r, err, sizeof err), KS_OK);
    assert_int_equal(r.certs_added, 3);
    assert_false(r.signer_anchored);
    assert_non_null(strstr(r.signer, "Test ML Signer"));
    buf_free(&ml);
}

static void anchored_signer_without_icao_eku_is_refused(void **state)
{
    (void)state;
    buf ml = three_csca_ml(px.signer_no_eku);
    trust_import_result r;
    char err[512];
    trust_import_options o = {.masterlist_signer_ca_dir = d.ca};
    assert_int_equal(import_bytes(&ml, &o, &r, err, sizeof err), KS_ERR_AUTH);
    assert_non_null(strstr(err, "2.23.136.1.1.3"));
    assert_int_equal(count_files(d.trust, ".pem"), 0);
    buf_free(&ml);
}

static void master_list_version_other_than_zero_is_unsupported(void **state)
{
    (void)state;
    X509 *certs[] = {px.csca_rsa};
    uint8_t content[8192];
    size_t n = ml_content(certs, 1, 1, content, sizeof content);
    buf ml = sign_ml(content, n, px.signer, px.signer_key, px.ca);
    trust_import_result r;
    char err[512];
    trust_import_options o = {.masterlist_signer_ca_dir = d.ca};
    assert_int_equal(import_bytes(&ml, &o, &r, err, sizeof err), KS_ERR_UNSUPPORTED);
    assert_non_null(strstr(err, "version"));
    buf_free(&ml);
}

static ks_status count_items(void *ctx, trust_item_kind kind, const uint8_t *der, size_t len,
                             char *err, size_t cap)
{
    (void)der;
    (void)err;
    (void)cap;
    size_t *counts = ctx;
    assert_true(len > 0);
    counts[kind]++;
    return KS_OK;
}

static void master_list_content_parser_rejects_damaged_lists(void **state)
{
    (void)state;
    X509 *certs[] = {px.csca_rsa, px.csca_ec};
    uint8_t content[8192];
    size_t n = ml_content(certs, 2, 0, content, sizeof content);
    size_t counts[3] = {0, 0, 0};
    char err[256];
    assert_int_equal(trust_masterlist_content_parse(content, n, count_items, counts, err,
                                                    sizeof err),
                     KS_OK);
    assert_int_equal(counts[TRUST_ITEM_CERT], 2);
    for (size_t cut = 0; cut < n; cut += 97)
        assert_int_not_equal(trust_masterlist_content_parse(content, cut, count_items, counts,
                                                            err, sizeof err),
                             KS_OK);
    /* A SET element that is no certificate. */
    uint8_t junk[] = {0x30, 0x08, 0x02, 0x01, 0x00, 0x31, 0x03, 0x30, 0x01, 0x00};
    assert_int_equal(trust_masterlist_content_parse(junk, sizeof junk, count_items, counts, err,
                                                    sizeof err),
                     KS_ERR_MALFORMED);
    assert_non_null(strstr(err, "certificate 1"));
}

/* ---- LDIF ---- */

typedef struct text {
    char *p;
    size_t n, cap;
} text;

static void text_add(text *t, const char *s, size_t n)
{
    if (t->n + n + 1 > t->cap) {
        t->cap = (t->n + n + 1) * 2;
        t->p = realloc(t->p, t->cap);
        assert_non_null(t->p);
    }
    memcpy(t->p + t->n, s, n);
    t->n += n;
    t->p[t->n] = '\0';
}

static void text_str(text *t, const char *s)
{
    text_add(t, s, strlen(s));
}

/* "attr:: base64" folded at 78 columns with a leading space, like the PKD. */
static void ldif_value(text *t, const char *attr, const uint8_t *der, size_t n, const char *eol)
{
    char *b64 = malloc(4 * ((n + 2) / 3) + 1);
    assert_non_null(b64);
    int len = EVP_EncodeBlock((unsigned char *)b64, der, (int)n);
    text_str(t, attr);
    text_str(t, ":: ");
    size_t col = strlen(attr) + 3, i = 0, total = (size_t)len;
    while (i < total) {
        size_t take = 78 - col;
        if (take > total - i)
            take = total - i;
        text_add(t, b64 + i, take);
        i += take;
        if (i < total) {
            text_str(t, eol);
            text_str(t, " ");
            col = 1;
        }
    }
    text_str(t, eol);
    free(b64);
}

static void ldif_cert_entry(text *t, const char *attr, X509 *x, const char *eol)
{
    buf b = der_of_cert(x);
    text_str(t, "dn: cn=x,o=ml,c=AA,dc=data,dc=download,dc=pkd,dc=icao,dc=int");
    text_str(t, eol);
    text_str(t, "objectClass: top");
    text_str(t, eol);
    text_str(t, "objectClass: pkdDownload");
    text_str(t, eol);
    ldif_value(t, attr, b.p, b.n, eol);
    text_str(t, eol);
    buf_free(&b);
}

static text pkd_ldif(const char *eol)
{
    text t = {NULL, 0, 0};
    text_str(&t, "version: 1");
    text_str(&t, eol);
    text_str(&t, "# generated for a test");
    text_str(&t, eol);
    text_str(&t, eol);
    ldif_cert_entry(&t, "userCertificate;binary", px.csca_rsa, eol);
    ldif_cert_entry(&t, "cACertificate;binary", px.csca_ec, eol);
    ldif_cert_entry(&t, "userCertificate;binary", px.dsc, eol); /* not a CA */
    buf crl = der_of_crl(px.crl);
    text_str(&t, "dn: cn=crl,o=crl,c=AA,dc=data,dc=download,dc=pkd,dc=icao,dc=int");
    text_str(&t, eol);
    ldif_value(&t, "certificateRevocationList;binary", crl.p, crl.n, eol);
    buf_free(&crl);
    return t;
}

static void ldif_with_folded_entries_imports_two_cscas_and_a_crl(void **state)
{
    (void)state;
    const char *eols[] = {"\n", "\r\n"};
    for (size_t i = 0; i < 2; i++) {
        text t = pkd_ldif(eols[i]);
        buf b = {(uint8_t *)t.p, t.n};
        trust_import_result r;
        char err[512];
        assert_int_equal(import_bytes(&b, NULL, &r, err, sizeof err), KS_OK);
        assert_int_equal(r.certs_added, i == 0 ? 2 : 0);
        assert_int_equal(r.crls_added, i == 0 ? 1 : 0);
        assert_int_equal(r.certs_not_ca, 1);
        assert_int_equal(r.certs_skipped, i == 0 ? 1 : 3);
        assert_int_equal(r.crls_skipped, i == 0 ? 0 : 1);
        assert_int_equal(count_files(d.trust, ".pem"), 2);
        assert_int_equal(count_files(d.trust, ".crl"), 1);
        free(t.p);
    }
    pa_trust *pt = NULL;
    assert_int_equal(pa_trust_load(d.trust, &pt), KS_OK);
    assert_int_equal(pa_trust_count(pt), 2);
    assert_int_equal(pa_trust_crl_count(pt), 1);
    pa_trust_free(pt);
}

static void ldif_master_list_value_is_verified_and_imported(void **state)
{
    (void)state;
    buf ml = three_csca_ml(px.signer);
    text t = {NULL, 0, 0};
    text_str(&t, "version: 1\n\ndn: cn=ml,o=ml,c=UT,dc=masterlist,dc=pkd,dc=icao,dc=int\n");
    ldif_value(&t, "pkdMasterListContent", ml.p, ml.n, "\n");
    buf b = {(uint8_t *)t.p, t.n};
    trust_import_result r;
    char err[512];
    assert_int_equal(import_bytes(&b, NULL, &r, err, sizeof err), KS_ERR_AUTH);
    assert_non_null(strstr(err, "line 4"));
    trust_import_options o = {.masterlist_signer_ca_dir = d.ca};
    assert_int_equal(import_bytes(&b, &o, &r, err, sizeof err), KS_OK);
    assert_int_equal(r.masterlists, 1);
    assert_int_equal(r.certs_added, 3);
    assert_true(r.signer_anchored);
    free(t.p);
    buf_free(&ml);
}

typedef struct bad_ldif {
    const char *text;
    ks_status want;
    const char *says;
} bad_ldif;

static void ldif_garbage_gets_clear_errors_and_writes_nothing(void **state)
{
    (void)state;
    static const bad_ldif cases[] = {
        {"version: 1\n\nthis is not ldif\n", KS_ERR_MALFORMED, "line 3: not an LDIF line"},
        {"version: 1\n\ndn: cn=x\nuserCertificate;binary:: MIIB\n", KS_ERR_MALFORMED,
         "line 4: userCertificate;binary: not a valid X.509"},
        {"version: 1\n\ndn: cn=x\nuserCertificate;binary:: MIIBAAA\n", KS_ERR_TRUNCATED,
         "line 4: userCertificate;binary: truncated base64"},
        {"version: 1\ndn: cn=x\ncACertificate;binary:: MII*AAAA\n", KS_ERR_MALFORMED,
         "invalid character"},
        {"version: 1\ndn: cn=x\ncACertificate;binary: MIIBAAAA\n", KS_ERR_MALFORMED,
         "must hold a base64 value"},
        {"version: 1\n\n continued from nowhere\n", KS_ERR_MALFORMED,
         "line 3: continuation line"},
        {"version: 1\ndn: cn=x\ncertificateRevocationList;binary::\n", KS_ERR_MALFORMED,
         "empty base64"},
        {"version: 1\ndn: cn=x\nobjectClass: top\n", KS_ERR_NOT_FOUND, "no certificate"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf b = {(uint8_t *)cases[i].text, strlen(cases[i].text)};
        trust_import_result r;
        char err[512] = "";
        ks_status st = import_bytes(&b, NULL, &r, err, sizeof err);
        if (st != cases[i].want || !strstr(err, cases[i].says))
            fail_msg("case %zu: status %d, error \"%s\"", i, (int)st, err);
    }
    assert_int_equal(count_files(d.trust, ""), 0);
}

static void ldif_overlong_line_is_refused(void **state)
{
    (void)state;
    size_t n = TRUST_LDIF_MAX_LINE + 100;
    char *t = malloc(n + 64);
    assert_non_null(t);
    strcpy(t, "version: 1\ndn: cn=x\ndescription: ");
    size_t at = strlen(t);
    memset(t + at, 'A', n);
    t[at + n] = '\n';
    buf b = {(uint8_t *)t, at + n + 1};
    trust_import_result r;
    char err[512];
    assert_int_equal(import_bytes(&b, NULL, &r, err, sizeof err), KS_ERR_TOO_LARGE);
    assert_non_null(strstr(err, "line 3: longer than"));
    free(t);
}

static void ldif_truncated_anywhere_never_crashes(void **state)
{
    (void)state;
    text t = pkd_ldif("\n");
    size_t counts[3];
    char err[256];
    for (size_t cut = 0; cut <= t.n; cut += 7) {
        memset(counts, 0, sizeof counts);
        ks_status st = trust_ldif_parse((const uint8_t *)t.p, cut, count_items, counts, err,
                                        sizeof err);
        assert_true(st == KS_OK || st == KS_ERR_TRUNCATED || st == KS_ERR_MALFORMED);
    }
    memset(counts, 0, sizeof counts);
    assert_int_equal(trust_ldif_parse((const uint8_t *)t.p, t.n, count_items, counts, err,
                                      sizeof err),
                     KS_OK);
    assert_int_equal(counts[TRUST_ITEM_CERT], 3);
    assert_int_equal(counts[TRUST_ITEM_CRL], 1);
    free(t.p);
}

/* ---- other inputs, listing ---- */

static void pem_bundle_and_der_certificates_import(void **state)
{
    (void)state;
    BIO *b = BIO_new(BIO_s_mem());
    assert_true(PEM_write_bio_X509(b, px.dsc));
    assert_true(PEM_write_bio_X509(b, px.link));
    assert_true(PEM_write_bio_X509_CRL(b, px.crl));
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    buf pem = {(uint8_t *)p, (size_t)n};
    trust_import_result r;
    char err[512];
    assert_int_equal(import_bytes(&pem, NULL, &r, err, sizeof err), KS_OK);
    assert_int_equal(r.certs_added, 1);
    assert_int_equal(r.certs_not_ca, 1);
    assert_int_equal(r.crls_added, 1);
    BIO_free(b);

    buf der = der_of_cert(px.csca_rsa);
    assert_int_equal(import_bytes(&der, NULL, &r, err, sizeof err), KS_OK);
    assert_int_equal(r.certs_added, 1);
    buf_free(&der);
    assert_int_equal(count_files(d.trust, ".pem"), 2);
}

static void certificate_already_present_under_another_name_is_skipped(void **state)
{
    (void)state;
    char p[256];
    snprintf(p, sizeof p, "%s/var", d.root);
    assert_int_equal(mkdir(p, 0755), 0);
    assert_int_equal(mkdir(d.trust, 0755), 0);
    snprintf(p, sizeof p, "%s/hand-placed.crt", d.trust);
    write_pem_cert(p, px.csca_ec);
    buf ml = three_csca_ml(px.signer);
    trust_import_options o = {.masterlist_signer_ca_dir = d.ca};
    trust_import_result r;
    char err[512];
    assert_int_equal(import_bytes(&ml, &o, &r, err, sizeof err), KS_OK);
    assert_int_equal(r.certs_added, 2);
    assert_int_equal(r.certs_skipped, 1);
    buf_free(&ml);
}

static void dry_run_counts_and_writes_nothing(void **state)
{
    (void)state;
    buf ml = three_csca_ml(px.signer);
    trust_import_options o = {.masterlist_signer_ca_dir = d.ca};
    trust_import_result r;
    char err[512];
    assert_int_equal(trust_import_buffer(ml.p, ml.n, NULL, &o, &r, err, sizeof err), KS_OK);
    assert_int_equal(r.certs_added, 3);
    assert_int_equal(count_files(d.trust, ""), 0);

    /* Against a directory: what is already there is not counted again. */
    buf one = der_of_cert(px.csca_rsa);
    assert_int_equal(import_bytes(&one, NULL, &r, err, sizeof err), KS_OK);
    o.dry_run = true;
    assert_int_equal(import_bytes(&ml, &o, &r, err, sizeof err), KS_OK);
    assert_int_equal(r.certs_added, 2);
    assert_int_equal(r.certs_skipped, 1);
    assert_int_equal(count_files(d.trust, ""), 1);
    buf_free(&one);
    buf_free(&ml);
}

static void unknown_or_empty_input_is_refused(void **state)
{
    (void)state;
    trust_import_result r;
    char err[512];
    static const uint8_t junk[] = "hello, world\n";
    assert_int_equal(trust_import_buffer(junk, sizeof junk - 1, NULL, NULL, &r, err, sizeof err),
                     KS_ERR_UNSUPPORTED);
    assert_int_equal(trust_import_buffer(junk, 0, NULL, NULL, &r, err, sizeof err),
                     KS_ERR_NOT_FOUND);
    static const uint8_t der_junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    assert_int_equal(trust_import_buffer(der_junk, sizeof der_junk, NULL, NULL, &r, err,
                                         sizeof err),
                     KS_ERR_UNSUPPORTED);
    assert_non_null(strstr(err, "neither a certificate"));
    assert_int_equal(trust_import_file("/nonexistent/file.ml", d.trust, NULL, &r, err,
                                       sizeof err),
                     KS_ERR_IO);
    static const uint8_t bad_pem[] = "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n";
    assert_int_equal(trust_import_buffer(bad_pem, sizeof bad_pem - 1, NULL, NULL, &r, err,
                                         sizeof err),
                     KS_ERR_MALFORMED);
}

typedef struct lines {
    char v[8][512];
    size_t n;
} lines;

static void collect_line(const char *line, void *ctx)
{
    lines *l = ctx;
    assert_true(l->n < 8);
    snprintf(l->v[l->n++], sizeof l->v[0], "%s", line);
}

static void trust_list_shows_country_name_expiry_fingerprint_and_file(void **state)
{
    (void)state;
    buf ml = three_csca_ml(px.signer);
    trust_import_options o = {.masterlist_signer_ca_dir = d.ca};
    trust_import_result r;
    char err[512];
    assert_int_equal(import_bytes(&ml, &o, &r, err, sizeof err), KS_OK);
    buf_free(&ml);

    lines l = {.n = 0};
    assert_int_equal(trust_list(d.trust, collect_line, &l), KS_OK);
    assert_int_equal(l.n, 3);
    /* Sorted: AA first, then the two BB certificates. */
    assert_true(strncmp(l.v[0], "AA  CSCA Alpha RSA  ", 20) == 0);
    assert_true(strncmp(l.v[1], "BB  CSCA Beta EC", 16) == 0);
    assert_true(strncmp(l.v[2], "BB  CSCA Beta EC", 16) == 0);
    for (size_t i = 0; i < l.n; i++) {
        /* "... YYYY-MM-DD  <16 hex>  <16 hex>.pem": the file is named by the fingerprint. */
        const char *pem = strstr(l.v[i], ".pem");
        assert_non_null(pem);
        assert_true(pem - l.v[i] >= 16 + 2 + 16);
        assert_memory_equal(pem - 16, pem - 16 - 2 - 16, 16);
        const char *date = pem - 16 - 2 - 16 - 2 - 10;
        assert_true(date[-1] == ' ' && date[4] == '-' && date[7] == '-');
    }
    assert_int_equal(trust_list("/nonexistent/trust", collect_line, &l), KS_ERR_NOT_FOUND);
}

/* Each test starts from a fresh set of directories. */
#define T(fn) cmocka_unit_test_setup_teardown(fn, dirs_setup, dirs_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(anchored_master_list_imports_three_cscas_then_none),
        T(master_list_signer_from_another_ca_is_refused),
        T(master_list_with_broken_signature_is_refused),
        T(master_list_with_altered_content_is_refused),
        T(unanchored_master_list_needs_allow_unverified),
        T(anchored_signer_without_icao_eku_is_refused),
        T(master_list_version_other_than_zero_is_unsupported),
        T(master_list_content_parser_rejects_damaged_lists),
        T(ldif_with_folded_entries_imports_two_cscas_and_a_crl),
        T(ldif_master_list_value_is_verified_and_imported),
        T(ldif_garbage_gets_clear_errors_and_writes_nothing),
        T(ldif_overlong_line_is_refused),
        T(ldif_truncated_anywhere_never_crashes),
        T(pem_bundle_and_der_certificates_import),
        T(certificate_already_present_under_another_name_is_skipped),
        T(dry_run_counts_and_writes_nothing),
        T(unknown_or_empty_input_is_refused),
        T(trust_list_shows_country_name_expiry_fingerprint_and_file),
    };
    return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
