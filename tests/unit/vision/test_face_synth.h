/*
 * test_face_synth.h — a synthetic 468-point face for the face unit tests.
 *
 * Only the landmarks the face code reads are placed (eye contours, lids, nose
 * tip, mouth corners, face edges, forehead, chin); the others sit at the
 * face's centre. The face is built frontal in a head frame (x right, y down,
 * z away from the camera, pixels), rotated by yaw, pitch and roll with the
 * sign conventions of mesh.h, then scaled and moved to (cx, cy).
 */
#ifndef TEST_FACE_SYNTH_H
#define TEST_FACE_SYNTH_H

#include <math.h>
#include <string.h>

#include "mesh.h"

typedef struct synth_face {
    float cx, cy, scale;
    float yaw_deg, pitch_deg, roll_deg;
    float eye_open; /* lid half-opening at the eye's middle, head-frame px */
} synth_face;

static const int synth_right_upper[7] = { 246, 161, 160, 159, 158, 157, 173 };
static const int synth_right_lower[7] = { 7, 163, 144, 145, 153, 154, 155 };
static const int synth_left_upper[7] = { 466, 388, 387, 386, 385, 384, 398 };
static const int synth_left_lower[7] = { 249, 390, 373, 374, 380, 381, 382 };

static void synth_set(mesh_point *lm, int i, double x, double y, double z)
{
    lm[i].x = (float)x;
    lm[i].y = (float)y;
    lm[i].z = (float)z;
}

/* Eye from outer corner x_outer to inner corner x_inner (head frame). */
static void synth_eye(mesh_point *lm, int outer, int inner, const int *upper, const int *lower,
                      double x_outer, double x_inner, double open)
{
    const double pi = 3.14159265358979323846;
    synth_set(lm, outer, x_outer, -10.0, 5.0);
    synth_set(lm, inner, x_inner, -10.0, 5.0);
    for (int k = 0; k < 7; k++) {
        double t = (k + 1) / 8.0;
        double x = x_outer + (x_inner - x_outer) * t;
        double h = open * sin(pi * t);
        synth_set(lm, upper[k], x, -10.0 - h, 3.0);
        synth_set(lm, lower[k], x, -10.0 + h, 3.0);
    }
}

static void synth_build(const synth_face *f, mesh_point lm[MESH_NUM_LANDMARKS])
{
    const double d2r = 3.14159265358979323846 / 180.0;
    memset(lm, 0, sizeof(mesh_point) * MESH_NUM_LANDMARKS);
    synth_eye(lm, 33, 133, synth_right_upper, synth_right_lower, -45.0, -15.0, f->eye_open);
    synth_eye(lm, 263, 362, synth_left_upper, synth_left_lower, 45.0, 15.0, f->eye_open);
    synth_set(lm, 1, 0.0, 15.0, -30.0);
    synth_set(lm, 61, -20.0, 40.0, -5.0);
    synth_set(lm, 291, 20.0, 40.0, -5.0);
    synth_set(lm, 234, -70.0, -5.0, 30.0);
    synth_set(lm, 454, 70.0, -5.0, 30.0);
    synth_set(lm, 10, 0.0, -70.0, 10.0);
    synth_set(lm, 152, 0.0, 80.0, 10.0);
    double cy = cos(f->yaw_deg * d2r), sy = sin(f->yaw_deg * d2r);
    double cp = cos(f->pitch_deg * d2r), sp = sin(f->pitch_deg * d2r);
    double cr = cos(f->roll_deg * d2r), sr = sin(f->roll_deg * d2r);
    for (int i = 0; i < (int)MESH_NUM_LANDMARKS; i++) {
        double x = lm[i].x, y = lm[i].y, z = lm[i].z;
        double x1 = x * cy - z * sy, z1 = x * sy + z * cy; /* yaw */
        double y2 = y * cp + z1 * sp, z2 = -y * sp + z1 * cp; /* pitch */
        double x3 = x1 * cr - y2 * sr, y3 = x1 * sr + y2 * cr; /* roll */
        lm[i].x = (float)(f->cx + f->scale * x3);
        lm[i].y = (float)(f->cy + f->scale * y3);
        lm[i].z = (float)(f->scale * z2);
    }
}

static synth_face synth_frontal(void)
{
    synth_face f = { 320.0f, 240.0f, 1.0f, 0.0f, 0.0f, 0.0f, 5.0f };
    return f;
}

#endif
