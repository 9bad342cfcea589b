/*
 * qr_serial.h — a serial QR scanner module wired straight to the kiosk (a
 * USB-serial or UART scan engine with the SYN-prefixed command set; see
 * firmware/qr/qr_scan.h for the same module behind the reader firmware).
 *
 * qr_serial_start() opens the device in raw mode and runs a thread that
 * keeps the module scanning: it sends the trigger (SYN 'T' CR) every
 * QR_SERIAL_RETRIGGER_MS, so a module in host-trigger mode behaves like one
 * in presentation mode (a card left under it is reported again each time). Each complete,
 * valid line goes to the callback (on the thread; the text is valid during
 * the call only). Malformed lines are dropped (common/qr_line.h) and
 * counted. A device that disappears is reopened every second.
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
/* Stops the thread and closes the device. */
void qr_serial_stop(qr_serial *q);
/* Lines dropped as malformed so far. */
size_t qr_serial_dropped(const qr_serial *q);

#endif
