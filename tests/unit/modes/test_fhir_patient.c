/*
 * test_fhir_patient.c — the FHIR R4 Patient a clinic receives: every R4
 * rule for the elements used, Vietnamese names, minimised records, and the
 * refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>
#include <stdbool.h>
#include <string.h>

#include "fhir.h"
#include "modes_test_util.h"
#include "utf8.h"

#define R4_DATE "^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$"
#define R4_ID "^[A-Za-z0-9.-]{1,64}$"
#define ABS_URI "^[A-Za-z][A-Za-z0-9+.-]*:[^[:space:]]+$"

static bool matches(const char *re, const char *s)
{
    regex_t rx;
    assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
    bool ok = regexec(&rx, s, 0, NULL, 0) == 0;
    regfree(&rx);
    return ok;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* FHIR JSON: no nulls, no empty arrays or objects, every string non-empty,
 * valid UTF-8 and without surrounding whitespace. */
static void assert_fhir_json_clean(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null: fail_msg("FHIR JSON holds a null"); break;
    case json_type_string: {
        const char *s = json_object_get_string(v);
        size_t n = (size_t)json_object_get_string_len(v);
        assert_true(n > 0);
        assert_true(utf8_valid((const uint8_t *)s, n));
        assert_false(is_space(s[0]) || is_space(s[n - 1]));
        break;
    }
    case json_type_array: {
        size_t n = json_object_array_length(v);
        assert_true(n > 0);
        for (size_t i = 0; i < n; i++)
            assert_fhir_json_clean(json_object_array_get_idx(v, i));
        break;
    }
    case json_type_object: {
        assert_true(json_object_object_length(v) > 0);
        json_object_object_foreach(v, k, val) {
            assert_true(strlen(k) > 0);
            assert_fhir_json_clean(val);
        }
        break;
    }
    default: break;
    }
}

static void assert_only_members(json_object *o, const char *const *allowed)
{
    json_object_object_foreach(o, k, val) {
        (void)val;
        bool known = false;
        for (const char *const *a = allowed; *a; a++)
            known = known || strcmp(*a, k) == 0;
        if (!known)
            fail_msg("unexpected member %s", k);
    }
}

static json_object *member(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* The R4 rules for Patient and the datatypes this mode fills. */
static void assert_r4_patient(json_object *p)
{
    static const char *const PATIENT[] = {"resourceType", "id", "meta", "identifier", "name",
                                          "gender", "birthDate", "address", NULL};
    static const char *const IDENT[] = {"use", "type", "system", "value", NULL};
    static const char *const NAME[] = {"use", "text", "family", "given", NULL};
    static const char *const ADDR[] = {"use", "text", "country", NULL};
    static const char *const CODING[] = {"system", "code", "display", NULL};
    assert_non_null(p);
    assert_fhir_json_clean(p);
    assert_only_members(p, PATIENT);
    assert_string_equal(mt_str(p, "resourceType"), "Patient");
    if (member(p, "id"))
        assert_true(matches(R4_ID, mt_str(p, "id")));
    if (member(p, "meta")) {
        static const char *const META[] = {"source", NULL};
        assert_only_members(member(p, "meta"), META);
        assert_true(matches(ABS_URI, mt_str(member(p, "meta"), "source")));
    }
    if (member(p, "birthDate"))
        assert_true(matches(R4_DATE, mt_str(p, "birthDate")));
    if (member(p, "gender")) {
        const char *g = mt_str(p, "gender");
        assert_true(strcmp(g, "male") == 0 || strcmp(g, "female") == 0 ||
                    strcmp(g, "other") == 0 || strcmp(g, "unknown") == 0);
    }
    json_object *ids = member(p, "identifier");
    for (size_t i = 0; ids && i < json_object_array_length(ids); i++) {
        json_object *id = json_object_array_get_idx(ids, i);
        assert_only_members(id, IDENT);
        assert_string_equal(mt_str(id, "use"), "official");
        assert_true(matches(ABS_URI, mt_str(id, "system")));
        json_object *coding = json_object_array_get_idx(member(member(id, "type"), "coding"), 0);
        assert_only_members(coding, CODING);
        assert_true(matches(ABS_URI, mt_str(coding, "system")));
    }
    json_object *names = member(p, "name");
    for (size_t i = 0; names && i < json_object_array_length(names); i++) {
        json_object *n = json_object_array_get_idx(names, i);
        assert_only_members(n, NAME);
        if (member(n, "given"))
            assert_true(json_object_is_type(member(n, "given"), json_type_array));
    }
    json_object *addrs = member(p, "address");
    for (size_t i = 0; addrs && i < json_object_array_length(addrs); i++) {
        json_object *a = json_object_array_get_idx(addrs, i);
        assert_only_members(a, ADDR);
        assert_string_equal(mt_str(a, "use"), "home");
    }
}

static json_object *patient_of(const record_input *in, const fhir_options *opt)
{
    json_object *rec = mt_build(in);
    assert_non_null(rec);
    json_object *p = NULL;
    assert_int_equal(fhir_patient_from_record(rec, opt, &p), KS_OK);
    json_object_put(rec);
    assert_r4_patient(p);
    return p;
}

static json_object *first(json_object *p, const char *k)
{
    json_object *arr = member(p, k);
    assert_non_null(arr);
    assert_int_equal(json_object_array_length(arr), 1);
    return json_object_array_get_idx(arr, 0);
}

static void a_clinic_record_becomes_a_valid_r4_patient(void **state)
{
    (void)state;
    record_input in = mt_input(RECORD_PURPOSE_CLINIC);
    json_object *rec = mt_build(&in);
    json_object *p = NULL;
    assert_int_equal(fhir_patient_from_record(rec, NULL, &p), KS_OK);
    assert_r4_patient(p);

    json_object *id = first(p, "identifier");
    assert_string_equal(mt_str(id, "system"), FHIR_DEFAULT_IDENTIFIER_SYSTEM);
    assert_string_equal(mt_str(id, "value"), MT_ID);
    json_object *type = member(id, "type");
    json_object *coding = json_object_array_get_idx(member(type, "coding"), 0);
    assert_string_equal(mt_str(coding, "system"), "http://terminology.hl7.org/CodeSystem/v2-0203");
    assert_string_equal(mt_str(coding, "code"), "NI");
    assert_string_equal(mt_str(coding, "display"), "National unique individual identifier");
    assert_non_null(mt_str(type, "text"));

    assert_string_equal(mt_str(p, "birthDate"), "2004-03-15");
    assert_string_equal(mt_str(p, "gender"), "female");
    json_object *addr = first(p, "address");
    assert_string_equal(mt_str(addr, "text"), MT_ADDRESS);
    assert_string_equal(mt_str(addr, "country"), "VN");

    char want[128];
    snprintf(want, sizeof want, "kiosk:HCM-Q1-K07#%s", mt_str(rec, "record_id"));
    assert_string_equal(mt_str(member(p, "meta"), "source"), want);
    assert_null(member(p, "id"));
    json_object_put(p);
    json_object_put(rec);
}

static void a_vietnamese_name_puts_the_family_name_first(void **state)
{
    (void)state;
    record_input in = mt_input(RECORD_PURPOSE_CLINIC);
    json_object *p = patient_of(&in, NULL);
    json_object *name = first(p, "name");
    assert_string_equal(mt_str(name, "use"), "official");
    assert_string_equal(mt_str(name, "text"), "Nguyễn Thị Thu Hương");
    assert_string_equal(mt_str(name, "family"), "Nguyễn");
    json_object *given = member(name, "given");
    assert_int_equal(json_object_array_length(given), 3);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(given, 0)), "Thị");
    assert_string_equal(json_object_get_string(json_object_array_get_idx(given, 1)), "Thu");
    assert_string_equal(json_object_get_string(json_object_array_get_idx(given, 2)), "Hương");
    json_object_put(p);
}

static void stray_spaces_in_a_name_never_reach_fhir(void **state)
{
    (void)state;
    record_input in = mt_input(RECORD_PURPOSE_CLINIC);
    in.holder[RECORD_FULL_NAME] = "  Đặng   Đức  Anh ";
    json_object *p = patient_of(&in, NULL);
    json_object *name = first(p, "name");
    assert_string_equal(mt_str(name, "text"), "Đặng Đức Anh");
    assert_string_equal(mt_str(name, "family"), "Đặng");
    assert_int_equal(json_object_array_length(member(name, "given")), 2);
    json_object_put(p);
}

static void a_one_word_name_has_a_family_name_and_no_given(void **state)
{
    (void)state;
    record_input in = mt_input(RECORD_PURPOSE_CLINIC);
    in.holder[RECORD_FULL_NAME] = "Hùng";
    json_object *p = patient_of(&in, NULL);
    json_object *name = first(p, "name");
    assert_string_equal(mt_str(name, "family"), "Hùng");
    assert_null(member(name, "given"));
    json_object_put(p);
}

static void a_record_minimised_to_id_and_name_invents_nothing(void **state)
{
    (void)state;
    record_input in = mt_input(RECORD_PURPOSE_CLINIC);
    json_object *rec = mt_build_fields(&in, (1u << RECORD_ID_NUMBER) | (1u << RECORD_FULL_NAME));
    assert_non_null(rec);
    json_object *p = NULL;
    assert_int_equal(fhir_patient_from_record(rec, NULL, &p), KS_OK);
    assert_r4_patient(p);
    assert_non_null(member(p, "identifier"));
    assert_non_null(member(p, "name"));
    assert_null(member(p, "birthDate"));
    assert_null(member(p, "gender"));
    assert_null(member(p, "address"));
    assert_int_equal(json_object_object_length(p), 4); /* resourceType meta identifier name */
    json_object_put(p);
    json_object_put(rec);
}

static void a_record_without_holder_fields_gives_a_bare_patient(void **state)
{
    (void)state;
    record_input in = mt_input(RECORD_PURPOSE_KIOSK);
    json_object *rec = mt_build_fields(&in, 0);
    json_object *p = NULL;
    assert_int_equal(fhir_patient_from_record(rec, NULL, &p), KS_OK);
    assert_r4_patient(p);
    assert_int_equal(json_object_object_length(p), 2); /* resourceType meta */
    json_object_put(p);
    json_object_put(rec);
}

static void sex_maps_to_the_r4_gender_value_set(void **state)
{
    (void)state;
    static const struct {
        const char *sex, *gender;
    } cases[] = {
        {"Nam", "male"},
        {"N\xE1\xBB\xAF", "female"},       /* NFC */
        {"Nu\xCC\x9B\xCC\x83", "female"},  /* NFD: u + horn + tilde */
        {"M", "male"},
        {"F", "female"},
        {"X", "unknown"},
        {"Khác", "unknown"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        record_input in = mt_input(RECORD_PURPOSE_CLINIC);
        in.holder[RECORD_SEX] = cases[i].sex;
        json_object *p = patient_of(&in, NULL);
        assert_string_equal(mt_str(p, "gender"), cases[i].gender);
        json_object_put(p);
    }
    record_input in = mt_input(RECORD_PURPOSE_CLINIC);
    in.holder[RECORD_SEX] = NULL;
    json_object *p = patient_of(&in, NULL);
    assert_null(member(p, "gender"));
    json_object_put(p);
}

static void a_malformed_date_of_birth_is_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"15/03/2004", "2004-02-30", "2004-3-15", "0000-01-01",
                                      "2004-03-15T00:00:00Z", "20040315"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        record_input in = mt_input(RECORD_PURPOSE_CLINIC);
        in.holder[RECORD_DATE_OF_BIRTH] = bad[i];
        json_object *rec = mt_build(&in);
        json_object *p = (json_object *)1;
        assert_int_equal(fhir_patient_from_record(rec, NULL, &p), KS_ERR_MALFORMED);
        assert_null(p);
        json_object_put(rec);
    }
}

static void an_id_number_that_is_not_12_digits_is_refused(void **state)
{
    (void)state;
    record_input in = mt_input(RECORD_PURPOSE_CLINIC);
    in.holder[RECORD_ID_NUMBER] = "79204012345";
    json_object *rec = mt_build(&in);
    json_object *p = NULL;
    assert_int_equal(fhir_patient_from_record(rec, NULL, &p), KS_ERR_MALFORMED);
    json_object_put(rec);
}

static void control_characters_in_a_name_are_refused(void **state)
{
    (void)state;
    record_input in = mt_input(RECORD_PURPOSE_CLINIC);
    in.holder[RECORD_FULL_NAME] = "Nguyễn\nVăn An";
    json_object *rec = mt_build(&in);
    json_object *p = NULL;
    assert_int_equal(fhir_patient_from_record(rec, NULL, &p), KS_ERR_MALFORMED);
    json_object_put(rec);
}

static void the_deployment_sets_the_identifier_system(void **state)
{
    (void)state;
    record_input in = mt_input(RECORD_PURPOSE_CLINIC);
    fhir_options opt = {.identifier_system = "urn:oid:1.2.3.4.5"};
    json_object *p = patient_of(&in, &opt);
    assert_string_equal(mt_str(first(p, "identifier"), "system"), "urn:oid:1.2.3.4.5");
    json_object_put(p);

    json_object *rec = mt_build(&in);
    static const char *const bad[] = {"cccd", "", "1http://x", "http://a b", ":x", "urn:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        opt.identifier_system = bad[i];
        assert_false(fhir_uri_is_absolute(bad[i]));
        assert_int_equal(fhir_patient_from_record(rec, &opt, &p), KS_ERR_ARG);
    }
    json_object_put(rec);
}

static void an_unusual_kiosk_id_still_makes_a_valid_source_uri(void **state)
{
    (void)state;
    record_input in = mt_input(RECORD_PURPOSE_CLINIC);
    in.kiosk_id = "K#7/a%b";
    json_object *rec = mt_build(&in);
    json_object *p = NULL;
    assert_int_equal(fhir_patient_from_record(rec, NULL, &p), KS_OK);
    assert_r4_patient(p);
    char want[128];
    snprintf(want, sizeof want, "kiosk:K%%237%%2Fa%%25b#%s", mt_str(rec, "record_id"));
    assert_string_equal(mt_str(member(p, "meta"), "source"), want);
    json_object_put(p);
    json_object_put(rec);
}

static void the_serialised_patient_is_utf8_json_that_parses_back(void **state)
{
    (void)state;
    record_input in = mt_input(RECORD_PURPOSE_CLINIC);
    json_object *p = patient_of(&in, NULL);
    const char *s = json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE);
    assert_true(utf8_valid((const uint8_t *)s, strlen(s)));
    assert_non_null(strstr(s, "\"family\":\"Nguyễn\""));
    assert_non_null(strstr(s, "http://fhir.hl7.org.vn/core/sid/cccd"));
    json_object *back = json_tokener_parse(s);
    assert_non_null(back);
    assert_r4_patient(back);
    json_object_put(back);
    json_object_put(p);
}

static void null_arguments_are_refused(void **state)
{
    (void)state;
    json_object *p = NULL;
    assert_int_equal(fhir_patient_from_record(NULL, NULL, &p), KS_ERR_ARG);
    json_object *arr = json_object_new_array();
    assert_int_equal(fhir_patient_from_record(arr, NULL, &p), KS_ERR_ARG);
    assert_int_equal(fhir_patient_from_record(arr, NULL, NULL), KS_ERR_ARG);
    json_object_put(arr);
    json_object *empty = json_object_new_object();
    assert_int_equal(fhir_patient_from_record(empty, NULL, &p), KS_ERR_MALFORMED);
    json_object_put(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_clinic_record_becomes_a_valid_r4_patient),
        cmocka_unit_test(a_vietnamese_name_puts_the_family_name_first),
        cmocka_unit_test(stray_spaces_in_a_name_never_reach_fhir),
        cmocka_unit_test(a_one_word_name_has_a_family_name_and_no_given),
        cmocka_unit_test(a_record_minimised_to_id_and_name_invents_nothing),
        cmocka_unit_test(a_record_without_holder_fields_gives_a_bare_patient),
        cmocka_unit_test(sex_maps_to_the_r4_gender_value_set),
        cmocka_unit_test(a_malformed_date_of_birth_is_refused),
        cmocka_unit_test(an_id_number_that_is_not_12_digits_is_refused),
        cmocka_unit_test(control_characters_in_a_name_are_refused),
        cmocka_unit_test(the_deployment_sets_the_identifier_system),
        cmocka_unit_test(an_unusual_kiosk_id_still_makes_a_valid_source_uri),
        cmocka_unit_test(the_serialised_patient_is_utf8_json_that_parses_back),
        cmocka_unit_test(null_arguments_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
