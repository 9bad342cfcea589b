/* The configuration file format (common/kvconf.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kvconf.h"

typedef struct seen {
    char lines[8][200];
    int n;
} seen;

static int collect(const char *section, const char *key, const char *value, void *ctx)
{
    seen *s = ctx;
    snprintf(s->lines[s->n++], sizeof s->lines[0], "%s|%s|%s", section, key, value);
    return s->n == 8;
}

static void reads_sections_keys_and_values_in_order(void **state)
{
    (void)state;
    const char *text = "# kiosk\n"
                       "[queue]\n"
                       "db = /var/lib/kiosk/queue.db\n"
                       "  key_file=/etc/kiosk/queue.key  \r\n"
                       "; a comment\n"
                       "\n"
                       "[upload]\n"
                       "url = https://example.invalid/v1\n"
                       "pin = \"  spaced  \"\n"
                       "empty =\n";
    seen s = {0};
    size_t bad = 99;
    assert_int_equal(kvconf_parse(text, strlen(text), collect, &s, &bad), KS_OK);
    assert_int_equal(s.n, 5);
    assert_string_equal(s.lines[0], "queue|db|/var/lib/kiosk/queue.db");
    assert_string_equal(s.lines[1], "queue|key_file|/etc/kiosk/queue.key");
    assert_string_equal(s.lines[2], "upload|url|https://example.invalid/v1");
    assert_string_equal(s.lines[3], "upload|pin|  spaced  ");
    assert_string_equal(s.lines[4], "upload|empty|");
}

static void reports_the_first_malformed_line(void **state)
{
    (void)state;
    const char *cases[] = {
        "a = 1\nno equals sign\n",  /* line 2 */
        "a = 1\n[unclosed\n",       /* line 2 */
        "a = 1\nb c = 2\n",         /* line 2: space in key */
        "a = 1\n= 2\n",             /* line 2: empty key */
        "a = 1\nq = \"open\n",      /* line 2: unterminated quote */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        seen s = {0};
        size_t bad = 0;
        assert_int_equal(kvconf_parse(cases[i], strlen(cases[i]), collect, &s, &bad),
                         KS_ERR_MALFORMED);
        assert_int_equal(bad, 2);
        assert_int_equal(s.n, 1);
    }
}

static void refuses_overlong_lines_and_nul_bytes(void **state)
{
    (void)state;
    static char big[KVCONF_LINE_MAX + 20];
    memset(big, 'x', sizeof big);
    big[0] = 'k';
    big[1] = '=';
    seen s = {0};
    size_t bad = 0;
    assert_int_equal(kvconf_parse(big, sizeof big, collect, &s, &bad), KS_ERR_MALFORMED);
    assert_int_equal(bad, 1);
    const char nul[] = {'a', '=', '1', '\0', '2', '\n'};
    assert_int_equal(kvconf_parse(nul, sizeof nul, collect, &s, &bad), KS_ERR_MALFORMED);
}

static void stops_when_the_callback_asks(void **state)
{
    (void)state;
    const char *text = "a=1\nb=2\nc=3\nd=4\ne=5\nf=6\ng=7\nh=8\ni=9\n";
    seen s = {0};
    assert_int_equal(kvconf_parse(text, strlen(text), collect, &s, NULL), KS_OK);
    assert_int_equal(s.n, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_sections_keys_and_values_in_order),
        cmocka_unit_test(reports_the_first_malformed_line),
        cmocka_unit_test(refuses_overlong_lines_and_nul_bytes),
        cmocka_unit_test(stops_when_the_callback_asks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
