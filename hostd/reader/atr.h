/*
 * atr.h — answer-to-reset parsing (ISO/IEC 7816-3 structure, 7816-4
 * historical bytes), enough to learn what the card says it can do.
 *
 * A contactless card's ATR is synthesised by the reader from the ATS or ATQB
 * (PC/SC Part 3) and carries the card's historical bytes; the card
 * capabilities object there (compact-TLV tag 7) tells whether the card takes
 * extended Lc/Le fields and command chaining.
 */
#ifndef KS_ATR_H
#define KS_ATR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct atr_info {
    const uint8_t *historical; /* points into the ATR */
    size_t historical_len;
    bool has_capabilities;     /* a card-capabilities object was found */
    bool extended_length;      /* ... and it announces extended Lc/Le */
    bool command_chaining;
} atr_info;

/* KS_ERR_MALFORMED when the interface bytes run past the end. */
ks_status atr_parse(const uint8_t *atr, size_t len, atr_info *out);

#endif
