/*
 * test_fw_app.c — the firmware main loop's board-independent pieces: the
 * debug console parser and the banner.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app.h"

static app_cmd parse_ok(const char *line)
{
    app_cmd cmd;
    assert_int_equal(app_console_parse(line, strlen(line), &cmd), KS_OK);
    return cmd;
}

static void test_known_words_map_to_their_commands(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("ping").kind, APP_CMD_PING);
    assert_int_equal(parse_ok("version").kind, APP_CMD_VERSION);
    assert_int_equal(parse_ok("uptime").kind, APP_CMD_UPTIME);
    assert_int_equal(parse_ok("  ping  ").kind, APP_CMD_PING);
}

static void test_empty_line_is_no_command(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("").kind, APP_CMD_NONE);
    assert_int_equal(parse_ok("   ").kind, APP_CMD_NONE);
}

static void test_exit_carries_its_code(void **state)
{
    (void)state;
    app_cmd cmd = parse_ok("exit 42");
    assert_int_equal(cmd.kind, APP_CMD_EXIT);
    assert_int_equal(cmd.exit_code, 42);
    assert_int_equal(parse_ok("exit 0").exit_code, 0);
    assert_int_equal(parse_ok("exit   255").exit_code, 255);
}

static void test_exit_without_valid_code_is_malformed(void **state)
{
    (void)state;
    app_cmd cmd;
    const char *bad[] = {"exit", "exit ", "exit 256", "exit -1", "exit 1x", "exit 0001"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(app_console_parse(bad[i], strlen(bad[i]), &cmd), KS_ERR_MALFORMED);
}

static void test_unknown_or_prefixed_words_are_unknown(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("pin").kind, APP_CMD_UNKNOWN);
    assert_int_equal(parse_ok("pingg").kind, APP_CMD_UNKNOWN);
    assert_int_equal(parse_ok("exit42").kind, APP_CMD_UNKNOWN);
}

static void test_parser_reads_only_the_given_length(void **state)
{
    (void)state;
    app_cmd cmd;
    /* "ping" followed by bytes the parser must not look at. */
    assert_int_equal(app_console_parse("pingXYZ", 4, &cmd), KS_OK);
    assert_int_equal(cmd.kind, APP_CMD_PING);
}

static void test_null_arguments_are_refused(void **state)
{
    (void)state;
    app_cmd cmd;
    assert_int_equal(app_console_parse(NULL, 3, &cmd), KS_ERR_ARG);
    assert_int_equal(app_console_parse("ping", 4, NULL), KS_ERR_ARG);
}

static void test_banner_names_version_and_board(void **state)
{
    (void)state;
    char buf[96];
    size_t len = 0;
    assert_int_equal(app_banner(buf, sizeof buf, &len), KS_OK);
    assert_string_equal(buf, "kiosk-reader " KS_FW_VERSION " board=native\r\n");
    assert_int_equal(len, strlen(buf));
}

static void test_banner_refuses_a_short_buffer(void **state)
{
    (void)state;
    char buf[16];
    size_t len = 0;
    assert_int_equal(app_banner(buf, sizeof buf, &len), KS_ERR_TOO_LARGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_words_map_to_their_commands),
        cmocka_unit_test(test_empty_line_is_no_command),
        cmocka_unit_test(test_exit_carries_its_code),
        cmocka_unit_test(test_exit_without_valid_code_is_malformed),
        cmocka_unit_test(test_unknown_or_prefixed_words_are_unknown),
        cmocka_unit_test(test_parser_reads_only_the_given_length),
        cmocka_unit_test(test_null_arguments_are_refused),
        cmocka_unit_test(test_banner_names_version_and_board),
        cmocka_unit_test(test_banner_refuses_a_short_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
