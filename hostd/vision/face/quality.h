/*
 * quality.h — quality gates a face must pass before it is matched or used
 * for liveness, each failure with a reason a kiosk can show.
 *
 * Offers: the gate evaluation over already-computed facts (face count,
 * inter-ocular distance, pose) plus two image measures on the grey or RGB
 * face crop: sharpness (variance of the 4-neighbour Laplacian) and exposure
 * (mean and 5th/95th percentiles of luma). Gates are checked in the order of
 * fq_reason; every failing gate is flagged in a bit mask and the first one is
 * the reported reason.
 *
 * Thresholds live in fq_config; fq_config_default() documents the defaults.
 * The sharpness threshold depends on the crop's resolution: compute it on the
 * face crop resized to about FQ_BLUR_REFERENCE_SIZE pixels wide, and
 * calibrate on the kiosk's own camera.
 *
 * Ownership: the crop image is only read. Errors: KS_ERR_ARG for NULL, an
 * empty image or a crop smaller than 3x3; non-finite measures fail the gate
 * they belong to rather than pass it.
 */
#ifndef KS_QUALITY_H
#define KS_QUALITY_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "status.h"

#define FQ_BLUR_REFERENCE_SIZE 128u

typedef enum fq_reason {
    FQ_OK = 0,
    FQ_NO_FACE,
    FQ_MULTIPLE_FACES,
    FQ_FACE_TOO_SMALL,
    FQ_POSE,
    FQ_TOO_DARK, /* exposure before blur: a badly lit crop also looks blurred */
    FQ_TOO_BRIGHT,
    FQ_LOW_CONTRAST,
    FQ_BLUR,
    FQ_REASON_COUNT
} fq_reason;

typedef struct fq_config {
    float min_inter_ocular_px; /* default 40: below this the embedding degrades */
    float max_abs_yaw_deg;     /* default 25 */
    float max_abs_pitch_deg;   /* default 25 */
    float max_abs_roll_deg;    /* default 30 */
    double min_sharpness;      /* Laplacian variance, default 40 (at 128 px) */
    float min_mean_luma;       /* default 60 */
    float max_mean_luma;       /* default 200 */
    float min_luma_spread;     /* p95 - p5, default 40 */
} fq_config;

typedef struct fq_exposure {
    float mean;
    uint8_t p5, p95;
} fq_exposure;

typedef struct fq_input {
    size_t face_count;
    float inter_ocular_px;
    float yaw_deg, pitch_deg, roll_deg;
    const img_image *face_crop; /* grey or RGB; NULL skips blur and exposure */
} fq_input;

typedef struct fq_result {
    fq_reason reason;      /* first failing gate, FQ_OK if none */
    uint32_t failed_mask;  /* bit (1u << reason) for every failing gate */
    double sharpness;      /* measured, or 0 without a crop */
    fq_exposure exposure;  /* measured, or zeros without a crop */
} fq_result;

void fq_config_default(fq_config *cfg);

/* Short English text for a reason, suitable for the kiosk screen. */
const char *fq_reason_str(fq_reason reason);

ks_status fq_sharpness(const img_image *crop, double *laplacian_variance);
ks_status fq_measure_exposure(const img_image *crop, fq_exposure *out);

/* With no face or several faces, the other gates are not evaluated. */
ks_status fq_assess(const fq_config *cfg, const fq_input *in, fq_result *out);

#endif
