/* Tests for hostd/vision/nn/nn_model.h: the TensorFlow.js model.json parser,
 * its weight decoding, and the clear errors it gives for malformed or
 * unsupported models (naming the node and op). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nn_test_util.h"

static void half_floats_decode_exactly(void **state)
{
    (void)state;
    assert_true(nn_half_to_float(0x3c00) == 1.0f);
    assert_true(nn_half_to_float(0xc000) == -2.0f);
    assert_true(nn_half_to_float(0x3800) == 0.5f);
    assert_true(nn_half_to_float(0x7bff) == 65504.0f);
    assert_true(nn_half_to_float(0x0001) == ldexpf(1.0f, -24)); /* smallest subnormal */
    assert_true(nn_half_to_float(0x03ff) == ldexpf(1023.0f, -24));
    assert_true(nn_half_to_float(0x8000) == 0.0f && signbit(nn_half_to_float(0x8000)));
    assert_true(isinf(nn_half_to_float(0x7c00)));
    assert_true(isnan(nn_half_to_float(0x7e00)));
}

/* Nodes listed consumer-first must come out in evaluation order. */
static void nodes_are_sorted_topologically_and_outputs_follow_signature(void **state)
{
    (void)state;
    const char *json =
        "{\"modelTopology\":{\"node\":["
        "{\"name\":\"out\",\"op\":\"Relu\",\"input\":[\"mid:0\",\"^x\"]},"
        "{\"name\":\"mid\",\"op\":\"Mul\",\"input\":[\"x\",\"k\"]},"
        "{\"name\":\"k\",\"op\":\"Const\"},"
        "{\"name\":\"x\",\"op\":\"Placeholder\",\"attr\":{\"shape\":{\"shape\":{\"dim\":[{\"size\":\"-1\"},"
        "{\"size\":\"3\"}]}}}}]},"
        "\"signature\":{\"outputs\":{\"b\":{\"name\":\"out:0\"},\"a\":{\"name\":\"mid:0\"}}},"
        "\"weightsManifest\":[{\"paths\":[\"w\"],\"weights\":[{\"name\":\"k\",\"shape\":[],\"dtype\":\"float32\"}]}]}";
    const uint8_t w[4] = {0, 0, 0x40, 0x40}; /* 3.0f */
    nn_graph *g;
    char err[256] = "";
    assert_int_equal(nn_graph_parse(json, strlen(json), w, 4, &g, err, sizeof err), KS_OK);
    assert_int_equal(g->n_nodes, 4);
    size_t out = nn_graph_find(g, "out"), mid = nn_graph_find(g, "mid"), x = nn_graph_find(g, "x");
    assert_true(x < mid && mid < out);
    assert_int_equal(g->nodes[out].n_inputs, 1); /* the control input is dropped */
    assert_int_equal(g->nodes[out].inputs[0], mid);
    assert_int_equal(g->input, x);
    assert_int_equal(g->nodes[x].placeholder_rank, 2);
    assert_int_equal(g->nodes[x].placeholder_dims[0], 1);
    assert_int_equal(g->n_outputs, 2);
    assert_string_equal(g->output_names[0], "out");
    assert_string_equal(g->output_names[1], "mid");
    const nn_tensor *k = &g->nodes[nn_graph_find(g, "k")].value;
    assert_int_equal(k->rank, 0);
    assert_true(k->count == 1 && k->f[0] == 3.0f);
    nn_graph_free(g);
}

/* A minimal valid model into which each case injects one defect. */
static ks_status parse_variant(const char *nodes, const char *manifest, size_t weight_bytes, char *err, size_t cap)
{
    char json[4096];
    snprintf(json, sizeof json,
             "{\"modelTopology\":{\"node\":[{\"name\":\"x\",\"op\":\"Placeholder\",\"attr\":{\"shape\":{\"shape\":"
             "{\"dim\":[{\"size\":\"1\"},{\"size\":\"4\"},{\"size\":\"4\"},{\"size\":\"1\"}]}}}}%s]},"
             "\"weightsManifest\":[{\"paths\":[\"w\"],\"weights\":[%s]}]}",
             nodes, manifest);
    uint8_t weights[64] = {0};
    nn_graph *g = NULL;
    ks_status st = nn_graph_parse(json, strlen(json), weights, weight_bytes, &g, err, cap);
    if (st == KS_OK) {
        nn_model *m;
        st = nn_model_from_graph(g, NULL, &m, err, cap);
        nn_model_free(m);
    }
    return st;
}

#define W_ONE "{\"name\":\"k\",\"shape\":[1],\"dtype\":\"float32\"}"
#define N_MUL ",{\"name\":\"k\",\"op\":\"Const\"},{\"name\":\"y\",\"op\":\"Mul\",\"input\":[\"x\",\"k\"]}"

static void expect_error(ks_status want, const char *fragment, const char *nodes, const char *manifest,
                         size_t weight_bytes)
{
    char err[256] = "";
    ks_status st = parse_variant(nodes, manifest, weight_bytes, err, sizeof err);
    if (st != want || !strstr(err, fragment))
        fail_msg("got status %d, message \"%s\"; wanted %d with \"%s\"", st, err, want, fragment);
}

static void the_reference_variant_is_valid(void **state)
{
    (void)state;
    char err[256] = "";
    assert_int_equal(parse_variant(N_MUL, W_ONE, 4, err, sizeof err), KS_OK);
}

static void unsupported_op_names_node_and_op(void **state)
{
    (void)state;
    expect_error(KS_ERR_UNSUPPORTED, "node cat: unsupported op ConcatV2",
                 ",{\"name\":\"cat\",\"op\":\"ConcatV2\",\"input\":[\"x\",\"x\"]}", "", 0);
    expect_error(KS_ERR_UNSUPPORTED, "unsupported fused op FusedBatchNorm",
                 ",{\"name\":\"k\",\"op\":\"Const\"},{\"name\":\"c\",\"op\":\"_FusedConv2D\",\"input\":[\"x\",\"k\"],"
                 "\"attr\":{\"fused_ops\":{\"list\":{\"s\":[\"RnVzZWRCYXRjaE5vcm0=\"]}}}}",
                 W_ONE, 4);
}

static void weight_size_mismatch_is_refused(void **state)
{
    (void)state;
    expect_error(KS_ERR_TRUNCATED, "weight k: shards end", N_MUL, W_ONE, 3);
    expect_error(KS_ERR_MALFORMED, "shards hold 8 bytes but the manifest describes 4", N_MUL, W_ONE, 8);
    expect_error(KS_ERR_MALFORMED, "node k (Const): no weights", N_MUL, "", 0);
    expect_error(KS_ERR_UNSUPPORTED, "unsupported dtype complex64", N_MUL,
                 "{\"name\":\"k\",\"shape\":[1],\"dtype\":\"complex64\"}", 8);
    expect_error(KS_ERR_UNSUPPORTED, "unsupported quantization int4", N_MUL,
                 "{\"name\":\"k\",\"shape\":[1],\"dtype\":\"float32\",\"quantization\":{\"dtype\":\"int4\"}}", 1);
    expect_error(KS_ERR_TOO_LARGE, "bad shape", N_MUL,
                 "{\"name\":\"k\",\"shape\":[65536,65536,65536],\"dtype\":\"float32\"}", 4);
    expect_error(KS_ERR_MALFORMED, "listed twice", N_MUL, W_ONE "," W_ONE, 8);
}

static void broken_topology_is_refused(void **state)
{
    (void)state;
    expect_error(KS_ERR_MALFORMED, "node y (Relu): input nope does not exist",
                 ",{\"name\":\"y\",\"op\":\"Relu\",\"input\":[\"nope\"]}", "", 0);
    expect_error(KS_ERR_MALFORMED, "cycle",
                 ",{\"name\":\"a\",\"op\":\"Add\",\"input\":[\"x\",\"b\"]},{\"name\":\"b\",\"op\":\"Relu\",\"input\":[\"a\"]}",
                 "", 0);
    expect_error(KS_ERR_MALFORMED, "node name x is used twice", ",{\"name\":\"x\",\"op\":\"Relu\",\"input\":[\"x\"]}",
                 "", 0);
    expect_error(KS_ERR_UNSUPPORTED, "secondary output", ",{\"name\":\"y\",\"op\":\"Relu\",\"input\":[\"x:1\"]}", "",
                 0);
    expect_error(KS_ERR_MALFORMED, "node y (Relu): 2 inputs, expected 1",
                 ",{\"name\":\"y\",\"op\":\"Relu\",\"input\":[\"x\",\"x\"]}", "", 0);
    expect_error(KS_ERR_UNSUPPORTED, "exactly one is supported",
                 ",{\"name\":\"x2\",\"op\":\"Placeholder\",\"attr\":{\"shape\":{\"shape\":{\"dim\":[{\"size\":\"1\"}]}}}},"
                 "{\"name\":\"y\",\"op\":\"Add\",\"input\":[\"x\",\"x2\"]}",
                 "", 0);
    expect_error(KS_ERR_MALFORMED, "node 1 has no name or op", ",{\"op\":\"Relu\"}", "", 0);
}

static void bad_attributes_are_refused(void **state)
{
    (void)state;
    /* "RVhQTElDSVQ=" is EXPLICIT, "TkNIVw==" NCHW, "U0FNRQ==" SAME. */
    expect_error(KS_ERR_UNSUPPORTED, "node c (Conv2D): padding must be SAME or VALID",
                 ",{\"name\":\"k\",\"op\":\"Const\"},{\"name\":\"c\",\"op\":\"Conv2D\",\"input\":[\"x\",\"k\"],"
                 "\"attr\":{\"padding\":{\"s\":\"RVhQTElDSVQ=\"}}}",
                 W_ONE, 4);
    expect_error(KS_ERR_UNSUPPORTED, "only NHWC",
                 ",{\"name\":\"p\",\"op\":\"MaxPool\",\"input\":[\"x\"],\"attr\":{\"data_format\":{\"s\":\"TkNIVw==\"}}}",
                 "", 0);
    expect_error(KS_ERR_UNSUPPORTED, "node p (MaxPool): bad strides",
                 ",{\"name\":\"p\",\"op\":\"MaxPool\",\"input\":[\"x\"],\"attr\":{\"padding\":{\"s\":\"U0FNRQ==\"},"
                 "\"ksize\":{\"list\":{\"i\":[\"1\",\"2\",\"2\",\"1\"]}},\"strides\":{\"list\":{\"i\":[\"2\",\"2\",\"2\",\"1\"]}}}}",
                 "", 0);
    expect_error(KS_ERR_MALFORMED, "node p (MaxPool): bad strides",
                 ",{\"name\":\"p\",\"op\":\"MaxPool\",\"input\":[\"x\"],\"attr\":{\"padding\":{\"s\":\"U0FNRQ==\"},"
                 "\"ksize\":{\"list\":{\"i\":[\"1\",\"x\",\"2\",\"1\"]}}}}",
                 "", 0);
}

static void shapes_that_do_not_fit_are_load_errors(void **state)
{
    (void)state;
    /* A 1x1x2x1 filter on a 1-channel input. */
    expect_error(KS_ERR_MALFORMED, "node c (Conv2D): filter 1x1x2 does not fit 1 input channels",
                 ",{\"name\":\"k\",\"op\":\"Const\"},{\"name\":\"c\",\"op\":\"Conv2D\",\"input\":[\"x\",\"k\"],"
                 "\"attr\":{\"padding\":{\"s\":\"U0FNRQ==\"}}}",
                 "{\"name\":\"k\",\"shape\":[1,1,2,1],\"dtype\":\"float32\"}", 8);
    expect_error(KS_ERR_MALFORMED, "node r (Reshape): bad target dimension 0",
                 ",{\"name\":\"s\",\"op\":\"Const\"},{\"name\":\"r\",\"op\":\"Reshape\",\"input\":[\"x\",\"s\"]}",
                 "{\"name\":\"s\",\"shape\":[2],\"dtype\":\"int32\"}", 8);
    expect_error(KS_ERR_UNSUPPORTED, "node m (Mean): only a mean over H and W",
                 ",{\"name\":\"a\",\"op\":\"Const\"},{\"name\":\"m\",\"op\":\"Mean\",\"input\":[\"x\",\"a\"]}",
                 "{\"name\":\"a\",\"shape\":[1],\"dtype\":\"int32\"}", 4);
    expect_error(KS_ERR_MALFORMED, "window 5 larger than input 4",
                 ",{\"name\":\"p\",\"op\":\"MaxPool\",\"input\":[\"x\"],\"attr\":{\"padding\":{\"s\":\"VkFMSUQ=\"},"
                 "\"ksize\":{\"list\":{\"i\":[\"1\",\"5\",\"5\",\"1\"]}}}}",
                 "", 0);
    expect_error(KS_ERR_UNSUPPORTED, "an output must be computed from the input",
                 ",{\"name\":\"y\",\"op\":\"Identity\",\"input\":[\"x\"]}", "", 0);
}

static void non_json_and_truncated_text_are_refused(void **state)
{
    (void)state;
    nn_graph *g = (nn_graph *)1;
    char err[128] = "";
    assert_int_equal(nn_graph_parse("not json", 8, NULL, 0, &g, err, sizeof err), KS_ERR_MALFORMED);
    assert_null(g);
    assert_int_equal(nn_graph_parse("{\"modelTopology\":{\"node\":[", 26, NULL, 0, &g, err, sizeof err),
                     KS_ERR_MALFORMED);
    assert_int_equal(nn_graph_parse("{} trailing", 11, NULL, 0, &g, err, sizeof err), KS_ERR_MALFORMED);
    assert_int_equal(nn_graph_parse("{}", 2, NULL, 0, &g, err, sizeof err), KS_ERR_MALFORMED);
    assert_non_null(strstr(err, "modelTopology"));
    assert_int_equal(nn_graph_parse("[1]", 3, NULL, 0, &g, NULL, 0), KS_ERR_MALFORMED); /* no err buffer: fine */
}

static void shard_paths_may_not_leave_the_model_directory(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_nn_model.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/model.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"modelTopology\":{\"node\":[]},\"weightsManifest\":[{\"paths\":[\"../etc/passwd\"],\"weights\":[]}]}",
          f);
    fclose(f);
    nn_graph *g;
    char err[256] = "";
    assert_int_equal(nn_graph_load_file(path, &g, err, sizeof err), KS_ERR_MALFORMED);
    assert_non_null(strstr(err, "../etc/passwd"));
    assert_int_equal(nn_graph_load_file("/nonexistent/model.json", &g, err, sizeof err), KS_ERR_NOT_FOUND);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(half_floats_decode_exactly),
        cmocka_unit_test(nodes_are_sorted_topologically_and_outputs_follow_signature),
        cmocka_unit_test(the_reference_variant_is_valid),
        cmocka_unit_test(unsupported_op_names_node_and_op),
        cmocka_unit_test(weight_size_mismatch_is_refused),
        cmocka_unit_test(broken_topology_is_refused),
        cmocka_unit_test(bad_attributes_are_refused),
        cmocka_unit_test(shapes_that_do_not_fit_are_load_errors),
        cmocka_unit_test(non_json_and_truncated_text_are_refused),
        cmocka_unit_test(shard_paths_may_not_leave_the_model_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
