/*
 * ccid.h — USB CCID 1.1 bulk messages (PC_to_RDR commands, RDR_to_PC replies).
 *
 * Every message is a 10-byte header — bMessageType, dwLength (LE32, the size
 * of the data that follows), bSlot, bSeq, three message-specific bytes — then
 * dwLength bytes of data. ccid_parse() checks that the buffer holds exactly
 * one message (dwLength against the real length) and returns a view into the
 * caller's buffer; the ccid_build_*() functions write a reply into a caller
 * buffer and fail with KS_ERR_TOO_LARGE when it does not fit. Nothing here
 * allocates or keeps state, so it serves both the firmware and host tools.
 *
 * Errors: KS_ERR_ARG (NULL pointers), KS_ERR_TRUNCATED (fewer bytes than the
 * header or dwLength promise), KS_ERR_MALFORMED (bytes beyond dwLength),
 * KS_ERR_TOO_LARGE (output capacity).
 */
#ifndef KS_CCID_H
#define KS_CCID_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define CCID_HEADER_LEN 10u

/* PC_to_RDR message types. */
#define CCID_PC_ICC_POWER_ON 0x62u
#define CCID_PC_ICC_POWER_OFF 0x63u
#define CCID_PC_GET_SLOT_STATUS 0x65u
#define CCID_PC_XFR_BLOCK 0x6Fu
#define CCID_PC_GET_PARAMETERS 0x6Cu
#define CCID_PC_RESET_PARAMETERS 0x6Du
#define CCID_PC_SET_PARAMETERS 0x61u
#define CCID_PC_ESCAPE 0x6Bu
#define CCID_PC_ICC_CLOCK 0x6Eu
#define CCID_PC_T0_APDU 0x6Au
#define CCID_PC_SECURE 0x69u
#define CCID_PC_MECHANICAL 0x71u
#define CCID_PC_ABORT 0x72u
#define CCID_PC_SET_DATA_RATE_AND_CLOCK 0x73u

/* RDR_to_PC message types. */
#define CCID_RDR_DATA_BLOCK 0x80u
#define CCID_RDR_SLOT_STATUS 0x81u
#define CCID_RDR_PARAMETERS 0x82u
#define CCID_RDR_ESCAPE 0x83u
#define CCID_RDR_DATA_RATE_AND_CLOCK 0x84u
#define CCID_RDR_NOTIFY_SLOT_CHANGE 0x50u /* interrupt endpoint / serial */

/* bStatus = bmCommandStatus (bits 6-7) | bmICCStatus (bits 0-1). */
#define CCID_ICC_ACTIVE 0x00u
#define CCID_ICC_INACTIVE 0x01u
#define CCID_ICC_ABSENT 0x02u
#define CCID_CMD_OK 0x00u
#define CCID_CMD_FAILED 0x40u
#define CCID_CMD_TIME_EXTENSION 0x80u

/* bError when bmCommandStatus is "failed" (CCID 1.1 table 6.2-2); values
 * 0x01..0x7F name the offending header byte instead. */
#define CCID_ERR_CMD_NOT_SUPPORTED 0x00u
#define CCID_ERR_BAD_LENGTH 0x01u      /* dwLength (offset 1) is wrong */
#define CCID_ERR_BAD_SLOT 0x05u        /* bSlot (offset 5) does not exist */
#define CCID_ERR_BAD_POWER_SELECT 0x07u /* offset 7 */
#define CCID_ERR_BAD_PROTOCOL_NUM 0x07u /* offset 7 of SetParameters */
#define CCID_ERR_CMD_SLOT_BUSY 0xE0u
#define CCID_ERR_PIN_CANCELLED 0xEFu
#define CCID_ERR_PIN_TIMEOUT 0xF0u
#define CCID_ERR_BUSY_WITH_AUTO_SEQUENCE 0xF2u
#define CCID_ERR_DEACTIVATED_PROTOCOL 0xF3u
#define CCID_ERR_PROCEDURE_BYTE_CONFLICT 0xF4u
#define CCID_ERR_ICC_CLASS_NOT_SUPPORTED 0xF5u
#define CCID_ERR_ICC_PROTOCOL_NOT_SUPPORTED 0xF6u
#define CCID_ERR_BAD_ATR_TCK 0xF7u
#define CCID_ERR_BAD_ATR_TS 0xF8u
#define CCID_ERR_HW_ERROR 0xFBu
#define CCID_ERR_XFR_OVERRUN 0xFCu
#define CCID_ERR_XFR_PARITY_ERROR 0xFDu
#define CCID_ERR_ICC_MUTE 0xFEu
#define CCID_ERR_CMD_ABORTED 0xFFu

/* A parsed message; data points into the parsed buffer. */
typedef struct ccid_msg {
    uint8_t type;
    uint8_t slot;
    uint8_t seq;
    uint8_t param[3]; /* the three message-specific header bytes */
    const uint8_t *data;
    size_t data_len;  /* == dwLength */
} ccid_msg;

/* Parses exactly one message occupying buf[0..len). */
ks_status ccid_parse(const uint8_t *buf, size_t len, ccid_msg *out);

/* Reads dwLength from a header (needs len >= CCID_HEADER_LEN). */
ks_status ccid_peek_length(const uint8_t *buf, size_t len, uint32_t *dw_length);

/* Writes a generic message: header (type, slot, seq, param[0..2]) + data. */
ks_status ccid_build(uint8_t type, uint8_t slot, uint8_t seq, const uint8_t param[3],
                     const uint8_t *data, size_t data_len, uint8_t *out, size_t cap,
                     size_t *out_len);

/* RDR_to_PC_SlotStatus: bStatus, bError, bClockStatus. */
ks_status ccid_build_slot_status(uint8_t slot, uint8_t seq, uint8_t status, uint8_t error,
                                 uint8_t clock_status, uint8_t *out, size_t cap, size_t *out_len);

/* RDR_to_PC_DataBlock: bStatus, bError, bChainParameter + data. */
ks_status ccid_build_data_block(uint8_t slot, uint8_t seq, uint8_t status, uint8_t error,
                                uint8_t chain, const uint8_t *data, size_t data_len,
                                uint8_t *out, size_t cap, size_t *out_len);

/* RDR_to_PC_Parameters: bStatus, bError, bProtocolNum + protocol data. */
ks_status ccid_build_parameters(uint8_t slot, uint8_t seq, uint8_t status, uint8_t error,
                                uint8_t protocol, const uint8_t *data, size_t data_len,
                                uint8_t *out, size_t cap, size_t *out_len);

/* RDR_to_PC_Escape: bStatus, bError, bRFU + data. */
ks_status ccid_build_escape(uint8_t slot, uint8_t seq, uint8_t status, uint8_t error,
                            const uint8_t *data, size_t data_len, uint8_t *out, size_t cap,
                            size_t *out_len);

/* The RDR_to_PC reply type a PC_to_RDR command expects (0 if unknown). */
uint8_t ccid_reply_type(uint8_t pc_type);

#endif
