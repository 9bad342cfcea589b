/*
 * qremu_proto.h — the serial protocol of the emulated 2D scanner module,
 * modelled on the SYN-prefixed serial command sets common to handheld and
 * OEM scan engines (host triggering over the UART, decoded data followed by
 * a configurable suffix).
 *
 * Host to module (bytes outside a command are ignored):
 *   16 54 0D        SYN 'T' CR  trigger: start a scan; the module answers
 *                   with the decoded text once it has "read" the code
 *   16 55 0D        SYN 'U' CR  untrigger: stop scanning, nothing is sent
 *   16 4D 0D <cmd> <term>
 *                   SYN 'M' CR  menu command: <cmd> is 1..32 characters
 *                   [A-Z0-9], <term> '.' (set, volatile) or '!' (set,
 *                   saved) or '?' (query). The module echoes <cmd>, then
 *                   06 (ACK) or 15 (NAK, unknown command), then <term>.
 *                   Known: REVINF? (answers "REVINF" + "KSQREMU 1.0" + 06),
 *                   TRGMOD0/TRGMOD3 (host / auto trigger), SUFCR/SUFLF/SUFCRLF.
 * Module to host: the decoded text, UTF-8, byte for byte as encoded in the
 * QR, followed by the suffix (CR, LF or CR LF; default CR).
 *
 * qremu_cmd_feed() is a byte-at-a-time parser with bounded state (no heap);
 * qremu_build_output() lays out one scan's output, with the faults the
 * emulator can inject (garbage bytes that are not UTF-8, an overlong text,
 * no suffix).
 */
#ifndef QREMU_PROTO_H
#define QREMU_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define QREMU_SYN 0x16u
#define QREMU_CR 0x0Du
#define QREMU_ACK 0x06u
#define QREMU_NAK 0x15u
#define QREMU_MENU_MAX 32u
#define QREMU_TEXT_MAX 4096u
#define QREMU_OVERLONG 8192u /* what the overlong fault sends: more than any QR holds */

typedef enum qremu_suffix { QREMU_SUFFIX_CR = 0, QREMU_SUFFIX_LF, QREMU_SUFFIX_CRLF } qremu_suffix;
typedef enum qremu_fault {
    QREMU_FAULT_NONE = 0,
    QREMU_FAULT_GARBAGE,
    QREMU_FAULT_OVERLONG,
    QREMU_FAULT_NO_SUFFIX,
} qremu_fault;

typedef enum qremu_event {
    QREMU_EV_NONE = 0,
    QREMU_EV_TRIGGER,
    QREMU_EV_UNTRIGGER,
    QREMU_EV_MENU, /* p->menu holds the command, p->menu_term its terminator */
} qremu_event;

typedef struct qremu_parser {
    int state;
    char menu[QREMU_MENU_MAX + 1];
    size_t menu_len;
    char menu_term;
} qremu_parser;

void qremu_parser_init(qremu_parser *p);
qremu_event qremu_cmd_feed(qremu_parser *p, uint8_t byte);

/* One scan's bytes: text + suffix, as changed by `fault`. */
ks_status qremu_build_output(const uint8_t *text, size_t len, qremu_suffix suffix,
                             qremu_fault fault, uint8_t *out, size_t cap, size_t *out_len);

/* The module's answer to a menu command (echo, ACK/NAK, terminator). Settings
 * the command changes are written through *trigger_auto and *suffix. */
ks_status qremu_menu_answer(const qremu_parser *p, bool *trigger_auto, qremu_suffix *suffix,
                            uint8_t *out, size_t cap, size_t *out_len);

/* True when buf is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool qremu_utf8_valid(const uint8_t *buf, size_t len);

#endif
