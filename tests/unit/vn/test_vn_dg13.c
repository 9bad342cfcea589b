/* DG13 of the CCCD chip (hostd/vn/vn_dg13.h), built here with the TLV writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tlv.h"
#include "vn_dg13.h"

#define UTF8 0x0Cu
#define PRINTABLE 0x13u
#define SEQ 0x30u
#define SET 0x31u

static const uint8_t some_oid[] = {0x2A, 0x03, 0x04, 0x05, 0x06};

static void put_int(tlv_writer *w, unsigned v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    if (v < 0x80)
        tlv_put(w, 0x02, b + 1, 1);
    else
        tlv_put(w, 0x02, b, 2);
}

static void put_str(tlv_writer *w, uint32_t tag, const char *s)
{
    tlv_put(w, tag, (const uint8_t *)s, strlen(s));
}

static void item(tlv_writer *w, unsigned index, uint32_t tag, const char *s)
{
    tlv_open(w, SEQ);
    put_int(w, index);
    if (s)
        put_str(w, tag, s);
    tlv_close(w);
}

/* version 1, OID, SET of the items as the REFERENCES describe them. */
static size_t build_reference_dg13(uint8_t *buf, size_t cap)
{
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_open(&w, VN_DG13_TAG);
    tlv_open(&w, SEQ);
    put_int(&w, 1);
    tlv_put(&w, 0x06, some_oid, sizeof some_oid);
    tlv_open(&w, SET);
    item(&w, 1, PRINTABLE, "001099012345");
    item(&w, 2, UTF8, "Nguyễn Văn An");
    item(&w, 3, PRINTABLE, "15/08/1999");
    item(&w, 4, UTF8, "Nam");
    item(&w, 5, UTF8, "Việt Nam");
    item(&w, 6, UTF8, "Kinh");
    item(&w, 7, UTF8, "Không");
    item(&w, 8, UTF8, "Hà Nội");
    item(&w, 9, UTF8, "Số 1 Phố X, Phường Y, Hà Nội");
    item(&w, 10, UTF8, "Nốt ruồi C:2cm trên trước mép trái");
    item(&w, 11, PRINTABLE, "20/04/2021");
    item(&w, 12, UTF8, "15/08/2024");
    tlv_open(&w, SEQ); /* 13: SEQUENCE { father, mother } */
    put_int(&w, 13);
    tlv_open(&w, SEQ);
    put_str(&w, UTF8, "Nguyễn Văn Bố");
    put_str(&w, UTF8, "Lê Thị Mẹ");
    tlv_close(&w);
    tlv_close(&w);
    item(&w, 14, UTF8, NULL); /* no spouse: index alone */
    item(&w, 15, PRINTABLE, "123456789");
    tlv_open(&w, SEQ); /* 20: unknown, nested */
    put_int(&w, 20);
    tlv_open(&w, SEQ);
    put_str(&w, UTF8, "Nhóm máu");
    put_str(&w, PRINTABLE, "O");
    tlv_close(&w);
    tlv_close(&w);
    tlv_close(&w);
    tlv_close(&w);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    return w.len;
}

static void parses_every_field_by_index(void **state)
{
    (void)state;
    uint8_t buf[2048];
    size_t len = build_reference_dg13(buf, sizeof buf);
    vn_dg13 dg;
    assert_int_equal(vn_dg13_parse(buf, len, &dg), KS_OK);
    assert_int_equal(dg.version, 1);
    assert_string_equal(dg.id_number, "001099012345");
    assert_string_equal(dg.full_name, "Nguyễn Văn An");
    assert_string_equal(dg.date_of_birth, "1999-08-15");
    assert_string_equal(dg.sex, "Nam");
    assert_string_equal(dg.nationality, "Việt Nam");
    assert_string_equal(dg.ethnicity, "Kinh");
    assert_string_equal(dg.religion, "Không");
    assert_string_equal(dg.place_of_origin, "Hà Nội");
    assert_string_equal(dg.place_of_residence, "Số 1 Phố X, Phường Y, Hà Nội");
    assert_string_equal(dg.identification_features, "Nốt ruồi C:2cm trên trước mép trái");
    assert_string_equal(dg.date_of_issue, "2021-04-20");
    assert_string_equal(dg.date_of_expiry, "2024-08-15");
    assert_string_equal(dg.father_name, "Nguyễn Văn Bố");
    assert_string_equal(dg.mother_name, "Lê Thị Mẹ");
    assert_string_equal(dg.spouse_name, "");
    assert_string_equal(dg.old_id_number, "123456789");
    assert_int_equal(dg.n_extra, 1);
    assert_int_equal(dg.extra[0].index, 20);
    assert_string_equal(dg.extra[0].value, "Nhóm máu | O");
}

/* The layout public parsers describe from real cards: no wrapping SEQUENCE,
 * parents as two SEQUENCEs after the index, spouse inside a SEQUENCE, items
 * out of order, index 16 an opaque string, and zero padding after 6D. */
static void accepts_the_card_layout_with_zero_padding(void **state)
{
    (void)state;
    uint8_t buf[1024];
    tlv_writer w;
    tlv_writer_init(&w, buf, sizeof buf);
    tlv_open(&w, VN_DG13_TAG);
    put_int(&w, 0);
    tlv_put(&w, 0x06, some_oid, sizeof some_oid);
    tlv_open(&w, SET);
    item(&w, 2, UTF8, "Trần Thị Bình");
    item(&w, 1, PRINTABLE, "079303000123");
    tlv_open(&w, SEQ);
    put_int(&w, 13);
    tlv_open(&w, SEQ);
    put_str(&w, UTF8, "Trần Văn Cha");
    tlv_close(&w);
    tlv_open(&w, SEQ);
    put_str(&w, UTF8, "Phạm Thị Mẹ");
    tlv_close(&w);
    tlv_close(&w);
    tlv_open(&w, SEQ);
    put_int(&w, 14);
    tlv_open(&w, SEQ);
    put_str(&w, UTF8, "Lý Văn Chồng");
    tlv_close(&w);
    tlv_close(&w);
    item(&w, 12, UTF8, "Không thời hạn");
    item(&w, 15, PRINTABLE, "AB12");
    item(&w, 16, PRINTABLE, "0123456789ABCDEF");
    tlv_close(&w);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    size_t len = w.len;
    memset(buf + len, 0, 8);
    len += 8;

    vn_dg13 dg;
    assert_int_equal(vn_dg13_parse(buf, len, &dg), KS_OK);
    assert_int_equal(dg.version, 0);
    assert_string_equal(dg.id_number, "079303000123");
    assert_string_equal(dg.full_name, "Trần Thị Bình");
    assert_string_equal(dg.father_name, "Trần Văn Cha");
    assert_string_equal(dg.mother_name, "Phạm Thị Mẹ");
    assert_string_equal(dg.spouse_name, "Lý Văn Chồng");
    assert_string_equal(dg.date_of_expiry, "");
    assert_string_equal(dg.old_id_number, "");
    assert_int_equal(dg.n_extra, 2);
    assert_int_equal(dg.extra[0].index, 15);
    assert_string_equal(dg.extra[0].value, "AB12");
    assert_int_equal(dg.extra[1].index, 16);
    assert_string_equal(dg.extra[1].value, "0123456789ABCDEF");
    assert_string_equal(dg.date_of_birth, ""); /* absent, not invented */

    buf[len - 1] = 0x01; /* garbage after the padding is not padding */
    assert_int_equal(vn_dg13_parse(buf, len, &dg), KS_ERR_MALFORMED);
}

static void truncation_at_every_length_is_an_error(void **state)
{
    (void)state;
    uint8_t buf[2048];
    size_t len = build_reference_dg13(buf, sizeof buf);
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = test_malloc(n ? n : 1);
        memcpy(copy, buf, n);
        vn_dg13 dg;
        assert_int_not_equal(vn_dg13_parse(copy, n, &dg), KS_OK);
        assert_string_equal(dg.full_name, "");
        test_free(copy);
    }
}

/* Builds 6D { SET { the given item bytes } }. */
static size_t wrap_items(uint8_t *buf, size_t cap, const uint8_t *items, size_t items_len)
{
    tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_open(&w, VN_DG13_TAG);
    tlv_open(&w, SET);
    tlv_put_raw(&w, items, items_len);
    tlv_close(&w);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    return w.len;
}

static ks_status parse_single_item(unsigned index, uint32_t tag, const char *value, vn_dg13 *dg)
{
    uint8_t items[600], buf[700];
    tlv_writer w;
    tlv_writer_init(&w, items, sizeof items);
    item(&w, index, tag, value);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    size_t len = wrap_items(buf, sizeof buf, items, w.len);
    return vn_dg13_parse(buf, len, dg);
}

static void rejects_bad_dates_and_bad_text(void **state)
{
    (void)state;
    vn_dg13 dg;
    assert_int_equal(parse_single_item(3, PRINTABLE, "31/02/2000", &dg), KS_ERR_MALFORMED);
    assert_int_equal(parse_single_item(11, PRINTABLE, "2021-04-20", &dg), KS_ERR_MALFORMED);
    assert_int_equal(parse_single_item(12, UTF8, "sometime", &dg), KS_ERR_MALFORMED);
    assert_int_equal(parse_single_item(2, UTF8, "Nguy\xC3\x28n", &dg), KS_ERR_MALFORMED);
    assert_int_equal(parse_single_item(2, UTF8, "An\nB", &dg), KS_ERR_MALFORMED);
    assert_int_equal(parse_single_item(1, PRINTABLE, "0010\x01", &dg), KS_ERR_MALFORMED);
    assert_int_equal(parse_single_item(11, UTF8, "20.04.2021", &dg), KS_OK);
    assert_string_equal(dg.date_of_issue, "2021-04-20");
}

static void refuses_to_truncate_a_long_value(void **state)
{
    (void)state;
    vn_dg13 dg;
    char name[129];
    memset(name, 'A', 128);
    name[128] = '\0';
    assert_int_equal(parse_single_item(2, UTF8, name, &dg), KS_ERR_TOO_LARGE);
    name[127] = '\0';
    assert_int_equal(parse_single_item(2, UTF8, name, &dg), KS_OK);
    assert_int_equal(strlen(dg.full_name), 127);
    assert_int_equal(parse_single_item(1, PRINTABLE, "0010990123456789", &dg), KS_ERR_TOO_LARGE);
}

static void rejects_duplicates_bad_indices_and_wrong_tags(void **state)
{
    (void)state;
    uint8_t items[256], buf[300];
    tlv_writer w;
    vn_dg13 dg;

    tlv_writer_init(&w, items, sizeof items);
    item(&w, 2, UTF8, "A");
    item(&w, 2, UTF8, "B");
    size_t len = wrap_items(buf, sizeof buf, items, w.len);
    assert_int_equal(vn_dg13_parse(buf, len, &dg), KS_ERR_MALFORMED);

    tlv_writer_init(&w, items, sizeof items);
    item(&w, 30, UTF8, "A");
    item(&w, 30, UTF8, "B");
    len = wrap_items(buf, sizeof buf, items, w.len);
    assert_int_equal(vn_dg13_parse(buf, len, &dg), KS_ERR_MALFORMED);

    assert_int_equal(parse_single_item(0, UTF8, "A", &dg), KS_ERR_MALFORMED);

    const uint8_t negative[] = {0x6D, 0x07, 0x31, 0x05, 0x30, 0x03, 0x02, 0x01, 0xFF};
    assert_int_equal(vn_dg13_parse(negative, sizeof negative, &dg), KS_ERR_MALFORMED);
    const uint8_t wrong_tag[] = {0x6C, 0x07, 0x31, 0x05, 0x30, 0x03, 0x02, 0x01, 0x01};
    assert_int_equal(vn_dg13_parse(wrong_tag, sizeof wrong_tag, &dg), KS_ERR_MALFORMED);
    const uint8_t no_items[] = {0x6D, 0x05, 0x02, 0x01, 0x01, 0x31, 0x00};
    assert_int_equal(vn_dg13_parse(no_items, sizeof no_items, &dg), KS_ERR_MALFORMED);
    const uint8_t stray[] = {0x6D, 0x07, 0x04, 0x01, 0x00, 0x30, 0x02, 0x02, 0x00};
    assert_int_equal(vn_dg13_parse(stray, sizeof stray, &dg), KS_ERR_MALFORMED);
    assert_int_equal(vn_dg13_parse(NULL, 3, &dg), KS_ERR_ARG);
    assert_int_equal(vn_dg13_parse(stray, sizeof stray, NULL), KS_ERR_ARG);
}

static void refuses_more_unknown_items_than_it_can_keep(void **state)
{
    (void)state;
    uint8_t items[512], buf[600];
    tlv_writer w;
    vn_dg13 dg;
    tlv_writer_init(&w, items, sizeof items);
    for (unsigned i = 0; i < VN_DG13_MAX_EXTRA; i++)
        item(&w, 100 + i, UTF8, "x");
    size_t len = wrap_items(buf, sizeof buf, items, w.len);
    assert_int_equal(vn_dg13_parse(buf, len, &dg), KS_OK);
    assert_int_equal(dg.n_extra, VN_DG13_MAX_EXTRA);
    assert_int_equal(dg.extra[VN_DG13_MAX_EXTRA - 1].index, 100 + VN_DG13_MAX_EXTRA - 1);
    item(&w, 200, UTF8, "y");
    len = wrap_items(buf, sizeof buf, items, w.len);
    assert_int_equal(vn_dg13_parse(buf, len, &dg), KS_ERR_TOO_LARGE);
}

static void renders_other_string_types_and_opaque_values(void **state)
{
    (void)state;
    /* 17: BMPString "Đ" (U+0110) + "a"; 18: OCTET STRING 01 AB. */
    const uint8_t items[] = {0x30, 0x09, 0x02, 0x01, 0x11, 0x1E, 0x04, 0x01, 0x10, 0x00, 0x61,
                             0x30, 0x07, 0x02, 0x01, 0x12, 0x04, 0x02, 0x01, 0xAB};
    uint8_t buf[64];
    size_t len = wrap_items(buf, sizeof buf, items, sizeof items);
    vn_dg13 dg;
    assert_int_equal(vn_dg13_parse(buf, len, &dg), KS_OK);
    assert_int_equal(dg.n_extra, 2);
    assert_string_equal(dg.extra[0].value, "Đa");
    assert_string_equal(dg.extra[1].value, "0x01ab");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_every_field_by_index),
        cmocka_unit_test(accepts_the_card_layout_with_zero_padding),
        cmocka_unit_test(truncation_at_every_length_is_an_error),
        cmocka_unit_test(rejects_bad_dates_and_bad_text),
        cmocka_unit_test(refuses_to_truncate_a_long_value),
        cmocka_unit_test(rejects_duplicates_bad_indices_and_wrong_tags),
        cmocka_unit_test(refuses_more_unknown_items_than_it_can_keep),
        cmocka_unit_test(renders_other_string_types_and_opaque_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
