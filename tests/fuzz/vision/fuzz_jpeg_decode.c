/* Fuzz target: img_jpeg_decode() on arbitrary bytes, and for what it accepts
 * a re-encode and a crop/resize, so decoded images are known to be usable. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    img_image img;
    /* A low pixel limit keeps each run fast; the limit path is exercised too. */
    if (img_jpeg_decode(data, size, 1u << 20, &img) != KS_OK)
        return 0;
    if (img.width * img.height > (1u << 20) || !img.pixels)
        abort();
    uint8_t *jpeg;
    size_t len;
    if (img_jpeg_encode(&img, 50, &jpeg, &len) == KS_OK)
        free(jpeg);
    img_image part, small;
    if (img_crop(&img, img.width / 4, img.height / 4, img.width - img.width / 2,
                 img.height - img.height / 2, &part) == KS_OK) {
        if (img_resize(&part, 17, 23, &small) == KS_OK)
            img_free(&small);
        img_free(&part);
    }
    img_free(&img);
    return 0;
}
