#include "apdu.h"

#include <string.h>

bool apdu_needs_extended(const apdu_cmd *cmd)
{
    return cmd->nc > APDU_SHORT_MAX_NC || cmd->ne > APDU_SHORT_MAX_NE;
}

ks_status apdu_encode(const apdu_cmd *cmd, apdu_form form, uint8_t *out, size_t cap,
                      size_t *out_len)
{
    if (!cmd || !out || !out_len || (cmd->nc && !cmd->data))
        return KS_ERR_ARG;
    if (cmd->nc > APDU_EXT_MAX_NC || cmd->ne > APDU_EXT_MAX_NE)
        return KS_ERR_ARG;
    bool ext = form == APDU_FORM_EXTENDED || apdu_needs_extended(cmd);
    if (ext && cmd->nc == 0 && cmd->ne == 0)
        ext = false; /* case 1 has no length fields to extend */
    size_t need = 4 + cmd->nc;
    if (ext)
        need += (cmd->nc ? 3 : 0) + (cmd->ne ? (cmd->nc ? 2 : 3) : 0);
    else
        need += (cmd->nc ? 1 : 0) + (cmd->ne ? 1 : 0);
    if (need > cap)
        return KS_ERR_TOO_LARGE;

    size_t n = 0;
    out[n++] = cmd->cla;
    out[n++] = cmd->ins;
    out[n++] = cmd->p1;
    out[n++] = cmd->p2;
    if (cmd->nc) {
        if (ext) {
            out[n++] = 0;
            out[n++] = (uint8_t)(cmd->nc >> 8);
            out[n++] = (uint8_t)cmd->nc;
        } else {
            out[n++] = (uint8_t)cmd->nc;
        }
        memcpy(out + n, cmd->data, cmd->nc);
        n += cmd->nc;
    }
    if (cmd->ne) {
        /* Ne of 256 (short) or 65536 (extended) is encoded as zeros: the cast does it. */
        if (ext) {
            if (!cmd->nc)
                out[n++] = 0;
            out[n++] = (uint8_t)(cmd->ne >> 8);
            out[n++] = (uint8_t)cmd->ne;
        } else {
            out[n++] = (uint8_t)cmd->ne;
        }
    }
    *out_len = n;
    return KS_OK;
}

static size_t short_ne(uint8_t b) { return b ? b : 256u; }
static size_t ext_ne(const uint8_t *b)
{
    size_t v = ((size_t)b[0] << 8) | b[1];
    return v ? v : 65536u;
}

ks_status apdu_parse_command(const uint8_t *buf, size_t len, apdu_cmd *out, bool *extended)
{
    if (!buf || !out)
        return KS_ERR_ARG;
    if (len < 4)
        return KS_ERR_TRUNCATED;
    memset(out, 0, sizeof *out);
    out->cla = buf[0];
    out->ins = buf[1];
    out->p1 = buf[2];
    out->p2 = buf[3];
    bool ext = false;
    const uint8_t *b = buf + 4;
    size_t body = len - 4;

    if (body == 0) {
        /* case 1 */
    } else if (body == 1) {
        out->ne = short_ne(b[0]); /* case 2 short */
    } else if (b[0] != 0 || body == 1 + (size_t)b[0] || body == 2 + (size_t)b[0]) {
        /* short case 3 or 4: B1 is Lc (non-zero). */
        size_t nc = b[0];
        if (nc == 0)
            return KS_ERR_MALFORMED;
        if (body == 1 + nc) {
            out->nc = nc;
        } else if (body == 2 + nc) {
            out->nc = nc;
            out->ne = short_ne(b[1 + nc]);
        } else {
            return KS_ERR_MALFORMED;
        }
        out->data = b + 1;
    } else {
        /* B1 == 0 and more than one byte: extended form. */
        ext = true;
        if (body == 3) {
            out->ne = ext_ne(b + 1); /* case 2 extended */
        } else {
            size_t nc = ((size_t)b[1] << 8) | b[2];
            if (nc == 0)
                return KS_ERR_MALFORMED;
            if (body == 3 + nc) {
                out->nc = nc;
            } else if (body == 5 + nc) {
                out->nc = nc;
                out->ne = ext_ne(b + 3 + nc);
            } else {
                return KS_ERR_MALFORMED;
            }
            out->data = b + 3;
        }
    }
    if (extended)
        *extended = ext;
    return KS_OK;
}

ks_status apdu_parse_response(const uint8_t *buf, size_t len, apdu_resp *out)
{
    if (!buf || !out)
        return KS_ERR_ARG;
    if (len < 2)
        return KS_ERR_TRUNCATED;
    out->data = buf;
    out->len = len - 2;
    out->sw = (uint16_t)((buf[len - 2] << 8) | buf[len - 1]);
    return KS_OK;
}
