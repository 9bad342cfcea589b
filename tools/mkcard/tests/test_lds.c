/* EF.COM tag lists, DG1 and DG2 layout, and the JPEG frame-header reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mkc_jpeg.h"
#include "mkc_lds.h"
#include "mkc_test_support.h"
#include "tlv.h"

static void assert_com_lists(const char *profile, const uint8_t *tags, size_t n)
{
    char *dir = mkc_test_build(profile, NULL);
    char card[4096];
    snprintf(card, sizeof card, "%s/card", dir);
    mkc_bytes com = mkc_test_read(card, "011E.bin");
    /* 60 { 5F01 "0107", 5F36 "040000", 5C tags }, written out by hand. */
    uint8_t expected[64] = {0x60, (uint8_t)(18 + n), 0x5F, 0x01, 0x04, '0', '1', '0', '7',
                            0x5F, 0x36, 0x06, '0', '4', '0', '0', '0', '0', 0x5C, (uint8_t)n};
    memcpy(expected + 20, tags, n);
    assert_int_equal(com.len, 20 + n);
    assert_memory_equal(com.data, expected, com.len);
    /* Every listed data group exists as a file, and no other one does. */
    for (unsigned dg = 1; dg <= 16; dg++) {
        char name[16];
        snprintf(name, sizeof name, "%04X.bin", 0x100u + dg);
        int listed = memchr(tags, mkc_lds_dg_tag(dg), n) != NULL;
        assert_int_equal(mkc_test_exists(card, name), listed);
    }
    mkc_bytes_free(&com);
    mkc_test_rmtree(dir);
    free(dir);
}

static void ef_com_lists_cccd_data_groups(void **state)
{
    (void)state;
    static const uint8_t tags[] = {0x61, 0x75, 0x6D, 0x6E, 0x6F};
    assert_com_lists("cccd-sample.json", tags, sizeof tags);
}

static void ef_com_lists_passport_data_groups(void **state)
{
    (void)state;
    static const uint8_t tags[] = {0x61, 0x75, 0x6E, 0x6F};
    assert_com_lists("passport-sample.json", tags, sizeof tags);
}

static void ef_com_drops_dg14_and_dg15_without_aa_and_ca(void **state)
{
    (void)state;
    mkc_options o;
    mkc_options_default(&o);
    o.aa = MKC_AA_NONE;
    o.ca = MKC_CA_NONE;
    mkc_profile p;
    mkc_test_profile("cccd-sample.json", &p);
    char *dir = mkc_test_build("cccd-sample.json", NULL);
    char card[4096], portrait[4096];
    snprintf(card, sizeof card, "%s/card", dir);
    snprintf(portrait, sizeof portrait, "%s/face.jpg", dir);
    o.out_dir = card;
    o.portrait_path = portrait;
    /* Rebuilding into the same directory removes the files that went away. */
    assert_int_equal(mkc_card_build(&o, &p), KS_OK);
    mkc_bytes com = mkc_test_read(card, "011E.bin");
    tlv e;
    assert_int_equal(tlv_find(com.data + 2, com.len - 2, 0x5C, &e), KS_OK);
    assert_int_equal(e.len, 3);
    assert_memory_equal(e.value, "\x61\x75\x6D", 3);
    assert_false(mkc_test_exists(card, "010E.bin"));
    assert_false(mkc_test_exists(card, "010F.bin"));
    assert_false(mkc_test_exists(card, "aa_key.pem"));
    assert_false(mkc_test_exists(card, "ca_key.pem"));
    mkc_bytes_free(&com);
    mkc_test_rmtree(dir);
    free(dir);
}

static void dg1_wraps_the_mrz(void **state)
{
    (void)state;
    mkc_bytes dg1;
    const char mrz[] = "IDVNM0990123453001099012345<<<";
    assert_int_equal(mkc_lds_dg1(mrz, 30, &dg1), KS_OK);
    assert_int_equal(dg1.len, 35);
    assert_memory_equal(dg1.data, "\x61\x21\x5F\x1F\x1E", 5);
    assert_memory_equal(dg1.data + 5, mrz, 30);
    mkc_bytes_free(&dg1);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void dg2_holds_a_19794_5_record_of_the_jpeg(void **state)
{
    (void)state;
    size_t jlen;
    const uint8_t *jpeg = mkc_test_jpeg(&jlen);
    mkc_bytes dg2;
    assert_int_equal(mkc_lds_dg2(jpeg, jlen, 2, &dg2), KS_OK);

    tlv t75, t7f61, count, t7f60, a1, data, e;
    assert_int_equal(tlv_expect(dg2.data, dg2.len, 0x75, &t75), KS_OK);
    assert_int_equal(tlv_expect(t75.value, t75.len, 0x7F61, &t7f61), KS_OK);
    assert_int_equal(tlv_find(t7f61.value, t7f61.len, 0x02, &count), KS_OK);
    assert_int_equal(count.len, 1);
    assert_int_equal(count.value[0], 1);
    assert_int_equal(tlv_find(t7f61.value, t7f61.len, 0x7F60, &t7f60), KS_OK);
    assert_int_equal(tlv_find(t7f60.value, t7f60.len, 0xA1, &a1), KS_OK);
    assert_int_equal(tlv_find(a1.value, a1.len, 0x81, &e), KS_OK);
    assert_memory_equal(e.value, "\x02", 1);
    assert_int_equal(tlv_find(a1.value, a1.len, 0x87, &e), KS_OK);
    assert_memory_equal(e.value, "\x01\x01", 2);
    assert_int_equal(tlv_find(a1.value, a1.len, 0x88, &e), KS_OK);
    assert_memory_equal(e.value, "\x00\x08", 2);
    assert_int_equal(tlv_find(t7f60.value, t7f60.len, 0x5F2E, &data), KS_OK);

    const uint8_t *r = data.value;
    assert_int_equal(data.len, 14 + 20 + 12 + jlen);
    assert_memory_equal(r, "FAC\0" "010\0", 8);
    assert_int_equal(be32(r + 8), data.len);
    assert_memory_equal(r + 12, "\x00\x01", 2);
    assert_int_equal(be32(r + 14), 20 + 12 + jlen);
    assert_memory_equal(r + 18, "\x00\x00", 2); /* no feature points */
    assert_int_equal(r[20], 2);                 /* female */
    const uint8_t *img = r + 34;
    assert_int_equal(img[0], 0x01); /* full frontal */
    assert_int_equal(img[1], 0x00); /* JPEG */
    assert_int_equal((img[2] << 8) | img[3], MKC_TEST_JPEG_WIDTH);
    assert_int_equal((img[4] << 8) | img[5], MKC_TEST_JPEG_HEIGHT);
    assert_int_equal(img[6], 0x01); /* 24-bit RGB */
    assert_memory_equal(img + 12, jpeg, jlen);
    mkc_bytes_free(&dg2);
}

static void jpeg_reader_finds_the_frame_header(void **state)
{
    (void)state;
    size_t jlen;
    const uint8_t *jpeg = mkc_test_jpeg(&jlen);
    mkc_jpeg_info ji;
    assert_int_equal(mkc_jpeg_info_get(jpeg, jlen, &ji), KS_OK);
    assert_int_equal(ji.width, MKC_TEST_JPEG_WIDTH);
    assert_int_equal(ji.height, MKC_TEST_JPEG_HEIGHT);
    assert_int_equal(ji.components, 3);
}

static void jpeg_reader_refuses_every_truncation_and_bad_marker(void **state)
{
    (void)state;
    size_t jlen;
    const uint8_t *jpeg = mkc_test_jpeg(&jlen);
    mkc_jpeg_info ji;
    /* Cut before the end of SOF0 (offset 20 + 19 bytes): never OK, never a crash. */
    for (size_t cut = 0; cut < 20 + 2 + 17; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, jpeg, cut);
        assert_int_not_equal(mkc_jpeg_info_get(copy, cut, &ji), KS_OK);
        free(copy);
    }
    uint8_t bad[64];
    memcpy(bad, jpeg, jlen);
    bad[5] = 0xFF; /* APP0 length 0x00FF: runs past the end */
    assert_int_equal(mkc_jpeg_info_get(bad, jlen, &ji), KS_ERR_MALFORMED);
    memcpy(bad, jpeg, jlen);
    bad[21] = 0xC3; /* lossless */
    assert_int_equal(mkc_jpeg_info_get(bad, jlen, &ji), KS_ERR_UNSUPPORTED);
    memcpy(bad, jpeg, jlen);
    bad[25] = 0;
    bad[26] = 0; /* height 0: only in a DNL */
    assert_int_equal(mkc_jpeg_info_get(bad, jlen, &ji), KS_ERR_UNSUPPORTED);
    assert_int_equal(mkc_jpeg_info_get((const uint8_t *)"GIF89a", 6, &ji), KS_ERR_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ef_com_lists_cccd_data_groups),
        cmocka_unit_test(ef_com_lists_passport_data_groups),
        cmocka_unit_test(ef_com_drops_dg14_and_dg15_without_aa_and_ca),
        cmocka_unit_test(dg1_wraps_the_mrz),
        cmocka_unit_test(dg2_holds_a_19794_5_record_of_the_jpeg),
        cmocka_unit_test(jpeg_reader_finds_the_frame_header),
        cmocka_unit_test(jpeg_reader_refuses_every_truncation_and_bad_marker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
