/*
 * apdu.h — ISO/IEC 7816-4 command and response APDUs.
 *
 * A command has a header (CLA INS P1 P2), an optional data field (Nc bytes,
 * 1..65535) and an optional expected length Ne (1..65536, where 256 in short
 * form and 65536 in extended form are encoded as 00 / 0000). The four cases:
 *   1: header only        2: header + Le
 *   3: header + Lc + data 4: header + Lc + data + Le
 * apdu_encode() picks short form when Nc <= 255 and Ne <= 256, extended form
 * otherwise (or always, when asked). apdu_parse_command() accepts any
 * well-formed case in either form and rejects everything else, so a card
 * emulator or firmware can trust the fields it returns.
 */
#ifndef KS_APDU_H
#define KS_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define APDU_SHORT_MAX_NC 255u
#define APDU_SHORT_MAX_NE 256u
#define APDU_EXT_MAX_NC 65535u
#define APDU_EXT_MAX_NE 65536u
/* Header + extended Lc (3) + 65535 data + extended Le (2). */
#define APDU_MAX_COMMAND (4u + 3u + 65535u + 2u)

typedef struct apdu_cmd {
    uint8_t cla, ins, p1, p2;
    const uint8_t *data; /* Nc bytes, NULL when nc == 0 */
    size_t nc;
    size_t ne;           /* 0 = no Le field */
} apdu_cmd;

typedef enum apdu_form {
    APDU_FORM_AUTO = 0, /* short when it fits, else extended */
    APDU_FORM_EXTENDED
} apdu_form;

/* Encodes cmd into out; *out_len receives the byte count. */
ks_status apdu_encode(const apdu_cmd *cmd, apdu_form form, uint8_t *out, size_t cap,
                      size_t *out_len);

/* True when the command needs extended length fields. */
bool apdu_needs_extended(const apdu_cmd *cmd);

/* Parses a command APDU; data points into buf. *extended tells the form used. */
ks_status apdu_parse_command(const uint8_t *buf, size_t len, apdu_cmd *out, bool *extended);

typedef struct apdu_resp {
    const uint8_t *data; /* points into the response buffer */
    size_t len;
    uint16_t sw;         /* SW1 SW2 */
} apdu_resp;

/* Splits a response into data and status word; needs at least 2 bytes. */
ks_status apdu_parse_response(const uint8_t *buf, size_t len, apdu_resp *out);

/* SW1 SW2 helpers. */
#define APDU_SW_OK 0x9000u
static inline uint8_t apdu_sw1(uint16_t sw) { return (uint8_t)(sw >> 8); }
static inline uint8_t apdu_sw2(uint16_t sw) { return (uint8_t)sw; }

#endif
