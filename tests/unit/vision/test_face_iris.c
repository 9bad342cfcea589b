/* Eye refinement with the iris model (face_iris.h, refine_eyes in the face
 * pipeline): the geometry that mirrors human's augmentIris on synthetic
 * meshes, then on the sample photos that refined open eyes stay where the
 * plain facemesh put them. Model and photo checks skip without
 * tools/fetch-models and tools/fetch-samples unless KS_REQUIRE_GOLDENS=1. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "face_iris.h"
#include "face_pipeline.h"

#define RAW_LEN (MESH_NUM_LANDMARKS * 3u)

static float raw[RAW_LEN];
static float left_pts[FACE_IRIS_EYE_POINTS][3], right_pts[FACE_IRIS_EYE_POINTS][3];

static void set_point(float *r, size_t i, float x, float y, float z)
{
    r[3 * i] = x;
    r[3 * i + 1] = y;
    r[3 * i + 2] = z;
}

/* Every mesh point at (i, -i, 0); model points distinguishable by eye. */
static void fill_synthetic(void)
{
    for (size_t i = 0; i < MESH_NUM_LANDMARKS; i++)
        set_point(raw, i, (float)i, -(float)i, 0.0f);
    for (size_t i = 0; i < FACE_IRIS_EYE_POINTS; i++) {
        left_pts[i][0] = 1000.0f + (float)i;
        left_pts[i][1] = 1000.0f;
        left_pts[i][2] = 10.0f;
        right_pts[i][0] = 2000.0f + (float)i;
        right_pts[i][1] = 2000.0f;
        right_pts[i][2] = -10.0f;
    }
}

static void test_eye_box_is_the_corners_bounds_enlarged_squared_and_rounded(void **state)
{
    (void)state;
    fill_synthetic();
    /* Subject's left eye: corners 263 and 362. Bounds 80..101 x 50..54:
     * centre (90.5, 52), side 2.3 * 21 = 48.3, halves round up. */
    set_point(raw, 263, 101.0f, 50.0f, 0.0f);
    set_point(raw, 362, 80.0f, 54.0f, 0.0f);
    float box[4];
    assert_int_equal(face_iris_eye_box(raw, RAW_LEN, FACE_IRIS_LEFT, box), KS_OK);
    assert_float_equal(box[0], 66.0f, 0.0f);  /* 90.5 - 24.15 = 66.35 */
    assert_float_equal(box[1], 28.0f, 0.0f);  /* 52 - 24.15 = 27.85 */
    assert_float_equal(box[2], 115.0f, 0.0f); /* 114.65 */
    assert_float_equal(box[3], 76.0f, 0.0f);  /* 76.15 */
    /* The right eye uses 33 and 133. */
    set_point(raw, 33, 10.0f, 10.0f, 0.0f);
    set_point(raw, 133, 30.0f, 10.0f, 0.0f);
    assert_int_equal(face_iris_eye_box(raw, RAW_LEN, FACE_IRIS_RIGHT, box), KS_OK);
    assert_float_equal(box[0], -3.0f, 0.0f); /* 20 - 23 */
    assert_float_equal(box[2], 43.0f, 0.0f);
    assert_float_equal(box[1], -13.0f, 0.0f);
    assert_float_equal(box[3], 33.0f, 0.0f);
}

static void test_eye_box_refuses_bad_input(void **state)
{
    (void)state;
    fill_synthetic();
    float box[4];
    assert_int_equal(face_iris_eye_box(NULL, RAW_LEN, FACE_IRIS_LEFT, box), KS_ERR_ARG);
    assert_int_equal(face_iris_eye_box(raw, RAW_LEN - 1, FACE_IRIS_LEFT, box), KS_ERR_ARG);
    assert_int_equal(face_iris_eye_box(raw, RAW_LEN, (face_iris_eye)7, box), KS_ERR_ARG);
    set_point(raw, 33, NAN, 0.0f, 0.0f);
    assert_int_equal(face_iris_eye_box(raw, RAW_LEN, FACE_IRIS_RIGHT, box), KS_ERR_MALFORMED);
    set_point(raw, 33, 3e38f, 0.0f, 0.0f);
    assert_int_equal(face_iris_eye_box(raw, RAW_LEN, FACE_IRIS_RIGHT, box), KS_ERR_MALFORMED);
}

static float contours[FACE_IRIS_CONTOUR_POINTS * 3], irises[FACE_IRIS_IRIS_POINTS * 3];
static float joined[FACE_IRIS_EYE_POINTS * 3];

static void make_heads(nn_output outs[2])
{
    memset(contours, 0, sizeof(contours));
    memset(irises, 0, sizeof(irises));
    contours[0] = 16.0f; /* point 0 at a quarter of the crop's width */
    contours[1] = 32.0f;
    contours[2] = 5.0f;
    irises[0] = 48.0f; /* iris centre (point 71) */
    irises[1] = 16.0f;
    memset(outs, 0, 2 * sizeof(*outs));
    outs[0].data = irises;
    outs[0].count = FACE_IRIS_IRIS_POINTS * 3u;
    outs[1].data = contours;
    outs[1].count = FACE_IRIS_CONTOUR_POINTS * 3u;
}

static void test_decode_maps_model_pixels_to_the_box_and_unmirrors_the_left_eye(void **state)
{
    (void)state;
    nn_output outs[2];
    make_heads(outs);
    const float box[4] = {10.0f, 20.0f, 138.0f, 84.0f}; /* 128 wide, 64 high */
    float pts[FACE_IRIS_EYE_POINTS][3];
    assert_int_equal(face_iris_decode(outs, 2, box, FACE_IRIS_RIGHT, pts), KS_OK);
    assert_float_equal(pts[0][0], 10.0f + 0.25f * 128.0f, 1e-4f);
    assert_float_equal(pts[0][1], 20.0f + 0.5f * 64.0f, 1e-4f);
    assert_float_equal(pts[0][2], 5.0f, 0.0f);
    assert_float_equal(pts[FACE_IRIS_CONTOUR_POINTS][0], 10.0f + 0.75f * 128.0f, 1e-4f);
    assert_float_equal(pts[FACE_IRIS_CONTOUR_POINTS][1], 20.0f + 0.25f * 64.0f, 1e-4f);
    assert_int_equal(face_iris_decode(outs, 2, box, FACE_IRIS_LEFT, pts), KS_OK);
    assert_float_equal(pts[0][0], 10.0f + 0.75f * 128.0f, 1e-4f);
    assert_float_equal(pts[0][1], 20.0f + 0.5f * 64.0f, 1e-4f);
    assert_float_equal(pts[FACE_IRIS_CONTOUR_POINTS][0], 10.0f + 0.25f * 128.0f, 1e-4f);
}

static void test_decode_takes_the_joined_output_and_refuses_others(void **state)
{
    (void)state;
    nn_output outs[2];
    make_heads(outs);
    memcpy(joined, contours, sizeof(contours));
    memcpy(joined + FACE_IRIS_CONTOUR_POINTS * 3u, irises, sizeof(irises));
    nn_output one = {.data = joined, .count = FACE_IRIS_EYE_POINTS * 3u};
    const float box[4] = {0.0f, 0.0f, 64.0f, 64.0f};
    float a[FACE_IRIS_EYE_POINTS][3], b[FACE_IRIS_EYE_POINTS][3];
    assert_int_equal(face_iris_decode(outs, 2, box, FACE_IRIS_RIGHT, a), KS_OK);
    assert_int_equal(face_iris_decode(&one, 1, box, FACE_IRIS_RIGHT, b), KS_OK);
    assert_memory_equal(a, b, sizeof(a));
    assert_int_equal(face_iris_decode(outs, 1, box, FACE_IRIS_RIGHT, a), KS_ERR_UNSUPPORTED);
    one.count = 1404;
    assert_int_equal(face_iris_decode(&one, 1, box, FACE_IRIS_RIGHT, a), KS_ERR_UNSUPPORTED);
    contours[4] = NAN;
    assert_int_equal(face_iris_decode(outs, 2, box, FACE_IRIS_RIGHT, a), KS_ERR_MALFORMED);
    assert_int_equal(face_iris_decode(NULL, 2, box, FACE_IRIS_RIGHT, a), KS_ERR_ARG);
}

static void assert_point(size_t mesh_index, float x, float y, float z)
{
    assert_float_equal(raw[3 * mesh_index], x, 0.0f);
    assert_float_equal(raw[3 * mesh_index + 1], y, 0.0f);
    assert_float_equal(raw[3 * mesh_index + 2], z, 1e-6f);
}

static void assert_untouched(size_t mesh_index)
{
    assert_point(mesh_index, (float)mesh_index, -(float)mesh_index, 0.0f);
}

static void test_merge_looking_straight_replaces_every_contour_of_both_eyes(void **state)
{
    (void)state;
    fill_synthetic();
    float iris[FACE_IRIS_POINTS][3];
    assert_int_equal(face_iris_merge(raw, RAW_LEN, left_pts, right_pts, iris), KS_OK);
    /* Lower lid 0: model points 0..8; upper lid 0: 9..15; brows 63..70, 48..53. */
    assert_point(263, 1000.0f, 1000.0f, 5.0f);
    assert_point(362, 1008.0f, 1000.0f, 5.0f);
    assert_point(386, 1012.0f, 1000.0f, 5.0f);
    assert_point(33, 2000.0f, 2000.0f, -5.0f);
    assert_point(159, 2012.0f, 2000.0f, -5.0f);
    assert_point(55, 2069.0f, 2000.0f, -5.0f);  /* EyebrowUpper[6] */
    assert_point(295, 1053.0f, 1000.0f, 5.0f);  /* EyebrowLower[5] */
    assert_point(465, 1062.0f, 1000.0f, 5.0f);  /* EyeLower3[8] */
    assert_point(247, 2025.0f, 2000.0f, -5.0f); /* EyeUpper1[0] */
    assert_untouched(1);   /* nose tip */
    assert_untouched(168); /* between the eyes */
    /* Iris points: the left eye's first, z from the lids. */
    assert_float_equal(iris[0][0], 1071.0f, 0.0f);
    assert_float_equal(iris[2][2], raw[3 * 386 + 2], 0.0f);
    assert_float_equal(iris[4][2], raw[3 * 374 + 2], 0.0f);
    assert_float_equal(iris[FACE_IRIS_IRIS_POINTS][0], 2071.0f, 0.0f);
}

static void test_merge_looking_sideways_replaces_only_the_nearer_eyes_lids(void **state)
{
    (void)state;
    fill_synthetic();
    raw[3 * 263 + 2] = 40.0f; /* the left eye is 40 deeper: the right one is nearer */
    assert_int_equal(face_iris_merge(raw, RAW_LEN, left_pts, right_pts, NULL), KS_OK);
    assert_point(159, 2012.0f, 2000.0f, -5.0f);
    assert_point(145, 2004.0f, 2000.0f, -5.0f);
    assert_untouched(247); /* right EyeUpper1: not a lid line */
    assert_untouched(55);
    assert_point(263, 263.0f, -263.0f, 40.0f);
    assert_untouched(386);

    fill_synthetic();
    raw[3 * 33 + 2] = 30.0f; /* now the left eye is nearer */
    assert_int_equal(face_iris_merge(raw, RAW_LEN, left_pts, right_pts, NULL), KS_OK);
    assert_point(386, 1012.0f, 1000.0f, 5.0f);
    assert_untouched(467);
    assert_point(33, 33.0f, -33.0f, 30.0f);
    assert_untouched(159);
}

static void test_merge_refuses_bad_input(void **state)
{
    (void)state;
    fill_synthetic();
    assert_int_equal(face_iris_merge(raw, RAW_LEN - 3, left_pts, right_pts, NULL), KS_ERR_ARG);
    assert_int_equal(face_iris_merge(raw, RAW_LEN, NULL, right_pts, NULL), KS_ERR_ARG);
    left_pts[70][1] = INFINITY;
    assert_int_equal(face_iris_merge(raw, RAW_LEN, left_pts, right_pts, NULL), KS_ERR_MALFORMED);
    assert_untouched(263); /* nothing written on refusal */
}

/* ---- on real photos -------------------------------------------------------- */

static face_engine *plain_engine, *refined_engine;
static char samples_dir[1024];

static bool required(void)
{
    const char *v = getenv("KS_REQUIRE_GOLDENS");
    return v != NULL && strcmp(v, "1") == 0;
}

static int open_engines(void **state)
{
    (void)state;
    const char *cache = getenv("KS_CACHE"), *home = getenv("HOME");
    if (cache != NULL && cache[0] != '\0')
        snprintf(samples_dir, sizeof(samples_dir), "%s/samples/face-api", cache);
    else
        snprintf(samples_dir, sizeof(samples_dir), "%s/.cache/kiosk/samples/face-api", home ? home : "/");
    char models[1024], err[256] = "";
    if (face_models_dir_default(models, sizeof(models)) != KS_OK)
        return 0;
    face_engine_opts o;
    face_engine_opts_default(&o);
    assert_true(o.refine_eyes); /* human's default: face.iris on */
    o.threads = 1;
    o.skip_passive = true;
    if (face_engine_open(models, &o, &refined_engine, err, sizeof(err)) != KS_OK)
        printf("refined engine: %s\n", err);
    o.refine_eyes = false;
    if (face_engine_open(models, &o, &plain_engine, err, sizeof(err)) != KS_OK)
        printf("plain engine: %s\n", err);
    return 0;
}

static int close_engines(void **state)
{
    (void)state;
    face_engine_close(plain_engine);
    face_engine_close(refined_engine);
    return 0;
}

static bool load_jpeg(const char *path, img_image *img)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    static uint8_t buf[8u << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return n > 0 && n < sizeof(buf) && img_jpeg_decode(buf, n, 1u << 24, img) == KS_OK;
}

static void need(bool ok, const char *what)
{
    if (ok)
        return;
    if (required())
        fail_msg("%s is missing and KS_REQUIRE_GOLDENS=1", what);
    printf("SKIP: %s is missing (tools/fetch-models, tools/fetch-samples)\n", what);
    skip();
}

static double dist(const float a[2], const float b[2])
{
    return hypot((double)a[0] - b[0], (double)a[1] - b[1]);
}

/* Mean of an eye's 16 lid points (EyeUpper0 + EyeLower0), as mesh.c's eye centre. */
static void eye_centre(const mesh_point *lm, int eye, float out[2])
{
    static const uint16_t lids[2][16] = {
        {246, 161, 160, 159, 158, 157, 173, 33, 7, 163, 144, 145, 153, 154, 155, 133},
        {466, 388, 387, 386, 385, 384, 398, 263, 249, 390, 373, 374, 380, 381, 382, 362},
    };
    double x = 0.0, y = 0.0;
    for (size_t i = 0; i < 16; i++) {
        x += lm[lids[eye][i]].x;
        y += lm[lids[eye][i]].y;
    }
    out[0] = (float)(x / 16.0);
    out[1] = (float)(y / 16.0);
}

/* Both pipelines find the same faces in the same order (the detector and
 * crop do not depend on refinement); open eyes of faces within 20 degrees
 * of frontal keep their centre (mean of the 16 lid points): on average
 * within 5 % of the inter-ocular distance, each within 15 % (the two models
 * disagree on the corners by up to a tenth of the eye width; human's own
 * refined left eye moves the same), and the iris lies between the lids. */
static void test_refined_open_eyes_stay_on_the_plain_mesh_eyes(void **state)
{
    (void)state;
    need(plain_engine != NULL && refined_engine != NULL, "the face models (with iris.json)");
    static face_result plain[FACE_MAX_FACES], refined[FACE_MAX_FACES];
    size_t checked = 0, n_eyes = 0;
    double worst = 0.0, sum = 0.0;
    for (int s = 1; s <= 6; s++) {
        char path[1200];
        snprintf(path, sizeof(path), "%s/sample%d.jpg", samples_dir, s);
        img_image img;
        need(load_jpeg(path, &img), "a sample photo");
        size_t np = 0, nr = 0;
        assert_int_equal(face_analyze(plain_engine, &img, plain, FACE_MAX_FACES, &np), KS_OK);
        assert_int_equal(face_analyze(refined_engine, &img, refined, FACE_MAX_FACES, &nr), KS_OK);
        face_timing t;
        face_last_timing(refined_engine, &t);
        img_free(&img);
        assert_int_equal(np, nr);
        printf("sample%d: %zu faces, iris stage %.1f ms\n", s, nr, t.iris_ms);
        for (size_t k = 0; k < nr; k++) {
            const face_result *p = &plain[k], *r = &refined[k];
            assert_memory_equal(p->crop_box, r->crop_box, sizeof(p->crop_box));
            /* alignment and pose stay the plain mesh's (calibrated thresholds) */
            assert_memory_equal(p->measures.align, r->measures.align, sizeof(p->measures.align));
            assert_memory_equal(&p->measures.pose, &r->measures.pose, sizeof(p->measures.pose));
            assert_false(p->has_iris);
            assert_true(r->has_iris);
            if (fabsf(p->measures.pose.yaw_deg) > 20.0f)
                continue;
            double io = p->measures.inter_ocular_px;
            float centre[2][2]; /* refined: [0] subject's right eye, [1] left */
            for (int eye = 0; eye < 2; eye++) {
                float plain_centre[2];
                eye_centre(p->landmarks, eye, plain_centre);
                eye_centre(r->landmarks, eye, centre[eye]);
                double d = dist(plain_centre, centre[eye]) / io;
                worst = fmax(worst, d);
                sum += d;
                n_eyes++;
                assert_true(d < 0.15);
            }
            /* iris centres: points 0 (left eye) and 5 (right eye) */
            for (int eye = 0; eye < 2; eye++) {
                const mesh_point *c = &r->iris[eye * FACE_IRIS_IRIS_POINTS];
                const float *lid_centre = centre[eye == 0 ? 1 : 0];
                assert_true(fabs((double)c->x - lid_centre[0]) < 0.15 * io);
                assert_true(fabs((double)c->y - lid_centre[1]) < 0.1 * io);
            }
            assert_true(r->measures.ear_mean > 0.08f && r->measures.ear_mean < 0.6f);
            checked++;
        }
    }
    printf("%zu frontal faces; eye centres moved %.3f (mean), %.3f (max) x the inter-ocular distance\n",
           checked, sum / (double)(n_eyes ? n_eyes : 1), worst);
    assert_true(checked >= 10);
    assert_true(sum / (double)n_eyes < 0.05);
}

static void test_missing_iris_model_fails_the_engine_with_a_message(void **state)
{
    (void)state;
    face_engine *e = NULL;
    char err[256] = "";
    face_engine_opts o;
    face_engine_opts_default(&o);
    /* a directory without any model fails at the first; iris is loaded last */
    assert_int_not_equal(face_engine_open("/nonexistent-models-dir", &o, &e, err, sizeof(err)), KS_OK);
    assert_null(e);
    nn_model *m = NULL;
    err[0] = '\0';
    assert_int_equal(face_iris_load("/nonexistent-models-dir", 1, &m, err, sizeof(err)), KS_ERR_NOT_FOUND);
    assert_null(m);
    assert_non_null(strstr(err, "iris.json"));
}

int main(void)
{
    const struct CMUnitTest geometry[] = {
        cmocka_unit_test(test_eye_box_is_the_corners_bounds_enlarged_squared_and_rounded),
        cmocka_unit_test(test_eye_box_refuses_bad_input),
        cmocka_unit_test(test_decode_maps_model_pixels_to_the_box_and_unmirrors_the_left_eye),
        cmocka_unit_test(test_decode_takes_the_joined_output_and_refuses_others),
        cmocka_unit_test(test_merge_looking_straight_replaces_every_contour_of_both_eyes),
        cmocka_unit_test(test_merge_looking_sideways_replaces_only_the_nearer_eyes_lids),
        cmocka_unit_test(test_merge_refuses_bad_input),
        cmocka_unit_test(test_missing_iris_model_fails_the_engine_with_a_message),
    };
    const struct CMUnitTest photos[] = {
        cmocka_unit_test(test_refined_open_eyes_stay_on_the_plain_mesh_eyes),
    };
    int failed = cmocka_run_group_tests_name("face_iris geometry", geometry, NULL, NULL);
    failed += cmocka_run_group_tests_name("face_iris photos", photos, open_engines, close_engines);
    return failed;
}
