/*
 * face_pipeline.h — the face pipeline: detection, landmarks, quality, identity
 * embedding and passive liveness on one RGB frame, and 1:1 matching of a
 * probe against a chip portrait.
 *
 * It ties the vision pieces together exactly as @vladmandic/human 3.3.6 does
 * (tests/reference/README.md, "Exactly what human does"), so its boxes,
 * landmarks and faceres embeddings reproduce the Node reference:
 *   whole frame -> 256x256 (TF ResizeBilinear, legacy) -> blazeface (back),
 *   hard NMS IoU 0.1, score > 0.3 -> box x1.4, squared, rounded ->
 *   TF cropAndResize to 192 -> facemesh (flag > 0.3) -> 468 points ->
 *   (refine_eyes) human's augmentIris: each eye's box (corners x2.3,
 *   squared) cut from that 192 crop to 64 (TF cropAndResize, the subject's
 *   left eye mirrored) -> iris model -> its 71 lid/brow points replace the
 *   mesh's (face_iris.h) and give the EAR; the Node goldens are made
 *   with iris off;
 *   the same 192 crop resized to 224 (x255) -> faceres (1024-d),
 *   to 128 -> antispoof, to 32 -> liveness.
 * In addition the 5 alignment points from the mesh give a similarity warp to
 * the ArcFace 112x112 template, fed to mobileface (256-d, RGB 0..255).
 *
 * Ownership: face_engine_open() loads the six models (seven with iris) once and preallocates
 * every buffer; face_analyze() and face_match() allocate nothing that
 * outlives the call (memory does not grow frame after frame). Each model
 * runs on its own pthreadpool of opts.threads workers (default 2) and the
 * models run one after the other, so at most that many workers are busy.
 * On a machine whose CPUs are all busy, 1 thread is much faster (every
 * operator's barrier waits for a descheduled worker; docs/PERFORMANCE.md).
 * One engine is used by one thread at a time.
 *
 * Errors: KS_ERR_ARG for NULL or an empty image; KS_ERR_NOT_FOUND /
 * KS_ERR_UNSUPPORTED / KS_ERR_MALFORMED from model loading (with a message
 * in err); KS_ERR_TOO_LARGE when more faces than `cap` pass (the first `cap`
 * are still written and *n is the number written).
 */
#ifndef KS_FACE_PIPELINE_H
#define KS_FACE_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blazeface.h"
#include "face_iris.h"
#include "image.h"
#include "mesh.h"
#include "quality.h"
#include "status.h"

#define FACE_FACERES_DIM 1024u
#define FACE_MOBILEFACE_DIM 256u
#define FACE_MAX_FACES 20u

/* Cosine thresholds: a pair scoring >= this is the same person. Chosen from
 * the evidence in docs/FACE-MATCHING.md (tests/unit/vision/test_face_evidence.c
 * re-checks them on every run). */
#define FACE_THRESHOLD_FACERES 0.73f
#define FACE_THRESHOLD_MOBILEFACE 0.48f

typedef enum face_embedder {
    FACE_EMBED_FACERES = 0, /* human's crop, no alignment: matches the reference */
    FACE_EMBED_MOBILEFACE,  /* 5-point aligned 112x112 crop */
} face_embedder;

typedef struct face_engine_opts {
    unsigned threads;       /* per model pool; 0 = 2 */
    face_embedder embedder; /* what face_match() compares */
    float min_score;        /* detector score, default 0.3 (strictly above) */
    float iou_threshold;    /* hard NMS, default 0.1 */
    float enlarge;          /* detector box growth for the crop, default 1.4 */
    float min_face_flag;    /* facemesh flag rounded to 0.01, default 0.3 (strictly above) */
    fq_config quality;      /* gates; fq_config_default() */
    bool skip_passive;      /* no antispoof / liveness / quality (offline evidence runs) */
    bool refine_eyes;       /* iris model on the eyes (default true; human's face.iris):
                             * without it a closed eye barely moves the mesh's lids */
} face_engine_opts;

typedef struct face_result {
    float score;             /* detector sigmoid */
    float face_flag;         /* facemesh confidence */
    uint32_t anchor_index;
    float box_model[4];      /* detector box, 256-px model input, x1 y1 x2 y2 */
    float box[4];            /* the same in image pixels */
    float crop_box[4];       /* the square crop fed to the models (image pixels) */
    mesh_point landmarks[MESH_NUM_LANDMARKS]; /* image pixels; z scaled like x; eyes refined */
    mesh_measures measures;  /* 5 points, EAR, pose, inter-ocular distance: the EAR
                              * from the refined lids, the rest from the plain
                              * facemesh (what the match and gate thresholds
                              * were calibrated on) */
    bool has_iris;           /* refine_eyes ran on this face */
    mesh_point iris[FACE_IRIS_POINTS]; /* face_iris.h order; image pixels like landmarks */
    fq_result quality;       /* this face's gates (face count taken as 1) */
    float embedding[FACE_FACERES_DIM];        /* faceres global_pooling/Mean, raw */
    float embedding_aligned[FACE_MOBILEFACE_DIM]; /* mobileface on the aligned crop */
    float antispoof;         /* 1 = real (sigmoid) */
    float liveness;          /* 1 = live (first softmax value) */
} face_result;

typedef enum face_match_reason {
    FACE_MATCH_OK = 0,
    FACE_MATCH_NO_FACE,
    FACE_MATCH_MULTIPLE_FACES,
    FACE_MATCH_TOO_SMALL,
    FACE_MATCH_POSE,
} face_match_reason;

typedef struct face_match_side {
    size_t faces;              /* faces found (capped at FACE_MAX_FACES) */
    face_match_reason reason;  /* why the side is unusable, or OK */
} face_match_side;

typedef struct face_match_result {
    bool usable;               /* both sides had exactly one usable face */
    bool match;                /* usable and score >= threshold */
    float score;               /* cosine, meaningful when usable */
    float threshold;
    face_embedder model;
    face_match_side portrait, probe;
} face_match_result;

typedef struct face_engine face_engine;

void face_engine_opts_default(face_engine_opts *opts);

/* ${KS_CACHE:-$HOME/.cache/kiosk}/models/human-models-3.0.4/models into buf;
 * KS_ERR_TOO_LARGE if it does not fit, KS_ERR_NOT_FOUND without HOME. */
ks_status face_models_dir_default(char *buf, size_t cap);

/* Loads blazeface, facemesh, faceres, mobileface, antispoof, liveness and,
 * with refine_eyes, iris (<name>.json in models_dir). opts may be NULL
 * (defaults). */
ks_status face_engine_open(const char *models_dir, const face_engine_opts *opts, face_engine **out,
                           char *err, size_t err_cap);
void face_engine_close(face_engine *eng);

/* Every face of an RGB (or grey) image, detector order (best score first). */
ks_status face_analyze(face_engine *eng, const img_image *rgb, face_result *faces, size_t cap,
                       size_t *n);

/* Cosine similarity of two n-float vectors (0 if either is all zeros). */
float face_cosine(const float *a, const float *b, size_t n);

/* The threshold face_match() uses for a model. */
float face_threshold(face_embedder model);
const char *face_embedder_name(face_embedder model);
const char *face_match_reason_str(face_match_reason reason);

/* Beyond this yaw, pitch or roll the embedding of a portrait is no longer
 * trusted. Looser than fq_config's live-capture gates (25 degrees), which
 * guide the subject in front of the kiosk camera: posed photos such as the
 * sample set are often turned 25-30 degrees and still match (see
 * docs/FACE-MATCHING.md). */
#define FACE_MATCH_MAX_POSE_DEG 40.0f

/* Whether a face passes the gates a match needs: the quality size gate and
 * pose within FACE_MATCH_MAX_POSE_DEG. Blur and exposure are advice for a
 * live camera only: a 15 KB chip portrait must not fail on them. */
face_match_reason face_usable(const face_result *face);

/* 1:1 verification with the engine's embedder: exactly one usable face in
 * each image, else result->usable is false with a reason per side. */
ks_status face_match(face_engine *eng, const img_image *portrait, const img_image *probe,
                     face_match_result *result);

/* Per-stage wall time of the last face_analyze() call, milliseconds. */
typedef struct face_timing {
    double detect_ms, mesh_ms, iris_ms, embed_ms, align_embed_ms, passive_ms, total_ms;
} face_timing;
void face_last_timing(const face_engine *eng, face_timing *out);

#endif
