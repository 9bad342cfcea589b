/* TensorFlow.js graph-model loader: JSON topology + weight shards to nn_graph. */
#include "nn_model.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

static void set_err(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t cap, const char *fmt, ...)
{
    if (!err || cap == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

float nn_half_to_float(uint16_t h)
{
    unsigned sign = (h >> 15) & 1u, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    float v;
    if (exp == 0)
        v = ldexpf((float)mant, -24); /* zero and subnormals */
    else if (exp == 31)
        v = mant ? NAN : INFINITY;
    else
        v = ldexpf((float)(mant | 0x400u), (int)exp - 25);
    return sign ? -v : v;
}

/* ---- small JSON helpers ---------------------------------------------- */

static json_object *get(json_object *obj, const char *key)
{
    json_object *v = NULL;
    if (!obj || !json_object_is_type(obj, json_type_object))
        return NULL;
    return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

static json_object *get_typed(json_object *obj, const char *key, json_type t)
{
    json_object *v = get(obj, key);
    return v && json_object_is_type(v, t) ? v : NULL;
}

/* TF.js writes int64 attributes as JSON strings ("1"); accept numbers too. */
static bool json_to_i64(json_object *v, int64_t *out)
{
    if (!v)
        return false;
    if (json_object_is_type(v, json_type_int)) {
        *out = json_object_get_int64(v);
        return true;
    }
    if (!json_object_is_type(v, json_type_string))
        return false;
    const char *s = json_object_get_string(v);
    if (!s || !*s)
        return false;
    char *end = NULL;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = x;
    return true;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

/* Decodes a base64 attribute string into a NUL-terminated text of < cap bytes. */
static bool b64_decode_str(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (; *in && *in != '='; in++) {
        int v = b64_value(*in);
        if (v < 0)
            return false;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n + 1 >= cap)
                return false;
            out[n++] = (char)((acc >> bits) & 0xffu);
        }
    }
    out[n] = '\0';
    return true;
}

/* attr.<key>.s decoded, or false when absent/invalid. */
static bool attr_string(json_object *attr, const char *key, char *out, size_t cap)
{
    json_object *s = get_typed(get(attr, key), "s", json_type_string);
    return s && b64_decode_str(json_object_get_string(s), out, cap);
}

static bool attr_bool(json_object *attr, const char *key, bool dflt)
{
    json_object *b = get(get(attr, key), "b");
    return b ? json_object_get_boolean(b) != 0 : dflt;
}

/* attr.<key>.list.i as 4 NHWC values; H and W go to hw. Absent → dflt. */
static ks_status attr_nhwc(json_object *attr, const char *key, uint32_t dflt, uint32_t hw[2])
{
    json_object *a = get(attr, key);
    hw[0] = hw[1] = dflt;
    if (!a)
        return KS_OK;
    json_object *list = get_typed(get(a, "list"), "i", json_type_array);
    if (!list) /* an empty list is written as "list": {} */
        return get(a, "list") ? KS_OK : KS_ERR_MALFORMED;
    if (json_object_array_length(list) != 4)
        return KS_ERR_MALFORMED;
    int64_t v[4];
    for (size_t k = 0; k < 4; k++)
        if (!json_to_i64(json_object_array_get_idx(list, k), &v[k]) || v[k] < 1 || v[k] > 1024)
            return KS_ERR_MALFORMED;
    if (v[0] != 1 || v[3] != 1)
        return KS_ERR_UNSUPPORTED; /* batch or channel striding */
    hw[0] = (uint32_t)v[1];
    hw[1] = (uint32_t)v[2];
    return KS_OK;
}

/* ---- weights ----------------------------------------------------------- */

typedef struct weight {
    const char *name; /* borrowed from the JSON document */
    nn_tensor t;
} weight;

static void tensor_free(nn_tensor *t)
{
    free(t->f);
    free(t->i);
    t->f = NULL;
    t->i = NULL;
}

static ks_status parse_shape(json_object *shape, nn_tensor *t)
{
    if (!shape || !json_object_is_type(shape, json_type_array))
        return KS_ERR_MALFORMED;
    size_t rank = json_object_array_length(shape);
    if (rank > NN_MAX_DIMS)
        return KS_ERR_UNSUPPORTED;
    t->rank = rank;
    t->count = 1;
    for (size_t k = 0; k < rank; k++) {
        int64_t d;
        if (!json_to_i64(json_object_array_get_idx(shape, k), &d) || d < 0 || d > INT32_MAX)
            return KS_ERR_MALFORMED;
        t->dims[k] = (size_t)d;
        if (d != 0 && t->count > NN_MAX_WEIGHT_BYTES / (size_t)d)
            return KS_ERR_TOO_LARGE;
        t->count *= (size_t)d;
    }
    return KS_OK;
}

static uint32_t read_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t read_u16le(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Decodes one manifest entry starting at *off in the weights blob. */
static ks_status decode_weight(json_object *w, const uint8_t *blob, size_t blob_len, size_t *off,
                               weight *out, char *err, size_t cap)
{
    json_object *name = get_typed(w, "name", json_type_string);
    json_object *dtype = get_typed(w, "dtype", json_type_string);
    if (!name || !dtype) {
        set_err(err, cap, "weightsManifest entry without name or dtype");
        return KS_ERR_MALFORMED;
    }
    out->name = json_object_get_string(name);
    ks_status st = parse_shape(get(w, "shape"), &out->t);
    if (st != KS_OK) {
        set_err(err, cap, "weight %s: bad shape", out->name);
        return st;
    }
    const char *dt = json_object_get_string(dtype);
    bool is_int = strcmp(dt, "int32") == 0;
    if (!is_int && strcmp(dt, "float32") != 0) {
        set_err(err, cap, "weight %s: unsupported dtype %s", out->name, dt);
        return KS_ERR_UNSUPPORTED;
    }
    json_object *q = get(w, "quantization");
    size_t elem = 4;
    enum { Q_NONE, Q_F16, Q_U8, Q_U16 } qkind = Q_NONE;
    double scale = 1.0, qmin = 0.0;
    if (q) {
        json_object *qd = get_typed(q, "dtype", json_type_string);
        const char *qs = qd ? json_object_get_string(qd) : "";
        if (strcmp(qs, "float16") == 0) {
            qkind = Q_F16;
            elem = 2;
        } else if (strcmp(qs, "uint8") == 0 || strcmp(qs, "uint16") == 0) {
            qkind = qs[4] == '8' ? Q_U8 : Q_U16;
            elem = qkind == Q_U8 ? 1 : 2;
            json_object *js = get(q, "scale"), *jm = get(q, "min");
            if (!js || !jm || !(json_object_is_type(js, json_type_double) || json_object_is_type(js, json_type_int)) ||
                !(json_object_is_type(jm, json_type_double) || json_object_is_type(jm, json_type_int))) {
                set_err(err, cap, "weight %s: %s quantization without scale and min", out->name, qs);
                return KS_ERR_UNSUPPORTED;
            }
            scale = json_object_get_double(js);
            qmin = json_object_get_double(jm);
        } else {
            set_err(err, cap, "weight %s: unsupported quantization %s", out->name, qs);
            return KS_ERR_UNSUPPORTED;
        }
        if (is_int) {
            set_err(err, cap, "weight %s: quantized int32 is not supported", out->name);
            return KS_ERR_UNSUPPORTED;
        }
    }
    size_t bytes = out->t.count * elem;
    if (*off > blob_len || blob_len - *off < bytes) {
        set_err(err, cap, "weight %s: shards end before its %zu bytes", out->name, bytes);
        return KS_ERR_TRUNCATED;
    }
    const uint8_t *p = blob + *off;
    size_t n = out->t.count ? out->t.count : 1;
    if (is_int) {
        out->t.dtype = NN_DT_INT32;
        out->t.i = calloc(n, sizeof(int32_t));
        if (!out->t.i)
            return KS_ERR_NO_MEMORY;
        for (size_t k = 0; k < out->t.count; k++)
            out->t.i[k] = (int32_t)read_u32le(p + 4 * k);
    } else {
        out->t.dtype = NN_DT_FLOAT32;
        out->t.f = calloc(n, sizeof(float));
        if (!out->t.f)
            return KS_ERR_NO_MEMORY;
        for (size_t k = 0; k < out->t.count; k++) {
            float v;
            switch (qkind) {
            case Q_F16: v = nn_half_to_float(read_u16le(p + 2 * k)); break;
            case Q_U8: v = (float)(p[k] * scale + qmin); break;
            case Q_U16: v = (float)(read_u16le(p + 2 * k) * scale + qmin); break;
            default: {
                uint32_t u = read_u32le(p + 4 * k);
                memcpy(&v, &u, sizeof v);
            }
            }
            out->t.f[k] = v;
        }
    }
    *off += bytes;
    return KS_OK;
}

static int weight_cmp(const void *a, const void *b)
{
    return strcmp(((const weight *)a)->name, ((const weight *)b)->name);
}

static ks_status decode_manifest(json_object *manifest, const uint8_t *blob, size_t blob_len,
                                 weight **out, size_t *n_out, char *err, size_t cap)
{
    *out = NULL;
    *n_out = 0;
    if (!manifest || !json_object_is_type(manifest, json_type_array)) {
        set_err(err, cap, "model.json has no weightsManifest array");
        return KS_ERR_MALFORMED;
    }
    size_t total = 0;
    for (size_t g = 0; g < json_object_array_length(manifest); g++) {
        json_object *ws = get_typed(json_object_array_get_idx(manifest, g), "weights", json_type_array);
        if (!ws) {
            set_err(err, cap, "weightsManifest group %zu has no weights array", g);
            return KS_ERR_MALFORMED;
        }
        total += json_object_array_length(ws);
    }
    if (total > NN_MAX_NODES) {
        set_err(err, cap, "weightsManifest lists %zu weights (limit %u)", total, NN_MAX_NODES);
        return KS_ERR_TOO_LARGE;
    }
    weight *list = calloc(total ? total : 1, sizeof *list);
    if (!list)
        return KS_ERR_NO_MEMORY;
    size_t n = 0, off = 0;
    ks_status st = KS_OK;
    for (size_t g = 0; st == KS_OK && g < json_object_array_length(manifest); g++) {
        json_object *ws = get(json_object_array_get_idx(manifest, g), "weights");
        for (size_t k = 0; st == KS_OK && k < json_object_array_length(ws); k++) {
            st = decode_weight(json_object_array_get_idx(ws, k), blob, blob_len, &off, &list[n], err, cap);
            n++;
        }
    }
    if (st == KS_OK && off != blob_len) {
        set_err(err, cap, "weight shards hold %zu bytes but the manifest describes %zu", blob_len, off);
        st = KS_ERR_MALFORMED;
    }
    if (st == KS_OK) {
        qsort(list, n, sizeof *list, weight_cmp);
        for (size_t k = 1; k < n; k++)
            if (strcmp(list[k - 1].name, list[k].name) == 0) {
                set_err(err, cap, "weight %s is listed twice", list[k].name);
                st = KS_ERR_MALFORMED;
                break;
            }
    }
    if (st != KS_OK) {
        for (size_t k = 0; k < n; k++)
            tensor_free(&list[k].t);
        free(list);
        return st;
    }
    *out = list;
    *n_out = n;
    return KS_OK;
}

/* ---- nodes --------------------------------------------------------------- */

static const struct {
    const char *name;
    nn_op op;
    int arity; /* data inputs; -1 = decided by fused_ops */
} op_table[] = {
    {"Const", NN_OP_CONST, 0},
    {"Placeholder", NN_OP_PLACEHOLDER, 0},
    {"Identity", NN_OP_IDENTITY, 1},
    {"StopGradient", NN_OP_IDENTITY, 1},
    {"Conv2D", NN_OP_CONV2D, 2},
    {"_FusedConv2D", NN_OP_CONV2D, -1},
    {"DepthwiseConv2dNative", NN_OP_DEPTHWISE, 2},
    {"FusedDepthwiseConv2dNative", NN_OP_DEPTHWISE, -1},
    {"MatMul", NN_OP_MATMUL, 2},
    {"_FusedMatMul", NN_OP_MATMUL, -1},
    {"BiasAdd", NN_OP_BIAS_ADD, 2},
    {"Add", NN_OP_ADD, 2},
    {"AddV2", NN_OP_ADD, 2},
    {"Sub", NN_OP_SUB, 2},
    {"Mul", NN_OP_MUL, 2},
    {"Maximum", NN_OP_MAXIMUM, 2},
    {"Minimum", NN_OP_MINIMUM, 2},
    {"Relu", NN_OP_RELU, 1},
    {"Relu6", NN_OP_RELU6, 1},
    {"Prelu", NN_OP_PRELU, 2},
    {"Sigmoid", NN_OP_SIGMOID, 1},
    {"MaxPool", NN_OP_MAXPOOL, 1},
    {"AvgPool", NN_OP_AVGPOOL, 1},
    {"Mean", NN_OP_MEAN, 2},
    {"Pad", NN_OP_PAD, 2},
    {"Reshape", NN_OP_RESHAPE, 2},
    {"ResizeBilinear", NN_OP_RESIZE_BILINEAR, 2},
    {"Softmax", NN_OP_SOFTMAX, 1},
};

typedef struct raw_node {
    json_object *json;
    const char *name;
    const char *op;
    size_t index; /* position in the file, used to sort by name */
} raw_node;

static int raw_cmp(const void *a, const void *b)
{
    return strcmp(((const raw_node *)a)->name, ((const raw_node *)b)->name);
}

/* Fills the fused-op fields and returns the number of data inputs expected. */
static ks_status parse_fused(json_object *attr, nn_node *n, size_t *arity, char *err, size_t cap)
{
    json_object *list = get_typed(get(get(attr, "fused_ops"), "list"), "s", json_type_array);
    size_t count = list ? json_object_array_length(list) : 0;
    *arity = 2;
    for (size_t k = 0; k < count; k++) {
        json_object *s = json_object_array_get_idx(list, k);
        char op[32];
        if (!json_object_is_type(s, json_type_string) || !b64_decode_str(json_object_get_string(s), op, sizeof op)) {
            set_err(err, cap, "node %s (%s): bad fused_ops entry", n->name, n->op_name);
            return KS_ERR_MALFORMED;
        }
        if (k == 0 && strcmp(op, "BiasAdd") == 0) {
            n->has_bias = true;
            (*arity)++;
        } else if (n->act == NN_ACT_NONE && strcmp(op, "Relu") == 0) {
            n->act = NN_ACT_RELU;
        } else if (n->act == NN_ACT_NONE && strcmp(op, "Relu6") == 0) {
            n->act = NN_ACT_RELU6;
        } else if (n->act == NN_ACT_NONE && strcmp(op, "Prelu") == 0) {
            n->act = NN_ACT_PRELU;
            (*arity)++;
        } else {
            set_err(err, cap, "node %s (%s): unsupported fused op %s", n->name, n->op_name, op);
            return KS_ERR_UNSUPPORTED;
        }
    }
    return KS_OK;
}

static ks_status parse_attrs(json_object *attr, nn_node *n, bool fused, size_t *arity, char *err, size_t cap)
{
    char text[32];
    if (get(attr, "data_format") &&
        (!attr_string(attr, "data_format", text, sizeof text) || strcmp(text, "NHWC") != 0)) {
        set_err(err, cap, "node %s (%s): only NHWC data_format is supported", n->name, n->op_name);
        return KS_ERR_UNSUPPORTED;
    }
    if (fused) {
        ks_status st = parse_fused(attr, n, arity, err, cap);
        if (st != KS_OK)
            return st;
    }
    ks_status st = KS_OK;
    switch (n->op) {
    case NN_OP_CONV2D:
    case NN_OP_DEPTHWISE:
    case NN_OP_MAXPOOL:
    case NN_OP_AVGPOOL:
        st = attr_nhwc(attr, "strides", 1, n->strides);
        if (st == KS_OK)
            st = attr_nhwc(attr, "dilations", 1, n->dilations);
        if (st == KS_OK && (n->op == NN_OP_MAXPOOL || n->op == NN_OP_AVGPOOL)) {
            st = attr_nhwc(attr, "ksize", 0, n->ksize);
            if (st == KS_OK && (n->ksize[0] == 0 || n->ksize[1] == 0))
                st = KS_ERR_MALFORMED;
        }
        if (st != KS_OK) {
            set_err(err, cap, "node %s (%s): bad strides, dilations or ksize", n->name, n->op_name);
            return st;
        }
        if (!attr_string(attr, "padding", text, sizeof text) ||
            (strcmp(text, "SAME") != 0 && strcmp(text, "VALID") != 0)) {
            set_err(err, cap, "node %s (%s): padding must be SAME or VALID", n->name, n->op_name);
            return KS_ERR_UNSUPPORTED;
        }
        n->padding = text[0] == 'S' ? NN_PAD_SAME : NN_PAD_VALID;
        break;
    case NN_OP_MATMUL:
        n->transpose_a = attr_bool(attr, "transpose_a", false);
        n->transpose_b = attr_bool(attr, "transpose_b", false);
        break;
    case NN_OP_MEAN:
        n->keep_dims = attr_bool(attr, "keep_dims", false);
        break;
    case NN_OP_RESIZE_BILINEAR:
        n->align_corners = attr_bool(attr, "align_corners", false);
        n->half_pixel_centers = attr_bool(attr, "half_pixel_centers", false);
        break;
    default:
        break;
    }
    return KS_OK;
}

static ks_status parse_placeholder(json_object *attr, nn_node *n, char *err, size_t cap)
{
    json_object *shape = get(get(attr, "shape"), "shape");
    json_object *dim = get_typed(shape, "dim", json_type_array);
    if (!dim || json_object_array_length(dim) == 0 || json_object_array_length(dim) > NN_MAX_DIMS) {
        set_err(err, cap, "input %s: no usable shape", n->name);
        return KS_ERR_UNSUPPORTED;
    }
    n->placeholder_rank = json_object_array_length(dim);
    for (size_t k = 0; k < n->placeholder_rank; k++) {
        int64_t d;
        if (!json_to_i64(get(json_object_array_get_idx(dim, k), "size"), &d) || d < -1 || d == 0 || d > 65536) {
            set_err(err, cap, "input %s: bad dimension %zu", n->name, k);
            return KS_ERR_UNSUPPORTED;
        }
        n->placeholder_dims[k] = d < 0 ? 1 : (size_t)d; /* one image at a time */
    }
    return KS_OK;
}

/* Resolves "name", "name:0" and "^control" inputs against the sorted index. */
static ks_status resolve_input(const raw_node *sorted, size_t n, const char *in, size_t *idx, bool *control)
{
    *control = in[0] == '^';
    if (*control)
        in++;
    char buf[512];
    size_t len = strlen(in);
    if (len >= sizeof buf)
        return KS_ERR_NOT_FOUND;
    memcpy(buf, in, len + 1);
    char *colon = strrchr(buf, ':');
    if (colon) {
        if (strcmp(colon, ":0") != 0)
            return KS_ERR_UNSUPPORTED; /* second outputs of multi-output ops */
        *colon = '\0';
    }
    raw_node key = {.name = buf};
    const raw_node *hit = bsearch(&key, sorted, n, sizeof *sorted, raw_cmp);
    if (!hit)
        return KS_ERR_NOT_FOUND;
    *idx = hit->index;
    return KS_OK;
}

static char *dup_str(const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = malloc(len);
    if (d)
        memcpy(d, s, len);
    return d;
}

void nn_graph_free(nn_graph *g)
{
    if (!g)
        return;
    for (size_t k = 0; k < g->n_nodes; k++) {
        free(g->nodes[k].name);
        free(g->nodes[k].op_name);
        tensor_free(&g->nodes[k].value);
    }
    free(g->nodes);
    if (g->output_names)
        for (size_t k = 0; k < g->n_outputs; k++)
            free(g->output_names[k]);
    free(g->output_names);
    free(g->outputs);
    free(g);
}

size_t nn_graph_find(const nn_graph *g, const char *name)
{
    for (size_t k = 0; k < g->n_nodes; k++)
        if (strcmp(g->nodes[k].name, name) == 0)
            return k;
    return g->n_nodes;
}

/* Builds one node (file order) from its JSON; inputs are file indices for now. */
static ks_status build_node(const raw_node *raw, const raw_node *sorted, size_t n_raw, weight *weights,
                            size_t n_weights, nn_node *node, char *err, size_t cap)
{
    node->name = dup_str(raw->name);
    node->op_name = dup_str(raw->op);
    if (!node->name || !node->op_name)
        return KS_ERR_NO_MEMORY;
    int arity_i = -2;
    for (size_t k = 0; k < sizeof op_table / sizeof op_table[0]; k++)
        if (strcmp(op_table[k].name, raw->op) == 0) {
            node->op = op_table[k].op;
            arity_i = op_table[k].arity;
        }
    if (arity_i == -2) {
        set_err(err, cap, "node %s: unsupported op %s", raw->name, raw->op);
        return KS_ERR_UNSUPPORTED;
    }
    node->strides[0] = node->strides[1] = node->dilations[0] = node->dilations[1] = 1;
    json_object *attr = get(raw->json, "attr");
    size_t arity = arity_i < 0 ? 0 : (size_t)arity_i;
    ks_status st = parse_attrs(attr, node, arity_i < 0, &arity, err, cap);
    if (st != KS_OK)
        return st;

    json_object *inputs = get(raw->json, "input");
    if (inputs && !json_object_is_type(inputs, json_type_array)) {
        set_err(err, cap, "node %s (%s): input is not an array", raw->name, raw->op);
        return KS_ERR_MALFORMED;
    }
    size_t n_in = inputs ? json_object_array_length(inputs) : 0;
    for (size_t k = 0; k < n_in; k++) {
        json_object *s = json_object_array_get_idx(inputs, k);
        if (!json_object_is_type(s, json_type_string)) {
            set_err(err, cap, "node %s (%s): input %zu is not a string", raw->name, raw->op, k);
            return KS_ERR_MALFORMED;
        }
        size_t idx;
        bool control;
        st = resolve_input(sorted, n_raw, json_object_get_string(s), &idx, &control);
        if (st != KS_OK) {
            set_err(err, cap, "node %s (%s): input %s %s", raw->name, raw->op, json_object_get_string(s),
                    st == KS_ERR_NOT_FOUND ? "does not exist" : "is a secondary output (unsupported)");
            return st == KS_ERR_NOT_FOUND ? KS_ERR_MALFORMED : st;
        }
        if (control)
            continue; /* ordering only; data flow already orders our graph */
        if (node->n_inputs == NN_MAX_INPUTS) {
            set_err(err, cap, "node %s (%s): too many inputs", raw->name, raw->op);
            return KS_ERR_MALFORMED;
        }
        node->inputs[node->n_inputs++] = idx;
    }
    if (node->n_inputs != arity) {
        set_err(err, cap, "node %s (%s): %zu inputs, expected %zu", raw->name, raw->op, node->n_inputs, arity);
        return KS_ERR_MALFORMED;
    }
    if (node->op == NN_OP_PLACEHOLDER)
        return parse_placeholder(attr, node, err, cap);
    if (node->op == NN_OP_CONST) {
        weight key = {.name = raw->name};
        weight *w = bsearch(&key, weights, n_weights, sizeof *weights, weight_cmp);
        if (!w) {
            set_err(err, cap, "node %s (Const): no weights in the manifest", raw->name);
            return KS_ERR_MALFORMED;
        }
        node->value = w->t; /* move: the weight list no longer owns it */
        w->t.f = NULL;
        w->t.i = NULL;
    }
    return KS_OK;
}

/* Kahn's algorithm; on success order[] lists file indices in evaluation order. */
static ks_status topo_sort(const nn_node *nodes, size_t n, size_t *order, char *err, size_t cap)
{
    size_t *pending = calloc(n ? n : 1, sizeof *pending);
    size_t *users_start = calloc(n + 1, sizeof *users_start);
    size_t *users = NULL;
    ks_status st = KS_ERR_NO_MEMORY;
    if (!pending || !users_start)
        goto out;
    size_t edges = 0;
    for (size_t k = 0; k < n; k++) {
        pending[k] = nodes[k].n_inputs;
        edges += nodes[k].n_inputs;
        for (size_t j = 0; j < nodes[k].n_inputs; j++)
            users_start[nodes[k].inputs[j] + 1]++;
    }
    for (size_t k = 0; k < n; k++)
        users_start[k + 1] += users_start[k];
    users = calloc(edges ? edges : 1, sizeof *users);
    if (!users)
        goto out;
    size_t *fill = calloc(n ? n : 1, sizeof *fill);
    if (!fill)
        goto out;
    for (size_t k = 0; k < n; k++)
        for (size_t j = 0; j < nodes[k].n_inputs; j++) {
            size_t src = nodes[k].inputs[j];
            users[users_start[src] + fill[src]++] = k;
        }
    free(fill);
    size_t head = 0, tail = 0;
    for (size_t k = 0; k < n; k++)
        if (pending[k] == 0)
            order[tail++] = k;
    while (head < tail) {
        size_t k = order[head++];
        for (size_t u = users_start[k]; u < users_start[k + 1]; u++)
            if (--pending[users[u]] == 0)
                order[tail++] = users[u];
    }
    if (tail != n) {
        set_err(err, cap, "the graph has a cycle");
        st = KS_ERR_MALFORMED;
        goto out;
    }
    st = KS_OK;
out:
    free(pending);
    free(users_start);
    free(users);
    return st;
}

static json_object *find_signature(json_object *root)
{
    json_object *sig = get_typed(root, "signature", json_type_object);
    if (!sig)
        sig = get_typed(get(root, "userDefinedMetadata"), "signature", json_type_object);
    return sig;
}

/* Outputs from the signature (file order kept), else every unused non-Const node. */
static ks_status find_outputs(json_object *root, nn_graph *g, char *err, size_t cap)
{
    json_object *outs = get_typed(find_signature(root), "outputs", json_type_object);
    size_t max = outs ? (size_t)json_object_object_length(outs) : g->n_nodes;
    g->outputs = calloc(max ? max : 1, sizeof *g->outputs);
    g->output_names = calloc(max ? max : 1, sizeof *g->output_names);
    if (!g->outputs || !g->output_names)
        return KS_ERR_NO_MEMORY;
    if (outs) {
        json_object_object_foreach(outs, key, val)
        {
            json_object *nm = get_typed(val, "name", json_type_string);
            const char *name = nm ? json_object_get_string(nm) : key;
            char buf[512];
            size_t len = strlen(name);
            if (len >= sizeof buf) {
                set_err(err, cap, "output name too long");
                return KS_ERR_MALFORMED;
            }
            memcpy(buf, name, len + 1);
            char *colon = strrchr(buf, ':');
            if (colon && strcmp(colon, ":0") == 0)
                *colon = '\0';
            size_t idx = nn_graph_find(g, buf);
            if (idx == g->n_nodes) {
                set_err(err, cap, "signature output %s is not a node", buf);
                return KS_ERR_MALFORMED;
            }
            g->outputs[g->n_outputs] = idx;
            g->output_names[g->n_outputs] = dup_str(buf);
            if (!g->output_names[g->n_outputs++])
                return KS_ERR_NO_MEMORY;
        }
    } else {
        bool *used = calloc(g->n_nodes ? g->n_nodes : 1, sizeof *used);
        if (!used)
            return KS_ERR_NO_MEMORY;
        for (size_t k = 0; k < g->n_nodes; k++)
            for (size_t j = 0; j < g->nodes[k].n_inputs; j++)
                used[g->nodes[k].inputs[j]] = true;
        for (size_t k = 0; k < g->n_nodes; k++) {
            if (used[k] || g->nodes[k].op == NN_OP_CONST || g->nodes[k].op == NN_OP_PLACEHOLDER)
                continue;
            g->outputs[g->n_outputs] = k;
            g->output_names[g->n_outputs] = dup_str(g->nodes[k].name);
            if (!g->output_names[g->n_outputs++]) {
                free(used);
                return KS_ERR_NO_MEMORY;
            }
        }
        free(used);
    }
    if (g->n_outputs == 0) {
        set_err(err, cap, "the model has no outputs");
        return KS_ERR_MALFORMED;
    }
    return KS_OK;
}

static ks_status build_graph(json_object *root, const uint8_t *blob, size_t blob_len, nn_graph **out,
                             char *err, size_t cap)
{
    json_object *list = get_typed(get(root, "modelTopology"), "node", json_type_array);
    if (!list) {
        set_err(err, cap, "model.json has no modelTopology.node array (not a graph model?)");
        return KS_ERR_MALFORMED;
    }
    size_t n = json_object_array_length(list);
    if (n == 0 || n > NN_MAX_NODES) {
        set_err(err, cap, "model.json has %zu nodes (1..%u allowed)", n, NN_MAX_NODES);
        return n ? KS_ERR_TOO_LARGE : KS_ERR_MALFORMED;
    }
    weight *weights = NULL;
    size_t n_weights = 0;
    ks_status st = decode_manifest(get(root, "weightsManifest"), blob, blob_len, &weights, &n_weights, err, cap);
    if (st != KS_OK)
        return st;

    nn_graph *g = calloc(1, sizeof *g);
    raw_node *raw = calloc(n, sizeof *raw);
    nn_node *file_nodes = calloc(n, sizeof *file_nodes);
    size_t *order = calloc(n, sizeof *order);
    size_t *where = calloc(n, sizeof *where);
    st = KS_ERR_NO_MEMORY;
    if (!g || !raw || !file_nodes || !order || !where)
        goto fail;
    for (size_t k = 0; k < n; k++) {
        json_object *node = json_object_array_get_idx(list, k);
        json_object *name = get_typed(node, "name", json_type_string);
        json_object *op = get_typed(node, "op", json_type_string);
        if (!name || !op) {
            set_err(err, cap, "node %zu has no name or op", k);
            st = KS_ERR_MALFORMED;
            goto fail;
        }
        raw[k] = (raw_node){node, json_object_get_string(name), json_object_get_string(op), k};
    }
    raw_node *sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        goto fail;
    memcpy(sorted, raw, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, raw_cmp);
    for (size_t k = 1; k < n; k++)
        if (strcmp(sorted[k - 1].name, sorted[k].name) == 0) {
            set_err(err, cap, "node name %s is used twice", sorted[k].name);
            st = KS_ERR_MALFORMED;
            free(sorted);
            goto fail;
        }
    st = KS_OK;
    for (size_t k = 0; st == KS_OK && k < n; k++)
        st = build_node(&raw[k], sorted, n, weights, n_weights, &file_nodes[k], err, cap);
    free(sorted);
    if (st != KS_OK)
        goto fail;
    st = topo_sort(file_nodes, n, order, err, cap);
    if (st != KS_OK)
        goto fail;

    /* Reorder into evaluation order and rewrite inputs to the new indices. */
    g->nodes = calloc(n, sizeof *g->nodes);
    if (!g->nodes) {
        st = KS_ERR_NO_MEMORY;
        goto fail;
    }
    for (size_t k = 0; k < n; k++)
        where[order[k]] = k;
    for (size_t k = 0; k < n; k++) {
        g->nodes[k] = file_nodes[order[k]];
        for (size_t j = 0; j < g->nodes[k].n_inputs; j++)
            g->nodes[k].inputs[j] = where[g->nodes[k].inputs[j]];
    }
    memset(file_nodes, 0, n * sizeof *file_nodes); /* ownership moved */
    g->n_nodes = n;

    size_t inputs = 0;
    for (size_t k = 0; k < n; k++)
        if (g->nodes[k].op == NN_OP_PLACEHOLDER) {
            g->input = k;
            inputs++;
        }
    if (inputs != 1) {
        set_err(err, cap, "the model has %zu inputs; exactly one is supported", inputs);
        st = KS_ERR_UNSUPPORTED;
        goto fail;
    }
    st = find_outputs(root, g, err, cap);
    if (st != KS_OK)
        goto fail;
    goto done;
fail:
    if (file_nodes)
        for (size_t k = 0; k < n; k++) {
            free(file_nodes[k].name);
            free(file_nodes[k].op_name);
            tensor_free(&file_nodes[k].value);
        }
    nn_graph_free(g);
    g = NULL;
done:
    for (size_t k = 0; k < n_weights; k++)
        tensor_free(&weights[k].t);
    free(weights);
    free(raw);
    free(file_nodes);
    free(order);
    free(where);
    *out = g;
    return st;
}

static ks_status parse_json(const char *json, size_t len, json_object **root, char *err, size_t cap)
{
    if (len > NN_MAX_JSON_BYTES || len > INT_MAX) {
        set_err(err, cap, "model.json is larger than %u bytes", NN_MAX_JSON_BYTES);
        return KS_ERR_TOO_LARGE;
    }
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return KS_ERR_NO_MEMORY;
    *root = json_tokener_parse_ex(tok, json, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!*root || jerr != json_tokener_success || !json_object_is_type(*root, json_type_object)) {
        json_object_put(*root);
        *root = NULL;
        set_err(err, cap, "model.json is not a JSON object (%s)", json_tokener_error_desc(jerr));
        return KS_ERR_MALFORMED;
    }
    for (; used < len; used++)
        if (json[used] != ' ' && json[used] != '\n' && json[used] != '\r' && json[used] != '\t') {
            json_object_put(*root);
            *root = NULL;
            set_err(err, cap, "model.json has trailing bytes after the JSON object");
            return KS_ERR_MALFORMED;
        }
    return KS_OK;
}

ks_status nn_graph_parse(const char *json, size_t json_len, const uint8_t *weights, size_t weights_len,
                         nn_graph **out, char *err, size_t cap)
{
    if (!out || (!json && json_len) || (!weights && weights_len))
        return KS_ERR_ARG;
    *out = NULL;
    if (weights_len > NN_MAX_WEIGHT_BYTES) {
        set_err(err, cap, "weights exceed %u bytes", NN_MAX_WEIGHT_BYTES);
        return KS_ERR_TOO_LARGE;
    }
    json_object *root;
    ks_status st = parse_json(json ? json : "", json_len, &root, err, cap);
    if (st != KS_OK)
        return st;
    static const uint8_t none[1];
    st = build_graph(root, weights ? weights : none, weights_len, out, err, cap);
    json_object_put(root);
    return st;
}

/* Reads a whole regular file of at most `limit` bytes. */
static ks_status read_file(const char *path, size_t limit, uint8_t **data, size_t *len, char *err, size_t cap)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, cap, "cannot open %s: %s", path, strerror(errno));
        return errno == ENOENT ? KS_ERR_NOT_FOUND : KS_ERR_IO;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        set_err(err, cap, "%s is not a regular file", path);
        return KS_ERR_IO;
    }
    if ((uint64_t)sb.st_size > limit) {
        fclose(f);
        set_err(err, cap, "%s is larger than %zu bytes", path, limit);
        return KS_ERR_TOO_LARGE;
    }
    size_t size = (size_t)sb.st_size;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) {
        fclose(f);
        return KS_ERR_NO_MEMORY;
    }
    if (fread(buf, 1, size, f) != size) {
        fclose(f);
        free(buf);
        set_err(err, cap, "cannot read %s", path);
        return KS_ERR_IO;
    }
    fclose(f);
    *data = buf;
    *len = size;
    return KS_OK;
}

/* A shard path must stay inside the model's directory. */
static bool shard_path_ok(const char *p)
{
    if (!*p || p[0] == '/' || strlen(p) > 255)
        return false;
    for (const char *s = p; *s; s++)
        if (s[0] == '.' && s[1] == '.' && (s == p || s[-1] == '/') && (s[2] == '/' || s[2] == '\0'))
            return false;
    return true;
}

/* Concatenates every shard of every manifest group, in manifest order. */
static ks_status read_shards(json_object *root, const char *dir, uint8_t **blob, size_t *blob_len, char *err,
                             size_t cap)
{
    json_object *manifest = get_typed(root, "weightsManifest", json_type_array);
    *blob = NULL;
    *blob_len = 0;
    if (!manifest) {
        set_err(err, cap, "model.json has no weightsManifest array");
        return KS_ERR_MALFORMED;
    }
    uint8_t *all = NULL;
    size_t total = 0, shards = 0;
    ks_status st = KS_OK;
    for (size_t g = 0; st == KS_OK && g < json_object_array_length(manifest); g++) {
        json_object *paths = get_typed(json_object_array_get_idx(manifest, g), "paths", json_type_array);
        if (!paths) {
            set_err(err, cap, "weightsManifest group %zu has no paths", g);
            st = KS_ERR_MALFORMED;
            break;
        }
        for (size_t k = 0; st == KS_OK && k < json_object_array_length(paths); k++) {
            json_object *p = json_object_array_get_idx(paths, k);
            const char *rel = json_object_is_type(p, json_type_string) ? json_object_get_string(p) : "";
            if (!shard_path_ok(rel) || ++shards > NN_MAX_SHARDS) {
                set_err(err, cap, "weight shard path \"%s\" refused", rel);
                st = KS_ERR_MALFORMED;
                break;
            }
            char path[4096];
            if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, rel) >= sizeof path) {
                st = KS_ERR_TOO_LARGE;
                break;
            }
            uint8_t *data;
            size_t len;
            st = read_file(path, NN_MAX_WEIGHT_BYTES - total, &data, &len, err, cap);
            if (st != KS_OK)
                break;
            uint8_t *grown = realloc(all, total + len + 1);
            if (!grown) {
                free(data);
                st = KS_ERR_NO_MEMORY;
                break;
            }
            all = grown;
            memcpy(all + total, data, len);
            total += len;
            free(data);
        }
    }
    if (st != KS_OK) {
        free(all);
        return st;
    }
    *blob = all;
    *blob_len = total;
    return KS_OK;
}

ks_status nn_graph_load_file(const char *path, nn_graph **out, char *err, size_t cap)
{
    if (!path || !out)
        return KS_ERR_ARG;
    *out = NULL;
    char json_path[4096], dir[4096];
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        if ((size_t)snprintf(json_path, sizeof json_path, "%s/model.json", path) >= sizeof json_path)
            return KS_ERR_TOO_LARGE;
        snprintf(dir, sizeof dir, "%s", path);
    } else {
        if (strlen(path) >= sizeof json_path)
            return KS_ERR_TOO_LARGE;
        snprintf(json_path, sizeof json_path, "%s", path);
        const char *slash = strrchr(path, '/');
        if (slash)
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        else
            snprintf(dir, sizeof dir, ".");
        if (slash == path)
            snprintf(dir, sizeof dir, "/");
    }
    uint8_t *json;
    size_t json_len;
    ks_status st = read_file(json_path, NN_MAX_JSON_BYTES, &json, &json_len, err, cap);
    if (st != KS_OK)
        return st;
    json_object *root;
    st = parse_json((const char *)json, json_len, &root, err, cap);
    free(json);
    if (st != KS_OK)
        return st;
    uint8_t *blob;
    size_t blob_len;
    st = read_shards(root, dir, &blob, &blob_len, err, cap);
    if (st == KS_OK) {
        st = build_graph(root, blob, blob_len, out, err, cap);
        free(blob);
    }
    json_object_put(root);
    return st;
}
