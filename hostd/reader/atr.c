#include "atr.h"

#include <string.h>

/* Walks the compact-TLV objects of the historical bytes for tag 7. */
static void find_capabilities(atr_info *out)
{
    const uint8_t *h = out->historical;
    size_t n = out->historical_len;
    if (n == 0)
        return;
    size_t end = n;
    if (h[0] == 0x00) {
        /* Category 00: the last three bytes are status, not compact-TLV. */
        if (n < 4)
            return;
        end = n - 3;
    } else if (h[0] != 0x80) {
        return;
    }
    size_t i = 1;
    while (i < end) {
        uint8_t tag = h[i] >> 4, len = h[i] & 0x0Fu;
        if (len > end - i - 1)
            return;
        if (tag == 7 && len >= 3) {
            uint8_t table3 = h[i + 3];
            out->has_capabilities = true;
            out->command_chaining = (table3 & 0x80u) != 0;
            out->extended_length = (table3 & 0x40u) != 0;
            return;
        }
        i += 1u + len;
    }
}

ks_status atr_parse(const uint8_t *atr, size_t len, atr_info *out)
{
    if (!atr || !out)
        return KS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (len < 2 || (atr[0] != 0x3B && atr[0] != 0x3F))
        return KS_ERR_MALFORMED;
    size_t k = atr[1] & 0x0Fu;
    uint8_t y = atr[1] >> 4;
    size_t i = 2;
    bool tck = false;
    for (;;) {
        /* TA, TB, TC, TD present per bit of Y; TD announces the next group. */
        for (unsigned bit = 1; bit <= 8; bit <<= 1) {
            if (y & bit) {
                if (i >= len)
                    return KS_ERR_MALFORMED;
                i++;
            }
        }
        if (!(y & 8))
            break;
        uint8_t td = atr[i - 1];
        if ((td & 0x0Fu) != 0)
            tck = true;
        y = td >> 4;
    }
    if (i + k > len)
        return KS_ERR_MALFORMED;
    if (tck && i + k + 1 > len)
        return KS_ERR_MALFORMED;
    out->historical = atr + i;
    out->historical_len = k;
    find_capabilities(out);
    return KS_OK;
}
