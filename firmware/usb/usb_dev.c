/* usb_dev.c — see usb_dev.h. */
#include "usb_dev.h"

#include <string.h>

#define REQ_GET_STATUS 0u
#define REQ_CLEAR_FEATURE 1u
#define REQ_SET_FEATURE 3u
#define REQ_SET_ADDRESS 5u
#define REQ_GET_DESCRIPTOR 6u
#define REQ_GET_CONFIGURATION 8u
#define REQ_SET_CONFIGURATION 9u
#define REQ_GET_INTERFACE 10u
#define REQ_SET_INTERFACE 11u
#define CDC_SET_LINE_CODING 0x20u
#define CDC_GET_LINE_CODING 0x21u
#define CDC_SET_CONTROL_LINE_STATE 0x22u

typedef struct setup_pkt {
    uint8_t rt, req;
    uint16_t value, index, length;
} setup_pkt;

void usb_dev_init(usb_dev *d, usb_port *port, usb_ccid *ccid, const char *serial,
                  usb_cdc_rx_fn cdc_rx, void *cdc_ctx)
{
    static const uint8_t default_coding[7] = {0x00, 0xC2, 0x01, 0x00, 0, 0, 8}; /* 115200 8N1 */
    if (!d)
        return;
    d->port = port;
    d->ccid = ccid;
    d->serial = serial;
    d->cdc_rx = cdc_rx;
    d->cdc_ctx = cdc_ctx;
    memcpy(d->line_coding, default_coding, sizeof d->line_coding);
    d->line_state = 0;
    usb_dev_reset(d);
}

void usb_dev_reset(usb_dev *d)
{
    if (!d)
        return;
    d->address = 0;
    d->config = 0;
    d->ctl_in_active = d->ctl_zlp = d->ctl_out_active = false;
    d->ctl_len = d->ctl_off = d->ctl_out_len = d->ctl_out_got = 0;
    d->cdc_tx_busy = false;
    usb_ccid_close(d->ccid);
}

bool usb_dev_configured(const usb_dev *d)
{
    return d && d->config != 0;
}

static void ctl_stall(usb_dev *d)
{
    d->ctl_in_active = d->ctl_out_active = false;
    d->port->ops->ep_stall(d->port, 0x00, true);
    d->port->ops->ep_stall(d->port, USB_EP_IN, true);
}

static void ctl_status_in(usb_dev *d)
{
    (void)d->port->ops->ep_xfer(d->port, USB_EP_IN, NULL, 0);
}

static void ctl_in_next(usb_dev *d)
{
    size_t n = d->ctl_len - d->ctl_off;
    if (n > USB_EP0_SIZE)
        n = USB_EP0_SIZE;
    if (n == 0 && !d->ctl_zlp) {
        /* Data stage over: the host's status stage is a ZLP on EP0 OUT. */
        d->ctl_in_active = false;
        (void)d->port->ops->ep_xfer(d->port, 0x00, NULL, USB_EP0_SIZE);
        return;
    }
    if (n == 0)
        d->ctl_zlp = false;
    (void)d->port->ops->ep_xfer(d->port, USB_EP_IN, d->ctl_data + d->ctl_off, n);
    d->ctl_off += n;
}

static void ctl_send(usb_dev *d, const uint8_t *data, size_t len, uint16_t wlength)
{
    if (len > wlength)
        len = wlength;
    d->ctl_data = data;
    d->ctl_len = len;
    d->ctl_off = 0;
    d->ctl_zlp = len < wlength && len % USB_EP0_SIZE == 0;
    d->ctl_in_active = true;
    ctl_in_next(d);
}

static void get_descriptor(usb_dev *d, const setup_pkt *s)
{
    const uint8_t type = (uint8_t)(s->value >> 8), index = (uint8_t)s->value;
    const uint8_t *p = NULL;
    size_t n = 0;

    if (s->rt != 0x80u) {
        ctl_stall(d);
        return;
    }
    if (type == USB_DT_DEVICE && index == 0) {
        p = usb_desc_device(&n);
    } else if (type == USB_DT_CONFIG && index == 0) {
        p = usb_desc_config(&n);
    } else if (type == USB_DT_STRING &&
               usb_desc_string(index, d->serial, d->ctl_buf, sizeof d->ctl_buf, &n) == KS_OK) {
        p = d->ctl_buf;
    }
    if (p)
        ctl_send(d, p, n, s->length);
    else
        ctl_stall(d); /* device qualifier, other speed, unknown */
}

static ks_status cdc_open(usb_dev *d)
{
    const struct usb_port_ops *ops = d->port->ops;
    ks_status st = ops->ep_open(d->port, USB_EP_CDC_NOTIFY, USB_EP_INTERRUPT, USB_INT_SIZE);
    if (st == KS_OK)
        st = ops->ep_open(d->port, USB_EP_CDC_OUT, USB_EP_BULK, USB_BULK_SIZE);
    if (st == KS_OK)
        st = ops->ep_open(d->port, USB_EP_CDC_IN, USB_EP_BULK, USB_BULK_SIZE);
    if (st == KS_OK)
        st = ops->ep_xfer(d->port, USB_EP_CDC_OUT, NULL, USB_BULK_SIZE);
    d->cdc_tx_busy = false;
    return st;
}

static void set_configuration(usb_dev *d, const setup_pkt *s)
{
    if (s->rt != 0x00u || s->value > USB_CONFIG_VALUE) {
        ctl_stall(d);
        return;
    }
    usb_ccid_close(d->ccid);
    d->cdc_tx_busy = false;
    d->config = 0;
    if (s->value == USB_CONFIG_VALUE) {
        if (usb_ccid_open(d->ccid) != KS_OK || cdc_open(d) != KS_OK) {
            usb_ccid_close(d->ccid);
            ctl_stall(d);
            return;
        }
        d->config = USB_CONFIG_VALUE;
    }
    ctl_status_in(d);
}

static bool valid_endpoint(uint16_t ep)
{
    switch (ep) {
    case USB_EP_CCID_OUT: case USB_EP_CCID_IN: case USB_EP_CCID_INT:
    case USB_EP_CDC_NOTIFY: case USB_EP_CDC_OUT: case USB_EP_CDC_IN:
        return true;
    default:
        return false;
    }
}

static void standard_request(usb_dev *d, const setup_pkt *s)
{
    switch (s->req) {
    case REQ_GET_DESCRIPTOR:
        get_descriptor(d, s);
        return;
    case REQ_SET_ADDRESS:
        if (s->rt != 0x00u || s->value > 127u) {
            ctl_stall(d);
            return;
        }
        d->address = (uint8_t)s->value;
        d->port->ops->set_address(d->port, d->address);
        ctl_status_in(d);
        return;
    case REQ_SET_CONFIGURATION:
        set_configuration(d, s);
        return;
    case REQ_GET_CONFIGURATION:
        if (s->rt != 0x80u)
            break;
        d->ctl_buf[0] = d->config;
        ctl_send(d, d->ctl_buf, 1, s->length);
        return;
    case REQ_GET_STATUS:
        if (s->rt < 0x80u || s->rt > 0x82u)
            break;
        d->ctl_buf[0] = d->ctl_buf[1] = 0; /* bus-powered, no wake-up, not halted */
        ctl_send(d, d->ctl_buf, 2, s->length);
        return;
    case REQ_CLEAR_FEATURE:
    case REQ_SET_FEATURE:
        if (s->rt != 0x02u || s->value != 0u || !valid_endpoint(s->index) || d->config == 0)
            break;
        d->port->ops->ep_stall(d->port, (uint8_t)s->index, s->req == REQ_SET_FEATURE);
        ctl_status_in(d);
        return;
    case REQ_GET_INTERFACE:
        if (s->rt != 0x81u || s->index >= USB_ITF_COUNT || d->config == 0)
            break;
        d->ctl_buf[0] = 0;
        ctl_send(d, d->ctl_buf, 1, s->length);
        return;
    case REQ_SET_INTERFACE:
        if (s->rt != 0x01u || s->index >= USB_ITF_COUNT || s->value != 0 || d->config == 0)
            break;
        ctl_status_in(d);
        return;
    default:
        break;
    }
    ctl_stall(d);
}

static void cdc_request(usb_dev *d, const setup_pkt *s)
{
    switch (s->req) {
    case CDC_SET_LINE_CODING:
        if (s->rt != 0x21u || s->length != sizeof d->line_coding)
            break;
        d->ctl_out_active = true;
        d->ctl_out_req = s->req;
        d->ctl_out_len = s->length;
        d->ctl_out_got = 0;
        (void)d->port->ops->ep_xfer(d->port, 0x00, NULL, USB_EP0_SIZE);
        return;
    case CDC_GET_LINE_CODING:
        if (s->rt != 0xA1u)
            break;
        ctl_send(d, d->line_coding, sizeof d->line_coding, s->length);
        return;
    case CDC_SET_CONTROL_LINE_STATE:
        if (s->rt != 0x21u)
            break;
        d->line_state = s->value;
        ctl_status_in(d);
        return;
    default:
        break;
    }
    ctl_stall(d);
}

static void class_request(usb_dev *d, const setup_pkt *s, const uint8_t raw[8])
{
    const uint8_t itf = (uint8_t)s->index;
    size_t n = 0;

    if ((s->rt & 0x1Fu) != 0x01u || (s->index >> 8) != 0) { /* interface recipient only */
        ctl_stall(d);
        return;
    }
    if (itf == USB_ITF_CCID) {
        if (usb_ccid_control(d->ccid, raw, d->ctl_buf, sizeof d->ctl_buf, &n) != KS_OK) {
            ctl_stall(d);
        } else if (s->rt & USB_EP_IN) {
            ctl_send(d, d->ctl_buf, n, s->length);
        } else {
            ctl_status_in(d);
        }
    } else if (itf == USB_ITF_CDC_COMM) {
        cdc_request(d, s);
    } else {
        ctl_stall(d);
    }
}

void usb_dev_setup(usb_dev *d, const uint8_t setup[8])
{
    setup_pkt s;

    if (!d || !setup)
        return;
    s.rt = setup[0];
    s.req = setup[1];
    s.value = (uint16_t)(setup[2] | setup[3] << 8);
    s.index = (uint16_t)(setup[4] | setup[5] << 8);
    s.length = (uint16_t)(setup[6] | setup[7] << 8);
    d->ctl_in_active = d->ctl_out_active = false; /* a SETUP ends any transfer */
    switch (s.rt & 0x60u) {
    case 0x00u:
        standard_request(d, &s);
        break;
    case 0x20u:
        class_request(d, &s, setup);
        break;
    default:
        ctl_stall(d);
        break;
    }
}

static void ctl_out(usb_dev *d, const uint8_t *data, size_t len)
{
    size_t room;

    if (!d->ctl_out_active)
        return; /* the status stage of an IN transfer */
    room = d->ctl_out_len - d->ctl_out_got;
    if (len > room)
        len = room;
    if (d->ctl_out_req == CDC_SET_LINE_CODING && len > 0)
        memcpy(d->line_coding + d->ctl_out_got, data, len);
    d->ctl_out_got += len;
    if (d->ctl_out_got < d->ctl_out_len && len == USB_EP0_SIZE) {
        (void)d->port->ops->ep_xfer(d->port, 0x00, NULL, USB_EP0_SIZE);
        return;
    }
    d->ctl_out_active = false;
    ctl_status_in(d);
}

void usb_dev_out(usb_dev *d, uint8_t ep, const uint8_t *data, size_t len)
{
    if (!d || (!data && len > 0))
        return;
    if (ep == 0x00) {
        ctl_out(d, data, len);
    } else if (d->config == 0) {
        return;
    } else if (ep == USB_EP_CCID_OUT) {
        usb_ccid_out(d->ccid, data, len);
    } else if (ep == USB_EP_CDC_OUT) {
        if (d->cdc_rx && len > 0)
            d->cdc_rx(d->cdc_ctx, data, len);
        (void)d->port->ops->ep_xfer(d->port, USB_EP_CDC_OUT, NULL, USB_BULK_SIZE);
    }
}

void usb_dev_in_done(usb_dev *d, uint8_t ep)
{
    if (!d)
        return;
    if (ep == USB_EP_IN) {
        if (d->ctl_in_active)
            ctl_in_next(d);
    } else if (d->config == 0) {
        return;
    } else if (ep == USB_EP_CCID_IN || ep == USB_EP_CCID_INT) {
        usb_ccid_in_done(d->ccid, ep);
    } else if (ep == USB_EP_CDC_IN) {
        d->cdc_tx_busy = false;
    }
}

size_t usb_dev_cdc_write(usb_dev *d, const uint8_t *data, size_t len)
{
    if (!d || !data || d->config == 0 || d->cdc_tx_busy || len == 0)
        return 0;
    if (len > sizeof d->cdc_tx)
        len = sizeof d->cdc_tx;
    memcpy(d->cdc_tx, data, len);
    d->cdc_tx_busy = true;
    if (d->port->ops->ep_xfer(d->port, USB_EP_CDC_IN, d->cdc_tx, len) != KS_OK) {
        d->cdc_tx_busy = false;
        return 0;
    }
    return len;
}
