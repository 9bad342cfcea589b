/*
 * test_hex.h — hex literals for unit tests: worked examples from standards
 * are quoted as hex strings (spaces allowed for readability) and turned into
 * bytes here. Include after <cmocka.h>; a malformed literal fails the test.
 */
#ifndef KS_TEST_HEX_H
#define KS_TEST_HEX_H

#include <stddef.h>
#include <stdint.h>

static inline size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *hex; hex++) {
        int v;
        char ch = *hex;
        if (ch >= '0' && ch <= '9')
            v = ch - '0';
        else if (ch >= 'A' && ch <= 'F')
            v = ch - 'A' + 10;
        else if (ch >= 'a' && ch <= 'f')
            v = ch - 'a' + 10;
        else
            continue; /* spaces for readability */
        if (hi < 0) {
            hi = v;
        } else {
            assert_true(n < cap);
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    assert_int_equal(hi, -1);
    return n;
}

/* Declares uint8_t name[512] holding the bytes, and size_t name_len. */
#define HEX(name, str)                                                                            \
    uint8_t name[512];                                                                            \
    size_t name##_len = unhex(str, name, sizeof name);                                            \
    (void)name##_len

#endif
