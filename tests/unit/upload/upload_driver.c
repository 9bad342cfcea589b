/*
 * upload_driver.c — the test harness around the real queue and uploader:
 * `drain` is exactly `kioskctl queue drain` (cmd_queue_drain.c), the other
 * subcommands set up and inspect the queue for the upload-*.sh tests.
 *
 *   kiosk-upload-driver enqueue N        N synthetic records (no real person)
 *   kiosk-upload-driver drain [...]      see cmd_queue_drain.c
 *   kiosk-upload-driver status           {"pending":..,"in_flight":..,...}
 *   kiosk-upload-driver list             "id state attempts next_attempt_at last_error"
 * Queue location from KIOSK_QUEUE_DB / KIOSK_KEY_FILE like kioskctl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

int queue_drain(int argc, char **argv);

static int open_queue(store **q, unsigned flags)
{
    store_options opt;
    memset(&opt, 0, sizeof opt);
    opt.db_path = getenv("KIOSK_QUEUE_DB");
    opt.key_file = getenv("KIOSK_KEY_FILE");
    opt.flags = flags;
    char err[STORE_ERR_LEN];
    if (!opt.db_path || (!(flags & STORE_OPEN_NO_KEY) && !opt.key_file)) {
        fprintf(stderr, "driver: set KIOSK_QUEUE_DB and KIOSK_KEY_FILE\n");
        return -1;
    }
    if (store_open(&opt, q, err) != KS_OK) {
        fprintf(stderr, "driver: %s\n", err);
        return -1;
    }
    return 0;
}

static int enqueue(long n)
{
    store *q;
    if (open_queue(&q, 0))
        return 4;
    for (long i = 0; i < n; i++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        char id[STORE_ID_LEN + 1], json[512];
        if (store_new_id((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, id) != KS_OK)
            return 4;
        int len = snprintf(json, sizeof json,
                           "{\"record_id\":\"%s\",\"kiosk_id\":\"test-kiosk\",\"purpose\":\"clinic\","
                           "\"seq\":%ld,\"holder\":{\"full_name\":\"SYNTHETIC PERSON %ld\"}}",
                           id, i, i);
        if (store_enqueue(q, json, (size_t)len, (int64_t)ts.tv_sec, NULL) != KS_OK) {
            fprintf(stderr, "driver: enqueue: %s\n", store_last_error(q));
            store_close(q);
            return 4;
        }
    }
    store_close(q);
    return 0;
}

static int status(void)
{
    store *q;
    store_counts c;
    if (open_queue(&q, STORE_OPEN_SHARED | STORE_OPEN_NO_KEY))
        return 4;
    if (store_status(q, (int64_t)time(NULL), &c) != KS_OK) {
        store_close(q);
        return 4;
    }
    printf("{\"pending\": %llu, \"in_flight\": %llu, \"acknowledged\": %llu, \"dead_letter\": %llu}\n",
           (unsigned long long)c.pending, (unsigned long long)c.in_flight,
           (unsigned long long)c.acknowledged, (unsigned long long)c.dead_letter);
    store_close(q);
    return 0;
}

static int print_entry(const store_entry *e, void *ctx)
{
    (void)ctx;
    printf("%s %s %u %lld %s\n", e->id, store_state_name(e->state), e->attempts,
           (long long)e->next_attempt_at, e->last_error);
    return 0;
}

static int list(void)
{
    store *q;
    if (open_queue(&q, STORE_OPEN_SHARED | STORE_OPEN_NO_KEY))
        return 4;
    ks_status st = store_list(q, -1, 0, print_entry, NULL);
    store_close(q);
    return st == KS_OK ? 0 : 4;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "drain") == 0)
        return queue_drain(argc - 1, argv + 1);
    if (argc == 3 && strcmp(argv[1], "enqueue") == 0) {
        char *end = NULL;
        long n = strtol(argv[2], &end, 10);
        if (*end || n < 1 || n > 1000000)
            return 2;
        return enqueue(n);
    }
    if (argc == 2 && strcmp(argv[1], "status") == 0)
        return status();
    if (argc == 2 && strcmp(argv[1], "list") == 0)
        return list();
    fprintf(stderr, "usage: kiosk-upload-driver enqueue N | drain [...] | status | list\n");
    return 2;
}
