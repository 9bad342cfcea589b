/* nn_graph → one XNNPACK subgraph, with constant folding done beforehand. */
#include "nn_run.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthreadpool.h>
#include <xnnpack.h>

enum kind {
    K_NONE,     /* consts, dead or aliased nodes: nothing to emit */
    K_INPUT,
    K_CONV,
    K_DW,
    K_FC,
    K_BINARY,
    K_CLAMP,
    K_PRELU,
    K_SIGMOID,
    K_SOFTMAX,
    K_MAXPOOL,
    K_AVGPOOL,
    K_MEAN,
    K_PAD,
    K_RESHAPE,
    K_RESIZE,
};

/* What pass 1 decided for one graph node. */
typedef struct plan {
    enum kind kind;
    size_t alias;          /* node whose value this node's value is (itself if emitted) */
    size_t uses;           /* consumers of this value, outputs included */
    bool is_output;
    size_t rank;
    size_t dims[NN_MAX_DIMS];
    size_t src[2];         /* data operands (after folding) */
    /* Convolution / fully connected. */
    float *filter, *bias, *slope; /* model-owned, padded for XNNPACK */
    size_t kh, kw, cin, cout;
    uint32_t pad[4];       /* top, right, bottom, left */
    uint32_t flags;
    float out_min, out_max;
    /* Pad / Reshape / Resize / Mean. */
    size_t pre[NN_MAX_DIMS], post[NN_MAX_DIMS];
    uint32_t value_id;
    uint32_t ext_id;       /* XNNPACK external id for the input and outputs, else 0 */
    bool live;             /* some output depends on it */
    bool defined;
} plan;

struct nn_model {
    nn_graph *g;
    plan *p;
    pthreadpool_t pool;
    xnn_runtime_t rt;
    float *input;
    size_t input_count;
    size_t n_out;
    uint32_t n_ext;        /* external ids: the input (0) and each distinct output value */
    nn_output *outs;
    float **out_bufs;
    void **owned;          /* static tensors handed to XNNPACK */
    size_t n_owned, cap_owned;
};

static void set_err(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t cap, const char *fmt, ...)
{
    if (!err || cap == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

static pthread_once_t xnn_once = PTHREAD_ONCE_INIT;
static enum xnn_status xnn_init_status = xnn_status_uninitialized;

static void init_xnnpack(void)
{
    xnn_init_status = xnn_initialize(NULL);
}

/* XNNPACK may read up to XNN_EXTRA_BYTES past any tensor it is given. */
static float *own_floats(nn_model *m, size_t count)
{
    if (m->n_owned == m->cap_owned) {
        size_t cap = m->cap_owned ? 2 * m->cap_owned : 64;
        void **grown = realloc(m->owned, cap * sizeof *grown);
        if (!grown)
            return NULL;
        m->owned = grown;
        m->cap_owned = cap;
    }
    float *f = calloc(1, count * sizeof(float) + XNN_EXTRA_BYTES);
    if (f)
        m->owned[m->n_owned++] = f;
    return f;
}

static size_t shape_count(const size_t *dims, size_t rank)
{
    size_t n = 1;
    for (size_t k = 0; k < rank; k++)
        n *= dims[k];
    return n;
}

/* ---- pass 1: shapes, folding ------------------------------------------ */

typedef struct ctx {
    nn_model *m;
    const nn_graph *g;
    plan *p;
    char *err;
    size_t cap;
} ctx;

#define FAIL(c, k, st, ...)                                                                          \
    do {                                                                                             \
        char why_[256];                                                                              \
        snprintf(why_, sizeof why_, __VA_ARGS__);                                                    \
        set_err((c)->err, (c)->cap, "node %s (%s): %s", (c)->g->nodes[k].name, (c)->g->nodes[k].op_name, \
                why_);                                                                               \
        return (st);                                                                                 \
    } while (0)

static const nn_tensor *const_of(const ctx *c, size_t node)
{
    return c->g->nodes[node].op == NN_OP_CONST ? &c->g->nodes[node].value : NULL;
}

static const nn_tensor *const_float(const ctx *c, size_t node)
{
    const nn_tensor *t = const_of(c, node);
    return t && t->dtype == NN_DT_FLOAT32 ? t : NULL;
}

static size_t operand(const ctx *c, size_t k, size_t j)
{
    return c->p[c->g->nodes[k].inputs[j]].alias;
}

/* Makes node k share the value of node to (an Identity, or a folded op). */
static void alias_to(ctx *c, size_t k, size_t to)
{
    c->p[k].alias = to;
    c->p[k].kind = K_NONE;
    c->p[to].uses = c->p[to].uses - 1 + c->p[k].uses;
    c->p[to].is_output |= c->p[k].is_output;
}

/* A per-channel constant over the last axis: every other dim is 1. */
static bool per_channel(const nn_tensor *t, size_t channels)
{
    if (t->count == 1)
        return true;
    if (t->count != channels || t->rank == 0 || t->dims[t->rank - 1] != channels)
        return false;
    return true;
}

static bool is_conv_like(enum kind k)
{
    return k == K_CONV || k == K_DW || k == K_FC;
}

static bool clampable(enum kind k)
{
    return is_conv_like(k) || k == K_BINARY || k == K_CLAMP || k == K_MAXPOOL || k == K_AVGPOOL;
}

/* The producer's value may be changed in place only if nobody else sees it. */
static bool private_value(const plan *q)
{
    return q->uses == 1 && !q->is_output;
}

static ks_status same_or_valid(ctx *c, size_t k, size_t in, size_t kern, uint32_t stride, uint32_t dil,
                               size_t *out, uint32_t *before, uint32_t *after)
{
    size_t eff = (kern - 1) * dil + 1;
    if (c->g->nodes[k].padding == NN_PAD_SAME) {
        *out = (in + stride - 1) / stride;
        size_t need = (*out - 1) * stride + eff;
        size_t total = need > in ? need - in : 0;
        *before = (uint32_t)(total / 2);
        *after = (uint32_t)(total - total / 2);
    } else {
        if (in < eff)
            FAIL(c, k, KS_ERR_MALFORMED, "window %zu larger than input %zu", eff, in);
        *out = (in - eff) / stride + 1;
        *before = *after = 0;
    }
    return KS_OK;
}

static ks_status plan_conv(ctx *c, size_t k)
{
    const nn_node *n = &c->g->nodes[k];
    plan *q = &c->p[k];
    size_t x = operand(c, k, 0);
    const nn_tensor *f = const_float(c, operand(c, k, 1));
    if (!f || f->rank != 4)
        FAIL(c, k, KS_ERR_UNSUPPORTED, "filter must be a float constant of rank 4");
    if (c->p[x].rank != 4)
        FAIL(c, k, KS_ERR_MALFORMED, "input must have rank 4");
    bool dw = n->op == NN_OP_DEPTHWISE;
    q->kind = dw ? K_DW : K_CONV;
    q->kh = f->dims[0];
    q->kw = f->dims[1];
    q->cin = f->dims[2];
    q->cout = dw ? f->dims[2] * f->dims[3] : f->dims[3];
    if (q->kh == 0 || q->kw == 0 || q->cout == 0 || c->p[x].dims[3] != q->cin)
        FAIL(c, k, KS_ERR_MALFORMED, "filter %zux%zux%zu does not fit %zu input channels", q->kh, q->kw, q->cin,
             c->p[x].dims[3]);
    size_t ih = c->p[x].dims[1], iw = c->p[x].dims[2];
    uint32_t extra[4] = {0, 0, 0, 0};
    /* A zero Pad of H and W feeding only this convolution becomes its padding. */
    const plan *px = &c->p[x];
    if (px->kind == K_PAD && private_value(px) && px->pre[0] == 0 && px->post[0] == 0 && px->pre[3] == 0 &&
        px->post[3] == 0) {
        extra[0] = (uint32_t)px->pre[1];
        extra[1] = (uint32_t)px->post[2];
        extra[2] = (uint32_t)px->post[1];
        extra[3] = (uint32_t)px->pre[2];
        c->p[x].kind = K_NONE; /* its work is absorbed */
        x = px->src[0];
    }
    q->src[0] = x;
    size_t oh, ow;
    uint32_t t, b, l, r;
    ks_status st = same_or_valid(c, k, ih, q->kh, n->strides[0], n->dilations[0], &oh, &t, &b);
    if (st == KS_OK)
        st = same_or_valid(c, k, iw, q->kw, n->strides[1], n->dilations[1], &ow, &l, &r);
    if (st != KS_OK)
        return st;
    q->pad[0] = t + extra[0];
    q->pad[1] = r + extra[1];
    q->pad[2] = b + extra[2];
    q->pad[3] = l + extra[3];
    q->rank = 4;
    q->dims[0] = c->p[x].dims[0];
    q->dims[1] = oh;
    q->dims[2] = ow;
    q->dims[3] = q->cout;

    size_t fcount = f->count;
    q->filter = own_floats(c->m, fcount);
    q->bias = own_floats(c->m, q->cout);
    if (!q->filter || !q->bias)
        return KS_ERR_NO_MEMORY;
    if (dw) {
        memcpy(q->filter, f->f, fcount * sizeof(float)); /* [kh,kw,cin,mult] is XNNPACK's [1,kh,kw,cin*mult] */
    } else {
        for (size_t y = 0; y < q->kh; y++)
            for (size_t xx = 0; xx < q->kw; xx++)
                for (size_t i = 0; i < q->cin; i++)
                    for (size_t o = 0; o < q->cout; o++)
                        q->filter[((o * q->kh + y) * q->kw + xx) * q->cin + i] =
                            f->f[((y * q->kw + xx) * q->cin + i) * q->cout + o];
    }
    size_t next = 2;
    if (n->has_bias) {
        const nn_tensor *bt = const_float(c, operand(c, k, next++));
        if (!bt || bt->count != q->cout)
            FAIL(c, k, KS_ERR_UNSUPPORTED, "bias must be a float constant of %zu values", q->cout);
        memcpy(q->bias, bt->f, q->cout * sizeof(float));
    }
    q->out_min = -INFINITY;
    q->out_max = INFINITY;
    if (n->act == NN_ACT_RELU)
        q->out_min = 0.0f;
    if (n->act == NN_ACT_RELU6) {
        q->out_min = 0.0f;
        q->out_max = 6.0f;
    }
    if (n->act == NN_ACT_PRELU) {
        const nn_tensor *s = const_float(c, operand(c, k, next));
        if (!s || !per_channel(s, q->cout))
            FAIL(c, k, KS_ERR_UNSUPPORTED, "PReLU slope must be a float constant per channel");
        q->slope = own_floats(c->m, q->cout);
        if (!q->slope)
            return KS_ERR_NO_MEMORY;
        for (size_t o = 0; o < q->cout; o++)
            q->slope[o] = s->f[s->count == 1 ? 0 : o];
    }
    return KS_OK;
}

static ks_status plan_matmul(ctx *c, size_t k)
{
    const nn_node *n = &c->g->nodes[k];
    plan *q = &c->p[k];
    size_t x = operand(c, k, 0);
    const nn_tensor *w = const_float(c, operand(c, k, 1));
    if (n->transpose_a || !w || w->rank != 2)
        FAIL(c, k, KS_ERR_UNSUPPORTED, "only input x constant matrix (no transpose_a) is supported");
    if (n->act == NN_ACT_PRELU)
        FAIL(c, k, KS_ERR_UNSUPPORTED, "PReLU after MatMul is not supported");
    size_t kin = n->transpose_b ? w->dims[1] : w->dims[0];
    size_t nout = n->transpose_b ? w->dims[0] : w->dims[1];
    if (c->p[x].rank != 2 || c->p[x].dims[1] != kin || nout == 0)
        FAIL(c, k, KS_ERR_MALFORMED, "input does not match the %zux%zu weights", w->dims[0], w->dims[1]);
    q->kind = K_FC;
    q->src[0] = x;
    q->cin = kin;
    q->cout = nout;
    q->rank = 2;
    q->dims[0] = c->p[x].dims[0];
    q->dims[1] = nout;
    q->filter = own_floats(c->m, kin * nout);
    q->bias = own_floats(c->m, nout);
    if (!q->filter || !q->bias)
        return KS_ERR_NO_MEMORY;
    /* Always [out, in] so that per-output scaling touches one row. */
    for (size_t o = 0; o < nout; o++)
        for (size_t i = 0; i < kin; i++)
            q->filter[o * kin + i] = n->transpose_b ? w->f[o * kin + i] : w->f[i * nout + o];
    if (n->has_bias) {
        const nn_tensor *bt = const_float(c, operand(c, k, 2));
        if (!bt || bt->count != nout)
            FAIL(c, k, KS_ERR_UNSUPPORTED, "bias must be a float constant of %zu values", nout);
        memcpy(q->bias, bt->f, nout * sizeof(float));
    }
    q->out_min = n->act == NN_ACT_NONE ? -INFINITY : 0.0f;
    q->out_max = n->act == NN_ACT_RELU6 ? 6.0f : INFINITY;
    return KS_OK;
}

/* Folds "producer op constant" into a convolution/FC's weights; true if done. */
static bool fold_into_conv(ctx *c, size_t k, size_t prod, const nn_tensor *t, nn_op op)
{
    plan *q = &c->p[prod];
    if (!is_conv_like(q->kind) || !private_value(q) || q->slope || q->out_min != -INFINITY ||
        q->out_max != INFINITY || !per_channel(t, q->cout))
        return false;
    size_t per_out = q->kind == K_DW ? 0 : (q->kind == K_FC ? q->cin : q->kh * q->kw * q->cin);
    for (size_t o = 0; o < q->cout; o++) {
        float v = t->f[t->count == 1 ? 0 : o];
        if (op == NN_OP_MUL) {
            q->bias[o] *= v;
            if (q->kind == K_DW)
                for (size_t s = 0; s < q->kh * q->kw; s++)
                    q->filter[s * q->cout + o] *= v;
            else
                for (size_t s = 0; s < per_out; s++)
                    q->filter[o * per_out + s] *= v;
        } else {
            q->bias[o] += op == NN_OP_SUB ? -v : v;
        }
    }
    alias_to(c, k, prod);
    return true;
}

/* Tightens the producer's output clamp instead of adding a node; true if done. */
static bool fold_clamp(ctx *c, size_t k, size_t prod, float lo, float hi)
{
    plan *q = &c->p[prod];
    if (!clampable(q->kind) || !private_value(q) || q->slope)
        return false;
    q->out_min = fminf(fmaxf(q->out_min, lo), hi);
    q->out_max = fmaxf(fminf(q->out_max, hi), lo);
    alias_to(c, k, prod);
    return true;
}

static ks_status plan_clamp(ctx *c, size_t k, size_t x, float lo, float hi)
{
    if (fold_clamp(c, k, x, lo, hi))
        return KS_OK;
    plan *q = &c->p[k];
    q->kind = K_CLAMP;
    q->src[0] = x;
    q->out_min = lo;
    q->out_max = hi;
    q->rank = c->p[x].rank;
    memcpy(q->dims, c->p[x].dims, sizeof q->dims);
    return KS_OK;
}

static ks_status broadcast(ctx *c, size_t k, const plan *a, const plan *b, plan *out)
{
    out->rank = a->rank > b->rank ? a->rank : b->rank;
    for (size_t d = 0; d < out->rank; d++) {
        size_t da = d + a->rank >= out->rank ? a->dims[d + a->rank - out->rank] : 1;
        size_t db = d + b->rank >= out->rank ? b->dims[d + b->rank - out->rank] : 1;
        if (da != db && da != 1 && db != 1)
            FAIL(c, k, KS_ERR_MALFORMED, "shapes do not broadcast at axis %zu (%zu vs %zu)", d, da, db);
        out->dims[d] = da == 1 ? db : da;
    }
    return KS_OK;
}

static ks_status plan_binary(ctx *c, size_t k)
{
    const nn_node *n = &c->g->nodes[k];
    size_t a = operand(c, k, 0), b = operand(c, k, 1);
    const nn_tensor *ca = const_float(c, a), *cb = const_float(c, b);
    if (const_of(c, a) && !ca)
        FAIL(c, k, KS_ERR_UNSUPPORTED, "integer operand");
    if (const_of(c, b) && !cb)
        FAIL(c, k, KS_ERR_UNSUPPORTED, "integer operand");
    if (ca && cb)
        FAIL(c, k, KS_ERR_UNSUPPORTED, "both operands constant");
    nn_op op = n->op == NN_OP_BIAS_ADD ? NN_OP_ADD : n->op;
    /* Commutative ops: keep the constant second. */
    if (ca && op != NN_OP_SUB) {
        size_t s = a;
        a = b;
        b = s;
        cb = ca;
        ca = NULL;
    }
    if (cb && (op == NN_OP_ADD || op == NN_OP_SUB || op == NN_OP_MUL) && fold_into_conv(c, k, a, cb, op))
        return KS_OK;
    if (cb && cb->count == 1 && (op == NN_OP_MAXIMUM || op == NN_OP_MINIMUM))
        return op == NN_OP_MAXIMUM ? plan_clamp(c, k, a, cb->f[0], INFINITY)
                                   : plan_clamp(c, k, a, -INFINITY, cb->f[0]);
    plan *q = &c->p[k];
    q->kind = K_BINARY;
    q->src[0] = a;
    q->src[1] = b;
    q->out_min = -INFINITY;
    q->out_max = INFINITY;
    return broadcast(c, k, &c->p[a], &c->p[b], q);
}

static ks_status plan_prelu(ctx *c, size_t k)
{
    size_t x = operand(c, k, 0);
    const nn_tensor *s = const_float(c, operand(c, k, 1));
    plan *px = &c->p[x];
    size_t ch = px->rank ? px->dims[px->rank - 1] : 0;
    if (!s || !per_channel(s, ch) || px->rank != 4)
        FAIL(c, k, KS_ERR_UNSUPPORTED, "needs a rank-4 input and a per-channel constant slope");
    float *slope = own_floats(c->m, ch);
    if (!slope)
        return KS_ERR_NO_MEMORY;
    for (size_t o = 0; o < ch; o++)
        slope[o] = s->f[s->count == 1 ? 0 : o];
    if (is_conv_like(px->kind) && px->kind != K_FC && private_value(px) && !px->slope) {
        px->slope = slope;
        alias_to(c, k, x);
        return KS_OK;
    }
    plan *q = &c->p[k];
    q->kind = K_PRELU;
    q->src[0] = x;
    q->slope = slope;
    q->rank = 4;
    memcpy(q->dims, px->dims, sizeof q->dims);
    return KS_OK;
}

static ks_status plan_pool(ctx *c, size_t k)
{
    const nn_node *n = &c->g->nodes[k];
    plan *q = &c->p[k];
    size_t x = operand(c, k, 0);
    if (c->p[x].rank != 4)
        FAIL(c, k, KS_ERR_MALFORMED, "input must have rank 4");
    q->kind = n->op == NN_OP_MAXPOOL ? K_MAXPOOL : K_AVGPOOL;
    q->src[0] = x;
    q->kh = n->ksize[0];
    q->kw = n->ksize[1];
    uint32_t t, b, l, r;
    size_t oh, ow;
    ks_status st = same_or_valid(c, k, c->p[x].dims[1], q->kh, n->strides[0], 1, &oh, &t, &b);
    if (st == KS_OK)
        st = same_or_valid(c, k, c->p[x].dims[2], q->kw, n->strides[1], 1, &ow, &l, &r);
    if (st != KS_OK)
        return st;
    /* TF excludes SAME padding from both max and average; XNNPACK does so with this flag. */
    q->flags = n->padding == NN_PAD_SAME ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0;
    q->rank = 4;
    q->dims[0] = c->p[x].dims[0];
    q->dims[1] = oh;
    q->dims[2] = ow;
    q->dims[3] = c->p[x].dims[3];
    q->out_min = -INFINITY;
    q->out_max = INFINITY;
    return KS_OK;
}

static const nn_tensor *const_int(const ctx *c, size_t node)
{
    const nn_tensor *t = const_of(c, node);
    return t && t->dtype == NN_DT_INT32 ? t : NULL;
}

static ks_status plan_mean(ctx *c, size_t k)
{
    plan *q = &c->p[k];
    size_t x = operand(c, k, 0);
    const nn_tensor *axes = const_int(c, operand(c, k, 1));
    bool h = false, w = false, other = false;
    if (axes)
        for (size_t i = 0; i < axes->count; i++) {
            int32_t a = axes->i[i] < 0 ? axes->i[i] + 4 : axes->i[i];
            h |= a == 1;
            w |= a == 2;
            other |= a != 1 && a != 2;
        }
    if (!axes || c->p[x].rank != 4 || !h || !w || other)
        FAIL(c, k, KS_ERR_UNSUPPORTED, "only a mean over H and W of an NHWC tensor is supported");
    q->kind = K_MEAN;
    q->src[0] = x;
    q->rank = c->g->nodes[k].keep_dims ? 4 : 2;
    q->dims[0] = c->p[x].dims[0];
    q->dims[1] = q->rank == 4 ? 1 : c->p[x].dims[3];
    q->dims[2] = 1;
    q->dims[3] = c->p[x].dims[3];
    return KS_OK;
}

static ks_status plan_pad(ctx *c, size_t k)
{
    plan *q = &c->p[k];
    size_t x = operand(c, k, 0);
    const nn_tensor *pads = const_int(c, operand(c, k, 1));
    size_t rank = c->p[x].rank;
    if (!pads || pads->count != 2 * rank || rank == 0)
        FAIL(c, k, KS_ERR_MALFORMED, "paddings must be an int32 [%zu, 2] constant", rank);
    q->kind = K_PAD;
    q->src[0] = x;
    q->rank = rank;
    for (size_t d = 0; d < rank; d++) {
        int32_t pre = pads->i[2 * d], post = pads->i[2 * d + 1];
        if (pre < 0 || post < 0 || pre > 4096 || post > 4096)
            FAIL(c, k, KS_ERR_UNSUPPORTED, "padding %d,%d out of range", pre, post);
        q->pre[d] = (size_t)pre;
        q->post[d] = (size_t)post;
        q->dims[d] = c->p[x].dims[d] + q->pre[d] + q->post[d];
    }
    return KS_OK;
}

static ks_status plan_reshape(ctx *c, size_t k)
{
    plan *q = &c->p[k];
    size_t x = operand(c, k, 0);
    const nn_tensor *shape = const_int(c, operand(c, k, 1));
    if (!shape || shape->rank > 1 || shape->count == 0 || shape->count > NN_MAX_DIMS)
        FAIL(c, k, KS_ERR_UNSUPPORTED, "shape must be an int32 vector constant of 1..%d values", NN_MAX_DIMS);
    size_t total = shape_count(c->p[x].dims, c->p[x].rank), known = 1, infer = SIZE_MAX;
    for (size_t d = 0; d < shape->count; d++) {
        int32_t v = shape->i[d];
        if (v == -1 && infer == SIZE_MAX) {
            infer = d;
            continue;
        }
        if (v <= 0 || (size_t)v > total)
            FAIL(c, k, KS_ERR_MALFORMED, "bad target dimension %d", v);
        q->dims[d] = (size_t)v;
        known *= (size_t)v;
        if (known > total)
            break;
    }
    if (infer != SIZE_MAX && known && total % known == 0)
        q->dims[infer] = total / known;
    q->rank = shape->count;
    if (shape_count(q->dims, q->rank) != total)
        FAIL(c, k, KS_ERR_MALFORMED, "new shape does not hold %zu elements", total);
    q->kind = K_RESHAPE;
    q->src[0] = x;
    return KS_OK;
}

static ks_status plan_resize(ctx *c, size_t k)
{
    const nn_node *n = &c->g->nodes[k];
    plan *q = &c->p[k];
    size_t x = operand(c, k, 0);
    const nn_tensor *size = const_int(c, operand(c, k, 1));
    if (!size || size->count != 2 || c->p[x].rank != 4 || size->i[0] < 1 || size->i[1] < 1 ||
        size->i[0] > 16384 || size->i[1] > 16384)
        FAIL(c, k, KS_ERR_UNSUPPORTED, "needs a rank-4 input and an int32 [2] size constant");
    if (n->align_corners && n->half_pixel_centers)
        FAIL(c, k, KS_ERR_UNSUPPORTED, "align_corners with half_pixel_centers");
    q->kind = K_RESIZE;
    q->src[0] = x;
    q->rank = 4;
    q->dims[0] = c->p[x].dims[0];
    q->dims[1] = (size_t)size->i[0];
    q->dims[2] = (size_t)size->i[1];
    q->dims[3] = c->p[x].dims[3];
    q->flags = n->align_corners ? XNN_FLAG_ALIGN_CORNERS : n->half_pixel_centers ? 0 : XNN_FLAG_TENSORFLOW_LEGACY_MODE;
    return KS_OK;
}

static ks_status plan_unary(ctx *c, size_t k, enum kind kind)
{
    plan *q = &c->p[k];
    size_t x = operand(c, k, 0);
    if (kind == K_SOFTMAX && c->p[x].rank == 0)
        FAIL(c, k, KS_ERR_MALFORMED, "softmax of a scalar");
    q->kind = kind;
    q->src[0] = x;
    q->rank = c->p[x].rank;
    memcpy(q->dims, c->p[x].dims, sizeof q->dims);
    return KS_OK;
}

static ks_status plan_node(ctx *c, size_t k)
{
    const nn_node *n = &c->g->nodes[k];
    plan *q = &c->p[k];
    switch (n->op) {
    case NN_OP_CONST: {
        q->kind = K_NONE;
        q->rank = n->value.rank;
        memcpy(q->dims, n->value.dims, sizeof q->dims);
        return KS_OK;
    }
    case NN_OP_PLACEHOLDER:
        q->kind = K_INPUT;
        q->rank = n->placeholder_rank;
        memcpy(q->dims, n->placeholder_dims, sizeof q->dims);
        return KS_OK;
    case NN_OP_IDENTITY:
        alias_to(c, k, operand(c, k, 0));
        return KS_OK;
    case NN_OP_CONV2D:
    case NN_OP_DEPTHWISE: return plan_conv(c, k);
    case NN_OP_MATMUL: return plan_matmul(c, k);
    case NN_OP_BIAS_ADD:
    case NN_OP_ADD:
    case NN_OP_SUB:
    case NN_OP_MUL:
    case NN_OP_MAXIMUM:
    case NN_OP_MINIMUM: return plan_binary(c, k);
    case NN_OP_RELU: return plan_clamp(c, k, operand(c, k, 0), 0.0f, INFINITY);
    case NN_OP_RELU6: return plan_clamp(c, k, operand(c, k, 0), 0.0f, 6.0f);
    case NN_OP_PRELU: return plan_prelu(c, k);
    case NN_OP_SIGMOID: return plan_unary(c, k, K_SIGMOID);
    case NN_OP_SOFTMAX: return plan_unary(c, k, K_SOFTMAX);
    case NN_OP_MAXPOOL:
    case NN_OP_AVGPOOL: return plan_pool(c, k);
    case NN_OP_MEAN: return plan_mean(c, k);
    case NN_OP_PAD: return plan_pad(c, k);
    case NN_OP_RESHAPE: return plan_reshape(c, k);
    case NN_OP_RESIZE_BILINEAR: return plan_resize(c, k);
    }
    FAIL(c, k, KS_ERR_UNSUPPORTED, "unsupported op");
}

/* ---- pass 2: XNNPACK subgraph ------------------------------------------ */

static ks_status xnn_fail(ctx *c, size_t k, enum xnn_status s)
{
    FAIL(c, k, KS_ERR_UNSUPPORTED, "XNNPACK refused the node (status %d)", (int)s);
}

/* Value id of node `node`'s value, defining it (or its constant data) on first use. */
static ks_status value_of(ctx *c, xnn_subgraph_t sg, size_t node, uint32_t *id)
{
    plan *q = &c->p[node];
    if (q->defined) {
        *id = q->value_id;
        return KS_OK;
    }
    const void *data = NULL;
    size_t rank = q->rank, dims[NN_MAX_DIMS];
    memcpy(dims, q->dims, sizeof dims);
    if (c->g->nodes[node].op == NN_OP_CONST) {
        const nn_tensor *t = const_float(c, node);
        if (!t)
            FAIL(c, node, KS_ERR_UNSUPPORTED, "an integer constant used as data");
        float *copy = own_floats(c->m, t->count ? t->count : 1);
        if (!copy)
            return KS_ERR_NO_MEMORY;
        memcpy(copy, t->f, t->count * sizeof(float));
        data = copy;
        if (rank == 0) { /* a scalar broadcasts like a [1] vector */
            rank = 1;
            dims[0] = 1;
        }
    }
    uint32_t ext = XNN_INVALID_VALUE_ID, flags = 0;
    if (q->kind == K_INPUT) {
        ext = 0;
        flags = XNN_VALUE_FLAG_EXTERNAL_INPUT;
    } else if (q->is_output) {
        ext = q->ext_id;
        flags = XNN_VALUE_FLAG_EXTERNAL_OUTPUT;
    }
    enum xnn_status s = xnn_define_tensor_value(sg, xnn_datatype_fp32, rank, dims, data, ext, flags, id);
    if (s != xnn_status_success)
        return xnn_fail(c, node, s);
    q->value_id = *id;
    q->defined = true;
    return KS_OK;
}

static ks_status static_tensor(ctx *c, xnn_subgraph_t sg, size_t k, const float *data, size_t rank,
                               const size_t *dims, uint32_t *id)
{
    enum xnn_status s =
        xnn_define_tensor_value(sg, xnn_datatype_fp32, rank, dims, data, XNN_INVALID_VALUE_ID, 0, id);
    return s == xnn_status_success ? KS_OK : xnn_fail(c, k, s);
}

static ks_status temp_value(ctx *c, xnn_subgraph_t sg, size_t k, size_t rank, const size_t *dims, uint32_t *id)
{
    return static_tensor(c, sg, k, NULL, rank, dims, id);
}

static ks_status emit_conv(ctx *c, xnn_subgraph_t sg, size_t k, uint32_t in, uint32_t out)
{
    const nn_node *n = &c->g->nodes[k];
    plan *q = &c->p[k];
    uint32_t fid, bid, dst = out;
    size_t fdims[4], bdims[1] = {q->cout};
    if (q->kind == K_DW) {
        fdims[0] = 1, fdims[1] = q->kh, fdims[2] = q->kw, fdims[3] = q->cout;
    } else {
        fdims[0] = q->cout, fdims[1] = q->kh, fdims[2] = q->kw, fdims[3] = q->cin;
    }
    ks_status st = static_tensor(c, sg, k, q->filter, 4, fdims, &fid);
    if (st == KS_OK)
        st = static_tensor(c, sg, k, q->bias, 1, bdims, &bid);
    if (st == KS_OK && q->slope)
        st = temp_value(c, sg, k, q->rank, q->dims, &dst);
    if (st != KS_OK)
        return st;
    enum xnn_status s;
    if (q->kind == K_DW)
        s = xnn_define_depthwise_convolution_2d(sg, q->pad[0], q->pad[1], q->pad[2], q->pad[3], (uint32_t)q->kh,
                                                (uint32_t)q->kw, n->strides[0], n->strides[1], n->dilations[0],
                                                n->dilations[1], (uint32_t)(q->cout / q->cin), q->cin, q->out_min,
                                                q->out_max, in, fid, bid, dst, 0);
    else
        s = xnn_define_convolution_2d(sg, q->pad[0], q->pad[1], q->pad[2], q->pad[3], (uint32_t)q->kh,
                                      (uint32_t)q->kw, n->strides[0], n->strides[1], n->dilations[0],
                                      n->dilations[1], 1, q->cin, q->cout, q->out_min, q->out_max, in, fid, bid,
                                      dst, 0);
    if (s != xnn_status_success)
        return xnn_fail(c, k, s);
    if (q->slope) {
        uint32_t sid;
        st = static_tensor(c, sg, k, q->slope, 1, bdims, &sid);
        if (st != KS_OK)
            return st;
        s = xnn_define_prelu(sg, dst, sid, out, 0);
        if (s != xnn_status_success)
            return xnn_fail(c, k, s);
    }
    return KS_OK;
}

static ks_status emit_node(ctx *c, xnn_subgraph_t sg, size_t k)
{
    const nn_node *n = &c->g->nodes[k];
    plan *q = &c->p[k];
    uint32_t in = XNN_INVALID_VALUE_ID, in2 = XNN_INVALID_VALUE_ID, out;
    ks_status st = value_of(c, sg, q->src[0], &in);
    if (st == KS_OK && q->kind == K_BINARY)
        st = value_of(c, sg, q->src[1], &in2);
    if (st == KS_OK)
        st = value_of(c, sg, k, &out);
    if (st != KS_OK)
        return st;
    enum xnn_status s = xnn_status_success;
    switch (q->kind) {
    case K_CONV:
    case K_DW: return emit_conv(c, sg, k, in, out);
    case K_FC: {
        uint32_t fid, bid;
        size_t fdims[2] = {q->cout, q->cin}, bdims[1] = {q->cout};
        st = static_tensor(c, sg, k, q->filter, 2, fdims, &fid);
        if (st == KS_OK)
            st = static_tensor(c, sg, k, q->bias, 1, bdims, &bid);
        if (st != KS_OK)
            return st;
        s = xnn_define_fully_connected(sg, q->out_min, q->out_max, in, fid, bid, out, 0);
        break;
    }
    case K_BINARY: {
        nn_op op = n->op;
        if (op == NN_OP_ADD || op == NN_OP_BIAS_ADD)
            s = xnn_define_add2(sg, q->out_min, q->out_max, in, in2, out, 0);
        else if (op == NN_OP_SUB)
            s = xnn_define_subtract(sg, q->out_min, q->out_max, in, in2, out, 0);
        else if (op == NN_OP_MUL)
            s = xnn_define_multiply2(sg, q->out_min, q->out_max, in, in2, out, 0);
        else if (op == NN_OP_MAXIMUM)
            s = xnn_define_maximum2(sg, in, in2, out, 0);
        else
            s = xnn_define_minimum2(sg, in, in2, out, 0);
        if (s == xnn_status_success && (op == NN_OP_MAXIMUM || op == NN_OP_MINIMUM) &&
            (q->out_min != -INFINITY || q->out_max != INFINITY))
            FAIL(c, k, KS_ERR_UNSUPPORTED, "clamp after a two-tensor maximum/minimum");
        break;
    }
    case K_CLAMP: s = xnn_define_clamp(sg, q->out_min, q->out_max, in, out, 0); break;
    case K_PRELU: {
        uint32_t sid;
        size_t sdims[1] = {q->dims[3]};
        st = static_tensor(c, sg, k, q->slope, 1, sdims, &sid);
        if (st != KS_OK)
            return st;
        s = xnn_define_prelu(sg, in, sid, out, 0);
        break;
    }
    case K_SIGMOID: s = xnn_define_sigmoid(sg, in, out, 0); break;
    case K_SOFTMAX: s = xnn_define_softmax(sg, in, out, 0); break;
    case K_MAXPOOL:
    case K_AVGPOOL: {
        uint32_t t = 0, r = 0, b = 0, l = 0;
        if (!q->flags) /* VALID */
            t = r = b = l = 0;
        if (q->kind == K_MAXPOOL)
            s = xnn_define_max_pooling_2d(sg, t, r, b, l, (uint32_t)q->kh, (uint32_t)q->kw, n->strides[0],
                                          n->strides[1], 1, 1, q->out_min, q->out_max, in, out, q->flags);
        else
            s = xnn_define_average_pooling_2d(sg, t, r, b, l, (uint32_t)q->kh, (uint32_t)q->kw, n->strides[0],
                                              n->strides[1], q->out_min, q->out_max, in, out, q->flags);
        break;
    }
    case K_MEAN: {
        if (q->rank == 4) {
            s = xnn_define_global_average_pooling_2d(sg, -INFINITY, INFINITY, in, out, 0);
            break;
        }
        uint32_t tmp;
        size_t tdims[4] = {q->dims[0], 1, 1, q->dims[1]};
        st = temp_value(c, sg, k, 4, tdims, &tmp);
        if (st != KS_OK)
            return st;
        s = xnn_define_global_average_pooling_2d(sg, -INFINITY, INFINITY, in, tmp, 0);
        if (s == xnn_status_success)
            s = xnn_define_static_reshape(sg, q->rank, q->dims, tmp, out, 0);
        break;
    }
    case K_PAD: s = xnn_define_static_constant_pad(sg, q->pre, q->post, 0.0f, in, out, 0); break;
    case K_RESHAPE: s = xnn_define_static_reshape(sg, q->rank, q->dims, in, out, 0); break;
    case K_RESIZE: s = xnn_define_static_resize_bilinear_2d(sg, q->dims[1], q->dims[2], in, out, q->flags); break;
    default: break;
    }
    return s == xnn_status_success ? KS_OK : xnn_fail(c, k, s);
}

/* ---- model lifecycle ----------------------------------------------------- */

void nn_model_free(nn_model *m)
{
    if (!m)
        return;
    if (m->rt)
        xnn_delete_runtime(m->rt);
    if (m->pool)
        pthreadpool_destroy(m->pool);
    for (size_t k = 0; k < m->n_owned; k++)
        free(m->owned[k]);
    free(m->owned);
    if (m->out_bufs)
        for (size_t k = 0; k < m->n_out; k++)
            free(m->out_bufs[k]);
    free(m->out_bufs);
    free(m->outs);
    free(m->input);
    free(m->p);
    nn_graph_free(m->g);
    free(m);
}

static ks_status plan_graph(ctx *c)
{
    const nn_graph *g = c->g;
    for (size_t k = 0; k < g->n_nodes; k++) {
        c->p[k].alias = k;
        for (size_t j = 0; j < g->nodes[k].n_inputs; j++)
            c->p[g->nodes[k].inputs[j]].uses++;
    }
    for (size_t o = 0; o < g->n_outputs; o++) {
        c->p[g->outputs[o]].uses++;
        c->p[g->outputs[o]].is_output = true;
    }
    for (size_t k = 0; k < g->n_nodes; k++) {
        ks_status st = plan_node(c, k);
        if (st != KS_OK)
            return st;
        size_t count = 1;
        for (size_t d = 0; d < c->p[k].rank; d++) {
            if (c->p[k].dims[d] == 0 || c->p[k].dims[d] > (1u << 24) / count)
                FAIL(c, k, KS_ERR_TOO_LARGE, "tensor too large or empty");
            count *= c->p[k].dims[d];
        }
    }
    /* Outputs naming the same value share one external id (and buffer). */
    c->m->n_ext = 1;
    for (size_t o = 0; o < g->n_outputs; o++) {
        size_t v = c->p[g->outputs[o]].alias;
        if (c->p[v].kind == K_NONE || c->p[v].kind == K_INPUT)
            FAIL(c, g->outputs[o], KS_ERR_UNSUPPORTED, "an output must be computed from the input");
        if (c->p[v].ext_id == 0)
            c->p[v].ext_id = c->m->n_ext++;
        c->p[v].live = true;
    }
    /* XNNPACK gives no memory to values nobody reads, so unused branches
     * (and their nodes) must not be emitted at all. */
    for (size_t k = g->n_nodes; k-- > 0;) {
        plan *q = &c->p[k];
        if (!q->live || q->kind == K_NONE || q->kind == K_INPUT)
            continue;
        c->p[q->src[0]].live = true;
        if (q->kind == K_BINARY)
            c->p[q->src[1]].live = true;
    }
    return KS_OK;
}

static ks_status build_runtime(ctx *c)
{
    nn_model *m = c->m;
    const nn_graph *g = c->g;
    xnn_subgraph_t sg = NULL;
    if (xnn_create_subgraph(m->n_ext, 0, &sg) != xnn_status_success)
        return KS_ERR_NO_MEMORY;
    ks_status st = KS_OK;
    for (size_t k = 0; st == KS_OK && k < g->n_nodes; k++)
        if (c->p[k].alias == k && c->p[k].live && c->p[k].kind != K_NONE && c->p[k].kind != K_INPUT)
            st = emit_node(c, sg, k);
    uint32_t in_id;
    if (st == KS_OK)
        st = value_of(c, sg, g->input, &in_id); /* an input nothing reads still gets its id */
    if (st == KS_OK) {
        pthreadpool_t pool = m->pool;
        enum xnn_status s = xnn_create_runtime_v2(sg, pool, 0, &m->rt);
        if (s != xnn_status_success) {
            set_err(c->err, c->cap, "XNNPACK could not create the runtime (status %d)", (int)s);
            st = KS_ERR_UNSUPPORTED;
        }
    }
    xnn_delete_subgraph(sg);
    return st;
}

static ks_status alloc_io(ctx *c)
{
    nn_model *m = c->m;
    const nn_graph *g = c->g;
    const plan *pin = &c->p[g->input];
    m->input_count = shape_count(pin->dims, pin->rank);
    m->input = calloc(1, m->input_count * sizeof(float) + XNN_EXTRA_BYTES);
    m->outs = calloc(m->n_out, sizeof *m->outs);
    m->out_bufs = calloc(m->n_out, sizeof *m->out_bufs);
    struct xnn_external_value *ext = calloc(1 + m->n_out, sizeof *ext);
    if (!m->input || !m->outs || !m->out_bufs || !ext) {
        free(ext);
        return KS_ERR_NO_MEMORY;
    }
    ext[0] = (struct xnn_external_value){0, m->input};
    size_t n_ext = 1;
    for (size_t o = 0; o < m->n_out; o++) {
        const plan *q = &c->p[c->p[g->outputs[o]].alias];
        nn_output *out = &m->outs[o];
        out->name = g->output_names[o];
        out->rank = q->rank;
        memcpy(out->dims, q->dims, sizeof out->dims);
        out->count = shape_count(q->dims, q->rank);
        /* Two outputs naming one value share the buffer of the first. */
        size_t first = o;
        for (size_t e = 0; e < o; e++)
            if (c->p[g->outputs[e]].alias == c->p[g->outputs[o]].alias) {
                first = e;
                break;
            }
        if (first != o) {
            out->data = m->outs[first].data;
            continue;
        }
        m->out_bufs[o] = calloc(1, out->count * sizeof(float) + XNN_EXTRA_BYTES);
        if (!m->out_bufs[o]) {
            free(ext);
            return KS_ERR_NO_MEMORY;
        }
        out->data = m->out_bufs[o];
        ext[n_ext++] = (struct xnn_external_value){q->ext_id, m->out_bufs[o]};
    }
    enum xnn_status s = xnn_setup_runtime(m->rt, n_ext, ext);
    free(ext);
    if (s != xnn_status_success) {
        set_err(c->err, c->cap, "XNNPACK runtime setup failed (status %d)", (int)s);
        return KS_ERR_UNSUPPORTED;
    }
    return KS_OK;
}

ks_status nn_model_from_graph(nn_graph *g, const nn_options *opt, nn_model **out, char *err, size_t cap)
{
    if (!out || !g) {
        nn_graph_free(g);
        return KS_ERR_ARG;
    }
    *out = NULL;
    pthread_once(&xnn_once, init_xnnpack);
    if (xnn_init_status != xnn_status_success) {
        nn_graph_free(g);
        set_err(err, cap, "XNNPACK cannot run on this processor (status %d)", (int)xnn_init_status);
        return KS_ERR_UNSUPPORTED;
    }
    nn_model *m = calloc(1, sizeof *m);
    if (!m) {
        nn_graph_free(g);
        return KS_ERR_NO_MEMORY;
    }
    m->g = g;
    m->n_out = g->n_outputs;
    m->p = calloc(g->n_nodes, sizeof *m->p);
    if (!m->p) {
        nn_model_free(m);
        return KS_ERR_NO_MEMORY;
    }
    unsigned threads = opt && opt->threads ? opt->threads : 2;
    if (threads > 64)
        threads = 64;
    if (threads > 1) {
        m->pool = pthreadpool_create(threads);
        if (!m->pool) {
            nn_model_free(m);
            return KS_ERR_NO_MEMORY;
        }
    }
    ctx c = {m, g, m->p, err, cap};
    ks_status st = plan_graph(&c);
    if (st == KS_OK)
        st = build_runtime(&c);
    if (st == KS_OK)
        st = alloc_io(&c);
    if (st != KS_OK) {
        nn_model_free(m);
        return st;
    }
    *out = m;
    return KS_OK;
}

ks_status nn_model_load(const char *path, const nn_options *opt, nn_model **out, char *err, size_t cap)
{
    if (!out)
        return KS_ERR_ARG;
    *out = NULL;
    nn_graph *g;
    ks_status st = nn_graph_load_file(path, &g, err, cap);
    if (st != KS_OK)
        return st;
    return nn_model_from_graph(g, opt, out, err, cap);
}

size_t nn_input_shape(const nn_model *m, size_t dims[NN_MAX_DIMS])
{
    const nn_node *in = &m->g->nodes[m->g->input];
    memcpy(dims, in->placeholder_dims, NN_MAX_DIMS * sizeof *dims);
    return in->placeholder_rank;
}

size_t nn_output_count(const nn_model *m)
{
    return m->n_out;
}

ks_status nn_run(nn_model *m, const float *input_nhwc, size_t n, nn_output *outs, size_t max_outs)
{
    if (!m || !input_nhwc || (!outs && max_outs))
        return KS_ERR_ARG;
    if (n != m->input_count)
        return KS_ERR_ARG;
    memcpy(m->input, input_nhwc, n * sizeof(float));
    if (xnn_invoke_runtime(m->rt) != xnn_status_success)
        return KS_ERR_UNSUPPORTED;
    for (size_t o = 0; o < max_outs && o < m->n_out; o++)
        outs[o] = m->outs[o];
    return KS_OK;
}
