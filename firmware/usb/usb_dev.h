/*
 * usb_dev.h — the reader's device-side USB layer: enumeration and the
 * control-request dispatcher on EP0, and the routing of endpoint events to
 * the CCID transport (usb_ccid.h) and the CDC-ACM vendor channel. It sits on
 * a port (hal_usb.h) whose events the board delivers through usb_dev_reset,
 * usb_dev_setup, usb_dev_out and usb_dev_in_done.
 *
 * Standard requests: GET_DESCRIPTOR (device, configuration, strings; the
 * device qualifier is stalled — full speed only), SET_ADDRESS,
 * SET/GET_CONFIGURATION (1 opens the endpoints, 0 closes them),
 * GET_STATUS, CLEAR/SET_FEATURE(ENDPOINT_HALT), GET/SET_INTERFACE (alt 0).
 * Class requests: to interface 0 → usb_ccid_control(); to interface 1 →
 * CDC SET/GET_LINE_CODING and SET_CONTROL_LINE_STATE (stored, not used: the
 * vendor channel has no baud rate). Anything else stalls EP0. IN data
 * stages are cut to wLength and end with a ZLP when shorter than wLength
 * and a multiple of 64.
 *
 * Vendor channel: every CDC bulk-OUT packet goes to the rx callback;
 * usb_dev_cdc_write() queues one packet (<= 64 bytes) when the IN endpoint
 * is free and returns how many bytes it took (0 = busy / not configured).
 *
 * The caller owns struct usb_dev (and the usb_ccid it borrows); the serial
 * string must outlive it. No heap.
 */
#ifndef FW_USB_DEV_H
#define FW_USB_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal_usb.h"
#include "status.h"
#include "usb_ccid.h"
#include "usb_desc.h"

#define USB_CTL_BUF 256u /* the longest string descriptor is 254 bytes */

typedef void (*usb_cdc_rx_fn)(void *ctx, const uint8_t *data, size_t len);

typedef struct usb_dev {
    usb_port *port;
    usb_ccid *ccid;
    const char *serial;
    uint8_t address;
    uint8_t config;
    /* EP0 */
    uint8_t ctl_buf[USB_CTL_BUF];
    const uint8_t *ctl_data;
    size_t ctl_len, ctl_off;
    bool ctl_in_active, ctl_zlp;
    bool ctl_out_active;
    uint8_t ctl_out_req;
    size_t ctl_out_len, ctl_out_got;
    /* CDC-ACM */
    uint8_t line_coding[7];
    uint16_t line_state;
    usb_cdc_rx_fn cdc_rx;
    void *cdc_ctx;
    uint8_t cdc_tx[USB_BULK_SIZE];
    bool cdc_tx_busy;
} usb_dev;

void usb_dev_init(usb_dev *d, usb_port *port, usb_ccid *ccid, const char *serial,
                  usb_cdc_rx_fn cdc_rx, void *cdc_ctx);

/* Port events. */
void usb_dev_reset(usb_dev *d);
void usb_dev_setup(usb_dev *d, const uint8_t setup[8]);
void usb_dev_out(usb_dev *d, uint8_t ep, const uint8_t *data, size_t len);
void usb_dev_in_done(usb_dev *d, uint8_t ep);

bool usb_dev_configured(const usb_dev *d);

/* Queues up to one packet on the vendor channel; returns the bytes taken. */
size_t usb_dev_cdc_write(usb_dev *d, const uint8_t *data, size_t len);

#endif
