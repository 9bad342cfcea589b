/*
 * pn532.h — NXP PN532 over HSU (UART): frame codec, command layer and an
 * nfc_frontend built on them.
 *
 * Frames (UM0701-02 §6.2): normal  00 00 FF LEN LCS TFI data DCS 00,
 * extended 00 00 FF FF FF LENM LENL LCS TFI data DCS 00, ACK 00 00 FF 00 FF
 * 00, NACK 00 00 FF FF 00 00, error frame 00 00 FF 01 FF 7F 81 00. TFI is D4
 * toward the chip, D5 back, and the answer code is the command code + 1.
 *
 * pn532_frame_encode() builds one frame. pn532_decoder is a byte-at-a-time
 * parser that skips garbage before a start code, resynchronises after a bad
 * LCS/DCS, and reports ACK, NACK, error frames and information frames.
 *
 * pn532_command() sends one command, waits for the ACK and then for the
 * answer (asking the chip to resend with a NACK once if the answer's
 * checksum was bad). Errors: KS_ERR_TIMEOUT (no ACK/answer in time),
 * KS_ERR_TRANSPORT (link failure, error frame, wrong answer code),
 * KS_ERR_TOO_LARGE (answer bigger than the caller's buffer).
 *
 * The front-end (pn532_frontend) runs ISO 14443-3 through
 * InListPassiveTarget and moves raw ISO 14443-4 blocks with
 * InCommunicateThru, so tcl.c does T=CL for the PN532 exactly as for the
 * PN5180; exchange_apdu uses InDataExchange (the chip's own T=CL) instead.
 * No heap: the struct holds all buffers (about 700 bytes).
 */
#ifndef PN532_H
#define PN532_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfc_frontend.h"
#include "status.h"

/* A byte link: write sends all bytes or fails; read returns as soon as at
 * least one byte is there, KS_ERR_TIMEOUT when none came in timeout_ms. */
typedef struct nfc_link {
    ks_status (*write)(void *ctx, const uint8_t *data, size_t len);
    ks_status (*read)(void *ctx, uint8_t *buf, size_t cap, size_t *got, uint32_t timeout_ms);
    void *ctx;
} nfc_link;

#define PN532_TFI_HOST 0xD4u
#define PN532_TFI_CHIP 0xD5u
#define PN532_TFI_ERROR 0x7Fu
/* TFI + command code + up to 263 bytes (InDataExchange carries 262 + Tg). */
#define PN532_MAX_BODY 266u
#define PN532_MAX_FRAME (PN532_MAX_BODY + 10u)

enum {
    PN532_CMD_DIAGNOSE = 0x00,
    PN532_CMD_GET_FIRMWARE_VERSION = 0x02,
    PN532_CMD_READ_REGISTER = 0x06,
    PN532_CMD_WRITE_REGISTER = 0x08,
    PN532_CMD_SET_PARAMETERS = 0x12,
    PN532_CMD_SAM_CONFIGURATION = 0x14,
    PN532_CMD_RF_CONFIGURATION = 0x32,
    PN532_CMD_IN_DATA_EXCHANGE = 0x40,
    PN532_CMD_IN_COMMUNICATE_THRU = 0x42,
    PN532_CMD_IN_DESELECT = 0x44,
    PN532_CMD_IN_LIST_PASSIVE_TARGET = 0x4A,
    PN532_CMD_IN_RELEASE = 0x52
};

/* Encodes TFI + body (body[0] is normally the command code) into out. */
ks_status pn532_frame_encode(uint8_t tfi, const uint8_t *body, size_t body_len, uint8_t *out,
                             size_t cap, size_t *out_len);

typedef enum pn532_event {
    PN532_EV_NONE = 0,   /* need more bytes */
    PN532_EV_ACK,
    PN532_EV_NACK,
    PN532_EV_FRAME,      /* body()[0] is the TFI */
    PN532_EV_ERROR_FRAME,/* the chip's "syntax error" frame */
    PN532_EV_BAD_FRAME   /* checksum or length error; the decoder resynchronised */
} pn532_event;

typedef struct pn532_decoder {
    int state;
    size_t len;          /* body length announced */
    size_t got;
    uint8_t len_hi, len_lo;
    uint8_t sum;
    uint8_t body[PN532_MAX_BODY];
} pn532_decoder;

void pn532_decoder_reset(pn532_decoder *d);
pn532_event pn532_decoder_feed(pn532_decoder *d, uint8_t byte);
/* Valid after PN532_EV_FRAME until the next feed. */
static inline const uint8_t *pn532_decoder_body(const pn532_decoder *d) { return d->body; }
static inline size_t pn532_decoder_body_len(const pn532_decoder *d) { return d->len; }

typedef struct pn532_config {
    uint32_t ack_timeout_ms;  /* 0 = 100 (slow emulators on a pty) */
    uint32_t cmd_timeout_ms;  /* answer timeout for ordinary commands; 0 = 1000 */
    uint8_t passive_retries;  /* MxRtyPassiveActivation; 0 = 1 (never 0xFF = forever) */
} pn532_config;

typedef struct pn532 {
    nfc_frontend fe;       /* first member: a pn532 * is an nfc_frontend * */
    nfc_link link;
    pn532_config cfg;
    pn532_decoder dec;
    uint8_t rxq[64];       /* bytes read from the link but not yet decoded */
    size_t rxq_pos, rxq_len;
    uint8_t frame[PN532_MAX_FRAME];
    uint8_t tg;            /* logical target number from InListPassiveTarget */
    uint8_t retry_timeout; /* cached RFConfiguration item 2 value, 0 = unknown */
    uint8_t fw[4];         /* IC, Ver, Rev, Support */
} pn532;

/* Binds the driver to a link and a clock; no I/O yet. */
void pn532_init(pn532 *p, const nfc_link *link, const nfc_clock *clock, const pn532_config *cfg);

/* HSU wake-up, SAMConfiguration (normal mode), GetFirmwareVersion (IC must
 * be 0x32), RFConfiguration MaxRetries. */
ks_status pn532_begin(pn532 *p);

/* One command: params go after the command code; resp receives the answer
 * without TFI and answer code. */
ks_status pn532_command(pn532 *p, uint8_t cmd, const uint8_t *params, size_t params_len,
                        uint8_t *resp, size_t cap, size_t *resp_len, uint32_t timeout_ms);

ks_status pn532_get_firmware_version(pn532 *p, uint8_t out[4]);
/* Diagnose NumTst 0 (communication line test): the chip echoes data. */
ks_status pn532_diagnose_echo(pn532 *p, const uint8_t *data, size_t len);
ks_status pn532_read_register(pn532 *p, uint16_t addr, uint8_t *value);
ks_status pn532_write_register(pn532 *p, uint16_t addr, uint8_t value);
ks_status pn532_rf_field(pn532 *p, bool on);

/* Maps an InDataExchange/InCommunicateThru status byte (low 6 bits) to ks_status. */
ks_status pn532_status_to_ks(uint8_t status);

/* Parses an InListPassiveTarget answer (after D5 4B) for 106 kbps type A
 * (brty 0x00) or type B (brty 0x03). KS_ERR_NOT_FOUND when NbTg is 0. */
ks_status pn532_parse_list_answer(const uint8_t *ans, size_t len, uint8_t brty, uint8_t *tg,
                                  nfc_target *out);

/* RetryTimeout code n (1..16) so that 100 us * 2^(n-1) >= timeout_us. */
uint8_t pn532_timeout_code(uint32_t timeout_us);

#endif
