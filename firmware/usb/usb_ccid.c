/* usb_ccid.c — see usb_ccid.h. */
#include "usb_ccid.h"

#include <string.h>

#include "ccid.h"

void usb_ccid_init(usb_ccid *u, slot *s, usb_port *port)
{
    if (!u)
        return;
    u->port = port;
    u->slot = s;
    u->messages = 0;
    slot_set_apdu_level(s, true);
    usb_ccid_close(u);
}

void usb_ccid_close(usb_ccid *u)
{
    if (!u)
        return;
    u->open = false;
    u->rx_len = u->rx_need = 0;
    u->skip_left = 0;
    u->skipping = false;
    u->tx_len = u->tx_off = 0;
    u->tx_busy = u->tx_zlp = false;
    u->notify_busy = u->notify_pending = false;
    u->reported_present = false;
    u->abort_pending = false;
    u->abort_seq = 0;
}

static void arm_out(usb_ccid *u)
{
    if (u->open)
        (void)u->port->ops->ep_xfer(u->port, USB_EP_CCID_OUT, NULL, USB_BULK_SIZE);
}

static void send_notify(usb_ccid *u)
{
    if (!u->open || !u->notify_pending || u->notify_busy)
        return;
    memcpy(u->notify, u->notify_next, sizeof u->notify);
    u->notify_pending = false;
    u->notify_busy = true;
    if (u->port->ops->ep_xfer(u->port, USB_EP_CCID_INT, u->notify, sizeof u->notify) != KS_OK)
        u->notify_busy = false;
}

/* Queues NotifySlotChange when presence differs from what the host knows. */
static bool presence_check(usb_ccid *u)
{
    bool present = u->slot && u->slot->icc != CCID_ICC_ABSENT;
    if (present == u->reported_present)
        return false;
    u->reported_present = present;
    u->notify_next[0] = CCID_RDR_NOTIFY_SLOT_CHANGE;
    u->notify_next[1] = (uint8_t)(0x02u | (present ? 0x01u : 0x00u)); /* changed | present */
    u->notify_pending = true;
    send_notify(u);
    return true;
}

ks_status usb_ccid_open(usb_ccid *u)
{
    const struct usb_port_ops *ops;
    ks_status st;

    if (!u || !u->port || !u->port->ops || !u->slot)
        return KS_ERR_ARG;
    usb_ccid_close(u);
    ops = u->port->ops;
    st = ops->ep_open(u->port, USB_EP_CCID_OUT, USB_EP_BULK, USB_BULK_SIZE);
    if (st == KS_OK)
        st = ops->ep_open(u->port, USB_EP_CCID_IN, USB_EP_BULK, USB_BULK_SIZE);
    if (st == KS_OK)
        st = ops->ep_open(u->port, USB_EP_CCID_INT, USB_EP_INTERRUPT, USB_INT_SIZE);
    if (st != KS_OK)
        return st;
    u->open = true;
    arm_out(u);
    (void)slot_poll(u->slot);
    (void)presence_check(u);
    return KS_OK;
}

/* Sends the next piece of tx: a full packet, the short tail, or the ZLP. */
static void tx_next(usb_ccid *u)
{
    size_t n = u->tx_len - u->tx_off;
    if (n > USB_BULK_SIZE)
        n = USB_BULK_SIZE;
    if (n == 0)
        u->tx_zlp = false;
    if (u->port->ops->ep_xfer(u->port, USB_EP_CCID_IN, u->tx + u->tx_off, n) != KS_OK) {
        u->tx_busy = false; /* the port refused: the host's timeout will tell */
        return;
    }
    u->tx_off += n;
}

static void tx_start(usb_ccid *u)
{
    u->tx_off = 0;
    u->tx_busy = true;
    u->tx_zlp = u->tx_len % USB_BULK_SIZE == 0;
    tx_next(u);
}

/* A failed reply built from the received header alone. */
static void reply_failed(usb_ccid *u, uint8_t error)
{
    uint8_t type = ccid_reply_type(u->rx[0]);
    const uint8_t icc = u->slot->icc;
    const uint8_t p[3] = {(uint8_t)(CCID_CMD_FAILED | icc), error, 0};

    if (type == 0)
        type = CCID_RDR_SLOT_STATUS;
    if (ccid_build(type, u->rx[5], u->rx[6], p, NULL, 0, u->tx, sizeof u->tx, &u->tx_len) !=
        KS_OK)
        u->tx_len = 0;
}

static void process(usb_ccid *u)
{
    size_t out_len = 0;
    const uint8_t type = u->rx[0];

    if (u->abort_pending && type != CCID_PC_ABORT) {
        reply_failed(u, CCID_ERR_CMD_ABORTED);
    } else {
        if (type == CCID_PC_ABORT)
            u->abort_pending = false;
        if (slot_handle(u->slot, u->rx, u->rx_len, u->tx, sizeof u->tx, &out_len) == KS_OK &&
            out_len <= sizeof u->tx)
            u->tx_len = out_len;
        else
            reply_failed(u, CCID_ERR_HW_ERROR);
    }
    u->rx_len = u->rx_need = 0;
    u->messages++;
    (void)presence_check(u); /* a card lost during the command */
    if (u->tx_len > 0)
        tx_start(u);
    else
        arm_out(u);
}

/* Skips n bytes of a refused message; a short packet ends its transfer. */
static void skip(usb_ccid *u, size_t n, bool short_packet)
{
    u->skip_left = n >= u->skip_left ? 0 : u->skip_left - (uint32_t)n;
    if (u->skip_left == 0 || short_packet)
        u->skipping = false;
}

void usb_ccid_out(usb_ccid *u, const uint8_t *data, size_t len)
{
    const bool short_packet = len < USB_BULK_SIZE;
    size_t i = 0;

    if (!u || !u->open || (!data && len > 0))
        return;
    if (u->skipping) {
        skip(u, len, short_packet);
        if (u->skipping || !u->tx_busy)
            arm_out(u);
        return;
    }
    if (u->tx_busy)
        return; /* OUT was not armed: a port that delivers anyway loses it */
    while (i < len) {
        size_t want = (u->rx_need ? u->rx_need : CCID_HEADER_LEN) - u->rx_len;
        size_t n = len - i < want ? len - i : want;
        memcpy(u->rx + u->rx_len, data + i, n);
        u->rx_len += n;
        i += n;
        if (u->rx_need == 0 && u->rx_len == CCID_HEADER_LEN) {
            uint32_t dw = 0;
            (void)ccid_peek_length(u->rx, u->rx_len, &dw);
            if (dw > USB_CCID_MAX_MSG - CCID_HEADER_LEN) {
                reply_failed(u, CCID_ERR_BAD_LENGTH);
                u->rx_len = 0;
                u->skipping = true;
                u->skip_left = dw;
                skip(u, len - i, short_packet);
                u->messages++;
                tx_start(u);
                if (u->skipping)
                    arm_out(u);
                return;
            }
            u->rx_need = CCID_HEADER_LEN + dw;
        }
        if (u->rx_need != 0 && u->rx_len == u->rx_need) {
            process(u); /* bytes after dwLength belong to no message: dropped */
            return;
        }
    }
    arm_out(u);
}

void usb_ccid_in_done(usb_ccid *u, uint8_t ep)
{
    if (!u || !u->open)
        return;
    if (ep == USB_EP_CCID_INT) {
        u->notify_busy = false;
        send_notify(u);
        return;
    }
    if (ep != USB_EP_CCID_IN || !u->tx_busy)
        return;
    if (u->tx_off < u->tx_len || u->tx_zlp) {
        tx_next(u);
        return;
    }
    u->tx_busy = false;
    if (!u->skipping) /* while skipping, OUT is armed already */
        arm_out(u);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

ks_status usb_ccid_control(usb_ccid *u, const uint8_t setup[8], uint8_t *buf, size_t cap,
                           size_t *len)
{
    uint8_t rt, req;
    uint16_t value;

    if (!u || !setup || !buf || !len)
        return KS_ERR_ARG;
    *len = 0;
    rt = setup[0];
    req = setup[1];
    value = (uint16_t)(setup[2] | setup[3] << 8);
    switch (req) {
    case USB_CCID_REQ_ABORT:
        if (rt != 0x21u || (value & 0xFFu) != 0)
            return KS_ERR_UNSUPPORTED; /* one slot: bSlot must be 0 */
        u->abort_pending = true;
        u->abort_seq = (uint8_t)(value >> 8);
        if (!u->skipping && !u->tx_busy && u->rx_len > 0) {
            u->rx_len = u->rx_need = 0; /* the aborted message will not finish */
        }
        return KS_OK;
    case USB_CCID_REQ_GET_CLOCK_FREQUENCIES:
    case USB_CCID_REQ_GET_DATA_RATES:
        if (rt != 0xA1u)
            return KS_ERR_UNSUPPORTED;
        if (cap < 4)
            return KS_ERR_TOO_LARGE;
        put_le32(buf, req == USB_CCID_REQ_GET_DATA_RATES ? USB_CCID_DATA_RATE
                                                         : USB_CCID_CLOCK_KHZ);
        *len = 4;
        return KS_OK;
    default:
        return KS_ERR_UNSUPPORTED;
    }
}

bool usb_ccid_poll(usb_ccid *u)
{
    if (!u || !u->open || !u->slot)
        return false;
    if (u->tx_busy)
        return false; /* the slot is answering; presence follows the command */
    (void)slot_poll(u->slot);
    return presence_check(u);
}
