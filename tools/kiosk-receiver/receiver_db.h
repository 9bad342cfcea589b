/*
 * receiver_db.h — the reference receiver's own SQLite store: one row per
 * idempotency key (so a record resent after a lost answer is never stored
 * twice) plus counters of requests and duplicate deliveries.
 *
 * A batch is written in one transaction with synchronous=FULL, so "stored"
 * is only answered once the rows are on disk. Not thread-safe by itself: the
 * server serialises calls with its own mutex.
 */
#ifndef RECEIVER_DB_H
#define RECEIVER_DB_H

#include <stdint.h>

#include "status.h"
#include "receiver_request.h"

typedef struct rcv_db rcv_db;

typedef enum rcv_outcome {
    RCV_STORED,
    RCV_DUPLICATE,
    RCV_RETRY,    /* not looked at: the caller asked to withhold it */
    RCV_REJECTED
} rcv_outcome;

typedef struct rcv_counts {
    int64_t unique;             /* distinct idempotency keys stored */
    int64_t duplicates_stored;  /* rows beyond one per key: must stay 0 */
    int64_t received_requests;  /* batch requests that reached the handler */
    int64_t duplicates_received;/* records delivered again after being stored */
} rcv_counts;

ks_status rcv_db_open(const char *path, rcv_db **out);
void rcv_db_close(rcv_db *db);

/* Counts one incoming batch request (before any fault is injected). */
ks_status rcv_db_note_request(rcv_db *db);

/* Stores batch entries whose outcome[i] is RCV_STORED on entry (the caller
 * pre-sets RCV_RETRY/RCV_REJECTED for the rest); on return outcome[i] is
 * RCV_STORED or RCV_DUPLICATE for those. All or nothing. */
ks_status rcv_db_store(rcv_db *db, const rcv_batch *b, int64_t now, rcv_outcome *outcome);

ks_status rcv_db_counts(rcv_db *db, rcv_counts *out);

#endif
