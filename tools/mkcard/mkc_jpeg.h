/*
 * mkc_jpeg.h — the few facts about a JPEG file that DG2 needs.
 *
 * Offers: mkc_jpeg_info() walks the marker segments of a JPEG (JFIF/Exif)
 * from SOI up to the first SOF0/SOF1/SOF2 frame header and returns the image
 * width, height and number of colour components. Every segment length is
 * checked against the buffer; nothing is decoded or allocated.
 *
 * Errors: KS_ERR_MALFORMED (not a JPEG, bad segment, zero size),
 * KS_ERR_TRUNCATED (ends before a frame header), KS_ERR_UNSUPPORTED (lossless,
 * arithmetic or hierarchical frames, or a height given only in a DNL).
 */
#ifndef MKC_JPEG_H
#define MKC_JPEG_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct mkc_jpeg_info {
    uint16_t width;
    uint16_t height;
    uint8_t components; /* 1 = greyscale, 3 = colour */
} mkc_jpeg_info;

ks_status mkc_jpeg_info_get(const uint8_t *jpeg, size_t len, mkc_jpeg_info *out);

#endif
