/*
 * qr_line.h — the text lines a serial QR scanner module sends, assembled a
 * byte at a time: used by the reader firmware (firmware/qr) and by kioskd
 * for a scanner module wired straight to the kiosk.
 *
 * A line ends at CR or LF (an LF right after a CR and empty lines are
 * ignored). A line longer than QR_TEXT_MAX is dropped whole and reported as
 * QR_ERR_OVERLONG; a line that is not well-formed UTF-8 or holds control
 * characters (TAB excepted) is dropped as QR_ERR_ENCODING. The text is never
 * kept after the next byte is fed. No heap; the state is the caller's.
 * The scanned text is personal data: nothing here logs it.
 */
#ifndef KS_QR_LINE_H
#define KS_QR_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QR_SYN 0x16u
#define QR_TEXT_MAX 512u          /* the vendor channel's payload limit */

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

#endif
