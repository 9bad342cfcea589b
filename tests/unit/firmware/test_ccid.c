/* test_ccid.c — CCID message parsing and building. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ccid.h"

static void test_parse_reads_header_and_data(void **state)
{
    static const uint8_t m[] = {0x6F, 3, 0, 0, 0, 0, 7, 0xAA, 0xBB, 0xCC, 1, 2, 3};
    ccid_msg msg;
    (void)state;
    assert_int_equal(ccid_parse(m, sizeof m, &msg), KS_OK);
    assert_int_equal(msg.type, 0x6F);
    assert_int_equal(msg.seq, 7);
    assert_int_equal(msg.param[2], 0xCC);
    assert_int_equal(msg.data_len, 3);
    assert_ptr_equal(msg.data, m + 10);
}

static void test_parse_checks_dwlength_against_buffer(void **state)
{
    uint8_t m[12] = {0x6F, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2};
    ccid_msg msg;
    (void)state;
    assert_int_equal(ccid_parse(m, 11, &msg), KS_ERR_TRUNCATED);
    assert_int_equal(ccid_parse(m, 9, &msg), KS_ERR_TRUNCATED);
    m[1] = 1;
    assert_int_equal(ccid_parse(m, 12, &msg), KS_ERR_MALFORMED);
    m[1] = 0xFF; m[4] = 0xFF; /* huge length must not wrap */
    assert_int_equal(ccid_parse(m, 12, &msg), KS_ERR_TRUNCATED);
}

static void test_build_data_block_and_capacity(void **state)
{
    static const uint8_t d[] = {0x3B, 0x80, 0x80, 0x01, 0x01};
    uint8_t out[15];
    size_t n;
    (void)state;
    assert_int_equal(ccid_build_data_block(0, 9, 0, 0, 0, d, sizeof d, out, sizeof out, &n), KS_OK);
    assert_int_equal(n, 15);
    assert_int_equal(out[0], 0x80);
    assert_int_equal(out[1], 5);
    assert_int_equal(out[6], 9);
    assert_memory_equal(out + 10, d, sizeof d);
    assert_int_equal(ccid_build_data_block(0, 9, 0, 0, 0, d, sizeof d, out, 14, &n),
                     KS_ERR_TOO_LARGE);
}

static void test_reply_types(void **state)
{
    (void)state;
    assert_int_equal(ccid_reply_type(CCID_PC_ICC_POWER_ON), CCID_RDR_DATA_BLOCK);
    assert_int_equal(ccid_reply_type(CCID_PC_SET_PARAMETERS), CCID_RDR_PARAMETERS);
    assert_int_equal(ccid_reply_type(CCID_PC_ESCAPE), CCID_RDR_ESCAPE);
    assert_int_equal(ccid_reply_type(CCID_PC_GET_SLOT_STATUS), CCID_RDR_SLOT_STATUS);
    assert_int_equal(ccid_reply_type(0x99), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_reads_header_and_data),
        cmocka_unit_test(test_parse_checks_dwlength_against_buffer),
        cmocka_unit_test(test_build_data_block_and_capacity),
        cmocka_unit_test(test_reply_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
