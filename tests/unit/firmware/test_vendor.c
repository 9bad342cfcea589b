/* test_vendor.c — vendor channel framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vendor.h"

static void test_crc_matches_ccitt_false_check_value(void **state)
{
    (void)state;
    assert_int_equal(vendor_crc16((const uint8_t *)"123456789", 9), 0x29B1);
}

static void test_qr_frame_round_trips_through_byte_receiver(void **state)
{
    static const char qr[] = "001099012345|123456789|A|15081999|Nam|X|20042021";
    uint8_t f[VENDOR_MAX_FRAME];
    size_t n;
    vendor_rx rx;
    vendor_frame fr;
    vendor_event ev = VENDOR_RX_NONE;
    (void)state;
    assert_int_equal(vendor_build(VENDOR_QR_TEXT, 7, (const uint8_t *)qr, strlen(qr), f,
                                  sizeof f, &n),
                     KS_OK);
    assert_int_equal(n, strlen(qr) + 7);
    vendor_rx_init(&rx);
    assert_int_equal(vendor_rx_byte(&rx, 0x00), VENDOR_RX_NONE); /* noise */
    for (size_t i = 0; i < n; i++)
        ev = vendor_rx_byte(&rx, f[i]);
    assert_int_equal(ev, VENDOR_RX_FRAME);
    assert_int_equal(vendor_rx_frame(&rx, &fr), KS_OK);
    assert_int_equal(fr.type, VENDOR_QR_TEXT);
    assert_int_equal(fr.seq, 7);
    assert_int_equal(fr.len, strlen(qr));
    assert_memory_equal(fr.payload, qr, fr.len);
}

static void test_corrupt_and_overlong_frames_are_reported(void **state)
{
    uint8_t f[32];
    size_t n;
    vendor_rx rx;
    vendor_event ev = VENDOR_RX_NONE;
    vendor_frame fr;
    static const uint8_t big[] = {0xA5, 0x01, 0x00, 0x01, 0x02};
    (void)state;
    assert_int_equal(vendor_build(VENDOR_BUZZER, 1, (const uint8_t[]){100, 0, 0xB8, 0x0B}, 4, f,
                                  sizeof f, &n),
                     KS_OK);
    f[6] ^= 1;
    vendor_rx_init(&rx);
    for (size_t i = 0; i < n; i++)
        ev = vendor_rx_byte(&rx, f[i]);
    assert_int_equal(ev, VENDOR_RX_BAD_CRC);
    assert_int_equal(vendor_parse(f, n, &fr), KS_ERR_AUTH);
    for (size_t i = 0; i < sizeof big; i++)
        ev = vendor_rx_byte(&rx, big[i]);
    assert_int_equal(ev, VENDOR_RX_OVERLONG);
    assert_int_equal(vendor_parse(f, n - 1, &fr), KS_ERR_TRUNCATED);
    assert_int_equal(vendor_build(1, 0, f, VENDOR_MAX_PAYLOAD + 1, f, sizeof f, &n),
                     KS_ERR_TOO_LARGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_matches_ccitt_false_check_value),
        cmocka_unit_test(test_qr_frame_round_trips_through_byte_receiver),
        cmocka_unit_test(test_corrupt_and_overlong_frames_are_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
