/*
 * opace_util.h — pieces both OpenPACE cross-check tests use: OpenPACE
 * buffers from bytes, building a response APDU, and the transport
 * operations of a fake short-APDU reader whose transmit is the test's chip.
 * Include after <cmocka.h>, <eac/eac.h> and "transport.h".
 */
#ifndef KS_OPACE_UTIL_H
#define KS_OPACE_UTIL_H

#include <string.h>

#include <openssl/buffer.h>

static inline BUF_MEM *buf_of(const void *p, size_t n)
{
    BUF_MEM *b = BUF_MEM_new();
    assert_non_null(b);
    assert_true(BUF_MEM_grow(b, n) == n || n == 0);
    if (n)
        memcpy(b->data, p, n);
    b->length = n;
    return b;
}

/* Response APDU: data then SW1 SW2. */
static inline void reply(uint8_t *resp, size_t cap, size_t *len, uint16_t sw, const uint8_t *data,
                         size_t n)
{
    assert_true(n + 2 <= cap);
    if (n)
        memcpy(resp, data, n);
    resp[n] = (uint8_t)(sw >> 8);
    resp[n + 1] = (uint8_t)sw;
    *len = n + 2;
}

static inline ks_status chip_atr(transport *t, uint8_t *out, size_t cap, size_t *len)
{
    (void)t, (void)out, (void)cap;
    *len = 0;
    return KS_ERR_NOT_FOUND;
}

/* A short-APDU reader: no extended length. */
static inline ks_status chip_caps(transport *t, transport_caps *out)
{
    (void)t;
    out->max_command = 261;
    out->max_response = 258;
    out->extended_length = false;
    return KS_OK;
}

static inline ks_status chip_present(transport *t)
{
    (void)t;
    return KS_OK;
}

static inline void chip_close(transport *t)
{
    (void)t;
}

#endif
