/*
 * camera.c — see camera.h: the dispatch shared by every frame source.
 */
#include "camera.h"

#include <string.h>

ks_status frame_source_next(frame_source *src, img_image *out, uint64_t *timestamp_us)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!src || !src->ops || !out || !timestamp_us)
        return KS_ERR_ARG;
    return src->ops->next(src, out, timestamp_us);
}

void frame_source_close(frame_source *src)
{
    if (src && src->ops)
        src->ops->close(src);
}
