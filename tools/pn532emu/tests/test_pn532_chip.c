/*
 * The emulated PN532's commands as a host sees them: identification and
 * the communication test libnfc starts with, the register file, target
 * listing with the ATS, InDataExchange including MI chaining both ways,
 * InCommunicateThru to the card's T=CL layer, the card leaving the field,
 * and unknown commands.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake_card.h"
#include "pn532_chip.h"

typedef struct fixture {
    pn532_chip chip;
    fake_card card;
    uint8_t out[300];
    size_t out_len;
} fixture;

static const uint8_t uid4[4] = {0x08, 0x11, 0x22, 0x33};

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(pn532_chip_init(&f->chip, uid4, 4, fake_card_apdu, &f->card), KS_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static ks_status run(fixture *f, const uint8_t *cmd, size_t len)
{
    f->out_len = 0;
    return pn532_chip_command(&f->chip, cmd, len, f->out, sizeof f->out, &f->out_len);
}

#define RUN(f, ...)                                   \
    do {                                              \
        const uint8_t cmd_[] = {__VA_ARGS__};         \
        assert_int_equal(run((f), cmd_, sizeof cmd_), KS_OK); \
    } while (0)

static void list_target(fixture *f)
{
    RUN(f, 0x4A, 0x01, 0x00);
    assert_int_equal(f->out[0], 0x4B);
    assert_int_equal(f->out[1], 1);
}

static void test_firmware_version_says_pn532_v1_6(void **state)
{
    fixture *f = *state;
    RUN(f, 0x02);
    const uint8_t want[] = {0x03, 0x32, 0x01, 0x06, 0x07};
    assert_int_equal(f->out_len, sizeof want);
    assert_memory_equal(f->out, want, sizeof want);
}

static void test_communication_test_echoes_its_data(void **state)
{
    fixture *f = *state;
    RUN(f, 0x00, 0x00, 'l', 'i', 'b', 'n', 'f', 'c');
    const uint8_t want[] = {0x01, 0x00, 'l', 'i', 'b', 'n', 'f', 'c'};
    assert_int_equal(f->out_len, sizeof want);
    assert_memory_equal(f->out, want, sizeof want);
}

static void test_registers_read_back_what_was_written(void **state)
{
    fixture *f = *state;
    RUN(f, 0x08, 0x63, 0x02, 0x80, 0x63, 0x03, 0x81);
    assert_int_equal(f->out_len, 1);
    assert_int_equal(f->out[0], 0x09);
    RUN(f, 0x06, 0x63, 0x02, 0x63, 0x03, 0x63, 0x04, 0x12, 0x34);
    const uint8_t want[] = {0x07, 0x80, 0x81, 0x80, 0x00};
    assert_int_equal(f->out_len, sizeof want);
    assert_memory_equal(f->out, want, sizeof want);
}

static void test_listing_finds_one_iso14443_4_target_with_its_ats(void **state)
{
    fixture *f = *state;
    list_target(f);
    assert_int_equal(f->out[2], 0x01);           /* Tg */
    assert_int_equal(f->out[3], 0x00);           /* ATQA 00 04 */
    assert_int_equal(f->out[4], 0x04);
    assert_int_equal(f->out[5], 0x20);           /* SAK: ISO 14443-4 */
    assert_int_equal(f->out[6], 4);
    assert_memory_equal(f->out + 7, uid4, 4);
    assert_int_equal(f->out[11], f->out_len - 11); /* ATS with its TL */
    RUN(f, 0x4A, 0x01, 0x03, 0x00);              /* type B: nothing there */
    assert_int_equal(f->out[1], 0);
}

static void test_data_exchange_passes_an_apdu_to_the_card(void **state)
{
    fixture *f = *state;
    list_target(f);
    RUN(f, 0x40, 0x01, 0x00, 0x84, 0x00, 0x00, 0x08);
    const uint8_t want[] = {0x41, 0x00, 0x00, 0x84, 0x00, 0x00, 0x08, 0x90, 0x00};
    assert_int_equal(f->out_len, sizeof want);
    assert_memory_equal(f->out, want, sizeof want);
    RUN(f, 0x40, 0x01, 0x00, 0x84, 0x00, 0x00, 0x08); /* block numbers keep in step */
    assert_int_equal(f->out[1], 0x00);
    assert_int_equal(f->card.calls, 2);
}

static void test_answers_over_262_bytes_come_in_mi_parts(void **state)
{
    fixture *f = *state;
    list_target(f);
    RUN(f, 0x40, 0x01, 0x00, 0xB0, 0x01, 0x2C); /* 300 bytes + SW */
    assert_int_equal(f->out[1], PN532_STATUS_MI);
    assert_int_equal(f->out_len, 2 + PN532_IDE_MAX_DATA);
    for (size_t i = 0; i < PN532_IDE_MAX_DATA; i++)
        assert_int_equal(f->out[2 + i], fake_pattern(i));
    RUN(f, 0x40, 0x01);
    assert_int_equal(f->out[1], 0x00);
    assert_int_equal(f->out_len, 2 + 302 - PN532_IDE_MAX_DATA);
    assert_int_equal(f->out[2], fake_pattern(PN532_IDE_MAX_DATA));
    assert_int_equal(f->out[f->out_len - 2], 0x90);
    assert_int_equal(f->card.calls, 1);
}

static void test_host_chaining_with_mi_builds_one_apdu(void **state)
{
    fixture *f = *state;
    list_target(f);
    RUN(f, 0x40, 0x41, 0x00, 0x2A, 0x00);
    assert_int_equal(f->out_len, 2);
    assert_int_equal(f->card.calls, 0);
    RUN(f, 0x40, 0x01, 0x80, 0x00, 0x01);
    assert_int_equal(f->card.calls, 1);
    assert_int_equal(f->card.last_len, 6);
}

static void test_communicate_thru_reaches_the_cards_tcl_layer(void **state)
{
    fixture *f = *state;
    RUN(f, 0x12, 0x00);                          /* no automatic RATS */
    list_target(f);
    assert_int_equal(f->out_len, 11);            /* no ATS in the listing */
    RUN(f, 0x42, 0xE0, 0x80);                    /* RATS */
    assert_int_equal(f->out[0], 0x43);
    assert_int_equal(f->out[1], 0x00);
    assert_int_equal(f->out[2], f->out_len - 2);
    RUN(f, 0x42, 0x02, 0x00, 0x84, 0x00, 0x00);  /* I(0) */
    assert_int_equal(f->out[1], 0x00);
    assert_int_equal(f->out[2], 0x02);
    RUN(f, 0x42, 0xC2);                          /* DESELECT */
    assert_int_equal(f->out[2], 0xC2);
    RUN(f, 0x42, 0x03, 0x00, 0x84, 0x00, 0x00);  /* a halted card is mute: timeout */
    assert_int_equal(f->out_len, 2);
    assert_int_equal(f->out[1], PN532_ST_TIMEOUT);
}

static void test_card_leaving_times_out_then_is_released_and_not_listed(void **state)
{
    fixture *f = *state;
    f->chip.remove_after = 1;
    list_target(f);
    RUN(f, 0x40, 0x01, 0x00, 0x84, 0x00, 0x00, 0x08);
    assert_int_equal(f->out[1], 0x00);           /* the first APDU is answered */
    RUN(f, 0x40, 0x01, 0x00, 0x84, 0x00, 0x00, 0x08);
    assert_int_equal(f->out[1], PN532_ST_TIMEOUT);
    RUN(f, 0x40, 0x01, 0x00, 0x84, 0x00, 0x00, 0x08);
    assert_int_equal(f->out[1], PN532_ST_RELEASED);
    RUN(f, 0x00, 0x06);                          /* presence test fails */
    assert_int_not_equal(f->out[1], 0x00);
    RUN(f, 0x4A, 0x01, 0x00);
    assert_int_equal(f->out[1], 0);
    assert_int_equal(f->card.calls, 1);
}

static unsigned resets;
static void count_reset(void *ctx)
{
    (void)ctx;
    resets++;
}

static void test_card_is_reset_on_each_activation_and_field_off(void **state)
{
    fixture *f = *state;
    resets = 0;
    pn532_chip_set_card_reset(&f->chip, count_reset);
    list_target(f);
    assert_int_equal(resets, 1);
    RUN(f, 0x32, 0x01, 0x00);                    /* field off */
    assert_int_equal(resets, 2);
    RUN(f, 0x40, 0x01, 0x00, 0x84, 0x00, 0x00);  /* no target any more */
    assert_int_not_equal(f->out[1], 0x00);
    list_target(f);
    assert_int_equal(resets, 3);
}

static void test_unknown_and_short_commands_are_refused(void **state)
{
    fixture *f = *state;
    const uint8_t unknown[] = {0x7E, 0x00};
    assert_int_equal(run(f, unknown, sizeof unknown), KS_ERR_UNSUPPORTED);
    const uint8_t short_list[] = {0x4A};
    assert_int_equal(run(f, short_list, sizeof short_list), KS_ERR_UNSUPPORTED);
    const uint8_t odd_read[] = {0x06, 0x63};
    assert_int_equal(run(f, odd_read, sizeof odd_read), KS_ERR_UNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_firmware_version_says_pn532_v1_6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_communication_test_echoes_its_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registers_read_back_what_was_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listing_finds_one_iso14443_4_target_with_its_ats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_exchange_passes_an_apdu_to_the_card, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answers_over_262_bytes_come_in_mi_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_chaining_with_mi_builds_one_apdu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_communicate_thru_reaches_the_cards_tcl_layer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_card_leaving_times_out_then_is_released_and_not_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_card_is_reset_on_each_activation_and_field_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_and_short_commands_are_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
