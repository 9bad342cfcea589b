/* fuzz_lds_com.c — EF.COM, plus the small DG14/DG15 extractors and lds_unwrap. */
#include <stdint.h>
#include <stdlib.h>

#include "lds.h"

static void check_inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
    if (p < data || n > size || p + n > data + size)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lds_com com;
    if (lds_parse_com(data, size, &com) == KS_OK) {
        if (com.n_dgs > 16)
            abort();
        for (size_t i = 0; i < com.n_dgs; i++)
            if (com.dgs[i] < 1 || com.dgs[i] > 16)
                abort();
    }
    const uint8_t *p;
    size_t n;
    if (lds_dg14_security_infos(data, size, &p, &n) == KS_OK)
        check_inside(p, n, data, size);
    if (lds_dg15_public_key(data, size, &p, &n) == KS_OK)
        check_inside(p, n, data, size);
    if (size > 0 && lds_unwrap(data, size, data[0], &p, &n) == KS_OK)
        check_inside(p, n, data, size);
    return 0;
}
