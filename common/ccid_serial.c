/* ccid_serial.c — see ccid_serial.h. */
#include "ccid_serial.h"

#include <string.h>

enum {
    RX_HUNT = 0, /* waiting for SYNC */
    RX_CTRL,     /* got SYNC, waiting for ACK/NAK */
    RX_NAK_LRC,  /* got 03 15, waiting for 16 */
    RX_BODY,     /* collecting header, data and LRC */
    RX_DISCARD   /* overlong frame: drop everything until idle */
};

void ccids_rx_init(ccids_rx *rx)
{
    if (!rx)
        return;
    rx->have = 0;
    rx->need = 0;
    rx->state = RX_HUNT;
}

void ccids_rx_idle(ccids_rx *rx)
{
    ccids_rx_init(rx);
}

bool ccids_rx_busy(const ccids_rx *rx)
{
    return rx && rx->state != RX_HUNT;
}

uint8_t ccids_lrc(const uint8_t *p, size_t len)
{
    uint8_t x = 0;
    for (size_t i = 0; i < len; i++)
        x ^= p[i];
    return x;
}

/* Once the 10-byte header is in, the frame size is known; refuse sizes the
 * driver would never send rather than trusting a 32-bit length. */
static ccids_event body_byte(ccids_rx *rx, uint8_t byte)
{
    rx->frame[rx->have++] = byte;
    if (rx->have == 2 + CCID_HEADER_LEN) {
        uint32_t dw;
        (void)ccid_peek_length(rx->frame + 2, CCID_HEADER_LEN, &dw);
        if (dw > CCIDS_MAX_MSG - CCID_HEADER_LEN) {
            rx->state = RX_DISCARD;
            rx->have = 0;
            return CCIDS_RX_OVERLONG;
        }
        rx->need = 2 + CCID_HEADER_LEN + (size_t)dw + 1;
    }
    if (rx->need == 0 || rx->have < rx->need)
        return CCIDS_RX_NONE;
    rx->state = RX_HUNT;
    if (ccids_lrc(rx->frame, rx->have) == 0)
        return CCIDS_RX_FRAME;
    rx->need = 0; /* nothing readable from a corrupt frame */
    return CCIDS_RX_BAD_LRC;
}

ccids_event ccids_rx_byte(ccids_rx *rx, uint8_t byte)
{
    if (!rx)
        return CCIDS_RX_NONE;
    switch (rx->state) {
    case RX_HUNT:
        if (byte == CCIDS_SYNC) {
            rx->frame[0] = byte;
            rx->have = 1;
            rx->need = 0;
            rx->state = RX_CTRL;
        }
        return CCIDS_RX_NONE;
    case RX_CTRL:
        if (byte == CCIDS_ACK) {
            rx->frame[1] = byte;
            rx->have = 2;
            rx->state = RX_BODY;
        } else if (byte == CCIDS_NAK) {
            rx->state = RX_NAK_LRC;
        } else if (byte != CCIDS_SYNC) {
            /* A repeated SYNC may be the real start; anything else is noise. */
            rx->state = RX_HUNT;
        }
        return CCIDS_RX_NONE;
    case RX_NAK_LRC:
        rx->state = RX_HUNT;
        return byte == (CCIDS_SYNC ^ CCIDS_NAK) ? CCIDS_RX_HOST_NAK : CCIDS_RX_NONE;
    case RX_BODY:
        return body_byte(rx, byte);
    default: /* RX_DISCARD */
        return CCIDS_RX_NONE;
    }
}

const uint8_t *ccids_rx_msg(const ccids_rx *rx, size_t *len)
{
    if (!rx || !len || rx->state != RX_HUNT || rx->need < 3 || rx->have != rx->need)
        return NULL;
    *len = rx->have - 3;
    return rx->frame + 2;
}

const uint8_t *ccids_rx_frame(const ccids_rx *rx, size_t *len)
{
    if (!rx || !len || rx->state != RX_HUNT || rx->need < 3 || rx->have != rx->need)
        return NULL;
    *len = rx->have;
    return rx->frame;
}

ks_status ccids_build_frame(const uint8_t *msg, size_t msg_len, uint8_t *out, size_t cap,
                            size_t *out_len)
{
    if (!msg || !out || !out_len)
        return KS_ERR_ARG;
    if (cap < 3 || msg_len > cap - 3)
        return KS_ERR_TOO_LARGE;
    memmove(out + 2, msg, msg_len);
    out[0] = CCIDS_SYNC;
    out[1] = CCIDS_ACK;
    out[2 + msg_len] = ccids_lrc(out, 2 + msg_len);
    *out_len = msg_len + 3;
    return KS_OK;
}

ks_status ccids_build_reply(const uint8_t *host_frame, size_t host_frame_len, bool echo,
                            const uint8_t *resp_msg, size_t resp_len, uint8_t *out, size_t cap,
                            size_t *out_len)
{
    size_t off = 0, n;
    ks_status st;

    if (!resp_msg || !out || !out_len || (echo && !host_frame))
        return KS_ERR_ARG;
    if (echo) {
        if (host_frame_len > cap)
            return KS_ERR_TOO_LARGE;
        memcpy(out, host_frame, host_frame_len);
        off = host_frame_len;
    }
    st = ccids_build_frame(resp_msg, resp_len, out + off, cap - off, &n);
    if (st != KS_OK)
        return st;
    *out_len = off + n;
    return KS_OK;
}

ks_status ccids_build_nak(uint8_t *out, size_t cap, size_t *out_len)
{
    if (!out || !out_len)
        return KS_ERR_ARG;
    if (cap < 3)
        return KS_ERR_TOO_LARGE;
    out[0] = CCIDS_SYNC;
    out[1] = CCIDS_NAK;
    out[2] = CCIDS_SYNC ^ CCIDS_NAK;
    *out_len = 3;
    return KS_OK;
}

ks_status ccids_build_notify(bool present, uint8_t *out, size_t cap, size_t *out_len)
{
    if (!out || !out_len)
        return KS_ERR_ARG;
    if (cap < 2)
        return KS_ERR_TOO_LARGE;
    out[0] = CCID_RDR_NOTIFY_SLOT_CHANGE;
    out[1] = present ? 0x03 : 0x02;
    *out_len = 2;
    return KS_OK;
}
