/* fuzz_dg1.c — DG1 (the MRZ). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lds_dg1 dg1;
    if (lds_parse_dg1(data, size, &dg1) == KS_OK) {
        if (dg1.mrz_len != 88 && dg1.mrz_len != 72 && dg1.mrz_len != 90)
            abort();
        if (strlen(dg1.mrz) != dg1.mrz_len)
            abort();
    }
    return 0;
}
