#include "chan.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "atr.h"

/* One extended command or response APDU, with room for SM overhead. */
#define CHAN_WIRE_CAP (APDU_MAX_COMMAND + 64u)

ks_status chan_init(chan *c, transport *t)
{
    memset(c, 0, sizeof *c);
    c->t = t;
    c->wire = malloc(CHAN_WIRE_CAP);
    if (!c->wire)
        return KS_ERR_NO_MEMORY;
    c->wire_cap = CHAN_WIRE_CAP;

    transport_caps caps;
    ks_status st = transport_caps_get(t, &caps);
    if (st != KS_OK)
        return st;
    c->max_response = caps.max_response;

    /* The card must announce extended length too; without an announcement we
     * stay with short APDUs, which every card takes. */
    uint8_t atr[40];
    size_t atr_len = 0;
    atr_info info;
    bool card_ext = transport_atr(t, atr, sizeof atr, &atr_len) == KS_OK &&
                    atr_parse(atr, atr_len, &info) == KS_OK && info.extended_length;
    c->extended = caps.extended_length && card_ext;
    return KS_OK;
}

void chan_free(chan *c)
{
    free(c->wire);
    c->wire = NULL;
    OPENSSL_cleanse(&c->sm, sizeof c->sm);
    c->sm_active = false;
}

void chan_start_sm(chan *c, const sm_ctx *sm)
{
    c->sm = *sm;
    c->sm_active = true;
}

void chan_stop_sm(chan *c)
{
    OPENSSL_cleanse(&c->sm, sizeof c->sm);
    c->sm_active = false;
}

void chan_disable_extended(chan *c)
{
    c->extended = false;
}

size_t chan_max_read(const chan *c)
{
    /* Response data room: what the path carries minus SW1 SW2. */
    size_t room = c->extended ? c->max_response - 2 : APDU_SHORT_MAX_NE;
    if (room > APDU_EXT_MAX_NE)
        room = APDU_EXT_MAX_NE;
    return c->sm_active ? sm_max_plain_ne(&c->sm, room) : room;
}

static ks_status exchange(chan *c, const apdu_cmd *cmd, size_t *raw_len)
{
    size_t n = 0;
    ks_status st = apdu_encode(cmd, APDU_FORM_AUTO, c->wire, c->wire_cap, &n);
    if (st != KS_OK)
        return st;
    c->stats.apdus++;
    c->stats.bytes_sent += n;
    /* The transport reads the command before writing the response, so one
     * buffer serves both directions. */
    st = transport_transmit(c->t, c->wire, n, c->wire, c->wire_cap, raw_len);
    if (st == KS_OK)
        c->stats.bytes_received += *raw_len;
    return st;
}

ks_status chan_transmit(chan *c, const apdu_cmd *cmd, uint8_t *resp, size_t cap,
                        size_t *resp_len, uint16_t *sw)
{
    size_t raw_len = 0;
    ks_status st;
    if (!c->sm_active) {
        st = exchange(c, cmd, &raw_len);
        if (st != KS_OK)
            return st;
        apdu_resp r;
        st = apdu_parse_response(c->wire, raw_len, &r);
        if (st != KS_OK)
            return st;
        if (r.len > cap)
            return KS_ERR_TOO_LARGE;
        memcpy(resp, r.data, r.len);
        *resp_len = r.len;
        *sw = r.sw;
        return KS_OK;
    }

    /* The protected data field is built in its own buffer, then encoded into
     * the wire buffer by exchange(). */
    size_t body_cap = cmd->nc + 64;
    uint8_t *body = malloc(body_cap);
    if (!body)
        return KS_ERR_NO_MEMORY;
    apdu_cmd wrapped;
    st = sm_wrap(&c->sm, cmd, body, body_cap, &wrapped);
    if (st == KS_OK)
        st = exchange(c, &wrapped, &raw_len);
    free(body);
    if (st != KS_OK)
        return st;
    apdu_resp r;
    st = apdu_parse_response(c->wire, raw_len, &r);
    if (st != KS_OK)
        return st;
    st = sm_unwrap(&c->sm, r.data, r.len, r.sw, resp, cap, resp_len, sw);
    if (st == KS_ERR_AUTH)
        chan_stop_sm(c);
    return st;
}
