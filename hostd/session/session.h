/*
 * session.h — the kiosk session as the screen and the API see it: its
 * states, the moves allowed between them, the failure codes, and the board
 * that holds every reader's current view and publishes each change.
 *
 *   waiting -> reading -> face -> liveness -> consent -> storing -> done
 *                 \________\________\___________\__________\-----> failed
 *   done / failed -> waiting (after the result has been shown)
 *
 * A view never holds personal data: no name, number or date leaves the
 * worker through it (docs/local-api.yaml, "SessionState").
 *
 * The board is thread-safe. sess_board_update() refuses a move the diagram
 * does not allow (KS_ERR_ARG) so a bug in a worker shows up in the tests
 * instead of as a screen that jumps backwards.
 */
#ifndef KS_SESSION_H
#define KS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef enum sess_state {
    SESS_WAITING = 0,
    SESS_READING,
    SESS_FACE,
    SESS_LIVENESS,
    SESS_CONSENT,
    SESS_STORING,
    SESS_DONE,
    SESS_FAILED,
    SESS_STATE_COUNT
} sess_state;

typedef enum sess_error {
    SESS_OK = 0,
    SESS_ERR_CARD_REMOVED,
    SESS_ERR_ACCESS_DENIED,
    SESS_ERR_NOT_GENUINE,
    SESS_ERR_NO_FACE,
    SESS_ERR_FACE_MISMATCH,
    SESS_ERR_LIVENESS_FAILED,
    SESS_ERR_TIMEOUT,
    SESS_ERR_CANCELLED,
    SESS_ERR_CONSENT_REFUSED,
    SESS_ERR_CAMERA_UNAVAILABLE,
    SESS_ERR_READER_UNAVAILABLE,
    SESS_ERR_STORE_FAILED,
    SESS_ERR_INTERNAL,
    SESS_ERR_COUNT
} sess_error;

#define SESS_ID_LEN 26
#define SESS_STEPS 5

typedef struct sess_view {
    char id[SESS_ID_LEN + 1];     /* "" while waiting */
    char reader[128];
    const char *mode;             /* "kiosk", "clinic", "driving-test", "lodging" */
    sess_state state;
    /* liveness: the action asked now ("blink", "turn_left", "turn_right") */
    const char *action;
    int challenge_index, challenge_count;
    char consent_version[65];     /* consent */
    /* done, and failed after a chip verdict */
    bool has_outcome;
    const char *verdict;          /* "genuine" / "not_genuine" / "inconclusive" */
    const char *face_match;       /* "match" / "no_match" / "not_performed" */
    const char *liveness;         /* "live" / "not_live" / "not_performed" */
    char record_id[SESS_ID_LEN + 1];
    char handoff_json[512];       /* a JSON object without personal data, or "" */
    sess_error error;             /* failed */
    char message[160];            /* failed: one English line, no personal data */
    uint32_t reset_in_ms;         /* done / failed */
} sess_view;

const char *sess_state_name(sess_state s);
const char *sess_error_code(sess_error e);
/* Progress shown on the screen: waiting 0 ... storing and done SESS_STEPS. */
int sess_progress(sess_state s);
bool sess_can_move(sess_state from, sess_state to);

/* One line of JSON (malloc'd) for the view, numbered seq. */
char *sess_view_json(const sess_view *v, uint64_t seq);

typedef struct sess_board sess_board;
/* Called with each change, under the board's lock (keep it short). */
typedef void (*sess_publish_fn)(void *ctx, const char *json);

ks_status sess_board_new(size_t n_readers, sess_publish_fn publish, void *publish_ctx,
                         sess_board **out);
void sess_board_free(sess_board *b);
/* Slot i's reader name and mode; its state starts as waiting. */
void sess_board_init_slot(sess_board *b, size_t i, const char *reader, const char *mode);
size_t sess_board_count(const sess_board *b);
/* Replaces slot i's view after checking the move; publishes it. */
ks_status sess_board_update(sess_board *b, size_t i, const sess_view *v);
/* A copy of slot i's view. */
void sess_board_get(sess_board *b, size_t i, sess_view *out);
/* The slot whose session id is id, or -1. */
int sess_board_find(sess_board *b, const char *id);
/* Every slot as a JSON array (malloc'd), and one slot's JSON. */
char *sess_board_json(sess_board *b);
char *sess_board_slot_json(sess_board *b, size_t i);

#endif
