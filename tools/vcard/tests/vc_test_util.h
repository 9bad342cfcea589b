/*
 * vc_test_util.h — helpers shared by the kiosk-vcard unit tests: hex
 * decoding and running one APDU through a vc_os.
 */
#ifndef VC_TEST_UTIL_H
#define VC_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "vc_os.h"

/* Decodes hex (spaces allowed) into out; returns the byte count. */
static inline size_t vt_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        int v;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            v = *p - 'A' + 10;
        else
            continue;
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

static uint8_t vt_out[VC_OS_MAX_RESPONSE];

/* Runs the APDU given in hex; returns the response length (response in vt_out). */
static inline size_t vt_run(vc_os *os, const char *apdu_hex)
{
    static uint8_t apdu[APDU_MAX_COMMAND];
    size_t n = vt_hex(apdu_hex, apdu, sizeof apdu);
    size_t out_len = 0;
    assert_int_equal(vc_os_process(os, apdu, n, vt_out, sizeof vt_out, &out_len), KS_OK);
    assert_true(out_len >= 2);
    return out_len;
}

static inline uint16_t vt_sw(size_t len)
{
    return (uint16_t)((vt_out[len - 2] << 8) | vt_out[len - 1]);
}

/* Asserts that the last response equals the expected hex exactly. */
static inline void vt_expect(size_t len, const char *expected_hex)
{
    static uint8_t exp[VC_OS_MAX_RESPONSE];
    size_t n = vt_hex(expected_hex, exp, sizeof exp);
    assert_int_equal(len, n);
    assert_memory_equal(vt_out, exp, n);
}

#endif
