/*
 * The scanner module's serial framing: trigger/untrigger and menu commands
 * parsed from a byte stream with noise, the scan output with each suffix
 * and each fault, menu answers, and the UTF-8 check the text goes through.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "qremu_proto.h"

static const char qr[] = "079303000123||Tr\xE1\xBA\xA7n Th\xE1\xBB\x8B B\xC3\xACnh|01012003|N\xE1\xBB\xAF|"
                         "Ph\xC6\xB0\xE1\xBB\x9Dng A|10072024";

static int count_events(qremu_parser *p, const uint8_t *b, size_t n, qremu_event want)
{
    int c = 0;
    for (size_t i = 0; i < n; i++)
        if (qremu_cmd_feed(p, b[i]) == want)
            c++;
    return c;
}

static void test_trigger_and_untrigger_are_found_among_noise(void **state)
{
    (void)state;
    const uint8_t stream[] = {'x', 0x0D, 0x16, 0x54, 0x0D, 0x00, 0x16, 0x16, 0x54, 0x0D,
                              0x16, 0x54, 0x0A, 0x16, 0x55, 0x0D};
    qremu_parser p;
    qremu_parser_init(&p);
    assert_int_equal(count_events(&p, stream, 13, QREMU_EV_TRIGGER), 2);
    qremu_parser_init(&p);
    assert_int_equal(count_events(&p, stream, sizeof stream, QREMU_EV_UNTRIGGER), 1);
}

static void test_menu_command_is_parsed_and_answered(void **state)
{
    (void)state;
    const uint8_t cmd[] = {0x16, 'M', 0x0D, 'R', 'E', 'V', 'I', 'N', 'F', '?'};
    qremu_parser p;
    qremu_parser_init(&p);
    qremu_event ev = QREMU_EV_NONE;
    for (size_t i = 0; i < sizeof cmd; i++)
        ev = qremu_cmd_feed(&p, cmd[i]);
    assert_int_equal(ev, QREMU_EV_MENU);
    assert_string_equal(p.menu, "REVINF");
    bool autom = false;
    qremu_suffix sfx = QREMU_SUFFIX_CR;
    uint8_t out[64];
    size_t n = 0;
    assert_int_equal(qremu_menu_answer(&p, &autom, &sfx, out, sizeof out, &n), KS_OK);
    const char want[] = "REVINFKSQREMU 1.0\x06?";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, n);
}

static void test_menu_settings_change_mode_and_suffix_and_unknown_is_nak(void **state)
{
    (void)state;
    qremu_parser p;
    bool autom = false;
    qremu_suffix sfx = QREMU_SUFFIX_CR;
    uint8_t out[64];
    size_t n = 0;
    const char *cmds[] = {"\x16M\rTRGMOD3.", "\x16M\rSUFCRLF!", "\x16M\rFOO."};
    qremu_parser_init(&p);
    for (size_t k = 0; k < 3; k++) {
        qremu_event ev = QREMU_EV_NONE;
        for (const char *c = cmds[k]; *c; c++)
            ev = qremu_cmd_feed(&p, (uint8_t)*c);
        assert_int_equal(ev, QREMU_EV_MENU);
        assert_int_equal(qremu_menu_answer(&p, &autom, &sfx, out, sizeof out, &n), KS_OK);
        assert_int_equal(out[n - 2], k < 2 ? QREMU_ACK : QREMU_NAK);
    }
    assert_true(autom);
    assert_int_equal(sfx, QREMU_SUFFIX_CRLF);
}

static void test_overlong_menu_command_is_dropped(void **state)
{
    (void)state;
    qremu_parser p;
    qremu_parser_init(&p);
    int menus = 0;
    const char head[] = "\x16M\r";
    for (const char *c = head; *c; c++)
        menus += qremu_cmd_feed(&p, (uint8_t)*c) == QREMU_EV_MENU;
    for (int i = 0; i < 100; i++)
        menus += qremu_cmd_feed(&p, 'A') == QREMU_EV_MENU;
    menus += qremu_cmd_feed(&p, '.') == QREMU_EV_MENU;
    assert_int_equal(menus, 0);
}

static void test_scan_output_is_the_text_then_the_suffix(void **state)
{
    (void)state;
    uint8_t out[QREMU_OVERLONG + 2];
    size_t n = 0, len = strlen(qr);
    const struct { qremu_suffix s; const char *tail; } cases[] = {
        {QREMU_SUFFIX_CR, "\r"}, {QREMU_SUFFIX_LF, "\n"}, {QREMU_SUFFIX_CRLF, "\r\n"}};
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(qremu_build_output((const uint8_t *)qr, len, cases[k].s,
                                            QREMU_FAULT_NONE, out, sizeof out, &n),
                         KS_OK);
        assert_int_equal(n, len + strlen(cases[k].tail));
        assert_memory_equal(out, qr, len);
        assert_memory_equal(out + len, cases[k].tail, strlen(cases[k].tail));
    }
}

static void test_faults_shape_the_output(void **state)
{
    (void)state;
    uint8_t out[QREMU_OVERLONG + 2];
    size_t n = 0, len = strlen(qr);
    assert_int_equal(qremu_build_output((const uint8_t *)qr, len, QREMU_SUFFIX_CR,
                                        QREMU_FAULT_NO_SUFFIX, out, sizeof out, &n),
                     KS_OK);
    assert_int_equal(n, len);
    assert_int_equal(qremu_build_output((const uint8_t *)qr, len, QREMU_SUFFIX_CR,
                                        QREMU_FAULT_GARBAGE, out, sizeof out, &n),
                     KS_OK);
    assert_int_equal(out[n - 1], '\r');
    assert_false(qremu_utf8_valid(out, n - 1));
    assert_int_equal(qremu_build_output((const uint8_t *)qr, len, QREMU_SUFFIX_LF,
                                        QREMU_FAULT_OVERLONG, out, sizeof out, &n),
                     KS_OK);
    assert_int_equal(n, QREMU_OVERLONG + 1);
    assert_true(n > QREMU_TEXT_MAX);
    assert_int_equal(out[n - 1], '\n');
    assert_int_equal(qremu_build_output((const uint8_t *)qr, len, QREMU_SUFFIX_LF,
                                        QREMU_FAULT_OVERLONG, out, 100, &n),
                     KS_ERR_TOO_LARGE);
}

static void test_utf8_check_accepts_vietnamese_and_rejects_bad_sequences(void **state)
{
    (void)state;
    assert_true(qremu_utf8_valid((const uint8_t *)qr, strlen(qr)));
    const uint8_t overlong[] = {0xC0, 0xAF};
    const uint8_t surrogate[] = {0xED, 0xA0, 0x80};
    const uint8_t truncated[] = {'a', 0xE1, 0xBA};
    const uint8_t too_big[] = {0xF4, 0x90, 0x80, 0x80};
    assert_false(qremu_utf8_valid(overlong, sizeof overlong));
    assert_false(qremu_utf8_valid(surrogate, sizeof surrogate));
    assert_false(qremu_utf8_valid(truncated, sizeof truncated));
    assert_false(qremu_utf8_valid(too_big, sizeof too_big));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trigger_and_untrigger_are_found_among_noise),
        cmocka_unit_test(test_menu_command_is_parsed_and_answered),
        cmocka_unit_test(test_menu_settings_change_mode_and_suffix_and_unknown_is_nak),
        cmocka_unit_test(test_overlong_menu_command_is_dropped),
        cmocka_unit_test(test_scan_output_is_the_text_then_the_suffix),
        cmocka_unit_test(test_faults_shape_the_output),
        cmocka_unit_test(test_utf8_check_accepts_vietnamese_and_rejects_bad_sequences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
