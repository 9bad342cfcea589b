/*
 * test_store_queue.c — the queue's states, crash recovery, caps, corruption
 * and schema migration, on SQLite files on disk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>

#include "seal.h"
#include "store_test_util.h"

typedef struct fx {
    char *dir;
    char db[256], key[256];
    store *s;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->dir = tu_tmpdir();
    tu_path(f->db, sizeof f->db, f->dir, "queue.db");
    tu_path(f->key, sizeof f->key, f->dir, "store.key");
    tu_write_file(f->key, TU_KEY1, 0600);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    store_close(f->s);
    tu_rmdir(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static void open_store(fx *f, unsigned flags)
{
    store_options o = tu_options(f->db, f->key);
    o.flags = flags;
    char err[STORE_ERR_LEN];
    ks_status rc = store_open(&o, &f->s, err);
    if (rc != KS_OK)
        fail_msg("store_open: %s", err);
}

static void reopen(fx *f, unsigned flags)
{
    store_close(f->s);
    f->s = NULL;
    open_store(f, flags);
}

static void enqueue_new(fx *f, int64_t now, char id[STORE_ID_LEN + 1])
{
    char json[1024];
    assert_int_equal(store_new_id(now * 1000, id), KS_OK);
    size_t n = tu_sample_record(json, sizeof json, id);
    char got[STORE_ID_LEN + 1];
    assert_int_equal(store_enqueue(f->s, json, n, now, got), KS_OK);
    assert_string_equal(got, id);
}

static void new_ids_are_26_chars_time_ordered_and_unique(void **state)
{
    (void)state;
    char a[STORE_ID_LEN + 1], b[STORE_ID_LEN + 1], c[STORE_ID_LEN + 1];
    assert_int_equal(store_new_id(1700000000000, a), KS_OK);
    assert_int_equal(store_new_id(1700000000000, b), KS_OK);
    assert_int_equal(store_new_id(1700000000001, c), KS_OK);
    assert_int_equal(strlen(a), 26);
    assert_string_not_equal(a, b);
    assert_memory_equal(a, b, 10); /* same millisecond: same time prefix */
    assert_true(strcmp(c, a) > 0 && strcmp(c, b) > 0);
    assert_int_equal(store_new_id(-1, a), KS_ERR_ARG);
}

static void claimed_record_is_the_enqueued_json_and_ack_wipes_it(void **state)
{
    fx *f = *state;
    open_store(f, 0);
    char id[STORE_ID_LEN + 1], json[1024];
    enqueue_new(f, 1000, id);
    size_t n = tu_sample_record(json, sizeof json, id);

    store_batch b;
    assert_int_equal(store_claim(f->s, 10, 1 << 20, 1000, &b), KS_OK);
    assert_int_equal(b.count, 1);
    assert_string_equal(b.items[0].id, id);
    assert_int_equal(b.items[0].attempts, 1);
    assert_int_equal(b.items[0].json_len, n);
    assert_memory_equal(b.items[0].json, json, n);
    store_batch_free(&b);

    store_counts c;
    assert_int_equal(store_status(f->s, 1000, &c), KS_OK);
    assert_int_equal(c.in_flight, 1);
    assert_int_equal(c.pending, 0);

    const char *ids[] = {id, "NOTANID"};
    size_t acked = 0;
    assert_int_equal(store_ack(f->s, ids, 2, 1001, &acked), KS_OK);
    assert_int_equal(acked, 1);
    assert_int_equal(store_status(f->s, 1001, &c), KS_OK);
    assert_int_equal(c.acknowledged, 1);
    assert_int_equal(c.stored_bytes, 0);

    /* the ciphertext is gone, not just the state */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM records WHERE payload IS NOT NULL", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    sqlite3_close(db);

    /* an acknowledged id enqueued again is not stored twice */
    assert_int_equal(store_enqueue(f->s, json, n, 1002, NULL), KS_OK);
    assert_int_equal(store_status(f->s, 1002, &c), KS_OK);
    assert_int_equal(c.pending, 0);
    assert_int_equal(c.acknowledged, 1);
}

static void duplicate_enqueue_stores_the_record_once(void **state)
{
    fx *f = *state;
    open_store(f, 0);
    char id[STORE_ID_LEN + 1], json[1024];
    enqueue_new(f, 10, id);
    size_t n = tu_sample_record(json, sizeof json, id);
    assert_int_equal(store_enqueue(f->s, json, n, 11, NULL), KS_OK);
    store_counts c;
    assert_int_equal(store_status(f->s, 20, &c), KS_OK);
    assert_int_equal(c.pending, 1);
    assert_int_equal(c.oldest_pending_age_s, 10);
}

static void enqueue_refuses_what_is_not_a_record(void **state)
{
    fx *f = *state;
    open_store(f, 0);
    const char *bad[] = {
        "", "[]", "{\"record_id\":\"short\"}", "{\"record_id\":12}",
        "{\"no_id\":true}", "{\"record_id\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\"} trailing",
        "{\"record_id\":\"81ARZ3NDEKTSV4RRFFQ69G5FAV\"}", /* first digit > 7 overflows */
        "{\"record_id\":\"01ARZ3NDEKTSV4RRFFQ69G5FAU\"}", /* U is not Crockford */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(store_enqueue(f->s, bad[i], strlen(bad[i]), 1, NULL), KS_ERR_MALFORMED);
        assert_non_null(strstr(store_last_error(f->s), "record"));
    }
    const char nul[] = "{\"record_id\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\"}\0x";
    assert_int_equal(store_enqueue(f->s, nul, sizeof nul - 1, 1, NULL), KS_ERR_MALFORMED);
    const char ok[] = "{\"record_id\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\"}";
    assert_int_equal(store_enqueue(f->s, ok, strlen(ok), 1, NULL), KS_OK);
}

static void retry_waits_until_due_and_batches_respect_limits(void **state)
{
    fx *f = *state;
    open_store(f, 0);
    char ids[5][STORE_ID_LEN + 1];
    for (int i = 0; i < 5; i++)
        enqueue_new(f, 100 + i, ids[i]);
    store_batch b;
    /* max_bytes smaller than one record still yields one record */
    assert_int_equal(store_claim(f->s, 10, 1, 200, &b), KS_OK);
    assert_int_equal(b.count, 1);
    assert_string_equal(b.items[0].id, ids[0]);
    store_batch_free(&b);
    assert_int_equal(store_retry(f->s, ids[0], 500, "HTTP 503", 200), KS_OK);
    assert_int_equal(store_retry(f->s, ids[0], 500, "again", 200), KS_ERR_NOT_FOUND);

    assert_int_equal(store_claim(f->s, 2, 1 << 20, 200, &b), KS_OK);
    assert_int_equal(b.count, 2);
    assert_string_equal(b.items[0].id, ids[1]);
    assert_string_equal(b.items[1].id, ids[2]);
    store_batch_free(&b);
    assert_int_equal(store_claim(f->s, 10, 1 << 20, 200, &b), KS_OK);
    assert_int_equal(b.count, 2); /* ids[0] is not due before 500 */
    store_batch_free(&b);
    assert_int_equal(store_claim(f->s, 10, 1 << 20, 499, &b), KS_OK);
    assert_int_equal(b.count, 0);
    store_batch_free(&b);
    assert_int_equal(store_claim(f->s, 10, 1 << 20, 500, &b), KS_OK);
    assert_int_equal(b.count, 1);
    assert_string_equal(b.items[0].id, ids[0]);
    assert_int_equal(b.items[0].attempts, 2);
    store_batch_free(&b);
}

typedef struct seen {
    int n;
    char last_error[64];
    store_state state;
} seen;

static int collect(const store_entry *e, void *ctx)
{
    seen *s = ctx;
    s->n++;
    s->state = e->state;
    snprintf(s->last_error, sizeof s->last_error, "%s", e->last_error);
    return 0;
}

static void dead_letters_keep_their_reason_and_requeue_to_pending(void **state)
{
    fx *f = *state;
    open_store(f, 0);
    char a[STORE_ID_LEN + 1], b2[STORE_ID_LEN + 1];
    enqueue_new(f, 1, a);
    enqueue_new(f, 2, b2);
    store_batch b;
    assert_int_equal(store_claim(f->s, 1, 1 << 20, 5, &b), KS_OK);
    store_batch_free(&b);
    assert_int_equal(store_dead_letter(f->s, a, "HTTP 422 schema rejected", 6), KS_OK);
    assert_int_equal(store_dead_letter(f->s, b2, "operator", 6), KS_OK);
    seen s = {0};
    assert_int_equal(store_list(f->s, STORE_DEAD_LETTER, 1, collect, &s), KS_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.last_error, "HTTP 422 schema rejected");
    size_t n = 0;
    assert_int_equal(store_requeue(f->s, NULL, 7, &n), KS_OK);
    assert_int_equal(n, 2);
    store_counts c;
    assert_int_equal(store_status(f->s, 7, &c), KS_OK);
    assert_int_equal(c.pending, 2);
    assert_int_equal(c.dead_letter, 0);
    assert_int_equal(store_requeue(f->s, a, 7, &n), KS_ERR_NOT_FOUND);
}

static void in_flight_records_return_to_pending_at_next_open(void **state)
{
    fx *f = *state;
    open_store(f, 0);
    char id[STORE_ID_LEN + 1];
    enqueue_new(f, 1, id);
    store_batch b;
    assert_int_equal(store_claim(f->s, 10, 1 << 20, 2, &b), KS_OK);
    assert_int_equal(b.count, 1);
    store_batch_free(&b);
    /* the process dies here: no ack, no retry */
    reopen(f, 0);
    store_counts c;
    assert_int_equal(store_status(f->s, 3, &c), KS_OK);
    assert_int_equal(c.in_flight, 0);
    assert_int_equal(c.pending, 1);
    assert_int_equal(store_claim(f->s, 10, 1 << 20, 3, &b), KS_OK);
    assert_int_equal(b.count, 1);
    assert_string_equal(b.items[0].id, id);
    assert_int_equal(b.items[0].attempts, 2);
    store_batch_free(&b);
}

static void a_second_owner_is_refused_and_shared_opens_do_not_recover(void **state)
{
    fx *f = *state;
    open_store(f, 0);
    char id[STORE_ID_LEN + 1];
    enqueue_new(f, 1, id);
    store_batch b;
    assert_int_equal(store_claim(f->s, 10, 1 << 20, 2, &b), KS_OK);
    store_batch_free(&b);

    store_options o = tu_options(f->db, f->key);
    store *other = NULL;
    char err[STORE_ERR_LEN];
    assert_int_equal(store_open(&o, &other, err), KS_ERR_ACCESS);
    assert_non_null(strstr(err, "another process owns"));

    o.flags = STORE_OPEN_SHARED | STORE_OPEN_NO_KEY;
    assert_int_equal(store_open(&o, &other, err), KS_OK);
    store_counts c;
    assert_int_equal(store_status(other, 3, &c), KS_OK);
    assert_int_equal(c.in_flight, 1); /* the owner's claim is left alone */
    assert_int_equal(store_claim(other, 1, 1, 3, &b), KS_ERR_ACCESS);
    assert_int_equal(store_enqueue(other, "{}", 2, 3, NULL), KS_ERR_ACCESS);
    store_close(other);
}

static void a_full_queue_refuses_clearly_and_loses_nothing(void **state)
{
    fx *f = *state;
    store_options o = tu_options(f->db, f->key);
    o.max_records = 3;
    char err[STORE_ERR_LEN];
    assert_int_equal(store_open(&o, &f->s, err), KS_OK);
    char ids[3][STORE_ID_LEN + 1];
    for (int i = 0; i < 3; i++)
        enqueue_new(f, 1, ids[i]);
    char id[STORE_ID_LEN + 1], json[1024];
    store_new_id(5000, id);
    size_t n = tu_sample_record(json, sizeof json, id);
    assert_int_equal(store_enqueue(f->s, json, n, 2, NULL), KS_ERR_TOO_LARGE);
    assert_non_null(strstr(store_last_error(f->s), "queue is full"));
    /* acknowledging makes room */
    store_batch b;
    assert_int_equal(store_claim(f->s, 1, 1 << 20, 3, &b), KS_OK);
    const char *acked[] = {b.items[0].id};
    assert_int_equal(store_ack(f->s, acked, 1, 3, NULL), KS_OK);
    store_batch_free(&b);
    assert_int_equal(store_enqueue(f->s, json, n, 4, NULL), KS_OK);
    store_close(f->s);
    f->s = NULL;

    /* a byte cap below one more record */
    o.max_records = 0;
    o.max_bytes = 3 * (n + SEAL_OVERHEAD) + 10;
    assert_int_equal(store_open(&o, &f->s, err), KS_OK);
    store_new_id(6000, id);
    n = tu_sample_record(json, sizeof json, id);
    assert_int_equal(store_enqueue(f->s, json, n, 5, NULL), KS_ERR_TOO_LARGE);
    assert_non_null(strstr(store_last_error(f->s), "bytes used"));
    store_counts c;
    assert_int_equal(store_status(f->s, 5, &c), KS_OK);
    assert_int_equal(c.pending, 3);
    assert_int_equal(c.acknowledged, 1);
}

static void flip_bytes(const char *path, long offset, size_t n)
{
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    char *junk = malloc(n);
    for (size_t i = 0; i < n; i++)
        junk[i] = (char)(0x5a ^ (i * 7));
    assert_int_equal(pwrite(fd, junk, n, offset), (ssize_t)n);
    free(junk);
    close(fd);
}

static void a_corrupted_database_is_reported_not_crashed_on(void **state)
{
    fx *f = *state;
    open_store(f, 0);
    char id[STORE_ID_LEN + 1];
    for (int i = 0; i < 300; i++)
        enqueue_new(f, i, id);
    store_close(f->s);
    f->s = NULL;
    struct stat st;
    assert_int_equal(stat(f->db, &st), 0);
    assert_true(st.st_size > 16 * 4096);
    long mid = (long)(st.st_size / 2) & ~4095L;
    flip_bytes(f->db, mid, 3 * 4096);

    store_options o = tu_options(f->db, f->key);
    char err[STORE_ERR_LEN];
    assert_int_equal(store_open(&o, &f->s, err), KS_ERR_MALFORMED);
    assert_null(f->s);
    assert_non_null(strstr(err, "corrupted"));
}

static void a_truncated_database_is_reported_not_crashed_on(void **state)
{
    fx *f = *state;
    open_store(f, 0);
    char id[STORE_ID_LEN + 1];
    for (int i = 0; i < 300; i++)
        enqueue_new(f, i, id);
    store_close(f->s);
    f->s = NULL;
    struct stat st;
    assert_int_equal(stat(f->db, &st), 0);
    assert_int_equal(truncate(f->db, (st.st_size / 2) & ~4095L), 0);
    store_options o = tu_options(f->db, f->key);
    char err[STORE_ERR_LEN];
    assert_int_equal(store_open(&o, &f->s, err), KS_ERR_MALFORMED);
    assert_non_null(strstr(err, "corrupted"));
}

static void a_file_that_is_not_a_database_is_reported(void **state)
{
    fx *f = *state;
    char junk[8192];
    memset(junk, 'J', sizeof junk);
    junk[sizeof junk - 1] = '\0';
    tu_write_file(f->db, junk, 0600);
    store_options o = tu_options(f->db, f->key);
    char err[STORE_ERR_LEN];
    assert_int_equal(store_open(&o, &f->s, err), KS_ERR_MALFORMED);
    assert_non_null(strstr(err, "corrupted"));
}

static void a_version_0_database_is_migrated_and_keeps_its_records(void **state)
{
    fx *f = *state;
    /* the first release's layout, user_version never set */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
        "CREATE TABLE records (id TEXT PRIMARY KEY NOT NULL, state INTEGER NOT NULL DEFAULT 0,"
        " attempts INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
        " key_id INTEGER NOT NULL DEFAULT 0, payload BLOB) WITHOUT ROWID;",
        NULL, NULL, NULL), SQLITE_OK);
    static const uint8_t key1[32] = {0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,
                                     21,22,23,24,25,26,27,28,29,30,31};
    char id[STORE_ID_LEN + 1], json[1024];
    store_new_id(1234, id);
    size_t n = tu_sample_record(json, sizeof json, id);
    uint8_t *blob;
    size_t blen;
    assert_int_equal(seal_record(key1, 1, id, (const uint8_t *)json, n, &blob, &blen), KS_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO records VALUES (?, 1, 3, 77, 1, ?)", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, blob, (int)blen, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    free(blob);
    sqlite3_close(db);

    open_store(f, 0);
    store_counts c;
    assert_int_equal(store_status(f->s, 100, &c), KS_OK);
    assert_int_equal(c.pending, 1); /* was in flight: recovered */
    assert_int_equal(c.oldest_pending_age_s, 23);
    assert_int_equal(c.stored_bytes, blen);
    store_batch b;
    assert_int_equal(store_claim(f->s, 5, 1 << 20, 100, &b), KS_OK);
    assert_int_equal(b.count, 1);
    assert_int_equal(b.items[0].attempts, 4);
    assert_memory_equal(b.items[0].json, json, n);
    store_batch_free(&b);
    store_close(f->s);
    f->s = NULL;

    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 3);
    sqlite3_finalize(st);
    /* a database from a newer program is refused, not damaged */
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    store_options o = tu_options(f->db, f->key);
    char err[STORE_ERR_LEN];
    assert_int_equal(store_open(&o, &f->s, err), KS_ERR_UNSUPPORTED);
    assert_non_null(strstr(err, "newer"));
}

static void purge_removes_acknowledged_rows_after_retention(void **state)
{
    fx *f = *state;
    open_store(f, 0);
    char a[STORE_ID_LEN + 1], b2[STORE_ID_LEN + 1];
    enqueue_new(f, 1, a);
    enqueue_new(f, 1, b2);
    const char *ids[] = {a};
    assert_int_equal(store_ack(f->s, ids, 1, 100, NULL), KS_OK);
    size_t n = 9;
    assert_int_equal(store_purge(f->s, 50, 149, &n), KS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_purge(f->s, 50, 150, &n), KS_OK);
    assert_int_equal(n, 1);
    store_counts c;
    assert_int_equal(store_status(f->s, 150, &c), KS_OK);
    assert_int_equal(c.acknowledged, 0);
    assert_int_equal(c.pending, 1);
}

static void database_files_are_private(void **state)
{
    fx *f = *state;
    open_store(f, 0);
    char id[STORE_ID_LEN + 1];
    enqueue_new(f, 1, id);
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s%s", f->db, suffix[i]);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 0077, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_ids_are_26_chars_time_ordered_and_unique),
        cmocka_unit_test_setup_teardown(claimed_record_is_the_enqueued_json_and_ack_wipes_it, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicate_enqueue_stores_the_record_once, setup, teardown),
        cmocka_unit_test_setup_teardown(enqueue_refuses_what_is_not_a_record, setup, teardown),
        cmocka_unit_test_setup_teardown(retry_waits_until_due_and_batches_respect_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(dead_letters_keep_their_reason_and_requeue_to_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(in_flight_records_return_to_pending_at_next_open, setup, teardown),
        cmocka_unit_test_setup_teardown(a_second_owner_is_refused_and_shared_opens_do_not_recover, setup, teardown),
        cmocka_unit_test_setup_teardown(a_full_queue_refuses_clearly_and_loses_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(a_corrupted_database_is_reported_not_crashed_on, setup, teardown),
        cmocka_unit_test_setup_teardown(a_truncated_database_is_reported_not_crashed_on, setup, teardown),
        cmocka_unit_test_setup_teardown(a_file_that_is_not_a_database_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(a_version_0_database_is_migrated_and_keeps_its_records, setup, teardown),
        cmocka_unit_test_setup_teardown(purge_removes_acknowledged_rows_after_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(database_files_are_private, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
