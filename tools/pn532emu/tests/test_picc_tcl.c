/*
 * The emulated card's ISO/IEC 14443-4 (PICC) side: activation by RATS, the
 * ATS, I-block exchange and chaining both ways, the PICC's block-number
 * rules for R(ACK)/R(NAK), CID addressing, S(WTX) and S(DESELECT), PPS.
 * Expected blocks are built by hand from the standard's PCB layouts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake_card.h"
#include "picc_tcl.h"

typedef struct fixture {
    picc_tcl p;
    fake_card card;
    uint8_t out[PICC_TCL_MAX_FRAME];
    size_t out_len;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    picc_tcl_init(&f->p, fake_card_apdu, &f->card);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static void send(fixture *f, const uint8_t *in, size_t len)
{
    f->out_len = 99;
    assert_int_equal(picc_tcl_frame(&f->p, in, len, f->out, sizeof f->out, &f->out_len), KS_OK);
}

#define SEND(f, ...)                                  \
    do {                                              \
        const uint8_t blk_[] = {__VA_ARGS__};         \
        send((f), blk_, sizeof blk_);                 \
    } while (0)

static void activate(fixture *f, uint8_t param)
{
    SEND(f, 0xE0, param);
    assert_true(f->out_len > 5);
    assert_int_equal(f->out[0], f->out_len); /* TL counts itself */
}

static void test_rats_gives_an_ats_announcing_fsc_256_and_cid_support(void **state)
{
    fixture *f = *state;
    activate(f, 0x80);
    assert_int_equal(f->out[1] & 0x0F, 8);       /* FSCI 8: 256 bytes */
    assert_int_equal(f->out[1] & 0x70, 0x70);    /* TA, TB, TC present */
    assert_int_equal(f->out[3] >> 4, PICC_TCL_FWI);
    assert_int_equal(f->out[4] & 0x02, 0x02);    /* CID supported */
    assert_int_equal(f->p.state, PICC_TCL_ACTIVE);
    assert_int_equal(f->p.fsd, 256);
}

static void test_blocks_before_rats_get_no_answer(void **state)
{
    fixture *f = *state;
    SEND(f, 0x02, 0x00, 0xA4, 0x00, 0x00);
    assert_int_equal(f->out_len, 0);
    assert_int_equal(f->card.calls, 0);
}

static void test_i_block_is_answered_with_the_same_block_number(void **state)
{
    fixture *f = *state;
    activate(f, 0x80);
    SEND(f, 0x02, 0x00, 0x84, 0x00, 0x00, 0x08);
    const uint8_t want0[] = {0x02, 0x00, 0x84, 0x00, 0x00, 0x08, 0x90, 0x00};
    assert_int_equal(f->out_len, sizeof want0);
    assert_memory_equal(f->out, want0, sizeof want0);
    SEND(f, 0x03, 0x00, 0x84, 0x00, 0x00, 0x08);
    assert_int_equal(f->out[0], 0x03);
    assert_int_equal(f->card.calls, 2);
}

static void test_chained_command_is_acknowledged_then_run_whole(void **state)
{
    fixture *f = *state;
    activate(f, 0x80);
    SEND(f, 0x12, 0x00, 0x2A, 0x00);              /* I(0), chaining */
    assert_int_equal(f->out_len, 1);
    assert_int_equal(f->out[0], 0xA2);            /* R(ACK) block 0 */
    assert_int_equal(f->card.calls, 0);
    SEND(f, 0x13, 0x80, 0x00);                    /* I(1), chaining */
    assert_int_equal(f->out[0], 0xA3);
    SEND(f, 0x02, 0x01);                          /* I(0), last */
    const uint8_t want[] = {0x02, 0x00, 0x2A, 0x00, 0x80, 0x00, 0x01, 0x90, 0x00};
    assert_int_equal(f->out_len, sizeof want);
    assert_memory_equal(f->out, want, sizeof want);
    assert_int_equal(f->card.calls, 1);
    assert_int_equal(f->card.last_len, 6);
}

static void test_long_answer_is_chained_within_the_readers_frame_size(void **state)
{
    fixture *f = *state;
    activate(f, 0x00);                            /* FSDI 0: FSD 16, so 13 bytes of INF a block */
    assert_int_equal(f->p.fsd, 16);
    SEND(f, 0x02, 0x00, 0xB0, 0x00, 0x1E);        /* asks for 30 bytes + SW = 32 */
    size_t got = 0;
    uint8_t all[64];
    uint8_t pcd_bn = 0;
    for (int blocks = 0; blocks < 10; blocks++) {
        assert_true(f->out_len >= 1 && f->out_len <= 16 - 2);
        assert_int_equal(f->out[0] & 0xE2, 0x02);
        assert_int_equal(f->out[0] & 0x01, pcd_bn);
        memcpy(all + got, f->out + 1, f->out_len - 1);
        got += f->out_len - 1;
        pcd_bn ^= 1;
        if (!(f->out[0] & 0x10))
            break;
        SEND(f, (uint8_t)(0xA2 | pcd_bn));        /* R(ACK) for the next block */
    }
    assert_int_equal(got, 32);
    for (size_t i = 0; i < 30; i++)
        assert_int_equal(all[i], fake_pattern(i));
    assert_int_equal(all[30], 0x90);
}

static void test_nak_for_the_current_block_repeats_the_last_block(void **state)
{
    fixture *f = *state;
    activate(f, 0x80);
    SEND(f, 0x02, 0x00, 0xB0, 0x00, 0x04);
    uint8_t first[PICC_TCL_MAX_FRAME];
    size_t first_len = f->out_len;
    memcpy(first, f->out, first_len);
    SEND(f, 0xB2);                                /* R(NAK) block 0 = ours */
    assert_int_equal(f->out_len, first_len);
    assert_memory_equal(f->out, first, first_len);
    SEND(f, 0xA2);                                /* R(ACK) block 0 = ours: repeat too */
    assert_memory_equal(f->out, first, first_len);
    assert_int_equal(f->card.calls, 1);
}

static void test_nak_for_another_block_is_answered_with_an_ack(void **state)
{
    fixture *f = *state;
    activate(f, 0x80);
    SEND(f, 0xB2);                                /* ours is still 1 */
    assert_int_equal(f->out_len, 1);
    assert_int_equal(f->out[0], 0xA3);
}

static void test_cid_addressing_is_honoured(void **state)
{
    fixture *f = *state;
    activate(f, 0x83);                            /* CID 3 */
    SEND(f, 0x0A, 0x02, 0x00, 0x84, 0x00, 0x00);  /* CID 2: not us */
    assert_int_equal(f->out_len, 0);
    SEND(f, 0x02, 0x00, 0x84, 0x00, 0x00);        /* no CID while ours is 3 */
    assert_int_equal(f->out_len, 0);
    SEND(f, 0x0A, 0x03, 0x00, 0x84, 0x00, 0x00);
    assert_true(f->out_len >= 4);
    assert_int_equal(f->out[0], 0x0A);
    assert_int_equal(f->out[1], 0x03);
    assert_int_equal(f->card.calls, 1);
}

static void test_wtx_requests_precede_the_answer_when_asked_for(void **state)
{
    fixture *f = *state;
    f->p.wtx_per_apdu = 2;
    activate(f, 0x80);
    SEND(f, 0x02, 0x00, 0x84, 0x00, 0x00);
    assert_int_equal(f->out_len, 2);
    assert_int_equal(f->out[0], 0xF2);
    assert_int_equal(f->out[1], 0x01);
    SEND(f, 0xF2, 0x01);
    assert_int_equal(f->out[0], 0xF2);
    SEND(f, 0xB2);                                /* lost: the S(WTX) is sent again */
    assert_int_equal(f->out[0], 0xF2);
    SEND(f, 0xF2, 0x01);
    assert_int_equal(f->out[0], 0x02);
    assert_int_equal(f->out_len, 7);
    assert_int_equal(f->card.calls, 1);
}

static void test_deselect_is_confirmed_and_silences_the_card(void **state)
{
    fixture *f = *state;
    activate(f, 0x80);
    SEND(f, 0xC2);
    assert_int_equal(f->out_len, 1);
    assert_int_equal(f->out[0], 0xC2);
    SEND(f, 0x02, 0x00, 0x84, 0x00, 0x00);
    assert_int_equal(f->out_len, 0);
    assert_int_equal(f->p.state, PICC_TCL_HALT);
}

static void test_pps_right_after_ats_is_confirmed(void **state)
{
    fixture *f = *state;
    activate(f, 0x81);
    SEND(f, 0xD1, 0x11, 0x00);
    assert_int_equal(f->out_len, 1);
    assert_int_equal(f->out[0], 0xD1);
}

static void test_truncated_and_garbage_blocks_never_crash(void **state)
{
    fixture *f = *state;
    activate(f, 0x80);
    uint8_t blk[8];
    uint32_t x = 99;
    for (int i = 0; i < 20000; i++) {
        x = x * 1664525u + 1013904223u;
        size_t n = (x >> 28) % sizeof blk;
        for (size_t k = 0; k < n; k++)
            blk[k] = (uint8_t)(x >> (k * 3));
        f->out_len = 0;
        assert_int_equal(picc_tcl_frame(&f->p, blk, n, f->out, sizeof f->out, &f->out_len),
                         KS_OK);
        assert_true(f->out_len <= f->p.fsd);
        if (f->p.state == PICC_TCL_HALT)
            picc_tcl_reset(&f->p), activate(f, 0x80);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rats_gives_an_ats_announcing_fsc_256_and_cid_support, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocks_before_rats_get_no_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_i_block_is_answered_with_the_same_block_number, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chained_command_is_acknowledged_then_run_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_answer_is_chained_within_the_readers_frame_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nak_for_the_current_block_repeats_the_last_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nak_for_another_block_is_answered_with_an_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cid_addressing_is_honoured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wtx_requests_precede_the_answer_when_asked_for, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deselect_is_confirmed_and_silences_the_card, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pps_right_after_ats_is_confirmed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_and_garbage_blocks_never_crash, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
