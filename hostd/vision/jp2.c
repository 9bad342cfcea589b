/*
 * jp2.c — see jp2.h. OpenJPEG reads through a memory stream of our own; its
 * message callbacks only set flags in the per-call context, which is how
 * "a warning is an error" is enforced without anything reaching stderr.
 */
#include "jp2.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openjpeg.h>

/* Reads are small header and packet chunks; OpenJPEG's 1 MiB default buffer
 * would dominate the cost of small portraits. */
#define JP2_STREAM_CHUNK ((OPJ_SIZE_T)64 * 1024)

static const uint8_t jp2_signature_box[12] = { 0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50,
                                               0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A };
static const uint8_t j2k_soc_siz[4] = { 0xFF, 0x4F, 0xFF, 0x51 };

jp2_format jp2_detect(const uint8_t *data, size_t len)
{
    if (!data)
        return JP2_FORMAT_NONE;
    if (len >= sizeof jp2_signature_box && memcmp(data, jp2_signature_box, sizeof jp2_signature_box) == 0)
        return JP2_FORMAT_JP2;
    if (len >= sizeof j2k_soc_siz && memcmp(data, j2k_soc_siz, sizeof j2k_soc_siz) == 0)
        return JP2_FORMAT_J2K;
    return JP2_FORMAT_NONE;
}

/* ---- header pre-check ------------------------------------------------------ */

static uint32_t jp2_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Finds the codestream inside a JP2 file: the payload of the top-level
 * 'jp2c' box (ISO/IEC 15444-1 annex I box layout: LBox, TBox, [XLBox]). */
static ks_status jp2_find_codestream(const uint8_t *data, size_t len, size_t *off)
{
    size_t p = 0;
    while (p < len) {
        if (len - p < 8)
            return KS_ERR_TRUNCATED;
        uint64_t box = jp2_be32(data + p);
        uint32_t type = jp2_be32(data + p + 4);
        size_t header = 8;
        if (box == 1) {
            if (len - p < 16)
                return KS_ERR_TRUNCATED;
            box = (uint64_t)jp2_be32(data + p + 8) << 32 | jp2_be32(data + p + 12);
            header = 16;
        } else if (box == 0) {
            box = len - p; /* the last box runs to the end */
        }
        if (box < header)
            return KS_ERR_MALFORMED;
        if (type == 0x6A703263u) { /* 'jp2c' */
            *off = p + header;
            return KS_OK;
        }
        if (box > len - p)
            return KS_ERR_TRUNCATED;
        p += (size_t)box;
    }
    return KS_ERR_TRUNCATED;
}

/* Reads the SIZ segment ourselves and applies the size, tile and component
 * limits before OpenJPEG allocates anything for them (its per-tile
 * bookkeeping alone can be gigabytes for a hostile header). */
static ks_status jp2_precheck(const uint8_t *data, size_t len, jp2_format fmt, size_t max_pixels)
{
    size_t cs = 0;
    if (fmt == JP2_FORMAT_JP2) {
        ks_status st = jp2_find_codestream(data, len, &cs);
        if (st != KS_OK)
            return st;
    }
    /* SOC(2) SIZ(2) Lsiz(2) Rsiz(2) Xsiz YSiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz (4 each) Csiz(2) */
    if (len - cs < 42)
        return KS_ERR_TRUNCATED;
    const uint8_t *p = data + cs;
    if (p[0] != 0xFF || p[1] != 0x4F || p[2] != 0xFF || p[3] != 0x51)
        return KS_ERR_MALFORMED;
    uint32_t xsiz = jp2_be32(p + 8), ysiz = jp2_be32(p + 12);
    uint32_t xo = jp2_be32(p + 16), yo = jp2_be32(p + 20);
    uint32_t xt = jp2_be32(p + 24), yt = jp2_be32(p + 28);
    uint32_t xto = jp2_be32(p + 32), yto = jp2_be32(p + 36);
    uint32_t csiz = (uint32_t)p[40] << 8 | p[41];
    if (xsiz <= xo || ysiz <= yo || xt == 0 || yt == 0 || xto > xo || yto > yo)
        return KS_ERR_MALFORMED;
    if ((uint64_t)(xsiz - xo) * (ysiz - yo) > max_pixels)
        return KS_ERR_TOO_LARGE;
    uint64_t tiles_x = ((uint64_t)xsiz - xto + xt - 1) / xt;
    uint64_t tiles_y = ((uint64_t)ysiz - yto + yt - 1) / yt;
    if (tiles_x * tiles_y > JP2_MAX_TILES)
        return KS_ERR_TOO_LARGE;
    if (csiz < 1 || csiz > 4)
        return KS_ERR_UNSUPPORTED;
    return KS_OK;
}

/* ---- memory stream ------------------------------------------------------ */

struct jp2_mem {
    const uint8_t *data;
    size_t len;
    size_t pos;
};

static OPJ_SIZE_T jp2_mem_read(void *buf, OPJ_SIZE_T n, void *user)
{
    struct jp2_mem *m = user;
    if (m->pos >= m->len)
        return (OPJ_SIZE_T)-1; /* OpenJPEG's end-of-stream value */
    size_t left = m->len - m->pos;
    if (n > left)
        n = left;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return n;
}

static OPJ_OFF_T jp2_mem_skip(OPJ_OFF_T n, void *user)
{
    struct jp2_mem *m = user;
    if (n < 0) {
        uint64_t back = (uint64_t)(-(n + 1)) + 1; /* no overflow at INT64_MIN */
        if (back > m->pos)
            return -1;
        m->pos -= (size_t)back;
        return n;
    }
    if ((uint64_t)n > m->len - m->pos) {
        m->pos = m->len;
        return -1;
    }
    m->pos += (size_t)n;
    return n;
}

static OPJ_BOOL jp2_mem_seek(OPJ_OFF_T n, void *user)
{
    struct jp2_mem *m = user;
    if (n < 0 || (uint64_t)n > m->len)
        return OPJ_FALSE;
    m->pos = (size_t)n;
    return OPJ_TRUE;
}

/* ---- messages ----------------------------------------------------------- */

struct jp2_msgs {
    bool error;
    bool warning;
};

static void jp2_on_error(const char *msg, void *user)
{
    (void)msg;
    ((struct jp2_msgs *)user)->error = true;
}

static void jp2_on_warning(const char *msg, void *user)
{
    (void)msg;
    ((struct jp2_msgs *)user)->warning = true;
}

static void jp2_on_info(const char *msg, void *user)
{
    (void)msg;
    (void)user;
}

/* ---- sample conversion -------------------------------------------------- */

/* Rescales one sample of `prec` bits (1..31) to 0..255, clamping values a
 * corrupt stream may have put outside the declared range. */
static uint8_t jp2_to8(OPJ_INT32 v, OPJ_UINT32 prec, bool sgnd)
{
    int64_t x = v;
    if (sgnd)
        x += (int64_t)1 << (prec - 1);
    int64_t max = ((int64_t)1 << prec) - 1;
    if (x < 0)
        x = 0;
    if (x > max)
        x = max;
    if (prec == 8)
        return (uint8_t)x;
    return (uint8_t)((x * 255 + max / 2) / max);
}

static uint8_t jp2_clamp8(double v)
{
    if (v <= 0)
        return 0;
    if (v >= 255)
        return 255;
    return (uint8_t)(v + 0.5);
}

/* Sample of component c at image pixel (x, y): subsampled components are
 * read at the grid position covering the pixel (nearest neighbour). */
static uint8_t jp2_sample(const opj_image_t *im, const opj_image_comp_t *c, uint32_t x, uint32_t y)
{
    int64_t cx = (int64_t)(((uint64_t)im->x0 + x) / c->dx) - (int64_t)c->x0;
    int64_t cy = (int64_t)(((uint64_t)im->y0 + y) / c->dy) - (int64_t)c->y0;
    if (cx < 0)
        cx = 0;
    if (cy < 0)
        cy = 0;
    if (cx >= (int64_t)c->w)
        cx = (int64_t)c->w - 1;
    if (cy >= (int64_t)c->h)
        cy = (int64_t)c->h - 1;
    OPJ_INT32 v = c->data[(size_t)cy * c->w + (size_t)cx];
    return jp2_to8(v, c->prec, c->sgnd != 0);
}

/* ---- decoding ------------------------------------------------------------ */

struct jp2_layout {
    uint32_t width, height;
    uint32_t colour[3]; /* indices of the colour (non-alpha) components */
    uint32_t n_colour;  /* 1 or 3 */
};

static bool jp2_comp_is_sane(const opj_image_comp_t *c)
{
    return c->prec >= 1 && c->prec <= 31 && c->dx >= 1 && c->dy >= 1;
}

/* Checks what the header promises against our limits, before any sample
 * buffer exists. */
static ks_status jp2_check_header(const opj_image_t *im, size_t max_pixels, struct jp2_layout *lay)
{
    if (im->x1 <= im->x0 || im->y1 <= im->y0)
        return KS_ERR_MALFORMED;
    uint64_t w = im->x1 - im->x0, h = im->y1 - im->y0;
    if (w * h > max_pixels)
        return KS_ERR_TOO_LARGE;
    if (im->numcomps < 1 || im->numcomps > 4 || !im->comps)
        return KS_ERR_UNSUPPORTED;
    if (im->color_space == OPJ_CLRSPC_CMYK || im->color_space == OPJ_CLRSPC_EYCC ||
        im->color_space == OPJ_CLRSPC_UNKNOWN)
        return KS_ERR_UNSUPPORTED;
    lay->width = (uint32_t)w;
    lay->height = (uint32_t)h;
    lay->n_colour = 0;
    for (uint32_t i = 0; i < im->numcomps; i++) {
        const opj_image_comp_t *c = &im->comps[i];
        if (!jp2_comp_is_sane(c))
            return KS_ERR_UNSUPPORTED;
        if (c->alpha)
            continue;
        if (lay->n_colour == 3)
            return KS_ERR_UNSUPPORTED;
        lay->colour[lay->n_colour++] = i;
    }
    if (lay->n_colour != 1 && lay->n_colour != 3)
        return KS_ERR_UNSUPPORTED;
    return KS_OK;
}

/* sYCC is either declared, or — in a bare codestream that declares nothing —
 * implied by chroma planes subsampled against a full-resolution luma. */
static bool jp2_is_sycc(const opj_image_t *im, const struct jp2_layout *lay)
{
    if (lay->n_colour != 3)
        return false;
    if (im->color_space == OPJ_CLRSPC_SYCC)
        return true;
    if (im->color_space != OPJ_CLRSPC_UNSPECIFIED)
        return false;
    const opj_image_comp_t *y = &im->comps[lay->colour[0]];
    const opj_image_comp_t *cb = &im->comps[lay->colour[1]];
    return y->dx == 1 && y->dy == 1 && (cb->dx > 1 || cb->dy > 1);
}

static ks_status jp2_convert(const opj_image_t *im, const struct jp2_layout *lay, img_image *out)
{
    /* Sizes can differ from the header if the stream lied; re-check. */
    for (uint32_t k = 0; k < lay->n_colour; k++) {
        const opj_image_comp_t *c = &im->comps[lay->colour[k]];
        if (!c->data || c->w == 0 || c->h == 0 || !jp2_comp_is_sane(c))
            return KS_ERR_MALFORMED;
    }
    ks_status st = img_alloc(out, lay->width, lay->height, lay->n_colour);
    if (st != KS_OK)
        return st;
    bool sycc = jp2_is_sycc(im, lay);
    for (uint32_t y = 0; y < lay->height; y++) {
        uint8_t *row = img_row(out, y);
        for (uint32_t x = 0; x < lay->width; x++) {
            uint8_t s[3];
            for (uint32_t k = 0; k < lay->n_colour; k++)
                s[k] = jp2_sample(im, &im->comps[lay->colour[k]], x, y);
            if (sycc) {
                double yy = s[0], cb = s[1] - 128.0, cr = s[2] - 128.0;
                s[0] = jp2_clamp8(yy + 1.402 * cr);
                s[1] = jp2_clamp8(yy - 0.344136 * cb - 0.714136 * cr);
                s[2] = jp2_clamp8(yy + 1.772 * cb);
            }
            memcpy(row + (size_t)x * lay->n_colour, s, lay->n_colour);
        }
    }
    return KS_OK;
}

static ks_status jp2_check_tiles(opj_codec_t *codec)
{
    opj_codestream_info_v2_t *info = opj_get_cstr_info(codec);
    if (!info)
        return KS_ERR_MALFORMED;
    uint64_t tiles = (uint64_t)info->tw * info->th;
    opj_destroy_cstr_info(&info);
    return tiles == 0 ? KS_ERR_MALFORMED : tiles > JP2_MAX_TILES ? KS_ERR_TOO_LARGE : KS_OK;
}

struct jp2_session {
    struct jp2_mem mem;
    struct jp2_msgs msgs;
    opj_codec_t *codec;
    opj_stream_t *stream;
    opj_image_t *image;
};

static ks_status jp2_run(struct jp2_session *s, OPJ_CODEC_FORMAT fmt, size_t max_pixels, img_image *out)
{
    s->codec = opj_create_decompress(fmt);
    if (!s->codec)
        return KS_ERR_NO_MEMORY;
    opj_set_error_handler(s->codec, jp2_on_error, &s->msgs);
    opj_set_warning_handler(s->codec, jp2_on_warning, &s->msgs);
    opj_set_info_handler(s->codec, jp2_on_info, &s->msgs);

    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    if (!opj_setup_decoder(s->codec, &params))
        return KS_ERR_NO_MEMORY;
    /* Strict: a truncated codestream fails instead of decoding partially. */
    if (!opj_decoder_set_strict_mode(s->codec, OPJ_TRUE))
        return KS_ERR_UNSUPPORTED;

    s->stream = opj_stream_create(JP2_STREAM_CHUNK, OPJ_TRUE);
    if (!s->stream)
        return KS_ERR_NO_MEMORY;
    opj_stream_set_user_data(s->stream, &s->mem, NULL);
    opj_stream_set_user_data_length(s->stream, (OPJ_UINT64)s->mem.len);
    opj_stream_set_read_function(s->stream, jp2_mem_read);
    opj_stream_set_skip_function(s->stream, jp2_mem_skip);
    opj_stream_set_seek_function(s->stream, jp2_mem_seek);

    if (!opj_read_header(s->stream, s->codec, &s->image) || !s->image || s->msgs.error ||
        s->msgs.warning)
        return KS_ERR_MALFORMED;
    struct jp2_layout lay;
    ks_status st = jp2_check_header(s->image, max_pixels, &lay);
    if (st == KS_OK)
        st = jp2_check_tiles(s->codec);
    if (st != KS_OK)
        return st;

    if (!opj_decode(s->codec, s->stream, s->image) || !opj_end_decompress(s->codec, s->stream) ||
        s->msgs.error || s->msgs.warning)
        return KS_ERR_MALFORMED;
    return jp2_convert(s->image, &lay, out);
}

ks_status jp2_decode(const uint8_t *data, size_t len, size_t max_pixels, img_image *out)
{
    if (!out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!data)
        return KS_ERR_ARG;
    if (max_pixels == 0 || max_pixels > IMG_MAX_PIXELS)
        max_pixels = IMG_MAX_PIXELS;
    OPJ_CODEC_FORMAT fmt;
    switch (jp2_detect(data, len)) {
    case JP2_FORMAT_JP2:
        fmt = OPJ_CODEC_JP2;
        break;
    case JP2_FORMAT_J2K:
        fmt = OPJ_CODEC_J2K;
        break;
    default:
        return len < sizeof j2k_soc_siz ? KS_ERR_TRUNCATED : KS_ERR_MALFORMED;
    }

    ks_status st = jp2_precheck(data, len, fmt == OPJ_CODEC_JP2 ? JP2_FORMAT_JP2 : JP2_FORMAT_J2K,
                                max_pixels);
    if (st != KS_OK)
        return st;
    struct jp2_session s = { .mem = { data, len, 0 } };
    st = jp2_run(&s, fmt, max_pixels, out);
    if (st != KS_OK)
        img_free(out);
    if (s.image)
        opj_image_destroy(s.image);
    if (s.stream)
        opj_stream_destroy(s.stream);
    if (s.codec)
        opj_destroy_codec(s.codec);
    return st;
}
