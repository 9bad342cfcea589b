/*
 * fuzz_qr.c — arbitrary scanner output into the line parser: no crash, and
 * every reported text is within the limit, valid UTF-8 and free of controls.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "qr_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static qr_rx rx;
    qr_rx_init(&rx);
    for (size_t i = 0; i < size; i++) {
        qr_error err;
        if (qr_rx_byte(&rx, data[i], &err) != QR_EV_TEXT)
            continue;
        size_t len = 0;
        const uint8_t *t = qr_rx_text(&rx, &len);
        if (t == NULL || len == 0 || len > QR_TEXT_MAX || !qr_utf8_valid(t, len))
            abort();
        for (size_t k = 0; k < len; k++) {
            if (t[k] == '\r' || t[k] == '\n')
                abort();
        }
    }
    return 0;
}
