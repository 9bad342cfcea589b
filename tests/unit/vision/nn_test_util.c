/* Builders and reference kernels shared by the nn tests (see nn_test_util.h). */
#include "nn_test_util.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void append(char **buf, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void append(char **buf, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    char *grown = realloc(*buf, *len + (size_t)n + 1);
    assert_non_null(grown);
    *buf = grown;
    va_start(ap, fmt);
    vsnprintf(*buf + *len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    *len += (size_t)n;
}

static void blob_add(tb *b, const void *data, size_t n)
{
    uint8_t *grown = realloc(b->blob, b->blob_len + n + 1);
    assert_non_null(grown);
    b->blob = grown;
    memcpy(b->blob + b->blob_len, data, n);
    b->blob_len += n;
}

static char *b64(const char *s)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    char *out = malloc(4 * (n / 3 + 1) + 1);
    assert_non_null(out);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)s[i] << 16;
        if (i + 1 < n) v |= (uint32_t)(unsigned char)s[i + 1] << 8;
        if (i + 2 < n) v |= (uint32_t)(unsigned char)s[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

static void dims_json(char **buf, size_t *len, const size_t *dims, size_t rank, bool quoted)
{
    append(buf, len, "[");
    for (size_t k = 0; k < rank; k++)
        append(buf, len, quoted ? "%s{\"size\":\"%zu\"}" : "%s%zu", k ? "," : "", dims[k]);
    append(buf, len, "]");
}

void tb_init(tb *b, const char *input_name, size_t h, size_t w, size_t c)
{
    memset(b, 0, sizeof *b);
    append(&b->nodes, &b->nodes_len,
           "{\"name\":\"%s\",\"op\":\"Placeholder\",\"attr\":{\"dtype\":{\"type\":\"DT_FLOAT\"},"
           "\"shape\":{\"shape\":{\"dim\":[{\"size\":\"-1\"},{\"size\":\"%zu\"},{\"size\":\"%zu\"},"
           "{\"size\":\"%zu\"}]}}}}",
           input_name, h, w, c);
    append(&b->weights, &b->weights_len, "%s", "");
}

void tb_free(tb *b)
{
    free(b->nodes);
    free(b->weights);
    free(b->blob);
    memset(b, 0, sizeof *b);
}

static size_t count_of(const size_t *dims, size_t rank)
{
    size_t n = 1;
    for (size_t k = 0; k < rank; k++)
        n *= dims[k];
    return n;
}

static void const_entry(tb *b, const char *name, const size_t *dims, size_t rank, const char *dtype,
                        const char *quant)
{
    append(&b->nodes, &b->nodes_len, ",{\"name\":\"%s\",\"op\":\"Const\",\"attr\":{\"value\":{\"tensor\":{}}}}",
           name);
    append(&b->weights, &b->weights_len, "%s{\"name\":\"%s\",\"shape\":", b->weights_len ? "," : "", name);
    dims_json(&b->weights, &b->weights_len, dims, rank, false);
    append(&b->weights, &b->weights_len, ",\"dtype\":\"%s\"%s%s}", dtype, quant ? ",\"quantization\":" : "",
           quant ? quant : "");
}

void tb_const(tb *b, const char *name, const size_t *dims, size_t rank, const float *data)
{
    const_entry(b, name, dims, rank, "float32", NULL);
    for (size_t k = 0; k < count_of(dims, rank); k++) {
        uint32_t u;
        memcpy(&u, &data[k], 4);
        uint8_t le[4] = {(uint8_t)u, (uint8_t)(u >> 8), (uint8_t)(u >> 16), (uint8_t)(u >> 24)};
        blob_add(b, le, 4);
    }
}

/* Round-to-nearest float → half for normal-range test values. */
static uint16_t to_half(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    float a = fabsf(f);
    if (a < 6.1035156e-05f) /* subnormal half */
        return (uint16_t)(sign | (uint16_t)lrintf(a * 16777216.0f));
    int e;
    float m = frexpf(a, &e); /* a = m * 2^e, m in [0.5,1) */
    long mant = lrintf((m * 2.0f - 1.0f) * 1024.0f);
    int exp = e - 1 + 15;
    if (mant == 1024) {
        mant = 0;
        exp++;
    }
    return (uint16_t)(sign | (uint16_t)(exp << 10) | (uint16_t)mant);
}

void tb_const_f16(tb *b, const char *name, const size_t *dims, size_t rank, const float *data)
{
    const_entry(b, name, dims, rank, "float32", "{\"dtype\":\"float16\",\"original_dtype\":\"float32\"}");
    for (size_t k = 0; k < count_of(dims, rank); k++) {
        uint16_t h = to_half(data[k]);
        uint8_t le[2] = {(uint8_t)h, (uint8_t)(h >> 8)};
        blob_add(b, le, 2);
    }
}

void tb_const_u8(tb *b, const char *name, const size_t *dims, size_t rank, const uint8_t *q, float scale,
                 float min)
{
    char quant[128];
    snprintf(quant, sizeof quant, "{\"dtype\":\"uint8\",\"scale\":%.9g,\"min\":%.9g}", (double)scale, (double)min);
    const_entry(b, name, dims, rank, "float32", quant);
    blob_add(b, q, count_of(dims, rank));
}

void tb_const_i32(tb *b, const char *name, const size_t *dims, size_t rank, const int32_t *data)
{
    const_entry(b, name, dims, rank, "int32", NULL);
    for (size_t k = 0; k < count_of(dims, rank); k++) {
        uint32_t u = (uint32_t)data[k];
        uint8_t le[4] = {(uint8_t)u, (uint8_t)(u >> 8), (uint8_t)(u >> 16), (uint8_t)(u >> 24)};
        blob_add(b, le, 4);
    }
}

void tb_node(tb *b, const char *name, const char *op, const char *inputs, const char *attr)
{
    append(&b->nodes, &b->nodes_len, ",{\"name\":\"%s\",\"op\":\"%s\",\"input\":[", name, op);
    char *copy = strdup(inputs ? inputs : "");
    assert_non_null(copy);
    bool first = true;
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
        append(&b->nodes, &b->nodes_len, "%s\"%s\"", first ? "" : ",", tok);
        first = false;
    }
    free(copy);
    append(&b->nodes, &b->nodes_len, "]%s%s}", attr ? ",\"attr\":" : "", attr ? attr : "");
}

char *tb_conv_attr(unsigned stride, const char *padding, const char *fused, unsigned ksize, unsigned dilation)
{
    char *out = NULL;
    size_t len = 0;
    char *pad = b64(padding), *fmt = b64("NHWC");
    append(&out, &len, "{\"strides\":{\"list\":{\"i\":[\"1\",\"%u\",\"%u\",\"1\"]}},\"padding\":{\"s\":\"%s\"},"
                       "\"data_format\":{\"s\":\"%s\"}", stride, stride, pad, fmt);
    if (ksize)
        append(&out, &len, ",\"ksize\":{\"list\":{\"i\":[\"1\",\"%u\",\"%u\",\"1\"]}}", ksize, ksize);
    if (dilation)
        append(&out, &len, ",\"dilations\":{\"list\":{\"i\":[\"1\",\"%u\",\"%u\",\"1\"]}}", dilation, dilation);
    if (fused) {
        append(&out, &len, ",\"fused_ops\":{\"list\":{\"s\":[");
        char *copy = strdup(fused);
        assert_non_null(copy);
        bool first = true;
        for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
            char *e = b64(tok);
            append(&out, &len, "%s\"%s\"", first ? "" : ",", e);
            free(e);
            first = false;
        }
        free(copy);
        append(&out, &len, "]}},\"num_args\":{\"i\":\"1\"}");
    }
    append(&out, &len, "}");
    free(pad);
    free(fmt);
    return out;
}

char *tb_json(const tb *b, const char *outputs)
{
    char *out = NULL;
    size_t len = 0;
    append(&out, &len, "{\"format\":\"graph-model\",\"modelTopology\":{\"node\":[%s]},", b->nodes);
    append(&out, &len, "\"signature\":{\"outputs\":{");
    char *copy = strdup(outputs);
    assert_non_null(copy);
    bool first = true;
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
        append(&out, &len, "%s\"%s\":{\"name\":\"%s:0\"}", first ? "" : ",", tok, tok);
        first = false;
    }
    free(copy);
    append(&out, &len, "}},\"weightsManifest\":[{\"paths\":[\"w.bin\"],\"weights\":[%s]}]}", b->weights);
    return out;
}

ks_status tb_try_build(const tb *b, const char *outputs, char *err, size_t cap)
{
    char *json = tb_json(b, outputs);
    nn_graph *g;
    ks_status st = nn_graph_parse(json, strlen(json), b->blob, b->blob_len, &g, err, cap);
    free(json);
    if (st != KS_OK)
        return st;
    nn_model *m;
    st = nn_model_from_graph(g, NULL, &m, err, cap);
    nn_model_free(m);
    return st;
}

nn_model *tb_build(const tb *b, const char *outputs, unsigned threads)
{
    char *json = tb_json(b, outputs);
    char err[512] = "";
    nn_graph *g;
    ks_status st = nn_graph_parse(json, strlen(json), b->blob, b->blob_len, &g, err, sizeof err);
    free(json);
    if (st != KS_OK)
        fail_msg("parse: %s", err);
    nn_model *m;
    nn_options opt = {threads};
    st = nn_model_from_graph(g, &opt, &m, err, sizeof err);
    if (st != KS_OK)
        fail_msg("build: %s", err);
    return m;
}

void fill_random(float *v, size_t n, uint32_t seed, float lo, float hi)
{
    uint32_t s = seed * 2654435761u + 1;
    for (size_t k = 0; k < n; k++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        v[k] = lo + (hi - lo) * (float)(s >> 8) / 16777216.0f;
    }
}

static void same_pads(size_t in, size_t k, unsigned stride, unsigned dil, bool same, size_t *out, long *before)
{
    size_t eff = (k - 1) * dil + 1;
    if (same) {
        *out = (in + stride - 1) / stride;
        long total = (long)((*out - 1) * stride + eff) - (long)in;
        if (total < 0)
            total = 0;
        *before = total / 2;
    } else {
        *out = (in - eff) / stride + 1;
        *before = 0;
    }
}

void ref_conv(const float *in, size_t ih, size_t iw, size_t ic, const float *hwio, size_t kh, size_t kw,
              size_t oc, unsigned stride, unsigned dil, bool same, const float *bias, float *out, size_t *oh,
              size_t *ow)
{
    long pt, pl;
    same_pads(ih, kh, stride, dil, same, oh, &pt);
    same_pads(iw, kw, stride, dil, same, ow, &pl);
    for (size_t y = 0; y < *oh; y++)
        for (size_t x = 0; x < *ow; x++)
            for (size_t o = 0; o < oc; o++) {
                double acc = bias ? bias[o] : 0.0;
                for (size_t a = 0; a < kh; a++)
                    for (size_t b = 0; b < kw; b++) {
                        long sy = (long)(y * stride + a * dil) - pt, sx = (long)(x * stride + b * dil) - pl;
                        if (sy < 0 || sx < 0 || sy >= (long)ih || sx >= (long)iw)
                            continue;
                        for (size_t i = 0; i < ic; i++)
                            acc += (double)in[((size_t)sy * iw + (size_t)sx) * ic + i] *
                                   hwio[((a * kw + b) * ic + i) * oc + o];
                    }
                out[(y * *ow + x) * oc + o] = (float)acc;
            }
}

void ref_depthwise(const float *in, size_t ih, size_t iw, size_t ic, const float *hwim, size_t kh, size_t kw,
                   size_t mult, unsigned stride, bool same, const float *bias, float *out, size_t *oh, size_t *ow)
{
    long pt, pl;
    same_pads(ih, kh, stride, 1, same, oh, &pt);
    same_pads(iw, kw, stride, 1, same, ow, &pl);
    size_t oc = ic * mult;
    for (size_t y = 0; y < *oh; y++)
        for (size_t x = 0; x < *ow; x++)
            for (size_t i = 0; i < ic; i++)
                for (size_t m = 0; m < mult; m++) {
                    size_t o = i * mult + m;
                    double acc = bias ? bias[o] : 0.0;
                    for (size_t a = 0; a < kh; a++)
                        for (size_t b = 0; b < kw; b++) {
                            long sy = (long)(y * stride + a) - pt, sx = (long)(x * stride + b) - pl;
                            if (sy < 0 || sx < 0 || sy >= (long)ih || sx >= (long)iw)
                                continue;
                            acc += (double)in[((size_t)sy * iw + (size_t)sx) * ic + i] *
                                   hwim[((a * kw + b) * ic + i) * mult + m];
                        }
                    out[(y * *ow + x) * oc + o] = (float)acc;
                }
}

void ref_pool(const float *in, size_t ih, size_t iw, size_t c, size_t k, unsigned stride, bool same, bool max,
              float *out, size_t *oh, size_t *ow)
{
    long pt, pl;
    same_pads(ih, k, stride, 1, same, oh, &pt);
    same_pads(iw, k, stride, 1, same, ow, &pl);
    for (size_t y = 0; y < *oh; y++)
        for (size_t x = 0; x < *ow; x++)
            for (size_t ch = 0; ch < c; ch++) {
                double acc = max ? -INFINITY : 0.0;
                size_t n = 0;
                for (size_t a = 0; a < k; a++)
                    for (size_t b = 0; b < k; b++) {
                        long sy = (long)(y * stride + a) - pt, sx = (long)(x * stride + b) - pl;
                        if (sy < 0 || sx < 0 || sy >= (long)ih || sx >= (long)iw)
                            continue; /* TF leaves padding out of both max and mean */
                        double v = in[((size_t)sy * iw + (size_t)sx) * c + ch];
                        acc = max ? fmax(acc, v) : acc + v;
                        n++;
                    }
                out[(y * *ow + x) * c + ch] = (float)(max ? acc : acc / (double)n);
            }
}

void ref_resize(const float *in, size_t ih, size_t iw, size_t c, size_t oh, size_t ow, bool align_corners,
                bool half_pixel, float *out)
{
    double sy = align_corners && oh > 1 ? (double)(ih - 1) / (double)(oh - 1) : (double)ih / (double)oh;
    double sx = align_corners && ow > 1 ? (double)(iw - 1) / (double)(ow - 1) : (double)iw / (double)ow;
    for (size_t y = 0; y < oh; y++)
        for (size_t x = 0; x < ow; x++) {
            double fy = half_pixel ? ((double)y + 0.5) * sy - 0.5 : (double)y * sy;
            double fx = half_pixel ? ((double)x + 0.5) * sx - 0.5 : (double)x * sx;
            if (fy < 0) fy = 0;
            if (fx < 0) fx = 0;
            size_t y0 = (size_t)fy, x0 = (size_t)fx;
            if (y0 > ih - 1) y0 = ih - 1;
            if (x0 > iw - 1) x0 = iw - 1;
            size_t y1 = y0 + 1 < ih ? y0 + 1 : ih - 1, x1 = x0 + 1 < iw ? x0 + 1 : iw - 1;
            double dy = fy - (double)y0, dx = fx - (double)x0;
            for (size_t ch = 0; ch < c; ch++) {
                double top = in[(y0 * iw + x0) * c + ch] * (1 - dx) + in[(y0 * iw + x1) * c + ch] * dx;
                double bot = in[(y1 * iw + x0) * c + ch] * (1 - dx) + in[(y1 * iw + x1) * c + ch] * dx;
                out[(y * ow + x) * c + ch] = (float)(top * (1 - dy) + bot * dy);
            }
        }
}

float max_abs_diff(const float *a, const float *b, size_t n)
{
    float m = 0;
    for (size_t k = 0; k < n; k++) {
        float d = fabsf(a[k] - b[k]);
        if (!(d <= m)) /* NaN counts as a failure */
            m = isnan(d) ? INFINITY : d;
    }
    return m;
}

double cosine(const float *a, const float *b, size_t n)
{
    double ab = 0, aa = 0, bb = 0;
    for (size_t k = 0; k < n; k++) {
        ab += (double)a[k] * b[k];
        aa += (double)a[k] * a[k];
        bb += (double)b[k] * b[k];
    }
    if (aa == 0 && bb == 0)
        return 1.0;
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0.0;
}
