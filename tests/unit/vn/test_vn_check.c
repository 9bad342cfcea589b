/* QR / DG13 / DG1 consistency and the Vietnamese -> MRZ transliteration
 * (hostd/vn/vn_check.h, hostd/vn/vn_text.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vn_check.h"
#include "vn_text.h"

static void expect_translit(const char *in, const char *want)
{
    char out[128];
    assert_int_equal(vn_transliterate(in, out, sizeof out), KS_OK);
    assert_string_equal(out, want);
}

static void transliterates_the_reference_names(void **state)
{
    (void)state;
    expect_translit("Nguyễn Văn An", "NGUYEN VAN AN");
    expect_translit("Trần Thị Bình", "TRAN THI BINH");
    expect_translit("Đặng Ngọc Ưng", "DANG NGOC UNG");
}

static void transliterates_every_vowel_with_every_tone(void **state)
{
    (void)state;
    expect_translit("àáảãạ ăằắẳẵặ âầấẩẫậ èéẻẽẹ êềếểễệ ìíỉĩị",
                    "AAAAA AAAAAA AAAAAA EEEEE EEEEEE IIIII");
    expect_translit("òóỏõọ ôồốổỗộ ơờớởỡợ ùúủũụ ưừứửữự ỳýỷỹỵ đ",
                    "OOOOO OOOOOO OOOOOO UUUUU UUUUUU YYYYY D");
    expect_translit("ÀÁẢÃẠ ĂẰẮẲẴẶ ÂẦẤẨẪẬ ÈÉẺẼẸ ÊỀẾỂỄỆ ÌÍỈĨỊ",
                    "AAAAA AAAAAA AAAAAA EEEEE EEEEEE IIIII");
    expect_translit("ÒÓỎÕỌ ÔỒỐỔỖỘ ƠỜỚỞỠỢ ÙÚỦŨỤ ƯỪỨỬỮỰ ỲÝỶỸỴ Đ",
                    "OOOOO OOOOOO OOOOOO UUUUU UUUUUU YYYYY D");
}

static void transliterates_decomposed_input_and_separators(void **state)
{
    (void)state;
    /* NFD: e + circumflex + tilde, a + breve, U + horn. */
    expect_translit("Nguye\xCC\x82\xCC\x83n Va\xCC\x86n U\xCC\x9B\xCC\x80ng", "NGUYEN VAN UNG");
    /* All eight marks the brief names, stacked on one letter. */
    expect_translit("a\xCC\x80\xCC\x81\xCC\x83\xCC\x89\xCC\xA3\xCC\x86\xCC\x82\xCC\x9B", "A");
    expect_translit("  H'Hen   Niê-Ksor  ", "HHEN NIE KSOR");
    expect_translit("NGUYEN<<VAN<AN", "NGUYEN VAN AN");
}

static void transliteration_reports_what_it_cannot_do(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(vn_transliterate("Nguyễn 2", out, sizeof out), KS_ERR_UNSUPPORTED);
    assert_int_equal(vn_transliterate("Müller", out, sizeof out), KS_ERR_UNSUPPORTED);
    assert_int_equal(vn_transliterate("Nguy\xE1\xBB", out, sizeof out), KS_ERR_MALFORMED);
    assert_int_equal(vn_transliterate("Nguyễn Văn", out, sizeof out), KS_ERR_TOO_LARGE);
    assert_int_equal(vn_transliterate(NULL, out, sizeof out), KS_ERR_ARG);
    assert_int_equal(vn_transliterate("Nguyễn", out, sizeof out), KS_OK);
    assert_string_equal(out, "NGUYEN");
}

/* Every precomposed letter compares equal to base + modifier + tone (which is
 * canonically equivalent to its NFD, e.g. e + U+0302 + U+0323 for ệ, whose
 * NFD puts the dot below first); and there are exactly 134 of them. */
static void letter_table_matches_its_decompositions(void **state)
{
    (void)state;
    size_t count = 0;
    for (uint32_t cp = 0x80; cp < 0x2000; cp++) {
        char base;
        uint32_t mod, tone;
        if (!vn_letter_decompose(cp, &base, &mod, &tone))
            continue;
        count++;
        char nfc[8], spelled[16], a[32], b[32];
        size_t n = vn_utf8_encode(cp, nfc);
        nfc[n] = '\0';
        size_t m = 0;
        spelled[m++] = base;
        if (mod)
            m += vn_utf8_encode(mod, spelled + m);
        if (tone)
            m += vn_utf8_encode(tone, spelled + m);
        spelled[m] = '\0';
        assert_int_equal(vn_text_comparable(nfc, n, a, sizeof a), KS_OK);
        assert_int_equal(vn_text_comparable(spelled, m, b, sizeof b), KS_OK);
        if (mod || tone)
            assert_string_equal(a, b);
        char mrz[4];
        assert_int_equal(vn_transliterate(nfc, mrz, sizeof mrz), KS_OK);
        assert_int_equal(mrz[0], base >= 'a' ? base - 'a' + 'A' : base);
    }
    assert_int_equal(count, 134);
}

static vn_qr reference_qr(void)
{
    vn_qr qr;
    const char *text = "001099012345|123456789|Nguyễn Văn An|15081999|Nam|Hà Nội|20042021";
    assert_int_equal(vn_qr_parse(text, strlen(text), &qr, NULL, 0), KS_OK);
    return qr;
}

static vn_dg13 matching_dg13(void)
{
    vn_dg13 dg;
    memset(&dg, 0, sizeof dg);
    strcpy(dg.id_number, "001099012345");
    strcpy(dg.full_name, "Nguye\xCC\x82\xCC\x83n  Va\xCC\x86n An "); /* NFD, extra spaces */
    strcpy(dg.date_of_birth, "1999-08-15");
    strcpy(dg.sex, "Nam");
    return dg;
}

static void all_sources_agree(void **state)
{
    (void)state;
    vn_qr qr = reference_qr();
    vn_dg13 dg = matching_dg13();
    vn_mismatches m;
    vn_check(&qr, &dg, "001099012345", "NGUYEN<<VAN<AN", "990815", 'M', &m);
    assert_int_equal(m.n, 0);
    vn_check(&qr, &dg, "001099012345<<<", "NGUYEN VAN AN", "990815", 'M', &m);
    assert_int_equal(m.n, 0);
    vn_check(&qr, NULL, NULL, NULL, NULL, 0, &m);
    assert_int_equal(m.n, 0);
    vn_check(NULL, NULL, NULL, NULL, NULL, 0, &m);
    assert_int_equal(m.n, 0);
}

static void names_each_disagreeing_field(void **state)
{
    (void)state;
    vn_qr qr = reference_qr();
    vn_dg13 dg = matching_dg13();
    vn_mismatches m;

    vn_check(&qr, &dg, "001099012346", "NGUYEN<<VAN<AN", "990815", 'M', &m);
    assert_int_equal(m.n, 1);
    assert_string_equal(m.fields[0], "id_number");

    strcpy(dg.full_name, "Nguyễn Văn Ân");
    vn_check(&qr, &dg, NULL, NULL, NULL, 0, &m);
    assert_int_equal(m.n, 1);
    assert_string_equal(m.fields[0], "full_name");
    dg = matching_dg13();

    vn_check(&qr, &dg, NULL, "NGUYEN<<VAN<ANH", NULL, 0, &m);
    assert_int_equal(m.n, 1);
    assert_string_equal(m.fields[0], "full_name");

    strcpy(dg.date_of_birth, "1999-08-16");
    vn_check(&qr, &dg, NULL, NULL, NULL, 0, &m);
    assert_int_equal(m.n, 1);
    assert_string_equal(m.fields[0], "date_of_birth");
    dg = matching_dg13();
    vn_check(&qr, &dg, NULL, NULL, "990816", 0, &m);
    assert_int_equal(m.n, 1);
    assert_string_equal(m.fields[0], "date_of_birth");

    vn_check(&qr, &dg, NULL, NULL, NULL, 'F', &m);
    assert_int_equal(m.n, 1);
    assert_string_equal(m.fields[0], "sex");
    strcpy(dg.sex, "Nữ");
    vn_check(&qr, &dg, NULL, NULL, NULL, 0, &m);
    assert_int_equal(m.n, 1);
    assert_string_equal(m.fields[0], "sex");

    /* Everything wrong at once: each field named once, in a fixed order. */
    vn_check(&qr, &dg, "079303000123", "TRAN<<THI<BINH", "030101", 'F', &m);
    assert_int_equal(m.n, 4);
    assert_string_equal(m.fields[0], "id_number");
    assert_string_equal(m.fields[1], "full_name");
    assert_string_equal(m.fields[2], "date_of_birth");
    assert_string_equal(m.fields[3], "sex");
}

static void female_sex_and_mrz_only_comparisons(void **state)
{
    (void)state;
    vn_qr qr;
    const char *text = "079303000123||Trần Thị Bình|01012003|Nữ|Q1|10072024";
    assert_int_equal(vn_qr_parse(text, strlen(text), &qr, NULL, 0), KS_OK);
    vn_mismatches m;
    vn_check(&qr, NULL, "079303000123", "TRAN THI BINH", "030101", 'F', &m);
    assert_int_equal(m.n, 0);
    vn_check(&qr, NULL, NULL, NULL, NULL, 'X', &m);
    assert_int_equal(m.n, 1);
    assert_string_equal(m.fields[0], "sex");
}

static void accepts_a_long_name_cut_by_the_td1_field(void **state)
{
    (void)state;
    vn_dg13 dg;
    memset(&dg, 0, sizeof dg);
    strcpy(dg.full_name, "Tôn Nữ Thị Phương Thảo Nguyên Hạnh");
    vn_mismatches m;
    /* TD1: "TON<<NU<THI<PHUONG<THAO<NGUYEN" is exactly 30 characters. */
    vn_check(NULL, &dg, NULL, "TON<<NU<THI<PHUONG<THAO<NGUYEN", NULL, 0, &m);
    assert_int_equal(m.n, 0);
    /* A short MRZ name is not a cut: it must match in full. */
    vn_check(NULL, &dg, NULL, "TON<<NU<THI", NULL, 0, &m);
    assert_int_equal(m.n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(transliterates_the_reference_names),
        cmocka_unit_test(transliterates_every_vowel_with_every_tone),
        cmocka_unit_test(transliterates_decomposed_input_and_separators),
        cmocka_unit_test(transliteration_reports_what_it_cannot_do),
        cmocka_unit_test(letter_table_matches_its_decompositions),
        cmocka_unit_test(all_sources_agree),
        cmocka_unit_test(names_each_disagreeing_field),
        cmocka_unit_test(female_sex_and_mrz_only_comparisons),
        cmocka_unit_test(accepts_a_long_name_cut_by_the_td1_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
