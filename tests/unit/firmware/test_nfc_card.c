/*
 * test_nfc_card.c — card_if over a scripted front-end: activation of type A
 * (with and without the front-end's own RATS) and type B, APDUs, presence,
 * removal and deactivation.
 */
#include "nfc_card.h"
#include "pn532.h"
#include "nfc_script.h"

static void make_type_a(nfc_target *t, uint8_t sak, const char *ats_hex)
{
    memset(t, 0, sizeof *t);
    t->tech = NFC_TECH_A;
    t->atqa[0] = 0x44;
    t->sak = sak;
    t->uid_len = 7;
    for (uint8_t i = 0; i < 7; i++)
        t->uid[i] = (uint8_t)(0x10 + i);
    t->ats_len = ats_hex ? hex_to_bytes(ats_hex, t->ats, sizeof t->ats) : 0;
}

static void test_type_a_with_chip_ats_exchange_and_deactivate(void **state)
{
    (void)state;
    static const script_step steps[] = {
        {"02 00A4040C07A0000002471001", "02 9000", KS_OK},
        {"C2", "C2", KS_OK},
    };
    script_fe s;
    script_start(&s, steps, 2);
    s.poll_a_st = KS_OK;
    make_type_a(&s.poll_target, 0x20, "05 78 80 70 02");
    nfc_card c;
    nfc_card_init(&c, &s.fe, NULL);
    card_if *ci = &c.base;
    uint8_t ats[64];
    size_t n = 0;
    bool type_b = true;
    assert_int_equal(ci->ops->activate(ci, ats, sizeof ats, &n, &type_b), KS_OK);
    assert_false(type_b);
    assert_int_equal(n, 5);
    assert_int_equal(ats[0], 0x05);
    assert_true(s.field_on);
    assert_int_equal(c.t.p.fsc, 256);

    uint8_t apdu[13], resp[16];
    hex_to_bytes("00A4040C07A0000002471001", apdu, sizeof apdu);
    assert_int_equal(ci->ops->transceive(ci, apdu, 12, resp, sizeof resp, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(resp[0], 0x90);

    uint8_t uid[10];
    assert_int_equal(ci->ops->uid(ci, uid, sizeof uid, &n), KS_OK);
    assert_int_equal(n, 7);
    assert_int_equal(uid[6], 0x16);
    assert_int_equal(ci->ops->uid(ci, uid, 4, &n), KS_ERR_TOO_LARGE);

    ci->ops->deactivate(ci);
    assert_false(s.field_on);
    assert_int_equal(s.releases, 1);
    assert_int_equal(ci->ops->transceive(ci, apdu, 12, resp, sizeof resp, &n), KS_ERR_REMOVED);
    SCRIPT_DONE(&s);
}

static void test_type_a_without_ats_sends_rats(void **state)
{
    (void)state;
    static const script_step steps[] = {{"E0 80", "03 05 00", KS_OK}, {"E0 80", "03 05 00", KS_OK}};
    script_fe s;
    script_start(&s, steps, 2);
    s.poll_a_st = KS_OK;
    make_type_a(&s.poll_target, 0x20, NULL);
    nfc_card c;
    nfc_card_init(&c, &s.fe, NULL);
    uint8_t ats[64];
    size_t n = 0;
    bool type_b = true;
    assert_int_equal(c.base.ops->activate(&c.base, ats, sizeof ats, &n, &type_b), KS_OK);
    assert_int_equal(n, 3);
    assert_int_equal(c.t.p.fsc, 64);
    assert_int_equal(c.base.ops->activate(&c.base, ats, 2, &n, &type_b), KS_ERR_TOO_LARGE);
    assert_false(s.field_on);
    SCRIPT_DONE(&s);
}

static void test_non_iso14443_4_card_is_refused(void **state)
{
    (void)state;
    script_fe s;
    script_start(&s, NULL, 0);
    s.poll_a_st = KS_OK;
    make_type_a(&s.poll_target, 0x08, NULL);
    nfc_card c;
    nfc_card_init(&c, &s.fe, NULL);
    uint8_t ats[64];
    size_t n = 0;
    bool type_b;
    assert_int_equal(c.base.ops->activate(&c.base, ats, sizeof ats, &n, &type_b),
                     KS_ERR_UNSUPPORTED);
    assert_false(s.field_on);
}

static void test_empty_field_and_type_b_fallback(void **state)
{
    (void)state;
    script_fe s;
    script_start(&s, NULL, 0);
    nfc_card c;
    nfc_card_config cfg = {.try_type_b = true, .afi = 0};
    nfc_card_init(&c, &s.fe, &cfg);
    uint8_t out[64];
    size_t n = 0;
    bool type_b = false;
    assert_int_equal(c.base.ops->activate(&c.base, out, sizeof out, &n, &type_b), KS_ERR_NOT_FOUND);
    assert_int_equal(s.polls_b, 1);
    assert_int_equal(c.base.ops->present(&c.base), KS_ERR_REMOVED);

    s.poll_b_st = KS_OK;
    memset(&s.poll_target, 0, sizeof s.poll_target);
    s.poll_target.tech = NFC_TECH_B;
    hex_to_bytes("50 11223344 00000000 00 81 71", s.poll_target.atqb, NFC_ATQB_LEN);
    memcpy(s.poll_target.uid, s.poll_target.atqb + 1, 4);
    s.poll_target.uid_len = 4;
    s.poll_target.has_attrib_res = true;
    s.poll_target.attrib_res0 = 0x10;
    assert_int_equal(c.base.ops->present(&c.base), KS_OK);
    assert_false(s.field_on); /* a presence poll leaves the field off */
    assert_int_equal(c.base.ops->activate(&c.base, out, sizeof out, &n, &type_b), KS_OK);
    assert_true(type_b);
    assert_int_equal(n, 13);
    assert_int_equal(out[0], 0x50);
    assert_int_equal(out[12], 0x10);
    assert_int_equal(c.t.p.fwi, 7);
    uint8_t uid[4];
    assert_int_equal(c.base.ops->uid(&c.base, uid, sizeof uid, &n), KS_OK);
    assert_int_equal(uid[0], 0x11);
}

static void test_presence_and_removal_mid_exchange(void **state)
{
    (void)state;
    static const script_step steps[] = {
        {"B2", "A3", KS_OK},
        {"02 00B0000000", NULL, KS_ERR_TIMEOUT},
        {"B2", NULL, KS_ERR_TIMEOUT},
        {"B2", NULL, KS_ERR_TIMEOUT},
    };
    script_fe s;
    script_start(&s, steps, 4);
    s.poll_a_st = KS_OK;
    make_type_a(&s.poll_target, 0x20, "01");
    nfc_card c;
    nfc_card_init(&c, &s.fe, NULL);
    uint8_t out[64];
    size_t n = 0;
    bool type_b;
    assert_int_equal(c.base.ops->activate(&c.base, out, sizeof out, &n, &type_b), KS_OK);
    assert_int_equal(c.base.ops->present(&c.base), KS_OK);
    uint8_t apdu[5] = {0x00, 0xB0, 0, 0, 0};
    assert_int_equal(c.base.ops->transceive(&c.base, apdu, 5, out, sizeof out, &n), KS_ERR_REMOVED);
    assert_false(c.active);
    c.base.ops->deactivate(&c.base); /* no DESELECT to a card that left */
    assert_false(s.field_on);
    SCRIPT_DONE(&s);
}

static bool link_wrote(const fake_link *l, const char *hex)
{
    uint8_t want[300];
    size_t n = hex_to_bytes(hex, want, sizeof want);
    for (size_t i = 0; i + n <= l->wlen; i++)
        if (memcmp(l->written + i, want, n) == 0)
            return true;
    return false;
}

/* The whole NFC stack over a scripted PN532: InListPassiveTarget (the chip
 * did RATS), one APDU as raw I-blocks through InCommunicateThru with a WTX
 * in between, then DESELECT, InRelease and field off. */
static void test_full_stack_over_pn532(void **state)
{
    (void)state;
    static fake_link l;
    memset(&l, 0, sizeof l);
    nfc_link link = {fl_write, fl_read, &l};
    nfc_clock clk = {fl_now, &l};
    static pn532 chip;
    pn532_init(&chip, &link, &clk, NULL);
    push_ack(&l);
    push_answer(&l, "33");                     /* field on */
    push_ack(&l);
    push_answer(&l, "4B 01 01 00 44 20 07 04 11 22 33 44 55 66 05 78 80 70 02");
    push_ack(&l);
    push_answer(&l, "33");                     /* RF timeout for FWI 7 */
    push_ack(&l);
    push_answer(&l, "43 00 F2 02");            /* card asks for WTX */
    push_ack(&l);
    push_answer(&l, "33");                     /* longer RF timeout */
    push_ack(&l);
    push_answer(&l, "43 00 02 6A 82");
    push_ack(&l);
    push_answer(&l, "33");                     /* back to FWT for DESELECT */
    push_ack(&l);
    push_answer(&l, "43 00 C2");
    push_ack(&l);
    push_answer(&l, "53 00");                  /* InRelease */
    push_ack(&l);
    push_answer(&l, "33");                     /* field off */

    static nfc_card c;
    nfc_card_init(&c, &chip.fe, NULL);
    uint8_t ats[64], resp[16];
    size_t n = 0;
    bool type_b = true;
    assert_int_equal(c.base.ops->activate(&c.base, ats, sizeof ats, &n, &type_b), KS_OK);
    assert_int_equal(n, 5);
    assert_int_equal(c.t.p.fwi, 7);
    uint8_t apdu[5] = {0x00, 0xB0, 0x9E, 0x00, 0x00};
    assert_int_equal(c.base.ops->transceive(&c.base, apdu, 5, resp, sizeof resp, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(resp[0], 0x6A);
    c.base.ops->deactivate(&c.base);
    assert_true(link_wrote(&l, "D4 32 01 01"));
    assert_true(link_wrote(&l, "D4 4A 01 00"));
    assert_true(link_wrote(&l, "D4 42 02 00 B0 9E 00 00"));
    assert_true(link_wrote(&l, "D4 42 F2 02"));
    assert_true(link_wrote(&l, "D4 42 C2"));
    assert_true(link_wrote(&l, "D4 52 01"));
    assert_true(link_wrote(&l, "D4 32 01 00"));
    assert_int_equal(l.pos, l.count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_a_with_chip_ats_exchange_and_deactivate),
        cmocka_unit_test(test_type_a_without_ats_sends_rats),
        cmocka_unit_test(test_non_iso14443_4_card_is_refused),
        cmocka_unit_test(test_empty_field_and_type_b_fallback),
        cmocka_unit_test(test_presence_and_removal_mid_exchange),
        cmocka_unit_test(test_full_stack_over_pn532),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
