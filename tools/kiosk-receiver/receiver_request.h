/*
 * receiver_request.h — decodes one upload batch (POST /v1/records:batch) for
 * the reference receiver: optional gzip, then the JSON envelope
 *   {"kiosk_id": "...", "records": [{"idempotency_key": "...", "record": {...}}]}
 *
 * Every size is bounded before use (compressed body, inflated body, record
 * count, key length, JSON depth); a gzip bomb or a deep document is refused,
 * never followed. A malformed envelope fails the whole batch
 * (KS_ERR_MALFORMED / KS_ERR_TOO_LARGE, reason in err); a malformed entry
 * only marks that entry rejected with a reason.
 *
 * Ownership: rcv_batch_parse fills *out, which the caller releases with
 * rcv_batch_free (also safe after a failure and on a zeroed batch).
 */
#ifndef RECEIVER_REQUEST_H
#define RECEIVER_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define RCV_MAX_BODY        (8u * 1024u * 1024u)  /* bytes on the wire */
#define RCV_MAX_INFLATED    (32u * 1024u * 1024u) /* bytes after gunzip */
#define RCV_MAX_RECORDS     1000u
#define RCV_MAX_KEY         128u
#define RCV_MAX_KIOSK_ID    64u
#define RCV_MAX_JSON_DEPTH  32

typedef struct rcv_entry {
    char key[RCV_MAX_KEY + 1];  /* as sent (cut to RCV_MAX_KEY); valid unless rejected */
    char *record_json;          /* canonical text of "record"; NULL if rejected */
    const char *reject_reason;  /* static text, NULL when acceptable */
} rcv_entry;

typedef struct rcv_batch {
    char kiosk_id[RCV_MAX_KIOSK_ID + 1];
    size_t count;
    rcv_entry *entries;
} rcv_batch;

/* gzipped != 0 when the request said Content-Encoding: gzip. */
ks_status rcv_batch_parse(const uint8_t *body, size_t len, int gzipped,
                          rcv_batch *out, char *err, size_t errlen);
void rcv_batch_free(rcv_batch *b);

/* 1 when key is 1..RCV_MAX_KEY characters of [A-Za-z0-9._:-]. */
int rcv_key_valid(const char *key, size_t len);

#endif
