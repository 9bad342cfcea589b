/*
 * t1.h — ISO/IEC 7816-3 T=1 block protocol, card side, toward the host.
 *
 * The CCID slot is a TPDU-level reader: each XfrBlock carries one T=1 block
 * (NAD PCB LEN INF LRC) from the host's T=1 layer, and each DataBlock answer
 * carries one block back. This module plays the card's part of T=1 so the
 * host sees an ordinary T=1 card: it reassembles command APDUs chained with
 * the M bit, acknowledges chunks with R-blocks, splits long responses into
 * chained I-blocks of at most IFSD bytes, re-sends its last block when the
 * host asks (R-block or a repeated I-block), answers S(RESYNCH), S(IFS) and
 * S(ABORT) requests, and can ask the host for more time with S(WTX).
 *
 * Usage: t1_receive() with every block from the host. T1_SEND: send
 * out[0..*out_len). T1_APDU: a complete command is in t1_apdu(); the caller
 * either asks for time first (t1_build_wtx(), then T1_APDU is reported again
 * when the host's S(WTX response) comes) or runs the command and passes the
 * response to t1_respond(), which writes the first response block. If running
 * the command failed, t1_cancel() forgets the command (and un-counts its last
 * I-block) so a host retry or S(RESYNCH) starts clean.
 *
 * Limits: INF up to T1_MAX_INF (254); commands and responses up to
 * T1_MAX_APDU bytes (a longer chained command is answered with an R-block
 * "other error" and dropped). No heap; the state lives in the caller's t1_ctx.
 */
#ifndef FW_T1_H
#define FW_T1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define T1_MAX_INF 254u
#define T1_MAX_BLOCK (3u + T1_MAX_INF + 1u)
#define T1_DEFAULT_IFS 32u /* IFSC/IFSD before any S(IFS), ISO 7816-3 */
#ifndef T1_MAX_APDU
#define T1_MAX_APDU 1040u /* short APDUs plus moderate extended ones */
#endif

/* PCB values. */
#define T1_PCB_I_NS 0x40u
#define T1_PCB_I_MORE 0x20u
#define T1_PCB_R 0x80u
#define T1_PCB_R_NR 0x10u
#define T1_R_ERR_EDC 0x01u
#define T1_R_ERR_OTHER 0x02u
#define T1_PCB_S 0xC0u
#define T1_S_RESPONSE 0x20u
#define T1_S_RESYNCH 0x00u
#define T1_S_IFS 0x01u
#define T1_S_ABORT 0x02u
#define T1_S_WTX 0x03u

typedef enum t1_event {
    T1_SEND = 0, /* a block to send is in out */
    T1_APDU,     /* a complete command is ready (t1_apdu) */
    T1_ERROR     /* bad call (NULL, tiny out buffer): nothing to send */
} t1_event;

typedef struct t1_ctx {
    uint8_t card_ns;     /* N(S) of our next I-block */
    uint8_t host_ns;     /* N(S) we expect on the host's next I-block */
    size_t ifsd;         /* largest INF we may send */
    uint8_t cmd[T1_MAX_APDU];
    size_t cmd_len;
    bool cmd_overflow;   /* a chained command grew past T1_MAX_APDU */
    bool cmd_ready;      /* cmd holds a complete, unanswered command */
    bool wtx_sent;       /* S(WTX request) outstanding for cmd */
    bool wtx_granted;    /* the host answered our S(WTX) for cmd */
    uint8_t rsp[T1_MAX_APDU];
    size_t rsp_len, rsp_off; /* rsp_off: bytes already sent */
    uint8_t last[T1_MAX_BLOCK]; /* the last block we sent, for re-sending */
    size_t last_len;
    uint8_t nad;         /* NAD for our blocks (host's SAD/DAD swapped) */
} t1_ctx;

/* Resets to the state after ATR (sequence numbers 0, IFSD 32). */
void t1_init(t1_ctx *t);

/* Handles one block from the host (see the contract above). */
t1_event t1_receive(t1_ctx *t, const uint8_t *blk, size_t len, uint8_t *out, size_t cap,
                    size_t *out_len);

/* The complete command after T1_APDU. */
const uint8_t *t1_apdu(const t1_ctx *t, size_t *len);

/* True when the host has already granted extra time for the pending command. */
bool t1_wtx_granted(const t1_ctx *t);

/* Writes S(WTX request) with multiplier mult (1..255) for the pending command. */
ks_status t1_build_wtx(t1_ctx *t, uint8_t mult, uint8_t *out, size_t cap, size_t *out_len);

/* Takes the response to the pending command and writes its first block. */
ks_status t1_respond(t1_ctx *t, const uint8_t *resp, size_t len, uint8_t *out, size_t cap,
                     size_t *out_len);

/* Forgets the pending command as if its last I-block never arrived. */
void t1_cancel(t1_ctx *t);

/* Builds a block NAD PCB LEN INF LRC (exposed for tests and the host side). */
ks_status t1_build_block(uint8_t nad, uint8_t pcb, const uint8_t *inf, size_t inf_len,
                         uint8_t *out, size_t cap, size_t *out_len);

#endif
