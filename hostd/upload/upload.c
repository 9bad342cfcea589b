/* upload.c — batches from the store to the receiver over libcurl (see .h). */
#include "upload.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <zlib.h>

#define MAX_RESPONSE (4u * 1024u * 1024u)
#define MAX_RETRY_AFTER_S 86400
#define BODY_PREVIEW 160

struct ks_upload {
    CURL *curl;
    char *batch_url;
    char *kiosk_id;
    size_t max_records, max_bytes;
    int64_t base_ms, cap_ms;
    uint64_t rng;
    /* per request */
    char *resp;
    size_t resp_len;
    int resp_overflow;
    char retry_after[64];
    char curl_err[CURL_ERROR_SIZE];
};

static void copy_msg(char *dst, size_t cap, const char *msg)
{
    if (dst && cap)
        snprintf(dst, cap, "%s", msg);
}

/* snprintf that is allowed to cut: messages are informative, not data. */
__attribute__((format(printf, 3, 4)))
static void fmt_cut(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
}

/* Keeps printable ASCII only: server-supplied text ends up in the store and in
 * operators' terminals. */
static void sanitise(char *dst, size_t cap, const char *src)
{
    size_t j = 0;
    for (size_t i = 0; src && src[i] && j + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (cap)
        dst[j] = '\0';
}

static uint64_t next_rand(ks_upload *u)
{
    u->rng ^= u->rng >> 12;
    u->rng ^= u->rng << 25;
    u->rng ^= u->rng >> 27;
    return u->rng * 0x2545F4914F6CDD1DULL;
}

/* ------------------------------------------------------------ policy --- */

ks_upload_class ks_upload_classify(long http_status)
{
    if (http_status >= 200 && http_status < 300)
        return KS_UPLOAD_PER_RECORD;
    /* 401/403 say the kiosk's credentials are wrong, not its records: keep
     * them queued until the certificate is fixed rather than dead-letter. */
    if (http_status == 401 || http_status == 403 || http_status == 408 || http_status == 429)
        return KS_UPLOAD_RETRY_ALL;
    if (http_status >= 400 && http_status < 500)
        return KS_UPLOAD_REJECT_ALL;
    return KS_UPLOAD_RETRY_ALL;
}

int64_t ks_upload_backoff_ms(uint32_t attempts, int64_t base_ms, int64_t cap_ms, uint64_t rnd)
{
    if (base_ms <= 0 || cap_ms <= 0)
        return 0;
    int64_t ceiling = base_ms;
    for (uint32_t i = 1; i < attempts && ceiling < cap_ms; i++)
        ceiling = ceiling > cap_ms / 2 ? cap_ms : ceiling * 2;
    if (ceiling > cap_ms)
        ceiling = cap_ms;
    return (int64_t)(rnd % (uint64_t)(ceiling + 1));
}

ks_status ks_upload_parse_retry_after(const char *value, int64_t now, int64_t *delay_s)
{
    if (!value || !delay_s)
        return KS_ERR_ARG;
    while (*value == ' ' || *value == '\t')
        value++;
    if (*value >= '0' && *value <= '9') {
        int64_t v = 0;
        const char *p = value;
        for (; *p >= '0' && *p <= '9'; p++)
            v = v > MAX_RETRY_AFTER_S ? v : v * 10 + (*p - '0');
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p)
            return KS_ERR_MALFORMED;
        *delay_s = v > MAX_RETRY_AFTER_S ? MAX_RETRY_AFTER_S : v;
        return KS_OK;
    }
    time_t when = curl_getdate(value, NULL);
    if (when == (time_t)-1)
        return KS_ERR_MALFORMED;
    int64_t d = (int64_t)when - now;
    *delay_s = d < 0 ? 0 : d > MAX_RETRY_AFTER_S ? MAX_RETRY_AFTER_S : d;
    return KS_OK;
}

static int host_is_loopback(const char *host)
{
    unsigned char a[16];
    char buf[64];
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof buf) {
        memcpy(buf, host + 1, n - 2);
        buf[n - 2] = '\0';
        host = buf;
    }
    if (inet_pton(AF_INET, host, a) == 1)
        return a[0] == 127;
    if (inet_pton(AF_INET6, host, a) == 1) {
        static const unsigned char one[16] = { [15] = 1 };
        return memcmp(a, one, 16) == 0;
    }
    return 0;
}

ks_status ks_upload_check_url(const char *url, char err[KS_UPLOAD_ERR_LEN])
{
    if (!url || !*url) {
        copy_msg(err, KS_UPLOAD_ERR_LEN, "no upload URL configured");
        return KS_ERR_ARG;
    }
    CURLU *h = curl_url();
    char *scheme = NULL, *host = NULL;
    ks_status st = KS_OK;
    if (!h || curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        copy_msg(err, KS_UPLOAD_ERR_LEN, "upload URL is not a valid URL");
        st = KS_ERR_ARG;
    } else if (strcmp(scheme, "https") == 0) {
        st = KS_OK;
    } else if (strcmp(scheme, "http") == 0) {
        if (!host_is_loopback(host)) {
            copy_msg(err, KS_UPLOAD_ERR_LEN,
                     "plain http is only allowed to a loopback address (127.0.0.0/8 or ::1); use https");
            st = KS_ERR_UNSUPPORTED;
        }
    } else {
        copy_msg(err, KS_UPLOAD_ERR_LEN, "upload URL must be https://");
        st = KS_ERR_UNSUPPORTED;
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(h);
    return st;
}

ks_status ks_upload_parse_results(const char *body, size_t len, const char *const *ids,
                                  size_t n, ks_upload_verdict *verdict,
                                  char (*reason)[KS_UPLOAD_REASON_LEN])
{
    if ((!body && len) || (!ids && n) || (!verdict && n) || (!reason && n))
        return KS_ERR_ARG;
    for (size_t i = 0; i < n; i++) {
        verdict[i] = KS_UPLOAD_RETRY;
        copy_msg(reason[i], KS_UPLOAD_REASON_LEN, "receiver gave no result for this record");
    }
    if (len > MAX_RESPONSE || len > (size_t)INT32_MAX)
        return KS_ERR_TOO_LARGE;
    json_tokener *tok = json_tokener_new_ex(16);
    if (!tok)
        return KS_ERR_NO_MEMORY;
    json_object *root = len ? json_tokener_parse_ex(tok, body, (int)len) : NULL;
    int ok = root && json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    json_object *results = NULL;
    if (!ok || !json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "results", &results) ||
        !json_object_is_type(results, json_type_array)) {
        json_object_put(root);
        for (size_t i = 0; i < n; i++)
            copy_msg(reason[i], KS_UPLOAD_REASON_LEN, "receiver answer is not the documented JSON");
        return KS_ERR_MALFORMED;
    }
    size_t m = json_object_array_length(results);
    for (size_t r = 0; r < m; r++) {
        json_object *item = json_object_array_get_idx(results, r), *jk, *js, *jr;
        if (!json_object_is_type(item, json_type_object) ||
            !json_object_object_get_ex(item, "idempotency_key", &jk) ||
            !json_object_object_get_ex(item, "status", &js) ||
            !json_object_is_type(jk, json_type_string) || !json_object_is_type(js, json_type_string))
            continue;
        const char *key = json_object_get_string(jk), *status = json_object_get_string(js);
        const char *why = json_object_object_get_ex(item, "reason", &jr) &&
                                  json_object_is_type(jr, json_type_string)
                              ? json_object_get_string(jr)
                              : NULL;
        /* Results usually come in request order: try the same index first. */
        size_t i = r < n && strcmp(ids[r], key) == 0 ? r : n;
        for (size_t k = 0; i == n && k < n; k++)
            if (strcmp(ids[k], key) == 0)
                i = k;
        if (i == n)
            continue;
        if (strcmp(status, "stored") == 0) {
            verdict[i] = KS_UPLOAD_ACK;
            reason[i][0] = '\0';
        } else if (strcmp(status, "duplicate") == 0) {
            verdict[i] = KS_UPLOAD_ACK_DUPLICATE;
            reason[i][0] = '\0';
        } else if (strcmp(status, "rejected") == 0) {
            verdict[i] = KS_UPLOAD_DEAD;
            char clean[KS_UPLOAD_REASON_LEN - 24];
            sanitise(clean, sizeof clean, why ? why : "no reason given");
            fmt_cut(reason[i], KS_UPLOAD_REASON_LEN, "rejected by receiver: %s", clean);
        } else {
            verdict[i] = KS_UPLOAD_RETRY;
            char clean[KS_UPLOAD_REASON_LEN - 24];
            sanitise(clean, sizeof clean, why ? why : status);
            fmt_cut(reason[i], KS_UPLOAD_REASON_LEN, "receiver asked to retry: %s", clean);
        }
    }
    json_object_put(root);
    return KS_OK;
}

/* ----------------------------------------------------------- handle --- */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    ks_upload *u = ud;
    size_t n = size * nmemb;
    if (n > MAX_RESPONSE - u->resp_len) {
        u->resp_overflow = 1;
        return 0; /* aborts the transfer: a bounded answer or none */
    }
    char *nb = realloc(u->resp, u->resp_len + n + 1);
    if (!nb)
        return 0;
    memcpy(nb + u->resp_len, ptr, n);
    u->resp = nb;
    u->resp_len += n;
    u->resp[u->resp_len] = '\0';
    return n;
}

static size_t on_header(char *ptr, size_t size, size_t nitems, void *ud)
{
    ks_upload *u = ud;
    size_t n = size * nitems;
    static const char name[] = "retry-after:";
    if (n > sizeof name - 1 && strncasecmp(ptr, name, sizeof name - 1) == 0) {
        size_t vlen = n - (sizeof name - 1);
        if (vlen >= sizeof u->retry_after)
            vlen = sizeof u->retry_after - 1;
        memcpy(u->retry_after, ptr + sizeof name - 1, vlen);
        u->retry_after[vlen] = '\0';
        for (size_t i = vlen; i > 0 && (u->retry_after[i - 1] == '\r' || u->retry_after[i - 1] == '\n'); i--)
            u->retry_after[i - 1] = '\0';
    }
    return n;
}

ks_status ks_upload_new(const ks_upload_config *cfg, ks_upload **out, char err[KS_UPLOAD_ERR_LEN])
{
    if (!cfg || !out) {
        copy_msg(err, KS_UPLOAD_ERR_LEN, "missing configuration");
        return KS_ERR_ARG;
    }
    ks_status st = ks_upload_check_url(cfg->url, err);
    if (st != KS_OK)
        return st;
    size_t klen = cfg->kiosk_id ? strlen(cfg->kiosk_id) : 0;
    int kid_ok = klen >= 1 && klen <= 64;
    for (size_t i = 0; kid_ok && i < klen; i++) {
        char c = cfg->kiosk_id[i];
        kid_ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == ':' || c == '-';
    }
    if (!kid_ok) {
        copy_msg(err, KS_UPLOAD_ERR_LEN, "kiosk id must be 1..64 characters of [A-Za-z0-9._:-]");
        return KS_ERR_ARG;
    }
    if ((cfg->client_cert == NULL) != (cfg->client_key == NULL)) {
        copy_msg(err, KS_UPLOAD_ERR_LEN, "client certificate and key must be given together");
        return KS_ERR_ARG;
    }
    if (cfg->pin && strncmp(cfg->pin, "sha256//", 8) != 0) {
        copy_msg(err, KS_UPLOAD_ERR_LEN, "pin must look like sha256//<base64 of the SPKI hash>");
        return KS_ERR_ARG;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        copy_msg(err, KS_UPLOAD_ERR_LEN, "cannot initialise libcurl");
        return KS_ERR_IO;
    }
    ks_upload *u = calloc(1, sizeof *u);
    if (!u)
        return KS_ERR_NO_MEMORY;
    size_t ulen = strlen(cfg->url);
    while (ulen && cfg->url[ulen - 1] == '/')
        ulen--;
    u->batch_url = malloc(ulen + sizeof KS_UPLOAD_PATH);
    u->kiosk_id = strdup(cfg->kiosk_id);
    u->curl = curl_easy_init();
    if (!u->batch_url || !u->kiosk_id || !u->curl) {
        ks_upload_free(u);
        return KS_ERR_NO_MEMORY;
    }
    memcpy(u->batch_url, cfg->url, ulen);
    memcpy(u->batch_url + ulen, KS_UPLOAD_PATH, sizeof KS_UPLOAD_PATH);
    u->max_records = cfg->max_records ? cfg->max_records : 100;
    u->max_bytes = cfg->max_bytes ? cfg->max_bytes : 1024u * 1024u;
    u->base_ms = cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms : 1000;
    u->cap_ms = cfg->backoff_cap_ms > 0 ? cfg->backoff_cap_ms : 600000;
    if (getrandom(&u->rng, sizeof u->rng, 0) != (ssize_t)sizeof u->rng || u->rng == 0)
        u->rng = (uint64_t)time(NULL) * 2654435761u + 1;

    CURL *c = u->curl;
    int bad = 0;
    bad |= curl_easy_setopt(c, CURLOPT_URL, u->batch_url) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                            cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, cfg->timeout_ms > 0 ? cfg->timeout_ms : 60000L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, u) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HEADERDATA, u) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, u->curl_err) != CURLE_OK;
    if (cfg->ca_file)
        bad |= curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca_file) != CURLE_OK;
    if (cfg->client_cert) {
        bad |= curl_easy_setopt(c, CURLOPT_SSLCERT, cfg->client_cert) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_SSLKEY, cfg->client_key) != CURLE_OK;
    }
    if (cfg->pin)
        bad |= curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, cfg->pin) != CURLE_OK;
    if (bad) {
        copy_msg(err, KS_UPLOAD_ERR_LEN, "libcurl lacks a required option (TLS 1.2, pinning?)");
        ks_upload_free(u);
        return KS_ERR_UNSUPPORTED;
    }
    *out = u;
    return KS_OK;
}

void ks_upload_free(ks_upload *u)
{
    if (!u)
        return;
    if (u->curl)
        curl_easy_cleanup(u->curl);
    free(u->batch_url);
    free(u->kiosk_id);
    free(u->resp);
    free(u);
}

/* ------------------------------------------------------------ batch --- */

/* Builds the JSON envelope; records that are not JSON objects (should not
 * happen: the store checks at enqueue) come back in bad[] for dead letter. */
static char *build_body(ks_upload *u, const store_batch *b, unsigned char *bad, size_t *len)
{
    json_object *root = json_object_new_object(), *arr = json_object_new_array();
    if (!root || !arr) {
        json_object_put(root);
        json_object_put(arr);
        return NULL;
    }
    json_object_object_add(root, "kiosk_id", json_object_new_string(u->kiosk_id));
    json_object_object_add(root, "records", arr);
    for (size_t i = 0; i < b->count; i++) {
        json_object *rec = json_tokener_parse(b->items[i].json);
        if (!rec || !json_object_is_type(rec, json_type_object)) {
            json_object_put(rec);
            bad[i] = 1;
            continue;
        }
        json_object *e = json_object_new_object();
        json_object_object_add(e, "idempotency_key", json_object_new_string(b->items[i].id));
        json_object_object_add(e, "record", rec);
        json_object_array_add(arr, e);
    }
    const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
    char *copy = text ? strdup(text) : NULL;
    *len = copy ? strlen(copy) : 0;
    json_object_put(root);
    return copy;
}

static unsigned char *gzip_body(const char *in, size_t len, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    uLong cap = deflateBound(&zs, (uLong)len);
    unsigned char *out = malloc(cap);
    if (!out) {
        deflateEnd(&zs);
        return NULL;
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    *out_len = (size_t)zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

static int64_t next_attempt(ks_upload *u, uint32_t attempts, int64_t now, int64_t retry_after_s)
{
    int64_t ms = ks_upload_backoff_ms(attempts ? attempts : 1, u->base_ms, u->cap_ms, next_rand(u));
    /* At least a second: the queue counts in seconds, and a retry "now"
     * would spin against a receiver that is down. */
    int64_t s = ms <= 1000 ? 1 : (ms + 999) / 1000;
    if (retry_after_s > s)
        s = retry_after_s;
    return now + s;
}

/* Sends the body; fills rep->http_status / error / retry_after_s. */
static void post(ks_upload *u, const unsigned char *gz, size_t gz_len, int64_t now,
                 ks_upload_report *rep)
{
    struct curl_slist *h = NULL, *t;
    h = curl_slist_append(h, "Content-Type: application/json");
    if (h && (t = curl_slist_append(h, "Content-Encoding: gzip")))
        h = t;
    if (h && (t = curl_slist_append(h, "Expect:")))
        h = t;
    free(u->resp);
    u->resp = NULL;
    u->resp_len = 0;
    u->resp_overflow = 0;
    u->retry_after[0] = '\0';
    u->curl_err[0] = '\0';
    curl_easy_setopt(u->curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(u->curl, CURLOPT_POSTFIELDS, gz);
    curl_easy_setopt(u->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)gz_len);
    CURLcode rc = curl_easy_perform(u->curl);
    curl_easy_setopt(u->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(h);
    if (rc != CURLE_OK) {
        const char *kind = "network error";
        switch (rc) {
        case CURLE_OPERATION_TIMEDOUT: kind = "timed out"; break;
        case CURLE_COULDNT_CONNECT: kind = "receiver unreachable"; break;
        case CURLE_PEER_FAILED_VERIFICATION: kind = "TLS: server certificate not trusted"; break;
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH: kind = "TLS: server key does not match the pin"; break;
        case CURLE_SSL_CONNECT_ERROR: kind = "TLS handshake failed"; break;
        case CURLE_SSL_CERTPROBLEM: kind = "TLS: client certificate unusable"; break;
        case CURLE_SSL_CACERT_BADFILE: kind = "TLS: CA file unusable"; break;
        case CURLE_WRITE_ERROR: kind = u->resp_overflow ? "answer too large" : "network error"; break;
        default: break;
        }
        fmt_cut(rep->error, sizeof rep->error, "%s (%s)", kind,
                 u->curl_err[0] ? u->curl_err : curl_easy_strerror(rc));
        return;
    }
    curl_easy_getinfo(u->curl, CURLINFO_RESPONSE_CODE, &rep->http_status);
    int64_t delay;
    if (u->retry_after[0] && ks_upload_parse_retry_after(u->retry_after, now, &delay) == KS_OK)
        rep->retry_after_s = delay;
    if (rep->http_status < 200 || rep->http_status >= 300) {
        /* The receiver's error text is short and non-personal by contract. */
        char reason[120] = "";
        json_object *o = u->resp ? json_tokener_parse(u->resp) : NULL, *je;
        if (o && json_object_is_type(o, json_type_object) &&
            json_object_object_get_ex(o, "error", &je) && json_object_is_type(je, json_type_string))
            sanitise(reason, sizeof reason, json_object_get_string(je));
        else if (u->resp)
            sanitise(reason, sizeof reason < BODY_PREVIEW ? sizeof reason : BODY_PREVIEW, u->resp);
        json_object_put(o);
        fmt_cut(rep->error, sizeof rep->error, "HTTP %ld%s%s", rep->http_status,
                 reason[0] ? ": " : "", reason);
    }
}

static ks_status apply_all(ks_upload *u, store *s, const store_batch *b, const unsigned char *skip,
                           ks_upload_class cls, int64_t now, ks_upload_report *rep)
{
    for (size_t i = 0; i < b->count; i++) {
        if (skip && skip[i])
            continue;
        ks_status st;
        if (cls == KS_UPLOAD_REJECT_ALL) {
            st = store_dead_letter(s, b->items[i].id, rep->error, now);
            rep->dead_lettered++;
        } else {
            st = store_retry(s, b->items[i].id,
                             next_attempt(u, b->items[i].attempts, now, rep->retry_after_s),
                             rep->error, now);
            rep->retried++;
        }
        if (st != KS_OK)
            return st;
    }
    return KS_OK;
}

static ks_status apply_results(ks_upload *u, store *s, const store_batch *b, const unsigned char *skip,
                               int64_t now, ks_upload_report *rep)
{
    size_t n = b->count;
    const char **ids = calloc(n, sizeof *ids);
    const char **acks = calloc(n, sizeof *acks);
    ks_upload_verdict *v = calloc(n, sizeof *v);
    char (*why)[KS_UPLOAD_REASON_LEN] = calloc(n, sizeof *why);
    ks_status st = KS_ERR_NO_MEMORY;
    if (!ids || !acks || !v || !why)
        goto out;
    for (size_t i = 0; i < n; i++)
        ids[i] = b->items[i].id;
    if (ks_upload_parse_results(u->resp, u->resp_len, ids, n, v, why) != KS_OK)
        fmt_cut(rep->error, sizeof rep->error, "HTTP %ld with an unreadable answer", rep->http_status);
    size_t n_ack = 0;
    for (size_t i = 0; i < n; i++)
        if (!(skip && skip[i]) && (v[i] == KS_UPLOAD_ACK || v[i] == KS_UPLOAD_ACK_DUPLICATE)) {
            acks[n_ack++] = ids[i];
            rep->duplicates += v[i] == KS_UPLOAD_ACK_DUPLICATE;
        }
    /* Acknowledge first: if we die after this, only retries are lost, and
     * recovery resends those, which the receiver de-duplicates. */
    if (n_ack && (st = store_ack(s, acks, n_ack, now, NULL)) != KS_OK)
        goto out;
    rep->acknowledged += n_ack;
    st = KS_OK;
    for (size_t i = 0; i < n && st == KS_OK; i++) {
        if ((skip && skip[i]) || v[i] == KS_UPLOAD_ACK || v[i] == KS_UPLOAD_ACK_DUPLICATE)
            continue;
        if (v[i] == KS_UPLOAD_DEAD) {
            st = store_dead_letter(s, ids[i], why[i], now);
            rep->dead_lettered++;
        } else {
            st = store_retry(s, ids[i], next_attempt(u, b->items[i].attempts, now, rep->retry_after_s),
                             why[i], now);
            rep->retried++;
        }
    }
out:
    free(ids);
    free(acks);
    free(v);
    free(why);
    return st;
}

ks_status ks_upload_step(ks_upload *u, store *s, int64_t now, ks_upload_report *rep)
{
    if (!u || !s || !rep)
        return KS_ERR_ARG;
    memset(rep, 0, sizeof *rep);
    rep->retry_after_s = -1;
    store_batch b;
    memset(&b, 0, sizeof b);
    ks_status st = store_claim(s, u->max_records, u->max_bytes, now, &b);
    if (st != KS_OK || b.count == 0) {
        store_batch_free(&b);
        return st;
    }
    rep->claimed = b.count;
    unsigned char *bad = calloc(b.count, 1);
    size_t json_len = 0, gz_len = 0;
    char *json = bad ? build_body(u, &b, bad, &json_len) : NULL;
    unsigned char *gz = json ? gzip_body(json, json_len, &gz_len) : NULL;
    rep->body_bytes = json_len;
    rep->wire_bytes = gz ? gz_len : 0;
    if (json) {
        wipe(json, json_len);
        free(json);
    }
    if (!gz) {
        /* Local trouble (memory): put everything back for later. */
        fmt_cut(rep->error, sizeof rep->error, "cannot build the upload body");
        st = apply_all(u, s, &b, NULL, KS_UPLOAD_RETRY_ALL, now, rep);
        goto out;
    }
    for (size_t i = 0; i < b.count; i++)
        if (bad[i]) {
            if ((st = store_dead_letter(s, b.items[i].id, "record is not a JSON object", now)) != KS_OK)
                goto out;
            rep->dead_lettered++;
        }
    post(u, gz, gz_len, now, rep);
    if (rep->http_status == 0)
        st = apply_all(u, s, &b, bad, KS_UPLOAD_RETRY_ALL, now, rep);
    else if (ks_upload_classify(rep->http_status) == KS_UPLOAD_PER_RECORD)
        st = apply_results(u, s, &b, bad, now, rep);
    else
        st = apply_all(u, s, &b, bad, ks_upload_classify(rep->http_status), now, rep);
out:
    free(gz);
    free(bad);
    store_batch_free(&b);
    return st;
}
