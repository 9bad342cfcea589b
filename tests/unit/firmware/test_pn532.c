/*
 * test_pn532.c — PN532 HSU framing, the command layer over a scripted byte
 * link, InListPassiveTarget parsing and the front-end's InCommunicateThru.
 */
#include "pn532.h"
#include "nfc_script.h"

static void setup_chip(pn532 *p, fake_link *l)
{
    memset(l, 0, sizeof *l);
    nfc_link link = {fl_write, fl_read, l};
    nfc_clock clk = {fl_now, l};
    pn532_init(p, &link, &clk, NULL);
}

static bool written_contains(const fake_link *l, const char *hex)
{
    uint8_t want[300];
    size_t n = hex_to_bytes(hex, want, sizeof want);
    for (size_t i = 0; i + n <= l->wlen; i++)
        if (memcmp(l->written + i, want, n) == 0)
            return true;
    return false;
}

/* ---- framing ---------------------------------------------------------- */

static void test_encode_normal_frame_matches_manual_bytes(void **state)
{
    (void)state;
    uint8_t out[16], cmd = 0x02;
    size_t n = 0;
    assert_int_equal(pn532_frame_encode(0xD4, &cmd, 1, out, sizeof out, &n), KS_OK);
    uint8_t want[] = {0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD4, 0x02, 0x2A, 0x00};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(out, want, n);
    assert_int_equal(pn532_frame_encode(0xD4, &cmd, 1, out, 8, &n), KS_ERR_TOO_LARGE);
}

static void test_encode_extended_frame_above_255_bytes(void **state)
{
    (void)state;
    uint8_t body[260], out[300];
    memset(body, 0x11, sizeof body);
    size_t n = 0;
    assert_int_equal(pn532_frame_encode(0xD4, body, sizeof body, out, sizeof out, &n), KS_OK);
    assert_int_equal(n, 261 + 10);
    uint8_t head[] = {0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x01, 0x05, 0xFA, 0xD4};
    assert_memory_equal(out, head, sizeof head);
    /* the decoder takes it back */
    pn532_decoder d;
    pn532_decoder_reset(&d);
    pn532_event ev = PN532_EV_NONE;
    for (size_t i = 0; i < n && ev == PN532_EV_NONE; i++)
        ev = pn532_decoder_feed(&d, out[i]);
    assert_int_equal(ev, PN532_EV_FRAME);
    assert_int_equal(pn532_decoder_body_len(&d), 261);
    uint8_t too_big[PN532_MAX_BODY];
    assert_int_equal(pn532_frame_encode(0xD4, too_big, sizeof too_big, out, sizeof out, &n),
                     KS_ERR_TOO_LARGE);
}

/* Feeds hex and returns the events seen, in order. */
static size_t feed_events(pn532_decoder *d, const char *hex, pn532_event *evs, size_t cap)
{
    uint8_t b[300];
    size_t n = hex_to_bytes(hex, b, sizeof b), k = 0;
    for (size_t i = 0; i < n; i++) {
        pn532_event e = pn532_decoder_feed(d, b[i]);
        if (e != PN532_EV_NONE && k < cap)
            evs[k++] = e;
    }
    return k;
}

static void test_decoder_ack_nack_error_and_garbage(void **state)
{
    (void)state;
    pn532_decoder d;
    pn532_decoder_reset(&d);
    pn532_event ev[8];
    size_t k = feed_events(&d, "13 37 FF 00 00 FF 00 FF 00 00 00 FF FF 00 00 "
                               "00 00 FF 01 FF 7F 81 00", ev, 8);
    assert_int_equal(k, 3);
    assert_int_equal(ev[0], PN532_EV_ACK);
    assert_int_equal(ev[1], PN532_EV_NACK);
    assert_int_equal(ev[2], PN532_EV_ERROR_FRAME);
}

static void test_decoder_resyncs_after_bad_lcs_and_dcs(void **state)
{
    (void)state;
    pn532_decoder d;
    pn532_decoder_reset(&d);
    pn532_event ev[8];
    /* bad LCS, then bad DCS, then a good GetFirmwareVersion answer */
    size_t k = feed_events(&d, "00 00 FF 06 FB D5 03 32 01 06 07 E8 00 "
                               "00 00 FF 06 FA D5 03 32 01 06 07 E9 00 "
                               "00 00 FF 06 FA D5 03 32 01 06 07 E8 00", ev, 8);
    assert_int_equal(k, 3);
    assert_int_equal(ev[0], PN532_EV_BAD_FRAME);
    assert_int_equal(ev[1], PN532_EV_BAD_FRAME);
    assert_int_equal(ev[2], PN532_EV_FRAME);
    assert_int_equal(pn532_decoder_body_len(&d), 6);
    assert_int_equal(pn532_decoder_body(&d)[2], 0x32);
    /* extended frame with an impossible length */
    pn532_decoder_reset(&d);
    k = feed_events(&d, "00 00 FF FF FF 10 00 F0", ev, 8);
    assert_int_equal(k, 1);
    assert_int_equal(ev[0], PN532_EV_BAD_FRAME);
}

/* ---- command layer ---------------------------------------------------- */

static void test_command_with_split_reads(void **state)
{
    (void)state;
    pn532 p;
    fake_link l;
    setup_chip(&p, &l);
    push_hex(&l, "00 00 FF 00");
    push_hex(&l, "FF 00 00 00 FF 06");
    push_hex(&l, "FA D5 03 32 01 06");
    push_hex(&l, "07 E8 00");
    uint8_t fw[4];
    assert_int_equal(pn532_get_firmware_version(&p, fw), KS_OK);
    assert_int_equal(fw[0], 0x32);
    assert_int_equal(fw[1], 0x01);
    assert_int_equal(fw[3], 0x07);
    assert_true(written_contains(&l, "00 00 FF 02 FE D4 02 2A 00"));
}

static void test_ack_and_answer_in_one_read(void **state)
{
    (void)state;
    pn532 p;
    fake_link l;
    setup_chip(&p, &l);
    push_hex(&l, "00 00 FF 00 FF 00 00 00 FF 03 FD D5 07 AB 79 00");
    uint8_t v = 0;
    assert_int_equal(pn532_read_register(&p, 0x6302, &v), KS_OK);
    assert_int_equal(v, 0xAB);
    assert_true(written_contains(&l, "D4 06 63 02"));
}

static void test_bad_answer_checksum_asks_for_resend_with_nack(void **state)
{
    (void)state;
    pn532 p;
    fake_link l;
    setup_chip(&p, &l);
    push_ack(&l);
    push_hex(&l, "00 00 FF 06 FA D5 03 32 01 06 07 E9 00");
    push_hex(&l, "00 00 FF 06 FA D5 03 32 01 06 07 E8 00");
    uint8_t fw[4];
    assert_int_equal(pn532_get_firmware_version(&p, fw), KS_OK);
    assert_true(written_contains(&l, "00 00 FF FF 00 00"));
}

static void test_frame_without_ack_is_sent_once_more(void **state)
{
    (void)state;
    pn532 p;
    fake_link l;
    setup_chip(&p, &l);
    push_hex(&l, NULL); /* the first frame is lost on the line: no ACK */
    push_ack(&l);
    push_answer(&l, "03 32 01 06 07");
    uint8_t fw[4];
    assert_int_equal(pn532_get_firmware_version(&p, fw), KS_OK);
    assert_int_equal(fw[0], 0x32);
    /* The command frame went out twice, back to back. */
    assert_true(written_contains(&l, "00 00 FF 02 FE D4 02 2A 00 00 00 FF 02 FE D4 02 2A 00"));
}

static void test_missing_ack_times_out(void **state)
{
    (void)state;
    pn532 p;
    fake_link l;
    setup_chip(&p, &l);
    uint8_t fw[4];
    assert_int_equal(pn532_get_firmware_version(&p, fw), KS_ERR_TIMEOUT);
}

static void test_missing_answer_times_out_and_aborts(void **state)
{
    (void)state;
    pn532 p;
    fake_link l;
    setup_chip(&p, &l);
    push_ack(&l);
    uint8_t fw[4];
    size_t before = 0;
    assert_int_equal(pn532_get_firmware_version(&p, fw), KS_ERR_TIMEOUT);
    before = l.wlen;
    assert_true(before >= 6);
    assert_memory_equal(l.written + before - 6, "\x00\x00\xFF\x00\xFF\x00", 6);
}

static void test_error_frame_and_wrong_code_are_transport_errors(void **state)
{
    (void)state;
    pn532 p;
    fake_link l;
    setup_chip(&p, &l);
    push_ack(&l);
    push_hex(&l, "00 00 FF 01 FF 7F 81 00");
    push_ack(&l);
    push_answer(&l, "05 00");
    uint8_t fw[4];
    assert_int_equal(pn532_get_firmware_version(&p, fw), KS_ERR_TRANSPORT);
    assert_int_equal(pn532_get_firmware_version(&p, fw), KS_ERR_TRANSPORT);
}

static void test_begin_wakes_configures_and_checks_ic(void **state)
{
    (void)state;
    pn532 p;
    fake_link l;
    setup_chip(&p, &l);
    push_ack(&l);
    push_answer(&l, "15");
    push_ack(&l);
    push_answer(&l, "03 32 01 06 07");
    push_ack(&l);
    push_answer(&l, "33");
    assert_int_equal(pn532_begin(&p), KS_OK);
    assert_int_equal(l.written[0], 0x55);
    assert_int_equal(l.written[1], 0x55);
    assert_int_equal(l.written[2], 0x00);
    assert_true(written_contains(&l, "D4 14 01 14 01"));
    assert_true(written_contains(&l, "D4 32 05 FF 01 01"));
    /* a PN533 (IC 0x33) is refused */
    setup_chip(&p, &l);
    push_ack(&l);
    push_answer(&l, "15");
    push_ack(&l);
    push_answer(&l, "03 33 01 06 07");
    assert_int_equal(pn532_begin(&p), KS_ERR_UNSUPPORTED);
}

static void test_diagnose_echo(void **state)
{
    (void)state;
    pn532 p;
    fake_link l;
    setup_chip(&p, &l);
    push_ack(&l);
    push_answer(&l, "01 00 CA FE");
    uint8_t data[2] = {0xCA, 0xFE};
    assert_int_equal(pn532_diagnose_echo(&p, data, 2), KS_OK);
    push_ack(&l);
    push_answer(&l, "01 00 CA FF");
    assert_int_equal(pn532_diagnose_echo(&p, data, 2), KS_ERR_TRANSPORT);
}

/* ---- InListPassiveTarget ---------------------------------------------- */

static ks_status parse_hex(const char *hex, uint8_t brty, nfc_target *t)
{
    uint8_t b[300];
    size_t n = hex_to_bytes(hex, b, sizeof b);
    uint8_t tg = 0;
    return pn532_parse_list_answer(b, n, brty, &tg, t);
}

static void test_list_answer_uid_sizes_and_ats(void **state)
{
    (void)state;
    nfc_target t;
    assert_int_equal(parse_hex("01 01 00 04 08 04 DE AD BE EF", 0, &t), KS_OK);
    assert_int_equal(t.uid_len, 4);
    assert_int_equal(t.atqa[0], 0x04);
    assert_int_equal(t.sak, 0x08);
    assert_int_equal(t.ats_len, 0);
    assert_int_equal(parse_hex("01 01 00 44 20 07 04 11 22 33 44 55 66 05 78 80 70 02", 0, &t),
                     KS_OK);
    assert_int_equal(t.uid_len, 7);
    assert_int_equal(t.uid[6], 0x66);
    assert_int_equal(t.ats_len, 5);
    assert_int_equal(t.ats[1], 0x78);
    assert_int_equal(parse_hex("01 01 00 44 20 0A 01 02 03 04 05 06 07 08 09 0A 01", 0, &t), KS_OK);
    assert_int_equal(t.uid_len, 10);
    assert_int_equal(t.ats_len, 1);
    assert_int_equal(parse_hex("00", 0, &t), KS_ERR_NOT_FOUND);
    assert_int_equal(parse_hex("01 01 00 44 20 07 04 11", 0, &t), KS_ERR_TRUNCATED);
    assert_int_equal(parse_hex("01 01 00 44 20 05 04 11 22 33 44", 0, &t), KS_ERR_MALFORMED);
    assert_int_equal(parse_hex("01 01 00 04 20 04 DE AD BE EF 09 78", 0, &t), KS_ERR_MALFORMED);
    assert_int_equal(parse_hex("01 01 00 04 20 04 DE AD BE EF 00", 0, &t), KS_ERR_MALFORMED);
}

static void test_list_answer_type_b(void **state)
{
    (void)state;
    nfc_target t;
    assert_int_equal(parse_hex("01 01 50 11 22 33 44 00 00 00 00 00 81 71 01 00", 3, &t), KS_OK);
    assert_int_equal(t.tech, NFC_TECH_B);
    assert_int_equal(t.uid_len, 4);
    assert_int_equal(t.uid[0], 0x11);
    assert_true(t.has_attrib_res);
    assert_int_equal(t.attrib_res0, 0x00);
    assert_int_equal(parse_hex("01 01 51 11 22 33 44 00 00 00 00 00 81 71 00", 3, &t),
                     KS_ERR_MALFORMED);
    assert_int_equal(parse_hex("01 01 50 11 22 33 44 00 00 00 00 00 81 71 02 00", 3, &t),
                     KS_ERR_TRUNCATED);
}

/* ---- the front-end ---------------------------------------------------- */

static void test_frontend_poll_and_communicate_thru(void **state)
{
    (void)state;
    pn532 p;
    fake_link l;
    setup_chip(&p, &l);
    nfc_frontend *fe = &p.fe;
    nfc_target t;
    push_ack(&l);
    push_answer(&l, "4B 01 01 00 44 20 07 04 11 22 33 44 55 66 05 78 80 70 02");
    assert_int_equal(fe->ops->poll_a(fe, &t), KS_OK);
    assert_true(written_contains(&l, "D4 4A 01 00"));
    assert_int_equal(p.tg, 1);

    /* first exchange sets the RF timeout (FWT ~5 ms -> code 7 = 6.4 ms) */
    push_ack(&l);
    push_answer(&l, "33");
    push_ack(&l);
    push_answer(&l, "43 00 02 90 00");
    uint8_t blk[3] = {0x02, 0x00, 0xA4}, rx[16];
    size_t n = 0;
    assert_int_equal(fe->ops->transceive(fe, blk, 3, rx, sizeof rx, &n, 5000), KS_OK);
    assert_true(written_contains(&l, "D4 32 02 00 0B 07"));
    assert_true(written_contains(&l, "D4 42 02 00 A4"));
    assert_int_equal(n, 3);
    assert_int_equal(rx[1], 0x90);
    /* same timeout: no new RFConfiguration; status 01 is a card timeout */
    size_t before = l.wlen;
    push_ack(&l);
    push_answer(&l, "43 01");
    assert_int_equal(fe->ops->transceive(fe, blk, 3, rx, sizeof rx, &n, 5000), KS_ERR_TIMEOUT);
    assert_int_equal(l.wlen - before, 12); /* one InCommunicateThru frame only */
    push_ack(&l);
    push_answer(&l, "43 2B");
    assert_int_equal(fe->ops->transceive(fe, blk, 3, rx, sizeof rx, &n, 5000), KS_ERR_REMOVED);
    push_ack(&l);
    push_answer(&l, "43 02");
    assert_int_equal(fe->ops->transceive(fe, blk, 3, rx, sizeof rx, &n, 5000), KS_ERR_MALFORMED);
    /* no card: NbTg 0 */
    push_ack(&l);
    push_answer(&l, "4B 00");
    assert_int_equal(fe->ops->poll_a(fe, &t), KS_ERR_NOT_FOUND);
}

static void test_frontend_in_data_exchange_follows_more_information(void **state)
{
    (void)state;
    pn532 p;
    fake_link l;
    setup_chip(&p, &l);
    p.tg = 1;
    nfc_frontend *fe = &p.fe;
    push_ack(&l);
    push_answer(&l, "41 40 AA BB");
    push_ack(&l);
    push_answer(&l, "41 00 90 00");
    uint8_t apdu[4] = {0x00, 0xB0, 0x00, 0x00}, rx[8];
    size_t n = 0;
    assert_int_equal(fe->ops->exchange_apdu(fe, apdu, 4, rx, sizeof rx, &n), KS_OK);
    assert_int_equal(n, 4);
    assert_int_equal(rx[3], 0x00);
    assert_true(written_contains(&l, "D4 40 01 00 B0 00 00"));
}

static void test_timeout_codes(void **state)
{
    (void)state;
    assert_int_equal(pn532_timeout_code(0), 1);
    assert_int_equal(pn532_timeout_code(100), 1);
    assert_int_equal(pn532_timeout_code(101), 2);
    assert_int_equal(pn532_timeout_code(5000), 7);
    assert_int_equal(pn532_timeout_code(10000000), 16);
    assert_int_equal(pn532_status_to_ks(0x29), KS_ERR_REMOVED);
    assert_int_equal(pn532_status_to_ks(0x41), KS_ERR_TIMEOUT);
    assert_int_equal(pn532_status_to_ks(0x27), KS_ERR_TRANSPORT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_normal_frame_matches_manual_bytes),
        cmocka_unit_test(test_encode_extended_frame_above_255_bytes),
        cmocka_unit_test(test_decoder_ack_nack_error_and_garbage),
        cmocka_unit_test(test_decoder_resyncs_after_bad_lcs_and_dcs),
        cmocka_unit_test(test_command_with_split_reads),
        cmocka_unit_test(test_ack_and_answer_in_one_read),
        cmocka_unit_test(test_bad_answer_checksum_asks_for_resend_with_nack),
        cmocka_unit_test(test_frame_without_ack_is_sent_once_more),
        cmocka_unit_test(test_missing_ack_times_out),
        cmocka_unit_test(test_missing_answer_times_out_and_aborts),
        cmocka_unit_test(test_error_frame_and_wrong_code_are_transport_errors),
        cmocka_unit_test(test_begin_wakes_configures_and_checks_ic),
        cmocka_unit_test(test_diagnose_echo),
        cmocka_unit_test(test_list_answer_uid_sizes_and_ats),
        cmocka_unit_test(test_list_answer_type_b),
        cmocka_unit_test(test_frontend_poll_and_communicate_thru),
        cmocka_unit_test(test_frontend_in_data_exchange_follows_more_information),
        cmocka_unit_test(test_timeout_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
