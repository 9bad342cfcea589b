/*
 * face_iris.h — eye refinement with MediaPipe's iris model, done the way
 * @vladmandic/human 3.3.6 does it (src/face/iris.ts, augmentIris), so that
 * the eyelid points of the facemesh follow a blink.
 *
 * The facemesh eyelids barely move when the eyes shut; the iris model, run
 * on a 64x64 crop of each eye, gives 71 eye-region contour points (lids,
 * brows) and 5 iris points that do. Offers, all in the pixels of the 192-px
 * facemesh crop (the raw facemesh output, 468 x (x, y, z)):
 *   face_iris_load()     the model (iris.json + shards) on the nn runtime;
 *   face_iris_eye_box()  the square eye box the model is fed (eye corners'
 *                        bounds, x2.3, squarified and rounded like human);
 *   face_iris_decode()   one eye's model output back to crop pixels (the
 *                        subject's left eye is fed mirrored: x is unmirrored);
 *   face_iris_merge()    human's replaceIrisCoords on the raw mesh, with the
 *                        looking-sideways rule, plus the 10 iris points.
 * The pixel sampling (TF cropAndResize from the crop, the mirror) is left to
 * the caller, which owns the crop and its sampling helper.
 *
 * Ownership: face_iris_load() returns a model the caller frees with
 * nn_model_free(); everything else writes caller arrays. Errors: KS_ERR_ARG
 * for NULL or wrong lengths; KS_ERR_MALFORMED for non-finite or absurd
 * points (mesh or model output); KS_ERR_UNSUPPORTED when the model's
 * outputs are not the 71- and 5-point heads; from face_iris_load() the nn
 * loader's errors, with a message in err.
 */
#ifndef KS_FACE_IRIS_H
#define KS_FACE_IRIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn_run.h"
#include "status.h"

#define FACE_IRIS_INPUT_SIZE 64u
#define FACE_IRIS_CONTOUR_POINTS 71u
#define FACE_IRIS_IRIS_POINTS 5u
#define FACE_IRIS_EYE_POINTS (FACE_IRIS_CONTOUR_POINTS + FACE_IRIS_IRIS_POINTS)
/* Iris points kept per face: the subject's left eye's 5, then the right's
 * (human's mesh indices 468..472 and 473..477), each in the model's order:
 * centre, then four points on the iris edge. */
#define FACE_IRIS_POINTS (2u * FACE_IRIS_IRIS_POINTS)

typedef enum face_iris_eye {
    FACE_IRIS_LEFT = 0, /* the subject's left eye (image right), fed mirrored */
    FACE_IRIS_RIGHT,
} face_iris_eye;

/* Loads <models_dir>/iris.json with its weight shards. The file's last op
 * joins the two heads (ConcatV2), which the nn runtime lacks: the graph is
 * loaded with the two heads as its outputs instead, and face_iris_decode()
 * takes them in either form. */
ks_status face_iris_load(const char *models_dir, unsigned threads, nn_model **out, char *err,
                         size_t err_cap);

/* The eye's model box in crop pixels, x1 y1 x2 y2 (integers, possibly
 * outside the crop). raw: 468 * 3 facemesh floats. */
ks_status face_iris_eye_box(const float *raw, size_t raw_len, face_iris_eye eye, float box[4]);

/* Model outputs (n_outs of them, the contour head of 213 floats and the
 * iris head of 15, or one joined 228) for the eye fed from `box` into 76
 * points, crop pixels, z as the model gives it. */
ks_status face_iris_decode(const nn_output *outs, size_t n_outs, const float box[4], face_iris_eye eye,
                           float pts[FACE_IRIS_EYE_POINTS][3]);

/* Replaces the eye contours of raw (468 * 3, in place) with the decoded
 * points of both eyes as human does: when the eyes' corner depths differ by
 * less than 30 (looking straight) every eye contour and brow of both eyes,
 * otherwise only the lid line (EyeUpper0/EyeLower0) of the eye nearer the
 * front; z becomes the mean of the mesh's and the model's. iris (optional)
 * receives the FACE_IRIS_POINTS iris points with the lids' depth. */
ks_status face_iris_merge(float *raw, size_t raw_len, const float left[FACE_IRIS_EYE_POINTS][3],
                          const float right[FACE_IRIS_EYE_POINTS][3], float iris[FACE_IRIS_POINTS][3]);

#endif
