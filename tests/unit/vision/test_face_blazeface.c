/* BlazeFace anchors, box decoding and (weighted) non-maximum suppression. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blazeface.h"

#define RAW_LEN ((size_t)BF_NUM_ANCHORS * BF_VALUES_PER_ANCHOR)

static float *raw_background(void)
{
    float *raw = calloc(RAW_LEN, sizeof(float));
    assert_non_null(raw);
    for (size_t i = 0; i < BF_NUM_ANCHORS; i++)
        raw[i * BF_VALUES_PER_ANCHOR] = -10.0f; /* score ~4.5e-5 */
    return raw;
}

/* Places a box of the given size offset from anchor `a`, keypoints at fixed offsets. */
static void raw_put(float *raw, size_t a, float logit, float dx, float dy, float w, float h)
{
    float *row = raw + a * BF_VALUES_PER_ANCHOR;
    row[0] = logit;
    row[1] = dx;
    row[2] = dy;
    row[3] = w;
    row[4] = h;
    for (size_t k = 0; k < BF_NUM_KEYPOINTS; k++) {
        row[5 + 2 * k] = dx + (float)k;
        row[6 + 2 * k] = dy - (float)k;
    }
}

static float sigmoidf_(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

static void front_model_has_896_anchors_on_strides_8_and_16(void **state)
{
    (void)state;
    bf_anchor a[BF_NUM_ANCHORS];
    assert_int_equal(bf_input_size(BF_MODEL_FRONT_128), 128);
    assert_int_equal(bf_anchors(BF_MODEL_FRONT_128, a, BF_NUM_ANCHORS), KS_OK);
    /* Fine grid: 16x16 cells of 8 px, 2 anchors each. */
    assert_float_equal(a[0].cx, 4.0f, 1e-6);
    assert_float_equal(a[0].cy, 4.0f, 1e-6);
    assert_float_equal(a[1].cx, 4.0f, 1e-6);
    assert_float_equal(a[2].cx, 12.0f, 1e-6);
    assert_float_equal(a[32].cy, 12.0f, 1e-6); /* second row */
    assert_float_equal(a[511].cx, 124.0f, 1e-6);
    assert_float_equal(a[511].cy, 124.0f, 1e-6);
    /* Coarse grid: 8x8 cells of 16 px, 6 anchors each. */
    assert_float_equal(a[512].cx, 8.0f, 1e-6);
    assert_float_equal(a[517].cx, 8.0f, 1e-6);
    assert_float_equal(a[518].cx, 24.0f, 1e-6);
    assert_float_equal(a[895].cx, 120.0f, 1e-6);
    assert_float_equal(a[895].cy, 120.0f, 1e-6);
}

static void back_model_has_896_anchors_on_strides_16_and_32(void **state)
{
    (void)state;
    bf_anchor a[BF_NUM_ANCHORS];
    assert_int_equal(bf_input_size(BF_MODEL_BACK_256), 256);
    assert_int_equal(bf_anchors(BF_MODEL_BACK_256, a, BF_NUM_ANCHORS), KS_OK);
    assert_float_equal(a[0].cx, 8.0f, 1e-6);
    assert_float_equal(a[0].cy, 8.0f, 1e-6);
    assert_float_equal(a[511].cx, 248.0f, 1e-6);
    assert_float_equal(a[511].cy, 248.0f, 1e-6);
    assert_float_equal(a[512].cx, 16.0f, 1e-6);
    assert_float_equal(a[512].cy, 16.0f, 1e-6);
    assert_float_equal(a[895].cx, 240.0f, 1e-6);
    assert_float_equal(a[895].cy, 240.0f, 1e-6);
}

static void anchors_refuse_small_buffers_and_unknown_models(void **state)
{
    (void)state;
    bf_anchor a[BF_NUM_ANCHORS];
    assert_int_equal(bf_anchors(BF_MODEL_FRONT_128, a, BF_NUM_ANCHORS - 1), KS_ERR_TOO_LARGE);
    assert_int_equal(bf_anchors((bf_model)7, a, BF_NUM_ANCHORS), KS_ERR_ARG);
    assert_int_equal(bf_input_size((bf_model)7), 0);
}

static void decoding_a_synthetic_tensor_reproduces_the_box(void **state)
{
    (void)state;
    float *raw = raw_background();
    /* Anchor 600 of the front model is on the coarse grid: (600 - 512) / 6 =
     * cell 14 -> gx 6, gy 1 -> centre (104, 24). */
    raw_put(raw, 600, 3.0f, 2.0f, -3.0f, 40.0f, 50.0f);
    bf_config cfg;
    bf_config_default(&cfg);
    bf_detection det[4];
    size_t n = 99;
    assert_int_equal(bf_decode(BF_MODEL_FRONT_128, raw, RAW_LEN, &cfg, det, 4, &n), KS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(det[0].anchor_index, 600);
    assert_int_equal(det[0].merged, 1);
    assert_float_equal(det[0].score, sigmoidf_(3.0f), 1e-6);
    assert_float_equal(det[0].box_px[0], 106.0f - 20.0f, 1e-4);
    assert_float_equal(det[0].box_px[1], 21.0f - 25.0f, 1e-4);
    assert_float_equal(det[0].box_px[2], 106.0f + 20.0f, 1e-4);
    assert_float_equal(det[0].box_px[3], 21.0f + 25.0f, 1e-4);
    assert_float_equal(det[0].box_norm[0], 86.0f / 128.0f, 1e-6);
    assert_float_equal(det[0].box_norm[3], 46.0f / 128.0f, 1e-6);
    /* Keypoint k sits at anchor + (dx + k, dy - k). */
    assert_float_equal(det[0].kp_px[BF_KP_NOSE_TIP][0], 104.0f + 2.0f + 2.0f, 1e-4);
    assert_float_equal(det[0].kp_px[BF_KP_NOSE_TIP][1], 24.0f - 3.0f - 2.0f, 1e-4);
    assert_float_equal(det[0].kp_norm[BF_KP_LEFT_EAR][0], (104.0f + 2.0f + 5.0f) / 128.0f, 1e-6);
    free(raw);
}

static void decoding_the_back_model_scales_by_its_own_anchors(void **state)
{
    (void)state;
    float *raw = raw_background();
    raw_put(raw, 0, 1.0f, 0.0f, 0.0f, 16.0f, 16.0f);
    bf_config cfg;
    bf_config_default(&cfg);
    bf_detection det[2];
    size_t n = 0;
    assert_int_equal(bf_decode(BF_MODEL_BACK_256, raw, RAW_LEN, &cfg, det, 2, &n), KS_OK);
    assert_int_equal(n, 1);
    assert_float_equal(det[0].box_px[0], 0.0f, 1e-5);
    assert_float_equal(det[0].box_px[2], 16.0f, 1e-5);
    assert_float_equal(det[0].box_norm[2], 16.0f / 256.0f, 1e-6);
    free(raw);
}

static void scores_below_the_threshold_are_dropped(void **state)
{
    (void)state;
    float *raw = raw_background();
    raw_put(raw, 10, -1.0f, 0, 0, 20, 20); /* 0.27 */
    raw_put(raw, 700, 0.5f, 0, 0, 20, 20); /* 0.62 */
    bf_config cfg;
    bf_config_default(&cfg);
    bf_detection det[4];
    size_t n = 0;
    assert_int_equal(bf_decode(BF_MODEL_FRONT_128, raw, RAW_LEN, &cfg, det, 4, &n), KS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(det[0].anchor_index, 700);
    cfg.min_score = 0.2f;
    assert_int_equal(bf_decode(BF_MODEL_FRONT_128, raw, RAW_LEN, &cfg, det, 4, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(det[0].anchor_index, 700); /* best first */
    assert_int_equal(det[1].anchor_index, 10);
    free(raw);
}

static void weighted_nms_averages_overlapping_boxes_and_keeps_separate_ones(void **state)
{
    (void)state;
    float *raw = raw_background();
    /* Two anchors of one coarse cell (same centre 104, 24), boxes shifted by 4 px. */
    raw_put(raw, 600, 2.0f, 0.0f, 0.0f, 40.0f, 40.0f);
    raw_put(raw, 601, 1.0f, 4.0f, 0.0f, 40.0f, 40.0f);
    /* A separate face far away: anchor 895 at (120, 120). */
    raw_put(raw, 895, 1.5f, 0.0f, 0.0f, 10.0f, 10.0f);
    bf_config cfg;
    bf_config_default(&cfg);
    bf_detection det[4];
    size_t n = 0;
    assert_int_equal(bf_decode(BF_MODEL_FRONT_128, raw, RAW_LEN, &cfg, det, 4, &n), KS_OK);
    assert_int_equal(n, 2);
    float s1 = sigmoidf_(2.0f), s2 = sigmoidf_(1.0f);
    float want_xmin = (s1 * 84.0f + s2 * 88.0f) / (s1 + s2);
    assert_int_equal(det[0].anchor_index, 600);
    assert_int_equal(det[0].merged, 2);
    assert_float_equal(det[0].score, s1, 1e-6); /* the cluster keeps its best score */
    assert_float_equal(det[0].box_px[0], want_xmin, 1e-4);
    assert_float_equal(det[0].box_px[2], want_xmin + 40.0f, 1e-4);
    assert_float_equal(det[0].box_px[1], 4.0f, 1e-4);
    float want_kp0x = (s1 * 104.0f + s2 * 108.0f) / (s1 + s2);
    assert_float_equal(det[0].kp_px[0][0], want_kp0x, 1e-4);
    assert_int_equal(det[1].anchor_index, 895);
    assert_int_equal(det[1].merged, 1);
    assert_float_equal(det[1].box_px[0], 115.0f, 1e-4);

    /* Hard NMS keeps the best box as it is and drops the overlapping one. */
    cfg.nms = BF_NMS_HARD;
    assert_int_equal(bf_decode(BF_MODEL_FRONT_128, raw, RAW_LEN, &cfg, det, 4, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_float_equal(det[0].box_px[0], 84.0f, 1e-4);
    assert_int_equal(det[1].anchor_index, 895);
    free(raw);
}

static void boxes_overlapping_less_than_the_threshold_stay_apart(void **state)
{
    (void)state;
    float *raw = raw_background();
    /* Same centre region but shifted by 30 px of 40: IoU = 10*40 / (2*1600 - 400) = 0.14. */
    raw_put(raw, 600, 2.0f, 0.0f, 0.0f, 40.0f, 40.0f);
    raw_put(raw, 601, 1.0f, 30.0f, 0.0f, 40.0f, 40.0f);
    bf_config cfg;
    bf_config_default(&cfg);
    bf_detection det[4];
    size_t n = 0;
    assert_int_equal(bf_decode(BF_MODEL_FRONT_128, raw, RAW_LEN, &cfg, det, 4, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(det[0].merged, 1);
    assert_int_equal(det[1].merged, 1);
    free(raw);
}

static void output_is_limited_by_capacity_and_max_detections(void **state)
{
    (void)state;
    float *raw = raw_background();
    raw_put(raw, 100, 3.0f, 0, 0, 4, 4);
    raw_put(raw, 300, 2.0f, 0, 0, 4, 4);
    raw_put(raw, 800, 1.0f, 0, 0, 4, 4);
    bf_config cfg;
    bf_config_default(&cfg);
    bf_detection det[3];
    size_t n = 0;
    assert_int_equal(bf_decode(BF_MODEL_FRONT_128, raw, RAW_LEN, &cfg, det, 3, &n), KS_OK);
    assert_int_equal(n, 3);
    cfg.max_detections = 1;
    assert_int_equal(bf_decode(BF_MODEL_FRONT_128, raw, RAW_LEN, &cfg, det, 3, &n), KS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(det[0].anchor_index, 100);
    cfg.max_detections = 0;
    assert_int_equal(bf_decode(BF_MODEL_FRONT_128, raw, RAW_LEN, &cfg, det, 2, &n), KS_OK);
    assert_int_equal(n, 2);
    free(raw);
}

static void non_finite_rows_are_skipped_and_bad_arguments_refused(void **state)
{
    (void)state;
    float *raw = raw_background();
    raw_put(raw, 5, 3.0f, 0, 0, 10, 10);
    raw[5 * BF_VALUES_PER_ANCHOR + 3] = NAN;
    raw_put(raw, 6, INFINITY, 0, 0, 10, 10);
    raw[7 * BF_VALUES_PER_ANCHOR] = NAN;
    bf_config cfg;
    bf_config_default(&cfg);
    bf_detection det[4];
    size_t n = 0;
    assert_int_equal(bf_decode(BF_MODEL_FRONT_128, raw, RAW_LEN, &cfg, det, 4, &n), KS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(bf_decode(BF_MODEL_FRONT_128, raw, RAW_LEN - 1, &cfg, det, 4, &n), KS_ERR_ARG);
    assert_int_equal(bf_decode(BF_MODEL_FRONT_128, NULL, RAW_LEN, &cfg, det, 4, &n), KS_ERR_ARG);
    cfg.iou_threshold = NAN;
    assert_int_equal(bf_decode(BF_MODEL_FRONT_128, raw, RAW_LEN, &cfg, det, 4, &n), KS_ERR_ARG);
    free(raw);
}

static void crop_box_is_scaled_enlarged_and_squared_like_human(void **state)
{
    (void)state;
    bf_detection det;
    memset(&det, 0, sizeof(det));
    det.box_norm[0] = 0.25f;
    det.box_norm[1] = 0.25f;
    det.box_norm[2] = 0.5f;
    det.box_norm[3] = 0.75f;
    float box[4];
    /* 400x200 image: (100, 50)-(200, 150), 140 px once enlarged by 1.4. */
    assert_int_equal(bf_crop_box(&det, 400, 200, 1.4f, box), KS_OK);
    assert_float_equal(box[0], 80.0f, 1e-4);
    assert_float_equal(box[1], 30.0f, 1e-4);
    assert_float_equal(box[2], 220.0f, 1e-4);
    assert_float_equal(box[3], 170.0f, 1e-4);
    /* A wide box becomes a square on its width. */
    det.box_norm[3] = 0.5f;
    assert_int_equal(bf_crop_box(&det, 400, 200, 1.0f, box), KS_OK);
    assert_float_equal(box[2] - box[0], 100.0f, 1e-4);
    assert_float_equal(box[3] - box[1], 100.0f, 1e-4);
    assert_int_equal(bf_crop_box(&det, 0, 200, 1.0f, box), KS_ERR_ARG);
    det.box_norm[0] = NAN;
    assert_int_equal(bf_crop_box(&det, 400, 200, 1.0f, box), KS_ERR_ARG);
}

static void iou_of_known_boxes(void **state)
{
    (void)state;
    const float a[4] = { 0, 0, 10, 10 }, b[4] = { 5, 0, 15, 10 }, c[4] = { 20, 20, 30, 30 };
    const float empty[4] = { 5, 5, 5, 9 };
    assert_float_equal(bf_iou(a, a), 1.0f, 1e-6);
    assert_float_equal(bf_iou(a, b), 50.0f / 150.0f, 1e-6);
    assert_float_equal(bf_iou(a, c), 0.0f, 1e-6);
    assert_float_equal(bf_iou(a, empty), 0.0f, 1e-6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(front_model_has_896_anchors_on_strides_8_and_16),
        cmocka_unit_test(back_model_has_896_anchors_on_strides_16_and_32),
        cmocka_unit_test(anchors_refuse_small_buffers_and_unknown_models),
        cmocka_unit_test(decoding_a_synthetic_tensor_reproduces_the_box),
        cmocka_unit_test(decoding_the_back_model_scales_by_its_own_anchors),
        cmocka_unit_test(scores_below_the_threshold_are_dropped),
        cmocka_unit_test(weighted_nms_averages_overlapping_boxes_and_keeps_separate_ones),
        cmocka_unit_test(boxes_overlapping_less_than_the_threshold_stay_apart),
        cmocka_unit_test(output_is_limited_by_capacity_and_max_detections),
        cmocka_unit_test(non_finite_rows_are_skipped_and_bad_arguments_refused),
        cmocka_unit_test(crop_box_is_scaled_enlarged_and_squared_like_human),
        cmocka_unit_test(iou_of_known_boxes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
