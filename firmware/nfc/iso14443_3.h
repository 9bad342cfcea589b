/*
 * iso14443_3.h — ISO/IEC 14443-3 initialisation and anticollision for
 * transparent front-ends (those with an nfc_frontend raw op, e.g. PN5180).
 * The PN532 does this itself in InListPassiveTarget.
 *
 * iso14443_3_poll_a: WUPA (7-bit short frame), ATQA, then cascade levels
 * 1-3 (SEL 93/95/97) with bit-oriented anticollision (NVB, a collision bit
 * is resolved by choosing 1), BCC check, SELECT, SAK; UIDs of 4, 7 or 10
 * bytes. Leaves the card in ACTIVE state; RATS is tcl.c's job.
 * iso14443_3_poll_b: WUPB with AFI (one slot), ATQB, ATTRIB (FSDI 8, CID 0).
 * iso14443_3_hlta: HLTA (no answer expected).
 *
 * Errors: KS_ERR_NOT_FOUND when nothing answers the wake-up,
 * KS_ERR_MALFORMED for a bad BCC or answer length, KS_ERR_TRANSPORT or the
 * front-end's status otherwise. Stateless; buffers are on the stack.
 */
#ifndef ISO14443_3_H
#define ISO14443_3_H

#include <stdint.h>

#include "nfc_frontend.h"
#include "status.h"

#define ISO14443_3_A_TIMEOUT_US 1000u   /* ATQA / anticollision / SAK windows, with margin */
#define ISO14443_3_B_TIMEOUT_US 5000u   /* ATQB window, with margin */

ks_status iso14443_3_poll_a(nfc_frontend *fe, nfc_target *out);
ks_status iso14443_3_poll_b(nfc_frontend *fe, uint8_t afi, nfc_target *out);
ks_status iso14443_3_hlta(nfc_frontend *fe);

#endif
