/*
 * store.h — the kiosk's durable, encrypted outbound queue of verified records
 * (SQLite on disk, WAL, synchronous=FULL).
 *
 * What it offers: a record (a JSON object carrying a 26-character
 * "record_id", see docs/record-schema.md) is durable on disk before
 * store_enqueue() returns KS_OK. Each record is in one state:
 *
 *     pending ──claim──▶ in_flight ──ack──▶ acknowledged ──purge──▶ (gone)
 *        ▲                  │  │
 *        └──────retry───────┘  └──dead_letter──▶ dead_letter ──requeue──▶ pending
 *
 * and a crash while in_flight puts the record back to pending at the next
 * owner open, so nothing accepted is lost; the upload side de-duplicates by
 * record id (the idempotency key), which makes delivery exactly once.
 *
 * Encryption: the whole record JSON is sealed with AES-256-GCM under the
 * current key of a key file (mode 0600 or open refuses), with the record id
 * and key id as associated data. Older keys in the file still decrypt;
 * store_rekey() re-seals every record under the current key. Only ids,
 * states, counters, times, sizes and short non-personal error strings are in
 * clear. Acknowledged records lose their ciphertext at once (secure_delete),
 * and their bookkeeping row goes at store_purge().
 *
 * Key file format (text): lines "<key id> <64 hex digits>", key ids 1..65535,
 * '#' comments; the highest key id is the current (encrypting) key.
 *
 * Ownership: store_open() gives a handle used by one thread at a time; close
 * it with store_close(). A batch from store_claim() owns its JSON strings
 * until store_batch_free(). Several processes may open one database; only
 * one at a time may be the owner (the default mode: crash recovery + claim),
 * others open with STORE_OPEN_SHARED.
 *
 * Errors: every function returns ks_status; after a failure
 * store_last_error() gives a one-line English message without personal data
 * (store_open() writes it to its err buffer instead). Notable statuses:
 *   KS_ERR_NOT_FOUND  key file or record id missing
 *   KS_ERR_ACCESS     key file mode is not 0600, or another owner holds the
 *                     queue, or the handle was opened without a key
 *   KS_ERR_AUTH       AES-GCM tag mismatch: wrong key or tampered record
 *   KS_ERR_MALFORMED  database corrupted (integrity check), bad key file or
 *                     record that is not a JSON object with a record_id
 *   KS_ERR_TOO_LARGE  size cap reached or the disk is full: nothing written
 *   KS_ERR_IO         any other SQLite or file failure
 */
#ifndef KS_STORE_H
#define KS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define STORE_ID_LEN 26         /* record ids: time-ordered, Crockford base32 */
#define STORE_ERR_LEN 256
#define STORE_MAX_RECORD_BYTES (4u * 1024u * 1024u)

typedef struct store store;

enum store_open_flags {
    STORE_OPEN_SHARED = 1u << 0, /* no crash recovery, no claim, no owner lock */
    STORE_OPEN_NO_KEY = 1u << 1, /* no key file: status/list/retry/purge only;
                                    the database must already exist */
    STORE_OPEN_FULL_CHECK = 1u << 2 /* integrity_check instead of quick_check */
};

typedef struct store_options {
    const char *db_path;   /* SQLite file; created (0600) if absent */
    const char *key_file;  /* see the format above; ignored with NO_KEY */
    uint64_t max_bytes;    /* cap on stored ciphertext of unacknowledged
                              records; 0 = 256 MiB */
    uint64_t max_records;  /* cap on unacknowledged records; 0 = none */
    unsigned flags;        /* enum store_open_flags */
} store_options;

typedef enum store_state {
    STORE_PENDING = 0,
    STORE_IN_FLIGHT = 1,
    STORE_ACKNOWLEDGED = 2,
    STORE_DEAD_LETTER = 3,
    STORE_STATE_COUNT_
} store_state;

typedef struct store_item {
    char id[STORE_ID_LEN + 1];
    uint32_t attempts;     /* claims so far, this one included */
    char *json;            /* NUL-terminated plaintext, owned by the batch */
    size_t json_len;
} store_item;

typedef struct store_batch {
    store_item *items;
    size_t count;
    size_t total_bytes;    /* sum of json_len */
} store_batch;

typedef struct store_counts {
    uint64_t pending, in_flight, acknowledged, dead_letter;
    int64_t oldest_pending_age_s; /* 0 when nothing is pending */
    uint64_t stored_bytes;        /* ciphertext of unacknowledged records */
} store_counts;

typedef struct store_entry {      /* no personal data: safe to print */
    char id[STORE_ID_LEN + 1];
    store_state state;
    uint32_t attempts;
    int64_t created_at, next_attempt_at, updated_at;
    uint32_t key_id;              /* 0 once the ciphertext is gone */
    uint32_t size;                /* plaintext bytes */
    const char *last_error;       /* "" if none; valid during the callback */
} store_entry;

/* Returns non-zero to stop the listing early. */
typedef int (*store_list_fn)(const store_entry *e, void *ctx);

/* Opens (creating and migrating if needed), checks integrity, loads the
 * keys and, as owner, moves in_flight records back to pending. */
ks_status store_open(const store_options *opt, store **out,
                     char err[STORE_ERR_LEN]);
void store_close(store *s);
const char *store_last_error(const store *s);

/* A fresh record id for time now_ms (ms since the epoch), 26 characters
 * Crockford base32 (48-bit time + 80 random bits), NUL-terminated. */
ks_status store_new_id(int64_t now_ms, char out[STORE_ID_LEN + 1]);

/* 1 if id is a well-formed record id (26 Crockford base32 characters whose
 * value fits 128 bits), else 0. */
int store_id_valid(const char *id);

/* Stores a record: json must be a JSON object whose "record_id" is a valid
 * id. Durable on disk when KS_OK is returned; id_out (may be NULL) gets the
 * id. Enqueueing an id already stored is KS_OK and changes nothing. */
ks_status store_enqueue(store *s, const char *json, size_t len, int64_t now,
                        char id_out[STORE_ID_LEN + 1]);

/* Enqueues n records in one transaction (one fsync): all are stored, or
 * none is and the status says why. ids_out (n entries) may be NULL. For
 * bulk loads such as benchmarks and migrations; store_enqueue() is the
 * one-record case. */
ks_status store_enqueue_many(store *s, const char *const *jsons, const size_t *lens, size_t n,
                             int64_t now, char (*ids_out)[STORE_ID_LEN + 1]);

/* Moves up to max_count pending records whose next attempt is due (oldest id
 * first) to in_flight and returns them decrypted. Stops before max_bytes of
 * JSON, but always returns at least one record if one is due. An empty
 * batch is KS_OK. Owner only. */
ks_status store_claim(store *s, size_t max_count, size_t max_bytes,
                      int64_t now, store_batch *out);
void store_batch_free(store_batch *b);

/* Marks records acknowledged (from any state but acknowledged: a late
 * acknowledgement after recovery still counts) and wipes their ciphertext.
 * Unknown ids are skipped; acked (may be NULL) gets how many changed. */
ks_status store_ack(store *s, const char *const *ids, size_t n, int64_t now,
                    size_t *acked);

/* in_flight -> pending, due at next_attempt_at; error is a short
 * non-personal reason (truncated to 200 bytes). KS_ERR_NOT_FOUND if the id
 * is not in flight. */
ks_status store_retry(store *s, const char *id, int64_t next_attempt_at,
                      const char *error, int64_t now);
/* pending or in_flight -> dead_letter with the reason. */
ks_status store_dead_letter(store *s, const char *id, const char *error,
                            int64_t now);
/* dead_letter -> pending, due now. id NULL = every dead letter. */
ks_status store_requeue(store *s, const char *id, int64_t now, size_t *count);

ks_status store_status(store *s, int64_t now, store_counts *out);
/* Entries in id order; state_filter < 0 = all states; limit 0 = no limit. */
ks_status store_list(store *s, int state_filter, size_t limit,
                     store_list_fn fn, void *ctx);
/* Deletes acknowledged rows acknowledged at or before now - retention_s. */
ks_status store_purge(store *s, int64_t retention_s, int64_t now,
                      size_t *count);
/* Re-seals every stored record under the current key; count = re-sealed. */
ks_status store_rekey(store *s, size_t *count);

const char *store_state_name(store_state st); /* "pending", ... */

#endif
