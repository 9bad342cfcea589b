/*
 * facemotion.c — see facemotion.h.
 *
 * Timing choices: a real blink closes in under 100 ms, stays shut for about
 * 100-200 ms and reopens a little more slowly; the ramps are therefore short
 * and at low frame rates collapse to single frames, which still leaves at
 * least one fully closed frame. A head turn takes about half a second each
 * way with a short hold, and the straight pauses between gestures let the
 * liveness check see "back to straight" before the next gesture begins. The
 * whole cycle is about 4.8 s, well inside the 7 s per-step timeout, so a
 * challenge step asked at any moment is performed within one cycle.
 */
#include "facemotion.h"

#include <math.h>
#include <string.h>

#define FM_PI 3.14159265358979323846

/* How far an upper-lid point travels toward its lower partner at closure 1.
 * All the way: the eye-opening triangles vanish and the lid skin, whose
 * texture kiosk-facesim lifts above the lash line, covers the eye. */
#define FM_LID_TRAVEL 1.0

enum { FM_CHEEK_RIGHT = 234, FM_CHEEK_LEFT = 454 };

typedef struct fm_eye {
    uint16_t corner_a, corner_b;
    uint16_t upper[7], lower[7]; /* upper[i] sits above lower[i] */
} fm_eye;

/* The eye contours of mesh.c, split into lids and paired column by column. */
static const fm_eye fm_eyes[2] = {
    { 33, 133, { 246, 161, 160, 159, 158, 157, 173 }, { 7, 163, 144, 145, 153, 154, 155 } },
    { 263, 362, { 466, 388, 387, 386, 385, 384, 398 }, { 249, 390, 373, 374, 380, 381, 382 } },
};

static uint32_t fm_frames(double fps, double seconds, uint32_t at_least)
{
    double f = floor(fps * seconds + 0.5);
    return f < (double)at_least ? at_least : (uint32_t)f;
}

static void fm_add(facemotion_plan *p, uint32_t frames, float yaw0, float yaw1, float c0, float c1)
{
    if (frames == 0)
        return;
    facemotion_segment s = { frames, yaw0, yaw1, c0, c1 };
    p->seg[p->nseg++] = s;
    p->cycle_frames += frames;
}

ks_status facemotion_plan_make(double fps, float left_deg, float right_deg, facemotion_plan *plan)
{
    if (plan == NULL || !(fps >= FACEMOTION_MIN_FPS && fps <= FACEMOTION_MAX_FPS) ||
        !(left_deg > 0.0f && left_deg <= 60.0f) || !(right_deg > 0.0f && right_deg <= 60.0f))
        return KS_ERR_ARG;
    memset(plan, 0, sizeof(*plan));
    plan->fps = fps;
    /* The liveness baseline wants at least 5 open-eyed frames. */
    plan->lead_frames = fm_frames(fps, 1.0, 5);
    float t = left_deg, r = right_deg;
    uint32_t close = fm_frames(fps, 0.08, 1), open = fm_frames(fps, 0.15, 1);
    uint32_t shut = fm_frames(fps, 0.2, 1) - 1; /* the closing ramp's last frame is shut too */
    uint32_t pause = fm_frames(fps, 0.6, 2), turn = fm_frames(fps, 0.5, 2), hold = fm_frames(fps, 0.3, 1);
    fm_add(plan, close, 0, 0, 0, 1);
    fm_add(plan, shut, 0, 0, 1, 1);
    fm_add(plan, open, 0, 0, 1, 0);
    fm_add(plan, pause, 0, 0, 0, 0);
    fm_add(plan, turn, 0, t, 0, 0);
    fm_add(plan, hold, t, t, 0, 0);
    fm_add(plan, turn, t, 0, 0, 0);
    fm_add(plan, pause, 0, 0, 0, 0);
    fm_add(plan, turn, 0, -r, 0, 0);
    fm_add(plan, hold, -r, -r, 0, 0);
    fm_add(plan, turn, -r, 0, 0, 0);
    fm_add(plan, pause, 0, 0, 0, 0);
    return KS_OK;
}

double facemotion_cycle_ms(const facemotion_plan *plan)
{
    return plan->cycle_frames * 1000.0 / plan->fps;
}

/* Raised cosine: 0 -> 1 with zero slope at both ends. */
static double fm_ease(double x)
{
    return 0.5 - 0.5 * cos(FM_PI * x);
}

facemotion_pose facemotion_at(const facemotion_plan *plan, uint64_t k)
{
    facemotion_pose pose = { 0.0f, 0.0f };
    if (plan == NULL || plan->cycle_frames == 0)
        return pose;
    k %= plan->cycle_frames;
    for (size_t i = 0; i < plan->nseg; i++) {
        const facemotion_segment *s = &plan->seg[i];
        if (k >= s->frames) {
            k -= s->frames;
            continue;
        }
        /* The segment's last frame reaches its end value. */
        double e = fm_ease((double)(k + 1) / s->frames);
        pose.yaw_deg = (float)(s->yaw_from + (s->yaw_to - s->yaw_from) * e);
        pose.closure = (float)(s->closure_from + (s->closure_to - s->closure_from) * e);
        break;
    }
    return pose;
}

ks_status facemotion_lid_contours(size_t eye, uint16_t upper[9], uint16_t lower[9])
{
    if (eye > 1 || upper == NULL || lower == NULL)
        return KS_ERR_ARG;
    const fm_eye *e = &fm_eyes[eye];
    upper[0] = lower[0] = e->corner_a;
    upper[8] = lower[8] = e->corner_b;
    memcpy(upper + 1, e->upper, sizeof(e->upper));
    memcpy(lower + 1, e->lower, sizeof(e->lower));
    return KS_OK;
}

static double fm_dist(const mesh_point *a, const mesh_point *b)
{
    return hypot((double)a->x - b->x, (double)a->y - b->y);
}

static int fm_is_lid_point(const fm_eye *e, size_t i)
{
    if (i == e->corner_a || i == e->corner_b)
        return 1;
    for (size_t k = 0; k < 7; k++)
        if (i == e->upper[k] || i == e->lower[k])
            return 1;
    return 0;
}

static void fm_move(mesh_point *p, const mesh_point *from, const mesh_point *to, double f)
{
    p->x = (float)(p->x + f * ((double)to->x - from->x));
    p->y = (float)(p->y + f * ((double)to->y - from->y));
    p->z = (float)(p->z + f * ((double)to->z - from->z));
}

/* Moves the points of one lid (lid[k] toward other[k] by `travel`); skin on
 * the outer side of that lid (above an upper lid: side < 0, below a lower
 * lid: side > 0) follows the nearest lid point with a weight falling
 * linearly to 0 at `reach`. Since reach exceeds any lid travel, points keep
 * their vertical order and no triangle folds over. */
static void fm_move_lid(const mesh_point *neutral, const fm_eye *e, const uint16_t *lid, const uint16_t *other,
                        double travel, double reach, int side, mesh_point *out)
{
    for (size_t k = 0; k < 7; k++)
        fm_move(&out[lid[k]], &neutral[lid[k]], &neutral[other[k]], travel);
    for (size_t i = 0; i < MESH_NUM_LANDMARKS; i++) {
        if (fm_is_lid_point(e, i))
            continue;
        size_t best = 0;
        double best_d = INFINITY;
        for (size_t k = 0; k < 7; k++) {
            double d = fm_dist(&neutral[i], &neutral[lid[k]]);
            if (d < best_d) {
                best_d = d;
                best = k;
            }
        }
        const mesh_point *u = &neutral[lid[best]];
        double beyond = side * ((double)neutral[i].y - u->y);
        if (!(beyond > 0.0) || best_d >= reach)
            continue; /* inside the eye, or too far to be lid skin */
        fm_move(&out[i], u, &neutral[other[best]], travel * (1.0 - best_d / reach));
    }
}

/* Closes one eye by lowering the upper lid onto the lower one (in a real
 * blink the upper lid does nearly all the travel). */
static void fm_blink_eye(const mesh_point *neutral, const fm_eye *e, double closure, mesh_point *out)
{
    double width = fm_dist(&neutral[e->corner_a], &neutral[e->corner_b]);
    double max_gap = 0.0;
    for (size_t k = 0; k < 7; k++)
        max_gap = fmax(max_gap, fm_dist(&neutral[e->upper[k]], &neutral[e->lower[k]]));
    double reach = fmax(0.5 * width, 1.5 * max_gap);
    if (!(reach > 0.0))
        return;
    fm_move_lid(neutral, e, e->upper, e->lower, closure * FM_LID_TRAVEL, reach, -1, out);
}

static void fm_turn(mesh_point *lm, double yaw_deg)
{
    double cx = 0.5 * ((double)lm[FM_CHEEK_RIGHT].x + lm[FM_CHEEK_LEFT].x);
    double cz = 0.5 * ((double)lm[FM_CHEEK_RIGHT].z + lm[FM_CHEEK_LEFT].z);
    double c = cos(yaw_deg * FM_PI / 180.0), s = sin(yaw_deg * FM_PI / 180.0);
    for (size_t i = 0; i < MESH_NUM_LANDMARKS; i++) {
        double x = lm[i].x - cx, z = lm[i].z - cz;
        /* Nearer points (smaller z) swing toward +x for a turn to the left. */
        lm[i].x = (float)(cx + x * c - z * s);
        lm[i].z = (float)(cz + x * s + z * c);
    }
}

ks_status facemotion_apply(const mesh_point *neutral, size_t n, facemotion_pose pose, mesh_point *out)
{
    if (neutral == NULL || out == NULL || n != MESH_NUM_LANDMARKS || neutral == out ||
        !(pose.closure >= 0.0f && pose.closure <= 1.0f) || !isfinite(pose.yaw_deg) ||
        fabsf(pose.yaw_deg) > 90.0f)
        return KS_ERR_ARG;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(neutral[i].x) || !isfinite(neutral[i].y) || !isfinite(neutral[i].z))
            return KS_ERR_ARG;
    memcpy(out, neutral, n * sizeof(*out));
    if (pose.closure > 0.0f)
        for (size_t e = 0; e < 2; e++)
            fm_blink_eye(neutral, &fm_eyes[e], pose.closure, out);
    if (pose.yaw_deg != 0.0f)
        fm_turn(out, pose.yaw_deg);
    return KS_OK;
}
