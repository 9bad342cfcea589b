#include "picc_tcl.h"

#include <string.h>

/* PCB layouts (ISO/IEC 14443-4, 7.1.1.1). */
#define PCB_I_MASK 0xE2u
#define PCB_I 0x02u
#define PCB_R_MASK 0xE6u
#define PCB_R 0xA2u
#define PCB_S_MASK 0xC7u
#define PCB_S 0xC2u
#define PCB_CHAIN 0x10u /* I-block: more blocks follow */
#define PCB_NAK 0x10u   /* R-block: NAK instead of ACK */
#define PCB_CID 0x08u
#define PCB_NAD 0x04u
#define PCB_BN 0x01u
#define S_DESELECT 0x00u
#define S_WTX 0x30u
#define S_KIND 0x30u

#define RATS 0xE0u
#define PPS_MASK 0xF0u
#define PPS 0xD0u

/* FSDI/FSCI to bytes; codes above 8 are treated as 256, the PN532's frame ceiling. */
static size_t fsdi_bytes(uint8_t fsdi)
{
    static const size_t sizes[9] = {16, 24, 32, 40, 48, 64, 96, 128, 256};
    return fsdi < 9 ? sizes[fsdi] : 256;
}

void picc_tcl_init(picc_tcl *p, picc_apdu_fn apdu, void *ctx)
{
    memset(p, 0, sizeof *p);
    p->apdu = apdu;
    p->apdu_ctx = ctx;
    picc_tcl_reset(p);
}

void picc_tcl_reset(picc_tcl *p)
{
    p->state = PICC_TCL_READY;
    p->cid = 0;
    p->fsd = 256;
    p->bn = 1; /* rule B: the PICC's block number starts at 1 */
    p->pps_allowed = false;
    p->cmd_len = 0;
    p->cmd_overflow = false;
    p->resp_len = p->resp_sent = 0;
    p->sending = false;
    p->wtx_pending = false;
    p->wtx_left = 0;
    p->last_len = 0;
}

ks_status picc_tcl_ats(uint8_t *out, size_t cap, size_t *len)
{
    /* TL T0 TA TB TC + historical bytes "KSEMU". T0: TA, TB, TC present, FSCI 8.
     * TA 00: 106 kbit/s only. TB: FWI 8, SFGI 0. TC 02: CID supported, no NAD. */
    static const uint8_t ats[] = {0x0A, 0x78, 0x00, PICC_TCL_FWI << 4, 0x02,
                                  'K',  'S',  'E',  'M', 'U'};
    if (!out || !len)
        return KS_ERR_ARG;
    if (cap < sizeof ats)
        return KS_ERR_TOO_LARGE;
    memcpy(out, ats, sizeof ats);
    *len = sizeof ats;
    return KS_OK;
}

/* Prologue of a block the PICC sends: PCB and, when the PCD used one, the CID. */
static size_t put_prologue(const picc_tcl *p, uint8_t pcb, bool with_cid, uint8_t *out)
{
    out[0] = (uint8_t)(pcb | (with_cid ? PCB_CID : 0));
    if (with_cid) {
        out[1] = p->cid;
        return 2;
    }
    return 1;
}

static ks_status emit(picc_tcl *p, const uint8_t *blk, size_t n, uint8_t *out, size_t cap,
                      size_t *out_len)
{
    if (n > cap || n > sizeof p->last)
        return KS_ERR_TOO_LARGE;
    memcpy(out, blk, n);
    memcpy(p->last, blk, n);
    p->last_len = n;
    *out_len = n;
    return KS_OK;
}

static ks_status resend_last(picc_tcl *p, uint8_t *out, size_t cap, size_t *out_len)
{
    if (p->last_len == 0)
        return KS_OK; /* nothing sent yet: stay mute */
    if (p->last_len > cap)
        return KS_ERR_TOO_LARGE;
    memcpy(out, p->last, p->last_len);
    *out_len = p->last_len;
    return KS_OK;
}

/* The next I-block of the answer, chained when the rest exceeds the PCD's frame. */
static ks_status send_next_i(picc_tcl *p, bool with_cid, uint8_t *out, size_t cap,
                             size_t *out_len)
{
    uint8_t blk[PICC_TCL_MAX_FRAME];
    size_t room = p->fsd - 2 /* CRC */ - (with_cid ? 2u : 1u);
    size_t rest = p->resp_len - p->resp_sent;
    bool more = rest > room;
    size_t chunk = more ? room : rest;
    size_t n = put_prologue(p, (uint8_t)(PCB_I | (more ? PCB_CHAIN : 0) | p->bn), with_cid, blk);
    memcpy(blk + n, p->resp + p->resp_sent, chunk);
    p->resp_sent += chunk;
    p->sending = more;
    return emit(p, blk, n + chunk, out, cap, out_len);
}

static ks_status send_wtx(picc_tcl *p, bool with_cid, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t blk[3];
    size_t n = put_prologue(p, PCB_S | S_WTX, with_cid, blk);
    blk[n++] = 0x01; /* WTXM 1: one more FWT */
    p->wtx_pending = true;
    p->wtx_left--;
    return emit(p, blk, n, out, cap, out_len);
}

static ks_status send_r_ack(picc_tcl *p, bool with_cid, uint8_t *out, size_t cap,
                            size_t *out_len)
{
    uint8_t blk[2];
    size_t n = put_prologue(p, (uint8_t)(PCB_R | p->bn), with_cid, blk);
    return emit(p, blk, n, out, cap, out_len);
}

/* A whole command APDU is in: run it, then answer (after any WTX the fault asks for). */
static ks_status run_apdu(picc_tcl *p, bool with_cid, uint8_t *out, size_t cap, size_t *out_len)
{
    static const uint8_t wrong_length[2] = {0x67, 0x00};
    size_t rlen = 0;
    ks_status st = KS_ERR_ARG;
    if (!p->cmd_overflow && p->apdu)
        st = p->apdu(p->apdu_ctx, p->cmd, p->cmd_len, p->resp, sizeof p->resp, &rlen);
    if (st != KS_OK || rlen < 2) {
        memcpy(p->resp, wrong_length, 2); /* a chip answers something, never nothing */
        rlen = 2;
    }
    p->apdus++;
    p->resp_len = rlen;
    p->resp_sent = 0;
    p->cmd_len = 0;
    p->cmd_overflow = false;
    p->wtx_left = p->wtx_per_apdu;
    if (p->wtx_left)
        return send_wtx(p, with_cid, out, cap, out_len);
    return send_next_i(p, with_cid, out, cap, out_len);
}

static ks_status on_i_block(picc_tcl *p, uint8_t pcb, const uint8_t *inf, size_t inf_len,
                            bool with_cid, uint8_t *out, size_t cap, size_t *out_len)
{
    if ((pcb & PCB_BN) != p->bn)
        p->bn ^= 1; /* rule: a new block number toggles ours */
    p->sending = false; /* an I-block from the PCD ends whatever we were chaining */
    if (p->cmd_len + inf_len > sizeof p->cmd)
        p->cmd_overflow = true;
    else {
        memcpy(p->cmd + p->cmd_len, inf, inf_len);
        p->cmd_len += inf_len;
    }
    if (pcb & PCB_CHAIN)
        return send_r_ack(p, with_cid, out, cap, out_len);
    return run_apdu(p, with_cid, out, cap, out_len);
}

static ks_status on_r_block(picc_tcl *p, uint8_t pcb, bool with_cid, uint8_t *out, size_t cap,
                            size_t *out_len)
{
    bool same = (pcb & PCB_BN) == p->bn;
    if (pcb & PCB_NAK)
        return same ? resend_last(p, out, cap, out_len) : send_r_ack(p, with_cid, out, cap, out_len);
    if (same)
        return resend_last(p, out, cap, out_len);
    if (!p->sending || p->wtx_pending)
        return KS_OK; /* an acknowledgement of nothing: protocol error, stay mute */
    p->bn ^= 1;
    return send_next_i(p, with_cid, out, cap, out_len);
}

static ks_status on_s_block(picc_tcl *p, uint8_t pcb, const uint8_t *inf, size_t inf_len,
                            bool with_cid, uint8_t *out, size_t cap, size_t *out_len)
{
    if ((pcb & S_KIND) == S_DESELECT) {
        uint8_t blk[2];
        size_t n = put_prologue(p, PCB_S | S_DESELECT, with_cid, blk);
        ks_status st = emit(p, blk, n, out, cap, out_len);
        p->state = PICC_TCL_HALT;
        return st;
    }
    if ((pcb & S_KIND) == S_WTX && p->wtx_pending && inf_len == 1 && (inf[0] & 0x3F) == 0x01) {
        p->wtx_pending = false;
        if (p->wtx_left)
            return send_wtx(p, with_cid, out, cap, out_len);
        return send_next_i(p, with_cid, out, cap, out_len);
    }
    return KS_OK; /* unexpected S-block: mute */
}

static ks_status on_rats(picc_tcl *p, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                         size_t *out_len)
{
    if (len != 2 || (in[1] & 0x0F) == 0x0F)
        return KS_OK; /* CID 15 is RFU */
    size_t ats_len = 0;
    ks_status st = picc_tcl_ats(out, cap, &ats_len);
    if (st != KS_OK)
        return st;
    p->fsd = fsdi_bytes((uint8_t)(in[1] >> 4));
    p->cid = in[1] & 0x0F;
    p->bn = 1;
    p->state = PICC_TCL_ACTIVE;
    p->pps_allowed = true;
    p->last_len = 0;
    *out_len = ats_len;
    return KS_OK;
}

ks_status picc_tcl_frame(picc_tcl *p, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                         size_t *out_len)
{
    if (!p || !out || !out_len || (len && !in))
        return KS_ERR_ARG;
    *out_len = 0;
    if (len == 0 || p->state == PICC_TCL_HALT)
        return KS_OK;
    if (p->state == PICC_TCL_READY)
        return in[0] == RATS ? on_rats(p, in, len, out, cap, out_len) : KS_OK;

    uint8_t pcb = in[0];
    if (p->pps_allowed && (pcb & PPS_MASK) == PPS && (pcb & 0x0F) == p->cid && len >= 2 &&
        len <= 3) {
        p->pps_allowed = false;
        out[0] = pcb;
        *out_len = cap ? 1 : 0;
        return cap ? KS_OK : KS_ERR_TOO_LARGE;
    }
    p->pps_allowed = false;

    size_t pos = 1;
    bool with_cid = (pcb & PCB_CID) != 0;
    if (with_cid) {
        if (len < 2 || (in[1] & 0x0F) != p->cid)
            return KS_OK; /* not addressed to us */
        pos = 2;
    } else if (p->cid != 0) {
        return KS_OK; /* a PICC with a non-zero CID ignores blocks without one */
    }
    if ((pcb & PCB_I_MASK) == PCB_I) {
        if (pcb & PCB_NAD)
            pos++; /* NAD unsupported but skipped */
        if (pos > len)
            return KS_OK;
        return on_i_block(p, pcb, in + pos, len - pos, with_cid, out, cap, out_len);
    }
    if ((pcb & PCB_R_MASK) == PCB_R)
        return len == pos ? on_r_block(p, pcb, with_cid, out, cap, out_len) : KS_OK;
    if ((pcb & PCB_S_MASK) == PCB_S)
        return on_s_block(p, pcb, in + pos, len - pos, with_cid, out, cap, out_len);
    return KS_OK;
}
