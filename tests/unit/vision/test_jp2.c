/* Tests for hostd/vision/jp2.h: lossless round trips through OpenJPEG's own
 * encoder (JP2 and bare J2K, grey and colour, 8 and 12 bits), refusal of
 * truncated, corrupt and oversize input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openjpeg.h>

#include "jp2.h"

/* ---- an in-memory encoder ------------------------------------------------- */

struct membuf {
    uint8_t *data;
    size_t len, cap, pos;
};

static void membuf_reserve(struct membuf *m, size_t need)
{
    if (need <= m->cap)
        return;
    size_t cap = m->cap ? m->cap : 4096;
    while (cap < need)
        cap *= 2;
    m->data = realloc(m->data, cap);
    assert_non_null(m->data);
    memset(m->data + m->cap, 0, cap - m->cap);
    m->cap = cap;
}

static OPJ_SIZE_T membuf_write(void *buf, OPJ_SIZE_T n, void *user)
{
    struct membuf *m = user;
    membuf_reserve(m, m->pos + n);
    memcpy(m->data + m->pos, buf, n);
    m->pos += n;
    if (m->pos > m->len)
        m->len = m->pos;
    return n;
}

static OPJ_OFF_T membuf_skip(OPJ_OFF_T n, void *user)
{
    struct membuf *m = user;
    if (n < 0 && (size_t)(-n) > m->pos)
        return -1;
    m->pos = (size_t)((OPJ_OFF_T)m->pos + n);
    membuf_reserve(m, m->pos);
    if (m->pos > m->len)
        m->len = m->pos;
    return n;
}

static OPJ_BOOL membuf_seek(OPJ_OFF_T n, void *user)
{
    struct membuf *m = user;
    if (n < 0)
        return OPJ_FALSE;
    m->pos = (size_t)n;
    membuf_reserve(m, m->pos);
    return OPJ_TRUE;
}

typedef int (*sample_fn)(uint32_t x, uint32_t y, uint32_t c);

/* Lossless (5/3 wavelet, one layer) encoding of a synthetic image. */
static void encode(OPJ_CODEC_FORMAT fmt, uint32_t w, uint32_t h, uint32_t comps, uint32_t prec,
                   sample_fn sample, uint8_t **out, size_t *out_len)
{
    opj_image_cmptparm_t parm[4];
    memset(parm, 0, sizeof parm);
    for (uint32_t c = 0; c < comps; c++) {
        parm[c].dx = parm[c].dy = 1;
        parm[c].w = w;
        parm[c].h = h;
        parm[c].prec = prec;
        parm[c].sgnd = 0;
    }
    opj_image_t *im = opj_image_create(comps, parm, comps == 1 ? OPJ_CLRSPC_GRAY : OPJ_CLRSPC_SRGB);
    assert_non_null(im);
    im->x0 = im->y0 = 0;
    im->x1 = w;
    im->y1 = h;
    for (uint32_t c = 0; c < comps; c++)
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++)
                im->comps[c].data[y * w + x] = sample(x, y, c);

    opj_cparameters_t p;
    opj_set_default_encoder_parameters(&p);
    p.tcp_numlayers = 1;
    p.tcp_rates[0] = 0;
    p.cp_disto_alloc = 1;
    p.tcp_mct = comps == 3 ? 1 : 0;
    p.numresolution = 3;
    opj_codec_t *codec = opj_create_compress(fmt);
    assert_non_null(codec);
    assert_true(opj_setup_encoder(codec, &p, im));

    struct membuf m = { 0 };
    opj_stream_t *s = opj_stream_create(4096, OPJ_FALSE);
    opj_stream_set_user_data(s, &m, NULL);
    opj_stream_set_write_function(s, membuf_write);
    opj_stream_set_skip_function(s, membuf_skip);
    opj_stream_set_seek_function(s, membuf_seek);
    assert_true(opj_start_compress(codec, im, s));
    assert_true(opj_encode(codec, s));
    assert_true(opj_end_compress(codec, s));
    opj_stream_destroy(s);
    opj_destroy_codec(codec);
    opj_image_destroy(im);
    *out = m.data;
    *out_len = m.len;
}

static int sample_8bit(uint32_t x, uint32_t y, uint32_t c)
{
    return (int)((x * 7 + y * 13 + c * 50 + (x * y) % 17) & 0xFF);
}

static int sample_12bit(uint32_t x, uint32_t y, uint32_t c)
{
    (void)c;
    return (int)((x * 97 + y * 31) % 4096);
}

/* ---- tests ------------------------------------------------------------------ */

static void check_matches(const img_image *img, uint32_t w, uint32_t h, uint32_t ch,
                          sample_fn sample)
{
    assert_int_equal(img->width, w);
    assert_int_equal(img->height, h);
    assert_int_equal(img->channels, ch);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (uint32_t c = 0; c < ch; c++)
                assert_int_equal(img_row(img, y)[x * ch + c], sample(x, y, c));
}

static void rgb_jp2_round_trip_is_exact(void **state)
{
    (void)state;
    uint8_t *data;
    size_t len;
    encode(OPJ_CODEC_JP2, 37, 21, 3, 8, sample_8bit, &data, &len);
    assert_int_equal(jp2_detect(data, len), JP2_FORMAT_JP2);
    img_image img;
    assert_int_equal(jp2_decode(data, len, 0, &img), KS_OK);
    check_matches(&img, 37, 21, 3, sample_8bit);
    img_free(&img);
    free(data);
}

static void grey_j2k_codestream_round_trip_is_exact(void **state)
{
    (void)state;
    uint8_t *data;
    size_t len;
    encode(OPJ_CODEC_J2K, 19, 30, 1, 8, sample_8bit, &data, &len);
    assert_int_equal(jp2_detect(data, len), JP2_FORMAT_J2K);
    img_image img;
    assert_int_equal(jp2_decode(data, len, 0, &img), KS_OK);
    check_matches(&img, 19, 30, 1, sample_8bit);
    img_free(&img);
    free(data);
}

static int sample_12bit_scaled(uint32_t x, uint32_t y, uint32_t c)
{
    int v = sample_12bit(x, y, c);
    return (v * 255 + 2047) / 4095;
}

static void twelve_bit_samples_are_rescaled_to_8_bits(void **state)
{
    (void)state;
    uint8_t *data;
    size_t len;
    encode(OPJ_CODEC_J2K, 16, 16, 1, 12, sample_12bit, &data, &len);
    img_image img;
    assert_int_equal(jp2_decode(data, len, 0, &img), KS_OK);
    check_matches(&img, 16, 16, 1, sample_12bit_scaled);
    img_free(&img);
    free(data);
}

static void every_truncation_is_an_error(void **state)
{
    (void)state;
    for (int f = 0; f < 2; f++) {
        uint8_t *data;
        size_t len;
        encode(f ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K, 12, 9, 3, 8, sample_8bit, &data, &len);
        for (size_t cut = 0; cut < len; cut++) {
            /* A fresh copy of exactly `cut` bytes so ASan sees any over-read. */
            uint8_t *prefix = malloc(cut ? cut : 1);
            assert_non_null(prefix);
            memcpy(prefix, data, cut);
            img_image img;
            ks_status st = jp2_decode(prefix, cut, 0, &img);
            if (st == KS_OK)
                fail_msg("format %d: prefix of %zu/%zu bytes accepted", f, cut, len);
            assert_null(img.pixels);
            free(prefix);
        }
        free(data);
    }
}

static void header_over_the_pixel_limit_is_refused(void **state)
{
    (void)state;
    uint8_t *data;
    size_t len;
    encode(OPJ_CODEC_J2K, 40, 30, 1, 8, sample_8bit, &data, &len);
    img_image img;
    assert_int_equal(jp2_decode(data, len, 1199, &img), KS_ERR_TOO_LARGE);
    assert_int_equal(jp2_decode(data, len, 1200, &img), KS_OK);
    img_free(&img);
    /* A header announcing 60000 x 60000 in one tile: refused before decoding. */
    const uint8_t big[4] = { 0x00, 0x00, 0xEA, 0x60 };
    memcpy(data + 8, big, 4);  /* Xsiz */
    memcpy(data + 12, big, 4); /* Ysiz */
    memcpy(data + 24, big, 4); /* XTsiz */
    memcpy(data + 28, big, 4); /* YTsiz */
    assert_int_equal(jp2_decode(data, len, 0, &img), KS_ERR_TOO_LARGE);
    assert_null(img.pixels);
    free(data);
}

static void too_many_tiles_are_refused(void **state)
{
    (void)state;
    uint8_t *data;
    size_t len;
    encode(OPJ_CODEC_J2K, 200, 200, 1, 8, sample_8bit, &data, &len);
    const uint8_t one[4] = { 0, 0, 0, 1 };
    memcpy(data + 24, one, 4); /* XTsiz = 1: 40000 tiles */
    memcpy(data + 28, one, 4);
    img_image img;
    assert_int_equal(jp2_decode(data, len, 0, &img), KS_ERR_TOO_LARGE);
    free(data);
}

static void corrupted_bytes_never_crash(void **state)
{
    (void)state;
    uint8_t *data;
    size_t len;
    encode(OPJ_CODEC_JP2, 24, 24, 3, 8, sample_8bit, &data, &len);
    uint32_t seed = 12345;
    for (int round = 0; round < 300; round++) {
        uint8_t *copy = malloc(len);
        assert_non_null(copy);
        memcpy(copy, data, len);
        for (int k = 0; k < 3; k++) {
            seed = seed * 1103515245u + 12345u;
            copy[(seed >> 8) % len] ^= (uint8_t)(1u << ((seed >> 4) & 7));
        }
        img_image img;
        if (jp2_decode(copy, len, 0, &img) == KS_OK) {
            assert_int_equal(img.width, 24);
            img_free(&img);
        } else {
            assert_null(img.pixels);
        }
        free(copy);
    }
    free(data);
}

static void non_jpeg2000_input_is_malformed(void **state)
{
    (void)state;
    const uint8_t jpeg[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0 };
    img_image img;
    assert_int_equal(jp2_detect(jpeg, sizeof jpeg), JP2_FORMAT_NONE);
    assert_int_equal(jp2_decode(jpeg, sizeof jpeg, 0, &img), KS_ERR_MALFORMED);
    assert_int_equal(jp2_decode(jpeg, 2, 0, &img), KS_ERR_TRUNCATED);
    assert_int_equal(jp2_decode(NULL, 0, 0, &img), KS_ERR_ARG);
    assert_int_equal(jp2_decode(jpeg, sizeof jpeg, 0, NULL), KS_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rgb_jp2_round_trip_is_exact),
        cmocka_unit_test(grey_j2k_codestream_round_trip_is_exact),
        cmocka_unit_test(twelve_bit_samples_are_rescaled_to_8_bits),
        cmocka_unit_test(every_truncation_is_an_error),
        cmocka_unit_test(header_over_the_pixel_limit_is_refused),
        cmocka_unit_test(too_many_tiles_are_refused),
        cmocka_unit_test(corrupted_bytes_never_crash),
        cmocka_unit_test(non_jpeg2000_input_is_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
