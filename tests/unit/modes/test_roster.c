/*
 * test_roster.c — the driving-test roster: CSV import (RFC 4180, BOM,
 * CRLF, quoting, limits, errors that name lines and never values),
 * check-in outcomes from verified records, the results CSV and JSON view.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modes_test_util.h"
#include "roster.h"

#define NOW 1795000100 /* 2026-11-18T11:08:20Z */

static const char ROSTER_CSV[] =
    "\xEF\xBB\xBF" "Exam_Session , id_number,notes,candidate_id,full_name,date_of_birth\r\n"
    "2026-11-20 AM," MT_ID ",\"seat 4, \"\"front\"\"\r\nrow\",C-0001,\"" MT_NAME "\",15/03/2004\r\n"
    "2026-11-20 AM,001099012345,,C-0002,  Trần Văn An  ,1999-08-15\r\n"
    "\r\n"
    "2026-11-20 PM,079303000123,,C-0003,,\r\n";

static roster *loaded(const char *csv, size_t len)
{
    roster *r = NULL;
    assert_int_equal(roster_new(&r), KS_OK);
    char err[ROSTER_ERR_LEN] = "";
    ks_status rc = roster_load_csv(r, csv, len, err);
    if (rc != KS_OK)
        fail_msg("load failed: %s", err);
    return r;
}

static json_object *row_at(roster *r, size_t i)
{
    json_object *view = NULL, *rows = NULL;
    assert_int_equal(roster_to_json(r, &view), KS_OK);
    assert_true(json_object_object_get_ex(view, "rows", &rows));
    json_object *row = json_object_get(json_object_array_get_idx(rows, i));
    json_object_put(view);
    assert_non_null(row);
    return row;
}

/* Loads csv expecting failure; the message must name `line` and hold no
 * personal value. */
static void assert_refused(const char *csv, size_t len, ks_status want, const char *line_phrase,
                           const char *const *secrets)
{
    roster *r = NULL;
    assert_int_equal(roster_new(&r), KS_OK);
    char err[ROSTER_ERR_LEN] = "";
    assert_int_equal(roster_load_csv(r, csv, len, err), want);
    if (line_phrase && !strstr(err, line_phrase))
        fail_msg("error \"%s\" does not mention \"%s\"", err, line_phrase);
    for (; secrets && *secrets; secrets++)
        if (strstr(err, *secrets))
            fail_msg("error \"%s\" echoes a value", err);
    roster_counts c;
    roster_get_counts(r, &c);
    assert_int_equal(c.total, 0);
    roster_free(r);
}

static json_object *record(const char *id_number, const char *verdict, const char *match,
                           const char *liveness)
{
    record_input in = mt_input(RECORD_PURPOSE_DRIVING_TEST);
    in.holder[RECORD_ID_NUMBER] = id_number;
    in.verdict = verdict;
    in.face_match = match;
    in.liveness = liveness;
    json_object *rec = mt_build(&in);
    assert_non_null(rec);
    return rec;
}

static roster_outcome check_in(roster *r, const char *id_number, const char *candidate_id,
                               const char *match, unsigned flags, const char *liveness)
{
    json_object *rec = record(id_number, "genuine", match, liveness);
    roster_outcome o;
    assert_int_equal(roster_check_in(r, rec, candidate_id, NOW, flags, &o), KS_OK);
    json_object_put(rec);
    return o;
}

/* ---- import ---------------------------------------------------------------- */

static void columns_are_found_by_name_in_any_order(void **state)
{
    (void)state;
    roster *r = loaded(ROSTER_CSV, sizeof ROSTER_CSV - 1);
    roster_counts c;
    roster_get_counts(r, &c);
    assert_int_equal(c.total, 3);
    assert_int_equal(c.pending, 3);
    json_object *row = row_at(r, 0);
    assert_string_equal(mt_str(row, "candidate_id"), "C-0001");
    assert_string_equal(mt_str(row, "id_number"), MT_ID);
    assert_string_equal(mt_str(row, "full_name"), MT_NAME);
    assert_string_equal(mt_str(row, "exam_session"), "2026-11-20 AM");
    assert_string_equal(mt_str(row, "status"), "pending");
    assert_null(mt_str(row, "notes")); /* other columns are ignored */
    json_object_put(row);
    roster_free(r);
}

static void dates_of_birth_in_either_spelling_become_iso(void **state)
{
    (void)state;
    roster *r = loaded(ROSTER_CSV, sizeof ROSTER_CSV - 1);
    json_object *a = row_at(r, 0), *b = row_at(r, 1), *c = row_at(r, 2);
    assert_string_equal(mt_str(a, "date_of_birth"), "2004-03-15");
    assert_string_equal(mt_str(b, "date_of_birth"), "1999-08-15");
    assert_null(mt_str(c, "date_of_birth"));
    assert_string_equal(mt_str(b, "full_name"), "Trần Văn An"); /* surrounding spaces go */
    assert_null(mt_str(c, "full_name"));
    json_object_put(a);
    json_object_put(b);
    json_object_put(c);
    roster_free(r);
}

static void lf_line_ends_and_a_missing_final_newline_are_accepted(void **state)
{
    (void)state;
    static const char csv[] = "candidate_id,id_number\nA1,001099012345\nA2,079303000123";
    roster *r = loaded(csv, sizeof csv - 1);
    roster_counts c;
    roster_get_counts(r, &c);
    assert_int_equal(c.total, 2);
    roster_free(r);
}

static void spaces_around_quoted_fields_are_dropped(void **state)
{
    (void)state;
    static const char csv[] = "candidate_id, id_number , full_name\n"
                              "A1, \"001099012345\" ,  \" Lê  Na\"\t\n";
    roster *r = loaded(csv, sizeof csv - 1);
    json_object *row = row_at(r, 0);
    assert_string_equal(mt_str(row, "id_number"), "001099012345");
    assert_string_equal(mt_str(row, "full_name"), "Lê  Na");
    json_object_put(row);
    roster_free(r);
}

static void a_header_alone_is_an_empty_roster(void **state)
{
    (void)state;
    static const char csv[] = "candidate_id,id_number\r\n";
    roster *r = loaded(csv, sizeof csv - 1);
    roster_counts c;
    roster_get_counts(r, &c);
    assert_int_equal(c.total, 0);
    roster_free(r);
}

static void import_errors_name_the_line_and_never_the_value(void **state)
{
    (void)state;
    static const char *const secrets[] = {"1099012345", "Nguyễn", "Q1", NULL};
#define REFUSE(csv, want, phrase) assert_refused(csv, sizeof(csv) - 1, want, phrase, secrets)
    REFUSE("", KS_ERR_MALFORMED, "empty");
    REFUSE("\r\n\r\n", KS_ERR_MALFORMED, "header");
    REFUSE("candidate_id,full_name\nQ1,Nguyễn\n", KS_ERR_MALFORMED, "id_number");
    REFUSE("candidate_id,id_number\nQ1,1099012345\n", KS_ERR_MALFORMED, "line 2");
    REFUSE("candidate_id,id_number\nQ1,1099012345\n", KS_ERR_MALFORMED, "leading zeros");
    REFUSE("candidate_id,id_number\nQ1,0010990123x5\n", KS_ERR_MALFORMED, "line 2");
    REFUSE("candidate_id,id_number\n\nQ1,001099012345\nQ2,001099012345\n", KS_ERR_MALFORMED,
           "line 4: id_number repeats the one on line 3");
    REFUSE("candidate_id,id_number\nQ1,001099012345\nQ1,079303000123\n", KS_ERR_MALFORMED,
           "line 3: candidate_id repeats");
    REFUSE("candidate_id,id_number,full_name\n\"Q1,001099012345,\"Nguyễn\n", KS_ERR_MALFORMED,
           "line 2");
    REFUSE("candidate_id,id_number,full_name\nQ1,001099012345,\"Nguyễn\n", KS_ERR_MALFORMED,
           "line 2: a quoted field is never closed");
    REFUSE("candidate_id,id_number,full_name\nQ1,001099012345,Ng\"uyễn\n", KS_ERR_MALFORMED,
           "line 2: a quote inside");
    REFUSE("candidate_id,id_number\nQ1,001099012345,Nguyễn\n", KS_ERR_MALFORMED,
           "line 2 has 3 fields, the header has 2");
    REFUSE("candidate_id,id_number\nQ1\n", KS_ERR_MALFORMED, "line 2 has 1 fields");
    REFUSE("candidate_id,id_number,full_name\nQ1,001099012345,\"Nguyễn\nVăn\"\n",
           KS_ERR_MALFORMED, "line 2: full_name holds a control");
    REFUSE("candidate_id,id_number,full_name\nQ1,001099012345,Nguy\xe1n\n", KS_ERR_MALFORMED,
           "line 2 is not UTF-8");
    REFUSE("candidate_id,id_number\nQ1,001099012345\x00\n", KS_ERR_MALFORMED, "NUL");
    REFUSE("candidate_id,id_number,date_of_birth\nQ1,001099012345,30/02/2004\n",
           KS_ERR_MALFORMED, "line 2: date_of_birth");
    REFUSE("candidate_id,id_number,ID_NUMBER\nQ1,001099012345,001099012345\n", KS_ERR_MALFORMED,
           "appears twice");
    REFUSE("candidate_id,id_number\n,001099012345\n", KS_ERR_MALFORMED, "candidate_id is empty");
#undef REFUSE
}

static void more_than_the_size_limit_is_refused(void **state)
{
    (void)state;
    size_t len = ROSTER_MAX_BYTES + 1;
    char *csv = malloc(len);
    assert_non_null(csv);
    memset(csv, 'a', len);
    assert_refused(csv, len, KS_ERR_TOO_LARGE, "larger", NULL);
    free(csv);
}

static void more_than_ten_thousand_candidates_are_refused(void **state)
{
    (void)state;
    size_t cap = 64 + (ROSTER_MAX_ROWS + 1) * 32, len = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    len += (size_t)snprintf(csv, cap, "candidate_id,id_number\n");
    for (unsigned i = 0; i < ROSTER_MAX_ROWS; i++)
        len += (size_t)snprintf(csv + len, cap - len, "C%u,%012u\n", i, i);
    roster *r = loaded(csv, len);
    roster_counts c;
    roster_get_counts(r, &c);
    assert_int_equal(c.total, ROSTER_MAX_ROWS);
    /* lookups work across the whole sorted index */
    char id[13];
    snprintf(id, sizeof id, "%012u", 7777u);
    assert_int_equal(check_in(r, id, "C7777", "match", 0, "live"), ROSTER_CHECKED_IN);
    roster_free(r);
    len += (size_t)snprintf(csv + len, cap - len, "C%u,%012u\n", ROSTER_MAX_ROWS, ROSTER_MAX_ROWS);
    assert_refused(csv, len, KS_ERR_TOO_LARGE, "line 10002", NULL);
    free(csv);
}

static void a_refused_import_keeps_the_previous_roster(void **state)
{
    (void)state;
    roster *r = loaded(ROSTER_CSV, sizeof ROSTER_CSV - 1);
    assert_int_equal(check_in(r, MT_ID, NULL, "match", 0, "live"), ROSTER_CHECKED_IN);
    static const char bad[] = "candidate_id,id_number\nX,123\n";
    char err[ROSTER_ERR_LEN];
    assert_int_equal(roster_load_csv(r, bad, sizeof bad - 1, err), KS_ERR_MALFORMED);
    roster_counts c;
    roster_get_counts(r, &c);
    assert_int_equal(c.total, 3);
    assert_int_equal(c.checked_in, 1);
    /* a good import replaces everything, check-ins included */
    static const char good[] = "candidate_id,id_number\nX," MT_ID "\n";
    assert_int_equal(roster_load_csv(r, good, sizeof good - 1, err), KS_OK);
    roster_get_counts(r, &c);
    assert_int_equal(c.total, 1);
    assert_int_equal(c.pending, 1);
    roster_free(r);
}

/* ---- check-in -------------------------------------------------------------- */

static void a_verified_candidate_checks_in_once(void **state)
{
    (void)state;
    roster *r = loaded(ROSTER_CSV, sizeof ROSTER_CSV - 1);
    json_object *rec = record(MT_ID, "genuine", "match", "live");
    roster_outcome o;
    assert_int_equal(roster_check_in(r, rec, NULL, NOW, 0, &o), KS_OK);
    assert_int_equal(o, ROSTER_CHECKED_IN);
    json_object *row = row_at(r, 0);
    assert_string_equal(mt_str(row, "status"), "checked_in");
    assert_string_equal(mt_str(row, "checked_in_at"), "2026-11-18T11:08:20Z");
    assert_string_equal(mt_str(row, "record_id"), mt_str(rec, "record_id"));
    assert_string_equal(mt_str(row, "face_match"), "match");
    assert_string_equal(mt_str(row, "liveness"), "live");
    json_object_put(row);
    assert_int_equal(roster_check_in(r, rec, NULL, NOW + 60, 0, &o), KS_OK);
    assert_int_equal(o, ROSTER_ALREADY_CHECKED_IN);
    row = row_at(r, 0);
    assert_string_equal(mt_str(row, "checked_in_at"), "2026-11-18T11:08:20Z");
    json_object_put(row);
    json_object_put(rec);
    roster_free(r);
}

static void someone_not_on_the_roster_is_told_so(void **state)
{
    (void)state;
    roster *r = loaded(ROSTER_CSV, sizeof ROSTER_CSV - 1);
    assert_int_equal(check_in(r, "001099099999", NULL, "match", 0, "live"), ROSTER_NOT_ON_ROSTER);
    assert_int_equal(check_in(r, "001099099999", "C-0001", "match", 0, "live"),
                     ROSTER_NOT_ON_ROSTER);
    roster_counts c;
    roster_get_counts(r, &c);
    assert_int_equal(c.pending, 3);
    roster_free(r);
}

static void a_candidate_id_that_belongs_to_someone_else_is_a_mismatch(void **state)
{
    (void)state;
    roster *r = loaded(ROSTER_CSV, sizeof ROSTER_CSV - 1);
    assert_int_equal(check_in(r, MT_ID, "C-0002", "match", 0, "live"), ROSTER_CANDIDATE_MISMATCH);
    roster_counts c;
    roster_get_counts(r, &c);
    assert_int_equal(c.pending, 3);
    assert_int_equal(check_in(r, MT_ID, "C-0001", "match", 0, "live"), ROSTER_CHECKED_IN);
    roster_free(r);
}

static void a_failed_verification_is_marked_and_may_be_retried(void **state)
{
    (void)state;
    roster *r = loaded(ROSTER_CSV, sizeof ROSTER_CSV - 1);
    assert_int_equal(check_in(r, MT_ID, NULL, "no_match", 0, "live"), ROSTER_FAILED_VERIFICATION);
    json_object *row = row_at(r, 0);
    assert_string_equal(mt_str(row, "status"), "failed_verification");
    assert_null(mt_str(row, "checked_in_at"));
    assert_string_equal(mt_str(row, "face_match"), "no_match");
    json_object_put(row);
    assert_int_equal(check_in(r, MT_ID, NULL, "match", 0, "not_live"), ROSTER_FAILED_VERIFICATION);
    json_object *rec = record(MT_ID, "inconclusive", "match", "live");
    roster_outcome o;
    assert_int_equal(roster_check_in(r, rec, NULL, NOW, 0, &o), KS_OK);
    assert_int_equal(o, ROSTER_FAILED_VERIFICATION);
    json_object_put(rec);
    roster_counts c;
    roster_get_counts(r, &c);
    assert_int_equal(c.failed_verification, 1);
    assert_int_equal(check_in(r, MT_ID, NULL, "match", 0, "live"), ROSTER_CHECKED_IN);
    roster_get_counts(r, &c);
    assert_int_equal(c.failed_verification, 0);
    assert_int_equal(c.checked_in, 1);
    roster_free(r);
}

static void liveness_not_performed_passes_only_when_allowed(void **state)
{
    (void)state;
    roster *r = loaded(ROSTER_CSV, sizeof ROSTER_CSV - 1);
    assert_int_equal(check_in(r, MT_ID, NULL, "match", 0, "not_performed"),
                     ROSTER_FAILED_VERIFICATION);
    assert_int_equal(check_in(r, MT_ID, NULL, "match", ROSTER_ALLOW_NO_LIVENESS, "not_performed"),
                     ROSTER_CHECKED_IN);
    assert_int_equal(check_in(r, "001099012345", NULL, "match", ROSTER_ALLOW_NO_LIVENESS,
                              "not_live"),
                     ROSTER_FAILED_VERIFICATION);
    roster_free(r);
}

static void a_record_without_an_id_number_cannot_check_in(void **state)
{
    (void)state;
    roster *r = loaded(ROSTER_CSV, sizeof ROSTER_CSV - 1);
    record_input in = mt_input(RECORD_PURPOSE_DRIVING_TEST);
    json_object *rec = mt_build_fields(&in, 1u << RECORD_FULL_NAME);
    roster_outcome o;
    assert_int_equal(roster_check_in(r, rec, NULL, NOW, 0, &o), KS_ERR_MALFORMED);
    json_object_put(rec);
    rec = record(MT_ID, "genuine", "match", "live");
    assert_int_equal(roster_check_in(r, rec, NULL, -1, 0, &o), KS_ERR_ARG);
    assert_int_equal(roster_check_in(NULL, rec, NULL, NOW, 0, &o), KS_ERR_ARG);
    json_object_object_add(rec, "record_id", json_object_new_string("not-an-id"));
    assert_int_equal(roster_check_in(r, rec, NULL, NOW, 0, &o), KS_ERR_MALFORMED);
    json_object_put(rec);
    roster_free(r);
}

static void outcomes_have_stable_names(void **state)
{
    (void)state;
    assert_string_equal(roster_outcome_name(ROSTER_CHECKED_IN), "checked_in");
    assert_string_equal(roster_outcome_name(ROSTER_NOT_ON_ROSTER), "not_on_roster");
    assert_string_equal(roster_outcome_name(ROSTER_CANDIDATE_MISMATCH), "candidate_mismatch");
    assert_string_equal(roster_outcome_name(ROSTER_ALREADY_CHECKED_IN), "already_checked_in");
    assert_string_equal(roster_outcome_name(ROSTER_FAILED_VERIFICATION), "failed_verification");
    assert_null(roster_outcome_name((roster_outcome)99));
}

/* ---- export ---------------------------------------------------------------- */

static void results_csv_escapes_fields_and_stops_formulas(void **state)
{
    (void)state;
    static const char csv[] =
        "candidate_id,id_number,full_name,exam_session\n"
        "=HYPERLINK(1),001099012345,\"Lê, \"\"Bé\"\" Na\",+1\n"
        "@A,079303000123,-x,\" padded\"\n";
    roster *r = loaded(csv, sizeof csv - 1);
    json_object *rec = record("001099012345", "genuine", "match", "live");
    roster_outcome o;
    assert_int_equal(roster_check_in(r, rec, NULL, NOW, 0, &o), KS_OK);
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(roster_results_csv(r, &out, &len), KS_OK);
    char want[1024];
    snprintf(want, sizeof want,
             "candidate_id,id_number,full_name,exam_session,status,checked_in_at,record_id,"
             "face_match,liveness\r\n"
             "'=HYPERLINK(1),001099012345,\"Lê, \"\"Bé\"\" Na\",'+1,checked_in,"
             "2026-11-18T11:08:20Z,%s,match,live\r\n"
             "'@A,079303000123,'-x,padded,pending,,,,\r\n",
             mt_str(rec, "record_id"));
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    free(out);
    json_object_put(rec);
    roster_free(r);
}

static void an_empty_roster_exports_just_the_header(void **state)
{
    (void)state;
    roster *r = NULL;
    assert_int_equal(roster_new(&r), KS_OK);
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(roster_results_csv(r, &out, &len), KS_OK);
    assert_string_equal(out, "candidate_id,id_number,full_name,exam_session,status,checked_in_at,"
                             "record_id,face_match,liveness\r\n");
    free(out);
    json_object *view = NULL;
    assert_int_equal(roster_to_json(r, &view), KS_OK);
    assert_string_equal(json_object_to_json_string_ext(view, JSON_C_TO_STRING_PLAIN),
                        "{\"counts\":{\"total\":0,\"pending\":0,\"checked_in\":0,"
                        "\"failed_verification\":0},\"rows\":[]}");
    json_object_put(view);
    roster_free(r);
}

static void the_json_view_counts_every_status(void **state)
{
    (void)state;
    roster *r = loaded(ROSTER_CSV, sizeof ROSTER_CSV - 1);
    assert_int_equal(check_in(r, MT_ID, NULL, "match", 0, "live"), ROSTER_CHECKED_IN);
    assert_int_equal(check_in(r, "001099012345", NULL, "no_match", 0, "live"),
                     ROSTER_FAILED_VERIFICATION);
    json_object *view = NULL, *counts = NULL, *rows = NULL, *v = NULL;
    assert_int_equal(roster_to_json(r, &view), KS_OK);
    assert_true(json_object_object_get_ex(view, "counts", &counts));
    assert_true(json_object_object_get_ex(view, "rows", &rows));
    assert_int_equal(json_object_array_length(rows), 3);
    static const struct {
        const char *k;
        int v;
    } want[] = {{"total", 3}, {"pending", 1}, {"checked_in", 1}, {"failed_verification", 1}};
    for (size_t i = 0; i < 4; i++) {
        assert_true(json_object_object_get_ex(counts, want[i].k, &v));
        assert_int_equal(json_object_get_int(v), want[i].v);
    }
    json_object_put(view);
    roster_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(columns_are_found_by_name_in_any_order),
        cmocka_unit_test(dates_of_birth_in_either_spelling_become_iso),
        cmocka_unit_test(lf_line_ends_and_a_missing_final_newline_are_accepted),
        cmocka_unit_test(spaces_around_quoted_fields_are_dropped),
        cmocka_unit_test(a_header_alone_is_an_empty_roster),
        cmocka_unit_test(import_errors_name_the_line_and_never_the_value),
        cmocka_unit_test(more_than_the_size_limit_is_refused),
        cmocka_unit_test(more_than_ten_thousand_candidates_are_refused),
        cmocka_unit_test(a_refused_import_keeps_the_previous_roster),
        cmocka_unit_test(a_verified_candidate_checks_in_once),
        cmocka_unit_test(someone_not_on_the_roster_is_told_so),
        cmocka_unit_test(a_candidate_id_that_belongs_to_someone_else_is_a_mismatch),
        cmocka_unit_test(a_failed_verification_is_marked_and_may_be_retried),
        cmocka_unit_test(liveness_not_performed_passes_only_when_allowed),
        cmocka_unit_test(a_record_without_an_id_number_cannot_check_in),
        cmocka_unit_test(outcomes_have_stable_names),
        cmocka_unit_test(results_csv_escapes_fields_and_stops_formulas),
        cmocka_unit_test(an_empty_roster_exports_just_the_header),
        cmocka_unit_test(the_json_view_counts_every_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
