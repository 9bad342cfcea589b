/* A card OS for the emulator's unit tests: READ BINARY (B0) answers P1P2
 * bytes of a known pattern + 9000 (so long answers are easy to ask for);
 * any other APDU is echoed back + 9000. Counts the APDUs it saw. */
#ifndef FAKE_CARD_H
#define FAKE_CARD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "status.h"

typedef struct fake_card {
    unsigned calls;
    size_t last_len;
} fake_card;

static inline uint8_t fake_pattern(size_t i) { return (uint8_t)(i * 31u + 7u); }

static inline ks_status fake_card_apdu(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp,
                                       size_t cap, size_t *resp_len)
{
    fake_card *f = ctx;
    f->calls++;
    f->last_len = len;
    size_t n;
    if (len >= 4 && apdu[1] == 0xB0) {
        n = (size_t)apdu[2] << 8 | apdu[3];
        if (n + 2 > cap)
            return KS_ERR_TOO_LARGE;
        for (size_t i = 0; i < n; i++)
            resp[i] = fake_pattern(i);
    } else {
        n = len;
        if (n + 2 > cap)
            return KS_ERR_TOO_LARGE;
        memcpy(resp, apdu, len);
    }
    resp[n] = 0x90;
    resp[n + 1] = 0x00;
    *resp_len = n + 2;
    return KS_OK;
}

#endif
