/* fuzz_sod.c — EF.SOD parsing, then the signature step of Passive Authentication. */
#include <stdint.h>
#include <stdlib.h>

#include "pa.h"
#include "sod.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sod s;
    if (sod_parse(data, size, &s) != KS_OK) {
        if (s.cms)
            abort(); /* a failed parse must not leave an object behind */
        return 0;
    }
    if (s.n_hashes == 0 || s.n_hashes > 16)
        abort();
    /* Hash one of the input's own bytes as "DG1" so the digest path runs too. */
    pa_dg dg = {1, data, size > 8 ? 8 : size};
    pa_result r;
    if (pa_verify(&s, &dg, 1, NULL, &r) == KS_OK && r.outcome == PA_VALID)
        abort(); /* without a trust store nothing can be valid */
    sod_free(&s);
    return 0;
}
