/*
 * nfc_frontend.h — one interface over every NFC front-end chip (PN532 over
 * HSU, PN5180 over SPI, test fakes), so ISO 14443-3/-4 and nfc_card.c never
 * know which chip sits underneath.
 *
 * A front-end offers:
 * - field(on/off): the 13.56 MHz carrier.
 * - poll_a / poll_b: find and select one card (ISO 14443-3 A: REQA,
 *   anticollision, SELECT; B: REQB with AFI, ATTRIB). A front-end that runs
 *   RATS itself (the PN532 does for ISO 14443-4 type A cards) returns the
 *   ATS in the target; otherwise ats_len is 0 and tcl.c sends RATS.
 *   KS_ERR_NOT_FOUND when no card answers.
 * - transceive: one raw ISO 14443 frame of whole bytes; the front-end
 *   appends and checks the CRC. KS_ERR_TIMEOUT when nothing came back within
 *   timeout_us, KS_ERR_MALFORMED for a transmission error (CRC, parity,
 *   framing, collision), KS_ERR_REMOVED when the chip reports the target
 *   gone, KS_ERR_TRANSPORT when the chip itself or its link failed.
 * - raw (optional, NULL when the chip does anticollision itself): a
 *   bit-oriented frame for ISO 14443-3 (7-bit REQA, split anticollision
 *   bytes, CRC on or off per frame); see nfc_raw_xfer.
 * - exchange_apdu (optional): the chip's own ISO 14443-4 engine (PN532
 *   InDataExchange), kept to compare with tcl.c. NULL when absent.
 * - release (optional): forget the selected target inside the chip.
 *
 * Time comes only from the nfc_clock callback; no module calls the HAL.
 * All buffers belong to the caller; nothing is kept after a call returns.
 */
#ifndef NFC_FRONTEND_H
#define NFC_FRONTEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define NFC_UID_MAX 10u
#define NFC_ATS_MAX 64u   /* TL is one byte but real ATS stay short; longer is refused */
#define NFC_ATQB_LEN 12u  /* 0x50 PUPI(4) application data(4) protocol info(3) */

/* A monotonic millisecond tick; compare only by unsigned subtraction. */
typedef struct nfc_clock {
    uint32_t (*now_ms)(void *ctx);
    void *ctx;
} nfc_clock;

typedef enum nfc_tech { NFC_TECH_A = 0, NFC_TECH_B } nfc_tech;

typedef struct nfc_target {
    nfc_tech tech;
    /* type A */
    uint8_t atqa[2];      /* as sent on air: atqa[0] is the first (low) byte */
    uint8_t sak;
    uint8_t uid[NFC_UID_MAX];
    size_t uid_len;       /* 4, 7 or 10 */
    uint8_t ats[NFC_ATS_MAX];
    size_t ats_len;       /* 0 when the front-end did not send RATS */
    /* type B */
    uint8_t atqb[NFC_ATQB_LEN];
    uint8_t attrib_res0;  /* first byte of the ATTRIB answer (MBLI << 4 | CID) */
    bool has_attrib_res;
} nfc_target;

/* ISO 14443-A SAK bit: the card speaks ISO 14443-4. */
#define NFC_SAK_ISO14443_4 0x20u
/* SAK bit: the UID is not complete, another cascade level follows. */
#define NFC_SAK_CASCADE 0x04u

/* One bit-oriented frame for a transparent front-end. tx_bits counts bits
 * (7 for REQA; a multiple of 8 plus 0..7 for anticollision); the partial
 * last byte holds its bits from bit 0 up. The answer starts at the same bit
 * position where tx stopped (rx[0]'s low tx_bits%8 bits are zero and must be
 * ignored) so anticollision answers line up with the UID bytes. rx_bits
 * counts bits from rx[0] bit 0 including that offset. coll_bit is the bit
 * index (same counting) of the first collision, or -1. */
typedef struct nfc_raw_xfer {
    const uint8_t *tx;
    size_t tx_bits;
    bool crc;             /* CRC appended on send and checked/stripped on receive */
    uint8_t *rx;
    size_t rx_cap;        /* bytes */
    size_t rx_bits;       /* out */
    int coll_bit;         /* out */
    uint32_t timeout_us;
} nfc_raw_xfer;

typedef struct nfc_frontend nfc_frontend;

struct nfc_frontend_ops {
    ks_status (*field)(nfc_frontend *fe, bool on);
    ks_status (*poll_a)(nfc_frontend *fe, nfc_target *out);
    ks_status (*poll_b)(nfc_frontend *fe, uint8_t afi, nfc_target *out);
    ks_status (*transceive)(nfc_frontend *fe, const uint8_t *tx, size_t tx_len, uint8_t *rx,
                            size_t cap, size_t *rx_len, uint32_t timeout_us);
    /* Optional (may be NULL). */
    ks_status (*raw)(nfc_frontend *fe, nfc_tech tech, nfc_raw_xfer *x);
    ks_status (*exchange_apdu)(nfc_frontend *fe, const uint8_t *apdu, size_t len, uint8_t *resp,
                               size_t cap, size_t *resp_len);
    ks_status (*release)(nfc_frontend *fe);
};

struct nfc_frontend {
    const struct nfc_frontend_ops *ops;
    nfc_clock clock;
    size_t max_frame;     /* largest frame (without CRC) the chip can move, e.g. 262 */
};

static inline uint32_t nfc_now_ms(const nfc_frontend *fe)
{
    return fe->clock.now_ms ? fe->clock.now_ms(fe->clock.ctx) : 0u;
}

#endif
