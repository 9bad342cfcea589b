/*
 * The PN532 HSU frame codec: frames from UM0701-02's examples, the wake-up
 * preamble, ACK/NACK, extended frames, and rejection of bad checksums,
 * oversize lengths and the wrong direction's TFI.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pn532_frame.h"

/* Feeds bytes; returns the last non-NONE event (NONE when there was none) and how many. */
static pn532_event feed_all(pn532_rx *rx, const uint8_t *b, size_t n, int *events)
{
    pn532_event last = PN532_EV_NONE;
    *events = 0;
    for (size_t i = 0; i < n; i++) {
        pn532_event ev = pn532_rx_feed(rx, b[i]);
        if (ev != PN532_EV_NONE) {
            last = ev;
            (*events)++;
        }
    }
    return last;
}

static void test_firmware_version_answer_is_encoded_as_in_the_manual(void **state)
{
    (void)state;
    const uint8_t data[] = {0x03, 0x32, 0x01, 0x06, 0x07};
    const uint8_t want[] = {0x00, 0x00, 0xFF, 0x06, 0xFA, 0xD5, 0x03, 0x32,
                            0x01, 0x06, 0x07, 0xE8, 0x00};
    uint8_t out[32];
    size_t n = 0;
    assert_int_equal(pn532_frame_encode(PN532_TFI_CHIP, data, sizeof data, out, sizeof out, &n),
                     KS_OK);
    assert_int_equal(n, sizeof want);
    assert_memory_equal(out, want, sizeof want);
}

static void test_command_after_wakeup_preamble_is_parsed(void **state)
{
    (void)state;
    uint8_t stream[64];
    size_t n = 0;
    stream[n++] = 0x55;
    stream[n++] = 0x55;
    for (int i = 0; i < 14; i++)
        stream[n++] = 0x00;
    const uint8_t sam[] = {0x00, 0x00, 0xFF, 0x03, 0xFD, 0xD4, 0x14, 0x01, 0x17, 0x00};
    memcpy(stream + n, sam, sizeof sam);
    n += sizeof sam;
    pn532_rx rx;
    pn532_rx_init(&rx);
    int events;
    assert_int_equal(feed_all(&rx, stream, n, &events), PN532_EV_FRAME);
    assert_int_equal(events, 1);
    assert_int_equal(rx.tfi, PN532_TFI_HOST);
    assert_int_equal(rx.len, 2);
    assert_int_equal(rx.data[0], 0x14);
    assert_int_equal(rx.data[1], 0x01);
}

static void test_ack_and_nack_frames_are_recognised(void **state)
{
    (void)state;
    pn532_rx rx;
    pn532_rx_init(&rx);
    int events;
    assert_int_equal(feed_all(&rx, pn532_ack_frame, sizeof pn532_ack_frame, &events),
                     PN532_EV_ACK);
    assert_int_equal(feed_all(&rx, pn532_nack_frame, sizeof pn532_nack_frame, &events),
                     PN532_EV_NACK);
}

static void test_bad_checksums_drop_the_frame_and_the_next_one_still_parses(void **state)
{
    (void)state;
    const uint8_t bad_lcs[] = {0x00, 0x00, 0xFF, 0x03, 0xFC, 0xD4, 0x14, 0x01, 0x17, 0x00};
    const uint8_t bad_dcs[] = {0x00, 0x00, 0xFF, 0x03, 0xFD, 0xD4, 0x14, 0x01, 0x18, 0x00};
    const uint8_t good[] = {0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD4, 0x02, 0x2A, 0x00};
    pn532_rx rx;
    pn532_rx_init(&rx);
    int events;
    assert_int_equal(pn532_rx_feed(&rx, 0x00), PN532_EV_NONE);
    pn532_event ev = PN532_EV_NONE;
    for (size_t i = 0; i < sizeof bad_lcs && ev == PN532_EV_NONE; i++)
        ev = pn532_rx_feed(&rx, bad_lcs[i]);
    assert_int_equal(ev, PN532_EV_BAD);
    pn532_rx_init(&rx);
    assert_int_equal(feed_all(&rx, bad_dcs, sizeof bad_dcs, &events), PN532_EV_BAD);
    assert_int_equal(feed_all(&rx, good, sizeof good, &events), PN532_EV_FRAME);
    assert_int_equal(rx.len, 1);
    assert_int_equal(rx.data[0], 0x02);
}

static void test_frame_with_the_chips_tfi_is_rejected(void **state)
{
    (void)state;
    const uint8_t from_chip[] = {0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD5, 0x03, 0x28, 0x00};
    pn532_rx rx;
    pn532_rx_init(&rx);
    int events;
    assert_int_equal(feed_all(&rx, from_chip, sizeof from_chip, &events), PN532_EV_BAD);
}

static void test_extended_frame_round_trips_at_the_largest_payload(void **state)
{
    (void)state;
    uint8_t data[PN532_MAX_PAYLOAD], frame[PN532_MAX_FRAME];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13 + 1);
    size_t n = 0;
    assert_int_equal(pn532_frame_encode(PN532_TFI_HOST, data, sizeof data, frame, sizeof frame,
                                        &n),
                     KS_OK);
    assert_int_equal(frame[3], 0xFF);
    assert_int_equal(frame[4], 0xFF);
    assert_int_equal((frame[5] << 8) | frame[6], PN532_MAX_PAYLOAD + 1);
    assert_int_equal((uint8_t)(frame[5] + frame[6] + frame[7]), 0);
    pn532_rx rx;
    pn532_rx_init(&rx);
    int events;
    assert_int_equal(feed_all(&rx, frame, n, &events), PN532_EV_FRAME);
    assert_int_equal(rx.len, sizeof data);
    assert_memory_equal(rx.data, data, sizeof data);
}

static void test_normal_frame_is_used_up_to_255_bytes_with_tfi(void **state)
{
    (void)state;
    uint8_t data[254] = {0}, frame[PN532_MAX_FRAME];
    size_t n = 0;
    assert_int_equal(pn532_frame_encode(PN532_TFI_CHIP, data, sizeof data, frame, sizeof frame,
                                        &n),
                     KS_OK);
    assert_int_equal(frame[3], 0xFF);
    assert_int_equal(frame[4], 0x01);
    assert_int_equal(n, 5 + 255 + 2);
}

static void test_oversize_payloads_and_small_buffers_are_refused(void **state)
{
    (void)state;
    uint8_t data[PN532_MAX_PAYLOAD + 1] = {0}, frame[PN532_MAX_FRAME + 8];
    size_t n = 0;
    assert_int_equal(pn532_frame_encode(PN532_TFI_CHIP, data, sizeof data, frame, sizeof frame,
                                        &n),
                     KS_ERR_TOO_LARGE);
    assert_int_equal(pn532_frame_encode(PN532_TFI_CHIP, data, 10, frame, 16, &n),
                     KS_ERR_TOO_LARGE);
    /* An extended header announcing 1000 bytes is dropped before any data is stored. */
    const uint8_t huge[] = {0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x03, 0xE8, 0x15, 0xD4};
    pn532_rx rx;
    pn532_rx_init(&rx);
    int events;
    assert_int_equal(feed_all(&rx, huge, sizeof huge, &events), PN532_EV_BAD);
}

static void test_noise_never_yields_an_oversize_frame(void **state)
{
    (void)state;
    pn532_rx rx;
    pn532_rx_init(&rx);
    uint32_t x = 12345;
    for (int i = 0; i < 200000; i++) {
        x = x * 1103515245u + 12345u;
        uint8_t b = (uint8_t)(x >> 16);
        if ((x >> 8) % 7 == 0)
            b = (x >> 12) & 1 ? 0x00 : 0xFF; /* plenty of start codes */
        if (pn532_rx_feed(&rx, b) == PN532_EV_FRAME)
            assert_true(rx.len <= PN532_MAX_PAYLOAD);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_firmware_version_answer_is_encoded_as_in_the_manual),
        cmocka_unit_test(test_command_after_wakeup_preamble_is_parsed),
        cmocka_unit_test(test_ack_and_nack_frames_are_recognised),
        cmocka_unit_test(test_bad_checksums_drop_the_frame_and_the_next_one_still_parses),
        cmocka_unit_test(test_frame_with_the_chips_tfi_is_rejected),
        cmocka_unit_test(test_extended_frame_round_trips_at_the_largest_payload),
        cmocka_unit_test(test_normal_frame_is_used_up_to_255_bytes_with_tfi),
        cmocka_unit_test(test_oversize_payloads_and_small_buffers_are_refused),
        cmocka_unit_test(test_noise_never_yields_an_oversize_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
