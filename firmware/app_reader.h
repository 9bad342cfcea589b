/*
 * app_reader.h — the reader's modules for the main loop (app.h): the CCID
 * slot on the host UART, the NFC card behind a PN532 on the NFC UART, the QR
 * scanner on the QR UART and the vendor channel on the vendor UART.
 *
 * All state lives in one caller-owned struct reader (static in main.c; no
 * heap). Each reader_*_init/poll pair is an app_module whose ctx is that
 * struct; register them in the order nfc, ccid, qr, vendor.
 *
 * - nfc: PN532 wake-up and set-up at start-up; a front-end that does not
 *   answer (at start-up, or when a presence poll finds no card and the chip
 *   no longer answers GetFirmwareVersion) is set up again every
 *   READER_NFC_RETRY_MS while the slot reports "no card", so the reader
 *   keeps answering the host meanwhile.
 * - ccid: libccidtwin's serial framing (ccid_serial.h) into the slot
 *   (slot.h): every good host frame is answered with its echo and the
 *   slot's reply; a bad LRC with NAK; a host NAK with the last reply again.
 *   While the host is quiet the slot polls card presence itself.
 * - qr: the scanner driver (qr/qr_scan.h); a scan is started by the host's
 *   vendor QR_SCAN command; the text or the error goes out as a vendor event.
 * - vendor: frames of common/vendor.h. Host commands LED_SET, BUZZER,
 *   STATUS (query) and QR_SCAN are acknowledged (a repeated seq is only
 *   re-acknowledged). Events QR_TEXT, QR_ERROR and STATUS (on a query and
 *   whenever the flags change) are repeated every READER_VENDOR_RETRY_MS
 *   until the host acknowledges them, so a scan is neither lost nor doubled.
 *   LED ids: 0 ready (green), 1 busy (amber), 2 error (red).
 */
#ifndef KS_FW_APP_READER_H
#define KS_FW_APP_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccid_serial.h"
#include "hal_link.h"
#include "nfc_card.h"
#include "pn532.h"
#include "qr_scan.h"
#include "slot.h"
#include "status.h"
#include "vendor.h"

#define READER_NFC_RETRY_MS 1000u
#define READER_NFC_WRITE_MS 200u
#define READER_HOST_IDLE_MS 100u     /* silence that ends a broken host frame */
#define READER_PRESENCE_MS 500u      /* own presence polls while the host is quiet */
#define READER_HOST_QUIET_MS 1000u
#define READER_VENDOR_RETRY_MS 200u
#define READER_VENDOR_QUEUE 3u
#define READER_LED_COUNT 3u

/* STATUS flags (docs/vendor-channel.md). */
#define READER_ST_CARD_PRESENT 0x01u
#define READER_ST_CARD_ACTIVE 0x02u
#define READER_ST_SCANNER_OK 0x04u
#define READER_ST_NFC_OK 0x08u

typedef struct reader_guard {
    card_if base; /* first member: what the slot sees */
    struct reader *r;
} reader_guard;

typedef struct reader_vendor_out {
    uint8_t type;
    uint8_t seq;
    bool sent;
    uint32_t sent_ms;
    size_t len;
    uint8_t payload[QR_TEXT_MAX];
} reader_vendor_out;

typedef struct reader {
    /* NFC */
    hal_link nfc_uart;
    nfc_link nfc;
    pn532 pn;
    nfc_card card;
    reader_guard guard;
    bool nfc_ok;
    uint32_t nfc_tried_ms;
    /* CCID */
    hal_link host;
    ccids_rx crx;
    slot slot;
    uint8_t resp[CCIDS_MAX_MSG];
    uint8_t reply[CCIDS_MAX_REPLY];
    size_t reply_len;
    uint32_t host_last_ms;
    uint32_t presence_ms;
    /* QR */
    hal_link qr_uart;
    qr_scanner qr;
    bool scanner_ok;
    /* vendor */
    hal_link vendor;
    vendor_rx vrx;
    uint8_t vtx[VENDOR_MAX_FRAME];
    bool host_seq_valid;
    uint8_t host_seq, host_result;
    uint8_t next_seq;
    reader_vendor_out out[READER_VENDOR_QUEUE];
    size_t out_head, out_count;
    uint8_t flags_sent;
    bool flags_valid;
    uint8_t led_mode[READER_LED_COUNT];
    uint8_t led_period[READER_LED_COUNT];
    uint32_t led_toggled_ms[READER_LED_COUNT];
    bool led_level[READER_LED_COUNT];
    bool buzzing;
    uint32_t buzz_start_ms, buzz_ms;
} reader;

ks_status reader_nfc_init(void *ctx);
bool reader_nfc_poll(void *ctx, uint32_t now_ms);
ks_status reader_ccid_init(void *ctx);
bool reader_ccid_poll(void *ctx, uint32_t now_ms);
ks_status reader_qr_init(void *ctx);
bool reader_qr_poll(void *ctx, uint32_t now_ms);
ks_status reader_vendor_init(void *ctx);
bool reader_vendor_poll(void *ctx, uint32_t now_ms);

/* The STATUS flags byte for the current state. */
uint8_t reader_status_flags(const reader *r);

/* Queues a vendor event (type, payload); KS_ERR_TOO_LARGE when the payload
 * exceeds QR_TEXT_MAX. A STATUS replaces a STATUS still waiting to be sent
 * (only the newest state matters); with the queue full, a STATUS is dropped
 * (KS_ERR_NO_MEMORY) and a scan replaces the newest waiting entry. */
ks_status reader_vendor_queue(reader *r, uint8_t type, const uint8_t *payload, size_t len);

#endif
