/*
 * blazeface.c — see blazeface.h.
 *
 * Anchor layout (MediaPipe ssd_anchors_calculator with fixed anchor size, as
 * also built by human's generateAnchors): two feature maps, the fine one with
 * 2 anchors per cell and the coarse one with 6 (MediaPipe merges its three
 * same-stride layers into that one grid). Both models end up with a 16x16 and
 * an 8x8 grid: 16*16*2 + 8*8*6 = 896. Centres sit at (cell + 0.5) * stride.
 */
#include "blazeface.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* MediaPipe clips logits to this magnitude before the sigmoid. */
#define BF_LOGIT_CLIP 100.0f

typedef struct bf_layer {
    uint32_t stride;
    uint32_t per_cell;
} bf_layer;

uint32_t bf_input_size(bf_model model)
{
    switch (model) {
    case BF_MODEL_FRONT_128: return 128;
    case BF_MODEL_BACK_256: return 256;
    }
    return 0;
}

ks_status bf_anchors(bf_model model, bf_anchor *out, size_t cap)
{
    uint32_t size = bf_input_size(model);
    if (size == 0 || out == NULL)
        return KS_ERR_ARG;
    if (cap < BF_NUM_ANCHORS)
        return KS_ERR_TOO_LARGE;
    const bf_layer layers[2] = { { size / 16u, 2u }, { size / 8u, 6u } };
    size_t n = 0;
    for (size_t l = 0; l < 2; l++) {
        uint32_t grid = (size + layers[l].stride - 1u) / layers[l].stride;
        float stride = (float)layers[l].stride;
        for (uint32_t gy = 0; gy < grid; gy++) {
            for (uint32_t gx = 0; gx < grid; gx++) {
                for (uint32_t k = 0; k < layers[l].per_cell; k++) {
                    out[n].cx = stride * ((float)gx + 0.5f);
                    out[n].cy = stride * ((float)gy + 0.5f);
                    n++;
                }
            }
        }
    }
    return n == BF_NUM_ANCHORS ? KS_OK : KS_ERR_ARG;
}

void bf_config_default(bf_config *cfg)
{
    cfg->min_score = 0.5f;
    cfg->iou_threshold = 0.3f;
    cfg->nms = BF_NMS_WEIGHTED;
    cfg->max_detections = 10;
}

float bf_iou(const float a[4], const float b[4])
{
    float aw = a[2] - a[0], ah = a[3] - a[1];
    float bw = b[2] - b[0], bh = b[3] - b[1];
    if (!(aw > 0.0f && ah > 0.0f && bw > 0.0f && bh > 0.0f))
        return 0.0f;
    float iw = fminf(a[2], b[2]) - fmaxf(a[0], b[0]);
    float ih = fminf(a[3], b[3]) - fmaxf(a[1], b[1]);
    if (!(iw > 0.0f && ih > 0.0f))
        return 0.0f;
    float inter = iw * ih;
    return inter / (aw * ah + bw * bh - inter);
}

static float bf_sigmoid(float logit)
{
    if (logit > BF_LOGIT_CLIP)
        logit = BF_LOGIT_CLIP;
    if (logit < -BF_LOGIT_CLIP)
        logit = -BF_LOGIT_CLIP;
    return 1.0f / (1.0f + expf(-logit));
}

static int bf_all_finite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* One anchor's row turned into a pixel-space detection (normalised later). */
static void bf_decode_row(const float *row, const bf_anchor *anchor, uint32_t index,
                          bf_detection *det)
{
    float cx = anchor->cx + row[1];
    float cy = anchor->cy + row[2];
    float hw = row[3] * 0.5f;
    float hh = row[4] * 0.5f;
    memset(det, 0, sizeof(*det));
    det->score = bf_sigmoid(row[0]);
    det->box_px[0] = cx - hw;
    det->box_px[1] = cy - hh;
    det->box_px[2] = cx + hw;
    det->box_px[3] = cy + hh;
    for (size_t k = 0; k < BF_NUM_KEYPOINTS; k++) {
        det->kp_px[k][0] = anchor->cx + row[5 + 2 * k];
        det->kp_px[k][1] = anchor->cy + row[6 + 2 * k];
    }
    det->anchor_index = index;
    det->merged = 1;
}

static int bf_by_score_desc(const void *pa, const void *pb)
{
    const bf_detection *a = pa, *b = pb;
    if (a->score > b->score)
        return -1;
    if (a->score < b->score)
        return 1;
    /* Equal scores: lower anchor first, so the order is deterministic. */
    return a->anchor_index < b->anchor_index ? -1 : (a->anchor_index > b->anchor_index);
}

/* Replaces best's coordinates by the score-weighted mean over the cluster. */
static void bf_weighted_merge(bf_detection *best, const bf_detection *cand,
                              const uint8_t *in_cluster, size_t n)
{
    float box[4] = { 0 }, kp[BF_NUM_KEYPOINTS][2] = { { 0 } };
    float total = 0.0f;
    uint32_t merged = 0;
    for (size_t i = 0; i < n; i++) {
        if (!in_cluster[i])
            continue;
        float w = cand[i].score;
        total += w;
        merged++;
        for (size_t j = 0; j < 4; j++)
            box[j] += w * cand[i].box_px[j];
        for (size_t k = 0; k < BF_NUM_KEYPOINTS; k++) {
            kp[k][0] += w * cand[i].kp_px[k][0];
            kp[k][1] += w * cand[i].kp_px[k][1];
        }
    }
    if (!(total > 0.0f))
        return;
    for (size_t j = 0; j < 4; j++)
        best->box_px[j] = box[j] / total;
    for (size_t k = 0; k < BF_NUM_KEYPOINTS; k++) {
        best->kp_px[k][0] = kp[k][0] / total;
        best->kp_px[k][1] = kp[k][1] / total;
    }
    best->merged = merged;
}

static void bf_normalise(bf_detection *det, float size)
{
    for (size_t j = 0; j < 4; j++)
        det->box_norm[j] = det->box_px[j] / size;
    for (size_t k = 0; k < BF_NUM_KEYPOINTS; k++) {
        det->kp_norm[k][0] = det->kp_px[k][0] / size;
        det->kp_norm[k][1] = det->kp_px[k][1] / size;
    }
}

/* cand[0..n) sorted by score; done[] marks the ones already consumed. */
static size_t bf_suppress(bf_detection *cand, size_t n, const bf_config *cfg, bf_detection *out,
                          size_t limit)
{
    uint8_t *done = calloc(n ? n : 1, 1);
    uint8_t *cluster = calloc(n ? n : 1, 1);
    size_t written = 0;
    if (done == NULL || cluster == NULL) {
        free(done);
        free(cluster);
        return SIZE_MAX;
    }
    for (size_t i = 0; i < n && written < limit; i++) {
        if (done[i])
            continue;
        memset(cluster, 0, n);
        /* The seed is the best remaining box; everything overlapping it joins
         * its cluster and is consumed, whatever the mode. */
        for (size_t j = i; j < n; j++) {
            if (done[j])
                continue;
            if (j == i || bf_iou(cand[i].box_px, cand[j].box_px) > cfg->iou_threshold) {
                cluster[j] = 1;
                done[j] = 1;
            }
        }
        bf_detection det = cand[i];
        if (cfg->nms == BF_NMS_WEIGHTED)
            bf_weighted_merge(&det, cand, cluster, n);
        out[written++] = det;
    }
    free(done);
    free(cluster);
    return written;
}

ks_status bf_crop_box(const bf_detection *det, uint32_t img_w, uint32_t img_h, float enlarge,
                      float out[4])
{
    if (det == NULL || out == NULL || img_w == 0 || img_h == 0 || !(enlarge > 0.0f) ||
        !isfinite(enlarge) || !bf_all_finite(det->box_norm, 4))
        return KS_ERR_ARG;
    double x0 = (double)det->box_norm[0] * img_w, y0 = (double)det->box_norm[1] * img_h;
    double x1 = (double)det->box_norm[2] * img_w, y1 = (double)det->box_norm[3] * img_h;
    double cx = (x0 + x1) * 0.5, cy = (y0 + y1) * 0.5;
    double half = fmax(fabs(x1 - x0), fabs(y1 - y0)) * enlarge * 0.5;
    if (!(half > 0.0) || !isfinite(half) || fabs(cx) + half > 1e9 || fabs(cy) + half > 1e9)
        return KS_ERR_ARG;
    out[0] = (float)floor(cx - half + 0.5);
    out[1] = (float)floor(cy - half + 0.5);
    out[2] = (float)floor(cx + half + 0.5);
    out[3] = (float)floor(cy + half + 0.5);
    return KS_OK;
}

ks_status bf_decode(bf_model model, const float *raw, size_t raw_len, const bf_config *cfg,
                    bf_detection *out, size_t cap, size_t *count)
{
    uint32_t size = bf_input_size(model);
    if (count != NULL)
        *count = 0;
    if (size == 0 || raw == NULL || cfg == NULL || count == NULL || (out == NULL && cap > 0))
        return KS_ERR_ARG;
    if (raw_len != (size_t)BF_NUM_ANCHORS * BF_VALUES_PER_ANCHOR)
        return KS_ERR_ARG;
    if (!(cfg->iou_threshold >= 0.0f && cfg->iou_threshold <= 1.0f) || !isfinite(cfg->min_score))
        return KS_ERR_ARG;
    if (cfg->nms != BF_NMS_WEIGHTED && cfg->nms != BF_NMS_HARD)
        return KS_ERR_ARG;

    bf_anchor anchors[BF_NUM_ANCHORS];
    ks_status st = bf_anchors(model, anchors, BF_NUM_ANCHORS);
    if (st != KS_OK)
        return st;
    bf_detection *cand = malloc(sizeof(*cand) * BF_NUM_ANCHORS);
    if (cand == NULL)
        return KS_ERR_NO_MEMORY;
    size_t n = 0;
    for (uint32_t i = 0; i < BF_NUM_ANCHORS; i++) {
        const float *row = raw + (size_t)i * BF_VALUES_PER_ANCHOR;
        if (!bf_all_finite(row, BF_VALUES_PER_ANCHOR))
            continue;
        if (bf_sigmoid(row[0]) < cfg->min_score)
            continue;
        bf_decode_row(row, &anchors[i], i, &cand[n++]);
    }
    qsort(cand, n, sizeof(*cand), bf_by_score_desc);

    size_t limit = cap;
    if (cfg->max_detections != 0 && cfg->max_detections < limit)
        limit = cfg->max_detections;
    size_t written = bf_suppress(cand, n, cfg, out, limit);
    free(cand);
    if (written == SIZE_MAX)
        return KS_ERR_NO_MEMORY;
    for (size_t i = 0; i < written; i++)
        bf_normalise(&out[i], (float)size);
    *count = written;
    return KS_OK;
}
