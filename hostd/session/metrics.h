/*
 * metrics.h — kioskd's counters and stage latencies, rendered in the
 * Prometheus text exposition format for GET /metrics.
 *
 *   kiosk_sessions_total{outcome="done"|<error code>}   finished sessions
 *   kiosk_chip_reads_total{result="ok"|"access_denied"|"card_removed"|"error"}
 *   kiosk_verdicts_total{verdict="genuine"|"not_genuine"|"inconclusive"}
 *   kiosk_stage_seconds{stage=...} histogram: read, face, liveness, match,
 *                                  consent, store
 *   kiosk_queue_records{state=...} gauge, and kiosk_upload_* counters,
 *                                  filled in by the caller at scrape time
 *
 * Labels are fixed words, never personal data. Thread-safe.
 */
#ifndef KS_METRICS_H
#define KS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

typedef enum metrics_stage {
    METRICS_READ = 0,
    METRICS_FACE,
    METRICS_LIVENESS,
    METRICS_MATCH,
    METRICS_CONSENT,
    METRICS_STORE,
    METRICS_STAGE_COUNT
} metrics_stage;

typedef enum metrics_read {
    METRICS_READ_OK = 0,
    METRICS_READ_ACCESS_DENIED,
    METRICS_READ_REMOVED,
    METRICS_READ_ERROR,
    METRICS_READ_COUNT
} metrics_read;

typedef struct metrics_extra {
    uint64_t queue[4];             /* pending, in_flight, acknowledged, dead_letter */
    uint64_t uploaded, upload_failures;
    int receiver_ok;               /* 1 when the last upload attempt succeeded */
} metrics_extra;

void metrics_init(void);
void metrics_count_session(sess_error outcome); /* SESS_OK = done */
void metrics_count_read(metrics_read r);
void metrics_count_verdict(const char *verdict);
void metrics_observe(metrics_stage s, double seconds);

/* The exposition text (malloc'd). */
char *metrics_render(const metrics_extra *extra);

#endif
