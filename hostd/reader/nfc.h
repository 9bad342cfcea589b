/*
 * nfc.h — the libnfc transport: a commodity PN53x reader (PN532 on a UART,
 * ACR122, ...) driven by libnfc, for hosts without a CCID reader.
 *
 * nfc_reader_open() opens the device named by a libnfc connstring (e.g.
 * "pn532_uart:/dev/ttyUSB0"), or the first libnfc finds, makes it an
 * initiator and selects an ISO/IEC 14443-4 card (type A, then type B),
 * polling up to wait_ms for one to enter the field. libnfc with "easy
 * framing" runs ISO 14443-4 in the chip: each APDU is one
 * nfc_initiator_transceive_bytes() call. A PN53x frame carries at most 262
 * bytes after the command code and target number, so the transport offers
 * short APDUs only: commands up to 261 bytes, responses up to 256 + SW.
 * The ATR is synthesised from the ATS (or ATQB) as PC/SC Part 3 does.
 *
 * The transport (close with transport_close()) owns the libnfc context and
 * device. A failed exchange after which the target no longer answers the
 * presence check is KS_ERR_REMOVED. Errors also come back as one English
 * line in `err` (libnfc's message; never card data).
 */
#ifndef KS_NFC_READER_H
#define KS_NFC_READER_H

#include <stddef.h>

#include "transport.h"

typedef struct nfc_reader_opts {
    const char *connstring; /* libnfc device, or NULL for the first found */
    int wait_ms;            /* how long to poll for a card; 0 = one attempt */
    int timeout_ms;         /* per-APDU timeout; 0 = a default of 5 s */
} nfc_reader_opts;

/* The largest APDUs a PN53x carries through InDataExchange. */
#define NFC_READER_MAX_COMMAND 261u
#define NFC_READER_MAX_RESPONSE 258u

ks_status nfc_reader_open(const nfc_reader_opts *opts, transport **out, char *err,
                          size_t err_cap);

/* The card's UID (type A) or PUPI (type B) as selected. */
ks_status nfc_reader_uid(transport *t, uint8_t *out, size_t cap, size_t *len);

/* The devices libnfc finds, one connstring per call of `each`; *count is how many. */
ks_status nfc_reader_list(void (*each)(const char *connstring, void *ctx), void *ctx,
                          size_t *count, char *err, size_t err_cap);

#endif
