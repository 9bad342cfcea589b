/*
 * test_upload.c — the uploader's policy (status classes, backoff, Retry-After,
 * URL rule, per-record results) and one end-to-end step against a real queue
 * on disk with nobody listening.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "upload.h"

static void status_classes_follow_the_contract(void **state)
{
    (void)state;
    assert_int_equal(ks_upload_classify(200), KS_UPLOAD_PER_RECORD);
    assert_int_equal(ks_upload_classify(207), KS_UPLOAD_PER_RECORD);
    assert_int_equal(ks_upload_classify(400), KS_UPLOAD_REJECT_ALL);
    assert_int_equal(ks_upload_classify(413), KS_UPLOAD_REJECT_ALL);
    assert_int_equal(ks_upload_classify(422), KS_UPLOAD_REJECT_ALL);
    assert_int_equal(ks_upload_classify(408), KS_UPLOAD_RETRY_ALL);
    assert_int_equal(ks_upload_classify(429), KS_UPLOAD_RETRY_ALL);
    assert_int_equal(ks_upload_classify(401), KS_UPLOAD_RETRY_ALL);
    assert_int_equal(ks_upload_classify(403), KS_UPLOAD_RETRY_ALL);
    assert_int_equal(ks_upload_classify(500), KS_UPLOAD_RETRY_ALL);
    assert_int_equal(ks_upload_classify(503), KS_UPLOAD_RETRY_ALL);
    assert_int_equal(ks_upload_classify(302), KS_UPLOAD_RETRY_ALL);
}

static void backoff_is_full_jitter_under_a_doubling_ceiling(void **state)
{
    (void)state;
    /* The largest draw reaches the ceiling, the smallest is zero. */
    assert_int_equal(ks_upload_backoff_ms(1, 1000, 600000, 1000), 1000);
    assert_int_equal(ks_upload_backoff_ms(1, 1000, 600000, 1001), 0);
    assert_int_equal(ks_upload_backoff_ms(2, 1000, 600000, 2000), 2000);
    assert_int_equal(ks_upload_backoff_ms(4, 1000, 600000, 8000), 8000);
    /* The cap holds however many attempts, without overflow. */
    assert_int_equal(ks_upload_backoff_ms(4000000000u, 1000, 600000, 600000), 600000);
    for (uint64_t r = 0; r < 100000; r += 7919) {
        int64_t d = ks_upload_backoff_ms(30, 1000, 600000, r * 0x9E3779B97F4A7C15ULL);
        assert_true(d >= 0 && d <= 600000);
    }
}

static void retry_after_accepts_seconds_and_http_dates(void **state)
{
    (void)state;
    int64_t d = -1;
    assert_int_equal(ks_upload_parse_retry_after("120", 1000, &d), KS_OK);
    assert_int_equal(d, 120);
    assert_int_equal(ks_upload_parse_retry_after(" 7\r\n", 1000, &d), KS_OK);
    assert_int_equal(d, 7);
    assert_int_equal(ks_upload_parse_retry_after("99999999999999999999", 0, &d), KS_OK);
    assert_int_equal(d, 86400);
    /* Sun, 06 Nov 1994 08:49:37 GMT = 784111777 */
    assert_int_equal(ks_upload_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 30, &d), KS_OK);
    assert_int_equal(d, 30);
    assert_int_equal(ks_upload_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 30, &d), KS_OK);
    assert_int_equal(d, 0);
    assert_int_equal(ks_upload_parse_retry_after("soon", 0, &d), KS_ERR_MALFORMED);
    assert_int_equal(ks_upload_parse_retry_after("12abc", 0, &d), KS_ERR_MALFORMED);
}

static void plain_http_is_only_allowed_to_loopback(void **state)
{
    (void)state;
    char err[KS_UPLOAD_ERR_LEN];
    assert_int_equal(ks_upload_check_url("https://records.example.vn/api", err), KS_OK);
    assert_int_equal(ks_upload_check_url("http://127.0.0.1:8080", err), KS_OK);
    assert_int_equal(ks_upload_check_url("http://127.9.8.7", err), KS_OK);
    assert_int_equal(ks_upload_check_url("http://[::1]:9000/", err), KS_OK);
    assert_int_equal(ks_upload_check_url("http://10.0.0.1", err), KS_ERR_UNSUPPORTED);
    assert_non_null(strstr(err, "loopback"));
    assert_int_equal(ks_upload_check_url("http://localhost:8080", err), KS_ERR_UNSUPPORTED);
    assert_int_equal(ks_upload_check_url("http://128.0.0.1", err), KS_ERR_UNSUPPORTED);
    assert_int_equal(ks_upload_check_url("ftp://127.0.0.1", err), KS_ERR_UNSUPPORTED);
    assert_int_equal(ks_upload_check_url("", err), KS_ERR_ARG);
    assert_int_not_equal(ks_upload_check_url("not a url", err), KS_OK);
}

static void results_map_to_verdicts_per_record(void **state)
{
    (void)state;
    const char *ids[] = { "A", "B", "C", "D", "E" };
    ks_upload_verdict v[5];
    char why[5][KS_UPLOAD_REASON_LEN];
    const char body[] =
        "{\"results\":[{\"idempotency_key\":\"B\",\"status\":\"duplicate\"},"
        "{\"idempotency_key\":\"A\",\"status\":\"stored\"},"
        "{\"idempotency_key\":\"C\",\"status\":\"rejected\",\"reason\":\"bad\\nfield\"},"
        "{\"idempotency_key\":\"D\",\"status\":\"retry\",\"reason\":\"busy\"},"
        "{\"idempotency_key\":\"Z\",\"status\":\"stored\"}]}";
    assert_int_equal(ks_upload_parse_results(body, strlen(body), ids, 5, v, why), KS_OK);
    assert_int_equal(v[0], KS_UPLOAD_ACK);
    assert_int_equal(v[1], KS_UPLOAD_ACK_DUPLICATE);
    assert_int_equal(v[2], KS_UPLOAD_DEAD);
    assert_string_equal(why[2], "rejected by receiver: bad?field");
    assert_int_equal(v[3], KS_UPLOAD_RETRY);
    assert_non_null(strstr(why[3], "busy"));
    assert_int_equal(v[4], KS_UPLOAD_RETRY); /* no result for E: never assume */
}

static void unreadable_results_retry_everything(void **state)
{
    (void)state;
    const char *ids[] = { "A", "B" };
    ks_upload_verdict v[2];
    char why[2][KS_UPLOAD_REASON_LEN];
    const char *bodies[] = { "", "[]", "{\"results\":{}}", "{\"results\":[", "null" };
    for (size_t k = 0; k < sizeof bodies / sizeof bodies[0]; k++) {
        assert_int_equal(ks_upload_parse_results(bodies[k], strlen(bodies[k]), ids, 2, v, why),
                         KS_ERR_MALFORMED);
        assert_int_equal(v[0], KS_UPLOAD_RETRY);
        assert_int_equal(v[1], KS_UPLOAD_RETRY);
    }
}

static void config_is_checked_before_use(void **state)
{
    (void)state;
    ks_upload *u = NULL;
    char err[KS_UPLOAD_ERR_LEN];
    ks_upload_config c = { .url = "http://192.168.1.10", .kiosk_id = "k1" };
    assert_int_equal(ks_upload_new(&c, &u, err), KS_ERR_UNSUPPORTED);
    c.url = "https://x.example";
    c.kiosk_id = "bad id";
    assert_int_equal(ks_upload_new(&c, &u, err), KS_ERR_ARG);
    c.kiosk_id = "k1";
    c.client_cert = "/tmp/cert.pem";
    assert_int_equal(ks_upload_new(&c, &u, err), KS_ERR_ARG);
    c.client_cert = NULL;
    c.pin = "md5//abc";
    assert_int_equal(ks_upload_new(&c, &u, err), KS_ERR_ARG);
    c.pin = NULL;
    assert_int_equal(ks_upload_new(&c, &u, err), KS_OK);
    ks_upload_free(u);
}

/* A loopback port with nobody listening: bind, read the port, close. */
static unsigned free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    return ntohs(a.sin_port);
}

typedef struct seen {
    int count;
    int64_t min_next;
    int all_pending;
    int error_mentions_unreachable;
} seen;

static int check_entry(const store_entry *e, void *ctx)
{
    seen *s = ctx;
    s->count++;
    if (e->state != STORE_PENDING)
        s->all_pending = 0;
    if (s->min_next == 0 || e->next_attempt_at < s->min_next)
        s->min_next = e->next_attempt_at;
    if (strstr(e->last_error, "unreachable"))
        s->error_mentions_unreachable++;
    return 0;
}

static void receiver_down_leaves_records_pending_for_later(void **state)
{
    (void)state;
    char dir[] = "/tmp/ks-upload-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char db[128], key[128], url[64];
    snprintf(db, sizeof db, "%s/queue.db", dir);
    snprintf(key, sizeof key, "%s/queue.key", dir);
    int fd = open(key, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    const char line[] = "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
    assert_int_equal(write(fd, line, sizeof line - 1), (ssize_t)(sizeof line - 1));
    close(fd);
    store_options so = { .db_path = db, .key_file = key };
    store *q = NULL;
    char serr[STORE_ERR_LEN];
    assert_int_equal(store_open(&so, &q, serr), KS_OK);
    int64_t now = (int64_t)time(NULL);
    for (int i = 0; i < 3; i++) {
        char id[STORE_ID_LEN + 1], json[128];
        assert_int_equal(store_new_id(now * 1000 + i, id), KS_OK);
        int n = snprintf(json, sizeof json, "{\"record_id\":\"%s\",\"seq\":%d}", id, i);
        assert_int_equal(store_enqueue(q, json, (size_t)n, now, NULL), KS_OK);
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%u", free_port());
    ks_upload_config c = { .url = url, .kiosk_id = "k1", .backoff_base_ms = 5000,
                           .backoff_cap_ms = 5000, .timeout_ms = 2000 };
    ks_upload *u = NULL;
    char err[KS_UPLOAD_ERR_LEN];
    assert_int_equal(ks_upload_new(&c, &u, err), KS_OK);
    ks_upload_report rep;
    assert_int_equal(ks_upload_step(u, q, now, &rep), KS_OK);
    assert_int_equal(rep.claimed, 3);
    assert_int_equal(rep.retried, 3);
    assert_int_equal(rep.acknowledged, 0);
    assert_int_equal(rep.http_status, 0);
    assert_non_null(strstr(rep.error, "unreachable"));
    /* Nothing else is due now. */
    assert_int_equal(ks_upload_step(u, q, now, &rep), KS_OK);
    assert_int_equal(rep.claimed, 0);
    seen s = { .all_pending = 1 };
    assert_int_equal(store_list(q, -1, 0, check_entry, &s), KS_OK);
    assert_int_equal(s.count, 3);
    assert_true(s.all_pending);
    assert_int_equal(s.error_mentions_unreachable, 3);
    assert_true(s.min_next > now && s.min_next <= now + 5);
    ks_upload_free(u);
    store_close(q);
    unlink(db);
    char side[160];
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);
    unlink(key);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_classes_follow_the_contract),
        cmocka_unit_test(backoff_is_full_jitter_under_a_doubling_ceiling),
        cmocka_unit_test(retry_after_accepts_seconds_and_http_dates),
        cmocka_unit_test(plain_http_is_only_allowed_to_loopback),
        cmocka_unit_test(results_map_to_verdicts_per_record),
        cmocka_unit_test(unreadable_results_retry_everything),
        cmocka_unit_test(config_is_checked_before_use),
        cmocka_unit_test(receiver_down_leaves_records_pending_for_later),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
