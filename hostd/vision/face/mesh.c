/*
 * mesh.c — see mesh.h.
 *
 * Pose is a geometric estimate, not a fitted 3-D model: facemesh already
 * predicts depth, so the face's horizontal axis (cheek to cheek) and vertical
 * axis (forehead to chin) can be read directly. A rotation about the vertical
 * axis by yaw turns the cheek vector (w, 0, 0) into (w cos yaw, 0, w sin yaw)
 * with z pointing away from the camera, so yaw = atan2(dz, dx); likewise a
 * look upwards turns the chin vector (0, h, 0) into (0, h cos p, -h sin p).
 */
#include "mesh.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define MESH_PI 3.14159265358979323846

/* Converting an out-of-range double to float is undefined behaviour in C;
 * saturate instead (NaN stays NaN). */
static float mesh_f(double v)
{
    if (v > FLT_MAX)
        return FLT_MAX;
    if (v < -FLT_MAX)
        return -FLT_MAX;
    return (float)v;
}

static const uint16_t mesh_right_eye_contour[16] = { 246, 161, 160, 159, 158, 157, 173, 33,
                                                     7,   163, 144, 145, 153, 154, 155, 133 };
static const uint16_t mesh_left_eye_contour[16] = { 466, 388, 387, 386, 385, 384, 398, 263,
                                                    249, 390, 373, 374, 380, 381, 382, 362 };

enum {
    MESH_NOSE_TIP = 1,
    MESH_MOUTH_RIGHT = 61,
    MESH_MOUTH_LEFT = 291,
    MESH_FACE_RIGHT_EDGE = 234,
    MESH_FACE_LEFT_EDGE = 454,
    MESH_FOREHEAD = 10,
    MESH_CHIN = 152,
};

typedef struct mesh_eye_lids {
    uint16_t corner_a, corner_b;
    uint16_t upper[3], lower[3];
} mesh_eye_lids;

static const mesh_eye_lids mesh_right_lids = { 33, 133, { 160, 159, 158 }, { 144, 145, 153 } };
static const mesh_eye_lids mesh_left_lids = { 263, 362, { 387, 386, 385 }, { 373, 374, 380 } };

ks_status mesh_affine_from_box(const float box[4], double angle_rad, uint32_t crop_size,
                               mesh_affine *out)
{
    if (box == NULL || out == NULL || crop_size == 0 || !isfinite(angle_rad))
        return KS_ERR_ARG;
    for (size_t i = 0; i < 4; i++)
        if (!isfinite(box[i]))
            return KS_ERR_ARG;
    double w = (double)box[2] - box[0], h = (double)box[3] - box[1];
    if (!(w > 0.0 && h > 0.0))
        return KS_ERR_ARG;
    double sx = w / crop_size, sy = h / crop_size;
    double cs = cos(angle_rad), sn = sin(angle_rad);
    double cx = ((double)box[0] + box[2]) * 0.5, cy = ((double)box[1] + box[3]) * 0.5;
    double half = crop_size * 0.5;
    /* image = centre + R(angle) * S * (crop - half) */
    out->a = cs * sx;
    out->b = -sn * sy;
    out->c = sn * sx;
    out->d = cs * sy;
    out->tx = cx - (out->a * half + out->b * half);
    out->ty = cy - (out->c * half + out->d * half);
    return KS_OK;
}

ks_status mesh_decode(const float *raw, size_t raw_len, const mesh_affine *m, mesh_point *out,
                      size_t cap)
{
    if (raw == NULL || m == NULL || out == NULL || raw_len != (size_t)MESH_NUM_LANDMARKS * 3u)
        return KS_ERR_ARG;
    if (cap < MESH_NUM_LANDMARKS)
        return KS_ERR_TOO_LARGE;
    double det = m->a * m->d - m->b * m->c;
    if (!isfinite(det) || fabs(det) < 1e-12 || !isfinite(m->tx) || !isfinite(m->ty))
        return KS_ERR_ARG;
    double zscale = sqrt(fabs(det));
    for (size_t i = 0; i < MESH_NUM_LANDMARKS; i++) {
        double u = raw[3 * i], v = raw[3 * i + 1], z = raw[3 * i + 2];
        if (!isfinite(u) || !isfinite(v) || !isfinite(z))
            return KS_ERR_MALFORMED;
        double x = m->a * u + m->b * v + m->tx, y = m->c * u + m->d * v + m->ty;
        z *= zscale;
        if (!(fabs(x) <= FLT_MAX && fabs(y) <= FLT_MAX && fabs(z) <= FLT_MAX))
            return KS_ERR_MALFORMED;
        out[i].x = (float)x;
        out[i].y = (float)y;
        out[i].z = (float)z;
    }
    return KS_OK;
}

static ks_status mesh_check(const mesh_point *lm, size_t n)
{
    if (lm == NULL || n < MESH_NUM_LANDMARKS)
        return KS_ERR_ARG;
    for (size_t i = 0; i < MESH_NUM_LANDMARKS; i++)
        if (!isfinite(lm[i].x) || !isfinite(lm[i].y) || !isfinite(lm[i].z))
            return KS_ERR_MALFORMED;
    return KS_OK;
}

static void mesh_centroid(const mesh_point *lm, const uint16_t *idx, size_t n, float out[2])
{
    double sx = 0.0, sy = 0.0;
    for (size_t i = 0; i < n; i++) {
        sx += lm[idx[i]].x;
        sy += lm[idx[i]].y;
    }
    out[0] = (float)(sx / (double)n);
    out[1] = (float)(sy / (double)n);
}

static double mesh_dist2d(const mesh_point *p, const mesh_point *q)
{
    return hypot((double)p->x - q->x, (double)p->y - q->y);
}

ks_status mesh_align_points(const mesh_point *lm, size_t n, float out[MESH_ALIGN_COUNT][2])
{
    ks_status st = mesh_check(lm, n);
    if (st != KS_OK || out == NULL)
        return st != KS_OK ? st : KS_ERR_ARG;
    mesh_centroid(lm, mesh_right_eye_contour, 16, out[MESH_ALIGN_RIGHT_EYE]);
    mesh_centroid(lm, mesh_left_eye_contour, 16, out[MESH_ALIGN_LEFT_EYE]);
    out[MESH_ALIGN_NOSE_TIP][0] = lm[MESH_NOSE_TIP].x;
    out[MESH_ALIGN_NOSE_TIP][1] = lm[MESH_NOSE_TIP].y;
    out[MESH_ALIGN_MOUTH_RIGHT][0] = lm[MESH_MOUTH_RIGHT].x;
    out[MESH_ALIGN_MOUTH_RIGHT][1] = lm[MESH_MOUTH_RIGHT].y;
    out[MESH_ALIGN_MOUTH_LEFT][0] = lm[MESH_MOUTH_LEFT].x;
    out[MESH_ALIGN_MOUTH_LEFT][1] = lm[MESH_MOUTH_LEFT].y;
    return KS_OK;
}

static ks_status mesh_one_ear(const mesh_point *lm, const mesh_eye_lids *e, float *ear)
{
    double width = mesh_dist2d(&lm[e->corner_a], &lm[e->corner_b]);
    if (!(width > 1e-6))
        return KS_ERR_ARG;
    double open = 0.0;
    for (size_t i = 0; i < 3; i++)
        open += mesh_dist2d(&lm[e->upper[i]], &lm[e->lower[i]]);
    *ear = mesh_f(open / 3.0 / width);
    return KS_OK;
}

ks_status mesh_eye_aspect_ratio(const mesh_point *lm, size_t n, float *ear_right, float *ear_left)
{
    ks_status st = mesh_check(lm, n);
    if (st != KS_OK)
        return st;
    if (ear_right == NULL || ear_left == NULL)
        return KS_ERR_ARG;
    st = mesh_one_ear(lm, &mesh_right_lids, ear_right);
    if (st == KS_OK)
        st = mesh_one_ear(lm, &mesh_left_lids, ear_left);
    return st;
}

static double mesh_deg(double rad)
{
    return rad * 180.0 / MESH_PI;
}

ks_status mesh_head_pose(const mesh_point *lm, size_t n, mesh_pose *out)
{
    ks_status st = mesh_check(lm, n);
    if (st != KS_OK)
        return st;
    if (out == NULL)
        return KS_ERR_ARG;
    const mesh_point *r = &lm[MESH_FACE_RIGHT_EDGE], *l = &lm[MESH_FACE_LEFT_EDGE];
    const mesh_point *top = &lm[MESH_FOREHEAD], *chin = &lm[MESH_CHIN];
    double hx = (double)l->x - r->x, hy = (double)l->y - r->y, hz = (double)l->z - r->z;
    double vx = (double)chin->x - top->x, vy = (double)chin->y - top->y;
    double vz = (double)chin->z - top->z;
    /* Each angle is measured in the plane it lives in, with the in-plane
     * length of the axis so that roll does not leak into yaw or pitch. */
    double h_len = hypot(hx, hy), v_len = hypot(vx, vy);
    if (!(h_len > 1e-6 && v_len > 1e-6))
        return KS_ERR_ARG;
    float eyes[MESH_ALIGN_COUNT][2];
    mesh_align_points(lm, n, eyes);
    double ex = (double)eyes[MESH_ALIGN_LEFT_EYE][0] - eyes[MESH_ALIGN_RIGHT_EYE][0];
    double ey = (double)eyes[MESH_ALIGN_LEFT_EYE][1] - eyes[MESH_ALIGN_RIGHT_EYE][1];
    out->yaw_deg = (float)mesh_deg(atan2(hz, h_len));
    out->pitch_deg = (float)mesh_deg(atan2(-vz, v_len));
    out->roll_deg = (float)mesh_deg(atan2(ey, ex));
    return KS_OK;
}

ks_status mesh_measure(const mesh_point *lm, size_t n, mesh_measures *out)
{
    if (out == NULL)
        return KS_ERR_ARG;
    memset(out, 0, sizeof(*out));
    ks_status st = mesh_align_points(lm, n, out->align);
    if (st == KS_OK)
        st = mesh_eye_aspect_ratio(lm, n, &out->ear_right, &out->ear_left);
    if (st == KS_OK)
        st = mesh_head_pose(lm, n, &out->pose);
    if (st != KS_OK)
        return st;
    out->ear_mean = 0.5f * (out->ear_right + out->ear_left);
    const float *re = out->align[MESH_ALIGN_RIGHT_EYE], *le = out->align[MESH_ALIGN_LEFT_EYE];
    out->inter_ocular_px = mesh_f(hypot((double)le[0] - re[0], (double)le[1] - re[1]));
    out->box[0] = out->box[2] = lm[0].x;
    out->box[1] = out->box[3] = lm[0].y;
    for (size_t i = 1; i < MESH_NUM_LANDMARKS; i++) {
        out->box[0] = fminf(out->box[0], lm[i].x);
        out->box[1] = fminf(out->box[1], lm[i].y);
        out->box[2] = fmaxf(out->box[2], lm[i].x);
        out->box[3] = fmaxf(out->box[3], lm[i].y);
    }
    return KS_OK;
}
