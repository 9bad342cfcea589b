#include "pn532_frame.h"

#include <string.h>

const uint8_t pn532_ack_frame[6] = {0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00};
const uint8_t pn532_nack_frame[6] = {0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00};
const uint8_t pn532_error_frame[8] = {0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00};

enum {
    RX_HUNT = 0, /* looking for 00 FF */
    RX_LEN,
    RX_LCS,
    RX_EXT_LENM,
    RX_EXT_LENL,
    RX_EXT_LCS,
    RX_TFI,
    RX_DATA,
    RX_DCS,
};

void pn532_rx_init(pn532_rx *rx)
{
    memset(rx, 0, sizeof *rx);
    rx->prev = 0xFF; /* so a lone FF is not mistaken for a start code */
}

static pn532_event rx_restart(pn532_rx *rx, pn532_event ev)
{
    rx->state = RX_HUNT;
    rx->prev = 0xFF;
    return ev;
}

/* After the length is known: TFI + data, bounded by the chip's buffer. */
static pn532_event rx_expect_body(pn532_rx *rx, size_t total)
{
    if (total == 0 || total > 1u + PN532_MAX_PAYLOAD)
        return rx_restart(rx, PN532_EV_BAD);
    rx->need = total;
    rx->len = 0;
    rx->sum = 0;
    rx->state = RX_TFI;
    return PN532_EV_NONE;
}

pn532_event pn532_rx_feed(pn532_rx *rx, uint8_t b)
{
    switch (rx->state) {
    case RX_HUNT:
        if (rx->prev == 0x00 && b == 0xFF)
            rx->state = RX_LEN;
        rx->prev = b;
        return PN532_EV_NONE;
    case RX_LEN:
        rx->len_hi = b; /* LEN, or the first FF of an extended/NACK frame */
        rx->state = RX_LCS;
        return PN532_EV_NONE;
    case RX_LCS:
        if (rx->len_hi == 0x00 && b == 0xFF)
            return rx_restart(rx, PN532_EV_ACK);
        if (rx->len_hi == 0xFF && b == 0x00)
            return rx_restart(rx, PN532_EV_NACK);
        if (rx->len_hi == 0xFF && b == 0xFF) {
            rx->state = RX_EXT_LENM;
            return PN532_EV_NONE;
        }
        if ((uint8_t)(rx->len_hi + b) != 0)
            return rx_restart(rx, PN532_EV_BAD);
        return rx_expect_body(rx, rx->len_hi);
    case RX_EXT_LENM:
        rx->len_hi = b;
        rx->state = RX_EXT_LENL;
        return PN532_EV_NONE;
    case RX_EXT_LENL:
        rx->need = b; /* low byte kept here until LCS checks both */
        rx->state = RX_EXT_LCS;
        return PN532_EV_NONE;
    case RX_EXT_LCS: {
        uint8_t lo = (uint8_t)rx->need;
        if ((uint8_t)(rx->len_hi + lo + b) != 0)
            return rx_restart(rx, PN532_EV_BAD);
        return rx_expect_body(rx, (size_t)rx->len_hi << 8 | lo);
    }
    case RX_TFI:
        rx->tfi = b;
        rx->sum = b;
        rx->need--;
        rx->state = rx->need ? RX_DATA : RX_DCS;
        return PN532_EV_NONE;
    case RX_DATA:
        rx->data[rx->len++] = b; /* need <= PN532_MAX_PAYLOAD was checked */
        rx->sum = (uint8_t)(rx->sum + b);
        if (--rx->need == 0)
            rx->state = RX_DCS;
        return PN532_EV_NONE;
    case RX_DCS:
        if ((uint8_t)(rx->sum + b) != 0 || rx->tfi != PN532_TFI_HOST)
            return rx_restart(rx, PN532_EV_BAD);
        /* The postamble 00 is left to the hunt: it may be the next preamble. */
        return rx_restart(rx, PN532_EV_FRAME);
    default:
        return rx_restart(rx, PN532_EV_BAD);
    }
}

ks_status pn532_frame_encode(uint8_t tfi, const uint8_t *data, size_t len, uint8_t *out,
                             size_t cap, size_t *out_len)
{
    if (!out || !out_len || (len && !data))
        return KS_ERR_ARG;
    if (len > PN532_MAX_PAYLOAD)
        return KS_ERR_TOO_LARGE;
    size_t total = len + 1; /* TFI + data */
    bool extended = total > 255;
    size_t need = (extended ? 8u : 5u) + total + 2u;
    if (cap < need)
        return KS_ERR_TOO_LARGE;
    size_t n = 0;
    out[n++] = 0x00;
    out[n++] = 0x00;
    out[n++] = 0xFF;
    if (extended) {
        uint8_t hi = (uint8_t)(total >> 8), lo = (uint8_t)total;
        out[n++] = 0xFF;
        out[n++] = 0xFF;
        out[n++] = hi;
        out[n++] = lo;
        out[n++] = (uint8_t)(0x100u - (uint8_t)(hi + lo));
    } else {
        out[n++] = (uint8_t)total;
        out[n++] = (uint8_t)(0x100u - total);
    }
    uint8_t sum = tfi;
    out[n++] = tfi;
    for (size_t i = 0; i < len; i++) {
        out[n++] = data[i];
        sum = (uint8_t)(sum + data[i]);
    }
    out[n++] = (uint8_t)(0x100u - sum);
    out[n++] = 0x00;
    *out_len = n;
    return KS_OK;
}
