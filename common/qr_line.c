/*
 * qr_line.c — scanner output to lines. See qr_line.h for the contract.
 */
#include "qr_line.h"
#include "utf8.h"

#include <string.h>

void qr_rx_init(qr_rx *rx)
{
    if (rx == NULL)
        return;
    rx->len = 0u;
    rx->overflow = false;
    rx->after_cr = false;
    rx->text_ready = false;
}

void qr_rx_reset(qr_rx *rx)
{
    qr_rx_init(rx);
}

bool qr_rx_busy(const qr_rx *rx)
{
    return rx != NULL && !rx->text_ready && (rx->len > 0u || rx->overflow);
}

const uint8_t *qr_rx_text(const qr_rx *rx, size_t *len)
{
    if (rx == NULL || len == NULL)
        return NULL;
    *len = rx->len;
    return rx->text;
}

bool qr_utf8_valid(const uint8_t *p, size_t len)
{
    if (p == NULL)
        return len == 0u;
    return utf8_valid(p, len);
}

static bool has_control(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((p[i] < 0x20u && p[i] != '\t') || p[i] == 0x7Fu)
            return true;
    }
    return false;
}

static qr_event end_line(qr_rx *rx, qr_error *err)
{
    qr_event ev = QR_EV_NONE;
    if (rx->overflow) {
        *err = QR_ERR_OVERLONG;
        ev = QR_EV_ERROR;
    } else if (rx->len == 0u) {
        ev = QR_EV_NONE; /* an empty line, or the LF of a CR LF */
    } else if (!qr_utf8_valid(rx->text, rx->len) || has_control(rx->text, rx->len)) {
        *err = QR_ERR_ENCODING;
        ev = QR_EV_ERROR;
    } else {
        rx->text_ready = true; /* keep len so qr_rx_text() sees the line */
        return QR_EV_TEXT;
    }
    rx->len = 0u;
    rx->overflow = false;
    return ev;
}

qr_event qr_rx_byte(qr_rx *rx, uint8_t byte, qr_error *err)
{
    qr_error dummy;
    if (err == NULL)
        err = &dummy;
    *err = QR_ERR_NONE;
    if (rx == NULL)
        return QR_EV_NONE;
    if (rx->text_ready) { /* the line reported last time is consumed now */
        rx->len = 0u;
        rx->text_ready = false;
    }
    bool was_cr = rx->after_cr;
    rx->after_cr = false;
    if (byte == '\r' || byte == '\n') {
        if (byte == '\n' && was_cr && rx->len == 0u && !rx->overflow)
            return QR_EV_NONE;
        rx->after_cr = byte == '\r';
        return end_line(rx, err);
    }
    if (rx->overflow)
        return QR_EV_NONE;
    if (rx->len >= sizeof rx->text) {
        rx->overflow = true;
        rx->len = 0u;
        return QR_EV_NONE;
    }
    rx->text[rx->len++] = byte;
    return QR_EV_NONE;
}
