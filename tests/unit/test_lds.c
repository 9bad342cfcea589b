/*
 * test_lds.c — EF.COM, DG1, DG11, DG12, DG14/DG15 extraction and the DG
 * number / tag / FID / SFI tables, on fixtures built here with the TLV writer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lds.h"
#include "tlv.h"

#define PUT_STR(w, tag, s) tlv_put((w), (tag), (const uint8_t *)(s), strlen(s))

static bool text_is(lds_text t, const char *s)
{
    return t.p != NULL && t.len == strlen(s) && memcmp(t.p, s, t.len) == 0;
}

/* Every strict prefix of a valid encoding must be refused without a crash. */
typedef ks_status (*parse_fn)(const uint8_t *, size_t, void *);

static void assert_all_prefixes_fail(const uint8_t *buf, size_t len, parse_fn parse, void *out)
{
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size so ASan sees overreads */
        assert_non_null(copy);
        memcpy(copy, buf, n);
        assert_int_not_equal(parse(copy, n, out), KS_OK);
        free(copy);
    }
}

static ks_status parse_com_v(const uint8_t *b, size_t n, void *o) { return lds_parse_com(b, n, o); }
static ks_status parse_dg1_v(const uint8_t *b, size_t n, void *o) { return lds_parse_dg1(b, n, o); }
static ks_status parse_dg11_v(const uint8_t *b, size_t n, void *o) { return lds_parse_dg11(b, n, o); }
static ks_status parse_dg12_v(const uint8_t *b, size_t n, void *o) { return lds_parse_dg12(b, n, o); }

/* ---- tables ---- */

static void test_dg_tags_follow_doc9303_including_dg2_and_dg4(void **state)
{
    (void)state;
    assert_int_equal(lds_tag_from_dg(1), 0x61);
    assert_int_equal(lds_tag_from_dg(2), 0x75);
    assert_int_equal(lds_tag_from_dg(3), 0x63);
    assert_int_equal(lds_tag_from_dg(4), 0x76);
    assert_int_equal(lds_tag_from_dg(13), 0x6D);
    assert_int_equal(lds_tag_from_dg(16), 0x70);
    assert_int_equal(lds_tag_from_dg(0), 0);
    assert_int_equal(lds_tag_from_dg(17), 0);
    for (int dg = 1; dg <= 16; dg++)
        assert_int_equal(lds_dg_from_tag(lds_tag_from_dg(dg)), dg);
    assert_int_equal(lds_dg_from_tag(0x60), LDS_DG_COM);
    assert_int_equal(lds_dg_from_tag(0x77), LDS_DG_SOD);
    assert_int_equal(lds_dg_from_tag(0x62), -1); /* DG2 is not 0x62 */
    assert_int_equal(lds_dg_from_tag(0x64), -1);
    assert_int_equal(lds_dg_from_tag(0x00), -1);
}

static void test_fid_and_sfi_of_data_groups(void **state)
{
    (void)state;
    assert_int_equal(lds_fid_from_dg(1), 0x0101);
    assert_int_equal(lds_fid_from_dg(16), 0x0110);
    assert_int_equal(lds_fid_from_dg(0), 0);
    assert_int_equal(lds_sfi_from_dg(2), 0x02);
    assert_int_equal(lds_sfi_from_dg(16), 0x10);
    assert_int_equal(lds_sfi_from_dg(17), 0);
    assert_int_equal(LDS_FID_COM & 0xFF, LDS_SFI_COM);
    assert_int_equal(LDS_FID_SOD & 0xFF, LDS_SFI_SOD);
    assert_int_equal(LDS_FID_CARD_ACCESS & 0xFF, LDS_SFI_CARD_ACCESS);
}

static void test_unwrap_requires_one_element_with_the_tag(void **state)
{
    (void)state;
    const uint8_t ok[] = {0x6E, 0x02, 0xAA, 0xBB};
    const uint8_t trailing[] = {0x6E, 0x02, 0xAA, 0xBB, 0x00};
    const uint8_t *in;
    size_t n;
    assert_int_equal(lds_unwrap(ok, sizeof ok, 0x6E, &in, &n), KS_OK);
    assert_ptr_equal(in, ok + 2);
    assert_int_equal(n, 2);
    assert_int_equal(lds_unwrap(ok, sizeof ok, 0x6F, &in, &n), KS_ERR_MALFORMED);
    assert_int_equal(lds_unwrap(trailing, sizeof trailing, 0x6E, &in, &n), KS_ERR_MALFORMED);
    assert_int_equal(lds_unwrap(ok, 3, 0x6E, &in, &n), KS_ERR_TRUNCATED);
    assert_int_equal(lds_unwrap(NULL, 4, 0x6E, &in, &n), KS_ERR_ARG);
}

/* ---- EF.COM ---- */

static size_t build_com(uint8_t *buf, size_t cap, const uint8_t *tags, size_t n_tags)
{
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_open(&w, 0x60);
    PUT_STR(&w, 0x5F01, "0107");
    PUT_STR(&w, 0x5F36, "040000");
    tlv_put(&w, 0x5C, tags, n_tags);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    return w.len;
}

static void test_com_lists_the_card_data_groups(void **state)
{
    (void)state;
    const uint8_t tags[] = {0x61, 0x75, 0x63, 0x6D, 0x6E, 0x6F};
    uint8_t buf[64];
    size_t len = build_com(buf, sizeof buf, tags, sizeof tags);
    lds_com com;
    assert_int_equal(lds_parse_com(buf, len, &com), KS_OK);
    assert_string_equal(com.lds_version, "0107");
    assert_string_equal(com.unicode_version, "040000");
    assert_int_equal(com.n_dgs, 6);
    const int want[] = {1, 2, 3, 13, 14, 15};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(com.dgs[i], want[i]);
}

static void test_com_skips_unknown_and_repeated_tags(void **state)
{
    (void)state;
    const uint8_t tags[] = {0x61, 0x99, 0x61, 0x77, 0x75};
    uint8_t buf[64];
    size_t len = build_com(buf, sizeof buf, tags, sizeof tags);
    lds_com com;
    assert_int_equal(lds_parse_com(buf, len, &com), KS_OK);
    assert_int_equal(com.n_dgs, 2);
    assert_int_equal(com.dgs[0], 1);
    assert_int_equal(com.dgs[1], 2);
}

static void test_com_without_tag_list_is_not_found(void **state)
{
    (void)state;
    uint8_t buf[32];
    tlv_writer w;
    tlv_writer_init(&w, buf, sizeof buf);
    tlv_open(&w, 0x60);
    PUT_STR(&w, 0x5F01, "0107");
    tlv_close(&w);
    lds_com com;
    assert_int_equal(lds_parse_com(buf, w.len, &com), KS_ERR_NOT_FOUND);
}

static void test_com_with_non_digit_version_is_malformed(void **state)
{
    (void)state;
    uint8_t buf[32];
    tlv_writer w;
    tlv_writer_init(&w, buf, sizeof buf);
    tlv_open(&w, 0x60);
    PUT_STR(&w, 0x5F01, "01x7");
    tlv_put(&w, 0x5C, (const uint8_t *)"\x61", 1);
    tlv_close(&w);
    lds_com com;
    assert_int_equal(lds_parse_com(buf, w.len, &com), KS_ERR_MALFORMED);
}

static void test_com_every_truncation_is_refused(void **state)
{
    (void)state;
    const uint8_t tags[] = {0x61, 0x75, 0x6F};
    uint8_t buf[64];
    size_t len = build_com(buf, sizeof buf, tags, sizeof tags);
    lds_com com;
    assert_all_prefixes_fail(buf, len, parse_com_v, &com);
}

/* ---- DG1 ---- */

static const char td1_mrz[] = "IDVNM0990123451001099012345<<<"
                              "9908152M3908155VNM<<<<<<<<<<<6"
                              "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<";

static size_t build_dg1(uint8_t *buf, size_t cap, const char *mrz, size_t mrz_len)
{
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_open(&w, 0x61);
    tlv_put(&w, 0x5F1F, (const uint8_t *)mrz, mrz_len);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    return w.len;
}

static void test_dg1_returns_a_td1_mrz(void **state)
{
    (void)state;
    assert_int_equal(strlen(td1_mrz), 90);
    uint8_t buf[128];
    size_t len = build_dg1(buf, sizeof buf, td1_mrz, 90);
    lds_dg1 dg1;
    assert_int_equal(lds_parse_dg1(buf, len, &dg1), KS_OK);
    assert_int_equal(dg1.mrz_len, 90);
    assert_string_equal(dg1.mrz, td1_mrz);
}

static void test_dg1_accepts_td3_and_td2_lengths(void **state)
{
    (void)state;
    char mrz[90];
    memset(mrz, '<', sizeof mrz);
    memcpy(mrz, "P<VNM", 5);
    uint8_t buf[128];
    lds_dg1 dg1;
    size_t len = build_dg1(buf, sizeof buf, mrz, 88);
    assert_int_equal(lds_parse_dg1(buf, len, &dg1), KS_OK);
    assert_int_equal(dg1.mrz_len, 88);
    len = build_dg1(buf, sizeof buf, mrz, 72);
    assert_int_equal(lds_parse_dg1(buf, len, &dg1), KS_OK);
    assert_int_equal(dg1.mrz_len, 72);
}

static void test_dg1_rejects_odd_lengths_and_foreign_characters(void **state)
{
    (void)state;
    uint8_t buf[128];
    lds_dg1 dg1;
    size_t len = build_dg1(buf, sizeof buf, td1_mrz, 89);
    assert_int_equal(lds_parse_dg1(buf, len, &dg1), KS_ERR_MALFORMED);
    char bad[91];
    memcpy(bad, td1_mrz, sizeof bad);
    bad[40] = 'a';
    len = build_dg1(buf, sizeof buf, bad, 90);
    assert_int_equal(lds_parse_dg1(buf, len, &dg1), KS_ERR_MALFORMED);
    assert_int_equal(dg1.mrz_len, 0);
}

static void test_dg1_with_wrong_outer_tag_is_malformed(void **state)
{
    (void)state;
    uint8_t buf[128];
    size_t len = build_dg1(buf, sizeof buf, td1_mrz, 90);
    buf[0] = 0x62;
    lds_dg1 dg1;
    assert_int_equal(lds_parse_dg1(buf, len, &dg1), KS_ERR_MALFORMED);
}

static void test_dg1_every_truncation_is_refused(void **state)
{
    (void)state;
    uint8_t buf[128];
    size_t len = build_dg1(buf, sizeof buf, td1_mrz, 90);
    lds_dg1 dg1;
    assert_all_prefixes_fail(buf, len, parse_dg1_v, &dg1);
}

/* ---- DG11 ---- */

static size_t build_dg11(uint8_t *buf, size_t cap, int declared_names, bool duplicate_name)
{
    const uint8_t tag_list[] = {0x5F, 0x0E, 0x5F, 0x0F, 0x5F, 0x10, 0x5F, 0x2B, 0x5F, 0x11,
                                0x5F, 0x42, 0x5F, 0x12, 0x5F, 0x13, 0x5F, 0x14, 0x5F, 0x15,
                                0x5F, 0x16, 0x5F, 0x17, 0x5F, 0x18};
    const uint8_t count = (uint8_t)declared_names;
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_open(&w, 0x6B);
    tlv_put(&w, 0x5C, tag_list, sizeof tag_list);
    PUT_STR(&w, 0x5F0E, "TESTER<<ALPHA<BETA");
    if (duplicate_name)
        PUT_STR(&w, 0x5F0E, "SECOND<<NAME");
    tlv_open(&w, 0xA0);
    tlv_put(&w, 0x02, &count, 1);
    PUT_STR(&w, 0x5F0F, "OTHER<<ONE");
    PUT_STR(&w, 0x5F0F, "OTHER<<TWO");
    tlv_close(&w);
    PUT_STR(&w, 0x5F10, "001099012345");
    PUT_STR(&w, 0x5F2B, "19990815");
    PUT_STR(&w, 0x5F11, "HA<NOI");
    PUT_STR(&w, 0x5F42, "1<PHO<X<HA<NOI");
    PUT_STR(&w, 0x5F12, "+84000000000");
    PUT_STR(&w, 0x5F13, "ENGINEER");
    PUT_STR(&w, 0x5F14, "DR");
    PUT_STR(&w, 0x5F15, "SUMMARY");
    tlv_put(&w, 0x5F16, (const uint8_t *)"\xFF\xD8\xFF\xD9", 4);
    PUT_STR(&w, 0x5F17, "C01X00T47<C01X00T48");
    PUT_STR(&w, 0x5F18, "CUSTODY");
    tlv_put(&w, 0x5F77, (const uint8_t *)"?", 1); /* unknown: skipped */
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    return w.len;
}

static void test_dg11_fields_point_into_the_buffer(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t len = build_dg11(buf, sizeof buf, 2, false);
    lds_dg11 d;
    assert_int_equal(lds_parse_dg11(buf, len, &d), KS_OK);
    assert_true(text_is(d.full_name, "TESTER<<ALPHA<BETA"));
    assert_true(text_is(d.personal_number, "001099012345"));
    assert_true(text_is(d.full_date_of_birth, "19990815"));
    assert_true(text_is(d.place_of_birth, "HA<NOI"));
    assert_true(text_is(d.address, "1<PHO<X<HA<NOI"));
    assert_true(text_is(d.telephone, "+84000000000"));
    assert_true(text_is(d.profession, "ENGINEER"));
    assert_true(text_is(d.title, "DR"));
    assert_true(text_is(d.personal_summary, "SUMMARY"));
    assert_int_equal(d.proof_of_citizenship.len, 4);
    assert_true(text_is(d.other_td_numbers, "C01X00T47<C01X00T48"));
    assert_true(text_is(d.custody_info, "CUSTODY"));
    assert_int_equal(d.n_other_names, 2);
    assert_true(text_is(d.other_names[0], "OTHER<<ONE"));
    assert_true(text_is(d.other_names[1], "OTHER<<TWO"));
    assert_true(d.full_name.p > buf && d.full_name.p < buf + len);
}

static void test_dg11_absent_fields_are_null(void **state)
{
    (void)state;
    uint8_t buf[64];
    tlv_writer w;
    tlv_writer_init(&w, buf, sizeof buf);
    tlv_open(&w, 0x6B);
    tlv_put(&w, 0x5C, (const uint8_t *)"\x5F\x0E", 2);
    PUT_STR(&w, 0x5F0E, "A<<B");
    tlv_close(&w);
    lds_dg11 d;
    assert_int_equal(lds_parse_dg11(buf, w.len, &d), KS_OK);
    assert_true(text_is(d.full_name, "A<<B"));
    assert_null(d.personal_number.p);
    assert_int_equal(d.personal_number.len, 0);
    assert_int_equal(d.n_other_names, 0);
}

static void test_dg11_name_count_must_match_the_names(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t len = build_dg11(buf, sizeof buf, 3, false);
    lds_dg11 d;
    assert_int_equal(lds_parse_dg11(buf, len, &d), KS_ERR_MALFORMED);
    assert_null(d.full_name.p);
}

static void test_dg11_repeated_field_is_malformed(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t len = build_dg11(buf, sizeof buf, 2, true);
    lds_dg11 d;
    assert_int_equal(lds_parse_dg11(buf, len, &d), KS_ERR_MALFORMED);
}

static void test_dg11_without_tag_list_is_not_found(void **state)
{
    (void)state;
    uint8_t buf[64];
    tlv_writer w;
    tlv_writer_init(&w, buf, sizeof buf);
    tlv_open(&w, 0x6B);
    PUT_STR(&w, 0x5F0E, "A<<B");
    tlv_close(&w);
    lds_dg11 d;
    assert_int_equal(lds_parse_dg11(buf, w.len, &d), KS_ERR_NOT_FOUND);
}

static void test_dg11_every_truncation_is_refused(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t len = build_dg11(buf, sizeof buf, 2, false);
    lds_dg11 d;
    assert_all_prefixes_fail(buf, len, parse_dg11_v, &d);
}

/* ---- DG12 ---- */

static size_t build_dg12(uint8_t *buf, size_t cap)
{
    const uint8_t tag_list[] = {0x5F, 0x19, 0x5F, 0x26, 0x5F, 0x1A, 0x5F, 0x1B, 0x5F,
                                0x1C, 0x5F, 0x1D, 0x5F, 0x1E, 0x5F, 0x55, 0x5F, 0x56};
    const uint8_t count = 2;
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_open(&w, 0x6C);
    tlv_put(&w, 0x5C, tag_list, sizeof tag_list);
    PUT_STR(&w, 0x5F19, "BO CONG AN");
    PUT_STR(&w, 0x5F26, "20210420");
    tlv_open(&w, 0xA0);
    tlv_put(&w, 0x02, &count, 1);
    PUT_STR(&w, 0x5F1A, "CHILD<<ONE");
    PUT_STR(&w, 0x5F1A, "CHILD<<TWO");
    tlv_close(&w);
    PUT_STR(&w, 0x5F1B, "NONE");
    PUT_STR(&w, 0x5F1C, "EXIT");
    tlv_put(&w, 0x5F1D, (const uint8_t *)"\xFF\xD8\xFF", 3);
    tlv_put(&w, 0x5F1E, (const uint8_t *)"\xFF\xD8", 2);
    PUT_STR(&w, 0x5F55, "20210420093000");
    PUT_STR(&w, 0x5F56, "DEV-0001");
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    return w.len;
}

static void test_dg12_fields_and_other_persons(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t len = build_dg12(buf, sizeof buf);
    lds_dg12 d;
    assert_int_equal(lds_parse_dg12(buf, len, &d), KS_OK);
    assert_true(text_is(d.issuing_authority, "BO CONG AN"));
    assert_true(text_is(d.date_of_issue, "20210420"));
    assert_true(text_is(d.other_persons, "CHILD<<ONE"));
    assert_int_equal(d.n_other_persons, 2);
    assert_true(text_is(d.other_persons_list[1], "CHILD<<TWO"));
    assert_true(text_is(d.endorsements, "NONE"));
    assert_true(text_is(d.tax_exit, "EXIT"));
    assert_int_equal(d.image_front.len, 3);
    assert_int_equal(d.image_rear.len, 2);
    assert_true(text_is(d.personalization_time, "20210420093000"));
    assert_true(text_is(d.personalization_device, "DEV-0001"));
}

static void test_dg12_is_not_dg11(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t len = build_dg12(buf, sizeof buf);
    lds_dg11 d;
    assert_int_equal(lds_parse_dg11(buf, len, &d), KS_ERR_MALFORMED);
}

static void test_dg12_every_truncation_is_refused(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t len = build_dg12(buf, sizeof buf);
    lds_dg12 d;
    assert_all_prefixes_fail(buf, len, parse_dg12_v, &d);
}

/* ---- DG14 / DG15 ---- */

static void test_dg14_and_dg15_give_their_der_payload(void **state)
{
    (void)state;
    const uint8_t dg14[] = {0x6E, 0x06, 0x31, 0x04, 0x30, 0x02, 0x05, 0x00};
    const uint8_t dg15[] = {0x6F, 0x04, 0x30, 0x02, 0x05, 0x00};
    const uint8_t *p;
    size_t n;
    assert_int_equal(lds_dg14_security_infos(dg14, sizeof dg14, &p, &n), KS_OK);
    assert_ptr_equal(p, dg14 + 2);
    assert_int_equal(n, 6);
    assert_int_equal(lds_dg15_public_key(dg15, sizeof dg15, &p, &n), KS_OK);
    assert_ptr_equal(p, dg15 + 2);
    assert_int_equal(n, 4);
    assert_int_not_equal(lds_dg15_public_key(dg14, sizeof dg14, &p, &n), KS_OK);
    assert_int_not_equal(lds_dg14_security_infos(dg15, sizeof dg15, &p, &n), KS_OK);
    for (size_t i = 0; i < sizeof dg14; i++)
        assert_int_not_equal(lds_dg14_security_infos(dg14, i, &p, &n), KS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dg_tags_follow_doc9303_including_dg2_and_dg4),
        cmocka_unit_test(test_fid_and_sfi_of_data_groups),
        cmocka_unit_test(test_unwrap_requires_one_element_with_the_tag),
        cmocka_unit_test(test_com_lists_the_card_data_groups),
        cmocka_unit_test(test_com_skips_unknown_and_repeated_tags),
        cmocka_unit_test(test_com_without_tag_list_is_not_found),
        cmocka_unit_test(test_com_with_non_digit_version_is_malformed),
        cmocka_unit_test(test_com_every_truncation_is_refused),
        cmocka_unit_test(test_dg1_returns_a_td1_mrz),
        cmocka_unit_test(test_dg1_accepts_td3_and_td2_lengths),
        cmocka_unit_test(test_dg1_rejects_odd_lengths_and_foreign_characters),
        cmocka_unit_test(test_dg1_with_wrong_outer_tag_is_malformed),
        cmocka_unit_test(test_dg1_every_truncation_is_refused),
        cmocka_unit_test(test_dg11_fields_point_into_the_buffer),
        cmocka_unit_test(test_dg11_absent_fields_are_null),
        cmocka_unit_test(test_dg11_name_count_must_match_the_names),
        cmocka_unit_test(test_dg11_repeated_field_is_malformed),
        cmocka_unit_test(test_dg11_without_tag_list_is_not_found),
        cmocka_unit_test(test_dg11_every_truncation_is_refused),
        cmocka_unit_test(test_dg12_fields_and_other_persons),
        cmocka_unit_test(test_dg12_is_not_dg11),
        cmocka_unit_test(test_dg12_every_truncation_is_refused),
        cmocka_unit_test(test_dg14_and_dg15_give_their_der_payload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
