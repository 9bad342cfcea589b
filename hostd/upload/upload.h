/*
 * upload.h — sends queued records (hostd/store) to the provincial receiver
 * (contract: docs/receiver-api.yaml) and applies the answers to the queue.
 *
 * What it offers: ks_upload_step() claims one batch (bounded by count and
 * bytes), POSTs it gzip-compressed to {url}/v1/records:batch over HTTPS
 * (TLS 1.2+, optional client certificate and server public-key pin; plain
 * http only to a literal loopback address) and then, per record:
 *   stored / duplicate          -> store_ack
 *   rejected (or a 4xx batch)   -> store_dead_letter with the reason
 *   retry, 5xx, 401/403, 408,   -> store_retry at now + full-jitter
 *   429, timeouts, network/TLS     exponential backoff (base..cap), never
 *   errors                         sooner than a Retry-After the server sent
 *                                  nor than one second (the queue's unit)
 * Each record's idempotency key is its record id, so resending after a lost
 * answer or a crash is harmless: the receiver stores it once.
 *
 * Ownership: ks_upload_new() copies the configuration strings; free the
 * handle with ks_upload_free(). The store handle stays the caller's and must
 * be opened as owner (claims). One thread per handle.
 *
 * Errors: ks_upload_new() refuses a bad configuration (KS_ERR_ARG,
 * KS_ERR_UNSUPPORTED for a non-loopback http URL) with a message in err.
 * ks_upload_step() returns KS_OK whenever the batch's records were put in
 * their next state, including when the network failed (see the report);
 * a non-OK status means the store failed (records left in_flight are
 * recovered at the next store_open). Messages never carry personal data.
 */
#ifndef KS_UPLOAD_H
#define KS_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "store.h"

#define KS_UPLOAD_ERR_LEN 256
#define KS_UPLOAD_PATH "/v1/records:batch"

typedef struct ks_upload_config {
    const char *url;          /* base URL: https://... or http://127.x / [::1] */
    const char *kiosk_id;     /* 1..64 of [A-Za-z0-9._:-] */
    const char *client_cert;  /* PEM client certificate, NULL = none */
    const char *client_key;   /* PEM private key, NULL = none */
    const char *ca_file;      /* PEM CA bundle, NULL = the system's */
    const char *pin;          /* "sha256//<base64>[;sha256//...]", NULL = none */
    size_t max_records;       /* per batch; 0 = 100 */
    size_t max_bytes;         /* record JSON per batch; 0 = 1 MiB */
    long connect_timeout_ms;  /* 0 = 10 s */
    long timeout_ms;          /* whole request; 0 = 60 s */
    int64_t backoff_base_ms;  /* 0 = 1 s */
    int64_t backoff_cap_ms;   /* 0 = 10 min */
} ks_upload_config;

typedef struct ks_upload_report {
    size_t claimed;           /* records sent (0: nothing was due) */
    size_t acknowledged;      /* stored or duplicate */
    size_t duplicates;        /* of which the receiver already had */
    size_t retried;
    size_t dead_lettered;
    size_t body_bytes;        /* the batch's JSON body before compression */
    size_t wire_bytes;        /* the gzip body actually sent */
    long http_status;         /* 0 when no HTTP answer arrived */
    int64_t retry_after_s;    /* -1 when the server sent none */
    char error[KS_UPLOAD_ERR_LEN]; /* whole-request problem, "" if none */
} ks_upload_report;

typedef struct ks_upload ks_upload;

ks_status ks_upload_new(const ks_upload_config *cfg, ks_upload **out,
                        char err[KS_UPLOAD_ERR_LEN]);
void ks_upload_free(ks_upload *u);

/* One batch at time now (seconds since the epoch). */
ks_status ks_upload_step(ks_upload *u, store *s, int64_t now, ks_upload_report *rep);

/* ---- pieces exposed for tests and for callers that need the policy ---- */

typedef enum ks_upload_class {
    KS_UPLOAD_PER_RECORD,     /* 2xx: read the per-record results */
    KS_UPLOAD_RETRY_ALL,      /* 5xx, 401, 403, 408, 429, other: back off */
    KS_UPLOAD_REJECT_ALL      /* other 4xx: the batch itself is refused */
} ks_upload_class;

ks_upload_class ks_upload_classify(long http_status);

/* Full jitter: uniform in [0, min(cap, base * 2^(attempts-1))] ms, drawn
 * from rnd (any 64 random bits). attempts counts this failed try (>= 1). */
int64_t ks_upload_backoff_ms(uint32_t attempts, int64_t base_ms, int64_t cap_ms, uint64_t rnd);

/* Retry-After as delta-seconds or an HTTP-date; *delay_s >= 0 (capped at one
 * day). KS_ERR_MALFORMED when neither. */
ks_status ks_upload_parse_retry_after(const char *value, int64_t now, int64_t *delay_s);

/* KS_OK for https URLs and for http to 127.0.0.0/8 or ::1 only. */
ks_status ks_upload_check_url(const char *url, char err[KS_UPLOAD_ERR_LEN]);

typedef enum ks_upload_verdict {
    KS_UPLOAD_ACK,
    KS_UPLOAD_ACK_DUPLICATE,
    KS_UPLOAD_RETRY,
    KS_UPLOAD_DEAD
} ks_upload_verdict;

#define KS_UPLOAD_REASON_LEN 200

/* Matches a 200 body's results to the n ids sent: verdict[i] and reason[i]
 * (printable ASCII, cut to fit) for ids[i]. An id without a result, or with
 * an unknown status, gets KS_UPLOAD_RETRY. KS_ERR_MALFORMED if the body is
 * not the documented object (then every verdict is RETRY). */
ks_status ks_upload_parse_results(const char *body, size_t len, const char *const *ids,
                                  size_t n, ks_upload_verdict *verdict,
                                  char (*reason)[KS_UPLOAD_REASON_LEN]);

#endif
