/*
 * test_guest_declaration.c — the lodging guest declaration ("khai báo lưu
 * trú") a hotel's software receives from a verified record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "guest.h"
#include "modes_test_util.h"

static json_object *member(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static json_object *guest_of(json_object *rec)
{
    json_object *g = NULL;
    assert_int_equal(guest_declaration_from_record(rec, &g), KS_OK);
    assert_non_null(g);
    return g;
}

static void a_lodging_record_gives_every_declaration_member(void **state)
{
    (void)state;
    record_input in = mt_input(RECORD_PURPOSE_LODGING);
    json_object *rec = mt_build(&in);
    json_object *g = guest_of(rec);
    assert_string_equal(mt_str(g, "document_type"), "cccd");
    assert_string_equal(mt_str(g, "id_number"), MT_ID);
    assert_string_equal(mt_str(g, "full_name"), MT_NAME);
    assert_string_equal(mt_str(g, "date_of_birth"), "2004-03-15");
    assert_string_equal(mt_str(g, "sex"), "Nữ");
    assert_string_equal(mt_str(g, "nationality"), "Việt Nam");
    assert_string_equal(mt_str(g, "place_of_residence"), MT_ADDRESS);
    assert_string_equal(mt_str(g, "date_of_expiry"), "2029-03-15");
    assert_string_equal(mt_str(g, "verified_at"), "2026-11-18T11:06:44Z");
    assert_string_equal(mt_str(g, "record_id"), mt_str(rec, "record_id"));
    json_object *v = member(g, "verification");
    assert_non_null(v);
    assert_string_equal(mt_str(v, "verdict"), "genuine");
    assert_string_equal(mt_str(v, "face_match"), "match");
    assert_string_equal(mt_str(v, "liveness"), "live");
    assert_int_equal(json_object_object_length(v), 3);
    assert_int_equal(json_object_object_length(g), 11);
    /* fields the lodging policy drops never appear, even though the card had them */
    assert_null(member(g, "ethnicity"));
    assert_null(member(g, "father_name"));
    json_object_put(g);
    json_object_put(rec);
}

static void fields_the_record_lacks_are_omitted(void **state)
{
    (void)state;
    record_input in = mt_input(RECORD_PURPOSE_LODGING);
    in.holder[RECORD_DATE_OF_EXPIRY] = NULL;
    json_object *rec = mt_build_fields(&in, (1u << RECORD_ID_NUMBER) | (1u << RECORD_FULL_NAME) |
                                                (1u << RECORD_DATE_OF_EXPIRY));
    json_object *g = guest_of(rec);
    assert_non_null(member(g, "id_number"));
    assert_non_null(member(g, "full_name"));
    static const char *const absent[] = {"date_of_birth", "sex", "nationality",
                                         "place_of_residence", "date_of_expiry"};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        assert_null(member(g, absent[i]));
    assert_int_equal(json_object_object_length(g), 6);
    json_object_put(g);
    json_object_put(rec);
}

static void a_card_that_never_expires_keeps_an_empty_expiry(void **state)
{
    (void)state;
    record_input in = mt_input(RECORD_PURPOSE_LODGING);
    in.holder[RECORD_DATE_OF_EXPIRY] = "";
    json_object *rec = mt_build(&in);
    json_object *g = guest_of(rec);
    assert_string_equal(mt_str(g, "date_of_expiry"), "");
    json_object_put(g);
    json_object_put(rec);
}

static void sex_is_written_in_one_spelling(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"Nu\xCC\x9B\xCC\x83", "N\xE1\xBB\xAF"}, /* NFD becomes NFC */
        {"M", "Nam"},
        {"F", "N\xE1\xBB\xAF"},
        {"Nam", "Nam"},
        {"X", "X"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        record_input in = mt_input(RECORD_PURPOSE_LODGING);
        in.holder[RECORD_SEX] = cases[i].in;
        json_object *rec = mt_build(&in);
        json_object *g = guest_of(rec);
        assert_string_equal(mt_str(g, "sex"), cases[i].out);
        json_object_put(g);
        json_object_put(rec);
    }
}

static void a_failed_verification_is_reported_as_it_is(void **state)
{
    (void)state;
    record_input in = mt_input(RECORD_PURPOSE_LODGING);
    in.verdict = "not_genuine";
    in.face_match = "no_match";
    in.liveness = "not_performed";
    json_object *rec = mt_build(&in);
    json_object *g = guest_of(rec);
    json_object *v = member(g, "verification");
    assert_string_equal(mt_str(v, "verdict"), "not_genuine");
    assert_string_equal(mt_str(v, "face_match"), "no_match");
    assert_string_equal(mt_str(v, "liveness"), "not_performed");
    json_object_put(g);
    json_object_put(rec);
}

static void malformed_dates_are_refused(void **state)
{
    (void)state;
    for (int which = 0; which < 2; which++) {
        record_input in = mt_input(RECORD_PURPOSE_LODGING);
        in.holder[which ? RECORD_DATE_OF_EXPIRY : RECORD_DATE_OF_BIRTH] = "31/12/2030";
        json_object *rec = mt_build(&in);
        json_object *g = (json_object *)1;
        assert_int_equal(guest_declaration_from_record(rec, &g), KS_ERR_MALFORMED);
        assert_null(g);
        json_object_put(rec);
    }
}

static void a_record_missing_its_verification_is_refused(void **state)
{
    (void)state;
    record_input in = mt_input(RECORD_PURPOSE_LODGING);
    static const char *const required[] = {"record_id", "document_type", "face", "times",
                                           "authentication"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        json_object *rec = mt_build(&in);
        json_object_object_del(rec, required[i]);
        json_object *g = NULL;
        assert_int_equal(guest_declaration_from_record(rec, &g), KS_ERR_MALFORMED);
        json_object_put(rec);
    }
    json_object *g = NULL;
    assert_int_equal(guest_declaration_from_record(NULL, &g), KS_ERR_ARG);
    json_object *rec = mt_build(&in);
    assert_int_equal(guest_declaration_from_record(rec, NULL), KS_ERR_ARG);
    json_object_put(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_lodging_record_gives_every_declaration_member),
        cmocka_unit_test(fields_the_record_lacks_are_omitted),
        cmocka_unit_test(a_card_that_never_expires_keeps_an_empty_expiry),
        cmocka_unit_test(sex_is_written_in_one_spelling),
        cmocka_unit_test(a_failed_verification_is_reported_as_it_is),
        cmocka_unit_test(malformed_dates_are_refused),
        cmocka_unit_test(a_record_missing_its_verification_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
