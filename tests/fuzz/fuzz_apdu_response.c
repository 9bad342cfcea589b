/* Fuzzes response APDU splitting. */
#include <stdint.h>
#include <stdlib.h>

#include "apdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apdu_resp r;
    if (apdu_parse_response(data, size, &r) == KS_OK && r.len + 2 != size)
        abort();
    return 0;
}
