/* fuzz_ccid_serial.c — arbitrary bytes into the serial CCID receiver. */
#include <stddef.h>
#include <stdint.h>

#include "ccid.h"
#include "ccid_serial.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ccids_rx rx;
    static uint8_t out[CCIDS_MAX_REPLY];
    ccid_msg m;
    size_t n, fn, on;

    ccids_rx_init(&rx);
    for (size_t i = 0; i < size; i++) {
        ccids_event ev = ccids_rx_byte(&rx, data[i]);
        if (ev == CCIDS_RX_FRAME) {
            const uint8_t *msg = ccids_rx_msg(&rx, &n);
            const uint8_t *frame = ccids_rx_frame(&rx, &fn);
            if (!msg || !frame || ccid_parse(msg, n, &m) != KS_OK)
                __builtin_trap();
            if (ccids_build_reply(frame, fn, true, msg, n, out, sizeof out, &on) != KS_OK)
                __builtin_trap();
        } else if (ev == CCIDS_RX_OVERLONG && (data[i] & 1)) {
            ccids_rx_idle(&rx);
        }
    }
    return 0;
}
