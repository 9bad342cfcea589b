/*
 * vc_atr.h — the answer-to-reset the emulator gives pcscd.
 *
 * A contactless card behind a PC/SC reader is presented with the ATR the
 * PC/SC specification (part 3) builds from the ATS historical bytes:
 *
 *   3B 85 80 01 | 80 73 94 01 x0 | TCK
 *   TS T0 TD1 TD2  historical      check
 *
 *   T0  = 85: TD1 follows, 5 historical bytes
 *   TD1 = 80: TD2 follows, protocol T=0 (as the PC/SC rule writes it)
 *   TD2 = 01: protocol T=1, nothing follows
 *   80        category indicator: compact-TLV objects follow
 *   73 94 01 Cx  card capabilities (ISO/IEC 7816-4 8.1.1.2.7), length 3:
 *     94  selection by full DF name, by file identifier, short EF identifiers
 *     01  data unit of one byte
 *     40  extended Lc and Le fields; 00 when extended length is off.
 *         Command chaining (80) is left clear: the emulator answers 6884.
 *   TCK = XOR of T0 .. the last historical byte
 *
 *   extended on:  3B 85 80 01 80 73 94 01 40 22
 *   extended off: 3B 85 80 01 80 73 94 01 00 62
 */
#ifndef VC_ATR_H
#define VC_ATR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define VC_ATR_MAX 33u

/* Writes the ATR; *len gets its length (10 bytes). */
ks_status vc_atr_build(bool extended_length, uint8_t *out, size_t cap, size_t *len);

#endif
