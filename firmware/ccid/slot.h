/*
 * slot.h — the reader's one CCID slot: a contactless card behind card_if,
 * presented to the host as a TPDU-level T=1 card (what libccidtwin expects).
 *
 * slot_handle() takes one PC_to_RDR message and writes the RDR_to_PC answer
 * (always exactly one message with the command's bSeq, even for malformed
 * commands whose header is readable). PowerOn activates the card and answers
 * an ATR built per PC/SC Part 3 (slot_atr_build); XfrBlock carries T=1 blocks
 * (t1.h) — except a PPS request (FF PPS0 [PPS1..3] PCK) right after PowerOn,
 * which libccid sends because the ATR's first offered protocol is T=0: the
 * slot grants T=1 by echoing it; complete APDUs go to card_if->transceive, except the PC/SC pseudo
 * APDU GET DATA (FF CA 00 00 → UID, FF CA 01 00 → ATS historical bytes) which
 * the slot answers itself. Escape answers imitate a GemPC Twin enough for
 * libccidtwin's start-up: 02 → firmware string, 01 01 01 → OK, others →
 * "command not supported" (which the driver tolerates).
 *
 * When wtx_mult > 0, a complete APDU is first answered with S(WTX request)
 * (multiplier wtx_mult) and run when the host's S(WTX response) arrives, so
 * a slow card gets wtx_mult times the host's block waiting time.
 *
 * Card presence: slot_poll() asks card_if->present and updates the ICC state
 * (absent / present-inactive / active); GetSlotStatus polls too. A card lost
 * during an APDU makes the XfrBlock fail with bStatus "absent", bError
 * ICC_MUTE. All buffers live in struct slot (no heap); the slot borrows card.
 *
 * APDU level (slot_set_apdu_level, for the USB transport which declares
 * "short and extended APDU exchange"): XfrBlock carries one whole command
 * APDU (wLevelParameter must be 0 — no CCID chaining — else bError 0x08),
 * which goes straight to card_if->transceive (or the GET DATA pseudo APDU);
 * no T=1, no PPS. The card's response is written directly behind the reply
 * header in out, so the largest response is cap - CCID_HEADER_LEN; a longer
 * one is answered 6F00. Off by default: the serial TPDU path is unchanged.
 */
#ifndef FW_SLOT_H
#define FW_SLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card_if.h"
#include "ccid.h"
#include "status.h"
#include "t1.h"

#define SLOT_MAX_ATR 33u
#define SLOT_MAX_HIST 15u
#define SLOT_MAX_UID 10u
/* Smallest out capacity slot_handle needs: header + largest T=1 block. */
#define SLOT_MIN_OUT (CCID_HEADER_LEN + T1_MAX_BLOCK)
#define SLOT_FIRMWARE_STRING "KIOSK-CCID 1.0"

typedef struct slot {
    card_if *card;
    uint8_t icc;                 /* CCID_ICC_ACTIVE / _INACTIVE / _ABSENT */
    uint8_t wtx_mult;
    t1_ctx t1;
    uint8_t atr[SLOT_MAX_ATR];
    size_t atr_len;
    uint8_t hist[SLOT_MAX_HIST];
    size_t hist_len;
    bool type_b;
    bool pps_allowed;            /* PowerOn done, no T=1 block yet */
    bool apdu_level;             /* XfrBlock carries APDUs, not T=1 blocks */
    uint8_t t1_params[7];        /* abProtocolDataStructure for T=1 */
    uint8_t rsp[T1_MAX_APDU];    /* the card's response APDU */
    uint8_t blk[T1_MAX_BLOCK];   /* the T=1 block to answer with */
} slot;

void slot_init(slot *s, card_if *card, uint8_t wtx_mult);

/* Switches XfrBlock between TPDU-level T=1 (false, the default) and APDU
 * level (true). */
void slot_set_apdu_level(slot *s, bool on);

/* Processes one CCID message; out needs at least SLOT_MIN_OUT bytes.
 * KS_ERR_MALFORMED (no output) when msg is shorter than a header. */
ks_status slot_handle(slot *s, const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
                      size_t *out_len);

/* Refreshes card presence; returns true when it changed (absent <-> present). */
bool slot_poll(slot *s);

/* PC/SC Part 3 ATR from an ATS (type A) or ATQB [+ ATTRIB byte] (type B),
 * as card_if->activate delivers them; also returns the historical bytes. */
ks_status slot_atr_build(const uint8_t *ats_or_atqb, size_t len, bool type_b, uint8_t *atr,
                         size_t cap, size_t *atr_len, uint8_t *hist, size_t hist_cap,
                         size_t *hist_len);

#endif
