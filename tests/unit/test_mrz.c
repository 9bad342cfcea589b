/*
 * MRZ parsing and check digits: the Utopia specimens of ICAO Doc 9303 Part 4
 * (TD3, current and the older one used by the Part 11 BAC example), Part 5
 * (TD1, including its long document number example) and Part 6 (TD2), and a
 * synthetic Vietnamese CCCD TD1 (made-up person; check digits computed here).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mrz.h"

#define TD3_L1 "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
#define TD3_L2 "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
#define TD3_OLD_L2 "L898902C<3UTO6908061F9406236ZE184226B<<<<<14"
#define TD1_L1 "I<UTOD231458907<<<<<<<<<<<<<<<"
#define TD1_L2 "7408122F1204159UTO<<<<<<<<<<<6"
#define TD1_L3 "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
#define TD2_L1 "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<"
#define TD2_L2 "D231458907UTO7408122F1204159<<<<<<<6"
#define VN_L1 "IDVNM0990123459001099012345<<<"
#define VN_L2 "9908154M2408150VNM<<<<<<<<<<<2"
#define VN_L3 "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<"

static void parse_ok(const char *text, mrz_info *m)
{
    assert_int_equal(mrz_parse(text, strlen(text), m), KS_OK);
}

static void check_digit_follows_the_7_3_1_rule(void **state)
{
    (void)state;
    assert_int_equal(mrz_check_digit("L898902C3", 9), 6);
    assert_int_equal(mrz_check_digit("L898902C<", 9), 3);
    assert_int_equal(mrz_check_digit("740812", 6), 2);
    assert_int_equal(mrz_check_digit("690806", 6), 1);
    assert_int_equal(mrz_check_digit("940623", 6), 6);
    assert_int_equal(mrz_check_digit("D23145890734", 12), 9);
    assert_int_equal(mrz_check_digit("", 0), 0);
    assert_int_equal(mrz_check_digit("<<<<", 4), 0);
    assert_int_equal(mrz_check_digit("AB-1", 4), -1);
    assert_int_equal(mrz_check_digit("abc", 3), -1);
}

static void td3_specimen_parses_with_all_checks_right(void **state)
{
    (void)state;
    mrz_info m;
    parse_ok(TD3_L1 "\n" TD3_L2, &m);
    assert_int_equal(m.format, MRZ_TD3);
    assert_string_equal(m.document_code, "P");
    assert_string_equal(m.issuing_state, "UTO");
    assert_string_equal(m.surname, "ERIKSSON");
    assert_string_equal(m.given_names, "ANNA MARIA");
    assert_string_equal(m.document_number, "L898902C3");
    assert_string_equal(m.nationality, "UTO");
    assert_string_equal(m.date_of_birth, "740812");
    assert_int_equal(m.sex, 'F');
    assert_string_equal(m.date_of_expiry, "120415");
    assert_string_equal(m.optional_data1, "ZE184226B");
    assert_string_equal(m.optional_data2, "");
    assert_int_equal(m.failed_checks, 0);
}

static void td3_of_the_bac_example_keeps_the_filler_check(void **state)
{
    (void)state;
    mrz_info m;
    parse_ok(TD3_L1 "\r\n" TD3_OLD_L2 "\r\n", &m);
    assert_int_equal(m.failed_checks, 0);
    assert_string_equal(m.document_number, "L898902C");
    assert_string_equal(m.date_of_birth, "690806");
    assert_string_equal(m.date_of_expiry, "940623");
    uint8_t seed[16];
    static const uint8_t want[16] = {0x23, 0x9A, 0xB9, 0xCB, 0x28, 0x2D, 0xAF, 0x66,
                                     0x23, 0x1D, 0xC5, 0xA4, 0xDF, 0x6B, 0xFB, 0xAE};
    assert_int_equal(mrz_key_seed(m.document_number, m.date_of_birth, m.date_of_expiry, seed),
                     KS_OK);
    assert_memory_equal(seed, want, 16);
}

static void td1_specimen_parses_with_all_checks_right(void **state)
{
    (void)state;
    mrz_info m;
    parse_ok(TD1_L1 "\n" TD1_L2 "\n" TD1_L3, &m);
    assert_int_equal(m.format, MRZ_TD1);
    assert_string_equal(m.document_code, "I");
    assert_string_equal(m.issuing_state, "UTO");
    assert_string_equal(m.document_number, "D23145890");
    assert_string_equal(m.date_of_birth, "740812");
    assert_int_equal(m.sex, 'F');
    assert_string_equal(m.date_of_expiry, "120415");
    assert_string_equal(m.nationality, "UTO");
    assert_string_equal(m.surname, "ERIKSSON");
    assert_string_equal(m.given_names, "ANNA MARIA");
    assert_string_equal(m.optional_data1, "");
    assert_string_equal(m.optional_data2, "");
    assert_int_equal(m.failed_checks, 0);
}

static void td1_long_document_number_is_joined(void **state)
{
    (void)state;
    mrz_info m;
    parse_ok("I<UTOD23145890<7349<<<<<<<<<<<\n" TD1_L2 "\n" TD1_L3, &m);
    assert_string_equal(m.document_number, "D23145890734");
    assert_string_equal(m.optional_data1, "");
    assert_int_equal(m.failed_checks, 0);
    /* A wrong digit at the end of the continuation fails the number and the composite. */
    parse_ok("I<UTOD23145890<7348<<<<<<<<<<<\n" TD1_L2 "\n" TD1_L3, &m);
    assert_int_equal(m.failed_checks, MRZ_CHECK_DOCNO | MRZ_CHECK_COMPOSITE);
}

static void td2_specimen_parses_with_all_checks_right(void **state)
{
    (void)state;
    mrz_info m;
    parse_ok(TD2_L1 TD2_L2, &m);
    assert_int_equal(m.format, MRZ_TD2);
    assert_string_equal(m.document_code, "I");
    assert_string_equal(m.surname, "ERIKSSON");
    assert_string_equal(m.given_names, "ANNA MARIA");
    assert_string_equal(m.document_number, "D23145890");
    assert_string_equal(m.date_of_birth, "740812");
    assert_string_equal(m.date_of_expiry, "120415");
    assert_int_equal(m.failed_checks, 0);
}

static void td2_long_document_number_is_joined(void **state)
{
    (void)state;
    mrz_info m;
    parse_ok(TD2_L1 "\n" "ABC123456<UTO7408122F120415978902<<8", &m);
    assert_string_equal(m.document_number, "ABC1234567890");
    assert_string_equal(m.optional_data1, "");
    assert_int_equal(m.failed_checks, 0);
}

static void vietnamese_td1_gives_the_12_digit_id_in_optional_data(void **state)
{
    (void)state;
    mrz_info m;
    parse_ok(VN_L1 "\n" VN_L2 "\n" VN_L3 "\n", &m);
    assert_int_equal(m.format, MRZ_TD1);
    assert_string_equal(m.document_code, "ID");
    assert_string_equal(m.issuing_state, "VNM");
    assert_string_equal(m.document_number, "099012345");
    assert_string_equal(m.optional_data1, "001099012345");
    assert_string_equal(m.date_of_birth, "990815");
    assert_int_equal(m.sex, 'M');
    assert_string_equal(m.date_of_expiry, "240815");
    assert_string_equal(m.nationality, "VNM");
    assert_string_equal(m.surname, "NGUYEN");
    assert_string_equal(m.given_names, "VAN AN");
    assert_int_equal(m.failed_checks, 0);
}

static void vietnamese_card_without_expiry_uses_991231(void **state)
{
    (void)state;
    mrz_info m;
    parse_ok(VN_L1 "9908154F9912315VNM<<<<<<<<<<<8" VN_L3, &m);
    assert_string_equal(m.date_of_expiry, "991231");
    assert_int_equal(m.sex, 'F');
    assert_int_equal(m.failed_checks, 0);
}

static void separators_and_surrounding_whitespace_are_accepted(void **state)
{
    (void)state;
    static const char *forms[] = {
        TD3_L1 TD3_L2,
        TD3_L1 "\n" TD3_L2,
        TD3_L1 "\r\n" TD3_L2,
        "  \n" TD3_L1 "\r\n" TD3_L2 "\r\n\n  ",
        "\t" TD3_L1 " \n " TD3_L2 "\n",
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        mrz_info m;
        parse_ok(forms[i], &m);
        assert_int_equal(m.format, MRZ_TD3);
        assert_string_equal(m.document_number, "L898902C3");
        assert_int_equal(m.failed_checks, 0);
    }
}

static void each_wrong_check_digit_is_flagged(void **state)
{
    (void)state;
    static const struct {
        const char *l2;
        unsigned want;
    } v[] = {
        {"L898902C37UTO7408122F1204159ZE184226B<<<<<10", MRZ_CHECK_DOCNO | MRZ_CHECK_COMPOSITE},
        {"L898902C36UTO7408123F1204159ZE184226B<<<<<10", MRZ_CHECK_DOB | MRZ_CHECK_COMPOSITE},
        {"L898902C36UTO7408122F1204158ZE184226B<<<<<10", MRZ_CHECK_EXPIRY | MRZ_CHECK_COMPOSITE},
        {"L898902C36UTO7408122F1204159ZE184226B<<<<<20", MRZ_CHECK_OPTIONAL | MRZ_CHECK_COMPOSITE},
        {"L898902C36UTO7408122F1204159ZE184226B<<<<<11", MRZ_CHECK_COMPOSITE},
        /* A changed date with unchanged digits: the date and the composite both catch it. */
        {"L898902C36UTO7409122F1204159ZE184226B<<<<<10", MRZ_CHECK_DOB | MRZ_CHECK_COMPOSITE},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char text[100];
        strcpy(text, TD3_L1 "\n");
        strcat(text, v[i].l2);
        mrz_info m;
        parse_ok(text, &m);
        assert_int_equal(m.failed_checks, v[i].want);
    }
    mrz_info m;
    parse_ok(TD1_L1 "\n7408122F1204159UTO<<<<<<<<<<<7\n" TD1_L3, &m);
    assert_int_equal(m.failed_checks, MRZ_CHECK_COMPOSITE);
}

static void empty_personal_number_may_have_a_filler_check_digit(void **state)
{
    (void)state;
    mrz_info m;
    parse_ok(TD3_L1 "\nL898902C36UTO7408122F1204159<<<<<<<<<<<<<<<8", &m);
    assert_int_equal(m.failed_checks, 0);
    parse_ok(TD3_L1 "\nL898902C36UTO7408122F1204159<<<<<<<<<<<<<<08", &m);
    assert_int_equal(m.failed_checks, 0);
    /* A filler digit under a non-empty personal number is wrong. */
    parse_ok(TD3_L1 "\nL898902C36UTO7408122F1204159ZE184226B<<<<<<0", &m);
    assert_true((m.failed_checks & MRZ_CHECK_OPTIONAL) != 0);
}

static void filler_sex_becomes_x(void **state)
{
    (void)state;
    mrz_info m;
    parse_ok(TD1_L1 "\n7408122<1204159UTO<<<<<<<<<<<6\n" TD1_L3, &m);
    assert_int_equal(m.sex, 'X');
    assert_int_equal(m.failed_checks, 0); /* sex is outside every check digit */
}

static void garbage_is_rejected_and_nothing_filled(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "   \n  ",
        "hello world",
        TD3_L1,                                      /* one line */
        TD3_L1 "\n" TD3_L2 "\n" TD3_L2,              /* three TD3 lines */
        TD3_L1 "\n" TD1_L2,                          /* mixed widths */
        TD1_L1 "\n\n" TD1_L2 "\n" TD1_L3,            /* blank line inside */
        TD3_L1 "\n" "l898902C36UTO7408122F1204159ZE184226B<<<<<10", /* lower case */
        TD3_L1 "\n" "L898902C36UTO7408122F1204159ZE184226B<<<<<1 ",
        TD3_L1 TD3_L2 "<",                           /* 89 characters */
        TD1_L1 TD1_L2 TD1_L3 "\n" TD1_L3,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mrz_info m;
        memset(&m, 0x5A, sizeof m);
        assert_int_equal(mrz_parse(bad[i], strlen(bad[i]), &m), KS_ERR_MALFORMED);
        static const mrz_info zero;
        assert_memory_equal(&m, &zero, sizeof m);
    }
    /* An embedded NUL is just another bad character. */
    static const char with_nul[] = TD3_L1 "\nL898902C36UTO7408122F12041\0" "9ZE184226B<<<<<10";
    mrz_info m;
    assert_int_equal(mrz_parse(with_nul, sizeof with_nul - 1, &m), KS_ERR_MALFORMED);
    assert_int_equal(mrz_parse(NULL, 0, &m), KS_ERR_ARG);
}

static void key_seed_validates_its_inputs(void **state)
{
    (void)state;
    uint8_t seed[16];
    assert_int_equal(mrz_key_seed("", "690806", "940623", seed), KS_ERR_ARG);
    assert_int_equal(mrz_key_seed("L898902c<", "690806", "940623", seed), KS_ERR_ARG);
    assert_int_equal(mrz_key_seed("L898902C<", "69080", "940623", seed), KS_ERR_ARG);
    assert_int_equal(mrz_key_seed("L898902C<", "690806", "9406234", seed), KS_ERR_ARG);
    assert_int_equal(mrz_key_seed("L898902C<", "69O806", "940623", seed), KS_ERR_ARG);
    assert_int_equal(mrz_key_seed("1234567890123456789012345678901234567890", "690806", "940623",
                                  seed),
                     KS_ERR_ARG);
    /* Long numbers are used whole, with their own check digit. */
    uint8_t a[16], b[16];
    assert_int_equal(mrz_key_seed("D23145890734", "740812", "120415", a), KS_OK);
    assert_int_equal(mrz_key_seed("D23145890", "740812", "120415", b), KS_OK);
    assert_memory_not_equal(a, b, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_digit_follows_the_7_3_1_rule),
        cmocka_unit_test(td3_specimen_parses_with_all_checks_right),
        cmocka_unit_test(td3_of_the_bac_example_keeps_the_filler_check),
        cmocka_unit_test(td1_specimen_parses_with_all_checks_right),
        cmocka_unit_test(td1_long_document_number_is_joined),
        cmocka_unit_test(td2_specimen_parses_with_all_checks_right),
        cmocka_unit_test(td2_long_document_number_is_joined),
        cmocka_unit_test(vietnamese_td1_gives_the_12_digit_id_in_optional_data),
        cmocka_unit_test(vietnamese_card_without_expiry_uses_991231),
        cmocka_unit_test(separators_and_surrounding_whitespace_are_accepted),
        cmocka_unit_test(each_wrong_check_digit_is_flagged),
        cmocka_unit_test(empty_personal_number_may_have_a_filler_check_digit),
        cmocka_unit_test(filler_sex_becomes_x),
        cmocka_unit_test(garbage_is_rejected_and_nothing_filled),
        cmocka_unit_test(key_seed_validates_its_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
