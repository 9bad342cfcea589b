/*
 * nfc_card.h — card_if (firmware/ccid/card_if.h) over an nfc_frontend.
 *
 * activate: field on, poll type A (and type B with the configured AFI when
 * no type A card answers), RATS unless the front-end already did it, T=CL
 * parameters from the ATS or ATQB. A type A card without ISO 14443-4
 * support (SAK bit 0x20 clear) gives KS_ERR_UNSUPPORTED.
 * transceive: one APDU through tcl.c, or the front-end's own T=CL engine
 * (exchange_apdu, PN532 InDataExchange) when use_chip_tcl is set.
 * present: R(NAK) ping when active; otherwise a poll (then field off).
 * deactivate: S(DESELECT), release in the chip, field off.
 *
 * The struct embeds card_if first, so &card->base is the card_if to hand to
 * the slot. No heap; the T=CL buffers live in the struct.
 */
#ifndef NFC_CARD_H
#define NFC_CARD_H

#include <stdbool.h>
#include <stdint.h>

#include "card_if.h"
#include "nfc_frontend.h"
#include "tcl.h"

typedef struct nfc_card_config {
    bool try_type_b;     /* poll type B after type A finds nothing */
    uint8_t afi;         /* AFI for REQB; 0 = all families */
    bool use_chip_tcl;   /* use fe->ops->exchange_apdu instead of tcl.c */
} nfc_card_config;

typedef struct nfc_card {
    card_if base;        /* first member */
    nfc_frontend *fe;
    nfc_card_config cfg;
    nfc_target target;
    tcl t;
    bool active;
} nfc_card;

void nfc_card_init(nfc_card *c, nfc_frontend *fe, const nfc_card_config *cfg);

#endif
