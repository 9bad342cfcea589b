/*
 * usb_ccid.h — the CCID bulk transport (CCID 1.1 §5.2-5.3) over the slot
 * (firmware/ccid/slot.h) in APDU-level mode.
 *
 * Bulk-OUT packets are reassembled into one PC_to_RDR message by its
 * dwLength, whatever the packet sizes (up to USB_CCID_MAX_MSG bytes; bytes
 * beyond dwLength in the last packet are dropped — a host sends one message
 * per transfer). The message goes through slot_handle() and the answer goes
 * back on bulk-IN in 64-byte packets, ending with a zero-length packet when
 * its length is a multiple of 64. While an answer is pending the OUT
 * endpoint stays un-armed (NAK), so the host cannot overrun the buffer.
 *
 * A header whose dwLength exceeds USB_CCID_MAX_MSG - 10 is answered at once
 * with the command's reply type, bmCommandStatus "failed", bError 0x01
 * (dwLength), and the rest of that transfer is skipped: until dwLength bytes
 * went by or a short packet ends the transfer.
 *
 * Class requests on EP0 (usb_ccid_control): ABORT (wValue = bSeq << 8 |
 * bSlot) starts the abort sequence of §5.3.1 — a partly received message is
 * dropped, later bulk commands fail with CMD_ABORTED until the matching
 * PC_to_RDR_Abort, which the slot answers; GET_CLOCK_FREQUENCIES and
 * GET_DATA_RATES return the one clock and rate of usb_desc.h.
 *
 * Card presence: usb_ccid_poll() (call it every few hundred ms from the main
 * loop) asks the slot, and every change of presence — seen there or during
 * a command — is sent as RDR_to_PC_NotifySlotChange (50 03 arrival, 50 02
 * removal) on the interrupt endpoint, once it is free.
 *
 * The struct is caller-owned (about 2 x USB_CCID_MAX_MSG bytes); it borrows
 * the slot and the port. No heap.
 */
#ifndef FW_USB_CCID_H
#define FW_USB_CCID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal_usb.h"
#include "slot.h"
#include "status.h"
#include "usb_desc.h"

/* CCID class requests (bRequest). */
#define USB_CCID_REQ_ABORT 0x01u
#define USB_CCID_REQ_GET_CLOCK_FREQUENCIES 0x02u
#define USB_CCID_REQ_GET_DATA_RATES 0x03u

typedef struct usb_ccid {
    usb_port *port;
    slot *slot;
    bool open;
    /* bulk OUT */
    uint8_t rx[USB_CCID_MAX_MSG];
    size_t rx_len;
    size_t rx_need;       /* 10 + dwLength once the header is in, else 0 */
    uint32_t skip_left;   /* bytes of a refused message still to skip */
    bool skipping;
    /* bulk IN */
    uint8_t tx[USB_CCID_MAX_MSG];
    size_t tx_len, tx_off;
    bool tx_busy, tx_zlp;
    /* interrupt IN */
    uint8_t notify[2];      /* in flight */
    uint8_t notify_next[2]; /* waiting for the endpoint */
    bool notify_busy, notify_pending;
    bool reported_present;
    /* abort (§5.3.1) */
    bool abort_pending;
    uint8_t abort_seq;
    uint32_t messages;    /* messages answered, for statistics */
} usb_ccid;

/* Binds the slot (switched to APDU level) and the port. */
void usb_ccid_init(usb_ccid *u, slot *s, usb_port *port);

/* SET_CONFIGURATION: opens the three endpoints, arms bulk-OUT, reports a
 * card already present. */
ks_status usb_ccid_open(usb_ccid *u);

/* Bus reset or de-configuration: forgets transfers in flight. */
void usb_ccid_close(usb_ccid *u);

/* One bulk-OUT packet. */
void usb_ccid_out(usb_ccid *u, const uint8_t *data, size_t len);

/* An IN packet on the bulk or interrupt endpoint went out. */
void usb_ccid_in_done(usb_ccid *u, uint8_t ep);

/* A class request addressed to the CCID interface. IN data goes to
 * buf[0..*len); KS_ERR_UNSUPPORTED (or any error) means "stall". */
ks_status usb_ccid_control(usb_ccid *u, const uint8_t setup[8], uint8_t *buf, size_t cap,
                           size_t *len);

/* Polls card presence; true when a NotifySlotChange was queued. */
bool usb_ccid_poll(usb_ccid *u);

#endif
