/* Fuzz target: jp2_decode() on arbitrary bytes (JP2 files and bare J2K
 * codestreams); what it accepts must be a well-formed image within limits. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "jp2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A low pixel limit keeps each run fast and exercises the refusal path. */
    const size_t limit = (size_t)1 << 18;
    img_image img;
    ks_status st = jp2_decode(data, size, limit, &img);
    if (st != KS_OK) {
        if (img.pixels)
            abort();
        return 0;
    }
    if (!img.pixels || (uint64_t)img.width * img.height > limit ||
        (img.channels != 1 && img.channels != 3) || img.stride < (size_t)img.width * img.channels)
        abort();
    /* Touch every byte so ASan checks the whole buffer. */
    unsigned sum = 0;
    for (uint32_t y = 0; y < img.height; y++)
        for (size_t x = 0; x < (size_t)img.width * img.channels; x++)
            sum += img_row(&img, y)[x];
    img_free(&img);
    return (int)(sum & 0); /* always 0; keeps the loop from being dropped */
}
