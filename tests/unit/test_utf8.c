/* Strict UTF-8 (common/utf8.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "utf8.h"

#define V(s) utf8_valid((const uint8_t *)(s), sizeof(s) - 1)

static void accepts_vietnamese_and_every_sequence_length(void **state)
{
    (void)state;
    assert_true(V("Nguy\xE1\xBB\x85n V\xC4\x83n An")); /* Nguyễn Văn An */
    assert_true(V("\x7F"));
    assert_true(V("\xF4\x8F\xBF\xBF")); /* U+10FFFF */
    uint32_t cp = 0;
    assert_int_equal(utf8_decode((const uint8_t *)"\xC4\x90", 2, &cp), 2); /* Đ */
    assert_int_equal(cp, 0x110);
}

static void refuses_overlongs_surrogates_and_truncation(void **state)
{
    (void)state;
    assert_false(V("\xC0\xAF"));         /* overlong '/' */
    assert_false(V("\xE0\x80\xAF"));     /* overlong, 3 bytes */
    assert_false(V("\xED\xA0\x80"));     /* U+D800 */
    assert_false(V("\xF4\x90\x80\x80")); /* past U+10FFFF */
    assert_false(V("\xE1\xBB"));         /* truncated */
    assert_false(V("\x80"));             /* lone continuation */
    assert_false(V("\xF8\x88\x80\x80\x80"));
    uint32_t cp;
    assert_int_equal(utf8_decode(NULL, 3, &cp), 0);
    assert_int_equal(utf8_decode((const uint8_t *)"a", 0, &cp), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_vietnamese_and_every_sequence_length),
        cmocka_unit_test(refuses_overlongs_surrogates_and_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
