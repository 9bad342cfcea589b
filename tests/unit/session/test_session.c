/* The session model: allowed moves, the state JSON the screen reads (no
 * personal data, fields per state), the board's publishing, and metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "metrics.h"
#include "session.h"

static void the_happy_path_is_allowed_and_nothing_jumps_backwards(void **state)
{
    (void)state;
    const sess_state path[] = {SESS_WAITING, SESS_READING, SESS_FACE, SESS_LIVENESS,
                               SESS_CONSENT, SESS_STORING, SESS_DONE, SESS_WAITING};
    for (size_t i = 0; i + 1 < sizeof path / sizeof path[0]; i++)
        assert_true(sess_can_move(path[i], path[i + 1]));
    assert_false(sess_can_move(SESS_CONSENT, SESS_READING));
    assert_false(sess_can_move(SESS_DONE, SESS_READING));
    assert_false(sess_can_move(SESS_READING, SESS_CONSENT)); /* no skipping the face */
    assert_false(sess_can_move(SESS_WAITING, SESS_DONE));
    assert_false(sess_can_move(SESS_FAILED, SESS_DONE));
    for (int s = SESS_WAITING; s < SESS_DONE; s++)
        assert_true(sess_can_move((sess_state)s, SESS_FAILED));
    assert_false(sess_can_move(SESS_STATE_COUNT, SESS_WAITING));
}

static json_object *parse(char *json)
{
    assert_non_null(json);
    json_object *o = json_tokener_parse(json);
    free(json);
    assert_non_null(o);
    return o;
}

static const char *str(json_object *o, const char *key)
{
    json_object *v = NULL;
    assert_true(json_object_object_get_ex(o, key, &v));
    return v ? json_object_get_string(v) : NULL;
}

static bool is_null(json_object *o, const char *key)
{
    json_object *v = (json_object *)1;
    return json_object_object_get_ex(o, key, &v) && v == NULL;
}

static void a_liveness_view_names_the_action_and_hides_the_rest(void **state)
{
    (void)state;
    sess_view v;
    memset(&v, 0, sizeof v);
    strcpy(v.id, "01KA9RJ1G3BZ3ZQ6N2XW8Y4T0M");
    strcpy(v.reader, "Reader A");
    v.mode = "clinic";
    v.state = SESS_LIVENESS;
    v.action = "turn_left";
    v.challenge_index = 1;
    v.challenge_count = 2;
    json_object *o = parse(sess_view_json(&v, 42));
    assert_int_equal(json_object_get_int(json_object_object_get(o, "seq")), 42);
    assert_string_equal(str(o, "state"), "liveness");
    assert_string_equal(str(o, "mode"), "clinic");
    assert_int_equal(json_object_get_int(json_object_object_get(o, "step")), 3);
    json_object *c = json_object_object_get(o, "challenge");
    assert_string_equal(str(c, "action"), "turn_left");
    assert_int_equal(json_object_get_int(json_object_object_get(c, "index")), 1);
    assert_true(is_null(o, "outcome"));
    assert_true(is_null(o, "error"));
    assert_true(is_null(o, "consent"));
    assert_true(is_null(o, "reset_in_ms"));
    json_object_put(o);
}

static void a_done_view_carries_the_outcome_and_a_failed_one_its_code(void **state)
{
    (void)state;
    sess_view v;
    memset(&v, 0, sizeof v);
    strcpy(v.id, "01KA9RJ1G3BZ3ZQ6N2XW8Y4T0M");
    v.state = SESS_DONE;
    v.has_outcome = true;
    v.verdict = "genuine";
    v.face_match = "match";
    v.liveness = "live";
    strcpy(v.record_id, "01KA9RJ1G3BZ3ZQ6N2XW8Y4T0N");
    strcpy(v.handoff_json, "{\"portal_url\":\"https://x.example/?record=1\"}");
    v.reset_in_ms = 8000;
    json_object *o = parse(sess_view_json(&v, 1));
    json_object *out = json_object_object_get(o, "outcome");
    assert_string_equal(str(out, "verdict"), "genuine");
    assert_string_equal(str(out, "record_id"), "01KA9RJ1G3BZ3ZQ6N2XW8Y4T0N");
    assert_string_equal(str(json_object_object_get(out, "handoff"), "portal_url"),
                        "https://x.example/?record=1");
    assert_int_equal(json_object_get_int(json_object_object_get(o, "reset_in_ms")), 8000);
    json_object_put(o);

    v.state = SESS_FAILED;
    v.error = SESS_ERR_CARD_REMOVED;
    strcpy(v.message, "the card was taken away");
    o = parse(sess_view_json(&v, 2));
    json_object *e = json_object_object_get(o, "error");
    assert_string_equal(str(e, "code"), "card_removed");
    assert_string_equal(str(e, "message"), "the card was taken away");
    json_object_put(o);
}

static void a_waiting_view_has_no_session(void **state)
{
    (void)state;
    sess_view v;
    memset(&v, 0, sizeof v);
    json_object *o = parse(sess_view_json(&v, 7));
    assert_true(is_null(o, "session"));
    assert_string_equal(str(o, "state"), "waiting");
    assert_int_equal(json_object_get_int(json_object_object_get(o, "step")), 0);
    json_object_put(o);
}

typedef struct published {
    int count;
    char last[2048];
} published;

static void record_publish(void *ctx, const char *json)
{
    published *p = ctx;
    p->count++;
    strncpy(p->last, json, sizeof p->last - 1);
}

static void the_board_publishes_each_change_in_order_and_refuses_bad_moves(void **state)
{
    (void)state;
    published pub = {0, ""};
    sess_board *b = NULL;
    assert_int_equal(sess_board_new(2, record_publish, &pub, &b), KS_OK);
    sess_board_init_slot(b, 0, "Reader A", "kiosk");
    sess_board_init_slot(b, 1, "Reader B", "kiosk");
    sess_view v;
    memset(&v, 0, sizeof v);
    strcpy(v.id, "01KA9RJ1G3BZ3ZQ6N2XW8Y4T0M");
    strcpy(v.reader, "someone else"); /* the slot keeps its own name */
    v.state = SESS_READING;
    assert_int_equal(sess_board_update(b, 1, &v), KS_OK);
    assert_int_equal(pub.count, 1);
    json_object *o = json_tokener_parse(pub.last);
    assert_string_equal(str(o, "reader"), "Reader B");
    assert_int_equal(json_object_get_int(json_object_object_get(o, "seq")), 1);
    json_object_put(o);
    assert_int_equal(sess_board_find(b, "01KA9RJ1G3BZ3ZQ6N2XW8Y4T0M"), 1);
    assert_int_equal(sess_board_find(b, "nope"), -1);
    assert_int_equal(sess_board_find(b, ""), -1);

    v.state = SESS_DONE; /* reading -> done skips every check */
    assert_int_equal(sess_board_update(b, 1, &v), KS_ERR_ARG);
    assert_int_equal(pub.count, 1);
    v.state = SESS_FACE;
    assert_int_equal(sess_board_update(b, 1, &v), KS_OK);
    o = json_tokener_parse(pub.last);
    assert_int_equal(json_object_get_int(json_object_object_get(o, "seq")), 2);
    json_object_put(o);

    char *all = sess_board_json(b);
    o = json_tokener_parse(all);
    free(all);
    assert_int_equal((int)json_object_array_length(o), 2);
    assert_string_equal(str(json_object_array_get_idx(o, 0), "state"), "waiting");
    assert_string_equal(str(json_object_array_get_idx(o, 1), "state"), "face");
    json_object_put(o);
    assert_int_equal(sess_board_update(b, 5, &v), KS_ERR_ARG);
    sess_board_free(b);
}

static void metrics_count_and_render_in_the_prometheus_format(void **state)
{
    (void)state;
    metrics_init();
    metrics_count_session(SESS_OK);
    metrics_count_session(SESS_OK);
    metrics_count_session(SESS_ERR_CARD_REMOVED);
    metrics_count_read(METRICS_READ_OK);
    metrics_count_verdict("genuine");
    metrics_count_verdict("made up"); /* ignored, not a new label */
    metrics_observe(METRICS_READ, 0.3);
    metrics_observe(METRICS_READ, 3.0);
    metrics_extra extra = {.queue = {4, 1, 9, 0}, .uploaded = 9, .receiver_ok = 1};
    char *text = metrics_render(&extra);
    assert_non_null(strstr(text, "kiosk_sessions_total{outcome=\"done\"} 2\n"));
    assert_non_null(strstr(text, "kiosk_sessions_total{outcome=\"card_removed\"} 1\n"));
    assert_non_null(strstr(text, "kiosk_chip_reads_total{result=\"ok\"} 1\n"));
    assert_non_null(strstr(text, "kiosk_verdicts_total{verdict=\"genuine\"} 1\n"));
    assert_null(strstr(text, "made up"));
    /* cumulative buckets: 0.3 s is in le=0.5 and above, 3 s only from le=5 */
    assert_non_null(strstr(text, "kiosk_stage_seconds_bucket{stage=\"read\",le=\"0.25\"} 0\n"));
    assert_non_null(strstr(text, "kiosk_stage_seconds_bucket{stage=\"read\",le=\"0.5\"} 1\n"));
    assert_non_null(strstr(text, "kiosk_stage_seconds_bucket{stage=\"read\",le=\"5\"} 2\n"));
    assert_non_null(strstr(text, "kiosk_stage_seconds_bucket{stage=\"read\",le=\"+Inf\"} 2\n"));
    assert_non_null(strstr(text, "kiosk_stage_seconds_count{stage=\"read\"} 2\n"));
    assert_non_null(strstr(text, "kiosk_queue_records{state=\"pending\"} 4\n"));
    assert_non_null(strstr(text, "kiosk_receiver_up 1\n"));
    /* every line is a comment or "name{labels} value" */
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        assert_true(line[0] == '#' || strncmp(line, "kiosk_", 6) == 0);
        line = nl + 1;
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_happy_path_is_allowed_and_nothing_jumps_backwards),
        cmocka_unit_test(a_liveness_view_names_the_action_and_hides_the_rest),
        cmocka_unit_test(a_done_view_carries_the_outcome_and_a_failed_one_its_code),
        cmocka_unit_test(a_waiting_view_has_no_session),
        cmocka_unit_test(the_board_publishes_each_change_in_order_and_refuses_bad_moves),
        cmocka_unit_test(metrics_count_and_render_in_the_prometheus_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
