/* Agreement of the XNNPACK runtime with TensorFlow.js on the real models:
 * for every case the Node reference wrote under
 * ${KS_CACHE:-~/.cache/kiosk}/golden/models/<model>/ (C.input.bin, C.json,
 * C.output.N.bin), run the model from tools/fetch-models and compare each
 * output: cosine similarity >= 0.9999 and a small max abs error.
 * Without weights or goldens the test skips with a message, unless
 * KS_REQUIRE_GOLDENS=1, when their absence is a failure. */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "nn_run.h"

#define MIN_COSINE 0.9999

static char cache_dir[1024];

static bool goldens_required(void)
{
    const char *v = getenv("KS_REQUIRE_GOLDENS");
    return v && strcmp(v, "1") == 0;
}

static void missing(const char *what)
{
    if (goldens_required())
        fail_msg("%s is missing and KS_REQUIRE_GOLDENS=1 (run tools/fetch-models and the Node reference)", what);
    printf("SKIP: %s is missing (tools/fetch-models, tests/reference/make-goldens)\n", what);
    skip();
}

/* Reads exactly n little-endian floats from path; false if absent or the wrong size. */
static bool read_floats(const char *path, float *out, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t got = fread(out, sizeof(float), n, f);
    int extra = fgetc(f);
    fclose(f);
    return got == n && extra == EOF;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void compare_output(const char *model, const char *cas, const nn_output *got, const char *path,
                           double *worst_cos, float *worst_abs)
{
    float *want = malloc(got->count * sizeof(float));
    assert_non_null(want);
    if (!read_floats(path, want, got->count))
        fail_msg("%s: missing or not %zu floats", path, got->count);
    double ab = 0, aa = 0, bb = 0;
    float max_abs = 0, max_ref = 0;
    for (size_t k = 0; k < got->count; k++) {
        ab += (double)got->data[k] * want[k];
        aa += (double)got->data[k] * got->data[k];
        bb += (double)want[k] * want[k];
        float d = fabsf(got->data[k] - want[k]);
        if (!(d <= max_abs))
            max_abs = isnan(d) ? INFINITY : d;
        max_ref = fmaxf(max_ref, fabsf(want[k]));
    }
    double cos = aa == 0 && bb == 0 ? 1.0 : (aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0.0);
    if (cos < *worst_cos)
        *worst_cos = cos;
    if (max_abs > *worst_abs)
        *worst_abs = max_abs;
    /* Cosine alone says little about one-value outputs (a score); bound the
     * absolute error relative to the output's magnitude as well. */
    float abs_limit = 1e-3f * fmaxf(1.0f, max_ref);
    if (!(cos >= MIN_COSINE) || !(max_abs <= abs_limit))
        fail_msg("%s/%s output %s: cosine %.7f, max abs error %g (limit %g)", model, cas, got->name, cos,
                 (double)max_abs, (double)abs_limit);
    free(want);
}

static void check_model(const char *model)
{
    char path[2048], gdir[1536];
    snprintf(path, sizeof path, "%s/models/human-models-3.0.4/models/%s.json", cache_dir, model);
    snprintf(gdir, sizeof gdir, "%s/golden/models/%s", cache_dir, model);
    FILE *probe = fopen(path, "r");
    if (!probe)
        missing(path);
    else
        fclose(probe);
    DIR *d = opendir(gdir);
    if (!d)
        missing(gdir);

    nn_model *m;
    char err[512] = "";
    if (nn_model_load(path, NULL, &m, err, sizeof err) != KS_OK)
        fail_msg("%s: %s", model, err);
    size_t dims[NN_MAX_DIMS], n_in = 1, rank = nn_input_shape(m, dims);
    for (size_t k = 0; k < rank; k++)
        n_in *= dims[k];
    float *in = malloc(n_in * sizeof(float));
    assert_non_null(in);

    size_t cases = 0;
    double worst_cos = 1.0, times[64];
    size_t n_times = 0;
    float worst_abs = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 || len > 200)
            continue;
        char cas[256];
        snprintf(cas, sizeof cas, "%.*s", (int)(len - 5), e->d_name);
        snprintf(path, sizeof path, "%s/%s.json", gdir, cas);
        json_object *meta = json_object_from_file(path);
        json_object *outputs;
        if (!meta || !json_object_object_get_ex(meta, "outputs", &outputs))
            fail_msg("%s: unreadable", path);
        snprintf(path, sizeof path, "%s/%s.input.bin", gdir, cas);
        if (!read_floats(path, in, n_in))
            fail_msg("%s: missing or not %zu floats", path, n_in);
        nn_output outs[8];
        double t0 = now_ms();
        assert_int_equal(nn_run(m, in, n_in, outs, 8), KS_OK);
        if (n_times < 64)
            times[n_times++] = now_ms() - t0;
        size_t n_out = nn_output_count(m);
        assert_int_equal(json_object_array_length(outputs), n_out);
        for (size_t o = 0; o < n_out; o++) {
            /* Goldens are matched by tensor name; their order is the signature's. */
            json_object *name;
            json_object_object_get_ex(json_object_array_get_idx(outputs, o), "name", &name);
            size_t mine = n_out;
            for (size_t k = 0; k < n_out; k++)
                if (strcmp(outs[k].name, json_object_get_string(name)) == 0)
                    mine = k;
            if (mine == n_out)
                fail_msg("%s/%s: golden output %s not produced", model, cas, json_object_get_string(name));
            snprintf(path, sizeof path, "%s/%s.output.%zu.bin", gdir, cas, o);
            compare_output(model, cas, &outs[mine], path, &worst_cos, &worst_abs);
        }
        json_object_put(meta);
        cases++;
    }
    closedir(d);
    if (cases == 0)
        missing(gdir);
    /* Steady-state latency on the last input (informal; tools/bench measures properly). */
    for (int k = 0; k < 10 && n_times < 64; k++) {
        nn_output outs[8];
        double t0 = now_ms();
        assert_int_equal(nn_run(m, in, n_in, outs, 8), KS_OK);
        times[n_times++] = now_ms() - t0;
    }
    qsort(times, n_times, sizeof times[0], cmp_double);
    printf("%-16s %zu cases  worst cosine %.8f  worst max-abs %.3g  median %.2f ms\n", model, cases, worst_cos,
           (double)worst_abs, times[n_times / 2]);
    free(in);
    nn_model_free(m);
}

#define MODEL_TEST(fn, name)                                                                               \
    static void fn(void **state)                                                                           \
    {                                                                                                      \
        (void)state;                                                                                       \
        check_model(name);                                                                                 \
    }

MODEL_TEST(blazeface_front_agrees_with_tfjs, "blazeface-front")
MODEL_TEST(blazeface_back_agrees_with_tfjs, "blazeface")
MODEL_TEST(facemesh_agrees_with_tfjs, "facemesh")
MODEL_TEST(faceres_agrees_with_tfjs, "faceres")
MODEL_TEST(mobileface_agrees_with_tfjs, "mobileface")
MODEL_TEST(antispoof_agrees_with_tfjs, "antispoof")
MODEL_TEST(liveness_agrees_with_tfjs, "liveness")

int main(void)
{
    const char *cache = getenv("KS_CACHE");
    const char *home = getenv("HOME");
    if (cache && *cache)
        snprintf(cache_dir, sizeof cache_dir, "%s", cache);
    else
        snprintf(cache_dir, sizeof cache_dir, "%s/.cache/kiosk", home ? home : ".");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blazeface_front_agrees_with_tfjs),
        cmocka_unit_test(blazeface_back_agrees_with_tfjs),
        cmocka_unit_test(facemesh_agrees_with_tfjs),
        cmocka_unit_test(faceres_agrees_with_tfjs),
        cmocka_unit_test(mobileface_agrees_with_tfjs),
        cmocka_unit_test(antispoof_agrees_with_tfjs),
        cmocka_unit_test(liveness_agrees_with_tfjs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
