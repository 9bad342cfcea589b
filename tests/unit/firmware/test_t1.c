/* test_t1.c — the card-side T=1 block layer on its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "t1.h"

static t1_ctx T;
static uint8_t out[T1_MAX_BLOCK];
static size_t out_n;

static t1_event send_blk(uint8_t pcb, const uint8_t *inf, size_t n)
{
    uint8_t b[T1_MAX_BLOCK];
    size_t bn;
    assert_int_equal(t1_build_block(0, pcb, inf, n, b, sizeof b, &bn), KS_OK);
    return t1_receive(&T, b, bn, out, sizeof out, &out_n);
}

static int setup(void **state)
{
    (void)state;
    t1_init(&T);
    return 0;
}

static void test_abort_drops_a_host_chain(void **state)
{
    static const uint8_t part[4] = {0x00, 0xA4, 0x04, 0x00};
    size_t n;
    (void)state;
    assert_int_equal(send_blk(0x20, part, 4), T1_SEND);
    assert_int_equal(out[1], 0x90);
    assert_int_equal(send_blk(0xC2, NULL, 0), T1_SEND);
    assert_int_equal(out[1], 0xE2);
    /* the next I-block (N(S)=1) starts a fresh command */
    assert_int_equal(send_blk(0x40, part, 4), T1_APDU);
    assert_non_null(t1_apdu(&T, &n));
    assert_int_equal(n, 4);
}

static void test_ifs_request_changes_chunk_size(void **state)
{
    uint8_t v = 16, big[40];
    (void)state;
    assert_int_equal(send_blk(0xC1, &v, 1), T1_SEND);
    assert_int_equal(out[1], 0xE1);
    assert_int_equal(out[3], 16);
    assert_int_equal(send_blk(0x00, (const uint8_t[]){0, 0xB0, 0, 0, 0x20}, 5), T1_APDU);
    memset(big, 0x5A, sizeof big);
    assert_int_equal(t1_respond(&T, big, sizeof big, out, sizeof out, &out_n), KS_OK);
    assert_int_equal(out[1], 0x20);
    assert_int_equal(out[2], 16);
    v = 0xFF;
    assert_int_equal(send_blk(0xC1, &v, 1), T1_SEND);
    assert_int_equal(out[1] & 0xC0, 0x80); /* invalid IFS: R-block error */
    assert_int_equal(out[1] & 0x0F, 0x02);
}

static void test_overlong_chained_command_answers_6700(void **state)
{
    uint8_t chunk[254];
    uint8_t ns = 0;
    t1_event ev = T1_SEND;
    (void)state;
    memset(chunk, 0x11, sizeof chunk);
    for (size_t sent = 0; sent < T1_MAX_APDU + 254; sent += 254) {
        bool more = sent + 254 < T1_MAX_APDU + 254;
        ev = send_blk((uint8_t)((ns ? 0x40 : 0) | (more ? 0x20 : 0)), chunk, sizeof chunk);
        ns ^= 1;
    }
    assert_int_equal(ev, T1_SEND);
    assert_int_equal(out[1] & 0x80, 0);
    assert_int_equal(out[2], 2);
    assert_int_equal(out[3], 0x67);
    assert_int_equal(out[4], 0x00);
}

static void test_repeated_i_block_gets_the_same_answer(void **state)
{
    static const uint8_t cmd[5] = {0, 0xB0, 0, 0, 2};
    static const uint8_t rsp[4] = {1, 2, 0x90, 0};
    uint8_t first[16];
    size_t first_n;
    (void)state;
    assert_int_equal(send_blk(0x00, cmd, 5), T1_APDU);
    assert_int_equal(t1_respond(&T, rsp, 4, out, sizeof out, &out_n), KS_OK);
    memcpy(first, out, out_n);
    first_n = out_n;
    assert_int_equal(send_blk(0x00, cmd, 5), T1_SEND);
    assert_int_equal(out_n, first_n);
    assert_memory_equal(out, first, first_n);
}

static void test_unsolicited_wtx_response_is_an_error(void **state)
{
    uint8_t m = 2;
    (void)state;
    assert_int_equal(send_blk(0xE3, &m, 1), T1_SEND);
    assert_int_equal(out[1], 0x82);
    assert_int_equal(t1_receive(&T, NULL, 0, out, sizeof out, &out_n), T1_SEND);
    assert_int_equal(out[1], 0x82);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_abort_drops_a_host_chain, setup),
        cmocka_unit_test_setup(test_ifs_request_changes_chunk_size, setup),
        cmocka_unit_test_setup(test_overlong_chained_command_answers_6700, setup),
        cmocka_unit_test_setup(test_repeated_i_block_gets_the_same_answer, setup),
        cmocka_unit_test_setup(test_unsolicited_wtx_response_is_an_error, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
