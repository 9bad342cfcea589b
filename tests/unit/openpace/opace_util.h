/*
 * opace_util.h — pieces both OpenPACE cross-check tests use: OpenPACE
 * buffers from bytes, building a response APDU, the chip's protected
 * answer under secure messaging, and the transport operations of a fake
 * short-APDU reader whose transmit is the test's chip.
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

/* The chip's answer under secure messaging, made entirely by OpenPACE:
 * DO'87' with content encrypted (none when content_len is 0), DO'99' 9000,
 * DO'8E' the MAC over both. The caller has advanced the send sequence
 * counter. Returns the body's length. */
static inline size_t opace_sm_answer(EAC_CTX *eac, const uint8_t *content, size_t content_len,
                                     uint8_t *body, size_t cap)
{
    size_t n = 0;
    if (content_len) {
        BUF_MEM *plain = buf_of(content, content_len);
        BUF_MEM *pad = EAC_add_iso_pad(eac, plain);
        BUF_MEM *enc = EAC_encrypt(eac, pad);
        assert_non_null(enc);
        assert_true(enc->length + 19 <= cap && enc->length < 127);
        body[n++] = 0x87;
        body[n++] = (uint8_t)(enc->length + 1);
        body[n++] = 0x01;
        memcpy(body + n, enc->data, enc->length);
        n += enc->length;
        BUF_MEM_free(plain);
        BUF_MEM_free(pad);
        BUF_MEM_free(enc);
    }
    assert_true(n + 14 <= cap);
    body[n++] = 0x99;
    body[n++] = 0x02;
    body[n++] = 0x90;
    body[n++] = 0x00;
    BUF_MEM *to_mac = buf_of(body, n);
    BUF_MEM *to_mac_padded = EAC_add_iso_pad(eac, to_mac);
    BUF_MEM *rmac = EAC_authenticate(eac, to_mac_padded);
    assert_non_null(rmac);
    assert_int_equal(rmac->length, 8);
    body[n++] = 0x8E;
    body[n++] = 0x08;
    memcpy(body + n, rmac->data, 8);
    n += 8;
    BUF_MEM_free(to_mac);
    BUF_MEM_free(to_mac_padded);
    BUF_MEM_free(rmac);
    return n;
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
