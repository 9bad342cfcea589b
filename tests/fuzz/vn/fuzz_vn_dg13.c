/* DG13 of the CCCD chip, straight from card bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vn_dg13.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vn_dg13 dg;
    if (vn_dg13_parse(data, size, &dg) != KS_OK)
        return 0;
    if (dg.n_extra > VN_DG13_MAX_EXTRA || strnlen(dg.full_name, sizeof dg.full_name) ==
                                                 sizeof dg.full_name)
        abort();
    for (size_t i = 0; i < dg.n_extra; i++)
        if (strnlen(dg.extra[i].value, sizeof dg.extra[i].value) == sizeof dg.extra[i].value)
            abort();
    return 0;
}
