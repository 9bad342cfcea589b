/* test_ccid_serial.c — libccidtwin framing, reader side. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ccid_serial.h"

/* GetSlotStatus seq 0 as libccidtwin writes it. */
static const uint8_t get_status[] = {0x03, 0x06, 0x65, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                     0x03 ^ 0x06 ^ 0x65};

static ccids_event feed(ccids_rx *rx, const uint8_t *b, size_t n)
{
    ccids_event ev = CCIDS_RX_NONE;
    for (size_t i = 0; i < n; i++) {
        ev = ccids_rx_byte(rx, b[i]);
        if (ev != CCIDS_RX_NONE && i + 1 != n)
            fail_msg("event before the end of the input");
    }
    return ev;
}

static void test_frame_after_noise_is_received(void **state)
{
    ccids_rx rx;
    size_t n;
    const uint8_t *m;
    static const uint8_t noise[] = {0x00, 0xFF, 0x42};
    (void)state;
    ccids_rx_init(&rx);
    assert_int_equal(feed(&rx, noise, sizeof noise), CCIDS_RX_NONE);
    assert_int_equal(feed(&rx, get_status, sizeof get_status), CCIDS_RX_FRAME);
    m = ccids_rx_msg(&rx, &n);
    assert_non_null(m);
    assert_int_equal(n, 10);
    assert_int_equal(m[0], 0x65);
    assert_non_null(ccids_rx_frame(&rx, &n));
    assert_int_equal(n, sizeof get_status);
}

static void test_bad_lrc_is_reported_and_unreadable(void **state)
{
    ccids_rx rx;
    uint8_t f[sizeof get_status];
    size_t n;
    (void)state;
    memcpy(f, get_status, sizeof f);
    f[sizeof f - 1] ^= 0x10;
    ccids_rx_init(&rx);
    assert_int_equal(feed(&rx, f, sizeof f), CCIDS_RX_BAD_LRC);
    assert_null(ccids_rx_msg(&rx, &n));
    assert_int_equal(feed(&rx, get_status, sizeof get_status), CCIDS_RX_FRAME);
}

static void test_overlong_frame_is_dropped_until_idle(void **state)
{
    ccids_rx rx;
    static const uint8_t big[] = {0x03, 0x06, 0x6F, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0};
    (void)state;
    ccids_rx_init(&rx);
    assert_int_equal(feed(&rx, big, sizeof big), CCIDS_RX_OVERLONG);
    assert_int_equal(feed(&rx, get_status, sizeof get_status), CCIDS_RX_NONE);
    assert_true(ccids_rx_busy(&rx));
    ccids_rx_idle(&rx);
    assert_false(ccids_rx_busy(&rx));
    assert_int_equal(feed(&rx, get_status, sizeof get_status), CCIDS_RX_FRAME);
}

static void test_host_nak_is_recognised(void **state)
{
    ccids_rx rx;
    static const uint8_t nak[] = {0x03, 0x15, 0x16};
    (void)state;
    ccids_rx_init(&rx);
    assert_int_equal(feed(&rx, nak, sizeof nak), CCIDS_RX_HOST_NAK);
}

static void test_reply_is_echo_then_response_frame(void **state)
{
    static const uint8_t status[] = {0x81, 0, 0, 0, 0, 0, 0, 0x02, 0, 0};
    uint8_t out[64];
    size_t n;
    uint8_t lrc = 0;
    (void)state;
    assert_int_equal(ccids_build_reply(get_status, sizeof get_status, true, status,
                                       sizeof status, out, sizeof out, &n),
                     KS_OK);
    assert_int_equal(n, sizeof get_status + 13);
    assert_memory_equal(out, get_status, sizeof get_status);
    assert_int_equal(out[13], 0x03);
    assert_int_equal(out[14], 0x06);
    assert_memory_equal(out + 15, status, sizeof status);
    for (size_t i = 13; i < n; i++)
        lrc ^= out[i];
    assert_int_equal(lrc, 0);
    assert_int_equal(ccids_build_reply(get_status, sizeof get_status, true, status,
                                       sizeof status, out, 20, &n),
                     KS_ERR_TOO_LARGE);
    assert_int_equal(ccids_build_nak(out, sizeof out, &n), KS_OK);
    assert_int_equal(n, 3);
    assert_int_equal(out[2], 0x16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_after_noise_is_received),
        cmocka_unit_test(test_bad_lrc_is_reported_and_unreadable),
        cmocka_unit_test(test_overlong_frame_is_dropped_until_idle),
        cmocka_unit_test(test_host_nak_is_recognised),
        cmocka_unit_test(test_reply_is_echo_then_response_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
