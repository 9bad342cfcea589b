/* kioskctl face-match / liveness — the face pipeline from the command line.
 *
 *   kioskctl face-match --portrait A.jpg|A.jp2 --probe B.jpg
 *                       [--model faceres|mobileface] [--models DIR] [--threads N] [--json]
 *     exit 0 match, 1 no match, 2 usage, 3 no usable face (reason on
 *     stderr), 4 models or files unreadable.
 *   kioskctl liveness --frames DIR|FILE.mjpeg [--fps N] [--seed N]
 *                     [--models DIR] [--threads N] [--json]
 *   --threads: workers per model, default 2; 1 is far faster on a machine
 *   whose CPUs are all busy (docs/PERFORMANCE.md, "Face pipeline").
 *     exit 0 passed, 1 failed (or the frames ended first), 2 usage, 4 error.
 *   kioskctl face-analyze IMAGE... [--repeat N] [--threads N] [--models DIR]
 *                         [--json]
 *     every face with its box, pose, quality and passive scores, and the
 *     per-stage median latency over N runs (what tools/bench/face reads).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "camera.h"
#include "face_liveness.h"
#include "face_pipeline.h"
#include "jp2.h"
#include "kioskctl.h"
#include "liveness.h"

enum { FACE_EXIT_NO_FACE = 3, FACE_EXIT_ERROR = 4 };

/* A chip portrait or camera still; larger files are not photos we accept. */
#define FACE_MAX_FILE_BYTES ((size_t)64 * 1024 * 1024)

static ks_status read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT ? KS_ERR_NOT_FOUND : KS_ERR_IO;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return KS_ERR_IO;
    }
    if (st.st_size <= 0 || (uint64_t)st.st_size > FACE_MAX_FILE_BYTES) {
        fclose(f);
        return st.st_size <= 0 ? KS_ERR_TRUNCATED : KS_ERR_TOO_LARGE;
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n);
    if (buf == NULL) {
        fclose(f);
        return KS_ERR_NO_MEMORY;
    }
    size_t got = fread(buf, 1, n, f);
    fclose(f);
    if (got != n) {
        free(buf);
        return KS_ERR_IO;
    }
    *out = buf;
    *len = n;
    return KS_OK;
}

/* JPEG or JPEG 2000 (JP2 file or J2K codestream), by signature. */
static ks_status load_image(const char *path, img_image *out)
{
    uint8_t *data = NULL;
    size_t len = 0;
    ks_status st = read_file(path, &data, &len);
    if (st != KS_OK)
        return st;
    if (jp2_detect(data, len) != JP2_FORMAT_NONE)
        st = jp2_decode(data, len, 0, out);
    else
        st = img_jpeg_decode(data, len, 0, out);
    free(data);
    return st;
}

static ks_status open_engine_threads(const char *models, face_embedder model, unsigned threads,
                                     face_engine **eng)
{
    char dir[4096], err[256] = "";
    if (models == NULL) {
        if (face_models_dir_default(dir, sizeof(dir)) != KS_OK) {
            fprintf(stderr, "kioskctl: no models directory (set --models or HOME)\n");
            return KS_ERR_NOT_FOUND;
        }
        models = dir;
    }
    face_engine_opts opts;
    face_engine_opts_default(&opts);
    opts.embedder = model;
    opts.threads = threads;
    ks_status st = face_engine_open(models, &opts, eng, err, sizeof(err));
    if (st != KS_OK)
        fprintf(stderr, "kioskctl: cannot load the face models from %s: %s (run tools/fetch-models)\n",
                models, err[0] ? err : ks_status_str(st));
    return st;
}

/* Scores and thresholds with 4 decimals: the float noise past them means nothing. */
static json_object *json_num4(double v)
{
    if (!isfinite(v))
        return NULL; /* a model that was not run */
    char buf[32];
    snprintf(buf, sizeof(buf), "%.4f", v);
    return json_object_new_double_s(strtod(buf, NULL), buf);
}

/* --threads N: the per-model worker count (1..64). */
static bool parse_threads(const char *arg, unsigned *out)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno != 0 || *end != '\0' || v < 1 || v > 64)
        return false;
    *out = (unsigned)v;
    return true;
}

static json_object *side_json(const face_match_side *s)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "count", json_object_new_int((int)s->faces));
    if (s->reason != FACE_MATCH_OK)
        json_object_object_add(o, "reason", json_object_new_string(face_match_reason_str(s->reason)));
    return o;
}

static void face_match_usage(FILE *to)
{
    fputs("usage: kioskctl face-match --portrait A.jpg|A.jp2 --probe B.jpg\n"
          "                           [--model faceres|mobileface] [--models DIR] [--threads N] [--json]\n"
          "exit: 0 match, 1 no match, 2 usage, 3 no usable face, 4 error\n",
          to);
}

int cmd_face_match(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"portrait", required_argument, NULL, 'p'}, {"probe", required_argument, NULL, 'b'},
        {"model", required_argument, NULL, 'm'},    {"models", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},           {"help", no_argument, NULL, 'h'},
        {"threads", required_argument, NULL, 't'},  {NULL, 0, NULL, 0},
    };
    const char *portrait = NULL, *probe = NULL, *models = NULL;
    unsigned threads = 2;
    face_embedder model = FACE_EMBED_FACERES;
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': portrait = optarg; break;
        case 'b': probe = optarg; break;
        case 'd': models = optarg; break;
        case 'j': json = true; break;
        case 'm':
            if (strcmp(optarg, "faceres") == 0) {
                model = FACE_EMBED_FACERES;
            } else if (strcmp(optarg, "mobileface") == 0) {
                model = FACE_EMBED_MOBILEFACE;
            } else {
                fprintf(stderr, "kioskctl face-match: --model is faceres or mobileface\n");
                return EXIT_USAGE;
            }
            break;
        case 't':
            if (!parse_threads(optarg, &threads)) {
                fprintf(stderr, "kioskctl face-match: --threads must be 1..64\n");
                return EXIT_USAGE;
            }
            break;
        case 'h': face_match_usage(stdout); return 0;
        default: face_match_usage(stderr); return EXIT_USAGE;
        }
    }
    if (portrait == NULL || probe == NULL || optind != argc) {
        face_match_usage(stderr);
        return EXIT_USAGE;
    }
    img_image a = {0}, b = {0};
    ks_status st = load_image(portrait, &a);
    if (st != KS_OK) {
        fprintf(stderr, "kioskctl face-match: portrait: %s\n", ks_status_str(st));
        return FACE_EXIT_ERROR;
    }
    st = load_image(probe, &b);
    if (st != KS_OK) {
        img_free(&a);
        fprintf(stderr, "kioskctl face-match: probe: %s\n", ks_status_str(st));
        return FACE_EXIT_ERROR;
    }
    face_engine *eng = NULL;
    face_match_result r;
    st = open_engine_threads(models, model, threads, &eng);
    if (st == KS_OK)
        st = face_match(eng, &a, &b, &r);
    face_engine_close(eng);
    img_free(&a);
    img_free(&b);
    if (st != KS_OK) {
        if (eng != NULL)
            fprintf(stderr, "kioskctl face-match: %s\n", ks_status_str(st));
        return FACE_EXIT_ERROR;
    }
    if (json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "match", json_object_new_boolean(r.match));
        json_object_object_add(o, "score", r.usable ? json_num4((double)r.score) : NULL);
        json_object_object_add(o, "threshold", json_num4((double)r.threshold));
        json_object_object_add(o, "model", json_object_new_string(face_embedder_name(r.model)));
        json_object *faces = json_object_new_object();
        json_object_object_add(faces, "portrait", side_json(&r.portrait));
        json_object_object_add(faces, "probe", side_json(&r.probe));
        json_object_object_add(o, "faces", faces);
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
    } else if (r.usable) {
        printf("%s: score %.4f, threshold %.4f (%s)\n", r.match ? "match" : "no match", (double)r.score,
               (double)r.threshold, face_embedder_name(r.model));
    }
    if (!r.usable) {
        if (r.portrait.reason != FACE_MATCH_OK)
            fprintf(stderr, "kioskctl face-match: portrait: %s (%zu faces)\n",
                    face_match_reason_str(r.portrait.reason), r.portrait.faces);
        if (r.probe.reason != FACE_MATCH_OK)
            fprintf(stderr, "kioskctl face-match: probe: %s (%zu faces)\n",
                    face_match_reason_str(r.probe.reason), r.probe.faces);
        return FACE_EXIT_NO_FACE;
    }
    return r.match ? EXIT_GENUINE : EXIT_NOT_GENUINE;
}

/* ---- liveness --------------------------------------------------------------- */

/* splitmix64: the challenge order is reproducible from --seed. */
static uint32_t seeded_rng(void *ctx)
{
    uint64_t *s = ctx;
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static void liveness_usage(FILE *to)
{
    fputs("usage: kioskctl liveness --frames DIR|FILE.mjpeg [--fps N] [--seed N] [--models DIR]\n"
          "                         [--threads N] [--json]\n"
          "exit: 0 passed, 1 failed or incomplete, 2 usage, 4 error\n",
          to);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *step_id(lv_step step)
{
    return step == LV_STEP_BLINK ? "blink" : step == LV_STEP_TURN_LEFT ? "turn_left" : "turn_right";
}

static const char *state_name(lv_state st)
{
    return st == LV_PASSED ? "passed" : st == LV_FAILED ? "failed" : "incomplete";
}

static void print_liveness(const lv_session *s, const face_lv_run *run, bool json)
{
    const char *reason = run->status.state == LV_FAILED ? lv_reason_str(run->status.reason)
                         : run->status.state == LV_IN_PROGRESS ? "the frames ended before the challenge was done"
                                                               : NULL;
    if (!json) {
        printf("liveness: %s%s%s (%zu of %zu steps, %zu frames)\n", state_name(run->status.state),
               reason ? ": " : "", reason ? reason : "", run->status.step_index, s->step_count, run->frames);
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "decision", json_object_new_string(state_name(run->status.state)));
    json_object_object_add(o, "reason", reason ? json_object_new_string(reason) : NULL);
    json_object *steps = json_object_new_array();
    for (size_t i = 0; i < s->step_count; i++)
        json_object_array_add(steps, json_object_new_string(step_id(s->steps[i])));
    json_object_object_add(o, "steps", steps);
    json_object_object_add(o, "steps_done", json_object_new_int((int)run->status.step_index));
    if (run->status.state == LV_IN_PROGRESS)
        json_object_object_add(o, "waiting_for", json_object_new_string(step_id(run->status.prompt)));
    json_object_object_add(o, "frames", json_object_new_int((int)run->frames));
    json_object_object_add(o, "bad_frames", json_object_new_int((int)run->bad_frames));
    json_object *passive = json_object_new_object();
    json_object_object_add(passive, "antispoof_mean",
                           s->antispoof_n ? json_num4(s->antispoof_sum / s->antispoof_n) : NULL);
    json_object_object_add(passive, "liveness_mean",
                           s->liveness_n ? json_num4(s->liveness_sum / s->liveness_n) : NULL);
    json_object_object_add(o, "passive", passive);
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

int cmd_liveness(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"frames", required_argument, NULL, 'f'}, {"fps", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},   {"models", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},         {"help", no_argument, NULL, 'h'},
        {"threads", required_argument, NULL, 't'}, {NULL, 0, NULL, 0},
    };
    const char *frames = NULL, *models = NULL;
    unsigned threads = 2;
    double fps = 15.0;
    uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
    bool json = false;
    int c;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': frames = optarg; break;
        case 'd': models = optarg; break;
        case 'j': json = true; break;
        case 'r':
            errno = 0;
            fps = strtod(optarg, &end);
            if (errno != 0 || *end != '\0' || !(fps > 0.0 && fps <= 1000.0)) {
                fprintf(stderr, "kioskctl liveness: --fps must be in (0, 1000]\n");
                return EXIT_USAGE;
            }
            break;
        case 's':
            errno = 0;
            seed = strtoull(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || optarg[0] == '-' || optarg[0] == '\0') {
                fprintf(stderr, "kioskctl liveness: --seed must be a non-negative integer\n");
                return EXIT_USAGE;
            }
            break;
        case 't':
            if (!parse_threads(optarg, &threads)) {
                fprintf(stderr, "kioskctl liveness: --threads must be 1..64\n");
                return EXIT_USAGE;
            }
            break;
        case 'h': liveness_usage(stdout); return 0;
        default: liveness_usage(stderr); return EXIT_USAGE;
        }
    }
    if (frames == NULL || optind != argc) {
        liveness_usage(stderr);
        return EXIT_USAGE;
    }
    frame_source *src = NULL;
    ks_status st = is_dir(frames) ? frame_source_open_dir(frames, fps, &src)
                                  : frame_source_open_mjpeg(frames, fps, &src);
    if (st != KS_OK) {
        fprintf(stderr, "kioskctl liveness: cannot open the frames: %s\n", ks_status_str(st));
        return FACE_EXIT_ERROR;
    }
    face_engine *eng = NULL;
    if (open_engine_threads(models, FACE_EMBED_FACERES, threads, &eng) != KS_OK) {
        frame_source_close(src);
        return FACE_EXIT_ERROR;
    }
    lv_config cfg;
    lv_config_default(&cfg);
    lv_session s;
    face_lv_run *run = calloc(1, sizeof(*run));
    st = run ? lv_start(&s, &cfg, seeded_rng, &seed) : KS_ERR_NO_MEMORY;
    if (st == KS_OK)
        st = face_liveness_run(eng, src, &s, run, NULL, NULL);
    face_engine_close(eng);
    frame_source_close(src);
    if (st != KS_OK) {
        fprintf(stderr, "kioskctl liveness: %s\n", ks_status_str(st));
        free(run);
        return FACE_EXIT_ERROR;
    }
    print_liveness(&s, run, json);
    int rc = run->status.state == LV_PASSED ? EXIT_GENUINE : EXIT_NOT_GENUINE;
    free(run);
    return rc;
}

/* ---- face-analyze --------------------------------------------------------------- */

#define ANALYZE_MAX_REPEAT 10000L

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_of(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) * 0.5;
}

static json_object *floats_json(const float *v, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_double(round((double)v[i] * 100.0) / 100.0));
    return a;
}

static json_object *face_json(const face_result *f)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "score", json_num4((double)f->score));
    json_object_object_add(o, "box", floats_json(f->box, 4));
    json_object *pose = json_object_new_object();
    json_object_object_add(pose, "yaw", json_num4((double)f->measures.pose.yaw_deg));
    json_object_object_add(pose, "pitch", json_num4((double)f->measures.pose.pitch_deg));
    json_object_object_add(pose, "roll", json_num4((double)f->measures.pose.roll_deg));
    json_object_object_add(o, "pose", pose);
    json_object_object_add(o, "ear", json_num4((double)f->measures.ear_mean));
    json_object_object_add(o, "inter_ocular_px", json_num4((double)f->measures.inter_ocular_px));
    json_object_object_add(o, "quality", json_object_new_string(fq_reason_str(f->quality.reason)));
    json_object_object_add(o, "usable_for_match",
                           json_object_new_string(face_match_reason_str(face_usable(f))));
    json_object_object_add(o, "antispoof", json_num4((double)f->antispoof));
    json_object_object_add(o, "liveness", json_num4((double)f->liveness));
    return o;
}

/* Median per-stage times over `repeat` runs of one image. */
static ks_status analyze_one(face_engine *eng, const img_image *img, long repeat, face_result *faces,
                             size_t *n, face_timing *med)
{
    double *t = calloc((size_t)repeat * 6, sizeof(double));
    if (t == NULL)
        return KS_ERR_NO_MEMORY;
    ks_status st = KS_OK;
    for (long r = 0; r < repeat && st == KS_OK; r++) {
        st = face_analyze(eng, img, faces, FACE_MAX_FACES, n);
        if (st == KS_ERR_TOO_LARGE)
            st = KS_OK;
        face_timing ft;
        face_last_timing(eng, &ft);
        double v[6] = {ft.detect_ms, ft.mesh_ms, ft.embed_ms, ft.align_embed_ms, ft.passive_ms, ft.total_ms};
        for (size_t k = 0; k < 6; k++)
            t[k * (size_t)repeat + (size_t)r] = v[k];
    }
    if (st == KS_OK) {
        med->detect_ms = median_of(t, (size_t)repeat);
        med->mesh_ms = median_of(t + repeat, (size_t)repeat);
        med->embed_ms = median_of(t + 2 * repeat, (size_t)repeat);
        med->align_embed_ms = median_of(t + 3 * repeat, (size_t)repeat);
        med->passive_ms = median_of(t + 4 * repeat, (size_t)repeat);
        med->total_ms = median_of(t + 5 * repeat, (size_t)repeat);
    }
    free(t);
    return st;
}

static json_object *timing_json(const face_timing *m)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "detect_ms", json_object_new_double(m->detect_ms));
    json_object_object_add(o, "mesh_ms", json_object_new_double(m->mesh_ms));
    json_object_object_add(o, "faceres_ms", json_object_new_double(m->embed_ms));
    json_object_object_add(o, "mobileface_ms", json_object_new_double(m->align_embed_ms));
    json_object_object_add(o, "passive_ms", json_object_new_double(m->passive_ms));
    json_object_object_add(o, "total_ms", json_object_new_double(m->total_ms));
    return o;
}

static void face_analyze_usage(FILE *to)
{
    fputs("usage: kioskctl face-analyze IMAGE... [--repeat N] [--threads N] [--models DIR] [--json]\n", to);
}

int cmd_face_analyze(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"repeat", required_argument, NULL, 'r'}, {"threads", required_argument, NULL, 't'},
        {"models", required_argument, NULL, 'd'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *models = NULL;
    long repeat = 1, threads = 2;
    bool json = false;
    int c;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': models = optarg; break;
        case 'j': json = true; break;
        case 'r':
        case 't': {
            errno = 0;
            long v = strtol(optarg, &end, 10);
            long hi = c == 'r' ? ANALYZE_MAX_REPEAT : 64;
            if (errno != 0 || *end != '\0' || v < 1 || v > hi) {
                fprintf(stderr, "kioskctl face-analyze: --%s must be 1..%ld\n", c == 'r' ? "repeat" : "threads", hi);
                return EXIT_USAGE;
            }
            if (c == 'r')
                repeat = v;
            else
                threads = v;
            break;
        }
        case 'h': face_analyze_usage(stdout); return 0;
        default: face_analyze_usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        face_analyze_usage(stderr);
        return EXIT_USAGE;
    }
    face_engine *eng = NULL;
    if (open_engine_threads(models, FACE_EMBED_FACERES, (unsigned)threads, &eng) != KS_OK)
        return FACE_EXIT_ERROR;
    face_result *faces = calloc(FACE_MAX_FACES, sizeof(*faces));
    json_object *root = json_object_new_object(), *images = json_object_new_array();
    int rc = faces ? 0 : FACE_EXIT_ERROR;
    for (int i = optind; i < argc && rc == 0; i++) {
        img_image img = {0};
        size_t n = 0;
        face_timing med;
        ks_status st = load_image(argv[i], &img);
        if (st == KS_OK)
            st = analyze_one(eng, &img, repeat, faces, &n, &med);
        if (st != KS_OK) {
            fprintf(stderr, "kioskctl face-analyze: %s: %s\n", argv[i], ks_status_str(st));
            rc = FACE_EXIT_ERROR;
        } else if (json) {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "file", json_object_new_string(argv[i]));
            json_object_object_add(o, "width", json_object_new_int((int)img.width));
            json_object_object_add(o, "height", json_object_new_int((int)img.height));
            json_object *fa = json_object_new_array();
            for (size_t k = 0; k < n; k++)
                json_object_array_add(fa, face_json(&faces[k]));
            json_object_object_add(o, "faces", fa);
            json_object_object_add(o, "median", timing_json(&med));
            json_object_array_add(images, o);
        } else {
            printf("%s: %zu faces, %.1f ms (detect %.1f, mesh %.1f, faceres %.1f, mobileface %.1f, passive %.1f)\n",
                   argv[i], n, med.total_ms, med.detect_ms, med.mesh_ms, med.embed_ms, med.align_embed_ms,
                   med.passive_ms);
        }
        img_free(&img);
    }
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        json_object_object_add(root, "peak_rss_kb", json_object_new_int64(ru.ru_maxrss));
    json_object_object_add(root, "threads", json_object_new_int((int)threads));
    json_object_object_add(root, "repeat", json_object_new_int((int)repeat));
    json_object_object_add(root, "images", images);
    if (json && rc == 0)
        puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
    free(faces);
    face_engine_close(eng);
    return rc;
}
