/*
 * frames_mjpeg.c — splitting a stream of concatenated JPEGs, and the frame
 * source that reads such a file through a bounded sliding window (a long
 * recording is never loaded whole).
 */
#include "camera.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- splitting ------------------------------------------------------------ */

enum mjpeg_walk { MJPEG_COMPLETE, MJPEG_BROKEN, MJPEG_NEEDS_MORE };

static size_t mjpeg_find_soi(const uint8_t *buf, size_t len, size_t from)
{
    while (from + 3 <= len) {
        const uint8_t *ff = memchr(buf + from, 0xFF, len - from);
        if (!ff)
            return len;
        size_t i = (size_t)(ff - buf);
        if (i + 3 <= len && buf[i + 1] == 0xD8 && buf[i + 2] == 0xFF)
            return i;
        from = i + 1;
    }
    return len;
}

/* Entropy-coded data ends at the first marker that is neither a stuffed
 * 0xFF00 nor a restart marker; returns the offset of that marker's 0xFF. */
static size_t mjpeg_skip_entropy(const uint8_t *buf, size_t end, size_t p)
{
    while (p < end) {
        const uint8_t *ff = memchr(buf + p, 0xFF, end - p);
        if (!ff)
            return end;
        size_t i = (size_t)(ff - buf);
        size_t q = i + 1;
        while (q < end && buf[q] == 0xFF)
            q++;
        if (q >= end)
            return end;
        uint8_t m = buf[q];
        if (m != 0x00 && !(m >= 0xD0 && m <= 0xD7))
            return q - 1;
        p = q + 1;
    }
    return end;
}

/* Walks one JPEG starting at its SOI; on MJPEG_COMPLETE *frame_end is just
 * past its EOI. The walk never looks beyond start + max_frame. */
static enum mjpeg_walk mjpeg_walk(const uint8_t *buf, size_t len, size_t start, size_t max_frame,
                                  size_t *frame_end)
{
    size_t limit = len - start > max_frame ? start + max_frame : len;
    /* Running into `limit` because of max_frame means too big: broken. */
    enum mjpeg_walk at_limit = limit < len ? MJPEG_BROKEN : MJPEG_NEEDS_MORE;
    size_t p = start + 2;
    for (;;) {
        if (p >= limit)
            return at_limit;
        if (buf[p] != 0xFF)
            return MJPEG_BROKEN;
        while (p < limit && buf[p] == 0xFF)
            p++; /* fill bytes */
        if (p >= limit)
            return at_limit;
        uint8_t marker = buf[p++];
        if (marker == 0xD9) {
            *frame_end = p;
            return MJPEG_COMPLETE;
        }
        if (marker == 0x00 || marker == 0xD8)
            return MJPEG_BROKEN; /* a new SOI: this frame was cut short */
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
            continue; /* no length field */
        if (limit - p < 2)
            return at_limit;
        size_t seg = (size_t)buf[p] << 8 | buf[p + 1];
        if (seg < 2)
            return MJPEG_BROKEN;
        if (seg > limit - p)
            return at_limit;
        p += seg;
        if (marker == 0xDA)
            p = mjpeg_skip_entropy(buf, limit, p);
    }
}

ks_status mjpeg_next_frame(const uint8_t *buf, size_t len, size_t *pos, size_t max_frame,
                           bool final, size_t *frame_off, size_t *frame_len)
{
    if (!buf || !pos || !frame_off || !frame_len || *pos > len || max_frame < 4)
        return KS_ERR_ARG;
    size_t from = *pos;
    for (;;) {
        size_t start = mjpeg_find_soi(buf, len, from);
        if (start >= len) {
            /* A trailing 0xFF or 0xFF 0xD8 may be the start of a frame. */
            size_t keep = len;
            if (!final) {
                keep = len >= 2 ? len - 2 : 0;
                if (keep < from)
                    keep = from;
            }
            *pos = keep;
            return KS_ERR_NOT_FOUND;
        }
        size_t end = 0;
        switch (mjpeg_walk(buf, len, start, max_frame, &end)) {
        case MJPEG_COMPLETE:
            *frame_off = start;
            *frame_len = end - start;
            *pos = end;
            return KS_OK;
        case MJPEG_NEEDS_MORE:
            if (!final) {
                *pos = start;
                return KS_ERR_NOT_FOUND;
            }
            from = start + 1; /* nothing more will come: broken */
            break;
        case MJPEG_BROKEN:
            from = start + 1;
            break;
        }
    }
}

/* ---- the file source -------------------------------------------------------- */

#define MJPEG_READ_CHUNK ((size_t)1024 * 1024)

struct mjpeg_source {
    frame_source base;
    FILE *file;
    uint8_t *buf;
    size_t cap, len, pos;
    bool eof;
    double fps;
    uint64_t index;
};

/* Drops consumed bytes and appends more from the file. */
static ks_status mjpeg_refill(struct mjpeg_source *s)
{
    memmove(s->buf, s->buf + s->pos, s->len - s->pos);
    s->len -= s->pos;
    s->pos = 0;
    size_t want = s->cap - s->len;
    if (want > MJPEG_READ_CHUNK)
        want = MJPEG_READ_CHUNK;
    size_t got = fread(s->buf + s->len, 1, want, s->file);
    s->len += got;
    if (got < want) {
        if (ferror(s->file))
            return KS_ERR_IO;
        s->eof = true;
    }
    return KS_OK;
}

static ks_status mjpeg_source_next(frame_source *base, img_image *out, uint64_t *timestamp_us)
{
    struct mjpeg_source *s = (struct mjpeg_source *)base;
    for (;;) {
        size_t off, flen;
        ks_status st = mjpeg_next_frame(s->buf, s->len, &s->pos, FRAMES_MAX_FRAME_BYTES, s->eof,
                                        &off, &flen);
        if (st == KS_OK) {
            *timestamp_us = (uint64_t)llround((double)s->index * 1e6 / s->fps);
            s->index++;
            return img_jpeg_decode(s->buf + off, flen, 0, out);
        }
        if (st != KS_ERR_NOT_FOUND)
            return st;
        if (s->eof)
            return KS_ERR_NOT_FOUND;
        /* The window holds max_frame plus a chunk, so a pending frame (at
         * most max_frame long) always leaves room to read. */
        st = mjpeg_refill(s);
        if (st != KS_OK)
            return st;
    }
}

static void mjpeg_source_close(frame_source *base)
{
    struct mjpeg_source *s = (struct mjpeg_source *)base;
    if (s->file)
        fclose(s->file);
    free(s->buf);
    free(s);
}

static const struct frame_source_ops mjpeg_ops = { mjpeg_source_next, mjpeg_source_close };

ks_status frame_source_open_mjpeg(const char *path, double fps, frame_source **out)
{
    if (!out)
        return KS_ERR_ARG;
    *out = NULL;
    if (!path || !isfinite(fps) || fps <= 0)
        return KS_ERR_ARG;
    struct mjpeg_source *s = calloc(1, sizeof *s);
    if (!s)
        return KS_ERR_NO_MEMORY;
    s->base.ops = &mjpeg_ops;
    s->fps = fps;
    s->cap = FRAMES_MAX_FRAME_BYTES + MJPEG_READ_CHUNK;
    s->buf = malloc(s->cap);
    if (!s->buf) {
        free(s);
        return KS_ERR_NO_MEMORY;
    }
    s->file = fopen(path, "rb");
    if (!s->file) {
        ks_status st = errno == ENOENT ? KS_ERR_NOT_FOUND : KS_ERR_IO;
        mjpeg_source_close(&s->base);
        return st;
    }
    *out = &s->base;
    return KS_OK;
}
