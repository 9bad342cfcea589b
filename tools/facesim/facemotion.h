/*
 * facemotion.h — what the simulated person does, frame by frame, and where
 * their facemesh landmarks go when they do it.
 *
 * A plan (facemotion_plan_make) is a lead-in of looking straight followed by
 * one gesture cycle: blink, straight, turn to the subject's own left and
 * back, straight, turn right and back, straight. Every gesture eases in and
 * out (raised cosine), and the cycle both starts and ends looking straight
 * with open eyes, so cycles can follow each other, and the last frame can
 * be followed by the first, without a jump. Lengths are whole frames at the
 * plan's fps, so every repetition of the cycle is frame-for-frame identical.
 *
 * facemotion_apply() moves a neutral (frontal, open-eyed) landmark set:
 *   - blink: each upper-lid contour point moves toward its lower-lid partner
 *     by the closure fraction; the lid skin above follows with a weight that
 *     falls to zero within about half an eye width, so the mesh never folds;
 *   - yaw: a rotation of (x, z) about the vertical axis through the middle
 *     of the cheek edges (landmarks 234 and 454), orthographic projection.
 * Signs follow mesh.h: yaw > 0 is the subject's own left (nose to image +x).
 *
 * Ownership: plain caller-owned structs and arrays. Errors: KS_ERR_ARG for
 * NULL, a wrong landmark count, fps outside [FACEMOTION_MIN_FPS,
 * FACEMOTION_MAX_FPS], a turn angle outside (0, 60] degrees, an eye other than 0 or 1, a closure
 * outside [0, 1] or non-finite values.
 */
#ifndef KS_FACEMOTION_H
#define KS_FACEMOTION_H

#include <stddef.h>
#include <stdint.h>

#include "mesh.h"
#include "status.h"

#define FACEMOTION_MIN_FPS 4.0
#define FACEMOTION_MAX_FPS 60.0
#define FACEMOTION_MAX_SEGMENTS 16u

typedef struct facemotion_segment {
    uint32_t frames;
    float yaw_from, yaw_to;         /* degrees */
    float closure_from, closure_to; /* 0 open .. 1 closed */
} facemotion_segment;

typedef struct facemotion_plan {
    double fps;
    uint32_t lead_frames;  /* looking straight before the first cycle */
    uint32_t cycle_frames; /* sum of the segments' frames */
    size_t nseg;
    facemotion_segment seg[FACEMOTION_MAX_SEGMENTS];
} facemotion_plan;

typedef struct facemotion_pose {
    float yaw_deg;
    float closure;
} facemotion_pose;

/* The default gesture cycle at fps; the head turns left_deg to the
 * subject's left (yaw +left_deg) and right_deg to the right (yaw -right_deg).
 * Two amplitudes because a photo already turned one way needs more warp on
 * one side than the other to be seen turning equally far. */
ks_status facemotion_plan_make(double fps, float left_deg, float right_deg, facemotion_plan *plan);

/* Length of one cycle in milliseconds. */
double facemotion_cycle_ms(const facemotion_plan *plan);

/* The pose at frame k of the cycle (k is taken modulo the cycle length). */
facemotion_pose facemotion_at(const facemotion_plan *plan, uint64_t k);

/* The lid contours of eye 0 (the subject's right) or 1, corner to corner:
 * corner, the 7 lid points, the other corner; upper[k] is above lower[k]. */
ks_status facemotion_lid_contours(size_t eye, uint16_t upper[9], uint16_t lower[9]);

/* Moves the neutral landmarks (n = MESH_NUM_LANDMARKS) into out: blink
 * first, then the turn. out may not alias neutral. */
ks_status facemotion_apply(const mesh_point *neutral, size_t n, facemotion_pose pose, mesh_point *out);

#endif
