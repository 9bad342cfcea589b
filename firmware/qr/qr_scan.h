/*
 * qr_scan.h — the serial QR scanner module driver (SYN-prefixed command set:
 * trigger "16 54 0D", untrigger "16 55 0D"; the module answers with the
 * decoded text followed by a CR, LF or CR LF suffix).
 *
 Two layers:
 * - qr_rx (common/qr_line.h, shared with the host, which reads scanner
 *   modules wired to it directly): the module's output, line by line.
 * - qr_scanner: the driver over a hal_link. qr_scanner_trigger() sends the
 *   trigger; qr_scanner_poll() never blocks, and reports one event at a time:
 *   a text, or an error (no answer within the scan timeout → QR_ERR_TIMEOUT
 *   and the untrigger is sent; a partial line followed by silence →
 *   QR_ERR_INCOMPLETE). Text that arrives without a trigger (a module in
 *   auto-trigger mode) is reported like a triggered scan.
 *
 * The scanned text is personal data: this module never logs it. No heap;
 * the state lives in the caller's struct; the link is borrowed.
 */
#ifndef FW_QR_SCAN_H
#define FW_QR_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal_link.h"
#include "qr_line.h"
#include "status.h"

#define QR_SCAN_TIMEOUT_MS 5000u  /* trigger to suffix */
#define QR_IDLE_MS 500u           /* silence that ends a partial line */

typedef struct qr_scanner {
    hal_link *link;
    qr_rx rx;
    uint32_t timeout_ms;
    bool scanning;
    uint32_t started_ms;
    uint32_t last_byte_ms;
    uint8_t in[64]; /* bytes read from the link, not yet parsed */
    size_t in_pos, in_len;
} qr_scanner;

/* timeout_ms 0 = QR_SCAN_TIMEOUT_MS. */
void qr_scanner_init(qr_scanner *q, hal_link *link, uint32_t timeout_ms);

/* Sends the trigger and starts the scan timeout. KS_ERR_TRANSPORT when the
 * link took none of the bytes. */
ks_status qr_scanner_trigger(qr_scanner *q, uint32_t now_ms);

bool qr_scanner_scanning(const qr_scanner *q);

/* One step; at most one event. For QR_EV_TEXT, *text and *len point into q and
 * stay valid until the next call; for QR_EV_ERROR, *err is set. */
qr_event qr_scanner_poll(qr_scanner *q, uint32_t now_ms, const uint8_t **text, size_t *len,
                         qr_error *err);

#endif
