/*
 * image.c — see image.h. JPEG work goes through libjpeg(-turbo); its fatal
 * errors normally call exit(), so every libjpeg call here runs under a
 * setjmp() whose error manager longjmps back with a status instead.
 */
#include "image.h"

#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

/* A progressive JPEG may announce thousands of tiny scans, each of which
 * re-walks the whole coefficient buffer: a cheap file that costs minutes. No
 * real encoder needs more than a few dozen. */
#define IMG_MAX_JPEG_SCANS 100

/* Our encoder output never approaches this; it bounds the growable buffer. */
#define IMG_MAX_JPEG_OUTPUT ((size_t)256 * 1024 * 1024)

ks_status img_alloc(img_image *out, uint32_t width, uint32_t height, uint32_t channels)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (width == 0 || height == 0 || (channels != 1 && channels != 3))
        return KS_ERR_ARG;
    if ((uint64_t)width * height > IMG_MAX_PIXELS)
        return KS_ERR_TOO_LARGE;
    size_t stride = (size_t)width * channels;
    uint8_t *pixels = calloc(height, stride);
    if (!pixels)
        return KS_ERR_NO_MEMORY;
    out->width = width;
    out->height = height;
    out->channels = channels;
    out->stride = stride;
    out->pixels = pixels;
    return KS_OK;
}

void img_free(img_image *img)
{
    if (!img)
        return;
    free(img->pixels);
    memset(img, 0, sizeof *img);
}

static bool img_is_valid(const img_image *img)
{
    return img && img->pixels && img->width > 0 && img->height > 0 &&
           (img->channels == 1 || img->channels == 3) &&
           img->stride >= (size_t)img->width * img->channels;
}

/* ---- libjpeg error handling ------------------------------------------- */

struct img_jpeg_error {
    struct jpeg_error_mgr pub; /* first, so libjpeg's pointer can be cast back */
    jmp_buf jump;
    ks_status status;
};

static ks_status img_status_for_jpeg_code(int code)
{
    switch (code) {
    case JERR_OUT_OF_MEMORY:
        return KS_ERR_NO_MEMORY;
    case JERR_INPUT_EMPTY:
    case JERR_INPUT_EOF:
        return KS_ERR_TRUNCATED;
    default:
        return KS_ERR_MALFORMED;
    }
}

static void img_jpeg_error_exit(j_common_ptr cinfo)
{
    struct img_jpeg_error *err = (struct img_jpeg_error *)cinfo->err;
    if (err->status == KS_OK)
        err->status = img_status_for_jpeg_code(err->pub.msg_code);
    longjmp(err->jump, 1);
}

/* Level -1 is a warning, nearly always about corrupt data (libjpeg then
 * invents pixels and carries on); treat it as fatal. Warnings about metadata
 * we never use, and trace messages (level >= 0), are dropped so nothing
 * reaches stderr. */
static void img_jpeg_emit_message(j_common_ptr cinfo, int msg_level)
{
    struct img_jpeg_error *err = (struct img_jpeg_error *)cinfo->err;
    if (msg_level >= 0)
        return;
    if (err->pub.msg_code == JWRN_JFIF_MAJOR || err->pub.msg_code == JWRN_BOGUS_ICC)
        return;
    err->status = err->pub.msg_code == JWRN_JPEG_EOF ? KS_ERR_TRUNCATED : KS_ERR_MALFORMED;
    longjmp(err->jump, 1);
}

static void img_jpeg_output_message(j_common_ptr cinfo)
{
    (void)cinfo;
}

static void img_jpeg_error_init(struct img_jpeg_error *err)
{
    jpeg_std_error(&err->pub);
    err->pub.error_exit = img_jpeg_error_exit;
    err->pub.emit_message = img_jpeg_emit_message;
    err->pub.output_message = img_jpeg_output_message;
    err->status = KS_OK;
}

/* ---- decoding ---------------------------------------------------------- */

struct img_decode_ctx {
    struct jpeg_decompress_struct cinfo;
    struct img_jpeg_error err;
    struct jpeg_progress_mgr progress;
    bool created;
    img_image img;
};

static void img_jpeg_limit_scans(j_common_ptr cinfo)
{
    if (!cinfo->is_decompressor)
        return;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > IMG_MAX_JPEG_SCANS) {
        struct img_jpeg_error *err = (struct img_jpeg_error *)cinfo->err;
        err->status = KS_ERR_MALFORMED;
        longjmp(err->jump, 1);
    }
}

/* All state lives in *ctx, not in locals, so nothing is indeterminate after
 * the longjmp (C11 7.13.2.1p3). The caller cleans up on failure. */
static ks_status img_decode_run(struct img_decode_ctx *ctx, const uint8_t *jpeg, size_t len,
                                size_t max_pixels)
{
    if (setjmp(ctx->err.jump))
        return ctx->err.status != KS_OK ? ctx->err.status : KS_ERR_MALFORMED;

    struct jpeg_decompress_struct *cinfo = &ctx->cinfo;
    cinfo->err = &ctx->err.pub;
    jpeg_create_decompress(cinfo);
    ctx->created = true;
    ctx->progress.progress_monitor = img_jpeg_limit_scans;
    cinfo->progress = &ctx->progress;
    jpeg_mem_src(cinfo, jpeg, (unsigned long)len);

    if (jpeg_read_header(cinfo, TRUE) != JPEG_HEADER_OK)
        return KS_ERR_MALFORMED;
    if ((uint64_t)cinfo->image_width * cinfo->image_height > max_pixels)
        return KS_ERR_TOO_LARGE;

    uint32_t channels;
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo->out_color_space = JCS_GRAYSCALE;
        channels = 1;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo->out_color_space = JCS_RGB;
        channels = 3;
        break;
    default:
        return KS_ERR_UNSUPPORTED; /* CMYK / YCCK: not from cameras or chips */
    }

    ks_status st = img_alloc(&ctx->img, cinfo->image_width, cinfo->image_height, channels);
    if (st != KS_OK)
        return st;

    jpeg_start_decompress(cinfo);
    if (cinfo->output_width != ctx->img.width || cinfo->output_height != ctx->img.height ||
        (uint32_t)cinfo->output_components != channels)
        return KS_ERR_MALFORMED;
    while (cinfo->output_scanline < cinfo->output_height) {
        JSAMPROW row = img_row(&ctx->img, cinfo->output_scanline);
        if (jpeg_read_scanlines(cinfo, &row, 1) != 1)
            return KS_ERR_TRUNCATED;
    }
    /* Reads up to EOI, so data cut just before the end is still noticed. */
    jpeg_finish_decompress(cinfo);
    return KS_OK;
}

ks_status img_jpeg_decode(const uint8_t *jpeg, size_t len, size_t max_pixels, img_image *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!jpeg)
        return KS_ERR_ARG;
    if (len == 0)
        return KS_ERR_TRUNCATED;
    if (len > ULONG_MAX)
        return KS_ERR_TOO_LARGE;
    if (max_pixels == 0 || max_pixels > IMG_MAX_PIXELS)
        max_pixels = IMG_MAX_PIXELS;

    struct img_decode_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return KS_ERR_NO_MEMORY;
    img_jpeg_error_init(&ctx->err);
    ks_status st = img_decode_run(ctx, jpeg, len, max_pixels);
    if (ctx->created)
        jpeg_destroy_decompress(&ctx->cinfo);
    if (st == KS_OK)
        *out = ctx->img;
    else
        img_free(&ctx->img);
    free(ctx);
    return st;
}

/* ---- encoding ---------------------------------------------------------- */

/* Our own growable destination: libjpeg's jpeg_mem_dest() can leave its
 * buffer unreachable when an error longjmps out mid-write. */
struct img_mem_dest {
    struct jpeg_destination_mgr pub;
    struct img_jpeg_error *err;
    uint8_t *buf;
    size_t cap;
    size_t len;
};

static void img_dest_grow(j_compress_ptr cinfo, struct img_mem_dest *dest, size_t want)
{
    if (want > IMG_MAX_JPEG_OUTPUT) {
        dest->err->status = KS_ERR_TOO_LARGE;
        longjmp(dest->err->jump, 1);
    }
    uint8_t *nb = realloc(dest->buf, want);
    if (!nb) {
        dest->err->status = KS_ERR_NO_MEMORY;
        longjmp(dest->err->jump, 1);
    }
    size_t used = dest->cap - dest->pub.free_in_buffer;
    dest->buf = nb;
    dest->cap = want;
    dest->pub.next_output_byte = nb + used;
    dest->pub.free_in_buffer = want - used;
    (void)cinfo;
}

static void img_dest_init(j_compress_ptr cinfo)
{
    struct img_mem_dest *dest = (struct img_mem_dest *)cinfo->dest;
    dest->cap = 0;
    dest->pub.free_in_buffer = 0;
    img_dest_grow(cinfo, dest, 64 * 1024);
}

static boolean img_dest_empty(j_compress_ptr cinfo)
{
    struct img_mem_dest *dest = (struct img_mem_dest *)cinfo->dest;
    /* libjpeg's contract: on this call the whole buffer counts as full. */
    dest->pub.free_in_buffer = 0;
    img_dest_grow(cinfo, dest, dest->cap * 2);
    return TRUE;
}

static void img_dest_term(j_compress_ptr cinfo)
{
    struct img_mem_dest *dest = (struct img_mem_dest *)cinfo->dest;
    dest->len = dest->cap - dest->pub.free_in_buffer;
}

struct img_encode_ctx {
    struct jpeg_compress_struct cinfo;
    struct img_jpeg_error err;
    struct img_mem_dest dest;
    bool created;
};

static ks_status img_encode_run(struct img_encode_ctx *ctx, const img_image *img, int quality)
{
    if (setjmp(ctx->err.jump))
        return ctx->err.status != KS_OK ? ctx->err.status : KS_ERR_ARG;

    struct jpeg_compress_struct *cinfo = &ctx->cinfo;
    cinfo->err = &ctx->err.pub;
    jpeg_create_compress(cinfo);
    ctx->created = true;

    ctx->dest.err = &ctx->err;
    ctx->dest.pub.init_destination = img_dest_init;
    ctx->dest.pub.empty_output_buffer = img_dest_empty;
    ctx->dest.pub.term_destination = img_dest_term;
    cinfo->dest = &ctx->dest.pub;

    cinfo->image_width = img->width;
    cinfo->image_height = img->height;
    cinfo->input_components = (int)img->channels;
    cinfo->in_color_space = img->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, quality, TRUE);
    cinfo->optimize_coding = TRUE;

    jpeg_start_compress(cinfo, TRUE);
    while (cinfo->next_scanline < cinfo->image_height) {
        JSAMPROW row = img_row(img, cinfo->next_scanline);
        jpeg_write_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_compress(cinfo);
    return KS_OK;
}

ks_status img_jpeg_encode(const img_image *img, int quality, uint8_t **out, size_t *out_len)
{
    if (!out || !out_len)
        return KS_ERR_ARG;
    *out = NULL;
    *out_len = 0;
    if (!img_is_valid(img) || quality < 1 || quality > 100)
        return KS_ERR_ARG;
    /* libjpeg's own dimension limit (JPEG_MAX_DIMENSION) is 65500. */
    if (img->width > 65500 || img->height > 65500)
        return KS_ERR_TOO_LARGE;

    struct img_encode_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return KS_ERR_NO_MEMORY;
    img_jpeg_error_init(&ctx->err);
    ks_status st = img_encode_run(ctx, img, quality);
    if (ctx->created)
        jpeg_destroy_compress(&ctx->cinfo);
    if (st == KS_OK) {
        *out = ctx->dest.buf;
        *out_len = ctx->dest.len;
    } else {
        free(ctx->dest.buf);
    }
    free(ctx);
    return st;
}

/* ---- geometry ---------------------------------------------------------- */

ks_status img_crop(const img_image *src, uint32_t x, uint32_t y, uint32_t width, uint32_t height,
                   img_image *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!img_is_valid(src) || width == 0 || height == 0)
        return KS_ERR_ARG;
    /* Written so that no sum can overflow. */
    if (x >= src->width || width > src->width - x || y >= src->height || height > src->height - y)
        return KS_ERR_ARG;
    ks_status st = img_alloc(out, width, height, src->channels);
    if (st != KS_OK)
        return st;
    size_t row_bytes = (size_t)width * src->channels;
    for (uint32_t r = 0; r < height; r++)
        memcpy(img_row(out, r), img_row(src, y + r) + (size_t)x * src->channels, row_bytes);
    return KS_OK;
}

/* Halves both dimensions (rounding up; an odd last row/column is paired with
 * itself) by averaging 2x2 blocks. */
static ks_status img_halve(const img_image *src, img_image *out)
{
    uint32_t w = (src->width + 1) / 2, h = (src->height + 1) / 2;
    ks_status st = img_alloc(out, w, h, src->channels);
    if (st != KS_OK)
        return st;
    uint32_t ch = src->channels;
    for (uint32_t y = 0; y < h; y++) {
        const uint8_t *r0 = img_row(src, 2 * y);
        const uint8_t *r1 = img_row(src, 2 * y + 1 < src->height ? 2 * y + 1 : 2 * y);
        uint8_t *d = img_row(out, y);
        for (uint32_t x = 0; x < w; x++) {
            size_t a = (size_t)2 * x * ch;
            size_t b = 2 * x + 1 < src->width ? a + ch : a;
            for (uint32_t c = 0; c < ch; c++) {
                unsigned sum = (unsigned)r0[a + c] + r0[b + c] + r1[a + c] + r1[b + c];
                d[(size_t)x * ch + c] = (uint8_t)((sum + 2) / 4);
            }
        }
    }
    return KS_OK;
}

/* Bilinear weights use 11 fractional bits: 255 << 22 still fits in 32 bits,
 * and equal neighbours give back exactly their value. */
#define IMG_FRAC_BITS 11
#define IMG_FRAC_ONE (1u << IMG_FRAC_BITS)

struct img_tap {
    uint32_t i0, i1; /* the two source indices */
    uint32_t w1;     /* weight of i1, 0..IMG_FRAC_ONE */
};

/* Maps destination index d to source coordinates with centres aligned:
 * s = (d + 0.5) * src_n / dst_n - 0.5, clamped to the edge pixels. */
static void img_make_taps(struct img_tap *taps, uint32_t dst_n, uint32_t src_n)
{
    double scale = (double)src_n / dst_n;
    for (uint32_t d = 0; d < dst_n; d++) {
        double s = ((double)d + 0.5) * scale - 0.5;
        if (s < 0)
            s = 0;
        if (s > (double)(src_n - 1))
            s = (double)(src_n - 1);
        uint32_t i0 = (uint32_t)s;
        uint32_t i1 = i0 + 1 < src_n ? i0 + 1 : i0;
        uint32_t w1 = (uint32_t)((s - i0) * IMG_FRAC_ONE + 0.5);
        if (w1 > IMG_FRAC_ONE)
            w1 = IMG_FRAC_ONE;
        taps[d] = (struct img_tap){ i0, i1, w1 };
    }
}

static ks_status img_bilinear(const img_image *src, uint32_t width, uint32_t height, img_image *out)
{
    struct img_tap *xt = malloc((size_t)width * sizeof *xt);
    struct img_tap *yt = malloc((size_t)height * sizeof *yt);
    ks_status st = (xt && yt) ? img_alloc(out, width, height, src->channels) : KS_ERR_NO_MEMORY;
    if (st == KS_OK) {
        img_make_taps(xt, width, src->width);
        img_make_taps(yt, height, src->height);
        uint32_t ch = src->channels;
        for (uint32_t y = 0; y < height; y++) {
            const uint8_t *r0 = img_row(src, yt[y].i0);
            const uint8_t *r1 = img_row(src, yt[y].i1);
            uint32_t wy1 = yt[y].w1, wy0 = IMG_FRAC_ONE - wy1;
            uint8_t *d = img_row(out, y);
            for (uint32_t x = 0; x < width; x++) {
                size_t a = (size_t)xt[x].i0 * ch, b = (size_t)xt[x].i1 * ch;
                uint32_t wx1 = xt[x].w1, wx0 = IMG_FRAC_ONE - wx1;
                for (uint32_t c = 0; c < ch; c++) {
                    uint32_t top = r0[a + c] * wx0 + r0[b + c] * wx1;
                    uint32_t bot = r1[a + c] * wx0 + r1[b + c] * wx1;
                    uint32_t v = top * wy0 + bot * wy1;
                    d[(size_t)x * ch + c] =
                        (uint8_t)((v + (1u << (2 * IMG_FRAC_BITS - 1))) >> (2 * IMG_FRAC_BITS));
                }
            }
        }
    }
    free(xt);
    free(yt);
    return st;
}

ks_status img_resize(const img_image *src, uint32_t width, uint32_t height, img_image *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!img_is_valid(src) || width == 0 || height == 0)
        return KS_ERR_ARG;
    if ((uint64_t)width * height > IMG_MAX_PIXELS)
        return KS_ERR_TOO_LARGE;

    img_image tmp = { 0 };
    const img_image *cur = src;
    while (cur->width >= 2 * (uint64_t)width && cur->height >= 2 * (uint64_t)height) {
        img_image half;
        ks_status st = img_halve(cur, &half);
        img_free(&tmp);
        if (st != KS_OK)
            return st;
        tmp = half;
        cur = &tmp;
    }
    ks_status st = img_bilinear(cur, width, height, out);
    img_free(&tmp);
    return st;
}
