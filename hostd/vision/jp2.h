/*
 * jp2.h — JPEG 2000 decoding (chip portraits in DG2 may be JP2 files or raw
 * J2K codestreams) into an 8-bit img_image, through OpenJPEG 2.5.
 *
 * The input is read from memory and never modified. One component gives a
 * grey image; three (or four: alpha is dropped) give RGB; two (grey+alpha)
 * give grey. sYCC images are converted to RGB and subsampled components are
 * upsampled. Samples of any precision other than 8 bits are rescaled to
 * 0..255, signed samples shifted to unsigned first.
 *
 * Limits are checked on the header, before any sample memory is allocated:
 * more than max_pixels (IMG_MAX_PIXELS when 0 or larger) → KS_ERR_TOO_LARGE,
 * as are more than JP2_MAX_TILES tiles. OpenJPEG's errors and warnings are
 * captured (nothing is ever printed) and both mean KS_ERR_MALFORMED: as with
 * JPEG, an accepted image is exactly what the file says, never a partial
 * decode. Other components counts → KS_ERR_UNSUPPORTED. Thread-safe; on
 * error *out is left empty.
 */
#ifndef KS_JP2_H
#define KS_JP2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "status.h"

/* Real encoders use one tile or a few hundred; each tile costs bookkeeping
 * memory before a single sample is decoded. */
#define JP2_MAX_TILES 4096u

typedef enum jp2_format {
    JP2_FORMAT_NONE = 0, /* neither signature */
    JP2_FORMAT_JP2,      /* JP2 file: starts with the 12-byte signature box */
    JP2_FORMAT_J2K,      /* raw codestream: SOC then SIZ marker */
} jp2_format;

/* Which JPEG 2000 form the data starts with (by signature only). */
jp2_format jp2_detect(const uint8_t *data, size_t len);

/* Decodes a JP2 file or J2K codestream (detected by signature; anything else
 * is KS_ERR_MALFORMED). KS_ERR_NO_MEMORY if allocation fails. */
ks_status jp2_decode(const uint8_t *data, size_t len, size_t max_pixels, img_image *out);

#endif
