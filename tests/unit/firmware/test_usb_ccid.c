/*
 * test_usb_ccid.c — the CCID bulk transport over USB: messages reassembled
 * from bulk-OUT packets, APDU-level exchanges (short and extended) through
 * the slot, answers in 64-byte packets with a ZLP, oversize messages
 * refused, ABORT, and NotifySlotChange on the interrupt endpoint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ccid.h"
#include "usb_fake.h"

typedef struct env {
    fake_port port;
    big_card card;
    slot s;
    usb_ccid ccid;
    usb_dev dev;
    uint8_t seq;
    uint8_t msg[USB_CCID_MAX_MSG + 64];
    uint8_t rsp[USB_CCID_MAX_MSG + 64];
    size_t rsp_len;
} env;

static env E;

static void control(uint8_t rt, uint8_t req, uint16_t value, uint16_t index)
{
    const uint8_t s[8] = {rt, req, (uint8_t)value, (uint8_t)(value >> 8), (uint8_t)index, 0, 0, 0};
    usb_dev_setup(&E.dev, s);
    fp_pump(&E.port, &E.dev);
}

static int setup_env(void **state)
{
    (void)state;
    memset(&E, 0, sizeof E);
    fp_init(&E.port);
    big_card_init(&E.card);
    slot_init(&E.s, &E.card.fc.base, 0);
    usb_ccid_init(&E.ccid, &E.s, &E.port.base);
    usb_dev_init(&E.dev, &E.port.base, &E.ccid, "T1", NULL, NULL);
    control(0x00, 5, 9, 0);
    control(0x00, 9, 1, 0);
    assert_true(usb_dev_configured(&E.dev));
    fp_clear_log(&E.port);
    return 0;
}

static size_t build_msg(uint8_t type, const uint8_t *data, size_t len, uint8_t p0)
{
    const uint8_t p[3] = {p0, 0, 0};
    size_t n = 0;
    assert_int_equal(ccid_build(type, 0, E.seq++, p, data, len, E.msg, sizeof E.msg, &n), KS_OK);
    return n;
}

/* Sends msg[0..len) as packets of `chunk` bytes (the last shorter), lets
 * the host read the whole answer, and returns its length. */
static size_t exchange_chunked(size_t len, size_t chunk)
{
    size_t off = 0;
    fp_clear_log(&E.port);
    while (off < len) {
        size_t n = len - off < chunk ? len - off : chunk;
        assert_true(fp_out(&E.port, &E.dev, USB_EP_CCID_OUT, E.msg + off, n));
        off += n;
    }
    assert_false(E.port.armed[1]); /* held off while the answer is pending */
    fp_pump(&E.port, &E.dev);
    assert_true(E.port.armed[1]); /* ready for the next command */
    assert_int_equal(E.port.violations, 0);
    E.rsp_len = E.port.in_len[1];
    memcpy(E.rsp, E.port.in_log[1], E.rsp_len);
    return E.rsp_len;
}

static size_t exchange(size_t len)
{
    return exchange_chunked(len, USB_BULK_SIZE);
}

static void power_on(void)
{
    size_t n = build_msg(CCID_PC_ICC_POWER_ON, NULL, 0, 0);
    assert_true(exchange(n) > CCID_HEADER_LEN);
    assert_int_equal(E.rsp[0], CCID_RDR_DATA_BLOCK);
    assert_int_equal(E.rsp[7], CCID_ICC_ACTIVE);
    assert_int_equal(E.rsp[10], 0x3B); /* an ATR */
}

static uint32_t rsp_dwlength(void)
{
    return (uint32_t)E.rsp[1] | (uint32_t)E.rsp[2] << 8 | (uint32_t)E.rsp[3] << 16 |
           (uint32_t)E.rsp[4] << 24;
}

static void extended_read_binary_returns_3000_bytes_in_64_byte_packets(void **state)
{
    static const uint8_t apdu[7] = {0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00}; /* Le 0000 */
    (void)state;
    power_on();
    E.card.fc.resp_data_len = 3000;
    size_t n = build_msg(CCID_PC_XFR_BLOCK, apdu, sizeof apdu, 0);
    assert_int_equal(exchange(n), CCID_HEADER_LEN + 3002);
    assert_int_equal(E.card.apdu_len, sizeof apdu); /* passed as is: no T=1 */
    assert_memory_equal(E.card.apdu, apdu, sizeof apdu);
    assert_int_equal(E.rsp[0], CCID_RDR_DATA_BLOCK);
    assert_int_equal(rsp_dwlength(), 3002);
    assert_int_equal(E.rsp[6], (uint8_t)(E.seq - 1));
    assert_int_equal(E.rsp[7], CCID_ICC_ACTIVE);
    assert_int_equal(E.rsp[8], 0);
    for (size_t i = 0; i < 3000; i++)
        assert_int_equal(E.rsp[CCID_HEADER_LEN + i], (uint8_t)(i * 7 + 1));
    assert_int_equal(E.rsp[CCID_HEADER_LEN + 3000], 0x90);
    assert_int_equal(E.rsp[CCID_HEADER_LEN + 3001], 0x00);
    assert_int_equal(E.port.packets[1], (3012 + 63) / 64); /* 3012 % 64 != 0: no ZLP */
    assert_int_equal(E.port.zlps[1], 0);
    assert_int_equal(E.port.max_packet_seen, 64);
    assert_int_equal(E.port.violations, 0);
}

static void an_answer_filling_whole_packets_ends_with_a_zlp(void **state)
{
    static const uint8_t apdu[5] = {0x00, 0xB0, 0x00, 0x00, 0x76};
    (void)state;
    power_on();
    E.card.fc.resp_data_len = 128 - CCID_HEADER_LEN - 2;
    size_t n = build_msg(CCID_PC_XFR_BLOCK, apdu, sizeof apdu, 0);
    assert_int_equal(exchange(n), 128);
    assert_int_equal(E.port.packets[1], 3);
    assert_int_equal(E.port.zlps[1], 1);
}

static void an_extended_command_of_the_largest_size_reaches_the_card_whole(void **state)
{
    uint8_t apdu[USB_CCID_MAX_APDU];
    const size_t nc = USB_CCID_MAX_APDU - 9; /* header 4, Lc 3, Le 2 */
    (void)state;
    power_on();
    apdu[0] = 0x00;
    apdu[1] = 0xD6;
    apdu[2] = apdu[3] = 0x00;
    apdu[4] = 0x00;
    apdu[5] = (uint8_t)(nc >> 8);
    apdu[6] = (uint8_t)nc;
    for (size_t i = 0; i < nc; i++)
        apdu[7 + i] = (uint8_t)(i ^ (i >> 8));
    apdu[7 + nc] = apdu[8 + nc] = 0x00;
    size_t n = build_msg(CCID_PC_XFR_BLOCK, apdu, sizeof apdu, 0);
    assert_int_equal(n, USB_CCID_MAX_MSG);
    assert_int_equal(exchange(n), CCID_HEADER_LEN + 2);
    assert_int_equal(E.card.apdu_len, sizeof apdu);
    assert_memory_equal(E.card.apdu, apdu, sizeof apdu);
    assert_int_equal(E.rsp[CCID_HEADER_LEN], 0x90);
}

static void a_message_split_at_every_boundary_is_reassembled(void **state)
{
    uint8_t apdu[150];
    uint8_t first[64];
    size_t first_len;
    (void)state;
    power_on();
    apdu[0] = 0x00; apdu[1] = 0xA4; apdu[2] = 0x04; apdu[3] = 0x0C; apdu[4] = 145;
    for (size_t i = 5; i < sizeof apdu; i++)
        apdu[i] = (uint8_t)(i * 3);
    E.card.fc.resp_data_len = 20;
    for (size_t k = 1; k < CCID_HEADER_LEN + sizeof apdu; k++) {
        size_t n = build_msg(CCID_PC_XFR_BLOCK, apdu, sizeof apdu, 0);
        fp_clear_log(&E.port);
        E.card.apdu_len = 0;
        assert_true(fp_out(&E.port, &E.dev, USB_EP_CCID_OUT, E.msg, k));
        assert_int_equal(E.port.in_len[1], 0); /* nothing answered early */
        assert_true(fp_out(&E.port, &E.dev, USB_EP_CCID_OUT, E.msg + k, n - k));
        fp_pump(&E.port, &E.dev);
        assert_int_equal(E.card.apdu_len, sizeof apdu);
        assert_memory_equal(E.card.apdu, apdu, sizeof apdu);
        assert_int_equal(E.port.in_len[1], CCID_HEADER_LEN + 22);
        assert_int_equal(E.port.in_log[1][6], E.msg[6]); /* the command's bSeq */
        assert_true(E.port.armed[1]);
    }
    /* and one byte per packet */
    size_t n = build_msg(CCID_PC_XFR_BLOCK, apdu, sizeof apdu, 0);
    assert_int_equal(exchange_chunked(n, 1), CCID_HEADER_LEN + 22);
    first_len = CCID_HEADER_LEN + 22 < sizeof first ? CCID_HEADER_LEN + 22 : sizeof first;
    memcpy(first, E.rsp, first_len);
    assert_int_equal(first[0], CCID_RDR_DATA_BLOCK);
}

static void oversize_dwlength_is_refused_and_the_transfer_skipped(void **state)
{
    static const uint32_t sizes[3] = {USB_CCID_MAX_MSG - CCID_HEADER_LEN + 1, 0x00100000u,
                                      0xFFFFFFFFu};
    uint8_t junk[64];
    (void)state;
    memset(junk, 0xA5, sizeof junk);
    for (size_t t = 0; t < 3; t++) {
        uint8_t hdr[64] = {CCID_PC_XFR_BLOCK, (uint8_t)sizes[t], (uint8_t)(sizes[t] >> 8),
                           (uint8_t)(sizes[t] >> 16), (uint8_t)(sizes[t] >> 24), 0, 0x33, 0, 0, 0};
        fp_clear_log(&E.port);
        assert_true(fp_out(&E.port, &E.dev, USB_EP_CCID_OUT, hdr, sizeof hdr));
        /* refused at once, and the rest of the transfer is still accepted */
        assert_int_equal(E.port.in_len[1], CCID_HEADER_LEN);
        assert_int_equal(E.port.in_log[1][0], CCID_RDR_DATA_BLOCK);
        assert_int_equal(E.port.in_log[1][6], 0x33);
        assert_int_equal(E.port.in_log[1][7] & 0xC0, CCID_CMD_FAILED);
        assert_int_equal(E.port.in_log[1][8], CCID_ERR_BAD_LENGTH);
        fp_pump(&E.port, &E.dev);
        for (int i = 0; i < 3; i++)
            assert_true(fp_out(&E.port, &E.dev, USB_EP_CCID_OUT, junk, sizeof junk));
        assert_true(fp_out(&E.port, &E.dev, USB_EP_CCID_OUT, junk, 5)); /* short: transfer ends */
        assert_int_equal(E.port.in_len[1], CCID_HEADER_LEN); /* junk answered nothing */
        size_t n = build_msg(CCID_PC_GET_SLOT_STATUS, NULL, 0, 0);
        assert_int_equal(exchange(n), CCID_HEADER_LEN);
        assert_int_equal(E.rsp[0], CCID_RDR_SLOT_STATUS);
        assert_int_equal(E.rsp[8], 0);
    }
}

static void the_skip_ends_after_dwlength_bytes_without_a_short_packet(void **state)
{
    const uint32_t dw = USB_CCID_MAX_MSG; /* just too long, a multiple of 64 + 10 */
    uint8_t pkt[64];
    size_t sent = 64 - CCID_HEADER_LEN;
    (void)state;
    memset(pkt, 0, sizeof pkt);
    pkt[0] = CCID_PC_XFR_BLOCK;
    pkt[1] = (uint8_t)dw;
    pkt[2] = (uint8_t)(dw >> 8);
    assert_true(fp_out(&E.port, &E.dev, USB_EP_CCID_OUT, pkt, sizeof pkt));
    fp_pump(&E.port, &E.dev);
    memset(pkt, 0x11, sizeof pkt);
    while (sent < dw) {
        assert_true(fp_out(&E.port, &E.dev, USB_EP_CCID_OUT, pkt, sizeof pkt));
        sent += sizeof pkt;
    }
    assert_false(E.ccid.skipping);
    size_t n = build_msg(CCID_PC_GET_SLOT_STATUS, NULL, 0, 0);
    assert_int_equal(exchange(n), CCID_HEADER_LEN);
    assert_int_equal(E.rsp[0], CCID_RDR_SLOT_STATUS);
}

static void bytes_beyond_dwlength_are_dropped(void **state)
{
    uint8_t pkt[40];
    (void)state;
    size_t n = build_msg(CCID_PC_GET_SLOT_STATUS, NULL, 0, 0);
    memcpy(pkt, E.msg, n);
    memset(pkt + n, 0x62, sizeof pkt - n); /* looks like PowerOn headers */
    assert_true(fp_out(&E.port, &E.dev, USB_EP_CCID_OUT, pkt, sizeof pkt));
    fp_pump(&E.port, &E.dev);
    assert_int_equal(E.port.in_len[1], CCID_HEADER_LEN);
    assert_int_equal(E.card.fc.activations, 0);
}

static void notify_slot_change_on_removal_and_arrival(void **state)
{
    (void)state;
    power_on();
    fp_clear_log(&E.port);
    assert_false(usb_ccid_poll(&E.ccid)); /* nothing changed */
    E.card.fc.present = false;
    assert_true(usb_ccid_poll(&E.ccid));
    assert_int_equal(E.port.in_len[2], 2);
    assert_int_equal(E.port.in_log[2][0], CCID_RDR_NOTIFY_SLOT_CHANGE);
    assert_int_equal(E.port.in_log[2][1], 0x02); /* changed, absent */
    assert_int_equal(E.card.fc.deactivations, 1);
    E.card.fc.present = true;
    assert_true(usb_ccid_poll(&E.ccid)); /* queued behind the one in flight */
    assert_int_equal(E.port.in_len[2], 2);
    fp_pump(&E.port, &E.dev);
    assert_int_equal(E.port.in_len[2], 4);
    assert_int_equal(E.port.in_log[2][3], 0x03); /* changed, present */
}

static void a_card_lost_during_an_apdu_fails_it_and_is_notified(void **state)
{
    static const uint8_t apdu[5] = {0x00, 0xB0, 0x00, 0x00, 0x10};
    (void)state;
    power_on();
    E.card.fc.present = false; /* transceive answers KS_ERR_REMOVED */
    size_t n = build_msg(CCID_PC_XFR_BLOCK, apdu, sizeof apdu, 0);
    assert_int_equal(exchange(n), CCID_HEADER_LEN);
    assert_int_equal(E.rsp[7], CCID_CMD_FAILED | CCID_ICC_ABSENT);
    assert_int_equal(E.rsp[8], CCID_ERR_ICC_MUTE);
    assert_int_equal(E.port.in_len[2], 2);
    assert_int_equal(E.port.in_log[2][1], 0x02);
}

static void abort_fails_commands_until_the_bulk_abort(void **state)
{
    static const uint8_t apdu[5] = {0x00, 0xB0, 0x00, 0x00, 0x10};
    (void)state;
    power_on();
    /* half a message, then the host gives up on it */
    size_t n = build_msg(CCID_PC_XFR_BLOCK, apdu, sizeof apdu, 0);
    assert_true(fp_out(&E.port, &E.dev, USB_EP_CCID_OUT, E.msg, 6));
    control(0x21, USB_CCID_REQ_ABORT, (uint16_t)(0x40u << 8), USB_ITF_CCID);
    assert_false(E.port.stalled[1][0]);
    E.seq = 0x41;
    n = build_msg(CCID_PC_XFR_BLOCK, apdu, sizeof apdu, 0);
    assert_int_equal(exchange(n), CCID_HEADER_LEN);
    assert_int_equal(E.rsp[7] & 0xC0, CCID_CMD_FAILED);
    assert_int_equal(E.rsp[8], CCID_ERR_CMD_ABORTED);
    assert_int_equal(E.card.fc.transceives, 0);
    E.seq = 0x40;
    n = build_msg(CCID_PC_ABORT, NULL, 0, 0);
    assert_int_equal(exchange(n), CCID_HEADER_LEN);
    assert_int_equal(E.rsp[0], CCID_RDR_SLOT_STATUS);
    assert_int_equal(E.rsp[6], 0x40);
    assert_int_equal(E.rsp[7], CCID_ICC_ACTIVE);
    n = build_msg(CCID_PC_XFR_BLOCK, apdu, sizeof apdu, 0);
    assert_int_equal(exchange(n), CCID_HEADER_LEN + 2);
    assert_int_equal(E.rsp[10], 0x90);
    assert_int_equal(E.card.fc.transceives, 1);
}

static void chained_xfr_and_tiny_apdus_are_refused_cleanly(void **state)
{
    static const uint8_t apdu[5] = {0x00, 0xB0, 0x00, 0x00, 0x10};
    uint8_t p[3] = {0, 0x01, 0x00}; /* wLevelParameter 0x0001: chain begins */
    size_t n = 0;
    (void)state;
    power_on();
    assert_int_equal(ccid_build(CCID_PC_XFR_BLOCK, 0, 9, p, apdu, sizeof apdu, E.msg,
                                sizeof E.msg, &n), KS_OK);
    assert_int_equal(exchange(n), CCID_HEADER_LEN);
    assert_int_equal(E.rsp[7] & 0xC0, CCID_CMD_FAILED);
    assert_int_equal(E.rsp[8], 0x08);
    n = build_msg(CCID_PC_XFR_BLOCK, apdu, 2, 0);
    assert_int_equal(exchange(n), CCID_HEADER_LEN + 2);
    assert_int_equal(E.rsp[10], 0x67);
    assert_int_equal(E.card.fc.transceives, 0);
}

static void a_response_larger_than_the_buffer_becomes_6f00(void **state)
{
    static const uint8_t apdu[7] = {0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00};
    (void)state;
    power_on();
    E.card.fc.resp_data_len = USB_CCID_MAX_APDU; /* + SW does not fit */
    size_t n = build_msg(CCID_PC_XFR_BLOCK, apdu, sizeof apdu, 0);
    assert_int_equal(exchange(n), CCID_HEADER_LEN + 2);
    assert_int_equal(E.rsp[10], 0x6F);
    assert_int_equal(E.rsp[11], 0x00);
}

static void get_data_uid_is_answered_by_the_reader(void **state)
{
    static const uint8_t apdu[5] = {0xFF, 0xCA, 0x00, 0x00, 0x00};
    (void)state;
    power_on();
    size_t n = build_msg(CCID_PC_XFR_BLOCK, apdu, sizeof apdu, 0);
    assert_int_equal(exchange(n), CCID_HEADER_LEN + 7 + 2);
    assert_int_equal(E.rsp[10], 0x04);
    assert_int_equal(E.rsp[17], 0x90);
    assert_int_equal(E.card.fc.transceives, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(extended_read_binary_returns_3000_bytes_in_64_byte_packets,
                               setup_env),
        cmocka_unit_test_setup(an_answer_filling_whole_packets_ends_with_a_zlp, setup_env),
        cmocka_unit_test_setup(an_extended_command_of_the_largest_size_reaches_the_card_whole,
                               setup_env),
        cmocka_unit_test_setup(a_message_split_at_every_boundary_is_reassembled, setup_env),
        cmocka_unit_test_setup(oversize_dwlength_is_refused_and_the_transfer_skipped, setup_env),
        cmocka_unit_test_setup(the_skip_ends_after_dwlength_bytes_without_a_short_packet,
                               setup_env),
        cmocka_unit_test_setup(bytes_beyond_dwlength_are_dropped, setup_env),
        cmocka_unit_test_setup(notify_slot_change_on_removal_and_arrival, setup_env),
        cmocka_unit_test_setup(a_card_lost_during_an_apdu_fails_it_and_is_notified, setup_env),
        cmocka_unit_test_setup(abort_fails_commands_until_the_bulk_abort, setup_env),
        cmocka_unit_test_setup(chained_xfr_and_tiny_apdus_are_refused_cleanly, setup_env),
        cmocka_unit_test_setup(a_response_larger_than_the_buffer_becomes_6f00, setup_env),
        cmocka_unit_test_setup(get_data_uid_is_answered_by_the_reader, setup_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
