/* Quality gates: each one triggers with its own reason. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "image.h"
#include "quality.h"

/* Deterministic pseudo-random grey texture in [lo, hi] (all channels equal,
 * so the luma is the drawn value). */
static void fill_texture(img_image *img, unsigned lo, unsigned hi)
{
    uint32_t s = 12345u;
    for (uint32_t y = 0; y < img->height; y++) {
        uint8_t *row = img_row(img, y);
        for (size_t x = 0; x < img->width; x++) {
            s = s * 1103515245u + 12345u;
            uint8_t v = (uint8_t)(lo + (s >> 16) % (hi - lo + 1u));
            for (size_t c = 0; c < img->channels; c++)
                row[x * img->channels + c] = v;
        }
    }
}

static fq_input good_input(const img_image *crop)
{
    fq_input in = { 1, 80.0f, 2.0f, -3.0f, 1.0f, crop };
    return in;
}

static void a_sharp_well_exposed_frontal_face_passes(void **state)
{
    (void)state;
    img_image crop;
    assert_int_equal(img_alloc(&crop, 128, 128, 3), KS_OK);
    fill_texture(&crop, 60, 200);
    fq_config cfg;
    fq_config_default(&cfg);
    fq_input in = good_input(&crop);
    fq_result r;
    assert_int_equal(fq_assess(&cfg, &in, &r), KS_OK);
    assert_int_equal(r.reason, FQ_OK);
    assert_int_equal(r.failed_mask, 0);
    assert_true(r.sharpness > cfg.min_sharpness);
    assert_true(r.exposure.mean > 110.0f && r.exposure.mean < 150.0f);
    assert_true(r.exposure.p5 < 80 && r.exposure.p95 > 180);
    assert_string_equal(fq_reason_str(r.reason), "face quality is good");
    img_free(&crop);
}

static void no_face_and_several_faces_are_reported_first(void **state)
{
    (void)state;
    fq_config cfg;
    fq_config_default(&cfg);
    fq_input in = good_input(NULL);
    fq_result r;
    in.face_count = 0;
    assert_int_equal(fq_assess(&cfg, &in, &r), KS_OK);
    assert_int_equal(r.reason, FQ_NO_FACE);
    assert_int_equal(r.failed_mask, 1u << FQ_NO_FACE);
    in.face_count = 2;
    in.inter_ocular_px = 5.0f; /* not evaluated once there are two faces */
    assert_int_equal(fq_assess(&cfg, &in, &r), KS_OK);
    assert_int_equal(r.reason, FQ_MULTIPLE_FACES);
    assert_int_equal(r.failed_mask, 1u << FQ_MULTIPLE_FACES);
    assert_string_equal(fq_reason_str(FQ_MULTIPLE_FACES), "more than one face in view");
}

static void a_small_face_is_too_small(void **state)
{
    (void)state;
    fq_config cfg;
    fq_config_default(&cfg);
    fq_input in = good_input(NULL);
    fq_result r;
    in.inter_ocular_px = 25.0f;
    assert_int_equal(fq_assess(&cfg, &in, &r), KS_OK);
    assert_int_equal(r.reason, FQ_FACE_TOO_SMALL);
    in.inter_ocular_px = 40.0f; /* the limit itself passes */
    assert_int_equal(fq_assess(&cfg, &in, &r), KS_OK);
    assert_int_equal(r.reason, FQ_OK);
}

static void a_turned_or_tilted_head_fails_the_pose_gate(void **state)
{
    (void)state;
    fq_config cfg;
    fq_config_default(&cfg);
    fq_input in = good_input(NULL);
    fq_result r;
    in.yaw_deg = -32.0f;
    assert_int_equal(fq_assess(&cfg, &in, &r), KS_OK);
    assert_int_equal(r.reason, FQ_POSE);
    in.yaw_deg = 0.0f;
    in.pitch_deg = 30.0f;
    assert_int_equal(fq_assess(&cfg, &in, &r), KS_OK);
    assert_int_equal(r.reason, FQ_POSE);
    in.pitch_deg = 0.0f;
    in.roll_deg = (float)NAN; /* an unmeasured pose never passes */
    assert_int_equal(fq_assess(&cfg, &in, &r), KS_OK);
    assert_int_equal(r.reason, FQ_POSE);
}

static void a_smooth_gradient_is_blurred(void **state)
{
    (void)state;
    img_image crop;
    assert_int_equal(img_alloc(&crop, 128, 128, 1), KS_OK);
    for (uint32_t y = 0; y < crop.height; y++)
        for (uint32_t x = 0; x < crop.width; x++)
            img_row(&crop, y)[x] = (uint8_t)(40u + x * 180u / 127u);
    fq_config cfg;
    fq_config_default(&cfg);
    fq_input in = good_input(&crop);
    fq_result r;
    assert_int_equal(fq_assess(&cfg, &in, &r), KS_OK);
    assert_int_equal(r.reason, FQ_BLUR);
    assert_int_equal(r.failed_mask, 1u << FQ_BLUR);
    assert_true(r.sharpness < 2.0);
    img_free(&crop);
}

static void dark_and_bright_crops_fail_exposure(void **state)
{
    (void)state;
    img_image crop;
    fq_config cfg;
    fq_config_default(&cfg);
    fq_result r;
    assert_int_equal(img_alloc(&crop, 64, 64, 3), KS_OK);
    fill_texture(&crop, 0, 70);
    fq_input in = good_input(&crop);
    assert_int_equal(fq_assess(&cfg, &in, &r), KS_OK);
    assert_int_equal(r.reason, FQ_TOO_DARK);
    fill_texture(&crop, 190, 255);
    assert_int_equal(fq_assess(&cfg, &in, &r), KS_OK);
    assert_int_equal(r.reason, FQ_TOO_BRIGHT);
    img_free(&crop);
}

static void a_flat_grey_crop_lacks_contrast_and_is_also_flagged_blurred(void **state)
{
    (void)state;
    img_image crop;
    assert_int_equal(img_alloc(&crop, 32, 32, 1), KS_OK);
    memset(crop.pixels, 128, crop.stride * crop.height);
    fq_config cfg;
    fq_config_default(&cfg);
    fq_input in = good_input(&crop);
    fq_result r;
    assert_int_equal(fq_assess(&cfg, &in, &r), KS_OK);
    assert_int_equal(r.reason, FQ_LOW_CONTRAST);
    assert_int_equal(r.failed_mask, (1u << FQ_LOW_CONTRAST) | (1u << FQ_BLUR));
    assert_int_equal(r.exposure.p5, 128);
    assert_int_equal(r.exposure.p95, 128);
    img_free(&crop);
}

static void measures_refuse_empty_or_tiny_images(void **state)
{
    (void)state;
    img_image none = { 0 };
    double v;
    fq_exposure e;
    assert_int_equal(fq_sharpness(&none, &v), KS_ERR_ARG);
    assert_int_equal(fq_measure_exposure(&none, &e), KS_ERR_ARG);
    img_image tiny;
    assert_int_equal(img_alloc(&tiny, 2, 2, 1), KS_OK);
    assert_int_equal(fq_sharpness(&tiny, &v), KS_ERR_ARG);
    assert_int_equal(fq_measure_exposure(&tiny, &e), KS_OK);
    fq_config cfg;
    fq_config_default(&cfg);
    fq_input in = good_input(&tiny);
    fq_result r;
    assert_int_equal(fq_assess(&cfg, &in, &r), KS_ERR_ARG);
    img_free(&tiny);
    assert_string_equal(fq_reason_str((fq_reason)99), "unknown quality reason");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_sharp_well_exposed_frontal_face_passes),
        cmocka_unit_test(no_face_and_several_faces_are_reported_first),
        cmocka_unit_test(a_small_face_is_too_small),
        cmocka_unit_test(a_turned_or_tilted_head_fails_the_pose_gate),
        cmocka_unit_test(a_smooth_gradient_is_blurred),
        cmocka_unit_test(dark_and_bright_crops_fail_exposure),
        cmocka_unit_test(a_flat_grey_crop_lacks_contrast_and_is_also_flagged_blurred),
        cmocka_unit_test(measures_refuse_empty_or_tiny_images),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
