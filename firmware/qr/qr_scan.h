/*
 * qr_scan.h — the serial QR scanner module driver (SYN-prefixed command set:
 * trigger "16 54 0D", untrigger "16 55 0D"; the module answers with the
 * decoded text followed by a CR, LF or CR LF suffix).
 *
 * Two layers:
 * - qr_rx: a byte-at-a-time parser of the module's output. A line ends at CR
 *   or LF (an LF right after a CR and empty lines are ignored). A line longer
 *   than QR_TEXT_MAX is dropped whole and reported as QR_ERR_OVERLONG; a line
 *   that is not well-formed UTF-8 or holds control characters is dropped as
 *   QR_ERR_ENCODING. The text is never kept after the next byte is fed.
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
#include "status.h"

#define QR_SYN 0x16u
#define QR_TEXT_MAX 512u          /* the vendor channel's payload limit */
#define QR_SCAN_TIMEOUT_MS 5000u  /* trigger to suffix */
#define QR_IDLE_MS 500u           /* silence that ends a partial line */

typedef enum qr_event {
    QR_EV_NONE = 0,
    QR_EV_TEXT,  /* a complete, valid line */
    QR_EV_ERROR  /* see qr_error */
} qr_event;

/* Also the payload byte of the vendor channel's QR_ERROR event. */
typedef enum qr_error {
    QR_ERR_NONE = 0,
    QR_ERR_TIMEOUT = 1,    /* triggered, nothing decoded in time */
    QR_ERR_OVERLONG = 2,   /* a line longer than QR_TEXT_MAX */
    QR_ERR_ENCODING = 3,   /* not UTF-8, or control characters */
    QR_ERR_INCOMPLETE = 4, /* a line without its suffix */
    QR_ERR_LINK = 5        /* the trigger could not be sent */
} qr_error;

typedef struct qr_rx {
    uint8_t text[QR_TEXT_MAX];
    size_t len;
    bool overflow;
    bool after_cr;
    bool text_ready; /* len holds a reported line until the next byte */
} qr_rx;

void qr_rx_init(qr_rx *rx);

/* Feeds one byte. QR_EV_TEXT: qr_rx_text() is valid until the next call.
 * QR_EV_ERROR: *err says why the line was dropped. */
qr_event qr_rx_byte(qr_rx *rx, uint8_t byte, qr_error *err);

const uint8_t *qr_rx_text(const qr_rx *rx, size_t *len);

/* True while part of a line is buffered (or being discarded). */
bool qr_rx_busy(const qr_rx *rx);

/* Forgets a partial line. */
void qr_rx_reset(qr_rx *rx);

/* Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
bool qr_utf8_valid(const uint8_t *p, size_t len);

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
