/* fuzz_vendor.c — arbitrary bytes into the vendor-channel receiver and parser. */
#include <stddef.h>
#include <stdint.h>

#include "vendor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vendor_rx rx;
    static uint8_t out[VENDOR_MAX_FRAME];
    vendor_frame f;
    size_t n;

    (void)vendor_parse(data, size, &f);
    vendor_rx_init(&rx);
    for (size_t i = 0; i < size; i++) {
        if (vendor_rx_byte(&rx, data[i]) == VENDOR_RX_FRAME) {
            if (vendor_rx_frame(&rx, &f) != KS_OK)
                __builtin_trap();
            if (vendor_build(f.type, f.seq, f.payload, f.len, out, sizeof out, &n) != KS_OK)
                __builtin_trap();
        }
    }
    return 0;
}
