/* BER-TLV decoding and encoding (common/tlv.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tlv.h"

static void decodes_short_form_primitive(void **state)
{
    (void)state;
    const uint8_t buf[] = {0x5C, 0x02, 0x61, 0x75, 0xFF};
    tlv e;
    assert_int_equal(tlv_decode(buf, sizeof buf, &e), KS_OK);
    assert_int_equal(e.tag, 0x5C);
    assert_int_equal(e.len, 2);
    assert_ptr_equal(e.value, buf + 2);
    assert_int_equal(e.total_len, 4);
}

static void decodes_multibyte_tags_and_long_lengths(void **state)
{
    (void)state;
    uint8_t hdr[] = {0x5F, 0x2E, 0x82, 0x01, 0x2C};
    uint8_t full[5 + 300];
    memcpy(full, hdr, 5);
    memset(full + 5, 0x11, 300);
    tlv e;
    assert_int_equal(tlv_decode(full, sizeof full, &e), KS_OK);
    assert_int_equal(e.tag, 0x5F2E);
    assert_int_equal(e.len, 300);
    assert_int_equal(e.total_len, sizeof full);

    const uint8_t three[] = {0x7F, 0x81, 0x01, 0x00};
    assert_int_equal(tlv_decode(three, sizeof three, &e), KS_OK);
    assert_int_equal(e.tag, 0x7F8101);
    assert_true(tlv_is_constructed(e.tag));
    assert_false(tlv_is_constructed(0x5F2E));
}

static void rejects_every_truncation(void **state)
{
    (void)state;
    const uint8_t buf[] = {0x7F, 0x61, 0x81, 0x03, 0x02, 0x01, 0x01};
    tlv e;
    assert_int_equal(tlv_decode(buf, sizeof buf, &e), KS_OK);
    for (size_t n = 0; n < sizeof buf; n++)
        assert_int_equal(tlv_decode(buf, n, &e), KS_ERR_TRUNCATED);
}

static void rejects_indefinite_and_oversized_lengths(void **state)
{
    (void)state;
    const uint8_t indefinite[] = {0x30, 0x80, 0x00, 0x00};
    const uint8_t five_byte_len[] = {0x04, 0x85, 0, 0, 0, 0, 1, 0};
    const uint8_t long_tag[] = {0x5F, 0x81, 0x82, 0x83, 0x04, 0x00};
    tlv e;
    assert_int_equal(tlv_decode(indefinite, sizeof indefinite, &e), KS_ERR_UNSUPPORTED);
    assert_int_equal(tlv_decode(five_byte_len, sizeof five_byte_len, &e), KS_ERR_UNSUPPORTED);
    assert_int_equal(tlv_decode(long_tag, sizeof long_tag, &e), KS_ERR_UNSUPPORTED);
}

static void length_claiming_more_than_buffer_is_truncated(void **state)
{
    (void)state;
    const uint8_t buf[] = {0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
    tlv e;
    assert_int_equal(tlv_decode(buf, sizeof buf, &e), KS_ERR_TRUNCATED);
}

static void iterates_and_finds_siblings(void **state)
{
    (void)state;
    const uint8_t buf[] = {0x80, 0x01, 0xAA, 0x81, 0x00, 0x5F, 0x1F, 0x02, 0x41, 0x42};
    tlv_iter it;
    tlv e;
    tlv_iter_init(&it, buf, sizeof buf);
    uint32_t seen[3];
    int n = 0;
    while (tlv_iter_next(&it, &e) == KS_OK)
        seen[n++] = e.tag;
    assert_int_equal(n, 3);
    assert_int_equal(seen[0], 0x80);
    assert_int_equal(seen[1], 0x81);
    assert_int_equal(seen[2], 0x5F1F);
    assert_int_equal(tlv_find(buf, sizeof buf, 0x5F1F, &e), KS_OK);
    assert_memory_equal(e.value, "AB", 2);
    assert_int_equal(tlv_find(buf, sizeof buf, 0x99, &e), KS_ERR_NOT_FOUND);
}

static void iteration_reports_garbage_after_valid_elements(void **state)
{
    (void)state;
    const uint8_t buf[] = {0x80, 0x01, 0xAA, 0x81, 0x05, 0x00};
    tlv_iter it;
    tlv e;
    tlv_iter_init(&it, buf, sizeof buf);
    assert_int_equal(tlv_iter_next(&it, &e), KS_OK);
    assert_int_equal(tlv_iter_next(&it, &e), KS_ERR_TRUNCATED);
}

static void expect_requires_exact_single_element(void **state)
{
    (void)state;
    const uint8_t buf[] = {0x61, 0x01, 0x00, 0x00};
    tlv e;
    assert_int_equal(tlv_expect(buf, 3, 0x61, &e), KS_OK);
    assert_int_equal(tlv_expect(buf, 4, 0x61, &e), KS_ERR_MALFORMED);
    assert_int_equal(tlv_expect(buf, 3, 0x75, &e), KS_ERR_MALFORMED);
}

static void writer_builds_nested_elements_with_long_lengths(void **state)
{
    (void)state;
    uint8_t value[200];
    memset(value, 0x5A, sizeof value);
    uint8_t out[512];
    tlv_writer w;
    tlv_writer_init(&w, out, sizeof out);
    tlv_open(&w, 0x75);
    tlv_open(&w, 0x7F61);
    tlv_put(&w, 0x02, (const uint8_t *)"\x01", 1);
    tlv_put(&w, 0x5F2E, value, sizeof value);
    tlv_close(&w);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);

    /* 75 81 D3 { 7F61 81 CF { 02 01 01, 5F2E 81 C8 <200> } } */
    const uint8_t head[] = {0x75, 0x81, 0xD3, 0x7F, 0x61, 0x81, 0xCF, 0x02, 0x01, 0x01,
                            0x5F, 0x2E, 0x81, 0xC8};
    assert_int_equal(w.len, sizeof head + sizeof value);
    assert_memory_equal(out, head, sizeof head);

    tlv outer, inner, data;
    assert_int_equal(tlv_expect(out, w.len, 0x75, &outer), KS_OK);
    assert_int_equal(tlv_expect(outer.value, outer.len, 0x7F61, &inner), KS_OK);
    assert_int_equal(tlv_find(inner.value, inner.len, 0x5F2E, &data), KS_OK);
    assert_int_equal(data.len, sizeof value);
}

static void writer_fails_stickily_on_overflow(void **state)
{
    (void)state;
    uint8_t out[8];
    tlv_writer w;
    tlv_writer_init(&w, out, sizeof out);
    tlv_put(&w, 0x04, (const uint8_t *)"0123456789", 10);
    tlv_put(&w, 0x04, (const uint8_t *)"a", 1);
    assert_int_equal(tlv_writer_status(&w), KS_ERR_TOO_LARGE);

    tlv_writer_init(&w, out, sizeof out);
    tlv_open(&w, 0x30);
    tlv_put(&w, 0x04, (const uint8_t *)"12345", 5); /* 7 bytes fit, header does not */
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_ERR_TOO_LARGE);
}

static void writer_reports_unclosed_elements(void **state)
{
    (void)state;
    uint8_t out[8];
    tlv_writer w;
    tlv_writer_init(&w, out, sizeof out);
    tlv_open(&w, 0x30);
    assert_int_equal(tlv_writer_status(&w), KS_ERR_ARG);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_OK);
    tlv_close(&w);
    assert_int_equal(tlv_writer_status(&w), KS_ERR_ARG);
}

static void header_sizes_follow_der(void **state)
{
    (void)state;
    uint8_t h[8];
    assert_int_equal(tlv_put_header(h, sizeof h, 0x04, 0x7F), 2);
    assert_int_equal(tlv_put_header(h, sizeof h, 0x04, 0x80), 3);
    assert_int_equal(h[1], 0x81);
    assert_int_equal(tlv_put_header(h, sizeof h, 0x04, 0x100), 4);
    assert_int_equal(h[1], 0x82);
    assert_int_equal(tlv_put_header(h, sizeof h, 0x7F61, 0x10000), 6);
    assert_int_equal(h[2], 0x83);
    assert_int_equal(tlv_put_header(h, 2, 0x5F1F, 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_short_form_primitive),
        cmocka_unit_test(decodes_multibyte_tags_and_long_lengths),
        cmocka_unit_test(rejects_every_truncation),
        cmocka_unit_test(rejects_indefinite_and_oversized_lengths),
        cmocka_unit_test(length_claiming_more_than_buffer_is_truncated),
        cmocka_unit_test(iterates_and_finds_siblings),
        cmocka_unit_test(iteration_reports_garbage_after_valid_elements),
        cmocka_unit_test(expect_requires_exact_single_element),
        cmocka_unit_test(writer_builds_nested_elements_with_long_lengths),
        cmocka_unit_test(writer_fails_stickily_on_overflow),
        cmocka_unit_test(writer_reports_unclosed_elements),
        cmocka_unit_test(header_sizes_follow_der),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
