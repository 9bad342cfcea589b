/*
 * kiosk-facesim — a simulated person in front of the kiosk camera: camera
 * frames made from one still photo in which the face blinks and turns.
 *
 *   kiosk-facesim --photo FACE.jpg --out DIR [--fps 10] [--cycles 3]
 *                 [--width 640 --height 480] [--models DIR] [--threads 1]
 *                 [--quality 90] [--turn 30] [--report FILE]
 *
 * DIR/f00001.jpg ...: about 1 s looking straight, then --cycles times the
 * gesture cycle of facemotion.h (blink, turn left and back, turn right and
 * back). Every frame of a cycle repeats exactly, and the sequence starts and
 * ends looking straight, so a reader that loops the directory sees no jump.
 * Stale f#####.jpg files beyond the ones written are removed, so that a
 * directory reused with fewer frames still loops cleanly. One line goes to
 * stdout: frames written, fps, cycle length.
 *
 * How: the face pipeline gives the photo's 468 facemesh landmarks (with
 * depth). The photo is scaled so that the face is about 40% of the frame
 * height and placed a little above the centre. The landmarks and a static
 * ring of points around the face are Delaunay-triangulated once; for every
 * frame the landmarks are moved (facemotion.h) and each triangle is warped
 * from the photo (meshwarp.h), far triangles first so the near side of a
 * turned face covers the far side. Outside the ring the frame is the still
 * photo. --report runs the pipeline again on the written frames of the lead-in
 * and the first cycle and writes one TSV line per frame (asked pose,
 * measured EAR and yaw, identity similarity to frame 1): the evidence that
 * the gestures are seen. Nothing personal is printed.
 *
 * Exit: 0 done, 2 usage, 3 no single face in the photo, 4 other errors.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <dirent.h>

#include "delaunay.h"
#include "face_pipeline.h"
#include "facemotion.h"
#include "image.h"
#include "meshwarp.h"

enum { FS_EXIT_USAGE = 2, FS_EXIT_NO_FACE = 3, FS_EXIT_ERROR = 4 };

#define FS_MAX_INPUT_BYTES ((size_t)64 * 1024 * 1024)
#define FS_MAX_SIDE 4096
#define FS_MAX_FRAMES 99999u
/* Face (forehead to chin) height as a fraction of the frame: a person at
 * arm's length from a kiosk camera. */
#define FS_FACE_FRACTION 0.40
#define FS_FACE_CENTRE_Y 0.45
/* The static ring around the face, in multiples of the landmark box's half
 * sizes: outside every landmark (the box corners are inside the ellipse), so
 * the hair and ears between face and ring stretch while the rest stays put. */
#define FS_RING_POINTS 28
#define FS_RING_X 1.55
#define FS_RING_Y 1.45
/* Landmarks closer than this (frame pixels) to one already kept are not
 * mesh vertices: they would only make slivers. */
#define FS_MIN_VERTEX_SPACING 1.0
/* Limits of the warp: making a turned photo look straight, and a turn on top
 * of that. Beyond these the stretched cheek no longer looks like a face. */
#define FS_MAX_WARP_DEG 35.0
#define FS_MAX_TURN_DEG 50.0
#define FS_CALIBRATION_STEPS 4
/* How far above the upper-lid landmarks (in eye openings) a closing lid
 * takes its texture from. */
#define FS_LID_LIFT 0.3

struct fs_opts {
    const char *photo, *out, *models, *report;
    double fps;
    long cycles, width, height, threads, quality;
    double turn_deg;
};

/* The mesh: landmark vertices first (lm_index[i] says which landmark), then
 * the ring. */
struct fs_mesh {
    size_t n, n_lm;
    uint16_t lm_index[MESH_NUM_LANDMARKS];
    double src0[MESH_NUM_LANDMARKS + FS_RING_POINTS][2]; /* in the scaled photo */
    double src[MESH_NUM_LANDMARKS + FS_RING_POINTS][2];  /* the same, this frame */
    double dst[MESH_NUM_LANDMARKS + FS_RING_POINTS][2]; /* in the frame, this frame */
    double neutral[MESH_NUM_LANDMARKS + FS_RING_POINTS][2];
    delaunay_tri tri[2 * (MESH_NUM_LANDMARKS + FS_RING_POINTS + 3)];
    size_t ntri;
    size_t order[2 * (MESH_NUM_LANDMARKS + FS_RING_POINTS + 3)];
    struct fs_key {
        double depth;
        size_t tri;
    } keys[2 * (MESH_NUM_LANDMARKS + FS_RING_POINTS + 3)];
};

struct fs_scene {
    img_image scaled;         /* the photo at frame scale */
    double off[2];            /* frame = scaled + off */
    img_image background;     /* the still frame */
    mesh_point neutral[MESH_NUM_LANDMARKS]; /* frame pixels */
    mesh_point moved[MESH_NUM_LANDMARKS];   /* this frame's pose */
    struct fs_mesh mesh;
    double base_yaw;          /* the warp that makes the photo look straight */
    float left_deg, right_deg; /* turn amplitudes on top of base_yaw */
    float straight_yaw, turn_yaw[2]; /* what the pipeline measured on them */
};

static void usage(FILE *f)
{
    fputs("usage: kiosk-facesim --photo FACE.jpg --out DIR [--fps 10] [--cycles 3]\n"
          "                     [--width 640 --height 480] [--models DIR] [--threads 1]\n"
          "                     [--quality 90] [--turn 30] [--report FILE]\n"
          "exit: 0 done, 2 usage, 3 no single face in the photo, 4 error\n",
          f);
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv, struct fs_opts *o)
{
    *o = (struct fs_opts){ .fps = 10.0, .cycles = 3, .width = 640, .height = 480, .threads = 1,
                           .quality = 90, .turn_deg = 30.0 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "kiosk-facesim: %s needs a value\n", a);
            return -1;
        }
        const char *v = argv[++i];
        bool ok = true;
        if (strcmp(a, "--photo") == 0)
            o->photo = v;
        else if (strcmp(a, "--out") == 0)
            o->out = v;
        else if (strcmp(a, "--models") == 0)
            o->models = v;
        else if (strcmp(a, "--report") == 0)
            o->report = v;
        else if (strcmp(a, "--fps") == 0)
            ok = parse_double(v, FACEMOTION_MIN_FPS, FACEMOTION_MAX_FPS, &o->fps);
        else if (strcmp(a, "--cycles") == 0)
            ok = parse_long(v, 1, 1000, &o->cycles);
        else if (strcmp(a, "--width") == 0)
            ok = parse_long(v, 64, FS_MAX_SIDE, &o->width);
        else if (strcmp(a, "--height") == 0)
            ok = parse_long(v, 64, FS_MAX_SIDE, &o->height);
        else if (strcmp(a, "--threads") == 0)
            ok = parse_long(v, 1, 64, &o->threads);
        else if (strcmp(a, "--quality") == 0)
            ok = parse_long(v, 1, 100, &o->quality);
        else if (strcmp(a, "--turn") == 0)
            ok = parse_double(v, 5.0, 45.0, &o->turn_deg);
        else {
            fprintf(stderr, "kiosk-facesim: unknown option %s\n", a);
            return -1;
        }
        if (!ok) {
            fprintf(stderr, "kiosk-facesim: bad value for %s\n", a);
            return -1;
        }
    }
    if (o->photo == NULL || o->out == NULL) {
        usage(stderr);
        return -1;
    }
    return 0;
}

static ks_status read_file(const char *path, uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT ? KS_ERR_NOT_FOUND : KS_ERR_IO;
    struct stat sb;
    ks_status st = KS_OK;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode))
        st = KS_ERR_IO;
    else if (sb.st_size <= 0)
        st = KS_ERR_TRUNCATED;
    else if ((uint64_t)sb.st_size > FS_MAX_INPUT_BYTES)
        st = KS_ERR_TOO_LARGE;
    if (st == KS_OK) {
        *len = (size_t)sb.st_size;
        *data = malloc(*len);
        if (*data == NULL)
            st = KS_ERR_NO_MEMORY;
        else if (fread(*data, 1, *len, f) != *len)
            st = KS_ERR_TRUNCATED;
    }
    fclose(f);
    if (st != KS_OK) {
        free(*data);
        *data = NULL;
        *len = 0;
    }
    return st;
}

/* Through a temporary name that is not *.jpg, so a reader looping over the
 * directory never sees a half-written frame. */
static ks_status write_file(const char *path, const uint8_t *data, size_t len)
{
    char tmp[4200];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
        return KS_ERR_TOO_LARGE;
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        return KS_ERR_IO;
    ks_status st = fwrite(data, 1, len, f) == len ? KS_OK : KS_ERR_IO;
    if (fclose(f) != 0)
        st = KS_ERR_IO;
    if (st == KS_OK && rename(tmp, path) != 0)
        st = KS_ERR_IO;
    if (st != KS_OK)
        remove(tmp);
    return st;
}

static ks_status frame_path(const char *dir, unsigned long k, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s/f%05lu.jpg", dir, k);
    return n > 0 && (size_t)n < cap ? KS_OK : KS_ERR_TOO_LARGE;
}

/* Removes f#####.jpg files numbered above `count` left by an earlier run. */
static void remove_stale_frames(const char *dir, unsigned long count)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *s = e->d_name;
        if (strlen(s) != 10 || s[0] != 'f' || strcmp(s + 6, ".jpg") != 0)
            continue;
        unsigned long k = 0;
        bool digits = true;
        for (int i = 1; i < 6; i++) {
            digits = digits && s[i] >= '0' && s[i] <= '9';
            k = k * 10 + (unsigned long)(s[i] - '0');
        }
        char path[4200];
        if (digits && k > count && frame_path(dir, k, path, sizeof(path)) == KS_OK)
            remove(path);
    }
    closedir(d);
}

/* Scales the photo so the face fills FS_FACE_FRACTION of the frame height,
 * and records where the landmarks land in the frame. */
static ks_status place_face(const img_image *photo, const face_result *face, long width, long height,
                            struct fs_scene *sc)
{
    const float *box = face->measures.box;
    double face_h = (double)box[3] - box[1];
    if (!(face_h > 4.0))
        return KS_ERR_ARG;
    double s = FS_FACE_FRACTION * (double)height / face_h;
    double sw = floor(photo->width * s + 0.5), sh = floor(photo->height * s + 0.5);
    if (!(sw >= 1.0 && sh >= 1.0 && sw <= FS_MAX_SIDE * 4.0 && sh <= FS_MAX_SIDE * 4.0 &&
          sw * sh <= (double)IMG_MAX_PIXELS))
        return KS_ERR_TOO_LARGE;
    ks_status st = img_resize(photo, (uint32_t)sw, (uint32_t)sh, &sc->scaled);
    if (st != KS_OK)
        return st;
    /* img_resize aligns pixel centres: x' = (x + 0.5) * sx - 0.5. */
    double sx = sw / photo->width, sy = sh / photo->height, sz = 0.5 * (sx + sy);
    double cx = ((double)box[0] + box[2]) * 0.5, cy = ((double)box[1] + box[3]) * 0.5;
    sc->off[0] = 0.5 * (double)width - ((cx + 0.5) * sx - 0.5);
    sc->off[1] = FS_FACE_CENTRE_Y * (double)height - ((cy + 0.5) * sy - 0.5);
    for (size_t i = 0; i < MESH_NUM_LANDMARKS; i++) {
        const mesh_point *p = &face->landmarks[i];
        sc->neutral[i].x = (float)((p->x + 0.5) * sx - 0.5 + sc->off[0]);
        sc->neutral[i].y = (float)((p->y + 0.5) * sy - 0.5 + sc->off[1]);
        sc->neutral[i].z = (float)(p->z * sz);
    }
    /* The still frame: the scaled photo shifted into place (two triangles). */
    st = img_alloc(&sc->background, (uint32_t)width, (uint32_t)height, sc->scaled.channels);
    if (st != KS_OK)
        return st;
    double w = (double)width, h = (double)height;
    double dst[4][2] = { { -1, -1 }, { w, -1 }, { w, h }, { -1, h } }, src[4][2];
    for (int k = 0; k < 4; k++) {
        src[k][0] = dst[k][0] - sc->off[0];
        src[k][1] = dst[k][1] - sc->off[1];
    }
    const delaunay_tri quad[2] = { { { 0, 1, 2 } }, { { 0, 2, 3 } } };
    return meshwarp_render(&sc->scaled, (const double(*)[2])src, (const double(*)[2])dst, 4, quad, NULL,
                           2, &sc->background);
}

static ks_status build_mesh(struct fs_scene *sc)
{
    struct fs_mesh *m = &sc->mesh;
    m->n = 0;
    float box[4] = { sc->neutral[0].x, sc->neutral[0].y, sc->neutral[0].x, sc->neutral[0].y };
    for (size_t i = 0; i < MESH_NUM_LANDMARKS; i++) {
        const mesh_point *p = &sc->neutral[i];
        box[0] = fminf(box[0], p->x);
        box[1] = fminf(box[1], p->y);
        box[2] = fmaxf(box[2], p->x);
        box[3] = fmaxf(box[3], p->y);
        bool crowded = false;
        for (size_t k = 0; k < m->n && !crowded; k++)
            crowded = hypot(p->x - m->neutral[k][0], p->y - m->neutral[k][1]) < FS_MIN_VERTEX_SPACING;
        if (crowded)
            continue;
        m->lm_index[m->n] = (uint16_t)i;
        m->neutral[m->n][0] = p->x;
        m->neutral[m->n][1] = p->y;
        m->n++;
    }
    m->n_lm = m->n;
    double cx = 0.5 * ((double)box[0] + box[2]), cy = 0.5 * ((double)box[1] + box[3]);
    double rx = 0.5 * ((double)box[2] - box[0]) * FS_RING_X, ry = 0.5 * ((double)box[3] - box[1]) * FS_RING_Y;
    for (int k = 0; k < FS_RING_POINTS; k++) {
        double a = 2.0 * 3.14159265358979323846 * (k + 0.5) / FS_RING_POINTS;
        m->neutral[m->n][0] = cx + rx * cos(a);
        m->neutral[m->n][1] = cy + ry * sin(a);
        m->n++;
    }
    for (size_t i = 0; i < m->n; i++) {
        m->src0[i][0] = m->neutral[i][0] - sc->off[0];
        m->src0[i][1] = m->neutral[i][1] - sc->off[1];
    }
    return delaunay_triangulate((const double(*)[2])m->neutral, m->n, m->tri,
                                sizeof(m->tri) / sizeof(m->tri[0]), &m->ntri);
}

/* Far first; equal depths keep mesh order so the result does not depend on
 * qsort's instability. */
static int by_depth_far_first(const void *a, const void *b)
{
    const struct fs_key *ka = a, *kb = b;
    if (ka->depth != kb->depth)
        return ka->depth > kb->depth ? -1 : 1;
    return ka->tri < kb->tri ? -1 : ka->tri > kb->tri;
}

/* The upper-lid landmarks sit a little below the visible lid margin, so a
 * lid lowered from them would drag a band of eye white and iris down with
 * it. While the eye closes their texture is taken from higher up instead,
 * so what comes down is lid skin and the real lash line. */
static void lift_lid_sources(struct fs_scene *sc, float closure)
{
    double lift = closure * FS_LID_LIFT;
    struct fs_mesh *m = &sc->mesh;
    for (size_t eye = 0; eye < 2; eye++) {
        uint16_t up[9], lo[9];
        if (facemotion_lid_contours(eye, up, lo) != KS_OK)
            return;
        for (size_t i = 0; i < m->n_lm; i++) {
            for (size_t k = 1; k < 8; k++) {
                if (m->lm_index[i] != up[k])
                    continue;
                m->src[i][0] += lift * ((double)sc->neutral[up[k]].x - sc->neutral[lo[k]].x);
                m->src[i][1] += lift * ((double)sc->neutral[up[k]].y - sc->neutral[lo[k]].y);
            }
        }
    }
}

/* Moves the mesh to a pose and orders its triangles far to near; triangles
 * touching the static ring are background and go first. */
static ks_status pose_mesh(struct fs_scene *sc, facemotion_pose pose)
{
    mesh_point *moved = sc->moved;
    ks_status st = facemotion_apply(sc->neutral, MESH_NUM_LANDMARKS, pose, moved);
    if (st != KS_OK)
        return st;
    struct fs_mesh *m = &sc->mesh;
    memcpy(m->src, m->src0, sizeof(m->src));
    if (pose.closure > 0.0f)
        lift_lid_sources(sc, pose.closure);
    for (size_t i = 0; i < m->n; i++) {
        if (i < m->n_lm) {
            m->dst[i][0] = moved[m->lm_index[i]].x;
            m->dst[i][1] = moved[m->lm_index[i]].y;
        } else {
            m->dst[i][0] = m->neutral[i][0];
            m->dst[i][1] = m->neutral[i][1];
        }
    }
    for (size_t t = 0; t < m->ntri; t++) {
        const uint32_t *v = m->tri[t].v;
        m->keys[t].tri = t;
        if (v[0] >= m->n_lm || v[1] >= m->n_lm || v[2] >= m->n_lm) {
            m->keys[t].depth = INFINITY;
            continue;
        }
        m->keys[t].depth = ((double)moved[m->lm_index[v[0]]].z + moved[m->lm_index[v[1]]].z +
                            moved[m->lm_index[v[2]]].z) / 3.0;
    }
    qsort(m->keys, m->ntri, sizeof(m->keys[0]), by_depth_far_first);
    for (size_t t = 0; t < m->ntri; t++)
        m->order[t] = m->keys[t].tri;
    return KS_OK;
}

/* Linear interpolation of the y of a corner-to-corner lid polyline at
 * column x; false when x is outside it. */
static bool lid_y_at(const mesh_point *lm, const uint16_t idx[9], double x, double *y)
{
    for (size_t k = 0; k + 1 < 9; k++) {
        const mesh_point *a = &lm[idx[k]], *b = &lm[idx[k + 1]];
        double lo = fmin(a->x, b->x), hi = fmax(a->x, b->x);
        if (x < lo || x > hi)
            continue;
        double t = hi > lo ? (x - a->x) / ((double)b->x - a->x) : 0.0;
        *y = a->y + t * ((double)b->y - a->y);
        return true;
    }
    return false;
}

/* Mean of channel c over a 3-pixel horizontal run (less JPEG noise). */
static double skin_at(const img_image *img, double x, double y, uint32_t c)
{
    return (meshwarp_sample(img, x - 1.0, y, c) + meshwarp_sample(img, x, y, c) +
            meshwarp_sample(img, x + 1.0, y, c)) / 3.0;
}

/* Facemesh's lid contour lies inside the visible lid margins, and facemesh
 * keeps reading a lowered lid with any iris or lash shadow left as a half
 * open eye. The eye opening (as it is with open eyes, widened upwards) is
 * therefore repainted by `closure` with skin: per column a blend from the
 * lid skin above to the skin below. A drawn lash line was tried and made
 * facemesh see the eye as more open, not less. */
static void paint_closed_eye(img_image *frame, const mesh_point *open, size_t eye, double closure)
{
    uint16_t up[9], lo[9];
    if (facemotion_lid_contours(eye, up, lo) != KS_OK)
        return;
    double x0 = fmin(open[up[0]].x, open[up[8]].x), x1 = fmax(open[up[0]].x, open[up[8]].x);
    double width = x1 - x0, max_gap = 0.0;
    for (size_t k = 1; k < 8; k++)
        max_gap = fmax(max_gap, (double)open[lo[k]].y - open[up[k]].y);
    if (!(width > 2.0 && max_gap > 0.0))
        return;
    /* Generous above (the upper lash line and lid margin lie above the
     * contour) and a few pixels below (the lower lashes). */
    double margin = 0.8 * max_gap + 1.0, below = 4.0;
    for (double x = ceil(x0); x <= x1; x += 1.0) {
        double yu, yl;
        if (x < 0.0 || x >= frame->width || !lid_y_at(open, up, x, &yu) || !lid_y_at(open, lo, x, &yl))
            continue;
        double top = yu - margin, bot = yl + below;
        double feather = fmin(1.0, fmin(x - x0, x1 - x) / (0.12 * width));
        double w = closure * feather;
        double ctop[3], cbot[3];
        for (uint32_t c = 0; c < frame->channels; c++) {
            ctop[c] = skin_at(frame, x, top - 1.0, c);
            cbot[c] = skin_at(frame, x, bot + 1.0, c);
        }
        for (double y = ceil(top); y <= bot; y += 1.0) {
            if (y < 0.0 || y >= frame->height)
                continue;
            double t = (y - top) / (bot - top);
            uint8_t *px = img_row(frame, (uint32_t)y) + (size_t)x * frame->channels;
            for (uint32_t c = 0; c < frame->channels; c++) {
                double fill = ctop[c] + t * (cbot[c] - ctop[c]);
                double v = px[c] + w * (fill - px[c]);
                px[c] = (uint8_t)fmin(255.0, fmax(0.0, floor(v + 0.5)));
            }
        }
    }
}

/* The frame for a pose (pose.yaw_deg relative to looking straight). */
static ks_status render_image(struct fs_scene *sc, facemotion_pose pose, img_image *frame)
{
    pose.yaw_deg = (float)(pose.yaw_deg + sc->base_yaw);
    ks_status st = pose_mesh(sc, pose);
    if (st != KS_OK)
        return st;
    st = img_alloc(frame, sc->background.width, sc->background.height, sc->background.channels);
    if (st != KS_OK)
        return st;
    for (uint32_t y = 0; y < frame->height; y++)
        memcpy(img_row(frame, y), img_row(&sc->background, y), (size_t)frame->width * frame->channels);
    const struct fs_mesh *m = &sc->mesh;
    st = meshwarp_render(&sc->scaled, (const double(*)[2])m->src, (const double(*)[2])m->dst, m->n, m->tri,
                         m->order, m->ntri, frame);
    if (st == KS_OK && pose.closure > 0.0f) {
        facemotion_pose open = { pose.yaw_deg, 0.0f };
        st = facemotion_apply(sc->neutral, MESH_NUM_LANDMARKS, open, sc->moved);
        for (size_t eye = 0; eye < 2 && st == KS_OK; eye++)
            paint_closed_eye(frame, sc->moved, eye, pose.closure);
    }
    if (st != KS_OK)
        img_free(frame);
    return st;
}

static ks_status render_frame(struct fs_scene *sc, facemotion_pose pose, int quality, uint8_t **jpeg,
                              size_t *len)
{
    img_image frame = { 0 };
    ks_status st = render_image(sc, pose, &frame);
    if (st == KS_OK)
        st = img_jpeg_encode(&frame, quality, jpeg, len);
    img_free(&frame);
    return st;
}

/* What the pipeline measures on the frame of a pose; KS_ERR_NOT_FOUND when
 * it does not see exactly one face. */
static ks_status measure_pose(struct fs_scene *sc, face_engine *eng, face_result *faces, facemotion_pose pose,
                              float *yaw)
{
    img_image frame = { 0 };
    size_t n = 0;
    ks_status st = render_image(sc, pose, &frame);
    if (st == KS_OK)
        st = face_analyze(eng, &frame, faces, FACE_MAX_FACES, &n);
    img_free(&frame);
    if (st == KS_ERR_TOO_LARGE || (st == KS_OK && n != 1))
        return KS_ERR_NOT_FOUND;
    if (st == KS_OK)
        *yaw = faces[0].measures.pose.yaw_deg;
    return st;
}

/* Facemesh does not read a warped turn one for one (a photo turned 25
 * degrees is warped back "straight" only by about 28, and a turn away from
 * the photo's own side reads smaller than it is), so the straight pose and
 * both turn amplitudes are found by measuring: a few fixed-point steps, each
 * one render and one analysis. */
static ks_status calibrate(struct fs_scene *sc, face_engine *eng, face_result *faces, float photo_yaw,
                           double turn)
{
    float yaw = 0.0f;
    ks_status st = KS_OK;
    sc->base_yaw = fmax(-FS_MAX_WARP_DEG, fmin(FS_MAX_WARP_DEG, -(double)photo_yaw));
    for (int i = 0; i < FS_CALIBRATION_STEPS; i++) {
        st = measure_pose(sc, eng, faces, (facemotion_pose){ 0.0f, 0.0f }, &yaw);
        if (st != KS_OK)
            return st;
        sc->straight_yaw = yaw;
        if (fabsf(yaw) < 1.0f)
            break;
        sc->base_yaw = fmax(-FS_MAX_WARP_DEG, fmin(FS_MAX_WARP_DEG, sc->base_yaw - yaw));
    }
    double amp[2] = { turn, turn };
    for (int side = 0; side < 2; side++) {
        double sign = side == 0 ? 1.0 : -1.0;
        for (int i = 0; i < FS_CALIBRATION_STEPS; i++) {
            st = measure_pose(sc, eng, faces, (facemotion_pose){ (float)(sign * amp[side]), 0.0f }, &yaw);
            if (st != KS_OK)
                return st;
            sc->turn_yaw[side] = yaw;
            double miss = turn - sign * (double)yaw;
            if (fabs(miss) < 1.5)
                break;
            amp[side] = fmax(0.5 * turn, fmin(FS_MAX_TURN_DEG, amp[side] + miss));
        }
    }
    sc->left_deg = (float)amp[0];
    sc->right_deg = (float)amp[1];
    return KS_OK;
}

/* refine_eyes: false for the engine the motion is built on, true for the
 * one that measures the frames as the kiosk will. */
static ks_status open_engine(const struct fs_opts *o, bool refine_eyes, face_engine **eng)
{
    char dir[4096], err[256] = "";
    const char *models = o->models;
    if (models == NULL) {
        if (face_models_dir_default(dir, sizeof(dir)) != KS_OK)
            return KS_ERR_NOT_FOUND;
        models = dir;
    }
    face_engine_opts eo;
    face_engine_opts_default(&eo);
    eo.threads = (unsigned)o->threads;
    /* The motion is built on facemesh's own eyelid points: its lid lift and
     * repaint were tuned on them. The iris stage's refined lids (what the
     * kiosk's liveness check reads) measure the frames in the report. */
    eo.refine_eyes = refine_eyes;
    ks_status st = face_engine_open(models, &eo, eng, err, sizeof(err));
    if (st != KS_OK)
        fprintf(stderr, "kiosk-facesim: cannot load the face models from %s: %s (run tools/fetch-models)\n",
                models, err[0] ? err : ks_status_str(st));
    return st;
}

/* The one face of the photo; exit code FS_EXIT_NO_FACE otherwise. */
static int find_face(face_engine *eng, const img_image *photo, face_result *faces)
{
    size_t n = 0;
    ks_status st = face_analyze(eng, photo, faces, FACE_MAX_FACES, &n);
    if (st != KS_OK && st != KS_ERR_TOO_LARGE) {
        fprintf(stderr, "kiosk-facesim: face analysis failed: %s\n", ks_status_str(st));
        return FS_EXIT_ERROR;
    }
    if (n != 1) {
        fprintf(stderr, "kiosk-facesim: the photo shows %zu faces; give a photo of exactly one "
                        "(crop it with kiosk-portrait --box)\n", n);
        return FS_EXIT_NO_FACE;
    }
    return 0;
}

/* One TSV line per frame of the lead-in and the first cycle, measured on the
 * JPEG as written. */
static ks_status write_report(const struct fs_opts *o, const struct fs_scene *sc, face_engine *eng,
                              const facemotion_plan *plan, uint8_t *const *jpeg, const size_t *len,
                              face_result *faces)
{
    FILE *f = fopen(o->report, "w");
    if (f == NULL)
        return KS_ERR_IO;
    fprintf(f, "# straight = warp %.1f deg (measured yaw %.1f); left turn %+.1f deg (measured %.1f); "
               "right turn %+.1f deg (measured %.1f)\n",
            sc->base_yaw, (double)sc->straight_yaw, (double)sc->left_deg, (double)sc->turn_yaw[0],
            -(double)sc->right_deg, (double)sc->turn_yaw[1]);
    fprintf(f, "frame\tt_ms\tpose_yaw\tclosure\tfaces\tear\tyaw\tidentity\n");
    float *first = calloc(FACE_FACERES_DIM, sizeof(*first));
    if (first == NULL) {
        fclose(f);
        return KS_ERR_NO_MEMORY;
    }
    bool have_first = false;
    ks_status st = KS_OK;
    size_t total = plan->lead_frames + plan->cycle_frames;
    for (size_t k = 0; k < total && st == KS_OK; k++) {
        facemotion_pose pose = k < plan->lead_frames ? (facemotion_pose){ 0.0f, 0.0f }
                                                     : facemotion_at(plan, k - plan->lead_frames);
        img_image img = { 0 };
        size_t n = 0;
        st = img_jpeg_decode(jpeg[k], len[k], 0, &img);
        if (st == KS_OK)
            st = face_analyze(eng, &img, faces, FACE_MAX_FACES, &n);
        img_free(&img);
        if (st == KS_ERR_TOO_LARGE)
            st = KS_OK;
        if (st != KS_OK)
            break;
        fprintf(f, "%zu\t%.0f\t%.1f\t%.2f\t%zu", k + 1, (double)k * 1000.0 / plan->fps, (double)pose.yaw_deg,
                (double)pose.closure, n);
        if (n == 1) {
            if (!have_first) {
                memcpy(first, faces[0].embedding, FACE_FACERES_DIM * sizeof(*first));
                have_first = true;
            }
            fprintf(f, "\t%.4f\t%.2f\t%.4f\n", (double)faces[0].measures.ear_mean,
                    (double)faces[0].measures.pose.yaw_deg,
                    (double)face_cosine(first, faces[0].embedding, FACE_FACERES_DIM));
        } else {
            fprintf(f, "\tnan\tnan\tnan\n");
        }
    }
    free(first);
    if (fclose(f) != 0 && st == KS_OK)
        st = KS_ERR_IO;
    return st;
}

static ks_status write_frames(const struct fs_opts *o, const facemotion_plan *plan, uint8_t *const *jpeg,
                              const size_t *len, unsigned long *written)
{
    if (mkdir(o->out, 0755) != 0 && errno != EEXIST)
        return KS_ERR_IO;
    unsigned long total = plan->lead_frames + (unsigned long)o->cycles * plan->cycle_frames;
    if (total > FS_MAX_FRAMES)
        return KS_ERR_TOO_LARGE;
    char path[4200];
    for (unsigned long k = 0; k < total; k++) {
        size_t src = k < plan->lead_frames ? k : plan->lead_frames + (k - plan->lead_frames) % plan->cycle_frames;
        ks_status st = frame_path(o->out, k + 1, path, sizeof(path));
        if (st == KS_OK)
            st = write_file(path, jpeg[src], len[src]);
        if (st != KS_OK)
            return st;
    }
    remove_stale_frames(o->out, total);
    *written = total;
    return KS_OK;
}

static int run(const struct fs_opts *o, struct fs_scene *sc, face_result *faces)
{
    facemotion_plan plan;
    if (facemotion_plan_make(o->fps, (float)o->turn_deg, (float)o->turn_deg, &plan) != KS_OK)
        return FS_EXIT_USAGE;
    if (plan.lead_frames + (unsigned long)o->cycles * plan.cycle_frames > FS_MAX_FRAMES) {
        fprintf(stderr, "kiosk-facesim: more than %u frames; lower --cycles or --fps\n", FS_MAX_FRAMES);
        return FS_EXIT_USAGE;
    }
    uint8_t *data = NULL;
    size_t data_len = 0;
    img_image photo = { 0 };
    ks_status st = read_file(o->photo, &data, &data_len);
    if (st == KS_OK)
        st = img_jpeg_decode(data, data_len, 0, &photo);
    free(data);
    if (st != KS_OK) {
        fprintf(stderr, "kiosk-facesim: cannot read the photo: %s\n", ks_status_str(st));
        return FS_EXIT_ERROR;
    }
    face_engine *eng = NULL;
    int rc = open_engine(o, false, &eng) == KS_OK ? find_face(eng, &photo, faces) : FS_EXIT_ERROR;
    if (rc == 0) {
        float photo_yaw = faces[0].measures.pose.yaw_deg;
        st = place_face(&photo, &faces[0], o->width, o->height, sc);
        if (st == KS_OK)
            st = build_mesh(sc);
        if (st != KS_OK) {
            fprintf(stderr, "kiosk-facesim: cannot place the face in the frame: %s\n", ks_status_str(st));
            rc = FS_EXIT_ERROR;
        } else if ((st = calibrate(sc, eng, faces, photo_yaw, o->turn_deg)) != KS_OK) {
            fprintf(stderr, "kiosk-facesim: the warped face is not seen as one face (%s); try a more "
                            "frontal photo\n", ks_status_str(st));
            rc = st == KS_ERR_NOT_FOUND ? FS_EXIT_NO_FACE : FS_EXIT_ERROR;
        } else if (facemotion_plan_make(o->fps, sc->left_deg, sc->right_deg, &plan) != KS_OK) {
            rc = FS_EXIT_ERROR;
        }
    }
    img_free(&photo);
    size_t distinct = plan.lead_frames + plan.cycle_frames;
    uint8_t **jpeg = calloc(distinct, sizeof(*jpeg));
    size_t *len = calloc(distinct, sizeof(*len));
    if (rc == 0 && (jpeg == NULL || len == NULL))
        rc = FS_EXIT_ERROR;
    /* Only the lead-in and one cycle are distinct frames; the rest repeat. */
    for (size_t k = 0; rc == 0 && k < distinct; k++) {
        facemotion_pose pose = k < plan.lead_frames ? (facemotion_pose){ 0.0f, 0.0f }
                                                    : facemotion_at(&plan, k - plan.lead_frames);
        st = render_frame(sc, pose, (int)o->quality, &jpeg[k], &len[k]);
        if (st != KS_OK) {
            fprintf(stderr, "kiosk-facesim: frame %zu: %s\n", k + 1, ks_status_str(st));
            rc = FS_EXIT_ERROR;
        }
    }
    unsigned long written = 0;
    if (rc == 0 && (st = write_frames(o, &plan, jpeg, len, &written)) != KS_OK) {
        fprintf(stderr, "kiosk-facesim: cannot write the frames to %s: %s\n", o->out, ks_status_str(st));
        rc = FS_EXIT_ERROR;
    }
    if (rc == 0 && o->report != NULL) {
        face_engine *kiosk_eng = NULL;
        st = open_engine(o, true, &kiosk_eng);
        if (st == KS_OK)
            st = write_report(o, sc, kiosk_eng, &plan, jpeg, len, faces);
        face_engine_close(kiosk_eng);
        if (st != KS_OK) {
            fprintf(stderr, "kiosk-facesim: report: %s\n", ks_status_str(st));
            rc = FS_EXIT_ERROR;
        }
    }
    if (rc == 0)
        printf("kiosk-facesim: %lu frames, %g fps, cycle %.0f ms (lead-in %u frames, cycle %u frames)\n",
               written, plan.fps, facemotion_cycle_ms(&plan), plan.lead_frames, plan.cycle_frames);
    for (size_t k = 0; jpeg != NULL && k < distinct; k++)
        free(jpeg[k]);
    free(jpeg);
    free(len);
    face_engine_close(eng);
    return rc;
}

int main(int argc, char **argv)
{
    struct fs_opts o;
    if (parse_args(argc, argv, &o) != 0)
        return FS_EXIT_USAGE;
    struct fs_scene *sc = calloc(1, sizeof(*sc));
    face_result *faces = calloc(FACE_MAX_FACES, sizeof(*faces));
    int rc = FS_EXIT_ERROR;
    if (sc != NULL && faces != NULL)
        rc = run(&o, sc, faces);
    if (sc != NULL) {
        img_free(&sc->scaled);
        img_free(&sc->background);
    }
    free(sc);
    free(faces);
    return rc;
}
