/* Tests for hostd/vision/nn/nn_run.h: small TensorFlow.js graphs built in the
 * test, run on XNNPACK and compared with naive C references of TF semantics. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "nn_test_util.h"

#define TOL 1e-4f

static float relu6(float v)
{
    return v < 0 ? 0 : v > 6 ? 6 : v;
}

/* Runs m on `in` and checks output `o` against `want`. */
static void expect_output(nn_model *m, const float *in, size_t n_in, size_t o, const float *want, size_t n,
                          float tol)
{
    nn_output outs[4];
    assert_int_equal(nn_run(m, in, n_in, outs, 4), KS_OK);
    assert_int_equal(outs[o].count, n);
    float diff = max_abs_diff(outs[o].data, want, n);
    if (!(diff <= tol))
        fail_msg("output %zu (%s) differs by %g", o, outs[o].name, (double)diff);
}

static void conv_case(size_t ih, size_t iw, size_t ic, size_t k, size_t oc, unsigned stride, unsigned dil,
                      const char *padding, const char *fused)
{
    tb b;
    tb_init(&b, "x", ih, iw, ic);
    float w[5 * 5 * 8 * 8], bias[8], in[16 * 16 * 8];
    size_t wd[4] = {k, k, ic, oc}, bd[1] = {oc};
    fill_random(w, k * k * ic * oc, 1, -1, 1);
    fill_random(bias, oc, 2, -1, 1);
    fill_random(in, ih * iw * ic, 3, -1, 1);
    tb_const(&b, "w", wd, 4, w);
    tb_const(&b, "b", bd, 1, bias);
    char *attr = tb_conv_attr(stride, padding, fused, 0, dil);
    tb_node(&b, "y", fused ? "_FusedConv2D" : "Conv2D", fused ? "x,w,b" : "x,w", attr);
    free(attr);
    nn_model *m = tb_build(&b, "y", 2);
    float want[16 * 16 * 8];
    size_t oh, ow;
    ref_conv(in, ih, iw, ic, w, k, k, oc, stride, dil, padding[0] == 'S', fused ? bias : NULL, want, &oh, &ow);
    if (fused && strstr(fused, "Relu6"))
        for (size_t i = 0; i < oh * ow * oc; i++)
            want[i] = relu6(want[i]);
    else if (fused && strstr(fused, "Relu"))
        for (size_t i = 0; i < oh * ow * oc; i++)
            want[i] = fmaxf(want[i], 0);
    expect_output(m, in, ih * iw * ic, 0, want, oh * ow * oc, TOL);
    nn_model_free(m);
    tb_free(&b);
}

static void conv_same_stride1_matches_reference(void **state)
{
    (void)state;
    conv_case(7, 6, 3, 3, 4, 1, 1, "SAME", NULL);
}

static void conv_same_stride2_pads_asymmetrically_like_tensorflow(void **state)
{
    (void)state;
    conv_case(8, 9, 3, 3, 5, 2, 1, "SAME", "BiasAdd");
    conv_case(8, 8, 2, 5, 3, 2, 1, "SAME", "BiasAdd,Relu");
}

static void conv_valid_strided_and_dilated_match_reference(void **state)
{
    (void)state;
    conv_case(9, 7, 4, 3, 6, 2, 1, "VALID", "BiasAdd,Relu6");
    conv_case(10, 10, 2, 3, 3, 1, 2, "VALID", NULL);
    conv_case(10, 9, 2, 3, 3, 1, 2, "SAME", "BiasAdd");
}

static void depthwise_with_multiplier_and_folded_add_relu6(void **state)
{
    (void)state;
    const size_t ih = 9, iw = 8, ic = 3, mult = 2, oc = ic * mult;
    tb b;
    tb_init(&b, "x", ih, iw, ic);
    float w[3 * 3 * 3 * 2], add[6], in[9 * 8 * 3];
    size_t wd[4] = {3, 3, ic, mult}, ad[1] = {oc};
    fill_random(w, sizeof w / sizeof w[0], 4, -1, 1);
    fill_random(add, oc, 5, -2, 2);
    fill_random(in, ih * iw * ic, 6, -3, 3);
    tb_const(&b, "w", wd, 4, w);
    tb_const(&b, "c", ad, 1, add);
    char *attr = tb_conv_attr(2, "SAME", NULL, 0, 0);
    tb_node(&b, "dw", "DepthwiseConv2dNative", "x,w", attr);
    free(attr);
    tb_node(&b, "sum", "AddV2", "dw,c", NULL);
    tb_node(&b, "y", "Relu6", "sum", NULL);
    nn_model *m = tb_build(&b, "y", 1);
    float want[5 * 4 * 6];
    size_t oh, ow;
    ref_depthwise(in, ih, iw, ic, w, 3, 3, mult, 2, true, add, want, &oh, &ow);
    assert_int_equal(oh * ow, 20);
    for (size_t i = 0; i < oh * ow * oc; i++)
        want[i] = relu6(want[i]);
    expect_output(m, in, ih * iw * ic, 0, want, oh * ow * oc, TOL);
    nn_model_free(m);
    tb_free(&b);
}

/* Conv → Mul → Add → Relu → Minimum(6) → Maximum(0): how faceres and
 * mobileface store batch norm and ReLU6; all of it folds into one conv. */
static void decomposed_batch_norm_and_clip_fold_into_convolution(void **state)
{
    (void)state;
    const size_t h = 6, w = 5, ic = 3, oc = 4;
    tb b;
    tb_init(&b, "x", h, w, ic);
    float wt[3 * 3 * 3 * 4], scale[4], shift[4], six = 6.0f, zero = 0.0f, in[6 * 5 * 3];
    size_t wd[4] = {3, 3, ic, oc}, cd[1] = {oc};
    fill_random(wt, sizeof wt / sizeof wt[0], 7, -1, 1);
    fill_random(scale, oc, 8, 0.5f, 3);
    fill_random(shift, oc, 9, -1, 4);
    fill_random(in, h * w * ic, 10, -2, 2);
    tb_const(&b, "w", wd, 4, wt);
    tb_const(&b, "scale", cd, 1, scale);
    tb_const(&b, "shift", cd, 1, shift);
    tb_const(&b, "six", NULL, 0, &six);
    tb_const(&b, "zero", NULL, 0, &zero);
    char *attr = tb_conv_attr(1, "SAME", NULL, 0, 0);
    tb_node(&b, "conv", "Conv2D", "x,w", attr);
    free(attr);
    tb_node(&b, "bn_mul", "Mul", "conv,scale", NULL);
    tb_node(&b, "bn_add", "Add", "shift,bn_mul", NULL);
    tb_node(&b, "relu", "Relu", "bn_add", NULL);
    tb_node(&b, "min", "Minimum", "relu,six", NULL);
    tb_node(&b, "y", "Maximum", "min,zero", NULL);
    nn_model *m = tb_build(&b, "y", 2);
    float want[6 * 5 * 4];
    size_t oh, ow;
    ref_conv(in, h, w, ic, wt, 3, 3, oc, 1, 1, true, NULL, want, &oh, &ow);
    for (size_t i = 0; i < oh * ow * oc; i++)
        want[i] = relu6(want[i] * scale[i % oc] + shift[i % oc]);
    expect_output(m, in, h * w * ic, 0, want, oh * ow * oc, TOL);
    nn_model_free(m);
    tb_free(&b);
}

/* The conv output also feeds a second consumer, so nothing may be folded into it. */
static void shared_convolution_output_is_not_folded(void **state)
{
    (void)state;
    const size_t h = 4, w = 4, c = 2;
    tb b;
    tb_init(&b, "x", h, w, c);
    float wt[1 * 1 * 2 * 2] = {1, 2, 3, 4}, k[2] = {10, 100}, in[4 * 4 * 2];
    size_t wd[4] = {1, 1, c, c}, cd[1] = {c};
    fill_random(in, h * w * c, 11, -1, 1);
    tb_const(&b, "w", wd, 4, wt);
    tb_const(&b, "k", cd, 1, k);
    char *attr = tb_conv_attr(1, "VALID", NULL, 0, 0);
    tb_node(&b, "conv", "Conv2D", "x,w", attr);
    free(attr);
    tb_node(&b, "scaled", "Mul", "conv,k", NULL);
    tb_node(&b, "y", "Sub", "scaled,conv", NULL); /* conv * k - conv */
    tb_node(&b, "z", "Sub", "k,conv", NULL);      /* constant on the left */
    nn_model *m = tb_build(&b, "y,z", 2);
    float conv[4 * 4 * 2], want_y[32], want_z[32];
    size_t oh, ow;
    ref_conv(in, h, w, c, wt, 1, 1, c, 1, 1, false, NULL, conv, &oh, &ow);
    for (size_t i = 0; i < 32; i++) {
        want_y[i] = conv[i] * k[i % 2] - conv[i];
        want_z[i] = k[i % 2] - conv[i];
    }
    expect_output(m, in, 32, 0, want_y, 32, TOL);
    expect_output(m, in, 32, 1, want_z, 32, TOL);
    nn_model_free(m);
    tb_free(&b);
}

/* A padded VALID conv whose size no longer matches the residual branch. */
static void mismatched_residual_shapes_are_a_load_error(void **state)
{
    (void)state;
    const size_t h = 6, w = 6, c = 2;
    tb b;
    tb_init(&b, "x", h, w, c);
    float wt[3 * 3 * 2 * 4];
    int32_t spatial[8] = {0, 0, 1, 2, 2, 1, 0, 0}, chan[8] = {0, 0, 0, 0, 0, 0, 0, 2};
    size_t wd[4] = {3, 3, c, 4}, pd[2] = {4, 2};
    fill_random(wt, sizeof wt / sizeof wt[0], 12, -1, 1);
    tb_const(&b, "w", wd, 4, wt);
    tb_const_i32(&b, "sp", pd, 2, spatial);
    tb_const_i32(&b, "cp", pd, 2, chan);
    tb_node(&b, "padded", "Pad", "x,sp", NULL);
    char *attr = tb_conv_attr(1, "VALID", NULL, 0, 0);
    tb_node(&b, "conv", "Conv2D", "padded,w", attr);
    free(attr);
    tb_node(&b, "wide", "Pad", "x,cp", NULL);
    tb_node(&b, "y", "AddV2", "wide,conv", NULL); /* 6x6x4 + 7x6x4 */
    char err[256] = "";
    assert_int_equal(tb_try_build(&b, "y", err, sizeof err), KS_ERR_MALFORMED);
    assert_non_null(strstr(err, "node y (AddV2)"));
    tb_free(&b);
}

static void spatial_pad_then_valid_conv_equals_explicit_padding(void **state)
{
    (void)state;
    const size_t h = 5, w = 6, c = 2, oc = 3;
    tb b;
    tb_init(&b, "x", h, w, c);
    float wt[3 * 3 * 2 * 3], in[5 * 6 * 2];
    int32_t spatial[8] = {0, 0, 1, 1, 1, 1, 0, 0}, chan[8] = {0, 0, 0, 0, 0, 0, 0, 1};
    size_t wd[4] = {3, 3, c, oc}, pd[2] = {4, 2};
    fill_random(wt, sizeof wt / sizeof wt[0], 14, -1, 1);
    fill_random(in, h * w * c, 15, -1, 1);
    tb_const(&b, "w", wd, 4, wt);
    tb_const_i32(&b, "sp", pd, 2, spatial);
    tb_const_i32(&b, "cp", pd, 2, chan);
    tb_node(&b, "padded", "Pad", "x,sp", NULL);
    char *attr = tb_conv_attr(1, "VALID", NULL, 0, 0);
    tb_node(&b, "conv", "Conv2D", "padded,w", attr);
    free(attr);
    tb_node(&b, "wide", "Pad", "x,cp", NULL);
    tb_node(&b, "y", "AddV2", "wide,conv", NULL);
    nn_model *m = tb_build(&b, "y", 2);
    /* A 3x3 VALID conv over a 1-pixel zero border is a 3x3 SAME conv. */
    float conv[5 * 6 * 3], want[5 * 6 * 3];
    size_t oh, ow;
    ref_conv(in, h, w, c, wt, 3, 3, oc, 1, 1, true, NULL, conv, &oh, &ow);
    for (size_t p = 0; p < h * w; p++)
        for (size_t o = 0; o < oc; o++)
            want[p * oc + o] = conv[p * oc + o] + (o < c ? in[p * c + o] : 0.0f);
    expect_output(m, in, h * w * c, 0, want, h * w * oc, TOL);
    nn_model_free(m);
    tb_free(&b);
}

static void prelu_fused_and_standalone_match_reference(void **state)
{
    (void)state;
    const size_t h = 4, w = 5, c = 3;
    tb b;
    tb_init(&b, "x", h, w, c);
    float wt[1 * 1 * 3 * 3], bias[3], alpha[3] = {0.1f, 0.5f, 2.0f}, in[4 * 5 * 3];
    size_t wd[4] = {1, 1, c, c}, cd[1] = {c}, ad[3] = {1, 1, c};
    fill_random(wt, 9, 16, -1, 1);
    fill_random(bias, 3, 17, -1, 1);
    fill_random(in, h * w * c, 18, -2, 2);
    tb_const(&b, "w", wd, 4, wt);
    tb_const(&b, "b", cd, 1, bias);
    tb_const(&b, "alpha", ad, 3, alpha);
    char *attr = tb_conv_attr(1, "SAME", "BiasAdd,Prelu", 0, 0);
    tb_node(&b, "conv", "_FusedConv2D", "x,w,b,alpha", attr);
    free(attr);
    tb_node(&b, "sum", "AddV2", "conv,x", NULL);
    tb_node(&b, "y", "Prelu", "sum,alpha", NULL);
    nn_model *m = tb_build(&b, "y", 2);
    float conv[4 * 5 * 3], want[4 * 5 * 3];
    size_t oh, ow;
    ref_conv(in, h, w, c, wt, 1, 1, c, 1, 1, true, bias, conv, &oh, &ow);
    for (size_t i = 0; i < h * w * c; i++) {
        float v = conv[i] >= 0 ? conv[i] : conv[i] * alpha[i % c];
        v += in[i];
        want[i] = v >= 0 ? v : v * alpha[i % c];
    }
    expect_output(m, in, h * w * c, 0, want, h * w * c, TOL);
    nn_model_free(m);
    tb_free(&b);
}

static void pooling_excludes_same_padding_like_tensorflow(void **state)
{
    (void)state;
    const size_t h = 7, w = 6, c = 3;
    tb b;
    tb_init(&b, "x", h, w, c);
    float in[7 * 6 * 3];
    fill_random(in, h * w * c, 19, -5, 1); /* mostly negative: zero padding would show in max */
    char *a1 = tb_conv_attr(2, "VALID", NULL, 2, 0);
    char *a2 = tb_conv_attr(2, "SAME", NULL, 3, 0);
    tb_node(&b, "p1", "MaxPool", "x", a1);
    tb_node(&b, "p2", "MaxPool", "x", a2);
    tb_node(&b, "p3", "AvgPool", "x", a2);
    free(a1);
    free(a2);
    nn_model *m = tb_build(&b, "p1,p2,p3", 2);
    float want[7 * 6 * 3];
    size_t oh, ow;
    ref_pool(in, h, w, c, 2, 2, false, true, want, &oh, &ow);
    expect_output(m, in, h * w * c, 0, want, oh * ow * c, TOL);
    ref_pool(in, h, w, c, 3, 2, true, true, want, &oh, &ow);
    expect_output(m, in, h * w * c, 1, want, oh * ow * c, TOL);
    ref_pool(in, h, w, c, 3, 2, true, false, want, &oh, &ow);
    expect_output(m, in, h * w * c, 2, want, oh * ow * c, TOL);
    nn_model_free(m);
    tb_free(&b);
}

/* faceres/antispoof head: Mean over H,W (or Reshape) → dense + ReLU → softmax / sigmoid. */
static void mean_dense_softmax_and_sigmoid_head(void **state)
{
    (void)state;
    const size_t h = 3, w = 4, c = 5, n = 3;
    tb b;
    tb_init(&b, "x", h, w, c);
    float kern[5 * 3], bias[3], in[3 * 4 * 5];
    int32_t axes[2] = {1, 2}, shape[2] = {1, -1};
    size_t kd[2] = {c, n}, bd[1] = {n}, ax[1] = {2};
    fill_random(kern, c * n, 20, -1, 1);
    fill_random(bias, n, 21, -0.2f, 0.2f);
    fill_random(in, h * w * c, 22, 0, 2);
    tb_const(&b, "kern", kd, 2, kern);
    tb_const(&b, "bias", bd, 1, bias);
    tb_const_i32(&b, "axes", ax, 1, axes);
    tb_const_i32(&b, "shape", ax, 1, shape);
    tb_node(&b, "mean", "Mean", "x,axes", "{\"keep_dims\":{\"b\":false}}");
    tb_node(&b, "dense", "_FusedMatMul", "mean,kern,bias",
            "{\"fused_ops\":{\"list\":{\"s\":[\"Qmlhc0FkZA==\",\"UmVsdQ==\"]}},\"transpose_a\":{\"b\":false},"
            "\"transpose_b\":{\"b\":false}}");
    tb_node(&b, "prob", "Softmax", "dense", NULL);
    tb_node(&b, "flat", "Reshape", "x,shape", NULL);
    tb_node(&b, "gate", "Sigmoid", "flat", NULL);
    nn_model *m = tb_build(&b, "mean,prob,gate", 2);
    float mean[5] = {0}, dense[3], prob[3], gate[60];
    for (size_t p = 0; p < h * w; p++)
        for (size_t ch = 0; ch < c; ch++)
            mean[ch] += in[p * c + ch] / (float)(h * w);
    float sum = 0;
    for (size_t o = 0; o < n; o++) {
        double acc = bias[o];
        for (size_t i = 0; i < c; i++)
            acc += (double)mean[i] * kern[i * n + o];
        dense[o] = fmaxf((float)acc, 0);
        sum += expf(dense[o]);
    }
    for (size_t o = 0; o < n; o++)
        prob[o] = expf(dense[o]) / sum;
    for (size_t i = 0; i < 60; i++)
        gate[i] = 1.0f / (1.0f + expf(-in[i]));
    expect_output(m, in, 60, 0, mean, c, TOL);
    expect_output(m, in, 60, 1, prob, n, TOL);
    expect_output(m, in, 60, 2, gate, 60, TOL);
    nn_output outs[3];
    assert_int_equal(nn_run(m, in, 60, outs, 3), KS_OK);
    assert_int_equal(outs[0].rank, 2);
    assert_int_equal(outs[0].dims[1], c);
    assert_string_equal(outs[1].name, "prob");
    assert_int_equal(outs[2].dims[1], 60);
    nn_model_free(m);
    tb_free(&b);
}

static void resize_bilinear_modes_match_reference(void **state)
{
    (void)state;
    const size_t h = 4, w = 5, c = 2, oh = 7, ow = 9;
    tb b;
    tb_init(&b, "x", h, w, c);
    float in[4 * 5 * 2];
    int32_t size[2] = {(int32_t)oh, (int32_t)ow};
    size_t sd[1] = {2};
    fill_random(in, h * w * c, 23, -1, 1);
    tb_const_i32(&b, "size", sd, 1, size);
    tb_node(&b, "half", "ResizeBilinear", "x,size", "{\"half_pixel_centers\":{\"b\":true}}");
    tb_node(&b, "corners", "ResizeBilinear", "x,size", "{\"align_corners\":{\"b\":true}}");
    tb_node(&b, "legacy", "ResizeBilinear", "x,size", NULL);
    nn_model *m = tb_build(&b, "half,corners,legacy", 2);
    float want[7 * 9 * 2];
    ref_resize(in, h, w, c, oh, ow, false, true, want);
    expect_output(m, in, h * w * c, 0, want, oh * ow * c, TOL);
    ref_resize(in, h, w, c, oh, ow, true, false, want);
    expect_output(m, in, h * w * c, 1, want, oh * ow * c, TOL);
    ref_resize(in, h, w, c, oh, ow, false, false, want);
    expect_output(m, in, h * w * c, 2, want, oh * ow * c, TOL);
    nn_model_free(m);
    tb_free(&b);
}

static void float16_and_uint8_weights_are_decoded(void **state)
{
    (void)state;
    const size_t h = 3, w = 3, c = 2;
    tb b;
    tb_init(&b, "x", h, w, c);
    /* Values exactly representable in half precision. */
    float wt[2 * 2] = {0.5f, -1.25f, 2.0f, 0.099975586f}, in[18];
    uint8_t q[2] = {0, 200};
    size_t wd[4] = {1, 1, c, c}, qd[1] = {c};
    fill_random(in, 18, 24, -1, 1);
    tb_const_f16(&b, "w", wd, 4, wt);
    tb_const_u8(&b, "q", qd, 1, q, 0.01f, -1.0f);
    char *attr = tb_conv_attr(1, "VALID", NULL, 0, 0);
    tb_node(&b, "conv", "Conv2D", "x,w", attr);
    free(attr);
    tb_node(&b, "y", "Add", "conv,q", NULL);
    nn_model *m = tb_build(&b, "y", 1);
    float want[18];
    for (size_t p = 0; p < 9; p++)
        for (size_t o = 0; o < c; o++)
            want[p * c + o] = in[p * c] * wt[o] + in[p * c + 1] * wt[c + o] + (o == 0 ? -1.0f : 1.0f);
    expect_output(m, in, 18, 0, want, 18, TOL);
    nn_model_free(m);
    tb_free(&b);
}

static void run_refuses_wrong_input_size(void **state)
{
    (void)state;
    tb b;
    tb_init(&b, "x", 2, 2, 1);
    tb_node(&b, "y", "Relu", "x", NULL);
    nn_model *m = tb_build(&b, "y", 2);
    float in[5] = {0};
    nn_output out;
    size_t dims[NN_MAX_DIMS];
    assert_int_equal(nn_input_shape(m, dims), 4);
    assert_int_equal(dims[0] * dims[1] * dims[2] * dims[3], 4);
    assert_int_equal(nn_output_count(m), 1);
    assert_int_equal(nn_run(m, in, 5, &out, 1), KS_ERR_ARG);
    assert_int_equal(nn_run(m, in, 3, &out, 1), KS_ERR_ARG);
    in[0] = -1;
    in[1] = 2;
    assert_int_equal(nn_run(m, in, 4, &out, 1), KS_OK);
    assert_true(out.data[0] == 0.0f && out.data[1] == 2.0f);
    nn_model_free(m);
    tb_free(&b);
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void hundred_inferences_do_not_grow_memory(void **state)
{
    (void)state;
    const size_t h = 32, w = 32, c = 3, oc = 8;
    tb b;
    tb_init(&b, "x", h, w, c);
    float wt[3 * 3 * 3 * 8], bias[8];
    size_t wd[4] = {3, 3, c, oc}, bd[1] = {oc};
    fill_random(wt, sizeof wt / sizeof wt[0], 25, -1, 1);
    fill_random(bias, oc, 26, -1, 1);
    tb_const(&b, "w", wd, 4, wt);
    tb_const(&b, "b", bd, 1, bias);
    char *attr = tb_conv_attr(2, "SAME", "BiasAdd,Relu", 0, 0);
    tb_node(&b, "y", "_FusedConv2D", "x,w,b", attr);
    free(attr);
    nn_model *m = tb_build(&b, "y", 2);
    static float in[32 * 32 * 3];
    fill_random(in, h * w * c, 27, 0, 1);
    nn_output out;
    for (int i = 0; i < 5; i++) /* warm-up: first runs may fault pages in */
        assert_int_equal(nn_run(m, in, h * w * c, &out, 1), KS_OK);
    long before = rss_kb();
    const float *first = out.data;
    for (int i = 0; i < 100; i++) {
        assert_int_equal(nn_run(m, in, h * w * c, &out, 1), KS_OK);
        assert_ptr_equal(out.data, first); /* the same preallocated buffer every time */
    }
    long after = rss_kb();
    assert_true(before > 0 && after > 0);
    if (after - before > 256)
        fail_msg("RSS grew by %ld KiB over 100 inferences", after - before);
    nn_model_free(m);
    tb_free(&b);
}

static void model_loads_from_directory_with_two_shards(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_nn_run.XXXXXX";
    assert_non_null(mkdtemp(dir));
    tb b;
    tb_init(&b, "x", 2, 2, 1);
    float scale[1] = {3.0f};
    size_t sd[1] = {1};
    tb_const(&b, "s", sd, 1, scale);
    tb_node(&b, "y", "Mul", "x,s", NULL);
    char *json = tb_json(&b, "y");
    /* Split the 4-byte blob over two shards named in one group. */
    char *at = strstr(json, "\"paths\":[\"w.bin\"]");
    assert_non_null(at);
    char *fixed = malloc(strlen(json) + 32);
    assert_non_null(fixed);
    sprintf(fixed, "%.*s\"paths\":[\"a.bin\",\"b.bin\"]%s", (int)(at - json), json, at + strlen("\"paths\":[\"w.bin\"]"));
    char path[256];
    snprintf(path, sizeof path, "%s/model.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(fixed, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/a.bin", dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(b.blob, 1, 1, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/b.bin", dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(b.blob + 1, 1, 3, f);
    fclose(f);

    nn_model *m;
    char err[256] = "";
    assert_int_equal(nn_model_load(dir, NULL, &m, err, sizeof err), KS_OK);
    float in[4] = {1, 2, 3, 4};
    nn_output out;
    assert_int_equal(nn_run(m, in, 4, &out, 1), KS_OK);
    assert_true(out.data[3] == 12.0f);
    nn_model_free(m);

    /* A missing shard is a load error naming the file, not a crash. */
    assert_int_equal(unlink(path), 0);
    assert_int_not_equal(nn_model_load(dir, NULL, &m, err, sizeof err), KS_OK);
    assert_non_null(strstr(err, "b.bin"));
    snprintf(path, sizeof path, "%s/a.bin", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/model.json", dir);
    unlink(path);
    rmdir(dir);
    free(fixed);
    free(json);
    tb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conv_same_stride1_matches_reference),
        cmocka_unit_test(conv_same_stride2_pads_asymmetrically_like_tensorflow),
        cmocka_unit_test(conv_valid_strided_and_dilated_match_reference),
        cmocka_unit_test(depthwise_with_multiplier_and_folded_add_relu6),
        cmocka_unit_test(decomposed_batch_norm_and_clip_fold_into_convolution),
        cmocka_unit_test(shared_convolution_output_is_not_folded),
        cmocka_unit_test(mismatched_residual_shapes_are_a_load_error),
        cmocka_unit_test(spatial_pad_then_valid_conv_equals_explicit_padding),
        cmocka_unit_test(prelu_fused_and_standalone_match_reference),
        cmocka_unit_test(pooling_excludes_same_padding_like_tensorflow),
        cmocka_unit_test(mean_dense_softmax_and_sigmoid_head),
        cmocka_unit_test(resize_bilinear_modes_match_reference),
        cmocka_unit_test(float16_and_uint8_weights_are_decoded),
        cmocka_unit_test(run_refuses_wrong_input_size),
        cmocka_unit_test(hundred_inferences_do_not_grow_memory),
        cmocka_unit_test(model_loads_from_directory_with_two_shards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
