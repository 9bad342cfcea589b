/* Facemesh decoding back to the image and the geometry derived from it. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mesh.h"
#include "test_face_synth.h"

#define RAW_LEN ((size_t)MESH_NUM_LANDMARKS * 3u)

static void crop_transform_of_an_axis_aligned_box_is_scale_and_shift(void **state)
{
    (void)state;
    const float box[4] = { 100.0f, 50.0f, 484.0f, 434.0f }; /* 384 px = 2x the crop */
    mesh_affine m;
    assert_int_equal(mesh_affine_from_box(box, 0.0, MESH_INPUT_SIZE, &m), KS_OK);
    float *raw = calloc(RAW_LEN, sizeof(float));
    assert_non_null(raw);
    raw[0] = 0.0f;   raw[1] = 0.0f;   raw[2] = 3.0f;
    raw[3] = 192.0f; raw[4] = 192.0f; raw[5] = -4.0f;
    raw[6] = 96.0f;  raw[7] = 48.0f;  raw[8] = 0.0f;
    mesh_point lm[MESH_NUM_LANDMARKS];
    assert_int_equal(mesh_decode(raw, RAW_LEN, &m, lm, MESH_NUM_LANDMARKS), KS_OK);
    assert_float_equal(lm[0].x, 100.0f, 1e-4);
    assert_float_equal(lm[0].y, 50.0f, 1e-4);
    assert_float_equal(lm[0].z, 6.0f, 1e-4); /* depth scaled with x and y */
    assert_float_equal(lm[1].x, 484.0f, 1e-4);
    assert_float_equal(lm[1].y, 434.0f, 1e-4);
    assert_float_equal(lm[1].z, -8.0f, 1e-4);
    assert_float_equal(lm[2].x, 292.0f, 1e-4);
    assert_float_equal(lm[2].y, 146.0f, 1e-4);
    free(raw);
}

static void crop_transform_undoes_the_rotation_about_the_box_centre(void **state)
{
    (void)state;
    const float box[4] = { 0.0f, 0.0f, 192.0f, 192.0f };
    const double quarter = 3.14159265358979323846 / 2.0;
    mesh_affine m;
    assert_int_equal(mesh_affine_from_box(box, quarter, MESH_INPUT_SIZE, &m), KS_OK);
    float *raw = calloc(RAW_LEN, sizeof(float));
    assert_non_null(raw);
    raw[0] = 192.0f; raw[1] = 96.0f;  /* right middle of the crop */
    raw[3] = 96.0f;  raw[4] = 96.0f;  /* the centre stays */
    mesh_point lm[MESH_NUM_LANDMARKS];
    assert_int_equal(mesh_decode(raw, RAW_LEN, &m, lm, MESH_NUM_LANDMARKS), KS_OK);
    /* The crop's x axis turned clockwise on screen points down the image. */
    assert_float_equal(lm[0].x, 96.0f, 1e-3);
    assert_float_equal(lm[0].y, 192.0f, 1e-3);
    assert_float_equal(lm[1].x, 96.0f, 1e-3);
    assert_float_equal(lm[1].y, 96.0f, 1e-3);
    free(raw);
}

static void decoding_refuses_bad_lengths_transforms_and_values(void **state)
{
    (void)state;
    const float empty[4] = { 10.0f, 10.0f, 10.0f, 40.0f };
    mesh_affine m;
    assert_int_equal(mesh_affine_from_box(empty, 0.0, 192, &m), KS_ERR_ARG);
    const float box[4] = { 0.0f, 0.0f, 192.0f, 192.0f };
    assert_int_equal(mesh_affine_from_box(box, 0.0, 0, &m), KS_ERR_ARG);
    assert_int_equal(mesh_affine_from_box(box, 0.0, 192, &m), KS_OK);
    float *raw = calloc(RAW_LEN, sizeof(float));
    assert_non_null(raw);
    mesh_point lm[MESH_NUM_LANDMARKS];
    assert_int_equal(mesh_decode(raw, RAW_LEN - 3, &m, lm, MESH_NUM_LANDMARKS), KS_ERR_ARG);
    assert_int_equal(mesh_decode(raw, RAW_LEN, &m, lm, 10), KS_ERR_TOO_LARGE);
    raw[100] = NAN;
    assert_int_equal(mesh_decode(raw, RAW_LEN, &m, lm, MESH_NUM_LANDMARKS), KS_ERR_MALFORMED);
    mesh_affine flat = { 0, 0, 0, 0, 0, 0 };
    raw[100] = 0.0f;
    assert_int_equal(mesh_decode(raw, RAW_LEN, &flat, lm, MESH_NUM_LANDMARKS), KS_ERR_ARG);
    free(raw);
}

static void frontal_face_has_zero_pose_and_centred_alignment_points(void **state)
{
    (void)state;
    synth_face f = synth_frontal();
    mesh_point lm[MESH_NUM_LANDMARKS];
    synth_build(&f, lm);
    mesh_measures mm;
    assert_int_equal(mesh_measure(lm, MESH_NUM_LANDMARKS, &mm), KS_OK);
    assert_float_equal(mm.pose.yaw_deg, 0.0f, 0.01);
    assert_float_equal(mm.pose.pitch_deg, 0.0f, 0.01);
    assert_float_equal(mm.pose.roll_deg, 0.0f, 0.01);
    /* Eye centres are the contour means: x -30 / +30, y -10 around the face centre. */
    assert_float_equal(mm.align[MESH_ALIGN_RIGHT_EYE][0], 290.0f, 1e-3);
    assert_float_equal(mm.align[MESH_ALIGN_RIGHT_EYE][1], 230.0f, 1e-3);
    assert_float_equal(mm.align[MESH_ALIGN_LEFT_EYE][0], 350.0f, 1e-3);
    assert_float_equal(mm.align[MESH_ALIGN_NOSE_TIP][0], 320.0f, 1e-3);
    assert_float_equal(mm.align[MESH_ALIGN_NOSE_TIP][1], 255.0f, 1e-3);
    assert_float_equal(mm.align[MESH_ALIGN_MOUTH_RIGHT][0], 300.0f, 1e-3);
    assert_float_equal(mm.align[MESH_ALIGN_MOUTH_LEFT][0], 340.0f, 1e-3);
    assert_float_equal(mm.inter_ocular_px, 60.0f, 1e-3);
    assert_true(mm.box[0] <= 250.0f && mm.box[2] >= 390.0f);
    /* Both eyes equally open: 3 lid gaps of 2*5*sin(k*pi/8) over a 30-px width. */
    double want = 10.0 * (2.0 * sin(3.0 * 3.14159265358979323846 / 8.0) + 1.0) / 3.0 / 30.0;
    assert_float_equal(mm.ear_right, want, 1e-4);
    assert_float_equal(mm.ear_left, want, 1e-4);
    assert_float_equal(mm.ear_mean, want, 1e-4);
}

static void turning_to_the_left_gives_positive_yaw_and_right_negative(void **state)
{
    (void)state;
    synth_face f = synth_frontal();
    mesh_point lm[MESH_NUM_LANDMARKS];
    mesh_pose pose;
    f.yaw_deg = 30.0f;
    synth_build(&f, lm);
    assert_int_equal(mesh_head_pose(lm, MESH_NUM_LANDMARKS, &pose), KS_OK);
    assert_float_equal(pose.yaw_deg, 30.0f, 0.5);
    /* The nose moved towards image +x: the sign convention is the one documented. */
    assert_true(lm[1].x > 320.0f);
    f.yaw_deg = -25.0f;
    synth_build(&f, lm);
    assert_int_equal(mesh_head_pose(lm, MESH_NUM_LANDMARKS, &pose), KS_OK);
    assert_float_equal(pose.yaw_deg, -25.0f, 0.5);
    assert_float_equal(pose.pitch_deg, 0.0f, 0.5);
}

static void pitch_and_roll_have_the_documented_signs(void **state)
{
    (void)state;
    synth_face f = synth_frontal();
    mesh_point lm[MESH_NUM_LANDMARKS];
    mesh_pose pose;
    f.pitch_deg = 15.0f; /* looking up */
    synth_build(&f, lm);
    assert_int_equal(mesh_head_pose(lm, MESH_NUM_LANDMARKS, &pose), KS_OK);
    assert_float_equal(pose.pitch_deg, 15.0f, 0.5);
    assert_float_equal(pose.yaw_deg, 0.0f, 0.5);
    f.pitch_deg = 0.0f;
    f.roll_deg = 20.0f; /* clockwise on screen */
    f.yaw_deg = 10.0f;
    f.scale = 2.5f;
    synth_build(&f, lm);
    assert_int_equal(mesh_head_pose(lm, MESH_NUM_LANDMARKS, &pose), KS_OK);
    assert_float_equal(pose.roll_deg, 20.0f, 1.0);
    assert_float_equal(pose.yaw_deg, 10.0f, 0.5); /* roll does not leak into yaw */
}

static void closed_eyes_lower_the_eye_aspect_ratio(void **state)
{
    (void)state;
    synth_face f = synth_frontal();
    mesh_point lm[MESH_NUM_LANDMARKS];
    float open_r, open_l, shut_r, shut_l;
    synth_build(&f, lm);
    assert_int_equal(mesh_eye_aspect_ratio(lm, MESH_NUM_LANDMARKS, &open_r, &open_l), KS_OK);
    f.eye_open = 0.5f;
    synth_build(&f, lm);
    assert_int_equal(mesh_eye_aspect_ratio(lm, MESH_NUM_LANDMARKS, &shut_r, &shut_l), KS_OK);
    assert_true(open_r > 0.25f && open_l > 0.25f);
    assert_true(shut_r < 0.05f && shut_l < 0.05f);
    /* Scale-free: a face twice as large gives the same ratio. */
    f.eye_open = 5.0f;
    f.scale = 2.0f;
    synth_build(&f, lm);
    float big_r, big_l;
    assert_int_equal(mesh_eye_aspect_ratio(lm, MESH_NUM_LANDMARKS, &big_r, &big_l), KS_OK);
    assert_float_equal(big_r, open_r, 1e-4);
}

static void degenerate_or_short_landmark_lists_are_refused(void **state)
{
    (void)state;
    mesh_point lm[MESH_NUM_LANDMARKS];
    memset(lm, 0, sizeof(lm));
    mesh_measures mm;
    assert_int_equal(mesh_measure(lm, MESH_NUM_LANDMARKS, &mm), KS_ERR_ARG);
    assert_int_equal(mesh_measure(lm, MESH_NUM_LANDMARKS - 1, &mm), KS_ERR_ARG);
    synth_face f = synth_frontal();
    synth_build(&f, lm);
    lm[33].y = NAN;
    assert_int_equal(mesh_measure(lm, MESH_NUM_LANDMARKS, &mm), KS_ERR_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crop_transform_of_an_axis_aligned_box_is_scale_and_shift),
        cmocka_unit_test(crop_transform_undoes_the_rotation_about_the_box_centre),
        cmocka_unit_test(decoding_refuses_bad_lengths_transforms_and_values),
        cmocka_unit_test(frontal_face_has_zero_pose_and_centred_alignment_points),
        cmocka_unit_test(turning_to_the_left_gives_positive_yaw_and_right_negative),
        cmocka_unit_test(pitch_and_roll_have_the_documented_signs),
        cmocka_unit_test(closed_eyes_lower_the_eye_aspect_ratio),
        cmocka_unit_test(degenerate_or_short_landmark_lists_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
