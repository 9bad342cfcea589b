/* Fuzzes BER-TLV decoding recursively and re-encoding of what decoded. */
#include <stdint.h>
#include <string.h>

#include "tlv.h"

static void walk(const uint8_t *buf, size_t len, int depth, tlv_writer *w)
{
    tlv_iter it;
    tlv e;
    tlv_iter_init(&it, buf, len);
    while (tlv_iter_next(&it, &e) == KS_OK) {
        if (tlv_is_constructed(e.tag) && depth < TLV_MAX_DEPTH - 1) {
            tlv_open(w, e.tag);
            walk(e.value, e.len, depth + 1, w);
            tlv_close(w);
        } else {
            tlv_put(w, e.tag, e.value, e.len);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[1 << 17];
    tlv_writer w;
    tlv_writer_init(&w, out, sizeof out);
    walk(data, size, 0, &w);
    tlv e;
    (void)tlv_find(data, size, 0x5F1F, &e);
    return 0;
}
