/* fuzz_dg2.c — DG2 (CBEFF + ISO/IEC 19794-5) and the JPEG / JPEG 2000 size readers. */
#include <stdint.h>
#include <stdlib.h>

#include "dg2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dg2_portrait p;
    if (dg2_parse(data, size, &p) == KS_OK) {
        if (!p.image || p.image < data || p.image_len > size ||
            p.image + p.image_len > data + size)
            abort();
        if (p.format != DG2_JPEG && p.format != DG2_JPEG2000)
            abort();
        if (p.n_instances == 0 || p.n_faces == 0)
            abort();
    }
    /* The raw input doubles as an image so the header readers get fuzzed directly. */
    unsigned w, h;
    (void)dg2_image_size(data, size, DG2_JPEG, &w, &h);
    (void)dg2_image_size(data, size, DG2_JPEG2000, &w, &h);
    return 0;
}
