#include "face_liveness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One frame's facts for the liveness session. */
static void frame_facts(face_lv_run *run, const face_result *faces, size_t n, uint64_t t_us,
                        lv_frame *fr)
{
    memset(fr, 0, sizeof(*fr));
    fr->t_ms = t_us / 1000u;
    fr->face_count = (uint32_t)n;
    fr->identity_sim = NAN;
    fr->antispoof = NAN;
    fr->liveness = NAN;
    if (n != 1)
        return;
    const face_result *f = &faces[0];
    fr->ear = f->measures.ear_mean;
    fr->yaw_deg = f->measures.pose.yaw_deg;
    memcpy(fr->box, f->measures.box, sizeof(fr->box));
    fr->antispoof = f->antispoof;
    fr->liveness = f->liveness;
    if (!run->have_first) {
        memcpy(run->first_embedding, f->embedding, sizeof(run->first_embedding));
        run->have_first = true;
    }
    fr->identity_sim = face_cosine(run->first_embedding, f->embedding, FACE_FACERES_DIM);
}

ks_status face_liveness_run(face_engine *eng, frame_source *src, lv_session *s, face_lv_run *run,
                            face_lv_hook hook, void *hook_ctx)
{
    face_result *faces = calloc(FACE_MAX_FACES, sizeof(*faces));
    if (faces == NULL)
        return KS_ERR_NO_MEMORY;
    ks_status st = KS_OK;
    lv_get_status(s, &run->status);
    while (run->status.state == LV_IN_PROGRESS) {
        img_image img = {0};
        uint64_t t_us = 0;
        st = frame_source_next(src, &img, &t_us);
        if (st == KS_ERR_NOT_FOUND) {
            st = KS_OK;
            break;
        }
        if (st == KS_ERR_MALFORMED || st == KS_ERR_TRUNCATED || st == KS_ERR_TOO_LARGE) {
            run->bad_frames++;
            continue;
        }
        if (st != KS_OK)
            break;
        size_t n = 0;
        st = face_analyze(eng, &img, faces, FACE_MAX_FACES, &n);
        if (st == KS_ERR_TOO_LARGE)
            st = KS_OK; /* more faces than fit: the count alone fails the session */
        if (st == KS_OK) {
            lv_frame fr;
            frame_facts(run, faces, n, t_us, &fr);
            st = lv_update(s, &fr, &run->status);
        }
        bool go_on = st == KS_OK && (hook == NULL || hook(hook_ctx, run, &img, faces, n));
        img_free(&img);
        if (st != KS_OK || !go_on)
            break;
        run->frames++;
    }
    free(faces);
    return st;
}
