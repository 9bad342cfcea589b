/*
 * test_facesim_mesh.c — the pieces of the simulated person (tools/facesim):
 * Delaunay triangulation, the piecewise-affine warp and the face motion.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "delaunay.h"
#include "facemotion.h"
#include "meshwarp.h"
#include "test_face_synth.h"

/* A fixed LCG so every run sees the same "random" points. */
static uint32_t lcg_state;
static double rnd(double lo, double hi)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lo + (hi - lo) * ((lcg_state >> 8) / 16777216.0);
}

#define NPTS 300

static size_t random_square(double (*pts)[2], size_t n, double side)
{
    const double corners[4][2] = { { 0, 0 }, { side, 0 }, { side, side }, { 0, side } };
    memcpy(pts, corners, sizeof(corners));
    for (size_t i = 4; i < n; i++) {
        pts[i][0] = rnd(1.0, side - 1.0);
        pts[i][1] = rnd(1.0, side - 1.0);
    }
    return n;
}

static size_t containing(const double (*pts)[2], const delaunay_tri *t, size_t nt, const double p[2])
{
    size_t count = 0;
    for (size_t i = 0; i < nt; i++) {
        const double *a = pts[t[i].v[0]], *b = pts[t[i].v[1]], *c = pts[t[i].v[2]];
        if (delaunay_orient(a, b, p) > 0 && delaunay_orient(b, c, p) > 0 && delaunay_orient(c, a, p) > 0)
            count++;
    }
    return count;
}

static double total_area(const double (*pts)[2], const delaunay_tri *t, size_t nt)
{
    double sum = 0.0;
    for (size_t i = 0; i < nt; i++)
        sum += 0.5 * delaunay_orient(pts[t[i].v[0]], pts[t[i].v[1]], pts[t[i].v[2]]);
    return sum;
}

static void test_delaunay_covers_every_inner_point_exactly_once(void **state)
{
    (void)state;
    static double pts[NPTS][2];
    static delaunay_tri tris[2 * NPTS];
    lcg_state = 1;
    size_t n = random_square(pts, NPTS, 100.0), nt = 0;
    assert_int_equal(delaunay_triangulate((const double(*)[2])pts, n, tris, 2 * NPTS, &nt), KS_OK);
    /* Euler: 2n - 2 - h triangles with the 4 corners as the hull. */
    assert_int_equal(nt, 2 * n - 6);
    for (size_t i = 0; i < nt; i++)
        assert_true(delaunay_orient(pts[tris[i].v[0]], pts[tris[i].v[1]], pts[tris[i].v[2]]) > 0.0);
    assert_true(fabs(total_area((const double(*)[2])pts, tris, nt) - 100.0 * 100.0) < 1e-6);
    for (int k = 0; k < 5000; k++) {
        double p[2] = { rnd(0.01, 99.99), rnd(0.01, 99.99) };
        assert_int_equal(containing((const double(*)[2])pts, tris, nt, p), 1);
    }
}

static void test_delaunay_circumcircles_are_empty(void **state)
{
    (void)state;
    static double pts[NPTS][2];
    static delaunay_tri tris[2 * NPTS];
    lcg_state = 7;
    size_t n = random_square(pts, NPTS, 640.0), nt = 0;
    assert_int_equal(delaunay_triangulate((const double(*)[2])pts, n, tris, 2 * NPTS, &nt), KS_OK);
    for (size_t i = 0; i < nt; i++) {
        const double *a = pts[tris[i].v[0]], *b = pts[tris[i].v[1]], *c = pts[tris[i].v[2]];
        /* Relative slack: incircle scales with the fourth power of size. */
        double scale = pow(delaunay_orient(a, b, c), 2.0) * 1e-9 + 1e-9;
        for (size_t j = 0; j < n; j++) {
            if (j == tris[i].v[0] || j == tris[i].v[1] || j == tris[i].v[2])
                continue;
            assert_true(delaunay_incircle(a, b, c, pts[j]) <= scale);
        }
    }
}

/* A square grid is the worst case: every cell's four corners are co-circular. */
static void test_delaunay_tiles_a_cocircular_grid_without_overlap(void **state)
{
    (void)state;
    static double pts[100][2];
    static delaunay_tri tris[200];
    for (int i = 0; i < 100; i++) {
        pts[i][0] = i % 10;
        pts[i][1] = i / 10;
    }
    size_t nt = 0;
    assert_int_equal(delaunay_triangulate((const double(*)[2])pts, 100, tris, 200, &nt), KS_OK);
    lcg_state = 3;
    size_t holes = 0;
    for (int k = 0; k < 4000; k++) {
        double p[2] = { rnd(0.001, 8.999), rnd(0.001, 8.999) };
        size_t c = containing((const double(*)[2])pts, tris, nt, p);
        assert_true(c <= 1);
        holes += c == 0;
    }
    /* Inner cells are always tiled; only slivers along the hull may be missing. */
    for (int k = 0; k < 2000; k++) {
        double p[2] = { rnd(1.0, 8.0), rnd(1.0, 8.0) };
        assert_int_equal(containing((const double(*)[2])pts, tris, nt, p), 1);
    }
    assert_true(holes < 400);
    assert_true(total_area((const double(*)[2])pts, tris, nt) <= 81.0 + 1e-9);
}

static void test_delaunay_refuses_degenerate_input(void **state)
{
    (void)state;
    delaunay_tri tris[16];
    size_t nt = 99;
    const double line[4][2] = { { 0, 0 }, { 1, 1 }, { 2, 2 }, { 3, 3 } };
    assert_int_equal(delaunay_triangulate(line, 4, tris, 16, &nt), KS_ERR_ARG);
    const double dup[4][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 }, { 1, 0 } };
    assert_int_equal(delaunay_triangulate(dup, 4, tris, 16, &nt), KS_ERR_ARG);
    const double bad[3][2] = { { 0, 0 }, { NAN, 0 }, { 0, 1 } };
    assert_int_equal(delaunay_triangulate(bad, 3, tris, 16, &nt), KS_ERR_ARG);
    assert_int_equal(delaunay_triangulate(line, 2, tris, 16, &nt), KS_ERR_ARG);
    const double sq[4][2] = { { 0, 0 }, { 1, 0 }, { 1, 1 }, { 0, 1 } };
    assert_int_equal(delaunay_triangulate(sq, 4, tris, 1, &nt), KS_ERR_TOO_LARGE);
    assert_int_equal(delaunay_triangulate(sq, 4, tris, 16, &nt), KS_OK);
    assert_int_equal(nt, 2);
}

/* A textured test image: smooth gradients plus a checker, so a wrong
 * sample position shows. */
static void make_image(img_image *img, uint32_t w, uint32_t h, uint32_t ch)
{
    assert_int_equal(img_alloc(img, w, h, ch), KS_OK);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (uint32_t c = 0; c < ch; c++)
                img_row(img, y)[x * ch + c] =
                    (uint8_t)((x * 3 + y * 5 + c * 40 + (((x / 4) + (y / 4)) % 2) * 60) % 256);
}

#define WARP_PTS 60

static size_t warp_points(double (*pts)[2], double w, double h)
{
    const double corners[4][2] = { { 0, 0 }, { w - 1, 0 }, { w - 1, h - 1 }, { 0, h - 1 } };
    memcpy(pts, corners, sizeof(corners));
    for (size_t i = 4; i < WARP_PTS; i++) {
        pts[i][0] = rnd(1.0, w - 2.0);
        pts[i][1] = rnd(1.0, h - 2.0);
    }
    return WARP_PTS;
}

static void test_meshwarp_identity_keeps_every_pixel_within_one_level(void **state)
{
    (void)state;
    img_image src = { 0 }, dst = { 0 };
    make_image(&src, 97, 61, 3);
    assert_int_equal(img_alloc(&dst, 97, 61, 3), KS_OK);
    double pts[WARP_PTS][2];
    delaunay_tri tris[2 * WARP_PTS];
    size_t nt = 0;
    lcg_state = 11;
    size_t n = warp_points(pts, 97, 61);
    assert_int_equal(delaunay_triangulate((const double(*)[2])pts, n, tris, 2 * WARP_PTS, &nt), KS_OK);
    memset(dst.pixels, 0, dst.stride * dst.height);
    assert_int_equal(meshwarp_render(&src, (const double(*)[2])pts, (const double(*)[2])pts, n, tris, NULL,
                                     nt, &dst),
                     KS_OK);
    for (uint32_t y = 0; y < src.height; y++)
        for (uint32_t i = 0; i < src.width * 3; i++)
            assert_true(abs((int)img_row(&src, y)[i] - (int)img_row(&dst, y)[i]) <= 1);
    img_free(&src);
    img_free(&dst);
}

static void test_meshwarp_translation_moves_the_content(void **state)
{
    (void)state;
    img_image src = { 0 }, dst = { 0 };
    make_image(&src, 80, 60, 1);
    assert_int_equal(img_alloc(&dst, 80, 60, 1), KS_OK);
    double sp[WARP_PTS][2], dp[WARP_PTS][2];
    delaunay_tri tris[2 * WARP_PTS];
    size_t nt = 0;
    lcg_state = 5;
    size_t n = warp_points(sp, 80, 60);
    for (size_t i = 0; i < n; i++) {
        dp[i][0] = sp[i][0] + 7.0;
        dp[i][1] = sp[i][1] + 4.0;
    }
    assert_int_equal(delaunay_triangulate((const double(*)[2])sp, n, tris, 2 * WARP_PTS, &nt), KS_OK);
    memset(dst.pixels, 0, dst.stride * dst.height);
    assert_int_equal(meshwarp_render(&src, (const double(*)[2])sp, (const double(*)[2])dp, n, tris, NULL, nt,
                                     &dst),
                     KS_OK);
    for (uint32_t y = 4; y < 60; y++)
        for (uint32_t x = 7; x < 80; x++)
            assert_true(abs((int)img_row(&dst, y)[x] - (int)img_row(&src, y - 4)[x - 7]) <= 1);
    /* Uncovered pixels keep what was there. */
    assert_int_equal(img_row(&dst, 0)[0], 0);
    assert_int_equal(img_row(&dst, 59)[3], 0);
    img_free(&src);
    img_free(&dst);
}

static void test_meshwarp_later_triangles_cover_earlier_ones(void **state)
{
    (void)state;
    img_image src = { 0 }, dst = { 0 };
    assert_int_equal(img_alloc(&src, 20, 10, 1), KS_OK);
    for (uint32_t y = 0; y < 10; y++)
        for (uint32_t x = 0; x < 20; x++)
            img_row(&src, y)[x] = x < 10 ? 50 : 200;
    assert_int_equal(img_alloc(&dst, 10, 10, 1), KS_OK);
    /* Two triangles over the same destination, sampling the dark and the
     * bright half of the source. */
    const double sp[6][2] = { { 1, 1 }, { 8, 1 }, { 1, 8 }, { 11, 1 }, { 18, 1 }, { 11, 8 } };
    const double dp[6][2] = { { 1, 1 }, { 8, 1 }, { 1, 8 }, { 1, 1 }, { 8, 1 }, { 1, 8 } };
    const delaunay_tri tris[2] = { { { 0, 1, 2 } }, { { 3, 4, 5 } } };
    const size_t dark_last[2] = { 1, 0 };
    assert_int_equal(meshwarp_render(&src, sp, dp, 6, tris, NULL, 2, &dst), KS_OK);
    assert_int_equal(img_row(&dst, 3)[3], 200);
    assert_int_equal(meshwarp_render(&src, sp, dp, 6, tris, dark_last, 2, &dst), KS_OK);
    assert_int_equal(img_row(&dst, 3)[3], 50);
    const size_t bad_order[2] = { 0, 2 };
    assert_int_equal(meshwarp_render(&src, sp, dp, 6, tris, bad_order, 2, &dst), KS_ERR_ARG);
    const delaunay_tri bad_tri[1] = { { { 0, 1, 6 } } };
    assert_int_equal(meshwarp_render(&src, sp, dp, 6, bad_tri, NULL, 1, &dst), KS_ERR_ARG);
    img_free(&src);
    img_free(&dst);
}

static void test_facemotion_turn_is_measured_as_that_yaw(void **state)
{
    (void)state;
    synth_face f = synth_frontal();
    mesh_point neutral[MESH_NUM_LANDMARKS], moved[MESH_NUM_LANDMARKS];
    synth_build(&f, neutral);
    const float angles[] = { 30.0f, -30.0f, 20.0f, -12.5f };
    for (size_t i = 0; i < sizeof(angles) / sizeof(angles[0]); i++) {
        facemotion_pose pose = { angles[i], 0.0f };
        assert_int_equal(facemotion_apply(neutral, MESH_NUM_LANDMARKS, pose, moved), KS_OK);
        mesh_pose mp;
        assert_int_equal(mesh_head_pose(moved, MESH_NUM_LANDMARKS, &mp), KS_OK);
        assert_float_equal(mp.yaw_deg, angles[i], 0.1);
        assert_float_equal(mp.pitch_deg, 0.0, 0.1);
        /* Turning to the subject's left takes the nose to image +x. */
        assert_true((moved[1].x - neutral[1].x) * angles[i] > 0.0f);
    }
}

static void test_facemotion_blink_closes_both_eyes_and_zero_changes_nothing(void **state)
{
    (void)state;
    synth_face f = synth_frontal();
    f.eye_open = 6.0f;
    mesh_point neutral[MESH_NUM_LANDMARKS], moved[MESH_NUM_LANDMARKS];
    synth_build(&f, neutral);
    float er0, el0, er, el;
    assert_int_equal(mesh_eye_aspect_ratio(neutral, MESH_NUM_LANDMARKS, &er0, &el0), KS_OK);
    facemotion_pose still = { 0.0f, 0.0f };
    assert_int_equal(facemotion_apply(neutral, MESH_NUM_LANDMARKS, still, moved), KS_OK);
    assert_memory_equal(neutral, moved, sizeof(neutral));
    facemotion_pose shut = { 0.0f, 1.0f };
    assert_int_equal(facemotion_apply(neutral, MESH_NUM_LANDMARKS, shut, moved), KS_OK);
    assert_int_equal(mesh_eye_aspect_ratio(moved, MESH_NUM_LANDMARKS, &er, &el), KS_OK);
    assert_true(er < 0.1f * er0 && el < 0.1f * el0);
    /* Half closed is in between, and the lower lid never moves. */
    facemotion_pose half = { 0.0f, 0.5f };
    assert_int_equal(facemotion_apply(neutral, MESH_NUM_LANDMARKS, half, moved), KS_OK);
    assert_int_equal(mesh_eye_aspect_ratio(moved, MESH_NUM_LANDMARKS, &er, &el), KS_OK);
    assert_true(er > 0.4f * er0 && er < 0.6f * er0);
    for (size_t k = 0; k < 7; k++) {
        assert_float_equal(moved[synth_right_lower[k]].y, neutral[synth_right_lower[k]].y, 0.0);
        assert_float_equal(moved[synth_left_lower[k]].y, neutral[synth_left_lower[k]].y, 0.0);
    }
    /* The lid pairs include the ones mesh.c measures EAR on (160/144 ...). */
    uint16_t up[9], lo[9];
    assert_int_equal(facemotion_lid_contours(0, up, lo), KS_OK);
    assert_true(up[0] == 33 && lo[0] == 33 && up[8] == 133 && up[3] == 160 && lo[3] == 144);
    assert_int_equal(facemotion_lid_contours(2, up, lo), KS_ERR_ARG);
    facemotion_pose wrong = { 0.0f, 1.5f };
    assert_int_equal(facemotion_apply(neutral, MESH_NUM_LANDMARKS, wrong, moved), KS_ERR_ARG);
    assert_int_equal(facemotion_apply(neutral, 10, still, moved), KS_ERR_ARG);
}

/* What the liveness check (liveness.h defaults) needs from the cycle. */
static void test_facemotion_cycle_fits_the_liveness_check_and_loops(void **state)
{
    (void)state;
    const double rates[] = { 4.0, 6.0, 8.0, 10.0, 15.0, 25.0, 30.0, 60.0 };
    for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
        facemotion_plan p;
        assert_int_equal(facemotion_plan_make(rates[r], 30.0f, 25.0f, &p), KS_OK);
        assert_true(p.lead_frames >= 5);
        /* Under the 7 s step timeout with room for a late start. */
        assert_true(facemotion_cycle_ms(&p) < 6000.0);
        facemotion_pose last = facemotion_at(&p, p.cycle_frames - 1);
        assert_float_equal(last.yaw_deg, 0.0, 1e-6);
        assert_float_equal(last.closure, 0.0, 1e-6);
        uint32_t shut = 0, half_closed = 0;
        float max_yaw = 0.0f, min_yaw = 0.0f, prev_yaw = 0.0f;
        int straight_between = 0;
        for (uint32_t k = 0; k < p.cycle_frames; k++) {
            facemotion_pose q = facemotion_at(&p, k);
            shut += q.closure >= 0.99f;
            half_closed += q.closure >= 0.5f;
            /* A blink is never mixed with a turn. */
            assert_true(q.closure == 0.0f || q.yaw_deg == 0.0f);
            /* Smooth: at most 15 degrees per frame at any rate. */
            assert_true(fabsf(q.yaw_deg - prev_yaw) <= 15.0f + 1e-4f);
            prev_yaw = q.yaw_deg;
            max_yaw = fmaxf(max_yaw, q.yaw_deg);
            min_yaw = fminf(min_yaw, q.yaw_deg);
            if (max_yaw >= 30.0f && min_yaw == 0.0f && fabsf(q.yaw_deg) < 1e-6f)
                straight_between = 1;
        }
        assert_true(shut >= 1);
        double closed_ms = half_closed * 1000.0 / rates[r];
        assert_true(closed_ms >= 100.0 && closed_ms <= 400.0);
        assert_float_equal(max_yaw, 30.0, 1e-4);
        assert_float_equal(min_yaw, -25.0, 1e-4);
        assert_true(straight_between);
        /* Frame k and k + cycle are the same pose. */
        facemotion_pose a = facemotion_at(&p, 3), b = facemotion_at(&p, 3 + p.cycle_frames);
        assert_memory_equal(&a, &b, sizeof(a));
    }
    facemotion_plan p;
    assert_int_equal(facemotion_plan_make(2.0, 30.0f, 30.0f, &p), KS_ERR_ARG);
    assert_int_equal(facemotion_plan_make(10.0, 0.0f, 30.0f, &p), KS_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delaunay_covers_every_inner_point_exactly_once),
        cmocka_unit_test(test_delaunay_circumcircles_are_empty),
        cmocka_unit_test(test_delaunay_tiles_a_cocircular_grid_without_overlap),
        cmocka_unit_test(test_delaunay_refuses_degenerate_input),
        cmocka_unit_test(test_meshwarp_identity_keeps_every_pixel_within_one_level),
        cmocka_unit_test(test_meshwarp_translation_moves_the_content),
        cmocka_unit_test(test_meshwarp_later_triangles_cover_earlier_ones),
        cmocka_unit_test(test_facemotion_turn_is_measured_as_that_yaw),
        cmocka_unit_test(test_facemotion_blink_closes_both_eyes_and_zero_changes_nothing),
        cmocka_unit_test(test_facemotion_cycle_fits_the_liveness_check_and_loops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
