/* face_iris.c — see face_iris.h. Index tables are MediaPipe's canonical
 * face mesh eye regions and the iris model's contour order, as listed in
 * human's facemeshcoords (meshAnnotations, irisIndices). */
#include "face_iris.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "mesh.h"
#include "nn_model.h"

/* One eye region: `count` model points from `first` land, in order, on
 * these mesh indices of the right and of the left eye. */
typedef struct iris_region {
    uint8_t first, count;
    bool lid;            /* EyeUpper0 / EyeLower0: refined even when looking sideways */
    uint16_t right[9], left[9];
} iris_region;

static const iris_region iris_regions[] = {
    {9, 7, true, {246, 161, 160, 159, 158, 157, 173}, {466, 388, 387, 386, 385, 384, 398}},
    {0, 9, true, {33, 7, 163, 144, 145, 153, 154, 155, 133}, {263, 249, 390, 373, 374, 380, 381, 382, 362}},
    {25, 7, false, {247, 30, 29, 27, 28, 56, 190}, {467, 260, 259, 257, 258, 286, 414}},
    {41, 7, false, {113, 225, 224, 223, 222, 221, 189}, {342, 445, 444, 443, 442, 441, 413}},
    {16, 9, false, {130, 25, 110, 24, 23, 22, 26, 112, 243}, {359, 255, 339, 254, 253, 252, 256, 341, 463}},
    {32, 9, false, {226, 31, 228, 229, 230, 231, 232, 233, 244}, {446, 261, 448, 449, 450, 451, 452, 453, 464}},
    {54, 9, false, {143, 111, 117, 118, 119, 120, 121, 128, 245}, {372, 340, 346, 347, 348, 349, 350, 357, 465}},
    {63, 8, false, {156, 70, 63, 105, 66, 107, 55, 193}, {383, 300, 293, 334, 296, 336, 285, 417}},
    {48, 6, false, {35, 124, 46, 53, 52, 65}, {265, 353, 276, 283, 282, 295}},
};
#define IRIS_N_REGIONS (sizeof(iris_regions) / sizeof(iris_regions[0]))

/* Eye corners (first and last point of EyeLower0) and the lid middles whose
 * depth the iris points take (EyeUpper0[3], EyeLower0[4]). */
typedef struct iris_eye_marks {
    uint16_t corner_outer, corner_inner, upper_mid, lower_mid;
} iris_eye_marks;

static const iris_eye_marks iris_marks[2] = {
    [FACE_IRIS_LEFT] = {263, 362, 386, 374},
    [FACE_IRIS_RIGHT] = {33, 133, 159, 145},
};

#define IRIS_ENLARGE 2.3
/* Corner depth difference (crop units) beyond which the head is turned and
 * only the lid line of the nearer eye is trusted. */
#define IRIS_SIDEWAYS_DEPTH 30.0

/* ---- loading -------------------------------------------------------------- */

static void iris_err(char *err, size_t cap, const char *fmt, const char *arg)
{
    if (err != NULL && cap > 0)
        snprintf(err, cap, fmt, arg);
}

/* A whole regular file of at most `limit` bytes, appended to *buf. */
static ks_status iris_read_append(const char *path, size_t limit, uint8_t **buf, size_t *len, char *err,
                                  size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        iris_err(err, cap, "cannot open %s", path);
        return errno == ENOENT ? KS_ERR_NOT_FOUND : KS_ERR_IO;
    }
    struct stat sb;
    ks_status st = KS_OK;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        iris_err(err, cap, "%s is not a regular file", path);
        st = KS_ERR_IO;
    } else if ((uint64_t)sb.st_size > limit - *len) {
        iris_err(err, cap, "%s is too large", path);
        st = KS_ERR_TOO_LARGE;
    }
    if (st == KS_OK) {
        size_t size = (size_t)sb.st_size;
        uint8_t *grown = realloc(*buf, *len + size + 1); /* +1: a NUL for JSON text */
        if (grown == NULL) {
            st = KS_ERR_NO_MEMORY;
        } else {
            *buf = grown;
            if (fread(*buf + *len, 1, size, f) != size) {
                iris_err(err, cap, "cannot read %s", path);
                st = KS_ERR_IO;
            } else {
                *len += size;
                (*buf)[*len] = 0;
            }
        }
    }
    fclose(f);
    return st;
}

static json_object *iris_get(json_object *o, const char *key, json_type type)
{
    json_object *v = NULL;
    if (o == NULL || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
        return NULL;
    return v;
}

/* Name of a node input without a ":0" suffix, into buf. */
static bool iris_input_name(json_object *inputs, size_t i, char *buf, size_t cap)
{
    json_object *v = json_object_array_get_idx(inputs, i);
    if (v == NULL || !json_object_is_type(v, json_type_string))
        return false;
    const char *s = json_object_get_string(v);
    size_t len = strlen(s);
    if (len >= 2 && strcmp(s + len - 2, ":0") == 0)
        len -= 2;
    if (len == 0 || len >= cap || s[0] == '^')
        return false;
    memcpy(buf, s, len);
    buf[len] = 0;
    return true;
}

/* Drops the final ConcatV2 (and the Identity after it) and names the two
 * joined heads as the graph's outputs. A graph without ConcatV2 is left as
 * it is. */
static ks_status iris_split_heads(json_object *root, char *err, size_t cap)
{
    json_object *nodes = iris_get(iris_get(root, "modelTopology", json_type_object), "node", json_type_array);
    if (nodes == NULL) {
        iris_err(err, cap, "%s: no modelTopology.node", "iris.json");
        return KS_ERR_MALFORMED;
    }
    size_t n = json_object_array_length(nodes), concat = n;
    for (size_t i = 0; i < n && concat == n; i++) {
        json_object *op = iris_get(json_object_array_get_idx(nodes, i), "op", json_type_string);
        if (op != NULL && strcmp(json_object_get_string(op), "ConcatV2") == 0)
            concat = i;
    }
    if (concat == n)
        return KS_OK;
    json_object *node = json_object_array_get_idx(nodes, concat);
    json_object *inputs = iris_get(node, "input", json_type_array);
    json_object *name = iris_get(node, "name", json_type_string);
    char heads[2][512], joined[512];
    if (inputs == NULL || name == NULL || json_object_array_length(inputs) != 3 ||
        !iris_input_name(inputs, 0, heads[0], sizeof heads[0]) ||
        !iris_input_name(inputs, 1, heads[1], sizeof heads[1]) ||
        strlen(json_object_get_string(name)) >= sizeof joined) {
        iris_err(err, cap, "%s: unexpected ConcatV2 node", "iris.json");
        return KS_ERR_UNSUPPORTED;
    }
    strcpy(joined, json_object_get_string(name));
    /* Every reader of the joined tensor goes too: only Identity may read it. */
    for (size_t i = n; i-- > 0;) {
        json_object *nd = json_object_array_get_idx(nodes, i);
        json_object *in = iris_get(nd, "input", json_type_array);
        char first[512];
        if (i == concat) {
            json_object_array_del_idx(nodes, i, 1);
            continue;
        }
        if (in == NULL || !iris_input_name(in, 0, first, sizeof first) || strcmp(first, joined) != 0)
            continue;
        json_object *op = iris_get(nd, "op", json_type_string);
        if (op == NULL || strcmp(json_object_get_string(op), "Identity") != 0) {
            iris_err(err, cap, "%s: the joined output feeds more than Identity", "iris.json");
            return KS_ERR_UNSUPPORTED;
        }
        json_object_array_del_idx(nodes, i, 1);
    }
    json_object *sig = iris_get(root, "signature", json_type_object);
    if (sig == NULL)
        sig = iris_get(iris_get(root, "userDefinedMetadata", json_type_object), "signature", json_type_object);
    if (sig == NULL)
        return KS_OK; /* without a signature the loader takes the unread nodes: the two heads */
    json_object *outs = json_object_new_object();
    for (size_t h = 0; h < 2 && outs != NULL; h++) {
        json_object *o = json_object_new_object();
        json_object *s = json_object_new_string(heads[h]);
        if (o == NULL || s == NULL || json_object_object_add(o, "name", s) != 0 ||
            json_object_object_add(outs, h == 0 ? "head0" : "head1", o) != 0) {
            json_object_put(s);
            json_object_put(o);
            json_object_put(outs);
            outs = NULL;
        }
    }
    if (outs == NULL || json_object_object_add(sig, "outputs", outs) != 0) {
        json_object_put(outs);
        return KS_ERR_NO_MEMORY;
    }
    return KS_OK;
}

/* Shards are plain file names next to iris.json, read in manifest order. */
static ks_status iris_read_shards(json_object *root, const char *dir, uint8_t **blob, size_t *len, char *err,
                                  size_t cap)
{
    json_object *manifest = iris_get(root, "weightsManifest", json_type_array);
    if (manifest == NULL) {
        iris_err(err, cap, "%s: no weightsManifest", "iris.json");
        return KS_ERR_MALFORMED;
    }
    size_t shards = 0;
    for (size_t g = 0; g < json_object_array_length(manifest); g++) {
        json_object *paths = iris_get(json_object_array_get_idx(manifest, g), "paths", json_type_array);
        if (paths == NULL) {
            iris_err(err, cap, "%s: a weightsManifest group has no paths", "iris.json");
            return KS_ERR_MALFORMED;
        }
        for (size_t k = 0; k < json_object_array_length(paths); k++) {
            json_object *p = json_object_array_get_idx(paths, k);
            const char *rel = json_object_is_type(p, json_type_string) ? json_object_get_string(p) : "";
            if (rel[0] == '\0' || rel[0] == '.' || strchr(rel, '/') != NULL || strlen(rel) > 255 ||
                ++shards > NN_MAX_SHARDS) {
                iris_err(err, cap, "iris.json: weight shard \"%s\" refused", rel);
                return KS_ERR_MALFORMED;
            }
            char path[4096];
            int w = snprintf(path, sizeof path, "%s/%s", dir, rel);
            if (w < 0 || (size_t)w >= sizeof path)
                return KS_ERR_TOO_LARGE;
            ks_status st = iris_read_append(path, NN_MAX_WEIGHT_BYTES, blob, len, err, cap);
            if (st != KS_OK)
                return st;
        }
    }
    return KS_OK;
}

ks_status face_iris_load(const char *models_dir, unsigned threads, nn_model **out, char *err,
                         size_t err_cap)
{
    if (models_dir == NULL || out == NULL)
        return KS_ERR_ARG;
    *out = NULL;
    char path[4096];
    int w = snprintf(path, sizeof path, "%s/iris.json", models_dir);
    if (w < 0 || (size_t)w >= sizeof path)
        return KS_ERR_TOO_LARGE;
    uint8_t *text = NULL, *blob = NULL;
    size_t text_len = 0, blob_len = 0;
    json_object *root = NULL;
    ks_status st = iris_read_append(path, NN_MAX_JSON_BYTES, &text, &text_len, err, err_cap);
    if (st == KS_OK) {
        root = json_tokener_parse((const char *)text);
        if (root == NULL || !json_object_is_type(root, json_type_object)) {
            iris_err(err, err_cap, "%s is not a JSON object", path);
            st = KS_ERR_MALFORMED;
        }
    }
    if (st == KS_OK)
        st = iris_split_heads(root, err, err_cap);
    if (st == KS_OK)
        st = iris_read_shards(root, models_dir, &blob, &blob_len, err, err_cap);
    nn_graph *g = NULL;
    if (st == KS_OK) {
        size_t json_len = 0;
        const char *json = json_object_to_json_string_length(root, JSON_C_TO_STRING_PLAIN, &json_len);
        st = json != NULL ? nn_graph_parse(json, json_len, blob, blob_len, &g, err, err_cap) : KS_ERR_NO_MEMORY;
    }
    json_object_put(root);
    free(text);
    free(blob);
    if (st != KS_OK)
        return st;
    nn_options o = {.threads = threads};
    st = nn_model_from_graph(g, &o, out, err, err_cap);
    if (st != KS_OK)
        return st;
    size_t dims[NN_MAX_DIMS];
    size_t rank = nn_input_shape(*out, dims);
    if (rank != 4 || dims[0] != 1 || dims[1] != FACE_IRIS_INPUT_SIZE || dims[2] != FACE_IRIS_INPUT_SIZE ||
        dims[3] != 3) {
        iris_err(err, err_cap, "%s: unexpected input shape", "iris.json");
        nn_model_free(*out);
        *out = NULL;
        return KS_ERR_UNSUPPORTED;
    }
    return KS_OK;
}

/* ---- geometry ------------------------------------------------------------- */

static bool iris_finite3(const float *p)
{
    return isfinite(p[0]) && isfinite(p[1]) && isfinite(p[2]);
}

/* JavaScript's Math.round: halves go up. */
static double iris_js_round(double v)
{
    return floor(v + 0.5);
}

ks_status face_iris_eye_box(const float *raw, size_t raw_len, face_iris_eye eye, float box[4])
{
    if (raw == NULL || box == NULL || raw_len != (size_t)MESH_NUM_LANDMARKS * 3u ||
        (eye != FACE_IRIS_LEFT && eye != FACE_IRIS_RIGHT))
        return KS_ERR_ARG;
    const float *a = raw + 3u * iris_marks[eye].corner_outer, *b = raw + 3u * iris_marks[eye].corner_inner;
    if (!iris_finite3(a) || !iris_finite3(b))
        return KS_ERR_MALFORMED;
    double cx = ((double)a[0] + b[0]) * 0.5, cy = ((double)a[1] + b[1]) * 0.5;
    double half = IRIS_ENLARGE * fmax(fabs((double)a[0] - b[0]), fabs((double)a[1] - b[1])) * 0.5;
    /* The crop is at most a few hundred pixels; a box beyond that is garbage
     * the float conversion below must not overflow on. */
    if (!(fabs(cx) + half < 1e7 && fabs(cy) + half < 1e7))
        return KS_ERR_MALFORMED;
    box[0] = (float)iris_js_round(cx - half);
    box[1] = (float)iris_js_round(cy - half);
    box[2] = (float)iris_js_round(cx + half);
    box[3] = (float)iris_js_round(cy + half);
    return KS_OK;
}

/* Finds the head of `count` floats, or the tail of a joined output. */
static const float *iris_head(const nn_output *outs, size_t n_outs, size_t count, size_t offset)
{
    for (size_t i = 0; i < n_outs; i++)
        if (outs[i].data != NULL && outs[i].count == count)
            return outs[i].data;
    for (size_t i = 0; i < n_outs; i++)
        if (outs[i].data != NULL && outs[i].count == (size_t)FACE_IRIS_EYE_POINTS * 3u)
            return outs[i].data + offset;
    return NULL;
}

ks_status face_iris_decode(const nn_output *outs, size_t n_outs, const float box[4], face_iris_eye eye,
                           float pts[FACE_IRIS_EYE_POINTS][3])
{
    if (outs == NULL || box == NULL || pts == NULL || (eye != FACE_IRIS_LEFT && eye != FACE_IRIS_RIGHT))
        return KS_ERR_ARG;
    const size_t nc = (size_t)FACE_IRIS_CONTOUR_POINTS * 3u;
    const float *contours = iris_head(outs, n_outs, nc, 0);
    const float *iris = iris_head(outs, n_outs, (size_t)FACE_IRIS_IRIS_POINTS * 3u, nc);
    if (contours == NULL || iris == NULL)
        return KS_ERR_UNSUPPORTED;
    double bw = fabs((double)box[2] - box[0]), bh = fabs((double)box[3] - box[1]);
    const double s = FACE_IRIS_INPUT_SIZE;
    for (size_t i = 0; i < FACE_IRIS_EYE_POINTS; i++) {
        const float *p = i < FACE_IRIS_CONTOUR_POINTS ? contours + 3 * i
                                                      : iris + 3 * (i - FACE_IRIS_CONTOUR_POINTS);
        if (!iris_finite3(p) || !(fabsf(p[0]) < 1e6f && fabsf(p[1]) < 1e6f))
            return KS_ERR_MALFORMED;
        double u = p[0] / s;
        if (eye == FACE_IRIS_LEFT)
            u = 1.0 - u; /* this eye was fed mirrored */
        pts[i][0] = (float)(u * bw + box[0]);
        pts[i][1] = (float)(p[1] / s * bh + box[1]);
        pts[i][2] = p[2];
    }
    return KS_OK;
}

static void iris_replace(float *raw, const float pts[FACE_IRIS_EYE_POINTS][3], face_iris_eye eye,
                         bool lids_only)
{
    for (size_t r = 0; r < IRIS_N_REGIONS; r++) {
        const iris_region *reg = &iris_regions[r];
        if (lids_only && !reg->lid)
            continue;
        const uint16_t *idx = eye == FACE_IRIS_LEFT ? reg->left : reg->right;
        for (size_t j = 0; j < reg->count; j++) {
            float *m = raw + 3u * idx[j];
            const float *p = pts[reg->first + j];
            m[0] = p[0];
            m[1] = p[1];
            m[2] = (float)(((double)p[2] + m[2]) * 0.5);
        }
    }
}

/* The model's iris depth is unreliable: take the lids' (top point: upper lid,
 * bottom point: lower lid, the others their mean). */
static void iris_points(const float *raw, const float pts[FACE_IRIS_EYE_POINTS][3], face_iris_eye eye,
                        float out[FACE_IRIS_IRIS_POINTS][3])
{
    float upper = raw[3u * iris_marks[eye].upper_mid + 2], lower = raw[3u * iris_marks[eye].lower_mid + 2];
    float mid = (float)(((double)upper + lower) * 0.5);
    for (size_t i = 0; i < FACE_IRIS_IRIS_POINTS; i++) {
        out[i][0] = pts[FACE_IRIS_CONTOUR_POINTS + i][0];
        out[i][1] = pts[FACE_IRIS_CONTOUR_POINTS + i][1];
        out[i][2] = i == 2 ? upper : i == 4 ? lower : mid;
    }
}

static bool iris_all_finite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return false;
    return true;
}

ks_status face_iris_merge(float *raw, size_t raw_len, const float left[FACE_IRIS_EYE_POINTS][3],
                          const float right[FACE_IRIS_EYE_POINTS][3], float iris[FACE_IRIS_POINTS][3])
{
    if (raw == NULL || left == NULL || right == NULL || raw_len != (size_t)MESH_NUM_LANDMARKS * 3u)
        return KS_ERR_ARG;
    if (!iris_all_finite(raw, raw_len) || !iris_all_finite(&left[0][0], FACE_IRIS_EYE_POINTS * 3u) ||
        !iris_all_finite(&right[0][0], FACE_IRIS_EYE_POINTS * 3u))
        return KS_ERR_MALFORMED;
    /* Smaller z is nearer the camera. */
    double depth = (double)raw[3u * iris_marks[FACE_IRIS_LEFT].corner_outer + 2] -
                   raw[3u * iris_marks[FACE_IRIS_RIGHT].corner_outer + 2];
    if (fabs(depth) < IRIS_SIDEWAYS_DEPTH) {
        iris_replace(raw, left, FACE_IRIS_LEFT, false);
        iris_replace(raw, right, FACE_IRIS_RIGHT, false);
    } else if (depth < 1.0) {
        iris_replace(raw, left, FACE_IRIS_LEFT, true);
    } else {
        iris_replace(raw, right, FACE_IRIS_RIGHT, true);
    }
    if (iris != NULL) {
        iris_points(raw, left, FACE_IRIS_LEFT, iris);
        iris_points(raw, right, FACE_IRIS_RIGHT, iris + FACE_IRIS_IRIS_POINTS);
    }
    return KS_OK;
}
