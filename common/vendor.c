/* vendor.c — see vendor.h. */
#include "vendor.h"

#include <string.h>

uint16_t vendor_crc16(const uint8_t *p, size_t len)
{
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int b = 0; b < 8; b++) {
            uint16_t shifted = (uint16_t)(crc << 1);
            crc = (crc & 0x8000u) ? (uint16_t)(shifted ^ 0x1021u) : shifted;
        }
    }
    return crc;
}

void vendor_rx_init(vendor_rx *rx)
{
    if (!rx)
        return;
    rx->have = 0;
    rx->need = 0;
}

ks_status vendor_parse(const uint8_t *buf, size_t len, vendor_frame *out)
{
    size_t plen;
    uint16_t crc;

    if (!buf || !out)
        return KS_ERR_ARG;
    if (len < VENDOR_OVERHEAD)
        return KS_ERR_TRUNCATED;
    if (buf[0] != VENDOR_SOF)
        return KS_ERR_MALFORMED;
    plen = (size_t)buf[3] | ((size_t)buf[4] << 8);
    if (plen > VENDOR_MAX_PAYLOAD)
        return KS_ERR_TOO_LARGE;
    if (len < plen + VENDOR_OVERHEAD)
        return KS_ERR_TRUNCATED;
    if (len > plen + VENDOR_OVERHEAD)
        return KS_ERR_MALFORMED;
    crc = (uint16_t)(buf[5 + plen] | (buf[6 + plen] << 8));
    if (vendor_crc16(buf + 1, 4 + plen) != crc)
        return KS_ERR_AUTH;
    out->type = buf[1];
    out->seq = buf[2];
    out->len = plen;
    out->payload = plen ? buf + 5 : NULL;
    return KS_OK;
}

vendor_event vendor_rx_byte(vendor_rx *rx, uint8_t byte)
{
    if (!rx)
        return VENDOR_RX_NONE;
    if (rx->have == 0 || rx->have >= sizeof rx->buf) {
        rx->have = 0;
        rx->need = 0;
        if (byte != VENDOR_SOF)
            return VENDOR_RX_NONE;
    }
    rx->buf[rx->have++] = byte;
    if (rx->have == 5) {
        size_t plen = (size_t)rx->buf[3] | ((size_t)rx->buf[4] << 8);
        if (plen > VENDOR_MAX_PAYLOAD) {
            rx->have = 0;
            return VENDOR_RX_OVERLONG;
        }
        rx->need = plen + VENDOR_OVERHEAD;
    }
    if (rx->need == 0 || rx->have < rx->need)
        return VENDOR_RX_NONE;
    {
        vendor_frame f;
        ks_status st = vendor_parse(rx->buf, rx->have, &f);
        size_t done = rx->have;
        rx->have = 0;
        rx->need = done; /* remembers the frame length for vendor_rx_frame */
        if (st != KS_OK) {
            rx->need = 0;
            return VENDOR_RX_BAD_CRC;
        }
        return VENDOR_RX_FRAME;
    }
}

ks_status vendor_rx_frame(const vendor_rx *rx, vendor_frame *out)
{
    if (!rx || !out || rx->have != 0 || rx->need < VENDOR_OVERHEAD)
        return KS_ERR_ARG;
    return vendor_parse(rx->buf, rx->need, out);
}

ks_status vendor_build(uint8_t type, uint8_t seq, const uint8_t *payload, size_t len,
                       uint8_t *out, size_t cap, size_t *out_len)
{
    uint16_t crc;

    if (!out || !out_len || (len && !payload))
        return KS_ERR_ARG;
    if (len > VENDOR_MAX_PAYLOAD)
        return KS_ERR_TOO_LARGE;
    if (cap < len + VENDOR_OVERHEAD)
        return KS_ERR_TOO_LARGE;
    out[0] = VENDOR_SOF;
    out[1] = type;
    out[2] = seq;
    out[3] = (uint8_t)len;
    out[4] = (uint8_t)(len >> 8);
    if (len)
        memmove(out + 5, payload, len);
    crc = vendor_crc16(out + 1, 4 + len);
    out[5 + len] = (uint8_t)crc;
    out[6 + len] = (uint8_t)(crc >> 8);
    *out_len = len + VENDOR_OVERHEAD;
    return KS_OK;
}
