#include "metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds of the latency buckets, seconds (a chip read is ~0.1-2 s,
 * a liveness challenge 3-20 s, consent up to a minute). */
static const double BUCKETS[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
#define N_BUCKETS (sizeof BUCKETS / sizeof BUCKETS[0])

static const char *const STAGE_NAMES[METRICS_STAGE_COUNT] = {
    "read", "face", "liveness", "match", "consent", "store",
};
static const char *const READ_NAMES[METRICS_READ_COUNT] = {
    "ok", "access_denied", "card_removed", "error",
};
static const char *const VERDICTS[] = {"genuine", "not_genuine", "inconclusive"};

static struct {
    pthread_mutex_t lock;
    uint64_t sessions[SESS_ERR_COUNT];
    uint64_t reads[METRICS_READ_COUNT];
    uint64_t verdicts[3];
    uint64_t stage_buckets[METRICS_STAGE_COUNT][N_BUCKETS];
    uint64_t stage_count[METRICS_STAGE_COUNT];
    double stage_sum[METRICS_STAGE_COUNT];
} M = {.lock = PTHREAD_MUTEX_INITIALIZER};

void metrics_init(void)
{
    pthread_mutex_lock(&M.lock);
    memset(M.sessions, 0, sizeof M.sessions);
    memset(M.reads, 0, sizeof M.reads);
    memset(M.verdicts, 0, sizeof M.verdicts);
    memset(M.stage_buckets, 0, sizeof M.stage_buckets);
    memset(M.stage_count, 0, sizeof M.stage_count);
    memset(M.stage_sum, 0, sizeof M.stage_sum);
    pthread_mutex_unlock(&M.lock);
}

void metrics_count_session(sess_error outcome)
{
    if ((unsigned)outcome >= SESS_ERR_COUNT)
        outcome = SESS_ERR_INTERNAL;
    pthread_mutex_lock(&M.lock);
    M.sessions[outcome]++;
    pthread_mutex_unlock(&M.lock);
}

void metrics_count_read(metrics_read r)
{
    if ((unsigned)r >= METRICS_READ_COUNT)
        r = METRICS_READ_ERROR;
    pthread_mutex_lock(&M.lock);
    M.reads[r]++;
    pthread_mutex_unlock(&M.lock);
}

void metrics_count_verdict(const char *verdict)
{
    for (size_t i = 0; i < 3; i++) {
        if (verdict && strcmp(verdict, VERDICTS[i]) == 0) {
            pthread_mutex_lock(&M.lock);
            M.verdicts[i]++;
            pthread_mutex_unlock(&M.lock);
        }
    }
}

void metrics_observe(metrics_stage s, double seconds)
{
    if ((unsigned)s >= METRICS_STAGE_COUNT || !(seconds >= 0))
        return;
    pthread_mutex_lock(&M.lock);
    for (size_t b = 0; b < N_BUCKETS; b++)
        if (seconds <= BUCKETS[b])
            M.stage_buckets[s][b]++;
    M.stage_count[s]++;
    M.stage_sum[s] += seconds;
    pthread_mutex_unlock(&M.lock);
}

/* A growing text buffer; on allocation failure it stays truncated. */
typedef struct text {
    char *p;
    size_t len, cap;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if (t->p && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
        char *p = realloc(t->p, cap);
        if (!p)
            return;
        t->p = p;
        t->cap = cap;
    }
}

char *metrics_render(const metrics_extra *extra)
{
    text t = {0};
    pthread_mutex_lock(&M.lock);
    put(&t, "# HELP kiosk_sessions_total Finished sessions by outcome.\n"
            "# TYPE kiosk_sessions_total counter\n");
    for (int e = 0; e < SESS_ERR_COUNT; e++)
        put(&t, "kiosk_sessions_total{outcome=\"%s\"} %llu\n",
            e == SESS_OK ? "done" : sess_error_code((sess_error)e),
            (unsigned long long)M.sessions[e]);
    put(&t, "# HELP kiosk_chip_reads_total Chip reads by result.\n"
            "# TYPE kiosk_chip_reads_total counter\n");
    for (int r = 0; r < METRICS_READ_COUNT; r++)
        put(&t, "kiosk_chip_reads_total{result=\"%s\"} %llu\n", READ_NAMES[r],
            (unsigned long long)M.reads[r]);
    put(&t, "# HELP kiosk_verdicts_total Chip verdicts.\n# TYPE kiosk_verdicts_total counter\n");
    for (int v = 0; v < 3; v++)
        put(&t, "kiosk_verdicts_total{verdict=\"%s\"} %llu\n", VERDICTS[v],
            (unsigned long long)M.verdicts[v]);
    put(&t, "# HELP kiosk_stage_seconds Time spent in each session stage.\n"
            "# TYPE kiosk_stage_seconds histogram\n");
    for (int s = 0; s < METRICS_STAGE_COUNT; s++) {
        for (size_t b = 0; b < N_BUCKETS; b++)
            put(&t, "kiosk_stage_seconds_bucket{stage=\"%s\",le=\"%g\"} %llu\n", STAGE_NAMES[s],
                BUCKETS[b], (unsigned long long)M.stage_buckets[s][b]);
        put(&t, "kiosk_stage_seconds_bucket{stage=\"%s\",le=\"+Inf\"} %llu\n", STAGE_NAMES[s],
            (unsigned long long)M.stage_count[s]);
        put(&t, "kiosk_stage_seconds_sum{stage=\"%s\"} %.6f\n", STAGE_NAMES[s], M.stage_sum[s]);
        put(&t, "kiosk_stage_seconds_count{stage=\"%s\"} %llu\n", STAGE_NAMES[s],
            (unsigned long long)M.stage_count[s]);
    }
    pthread_mutex_unlock(&M.lock);
    if (extra) {
        static const char *const QSTATES[4] = {"pending", "in_flight", "acknowledged",
                                               "dead_letter"};
        put(&t, "# HELP kiosk_queue_records Records in the queue by state.\n"
                "# TYPE kiosk_queue_records gauge\n");
        for (int q = 0; q < 4; q++)
            put(&t, "kiosk_queue_records{state=\"%s\"} %llu\n", QSTATES[q],
                (unsigned long long)extra->queue[q]);
        put(&t, "# HELP kiosk_upload_records_total Records the receiver acknowledged.\n"
                "# TYPE kiosk_upload_records_total counter\n"
                "kiosk_upload_records_total %llu\n"
                "# HELP kiosk_upload_failures_total Upload attempts that failed.\n"
                "# TYPE kiosk_upload_failures_total counter\n"
                "kiosk_upload_failures_total %llu\n"
                "# HELP kiosk_receiver_up 1 when the last upload attempt reached the receiver.\n"
                "# TYPE kiosk_receiver_up gauge\n"
                "kiosk_receiver_up %d\n",
                (unsigned long long)extra->uploaded, (unsigned long long)extra->upload_failures,
                extra->receiver_ok);
    }
    if (!t.p)
        return strdup("");
    return t.p;
}
