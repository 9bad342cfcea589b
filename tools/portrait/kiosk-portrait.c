/*
 * kiosk-portrait — turns a photo and a face box into a chip-style portrait
 * JPEG (the DG2 picture of the virtual ID card).
 *
 *   kiosk-portrait --in PHOTO.jpg --box X,Y,W,H --out PORTRAIT.jpg
 *                  [--width 360] [--height 480] [--quality 80] [--max-bytes N]
 *
 * The box is grown (never shrunk) to the output's aspect ratio around its
 * centre, then fitted inside the photo: moved if it sticks out, scaled down
 * about its centre if it is larger than the photo. With --max-bytes the
 * quality is lowered step by step until the JPEG fits; chip portraits must
 * stay small (ICAO profiles are around 15-20 KB).
 *
 * On success one line goes to stdout: output size, quality and bytes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

#define PORTRAIT_MAX_INPUT_BYTES ((size_t)64 * 1024 * 1024)
#define PORTRAIT_MAX_SIDE 4096
#define PORTRAIT_QUALITY_STEP 5
#define PORTRAIT_MIN_QUALITY 10

struct portrait_opts {
    const char *in;
    const char *out;
    int64_t box[4]; /* x, y, w, h */
    bool have_box;
    long width, height, quality, max_bytes;
};

struct portrait_rect {
    uint32_t x, y, w, h;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: kiosk-portrait --in PHOTO.jpg --box X,Y,W,H --out PORTRAIT.jpg\n"
               "                      [--width 360] [--height 480] [--quality 80] [--max-bytes N]\n");
}

static bool parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* "X,Y,W,H": X and Y non-negative, W and H positive, all below 1,000,000. */
static bool parse_box(const char *s, int64_t box[4])
{
    const char *p = s;
    for (int i = 0; i < 4; i++) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno != 0 || end == p || v < (i >= 2 ? 1 : 0) || v >= 1000000)
            return false;
        box[i] = v;
        if (i < 3) {
            if (*end != ',')
                return false;
            p = end + 1;
        } else if (*end != '\0') {
            return false;
        }
    }
    return true;
}

static int parse_args(int argc, char **argv, struct portrait_opts *o)
{
    *o = (struct portrait_opts){ .width = 360, .height = 480, .quality = 80 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "kiosk-portrait: %s needs a value\n", a);
            return -1;
        }
        const char *v = argv[++i];
        bool ok = true;
        if (strcmp(a, "--in") == 0)
            o->in = v;
        else if (strcmp(a, "--out") == 0)
            o->out = v;
        else if (strcmp(a, "--box") == 0)
            ok = o->have_box = parse_box(v, o->box);
        else if (strcmp(a, "--width") == 0)
            ok = parse_long(v, 16, PORTRAIT_MAX_SIDE, &o->width);
        else if (strcmp(a, "--height") == 0)
            ok = parse_long(v, 16, PORTRAIT_MAX_SIDE, &o->height);
        else if (strcmp(a, "--quality") == 0)
            ok = parse_long(v, 1, 100, &o->quality);
        else if (strcmp(a, "--max-bytes") == 0)
            ok = parse_long(v, 1, 64L * 1024 * 1024, &o->max_bytes);
        else {
            fprintf(stderr, "kiosk-portrait: unknown option %s\n", a);
            return -1;
        }
        if (!ok) {
            fprintf(stderr, "kiosk-portrait: bad value for %s\n", a);
            return -1;
        }
    }
    if (!o->in || !o->out || !o->have_box) {
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
    if (!f)
        return KS_ERR_IO;
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    ks_status st = buf ? KS_OK : KS_ERR_NO_MEMORY;
    while (st == KS_OK) {
        if (n == cap) {
            if (cap >= PORTRAIT_MAX_INPUT_BYTES) {
                st = KS_ERR_TOO_LARGE;
                break;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                st = KS_ERR_NO_MEMORY;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                st = KS_ERR_IO;
            break;
        }
    }
    fclose(f);
    if (st != KS_OK) {
        free(buf);
        return st;
    }
    *data = buf;
    *len = n;
    return KS_OK;
}

/* Writes next to the target and renames, so a failed run never leaves a
 * half-written portrait behind. */
static ks_status write_file(const char *path, const uint8_t *data, size_t len)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    if (!tmp)
        return KS_ERR_NO_MEMORY;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    ks_status st = KS_OK;
    if (!f)
        st = KS_ERR_IO;
    else {
        if (fwrite(data, 1, len, f) != len)
            st = KS_ERR_IO;
        if (fclose(f) != 0)
            st = KS_ERR_IO;
        if (st == KS_OK && rename(tmp, path) != 0)
            st = KS_ERR_IO;
        if (st != KS_OK)
            remove(tmp);
    }
    free(tmp);
    return st;
}

/* Grows the box to aspect out_w:out_h about its centre, then fits it inside
 * an img_w x img_h image. Works in int64 so no step can overflow. */
static ks_status portrait_frame(const int64_t box[4], uint32_t img_w, uint32_t img_h, long out_w,
                                long out_h, struct portrait_rect *r)
{
    double cx = (double)box[0] + (double)box[2] / 2.0;
    double cy = (double)box[1] + (double)box[3] / 2.0;
    if (cx >= img_w || cy >= img_h)
        return KS_ERR_ARG; /* the face is not in this photo */
    double aspect = (double)out_w / (double)out_h;
    double w = (double)box[2], h = (double)box[3];
    if (w / h > aspect)
        h = w / aspect;
    else
        w = h * aspect;
    double fit = 1.0;
    if (w > img_w)
        fit = (double)img_w / w;
    if (h * fit > img_h)
        fit = (double)img_h / h;
    w *= fit;
    h *= fit;
    double x = cx - w / 2.0, y = cy - h / 2.0;
    if (x < 0)
        x = 0;
    if (y < 0)
        y = 0;
    if (x + w > img_w)
        x = img_w - w;
    if (y + h > img_h)
        y = img_h - h;
    int64_t ix = (int64_t)(x + 0.5), iy = (int64_t)(y + 0.5);
    int64_t iw = (int64_t)(w + 0.5), ih = (int64_t)(h + 0.5);
    if (iw < 1)
        iw = 1;
    if (ih < 1)
        ih = 1;
    if (ix + iw > img_w)
        ix = img_w - iw;
    if (iy + ih > img_h)
        iy = img_h - ih;
    if (ix < 0 || iy < 0)
        return KS_ERR_ARG;
    *r = (struct portrait_rect){ (uint32_t)ix, (uint32_t)iy, (uint32_t)iw, (uint32_t)ih };
    return KS_OK;
}

/* Encodes at the requested quality, then lower ones while over max_bytes. */
static ks_status encode_to_fit(const img_image *img, int quality, size_t max_bytes, uint8_t **jpeg,
                               size_t *len, int *used_quality)
{
    for (int q = quality;; q -= PORTRAIT_QUALITY_STEP) {
        if (q < PORTRAIT_MIN_QUALITY)
            q = PORTRAIT_MIN_QUALITY;
        ks_status st = img_jpeg_encode(img, q, jpeg, len);
        if (st != KS_OK)
            return st;
        *used_quality = q;
        if (max_bytes == 0 || *len <= max_bytes)
            return KS_OK;
        free(*jpeg);
        *jpeg = NULL;
        if (q <= PORTRAIT_MIN_QUALITY)
            return KS_ERR_TOO_LARGE;
    }
}

static int fail(const char *what, ks_status st)
{
    fprintf(stderr, "kiosk-portrait: %s: %s\n", what, ks_status_str(st));
    return 1;
}

int main(int argc, char **argv)
{
    struct portrait_opts o;
    if (parse_args(argc, argv, &o) != 0)
        return 2;

    uint8_t *file;
    size_t file_len;
    ks_status st = read_file(o.in, &file, &file_len);
    if (st != KS_OK)
        return fail("cannot read the input photo", st);
    img_image photo;
    st = img_jpeg_decode(file, file_len, 0, &photo);
    free(file);
    if (st != KS_OK)
        return fail("cannot decode the input photo", st);

    struct portrait_rect r;
    img_image crop = { 0 }, scaled = { 0 };
    uint8_t *jpeg = NULL;
    size_t jpeg_len = 0;
    int quality = 0;
    const char *step = "the box is outside the photo";
    st = portrait_frame(o.box, photo.width, photo.height, o.width, o.height, &r);
    if (st == KS_OK) {
        step = "crop failed";
        st = img_crop(&photo, r.x, r.y, r.w, r.h, &crop);
    }
    if (st == KS_OK) {
        step = "resize failed";
        st = img_resize(&crop, (uint32_t)o.width, (uint32_t)o.height, &scaled);
    }
    if (st == KS_OK) {
        step = "cannot encode within --max-bytes";
        st = encode_to_fit(&scaled, (int)o.quality, (size_t)o.max_bytes, &jpeg, &jpeg_len, &quality);
    }
    if (st == KS_OK) {
        step = "cannot write the output";
        st = write_file(o.out, jpeg, jpeg_len);
    }
    img_free(&photo);
    img_free(&crop);
    img_free(&scaled);
    free(jpeg);
    if (st != KS_OK)
        return fail(step, st);
    printf("%s: %ldx%ld from box %u,%u,%u,%u, quality %d, %zu bytes\n", o.out, o.width, o.height,
           r.x, r.y, r.w, r.h, quality, jpeg_len);
    return 0;
}
