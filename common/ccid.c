/* ccid.c — see ccid.h. */
#include "ccid.h"

#include <string.h>

static uint32_t read_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static void write_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

ks_status ccid_peek_length(const uint8_t *buf, size_t len, uint32_t *dw_length)
{
    if (!buf || !dw_length)
        return KS_ERR_ARG;
    if (len < CCID_HEADER_LEN)
        return KS_ERR_TRUNCATED;
    *dw_length = read_le32(buf + 1);
    return KS_OK;
}

ks_status ccid_parse(const uint8_t *buf, size_t len, ccid_msg *out)
{
    uint32_t dw;
    ks_status st;

    if (!out)
        return KS_ERR_ARG;
    st = ccid_peek_length(buf, len, &dw);
    if (st != KS_OK)
        return st;
    /* Compare without adding to dw, which could wrap on 32-bit size_t. */
    if (dw > len - CCID_HEADER_LEN)
        return KS_ERR_TRUNCATED;
    if (dw < len - CCID_HEADER_LEN)
        return KS_ERR_MALFORMED;
    out->type = buf[0];
    out->slot = buf[5];
    out->seq = buf[6];
    memcpy(out->param, buf + 7, 3);
    out->data_len = dw;
    out->data = dw ? buf + CCID_HEADER_LEN : NULL;
    return KS_OK;
}

ks_status ccid_build(uint8_t type, uint8_t slot, uint8_t seq, const uint8_t param[3],
                     const uint8_t *data, size_t data_len, uint8_t *out, size_t cap,
                     size_t *out_len)
{
    if (!param || !out || !out_len || (data_len && !data))
        return KS_ERR_ARG;
    if (cap < CCID_HEADER_LEN || data_len > cap - CCID_HEADER_LEN)
        return KS_ERR_TOO_LARGE;
    out[0] = type;
    write_le32(out + 1, (uint32_t)data_len);
    out[5] = slot;
    out[6] = seq;
    memcpy(out + 7, param, 3);
    /* memmove: callers may build a reply in place over its own data. */
    if (data_len)
        memmove(out + CCID_HEADER_LEN, data, data_len);
    *out_len = CCID_HEADER_LEN + data_len;
    return KS_OK;
}

ks_status ccid_build_slot_status(uint8_t slot, uint8_t seq, uint8_t status, uint8_t error,
                                 uint8_t clock_status, uint8_t *out, size_t cap, size_t *out_len)
{
    const uint8_t p[3] = {status, error, clock_status};
    return ccid_build(CCID_RDR_SLOT_STATUS, slot, seq, p, NULL, 0, out, cap, out_len);
}

ks_status ccid_build_data_block(uint8_t slot, uint8_t seq, uint8_t status, uint8_t error,
                                uint8_t chain, const uint8_t *data, size_t data_len,
                                uint8_t *out, size_t cap, size_t *out_len)
{
    const uint8_t p[3] = {status, error, chain};
    return ccid_build(CCID_RDR_DATA_BLOCK, slot, seq, p, data, data_len, out, cap, out_len);
}

ks_status ccid_build_parameters(uint8_t slot, uint8_t seq, uint8_t status, uint8_t error,
                                uint8_t protocol, const uint8_t *data, size_t data_len,
                                uint8_t *out, size_t cap, size_t *out_len)
{
    const uint8_t p[3] = {status, error, protocol};
    return ccid_build(CCID_RDR_PARAMETERS, slot, seq, p, data, data_len, out, cap, out_len);
}

ks_status ccid_build_escape(uint8_t slot, uint8_t seq, uint8_t status, uint8_t error,
                            const uint8_t *data, size_t data_len, uint8_t *out, size_t cap,
                            size_t *out_len)
{
    const uint8_t p[3] = {status, error, 0};
    return ccid_build(CCID_RDR_ESCAPE, slot, seq, p, data, data_len, out, cap, out_len);
}

uint8_t ccid_reply_type(uint8_t pc_type)
{
    switch (pc_type) {
    case CCID_PC_ICC_POWER_ON:
    case CCID_PC_XFR_BLOCK:
    case CCID_PC_SECURE:
        return CCID_RDR_DATA_BLOCK;
    case CCID_PC_ICC_POWER_OFF:
    case CCID_PC_GET_SLOT_STATUS:
    case CCID_PC_ICC_CLOCK:
    case CCID_PC_T0_APDU:
    case CCID_PC_MECHANICAL:
    case CCID_PC_ABORT:
        return CCID_RDR_SLOT_STATUS;
    case CCID_PC_GET_PARAMETERS:
    case CCID_PC_RESET_PARAMETERS:
    case CCID_PC_SET_PARAMETERS:
        return CCID_RDR_PARAMETERS;
    case CCID_PC_ESCAPE:
        return CCID_RDR_ESCAPE;
    case CCID_PC_SET_DATA_RATE_AND_CLOCK:
        return CCID_RDR_DATA_RATE_AND_CLOCK;
    default:
        return 0;
    }
}
