/* slot.c — see slot.h. */
#include "slot.h"

#include <string.h>

#include "apdu.h"

/* Fi/Di 1/1, LRC, guard 0, BWI 4 / CWI 13, no clock stop, IFSC 32, NAD 0:
 * the values a T=1 card with the PC/SC contactless ATR implies. */
static const uint8_t default_t1_params[7] = {0x11, 0x10, 0x00, 0x4D, 0x00, 0x20, 0x00};

void slot_init(slot *s, card_if *card, uint8_t wtx_mult)
{
    if (!s)
        return;
    s->card = card;
    s->icc = CCID_ICC_ABSENT;
    s->wtx_mult = wtx_mult;
    t1_init(&s->t1);
    s->atr_len = 0;
    s->hist_len = 0;
    s->type_b = false;
    s->pps_allowed = false;
    s->apdu_level = false;
    memcpy(s->t1_params, default_t1_params, sizeof s->t1_params);
}

void slot_set_apdu_level(slot *s, bool on)
{
    if (s)
        s->apdu_level = on;
}

ks_status slot_atr_build(const uint8_t *in, size_t len, bool type_b, uint8_t *atr, size_t cap,
                         size_t *atr_len, uint8_t *hist, size_t hist_cap, size_t *hist_len)
{
    uint8_t h[SLOT_MAX_HIST];
    size_t k = 0, n;
    uint8_t tck = 0;

    if (!in || !atr || !atr_len || !hist || !hist_len)
        return KS_ERR_ARG;
    if (type_b) {
        /* Application data (4), protocol info (3), MBLI nibble from ATTRIB. */
        if (len < 12 || in[0] != 0x50)
            return KS_ERR_MALFORMED;
        memcpy(h, in + 5, 7);
        h[7] = len >= 13 ? (uint8_t)(in[12] & 0xF0) : 0x00;
        k = 8;
    } else {
        size_t idx = 2;
        if (len < 1 || in[0] != len)
            return KS_ERR_MALFORMED;
        if (len >= 2) {
            uint8_t t0 = in[1];
            idx += (t0 & 0x10) ? 1 : 0;
            idx += (t0 & 0x20) ? 1 : 0;
            idx += (t0 & 0x40) ? 1 : 0;
            if (idx > len)
                return KS_ERR_MALFORMED;
            k = len - idx;
            if (k > SLOT_MAX_HIST) /* the ATR's T0 has room for 15 */
                k = SLOT_MAX_HIST;
            memcpy(h, in + idx, k);
        }
    }
    n = 4 + k + 1;
    if (cap < n || hist_cap < k)
        return KS_ERR_TOO_LARGE;
    atr[0] = 0x3B;
    atr[1] = (uint8_t)(0x80 | k); /* TD1 follows; k historical bytes */
    atr[2] = 0x80;                /* TD2 follows; T=0 */
    atr[3] = 0x01;                /* T=1 */
    memcpy(atr + 4, h, k);
    for (size_t i = 1; i < 4 + k; i++)
        tck ^= atr[i];
    atr[4 + k] = tck;
    *atr_len = n;
    memcpy(hist, h, k);
    *hist_len = k;
    return KS_OK;
}

static void lose_card(slot *s)
{
    s->icc = CCID_ICC_ABSENT;
    s->atr_len = 0;
    s->hist_len = 0;
    s->pps_allowed = false;
    t1_init(&s->t1);
}

bool slot_poll(slot *s)
{
    bool was_present, present;

    if (!s || !s->card || !s->card->ops || !s->card->ops->present)
        return false;
    was_present = s->icc != CCID_ICC_ABSENT;
    present = s->card->ops->present(s->card) == KS_OK;
    if (present && !was_present) {
        s->icc = CCID_ICC_INACTIVE;
    } else if (!present && was_present) {
        if (s->icc == CCID_ICC_ACTIVE && s->card->ops->deactivate)
            s->card->ops->deactivate(s->card);
        lose_card(s);
    }
    return present != was_present;
}

/* ---- replies ---------------------------------------------------------- */

typedef struct reply {
    const ccid_msg *m;
    uint8_t *out;
    size_t cap;
    size_t *out_len;
} reply;

static ks_status fail(const slot *s, const reply *r, uint8_t type, uint8_t error)
{
    const uint8_t p[3] = {(uint8_t)(CCID_CMD_FAILED | s->icc), error, 0};
    if (type == 0)
        type = CCID_RDR_SLOT_STATUS;
    return ccid_build(type, r->m->slot, r->m->seq, p, NULL, 0, r->out, r->cap, r->out_len);
}

static ks_status data_block(const slot *s, const reply *r, const uint8_t *d, size_t n)
{
    return ccid_build_data_block(r->m->slot, r->m->seq, s->icc, 0, 0, d, n, r->out, r->cap,
                                 r->out_len);
}

static ks_status slot_status(const slot *s, const reply *r)
{
    return ccid_build_slot_status(r->m->slot, r->m->seq, s->icc, 0, 0, r->out, r->cap,
                                  r->out_len);
}

static ks_status parameters(const slot *s, const reply *r)
{
    if (s->icc == CCID_ICC_ABSENT)
        return fail(s, r, CCID_RDR_PARAMETERS, CCID_ERR_ICC_MUTE);
    return ccid_build_parameters(r->m->slot, r->m->seq, s->icc, 0, 1, s->t1_params,
                                 sizeof s->t1_params, r->out, r->cap, r->out_len);
}

/* ---- commands --------------------------------------------------------- */

static ks_status power_on(slot *s, const reply *r)
{
    uint8_t raw[64];
    size_t n = 0;
    bool type_b = false;
    ks_status st;

    if (s->icc == CCID_ICC_ABSENT)
        (void)slot_poll(s);
    if (s->icc == CCID_ICC_ABSENT)
        return fail(s, r, CCID_RDR_DATA_BLOCK, CCID_ERR_ICC_MUTE);
    if (s->icc == CCID_ICC_ACTIVE && s->card->ops->deactivate) /* a warm reset */
        s->card->ops->deactivate(s->card);
    s->icc = CCID_ICC_INACTIVE;
    st = s->card->ops->activate(s->card, raw, sizeof raw, &n, &type_b);
    if (st == KS_OK && n <= sizeof raw)
        st = slot_atr_build(raw, n, type_b, s->atr, sizeof s->atr, &s->atr_len, s->hist,
                            sizeof s->hist, &s->hist_len);
    else if (st == KS_OK)
        st = KS_ERR_TOO_LARGE;
    if (st != KS_OK) {
        if (s->card->ops->deactivate)
            s->card->ops->deactivate(s->card);
        if (st == KS_ERR_NOT_FOUND || st == KS_ERR_REMOVED)
            lose_card(s);
        return fail(s, r, CCID_RDR_DATA_BLOCK, CCID_ERR_ICC_MUTE);
    }
    s->type_b = type_b;
    s->icc = CCID_ICC_ACTIVE;
    s->pps_allowed = true;
    t1_init(&s->t1);
    memcpy(s->t1_params, default_t1_params, sizeof s->t1_params);
    return data_block(s, r, s->atr, s->atr_len);
}

static ks_status power_off(slot *s, const reply *r)
{
    if (s->icc == CCID_ICC_ACTIVE) {
        if (s->card->ops->deactivate)
            s->card->ops->deactivate(s->card);
        s->icc = CCID_ICC_INACTIVE;
        s->atr_len = 0;
    }
    s->pps_allowed = false;
    t1_init(&s->t1);
    return slot_status(s, r);
}

static ks_status escape(const slot *s, const reply *r)
{
    static const char fw[] = SLOT_FIRMWARE_STRING;
    const ccid_msg *m = r->m;

    if (m->data_len == 1 && m->data[0] == 0x02)
        return ccid_build_escape(m->slot, m->seq, s->icc, 0, (const uint8_t *)fw, sizeof fw - 1,
                                 r->out, r->cap, r->out_len);
    if (m->data_len == 3 && m->data[0] == 0x01)
        return ccid_build_escape(m->slot, m->seq, s->icc, 0, NULL, 0, r->out, r->cap,
                                 r->out_len);
    return fail(s, r, CCID_RDR_ESCAPE, CCID_ERR_CMD_NOT_SUPPORTED);
}

static ks_status set_parameters(slot *s, const reply *r)
{
    const ccid_msg *m = r->m;

    if (m->param[0] != 1)
        return fail(s, r, CCID_RDR_PARAMETERS, CCID_ERR_BAD_PROTOCOL_NUM);
    if (m->data_len != sizeof s->t1_params)
        return fail(s, r, CCID_RDR_PARAMETERS, CCID_ERR_BAD_LENGTH);
    if (s->icc == CCID_ICC_ABSENT)
        return fail(s, r, CCID_RDR_PARAMETERS, CCID_ERR_ICC_MUTE);
    memcpy(s->t1_params, m->data, sizeof s->t1_params);
    return parameters(s, r);
}

/* Writes a response APDU "data + SW" into s->rsp. */
static size_t local_answer(slot *s, const uint8_t *d, size_t n, uint16_t sw)
{
    if (n)
        memcpy(s->rsp, d, n);
    s->rsp[n] = (uint8_t)(sw >> 8);
    s->rsp[n + 1] = (uint8_t)sw;
    return n + 2;
}

/* PC/SC Part 3 GET DATA, answered by the reader itself. */
static size_t pseudo_apdu(slot *s, const uint8_t *a, size_t len)
{
    apdu_cmd c;
    bool ext;
    uint8_t uid[SLOT_MAX_UID];
    const uint8_t *d;
    size_t n = 0;

    if (apdu_parse_command(a, len, &c, &ext) != KS_OK)
        return local_answer(s, NULL, 0, 0x6700);
    if (c.ins != 0xCA)
        return local_answer(s, NULL, 0, 0x6D00);
    if (c.p2 != 0x00 || c.nc != 0)
        return local_answer(s, NULL, 0, 0x6A86);
    if (c.p1 == 0x00) {
        if (!s->card->ops->uid || s->card->ops->uid(s->card, uid, sizeof uid, &n) != KS_OK ||
            n > sizeof uid)
            return local_answer(s, NULL, 0, 0x6F00);
        d = uid;
    } else if (c.p1 == 0x01 && !s->type_b) {
        d = s->hist;
        n = s->hist_len;
    } else {
        return local_answer(s, NULL, 0, 0x6A81);
    }
    if (c.ne != 0 && c.ne < n) /* Le too short: tell the exact length */
        return local_answer(s, NULL, 0, (uint16_t)(0x6C00 | n));
    return local_answer(s, d, n, APDU_SW_OK);
}

/* Runs the pending command; returns the CCID reply status. */
static ks_status run_apdu(slot *s, const reply *r)
{
    size_t len = 0, rlen = 0, blen = 0;
    const uint8_t *a = t1_apdu(&s->t1, &len);
    ks_status st;

    if (!a)
        return fail(s, r, CCID_RDR_DATA_BLOCK, CCID_ERR_HW_ERROR);
    if (len >= 1 && a[0] == 0xFF) {
        rlen = pseudo_apdu(s, a, len);
    } else {
        st = s->card->ops->transceive(s->card, a, len, s->rsp, sizeof s->rsp, &rlen);
        if (st == KS_ERR_REMOVED) {
            t1_cancel(&s->t1);
            if (s->card->ops->deactivate)
                s->card->ops->deactivate(s->card);
            lose_card(s);
            return fail(s, r, CCID_RDR_DATA_BLOCK, CCID_ERR_ICC_MUTE);
        }
        if (st == KS_ERR_TIMEOUT) {
            t1_cancel(&s->t1);
            return fail(s, r, CCID_RDR_DATA_BLOCK, CCID_ERR_ICC_MUTE);
        }
        /* The card link is fine but the exchange failed: give the host an
         * answer it can act on instead of breaking T=1 sequencing. */
        if (st != KS_OK || rlen < 2 || rlen > sizeof s->rsp)
            rlen = local_answer(s, NULL, 0, 0x6F00);
    }
    if (t1_respond(&s->t1, s->rsp, rlen, s->blk, sizeof s->blk, &blen) != KS_OK)
        return fail(s, r, CCID_RDR_DATA_BLOCK, CCID_ERR_HW_ERROR);
    return data_block(s, r, s->blk, blen);
}

/* APDU level: the card answers straight into the reply, behind a header
 * written last (so a response as large as the reply buffer needs no copy). */
static ks_status xfr_apdu(slot *s, const reply *r)
{
    const ccid_msg *m = r->m;
    uint8_t hdr[CCID_HEADER_LEN];
    uint8_t *resp = r->out + CCID_HEADER_LEN;
    size_t rcap = r->cap - CCID_HEADER_LEN, rlen = 0, hlen = 0;
    ks_status st;

    if (m->param[1] != 0 || m->param[2] != 0) /* wLevelParameter: no chaining */
        return fail(s, r, CCID_RDR_DATA_BLOCK, 0x08);
    if (m->data_len < 4) {
        rlen = local_answer(s, NULL, 0, 0x6700);
        return data_block(s, r, s->rsp, rlen);
    }
    if (m->data[0] == 0xFF) {
        rlen = pseudo_apdu(s, m->data, m->data_len);
        return data_block(s, r, s->rsp, rlen);
    }
    st = s->card->ops->transceive(s->card, m->data, m->data_len, resp, rcap, &rlen);
    if (st == KS_ERR_REMOVED) {
        if (s->card->ops->deactivate)
            s->card->ops->deactivate(s->card);
        lose_card(s);
        return fail(s, r, CCID_RDR_DATA_BLOCK, CCID_ERR_ICC_MUTE);
    }
    if (st == KS_ERR_TIMEOUT)
        return fail(s, r, CCID_RDR_DATA_BLOCK, CCID_ERR_ICC_MUTE);
    if (st != KS_OK || rlen < 2 || rlen > rcap) {
        rlen = local_answer(s, NULL, 0, 0x6F00);
        return data_block(s, r, s->rsp, rlen);
    }
    st = ccid_build_data_block(m->slot, m->seq, s->icc, 0, 0, NULL, 0, hdr, sizeof hdr, &hlen);
    if (st != KS_OK)
        return st;
    memcpy(r->out, hdr, sizeof hdr);
    r->out[1] = (uint8_t)rlen; /* dwLength, little-endian */
    r->out[2] = (uint8_t)(rlen >> 8);
    r->out[3] = (uint8_t)(rlen >> 16);
    r->out[4] = (uint8_t)(rlen >> 24);
    *r->out_len = CCID_HEADER_LEN + rlen;
    return KS_OK;
}

/* A PPS request (ISO 7816-3 clause 9): PPSS, PPS0, optional PPS1..3, PCK. */
static bool is_pps(const uint8_t *d, size_t n)
{
    size_t want = 3;
    uint8_t x = 0;

    if (n < 3 || d[0] != 0xFF)
        return false;
    want += (d[1] & 0x10) ? 1 : 0;
    want += (d[1] & 0x20) ? 1 : 0;
    want += (d[1] & 0x40) ? 1 : 0;
    if (n != want)
        return false;
    for (size_t i = 0; i < n; i++)
        x ^= d[i];
    return x == 0;
}

static ks_status xfr_block(slot *s, const reply *r)
{
    size_t blen = 0;
    t1_event ev;

    if (s->icc != CCID_ICC_ACTIVE)
        return fail(s, r, CCID_RDR_DATA_BLOCK, CCID_ERR_ICC_MUTE);
    if (s->apdu_level)
        return xfr_apdu(s, r);
    if (s->pps_allowed && is_pps(r->m->data, r->m->data_len)) {
        /* Echo = accepted. Only T=1 exists behind this slot; Fi/Di mean
         * nothing on a contactless link, so PPS1 is accepted as asked. */
        if ((r->m->data[1] & 0x0F) != 1)
            return fail(s, r, CCID_RDR_DATA_BLOCK, CCID_ERR_ICC_PROTOCOL_NOT_SUPPORTED);
        return data_block(s, r, r->m->data, r->m->data_len);
    }
    s->pps_allowed = false;
    ev = t1_receive(&s->t1, r->m->data, r->m->data_len, s->blk, sizeof s->blk, &blen);
    if (ev == T1_SEND)
        return data_block(s, r, s->blk, blen);
    if (ev != T1_APDU)
        return fail(s, r, CCID_RDR_DATA_BLOCK, CCID_ERR_HW_ERROR);
    if (s->wtx_mult && !t1_wtx_granted(&s->t1)) {
        if (t1_build_wtx(&s->t1, s->wtx_mult, s->blk, sizeof s->blk, &blen) != KS_OK)
            return fail(s, r, CCID_RDR_DATA_BLOCK, CCID_ERR_HW_ERROR);
        return data_block(s, r, s->blk, blen);
    }
    return run_apdu(s, r);
}

ks_status slot_handle(slot *s, const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
                      size_t *out_len)
{
    ccid_msg m;
    reply r;
    ks_status st;

    if (!s || !s->card || !s->card->ops || !msg || !out || !out_len)
        return KS_ERR_ARG;
    if (len < CCID_HEADER_LEN)
        return KS_ERR_MALFORMED;
    if (cap < SLOT_MIN_OUT)
        return KS_ERR_TOO_LARGE;
    st = ccid_parse(msg, len, &m);
    r.m = &m;
    r.out = out;
    r.cap = cap;
    r.out_len = out_len;
    if (st != KS_OK) {
        /* Answer from the header alone so the host is not left waiting. */
        m.type = msg[0];
        m.slot = msg[5];
        m.seq = msg[6];
        return fail(s, &r, ccid_reply_type(m.type), CCID_ERR_BAD_LENGTH);
    }
    if (m.slot != 0)
        return fail(s, &r, ccid_reply_type(m.type), CCID_ERR_BAD_SLOT);
    switch (m.type) {
    case CCID_PC_ICC_POWER_ON:
        return power_on(s, &r);
    case CCID_PC_ICC_POWER_OFF:
        return power_off(s, &r);
    case CCID_PC_GET_SLOT_STATUS:
        (void)slot_poll(s);
        return slot_status(s, &r);
    case CCID_PC_XFR_BLOCK:
        return xfr_block(s, &r);
    case CCID_PC_GET_PARAMETERS:
        return parameters(s, &r);
    case CCID_PC_RESET_PARAMETERS:
        memcpy(s->t1_params, default_t1_params, sizeof s->t1_params);
        return parameters(s, &r);
    case CCID_PC_SET_PARAMETERS:
        return set_parameters(s, &r);
    case CCID_PC_ESCAPE:
        return escape(s, &r);
    case CCID_PC_ABORT:
        return slot_status(s, &r);
    default:
        return fail(s, &r, ccid_reply_type(m.type), CCID_ERR_CMD_NOT_SUPPORTED);
    }
}
