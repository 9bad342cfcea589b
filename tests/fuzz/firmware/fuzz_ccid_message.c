/* fuzz_ccid_message.c — arbitrary CCID messages against the slot; the input
 * is split into messages by a leading length byte so sequences get tested. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "slot.h"
#include "../../unit/firmware/fake_card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fake_card card;
    static slot s;
    static uint8_t out[SLOT_MIN_OUT];
    size_t off = 0, n;

    fake_card_init(&card);
    card.resp_data_len = size ? data[0] : 0;
    slot_init(&s, &card.base, size > 1 ? (uint8_t)(data[1] & 3) : 0);
    off = size > 2 ? 2 : size;
    while (off < size) {
        size_t len = data[off++];
        if (len > size - off)
            len = size - off;
        if (len == 0xFF) /* card leaves */
            card.present = !card.present;
        (void)slot_handle(&s, data + off, len, out, sizeof out, &n);
        off += len;
    }
    return 0;
}
