#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "fhir.h"
#include "guest.h"
#include "metrics.h"
#include "record.h"
#include "roster.h"

/* A worker that has not shown a sign of life for this long is stuck. */
#define STUCK_MS 30000

ks_status service_init(kiosk_service *svc)
{
    pthread_mutex_init(&svc->queue_lock, NULL);
    pthread_mutex_init(&svc->roster_lock, NULL);
    pthread_mutex_init(&svc->upload_lock, NULL);
    svc->receiver_ok = -1;
    return roster_new(&svc->roster);
}

void service_destroy(kiosk_service *svc)
{
    roster_free(svc->roster);
    svc->roster = NULL;
    pthread_mutex_destroy(&svc->queue_lock);
    pthread_mutex_destroy(&svc->roster_lock);
    pthread_mutex_destroy(&svc->upload_lock);
}

/* ---- replies -------------------------------------------------------------- */

static void reply_text(api_reply *out, int status, char *body, const char *content_type)
{
    out->status = status;
    out->body = body;
    out->len = body ? strlen(body) : 0;
    out->content_type = content_type;
}

static void reply_json(api_reply *out, int status, json_object *o)
{
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE);
    reply_text(out, status, strdup(s), NULL);
    json_object_put(o);
}

static void reply_error(api_reply *out, int status, const char *code, const char *message)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(code));
    json_object_object_add(o, "message", json_object_new_string(message));
    reply_json(out, status, o);
}

static void reply_slot(kiosk_service *svc, api_reply *out, int status, size_t slot)
{
    reply_text(out, status, sess_board_slot_json(svc->sh->board, slot), NULL);
}

static int slot_of(kiosk_service *svc, const char *id, api_reply *out)
{
    int slot = sess_board_find(svc->sh->board, id);
    if (slot < 0)
        reply_error(out, 404, "no_session", "no current session has this id");
    return slot;
}

/* ---- sessions ------------------------------------------------------------- */

static void on_sessions(void *ctx, api_reply *out)
{
    kiosk_service *svc = ctx;
    reply_text(out, 200, sess_board_json(svc->sh->board), NULL);
}

static char *on_snapshot(void *ctx)
{
    kiosk_service *svc = ctx;
    return sess_board_json(svc->sh->board);
}

static void on_session_get(void *ctx, const char *id, api_reply *out)
{
    kiosk_service *svc = ctx;
    int slot = slot_of(svc, id, out);
    if (slot >= 0)
        reply_slot(svc, out, 200, (size_t)slot);
}

static const char *member_str(json_object *o, const char *key, bool *bad)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || v == NULL)
        return NULL;
    if (!json_object_is_type(v, json_type_string)) {
        *bad = true;
        return NULL;
    }
    return json_object_get_string(v);
}

/* POST /sessions {"reader", "candidate_id", "qr"}: arms a reader — the
 * examiner names who is expected, or a client that scanned the card's QR
 * code hands it over — for the next card placed on it. */
static void on_session_start(void *ctx, const char *body, size_t len, api_reply *out)
{
    kiosk_service *svc = ctx;
    json_object *o = NULL;
    if (body && len) {
        json_tokener *tok = json_tokener_new();
        o = json_tokener_parse_ex(tok, body, (int)len);
        bool complete = json_tokener_get_error(tok) == json_tokener_success;
        json_tokener_free(tok);
        if (!o || !complete || !json_object_is_type(o, json_type_object)) {
            json_object_put(o);
            reply_error(out, 400, "bad_request", "the body must be a JSON object");
            return;
        }
    }
    bool bad = false;
    const char *reader = o ? member_str(o, "reader", &bad) : NULL;
    const char *candidate = o ? member_str(o, "candidate_id", &bad) : NULL;
    const char *qr = o ? member_str(o, "qr", &bad) : NULL;
    if (bad || (candidate && strlen(candidate) > 64) || (qr && strlen(qr) > SESS_QR_MAX)) {
        json_object_put(o);
        reply_error(out, 400, "bad_request", "reader, candidate_id and qr are strings");
        return;
    }
    size_t slot = 0;
    if (reader) {
        size_t i = 0;
        while (i < svc->n_workers && strcmp(svc->workers[i].reader, reader) != 0)
            i++;
        if (i == svc->n_workers) {
            json_object_put(o);
            reply_error(out, 404, "no_reader", "no reader has this name");
            return;
        }
        slot = i;
    }
    if (candidate)
        sess_worker_expect(&svc->workers[slot], candidate);
    if (qr)
        sess_qr_offer(svc->sh, qr, strlen(qr));
    if (o) {
        /* the QR text is personal data: do not leave it in freed memory */
        if (qr)
            OPENSSL_cleanse((void *)qr, strlen(qr));
        json_object_put(o);
    }
    reply_slot(svc, out, 201, slot);
}

static void on_session_cancel(void *ctx, const char *id, api_reply *out)
{
    kiosk_service *svc = ctx;
    int slot = slot_of(svc, id, out);
    if (slot < 0)
        return;
    if (sess_worker_cancel(&svc->workers[slot]) != KS_OK) {
        reply_error(out, 409, "not_cancellable", "the session is finished or storing");
        return;
    }
    reply_slot(svc, out, 200, (size_t)slot);
}

static void on_session_consent(void *ctx, const char *id, bool accept, const char *text_version,
                               api_reply *out)
{
    kiosk_service *svc = ctx;
    int slot = slot_of(svc, id, out);
    if (slot < 0)
        return;
    if (sess_worker_consent(&svc->workers[slot], accept, text_version) != KS_OK) {
        reply_error(out, 409, "not_asking",
                    "the session is not asking for consent, or for another text version");
        return;
    }
    reply_slot(svc, out, 200, (size_t)slot);
}

/* ---- records -------------------------------------------------------------- */

static void on_record_latest(void *ctx, const char *form, api_reply *out)
{
    kiosk_service *svc = ctx;
    char *latest = sess_latest_record(svc->sh);
    if (!latest) {
        reply_error(out, 404, "no_record", "no verified record is held (it is kept only briefly)");
        return;
    }
    if (strcmp(form, "record") == 0) {
        reply_text(out, 200, latest, NULL);
        return;
    }
    json_object *rec = NULL, *shaped = NULL;
    char err[RECORD_ERR_LEN];
    ks_status st = record_decode(latest, strlen(latest), &rec, err);
    OPENSSL_cleanse(latest, strlen(latest));
    free(latest);
    if (st == KS_OK) {
        if (strcmp(form, "fhir") == 0) {
            fhir_options fo = {.identifier_system = svc->fhir_identifier_system};
            st = fhir_patient_from_record(rec, &fo, &shaped);
        } else {
            st = guest_declaration_from_record(rec, &shaped);
        }
    }
    json_object_put(rec);
    if (st != KS_OK) {
        reply_error(out, 500, "internal", "the record could not be converted");
        return;
    }
    reply_json(out, 200, shaped);
    if (strcmp(form, "fhir") == 0)
        out->content_type = "application/fhir+json";
}

/* ---- queue, health, metrics ----------------------------------------------- */

static ks_status queue_counts(kiosk_service *svc, store_counts *c)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_lock(&svc->queue_lock);
    ks_status st = svc->queue ? store_status(svc->queue, sess_now_ms() / 1000, c) : KS_ERR_NOT_FOUND;
    pthread_mutex_unlock(&svc->queue_lock);
    return st;
}

static json_object *counts_json(const store_counts *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "pending", json_object_new_int64((int64_t)c->pending));
    json_object_object_add(o, "in_flight", json_object_new_int64((int64_t)c->in_flight));
    json_object_object_add(o, "acknowledged", json_object_new_int64((int64_t)c->acknowledged));
    json_object_object_add(o, "dead_letter", json_object_new_int64((int64_t)c->dead_letter));
    json_object_object_add(o, "oldest_pending_age_s", json_object_new_int64(c->oldest_pending_age_s));
    json_object_object_add(o, "stored_bytes", json_object_new_int64((int64_t)c->stored_bytes));
    return o;
}

static void on_queue(void *ctx, api_reply *out)
{
    kiosk_service *svc = ctx;
    store_counts c;
    if (queue_counts(svc, &c) != KS_OK) {
        reply_error(out, 503, "queue_unavailable", "the record queue cannot be read");
        return;
    }
    reply_json(out, 200, counts_json(&c));
}

static void on_health(void *ctx, api_reply *out)
{
    kiosk_service *svc = ctx;
    json_object *o = json_object_new_object();
    bool healthy = true;
    json_object *readers = json_object_new_array();
    int64_t now = sess_now_ms();
    for (size_t i = 0; i < svc->n_workers; i++) {
        sess_worker *w = &svc->workers[i];
        pthread_mutex_lock(&w->lock);
        int64_t beat = w->heartbeat_ms;
        pthread_mutex_unlock(&w->lock);
        sess_view v;
        sess_board_get(svc->sh->board, i, &v);
        json_object *r = json_object_new_object();
        json_object_object_add(r, "name", json_object_new_string(w->reader));
        json_object_object_add(r, "state", json_object_new_string(sess_state_name(v.state)));
        bool alive = now - beat < STUCK_MS;
        json_object_object_add(r, "responsive", json_object_new_boolean(alive));
        healthy = healthy && alive;
        json_object_array_add(readers, r);
    }
    json_object_object_add(o, "mode", json_object_new_string(svc->sh->mode));
    json_object_object_add(o, "readers", readers);
    json_object_object_add(o, "camera", json_object_new_string(
                                            svc->sh->camera_frames   ? "frames"
                                            : svc->sh->camera_device ? "v4l2"
                                                                     : "none"));
    store_counts c;
    if (queue_counts(svc, &c) == KS_OK)
        json_object_object_add(o, "queue", counts_json(&c));
    else
        healthy = false;
    pthread_mutex_lock(&svc->upload_lock);
    const char *receiver = svc->receiver_ok < 0 ? "not_configured"
                           : svc->receiver_ok  ? "ok"
                                               : "unreachable";
    json_object_object_add(o, "receiver", json_object_new_string(receiver));
    if (svc->upload_error[0])
        json_object_object_add(o, "upload_error", json_object_new_string(svc->upload_error));
    pthread_mutex_unlock(&svc->upload_lock);
    json_object_object_add(o, "status", json_object_new_string(healthy ? "ok" : "degraded"));
    reply_json(out, healthy ? 200 : 503, o);
}

static void on_metrics(void *ctx, api_reply *out)
{
    kiosk_service *svc = ctx;
    metrics_extra extra;
    memset(&extra, 0, sizeof extra);
    store_counts c;
    if (queue_counts(svc, &c) == KS_OK) {
        extra.queue[0] = c.pending;
        extra.queue[1] = c.in_flight;
        extra.queue[2] = c.acknowledged;
        extra.queue[3] = c.dead_letter;
    }
    pthread_mutex_lock(&svc->upload_lock);
    extra.uploaded = svc->uploaded;
    extra.upload_failures = svc->upload_failures;
    extra.receiver_ok = svc->receiver_ok > 0;
    pthread_mutex_unlock(&svc->upload_lock);
    reply_text(out, 200, metrics_render(&extra), "text/plain; version=0.0.4; charset=utf-8");
}

void service_upload_report(kiosk_service *svc, size_t acknowledged, const char *error)
{
    pthread_mutex_lock(&svc->upload_lock);
    svc->uploaded += acknowledged;
    if (error && *error) {
        svc->upload_failures++;
        svc->receiver_ok = 0;
        snprintf(svc->upload_error, sizeof svc->upload_error, "%s", error);
    } else {
        svc->receiver_ok = 1;
        svc->upload_error[0] = '\0';
    }
    pthread_mutex_unlock(&svc->upload_lock);
}

/* ---- the driving-test roster ---------------------------------------------- */

static void on_roster_put(void *ctx, const char *csv, size_t len, api_reply *out)
{
    kiosk_service *svc = ctx;
    roster *fresh = NULL;
    char err[ROSTER_ERR_LEN] = "";
    if (roster_new(&fresh) != KS_OK) {
        reply_error(out, 500, "internal", "out of memory");
        return;
    }
    if (roster_load_csv(fresh, csv ? csv : "", csv ? len : 0, err) != KS_OK) {
        roster_free(fresh);
        reply_error(out, 400, "bad_roster", err[0] ? err : "the roster is not valid CSV");
        return;
    }
    roster_counts counts;
    roster_get_counts(fresh, &counts);
    pthread_mutex_lock(&svc->roster_lock);
    roster *old = svc->roster;
    svc->roster = fresh;
    pthread_mutex_unlock(&svc->roster_lock);
    roster_free(old);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "candidates", json_object_new_int64((int64_t)counts.total));
    reply_json(out, 200, o);
}

static void on_roster_get(void *ctx, api_reply *out)
{
    kiosk_service *svc = ctx;
    json_object *o = NULL;
    pthread_mutex_lock(&svc->roster_lock);
    ks_status st = roster_to_json(svc->roster, &o);
    pthread_mutex_unlock(&svc->roster_lock);
    if (st != KS_OK) {
        reply_error(out, 500, "internal", "the roster could not be listed");
        return;
    }
    reply_json(out, 200, o);
}

static void on_roster_results(void *ctx, api_reply *out)
{
    kiosk_service *svc = ctx;
    char *csv = NULL;
    size_t len = 0;
    pthread_mutex_lock(&svc->roster_lock);
    ks_status st = roster_results_csv(svc->roster, &csv, &len);
    pthread_mutex_unlock(&svc->roster_lock);
    if (st != KS_OK) {
        reply_error(out, 500, "internal", "the results could not be written");
        return;
    }
    reply_text(out, 200, csv, "text/csv; charset=utf-8");
    out->len = len;
}

/* ---- hand-off ------------------------------------------------------------- */

static void put_handoff(json_object *o, char *handoff_json, size_t cap)
{
    snprintf(handoff_json, cap, "%s",
             json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

void service_handoff(void *ctx, const char *record_json, const char *record_id,
                     const char *candidate_id, char *handoff_json, size_t cap)
{
    kiosk_service *svc = ctx;
    json_object *o = json_object_new_object();
    switch (svc->sh->purpose) {
    case RECORD_PURPOSE_KIOSK:
        /* The citizen continues on the provincial portal with the record id. */
        if (svc->portal_url) {
            char url[400];
            snprintf(url, sizeof url, "%s%srecord=%s", svc->portal_url,
                     strchr(svc->portal_url, '?') ? "&" : "?", record_id);
            json_object_object_add(o, "portal_url", json_object_new_string(url));
        }
        break;
    case RECORD_PURPOSE_CLINIC:
        json_object_object_add(o, "sent_to", json_object_new_string("reception"));
        break;
    case RECORD_PURPOSE_LODGING:
        json_object_object_add(o, "sent_to", json_object_new_string("front_desk"));
        break;
    case RECORD_PURPOSE_DRIVING_TEST: {
        json_object *rec = NULL;
        char err[RECORD_ERR_LEN];
        roster_outcome outcome = ROSTER_NOT_ON_ROSTER;
        ks_status st = record_decode(record_json, strlen(record_json), &rec, err);
        if (st == KS_OK) {
            pthread_mutex_lock(&svc->roster_lock);
            st = roster_check_in(svc->roster, rec, candidate_id, sess_now_ms() / 1000, 0, &outcome);
            pthread_mutex_unlock(&svc->roster_lock);
        }
        json_object_put(rec);
        json_object_object_add(o, "status",
                               json_object_new_string(st == KS_OK ? roster_outcome_name(outcome)
                                                                  : "not_checked"));
        if (candidate_id)
            json_object_object_add(o, "candidate_id", json_object_new_string(candidate_id));
        break;
    }
    default:
        break;
    }
    put_handoff(o, handoff_json, cap);
}

void service_backend(kiosk_service *svc, api_backend *b)
{
    memset(b, 0, sizeof *b);
    b->ctx = svc;
    b->health = on_health;
    b->sessions = on_sessions;
    b->session_get = on_session_get;
    b->session_start = on_session_start;
    b->session_cancel = on_session_cancel;
    b->session_consent = on_session_consent;
    b->record_latest = on_record_latest;
    b->queue = on_queue;
    b->metrics = on_metrics;
    b->roster_put = on_roster_put;
    b->roster_get = on_roster_get;
    b->roster_results = on_roster_results;
    b->snapshot = on_snapshot;
}
