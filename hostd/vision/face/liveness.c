/*
 * liveness.c — see liveness.h.
 *
 * The open-eye baseline is a median, not a mean, so that a blink during the
 * first frames does not drag it down. Checks that can fail the session (gap,
 * jump, identity, timeout) run before any step can progress on a frame: a
 * frame that breaks continuity must never be the one that completes a step.
 */
#include "liveness.h"

#include <math.h>
#include <string.h>

void lv_config_default(lv_config *cfg)
{
    cfg->baseline_frames = 5;
    cfg->blink_close_ratio = 0.6f;
    cfg->blink_open_ratio = 0.85f;
    cfg->blink_max_ms = 1000;
    cfg->turn_deg = 20.0f;
    cfg->return_deg = 10.0f;
    cfg->step_timeout_ms = 7000;
    cfg->max_gap_ms = 500;
    cfg->max_jump = 0.5f;
    cfg->min_identity = 0.6f;
    cfg->min_antispoof = 0.5f;
    cfg->min_liveness = 0.5f;
    cfg->both_turns = 0;
}

const char *lv_reason_str(lv_reason reason)
{
    switch (reason) {
    case LV_REASON_NONE: return "no failure";
    case LV_REASON_TIMEOUT: return "the requested movement was not seen in time";
    case LV_REASON_FACE_LOST: return "face swapped or lost: the face left the view";
    case LV_REASON_FACE_JUMP: return "face swapped or lost: the face jumped between frames";
    case LV_REASON_MULTIPLE_FACES: return "more than one face in view";
    case LV_REASON_IDENTITY_CHANGED: return "face swapped or lost: a different face appeared";
    case LV_REASON_ANTISPOOF_HINT: return "the anti-spoofing hint indicates a presentation attack";
    case LV_REASON_LIVENESS_HINT: return "the liveness hint indicates a non-live face";
    case LV_REASON_COUNT: break;
    }
    return "unknown liveness reason";
}

const char *lv_step_str(lv_step step)
{
    switch (step) {
    case LV_STEP_BLINK: return "blink";
    case LV_STEP_TURN_LEFT: return "turn your head to your left";
    case LV_STEP_TURN_RIGHT: return "turn your head to your right";
    }
    return "unknown step";
}

static int lv_config_ok(const lv_config *c)
{
    return c->baseline_frames >= 1 && c->baseline_frames <= LV_MAX_BASELINE_FRAMES &&
           c->blink_close_ratio > 0.0f && c->blink_close_ratio < c->blink_open_ratio &&
           c->blink_open_ratio <= 2.0f && c->blink_max_ms > 0 && c->turn_deg > 0.0f &&
           c->turn_deg < 90.0f && c->return_deg >= 0.0f && c->return_deg < c->turn_deg &&
           c->step_timeout_ms > 0 && c->max_gap_ms > 0 && c->max_jump > 0.0f &&
           c->min_identity >= -1.0f && c->min_identity <= 1.0f && isfinite(c->min_antispoof) &&
           isfinite(c->min_liveness);
}

ks_status lv_start(lv_session *s, const lv_config *cfg, lv_rng_fn rng, void *rng_ctx)
{
    if (s == NULL || cfg == NULL || rng == NULL || !lv_config_ok(cfg))
        return KS_ERR_ARG;
    memset(s, 0, sizeof(*s));
    s->cfg = *cfg;
    s->state = LV_IN_PROGRESS;
    s->steps[s->step_count++] = LV_STEP_BLINK;
    if (cfg->both_turns) {
        s->steps[s->step_count++] = LV_STEP_TURN_LEFT;
        s->steps[s->step_count++] = LV_STEP_TURN_RIGHT;
    } else {
        s->steps[s->step_count++] = (rng(rng_ctx) & 1u) ? LV_STEP_TURN_LEFT : LV_STEP_TURN_RIGHT;
    }
    /* Fisher-Yates; the modulo bias for at most 3 items is negligible. */
    for (size_t i = s->step_count - 1; i > 0; i--) {
        size_t j = rng(rng_ctx) % (uint32_t)(i + 1);
        lv_step tmp = s->steps[i];
        s->steps[i] = s->steps[j];
        s->steps[j] = tmp;
    }
    return KS_OK;
}

void lv_get_status(const lv_session *s, lv_status *out)
{
    if (s == NULL || out == NULL)
        return;
    out->state = s->state;
    out->reason = s->reason;
    out->step_index = s->step_index;
    out->step_count = s->step_count;
    if (s->step_count == 0)
        out->prompt = LV_STEP_BLINK;
    else
        out->prompt = s->steps[s->step_index < s->step_count ? s->step_index : s->step_count - 1];
}

static void lv_fail(lv_session *s, lv_reason reason)
{
    s->state = LV_FAILED;
    s->reason = reason;
}

/* Fails on a step timeout or an over-long face gap at time t. */
static void lv_check_time(lv_session *s, uint64_t t)
{
    if (t - s->last_face_t > s->cfg.max_gap_ms)
        lv_fail(s, LV_REASON_FACE_LOST);
    else if (t - s->step_start_t > s->cfg.step_timeout_ms)
        lv_fail(s, LV_REASON_TIMEOUT);
}

static ks_status lv_begin_frame(lv_session *s, uint64_t t)
{
    if (!s->started) {
        s->started = 1;
        s->last_t = s->last_face_t = s->step_start_t = t;
        return KS_OK;
    }
    if (t < s->last_t)
        return KS_ERR_ARG;
    s->last_t = t;
    return KS_OK;
}

ks_status lv_tick(lv_session *s, uint64_t t_ms, lv_status *out)
{
    if (s == NULL || s->step_count == 0)
        return KS_ERR_ARG;
    if (s->state == LV_IN_PROGRESS) {
        ks_status st = lv_begin_frame(s, t_ms);
        if (st != KS_OK)
            return st;
        lv_check_time(s, t_ms);
    }
    lv_get_status(s, out);
    return KS_OK;
}

static int lv_frame_usable(const lv_frame *f)
{
    if (!isfinite(f->ear) || !isfinite(f->yaw_deg))
        return 0;
    for (size_t i = 0; i < 4; i++)
        if (!isfinite(f->box[i]))
            return 0;
    return f->box[2] > f->box[0] && f->box[3] > f->box[1];
}

static int lv_jumped(const lv_session *s, const float *box)
{
    if (!s->have_last_box)
        return 0;
    const float *p = s->last_box;
    double size = fmax((double)p[2] - p[0], (double)p[3] - p[1]);
    double new_size = fmax((double)box[2] - box[0], (double)box[3] - box[1]);
    double dx = ((double)box[0] + box[2] - p[0] - p[2]) * 0.5;
    double dy = ((double)box[1] + box[3] - p[1] - p[3]) * 0.5;
    double limit = s->cfg.max_jump;
    if (hypot(dx, dy) > limit * size)
        return 1;
    /* A face that grows or shrinks by that much in one frame is another face. */
    return new_size > size * (1.0 + limit) || new_size * (1.0 + limit) < size;
}

static void lv_add_hints(lv_session *s, const lv_frame *f)
{
    if (isfinite(f->antispoof)) {
        s->antispoof_sum += f->antispoof;
        s->antispoof_n++;
    }
    if (isfinite(f->liveness)) {
        s->liveness_sum += f->liveness;
        s->liveness_n++;
    }
}

static void lv_add_baseline(lv_session *s, float ear)
{
    if (s->baseline_n >= s->cfg.baseline_frames)
        return;
    /* Insertion keeps the samples sorted, so the median is the middle one. */
    uint32_t i = s->baseline_n++;
    while (i > 0 && s->baseline_samples[i - 1] > ear) {
        s->baseline_samples[i] = s->baseline_samples[i - 1];
        i--;
    }
    s->baseline_samples[i] = ear;
    if (s->baseline_n == s->cfg.baseline_frames)
        s->ear_baseline = s->baseline_samples[s->baseline_n / 2];
}

/* Returns 1 when the current step is completed by this frame. */
static int lv_progress(lv_session *s, const lv_frame *f)
{
    const lv_config *c = &s->cfg;
    switch (s->steps[s->step_index]) {
    case LV_STEP_BLINK:
        if (s->baseline_n < c->baseline_frames || !(s->ear_baseline > 0.0f))
            return 0;
        if (!s->eyes_closed) {
            if (f->ear < c->blink_close_ratio * s->ear_baseline) {
                s->eyes_closed = 1;
                s->closed_since = f->t_ms;
            }
            return 0;
        }
        if (f->ear > c->blink_open_ratio * s->ear_baseline) {
            s->eyes_closed = 0;
            return f->t_ms - s->closed_since <= c->blink_max_ms;
        }
        return 0;
    case LV_STEP_TURN_LEFT:
    case LV_STEP_TURN_RIGHT: {
        float signed_yaw = s->steps[s->step_index] == LV_STEP_TURN_LEFT ? f->yaw_deg : -f->yaw_deg;
        if (!s->turned) {
            s->turned = signed_yaw >= c->turn_deg;
            return 0;
        }
        return fabsf(f->yaw_deg) <= c->return_deg;
    }
    }
    return 0;
}

static void lv_finish(lv_session *s)
{
    const lv_config *c = &s->cfg;
    if (c->min_antispoof > 0.0f && s->antispoof_n > 0 &&
        s->antispoof_sum / s->antispoof_n < (double)c->min_antispoof) {
        lv_fail(s, LV_REASON_ANTISPOOF_HINT);
        return;
    }
    if (c->min_liveness > 0.0f && s->liveness_n > 0 &&
        s->liveness_sum / s->liveness_n < (double)c->min_liveness) {
        lv_fail(s, LV_REASON_LIVENESS_HINT);
        return;
    }
    s->state = LV_PASSED;
}

ks_status lv_update(lv_session *s, const lv_frame *f, lv_status *out)
{
    if (s == NULL || f == NULL || s->step_count == 0)
        return KS_ERR_ARG;
    if (s->state != LV_IN_PROGRESS) {
        lv_get_status(s, out);
        return KS_OK;
    }
    ks_status st = lv_begin_frame(s, f->t_ms);
    if (st != KS_OK)
        return st;
    uint64_t t = f->t_ms;
    if (f->face_count > 1) {
        lv_fail(s, LV_REASON_MULTIPLE_FACES);
    } else if (f->face_count == 0 || !lv_frame_usable(f)) {
        lv_check_time(s, t);
    } else {
        lv_check_time(s, t);
        if (s->state == LV_IN_PROGRESS && lv_jumped(s, f->box))
            lv_fail(s, LV_REASON_FACE_JUMP);
        if (s->state == LV_IN_PROGRESS && isfinite(f->identity_sim) &&
            f->identity_sim < s->cfg.min_identity)
            lv_fail(s, LV_REASON_IDENTITY_CHANGED);
        if (s->state == LV_IN_PROGRESS) {
            s->last_face_t = t;
            memcpy(s->last_box, f->box, sizeof(s->last_box));
            s->have_last_box = 1;
            lv_add_hints(s, f);
            lv_add_baseline(s, f->ear);
            if (lv_progress(s, f)) {
                s->step_index++;
                s->step_start_t = t;
                s->eyes_closed = 0;
                s->turned = 0;
                if (s->step_index == s->step_count)
                    lv_finish(s);
            }
        }
    }
    lv_get_status(s, out);
    return KS_OK;
}
