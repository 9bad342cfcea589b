/*
 * pn532.c — PN532 HSU framing, commands and the nfc_frontend on top.
 */
#include "pn532.h"

#include <string.h>

enum {
    S_START0 = 0, S_START1, S_LEN, S_LCS, S_XLEN_M, S_XLEN_L, S_XLCS, S_BODY, S_DCS
};

/* Extra link wait over the chip's own RF timeout: UART transfer of a full
 * frame at 115200 Bd (~25 ms) plus the chip's processing. */
#define PN532_LINK_MARGIN_MS 100u
/* Longest RF answer window the chip offers (RetryTimeout code 0x10). */
#define PN532_MAX_TIMEOUT_CODE 16u
#define PN532_MAX_THRU_DATA 262u

static const uint8_t pn532_ack_frame[6] = {0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00};
static const uint8_t pn532_nack_frame[6] = {0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00};

ks_status pn532_frame_encode(uint8_t tfi, const uint8_t *body, size_t body_len, uint8_t *out,
                             size_t cap, size_t *out_len)
{
    if (!out || !out_len || (body_len && !body))
        return KS_ERR_ARG;
    size_t n = body_len + 1u; /* TFI counts in LEN */
    if (n > PN532_MAX_BODY)
        return KS_ERR_TOO_LARGE;
    bool extended = n > 255u;
    size_t total = n + (extended ? 10u : 7u);
    if (total > cap)
        return KS_ERR_TOO_LARGE;
    size_t i = 0;
    out[i++] = 0x00;
    out[i++] = 0x00;
    out[i++] = 0xFF;
    if (extended) {
        uint8_t hi = (uint8_t)(n >> 8), lo = (uint8_t)n;
        out[i++] = 0xFF;
        out[i++] = 0xFF;
        out[i++] = hi;
        out[i++] = lo;
        out[i++] = (uint8_t)(0u - (unsigned)hi - (unsigned)lo);
    } else {
        out[i++] = (uint8_t)n;
        out[i++] = (uint8_t)(0u - (unsigned)n);
    }
    unsigned sum = tfi;
    out[i++] = tfi;
    for (size_t k = 0; k < body_len; k++) {
        out[i++] = body[k];
        sum += body[k];
    }
    out[i++] = (uint8_t)(0u - sum);
    out[i++] = 0x00;
    *out_len = i;
    return KS_OK;
}

void pn532_decoder_reset(pn532_decoder *d)
{
    memset(d, 0, sizeof *d);
}

static pn532_event restart(pn532_decoder *d, pn532_event ev)
{
    d->state = S_START0;
    return ev;
}

pn532_event pn532_decoder_feed(pn532_decoder *d, uint8_t b)
{
    switch (d->state) {
    case S_START0:
        if (b == 0x00)
            d->state = S_START1;
        return PN532_EV_NONE;
    case S_START1:
        /* Any run of 00 may precede FF (preamble, postamble of the last frame). */
        if (b == 0xFF)
            d->state = S_LEN;
        else if (b != 0x00)
            d->state = S_START0;
        return PN532_EV_NONE;
    case S_LEN:
        d->len_hi = b;
        d->state = S_LCS;
        return PN532_EV_NONE;
    case S_LCS:
        if (d->len_hi == 0x00 && b == 0xFF)
            return restart(d, PN532_EV_ACK);
        if (d->len_hi == 0xFF && b == 0x00)
            return restart(d, PN532_EV_NACK);
        if (d->len_hi == 0xFF && b == 0xFF) {
            d->state = S_XLEN_M;
            return PN532_EV_NONE;
        }
        if (d->len_hi == 0 || (uint8_t)(d->len_hi + b) != 0)
            return restart(d, PN532_EV_BAD_FRAME);
        d->len = d->len_hi;
        d->got = 0;
        d->sum = 0;
        d->state = S_BODY;
        return PN532_EV_NONE;
    case S_XLEN_M:
        d->len_hi = b;
        d->state = S_XLEN_L;
        return PN532_EV_NONE;
    case S_XLEN_L:
        d->len_lo = b;
        d->state = S_XLCS;
        return PN532_EV_NONE;
    case S_XLCS: {
        size_t n = ((size_t)d->len_hi << 8) | d->len_lo;
        if ((uint8_t)(d->len_hi + d->len_lo + b) != 0 || n == 0 || n > PN532_MAX_BODY)
            return restart(d, PN532_EV_BAD_FRAME);
        d->len = n;
        d->got = 0;
        d->sum = 0;
        d->state = S_BODY;
        return PN532_EV_NONE;
    }
    case S_BODY:
        if (d->got >= d->len || d->got >= sizeof d->body) /* cannot happen; keeps the bound local */
            return restart(d, PN532_EV_BAD_FRAME);
        d->body[d->got++] = b;
        d->sum = (uint8_t)(d->sum + b);
        if (d->got == d->len)
            d->state = S_DCS;
        return PN532_EV_NONE;
    case S_DCS:
        if ((uint8_t)(d->sum + b) != 0)
            return restart(d, PN532_EV_BAD_FRAME);
        if (d->len == 1 && d->body[0] == PN532_TFI_ERROR)
            return restart(d, PN532_EV_ERROR_FRAME);
        return restart(d, PN532_EV_FRAME);
    default:
        return restart(d, PN532_EV_BAD_FRAME);
    }
}

/* ---- command layer ---------------------------------------------------- */

static uint32_t now(const pn532 *p)
{
    return nfc_now_ms(&p->fe);
}

/* Next decoder event before the deadline, reading the link as needed. */
static ks_status next_event(pn532 *p, uint32_t start, uint32_t timeout_ms, pn532_event *ev)
{
    for (;;) {
        while (p->rxq_pos < p->rxq_len) {
            pn532_event e = pn532_decoder_feed(&p->dec, p->rxq[p->rxq_pos++]);
            if (e != PN532_EV_NONE) {
                *ev = e;
                return KS_OK;
            }
        }
        uint32_t spent = now(p) - start;
        if (spent >= timeout_ms)
            return KS_ERR_TIMEOUT;
        size_t got = 0;
        ks_status st = p->link.read(p->link.ctx, p->rxq, sizeof p->rxq, &got, timeout_ms - spent);
        if (st == KS_ERR_TIMEOUT)
            return KS_ERR_TIMEOUT;
        if (st != KS_OK || got > sizeof p->rxq)
            return KS_ERR_TRANSPORT;
        p->rxq_pos = 0;
        p->rxq_len = got;
    }
}

static ks_status link_write(pn532 *p, const uint8_t *data, size_t len)
{
    return p->link.write(p->link.ctx, data, len) == KS_OK ? KS_OK : KS_ERR_TRANSPORT;
}

static ks_status wait_ack(pn532 *p, const uint8_t *frame, size_t frame_len)
{
    bool resent = false;
    uint32_t start = now(p);
    for (;;) {
        pn532_event ev;
        ks_status st = next_event(p, start, p->cfg.ack_timeout_ms, &ev);
        if (st == KS_ERR_TIMEOUT && !resent) {
            /* No ACK: the chip never took the frame (lost or garbled on the
             * line), so sending it again cannot run the command twice. */
            resent = true;
            st = link_write(p, frame, frame_len);
            if (st != KS_OK)
                return st;
            start = now(p);
            continue;
        }
        if (st != KS_OK)
            return st;
        if (ev == PN532_EV_ACK)
            return KS_OK;
        if (ev == PN532_EV_NACK && !resent) {
            resent = true;
            st = link_write(p, frame, frame_len);
            if (st != KS_OK)
                return st;
            continue;
        }
        if (ev == PN532_EV_BAD_FRAME)
            continue;
        return KS_ERR_TRANSPORT;
    }
}

ks_status pn532_command(pn532 *p, uint8_t cmd, const uint8_t *params, size_t params_len,
                        uint8_t *resp, size_t cap, size_t *resp_len, uint32_t timeout_ms)
{
    if (!p || (params_len && !params) || (cap && !resp) || !resp_len)
        return KS_ERR_ARG;
    uint8_t body[PN532_MAX_BODY];
    if (params_len + 1u >= PN532_MAX_BODY)
        return KS_ERR_TOO_LARGE;
    body[0] = cmd;
    if (params_len)
        memcpy(body + 1, params, params_len);
    size_t flen = 0;
    ks_status st = pn532_frame_encode(PN532_TFI_HOST, body, params_len + 1u, p->frame,
                                      sizeof p->frame, &flen);
    if (st != KS_OK)
        return st;
    /* Bytes still queued belong to an earlier, abandoned exchange. */
    p->rxq_pos = p->rxq_len = 0;
    pn532_decoder_reset(&p->dec);
    st = link_write(p, p->frame, flen);
    if (st != KS_OK)
        return st;
    st = wait_ack(p, p->frame, flen);
    if (st != KS_OK)
        return st;

    unsigned nacks = 0;
    uint32_t start = now(p);
    for (;;) {
        pn532_event ev;
        st = next_event(p, start, timeout_ms, &ev);
        if (st == KS_ERR_TIMEOUT) {
            /* An ACK from the host aborts the chip's current command. */
            (void)link_write(p, pn532_ack_frame, sizeof pn532_ack_frame);
            return KS_ERR_TIMEOUT;
        }
        if (st != KS_OK)
            return st;
        if (ev == PN532_EV_ACK)
            continue;
        if (ev == PN532_EV_BAD_FRAME) {
            if (++nacks > 2)
                return KS_ERR_TRANSPORT;
            st = link_write(p, pn532_nack_frame, sizeof pn532_nack_frame);
            if (st != KS_OK)
                return st;
            continue;
        }
        if (ev != PN532_EV_FRAME)
            return KS_ERR_TRANSPORT;
        size_t n = pn532_decoder_body_len(&p->dec);
        const uint8_t *b = pn532_decoder_body(&p->dec);
        if (n < 2 || b[0] != PN532_TFI_CHIP || b[1] != (uint8_t)(cmd + 1u))
            return KS_ERR_TRANSPORT;
        if (n - 2 > cap)
            return KS_ERR_TOO_LARGE;
        if (n > 2)
            memcpy(resp, b + 2, n - 2);
        *resp_len = n - 2;
        return KS_OK;
    }
}

ks_status pn532_status_to_ks(uint8_t status)
{
    switch (status & 0x3Fu) {
    case 0x00: return KS_OK;
    case 0x01: return KS_ERR_TIMEOUT;
    case 0x02: /* CRC */
    case 0x03: /* parity */
    case 0x04: /* bit count in anticollision */
    case 0x05: /* framing */
    case 0x06: /* bit collision */
    case 0x09: /* RF buffer overflow */
    case 0x0B: /* RF protocol error */
        return KS_ERR_MALFORMED;
    case 0x07: return KS_ERR_TOO_LARGE;
    case 0x29: /* target released */
    case 0x2B: /* card disappeared */
        return KS_ERR_REMOVED;
    default: return KS_ERR_TRANSPORT;
    }
}

ks_status pn532_get_firmware_version(pn532 *p, uint8_t out[4])
{
    size_t n = 0;
    ks_status st = pn532_command(p, PN532_CMD_GET_FIRMWARE_VERSION, NULL, 0, out, 4, &n,
                                 p->cfg.cmd_timeout_ms);
    if (st != KS_OK)
        return st;
    return n == 4 ? KS_OK : KS_ERR_TRANSPORT;
}

ks_status pn532_diagnose_echo(pn532 *p, const uint8_t *data, size_t len)
{
    uint8_t params[64], resp[64];
    if (len + 1u > sizeof params)
        return KS_ERR_TOO_LARGE;
    params[0] = 0x00; /* NumTst 0: communication line test */
    if (len)
        memcpy(params + 1, data, len);
    size_t n = 0;
    ks_status st = pn532_command(p, PN532_CMD_DIAGNOSE, params, len + 1u, resp, sizeof resp, &n,
                                 p->cfg.cmd_timeout_ms);
    if (st != KS_OK)
        return st;
    return (n == len + 1u && memcmp(resp, params, n) == 0) ? KS_OK : KS_ERR_TRANSPORT;
}

ks_status pn532_read_register(pn532 *p, uint16_t addr, uint8_t *value)
{
    uint8_t params[2] = {(uint8_t)(addr >> 8), (uint8_t)addr};
    uint8_t resp[2];
    size_t n = 0;
    ks_status st = pn532_command(p, PN532_CMD_READ_REGISTER, params, 2, resp, sizeof resp, &n,
                                 p->cfg.cmd_timeout_ms);
    if (st != KS_OK)
        return st;
    if (n != 1)
        return KS_ERR_TRANSPORT;
    *value = resp[0];
    return KS_OK;
}

ks_status pn532_write_register(pn532 *p, uint16_t addr, uint8_t value)
{
    uint8_t params[3] = {(uint8_t)(addr >> 8), (uint8_t)addr, value};
    uint8_t resp[1];
    size_t n = 0;
    return pn532_command(p, PN532_CMD_WRITE_REGISTER, params, 3, resp, sizeof resp, &n,
                         p->cfg.cmd_timeout_ms);
}

static ks_status rf_config(pn532 *p, const uint8_t *params, size_t len)
{
    uint8_t resp[1];
    size_t n = 0;
    return pn532_command(p, PN532_CMD_RF_CONFIGURATION, params, len, resp, sizeof resp, &n,
                         p->cfg.cmd_timeout_ms);
}

ks_status pn532_rf_field(pn532 *p, bool on)
{
    uint8_t params[2] = {0x01, on ? 0x01 : 0x00}; /* item 1: RF field, AutoRFCA off */
    ks_status st = rf_config(p, params, sizeof params);
    if (st == KS_OK && !on)
        p->tg = 0;
    return st;
}

uint8_t pn532_timeout_code(uint32_t timeout_us)
{
    uint8_t n = 1;
    uint32_t t = 100;
    while (t < timeout_us && n < PN532_MAX_TIMEOUT_CODE) {
        t *= 2u;
        n++;
    }
    return n;
}

static ks_status set_retry_timeout(pn532 *p, uint32_t timeout_us)
{
    uint8_t code = pn532_timeout_code(timeout_us);
    if (code == p->retry_timeout)
        return KS_OK;
    /* item 2: RFU, ATR_RES timeout (0x0B = 102 ms), non-DEP timeout */
    uint8_t params[4] = {0x02, 0x00, 0x0B, code};
    ks_status st = rf_config(p, params, sizeof params);
    if (st == KS_OK)
        p->retry_timeout = code;
    return st;
}

/* ---- InListPassiveTarget answers -------------------------------------- */

ks_status pn532_parse_list_answer(const uint8_t *ans, size_t len, uint8_t brty, uint8_t *tg,
                                  nfc_target *out)
{
    if (!ans || !tg || !out)
        return KS_ERR_ARG;
    if (len < 1)
        return KS_ERR_TRUNCATED;
    if (ans[0] == 0)
        return KS_ERR_NOT_FOUND;
    memset(out, 0, sizeof *out);
    if (brty == 0x00) {
        /* NbTg Tg SENS_RES(2, MSB first) SEL_RES NFCIDLength NFCID1 [ATS] */
        if (len < 6)
            return KS_ERR_TRUNCATED;
        size_t uid_len = ans[5];
        if (uid_len != 4 && uid_len != 7 && uid_len != 10)
            return KS_ERR_MALFORMED;
        if (len < 6 + uid_len)
            return KS_ERR_TRUNCATED;
        out->tech = NFC_TECH_A;
        *tg = ans[1];
        out->atqa[0] = ans[3];
        out->atqa[1] = ans[2];
        out->sak = ans[4];
        memcpy(out->uid, ans + 6, uid_len);
        out->uid_len = uid_len;
        size_t rest = len - 6 - uid_len;
        if (rest) {
            const uint8_t *ats = ans + 6 + uid_len;
            /* TL counts itself; trailing bytes beyond TL belong to a second target we did not ask for. */
            if (ats[0] < 1 || ats[0] > rest)
                return KS_ERR_MALFORMED;
            if (ats[0] > NFC_ATS_MAX)
                return KS_ERR_TOO_LARGE;
            memcpy(out->ats, ats, ats[0]);
            out->ats_len = ats[0];
        }
        return KS_OK;
    }
    if (brty == 0x03) {
        /* NbTg Tg ATQB(12) ATTRIB_RES length, ATTRIB_RES */
        if (len < 2 + NFC_ATQB_LEN + 1)
            return KS_ERR_TRUNCATED;
        if (ans[2] != 0x50)
            return KS_ERR_MALFORMED;
        size_t alen = ans[2 + NFC_ATQB_LEN];
        if (len < 3 + NFC_ATQB_LEN + alen)
            return KS_ERR_TRUNCATED;
        out->tech = NFC_TECH_B;
        *tg = ans[1];
        memcpy(out->atqb, ans + 2, NFC_ATQB_LEN);
        memcpy(out->uid, ans + 3, 4);
        out->uid_len = 4;
        if (alen) {
            out->attrib_res0 = ans[3 + NFC_ATQB_LEN];
            out->has_attrib_res = true;
        }
        return KS_OK;
    }
    return KS_ERR_UNSUPPORTED;
}

/* ---- the front-end ---------------------------------------------------- */

static pn532 *from_fe(nfc_frontend *fe)
{
    return (pn532 *)(void *)fe;
}

static ks_status fe_field(nfc_frontend *fe, bool on)
{
    return pn532_rf_field(from_fe(fe), on);
}

static ks_status list_one(pn532 *p, const uint8_t *params, size_t len, nfc_target *out)
{
    uint8_t resp[PN532_MAX_BODY];
    size_t n = 0;
    ks_status st = pn532_command(p, PN532_CMD_IN_LIST_PASSIVE_TARGET, params, len, resp,
                                 sizeof resp, &n, p->cfg.cmd_timeout_ms);
    if (st == KS_ERR_TIMEOUT)
        return KS_ERR_NOT_FOUND;
    if (st != KS_OK)
        return st;
    uint8_t tg = 0;
    st = pn532_parse_list_answer(resp, n, params[1], &tg, out);
    if (st == KS_OK)
        p->tg = tg;
    return st;
}

static ks_status fe_poll_a(nfc_frontend *fe, nfc_target *out)
{
    static const uint8_t params[2] = {0x01, 0x00};
    return list_one(from_fe(fe), params, sizeof params, out);
}

static ks_status fe_poll_b(nfc_frontend *fe, uint8_t afi, nfc_target *out)
{
    uint8_t params[3] = {0x01, 0x03, afi};
    return list_one(from_fe(fe), params, sizeof params, out);
}

static ks_status fe_transceive(nfc_frontend *fe, const uint8_t *tx, size_t tx_len, uint8_t *rx,
                               size_t cap, size_t *rx_len, uint32_t timeout_us)
{
    pn532 *p = from_fe(fe);
    if (!tx || !rx || !rx_len || tx_len == 0)
        return KS_ERR_ARG;
    if (tx_len > PN532_MAX_THRU_DATA)
        return KS_ERR_TOO_LARGE;
    ks_status st = set_retry_timeout(p, timeout_us);
    if (st != KS_OK)
        return st;
    uint8_t resp[PN532_MAX_BODY];
    size_t n = 0;
    st = pn532_command(p, PN532_CMD_IN_COMMUNICATE_THRU, tx, tx_len, resp, sizeof resp, &n,
                       timeout_us / 1000u + PN532_LINK_MARGIN_MS);
    if (st == KS_ERR_TIMEOUT)
        return KS_ERR_TRANSPORT; /* the chip, not the card, stopped answering */
    if (st != KS_OK)
        return st;
    if (n < 1)
        return KS_ERR_TRANSPORT;
    st = pn532_status_to_ks(resp[0]);
    if (st != KS_OK)
        return st;
    if (n - 1 > cap)
        return KS_ERR_TOO_LARGE;
    memcpy(rx, resp + 1, n - 1);
    *rx_len = n - 1;
    return KS_OK;
}

static ks_status fe_exchange_apdu(nfc_frontend *fe, const uint8_t *apdu, size_t len,
                                  uint8_t *out, size_t cap, size_t *out_len)
{
    pn532 *p = from_fe(fe);
    if (!apdu || !out || !out_len)
        return KS_ERR_ARG;
    if (len + 1u > PN532_MAX_THRU_DATA + 1u)
        return KS_ERR_TOO_LARGE;
    uint8_t params[PN532_MAX_THRU_DATA + 1u];
    params[0] = p->tg;
    memcpy(params + 1, apdu, len);
    size_t plen = len + 1u, total = 0;
    for (;;) {
        uint8_t resp[PN532_MAX_BODY];
        size_t n = 0;
        /* The chip answers within FWT_max of the card plus its own retries. */
        ks_status st = pn532_command(p, PN532_CMD_IN_DATA_EXCHANGE, params, plen, resp,
                                     sizeof resp, &n, 5000u + PN532_LINK_MARGIN_MS);
        if (st != KS_OK)
            return st == KS_ERR_TIMEOUT ? KS_ERR_TRANSPORT : st;
        if (n < 1)
            return KS_ERR_TRANSPORT;
        st = pn532_status_to_ks(resp[0]);
        if (st != KS_OK)
            return st;
        if (n - 1 > cap - total)
            return KS_ERR_TOO_LARGE;
        memcpy(out + total, resp + 1, n - 1);
        total += n - 1;
        if (!(resp[0] & 0x40u)) /* MI: the chip holds more of the answer */
            break;
        plen = 1;
    }
    *out_len = total;
    return KS_OK;
}

static ks_status fe_release(nfc_frontend *fe)
{
    pn532 *p = from_fe(fe);
    uint8_t params[1] = {p->tg};
    uint8_t resp[1];
    size_t n = 0;
    ks_status st = pn532_command(p, PN532_CMD_IN_RELEASE, params, 1, resp, sizeof resp, &n,
                                 p->cfg.cmd_timeout_ms);
    p->tg = 0;
    if (st != KS_OK)
        return st;
    return n >= 1 ? pn532_status_to_ks(resp[0]) : KS_ERR_TRANSPORT;
}

static const struct nfc_frontend_ops pn532_ops = {
    .field = fe_field,
    .poll_a = fe_poll_a,
    .poll_b = fe_poll_b,
    .transceive = fe_transceive,
    .raw = NULL,
    .exchange_apdu = fe_exchange_apdu,
    .release = fe_release,
};

void pn532_init(pn532 *p, const nfc_link *link, const nfc_clock *clock, const pn532_config *cfg)
{
    memset(p, 0, sizeof *p);
    p->fe.ops = &pn532_ops;
    if (clock)
        p->fe.clock = *clock;
    p->fe.max_frame = PN532_MAX_THRU_DATA;
    p->link = *link;
    if (cfg)
        p->cfg = *cfg;
    if (!p->cfg.ack_timeout_ms)
        p->cfg.ack_timeout_ms = 100;
    if (!p->cfg.cmd_timeout_ms)
        p->cfg.cmd_timeout_ms = 1000;
    if (!p->cfg.passive_retries || p->cfg.passive_retries == 0xFF)
        p->cfg.passive_retries = 1;
}

ks_status pn532_begin(pn532 *p)
{
    /* HSU wake-up: 55 55 then zeros long enough for the oscillator to start. */
    static const uint8_t wake[16] = {0x55, 0x55};
    ks_status st = link_write(p, wake, sizeof wake);
    if (st != KS_OK)
        return st;
    uint8_t resp[4];
    size_t n = 0;
    static const uint8_t sam[3] = {0x01, 0x14, 0x01}; /* normal mode, 1 s, use IRQ */
    st = pn532_command(p, PN532_CMD_SAM_CONFIGURATION, sam, sizeof sam, resp, sizeof resp, &n,
                       p->cfg.cmd_timeout_ms);
    if (st != KS_OK)
        return st;
    st = pn532_get_firmware_version(p, p->fw);
    if (st != KS_OK)
        return st;
    if (p->fw[0] != 0x32)
        return KS_ERR_UNSUPPORTED;
    /* item 5: MxRtyATR, MxRtyPSL, MxRtyPassiveActivation (0xFF would poll forever) */
    uint8_t retries[4] = {0x05, 0xFF, 0x01, p->cfg.passive_retries};
    return rf_config(p, retries, sizeof retries);
}
