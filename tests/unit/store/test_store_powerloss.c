/*
 * test_store_powerloss.c — a writer killed at random moments never loses a
 * record it reported as stored, never stores one twice, and never leaves a
 * damaged database.
 *
 * A child enqueues records in a loop (claiming and acknowledging a few now
 * and then, so kills also land in those transactions) and writes each id to
 * a pipe only after store_enqueue() returned KS_OK. The parent SIGKILLs it
 * after a random delay, again and again (at least 200 times). Afterwards every id the parent
 * received must be in the store exactly once and integrity_check must pass.
 * SIGKILL proves the transactions are atomic against a process dying at any
 * instruction; fsync ordering under real power loss is SQLite's own
 * (synchronous=FULL), which this test cannot cut power to check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>

#include "store_test_util.h"

#define KILLS 250
#define MAX_SECONDS 240
#define MAX_IDS 200000

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static _Noreturn void child_loop(const char *db, const char *key, int out_fd)
{
    store_options o = tu_options(db, key);
    store *s = NULL;
    char err[STORE_ERR_LEN];
    /* the previous child may still hold the owner lock for a moment */
    for (int tries = 0; store_open(&o, &s, err) != KS_OK; tries++) {
        if (tries > 2000)
            _exit(3);
        nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 1000000}, NULL);
    }
    for (unsigned i = 0;; i++) {
        char id[STORE_ID_LEN + 1], json[1024], line[STORE_ID_LEN + 2];
        int64_t t = now_ms();
        if (store_new_id(t, id) != KS_OK)
            _exit(4);
        size_t n = tu_sample_record(json, sizeof json, id);
        if (store_enqueue(s, json, n, t / 1000, NULL) != KS_OK)
            _exit(5);
        memcpy(line, id, STORE_ID_LEN);
        line[STORE_ID_LEN] = '\n';
        if (write(out_fd, line, sizeof line - 1) != (ssize_t)(sizeof line - 1))
            _exit(6);
        if (i % 8 == 7) {
            store_batch b;
            if (store_claim(s, 3, 1 << 20, t / 1000 + 1, &b) != KS_OK)
                _exit(7);
            const char *ids[3];
            for (size_t k = 0; k < b.count; k++)
                ids[k] = b.items[k].id;
            if (store_ack(s, ids, b.count, t / 1000, NULL) != KS_OK)
                _exit(8);
            store_batch_free(&b);
        }
    }
}

typedef struct idset {
    char (*ids)[STORE_ID_LEN + 1];
    size_t n;
} idset;

/* Reads whole lines; a kill can never split one (27 bytes < PIPE_BUF). */
static void read_ids(int fd, idset *set, char *carry, size_t *carry_len, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - now_ms();
        if (timeout_ms >= 0 && left <= 0)
            return;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, timeout_ms < 0 ? -1 : (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        char buf[4096];
        ssize_t got = read(fd, buf, sizeof buf);
        if (got <= 0)
            return;
        for (ssize_t i = 0; i < got; i++) {
            if (buf[i] != '\n') {
                assert_true(*carry_len < STORE_ID_LEN);
                carry[(*carry_len)++] = buf[i];
                continue;
            }
            assert_int_equal(*carry_len, STORE_ID_LEN);
            assert_true(set->n < MAX_IDS);
            memcpy(set->ids[set->n], carry, STORE_ID_LEN);
            set->ids[set->n++][STORE_ID_LEN] = '\0';
            *carry_len = 0;
        }
    }
}

static int cmp_ids(const void *a, const void *b)
{
    return strcmp(a, b);
}

typedef struct stored {
    char (*ids)[STORE_ID_LEN + 1];
    size_t n;
} stored;

static int collect(const store_entry *e, void *ctx)
{
    stored *s = ctx;
    if (s->n < MAX_IDS)
        memcpy(s->ids[s->n++], e->id, STORE_ID_LEN + 1);
    return 0;
}

static void every_reported_record_survives_random_kills_exactly_once(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    char db[256], key[256];
    tu_path(db, sizeof db, dir, "queue.db");
    tu_path(key, sizeof key, dir, "store.key");
    tu_write_file(key, TU_KEY1, 0600);
    srand((unsigned)time(NULL));

    idset got = {calloc(MAX_IDS, STORE_ID_LEN + 1), 0};
    int64_t start = now_ms();
    int kills = 0;
    while (kills < KILLS && now_ms() - start < MAX_SECONDS * 1000) {
        int pfd[2];
        assert_int_equal(pipe(pfd), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(pfd[0]);
            child_loop(db, key, pfd[1]);
        }
        close(pfd[1]);
        char carry[STORE_ID_LEN + 1];
        size_t carry_len = 0;
        /* one round in five is killed 0-20 ms after fork (open, migration,
         * recovery); the others after their first stored record, 0-40 ms
         * into the enqueue/claim/ack loop */
        if (kills % 5 == 0) {
            read_ids(pfd[0], &got, carry, &carry_len, rand() % 20);
        } else {
            size_t before = got.n;
            int64_t wait_until = now_ms() + 5000;
            while (got.n == before && now_ms() < wait_until)
                read_ids(pfd[0], &got, carry, &carry_len, 5);
            read_ids(pfd[0], &got, carry, &carry_len, rand() % 40);
        }
        kill(pid, SIGKILL);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        read_ids(pfd[0], &got, carry, &carry_len, -1); /* drain to EOF */
        close(pfd[0]);
        if (!WIFSIGNALED(status))
            fail_msg("writer exited by itself with status %d", WEXITSTATUS(status));
        assert_int_equal(carry_len, 0);
        kills++;
    }
    assert_true(kills >= 200);
    print_message("%d kills, %zu records reported stored\n", kills, got.n);
    assert_true(got.n > 0);

    sqlite3 *raw;
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(raw);

    store_options o = tu_options(db, key);
    store *s = NULL;
    char err[STORE_ERR_LEN];
    assert_int_equal(store_open(&o, &s, err), KS_OK);
    stored all = {calloc(MAX_IDS, STORE_ID_LEN + 1), 0};
    assert_int_equal(store_list(s, -1, 0, collect, &all), KS_OK);
    store_counts c;
    assert_int_equal(store_status(s, now_ms() / 1000, &c), KS_OK);
    assert_int_equal(c.in_flight, 0);
    assert_int_equal(c.pending + c.acknowledged + c.dead_letter, all.n);
    /* each reported id exactly once; at most one unreported per kill */
    qsort(all.ids, all.n, sizeof all.ids[0], cmp_ids);
    for (size_t i = 1; i < all.n; i++)
        assert_string_not_equal(all.ids[i - 1], all.ids[i]);
    for (size_t i = 0; i < got.n; i++)
        if (!bsearch(got.ids[i], all.ids, all.n, sizeof all.ids[0], cmp_ids))
            fail_msg("record %s was reported stored but is gone", got.ids[i]);
    assert_true(all.n >= got.n && all.n - got.n <= (size_t)kills);
    /* and the survivors still decrypt */
    store_batch b;
    assert_int_equal(store_claim(s, 1000, 64 << 20, now_ms() / 1000 + 10, &b), KS_OK);
    assert_int_equal(b.count, c.pending < 1000 ? c.pending : 1000);
    store_batch_free(&b);
    store_close(s);
    free(all.ids);
    free(got.ids);
    tu_rmdir(dir);
    free(dir);
}

typedef struct key_census {
    size_t key1, key2, total;
} key_census;

static int census(const store_entry *e, void *ctx)
{
    key_census *k = ctx;
    k->total++;
    k->key1 += e->key_id == 1;
    k->key2 += e->key_id == 2;
    return 0;
}

/* Rekey commits in batches; a kill between or inside them leaves every
 * record readable under one key or the other, and a later rekey finishes. */
static void a_rekey_killed_midway_loses_nothing_and_can_finish(void **state)
{
    (void)state;
    enum { RECORDS = 1500 };
    char *dir = tu_tmpdir();
    char db[256], key[256];
    tu_path(db, sizeof db, dir, "queue.db");
    tu_path(key, sizeof key, dir, "store.key");
    tu_write_file(key, TU_KEY1, 0600);
    store_options o = tu_options(db, key);
    store *s = NULL;
    char err[STORE_ERR_LEN];
    assert_int_equal(store_open(&o, &s, err), KS_OK);
    for (int i = 0; i < RECORDS; i++) {
        char id[STORE_ID_LEN + 1], json[1024];
        store_new_id(1700000000000 + i, id);
        size_t n = tu_sample_record(json, sizeof json, id);
        assert_int_equal(store_enqueue(s, json, n, 1, NULL), KS_OK);
    }
    store_close(s);
    tu_write_file(key, TU_KEY1 TU_KEY2, 0600);

    /* each round lets the rekey run 2 ms longer before the kill, so kills
     * walk through open, every batch and every commit until one finishes */
    int interrupted = 0;
    bool finished = false;
    for (int round = 0; round < 400 && !finished; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            store *cs = NULL;
            char cerr[STORE_ERR_LEN];
            while (store_open(&o, &cs, cerr) == KS_ERR_ACCESS)
                nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 1000000}, NULL);
            size_t n = 0;
            _exit(cs && store_rekey(cs, &n) == KS_OK ? 0 : 9);
        }
        nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = (long)round * 2000000L}, NULL);
        kill(pid, SIGKILL);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFEXITED(status)) {
            assert_int_equal(WEXITSTATUS(status), 0);
            finished = true;
        } else {
            interrupted++;
        }
    }
    print_message("%d rekeys killed before one finished\n", interrupted);
    assert_true(finished);
    assert_true(interrupted > 0);

    assert_int_equal(store_open(&o, &s, err), KS_OK);
    key_census k = {0};
    assert_int_equal(store_list(s, -1, 0, census, &k), KS_OK);
    assert_int_equal(k.total, RECORDS);
    assert_int_equal(k.key1 + k.key2, RECORDS);
    size_t n = 0;
    assert_int_equal(store_rekey(s, &n), KS_OK);
    assert_int_equal(n, k.key1);
    memset(&k, 0, sizeof k);
    assert_int_equal(store_list(s, -1, 0, census, &k), KS_OK);
    assert_int_equal(k.key2, RECORDS);
    store_batch b;
    assert_int_equal(store_claim(s, RECORDS, 64u << 20, 10, &b), KS_OK);
    assert_int_equal(b.count, RECORDS);
    store_batch_free(&b);
    store_close(s);
    tu_rmdir(dir);
    free(dir);
}

int main(void)
{
    srand((unsigned)time(NULL));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_reported_record_survives_random_kills_exactly_once),
        cmocka_unit_test(a_rekey_killed_midway_loses_nothing_and_can_finish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
