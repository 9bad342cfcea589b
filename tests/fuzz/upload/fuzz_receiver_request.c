/*
 * fuzz_receiver_request.c — the reference receiver's batch decoder on
 * arbitrary bodies. The first byte chooses whether the rest is treated as a
 * gzip body (odd) or plain JSON (even), so both paths are explored.
 */
#include <stdint.h>
#include <string.h>

#include "receiver_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    rcv_batch b;
    char err[128];
    if (rcv_batch_parse(data + 1, size - 1, data[0] & 1, &b, err, sizeof err) == KS_OK) {
        for (size_t i = 0; i < b.count; i++) {
            const rcv_entry *e = &b.entries[i];
            /* An accepted entry has a valid key and a record; a rejected one a reason. */
            if (!e->reject_reason && (!e->record_json || !rcv_key_valid(e->key, strlen(e->key))))
                __builtin_trap();
            if (e->reject_reason && e->record_json)
                __builtin_trap();
        }
        rcv_batch_free(&b);
    }
    return 0;
}
