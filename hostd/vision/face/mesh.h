/*
 * mesh.h — facemesh landmarks and the face geometry the kiosk derives from them.
 *
 * Offers: mapping the facemesh model output (468 landmarks x (x, y, z) in the
 * pixels of its 192-px input crop) back to image pixels through the crop's
 * affine transform; the five alignment points; the eye aspect ratio of each
 * eye; a head pose estimate (yaw, pitch, roll in degrees).
 *
 * Conventions: image x grows to the right, y downwards; z is facemesh's
 * relative depth (smaller = nearer the camera), scaled like x and y so that
 * the three axes share one unit. "Right"/"left" name the subject's sides: in
 * an unmirrored frontal image the subject's right eye is on the image's left.
 * Pose signs: yaw > 0 when the subject turns to their own left (nose moves to
 * image +x), pitch > 0 when they look up, roll > 0 when the eye line turns
 * clockwise on screen. If the camera frames are mirrored, negate yaw and roll.
 *
 * Landmark indices used (MediaPipe canonical face mesh, checked against
 * human's facemeshcoords): eye contours Upper0+Lower0 (right 246..173 and
 * 33..133, left 466..398 and 263..362), nose tip 1, mouth corners 61 (right,
 * image left) and 291, eye-lid pairs 160/144, 159/145, 158/153 between corners
 * 33/133 and 387/373, 386/374, 385/380 between corners 263/362, face edges
 * 234/454 (cheek contour at eye height), 10 (forehead top) and 152 (chin).
 *
 * Ownership: caller-provided arrays. Errors: KS_ERR_ARG for NULL, a wrong
 * length, a degenerate transform or landmarks too degenerate to measure
 * (e.g. both eye corners at one point); KS_ERR_MALFORMED for non-finite input.
 */
#ifndef KS_MESH_H
#define KS_MESH_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define MESH_NUM_LANDMARKS 468u
#define MESH_INPUT_SIZE 192u

typedef struct mesh_point {
    float x, y, z;
} mesh_point;

/* Crop pixel (u, v) -> image pixel (a*u + b*v + tx, c*u + d*v + ty). */
typedef struct mesh_affine {
    double a, b, c, d, tx, ty;
} mesh_affine;

/* Order of the points in the ArcFace-style 5-point template. */
typedef enum mesh_align_index {
    MESH_ALIGN_RIGHT_EYE = 0, /* image-left eye of a frontal face */
    MESH_ALIGN_LEFT_EYE,
    MESH_ALIGN_NOSE_TIP,
    MESH_ALIGN_MOUTH_RIGHT, /* image-left mouth corner */
    MESH_ALIGN_MOUTH_LEFT,
    MESH_ALIGN_COUNT
} mesh_align_index;

typedef struct mesh_pose {
    float yaw_deg, pitch_deg, roll_deg;
} mesh_pose;

/* Everything the quality gates and the liveness challenge need from a face. */
typedef struct mesh_measures {
    float align[MESH_ALIGN_COUNT][2];
    float ear_right, ear_left, ear_mean; /* eye aspect ratios */
    float inter_ocular_px;               /* between the eye centres */
    mesh_pose pose;
    float box[4];                        /* landmark bounding box xmin, ymin, xmax, ymax */
} mesh_measures;

/* The transform of a crop of the image box (x0, y0)-(x1, y1), first rotated
 * by angle_rad around the box centre (positive = the crop's axes turned
 * clockwise on screen, as human's rotation correction does), resized to a
 * crop_size square. KS_ERR_ARG for an empty box or zero crop size. */
ks_status mesh_affine_from_box(const float box[4], double angle_rad, uint32_t crop_size,
                               mesh_affine *out);

/* Maps raw (MESH_NUM_LANDMARKS * 3 floats, x y z per landmark, crop pixels)
 * to image pixels. z is multiplied by the transform's mean scale. */
ks_status mesh_decode(const float *raw, size_t raw_len, const mesh_affine *crop_to_image,
                      mesh_point *out, size_t cap);

/* 5 alignment points (x, y) in the landmarks' units, eye centres being the
 * mean of the 16 contour points of each eye. */
ks_status mesh_align_points(const mesh_point *lm, size_t n, float out[MESH_ALIGN_COUNT][2]);

/* Eye aspect ratio: mean lid opening over the corner-to-corner width, for
 * each eye (about 0.25-0.35 open, below 0.15 closed for most people). */
ks_status mesh_eye_aspect_ratio(const mesh_point *lm, size_t n, float *ear_right, float *ear_left);

/* Head pose from the face's own axes: the 234->454 vector gives yaw in the
 * x-z plane, the 10->152 vector pitch in the y-z plane, the eye-centre line
 * roll in the image plane. Valid within about +-60 degrees. */
ks_status mesh_head_pose(const mesh_point *lm, size_t n, mesh_pose *out);

/* All of the above at once. */
ks_status mesh_measure(const mesh_point *lm, size_t n, mesh_measures *out);

#endif
