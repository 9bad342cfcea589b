/*
 * card_if.h — how the CCID slot reaches a contactless card.
 *
 * The slot (firmware/ccid/slot.h) knows nothing about NFC: it calls these
 * operations on a card_if that the NFC layer (firmware/nfc/nfc_card.c)
 * implements over a front-end, and that unit tests implement with a fake.
 *
 * Contract for implementations:
 * - activate: field on, detect one card, select it (type A: anticollision,
 *   SELECT, RATS; type B: REQB, ATTRIB). On KS_OK fills ats_or_atqb[0..*len)
 *   and sets *type_b:
 *     type A: the ATS from TL onwards, without CRC (TL T0 [TA TB TC] hist...).
 *     type B: 12 bytes = the ATQB's 0x50, PUPI(4), application data(4),
 *             protocol info(3 — a 4th extended byte is dropped), then
 *             optionally 1 byte = the first byte of the ATTRIB answer
 *             (MBLI << 4 | CID), used for the ATR's MBLI nibble.
 *   KS_ERR_NOT_FOUND when no card is in the field; KS_ERR_TOO_LARGE when cap
 *   is too small (the slot offers 64 bytes); other errors for a card that
 *   failed activation.
 * - transceive: one command APDU over ISO 14443-4 (chaining, WTX and error
 *   recovery are the implementation's job). On KS_OK resp[0..*resp_len)
 *   holds the whole response APDU including SW1 SW2. KS_ERR_REMOVED when the
 *   card left, KS_ERR_TIMEOUT when it stopped answering, KS_ERR_TOO_LARGE if
 *   the response does not fit cap.
 * - present: KS_OK while the activated card still answers (a cheap presence
 *   check, e.g. an R(NAK) ping or the front-end's target status);
 *   KS_ERR_REMOVED otherwise. Also usable before activate to ask "is there a
 *   card in the field" (KS_OK / KS_ERR_REMOVED).
 * - deactivate: DESELECT if possible, then field off. Never fails.
 * - uid: the UID (type A: 4, 7 or 10 bytes) or PUPI (type B: 4 bytes) of the
 *   activated card.
 *
 * Ownership: the slot borrows the card_if; all buffers are the caller's. No
 * operation may keep a pointer to a buffer after returning. Operations may
 * block (the slot sends S(WTX) to the host before calling transceive).
 *
 * Implementations embed struct card_if as their first member and cast back.
 */
#ifndef FW_CARD_IF_H
#define FW_CARD_IF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct card_if card_if;

struct card_if_ops {
    ks_status (*activate)(card_if *c, uint8_t *ats_or_atqb, size_t cap, size_t *len, bool *type_b);
    ks_status (*transceive)(card_if *c, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap,
                            size_t *resp_len);
    ks_status (*present)(card_if *c);
    void (*deactivate)(card_if *c);
    ks_status (*uid)(card_if *c, uint8_t *out, size_t cap, size_t *len);
};

struct card_if {
    const struct card_if_ops *ops;
};

#endif
