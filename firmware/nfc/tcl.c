/*
 * tcl.c — ISO/IEC 14443-4 PCD block protocol.
 */
#include "tcl.h"

#include <string.h>

#define PCB_I 0x02u
#define PCB_I_CHAIN 0x10u
#define PCB_CID 0x08u
#define PCB_NAD 0x04u
#define PCB_R_ACK 0xA2u
#define PCB_R_NAK 0xB2u
#define PCB_S_DESELECT 0xC2u
#define PCB_S_WTX 0xF2u
#define WTXM_MAX 59u
/* Delta FWT (49152/fc) rounded up, plus front-end scheduling slack. */
#define FWT_DELTA_US 5000u
/* PCB + CRC_A/B: bytes of a frame that are not INF. */
#define FRAME_OVERHEAD 3u
#define SFGT_SPIN_LIMIT (1ul << 26)

uint32_t tcl_fwt_us(uint8_t fwi)
{
    if (fwi > TCL_FWI_MAX)
        fwi = TCL_FWI_DEFAULT;
    /* 4096 * 2^fwi / 13.56 MHz, in microseconds, rounded up */
    uint64_t cycles = (uint64_t)4096u << fwi;
    return (uint32_t)((cycles * 100u + 1355u) / 1356u);
}

size_t tcl_fs_from_code(uint8_t code)
{
    static const uint16_t sizes[9] = {16, 24, 32, 40, 48, 64, 96, 128, 256};
    return code < 9 ? sizes[code] : 256u;
}

static void set_defaults(tcl_params *p)
{
    p->fsc = 32;
    p->fwi = TCL_FWI_DEFAULT;
    p->sfgi = 0;
    p->cid_supported = true;
    p->nad_supported = false;
}

ks_status tcl_parse_ats(const uint8_t *ats, size_t len, tcl_params *out)
{
    if (!ats || !out)
        return KS_ERR_ARG;
    if (len < 1)
        return KS_ERR_TRUNCATED;
    if (ats[0] != len)
        return KS_ERR_MALFORMED;
    set_defaults(out);
    if (len == 1)
        return KS_OK;
    uint8_t t0 = ats[1];
    size_t i = 2;
    out->fsc = tcl_fs_from_code(t0 & 0x0Fu);
    if (t0 & 0x10u) /* TA: bit rates; we stay at 106 kbit/s */
        i++;
    if (t0 & 0x20u) {
        if (i >= len)
            return KS_ERR_TRUNCATED;
        uint8_t fwi = (uint8_t)(ats[i] >> 4), sfgi = (uint8_t)(ats[i] & 0x0Fu);
        out->fwi = fwi == 15 ? TCL_FWI_DEFAULT : fwi;
        out->sfgi = sfgi == 15 ? 0 : sfgi;
        i++;
    }
    if (t0 & 0x40u) {
        if (i >= len)
            return KS_ERR_TRUNCATED;
        out->nad_supported = (ats[i] & 0x01u) != 0;
        out->cid_supported = (ats[i] & 0x02u) != 0;
        i++;
    }
    return i <= len ? KS_OK : KS_ERR_TRUNCATED;
}

ks_status tcl_parse_atqb(const uint8_t *atqb, size_t len, tcl_params *out)
{
    if (!atqb || !out)
        return KS_ERR_ARG;
    if (len < NFC_ATQB_LEN)
        return KS_ERR_TRUNCATED;
    if (atqb[0] != 0x50)
        return KS_ERR_MALFORMED;
    set_defaults(out);
    const uint8_t *pi = atqb + 9;
    if (!(pi[1] & 0x01u)) /* Protocol_Type b1: ISO 14443-4 compliant */
        return KS_ERR_UNSUPPORTED;
    out->fsc = tcl_fs_from_code((uint8_t)(pi[1] >> 4));
    uint8_t fwi = (uint8_t)(pi[2] >> 4);
    out->fwi = fwi == 15 ? TCL_FWI_DEFAULT : fwi;
    out->nad_supported = (pi[2] & 0x02u) != 0;
    out->cid_supported = (pi[2] & 0x01u) != 0;
    return KS_OK;
}

ks_status tcl_parse_block(const uint8_t *buf, size_t len, tcl_block *out)
{
    if (!buf || !out)
        return KS_ERR_ARG;
    if (len < 1)
        return KS_ERR_TRUNCATED;
    memset(out, 0, sizeof *out);
    uint8_t pcb = buf[0];
    out->pcb = pcb;
    bool nad = false;
    if ((pcb & 0xE2u) == 0x02u) {
        out->type = TCL_BLOCK_I;
        out->block_num = pcb & 0x01u;
        out->chaining = (pcb & PCB_I_CHAIN) != 0;
        nad = (pcb & PCB_NAD) != 0;
    } else if ((pcb & 0xE6u) == 0xA2u) {
        out->type = TCL_BLOCK_R;
        out->block_num = pcb & 0x01u;
        out->nak = (pcb & 0x10u) != 0;
    } else if ((pcb & 0xC7u) == 0xC2u) {
        out->type = TCL_BLOCK_S;
        uint8_t kind = pcb & 0x30u;
        if (kind == 0x30u)
            out->wtx = true;
        else if (kind != 0x00u)
            return KS_ERR_UNSUPPORTED; /* PARAMETERS / RFU S-blocks */
    } else {
        return KS_ERR_MALFORMED;
    }
    size_t i = 1;
    if (pcb & PCB_CID) {
        if (i >= len)
            return KS_ERR_TRUNCATED;
        if (buf[i] & 0x0Fu) /* we only ever use CID 0; b8b7 carry power level */
            return KS_ERR_MALFORMED;
        i++;
    }
    if (nad) {
        if (i >= len)
            return KS_ERR_TRUNCATED;
        i++;
    }
    out->inf = buf + i;
    out->inf_len = len - i;
    if (out->type == TCL_BLOCK_R || (out->type == TCL_BLOCK_S && !out->wtx))
        return out->inf_len == 0 ? KS_OK : KS_ERR_MALFORMED;
    if (out->type == TCL_BLOCK_S) {
        if (out->inf_len != 1)
            return KS_ERR_MALFORMED;
        out->wtxm = out->inf[0] & 0x3Fu;
        if (out->wtxm < 1 || out->wtxm > WTXM_MAX)
            return KS_ERR_MALFORMED;
    }
    return KS_OK;
}

void tcl_init(tcl *t, nfc_frontend *fe, const tcl_params *p)
{
    memset(t, 0, sizeof *t);
    t->fe = fe;
    if (p)
        t->p = *p;
    else
        set_defaults(&t->p);
    if (t->p.fsc > TCL_FSD)
        t->p.fsc = TCL_FSD;
    if (t->p.fsc < 16)
        t->p.fsc = 16;
    if (t->p.fwi > TCL_FWI_MAX)
        t->p.fwi = TCL_FWI_DEFAULT;
    if (fe && fe->max_frame && t->p.fsc > fe->max_frame + 2u)
        t->p.fsc = fe->max_frame + 2u;
    t->block_num = 0;
    t->max_retries = 2;
    t->max_wtx = 200;
}

void tcl_wait_sfgt(const tcl *t)
{
    if (!t->fe || !t->fe->clock.now_ms || t->p.sfgi == 0)
        return;
    uint32_t ms = tcl_fwt_us(t->p.sfgi) / 1000u + 1u;
    uint32_t start = nfc_now_ms(t->fe);
    for (unsigned long spins = 0; spins < SFGT_SPIN_LIMIT; spins++) {
        if ((uint32_t)(nfc_now_ms(t->fe) - start) >= ms)
            break;
    }
}

ks_status tcl_rats(tcl *t, nfc_frontend *fe, uint8_t *ats, size_t cap, size_t *ats_len)
{
    if (!t || !fe)
        return KS_ERR_ARG;
    uint8_t cmd[2] = {0xE0, (uint8_t)(TCL_FSDI << 4)}; /* CID 0 */
    uint8_t buf[NFC_ATS_MAX];
    size_t n = 0;
    ks_status st = fe->ops->transceive(fe, cmd, sizeof cmd, buf, sizeof buf, &n,
                                       TCL_FWT_ACTIVATION_US);
    if (st != KS_OK)
        return st;
    tcl_params p;
    st = tcl_parse_ats(buf, n, &p);
    if (st != KS_OK)
        return st;
    if (ats) {
        if (n > cap)
            return KS_ERR_TOO_LARGE;
        memcpy(ats, buf, n);
    }
    if (ats_len)
        *ats_len = n;
    tcl_init(t, fe, &p);
    tcl_wait_sfgt(t);
    return KS_OK;
}

static uint32_t base_timeout(const tcl *t)
{
    return tcl_fwt_us(t->p.fwi) + FWT_DELTA_US;
}

static uint32_t wtx_timeout(const tcl *t, uint8_t wtxm)
{
    uint64_t fwt = (uint64_t)tcl_fwt_us(t->p.fwi) * wtxm;
    uint32_t max = tcl_fwt_us(TCL_FWI_MAX);
    return (fwt > max ? max : (uint32_t)fwt) + FWT_DELTA_US;
}

/* Builds the next I-block of cmd into t->tx; returns its length. */
static size_t build_i_block(tcl *t, const uint8_t *data, size_t chunk, bool more)
{
    t->tx[0] = (uint8_t)(PCB_I | t->block_num | (more ? PCB_I_CHAIN : 0u));
    if (chunk)
        memcpy(t->tx + 1, data, chunk);
    return chunk + 1u;
}

static ks_status xfer(tcl *t, const uint8_t *blk, size_t len, uint32_t timeout_us, tcl_block *b)
{
    size_t n = 0;
    ks_status st = t->fe->ops->transceive(t->fe, blk, len, t->rx, sizeof t->rx, &n, timeout_us);
    if (st == KS_ERR_TOO_LARGE)
        return KS_ERR_MALFORMED; /* a frame over FSD is a transmission error */
    if (st != KS_OK)
        return st;
    st = tcl_parse_block(t->rx, n, b);
    return st == KS_OK ? KS_OK : KS_ERR_MALFORMED;
}

ks_status tcl_exchange(tcl *t, const uint8_t *cmd, size_t len, uint8_t *resp, size_t cap,
                       size_t *resp_len)
{
    if (!t || !t->fe || (len && !cmd) || (cap && !resp) || !resp_len)
        return KS_ERR_ARG;
    size_t max_inf = t->p.fsc - FRAME_OVERHEAD;
    size_t sent = 0, out = 0;
    size_t chunk = len - sent > max_inf ? max_inf : len - sent;
    bool more = sent + chunk < len;
    size_t ilen = build_i_block(t, cmd, chunk, more);
    uint8_t ctl[2];
    const uint8_t *cur = t->tx;
    size_t cur_len = ilen;
    bool receiving = false, overflow = false;
    unsigned errors = 0, wtx_count = 0;
    uint32_t timeout = base_timeout(t);

    for (;;) {
        tcl_block b;
        ks_status st = xfer(t, cur, cur_len, timeout, &b);
        timeout = base_timeout(t); /* a WTX extends one wait only */
        if (st == KS_OK) {
            bool valid = false;
            if (b.type == TCL_BLOCK_S && b.wtx) {
                if (++wtx_count > t->max_wtx)
                    return KS_ERR_TRANSPORT;
                ctl[0] = PCB_S_WTX;
                ctl[1] = b.wtxm;
                cur = ctl;
                cur_len = 2;
                timeout = wtx_timeout(t, b.wtxm);
                errors = 0;
                continue;
            }
            if (b.type == TCL_BLOCK_R && !b.nak && !receiving) {
                if (b.block_num == t->block_num && more) {
                    /* rules B and 7: our chained block was acknowledged */
                    t->block_num ^= 1u;
                    sent += chunk;
                    chunk = len - sent > max_inf ? max_inf : len - sent;
                    more = sent + chunk < len;
                    cur_len = build_i_block(t, cmd + sent, chunk, more);
                    cur = t->tx;
                    errors = 0;
                    continue;
                }
                if (b.block_num != t->block_num) {
                    /* rule 6: the card did not get our last I-block */
                    if (++errors > t->max_retries)
                        return KS_ERR_TRANSPORT;
                    cur = t->tx;
                    cur_len = chunk + 1u;
                    continue;
                }
            } else if (b.type == TCL_BLOCK_I && !more && b.block_num == t->block_num) {
                valid = true;
            }
            if (valid) {
                t->block_num ^= 1u; /* rule B */
                errors = 0;
                if (!overflow && b.inf_len <= cap - out) {
                    if (b.inf_len)
                        memcpy(resp + out, b.inf, b.inf_len);
                    out += b.inf_len;
                } else {
                    overflow = true; /* keep draining so the block numbers stay in step */
                }
                if (b.chaining) {
                    receiving = true;
                    ctl[0] = (uint8_t)(PCB_R_ACK | t->block_num);
                    cur = ctl;
                    cur_len = 1;
                    continue;
                }
                if (overflow)
                    return KS_ERR_TOO_LARGE;
                *resp_len = out;
                return KS_OK;
            }
            st = KS_ERR_MALFORMED; /* a well-formed block that breaks the protocol */
        }
        if (st != KS_ERR_TIMEOUT && st != KS_ERR_MALFORMED)
            return st;
        if (++errors > t->max_retries)
            return st == KS_ERR_TIMEOUT ? KS_ERR_REMOVED : KS_ERR_TRANSPORT;
        /* rules 4 and 5 */
        ctl[0] = (uint8_t)((receiving ? PCB_R_ACK : PCB_R_NAK) | t->block_num);
        cur = ctl;
        cur_len = 1;
    }
}

ks_status tcl_presence(tcl *t)
{
    if (!t || !t->fe)
        return KS_ERR_ARG;
    uint8_t nak = (uint8_t)(PCB_R_NAK | t->block_num);
    for (unsigned i = 0; i <= t->max_retries; i++) {
        tcl_block b;
        ks_status st = xfer(t, &nak, 1, base_timeout(t), &b);
        if (st == KS_OK)
            return KS_OK;
        if (st == KS_ERR_REMOVED || st == KS_ERR_TRANSPORT)
            return KS_ERR_REMOVED;
    }
    return KS_ERR_REMOVED;
}

ks_status tcl_deselect(tcl *t)
{
    if (!t || !t->fe)
        return KS_ERR_ARG;
    uint8_t des = PCB_S_DESELECT;
    uint32_t timeout = base_timeout(t);
    if (timeout < TCL_FWT_ACTIVATION_US)
        timeout = TCL_FWT_ACTIVATION_US;
    ks_status last = KS_ERR_TIMEOUT;
    for (unsigned i = 0; i <= t->max_retries; i++) {
        tcl_block b;
        last = xfer(t, &des, 1, timeout, &b);
        if (last == KS_OK && b.type == TCL_BLOCK_S && !b.wtx)
            return KS_OK;
        if (last == KS_ERR_REMOVED || last == KS_ERR_TRANSPORT)
            return last;
        if (last == KS_OK)
            last = KS_ERR_MALFORMED;
    }
    return last;
}
