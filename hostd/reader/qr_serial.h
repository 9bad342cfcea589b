/*
 * qr_serial.h — the kiosk's QR scanner: either a serial scanner module wired
 * straight to the kiosk (a USB-serial or UART scan engine with the
 * SYN-prefixed command set, as in firmware/qr/qr_scan.h), or the module
 * behind our reader firmware, reached over its vendor channel.
 *
 * Either way a thread keeps the scanner scanning and hands each complete,
 * valid text to the callback (on the thread; valid during the call only).
 * A module gets the trigger (SYN 'T' CR) every QR_SERIAL_RETRIGGER_MS, so
 * one in host-trigger mode behaves like one in presentation mode (a card
 * left under it is reported again each time); malformed lines are dropped
 * (common/qr_line.h) and counted. A device that disappears is reopened
 * every second.
 *
 * The text is personal data: nothing here logs it.
 */
#ifndef KS_QR_SERIAL_H
#define KS_QR_SERIAL_H

#include <stddef.h>

#include "status.h"

#define QR_SERIAL_RETRIGGER_MS 3000

typedef void (*qr_serial_fn)(void *ctx, const char *text, size_t len);

typedef struct qr_serial qr_serial;

ks_status qr_serial_start(const char *device, qr_serial_fn on_text, void *ctx, qr_serial **out);
/* The same for a scanner behind the reader firmware: its vendor channel
 * (docs/vendor-channel.md, hostd/reader/vendor_link.h) on device, asked to
 * scan again and again (QR_SCAN); each QR_TEXT goes to the callback. */
ks_status qr_serial_start_vendor(const char *device, qr_serial_fn on_text, void *ctx,
                                 qr_serial **out);

/* Stops the thread and closes the device. */
void qr_serial_stop(qr_serial *q);
/* Lines dropped as malformed so far. */
size_t qr_serial_dropped(const qr_serial *q);

#endif
