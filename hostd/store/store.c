/*
 * store.c — see store.h.
 *
 * Invariants worth knowing before changing anything here:
 *  - Every state change is one SQLite transaction; with WAL and
 *    synchronous=FULL a committed transaction survives power loss, so a
 *    caller told KS_OK can forget the record.
 *  - The payload column holds only sealed blobs (seal.h); it is NULL once a
 *    record is acknowledged. key_id is 0 exactly when payload is NULL.
 *  - csize (sealed bytes) feeds the size cap; it is 0 once acknowledged.
 */
#define _DEFAULT_SOURCE /* flock() */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "keyfile.h"
#include "seal.h"

#define DEFAULT_MAX_BYTES (256ull * 1024 * 1024)
#define ERROR_TEXT_MAX 200
#define BUSY_TIMEOUT_MS 5000
#define JSON_MAX_DEPTH 32

struct store {
    sqlite3 *db;
    keyfile keys;
    bool have_keys;
    bool owner;
    int lock_fd;
    uint64_t max_bytes, max_records;
    char err[STORE_ERR_LEN];
};

/* ---- errors ------------------------------------------------------------ */

static void fmt_err(char *err, const char *fmt, va_list ap)
{
    vsnprintf(err, STORE_ERR_LEN, fmt, ap);
}

static ks_status fail(store *s, ks_status rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_err(s->err, fmt, ap);
    va_end(ap);
    return rc;
}

/* Maps an SQLite result to a status and a message naming what we were doing. */
static ks_status fail_sql(store *s, int sqlrc, const char *doing)
{
    int prim = sqlrc & 0xff;
    const char *detail = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(sqlrc);
    switch (prim) {
    case SQLITE_FULL:
        return fail(s, KS_ERR_TOO_LARGE, "%s: the disk is full; nothing was written", doing);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return fail(s, KS_ERR_MALFORMED, "%s: the database file is corrupted (%s)", doing, detail);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return fail(s, KS_ERR_TIMEOUT, "%s: the database stayed locked by another process", doing);
    case SQLITE_NOMEM:
        return fail(s, KS_ERR_NO_MEMORY, "%s: out of memory", doing);
    default:
        return fail(s, KS_ERR_IO, "%s: %s", doing, detail);
    }
}

const char *store_last_error(const store *s)
{
    return s ? s->err : "no store";
}

const char *store_state_name(store_state st)
{
    static const char *const names[] = {"pending", "in_flight", "acknowledged", "dead_letter"};
    return (unsigned)st < STORE_STATE_COUNT_ ? names[st] : "unknown";
}

/* ---- small SQL helpers -------------------------------------------------- */

static ks_status exec(store *s, const char *sql, const char *doing)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? KS_OK : fail_sql(s, rc, doing);
}

static ks_status prepare(store *s, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? KS_OK : fail_sql(s, rc, "preparing a query");
}

static ks_status begin(store *s)
{
    return exec(s, "BEGIN IMMEDIATE", "starting a transaction");
}

static ks_status commit(store *s)
{
    return exec(s, "COMMIT", "committing");
}

static void rollback(store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Runs one statement with no result rows. */
static ks_status step_done(store *s, sqlite3_stmt *st, const char *doing)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? KS_OK : fail_sql(s, rc, doing);
}

static ks_status query_int(store *s, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    ks_status rc = prepare(s, sql, &st);
    if (rc != KS_OK)
        return rc;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return r == SQLITE_ROW ? KS_OK : fail_sql(s, r, "reading the database");
}

/* ---- record ids ---------------------------------------------------------- */

static const char CROCKFORD[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
static bool valid_id(const char *id);

ks_status store_new_id(int64_t now_ms, char out[STORE_ID_LEN + 1])
{
    if (!out || now_ms < 0 || now_ms > 0xFFFFFFFFFFFFll)
        return KS_ERR_ARG;
    /* 128 bits: 48-bit big-endian time then 80 random bits, as 26 base32
     * digits of which the first carries only 3 bits. */
    uint8_t raw[16];
    for (int i = 0; i < 6; i++)
        raw[i] = (uint8_t)((uint64_t)now_ms >> (40 - 8 * i));
    if (RAND_bytes(raw + 6, 10) != 1)
        return KS_ERR_CRYPTO;
    for (int i = 0; i < STORE_ID_LEN; i++) {
        /* digit i covers bits [i*5-2, i*5+3) of the 130-bit padded value */
        int bit = i * 5 - 2;
        unsigned v = 0;
        for (int b = 0; b < 5; b++) {
            int pos = bit + b;
            unsigned one = 0;
            if (pos >= 0)
                one = (raw[pos / 8] >> (7 - pos % 8)) & 1u;
            v = v << 1 | one;
        }
        out[i] = CROCKFORD[v];
    }
    out[STORE_ID_LEN] = '\0';
    return KS_OK;
}

int store_id_valid(const char *id)
{
    return valid_id(id);
}

static bool valid_id(const char *id)
{
    if (!id || strnlen(id, STORE_ID_LEN + 1) != STORE_ID_LEN || id[0] > '7')
        return false;
    for (size_t i = 0; i < STORE_ID_LEN; i++)
        if (!strchr(CROCKFORD, id[i]) || id[i] == '\0')
            return false;
    return true;
}

/* ---- schema and migrations ----------------------------------------------- */

/* Each step moves user_version from its index to index + 1. Version 0 is
 * also the layout of the first release, which never set user_version, so
 * step 0 must accept a database that already has the records table. */
static const char *const MIGRATIONS[] = {
    /* 0 -> 1: the first release's queue */
    "CREATE TABLE IF NOT EXISTS records ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  state INTEGER NOT NULL DEFAULT 0,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  key_id INTEGER NOT NULL DEFAULT 0,"
    "  payload BLOB"
    ") WITHOUT ROWID;",
    /* 1 -> 2: retry scheduling, reasons, sizes for the cap */
    "ALTER TABLE records ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE records ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE records ADD COLUMN last_error TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE records ADD COLUMN size INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE records ADD COLUMN csize INTEGER NOT NULL DEFAULT 0;"
    "UPDATE records SET csize = COALESCE(length(payload), 0), updated_at = created_at,"
    "  size = MAX(COALESCE(length(payload), 0) - 29, 0);"
    "CREATE INDEX records_state ON records(state, id);"
    "CREATE INDEX records_state_size ON records(state, csize);"
    "CREATE INDEX records_key ON records(key_id);",
    /* 2 -> 3: key check values, so a wrong key is caught at open */
    "CREATE TABLE store_keys (key_id INTEGER PRIMARY KEY, check_blob BLOB NOT NULL);",
};
#define SCHEMA_VERSION ((int64_t)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]))

static ks_status migrate(store *s)
{
    int64_t version = 0;
    ks_status rc = query_int(s, "PRAGMA user_version", &version);
    if (rc != KS_OK)
        return rc;
    if (version > SCHEMA_VERSION)
        return fail(s, KS_ERR_UNSUPPORTED,
                    "database schema version %lld is newer than this program (%lld)",
                    (long long)version, (long long)SCHEMA_VERSION);
    while (version < SCHEMA_VERSION) {
        if ((rc = begin(s)) != KS_OK)
            return rc;
        /* re-read under the write lock: another process may have migrated */
        if ((rc = query_int(s, "PRAGMA user_version", &version)) != KS_OK) {
            rollback(s);
            return rc;
        }
        if (version >= SCHEMA_VERSION) {
            rollback(s);
            break;
        }
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %lld", (long long)(version + 1));
        if ((rc = exec(s, MIGRATIONS[version], "migrating the schema")) != KS_OK ||
            (rc = exec(s, sql, "migrating the schema")) != KS_OK ||
            (rc = commit(s)) != KS_OK) {
            rollback(s);
            return rc;
        }
        version++;
    }
    return KS_OK;
}

static ks_status check_integrity(store *s, bool full)
{
    sqlite3_stmt *st;
    ks_status rc = prepare(s, full ? "PRAGMA integrity_check(1)" : "PRAGMA quick_check(1)", &st);
    if (rc != KS_OK)
        return rc;
    int r = sqlite3_step(st);
    bool ok = r == SQLITE_ROW && sqlite3_column_text(st, 0) &&
              strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    sqlite3_finalize(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return fail_sql(s, r, "checking database integrity");
    if (!ok)
        return fail(s, KS_ERR_MALFORMED,
                    "the database file is corrupted (integrity check failed); "
                    "restore it from a backup or move it aside");
    return KS_OK;
}

/* ---- keys ---------------------------------------------------------------- */

static const char KEY_CHECK_ID[] = "00000000000000000000000000";
static const char KEY_CHECK_TEXT[] = "kiosk store key check";

/* Every key in the file that the store has seen must still be the same key,
 * and every key id that sealed a stored record must be in the file. */
static ks_status check_keys(store *s)
{
    for (size_t i = 0; i < s->keys.count; i++) {
        const keyfile_key *k = &s->keys.keys[i];
        sqlite3_stmt *st;
        ks_status rc = prepare(s, "SELECT check_blob FROM store_keys WHERE key_id = ?", &st);
        if (rc != KS_OK)
            return rc;
        sqlite3_bind_int64(st, 1, k->id);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            char *pt = NULL;
            size_t n = 0;
            ks_status o = seal_open(k->key, k->id, KEY_CHECK_ID, sqlite3_column_blob(st, 0),
                                    (size_t)sqlite3_column_bytes(st, 0), &pt, &n);
            sqlite3_finalize(st);
            bool same = o == KS_OK && n == strlen(KEY_CHECK_TEXT) &&
                        memcmp(pt, KEY_CHECK_TEXT, n) == 0;
            free(pt);
            if (!same)
                return fail(s, KS_ERR_AUTH,
                            "key id %u in the key file is not the key that wrote this store "
                            "(AES-GCM tag mismatch): wrong key file?", (unsigned)k->id);
            continue;
        }
        sqlite3_finalize(st);
        if (r != SQLITE_DONE)
            return fail_sql(s, r, "reading key check values");
        uint8_t *blob = NULL;
        size_t blen = 0;
        rc = seal_record(k->key, k->id, KEY_CHECK_ID, (const uint8_t *)KEY_CHECK_TEXT,
                         strlen(KEY_CHECK_TEXT), &blob, &blen);
        if (rc != KS_OK)
            return fail(s, rc, "cannot compute a key check value");
        if ((rc = prepare(s, "INSERT OR IGNORE INTO store_keys VALUES (?, ?)", &st)) != KS_OK) {
            free(blob);
            return rc;
        }
        sqlite3_bind_int64(st, 1, k->id);
        sqlite3_bind_blob(st, 2, blob, (int)blen, free);
        if ((rc = step_done(s, st, "recording a key check value")) != KS_OK)
            return rc;
    }
    sqlite3_stmt *st;
    ks_status rc = prepare(s, "SELECT DISTINCT key_id FROM records WHERE key_id != 0", &st);
    if (rc != KS_OK)
        return rc;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        uint32_t id = (uint32_t)sqlite3_column_int64(st, 0);
        if (!keyfile_find(&s->keys, id)) {
            sqlite3_finalize(st);
            return fail(s, KS_ERR_NOT_FOUND,
                        "stored records are sealed under key id %u, which the key file "
                        "does not hold", (unsigned)id);
        }
    }
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? KS_OK : fail_sql(s, r, "reading key ids");
}

/* ---- open / close -------------------------------------------------------- */

static ks_status take_owner_lock(store *s, const char *db_path)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s.lock", db_path) >= (int)sizeof path)
        return fail(s, KS_ERR_ARG, "database path is too long");
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (s->lock_fd < 0)
        return fail(s, KS_ERR_IO, "cannot create lock file %s: %s", path, strerror(errno));
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return fail(s, KS_ERR_ACCESS,
                    "another process owns the queue %s (open it shared to inspect it)", db_path);
    return KS_OK;
}

/* SQLite creates -wal and -shm with the database's mode, so creating the
 * database 0600 ourselves keeps all three private. */
static ks_status create_private(store *s, const char *db_path, bool may_create)
{
    int fd = open(db_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (may_create ? O_CREAT : 0), 0600);
    if (fd < 0 && errno == ENOENT && !may_create)
        return fail(s, KS_ERR_NOT_FOUND, "there is no queue database at %s", db_path);
    if (fd < 0)
        return fail(s, errno == ENOENT ? KS_ERR_NOT_FOUND : KS_ERR_IO,
                    "cannot open or create the database %s: %s", db_path, strerror(errno));
    close(fd);
    return KS_OK;
}

static ks_status configure(store *s)
{
    ks_status rc;
    int64_t v;
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(s->db, 1);
    /* journal_mode answers with the mode; reading it also proves the file is
     * a database at all. */
    sqlite3_stmt *st;
    if ((rc = prepare(s, "PRAGMA journal_mode = WAL", &st)) != KS_OK)
        return rc;
    int r = sqlite3_step(st);
    bool wal = r == SQLITE_ROW && sqlite3_column_text(st, 0) &&
               strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
    sqlite3_finalize(st);
    if (r != SQLITE_ROW)
        return fail_sql(s, r, "opening the database");
    if (!wal)
        return fail(s, KS_ERR_IO, "the database cannot use write-ahead logging");
    /* journal_size_limit: after a checkpoint the WAL shrinks back, so a
     * burst of records does not keep megabytes of a small disk. */
    if ((rc = exec(s, "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;"
                      "PRAGMA journal_size_limit = 4194304;"
                      "PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;",
                   "configuring the database")) != KS_OK)
        return rc;
    return query_int(s, "PRAGMA synchronous", &v) == KS_OK && v == 2
               ? KS_OK
               : fail(s, KS_ERR_IO, "the database refused synchronous=FULL");
}

static ks_status recover_in_flight(store *s, int64_t now)
{
    sqlite3_stmt *st;
    ks_status rc = prepare(s, "UPDATE records SET state = 0, updated_at = ? WHERE state = 1", &st);
    if (rc != KS_OK)
        return rc;
    sqlite3_bind_int64(st, 1, now);
    return step_done(s, st, "returning in-flight records to pending");
}

static ks_status open_steps(store *s, const store_options *opt)
{
    ks_status rc;
    if (!(opt->flags & STORE_OPEN_NO_KEY)) {
        if (!opt->key_file)
            return fail(s, KS_ERR_ARG, "no key file configured (KIOSK_KEY_FILE)");
        if ((rc = keyfile_load(opt->key_file, &s->keys, s->err, sizeof s->err)) != KS_OK)
            return rc;
        s->have_keys = true;
    }
    if (s->owner && (rc = take_owner_lock(s, opt->db_path)) != KS_OK)
        return rc;
    /* a keyless open only inspects: it never conjures up an empty queue */
    if ((rc = create_private(s, opt->db_path, !(opt->flags & STORE_OPEN_NO_KEY))) != KS_OK)
        return rc;
    int r = sqlite3_open_v2(opt->db_path, &s->db,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
    if (r != SQLITE_OK)
        return fail_sql(s, r, "opening the database");
    if ((rc = configure(s)) != KS_OK || (rc = check_integrity(s, opt->flags & STORE_OPEN_FULL_CHECK)) != KS_OK ||
        (rc = migrate(s)) != KS_OK)
        return rc;
    if (s->have_keys && (rc = check_keys(s)) != KS_OK)
        return rc;
    if (s->owner && (rc = recover_in_flight(s, (int64_t)time(NULL))) != KS_OK)
        return rc;
    return KS_OK;
}

ks_status store_open(const store_options *opt, store **out, char err[STORE_ERR_LEN])
{
    if (err)
        err[0] = '\0';
    if (!opt || !opt->db_path || !out) {
        if (err)
            snprintf(err, STORE_ERR_LEN, "store_open: missing options or database path");
        return KS_ERR_ARG;
    }
    *out = NULL;
    store *s = calloc(1, sizeof *s);
    if (!s) {
        if (err)
            snprintf(err, STORE_ERR_LEN, "out of memory");
        return KS_ERR_NO_MEMORY;
    }
    s->lock_fd = -1;
    s->owner = !(opt->flags & STORE_OPEN_SHARED);
    s->max_bytes = opt->max_bytes ? opt->max_bytes : DEFAULT_MAX_BYTES;
    s->max_records = opt->max_records;
    ks_status rc = open_steps(s, opt);
    if (rc != KS_OK) {
        if (err)
            snprintf(err, STORE_ERR_LEN, "%s", s->err[0] ? s->err : ks_status_str(rc));
        store_close(s);
        return rc;
    }
    *out = s;
    return KS_OK;
}

void store_close(store *s)
{
    if (!s)
        return;
    if (s->db)
        sqlite3_close_v2(s->db);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the owner lock */
    keyfile_wipe(&s->keys);
    free(s);
}

/* ---- enqueue ------------------------------------------------------------- */

static ks_status require_keys(store *s)
{
    return s->have_keys ? KS_OK
                        : fail(s, KS_ERR_ACCESS, "the store was opened without a key file");
}

/* The record must be a JSON object whose record_id is a valid id; the
 * bytes stored are the caller's, unchanged, so a signature over them holds. */
static ks_status record_id_of(store *s, const char *json, size_t len, char id[STORE_ID_LEN + 1])
{
    if (len > STORE_MAX_RECORD_BYTES)
        return fail(s, KS_ERR_TOO_LARGE, "record of %zu bytes exceeds the %u-byte limit", len,
                    STORE_MAX_RECORD_BYTES);
    if (memchr(json, '\0', len))
        return fail(s, KS_ERR_MALFORMED, "record contains a NUL byte");
    json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH);
    if (!tok)
        return fail(s, KS_ERR_NO_MEMORY, "out of memory");
    json_object *root = json_tokener_parse_ex(tok, json, (int)len);
    bool complete = root && json_tokener_get_error(tok) == json_tokener_success &&
                    json_tokener_get_parse_end(tok) == len;
    json_tokener_free(tok);
    ks_status rc = KS_OK;
    json_object *jid = NULL;
    if (!complete || !json_object_is_type(root, json_type_object))
        rc = fail(s, KS_ERR_MALFORMED, "record is not one complete JSON object");
    else if (!json_object_object_get_ex(root, "record_id", &jid) ||
             !json_object_is_type(jid, json_type_string) ||
             !valid_id(json_object_get_string(jid)))
        rc = fail(s, KS_ERR_MALFORMED, "record has no valid record_id (26 Crockford base32 characters)");
    else
        memcpy(id, json_object_get_string(jid), STORE_ID_LEN + 1);
    json_object_put(root);
    return rc;
}

static ks_status record_exists(store *s, const char *id, bool *exists)
{
    sqlite3_stmt *st;
    ks_status rc = prepare(s, "SELECT 1 FROM records WHERE id = ?", &st);
    if (rc != KS_OK)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return fail_sql(s, r, "looking up the record id");
    *exists = r == SQLITE_ROW;
    return KS_OK;
}

/* Records and sealed bytes not yet acknowledged: what the caps limit. */
typedef struct queue_usage {
    uint64_t count, bytes;
} queue_usage;

static ks_status measure_queue(store *s, queue_usage *u)
{
    sqlite3_stmt *st;
    ks_status rc = prepare(s, "SELECT COUNT(*), COALESCE(SUM(csize), 0) FROM records WHERE state != 2",
                           &st);
    if (rc != KS_OK)
        return rc;
    int r = sqlite3_step(st);
    u->count = (uint64_t)sqlite3_column_int64(st, 0);
    u->bytes = (uint64_t)sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    if (r != SQLITE_ROW)
        return fail_sql(s, r, "measuring the queue");
    return KS_OK;
}

/* Whether one more record of csize sealed bytes fits the caps. */
static ks_status check_cap(store *s, const queue_usage *u, size_t csize)
{
    if (s->max_records && u->count >= s->max_records)
        return fail(s, KS_ERR_TOO_LARGE,
                    "the queue is full (%llu records, cap %llu): record refused, upload "
                    "must catch up first", (unsigned long long)u->count,
                    (unsigned long long)s->max_records);
    if (u->bytes + csize > s->max_bytes)
        return fail(s, KS_ERR_TOO_LARGE,
                    "the queue is full (%llu of %llu bytes used): record refused, upload "
                    "must catch up first", (unsigned long long)u->bytes,
                    (unsigned long long)s->max_bytes);
    return KS_OK;
}

/* Seals one record and inserts it inside the caller's transaction.
 * *exists is set (and nothing inserted) when the id is already stored. */
static ks_status insert_record(store *s, const char *json, size_t len, int64_t now,
                               queue_usage *usage, char id[STORE_ID_LEN + 1], bool *exists)
{
    ks_status rc;
    *exists = false;
    if ((rc = record_id_of(s, json, len, id)) != KS_OK)
        return rc;
    const keyfile_key *k = keyfile_current(&s->keys);
    uint8_t *blob = NULL;
    size_t blen = 0;
    if ((rc = seal_record(k->key, k->id, id, (const uint8_t *)json, len, &blob, &blen)) != KS_OK)
        return fail(s, rc, "cannot encrypt the record");
    sqlite3_stmt *st = NULL;
    if ((rc = record_exists(s, id, exists)) != KS_OK || *exists ||
        (rc = check_cap(s, usage, blen)) != KS_OK)
        goto out;
    if ((rc = prepare(s, "INSERT INTO records (id, state, attempts, created_at, key_id, payload,"
                         " next_attempt_at, updated_at, size, csize)"
                         " VALUES (?, 0, 0, ?, ?, ?, ?, ?, ?, ?)", &st)) != KS_OK)
        goto out;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, k->id);
    sqlite3_bind_blob(st, 4, blob, (int)blen, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, now);
    sqlite3_bind_int64(st, 6, now);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)len);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)blen);
    if ((rc = step_done(s, st, "storing the record")) == KS_OK) {
        usage->count++;
        usage->bytes += blen;
    }
out:
    free(blob);
    return rc;
}

ks_status store_enqueue(store *s, const char *json, size_t len, int64_t now,
                        char id_out[STORE_ID_LEN + 1])
{
    if (!s || !json)
        return KS_ERR_ARG;
    return store_enqueue_many(s, &json, &len, 1, now, id_out ? (char(*)[STORE_ID_LEN + 1])id_out : NULL);
}

ks_status store_enqueue_many(store *s, const char *const *jsons, const size_t *lens, size_t n,
                             int64_t now, char (*ids_out)[STORE_ID_LEN + 1])
{
    if (!s || !jsons || !lens || n == 0)
        return KS_ERR_ARG;
    ks_status rc;
    if ((rc = require_keys(s)) != KS_OK)
        return rc;
    if ((rc = begin(s)) != KS_OK)
        return rc;
    /* The queue is measured once per transaction, not per record: a long
     * backlog must not make each enqueue scan it. */
    queue_usage usage;
    if ((rc = measure_queue(s, &usage)) != KS_OK) {
        rollback(s);
        return rc;
    }
    char id[STORE_ID_LEN + 1];
    size_t inserted = 0;
    for (size_t i = 0; i < n && rc == KS_OK; i++) {
        bool exists = false;
        if (!jsons[i]) {
            rc = KS_ERR_ARG;
            break;
        }
        rc = insert_record(s, jsons[i], lens[i], now, &usage, id, &exists);
        if (rc == KS_OK && ids_out)
            memcpy(ids_out[i], id, sizeof id);
        if (rc == KS_OK && !exists)
            inserted++;
    }
    /* One commit, one fsync: every record of the call is durable, or none. */
    if (rc == KS_OK && inserted > 0)
        rc = commit(s);
    else
        rollback(s);
    return rc;
}

/* ---- claim --------------------------------------------------------------- */

void store_batch_free(store_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->count; i++)
        OPENSSL_clear_free(b->items[i].json, b->items[i].json_len + 1);
    free(b->items);
    memset(b, 0, sizeof *b);
}

static ks_status set_state(store *s, const char *id, int from_mask, int to, int64_t now,
                           int64_t next_at, const char *error, int attempts_delta, bool *changed)
{
    sqlite3_stmt *st;
    ks_status rc = prepare(s,
        "UPDATE records SET state = ?1, updated_at = ?2,"
        " next_attempt_at = CASE WHEN ?3 IS NULL THEN next_attempt_at ELSE ?3 END,"
        " last_error = CASE WHEN ?4 IS NULL THEN last_error ELSE ?4 END,"
        " attempts = attempts + ?5"
        " WHERE id = ?6 AND ((1 << state) & ?7) != 0", &st);
    if (rc != KS_OK)
        return rc;
    char reason[ERROR_TEXT_MAX + 1];
    if (error)
        snprintf(reason, sizeof reason, "%s", error);
    sqlite3_bind_int(st, 1, to);
    sqlite3_bind_int64(st, 2, now);
    if (next_at >= 0)
        sqlite3_bind_int64(st, 3, next_at);
    if (error)
        sqlite3_bind_text(st, 4, reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 5, attempts_delta);
    sqlite3_bind_text(st, 6, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 7, from_mask);
    if ((rc = step_done(s, st, "updating a record")) != KS_OK)
        return rc;
    *changed = sqlite3_changes(s->db) > 0;
    return KS_OK;
}

/* Opens one claimed row into item; returns the reason when it cannot be
 * opened (the row then goes to dead_letter so it never blocks the queue). */
static const char *open_row(store *s, sqlite3_stmt *row, store_item *item)
{
    const char *id = (const char *)sqlite3_column_text(row, 0);
    snprintf(item->id, sizeof item->id, "%s", id ? id : "");
    item->attempts = (uint32_t)sqlite3_column_int64(row, 1) + 1;
    uint32_t key_id = (uint32_t)sqlite3_column_int64(row, 2);
    const keyfile_key *k = keyfile_find(&s->keys, key_id);
    if (!k)
        return "cannot decrypt: sealed under a key id the key file does not hold";
    ks_status orc = seal_open(k->key, key_id, item->id, sqlite3_column_blob(row, 3),
                              (size_t)sqlite3_column_bytes(row, 3), &item->json, &item->json_len);
    if (orc == KS_ERR_AUTH)
        return "cannot decrypt: AES-GCM tag mismatch (wrong key or tampered record)";
    if (orc == KS_ERR_NO_MEMORY)
        return NULL; /* caught by the caller: json stays NULL */
    if (orc != KS_OK)
        return "cannot decrypt: sealed record is malformed";
    return NULL;
}

/* Reads up to max_count due rows (decrypted) without changing them: the
 * SELECT is finished before any UPDATE touches the index it walks. */
static ks_status read_due(store *s, size_t max_count, size_t max_bytes, int64_t now,
                          store_batch *out, const char **reasons, size_t *n_read)
{
    sqlite3_stmt *sel;
    ks_status rc = prepare(s, "SELECT id, attempts, key_id, payload FROM records"
                              " WHERE state = 0 AND next_attempt_at <= ? ORDER BY id LIMIT ?", &sel);
    if (rc != KS_OK)
        return rc;
    sqlite3_bind_int64(sel, 1, now);
    sqlite3_bind_int64(sel, 2, (sqlite3_int64)max_count);
    size_t n = 0, bytes = 0;
    int r = SQLITE_DONE;
    while (n < max_count && (r = sqlite3_step(sel)) == SQLITE_ROW) {
        int blen = sqlite3_column_bytes(sel, 3);
        size_t est = blen > SEAL_OVERHEAD ? (size_t)blen - SEAL_OVERHEAD : 0;
        if (n > 0 && bytes + est > max_bytes)
            break;
        store_item *it = &out->items[n];
        const char *why = open_row(s, sel, it);
        reasons[n] = why;
        if (why) {
            it->json = NULL;
            it->json_len = 0;
            snprintf(s->err, sizeof s->err, "record %s %s", it->id, why);
        } else if (!it->json) {
            sqlite3_finalize(sel);
            *n_read = n;
            return fail(s, KS_ERR_NO_MEMORY, "out of memory");
        }
        bytes += est;
        n++;
    }
    sqlite3_finalize(sel);
    *n_read = n;
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return fail_sql(s, r, "reading pending records");
    return KS_OK;
}

ks_status store_claim(store *s, size_t max_count, size_t max_bytes, int64_t now,
                      store_batch *out)
{
    if (!s || !out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    ks_status rc;
    if ((rc = require_keys(s)) != KS_OK)
        return rc;
    if (!s->owner)
        return fail(s, KS_ERR_ACCESS, "only the queue's owner may claim records (opened shared)");
    if (max_count == 0)
        return KS_OK;
    if (max_count > 100000)
        max_count = 100000;
    out->items = calloc(max_count, sizeof *out->items);
    if (!out->items)
        return fail(s, KS_ERR_NO_MEMORY, "out of memory");
    size_t n_read = 0;
    const char **reasons = calloc(max_count, sizeof *reasons);
    if (!reasons) {
        free(out->items);
        out->items = NULL;
        return fail(s, KS_ERR_NO_MEMORY, "out of memory");
    }
    if ((rc = begin(s)) != KS_OK)
        goto out;
    if ((rc = read_due(s, max_count, max_bytes, now, out, reasons, &n_read)) != KS_OK)
        goto out;
    for (size_t i = 0; i < n_read; i++) {
        store_item *it = &out->items[i];
        bool changed;
        if (reasons[i]) {
            rc = set_state(s, it->id, 1 << STORE_PENDING, STORE_DEAD_LETTER, now, -1,
                           reasons[i], 0, &changed);
        } else {
            rc = set_state(s, it->id, 1 << STORE_PENDING, STORE_IN_FLIGHT, now, -1, NULL, 1,
                           &changed);
        }
        if (rc != KS_OK)
            goto out;
    }
    if ((rc = commit(s)) != KS_OK)
        goto out;
    /* compact: keep only the usable items, in order */
    size_t kept = 0;
    for (size_t i = 0; i < n_read; i++) {
        if (!out->items[i].json)
            continue;
        out->items[kept++] = out->items[i];
        out->total_bytes += out->items[kept - 1].json_len;
    }
    out->count = kept;
    free(reasons);
    return KS_OK;
out:
    rollback(s);
    out->count = n_read;
    store_batch_free(out);
    free(reasons);
    return rc;
}

/* ---- acknowledgements and state changes ---------------------------------- */

ks_status store_ack(store *s, const char *const *ids, size_t n, int64_t now, size_t *acked)
{
    if (!s || (!ids && n))
        return KS_ERR_ARG;
    size_t done = 0;
    sqlite3_stmt *st = NULL;
    ks_status rc;
    if ((rc = begin(s)) != KS_OK)
        return rc;
    if ((rc = prepare(s, "UPDATE records SET state = 2, updated_at = ?1, payload = NULL,"
                         " key_id = 0, csize = 0, last_error = '' WHERE id = ?2 AND state != 2",
                      &st)) != KS_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (!ids[i] || !valid_id(ids[i]))
            continue;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_text(st, 2, ids[i], -1, SQLITE_TRANSIENT);
        int r = sqlite3_step(st);
        if (r != SQLITE_DONE) {
            rc = fail_sql(s, r, "acknowledging records");
            goto out;
        }
        done += (size_t)sqlite3_changes(s->db);
    }
    sqlite3_finalize(st);
    st = NULL;
    rc = commit(s);
out:
    if (st)
        sqlite3_finalize(st);
    if (rc != KS_OK)
        rollback(s);
    else if (acked)
        *acked = done;
    return rc;
}

static ks_status change_one(store *s, const char *id, int from_mask, int to, int64_t now,
                            int64_t next_at, const char *error, const char *what)
{
    if (!s || !id)
        return KS_ERR_ARG;
    if (!valid_id(id))
        return fail(s, KS_ERR_ARG, "not a record id");
    bool changed = false;
    ks_status rc = set_state(s, id, from_mask, to, now, next_at, error ? error : "", 0, &changed);
    if (rc != KS_OK)
        return rc;
    return changed ? KS_OK : fail(s, KS_ERR_NOT_FOUND, "record %s is not %s", id, what);
}

ks_status store_retry(store *s, const char *id, int64_t next_attempt_at, const char *error,
                      int64_t now)
{
    return change_one(s, id, 1 << STORE_IN_FLIGHT, STORE_PENDING, now,
                      next_attempt_at < 0 ? 0 : next_attempt_at, error, "in flight");
}

ks_status store_dead_letter(store *s, const char *id, const char *error, int64_t now)
{
    return change_one(s, id, 1 << STORE_PENDING | 1 << STORE_IN_FLIGHT, STORE_DEAD_LETTER, now,
                      -1, error, "pending or in flight");
}

ks_status store_requeue(store *s, const char *id, int64_t now, size_t *count)
{
    if (!s)
        return KS_ERR_ARG;
    if (id) {
        ks_status rc = change_one(s, id, 1 << STORE_DEAD_LETTER, STORE_PENDING, now, now, NULL,
                                  "a dead letter");
        if (rc == KS_OK && count)
            *count = 1;
        return rc;
    }
    sqlite3_stmt *st;
    ks_status rc = prepare(s, "UPDATE records SET state = 0, next_attempt_at = ?1,"
                              " updated_at = ?1 WHERE state = 3", &st);
    if (rc != KS_OK)
        return rc;
    sqlite3_bind_int64(st, 1, now);
    if ((rc = step_done(s, st, "requeueing dead letters")) != KS_OK)
        return rc;
    if (count)
        *count = (size_t)sqlite3_changes(s->db);
    return KS_OK;
}

/* ---- inspection and housekeeping ------------------------------------------ */

ks_status store_status(store *s, int64_t now, store_counts *out)
{
    if (!s || !out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    ks_status rc;
    if ((rc = exec(s, "BEGIN", "reading the queue")) != KS_OK)
        return rc;
    sqlite3_stmt *st;
    if ((rc = prepare(s, "SELECT state, COUNT(*), COALESCE(SUM(csize), 0) FROM records"
                         " GROUP BY state", &st)) != KS_OK)
        goto out;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t n = (uint64_t)sqlite3_column_int64(st, 1);
        switch (sqlite3_column_int(st, 0)) {
        case STORE_PENDING: out->pending = n; break;
        case STORE_IN_FLIGHT: out->in_flight = n; break;
        case STORE_ACKNOWLEDGED: out->acknowledged = n; break;
        case STORE_DEAD_LETTER: out->dead_letter = n; break;
        default: break;
        }
        out->stored_bytes += (uint64_t)sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) {
        rc = fail_sql(s, r, "counting records");
        goto out;
    }
    int64_t oldest = 0;
    if ((rc = prepare(s, "SELECT MIN(created_at) FROM records WHERE state = 0", &st)) != KS_OK)
        goto out;
    r = sqlite3_step(st);
    bool have = r == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    if (have)
        oldest = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (r != SQLITE_ROW) {
        rc = fail_sql(s, r, "reading the oldest record");
        goto out;
    }
    out->oldest_pending_age_s = have && now > oldest ? now - oldest : 0;
out:
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    return rc;
}

ks_status store_list(store *s, int state_filter, size_t limit, store_list_fn fn, void *ctx)
{
    if (!s || !fn)
        return KS_ERR_ARG;
    sqlite3_stmt *st;
    ks_status rc = prepare(s, "SELECT id, state, attempts, created_at, next_attempt_at,"
                              " updated_at, key_id, size, last_error FROM records"
                              " WHERE ?1 < 0 OR state = ?1 ORDER BY id LIMIT ?2", &st);
    if (rc != KS_OK)
        return rc;
    sqlite3_bind_int(st, 1, state_filter);
    sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        store_entry e;
        memset(&e, 0, sizeof e);
        const char *id = (const char *)sqlite3_column_text(st, 0);
        snprintf(e.id, sizeof e.id, "%s", id ? id : "");
        e.state = (store_state)sqlite3_column_int(st, 1);
        e.attempts = (uint32_t)sqlite3_column_int64(st, 2);
        e.created_at = sqlite3_column_int64(st, 3);
        e.next_attempt_at = sqlite3_column_int64(st, 4);
        e.updated_at = sqlite3_column_int64(st, 5);
        e.key_id = (uint32_t)sqlite3_column_int64(st, 6);
        e.size = (uint32_t)sqlite3_column_int64(st, 7);
        const char *le = (const char *)sqlite3_column_text(st, 8);
        e.last_error = le ? le : "";
        if (fn(&e, ctx) != 0)
            break;
    }
    sqlite3_finalize(st);
    return r == SQLITE_DONE || r == SQLITE_ROW ? KS_OK : fail_sql(s, r, "listing records");
}

ks_status store_purge(store *s, int64_t retention_s, int64_t now, size_t *count)
{
    if (!s || retention_s < 0)
        return KS_ERR_ARG;
    sqlite3_stmt *st;
    ks_status rc = prepare(s, "DELETE FROM records WHERE state = 2 AND updated_at <= ?", &st);
    if (rc != KS_OK)
        return rc;
    sqlite3_bind_int64(st, 1, now - retention_s);
    if ((rc = step_done(s, st, "purging acknowledged records")) != KS_OK)
        return rc;
    if (count)
        *count = (size_t)sqlite3_changes(s->db);
    return KS_OK;
}

/* Re-seals one row under the current key, inside the caller's transaction. */
static ks_status reseal_row(store *s, const char *id, uint32_t key_id, const void *blob,
                            size_t blen)
{
    const keyfile_key *old = keyfile_find(&s->keys, key_id);
    const keyfile_key *cur = keyfile_current(&s->keys);
    if (!old)
        return fail(s, KS_ERR_NOT_FOUND, "record %s is sealed under key id %u, not in the key file",
                    id, (unsigned)key_id);
    char *pt = NULL;
    size_t n = 0;
    ks_status rc = seal_open(old->key, key_id, id, blob, blen, &pt, &n);
    if (rc != KS_OK)
        return fail(s, rc, "record %s cannot be decrypted (%s)", id,
                    rc == KS_ERR_AUTH ? "AES-GCM tag mismatch" : "malformed");
    uint8_t *fresh = NULL;
    size_t flen = 0;
    rc = seal_record(cur->key, cur->id, id, (const uint8_t *)pt, n, &fresh, &flen);
    OPENSSL_clear_free(pt, n + 1);
    if (rc != KS_OK)
        return fail(s, rc, "cannot encrypt record %s", id);
    sqlite3_stmt *st;
    if ((rc = prepare(s, "UPDATE records SET payload = ?, key_id = ?, csize = ? WHERE id = ?",
                      &st)) != KS_OK) {
        free(fresh);
        return rc;
    }
    sqlite3_bind_blob(st, 1, fresh, (int)flen, free);
    sqlite3_bind_int64(st, 2, cur->id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)flen);
    sqlite3_bind_text(st, 4, id, -1, SQLITE_TRANSIENT);
    return step_done(s, st, "re-encrypting a record");
}

ks_status store_rekey(store *s, size_t *count)
{
    if (!s)
        return KS_ERR_ARG;
    ks_status rc;
    if ((rc = require_keys(s)) != KS_OK)
        return rc;
    uint32_t cur = keyfile_current(&s->keys)->id;
    size_t done = 0;
    /* batches keep each transaction (and the WAL) small on a big queue */
    for (;;) {
        if ((rc = begin(s)) != KS_OK)
            return rc;
        sqlite3_stmt *st;
        if ((rc = prepare(s, "SELECT id, key_id, payload FROM records"
                             " WHERE key_id != 0 AND key_id != ? LIMIT 256", &st)) != KS_OK) {
            rollback(s);
            return rc;
        }
        sqlite3_bind_int64(st, 1, cur);
        /* collect first: rows are updated after the SELECT has finished */
        char (*ids)[STORE_ID_LEN + 1] = calloc(256, sizeof *ids);
        if (!ids) {
            sqlite3_finalize(st);
            rollback(s);
            return fail(s, KS_ERR_NO_MEMORY, "out of memory");
        }
        size_t n = 0;
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW && n < 256) {
            const char *id = (const char *)sqlite3_column_text(st, 0);
            snprintf(ids[n++], STORE_ID_LEN + 1, "%s", id ? id : "");
        }
        sqlite3_finalize(st);
        if (r != SQLITE_DONE && r != SQLITE_ROW) {
            free(ids);
            rollback(s);
            return fail_sql(s, r, "reading records to re-encrypt");
        }
        for (size_t i = 0; i < n && rc == KS_OK; i++) {
            if ((rc = prepare(s, "SELECT key_id, payload FROM records WHERE id = ?", &st)) != KS_OK)
                break;
            sqlite3_bind_text(st, 1, ids[i], -1, SQLITE_STATIC);
            if ((r = sqlite3_step(st)) != SQLITE_ROW) {
                sqlite3_finalize(st);
                rc = fail_sql(s, r == SQLITE_DONE ? SQLITE_ERROR : r, "reading a record");
                break;
            }
            size_t blen = (size_t)sqlite3_column_bytes(st, 1);
            void *blob = malloc(blen ? blen : 1);
            if (!blob) {
                sqlite3_finalize(st);
                rc = fail(s, KS_ERR_NO_MEMORY, "out of memory");
                break;
            }
            if (blen)
                memcpy(blob, sqlite3_column_blob(st, 1), blen);
            uint32_t kid = (uint32_t)sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
            rc = reseal_row(s, ids[i], kid, blob, blen);
            free(blob);
        }
        free(ids);
        if (rc != KS_OK || (rc = commit(s)) != KS_OK) {
            rollback(s);
            return rc;
        }
        done += n;
        if (n < 256)
            break;
    }
    if (count)
        *count = done;
    return KS_OK;
}
