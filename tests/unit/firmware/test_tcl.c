/*
 * test_tcl.c — ISO 14443-4 PCD behaviour against scripted card answers.
 */
#include "nfc_script.h"
#include "tcl.h"

#define RUN(t, params, steps) \
    script_fe s_; \
    script_start(&s_, steps, sizeof steps / sizeof steps[0]); \
    tcl t; \
    tcl_init(&t, &s_.fe, params)

static const tcl_params fsc16 = {.fsc = 16, .fwi = 4, .sfgi = 0, .cid_supported = true};
static const tcl_params fsc256 = {.fsc = 256, .fwi = 4, .sfgi = 0, .cid_supported = true};

static void test_plain_exchange_toggles_block_number(void **state)
{
    (void)state;
    static const script_step steps[] = {
        {"02 00A4040C", "02 9000", KS_OK},
        {"03 00B00000", "03 0102 9000", KS_OK},
        {"02 00B00002", "02 6A82", KS_OK},
    };
    RUN(t, &fsc256, steps);
    uint8_t cmd[4], resp[32];
    size_t n = 0;
    hex_to_bytes("00A4040C", cmd, 4);
    assert_int_equal(tcl_exchange(&t, cmd, 4, resp, sizeof resp, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(resp[0], 0x90);
    hex_to_bytes("00B00000", cmd, 4);
    assert_int_equal(tcl_exchange(&t, cmd, 4, resp, sizeof resp, &n), KS_OK);
    assert_int_equal(n, 4);
    assert_int_equal(resp[1], 0x02);
    hex_to_bytes("00B00002", cmd, 4);
    assert_int_equal(tcl_exchange(&t, cmd, 4, resp, sizeof resp, &n), KS_OK);
    assert_int_equal(resp[0], 0x6A);
    SCRIPT_DONE(&s_);
}

/* FSC 16 leaves 13 INF bytes per block: 30 bytes go as 13 + 13 + 4. */
static void test_pcd_chaining_at_small_fsc(void **state)
{
    (void)state;
    static const script_step steps2[] = {
        {"12 000102030405060708090A0B0C", "A2", KS_OK},
        {"13 0D0E0F10111213141516171819", "A3", KS_OK},
        {"02 1A1B1C1D", "02 9000", KS_OK},
    };
    RUN(t, &fsc16, steps2);
    uint8_t cmd[30], resp[8];
    for (uint8_t i = 0; i < 30; i++)
        cmd[i] = i;
    size_t n = 0;
    assert_int_equal(tcl_exchange(&t, cmd, sizeof cmd, resp, sizeof resp, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(t.block_num, 1);
    SCRIPT_DONE(&s_);
}

static void test_picc_chaining_is_acknowledged_and_joined(void **state)
{
    (void)state;
    static const script_step steps[] = {
        {"02 00B0000000", "12 AABBCC", KS_OK},
        {"A3", "13 DDEE", KS_OK},
        {"A2", "02 FF 9000", KS_OK},
    };
    RUN(t, &fsc16, steps);
    uint8_t cmd[5] = {0x00, 0xB0, 0, 0, 0}, resp[16];
    size_t n = 0;
    assert_int_equal(tcl_exchange(&t, cmd, 5, resp, sizeof resp, &n), KS_OK);
    uint8_t want[] = {0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x90, 0x00};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(resp, want, sizeof want);
    assert_int_equal(t.block_num, 1);
    SCRIPT_DONE(&s_);
}

static void test_wtx_chain_is_answered_and_extends_one_wait(void **state)
{
    (void)state;
    static const script_step steps[] = {
        {"02 0088000000", "F2 01", KS_OK},
        {"F2 01", "F2 03", KS_OK},
        {"F2 03", "F2 3B", KS_OK},
        {"F2 3B", "02 9000", KS_OK},
    };
    RUN(t, &fsc256, steps);
    uint8_t cmd[5] = {0x00, 0x88, 0, 0, 0}, resp[8];
    size_t n = 0;
    assert_int_equal(tcl_exchange(&t, cmd, 5, resp, sizeof resp, &n), KS_OK);
    uint32_t fwt = tcl_fwt_us(4);
    assert_true(s_.timeouts[0] >= fwt && s_.timeouts[0] < fwt + 10000);
    assert_true(s_.timeouts[2] >= 3 * fwt); /* after WTXM 3 */
    assert_true(s_.timeouts[3] >= 59 * fwt && s_.timeouts[3] < 59 * fwt + 10000);
    SCRIPT_DONE(&s_);
}

static void test_wtx_wait_is_capped_at_fwt_max(void **state)
{
    (void)state;
    static const tcl_params slow = {.fsc = 64, .fwi = 12};
    static const script_step steps[] = {
        {"02 00", "F2 3B", KS_OK},
        {"F2 3B", "02 9000", KS_OK},
    };
    RUN(t, &slow, steps);
    uint8_t cmd[1] = {0}, resp[8];
    size_t n = 0;
    assert_int_equal(tcl_exchange(&t, cmd, 1, resp, sizeof resp, &n), KS_OK);
    /* 59 * FWT(12) is about 71 s; the wait is FWT(14) plus delta. */
    assert_true(s_.timeouts[1] >= tcl_fwt_us(14) && s_.timeouts[1] < tcl_fwt_us(14) + 10000);
    SCRIPT_DONE(&s_);
}

static void test_lost_i_block_is_recovered_by_nak_and_resend(void **state)
{
    (void)state;
    static const script_step steps[] = {
        {"02 00A4", NULL, KS_ERR_TIMEOUT},
        {"B2", "A3", KS_OK},             /* card never saw block 0 */
        {"02 00A4", "02 9000", KS_OK},   /* rule 6: resend */
    };
    RUN(t, &fsc256, steps);
    uint8_t cmd[2] = {0x00, 0xA4}, resp[8];
    size_t n = 0;
    assert_int_equal(tcl_exchange(&t, cmd, 2, resp, sizeof resp, &n), KS_OK);
    assert_int_equal(n, 2);
    SCRIPT_DONE(&s_);
}

static void test_lost_answer_is_resent_by_card_after_nak(void **state)
{
    (void)state;
    static const script_step steps[] = {
        {"02 00A4", NULL, KS_ERR_MALFORMED}, /* CRC error on the answer */
        {"B2", "02 6700", KS_OK},
    };
    RUN(t, &fsc256, steps);
    uint8_t cmd[2] = {0x00, 0xA4}, resp[8];
    size_t n = 0;
    assert_int_equal(tcl_exchange(&t, cmd, 2, resp, sizeof resp, &n), KS_OK);
    assert_int_equal(resp[0], 0x67);
    SCRIPT_DONE(&s_);
}

static void test_corrupted_r_block_mid_chain_is_recovered(void **state)
{
    (void)state;
    static const script_step steps[] = {
        {"12 000102030405060708090A0B0C", "A2 55", KS_OK}, /* R-block with INF: invalid */
        {"B2", "A2", KS_OK},                               /* card had it: continue */
        {"13 0D0E0F10111213141516171819", "A3", KS_OK},
        {"02 1A1B1C1D", "02 9000", KS_OK},
    };
    RUN(t, &fsc16, steps);
    uint8_t cmd[30], resp[8];
    for (uint8_t i = 0; i < 30; i++)
        cmd[i] = i;
    size_t n = 0;
    assert_int_equal(tcl_exchange(&t, cmd, sizeof cmd, resp, sizeof resp, &n), KS_OK);
    SCRIPT_DONE(&s_);
}

static void test_card_removed_mid_chain_gives_removed_after_retries(void **state)
{
    (void)state;
    static const script_step steps[] = {
        {"12 000102030405060708090A0B0C", "A2", KS_OK},
        {"13 0D0E0F10111213141516171819", NULL, KS_ERR_TIMEOUT},
        {"B3", NULL, KS_ERR_TIMEOUT},
        {"B3", NULL, KS_ERR_TIMEOUT},
    };
    RUN(t, &fsc16, steps);
    uint8_t cmd[30] = {0}, resp[8];
    for (uint8_t i = 0; i < 30; i++)
        cmd[i] = i;
    size_t n = 0;
    assert_int_equal(tcl_exchange(&t, cmd, sizeof cmd, resp, sizeof resp, &n), KS_ERR_REMOVED);
    SCRIPT_DONE(&s_);
}

static void test_card_removed_while_it_chains_uses_r_ack(void **state)
{
    (void)state;
    static const script_step steps[] = {
        {"02 00B0", "12 AA", KS_OK},
        {"A3", NULL, KS_ERR_TIMEOUT},
        {"A3", "13 BB", KS_OK},          /* rule 5: R(ACK) again */
        {"A2", NULL, KS_ERR_TIMEOUT},
        {"A2", NULL, KS_ERR_TIMEOUT},
        {"A2", NULL, KS_ERR_TIMEOUT},
    };
    RUN(t, &fsc16, steps);
    uint8_t cmd[2] = {0x00, 0xB0}, resp[8];
    size_t n = 0;
    assert_int_equal(tcl_exchange(&t, cmd, 2, resp, sizeof resp, &n), KS_ERR_REMOVED);
    SCRIPT_DONE(&s_);
}

static void test_front_end_removed_status_is_passed_on(void **state)
{
    (void)state;
    static const script_step steps[] = {{"02 00", NULL, KS_ERR_REMOVED}};
    RUN(t, &fsc16, steps);
    uint8_t cmd[1] = {0}, resp[8];
    size_t n = 0;
    assert_int_equal(tcl_exchange(&t, cmd, 1, resp, sizeof resp, &n), KS_ERR_REMOVED);
}

static void test_protocol_breaking_card_gives_transport_error(void **state)
{
    (void)state;
    static const script_step steps[] = {
        {"02 00", "A2", KS_OK}, /* R(ACK) with our number for an unchained block */
        {"B2", "C2", KS_OK},    /* S(DESELECT) from a card */
        {"B2", "03 9000", KS_OK}, /* wrong block number */
    };
    RUN(t, &fsc16, steps);
    uint8_t cmd[1] = {0}, resp[8];
    size_t n = 0;
    assert_int_equal(tcl_exchange(&t, cmd, 1, resp, sizeof resp, &n), KS_ERR_TRANSPORT);
    SCRIPT_DONE(&s_);
}

static void test_too_long_answer_is_drained_then_refused(void **state)
{
    (void)state;
    static const script_step steps[] = {
        {"02 00", "12 01020304", KS_OK},
        {"A3", "03 0506 9000", KS_OK},
        {"02 00", "02 9000", KS_OK}, /* next exchange still in step */
    };
    RUN(t, &fsc16, steps);
    uint8_t cmd[1] = {0}, resp[5];
    size_t n = 0;
    assert_int_equal(tcl_exchange(&t, cmd, 1, resp, sizeof resp, &n), KS_ERR_TOO_LARGE);
    assert_int_equal(tcl_exchange(&t, cmd, 1, resp, sizeof resp, &n), KS_OK);
    assert_int_equal(n, 2);
    SCRIPT_DONE(&s_);
}

static void test_card_cid_and_nad_bytes_are_skipped(void **state)
{
    (void)state;
    static const script_step steps[] = {{"02 00", "0E 00 77 9000", KS_OK}};
    RUN(t, &fsc16, steps);
    uint8_t cmd[1] = {0}, resp[5];
    size_t n = 0;
    assert_int_equal(tcl_exchange(&t, cmd, 1, resp, sizeof resp, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(resp[0], 0x90);
}

static void test_deselect_and_its_retry(void **state)
{
    (void)state;
    static const script_step steps[] = {
        {"C2", NULL, KS_ERR_TIMEOUT},
        {"C2", "C2", KS_OK},
        {"C2", NULL, KS_ERR_TIMEOUT},
        {"C2", NULL, KS_ERR_TIMEOUT},
        {"C2", NULL, KS_ERR_TIMEOUT},
    };
    RUN(t, &fsc16, steps);
    assert_int_equal(tcl_deselect(&t), KS_OK);
    assert_int_equal(tcl_deselect(&t), KS_ERR_TIMEOUT);
    SCRIPT_DONE(&s_);
}

static void test_presence_ping(void **state)
{
    (void)state;
    static const script_step steps[] = {
        {"B2", "A3", KS_OK},
        {"B2", NULL, KS_ERR_TIMEOUT},
        {"B2", NULL, KS_ERR_TIMEOUT},
        {"B2", NULL, KS_ERR_TIMEOUT},
    };
    RUN(t, &fsc16, steps);
    assert_int_equal(tcl_presence(&t), KS_OK);
    assert_int_equal(tcl_presence(&t), KS_ERR_REMOVED);
    SCRIPT_DONE(&s_);
}

static void test_rats_parses_ats_and_sets_parameters(void **state)
{
    (void)state;
    static const script_step steps[] = {
        {"E0 80", "05 78 80 B1 02", KS_OK},
    };
    script_fe s;
    script_start(&s, steps, 1);
    tcl t;
    uint8_t ats[16];
    size_t n = 0;
    assert_int_equal(tcl_rats(&t, &s.fe, ats, sizeof ats, &n), KS_OK);
    assert_int_equal(n, 5);
    assert_int_equal(t.p.fsc, 256);
    assert_int_equal(t.p.fwi, 11);
    assert_int_equal(t.p.sfgi, 1);
    assert_true(t.p.cid_supported);
    assert_false(t.p.nad_supported);
    assert_int_equal(t.block_num, 0);
    assert_true(s.clock > 1); /* SFGT was waited on the clock */
}

static void test_ats_decoding_defaults_and_errors(void **state)
{
    (void)state;
    tcl_params p;
    uint8_t tl_only[] = {0x01};
    assert_int_equal(tcl_parse_ats(tl_only, 1, &p), KS_OK);
    assert_int_equal(p.fsc, 32);
    assert_int_equal(p.fwi, 4);
    uint8_t fwi15[] = {0x03, 0x25, 0xFF};
    assert_int_equal(tcl_parse_ats(fwi15, 3, &p), KS_OK);
    assert_int_equal(p.fsc, 64);
    assert_int_equal(p.fwi, 4);
    assert_int_equal(p.sfgi, 0);
    uint8_t bad_tl[] = {0x05, 0x78};
    assert_int_equal(tcl_parse_ats(bad_tl, 2, &p), KS_ERR_MALFORMED);
    uint8_t short_tb[] = {0x02, 0x70};
    assert_int_equal(tcl_parse_ats(short_tb, 2, &p), KS_ERR_TRUNCATED);
    uint8_t atqb[12] = {0x50, 1, 2, 3, 4, 0, 0, 0, 0, 0x00, 0x81, 0x71};
    assert_int_equal(tcl_parse_atqb(atqb, 12, &p), KS_OK);
    assert_int_equal(p.fsc, 256);
    assert_int_equal(p.fwi, 7);
    assert_true(p.cid_supported);
    atqb[10] = 0x80;
    assert_int_equal(tcl_parse_atqb(atqb, 12, &p), KS_ERR_UNSUPPORTED);
    assert_int_equal(tcl_fwt_us(0), 303);
    assert_int_equal(tcl_fwt_us(4), 4834);
}

static void test_block_parser_rejects_bad_blocks(void **state)
{
    (void)state;
    tcl_block b;
    uint8_t wtx0[] = {0xF2, 0x00};
    assert_int_not_equal(tcl_parse_block(wtx0, 2, &b), KS_OK);
    uint8_t wtx60[] = {0xF2, 60};
    assert_int_not_equal(tcl_parse_block(wtx60, 2, &b), KS_OK);
    uint8_t wtx_power[] = {0xF2, 0x41};
    assert_int_equal(tcl_parse_block(wtx_power, 2, &b), KS_OK);
    assert_int_equal(b.wtxm, 1);
    uint8_t params[] = {0xD2};
    assert_int_equal(tcl_parse_block(params, 1, &b), KS_ERR_UNSUPPORTED);
    uint8_t cid1[] = {0x0A, 0x01, 0x90};
    assert_int_equal(tcl_parse_block(cid1, 3, &b), KS_ERR_MALFORMED);
    uint8_t cid_missing[] = {0x0A};
    assert_int_equal(tcl_parse_block(cid_missing, 1, &b), KS_ERR_TRUNCATED);
    uint8_t junk[] = {0x42};
    assert_int_equal(tcl_parse_block(junk, 1, &b), KS_ERR_MALFORMED);
    uint8_t rnak[] = {0xB3};
    assert_int_equal(tcl_parse_block(rnak, 1, &b), KS_OK);
    assert_true(b.nak);
    assert_int_equal(b.block_num, 1);
    assert_int_equal(tcl_parse_block(rnak, 0, &b), KS_ERR_TRUNCATED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_exchange_toggles_block_number),
        cmocka_unit_test(test_pcd_chaining_at_small_fsc),
        cmocka_unit_test(test_picc_chaining_is_acknowledged_and_joined),
        cmocka_unit_test(test_wtx_chain_is_answered_and_extends_one_wait),
        cmocka_unit_test(test_wtx_wait_is_capped_at_fwt_max),
        cmocka_unit_test(test_lost_i_block_is_recovered_by_nak_and_resend),
        cmocka_unit_test(test_lost_answer_is_resent_by_card_after_nak),
        cmocka_unit_test(test_corrupted_r_block_mid_chain_is_recovered),
        cmocka_unit_test(test_card_removed_mid_chain_gives_removed_after_retries),
        cmocka_unit_test(test_card_removed_while_it_chains_uses_r_ack),
        cmocka_unit_test(test_front_end_removed_status_is_passed_on),
        cmocka_unit_test(test_protocol_breaking_card_gives_transport_error),
        cmocka_unit_test(test_too_long_answer_is_drained_then_refused),
        cmocka_unit_test(test_card_cid_and_nad_bytes_are_skipped),
        cmocka_unit_test(test_deselect_and_its_retry),
        cmocka_unit_test(test_presence_ping),
        cmocka_unit_test(test_rats_parses_ats_and_sets_parameters),
        cmocka_unit_test(test_ats_decoding_defaults_and_errors),
        cmocka_unit_test(test_block_parser_rejects_bad_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
