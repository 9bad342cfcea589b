/* Fuzzes command APDU parsing; whatever parses must re-encode to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apdu_cmd c;
    bool ext = false;
    if (apdu_parse_command(data, size, &c, &ext) != KS_OK)
        return 0;
    static uint8_t out[APDU_MAX_COMMAND];
    size_t n = 0;
    if (apdu_encode(&c, ext ? APDU_FORM_EXTENDED : APDU_FORM_AUTO, out, sizeof out, &n) != KS_OK)
        abort();
    /* A short-form command whose Ne is 256 re-encodes identically; so does everything else. */
    if (n != size || memcmp(out, data, n) != 0)
        abort();
    return 0;
}
