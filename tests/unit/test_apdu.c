/* ISO/IEC 7816-4 APDU encoding and parsing (common/apdu.h), all four cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "apdu.h"

static void encode_expect(const apdu_cmd *cmd, apdu_form form, const uint8_t *want, size_t want_len)
{
    uint8_t out[80];
    size_t n = 0;
    assert_int_equal(apdu_encode(cmd, form, out, sizeof out, &n), KS_OK);
    assert_int_equal(n, want_len);
    assert_memory_equal(out, want, want_len);
}

static void encodes_short_cases(void **state)
{
    (void)state;
    const uint8_t aid[] = {0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01};
    apdu_cmd c1 = {.cla = 0x00, .ins = 0xA4, .p1 = 0x00, .p2 = 0x0C};
    encode_expect(&c1, APDU_FORM_AUTO, (const uint8_t *)"\x00\xA4\x00\x0C", 4);

    apdu_cmd c2 = {.ins = 0x84, .ne = 8};
    encode_expect(&c2, APDU_FORM_AUTO, (const uint8_t *)"\x00\x84\x00\x00\x08", 5);

    apdu_cmd c2max = {.ins = 0xB0, .ne = 256};
    encode_expect(&c2max, APDU_FORM_AUTO, (const uint8_t *)"\x00\xB0\x00\x00\x00", 5);

    apdu_cmd c3 = {.ins = 0xA4, .p1 = 0x04, .p2 = 0x0C, .data = aid, .nc = sizeof aid};
    encode_expect(&c3, APDU_FORM_AUTO,
                  (const uint8_t *)"\x00\xA4\x04\x0C\x07\xA0\x00\x00\x02\x47\x10\x01", 12);

    apdu_cmd c4 = {.ins = 0x82, .data = aid, .nc = 2, .ne = 0x28};
    encode_expect(&c4, APDU_FORM_AUTO, (const uint8_t *)"\x00\x82\x00\x00\x02\xA0\x00\x28", 8);
}

static void encodes_extended_cases(void **state)
{
    (void)state;
    const uint8_t d[] = {0x01, 0x02};
    apdu_cmd c2 = {.ins = 0xB0, .ne = 65536};
    encode_expect(&c2, APDU_FORM_AUTO, (const uint8_t *)"\x00\xB0\x00\x00\x00\x00\x00", 7);

    apdu_cmd c2e = {.ins = 0xB0, .ne = 1000};
    encode_expect(&c2e, APDU_FORM_AUTO, (const uint8_t *)"\x00\xB0\x00\x00\x00\x03\xE8", 7);

    apdu_cmd c3 = {.ins = 0xD6, .data = d, .nc = 2};
    encode_expect(&c3, APDU_FORM_EXTENDED, (const uint8_t *)"\x00\xD6\x00\x00\x00\x00\x02\x01\x02", 9);

    apdu_cmd c4 = {.ins = 0xB1, .data = d, .nc = 2, .ne = 65536};
    encode_expect(&c4, APDU_FORM_AUTO,
                  (const uint8_t *)"\x00\xB1\x00\x00\x00\x00\x02\x01\x02\x00\x00", 11);

    /* Case 1 has no length fields, so "extended" changes nothing. */
    apdu_cmd c1 = {.ins = 0x44};
    encode_expect(&c1, APDU_FORM_EXTENDED, (const uint8_t *)"\x00\x44\x00\x00", 4);
}

static void refuses_out_of_range_and_small_buffers(void **state)
{
    (void)state;
    uint8_t out[8];
    size_t n;
    apdu_cmd big_ne = {.ins = 0xB0, .ne = 65537};
    assert_int_equal(apdu_encode(&big_ne, APDU_FORM_AUTO, out, sizeof out, &n), KS_ERR_ARG);
    apdu_cmd no_data = {.ins = 0xD6, .nc = 3};
    assert_int_equal(apdu_encode(&no_data, APDU_FORM_AUTO, out, sizeof out, &n), KS_ERR_ARG);
    const uint8_t d[10] = {0};
    apdu_cmd c3 = {.ins = 0xD6, .data = d, .nc = sizeof d};
    assert_int_equal(apdu_encode(&c3, APDU_FORM_AUTO, out, sizeof out, &n), KS_ERR_TOO_LARGE);
}

static void parse_roundtrip(const apdu_cmd *cmd, apdu_form form, bool want_ext)
{
    uint8_t buf[APDU_MAX_COMMAND];
    size_t n;
    assert_int_equal(apdu_encode(cmd, form, buf, sizeof buf, &n), KS_OK);
    apdu_cmd got;
    bool ext = !want_ext;
    assert_int_equal(apdu_parse_command(buf, n, &got, &ext), KS_OK);
    assert_int_equal(ext, want_ext);
    assert_int_equal(got.cla, cmd->cla);
    assert_int_equal(got.ins, cmd->ins);
    assert_int_equal(got.p1, cmd->p1);
    assert_int_equal(got.p2, cmd->p2);
    assert_int_equal(got.nc, cmd->nc);
    assert_int_equal(got.ne, cmd->ne);
    if (cmd->nc)
        assert_memory_equal(got.data, cmd->data, cmd->nc);
}

static void parses_what_it_encodes_in_every_case_and_form(void **state)
{
    (void)state;
    static uint8_t data[70000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    const size_t ncs[] = {0, 1, 255, 256, 65535};
    const size_t nes[] = {0, 1, 256, 257, 65536};
    for (size_t i = 0; i < 5; i++) {
        for (size_t j = 0; j < 5; j++) {
            apdu_cmd c = {.cla = 0x0C, .ins = 0xB0, .p1 = 0x81, .p2 = 0x10,
                          .data = ncs[i] ? data : NULL, .nc = ncs[i], .ne = nes[j]};
            bool case1 = ncs[i] == 0 && nes[j] == 0;
            parse_roundtrip(&c, APDU_FORM_AUTO, apdu_needs_extended(&c));
            parse_roundtrip(&c, APDU_FORM_EXTENDED, !case1);
        }
    }
}

static void rejects_inconsistent_lengths(void **state)
{
    (void)state;
    apdu_cmd c;
    const uint8_t short_lc_too_big[] = {0, 0xD6, 0, 0, 0x05, 1, 2};
    const uint8_t short_extra[] = {0, 0xD6, 0, 0, 0x01, 1, 2, 3};
    const uint8_t ext_lc_zero[] = {0, 0xD6, 0, 0, 0, 0, 0, 1};
    const uint8_t ext_truncated[] = {0, 0xD6, 0, 0, 0, 0, 3, 1, 2};
    const uint8_t two_zero[] = {0, 0xB0, 0, 0, 0, 0};
    assert_int_equal(apdu_parse_command(short_lc_too_big, sizeof short_lc_too_big, &c, NULL),
                     KS_ERR_MALFORMED);
    assert_int_equal(apdu_parse_command(short_extra, sizeof short_extra, &c, NULL), KS_ERR_MALFORMED);
    assert_int_equal(apdu_parse_command(ext_lc_zero, sizeof ext_lc_zero, &c, NULL), KS_ERR_MALFORMED);
    assert_int_equal(apdu_parse_command(ext_truncated, sizeof ext_truncated, &c, NULL),
                     KS_ERR_MALFORMED);
    assert_int_equal(apdu_parse_command(two_zero, sizeof two_zero, &c, NULL), KS_ERR_MALFORMED);
    assert_int_equal(apdu_parse_command(two_zero, 3, &c, NULL), KS_ERR_TRUNCATED);
}

static void splits_response_status_word(void **state)
{
    (void)state;
    const uint8_t r[] = {0x60, 0x02, 0x90, 0x00};
    apdu_resp resp;
    assert_int_equal(apdu_parse_response(r, sizeof r, &resp), KS_OK);
    assert_int_equal(resp.len, 2);
    assert_int_equal(resp.sw, APDU_SW_OK);
    assert_int_equal(apdu_sw1(0x6282), 0x62);
    assert_int_equal(apdu_sw2(0x6282), 0x82);
    assert_int_equal(apdu_parse_response(r, 1, &resp), KS_ERR_TRUNCATED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encodes_short_cases),
        cmocka_unit_test(encodes_extended_cases),
        cmocka_unit_test(refuses_out_of_range_and_small_buffers),
        cmocka_unit_test(parses_what_it_encodes_in_every_case_and_form),
        cmocka_unit_test(rejects_inconsistent_lengths),
        cmocka_unit_test(splits_response_status_word),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
