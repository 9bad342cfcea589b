/*
 * fuzz_pn532_frame.c — the PN532 frame decoder, InListPassiveTarget answer
 * parsing and the command layer, all fed from the fuzz input as if it came
 * from the chip.
 */
#include <stdint.h>
#include <string.h>

#include "pn532.h"

typedef struct fuzz_link {
    const uint8_t *data;
    size_t len, pos;
    uint32_t clock;
} fuzz_link;

static ks_status fz_write(void *ctx, const uint8_t *d, size_t n)
{
    (void)ctx;
    (void)d;
    (void)n;
    return KS_OK;
}

/* Serves the input in chunks whose sizes come from the input itself. */
static ks_status fz_read(void *ctx, uint8_t *buf, size_t cap, size_t *got, uint32_t timeout_ms)
{
    fuzz_link *l = ctx;
    (void)timeout_ms;
    if (l->pos >= l->len)
        return KS_ERR_TIMEOUT;
    size_t n = (size_t)(l->data[l->pos] % 23u) + 1u;
    if (n > cap)
        n = cap;
    if (n > l->len - l->pos)
        n = l->len - l->pos;
    memcpy(buf, l->data + l->pos, n);
    l->pos += n;
    *got = n;
    return KS_OK;
}

static uint32_t fz_now(void *ctx)
{
    return ((fuzz_link *)ctx)->clock++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pn532_decoder d;
    pn532_decoder_reset(&d);
    for (size_t i = 0; i < size; i++) {
        if (pn532_decoder_feed(&d, data[i]) != PN532_EV_FRAME)
            continue;
        const uint8_t *b = pn532_decoder_body(&d);
        size_t n = pn532_decoder_body_len(&d);
        if (n > 2) {
            nfc_target t;
            uint8_t tg;
            (void)pn532_parse_list_answer(b + 2, n - 2, 0x00, &tg, &t);
            (void)pn532_parse_list_answer(b + 2, n - 2, 0x03, &tg, &t);
        }
        /* a decoded body must encode back to a frame the decoder accepts */
        static uint8_t frame[PN532_MAX_FRAME];
        size_t flen = 0;
        if (pn532_frame_encode(b[0], b + 1, n - 1, frame, sizeof frame, &flen) == KS_OK) {
            pn532_decoder d2;
            pn532_decoder_reset(&d2);
            pn532_event ev = PN532_EV_NONE;
            for (size_t k = 0; k < flen; k++)
                ev = pn532_decoder_feed(&d2, frame[k]) == PN532_EV_FRAME ? PN532_EV_FRAME : ev;
            if (ev != PN532_EV_FRAME || pn532_decoder_body_len(&d2) != n ||
                memcmp(pn532_decoder_body(&d2), b, n) != 0)
                __builtin_trap();
        }
    }

    static pn532 p;
    fuzz_link l = {data, size, 0, 0};
    nfc_link link = {fz_write, fz_read, &l};
    nfc_clock clk = {fz_now, &l};
    pn532_init(&p, &link, &clk, NULL);
    nfc_frontend *fe = &p.fe;
    nfc_target t;
    (void)fe->ops->poll_a(fe, &t);
    uint8_t blk[3] = {0x02, 0x00, 0xA4}, rx[300];
    size_t n = 0;
    (void)fe->ops->transceive(fe, blk, sizeof blk, rx, sizeof rx, &n, 5000);
    (void)fe->ops->exchange_apdu(fe, blk, sizeof blk, rx, sizeof rx, &n);
    (void)fe->ops->poll_b(fe, 0, &t);
    return 0;
}
