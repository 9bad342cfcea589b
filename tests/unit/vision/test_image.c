/* Tests for hostd/vision/image.h: JPEG round trips, refusal of corrupt,
 * truncated and oversize input, and the geometry of crop and resize. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jpeglib.h>

#include "image.h"

/* A smooth diagonal gradient: easy for JPEG, and every pixel is known. */
static uint8_t gradient_value(uint32_t x, uint32_t y, uint32_t c, uint32_t w, uint32_t h)
{
    uint32_t v = (x * 255 / (w - 1) * (3 - c) + y * 255 / (h - 1) * (1 + c)) / 4;
    return (uint8_t)(v > 255 ? 255 : v);
}

static void make_gradient(img_image *img, uint32_t w, uint32_t h, uint32_t channels)
{
    assert_int_equal(img_alloc(img, w, h, channels), KS_OK);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (uint32_t c = 0; c < channels; c++)
                img_row(img, y)[x * channels + c] = gradient_value(x, y, c, w, h);
}

/* A horizontal ramp, identical on every row and channel. */
static void make_ramp(img_image *img, uint32_t w, uint32_t h, uint32_t channels)
{
    assert_int_equal(img_alloc(img, w, h, channels), KS_OK);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (uint32_t c = 0; c < channels; c++)
                img_row(img, y)[x * channels + c] = (uint8_t)(x * 255 / (w - 1));
}

static double mean_abs_error(const img_image *a, const img_image *b)
{
    uint64_t sum = 0;
    for (uint32_t y = 0; y < a->height; y++)
        for (size_t i = 0; i < (size_t)a->width * a->channels; i++)
            sum += (uint64_t)abs((int)img_row(a, y)[i] - (int)img_row(b, y)[i]);
    return (double)sum / ((double)a->width * a->height * a->channels);
}

/* A small but real colour JPEG used by the corruption tests. */
static void make_small_jpeg(uint8_t **jpeg, size_t *len)
{
    img_image img;
    make_gradient(&img, 24, 16, 3);
    assert_int_equal(img_jpeg_encode(&img, 75, jpeg, len), KS_OK);
    img_free(&img);
}

static void round_trip(uint32_t channels)
{
    img_image src, back;
    make_gradient(&src, 97, 61, channels); /* odd sizes: partial MCUs */
    uint8_t *jpeg;
    size_t len;
    assert_int_equal(img_jpeg_encode(&src, 95, &jpeg, &len), KS_OK);
    assert_true(len > 100);
    assert_int_equal(jpeg[0], 0xFF);
    assert_int_equal(jpeg[1], 0xD8);
    assert_int_equal(img_jpeg_decode(jpeg, len, 0, &back), KS_OK);
    assert_int_equal(back.width, 97);
    assert_int_equal(back.height, 61);
    assert_int_equal(back.channels, channels);
    assert_true(mean_abs_error(&src, &back) < 2.0);
    free(jpeg);
    img_free(&src);
    img_free(&back);
}

static void test_colour_round_trip_at_quality_95_keeps_size_and_pixels(void **state)
{
    (void)state;
    round_trip(3);
}

static void test_grey_round_trip_at_quality_95_keeps_size_and_pixels(void **state)
{
    (void)state;
    round_trip(1);
}

static void test_lower_quality_gives_a_smaller_file(void **state)
{
    (void)state;
    img_image src;
    make_gradient(&src, 128, 128, 3);
    /* Noise makes the size depend on quality, as it does for photos. */
    uint32_t seed = 12345;
    for (size_t i = 0; i < src.stride * src.height; i++) {
        seed = seed * 1103515245u + 12345u;
        src.pixels[i] = (uint8_t)(src.pixels[i] / 2 + ((seed >> 16) & 0x7F));
    }
    uint8_t *hi, *lo;
    size_t hi_len, lo_len;
    assert_int_equal(img_jpeg_encode(&src, 90, &hi, &hi_len), KS_OK);
    assert_int_equal(img_jpeg_encode(&src, 30, &lo, &lo_len), KS_OK);
    assert_true(lo_len < hi_len);
    free(hi);
    free(lo);
    img_free(&src);
}

static void test_encode_refuses_bad_quality_and_empty_image(void **state)
{
    (void)state;
    img_image src, empty = { 0 };
    make_gradient(&src, 8, 8, 3);
    uint8_t *jpeg = (uint8_t *)&src; /* must be reset to NULL on error */
    size_t len = 99;
    assert_int_equal(img_jpeg_encode(&src, 0, &jpeg, &len), KS_ERR_ARG);
    assert_null(jpeg);
    assert_int_equal(len, 0);
    assert_int_equal(img_jpeg_encode(&src, 101, &jpeg, &len), KS_ERR_ARG);
    assert_int_equal(img_jpeg_encode(&empty, 80, &jpeg, &len), KS_ERR_ARG);
    assert_int_equal(img_jpeg_encode(NULL, 80, &jpeg, &len), KS_ERR_ARG);
    img_free(&src);
}

static void test_alloc_refuses_bad_shapes_and_oversize(void **state)
{
    (void)state;
    img_image img;
    assert_int_equal(img_alloc(&img, 0, 10, 3), KS_ERR_ARG);
    assert_int_equal(img_alloc(&img, 10, 0, 3), KS_ERR_ARG);
    assert_int_equal(img_alloc(&img, 10, 10, 2), KS_ERR_ARG);
    assert_int_equal(img_alloc(&img, 10, 10, 4), KS_ERR_ARG);
    assert_int_equal(img_alloc(&img, 65535, 65535, 1), KS_ERR_TOO_LARGE);
    assert_int_equal(img_alloc(&img, UINT32_MAX, UINT32_MAX, 3), KS_ERR_TOO_LARGE);
    assert_null(img.pixels);
    img_free(&img); /* freeing an empty image is fine */
    img_free(NULL);
}

static void test_crop_copies_the_requested_rectangle(void **state)
{
    (void)state;
    img_image src, out;
    make_gradient(&src, 40, 30, 3);
    assert_int_equal(img_crop(&src, 5, 7, 20, 10, &out), KS_OK);
    assert_int_equal(out.width, 20);
    assert_int_equal(out.height, 10);
    for (uint32_t y = 0; y < 10; y++)
        assert_memory_equal(img_row(&out, y), img_row(&src, y + 7) + 5 * 3, 20 * 3);
    img_free(&out);
    /* The whole image is a valid crop too. */
    assert_int_equal(img_crop(&src, 0, 0, 40, 30, &out), KS_OK);
    assert_memory_equal(out.pixels, src.pixels, src.stride * src.height);
    img_free(&out);
    img_free(&src);
}

static void test_crop_outside_the_image_is_refused(void **state)
{
    (void)state;
    img_image src, out;
    make_gradient(&src, 40, 30, 1);
    assert_int_equal(img_crop(&src, 30, 0, 11, 5, &out), KS_ERR_ARG);
    assert_int_equal(img_crop(&src, 0, 25, 5, 6, &out), KS_ERR_ARG);
    assert_int_equal(img_crop(&src, 40, 0, 1, 1, &out), KS_ERR_ARG);
    assert_int_equal(img_crop(&src, 0, 30, 1, 1, &out), KS_ERR_ARG);
    assert_int_equal(img_crop(&src, 0, 0, 0, 5, &out), KS_ERR_ARG);
    assert_int_equal(img_crop(&src, 0, 0, 5, 0, &out), KS_ERR_ARG);
    /* Sums that would wrap around 32 bits. */
    assert_int_equal(img_crop(&src, 1, 0, UINT32_MAX, 5, &out), KS_ERR_ARG);
    assert_int_equal(img_crop(&src, UINT32_MAX, 0, 2, 5, &out), KS_ERR_ARG);
    assert_int_equal(img_crop(&src, 0, UINT32_MAX, 2, 2, &out), KS_ERR_ARG);
    assert_null(out.pixels);
    img_free(&src);
}

static void check_constant_resize(uint32_t w, uint32_t h, uint32_t ch, uint32_t ow, uint32_t oh)
{
    img_image src, out;
    assert_int_equal(img_alloc(&src, w, h, ch), KS_OK);
    memset(src.pixels, 173, src.stride * src.height);
    assert_int_equal(img_resize(&src, ow, oh, &out), KS_OK);
    assert_int_equal(out.width, ow);
    assert_int_equal(out.height, oh);
    assert_int_equal(out.channels, ch);
    for (uint32_t y = 0; y < oh; y++)
        for (size_t i = 0; i < (size_t)ow * ch; i++)
            assert_int_equal(img_row(&out, y)[i], 173);
    img_free(&src);
    img_free(&out);
}

static void test_resize_of_a_constant_image_stays_constant(void **state)
{
    (void)state;
    check_constant_resize(50, 40, 3, 50, 40); /* same size */
    check_constant_resize(50, 40, 3, 173, 91); /* enlarge */
    check_constant_resize(50, 40, 1, 37, 29); /* mild shrink */
    check_constant_resize(501, 403, 3, 36, 48); /* strong shrink, odd sizes */
    check_constant_resize(1, 1, 3, 9, 7); /* from a single pixel */
    check_constant_resize(9, 7, 1, 1, 1); /* to a single pixel */
}

static void check_monotonic_resize(uint32_t w, uint32_t ow, uint32_t ch)
{
    img_image src, out;
    make_ramp(&src, w, 9, ch);
    assert_int_equal(img_resize(&src, ow, 5, &out), KS_OK);
    for (uint32_t y = 0; y < out.height; y++) {
        const uint8_t *r = img_row(&out, y);
        for (uint32_t x = 1; x < ow; x++)
            for (uint32_t c = 0; c < ch; c++)
                assert_true(r[x * ch + c] >= r[(x - 1) * ch + c]);
        /* The ends stay near the ends of the ramp. */
        assert_true(r[0] < 255 / 4 + 1);
        assert_true(r[(ow - 1) * ch] > 255 * 3 / 4);
    }
    assert_true(img_row(&out, 0)[(ow - 1) * ch] > img_row(&out, 0)[0]);
    img_free(&src);
    img_free(&out);
}

static void test_resize_of_a_gradient_stays_monotonic(void **state)
{
    (void)state;
    check_monotonic_resize(64, 200, 3);
    check_monotonic_resize(64, 47, 1);
    check_monotonic_resize(1000, 33, 3);
    check_monotonic_resize(255, 254, 1);
}

static void test_resize_refuses_empty_and_oversize_targets(void **state)
{
    (void)state;
    img_image src, out;
    make_gradient(&src, 8, 8, 3);
    assert_int_equal(img_resize(&src, 0, 8, &out), KS_ERR_ARG);
    assert_int_equal(img_resize(&src, 8, 0, &out), KS_ERR_ARG);
    assert_int_equal(img_resize(&src, 100000, 100000, &out), KS_ERR_TOO_LARGE);
    assert_null(out.pixels);
    img_free(&src);
}

static void test_every_prefix_of_a_jpeg_is_refused(void **state)
{
    (void)state;
    uint8_t *jpeg;
    size_t len;
    make_small_jpeg(&jpeg, &len);
    for (size_t n = 0; n < len; n++) {
        /* An exact-size copy lets AddressSanitizer see any read past the end. */
        uint8_t *part = malloc(n ? n : 1);
        assert_non_null(part);
        memcpy(part, jpeg, n);
        img_image out;
        ks_status st = img_jpeg_decode(part, n, 0, &out);
        assert_int_not_equal(st, KS_OK);
        assert_true(st == KS_ERR_TRUNCATED || st == KS_ERR_MALFORMED);
        assert_null(out.pixels);
        free(part);
    }
    img_image whole;
    assert_int_equal(img_jpeg_decode(jpeg, len, 0, &whole), KS_OK);
    img_free(&whole);
    free(jpeg);
}

static void test_flipped_bytes_never_crash_and_broken_headers_are_refused(void **state)
{
    (void)state;
    uint8_t *jpeg;
    size_t len;
    make_small_jpeg(&jpeg, &len);
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    size_t refused = 0;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(copy, jpeg, len);
            copy[i] ^= (uint8_t)(1u << bit);
            img_image out;
            ks_status st = img_jpeg_decode(copy, len, 0, &out);
            if (st == KS_OK) {
                assert_non_null(out.pixels);
                assert_true(out.width * out.height <= IMG_MAX_PIXELS);
            } else {
                assert_null(out.pixels);
                refused++;
            }
            img_free(&out);
        }
    }
    assert_true(refused > 0);

    /* Specific header damage is always refused. */
    static const size_t header_bytes[] = { 0, 1, 2, 3 }; /* SOI and the first marker */
    for (size_t k = 0; k < sizeof header_bytes / sizeof header_bytes[0]; k++) {
        memcpy(copy, jpeg, len);
        copy[header_bytes[k]] ^= 0xFF;
        img_image out;
        assert_int_not_equal(img_jpeg_decode(copy, len, 0, &out), KS_OK);
        assert_null(out.pixels);
    }
    free(copy);
    free(jpeg);
}

static void test_garbage_and_null_input_are_refused(void **state)
{
    (void)state;
    img_image out;
    static const uint8_t junk[] = "this is not a JPEG file at all";
    assert_int_equal(img_jpeg_decode(junk, sizeof junk, 0, &out), KS_ERR_MALFORMED);
    assert_int_equal(img_jpeg_decode(junk, 0, 0, &out), KS_ERR_TRUNCATED);
    assert_int_equal(img_jpeg_decode(NULL, 10, 0, &out), KS_ERR_ARG);
    assert_int_equal(img_jpeg_decode(junk, sizeof junk, 0, NULL), KS_ERR_ARG);
    assert_null(out.pixels);
}

/* Returns the offset of the SOF0 marker's height field in an encoded JPEG. */
static size_t find_sof_dimensions(const uint8_t *jpeg, size_t len)
{
    for (size_t i = 2; i + 9 < len; i++)
        if (jpeg[i] == 0xFF && (jpeg[i + 1] == 0xC0 || jpeg[i + 1] == 0xC2))
            return i + 5; /* FF C0, length (2), precision (1), then Y, X */
    fail_msg("no SOF marker");
    return 0;
}

static void test_oversize_header_is_refused_before_decoding(void **state)
{
    (void)state;
    uint8_t *jpeg;
    size_t len;
    make_small_jpeg(&jpeg, &len);
    size_t at = find_sof_dimensions(jpeg, len);
    /* 65000 x 65000 = 4.2 gigapixels; the data behind it is tiny. */
    jpeg[at] = 0xFD;
    jpeg[at + 1] = 0xE8;
    jpeg[at + 2] = 0xFD;
    jpeg[at + 3] = 0xE8;
    img_image out;
    assert_int_equal(img_jpeg_decode(jpeg, len, 0, &out), KS_ERR_TOO_LARGE);
    assert_null(out.pixels);
    /* 8000 x 6000 = 48 megapixels: just over the 40 MP limit. */
    jpeg[at] = 0x17;
    jpeg[at + 1] = 0x70;
    jpeg[at + 2] = 0x1F;
    jpeg[at + 3] = 0x40;
    assert_int_equal(img_jpeg_decode(jpeg, len, 0, &out), KS_ERR_TOO_LARGE);
    free(jpeg);

    /* A caller's lower limit applies to an honest header too. */
    make_small_jpeg(&jpeg, &len);
    assert_int_equal(img_jpeg_decode(jpeg, len, 24 * 16 - 1, &out), KS_ERR_TOO_LARGE);
    assert_int_equal(img_jpeg_decode(jpeg, len, 24 * 16, &out), KS_OK);
    img_free(&out);
    free(jpeg);
}

/* Encodes a grey progressive JPEG with libjpeg directly, using either its
 * standard scan script or one that sends every AC coefficient on its own in
 * two passes (137 scans: legal, but a decoding-cost attack). */
static void make_progressive_jpeg(bool many_scans, unsigned char **jpeg, unsigned long *len)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    *jpeg = NULL;
    *len = 0;
    jpeg_mem_dest(&c, jpeg, len);
    c.image_width = 32;
    c.image_height = 32;
    c.input_components = 1;
    c.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_simple_progression(&c);
    static jpeg_scan_info scans[137];
    if (many_scans) {
        int n = 0;
        scans[n++] = (jpeg_scan_info){ 1, { 0 }, 0, 0, 0, 10 };
        for (int al = 9; al >= 0; al--)
            scans[n++] = (jpeg_scan_info){ 1, { 0 }, 0, 0, al + 1, al };
        for (int k = 1; k < 64; k++) {
            scans[n++] = (jpeg_scan_info){ 1, { 0 }, k, k, 0, 1 };
            scans[n++] = (jpeg_scan_info){ 1, { 0 }, k, k, 1, 0 };
        }
        assert_int_equal(n, 137);
        c.scan_info = scans;
        c.num_scans = n;
    }
    jpeg_start_compress(&c, TRUE);
    unsigned char row[32];
    while (c.next_scanline < c.image_height) {
        for (unsigned x = 0; x < 32; x++)
            row[x] = (unsigned char)(x * 7 + c.next_scanline * 3);
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
}

static void test_progressive_jpeg_decodes_but_excessive_scans_are_refused(void **state)
{
    (void)state;
    unsigned char *jpeg;
    unsigned long len;
    img_image out;
    make_progressive_jpeg(false, &jpeg, &len);
    assert_int_equal(img_jpeg_decode(jpeg, len, 0, &out), KS_OK);
    assert_int_equal(out.width, 32);
    assert_int_equal(out.channels, 1);
    img_free(&out);
    free(jpeg);

    make_progressive_jpeg(true, &jpeg, &len);
    assert_int_equal(img_jpeg_decode(jpeg, len, 0, &out), KS_ERR_MALFORMED);
    assert_null(out.pixels);
    free(jpeg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_colour_round_trip_at_quality_95_keeps_size_and_pixels),
        cmocka_unit_test(test_grey_round_trip_at_quality_95_keeps_size_and_pixels),
        cmocka_unit_test(test_lower_quality_gives_a_smaller_file),
        cmocka_unit_test(test_encode_refuses_bad_quality_and_empty_image),
        cmocka_unit_test(test_alloc_refuses_bad_shapes_and_oversize),
        cmocka_unit_test(test_crop_copies_the_requested_rectangle),
        cmocka_unit_test(test_crop_outside_the_image_is_refused),
        cmocka_unit_test(test_resize_of_a_constant_image_stays_constant),
        cmocka_unit_test(test_resize_of_a_gradient_stays_monotonic),
        cmocka_unit_test(test_resize_refuses_empty_and_oversize_targets),
        cmocka_unit_test(test_every_prefix_of_a_jpeg_is_refused),
        cmocka_unit_test(test_flipped_bytes_never_crash_and_broken_headers_are_refused),
        cmocka_unit_test(test_garbage_and_null_input_are_refused),
        cmocka_unit_test(test_oversize_header_is_refused_before_decoding),
        cmocka_unit_test(test_progressive_jpeg_decodes_but_excessive_scans_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
