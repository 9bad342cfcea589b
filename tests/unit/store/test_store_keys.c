/*
 * test_store_keys.c — the key file's rules, wrong keys, key rotation and
 * rekey, and that no personal value reaches the disk in clear.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>

#include "keyfile.h"
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

static ks_status try_open(fx *f, char err[STORE_ERR_LEN])
{
    store_close(f->s);
    f->s = NULL;
    store_options o = tu_options(f->db, f->key);
    return store_open(&o, &f->s, err);
}

static void enqueue_sample(fx *f, char id[STORE_ID_LEN + 1])
{
    char json[1024];
    assert_int_equal(store_new_id(1700000000000, id), KS_OK);
    size_t n = tu_sample_record(json, sizeof json, id);
    assert_int_equal(store_enqueue(f->s, json, n, 1, NULL), KS_OK);
}

static void a_missing_key_file_is_a_clear_error(void **state)
{
    fx *f = *state;
    char err[STORE_ERR_LEN];
    assert_int_equal(try_open(f, err), KS_ERR_NOT_FOUND);
    assert_non_null(strstr(err, "does not exist"));
    assert_non_null(strstr(err, f->key));
    /* nothing was created either */
    assert_int_not_equal(access(f->db, F_OK), 0);
}

static void a_key_file_readable_by_others_is_refused(void **state)
{
    fx *f = *state;
    const mode_t modes[] = {0644, 0640, 0604, 0660, 0666};
    char err[STORE_ERR_LEN];
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        tu_write_file(f->key, TU_KEY1, modes[i]);
        assert_int_equal(try_open(f, err), KS_ERR_ACCESS);
        assert_non_null(strstr(err, "must be 0600"));
    }
    assert_int_equal(chmod(f->key, 0600), 0);
    assert_int_equal(try_open(f, err), KS_OK);
}

static void a_malformed_key_file_is_refused_with_its_line(void **state)
{
    fx *f = *state;
    const char *bad[] = {
        "1 0011\n",                        /* short key */
        "0 " "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
        "# only a comment\n",
        TU_KEY1 TU_KEY1,                   /* id twice */
        "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fzz\n",
    };
    char err[STORE_ERR_LEN];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tu_write_file(f->key, bad[i], 0600);
        ks_status rc = try_open(f, err);
        assert_true(rc == KS_ERR_MALFORMED || rc == KS_ERR_NOT_FOUND);
        assert_non_null(strstr(err, "key file"));
        /* the key bytes never appear in the message */
        assert_null(strstr(err, "0102030405"));
    }
}

static void a_wrong_key_cannot_decrypt_and_says_so(void **state)
{
    fx *f = *state;
    char err[STORE_ERR_LEN], id[STORE_ID_LEN + 1];
    tu_write_file(f->key, TU_KEY1, 0600);
    assert_int_equal(try_open(f, err), KS_OK);
    enqueue_sample(f, id);
    tu_write_file(f->key, TU_KEY1_WRONG, 0600);
    assert_int_equal(try_open(f, err), KS_ERR_AUTH);
    assert_non_null(strstr(err, "AES-GCM tag"));

    /* a record whose blob no longer matches its tag is dead-lettered with
     * the reason, and the rest of the queue still flows */
    tu_write_file(f->key, TU_KEY1, 0600);
    assert_int_equal(try_open(f, err), KS_OK);
    char good[STORE_ID_LEN + 1];
    enqueue_sample(f, good);
    store_close(f->s);
    f->s = NULL;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    char sql[300];
    snprintf(sql, sizeof sql,
             "UPDATE records SET payload = CAST(substr(payload, 1, 20) ||"
             " CASE WHEN substr(payload, 21, 1) = X'00' THEN X'01' ELSE X'00' END ||"
             " substr(payload, 22) AS BLOB) WHERE id = '%s'", id);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(try_open(f, err), KS_OK);
    store_batch b;
    assert_int_equal(store_claim(f->s, 10, 1 << 20, 5, &b), KS_OK);
    assert_int_equal(b.count, 1);
    assert_string_equal(b.items[0].id, good);
    store_batch_free(&b);
    store_counts c;
    assert_int_equal(store_status(f->s, 5, &c), KS_OK);
    assert_int_equal(c.dead_letter, 1);
    assert_non_null(strstr(store_last_error(f->s), "AES-GCM tag mismatch"));
}

static void a_key_file_without_the_records_key_is_refused(void **state)
{
    fx *f = *state;
    char err[STORE_ERR_LEN], id[STORE_ID_LEN + 1];
    tu_write_file(f->key, TU_KEY1, 0600);
    assert_int_equal(try_open(f, err), KS_OK);
    enqueue_sample(f, id);
    tu_write_file(f->key, TU_KEY2, 0600);
    assert_int_equal(try_open(f, err), KS_ERR_NOT_FOUND);
    assert_non_null(strstr(err, "key id 1"));
}

typedef struct key_census {
    int key1, key2, total;
} key_census;

static int count_keys(const store_entry *e, void *ctx)
{
    key_census *k = ctx;
    k->total++;
    k->key1 += e->key_id == 1;
    k->key2 += e->key_id == 2;
    return 0;
}

static void rotation_reads_old_records_and_rekey_moves_them_to_the_new_key(void **state)
{
    fx *f = *state;
    char err[STORE_ERR_LEN], ids[20][STORE_ID_LEN + 1];
    tu_write_file(f->key, TU_KEY1, 0600);
    assert_int_equal(try_open(f, err), KS_OK);
    for (int i = 0; i < 10; i++)
        enqueue_sample(f, ids[i]);

    tu_write_file(f->key, TU_KEY1 TU_KEY2, 0600);
    assert_int_equal(try_open(f, err), KS_OK);
    for (int i = 10; i < 20; i++)
        enqueue_sample(f, ids[i]);
    key_census k = {0};
    assert_int_equal(store_list(f->s, -1, 0, count_keys, &k), KS_OK);
    assert_int_equal(k.key1, 10);
    assert_int_equal(k.key2, 10);

    size_t n = 0;
    assert_int_equal(store_rekey(f->s, &n), KS_OK);
    assert_int_equal(n, 10);
    memset(&k, 0, sizeof k);
    assert_int_equal(store_list(f->s, -1, 0, count_keys, &k), KS_OK);
    assert_int_equal(k.key1, 0);
    assert_int_equal(k.key2, 20);

    /* key 1 can now leave the file; every record still opens */
    tu_write_file(f->key, TU_KEY2, 0600);
    assert_int_equal(try_open(f, err), KS_OK);
    store_batch b;
    assert_int_equal(store_claim(f->s, 100, 1 << 20, 5, &b), KS_OK);
    assert_int_equal(b.count, 20);
    for (size_t i = 0; i < b.count; i++)
        assert_non_null(strstr(b.items[i].json, SAMPLE_NAME));
    store_batch_free(&b);
}

static void keyfile_add_key_creates_a_private_file_and_appends(void **state)
{
    fx *f = *state;
    uint32_t id = 0;
    char err[256];
    assert_int_equal(keyfile_add_key(f->key, &id, err, sizeof err), KS_OK);
    assert_int_equal(id, 1);
    struct stat st;
    assert_int_equal(stat(f->key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(keyfile_add_key(f->key, &id, err, sizeof err), KS_OK);
    assert_int_equal(id, 2);
    keyfile kf;
    assert_int_equal(keyfile_load(f->key, &kf, err, sizeof err), KS_OK);
    assert_int_equal(kf.count, 2);
    assert_int_equal(keyfile_current(&kf)->id, 2);
    assert_memory_not_equal(kf.keys[0].key, kf.keys[1].key, 32);
    keyfile_wipe(&kf);
    assert_int_equal(chmod(f->key, 0644), 0);
    assert_int_equal(keyfile_add_key(f->key, &id, err, sizeof err), KS_ERR_ACCESS);
}

/* ---- encryption at rest ------------------------------------------------- */

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    *n = 0;
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)sz + 1);
    *n = fread(buf, 1, (size_t)sz, fp);
    fclose(fp);
    return buf;
}

static bool contains(const uint8_t *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; m && i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return true;
    return false;
}

static void to_hex(const char *s, char *out, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (; *s; s++) {
        *out++ = digits[(uint8_t)*s >> 4];
        *out++ = digits[(uint8_t)*s & 15];
    }
    *out = '\0';
}

/* Returns how many files existed; fails the test on any clear value. */
static int assert_no_clear_values(const char *db)
{
    const char *values[] = {SAMPLE_NAME, SAMPLE_CCCD, SAMPLE_ADDRESS, "Hương", "Lê Lợi"};
    const char *suffix[] = {"", "-wal", "-shm", "-journal"};
    int files = 0;
    for (size_t fi = 0; fi < 4; fi++) {
        char p[300];
        snprintf(p, sizeof p, "%s%s", db, suffix[fi]);
        size_t n;
        uint8_t *raw = slurp(p, &n);
        if (!raw)
            continue;
        files++;
        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
            char hex[512];
            if (contains(raw, n, values[v]))
                fail_msg("%s holds a personal value in clear", p);
            to_hex(values[v], hex, false);
            if (contains(raw, n, hex))
                fail_msg("%s holds a personal value in hex", p);
            to_hex(values[v], hex, true);
            if (contains(raw, n, hex))
                fail_msg("%s holds a personal value in HEX", p);
        }
        free(raw);
    }
    return files;
}

static void personal_values_never_reach_the_disk_in_clear(void **state)
{
    fx *f = *state;
    char err[STORE_ERR_LEN], id[STORE_ID_LEN + 1];
    tu_write_file(f->key, TU_KEY1, 0600);
    assert_int_equal(try_open(f, err), KS_OK);
    for (int i = 0; i < 50; i++)
        enqueue_sample(f, id);
    store_batch b;
    assert_int_equal(store_claim(f->s, 5, 1 << 20, 2, &b), KS_OK);
    assert_int_equal(b.count, 5);
    /* the test's own check must be able to see the value in plaintext */
    assert_true(contains((const uint8_t *)b.items[0].json, b.items[0].json_len, SAMPLE_NAME));
    const char *ids[5];
    for (size_t i = 0; i < 5; i++)
        ids[i] = b.items[i].id;
    assert_int_equal(store_ack(f->s, ids, 5, 3, NULL), KS_OK);
    store_batch_free(&b);
    /* while open: database, WAL and shared memory all exist */
    assert_true(assert_no_clear_values(f->db) >= 3);
    store_close(f->s);
    f->s = NULL;
    assert_true(assert_no_clear_values(f->db) >= 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(a_missing_key_file_is_a_clear_error),
        T(a_key_file_readable_by_others_is_refused),
        T(a_malformed_key_file_is_refused_with_its_line),
        T(a_wrong_key_cannot_decrypt_and_says_so),
        T(a_key_file_without_the_records_key_is_refused),
        T(rotation_reads_old_records_and_rekey_moves_them_to_the_new_key),
        T(keyfile_add_key_creates_a_private_file_and_appends),
        T(personal_values_never_reach_the_disk_in_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
