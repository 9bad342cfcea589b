#include "trust_import.h"

#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "tlv.h"

/* Files of the trust directory are certificate bundles, never this big. */
#define TRUST_MAX_DIR_FILE (16u * 1024u * 1024u)
#define TRUST_LDIF_MAX_NAME 64u
#define FP_LEN 32u
#define FP_NAME_HEX 16u

/* DER bodies of 2.23.136.1.1.2 (id-icao-cscaMasterList) and 2.23.136.1.1.3
 * (id-icao-cscaMasterListSigningKey, the master list signer's EKU). */
static const unsigned char OID_CSCA_MASTER_LIST[] = {0x67, 0x81, 0x08, 0x01, 0x01, 0x02};
static const unsigned char OID_ML_SIGNING_KEY[] = {0x67, 0x81, 0x08, 0x01, 0x01, 0x03};

/* ---- small helpers ----------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static ks_status fail(char *err, size_t cap, ks_status st, const char *fmt, ...)
{
    if (err && cap > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* OpenSSL's last reason (and its detail text, e.g. the X.509 verify error),
 * for the operator; the error queue is emptied. */
static void ossl_reason(char *buf, size_t cap)
{
    const char *reason = NULL, *data = NULL;
    char detail[160] = "";
    unsigned long e;
    int flags = 0;
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        reason = ERR_reason_error_string(e);
        if ((flags & ERR_TXT_STRING) && data && data[0])
            snprintf(detail, sizeof detail, "%s", data);
    }
    if (detail[0])
        snprintf(buf, cap, "%s: %s", reason ? reason : "error", detail);
    else
        snprintf(buf, cap, "%s", reason ? reason : "no detail");
}

static bool oid_is(const ASN1_OBJECT *o, const unsigned char *der, size_t len)
{
    return o && (size_t)OBJ_length(o) == len && memcmp(OBJ_get0_data(o), der, len) == 0;
}

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

static bool has_pem_marker(const uint8_t *buf, size_t len)
{
    static const char marker[] = "-----BEGIN ";
    size_t m = sizeof marker - 1;
    for (size_t i = 0; i + m <= len; i++)
        if (buf[i] == '-' && memcmp(buf + i, marker, m) == 0)
            return true;
    return false;
}

static void hex_prefix(const uint8_t *fp, size_t nhex, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < nhex / 2; i++) {
        out[2 * i] = digits[fp[i] >> 4];
        out[2 * i + 1] = digits[fp[i] & 0x0F];
    }
    out[nhex] = '\0';
}

static bool cert_fingerprint(const X509 *x, uint8_t fp[FP_LEN])
{
    unsigned int n = 0;
    return X509_digest(x, EVP_sha256(), fp, &n) == 1 && n == FP_LEN;
}

static bool crl_fingerprint(const X509_CRL *c, uint8_t fp[FP_LEN])
{
    unsigned int n = 0;
    return X509_CRL_digest(c, EVP_sha256(), fp, &n) == 1 && n == FP_LEN;
}

/* Exactly one DER object filling the buffer, or NULL. */
static X509 *cert_from_der(const uint8_t *der, size_t len)
{
    if (len == 0 || len > LONG_MAX)
        return NULL;
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (x && p != der + len) {
        X509_free(x);
        x = NULL;
    }
    return x;
}

static X509_CRL *crl_from_der(const uint8_t *der, size_t len)
{
    if (len == 0 || len > LONG_MAX)
        return NULL;
    const unsigned char *p = der;
    X509_CRL *c = d2i_X509_CRL(NULL, &p, (long)len);
    if (c && p != der + len) {
        X509_CRL_free(c);
        c = NULL;
    }
    return c;
}

/* ---- a sorted set of SHA-256 fingerprints ------------------------------ */

typedef struct fp_set {
    uint8_t (*v)[FP_LEN];
    size_t n, cap;
} fp_set;

/* Index of fp, or of where it would go. */
static size_t fp_locate(const fp_set *s, const uint8_t *fp, bool *found)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(s->v[mid], fp, FP_LEN);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

/* *added is false when fp was already there. */
static ks_status fp_insert(fp_set *s, const uint8_t *fp, bool *added)
{
    bool found;
    size_t at = fp_locate(s, fp, &found);
    *added = !found;
    if (found)
        return KS_OK;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        void *nv = realloc(s->v, cap * FP_LEN);
        if (!nv)
            return KS_ERR_NO_MEMORY;
        s->v = nv;
        s->cap = cap;
    }
    memmove(s->v[at + 1], s->v[at], (s->n - at) * FP_LEN);
    memcpy(s->v[at], fp, FP_LEN);
    s->n++;
    return KS_OK;
}

static void fp_free(fp_set *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* ---- PEM blocks --------------------------------------------------------- */

typedef ks_status (*pem_block_fn)(void *ctx, const char *name, const uint8_t *der, size_t len,
                                  char *err, size_t err_cap);

/* Every PEM block in buf, in order. A block whose base64 is corrupt is an
 * error (KS_ERR_MALFORMED): a half-read bundle must not pass for a whole one. */
static ks_status pem_each(const uint8_t *buf, size_t len, pem_block_fn fn, void *ctx,
                          char *err, size_t err_cap)
{
    if (len > INT_MAX)
        return fail(err, err_cap, KS_ERR_TOO_LARGE, "PEM input too large");
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    if (!bio)
        return KS_ERR_NO_MEMORY;
    ks_status st = KS_OK;
    ERR_clear_error();
    for (size_t block = 1; st == KS_OK; block++) {
        char *name = NULL, *header = NULL;
        unsigned char *data = NULL;
        long dlen = 0;
        if (PEM_read_bio(bio, &name, &header, &data, &dlen) != 1) {
            unsigned long e = ERR_peek_last_error();
            if (!(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE))
                st = fail(err, err_cap, KS_ERR_MALFORMED, "PEM block %zu is corrupt", block);
            ERR_clear_error();
            break;
        }
        if (dlen > 0)
            st = fn(ctx, name, data, (size_t)dlen, err, err_cap);
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
    }
    BIO_free(bio);
    return st;
}

static bool pem_is_cert(const char *name)
{
    return strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0;
}

/* ---- reading a trust directory ------------------------------------------ */

/* Borrowed objects: exactly one of x / crl is set. */
typedef ks_status (*dir_item_fn)(void *ctx, const char *file, X509 *x, X509_CRL *crl);

typedef struct dir_file_ctx {
    dir_item_fn fn;
    void *ctx;
    const char *file;
} dir_file_ctx;

static ks_status dir_pem_block(void *vctx, const char *name, const uint8_t *der, size_t len,
                               char *err, size_t err_cap)
{
    (void)err;
    (void)err_cap;
    dir_file_ctx *d = vctx;
    ks_status st = KS_OK;
    if (pem_is_cert(name)) {
        X509 *x = cert_from_der(der, len);
        if (x)
            st = d->fn(d->ctx, d->file, x, NULL);
        X509_free(x);
    } else if (strcmp(name, "X509 CRL") == 0) {
        X509_CRL *c = crl_from_der(der, len);
        if (c)
            st = d->fn(d->ctx, d->file, NULL, c);
        X509_CRL_free(c);
    }
    return st;
}

/* One file read the way pa_trust_load reads it; unreadable parts are skipped. */
static ks_status dir_file(const char *path, dir_file_ctx *d)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    ks_status st = fileio_read(path, TRUST_MAX_DIR_FILE, &buf, &len);
    if (st == KS_ERR_NO_MEMORY)
        return st;
    if (st != KS_OK)
        return KS_OK;
    if (has_pem_marker(buf, len)) {
        st = pem_each(buf, len, dir_pem_block, d, NULL, 0);
        if (st == KS_ERR_MALFORMED)
            st = KS_OK; /* pa_trust_load keeps the blocks before the damage too */
    } else {
        X509 *x = cert_from_der(buf, len);
        X509_CRL *c = x ? NULL : crl_from_der(buf, len);
        if (x || c)
            st = d->fn(d->ctx, d->file, x, c);
        X509_free(x);
        X509_CRL_free(c);
    }
    free(buf);
    ERR_clear_error();
    return st;
}

static ks_status dir_walk(const char *dir, dir_item_fn fn, void *ctx)
{
    DIR *d = opendir(dir);
    if (!d)
        return KS_ERR_NOT_FOUND;
    ks_status st = KS_OK;
    struct dirent *e;
    while (st == KS_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !has_trust_extension(e->d_name))
            continue;
        char path[PATH_MAX];
        int n = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (n < 0 || (size_t)n >= sizeof path)
            continue;
        dir_file_ctx dc = {fn, ctx, e->d_name};
        st = dir_file(path, &dc);
    }
    closedir(d);
    return st;
}

static ks_status anchor_add(void *ctx, const char *file, X509 *x, X509_CRL *crl)
{
    (void)file;
    (void)crl;
    if (x && !X509_STORE_add_cert((X509_STORE *)ctx, x)) {
        /* The same certificate in two files is not an error. */
        unsigned long e = ERR_peek_last_error();
        if (ERR_GET_REASON(e) != X509_R_CERT_ALREADY_IN_HASH_TABLE)
            return KS_ERR_CRYPTO;
        ERR_clear_error();
    }
    return KS_OK;
}

static ks_status load_anchors(const char *dir, X509_STORE **out, char *err, size_t err_cap)
{
    X509_STORE *store = X509_STORE_new();
    if (!store)
        return KS_ERR_NO_MEMORY;
    ks_status st = dir_walk(dir, anchor_add, store);
    if (st == KS_ERR_NOT_FOUND) {
        st = fail(err, err_cap, st, "master list signer CA directory %s does not exist", dir);
    } else if (st != KS_OK) {
        st = fail(err, err_cap, st, "cannot load the master list signer CA directory");
    } else {
        STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
        if (sk_X509_OBJECT_num(objs) == 0)
            st = fail(err, err_cap, KS_ERR_NOT_FOUND,
                      "no certificate in the master list signer CA directory %s", dir);
    }
    /* The signer's EKU is the ICAO one, not S/MIME: this module checks it itself. */
    if (st == KS_OK && !X509_STORE_set_purpose(store, X509_PURPOSE_ANY))
        st = KS_ERR_CRYPTO;
    if (st != KS_OK) {
        X509_STORE_free(store);
        return st;
    }
    *out = store;
    return KS_OK;
}

/* ---- CSCA master list --------------------------------------------------- */

ks_status trust_masterlist_content_parse(const uint8_t *der, size_t len, trust_item_fn each,
                                         void *ctx, char *err, size_t err_cap)
{
    if (err && err_cap)
        err[0] = '\0';
    if (!der || !each)
        return KS_ERR_ARG;
    tlv outer, version, certs, extra;
    ks_status st = tlv_expect(der, len, 0x30, &outer);
    if (st != KS_OK)
        return fail(err, err_cap, st, "master list content is not one DER SEQUENCE");
    tlv_iter it;
    tlv_iter_init(&it, outer.value, outer.len);
    if (tlv_iter_next(&it, &version) != KS_OK || version.tag != 0x02 || version.len == 0)
        return fail(err, err_cap, KS_ERR_MALFORMED, "master list has no version INTEGER");
    if (version.len != 1 || version.value[0] != 0)
        return fail(err, err_cap, KS_ERR_UNSUPPORTED, "master list version is not 0");
    if (tlv_iter_next(&it, &certs) != KS_OK || certs.tag != 0x31)
        return fail(err, err_cap, KS_ERR_MALFORMED, "master list has no certificate SET");
    if (tlv_iter_next(&it, &extra) != KS_ERR_NOT_FOUND)
        return fail(err, err_cap, KS_ERR_MALFORMED, "master list has data after its certificates");

    tlv_iter_init(&it, certs.value, certs.len);
    tlv cert;
    size_t index = 0;
    while ((st = tlv_iter_next(&it, &cert)) == KS_OK) {
        index++;
        const uint8_t *start = cert.value - (cert.total_len - cert.len);
        X509 *x = cert.tag == 0x30 ? cert_from_der(start, cert.total_len) : NULL;
        if (!x) {
            ERR_clear_error();
            return fail(err, err_cap, KS_ERR_MALFORMED,
                        "certificate %zu of the master list is not a valid X.509 certificate",
                        index);
        }
        X509_free(x);
        st = each(ctx, TRUST_ITEM_CERT, start, cert.total_len, err, err_cap);
        if (st != KS_OK)
            return st;
    }
    if (st != KS_ERR_NOT_FOUND)
        return fail(err, err_cap, st, "certificate SET of the master list is truncated");
    return KS_OK;
}

static void signer_subject(X509 *signer, char *out, size_t cap)
{
    out[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    unsigned long flags = XN_FLAG_RFC2253 & ~(unsigned long)ASN1_STRFLGS_ESC_MSB;
    if (X509_NAME_print_ex(b, X509_get_subject_name(signer), 0, flags) >= 0) {
        char *p = NULL;
        long n = BIO_get_mem_data(b, &p);
        if (n > 0 && p) {
            size_t take = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
            memcpy(out, p, take);
            out[take] = '\0';
            for (size_t i = 0; i < take; i++)
                if ((unsigned char)out[i] < 0x20 || out[i] == 0x7F)
                    out[i] = '?';
        }
    }
    BIO_free(b);
}

static bool has_ml_signing_eku(X509 *x)
{
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
    bool found = false;
    for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku) && !found; i++)
        found = oid_is(sk_ASN1_OBJECT_value(eku, i), OID_ML_SIGNING_KEY,
                       sizeof OID_ML_SIGNING_KEY);
    EXTENDED_KEY_USAGE_free(eku);
    return found;
}

/* Chain and EKU of every signer; called after the signature verified. */
static ks_status ml_check_anchor(CMS_ContentInfo *cms, X509_STORE *anchors, char *err,
                                 size_t err_cap)
{
    if (CMS_verify(cms, NULL, anchors, NULL, NULL, CMS_BINARY) != 1) {
        char why[200];
        ossl_reason(why, sizeof why);
        return fail(err, err_cap, KS_ERR_AUTH,
                    "master list signer does not chain to the signer CA directory (%s)", why);
    }
    STACK_OF(X509) *signers = CMS_get0_signers(cms);
    ks_status st = signers && sk_X509_num(signers) > 0 ? KS_OK : KS_ERR_CRYPTO;
    for (int i = 0; st == KS_OK && i < sk_X509_num(signers); i++)
        if (!has_ml_signing_eku(sk_X509_value(signers, i)))
            st = fail(err, err_cap, KS_ERR_AUTH,
                      "master list signer certificate lacks the master-list-signing extended "
                      "key usage 2.23.136.1.1.3");
    sk_X509_free(signers);
    return st;
}

static ks_status ml_open(const uint8_t *der, size_t len, CMS_ContentInfo **out, char *err,
                         size_t err_cap)
{
    if (len == 0)
        return fail(err, err_cap, KS_ERR_TRUNCATED, "master list is empty");
    if (len > TRUST_MAX_MASTERLIST)
        return fail(err, err_cap, KS_ERR_TOO_LARGE, "master list larger than %u bytes",
                    TRUST_MAX_MASTERLIST);
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
    if (!cms)
        return fail(err, err_cap, KS_ERR_MALFORMED, "master list is not a DER CMS ContentInfo");
    ks_status st = KS_OK;
    if (p != der + len)
        st = fail(err, err_cap, KS_ERR_MALFORMED, "master list has data after its CMS structure");
    else if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
        st = fail(err, err_cap, KS_ERR_UNSUPPORTED, "master list CMS is not SignedData");
    else if (!oid_is(CMS_get0_eContentType(cms), OID_CSCA_MASTER_LIST,
                     sizeof OID_CSCA_MASTER_LIST))
        st = fail(err, err_cap, KS_ERR_UNSUPPORTED,
                  "CMS content type is not id-icao-cscaMasterList (2.23.136.1.1.2)");
    else {
        ASN1_OCTET_STRING **content = CMS_get0_content(cms);
        if (!content || !*content)
            st = fail(err, err_cap, KS_ERR_MALFORMED, "master list CMS carries no content");
    }
    if (st != KS_OK) {
        CMS_ContentInfo_free(cms);
        return st;
    }
    *out = cms;
    return KS_OK;
}

/* The signature alone, with the signer certificate the list embeds; the
 * verified content lands in `content`. */
static ks_status ml_check_signature(CMS_ContentInfo *cms, BIO *content, char *err, size_t err_cap)
{
    if (CMS_verify(cms, NULL, NULL, NULL, content, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
        char why[200];
        ossl_reason(why, sizeof why);
        return fail(err, err_cap, KS_ERR_AUTH, "master list CMS signature does not verify (%s)",
                    why);
    }
    return KS_OK;
}

static ks_status ml_parse_with(const uint8_t *der, size_t len, X509_STORE *anchors,
                              bool allow_unverified, trust_item_fn each, void *ctx,
                              trust_masterlist_info *info, char *err, size_t err_cap)
{
    memset(info, 0, sizeof *info);
    CMS_ContentInfo *cms = NULL;
    ks_status st = ml_open(der, len, &cms, err, err_cap);
    if (st != KS_OK)
        return st;
    BIO *content = BIO_new(BIO_s_mem());
    if (!content)
        st = KS_ERR_NO_MEMORY;
    if (st == KS_OK)
        st = ml_check_signature(cms, content, err, err_cap);
    if (st == KS_OK) {
        STACK_OF(X509) *signers = CMS_get0_signers(cms);
        if (signers && sk_X509_num(signers) > 0)
            signer_subject(sk_X509_value(signers, 0), info->signer, sizeof info->signer);
        sk_X509_free(signers);
        if (anchors) {
            st = ml_check_anchor(cms, anchors, err, err_cap);
            info->anchored = st == KS_OK;
        } else if (!allow_unverified) {
            st = fail(err, err_cap, KS_ERR_AUTH,
                      "master list signature verifies but its signer (%s) is not anchored: "
                      "name a signer CA directory, or allow unverified lists",
                      info->signer);
        }
    }
    if (st == KS_OK) {
        char *data = NULL;
        long n = BIO_get_mem_data(content, &data);
        if (n <= 0 || !data)
            st = fail(err, err_cap, KS_ERR_MALFORMED, "master list content is empty");
        else
            st = trust_masterlist_content_parse((const uint8_t *)data, (size_t)n, each, ctx, err,
                                                err_cap);
    }
    BIO_free(content);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return st;
}

ks_status trust_masterlist_parse(const uint8_t *der, size_t len, const trust_import_options *opts,
                                 trust_item_fn each, void *ctx, trust_masterlist_info *info,
                                 char *err, size_t err_cap)
{
    if (err && err_cap)
        err[0] = '\0';
    if (!der || !each || !info)
        return KS_ERR_ARG;
    memset(info, 0, sizeof *info);
    X509_STORE *anchors = NULL;
    if (opts && opts->masterlist_signer_ca_dir) {
        ks_status st = load_anchors(opts->masterlist_signer_ca_dir, &anchors, err, err_cap);
        if (st != KS_OK)
            return st;
    }
    ks_status st = ml_parse_with(der, len, anchors, opts && opts->allow_unverified, each, ctx,
                                 info, err, err_cap);
    X509_STORE_free(anchors);
    return st;
}

/* ---- LDIF --------------------------------------------------------------- */

typedef struct ldif_state {
    trust_item_fn each;
    void *ctx;
    bool in_comment;   /* continuation lines of a comment are comment too */
    bool open;         /* an attribute line was seen; its continuations may follow */
    bool wanted;       /* ... and its value is one we import */
    trust_item_kind kind;
    size_t line;       /* where the open attribute started */
    char name[TRUST_LDIF_MAX_NAME + 1];
    uint8_t *val;
    size_t len, cap;
} ldif_state;

static bool ldif_name_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == ';' || c == '.';
}

/* The attribute type before any ";option", matched without case. */
static bool ldif_kind(const char *name, trust_item_kind *kind)
{
    static const struct {
        const char *type;
        trust_item_kind kind;
    } known[] = {
        {"userCertificate", TRUST_ITEM_CERT},
        {"cACertificate", TRUST_ITEM_CERT},
        {"certificateRevocationList", TRUST_ITEM_CRL},
        {"authorityRevocationList", TRUST_ITEM_CRL},
        {"pkdMasterListContent", TRUST_ITEM_MASTERLIST},
    };
    size_t n = strcspn(name, ";");
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strlen(known[i].type) == n && strncasecmp(name, known[i].type, n) == 0) {
            *kind = known[i].kind;
            return true;
        }
    }
    return false;
}

static ks_status ldif_append(ldif_state *s, const uint8_t *p, size_t n, size_t lineno, char *err,
                             size_t err_cap)
{
    if (n > TRUST_LDIF_MAX_VALUE - s->len)
        return fail(err, err_cap, KS_ERR_TOO_LARGE, "line %zu: value of %s is longer than %u bytes",
                    lineno, s->name, TRUST_LDIF_MAX_VALUE);
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n)
            cap *= 2;
        uint8_t *nv = realloc(s->val, cap);
        if (!nv)
            return KS_ERR_NO_MEMORY;
        s->val = nv;
        s->cap = cap;
    }
    if (n > 0)
        memcpy(s->val + s->len, p, n);
    s->len += n;
    return KS_OK;
}

static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Strict base64 (RFC 4648 alphabet, padded, no whitespace inside) into a
 * malloc'd buffer. EVP_DecodeBlock counts padding as zero bytes, so the
 * padding is measured here and taken off its result. */
static ks_status b64_decode(const uint8_t *in, size_t n, uint8_t **out, size_t *out_len,
                            const char **why)
{
    while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t'))
        n--;
    if (n == 0) {
        *why = "empty base64 value";
        return KS_ERR_MALFORMED;
    }
    if (n % 4 != 0) {
        *why = "truncated base64 value (length not a multiple of 4)";
        return KS_ERR_TRUNCATED;
    }
    if (n > INT_MAX) {
        *why = "base64 value too long";
        return KS_ERR_TOO_LARGE;
    }
    size_t pad = in[n - 1] == '=' ? (in[n - 2] == '=' ? 2u : 1u) : 0u;
    for (size_t i = 0; i < n - pad; i++) {
        if (b64_value(in[i]) < 0) {
            *why = "invalid character in base64 value";
            return KS_ERR_MALFORMED;
        }
    }
    uint8_t *buf = malloc(n / 4 * 3);
    if (!buf)
        return KS_ERR_NO_MEMORY;
    int r = EVP_DecodeBlock(buf, in, (int)n);
    if (r < 0 || (size_t)r < pad) {
        free(buf);
        *why = "invalid base64 value";
        return KS_ERR_MALFORMED;
    }
    *out = buf;
    *out_len = (size_t)r - pad;
    return KS_OK;
}

/* The open attribute is complete: hand its value over if it is one we import. */
static ks_status ldif_flush(ldif_state *s, char *err, size_t err_cap)
{
    bool wanted = s->open && s->wanted;
    s->open = s->wanted = false;
    size_t vlen = s->len;
    s->len = 0;
    if (!wanted)
        return KS_OK;
    uint8_t *der = NULL;
    size_t dlen = 0;
    const char *why = NULL;
    ks_status st = b64_decode(s->val, vlen, &der, &dlen, &why);
    if (st != KS_OK)
        return fail(err, err_cap, st, "line %zu: %s: %s", s->line, s->name,
                    why ? why : ks_status_str(st));
    char inner[512] = "";
    st = s->each(s->ctx, s->kind, der, dlen, inner, sizeof inner);
    free(der);
    if (st != KS_OK)
        return fail(err, err_cap, st, "line %zu: %s: %s", s->line, s->name,
                    inner[0] ? inner : ks_status_str(st));
    return KS_OK;
}

static ks_status ldif_attribute(ldif_state *s, const uint8_t *line, size_t n, size_t lineno,
                                char *err, size_t err_cap)
{
    size_t i = 0;
    while (i < n && ldif_name_char(line[i]))
        i++;
    if (i == 0 || i >= n || line[i] != ':')
        return fail(err, err_cap, KS_ERR_MALFORMED,
                    "line %zu: not an LDIF line (expected \"attribute: value\")", lineno);
    if (i > TRUST_LDIF_MAX_NAME)
        return fail(err, err_cap, KS_ERR_MALFORMED, "line %zu: attribute name too long", lineno);
    memcpy(s->name, line, i);
    s->name[i] = '\0';
    i++;
    bool base64 = i < n && line[i] == ':';
    if (i < n && (line[i] == ':' || line[i] == '<'))
        i++;
    while (i < n && line[i] == ' ')
        i++;
    s->open = true;
    s->line = lineno;
    s->len = 0;
    s->wanted = ldif_kind(s->name, &s->kind);
    if (!s->wanted)
        return KS_OK;
    if (!base64)
        return fail(err, err_cap, KS_ERR_MALFORMED,
                    "line %zu: %s must hold a base64 value (\"%s:: ...\")", lineno, s->name,
                    s->name);
    return ldif_append(s, line + i, n - i, lineno, err, err_cap);
}

static ks_status ldif_line(ldif_state *s, const uint8_t *line, size_t n, size_t lineno,
                           char *err, size_t err_cap)
{
    if (n == 0) { /* end of an entry */
        s->in_comment = false;
        return ldif_flush(s, err, err_cap);
    }
    if (line[0] == ' ') {
        if (s->in_comment)
            return KS_OK;
        if (!s->open)
            return fail(err, err_cap, KS_ERR_MALFORMED,
                        "line %zu: continuation line without an attribute before it", lineno);
        return s->wanted ? ldif_append(s, line + 1, n - 1, lineno, err, err_cap) : KS_OK;
    }
    ks_status st = ldif_flush(s, err, err_cap);
    if (st != KS_OK)
        return st;
    s->in_comment = line[0] == '#';
    if (s->in_comment)
        return KS_OK;
    return ldif_attribute(s, line, n, lineno, err, err_cap);
}

ks_status trust_ldif_parse(const uint8_t *text, size_t len, trust_item_fn each, void *ctx,
                           char *err, size_t err_cap)
{
    if (err && err_cap)
        err[0] = '\0';
    if ((!text && len > 0) || !each)
        return KS_ERR_ARG;
    ldif_state s;
    memset(&s, 0, sizeof s);
    s.each = each;
    s.ctx = ctx;
    ks_status st = KS_OK;
    size_t pos = 0, lineno = 0;
    while (st == KS_OK && pos < len) {
        const uint8_t *start = text + pos;
        const uint8_t *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;
        pos += n + (nl ? 1 : 0);
        lineno++;
        if (n > 0 && start[n - 1] == '\r')
            n--;
        if (n > TRUST_LDIF_MAX_LINE)
            st = fail(err, err_cap, KS_ERR_TOO_LARGE, "line %zu: longer than %u bytes", lineno,
                      TRUST_LDIF_MAX_LINE);
        else
            st = ldif_line(&s, start, n, lineno, err, err_cap);
    }
    if (st == KS_OK)
        st = ldif_flush(&s, err, err_cap);
    free(s.val);
    if (st != KS_OK && err && err_cap && !err[0])
        fail(err, err_cap, st, "line %zu: %s", lineno, ks_status_str(st));
    return st;
}

/* LDIF starts, after comments and blank lines, with "version:" or "dn:". */
static bool looks_like_ldif(const uint8_t *p, size_t len)
{
    size_t i = 0;
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        i = 3;
    for (;;) {
        while (i < len && (p[i] == '\n' || p[i] == '\r'))
            i++;
        if (i >= len || (p[i] != '#' && p[i] != ' '))
            break;
        const uint8_t *nl = memchr(p + i, '\n', len - i);
        if (!nl)
            return false;
        i = (size_t)(nl - p) + 1;
    }
    size_t left = len - i;
    return (left >= 8 && strncasecmp((const char *)p + i, "version:", 8) == 0) ||
           (left >= 3 && strncasecmp((const char *)p + i, "dn:", 3) == 0);
}

/* ---- the importer -------------------------------------------------------- */

typedef struct importer {
    const char *trust_dir; /* NULL: dry run */
    const trust_import_options *opts;
    X509_STORE *anchors;   /* loaded on the first master list */
    trust_import_result *res;
    fp_set known;          /* in the trust directory or queued */
    STACK_OF(X509) *certs; /* queued for writing */
    STACK_OF(X509_CRL) *crls;
    size_t items;          /* objects seen in the input, master lists included */
} importer;

/* Self-signed with keyCertSign covers CSCAs from before basicConstraints was
 * usual; an explicit CA:FALSE always wins. */
static bool is_ca_cert(X509 *x)
{
    uint32_t flags = X509_get_extension_flags(x);
    if (flags & EXFLAG_INVALID)
        return false;
    bool can_sign_certs = !(flags & EXFLAG_KUSAGE) || (X509_get_key_usage(x) & KU_KEY_CERT_SIGN);
    if (flags & EXFLAG_BCONS)
        return (flags & EXFLAG_CA) && can_sign_certs;
    return (flags & EXFLAG_KUSAGE) && can_sign_certs && X509_self_signed(x, 1) == 1;
}

static ks_status queue_cert(importer *im, const uint8_t *der, size_t len, char *err, size_t err_cap)
{
    X509 *x = cert_from_der(der, len);
    if (!x) {
        ERR_clear_error();
        return fail(err, err_cap, KS_ERR_MALFORMED, "not a valid X.509 certificate");
    }
    if (!is_ca_cert(x)) {
        X509_free(x);
        ERR_clear_error();
        im->res->certs_skipped++;
        im->res->certs_not_ca++;
        return KS_OK;
    }
    uint8_t fp[FP_LEN];
    bool added = false;
    ks_status st = cert_fingerprint(x, fp) ? fp_insert(&im->known, fp, &added) : KS_ERR_CRYPTO;
    if (st == KS_OK && added && !sk_X509_push(im->certs, x))
        st = KS_ERR_NO_MEMORY;
    if (st != KS_OK || !added)
        X509_free(x);
    if (st == KS_OK && !added)
        im->res->certs_skipped++;
    return st;
}

static ks_status queue_crl(importer *im, const uint8_t *der, size_t len, char *err, size_t err_cap)
{
    X509_CRL *c = crl_from_der(der, len);
    if (!c) {
        ERR_clear_error();
        return fail(err, err_cap, KS_ERR_MALFORMED, "not a valid X.509 CRL");
    }
    uint8_t fp[FP_LEN];
    bool added = false;
    ks_status st = crl_fingerprint(c, fp) ? fp_insert(&im->known, fp, &added) : KS_ERR_CRYPTO;
    if (st == KS_OK && added && !sk_X509_CRL_push(im->crls, c))
        st = KS_ERR_NO_MEMORY;
    if (st != KS_OK || !added)
        X509_CRL_free(c);
    if (st == KS_OK && !added)
        im->res->crls_skipped++;
    return st;
}

static ks_status queue_masterlist(importer *im, const uint8_t *der, size_t len,
                                  trust_item_fn self, char *err, size_t err_cap)
{
    const trust_import_options *o = im->opts;
    if (o->masterlist_signer_ca_dir && !im->anchors) {
        ks_status st = load_anchors(o->masterlist_signer_ca_dir, &im->anchors, err, err_cap);
        if (st != KS_OK)
            return st;
    }
    trust_masterlist_info info;
    ks_status st = ml_parse_with(der, len, im->anchors, o->allow_unverified, self, im, &info,
                                 err, err_cap);
    if (st != KS_OK)
        return st;
    trust_import_result *r = im->res;
    r->signer_anchored = (r->masterlists == 0 || r->signer_anchored) && info.anchored;
    if (r->masterlists == 0)
        snprintf(r->signer, sizeof r->signer, "%s", info.signer);
    r->masterlists++;
    return KS_OK;
}

static ks_status importer_item(void *ctx, trust_item_kind kind, const uint8_t *der, size_t len,
                               char *err, size_t err_cap)
{
    importer *im = ctx;
    im->items++;
    switch (kind) {
    case TRUST_ITEM_CERT:
        return queue_cert(im, der, len, err, err_cap);
    case TRUST_ITEM_CRL:
        return queue_crl(im, der, len, err, err_cap);
    case TRUST_ITEM_MASTERLIST:
        return queue_masterlist(im, der, len, importer_item, err, err_cap);
    }
    return KS_ERR_ARG;
}

static ks_status known_add(void *ctx, const char *file, X509 *x, X509_CRL *crl)
{
    (void)file;
    uint8_t fp[FP_LEN];
    bool added;
    if (x ? !cert_fingerprint(x, fp) : !crl_fingerprint(crl, fp))
        return KS_ERR_CRYPTO;
    return fp_insert((fp_set *)ctx, fp, &added);
}

static ks_status pem_input_block(void *ctx, const char *name, const uint8_t *der, size_t len,
                                 char *err, size_t err_cap)
{
    if (pem_is_cert(name))
        return importer_item(ctx, TRUST_ITEM_CERT, der, len, err, err_cap);
    if (strcmp(name, "X509 CRL") == 0)
        return importer_item(ctx, TRUST_ITEM_CRL, der, len, err, err_cap);
    if (strcmp(name, "CMS") == 0 || strcmp(name, "PKCS7") == 0)
        return importer_item(ctx, TRUST_ITEM_MASTERLIST, der, len, err, err_cap);
    return KS_OK; /* keys and other blocks are not ours */
}

/* One DER object: a certificate, a CRL, or else a master list. */
static ks_status import_der(importer *im, const uint8_t *data, size_t len, char *err,
                            size_t err_cap)
{
    X509 *x = cert_from_der(data, len);
    X509_CRL *c = x ? NULL : crl_from_der(data, len);
    const unsigned char *p = data;
    CMS_ContentInfo *cms = x || c ? NULL : d2i_CMS_ContentInfo(NULL, &p, (long)len);
    bool is_cert = x != NULL, is_crl = c != NULL, is_cms = cms != NULL;
    X509_free(x);
    X509_CRL_free(c);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    if (is_cert)
        return importer_item(im, TRUST_ITEM_CERT, data, len, err, err_cap);
    if (is_crl)
        return importer_item(im, TRUST_ITEM_CRL, data, len, err, err_cap);
    if (is_cms)
        return importer_item(im, TRUST_ITEM_MASTERLIST, data, len, err, err_cap);
    return fail(err, err_cap, KS_ERR_UNSUPPORTED,
                "input is DER but neither a certificate, a CRL nor a CMS master list");
}

static ks_status import_parse(importer *im, const uint8_t *data, size_t len, char *err,
                              size_t err_cap)
{
    if (len == 0)
        return fail(err, err_cap, KS_ERR_NOT_FOUND, "input is empty");
    if (looks_like_ldif(data, len))
        return trust_ldif_parse(data, len, importer_item, im, err, err_cap);
    if (has_pem_marker(data, len))
        return pem_each(data, len, pem_input_block, im, err, err_cap);
    if (data[0] == 0x30)
        return import_der(im, data, len, err, err_cap);
    return fail(err, err_cap, KS_ERR_UNSUPPORTED,
                "input is not a master list, certificate, CRL or LDIF file");
}

/* mkdir -p with mode 0755. */
static ks_status make_dirs(const char *dir, char *err, size_t err_cap)
{
    char path[PATH_MAX];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return fail(err, err_cap, KS_ERR_ARG, "trust directory path is empty or too long");
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char saved = path[i];
        path[i] = '\0';
        struct stat st;
        bool exists = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
        if (!exists && mkdir(path, 0755) != 0 && errno != EEXIST)
            return fail(err, err_cap, KS_ERR_IO, "cannot create %s: %s", path, strerror(errno));
        path[i] = saved;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return fail(err, err_cap, KS_ERR_IO, "%s is not a directory", dir);
    return KS_OK;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Writes a complete file under a hidden temporary name and links it in place,
 * so pa_trust_load never sees half a file and an existing one is never
 * replaced (*existed then says so). */
static ks_status write_new_file(const char *dir, const char *name, const char *data, size_t len,
                                bool *existed, char *err, size_t err_cap)
{
    char tmp[PATH_MAX], final[PATH_MAX];
    int a = snprintf(tmp, sizeof tmp, "%s/.trust-import-XXXXXX", dir);
    int b = snprintf(final, sizeof final, "%s/%s", dir, name);
    if (a < 0 || (size_t)a >= sizeof tmp || b < 0 || (size_t)b >= sizeof final)
        return fail(err, err_cap, KS_ERR_ARG, "trust directory path too long");
    *existed = false;
    int fd = mkstemp(tmp);
    if (fd < 0)
        return fail(err, err_cap, KS_ERR_IO, "cannot create a file in %s: %s", dir,
                    strerror(errno));
    bool ok = fchmod(fd, 0644) == 0 && write_all(fd, data, len) && fsync(fd) == 0;
    int saved_errno = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved_errno = errno;
    }
    if (ok && link(tmp, final) != 0) {
        if (errno == EEXIST) {
            *existed = true;
        } else if ((errno == EPERM || errno == EOPNOTSUPP) && access(final, F_OK) != 0) {
            /* File systems without hard links: rename is atomic too. */
            ok = rename(tmp, final) == 0;
        } else {
            ok = false;
        }
        saved_errno = errno;
    }
    unlink(tmp);
    if (!ok)
        return fail(err, err_cap, KS_ERR_IO, "cannot write %s: %s", final, strerror(saved_errno));
    return KS_OK;
}

typedef int (*pem_writer)(BIO *, const void *);

static int pem_write_cert(BIO *b, const void *obj)
{
    return PEM_write_bio_X509(b, (X509 *)obj);
}

static int pem_write_crl(BIO *b, const void *obj)
{
    return PEM_write_bio_X509_CRL(b, (X509_CRL *)obj);
}

static ks_status write_object(const char *dir, const void *obj, const uint8_t *fp,
                              const char *ext, pem_writer writer, bool *existed, char *err,
                              size_t err_cap)
{
    char name[FP_NAME_HEX + 8];
    hex_prefix(fp, FP_NAME_HEX, name);
    strcat(name, ext);
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return KS_ERR_NO_MEMORY;
    ks_status st = KS_ERR_CRYPTO;
    char *pem = NULL;
    long n = 0;
    if (writer(b, obj) == 1 && (n = BIO_get_mem_data(b, &pem)) > 0 && pem)
        st = write_new_file(dir, name, pem, (size_t)n, existed, err, err_cap);
    BIO_free(b);
    return st;
}

static ks_status sync_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return KS_ERR_IO;
    int rc = fsync(dirfd(d));
    closedir(d);
    return rc == 0 ? KS_OK : KS_ERR_IO;
}

static ks_status import_commit(importer *im, char *err, size_t err_cap)
{
    trust_import_result *r = im->res;
    if (!im->trust_dir || im->opts->dry_run) {
        r->certs_added = (size_t)sk_X509_num(im->certs);
        r->crls_added = (size_t)sk_X509_CRL_num(im->crls);
        return KS_OK;
    }
    ks_status st = make_dirs(im->trust_dir, err, err_cap);
    uint8_t fp[FP_LEN];
    bool existed = false;
    for (int i = 0; st == KS_OK && i < sk_X509_num(im->certs); i++) {
        X509 *x = sk_X509_value(im->certs, i);
        st = cert_fingerprint(x, fp) ? write_object(im->trust_dir, x, fp, ".pem", pem_write_cert,
                                                    &existed, err, err_cap)
                                     : KS_ERR_CRYPTO;
        if (st == KS_OK) {
            r->certs_added += existed ? 0 : 1;
            r->certs_skipped += existed ? 1 : 0;
        }
    }
    for (int i = 0; st == KS_OK && i < sk_X509_CRL_num(im->crls); i++) {
        X509_CRL *c = sk_X509_CRL_value(im->crls, i);
        st = crl_fingerprint(c, fp) ? write_object(im->trust_dir, c, fp, ".crl", pem_write_crl,
                                                   &existed, err, err_cap)
                                    : KS_ERR_CRYPTO;
        if (st == KS_OK) {
            r->crls_added += existed ? 0 : 1;
            r->crls_skipped += existed ? 1 : 0;
        }
    }
    if (st == KS_OK && (r->certs_added || r->crls_added) && sync_dir(im->trust_dir) != KS_OK)
        st = fail(err, err_cap, KS_ERR_IO, "cannot sync %s", im->trust_dir);
    return st;
}

ks_status trust_import_buffer(const uint8_t *data, size_t len, const char *trust_dir,
                              const trust_import_options *opts, trust_import_result *out,
                              char *err, size_t err_cap)
{
    if (err && err_cap)
        err[0] = '\0';
    if (!out || (!data && len > 0))
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (len > TRUST_MAX_INPUT)
        return fail(err, err_cap, KS_ERR_TOO_LARGE, "input larger than %u bytes",
                    TRUST_MAX_INPUT);
    static const trust_import_options defaults = {NULL, false, false};
    importer im;
    memset(&im, 0, sizeof im);
    im.trust_dir = trust_dir;
    im.opts = opts ? opts : &defaults;
    im.res = out;
    im.certs = sk_X509_new_null();
    im.crls = sk_X509_CRL_new_null();
    ks_status st = im.certs && im.crls ? KS_OK : KS_ERR_NO_MEMORY;
    if (st == KS_OK && trust_dir) {
        st = dir_walk(trust_dir, known_add, &im.known);
        if (st == KS_ERR_NOT_FOUND)
            st = KS_OK; /* created on commit */
        if (st != KS_OK)
            st = fail(err, err_cap, st, "cannot read the trust directory %s", trust_dir);
    }
    if (st == KS_OK)
        st = import_parse(&im, data, len, err, err_cap);
    if (st == KS_OK && im.items == 0)
        st = fail(err, err_cap, KS_ERR_NOT_FOUND,
                  "no certificate, CRL or master list found in the input");
    if (st == KS_OK)
        st = import_commit(&im, err, err_cap);
    sk_X509_pop_free(im.certs, X509_free);
    sk_X509_CRL_pop_free(im.crls, X509_CRL_free);
    X509_STORE_free(im.anchors);
    fp_free(&im.known);
    ERR_clear_error();
    if (st != KS_OK && err && err_cap && !err[0])
        fail(err, err_cap, st, "%s", ks_status_str(st));
    return st;
}

ks_status trust_import_file(const char *path, const char *trust_dir,
                            const trust_import_options *opts, trust_import_result *out,
                            char *err, size_t err_cap)
{
    if (err && err_cap)
        err[0] = '\0';
    if (!path || !out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    uint8_t *buf = NULL;
    size_t len = 0;
    ks_status st = fileio_read(path, TRUST_MAX_INPUT, &buf, &len);
    if (st == KS_ERR_TOO_LARGE)
        return fail(err, err_cap, st, "%s is larger than %u bytes", path, TRUST_MAX_INPUT);
    if (st != KS_OK)
        return fail(err, err_cap, st, "cannot read %s", path);
    st = trust_import_buffer(buf, len, trust_dir, opts, out, err, err_cap);
    free(buf);
    return st;
}

/* ---- listing ----------------------------------------------------------- */

typedef struct line_list {
    char **v;
    size_t n, cap;
} line_list;

/* One name attribute as printable UTF-8 (control bytes become '?'). */
static void name_field(const X509_NAME *name, int nid, char *out, size_t cap, const char *none)
{
    snprintf(out, cap, "%s", none);
    int at = X509_NAME_get_index_by_NID(name, nid, -1);
    if (at < 0)
        return;
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)));
    if (n < 0)
        return;
    size_t take = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
    for (size_t i = 0; i < take; i++)
        out[i] = utf8[i] < 0x20 || utf8[i] == 0x7F ? '?' : (char)utf8[i];
    out[take] = '\0';
    OPENSSL_free(utf8);
}

static ks_status list_add(void *ctx, const char *file, X509 *x, X509_CRL *crl)
{
    (void)crl;
    if (!x)
        return KS_OK;
    line_list *l = ctx;
    char country[8], cn[96], date[40] = "unknown", fp_hex[FP_NAME_HEX + 1];
    const X509_NAME *subject = X509_get_subject_name(x);
    name_field(subject, NID_countryName, country, sizeof country, "--");
    name_field(subject, NID_commonName, cn, sizeof cn, "(no CN)");
    struct tm tm;
    if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
        snprintf(date, sizeof date, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday);
    uint8_t fp[FP_LEN];
    if (!cert_fingerprint(x, fp))
        return KS_ERR_CRYPTO;
    hex_prefix(fp, FP_NAME_HEX, fp_hex);
    char line[512];
    snprintf(line, sizeof line, "%s  %s  %s  %s  %s", country, cn, date, fp_hex, file);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        char **nv = realloc(l->v, cap * sizeof *nv);
        if (!nv)
            return KS_ERR_NO_MEMORY;
        l->v = nv;
        l->cap = cap;
    }
    char *copy = strdup(line);
    if (!copy)
        return KS_ERR_NO_MEMORY;
    l->v[l->n++] = copy;
    return KS_OK;
}

static int line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

ks_status trust_list(const char *trust_dir, void (*each)(const char *line, void *ctx), void *ctx)
{
    if (!trust_dir || !each)
        return KS_ERR_ARG;
    line_list l = {NULL, 0, 0};
    ks_status st = dir_walk(trust_dir, list_add, &l);
    if (st == KS_OK && l.n > 1)
        qsort(l.v, l.n, sizeof *l.v, line_cmp);
    for (size_t i = 0; i < l.n; i++) {
        if (st == KS_OK)
            each(l.v[i], ctx);
        free(l.v[i]);
    }
    free(l.v);
    ERR_clear_error();
    return st;
}
