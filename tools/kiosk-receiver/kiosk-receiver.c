/*
 * kiosk-receiver — the reference receiver for kiosk record uploads
 * (docs/receiver-api.yaml). It stands where the provincial system would:
 * HTTPS with client-certificate checking (or plain HTTP on loopback for
 * tests), de-duplication by idempotency key in its own SQLite database, and
 * optional fault injection so the uploader's retry paths are exercised.
 *
 * Never prints record contents: they carry personal data.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "receiver_db.h"
#include "receiver_request.h"

#define BATCH_PATH "/v1/records:batch"

enum fault_kind {
    FAULT_500 = 1 << 0,       /* answer 500 before looking at the batch */
    FAULT_503 = 1 << 1,       /* answer 503 with Retry-After: 1 */
    FAULT_DROP = 1 << 2,      /* close the connection without storing */
    FAULT_DROP_AFTER = 1 << 3,/* store, then close without answering */
    FAULT_DELAY = 1 << 4,     /* answer normally after 0.1–1.5 s */
    FAULT_PARTIAL = 1 << 5,   /* store every other record, "retry" the rest */
    FAULT_ALL = (1 << 6) - 1
};

typedef struct server {
    rcv_db *db;
    pthread_mutex_t lock;     /* guards db and rng */
    uint64_t rng;
    double fault_rate;
    unsigned faults;
    int require_client_cert;
    unsigned respond_status;  /* non-zero: answer every batch with this */
    const char *retry_after;  /* header sent with respond_status */
    int verbose;
} server;

typedef struct request {
    uint8_t *body;
    size_t len, cap;
    int too_large;
} request;

static uint64_t next_random(server *s)
{
    /* xorshift64*: enough for fault dice, never for secrets. */
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return s->rng * 0x2545F4914F6CDD1DULL;
}

static double random_unit(server *s)
{
    pthread_mutex_lock(&s->lock);
    uint64_t r = next_random(s);
    pthread_mutex_unlock(&s->lock);
    return (double)(r >> 11) / 9007199254740992.0;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_object *body,
                                 const char *retry_after)
{
    const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
                                                             MHD_RESPMEM_MUST_COPY);
    json_object_put(body);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (retry_after)
        MHD_add_response_header(r, "Retry-After", retry_after);
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *reason,
                                  const char *retry_after)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(reason));
    return send_json(c, status, o, retry_after);
}

/* NULL when the peer presented a certificate chaining to --client-ca. */
static const char *client_cert_problem(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!ci || !ci->tls_session)
        return "TLS session unavailable";
    unsigned status = 0;
    int rc = gnutls_certificate_verify_peers2((gnutls_session_t)ci->tls_session, &status);
    if (rc == GNUTLS_E_NO_CERTIFICATE_FOUND)
        return "client certificate required";
    if (rc < 0 || status != 0)
        return "client certificate not trusted";
    return NULL;
}

static const char *outcome_name(rcv_outcome o)
{
    switch (o) {
    case RCV_STORED: return "stored";
    case RCV_DUPLICATE: return "duplicate";
    case RCV_RETRY: return "retry";
    case RCV_REJECTED: return "rejected";
    }
    return "retry";
}

static unsigned pick_fault(server *s)
{
    if (s->fault_rate <= 0.0 || random_unit(s) >= s->fault_rate)
        return 0;
    unsigned kinds[8], n = 0;
    for (unsigned bit = 1; bit < FAULT_ALL; bit <<= 1)
        if (s->faults & bit)
            kinds[n++] = bit;
    if (n == 0)
        return 0;
    unsigned i = (unsigned)(random_unit(s) * n);
    return kinds[i < n ? i : n - 1];
}

static enum MHD_Result handle_batch(server *s, struct MHD_Connection *c, request *rq)
{
    pthread_mutex_lock(&s->lock);
    rcv_db_note_request(s->db);
    pthread_mutex_unlock(&s->lock);

    if (s->respond_status)
        return send_error(c, s->respond_status, "status forced by --respond", s->retry_after);
    if (rq->too_large)
        return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "body exceeds the size limit", NULL);
    const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (!ctype || strncasecmp(ctype, "application/json", 16) != 0)
        return send_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json", NULL);
    const char *cenc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Encoding");
    int gz = 0;
    if (cenc && strcasecmp(cenc, "gzip") == 0)
        gz = 1;
    else if (cenc && strcasecmp(cenc, "identity") != 0)
        return send_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Content-Encoding must be gzip or identity", NULL);

    unsigned fault = pick_fault(s);
    if (fault == FAULT_500)
        return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "injected fault", NULL);
    if (fault == FAULT_503)
        return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "injected fault", "1");
    if (fault == FAULT_DROP)
        return MHD_NO;
    if (fault == FAULT_DELAY) {
        struct timespec ts = { 0, (long)(100000000.0 + random_unit(s) * 1400000000.0) };
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec = 1;
            ts.tv_nsec -= 1000000000L;
        }
        nanosleep(&ts, NULL);
    }

    rcv_batch b;
    char err[128] = "";
    ks_status st = rcv_batch_parse(rq->body, rq->len, gz, &b, err, sizeof err);
    if (st == KS_ERR_TOO_LARGE)
        return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, err, NULL);
    if (st != KS_OK)
        return send_error(c, MHD_HTTP_BAD_REQUEST, err[0] ? err : "malformed batch", NULL);

    rcv_outcome *out = calloc(b.count, sizeof *out);
    if (!out) {
        rcv_batch_free(&b);
        return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", NULL);
    }
    for (size_t i = 0; i < b.count; i++) {
        if (b.entries[i].reject_reason)
            out[i] = RCV_REJECTED;
        else if (fault == FAULT_PARTIAL && (i % 2) == 1)
            out[i] = RCV_RETRY;
        else
            out[i] = RCV_STORED;
    }
    pthread_mutex_lock(&s->lock);
    st = rcv_db_store(s->db, &b, (int64_t)time(NULL), out);
    pthread_mutex_unlock(&s->lock);
    enum MHD_Result rc;
    if (st != KS_OK) {
        rc = send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "storage unavailable", "5");
    } else if (fault == FAULT_DROP_AFTER) {
        rc = MHD_NO;
    } else {
        json_object *resp = json_object_new_object(), *arr = json_object_new_array();
        for (size_t i = 0; i < b.count; i++) {
            json_object *r = json_object_new_object();
            json_object_object_add(r, "idempotency_key", json_object_new_string(b.entries[i].key));
            json_object_object_add(r, "status", json_object_new_string(outcome_name(out[i])));
            if (out[i] == RCV_REJECTED)
                json_object_object_add(r, "reason", json_object_new_string(b.entries[i].reject_reason));
            else if (out[i] == RCV_RETRY)
                json_object_object_add(r, "reason", json_object_new_string("injected partial acknowledgement"));
            json_object_array_add(arr, r);
        }
        json_object_object_add(resp, "results", arr);
        rc = send_json(c, MHD_HTTP_OK, resp, NULL);
    }
    if (s->verbose)
        fprintf(stderr, "kiosk-receiver: batch of %zu (fault %u)\n", b.count, fault);
    free(out);
    rcv_batch_free(&b);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
    (void)version;
    server *s = cls;
    request *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        *con_cls = rq;
        if (s->require_client_cert) {
            const char *problem = client_cert_problem(c);
            if (problem)
                return send_error(c, MHD_HTTP_FORBIDDEN, problem, NULL);
        }
        if (strcmp(url, "/v1/health") == 0 && strcmp(method, "GET") == 0) {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "status", json_object_new_string("ok"));
            return send_json(c, MHD_HTTP_OK, o, NULL);
        }
        if (strcmp(url, BATCH_PATH) != 0)
            return send_error(c, MHD_HTTP_NOT_FOUND, "no such resource", NULL);
        if (strcmp(method, "POST") != 0)
            return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST", NULL);
        return MHD_YES;
    }
    if (*data_size) {
        size_t n = *data_size;
        *data_size = 0;
        if (rq->too_large || n > RCV_MAX_BODY - rq->len) {
            rq->too_large = 1; /* keep reading so the answer can be delivered */
            return MHD_YES;
        }
        if (rq->len + n > rq->cap) {
            size_t ncap = rq->cap ? rq->cap : 16384;
            while (ncap < rq->len + n)
                ncap *= 2;
            uint8_t *nb = realloc(rq->body, ncap);
            if (!nb)
                return MHD_NO;
            rq->body = nb;
            rq->cap = ncap;
        }
        memcpy(rq->body + rq->len, data, n);
        rq->len += n;
        return MHD_YES;
    }
    return handle_batch(s, c, rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    request *rq = *con_cls;
    if (rq) {
        free(rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

static char *read_text_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kiosk-receiver: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    int too_big = buf && !feof(f);
    fclose(f);
    if (!buf || too_big || n == 0) {
        fprintf(stderr, "kiosk-receiver: %s is empty or larger than 1 MiB\n", path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* "127.0.0.1:8443" or "[::1]:8443"; port 0 picks a free one. */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, int *ipv6)
{
    char host[64];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host)
        return -1;
    size_t hl = (size_t)(colon - spec);
    memcpy(host, spec, hl);
    host[hl] = '\0';
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (!*(colon + 1) || *end || port < 0 || port > 65535)
        return -1;
    memset(ss, 0, sizeof *ss);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        *ipv6 = 1;
        return inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1 ? 0 : -1;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    *ipv6 = 0;
    return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

static int is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
    return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static unsigned parse_faults(const char *list)
{
    static const struct { const char *name; unsigned bit; } names[] = {
        { "500", FAULT_500 }, { "503", FAULT_503 }, { "drop", FAULT_DROP },
        { "drop-after", FAULT_DROP_AFTER }, { "delay", FAULT_DELAY },
        { "partial", FAULT_PARTIAL }, { "all", FAULT_ALL },
    };
    unsigned bits = 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        unsigned found = 0;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strcmp(t, names[i].name) == 0)
                found = names[i].bit;
        if (!found)
            return 0;
        bits |= found;
    }
    return bits;
}

static void usage(FILE *to)
{
    fputs("usage: kiosk-receiver --db FILE --listen ADDR:PORT (--insecure-http |\n"
          "                      --cert PEM --key PEM [--client-ca PEM])\n"
          "                      [--fault-rate P] [--faults LIST] [--seed N]\n"
          "                      [--respond STATUS [--retry-after VALUE]]\n"
          "                      [--port-file FILE] [--verbose]\n"
          "       kiosk-receiver --db FILE --count [--json]\n"
          "  --insecure-http   plain HTTP, only on a loopback address (tests)\n"
          "  --client-ca PEM   require a client certificate issued by this CA\n"
          "  --fault-rate P    inject a fault into a fraction P of batch requests\n"
          "  --faults LIST     comma list of 500,503,drop,drop-after,delay,partial (all)\n"
          "  --respond STATUS  answer every batch with STATUS (tests)\n"
          "  --port-file FILE  write the bound port there once listening (for port 0)\n",
          to);
}

static int print_counts(const char *dbpath, int as_json)
{
    rcv_db *db = NULL;
    rcv_counts k;
    if (rcv_db_open(dbpath, &db) != KS_OK || rcv_db_counts(db, &k) != KS_OK) {
        rcv_db_close(db);
        return 1;
    }
    rcv_db_close(db);
    if (as_json)
        printf("{\"unique\": %lld, \"duplicates_stored\": %lld, \"received_requests\": %lld, "
               "\"duplicates_received\": %lld}\n",
               (long long)k.unique, (long long)k.duplicates_stored,
               (long long)k.received_requests, (long long)k.duplicates_received);
    else
        printf("unique records: %lld\nduplicates stored: %lld\nbatch requests: %lld\n"
               "duplicate deliveries: %lld\n",
               (long long)k.unique, (long long)k.duplicates_stored,
               (long long)k.received_requests, (long long)k.duplicates_received);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dbpath = NULL, *listen_spec = NULL, *cert = NULL, *key = NULL, *ca = NULL;
    const char *port_file = NULL, *faults = "all";
    int insecure = 0, count = 0, as_json = 0;
    server s;
    memset(&s, 0, sizeof s);
    s.rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKE(opt, dst) if (strcmp(a, opt) == 0) { if (!v) goto bad; dst = v; i++; continue; }
        TAKE("--db", dbpath)
        TAKE("--listen", listen_spec)
        TAKE("--cert", cert)
        TAKE("--key", key)
        TAKE("--client-ca", ca)
        TAKE("--port-file", port_file)
        TAKE("--faults", faults)
        TAKE("--retry-after", s.retry_after)
#undef TAKE
        if (strcmp(a, "--insecure-http") == 0) { insecure = 1; continue; }
        if (strcmp(a, "--count") == 0) { count = 1; continue; }
        if (strcmp(a, "--json") == 0) { as_json = 1; continue; }
        if (strcmp(a, "--verbose") == 0) { s.verbose = 1; continue; }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { usage(stdout); return 0; }
        if (v && strcmp(a, "--fault-rate") == 0) {
            char *end = NULL;
            s.fault_rate = strtod(v, &end);
            if (*end || !(s.fault_rate >= 0.0 && s.fault_rate <= 1.0))
                goto bad;
            i++;
            continue;
        }
        if (v && (strcmp(a, "--seed") == 0 || strcmp(a, "--respond") == 0)) {
            char *end = NULL;
            unsigned long long n = strtoull(v, &end, 10);
            if (*end || !*v)
                goto bad;
            if (a[2] == 's')
                s.rng = n ? n : 1;
            else if (n < 100 || n > 599)
                goto bad;
            else
                s.respond_status = (unsigned)n;
            i++;
            continue;
        }
        goto bad;
    }
    if (!dbpath)
        goto bad;
    if (count)
        return print_counts(dbpath, as_json);
    s.faults = parse_faults(faults);
    if (!listen_spec || !s.faults || (insecure && (cert || key || ca)) ||
        (!insecure && (!cert || !key)))
        goto bad;
    struct sockaddr_storage ss;
    int ipv6 = 0;
    if (parse_listen(listen_spec, &ss, &ipv6) != 0) {
        fprintf(stderr, "kiosk-receiver: --listen wants ADDR:PORT, e.g. 127.0.0.1:8443\n");
        return 2;
    }
    if (insecure && !is_loopback(&ss)) {
        fprintf(stderr, "kiosk-receiver: --insecure-http is only allowed on a loopback address\n");
        return 2;
    }
    char *cert_pem = NULL, *key_pem = NULL, *ca_pem = NULL;
    if (!insecure) {
        cert_pem = read_text_file(cert);
        key_pem = read_text_file(key);
        ca_pem = ca ? read_text_file(ca) : NULL;
        if (!cert_pem || !key_pem || (ca && !ca_pem))
            return 1;
        s.require_client_cert = ca != NULL;
    }
    if (rcv_db_open(dbpath, &s.db) != KS_OK)
        return 1;
    pthread_mutex_init(&s.lock, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL); /* MHD's threads inherit the mask */

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ERROR_LOG;
    if (ipv6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d;
    if (insecure) {
        d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &s,
                             MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                             MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
    } else {
        d = MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, on_request, &s,
                             MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                             MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                             MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
                             MHD_OPTION_HTTPS_MEM_KEY, key_pem,
                             MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
                             ca_pem ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, ca_pem,
                             MHD_OPTION_END);
    }
    if (!d) {
        fprintf(stderr, "kiosk-receiver: cannot listen on %s\n", listen_spec);
        rcv_db_close(s.db);
        return 1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = di ? di->port : 0;
    fprintf(stderr, "kiosk-receiver: listening on %s port %u (%s)\n", listen_spec, port,
            insecure ? "plain HTTP" : s.require_client_cert ? "HTTPS, client certificates" : "HTTPS");
    if (port_file) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, port_file) != 0) {
            fprintf(stderr, "kiosk-receiver: cannot write %s\n", port_file);
            MHD_stop_daemon(d);
            rcv_db_close(s.db);
            return 1;
        }
    }
    int sig = 0;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    rcv_db_close(s.db);
    pthread_mutex_destroy(&s.lock);
    free(cert_pem);
    free(key_pem);
    free(ca_pem);
    return 0;
bad:
    usage(stderr);
    return 2;
}
