/*
 * liveness.h — the liveness decision: an active challenge over a sequence of
 * frames, with passive model scores as weak hints. Always a decision with a
 * reason, never a bare boolean.
 *
 * Active challenge: a blink and a head turn (one random direction, or both
 * directions) asked in a random order drawn from a caller-provided RNG. The
 * caller feeds every frame's measures: timestamp, number of faces, eye aspect
 * ratio and yaw (from mesh.h), the face box, and the cosine similarity of
 * this frame's identity embedding to the first frame's (the caller computes
 * it; NaN when not computed for this frame).
 *   - blink: the mean EAR falls below blink_close_ratio x the subject's
 *     open-eye baseline (median EAR of the first baseline_frames frames) and
 *     rises back above blink_open_ratio x baseline within blink_max_ms.
 *   - turn left/right: yaw goes beyond +-turn_deg in the asked direction
 *     (mesh.h signs: + is the subject's own left), then back within
 *     return_deg of straight. A turn the other way does not count.
 *   - each step must finish within step_timeout_ms of its start.
 *   - throughout: exactly one face; no gap without a face longer than
 *     max_gap_ms; no jump of the face centre by more than max_jump x the box
 *     size between consecutive frames; the identity similarity stays at or
 *     above min_identity. Any breach fails the session at once.
 * Passive hints: antispoof and liveness model scores (1 = real; NaN = not
 * run) are averaged over the session; when the challenge is done, a mean
 * below its threshold fails the session with its own reason. They only ever
 * veto; they never pass a session on their own.
 *
 * Once passed or failed, the session stays so; further frames change nothing.
 * Ownership: lv_session is a plain caller-owned struct, no heap. Errors:
 * KS_ERR_ARG for NULL, a bad config or a timestamp earlier than the last.
 */
#ifndef KS_LIVENESS_H
#define KS_LIVENESS_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define LV_MAX_STEPS 3u
#define LV_MAX_BASELINE_FRAMES 15u

typedef enum lv_step {
    LV_STEP_BLINK,
    LV_STEP_TURN_LEFT,  /* the subject's own left */
    LV_STEP_TURN_RIGHT,
} lv_step;

typedef enum lv_state {
    LV_IN_PROGRESS,
    LV_PASSED,
    LV_FAILED,
} lv_state;

typedef enum lv_reason {
    LV_REASON_NONE = 0,
    LV_REASON_TIMEOUT,
    LV_REASON_FACE_LOST,
    LV_REASON_FACE_JUMP,
    LV_REASON_MULTIPLE_FACES,
    LV_REASON_IDENTITY_CHANGED,
    LV_REASON_ANTISPOOF_HINT,
    LV_REASON_LIVENESS_HINT,
    LV_REASON_COUNT
} lv_reason;

typedef struct lv_config {
    uint32_t baseline_frames;  /* default 5 (<= LV_MAX_BASELINE_FRAMES) */
    float blink_close_ratio;   /* default 0.6 */
    float blink_open_ratio;    /* default 0.85 */
    uint32_t blink_max_ms;     /* default 1000 */
    float turn_deg;            /* default 20 */
    float return_deg;          /* default 10 */
    uint32_t step_timeout_ms;  /* default 7000 */
    uint32_t max_gap_ms;       /* default 500 */
    float max_jump;            /* default 0.5 (fraction of the box size per frame) */
    float min_identity;        /* default 0.6 (cosine similarity) */
    float min_antispoof;       /* default 0.5; <= 0 disables the hint */
    float min_liveness;        /* default 0.5; <= 0 disables the hint */
    int both_turns;            /* default 0: one turn, random direction */
} lv_config;

typedef struct lv_frame {
    uint64_t t_ms;
    uint32_t face_count;     /* the other fields matter only when this is 1 */
    float ear;               /* mean eye aspect ratio */
    float yaw_deg;
    float box[4];            /* face box xmin, ymin, xmax, ymax */
    float identity_sim;      /* vs. the first frame; NaN = not computed */
    float antispoof;         /* NaN = not run */
    float liveness;          /* NaN = not run */
} lv_frame;

typedef struct lv_status {
    lv_state state;
    lv_reason reason;   /* why it failed; NONE otherwise */
    lv_step prompt;     /* the current step (meaningful in progress) */
    size_t step_index;  /* steps done so far */
    size_t step_count;
} lv_status;

/* Returns a uniformly distributed 32-bit value. */
typedef uint32_t (*lv_rng_fn)(void *ctx);

typedef struct lv_session {
    lv_config cfg;
    lv_step steps[LV_MAX_STEPS];
    size_t step_count, step_index;
    lv_state state;
    lv_reason reason;
    int started;
    uint64_t last_t, last_face_t, step_start_t;
    float last_box[4];
    int have_last_box;
    float baseline_samples[LV_MAX_BASELINE_FRAMES];
    uint32_t baseline_n;
    float ear_baseline;
    int eyes_closed;
    uint64_t closed_since;
    int turned;
    double antispoof_sum, liveness_sum;
    uint32_t antispoof_n, liveness_n;
} lv_session;

void lv_config_default(lv_config *cfg);

/* Short English text for the screen or the log (no personal data). */
const char *lv_reason_str(lv_reason reason);
const char *lv_step_str(lv_step step);

/* Starts a session: draws the step order (and the turn's direction) from rng. */
ks_status lv_start(lv_session *s, const lv_config *cfg, lv_rng_fn rng, void *rng_ctx);

/* Feeds one frame; *out (may be NULL) receives the state afterwards. */
ks_status lv_update(lv_session *s, const lv_frame *frame, lv_status *out);

/* Current state without feeding a frame or advancing time. */
void lv_get_status(const lv_session *s, lv_status *out);

/* Advances time without a frame, so a silent camera still ends in a timeout
 * or "face lost". Same errors as lv_update. */
ks_status lv_tick(lv_session *s, uint64_t t_ms, lv_status *out);

#endif
