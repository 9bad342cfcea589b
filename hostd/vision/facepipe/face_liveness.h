/*
 * face_liveness.h — the liveness challenge run over a frame source: every
 * frame through the face pipeline, its measures fed to the liveness session
 * (hostd/vision/face/liveness.h), until the session passes or fails, the
 * frames end, or the caller stops it.
 *
 * Identity continuity: the first frame with exactly one face sets the
 * reference embedding; each later frame's similarity to it goes to the
 * session, so a face swapped mid-challenge fails.
 *
 * The hook (may be NULL) sees every analysed frame after the session was
 * updated — to publish the current prompt, keep the first face's frame for
 * matching, or stop: it returns false to end the run (status KS_OK, the
 * session left in progress). The frame is the caller's only during the call.
 *
 * Errors: whatever frame_source_next() or face_analyze() report, except that
 * a single bad frame is skipped (counted in bad_frames) and the end of the
 * frames ends the run with KS_OK.
 */
#ifndef KS_FACE_LIVENESS_H
#define KS_FACE_LIVENESS_H

#include <stdbool.h>
#include <stddef.h>

#include "camera.h"
#include "face_pipeline.h"
#include "liveness.h"

typedef struct face_lv_run {
    lv_status status;
    size_t frames, bad_frames;
    float first_embedding[FACE_FACERES_DIM];
    bool have_first;
} face_lv_run;

typedef bool (*face_lv_hook)(void *ctx, const face_lv_run *run, const img_image *frame,
                             const face_result *faces, size_t n_faces);

ks_status face_liveness_run(face_engine *eng, frame_source *src, lv_session *s, face_lv_run *run,
                            face_lv_hook hook, void *hook_ctx);

#endif
