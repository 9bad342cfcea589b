/* receiver_db.c — SQLite persistence for the reference receiver (see .h). */
#include "receiver_db.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

struct rcv_db {
    sqlite3 *h;
};

static const char SCHEMA[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS records ("
    "  idempotency_key TEXT NOT NULL,"
    "  kiosk_id TEXT NOT NULL,"
    "  record TEXT NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  deliveries INTEGER NOT NULL DEFAULT 1,"
    "  UNIQUE (idempotency_key));"
    "CREATE TABLE IF NOT EXISTS counters ("
    "  name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO counters VALUES ('received_requests', 0), ('duplicates_received', 0);";

static ks_status exec(sqlite3 *h, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "kiosk-receiver: database: %s\n", msg ? msg : "error");
        sqlite3_free(msg);
        return KS_ERR_IO;
    }
    return KS_OK;
}

ks_status rcv_db_open(const char *path, rcv_db **out)
{
    if (!path || !out)
        return KS_ERR_ARG;
    rcv_db *db = calloc(1, sizeof *db);
    if (!db)
        return KS_ERR_NO_MEMORY;
    if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        fprintf(stderr, "kiosk-receiver: cannot open database %s: %s\n", path,
                db->h ? sqlite3_errmsg(db->h) : "out of memory");
        rcv_db_close(db);
        return KS_ERR_IO;
    }
    sqlite3_busy_timeout(db->h, 5000);
    if (exec(db->h, SCHEMA) != KS_OK) {
        rcv_db_close(db);
        return KS_ERR_IO;
    }
    *out = db;
    return KS_OK;
}

void rcv_db_close(rcv_db *db)
{
    if (!db)
        return;
    sqlite3_close(db->h);
    free(db);
}

ks_status rcv_db_note_request(rcv_db *db)
{
    return exec(db->h, "UPDATE counters SET value = value + 1 WHERE name = 'received_requests'");
}

ks_status rcv_db_store(rcv_db *db, const rcv_batch *b, int64_t now, rcv_outcome *outcome)
{
    if (!db || !b || !outcome)
        return KS_ERR_ARG;
    sqlite3_stmt *ins = NULL, *again = NULL;
    if (exec(db->h, "BEGIN IMMEDIATE") != KS_OK)
        return KS_ERR_IO;
    ks_status st = KS_ERR_IO;
    if (sqlite3_prepare_v2(db->h,
            "INSERT INTO records (idempotency_key, kiosk_id, record, received_at) VALUES (?,?,?,?) "
            "ON CONFLICT (idempotency_key) DO NOTHING", -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db->h,
            "UPDATE records SET deliveries = deliveries + 1 WHERE idempotency_key = ?",
            -1, &again, NULL) != SQLITE_OK)
        goto done;
    int64_t dups = 0;
    for (size_t i = 0; i < b->count; i++) {
        if (outcome[i] != RCV_STORED)
            continue;
        const rcv_entry *e = &b->entries[i];
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, e->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, b->kiosk_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, e->record_json, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 4, now);
        if (sqlite3_step(ins) != SQLITE_DONE)
            goto done;
        if (sqlite3_changes(db->h) == 0) {
            outcome[i] = RCV_DUPLICATE;
            dups++;
            sqlite3_reset(again);
            sqlite3_bind_text(again, 1, e->key, -1, SQLITE_STATIC);
            if (sqlite3_step(again) != SQLITE_DONE)
                goto done;
        }
    }
    if (dups) {
        char sql[128];
        snprintf(sql, sizeof sql,
                 "UPDATE counters SET value = value + %lld WHERE name = 'duplicates_received'",
                 (long long)dups);
        if (exec(db->h, sql) != KS_OK)
            goto done;
    }
    st = exec(db->h, "COMMIT");
done:
    sqlite3_finalize(ins);
    sqlite3_finalize(again);
    if (st != KS_OK) {
        fprintf(stderr, "kiosk-receiver: store failed: %s\n", sqlite3_errmsg(db->h));
        exec(db->h, "ROLLBACK");
    }
    return st;
}

static int64_t scalar(sqlite3 *h, const char *sql, int *ok)
{
    sqlite3_stmt *s = NULL;
    int64_t v = 0;
    if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    else
        *ok = 0;
    sqlite3_finalize(s);
    return v;
}

ks_status rcv_db_counts(rcv_db *db, rcv_counts *out)
{
    if (!db || !out)
        return KS_ERR_ARG;
    int ok = 1;
    out->unique = scalar(db->h, "SELECT COUNT(DISTINCT idempotency_key) FROM records", &ok);
    out->duplicates_stored =
        scalar(db->h, "SELECT COUNT(*) - COUNT(DISTINCT idempotency_key) FROM records", &ok);
    out->received_requests =
        scalar(db->h, "SELECT value FROM counters WHERE name = 'received_requests'", &ok);
    out->duplicates_received =
        scalar(db->h, "SELECT value FROM counters WHERE name = 'duplicates_received'", &ok);
    return ok ? KS_OK : KS_ERR_IO;
}
