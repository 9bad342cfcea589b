/*
 * The emulated chip's file system and length rules, on files readable
 * without BAC (EF.CardAccess in the MF): SELECT, READ BINARY B0/B1, SFI,
 * offsets, 6282/6B00/6A82, short and extended Le, and --no-extended.
 */
#include "vc_test_util.h"

#include <stdlib.h>

#define BIG_LEN 40000u

typedef struct fixture {
    vc_card card;
    vc_os os;
} fixture;

static uint8_t big[BIG_LEN];

static int setup_with(void **state, bool extended)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    vc_card_init(&f->card);
    assert_int_equal(vc_card_set_mrz(&f->card, "099012345", "990815", "390815"), KS_OK);
    for (size_t i = 0; i < BIG_LEN; i++)
        big[i] = (uint8_t)(i * 7 + (i >> 8));
    /* EF.CardAccess, made large so offsets above 32767 can be read. */
    assert_int_equal(vc_card_add_file(&f->card, 0x011C, big, BIG_LEN), KS_OK);
    assert_int_equal(vc_card_add_file(&f->card, 0x0101, big, 90), KS_OK);
    /* A small MF file (EF.ATR/INFO's FID) for end-of-file reads with B0. */
    assert_int_equal(vc_card_add_file(&f->card, 0x2F01, big, 90), KS_OK);
    assert_int_equal(vc_os_init(&f->os, &f->card, extended), KS_OK);
    *state = f;
    return 0;
}

static int setup(void **state) { return setup_with(state, true); }
static int setup_short(void **state) { return setup_with(state, false); }

static int teardown(void **state)
{
    fixture *f = *state;
    vc_os_free(&f->os);
    vc_card_free(&f->card);
    free(f);
    return 0;
}

static void select_application_by_aid_with_p2_0c_or_00(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "00A4040C07A0000002471001"), "9000");
    assert_true(f->os.app_selected);
    vt_expect(vt_run(&f->os, "00A4040007A000000247100100"), "9000");
    vt_expect(vt_run(&f->os, "00A4040C07A0000002471002"), "6A82");
}

static void select_mf_with_or_without_its_fid(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "00A4040C07A0000002471001"), "9000");
    vt_expect(vt_run(&f->os, "00A4000C"), "9000");
    assert_false(f->os.app_selected);
    vt_expect(vt_run(&f->os, "00A4000C023F00"), "9000");
}

static void card_access_is_readable_without_authentication(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "00A4020C02011C"), "9000");
    size_t n = vt_run(&f->os, "00B0000004");
    assert_int_equal(n, 6);
    assert_memory_equal(vt_out, big, 4);
    assert_int_equal(vt_sw(n), 0x9000);
}

static void select_ef_with_p2_04_returns_the_fcp(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "00A4020402011C00"), "620B 80029C40 820101 8302011C 9000");
}

static void unknown_file_answers_6a82(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "00A4020C020177"), "6A82");
    vt_expect(vt_run(&f->os, "00B0850000"), "6A82");
    /* DG1 exists, but only inside the application. */
    vt_expect(vt_run(&f->os, "00A4020C020101"), "6A82");
}

static void read_binary_by_sfi_uses_p2_as_offset(void **state)
{
    fixture *f = *state;
    size_t n = vt_run(&f->os, "00B09C1003");
    assert_int_equal(n, 5);
    assert_memory_equal(vt_out, big + 0x10, 3);
    /* The SFI read made EF.CardAccess current. */
    n = vt_run(&f->os, "00B0000102");
    assert_memory_equal(vt_out, big + 1, 2);
}

static void short_le_00_means_256(void **state)
{
    fixture *f = *state;
    size_t n = vt_run(&f->os, "00B09C0000");
    assert_int_equal(n, 258);
    assert_int_equal(vt_sw(n), 0x9000);
}

static void read_past_the_end_returns_the_rest_with_6282(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "00A4020C022F01"), "9000");
    /* offset 80 of 90: 10 bytes left, 20 asked */
    size_t n = vt_run(&f->os, "00B0005014");
    assert_int_equal(n, 12);
    assert_memory_equal(vt_out, big + 80, 10);
    assert_int_equal(vt_sw(n), 0x6282);
    /* exactly the rest: 9000 */
    n = vt_run(&f->os, "00B000500A");
    assert_int_equal(vt_sw(n), 0x9000);
    assert_int_equal(n, 12);
}

static void offset_beyond_the_end_answers_6b00(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "00A4020C022F01"), "9000");
    vt_expect(vt_run(&f->os, "00B0005A01"), "6B00");
    vt_expect(vt_run(&f->os, "00B07FFF01"), "6B00");
    vt_expect(vt_run(&f->os, "00B1000005540300FFFF00"), "6B00");
}

static void read_binary_without_a_current_ef_answers_6986(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "00B0000004"), "6986");
}

static void odd_read_binary_reads_above_32767(void **state)
{
    fixture *f = *state;
    /* P1-P2 = FID 011C, DO'54 offset 0x8000, Le 8: DO'53 of 6 bytes. */
    size_t n = vt_run(&f->os, "00B1011C04540280 0008");
    assert_int_equal(n, 10);
    assert_int_equal(vt_out[0], 0x53);
    assert_int_equal(vt_out[1], 6);
    assert_memory_equal(vt_out + 2, big + 0x8000, 6);
    assert_int_equal(vt_sw(n), 0x9000);
    /* The current EF (P1-P2 = 0000), near the end: 6282 with the rest. */
    n = vt_run(&f->os, "00B1011C05540300 9C3E 00");
    assert_int_equal(vt_sw(n), 0x6282);
    assert_int_equal(vt_out[1], 2);
    assert_memory_equal(vt_out + 2, big + 39998, 2);
    /* An SFI in P2. */
    n = vt_run(&f->os, "00B1001C0354010105");
    assert_memory_equal(vt_out + 2, big + 1, 3);
    vt_expect(vt_run(&f->os, "00B1000003530100 05"), "6A80");
}

static void extended_le_returns_up_to_ne(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "00A4020C02011C"), "9000");
    size_t n = vt_run(&f->os, "00B00000 000400");
    assert_int_equal(n, 0x400 + 2);
    assert_memory_equal(vt_out, big, 0x400);
    /* Ne = 65536 (0000): the whole 40000-byte file, end reached first. */
    n = vt_run(&f->os, "00B00000 000000");
    assert_int_equal(n, BIG_LEN + 2);
    assert_int_equal(vt_sw(n), 0x6282);
}

static void extended_apdus_answer_6700_when_extended_length_is_off(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "00A4020C02011C"), "9000");
    vt_expect(vt_run(&f->os, "00B00000 000400"), "6700");
    vt_expect(vt_run(&f->os, "00A4020C 000002 011C"), "6700");
    size_t n = vt_run(&f->os, "00B0000000");
    assert_int_equal(n, 258);
}

static void malformed_and_unknown_commands_get_status_words(void **state)
{
    fixture *f = *state;
    vt_expect(vt_run(&f->os, "00A4"), "6700");
    vt_expect(vt_run(&f->os, "00CA000000"), "6D00");
    vt_expect(vt_run(&f->os, "80A4000C"), "6E00");
    vt_expect(vt_run(&f->os, "10A4000C"), "6884");
    vt_expect(vt_run(&f->os, "01A4000C"), "6881");
    vt_expect(vt_run(&f->os, "00A40800"), "6A86");
}

static void reset_forgets_selection_and_challenge(void **state)
{
    fixture *f = *state;
    vt_run(&f->os, "00A4040C07A0000002471001");
    vt_run(&f->os, "0084000008");
    assert_true(f->os.challenge_valid);
    vc_os_reset(&f->os);
    assert_false(f->os.app_selected);
    assert_false(f->os.challenge_valid);
    assert_null(f->os.current_ef);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(select_application_by_aid_with_p2_0c_or_00),
        T(select_mf_with_or_without_its_fid),
        T(card_access_is_readable_without_authentication),
        T(select_ef_with_p2_04_returns_the_fcp),
        T(unknown_file_answers_6a82),
        T(read_binary_by_sfi_uses_p2_as_offset),
        T(short_le_00_means_256),
        T(read_past_the_end_returns_the_rest_with_6282),
        T(offset_beyond_the_end_answers_6b00),
        T(read_binary_without_a_current_ef_answers_6986),
        T(odd_read_binary_reads_above_32767),
        T(extended_le_returns_up_to_ne),
        cmocka_unit_test_setup_teardown(extended_apdus_answer_6700_when_extended_length_is_off,
                                        setup_short, teardown),
        T(malformed_and_unknown_commands_get_status_words),
        T(reset_forgets_selection_and_challenge),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
