/*
 * tcl.h — ISO/IEC 14443-4 half-duplex block transmission (T=CL), PCD side,
 * over any nfc_frontend's raw transceive (the front-end adds the CRC).
 *
 * Offers: ATS / ATQB parameter decoding, RATS, one APDU exchange with
 * chaining both ways within FSC/FSD, S(WTX) answers (the next wait becomes
 * WTXM * FWT, capped at FWT_max), error recovery by ISO 14443-4 rules 4-7
 * (timeout or bad block: R(NAK), or R(ACK) while the card is chaining;
 * R(ACK) with the other block number: resend the last I-block) with at most
 * max_retries attempts per block, S(DESELECT), and a presence check.
 *
 * The PCD never sends CID or NAD (one card at a time; a card with CID 0
 * must accept blocks without CID). Blocks from the card carrying CID 0 or a
 * NAD are accepted. FSD is TCL_FSD; FSC above TCL_FSD is capped.
 *
 * Errors from tcl_exchange: KS_ERR_REMOVED when the card stopped answering
 * for max_retries+1 waits in a row; KS_ERR_TRANSPORT for a card that keeps
 * breaking the protocol or a front-end failure; KS_ERR_TOO_LARGE when the
 * answer exceeds the caller's buffer (the chain is still drained so the
 * next exchange starts in step).
 */
#ifndef TCL_H
#define TCL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfc_frontend.h"
#include "status.h"

#define TCL_FSD 256u          /* we accept frames of 256 bytes incl. CRC (FSDI 8) */
#define TCL_FSDI 8u
#define TCL_FWI_DEFAULT 4u
#define TCL_FWI_MAX 14u
#define TCL_FWT_ACTIVATION_US 5286u /* 65536/fc plus delta, RATS answer window */

typedef struct tcl_params {
    size_t fsc;           /* largest frame the card accepts, incl. PCB and CRC */
    uint8_t fwi;          /* 0..14 */
    uint8_t sfgi;         /* 0..14 */
    bool cid_supported;
    bool nad_supported;
} tcl_params;

/* FWT in microseconds for a FWI: 256 * 16 * 2^FWI / fc (~302 us * 2^FWI). */
uint32_t tcl_fwt_us(uint8_t fwi);
/* Frame size for an FSCI / FSDI / Max_Frame_Size code (codes above 8 give 256). */
size_t tcl_fs_from_code(uint8_t code);

/* Decodes an ATS (from TL on, without CRC). */
ks_status tcl_parse_ats(const uint8_t *ats, size_t len, tcl_params *out);
/* Decodes the protocol info of a 12-byte ATQB (50 PUPI AppData ProtInfo). */
ks_status tcl_parse_atqb(const uint8_t *atqb, size_t len, tcl_params *out);

typedef enum tcl_block_type { TCL_BLOCK_I, TCL_BLOCK_R, TCL_BLOCK_S } tcl_block_type;

typedef struct tcl_block {
    tcl_block_type type;
    uint8_t pcb;
    uint8_t block_num;    /* I and R blocks */
    bool chaining;        /* I: M bit */
    bool nak;             /* R: NAK */
    bool wtx;             /* S: WTX (else DESELECT) */
    uint8_t wtxm;         /* S(WTX): 1..59 */
    const uint8_t *inf;   /* points into the parsed buffer */
    size_t inf_len;
} tcl_block;

/* Parses one block received from a card (CRC already removed). */
ks_status tcl_parse_block(const uint8_t *buf, size_t len, tcl_block *out);

typedef struct tcl {
    nfc_frontend *fe;
    tcl_params p;
    uint8_t block_num;    /* the PCD's current block number (rule A) */
    unsigned max_retries; /* per block; default 2 */
    unsigned max_wtx;     /* WTX requests per exchange; default 200 */
    uint8_t tx[TCL_FSD];
    uint8_t rx[TCL_FSD];
} tcl;

/* Starts a session with known parameters; block number 0. */
void tcl_init(tcl *t, nfc_frontend *fe, const tcl_params *p);

/* Sends RATS (FSDI 8, CID 0), stores the ATS in ats (if not NULL) and
 * starts the session with its parameters, waiting SFGT as the card asks. */
ks_status tcl_rats(tcl *t, nfc_frontend *fe, uint8_t *ats, size_t cap, size_t *ats_len);

/* Waits the SFGT that the parameters ask for (after RATS/ATS). */
void tcl_wait_sfgt(const tcl *t);

ks_status tcl_exchange(tcl *t, const uint8_t *cmd, size_t len, uint8_t *resp, size_t cap,
                       size_t *resp_len);

/* R(NAK) ping: KS_OK when the card answers with a valid R(ACK)/block. */
ks_status tcl_presence(tcl *t);

/* S(DESELECT), resent up to max_retries times (rule 8). */
ks_status tcl_deselect(tcl *t);

#endif
