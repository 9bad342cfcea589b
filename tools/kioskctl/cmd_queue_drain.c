/*
 * cmd_queue_drain.c — `kioskctl queue drain`: sends queued records to the
 * receiver now (hostd/upload), instead of waiting for kioskd to do it.
 *
 * Configuration comes from the environment (no secrets on the command line):
 *   KIOSK_QUEUE_DB (or KS_QUEUE_DB), KIOSK_KEY_FILE   the queue (hostd/store;
 *                       defaults as in cmd_queue.c)
 *   KIOSK_UPLOAD_URL    https://... (http only to 127.0.0.0/8 or [::1])
 *   KIOSK_CLIENT_CERT, KIOSK_CLIENT_KEY, KIOSK_CA_FILE, KIOSK_PIN (sha256//...)
 *   KIOSK_ID            the kiosk id sent with every batch (default "kiosk")
 *   KIOSK_UPLOAD_BATCH_RECORDS, KIOSK_UPLOAD_BATCH_BYTES,
 *   KIOSK_UPLOAD_TIMEOUT_MS, KIOSK_UPLOAD_BACKOFF_BASE_MS,
 *   KIOSK_UPLOAD_BACKOFF_CAP_MS   tuning (tests use small backoffs)
 *
 * Exit status: 0 done (with --until-empty: nothing pending or in flight),
 * 1 records remain (time limit), 2 usage/configuration, 4 queue failure.
 * Only counts, ids and non-personal error text are printed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "kioskctl.h"
#include "store.h"
#include "upload.h"

int queue_drain(int argc, char **argv);

enum { DRAIN_DONE = 0, DRAIN_REMAINING = 1, DRAIN_USAGE = 2, DRAIN_QUEUE_ERROR = 4 };

static void drain_usage(FILE *to)
{
    fputs("usage: kioskctl queue drain [--until-empty] [--max-seconds N]\n"
          "  sends due records to KIOSK_UPLOAD_URL; --until-empty keeps going (waiting\n"
          "  out backoffs) until nothing is pending or in flight; dead letters stay.\n",
          to);
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

typedef struct drain_totals {
    size_t sent, acknowledged, duplicates, retried, dead_lettered;
    size_t body_bytes, wire_bytes;
} drain_totals;

static void add_report(drain_totals *t, const ks_upload_report *r, char *last_error, size_t cap)
{
    t->sent += r->claimed;
    t->acknowledged += r->acknowledged;
    t->duplicates += r->duplicates;
    t->retried += r->retried;
    t->dead_lettered += r->dead_lettered;
    t->body_bytes += r->body_bytes;
    t->wire_bytes += r->wire_bytes;
    /* One line per change of trouble, not per batch, so an outage of hours
     * does not flood the log. */
    if (r->error[0] && strcmp(r->error, last_error) != 0) {
        fprintf(stderr, "kioskctl: upload: %s\n", r->error);
        snprintf(last_error, cap, "%s", r->error);
    } else if (!r->error[0] && last_error[0] && r->acknowledged) {
        fprintf(stderr, "kioskctl: upload: receiver answering again\n");
        last_error[0] = '\0';
    }
}

int queue_drain(int argc, char **argv)
{
    int until_empty = 0;
    long long max_seconds = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--until-empty") == 0) {
            until_empty = 1;
        } else if (strcmp(argv[i], "--max-seconds") == 0 && i + 1 < argc) {
            char *end = NULL;
            errno = 0;
            max_seconds = strtoll(argv[++i], &end, 10);
            if (errno || *end || max_seconds <= 0 || max_seconds > 31536000) {
                fprintf(stderr, "kioskctl: --max-seconds wants a positive number of seconds\n");
                return DRAIN_USAGE;
            }
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            drain_usage(stdout);
            return DRAIN_DONE;
        } else {
            drain_usage(stderr);
            return DRAIN_USAGE;
        }
    }
    ks_upload_config cfg;
    store_options opt;
    if (kconf_upload("kioskctl", &cfg) != 0 || kconf_store("kioskctl", &opt) != 0)
        return DRAIN_USAGE;
    char err[KS_UPLOAD_ERR_LEN > STORE_ERR_LEN ? KS_UPLOAD_ERR_LEN : STORE_ERR_LEN];
    ks_upload *up = NULL;
    if (ks_upload_new(&cfg, &up, err) != KS_OK) {
        fprintf(stderr, "kioskctl: upload configuration: %s\n", err);
        return DRAIN_USAGE;
    }
    store *q = NULL;
    if (store_open(&opt, &q, err) != KS_OK) {
        fprintf(stderr, "kioskctl: queue: %s\n", err);
        ks_upload_free(up);
        return DRAIN_QUEUE_ERROR;
    }
    time_t start = time(NULL);
    drain_totals tot = { 0 };
    char last_error[KS_UPLOAD_ERR_LEN] = "";
    int rc = DRAIN_DONE;
    store_counts counts;
    for (;;) {
        ks_upload_report rep;
        ks_status st = ks_upload_step(up, q, (int64_t)time(NULL), &rep);
        if (st != KS_OK) {
            fprintf(stderr, "kioskctl: queue: %s\n", store_last_error(q));
            rc = DRAIN_QUEUE_ERROR;
            break;
        }
        add_report(&tot, &rep, last_error, sizeof last_error);
        int out_of_time = max_seconds && time(NULL) - start >= max_seconds;
        if (rep.claimed && !out_of_time)
            continue;
        if (store_status(q, (int64_t)time(NULL), &counts) != KS_OK) {
            fprintf(stderr, "kioskctl: queue: %s\n", store_last_error(q));
            rc = DRAIN_QUEUE_ERROR;
            break;
        }
        int empty = counts.pending + counts.in_flight == 0;
        if (empty || !until_empty) {
            rc = DRAIN_DONE;
            break;
        }
        if (out_of_time) {
            rc = DRAIN_REMAINING;
            break;
        }
        sleep_ms(200); /* the next record is waiting out its backoff */
    }
    if (rc != DRAIN_QUEUE_ERROR && store_status(q, (int64_t)time(NULL), &counts) == KS_OK)
        fprintf(stderr,
                "kioskctl: drain: sent %zu, acknowledged %zu (%zu already held), retry later %zu, "
                "dead letter %zu; queue now %llu pending, %llu dead letter; "
                "%zu bytes of JSON sent as %zu gzip bytes\n",
                tot.sent, tot.acknowledged, tot.duplicates, tot.retried, tot.dead_lettered,
                (unsigned long long)counts.pending, (unsigned long long)counts.dead_letter,
                tot.body_bytes, tot.wire_bytes);
    store_close(q);
    ks_upload_free(up);
    return rc;
}
