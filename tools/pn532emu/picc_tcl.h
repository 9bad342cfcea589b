/*
 * picc_tcl.h — the card (PICC) side of ISO/IEC 14443-4 (T=CL) for the
 * emulated PN532's InCommunicateThru path, where the host drives the block
 * protocol itself and the emulator must answer like a real contactless chip.
 *
 * Written from ISO/IEC 14443-4 alone; it deliberately shares nothing with
 * the reader-side (PCD) code in firmware/nfc/.
 *
 * One frame in (CRC already stripped, as the PN532 strips it), one frame out
 * (or none: *out_len == 0 means the PICC stays mute, e.g. a block for another
 * CID, a malformed block or a frame before activation). Handles:
 *   RATS (E0 FSDI|CID) -> ATS (FSCI 8, FWI 8, CID supported, no NAD);
 *   PPS (Dx PPS0 [PPS1]) -> PPSS, bit rates stay at 106 kbit/s;
 *   I-blocks with chaining both ways (the PICC sends at most FSD - prologue
 *   - CRC bytes of INF per block); R(ACK)/R(NAK) per the PICC rules (toggle
 *   on a new block number, re-send the last block on a repeated one, R(ACK)
 *   to an R(NAK) that does not match); S(DESELECT) -> HALT; S(WTX): when
 *   `wtx_per_apdu` is set the PICC sends that many S(WTX) requests (WTXM 1)
 *   before the first block of every answer, and waits for each response.
 * Complete command APDUs go to the `apdu` callback; its answer is kept in
 * the struct (bounded by PICC_TCL_MAX_APDU) until it has been sent.
 */
#ifndef PICC_TCL_H
#define PICC_TCL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define PICC_TCL_MAX_APDU 4096u /* a PN532 never carries more than 264 bytes per frame */
#define PICC_TCL_MAX_FRAME 256u
#define PICC_TCL_FWI 8u

typedef ks_status (*picc_apdu_fn)(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp,
                                  size_t cap, size_t *resp_len);

typedef enum picc_tcl_state {
    PICC_TCL_READY = 0, /* selected at layer 3, waiting for RATS */
    PICC_TCL_ACTIVE,    /* layer 4 running */
    PICC_TCL_HALT,      /* deselected */
} picc_tcl_state;

typedef struct picc_tcl {
    picc_tcl_state state;
    uint8_t cid;
    size_t fsd;             /* the PCD's frame size, from RATS */
    uint8_t bn;             /* the PICC's current block number */
    bool pps_allowed;       /* PPS only right after the ATS */
    picc_apdu_fn apdu;
    void *apdu_ctx;
    unsigned wtx_per_apdu;  /* fault: S(WTX) requests before each answer */
    unsigned wtx_left;
    bool wtx_pending;       /* an S(WTX) request is out, awaiting the response */
    uint8_t cmd[PICC_TCL_MAX_APDU]; /* command APDU being chained in */
    size_t cmd_len;
    bool cmd_overflow;
    uint8_t resp[PICC_TCL_MAX_APDU]; /* answer being chained out */
    size_t resp_len, resp_sent;
    bool sending;           /* resp has blocks still to go */
    uint8_t last[PICC_TCL_MAX_FRAME]; /* the last block sent, for re-transmission */
    size_t last_len;
    unsigned long apdus;    /* APDUs answered */
} picc_tcl;

void picc_tcl_init(picc_tcl *p, picc_apdu_fn apdu, void *ctx);

/* Back to READY (a new anticollision/select happened). */
void picc_tcl_reset(picc_tcl *p);

/* Builds the ATS the PICC sends (TL first); used by the chip's automatic RATS. */
ks_status picc_tcl_ats(uint8_t *out, size_t cap, size_t *len);

/* Processes one received frame; *out_len == 0 when the PICC does not answer. */
ks_status picc_tcl_frame(picc_tcl *p, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                         size_t *out_len);

#endif
