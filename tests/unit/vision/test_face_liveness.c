/* The liveness challenge on scripted frame sequences. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "liveness.h"
#include "mesh.h"
#include "test_face_synth.h"

#define FRAME_MS 33u

/* An RNG that replays a script, so the drawn order is known. */
typedef struct script_rng {
    const uint32_t *values;
    size_t n, pos;
} script_rng;

static uint32_t script_next(void *ctx)
{
    script_rng *r = ctx;
    uint32_t v = r->values[r->pos % r->n];
    r->pos++;
    return v;
}

/* A person in front of the camera, measured through mesh.h like the kiosk does. */
typedef struct scene {
    lv_session s;
    uint64_t t;
    float eye_open;
    float yaw;
    float identity;
    float shift_x;
    float antispoof;
} scene;

static lv_status scene_frame(scene *sc)
{
    synth_face f = synth_frontal();
    f.eye_open = sc->eye_open;
    f.yaw_deg = sc->yaw;
    f.cx += sc->shift_x;
    mesh_point lm[MESH_NUM_LANDMARKS];
    synth_build(&f, lm);
    mesh_measures mm;
    assert_int_equal(mesh_measure(lm, MESH_NUM_LANDMARKS, &mm), KS_OK);
    lv_frame fr = { sc->t, 1, mm.ear_mean, mm.pose.yaw_deg, { 0 },
                    sc->identity, sc->antispoof, NAN };
    memcpy(fr.box, mm.box, sizeof(fr.box));
    lv_status st;
    assert_int_equal(lv_update(&sc->s, &fr, &st), KS_OK);
    sc->t += FRAME_MS;
    return st;
}

static lv_status scene_hold(scene *sc, unsigned frames)
{
    lv_status st = { 0 };
    for (unsigned i = 0; i < frames; i++)
        st = scene_frame(sc);
    return st;
}

static lv_status scene_blink(scene *sc)
{
    float open = sc->eye_open;
    scene_hold(sc, 2);
    sc->eye_open = 0.6f;
    scene_hold(sc, 4); /* ~130 ms closed */
    sc->eye_open = open;
    return scene_hold(sc, 2);
}

static lv_status scene_turn(scene *sc, float peak)
{
    lv_status st = { 0 };
    for (int i = 1; i <= 10; i++) {
        sc->yaw = peak * (float)i / 10.0f;
        st = scene_frame(sc);
    }
    for (int i = 9; i >= 0; i--) {
        sc->yaw = peak * (float)i / 10.0f;
        st = scene_frame(sc);
    }
    return st;
}

/* Starts with a scripted RNG: first value picks the turn (odd = left), the
 * second the order (even = turn first). */
static void scene_start(scene *sc, uint32_t turn, uint32_t order)
{
    static uint32_t values[2];
    values[0] = turn;
    values[1] = order;
    script_rng rng = { values, 2, 0 };
    memset(sc, 0, sizeof(*sc));
    sc->t = 1000;
    sc->eye_open = 5.0f;
    sc->identity = 1.0f;
    sc->antispoof = NAN;
    lv_config cfg;
    lv_config_default(&cfg);
    assert_int_equal(lv_start(&sc->s, &cfg, script_next, &rng), KS_OK);
    assert_int_equal(rng.pos, 2);
}

static void a_real_blink_then_turn_passes(void **state)
{
    (void)state;
    scene sc;
    scene_start(&sc, 1, 1); /* turn left, blink first */
    lv_status st = scene_hold(&sc, 10);
    assert_int_equal(st.state, LV_IN_PROGRESS);
    assert_int_equal(st.prompt, LV_STEP_BLINK);
    assert_int_equal(st.step_count, 2);
    st = scene_blink(&sc);
    assert_int_equal(st.state, LV_IN_PROGRESS);
    assert_int_equal(st.step_index, 1);
    assert_int_equal(st.prompt, LV_STEP_TURN_LEFT);
    st = scene_turn(&sc, 30.0f);
    assert_int_equal(st.state, LV_PASSED);
    assert_int_equal(st.reason, LV_REASON_NONE);
    /* Decided sessions stay decided. */
    sc.identity = 0.0f;
    st = scene_hold(&sc, 3);
    assert_int_equal(st.state, LV_PASSED);
}

static void the_drawn_order_is_respected(void **state)
{
    (void)state;
    scene sc;
    scene_start(&sc, 0, 0); /* turn right, turn first */
    lv_status st = scene_hold(&sc, 10);
    assert_int_equal(st.prompt, LV_STEP_TURN_RIGHT);
    /* A blink while asked to turn does not count. */
    st = scene_blink(&sc);
    assert_int_equal(st.step_index, 0);
    assert_int_equal(st.prompt, LV_STEP_TURN_RIGHT);
    st = scene_turn(&sc, -30.0f);
    assert_int_equal(st.step_index, 1);
    assert_int_equal(st.prompt, LV_STEP_BLINK);
    /* Nor does a turn while asked to blink. */
    st = scene_turn(&sc, -30.0f);
    assert_int_equal(st.step_index, 1);
    st = scene_blink(&sc);
    assert_int_equal(st.state, LV_PASSED);
}

static void different_draws_give_both_orders_and_directions(void **state)
{
    (void)state;
    int seen[2][2] = { { 0 } };
    for (uint32_t turn = 0; turn < 2; turn++) {
        for (uint32_t order = 0; order < 2; order++) {
            scene sc;
            scene_start(&sc, turn, order);
            lv_status st;
            lv_get_status(&sc.s, &st);
            int turn_first = st.prompt != LV_STEP_BLINK;
            int left = (sc.s.steps[0] == LV_STEP_TURN_LEFT) || (sc.s.steps[1] == LV_STEP_TURN_LEFT);
            seen[turn_first][left]++;
        }
    }
    assert_int_equal(seen[0][0], 1);
    assert_int_equal(seen[0][1], 1);
    assert_int_equal(seen[1][0], 1);
    assert_int_equal(seen[1][1], 1);
}

static void a_static_photo_fails_by_timeout(void **state)
{
    (void)state;
    scene sc;
    scene_start(&sc, 1, 1);
    lv_status st = scene_hold(&sc, 200); /* 6.6 s: still waiting */
    assert_int_equal(st.state, LV_IN_PROGRESS);
    st = scene_hold(&sc, 20);
    assert_int_equal(st.state, LV_FAILED);
    assert_int_equal(st.reason, LV_REASON_TIMEOUT);
    assert_string_equal(lv_reason_str(st.reason), "the requested movement was not seen in time");
}

static void a_face_swap_mid_sequence_fails(void **state)
{
    (void)state;
    scene sc;
    scene_start(&sc, 1, 1);
    scene_hold(&sc, 10);
    lv_status st = scene_blink(&sc);
    assert_int_equal(st.step_index, 1);
    sc.identity = 0.35f; /* someone else's face, same place */
    st = scene_frame(&sc);
    assert_int_equal(st.state, LV_FAILED);
    assert_int_equal(st.reason, LV_REASON_IDENTITY_CHANGED);
}

static void a_turn_in_the_wrong_direction_does_not_count(void **state)
{
    (void)state;
    scene sc;
    scene_start(&sc, 1, 0); /* turn left, turn first */
    scene_hold(&sc, 10);
    lv_status st = scene_turn(&sc, -35.0f);
    assert_int_equal(st.state, LV_IN_PROGRESS);
    assert_int_equal(st.step_index, 0);
    assert_int_equal(st.prompt, LV_STEP_TURN_LEFT);
    /* A turn that never comes back is not done either. */
    for (int i = 1; i <= 10; i++) {
        sc.yaw = 3.0f * (float)i;
        st = scene_frame(&sc);
    }
    assert_int_equal(st.step_index, 0);
    sc.yaw = 0.0f;
    st = scene_frame(&sc);
    assert_int_equal(st.step_index, 1);
}

static void a_blink_held_too_long_does_not_count(void **state)
{
    (void)state;
    scene sc;
    scene_start(&sc, 1, 1);
    scene_hold(&sc, 10);
    sc.eye_open = 0.5f;
    scene_hold(&sc, 45); /* ~1.5 s closed */
    sc.eye_open = 5.0f;
    lv_status st = scene_hold(&sc, 3);
    assert_int_equal(st.step_index, 0);
    st = scene_blink(&sc);
    assert_int_equal(st.step_index, 1);
}

static void a_lost_face_or_a_jump_fails_as_swapped_or_lost(void **state)
{
    (void)state;
    scene sc;
    scene_start(&sc, 1, 1);
    scene_hold(&sc, 10);
    lv_frame none = { sc.t + 300, 0, NAN, NAN, { 0 }, NAN, NAN, NAN };
    lv_status st;
    assert_int_equal(lv_update(&sc.s, &none, &st), KS_OK);
    assert_int_equal(st.state, LV_IN_PROGRESS); /* short gaps are tolerated */
    assert_int_equal(lv_tick(&sc.s, sc.t + 700, &st), KS_OK);
    assert_int_equal(st.state, LV_FAILED);
    assert_int_equal(st.reason, LV_REASON_FACE_LOST);

    scene_start(&sc, 1, 1);
    scene_hold(&sc, 10);
    sc.shift_x = 150.0f;
    st = scene_frame(&sc);
    assert_int_equal(st.state, LV_FAILED);
    assert_int_equal(st.reason, LV_REASON_FACE_JUMP);
}

static void a_second_face_fails(void **state)
{
    (void)state;
    scene sc;
    scene_start(&sc, 1, 1);
    scene_hold(&sc, 5);
    lv_frame two = { sc.t, 2, 0.3f, 0.0f, { 10, 10, 50, 50 }, 1.0f, NAN, NAN };
    lv_status st;
    assert_int_equal(lv_update(&sc.s, &two, &st), KS_OK);
    assert_int_equal(st.reason, LV_REASON_MULTIPLE_FACES);
}

static void a_low_passive_hint_vetoes_a_completed_challenge(void **state)
{
    (void)state;
    scene sc;
    scene_start(&sc, 1, 1);
    sc.antispoof = 0.2f;
    scene_hold(&sc, 10);
    scene_blink(&sc);
    lv_status st = scene_turn(&sc, 30.0f);
    assert_int_equal(st.state, LV_FAILED);
    assert_int_equal(st.reason, LV_REASON_ANTISPOOF_HINT);
}

static void time_going_backwards_and_bad_configs_are_refused(void **state)
{
    (void)state;
    scene sc;
    scene_start(&sc, 1, 1);
    scene_hold(&sc, 3);
    lv_frame old = { 10, 1, 0.3f, 0.0f, { 10, 10, 50, 50 }, 1.0f, NAN, NAN };
    lv_status st;
    assert_int_equal(lv_update(&sc.s, &old, &st), KS_ERR_ARG);
    lv_get_status(&sc.s, &st);
    assert_int_equal(st.state, LV_IN_PROGRESS);

    lv_config cfg;
    lv_config_default(&cfg);
    cfg.return_deg = cfg.turn_deg + 1.0f;
    static const uint32_t v[1] = { 0 };
    script_rng rng = { v, 1, 0 };
    lv_session s;
    assert_int_equal(lv_start(&s, &cfg, script_next, &rng), KS_ERR_ARG);
    lv_config_default(&cfg);
    cfg.baseline_frames = LV_MAX_BASELINE_FRAMES + 1;
    assert_int_equal(lv_start(&s, &cfg, script_next, &rng), KS_ERR_ARG);
    lv_config_default(&cfg);
    assert_int_equal(lv_start(&s, &cfg, NULL, NULL), KS_ERR_ARG);
}

static void both_turns_make_three_steps(void **state)
{
    (void)state;
    lv_config cfg;
    lv_config_default(&cfg);
    cfg.both_turns = 1;
    static const uint32_t v[3] = { 2, 1, 0 };
    script_rng rng = { v, 3, 0 };
    lv_session s;
    assert_int_equal(lv_start(&s, &cfg, script_next, &rng), KS_OK);
    lv_status st;
    lv_get_status(&s, &st);
    assert_int_equal(st.step_count, 3);
    int blinks = 0, lefts = 0, rights = 0;
    for (size_t i = 0; i < 3; i++) {
        blinks += s.steps[i] == LV_STEP_BLINK;
        lefts += s.steps[i] == LV_STEP_TURN_LEFT;
        rights += s.steps[i] == LV_STEP_TURN_RIGHT;
    }
    assert_int_equal(blinks, 1);
    assert_int_equal(lefts, 1);
    assert_int_equal(rights, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_real_blink_then_turn_passes),
        cmocka_unit_test(the_drawn_order_is_respected),
        cmocka_unit_test(different_draws_give_both_orders_and_directions),
        cmocka_unit_test(a_static_photo_fails_by_timeout),
        cmocka_unit_test(a_face_swap_mid_sequence_fails),
        cmocka_unit_test(a_turn_in_the_wrong_direction_does_not_count),
        cmocka_unit_test(a_blink_held_too_long_does_not_count),
        cmocka_unit_test(a_lost_face_or_a_jump_fails_as_swapped_or_lost),
        cmocka_unit_test(a_second_face_fails),
        cmocka_unit_test(a_low_passive_hint_vetoes_a_completed_challenge),
        cmocka_unit_test(time_going_backwards_and_bad_configs_are_refused),
        cmocka_unit_test(both_turns_make_three_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
