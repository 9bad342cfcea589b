/*
 * vendor.h — the reader's vendor channel: QR events, LEDs/buzzer, status and
 * acknowledgements between the firmware and the host (docs/vendor-channel.md).
 *
 * Frame: SOF (0xA5) | type | seq | length (LE16) | payload | CRC-16 (LE16).
 * The CRC is CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection,
 * no final XOR; "123456789" → 0x29B1) over type, seq, length and payload.
 * Payloads are at most VENDOR_MAX_PAYLOAD bytes.
 *
 * vendor_rx_byte() is a byte-at-a-time receiver: it reports a complete good
 * frame, a bad CRC, or an overlong length (then it hunts for the next SOF).
 * vendor_build() writes a frame into a caller buffer. No heap, no globals.
 */
#ifndef KS_VENDOR_H
#define KS_VENDOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define VENDOR_SOF 0xA5u
#define VENDOR_MAX_PAYLOAD 512u
#define VENDOR_OVERHEAD 7u /* SOF type seq len(2) crc(2) */
#define VENDOR_MAX_FRAME (VENDOR_MAX_PAYLOAD + VENDOR_OVERHEAD)

typedef enum vendor_type {
    VENDOR_QR_TEXT = 0x01, /* fw → host: the scanned text, UTF-8, no terminator */
    VENDOR_LED_SET = 0x02, /* host → fw: led id, mode (0 off, 1 on, 2 blink), period in 10 ms */
    VENDOR_BUZZER = 0x03,  /* host → fw: duration ms (LE16), frequency Hz (LE16) */
    VENDOR_STATUS = 0x04,  /* fw → host: flags, fw version (see docs); host → fw: empty = query */
    VENDOR_ACK = 0x05,     /* either way: acked seq, result (0 ok, 1 bad, 2 unsupported) */
    VENDOR_QR_ERROR = 0x06, /* fw → host: reason (1 byte, common/qr_line.h qr_error) */
    VENDOR_QR_SCAN = 0x07  /* host → fw: empty; trigger one scan */
} vendor_type;

typedef enum vendor_event {
    VENDOR_RX_NONE = 0,
    VENDOR_RX_FRAME,
    VENDOR_RX_BAD_CRC,
    VENDOR_RX_OVERLONG
} vendor_event;

typedef struct vendor_frame {
    uint8_t type;
    uint8_t seq;
    const uint8_t *payload;
    size_t len;
} vendor_frame;

typedef struct vendor_rx {
    uint8_t buf[VENDOR_MAX_FRAME];
    size_t have;
    size_t need;
} vendor_rx;

uint16_t vendor_crc16(const uint8_t *p, size_t len);

void vendor_rx_init(vendor_rx *rx);

/* Feeds one byte; after VENDOR_RX_FRAME, vendor_rx_frame() is valid until the
 * next call. */
vendor_event vendor_rx_byte(vendor_rx *rx, uint8_t byte);

ks_status vendor_rx_frame(const vendor_rx *rx, vendor_frame *out);

/* Decodes exactly one frame from buf[0..len). */
ks_status vendor_parse(const uint8_t *buf, size_t len, vendor_frame *out);

ks_status vendor_build(uint8_t type, uint8_t seq, const uint8_t *payload, size_t len,
                       uint8_t *out, size_t cap, size_t *out_len);

#endif
