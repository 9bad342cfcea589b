/*
 * qr_scan.c — the QR scanner driver. See qr_scan.h for the contract.
 */
#include "qr_scan.h"
#include "utf8.h"

#include <string.h>

static const uint8_t qr_cmd_trigger[] = {QR_SYN, 0x54u, 0x0Du};
static const uint8_t qr_cmd_untrigger[] = {QR_SYN, 0x55u, 0x0Du};

void qr_scanner_init(qr_scanner *q, hal_link *link, uint32_t timeout_ms)
{
    if (q == NULL)
        return;
    memset(q, 0, sizeof *q);
    q->link = link;
    q->timeout_ms = timeout_ms != 0u ? timeout_ms : QR_SCAN_TIMEOUT_MS;
    qr_rx_init(&q->rx);
}

static bool link_send(hal_link *l, const uint8_t *p, size_t n)
{
    return l != NULL && l->ops != NULL && l->ops->write != NULL && l->ops->write(l, p, n) == n;
}

ks_status qr_scanner_trigger(qr_scanner *q, uint32_t now_ms)
{
    if (q == NULL || q->link == NULL)
        return KS_ERR_ARG;
    qr_rx_reset(&q->rx);
    q->in_pos = q->in_len = 0u;
    if (q->link->ops->rx_flush != NULL)
        q->link->ops->rx_flush(q->link); /* stale output must not pass for this scan */
    if (!link_send(q->link, qr_cmd_trigger, sizeof qr_cmd_trigger))
        return KS_ERR_TRANSPORT;
    q->scanning = true;
    q->started_ms = now_ms;
    q->last_byte_ms = now_ms;
    return KS_OK;
}

bool qr_scanner_scanning(const qr_scanner *q)
{
    return q != NULL && q->scanning;
}

static bool refill(qr_scanner *q)
{
    if (q->in_pos < q->in_len)
        return true;
    size_t got = 0;
    q->in_pos = q->in_len = 0u;
    if (q->link == NULL || q->link->ops == NULL || q->link->ops->read == NULL)
        return false;
    if (q->link->ops->read(q->link, q->in, sizeof q->in, &got, 0) != KS_OK || got == 0u)
        return false;
    q->in_len = got > sizeof q->in ? sizeof q->in : got;
    return true;
}

qr_event qr_scanner_poll(qr_scanner *q, uint32_t now_ms, const uint8_t **text, size_t *len,
                         qr_error *err)
{
    if (q == NULL || text == NULL || len == NULL || err == NULL)
        return QR_EV_NONE;
    *err = QR_ERR_NONE;
    while (refill(q)) {
        q->last_byte_ms = now_ms;
        qr_event ev = qr_rx_byte(&q->rx, q->in[q->in_pos++], err);
        if (ev == QR_EV_NONE)
            continue;
        q->scanning = false;
        if (ev == QR_EV_TEXT)
            *text = qr_rx_text(&q->rx, len);
        return ev;
    }
    if (qr_rx_busy(&q->rx) && (uint32_t)(now_ms - q->last_byte_ms) >= QR_IDLE_MS) {
        *err = q->rx.overflow ? QR_ERR_OVERLONG : QR_ERR_INCOMPLETE;
        qr_rx_reset(&q->rx);
        q->scanning = false;
        return QR_EV_ERROR;
    }
    if (q->scanning && !qr_rx_busy(&q->rx) && (uint32_t)(now_ms - q->started_ms) >= q->timeout_ms) {
        (void)link_send(q->link, qr_cmd_untrigger, sizeof qr_cmd_untrigger);
        q->scanning = false;
        *err = QR_ERR_TIMEOUT;
        return QR_EV_ERROR;
    }
    return QR_EV_NONE;
}
