/*
 * pn532_frame.h — the PN532's host-interface frames as the chip sees them on
 * its HSU (UART) link (NXP UM0701-02, "Host controller communication").
 *
 *   normal:   00 00 FF LEN LCS TFI PD0..PDn DCS 00      (LEN = TFI + data, <= 255)
 *   extended: 00 00 FF FF FF LENM LENL LCS TFI ... DCS 00
 *   ACK:      00 00 FF 00 FF 00        NACK: 00 00 FF FF 00 00
 *   error:    00 00 FF 01 FF 7F 81 00  (application-level syntax error)
 *
 * LCS makes LEN + LCS (or LENM + LENL + LCS) zero mod 256; DCS makes TFI +
 * data + DCS zero mod 256. The host sends TFI D4, the chip answers D5.
 *
 * pn532_rx is a byte-at-a-time parser that needs no lookahead, so it copes
 * with the HSU wake-up preamble (55 55 00 00 ...) and with line noise: it
 * hunts for the 00 FF start code, then checks every length and checksum.
 * It owns no memory beyond the struct. pn532_frame_encode() chooses the
 * normal or extended form from the payload length.
 */
#ifndef PN532_FRAME_H
#define PN532_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define PN532_TFI_HOST 0xD4u
#define PN532_TFI_CHIP 0xD5u
/* The PN532's frame buffer: TFI + up to 264 bytes of data (UM0701-02 6.2.1.2). */
#define PN532_MAX_PAYLOAD 264u
#define PN532_MAX_FRAME (8u + 1u + PN532_MAX_PAYLOAD + 2u)

extern const uint8_t pn532_ack_frame[6];
extern const uint8_t pn532_nack_frame[6];
extern const uint8_t pn532_error_frame[8];

typedef enum pn532_event {
    PN532_EV_NONE = 0, /* need more bytes */
    PN532_EV_FRAME,    /* a complete, valid information frame: see rx->data/len */
    PN532_EV_ACK,
    PN532_EV_NACK,
    PN532_EV_BAD,      /* checksum, length or TFI error; the frame is dropped */
} pn532_event;

typedef struct pn532_rx {
    int state;
    uint8_t prev;      /* last byte seen while hunting for the start code */
    uint8_t len_hi;
    size_t need;       /* bytes of TFI + data still expected */
    uint8_t tfi;
    uint8_t sum;       /* running TFI + data sum */
    uint8_t data[PN532_MAX_PAYLOAD]; /* data after the TFI */
    size_t len;
} pn532_rx;

void pn532_rx_init(pn532_rx *rx);

/* Feeds one byte; on PN532_EV_FRAME rx->tfi, rx->data and rx->len hold the frame. */
pn532_event pn532_rx_feed(pn532_rx *rx, uint8_t byte);

/* Builds a frame carrying TFI + data (len <= PN532_MAX_PAYLOAD); extended form when
 * TFI + data exceed 255 bytes. KS_ERR_TOO_LARGE when data or out do not fit. */
ks_status pn532_frame_encode(uint8_t tfi, const uint8_t *data, size_t len, uint8_t *out,
                             size_t cap, size_t *out_len);

#endif
