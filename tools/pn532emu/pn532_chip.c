#include "pn532_chip.h"

#include <string.h>

#define FW_IC 0x32u
#define FW_VER 0x01u
#define FW_REV 0x06u
#define FW_SUPPORT 0x07u /* ISO 14443-A, -B and ISO 18092 */
#define PARAM_AUTO_RATS 0x10u
#define TG_MI 0x40u

/* Power-on values of the CIU registers libnfc reads back (PN532 datasheet, 8.6.23). */
static void load_register_defaults(pn532_chip *c)
{
    static const struct { uint16_t addr; uint8_t val; } defaults[] = {
        {0x6301, 0x3F}, /* Mode */
        {0x6302, 0x00}, /* TxMode */
        {0x6303, 0x00}, /* RxMode */
        {0x6304, 0x80}, /* TxControl */
        {0x6305, 0x00}, /* TxAuto */
        {0x6306, 0x10}, /* TxSel */
        {0x6307, 0x84}, /* RxSel */
        {0x6308, 0x84}, /* RxThreshold */
        {0x6309, 0x4D}, /* Demod */
        {0x630C, 0x62}, /* MifNFC */
        {0x630D, 0x00}, /* ManualRCV */
        {0x6316, 0x00}, /* GsNOff */
        {0x6317, 0x88}, /* ModWidth */
        {0x6318, 0x26}, /* TxBitPhase */
        {0x6319, 0x87}, /* RFCfg */
        {0x631A, 0x88}, /* GsNOn */
        {0x631B, 0x20}, /* CWGsP */
        {0x631C, 0x20}, /* ModGsP */
        {0x6331, 0x20}, /* Command */
        {0x6332, 0x80}, /* CommIEn */
        {0x6334, 0x14}, /* CommIrq */
        {0x633C, 0x10}, /* Control */
        {0x633D, 0x00}, /* BitFraming */
        {0x633E, 0x80}, /* Coll */
    };
    memset(c->regs_ciu, 0, sizeof c->regs_ciu);
    memset(c->regs_sfr, 0, sizeof c->regs_sfr);
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        c->regs_ciu[defaults[i].addr - 0x6000] = defaults[i].val;
}

ks_status pn532_chip_init(pn532_chip *c, const uint8_t *uid, size_t uid_len, picc_apdu_fn apdu,
                          void *ctx)
{
    if (!c || !uid || (uid_len != 4 && uid_len != 7))
        return KS_ERR_ARG;
    memset(c, 0, sizeof *c);
    memcpy(c->uid, uid, uid_len);
    c->uid_len = uid_len;
    c->remove_after = -1;
    c->parameters = PARAM_AUTO_RATS;
    picc_tcl_init(&c->picc, apdu, ctx);
    load_register_defaults(c);
    return KS_OK;
}

void pn532_chip_set_card_reset(pn532_chip *c, void (*reset)(void *ctx))
{
    c->card_reset = reset;
}

static void card_power_cycle(pn532_chip *c)
{
    if (c->card_reset)
        c->card_reset(c->picc.apdu_ctx);
}

static uint8_t *reg_slot(pn532_chip *c, uint16_t addr)
{
    if (addr >= 0x6000 && addr < 0x6400)
        return &c->regs_ciu[addr - 0x6000];
    if (addr >= 0xFF00)
        return &c->regs_sfr[addr - 0xFF00];
    return NULL;
}

/* Answer = command + 1 followed by `n` bytes from `body`. */
static ks_status answer(uint8_t code, const uint8_t *body, size_t n, uint8_t *out, size_t cap,
                        size_t *out_len)
{
    if (cap < n + 1)
        return KS_ERR_TOO_LARGE;
    out[0] = (uint8_t)(code + 1);
    if (n)
        memcpy(out + 1, body, n);
    *out_len = n + 1;
    return KS_OK;
}

static ks_status answer_status(uint8_t code, uint8_t status, uint8_t *out, size_t cap,
                               size_t *out_len)
{
    return answer(code, &status, 1, out, cap, out_len);
}

static bool card_in_field(const pn532_chip *c)
{
    return !c->card_gone;
}

/* Counts an answered APDU and applies remove-after. */
static void count_apdu(pn532_chip *c)
{
    c->apdus++;
    if (c->remove_after >= 0 && c->apdus >= (unsigned long)c->remove_after)
        c->card_gone = true;
}

static ks_status cmd_diagnose(pn532_chip *c, const uint8_t *cmd, size_t len, uint8_t *out,
                              size_t cap, size_t *out_len)
{
    if (len < 2)
        return KS_ERR_UNSUPPORTED;
    if (cmd[1] == 0x00) /* communication line test: echo NumTst and the data */
        return answer(cmd[0], cmd + 1, len - 1, out, cap, out_len);
    if (cmd[1] == 0x06) { /* attention request / ISO 14443-4 card presence */
        bool here = c->target_listed && card_in_field(c);
        return answer_status(cmd[0], (uint8_t)(here ? PN532_ST_OK : PN532_ST_TIMEOUT), out, cap, out_len);
    }
    return answer_status(cmd[0], PN532_ST_OK, out, cap, out_len);
}

static ks_status cmd_general_status(pn532_chip *c, uint8_t code, uint8_t *out, size_t cap,
                                    size_t *out_len)
{
    uint8_t body[8];
    size_t n = 0;
    body[n++] = 0x00; /* last error */
    body[n++] = (uint8_t)(c->field_on ? 1 : 0);
    body[n++] = (uint8_t)(c->target_listed ? 1 : 0);
    if (c->target_listed) {
        body[n++] = 0x01; /* Tg */
        body[n++] = 0x00; /* BrRx 106 */
        body[n++] = 0x00; /* BrTx 106 */
        body[n++] = 0x00; /* modulation type: ISO 14443-A */
    }
    body[n++] = 0x00; /* SAM status */
    return answer(code, body, n, out, cap, out_len);
}

static ks_status cmd_read_register(pn532_chip *c, const uint8_t *cmd, size_t len, uint8_t *out,
                                   size_t cap, size_t *out_len)
{
    if (len < 3 || (len - 1) % 2 != 0)
        return KS_ERR_UNSUPPORTED;
    size_t count = (len - 1) / 2;
    if (cap < count + 1)
        return KS_ERR_TOO_LARGE;
    out[0] = (uint8_t)(cmd[0] + 1);
    for (size_t i = 0; i < count; i++) {
        uint16_t addr = (uint16_t)(cmd[1 + 2 * i] << 8 | cmd[2 + 2 * i]);
        uint8_t *slot = reg_slot(c, addr);
        out[1 + i] = slot ? *slot : 0;
    }
    *out_len = count + 1;
    return KS_OK;
}

static ks_status cmd_write_register(pn532_chip *c, const uint8_t *cmd, size_t len, uint8_t *out,
                                    size_t cap, size_t *out_len)
{
    if (len < 4 || (len - 1) % 3 != 0)
        return KS_ERR_UNSUPPORTED;
    for (size_t i = 1; i + 2 < len; i += 3) {
        uint16_t addr = (uint16_t)(cmd[i] << 8 | cmd[i + 1]);
        uint8_t *slot = reg_slot(c, addr);
        if (slot)
            *slot = cmd[i + 2];
    }
    return answer(cmd[0], NULL, 0, out, cap, out_len);
}

static ks_status cmd_rf_configuration(pn532_chip *c, const uint8_t *cmd, size_t len,
                                      uint8_t *out, size_t cap, size_t *out_len)
{
    if (len < 3)
        return KS_ERR_UNSUPPORTED;
    if (cmd[1] == 0x01) /* RF field: bit 0 on/off */
        c->field_on = (cmd[2] & 0x01) != 0;
    if (cmd[1] == 0x01 && !c->field_on) {
        c->target_listed = false;
        card_power_cycle(c);
    }
    return answer(cmd[0], NULL, 0, out, cap, out_len);
}

static ks_status cmd_list_passive(pn532_chip *c, const uint8_t *cmd, size_t len, uint8_t *out,
                                  size_t cap, size_t *out_len)
{
    if (len < 3 || cmd[1] == 0 || cmd[1] > 2)
        return KS_ERR_UNSUPPORTED;
    c->field_on = true;
    c->target_listed = false;
    c->ide_cmd_len = c->ide_resp_len = c->ide_resp_sent = 0;
    uint8_t body[64];
    size_t n = 0;
    if (cmd[2] != 0x00 || !card_in_field(c)) { /* only 106 kbit/s type A is in the field */
        body[n++] = 0;
        return answer(cmd[0], body, n, out, cap, out_len);
    }
    picc_tcl_reset(&c->picc);
    card_power_cycle(c); /* a fresh activation: the card remembers no session */
    c->pcd_bn = 0;
    body[n++] = 1;    /* NbTg */
    body[n++] = 0x01; /* Tg */
    body[n++] = 0x00; /* SENS_RES: UID size single (4) or double (7), bit frame anticollision */
    body[n++] = c->uid_len == 4 ? 0x04 : 0x44;
    body[n++] = 0x20; /* SEL_RES: ISO/IEC 14443-4 compliant */
    body[n++] = (uint8_t)c->uid_len;
    memcpy(body + n, c->uid, c->uid_len);
    n += c->uid_len;
    if (c->parameters & PARAM_AUTO_RATS) {
        /* The chip sends RATS (FSDI 8, CID 0) itself and reports the ATS. */
        static const uint8_t rats[2] = {0xE0, 0x80};
        size_t ats_len = 0;
        ks_status st = picc_tcl_frame(&c->picc, rats, sizeof rats, body + n, sizeof body - n,
                                      &ats_len);
        if (st != KS_OK)
            return st;
        n += ats_len;
    }
    c->target_listed = true;
    return answer(cmd[0], body, n, out, cap, out_len);
}

/* Sends the next part of a pending InDataExchange answer, MI set while more follows. */
static ks_status ide_send_part(pn532_chip *c, uint8_t code, uint8_t *out, size_t cap,
                               size_t *out_len)
{
    size_t rest = c->ide_resp_len - c->ide_resp_sent;
    bool more = rest > PN532_IDE_MAX_DATA;
    size_t chunk = more ? PN532_IDE_MAX_DATA : rest;
    if (cap < chunk + 2)
        return KS_ERR_TOO_LARGE;
    out[0] = (uint8_t)(code + 1);
    out[1] = (uint8_t)(more ? PN532_STATUS_MI : PN532_ST_OK);
    memcpy(out + 2, c->ide_resp + c->ide_resp_sent, chunk);
    c->ide_resp_sent += chunk;
    if (!more)
        c->ide_resp_len = c->ide_resp_sent = 0;
    *out_len = chunk + 2;
    return KS_OK;
}

/* A failed exchange: the first after the card left times out, then the target is released. */
static ks_status exchange_failed(pn532_chip *c, uint8_t code, uint8_t *out, size_t cap,
                                 size_t *out_len)
{
    uint8_t status = (uint8_t)(c->target_listed ? PN532_ST_TIMEOUT : PN532_ST_RELEASED);
    c->target_listed = false;
    return answer_status(code, status, out, cap, out_len);
}

/* The chip's own ISO 14443-4 reader side for InDataExchange: one APDU sent
 * as I-blocks (chained at the card's FSC), S(WTX) answered, the card's
 * chained answer collected with R(ACK)s. It goes through the same PICC
 * layer as InCommunicateThru, so block numbers stay coherent between the
 * two modes (libnfc's presence check sends raw R(NAK)s in between). */
#define PCD_BLOCK_ROOM (256u - 1u - 2u) /* FSC 256 minus PCB and CRC, no CID */
#define PCD_MAX_STEPS 4096u

static ks_status pcd_send(pn532_chip *c, const uint8_t *blk, size_t len, uint8_t *ans,
                          size_t *ans_len)
{
    ks_status st = picc_tcl_frame(&c->picc, blk, len, ans, PICC_TCL_MAX_FRAME, ans_len);
    if (st == KS_OK && *ans_len == 0)
        st = KS_ERR_TIMEOUT;
    return st;
}

static ks_status pcd_exchange(pn532_chip *c, const uint8_t *apdu, size_t len, uint8_t *resp,
                              size_t cap, size_t *resp_len)
{
    uint8_t blk[PICC_TCL_MAX_FRAME], ans[PICC_TCL_MAX_FRAME];
    size_t ans_len = 0, sent = 0, got = 0;
    ks_status st;
    for (;;) {
        size_t chunk = len - sent > PCD_BLOCK_ROOM ? PCD_BLOCK_ROOM : len - sent;
        bool more = sent + chunk < len;
        blk[0] = (uint8_t)(0x02 | (more ? 0x10 : 0) | c->pcd_bn);
        memcpy(blk + 1, apdu + sent, chunk);
        sent += chunk;
        st = pcd_send(c, blk, chunk + 1, ans, &ans_len);
        if (st != KS_OK)
            return st;
        if (!more)
            break;
        if (ans_len != 1 || ans[0] != (0xA2 | c->pcd_bn))
            return KS_ERR_MALFORMED; /* the card must acknowledge each chained block */
        c->pcd_bn ^= 1;
    }
    for (unsigned steps = 0; steps < PCD_MAX_STEPS; steps++) {
        if ((ans[0] & 0xF7) == 0xF2 && ans_len == 2) { /* S(WTX): grant what was asked */
            blk[0] = 0xF2;
            blk[1] = ans[1] & 0x3F;
            st = pcd_send(c, blk, 2, ans, &ans_len);
        } else if ((ans[0] & 0xE2) == 0x02 && !(ans[0] & 0x0C)) { /* I-block, no CID/NAD */
            if (got + ans_len - 1 > cap)
                return KS_ERR_TOO_LARGE;
            memcpy(resp + got, ans + 1, ans_len - 1);
            got += ans_len - 1;
            c->pcd_bn ^= 1;
            if (!(ans[0] & 0x10)) {
                *resp_len = got;
                return KS_OK;
            }
            blk[0] = (uint8_t)(0xA2 | c->pcd_bn);
            st = pcd_send(c, blk, 1, ans, &ans_len);
        } else {
            return KS_ERR_MALFORMED;
        }
        if (st != KS_OK)
            return st;
    }
    return KS_ERR_MALFORMED;
}

static ks_status cmd_data_exchange(pn532_chip *c, const uint8_t *cmd, size_t len, uint8_t *out,
                                   size_t cap, size_t *out_len)
{
    if (len < 2)
        return KS_ERR_UNSUPPORTED;
    if ((cmd[1] & 0x3F) != 0x01)
        return answer_status(cmd[0], PN532_ST_INVALID_PARAM, out, cap, out_len);
    if (!c->target_listed || !card_in_field(c))
        return exchange_failed(c, cmd[0], out, cap, out_len);
    const uint8_t *data = cmd + 2;
    size_t dlen = len - 2;
    if (dlen == 0 && c->ide_resp_len > c->ide_resp_sent) /* host asks for the rest (MI) */
        return ide_send_part(c, cmd[0], out, cap, out_len);
    if (c->ide_cmd_len + dlen > sizeof c->ide_cmd) {
        c->ide_cmd_len = 0;
        return answer_status(cmd[0], PN532_ST_INVALID_PARAM, out, cap, out_len);
    }
    memcpy(c->ide_cmd + c->ide_cmd_len, data, dlen);
    c->ide_cmd_len += dlen;
    if (cmd[1] & TG_MI) /* the host chains: more of this APDU follows */
        return answer_status(cmd[0], PN532_ST_OK, out, cap, out_len);

    size_t rlen = 0;
    unsigned long before = c->picc.apdus;
    ks_status st = pcd_exchange(c, c->ide_cmd, c->ide_cmd_len, c->ide_resp, sizeof c->ide_resp,
                                &rlen);
    c->ide_cmd_len = 0;
    if (c->picc.apdus != before)
        count_apdu(c);
    if (st != KS_OK)
        return answer_status(cmd[0], PN532_ST_TIMEOUT, out, cap, out_len);
    c->ide_resp_len = rlen;
    c->ide_resp_sent = 0;
    return ide_send_part(c, cmd[0], out, cap, out_len);
}

static ks_status cmd_communicate_thru(pn532_chip *c, const uint8_t *cmd, size_t len,
                                      uint8_t *out, size_t cap, size_t *out_len)
{
    if (!c->target_listed || !card_in_field(c))
        return exchange_failed(c, cmd[0], out, cap, out_len);
    if (cap < 2)
        return KS_ERR_TOO_LARGE;
    unsigned long before = c->picc.apdus;
    size_t n = 0;
    ks_status st = picc_tcl_frame(&c->picc, cmd + 1, len - 1, out + 2, cap - 2, &n);
    if (st != KS_OK)
        return st;
    if (c->picc.apdus != before)
        count_apdu(c); /* the card answers this one; it may leave after it */
    if (n == 0) /* the card stayed mute: the chip reports a timeout */
        return answer_status(cmd[0], PN532_ST_TIMEOUT, out, cap, out_len);
    out[0] = (uint8_t)(cmd[0] + 1);
    out[1] = PN532_ST_OK;
    *out_len = n + 2;
    return KS_OK;
}

static ks_status cmd_release(pn532_chip *c, const uint8_t *cmd, size_t len, uint8_t *out,
                             size_t cap, size_t *out_len)
{
    if (len < 2)
        return KS_ERR_UNSUPPORTED;
    bool ours = cmd[1] == 0x00 || cmd[1] == 0x01;
    if (!ours || !c->target_listed)
        return answer_status(cmd[0], PN532_ST_WRONG_CONTEXT, out, cap, out_len);
    if (cmd[0] == PN532_CMD_IN_DESELECT && card_in_field(c)) {
        static const uint8_t deselect[1] = {0xC2};
        uint8_t ignored[4];
        size_t n = 0;
        (void)picc_tcl_frame(&c->picc, deselect, 1, ignored, sizeof ignored, &n);
    }
    if (cmd[0] == PN532_CMD_IN_RELEASE)
        c->target_listed = false;
    return answer_status(cmd[0], PN532_ST_OK, out, cap, out_len);
}

ks_status pn532_chip_command(pn532_chip *c, const uint8_t *cmd, size_t len, uint8_t *out,
                             size_t cap, size_t *out_len)
{
    if (!c || !cmd || !out || !out_len || len == 0)
        return KS_ERR_ARG;
    *out_len = 0;
    uint8_t code = cmd[0];
    switch (code) {
    case PN532_CMD_DIAGNOSE:
        return cmd_diagnose(c, cmd, len, out, cap, out_len);
    case PN532_CMD_GET_FIRMWARE_VERSION: {
        static const uint8_t fw[4] = {FW_IC, FW_VER, FW_REV, FW_SUPPORT};
        return answer(code, fw, sizeof fw, out, cap, out_len);
    }
    case PN532_CMD_GET_GENERAL_STATUS:
        return cmd_general_status(c, code, out, cap, out_len);
    case PN532_CMD_READ_REGISTER:
        return cmd_read_register(c, cmd, len, out, cap, out_len);
    case PN532_CMD_WRITE_REGISTER:
        return cmd_write_register(c, cmd, len, out, cap, out_len);
    case PN532_CMD_SET_PARAMETERS:
        if (len < 2)
            return KS_ERR_UNSUPPORTED;
        c->parameters = cmd[1];
        return answer(code, NULL, 0, out, cap, out_len);
    case PN532_CMD_SAM_CONFIGURATION:
        if (len < 2 || cmd[1] < 1 || cmd[1] > 4)
            return KS_ERR_UNSUPPORTED;
        return answer(code, NULL, 0, out, cap, out_len);
    case PN532_CMD_POWER_DOWN:
        if (len < 2)
            return KS_ERR_UNSUPPORTED;
        c->field_on = false;
        return answer_status(code, PN532_ST_OK, out, cap, out_len);
    case PN532_CMD_RF_CONFIGURATION:
        return cmd_rf_configuration(c, cmd, len, out, cap, out_len);
    case PN532_CMD_IN_LIST_PASSIVE_TARGET:
        return cmd_list_passive(c, cmd, len, out, cap, out_len);
    case PN532_CMD_IN_DATA_EXCHANGE:
        return cmd_data_exchange(c, cmd, len, out, cap, out_len);
    case PN532_CMD_IN_COMMUNICATE_THRU:
        return cmd_communicate_thru(c, cmd, len, out, cap, out_len);
    case PN532_CMD_IN_DESELECT:
    case PN532_CMD_IN_RELEASE:
        return cmd_release(c, cmd, len, out, cap, out_len);
    case PN532_CMD_IN_SELECT:
        if (len < 2)
            return KS_ERR_UNSUPPORTED;
        return answer_status(code, (uint8_t)(c->target_listed ? PN532_ST_OK : PN532_ST_WRONG_CONTEXT),
                             out, cap, out_len);
    default:
        return KS_ERR_UNSUPPORTED;
    }
}
