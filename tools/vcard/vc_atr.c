#include "vc_atr.h"

#include <string.h>

ks_status vc_atr_build(bool extended_length, uint8_t *out, size_t cap, size_t *len)
{
    if (!out || !len)
        return KS_ERR_ARG;
    const uint8_t historical[] = {
        0x80, 0x73, 0x94, 0x01, (uint8_t)(extended_length ? 0x40 : 0x00),
    };
    const size_t hlen = sizeof historical;
    const size_t total = 4 + hlen + 1;
    if (cap < total)
        return KS_ERR_TOO_LARGE;
    out[0] = 0x3B;
    out[1] = (uint8_t)(0x80 | hlen);
    out[2] = 0x80;
    out[3] = 0x01;
    memcpy(out + 4, historical, hlen);
    uint8_t tck = 0;
    for (size_t i = 1; i < total - 1; i++)
        tck ^= out[i];
    out[total - 1] = tck;
    *len = total;
    return KS_OK;
}
