/*
 * quality.c — see quality.h.
 */
#include "quality.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void fq_config_default(fq_config *cfg)
{
    cfg->min_inter_ocular_px = 40.0f;
    cfg->max_abs_yaw_deg = 25.0f;
    cfg->max_abs_pitch_deg = 25.0f;
    cfg->max_abs_roll_deg = 30.0f;
    cfg->min_sharpness = 40.0;
    cfg->min_mean_luma = 60.0f;
    cfg->max_mean_luma = 200.0f;
    cfg->min_luma_spread = 40.0f;
}

const char *fq_reason_str(fq_reason reason)
{
    switch (reason) {
    case FQ_OK: return "face quality is good";
    case FQ_NO_FACE: return "no face found";
    case FQ_MULTIPLE_FACES: return "more than one face in view";
    case FQ_FACE_TOO_SMALL: return "face too small: come closer to the camera";
    case FQ_POSE: return "face not frontal: look straight at the camera";
    case FQ_BLUR: return "image too blurred: hold still";
    case FQ_TOO_DARK: return "face too dark";
    case FQ_TOO_BRIGHT: return "face too bright";
    case FQ_LOW_CONTRAST: return "face lacks contrast";
    case FQ_REASON_COUNT: break;
    }
    return "unknown quality reason";
}

/* BT.601 luma in integer arithmetic; grey images pass through. */
static uint8_t fq_luma(const img_image *img, const uint8_t *px)
{
    if (img->channels == 1)
        return px[0];
    unsigned v = 77u * px[0] + 150u * px[1] + 29u * px[2];
    return (uint8_t)(v >> 8);
}

static int fq_image_ok(const img_image *img, uint32_t min_side)
{
    return img != NULL && img->pixels != NULL && (img->channels == 1 || img->channels == 3) &&
           img->width >= min_side && img->height >= min_side &&
           img->stride >= (size_t)img->width * img->channels;
}

ks_status fq_sharpness(const img_image *crop, double *laplacian_variance)
{
    if (!fq_image_ok(crop, 3) || laplacian_variance == NULL)
        return KS_ERR_ARG;
    uint32_t w = crop->width, h = crop->height, ch = crop->channels;
    double sum = 0.0, sum2 = 0.0;
    size_t n = 0;
    /* Border pixels have no full neighbourhood; the interior is enough. */
    for (uint32_t y = 1; y + 1 < h; y++) {
        const uint8_t *up = img_row(crop, y - 1), *mid = img_row(crop, y);
        const uint8_t *down = img_row(crop, y + 1);
        for (uint32_t x = 1; x + 1 < w; x++) {
            int c = fq_luma(crop, mid + (size_t)x * ch);
            int lap = fq_luma(crop, up + (size_t)x * ch) + fq_luma(crop, down + (size_t)x * ch) +
                      fq_luma(crop, mid + (size_t)(x - 1) * ch) +
                      fq_luma(crop, mid + (size_t)(x + 1) * ch) - 4 * c;
            sum += lap;
            sum2 += (double)lap * lap;
            n++;
        }
    }
    double mean = sum / (double)n;
    double var = sum2 / (double)n - mean * mean;
    *laplacian_variance = var > 0.0 ? var : 0.0;
    return KS_OK;
}

static uint8_t fq_percentile(const size_t hist[256], size_t total, double fraction)
{
    /* Smallest value v such that at least fraction of the pixels are <= v. */
    size_t want = (size_t)ceil(fraction * (double)total);
    if (want == 0)
        want = 1;
    size_t acc = 0;
    for (unsigned v = 0; v < 256; v++) {
        acc += hist[v];
        if (acc >= want)
            return (uint8_t)v;
    }
    return 255;
}

ks_status fq_measure_exposure(const img_image *crop, fq_exposure *out)
{
    if (!fq_image_ok(crop, 1) || out == NULL)
        return KS_ERR_ARG;
    size_t hist[256] = { 0 };
    double sum = 0.0;
    for (uint32_t y = 0; y < crop->height; y++) {
        const uint8_t *row = img_row(crop, y);
        for (uint32_t x = 0; x < crop->width; x++) {
            uint8_t v = fq_luma(crop, row + (size_t)x * crop->channels);
            hist[v]++;
            sum += v;
        }
    }
    size_t total = (size_t)crop->width * crop->height;
    out->mean = (float)(sum / (double)total);
    out->p5 = fq_percentile(hist, total, 0.05);
    out->p95 = fq_percentile(hist, total, 0.95);
    return KS_OK;
}

static void fq_flag(fq_result *out, fq_reason r)
{
    out->failed_mask |= 1u << r;
    if (out->reason == FQ_OK)
        out->reason = r;
}

/* NaN compares false, so "within" tests fail closed. */
static int fq_within(float v, float limit)
{
    return fabsf(v) <= limit;
}

ks_status fq_assess(const fq_config *cfg, const fq_input *in, fq_result *out)
{
    if (cfg == NULL || in == NULL || out == NULL)
        return KS_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if (in->face_count == 0) {
        fq_flag(out, FQ_NO_FACE);
        return KS_OK;
    }
    if (in->face_count > 1) {
        fq_flag(out, FQ_MULTIPLE_FACES);
        return KS_OK;
    }
    if (!(in->inter_ocular_px >= cfg->min_inter_ocular_px))
        fq_flag(out, FQ_FACE_TOO_SMALL);
    if (!fq_within(in->yaw_deg, cfg->max_abs_yaw_deg) ||
        !fq_within(in->pitch_deg, cfg->max_abs_pitch_deg) ||
        !fq_within(in->roll_deg, cfg->max_abs_roll_deg))
        fq_flag(out, FQ_POSE);
    if (in->face_crop == NULL)
        return KS_OK;
    ks_status st = fq_measure_exposure(in->face_crop, &out->exposure);
    if (st != KS_OK)
        return st;
    if (!(out->exposure.mean >= cfg->min_mean_luma))
        fq_flag(out, FQ_TOO_DARK);
    if (!(out->exposure.mean <= cfg->max_mean_luma))
        fq_flag(out, FQ_TOO_BRIGHT);
    if (!((float)out->exposure.p95 - (float)out->exposure.p5 >= cfg->min_luma_spread))
        fq_flag(out, FQ_LOW_CONTRAST);
    st = fq_sharpness(in->face_crop, &out->sharpness);
    if (st != KS_OK)
        return st;
    if (!(out->sharpness >= cfg->min_sharpness))
        fq_flag(out, FQ_BLUR);
    return KS_OK;
}
