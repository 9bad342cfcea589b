/* face_pipeline.c — see face_pipeline.h. The image arithmetic below copies
 * TensorFlow's kernels (legacy ResizeBilinear, CropAndResize) because the
 * models were trained and the reference runs on exactly those samplings;
 * img_resize() (pixel-centre aligned, box pre-shrink) would move the boxes
 * and landmarks by a pixel or more. */
#include "face_pipeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "face_iris.h"
#include "nn_run.h"
#include "warp.h"

#define DET_SIZE 256u
#define MESH_SIZE 192u
#define FACERES_SIZE 224u
#define MOBILEFACE_SIZE 112u
#define ANTISPOOF_SIZE 128u
#define LIVENESS_SIZE 32u

enum { M_DET, M_MESH, M_FACERES, M_MOBILEFACE, M_ANTISPOOF, M_LIVENESS, M_COUNT };
static const char *const model_files[M_COUNT] = {
    "blazeface.json", "facemesh.json", "faceres.json", "mobileface.json", "antispoof.json",
    "liveness.json",
};
static const uint32_t model_sizes[M_COUNT] = {
    DET_SIZE, MESH_SIZE, FACERES_SIZE, MOBILEFACE_SIZE, ANTISPOOF_SIZE, LIVENESS_SIZE,
};

struct face_engine {
    face_engine_opts opts;
    nn_model *models[M_COUNT];
    float *input[M_COUNT];        /* each model's input tensor */
    float *crop01;                /* the 192 crop in [0,1] (shared by four models) */
    nn_model *iris;               /* NULL unless opts.refine_eyes */
    float *iris_input;            /* one eye, 64x64 RGB [0,1] */
    float mesh_raw[MESH_NUM_LANDMARKS * 3]; /* facemesh output, refined in place */
    mesh_point plain_mesh[MESH_NUM_LANDMARKS]; /* before refinement: alignment and pose */
    float det_raw[BF_NUM_ANCHORS * BF_VALUES_PER_ANCHOR];
    bf_detection dets[FACE_MAX_FACES];
    img_image quality_crop;       /* 128x128 RGB for blur / exposure */
    face_result *match_faces;     /* FACE_MAX_FACES for face_match() */
    face_timing timing;
};

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

void face_engine_opts_default(face_engine_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->threads = 2;
    opts->embedder = FACE_EMBED_FACERES;
    opts->min_score = 0.3f;
    opts->iou_threshold = 0.1f;
    opts->enlarge = 1.4f;
    opts->min_face_flag = 0.3f;
    opts->refine_eyes = true;
    fq_config_default(&opts->quality);
}

ks_status face_models_dir_default(char *buf, size_t cap)
{
    const char *cache = getenv("KS_CACHE");
    int n;
    if (cache != NULL && cache[0] != '\0') {
        n = snprintf(buf, cap, "%s/models/human-models-3.0.4/models", cache);
    } else {
        const char *home = getenv("HOME");
        if (home == NULL || home[0] == '\0')
            return KS_ERR_NOT_FOUND;
        n = snprintf(buf, cap, "%s/.cache/kiosk/models/human-models-3.0.4/models", home);
    }
    return (n < 0 || (size_t)n >= cap) ? KS_ERR_TOO_LARGE : KS_OK;
}

void face_engine_close(face_engine *eng)
{
    if (eng == NULL)
        return;
    for (size_t i = 0; i < M_COUNT; i++) {
        nn_model_free(eng->models[i]);
        free(eng->input[i]);
    }
    free(eng->crop01);
    nn_model_free(eng->iris);
    free(eng->iris_input);
    free(eng->match_faces);
    img_free(&eng->quality_crop);
    free(eng);
}

static ks_status load_model(face_engine *eng, const char *dir, size_t which, char *err, size_t cap)
{
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, model_files[which]);
    if (n < 0 || (size_t)n >= sizeof(path))
        return KS_ERR_TOO_LARGE;
    nn_options o = {.threads = eng->opts.threads};
    ks_status st = nn_model_load(path, &o, &eng->models[which], err, cap);
    if (st != KS_OK)
        return st;
    size_t dims[NN_MAX_DIMS];
    size_t rank = nn_input_shape(eng->models[which], dims);
    uint32_t s = model_sizes[which];
    if (rank != 4 || dims[0] != 1 || dims[1] != s || dims[2] != s || dims[3] != 3) {
        if (err != NULL && cap > 0)
            snprintf(err, cap, "%s: unexpected input shape", model_files[which]);
        return KS_ERR_UNSUPPORTED;
    }
    eng->input[which] = calloc((size_t)s * s * 3, sizeof(float));
    return eng->input[which] ? KS_OK : KS_ERR_NO_MEMORY;
}

ks_status face_engine_open(const char *models_dir, const face_engine_opts *opts, face_engine **out,
                           char *err, size_t err_cap)
{
    if (models_dir == NULL || out == NULL)
        return KS_ERR_ARG;
    *out = NULL;
    face_engine *eng = calloc(1, sizeof(*eng));
    if (eng == NULL)
        return KS_ERR_NO_MEMORY;
    if (opts != NULL)
        eng->opts = *opts;
    else
        face_engine_opts_default(&eng->opts);
    if (eng->opts.threads == 0)
        eng->opts.threads = 2;
    ks_status st = KS_OK;
    for (size_t i = 0; i < M_COUNT && st == KS_OK; i++)
        st = load_model(eng, models_dir, i, err, err_cap);
    if (st == KS_OK && eng->opts.refine_eyes) {
        st = face_iris_load(models_dir, eng->opts.threads, &eng->iris, err, err_cap);
        if (st == KS_OK) {
            eng->iris_input = calloc((size_t)FACE_IRIS_INPUT_SIZE * FACE_IRIS_INPUT_SIZE * 3, sizeof(float));
            if (eng->iris_input == NULL)
                st = KS_ERR_NO_MEMORY;
        }
    }
    if (st == KS_OK) {
        eng->crop01 = calloc((size_t)MESH_SIZE * MESH_SIZE * 3, sizeof(float));
        eng->match_faces = calloc(FACE_MAX_FACES, sizeof(face_result));
        if (eng->crop01 == NULL || eng->match_faces == NULL)
            st = KS_ERR_NO_MEMORY;
    }
    if (st == KS_OK)
        st = img_alloc(&eng->quality_crop, ANTISPOOF_SIZE, ANTISPOOF_SIZE, 3);
    if (st != KS_OK) {
        face_engine_close(eng);
        return st;
    }
    *out = eng;
    return KS_OK;
}

/* ---- TensorFlow's samplings ---------------------------------------------- */

static inline float pixel(const img_image *img, uint32_t x, uint32_t y, uint32_t c)
{
    const uint8_t *p = img_row(img, y) + (size_t)x * img->channels;
    return (float)p[img->channels == 3 ? c : 0];
}

/* ResizeBilinear, align_corners=false, half_pixel_centers=false, of the whole
 * u8 image to s x s RGB floats, then v * scale + offset. */
static void resize_u8_legacy(const img_image *img, uint32_t s, float scale, float offset, float *dst)
{
    float ys = (float)img->height / (float)s, xs = (float)img->width / (float)s;
    for (uint32_t i = 0; i < s; i++) {
        float in_y = (float)i * ys;
        uint32_t y0 = (uint32_t)in_y;
        uint32_t y1 = y0 + 1 < img->height ? y0 + 1 : img->height - 1;
        float ly = in_y - (float)y0;
        for (uint32_t j = 0; j < s; j++) {
            float in_x = (float)j * xs;
            uint32_t x0 = (uint32_t)in_x;
            uint32_t x1 = x0 + 1 < img->width ? x0 + 1 : img->width - 1;
            float lx = in_x - (float)x0;
            for (uint32_t c = 0; c < 3; c++) {
                float tl = pixel(img, x0, y0, c), tr = pixel(img, x1, y0, c);
                float bl = pixel(img, x0, y1, c), br = pixel(img, x1, y1, c);
                float top = tl + (tr - tl) * lx, bot = bl + (br - bl) * lx;
                dst[((size_t)i * s + j) * 3 + c] = (top + (bot - top) * ly) * scale + offset;
            }
        }
    }
}

/* The same kernel from an s_in x s_in RGB float tensor to s_out x s_out. */
static void resize_f_legacy(const float *src, uint32_t s_in, uint32_t s_out, float scale, float *dst)
{
    float r = (float)s_in / (float)s_out;
    for (uint32_t i = 0; i < s_out; i++) {
        float in_y = (float)i * r;
        uint32_t y0 = (uint32_t)in_y;
        uint32_t y1 = y0 + 1 < s_in ? y0 + 1 : s_in - 1;
        float ly = in_y - (float)y0;
        for (uint32_t j = 0; j < s_out; j++) {
            float in_x = (float)j * r;
            uint32_t x0 = (uint32_t)in_x;
            uint32_t x1 = x0 + 1 < s_in ? x0 + 1 : s_in - 1;
            float lx = in_x - (float)x0;
            for (uint32_t c = 0; c < 3; c++) {
                float tl = src[((size_t)y0 * s_in + x0) * 3 + c], tr = src[((size_t)y0 * s_in + x1) * 3 + c];
                float bl = src[((size_t)y1 * s_in + x0) * 3 + c], br = src[((size_t)y1 * s_in + x1) * 3 + c];
                float top = tl + (tr - tl) * lx, bot = bl + (br - bl) * lx;
                dst[((size_t)i * s_out + j) * 3 + c] = (top + (bot - top) * ly) * scale;
            }
        }
    }
}

/* What cropAndResize samples: the u8 frame, or a square RGB float tensor
 * (the 192 face crop, which the eye crops are cut from). */
typedef struct tf_source {
    const img_image *img;
    const float *f;
    uint32_t width, height;
} tf_source;

static inline float source_pixel(const tf_source *src, uint32_t x, uint32_t y, uint32_t c)
{
    if (src->f != NULL)
        return src->f[((size_t)y * src->width + x) * 3 + c];
    return pixel(src->img, x, y, c);
}

/* tf.image.cropAndResize of the box (source pixels x1 y1 x2 y2) to s x s,
 * bilinear, extrapolation 0, values scaled by `scale`. TF samples at
 * y1n*(H-1) + i*(y2n-y1n)*(H-1)/(s-1) with normalised box corners. */
static void crop_and_resize(const tf_source *src, const float box[4], uint32_t s, float scale, float *dst)
{
    float H = (float)src->height, W = (float)src->width;
    float y1n = box[1] / H, x1n = box[0] / W, y2n = box[3] / H, x2n = box[2] / W;
    float hs = (y2n - y1n) * (H - 1.0f) / (float)(s - 1);
    float ws = (x2n - x1n) * (W - 1.0f) / (float)(s - 1);
    for (uint32_t i = 0; i < s; i++) {
        float in_y = y1n * (H - 1.0f) + (float)i * hs;
        float *row = dst + (size_t)i * s * 3;
        if (!(in_y >= 0.0f && in_y <= H - 1.0f)) {
            memset(row, 0, (size_t)s * 3 * sizeof(float));
            continue;
        }
        uint32_t ty = (uint32_t)floorf(in_y), by = (uint32_t)ceilf(in_y);
        float ly = in_y - (float)ty;
        for (uint32_t j = 0; j < s; j++) {
            float in_x = x1n * (W - 1.0f) + (float)j * ws;
            if (!(in_x >= 0.0f && in_x <= W - 1.0f)) {
                row[j * 3] = row[j * 3 + 1] = row[j * 3 + 2] = 0.0f;
                continue;
            }
            uint32_t lxi = (uint32_t)floorf(in_x), rxi = (uint32_t)ceilf(in_x);
            float lx = in_x - (float)lxi;
            for (uint32_t c = 0; c < 3; c++) {
                float tl = source_pixel(src, lxi, ty, c), tr = source_pixel(src, rxi, ty, c);
                float bl = source_pixel(src, lxi, by, c), br = source_pixel(src, rxi, by, c);
                float top = tl + (tr - tl) * lx, bot = bl + (br - bl) * lx;
                row[j * 3 + c] = (top + (bot - top) * ly) * scale;
            }
        }
    }
}

/* Bilinear warp of the image through the inverse of m into s x s RGB floats
 * (0..255, border 0): the aligned crop for mobileface. */
static ks_status warp_to_floats(const img_image *img, const double m[2][3], uint32_t s, float *dst)
{
    double inv[2][3];
    ks_status st = warp_affine_invert(m, inv);
    if (st != KS_OK)
        return st;
    for (uint32_t i = 0; i < s; i++) {
        for (uint32_t j = 0; j < s; j++) {
            double x = inv[0][0] * j + inv[0][1] * i + inv[0][2];
            double y = inv[1][0] * j + inv[1][1] * i + inv[1][2];
            if (!(fabs(x) < 1e9 && fabs(y) < 1e9)) { /* also catches NaN */
                memset(dst + ((size_t)i * s + j) * 3, 0, 3 * sizeof(float));
                continue;
            }
            double fx = floor(x), fy = floor(y);
            double ax = x - fx, ay = y - fy;
            for (uint32_t c = 0; c < 3; c++) {
                double v = 0.0;
                for (int dy = 0; dy < 2; dy++) {
                    for (int dx = 0; dx < 2; dx++) {
                        double px = fx + dx, py = fy + dy;
                        double w = (dx ? ax : 1.0 - ax) * (dy ? ay : 1.0 - ay);
                        if (w == 0.0 || px < 0.0 || py < 0.0 || px >= (double)img->width ||
                            py >= (double)img->height)
                            continue;
                        v += w * pixel(img, (uint32_t)px, (uint32_t)py, c);
                    }
                }
                dst[((size_t)i * s + j) * 3 + c] = (float)v;
            }
        }
    }
    return KS_OK;
}

/* ---- stages --------------------------------------------------------------- */

static const nn_output *find_output(const nn_output *outs, size_t n, size_t count)
{
    for (size_t i = 0; i < n; i++)
        if (outs[i].count == count)
            return &outs[i];
    return NULL;
}

/* Joins the detector's four outputs into the 896 x 17 rows bf_decode reads:
 * 512 stride-16 rows (logit, 16 regressors) then 384 stride-32 rows. */
static ks_status detect(face_engine *eng, const img_image *rgb, size_t *n_det)
{
    resize_u8_legacy(rgb, DET_SIZE, 1.0f / 127.5f, -1.0f, eng->input[M_DET]);
    nn_output outs[4];
    ks_status st = nn_run(eng->models[M_DET], eng->input[M_DET], (size_t)DET_SIZE * DET_SIZE * 3, outs, 4);
    if (st != KS_OK)
        return st;
    const nn_output *l512 = find_output(outs, 4, 512), *r512 = find_output(outs, 4, 512 * 16);
    const nn_output *l384 = find_output(outs, 4, 384), *r384 = find_output(outs, 4, 384 * 16);
    if (!l512 || !r512 || !l384 || !r384)
        return KS_ERR_UNSUPPORTED;
    for (size_t r = 0; r < BF_NUM_ANCHORS; r++) {
        float *row = eng->det_raw + r * BF_VALUES_PER_ANCHOR;
        const nn_output *l = r < 512 ? l512 : l384, *g = r < 512 ? r512 : r384;
        size_t k = r < 512 ? r : r - 512;
        row[0] = l->data[k];
        memcpy(row + 1, g->data + k * 16, 16 * sizeof(float));
    }
    bf_config cfg;
    bf_config_default(&cfg);
    cfg.min_score = eng->opts.min_score;
    cfg.iou_threshold = eng->opts.iou_threshold;
    cfg.nms = BF_NMS_HARD;
    cfg.max_detections = FACE_MAX_FACES;
    st = bf_decode(BF_MODEL_BACK_256, eng->det_raw, BF_NUM_ANCHORS * BF_VALUES_PER_ANCHOR, &cfg,
                   eng->dets, FACE_MAX_FACES, n_det);
    if (st != KS_OK)
        return st;
    /* human keeps score > threshold; bf_decode keeps >= */
    size_t kept = 0;
    for (size_t i = 0; i < *n_det; i++)
        if (eng->dets[i].score > eng->opts.min_score)
            eng->dets[kept++] = eng->dets[i];
    *n_det = kept;
    return KS_OK;
}

/* Mirrors an s x s RGB tensor left to right (tf.image.flipLeftRight). */
static void mirror_rows(float *t, uint32_t s)
{
    for (uint32_t y = 0; y < s; y++) {
        float *row = t + (size_t)y * s * 3;
        for (uint32_t a = 0, b = s - 1; a < b; a++, b--) {
            for (uint32_t c = 0; c < 3; c++) {
                float v = row[a * 3 + c];
                row[a * 3 + c] = row[b * 3 + c];
                row[b * 3 + c] = v;
            }
        }
    }
}

/* human's augmentIris on eng->mesh_raw: each eye is cut from the 192 crop
 * facemesh saw (the subject's left eye mirrored, so the model always sees
 * the same eye layout, as in MediaPipe's iris graph), and the model's lids
 * and brows replace the mesh's. human 3.3.6 also mirrors the right eye's
 * crop but not its points back; that slip is not copied. 
 * A degenerate mesh or a non-finite model output leaves the mesh as it is
 * (mesh_decode then judges it); *refined tells whether iris[] was set. */
static ks_status refine_eyes(face_engine *eng, float iris[FACE_IRIS_POINTS][3], bool *refined)
{
    static const face_iris_eye eyes[2] = {FACE_IRIS_LEFT, FACE_IRIS_RIGHT};
    const tf_source crop = {.f = eng->crop01, .width = MESH_SIZE, .height = MESH_SIZE};
    const size_t raw_len = sizeof(eng->mesh_raw) / sizeof(eng->mesh_raw[0]);
    const size_t n_in = (size_t)FACE_IRIS_INPUT_SIZE * FACE_IRIS_INPUT_SIZE * 3;
    float pts[2][FACE_IRIS_EYE_POINTS][3];
    *refined = false;
    for (size_t e = 0; e < 2; e++) {
        float box[4];
        if (face_iris_eye_box(eng->mesh_raw, raw_len, eyes[e], box) != KS_OK)
            return KS_OK;
        crop_and_resize(&crop, box, FACE_IRIS_INPUT_SIZE, 1.0f, eng->iris_input);
        if (eyes[e] == FACE_IRIS_LEFT)
            mirror_rows(eng->iris_input, FACE_IRIS_INPUT_SIZE);
        nn_output outs[2];
        memset(outs, 0, sizeof(outs));
        ks_status st = nn_run(eng->iris, eng->iris_input, n_in, outs, 2);
        if (st != KS_OK)
            return st;
        size_t n_outs = nn_output_count(eng->iris);
        st = face_iris_decode(outs, n_outs < 2 ? n_outs : 2, box, eyes[e], pts[e]);
        if (st == KS_ERR_UNSUPPORTED)
            return st;
        if (st != KS_OK)
            return KS_OK;
    }
    *refined = face_iris_merge(eng->mesh_raw, raw_len, pts[0], pts[1], iris) == KS_OK;
    return KS_OK;
}

/* The iris points from crop to image pixels, z scaled as mesh_decode does. */
static void map_iris(const mesh_affine *m, const float iris[FACE_IRIS_POINTS][3], face_result *f)
{
    double zscale = sqrt(fabs(m->a * m->d - m->b * m->c));
    for (size_t i = 0; i < FACE_IRIS_POINTS; i++) {
        double u = iris[i][0], v = iris[i][1];
        f->iris[i].x = (float)(m->a * u + m->b * v + m->tx);
        f->iris[i].y = (float)(m->c * u + m->d * v + m->ty);
        f->iris[i].z = (float)(iris[i][2] * zscale);
    }
    f->has_iris = true;
}

/* Facemesh on the 192 crop (then the eye refinement when enabled); false
 * (and KS_OK) when the face flag rejects it. */
static ks_status landmarks(face_engine *eng, face_result *f, bool *keep)
{
    size_t n = (size_t)MESH_SIZE * MESH_SIZE * 3;
    memcpy(eng->input[M_MESH], eng->crop01, n * sizeof(float));
    nn_output outs[3];
    ks_status st = nn_run(eng->models[M_MESH], eng->input[M_MESH], n, outs, 3);
    if (st != KS_OK)
        return st;
    const nn_output *mesh = find_output(outs, 3, (size_t)MESH_NUM_LANDMARKS * 3);
    const nn_output *flag = find_output(outs, 3, 1);
    if (mesh == NULL || flag == NULL)
        return KS_ERR_UNSUPPORTED;
    f->face_flag = flag->data[0];
    *keep = roundf(f->face_flag * 100.0f) / 100.0f > eng->opts.min_face_flag;
    if (!*keep)
        return KS_OK;
    /* A degenerate box or mesh (non-finite, collapsed) is no usable face,
     * not a failure of the frame. */
    mesh_affine aff;
    if (mesh_affine_from_box(f->crop_box, 0.0, MESH_SIZE, &aff) != KS_OK ||
        mesh_decode(mesh->data, mesh->count, &aff, f->landmarks, MESH_NUM_LANDMARKS) != KS_OK ||
        mesh_measure(f->landmarks, MESH_NUM_LANDMARKS, &f->measures) != KS_OK) {
        *keep = false;
        return KS_OK;
    }
    if (eng->iris == NULL)
        return KS_OK;
    /* The refined lids only change the eye contours and so the EAR: pose,
     * the 5 alignment points (mobileface) and the quality gates keep the
     * plain mesh's geometry their thresholds were calibrated on
     * (docs/FACE-MATCHING.md); the refined eye centres sit a few percent of
     * the inter-ocular distance away and cost mobileface genuine pairs. */
    memcpy(eng->mesh_raw, mesh->data, sizeof(eng->mesh_raw));
    float iris[FACE_IRIS_POINTS][3];
    bool refined = false;
    double t = now_ms();
    st = refine_eyes(eng, iris, &refined);
    eng->timing.iris_ms += now_ms() - t;
    if (st != KS_OK || !refined)
        return st;
    memcpy(eng->plain_mesh, f->landmarks, sizeof(eng->plain_mesh));
    mesh_measures m;
    if (mesh_decode(eng->mesh_raw, MESH_NUM_LANDMARKS * 3u, &aff, f->landmarks, MESH_NUM_LANDMARKS) != KS_OK ||
        mesh_eye_aspect_ratio(f->landmarks, MESH_NUM_LANDMARKS, &m.ear_right, &m.ear_left) != KS_OK) {
        memcpy(f->landmarks, eng->plain_mesh, sizeof(eng->plain_mesh)); /* keep the plain face */
        return KS_OK;
    }
    f->measures.ear_right = m.ear_right;
    f->measures.ear_left = m.ear_left;
    f->measures.ear_mean = 0.5f * (m.ear_right + m.ear_left);
    map_iris(&aff, iris, f);
    return KS_OK;
}

static ks_status embed_faceres(face_engine *eng, face_result *f)
{
    size_t n = (size_t)FACERES_SIZE * FACERES_SIZE * 3;
    resize_f_legacy(eng->crop01, MESH_SIZE, FACERES_SIZE, 255.0f, eng->input[M_FACERES]);
    nn_output outs[3];
    ks_status st = nn_run(eng->models[M_FACERES], eng->input[M_FACERES], n, outs, 3);
    if (st != KS_OK)
        return st;
    const nn_output *e = find_output(outs, 3, FACE_FACERES_DIM);
    if (e == NULL)
        return KS_ERR_UNSUPPORTED;
    memcpy(f->embedding, e->data, FACE_FACERES_DIM * sizeof(float));
    return KS_OK;
}

static ks_status embed_mobileface(face_engine *eng, const img_image *rgb, face_result *f)
{
    double src[5][2], m[2][3];
    for (size_t i = 0; i < 5; i++) {
        src[i][0] = f->measures.align[i][0];
        src[i][1] = f->measures.align[i][1];
    }
    /* Points too degenerate for a similarity leave the aligned embedding
     * zero (cosine 0 against anything) rather than failing the frame. */
    if (warp_similarity_from_points(src, warp_arcface_112, m) != KS_OK ||
        warp_to_floats(rgb, m, MOBILEFACE_SIZE, eng->input[M_MOBILEFACE]) != KS_OK)
        return KS_OK;
    ks_status st;
    nn_output out;
    st = nn_run(eng->models[M_MOBILEFACE], eng->input[M_MOBILEFACE],
                (size_t)MOBILEFACE_SIZE * MOBILEFACE_SIZE * 3, &out, 1);
    if (st != KS_OK)
        return st;
    if (out.count != FACE_MOBILEFACE_DIM)
        return KS_ERR_UNSUPPORTED;
    memcpy(f->embedding_aligned, out.data, FACE_MOBILEFACE_DIM * sizeof(float));
    return KS_OK;
}

/* The quality gates of one face; without a crop, blur and exposure are not
 * measured. The face count is left to the caller (face_match). */
static ks_status assess(face_engine *eng, face_result *f, const img_image *crop)
{
    fq_input in = {
        .face_count = 1,
        .inter_ocular_px = f->measures.inter_ocular_px,
        .yaw_deg = f->measures.pose.yaw_deg,
        .pitch_deg = f->measures.pose.pitch_deg,
        .roll_deg = f->measures.pose.roll_deg,
        .face_crop = crop,
    };
    f->antispoof = crop ? f->antispoof : NAN;
    f->liveness = crop ? f->liveness : NAN;
    return fq_assess(&eng->opts.quality, &in, &f->quality);
}

/* Antispoof and liveness hints, and the crop quality measured on the same
 * 128-px resize (blur thresholds are calibrated at that size). */
static ks_status passive(face_engine *eng, face_result *f)
{
    resize_f_legacy(eng->crop01, MESH_SIZE, ANTISPOOF_SIZE, 1.0f, eng->input[M_ANTISPOOF]);
    nn_output out;
    ks_status st = nn_run(eng->models[M_ANTISPOOF], eng->input[M_ANTISPOOF],
                          (size_t)ANTISPOOF_SIZE * ANTISPOOF_SIZE * 3, &out, 1);
    if (st != KS_OK)
        return st;
    f->antispoof = out.count >= 1 ? out.data[0] : NAN;
    resize_f_legacy(eng->crop01, MESH_SIZE, LIVENESS_SIZE, 1.0f, eng->input[M_LIVENESS]);
    st = nn_run(eng->models[M_LIVENESS], eng->input[M_LIVENESS],
                (size_t)LIVENESS_SIZE * LIVENESS_SIZE * 3, &out, 1);
    if (st != KS_OK)
        return st;
    f->liveness = out.count >= 1 ? out.data[0] : NAN;

    const float *a = eng->input[M_ANTISPOOF];
    for (uint32_t y = 0; y < ANTISPOOF_SIZE; y++) {
        uint8_t *row = img_row(&eng->quality_crop, y);
        for (uint32_t x = 0; x < ANTISPOOF_SIZE * 3; x++) {
            float v = a[(size_t)y * ANTISPOOF_SIZE * 3 + x] * 255.0f + 0.5f;
            row[x] = (uint8_t)(v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v);
        }
    }
    return assess(eng, f, &eng->quality_crop);
}

ks_status face_analyze(face_engine *eng, const img_image *rgb, face_result *faces, size_t cap,
                       size_t *n)
{
    if (n != NULL)
        *n = 0;
    if (eng == NULL || rgb == NULL || rgb->pixels == NULL || n == NULL || (faces == NULL && cap > 0) ||
        rgb->width == 0 || rgb->height == 0 || (rgb->channels != 1 && rgb->channels != 3))
        return KS_ERR_ARG;
    memset(&eng->timing, 0, sizeof(eng->timing));
    double t0 = now_ms();
    size_t n_det = 0;
    ks_status st = detect(eng, rgb, &n_det);
    double t1 = now_ms();
    eng->timing.detect_ms = t1 - t0;
    size_t written = 0;
    bool overflow = false;
    for (size_t i = 0; i < n_det && st == KS_OK; i++) {
        if (written == cap) {
            overflow = true;
            break;
        }
        face_result *f = &faces[written];
        memset(f, 0, sizeof(*f));
        const bf_detection *d = &eng->dets[i];
        f->score = d->score;
        f->anchor_index = d->anchor_index;
        memcpy(f->box_model, d->box_px, sizeof(f->box_model));
        f->box[0] = d->box_norm[0] * (float)rgb->width;
        f->box[1] = d->box_norm[1] * (float)rgb->height;
        f->box[2] = d->box_norm[2] * (float)rgb->width;
        f->box[3] = d->box_norm[3] * (float)rgb->height;
        if (bf_crop_box(d, rgb->width, rgb->height, eng->opts.enlarge, f->crop_box) != KS_OK)
            continue;
        double a = now_ms();
        const tf_source frame = {.img = rgb, .width = rgb->width, .height = rgb->height};
        crop_and_resize(&frame, f->crop_box, MESH_SIZE, 1.0f / 255.0f, eng->crop01);
        bool keep = false;
        st = landmarks(eng, f, &keep);
        double b = now_ms();
        eng->timing.mesh_ms += b - a; /* iris_ms is inside: subtracted below */
        if (st != KS_OK || !keep)
            continue;
        st = embed_faceres(eng, f);
        double c = now_ms();
        eng->timing.embed_ms += c - b;
        if (st == KS_OK)
            st = embed_mobileface(eng, rgb, f);
        double d2 = now_ms();
        eng->timing.align_embed_ms += d2 - c;
        if (st == KS_OK && !eng->opts.skip_passive)
            st = passive(eng, f);
        else if (st == KS_OK)
            st = assess(eng, f, NULL);
        eng->timing.passive_ms += now_ms() - d2;
        if (st == KS_OK)
            written++;
    }
    eng->timing.mesh_ms -= eng->timing.iris_ms;
    eng->timing.total_ms = now_ms() - t0;
    *n = written;
    if (st != KS_OK)
        return st;
    return overflow ? KS_ERR_TOO_LARGE : KS_OK;
}

void face_last_timing(const face_engine *eng, face_timing *out)
{
    if (eng != NULL && out != NULL)
        *out = eng->timing;
}

/* ---- matching ------------------------------------------------------------- */

float face_cosine(const float *a, const float *b, size_t n)
{
    double ab = 0.0, aa = 0.0, bb = 0.0;
    for (size_t i = 0; i < n; i++) {
        ab += (double)a[i] * b[i];
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
    }
    if (!(aa > 0.0 && bb > 0.0))
        return 0.0f;
    return (float)(ab / sqrt(aa * bb));
}

float face_threshold(face_embedder model)
{
    return model == FACE_EMBED_MOBILEFACE ? FACE_THRESHOLD_MOBILEFACE : FACE_THRESHOLD_FACERES;
}

const char *face_embedder_name(face_embedder model)
{
    return model == FACE_EMBED_MOBILEFACE ? "mobileface" : "faceres";
}

const char *face_match_reason_str(face_match_reason reason)
{
    switch (reason) {
    case FACE_MATCH_OK: return "ok";
    case FACE_MATCH_NO_FACE: return "no face found";
    case FACE_MATCH_MULTIPLE_FACES: return "more than one face";
    case FACE_MATCH_TOO_SMALL: return "face too small";
    case FACE_MATCH_POSE: return "face not frontal enough";
    }
    return "unknown";
}

face_match_reason face_usable(const face_result *face)
{
    if (face->quality.failed_mask & (1u << FQ_FACE_TOO_SMALL))
        return FACE_MATCH_TOO_SMALL;
    const mesh_pose *p = &face->measures.pose;
    if (!(fabsf(p->yaw_deg) <= FACE_MATCH_MAX_POSE_DEG && fabsf(p->pitch_deg) <= FACE_MATCH_MAX_POSE_DEG &&
          fabsf(p->roll_deg) <= FACE_MATCH_MAX_POSE_DEG))
        return FACE_MATCH_POSE;
    return FACE_MATCH_OK;
}

/* Analyses one side; on success copies its single face's embedding out. */
static ks_status match_side(face_engine *eng, const img_image *img, face_match_side *side, float *emb)
{
    size_t n = 0;
    ks_status st = face_analyze(eng, img, eng->match_faces, FACE_MAX_FACES, &n);
    if (st == KS_ERR_TOO_LARGE)
        st = KS_OK; /* more faces than we keep: certainly not exactly one */
    if (st != KS_OK)
        return st;
    side->faces = n;
    if (n == 0) {
        side->reason = FACE_MATCH_NO_FACE;
    } else if (n > 1) {
        side->reason = FACE_MATCH_MULTIPLE_FACES;
    } else {
        side->reason = face_usable(&eng->match_faces[0]);
        if (eng->opts.embedder == FACE_EMBED_MOBILEFACE)
            memcpy(emb, eng->match_faces[0].embedding_aligned, FACE_MOBILEFACE_DIM * sizeof(float));
        else
            memcpy(emb, eng->match_faces[0].embedding, FACE_FACERES_DIM * sizeof(float));
    }
    return KS_OK;
}

ks_status face_match(face_engine *eng, const img_image *portrait, const img_image *probe,
                     face_match_result *result)
{
    if (eng == NULL || portrait == NULL || probe == NULL || result == NULL)
        return KS_ERR_ARG;
    memset(result, 0, sizeof(*result));
    result->model = eng->opts.embedder;
    result->threshold = face_threshold(eng->opts.embedder);
    float a[FACE_FACERES_DIM], b[FACE_FACERES_DIM];
    ks_status st = match_side(eng, portrait, &result->portrait, a);
    if (st == KS_OK)
        st = match_side(eng, probe, &result->probe, b);
    if (st != KS_OK)
        return st;
    result->usable = result->portrait.reason == FACE_MATCH_OK && result->probe.reason == FACE_MATCH_OK;
    if (result->usable) {
        size_t dim = eng->opts.embedder == FACE_EMBED_MOBILEFACE ? FACE_MOBILEFACE_DIM : FACE_FACERES_DIM;
        result->score = face_cosine(a, b, dim);
        result->match = result->score >= result->threshold;
    }
    return KS_OK;
}
