#include "session.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static const char *const STATE_NAMES[SESS_STATE_COUNT] = {
    "waiting", "reading", "face", "liveness", "consent", "storing", "done", "failed",
};

static const char *const ERROR_CODES[SESS_ERR_COUNT] = {
    NULL, "card_removed", "access_denied", "not_genuine", "no_face", "face_mismatch",
    "liveness_failed", "timeout", "cancelled", "consent_refused", "camera_unavailable",
    "reader_unavailable", "store_failed", "internal",
};

const char *sess_state_name(sess_state s)
{
    return (unsigned)s < SESS_STATE_COUNT ? STATE_NAMES[s] : "unknown";
}

const char *sess_error_code(sess_error e)
{
    return (unsigned)e < SESS_ERR_COUNT && ERROR_CODES[e] ? ERROR_CODES[e] : "none";
}

int sess_progress(sess_state s)
{
    switch (s) {
    case SESS_WAITING: return 0;
    case SESS_READING: return 1;
    case SESS_FACE: return 2;
    case SESS_LIVENESS: return 3;
    case SESS_CONSENT: return 4;
    default: return SESS_STEPS;
    }
}

bool sess_can_move(sess_state from, sess_state to)
{
    if ((unsigned)from >= SESS_STATE_COUNT || (unsigned)to >= SESS_STATE_COUNT)
        return false;
    if (from == to)
        return true; /* the same state with new details (the next challenge step) */
    switch (from) {
    case SESS_WAITING: return to == SESS_READING || to == SESS_FAILED;
    case SESS_READING: return to == SESS_FACE || to == SESS_FAILED;
    case SESS_FACE: return to == SESS_LIVENESS || to == SESS_FAILED;
    case SESS_LIVENESS: return to == SESS_CONSENT || to == SESS_FAILED;
    case SESS_CONSENT: return to == SESS_STORING || to == SESS_FAILED;
    case SESS_STORING: return to == SESS_DONE || to == SESS_FAILED;
    case SESS_DONE:
    case SESS_FAILED: return to == SESS_WAITING;
    default: return false;
    }
}

static void add_str(json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, v && *v ? json_object_new_string(v) : NULL);
}

char *sess_view_json(const sess_view *v, uint64_t seq)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "seq", json_object_new_int64((int64_t)seq));
    add_str(o, "session", v->id);
    add_str(o, "reader", v->reader);
    add_str(o, "mode", v->mode);
    add_str(o, "state", sess_state_name(v->state));
    json_object_object_add(o, "step", json_object_new_int(sess_progress(v->state)));
    json_object_object_add(o, "steps", json_object_new_int(SESS_STEPS));

    json_object *challenge = NULL;
    if (v->state == SESS_LIVENESS && v->action) {
        challenge = json_object_new_object();
        add_str(challenge, "action", v->action);
        json_object_object_add(challenge, "index", json_object_new_int(v->challenge_index));
        json_object_object_add(challenge, "count", json_object_new_int(v->challenge_count));
    }
    json_object_object_add(o, "challenge", challenge);

    json_object *consent = NULL;
    if (v->state == SESS_CONSENT) {
        consent = json_object_new_object();
        add_str(consent, "text_version", v->consent_version);
    }
    json_object_object_add(o, "consent", consent);

    json_object *outcome = NULL;
    if (v->has_outcome && (v->state == SESS_DONE || v->state == SESS_FAILED)) {
        outcome = json_object_new_object();
        add_str(outcome, "verdict", v->verdict);
        add_str(outcome, "face_match", v->face_match);
        add_str(outcome, "liveness", v->liveness);
        add_str(outcome, "record_id", v->record_id);
        json_object *handoff = v->handoff_json[0] ? json_tokener_parse(v->handoff_json) : NULL;
        json_object_object_add(outcome, "handoff", handoff);
    }
    json_object_object_add(o, "outcome", outcome);

    json_object *error = NULL;
    if (v->state == SESS_FAILED) {
        error = json_object_new_object();
        add_str(error, "code", sess_error_code(v->error));
        add_str(error, "message", v->message);
    }
    json_object_object_add(o, "error", error);
    json_object_object_add(o, "reset_in_ms",
                           (v->state == SESS_DONE || v->state == SESS_FAILED)
                               ? json_object_new_int64(v->reset_in_ms)
                               : NULL);
    char *out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return out;
}

struct sess_board {
    pthread_mutex_t lock;
    size_t n;
    sess_view *slots;
    uint64_t seq;
    sess_publish_fn publish;
    void *publish_ctx;
};

ks_status sess_board_new(size_t n_readers, sess_publish_fn publish, void *publish_ctx,
                         sess_board **out)
{
    if (!out || n_readers == 0)
        return KS_ERR_ARG;
    sess_board *b = calloc(1, sizeof *b);
    if (!b)
        return KS_ERR_NO_MEMORY;
    b->slots = calloc(n_readers, sizeof *b->slots);
    if (!b->slots) {
        free(b);
        return KS_ERR_NO_MEMORY;
    }
    pthread_mutex_init(&b->lock, NULL);
    b->n = n_readers;
    b->publish = publish;
    b->publish_ctx = publish_ctx;
    *out = b;
    return KS_OK;
}

void sess_board_free(sess_board *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->lock);
    free(b->slots);
    free(b);
}

void sess_board_init_slot(sess_board *b, size_t i, const char *reader, const char *mode)
{
    if (i >= b->n)
        return;
    pthread_mutex_lock(&b->lock);
    memset(&b->slots[i], 0, sizeof b->slots[i]);
    strncpy(b->slots[i].reader, reader, sizeof b->slots[i].reader - 1);
    b->slots[i].mode = mode;
    b->slots[i].state = SESS_WAITING;
    pthread_mutex_unlock(&b->lock);
}

size_t sess_board_count(const sess_board *b)
{
    return b->n;
}

ks_status sess_board_update(sess_board *b, size_t i, const sess_view *v)
{
    if (i >= b->n || !v)
        return KS_ERR_ARG;
    pthread_mutex_lock(&b->lock);
    if (!sess_can_move(b->slots[i].state, v->state)) {
        pthread_mutex_unlock(&b->lock);
        return KS_ERR_ARG;
    }
    sess_view copy = *v;
    /* The slot's identity is fixed at start-up whatever the worker says. */
    memcpy(copy.reader, b->slots[i].reader, sizeof copy.reader);
    copy.mode = b->slots[i].mode;
    b->slots[i] = copy;
    uint64_t seq = ++b->seq;
    if (b->publish) {
        char *json = sess_view_json(&copy, seq);
        if (json)
            b->publish(b->publish_ctx, json);
        free(json);
    }
    pthread_mutex_unlock(&b->lock);
    return KS_OK;
}

void sess_board_get(sess_board *b, size_t i, sess_view *out)
{
    pthread_mutex_lock(&b->lock);
    if (i < b->n)
        *out = b->slots[i];
    else
        memset(out, 0, sizeof *out);
    pthread_mutex_unlock(&b->lock);
}

int sess_board_find(sess_board *b, const char *id)
{
    int found = -1;
    if (!id || !*id)
        return -1;
    pthread_mutex_lock(&b->lock);
    for (size_t i = 0; i < b->n && found < 0; i++)
        if (strcmp(b->slots[i].id, id) == 0)
            found = (int)i;
    pthread_mutex_unlock(&b->lock);
    return found;
}

char *sess_board_slot_json(sess_board *b, size_t i)
{
    pthread_mutex_lock(&b->lock);
    char *json = i < b->n ? sess_view_json(&b->slots[i], b->seq) : NULL;
    pthread_mutex_unlock(&b->lock);
    return json;
}

char *sess_board_json(sess_board *b)
{
    json_object *arr = json_object_new_array();
    pthread_mutex_lock(&b->lock);
    for (size_t i = 0; i < b->n; i++) {
        char *one = sess_view_json(&b->slots[i], b->seq);
        json_object *o = one ? json_tokener_parse(one) : NULL;
        free(one);
        if (o)
            json_object_array_add(arr, o);
    }
    pthread_mutex_unlock(&b->lock);
    char *out = strdup(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(arr);
    return out;
}
