/* t1.c — see t1.h. ISO/IEC 7816-3 clause 11, card side. */
#include "t1.h"

#include <string.h>

static bool host_chaining(const t1_ctx *t)
{
    return t->cmd_len > 0 && !t->cmd_ready;
}

static bool response_chaining(const t1_ctx *t)
{
    return t->rsp_off > 0 && t->rsp_off < t->rsp_len;
}

void t1_init(t1_ctx *t)
{
    if (!t)
        return;
    t->card_ns = 0;
    t->host_ns = 0;
    t->ifsd = T1_DEFAULT_IFS;
    t->cmd_len = 0;
    t->cmd_overflow = false;
    t->cmd_ready = false;
    t->wtx_sent = false;
    t->wtx_granted = false;
    t->rsp_len = 0;
    t->rsp_off = 0;
    t->last_len = 0;
    t->nad = 0;
}

ks_status t1_build_block(uint8_t nad, uint8_t pcb, const uint8_t *inf, size_t inf_len,
                         uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t lrc;

    if (!out || !out_len || (inf_len && !inf))
        return KS_ERR_ARG;
    if (inf_len > T1_MAX_INF)
        return KS_ERR_ARG;
    if (cap < inf_len + 4)
        return KS_ERR_TOO_LARGE;
    out[0] = nad;
    out[1] = pcb;
    out[2] = (uint8_t)inf_len;
    if (inf_len)
        memmove(out + 3, inf, inf_len);
    lrc = 0;
    for (size_t i = 0; i < 3 + inf_len; i++)
        lrc ^= out[i];
    out[3 + inf_len] = lrc;
    *out_len = inf_len + 4;
    return KS_OK;
}

static t1_event copy_out(const uint8_t *blk, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    if (cap < n)
        return T1_ERROR;
    memcpy(out, blk, n);
    *out_len = n;
    return T1_SEND;
}

/* Sends a block and remembers it for a later re-send request. */
static t1_event emit(t1_ctx *t, uint8_t pcb, const uint8_t *inf, size_t n, uint8_t *out,
                     size_t cap, size_t *out_len)
{
    if (t1_build_block(t->nad, pcb, inf, n, t->last, sizeof t->last, &t->last_len) != KS_OK)
        return T1_ERROR;
    return copy_out(t->last, t->last_len, out, cap, out_len);
}

static uint8_t r_pcb(const t1_ctx *t, uint8_t err)
{
    return (uint8_t)(T1_PCB_R | (t->host_ns ? T1_PCB_R_NR : 0) | err);
}

/* Error R-blocks are not remembered: a re-send request must get the last
 * meaningful block, or two sides exchanging error R-blocks would never stop. */
static t1_event send_error(t1_ctx *t, uint8_t err, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t blk[4];
    size_t n;

    /* While our S(WTX request) is unanswered the rule is to repeat it. */
    if (t->cmd_ready && t->wtx_sent && t->last_len)
        return copy_out(t->last, t->last_len, out, cap, out_len);
    if (t1_build_block(t->nad, r_pcb(t, err), NULL, 0, blk, sizeof blk, &n) != KS_OK)
        return T1_ERROR;
    return copy_out(blk, n, out, cap, out_len);
}

static t1_event resend_last(t1_ctx *t, uint8_t *out, size_t cap, size_t *out_len)
{
    if (t->last_len == 0)
        return emit(t, r_pcb(t, 0), NULL, 0, out, cap, out_len);
    return copy_out(t->last, t->last_len, out, cap, out_len);
}

static t1_event send_response_chunk(t1_ctx *t, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t left = t->rsp_len - t->rsp_off;
    size_t n = left < t->ifsd ? left : t->ifsd;
    bool more = n < left;
    uint8_t pcb = (uint8_t)((t->card_ns ? T1_PCB_I_NS : 0) | (more ? T1_PCB_I_MORE : 0));
    t1_event ev = emit(t, pcb, t->rsp + t->rsp_off, n, out, cap, out_len);

    if (ev != T1_SEND)
        return ev;
    t->card_ns ^= 1;
    t->rsp_off += n;
    if (!more)
        t->rsp_len = t->rsp_off = 0;
    return T1_SEND;
}

static t1_event on_i_block(t1_ctx *t, uint8_t pcb, const uint8_t *inf, size_t n, uint8_t *out,
                           size_t cap, size_t *out_len)
{
    uint8_t ns = (pcb & T1_PCB_I_NS) ? 1 : 0;
    bool more = (pcb & T1_PCB_I_MORE) != 0;

    if (ns != t->host_ns) /* a repeat: the host missed our answer to it */
        return resend_last(t, out, cap, out_len);
    if (response_chaining(t) || t->cmd_ready)
        return send_error(t, T1_R_ERR_OTHER, out, cap, out_len);
    if (!host_chaining(t))
        t->cmd_overflow = false;
    t->host_ns ^= 1;
    if (t->cmd_overflow || n > T1_MAX_APDU - t->cmd_len) {
        t->cmd_overflow = true;
        t->cmd_len = 0;
    } else {
        memcpy(t->cmd + t->cmd_len, inf, n);
        t->cmd_len += n;
    }
    if (more) {
        /* cmd_len may be 0 after an overflow; keep "chaining" alive with a
         * placeholder byte count so the next chunk is not taken as new. */
        if (t->cmd_overflow)
            t->cmd_len = 1;
        return emit(t, r_pcb(t, 0), NULL, 0, out, cap, out_len);
    }
    if (t->cmd_overflow) {
        static const uint8_t wrong_length[2] = {0x67, 0x00};
        t->cmd_overflow = false;
        t->cmd_ready = true;
        return t1_respond(t, wrong_length, 2, out, cap, out_len) == KS_OK ? T1_SEND : T1_ERROR;
    }
    t->cmd_ready = true;
    t->wtx_sent = false;
    t->wtx_granted = false;
    return T1_APDU;
}

static t1_event on_r_block(t1_ctx *t, uint8_t pcb, size_t n, uint8_t *out, size_t cap,
                           size_t *out_len)
{
    uint8_t nr = (pcb & T1_PCB_R_NR) ? 1 : 0;

    if (n != 0 || (pcb & 0x20))
        return send_error(t, T1_R_ERR_OTHER, out, cap, out_len);
    /* An error-free R-block naming our next N(S) acknowledges a chunk. */
    if (response_chaining(t) && nr == t->card_ns && (pcb & 0x0F) == 0)
        return send_response_chunk(t, out, cap, out_len);
    return resend_last(t, out, cap, out_len);
}

static t1_event on_s_block(t1_ctx *t, uint8_t pcb, const uint8_t *inf, size_t n, uint8_t *out,
                           size_t cap, size_t *out_len)
{
    uint8_t kind = pcb & 0x1F;
    uint8_t reply = (uint8_t)(pcb | T1_S_RESPONSE);

    if (pcb & T1_S_RESPONSE) {
        if (kind == T1_S_WTX && n == 1 && t->cmd_ready && t->wtx_sent) {
            t->wtx_sent = false;
            t->wtx_granted = true;
            return T1_APDU;
        }
        return send_error(t, T1_R_ERR_OTHER, out, cap, out_len);
    }
    switch (kind) {
    case T1_S_RESYNCH:
        if (n != 0)
            break;
        {
            uint8_t nad = t->nad;
            t1_init(t);
            t->nad = nad;
        }
        return emit(t, reply, NULL, 0, out, cap, out_len);
    case T1_S_IFS:
        if (n != 1 || inf[0] == 0x00 || inf[0] == 0xFF)
            break;
        t->ifsd = inf[0];
        return emit(t, reply, inf, 1, out, cap, out_len);
    case T1_S_ABORT:
        if (n != 0)
            break;
        t->cmd_len = 0;
        t->cmd_overflow = false;
        t->cmd_ready = false;
        t->wtx_sent = false;
        t->rsp_len = t->rsp_off = 0;
        return emit(t, reply, NULL, 0, out, cap, out_len);
    default:
        break;
    }
    return send_error(t, T1_R_ERR_OTHER, out, cap, out_len);
}

static uint8_t swap_nad(uint8_t nad)
{
    return (uint8_t)(((nad & 0x07) << 4) | ((nad >> 4) & 0x07));
}

t1_event t1_receive(t1_ctx *t, const uint8_t *blk, size_t len, uint8_t *out, size_t cap,
                    size_t *out_len)
{
    uint8_t pcb, lrc = 0;
    size_t n;

    if (!t || !out || !out_len || (len && !blk))
        return T1_ERROR;
    if (len < 4 || blk[2] == 0xFF || len != 4u + blk[2])
        return send_error(t, T1_R_ERR_OTHER, out, cap, out_len);
    for (size_t i = 0; i < len; i++)
        lrc ^= blk[i];
    if (lrc != 0)
        return send_error(t, T1_R_ERR_EDC, out, cap, out_len);
    pcb = blk[1];
    n = blk[2];
    t->nad = swap_nad(blk[0]);
    if ((pcb & 0x80) == 0)
        return on_i_block(t, pcb, blk + 3, n, out, cap, out_len);
    if ((pcb & 0xC0) == T1_PCB_R)
        return on_r_block(t, pcb, n, out, cap, out_len);
    return on_s_block(t, pcb, blk + 3, n, out, cap, out_len);
}

const uint8_t *t1_apdu(const t1_ctx *t, size_t *len)
{
    if (!t || !len || !t->cmd_ready)
        return NULL;
    *len = t->cmd_len;
    return t->cmd;
}

bool t1_wtx_granted(const t1_ctx *t)
{
    return t && t->wtx_granted;
}

ks_status t1_build_wtx(t1_ctx *t, uint8_t mult, uint8_t *out, size_t cap, size_t *out_len)
{
    if (!t || !out || !out_len || mult == 0 || !t->cmd_ready)
        return KS_ERR_ARG;
    if (emit(t, T1_PCB_S | T1_S_WTX, &mult, 1, out, cap, out_len) != T1_SEND)
        return KS_ERR_TOO_LARGE;
    t->wtx_sent = true;
    return KS_OK;
}

ks_status t1_respond(t1_ctx *t, const uint8_t *resp, size_t len, uint8_t *out, size_t cap,
                     size_t *out_len)
{
    if (!t || !out || !out_len || (len && !resp) || !t->cmd_ready)
        return KS_ERR_ARG;
    if (len > sizeof t->rsp)
        return KS_ERR_TOO_LARGE;
    if (len)
        memmove(t->rsp, resp, len);
    t->rsp_len = len;
    t->rsp_off = 0;
    t->cmd_ready = false;
    t->cmd_len = 0;
    t->wtx_sent = false;
    t->wtx_granted = false;
    if (len == 0) {
        /* An empty I-block still answers the command. */
        t1_event ev = emit(t, (uint8_t)(t->card_ns ? T1_PCB_I_NS : 0), NULL, 0, out, cap, out_len);
        if (ev != T1_SEND)
            return KS_ERR_TOO_LARGE;
        t->card_ns ^= 1;
        return KS_OK;
    }
    return send_response_chunk(t, out, cap, out_len) == T1_SEND ? KS_OK : KS_ERR_TOO_LARGE;
}

void t1_cancel(t1_ctx *t)
{
    if (!t || !t->cmd_ready)
        return;
    t->cmd_ready = false;
    t->cmd_len = 0;
    t->wtx_sent = false;
    t->wtx_granted = false;
    t->host_ns ^= 1;
    t->last_len = 0;
}
