/*
 * fuzz_tcl_block.c — the T=CL block, ATS and ATQB parsers, and a whole
 * tcl_exchange / presence / DESELECT against a card whose answers come from
 * the fuzz input (each answer: a length byte, then that many bytes; a
 * length byte of 0xFF means "no answer", 0xFE "CRC error"). The same
 * answers also drive ISO 14443-3 anticollision and type B activation
 * through a raw front-end (the byte after the length gives a collision bit).
 */
#include <stdint.h>
#include <string.h>

#include "iso14443_3.h"
#include "tcl.h"

typedef struct fuzz_fe {
    nfc_frontend fe;
    const uint8_t *data;
    size_t len, pos;
    uint32_t clock;
} fuzz_fe;

static ks_status fz_transceive(nfc_frontend *fe, const uint8_t *tx, size_t tx_len, uint8_t *rx,
                               size_t cap, size_t *rx_len, uint32_t timeout_us)
{
    fuzz_fe *f = (fuzz_fe *)(void *)fe;
    (void)timeout_us;
    if (tx_len == 0 || tx_len > 256)
        __builtin_trap(); /* the PCD must never build an empty or oversized frame */
    (void)tx;
    if (f->pos >= f->len)
        return KS_ERR_TIMEOUT;
    uint8_t n = f->data[f->pos++];
    if (n == 0xFF)
        return KS_ERR_TIMEOUT;
    if (n == 0xFE)
        return KS_ERR_MALFORMED;
    if (n > f->len - f->pos)
        n = (uint8_t)(f->len - f->pos);
    if (n > cap)
        return KS_ERR_TOO_LARGE;
    memcpy(rx, f->data + f->pos, n);
    f->pos += n;
    *rx_len = n;
    return KS_OK;
}

static uint32_t fz_now(void *ctx)
{
    return ((fuzz_fe *)ctx)->clock += 50;
}

static ks_status fz_raw(nfc_frontend *fe, nfc_tech tech, nfc_raw_xfer *x)
{
    fuzz_fe *f = (fuzz_fe *)(void *)fe;
    (void)tech;
    if (x->tx_bits == 0 || x->tx_bits > 8u * 64u)
        __builtin_trap();
    if (f->pos + 2 > f->len)
        return KS_ERR_TIMEOUT;
    size_t n = f->data[f->pos++];
    uint8_t coll = f->data[f->pos++];
    if (n == 0xFF)
        return KS_ERR_TIMEOUT;
    if (n > f->len - f->pos)
        n = f->len - f->pos;
    if (n > x->rx_cap)
        n = x->rx_cap;
    memcpy(x->rx, f->data + f->pos, n);
    f->pos += n;
    x->rx_bits = n * 8u - (coll & 0x80u ? (coll & 7u) : 0u);
    x->coll_bit = coll & 0x40u ? (int)(coll & 0x3Fu) : -1;
    return KS_OK;
}

static const struct nfc_frontend_ops fz_ops = {.transceive = fz_transceive, .raw = fz_raw};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tcl_block b;
    tcl_params p;
    if (tcl_parse_block(data, size, &b) == KS_OK && b.inf_len > size)
        __builtin_trap();
    (void)tcl_parse_ats(data, size, &p);
    (void)tcl_parse_atqb(data, size, &p);
    if (size < 2)
        return 0;

    static fuzz_fe f;
    static tcl t;
    memset(&f, 0, sizeof f);
    f.fe.ops = &fz_ops;
    f.fe.clock.now_ms = fz_now;
    f.fe.clock.ctx = &f;
    f.data = data + 2;
    f.len = size - 2;
    tcl_params q = {.fsc = tcl_fs_from_code(data[0] & 0x0Fu), .fwi = (uint8_t)(data[0] >> 4)};
    tcl_init(&t, &f.fe, &q);
    uint8_t cmd[300], resp[64];
    size_t cmd_len = (size_t)data[1] + (data[1] & 1u ? 40u : 0u);
    for (size_t i = 0; i < cmd_len; i++)
        cmd[i] = (uint8_t)i;
    size_t n = 0;
    for (int round = 0; round < 3 && f.pos < f.len; round++) {
        ks_status st = tcl_exchange(&t, cmd, cmd_len, resp, sizeof resp, &n);
        if (st == KS_OK && n > sizeof resp)
            __builtin_trap();
    }
    (void)tcl_presence(&t);
    (void)tcl_deselect(&t);
    uint8_t ats[NFC_ATS_MAX];
    (void)tcl_rats(&t, &f.fe, ats, sizeof ats, &n);

    nfc_target target;
    f.pos = 0;
    if (iso14443_3_poll_a(&f.fe, &target) == KS_OK &&
        target.uid_len != 4 && target.uid_len != 7 && target.uid_len != 10)
        __builtin_trap();
    (void)iso14443_3_poll_b(&f.fe, data[0], &target);
    return 0;
}
