/* usb_fake.h — a fake USB port (records what the device layer asks of it)
 * and a card that keeps whole extended APDUs, for the USB tests and the
 * fuzz target. */
#ifndef TEST_USB_FAKE_H
#define TEST_USB_FAKE_H

#include <stdbool.h>
#include <string.h>

#include "fake_card.h"
#include "hal_usb.h"
#include "usb_dev.h"

#define FP_EPS 16u
#define FP_LOG 8192u

typedef struct fake_port {
    usb_port base;
    uint8_t address;
    int address_calls;
    bool opened[2][FP_EPS];  /* [in][num] */
    bool armed[FP_EPS];      /* OUT endpoints */
    bool stalled[2][FP_EPS];
    bool in_busy[FP_EPS];
    int zlps[FP_EPS];
    int packets[FP_EPS];
    size_t max_packet_seen;
    int violations; /* packets over 64 bytes, or queued on a busy endpoint */
    /* everything sent on each IN endpoint since the last fp_take */
    uint8_t in_log[FP_EPS][FP_LOG];
    size_t in_len[FP_EPS];
    /* the packet in flight per IN endpoint (ep_xfer's buffer) */
    const uint8_t *in_buf[FP_EPS];
    size_t in_n[FP_EPS];
} fake_port;

static ks_status fp_open(usb_port *p, uint8_t ep, uint8_t type, uint16_t mps)
{
    fake_port *f = (fake_port *)p;
    (void)type;
    if ((ep & 0x0F) >= FP_EPS || mps == 0 || mps > 64)
        return KS_ERR_ARG;
    f->opened[ep >> 7][ep & 0x0F] = true;
    if (ep & USB_EP_IN) /* (re)opening flushes a packet in flight, as hal_usb.h says */
        f->in_busy[ep & 0x0F] = false;
    else
        f->armed[ep & 0x0F] = false;
    return KS_OK;
}

static ks_status fp_xfer(usb_port *p, uint8_t ep, const uint8_t *buf, size_t len)
{
    fake_port *f = (fake_port *)p;
    uint8_t n = ep & 0x0F;
    if (n >= FP_EPS)
        return KS_ERR_ARG;
    if (!(ep & USB_EP_IN)) {
        f->armed[n] = true;
        return KS_OK;
    }
    if (len > 64 || (len > 0 && !buf) || f->in_busy[n]) {
        f->violations++;
        return KS_ERR_ARG;
    }
    if (len > f->max_packet_seen)
        f->max_packet_seen = len;
    f->in_busy[n] = true;
    f->in_buf[n] = buf;
    f->in_n[n] = len;
    f->packets[n]++;
    if (len == 0)
        f->zlps[n]++;
    if (f->in_len[n] + len <= FP_LOG) {
        if (len)
            memcpy(f->in_log[n] + f->in_len[n], buf, len);
        f->in_len[n] += len;
    }
    return KS_OK;
}

static void fp_stall(usb_port *p, uint8_t ep, bool on)
{
    fake_port *f = (fake_port *)p;
    if ((ep & 0x0F) < FP_EPS)
        f->stalled[ep >> 7][ep & 0x0F] = on;
}

static void fp_set_address(usb_port *p, uint8_t a)
{
    fake_port *f = (fake_port *)p;
    f->address = a;
    f->address_calls++;
}

static const struct usb_port_ops fp_ops = {fp_open, fp_xfer, fp_stall, fp_set_address};

static inline void fp_init(fake_port *f)
{
    memset(f, 0, sizeof *f);
    f->base.ops = &fp_ops;
}

static inline void fp_clear_log(fake_port *f)
{
    memset(f->in_len, 0, sizeof f->in_len);
    memset(f->packets, 0, sizeof f->packets);
    memset(f->zlps, 0, sizeof f->zlps);
}

/* Lets every pending IN packet go out (as the host reading), until quiet. */
static inline void fp_pump(fake_port *f, usb_dev *d)
{
    for (int guard = 0; guard < 100000; guard++) {
        bool any = false;
        for (uint8_t n = 0; n < FP_EPS; n++) {
            if (f->in_busy[n]) {
                f->in_busy[n] = false;
                any = true;
                usb_dev_in_done(d, (uint8_t)(USB_EP_IN | n));
            }
        }
        if (!any)
            return;
    }
}

/* The host writing on an OUT endpoint; false when the device did not arm it. */
static inline bool fp_out(fake_port *f, usb_dev *d, uint8_t ep, const uint8_t *data, size_t len)
{
    uint8_t n = ep & 0x0F;
    if (!f->armed[n])
        return false;
    f->armed[n] = false;
    usb_dev_out(d, ep, data, len);
    return true;
}

/* ---- a card that keeps whole extended APDUs ---------------------------- */

typedef struct big_card {
    fake_card fc; /* first: activate/present/uid from fake_card.h */
    uint8_t apdu[USB_CCID_MAX_APDU];
    size_t apdu_len;
} big_card;

static ks_status big_transceive(card_if *c, const uint8_t *apdu, size_t len, uint8_t *resp,
                                size_t cap, size_t *resp_len)
{
    big_card *b = (big_card *)c;
    if (len <= sizeof b->apdu) {
        memcpy(b->apdu, apdu, len);
        b->apdu_len = len;
    }
    return fake_transceive(c, apdu, len, resp, cap, resp_len);
}

static const struct card_if_ops big_ops = {fake_activate, big_transceive, fake_present,
                                           fake_deactivate, fake_uid};

static inline void big_card_init(big_card *b)
{
    fake_card_init(&b->fc);
    b->fc.base.ops = &big_ops;
    b->apdu_len = 0;
}

#endif
