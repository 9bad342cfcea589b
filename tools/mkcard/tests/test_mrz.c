/* MRZ: check digits, transliteration, TD1 for the CCCD sample, TD3 vs ICAO. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mkc_mrz.h"
#include "mkc_test_support.h"

/* An independent check digit: Doc 9303 Part 3, 4.9, written from the table. */
static char reference_check(const char *s, size_t n)
{
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        const char *at = strchr(alphabet, s[i]);
        unsigned value = (s[i] != '<' && at) ? (unsigned)(at - alphabet) : 0;
        sum += value * (i % 3 == 0 ? 7u : i % 3 == 1 ? 3u : 1u);
    }
    return (char)('0' + sum % 10);
}

static void check_digit_matches_icao_worked_examples(void **state)
{
    (void)state;
    /* Doc 9303 Part 4 Appendix A / Part 5 Appendix A specimen values. */
    assert_int_equal(mkc_mrz_check_digit("L898902C3", 9), '6');
    assert_int_equal(mkc_mrz_check_digit("740812", 6), '2');
    assert_int_equal(mkc_mrz_check_digit("120415", 6), '9');
    assert_int_equal(mkc_mrz_check_digit("ZE184226B<<<<<", 14), '1');
    assert_int_equal(mkc_mrz_check_digit("D23145890", 9), '7');
    /* TD1 specimen composite: line 1 from 6, line 2 fields. */
    const char *composite = "D231458907<<<<<<<<<<<<<<<" "7408122" "1204159" "<<<<<<<<<<<";
    assert_int_equal(mkc_mrz_check_digit(composite, strlen(composite)), '6');
}

static void td3_reproduces_the_icao_specimen(void **state)
{
    (void)state;
    mkc_mrz_fields m;
    memset(&m, 0, sizeof m);
    strcpy(m.document_number, "L898902C3");
    strcpy(m.date_of_birth, "740812");
    strcpy(m.date_of_expiry, "120415");
    strcpy(m.surname, "ERIKSSON");
    strcpy(m.given_names, "ANNA MARIA");
    strcpy(m.sex, "F");
    strcpy(m.nationality, "UTO");
    strcpy(m.issuing_state, "UTO");
    strcpy(m.personal_number, "ZE184226B");
    char out[MKC_MRZ_MAX];
    assert_int_equal(mkc_mrz_td3(&m, out), KS_OK);
    assert_string_equal(out, "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
                             "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
}

static void transliteration_strips_vietnamese_diacritics(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(mkc_mrz_transliterate("Đặng Thị Ngọc Hà", out, sizeof out), KS_OK);
    assert_string_equal(out, "DANG<THI<NGOC<HA");
    assert_int_equal(mkc_mrz_transliterate("Nguyễn  Văn-Ấn ", out, sizeof out), KS_OK);
    assert_string_equal(out, "NGUYEN<VAN<AN");
    assert_int_equal(mkc_mrz_transliterate("Ưng Ỷ Ơn Ũ Ĩ Ă", out, sizeof out), KS_OK);
    assert_string_equal(out, "UNG<Y<ON<U<I<A");
    /* Decomposed (NFD) text: base letters followed by combining marks. */
    assert_int_equal(mkc_mrz_transliterate("Nguye\xcc\x82\xcc\x83n", out, sizeof out), KS_OK);
    assert_string_equal(out, "NGUYEN");
    assert_int_equal(mkc_mrz_transliterate("O'Neil", out, sizeof out), KS_OK);
    assert_string_equal(out, "ONEIL");
}

static void transliteration_refuses_what_it_cannot_spell(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(mkc_mrz_transliterate("\xe6\x9d\x8e", out, sizeof out), KS_ERR_MALFORMED);
    assert_int_equal(mkc_mrz_transliterate("A1", out, sizeof out), KS_ERR_MALFORMED);
    assert_int_equal(mkc_mrz_transliterate("\xc3", out, sizeof out), KS_ERR_MALFORMED);
}

static void name_field_truncates_to_its_width(void **state)
{
    (void)state;
    char out[31];
    assert_int_equal(mkc_mrz_name_field("Tôn Nữ Thị", "Phương Thảo Anh Đào Mai", out, 30), KS_OK);
    assert_string_equal(out, "TON<NU<THI<<PHUONG<THAO<ANH<DA");
    assert_int_equal(strlen(out), 30);
}

static void cccd_sample_td1_has_right_fields_and_check_digits(void **state)
{
    (void)state;
    mkc_profile p;
    mkc_test_profile("cccd-sample.json", &p);
    char mrz[MKC_MRZ_MAX];
    size_t len;
    assert_int_equal(mkc_mrz_build(&p, mrz, &len), KS_OK);
    assert_int_equal(len, 90);
    assert_int_equal(strlen(mrz), 90);
    const char *l1 = mrz, *l2 = mrz + 30, *l3 = mrz + 60;

    assert_memory_equal(l1, "IDVNM099012345", 14);
    assert_int_equal(l1[14], reference_check("099012345", 9));
    assert_memory_equal(l1 + 15, "001099012345<<<", 15);

    assert_memory_equal(l2, "990815", 6);
    assert_int_equal(l2[6], reference_check("990815", 6));
    assert_int_equal(l2[7], 'M');
    assert_memory_equal(l2 + 8, "390815", 6);
    assert_int_equal(l2[14], reference_check("390815", 6));
    assert_memory_equal(l2 + 15, "VNM<<<<<<<<<<<", 14);
    char composite[50];
    memcpy(composite, l1 + 5, 25);
    memcpy(composite + 25, l2, 7);
    memcpy(composite + 32, l2 + 8, 7);
    memcpy(composite + 39, l2 + 18, 11);
    assert_int_equal(l2[29], reference_check(composite, 50));

    assert_memory_equal(l3, "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<", 30);
}

static void passport_sample_td3_check_digits_are_right(void **state)
{
    (void)state;
    mkc_profile p;
    mkc_test_profile("passport-sample.json", &p);
    char mrz[MKC_MRZ_MAX];
    size_t len;
    assert_int_equal(mkc_mrz_build(&p, mrz, &len), KS_OK);
    assert_int_equal(len, 88);
    const char *l1 = mrz, *l2 = mrz + 44;
    assert_memory_equal(l1, "P<VNMTRAN<<THI<BINH<<<<", 23);
    assert_memory_equal(l2, "C3000123<", 9);
    assert_int_equal(l2[9], reference_check(l2, 9));
    assert_memory_equal(l2 + 10, "VNM030101", 9);
    assert_int_equal(l2[19], reference_check(l2 + 13, 6));
    assert_int_equal(l2[20], 'F');
    assert_int_equal(l2[27], reference_check(l2 + 21, 6));
    assert_memory_equal(l2 + 28, "079303000123<<", 14);
    assert_int_equal(l2[42], reference_check(l2 + 28, 14));
    char composite[39];
    memcpy(composite, l2, 10);
    memcpy(composite + 10, l2 + 13, 7);
    memcpy(composite + 17, l2 + 21, 22);
    assert_int_equal(l2[43], reference_check(composite, 39));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_digit_matches_icao_worked_examples),
        cmocka_unit_test(td3_reproduces_the_icao_specimen),
        cmocka_unit_test(transliteration_strips_vietnamese_diacritics),
        cmocka_unit_test(transliteration_refuses_what_it_cannot_spell),
        cmocka_unit_test(name_field_truncates_to_its_width),
        cmocka_unit_test(cccd_sample_td1_has_right_fields_and_check_digits),
        cmocka_unit_test(passport_sample_td3_check_digits_are_right),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
