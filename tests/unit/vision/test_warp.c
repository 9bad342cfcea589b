/* Tests for hostd/vision/warp.h: affine warps that must be pixel-exact
 * (identity, integer translation, quarter turn), the constant border, and
 * the similarity fit recovering a known transform from noisy landmarks. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "warp.h"

static uint8_t pattern(uint32_t x, uint32_t y, uint32_t c)
{
    return (uint8_t)((x * 37 + y * 91 + c * 59 + ((x ^ y) & 5) * 11) & 0xFF);
}

static void make_pattern(img_image *img, uint32_t w, uint32_t h, uint32_t ch)
{
    assert_int_equal(img_alloc(img, w, h, ch), KS_OK);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (uint32_t c = 0; c < ch; c++)
                img_row(img, y)[x * ch + c] = pattern(x, y, c);
}

static uint8_t px(const img_image *img, uint32_t x, uint32_t y, uint32_t c)
{
    return img_row(img, y)[x * img->channels + c];
}

static void identity_reproduces_the_image(void **state)
{
    (void)state;
    img_image src, out;
    make_pattern(&src, 23, 17, 3);
    const double m[2][3] = { { 1, 0, 0 }, { 0, 1, 0 } };
    assert_int_equal(img_warp_affine(&src, m, 23, 17, 0, &out), KS_OK);
    for (uint32_t y = 0; y < 17; y++)
        assert_memory_equal(img_row(&out, y), img_row(&src, y), 23 * 3);
    img_free(&out);
    img_free(&src);
}

static void integer_translation_shifts_and_fills_border(void **state)
{
    (void)state;
    img_image src, out;
    make_pattern(&src, 20, 15, 1);
    /* Source (x, y) lands on (x + 3, y - 2). */
    const double m[2][3] = { { 1, 0, 3 }, { 0, 1, -2 } };
    assert_int_equal(img_warp_affine(&src, m, 20, 15, 77, &out), KS_OK);
    for (uint32_t y = 0; y < 15; y++) {
        for (uint32_t x = 0; x < 20; x++) {
            int sx = (int)x - 3, sy = (int)y + 2;
            uint8_t want = (sx >= 0 && sy < 15) ? pattern((uint32_t)sx, (uint32_t)sy, 0) : 77;
            assert_int_equal(px(&out, x, y, 0), want);
        }
    }
    img_free(&out);
    img_free(&src);
}

static void half_pixel_translation_averages_neighbours(void **state)
{
    (void)state;
    img_image src, out;
    assert_int_equal(img_alloc(&src, 4, 1, 1), KS_OK);
    const uint8_t v[4] = { 0, 100, 200, 50 };
    memcpy(img_row(&src, 0), v, 4);
    const double m[2][3] = { { 1, 0, -0.5 }, { 0, 1, 0 } };
    assert_int_equal(img_warp_affine(&src, m, 4, 1, 0, &out), KS_OK);
    assert_int_equal(px(&out, 0, 0, 0), 50);
    assert_int_equal(px(&out, 1, 0, 0), 150);
    assert_int_equal(px(&out, 2, 0, 0), 125);
    assert_int_equal(px(&out, 3, 0, 0), 25); /* half of 50, half border 0 */
    img_free(&out);
    img_free(&src);
}

static void quarter_turn_is_exact(void **state)
{
    (void)state;
    img_image src, out;
    const uint32_t w = 13, h = 8;
    make_pattern(&src, w, h, 3);
    /* Rotate 90 degrees clockwise into an h x w image: (x, y) -> (h-1-y, x). */
    const double m[2][3] = { { 0, -1, (double)(h - 1) }, { 1, 0, 0 } };
    assert_int_equal(img_warp_affine(&src, m, h, w, 0, &out), KS_OK);
    assert_int_equal(out.width, h);
    assert_int_equal(out.height, w);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (uint32_t c = 0; c < 3; c++)
                assert_int_equal(px(&out, h - 1 - y, x, c), pattern(x, y, c));
    img_free(&out);
    img_free(&src);
}

static void singular_or_invalid_matrix_is_refused(void **state)
{
    (void)state;
    img_image src, out;
    make_pattern(&src, 4, 4, 1);
    const double flat[2][3] = { { 1, 2, 0 }, { 2, 4, 0 } };
    assert_int_equal(img_warp_affine(&src, flat, 4, 4, 0, &out), KS_ERR_ARG);
    assert_null(out.pixels);
    const double bad[2][3] = { { NAN, 0, 0 }, { 0, 1, 0 } };
    assert_int_equal(img_warp_affine(&src, bad, 4, 4, 0, &out), KS_ERR_ARG);
    const double id[2][3] = { { 1, 0, 0 }, { 0, 1, 0 } };
    assert_int_equal(img_warp_affine(&src, id, 0, 4, 0, &out), KS_ERR_ARG);
    img_free(&src);
}

static double uniform(uint32_t *seed)
{
    *seed = *seed * 1664525u + 1013904223u;
    return (double)(*seed >> 8) / (double)(1u << 24) - 0.5;
}

static void similarity_fit_recovers_known_transform_from_noisy_points(void **state)
{
    (void)state;
    const double scale = 0.42, angle = 0.3, tx = -17.5, ty = 8.25;
    const double a = scale * cos(angle), b = scale * sin(angle);
    /* Landmarks as a detector would give them on a 250 px face, jittered by
     * up to +-0.25 px. */
    double src[5][2] = { { 90, 110 }, { 170, 108 }, { 131, 150 }, { 98, 200 }, { 165, 198 } };
    double dst[5][2];
    uint32_t seed = 7;
    for (int i = 0; i < 5; i++) {
        dst[i][0] = a * src[i][0] - b * src[i][1] + tx + 0.5 * uniform(&seed);
        dst[i][1] = b * src[i][0] + a * src[i][1] + ty + 0.5 * uniform(&seed);
    }
    double m[2][3];
    assert_int_equal(warp_similarity_from_points((const double(*)[2])src,
                                                 (const double(*)[2])dst, m),
                     KS_OK);
    assert_true(fabs(m[0][0] - a) < 0.01 && fabs(m[1][0] - b) < 0.01);
    assert_true(fabs(m[0][1] + b) < 0.01 && fabs(m[1][1] - a) < 0.01);
    assert_true(fabs(atan2(m[1][0], m[0][0]) - angle) < 0.01);
    /* Translation checked where it matters: at the face's centre. */
    for (int i = 0; i < 5; i++) {
        double x = m[0][0] * src[i][0] + m[0][1] * src[i][1] + m[0][2];
        double y = m[1][0] * src[i][0] + m[1][1] * src[i][1] + m[1][2];
        assert_true(fabs(x - dst[i][0]) < 0.5 && fabs(y - dst[i][1]) < 0.5);
    }
}

static void similarity_fit_is_exact_without_noise_and_never_reflects(void **state)
{
    (void)state;
    double src[5][2], dst[5][2];
    for (int i = 0; i < 5; i++) {
        src[i][0] = warp_arcface_112[i][0] * 2 + 30;
        src[i][1] = warp_arcface_112[i][1] * 2 + 10;
    }
    double m[2][3];
    assert_int_equal(warp_similarity_from_points((const double(*)[2])src, warp_arcface_112, m),
                     KS_OK);
    const double want[2][3] = { { 0.5, 0, -15 }, { 0, 0.5, -5 } };
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++)
            assert_true(fabs(m[r][c] - want[r][c]) < 1e-9);
    /* Mirrored points: the best similarity is a proper rotation, det > 0. */
    for (int i = 0; i < 5; i++) {
        dst[i][0] = -src[i][0];
        dst[i][1] = src[i][1];
    }
    assert_int_equal(warp_similarity_from_points((const double(*)[2])src,
                                                 (const double(*)[2])dst, m),
                     KS_OK);
    assert_true(m[0][0] * m[1][1] - m[0][1] * m[1][0] >= 0);
    /* Coincident source points determine nothing. */
    double same[5][2] = { { 3, 3 }, { 3, 3 }, { 3, 3 }, { 3, 3 }, { 3, 3 } };
    assert_int_equal(warp_similarity_from_points((const double(*)[2])same, warp_arcface_112, m),
                     KS_ERR_ARG);
}

static void aligned_face_lands_on_the_template(void **state)
{
    (void)state;
    /* A 200x200 image with bright 7x7 squares at five landmark positions;
     * after alignment to the ArcFace template they cover the template points. */
    img_image src, out;
    assert_int_equal(img_alloc(&src, 200, 200, 1), KS_OK);
    double pts[5][2];
    for (int i = 0; i < 5; i++) {
        pts[i][0] = round(warp_arcface_112[i][0] * 1.5 + 20);
        pts[i][1] = round(warp_arcface_112[i][1] * 1.5 + 15);
        for (int dy = -3; dy <= 3; dy++)
            memset(img_row(&src, (uint32_t)(pts[i][1] + dy)) + (uint32_t)pts[i][0] - 3, 255, 7);
    }
    double m[2][3];
    assert_int_equal(warp_similarity_from_points((const double(*)[2])pts, warp_arcface_112, m),
                     KS_OK);
    assert_int_equal(img_warp_affine(&src, m, 112, 112, 0, &out), KS_OK);
    for (int i = 0; i < 5; i++) {
        uint32_t x = (uint32_t)lround(warp_arcface_112[i][0]);
        uint32_t y = (uint32_t)lround(warp_arcface_112[i][1]);
        assert_int_equal(px(&out, x, y, 0), 255);
    }
    assert_int_equal(px(&out, 56, 20, 0), 0);
    assert_int_equal(px(&out, 5, 105, 0), 0);
    img_free(&out);
    img_free(&src);
}

static void inverse_composes_to_identity(void **state)
{
    (void)state;
    const double m[2][3] = { { 0.8, -0.3, 12 }, { 0.4, 1.1, -7 } };
    double inv[2][3];
    assert_int_equal(warp_affine_invert(m, inv), KS_OK);
    const double p[2] = { 31.5, -4.25 };
    double q0 = m[0][0] * p[0] + m[0][1] * p[1] + m[0][2];
    double q1 = m[1][0] * p[0] + m[1][1] * p[1] + m[1][2];
    assert_true(fabs(inv[0][0] * q0 + inv[0][1] * q1 + inv[0][2] - p[0]) < 1e-9);
    assert_true(fabs(inv[1][0] * q0 + inv[1][1] * q1 + inv[1][2] - p[1]) < 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identity_reproduces_the_image),
        cmocka_unit_test(integer_translation_shifts_and_fills_border),
        cmocka_unit_test(half_pixel_translation_averages_neighbours),
        cmocka_unit_test(quarter_turn_is_exact),
        cmocka_unit_test(singular_or_invalid_matrix_is_refused),
        cmocka_unit_test(similarity_fit_recovers_known_transform_from_noisy_points),
        cmocka_unit_test(similarity_fit_is_exact_without_noise_and_never_reflects),
        cmocka_unit_test(aligned_face_lands_on_the_template),
        cmocka_unit_test(inverse_composes_to_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
