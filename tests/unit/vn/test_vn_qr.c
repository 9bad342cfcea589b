/* The CCCD QR text (hostd/vn/vn_qr.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vn_qr.h"

#define EXAMPLE_1 "001099012345|123456789|Nguyễn Văn An|15081999|Nam|Số 1 Phố X, Phường Y, Hà Nội|20042021"
#define EXAMPLE_2 "079303000123||Trần Thị Bình|01012003|Nữ|Phường A, Quận 1, TP. Hồ Chí Minh|10072024"

static ks_status parse(const char *text, vn_qr *qr, char *err, size_t cap)
{
    return vn_qr_parse(text, strlen(text), qr, err, cap);
}

static void parses_first_reference_example(void **state)
{
    (void)state;
    vn_qr qr;
    char err[128];
    assert_int_equal(parse(EXAMPLE_1, &qr, err, sizeof err), KS_OK);
    assert_string_equal(err, "");
    assert_string_equal(qr.id_number, "001099012345");
    assert_string_equal(qr.old_id_number, "123456789");
    assert_string_equal(qr.full_name, "Nguyễn Văn An");
    assert_string_equal(qr.date_of_birth, "1999-08-15");
    assert_string_equal(qr.sex, "Nam");
    assert_string_equal(qr.residence, "Số 1 Phố X, Phường Y, Hà Nội");
    assert_string_equal(qr.date_of_issue, "2021-04-20");
    assert_int_equal(qr.n_extra, 0);
}

static void parses_second_reference_example_with_empty_old_id(void **state)
{
    (void)state;
    vn_qr qr;
    char err[128];
    assert_int_equal(parse(EXAMPLE_2, &qr, err, sizeof err), KS_OK);
    assert_string_equal(qr.id_number, "079303000123");
    assert_string_equal(qr.old_id_number, "");
    assert_string_equal(qr.full_name, "Trần Thị Bình");
    assert_string_equal(qr.date_of_birth, "2003-01-01");
    assert_string_equal(qr.sex, "Nữ");
    assert_string_equal(qr.residence, "Phường A, Quận 1, TP. Hồ Chí Minh");
    assert_string_equal(qr.date_of_issue, "2024-07-10");
}

static void tolerates_trailing_cr_lf(void **state)
{
    (void)state;
    vn_qr qr;
    char err[128];
    assert_int_equal(parse(EXAMPLE_1 "\r\n", &qr, err, sizeof err), KS_OK);
    assert_string_equal(qr.date_of_issue, "2021-04-20");
    assert_int_equal(parse(EXAMPLE_2 "\n", &qr, err, sizeof err), KS_OK);
    assert_int_equal(qr.n_extra, 0);
}

static void keeps_extra_2024_fields_verbatim(void **state)
{
    (void)state;
    vn_qr qr;
    char err[128];
    assert_int_equal(parse(EXAMPLE_2 "|Trần Văn Bố|Lê Thị Mẹ|", &qr, err, sizeof err), KS_OK);
    assert_int_equal(qr.n_extra, 3);
    assert_string_equal(qr.extra[0], "Trần Văn Bố");
    assert_string_equal(qr.extra[1], "Lê Thị Mẹ");
    assert_string_equal(qr.extra[2], "");
    assert_string_equal(qr.date_of_issue, "2024-07-10");
}

static void keeps_the_first_eight_extras_and_ignores_the_rest(void **state)
{
    (void)state;
    char text[512];
    snprintf(text, sizeof text, "%s|e8|e9|e10|e11|e12|e13|e14|e15|e16|e17", EXAMPLE_1);
    vn_qr qr;
    char err[128];
    assert_int_equal(parse(text, &qr, err, sizeof err), KS_OK);
    assert_int_equal(qr.n_extra, VN_QR_MAX_EXTRA);
    assert_string_equal(qr.extra[0], "e8");
    assert_string_equal(qr.extra[7], "e15");
}

/* A malformed QR gives KS_ERR_MALFORMED, a zeroed result and an error
 * naming the field without repeating its content. */
static void expect_error(const char *text, ks_status want, const char *must_say,
                         const char *must_not_say)
{
    vn_qr qr;
    char err[160];
    memset(&qr, 0x55, sizeof qr);
    assert_int_equal(vn_qr_parse(text, strlen(text), &qr, err, sizeof err), want);
    assert_non_null(strstr(err, must_say));
    if (must_not_say)
        assert_null(strstr(err, must_not_say));
    assert_null(strstr(err, "Nguy"));
    assert_string_equal(qr.id_number, "");
    assert_string_equal(qr.full_name, "");
    assert_int_equal(qr.n_extra, 0);
}

static void rejects_six_fields(void **state)
{
    (void)state;
    expect_error("001099012345|123456789|Nguyễn Văn An|15081999|Nam|Hà Nội", KS_ERR_MALFORMED,
                 "has 6 fields", NULL);
    expect_error("", KS_ERR_MALFORMED, "has 1 fields", NULL);
}

static void rejects_letters_in_the_id(void **state)
{
    (void)state;
    expect_error("00109901234A|123456789|Nguyễn Văn An|15081999|Nam|Hà Nội|20042021",
                 KS_ERR_MALFORMED, "field 1 (ID number) must be 12 digits", "01234A");
}

static void rejects_a_13_digit_id(void **state)
{
    (void)state;
    expect_error("0010990123456|123456789|Nguyễn Văn An|15081999|Nam|Hà Nội|20042021",
                 KS_ERR_MALFORMED, "field 1 (ID number) must be 12 digits", "0123456");
}

static void rejects_a_bad_old_id(void **state)
{
    (void)state;
    expect_error("001099012345|12345678|Nguyễn Văn An|15081999|Nam|Hà Nội|20042021",
                 KS_ERR_MALFORMED, "field 2 (old ID number) must be 9 digits or empty", NULL);
}

static void rejects_31_february(void **state)
{
    (void)state;
    expect_error("001099012345|123456789|Nguyễn Văn An|31022000|Nam|Hà Nội|20042021",
                 KS_ERR_MALFORMED, "field 4 (date of birth) is not a real calendar date",
                 "3102");
    expect_error("001099012345|123456789|Nguyễn Văn An|29021900|Nam|Hà Nội|20042021",
                 KS_ERR_MALFORMED, "field 4 (date of birth) is not a real calendar date", NULL);
    expect_error("001099012345|123456789|Nguyễn Văn An|15081999|Nam|Hà Nội|2004202",
                 KS_ERR_MALFORMED, "field 7 (date of issue) must be 8 digits", NULL);
}

static void accepts_29_february_of_a_leap_year(void **state)
{
    (void)state;
    vn_qr qr;
    char err[128];
    const char *text = "001300012345||Lê Văn Nhuận|29022000|Nam|Huế|01032021";
    assert_int_equal(parse(text, &qr, err, sizeof err), KS_OK);
    assert_string_equal(qr.date_of_birth, "2000-02-29");
}

static void rejects_invalid_utf8(void **state)
{
    (void)state;
    expect_error("001099012345|123456789|Nguy\xC3\x28n|15081999|Nam|Hà Nội|20042021",
                 KS_ERR_MALFORMED, "field 3 (full name) is not valid UTF-8", NULL);
    /* Overlong '/' and a lone continuation byte. */
    expect_error("001099012345|123456789|An|15081999|Nam|H\xC0\xAF|20042021", KS_ERR_MALFORMED,
                 "field 6 (residence) is not valid UTF-8", NULL);
    expect_error(EXAMPLE_1 "|\x80", KS_ERR_MALFORMED, "field 8 (extra field 8) is not valid UTF-8",
                 NULL);
}

static void rejects_an_empty_name(void **state)
{
    (void)state;
    expect_error("001099012345|123456789||15081999|Nam|Hà Nội|20042021", KS_ERR_MALFORMED,
                 "field 3 (full name) is empty", NULL);
    expect_error("001099012345|123456789|   |15081999|Nam|Hà Nội|20042021", KS_ERR_MALFORMED,
                 "field 3 (full name) is empty", NULL);
}

static void rejects_unknown_sex_and_accepts_decomposed_nu(void **state)
{
    (void)state;
    expect_error("001099012345|123456789|Nguyễn Văn An|15081999|Male|Hà Nội|20042021",
                 KS_ERR_MALFORMED, "field 5 (sex)", "Male");
    vn_qr qr;
    char err[128];
    const char *nfd = "079303000123||Trần Thị Bình|01012003|Nu\xCC\x9B\xCC\x83|Q1|10072024";
    assert_int_equal(parse(nfd, &qr, err, sizeof err), KS_OK);
    assert_string_equal(qr.sex, "Nu\xCC\x9B\xCC\x83");
    assert_int_equal(vn_sex_code(qr.sex), 'F');
}

static void rejects_issue_before_birth(void **state)
{
    (void)state;
    expect_error("001099012345|123456789|Nguyễn Văn An|15081999|Nam|Hà Nội|14081999",
                 KS_ERR_MALFORMED, "field 7 (date of issue) is before field 4", NULL);
}

static void rejects_controls_nul_and_oversize_fields(void **state)
{
    (void)state;
    expect_error("001099012345|123456789|Nguyễn\tVăn An|15081999|Nam|Hà Nội|20042021",
                 KS_ERR_MALFORMED, "field 3 (full name) contains control characters", NULL);
    const char with_nul[] = "001099012345|123456789|An\0B|15081999|Nam|Hà Nội|20042021";
    vn_qr qr;
    char err[128];
    assert_int_equal(vn_qr_parse(with_nul, sizeof with_nul - 1, &qr, err, sizeof err),
                     KS_ERR_MALFORMED);
    assert_non_null(strstr(err, "NUL"));

    char text[600], name[200];
    memset(name, 'A', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    snprintf(text, sizeof text, "001099012345||%s|15081999|Nam|Hà Nội|20042021", name);
    expect_error(text, KS_ERR_TOO_LARGE, "field 3 (full name) is longer than 127 bytes", "AAAA");
}

static void rejects_null_arguments_and_tolerates_no_error_buffer(void **state)
{
    (void)state;
    vn_qr qr;
    assert_int_equal(vn_qr_parse(NULL, 3, &qr, NULL, 0), KS_ERR_ARG);
    assert_int_equal(vn_qr_parse("a", 1, NULL, NULL, 0), KS_ERR_ARG);
    assert_int_equal(vn_qr_parse(EXAMPLE_1, strlen(EXAMPLE_1), &qr, NULL, 0), KS_OK);
    char tiny[8];
    assert_int_equal(vn_qr_parse("x|y", 3, &qr, tiny, sizeof tiny), KS_ERR_MALFORMED);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_first_reference_example),
        cmocka_unit_test(parses_second_reference_example_with_empty_old_id),
        cmocka_unit_test(tolerates_trailing_cr_lf),
        cmocka_unit_test(keeps_extra_2024_fields_verbatim),
        cmocka_unit_test(keeps_the_first_eight_extras_and_ignores_the_rest),
        cmocka_unit_test(rejects_six_fields),
        cmocka_unit_test(rejects_letters_in_the_id),
        cmocka_unit_test(rejects_a_13_digit_id),
        cmocka_unit_test(rejects_a_bad_old_id),
        cmocka_unit_test(rejects_31_february),
        cmocka_unit_test(accepts_29_february_of_a_leap_year),
        cmocka_unit_test(rejects_invalid_utf8),
        cmocka_unit_test(rejects_an_empty_name),
        cmocka_unit_test(rejects_unknown_sex_and_accepts_decomposed_nu),
        cmocka_unit_test(rejects_issue_before_birth),
        cmocka_unit_test(rejects_controls_nul_and_oversize_fields),
        cmocka_unit_test(rejects_null_arguments_and_tolerates_no_error_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
