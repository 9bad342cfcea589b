/*
 * worker.h — one reader's sessions, run on their own thread: wait for a card
 * (and the QR code that unlocks it), read and authenticate the chip, capture
 * the face, run the liveness challenge, match the face against the chip
 * portrait, ask for consent, store the signed record, show the outcome, and
 * start over. Each step publishes the reader's view on the session board;
 * a removed card, a cancel, a timeout or a failure ends the session in
 * "failed" with a code, and the next citizen is served.
 *
 * What the workers share (sess_shared) is set up by kioskd.c before the
 * first worker starts and outlives them all. Resources used by several
 * threads carry their own lock: the face engine (one camera, one face step
 * at a time), the record queue, the pending QR text, the latest record.
 *
 * The latest verified record is held in memory only (for the clinic's or the
 * hotel's software to fetch over the API) and wiped when the next session
 * on any reader starts or after latest_ttl_s.
 */
#ifndef KS_WORKER_H
#define KS_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "face_pipeline.h"
#include "pa.h"
#include "record.h"
#include "session.h"
#include "store.h"

#define SESS_QR_MAX 1024

/* Mode-specific work after a record is stored: fill handoff_json (no
 * personal data) for the screen. record is the canonical signed record. */
typedef void (*sess_handoff_fn)(void *ctx, const char *record_json, const char *record_id,
                                const char *candidate_id, char *handoff_json, size_t cap);

typedef struct sess_shared {
    /* configuration */
    record_purpose purpose;
    const char *mode;              /* record_purpose_name(purpose) */
    const char *kiosk_id, *site_id;
    const char *consent_version;
    const char *camera_device;     /* V4L2 device, or NULL */
    const char *camera_frames;     /* a directory of JPEG frames looped in real time, or NULL */
    double camera_fps;
    int read_timeout_s, face_timeout_s, consent_timeout_s, result_display_s, latest_ttl_s;
    const pa_trust *trust;
    const record_policy *policy;
    EVP_PKEY *signing_key;
    sess_board *board;
    sess_handoff_fn handoff;
    void *handoff_ctx;

    pthread_mutex_t engine_lock;
    face_engine *engine;
    pthread_mutex_t queue_lock;
    store *queue;

    /* the QR text most recently scanned, waiting for a card */
    pthread_mutex_t qr_lock;
    char qr_text[SESS_QR_MAX + 1];
    int64_t qr_at_ms;              /* 0 = none */

    pthread_mutex_t latest_lock;
    char *latest_record;           /* canonical JSON, personal data */
    int64_t latest_at_ms;

    volatile int stop;
} sess_shared;

typedef struct sess_worker {
    sess_shared *sh;
    size_t slot;                   /* on the board */
    char reader[128];
    pthread_t thread;
    bool started;

    pthread_mutex_t lock;          /* guards the fields below */
    bool cancel;                   /* the screen or a client cancelled */
    int consent;                   /* -1 not given yet, 0 declined, 1 accepted */
    char consent_version[65];
    char candidate_id[65];         /* driving test: who the examiner expects */
    int64_t heartbeat_ms;          /* last sign of life, for the watchdog */
} sess_worker;

ks_status sess_shared_init(sess_shared *sh);
void sess_shared_destroy(sess_shared *sh);

/* QR text from the scanner or a client; it unlocks the next card read. */
void sess_qr_offer(sess_shared *sh, const char *text, size_t len);
/* The latest record (malloc'd copy) or NULL. */
char *sess_latest_record(sess_shared *sh);

ks_status sess_worker_start(sess_worker *w, sess_shared *sh, size_t slot, const char *reader);
/* Sets stop and joins (the caller sets sh->stop for all first). */
void sess_worker_join(sess_worker *w);

/* From the API. KS_ERR_ARG when the session is not in a state that takes it. */
ks_status sess_worker_cancel(sess_worker *w);
ks_status sess_worker_consent(sess_worker *w, bool accept, const char *text_version);
void sess_worker_expect(sess_worker *w, const char *candidate_id);

int64_t sess_now_ms(void);

#endif
