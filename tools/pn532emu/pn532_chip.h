/*
 * pn532_chip.h — the command set of an emulated NXP PN532 (UM0701-02) with
 * one ISO/IEC 14443-4 type A card in its field.
 *
 * pn532_chip_command() takes the data of one host frame (after TFI D4: the
 * command code and its parameters) and produces the data of the answer
 * frame (after TFI D5: command code + 1 and the results). Commands:
 * Diagnose (0 communication line, 6 card presence), GetFirmwareVersion
 * (IC 32, version 1.6), GetGeneralStatus, SAMConfiguration, SetParameters,
 * ReadRegister/WriteRegister (a register file with sensible CIU values),
 * RFConfiguration, PowerDown, InListPassiveTarget (106 kbit/s type A only:
 * ATQA 0004 or 0044, SAK 20, the UID, the ATS when automatic RATS is on),
 * InDataExchange (the chip's own ISO 14443-4 reader side drives the
 * card's T=CL layer: I-block chaining, S(WTX) granted; MI chaining toward
 * the host both ways for data over 262 bytes), InCommunicateThru
 * (raw frames to the card's T=CL layer, picc_tcl.h), InDeselect,
 * InRelease, InSelect. KS_ERR_UNSUPPORTED for anything else (the caller
 * then sends the syntax-error frame).
 *
 * The card: `apdu` runs one command APDU (the card OS). remove_after > 0
 * makes the card leave the field once that many APDUs were answered: the
 * next exchange times out (status 01) and the target is released (29), and
 * InListPassiveTarget finds nothing. The chip owns no heap memory.
 */
#ifndef PN532_CHIP_H
#define PN532_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "picc_tcl.h"
#include "status.h"

#define PN532_CMD_DIAGNOSE 0x00u
#define PN532_CMD_GET_FIRMWARE_VERSION 0x02u
#define PN532_CMD_GET_GENERAL_STATUS 0x04u
#define PN532_CMD_READ_REGISTER 0x06u
#define PN532_CMD_WRITE_REGISTER 0x08u
#define PN532_CMD_SET_PARAMETERS 0x12u
#define PN532_CMD_SAM_CONFIGURATION 0x14u
#define PN532_CMD_POWER_DOWN 0x16u
#define PN532_CMD_RF_CONFIGURATION 0x32u
#define PN532_CMD_IN_DATA_EXCHANGE 0x40u
#define PN532_CMD_IN_COMMUNICATE_THRU 0x42u
#define PN532_CMD_IN_DESELECT 0x44u
#define PN532_CMD_IN_LIST_PASSIVE_TARGET 0x4Au
#define PN532_CMD_IN_RELEASE 0x52u
#define PN532_CMD_IN_SELECT 0x54u

/* Status byte error codes (UM0701-02, table 6). */
#define PN532_ST_OK 0x00u
#define PN532_ST_TIMEOUT 0x01u
#define PN532_ST_INVALID_PARAM 0x10u
#define PN532_ST_WRONG_CONTEXT 0x27u
#define PN532_ST_RELEASED 0x29u

#define PN532_STATUS_MI 0x40u
/* Data bytes one InDataExchange answer carries after the status byte. */
#define PN532_IDE_MAX_DATA 262u

typedef struct pn532_chip {
    picc_tcl picc;
    void (*card_reset)(void *ctx); /* power-on reset of the card OS; may be NULL */
    uint8_t uid[10];
    size_t uid_len;          /* 4 or 7 */
    uint8_t regs_ciu[0x400]; /* 0x6000..0x63FF */
    uint8_t regs_sfr[0x100]; /* 0xFF00..0xFFFF */
    uint8_t parameters;      /* SetParameters flags */
    bool field_on;
    bool target_listed;      /* Tg 1 is active */
    bool card_gone;          /* left the field (fault) */
    long remove_after;       /* -1: never */
    unsigned long apdus;     /* APDUs the card answered in either mode */
    uint8_t pcd_bn;          /* the chip's own block number toward the card (InDataExchange) */
    /* InDataExchange chaining state. */
    uint8_t ide_cmd[PICC_TCL_MAX_APDU];
    size_t ide_cmd_len;
    uint8_t ide_resp[PICC_TCL_MAX_APDU];
    size_t ide_resp_len, ide_resp_sent;
} pn532_chip;

/* uid_len must be 4 or 7. The picc's callback is `apdu`/`ctx`. */
ks_status pn532_chip_init(pn532_chip *c, const uint8_t *uid, size_t uid_len, picc_apdu_fn apdu,
                          void *ctx);

/* The card OS is reset (its session forgotten) at each new activation and
 * when the field goes off, as a real card loses power; reset gets picc's ctx. */
void pn532_chip_set_card_reset(pn532_chip *c, void (*reset)(void *ctx));

/* One command: cmd[0] is the command code. out receives the answer data (without TFI). */
ks_status pn532_chip_command(pn532_chip *c, const uint8_t *cmd, size_t len, uint8_t *out,
                             size_t cap, size_t *out_len);

#endif
