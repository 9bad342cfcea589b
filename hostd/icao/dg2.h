/*
 * dg2.h — the portrait in DG2: the CBEFF biometric templates of ISO/IEC
 * 7816-11 (75 { 7F61 { 02 n, 7F60 { A1 header, 5F2E | 7F2E data } ... } })
 * holding an ISO/IEC 19794-5:2005 facial record ("FAC\0" "010\0").
 *
 * dg2_parse() describes the first face of the first template: the image is
 * a pointer into the caller's DG2 buffer (no copy, no allocation), with the
 * raw 19794-5 codes and the pixel size read from the image's own header.
 * The data block may be 5F2E or 7F2E; when a 7F2E block is not a 19794-5
 * record (the ISO/IEC 39794-5 encoding) the first embedded JPEG / JPEG 2000
 * image is taken and the 19794-5 fields are left 0.
 *
 * Errors: KS_ERR_ARG, KS_ERR_TRUNCATED / KS_ERR_MALFORMED for a broken
 * encoding or a record whose lengths disagree, KS_ERR_NOT_FOUND when there is
 * no template or face, KS_ERR_UNSUPPORTED for an image that is neither JPEG
 * nor JPEG 2000 or a protected (7D) template.
 */
#ifndef KS_DG2_H
#define KS_DG2_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef enum dg2_format { DG2_JPEG = 1, DG2_JPEG2000 } dg2_format;

typedef struct dg2_portrait {
    dg2_format format;
    const uint8_t *image;        /* points into the DG2 buffer */
    size_t image_len;
    unsigned width, height;      /* from the image's own header; 0 if unknown */
    unsigned header_width, header_height; /* from the 19794-5 image information */
    uint8_t gender, eye_colour, hair_colour, expression, face_image_type,
        image_data_type, colour_space, source_type; /* raw 19794-5 codes */
    unsigned n_faces;     /* faces in the first biometric data block */
    unsigned n_instances; /* biometric templates (7F60) in 7F61 */
} dg2_portrait;

ks_status dg2_parse(const uint8_t *buf, size_t len, dg2_portrait *out);

/* Pixel size from a JPEG (the SOFn before the first SOS) or a JPEG 2000 file
 * (JP2 ihdr box, or a bare codestream's SIZ segment). KS_ERR_NOT_FOUND when
 * the header holding the size is absent, KS_ERR_MALFORMED when the data does
 * not start like the given format. */
ks_status dg2_image_size(const uint8_t *img, size_t len, dg2_format fmt, unsigned *w,
                         unsigned *h);

/* The format an image's first bytes announce; 0 when neither. */
int dg2_sniff_format(const uint8_t *img, size_t len);

#endif
