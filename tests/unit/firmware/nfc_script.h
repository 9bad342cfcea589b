/*
 * nfc_script.h — test doubles for firmware/nfc: a front-end that plays a
 * script of (expected frame, card answer) steps and asserts every frame the
 * code under test sends, and a byte link that serves scripted read chunks
 * and records what was written (when pn532.h is included first).
 * Header-only; each test file includes it once.
 */
#ifndef NFC_SCRIPT_H
#define NFC_SCRIPT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "nfc_frontend.h"

static inline size_t hex_to_bytes(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; p && *p; p++) {
        int v;
        if (*p >= '0' && *p <= '9') v = *p - '0';
        else if (*p >= 'a' && *p <= 'f') v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F') v = *p - 'A' + 10;
        else continue;
        if (hi < 0) {
            hi = v;
        } else {
            assert_true(n < cap);
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    assert_true(hi < 0);
    return n;
}

/* One step: the frame we expect the PCD to send (NULL = do not check) and
 * what the card does: answer bytes, or a status (timeout, CRC error...). */
typedef struct script_step {
    const char *expect;
    const char *answer;
    ks_status st;
} script_step;

typedef struct script_fe {
    nfc_frontend fe;
    const script_step *steps;
    size_t count, pos;
    uint32_t last_timeout_us;
    uint32_t timeouts[64];
    uint32_t clock;
    int field_on;
    unsigned field_calls, polls_a, polls_b, releases;
    ks_status poll_a_st, poll_b_st;
    nfc_target poll_target;
} script_fe;

static inline script_fe *script_from(nfc_frontend *fe)
{
    return (script_fe *)(void *)fe;
}

static inline ks_status script_transceive(nfc_frontend *fe, const uint8_t *tx, size_t tx_len,
                                   uint8_t *rx, size_t cap, size_t *rx_len, uint32_t timeout_us)
{
    script_fe *s = script_from(fe);
    assert_true(s->pos < s->count); /* the code sent more frames than the script holds */
    const script_step *step = &s->steps[s->pos];
    if (s->pos < 64)
        s->timeouts[s->pos] = timeout_us;
    s->pos++;
    s->last_timeout_us = timeout_us;
    if (step->expect) {
        uint8_t want[300];
        size_t n = hex_to_bytes(step->expect, want, sizeof want);
        assert_int_equal(tx_len, n);
        assert_memory_equal(tx, want, n);
    }
    if (step->st != KS_OK)
        return step->st;
    uint8_t ans[300];
    size_t n = hex_to_bytes(step->answer, ans, sizeof ans);
    if (n > cap)
        return KS_ERR_TOO_LARGE;
    memcpy(rx, ans, n);
    *rx_len = n;
    return KS_OK;
}

static inline ks_status script_field(nfc_frontend *fe, bool on)
{
    script_fe *s = script_from(fe);
    s->field_on = on;
    s->field_calls++;
    return KS_OK;
}

static inline ks_status script_poll_a(nfc_frontend *fe, nfc_target *out)
{
    script_fe *s = script_from(fe);
    s->polls_a++;
    if (s->poll_a_st == KS_OK)
        *out = s->poll_target;
    return s->poll_a_st;
}

static inline ks_status script_poll_b(nfc_frontend *fe, uint8_t afi, nfc_target *out)
{
    (void)afi;
    script_fe *s = script_from(fe);
    s->polls_b++;
    if (s->poll_b_st == KS_OK)
        *out = s->poll_target;
    return s->poll_b_st;
}

static inline ks_status script_release(nfc_frontend *fe)
{
    script_from(fe)->releases++;
    return KS_OK;
}

static inline uint32_t script_now(void *ctx)
{
    script_fe *s = ctx;
    return s->clock++;
}

static const struct nfc_frontend_ops script_ops = {
    .field = script_field,
    .poll_a = script_poll_a,
    .poll_b = script_poll_b,
    .transceive = script_transceive,
    .release = script_release,
};

static inline void script_start(script_fe *s, const script_step *steps, size_t count)
{
    memset(s, 0, sizeof *s);
    s->fe.ops = &script_ops;
    s->fe.clock.now_ms = script_now;
    s->fe.clock.ctx = s;
    s->steps = steps;
    s->count = count;
    s->poll_a_st = KS_ERR_NOT_FOUND;
    s->poll_b_st = KS_ERR_NOT_FOUND;
}

#define SCRIPT_DONE(s) assert_int_equal((s)->pos, (s)->count)

#ifdef PN532_H
/* ---- a scripted link: each read hands out one queued chunk ----------- */

typedef struct chunk {
    uint8_t b[300];
    size_t n;       /* 0 = this read times out */
} chunk;

typedef struct fake_link {
    chunk chunks[32];
    size_t count, pos;
    uint8_t written[4096];
    size_t wlen;
    uint32_t clock;
} fake_link;

static inline ks_status fl_write(void *ctx, const uint8_t *d, size_t n)
{
    fake_link *l = ctx;
    assert_true(l->wlen + n <= sizeof l->written);
    memcpy(l->written + l->wlen, d, n);
    l->wlen += n;
    return KS_OK;
}

static inline ks_status fl_read(void *ctx, uint8_t *buf, size_t cap, size_t *got, uint32_t timeout_ms)
{
    fake_link *l = ctx;
    (void)timeout_ms;
    if (l->pos >= l->count)
        return KS_ERR_TIMEOUT;
    chunk *c = &l->chunks[l->pos++];
    if (c->n == 0)
        return KS_ERR_TIMEOUT;
    assert_true(c->n <= cap);
    memcpy(buf, c->b, c->n);
    *got = c->n;
    return KS_OK;
}

static inline uint32_t fl_now(void *ctx)
{
    return ((fake_link *)ctx)->clock;
}

static inline void push_hex(fake_link *l, const char *hex)
{
    assert_true(l->count < 32);
    chunk *c = &l->chunks[l->count++];
    c->n = hex ? hex_to_bytes(hex, c->b, sizeof c->b) : 0;
}

/* Queues a chip answer frame: D5, then body given in hex (needs pn532.h). */
static inline void push_answer(fake_link *l, const char *body_hex)
{
    uint8_t body[300];
    size_t n = hex_to_bytes(body_hex, body, sizeof body);
    assert_true(l->count < 32);
    chunk *c = &l->chunks[l->count++];
    assert_int_equal(pn532_frame_encode(PN532_TFI_CHIP, body, n, c->b, sizeof c->b, &c->n), KS_OK);
}

static inline void push_ack(fake_link *l)
{
    push_hex(l, "00 00 FF 00 FF 00");
}

#endif

#endif
