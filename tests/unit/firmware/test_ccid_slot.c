/*
 * test_ccid_slot.c — the CCID slot driven the way pcscd's libccidtwin drives
 * it: serial frames in (SYNC ACK msg LRC), echo + response frame out, T=1
 * blocks inside XfrBlock, against a fake contactless card.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ccid.h"
#include "ccid_serial.h"
#include "fake_card.h"
#include "slot.h"

typedef struct host {
    slot s;
    fake_card card;
    ccids_rx rx;
    uint8_t seq;
    uint8_t wire[CCIDS_MAX_REPLY * 2];
    size_t wire_len;
    uint8_t resp[CCIDS_MAX_MSG]; /* last CCID answer */
    size_t resp_len;
} host;

static host H;

/* The firmware's side of the line, as the main loop wires it. */
static void reader_feed(host *h, const uint8_t *bytes, size_t n)
{
    uint8_t out[SLOT_MIN_OUT];
    size_t olen, flen, mlen, wlen;

    h->wire_len = 0;
    for (size_t i = 0; i < n; i++) {
        ccids_event ev = ccids_rx_byte(&h->rx, bytes[i]);
        if (ev == CCIDS_RX_FRAME) {
            const uint8_t *msg = ccids_rx_msg(&h->rx, &mlen);
            const uint8_t *frame = ccids_rx_frame(&h->rx, &flen);
            assert_non_null(msg);
            assert_int_equal(slot_handle(&h->s, msg, mlen, out, sizeof out, &olen), KS_OK);
            assert_int_equal(ccids_build_reply(frame, flen, true, out, olen, h->wire + h->wire_len,
                                               sizeof h->wire - h->wire_len, &wlen),
                             KS_OK);
            h->wire_len += wlen;
        } else if (ev == CCIDS_RX_BAD_LRC) {
            assert_int_equal(ccids_build_nak(h->wire + h->wire_len, sizeof h->wire - h->wire_len,
                                             &wlen),
                             KS_OK);
            h->wire_len += wlen;
        }
    }
}

/* Host side written independently of ccid_serial.c: frame, send, check the
 * echo, unpack the answer. */
static void host_send(host *h, uint8_t type, uint8_t p0, uint8_t p1, uint8_t p2,
                      const uint8_t *data, size_t n)
{
    uint8_t f[300];
    size_t len = 0, off;
    uint8_t lrc = 0;

    f[len++] = 0x03;
    f[len++] = 0x06;
    f[len++] = type;
    f[len++] = (uint8_t)n;
    f[len++] = (uint8_t)(n >> 8);
    f[len++] = 0;
    f[len++] = 0;
    f[len++] = 0; /* slot */
    f[len++] = h->seq;
    f[len++] = p0;
    f[len++] = p1;
    f[len++] = p2;
    if (n)
        memcpy(f + len, data, n);
    len += n;
    for (size_t i = 0; i < len; i++)
        lrc ^= f[i];
    f[len++] = lrc;
    reader_feed(h, f, len);

    /* echo first, byte for byte */
    assert_true(h->wire_len > len);
    assert_memory_equal(h->wire, f, len);
    off = len;
    assert_int_equal(h->wire[off], 0x03);
    assert_int_equal(h->wire[off + 1], 0x06);
    h->resp_len = h->wire_len - off - 3;
    assert_true(h->resp_len >= 10);
    memcpy(h->resp, h->wire + off + 2, h->resp_len);
    lrc = 0;
    for (size_t i = off; i < h->wire_len; i++)
        lrc ^= h->wire[i];
    assert_int_equal(lrc, 0);
    assert_int_equal(h->resp[1] | (h->resp[2] << 8), h->resp_len - 10);
    assert_int_equal(h->resp[6], h->seq);
    h->seq++;
}

static uint8_t resp_status(const host *h) { return h->resp[7]; }
static uint8_t resp_error(const host *h) { return h->resp[8]; }

static size_t t1blk(uint8_t *b, uint8_t pcb, const uint8_t *inf, size_t n)
{
    uint8_t lrc = 0;
    b[0] = 0;
    b[1] = pcb;
    b[2] = (uint8_t)n;
    if (n)
        memcpy(b + 3, inf, n);
    for (size_t i = 0; i < 3 + n; i++)
        lrc ^= b[i];
    b[3 + n] = lrc;
    return n + 4;
}

/* XfrBlock with one T=1 block; returns the answered block. */
static const uint8_t *xfr(host *h, const uint8_t *blk, size_t n, size_t *out_n)
{
    host_send(h, 0x6F, 0, 0, 0, blk, n);
    assert_int_equal(h->resp[0], 0x80);
    *out_n = h->resp_len - 10;
    return h->resp + 10;
}

static void check_block_lrc(const uint8_t *b, size_t n)
{
    uint8_t lrc = 0;
    assert_true(n >= 4);
    assert_int_equal(b[2] + 4, n);
    for (size_t i = 0; i < n; i++)
        lrc ^= b[i];
    assert_int_equal(lrc, 0);
}

static int setup(void **state)
{
    (void)state;
    memset(&H, 0, sizeof H);
    fake_card_init(&H.card);
    slot_init(&H.s, &H.card.base, 0);
    ccids_rx_init(&H.rx);
    return 0;
}

/* Escapes, slot polling, power on, SetParameters, S(IFS), one APDU, power
 * off: the exchange libccidtwin performs when pcscd starts and a client
 * connects. */
static void test_libccidtwin_startup_and_one_apdu(void **state)
{
    static const uint8_t esc_fw[] = {0x02};
    static const uint8_t esc_notify[] = {0x01, 0x01, 0x01};
    static const uint8_t esc_features[] = {0x6A};
    static const uint8_t atr[] = {0x3B, 0x83, 0x80, 0x01, 0x31, 0xFE, 0x45, 0x3B ^ 0x3B};
    static const uint8_t params[7] = {0x11, 0x10, 0x00, 0x4D, 0x00, 0x20, 0x00};
    static const uint8_t pps[] = {0xFF, 0x01, 0xFE};
    static const uint8_t select[] = {0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00,
                                     0x00, 0x02, 0x47, 0x10, 0x01};
    uint8_t b[300], ifs = 0xFE, expect_atr[8];
    const uint8_t *r;
    size_t n, rn;
    (void)state;

    host_send(&H, 0x6B, 0, 0, 0, esc_fw, 1);
    assert_int_equal(H.resp[0], 0x83);
    assert_int_equal(resp_status(&H) & 0xC0, 0);
    assert_true(H.resp_len - 10 <= 50);
    assert_memory_equal(H.resp + 10, SLOT_FIRMWARE_STRING, strlen(SLOT_FIRMWARE_STRING));

    host_send(&H, 0x6B, 0, 0, 0, esc_notify, 3);
    assert_int_equal(H.resp[0], 0x83);
    assert_int_equal(resp_status(&H) & 0xC0, 0);

    host_send(&H, 0x6B, 0, 0, 0, esc_features, 1);
    assert_int_equal(H.resp[0], 0x83);
    assert_int_equal(resp_status(&H) & 0xC0, 0x40);
    assert_int_equal(resp_error(&H), 0x00);

    /* no card yet, then a card arrives */
    H.card.present = false;
    host_send(&H, 0x65, 0, 0, 0, NULL, 0);
    assert_int_equal(H.resp[0], 0x81);
    assert_int_equal(resp_status(&H), 0x02);
    H.card.present = true;
    host_send(&H, 0x65, 0, 0, 0, NULL, 0);
    assert_int_equal(resp_status(&H), 0x01);

    host_send(&H, 0x62, 0, 0, 0, NULL, 0);
    assert_int_equal(H.resp[0], 0x80);
    assert_int_equal(resp_status(&H), 0x00);
    memcpy(expect_atr, atr, sizeof atr);
    expect_atr[7] = 0x83 ^ 0x80 ^ 0x01 ^ 0x31 ^ 0xFE ^ 0x45;
    assert_int_equal(H.resp_len - 10, sizeof expect_atr);
    assert_memory_equal(H.resp + 10, expect_atr, sizeof expect_atr);
    assert_int_equal(H.card.activations, 1);

    /* libccid negotiates T=1 with PPS (the ATR offers T=0 first): echo = yes */
    host_send(&H, 0x6F, 0, 0, 0, pps, sizeof pps);
    assert_int_equal(H.resp[0], 0x80);
    assert_int_equal(resp_status(&H), 0x00);
    assert_int_equal(H.resp_len - 10, sizeof pps);
    assert_memory_equal(H.resp + 10, pps, sizeof pps);

    host_send(&H, 0x61, 1, 0, 0, params, sizeof params);
    assert_int_equal(H.resp[0], 0x82);
    assert_int_equal(resp_status(&H), 0x00);
    assert_int_equal(H.resp[9], 1);
    assert_memory_equal(H.resp + 10, params, sizeof params);

    n = t1blk(b, 0xC1, &ifs, 1);
    r = xfr(&H, b, n, &rn);
    assert_int_equal(rn, 5);
    assert_int_equal(r[1], 0xE1);
    assert_int_equal(r[3], 0xFE);
    check_block_lrc(r, rn);

    n = t1blk(b, 0x00, select, sizeof select);
    r = xfr(&H, b, n, &rn);
    assert_int_equal(H.card.transceives, 1);
    assert_int_equal(H.card.last_len, sizeof select);
    assert_memory_equal(H.card.last_apdu, select, sizeof select);
    assert_int_equal(rn, 6);
    assert_int_equal(r[1], 0x00);
    assert_int_equal(r[3], 0x90);
    assert_int_equal(r[4], 0x00);
    check_block_lrc(r, rn);

    host_send(&H, 0x63, 0, 0, 0, NULL, 0);
    assert_int_equal(H.resp[0], 0x81);
    assert_int_equal(resp_status(&H), 0x01);
    assert_int_equal(H.card.deactivations, 1);
}

static void power_up(void)
{
    host_send(&H, 0x62, 0, 0, 0, NULL, 0);
    assert_int_equal(resp_status(&H), 0x00);
}

/* A 300-byte command in 32-byte chunks, S(WTX) before the card runs it, a
 * 600-byte answer in IFSD-sized chained I-blocks. */
static void test_chaining_both_ways_with_wtx(void **state)
{
    uint8_t cmd[300], b[300], got[700], ifs = 0xFE;
    const uint8_t *r;
    size_t n, rn, off = 0, got_len = 0;
    uint8_t ns = 0, expect_card_ns = 0;
    (void)state;

    slot_init(&H.s, &H.card.base, 3);
    power_up();
    cmd[0] = 0x00; cmd[1] = 0xD6; cmd[2] = 0; cmd[3] = 0; cmd[4] = 0xFF;
    for (size_t i = 5; i < sizeof cmd; i++)
        cmd[i] = (uint8_t)i;
    cmd[4] = 0xFF;
    /* 5 + 255 = 260 bytes of case 3 command + 40 garbage would be
     * malformed; the fake card does not care, the slot passes it on. */
    n = t1blk(b, 0xC1, &ifs, 1);
    (void)xfr(&H, b, n, &rn);

    while (off < sizeof cmd) {
        size_t chunk = sizeof cmd - off > 32 ? 32 : sizeof cmd - off;
        bool more = off + chunk < sizeof cmd;
        n = t1blk(b, (uint8_t)((ns ? 0x40 : 0) | (more ? 0x20 : 0)), cmd + off, chunk);
        r = xfr(&H, b, n, &rn);
        check_block_lrc(r, rn);
        ns ^= 1;
        off += chunk;
        if (more) { /* R-block acknowledging, asking for N(S) = ns */
            assert_int_equal(r[1], 0x80 | (ns ? 0x10 : 0));
            assert_int_equal(H.card.transceives, 0);
        }
    }
    /* the last chunk brought S(WTX request) with multiplier 3 */
    assert_int_equal(r[1], 0xC3);
    assert_int_equal(r[2], 1);
    assert_int_equal(r[3], 3);
    assert_int_equal(H.card.transceives, 0);

    H.card.resp_data_len = 598; /* 600 with SW */
    n = t1blk(b, 0xE3, (const uint8_t[]){3}, 1);
    r = xfr(&H, b, n, &rn);
    assert_int_equal(H.card.transceives, 1);
    assert_int_equal(H.card.last_len, sizeof cmd);
    assert_memory_equal(H.card.last_apdu, cmd, sizeof cmd);
    for (;;) {
        check_block_lrc(r, rn);
        assert_int_equal(r[1] & 0x80, 0);
        assert_int_equal((r[1] & 0x40) ? 1 : 0, expect_card_ns);
        expect_card_ns ^= 1;
        assert_true(r[2] <= 0xFE);
        memcpy(got + got_len, r + 3, r[2]);
        got_len += r[2];
        if (!(r[1] & 0x20))
            break;
        n = t1blk(b, (uint8_t)(0x80 | (expect_card_ns ? 0x10 : 0)), NULL, 0);
        r = xfr(&H, b, n, &rn);
    }
    assert_int_equal(got_len, 600);
    for (size_t i = 0; i < 598; i++)
        assert_int_equal(got[i], (uint8_t)(i * 7 + 1));
    assert_int_equal(got[598], 0x90);
}

static void test_bad_lrc_gets_nak_only(void **state)
{
    uint8_t f[] = {0x03, 0x06, 0x65, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00};
    (void)state;
    f[12] = 0x03 ^ 0x06 ^ 0x65 ^ 0x5A; /* wrong */
    reader_feed(&H, f, sizeof f);
    assert_int_equal(H.wire_len, 3);
    assert_int_equal(H.wire[0], 0x03);
    assert_int_equal(H.wire[1], 0x15);
    assert_int_equal(H.wire[2], 0x16);
    /* the line still works afterwards */
    host_send(&H, 0x65, 0, 0, 0, NULL, 0);
    assert_int_equal(H.resp[0], 0x81);
}

/* Bad EDC → R-block with error; host R-block → the answer is sent again;
 * S(RESYNCH) → sequence numbers back to zero. */
static void test_t1_error_recovery(void **state)
{
    static const uint8_t apdu[] = {0x00, 0xB0, 0x00, 0x00, 0x04};
    uint8_t b[64], first[64];
    const uint8_t *r;
    size_t n, rn, first_n;
    (void)state;

    power_up();
    H.card.resp_data_len = 4;
    n = t1blk(b, 0x00, apdu, sizeof apdu);
    b[n - 1] ^= 0x01; /* corrupt EDC */
    r = xfr(&H, b, n, &rn);
    assert_int_equal(rn, 4);
    assert_int_equal(r[1], 0x81); /* R(N(R)=0), EDC error */
    assert_int_equal(H.card.transceives, 0);

    n = t1blk(b, 0x00, apdu, sizeof apdu);
    r = xfr(&H, b, n, &rn);
    assert_int_equal(H.card.transceives, 1);
    assert_int_equal(r[1], 0x00);
    memcpy(first, r, rn);
    first_n = rn;

    /* host did not get it: R(N(R)=0) asks for our I(0) again */
    n = t1blk(b, 0x80, NULL, 0);
    r = xfr(&H, b, n, &rn);
    assert_int_equal(rn, first_n);
    assert_memory_equal(r, first, first_n);
    assert_int_equal(H.card.transceives, 1);

    /* a wrong LEN is "other error" */
    n = t1blk(b, 0x40, apdu, sizeof apdu);
    b[2] = 9;
    r = xfr(&H, b, n, &rn);
    assert_int_equal(r[1], 0x92); /* N(R)=1, other error */

    n = t1blk(b, 0xC0, NULL, 0);
    r = xfr(&H, b, n, &rn);
    assert_int_equal(r[1], 0xE0);
    /* after resynch the host starts again at N(S)=0 and so do we */
    n = t1blk(b, 0x00, apdu, sizeof apdu);
    r = xfr(&H, b, n, &rn);
    assert_int_equal(r[1], 0x00);
    assert_int_equal(H.card.transceives, 2);
}

static void test_get_data_uid_answered_by_reader(void **state)
{
    static const uint8_t get_uid[] = {0xFF, 0xCA, 0x00, 0x00, 0x00};
    static const uint8_t get_hist[] = {0xFF, 0xCA, 0x01, 0x00, 0x00};
    static const uint8_t get_uid_short[] = {0xFF, 0xCA, 0x00, 0x00, 0x04};
    static const uint8_t uid[] = {0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
    uint8_t b[64];
    const uint8_t *r;
    size_t n, rn;
    (void)state;

    power_up();
    n = t1blk(b, 0x00, get_uid, sizeof get_uid);
    r = xfr(&H, b, n, &rn);
    assert_int_equal(r[2], sizeof uid + 2);
    assert_memory_equal(r + 3, uid, sizeof uid);
    assert_int_equal(r[3 + sizeof uid], 0x90);
    assert_int_equal(r[4 + sizeof uid], 0x00);
    assert_int_equal(H.card.transceives, 0);

    n = t1blk(b, 0x40, get_hist, sizeof get_hist);
    r = xfr(&H, b, n, &rn);
    assert_int_equal(r[1], 0x40);
    assert_int_equal(r[2], 5);
    assert_int_equal(r[3], 0x31);
    assert_int_equal(r[5], 0x45);
    assert_int_equal(r[6], 0x90);

    n = t1blk(b, 0x00, get_uid_short, sizeof get_uid_short);
    r = xfr(&H, b, n, &rn);
    assert_int_equal(r[2], 2);
    assert_int_equal(r[3], 0x6C);
    assert_int_equal(r[4], 0x07);
    assert_int_equal(H.card.transceives, 0);
}

static void test_card_removed_reports_absent_and_fails_xfr(void **state)
{
    static const uint8_t apdu[] = {0x00, 0x84, 0x00, 0x00, 0x08};
    uint8_t b[64];
    size_t n;
    (void)state;

    power_up();
    /* lost in the middle of an exchange */
    H.card.present = false;
    n = t1blk(b, 0x00, apdu, sizeof apdu);
    host_send(&H, 0x6F, 0, 0, 0, b, n);
    assert_int_equal(H.resp[0], 0x80);
    assert_int_equal(resp_status(&H), 0x42);
    assert_int_equal(resp_error(&H), 0xFE);

    host_send(&H, 0x65, 0, 0, 0, NULL, 0);
    assert_int_equal(resp_status(&H), 0x02);

    host_send(&H, 0x6F, 0, 0, 0, b, n);
    assert_int_equal(resp_status(&H), 0x42);
    assert_int_equal(resp_error(&H), 0xFE);

    host_send(&H, 0x62, 0, 0, 0, NULL, 0);
    assert_int_equal(resp_status(&H), 0x42);
    assert_int_equal(resp_error(&H), 0xFE);
}

static void test_card_removed_between_polls_is_noticed(void **state)
{
    (void)state;
    power_up();
    H.card.present = false;
    assert_true(slot_poll(&H.s));
    assert_int_equal(H.card.deactivations, 1);
    assert_false(slot_poll(&H.s));
    H.card.present = true;
    assert_true(slot_poll(&H.s));
    host_send(&H, 0x65, 0, 0, 0, NULL, 0);
    assert_int_equal(resp_status(&H), 0x01);
}

static void test_atr_type_a_without_historical_bytes(void **state)
{
    static const uint8_t ats[] = {0x05, 0x78, 0x80, 0x70, 0x02};
    static const uint8_t want[] = {0x3B, 0x80, 0x80, 0x01, 0x01};
    uint8_t atr[33], hist[15];
    size_t n, hn;
    (void)state;
    assert_int_equal(slot_atr_build(ats, sizeof ats, false, atr, sizeof atr, &n, hist,
                                    sizeof hist, &hn),
                     KS_OK);
    assert_int_equal(n, sizeof want);
    assert_memory_equal(atr, want, sizeof want);
    assert_int_equal(hn, 0);
}

static void test_atr_type_b_from_atqb_and_attrib(void **state)
{
    static const uint8_t atqb[] = {0x50, 0xAA, 0xBB, 0xCC, 0xDD, 0x00, 0x00, 0x00, 0x00,
                                   0x00, 0x81, 0x81, 0x71};
    uint8_t atr[33], hist[15], tck = 0;
    size_t n, hn;
    (void)state;
    assert_int_equal(slot_atr_build(atqb, sizeof atqb, true, atr, sizeof atr, &n, hist,
                                    sizeof hist, &hn),
                     KS_OK);
    assert_int_equal(n, 13);
    assert_int_equal(atr[1], 0x88);
    assert_int_equal(atr[2], 0x80);
    assert_int_equal(atr[3], 0x01);
    assert_memory_equal(atr + 4, atqb + 5, 7);
    assert_int_equal(atr[11], 0x70);
    for (size_t i = 1; i < n; i++)
        tck ^= atr[i];
    assert_int_equal(tck, 0);
}

static void test_atr_rejects_inconsistent_ats(void **state)
{
    static const uint8_t bad_tl[] = {0x07, 0x78, 0x80};
    static const uint8_t short_ats[] = {0x03, 0x70, 0x80}; /* TA TB TC promised */
    uint8_t atr[33], hist[15];
    size_t n, hn;
    (void)state;
    assert_int_equal(slot_atr_build(bad_tl, sizeof bad_tl, false, atr, sizeof atr, &n, hist,
                                    sizeof hist, &hn),
                     KS_ERR_MALFORMED);
    assert_int_equal(slot_atr_build(short_ats, sizeof short_ats, false, atr, sizeof atr, &n,
                                    hist, sizeof hist, &hn),
                     KS_ERR_MALFORMED);
}

static void test_wrong_dwlength_and_slot_are_answered_with_errors(void **state)
{
    uint8_t msg[12] = {0x65, 5, 0, 0, 0, 0, 0x21, 0, 0, 0, 0xAA, 0xBB};
    uint8_t out[SLOT_MIN_OUT];
    size_t olen;
    (void)state;

    assert_int_equal(slot_handle(&H.s, msg, sizeof msg, out, sizeof out, &olen), KS_OK);
    assert_int_equal(out[0], 0x81);
    assert_int_equal(out[6], 0x21);
    assert_int_equal(out[7] & 0xC0, 0x40);
    assert_int_equal(out[8], 0x01);

    msg[1] = 0;
    msg[5] = 3;
    assert_int_equal(slot_handle(&H.s, msg, 10, out, sizeof out, &olen), KS_OK);
    assert_int_equal(out[8], 0x05);

    msg[0] = 0x6E; /* IccClock: not supported */
    msg[5] = 0;
    assert_int_equal(slot_handle(&H.s, msg, 10, out, sizeof out, &olen), KS_OK);
    assert_int_equal(out[0], 0x81);
    assert_int_equal(out[7] & 0xC0, 0x40);
    assert_int_equal(out[8], 0x00);

    assert_int_equal(slot_handle(&H.s, msg, 9, out, sizeof out, &olen), KS_ERR_MALFORMED);
}

static void test_t0_is_refused_in_pps_and_set_parameters(void **state)
{
    static const uint8_t t0[5] = {0x11, 0x00, 0x00, 0x0A, 0x00};
    static const uint8_t pps_t0[] = {0xFF, 0x00, 0xFF};
    (void)state;
    power_up();
    host_send(&H, 0x6F, 0, 0, 0, pps_t0, sizeof pps_t0);
    assert_int_equal(resp_status(&H), 0x40);
    assert_int_equal(resp_error(&H), 0xF6);
    host_send(&H, 0x61, 0, 0, 0, t0, sizeof t0);
    assert_int_equal(H.resp[0], 0x82);
    assert_int_equal(resp_status(&H) & 0xC0, 0x40);
    assert_int_equal(resp_error(&H), 0x07);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_libccidtwin_startup_and_one_apdu, setup),
        cmocka_unit_test_setup(test_chaining_both_ways_with_wtx, setup),
        cmocka_unit_test_setup(test_bad_lrc_gets_nak_only, setup),
        cmocka_unit_test_setup(test_t1_error_recovery, setup),
        cmocka_unit_test_setup(test_get_data_uid_answered_by_reader, setup),
        cmocka_unit_test_setup(test_card_removed_reports_absent_and_fails_xfr, setup),
        cmocka_unit_test_setup(test_card_removed_between_polls_is_noticed, setup),
        cmocka_unit_test_setup(test_atr_type_a_without_historical_bytes, setup),
        cmocka_unit_test_setup(test_atr_type_b_from_atqb_and_attrib, setup),
        cmocka_unit_test_setup(test_atr_rejects_inconsistent_ats, setup),
        cmocka_unit_test_setup(test_wrong_dwlength_and_slot_are_answered_with_errors, setup),
        cmocka_unit_test_setup(test_t0_is_refused_in_pps_and_set_parameters, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
