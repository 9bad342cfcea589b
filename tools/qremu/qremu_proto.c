#include "qremu_proto.h"
#include "utf8.h"

#include <string.h>

enum { P_IDLE = 0, P_SYN, P_SYN_T, P_SYN_U, P_SYN_M, P_MENU };

void qremu_parser_init(qremu_parser *p)
{
    memset(p, 0, sizeof *p);
}

static bool menu_char(uint8_t b)
{
    return (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9');
}

qremu_event qremu_cmd_feed(qremu_parser *p, uint8_t b)
{
    if (b == QREMU_SYN && p->state != P_MENU) {
        p->state = P_SYN; /* a SYN always starts a new command */
        return QREMU_EV_NONE;
    }
    switch (p->state) {
    case P_SYN:
        p->state = b == 'T' ? P_SYN_T : b == 'U' ? P_SYN_U : b == 'M' ? P_SYN_M : P_IDLE;
        return QREMU_EV_NONE;
    case P_SYN_T:
        p->state = P_IDLE;
        return b == QREMU_CR ? QREMU_EV_TRIGGER : QREMU_EV_NONE;
    case P_SYN_U:
        p->state = P_IDLE;
        return b == QREMU_CR ? QREMU_EV_UNTRIGGER : QREMU_EV_NONE;
    case P_SYN_M:
        p->state = b == QREMU_CR ? P_MENU : P_IDLE;
        p->menu_len = 0;
        return QREMU_EV_NONE;
    case P_MENU:
        if (menu_char(b) && p->menu_len < QREMU_MENU_MAX) {
            p->menu[p->menu_len++] = (char)b;
            return QREMU_EV_NONE;
        }
        p->state = b == QREMU_SYN ? P_SYN : P_IDLE;
        if ((b == '.' || b == '!' || b == '?') && p->menu_len > 0) {
            p->menu[p->menu_len] = '\0';
            p->menu_term = (char)b;
            return QREMU_EV_MENU;
        }
        return QREMU_EV_NONE; /* too long or a stray byte: the command is dropped */
    default:
        return QREMU_EV_NONE;
    }
}

static size_t suffix_bytes(qremu_suffix s, uint8_t out[2])
{
    switch (s) {
    case QREMU_SUFFIX_LF:
        out[0] = '\n';
        return 1;
    case QREMU_SUFFIX_CRLF:
        out[0] = '\r';
        out[1] = '\n';
        return 2;
    default:
        out[0] = '\r';
        return 1;
    }
}

ks_status qremu_build_output(const uint8_t *text, size_t len, qremu_suffix suffix,
                             qremu_fault fault, uint8_t *out, size_t cap, size_t *out_len)
{
    if ((!text && len) || !out || !out_len || len > QREMU_TEXT_MAX)
        return KS_ERR_ARG;
    uint8_t sfx[2];
    size_t sfx_len = fault == QREMU_FAULT_NO_SUFFIX ? 0 : suffix_bytes(suffix, sfx);
    size_t n = 0;
    if (fault == QREMU_FAULT_GARBAGE) {
        /* A misread: bytes no UTF-8 decoder accepts, then the usual suffix. */
        static const uint8_t junk[] = {0xFF, 0xC0, 0x80, 0xED, 0xA0, 0x80, 0x7C, 0xFE, 0x00, 0xF8};
        if (cap < sizeof junk + sfx_len)
            return KS_ERR_TOO_LARGE;
        memcpy(out, junk, sizeof junk);
        n = sizeof junk;
    } else if (fault == QREMU_FAULT_OVERLONG) {
        if (cap < QREMU_OVERLONG + sfx_len)
            return KS_ERR_TOO_LARGE;
        for (size_t i = 0; i < QREMU_OVERLONG; i++)
            out[i] = len ? text[i % len] : (uint8_t)'0';
        n = QREMU_OVERLONG;
    } else {
        if (cap < len + sfx_len)
            return KS_ERR_TOO_LARGE;
        if (len)
            memcpy(out, text, len);
        n = len;
    }
    memcpy(out + n, sfx, sfx_len);
    *out_len = n + sfx_len;
    return KS_OK;
}

static ks_status put(uint8_t *out, size_t cap, size_t *n, const void *src, size_t len)
{
    if (*n + len > cap)
        return KS_ERR_TOO_LARGE;
    memcpy(out + *n, src, len);
    *n += len;
    return KS_OK;
}

ks_status qremu_menu_answer(const qremu_parser *p, bool *trigger_auto, qremu_suffix *suffix,
                            uint8_t *out, size_t cap, size_t *out_len)
{
    if (!p || !trigger_auto || !suffix || !out || !out_len)
        return KS_ERR_ARG;
    const char *cmd = p->menu;
    bool query = p->menu_term == '?';
    bool known = true;
    const char *value = NULL;
    if (strcmp(cmd, "REVINF") == 0 && query)
        value = "KSQREMU 1.0";
    else if (strcmp(cmd, "TRGMOD0") == 0 && !query)
        *trigger_auto = false;
    else if (strcmp(cmd, "TRGMOD3") == 0 && !query)
        *trigger_auto = true;
    else if (strcmp(cmd, "SUFCR") == 0 && !query)
        *suffix = QREMU_SUFFIX_CR;
    else if (strcmp(cmd, "SUFLF") == 0 && !query)
        *suffix = QREMU_SUFFIX_LF;
    else if (strcmp(cmd, "SUFCRLF") == 0 && !query)
        *suffix = QREMU_SUFFIX_CRLF;
    else
        known = false;
    size_t n = 0;
    uint8_t status = known ? QREMU_ACK : QREMU_NAK;
    ks_status st = put(out, cap, &n, cmd, strlen(cmd));
    if (st == KS_OK && value)
        st = put(out, cap, &n, value, strlen(value));
    if (st == KS_OK)
        st = put(out, cap, &n, &status, 1);
    if (st == KS_OK)
        st = put(out, cap, &n, &p->menu_term, 1);
    if (st == KS_OK)
        *out_len = n;
    return st;
}

bool qremu_utf8_valid(const uint8_t *s, size_t len)
{
    return utf8_valid(s, len);
}
