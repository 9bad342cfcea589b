/*
 * image.h — 8-bit images in memory: JPEG decode/encode, crop and resize.
 *
 * An img_image owns its pixel buffer (row-major, `stride` bytes per row,
 * `channels` interleaved bytes per pixel: 1 = grey, 3 = R,G,B). Functions
 * that produce an image fill a caller-provided struct; the caller releases it
 * with img_free(). On any error the output struct is left empty (pixels NULL),
 * so img_free() is always safe to call on it.
 *
 * Every image is limited to IMG_MAX_PIXELS; a JPEG whose header announces
 * more is refused with KS_ERR_TOO_LARGE before anything is allocated. Corrupt
 * or truncated JPEG data gives KS_ERR_MALFORMED (libjpeg warnings count as
 * errors: an accepted image is exactly what the file says). No global state;
 * every function is safe to call from several threads on different images.
 */
#ifndef KS_IMAGE_H
#define KS_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* 40 megapixels: larger than any camera frame or chip portrait we expect. */
#define IMG_MAX_PIXELS 40000000u

typedef struct img_image {
    uint32_t width;
    uint32_t height;
    uint32_t channels; /* 1 or 3 */
    size_t stride;     /* bytes from one row to the next, >= width * channels */
    uint8_t *pixels;   /* owned; NULL for an empty image */
} img_image;

/* Allocates a zero-filled width x height image. KS_ERR_ARG for a zero size or
 * channels other than 1 or 3, KS_ERR_TOO_LARGE above IMG_MAX_PIXELS. */
ks_status img_alloc(img_image *out, uint32_t width, uint32_t height, uint32_t channels);

/* Releases the pixels and empties the struct; NULL and empty images are fine. */
void img_free(img_image *img);

/* Start of row y (no bounds check: y < img->height is the caller's duty). */
static inline uint8_t *img_row(const img_image *img, uint32_t y)
{
    return img->pixels + (size_t)y * img->stride;
}

/* Decodes a baseline or progressive JPEG. Grey JPEGs give 1 channel, colour
 * ones 3 (RGB). max_pixels lowers the IMG_MAX_PIXELS limit (0 = no lowering).
 * KS_ERR_MALFORMED / KS_ERR_TRUNCATED for bad data, KS_ERR_TOO_LARGE over the
 * limit, KS_ERR_UNSUPPORTED for CMYK, KS_ERR_NO_MEMORY. */
ks_status img_jpeg_decode(const uint8_t *jpeg, size_t len, size_t max_pixels, img_image *out);

/* Encodes at quality 1..100 (4:2:0 chroma, optimised Huffman tables). On
 * KS_OK *out is a malloc'd buffer of *out_len bytes that the caller free()s. */
ks_status img_jpeg_encode(const img_image *img, int quality, uint8_t **out, size_t *out_len);

/* Copies the rectangle (x, y, width, height), which must lie inside src and
 * be non-empty, into a new image; otherwise KS_ERR_ARG. */
ks_status img_crop(const img_image *src, uint32_t x, uint32_t y, uint32_t width, uint32_t height,
                   img_image *out);

/* Resizes to width x height with bilinear interpolation (pixel centres
 * aligned). Shrinking by more than 2x first halves the image with 2x2 box
 * averaging as often as needed, so fine detail averages instead of aliasing. */
ks_status img_resize(const img_image *src, uint32_t width, uint32_t height, img_image *out);

#endif
