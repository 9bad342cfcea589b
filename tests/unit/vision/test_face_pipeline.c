/* The C face pipeline reproduces @vladmandic/human's on the sample photos:
 * for every face human found in sample1..6 (golden/pipeline/sampleN.json,
 * on the jpeg-js pixels sampleN.rgb), the same face is found, its detector
 * box is within 1 px at the 256-px model resolution, its 468 landmarks within
 * 0.5 px (mesh_float), its faceres embedding has cosine >= 0.999, and the
 * passive liveness scores agree. Without goldens or weights the test skips,
 * unless KS_REQUIRE_GOLDENS=1. */
#include <malloc.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "face_pipeline.h"

#define BOX_TOL_PX 1.0
#define MESH_TOL_PX 0.5
#define MIN_COSINE 0.999
#define PASSIVE_TOL 0.02

static face_engine *engine;
static char golden_dir[1024];

static bool goldens_required(void)
{
    const char *v = getenv("KS_REQUIRE_GOLDENS");
    return v && strcmp(v, "1") == 0;
}

static int setup(void **state)
{
    (void)state;
    const char *cache = getenv("KS_CACHE");
    const char *home = getenv("HOME");
    if (cache && *cache)
        snprintf(golden_dir, sizeof(golden_dir), "%s/golden/pipeline", cache);
    else
        snprintf(golden_dir, sizeof(golden_dir), "%s/.cache/kiosk/golden/pipeline", home ? home : "/");
    char models[1024], err[256] = "";
    if (face_models_dir_default(models, sizeof(models)) != KS_OK)
        return 0;
    /* One thread: see test_face_evidence.c; the goldens hold either way. */
    face_engine_opts opts;
    face_engine_opts_default(&opts);
    opts.threads = 1;
    /* The goldens are human's with face.iris off (golden-pipeline.mjs). */
    opts.refine_eyes = false;
    if (face_engine_open(models, &opts, &engine, err, sizeof(err)) != KS_OK) {
        printf("engine: %s\n", err);
        engine = NULL;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    face_engine_close(engine);
    return 0;
}

static void need(bool ok, const char *what)
{
    if (ok)
        return;
    if (goldens_required())
        fail_msg("%s is missing and KS_REQUIRE_GOLDENS=1", what);
    printf("SKIP: %s is missing (tools/fetch-models, tests/reference/make-goldens)\n", what);
    skip();
}

static bool load_rgb(const char *path, uint32_t w, uint32_t h, img_image *img)
{
    if (img_alloc(img, w, h, 3) != KS_OK)
        return false;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = (size_t)w * h * 3;
    bool ok = fread(img->pixels, 1, n, f) == n && fgetc(f) == EOF;
    fclose(f);
    return ok;
}

static double num(json_object *arr, size_t i)
{
    return json_object_get_double(json_object_array_get_idx(arr, i));
}

static json_object *field(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, k, &v))
        fail_msg("golden field %s missing", k);
    return v;
}

static const face_result *find_face(const face_result *faces, size_t n, uint32_t anchor)
{
    for (size_t i = 0; i < n; i++)
        if (faces[i].anchor_index == anchor)
            return &faces[i];
    return NULL;
}

static void check_face(const char *sample, size_t k, json_object *gf, const face_result *f)
{
    json_object *det = field(gf, "detector");
    json_object *box = field(det, "box_model");
    for (size_t i = 0; i < 4; i++) {
        double d = fabs(f->box_model[i] - num(box, i));
        if (d > BOX_TOL_PX)
            fail_msg("%s face %zu: box[%zu] off by %.3f px", sample, k, i, d);
    }
    assert_true(fabs(f->score - json_object_get_double(field(det, "score"))) < 1e-3);
    json_object *crop = field(gf, "crop_box");
    for (size_t i = 0; i < 4; i++)
        assert_float_equal(f->crop_box[i], num(crop, i), 1e-3);

    json_object *mesh = field(gf, "mesh_float");
    assert_int_equal(json_object_array_length(mesh), MESH_NUM_LANDMARKS);
    double worst = 0;
    for (size_t i = 0; i < MESH_NUM_LANDMARKS; i++) {
        json_object *p = json_object_array_get_idx(mesh, i);
        worst = fmax(worst, fabs(f->landmarks[i].x - num(p, 0)));
        worst = fmax(worst, fabs(f->landmarks[i].y - num(p, 1)));
    }
    if (worst > MESH_TOL_PX)
        fail_msg("%s face %zu: landmark off by %.3f px", sample, k, worst);

    json_object *emb = field(gf, "embedding");
    assert_int_equal(json_object_array_length(emb), FACE_FACERES_DIM);
    float want[FACE_FACERES_DIM];
    for (size_t i = 0; i < FACE_FACERES_DIM; i++)
        want[i] = (float)num(emb, i);
    float cos = face_cosine(f->embedding, want, FACE_FACERES_DIM);
    if (cos < MIN_COSINE)
        fail_msg("%s face %zu: embedding cosine %.5f", sample, k, (double)cos);

    double spoof = json_object_get_double(field(gf, "antispoof"));
    double live = num(field(gf, "liveness"), 0);
    if (fabs(f->antispoof - spoof) > PASSIVE_TOL || fabs(f->liveness - live) > PASSIVE_TOL)
        fail_msg("%s face %zu: antispoof %.4f vs %.4f, liveness %.4f vs %.4f", sample, k,
                 (double)f->antispoof, spoof, (double)f->liveness, live);
    printf("  %s face %zu: box %.3f px, mesh %.3f px, cosine %.6f\n", sample, k,
           fmax(fmax(fabs(f->box_model[0] - num(box, 0)), fabs(f->box_model[1] - num(box, 1))),
                fmax(fabs(f->box_model[2] - num(box, 2)), fabs(f->box_model[3] - num(box, 3)))),
           worst, (double)cos);
}

static void check_sample(int s)
{
    char name[16], path[1200];
    snprintf(name, sizeof(name), "sample%d", s);
    snprintf(path, sizeof(path), "%s/%s.json", golden_dir, name);
    struct stat st;
    need(stat(path, &st) == 0, path);
    need(engine != NULL, "face models");
    json_object *root = json_object_from_file(path);
    assert_non_null(root);
    uint32_t w = (uint32_t)json_object_get_int(field(root, "width"));
    uint32_t h = (uint32_t)json_object_get_int(field(root, "height"));
    img_image img = {0};
    snprintf(path, sizeof(path), "%s/%s.rgb", golden_dir, name);
    assert_true(load_rgb(path, w, h, &img));

    face_result *faces = calloc(FACE_MAX_FACES, sizeof(*faces));
    assert_non_null(faces);
    size_t n = 0;
    assert_int_equal(face_analyze(engine, &img, faces, FACE_MAX_FACES, &n), KS_OK);
    json_object *gfaces = field(root, "faces");
    size_t want = json_object_array_length(gfaces);
    if (n != want)
        fail_msg("%s: %zu faces, the reference has %zu", name, n, want);
    for (size_t k = 0; k < want; k++) {
        json_object *gf = json_object_array_get_idx(gfaces, k);
        uint32_t anchor = (uint32_t)json_object_get_int(field(field(gf, "detector"), "anchor_index"));
        const face_result *f = find_face(faces, n, anchor);
        if (f == NULL)
            fail_msg("%s face %zu: no face from anchor %u", name, k, anchor);
        check_face(name, k, gf, f);
    }
    free(faces);
    img_free(&img);
    json_object_put(root);
}

#define SAMPLE_TEST(N) \
    static void test_sample##N##_matches_reference(void **state) { (void)state; check_sample(N); }
SAMPLE_TEST(1)
SAMPLE_TEST(2)
SAMPLE_TEST(3)
SAMPLE_TEST(4)
SAMPLE_TEST(5)
SAMPLE_TEST(6)

/* The same frame analysed again gives the same result: no state leaks from
 * one frame into the next. */
static void test_analysis_is_repeatable(void **state)
{
    (void)state;
    need(engine != NULL, "face models");
    img_image img = {0};
    assert_int_equal(img_alloc(&img, 320, 240, 3), KS_OK);
    for (uint32_t y = 0; y < 240; y++)
        for (uint32_t x = 0; x < 320 * 3; x++)
            img_row(&img, y)[x] = (uint8_t)((x * 7 + y * 13) & 0xff);
    face_result *faces = calloc(FACE_MAX_FACES, sizeof(*faces));
    size_t n1 = 99, n2 = 99;
    assert_int_equal(face_analyze(engine, &img, faces, FACE_MAX_FACES, &n1), KS_OK);
    assert_int_equal(face_analyze(engine, &img, faces, FACE_MAX_FACES, &n2), KS_OK);
    assert_int_equal(n1, n2);
    free(faces);
    img_free(&img);
}

/* Frame after frame, the heap in use stays where it was after the first
 * frame: the engine preallocates everything (glibc's count; under ASan the
 * counter is not maintained and the check is vacuous). */
static void test_heap_does_not_grow_across_frames(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof(path), "%s/sample5.json", golden_dir);
    struct stat st;
    need(stat(path, &st) == 0, path);
    need(engine != NULL, "face models");
    json_object *root = json_object_from_file(path);
    assert_non_null(root);
    uint32_t w = (uint32_t)json_object_get_int(field(root, "width"));
    uint32_t h = (uint32_t)json_object_get_int(field(root, "height"));
    json_object_put(root);
    snprintf(path, sizeof(path), "%s/sample5.rgb", golden_dir);
    img_image img = {0};
    assert_true(load_rgb(path, w, h, &img));
    face_result *faces = calloc(FACE_MAX_FACES, sizeof(*faces));
    size_t n = 0;
    assert_int_equal(face_analyze(engine, &img, faces, FACE_MAX_FACES, &n), KS_OK);
    size_t before = mallinfo2().uordblks;
    for (int i = 0; i < 4; i++)
        assert_int_equal(face_analyze(engine, &img, faces, FACE_MAX_FACES, &n), KS_OK);
    size_t after = mallinfo2().uordblks;
    assert_int_equal(after, before);
    assert_int_equal(n, 5);
    free(faces);
    img_free(&img);
}

static void test_bad_arguments_are_refused(void **state)
{
    (void)state;
    need(engine != NULL, "face models");
    img_image empty = {0};
    size_t n = 5;
    face_result f;
    assert_int_equal(face_analyze(engine, &empty, &f, 1, &n), KS_ERR_ARG);
    assert_int_equal(n, 0);
    assert_int_equal(face_analyze(NULL, &empty, &f, 1, &n), KS_ERR_ARG);
    face_match_result r;
    assert_int_equal(face_match(engine, NULL, &empty, &r), KS_ERR_ARG);
    face_engine *e = NULL;
    char err[128];
    assert_int_not_equal(face_engine_open("/nonexistent-models-dir", NULL, &e, err, sizeof(err)), KS_OK);
    assert_null(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample1_matches_reference),
        cmocka_unit_test(test_sample2_matches_reference),
        cmocka_unit_test(test_sample3_matches_reference),
        cmocka_unit_test(test_sample4_matches_reference),
        cmocka_unit_test(test_sample5_matches_reference),
        cmocka_unit_test(test_sample6_matches_reference),
        cmocka_unit_test(test_analysis_is_repeatable),
        cmocka_unit_test(test_heap_does_not_grow_across_frames),
        cmocka_unit_test(test_bad_arguments_are_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
