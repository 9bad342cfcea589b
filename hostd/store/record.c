/* record.c — see record.h and docs/record-schema.md. */
#include "record.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "store.h"

#define MAX_SHORT_TEXT 64
#define MAX_HOLDER_TEXT 512
#define SIG_RAW_LEN 64

static void set_err(char *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, RECORD_ERR_LEN, fmt, ap);
    va_end(ap);
}

/* ---- names --------------------------------------------------------------- */

static const char *const PURPOSES[RECORD_PURPOSE_COUNT + 1] = { /* NULL-ended for in_set */
    "kiosk", "clinic", "driving-test", "lodging", NULL};

static const char *const FIELDS[RECORD_FIELD_COUNT] = {
    "id_number", "full_name", "date_of_birth", "sex", "nationality", "ethnicity",
    "religion", "place_of_origin", "place_of_residence", "identification_features",
    "date_of_issue", "date_of_expiry", "father_name", "mother_name", "spouse_name",
    "old_id_number"};

static const char *const AUTH_RESULTS[] = {"passed", "failed", "not_supported",
                                           "not_performed", NULL};
static const char *const VERDICTS[] = {"genuine", "not_genuine", "inconclusive", NULL};
static const char *const MATCHES[] = {"match", "no_match", "not_performed", NULL};
static const char *const LIVENESS[] = {"live", "not_live", "not_performed", NULL};
static const char *const PORTRAIT_FORMATS[] = {"jpeg", "jp2", NULL};

const char *record_purpose_name(record_purpose p)
{
    return (unsigned)p < RECORD_PURPOSE_COUNT ? PURPOSES[p] : NULL;
}

ks_status record_purpose_parse(const char *name, record_purpose *out)
{
    if (!name || !out)
        return KS_ERR_ARG;
    for (int i = 0; i < RECORD_PURPOSE_COUNT; i++)
        if (strcmp(name, PURPOSES[i]) == 0) {
            *out = (record_purpose)i;
            return KS_OK;
        }
    return KS_ERR_NOT_FOUND;
}

const char *record_field_name(record_field f)
{
    return (unsigned)f < RECORD_FIELD_COUNT ? FIELDS[f] : NULL;
}

static int field_index(const char *name)
{
    for (int i = 0; i < RECORD_FIELD_COUNT; i++)
        if (strcmp(name, FIELDS[i]) == 0)
            return i;
    return -1;
}

static bool in_set(const char *v, const char *const *set)
{
    for (; v && *set; set++)
        if (strcmp(v, *set) == 0)
            return true;
    return false;
}

/* ---- policy -------------------------------------------------------------- */

#define BIT(f) (1u << (f))

void record_policy_defaults(record_policy *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    const uint32_t core = BIT(RECORD_ID_NUMBER) | BIT(RECORD_FULL_NAME) | BIT(RECORD_DATE_OF_BIRTH);
    out->holder_fields[RECORD_PURPOSE_KIOSK] = core;
    out->holder_fields[RECORD_PURPOSE_CLINIC] =
        core | BIT(RECORD_SEX) | BIT(RECORD_PLACE_OF_RESIDENCE);
    out->holder_fields[RECORD_PURPOSE_DRIVING_TEST] =
        core | BIT(RECORD_SEX) | BIT(RECORD_NATIONALITY) | BIT(RECORD_PLACE_OF_RESIDENCE);
    out->holder_fields[RECORD_PURPOSE_LODGING] =
        core | BIT(RECORD_SEX) | BIT(RECORD_NATIONALITY) | BIT(RECORD_PLACE_OF_RESIDENCE) |
        BIT(RECORD_DATE_OF_EXPIRY);
}

static ks_status policy_apply_one(json_object *spec, record_purpose p, record_policy *out,
                                  char *err)
{
    json_object_object_foreach(spec, key, val) {
        if (strcmp(key, "holder_fields") == 0) {
            if (!json_object_is_type(val, json_type_array)) {
                set_err(err, "policy: %s.holder_fields must be an array", PURPOSES[p]);
                return KS_ERR_MALFORMED;
            }
            uint32_t mask = 0;
            size_t n = json_object_array_length(val);
            for (size_t i = 0; i < n; i++) {
                json_object *f = json_object_array_get_idx(val, i);
                int idx = json_object_is_type(f, json_type_string)
                              ? field_index(json_object_get_string(f)) : -1;
                if (idx < 0) {
                    set_err(err, "policy: %s.holder_fields[%zu] is not a holder field",
                            PURPOSES[p], i);
                    return KS_ERR_MALFORMED;
                }
                mask |= BIT(idx);
            }
            out->holder_fields[p] = mask;
        } else if (strcmp(key, "portrait_image") == 0) {
            if (!json_object_is_type(val, json_type_boolean)) {
                set_err(err, "policy: %s.portrait_image must be true or false", PURPOSES[p]);
                return KS_ERR_MALFORMED;
            }
            out->portrait_image[p] = json_object_get_boolean(val) ? 1 : 0;
        } else {
            set_err(err, "policy: unknown setting %s.%.40s", PURPOSES[p], key);
            return KS_ERR_MALFORMED;
        }
    }
    return KS_OK;
}

ks_status record_policy_load(const char *path, record_policy *out, char err[RECORD_ERR_LEN])
{
    if (!path || !out)
        return KS_ERR_ARG;
    record_policy_defaults(out);
    json_object *root = json_object_from_file(path);
    if (!root) {
        set_err(err, "policy file %s is missing or not JSON", path);
        return access(path, F_OK) == 0 ? KS_ERR_MALFORMED : KS_ERR_NOT_FOUND;
    }
    ks_status rc = KS_OK;
    json_object *purposes = NULL;
    if (!json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "purposes", &purposes) ||
        !json_object_is_type(purposes, json_type_object)) {
        set_err(err, "policy file %s has no \"purposes\" object", path);
        rc = KS_ERR_MALFORMED;
        goto out;
    }
    json_object_object_foreach(purposes, name, spec) {
        record_purpose p;
        if (record_purpose_parse(name, &p) != KS_OK || !json_object_is_type(spec, json_type_object)) {
            set_err(err, "policy: unknown purpose or not an object: %.40s", name);
            rc = KS_ERR_MALFORMED;
            goto out;
        }
        if ((rc = policy_apply_one(spec, p, out, err)) != KS_OK)
            goto out;
    }
out:
    json_object_put(root);
    if (rc != KS_OK)
        record_policy_defaults(out);
    return rc;
}

/* ---- canonical serialisation --------------------------------------------- */

typedef struct buf {
    char *p;
    size_t len, cap;
    bool oom;
} buf;

static void buf_put(buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_str(buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

/* JCS string form: only '"', '\\' and control characters are escaped. */
static void put_string(buf *b, const char *s, size_t n)
{
    buf_put(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (c < 0x20) {
                snprintf(u, sizeof u, "\\u%04x", c);
                esc = u;
            }
        }
        if (!esc)
            continue;
        buf_put(b, s + run, i - run);
        buf_str(b, esc);
        run = i + 1;
    }
    buf_put(b, s + run, n - run);
    buf_put(b, "\"", 1);
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static ks_status put_value(buf *b, json_object *v, int depth);

static ks_status put_object(buf *b, json_object *o, int depth)
{
    size_t n = (size_t)json_object_object_length(o);
    const char **keys = calloc(n ? n : 1, sizeof *keys);
    if (!keys)
        return KS_ERR_NO_MEMORY;
    size_t i = 0;
    json_object_object_foreach(o, k, unused) {
        (void)unused;
        keys[i++] = k;
    }
    qsort(keys, n, sizeof *keys, cmp_keys);
    buf_put(b, "{", 1);
    ks_status rc = KS_OK;
    for (i = 0; i < n && rc == KS_OK; i++) {
        if (i)
            buf_put(b, ",", 1);
        put_string(b, keys[i], strlen(keys[i]));
        buf_put(b, ":", 1);
        rc = put_value(b, json_object_object_get(o, keys[i]), depth + 1);
    }
    buf_put(b, "}", 1);
    free(keys);
    return rc;
}

static ks_status put_value(buf *b, json_object *v, int depth)
{
    if (depth > RECORD_MAX_DEPTH)
        return KS_ERR_TOO_LARGE;
    char num[32];
    switch (json_object_get_type(v)) {
    case json_type_null: buf_str(b, "null"); return KS_OK;
    case json_type_boolean: buf_str(b, json_object_get_boolean(v) ? "true" : "false"); return KS_OK;
    case json_type_int:
        /* beyond 2^53 a JCS peer would round the number through a double */
        if (json_object_get_int64(v) > 9007199254740991LL ||
            json_object_get_int64(v) < -9007199254740991LL)
            return KS_ERR_UNSUPPORTED;
        snprintf(num, sizeof num, "%lld", (long long)json_object_get_int64(v));
        buf_str(b, num);
        return KS_OK;
    case json_type_double: return KS_ERR_UNSUPPORTED;
    case json_type_string:
        put_string(b, json_object_get_string(v), (size_t)json_object_get_string_len(v));
        return KS_OK;
    case json_type_object: return put_object(b, v, depth);
    case json_type_array: {
        buf_put(b, "[", 1);
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            if (i)
                buf_put(b, ",", 1);
            ks_status rc = put_value(b, json_object_array_get_idx(v, i), depth + 1);
            if (rc != KS_OK)
                return rc;
        }
        buf_put(b, "]", 1);
        return KS_OK;
    }
    }
    return KS_ERR_MALFORMED;
}

ks_status record_canonical(json_object *rec, char **out, size_t *len)
{
    if (!rec || !out || !len)
        return KS_ERR_ARG;
    buf b = {0};
    ks_status rc = put_value(&b, rec, 0);
    if (rc == KS_OK && b.oom)
        rc = KS_ERR_NO_MEMORY;
    if (rc == KS_OK && b.len > RECORD_MAX_BYTES)
        rc = KS_ERR_TOO_LARGE;
    if (rc != KS_OK) {
        free(b.p);
        return rc;
    }
    *out = b.p;
    *len = b.len;
    return KS_OK;
}

/* Canonical bytes of rec without its signature member. */
static ks_status signed_bytes(json_object *rec, char **out, size_t *len)
{
    json_object *sig = NULL;
    if (json_object_object_get_ex(rec, "signature", &sig)) {
        json_object_get(sig);
        json_object_object_del(rec, "signature");
    }
    ks_status rc = record_canonical(rec, out, len);
    if (sig)
        json_object_object_add(rec, "signature", sig); /* takes our reference back */
    return rc;
}

/* ---- building ------------------------------------------------------------ */

static ks_status rfc3339(int64_t t, char out[21])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t < 0 || !gmtime_r(&tt, &tm) || tm.tm_year + 1900 > 9999)
        return KS_ERR_ARG;
    if (strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
        return KS_ERR_ARG;
    return KS_OK;
}

static bool is_short_text(const char *s)
{
    if (!s)
        return false;
    size_t n = strnlen(s, MAX_SHORT_TEXT + 1);
    if (n == 0 || n > MAX_SHORT_TEXT)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    return true;
}

static void add_str(json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, json_object_new_string(v));
}

static ks_status add_time(json_object *o, const char *k, int64_t t)
{
    char ts[21];
    ks_status rc = rfc3339(t, ts);
    if (rc == KS_OK)
        add_str(o, k, ts);
    return rc;
}

static void hex_of(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static ks_status add_portrait(json_object *rec, const record_input *in, bool with_image)
{
    if (!in->portrait || in->portrait_len == 0)
        return KS_OK;
    if (in->portrait_len > RECORD_MAX_BYTES / 2 || !in_set(in->portrait_format, PORTRAIT_FORMATS))
        return KS_ERR_ARG;
    uint8_t md[SHA256_DIGEST_LENGTH];
    char hex[2 * SHA256_DIGEST_LENGTH + 1];
    SHA256(in->portrait, in->portrait_len, md);
    hex_of(md, sizeof md, hex);
    json_object *p = json_object_new_object();
    add_str(p, "format", in->portrait_format);
    add_str(p, "sha256", hex);
    if (with_image) {
        size_t cap = 4 * ((in->portrait_len + 2) / 3) + 1;
        unsigned char *b64 = malloc(cap);
        if (!b64) {
            json_object_put(p);
            return KS_ERR_NO_MEMORY;
        }
        EVP_EncodeBlock(b64, in->portrait, (int)in->portrait_len);
        add_str(p, "image_base64", (const char *)b64);
        free(b64);
    }
    json_object_object_add(rec, "portrait", p);
    return KS_OK;
}

static bool input_valid(const record_input *in)
{
    return is_short_text(in->kiosk_id) && is_short_text(in->site_id) &&
           record_purpose_name(in->purpose) && is_short_text(in->document_type) &&
           in_set(in->passive_auth, AUTH_RESULTS) && in_set(in->active_auth, AUTH_RESULTS) &&
           in_set(in->chip_auth, AUTH_RESULTS) && in_set(in->verdict, VERDICTS) &&
           in_set(in->face_match, MATCHES) && in_set(in->liveness, LIVENESS) &&
           in->face_match_permille >= -1 && in->face_match_permille <= 1000 &&
           is_short_text(in->consent_text_version);
}

ks_status record_build(const record_input *in, const record_policy *pol, int64_t now_ms,
                       json_object **out)
{
    if (!in || !pol || !out || now_ms < 0 || !input_valid(in))
        return KS_ERR_ARG;
    for (int f = 0; f < RECORD_FIELD_COUNT; f++)
        if (in->holder[f] && strnlen(in->holder[f], MAX_HOLDER_TEXT + 1) > MAX_HOLDER_TEXT)
            return KS_ERR_TOO_LARGE;
    char id[STORE_ID_LEN + 1];
    ks_status rc = store_new_id(now_ms, id);
    if (rc != KS_OK)
        return rc;
    json_object *rec = json_object_new_object();
    if (!rec)
        return KS_ERR_NO_MEMORY;
    add_str(rec, "schema", RECORD_SCHEMA);
    add_str(rec, "record_id", id);
    add_str(rec, "kiosk_id", in->kiosk_id);
    add_str(rec, "site_id", in->site_id);
    add_str(rec, "purpose", PURPOSES[in->purpose]);
    add_str(rec, "document_type", in->document_type);
    json_object *times = json_object_new_object();
    json_object_object_add(rec, "times", times);
    if ((rc = add_time(rec, "created_at", now_ms / 1000)) != KS_OK ||
        (rc = add_time(times, "card_read_at", in->card_read_at)) != KS_OK ||
        (rc = add_time(times, "verified_at", in->verified_at)) != KS_OK)
        goto fail;

    json_object *holder = json_object_new_object();
    json_object_object_add(rec, "holder", holder);
    uint32_t allowed = pol->holder_fields[in->purpose];
    for (int f = 0; f < RECORD_FIELD_COUNT; f++)
        if ((allowed & BIT(f)) && in->holder[f])
            add_str(holder, FIELDS[f], in->holder[f]);

    json_object *auth = json_object_new_object();
    json_object_object_add(rec, "authentication", auth);
    add_str(auth, "passive", in->passive_auth);
    add_str(auth, "active", in->active_auth);
    add_str(auth, "chip", in->chip_auth);
    add_str(auth, "verdict", in->verdict);

    json_object *face = json_object_new_object();
    json_object_object_add(rec, "face", face);
    if (in->face_match_permille >= 0)
        json_object_object_add(face, "match_permille", json_object_new_int(in->face_match_permille));
    add_str(face, "match", in->face_match);
    add_str(face, "liveness", in->liveness);

    json_object *consent = json_object_new_object();
    json_object_object_add(rec, "consent", consent);
    add_str(consent, "text_version", in->consent_text_version);
    if ((rc = add_time(consent, "given_at", in->consent_given_at)) != KS_OK ||
        (rc = add_portrait(rec, in, pol->portrait_image[in->purpose] != 0)) != KS_OK)
        goto fail;
    *out = rec;
    return KS_OK;
fail:
    json_object_put(rec);
    return rc;
}

/* ---- keys and signatures --------------------------------------------------- */

ks_status record_load_signing_key(const char *path, EVP_PKEY **out, char err[RECORD_ERR_LEN])
{
    if (!path || !out)
        return KS_ERR_ARG;
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        set_err(err, "signing key %s: %s", path, strerror(errno));
        return errno == ENOENT ? KS_ERR_NOT_FOUND : KS_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 0077) != 0) {
        close(fd);
        set_err(err, "signing key %s must be a regular file with mode 0600", path);
        return KS_ERR_ACCESS;
    }
    FILE *fp = fdopen(fd, "r");
    if (!fp) {
        close(fd);
        return KS_ERR_IO;
    }
    EVP_PKEY *k = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
    fclose(fp);
    char group[32] = "";
    size_t glen = 0;
    if (!k || !EVP_PKEY_is_a(k, "EC") ||
        !EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen) ||
        strcmp(group, "prime256v1") != 0) {
        EVP_PKEY_free(k);
        set_err(err, "signing key %s is not a PEM EC P-256 private key", path);
        return KS_ERR_MALFORMED;
    }
    *out = k;
    return KS_OK;
}

static ks_status key_id_of(EVP_PKEY *key, char out[65])
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(key, &der);
    if (n <= 0)
        return KS_ERR_CRYPTO;
    uint8_t md[SHA256_DIGEST_LENGTH];
    SHA256(der, (size_t)n, md);
    OPENSSL_free(der);
    hex_of(md, sizeof md, out);
    return KS_OK;
}

static void base64url(const uint8_t *in, size_t n, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    size_t len = strlen(out);
    while (len && out[len - 1] == '=')
        out[--len] = '\0';
    for (size_t i = 0; i < len; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
}

/* Decodes exactly SIG_RAW_LEN bytes of unpadded base64url. */
static bool unbase64url_sig(const char *s, uint8_t out[SIG_RAW_LEN])
{
    char tmp[92];
    size_t n = strnlen(s, 90);
    if (n != 86) /* 64 bytes -> 86 characters without padding */
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
        tmp[i] = c;
    }
    memcpy(tmp + n, "==", 3);
    uint8_t raw[66];
    if (EVP_DecodeBlock(raw, (const unsigned char *)tmp, 88) != 66)
        return false;
    memcpy(out, raw, SIG_RAW_LEN);
    return true;
}

ks_status record_sign(json_object *rec, EVP_PKEY *key)
{
    if (!rec || !key || !json_object_is_type(rec, json_type_object))
        return KS_ERR_ARG;
    char *msg = NULL;
    size_t len = 0;
    ks_status rc = signed_bytes(rec, &msg, &len);
    if (rc != KS_OK)
        return rc;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char der[80];
    size_t der_len = sizeof der;
    rc = KS_ERR_CRYPTO;
    if (ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
        EVP_DigestSign(ctx, der, &der_len, (const unsigned char *)msg, len) == 1)
        rc = KS_OK;
    EVP_MD_CTX_free(ctx);
    free(msg);
    if (rc != KS_OK)
        return rc;
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    uint8_t raw[SIG_RAW_LEN];
    const BIGNUM *r = NULL, *s = NULL;
    if (sig)
        ECDSA_SIG_get0(sig, &r, &s);
    bool ok = sig && BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    char kid[65];
    if (!ok || key_id_of(key, kid) != KS_OK)
        return KS_ERR_CRYPTO;
    char value[92];
    base64url(raw, sizeof raw, value);
    json_object *so = json_object_new_object();
    add_str(so, "alg", "ES256");
    add_str(so, "key_id", kid);
    add_str(so, "value", value);
    json_object_object_add(rec, "signature", so);
    return KS_OK;
}

static ks_status verify_raw(EVP_PKEY *pub, const uint8_t raw[SIG_RAW_LEN], const char *msg,
                            size_t len)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
    unsigned char *der = NULL;
    int der_len = 0;
    if (sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
        r = s = NULL; /* owned by sig now */
        der_len = i2d_ECDSA_SIG(sig, &der);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    if (der_len <= 0)
        return KS_ERR_CRYPTO;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int v = -1;
    if (ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) == 1)
        v = EVP_DigestVerify(ctx, der, (size_t)der_len, (const unsigned char *)msg, len);
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    return v == 1 ? KS_OK : KS_ERR_AUTH;
}

ks_status record_verify(const char *json, size_t len, EVP_PKEY *pub, char err[RECORD_ERR_LEN])
{
    if (!json || !pub)
        return KS_ERR_ARG;
    json_object *rec = NULL;
    ks_status rc = record_decode(json, len, &rec, err);
    if (rc != KS_OK)
        return rc;
    char *canon = NULL, *msg = NULL;
    size_t clen = 0, mlen = 0;
    json_object *sig = NULL, *alg, *kid, *val;
    uint8_t raw[SIG_RAW_LEN];
    char want_kid[65];
    if (!json_object_object_get_ex(rec, "signature", &sig)) {
        set_err(err, "record is not signed");
        rc = KS_ERR_AUTH;
        goto out;
    }
    /* decode() checked the signature member's shape */
    json_object_object_get_ex(sig, "alg", &alg);
    json_object_object_get_ex(sig, "key_id", &kid);
    json_object_object_get_ex(sig, "value", &val);
    if ((rc = record_canonical(rec, &canon, &clen)) != KS_OK)
        goto out;
    /* only one byte form is ever signed, so two parsers can never disagree
     * about what was signed (duplicate keys, escapes, whitespace) */
    if (clen != len || memcmp(canon, json, len) != 0) {
        set_err(err, "record is not in canonical form");
        rc = KS_ERR_AUTH;
        goto out;
    }
    if ((rc = key_id_of(pub, want_kid)) != KS_OK)
        goto out;
    if (strcmp(json_object_get_string(kid), want_kid) != 0) {
        set_err(err, "record was signed by another key (key_id differs)");
        rc = KS_ERR_AUTH;
        goto out;
    }
    if (!unbase64url_sig(json_object_get_string(val), raw)) {
        set_err(err, "signature value is not 64 bytes of base64url");
        rc = KS_ERR_MALFORMED;
        goto out;
    }
    if ((rc = signed_bytes(rec, &msg, &mlen)) != KS_OK)
        goto out;
    rc = verify_raw(pub, raw, msg, mlen);
    if (rc == KS_ERR_AUTH)
        set_err(err, "signature does not verify: the record was changed or signed by another key");
out:
    free(canon);
    free(msg);
    json_object_put(rec);
    (void)alg;
    return rc;
}

/* ---- decoding -------------------------------------------------------------- */

/* Every string in the tree is valid UTF-8 without NUL; no floats. */
static bool tree_clean(json_object *v, int depth)
{
    if (depth > RECORD_MAX_DEPTH)
        return false;
    switch (json_object_get_type(v)) {
    case json_type_double: return false;
    case json_type_string: {
        size_t n = (size_t)json_object_get_string_len(v);
        const char *s = json_object_get_string(v);
        return !memchr(s, '\0', n) && utf8_valid((const uint8_t *)s, n);
    }
    case json_type_object: {
        json_object_object_foreach(v, k, val) {
            if (!utf8_valid((const uint8_t *)k, strlen(k)) || !tree_clean(val, depth + 1))
                return false;
        }
        return true;
    }
    case json_type_array: {
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++)
            if (!tree_clean(json_object_array_get_idx(v, i), depth + 1))
                return false;
        return true;
    }
    default: return true;
    }
}

typedef struct member_rule {
    const char *name;
    json_type type;
    bool required;
    const char *const *allowed; /* for strings; NULL = any */
} member_rule;

static json_object *get_typed(json_object *o, const char *k, json_type t)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, t) ? v : NULL;
}

static bool is_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool is_rfc3339_utc(const char *s)
{
    /* YYYY-MM-DDTHH:MM:SSZ exactly, as record_build writes it */
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(s) != sizeof shape - 1)
        return false;
    for (size_t i = 0; i < sizeof shape - 1; i++)
        if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
            return false;
    return true;
}

/* Checks members of o against rules; unknown members are refused so a
 * signature never covers fields a receiver would silently ignore. */
static ks_status check_members(json_object *o, const member_rule *rules, size_t n,
                               const char *where, char *err)
{
    json_object_object_foreach(o, k, v) {
        const member_rule *r = NULL;
        for (size_t i = 0; i < n; i++)
            if (strcmp(rules[i].name, k) == 0)
                r = &rules[i];
        if (!r) {
            set_err(err, "%s has an unknown member \"%.32s\"", where, k);
            return KS_ERR_MALFORMED;
        }
        if (!json_object_is_type(v, r->type)) {
            set_err(err, "%s.%s has the wrong type", where, k);
            return KS_ERR_MALFORMED;
        }
        if (r->type == json_type_string) {
            const char *s = json_object_get_string(v);
            size_t len = (size_t)json_object_get_string_len(v);
            bool ok = r->allowed ? in_set(s, r->allowed) : len > 0;
            if (strstr(k, "_at"))
                ok = is_rfc3339_utc(s);
            if (!ok) {
                set_err(err, "%s.%s has a value outside the schema", where, k);
                return KS_ERR_MALFORMED;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        if (rules[i].required && !json_object_object_get_ex(o, rules[i].name, NULL)) {
            set_err(err, "%s lacks \"%s\"", where, rules[i].name);
            return KS_ERR_MALFORMED;
        }
    return KS_OK;
}

static ks_status check_holder(json_object *holder, char *err)
{
    json_object_object_foreach(holder, k, v) {
        if (field_index(k) < 0) {
            set_err(err, "holder has an unknown field \"%.32s\"", k);
            return KS_ERR_MALFORMED;
        }
        if (!json_object_is_type(v, json_type_string) ||
            json_object_get_string_len(v) > MAX_HOLDER_TEXT) {
            set_err(err, "holder.%s must be a string of at most %d bytes", k, MAX_HOLDER_TEXT);
            return KS_ERR_MALFORMED;
        }
    }
    return KS_OK;
}

static ks_status check_schema(json_object *rec, char *err)
{
    static const member_rule top[] = {
        {"schema", json_type_string, true, NULL},
        {"record_id", json_type_string, true, NULL},
        {"kiosk_id", json_type_string, true, NULL},
        {"site_id", json_type_string, true, NULL},
        {"purpose", json_type_string, true, PURPOSES},
        {"document_type", json_type_string, true, NULL},
        {"created_at", json_type_string, true, NULL},
        {"times", json_type_object, true, NULL},
        {"holder", json_type_object, true, NULL},
        {"authentication", json_type_object, true, NULL},
        {"face", json_type_object, true, NULL},
        {"consent", json_type_object, true, NULL},
        {"portrait", json_type_object, false, NULL},
        {"signature", json_type_object, false, NULL},
    };
    static const member_rule times[] = {
        {"card_read_at", json_type_string, true, NULL},
        {"verified_at", json_type_string, true, NULL},
    };
    static const member_rule auth[] = {
        {"passive", json_type_string, true, AUTH_RESULTS},
        {"active", json_type_string, true, AUTH_RESULTS},
        {"chip", json_type_string, true, AUTH_RESULTS},
        {"verdict", json_type_string, true, VERDICTS},
    };
    static const member_rule face[] = {
        {"match_permille", json_type_int, false, NULL},
        {"match", json_type_string, true, MATCHES},
        {"liveness", json_type_string, true, LIVENESS},
    };
    static const member_rule consent[] = {
        {"text_version", json_type_string, true, NULL},
        {"given_at", json_type_string, true, NULL},
    };
    static const member_rule portrait[] = {
        {"format", json_type_string, true, PORTRAIT_FORMATS},
        {"sha256", json_type_string, true, NULL},
        {"image_base64", json_type_string, false, NULL},
    };
    static const member_rule sig[] = {
        {"alg", json_type_string, true, NULL},
        {"key_id", json_type_string, true, NULL},
        {"value", json_type_string, true, NULL},
    };
#define CHECK(o, rules, where) \
    check_members(o, rules, sizeof rules / sizeof rules[0], where, err)
    ks_status rc = CHECK(rec, top, "record");
    if (rc != KS_OK)
        return rc;
    if (strcmp(json_object_get_string(get_typed(rec, "schema", json_type_string)), RECORD_SCHEMA) != 0) {
        set_err(err, "record schema is not " RECORD_SCHEMA);
        return KS_ERR_UNSUPPORTED;
    }
    if (!store_id_valid(json_object_get_string(get_typed(rec, "record_id", json_type_string)))) {
        set_err(err, "record.record_id is not a valid id");
        return KS_ERR_MALFORMED;
    }
    if (!is_short_text(json_object_get_string(get_typed(rec, "kiosk_id", json_type_string))) ||
        !is_short_text(json_object_get_string(get_typed(rec, "site_id", json_type_string))) ||
        !is_short_text(json_object_get_string(get_typed(rec, "document_type", json_type_string)))) {
        set_err(err, "record kiosk_id, site_id and document_type must be 1..64 printable ASCII");
        return KS_ERR_MALFORMED;
    }
    json_object *f = get_typed(rec, "face", json_type_object);
    json_object *pm = get_typed(f, "match_permille", json_type_int);
    json_object *p = get_typed(rec, "portrait", json_type_object);
    json_object *s = get_typed(rec, "signature", json_type_object);
    if ((rc = CHECK(get_typed(rec, "times", json_type_object), times, "times")) != KS_OK ||
        (rc = check_holder(get_typed(rec, "holder", json_type_object), err)) != KS_OK ||
        (rc = CHECK(get_typed(rec, "authentication", json_type_object), auth, "authentication")) != KS_OK ||
        (rc = CHECK(f, face, "face")) != KS_OK ||
        (rc = CHECK(get_typed(rec, "consent", json_type_object), consent, "consent")) != KS_OK ||
        (p && (rc = CHECK(p, portrait, "portrait")) != KS_OK) ||
        (s && (rc = CHECK(s, sig, "signature")) != KS_OK))
        return rc;
    if (pm && (json_object_get_int64(pm) < 0 || json_object_get_int64(pm) > 1000)) {
        set_err(err, "face.match_permille must be 0..1000");
        return KS_ERR_MALFORMED;
    }
    if (p && !is_hex64(json_object_get_string(get_typed(p, "sha256", json_type_string)))) {
        set_err(err, "portrait.sha256 must be 64 hex digits");
        return KS_ERR_MALFORMED;
    }
    if (s && (strcmp(json_object_get_string(get_typed(s, "alg", json_type_string)), "ES256") != 0 ||
              !is_hex64(json_object_get_string(get_typed(s, "key_id", json_type_string))))) {
        set_err(err, "signature must be ES256 with a 64-hex-digit key_id");
        return KS_ERR_UNSUPPORTED;
    }
    return KS_OK;
#undef CHECK
}

ks_status record_decode(const char *json, size_t len, json_object **out, char err[RECORD_ERR_LEN])
{
    if (!json || !out)
        return KS_ERR_ARG;
    *out = NULL;
    if (len > RECORD_MAX_BYTES) {
        set_err(err, "record is larger than %u bytes", RECORD_MAX_BYTES);
        return KS_ERR_TOO_LARGE;
    }
    json_tokener *tok = json_tokener_new_ex(RECORD_MAX_DEPTH + 1);
    if (!tok)
        return KS_ERR_NO_MEMORY;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *rec = json_tokener_parse_ex(tok, json, (int)len);
    bool complete = rec && json_tokener_get_error(tok) == json_tokener_success &&
                    json_tokener_get_parse_end(tok) == len;
    json_tokener_free(tok);
    if (!complete || !json_object_is_type(rec, json_type_object)) {
        json_object_put(rec);
        set_err(err, "record is not one complete JSON object");
        return KS_ERR_MALFORMED;
    }
    if (!tree_clean(rec, 0)) {
        json_object_put(rec);
        set_err(err, "record holds a float, a NUL or invalid UTF-8");
        return KS_ERR_MALFORMED;
    }
    ks_status rc = check_schema(rec, err);
    if (rc != KS_OK) {
        json_object_put(rec);
        return rc;
    }
    *out = rec;
    return KS_OK;
}
