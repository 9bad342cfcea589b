/* card.json, --print-qr, and the profile loader's errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <json-c/json.h>

#include "mkc_test_support.h"

static const char sample_qr[] =
    "001099012345|123456789|Nguyễn Văn An|15081999|Nam|Số 1 Phố X, Phường Y, Hà Nội|10012023";

static char *printed_qr(const char *card, ks_status *st)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    *st = mkc_card_print_qr(card, f);
    long n = ftell(f);
    rewind(f);
    char *text = calloc(1, (size_t)n + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return text;
}

static void print_qr_gives_the_front_qr_text_and_a_newline(void **state)
{
    (void)state;
    char *dir = mkc_test_build("cccd-sample.json", NULL);
    char card[4096];
    snprintf(card, sizeof card, "%s/card", dir);
    ks_status st;
    char *text = printed_qr(card, &st);
    assert_int_equal(st, KS_OK);
    char expected[512];
    snprintf(expected, sizeof expected, "%s\n", sample_qr);
    assert_string_equal(text, expected);
    free(text);
    mkc_test_rmtree(dir);
    free(dir);
}

static void print_qr_fails_for_a_passport(void **state)
{
    (void)state;
    char *dir = mkc_test_build("passport-sample.json", NULL);
    char card[4096];
    snprintf(card, sizeof card, "%s/card", dir);
    ks_status st;
    char *text = printed_qr(card, &st);
    assert_int_equal(st, KS_ERR_NOT_FOUND);
    assert_string_equal(text, "");
    free(text);
    mkc_test_rmtree(dir);
    free(dir);
}

static const char *member(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return NULL;
    return json_object_get_string(v);
}

static void card_json_has_mrz_keys_can_and_settings(void **state)
{
    (void)state;
    mkc_options o;
    mkc_options_default(&o);
    o.extended_length = false;
    char *dir = mkc_test_build("cccd-sample.json", &o);
    char path[4096];
    snprintf(path, sizeof path, "%s/card/card.json", dir);
    json_object *root = json_object_from_file(path);
    assert_non_null(root);
    json_object *v, *mrz;
    assert_true(json_object_object_get_ex(root, "version", &v));
    assert_int_equal(json_object_get_int(v), 1);
    assert_string_equal(member(root, "profile"), "cccd");
    assert_true(json_object_object_get_ex(root, "mrz", &mrz));
    assert_string_equal(member(mrz, "document_number"), "099012345");
    assert_string_equal(member(mrz, "date_of_birth"), "990815");
    assert_string_equal(member(mrz, "date_of_expiry"), "390815");
    assert_string_equal(member(root, "can"), "012345");
    assert_string_equal(member(root, "qr"), sample_qr);
    assert_true(json_object_object_get_ex(root, "extended_length", &v));
    assert_false(json_object_get_boolean(v));
    assert_string_equal(member(root, "aa_key"), "aa_key.pem");
    assert_string_equal(member(root, "ca_key"), "ca_key.pem");
    json_object_put(root);
    mkc_test_rmtree(dir);
    free(dir);
}

static void passport_card_json_has_no_can_or_qr(void **state)
{
    (void)state;
    mkc_options o;
    mkc_options_default(&o);
    o.aa = MKC_AA_NONE;
    char *dir = mkc_test_build("passport-sample.json", &o);
    char path[4096];
    snprintf(path, sizeof path, "%s/card/card.json", dir);
    json_object *root = json_object_from_file(path);
    assert_non_null(root);
    assert_null(member(root, "can"));
    assert_null(member(root, "qr"));
    assert_null(member(root, "aa_key"));
    json_object *mrz;
    assert_true(json_object_object_get_ex(root, "mrz", &mrz));
    assert_string_equal(member(mrz, "document_number"), "C3000123");
    json_object_put(root);
    mkc_test_rmtree(dir);
    free(dir);
}

static ks_status parse(const char *json, mkc_profile *p)
{
    mkc_clear_error();
    return mkc_profile_parse(json, strlen(json), p);
}

static void profile_names_a_missing_field_without_values(void **state)
{
    (void)state;
    static mkc_profile p;
    const char *json = "{\"type\":\"passport\",\"mrz\":{\"document_number\":\"C3000123\","
                       "\"date_of_birth\":\"030101\",\"surname\":\"Trần\",\"sex\":\"F\","
                       "\"nationality\":\"VNM\",\"issuing_state\":\"VNM\"}}";
    assert_int_equal(parse(json, &p), KS_ERR_NOT_FOUND);
    assert_non_null(strstr(mkc_last_error(), "mrz.date_of_expiry"));
    assert_null(strstr(mkc_last_error(), "C3000123"));

    assert_int_equal(parse("{\"type\":\"cccd\",\"cccd\":{\"id_number\":\"001099012345\"}}", &p),
                     KS_ERR_NOT_FOUND);
    assert_non_null(strstr(mkc_last_error(), "cccd.full_name"));
    assert_int_equal(parse("{\"type\":\"cccd\"}", &p), KS_ERR_NOT_FOUND);
    assert_int_equal(parse("{}", &p), KS_ERR_NOT_FOUND);
}

static void profile_refuses_bad_values(void **state)
{
    (void)state;
    static mkc_profile p;
    const char *base = "{\"type\":\"passport\",\"mrz\":{\"document_number\":\"%s\","
                       "\"date_of_birth\":\"%s\",\"date_of_expiry\":\"340710\",\"surname\":\"X\","
                       "\"sex\":\"F\",\"nationality\":\"VNM\",\"issuing_state\":\"VNM\"}}";
    char json[512];
    snprintf(json, sizeof json, base, "C3000123", "031301");
    assert_int_equal(parse(json, &p), KS_ERR_MALFORMED);
    assert_non_null(strstr(mkc_last_error(), "mrz.date_of_birth"));
    snprintf(json, sizeof json, base, "c3000123", "030101");
    assert_int_equal(parse(json, &p), KS_ERR_MALFORMED);
    snprintf(json, sizeof json, base, "C30001234", "030101");
    assert_int_equal(parse(json, &p), KS_OK);
    snprintf(json, sizeof json, base, "C300012345", "030101");
    assert_int_equal(parse(json, &p), KS_ERR_MALFORMED);
    assert_int_equal(parse("{\"type\":\"visa\"}", &p), KS_ERR_MALFORMED);
    assert_int_equal(parse("{\"type\":", &p), KS_ERR_MALFORMED);
    assert_int_equal(parse("[1,2]", &p), KS_ERR_MALFORMED);
    assert_int_equal(parse("{\"type\":\"passport\",\"mrz\":{\"document_number\":7}}", &p), KS_ERR_MALFORMED);
}

static void cccd_profile_derives_its_mrz_from_the_cccd_block(void **state)
{
    (void)state;
    static mkc_profile p;
    const char *json =
        "{\"type\":\"cccd\",\"cccd\":{\"id_number\":\"079303000123\",\"old_id_number\":\"\","
        "\"full_name\":\"Trần Thị Bình\",\"date_of_birth\":\"01/01/2003\",\"sex\":\"Nữ\","
        "\"place_of_residence\":\"Phường A, Quận 1, TP. Hồ Chí Minh\","
        "\"date_of_issue\":\"10/07/2024\",\"date_of_expiry\":\"Không thời hạn\"}}";
    assert_int_equal(parse(json, &p), KS_OK);
    assert_string_equal(p.mrz.document_number, "303000123");
    assert_string_equal(p.mrz.date_of_birth, "030101");
    assert_string_equal(p.mrz.date_of_expiry, "991231");
    assert_string_equal(p.mrz.sex, "F");
    assert_string_equal(p.mrz.surname, "Trần");
    assert_string_equal(p.mrz.given_names, "Thị Bình");
    assert_string_equal(p.mrz.issuing_state, "VNM");
    char qr[512];
    assert_int_equal(mkc_card_qr_text(&p.cccd, qr, sizeof qr), KS_OK);
    assert_string_equal(qr, "079303000123||Trần Thị Bình|01012003|Nữ|"
                            "Phường A, Quận 1, TP. Hồ Chí Minh|10072024");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(print_qr_gives_the_front_qr_text_and_a_newline),
        cmocka_unit_test(print_qr_fails_for_a_passport),
        cmocka_unit_test(card_json_has_mrz_keys_can_and_settings),
        cmocka_unit_test(passport_card_json_has_no_can_or_qr),
        cmocka_unit_test(profile_names_a_missing_field_without_values),
        cmocka_unit_test(profile_refuses_bad_values),
        cmocka_unit_test(cccd_profile_derives_its_mrz_from_the_cccd_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
