/* Helpers for the nn tests: a builder of small TensorFlow.js graph models in
 * memory, and naive reference kernels with TensorFlow's semantics. */
#ifndef NN_TEST_UTIL_H
#define NN_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn_model.h"
#include "nn_run.h"

typedef struct tb {
    char *nodes;   /* JSON text of the node array body */
    size_t nodes_len;
    char *weights; /* JSON text of the manifest weights array body */
    size_t weights_len;
    uint8_t *blob;
    size_t blob_len;
} tb;

void tb_init(tb *b, const char *input_name, size_t h, size_t w, size_t c);
void tb_free(tb *b);
/* Constants: stored float32, float16 (quantized) or int32. */
void tb_const(tb *b, const char *name, const size_t *dims, size_t rank, const float *data);
void tb_const_f16(tb *b, const char *name, const size_t *dims, size_t rank, const float *data);
void tb_const_u8(tb *b, const char *name, const size_t *dims, size_t rank, const uint8_t *q, float scale,
                 float min);
void tb_const_i32(tb *b, const char *name, const size_t *dims, size_t rank, const int32_t *data);
/* inputs: comma-separated names; attr: raw JSON object text or NULL. */
void tb_node(tb *b, const char *name, const char *op, const char *inputs, const char *attr);
/* Attribute JSON for convolutions/pools: padding "SAME"/"VALID"; fused may be NULL
 * or a comma list like "BiasAdd,Relu"; ksize 0 = none; dilation 0 = absent. */
char *tb_conv_attr(unsigned stride, const char *padding, const char *fused, unsigned ksize, unsigned dilation);
/* The model.json text; outputs comma-separated (signature order). Caller frees. */
char *tb_json(const tb *b, const char *outputs);
/* Parses and builds a runtime, asserting success. */
nn_model *tb_build(const tb *b, const char *outputs, unsigned threads);
/* Returns the load status and fills err. */
ks_status tb_try_build(const tb *b, const char *outputs, char *err, size_t cap);

/* Deterministic pseudo-random floats in [lo, hi). */
void fill_random(float *v, size_t n, uint32_t seed, float lo, float hi);

/* Reference kernels (NHWC, batch 1, TF conventions). */
void ref_conv(const float *in, size_t ih, size_t iw, size_t ic, const float *hwio, size_t kh, size_t kw,
              size_t oc, unsigned stride, unsigned dil, bool same, const float *bias, float *out, size_t *oh,
              size_t *ow);
void ref_depthwise(const float *in, size_t ih, size_t iw, size_t ic, const float *hwim, size_t kh, size_t kw,
                   size_t mult, unsigned stride, bool same, const float *bias, float *out, size_t *oh, size_t *ow);
void ref_pool(const float *in, size_t ih, size_t iw, size_t c, size_t k, unsigned stride, bool same, bool max,
              float *out, size_t *oh, size_t *ow);
void ref_resize(const float *in, size_t ih, size_t iw, size_t c, size_t oh, size_t ow, bool align_corners,
                bool half_pixel, float *out);

/* Largest |a-b| over n values. */
float max_abs_diff(const float *a, const float *b, size_t n);
double cosine(const float *a, const float *b, size_t n);

#endif
