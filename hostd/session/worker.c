#include "worker.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "camera.h"
#include "emrtd.h"
#include "face_liveness.h"
#include "jp2.h"
#include "metrics.h"
#include "pcsc.h"
#include "vn_cccd.h"
#include "vn_keys.h"
#include "vn_qr.h"

/* A QR scanned longer ago than this belongs to nobody any more. */
#define QR_FRESH_MS 120000
/* How often a waiting step looks at the card, the cancel flag and the clock. */
#define POLL_MS 250

int64_t sess_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

ks_status sess_shared_init(sess_shared *sh)
{
    memset(sh, 0, sizeof *sh);
    pthread_mutex_init(&sh->engine_lock, NULL);
    pthread_mutex_init(&sh->queue_lock, NULL);
    pthread_mutex_init(&sh->qr_lock, NULL);
    pthread_mutex_init(&sh->latest_lock, NULL);
    return KS_OK;
}

static void latest_clear_locked(sess_shared *sh)
{
    if (sh->latest_record) {
        OPENSSL_cleanse(sh->latest_record, strlen(sh->latest_record));
        free(sh->latest_record);
        sh->latest_record = NULL;
    }
}

void sess_shared_destroy(sess_shared *sh)
{
    pthread_mutex_lock(&sh->latest_lock);
    latest_clear_locked(sh);
    pthread_mutex_unlock(&sh->latest_lock);
    OPENSSL_cleanse(sh->qr_text, sizeof sh->qr_text);
    pthread_mutex_destroy(&sh->engine_lock);
    pthread_mutex_destroy(&sh->queue_lock);
    pthread_mutex_destroy(&sh->qr_lock);
    pthread_mutex_destroy(&sh->latest_lock);
}

void sess_qr_offer(sess_shared *sh, const char *text, size_t len)
{
    if (len > SESS_QR_MAX)
        len = SESS_QR_MAX; /* a CCCD QR is ~150 bytes; a longer text will not parse */
    pthread_mutex_lock(&sh->qr_lock);
    memcpy(sh->qr_text, text, len);
    sh->qr_text[len] = '\0';
    sh->qr_at_ms = sess_now_ms();
    pthread_mutex_unlock(&sh->qr_lock);
}

/* Takes the pending QR text if it is fresh; it unlocks one card only. */
static bool qr_take(sess_shared *sh, char *out, size_t cap)
{
    bool got = false;
    pthread_mutex_lock(&sh->qr_lock);
    if (sh->qr_at_ms && sess_now_ms() - sh->qr_at_ms <= QR_FRESH_MS) {
        snprintf(out, cap, "%s", sh->qr_text);
        got = true;
    }
    OPENSSL_cleanse(sh->qr_text, sizeof sh->qr_text);
    sh->qr_at_ms = 0;
    pthread_mutex_unlock(&sh->qr_lock);
    return got;
}

char *sess_latest_record(sess_shared *sh)
{
    char *copy = NULL;
    pthread_mutex_lock(&sh->latest_lock);
    if (sh->latest_record && sh->latest_ttl_s > 0 &&
        sess_now_ms() - sh->latest_at_ms > (int64_t)sh->latest_ttl_s * 1000)
        latest_clear_locked(sh);
    if (sh->latest_record)
        copy = strdup(sh->latest_record);
    pthread_mutex_unlock(&sh->latest_lock);
    return copy;
}

static void latest_set(sess_shared *sh, const char *json)
{
    pthread_mutex_lock(&sh->latest_lock);
    latest_clear_locked(sh);
    if (json) {
        sh->latest_record = strdup(json);
        sh->latest_at_ms = sess_now_ms();
    }
    pthread_mutex_unlock(&sh->latest_lock);
}

/* ---- the session ---------------------------------------------------------- */

typedef struct session {
    sess_worker *w;
    transport *card;
    sess_view view;
    char qr[SESS_QR_MAX + 1];
    emrtd_doc *doc;
    vn_cccd *cccd;
    img_image portrait;       /* decoded chip portrait */
    img_image probe;          /* the first live frame with one face */
    bool have_probe;
    int64_t card_read_at;
    int match_permille;
    double face_started;
    sess_error stop_reason;   /* why a hook stopped the liveness run */
    lv_step last_action;
    size_t last_index;
    double last_presence_check;
} session;

static void publish(session *s)
{
    if (sess_board_update(s->w->sh->board, s->w->slot, &s->view) != KS_OK)
        fprintf(stderr, "kioskd: reader %zu: refused move to %s (a bug)\n", s->w->slot,
                sess_state_name(s->view.state));
}

static void move_to(session *s, sess_state st)
{
    s->view.state = st;
    s->view.action = NULL;
    publish(s);
}

static void heartbeat(sess_worker *w)
{
    pthread_mutex_lock(&w->lock);
    w->heartbeat_ms = sess_now_ms();
    pthread_mutex_unlock(&w->lock);
}

static bool cancelled(sess_worker *w)
{
    pthread_mutex_lock(&w->lock);
    bool c = w->cancel;
    pthread_mutex_unlock(&w->lock);
    return c || w->sh->stop;
}

/* Shows the result for result_display_s (cut short by shutdown), then waiting. */
static void show_result_then_wait(session *s)
{
    int ms = s->w->sh->result_display_s * 1000;
    for (int waited = 0; waited < ms && !s->w->sh->stop; waited += POLL_MS) {
        heartbeat(s->w);
        sleep_ms(POLL_MS);
    }
    sess_view v;
    memset(&v, 0, sizeof v);
    v.state = SESS_WAITING;
    s->view = v;
    publish(s);
}

static void fail(session *s, sess_error code, const char *message)
{
    s->view.state = SESS_FAILED;
    s->view.action = NULL;
    s->view.error = code;
    snprintf(s->view.message, sizeof s->view.message, "%s", message);
    s->view.reset_in_ms = (uint32_t)s->w->sh->result_display_s * 1000u;
    publish(s);
    metrics_count_session(code);
    fprintf(stderr, "kioskd: reader %zu: session failed: %s\n", s->w->slot, sess_error_code(code));
    show_result_then_wait(s);
}

static bool card_present_now(session *s)
{
    return s->card && transport_present(s->card) == KS_OK;
}

/* Rate-limited to one reader call per POLL_MS: called for every frame. */
static bool card_gone(session *s)
{
    if (!s->card)
        return true;
    double now = mono_s();
    if (now - s->last_presence_check < POLL_MS / 1000.0)
        return false;
    s->last_presence_check = now;
    return transport_present(s->card) != KS_OK;
}

/* ---- reading -------------------------------------------------------------- */

static const char *record_check(emrtd_check c)
{
    switch (c) {
    case EMRTD_VALID: return "passed";
    case EMRTD_INVALID: return "failed";
    case EMRTD_NOT_SUPPORTED: return "not_supported";
    default: return "not_performed";
    }
}

static const char *record_passive(pa_outcome o)
{
    switch (o) {
    case PA_VALID: return "passed";
    case PA_INVALID:
    case PA_UNTRUSTED: return "failed";
    default: return "not_performed";
    }
}

static const char *record_verdict(const emrtd_doc *doc)
{
    const char *v = emrtd_verdict(doc);
    return strcmp(v, "unverified") == 0 ? "inconclusive" : v;
}

/* Waits up to read_timeout_s for the QR text that unlocks the card. */
static bool wait_for_qr(session *s)
{
    double deadline = mono_s() + s->w->sh->read_timeout_s;
    while (!qr_take(s->w->sh, s->qr, sizeof s->qr)) {
        if (cancelled(s->w) || mono_s() > deadline || card_gone(s))
            return false;
        heartbeat(s->w);
        sleep_ms(POLL_MS);
    }
    return true;
}

static bool read_chip(session *s)
{
    sess_shared *sh = s->w->sh;
    if (!wait_for_qr(s)) {
        if (cancelled(s->w))
            fail(s, SESS_ERR_CANCELLED, "the session was cancelled");
        else if (!card_present_now(s))
            fail(s, SESS_ERR_CARD_REMOVED, "the card was taken away before its QR code was scanned");
        else
            fail(s, SESS_ERR_TIMEOUT, "no QR code was scanned for this card");
        return false;
    }
    vn_qr qr;
    char qr_err[160];
    emrtd_key keys[VN_KEYS_MAX];
    size_t n_keys = 0;
    if (vn_qr_parse(s->qr, strlen(s->qr), &qr, qr_err, sizeof qr_err) == KS_OK)
        n_keys = vn_cccd_keys(&qr, keys, VN_KEYS_MAX);
    if (n_keys == 0) {
        OPENSSL_cleanse(&qr, sizeof qr);
        fail(s, SESS_ERR_ACCESS_DENIED, "the QR code is not one of a Vietnamese ID card");
        return false;
    }
    double t0 = mono_s();
    emrtd_opts eo = {.trust = sh->trust};
    ks_status st = emrtd_read(s->card, keys, n_keys, &eo, s->doc);
    if (st == KS_ERR_TRANSPORT || st == KS_ERR_CARD || st == KS_ERR_AUTH || st == KS_ERR_TIMEOUT) {
        /* A card laid down is often still settling in the field (or the
         * reader stack is still busy with the previous card), which breaks
         * a read or its secure messaging: reconnect and read once more while
         * it stays. A second failure is final, so a card that really fails
         * authentication gains nothing by it. */
        fprintf(stderr, "kioskd: reader %zu: chip read: %s; reconnecting once\n", s->w->slot,
                s->doc->error[0] ? s->doc->error : ks_status_str(st));
        char err[256];
        pcsc_open_opts po = {.reader = s->w->reader, .wait_ms = 1000};
        emrtd_doc_free(s->doc);
        memset(s->doc, 0, sizeof *s->doc);
        transport_close(s->card); /* it holds the reader's transaction */
        s->card = NULL;
        if (pcsc_open(&po, &s->card, err, sizeof err) == KS_OK)
            st = emrtd_read(s->card, keys, n_keys, &eo, s->doc);
        else
            st = KS_ERR_REMOVED;
    }
    OPENSSL_cleanse(keys, sizeof keys);
    metrics_observe(METRICS_READ, mono_s() - t0);
    s->card_read_at = sess_now_ms() / 1000;
    if (st != KS_OK) {
        OPENSSL_cleanse(&qr, sizeof qr);
        if (st == KS_ERR_ACCESS) {
            metrics_count_read(METRICS_READ_ACCESS_DENIED);
            fail(s, SESS_ERR_ACCESS_DENIED, "the card did not accept the keys from its QR code");
        } else if (st == KS_ERR_REMOVED) {
            metrics_count_read(METRICS_READ_REMOVED);
            fail(s, SESS_ERR_CARD_REMOVED, "the card was taken away during the chip read");
        } else {
            metrics_count_read(METRICS_READ_ERROR);
            /* emrtd's error line names the step, never personal data */
            fprintf(stderr, "kioskd: reader %zu: chip read: %s\n", s->w->slot,
                    s->doc->error[0] ? s->doc->error : ks_status_str(st));
            fail(s, SESS_ERR_READER_UNAVAILABLE, "the chip could not be read");
        }
        return false;
    }
    metrics_count_read(METRICS_READ_OK);
    vn_cccd_examine(s->doc, &qr, s->cccd);
    OPENSSL_cleanse(&qr, sizeof qr);
    const char *verdict = record_verdict(s->doc);
    metrics_count_verdict(verdict);
    s->view.has_outcome = true;
    s->view.verdict = verdict;
    s->view.face_match = "not_performed";
    s->view.liveness = "not_performed";
    if (strcmp(verdict, "genuine") != 0) {
        fail(s, SESS_ERR_NOT_GENUINE, strcmp(verdict, "not_genuine") == 0
                                          ? "the chip failed authentication"
                                          : "the chip's signer is not trusted");
        return false;
    }
    if (s->cccd->mismatches.n) {
        s->view.verdict = "not_genuine";
        fail(s, SESS_ERR_NOT_GENUINE, "the QR code and the chip disagree");
        return false;
    }
    if (!s->doc->have_portrait) {
        fail(s, SESS_ERR_NO_FACE, "the chip holds no portrait to compare with");
        return false;
    }
    const dg2_portrait *p = &s->doc->portrait;
    st = p->format == DG2_JPEG2000 ? jp2_decode(p->image, p->image_len, 0, &s->portrait)
                                   : img_jpeg_decode(p->image, p->image_len, 0, &s->portrait);
    if (st != KS_OK) {
        fail(s, SESS_ERR_NO_FACE, "the chip portrait could not be decoded");
        return false;
    }
    return true;
}

/* ---- face, liveness and match --------------------------------------------- */

static const char *action_id(lv_step step)
{
    switch (step) {
    case LV_STEP_BLINK: return "blink";
    case LV_STEP_TURN_LEFT: return "turn_left";
    case LV_STEP_TURN_RIGHT: return "turn_right";
    }
    return "blink";
}

static uint32_t lv_random(void *ctx)
{
    (void)ctx;
    uint32_t v = 0;
    if (RAND_bytes((unsigned char *)&v, sizeof v) != 1)
        v = (uint32_t)sess_now_ms(); /* OpenSSL's DRBG does not fail in practice */
    return v;
}

static bool on_frame(void *ctx, const face_lv_run *run, const img_image *frame,
                     const face_result *faces, size_t n_faces)
{
    session *s = ctx;
    heartbeat(s->w);
    if (cancelled(s->w)) {
        s->stop_reason = SESS_ERR_CANCELLED;
        return false;
    }
    if (card_gone(s)) {
        s->stop_reason = SESS_ERR_CARD_REMOVED;
        return false;
    }
    if (!s->have_probe) {
        if (n_faces == 1 && face_usable(&faces[0]) == FACE_MATCH_OK &&
            img_crop(frame, 0, 0, frame->width, frame->height, &s->probe) == KS_OK)
            s->have_probe = true;
        else if (mono_s() - s->face_started > s->w->sh->face_timeout_s) {
            s->stop_reason = SESS_ERR_NO_FACE;
            return false;
        }
    }
    if (s->have_probe && run->status.state == LV_IN_PROGRESS &&
        (s->view.state != SESS_LIVENESS || run->status.prompt != s->last_action ||
         run->status.step_index != s->last_index)) {
        if (s->view.state == SESS_FACE)
            metrics_observe(METRICS_FACE, mono_s() - s->face_started);
        s->view.state = SESS_LIVENESS;
        s->view.action = action_id(run->status.prompt);
        s->view.challenge_index = (int)run->status.step_index;
        s->view.challenge_count = (int)run->status.step_count;
        s->last_action = run->status.prompt;
        s->last_index = run->status.step_index;
        publish(s);
    }
    return true;
}

static ks_status open_camera(const sess_shared *sh, frame_source **src)
{
    if (sh->camera_frames)
        return frame_source_open_dir_flags(sh->camera_frames, sh->camera_fps,
                                           FRAMES_LOOP | FRAMES_REALTIME, src);
    if (sh->camera_device) {
        camera_config cc = {.width = 640, .height = 480, .format = CAMERA_PIXFMT_ANY};
        return frame_source_open_v4l2(sh->camera_device, &cc, src);
    }
    return KS_ERR_NOT_FOUND;
}

static bool face_and_liveness(session *s)
{
    sess_shared *sh = s->w->sh;
    move_to(s, SESS_FACE);
    s->face_started = mono_s();
    s->stop_reason = SESS_OK;

    frame_source *src = NULL;
    if (open_camera(sh, &src) != KS_OK) {
        fail(s, SESS_ERR_CAMERA_UNAVAILABLE, "the camera cannot be opened");
        return false;
    }
    lv_config cfg;
    lv_config_default(&cfg);
    lv_session lv;
    face_lv_run *run = calloc(1, sizeof *run);
    face_match_result match;
    memset(&match, 0, sizeof match);
    ks_status st = run ? lv_start(&lv, &cfg, lv_random, NULL) : KS_ERR_NO_MEMORY;
    double t_live = mono_s();
    pthread_mutex_lock(&sh->engine_lock); /* one camera: one face step at a time */
    if (st == KS_OK)
        st = face_liveness_run(sh->engine, src, &lv, run, on_frame, s);
    double t_match = mono_s();
    bool matched = false;
    if (st == KS_OK && run->status.state == LV_PASSED && s->have_probe) {
        st = face_match(sh->engine, &s->portrait, &s->probe, &match);
        matched = true;
    }
    pthread_mutex_unlock(&sh->engine_lock);
    frame_source_close(src);
    lv_state lv_result = run ? run->status.state : LV_FAILED;
    lv_reason lv_why = run ? run->status.reason : LV_REASON_NONE;
    free(run);

    if (s->stop_reason != SESS_OK) {
        fail(s, s->stop_reason, s->stop_reason == SESS_ERR_CANCELLED ? "the session was cancelled"
                                : s->stop_reason == SESS_ERR_CARD_REMOVED
                                    ? "the card was taken away before the end"
                                    : "no face was seen in front of the camera");
        return false;
    }
    if (st == KS_ERR_REMOVED || st == KS_ERR_TIMEOUT || st == KS_ERR_IO) {
        fail(s, SESS_ERR_CAMERA_UNAVAILABLE, "the camera stopped sending pictures");
        return false;
    }
    if (st != KS_OK) {
        fail(s, SESS_ERR_INTERNAL, "the face check could not run");
        return false;
    }
    metrics_observe(METRICS_LIVENESS, t_match - t_live);
    if (lv_result == LV_IN_PROGRESS) { /* the frames ended: a camera gone */
        fail(s, SESS_ERR_CAMERA_UNAVAILABLE, "the camera stopped sending pictures");
        return false;
    }
    if (lv_result != LV_PASSED) {
        s->view.liveness = "not_live";
        fail(s, SESS_ERR_LIVENESS_FAILED, lv_reason_str(lv_why));
        return false;
    }
    s->view.liveness = "live";
    metrics_observe(METRICS_MATCH, mono_s() - t_match);
    if (!matched || !match.usable) {
        fail(s, SESS_ERR_NO_FACE, "the face could not be compared with the chip portrait");
        return false;
    }
    float score = match.score < 0 ? 0 : match.score > 1 ? 1 : match.score;
    s->match_permille = (int)lroundf(score * 1000.0f);
    s->view.face_match = match.match ? "match" : "no_match";
    if (!match.match) {
        fail(s, SESS_ERR_FACE_MISMATCH, "the face does not match the chip portrait");
        return false;
    }
    return true;
}

/* ---- consent and the record ----------------------------------------------- */

static bool ask_consent(session *s)
{
    sess_worker *w = s->w;
    pthread_mutex_lock(&w->lock);
    w->consent = -1;
    pthread_mutex_unlock(&w->lock);
    snprintf(s->view.consent_version, sizeof s->view.consent_version, "%s",
             w->sh->consent_version);
    move_to(s, SESS_CONSENT);
    double t0 = mono_s();
    double deadline = t0 + w->sh->consent_timeout_s;
    int consent = -1;
    for (;;) {
        heartbeat(w);
        pthread_mutex_lock(&w->lock);
        consent = w->consent;
        pthread_mutex_unlock(&w->lock);
        if (consent >= 0 || cancelled(w) || card_gone(s) || mono_s() > deadline)
            break;
        sleep_ms(100);
    }
    metrics_observe(METRICS_CONSENT, mono_s() - t0);
    if (consent == 1)
        return true;
    if (consent == 0)
        fail(s, SESS_ERR_CONSENT_REFUSED, "the citizen declined; nothing was stored");
    else if (cancelled(w))
        fail(s, SESS_ERR_CANCELLED, "the session was cancelled");
    else if (!card_present_now(s))
        fail(s, SESS_ERR_CARD_REMOVED, "the card was taken away before consent was given");
    else
        fail(s, SESS_ERR_TIMEOUT, "no answer to the consent question");
    return false;
}

static const char *nonempty(const char *v)
{
    return v && *v ? v : NULL;
}

/* The holder's fields: DG13 on a Vietnamese card (names as written in
 * Vietnamese), else what the MRZ gives. */
static void holder_fields(const session *s, record_input *in)
{
    const emrtd_holder *h = &s->doc->holder;
    if (s->cccd->have_dg13) {
        const vn_dg13 *d = &s->cccd->dg13;
        in->holder[RECORD_ID_NUMBER] = nonempty(d->id_number);
        in->holder[RECORD_FULL_NAME] = nonempty(d->full_name);
        in->holder[RECORD_DATE_OF_BIRTH] = nonempty(d->date_of_birth);
        in->holder[RECORD_SEX] = nonempty(d->sex);
        in->holder[RECORD_NATIONALITY] = nonempty(d->nationality);
        in->holder[RECORD_ETHNICITY] = nonempty(d->ethnicity);
        in->holder[RECORD_RELIGION] = nonempty(d->religion);
        in->holder[RECORD_PLACE_OF_ORIGIN] = nonempty(d->place_of_origin);
        in->holder[RECORD_PLACE_OF_RESIDENCE] = nonempty(d->place_of_residence);
        in->holder[RECORD_IDENTIFICATION_FEATURES] = nonempty(d->identification_features);
        in->holder[RECORD_DATE_OF_ISSUE] = nonempty(d->date_of_issue);
        in->holder[RECORD_DATE_OF_EXPIRY] = d->date_of_expiry; /* "" = does not expire */
        in->holder[RECORD_FATHER_NAME] = nonempty(d->father_name);
        in->holder[RECORD_MOTHER_NAME] = nonempty(d->mother_name);
        in->holder[RECORD_SPOUSE_NAME] = nonempty(d->spouse_name);
        in->holder[RECORD_OLD_ID_NUMBER] = nonempty(d->old_id_number);
    } else {
        in->holder[RECORD_ID_NUMBER] = nonempty(h->id_number);
        in->holder[RECORD_FULL_NAME] = nonempty(h->full_name);
        in->holder[RECORD_DATE_OF_BIRTH] = nonempty(h->date_of_birth);
        in->holder[RECORD_SEX] = nonempty(h->sex);
        in->holder[RECORD_NATIONALITY] = nonempty(h->nationality);
    }
}

static bool store_record(session *s)
{
    sess_shared *sh = s->w->sh;
    move_to(s, SESS_STORING);
    double t0 = mono_s();
    record_input in;
    memset(&in, 0, sizeof in);
    in.kiosk_id = sh->kiosk_id;
    in.site_id = sh->site_id;
    in.purpose = sh->purpose;
    in.document_type = s->doc->holder.id_number[0] || s->cccd->have_dg13 ? "cccd" : "passport";
    in.card_read_at = s->card_read_at;
    in.verified_at = sess_now_ms() / 1000;
    holder_fields(s, &in);
    in.passive_auth = record_passive(s->doc->passive.outcome);
    in.active_auth = record_check(s->doc->active);
    in.chip_auth = record_check(s->doc->chip);
    in.verdict = s->view.verdict;
    in.face_match_permille = s->match_permille;
    in.face_match = s->view.face_match;
    in.liveness = s->view.liveness;
    in.consent_text_version = sh->consent_version;
    in.consent_given_at = sess_now_ms() / 1000;
    in.portrait = s->doc->portrait.image;
    in.portrait_len = s->doc->portrait.image_len;
    in.portrait_format = s->doc->portrait.format == DG2_JPEG2000 ? "jp2" : "jpeg";

    json_object *rec = NULL;
    char *json = NULL;
    size_t len = 0;
    char id[STORE_ID_LEN + 1] = "";
    ks_status st = record_build(&in, sh->policy, sess_now_ms(), &rec);
    if (st == KS_OK)
        st = record_sign(rec, sh->signing_key);
    if (st == KS_OK)
        st = record_canonical(rec, &json, &len);
    json_object_put(rec);
    if (st == KS_OK) {
        pthread_mutex_lock(&sh->queue_lock);
        st = store_enqueue(sh->queue, json, len, sess_now_ms() / 1000, id);
        if (st != KS_OK)
            fprintf(stderr, "kioskd: queue: %s\n", store_last_error(sh->queue));
        pthread_mutex_unlock(&sh->queue_lock);
    }
    metrics_observe(METRICS_STORE, mono_s() - t0);
    if (st != KS_OK) {
        if (json) {
            OPENSSL_cleanse(json, len);
            free(json);
        }
        fail(s, SESS_ERR_STORE_FAILED, "the record could not be stored; please ask the staff");
        return false;
    }
    snprintf(s->view.record_id, sizeof s->view.record_id, "%s", id);
    latest_set(sh, json);
    s->view.handoff_json[0] = '\0';
    if (sh->handoff) {
        char candidate[65];
        pthread_mutex_lock(&s->w->lock);
        snprintf(candidate, sizeof candidate, "%s", s->w->candidate_id);
        s->w->candidate_id[0] = '\0';
        pthread_mutex_unlock(&s->w->lock);
        sh->handoff(sh->handoff_ctx, json, id, candidate[0] ? candidate : NULL,
                    s->view.handoff_json, sizeof s->view.handoff_json);
    }
    OPENSSL_cleanse(json, len);
    free(json);
    return true;
}

/* *card may be replaced by a fresh connection to the same reader. */
static void run_session(sess_worker *w, transport **card)
{
    session *s = calloc(1, sizeof *s);
    emrtd_doc *doc = calloc(1, sizeof *doc);
    vn_cccd *cccd = calloc(1, sizeof *cccd);
    if (!s || !doc || !cccd) {
        free(s);
        free(doc);
        free(cccd);
        return;
    }
    s->w = w;
    s->card = *card;
    s->doc = doc;
    s->cccd = cccd;
    s->match_permille = -1;
    pthread_mutex_lock(&w->lock);
    w->cancel = false;
    pthread_mutex_unlock(&w->lock);
    latest_set(w->sh, NULL); /* the previous citizen's record leaves memory */
    if (store_new_id(sess_now_ms(), s->view.id) != KS_OK)
        snprintf(s->view.id, sizeof s->view.id, "%026lld", (long long)sess_now_ms());
    move_to(s, SESS_READING);

    if (read_chip(s) && face_and_liveness(s) && ask_consent(s) && store_record(s)) {
        s->view.state = SESS_DONE;
        s->view.reset_in_ms = (uint32_t)w->sh->result_display_s * 1000u;
        publish(s);
        metrics_count_session(SESS_OK);
        fprintf(stderr, "kioskd: reader %zu: session done\n", w->slot);
        show_result_then_wait(s);
    }
    *card = s->card;
    emrtd_doc_free(doc);
    OPENSSL_cleanse(cccd, sizeof *cccd);
    img_free(&s->portrait);
    img_free(&s->probe);
    OPENSSL_cleanse(s, sizeof *s);
    free(s);
    free(doc);
    free(cccd);
}

static void *worker_main(void *arg)
{
    sess_worker *w = arg;
    bool reader_trouble = false;
    while (!w->sh->stop) {
        heartbeat(w);
        transport *card = NULL;
        char err[256] = "";
        pcsc_open_opts po = {.reader = w->reader, .wait_ms = 500};
        ks_status st = pcsc_open(&po, &card, err, sizeof err);
        if (st == KS_ERR_NOT_FOUND || st == KS_ERR_TIMEOUT || st == KS_ERR_REMOVED)
            continue; /* no card yet */
        if (st != KS_OK) {
            if (!reader_trouble)
                fprintf(stderr, "kioskd: reader %zu: %s; retrying\n", w->slot, err);
            reader_trouble = true;
            sleep_ms(1000); /* pcscd restarting, or the reader unplugged */
            continue;
        }
        if (reader_trouble)
            fprintf(stderr, "kioskd: reader %zu: back\n", w->slot);
        reader_trouble = false;
        run_session(w, &card);
        /* The same card is not read twice: wait until it leaves. */
        while (card && !w->sh->stop && transport_present(card) == KS_OK) {
            heartbeat(w);
            sleep_ms(POLL_MS);
        }
        transport_close(card);
    }
    return NULL;
}

ks_status sess_worker_start(sess_worker *w, sess_shared *sh, size_t slot, const char *reader)
{
    memset(w, 0, sizeof *w);
    w->sh = sh;
    w->slot = slot;
    snprintf(w->reader, sizeof w->reader, "%s", reader);
    w->consent = -1;
    w->heartbeat_ms = sess_now_ms();
    pthread_mutex_init(&w->lock, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
        return KS_ERR_NO_MEMORY;
    w->started = true;
    return KS_OK;
}

void sess_worker_join(sess_worker *w)
{
    if (!w->started)
        return;
    pthread_join(w->thread, NULL);
    w->started = false;
    pthread_mutex_destroy(&w->lock);
}

ks_status sess_worker_cancel(sess_worker *w)
{
    sess_view v;
    sess_board_get(w->sh->board, w->slot, &v);
    if (v.state == SESS_WAITING || v.state == SESS_DONE || v.state == SESS_FAILED ||
        v.state == SESS_STORING)
        return KS_ERR_ARG;
    pthread_mutex_lock(&w->lock);
    w->cancel = true;
    pthread_mutex_unlock(&w->lock);
    return KS_OK;
}

ks_status sess_worker_consent(sess_worker *w, bool accept, const char *text_version)
{
    sess_view v;
    sess_board_get(w->sh->board, w->slot, &v);
    if (v.state != SESS_CONSENT)
        return KS_ERR_ARG;
    /* Consent counts only for the text the citizen was shown. */
    if (text_version && strcmp(text_version, w->sh->consent_version) != 0)
        return KS_ERR_ARG;
    pthread_mutex_lock(&w->lock);
    w->consent = accept ? 1 : 0;
    pthread_mutex_unlock(&w->lock);
    return KS_OK;
}

void sess_worker_expect(sess_worker *w, const char *candidate_id)
{
    pthread_mutex_lock(&w->lock);
    snprintf(w->candidate_id, sizeof w->candidate_id, "%s", candidate_id ? candidate_id : "");
    pthread_mutex_unlock(&w->lock);
}
